;; A start function that writes memory, and one that traps (MVP only).
(module
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func $start (i32.store (i32.const 0) (i32.const 0x1234)) (global.set $g (i32.const 9)))
  (start $start)
  (func (export "g") (result i32) (global.get $g))
)
