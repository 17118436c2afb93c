// Runs one benchmark kernel in node's V8: node [flags] node_bench.mjs FILE N REPS
// Prints "checksum best_ns compile_ns".
import { readFileSync } from 'node:fs';
const [file, n, reps] = process.argv.slice(2);
const bytes = readFileSync(file);
const t0 = process.hrtime.bigint();
const mod = new WebAssembly.Module(bytes);
const compileNs = process.hrtime.bigint() - t0;
let best = -1n, sum = 0;
for (let r = 0; r < Number(reps); r++) {
  // A fresh instance per repetition, like our harness.
  const inst = new WebAssembly.Instance(mod, {});
  const t = process.hrtime.bigint();
  sum = inst.exports.run(Number(n)) >>> 0;
  const d = process.hrtime.bigint() - t;
  if (best < 0n || d < best) best = d;
}
console.log(`${sum} ${best} ${compileNs}`);
