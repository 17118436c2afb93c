/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instantiation: import resolution and matching, allocation of memories,
 * tables and globals, element and data segments, the start function.
 */
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

static struct eng_limits_desc limits_view(const struct eng__limits *l)
{
	struct eng_limits_desc d = {l->min, l->max, l->has_max};

	return d;
}

static void import_type(const struct eng_module *m, const struct eng__import *im,
			struct eng_extern_type *t)
{
	memset(t, 0, sizeof(*t));
	t->kind = im->kind;
	switch (im->kind) {
	case ENG_EXTERN_FUNC:
		t->func = eng__functype_view(&m->types[im->desc.func_type]);
		break;
	case ENG_EXTERN_TABLE:
		t->table.elem_type = im->desc.table.elem_type;
		t->table.limits = limits_view(&im->desc.table.limits);
		break;
	case ENG_EXTERN_MEMORY:
		t->memory = limits_view(&im->desc.memory);
		break;
	case ENG_EXTERN_GLOBAL:
		t->global.type = im->desc.global.type;
		t->global.mut = im->desc.global.mut;
		break;
	default:
		break;
	}
}

/* Limits subtyping: actual (current size, declared max) within want. */
static bool limits_match(uint64_t cur, bool has_max, uint64_t max, const struct eng__limits *want)
{
	if (cur < want->min)
		return false;
	if (want->has_max && (!has_max || max > want->max))
		return false;
	return true;
}

static bool import_matches(const struct eng_module *m, const struct eng__import *im,
			   const struct eng_extern *ex)
{
	if (ex->kind != im->kind)
		return false;
	switch (im->kind) {
	case ENG_EXTERN_FUNC:
		return ex->of.func && exec__functype_eq(ex->of.func->ft, &m->types[im->desc.func_type]);
	case ENG_EXTERN_TABLE: {
		const struct eng_table *t = ex->of.table;

		return t && t->elem_type == im->desc.table.elem_type &&
		       limits_match(t->size, t->decl.has_max, t->decl.max, &im->desc.table.limits);
	}
	case ENG_EXTERN_MEMORY: {
		const struct eng_memory *mem = ex->of.memory;

		return mem && limits_match(mem->pages, mem->decl.has_max, mem->decl.max,
					   &im->desc.memory);
	}
	case ENG_EXTERN_GLOBAL:
		return ex->of.global && ex->of.global->type == im->desc.global.type &&
		       ex->of.global->mut == im->desc.global.mut;
	default:
		return false;
	}
}

static enum eng_status resolve_imports(struct eng_instance *inst, eng_resolve_fn resolve,
				       void *ctx, struct eng_error *err)
{
	const struct eng_module *m = inst->m;
	uint32_t i, nf = 0, nt = 0, nm = 0, ng = 0;

	for (i = 0; i < m->nimports; i++) {
		const struct eng__import *im = &m->imports[i];
		struct eng_extern_type want;
		struct eng_extern ex;

		import_type(m, im, &want);
		memset(&ex, 0, sizeof(ex));
		if (!resolve || !resolve(ctx, im->module, im->module_len, im->name, im->name_len,
					 &want, &ex))
			return eng__error(err, ENG_ERR_UNLINKABLE, UINT32_MAX,
					  "unknown import \"%.*s\" \"%.*s\"", (int)im->module_len,
					  im->module, (int)im->name_len, im->name);
		if (!import_matches(m, im, &ex))
			return eng__error(err, ENG_ERR_UNLINKABLE, UINT32_MAX,
					  "incompatible import type \"%.*s\" \"%.*s\"",
					  (int)im->module_len, im->module, (int)im->name_len,
					  im->name);
		switch (im->kind) {
		case ENG_EXTERN_FUNC: inst->funcs[nf++] = ex.of.func; break;
		case ENG_EXTERN_TABLE: inst->tables[nt++] = ex.of.table; break;
		case ENG_EXTERN_MEMORY: inst->mems[nm++] = ex.of.memory; break;
		case ENG_EXTERN_GLOBAL: inst->globals[ng++] = ex.of.global; break;
		default: break;
		}
	}
	return ENG_OK;
}

static uint64_t eval_const(const struct eng_instance *inst, const struct eng__const_expr *e)
{
	switch (e->kind) {
	case ENG_CONST_VALUE:
		return exec_slot_mask(e->type, e->value);
	case ENG_CONST_GLOBAL_GET:
		return inst->globals[e->index]->bits;
	case ENG_CONST_REF_FUNC:
		return (uint64_t)(uintptr_t)inst->funcs[e->index];
	case ENG_CONST_REF_NULL:
	default:
		return 0;
	}
}

static enum eng_status alloc_arrays(struct eng_instance *inst, struct eng_error *err)
{
	const struct eng_module *m = inst->m;
	uint32_t ndef = m->nfuncs_total - m->nfunc_imports;

	inst->funcs = calloc(m->nfuncs_total + 1, sizeof(*inst->funcs));
	inst->tables = calloc(m->ntables_total + 1, sizeof(*inst->tables));
	inst->mems = calloc(m->nmems_total + 1, sizeof(*inst->mems));
	inst->globals = calloc(m->nglobals_total + 1, sizeof(*inst->globals));
	inst->own_funcs = calloc(ndef + 1, sizeof(*inst->own_funcs));
	inst->elem_refs = calloc(m->nelems + 1, sizeof(*inst->elem_refs));
	inst->elem_len = calloc(m->nelems + 1, sizeof(*inst->elem_len));
	inst->data_dropped = calloc(m->ndatas + 1, 1);
	if (!inst->funcs || !inst->tables || !inst->mems || !inst->globals || !inst->own_funcs ||
	    !inst->elem_refs || !inst->elem_len || !inst->data_dropped)
		return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
	return ENG_OK;
}

static enum eng_status create_objects(struct eng_store *s, struct eng_instance *inst,
				      struct eng_error *err)
{
	struct eng_module *m = inst->m;
	struct exec_module *em = m->exec;
	uint32_t i, ndef = m->nfuncs_total - m->nfunc_imports;

	for (i = 0; i < ndef; i++) {
		struct eng_func *f = &inst->own_funcs[i];

		f->store = s;
		f->ft = &m->types[m->funcs[i].type_idx];
		f->view = eng__functype_view(f->ft);
		f->inst = inst;
		f->xf = &em->xfuncs[i];
		f->func_idx = m->nfunc_imports + i;
		inst->funcs[m->nfunc_imports + i] = f;
	}
	for (i = m->ntable_imports; i < m->ntables_total; i++) {
		inst->tables[i] = exec__table_new(s, m->tables[i].elem_type, &m->tables[i].limits,
						  err);
		if (!inst->tables[i])
			return err ? err->status : ENG_ERR_NOMEM;
	}
	for (i = m->nmem_imports; i < m->nmems_total; i++) {
		inst->mems[i] = exec__memory_new(s, &m->mems[i], err);
		if (!inst->mems[i])
			return err ? err->status : ENG_ERR_NOMEM;
	}
	inst->mem0 = m->nmems_total ? inst->mems[0] : NULL;
	inst->rt_mem = inst->mem0 ? inst->mem0 : &s->no_mem;
	for (i = m->nglobal_imports; i < m->nglobals_total; i++) {
		struct eng_global *g = calloc(1, sizeof(*g));

		if (!g)
			return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
		g->type = m->globals[i].type.type;
		g->mut = m->globals[i].type.mut;
		exec__store_link(s, &g->hdr, OBJ_GLOBAL);
		inst->globals[i] = g;
		g->bits = eval_const(inst, &m->globals[i].init);
	}
	for (i = 0; i < m->nelems; i++) {
		const struct eng__elem *e = &m->elems[i];
		uint32_t k;

		inst->elem_refs[i] = calloc(e->count + 1, sizeof(void *));
		if (!inst->elem_refs[i])
			return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
		for (k = 0; k < e->count; k++)
			inst->elem_refs[i][k] = (void *)(uintptr_t)eval_const(inst, &e->items[k]);
		inst->elem_len[i] = e->count;
	}
	return ENG_OK;
}

/* Checks one active segment; returns the trap (NONE if it fits). */
static enum eng_trap elem_check(const struct eng_instance *inst, uint32_t i, uint64_t *off)
{
	const struct eng__elem *e = &inst->m->elems[i];

	*off = (uint32_t)eval_const(inst, &e->offset);
	if (!exec_in_bounds(*off, e->count, inst->tables[e->table]->size))
		return ENG_TRAP_TABLE_OOB;
	return ENG_TRAP_NONE;
}

static enum eng_trap data_check(const struct eng_instance *inst, uint32_t i, uint64_t *off)
{
	const struct eng__data *d = &inst->m->datas[i];

	*off = (uint32_t)eval_const(inst, &d->offset);
	if (!exec_in_bounds(*off, d->len, inst->mems[d->memory]->size))
		return ENG_TRAP_MEMORY_OOB;
	return ENG_TRAP_NONE;
}

static void elem_write(struct eng_instance *inst, uint32_t i, uint64_t off)
{
	const struct eng__elem *e = &inst->m->elems[i];

	if (e->count)
		memcpy(inst->tables[e->table]->elems + off, inst->elem_refs[i],
		       e->count * sizeof(void *));
}

static void data_write(struct eng_instance *inst, uint32_t i, uint64_t off)
{
	const struct eng__data *d = &inst->m->datas[i];

	if (d->len)
		memcpy(inst->mems[d->memory]->base + off, d->bytes, d->len);
}

/* Wasm 2.0: segments in order; the first out-of-bounds one traps, earlier
 * writes stay. Active and declarative segments are dropped afterwards. */
static enum eng_trap apply_segments_full(struct eng_instance *inst)
{
	const struct eng_module *m = inst->m;
	enum eng_trap trap;
	uint64_t off;
	uint32_t i;

	for (i = 0; i < m->nelems; i++) {
		if (m->elems[i].mode == ENG_SEG_ACTIVE) {
			trap = elem_check(inst, i, &off);
			if (trap != ENG_TRAP_NONE)
				return trap;
			elem_write(inst, i, off);
		}
		if (m->elems[i].mode != ENG_SEG_PASSIVE)
			inst->elem_len[i] = 0;
	}
	for (i = 0; i < m->ndatas; i++) {
		if (m->datas[i].mode != ENG_SEG_ACTIVE)
			continue;
		trap = data_check(inst, i, &off);
		if (trap != ENG_TRAP_NONE)
			return trap;
		data_write(inst, i, off);
		inst->data_dropped[i] = 1;
	}
	return ENG_TRAP_NONE;
}

/* MVP (PVF profile, determinism.md §6.2): every segment is bounds-checked
 * first; nothing is written if one fails. */
static enum eng_trap apply_segments_mvp(struct eng_instance *inst)
{
	const struct eng_module *m = inst->m;
	enum eng_trap trap;
	uint64_t off;
	uint32_t i;

	for (i = 0; i < m->nelems; i++) {
		if (m->elems[i].mode != ENG_SEG_ACTIVE)
			continue;
		trap = elem_check(inst, i, &off);
		if (trap != ENG_TRAP_NONE)
			return trap;
	}
	for (i = 0; i < m->ndatas; i++) {
		if (m->datas[i].mode != ENG_SEG_ACTIVE)
			continue;
		trap = data_check(inst, i, &off);
		if (trap != ENG_TRAP_NONE)
			return trap;
	}
	for (i = 0; i < m->nelems; i++) {
		if (m->elems[i].mode == ENG_SEG_ACTIVE) {
			elem_check(inst, i, &off);
			elem_write(inst, i, off);
		}
		if (m->elems[i].mode != ENG_SEG_PASSIVE)
			inst->elem_len[i] = 0;
	}
	for (i = 0; i < m->ndatas; i++) {
		if (m->datas[i].mode != ENG_SEG_ACTIVE)
			continue;
		data_check(inst, i, &off);
		data_write(inst, i, off);
		inst->data_dropped[i] = 1;
	}
	return ENG_TRAP_NONE;
}

enum eng_status eng_instance_new(struct eng_store *s, struct eng_module *m,
				 eng_resolve_fn resolve, void *resolve_ctx,
				 struct eng_instance **out, struct eng_error *err)
{
	struct eng_instance *inst;
	enum eng_status st;
	enum eng_trap trap;

	*out = NULL;
	/* a native store translates in nat__instance_init, and not at all for
	 * imported native code (eng_module_native_import) */
	st = s->cfg.backend == ENG_BACKEND_NATIVE ? exec__module_init(m, err)
						  : exec__prepare(m, err);
	if (st != ENG_OK)
		return st;
	inst = calloc(1, sizeof(*inst));
	if (!inst)
		return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
	/* The store owns the instance from here on, even if instantiation
	 * fails: a failed instantiation may already have written references
	 * to its functions into imported tables (Wasm 2.0). */
	exec__store_link(s, &inst->hdr, OBJ_INSTANCE);
	inst->store = s;
	inst->m = m;
	inst->canon = m->config.profile == ENG_PROFILE_PVF || s->cfg.nan_canonicalize;
	st = alloc_arrays(inst, err);
	if (st != ENG_OK)
		return st;
	st = resolve_imports(inst, resolve, resolve_ctx, err);
	if (st != ENG_OK)
		return st;
	st = create_objects(s, inst, err);
	if (st != ENG_OK)
		return st;
	if (s->cfg.backend == ENG_BACKEND_NATIVE) {
		st = nat__instance_init(s, inst, err);
		if (st != ENG_OK)
			return st;
	}
	if (m->config.profile == ENG_PROFILE_PVF)
		trap = apply_segments_mvp(inst);
	else
		trap = apply_segments_full(inst);
	if (trap != ENG_TRAP_NONE)
		return exec__call_error(s, trap, err);
	if (m->has_start) {
		struct eng_func *f = inst->funcs[m->start];
		struct eng_val none;

		st = eng_func_call(s, f, &none, 0, &none, 0, err);
		if (st != ENG_OK)
			return st;
	}
	*out = inst;
	return ENG_OK;
}

bool eng_instance_export(struct eng_instance *inst, const char *name, size_t name_len,
			 struct eng_extern *out)
{
	const struct eng_module *m = inst->m;
	uint32_t i;

	for (i = 0; i < m->nexports; i++) {
		const struct eng__export *ex = &m->exports[i];

		if (ex->name_len != name_len || memcmp(ex->name, name, name_len) != 0)
			continue;
		out->kind = ex->kind;
		switch (ex->kind) {
		case ENG_EXTERN_FUNC: out->of.func = inst->funcs[ex->index]; break;
		case ENG_EXTERN_TABLE: out->of.table = inst->tables[ex->index]; break;
		case ENG_EXTERN_MEMORY: out->of.memory = inst->mems[ex->index]; break;
		case ENG_EXTERN_GLOBAL: out->of.global = inst->globals[ex->index]; break;
		default: return false;
		}
		return true;
	}
	return false;
}

struct eng_memory *eng_instance_memory(struct eng_instance *inst)
{
	return inst->mem0;
}
