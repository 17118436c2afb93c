#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP test of the runtime benchmark's two harnesses (docs/benchmarks.md):
# bench/runtime_v8.mjs (the host functions and freeing-bump allocator in JS,
# run in node's V8) must give the same output bytes as `pvf call` on real
# runtimes, its allocator and hashes must pass their vectors, an import it
# does not provide must throw naming itself, and bench/runtime_bench must hash
# the same output. Skips (77) without node; the real-runtime checks are
# skipped without <shared>/runtime-blobs or zstd.
#
# usage: test-runtime-v8.sh PVF SHARED_DIR RUNTIME_V8.mjs UNIT_TEST.mjs RUNTIME_BENCH
set -u
if [ $# -ne 5 ]; then
	echo "usage: $0 PVF SHARED_DIR RUNTIME_V8.mjs UNIT_TEST.mjs RUNTIME_BENCH" >&2
	exit 2
fi
pvf=$1 shared=$2 v8=$3 unit_test=$4 rbench=$5
blobs=$shared/runtime-blobs
if ! command -v node >/dev/null 2>&1; then
	echo "1..0 # SKIP node not found"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvf-runtime-v8-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
	n=$((n + 1))
	echo "not ok $n - $1"
	[ -f "$tmp/err" ] && sed 's/^/# /' "$tmp/err"
	failed=$((failed + 1))
}

# Allocator and hash vectors: one TAP line per PASS/FAIL line of the node test.
node "$unit_test" "$v8" >"$tmp/unit" 2>"$tmp/err"
rc=$?
while IFS= read -r line; do
	case $line in
	"PASS "*) pass "${line#PASS }" ;;
	*) fail "${line#FAIL }" ;;
	esac
done <"$tmp/unit"
[ -s "$tmp/unit" ] && [ $rc -eq 0 ] || fail "unit test exited $rc"

# An import the JS host does not provide throws when called, naming itself.
if command -v wat2wasm >/dev/null 2>&1; then
	cat >"$tmp/stub.wat" <<'EOF'
(module
  (import "env" "ext_misc_print_utf8_version_1" (func $print (param i64)))
  (memory (export "memory") 17)
  (global (export "__heap_base") i32 (i32.const 1048576))
  (func (export "f") (param i32 i32) (result i64)
    (call $print (i64.const 0))
    (i64.const 0)))
EOF
	if wat2wasm "$tmp/stub.wat" -o "$tmp/stub.wasm" 2>"$tmp/err" &&
	   ! node "$v8" --hex "$tmp/stub.wasm" f >"$tmp/got" 2>"$tmp/err" &&
	   grep -q 'host function ext_misc_print_utf8_version_1 is not provided' "$tmp/err"; then
		pass "an import without a JS host function throws, naming itself"
	else
		fail "an import without a JS host function throws, naming itself"
	fi
fi

# same NAME CODE EXPORT [HEX]: runtime_v8.mjs --hex prints exactly what
# `pvf call` prints.
same() {
	name=$1
	shift
	if "$pvf" call --no-progress "$@" >"$tmp/want" 2>"$tmp/err" &&
	   node "$v8" --hex "$@" >"$tmp/got" 2>"$tmp/err" &&
	   [ "$(wc -c <"$tmp/want")" -gt 8 ] && cmp -s "$tmp/want" "$tmp/got"; then
		pass "$name: V8 output == pvf call output ($(($(wc -c <"$tmp/want") / 2 - 1)) bytes)"
	else
		[ -s "$tmp/err" ] || { head -c 200 "$tmp/want"; echo; head -c 200 "$tmp/got"; } \
			>"$tmp/err" 2>/dev/null
		fail "$name: V8 output == pvf call output"
	fi
}

if [ ! -f "$blobs/westend-9300.compressed.bin" ] || ! command -v zstd >/dev/null 2>&1; then
	echo "# real runtimes skipped: $blobs or zstd not found"
else
	same "westend Metadata_metadata (9387 mallocs)" \
		"$blobs/westend-9300.compressed.bin" Metadata_metadata
	same "coretime Metadata_metadata (storage_get on empty storage)" \
		"$blobs/coretime-polkadot-1003000.compressed.bin" Metadata_metadata
	same "shell-v2 Core_version (bare zstd frame)" "$blobs/shell-v2.wasm.zst" Core_version
	# runtime-abi.md §4.2 vector B; zeros N: 2N hex zeros
	zeros() { printf "%0$(($1 * 2))d" 0; }
	vec_b=2101$(zeros 8)$(zeros 32)011b4d03dd8c01f1049143cf9c4c817e4b167f1d1b83e5c6f0f10d89ba1e7bce
	vec_b=${vec_b}40$(zeros 8)0500000000000000""07000000$(zeros 32)
	same "adder-kagome validate_block vector B (exported memory)" \
		"$blobs/adder-kagome.wasm" validate_block "$vec_b"
	if grep -q '^0x21010100000000000000804df47c' "$tmp/got"; then
		pass "adder vector B: the head of runtime-abi.md §4.2"
	else
		fail "adder vector B: the head of runtime-abi.md §4.2"
	fi

	same "moonbase Metadata_metadata (blake2_128, twox_128, storage_get)" \
		"$blobs/moonbase-4300.compressed.bin" Metadata_metadata

	# Both timing harnesses hash the same bytes (and see the same host calls).
	code=$blobs/shell-v2.wasm.zst
	if "$rbench" --engine interp --calls 2 --warmup 0 "$code" Metadata_metadata \
		>"$tmp/c.json" 2>"$tmp/err" &&
	   node "$v8" --calls 2 --warmup 0 "$code" Metadata_metadata >"$tmp/js.json" 2>"$tmp/err" &&
	   python3 - "$tmp/c.json" "$tmp/js.json" "$pvf" "$code" >"$tmp/err" 2>&1 <<'EOF'
import hashlib, json, subprocess, sys
c, js = (json.load(open(f)) for f in sys.argv[1:3])
out = subprocess.run([sys.argv[3], "call", "--no-progress", sys.argv[4], "Metadata_metadata"],
                     check=True, capture_output=True, text=True).stdout.strip()
want = hashlib.sha256(bytes.fromhex(out[2:])).hexdigest()
assert c["sha256"] == js["sha256"] == want, (c["sha256"], js["sha256"], want)
assert c["out_len"] == js["out_len"] > 1000, (c["out_len"], js["out_len"])
assert c["host_calls"] == js["host_calls"], (c["host_calls"], js["host_calls"])
assert c["host_calls"]["ext_allocator_malloc_version_1"] > 10, c["host_calls"]
assert 0 < c["min_ns"] <= c["median_ns"] and 0 < js["min_ns"] <= js["median_ns"]
EOF
	then
		pass "runtime_bench and runtime_v8.mjs: same sha256 as pvf call, same host calls"
	else
		fail "runtime_bench and runtime_v8.mjs: same sha256 as pvf call, same host calls"
	fi
fi

echo "1..$n"
[ "$failed" -eq 0 ]
