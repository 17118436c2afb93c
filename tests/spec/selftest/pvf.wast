;; Runner self-test for the PVF profile.
;; Line 4: valid MVP code the PVF stack limiter rejects ("stack underflow"):
;; a failure unless the line is listed in the differences file.
(module
  (func (export "f") unreachable i32.add i32.add drop))
(assert_trap (invoke "f") "unreachable")

;; Line 9: uses sign-extension, so the PVF rejection is justified by itself.
(module
  (func (export "ext") (param i32) (result i32) local.get 0 i32.extend8_s))
(assert_return (invoke "ext" (i32.const 128)) (i32.const -128))

;; Line 14: plain MVP, accepted by both profiles.
(module
  (func (export "one") (result i32) i32.const 1))
(assert_return (invoke "one") (i32.const 1))
