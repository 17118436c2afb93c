#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Where the time of a runtime call goes, ours (native or interp) against
V8 TurboFan: CPU time per call by category, from `perf record -e cpu-clock`
samples of bench/runtime_bench and bench/runtime_v8.mjs (node
--perf-basic-prof names the JIT code).

Each harness runs twice, with 1 call and with N calls (no warm-up), and the
difference divided by N - 1 is the per-call figure: preparation, lazy
compilation and process start cancel out. CPU time of all threads counts
(V8's concurrent GC and compiler threads included), so a category can add
up to more than the wall time of a call.

Usage: runtime_profile.py BUILD_DIR [--shared DIR] [--calls N] [--engine native|interp]
                          CASE   (a name of bench/runtime_run.py, e.g. westend/Metadata_metadata)"""
import os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import runtime_run  # noqa: E402

HZ = 10000   # samples per CPU-second

def categorise(dso, sym):
    if dso.startswith("[JIT]"):
        if sym.startswith("JS:") and "file://" in sym:
            return "host functions (JS)"
        if sym.startswith("JS:") and not sym.endswith(("turbofan", "liftoff")):
            return "V8 other JIT code"
        return "guest code"
    if dso.startswith("[kernel"):
        return "kernel (page faults, mmap)"
    if dso.startswith("lib") and dso.startswith(("libc.", "libstdc++")):
        return "libc (memcpy, memset, malloc)"
    if dso == "runtime_bench":
        if re.search(r"heap|read_header|write_u64|bump|hostfn|host_call|call_host|binding_call|"
                     r"_v1$|^rt__", sym):
            return "host functions (C)"
        if re.search(r"instance|store|memory|eng_func_call|rt_runtime_call|resolve|global|"
                     r"export|trampoline|nat__call|segment|trap|signal|stack", sym):
            return "engine runtime (instantiate, store, call)"
        return "preparation (one-off: the rest is noise)"
    if dso == "node":
        if re.search(r"Marking|Sweep|Scaveng|Evacuat|MemoryChunk|Heap|SizeFromMap|Visitor|"
                     r"GC|Collector|Marker|Worklist|Remembered|Slot", sym):
            return "V8 garbage collector"
        if "compiler::" in sym or "wasm::" in sym and "Compil" in sym:
            return "V8 lazy compilation (one-off: the rest is noise)"
        return "V8 runtime (instantiate, builtins, API)"
    return "other"

def samples(cmd):
    # node --perf-basic-prof also writes an isolate-*-v8.log into its working
    # directory: run it in a temporary one. (The /tmp/perf-PID.map files it
    # writes for perf stay, as with any perf session.)
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "perf.data")
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(HZ), "-o", f]
                       + cmd, check=True, capture_output=True, cwd=d)
        rep = subprocess.run(["perf", "report", "-i", f, "--no-children", "--sort",
                              "dso,sym", "-F", "sample,dso,sym", "--stdio"],
                             check=True, capture_output=True, text=True).stdout
    out = {}
    for line in rep.splitlines():
        m = re.match(r"\s*(\d+)\s+(\[JIT\] tid \d+|\S+)\s+\[.\]\s+(.*)", line)
        if m:
            c = categorise(m.group(2), m.group(3).strip())
            out[c] = out.get(c, 0) + int(m.group(1))
    return out

def per_call(cmd_for, n):
    one, many = samples(cmd_for(1)), samples(cmd_for(n))
    return {k: (many.get(k, 0) - one.get(k, 0)) / (n - 1) / HZ * 1e3
            for k in set(one) | set(many)}

def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    build = args.pop(0)
    shared, n, engine = os.path.join(HERE, "..", "..", "shared"), 100, "native"
    while len(args) > 1:
        a = args.pop(0)
        if a == "--shared": shared = args.pop(0)
        elif a == "--calls": n = int(args.pop(0))
        elif a == "--engine": engine = args.pop(0)
        else: sys.exit(__doc__)
    blob, fn, inp, _, pvf = runtime_run.cases()[args[0]]
    build = os.path.abspath(build)   # the harnesses run in a temporary directory
    code = os.path.abspath(os.path.join(shared, "runtime-blobs", blob))
    tail = [code, fn] + ([inp] if inp else [])
    ours = per_call(lambda k: [os.path.join(build, "bench", "runtime_bench"), "--engine", engine,
                               "--calls", str(k), "--warmup", "0"]
                    + (["--pvf"] if pvf else []) + tail, n)
    v8 = per_call(lambda k: ["node", "--no-liftoff", "--perf-basic-prof",
                             os.path.join(HERE, "runtime_v8.mjs"), "--calls", str(k),
                             "--warmup", "0"] + tail, n)
    print(f"{args[0]}: CPU ms per call ({n} calls less 1, perf cpu-clock samples)")
    print(f"{'':44} {'ours ' + engine:>12} {'v8-turbofan':>12}")
    for k in sorted(set(ours) | set(v8), key=lambda k: -(ours.get(k, 0) + v8.get(k, 0))):
        a, b = ours.get(k, 0), v8.get(k, 0)
        if abs(a) >= 0.0005 or abs(b) >= 0.0005:
            print(f"{k:44} {a:12.3f} {b:12.3f}")
    print(f"{'total':44} {sum(ours.values()):12.3f} {sum(v8.values()):12.3f}")

if __name__ == "__main__":
    main()
