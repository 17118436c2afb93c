;; Imports nobody provides: `pvf wasm run` stubs them.
(module
  (import "env" "missing" (func $missing (param i32) (result i32)))
  (import "env" "memory" (memory 3))
  (func (export "call_missing") (result i32)
    i32.const 1
    call $missing)
  (func (export "pages") (result i32)
    memory.size))
