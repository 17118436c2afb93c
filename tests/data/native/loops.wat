;; Loops whose locals the native compiler pins in registers (docs/compiler.md
;; §1), run on both backends by test_engine_native.c: every export takes two
;; i32 and returns one value; results must be identical.
(module
  (memory 1 4)
  (global $g (mut i64) (i64.const 7))
  (table 2 funcref)
  (elem (i32.const 0) $mix $inc)
  (type $t (func (param i64) (result i64)))

  (func $mix (param i64) (result i64)
    local.get 0 i64.const 0x9e3779b97f4a7c15 i64.mul
    local.get 0 i64.const 29 i64.shr_u i64.xor)
  (func $inc (param i64) (result i64) local.get 0 i64.const 1 i64.add)

  ;; integer accumulators, a swap through local.set (aliases), tee
  (func (export "ints") (param $n i32) (param $m i32) (result i64)
    (local $i i32) (local $a i64) (local $b i64) (local $c i32) (local $d i32) (local $e i32)
    (local.set $a (i64.extend_i32_u (local.get $m)))
    (local.set $b (i64.const 3))
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (i32.and (local.get $n) (i32.const 255))))
        ;; swap a and b with both on the stack
        local.get $a local.get $b local.set $a local.set $b
        (local.set $a (i64.add (local.get $a) (i64.rotl (local.get $b) (i64.const 5))))
        (local.set $c (i32.add (local.tee $d (i32.mul (local.get $i) (local.get $i)))
                               (local.get $c)))
        (local.set $e (i32.xor (local.get $e) (i32.shl (local.get $d) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i64.add (local.get $a)
      (i64.add (local.get $b)
        (i64.extend_i32_u (i32.add (local.get $c) (local.get $e))))))

  ;; calls (direct, indirect) and a global inside the loop: pinned locals
  ;; are saved and restored around each call
  (func (export "calls") (param $n i32) (param $m i32) (result i64)
    (local $i i32) (local $x i64) (local $y i64)
    (local.set $x (i64.extend_i32_s (local.get $m)))
    (loop $l
      (local.set $x (call $mix (local.get $x)))
      (local.set $y (i64.add (local.get $y)
        (call_indirect (type $t) (local.get $x) (i32.and (local.get $i) (i32.const 1)))))
      (global.set $g (i64.xor (global.get $g) (local.get $y)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (i32.and (local.get $n) (i32.const 63)))))
    (i64.add (local.get $x) (i64.add (local.get $y) (global.get $g))))

  ;; memory traffic with memory.grow in the loop: the memory registers are
  ;; reloaded after the grow, the loads see the new size
  (func (export "mem") (param $n i32) (param $m i32) (result i64)
    (local $i i32) (local $p i32) (local $s i64)
    (loop $l
      (local.set $p (i32.and (i32.mul (local.get $i) (i32.const 4099)) (i32.const 0x3fff8)))
      (i64.store (local.get $p) (i64.add (i64.extend_i32_u (local.get $m)) (local.get $s)))
      (if (i32.eq (local.get $i) (i32.const 5))
        (then (drop (memory.grow (i32.const 1)))))
      (if (i32.lt_u (local.get $p) (i32.mul (memory.size) (i32.const 65536)))
        (then (local.set $s (i64.add (local.get $s) (i64.load (local.get $p))))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (i32.and (local.get $n) (i32.const 31)))))
    (i64.add (local.get $s) (i64.extend_i32_u (memory.size))))

  ;; float locals, reinterpretation of a pinned local, min/max and a
  ;; conversion helper inside the loop
  (func (export "floats") (param $n i32) (param $m i32) (result i64)
    (local $i i32) (local $x f64) (local $y f64) (local $f f32) (local $bits i64)
    (local.set $x (f64.convert_i32_s (local.get $m)))
    (local.set $f (f32.const 0.5))
    (loop $l
      (local.set $y (f64.add (f64.mul (local.get $x) (f64.const 1.0001)) (local.get $y)))
      (local.set $x (f64.min (f64.sqrt (f64.abs (local.get $y))) (local.get $x)))
      (local.set $f (f32.max (f32.mul (local.get $f) (f32.const 1.5)) (f32.demote_f64 (local.get $x))))
      (local.set $bits (i64.xor (local.get $bits) (i64.reinterpret_f64 (local.get $y))))
      (local.set $bits (i64.add (local.get $bits)
        (i64.extend_i32_u (i32.reinterpret_f32 (local.get $f)))))
      (local.set $bits (i64.add (local.get $bits)
        (i64.trunc_sat_f64_s (local.get $y))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (i32.and (local.get $n) (i32.const 63)))))
    (i64.add (local.get $bits) (i64.reinterpret_f64 (local.get $x))))

  ;; more hot locals than pinning registers, a br_table and a block result
  ;; carrying a local out of the loop
  (func (export "many") (param $n i32) (param $m i32) (result i64)
    (local $i i32) (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    (local.set $a (local.get $m))
    (local.set $e (i32.or (local.get $n) (i32.const 1)))
    (i64.extend_i32_u
      (block $done (result i32)
        (loop $l
          (block $b2 (block $b1 (block $b0
            (br_table $b0 $b1 $b2 (i32.rem_u (local.get $i) (i32.const 3))))
            (local.set $b (i32.add (local.get $b) (local.get $a))) (br $b2))
            (local.set $c (i32.xor (local.get $c) (local.get $b))) (br $b2))
          (local.set $d (i32.add (local.get $d) (local.get $c)))
          (local.set $e (i32.rotl (local.get $e) (local.get $d)))
          (local.set $f (i32.add (local.get $f) (i32.mul (local.get $e) (local.get $a))))
          (local.set $g (i32.sub (local.get $g) (local.get $f)))
          (local.set $h (i32.add (local.get $h) (i32.div_u (local.get $g) (i32.or (local.get $a) (i32.const 1)))))
          (local.set $a (i32.add (local.get $a) (i32.const 3)))
          (br_if $done (i32.add (local.get $h) (local.get $g))
                       (i32.ge_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                 (i32.and (local.get $n) (i32.const 127))))
          (br $l))
        (i32.const 0))))

  ;; bounds checks shared between accesses through one local value: a set
  ;; of the local or a label ends the sharing
  (func (export "checks") (param $n i32) (param $m i32) (result i64)
    (local $p i32) (local $s i64)
    (local.set $p (i32.and (local.get $n) (i32.const 0xff)))
    (local.set $s (i64.load offset=16 (local.get $p)))
    (local.set $s (i64.add (local.get $s) (i64.load offset=8 (local.get $p))))
    (local.set $p (i32.add (local.get $p) (local.get $m)))
    (i64.add (local.get $s) (i64.load offset=8 (local.get $p))))
  (func (export "checks2") (param $n i32) (param $m i32) (result i64)
    (local $p i32) (local $s i64)
    (local.set $p (local.get $m))
    (block (br_if 0 (i32.eqz (local.get $n)))
      (local.set $s (i64.load offset=64 (local.get $p))))
    (i64.add (local.get $s) (i64.load offset=8 (local.get $p))))
)
