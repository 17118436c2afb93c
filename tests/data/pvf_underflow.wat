;; §11 case 3: valid Wasm the stack limiter rejects ("stack underflow").
(module (func unreachable i32.add i32.add drop))
