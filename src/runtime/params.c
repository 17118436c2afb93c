/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ExecutorParams (polkadot/primitives/src/v8|v9/executor_params.rs): SCALE
 * form, hash(), prep_hash(), check_consistency() and the lookups the PVF host
 * uses (pvf-host.md 7.1, 2.4).
 */
#include <errno.h>
#include <string.h>

#include "runtime.h"

static enum scale_status read_param(struct scale_reader *r, struct rt_exec_param *p)
{
	uint8_t tag = 0, kind = 0;
	uint32_t v32 = 0;

	p->kind = 0;
	p->value = 0;
	if (r->err)
		return r->err;
	if (r->pos < r->len && (r->data[r->pos] < RT_EXEC_PARAM_MAX_MEMORY_PAGES ||
				r->data[r->pos] > RT_EXEC_PARAM_ENABLED_HOST_FUNCTION))
		return scale_fail(r, SCALE_ERR_TAG); /* error points at the tag */
	if (scale_read_u8(r, &tag))
		return r->err;
	switch (tag) {
	case RT_EXEC_PARAM_MAX_MEMORY_PAGES:
	case RT_EXEC_PARAM_STACK_LOGICAL_MAX:
	case RT_EXEC_PARAM_STACK_NATIVE_MAX:
		if (scale_read_u32(r, &v32))
			return r->err;
		p->value = v32;
		break;
	case RT_EXEC_PARAM_PRECHECKING_MAX_MEMORY:
		if (scale_read_u64(r, &p->value))
			return r->err;
		break;
	case RT_EXEC_PARAM_PVF_PREP_TIMEOUT:
	case RT_EXEC_PARAM_PVF_EXEC_TIMEOUT:
		/* PvfPrepKind {Precheck, Prepare}, PvfExecKind {Backing, Approval} */
		if (r->pos < r->len && r->data[r->pos] > 1)
			return scale_fail(r, SCALE_ERR_TAG);
		if (scale_read_u8(r, &kind) || scale_read_u64(r, &p->value))
			return r->err;
		break;
	case RT_EXEC_PARAM_WASM_EXT_BULK_MEMORY:
		break;
	case RT_EXEC_PARAM_ENABLED_HOST_FUNCTION:
		/* ExecutorHostFunction { __Unused0, EccRfc163 } */
		if (r->pos < r->len && r->data[r->pos] != RT_HOST_FN_ECC_RFC163)
			return scale_fail(r, SCALE_ERR_TAG);
		if (scale_read_u8(r, &kind))
			return r->err;
		break;
	default:
		return scale_fail(r, SCALE_ERR_TAG);
	}
	p->tag = (enum rt_exec_param_tag)tag;
	p->kind = kind;
	return SCALE_OK;
}

enum scale_status rt_exec_params_read(struct scale_reader *r, struct arena *a,
				      struct rt_exec_params *out)
{
	uint32_t n = 0, i;

	out->n = 0;
	out->items = NULL;
	if (scale_read_len(r, 0, &n))
		return r->err;
	/* Every param takes at least one byte: refuse impossible counts before
	 * allocating for them. */
	if (n > scale_remaining(r))
		return scale_fail(r, SCALE_ERR_EOF);
	if (n) {
		out->items = arena_alloc_array(a, n, sizeof(*out->items));
		if (!out->items)
			return scale_fail(r, SCALE_ERR_NOMEM);
	}
	for (i = 0; i < n; i++)
		if (read_param(r, &out->items[i]))
			return r->err;
	out->n = n;
	return SCALE_OK;
}

static int put_param(const struct rt_exec_param *p, struct buf *out)
{
	int ret = scale_put_u8(out, (uint8_t)p->tag);

	if (ret)
		return ret;
	switch (p->tag) {
	case RT_EXEC_PARAM_MAX_MEMORY_PAGES:
	case RT_EXEC_PARAM_STACK_LOGICAL_MAX:
	case RT_EXEC_PARAM_STACK_NATIVE_MAX:
		return scale_put_u32(out, (uint32_t)p->value);
	case RT_EXEC_PARAM_PRECHECKING_MAX_MEMORY:
		return scale_put_u64(out, p->value);
	case RT_EXEC_PARAM_PVF_PREP_TIMEOUT:
	case RT_EXEC_PARAM_PVF_EXEC_TIMEOUT:
		ret = scale_put_u8(out, p->kind);
		return ret ? ret : scale_put_u64(out, p->value);
	case RT_EXEC_PARAM_WASM_EXT_BULK_MEMORY:
		return 0;
	case RT_EXEC_PARAM_ENABLED_HOST_FUNCTION:
		return scale_put_u8(out, p->kind);
	default:
		return -EINVAL;
	}
}

int rt_exec_params_encode(const struct rt_exec_params *p, struct buf *out)
{
	uint32_t i;
	int ret;

	ret = scale_put_compact(out, p->n);
	for (i = 0; !ret && i < p->n; i++)
		ret = put_param(&p->items[i], out);
	return ret;
}

int rt_exec_params_hash(const struct rt_exec_params *p, uint8_t out[32])
{
	struct buf b = BUF_INIT;
	int ret;

	ret = rt_exec_params_encode(p, &b);
	if (!ret)
		rt_blake2b_256(b.data, b.len, out);
	buf_deinit(&b);
	return ret;
}

static bool upstream_prep_relevant(enum rt_exec_param_tag t)
{
	return t == RT_EXEC_PARAM_STACK_LOGICAL_MAX || t == RT_EXEC_PARAM_PVF_PREP_TIMEOUT ||
	       t == RT_EXEC_PARAM_WASM_EXT_BULK_MEMORY;
}

static bool our_prep_relevant(enum rt_exec_param_tag t)
{
	/* MaxMemoryPages: the memory maximum may be baked into our prepared
	 * artifact (upstream issue #8054). EnabledHostFunction: changes which
	 * imports resolve, which a prepared module may capture. */
	return upstream_prep_relevant(t) || t == RT_EXEC_PARAM_MAX_MEMORY_PAGES ||
	       t == RT_EXEC_PARAM_ENABLED_HOST_FUNCTION;
}

static int prep_hash(const struct rt_exec_params *p, bool (*relevant)(enum rt_exec_param_tag),
		     uint8_t out[32])
{
	struct buf b = BUF_INIT;
	uint32_t i;
	int ret;

	ret = buf_append(&b, "prep", 4);
	for (i = 0; !ret && i < p->n; i++)
		if (relevant(p->items[i].tag))
			ret = put_param(&p->items[i], &b);
	if (!ret)
		rt_blake2b_256(b.data, b.len, out);
	buf_deinit(&b);
	return ret;
}

int rt_exec_params_prep_hash(const struct rt_exec_params *p, uint8_t out[32])
{
	return prep_hash(p, our_prep_relevant, out);
}

int rt_exec_params_prep_hash_upstream(const struct rt_exec_params *p, uint8_t out[32])
{
	return prep_hash(p, upstream_prep_relevant, out);
}

/* ---- check_consistency --------------------------------------------------- */

enum seen_slot {
	SEEN_MAX_MEMORY_PAGES,
	SEEN_STACK_LOGICAL_MAX,
	SEEN_STACK_NATIVE_MAX,
	SEEN_PRECHECKING_MAX_MEMORY,
	SEEN_PREP_PRECHECK,
	SEEN_PREP_PREPARE,
	SEEN_EXEC_BACKING,
	SEEN_EXEC_APPROVAL,
	SEEN_BULK_MEMORY,
	SEEN_HOST_FN_ECC,
	SEEN_COUNT,
};

static const char *const seen_names[SEEN_COUNT] = {
	"MaxMemoryPages",        "StackLogicalMax",       "StackNativeMax",
	"PrecheckingMaxMemory",  "PvfPrepKind::Precheck", "PvfPrepKind::Prepare",
	"PvfExecKind::Backing",  "PvfExecKind::Approval", "WasmExtBulkMemory",
	"EnabledHostFunction::EccRfc163",
};

static enum seen_slot slot_of(const struct rt_exec_param *p)
{
	switch (p->tag) {
	case RT_EXEC_PARAM_MAX_MEMORY_PAGES: return SEEN_MAX_MEMORY_PAGES;
	case RT_EXEC_PARAM_STACK_LOGICAL_MAX: return SEEN_STACK_LOGICAL_MAX;
	case RT_EXEC_PARAM_STACK_NATIVE_MAX: return SEEN_STACK_NATIVE_MAX;
	case RT_EXEC_PARAM_PRECHECKING_MAX_MEMORY: return SEEN_PRECHECKING_MAX_MEMORY;
	case RT_EXEC_PARAM_PVF_PREP_TIMEOUT:
		return p->kind == RT_PVF_PREP_PRECHECK ? SEEN_PREP_PRECHECK : SEEN_PREP_PREPARE;
	case RT_EXEC_PARAM_PVF_EXEC_TIMEOUT:
		return p->kind == RT_PVF_EXEC_BACKING ? SEEN_EXEC_BACKING : SEEN_EXEC_APPROVAL;
	case RT_EXEC_PARAM_WASM_EXT_BULK_MEMORY: return SEEN_BULK_MEMORY;
	case RT_EXEC_PARAM_ENABLED_HOST_FUNCTION:
	default: return SEEN_HOST_FN_ECC;
	}
}

static bool outside_limit(const struct rt_exec_param *p)
{
	switch (p->tag) {
	case RT_EXEC_PARAM_MAX_MEMORY_PAGES:
		return p->value == 0 || p->value > RT_MEMORY_PAGES_MAX;
	case RT_EXEC_PARAM_STACK_LOGICAL_MAX:
		return p->value < RT_LOGICAL_MAX_LO || p->value > RT_LOGICAL_MAX_HI;
	case RT_EXEC_PARAM_PRECHECKING_MAX_MEMORY:
		return p->value < RT_PRECHECK_MEM_MAX_LO || p->value > RT_PRECHECK_MEM_MAX_HI;
	default:
		return false;
	}
}

enum rt_exec_params_error rt_exec_params_check(const struct rt_exec_params *p,
					       const char **name, const char **name2)
{
	bool seen[SEEN_COUNT] = {false};
	uint64_t val[SEEN_COUNT] = {0};
	uint64_t lm, nm, a, b;
	uint32_t i;

	*name = NULL;
	if (name2)
		*name2 = NULL;
	for (i = 0; i < p->n; i++) {
		enum seen_slot s = slot_of(&p->items[i]);

		if (seen[s]) {
			*name = seen_names[s];
			return RT_EXEC_PARAMS_DUPLICATED;
		}
		if (outside_limit(&p->items[i])) {
			*name = seen_names[s];
			return RT_EXEC_PARAMS_OUTSIDE_LIMIT;
		}
		seen[s] = true;
		val[s] = p->items[i].value;
	}
	lm = seen[SEEN_STACK_LOGICAL_MAX] ? val[SEEN_STACK_LOGICAL_MAX]
					  : RT_DEFAULT_LOGICAL_STACK_MAX;
	nm = seen[SEEN_STACK_NATIVE_MAX] ? val[SEEN_STACK_NATIVE_MAX] : RT_DEFAULT_NATIVE_STACK_MAX;
	if (nm < 128 * lm) {
		*name = seen_names[SEEN_STACK_LOGICAL_MAX];
		if (name2)
			*name2 = seen_names[SEEN_STACK_NATIVE_MAX];
		return RT_EXEC_PARAMS_INCOMPATIBLE;
	}
	a = seen[SEEN_PREP_PRECHECK] ? val[SEEN_PREP_PRECHECK] : RT_DEFAULT_PRECHECK_PREP_TIMEOUT_MS;
	b = seen[SEEN_PREP_PREPARE] ? val[SEEN_PREP_PREPARE] : RT_DEFAULT_LENIENT_PREP_TIMEOUT_MS;
	if (a >= b) {
		*name = seen_names[SEEN_PREP_PRECHECK];
		if (name2)
			*name2 = seen_names[SEEN_PREP_PREPARE];
		return RT_EXEC_PARAMS_INCOMPATIBLE;
	}
	a = seen[SEEN_EXEC_BACKING] ? val[SEEN_EXEC_BACKING] : RT_DEFAULT_BACKING_EXEC_TIMEOUT_MS;
	b = seen[SEEN_EXEC_APPROVAL] ? val[SEEN_EXEC_APPROVAL] : RT_DEFAULT_APPROVAL_EXEC_TIMEOUT_MS;
	if (a >= b) {
		*name = seen_names[SEEN_EXEC_BACKING];
		if (name2)
			*name2 = seen_names[SEEN_EXEC_APPROVAL];
		return RT_EXEC_PARAMS_INCOMPATIBLE;
	}
	return RT_EXEC_PARAMS_OK;
}

/* ---- lookups ------------------------------------------------------------- */

static const struct rt_exec_param *find(const struct rt_exec_params *p,
					enum rt_exec_param_tag tag, int kind)
{
	uint32_t i;

	for (i = 0; i < p->n; i++)
		if (p->items[i].tag == tag && (kind < 0 || p->items[i].kind == kind))
			return &p->items[i];
	return NULL;
}

uint32_t rt_exec_params_memory_max_pages(const struct rt_exec_params *p)
{
	const struct rt_exec_param *e = find(p, RT_EXEC_PARAM_MAX_MEMORY_PAGES, -1);
	uint64_t pages;

	if (!e)
		return RT_DEFAULT_HEAP_PAGES_ESTIMATE + RT_EXTRA_HEAP_PAGES;
	pages = e->value + RT_DEFAULT_HEAP_PAGES_ESTIMATE; /* u32 saturating_add */
	return pages > UINT32_MAX ? UINT32_MAX : (uint32_t)pages;
}

uint32_t rt_exec_params_stack_logical_max(const struct rt_exec_params *p)
{
	const struct rt_exec_param *e = find(p, RT_EXEC_PARAM_STACK_LOGICAL_MAX, -1);

	return e ? (uint32_t)e->value : RT_DEFAULT_LOGICAL_STACK_MAX;
}

uint32_t rt_exec_params_stack_native_max(const struct rt_exec_params *p)
{
	const struct rt_exec_param *e = find(p, RT_EXEC_PARAM_STACK_NATIVE_MAX, -1);

	return e ? (uint32_t)e->value : RT_DEFAULT_NATIVE_STACK_MAX;
}

bool rt_exec_params_bulk_memory(const struct rt_exec_params *p)
{
	return find(p, RT_EXEC_PARAM_WASM_EXT_BULK_MEMORY, -1) != NULL;
}

bool rt_exec_params_host_functions(const struct rt_exec_params *p, enum rt_host_function_set s)
{
	return find(p, RT_EXEC_PARAM_ENABLED_HOST_FUNCTION, (int)s) != NULL;
}

uint64_t rt_exec_params_prep_timeout_ms(const struct rt_exec_params *p, enum rt_pvf_prep_kind k)
{
	const struct rt_exec_param *e = find(p, RT_EXEC_PARAM_PVF_PREP_TIMEOUT, (int)k);

	if (e)
		return e->value;
	return k == RT_PVF_PREP_PRECHECK ? RT_DEFAULT_PRECHECK_PREP_TIMEOUT_MS
					 : RT_DEFAULT_LENIENT_PREP_TIMEOUT_MS;
}

uint64_t rt_exec_params_exec_timeout_ms(const struct rt_exec_params *p, enum rt_pvf_exec_kind k)
{
	const struct rt_exec_param *e = find(p, RT_EXEC_PARAM_PVF_EXEC_TIMEOUT, (int)k);

	if (e)
		return e->value;
	return k == RT_PVF_EXEC_BACKING ? RT_DEFAULT_BACKING_EXEC_TIMEOUT_MS
					: RT_DEFAULT_APPROVAL_EXEC_TIMEOUT_MS;
}

bool rt_exec_params_prechecking_max_memory(const struct rt_exec_params *p, uint64_t *bytes)
{
	const struct rt_exec_param *e = find(p, RT_EXEC_PARAM_PRECHECKING_MAX_MEMORY, -1);

	if (e)
		*bytes = e->value;
	return e != NULL;
}
