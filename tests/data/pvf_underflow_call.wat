;; §11 case 4: the same through a call in unreachable code.
(module
  (func $f3 (param i32 i32 i32))
  (func unreachable call $f3))
