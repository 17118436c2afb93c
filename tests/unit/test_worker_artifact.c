/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The workers' artifact file format (workers/artifact.c, workers/worker.h,
 * docs/host.md "Artifacts") on the adder PVF: a native and an interpreter
 * artifact load (wk_artifact_load) and validate vector A; every header
 * field, a damaged body, the checksum, truncation, a version 1 artifact,
 * another engine, another build identity, other executor parameters and
 * native code the engine refuses are runtime construction errors with the
 * documented reason. Skips when ../shared is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/base.h"
#include "engine/engine.h"
#include "runtime/runtime.h"
#include "adder_vectors.h"
#include "shared_data.h"
#include "tap.h"
#include "../../workers/worker.h"

static const uint8_t prep_hash[32] = {1, 2, 3, 4, 5, 6, 7, 8};
static const struct rt_runtime_config native_cfg = {.engine = RT_ENGINE_NATIVE};
static const struct rt_runtime_config interp_cfg = {.engine = RT_ENGINE_INTERP};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Recomputes the trailing checksum after an edit. */
static void reseal(uint8_t *p, size_t len)
{
	XXH128_canonical_t sum;

	XXH128_canonicalFromHash(&sum, XXH3_128bits(p, len - 16));
	memcpy(p + len - 16, sum.digest, 16);
}

static bool build(const uint8_t *wasm, size_t len, bool native, struct buf *out)
{
	struct wk_artifact_spec spec = {prep_hash, native, NULL};
	struct rt_runtime_config cfg = {.engine = native ? RT_ENGINE_NATIVE : RT_ENGINE_INTERP};
	struct rt_runtime *rt = NULL;
	struct rt_error err = {0};
	bool good;

	if (rt_runtime_prepare(wasm, len, &cfg, &rt, &err) != RT_OK) {
		printf("# prepare: %s\n", err.msg);
		return false;
	}
	good = wk_artifact_begin(out, &spec, wasm, len) == 0 &&
	       (!native || rt_runtime_export_native(rt, out, &err) == RT_OK) &&
	       wk_artifact_finish(out, 0) == 0;
	rt_runtime_free(rt);
	return good;
}

static bool vector_a(struct rt_runtime *rt)
{
	struct rt_validation_result res;
	struct arena a = ARENA_INIT;
	struct rt_error err = {0};
	uint8_t *params = NULL, *want = NULL, *out = NULL;
	size_t plen = 0, wlen = 0, olen = 0;
	char clean[2][1024];
	size_t n[2] = {0, 0};
	const char *src[2] = {vec_a_params, vec_a_result};
	bool eq;

	for (int k = 0; k < 2; k++) {
		for (const char *s = src[k]; *s; s++)
			if (*s != ' ')
				clean[k][n[k]++] = *s;
		clean[k][n[k]] = 0;
	}
	if (base_hex_decode(clean[0], n[0], &params, &plen) < 0 ||
	    base_hex_decode(clean[1], n[1], &want, &wlen) < 0)
		return false;
	eq = rt_validate_block(rt, params, plen, &a, &out, &olen, &res, &err) == RT_OK &&
	     olen == wlen && memcmp(out, want, wlen) == 0;
	free(out);
	free(params);
	free(want);
	arena_deinit(&a);
	return eq;
}

static void expect(const uint8_t *p, size_t len, const struct rt_runtime_config *cfg,
		   const char *what, const char *msg)
{
	struct rt_runtime *rt = (struct rt_runtime *)1;
	char why[300] = "";
	enum rt_err_kind k = wk_artifact_load(p, len, prep_hash, cfg, &rt, why, sizeof(why));

	ok(k == RT_ERR_RUNTIME_CONSTRUCTION && rt == NULL && strstr(why, msg) != NULL,
	   "%s: runtime construction, \"%s\"", what, why);
}

/* A copy of a with u32 v at off (xor: byte ^= x instead), resealed or not. */
static uint8_t *edited(const struct buf *a, size_t off, uint32_t v, uint8_t x, bool seal)
{
	uint8_t *p = malloc(a->len);

	memcpy(p, a->data, a->len);
	if (x)
		p[off] ^= x;
	else
		put32(p + off, v);
	if (seal)
		reseal(p, a->len);
	return p;
}

int main(void)
{
	struct buf nat = BUF_INIT, itp = BUF_INIT;
	struct rt_runtime *rt = NULL;
	uint8_t *wasm, *p, other_hash[32];
	char why[300] = "";
	size_t len = 0;
	enum rt_engine e;

	if (!eng_native_supported())
		tap_skip_all("the native backend is not supported on this machine");
	if (!shared_has("runtime-blobs/adder-kagome.wasm"))
		tap_skip_all("../shared/runtime-blobs is absent");
	wasm = shared_read("runtime-blobs/adder-kagome.wasm", &len);
	if (!wasm || !build(wasm, len, true, &nat) || !build(wasm, len, false, &itp)) {
		ok(false, "artifacts built");
		return tap_done();
	}
	ok(nat.len > itp.len + 50000 && itp.len == 88 + len + 16,
	   "native (%zu bytes) and interpreter (%zu bytes) artifacts built", nat.len, itp.len);

	ok(wk_artifact_load(nat.data, nat.len, prep_hash, &native_cfg, &rt, why, sizeof(why)) ==
	   RT_OK && rt_runtime_engine(rt) == RT_ENGINE_NATIVE && vector_a(rt),
	   "native artifact loads and validates vector A (%s)", why);
	rt_runtime_free(rt);
	rt = NULL;
	ok(wk_artifact_load(itp.data, itp.len, prep_hash, &interp_cfg, &rt, why, sizeof(why)) ==
	   RT_OK && rt_runtime_engine(rt) == RT_ENGINE_INTERP && vector_a(rt),
	   "interpreter artifact loads and validates vector A (%s)", why);
	rt_runtime_free(rt);
	rt = NULL;

	/* unsealed edits: magic, version, then the checksum catches the rest */
	p = edited(&nat, 0, 0, 0x20, false);
	expect(p, nat.len, &native_cfg, "magic", "bad magic");
	free(p);
	p = edited(&nat, 8, 1, 0, false);
	expect(p, nat.len, &native_cfg, "format version 1", "unsupported artifact format "
	       "version 1 (this worker reads 2)");
	free(p);
	p = edited(&nat, 8, 3, 0, true);
	expect(p, nat.len, &native_cfg, "format version 3", "format version 3");
	free(p);
	p = edited(&nat, 12, 0, 0x04, false);
	expect(p, nat.len, &native_cfg, "profile, not resealed", "checksum mismatch");
	free(p);
	p = edited(&nat, 88 + len / 2, 0, 0x01, false);
	expect(p, nat.len, &native_cfg, "a Wasm byte", "checksum mismatch");
	free(p);
	p = edited(&nat, nat.len - 100, 0, 0x01, false);
	expect(p, nat.len, &native_cfg, "a native code byte", "checksum mismatch");
	free(p);
	p = edited(&nat, nat.len - 1, 0, 0x01, false);
	expect(p, nat.len, &native_cfg, "the checksum", "checksum mismatch");
	free(p);
	/* resealed edits: each field's own check */
	p = edited(&nat, 12, 2, 0, true);
	expect(p, nat.len, &native_cfg, "profile", "another engine profile");
	free(p);
	p = edited(&nat, 16, 3, 0, true);
	expect(p, nat.len, &native_cfg, "engine unknown", "unknown engine");
	free(p);
	p = edited(&nat, 20, 0, 0, true);
	expect(p, nat.len, &native_cfg, "target", "another target");
	free(p);
	p = edited(&nat, 24, 0, 0x01, true);
	expect(p, nat.len, &native_cfg, "build identity", "another engine build");
	free(p);
	p = edited(&nat, 39, 0, 0x80, true);
	expect(p, nat.len, &native_cfg, "build identity, last byte", "another engine build");
	free(p);
	p = edited(&nat, 40, 0, 0x01, true);
	expect(p, nat.len, &native_cfg, "preparation hash", "other executor parameters");
	free(p);
	p = edited(&nat, 72, (uint32_t)len + 1, 0, true);
	expect(p, nat.len, &native_cfg, "Wasm length", "length does not match");
	free(p);
	p = edited(&nat, 76, 1, 0, true);
	expect(p, nat.len, &native_cfg, "Wasm length, high word", "length does not match");
	free(p);
	p = edited(&nat, 80, 5, 0, true);
	expect(p, nat.len, &native_cfg, "native length", "length does not match");
	free(p);
	p = edited(&nat, 88 + len + 40, 0, 0x01, true);
	expect(p, nat.len, &native_cfg, "native code's build identity (resealed)",
	       "native code: compiled by another engine build");
	free(p);
	p = edited(&nat, 88 + 4, 0, 0x01, true);
	ok(wk_artifact_load(p, nat.len, prep_hash, &native_cfg, &rt, why, sizeof(why)) ==
	   RT_ERR_PREVALIDATION && rt == NULL, "Wasm version byte (resealed): the Wasm's own "
	   "class, prevalidation (%s)", why);
	free(p);
	expect(nat.data, 50, &native_cfg, "truncated inside the header", "truncated artifact");
	expect(nat.data, 10, &native_cfg, "truncated inside the version", "truncated artifact");
	expect(nat.data, 5, &native_cfg, "truncated inside the magic", "bad magic");
	expect(nat.data, nat.len - 1, &native_cfg, "last byte missing", "checksum mismatch");
	/* engines and parameters */
	expect(nat.data, nat.len, &interp_cfg, "native artifact, interpreter worker",
	       "prepared for the native engine, this worker runs the interp");
	expect(itp.data, itp.len, &native_cfg, "interpreter artifact, native worker",
	       "prepared for the interp engine, this worker runs the native");
	memset(other_hash, 9, sizeof(other_hash));
	ok(wk_artifact_load(nat.data, nat.len, other_hash, &native_cfg, &rt, why, sizeof(why)) ==
	   RT_ERR_RUNTIME_CONSTRUCTION && strstr(why, "other executor parameters"),
	   "other executor parameters: runtime construction (%s)", why);
	p = malloc(itp.len + 16);
	memcpy(p, itp.data, itp.len - 16);
	memset(p + itp.len - 16, 0, 16);
	put32(p + 80, 16);
	reseal(p, itp.len + 16);
	expect(p, itp.len + 16, &interp_cfg, "interpreter artifact with native code",
	       "interpreter artifact with native code");
	free(p);

	/* the engine from the environment */
	setenv(WK_ENV_ENGINE, "interp", 1);
	ok(wk_engine_from_env(&e) && e == RT_ENGINE_INTERP, "PVF_WORKER_ENGINE=interp");
	setenv(WK_ENV_ENGINE, "jit", 1);
	ok(!wk_engine_from_env(&e), "PVF_WORKER_ENGINE=jit refused");
	unsetenv(WK_ENV_ENGINE);
	ok(wk_engine_from_env(&e) && e == RT_ENGINE_AUTO, "unset: auto");

	buf_deinit(&nat);
	buf_deinit(&itp);
	free(wasm);
	return tap_done();
}
