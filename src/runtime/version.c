/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RuntimeVersion: SCALE decoding with the Core-version hint, re-encoding, and
 * the embedded-version reader behind ext_misc_runtime_version_version_1
 * (determinism.md §9.6, runtime-abi.md §5.4): the code is decompressed and
 * parsed, never executed; the version comes from the `runtime_version` and
 * `runtime_apis` custom sections.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_int.h"

bool rt_runtime_version_core(const uint8_t *apis, uint32_t napis, uint32_t *out)
{
	/* blake2b with an 8-byte digest of "Core" (sp_api's ID of the Core
	 * API); libsodium has no digests shorter than 16 bytes. */
	static const uint8_t core_id[8] = {0xdf, 0x6a, 0xcb, 0x68, 0x99, 0x07, 0x60, 0x9b};
	uint32_t i;

	for (i = 0; i < napis; i++) {
		const uint8_t *e = apis + (size_t)i * RT_API_ENTRY_SIZE;

		if (memcmp(e, core_id, 8) == 0) {
			*out = (uint32_t)e[8] | (uint32_t)e[9] << 8 | (uint32_t)e[10] << 16 |
			       (uint32_t)e[11] << 24;
			return true;
		}
	}
	return false;
}

enum scale_status rt_runtime_version_decode(const uint8_t *p, size_t len, int64_t core_hint,
					    struct rt_runtime_version *out)
{
	struct scale_reader r;
	struct scale_slice apis;
	uint32_t core = 0;
	bool have_core;

	memset(out, 0, sizeof(*out));
	scale_reader_init(&r, p, len);
	scale_read_str(&r, &out->spec_name);
	scale_read_str(&r, &out->impl_name);
	scale_read_u32(&r, &out->authoring_version);
	scale_read_u32(&r, &out->spec_version);
	scale_read_u32(&r, &out->impl_version);
	scale_read_len(&r, 0, &out->napis);
	if (r.err)
		return r.err;
	if (out->napis > scale_remaining(&r) / RT_API_ENTRY_SIZE)
		return scale_fail(&r, SCALE_ERR_EOF);
	scale_read_fixed(&r, (size_t)out->napis * RT_API_ENTRY_SIZE, &apis);
	out->apis = apis.data;
	if (core_hint >= 0) {
		have_core = true;
		core = (uint32_t)core_hint;
	} else {
		have_core = rt_runtime_version_core(out->apis, out->napis, &core);
	}
	out->transaction_version = 1;
	out->system_version = 0;
	out->has_transaction_version = have_core && core >= 3;
	out->has_system_version = have_core && core >= 4;
	if (out->has_transaction_version)
		scale_read_u32(&r, &out->transaction_version);
	if (out->has_system_version)
		scale_read_u8(&r, &out->system_version);
	return r.err;
}

int rt_runtime_version_encode(const struct rt_runtime_version *v, struct buf *out)
{
	int rc;

	rc = scale_put_bytes(out, v->spec_name.data, v->spec_name.len);
	if (rc == 0)
		rc = scale_put_bytes(out, v->impl_name.data, v->impl_name.len);
	if (rc == 0)
		rc = scale_put_u32(out, v->authoring_version);
	if (rc == 0)
		rc = scale_put_u32(out, v->spec_version);
	if (rc == 0)
		rc = scale_put_u32(out, v->impl_version);
	if (rc == 0)
		rc = scale_put_compact(out, v->napis);
	if (rc == 0)
		rc = scale_put_fixed(out, v->apis, (size_t)v->napis * RT_API_ENTRY_SIZE);
	if (rc == 0)
		rc = scale_put_u32(out, v->transaction_version);
	if (rc == 0)
		rc = scale_put_u8(out, v->system_version);
	return rc;
}

static bool find_custom(const struct eng_module *m, const char *want, const uint8_t **data,
			size_t *len)
{
	uint32_t n = eng_module_custom_count(m), i;
	size_t want_len = strlen(want);

	for (i = 0; i < n; i++) {
		const char *name;
		size_t name_len;

		eng_module_custom(m, i, &name, &name_len, data, len);
		if (name_len == want_len && memcmp(name, want, want_len) == 0)
			return true;
	}
	return false;
}

int rt_runtime_version_from_code(const uint8_t *code, size_t len, struct buf *out, char *why,
				 size_t why_size)
{
	struct eng_module_config cfg = {.profile = ENG_PROFILE_PVF};
	struct rt_runtime_version v;
	struct eng_module *m = NULL;
	struct eng_error err = {0};
	const uint8_t *sec, *apis_sec = NULL;
	size_t sec_len, apis_len = 0;
	uint8_t *wasm = NULL;
	size_t wasm_len = 0;
	enum rt_blob_status bst;
	enum scale_status sst;
	uint32_t core = 0;
	bool have_apis;
	int rc;

	bst = rt_blob_decompress(code, len, RT_CODE_BLOB_BOMB_LIMIT, false, &wasm, &wasm_len);
	if (bst != RT_BLOB_OK) {
		snprintf(why, why_size, "%s", rt_blob_status_str(bst));
		return bst == RT_BLOB_ERR_NOMEM ? -ENOMEM : -EINVAL;
	}
	if (eng_module_new(wasm, wasm_len, &cfg, &m, &err) != ENG_OK) {
		snprintf(why, why_size, "cannot parse the code: %s", err.msg);
		rc = err.status == ENG_ERR_NOMEM ? -ENOMEM : -EINVAL;
		goto out_free_wasm;
	}
	if (!find_custom(m, "runtime_version", &sec, &sec_len)) {
		snprintf(why, why_size, "no `runtime_version` custom section");
		rc = -ENOENT;
		goto out_free_module;
	}
	have_apis = find_custom(m, "runtime_apis", &apis_sec, &apis_len);
	if (have_apis && apis_len % RT_API_ENTRY_SIZE != 0) {
		snprintf(why, why_size, "a clipped runtime api info declaration");
		rc = -EINVAL;
		goto out_free_module;
	}
	if (have_apis && apis_len / RT_API_ENTRY_SIZE > UINT32_MAX) {
		snprintf(why, why_size, "too many runtime apis");
		rc = -EINVAL;
		goto out_free_module;
	}
	if (!have_apis ||
	    !rt_runtime_version_core(apis_sec, (uint32_t)(apis_len / RT_API_ENTRY_SIZE), &core))
		sst = rt_runtime_version_decode(sec, sec_len, -1, &v);
	else
		sst = rt_runtime_version_decode(sec, sec_len, core, &v);
	if (sst != SCALE_OK) {
		snprintf(why, why_size, "cannot decode `runtime_version`: %s",
			 scale_status_str(sst));
		rc = -EINVAL;
		goto out_free_module;
	}
	if (have_apis) {
		v.apis = apis_sec;
		v.napis = (uint32_t)(apis_len / RT_API_ENTRY_SIZE);
	}
	rc = rt_runtime_version_encode(&v, out);
	if (rc < 0)
		snprintf(why, why_size, "out of memory");
out_free_module:
	eng_module_free(m);
out_free_wasm:
	free(wasm);
	return rc;
}
