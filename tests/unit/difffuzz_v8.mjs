// SPDX-License-Identifier: Apache-2.0
// The V8 leg of the differential fuzzing (docs/compiler.md §5): runs every
// DIR/N.wasm written by `test_engine_native_random --emit` in node's V8 with
// the same calls in the same order, and compares each result or trap class
// and the final memory with DIR/N.expect (what both of our backends gave).
//
//   node difffuzz_v8.mjs DIR
//
// Prints one line per disagreeing module and a last line
// "v8-diff: N modules, N calls, N traps, N differences"; exit 1 on any.
import { readFileSync, readdirSync } from 'node:fs';

const a32 = [0, 1, 0x80000000 | 0, 12345];
const a64 = [0n, 7n, -1n, -0x8000000000000000n];

// V8's trap messages, as the classes of trap_class() in the C generator.
function trapClass(e) {
  const m = String(e && e.message);
  if (e instanceof RangeError && /call stack/i.test(m)) return 'stack';
  if (!(e instanceof WebAssembly.RuntimeError)) throw e;
  if (/unreachable/.test(m)) return 'unreachable';
  if (/memory access out of bounds/.test(m)) return 'memory';
  if (/divide by zero|remainder by zero/.test(m)) return 'div-zero';
  if (/divide result unrepresentable/.test(m)) return 'int-overflow';
  if (/float unrepresentable/.test(m)) return 'conversion';
  if (/table index is out of bounds/.test(m)) return 'table';
  if (/null function|signature mismatch/.test(m)) return 'indirect';
  return 'other: ' + m;
}

function hex64(v) {
  return '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

const dir = process.argv[2];
let modules = 0, calls = 0, traps = 0, diffs = 0;
const files = readdirSync(dir).filter((f) => f.endsWith('.wasm'))
  .sort((a, b) => parseInt(a) - parseInt(b));
for (const f of files) {
  const base = f.slice(0, -5);
  const expect = readFileSync(`${dir}/${base}.expect`, 'utf8').trimEnd().split('\n');
  const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(`${dir}/${f}`)), {});
  const got = [];
  for (let fn = 0; fn < 6; fn++) {
    for (let x = 0; x < 4; x++) {
      calls++;
      try {
        got.push(`f${fn} ${x} ok ${hex64(inst.exports['f' + fn](a32[x], a64[(x + fn) & 3]))}`);
      } catch (e) {
        traps++;
        got.push(`f${fn} ${x} trap ${trapClass(e)}`);
      }
    }
  }
  const mem = new Uint8Array(inst.exports.memory ? inst.exports.memory.buffer : new ArrayBuffer(0));
  let h = 0xcbf29ce484222325n;
  for (const b of mem) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  got.push(`memory ${mem.length} ${hex64(h)}`);
  modules++;
  const bad = got.map((l, i) => [l, expect[i]]).filter(([g, e]) => g !== e);
  if (bad.length || got.length !== expect.length) {
    diffs++;
    console.log(`module ${f}: ${bad.length} lines differ, first: v8 "${bad[0] && bad[0][0]}" ` +
                `ours "${bad[0] && bad[0][1]}"`);
  }
}
console.log(`v8-diff: ${modules} modules, ${calls} calls, ${traps} traps, ${diffs} differences`);
process.exit(diffs || modules === 0 ? 1 : 0);
