#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make bench, part 2: real runtime calls (Metadata_metadata, Core_version,
the adder's validate_block) on our native engine and interpreter
(bench/runtime_bench) and on node's V8 TurboFan and Liftoff
(bench/runtime_v8.mjs, the same host functions written in JS), each call in
a fresh instance as the host does. Prints the best per-call time (the
fastest of the timed calls, as bench/run.py takes the best repetition: the
machine is shared, and the median mostly measures the neighbours; with
--rounds R > 1 the best of all rounds, followed by how much the rounds' bests
spread: +N% = (slowest - fastest) / fastest) and ratios (native/TurboFan also
on the median calls, which include V8's garbage collections), and exits 1 if the
four outputs (and the host-function counts) are not identical. --verbose
adds the medians, preparation times and host-function counts.

Usage: runtime_run.py BUILD_DIR [--shared DIR] [--rounds R] [--calls N]
                      [--cases a,b] [--verbose]"""
import json, os, re, shutil, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# name -> (blob in shared/runtime-blobs, export, input, timed calls, PVF host set)
# Only runtime/export pairs whose host functions runtime_v8.mjs provides
# (allocator, logging, blake2_128, twox_128, storage_get on empty storage).
def cases():
    vec = adder_vectors()
    return {
        "westend/Metadata_metadata": ("westend-9300.compressed.bin", "Metadata_metadata", "", 20, False),
        "asset-hub/Metadata_metadata": ("asset-hub-kusama-local-statemine-1000000.compressed.bin",
                                        "Metadata_metadata", "", 20, False),
        "coretime/Metadata_metadata": ("coretime-polkadot-1003000.compressed.bin",
                                       "Metadata_metadata", "", 20, False),
        "moonbase/Metadata_metadata": ("moonbase-4300.compressed.bin", "Metadata_metadata", "",
                                       20, False),
        "shell-v2/Metadata_metadata": ("shell-v2.wasm.zst", "Metadata_metadata", "", 50, False),
        "westend/Core_version": ("westend-9300.compressed.bin", "Core_version", "", 50, False),
        "moonbase/Core_version": ("moonbase-4300.compressed.bin", "Core_version", "", 50, False),
        "adder-kagome/validate_block": ("adder-kagome.wasm", "validate_block", vec["a"], 200, True),
        "adder-gossamer/validate_block": ("adder-gossamer.wasm", "validate_block", vec["b"], 200,
                                          True),
    }

def adder_vectors():
    """Vectors A and B of runtime-abi.md §4.2 from tests/unit/adder_vectors.h."""
    text = open(os.path.join(ROOT, "tests", "unit", "adder_vectors.h")).read()
    out = {}
    for m in re.finditer(r"static const char vec_(\w)_params\[\] =(.*?);", text, re.S):
        out[m.group(1)] = "".join(re.findall(r'"([^"]*)"', m.group(2))).replace(" ", "")
    return out

NODE_TIERS = [("v8-turbofan", ["--no-liftoff"]),
              ("v8-liftoff", ["--liftoff", "--no-wasm-tier-up", "--no-wasm-dynamic-tiering"])]

def run_json(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"runtime bench: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr.strip()}")
    return json.loads(p.stdout.strip().splitlines()[-1])

def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    build = args.pop(0)
    shared = os.path.join(ROOT, "..", "shared")
    rounds, calls_override, names, verbose = 1, None, None, False
    while args:
        a = args.pop(0)
        if a == "--shared": shared = args.pop(0)
        elif a == "--rounds": rounds = int(args.pop(0))
        elif a == "--calls": calls_override = int(args.pop(0))
        elif a == "--cases": names = args.pop(0).split(",")
        elif a == "--verbose": verbose = True
        else: sys.exit(__doc__)
    blobs = os.path.join(shared, "runtime-blobs")
    if not os.path.isdir(blobs):
        print(f"runtime bench: {blobs} not found; skipped")
        return
    all_cases = cases()
    names = names or list(all_cases)
    bench = os.path.join(build, "bench", "runtime_bench")
    node = shutil.which("node")
    engines = [("native", None), ("interp", None)]
    if node and shutil.which("zstd"):
        engines += NODE_TIERS
    else:
        print("runtime bench: node or zstd not found; V8 columns skipped")

    cols = [e for e, _ in engines]
    print(f"{'runtime/export':32} {'out B':>7} " + " ".join(f"{c + ' ms':>15}" for c in cols)
          + ("  native/TF  (median)  interp/Lo" if len(cols) == 4 else ""))
    for name in names:
        blob, fn, inp, calls, pvf = all_cases[name]
        code = os.path.join(blobs, blob)
        if not os.path.isfile(code):
            print(f"{name:32} (missing {blob})")
            continue
        calls = calls_override or calls
        warmup = max(3, calls // 10)
        res = {e: [] for e in cols}
        for _ in range(rounds):
            for e, flags in engines:
                if flags is None:
                    cmd = [bench, "--engine", e, "--calls", str(calls), "--warmup", str(warmup)]
                    cmd += (["--pvf"] if pvf else []) + [code, fn] + ([inp] if inp else [])
                else:
                    cmd = [node] + flags + [os.path.join(HERE, "runtime_v8.mjs"), "--calls",
                                            str(calls), "--warmup", str(warmup), code, fn]
                    cmd += [inp] if inp else []
                res[e].append(run_json(cmd))
        ref = res["native"][0]
        for e in cols:
            for r in res[e]:
                if (r["out_len"], r["sha256"]) != (ref["out_len"], ref["sha256"]):
                    sys.exit(f"runtime bench: {name}: OUTPUT DIFFERS: {e} gives {r['out_len']} "
                             f"bytes sha256 {r['sha256']}, native {ref['out_len']} bytes "
                             f"sha256 {ref['sha256']}")
                if r["host_calls"] != ref["host_calls"]:
                    sys.exit(f"runtime bench: {name}: HOST CALLS DIFFER: {e} {r['host_calls']}, "
                             f"native {ref['host_calls']}")
        ms = {e: min(r["min_ns"] for r in res[e]) / 1e6 for e in cols}
        med = {e: statistics.median(r["median_ns"] for r in res[e]) / 1e6 for e in cols}
        cells = []
        for e in cols:
            cell = f"{ms[e]:.3f}"
            if rounds > 1:
                bests = [r["min_ns"] / 1e6 for r in res[e]]
                cell += f" +{(max(bests) - min(bests)) / ms[e] * 100:.0f}%"
            cells.append(f"{cell:>15}")
        line = f"{name:32} {ref['out_len']:7} " + " ".join(cells)
        if len(cols) == 4:
            line += (f"  {ms['native'] / ms['v8-turbofan']:8.2f}x "
                     f"{med['native'] / med['v8-turbofan']:8.2f}x "
                     f"{ms['interp'] / ms['v8-liftoff']:9.2f}x")
        print(line, flush=True)
        if verbose:
            for e in cols:
                r = res[e][0]
                print(f"    {e:12} median {med[e]:.3f} ms, prepare/compile "
                      f"{r['compile_ns'] / 1e6:.1f} ms, host calls {r['host_calls']}")
    print("(best ms per call, fresh instance each; outputs and host-call counts identical on all "
          "engines;\n native/TF < 1: our native engine is faster than TurboFan; (median): the "
          "same with the median calls)")
    prepare_table(bench, node, engines, blobs, names, all_cases)

def prepare_table(bench, node, engines, blobs, names, all_cases):
    """Preparation speed per runtime: MB of Wasm per second of one thread. Ours:
    rt_runtime_prepare (decompress, validate, translate, compile; single-threaded);
    V8: new WebAssembly.Module with --single-threaded (no background compilation) and
    --no-wasm-lazy-compilation (every function compiled, by the tier of the column)."""
    seen, rows = set(), []
    for name in names:
        blob, fn, inp, _, pvf = all_cases[name]
        code = os.path.join(blobs, blob)
        if blob in seen or not os.path.isfile(code):
            continue
        seen.add(blob)
        row = {}
        for e, flags in engines:
            if flags is None:
                cmd = [bench, "--engine", e, "--calls", "1", "--warmup", "0"]
                cmd += (["--pvf"] if pvf else []) + [code, fn] + ([inp] if inp else [])
            else:
                cmd = [node, "--single-threaded", "--no-wasm-lazy-compilation"] + flags + [
                    os.path.join(HERE, "runtime_v8.mjs"), "--calls", "1", "--warmup", "0",
                    code, fn] + ([inp] if inp else [])
            best = min((run_json(cmd) for _ in range(2)), key=lambda r: r["compile_ns"])
            row[e] = best
        rows.append((blob.split(".")[0], row))
    cols = [e for e, _ in engines]
    print()
    print(f"{'preparation':42} {'MB wasm':>8} " + " ".join(f"{c + ' MB/s':>17}" for c in cols))
    for blob, row in rows:
        mb = row[cols[0]]["wasm_len"] / 1e6
        cells = [f"{mb / (row[e]['compile_ns'] / 1e9):10.1f} ({row[e]['compile_ns'] / 1e6:5.0f} ms)"
                 for e in cols]
        print(f"{blob:42} {mb:8.2f} " + " ".join(f"{c:>17}" for c in cells))
    print("(MB of Wasm per second of one thread: ours rt_runtime_prepare with decompression,\n"
          " validation and, native, both compiler tiers; V8 new WebAssembly.Module with "
          "--single-threaded\n --no-wasm-lazy-compilation: every function compiled by that tier)")

if __name__ == "__main__":
    main()
