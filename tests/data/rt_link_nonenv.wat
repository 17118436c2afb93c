(module
  (import "foo" "ext_logging_max_level_version_1" (func (result i32)))
  (memory (export "memory") 1)
  (global (export "__heap_base") i32 (i32.const 1024)))
