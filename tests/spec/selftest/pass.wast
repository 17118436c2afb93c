;; Runner self-test: every command here must pass in the full profile
;; (one text-format assert_malformed is skipped).
(module $A
  (import "spectest" "print_i32" (func $print_i32 (param i32)))
  (import "spectest" "global_i32" (global $g666 i32))
  (import "spectest" "memory" (memory 1))
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "nan_add") (result f32)
    f32.const nan
    f32.const 1
    f32.add)
  (func (export "neg_nan") (result f64)
    f64.const -nan:0x8000000000001)
  (func (export "id_ext") (param externref) (result externref)
    local.get 0)
  (func (export "null_func") (result funcref)
    ref.null func)
  (func (export "boom")
    unreachable)
  (func $rec (export "rec")
    call $rec)
  (func (export "print") (param i32) (result i32)
    local.get 0
    call $print_i32
    global.get $g666)
  (func (export "two") (result i32 i64)
    i32.const 1
    i64.const -1)
  (global (export "g") i32 (i32.const 7)))
(register "A" $A)

(module
  (import "A" "add" (func $add (param i32 i32) (result i32)))
  (func (export "twice") (param i32) (result i32)
    local.get 0
    local.get 0
    call $add))

(assert_return (invoke "twice" (i32.const 21)) (i32.const 42))
(assert_return (invoke $A "add" (i32.const -1) (i32.const 2)) (i32.const 1))
(assert_return (invoke $A "nan_add") (f32.const nan:arithmetic))
(assert_return (invoke $A "neg_nan") (f64.const -nan:0x8000000000001))
(assert_return (invoke $A "id_ext" (ref.extern 5)) (ref.extern 5))
(assert_return (invoke $A "id_ext" (ref.null extern)) (ref.null extern))
(assert_return (invoke $A "null_func") (ref.null func))
(assert_return (invoke $A "print" (i32.const 3)) (i32.const 666))
(assert_return (invoke $A "two") (i32.const 1) (i64.const -1))
(assert_return (get $A "g") (i32.const 7))
(assert_trap (invoke $A "boom") "unreachable")
(assert_exhaustion (invoke $A "rec") "call stack exhausted")
(assert_invalid (module (func (result i32) i64.const 0)) "type mismatch")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_malformed (module quote "(func") "unexpected token")
(assert_unlinkable (module (import "A" "nope" (func))) "unknown import")
(assert_trap (module (memory 0) (data (i32.const 1) "x"))
  "out of bounds memory access")
