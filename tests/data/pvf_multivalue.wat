;; §11 case 10: a function type with two results.
(module (func (result i32 i32) (i32.const 1) (i32.const 2)))
