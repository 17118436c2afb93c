#!/bin/sh
# make fuzz-smoke: runs the decode+validate fuzzer for $2 seconds (default 60)
# under ASan+UBSan, seeded with the malformed-input corpus, the regression
# inputs and the small .wasm files the build produced. Exits non-zero on any
# finding; crashing inputs are left in $build/fuzz-findings/.
set -u
build=${1:-build-fuzz}
secs=${2:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
corpus="$build/fuzz-corpus"
findings="$build/fuzz-findings"
mkdir -p "$corpus" "$findings"
find "$build" -name '*.wasm' -size -64k -exec cp {} "$corpus/" \; 2>/dev/null
cp "$top"/fuzz/corpus/* "$top"/fuzz/regress/* "$corpus/" 2>/dev/null
"$build/fuzz/fuzz_decode" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
	-timeout=10 -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" \
	>"$build/fuzz-smoke.log" 2>&1
rc=$?
tail -n 12 "$build/fuzz-smoke.log"
if [ $rc -ne 0 ] || [ -n "$(ls -A "$findings")" ]; then
	echo "fuzz-smoke: FAILED (exit $rc); findings in $findings, log in $build/fuzz-smoke.log"
	exit 1
fi
echo "fuzz-smoke: clean"
