#!/bin/sh
# make bench: engine benchmarks (see bench/run.py). Prints ratios to native.
set -eu
build=${1:-build}
exec python3 "$(dirname "$0")/../bench/run.py" "$build"
