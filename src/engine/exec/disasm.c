/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A disassembler for translated code (debugging, tests, docs). Writes text
 * into a buffer; the engine does no I/O.
 */
#include <stdio.h>
#include <string.h>

#include "exec_int.h"

static const char *const op_names[XOP__COUNT] = {
#define X_NAME(name) #name,
#define X_NAME_ACC(name) #name "_acc",
	EXEC_OPS(X_NAME) EXEC_ACC_OPS(X_NAME_ACC)
#undef X_NAME
#undef X_NAME_ACC
};

/* The base instruction of each _acc variant (same fields). */
static const enum xop acc_base[] = {
#define X_BASE(name) XOP_##name,
	EXEC_ACC_OPS(X_BASE)
#undef X_BASE
};

unsigned exec__op_fields(enum xop op)
{
	if (op >= (enum xop)XOP__ACC_FIRST)
		op = acc_base[op - XOP__ACC_FIRST];
	switch (op) {
	case XOP_unreachable: case XOP_ret: case XOP_exit:
		return 0;
	case XOP_br: case XOP_memory_size: case XOP_data_drop: case XOP_elem_drop:
		return 1;
	case XOP_br_if: case XOP_br_unless: case XOP_br_table: case XOP_call_import: case XOP_copy:
	case XOP_const32: case XOP_global_get: case XOP_global_set: case XOP_memory_grow:
	case XOP_table_size: case XOP_ref_func: case XOP_bri64_eqz: case XOP_bri64_nez:
		return 2;
	case XOP_call: case XOP_const64: case XOP_memory_fill: case XOP_memory_copy:
	case XOP_table_get: case XOP_table_set:
		return 3;
	case XOP_call_indirect: case XOP_select: case XOP_select_i1: case XOP_select_i2:
	case XOP_memory_init: case XOP_table_grow:
	case XOP_table_fill:
		return 4;
	case XOP_table_copy: case XOP_table_init:
		return 5;
	default:
		break;
	}
	if (op >= XOP_ld8u && op <= XOP_st64)
		return 4;
	if (op >= XOP_ld32u_add && op <= XOP_ld8u_add)
		return 4;
	if (op >= XOP_ld32u_c && op <= XOP_ld8u_c)
		return 3;
	if (op == XOP_st32_i || op == XOP_st8_i || op == XOP_copy2)
		return 4;
	if (op == XOP_st64_i)
		return 5;
	if (op == XOP_i32_add_i2 || (op >= XOP_mov32 && op <= XOP_mov8))
		return 6;
	if (op == XOP_loop_mov)
		return 16;
	if (op >= XOP_global_get_add && op <= XOP_global_add_to)
		return 3;
	if (op >= XOP_i32_add_br && op <= XOP_i32_add_i_br_i)
		return 6;
	if (op >= XOP_ld32u_br && op <= XOP_ld8u_br_i)
		return 7;
	if (op == XOP_br_acc || op == XOP_br_acc_i)
		return 3;
	if (op >= XOP_i32_add_m && op <= XOP_f64_rmul_m)
		return 5;
	if ((op >= XOP_i64_add_i && op <= XOP_i64_ge_u_i) || (op >= XOP_f64_add_i && op <= XOP_f64_div_ri))
		return 4;
	if (op >= XOP_f32_add_i && op <= XOP_f32_div_ri)
		return 3;
	if (op >= XOP_i32_add_i && op <= XOP_i32_ge_u_i)
		return 3;
	if (op >= XOP_bri32_eq && op <= XOP_bri32_ge_u_i)
		return 3;
	switch (op) {
	case XOP_i32_eqz: case XOP_i64_eqz: case XOP_i32_clz: case XOP_i32_ctz:
	case XOP_i32_popcnt: case XOP_i64_clz: case XOP_i64_ctz: case XOP_i64_popcnt:
		return 2;
	default:
		break;
	}
	if ((op >= XOP_f32_abs && op <= XOP_f32_sqrt) || (op >= XOP_f64_abs && op <= XOP_f64_sqrt) ||
	    (op >= XOP_i32_wrap_i64 && op <= XOP_i64_trunc_sat_f64_u))
		return 2;
	return 3;
}

static int find_op(const void *const *h, const void *p)
{
	int i;

	for (i = 0; i < XOP__COUNT; i++)
		if (h[i] == p)
			return i;
	return -1;
}

int exec__disasm(const struct xfunc *xf, struct buf *out)
{
	const void *const *h = exec__handlers();
	const uint8_t *p = xf->code, *end = xf->code + xf->code_len;
	unsigned i, n;
	int op;

	while (p < end) {
		const void *hp;
		uint32_t f;

		memcpy(&hp, p, sizeof(hp));
		op = find_op(h, hp);
		if (op < 0)
			return buf_printf(out, "%5zu: ??\n", (size_t)(p - xf->code));
		n = exec__op_fields((enum xop)op);
		if (op == XOP_br_table) {
			memcpy(&f, p + sizeof(void *) + 4, 4);
			n += f + 1;
		}
		if (buf_printf(out, "%5zu: %-16s", (size_t)(p - xf->code), op_names[op]) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			memcpy(&f, p + sizeof(void *) + 4 * i, 4);
			if (buf_printf(out, " %d", (int32_t)f) < 0)
				return -1;
		}
		if (buf_append_byte(out, '\n') < 0)
			return -1;
		p += sizeof(void *) + 4 * n;
	}
	return 0;
}
