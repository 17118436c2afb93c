;; Limits subtyping of imported memories and tables (imports with a maximum).
(module
  (import "env" "mem" (memory 1 2))
  (import "env" "tab" (table 1 5 funcref))
)
