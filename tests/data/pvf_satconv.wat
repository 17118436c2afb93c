;; §11 case 2: saturating float-to-int conversion.
(module (func (result i32) (i32.trunc_sat_f32_s (f32.const 1))))
