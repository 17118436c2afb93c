/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linking a runtime against the host: the rules of Polkadot's executor
 * (determinism.md §4.2 and §7, runtime-abi.md §1.4):
 *  - the first memory import, whatever its module name, becomes the
 *    instance's memory (the reference converts it into a definition exported
 *    under the import's field name);
 *  - every other import must be a function of module "env";
 *  - a function the host provides must have exactly the host's signature;
 *  - a function the host does not provide is linked to a stub of the
 *    imported type that traps "call to a missing function env:NAME" when
 *    called (and only then).
 *
 * Also the guest-memory helpers every host function uses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_int.h"

static const struct rt__hostfn *const pvf_families[] = {
	rt__hostfns_allocator, rt__hostfns_hashing, rt__hostfns_crypto, rt__hostfns_trie,
	rt__hostfns_logging,   rt__hostfns_misc,    rt__hostfns_input,
};

static const struct rt__hostfn *find_in(const struct rt__hostfn *fam, const char *name,
					 size_t len)
{
	for (; fam->name; fam++)
		if (strlen(fam->name) == len && memcmp(fam->name, name, len) == 0)
			return fam;
	return NULL;
}

const struct rt__hostfn *rt__hostfn_find(enum rt__hostset set, const char *name, size_t len)
{
	const struct rt__hostfn *f;
	size_t i;

	for (i = 0; i < BASE_ARRAY_SIZE(pvf_families); i++) {
		f = find_in(pvf_families[i], name, len);
		if (f)
			return f;
	}
	if (set == RT_HOSTSET_TOOLS)
		return find_in(rt__hostfns_storage, name, len);
	return NULL;
}

static bool sig_part_matches(const char *letters, const uint8_t *types, uint32_t n)
{
	uint32_t i;

	if (strlen(letters) != n)
		return false;
	for (i = 0; i < n; i++) {
		uint8_t want = letters[i] == 'I' ? ENG_I64 : ENG_I32;

		if (types[i] != want)
			return false;
	}
	return true;
}

bool rt__hostfn_sig_matches(const struct rt__hostfn *def, const struct eng_functype *t)
{
	return sig_part_matches(def->params, t->params, t->nparams) &&
	       sig_part_matches(def->results, t->results, t->nresults);
}

static bool functype_eq(const struct eng_functype *a, const struct eng_functype *b)
{
	return a->nparams == b->nparams && a->nresults == b->nresults &&
	       (a->nparams == 0 || memcmp(a->params, b->params, a->nparams) == 0) &&
	       (a->nresults == 0 || memcmp(a->results, b->results, a->nresults) == 0);
}

/* Names in messages are cut so that a hostile name cannot flood a log. */
static int name_width(size_t len)
{
	return len > 96 ? 96 : (int)len;
}

bool rt__link_check(const struct eng_module *m, enum rt__hostset set,
		    struct rt__link_info *info, char *msg, size_t msg_size)
{
	uint32_t n = eng_module_import_count(m), i, j;
	bool have_mem = false;

	memset(info, 0, sizeof(*info));
	for (i = 0; i < n; i++) {
		const char *mod, *name;
		size_t mod_len, name_len;
		struct eng_extern_type t;
		const struct rt__hostfn *def;

		eng_module_import(m, i, &mod, &mod_len, &name, &name_len, &t);
		if (t.kind == ENG_EXTERN_MEMORY && !have_mem) {
			/* convert_memory_import_into_export: any module name */
			have_mem = true;
			info->mem_imported = true;
			info->mem_min = t.memory.min;
			info->mem_named_memory = name_len == 6 && memcmp(name, "memory", 6) == 0;
			continue;
		}
		if (mod_len != 3 || memcmp(mod, "env", 3) != 0) {
			snprintf(msg, msg_size, "host doesn't provide any imports from non-env module: "
				 "%.*s:%.*s", name_width(mod_len), mod, name_width(name_len), name);
			return false;
		}
		if (t.kind != ENG_EXTERN_FUNC) {
			snprintf(msg, msg_size, "host doesn't provide any non function imports: "
				 "env:%.*s", name_width(name_len), name);
			return false;
		}
		info->nfunc_imports++;
		def = rt__hostfn_find(set, name, name_len);
		if (def) {
			if (!rt__hostfn_sig_matches(def, &t.func)) {
				snprintf(msg, msg_size, "incompatible import type for env:%.*s "
					 "(the host function has a different signature)",
					 name_width(name_len), name);
				return false;
			}
			continue;
		}
		/* A name bound twice resolves to one definition: two imports of
		 * one unknown name with different types cannot both link. */
		for (j = 0; j < i; j++) {
			const char *mod2, *name2;
			size_t mod2_len, name2_len;
			struct eng_extern_type t2;

			eng_module_import(m, j, &mod2, &mod2_len, &name2, &name2_len, &t2);
			if (t2.kind == ENG_EXTERN_FUNC && name2_len == name_len &&
			    memcmp(name2, name, name_len) == 0 && !functype_eq(&t.func, &t2.func)) {
				snprintf(msg, msg_size, "incompatible import type for env:%.*s "
					 "(imported twice with different types)",
					 name_width(name_len), name);
				return false;
			}
		}
		info->nstubs++;
	}
	return true;
}

/* The one host function behind every binding: counts the call, then runs the
 * host function or traps for a stub. */
static enum eng_trap binding_call(struct eng_host_call *hc, void *user, const uint64_t *args,
				  uint64_t *results)
{
	struct rt__binding *b = user;

	b->calls++;
	if (!b->def)
		return eng_host_trap(hc, "call to a missing function env:%.*s",
				     name_width(b->name_len), b->name);
	return b->def->fn(hc, b->call, args, results);
}

bool rt__resolve(void *ctx, const char *module, size_t module_len, const char *name,
		 size_t name_len, const struct eng_extern_type *want, struct eng_extern *out)
{
	struct rt__linker *l = ctx;
	struct rt__binding *b;
	const struct rt__hostfn *def;

	if (want->kind == ENG_EXTERN_MEMORY) {
		struct eng_limits_desc lim;

		if (l->mem)
			return false;   /* only the first memory import is converted */
		if (want->memory.min > l->mem_max_pages)
			return false;   /* caller checked; keeps the engine's type check */
		lim.min = want->memory.min;
		lim.max = l->mem_max_pages;
		lim.has_max = true;
		l->mem = eng_memory_new(l->store, lim);
		if (!l->mem) {
			l->failed_nomem = true;
			return false;
		}
		out->kind = ENG_EXTERN_MEMORY;
		out->of.memory = l->mem;
		return true;
	}
	if (want->kind != ENG_EXTERN_FUNC || module_len != 3 || memcmp(module, "env", 3) != 0)
		return false;
	def = rt__hostfn_find(l->set, name, name_len);
	if (def && !rt__hostfn_sig_matches(def, &want->func))
		return false;
	if (l->nbindings == l->cap_bindings)
		return false;   /* the caller sized the array from the import count */
	b = &l->bindings[l->nbindings++];
	b->call = l->call;
	b->def = def;
	b->name = name;
	b->name_len = name_len;
	b->calls = 0;
	out->kind = ENG_EXTERN_FUNC;
	out->of.func = eng_func_new_host(l->store, &want->func, binding_call, b);
	if (!out->of.func) {
		l->failed_nomem = true;
		return false;
	}
	return true;
}

/* ---- guest memory ------------------------------------------------------- */

enum eng_trap rt__mem_span(struct eng_host_call *hc, uint32_t ptr, uint32_t len,
			   const uint8_t **out)
{
	struct eng_memory *mem = eng_host_call_memory(hc);
	uint8_t *p;

	if (!mem)
		return eng_host_trap(hc, "the runtime has no linear memory");
	p = eng_memory_range(mem, ptr, len);
	if (!p)
		return eng_host_trap(hc, "out of bounds memory access: %u bytes at %u", len, ptr);
	*out = p;
	return ENG_TRAP_NONE;
}

enum eng_trap rt__mem_ps(struct eng_host_call *hc, uint64_t ps, const uint8_t **out,
			 uint32_t *len)
{
	*len = rt__ps_len(ps);
	return rt__mem_span(hc, rt__ps_ptr(ps), *len, out);
}

enum eng_trap rt__mem_read(struct eng_host_call *hc, uint32_t ptr, void *dst, uint32_t len)
{
	struct eng_memory *mem = eng_host_call_memory(hc);

	if (!mem)
		return eng_host_trap(hc, "the runtime has no linear memory");
	if (!eng_memory_read(mem, ptr, dst, len))
		return eng_host_trap(hc, "out of bounds memory access: %u bytes at %u", len, ptr);
	return ENG_TRAP_NONE;
}

enum eng_trap rt__mem_write(struct eng_host_call *hc, uint32_t ptr, const void *src,
			    uint32_t len)
{
	struct eng_memory *mem = eng_host_call_memory(hc);

	if (!mem)
		return eng_host_trap(hc, "the runtime has no linear memory");
	if (!eng_memory_write(mem, ptr, src, len))
		return eng_host_trap(hc, "out of bounds memory access: %u bytes at %u", len, ptr);
	return ENG_TRAP_NONE;
}

/* ---- heap --------------------------------------------------------------- */

enum eng_trap rt__malloc(struct eng_host_call *hc, struct rt__call *c, uint32_t size,
			 uint32_t *ptr)
{
	enum rt_heap_status st;

	if (!c->heap_ready)
		return eng_host_trap(hc, "Failed to allocate memory: host state is not set "
				     "(called during instantiation)");
	st = rt_heap_alloc(&c->heap, &c->heap_mem, size, ptr);
	if (st != RT_HEAP_OK)
		return eng_host_trap(hc, "Failed to allocate memory: %s", rt_heap_status_str(st));
	return ENG_TRAP_NONE;
}

enum eng_trap rt__free(struct eng_host_call *hc, struct rt__call *c, uint32_t ptr)
{
	enum rt_heap_status st;

	if (!c->heap_ready)
		return eng_host_trap(hc, "Failed to deallocate memory: host state is not set "
				     "(called during instantiation)");
	st = rt_heap_free(&c->heap, &c->heap_mem, ptr);
	if (st != RT_HEAP_OK)
		return eng_host_trap(hc, "Failed to deallocate memory: %s",
				     rt_heap_status_str(st));
	return ENG_TRAP_NONE;
}

enum eng_trap rt__return_ptr(struct eng_host_call *hc, struct rt__call *c, const void *data,
			     size_t len, uint32_t *ptr)
{
	enum eng_trap t;

	if (len > UINT32_MAX)
		return eng_host_trap(hc, "Failed to allocate memory: %zu bytes", len);
	t = rt__malloc(hc, c, (uint32_t)len, ptr);
	if (t != ENG_TRAP_NONE)
		return t;
	return rt__mem_write(hc, *ptr, data, (uint32_t)len);
}

enum eng_trap rt__return_ps(struct eng_host_call *hc, struct rt__call *c, const void *data,
			    size_t len, uint64_t *ps)
{
	uint32_t ptr = 0;
	enum eng_trap t = rt__return_ptr(hc, c, data, len, &ptr);

	if (t == ENG_TRAP_NONE)
		*ps = rt__ps_pack(ptr, (uint32_t)len);
	return t;
}
