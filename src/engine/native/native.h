/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hooks of the native backend (src/engine/native) called by the store,
 * instance and call code in src/engine/exec. A store selects the backend
 * with eng_store_config.backend (engine.h); docs/compiler.md has the design.
 */
#ifndef PVF_ENGINE_NATIVE_H
#define PVF_ENGINE_NATIVE_H

#include "../engine_int.h"

struct eng_store;
struct eng_instance;
struct eng_func;

/* Compiles the module for the instance's NaN mode if not done yet, creates
 * the instance's native data and points its functions at their code. Called
 * by eng_instance_new in a native store after the objects exist and before
 * segments and the start function. */
enum eng_status nat__instance_init(struct eng_store *s, struct eng_instance *inst,
				   struct eng_error *err);
void nat__instance_free(struct eng_instance *inst);
void nat__store_free(struct eng_store *s);
void nat__module_free(struct eng_module *m);

/* Runs compiled function f (f->ncode set) with its arguments in value-stack
 * slots at base, like exec__run; the results replace them. Counters are
 * restored on a trap. */
enum eng_trap nat__run(struct eng_store *s, struct eng_func *f, uint8_t *base);

/* Installs the guard-region fault handler (fault.c) once per process; true
 * if native code may rely on guard regions. */
bool nat__guard_init(void);

#endif /* PVF_ENGINE_NATIVE_H */
