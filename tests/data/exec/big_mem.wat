(module (memory 5))
