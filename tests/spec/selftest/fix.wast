;; Self-test of --converter-fixes: the expected text below is deliberately
;; not what the module's bytes deserve ("type mismatch").
(assert_invalid (module (func (result i32) i64.const 0)) "invalid result arity")
