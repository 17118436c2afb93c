/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: function entry/exit, structured control flow and calls
 * (docs/compiler.md §3). Entry checks are the interpreter's, in its order:
 * call depth, value-stack room for the frame, logical stack counter.
 */
#include <stdlib.h>
#include <string.h>

#include "cg.h"

#define ST_OFF(f) ((int32_t)offsetof(struct eng_store, f))

/* ---- entry and exit ------------------------------------------------------------- */

void cg_prologue(struct cg *c)
{
	struct asmbuf *a = c->a;
	uint32_t cost = c->xf->cost, nl = c->fn->nlocals, i, nz = 0;
	int32_t off0 = local_off(c->ft->nparams);

	alu_ri(a, ALU_SUB, true, RSP, 8);
	mov_rm(a, false, RAX, xm(RBX, ST_OFF(depth)));
	alu_rm(a, ALU_CMP, false, RAX, xm(RBX, ST_OFF(cfg.max_call_depth)));
	cg_trap_if(c, CC_AE, ENG_TRAP_CALL_STACK_EXHAUSTED);
	lea(a, RAX, xm(R14, (int32_t)c->xf->frame_bytes));
	alu_rm(a, ALU_CMP, true, RAX, xm(RBX, ST_OFF(stack_end)));
	cg_trap_if(c, CC_A, ENG_TRAP_CALL_STACK_EXHAUSTED);
	if (cost) {
		/* counted even with the limiter off (sl_limit = UINT64_MAX then:
		 * the compare never trips, and the epilogue takes it back), so
		 * there is no test of the limit's presence */
		mov_ri64(a, GPR_SCRATCH, cost);
		alu_rm(a, ALU_ADD, true, GPR_SCRATCH, xm(RBX, ST_OFF(sl_counter)));
		alu_rm(a, ALU_CMP, true, GPR_SCRATCH, xm(RBX, ST_OFF(sl_limit)));
		cg_trap_if(c, CC_A, ENG_TRAP_STACK_LIMIT);
		mov_mr(a, true, xm(RBX, ST_OFF(sl_counter)), GPR_SCRATCH);
	}
	x_rm(a, 0, false, 0xff, 0, xm(RBX, ST_OFF(depth)), false);   /* inc dword */
	/* declared locals start at zero: pinned ones in their registers
	 * (cg_pins_init), the others in their slots */
	for (i = 0; i < nl; i++)
		nz += c->lreg[c->ft->nparams + i] == NOREG;
	if (nz > 0 && nz <= 8) {
		mov_ri32(a, RAX, 0);
		for (i = 0; i < nl; i++)
			if (c->lreg[c->ft->nparams + i] == NOREG)
				mov_mr(a, true, xm(R14, off0 + (int32_t)(i * 8)), RAX);
	} else if (nz > 8) {
		lea(a, RDI, xm(R14, off0));
		mov_ri32(a, RCX, nl);
		mov_ri32(a, RAX, 0);
		rep_stosq(a);
	}
	c->mem_valid = false;
	if (c->uses_mem)
		cg_reload_mem(c);
	cg_pins_init(c);
}

static void epilogue(struct cg *c)
{
	struct asmbuf *a = c->a;
	uint32_t cost = c->xf->cost;

	x_rm(a, 0, false, 0xff, 1, xm(RBX, ST_OFF(depth)), false);   /* dec dword */
	if (cost && cost <= INT32_MAX) {
		alu_mi(a, ALU_SUB, true, xm(RBX, ST_OFF(sl_counter)), (int32_t)cost);
	} else if (cost) {
		mov_ri64(a, GPR_SCRATCH, cost);
		alu_mr(a, ALU_SUB, true, xm(RBX, ST_OFF(sl_counter)), GPR_SCRATCH);
	}
	alu_ri(a, ALU_ADD, true, RSP, 8);
	ret(a);
}

/* ---- control frames ------------------------------------------------------------- */

static struct ctl *push_ctl(struct cg *c, uint8_t kind)
{
	struct ctl *f;

	if (c->cn == c->ccap) {
		uint32_t cap = c->ccap ? c->ccap * 2 : 16;

		f = realloc(c->cs, (size_t)cap * sizeof(*f));
		if (!f) {
			c->fail = true;
			return NULL;
		}
		c->cs = f;
		c->ccap = cap;
	}
	f = &c->cs[c->cn++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	return f;
}

static struct ctl *label(struct cg *c, uint32_t depth)
{
	if (depth >= c->cn) {
		c->fail = true;
		return NULL;
	}
	return &c->cs[c->cn - 1 - depth];
}

static uint32_t arity(const struct ctl *t)
{
	return t->kind == CK_LOOP ? t->np : t->nr;
}

static void resolve(struct cg *c, struct ctl *f)
{
	uint32_t i = f->fix;

	while (i && !c->fail) {
		patch_rel32(c->a, c->fx[i - 1].field, c->a->len);
		i = c->fx[i - 1].next;
	}
	f->fix = 0;
}

void cg_go_dead(struct cg *c)
{
	c->cs[c->cn - 1].dead = true;
	cg_skip_dead(c);
}

/* Before any conditional jump of a branch to t: multi-value returns copy
 * into slots 0.., which may be locals still aliased by branch values. */
static void prep_branch(struct cg *c, const struct ctl *t)
{
	uint32_t n = arity(t), i;

	if (t->kind != CK_FUNC || n < 2)
		return;
	for (i = c->vh - n; i < c->vh; i++)
		if (c->vs[i].kind == VK_LOCAL)
			cg_materialise(c, i);
}

static bool in_place(const struct cg *c, const struct ctl *t)
{
	uint32_t n = arity(t), i;

	if (n == 0)
		return true;
	if (t->kind == CK_FUNC || c->vh - n != t->height)
		return false;
	for (i = t->height; i < c->vh; i++)
		if (c->vs[i].kind != VK_HOME)
			return false;
	return true;
}

/* Copies the branch values (top of stack) to t's homes (or the result
 * slots for the function). Moves only; the virtual stack is unchanged. */
static void moves(struct cg *c, const struct ctl *t)
{
	uint32_t n = arity(t), src0 = c->vh - n, i;

	for (i = 0; i < n; i++) {
		int32_t dst = t->kind == CK_FUNC ? local_off(i) : home_off(c, t->height + i);

		cg_store_slot(c, dst, src0 + i);
	}
	/* a single result also comes back in rax/xmm0 (direct calls use it) */
	if (t->kind == CK_FUNC && n == 1)
		cg_load(c, src0, vt_xmm(c->vs[src0].type) ? 0 : RAX);
}

/* A branch to t is about to be emitted: a loop head expects r12/r13 valid
 * if they were at its entry; a forward label records whether they are. */
static void note_branch(struct cg *c, struct ctl *t)
{
	if (t->kind == CK_LOOP) {
		if (t->mem_ok && !c->mem_valid)
			cg_reload_mem(c);
	} else if (t->kind != CK_FUNC) {
		t->mem_ok = t->mem_ok && c->mem_valid;
	}
}

static void jump_to(struct cg *c, struct ctl *t)
{
	if (t->kind == CK_LOOP)
		jmp_to(c->a, t->loop_pos);
	else
		cg_add_fix(c, t, jmp32(c->a));
}

static void jcc_label(struct cg *c, enum x_cc cc, struct ctl *t)
{
	if (t->kind == CK_LOOP)
		jcc_to(c->a, cc, t->loop_pos);
	else
		cg_add_fix(c, t, jcc32(c->a, cc));
}

static void block_type(struct cg *c, int64_t bt, struct ctl *f)
{
	if (bt == -64)
		return;
	if (bt < 0) {
		f->bt1 = (uint8_t)(0x80 + bt);
		f->nr = 1;
		f->rt = NULL;
		return;
	}
	if ((uint64_t)bt >= c->m->ntypes) {
		c->fail = true;
		return;
	}
	f->np = c->m->types[bt].nparams;
	f->nr = c->m->types[bt].nresults;
	f->pt = c->m->types[bt].types;
	f->rt = f->pt + f->np;
}

/* Pops an i32 condition; returns the condition code that means "true"
 * (flags set). Everything below it is materialised first when `all`. */
static enum x_cc take_cond(struct cg *c, bool all)
{
	struct ve *e;
	enum x_cc cc;
	unsigned r;

	if (c->vh == 0) {
		c->fail = true;
		return CC_NE;
	}
	e = cg_top(c, 0);
	if (e->kind == VK_FLAGS) {
		cc = (enum x_cc)e->reg;
		if (all)
			cg_materialise_range(c, 0, c->vh - 1);
		cg_pop(c, 1);
		return cc;
	}
	if (all)
		cg_materialise_range(c, 0, c->vh - 1);
	if (cg_is_mem(c, c->vh - 1)) {
		alu_mi(c->a, ALU_CMP, false, cg_mem(c, c->vh - 1), 0);
	} else {
		r = cg_ro_reg(c, c->vh - 1);
		test_rr(c->a, false, r, r);
	}
	cg_pop(c, 1);
	return CC_NE;
}

void cg_block(struct cg *c, uint8_t op)
{
	int64_t bt = cg_sleb(c, 33);
	struct ctl tmp, *f;
	enum x_cc cc = CC_NE;

	memset(&tmp, 0, sizeof(tmp));
	block_type(c, bt, &tmp);
	if (c->fail)
		return;
	if (op == OP_IF)
		cc = take_cond(c, true);
	else
		cg_materialise_range(c, 0, c->vh);
	if (op == OP_LOOP && c->uses_mem && !c->mem_valid)
		cg_reload_mem(c);
	if (tmp.np > c->vh) {
		c->fail = true;
		return;
	}
	f = push_ctl(c, op == OP_BLOCK ? CK_BLOCK : op == OP_LOOP ? CK_LOOP : CK_IF);
	if (!f)
		return;
	f->np = tmp.np;
	f->nr = tmp.nr;
	f->pt = tmp.pt;
	f->bt1 = tmp.bt1;
	f->rt = tmp.rt;
	f->height = c->vh - f->np;
	if (op == OP_LOOP)
		cg_forget_checks(c);
	f->mem_ok = op == OP_LOOP ? c->mem_valid : true;
	f->if_mem = c->mem_valid;
	if (op == OP_LOOP)
		f->loop_pos = c->a->len;
	if (op == OP_IF) {
		f->else_fix = jcc32(c->a, (enum x_cc)(cc ^ 1));
		f->else_pending = true;
	}
}

static void reset_stack(struct cg *c, uint32_t height, uint32_t n, const uint8_t *types)
{
	uint32_t i;

	cg_pop(c, c->vh - height);
	for (i = 0; i < n; i++)
		cg_push_home(c, types[i]);
}

void cg_else(struct cg *c)
{
	struct ctl *f = &c->cs[c->cn - 1];

	if (f->kind != CK_IF) {
		c->fail = true;
		return;
	}
	if (!f->dead) {
		cg_materialise_range(c, f->height, c->vh);
		note_branch(c, f);
		cg_add_fix(c, f, jmp32(c->a));
	}
	c->mem_valid = f->if_mem;
	cg_forget_checks(c);
	patch_rel32(c->a, f->else_fix, c->a->len);
	f->else_pending = false;
	f = &c->cs[c->cn - 1];
	reset_stack(c, f->height, f->np, f->pt);
	f->dead = false;
}

bool cg_end(struct cg *c)
{
	struct ctl *f = &c->cs[c->cn - 1];

	if (f->kind == CK_FUNC) {
		if (!f->dead) {
			prep_branch(c, f);
			moves(c, f);
		}
		resolve(c, f);
		epilogue(c);
		cg_const_pool(c);
		return true;
	}
	if (!f->dead)
		cg_materialise_range(c, f->height, c->vh);
	cg_forget_checks(c);
	if (f->kind == CK_LOOP) {
		c->mem_valid = c->mem_valid && !f->dead;
	} else {
		if (!f->dead)
			f->mem_ok = f->mem_ok && c->mem_valid;
		if (f->kind == CK_IF && f->else_pending)
			f->mem_ok = f->mem_ok && f->if_mem;
		c->mem_valid = f->mem_ok;
	}
	resolve(c, f);
	if (f->kind == CK_IF && f->else_pending)
		patch_rel32(c->a, f->else_fix, c->a->len);
	reset_stack(c, f->height, f->nr, f->rt ? f->rt : &f->bt1);
	c->cn--;
	return false;
}

/* ---- branches ---------------------------------------------------------------------- */

void cg_br(struct cg *c)
{
	struct ctl *t = label(c, cg_u32(c));

	if (!t)
		return;
	prep_branch(c, t);
	note_branch(c, t);
	moves(c, t);
	jump_to(c, t);
	cg_go_dead(c);
}

void cg_return(struct cg *c)
{
	struct ctl *t = &c->cs[0];

	prep_branch(c, t);
	moves(c, t);
	jump_to(c, t);
	cg_go_dead(c);
}

void cg_br_if(struct cg *c)
{
	struct ctl *t = label(c, cg_u32(c));
	struct ve *e;
	enum x_cc cc;
	size_t skip;

	if (!t)
		return;
	if (c->vh == 0 || arity(t) + 1 > c->vh) {
		c->fail = true;
		return;
	}
	e = cg_top(c, 0);
	note_branch(c, t);   /* moves only: before or after a compare */
	if (e->kind != VK_FLAGS) {
		/* the condition first (it may need a register), then the
		 * branch values' preparation, then the test */
		if (!cg_is_mem(c, c->vh - 1) && cg_reg_of(c, c->vh - 1) == NOREG)
			cg_to_reg(c, c->vh - 1);
		c->vh--;
		prep_branch(c, t);
		c->vh++;
		cc = take_cond(c, false);
	} else {
		cc = take_cond(c, false);
		prep_branch(c, t);   /* moves only: the flags survive */
	}
	if (in_place(c, t)) {
		jcc_label(c, cc, t);
		return;
	}
	skip = jcc32(c->a, (enum x_cc)(cc ^ 1));
	moves(c, t);
	jump_to(c, t);
	patch_rel32(c->a, skip, c->a->len);
}

void cg_br_table(struct cg *c)
{
	uint32_t n = cg_u32(c), i, j, ar;
	uint32_t *depths = NULL;
	size_t *stub = NULL, field, table;
	struct ctl *t;
	unsigned r;

	if (c->fail)
		return;
	depths = malloc(((size_t)n + 1) * sizeof(*depths));
	stub = calloc(c->cn, sizeof(*stub));
	if (!depths || !stub) {
		c->fail = true;
		goto out;
	}
	for (i = 0; i <= n && !c->fail; i++)
		depths[i] = cg_u32(c);
	if (c->fail || c->vh == 0)
		goto out;
	for (i = 0; i <= n; i++)
		if (depths[i] >= c->cn) {
			c->fail = true;
			goto out;
		}
	r = cg_to_reg(c, c->vh - 1);
	cg_pop(c, 1);    /* r stays locked for this instruction */
	t = label(c, depths[n]);
	ar = arity(t);
	if (ar > c->vh) {
		c->fail = true;
		goto out;
	}
	prep_branch(c, t);
	if (c->uses_mem && !c->mem_valid)
		cg_reload_mem(c);
	for (i = 0; i <= n; i++)
		note_branch(c, label(c, depths[i]));
	mov_ri32(c->a, GPR_SCRATCH, n);
	alu_rr(c->a, ALU_CMP, false, r, GPR_SCRATCH);
	cmov_rr(c->a, CC_A, false, r, GPR_SCRATCH);
	lea(c->a, r, xmi(r, r, 2, 0));
	field = lea_rip(c->a, GPR_SCRATCH);
	alu_rr(c->a, ALU_ADD, true, GPR_SCRATCH, r);
	jmp_r(c->a, GPR_SCRATCH);
	table = c->a->len;
	a_put32(c->a, field, (uint32_t)(table - (field + 4)));
	/* one 5-byte jmp per entry; targets needing moves go through a stub
	 * per depth, placed after the table */
	for (i = 0; i <= n && !c->fail; i++) {
		t = label(c, depths[i]);
		if (in_place(c, t))
			jump_to(c, t);
		else
			jmp32(c->a);     /* to the stub, patched below */
	}
	/* second pass: emit the stubs and patch the entries that use them */
	for (i = 0; i <= n && !c->fail; i++) {
		t = label(c, depths[i]);
		if (in_place(c, t))
			continue;
		if (!stub[depths[i]]) {
			stub[depths[i]] = c->a->len + 1;
			moves(c, t);
			jump_to(c, t);
		}
		j = (uint32_t)(table + 5 * i + 1);
		patch_rel32(c->a, j, stub[depths[i]] - 1);
	}
	cg_go_dead(c);
out:
	free(depths);
	free(stub);
}

/* ---- calls --------------------------------------------------------------------------- */

/* After a call: the callee wrote its results over its parameters, which
 * are this frame's homes from `base` on. */
static void call_results(struct cg *c, uint32_t base, const struct eng__functype *ft)
{
	uint32_t i;

	c->mem_valid = false;
	cg_pins_load(c);
	cg_pop(c, c->vh - base);
	for (i = 0; i < ft->nresults; i++)
		cg_push_home(c, ft->types[ft->nparams + i]);
}

static void frame_shift(struct cg *c, int32_t off)
{
	if (off)
		lea(c->a, R14, xm(R14, off));
}

void cg_call(struct cg *c, uint32_t fidx)
{
	const struct eng__functype *ft;
	uint32_t base;
	int32_t off;
	size_t site;

	if (fidx >= c->m->nfuncs_total) {
		c->fail = true;
		return;
	}
	ft = &c->m->types[c->m->func_type_idx[fidx]];
	if (ft->nparams > c->vh) {
		c->fail = true;
		return;
	}
	base = c->vh - ft->nparams;
	cg_materialise_range(c, base, c->vh);
	cg_spill_regs(c);
	cg_pins_save(c);
	off = home_off(c, base);
	if (fidx < c->m->nfunc_imports) {
		mov_rm(c->a, true, RAX, xm(R15, offsetof(struct nat_inst, funcs)));
		mov_rm(c->a, true, RAX, xm(RAX, (int32_t)(fidx * sizeof(void *))));
		frame_shift(c, off);
		site = call32(c->a);
		patch_rel32(c->a, site, c->g->call_ref);
	} else {
		frame_shift(c, off);
		site = call32(c->a);
		cg_add_reloc(c, site, fidx - c->m->nfunc_imports);
	}
	frame_shift(c, -off);
	if (fidx >= c->m->nfunc_imports && ft->nresults == 1) {
		/* compiled functions and interpreter stubs leave it in rax/xmm0 */
		c->mem_valid = false;
		cg_pins_load(c);
		cg_pop(c, c->vh - base);
		cg_push_reg(c, ft->types[ft->nparams], vt_xmm(ft->types[ft->nparams]) ? 0 : RAX);
		return;
	}
	call_results(c, base, ft);
}

void cg_call_indirect(struct cg *c, uint32_t tidx, uint32_t table)
{
	const struct eng__functype *ft;
	struct asmbuf *a = c->a;
	uint32_t base;
	int32_t off;
	size_t ok, site;

	if (tidx >= c->m->ntypes || table >= c->m->ntables_total) {
		c->fail = true;
		return;
	}
	ft = &c->m->types[tidx];
	if (ft->nparams + 1 > c->vh) {
		c->fail = true;
		return;
	}
	base = c->vh - 1 - ft->nparams;
	cg_materialise_range(c, base, c->vh - 1);
	cg_spill_regs(c);
	cg_load(c, c->vh - 1, RCX);
	cg_pins_save(c);
	cg_pop(c, 1);
	mov_rm(a, true, RAX, xm(R15, offsetof(struct nat_inst, tables)));
	mov_rm(a, true, RAX, xm(RAX, (int32_t)(table * sizeof(void *))));
	alu_rm(a, ALU_CMP, false, RCX, xm(RAX, offsetof(struct eng_table, size)));
	cg_trap_if(c, CC_AE, ENG_TRAP_UNDEFINED_ELEMENT);
	mov_rm(a, true, RAX, xm(RAX, offsetof(struct eng_table, elems)));
	mov_rm(a, true, RAX, xmi(RAX, RCX, 3, 0));
	test_rr(a, true, RAX, RAX);
	cg_trap_if(c, CC_E, ENG_TRAP_UNINITIALIZED_ELEMENT);
	mov_rm(a, true, RDX, xm(RAX, offsetof(struct eng_func, ft)));
	mov_rm(a, true, RCX, xm(R15, offsetof(struct nat_inst, types)));
	lea(a, RCX, xm(RCX, (int32_t)(tidx * sizeof(struct eng__functype))));
	alu_rr(a, ALU_CMP, true, RDX, RCX);
	ok = jcc32(a, CC_E);
	/* structural comparison (types from another module, or equal types
	 * with different indices) */
	push_r(a, RAX);
	push_r(a, RAX);
	mov_rr(a, true, RDI, RDX);
	mov_rr(a, true, RSI, RCX);
	cg_helper_call(c, NH_SIG_EQ);
	if (a_need(a, 2)) {
		a_b(a, 0x84);    /* test al, al */
		a_b(a, 0xc0);
	}
	pop_r(a, RCX);
	pop_r(a, RAX);
	cg_trap_if(c, CC_E, ENG_TRAP_INDIRECT_MISMATCH);
	patch_rel32(a, ok, a->len);
	off = home_off(c, base);
	frame_shift(c, off);
	site = call32(a);
	patch_rel32(a, site, c->g->call_ref);
	frame_shift(c, -off);
	call_results(c, base, ft);
}
