#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Random stack-balanced Wasm modules for differential testing (no traps)."""
import random, sys

class G:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.loopvars = []      # i32 locals reserved for loop counters
        self.depth = 0
        self.labels = []        # stack of label result types (None for loops w/o results)
    def pick(self, xs): return self.r.choice(xs)
    # locals: 0 p0 i32, 1 p1 i32, 2 p2 i64, 3..6 i32, 7..8 i64, 9..12 i32 loop counters, 13 f64
    I32L = [0, 1, 3, 4, 5, 6]
    I64L = [2, 7, 8]

    def const(self, t):
        r = self.r
        if t == 'i32':
            v = r.choice([0, 1, 2, 3, -1, 7, 31, 32, 0x7fffffff, -0x80000000, r.randint(-2**31, 2**31-1)])
            return f'(i32.const {v})'
        v = r.choice([0, 1, -1, 63, 64, 2**63-1, -2**63, r.randint(-2**63, 2**63-1)])
        return f'(i64.const {v})'

    def expr(self, t, d=0):
        r = self.r
        if d > 4 or r.random() < 0.25:
            c = r.random()
            if c < 0.4: return self.const(t)
            return f'(local.get {self.pick(self.I32L if t == "i32" else self.I64L)})'
        k = r.random()
        if t == 'i32':
            if k < 0.30:
                op = self.pick(['add','sub','mul','and','or','xor','shl','shr_s','shr_u','rotl','rotr'])
                return f'(i32.{op} {self.expr("i32", d+1)} {self.expr("i32", d+1)})'
            if k < 0.40:
                op = self.pick(['div_u','rem_u','div_s','rem_s'])
                # divisor never 0 and never -1 (avoid traps)
                return f'(i32.{op} {self.expr("i32", d+1)} (i32.or (i32.and {self.expr("i32", d+1)} (i32.const 0x7ffffff0)) (i32.const 2)))'
            if k < 0.52:
                op = self.pick(['eq','ne','lt_s','lt_u','gt_s','gt_u','le_s','le_u','ge_s','ge_u'])
                tt = self.pick(['i32','i64'])
                return f'({tt}.{op} {self.expr(tt, d+1)} {self.expr(tt, d+1)})'
            if k < 0.57: return f'(i32.eqz {self.expr("i32", d+1)})'
            if k < 0.62: return f'(i32.wrap_i64 {self.expr("i64", d+1)})'
            if k < 0.67: return f'(local.tee {self.pick(self.I32L)} {self.expr("i32", d+1)})'
            if k < 0.72: return f'(select {self.expr("i32", d+1)} {self.expr("i32", d+1)} {self.expr("i32", d+1)})'
            if k < 0.77: return f'(i32.load offset={self.r.choice([0,4,8])} (i32.and {self.expr("i32", d+1)} (i32.const 0xfff0)))'
            if k < 0.78: return f'(i32.load8_u (i32.add (i32.and {self.expr("i32", d+1)} (i32.const 0xff00)) (i32.const {self.r.randint(0,255)})))'
            if k < 0.80:
                c = self.r.randint(0, 65532)
                return self.r.choice([f'(i32.load (i32.const {c & ~3}))', f'(i32.load8_u offset=3 (i32.const {c}))',
                                      f'(i32.wrap_i64 (i64.load (i32.const {c & ~7})))',
                                      f'(i32.add (i32.add (i32.add {self.expr("i32", d+1)} (i32.const {self.r.randint(-2**31, 2**31-1)})) (i32.const {self.r.randint(-2**31, 2**31-1)})) (i32.const 5))'])
            if k < 0.85: return self.block_expr('i32', d)
            if k < 0.90: return f'(call $h32 {self.expr("i32", d+1)} {self.expr("i64", d+1)})'
            if k < 0.93: return f'(i32.{self.pick(["clz","ctz","popcnt","extend8_s","extend16_s"])} {self.expr("i32", d+1)})'
            return self.if_expr('i32', d)
        else:
            if k < 0.35:
                op = self.pick(['add','sub','mul','and','or','xor','shl','shr_s','shr_u','rotl','rotr'])
                return f'(i64.{op} {self.expr("i64", d+1)} {self.expr("i64", d+1)})'
            if k < 0.45: return f'(i64.extend_i32_{self.pick(["s","u"])} {self.expr("i32", d+1)})'
            if k < 0.55: return f'(local.tee {self.pick(self.I64L)} {self.expr("i64", d+1)})'
            if k < 0.62: return f'(select {self.expr("i64", d+1)} {self.expr("i64", d+1)} {self.expr("i32", d+1)})'
            if k < 0.68: return f'(i64.load offset={self.r.choice([0,8])} (i32.and {self.expr("i32", d+1)} (i32.const 0xfff0)))'
            if k < 0.75: return self.block_expr('i64', d)
            if k < 0.80: return f'(i64.{self.pick(["clz","ctz","popcnt","extend8_s","extend32_s"])} {self.expr("i64", d+1)})'
            if k < 0.85:
                # multi-value call, fold the pair
                return f'(call $fold (call $pair {self.expr("i32", d+1)} {self.expr("i64", d+1)}))'
            if k < 0.88: return self.if_expr('i64', d)
            if k < 0.91: return f'(i64.div_u {self.expr("i64", d+1)} (i64.or {self.expr("i64", d+1)} (i64.const 1)))'
            if k < 0.95: return f'(i64.trunc_sat_f64_s {self.fexpr(d+1)})'
            if k < 0.97:
                return (f'(call $fold {self.expr("i32", d+1)} {self.expr("i64", d+1)} '
                        f'(block (param i32 i64) (result i32 i64) (br_if 0 {self.expr("i32", d+1)}) (call $pair)))')
            if self.loopvars_free():
                cv = self.loopvars_take()
                n = self.r.randint(1, 4)
                e1, e2 = self.expr("i32", d+1), self.expr("i64", d+1)
                self.loopvars_give(cv)
                return (f'(block (result i64) (local.set {cv} (i32.const 0)) (call $fold {e1} {e2} '
                        f'(loop $ml (param i32 i64) (result i32 i64) (call $pair) '
                        f'(br_if $ml (i32.lt_u (local.tee {cv} (i32.add (local.get {cv}) (i32.const 1))) (i32.const {n}))))))')
            return self.const('i64')

    def fexpr(self, d):
        r = self.r
        if d > 4 or r.random() < 0.3:
            c = r.random()
            if c < 0.3: return f'(f64.const {r.choice(["0", "-0", "1.5", "-2.5", "inf", "-inf", "nan", "0x1p-1074", "1e300", str(r.uniform(-1e6, 1e6))])})'
            if c < 0.6: return f'(f64.convert_i64_{self.pick(["s","u"])} {self.expr("i64", d+1)})'
            if c < 0.8: return f'(local.tee 13 (f64.convert_i32_{self.pick(["s","u"])} {self.expr("i32", d+1)}))'
            return '(local.get 13)'
        k = r.random()
        if k < 0.40:
            op = self.pick(['add','sub','mul','div','min','max'])
            return f'(f64.{op} {self.fexpr(d+1)} {self.fexpr(d+1)})'
        if k < 0.45:
            # the sign source is never a NaN (a NaN's sign is nondeterministic)
            return f'(f64.copysign {self.fexpr(d+1)} (f64.convert_i64_s {self.expr("i64", d+1)}))'
        if k < 0.75:
            op = self.pick(['sqrt','ceil','floor','trunc','nearest','abs','neg'])
            return f'(f64.{op} {self.fexpr(d+1)})'
        if k < 0.85:
            op = self.pick(['add','mul','div','min','sqrt'])
            if op == 'sqrt': return f'(f64.promote_f32 (f32.sqrt (f32.demote_f64 {self.fexpr(d+1)})))'
            return f'(f64.promote_f32 (f32.{op} (f32.demote_f64 {self.fexpr(d+1)}) (f32.demote_f64 {self.fexpr(d+1)})))'
        if k < 0.92:
            return f'(select {self.fexpr(d+1)} {self.fexpr(d+1)} (f64.{self.pick(["lt","le","eq","ne","gt","ge"])} {self.fexpr(d+1)} {self.fexpr(d+1)}))'
        return f'(f64.convert_i32_s (i32.trunc_sat_f64_{self.pick(["s","u"])} {self.fexpr(d+1)}))'

    def block_expr(self, t, d):
        # a block with a result and a br_if carrying a value out
        self.depth += 1
        inner = self.stmts(2, d + 1)
        v1 = self.expr(t, d + 1)
        c = self.expr('i32', d + 1)
        v2 = self.expr(t, d + 1)
        self.depth -= 1
        return f'(block (result {t}) {inner} (drop (br_if 0 {v1} {c})) {v2})'

    def if_expr(self, t, d):
        c = self.expr('i32', d + 1)
        return f'(if (result {t}) {c} (then {self.stmts(1, d+1)} {self.expr(t, d+1)}) (else {self.expr(t, d+1)}))'

    def stmt(self, d):
        r = self.r
        k = r.random()
        if d > 3: k = k * 0.5
        if k < 0.35:
            L = self.pick(self.I32L + self.I64L)
            t = 'i32' if L in self.I32L else 'i64'
            return f'(local.set {L} {self.expr(t, d)})'
        if k < 0.45:
            return f'(i32.store offset={r.choice([0,4,8])} (i32.and {self.expr("i32", d)} (i32.const 0xfff0)) {self.expr("i32", d)})'
        if k < 0.48:
            return f'(i64.store (i32.and {self.expr("i32", d)} (i32.const 0xfff0)) {self.expr("i64", d)})'
        if k < 0.50:
            return self.r.choice([f'(i32.store (i32.and {self.expr("i32", d)} (i32.const 0xfff0)) {self.const("i32")})',
                                  f'(i64.store offset=8 (i32.and {self.expr("i32", d)} (i32.const 0xfff0)) {self.const("i64")})',
                                  f'(i32.store8 offset=3 (i32.and {self.expr("i32", d)} (i32.const 0xfff0)) {self.const("i32")})'])
        if k < 0.55:
            return f'(global.set $g (i64.add (global.get $g) {self.expr("i64", d)}))'
        if k < 0.70 and self.loopvars_free():
            cv = self.loopvars_take()
            n = r.randint(1, 5)
            body = self.stmts(3, d + 1)
            cond = self.expr("i32", d + 1)   # inside the loop: cv still taken
            self.loopvars_give(cv)
            return (f'(local.set {cv} (i32.const 0)) (block $B (loop $L {body} '
                    f'(br_if $B (i32.eqz {cond})) '
                    f'(br_if $L (i32.lt_u (local.tee {cv} (i32.add (local.get {cv}) (i32.const 1))) (i32.const {n})))))')
        if k < 0.80:
            return f'(if {self.expr("i32", d)} (then {self.stmts(2, d+1)}) (else {self.stmts(2, d+1)}))'
        if k < 0.88:
            # br_table out of nested blocks
            return (f'(block $a (block $b (block $c (br_table $a $b $c $b (i32.and {self.expr("i32", d)} (i32.const 7)))) '
                    f'{self.stmts(1, d+1)}) {self.stmts(1, d+1)})')
        if k < 0.91:
            # a copy loop: load+store moves and paired increments
            a, b = r.sample([3, 4, 5, 6], 2)
            if not self.loopvars_free():
                return ''
            cv = self.loopvars_take()
            n = r.randint(1, 6)
            w, ld, st = r.choice([(4, 'i32.load', 'i32.store'), (8, 'i64.load', 'i64.store'), (1, 'i32.load8_u', 'i32.store8')])
            self.loopvars_give(cv)
            if r.random() < 0.5:
                # exactly the shape the translator fuses into loop_mov
                incs = [f'(local.set {b} (i32.add (local.get {b}) (i32.const {w})))',
                        f'(local.set {a} (i32.add (local.get {a}) (i32.const {w})))']
                r.shuffle(incs)
                cond = r.choice(['lt_u', 'ne'])
                return (f'(local.set {a} (i32.and {self.expr("i32", d)} (i32.const 0xff00))) '
                        f'(local.set {b} (i32.and {self.expr("i32", d)} (i32.const 0xff00))) '
                        f'(local.set {cv} (i32.add (local.get {a}) (i32.const {n * w}))) '
                        f'(loop $cl ({st} (local.get {a}) ({ld} (local.get {b}))) {incs[0]} {incs[1]} '
                        f'(br_if $cl (i32.{cond} (local.get {a}) (local.get {cv}))))')
            return (f'(local.set {a} (i32.and {self.expr("i32", d)} (i32.const 0xff00))) '
                    f'(local.set {b} (i32.and {self.expr("i32", d)} (i32.const 0xff00))) (local.set {cv} (i32.const 0)) '
                    f'(loop $cl ({st} offset={r.choice([0, 1, 8])} (local.get {a}) ({ld} offset={r.choice([0, 2, 8])} (local.get {b}))) '
                    f'(local.set {b} (i32.add (local.get {b}) (i32.const {w}))) (local.set {a} (i32.add (local.get {a}) (i32.const {w}))) '
                    f'(br_if $cl (i32.lt_u (local.tee {cv} (i32.add (local.get {cv}) (i32.const 1))) (i32.const {n}))))')
        if k < 0.925:
            # a deep operand stack (beyond the translator's lazy window) with
            # reads and writes of the same locals at every level
            n = r.randint(60, 160)
            def leaf():
                c = r.random()
                if c < 0.5: return f'(local.get {self.pick(self.I32L)})'
                if c < 0.7: return self.const('i32')
                return f'(local.tee {self.pick(self.I32L)} (i32.add (local.get {self.pick(self.I32L)}) (i32.const {r.randint(1, 9)})))'
            e = leaf()
            for _ in range(n):
                e = f'(i32.{self.pick(["add", "xor", "sub"])} {leaf()} {e})'
            return f'(local.set {self.pick(self.I32L)} {e})'
        if k < 0.94:
            # swap two locals through the stack (aliasing)
            a, b = r.sample(self.I32L, 2)
            return f'(local.get {a}) (local.get {b}) (local.set {a}) (local.set {b})'
        return f'(drop {self.expr(self.pick(["i32","i64"]), d)})'

    def loopvars_free(self): return len(self.loopvars) < 4
    def loopvars_take(self):
        v = 9 + len(self.loopvars); self.loopvars.append(v); return v
    def loopvars_give(self, v): self.loopvars.pop()

    def stmts(self, n, d):
        return ' '.join(self.stmt(d) for _ in range(self.r.randint(0, n)))

    def module(self):
        body = self.stmts(12, 0)
        return f'''(module
  (memory 1)
  (global $g (mut i64) (i64.const 0))
  (func $h32 (param i32 i64) (result i32)
    (i32.xor (local.get 0) (i32.wrap_i64 (i64.rotl (local.get 1) (i64.const 7)))))
  (func $pair (param i32 i64) (result i32 i64)
    (i32.add (local.get 0) (i32.const 3)) (i64.sub (local.get 1) (i64.extend_i32_s (local.get 0))))
  (func $fold (param i32 i64) (result i64)
    (i64.xor (i64.extend_i32_u (local.get 0)) (local.get 1)))
  (func $sum (result i64) (local i32 i64)
    (block $d (loop $l
      (local.set 1 (i64.add (i64.rotl (local.get 1) (i64.const 5)) (i64.load (local.get 0))))
      (br_if $d (i32.eq (local.tee 0 (i32.add (local.get 0) (i32.const 8))) (i32.const 65536)))
      (br $l)))
    (local.get 1))
  (func (export "run") (param i32 i32 i64) (result i64)
    (local i32 i32 i32 i32 i64 i64 i32 i32 i32 i32 f64)
    {body}
    (i64.add (i64.add (i64.add (i64.extend_i32_u (local.get 0)) (i64.shl (i64.extend_i32_u (local.get 1)) (i64.const 32)))
      (i64.xor (local.get 2) (i64.mul (local.get 7) (local.get 8))))
      (i64.add (i64.add (i64.extend_i32_u (i32.xor (local.get 3) (local.get 4))) (i64.extend_i32_u (i32.sub (local.get 5) (local.get 6))))
        (i64.add (global.get $g) (call $sum))))))
'''

if __name__ == '__main__':
    print(G(int(sys.argv[1])).module())
