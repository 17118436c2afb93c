/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: one Wasm function to LLVM IR for the optimising tier
 * (docs/compiler.md §1a). Function i becomes
 *
 *   w<i>(frame, ni, mem, call depth, logical counter, params...)
 *       -> status, or {status, result} for a single result
 *
 * (internal: the tier's functions call each other directly) and the entry
 *
 *   uint32_t f<i>(uint64_t *frame, struct nat_inst *ni, uint8_t *mem)
 *
 * which the single-pass stub (cg_module.c) calls like a C helper:
 * parameters and results in the frame's slots, ENG_TRAP_NONE or a trap.
 *
 * Semantics follow the interpreter: traps are explicit (division, integer
 * overflow, conversions, unreachable, the entry checks) and checked in the
 * interpreter's order; every load stays on every path it was on (the load
 * sums); NaN results of the determinism.md §8 instructions become the
 * canonical NaN where their bits are observable; min/max follow numeric.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

static LLVMTypeRef lt(struct tr *t, uint8_t vt)
{
	switch (vt) {
	case ENG_I32: return t->ti32;
	case ENG_I64: return t->ti64;
	case ENG_F32: return t->tf32;
	default: return t->tf64;
	}
}

static void push(struct tr *t, uint8_t type, LLVMValueRef v)
{
	if (t->vh == t->vcap) {
		uint32_t cap = t->vcap ? t->vcap * 2 : 64;
		LLVMValueRef *nv = realloc(t->vs, cap * sizeof(*nv));
		uint8_t *nt;

		if (nv)
			t->vs = nv;
		nt = nv ? realloc(t->vt, cap) : NULL;
		if (!nt) {
			t->fail = true;
			return;
		}
		t->vt = nt;
		t->vcap = cap;
	}
	t->vs[t->vh] = v;
	t->vt[t->vh++] = type;
}

/* A result of a canonicalising instruction (determinism.md §8) whose NaN,
 * if it is one, has not been made canonical yet: canonicalisation is lazy,
 * done where the bits become observable (clean_top, popc), so it stays off
 * the dependency chains of arithmetic. Exact: the other instructions'
 * results depend only on whether an operand is a NaN, not on its bits. */
#define DIRTY 0x80u

static void push_d(struct tr *t, uint8_t type, LLVMValueRef v)
{
	push(t, (uint8_t)(t->canon ? type | DIRTY : type), v);
}

static LLVMValueRef pop(struct tr *t)
{
	if (t->vh == 0 || (t->ln > 0 && t->vh <= t->ls[t->ln - 1].height)) {
		t->fail = true;
		return L.LLVMGetUndef(t->ti32);
	}
	t->pd = (t->vt[--t->vh] & DIRTY) != 0;
	return t->vs[t->vh];
}

/* Attaches metadata kind to v when the builder made an instruction of it
 * (it folds constant operands into constants, which carry none). */
static void set_md(struct tr *t, LLVMValueRef v, const char *kind, LLVMValueRef md)
{
	if (L.LLVMIsAInstruction(v))
		L.LLVMSetMetadata(v, L.LLVMGetMDKindIDInContext(t->ctx, kind, (unsigned)strlen(kind)),
				md);
}

/* LLVM 14 has typed pointers: byte pointers (i8*) are cast to the
 * accessed type's pointer at each access. */
static LLVMValueRef byte_ptr(struct tr *t, LLVMValueRef base, uint64_t off)
{
	LLVMValueRef o = L.LLVMConstInt(t->ti64, off, false);

	return off ? L.LLVMBuildGEP2(t->b, t->ti8, base, &o, 1, "") : base;
}

static LLVMValueRef ld(struct tr *t, LLVMTypeRef ty, LLVMValueRef bp)
{
	return L.LLVMBuildLoad2(t->b, ty, L.LLVMBuildPointerCast(t->b, bp, L.LLVMPointerType(ty, 0), ""),
			      "");
}

/* A load of a value that does not change while the code runs. */
static LLVMValueRef inv_ld(struct tr *t, LLVMTypeRef ty, LLVMValueRef bp)
{
	LLVMValueRef v = ld(t, ty, bp);

	set_md(t, v, "invariant.load", L.LLVMMDNodeInContext(t->ctx, NULL, 0));
	return v;
}

static LLVMValueRef st(struct tr *t, LLVMValueRef v, LLVMValueRef bp)
{
	return L.LLVMBuildStore(t->b, v, L.LLVMBuildPointerCast(t->b, bp,
			      L.LLVMPointerType(L.LLVMTypeOf(v), 0), ""));
}

static LLVMValueRef entry_alloca(struct tr *t, LLVMTypeRef ty)
{
	LLVMBuilderRef eb = L.LLVMCreateBuilderInContext(t->ctx);
	LLVMValueRef first = L.LLVMGetFirstInstruction(t->entry), v;

	if (first)
		L.LLVMPositionBuilderBefore(eb, first);
	else
		L.LLVMPositionBuilderAtEnd(eb, t->entry);
	v = L.LLVMBuildAlloca(eb, ty, "");
	L.LLVMDisposeBuilder(eb);
	return v;
}

static LLVMBasicBlockRef new_bb(struct tr *t)
{
	return L.LLVMAppendBasicBlockInContext(t->ctx, t->fn, "");
}

/* Every load's value is added into t->acc, and every exit stores the sums
 * to ni->opt_sink with a volatile store: so no load is dead for LLVM, and
 * one that faults (the out-of-bounds trap, fault.c) runs before any exit
 * of the paths it ran on in the Wasm code, whatever LLVM does with the
 * value. LLVM may merge or forward loads of one address, which keeps the
 * trap. */
static void acc_add(struct tr *t, LLVMValueRef v)
{
	LLVMTypeRef ty = L.LLVMTypeOf(v);
	unsigned k;

	if (ty == t->tf32)
		v = L.LLVMBuildBitCast(t->b, v, t->ti32, "");
	else if (ty == t->tf64)
		v = L.LLVMBuildBitCast(t->b, v, t->ti64, "");
	ty = L.LLVMTypeOf(v);
	k = ty == t->ti8 ? 0 : ty == t->ti16 ? 1 : ty == t->ti32 ? 2 : 3;
	L.LLVMBuildStore(t->b, L.LLVMBuildAdd(t->b, L.LLVMBuildLoad2(t->b, ty, t->acc[k], ""), v, ""),
		       t->acc[k]);
}

/* Adds every pending load to the sums (before a trap check or a control
 * instruction). */
static void flush(struct tr *t)
{
	uint32_t i;

	for (i = 0; i < t->npend; i++)
		acc_add(t, t->pend[i].val);
	t->npend = 0;
}

/* A memory access of size bytes at addr + off: discharges the pending
 * loads it covers; a load (val != NULL) becomes pending itself. */
static void access(struct tr *t, LLVMValueRef addr, uint32_t off, uint32_t size,
		   LLVMValueRef val)
{
	uint64_t lo = off, hi = (uint64_t)off + size;
	uint32_t i, j = 0;

	for (i = 0; i < t->npend; i++) {
		struct pend *q = &t->pend[i];

		if (q->addr == addr && lo <= q->lo && q->hi <= hi)
			continue;
		t->pend[j++] = *q;
	}
	t->npend = j;
	if (!val)
		return;
	if (t->npend == t->pcap) {
		uint32_t cap = t->pcap ? t->pcap * 2 : 32;
		struct pend *n = realloc(t->pend, cap * sizeof(*n));

		if (!n) {
			acc_add(t, val);
			return;
		}
		t->pend = n;
		t->pcap = cap;
	}
	t->pend[t->npend].addr = addr;
	t->pend[t->npend].lo = lo;
	t->pend[t->npend].hi = hi;
	t->pend[t->npend++].val = val;
}

static void write_sink(struct tr *t)
{
	if (!t->has_loads)
		return;
	static const unsigned bits[4] = {8, 16, 32, 64};
	LLVMValueRef sum = NULL, v, st_;
	unsigned k;

	for (k = 0; k < 4; k++) {
		v = L.LLVMBuildLoad2(t->b, L.LLVMIntTypeInContext(t->ctx, bits[k]), t->acc[k], "");
		if (k < 3)
			v = L.LLVMBuildZExt(t->b, v, t->ti64, "");
		sum = sum ? L.LLVMBuildAdd(t->b, sum, v, "") : v;
	}
	st_ = st(t, sum, byte_ptr(t, t->ni, offsetof(struct nat_inst, opt_sink)));
	L.LLVMSetVolatile(st_, true);
}

/* Whether the internal function of type ft returns {status, result}. */
static bool one_result(const struct eng__functype *ft)
{
	return ft->nresults == 1;
}

/* Returns status (and an undefined result) from the function being
 * translated. */
static void ret_status(struct tr *t, LLVMValueRef status)
{
	const struct eng__functype *ft = &t->m->types[t->m->funcs[t->def_idx].type_idx];
	LLVMValueRef r;

	if (!one_result(ft)) {
		L.LLVMBuildRet(t->b, status);
		return;
	}
	r = L.LLVMGetUndef(L.LLVMGetReturnType(L.LLVMGlobalGetValueType(t->fn)));
	r = L.LLVMBuildInsertValue(t->b, r, status, 0, "");
	L.LLVMBuildRet(t->b, r);
}

static LLVMBasicBlockRef trap_block(struct tr *t, enum eng_trap k)
{
	if (!t->trap_bb[k]) {
		LLVMBasicBlockRef cur = L.LLVMGetInsertBlock(t->b);

		t->trap_bb[k] = new_bb(t);
		L.LLVMPositionBuilderAtEnd(t->b, t->trap_bb[k]);
		write_sink(t);
		ret_status(t, L.LLVMConstInt(t->ti32, k, false));
		L.LLVMPositionBuilderAtEnd(t->b, cur);
	}
	return t->trap_bb[k];
}

/* Branch weights: the true side almost never taken. */
static LLVMValueRef unlikely_md(struct tr *t)
{
	LLVMValueRef md[3];

	md[0] = L.LLVMMDStringInContext(t->ctx, "branch_weights", 14);
	md[1] = L.LLVMConstInt(t->ti32, 1, false);
	md[2] = L.LLVMConstInt(t->ti32, 1u << 20, false);
	return L.LLVMMDNodeInContext(t->ctx, md, 3);
}

/* Traps with k when cond (i1) holds; marked unlikely. */
static void trap_if(struct tr *t, LLVMValueRef cond, enum eng_trap k)
{
	LLVMBasicBlockRef cont = new_bb(t);
	LLVMValueRef br = L.LLVMBuildCondBr(t->b, cond, trap_block(t, k), cont);

	set_md(t, br, "prof", unlikely_md(t));
	L.LLVMPositionBuilderAtEnd(t->b, cont);
}

static LLVMValueRef intrinsic(struct tr *t, const char *name, LLVMTypeRef ty,
			      LLVMValueRef *args, unsigned n)
{
	unsigned id = L.LLVMLookupIntrinsicID(name, strlen(name));
	LLVMTypeRef over[1] = {ty};
	LLVMValueRef f = L.LLVMGetIntrinsicDeclaration(t->mod, id, over, 1);
	LLVMTypeRef fty = L.LLVMIntrinsicGetType(t->ctx, id, over, 1);

	return L.LLVMBuildCall2(t->b, fty, f, args, n, "");
}

static LLVMValueRef canon(struct tr *t, LLVMValueRef v, bool dbl)
{
	LLVMValueRef nan, isnan, sel;

	if (!t->canon)
		return v;
	nan = dbl ? L.LLVMConstBitCast(L.LLVMConstInt(t->ti64, UINT64_C(0x7ff8000000000000), false),
				     t->tf64)
		  : L.LLVMConstBitCast(L.LLVMConstInt(t->ti32, 0x7fc00000u, false), t->tf32);
	isnan = L.LLVMBuildFCmp(t->b, LLVMRealUNO, v, v, "");
	sel = L.LLVMBuildSelect(t->b, isnan, nan, v, "");
	/* NaNs are rare: the weights make LLVM emit a predictable branch
	 * instead of a blend on the value's dependency chain */
	set_md(t, sel, "prof", unlikely_md(t));
	return sel;
}

/* Whether v is certainly not a NaN: a non-NaN constant or a conversion
 * from an integer. */
static bool no_nan(LLVMValueRef v)
{
	LLVMOpcode op;
	LLVMBool lost;
	double d;

	if (L.LLVMIsAConstantFP(v)) {
		d = L.LLVMConstRealGetDouble(v, &lost);
		return d == d;
	}
	if (!L.LLVMIsAInstruction(v))
		return false;
	op = L.LLVMGetInstructionOpcode(v);
	return op == LLVMSIToFP || op == LLVMUIToFP;
}

/* Pops a value with its final bits (canonicalised if dirty). */
static LLVMValueRef popc(struct tr *t)
{
	LLVMValueRef v = pop(t);

	return t->pd ? canon(t, v, L.LLVMTypeOf(v) == t->tf64) : v;
}

/* Gives the top n values their final bits in place. */
static void clean_top(struct tr *t, uint32_t n)
{
	uint32_t i;

	for (i = t->vh - n; i < t->vh; i++) {
		if (!(t->vt[i] & DIRTY))
			continue;
		t->vs[i] = canon(t, t->vs[i], L.LLVMTypeOf(t->vs[i]) == t->tf64);
		t->vt[i] &= (uint8_t)~DIRTY;
	}
}

/* Block type -> params/results. */
static bool block_type(struct tr *t, int64_t bt, struct lbl *l)
{
	static const uint8_t one[4] = {ENG_I32, ENG_I64, ENG_F32, ENG_F64};

	l->np = 0;
	l->nr = 0;
	l->pt = NULL;
	l->rt = NULL;
	if (bt == -64)
		return true;
	if (bt < 0) {
		uint8_t v = (uint8_t)(bt & 0x7f);

		l->nr = 1;
		l->rt = v == ENG_I32 ? &one[0] : v == ENG_I64 ? &one[1] : v == ENG_F32 ? &one[2] :
										&one[3];
		return true;
	}
	if ((uint64_t)bt >= t->m->ntypes)
		return false;
	l->np = t->m->types[bt].nparams;
	l->nr = t->m->types[bt].nresults;
	l->pt = t->m->types[bt].types;
	l->rt = t->m->types[bt].types + l->np;
	return true;
}

static LLVMValueRef *allocas(struct tr *t, uint32_t n, const uint8_t *types)
{
	LLVMValueRef *v = calloc(n ? n : 1, sizeof(*v));
	uint32_t i;

	if (!v) {
		t->fail = true;
		return NULL;
	}
	for (i = 0; i < n; i++)
		v[i] = entry_alloca(t, lt(t, types[i]));
	return v;
}

static struct lbl *push_lbl(struct tr *t)
{
	struct lbl *l;

	if (t->ln == t->lcap) {
		uint32_t cap = t->lcap ? t->lcap * 2 : 16;
		struct lbl *n = realloc(t->ls, cap * sizeof(*n));

		if (!n) {
			t->fail = true;
			return NULL;
		}
		t->ls = n;
		t->lcap = cap;
	}
	l = &t->ls[t->ln++];
	memset(l, 0, sizeof(*l));
	return l;
}

static void free_lbl(struct lbl *l)
{
	free(l->slots);
	free(l->pv);
}

/* Stores the top n values into slots (the branch's values), not popping. */
static void store_top(struct tr *t, LLVMValueRef *slots, uint32_t n)
{
	uint32_t i;

	if (n > t->vh) {
		t->fail = true;
		return;
	}
	clean_top(t, n);
	for (i = 0; i < n; i++)
		L.LLVMBuildStore(t->b, t->vs[t->vh - n + i], slots[i]);
}

static struct lbl *label(struct tr *t, uint32_t depth)
{
	if (depth >= t->ln) {
		t->fail = true;
		return NULL;
	}
	return &t->ls[t->ln - 1 - depth];
}

/* Values a branch to l carries, stored in its slots. */
static void branch_values(struct tr *t, struct lbl *l)
{
	if (l->kind == OP_LOOP) {
		store_top(t, l->slots, l->np);
	} else {
		store_top(t, l->slots, l->nr);
		l->reached = true;
	}
}

static void load_slots(struct tr *t, LLVMValueRef *slots, uint32_t n, const uint8_t *types)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		push(t, types[i], L.LLVMBuildLoad2(t->b, lt(t, types[i]), slots[i], ""));
}

static void go_dead(struct tr *t)
{
	t->dead = true;
	cg_skip_dead(&t->r);
}

static void op_block(struct tr *t, uint8_t op)
{
	int64_t bt = cg_sleb(&t->r, 33);
	uint32_t base;
	struct lbl *l;
	LLVMValueRef cond = NULL;

	if (op == OP_IF)
		cond = L.LLVMBuildICmp(t->b, LLVMIntNE, pop(t), L.LLVMConstInt(t->ti32, 0, false), "");
	l = push_lbl(t);
	if (!l || !block_type(t, bt, l) || l->np > t->vh) {
		t->fail = true;
		return;
	}
	base = t->vh - l->np;
	l->kind = op;
	l->height = 0;
	if (op == OP_LOOP) {
		l->slots = allocas(t, l->np, l->pt);
		store_top(t, l->slots, l->np);
		l->target = new_bb(t);
		L.LLVMBuildBr(t->b, l->target);
		L.LLVMPositionBuilderAtEnd(t->b, l->target);
		t->vh = base;
		l->height = base;
		load_slots(t, l->slots, l->np, l->pt);
		return;
	}
	l->slots = allocas(t, l->nr, l->rt);
	l->target = new_bb(t);
	if (op == OP_IF) {
		LLVMBasicBlockRef then = new_bb(t);
		uint32_t i;

		l->else_bb = new_bb(t);
		clean_top(t, l->np);
		l->pv = calloc(l->np ? l->np : 1, sizeof(*l->pv));
		if (!l->pv) {
			t->fail = true;
			return;
		}
		for (i = 0; i < l->np; i++)
			l->pv[i] = t->vs[base + i];
		L.LLVMBuildCondBr(t->b, cond, then, l->else_bb);
		L.LLVMPositionBuilderAtEnd(t->b, then);
	}
	l->height = base;
}

/* Falls through into the end of l with its results (when reachable). */
static void fall_to_end(struct tr *t, struct lbl *l)
{
	if (t->dead)
		return;
	if (t->vh != l->height + l->nr) {
		t->fail = true;
		return;
	}
	store_top(t, l->slots, l->nr);
	l->reached = true;
	L.LLVMBuildBr(t->b, l->target);
}

static void op_else(struct tr *t)
{
	struct lbl *l = t->ln ? &t->ls[t->ln - 1] : NULL;
	uint32_t i;

	if (!l || l->kind != OP_IF || !l->else_bb) {
		t->fail = true;
		return;
	}
	fall_to_end(t, l);
	t->dead = false;
	L.LLVMPositionBuilderAtEnd(t->b, l->else_bb);
	l->else_bb = NULL;
	t->vh = l->height;
	for (i = 0; i < l->np; i++)
		push(t, l->pt[i], l->pv[i]);
}

#define ST_OFF(f) ((uint64_t)offsetof(struct eng_store, f))

/* The entry checks of cg_prologue, in the interpreter's order: call depth,
 * value-stack room for the frame, the logical stack counter. The tier's
 * functions carry the call depth and the counter in registers (their
 * parameters 3 and 4, as the caller had them): nothing reads the store's
 * copies while they run (they call no other code, and a trap makes
 * nat__run restore both), so only the wrapper, the entry from other code,
 * reads them. The limits are the store's. */
static void prologue(struct tr *t)
{
	const struct exec_module *em = t->m->exec;
	const struct xfunc *xf = &em->xfuncs[t->def_idx];
	LLVMValueRef d = L.LLVMGetParam(t->fn, 3), c = L.LLVMGetParam(t->fn, 4), max, end, top, s;

	s = inv_ld(t, t->tptr, byte_ptr(t, t->ni, offsetof(struct nat_inst, store)));
	max = inv_ld(t, t->ti32, byte_ptr(t, s, ST_OFF(cfg.max_call_depth)));
	trap_if(t, L.LLVMBuildICmp(t->b, LLVMIntUGE, d, max, ""), ENG_TRAP_CALL_STACK_EXHAUSTED);
	end = inv_ld(t, t->ti64, byte_ptr(t, s, ST_OFF(stack_end)));
	top = L.LLVMBuildAdd(t->b, L.LLVMBuildPtrToInt(t->b, t->frame, t->ti64, ""),
			   L.LLVMConstInt(t->ti64, xf->frame_bytes, false), "");
	trap_if(t, L.LLVMBuildICmp(t->b, LLVMIntUGT, top, end, ""), ENG_TRAP_CALL_STACK_EXHAUSTED);
	if (xf->cost) {
		c = L.LLVMBuildAdd(t->b, c, L.LLVMConstInt(t->ti64, xf->cost, false), "");
		trap_if(t, L.LLVMBuildICmp(t->b, LLVMIntUGT, c,
					 inv_ld(t, t->ti64, byte_ptr(t, s, ST_OFF(sl_limit))), ""),
			ENG_TRAP_STACK_LIMIT);
	}
	t->depth1 = L.LLVMBuildAdd(t->b, d, L.LLVMConstInt(t->ti32, 1, false), "");
	t->ctr1 = c;
}


/* A value as the interpreter keeps it in a slot: zero-extended bits. */
static LLVMValueRef slot_bits(struct tr *t, LLVMValueRef v, uint8_t ty)
{
	if (ty == ENG_F32)
		v = L.LLVMBuildBitCast(t->b, v, t->ti32, "");
	else if (ty == ENG_F64)
		v = L.LLVMBuildBitCast(t->b, v, t->ti64, "");
	if (ty == ENG_I32 || ty == ENG_F32)
		v = L.LLVMBuildZExt(t->b, v, t->ti64, "");
	return v;
}

/* Results of the function's label: a single one returned with the status,
 * several written over the parameters' slots. */
static void func_results(struct tr *t, struct lbl *l)
{
	uint32_t i;
	LLVMValueRef v, p;

	if (l->nr == 1) {
		LLVMValueRef r = L.LLVMGetUndef(L.LLVMGetReturnType(L.LLVMGlobalGetValueType(t->fn)));

		v = L.LLVMBuildLoad2(t->b, lt(t, l->rt[0]), l->slots[0], "");
		write_sink(t);
		r = L.LLVMBuildInsertValue(t->b, r, L.LLVMConstInt(t->ti32, 0, false), 0, "");
		r = L.LLVMBuildInsertValue(t->b, r, v, 1, "");
		L.LLVMBuildRet(t->b, r);
		return;
	}
	for (i = 0; i < l->nr; i++) {
		p = byte_ptr(t, t->frame, i * 8u);
		v = L.LLVMBuildLoad2(t->b, lt(t, l->rt[i]), l->slots[i], "");
		st(t, slot_bits(t, v, l->rt[i]), p);
	}
	write_sink(t);
	L.LLVMBuildRet(t->b, L.LLVMConstInt(t->ti32, 0, false));
}

/* Returns false at the function's end. */
static bool op_end(struct tr *t)
{
	struct lbl *l = t->ln ? &t->ls[t->ln - 1] : NULL;
	struct lbl done;
	uint32_t i;

	if (!l) {
		t->fail = true;
		return false;
	}
	if (l->kind == OP_LOOP) {
		/* the fallthrough carries the results on the stack as they are */
		if (!t->dead && t->vh != l->height + l->nr)
			t->fail = true;
	} else {
		fall_to_end(t, l);
		if (l->kind == OP_IF && l->else_bb) {
			/* no else: the params are the results */
			L.LLVMPositionBuilderAtEnd(t->b, l->else_bb);
			if (l->np != l->nr)
				t->fail = true;
			for (i = 0; i < l->nr && i < l->np; i++)
				L.LLVMBuildStore(t->b, l->pv[i], l->slots[i]);
			l->reached = true;
			L.LLVMBuildBr(t->b, l->target);
		}
		L.LLVMPositionBuilderAtEnd(t->b, l->target);
		t->vh = l->height;
		if (!l->reached)
			L.LLVMBuildUnreachable(t->b);     /* nothing arrives */
		else if (l->kind == 0)
			func_results(t, l);
		else
			load_slots(t, l->slots, l->nr, l->rt);
		t->dead = !l->reached;
	}
	done = *l;
	free_lbl(l);
	t->ln--;
	if (done.kind == 0)
		return false;
	if (t->dead) {
		/* the code after an end nothing reaches is dead up to the
		 * enclosing else or end */
		t->vh = done.height;
		cg_skip_dead(&t->r);
	}
	return true;
}

static void op_br(struct tr *t, uint32_t depth)
{
	struct lbl *l = label(t, depth);

	if (!l)
		return;
	branch_values(t, l);
	L.LLVMBuildBr(t->b, l->target);
	go_dead(t);
}

static void op_br_if(struct tr *t, uint32_t depth)
{
	LLVMValueRef c = L.LLVMBuildICmp(t->b, LLVMIntNE, pop(t), L.LLVMConstInt(t->ti32, 0, false), "");
	struct lbl *l = label(t, depth);
	LLVMBasicBlockRef cont;

	if (!l)
		return;
	branch_values(t, l);
	cont = new_bb(t);
	L.LLVMBuildCondBr(t->b, c, l->target, cont);
	L.LLVMPositionBuilderAtEnd(t->b, cont);
}

static void op_br_table(struct tr *t)
{
	uint32_t n = cg_u32(&t->r), i, d;
	uint32_t *ds = calloc((size_t)n + 1, sizeof(*ds));
	LLVMValueRef idx, sw;
	struct lbl *l;

	if (!ds) {
		t->fail = true;
		return;
	}
	for (i = 0; i <= n && !t->r.fail; i++)
		ds[i] = cg_u32(&t->r);
	idx = pop(t);
	for (i = 0; i <= n && !t->fail; i++) {
		l = label(t, ds[i]);
		if (l)
			branch_values(t, l);
	}
	if (t->fail || t->r.fail) {
		t->fail = true;
		free(ds);
		return;
	}
	d = ds[n];
	sw = L.LLVMBuildSwitch(t->b, idx, label(t, d)->target, n);
	for (i = 0; i < n; i++)
		L.LLVMAddCase(sw, L.LLVMConstInt(t->ti32, i, false), label(t, ds[i])->target);
	free(ds);
	go_dead(t);
}

static LLVMValueRef mem_addr(struct tr *t, LLVMValueRef addr, uint32_t offset)
{
	LLVMValueRef ea = L.LLVMBuildZExt(t->b, addr, t->ti64, "");

	if (offset)
		ea = L.LLVMBuildAdd(t->b, ea, L.LLVMConstInt(t->ti64, offset, false), "");
	return L.LLVMBuildGEP2(t->b, t->ti8, t->mem, &ea, 1, "");
}

static void op_load(struct tr *t, uint8_t op)
{
	/* 0x28..0x35: result type, memory type, signed */
	static const uint8_t rtype[14] = {ENG_I32, ENG_I64, ENG_F32, ENG_F64, ENG_I32, ENG_I32,
					  ENG_I32, ENG_I32, ENG_I64, ENG_I64, ENG_I64, ENG_I64,
					  ENG_I64, ENG_I64};
	static const uint8_t bits[14] = {0, 0, 0, 0, 8, 8, 16, 16, 8, 8, 16, 16, 32, 32};
	unsigned k = op - 0x28u;
	LLVMValueRef p, v, addr;
	LLVMTypeRef mt;
	uint32_t off;

	cg_u32(&t->r);
	off = cg_u32(&t->r);
	addr = pop(t);
	p = mem_addr(t, addr, off);
	mt = bits[k] == 8 ? t->ti8 : bits[k] == 16 ? t->ti16 : bits[k] == 32 ? t->ti32 :
								    lt(t, rtype[k]);
	v = ld(t, mt, p);
	L.LLVMSetAlignment(v, 1);
	access(t, addr, off, (bits[k] ? bits[k] : L.LLVMGetIntTypeWidth(
		L.LLVMTypeOf(v) == t->tf32 ? t->ti32 : L.LLVMTypeOf(v) == t->tf64 ? t->ti64 :
		L.LLVMTypeOf(v))) / 8u, v);
	if (bits[k]) {
		bool sgn = (k - 4) % 2 == 0;

		v = sgn ? L.LLVMBuildSExt(t->b, v, lt(t, rtype[k]), "")
			: L.LLVMBuildZExt(t->b, v, lt(t, rtype[k]), "");
	}
	push(t, rtype[k], v);
}

static LLVMValueRef fconst_bits(struct tr *t, bool dbl, uint64_t bits)
{
	return L.LLVMConstBitCast(L.LLVMConstInt(dbl ? t->ti64 : t->ti32, bits, false),
				dbl ? t->tf64 : t->tf32);
}

static void op_store(struct tr *t, uint8_t op)
{
	/* 0x36..0x3e */
	static const uint8_t bits[9] = {0, 0, 0, 0, 8, 16, 8, 16, 32};
	unsigned k = op - 0x36u;
	uint32_t off;
	LLVMValueRef v, p, addr;
	bool dirty;

	cg_u32(&t->r);
	off = cg_u32(&t->r);
	v = pop(t);
	dirty = t->pd;
	addr = pop(t);
	p = mem_addr(t, addr, off);
	access(t, addr, off, bits[k] ? bits[k] / 8u : (L.LLVMTypeOf(v) == t->ti32 ||
				L.LLVMTypeOf(v) == t->tf32 ? 4u : 8u), NULL);
	if (bits[k])
		v = L.LLVMBuildTrunc(t->b, v, L.LLVMIntTypeInContext(t->ctx, bits[k]), "");
	if (dirty && t->canon) {
		/* a dirty value is stored as it is and overwritten with the
		 * canonical NaN in the rare case it is a NaN: a compare and an
		 * untaken branch on the hot path */
		LLVMBasicBlockRef fix = new_bb(t), cont = new_bb(t);
		LLVMValueRef br;
		bool dbl = L.LLVMTypeOf(v) == t->tf64;

		L.LLVMSetAlignment(st(t, v, p), 1);
		br = L.LLVMBuildCondBr(t->b, L.LLVMBuildFCmp(t->b, LLVMRealUNO, v, v, ""), fix, cont);
		set_md(t, br, "prof", unlikely_md(t));
		L.LLVMPositionBuilderAtEnd(t->b, fix);
		L.LLVMSetAlignment(st(t, fconst_bits(t, dbl, dbl ? UINT64_C(0x7ff8000000000000) :
							 0x7fc00000u), p), 1);
		L.LLVMBuildBr(t->b, cont);
		L.LLVMPositionBuilderAtEnd(t->b, cont);
		return;
	}
	if (dirty)
		v = canon(t, v, L.LLVMTypeOf(v) == t->tf64);
	L.LLVMSetAlignment(st(t, v, p), 1);
}

static LLVMValueRef gptr(struct tr *t, uint32_t idx)
{
	LLVMValueRef g = ld(t, t->tptr, byte_ptr(t, t->ni, offsetof(struct nat_inst, gbits) +
						   idx * 8u));

	set_md(t, g, "invariant.load", L.LLVMMDNodeInContext(t->ctx, NULL, 0));
	return g;
}

static void op_global(struct tr *t, bool set)
{
	uint32_t idx = cg_u32(&t->r);
	uint8_t ty;
	LLVMValueRef g, v;

	if (idx >= t->m->nglobals_total) {
		t->fail = true;
		return;
	}
	ty = t->m->globals[idx].type.type;
	if (!nat__opt_num_type(ty)) {
		t->fail = true;
		return;
	}
	g = gptr(t, idx);
	if (!set) {
		push(t, ty, ld(t, lt(t, ty), g));
		return;
	}
	v = popc(t);
	if (ty == ENG_F32)
		v = L.LLVMBuildBitCast(t->b, v, t->ti32, "");
	else if (ty == ENG_F64)
		v = L.LLVMBuildBitCast(t->b, v, t->ti64, "");
	if (ty == ENG_I32 || ty == ENG_F32)
		v = L.LLVMBuildZExt(t->b, v, t->ti64, "");
	st(t, v, g);
}

static LLVMValueRef ci(struct tr *t, bool w64, uint64_t v)
{
	return L.LLVMConstInt(w64 ? t->ti64 : t->ti32, v, false);
}

static void int_unop(struct tr *t, unsigned k, bool w64)
{
	LLVMValueRef a = pop(t), args[2] = {a, L.LLVMConstInt(t->ti1, 0, false)};
	LLVMTypeRef ty = w64 ? t->ti64 : t->ti32;

	if (k == 0)
		push(t, w64 ? ENG_I64 : ENG_I32, intrinsic(t, "llvm.ctlz", ty, args, 2));
	else if (k == 1)
		push(t, w64 ? ENG_I64 : ENG_I32, intrinsic(t, "llvm.cttz", ty, args, 2));
	else
		push(t, w64 ? ENG_I64 : ENG_I32, intrinsic(t, "llvm.ctpop", ty, args, 1));
}

static void int_binop(struct tr *t, unsigned k, bool w64)
{
	LLVMValueRef b = pop(t), a = pop(t), r = NULL, zero = ci(t, w64, 0);
	LLVMValueRef mask = ci(t, w64, w64 ? 63 : 31), args[3];
	LLVMTypeRef ty = w64 ? t->ti64 : t->ti32;
	uint64_t min = w64 ? UINT64_C(1) << 63 : UINT64_C(1) << 31;

	if (k >= 3 && k <= 6)
		flush(t);         /* a trap check follows */
	switch (k) {
	case 0: r = L.LLVMBuildAdd(t->b, a, b, ""); break;
	case 1: r = L.LLVMBuildSub(t->b, a, b, ""); break;
	case 2: r = L.LLVMBuildMul(t->b, a, b, ""); break;
	case 3:     /* div_s */
		trap_if(t, L.LLVMBuildICmp(t->b, LLVMIntEQ, b, zero, ""), ENG_TRAP_DIV_ZERO);
		trap_if(t, L.LLVMBuildAnd(t->b, L.LLVMBuildICmp(t->b, LLVMIntEQ, a, ci(t, w64, min), ""),
					L.LLVMBuildICmp(t->b, LLVMIntEQ, b, L.LLVMConstAllOnes(ty), ""), ""),
			ENG_TRAP_INT_OVERFLOW);
		r = L.LLVMBuildSDiv(t->b, a, b, "");
		break;
	case 4:
		trap_if(t, L.LLVMBuildICmp(t->b, LLVMIntEQ, b, zero, ""), ENG_TRAP_DIV_ZERO);
		r = L.LLVMBuildUDiv(t->b, a, b, "");
		break;
	case 5: {   /* rem_s: x % -1 is 0 (and INT_MIN % -1 is not UB) */
		LLVMValueRef m1 = L.LLVMBuildICmp(t->b, LLVMIntEQ, b, L.LLVMConstAllOnes(ty), "");

		trap_if(t, L.LLVMBuildICmp(t->b, LLVMIntEQ, b, zero, ""), ENG_TRAP_DIV_ZERO);
		r = L.LLVMBuildSRem(t->b, a, L.LLVMBuildSelect(t->b, m1, ci(t, w64, 1), b, ""), "");
		break;
	}
	case 6:
		trap_if(t, L.LLVMBuildICmp(t->b, LLVMIntEQ, b, zero, ""), ENG_TRAP_DIV_ZERO);
		r = L.LLVMBuildURem(t->b, a, b, "");
		break;
	case 7: r = L.LLVMBuildAnd(t->b, a, b, ""); break;
	case 8: r = L.LLVMBuildOr(t->b, a, b, ""); break;
	case 9: r = L.LLVMBuildXor(t->b, a, b, ""); break;
	case 10: r = L.LLVMBuildShl(t->b, a, L.LLVMBuildAnd(t->b, b, mask, ""), ""); break;
	case 11: r = L.LLVMBuildAShr(t->b, a, L.LLVMBuildAnd(t->b, b, mask, ""), ""); break;
	case 12: r = L.LLVMBuildLShr(t->b, a, L.LLVMBuildAnd(t->b, b, mask, ""), ""); break;
	default:    /* rotl, rotr: funnel shifts take the count modulo the width */
		args[0] = a;
		args[1] = a;
		args[2] = b;
		r = intrinsic(t, k == 13 ? "llvm.fshl" : "llvm.fshr", ty, args, 3);
		break;
	}
	push(t, w64 ? ENG_I64 : ENG_I32, r);
}

static void int_cmp(struct tr *t, unsigned k)
{
	static const LLVMIntPredicate pred[10] = {LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntULT,
						  LLVMIntSGT, LLVMIntUGT, LLVMIntSLE, LLVMIntULE,
						  LLVMIntSGE, LLVMIntUGE};
	LLVMValueRef b = pop(t), a = pop(t);

	push(t, ENG_I32, L.LLVMBuildZExt(t->b, L.LLVMBuildICmp(t->b, pred[k], a, b, ""), t->ti32, ""));
}

static void float_cmp(struct tr *t, unsigned k)
{
	static const LLVMRealPredicate pred[6] = {LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT,
						  LLVMRealOGT, LLVMRealOLE, LLVMRealOGE};
	LLVMValueRef b = pop(t), a = pop(t);

	push(t, ENG_I32, L.LLVMBuildZExt(t->b, L.LLVMBuildFCmp(t->b, pred[k], a, b, ""), t->ti32, ""));
}


static void float_op(struct tr *t, unsigned k, bool dbl)
{
	static const char *const unary[5] = {"llvm.ceil", "llvm.floor", "llvm.trunc",
					     "llvm.nearbyint", "llvm.sqrt"};
	LLVMTypeRef ft = dbl ? t->tf64 : t->tf32, it = dbl ? t->ti64 : t->ti32;
	uint8_t vt = dbl ? ENG_F64 : ENG_F32;
	LLVMValueRef a, b, r, args[2];
	bool ad, bd;

	if (k <= 1) {                 /* abs, neg: bit operations */
		a = popc(t);
		push(t, vt, k == 0 ? intrinsic(t, "llvm.fabs", ft, &a, 1) : L.LLVMBuildFNeg(t->b, a, ""));
		return;
	}
	if (k <= 6) {
		a = pop(t);
		push_d(t, vt, intrinsic(t, unary[k - 2], ft, &a, 1));
		return;
	}
	b = pop(t);
	bd = t->pd;
	a = pop(t);
	ad = t->pd;
	switch (k) {
	case 7: r = L.LLVMBuildFAdd(t->b, a, b, ""); break;
	case 8: r = L.LLVMBuildFSub(t->b, a, b, ""); break;
	case 9: r = L.LLVMBuildFMul(t->b, a, b, ""); break;
	case 10: r = L.LLVMBuildFDiv(t->b, a, b, ""); break;
	case 11: case 12: {
		/* numeric.h: a NaN operand gives a + b; equal operands (zeros of
		 * either sign) OR (min) or AND (max) the bits */
		LLVMValueRef ia = L.LLVMBuildBitCast(t->b, a, it, ""), ib = L.LLVMBuildBitCast(t->b, b, it, "");
		LLVMValueRef eqv = L.LLVMBuildBitCast(t->b, k == 11 ? L.LLVMBuildOr(t->b, ia, ib, "")
								  : L.LLVMBuildAnd(t->b, ia, ib, ""), ft, "");
		LLVMValueRef lt_ = L.LLVMBuildSelect(t->b, L.LLVMBuildFCmp(t->b, k == 11 ? LLVMRealOLT :
								      LLVMRealOGT, a, b, ""), a, b, "");
		LLVMValueRef eq = L.LLVMBuildFCmp(t->b, LLVMRealOEQ, a, b, "");
		LLVMValueRef uno = L.LLVMBuildFCmp(t->b, LLVMRealUNO, a, b, "");

		r = L.LLVMBuildSelect(t->b, uno, L.LLVMBuildFAdd(t->b, a, b, ""),
				    L.LLVMBuildSelect(t->b, eq, eqv, lt_, ""), "");
		break;
	}
	default:      /* copysign: bits of both operands */
		args[0] = ad ? canon(t, a, dbl) : a;
		args[1] = bd ? canon(t, b, dbl) : b;
		push(t, vt, intrinsic(t, "llvm.copysign", ft, args, 2));
		return;
	}
	push_d(t, vt, r);
}

/* Trapping float -> int: NaN, then the range (exclusive bounds lo < x < hi). */
static void trunc_op(struct tr *t, bool src64, bool dst64, bool sgn)
{
	LLVMValueRef a = pop(t), lo, hi;
	double l, h;

	if (sgn) {
		h = dst64 ? 9223372036854775808.0 : 2147483648.0;
		l = dst64 ? -9223372036854775808.0 : -2147483648.0;
		/* the lowest valid value is exactly representable except as
		 * f64 -> i32, where anything above -2^31 - 1 truncates into range */
		if (!dst64 && src64)
			l = -2147483649.0;
	} else {
		h = dst64 ? 18446744073709551616.0 : 4294967296.0;
		l = -1.0;
	}
	flush(t);
	trap_if(t, L.LLVMBuildFCmp(t->b, LLVMRealUNO, a, a, ""), ENG_TRAP_INVALID_CONVERSION);
	lo = L.LLVMConstReal(src64 ? t->tf64 : t->tf32, l);
	hi = L.LLVMConstReal(src64 ? t->tf64 : t->tf32, h);
	if (sgn && !(!dst64 && src64))
		trap_if(t, L.LLVMBuildOr(t->b, L.LLVMBuildFCmp(t->b, LLVMRealOLT, a, lo, ""),
				       L.LLVMBuildFCmp(t->b, LLVMRealOGE, a, hi, ""), ""),
			ENG_TRAP_INT_OVERFLOW);
	else
		trap_if(t, L.LLVMBuildOr(t->b, L.LLVMBuildFCmp(t->b, LLVMRealOLE, a, lo, ""),
				       L.LLVMBuildFCmp(t->b, LLVMRealOGE, a, hi, ""), ""),
			ENG_TRAP_INT_OVERFLOW);
	push(t, dst64 ? ENG_I64 : ENG_I32,
	     sgn ? L.LLVMBuildFPToSI(t->b, a, dst64 ? t->ti64 : t->ti32, "")
		 : L.LLVMBuildFPToUI(t->b, a, dst64 ? t->ti64 : t->ti32, ""));
}

static void conv_op(struct tr *t, uint8_t op)
{
	LLVMValueRef a;

	switch (op) {
	case 0xa7: push(t, ENG_I32, L.LLVMBuildTrunc(t->b, pop(t), t->ti32, "")); return;
	case 0xa8: trunc_op(t, false, false, true); return;
	case 0xa9: trunc_op(t, false, false, false); return;
	case 0xaa: trunc_op(t, true, false, true); return;
	case 0xab: trunc_op(t, true, false, false); return;
	case 0xac: push(t, ENG_I64, L.LLVMBuildSExt(t->b, pop(t), t->ti64, "")); return;
	case 0xad: push(t, ENG_I64, L.LLVMBuildZExt(t->b, pop(t), t->ti64, "")); return;
	case 0xae: trunc_op(t, false, true, true); return;
	case 0xaf: trunc_op(t, false, true, false); return;
	case 0xb0: trunc_op(t, true, true, true); return;
	case 0xb1: trunc_op(t, true, true, false); return;
	case 0xb2: case 0xb4: push(t, ENG_F32, L.LLVMBuildSIToFP(t->b, pop(t), t->tf32, "")); return;
	case 0xb3: case 0xb5: push(t, ENG_F32, L.LLVMBuildUIToFP(t->b, pop(t), t->tf32, "")); return;
	case 0xb6:
		push_d(t, ENG_F32, L.LLVMBuildFPTrunc(t->b, pop(t), t->tf32, ""));
		return;
	case 0xb7: case 0xb9: push(t, ENG_F64, L.LLVMBuildSIToFP(t->b, pop(t), t->tf64, "")); return;
	case 0xb8: case 0xba: push(t, ENG_F64, L.LLVMBuildUIToFP(t->b, pop(t), t->tf64, "")); return;
	case 0xbb:
		push_d(t, ENG_F64, L.LLVMBuildFPExt(t->b, pop(t), t->tf64, ""));
		return;
	case 0xbc: push(t, ENG_I32, L.LLVMBuildBitCast(t->b, popc(t), t->ti32, "")); return;
	case 0xbd: push(t, ENG_I64, L.LLVMBuildBitCast(t->b, popc(t), t->ti64, "")); return;
	case 0xbe: push(t, ENG_F32, L.LLVMBuildBitCast(t->b, pop(t), t->tf32, "")); return;
	case 0xbf: push(t, ENG_F64, L.LLVMBuildBitCast(t->b, pop(t), t->tf64, "")); return;
	default:    /* 0xc0..0xc4: sign extension in place */
		a = pop(t);
		{
			static const unsigned from[5] = {8, 16, 8, 16, 32};
			bool w64 = op >= 0xc2;
			LLVMTypeRef ty = w64 ? t->ti64 : t->ti32;
			LLVMValueRef n = L.LLVMBuildTrunc(t->b, a, L.LLVMIntTypeInContext(t->ctx,
								from[op - 0xc0]), "");

			push(t, w64 ? ENG_I64 : ENG_I32, L.LLVMBuildSExt(t->b, n, ty, ""));
		}
		return;
	}
}

static void numeric(struct tr *t, uint8_t op)
{
	if (op == 0x45 || op == 0x50) {
		bool w64 = op == 0x50;

		push(t, ENG_I32, L.LLVMBuildZExt(t->b, L.LLVMBuildICmp(t->b, LLVMIntEQ, pop(t),
								   ci(t, w64, 0), ""), t->ti32, ""));
	} else if (op >= 0x46 && op <= 0x4f) {
		int_cmp(t, op - 0x46u);
	} else if (op >= 0x51 && op <= 0x5a) {
		int_cmp(t, op - 0x51u);
	} else if (op >= 0x5b && op <= 0x60) {
		float_cmp(t, op - 0x5bu);
	} else if (op >= 0x61 && op <= 0x66) {
		float_cmp(t, op - 0x61u);
	} else if (op >= 0x67 && op <= 0x69) {
		int_unop(t, op - 0x67u, false);
	} else if (op >= 0x6a && op <= 0x78) {
		int_binop(t, op - 0x6au, false);
	} else if (op >= 0x79 && op <= 0x7b) {
		int_unop(t, op - 0x79u, true);
	} else if (op >= 0x7c && op <= 0x8a) {
		int_binop(t, op - 0x7cu, true);
	} else if (op >= 0x8b && op <= 0x98) {
		float_op(t, op - 0x8bu, false);
	} else if (op >= 0x99 && op <= 0xa6) {
		float_op(t, op - 0x99u, true);
	} else {
		conv_op(t, op);
	}
}

/* A direct call of a function of the tier, with the single-pass code's
 * frame layout: the arguments in the slots of this frame's operand homes
 * where they lie, which become the callee's parameters and then its
 * results. A trap returns through every caller. */
static void op_call(struct tr *t, uint32_t f)
{
	const struct eng__functype *ft;
	LLVMValueRef callee, args[64], status, ret, br;
	LLVMBasicBlockRef out, cont;
	uint32_t def, base, k;

	if (f < t->m->nfunc_imports || f >= t->m->nfuncs_total ||
	    !t->fns[f - t->m->nfunc_imports]) {
		t->fail = true;
		return;
	}
	def = f - t->m->nfunc_imports;
	ft = &t->m->types[t->m->func_type_idx[f]];
	if (ft->nparams > t->vh || ft->nparams > 59) {
		t->fail = true;
		return;
	}
	if (t->ncallees == t->ccap) {
		uint32_t cap = t->ccap ? t->ccap * 2 : 16;
		uint32_t *v = realloc(t->callees, cap * sizeof(*v));

		if (!v) {
			t->fail = true;
			return;
		}
		t->callees = v;
		t->ccap = cap;
	}
	t->callees[t->ncallees++] = def;
	callee = t->fns[def];
	flush(t);
	clean_top(t, ft->nparams);
	base = t->vh - ft->nparams;
	/* the callee's frame: where the single-pass code puts it */
	args[0] = byte_ptr(t, t->frame, (uint64_t)(t->nlocals + base) * 8u);
	args[1] = t->ni;
	args[2] = t->mem;
	args[3] = t->depth1;
	args[4] = t->ctr1;
	for (k = 0; k < ft->nparams && k < 59; k++)
		args[5 + k] = t->vs[base + k];
	ret = L.LLVMBuildCall2(t->b, L.LLVMGlobalGetValueType(callee), callee, args,
			     5 + ft->nparams, "");
	status = one_result(ft) ? L.LLVMBuildExtractValue(t->b, ret, 0, "") : ret;
	out = new_bb(t);
	cont = new_bb(t);
	br = L.LLVMBuildCondBr(t->b, L.LLVMBuildICmp(t->b, LLVMIntNE, status,
						 L.LLVMConstInt(t->ti32, 0, false), ""), out, cont);
	set_md(t, br, "prof", unlikely_md(t));
	L.LLVMPositionBuilderAtEnd(t->b, out);
	write_sink(t);
	ret_status(t, status);
	L.LLVMPositionBuilderAtEnd(t->b, cont);
	t->vh = base;
	if (one_result(ft)) {
		push(t, ft->types[ft->nparams], L.LLVMBuildExtractValue(t->b, ret, 1, ""));
		return;
	}
	for (k = 0; k < ft->nresults; k++) {
		uint8_t ty = ft->types[ft->nparams + k];

		push(t, ty, ld(t, lt(t, ty), byte_ptr(t, args[0], k * 8u)));
	}
}

static void body(struct tr *t)
{
	uint8_t op, ty;
	uint32_t idx;
	LLVMValueRef a, b, c;
	bool bd;

	while (!t->fail && !t->r.fail) {
		if (t->r.p >= t->r.end) {
			t->fail = true;
			return;
		}
		op = cg_byte(&t->r);
		if ((op <= OP_RETURN && op != OP_NOP) || op == OP_END) {
			/* control: the pending loads go into the sums here, and a
			 * merge point ends the region local values are known in */
			flush(t);
			if (op == OP_LOOP || op == OP_ELSE || op == OP_END)
				memset(t->cur, 0, t->nlocals * sizeof(*t->cur));
		}
		switch (op) {
		case OP_UNREACHABLE:
			L.LLVMBuildBr(t->b, trap_block(t, ENG_TRAP_UNREACHABLE));
			go_dead(t);
			break;
		case OP_NOP:
			break;
		case OP_BLOCK: case OP_LOOP: case OP_IF:
			op_block(t, op);
			break;
		case OP_ELSE:
			op_else(t);
			break;
		case OP_END:
			if (!op_end(t))
				return;
			break;
		case OP_BR:
			op_br(t, cg_u32(&t->r));
			break;
		case OP_BR_IF:
			op_br_if(t, cg_u32(&t->r));
			break;
		case OP_BR_TABLE:
			op_br_table(t);
			break;
		case OP_RETURN:
			op_br(t, t->ln - 1);
			break;
		case OP_CALL:
			op_call(t, cg_u32(&t->r));
			break;
		case OP_DROP:
			pop(t);
			break;
		case OP_SELECT: case OP_SELECT_T:
			if (op == OP_SELECT_T) {
				cg_u32(&t->r);
				cg_byte(&t->r);
			}
			c = pop(t);
			b = pop(t);
			bd = t->pd;
			if (t->vh == 0) {
				t->fail = true;
				break;
			}
			a = pop(t);
			ty = t->vt[t->vh];
			if (t->pd != bd) {
				/* one side dirty: both get their final bits */
				if (bd)
					b = canon(t, b, L.LLVMTypeOf(b) == t->tf64);
				else
					a = canon(t, a, L.LLVMTypeOf(a) == t->tf64);
				ty &= (uint8_t)~DIRTY;
			}
			push(t, ty, L.LLVMBuildSelect(t->b, L.LLVMBuildICmp(t->b, LLVMIntNE, c,
						L.LLVMConstInt(t->ti32, 0, false), ""), a, b, ""));
			break;
		case OP_LOCAL_GET:
			idx = cg_u32(&t->r);
			if (idx >= t->nlocals) {
				t->fail = true;
				break;
			}
			if (!t->cur[idx]) {
				t->cur[idx] = L.LLVMBuildLoad2(t->b, lt(t, t->ltypes[idx]),
							     t->locals[idx], "");
				t->curd[idx] = t->ldirty[idx];
			}
			if (t->curd[idx])
				push_d(t, t->ltypes[idx], t->cur[idx]);
			else
				push(t, t->ltypes[idx], t->cur[idx]);
			break;
		case OP_LOCAL_SET: case OP_LOCAL_TEE:
			idx = cg_u32(&t->r);
			if (idx >= t->nlocals) {
				t->fail = true;
				break;
			}
			/* the value keeps its flag while the region knows it; the
			 * slot read after a merge point holds values of the local's
			 * kind: a dirty local takes dirty values and values that
			 * are no NaN (anything else makes it clean, and the
			 * function is translated again), a clean one final bits */
			a = pop(t);
			bd = t->pd;
			if (t->ldirty[idx] && !bd && !no_nan(a)) {
				t->ldirty[idx] = false;
				t->retry = true;
			}
			L.LLVMBuildStore(t->b, bd && !t->ldirty[idx] ?
				       canon(t, a, L.LLVMTypeOf(a) == t->tf64) : a, t->locals[idx]);
			t->cur[idx] = a;
			t->curd[idx] = bd;
			if (op == OP_LOCAL_TEE && bd)
				push_d(t, t->ltypes[idx], a);
			else if (op == OP_LOCAL_TEE)
				push(t, t->ltypes[idx], a);
			break;
		case OP_GLOBAL_GET: case OP_GLOBAL_SET:
			op_global(t, op == OP_GLOBAL_SET);
			break;
		case OP_I32_CONST:
			push(t, ENG_I32, L.LLVMConstInt(t->ti32, (uint32_t)cg_sleb(&t->r, 32), false));
			break;
		case OP_I64_CONST:
			push(t, ENG_I64, L.LLVMConstInt(t->ti64, (uint64_t)cg_sleb(&t->r, 64), false));
			break;
		case OP_F32_CONST:
			push(t, ENG_F32, fconst_bits(t, false, cg_fixed(&t->r, 4)));
			break;
		case OP_F64_CONST:
			push(t, ENG_F64, fconst_bits(t, true, cg_fixed(&t->r, 8)));
			break;
		case 0x3f: {      /* memory.size */
			LLVMValueRef mp = ld(t, t->tptr, byte_ptr(t, t->ni,
							offsetof(struct nat_inst, mem)));
			LLVMValueRef sz = ld(t, t->ti64, byte_ptr(t, mp,
							offsetof(struct eng_memory, size)));

			cg_byte(&t->r);
			push(t, ENG_I32, L.LLVMBuildTrunc(t->b, L.LLVMBuildLShr(t->b, sz,
					L.LLVMConstInt(t->ti64, 16, false), ""), t->ti32, ""));
			break;
		}
		default:
			if (op >= 0x28 && op <= 0x35)
				op_load(t, op);
			else if (op >= 0x36 && op <= 0x3e)
				op_store(t, op);
			else if (op >= 0x45 && op <= 0xc4)
				numeric(t, op);
			else
				t->fail = true;
			break;
		}
	}
	t->fail = true;
}

static void add_attr(struct tr *t, LLVMValueRef f, unsigned idx, const char *name)
{
	unsigned kind = L.LLVMGetEnumAttributeKindForName(name, strlen(name));

	L.LLVMAddAttributeAtIndex(f, idx, L.LLVMCreateEnumAttribute(t->ctx, kind, 0));
}

/* Whether fn has a load (functions without write no load sums). */
static bool loads_memory(const struct eng__func *fn)
{
	struct cg r;
	uint8_t op;

	memset(&r, 0, sizeof(r));
	r.p = fn->code;
	r.end = fn->code + fn->code_len;
	while (r.p < r.end && !r.fail) {
		op = cg_byte(&r);
		if (op >= 0x28 && op <= 0x35)
			return true;
		if (op >= 0x28 && op <= 0x3e) {
			cg_u32(&r);
			cg_u32(&r);
		} else {
			cg_skip_imm(&r, op);
		}
	}
	return r.fail;
}

static void fn_attrs(struct tr *t, LLVMValueRef f)
{
	add_attr(t, f, LLVMAttributeFunctionIndex, "nounwind");
	add_attr(t, f, LLVMAttributeFunctionIndex, "nofree");
	add_attr(t, f, 1, "noalias");
	add_attr(t, f, 3, "noalias");
	L.LLVMAddTargetDependentFunctionAttr(f, "no-builtins", "");
	L.LLVMAddTargetDependentFunctionAttr(f, "frame-pointer", "none");
	/* frames of a page or more touch every page: never past the guard
	 * page of the native stack */
	L.LLVMAddTargetDependentFunctionAttr(f, "probe-stack", "inline-asm");
}

/* Function i back to a declaration: a new one takes the old one's uses
 * and name (deleting basic blocks one by one would leave uses of deleted
 * instructions; deleting the function drops every reference first). */
void nat__opt_clear_body(struct tr *t, uint32_t i)
{
	LLVMValueRef old = t->fns[i], f;
	size_t len;
	char *name = strdup(L.LLVMGetValueName2(old, &len));

	if (!name) {
		/* keep it: a body that fails to verify drops the whole module */
		t->oom = true;
		return;
	}
	f = L.LLVMAddFunction(t->mod, "", L.LLVMGlobalGetValueType(old));
	L.LLVMSetLinkage(f, L.LLVMGetLinkage(old));
	fn_attrs(t, f);
	L.LLVMReplaceAllUsesWith(old, f);
	L.LLVMDeleteFunction(old);
	L.LLVMSetValueName2(f, name, strlen(name));
	free(name);
	t->fns[i] = f;
}

static bool translate(struct tr *t, uint32_t i, bool *ldirty)
{
	const struct eng__func *fn = &t->m->funcs[i];
	const struct eng__functype *ft = &t->m->types[fn->type_idx];
	uint32_t k;
	struct lbl *l;
	LLVMBasicBlockRef start;
	bool ok;

	t->fn = t->fns[i];
	t->def_idx = i;
	t->frame = L.LLVMGetParam(t->fn, 0);
	t->ni = L.LLVMGetParam(t->fn, 1);
	t->mem = L.LLVMGetParam(t->fn, 2);
	t->entry = new_bb(t);
	L.LLVMPositionBuilderAtEnd(t->b, t->entry);
	memset(t->trap_bb, 0, sizeof(t->trap_bb));
	t->nlocals = ft->nparams + fn->nlocals;
	t->ltypes = malloc(t->nlocals ? t->nlocals : 1);
	t->locals = calloc(t->nlocals ? t->nlocals : 1, sizeof(*t->locals));
	t->cur = calloc(t->nlocals ? t->nlocals : 1, sizeof(*t->cur));
	t->curd = calloc(t->nlocals ? t->nlocals : 1, sizeof(*t->curd));
	t->npend = 0;
	t->ncallees = 0;
	t->has_loads = loads_memory(fn);
	t->ldirty = ldirty;
	t->retry = false;
	t->vh = 0;
	t->ln = 0;
	t->dead = false;
	t->fail = false;
	memset(&t->r, 0, sizeof(t->r));
	t->r.p = fn->code;
	t->r.end = fn->code + fn->code_len;
	if (!t->ltypes || !t->locals || !t->cur || !t->curd) {
		t->fail = true;
		goto out;
	}
	for (k = 0; k < t->nlocals; k++) {
		LLVMValueRef v;

		t->ltypes[k] = k < ft->nparams ? ft->types[k] : fn->local_types[k - ft->nparams];
		t->locals[k] = L.LLVMBuildAlloca(t->b, lt(t, t->ltypes[k]), "");
		if (k < ft->nparams) {
			v = L.LLVMGetParam(t->fn, 5 + k);
		} else {
			v = L.LLVMConstNull(lt(t, t->ltypes[k]));
		}
		L.LLVMBuildStore(t->b, v, t->locals[k]);
	}
	for (k = 0; k < 4; k++) {
		static const unsigned bits[4] = {8, 16, 32, 64};
		LLVMTypeRef ty = L.LLVMIntTypeInContext(t->ctx, bits[k]);

		t->acc[k] = L.LLVMBuildAlloca(t->b, ty, "");
		L.LLVMBuildStore(t->b, L.LLVMConstNull(ty), t->acc[k]);
	}
	l = push_lbl(t);
	if (!l)
		goto out;
	l->kind = 0;
	l->nr = ft->nresults;
	l->rt = ft->types + ft->nparams;
	l->slots = allocas(t, l->nr, l->rt);
	l->target = new_bb(t);
	l->height = 0;
	/* the entry block holds the allocas; the body starts after it */
	start = new_bb(t);
	L.LLVMBuildBr(t->b, start);
	L.LLVMPositionBuilderAtEnd(t->b, start);
	prologue(t);
	body(t);
	/* body() leaves fail set unless it returned at the function's end */
out:
	ok = !t->fail && !t->retry && t->ln == 0 && t->r.p == t->r.end && !t->r.fail;
	while (t->ln > 0)
		free_lbl(&t->ls[--t->ln]);
	free(t->ltypes);
	free(t->locals);
	free(t->cur);
	free(t->curd);
	t->cur = NULL;
	t->curd = NULL;
	t->ltypes = NULL;
	t->locals = NULL;
	if (!ok)
		nat__opt_clear_body(t, i);
	return ok;
}

/* Translates function i. Float locals start out dirty (their values need
 * canonicalisation only where the bits become observable); a local that
 * gets a value with exact bits (a parameter's, a load's) is made clean and
 * the function translated again, at most once per local. */
bool nat__opt_translate(struct tr *t, uint32_t i)
{
	const struct eng__func *fn = &t->m->funcs[i];
	const struct eng__functype *ft = &t->m->types[fn->type_idx];
	uint32_t n = ft->nparams + fn->nlocals, k, tries;
	bool *ldirty = calloc(n ? n : 1, sizeof(*ldirty)), ok = false;

	if (!ldirty)
		return false;
	for (k = ft->nparams; k < n; k++)
		ldirty[k] = t->canon && (fn->local_types[k - ft->nparams] == ENG_F32 ||
					 fn->local_types[k - ft->nparams] == ENG_F64);
	for (tries = 0; tries <= n && !ok; tries++) {
		ok = translate(t, i, ldirty);
		if (!ok && !t->retry)
			break;
	}
	free(ldirty);
	return ok;
}


/* The internal function of defined function i: (frame, ni, memory base,
 * the parameters) returning the status, or {status, result} for a single
 * result (several results go to the frame's slots). */
LLVMValueRef nat__opt_declare(struct tr *t, uint32_t i)
{
	const struct eng__functype *ft = &t->m->types[t->m->funcs[i].type_idx];
	LLVMTypeRef p[64], r, fty;
	LLVMValueRef f;
	char name[24];
	uint32_t k;

	p[0] = t->tptr;
	p[1] = t->tptr;
	p[2] = t->tptr;
	p[3] = t->ti32;
	p[4] = t->ti64;
	for (k = 0; k < ft->nparams; k++)
		p[5 + k] = lt(t, ft->types[k]);
	if (one_result(ft)) {
		LLVMTypeRef two[2] = {t->ti32, lt(t, ft->types[ft->nparams])};

		r = L.LLVMStructTypeInContext(t->ctx, two, 2, false);
	} else {
		r = t->ti32;
	}
	fty = L.LLVMFunctionType(r, p, 5 + ft->nparams, false);
	snprintf(name, sizeof(name), "w%u", i);
	f = L.LLVMAddFunction(t->mod, name, fty);
	L.LLVMSetLinkage(f, LLVMInternalLinkage);
	fn_attrs(t, f);
	return f;
}

/* The entry the single-pass stub calls, "f<i>": uint32_t (frame, ni,
 * memory base), parameters and results in the frame's slots. */
void nat__opt_wrapper(struct tr *t, uint32_t i, LLVMTypeRef fty)
{
	const struct eng__functype *ft = &t->m->types[t->m->funcs[i].type_idx];
	LLVMValueRef f, a[64], r, status, store;
	char name[24];
	uint32_t k;

	snprintf(name, sizeof(name), "f%u", i);
	f = L.LLVMAddFunction(t->mod, name, fty);
	L.LLVMSetVisibility(f, LLVMHiddenVisibility);
	fn_attrs(t, f);
	L.LLVMPositionBuilderAtEnd(t->b, L.LLVMAppendBasicBlockInContext(t->ctx, f, ""));
	a[0] = L.LLVMGetParam(f, 0);
	a[1] = L.LLVMGetParam(f, 1);
	a[2] = L.LLVMGetParam(f, 2);
	store = ld(t, t->tptr, byte_ptr(t, a[1], offsetof(struct nat_inst, store)));
	a[3] = ld(t, t->ti32, byte_ptr(t, store, ST_OFF(depth)));
	a[4] = ld(t, t->ti64, byte_ptr(t, store, ST_OFF(sl_counter)));
	for (k = 0; k < ft->nparams; k++)
		a[5 + k] = ld(t, lt(t, ft->types[k]), byte_ptr(t, a[0], k * 8u));
	r = L.LLVMBuildCall2(t->b, L.LLVMGlobalGetValueType(t->fns[i]), t->fns[i], a,
			   5 + ft->nparams, "");
	status = r;
	if (one_result(ft)) {
		/* the result slot only on success: a trapped call's frame may
		 * lie at the very end of the value stack */
		LLVMBasicBlockRef ok = L.LLVMAppendBasicBlockInContext(t->ctx, f, "");
		LLVMBasicBlockRef out = L.LLVMAppendBasicBlockInContext(t->ctx, f, "");

		status = L.LLVMBuildExtractValue(t->b, r, 0, "");
		L.LLVMBuildCondBr(t->b, L.LLVMBuildICmp(t->b, LLVMIntEQ, status,
						    L.LLVMConstInt(t->ti32, 0, false), ""), ok, out);
		L.LLVMPositionBuilderAtEnd(t->b, ok);
		st(t, slot_bits(t, L.LLVMBuildExtractValue(t->b, r, 1, ""), ft->types[ft->nparams]),
		   a[0]);
		L.LLVMBuildBr(t->b, out);
		L.LLVMPositionBuilderAtEnd(t->b, out);
	}
	L.LLVMBuildRet(t->b, status);
}
