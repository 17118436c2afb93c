;; Exports a memory, a table, a mutable global and functions to link_b.
(module
  (type $v (func (result i32)))
  (memory (export "mem") 1 4)
  (table (export "tab") 4 funcref)
  (global (export "g") (mut i32) (i32.const 5))
  (func $ten (export "ten") (result i32) (i32.const 10))
  (elem (i32.const 0) $ten)
  (func (export "call_slot") (param i32) (result i32) (call_indirect (type $v) (local.get 0)))
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "get_g") (result i32) (global.get 0))
  (func (export "size") (result i32) (memory.size))
)
