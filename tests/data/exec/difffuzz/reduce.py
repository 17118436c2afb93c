import subprocess, sys, random
# SPDX-License-Identifier: Apache-2.0
sys.setrecursionlimit(10000)
import gen
seed = int(sys.argv[1])
g = gen.G(seed)
captured = {}
orig_stmts = gen.G.stmts
def stmts(self, n, d):
    if d == 0 and 'top' not in captured:
        k = self.r.randint(0, n)
        lst = [self.stmt(d) for _ in range(k)]
        captured['top'] = lst
        return ' '.join(lst)
    return orig_stmts(self, n, d)
gen.G.stmts = stmts
mod = g.module()
top = captured['top']
assert ' '.join(top) in mod
ARGS = "0 0 0 1 2 3 -1 7 -5 123456 -99 9223372036854775807 2147483647 -2147483648 -1".split()
def build(lst):
    return mod.replace(' '.join(top), ' '.join(lst))
def bad(lst):
    open('r.wat', 'w').write(build(lst))
    if subprocess.run(['wat2wasm', 'r.wat', '-o', 'r.wasm'], capture_output=True).returncode: return False
    a = subprocess.run(['./run', 'r.wasm'] + ARGS, capture_output=True, text=True).stdout
    b = subprocess.run(['node', 'run.js', 'r.wasm'] + ARGS, capture_output=True, text=True).stdout
    norm = lambda s: '\n'.join('trap' if l.startswith('trap') else l for l in s.splitlines())
    return norm(a) != norm(b)
assert bad(top)
cur = top[:]
changed = True
while changed:
    changed = False
    for i in range(len(cur)):
        t = cur[:i] + cur[i+1:]
        if bad(t):
            cur = t; changed = True; break
print(len(top), '->', len(cur))
open('r.wat', 'w').write(build(cur))
bad(cur)
for s in cur: print(s[:3000]); print('---')
