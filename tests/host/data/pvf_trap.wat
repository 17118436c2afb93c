;; SPDX-License-Identifier: Apache-2.0
;; A PVF whose validate_block traps at once: every candidate is invalid
;; (worker reported), and the worker that ran it is kept.
(module
  (memory (export "memory") 17)
  (global (export "__heap_base") i32 (i32.const 65536))
  (func (export "validate_block") (param i32 i32) (result i64)
    unreachable))
