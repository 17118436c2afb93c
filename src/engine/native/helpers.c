/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: C helpers called by compiled code through nat_inst.helpers
 * (native_int.h, enum nat_helper). Each does exactly what the interpreter's
 * handler of the same instruction does (src/engine/exec/interp.c), with the
 * operands in value-stack slots, so both backends share one definition of
 * the semantics of everything that is not compiled inline.
 */
#include <string.h>

#include "native_int.h"
#include "../exec/numeric.h"

static uint32_t h_call_host(struct nat_inst *ni, struct eng_func *cf, uint64_t *args)
{
	struct eng_store *s = ni->store;
	uint32_t np = cf->ft->nparams, nr = cf->ft->nresults, i;
	uint64_t *res = args + np;
	struct eng_host_call hc = {s, ni->inst};
	const uint8_t *rt = cf->ft->types + np;
	enum eng_trap trap;

	if ((uint8_t *)(res + nr) > s->stack_end)
		return ENG_TRAP_CALL_STACK_EXHAUSTED;
	s->stack_top = (uint8_t *)(res + nr);
	s->host_msg_set = false;
	trap = cf->fn(&hc, cf->user, args, res);
	if (trap != ENG_TRAP_NONE)
		return trap;
	for (i = 0; i < nr; i++)
		args[i] = exec_slot_mask(rt[i], res[i]);
	return ENG_TRAP_NONE;
}

static uint32_t h_interp(struct nat_inst *ni, uint32_t func_idx, uint8_t *fp)
{
	struct nat_ctx *ctx = ni->store->native;

	if (!ctx->interp_ready && nat__store_interp_ready(ni->store) != ENG_TRAP_NONE)
		return ENG_TRAP_NOMEM;
	return exec__run(ni->store, ni->funcs[func_idx], fp);
}

static bool h_sig_eq(const struct eng__functype *a, const struct eng__functype *b)
{
	return exec__functype_eq(a, b);
}

/* ---- memory ------------------------------------------------------------------ */

static uint32_t h_memory_grow(struct nat_inst *ni, uint64_t *sp, uint32_t a, uint32_t b)
{
	sp[0] = (uint32_t)eng_memory_grow(ni->mem, (uint32_t)sp[0]);
	return ENG_TRAP_NONE;
}

static uint32_t h_memory_fill(struct nat_inst *ni, uint64_t *sp, uint32_t a, uint32_t b)
{
	uint64_t d = (uint32_t)sp[0], n = (uint32_t)sp[2];

	if (!exec_in_bounds(d, n, ni->mem->size))
		return ENG_TRAP_MEMORY_OOB;
	if (n)
		memset(ni->mem->base + d, (int)(uint8_t)sp[1], n);
	return ENG_TRAP_NONE;
}

static uint32_t h_memory_copy(struct nat_inst *ni, uint64_t *sp, uint32_t a, uint32_t b)
{
	uint64_t d = (uint32_t)sp[0], src = (uint32_t)sp[1], n = (uint32_t)sp[2];
	uint64_t size = ni->mem->size;

	if (!exec_in_bounds(d, n, size) || !exec_in_bounds(src, n, size))
		return ENG_TRAP_MEMORY_OOB;
	if (n)
		memmove(ni->mem->base + d, ni->mem->base + src, n);
	return ENG_TRAP_NONE;
}

static uint32_t h_memory_init(struct nat_inst *ni, uint64_t *sp, uint32_t seg, uint32_t b)
{
	uint64_t d = (uint32_t)sp[0], src = (uint32_t)sp[1], n = (uint32_t)sp[2];
	struct eng_instance *inst = ni->inst;
	const struct eng__data *ds = &inst->m->datas[seg];
	uint64_t len = inst->data_dropped[seg] ? 0 : ds->len;

	if (!exec_in_bounds(src, n, len) || !exec_in_bounds(d, n, ni->mem->size))
		return ENG_TRAP_MEMORY_OOB;
	if (n)
		memcpy(ni->mem->base + d, ds->bytes + src, n);
	return ENG_TRAP_NONE;
}

static uint32_t h_data_drop(struct nat_inst *ni, uint64_t *sp, uint32_t seg, uint32_t b)
{
	ni->inst->data_dropped[seg] = 1;
	return ENG_TRAP_NONE;
}

/* ---- tables -------------------------------------------------------------------- */

static uint32_t h_table_get(struct nat_inst *ni, uint64_t *sp, uint32_t tab, uint32_t b)
{
	struct eng_table *t = ni->tables[tab];
	uint32_t i = (uint32_t)sp[0];

	if (i >= t->size)
		return ENG_TRAP_TABLE_OOB;
	sp[0] = (uint64_t)(uintptr_t)t->elems[i];
	return ENG_TRAP_NONE;
}

static uint32_t h_table_set(struct nat_inst *ni, uint64_t *sp, uint32_t tab, uint32_t b)
{
	struct eng_table *t = ni->tables[tab];
	uint32_t i = (uint32_t)sp[0];

	if (i >= t->size)
		return ENG_TRAP_TABLE_OOB;
	t->elems[i] = (void *)(uintptr_t)sp[1];
	return ENG_TRAP_NONE;
}

static uint32_t h_table_size(struct nat_inst *ni, uint64_t *sp, uint32_t tab, uint32_t b)
{
	sp[0] = ni->tables[tab]->size;
	return ENG_TRAP_NONE;
}

static uint32_t h_table_grow(struct nat_inst *ni, uint64_t *sp, uint32_t tab, uint32_t b)
{
	sp[0] = (uint32_t)exec__table_grow(ni->tables[tab], (uint32_t)sp[1],
					   (void *)(uintptr_t)sp[0]);
	return ENG_TRAP_NONE;
}

static uint32_t h_table_fill(struct nat_inst *ni, uint64_t *sp, uint32_t tab, uint32_t b)
{
	struct eng_table *t = ni->tables[tab];
	uint64_t i = (uint32_t)sp[0], n = (uint32_t)sp[2], k;
	void *v = (void *)(uintptr_t)sp[1];

	if (!exec_in_bounds(i, n, t->size))
		return ENG_TRAP_TABLE_OOB;
	for (k = 0; k < n; k++)
		t->elems[i + k] = v;
	return ENG_TRAP_NONE;
}

static uint32_t h_table_copy(struct nat_inst *ni, uint64_t *sp, uint32_t dst, uint32_t src)
{
	struct eng_table *td = ni->tables[dst], *ts = ni->tables[src];
	uint64_t d = (uint32_t)sp[0], s = (uint32_t)sp[1], n = (uint32_t)sp[2];

	if (!exec_in_bounds(d, n, td->size) || !exec_in_bounds(s, n, ts->size))
		return ENG_TRAP_TABLE_OOB;
	if (n)
		memmove(td->elems + d, ts->elems + s, n * sizeof(void *));
	return ENG_TRAP_NONE;
}

static uint32_t h_table_init(struct nat_inst *ni, uint64_t *sp, uint32_t tab, uint32_t seg)
{
	struct eng_table *t = ni->tables[tab];
	struct eng_instance *inst = ni->inst;
	uint64_t d = (uint32_t)sp[0], s = (uint32_t)sp[1], n = (uint32_t)sp[2];

	if (!exec_in_bounds(s, n, inst->elem_len[seg]) || !exec_in_bounds(d, n, t->size))
		return ENG_TRAP_TABLE_OOB;
	if (n)
		memcpy(t->elems + d, inst->elem_refs[seg] + s, n * sizeof(void *));
	return ENG_TRAP_NONE;
}

static uint32_t h_elem_drop(struct nat_inst *ni, uint64_t *sp, uint32_t seg, uint32_t b)
{
	ni->inst->elem_len[seg] = 0;
	return ENG_TRAP_NONE;
}

/* ---- numeric ------------------------------------------------------------------- */

/* Float arithmetic, compares and conversions the compiler leaves to C: the
 * same expressions as the interpreter's handlers. */
static uint32_t h_numeric(struct nat_inst *ni, uint64_t *sp, uint32_t op, uint32_t b)
{
	bool canon = ni->inst->canon;
	float fa = num_f32(sp[0]), fb = num_f32(sp[1]);
	double da = num_f64(sp[0]), db = num_f64(sp[1]);
	uint64_t r;

	switch (op) {
	/* compares */
	case 0x5b: r = fa == fb; break;
	case 0x5c: r = fa != fb; break;
	case 0x5d: r = fa < fb; break;
	case 0x5e: r = fa > fb; break;
	case 0x5f: r = fa <= fb; break;
	case 0x60: r = fa >= fb; break;
	case 0x61: r = da == db; break;
	case 0x62: r = da != db; break;
	case 0x63: r = da < db; break;
	case 0x64: r = da > db; break;
	case 0x65: r = da <= db; break;
	case 0x66: r = da >= db; break;
	/* f32 */
	case 0x8b: r = (uint32_t)sp[0] & 0x7fffffffu; break;
	case 0x8c: r = (uint32_t)sp[0] ^ 0x80000000u; break;
	case 0x8d: r = num_res32(num_ceilf(fa), canon); break;
	case 0x8e: r = num_res32(num_floorf(fa), canon); break;
	case 0x8f: r = num_res32(num_truncf(fa), canon); break;
	case 0x90: r = num_res32(num_nearestf(fa), canon); break;
	case 0x91: r = num_res32(num_sqrtf(fa), canon); break;
	case 0x92: r = num_res32(fa + fb, canon); break;
	case 0x93: r = num_res32(fa - fb, canon); break;
	case 0x94: r = num_res32(fa * fb, canon); break;
	case 0x95: r = num_res32(fa / fb, canon); break;
	case 0x96: r = num_res32(num_fminf(fa, fb), canon); break;
	case 0x97: r = num_res32(num_fmaxf(fa, fb), canon); break;
	case 0x98: r = ((uint32_t)sp[0] & 0x7fffffffu) | ((uint32_t)sp[1] & 0x80000000u); break;
	/* f64 */
	case 0x99: r = sp[0] & ~(UINT64_C(1) << 63); break;
	case 0x9a: r = sp[0] ^ (UINT64_C(1) << 63); break;
	case 0x9b: r = num_res64(num_ceil(da), canon); break;
	case 0x9c: r = num_res64(num_floor(da), canon); break;
	case 0x9d: r = num_res64(num_trunc(da), canon); break;
	case 0x9e: r = num_res64(num_nearest(da), canon); break;
	case 0x9f: r = num_res64(num_sqrt(da), canon); break;
	case 0xa0: r = num_res64(da + db, canon); break;
	case 0xa1: r = num_res64(da - db, canon); break;
	case 0xa2: r = num_res64(da * db, canon); break;
	case 0xa3: r = num_res64(da / db, canon); break;
	case 0xa4: r = num_res64(num_fmin(da, db), canon); break;
	case 0xa5: r = num_res64(num_fmax(da, db), canon); break;
	case 0xa6: r = (sp[0] & ~(UINT64_C(1) << 63)) | (sp[1] & (UINT64_C(1) << 63)); break;
	/* trapping truncations */
	case 0xa8: case 0xa9: case 0xae: case 0xaf:
		if (fa != fa)
			return ENG_TRAP_INVALID_CONVERSION;
		if (op == 0xa8 && !num_fits_i32_f32(fa))
			return ENG_TRAP_INT_OVERFLOW;
		if (op == 0xa9 && !num_fits_u32_f32(fa))
			return ENG_TRAP_INT_OVERFLOW;
		if (op == 0xae && !num_fits_i64_f32(fa))
			return ENG_TRAP_INT_OVERFLOW;
		if (op == 0xaf && !num_fits_u64_f32(fa))
			return ENG_TRAP_INT_OVERFLOW;
		r = op == 0xa8 ? (uint32_t)(int32_t)fa : op == 0xa9 ? (uint32_t)fa
		  : op == 0xae ? (uint64_t)(int64_t)fa : (uint64_t)fa;
		break;
	case 0xaa: case 0xab: case 0xb0: case 0xb1:
		if (da != da)
			return ENG_TRAP_INVALID_CONVERSION;
		if (op == 0xaa && !num_fits_i32_f64(da))
			return ENG_TRAP_INT_OVERFLOW;
		if (op == 0xab && !num_fits_u32_f64(da))
			return ENG_TRAP_INT_OVERFLOW;
		if (op == 0xb0 && !num_fits_i64_f64(da))
			return ENG_TRAP_INT_OVERFLOW;
		if (op == 0xb1 && !num_fits_u64_f64(da))
			return ENG_TRAP_INT_OVERFLOW;
		r = op == 0xaa ? (uint32_t)(int32_t)da : op == 0xab ? (uint32_t)da
		  : op == 0xb0 ? (uint64_t)(int64_t)da : (uint64_t)da;
		break;
	/* int -> float, demote, promote */
	case 0xb2: r = num_bits32((float)(int32_t)(uint32_t)sp[0]); break;
	case 0xb3: r = num_bits32((float)(uint32_t)sp[0]); break;
	case 0xb4: r = num_bits32((float)(int64_t)sp[0]); break;
	case 0xb5: r = num_bits32((float)sp[0]); break;
	case 0xb6: r = num_res32((float)da, canon); break;
	case 0xb7: r = num_bits64((double)(int32_t)(uint32_t)sp[0]); break;
	case 0xb8: r = num_bits64((double)(uint32_t)sp[0]); break;
	case 0xb9: r = num_bits64((double)(int64_t)sp[0]); break;
	case 0xba: r = num_bits64((double)sp[0]); break;
	case 0xbb: r = num_res64((double)fa, canon); break;
	/* saturating truncations (0xfc 0..7) */
	case 0x100: r = num_sat_i32_f32(fa); break;
	case 0x101: r = num_sat_u32_f32(fa); break;
	case 0x102: r = num_sat_i32_f64(da); break;
	case 0x103: r = num_sat_u32_f64(da); break;
	case 0x104: r = num_sat_i64_f32(fa); break;
	case 0x105: r = num_sat_u64_f32(fa); break;
	case 0x106: r = num_sat_i64_f64(da); break;
	case 0x107: r = num_sat_u64_f64(da); break;
	default:
		/* the compiler only routes the opcodes above here */
		return ENG_TRAP_UNREACHABLE;
	}
	sp[0] = r;
	return ENG_TRAP_NONE;
}

const void *const nat__helper_table[NH__COUNT] = {
	[NH_CALL_HOST] = (const void *)h_call_host,
	[NH_INTERP] = (const void *)h_interp,
	[NH_SIG_EQ] = (const void *)h_sig_eq,
	[NH_MEMORY_GROW] = (const void *)h_memory_grow,
	[NH_MEMORY_FILL] = (const void *)h_memory_fill,
	[NH_MEMORY_COPY] = (const void *)h_memory_copy,
	[NH_MEMORY_INIT] = (const void *)h_memory_init,
	[NH_DATA_DROP] = (const void *)h_data_drop,
	[NH_TABLE_GET] = (const void *)h_table_get,
	[NH_TABLE_SET] = (const void *)h_table_set,
	[NH_TABLE_SIZE] = (const void *)h_table_size,
	[NH_TABLE_GROW] = (const void *)h_table_grow,
	[NH_TABLE_FILL] = (const void *)h_table_fill,
	[NH_TABLE_COPY] = (const void *)h_table_copy,
	[NH_TABLE_INIT] = (const void *)h_table_init,
	[NH_ELEM_DROP] = (const void *)h_elem_drop,
	[NH_NUMERIC] = (const void *)h_numeric,
};
