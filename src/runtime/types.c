/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Polkadot parachain primitives in SCALE: ValidationParams, ValidationResult,
 * CandidateCommitments, PersistedValidationData and the head/code hashes.
 * Field orders from polkadot/parachain/src/primitives.rs and
 * polkadot/primitives (see runtime-abi.md 4.1, pvf-host.md 7.5).
 */
#include <errno.h>
#include <string.h>

#include "runtime.h"

int rt_validation_params_encode(const struct rt_validation_params *p, struct buf *out)
{
	int ret;

	ret = scale_put_bytes(out, p->parent_head.data, p->parent_head.len);
	if (!ret)
		ret = scale_put_bytes(out, p->block_data.data, p->block_data.len);
	if (!ret)
		ret = scale_put_u32(out, p->relay_parent_number);
	if (!ret)
		ret = scale_put_fixed(out, p->relay_parent_storage_root, 32);
	return ret;
}

enum scale_status rt_validation_params_read(struct scale_reader *r,
					    struct rt_validation_params *out)
{
	scale_read_bytes(r, &out->parent_head);
	scale_read_bytes(r, &out->block_data);
	scale_read_u32(r, &out->relay_parent_number);
	scale_read_array(r, out->relay_parent_storage_root, 32);
	return r->err;
}

static enum scale_status read_upward(struct scale_reader *r, struct arena *a,
				     struct rt_validation_result *out)
{
	uint32_t n = 0, i;

	if (scale_read_len(r, RT_MAX_UPWARD_MESSAGE_NUM, &n))
		return r->err;
	out->n_upward = 0;
	out->upward = NULL;
	if (n) {
		out->upward = arena_alloc_array(a, n, sizeof(*out->upward));
		if (!out->upward)
			return scale_fail(r, SCALE_ERR_NOMEM);
	}
	for (i = 0; i < n; i++)
		if (scale_read_bytes(r, &out->upward[i]))
			return r->err;
	out->n_upward = n;
	return SCALE_OK;
}

static enum scale_status read_horizontal(struct scale_reader *r, struct arena *a,
					 struct rt_validation_result *out)
{
	uint32_t n = 0, i;

	if (scale_read_len(r, RT_MAX_HORIZONTAL_MESSAGE_NUM, &n))
		return r->err;
	out->n_horizontal = 0;
	out->horizontal = NULL;
	if (n) {
		out->horizontal = arena_alloc_array(a, n, sizeof(*out->horizontal));
		if (!out->horizontal)
			return scale_fail(r, SCALE_ERR_NOMEM);
	}
	for (i = 0; i < n; i++) {
		scale_read_u32(r, &out->horizontal[i].recipient);
		if (scale_read_bytes(r, &out->horizontal[i].data))
			return r->err;
	}
	out->n_horizontal = n;
	return SCALE_OK;
}

enum scale_status rt_validation_result_read(struct scale_reader *r, struct arena *a,
					    struct rt_validation_result *out)
{
	memset(out, 0, sizeof(*out));
	scale_read_bytes(r, &out->head_data);
	if (scale_read_option(r, &out->has_new_code))
		return r->err;
	if (out->has_new_code)
		scale_read_bytes(r, &out->new_validation_code);
	if (read_upward(r, a, out))
		return r->err;
	if (read_horizontal(r, a, out))
		return r->err;
	scale_read_u32(r, &out->processed_downward_messages);
	scale_read_u32(r, &out->hrmp_watermark);
	return r->err;
}

static int put_messages(const struct rt_validation_result *res, struct buf *out)
{
	uint32_t i;
	int ret;

	ret = scale_put_compact(out, res->n_upward);
	for (i = 0; !ret && i < res->n_upward; i++)
		ret = scale_put_bytes(out, res->upward[i].data, res->upward[i].len);
	if (!ret)
		ret = scale_put_compact(out, res->n_horizontal);
	for (i = 0; !ret && i < res->n_horizontal; i++) {
		ret = scale_put_u32(out, res->horizontal[i].recipient);
		if (!ret)
			ret = scale_put_bytes(out, res->horizontal[i].data.data,
					      res->horizontal[i].data.len);
	}
	return ret;
}

static int put_new_code(const struct rt_validation_result *res, struct buf *out)
{
	static const uint8_t empty[1];

	if (!res->has_new_code)
		return scale_put_option_bytes(out, NULL, 0);
	return scale_put_option_bytes(out,
				      res->new_validation_code.data ? res->new_validation_code.data
								    : empty,
				      res->new_validation_code.len);
}

int rt_validation_result_encode(const struct rt_validation_result *res, struct buf *out)
{
	int ret;

	ret = scale_put_bytes(out, res->head_data.data, res->head_data.len);
	if (!ret)
		ret = put_new_code(res, out);
	if (!ret)
		ret = put_messages(res, out);
	if (!ret)
		ret = scale_put_u32(out, res->processed_downward_messages);
	if (!ret)
		ret = scale_put_u32(out, res->hrmp_watermark);
	return ret;
}

void rt_result_limits_default(struct rt_result_limits *l)
{
	l->max_head_data_size = RT_MAX_HEAD_DATA_SIZE;
	l->max_code_size = RT_MAX_CODE_SIZE;
	l->max_upward_message_num = RT_MAX_UPWARD_MESSAGE_NUM;
	l->max_horizontal_message_num = RT_MAX_HORIZONTAL_MESSAGE_NUM;
}

const char *rt_validation_result_check(const struct rt_validation_result *res,
				       const struct rt_result_limits *l)
{
	if (res->head_data.len > l->max_head_data_size)
		return "head data too large";
	if (res->has_new_code && res->new_validation_code.len > l->max_code_size)
		return "new validation code too large";
	if (res->n_upward > l->max_upward_message_num)
		return "too many upward messages";
	if (res->n_horizontal > l->max_horizontal_message_num)
		return "too many horizontal messages";
	return NULL;
}

int rt_candidate_commitments_encode(const struct rt_validation_result *res, struct buf *out)
{
	int ret;

	ret = put_messages(res, out);
	if (!ret)
		ret = put_new_code(res, out);
	if (!ret)
		ret = scale_put_bytes(out, res->head_data.data, res->head_data.len);
	if (!ret)
		ret = scale_put_u32(out, res->processed_downward_messages);
	if (!ret)
		ret = scale_put_u32(out, res->hrmp_watermark);
	return ret;
}

int rt_candidate_commitments_hash(const struct rt_validation_result *res, uint8_t out[32])
{
	struct buf b = BUF_INIT;
	int ret;

	ret = rt_candidate_commitments_encode(res, &b);
	if (!ret)
		rt_blake2b_256(b.data, b.len, out);
	buf_deinit(&b);
	return ret;
}

int rt_pvd_encode(const struct rt_persisted_validation_data *d, struct buf *out)
{
	int ret;

	ret = scale_put_bytes(out, d->parent_head.data, d->parent_head.len);
	if (!ret)
		ret = scale_put_u32(out, d->relay_parent_number);
	if (!ret)
		ret = scale_put_fixed(out, d->relay_parent_storage_root, 32);
	if (!ret)
		ret = scale_put_u32(out, d->max_pov_size);
	return ret;
}

enum scale_status rt_pvd_read(struct scale_reader *r, struct rt_persisted_validation_data *out)
{
	scale_read_bytes(r, &out->parent_head);
	scale_read_u32(r, &out->relay_parent_number);
	scale_read_array(r, out->relay_parent_storage_root, 32);
	scale_read_u32(r, &out->max_pov_size);
	return r->err;
}

int rt_pvd_hash(const struct rt_persisted_validation_data *d, uint8_t out[32])
{
	struct buf b = BUF_INIT;
	int ret;

	ret = rt_pvd_encode(d, &b);
	if (!ret)
		rt_blake2b_256(b.data, b.len, out);
	buf_deinit(&b);
	return ret;
}

void rt_head_data_hash(const uint8_t *head, size_t len, uint8_t out[32])
{
	rt_blake2b_256(head, len, out);
}

void rt_validation_code_hash(const uint8_t *code, size_t len, uint8_t out[32])
{
	rt_blake2b_256(code, len, out);
}
