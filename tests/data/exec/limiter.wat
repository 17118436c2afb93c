;; The PVF stack limiter: MVP only. $rec has cost = 0 locals + max height.
(module
  (type $ii (func (param i32) (result i32)))
  (import "env" "host_id" (func $host_id (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $rec_ind)
  ;; recursion depth n+1 frames for argument n
  (func $rec (export "rec") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $rec (call $host_id (i32.sub (local.get 0) (i32.const 1))))
                     (i32.const 1)))))
  (func $rec_ind (export "rec_ind") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call_indirect (type $ii) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))
                     (i32.const 1)))))
  ;; determinism.md §3.2 worked example: cost 3 + 4 = 7
  (func (export "cost7") (param i32 i32) (result i32) (local i64 i64 f32)
    (local.get 0) (local.get 1) (i32.add))
)
