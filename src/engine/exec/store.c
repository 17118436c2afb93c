/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store and its objects: functions, memories, tables, globals; the
 * embedder's accessors and the host-call API.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>

#include "exec_int.h"

/* ---- store ------------------------------------------------------------------ */

enum eng_status eng_store_new(const struct eng_store_config *config, struct eng_store **out)
{
	struct eng_store *s;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENG_ERR_NOMEM;
	if (config)
		s->cfg = *config;
	if (s->cfg.backend != ENG_BACKEND_INTERP &&
	    (s->cfg.backend != ENG_BACKEND_NATIVE || !eng_native_supported())) {
		free(s);
		return ENG_ERR_ARGS;
	}
	if (!s->cfg.max_memory_pages || s->cfg.max_memory_pages > EXEC_MAX_PAGES)
		s->cfg.max_memory_pages = EXEC_MAX_PAGES;
	if (!s->cfg.max_call_depth)
		s->cfg.max_call_depth = EXEC_DEFAULT_CALL_DEPTH;
	if (!s->cfg.max_value_slots)
		s->cfg.max_value_slots = EXEC_DEFAULT_VALUE_SLOTS;
	if (!s->cfg.max_table_elems)
		s->cfg.max_table_elems = EXEC_DEFAULT_TABLE_ELEMS;
	s->no_mem.base = &s->no_mem_byte;
	s->sl_limit = s->cfg.logical_stack_max ? s->cfg.logical_stack_max : UINT64_MAX;
	/* Native code leaves out-of-bounds accesses to guard regions when the
	 * fault handler is in place (docs/compiler.md "Memory accesses"). */
	s->guard_mem = s->cfg.backend == ENG_BACKEND_NATIVE && !s->cfg.no_guard_pages &&
		       nat__guard_init();
	*out = s;
	return ENG_OK;
}

static void free_object(struct obj_hdr *h)
{
	switch (h->kind) {
	case OBJ_FUNC: {
		struct eng_func *f = (struct eng_func *)h;

		free(f->host_type.types);
		break;
	}
	case OBJ_MEMORY: {
		struct eng_memory *m = (struct eng_memory *)h;

		if (m->reserved)
			munmap(m->base, m->reserved);
		break;
	}
	case OBJ_TABLE:
		free(((struct eng_table *)h)->elems);
		break;
	case OBJ_INSTANCE: {
		struct eng_instance *inst = (struct eng_instance *)h;
		uint32_t i;

		if (inst->elem_refs)
			for (i = 0; i < inst->m->nelems; i++)
				free(inst->elem_refs[i]);
		free(inst->elem_refs);
		free(inst->elem_len);
		free(inst->data_dropped);
		free(inst->funcs);
		free(inst->tables);
		free(inst->mems);
		free(inst->globals);
		free(inst->own_funcs);
		nat__instance_free(inst);
		break;
	}
	case OBJ_GLOBAL:
	case OBJ_FUNC_ARRAY:
	default:
		break;
	}
	free(h);
}

static void stacks_release(struct eng_store *s);

void eng_store_free(struct eng_store *s)
{
	struct obj_hdr *h, *next;

	if (!s)
		return;
	for (h = s->objects; h; h = next) {
		next = h->next;
		free_object(h);
	}
	nat__store_free(s);
	if (s->stack)
		stacks_release(s);
	free(s);
}

void exec__store_link(struct eng_store *s, struct obj_hdr *h, enum obj_kind kind)
{
	h->kind = kind;
	h->next = s->objects;
	s->objects = h;
}

/* Reserves address space that is committed on first touch. */
static void *reserve(size_t bytes, int prot)
{
	void *p = mmap(NULL, bytes, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ---- spare stacks ------------------------------------------------------------ */

/* One spare mapping of each kind per thread, from a freed store: stores
 * created one after another on a thread (a runtime call each) reuse them
 * instead of mapping and unmapping hundreds of MiB every time (a third of an
 * adder validation's time). The contents are scratch, as within one store:
 * every value slot, frame record and native stack word is written before it
 * is read. A thread's spares are unmapped when it exits. */
struct spare {
	void *p;
	size_t size;
};

static __thread struct spare spares[EXEC_SPARE__COUNT];
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static bool spare_key_ok;

static void spares_unmap(void *arg)
{
	struct spare *sp = arg;

	for (unsigned k = 0; k < EXEC_SPARE__COUNT; k++)
		if (sp[k].p)
			munmap(sp[k].p, sp[k].size);
}

static void spare_key_init(void)
{
	spare_key_ok = pthread_key_create(&spare_key, spares_unmap) == 0;
}

void *exec__spare_take(enum exec_spare kind, size_t size)
{
	struct spare *sp = &spares[kind];
	void *p = sp->p;

	if (!p || sp->size != size)
		return NULL;
	sp->p = NULL;
	return p;
}

bool exec__spare_put(enum exec_spare kind, void *p, size_t size)
{
	struct spare *sp = &spares[kind];

	if (sp->p)
		return false;
	pthread_once(&spare_once, spare_key_init);
	if (!spare_key_ok || pthread_setspecific(spare_key, spares) != 0)
		return false;
	sp->p = p;
	sp->size = size;
	return true;
}

static void stacks_release(struct eng_store *s)
{
	size_t fbytes = ((size_t)s->cfg.max_call_depth + 1) * sizeof(struct frame);

	if (!exec__spare_put(EXEC_SPARE_VALUES, s->stack, s->stack_reserved))
		munmap(s->stack, s->stack_reserved);
	if (!exec__spare_put(EXEC_SPARE_FRAMES, s->frames, fbytes))
		munmap(s->frames, fbytes);
}

enum eng_trap exec__stack_ensure(struct eng_store *s)
{
	size_t fbytes;

	if (s->stack)
		return ENG_TRAP_NONE;
	s->stack_reserved = (size_t)s->cfg.max_value_slots * 8;
	fbytes = ((size_t)s->cfg.max_call_depth + 1) * sizeof(struct frame);
	s->stack = exec__spare_take(EXEC_SPARE_VALUES, s->stack_reserved);
	if (!s->stack)
		s->stack = reserve(s->stack_reserved, PROT_READ | PROT_WRITE);
	if (!s->stack)
		return ENG_TRAP_NOMEM;
	s->frames = exec__spare_take(EXEC_SPARE_FRAMES, fbytes);
	if (!s->frames)
		s->frames = reserve(fbytes, PROT_READ | PROT_WRITE);
	if (!s->frames) {
		munmap(s->stack, s->stack_reserved);
		s->stack = NULL;
		return ENG_TRAP_NOMEM;
	}
	s->stack_end = s->stack + s->stack_reserved;
	s->stack_top = s->stack;
	return ENG_TRAP_NONE;
}

/* ---- function types ---------------------------------------------------------- */

bool exec__functype_eq(const struct eng__functype *a, const struct eng__functype *b)
{
	return a->nparams == b->nparams && a->nresults == b->nresults &&
	       (a->nparams + a->nresults == 0 ||
		memcmp(a->types, b->types, a->nparams + a->nresults) == 0);
}

const struct eng_functype *eng_func_type(const struct eng_func *f)
{
	return &f->view;
}

struct eng_func *eng_func_new_host(struct eng_store *s, const struct eng_functype *type,
				   eng_host_fn fn, void *user)
{
	struct eng_func *f = calloc(1, sizeof(*f));
	size_t n = (size_t)type->nparams + type->nresults;

	if (!f)
		return NULL;
	f->host_type.types = malloc(n ? n : 1);
	if (!f->host_type.types) {
		free(f);
		return NULL;
	}
	if (type->nparams)
		memcpy(f->host_type.types, type->params, type->nparams);
	if (type->nresults)
		memcpy(f->host_type.types + type->nparams, type->results, type->nresults);
	f->host_type.nparams = type->nparams;
	f->host_type.nresults = type->nresults;
	f->ft = &f->host_type;
	f->view = eng__functype_view(f->ft);
	f->is_host = true;
	f->fn = fn;
	f->user = user;
	f->store = s;
	exec__store_link(s, &f->hdr, OBJ_FUNC);
	return f;
}

/* ---- host calls ------------------------------------------------------------------- */

struct eng_memory *eng_host_call_memory(struct eng_host_call *call)
{
	return call->inst ? call->inst->mem0 : NULL;
}

struct eng_instance *eng_host_call_instance(struct eng_host_call *call)
{
	return call->inst;
}

struct eng_store *eng_host_call_store(struct eng_host_call *call)
{
	return call->store;
}

enum eng_trap eng_host_trap(struct eng_host_call *call, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call->store->host_msg, sizeof(call->store->host_msg), fmt, ap);
	va_end(ap);
	call->store->host_msg_set = true;
	return ENG_TRAP_HOST;
}

/* ---- memories ------------------------------------------------------------------------ */

struct eng_memory *exec__memory_new(struct eng_store *s, const struct eng__limits *l,
				    struct eng_error *err)
{
	struct eng_memory *m;
	uint64_t limit = s->cfg.max_memory_pages;
	size_t bytes;

	if (l->has_max && l->max < limit)
		limit = l->max;
	if (l->min > s->cfg.max_memory_pages) {
		eng__error(err, ENG_ERR_LIMIT, UINT32_MAX,
			   "memory minimum size of %llu pages exceeds memory limits",
			   (unsigned long long)l->min);
		return NULL;
	}
	if (l->min > limit) {
		eng__error(err, ENG_ERR_LIMIT, UINT32_MAX, "memory minimum exceeds its maximum");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		goto out_nomem;
	m->decl.min = l->min;
	m->decl.max = l->max;
	m->decl.has_max = l->has_max;
	m->limit = (uint32_t)limit;
	m->pages = (uint32_t)l->min;
	m->size = (uint64_t)m->pages * EXEC_PAGE_SIZE;
	bytes = (size_t)limit * EXEC_PAGE_SIZE;
	if (s->guard_mem) {
		/* The whole guard region, even for a memory that cannot grow:
		 * every access the compiled code makes lands inside it. */
		m->base = reserve(EXEC_GUARD_RESERVE, PROT_NONE);
		if (!m->base)
			goto out_free;
		m->reserved = EXEC_GUARD_RESERVE;
		m->fixed = true;
		m->guarded = true;
		if (m->size && mprotect(m->base, m->size, PROT_READ | PROT_WRITE) < 0)
			goto out_unmap;
	} else if (bytes) {
		/* Reserve the whole maximum so growth never moves the memory. */
		m->base = reserve(bytes, PROT_NONE);
		if (m->base) {
			m->reserved = bytes;
			m->fixed = true;
			if (m->size && mprotect(m->base, m->size, PROT_READ | PROT_WRITE) < 0)
				goto out_unmap;
		} else if (m->size) {
			/* No address space for the reservation: map the current
			 * size and move on growth (mremap). */
			m->base = reserve(m->size, PROT_READ | PROT_WRITE);
			if (!m->base)
				goto out_free;
			m->reserved = m->size;
		}
	}
	if (!m->base)
		m->base = &s->no_mem_byte;
	exec__store_link(s, &m->hdr, OBJ_MEMORY);
	return m;
out_unmap:
	munmap(m->base, m->reserved);
out_free:
	free(m);
out_nomem:
	eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
	return NULL;
}

struct eng_memory *eng_memory_new(struct eng_store *s, struct eng_limits_desc limits)
{
	struct eng__limits l = {limits.min, limits.max, limits.has_max};

	if (l.has_max && (l.max < l.min || l.max > EXEC_MAX_PAGES))
		return NULL;
	return exec__memory_new(s, &l, NULL);
}

int64_t eng_memory_grow(struct eng_memory *mem, uint32_t delta)
{
	uint32_t old = mem->pages;
	uint64_t new_pages = (uint64_t)old + delta, new_size;
	void *p;

	if (delta == 0)
		return old;
	if (new_pages > mem->limit)
		return -1;
	new_size = new_pages * EXEC_PAGE_SIZE;
	if (mem->fixed) {
		if (mprotect(mem->base + mem->size, new_size - mem->size,
			     PROT_READ | PROT_WRITE) < 0)
			return -1;
	} else {
		if (mem->reserved)
			p = mremap(mem->base, mem->reserved, new_size, MREMAP_MAYMOVE);
		else
			p = mmap(NULL, new_size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		mem->base = p;
		mem->reserved = new_size;
	}
	mem->pages = (uint32_t)new_pages;
	mem->size = new_size;
	return old;
}

uint8_t *eng_memory_data(struct eng_memory *mem, uint64_t *size_bytes)
{
	*size_bytes = mem->size;
	return mem->base;
}

uint32_t eng_memory_pages(const struct eng_memory *mem)
{
	return mem->pages;
}

bool eng_memory_read(struct eng_memory *mem, uint64_t offset, void *dst, uint64_t len)
{
	if (!exec_in_bounds(offset, len, mem->size))
		return false;
	if (len)
		memcpy(dst, mem->base + offset, len);
	return true;
}

bool eng_memory_write(struct eng_memory *mem, uint64_t offset, const void *src, uint64_t len)
{
	if (!exec_in_bounds(offset, len, mem->size))
		return false;
	if (len)
		memcpy(mem->base + offset, src, len);
	return true;
}

uint8_t *eng_memory_range(struct eng_memory *mem, uint64_t offset, uint64_t len)
{
	if (!exec_in_bounds(offset, len, mem->size))
		return NULL;
	return mem->base + offset;
}

/* ---- tables -------------------------------------------------------------------------- */

struct eng_table *exec__table_new(struct eng_store *s, uint8_t elem_type,
				  const struct eng__limits *l, struct eng_error *err)
{
	struct eng_table *t;
	uint64_t limit = s->cfg.max_table_elems;

	if (l->has_max && l->max < limit)
		limit = l->max;
	if (l->min > limit) {
		eng__error(err, ENG_ERR_LIMIT, UINT32_MAX,
			   "table minimum size of %llu elements exceeds table limits",
			   (unsigned long long)l->min);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		goto out_nomem;
	t->elems = calloc(l->min ? l->min : 1, sizeof(void *));
	if (!t->elems) {
		free(t);
		goto out_nomem;
	}
	t->size = (uint32_t)l->min;
	t->cap = t->size ? t->size : 1;
	t->limit = (uint32_t)limit;
	t->elem_type = elem_type;
	t->decl.min = l->min;
	t->decl.max = l->max;
	t->decl.has_max = l->has_max;
	exec__store_link(s, &t->hdr, OBJ_TABLE);
	return t;
out_nomem:
	eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
	return NULL;
}

struct eng_table *eng_table_new(struct eng_store *s, uint8_t elem_type,
				struct eng_limits_desc limits)
{
	struct eng__limits l = {limits.min, limits.max, limits.has_max};

	if (elem_type != ENG_FUNCREF && elem_type != ENG_EXTERNREF)
		return NULL;
	if (l.min > UINT32_MAX || (l.has_max && (l.max < l.min || l.max > UINT32_MAX)))
		return NULL;
	return exec__table_new(s, elem_type, &l, NULL);
}

int64_t exec__table_grow(struct eng_table *t, uint32_t delta, void *init)
{
	uint32_t old = t->size, i;
	uint64_t n = (uint64_t)old + delta;

	if (n > t->limit)
		return -1;
	if (n > t->cap) {
		uint64_t cap = (uint64_t)t->cap * 2;
		void **p;

		if (cap < n)
			cap = n;
		if (cap > t->limit)
			cap = t->limit;
		p = base_reallocarray(t->elems, cap, sizeof(void *));
		if (!p)
			return -1;
		t->elems = p;
		t->cap = (uint32_t)cap;
	}
	for (i = old; i < n; i++)
		t->elems[i] = init;
	t->size = (uint32_t)n;
	return old;
}

uint32_t eng_table_size(const struct eng_table *t)
{
	return t->size;
}

bool eng_table_get(const struct eng_table *t, uint32_t idx, void **ref)
{
	if (idx >= t->size)
		return false;
	*ref = t->elems[idx];
	return true;
}

/* ---- globals ----------------------------------------------------------------------------- */

static uint64_t val_bits(struct eng_val v)
{
	switch (v.type) {
	case ENG_I32: return v.of.i32;
	case ENG_F32: return v.of.f32;
	case ENG_I64: return v.of.i64;
	case ENG_F64: return v.of.f64;
	case ENG_FUNCREF:
	case ENG_EXTERNREF: return (uint64_t)(uintptr_t)v.of.ref;
	case ENG_V128:
	default: return 0;
	}
}

struct eng_global *eng_global_new(struct eng_store *s, struct eng_val value, bool mut)
{
	struct eng_global *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->type = (uint8_t)value.type;
	g->mut = mut;
	g->bits = val_bits(value);
	exec__store_link(s, &g->hdr, OBJ_GLOBAL);
	return g;
}

struct eng_val eng_global_get(const struct eng_global *g)
{
	struct eng_val v;

	memset(&v, 0, sizeof(v));
	v.type = (enum eng_valtype)g->type;
	switch (g->type) {
	case ENG_I32: v.of.i32 = (uint32_t)g->bits; break;
	case ENG_F32: v.of.f32 = (uint32_t)g->bits; break;
	case ENG_I64: v.of.i64 = g->bits; break;
	case ENG_F64: v.of.f64 = g->bits; break;
	case ENG_FUNCREF:
	case ENG_EXTERNREF: v.of.ref = (void *)(uintptr_t)g->bits; break;
	default: break;
	}
	return v;
}

bool eng_global_set(struct eng_global *g, struct eng_val v)
{
	if (!g->mut || (uint8_t)v.type != g->type)
		return false;
	g->bits = val_bits(v);
	return true;
}
