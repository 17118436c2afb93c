;; §11 case 1: sign-extension operator.
(module (func (result i32) (i32.extend8_s (i32.const 1))))
