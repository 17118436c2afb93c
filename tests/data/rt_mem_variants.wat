;; memory imported from a non-env module (accepted, determinism.md §4.2)
(module
  (import "foo" "memory" (memory 1))
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "f") (param i32 i32) (result i64)
    (i64.or (i64.extend_i32_u (local.get 0))
            (i64.shl (i64.extend_i32_u (local.get 1)) (i64.const 32)))))
