#!/bin/sh
# make bench: engine benchmarks (bench/run.py: ratios to native), real runtime
# calls against node's V8 (bench/runtime_run.py) and the validation-host
# benchmark (bench/host_bench: latency, throughput, memory through the real
# workers), in one run. Prints figures; fails only when engines disagree on an
# output (a correctness bug, not a slow run).
set -eu
build=${1:-build}
here=$(dirname "$0")/..
python3 "$here/bench/run.py" "$build"
echo
python3 "$here/bench/runtime_run.py" "$build" --shared "$here/../shared"
echo
code=$here/../shared/runtime-blobs/adder-kagome.compressed.bin
[ -f "$code" ] || code=$build/tests/pvfs/adder.wasm
if [ ! -f "$code" ]; then
	echo "bench: no adder PVF found; host benchmark skipped"
	exit 0
fi
hb() {
	"$build/bench/host_bench" "$build/workers/pvf-prepare-worker" \
		"$build/workers/pvf-execute-worker" "$code" "$@"
}
hb
echo
echo "for comparison, the same without the worker sandbox (test-only mode):"
hb --no-sandbox --reps 1000
