;; Small functions whose translation tests/unit/test_engine_exec_translate.c
;; checks instruction by instruction.
(module
  (memory 1)
  ;; 0: local.get a; local.get b; i32.add; local.set c -> one instruction
  (func (param i32 i32) (result i32) (local i32)
    (local.set 2 (i32.add (local.get 0) (local.get 1)))
    (local.get 2))
  ;; 1: constant operand and the result computed into slot 0
  (func (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 5)))
  ;; 2: counting loop: the increment (tee) and the compare-and-branch in one
  (func (param i32)
    (loop $l
      (br_if $l (i32.lt_s (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 10)))))
  ;; 3: load of (add x 8) with offset 4
  (func (param i32) (result i32)
    (i32.load offset=4 (i32.add (local.get 0) (i32.const 8))))
  ;; 4: the old value of local 0 must be saved before it is overwritten
  (func (param i32) (result i32)
    (local.get 0)
    (local.set 0 (i32.const 7))
    (local.get 0)
    (i32.sub))
  ;; 5: if on a compare: negated fused branch to the else arm
  (func (param i32 i32) (result i32)
    (if (result i32) (i32.gt_u (local.get 0) (local.get 1))
      (then (local.get 0))
      (else (local.get 1))))
  ;; 6: i64.extend_i32_u and reinterpretations cost nothing
  (func (param i32) (result i64)
    (i64.extend_i32_u (local.get 0)))
  ;; 7: constant address load, constant store, folded additions
  (func (param i32) (result i32)
    (i32.store offset=4 (local.get 0) (i32.const 9))
    (i32.add (i32.add (i32.load (i32.const 16)) (i32.const 1)) (i32.const 2)))
  ;; 8: word copy loop: load+store move, two pointer increments in one
  (func (param i32 i32 i32)
    (loop $l
      (i32.store (local.get 0) (i32.load (local.get 1)))
      (local.set 1 (i32.add (local.get 1) (i32.const 4)))
      (local.set 0 (i32.add (local.get 0) (i32.const 4)))
      (br_if $l (i32.lt_u (local.get 0) (local.get 2)))))
  ;; 9: rotating three locals: two copies merge into copy2, the third stays
  (func (param i32 i32) (local i32)
    (local.set 2 (local.get 0))
    (local.set 0 (local.get 1))
    (local.set 1 (local.get 2)))
  ;; 10: a store whose address (local + constant) was pushed before its value
  (func (param i32 i32 i32)
    (i32.store8 (i32.add (local.get 0) (i32.const 1024)) (i32.xor (local.get 1) (local.get 2))))
  ;; 11: byte move with addends on both addresses (i32.sub of a constant too)
  (func (param i32 i32)
    (i32.store8 offset=1 (i32.add (local.get 0) (i32.const 100))
      (i32.load8_u offset=2 (i32.sub (local.get 1) (i32.const 3)))))
  ;; 12: a dropped sum costs nothing; a tee'd sum is written to its local once
  (func (param i32) (result i32) (local i32)
    (drop (i32.add (local.get 0) (i32.const 1)))
    (i32.load (local.tee 1 (i32.sub (local.get 0) (i32.const 4)))))
  ;; 13: an addend on a computed value
  (func (param i32 i32) (result i32)
    (i32.load (i32.add (i32.mul (local.get 0) (local.get 1)) (i32.const 8))))
  ;; 14: the sum is computed before its local is overwritten
  (func (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 5))
    (local.set 0 (i32.const 0))
    (i32.load))
  ;; 15: setting a declared local to 0 before any label costs nothing (it
  ;; is still zero); after a write, or inside a loop, it is a real store
  (func (param i32) (result i32) (local i32 i32)
    (local.set 1 (i32.const 0))
    (local.set 2 (i32.const 7))
    (local.set 2 (i32.const 0))
    (loop $l
      (local.set 1 (i32.const 0))
      (br_if $l (local.get 0)))
    (i32.add (local.get 1) (local.get 2)))
  ;; 16: a sum tee'd into one local and set into another: two additions in
  ;; one instruction; when the sum's operand is the tee'd local, a copy
  (func (param i32) (local i32 i32)
    (local.set 2 (local.tee 1 (i32.add (local.get 0) (i32.const -4))))
    (local.set 2 (local.tee 0 (i32.add (local.get 0) (i32.const 1)))))
  ;; 17: shadow-stack prologue (global.get; sub; tee; global.set), a frame
  ;; address, the epilogue (local + c into the global)
  (global $sp (mut i32) (i32.const 1024))
  (func (local i32 i32)
    (global.set $sp (local.tee 0 (i32.sub (global.get $sp) (i32.const 32))))
    (local.set 1 (i32.add (global.get $sp) (i32.const 16)))
    (global.set $sp (i32.add (local.get 0) (i32.const 32))))
  ;; 18: a chain of i32 ops: each takes its first operand from the register
  ;; holding the previous result (commuting the xor); not across a label
  ;; (the loop's start, its end)
  (func (param i32 i32) (result i32)
    (i32.xor (local.get 1) (i32.rotl (i32.load (local.get 0)) (i32.const 7)))
    (loop (param i32) (result i32) (i32.shr_u (i32.const 3)))
    (i32.sub (local.get 1)))
)
