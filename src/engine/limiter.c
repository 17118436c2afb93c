/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PVF stack limiter cost function (determinism.md §3.2): wasm-instrument
 * 0.4's `max_height` abstract interpretation, reproduced with its quirks
 * (the function frame starts at height 2 with start 0, `else` keeps the
 * then-branch's height, heights in polymorphic code are not recorded, pops
 * below a frame's start are allowed), including its rejections. Runs before
 * validation, as the reference instruments before wasmparser validates.
 */
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

#define ACTIVATION_FRAME_COST 2

struct lframe {
	bool poly;
	uint32_t end_arity;
	uint32_t branch_arity;
	uint32_t start;
};

struct lim {
	const struct eng_module *m;
	struct eng_error *err;
	struct lframe *ctrl;
	uint32_t nctrl, cap;
	uint32_t height, max;
	uint32_t func_idx;
	uint32_t offset;
};

/* The module is valid when the limiter runs; its rejections have their own
 * status because the reference classifies them as preparation errors (the
 * instrumentation pass), not as parse errors (determinism.md §3.1, §10). */
static enum eng_status lerr(struct lim *l, const char *msg)
{
	eng__error(l->err, ENG_ERR_STACK_LIMITER, l->offset, "stack limiter: %s", msg);
	if (l->err)
		l->err->func_idx = l->func_idx;
	return ENG_ERR_STACK_LIMITER;
}

static enum eng_status lpush(struct lim *l, uint32_t n)
{
	if (l->height > UINT32_MAX - n)
		return lerr(l, "stack overflow");
	l->height += n;
	return ENG_OK;
}

static enum eng_status lpop(struct lim *l, uint32_t n)
{
	const struct lframe *top;

	if (n == 0)
		return ENG_OK;
	if (l->nctrl == 0)
		return lerr(l, "stack must be non-empty");
	top = &l->ctrl[l->nctrl - 1];
	if (l->height == top->start) {
		if (top->poly)
			return ENG_OK;
		return lerr(l, "trying to pop more values than pushed");
	}
	if (l->height < n)
		return lerr(l, "stack underflow");
	l->height -= n;
	return ENG_OK;
}

static enum eng_status lframe(struct lim *l, uint32_t depth, const struct lframe **f)
{
	if (depth >= l->nctrl)
		return lerr(l, "control stack out-of-bounds");
	*f = &l->ctrl[l->nctrl - 1 - depth];
	return ENG_OK;
}

static enum eng_status lpush_frame(struct lim *l, uint32_t end_arity, uint32_t branch_arity)
{
	struct lframe *f;

	if (l->nctrl == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 64;
		struct lframe *p = reallocarray(l->ctrl, cap, sizeof(*p));

		if (!p) {
			eng__error(l->err, ENG_ERR_NOMEM, l->offset, "out of memory");
			return ENG_ERR_NOMEM;
		}
		l->ctrl = p;
		l->cap = cap;
	}
	f = &l->ctrl[l->nctrl++];
	f->poly = false;
	f->end_arity = end_arity;
	f->branch_arity = branch_arity;
	f->start = l->height;
	return ENG_OK;
}

static enum eng_status func_sig(struct lim *l, uint32_t func, const struct eng__functype **t)
{
	uint32_t ti;

	if (func >= l->m->nfuncs_total)
		return lerr(l, "function index isn't found");
	ti = l->m->func_type_idx[func];
	if (ti >= l->m->ntypes)
		return lerr(l, "function type isn't found");
	*t = &l->m->types[ti];
	return ENG_OK;
}

static enum eng_status linstr(struct lim *l, const struct eng__instr *in, uint32_t nresults)
{
	const struct eng_module *m = l->m;
	const struct eng__functype *t;
	const struct lframe *f;
	enum eng_status st;
	uint32_t op = in->op, a, i;

	switch (op) {
	case OP_NOP:
	case OP_ELSE:
		return ENG_OK;
	case OP_BLOCK:
	case OP_LOOP:
	case OP_IF:
		a = in->bt == ENG__BT_EMPTY ? 0 : 1;
		if (op == OP_IF) {
			st = lpop(l, 1);
			if (st != ENG_OK)
				return st;
		}
		return lpush_frame(l, a, op == OP_LOOP ? 0 : a);
	case OP_END: {
		struct lframe fr;

		if (l->nctrl == 0)
			return lerr(l, "stack must be non-empty");
		fr = l->ctrl[--l->nctrl];
		l->height = fr.start;
		return lpush(l, fr.end_arity);
	}
	case OP_UNREACHABLE:
		l->ctrl[l->nctrl - 1].poly = true;
		return ENG_OK;
	case OP_BR:
		st = lframe(l, in->a, &f);
		if (st == ENG_OK)
			st = lpop(l, f->branch_arity);
		if (st == ENG_OK)
			l->ctrl[l->nctrl - 1].poly = true;
		return st;
	case OP_BR_IF:
		st = lframe(l, in->a, &f);
		if (st != ENG_OK)
			return st;
		a = f->branch_arity;
		st = lpop(l, a);
		if (st == ENG_OK)
			st = lpop(l, 1);
		if (st == ENG_OK)
			st = lpush(l, a);
		return st;
	case OP_BR_TABLE: {
		const uint8_t *p = in->tbl;

		st = lframe(l, in->b, &f);
		if (st != ENG_OK)
			return st;
		a = f->branch_arity;
		for (i = 0; i < in->a; i++) {
			st = lframe(l, eng__br_table_next(&p), &f);
			if (st != ENG_OK)
				return st;
			if (f->branch_arity != a)
				return lerr(l, "Arity of all jump-targets must be equal");
		}
		st = lpop(l, a);
		if (st == ENG_OK)
			l->ctrl[l->nctrl - 1].poly = true;
		return st;
	}
	case OP_RETURN:
		st = lpop(l, nresults);
		if (st == ENG_OK)
			l->ctrl[l->nctrl - 1].poly = true;
		return st;
	case OP_CALL:
		st = func_sig(l, in->a, &t);
		if (st == ENG_OK)
			st = lpop(l, t->nparams);
		if (st == ENG_OK)
			st = lpush(l, t->nresults);
		return st;
	case OP_CALL_INDIRECT:
		if (in->a >= m->ntypes)
			return lerr(l, "Type not found");
		t = &m->types[in->a];
		st = lpop(l, 1);
		if (st == ENG_OK)
			st = lpop(l, t->nparams);
		if (st == ENG_OK)
			st = lpush(l, t->nresults);
		return st;
	case OP_DROP:
		return lpop(l, 1);
	case OP_SELECT:
		st = lpop(l, 2);
		if (st == ENG_OK)
			st = lpop(l, 1);
		if (st == ENG_OK)
			st = lpush(l, 1);
		return st;
	case OP_LOCAL_GET:
	case OP_GLOBAL_GET:
	case OP_I32_CONST:
	case OP_I64_CONST:
	case OP_F32_CONST:
	case OP_F64_CONST:
	case 0x3f:  /* memory.size */
		return lpush(l, 1);
	case OP_LOCAL_SET:
	case OP_GLOBAL_SET:
		return lpop(l, 1);
	default:
		break;
	}
	/* local.tee, loads, memory.grow, tests, unary ops, conversions */
	if (op == OP_LOCAL_TEE || (op >= 0x28 && op <= 0x35) || op == 0x40 || op == 0x45 ||
	    op == 0x50 || (op >= 0x67 && op <= 0x69) || (op >= 0x79 && op <= 0x7b) ||
	    (op >= 0x8b && op <= 0x91) || (op >= 0x99 && op <= 0x9f) ||
	    (op >= 0xa7 && op <= 0xbf)) {
		st = lpop(l, 1);
		return st != ENG_OK ? st : lpush(l, 1);
	}
	if (op >= 0x36 && op <= 0x3e)  /* stores */
		return lpop(l, 2);
	if (op >= 0x46 && op <= 0xa6) {  /* comparisons, binary ops */
		st = lpop(l, 2);
		return st != ENG_OK ? st : lpush(l, 1);
	}
	/* eng__read_instr admits only MVP opcodes in the PVF profile. */
	return lerr(l, "unknown instruction");
}

static enum eng_status cost_of(struct lim *l, uint32_t i, uint32_t *cost)
{
	const struct eng_module *m = l->m;
	const struct eng__func *f = &m->funcs[i];
	uint32_t nresults, dummy_features = 0;
	struct eng__instr in;
	struct eng__rd r;
	enum eng_status st;
	uint64_t total;

	l->func_idx = m->nfunc_imports + i;
	l->offset = f->code_offset;
	if (f->type_idx >= m->ntypes)
		return lerr(l, "function type isn't found");
	nresults = m->types[f->type_idx].nresults;
	l->height = ACTIVATION_FRAME_COST;
	l->max = 0;
	l->nctrl = 0;
	st = lpush_frame(l, nresults, nresults);
	if (st != ENG_OK)
		return st;
	l->ctrl[0].start = 0;
	r.base = m->bytes;
	r.mod_end = m->bytes + m->len;
	r.p = f->code;
	r.end = f->code + f->code_len;
	while (l->nctrl > 0) {
		st = eng__read_instr(m, &r, &in, &dummy_features, l->err);
		if (st != ENG_OK) {
			if (l->err)
				l->err->func_idx = l->func_idx;
			return st;
		}
		l->offset = in.offset;
		if (l->height > l->max && !l->ctrl[l->nctrl - 1].poly)
			l->max = l->height;
		st = linstr(l, &in, nresults);
		if (st != ENG_OK)
			return st;
	}
	if (r.p != r.end) {
		l->offset = eng__rd_off(&r);
		eng__error(l->err, ENG_ERR_MALFORMED, l->offset, "section size mismatch");
		if (l->err)
			l->err->func_idx = l->func_idx;
		return ENG_ERR_MALFORMED;
	}
	total = (uint64_t)f->nlocals + l->max;
	if (total > UINT32_MAX)
		return lerr(l, "overflow in stack cost");
	*cost = (uint32_t)total;
	return ENG_OK;
}

enum eng_status eng__stack_limiter(struct eng_module *m, struct eng_error *err)
{
	struct lim l;
	enum eng_status st = ENG_OK;
	uint32_t i, j, ndefs = m->nfuncs_total - m->nfunc_imports;

	memset(&l, 0, sizeof(l));
	l.m = m;
	l.err = err;
	for (i = 0; st == ENG_OK && i < ndefs; i++)
		st = cost_of(&l, i, &m->funcs[i].stack_cost);
	free(l.ctrl);
	if (st != ENG_OK)
		return st;
	/* Thunk generation: every exported, table-placed or start function
	 * must exist. */
	l.func_idx = UINT32_MAX;
	l.offset = UINT32_MAX;
	for (i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == ENG_EXTERN_FUNC && m->exports[i].index >= m->nfuncs_total)
			return lerr(&l, "function index isn't found");
	for (i = 0; i < m->nelems; i++)
		for (j = 0; j < m->elems[i].count; j++)
			if (m->elems[i].items[j].index >= m->nfuncs_total)
				return lerr(&l, "function index isn't found");
	if (m->has_start && m->start >= m->nfuncs_total)
		return lerr(&l, "function index isn't found");
	return ENG_OK;
}
