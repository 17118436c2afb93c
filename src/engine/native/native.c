/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: the store/instance hooks of the x86-64 backend and the run-time
 * entry (docs/compiler.md). The helpers compiled code calls are in
 * helpers.c, the compiler in cg_*.c.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "native_int.h"

/* The native stack: NAT_FRAME_BYTES (native_int.h) per call level, and
 * this much for helpers and host functions. */
#define NAT_C_RESERVE (16u << 20)

bool eng_native_supported(void)
{
#if defined(__x86_64__) && defined(__linux__)
	static int cached = -1;

	if (cached < 0) {
		__builtin_cpu_init();
		cached = __builtin_cpu_supports("sse4.1") && __builtin_cpu_supports("popcnt");
	}
	return cached == 1;
#else
	return false;
#endif
}

/* ---- modules ------------------------------------------------------------ */

static enum eng_status module_code(struct eng_module *m, bool canon, bool guard,
				   struct nat_code **out, struct eng_error *err)
{
	struct nat_module *nm = m->native;
	enum eng_status st;

	if (!nm) {
		nm = calloc(1, sizeof(*nm));
		if (!nm)
			return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
		m->native = nm;
	}
	if (!nm->code[canon][guard]) {
		st = exec__prepare(m, err);
		if (st != ENG_OK)
			return st;
		st = nat__compile(m, canon, guard, &nm->code[canon][guard], err);
		if (st != ENG_OK)
			return st;
	}
	*out = nm->code[canon][guard];
	return ENG_OK;
}

enum eng_status eng_module_prepare_native(struct eng_module *m, bool nan_canonicalize,
					  struct eng_error *err)
{
	struct nat_code *c;

	if (!eng_native_supported())
		return eng__error(err, ENG_ERR_ARGS, UINT32_MAX,
				  "native backend not supported on this machine");
	/* the variant a store with default settings uses */
	return module_code(m, nat__canon(m, nan_canonicalize),
			   nat__guard_init(), &c, err);
}

void eng_module_native_stats(const struct eng_module *m, bool nan_canonicalize,
			     struct eng_native_stats *st)
{
	const struct nat_module *nm = m->native;
	const struct nat_code *c;
	bool canon;

	memset(st, 0, sizeof(*st));
	if (!nm)
		return;
	canon = nat__canon(m, nan_canonicalize);
	c = nm->code[canon][1] ? nm->code[canon][1] : nm->code[canon][0];
	if (!c)
		return;
	st->functions = c->nfuncs;
	st->compiled = c->ncompiled;
	st->code_bytes = c->len;
	st->relocations = c->nrelocs;
	st->pinned_locals = c->npinned;
	st->optimised = c->nopt;
	st->optimised_dropped = c->opt_dropped;
	st->imported = c->imported;
	if (m->exec) {
		const struct exec_module *em = m->exec;

		for (uint32_t i = 0; i < c->nfuncs; i++)
			st->translated += em->xfuncs[i].ready;
	}
}

void nat__module_free(struct eng_module *m)
{
	struct nat_module *nm = m->native;

	if (!nm)
		return;
	for (int i = 0; i < 4; i++)
		nat__code_free(nm->code[i / 2][i % 2]);
	free(nm);
	m->native = NULL;
}

/* ---- instances ------------------------------------------------------------ */

enum eng_status nat__instance_init(struct eng_store *s, struct eng_instance *inst,
				   struct eng_error *err)
{
	struct eng_module *m = inst->m;
	struct nat_code *c;
	struct nat_inst *ni;
	enum eng_status st;
	uint32_t i, n;

	if (!eng_native_supported())
		return eng__error(err, ENG_ERR_ARGS, UINT32_MAX,
				  "native backend not supported on this machine");
	/* guarded code only for a guarded memory (a store's memories all are
	 * when s->guard_mem) */
	st = module_code(m, inst->canon, s->guard_mem && (!inst->mem0 || inst->mem0->guarded), &c,
			 err);
	if (st != ENG_OK)
		return st;
	/* interpreter fallbacks already ran in this store: they may call into
	 * this module too (nat__store_interp_ready) */
	if (s->native && ((struct nat_ctx *)s->native)->interp_ready) {
		st = exec__prepare(m, err);
		if (st != ENG_OK)
			return st;
	}
	ni = calloc(1, sizeof(*ni) + (size_t)m->nglobals_total * sizeof(uint64_t *));
	if (!ni)
		return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
	ni->store = s;
	ni->mem = inst->rt_mem;
	ni->funcs = inst->funcs;
	ni->tables = inst->tables;
	ni->types = m->types;
	ni->inst = inst;
	ni->code = c;
	memcpy(ni->helpers, nat__helper_table, sizeof(ni->helpers));
	for (i = 0; i < m->nglobals_total; i++)
		ni->gbits[i] = &inst->globals[i]->bits;
	inst->native = ni;
	n = m->nfuncs_total - m->nfunc_imports;
	for (i = 0; i < n; i++)
		inst->own_funcs[i].ncode = c->base + c->func_off[i];
	return ENG_OK;
}

void nat__instance_free(struct eng_instance *inst)
{
	free(inst->native);
	inst->native = NULL;
}

/* ---- stores and running ------------------------------------------------------ */

static struct nat_ctx *store_ctx(struct eng_store *s)
{
	struct nat_ctx *ctx = s->native;
	size_t size;
	void *p;

	if (ctx)
		return ctx;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	/* sized for the configured depth, like the interpreter's frame stack:
	 * address space only (MAP_NORESERVE), pages are committed on use */
	size = (size_t)s->cfg.max_call_depth * NAT_FRAME_BYTES + NAT_C_RESERVE;
	size = (size + 4095) & ~(size_t)4095;
	/* a freed store's native stack, guard page included (exec__spare_*) */
	p = exec__spare_take(EXEC_SPARE_NATIVE, size + 4096);
	if (p) {
		ctx->stack = p;
		ctx->stack_size = size + 4096;
		s->native = ctx;
		return ctx;
	}
	p = mmap(NULL, size + 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		free(ctx);
		return NULL;
	}
	/* guard page below the stack: an overflow faults instead of writing
	 * into other memory */
	if (mprotect(p, 4096, PROT_NONE) != 0) {
		munmap(p, size + 4096);
		free(ctx);
		return NULL;
	}
	ctx->stack = p;
	ctx->stack_size = size + 4096;
	s->native = ctx;
	return ctx;
}

uint32_t nat__store_interp_ready(struct eng_store *s)
{
	struct nat_ctx *ctx = s->native;
	struct obj_hdr *h;

	for (h = s->objects; h; h = h->next) {
		if (h->kind != OBJ_INSTANCE)
			continue;
		/* validated modules translate unless memory runs out */
		if (exec__prepare(((struct eng_instance *)(void *)h)->m, NULL) != ENG_OK)
			return ENG_TRAP_NOMEM;
	}
	ctx->interp_ready = true;
	return ENG_TRAP_NONE;
}

void nat__store_free(struct eng_store *s)
{
	struct nat_ctx *ctx = s->native;

	if (!ctx)
		return;
	if (!exec__spare_put(EXEC_SPARE_NATIVE, ctx->stack, ctx->stack_size))
		munmap(ctx->stack, ctx->stack_size);
	free(ctx);
	s->native = NULL;
}

enum eng_trap nat__run(struct eng_store *s, struct eng_func *f, uint8_t *base)
{
	struct nat_inst *ni = f->inst->native;
	struct nat_ctx *ctx = store_ctx(s);
	uint32_t depth = s->depth;
	uint64_t sl = s->sl_counter;
	uint8_t *top = s->stack_top;
	nat_enter_fn enter;
	void *sp = NULL;
	struct eng_store *prev;
	enum eng_trap trap;

	if (!ctx)
		return ENG_TRAP_NOMEM;
	if (ctx->nesting == 0)
		sp = ctx->stack + ctx->stack_size;
	enter = (nat_enter_fn)(void *)(ni->code->base + ni->code->entry_off);
	ctx->nesting++;
	prev = nat__tls_store;
	nat__tls_store = s;
	trap = (enum eng_trap)enter(ni, f->ncode, sp, base);
	nat__tls_store = prev;
	ctx->nesting--;
	if (trap != ENG_TRAP_NONE) {
		s->depth = depth;
		s->sl_counter = sl;
	}
	s->stack_top = top;
	return trap;
}
