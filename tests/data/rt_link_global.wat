(module
  (import "env" "g" (global i32))
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024)))
