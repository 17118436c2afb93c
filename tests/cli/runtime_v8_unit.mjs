// SPDX-License-Identifier: Apache-2.0
// The JS freeing-bump allocator of bench/runtime_v8.mjs against the vectors
// of runtime-abi.md §2 (sc-allocator's unit tests), and its hash functions
// against published vectors and libxxhash/hashlib outputs. Prints one line per
// check, "PASS name" or "FAIL name: why" (test-runtime-v8.sh makes TAP of
// them); exit status 1 if any failed.
//
// usage: node runtime_v8_unit.mjs PATH/TO/runtime_v8.mjs
import { pathToFileURL } from 'node:url';

const { Heap, blake2b, xxh64, twox128 } = await import(pathToFileURL(process.argv[2]).href);
const NIL = 0xffffffff;
let failed = 0;

function check(name, fn) {
  try {
    const why = fn();
    if (why) { failed++; console.log(`FAIL ${name}: ${why}`); } else console.log(`PASS ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: threw ${e.message}`);
  }
}
const eq = (got, want) => (JSON.stringify(got) === JSON.stringify(want) ? null
  : `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
// maxPages 0: memory without maximum (the allocator then assumes 65536)
const heap = (base, maxPages = 0) => {
  const mem = new WebAssembly.Memory(maxPages ? { initial: 1, maximum: maxPages } : { initial: 1 });
  return new Heap(mem, base, maxPages);
};
const throws = (fn, pattern) => {
  try { fn(); } catch (e) { return pattern.test(e.message) ? null : `threw "${e.message}"`; }
  return 'did not throw';
};

check('alloc(1) at heap base 0 is 8', () => eq(heap(0).alloc(1), 8));
check('heap base 13 is aligned to 16', () => eq(heap(13).alloc(1), 24));
check('orders: 1, 9, 1 bytes -> 8, 24, 48', () => {
  const h = heap(0);
  return eq([h.alloc(1), h.alloc(9), h.alloc(1)], [8, 24, 48]);
});
check('free pushes the header onto its order list', () => {
  const h = heap(0);
  h.alloc(1);
  const b = h.alloc(1);
  h.free(b);
  return eq(h.heads[0], b - 8);
});
check('a freed block is reused, lists empty afterwards', () => {
  const h = heap(13);
  const a = h.alloc(1), b = h.alloc(9);
  h.free(b);
  return eq([a, b, h.alloc(9), h.heads.every((x) => x === NIL)], [24, 40, 40, true]);
});
check('free lists are LIFO and linked through the headers', () => {
  const h = heap(0);
  const p = [h.alloc(8), h.alloc(8), h.alloc(8)];
  p.forEach((x) => h.free(x));
  return eq([h.alloc(8), h.heads[0]], [p[2], p[1] - 8]);
});
check('free header: next link in the low word, bit 32 clear', () => {
  const h = heap(0);
  const a = h.alloc(8), b = h.alloc(8);
  h.free(a);
  h.free(b);
  const dv = new DataView(h.memory.buffer);
  return eq([dv.getUint32(b - 8, true), dv.getUint32(b - 4, true)], [a - 8, 0]);
});
check('occupied header: order in the low word, bit 32 set', () => {
  const h = heap(0);
  const a = h.alloc(100);     // order 4 (128 bytes)
  const dv = new DataView(h.memory.buffer);
  return eq([dv.getUint32(a - 8, true), dv.getUint32(a - 4, true)], [4, 1]);
});
check('only bit 32 of the high word is read (runtime tag in the top byte)', () => {
  const h = heap(0);
  const a = h.alloc(8);
  new DataView(h.memory.buffer).setUint8(a - 1, 0x80);
  h.free(a);
  return eq(h.alloc(8), a);
});
check('heap base 13, 1 page max: alloc(65536-13) is out of space', () =>
  throws(() => heap(13, 1).alloc(65536 - 13), /out of space/));
check('1 page max: second half-page block is out of space', () => {
  const h = heap(0, 1);
  const a = h.alloc(32768 - 8);
  return eq(a, 8) || throws(() => h.alloc(32768), /out of space/);
});
check('no maximum: alloc(32 MiB) grows memory', () => {
  const h = heap(0);
  return eq([h.alloc(32 * 1024 * 1024), h.memory.buffer.byteLength / 65536], [8, 513]);
});
check('alloc(32 MiB + 1) is too large', () =>
  throws(() => heap(0).alloc(32 * 1024 * 1024 + 1), /too large/));
check('1638 x alloc(32) fill one page; freed blocks do not serve order 0', () => {
  const h = heap(0, 1);
  const p = [];
  for (let i = 0; i < 1638; i++) p.push(h.alloc(32));
  const bumper = h.bumper;
  p.forEach((x) => h.free(x));
  return eq([bumper, h.alloc(8)], [65520, 65528]) || throws(() => h.alloc(8), /out of space/);
});
check('memory growth doubles', () => {
  const h = heap(0);
  h.alloc(65536);              // needs 2 pages: 1 * 2
  const a = h.memory.buffer.byteLength / 65536;
  h.alloc(65536 * 4);          // needs 6 pages: 2 * 2 = 4 < 6 -> 6
  const b = h.memory.buffer.byteLength / 65536;
  h.alloc(8);
  h.alloc(65536);              // needs 7 pages: 6 * 2 = 12
  return eq([a, b, h.memory.buffer.byteLength / 65536], [2, 6, 12]);
});
check('freeing a free block fails and poisons the allocator', () => {
  const h = heap(0);
  const a = h.alloc(8);
  h.free(a);
  return throws(() => h.free(a), /empty header/) ||
    throws(() => h.alloc(8), /poisoned/);
});
check('freeing pointer 4 fails', () => throws(() => heap(0).free(4), /invalid pointer/));

const hex = (u) => Buffer.from(u).toString('hex');
const u64 = (x) => x.toString(16).padStart(16, '0');
check('hash: blake2b-512("abc") (RFC 7693 appendix A)', () =>
  eq(hex(blake2b(Buffer.from('abc'), 64)), 'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b7' +
    '4b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923'));
check('hash: blake2b-256("")', () => eq(hex(blake2b(Buffer.alloc(0), 32)),
  '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8'));
check('hash: blake2b-128 of 128, 256 and 300 bytes (block boundaries)', () =>
  eq([128, 256, 300].map((n) => hex(blake2b(Buffer.alloc(n, 7), 16))),
    ['756a48ce14169f40cd99326c54065708', '545f8551ebe83f9d35663f30b8c6be23',
      '119e8ee566cc271b97e483ef8a8a99b1']));
check('hash: XXH64("", 0)', () => eq(u64(xxh64(Buffer.alloc(0), 0n)), 'ef46db3751d8e999'));
check('hash: XXH64 of 7, 12, 45 and 100 bytes, seeds 0 and 1 (libxxhash)', () =>
  eq([7, 12, 45, 100].map((n) => [0n, 1n].map((s) => u64(xxh64(Buffer.alloc(n, 3), s)))),
    [['faaf6ccf5f4417d5', 'a1dbdcf51bd6593b'], ['bd41d380ba6dc95f', '1041d5b507a1a251'],
      ['3bbf697fce249497', 'a63d818adf3ac390'], ['53b778d3e7257767', '1efbcc082bd1284a']]));
check('hash: twox_128("System") (the System pallet prefix)', () =>
  eq(hex(twox128(Buffer.from('System'))), '26aa394eea5630e07c48ae0c9558cef7'));

process.exit(failed ? 1 : 0);
