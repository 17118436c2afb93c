/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validator: module-level rules, constant expressions and function bodies.
 *
 * Bodies are checked with the spec's algorithm (appendix "Validation
 * Algorithm"): an operand stack of value types plus a control stack; after
 * an unconditional branch the frame is "unreachable" and pops below its
 * height yield the unknown type. One pass per body; both stacks are buffers
 * reused for every function (no allocation per instruction). Each body's
 * maximum operand height and control depth are recorded for the executor.
 *
 * In the PVF profile the same checks apply with the MVP + mutable-global
 * feature set and the memory rules of determinism.md §6.1; then the stack
 * limiter (limiter.c) computes every function's cost. The reference runs the
 * limiter first; running it last gives the same verdicts (both reject) and
 * lets an invalid module report the spec's reason, while a valid module the
 * limiter rejects is ENG_ERR_STACK_LIMITER.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

#define T_UNKNOWN 0  /* the bottom type of unreachable code */

struct ctrl {
	uint8_t op;          /* OP_BLOCK/LOOP/IF/ELSE, or 0 for the function */
	bool unreachable;
	uint32_t height;     /* operand height at entry */
	uint32_t nin, nout;
	const uint8_t *in;
	const uint8_t *out;
};

struct val {
	struct eng_module *m;
	struct eng_error *err;
	bool pvf;
	uint8_t *vals;
	uint32_t nvals, cap_vals;
	struct ctrl *ctrls;
	uint32_t nctrls, cap_ctrls;
	uint32_t max_height, max_ctrl;
	/* current code */
	uint32_t func_idx;             /* UINT32_MAX for constant expressions */
	uint32_t nparams;
	const uint8_t *params;
	uint32_t nlocals;
	const uint8_t *locals;
	const uint8_t *results;
	uint32_t nresults;
	bool is_const;
	uint32_t const_globals;        /* globals visible to constant expressions */
	uint32_t offset;               /* of the current instruction */
};

/* Value types as one-element result lists (for block types). */
static const uint8_t one_type[256] = {
	[ENG_I32] = ENG_I32, [ENG_I64] = ENG_I64, [ENG_F32] = ENG_F32, [ENG_F64] = ENG_F64,
	[ENG_FUNCREF] = ENG_FUNCREF, [ENG_EXTERNREF] = ENG_EXTERNREF,
};

/* ---- errors ------------------------------------------------------------- */

static enum eng_status verr(struct val *v, enum eng_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum eng_status verr(struct val *v, enum eng_status st, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(v->err->msg)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	eng__error(v->err, st, v->offset, "%s", msg);
	if (v->err)
		v->err->func_idx = v->func_idx;
	return st;
}

static enum eng_status mismatch(struct val *v)
{
	return verr(v, ENG_ERR_INVALID, "type mismatch");
}

static bool is_ref(uint8_t t)
{
	return t == ENG_FUNCREF || t == ENG_EXTERNREF;
}

/* ---- operand and control stacks ----------------------------------------- */

static enum eng_status push(struct val *v, uint8_t t)
{
	if (v->nvals == v->cap_vals) {
		uint32_t cap = v->cap_vals ? 2 * v->cap_vals : 1024;
		uint8_t *p = realloc(v->vals, cap);

		if (!p)
			return verr(v, ENG_ERR_NOMEM, "out of memory");
		v->vals = p;
		v->cap_vals = cap;
	}
	v->vals[v->nvals++] = t;
	if (v->nvals > v->max_height)
		v->max_height = v->nvals;
	return ENG_OK;
}

static enum eng_status push_n(struct val *v, const uint8_t *ts, uint32_t n)
{
	uint32_t i;
	enum eng_status st;

	for (i = 0; i < n; i++) {
		st = push(v, ts[i]);
		if (st != ENG_OK)
			return st;
	}
	return ENG_OK;
}

/* Pops one value; `expect` T_UNKNOWN accepts any type. *got (optional) is
 * the popped type, T_UNKNOWN in unreachable code. */
static enum eng_status pop(struct val *v, uint8_t expect, uint8_t *got)
{
	const struct ctrl *c = &v->ctrls[v->nctrls - 1];
	uint8_t t;

	if (v->nvals == c->height) {
		if (!c->unreachable)
			return mismatch(v);
		t = T_UNKNOWN;
	} else {
		t = v->vals[--v->nvals];
	}
	if (t != expect && t != T_UNKNOWN && expect != T_UNKNOWN)
		return mismatch(v);
	if (got)
		*got = t;
	return ENG_OK;
}

static enum eng_status pop_n(struct val *v, const uint8_t *ts, uint32_t n)
{
	enum eng_status st;

	while (n > 0) {
		st = pop(v, ts[--n], NULL);
		if (st != ENG_OK)
			return st;
	}
	return ENG_OK;
}

/* Checks the top of the stack against ts without popping (equivalent to
 * popping then pushing back what was popped). */
static enum eng_status peek_n(struct val *v, const uint8_t *ts, uint32_t n)
{
	const struct ctrl *c = &v->ctrls[v->nctrls - 1];
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint8_t expect = ts[n - 1 - i], t;

		if (v->nvals - c->height <= i) {
			if (!c->unreachable)
				return mismatch(v);
			continue;
		}
		t = v->vals[v->nvals - 1 - i];
		if (t != expect && t != T_UNKNOWN)
			return mismatch(v);
	}
	return ENG_OK;
}

static enum eng_status push_ctrl(struct val *v, uint8_t op, const uint8_t *in, uint32_t nin,
				 const uint8_t *out, uint32_t nout)
{
	struct ctrl *c;

	if (v->nctrls == v->cap_ctrls) {
		uint32_t cap = v->cap_ctrls ? 2 * v->cap_ctrls : 64;
		struct ctrl *p = reallocarray(v->ctrls, cap, sizeof(*p));

		if (!p)
			return verr(v, ENG_ERR_NOMEM, "out of memory");
		v->ctrls = p;
		v->cap_ctrls = cap;
	}
	if (v->nctrls >= v->m->config.limits.max_nesting)
		return verr(v, ENG_ERR_LIMIT, "blocks nested too deeply (limit %u)",
			    v->m->config.limits.max_nesting);
	c = &v->ctrls[v->nctrls++];
	c->op = op;
	c->unreachable = false;
	c->height = v->nvals;
	c->in = in;
	c->nin = nin;
	c->out = out;
	c->nout = nout;
	if (v->nctrls > v->max_ctrl)
		v->max_ctrl = v->nctrls;
	return push_n(v, in, nin);
}

static enum eng_status pop_ctrl(struct val *v, struct ctrl *out)
{
	const struct ctrl *c = &v->ctrls[v->nctrls - 1];
	enum eng_status st = pop_n(v, c->out, c->nout);

	if (st != ENG_OK)
		return st;
	if (v->nvals != c->height)
		return mismatch(v);
	*out = *c;
	v->nctrls--;
	return ENG_OK;
}

static void set_unreachable(struct val *v)
{
	struct ctrl *c = &v->ctrls[v->nctrls - 1];

	v->nvals = c->height;
	c->unreachable = true;
}

static enum eng_status label(struct val *v, uint32_t depth, const uint8_t **ts, uint32_t *n)
{
	const struct ctrl *c;

	if (depth >= v->nctrls)
		return verr(v, ENG_ERR_INVALID, "unknown label %u", depth);
	c = &v->ctrls[v->nctrls - 1 - depth];
	if (c->op == OP_LOOP) {
		*ts = c->in;
		*n = c->nin;
	} else {
		*ts = c->out;
		*n = c->nout;
	}
	return ENG_OK;
}

/* ---- instruction tables ------------------------------------------------- */

/* Numeric instructions without immediates: operand and result types. */
struct numsig {
	uint8_t in1, in2, out;
};

#define I32 ENG_I32
#define I64 ENG_I64
#define F32 ENG_F32
#define F64 ENG_F64
static const struct numsig num_sig[256] = {
	[0x45] = {I32, 0, I32}, [0x46 ... 0x4f] = {I32, I32, I32},
	[0x50] = {I64, 0, I32}, [0x51 ... 0x5a] = {I64, I64, I32},
	[0x5b ... 0x60] = {F32, F32, I32}, [0x61 ... 0x66] = {F64, F64, I32},
	[0x67 ... 0x69] = {I32, 0, I32}, [0x6a ... 0x78] = {I32, I32, I32},
	[0x79 ... 0x7b] = {I64, 0, I64}, [0x7c ... 0x8a] = {I64, I64, I64},
	[0x8b ... 0x91] = {F32, 0, F32}, [0x92 ... 0x98] = {F32, F32, F32},
	[0x99 ... 0x9f] = {F64, 0, F64}, [0xa0 ... 0xa6] = {F64, F64, F64},
	[0xa7] = {I64, 0, I32}, [0xa8 ... 0xa9] = {F32, 0, I32}, [0xaa ... 0xab] = {F64, 0, I32},
	[0xac ... 0xad] = {I32, 0, I64}, [0xae ... 0xaf] = {F32, 0, I64},
	[0xb0 ... 0xb1] = {F64, 0, I64}, [0xb2 ... 0xb3] = {I32, 0, F32},
	[0xb4 ... 0xb5] = {I64, 0, F32}, [0xb6] = {F64, 0, F32},
	[0xb7 ... 0xb8] = {I32, 0, F64}, [0xb9 ... 0xba] = {I64, 0, F64}, [0xbb] = {F32, 0, F64},
	[0xbc] = {F32, 0, I32}, [0xbd] = {F64, 0, I64}, [0xbe] = {I32, 0, F32},
	[0xbf] = {I64, 0, F64},
	[0xc0 ... 0xc1] = {I32, 0, I32}, [0xc2 ... 0xc4] = {I64, 0, I64},
};

/* 0xfc 0..7: saturating truncations. */
static const struct numsig sat_sig[8] = {
	{F32, 0, I32}, {F32, 0, I32}, {F64, 0, I32}, {F64, 0, I32},
	{F32, 0, I64}, {F32, 0, I64}, {F64, 0, I64}, {F64, 0, I64},
};

/* Loads (0x28..0x35) and stores (0x36..0x3e): value type and natural
 * alignment exponent. */
struct memsig {
	uint8_t type, align;
};
static const struct memsig mem_sig[0x3f - 0x28] = {
	{I32, 2}, {I64, 3}, {F32, 2}, {F64, 3}, {I32, 0}, {I32, 0}, {I32, 1}, {I32, 1},
	{I64, 0}, {I64, 0}, {I64, 1}, {I64, 1}, {I64, 2}, {I64, 2},
	{I32, 2}, {I64, 3}, {F32, 2}, {F64, 3}, {I32, 0}, {I32, 1}, {I64, 0}, {I64, 1},
	{I64, 2},
};
#undef I32
#undef I64
#undef F32
#undef F64

/* ---- instructions ------------------------------------------------------- */

static enum eng_status need_memory(struct val *v, uint32_t idx)
{
	if (idx >= v->m->nmems_total)
		return verr(v, ENG_ERR_INVALID, "unknown memory %u", idx);
	return ENG_OK;
}

static enum eng_status need_table(struct val *v, uint32_t idx)
{
	if (idx >= v->m->ntables_total)
		return verr(v, ENG_ERR_INVALID, "unknown table %u", idx);
	return ENG_OK;
}

static enum eng_status need_data(struct val *v, uint32_t idx)
{
	/* Without a data count section an index into the data section is a
	 * binary-format error; one beyond it is reported like the text
	 * format's validation does. */
	if (!v->m->has_data_count)
		return idx < v->m->ndatas
			       ? verr(v, ENG_ERR_MALFORMED, "data count section required")
			       : verr(v, ENG_ERR_INVALID, "unknown data segment %u", idx);
	if (idx >= v->m->data_count)
		return verr(v, ENG_ERR_INVALID, "unknown data segment %u", idx);
	return ENG_OK;
}

static enum eng_status need_elem(struct val *v, uint32_t idx)
{
	if (idx >= v->m->nelems)
		return verr(v, ENG_ERR_INVALID, "unknown elem segment %u", idx);
	return ENG_OK;
}

static enum eng_status blocktype(struct val *v, int64_t bt, const uint8_t **in, uint32_t *nin,
				 const uint8_t **out, uint32_t *nout)
{
	const struct eng__functype *t;

	*nin = 0;
	*in = NULL;
	if (bt == ENG__BT_EMPTY) {
		*nout = 0;
		*out = NULL;
		return ENG_OK;
	}
	if (bt < 0) {
		*out = &one_type[(uint8_t)(bt + 0x80)];
		*nout = 1;
		return ENG_OK;
	}
	if ((uint64_t)bt >= v->m->ntypes)
		return verr(v, ENG_ERR_INVALID, "unknown type %lld", (long long)bt);
	t = &v->m->types[bt];
	*in = t->types;
	*nin = t->nparams;
	*out = t->types + t->nparams;
	*nout = t->nresults;
	return ENG_OK;
}

static enum eng_status local_type(struct val *v, uint32_t idx, uint8_t *t)
{
	if (idx < v->nparams) {
		*t = v->params[idx];
		return ENG_OK;
	}
	if (idx - v->nparams < v->nlocals) {
		*t = v->locals[idx - v->nparams];
		return ENG_OK;
	}
	return verr(v, ENG_ERR_INVALID, "unknown local %u", idx);
}

static enum eng_status call_type(struct val *v, const struct eng__functype *t)
{
	enum eng_status st = pop_n(v, t->types, t->nparams);

	if (st != ENG_OK)
		return st;
	return push_n(v, t->types + t->nparams, t->nresults);
}

static enum eng_status pop3(struct val *v, uint8_t a, uint8_t b, uint8_t c)
{
	enum eng_status st = pop(v, c, NULL);

	if (st == ENG_OK)
		st = pop(v, b, NULL);
	if (st == ENG_OK)
		st = pop(v, a, NULL);
	return st;
}

/* Instructions allowed in constant expressions (Wasm 2.0). */
static enum eng_status check_const_instr(struct val *v, const struct eng__instr *in)
{
	const struct eng_module *m = v->m;

	switch (in->op) {
	case OP_I32_CONST: case OP_I64_CONST: case OP_F32_CONST: case OP_F64_CONST:
	case OP_REF_NULL: case OP_REF_FUNC: case OP_END:
		return ENG_OK;
	case OP_GLOBAL_GET:
		if (in->a >= v->const_globals)
			return verr(v, ENG_ERR_INVALID, "unknown global %u", in->a);
		if (m->globals[in->a].type.mut)
			return verr(v, ENG_ERR_INVALID, "constant expression required");
		return ENG_OK;
	default:
		return verr(v, ENG_ERR_INVALID, "constant expression required");
	}
}

static enum eng_status instr_fc(struct val *v, const struct eng__instr *in)
{
	const struct eng_module *m = v->m;
	uint32_t sub = in->op - 0xfc00;
	uint8_t t;
	enum eng_status st;

	if (sub <= 7) {
		st = pop(v, sat_sig[sub].in1, NULL);
		return st != ENG_OK ? st : push(v, sat_sig[sub].out);
	}
	switch (sub) {
	case 8:  /* memory.init */
		st = need_memory(v, 0);
		if (st == ENG_OK)
			st = need_data(v, in->a);
		if (st == ENG_OK)
			st = pop3(v, ENG_I32, ENG_I32, ENG_I32);
		return st;
	case 9:  /* data.drop */
		return need_data(v, in->a);
	case 10: /* memory.copy */
	case 11: /* memory.fill */
		st = need_memory(v, 0);
		if (st == ENG_OK)
			st = pop3(v, ENG_I32, ENG_I32, ENG_I32);
		return st;
	case 12: /* table.init elem(a) table(b) */
		st = need_table(v, in->b);
		if (st == ENG_OK)
			st = need_elem(v, in->a);
		if (st != ENG_OK)
			return st;
		if (m->elems[in->a].elem_type != m->tables[in->b].elem_type)
			return mismatch(v);
		return pop3(v, ENG_I32, ENG_I32, ENG_I32);
	case 13: /* elem.drop */
		return need_elem(v, in->a);
	case 14: /* table.copy dst(a) src(b) */
		st = need_table(v, in->a);
		if (st == ENG_OK)
			st = need_table(v, in->b);
		if (st != ENG_OK)
			return st;
		if (m->tables[in->a].elem_type != m->tables[in->b].elem_type)
			return mismatch(v);
		return pop3(v, ENG_I32, ENG_I32, ENG_I32);
	case 15: /* table.grow */
		st = need_table(v, in->a);
		if (st != ENG_OK)
			return st;
		t = m->tables[in->a].elem_type;
		st = pop(v, ENG_I32, NULL);
		if (st == ENG_OK)
			st = pop(v, t, NULL);
		return st != ENG_OK ? st : push(v, ENG_I32);
	case 16: /* table.size */
		st = need_table(v, in->a);
		return st != ENG_OK ? st : push(v, ENG_I32);
	default: /* 17 table.fill */
		st = need_table(v, in->a);
		if (st != ENG_OK)
			return st;
		return pop3(v, ENG_I32, m->tables[in->a].elem_type, ENG_I32);
	}
}

/* One instruction; returns with v->nctrls == 0 after the final end. */
static enum eng_status instr(struct val *v, struct eng__instr *in)
{
	const struct eng_module *m = v->m;
	const uint8_t *ts, *ins = NULL, *outs = NULL;
	uint32_t n, nin = 0, nout = 0, i;
	struct ctrl c;
	uint8_t t1 = 0, t2 = 0;
	enum eng_status st;

	switch (in->op) {
	case OP_UNREACHABLE:
		set_unreachable(v);
		return ENG_OK;
	case OP_NOP:
		return ENG_OK;
	case OP_BLOCK:
	case OP_LOOP:
	case OP_IF:
		st = blocktype(v, in->bt, &ins, &nin, &outs, &nout);
		if (st != ENG_OK)
			return st;
		if (in->op == OP_IF) {
			st = pop(v, ENG_I32, NULL);
			if (st != ENG_OK)
				return st;
		}
		st = pop_n(v, ins, nin);
		if (st != ENG_OK)
			return st;
		return push_ctrl(v, (uint8_t)in->op, ins, nin, outs, nout);
	case OP_ELSE:
		if (v->ctrls[v->nctrls - 1].op != OP_IF)
			return verr(v, ENG_ERR_MALFORMED, "END opcode expected (else without if)");
		st = pop_ctrl(v, &c);
		if (st != ENG_OK)
			return st;
		return push_ctrl(v, OP_ELSE, c.in, c.nin, c.out, c.nout);
	case OP_END:
		st = pop_ctrl(v, &c);
		if (st != ENG_OK)
			return st;
		if (c.op == OP_IF) {
			/* No else: the missing branch passes the inputs through. */
			if (c.nin != c.nout || (c.nin && memcmp(c.in, c.out, c.nin) != 0))
				return mismatch(v);
		}
		if (v->nctrls == 0)
			return ENG_OK;
		return push_n(v, c.out, c.nout);
	case OP_BR:
		st = label(v, in->a, &ts, &n);
		if (st == ENG_OK)
			st = pop_n(v, ts, n);
		if (st == ENG_OK)
			set_unreachable(v);
		return st;
	case OP_BR_IF:
		st = label(v, in->a, &ts, &n);
		if (st == ENG_OK)
			st = pop(v, ENG_I32, NULL);
		if (st == ENG_OK)
			st = pop_n(v, ts, n);
		if (st == ENG_OK)
			st = push_n(v, ts, n);
		return st;
	case OP_BR_TABLE: {
		const uint8_t *p = in->tbl, *dts;
		uint32_t dn;

		st = pop(v, ENG_I32, NULL);
		if (st == ENG_OK)
			st = label(v, in->b, &dts, &dn);
		if (st != ENG_OK)
			return st;
		for (i = 0; i < in->a; i++) {
			st = label(v, eng__br_table_next(&p), &ts, &n);
			if (st != ENG_OK)
				return st;
			if (n != dn)
				return mismatch(v);
			st = peek_n(v, ts, n);
			if (st != ENG_OK)
				return st;
		}
		st = pop_n(v, dts, dn);
		if (st == ENG_OK)
			set_unreachable(v);
		return st;
	}
	case OP_RETURN:
		st = pop_n(v, v->results, v->nresults);
		if (st == ENG_OK)
			set_unreachable(v);
		return st;
	case OP_CALL:
		if (in->a >= m->nfuncs_total)
			return verr(v, ENG_ERR_INVALID, "unknown function %u", in->a);
		return call_type(v, &m->types[m->func_type_idx[in->a]]);
	case OP_CALL_INDIRECT:
		st = need_table(v, in->b);
		if (st != ENG_OK)
			return st;
		if (m->tables[in->b].elem_type != ENG_FUNCREF)
			return mismatch(v);
		if (in->a >= m->ntypes)
			return verr(v, ENG_ERR_INVALID, "unknown type %u", in->a);
		st = pop(v, ENG_I32, NULL);
		return st != ENG_OK ? st : call_type(v, &m->types[in->a]);
	case OP_DROP:
		return pop(v, T_UNKNOWN, NULL);
	case OP_SELECT:
		st = pop(v, ENG_I32, NULL);
		if (st == ENG_OK)
			st = pop(v, T_UNKNOWN, &t1);
		if (st == ENG_OK)
			st = pop(v, T_UNKNOWN, &t2);
		if (st != ENG_OK)
			return st;
		if (is_ref(t1) || is_ref(t2))
			return mismatch(v);
		if (t1 != t2 && t1 != T_UNKNOWN && t2 != T_UNKNOWN)
			return mismatch(v);
		return push(v, t1 == T_UNKNOWN ? t2 : t1);
	case OP_SELECT_T:
		if (in->b != 1)
			return verr(v, ENG_ERR_INVALID, "invalid result arity");
		t1 = (uint8_t)in->a;
		st = pop3(v, t1, t1, ENG_I32);
		return st != ENG_OK ? st : push(v, t1);
	case OP_LOCAL_GET:
		st = local_type(v, in->a, &t1);
		return st != ENG_OK ? st : push(v, t1);
	case OP_LOCAL_SET:
		st = local_type(v, in->a, &t1);
		return st != ENG_OK ? st : pop(v, t1, NULL);
	case OP_LOCAL_TEE:
		st = local_type(v, in->a, &t1);
		if (st == ENG_OK)
			st = pop(v, t1, NULL);
		return st != ENG_OK ? st : push(v, t1);
	case OP_GLOBAL_GET:
		if (in->a >= m->nglobals_total)
			return verr(v, ENG_ERR_INVALID, "unknown global %u", in->a);
		return push(v, m->globals[in->a].type.type);
	case OP_GLOBAL_SET:
		if (in->a >= m->nglobals_total)
			return verr(v, ENG_ERR_INVALID, "unknown global %u", in->a);
		if (!m->globals[in->a].type.mut)
			return verr(v, ENG_ERR_INVALID, "global is immutable");
		return pop(v, m->globals[in->a].type.type, NULL);
	case OP_TABLE_GET:
		st = need_table(v, in->a);
		if (st == ENG_OK)
			st = pop(v, ENG_I32, NULL);
		return st != ENG_OK ? st : push(v, m->tables[in->a].elem_type);
	case OP_TABLE_SET:
		st = need_table(v, in->a);
		if (st == ENG_OK)
			st = pop(v, m->tables[in->a].elem_type, NULL);
		if (st == ENG_OK)
			st = pop(v, ENG_I32, NULL);
		return st;
	case 0x3f:  /* memory.size */
		st = need_memory(v, 0);
		return st != ENG_OK ? st : push(v, ENG_I32);
	case 0x40:  /* memory.grow */
		st = need_memory(v, 0);
		if (st == ENG_OK)
			st = pop(v, ENG_I32, NULL);
		return st != ENG_OK ? st : push(v, ENG_I32);
	case OP_I32_CONST:
		return push(v, ENG_I32);
	case OP_I64_CONST:
		return push(v, ENG_I64);
	case OP_F32_CONST:
		return push(v, ENG_F32);
	case OP_F64_CONST:
		return push(v, ENG_F64);
	case OP_REF_NULL:
		return push(v, (uint8_t)in->a);
	case OP_REF_IS_NULL:
		st = pop(v, T_UNKNOWN, &t1);
		if (st != ENG_OK)
			return st;
		if (t1 != T_UNKNOWN && !is_ref(t1))
			return mismatch(v);
		return push(v, ENG_I32);
	case OP_REF_FUNC:
		if (in->a >= m->nfuncs_total)
			return verr(v, ENG_ERR_INVALID, "unknown function %u", in->a);
		if (!v->is_const && !m->func_declared[in->a])
			return verr(v, ENG_ERR_INVALID, "undeclared function reference");
		return push(v, ENG_FUNCREF);
	default:
		break;
	}
	if (in->op >= 0xfc00)
		return instr_fc(v, in);
	if (in->op >= 0x28 && in->op <= 0x3e) {
		const struct memsig *ms = &mem_sig[in->op - 0x28];

		st = need_memory(v, 0);
		if (st != ENG_OK)
			return st;
		if (in->a > ms->align)
			return verr(v, ENG_ERR_INVALID, "alignment must not be larger than natural");
		if (in->op <= 0x35) {
			st = pop(v, ENG_I32, NULL);
			return st != ENG_OK ? st : push(v, ms->type);
		}
		st = pop(v, ms->type, NULL);
		return st != ENG_OK ? st : pop(v, ENG_I32, NULL);
	}
	{
		const struct numsig *ns = &num_sig[in->op & 0xff];

		if (in->op > 0xff || !ns->out)
			return verr(v, ENG_ERR_MALFORMED, "illegal opcode 0x%x", in->op);
		if (ns->in2) {
			st = pop(v, ns->in2, NULL);
			if (st != ENG_OK)
				return st;
		}
		st = pop(v, ns->in1, NULL);
		return st != ENG_OK ? st : push(v, ns->out);
	}
}

static enum eng_status read_instr(struct val *v, struct eng__rd *r, struct eng__instr *in)
{
	enum eng_status st = eng__read_instr(v->m, r, in, &v->m->features, v->err);

	if (st != ENG_OK && v->err)
		v->err->func_idx = v->func_idx;
	return st;
}

/* Decode-only reading of the rest of a body, as the reference decoder
 * would read it (it decodes the whole module before validating): `depth`
 * blocks are open, `pending` (if not NULL) is an instruction already read.
 * Returns the binary-format error found, if any, else ENG_OK. */
static enum eng_status skip_code(struct val *v, struct eng__rd *r, const uint8_t *body_end,
				 uint32_t depth, const struct eng__instr *pending)
{
	struct eng__instr in;
	enum eng_status st;

	for (;;) {
		if (pending) {
			in = *pending;
			pending = NULL;
		} else {
			st = read_instr(v, r, &in);
			if (st != ENG_OK)
				return st;
		}
		v->offset = in.offset;
		if (in.op == OP_BLOCK || in.op == OP_LOOP || in.op == OP_IF) {
			depth++;
		} else if (in.op == OP_END) {
			if (--depth == 0)
				break;
		} else if (in.op == OP_ELSE && depth == 1) {
			return verr(v, ENG_ERR_MALFORMED, "END opcode expected");
		}
	}
	if (r->p != body_end) {
		v->offset = eng__rd_off(r);
		return verr(v, ENG_ERR_MALFORMED, "section size mismatch");
	}
	return ENG_OK;
}

/* Validates code at r (a body or a constant expression) whose results are
 * v->results. Returns at the final end, which must be the last byte before
 * body_end. r->end may lie beyond body_end: like the reference decoder, an
 * unterminated body is read on into the following bytes. */
static enum eng_status validate_code(struct val *v, struct eng__rd *r, const uint8_t *body_end)
{
	struct eng__instr in;
	enum eng_status st;

	v->nvals = 0;
	v->nctrls = 0;
	v->max_height = 0;
	v->max_ctrl = 0;
	v->offset = eng__rd_off(r);
	st = push_ctrl(v, 0, NULL, 0, v->results, v->nresults);
	if (st != ENG_OK)
		return st;
	while (v->nctrls > 0) {
		st = read_instr(v, r, &in);
		if (st != ENG_OK)
			return st;
		if (r->p > body_end) {
			/* Past the declared size: malformed whatever follows. */
			st = skip_code(v, r, body_end, v->nctrls, &in);
			return st != ENG_OK ? st
					    : verr(v, ENG_ERR_MALFORMED, "section size mismatch");
		}
		v->offset = in.offset;
		if (v->is_const) {
			st = check_const_instr(v, &in);
			if (st != ENG_OK)
				return st;
		}
		st = instr(v, &in);
		if (st != ENG_OK)
			return st;
	}
	if (r->p != body_end) {
		v->offset = eng__rd_off(r);
		return verr(v, ENG_ERR_MALFORMED, "section size mismatch");
	}
	return ENG_OK;
}

static enum eng_status validate_const(struct val *v, const struct eng__const_expr *ce,
				      uint8_t type, uint32_t visible_globals)
{
	struct eng__rd r;

	r.base = v->m->bytes;
	r.mod_end = v->m->bytes + v->m->len;
	r.p = v->m->bytes + ce->offset;
	r.end = r.p + ce->len;
	v->func_idx = UINT32_MAX;
	v->nparams = 0;
	v->nlocals = 0;
	v->results = &one_type[type];
	v->nresults = 1;
	v->is_const = true;
	v->const_globals = visible_globals;
	return validate_code(v, &r, r.end);
}

static enum eng_status validate_func(struct val *v, uint32_t i)
{
	struct eng_module *m = v->m;
	struct eng__func *f = &m->funcs[i];
	const struct eng__functype *t = &m->types[f->type_idx];
	struct eng__rd r;
	enum eng_status st;

	r.base = m->bytes;
	r.mod_end = m->bytes + m->len;
	r.p = f->code;
	r.end = r.mod_end;
	v->func_idx = m->nfunc_imports + i;
	v->nparams = t->nparams;
	v->params = t->types;
	v->nlocals = f->nlocals;
	v->locals = f->local_types;
	v->results = t->types + t->nparams;
	v->nresults = t->nresults;
	v->is_const = false;
	st = validate_code(v, &r, f->code + f->code_len);
	if (st != ENG_OK)
		return st;
	f->max_height = v->max_height;
	f->max_ctrl = v->max_ctrl;
	return ENG_OK;
}

/* ---- module-level rules ------------------------------------------------- */

static enum eng_status check_table_limits(struct val *v, const struct eng__limits *l)
{
	if (l->has_max && l->min > l->max)
		return verr(v, ENG_ERR_INVALID, "size minimum must not be greater than maximum");
	return ENG_OK;
}

static enum eng_status check_memory_limits(struct val *v, struct eng__limits *l)
{
	if (l->min > 65536)
		return verr(v, ENG_ERR_INVALID, "memory size must be at most 65536 pages (4GiB)");
	if (v->pvf) {
		/* The reference clears the declared maximum before validation
		 * (determinism.md §6.1, master). */
		l->has_max = false;
		l->max = 0;
		return ENG_OK;
	}
	if (l->has_max && l->max > 65536)
		return verr(v, ENG_ERR_INVALID, "memory size must be at most 65536 pages (4GiB)");
	if (l->has_max && l->min > l->max)
		return verr(v, ENG_ERR_INVALID, "size minimum must not be greater than maximum");
	return ENG_OK;
}

static int export_cmp(const void *a, const void *b)
{
	const struct eng__export *x = *(const struct eng__export *const *)a;
	const struct eng__export *y = *(const struct eng__export *const *)b;
	uint32_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = n ? memcmp(x->name, y->name, n) : 0;

	if (c)
		return c;
	return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

static bool same_name(const char *a, uint32_t alen, const char *b, uint32_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* PVF: the reference turns the first memory import into a definition
 * exported under the import's field name (determinism.md §4.2), so no
 * export may already use that name. */
static enum eng_status check_memory_import_name(struct val *v)
{
	const struct eng_module *m = v->m;
	const struct eng__import *im = NULL;
	uint32_t i;

	for (i = 0; i < m->nimports && !im; i++)
		if (m->imports[i].kind == ENG_EXTERN_MEMORY)
			im = &m->imports[i];
	if (!im)
		return ENG_OK;
	for (i = 0; i < m->nexports; i++)
		if (same_name(m->exports[i].name, m->exports[i].name_len, im->name, im->name_len))
			return verr(v, ENG_ERR_INVALID, "duplicate export name \"%.*s\" (the memory "
				    "import is exported under its field name)",
				    (int)(im->name_len > 64 ? 64 : im->name_len), im->name);
	return ENG_OK;
}

static enum eng_status check_exports(struct val *v)
{
	struct eng_module *m = v->m;
	const struct eng__export **sorted;
	enum eng_status st = ENG_OK;
	uint32_t i, limit;

	for (i = 0; i < m->nexports; i++) {
		const struct eng__export *ex = &m->exports[i];
		static const char *const kinds[] = {"function", "table", "memory", "global"};

		switch (ex->kind) {
		case ENG_EXTERN_FUNC: limit = m->nfuncs_total; break;
		case ENG_EXTERN_TABLE: limit = m->ntables_total; break;
		case ENG_EXTERN_MEMORY: limit = m->nmems_total; break;
		case ENG_EXTERN_GLOBAL: limit = m->nglobals_total; break;
		default: limit = 0; break;
		}
		if (ex->index >= limit)
			return verr(v, ENG_ERR_INVALID, "unknown %s %u", kinds[ex->kind], ex->index);
	}
	if (v->pvf) {
		st = check_memory_import_name(v);
		if (st != ENG_OK)
			return st;
	}
	if (m->nexports < 2)
		return ENG_OK;
	sorted = malloc(m->nexports * sizeof(*sorted));
	if (!sorted)
		return verr(v, ENG_ERR_NOMEM, "out of memory");
	for (i = 0; i < m->nexports; i++)
		sorted[i] = &m->exports[i];
	qsort(sorted, m->nexports, sizeof(*sorted), export_cmp);
	for (i = 1; i < m->nexports; i++)
		if (export_cmp(&sorted[i - 1], &sorted[i]) == 0) {
			st = verr(v, ENG_ERR_INVALID, "duplicate export name \"%.*s\"",
				  (int)(sorted[i]->name_len > 64 ? 64 : sorted[i]->name_len),
				  sorted[i]->name);
			break;
		}
	free(sorted);
	return st;
}

static enum eng_status check_module(struct val *v)
{
	struct eng_module *m = v->m;
	uint32_t i, j, const_globals;
	enum eng_status st;

	v->func_idx = UINT32_MAX;
	v->offset = UINT32_MAX;
	for (i = 0; i < m->nfuncs_total; i++)
		if (m->func_type_idx[i] >= m->ntypes)
			return verr(v, ENG_ERR_INVALID, "unknown type %u", m->func_type_idx[i]);
	for (i = 0; i < m->ntables_total; i++) {
		st = check_table_limits(v, &m->tables[i].limits);
		if (st != ENG_OK)
			return st;
	}
	for (i = 0; i < m->nmems_total; i++) {
		st = check_memory_limits(v, &m->mems[i]);
		if (st != ENG_OK)
			return st;
	}
	for (i = 0; i < m->nimports; i++)
		if (m->imports[i].kind == ENG_EXTERN_MEMORY && v->pvf) {
			m->imports[i].desc.memory.has_max = false;
			m->imports[i].desc.memory.max = 0;
		}
	if (m->nmems_total > 1)
		return verr(v, ENG_ERR_INVALID, "multiple memories");
	if (m->ntables_total > 1) {
		if (v->pvf)
			return verr(v, ENG_ERR_PROFILE, "reference types are not supported by the "
				    "PVF profile (multiple tables)");
		m->features |= ENG_FEATURE_REFERENCE_TYPES;
	}
	/* Constant expressions see the imported globals only. */
	for (i = m->nglobal_imports; i < m->nglobals_total; i++) {
		st = validate_const(v, &m->globals[i].init, m->globals[i].type.type,
				    m->nglobal_imports);
		if (st != ENG_OK)
			return st;
		if (m->globals[i].init.kind == ENG_CONST_GLOBAL_GET)
			m->globals[i].init.type = m->globals[i].type.type;
	}
	const_globals = m->nglobal_imports;
	for (i = 0; i < m->nelems; i++) {
		struct eng__elem *e = &m->elems[i];

		if (e->mode == ENG_SEG_ACTIVE) {
			st = need_table(v, e->table);
			if (st != ENG_OK)
				return st;
			if (m->tables[e->table].elem_type != e->elem_type)
				return mismatch(v);
			st = validate_const(v, &e->offset, ENG_I32, const_globals);
			if (st != ENG_OK)
				return st;
		}
		for (j = 0; j < e->count; j++) {
			struct eng__const_expr *ce = &e->items[j];

			if (ce->len) {
				st = validate_const(v, ce, e->elem_type, const_globals);
			} else if (ce->index >= m->nfuncs_total) {
				v->offset = ce->offset;
				st = verr(v, ENG_ERR_INVALID, "unknown function %u", ce->index);
			} else {
				st = ENG_OK;
			}
			if (st != ENG_OK)
				return st;
			if (ce->kind == ENG_CONST_GLOBAL_GET)
				ce->type = m->globals[ce->index].type.type;
		}
	}
	for (i = 0; i < m->ndatas; i++) {
		struct eng__data *ds = &m->datas[i];

		if (ds->mode != ENG_SEG_ACTIVE)
			continue;
		st = need_memory(v, ds->memory);
		if (st == ENG_OK)
			st = validate_const(v, &ds->offset, ENG_I32, const_globals);
		if (st != ENG_OK)
			return st;
	}
	v->func_idx = UINT32_MAX;
	v->offset = UINT32_MAX;
	if (m->has_start) {
		const struct eng__functype *t;

		if (m->start >= m->nfuncs_total)
			return verr(v, ENG_ERR_INVALID, "unknown function %u", m->start);
		t = &m->types[m->func_type_idx[m->start]];
		if (t->nparams || t->nresults)
			return verr(v, ENG_ERR_INVALID, "start function must have type [] -> []");
	}
	return check_exports(v);
}

/* The spec decodes the whole module before validating it: when validation
 * fails, a binary-format error in any body takes precedence. */
static enum eng_status prefer_malformed(struct val *v, enum eng_status st)
{
	struct eng_module *m = v->m;
	struct eng_error saved;
	enum eng_status st2 = ENG_OK;
	uint32_t i, ndefs = m->nfuncs_total - m->nfunc_imports;

	if (v->err)
		saved = *v->err;
	for (i = 0; st2 == ENG_OK && i < ndefs; i++) {
		struct eng__func *f = &m->funcs[i];
		struct eng__rd r;

		r.base = m->bytes;
		r.mod_end = m->bytes + m->len;
		r.p = f->code;
		r.end = r.mod_end;
		v->func_idx = m->nfunc_imports + i;
		st2 = skip_code(v, &r, f->code + f->code_len, 1, NULL);
	}
	if (st2 == ENG_ERR_MALFORMED || st2 == ENG_ERR_PROFILE)
		return st2;
	if (v->err)
		*v->err = saved;
	return st;
}

enum eng_status eng__validate(struct eng_module *m, struct eng_error *err)
{
	struct val v;
	enum eng_status st;
	uint32_t i, ndefs = m->nfuncs_total - m->nfunc_imports;

	memset(&v, 0, sizeof(v));
	v.m = m;
	v.err = err;
	v.pvf = m->config.profile == ENG_PROFILE_PVF;
	st = check_module(&v);
	for (i = 0; st == ENG_OK && i < ndefs; i++)
		st = validate_func(&v, i);
	if (st == ENG_ERR_INVALID || st == ENG_ERR_LIMIT)
		st = prefer_malformed(&v, st);
	free(v.vals);
	free(v.ctrls);
	if (st == ENG_OK && v.pvf)
		st = eng__stack_limiter(m, err);
	return st;
}
