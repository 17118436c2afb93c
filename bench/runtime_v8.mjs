// SPDX-License-Identifier: Apache-2.0
// Times real runtime calls in node's V8 with the same host functions as our
// host, for the comparison of bench/runtime_run.py (docs/benchmarks.md).
//
//   node [V8 flags] runtime_v8.mjs [--calls N] [--warmup N] [--hex] CODE EXPORT [HEX_INPUT]
//
// CODE is plain Wasm, an 8-byte-prefixed zstd blob or a bare zstd frame
// (decompressed with the zstd command). Each call runs as src/runtime/pvf.c's
// rt_runtime_call does: fresh instance (imported memory created with the
// module's minimum and a maximum of 2080 pages), freeing-bump allocator at
// align8(__heap_base), input allocated with it and copied, EXPORT(ptr, len)
// called, the i64 result unpacked as (len << 32 | ptr), bounds-checked and
// copied out. Host functions: the allocator, logging (max level 0, messages
// dropped) and ext_storage_get_version_1 on an empty storage; every other
// import throws naming itself when called.
//
// Prints one JSON line: calls, min_ns, median_ns (per call, instantiation
// included), compile_ns, out_len, sha256 of the output, host_calls. With
// --hex, prints the output as 0x-hex instead (one call, for tests). Exports
// the allocator (Heap) for its test.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const MAX_MEMORY_PAGES = 2080;          // 32 + 2048, the PVF executor's default

function usage() {
  console.error('usage: runtime_v8.mjs [--calls N] [--warmup N] [--hex] CODE EXPORT [HEX_INPUT]');
  process.exit(2);
}

// ---- code blobs ---------------------------------------------------------
const BLOB_MAGIC = [0x52, 0xbc, 0x53, 0x76, 0x46, 0xdb, 0x8e];

function loadCode(path) {
  let b = readFileSync(path);
  const prefixed = b.length >= 8 && BLOB_MAGIC.every((x, i) => b[i] === x) &&
    (b[7] === 0x05 || b[7] === 0x07);
  if (prefixed)
    b = b.subarray(8);
  if (prefixed || (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd))
    b = execFileSync('zstd', ['-d', '-q', '-c'], { input: b, maxBuffer: 64 << 20 });
  return b;
}

// ---- the module's imported memory limits (the JS API does not show them) ----
function readImportedMemory(bytes) {
  let p = 8;
  const leb = () => {
    let r = 0, s = 0, x;
    do { x = bytes[p++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
    return r;
  };
  const name = () => { const n = leb(); const s = bytes.toString('utf8', p, p + n); p += n; return s; };
  const limits = () => {
    const flags = bytes[p++];
    const min = leb();
    return { min, max: flags & 1 ? leb() : undefined };
  };
  while (p < bytes.length) {
    const id = bytes[p++], size = leb(), end = p + size;
    if (id !== 2) { p = end; continue; }
    for (let n = leb(); n > 0; n--) {
      const mod = name(), field = name(), kind = bytes[p++];
      if (kind === 0) leb();
      else if (kind === 1) { p++; limits(); }
      else if (kind === 2) { const l = limits(); if (mod === 'env' && field === 'memory') return l; }
      else if (kind === 3) p += 2;
      else throw new Error(`import ${mod}.${field}: unknown kind ${kind}`);
    }
    return null;
  }
  return null;
}

// ---- the freeing-bump heap allocator (runtime-abi.md §2) ----------------
// Written from the specification: 23 power-of-two orders (8 B .. 32 MiB),
// an 8-byte little-endian header before each block (occupied: order with
// bit 32 set; free: next free header or NIL with bit 32 clear; only bit 32
// and the low word are read), LIFO free lists, a bump pointer that doubles
// memory when it runs past the end. Any error poisons it and traps the call.
const PAGE = 65536, N_ORDERS = 23, MAX_ALLOC = 32 * 1024 * 1024, NIL = 0xffffffff;

export class HeapError extends Error {}

export class Heap {
  constructor(memory, heapBase, maxPages) {
    this.memory = memory;
    this.maxPages = maxPages || 65536;
    this.bumper = Math.ceil(heapBase / 8) * 8 >>> 0;
    this.base = this.bumper;
    this.heads = new Array(N_ORDERS).fill(NIL);
    this.poisoned = false;
    this.lastSize = 0;
    this.buf = null;
    this.dv = null;
  }
  // The memory's current ArrayBuffer and a DataView on it, cached: growing
  // the memory (by the guest or by bump()) detaches the old buffer, whose
  // byteLength then reads 0. Asking memory.buffer on every call is an API
  // call into V8 and would make the JS host slower than it needs to be.
  view() {
    if (this.buf === null || this.buf.byteLength === 0) {
      this.buf = this.memory.buffer;
      this.dv = new DataView(this.buf);
    }
    return this.dv;
  }
  observe() {
    this.view();
    const size = this.buf.byteLength;
    if (size < this.lastSize) throw new HeapError('memory shrunk');
    this.lastSize = size;
    return size;
  }
  header(ptr, size) {           // -> [occupied, low word]
    if (ptr + 8 > size) throw new HeapError('read out of heap bounds');
    const dv = this.view();
    const lo = dv.getUint32(ptr, true), hi = dv.getUint32(ptr + 4, true);
    return [(hi & 1) !== 0, lo];
  }
  setHeader(ptr, lo, hi, size) {
    if (ptr + 8 > size) throw new HeapError('write out of heap bounds');
    const dv = this.view();
    dv.setUint32(ptr, lo, true);
    dv.setUint32(ptr + 4, hi, true);
  }
  bump(n, size) {
    const required = this.bumper + n;
    if (required > size) {
      const requiredPages = Math.ceil(required / PAGE), cur = size / PAGE;
      if (cur >= this.maxPages || requiredPages > this.maxPages)
        throw new HeapError('allocator out of space');
      const next = Math.max(Math.min(cur * 2, this.maxPages), requiredPages);
      try { this.memory.grow(next - cur); } catch { throw new HeapError('allocator out of space'); }
    }
    const old = this.bumper;
    this.bumper += n;
    return old;
  }
  alloc(size) {
    if (this.poisoned) throw new HeapError('the allocator has been poisoned');
    try {
      let msize = this.observe();
      if (size > MAX_ALLOC) throw new HeapError('requested allocation too large');
      let order = 0;
      while ((8 << order) < size) order++;
      const block = 8 << order;
      let h;
      if (this.heads[order] !== NIL) {
        h = this.heads[order];
        if (h + block + 8 > msize) throw new HeapError('invalid header pointer detected');
        const [occupied, next] = this.header(h, msize);
        if (occupied) throw new HeapError('free list points to a occupied header');
        this.heads[order] = next;
      } else {
        h = this.bump(block + 8, msize);
        this.view();
        msize = this.buf.byteLength;
      }
      this.setHeader(h, order, 1, msize);
      return h + 8;
    } catch (e) {
      this.poisoned = true;
      throw e;
    }
  }
  free(ptr) {
    if (this.poisoned) throw new HeapError('the allocator has been poisoned');
    try {
      const msize = this.observe();
      if (ptr < 8) throw new HeapError('invalid pointer for deallocation');
      const h = ptr - 8;
      const [occupied, order] = this.header(h, msize);
      if (!occupied) throw new HeapError('the allocation points to an empty header');
      if (order >= N_ORDERS) throw new HeapError('invalid order');
      this.setHeader(h, this.heads[order], 0, msize);
      this.heads[order] = h;
    } catch (e) {
      this.poisoned = true;
      throw e;
    }
  }
}

// ---- host functions -----------------------------------------------------
function makeCall(mod, memLimits) {
  const call = { heap: null, memory: null, names: [], counts: [] };
  // A pointer-size argument (ptr | len << 32) must lie inside memory.
  const range = (ps) => {
    const ptr = Number(ps & 0xffffffffn), len = Number(ps >> 32n);
    call.heap.view();
    if (ptr + len > call.heap.buf.byteLength)
      throw new Error('host function argument out of bounds');
    return [ptr, len];
  };
  const host = {
    ext_allocator_malloc_version_1: (size) => call.heap.alloc(size >>> 0),
    ext_allocator_free_version_1: (ptr) => { call.heap.free(ptr >>> 0); },
    ext_logging_max_level_version_1: () => 0,
    ext_logging_log_version_1: (level, target, msg) => { range(target); range(msg); },
    // Empty storage: always None (one byte 0x00, allocated for the runtime).
    ext_storage_get_version_1: (key) => {
      range(key);
      const p = call.heap.alloc(1);
      call.heap.dv.setUint8(p, 0);
      return BigInt(p) | (1n << 32n);
    },
  };
  const env = {};
  for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.module !== 'env')
      throw new Error(`import ${imp.module}.${imp.name}: only env imports are linked`);
    if (imp.kind === 'memory')
      continue;
    if (imp.kind !== 'function')
      throw new Error(`import env.${imp.name}: unsupported kind ${imp.kind}`);
    const name = imp.name, f = host[name], i = call.names.length;
    call.names.push(name);
    call.counts.push(0);
    // Fixed arity (at most 3 arguments here): no rest-argument arrays per call.
    env[name] = f ? (a, b, c) => { call.counts[i]++; return f(a, b, c); }
      : () => { throw new Error(`host function ${name} is not provided by runtime_v8.mjs`); };
  }
  call.env = env;
  call.memLimits = memLimits;
  return call;
}

// One call exactly as rt_runtime_call: returns the output bytes (a copy).
function runOnce(mod, call, fn, input) {
  const env = call.env;
  let memory = null;
  if (call.memLimits) {
    const max = call.memLimits.max === undefined ? MAX_MEMORY_PAGES
      : Math.min(call.memLimits.max, MAX_MEMORY_PAGES);
    memory = new WebAssembly.Memory({ initial: call.memLimits.min, maximum: max });
    env.memory = memory;
  }
  const inst = new WebAssembly.Instance(mod, { env });
  if (!memory)
    memory = inst.exports.memory;
  if (!(memory instanceof WebAssembly.Memory))
    throw new Error('memory is not exported under `memory` name');
  const hb = inst.exports.__heap_base;
  if (!(hb instanceof WebAssembly.Global))
    throw new Error('__heap_base is not found');
  const entry = inst.exports[fn];
  if (typeof entry !== 'function')
    throw new Error(`Exported method ${fn} is not found`);
  call.memory = memory;
  call.heap = new Heap(memory, hb.value >>> 0, MAX_MEMORY_PAGES);
  const inPtr = call.heap.alloc(input.length);
  new Uint8Array(memory.buffer).set(input, inPtr);
  const r = entry(inPtr, input.length);
  const outPtr = Number(r & 0xffffffffn), outLen = Number((r >> 32n) & 0xffffffffn);
  if (outPtr + outLen > memory.buffer.byteLength)
    throw new Error(`output exceeds bounds of wasm memory: ${outLen} bytes at ${outPtr}`);
  return Buffer.from(new Uint8Array(memory.buffer, outPtr, outLen));
}

function main() {
  const args = process.argv.slice(2);
  let calls = 10, warmup = 3, hex = false;
  while (args.length && args[0].startsWith('--')) {
    const a = args.shift();
    if (a === '--calls') calls = Number(args.shift());
    else if (a === '--warmup') warmup = Number(args.shift());
    else if (a === '--hex') hex = true;
    else usage();
  }
  if (args.length < 2 || args.length > 3 || !(calls >= 1) || !(warmup >= 0))
    usage();
  const [path, fn, inHex = ''] = args;
  const input = Buffer.from(inHex.replace(/^0x/, '').replace(/\s+/g, ''), 'hex');
  const bytes = loadCode(path);
  const t0 = process.hrtime.bigint();
  const mod = new WebAssembly.Module(bytes);
  const compileNs = process.hrtime.bigint() - t0;
  const call = makeCall(mod, readImportedMemory(bytes));

  if (hex) {
    console.log('0x' + runOnce(mod, call, fn, input).toString('hex'));
    return;
  }
  let first = null;
  for (let i = 0; i < warmup; i++)
    first = runOnce(mod, call, fn, input);
  const before = call.counts.slice();
  const times = [];
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    const out = runOnce(mod, call, fn, input);
    times.push(Number(process.hrtime.bigint() - t));
    if (first === null)
      first = out;
    else if (!out.equals(first))
      throw new Error(`call ${i}: output differs from the first call`);
  }
  times.sort((a, b) => a - b);
  const hostCalls = {};
  call.names.forEach((name, i) => {
    if (call.counts[i] !== before[i])
      hostCalls[name] = (call.counts[i] - before[i]) / calls;
  });
  console.log(JSON.stringify({
    calls, min_ns: times[0], median_ns: times[times.length >> 1],
    compile_ns: Number(compileNs), out_len: first.length,
    sha256: createHash('sha256').update(first).digest('hex'), host_calls: hostCalls,
  }));
}

// Run as a program; imported (tests/cli/runtime_v8_alloc.mjs), only exports.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  main();
