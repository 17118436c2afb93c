#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make demo: the end-to-end job of the current stage.

1. Pre-checks every real runtime in ../shared/runtime-blobs with the PVF
   profile in-process (decompress, decode, validate, stack-limiter costs).
2. Reads each runtime's version by running its Core_version export.
3. Starts the validation host (`pvf host`: real prepare and execute worker
   processes, sandboxed, one job process per job) and, through it,
   pre-checks the bundled PVFs and a real runtime, validates a chain of
   adder-parachain blocks with both real adder PVFs (each block built on the
   head the previous one returned), a block on a wrong state, and a halting
   PVF that must time out.
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

print("== the validation host (pvf host: real workers, one sandboxed job process per job)")
host = subprocess.Popen([pvf, "host"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        text=True)
next_id = 0

def ask(req):
    global next_id
    next_id += 1
    req["id"] = next_id
    host.stdin.write(json.dumps(req) + "\n")
    host.stdin.flush()
    line = host.stdout.readline()
    if not line:
        sys.exit("demo: pvf host died")
    res = json.loads(line)
    if "error" in res and "accepted" not in res:
        sys.exit(f"demo: pvf host: {res['error']}")
    return res

halt = os.path.join(build, "tests", "host", "pvf_halt.wasm")
checks = ["adder-kagome.compressed.bin", "adder-gossamer.wasm",
          "coretime-polkadot-1003000.compressed.bin"]
for f in checks:
    res = ask({"op": "precheck", "code": os.path.join(blobs, f)})
    verdict = "accepted" if res["accepted"] else "rejected: " + res.get("error", "?")
    print(f"  precheck {f:42} {verdict} ({res['wall_time_ms']:.0f} ms)")
    if not res["accepted"]:
        sys.exit(1)
if os.path.exists(halt):
    res = ask({"op": "precheck", "code": halt})
    print(f"  precheck {'pvf_halt.wasm (loops forever)':42} "
          f"{'accepted' if res['accepted'] else 'rejected'} ({res['wall_time_ms']:.0f} ms)")

genesis = bytes(8) + bytes(32) + bytes.fromhex(
    "011b4d03dd8c01f1049143cf9c4c817e4b167f1d1b83e5c6f0f10d89ba1e7bce")
for code in ["adder-kagome.compressed.bin", "adder-gossamer.wasm"]:
    head, state = genesis, 0
    for i in range(5):
        add = i + 1
        res = ask({"op": "validate", "code": os.path.join(blobs, code),
                   "params": params(head, state, add, 100 + i).hex(), "exec_timeout": 2})
        if not res["valid"]:
            sys.exit(f"demo: block {i + 1} of {code}: {res['outcome']}")
        head = bytes.fromhex(res["head_data"][2:])
        state += add
        print(f"  {code:28} block {i + 1}: valid, head number "
              f"{int.from_bytes(head[:8], 'little')}, state {state} "
              f"(job {res['cpu_time_ms']:.1f} ms CPU, {res['wall_time_ms']:.1f} ms wall)")
    # A block claiming the wrong parent state must be invalid.
    res = ask({"op": "validate", "code": os.path.join(blobs, code),
               "params": params(head, state + 1, 1, 200).hex(), "exec_timeout": 2})
    print(f"  {code:28} block on a wrong state: {res['outcome']}")
    if res["valid"] or not res["outcome"].startswith("invalid"):
        sys.exit(1)
if os.path.exists(halt):
    res = ask({"op": "validate", "code": halt, "params": params(genesis, 0, 1, 1).hex(),
               "exec_timeout": 0.5})
    print(f"  pvf_halt.wasm with 0.5 s of CPU: {res['outcome']} "
          f"({res['wall_time_ms']:.0f} ms wall)")
    if res["outcome"] != "invalid: hard timeout":
        sys.exit(1)
metrics = ask({"op": "metrics"})["metrics"]
want = ["polkadot_pvf_prepare_concluded", "polkadot_pvf_execute_finished",
        'polkadot_pvf_worker_spawned{flavor="prepare"}',
        'polkadot_pvf_worker_spawned{flavor="execute"}']
for line in metrics.splitlines():
    name = line.split(" ")[0]
    if name in want:
        print(f"  metric {line}")
host.stdin.close()
host.wait()
print("demo: done")
