/* SPDX-License-Identifier: Apache-2.0 */
/* Runs one benchmark kernel in our engine.
 * Usage: wasm_bench [--profile pvf|full] [--engine interp|native] FILE N REPS
 * Prints "checksum best_ns decode_ns": best time of `run(N)` over REPS fresh
 * instances (decode and instantiation excluded from the run time; decode_ns
 * includes the translation, and the native compilation with --engine native). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/engine.h"

int main(int argc, char **argv)
{
	struct eng_module_config mc = {.profile = ENG_PROFILE_PVF};
	struct eng_store_config sc = {.logical_stack_max = 65536};
	struct pvf_err perr = {0};
	struct eng_error err = {0};
	struct eng_module *m = NULL;
	uint64_t best = UINT64_MAX, t, decode_ns;
	uint32_t n, reps, r, sum = 0;
	uint8_t *bytes;
	size_t len;
	int ai = 1, ret = 1;

	while (argc - ai >= 2 && argv[ai][0] == '-') {
		if (strcmp(argv[ai], "--profile") == 0)
			mc.profile = strcmp(argv[ai + 1], "full") == 0 ? ENG_PROFILE_FULL
								      : ENG_PROFILE_PVF;
		else if (strcmp(argv[ai], "--engine") == 0)
			sc.backend = strcmp(argv[ai + 1], "native") == 0 ? ENG_BACKEND_NATIVE
									 : ENG_BACKEND_INTERP;
		else
			break;
		ai += 2;
	}
	if (argc - ai != 3) {
		fprintf(stderr, "usage: wasm_bench [--profile pvf|full] [--engine interp|native] "
			"FILE N REPS\n");
		return 2;
	}
	n = (uint32_t)strtoul(argv[ai + 1], NULL, 0);
	reps = (uint32_t)strtoul(argv[ai + 2], NULL, 0);
	if (base_read_file(argv[ai], 64u << 20, &bytes, &len, &perr) < 0) {
		fprintf(stderr, "wasm_bench: %s\n", perr.msg);
		return 1;
	}
	t = base_now_ns();
	if (eng_module_new(bytes, len, &mc, &m, &err) != ENG_OK ||
	    eng_module_prepare(m, &err) != ENG_OK ||
	    (sc.backend == ENG_BACKEND_NATIVE &&
	     eng_module_prepare_native(m, mc.profile == ENG_PROFILE_PVF, &err) != ENG_OK)) {
		fprintf(stderr, "wasm_bench: %s: %s\n", argv[ai], err.msg);
		goto out;
	}
	decode_ns = base_now_ns() - t;
	for (r = 0; r < reps; r++) {
		struct eng_store *s = NULL;
		struct eng_instance *inst;
		struct eng_extern ex;
		struct eng_val arg = {.type = ENG_I32, .of.i32 = n}, res;

		if (eng_store_new(&sc, &s) != ENG_OK ||
		    eng_instance_new(s, m, NULL, NULL, &inst, &err) != ENG_OK ||
		    !eng_instance_export(inst, "run", 3, &ex) || ex.kind != ENG_EXTERN_FUNC) {
			fprintf(stderr, "wasm_bench: instantiate: %s\n", err.msg);
			eng_store_free(s);
			goto out;
		}
		t = base_now_ns();
		if (eng_func_call(s, ex.of.func, &arg, 1, &res, 1, &err) != ENG_OK) {
			fprintf(stderr, "wasm_bench: run: %s\n", err.msg);
			eng_store_free(s);
			goto out;
		}
		t = base_now_ns() - t;
		if (t < best)
			best = t;
		sum = res.of.i32;
		eng_store_free(s);
	}
	printf("%u %llu %llu\n", sum, (unsigned long long)best, (unsigned long long)decode_ns);
	ret = 0;
out:
	eng_module_free(m);
	free(bytes);
	return ret;
}
