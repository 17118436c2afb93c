#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Interpreter vs native on the kernels of kernels.c (docs/interpreter.md §8).
# usage: tests/data/exec/bench/run.sh BUILD_DIR   (needs clang with the wasm32 target and wasm-ld)
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
src=$(cd "$here/../../../../src" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
clang -O2 -ffreestanding -fno-builtin -c "$here/kernels.c" -o kernels.o
clang -O2 "$here/main.c" kernels.o -o native
clang --target=wasm32 -O2 -ffreestanding -fno-builtin -nostdlib -mcpu=mvp -Wl,--no-entry \
	-Wl,-z,stack-size=1048576 "$here/kernels.c" -o kernels.wasm
clang -O2 -I"$src" "$here/wrun.c" "$build/src/engine/libpvf_engine.a" \
	"$build/src/base/libpvf_base.a" -lm -o wrun
best() { sort -n | head -1; }
for k in "fib 35" "matmul 10" "matmulf 10" "sha256 6" "qsort 1024" "bignum 16" "keccak 200000"; do
	set -- $k
	n=$(for i in 1 2 3 4 5; do ./native "$1" "$2" | cut -d' ' -f2; done | best)
	w=$(for i in 1 2 3 4 5; do ./wrun kernels.wasm "$1" "$2" | cut -d' ' -f2; done | best)
	a=$(./native "$1" "$2" | cut -d' ' -f1)
	b=$(./wrun kernels.wasm "$1" "$2" | cut -d' ' -f1)
	[ "$a" = "$b" ] || echo "$1: checksum mismatch: native $a, interpreter $b"
	echo "$1 $n $w" | awk '{printf "%-8s native %.4f s  interpreter %.4f s  ratio %.1f\n", $1, $2, $3, $3 / $2}'
done
