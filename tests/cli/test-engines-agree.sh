#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Differential test of the two engine backends on real runtimes: for every
# runtime in ../shared/runtime-blobs, `pvf call --engine interp` and
# `--engine native` give byte-identical outputs for Core_version and
# Metadata_metadata, and both adder PVFs give the same ValidationResult (in
# process, and through the workers with each engine).
# TAP; exits 77 when the shared blobs are absent.
#
# usage: test-engines-agree.sh PVF SHARED_DIR
set -u
pvf=$1 blobs=$2/runtime-blobs
if [ ! -d "$blobs" ]; then
	echo "1..0 # SKIP $blobs is absent"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvf-engines-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
t() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
for f in "$blobs"/*.compressed.bin "$blobs"/*.wasm.zst; do
	name=$(basename "$f")
	case $name in adder*) continue ;; esac
	for fn in Core_version Metadata_metadata; do
		"$pvf" call --engine interp "$f" "$fn" >"$tmp/i" 2>"$tmp/ie"; ri=$?
		"$pvf" call --engine native "$f" "$fn" >"$tmp/n" 2>"$tmp/ne"; rn=$?
		[ $ri -eq 0 ] && [ $rn -eq 0 ] && [ -s "$tmp/i" ] && cmp -s "$tmp/i" "$tmp/n"
		t $? "$name $fn: interp and native outputs identical ($(wc -c <"$tmp/i") bytes)"
	done
done
# Vector B of runtime-abi.md 4.2, and the same block built on a wrong state.
printf '2101%s%s011b4d03dd8c01f1049143cf9c4c817e4b167f1d1b83e5c6f0f10d89ba1e7bce40%s%s07000000%s' \
	0000000000000000 0000000000000000000000000000000000000000000000000000000000000000 \
	0000000000000000 0500000000000000 \
	0000000000000000000000000000000000000000000000000000000000000000 >"$tmp/p.hex"
printf '2101%s%s011b4d03dd8c01f1049143cf9c4c817e4b167f1d1b83e5c6f0f10d89ba1e7bce40%s%s07000000%s' \
	0000000000000000 0000000000000000000000000000000000000000000000000000000000000000 \
	0100000000000000 0500000000000000 \
	0000000000000000000000000000000000000000000000000000000000000000 >"$tmp/bad.hex"
for f in adder-kagome.compressed.bin adder-gossamer.wasm; do
	"$pvf" validate --in-process --json --engine interp "$blobs/$f" --params "$tmp/p.hex" >"$tmp/i"; ri=$?
	"$pvf" validate --in-process --json --engine native "$blobs/$f" --params "$tmp/p.hex" >"$tmp/n"; rn=$?
	[ $ri -eq 0 ] && [ $rn -eq 0 ] && cmp -s "$tmp/i" "$tmp/n" && grep -q '"valid": true' "$tmp/n"
	t $? "$f vector B: valid, identical results on both engines"
	"$pvf" validate --in-process --engine interp "$blobs/$f" --params "$tmp/bad.hex" >/dev/null 2>&1; ri=$?
	"$pvf" validate --in-process --engine native "$blobs/$f" --params "$tmp/bad.hex" >/dev/null 2>&1; rn=$?
	[ $ri -eq 1 ] && [ $rn -eq 1 ]
	t $? "$f wrong state: invalid on both engines (exit $ri, $rn)"
done
# Through the host and the workers: the artifact records the chosen engine
# (byte 16: 1 interpreter, 2 native; docs/host.md "Artifacts").
for e in interp:1 native:2; do
	mkdir -p "$tmp/cache-${e%:*}"
	"$pvf" validate --json --engine "${e%:*}" --cache "$tmp/cache-${e%:*}" \
		"$blobs/adder-kagome.compressed.bin" --params "$tmp/p.hex" >"$tmp/h" 2>"$tmp/he"; rh=$?
	art=$(ls "$tmp/cache-${e%:*}"/*.pvf 2>/dev/null | head -n 1)
	kind=$([ -n "$art" ] && od -An -tu1 -j16 -N1 "$art" | tr -d ' ')
	[ $rh -eq 0 ] && grep -q '"valid": true' "$tmp/h" && [ "$kind" = "${e#*:}" ]
	t $? "adder-kagome through the workers with --engine ${e%:*}: valid, artifact engine $kind"
done
echo "1..$n"
[ $failed -eq 0 ]
