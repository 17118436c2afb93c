/* SPDX-License-Identifier: Apache-2.0 */
/* Preparation speed of real runtimes (docs/compiler.md §6).
 * Usage: prep_bench [--profile pvf|full] [--reps N] FILE...
 * Each FILE is a runtime blob (zstd-prefixed, bare zstd or plain Wasm). For
 * each prints the decompressed size, the code section size, and the best of
 * N runs (default 3) of: decode+validate, interpreter translation, native
 * compilation, with MB/s of the decompressed module per CPU-second (one
 * thread), and how many functions were compiled to machine code; then
 * loading instead of compiling (docs/compiler.md §4): the export of the
 * native code, decode+validate plus eng_module_native_import, and the same
 * at the runtime level (rt_runtime_prepare against rt_runtime_load, which
 * also does the link check). */
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

static void keep_min(uint64_t *best, uint64_t d)
{
	if (d < *best)
		*best = d;
}

/* Export of m's native code, then a fresh module loaded from it; in the PVF
 * profile also the runtime-level prepare and load. Best times into best[0..4]
 * (export, decode+validate+import, import, rt prepare, rt load). */
static int load_one(struct eng_module *m, const uint8_t *code, size_t len,
		    const struct eng_module_config *mc, uint64_t best[5], size_t *blob_len)
{
	bool canon = mc->profile == ENG_PROFILE_PVF;
	struct rt_runtime_config rc = {.engine = RT_ENGINE_NATIVE};
	struct rt_runtime *rt = NULL;
	struct rt_error rerr = {0};
	struct eng_module *m2 = NULL;
	struct eng_error err = {0};
	struct buf blob = BUF_INIT;
	uint64_t t, t1;
	int ret = -1;

	t = cpu_ns();
	if (eng_module_native_export(m, canon, &blob, &err) != ENG_OK)
		goto out;
	keep_min(&best[0], cpu_ns() - t);
	*blob_len = blob.len;
	t = cpu_ns();
	if (eng_module_new(code, len, mc, &m2, &err) != ENG_OK)
		goto out;
	t1 = cpu_ns();
	if (eng_module_native_import(m2, canon, blob.data, blob.len, &err) != ENG_OK)
		goto out;
	keep_min(&best[1], cpu_ns() - t);
	keep_min(&best[2], cpu_ns() - t1);
	if (canon) {
		buf_deinit(&blob);
		t = cpu_ns();
		if (rt_runtime_prepare(code, len, &rc, &rt, &rerr) != RT_OK)
			goto out;
		keep_min(&best[3], cpu_ns() - t);
		if (rt_runtime_export_native(rt, &blob, &rerr) != RT_OK)
			goto out;
		rt_runtime_free(rt);
		t = cpu_ns();
		if (rt_runtime_load(code, len, blob.data, blob.len, &rc, &rt, &rerr) != RT_OK)
			goto out;
		keep_min(&best[4], cpu_ns() - t);
	}
	ret = 0;
out:
	if (ret < 0)
		fprintf(stderr, "prep_bench: %s%s\n", err.msg, rerr.msg);
	rt_runtime_free(rt);
	eng_module_free(m2);
	buf_deinit(&blob);
	return ret;
}

static int one(const char *path, enum eng_profile profile, unsigned reps)
{
	struct eng_module_config mc = {.profile = profile};
	struct eng_native_stats ns;
	struct eng_module_stats ms;
	struct pvf_err perr = {0};
	struct eng_error err = {0};
	uint64_t best[3] = {UINT64_MAX, UINT64_MAX, UINT64_MAX}, t;
	uint64_t lbest[5] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
	size_t blob_len = 0;
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
		if (load_one(m, code, len, &mc, lbest, &blob_len) < 0) {
			fprintf(stderr, "prep_bench: %s: load failed\n", path);
			eng_module_free(m);
			goto out;
		}
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
	printf("  native code blob %.2f MB: export %.2f ms; decode+validate+import %.2f ms "
	       "(import %.2f ms) instead of validate+translate+compile %.2f ms\n",
	       (double)blob_len / 1e6, lbest[0] / 1e6, lbest[1] / 1e6, lbest[2] / 1e6,
	       (best[0] + best[1] + best[2]) / 1e6);
	if (profile == ENG_PROFILE_PVF)
		printf("  runtime: rt_runtime_prepare %.2f ms, rt_runtime_load %.2f ms\n",
		       lbest[3] / 1e6, lbest[4] / 1e6);
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
