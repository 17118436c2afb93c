/* SPDX-License-Identifier: Apache-2.0 */
/* Times real runtime calls through the host's own path (docs/benchmarks.md,
 * bench/runtime_run.py compares them with node's V8).
 *
 * Usage: runtime_bench [--engine native|interp] [--calls N] [--warmup N] [--pvf]
 *                      CODE EXPORT [HEX_INPUT]
 *
 * Prepares CODE once (rt_runtime_prepare: decompress, validate, translate and,
 * for native, compile), then runs `warmup` untimed and `calls` timed calls of
 * rt_runtime_call, each in a fresh instance as the host does. By default the
 * runtime is linked as `pvf call` links it (PVF host functions plus storage
 * on an empty in-memory state, fresh for every call); --pvf links only the
 * PVF host functions, as validation does. Prints one JSON line: calls,
 * min_ns, median_ns (per call, instantiation included), compile_ns (the
 * preparation), out_len, sha256 of the output and host_calls (per call). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "runtime/runtime.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int usage(void)
{
	fprintf(stderr, "usage: runtime_bench [--engine native|interp] [--calls N] [--warmup N] "
		"[--pvf] CODE EXPORT [HEX_INPUT]\n");
	return 2;
}

/* One call; on failure prints why and returns false. *out: caller frees. */
static bool call_once(struct rt_runtime *rt, const char *fn, const uint8_t *in, size_t in_len,
		      struct rt_call_stats *stats, uint8_t **out, size_t *out_len)
{
	struct rt_call_opts opts = {.stats = stats};
	struct rt_error err;

	if (rt_runtime_call(rt, fn, in, in_len, &opts, out, out_len, &err) != RT_OK) {
		fprintf(stderr, "runtime_bench: %s: %s: %s\n", fn, rt_err_kind_str(err.kind),
			err.msg);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct rt_runtime_config cfg = {.tools = true, .engine = RT_ENGINE_NATIVE};
	struct rt_call_stats stats = {0};
	struct rt_runtime *rt = NULL;
	struct pvf_err perr = {0};
	struct rt_error err;
	uint8_t *blob = NULL, *code = NULL, *in = NULL, *first = NULL, *out = NULL;
	size_t blen, len, in_len = 0, first_len = 0, out_len;
	uint64_t *times = NULL, t, compile_ns;
	unsigned long calls = 10, warmup = 3, i;
	uint8_t digest[32];
	char hex[65];
	const char *fn;
	int ai = 1, ret = 1;
	bool comma = false;

	while (ai < argc && strncmp(argv[ai], "--", 2) == 0) {
		if (strcmp(argv[ai], "--pvf") == 0) {
			cfg.tools = false;
			ai++;
			continue;
		}
		if (ai + 1 >= argc)
			return usage();
		if (strcmp(argv[ai], "--engine") == 0) {
			if (!rt_engine_parse(argv[ai + 1], &cfg.engine))
				return usage();
		} else if (strcmp(argv[ai], "--calls") == 0) {
			calls = strtoul(argv[ai + 1], NULL, 0);
		} else if (strcmp(argv[ai], "--warmup") == 0) {
			warmup = strtoul(argv[ai + 1], NULL, 0);
		} else {
			return usage();
		}
		ai += 2;
	}
	if (argc - ai < 2 || argc - ai > 3 || calls == 0 || calls > 1000000)
		return usage();
	fn = argv[ai + 1];
	if (argc - ai == 3 && base_hex_decode(argv[ai + 2], strlen(argv[ai + 2]), &in, &in_len) < 0) {
		fprintf(stderr, "runtime_bench: HEX_INPUT is not hex\n");
		return 2;
	}
	if (base_read_file(argv[ai], 64u << 20, &blob, &blen, &perr) < 0) {
		fprintf(stderr, "runtime_bench: %s\n", perr.msg);
		goto out;
	}
	/* A bare zstd frame (shell-v2) is accepted as `pvf call` accepts it. */
	if (rt_blob_decompress(blob, blen, RT_CODE_BLOB_BOMB_LIMIT, true, &code, &len) !=
	    RT_BLOB_OK) {
		fprintf(stderr, "runtime_bench: %s: cannot decompress\n", argv[ai]);
		goto out;
	}
	times = calloc(calls, sizeof(*times));
	if (!times) {
		fprintf(stderr, "runtime_bench: out of memory\n");
		goto out;
	}
	/* libLLVM is opened once per process: not part of a preparation */
	{
		const char *why;

		if (!rt_native_opt_load(cfg.engine, &why))
			fprintf(stderr, "runtime_bench: the optimising tier is off: %s\n", why);
	}
	t = base_now_ns();
	if (rt_runtime_prepare(code, len, &cfg, &rt, &err) != RT_OK) {
		fprintf(stderr, "runtime_bench: %s: %s: %s\n", argv[ai], rt_err_kind_str(err.kind),
			err.msg);
		goto out;
	}
	compile_ns = base_now_ns() - t;

	for (i = 0; i < warmup; i++) {
		if (!call_once(rt, fn, in, in_len, NULL, &out, &out_len))
			goto out;
		free(out);
		out = NULL;
	}
	for (i = 0; i < calls; i++) {
		t = base_now_ns();
		if (!call_once(rt, fn, in, in_len, NULL, &out, &out_len))
			goto out;
		times[i] = base_now_ns() - t;
		if (!first) {
			first = out;
			first_len = out_len;
		} else {
			if (out_len != first_len || memcmp(out, first, out_len) != 0) {
				fprintf(stderr, "runtime_bench: call %lu: output differs from the "
					"first call\n", i);
				goto out;
			}
			free(out);
		}
		out = NULL;
	}
	/* One more, untimed, for the host-function counts. */
	if (!call_once(rt, fn, in, in_len, &stats, &out, &out_len))
		goto out;
	qsort(times, calls, sizeof(*times), cmp_u64);
	rt_sha2_256(first, first_len, digest);
	base_hex_encode(digest, sizeof(digest), hex);
	printf("{\"calls\":%lu,\"min_ns\":%llu,\"median_ns\":%llu,\"compile_ns\":%llu,"
	       "\"wasm_len\":%zu,\"out_len\":%zu,\"sha256\":\"%s\",\"host_calls\":{", calls,
	       (unsigned long long)times[0], (unsigned long long)times[calls / 2],
	       (unsigned long long)compile_ns, len, first_len, hex);
	for (i = 0; i < stats.nimports; i++) {
		if (!stats.imports[i].calls)
			continue;
		printf("%s\"%.*s\":%llu", comma ? "," : "", (int)stats.imports[i].name_len,
		       stats.imports[i].name, (unsigned long long)stats.imports[i].calls);
		comma = true;
	}
	printf("}}\n");
	ret = 0;
out:
	rt_call_stats_deinit(&stats);
	free(out);
	free(first);
	free(times);
	rt_runtime_free(rt);
	free(code);
	free(blob);
	free(in);
	return ret;
}
