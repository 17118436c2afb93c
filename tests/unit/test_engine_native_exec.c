/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interpreter's unit tests (test_engine_exec.c) run unchanged against
 * the native backend: every store they create asks for ENG_BACKEND_NATIVE,
 * so every result, trap, limit trip and host interaction is checked against
 * the same expectations as the interpreter's.
 *
 * argv[1]: directory holding the .wasm files built from tests/data/exec.
 */
#include "engine/engine.h"

static enum eng_status native_store_new(const struct eng_store_config *config,
					struct eng_store **out)
{
	struct eng_store_config c = {0};

	if (config)
		c = *config;
	c.backend = ENG_BACKEND_NATIVE;
	return eng_store_new(&c, out);
}

#define eng_store_new native_store_new
#include "test_engine_exec.c"
