;; Type error on purpose (built with wat2wasm --no-check): i64 returned as i32.
(module
  (func (export "f") (result i32)
    i64.const 0))
