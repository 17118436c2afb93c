;; the start function runs before the host state exists: a host allocation
;; fails and instantiation with it
(module
  (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024))
  (func $start (drop (call $malloc (i32.const 8))))
  (start $start)
  (func (export "f") (param i32 i32) (result i64) (i64.const 0)))
