;; Uses a sign-extension opcode (post-MVP): valid in the full profile,
;; outside the PVF profile.
(module
  (func (export "ext8") (param i32) (result i32)
    local.get 0
    i32.extend8_s))
