/* SPDX-License-Identifier: Apache-2.0 */
/* Preparation speed of real runtimes (docs/compiler.md §6).
 * Usage: prep_bench [--profile pvf|full] [--reps N] FILE...
 * Each FILE is a runtime blob (zstd-prefixed, bare zstd or plain Wasm). For
 * each prints the decompressed size, the code section size, and the best of
 * N runs (default 3) of: decode+validate, interpreter translation, native
 * compilation, with MB/s of the decompressed module per CPU-second (one
 * thread), and how many functions were compiled to machine code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "engine/engine.h"
#include "runtime/runtime.h"

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int one(const char *path, enum eng_profile profile, unsigned reps)
{
	struct eng_module_config mc = {.profile = profile};
	struct eng_native_stats ns;
	struct eng_module_stats ms;
	struct pvf_err perr = {0};
	struct eng_error err = {0};
	uint64_t best[3] = {UINT64_MAX, UINT64_MAX, UINT64_MAX}, t;
	uint8_t *blob = NULL, *code = NULL;
	size_t blen, len;
	unsigned r, k;
	double mb;
	int ret = 1;

	if (base_read_file(path, 64u << 20, &blob, &blen, &perr) < 0) {
		fprintf(stderr, "prep_bench: %s\n", perr.msg);
		return 1;
	}
	if (rt_blob_decompress(blob, blen, 256u << 20, true, &code, &len) != RT_BLOB_OK) {
		fprintf(stderr, "prep_bench: %s: cannot decompress\n", path);
		goto out;
	}
	memset(&ns, 0, sizeof(ns));
	memset(&ms, 0, sizeof(ms));
	for (r = 0; r < reps; r++) {
		struct eng_module *m = NULL;
		uint64_t d[3];

		t = cpu_ns();
		if (eng_module_new(code, len, &mc, &m, &err) != ENG_OK) {
			fprintf(stderr, "prep_bench: %s: %s\n", path, err.msg);
			goto out;
		}
		d[0] = cpu_ns() - t;
		t = cpu_ns();
		if (eng_module_prepare(m, &err) != ENG_OK) {
			fprintf(stderr, "prep_bench: %s: prepare: %s\n", path, err.msg);
			eng_module_free(m);
			goto out;
		}
		d[1] = cpu_ns() - t;
		t = cpu_ns();
		if (eng_module_prepare_native(m, profile == ENG_PROFILE_PVF, &err) != ENG_OK) {
			fprintf(stderr, "prep_bench: %s: native: %s\n", path, err.msg);
			eng_module_free(m);
			goto out;
		}
		d[2] = cpu_ns() - t;
		for (k = 0; k < 3; k++)
			if (d[k] < best[k])
				best[k] = d[k];
		eng_module_native_stats(m, profile == ENG_PROFILE_PVF, &ns);
		eng_module_stats(m, &ms);
		eng_module_free(m);
	}
	mb = (double)len / 1e6;
	printf("%s: %.2f MB wasm, %.2f MB code, %u/%u functions compiled, %.2f MB machine code\n",
	       path, mb, (double)ms.code_bytes / 1e6, ns.compiled, ns.functions,
	       (double)ns.code_bytes / 1e6);
	printf("  decode+validate %.3f s (%.1f MB/s), interpreter translation %.3f s, "
	       "native compile %.3f s (%.1f MB/s); validate+translate+compile %.3f s (%.1f MB/s)\n",
	       best[0] / 1e9, mb / (best[0] / 1e9), best[1] / 1e9, best[2] / 1e9,
	       mb / (best[2] / 1e9), (best[0] + best[1] + best[2]) / 1e9,
	       mb / ((best[0] + best[1] + best[2]) / 1e9));
	ret = 0;
out:
	free(code);
	free(blob);
	return ret;
}

int main(int argc, char **argv)
{
	enum eng_profile profile = ENG_PROFILE_PVF;
	unsigned reps = 3;
	int i = 1, ret = 0;

	while (i + 1 < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--profile") == 0)
			profile = strcmp(argv[i + 1], "full") == 0 ? ENG_PROFILE_FULL : ENG_PROFILE_PVF;
		else if (strcmp(argv[i], "--reps") == 0)
			reps = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else
			break;
		i += 2;
	}
	if (i >= argc || reps == 0) {
		fprintf(stderr, "usage: prep_bench [--profile pvf|full] [--reps N] FILE...\n");
		return 2;
	}
	if (!eng_native_supported()) {
		fprintf(stderr, "prep_bench: the native backend is not supported here\n");
		return 1;
	}
	for (; i < argc; i++)
		ret |= one(argv[i], profile, reps);
	return ret;
}
