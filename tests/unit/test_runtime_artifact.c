/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading prepared runtimes (rt_runtime_export_native, rt_runtime_load;
 * docs/compiler.md §4):
 *
 *  - adder (both builds): a runtime loaded from its Wasm and exported native
 *    code runs validate_block vectors A and B of runtime-abi.md §4.2 with
 *    the expected results, and the trapping vector C; the same through the
 *    interpreter (no native code); loading compiles nothing;
 *  - every real runtime in ../shared/runtime-blobs: Core_version of the
 *    loaded runtime is byte-identical to the freshly prepared one's; the
 *    CPU time of preparing and of loading is printed;
 *  - failures: native code for another module, another engine build, a
 *    damaged blob, an engine other than the configured one: runtime
 *    construction errors; Wasm that does not decode: prevalidation; export
 *    of an interpreter runtime: internal.
 *
 * Skips when ../shared is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "engine/engine.h"
#include "engine/native/native_int.h"
#include "runtime/runtime.h"
#include "adder_vectors.h"
#include "shared_data.h"
#include "tap.h"

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *unhex(const char *s, size_t *len)
{
	uint8_t *out = NULL;
	char clean[4096];
	size_t n = 0;

	for (; *s && n + 1 < sizeof(clean); s++)
		if (*s != ' ')
			clean[n++] = *s;
	clean[n] = '\0';
	if (base_hex_decode(clean, n, &out, len) < 0)
		return NULL;
	return out;
}

/* The plain Wasm of a shared runtime (what a prepare job stores). */
static uint8_t *wasm_of(const char *rel, size_t *len)
{
	uint8_t *raw, *out = NULL;
	size_t rlen = 0;
	bool bare;

	raw = shared_read(rel, &rlen);
	if (!raw)
		return NULL;
	bare = rt_blob_kind_of(raw, rlen) == RT_BLOB_RAW_ZSTD;
	if (rt_blob_decompress(raw, rlen, RT_CODE_BLOB_BOMB_LIMIT, bare, &out, len) != RT_BLOB_OK)
		out = NULL;
	free(raw);
	return out;
}

static const struct rt_runtime_config native_cfg = {.engine = RT_ENGINE_NATIVE};
static const struct rt_runtime_config interp_cfg = {.engine = RT_ENGINE_INTERP};

/* Prepares natively and exports the code; NULL on failure. */
static struct rt_runtime *prepare_export(const uint8_t *wasm, size_t len, struct buf *blob,
					 double *secs)
{
	struct rt_runtime *rt = NULL;
	struct rt_error err = {0};
	double t0 = cpu_s();

	if (rt_runtime_prepare(wasm, len, &native_cfg, &rt, &err) != RT_OK) {
		printf("# prepare: %s\n", err.msg);
		return NULL;
	}
	*secs = cpu_s() - t0;
	if (rt_runtime_export_native(rt, blob, &err) != RT_OK) {
		printf("# export: %s\n", err.msg);
		rt_runtime_free(rt);
		return NULL;
	}
	return rt;
}

static bool validate(struct rt_runtime *rt, const char *params_hex, const char *result_hex,
		     enum rt_err_kind *kind)
{
	struct rt_validation_result res;
	struct arena a = ARENA_INIT;
	struct rt_error err = {0};
	uint8_t *params, *out = NULL, *want;
	size_t plen = 0, olen = 0, wlen = 0;
	bool eq;

	params = unhex(params_hex, &plen);
	want = unhex(result_hex, &wlen);
	*kind = rt_validate_block(rt, params, plen, &a, &out, &olen, &res, &err);
	eq = *kind == RT_OK && want && olen == wlen && memcmp(out, want, wlen) == 0;
	if (*kind != RT_OK)
		printf("#   %s: %s\n", rt_err_kind_str(*kind), err.msg);
	free(out);
	free(want);
	free(params);
	arena_deinit(&a);
	return eq;
}

static void adder(const char *rel)
{
	struct rt_runtime *p, *rt = NULL, *ri = NULL;
	struct rt_error err = {0};
	struct buf blob = BUF_INIT;
	enum rt_err_kind k;
	uint8_t *wasm, *params;
	size_t len = 0, plen = 0;
	uint64_t before;
	double prep_s = 0;

	wasm = wasm_of(rel, &len);
	p = wasm ? prepare_export(wasm, len, &blob, &prep_s) : NULL;
	if (!ok(p != NULL, "%s: prepared natively, %zu bytes of native code exported", rel,
		blob.len))
		goto out;
	before = nat__compilations;
	memset(&err, 0, sizeof(err));
	k = rt_runtime_load(wasm, len, blob.data, blob.len, &native_cfg, &rt, &err);
	ok(k == RT_OK && rt_runtime_engine(rt) == RT_ENGINE_NATIVE, "%s: loaded (%s)", rel,
	   err.msg);
	if (!rt)
		goto out;
	ok(validate(rt, vec_a_params, vec_a_result, &k), "%s: loaded: vector A", rel);
	ok(validate(rt, vec_b_params, vec_b_result, &k), "%s: loaded: vector B", rel);
	params = unhex(vec_a_params, &plen);
	params[1 + 8 + 32 + 32 + 1] = 2;   /* vector C: wrong parent state */
	{
		struct rt_validation_result res;
		struct arena a = ARENA_INIT;
		uint8_t *out = NULL;
		size_t olen = 0;

		k = rt_validate_block(rt, params, plen, &a, &out, &olen, &res, &err);
		ok(k == RT_ERR_TRAP && err.trap == ENG_TRAP_UNREACHABLE,
		   "%s: loaded: vector C traps (%s)", rel, err.msg);
		free(out);
		arena_deinit(&a);
	}
	free(params);
	ok_eq(nat__compilations, before, "%s: loading and running compiled nothing", rel);

	memset(&err, 0, sizeof(err));
	k = rt_runtime_load(wasm, len, NULL, 0, &interp_cfg, &ri, &err);
	ok(k == RT_OK && rt_runtime_engine(ri) == RT_ENGINE_INTERP,
	   "%s: loaded for the interpreter (%s)", rel, err.msg);
	ok(ri && validate(ri, vec_a_params, vec_a_result, &k) &&
	   validate(ri, vec_b_params, vec_b_result, &k), "%s: interpreter: vectors A and B", rel);
out:
	rt_runtime_free(p);
	rt_runtime_free(rt);
	rt_runtime_free(ri);
	buf_deinit(&blob);
	free(wasm);
}

static bool core_version(struct rt_runtime *rt, uint8_t **out, size_t *len)
{
	struct rt_error err = {0};

	*out = NULL;
	if (rt_runtime_call(rt, "Core_version", NULL, 0, NULL, out, len, &err) != RT_OK) {
		printf("#   Core_version: %s\n", err.msg);
		return false;
	}
	return true;
}

static void real_runtime(const char *rel)
{
	struct rt_runtime *p, *rt = NULL;
	struct rt_error err = {0};
	struct buf blob = BUF_INIT;
	uint8_t *wasm, *v1 = NULL, *v2 = NULL;
	size_t len = 0, l1 = 0, l2 = 0;
	enum rt_err_kind k;
	double prep_s = 0, load_s, t0;
	uint64_t before;

	wasm = wasm_of(rel, &len);
	p = wasm ? prepare_export(wasm, len, &blob, &prep_s) : NULL;
	if (!ok(p != NULL, "%s: prepared natively and exported", rel))
		goto out;
	before = nat__compilations;
	t0 = cpu_s();
	memset(&err, 0, sizeof(err));
	k = rt_runtime_load(wasm, len, blob.data, blob.len, &native_cfg, &rt, &err);
	load_s = cpu_s() - t0;
	ok(k == RT_OK, "%s: loaded (%s)", rel, err.msg);
	if (rt && core_version(p, &v1, &l1))
		core_version(rt, &v2, &l2);
	ok(v2 && l1 > 0 && l1 == l2 && memcmp(v1, v2, l1) == 0,
	   "%s: Core_version of the loaded runtime is identical (%zu bytes)", rel, l2);
	ok_eq(nat__compilations, before, "%s: loading compiled nothing", rel);
	printf("# %s: %.2f MB wasm, %.2f MB native blob: prepare %.3f s CPU, load %.3f s CPU\n",
	       rel, (double)len / 1e6, (double)blob.len / 1e6, prep_s, load_s);
out:
	free(v1);
	free(v2);
	rt_runtime_free(p);
	rt_runtime_free(rt);
	buf_deinit(&blob);
	free(wasm);
}

static void failures(void)
{
	struct rt_runtime *p1 = NULL, *p2 = NULL, *rt = NULL;
	struct rt_error err = {0};
	struct buf b1 = BUF_INIT, b2 = BUF_INIT;
	uint8_t *w1, *w2, *bad;
	size_t l1 = 0, l2 = 0;
	enum rt_err_kind k;
	double s;

	w1 = wasm_of("runtime-blobs/adder-kagome.wasm", &l1);
	w2 = wasm_of("runtime-blobs/adder-gossamer.wasm", &l2);
	p1 = w1 ? prepare_export(w1, l1, &b1, &s) : NULL;
	p2 = w2 ? prepare_export(w2, l2, &b2, &s) : NULL;
	if (!ok(p1 && p2, "two adders prepared"))
		goto out;
	memset(&err, 0, sizeof(err));
	k = rt_runtime_load(w1, l1, b2.data, b2.len, &native_cfg, &rt, &err);
	ok(k == RT_ERR_RUNTIME_CONSTRUCTION && rt == NULL && strstr(err.msg, "another module"),
	   "another module's code: runtime construction (%s)", err.msg);
	b1.data[40] ^= 1;    /* inside the build identity */
	memset(&err, 0, sizeof(err));
	k = rt_runtime_load(w1, l1, b1.data, b1.len, &native_cfg, &rt, &err);
	ok(k == RT_ERR_RUNTIME_CONSTRUCTION && strstr(err.msg, "another engine build"),
	   "another build identity: runtime construction (%s)", err.msg);
	b1.data[40] ^= 1;
	memset(&err, 0, sizeof(err));
	k = rt_runtime_load(w1, l1, b1.data, b1.len / 2, &native_cfg, &rt, &err);
	ok(k == RT_ERR_RUNTIME_CONSTRUCTION && strstr(err.msg, "truncated"),
	   "truncated native code: runtime construction (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	k = rt_runtime_load(w1, l1, b1.data, b1.len, &interp_cfg, &rt, &err);
	ok(k == RT_ERR_RUNTIME_CONSTRUCTION && strstr(err.msg, "native engine"),
	   "native code with the interpreter configured: runtime construction (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	k = rt_runtime_load(w1, l1, NULL, 0, &native_cfg, &rt, &err);
	ok(k == RT_ERR_RUNTIME_CONSTRUCTION && strstr(err.msg, "interp engine"),
	   "no native code with the native engine configured: runtime construction (%s)",
	   err.msg);
	bad = malloc(l1);
	memcpy(bad, w1, l1);
	bad[0] ^= 1;
	memset(&err, 0, sizeof(err));
	k = rt_runtime_load(bad, l1, b1.data, b1.len, &native_cfg, &rt, &err);
	ok(k == RT_ERR_PREVALIDATION, "Wasm without its magic: prevalidation (%s)", err.msg);
	free(bad);
	rt_runtime_free(p2);
	p2 = NULL;
	k = rt_runtime_prepare(w2, l2, &interp_cfg, &p2, &err);
	ok(k == RT_OK && rt_runtime_export_native(p2, &b2, &err) == RT_ERR_INTERNAL,
	   "export of an interpreter runtime: internal error (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	k = rt_runtime_load(w1, l1, b1.data, b1.len, &native_cfg, &rt, &err);
	ok(k == RT_OK, "the intact code still loads (%s)", err.msg);
out:
	rt_runtime_free(rt);
	rt_runtime_free(p1);
	rt_runtime_free(p2);
	buf_deinit(&b1);
	buf_deinit(&b2);
	free(w1);
	free(w2);
}

int main(void)
{
	static const char *const real[] = {
		"runtime-blobs/shell-v2.wasm.zst",
		"runtime-blobs/westend-9300.compressed.bin",
		"runtime-blobs/asset-hub-kusama-local-statemine-1000000.compressed.bin",
		"runtime-blobs/coretime-polkadot-1003000.compressed.bin",
		"runtime-blobs/moonbase-4300.compressed.bin",
	};

	if (!eng_native_supported())
		tap_skip_all("the native backend is not supported on this machine");
	if (!shared_has("runtime-blobs/adder-kagome.wasm"))
		tap_skip_all("../shared/runtime-blobs is absent");
	adder("runtime-blobs/adder-kagome.wasm");
	adder("runtime-blobs/adder-gossamer.wasm");
	failures();
	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++)
		real_runtime(real[i]);
	return tap_done();
}
