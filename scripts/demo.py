#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make demo: the end-to-end job of the current stage.

1. Pre-checks every real runtime in ../shared/runtime-blobs with the PVF
   profile (decompress, decode, validate, stack-limiter costs).
2. Reads each runtime's version by running its Core_version export.
3. Validates a chain of adder-parachain blocks with both real adder PVFs,
   each block built on the head the previous one returned.
Without ../shared it runs the bench kernels in the engine instead."""
import json, os, subprocess, sys, tempfile, time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
pvf = os.path.join(build, "tools", "pvf")
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
shared = os.environ.get("PVF_SHARED_DIR", os.path.join(top, "..", "shared"))
blobs = os.path.join(shared, "runtime-blobs")

def run(args, check=True):
    t = time.monotonic()
    p = subprocess.run([pvf] + args, capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"demo: pvf {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")
    return p, (time.monotonic() - t) * 1000

def compact(n):
    assert n < 1 << 14
    return bytes([n << 2]) if n < 64 else ((n << 2) | 1).to_bytes(2, "little")

def params(head, state, add, relay_number):
    block = state.to_bytes(8, "little") + add.to_bytes(8, "little")
    return (compact(len(head)) + head + compact(len(block)) + block +
            relay_number.to_bytes(4, "little") + bytes(32))

if not os.path.isdir(blobs):
    print(f"demo: {blobs} not found; running the engine on the bench kernels only")
    for k in ["fib", "sha256", "crc32"]:
        p, ms = run(["wasm", "run", os.path.join(build, "bench", k + ".wasm"), "run", "i32:20"])
        print(f"  {k}.wasm run(20) = {p.stdout.strip()}  ({ms:.0f} ms)")
    sys.exit(0)

print("== pre-check (PVF profile) and Core_version of the real runtimes")
for f in sorted(os.listdir(blobs)):
    if not f.endswith((".compressed.bin", ".wasm.zst")) or f.startswith("adder"):
        continue
    path = os.path.join(blobs, f)
    _, ms = run(["wasm", "validate", "--profile", "pvf", path])
    p, ms2 = run(["call", "--decode", "version", path, "Core_version"])
    ver = {k.strip(): v.strip() for k, v in
           (l.split(":", 1) for l in p.stdout.splitlines() if ":" in l)}
    print(f"  {f:58} accepted in {ms:5.0f} ms; {ver.get('spec_name', '?')} "
          f"v{ver.get('spec_version', '?')} ({ms2:.0f} ms)")

print("== a chain of adder blocks through validate_block")
genesis = bytes(8) + bytes(32) + bytes.fromhex(
    "011b4d03dd8c01f1049143cf9c4c817e4b167f1d1b83e5c6f0f10d89ba1e7bce")
for code in ["adder-kagome.compressed.bin", "adder-gossamer.wasm"]:
    head, state = genesis, 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(5):
            add = i + 1
            pf = os.path.join(tmp, "params.bin")
            with open(pf, "wb") as fh:
                fh.write(params(head, state, add, 100 + i))
            p, ms = run(["validate", "--json", os.path.join(blobs, code), "--params", pf])
            res = json.loads(p.stdout)
            head = bytes.fromhex(res["head_data"][2:])
            state += add
            print(f"  {code:28} block {i + 1}: valid, head number "
                  f"{int.from_bytes(head[:8], 'little')}, state {state} ({ms:.0f} ms)")
        # A block claiming the wrong parent state must be invalid.
        with open(pf, "wb") as fh:
            fh.write(params(head, state + 1, 1, 200))
        p, _ = run(["validate", os.path.join(blobs, code), "--params", pf], check=False)
        verdict = {0: "valid (WRONG)", 1: "invalid (expected)"}.get(p.returncode, f"error {p.returncode}")
        print(f"  {code:28} block on a wrong state: {verdict}")
        if p.returncode != 1:
            sys.exit(1)
print("demo: done")
