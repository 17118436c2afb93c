#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP test of `pvf call` and `pvf validate` on the real blobs of
# <shared>/runtime-blobs (skips with 77 when absent) and a small module.
#
# usage: test-pvf-runtime-cli.sh PVF SHARED_DIR RT_HOST.wasm
set -u
if [ $# -ne 3 ]; then
	echo "usage: $0 PVF SHARED_DIR RT_HOST.wasm" >&2
	exit 2
fi
pvf=$1 shared=$2 rthost=$3
blobs=$shared/runtime-blobs
if [ ! -f "$blobs/adder-kagome.wasm" ]; then
	echo "1..0 # SKIP $blobs not found"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvf-runtime-cli-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# check NAME WANT_EXIT PATTERN -- CMD...: runs CMD, wants its exit status and
# a line of its stdout+stderr matching the extended regex PATTERN ('' = any).
check() {
	name=$1 want=$2 pattern=$3
	shift 4
	n=$((n + 1))
	"$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ] && { [ -z "$pattern" ] || grep -Eq -- "$pattern" "$tmp/out"; }; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $got, wanted $want, pattern '$pattern')"
		sed 's/^/# /' "$tmp/out"
		failed=$((failed + 1))
	fi
}

# runtime-abi.md §4.2 vectors A (hex file) and B (binary file), C (traps)
echo "2101 0100000000000000
0102030405060708090001020304050607080900010203040506070809000102
30f692b256e24009bcb34d0ee84da73c298afacc0924e01105e2eb0f01a87fe2
40 0100000000000000 0100000000000000 01000000
50c969706800c0e9c3c4565dc2babb25e4a73d1db0dee1bcf7745535a32e7ca1" | tr -d ' \n' >"$tmp/a.hex"
echo "0x2101 0000000000000000
0000000000000000000000000000000000000000000000000000000000000000
011b4d03dd8c01f1049143cf9c4c817e4b167f1d1b83e5c6f0f10d89ba1e7bce
40 0000000000000000 0500000000000000 07000000
0000000000000000000000000000000000000000000000000000000000000000" | tr -d ' \n' >"$tmp/b.hex"
sed 's/^0x//' "$tmp/b.hex" | perl -ne 'chomp; print pack("H*", $_)' >"$tmp/b.bin"
# vector C: vector A with block state 2
sed 's/400100000000000000/400200000000000000/' "$tmp/a.hex" >"$tmp/c.hex"

check "call --help" 0 '^usage: pvf call' -- "$pvf" call --help
check "validate --help" 0 '^usage: pvf validate' -- "$pvf" validate --help
check "validate: vector A is valid" 0 \
	'^head_data: 0x02000000000000007bcfce08dbe38852eca90e642d641fb19aa0dcf53b6a4ca87a6da4a9162e9027675c1f4e4248fc4018c281a280014d93c8e5bdf26fc6ec8b108f13f571e98ad2$' -- \
	"$pvf" validate "$blobs/adder-kagome.compressed.bin" --params "$tmp/a.hex"
check "validate: vector A watermark" 0 '^hrmp_watermark: 1$' -- \
	"$pvf" validate "$blobs/adder-gossamer.wasm" --params "$tmp/a.hex"
check "validate --json: vector B (binary params) output bytes" 0 \
	'"output": "0x2101010000000000000080' -- \
	"$pvf" validate --json "$blobs/adder-gossamer.wasm" --params "$tmp/b.bin"
check "validate --json: vector B head" 0 \
	'"head_data": "0x0100000000000000804df47c526d888b3f52091df4e253c821e9991ec88e342722cc485fda31747eb4f6c549a55037ee98548e37dbf8ee91322007c4a901157138bb753027104cb1"' -- \
	"$pvf" validate --json "$blobs/adder-kagome.wasm" --params "$tmp/b.hex"
check "validate: vector C is invalid (trap)" 1 '^invalid: trap: unreachable' -- \
	"$pvf" validate "$blobs/adder-kagome.wasm" --params "$tmp/c.hex"
check "validate --json: vector C" 1 '"valid": false' -- \
	"$pvf" validate --json "$blobs/adder-kagome.wasm" --params "$tmp/c.hex"
printf 'not wasm' >"$tmp/bad.wasm"
check "validate: code that does not parse is an error, not a verdict" 3 'prevalidation' -- \
	"$pvf" validate "$tmp/bad.wasm" --params "$tmp/a.hex"
check "validate: missing params file" 3 '' -- \
	"$pvf" validate "$blobs/adder-kagome.wasm" --params "$tmp/none"
check "validate: no --params" 2 '^usage' -- "$pvf" validate "$blobs/adder-kagome.wasm"
check "validate: a module without validate_block" 1 'validate_block is not found' -- \
	"$pvf" validate "$rthost" --params "$tmp/a.hex"

check "call Core_version --decode version" 0 '^spec_name: coretime-polkadot$' -- \
	"$pvf" call --decode version "$blobs/coretime-polkadot-1003000.compressed.bin" Core_version
check "call Core_version: spec_version" 0 '^spec_version: 1003000$' -- \
	"$pvf" call --decode version "$blobs/coretime-polkadot-1003000.compressed.bin" Core_version
check "call Core_version of a bare zstd runtime" 0 '^spec_name: shell$' -- \
	"$pvf" call --decode version "$blobs/shell-v2.wasm.zst" Core_version
check "call --json --decode version" 0 '^ +"spec_version": 1003000,?$' -- \
	"$pvf" call --json --decode version "$blobs/coretime-polkadot-1003000.compressed.bin" \
	Core_version
check "call --json: the output and the version are one JSON object" 0 '^ok$' -- sh -c \
	'"$1" call --json --decode version "$2" Core_version | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert d[\"output\"].startswith(\"0x\") and d[\"version\"][\"spec_name\"] == \"shell\"
print(\"ok\")"' sh "$pvf" "$blobs/shell-v2.wasm.zst"
check "call with --genesis reads storage (Aura authorities)" 0 '^0x1ce06324' -- \
	"$pvf" call --genesis "$blobs/polkadot_coretime.chainspec.json" \
	"$blobs/coretime-polkadot-1003000.compressed.bin" AuraApi_authorities
check "call --stats counts host calls" 0 'ext_storage_get_version_1' -- \
	"$pvf" call --stats --genesis "$blobs/polkadot_coretime.chainspec.json" \
	"$blobs/coretime-polkadot-1003000.compressed.bin" AuraApi_authorities
check "call --stats: native code, some functions optimised by LLVM" 0 \
	'^code: native, [0-9]+ functions, [0-9]+ compiled, [1-9][0-9]* of them also by the optimising' -- \
	"$pvf" call --stats "$blobs/westend-9300.compressed.bin" Core_version
check "call --stats --engine interp: interpreted" 0 '^code: interpreted$' -- \
	"$pvf" call --stats --engine interp "$blobs/shell-v2.wasm.zst" Core_version
check "call with hex input" 0 '^0x0b68656c6c6f$' -- "$pvf" call "$rthost" echo 0x0b68656c6c6f
check "call: a trap exits 1" 1 'unreachable' -- "$pvf" call "$rthost" trap
check "call: unknown export" 1 'not found' -- "$pvf" call "$rthost" nope
check "call: bad hex input" 2 'not hex' -- "$pvf" call "$rthost" echo 0xabc
check "call: missing file" 3 '' -- "$pvf" call "$tmp/none" Core_version

echo "1..$n"
[ "$failed" -eq 0 ]
