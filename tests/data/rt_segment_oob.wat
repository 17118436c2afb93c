(module
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (data (i32.const 65535) "ab")
  (func (export "f") (param i32 i32) (result i64) (i64.const 0)))
