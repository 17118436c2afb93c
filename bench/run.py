#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make bench: runs every kernel natively, in our interpreter, our native
compiler (--engine native) and (when node is present) in V8 TurboFan and V8 Liftoff, side by side in one run, and prints the
time of each as a ratio to native plus the geometric means.

Usage: run.py BUILD_DIR [--reps N] [--kernels a,b]"""
import math, os, shutil, subprocess, sys

# kernel -> argument chosen so the native run takes tens of milliseconds.
KERNELS = {
    "fib": 32, "sha256": 1000, "sort": 5, "matmul": 40, "bignum": 200000,
    "memcopy": 2000, "sieve": 20, "nbody": 1000000, "crc32": 500,
}

def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1])

def main():
    build = sys.argv[1]
    reps = 3
    names = list(KERNELS)
    args = sys.argv[2:]
    while args:
        a = args.pop(0)
        if a == "--reps": reps = int(args.pop(0))
        elif a == "--kernels": names = args.pop(0).split(",")
    bdir = os.path.join(build, "bench")
    here = os.path.dirname(os.path.abspath(__file__))
    node = shutil.which("node")
    engines = [("interp", None), ("native", None)]
    if node:
        engines += [("v8-turbofan", ["--no-liftoff"]),
                    ("v8-liftoff", ["--liftoff", "--no-wasm-tier-up", "--no-wasm-dynamic-tiering"])]
    else:
        print("bench: node not found; V8 columns skipped")
    ratios = {e: [] for e, _ in engines}
    print(f"{'kernel':10} {'native ms':>10} " + " ".join(f"{e:>12}" for e, _ in engines))
    for k in names:
        n = KERNELS[k]
        wasm = os.path.join(bdir, f"{k}.wasm")
        csum, nat = run([os.path.join(bdir, "native_bench"), k, str(n), str(reps)])
        cols = []
        for e, flags in engines:
            if flags is None:
                c, t = run([os.path.join(bdir, "wasm_bench"), "--engine", e, wasm, str(n), str(reps)])
            else:
                c, t = run([node] + flags + [os.path.join(here, "node_bench.mjs"), wasm, str(n), str(reps)])
            if c != csum:
                print(f"bench: {k}: {e} checksum {c} != native {csum}", file=sys.stderr)
                sys.exit(1)
            ratios[e].append(t / nat)
            cols.append(f"{t / nat:11.2f}x")
        print(f"{k:10} {nat / 1e6:10.2f} " + " ".join(cols))
    print(f"{'geomean':10} {'':>10} " + " ".join(
        f"{math.exp(sum(map(math.log, ratios[e])) / len(ratios[e])):11.2f}x" for e, _ in engines))

if __name__ == "__main__":
    main()
