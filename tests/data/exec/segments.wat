;; Imports a memory; the second data segment is out of bounds (MVP only).
(module
  (import "env" "mem" (memory 1))
  (data (i32.const 0) "abc")
  (data (i32.const 65534) "xyz")
)
