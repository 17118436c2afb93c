;; a defined memory whose minimum exceeds M (2080 pages): instantiation fails
(module
  (memory (export "memory") 3000)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func (export "f") (param i32 i32) (result i64) (i64.const 0)))
