/* SPDX-License-Identifier: Apache-2.0 */
/* Interpreter driver: load, prepare, instantiate, then time one call of EXPORT(N). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/base.h"
#include "engine/engine.h"
int main(int argc, char **argv) {
	uint8_t *p; size_t len; struct pvf_err pe; struct eng_error err;
	struct eng_module *m; struct eng_store *s; struct eng_instance *inst; struct eng_extern ex;
	struct eng_module_config cfg = {0}; struct timespec a, b;
	if (argc > 4 && !strcmp(argv[4], "pvf")) cfg.profile = ENG_PROFILE_PVF;
	if (base_read_file(argv[1], 1 << 26, &p, &len, &pe)) return 1;
	if (eng_module_new(p, len, &cfg, &m, &err)) { printf("%s\n", err.msg); return 1; }
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (eng_module_prepare(m, &err)) { printf("%s\n", err.msg); return 1; }
	clock_gettime(CLOCK_MONOTONIC, &b);
	double tp = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	eng_store_new(NULL, &s);
	if (eng_instance_new(s, m, NULL, NULL, &inst, &err)) { printf("%s\n", err.msg); return 1; }
	if (!eng_instance_export(inst, argv[2], strlen(argv[2]), &ex)) return 1;
	struct eng_val arg = {ENG_I32, {.i32 = (uint32_t)atoi(argv[3])}}, r;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (eng_func_call(s, ex.of.func, &arg, 1, &r, 1, &err)) { printf("%s\n", err.msg); return 1; }
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%d %.4f (prepare %.4f)\n", (int)r.of.i32, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9, tp);
	return 0;
}
