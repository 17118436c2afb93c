#!/bin/sh
# The CI smoke run of the V8 leg of the differential fuzzing (the long run is
# make fuzz-diff): N random modules (no visible NaN bits) on both backends,
# then in node's V8; every result, trap class and final memory must agree.
#   test-native-v8-diff.sh GENERATOR N
set -u
gen=$1
n=${2:-500}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1; then
	echo "1..0 # SKIP node is not installed (the V8 leg needs it)"
	exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "1..2"
out=$("$gen" --emit "$dir" 0 "$n")
if echo "$out" | grep -q '^ok'; then
	echo "ok 1 - $n modules written, interpreter and native agree"
else
	echo "not ok 1 - emitting $n modules: $(echo "$out" | head -3 | tr '\n' ' ')"
fi
res=$(node "$here/difffuzz_v8.mjs" "$dir" 2>&1)
rc=$?
echo "$res" | sed 's/^/# /'
if [ $rc -eq 0 ]; then
	echo "ok 2 - V8 agrees: $(echo "$res" | tail -1)"
else
	echo "not ok 2 - V8 disagrees: $(echo "$res" | tail -1)"
fi
