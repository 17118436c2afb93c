#!/bin/sh
# make fuzz-smoke: runs the decode+validate fuzzer for $2 seconds (default 60)
# under ASan+UBSan, seeded with the spec-test binaries and the test modules.
set -eu
build=${1:-build-fuzz}
secs=${2:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
corpus="$build/fuzz-corpus"
mkdir -p "$corpus"
# Seed: every .wasm the build produced (tests, bench kernels), small ones only.
find "$build" -name '*.wasm' -size -64k -exec cp {} "$corpus/" \; 2>/dev/null || true
if [ -d "$top/fuzz/corpus" ]; then cp "$top"/fuzz/corpus/* "$corpus/" 2>/dev/null || true; fi
"$build/fuzz/fuzz_decode" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
	-timeout=10 -print_final_stats=1 "$corpus" 2>&1 | tail -n 20
