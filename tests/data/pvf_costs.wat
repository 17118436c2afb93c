;; determinism.md §3.2 worked cost examples (PVF profile).
(module
  (import "env" "imp" (func $imp (param i32) (result i32)))
  ;; 1: 3 locals + max 4 = 7
  (func $that7 (param i32 i32) (result i32) (local i64 i64 f32)
    local.get 0 local.get 1 i32.add)
  ;; 2: 0 + 4 = 4
  (func (param i32 i32) (result i64)
    local.get 0 local.get 1 call $that7 call $imp drop i64.const 0)
  ;; 3: empty = 2
  (func)
  ;; 4: 1 + 4 = 5
  (func (param i32) (result i32) (local i32)
    block (result i32) i32.const 7 local.get 0 br_if 0 drop i32.const 1 end)
  ;; 5: else keeps the then-branch height: 6
  (func (param i32) (result i32)
    local.get 0
    if (result i32) i32.const 1 i32.const 2 drop
    else i32.const 3 i32.const 4 i32.const 5 drop drop end)
  ;; 6: then-branch unreachable, else-branch unrecorded: 3
  (func (param i32) (result i32)
    local.get 0
    if (result i32) unreachable
    else i32.const 3 i32.const 4 i32.const 5 drop drop end)
  (memory 1)
)
