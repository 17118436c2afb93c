/* SPDX-License-Identifier: Apache-2.0 */
/* host_front.c: shared by `pvf host` and `pvf serve` (see host_front.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/scale.h"
#include "host_front.h"

json_t *hf_hex(const uint8_t *p, size_t len)
{
	char *s;
	json_t *j;

	if (len > (SIZE_MAX - 3) / 2)
		return NULL;
	s = malloc(2 * len + 3);
	if (!s)
		return NULL;
	s[0] = '0';
	s[1] = 'x';
	base_hex_encode(p, len, s + 2);
	j = json_stringn(s, 2 * len + 2);
	free(s);
	return j;
}

void hf_set_hex(json_t *j, const char *key, const uint8_t *p, size_t len)
{
	json_t *v = hf_hex(p, len);

	if (v)
		json_object_set_new(j, key, v);
}

int hf_hex_decode(const json_t *v, uint8_t **out, size_t *len)
{
	if (!json_is_string(v))
		return -EINVAL;
	return base_hex_decode(json_string_value(v), json_string_length(v), out, len);
}

int hf_hash_decode(const json_t *v, uint8_t out[PVF_HASH_LEN])
{
	uint8_t *p = NULL;
	size_t n = 0;
	int ret = hf_hex_decode(v, &p, &n);

	if (ret == 0 && n != PVF_HASH_LEN)
		ret = -EINVAL;
	if (ret == 0)
		memcpy(out, p, PVF_HASH_LEN);
	free(p);
	return ret;
}

const char *hf_prep_error_name(enum pvf_prep_error_kind k)
{
	static const char *const names[] = {
		"prevalidation", "preparation", "runtime_construction", "job_error", "timeout",
		"io", "create_tmp_file", "rename_tmp_file", "out_of_memory", "clear_worker_dir",
		"job_died", "kernel", "decompress",
	};

	return (unsigned)k < BASE_ARRAY_SIZE(names) ? names[k] : "unknown";
}

const char *hf_exec_status_name(enum pvf_exec_status s)
{
	static const char *const names[] = {
		"valid", "preparation", "invalid", "possibly_invalid", "internal", "deadline",
		"cancelled",
	};

	return (unsigned)s < BASE_ARRAY_SIZE(names) ? names[s] : "unknown";
}

const char *hf_exec_reason_name(enum pvf_exec_status s, int reason)
{
	static const char *const invalid[] = {"worker_reported", "hard_timeout",
					      "pov_decompression"};
	static const char *const possibly[] = {"ambiguous_worker_death", "ambiguous_job_death",
					       "job_error", "runtime_construction"};
	static const char *const internal[] = {
		"host_communication", "create_link", "open_file", "create_pipe",
		"clear_worker_dir", "kernel", "nondeterministic_prepare",
	};

	switch (s) {
	case PVF_EXEC_INVALID:
		return (unsigned)reason < BASE_ARRAY_SIZE(invalid) ? invalid[reason] : "unknown";
	case PVF_EXEC_POSSIBLY_INVALID:
		return (unsigned)reason < BASE_ARRAY_SIZE(possibly) ? possibly[reason] : "unknown";
	case PVF_EXEC_INTERNAL:
		return (unsigned)reason < BASE_ARRAY_SIZE(internal) ? internal[reason] : "unknown";
	case PVF_EXEC_OK:
	case PVF_EXEC_PREPARATION:
	case PVF_EXEC_DEADLINE:
	case PVF_EXEC_CANCELLED:
	default:
		return NULL;
	}
}

void hf_precheck_json(json_t *j, const struct pvf_precheck_result *r)
{
	char text[600];

	json_object_set_new(j, "accepted", json_boolean(r->status == 0 && !r->err));
	if (r->status < 0) {
		json_object_set_new(j, "error", json_string(strerror(-r->status)));
	} else if (r->err) {
		pvf_prep_error_format(r->err, text, sizeof(text));
		json_object_set_new(j, "deterministic",
				    json_boolean(pvf_prep_error_is_deterministic(r->err->kind)));
		json_object_set_new(j, "error", json_string(text));
		json_object_set_new(j, "kind", json_string(hf_prep_error_name(r->err->kind)));
	}
}

void hf_exec_json(json_t *j, const struct pvf_exec_result *r)
{
	struct rt_validation_result res;
	struct arena a = ARENA_INIT;
	struct scale_reader rd;
	const char *reason = hf_exec_reason_name(r->status, r->reason);
	char text[700];

	pvf_exec_result_format(r, text, sizeof(text));
	json_object_set_new(j, "valid", json_boolean(r->status == PVF_EXEC_OK));
	json_object_set_new(j, "outcome", json_string(text));
	if (r->status == PVF_EXEC_OK) {
		scale_reader_init(&rd, r->validation_result, r->validation_result_len);
		if (rt_validation_result_read(&rd, &a, &res) == SCALE_OK)
			hf_set_hex(j, "head_data", res.head_data.data, res.head_data.len);
		hf_set_hex(j, "output", r->validation_result, r->validation_result_len);
		json_object_set_new(j, "cpu_time_ms", json_real((double)r->cpu_time_ns / 1e6));
		json_object_set_new(j, "pov_size", json_integer(r->pov_size));
	}
	json_object_set_new(j, "status", json_string(hf_exec_status_name(r->status)));
	if (reason)
		json_object_set_new(j, "reason", json_string(reason));
	if (r->prep) {
		json_t *p = json_object();

		pvf_prep_error_format(r->prep, text, sizeof(text));
		json_object_set_new(p, "kind", json_string(hf_prep_error_name(r->prep->kind)));
		json_object_set_new(p, "deterministic",
				    json_boolean(pvf_prep_error_is_deterministic(r->prep->kind)));
		json_object_set_new(p, "error", json_string(text));
		json_object_set_new(j, "prep_error", p);
	}
	arena_deinit(&a);
}

void hf_exec_from_params(struct pvf_execute_req *er, const struct rt_validation_params *vp)
{
	er->pvd.parent_head = vp->parent_head.data;
	er->pvd.parent_head_len = vp->parent_head.len;
	er->pvd.relay_parent_number = vp->relay_parent_number;
	memcpy(er->pvd.relay_parent_storage_root, vp->relay_parent_storage_root, PVF_HASH_LEN);
	er->pvd.max_pov_size = RT_MAX_POV_SIZE;
	er->pov = vp->block_data.data;
	er->pov_len = vp->block_data.len;
}
