;; Small exports for `pvf wasm run/info` tests (built with --debug-names, so
;; the binary carries a "name" custom section).
(module
  (func $add (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "neg64") (param i64) (result i64)
    i64.const 0
    local.get 0
    i64.sub)
  (func (export "fadd") (param f64 f64) (result f64)
    local.get 0
    local.get 1
    f64.add)
  (func (export "fmul32") (param f32 f32) (result f32)
    local.get 0
    local.get 1
    f32.mul)
  (memory (export "mem") 1 2)
  (global (export "answer") i32 (i32.const 42)))
