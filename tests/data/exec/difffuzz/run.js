// SPDX-License-Identifier: Apache-2.0
// Runs export "run" of a module once per (i32, i32, i64) argument triple in V8.
const fs = require('fs');
const [file, ...args] = process.argv.slice(2);
const m = new WebAssembly.Module(fs.readFileSync(file));
const out = [];
for (let i = 0; i < args.length; i += 3) {
  const inst = new WebAssembly.Instance(m, {});
  try {
    const r = inst.exports.run(Number(args[i]) | 0, Number(args[i+1]) | 0, BigInt.asIntN(64, BigInt(args[i+2])));
    out.push(BigInt.asUintN(64, r).toString());
  } catch (e) { out.push('trap ' + e.message); }
}
console.log(out.join('\n'));
