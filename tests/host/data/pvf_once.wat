;; SPDX-License-Identifier: Apache-2.0
;; A PVF that succeeds only in a fresh instance: validate_block traps if its
;; memory byte or mutable global says it ran before, then marks both and
;; returns a valid, empty ValidationResult. Every execution through the host
;; must succeed: each runs in its own pristine instance, even when the worker
;; keeps the loaded module cached.
(module
  (memory (export "memory") 17)
  (global (export "__heap_base") i32 (i32.const 65536))
  (global $ran (mut i32) (i32.const 0))
  ;; head_data = [], new_validation_code = None, no messages, 0, 0
  (data (i32.const 512) "\00\00\00\00\00\00\00\00\00\00\00\00")
  (func (export "validate_block") (param i32 i32) (result i64)
    (if (i32.or (global.get $ran) (i32.load8_u (i32.const 256)))
      (then unreachable))
    (global.set $ran (i32.const 1))
    (i32.store8 (i32.const 256) (i32.const 1))
    (i64.or (i64.shl (i64.const 12) (i64.const 32)) (i64.const 512))))
