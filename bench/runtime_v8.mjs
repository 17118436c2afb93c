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
// dropped), blake2_128 and twox_128 hashing, and ext_storage_get_version_1 on
// an empty storage; every other import throws naming itself when called.
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

// ---- hashing (runtime-abi.md §6): only what moonbase's Metadata_metadata uses --
// BigInt arithmetic: a few calls per runtime call, clarity over speed.
const M64 = (1n << 64n) - 1n;
const rotr64 = (x, n) => ((x >> n) | (x << (64n - n))) & M64;
const rotl64 = (x, n) => ((x << n) | (x >> (64n - n))) & M64;
const le64 = (b, i) => {
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k] ?? 0);
  return v;
};
const put64 = (out, i, v) => { for (let k = 0; k < 8; k++) out[i + k] = Number((v >> BigInt(8 * k)) & 0xffn); };

// BLAKE2b (RFC 7693), unkeyed, digest length outLen (a parameter of the hash).
const B2_IV = [0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n];
const B2_SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0]];

export function blake2b(data, outLen) {
  const h = B2_IV.slice();
  h[0] ^= 0x01010000n ^ BigInt(outLen);
  const compress = (off, t, last) => {
    const m = [];
    for (let i = 0; i < 16; i++) m.push(off + 8 * i < data.length ? le64(data, off + 8 * i) : 0n);
    if (off + 128 > data.length)       // the last, zero-padded block
      for (let i = 0; i < 16; i++) {
        let v = 0n;
        for (let k = 7; k >= 0; k--) {
          const j = off + 8 * i + k;
          v = (v << 8n) | BigInt(j < data.length ? data[j] : 0);
        }
        m[i] = v;
      }
    const v = h.concat(B2_IV);
    v[12] ^= BigInt(t) & M64;
    v[13] ^= BigInt(t) >> 64n;
    if (last) v[14] ^= M64;
    const g = (a, b, c, d, x, y) => {
      v[a] = (v[a] + v[b] + x) & M64; v[d] = rotr64(v[d] ^ v[a], 32n);
      v[c] = (v[c] + v[d]) & M64; v[b] = rotr64(v[b] ^ v[c], 24n);
      v[a] = (v[a] + v[b] + y) & M64; v[d] = rotr64(v[d] ^ v[a], 16n);
      v[c] = (v[c] + v[d]) & M64; v[b] = rotr64(v[b] ^ v[c], 63n);
    };
    for (let r = 0; r < 12; r++) {
      const s = B2_SIGMA[r % 10];
      g(0, 4, 8, 12, m[s[0]], m[s[1]]); g(1, 5, 9, 13, m[s[2]], m[s[3]]);
      g(2, 6, 10, 14, m[s[4]], m[s[5]]); g(3, 7, 11, 15, m[s[6]], m[s[7]]);
      g(0, 5, 10, 15, m[s[8]], m[s[9]]); g(1, 6, 11, 12, m[s[10]], m[s[11]]);
      g(2, 7, 8, 13, m[s[12]], m[s[13]]); g(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (let i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
  };
  let off = 0;
  while (data.length - off > 128) { compress(off, off + 128, false); off += 128; }
  compress(off, data.length, true);
  const out = new Uint8Array(64);
  for (let i = 0; i < 8; i++) put64(out, 8 * i, h[i]);
  return out.subarray(0, outLen);
}

// XXH64 with a 64-bit seed; twox_128 = XXH64 seeds 0 and 1, little-endian.
const P1 = 11400714785074694791n, P2 = 14029467366897019727n, P3 = 1609587929392839161n,
  P4 = 9650029242287828579n, P5 = 2870177450012600261n;
const xxRound = (acc, x) => (rotl64((acc + x * P2) & M64, 31n) * P1) & M64;

export function xxh64(data, seed) {
  const len = data.length;
  let i = 0, h;
  if (len >= 32) {
    const v = [(seed + P1 + P2) & M64, (seed + P2) & M64, seed, (seed - P1) & M64];
    for (; i + 32 <= len; i += 32)
      for (let k = 0; k < 4; k++) v[k] = xxRound(v[k], le64(data, i + 8 * k));
    h = (rotl64(v[0], 1n) + rotl64(v[1], 7n) + rotl64(v[2], 12n) + rotl64(v[3], 18n)) & M64;
    for (let k = 0; k < 4; k++) h = (((h ^ xxRound(0n, v[k])) * P1) + P4) & M64;
  } else {
    h = (seed + P5) & M64;
  }
  h = (h + BigInt(len)) & M64;
  for (; i + 8 <= len; i += 8)
    h = ((rotl64(h ^ xxRound(0n, le64(data, i)), 27n) * P1) + P4) & M64;
  if (i + 4 <= len) {
    const w = BigInt((data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24) >>> 0);
    h = ((rotl64(h ^ ((w * P1) & M64), 23n) * P2) + P3) & M64;
    i += 4;
  }
  for (; i < len; i++)
    h = (rotl64(h ^ ((BigInt(data[i]) * P5) & M64), 11n) * P1) & M64;
  h ^= h >> 33n; h = (h * P2) & M64;
  h ^= h >> 29n; h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}

export function twox128(data) {
  const out = new Uint8Array(16);
  put64(out, 0, xxh64(data, 0n));
  put64(out, 8, xxh64(data, 1n));
  return out;
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
  // The bytes of a pointer-size argument (a copy).
  const bytes = (ps) => {
    const [ptr, len] = range(ps);
    return new Uint8Array(call.heap.buf, ptr, len).slice();
  };
  // AllocateAndReturnPointer<[u8; N]>: the host allocates N bytes, writes them, returns the pointer.
  const hashOut = (digest) => {
    const p = call.heap.alloc(digest.length);
    call.heap.view();
    new Uint8Array(call.heap.buf, p, digest.length).set(digest);
    return p;
  };
  const host = {
    ext_allocator_malloc_version_1: (size) => call.heap.alloc(size >>> 0),
    ext_allocator_free_version_1: (ptr) => { call.heap.free(ptr >>> 0); },
    ext_logging_max_level_version_1: () => 0,
    ext_logging_log_version_1: (level, target, msg) => { range(target); range(msg); },
    ext_hashing_blake2_128_version_1: (data) => hashOut(blake2b(bytes(data), 16)),
    ext_hashing_twox_128_version_1: (data) => hashOut(twox128(bytes(data))),
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
    compile_ns: Number(compileNs), wasm_len: bytes.length, out_len: first.length,
    sha256: createHash('sha256').update(first).digest('hex'), host_calls: hostCalls,
  }));
}

// Run as a program; imported (tests/cli/runtime_v8_alloc.mjs), only exports.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  main();
