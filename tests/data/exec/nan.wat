;; NaN canonicalisation (determinism.md §8, §11 cases 15 and 16). MVP only,
;; so the module loads in both profiles.
(module
  (memory 1)
  ;; case 15: f64.promote_f32 of f32 0x7fa00001
  (func (export "promote") (param i32) (result i64)
    (i64.reinterpret_f64 (f64.promote_f32 (f32.reinterpret_i32 (local.get 0)))))
  ;; case 16: f32.neg of f32.div 0 0
  (func (export "neg_div") (result i32)
    (i32.reinterpret_f32 (f32.neg (f32.div (f32.const 0) (f32.const 0)))))
  (func (export "demote") (param i64) (result i32)
    (i32.reinterpret_f32 (f32.demote_f64 (f64.reinterpret_i64 (local.get 0)))))
  (func (export "f32.add") (param i32 i32) (result i32)
    (i32.reinterpret_f32 (f32.add (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1)))))
  (func (export "f64.mul") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "f64.min") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.min (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "f32.sqrt") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.sqrt (f32.reinterpret_i32 (local.get 0)))))
  (func (export "f64.floor") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.floor (f64.reinterpret_i64 (local.get 0)))))
  ;; not on the list: bits preserved exactly
  (func (export "f32.abs") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.abs (f32.reinterpret_i32 (local.get 0)))))
  (func (export "f64.neg") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.neg (f64.reinterpret_i64 (local.get 0)))))
  (func (export "f32.copysign") (param i32 i32) (result i32)
    (i32.reinterpret_f32 (f32.copysign (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1)))))
  (func (export "f32.load") (param i32) (result i32)
    (i32.store (i32.const 0) (local.get 0))
    (i32.reinterpret_f32 (f32.load (i32.const 0))))
  (func (export "f64.store_load") (param i64) (result i64)
    (f64.store (i32.const 8) (f64.reinterpret_i64 (local.get 0)))
    (i64.load (i32.const 8)))
  (func (export "f32.select") (param i32 i32 i32) (result i32)
    (i32.reinterpret_f32
      (select (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1)) (local.get 2))))
)
