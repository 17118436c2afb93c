#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Differential fuzzing of the interpreter against V8 (node): random
# stack-balanced modules from gen.py, run with the same arguments in both
# engines, results compared (trap messages are normalised to "trap").
# usage: tests/data/exec/difffuzz/run.sh BUILD_DIR FIRST_SEED LAST_SEED
# A mismatching seed keeps its mSEED.wat in the work directory; reduce.py SEED
# (run there) shrinks it to the statements that matter.
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
src=$(cd "$here/../../../../src" && pwd)
work=${WORK:-$(mktemp -d)}
cd "$work"
cp "$here/gen.py" "$here/run.js" "$here/reduce.py" .
cc -O1 -I"$src" "$here/run.c" "$build/src/engine/libpvf_engine.a" "$build/src/base/libpvf_base.a" \
	-lm -o run
args="0 0 0 1 2 3 -1 7 -5 123456 -99 9223372036854775807 2147483647 -2147483648 -1"
fail=0
for s in $(seq "${2:-1}" "${3:-100}"); do
	python3 gen.py "$s" > "m$s.wat"
	wat2wasm "m$s.wat" -o "m$s.wasm"
	a=$(timeout 60 ./run "m$s.wasm" $args 2>&1 | sed 's/^trap.*/trap/')
	b=$(timeout 60 node run.js "m$s.wasm" $args 2>&1 | sed 's/^trap.*/trap/')
	if [ "$a" != "$b" ]; then
		echo "seed $s: MISMATCH (kept $work/m$s.wat)"
		fail=$((fail + 1))
	else
		rm -f "m$s.wat" "m$s.wasm"
	fi
done
echo "seeds ${2:-1}..${3:-100}: $fail mismatches (work dir $work)"
[ "$fail" = 0 ]
