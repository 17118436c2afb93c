;; IR fill test (full profile): every kind of section and entity.
(module
  (type $v_v (func))
  (type $ii_i (func (param i32 i32) (result i32)))
  (import "env" "f" (func $imp (param i32) (result i32)))
  (import "env" "g" (global $gimp i32))
  (import "env" "gm" (global $gmut (mut i64)))
  (import "env" "t" (table 2 funcref))
  (memory 1 3)
  (global $g0 (mut i32) (global.get $gimp))
  (global $g1 f64 (f64.const 1.5))
  (global $g2 funcref (ref.func $add))
  (func $add (type $ii_i) (local i64 i64) (local f32)
    local.get 0
    local.get 1
    i32.add)
  (func $nest (param i32) (result i32)
    block (result i32)
      loop (result i32)
        local.get 0
        local.get 0
        i32.const 1
        i32.const 2
        i32.add
        i32.add
        br_if 1
        drop
        i32.const 0
      end
    end)
  (func $start
    ref.func $add
    drop)
  (func $ext (result i32) (i32.extend8_s (i32.const 255)))
  (start $start)
  (export "add" (func $add))
  (export "mem" (memory 0))
  (export "g1" (global $g1))
  (elem (i32.const 0) $add $nest)
  (elem funcref (ref.null func) (ref.func $ext))
  (data (i32.const 8) "hello")
  (data "passive")
)
