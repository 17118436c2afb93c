/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: compilation of a whole module into one executable buffer
 * (docs/compiler.md §1): the entry thunk, the shared trap and call stubs,
 * every defined function (or its interpreter stub), then the direct-call
 * relocations.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cg.h"

uint32_t nat__test_fallback_every;
uint64_t nat__compilations;

/* nat_enter(ni = rdi, code = rsi, sp = rdx, fp = rcx) */
static void emit_thunk(struct cgm *g)
{
	struct asmbuf *a = &g->a;
	int32_t native = (int32_t)offsetof(struct eng_store, native);
	int32_t ersp = (int32_t)offsetof(struct nat_ctx, entry_rsp);
	size_t skip;

	push_r(a, RBP);
	push_r(a, RBX);
	push_r(a, R12);
	push_r(a, R13);
	push_r(a, R14);
	push_r(a, R15);
	mov_rr(a, true, R15, RDI);
	mov_rm(a, true, RBX, xm(R15, offsetof(struct nat_inst, store)));
	mov_rm(a, true, RAX, xm(RBX, native));
	push_m(a, xm(RAX, ersp));              /* 8 pushes in all: aligned */
	mov_mr(a, true, xm(RAX, ersp), RSP);
	mov_rr(a, true, R14, RCX);
	test_rr(a, true, RDX, RDX);
	skip = jcc32(a, CC_E);
	mov_rr(a, true, RSP, RDX);
	patch_rel32(a, skip, a->len);
	mov_rm(a, true, GPR_SCRATCH, xm(R15, offsetof(struct nat_inst, mem)));
	mov_rm(a, true, R13, xm(GPR_SCRATCH, offsetof(struct eng_memory, base)));
	mov_rm(a, true, R12, xm(GPR_SCRATCH, offsetof(struct eng_memory, size)));
	call_r(a, RSI);
	mov_ri32(a, RAX, 0);
	/* trap exit: eax = the trap; unwinds to the innermost entry */
	g->trap_exit = a->len;
	mov_rm(a, true, RCX, xm(RBX, native));
	mov_rm(a, true, RSP, xm(RCX, ersp));
	pop_m(a, xm(RCX, ersp));
	pop_r(a, R15);
	pop_r(a, R14);
	pop_r(a, R13);
	pop_r(a, R12);
	pop_r(a, RBX);
	pop_r(a, RBP);
	ret(a);
}

static void emit_stubs(struct cgm *g)
{
	struct asmbuf *a = &g->a;
	int32_t helpers = (int32_t)offsetof(struct nat_inst, helpers);
	size_t host;
	unsigned k;

	for (k = 1; k < ENG_TRAP__COUNT; k++) {
		g->trap_stub[k] = a->len;
		mov_ri32(a, RAX, k);
		jmp_to(a, g->trap_exit);
	}
	/* call_ref: rax = struct eng_func *, r14 = the callee's frame */
	g->call_ref = a->len;
	x_rm(a, 0, false, 0x80, ALU_CMP, xm(RAX, offsetof(struct eng_func, is_host)), false);
	if (a_need(a, 1))
		a_b(a, 0);
	host = jcc32(a, CC_NE);
	push_r(a, R15);
	mov_rm(a, true, RCX, xm(RAX, offsetof(struct eng_func, inst)));
	mov_rm(a, true, R15, xm(RCX, offsetof(struct eng_instance, native)));
	call_m(a, xm(RAX, offsetof(struct eng_func, ncode)));
	pop_r(a, R15);
	ret(a);
	patch_rel32(a, host, a->len);
	alu_ri(a, ALU_SUB, true, RSP, 8);
	mov_rr(a, true, RDI, R15);
	mov_rr(a, true, RSI, RAX);
	mov_rr(a, true, RDX, R14);
	call_m(a, xm(R15, helpers + NH_CALL_HOST * (int32_t)sizeof(void *)));
	alu_ri(a, ALU_ADD, true, RSP, 8);
	test_rr(a, false, RAX, RAX);
	jcc_to(a, CC_NE, g->trap_exit);
	ret(a);
}

/* The end of a stub that called a C function for the whole function (after
 * its `sub rsp, 8`): a trap status goes to the trap exit; otherwise, like a
 * compiled function, a single result also in rax/xmm0. */
static void stub_return(struct cgm *g, const struct eng__functype *ft)
{
	struct asmbuf *a = &g->a;

	alu_ri(a, ALU_ADD, true, RSP, 8);
	test_rr(a, false, RAX, RAX);
	jcc_to(a, CC_NE, g->trap_exit);
	if (ft->nresults == 1 && vt_xmm(ft->types[ft->nparams]))
		sse_load(a, ft->types[ft->nparams] == ENG_F64, 0, xm(R14, 0));
	else if (ft->nresults == 1)
		mov_rm(a, true, RAX, xm(R14, 0));
	ret(a);
}

/* A function the compiler does not handle runs in the interpreter. */
static void emit_interp_stub(struct cgm *g, uint32_t func_idx)
{
	struct asmbuf *a = &g->a;
	const struct eng__functype *ft = &g->m->types[g->m->func_type_idx[func_idx]];

	alu_ri(a, ALU_SUB, true, RSP, 8);
	mov_rr(a, true, RDI, R15);
	mov_ri32(a, RSI, func_idx);
	mov_rr(a, true, RDX, R14);
	call_m(a, xm(R15, (int32_t)(offsetof(struct nat_inst, helpers) +
				    NH_INTERP * sizeof(void *))));
	stub_return(g, ft);
}

/* The entry of a function of the optimising tier: a C call of its LLVM
 * code, uint32_t f(frame, ni, memory base), which does the entry checks
 * and counters itself (opt.c), returns ENG_TRAP_NONE or a trap and leaves
 * its results in the frame's first slots. */
static void emit_opt_stub(struct cgm *g, uint32_t i, uint32_t target)
{
	struct asmbuf *a = &g->a;
	const struct eng__functype *ft = &g->m->types[g->m->funcs[i].type_idx];
	size_t site;

	alu_ri(a, ALU_SUB, true, RSP, 8);
	mov_rr(a, true, RDI, R14);
	mov_rr(a, true, RSI, R15);
	mov_rm(a, true, GPR_SCRATCH, xm(R15, offsetof(struct nat_inst, mem)));
	mov_rm(a, true, RDX, xm(GPR_SCRATCH, offsetof(struct eng_memory, base)));
	site = call32(a);
	patch_rel32(a, site, target);
	stub_return(g, ft);
}

/* Compiles defined function i at the end of the buffer. Returns false when
 * the function must use the interpreter stub instead. */
static bool compile_func(struct cgm *g, uint32_t i, uint32_t *npinned)
{
	struct eng_module *m = g->m;
	const struct exec_module *em = m->exec;
	struct cg c;
	bool ok = false;
	uint32_t k;

	memset(&c, 0, sizeof(c));
	c.g = g;
	c.a = &g->a;
	c.m = m;
	c.fn = &m->funcs[i];
	c.ft = &m->types[c.fn->type_idx];
	c.xf = &em->xfuncs[i];
	c.def_idx = i;
	c.p = c.fn->code;
	c.end = c.fn->code + c.fn->code_len;
	c.nlocals_all = c.ft->nparams + c.fn->nlocals;
	c.ltypes = malloc(c.nlocals_all ? c.nlocals_all : 1);
	if (!c.ltypes)
		return false;
	for (k = 0; k < c.ft->nparams; k++)
		c.ltypes[k] = c.ft->types[k];
	for (k = 0; k < c.fn->nlocals; k++)
		c.ltypes[c.ft->nparams + k] = c.fn->local_types[k];
	c.cs = calloc(16, sizeof(*c.cs));
	if (!c.cs)
		goto out;
	c.ccap = 16;
	c.cn = 1;
	c.cs[0].kind = CK_FUNC;
	c.cs[0].nr = c.ft->nresults;
	c.cs[0].rt = c.ft->types + c.ft->nparams;
	c.chk = calloc(c.nlocals_all ? c.nlocals_all : 1, sizeof(*c.chk));
	c.chk_list = malloc((c.nlocals_all ? c.nlocals_all : 1) * sizeof(*c.chk_list));
	c.chk_in = calloc(c.nlocals_all ? c.nlocals_all : 1, 1);
	if (!c.chk || !c.chk_list || !c.chk_in)
		goto out;
	cg_scan(&c);
	if (c.fail)
		goto out;
	cg_prologue(&c);
	cg_body(&c);
	ok = !c.fail && !c.unsupported && c.p == c.end &&
	     (uint64_t)(c.nlocals_all + c.max_h) * 8 <= c.xf->frame_bytes;
	if (ok)
		*npinned += (uint32_t)__builtin_popcount(c.gpin) +
			    (uint32_t)__builtin_popcount(c.xpin);
out:
	free(c.ltypes);
	free(c.lreg);
	free(c.chk);
	free(c.chk_list);
	free(c.chk_in);
	free(c.vs);
	free(c.cs);
	free(c.fx);
	free(c.kr);
	return ok;
}

void nat__code_free(struct nat_code *c)
{
	if (!c)
		return;
	if (c->base)
		munmap(c->base, c->map_size);
	free(c->func_off);
	free(c->compiled);
	free(c->reloc_site);
	free(c->reloc_func);
	free(c);
}

enum eng_status nat__compile(struct eng_module *m, bool canon, bool guard,
			     struct nat_code **out, struct eng_error *err)
{
	uint32_t n = m->nfuncs_total - m->nfunc_imports, i;
	struct nat_code *code;
	struct cgm g;
	uint32_t *opt_off;
	void *p;

	memset(&g, 0, sizeof(g));
	g.m = m;
	g.canon = canon;
	g.guard = guard;
	code = calloc(1, sizeof(*code));
	g.func_off = calloc(n ? n : 1, sizeof(*g.func_off));
	if (code)
		code->compiled = calloc(n ? n : 1, 1);
	if (!code || !g.func_off || !code->compiled)
		goto nomem;
	emit_thunk(&g);
	emit_stubs(&g);
	for (i = 0; i < n; i++) {
		size_t start = g.a.len;
		uint32_t nrel = g.nrelocs;

		/* 16-byte aligned entries */
		while (g.a.len & 15)
			if (a_need(&g.a, 1))
				a_b(&g.a, 0xcc);
		start = g.a.len;
		g.func_off[i] = (uint32_t)start;
		if ((!nat__test_fallback_every || i % nat__test_fallback_every != 0) &&
		    compile_func(&g, i, &code->npinned)) {
			code->compiled[i] = 1;
			code->ncompiled++;
			continue;
		}
		if (g.a.oom)
			goto nomem;
		g.a.len = start;
		g.nrelocs = nrel;
		emit_interp_stub(&g, m->nfunc_imports + i);
	}
	if (g.a.oom)
		goto nomem;
	opt_off = malloc((n ? n : 1) * sizeof(*opt_off));
	if (!opt_off)
		goto nomem;
	code->nopt = nat__opt_compile(&g, opt_off, &code->opt_dropped);
	for (i = 0; i < n && code->nopt > 0; i++) {
		if (opt_off[i] == UINT32_MAX)
			continue;
		while (g.a.len & 15)
			if (a_need(&g.a, 1))
				a_b(&g.a, 0xcc);
		g.func_off[i] = (uint32_t)g.a.len;
		emit_opt_stub(&g, i, opt_off[i]);
	}
	free(opt_off);
	if (g.a.oom || g.a.len > INT32_MAX)
		goto nomem;
	for (i = 0; i < g.nrelocs; i++)
		patch_rel32(&g.a, g.reloc_site[i], g.func_off[g.reloc_func[i]]);
	code->map_size = (g.a.len + 4095) & ~(size_t)4095;
	p = mmap(NULL, code->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED)
		goto nomem;
	memcpy(p, g.a.p, g.a.len);
	if (mprotect(p, code->map_size, PROT_READ | PROT_EXEC) != 0) {
		munmap(p, code->map_size);
		goto nomem;
	}
	code->base = p;
	code->len = g.a.len;
	code->nfuncs = n;
	code->func_off = g.func_off;
	code->entry_off = 0;
	code->guard = guard;
	code->oob_stub_off = (uint32_t)g.trap_stub[ENG_TRAP_MEMORY_OOB];
	code->nrelocs = g.nrelocs;
	code->reloc_site = g.reloc_site;
	code->reloc_func = g.reloc_func;
	free(g.a.p);
	__atomic_fetch_add(&nat__compilations, 1, __ATOMIC_RELAXED);
	*out = code;
	return ENG_OK;
nomem:
	free(g.a.p);
	free(g.func_off);
	free(g.reloc_site);
	free(g.reloc_func);
	nat__code_free(code);
	return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory compiling to native code");
}
