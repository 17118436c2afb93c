;; one unknown name imported with two different types: cannot link
(module
  (import "env" "ext_unknown_version_1" (func (param i32)))
  (import "env" "ext_unknown_version_1" (func (param i64)))
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024)))
