;; memory imported under another field name: exported as `mem`, so every call
;; fails ("memory is not exported under `memory` name")
(module
  (import "env" "mem" (memory 1))
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "f") (param i32 i32) (result i64) (i64.const 0)))
