;; Runner self-test: every assertion here is wrong and must be reported as a
;; failure (8 failures, nothing passes but the module).
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "odd_nan") (result f32)
    f32.const nan:0x400001)
  (func (export "id_ext") (param externref) (result externref)
    local.get 0)
  (func (export "boom")
    unreachable))

(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))
(assert_return (invoke "odd_nan") (f32.const nan:canonical))
(assert_return (invoke "id_ext" (ref.extern 1)) (ref.extern 2))
(assert_return (invoke "boom"))
(assert_trap (invoke "add" (i32.const 1) (i32.const 2)) "unreachable")
(assert_trap (invoke "boom") "integer overflow")
(assert_invalid (module (func)) "type mismatch")
(assert_malformed (module binary "\00asm\01\00\00\00") "unexpected end")
