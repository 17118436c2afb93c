/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The artifact file format of the workers (workers/worker.h, docs/host.md
 * "Artifacts"): written by the prepare job, loaded by the execute job.
 */
#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/engine.h"

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void checksum(const uint8_t *p, size_t len, uint8_t out[WK_ARTIFACT_SUM])
{
	XXH128_canonical_t sum;

	XXH128_canonicalFromHash(&sum, XXH3_128bits(p, len));
	memcpy(out, sum.digest, WK_ARTIFACT_SUM);
}

bool wk_engine_from_env(enum rt_engine *out)
{
	const char *v = getenv(WK_ENV_ENGINE);

	*out = RT_ENGINE_AUTO;
	return !v || !*v || rt_engine_parse(v, out);
}

int wk_artifact_begin(struct buf *out, const struct wk_artifact_spec *spec, const uint8_t *wasm,
		      size_t wasm_len)
{
	uint8_t hdr[WK_ARTIFACT_HDR] = {0};

	memcpy(hdr, WK_ARTIFACT_MAGIC, 8);
	put_u32(hdr + 8, WK_ARTIFACT_VERSION);
	put_u32(hdr + 12, WK_ARTIFACT_PROFILE_PVF);
	put_u32(hdr + 16, spec->native ? WK_ARTIFACT_ENGINE_NATIVE : WK_ARTIFACT_ENGINE_INTERP);
	put_u32(hdr + 20, spec->native ? WK_ARTIFACT_TARGET_X86_64 : WK_ARTIFACT_TARGET_ANY);
	memcpy(hdr + 24, spec->build_id ? spec->build_id : eng_build_id(), ENG_BUILD_ID_LEN);
	memcpy(hdr + 40, spec->prep_hash, 32);
	put_u64(hdr + 72, wasm_len);
	if (buf_reserve(out, sizeof(hdr) + wasm_len) < 0)
		return -ENOMEM;
	buf_append(out, hdr, sizeof(hdr));
	buf_append(out, wasm, wasm_len);
	return 0;
}

int wk_artifact_finish(struct buf *out, size_t start)
{
	uint8_t *p = out->data + start;
	uint8_t sum[WK_ARTIFACT_SUM];
	uint64_t wasm_len;

	if (out->len < start + WK_ARTIFACT_HDR || memcmp(p, WK_ARTIFACT_MAGIC, 8) != 0)
		return -EINVAL;
	wasm_len = get_u64(p + 72);
	if (wasm_len > out->len - start - WK_ARTIFACT_HDR)
		return -EINVAL;
	put_u64(p + 80, out->len - start - WK_ARTIFACT_HDR - wasm_len);
	checksum(p, out->len - start, sum);
	if (buf_reserve(out, sizeof(sum)) < 0)
		return -ENOMEM;
	buf_append(out, sum, sizeof(sum));
	return 0;
}

/* The header checks; NULL when the artifact may be loaded. */
static const char *check(const uint8_t *p, size_t len, const uint8_t prep_hash[32],
			 enum rt_engine engine, char *buf, size_t buf_len)
{
	uint8_t sum[WK_ARTIFACT_SUM];
	uint32_t kind;
	uint64_t wasm_len, native_len, body;

	if (len < 8 || memcmp(p, WK_ARTIFACT_MAGIC, 8) != 0)
		return "not a pvf artifact (bad magic)";
	if (len < 12)
		return "truncated artifact";
	if (get_u32(p + 8) != WK_ARTIFACT_VERSION) {
		snprintf(buf, buf_len, "unsupported artifact format version %u (this worker "
			 "reads %u)", get_u32(p + 8), WK_ARTIFACT_VERSION);
		return buf;
	}
	if (len < WK_ARTIFACT_HDR + WK_ARTIFACT_SUM)
		return "truncated artifact";
	checksum(p, len - WK_ARTIFACT_SUM, sum);
	if (memcmp(sum, p + len - WK_ARTIFACT_SUM, WK_ARTIFACT_SUM) != 0)
		return "artifact checksum mismatch (damaged artifact)";
	if (get_u32(p + 12) != WK_ARTIFACT_PROFILE_PVF)
		return "artifact prepared for another engine profile";
	kind = get_u32(p + 16);
	if (kind != WK_ARTIFACT_ENGINE_INTERP && kind != WK_ARTIFACT_ENGINE_NATIVE)
		return "artifact for an unknown engine";
	if ((kind == WK_ARTIFACT_ENGINE_NATIVE) != (engine == RT_ENGINE_NATIVE)) {
		snprintf(buf, buf_len, "artifact prepared for the %s engine, this worker runs "
			 "the %s engine", kind == WK_ARTIFACT_ENGINE_NATIVE ? "native" : "interp",
			 rt_engine_name(engine));
		return buf;
	}
	if (get_u32(p + 20) != (kind == WK_ARTIFACT_ENGINE_NATIVE ? WK_ARTIFACT_TARGET_X86_64
								 : WK_ARTIFACT_TARGET_ANY))
		return "artifact prepared for another target";
	if (memcmp(p + 24, eng_build_id(), ENG_BUILD_ID_LEN) != 0) {
		snprintf(buf, buf_len, "artifact prepared by another engine build (this worker: "
			 "%s %s)", eng_build_version(), eng_build_id_hex());
		return buf;
	}
	if (memcmp(p + 40, prep_hash, 32) != 0)
		return "artifact prepared with other executor parameters";
	wasm_len = get_u64(p + 72);
	native_len = get_u64(p + 80);
	body = len - WK_ARTIFACT_HDR - WK_ARTIFACT_SUM;
	if (wasm_len > body || native_len != body - wasm_len)
		return "artifact length does not match its header";
	if (kind == WK_ARTIFACT_ENGINE_INTERP && native_len != 0)
		return "interpreter artifact with native code";
	return NULL;
}

enum rt_err_kind wk_artifact_load(const uint8_t *art, size_t len, const uint8_t prep_hash[32],
				  const struct rt_runtime_config *cfg, struct rt_runtime **out,
				  char *why, size_t why_len)
{
	struct rt_runtime_config c = {0};
	struct rt_error err = {0};
	const uint8_t *wasm, *native;
	size_t wasm_len, native_len;
	enum rt_err_kind kind;
	const char *bad;
	char buf[200];

	*out = NULL;
	if (cfg)
		c = *cfg;
	c.engine = rt_engine_resolve(c.engine);
	bad = check(art, len, prep_hash, c.engine, buf, sizeof(buf));
	if (bad) {
		snprintf(why, why_len, "%s", bad);
		return RT_ERR_RUNTIME_CONSTRUCTION;
	}
	wasm = art + WK_ARTIFACT_HDR;
	wasm_len = get_u64(art + 72);
	native = wasm + wasm_len;
	native_len = get_u64(art + 80);
	if (c.engine == RT_ENGINE_NATIVE && native_len == 0) {
		/* A module prepared for execution that does not link has no
		 * native code (the prepare job could not construct it): load it
		 * for the interpreter to get the link error, as without
		 * artifacts. */
		c.engine = RT_ENGINE_INTERP;
		kind = rt_runtime_load(wasm, wasm_len, NULL, 0, &c, out, &err);
		if (kind == RT_OK) {
			rt_runtime_free(*out);
			*out = NULL;
			snprintf(err.msg, sizeof(err.msg), "native artifact without native code");
			kind = RT_ERR_RUNTIME_CONSTRUCTION;
		}
	} else {
		kind = rt_runtime_load(wasm, wasm_len, native_len ? native : NULL, native_len, &c,
				       out, &err);
	}
	if (kind != RT_OK)
		snprintf(why, why_len, "%s", err.msg);
	return kind;
}
