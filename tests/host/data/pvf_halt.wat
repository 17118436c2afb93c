;; SPDX-License-Identifier: Apache-2.0
;; A PVF whose validate_block never returns (the reference's
;; test_parachain_halt): an empty loop. Pre-checks fine; every candidate
;; must end as a hard timeout.
(module
  (memory (export "memory") 17)
  (global (export "__heap_base") i32 (i32.const 65536))
  (func (export "validate_block") (param i32 i32) (result i64)
    (loop $forever
      (br $forever))
    (i64.const 0)))
