#!/bin/sh
# make fuzz-diff: the long differential run of docs/compiler.md §5.
#   1. random modules on the interpreter and the native backend, full and PVF
#      profiles ($3 seeds per profile, default 20000; CI runs 2000);
#   2. random modules (no visible NaN bits) on both backends and in node's V8,
#      $2 rounds of 5000 modules (default 10; CI runs 500 modules). Skipped
#      with a message when node is not installed.
# Exits non-zero on any difference; the seeds of a V8 difference are printed
# (rerun one with: test_engine_native_random --emit DIR SEED 1).
set -u
build=${1:-build}
rounds=${2:-10}
seeds=${3:-20000}
top=$(cd "$(dirname "$0")/.." && pwd)
gen="$build/tests/test_engine_native_random"
fail=0

echo "fuzz-diff: interpreter vs native, $seeds modules per profile"
out=$("$gen" "$seeds")
echo "$out" | grep -v '^#'
echo "$out" | grep -q '^ok' || fail=1
echo "$out" | grep -q '^not ok' && fail=1

if ! command -v node >/dev/null 2>&1; then
	echo "fuzz-diff: node not installed: the V8 leg is skipped"
else
	dir=$(mktemp -d)
	trap 'rm -rf "$dir" "$dir.log"' EXIT
	r=0
	while [ "$r" -lt "$rounds" ]; do
		first=$((1000000 + r * 5000))
		rm -f "$dir"/*
		if ! "$gen" --emit "$dir" "$first" 5000 | grep -q '^ok'; then
			echo "fuzz-diff: seeds $first..: the backends disagree"
			fail=1
		fi
		if ! node "$top/tests/unit/difffuzz_v8.mjs" "$dir" >"$dir.log" 2>&1; then
			sed "s/^/round $r (seeds $first..): /" "$dir.log"
			fail=1
		fi
		rm -f "$dir.log"
		r=$((r + 1))
	done
	echo "fuzz-diff: V8 leg: $((rounds * 5000)) modules compared"
fi
if [ "$fail" -ne 0 ]; then
	echo "fuzz-diff: FAILED"
	exit 1
fi
echo "fuzz-diff: clean"
