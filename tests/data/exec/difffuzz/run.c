/* SPDX-License-Identifier: Apache-2.0 */
/* Runs export "run" of a module once per (i32, i32, i64) argument triple in our engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/base.h"
#include "engine/engine.h"
int main(int argc, char **argv) {
	uint8_t *p; size_t len; struct pvf_err pe; struct eng_error err; struct eng_module *m;
	struct eng_module_config cfg = {0};
	if (getenv("PVF")) cfg.profile = ENG_PROFILE_FULL;
	if (base_read_file(argv[1], 1 << 26, &p, &len, &pe)) return 1;
	if (eng_module_new(p, len, &cfg, &m, &err)) { printf("invalid %s\n", err.msg); return 1; }
	for (int i = 2; i + 2 < argc; i += 3) {
		struct eng_store *s; struct eng_instance *inst; struct eng_extern ex; struct eng_val r;
		eng_store_new(NULL, &s);
		if (eng_instance_new(s, m, NULL, NULL, &inst, &err)) { printf("inst %s\n", err.msg); return 1; }
		eng_instance_export(inst, "run", 3, &ex);
		struct eng_val a[3] = {{ENG_I32, {.i32 = (uint32_t)strtoll(argv[i], 0, 0)}},
			{ENG_I32, {.i32 = (uint32_t)strtoll(argv[i+1], 0, 0)}}, {ENG_I64, {.i64 = (uint64_t)strtoll(argv[i+2], 0, 0)}}};
		if (eng_func_call(s, ex.of.func, a, 3, &r, 1, &err)) printf("trap %s\n", err.msg);
		else printf("%llu\n", (unsigned long long)r.of.i64);
		eng_store_free(s);
	}
	eng_module_free(m);
	return 0;
}
