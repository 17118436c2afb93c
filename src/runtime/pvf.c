/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Preparing and calling runtimes the way Polkadot's PVF executor does
 * (runtime-abi.md §0-§3, determinism.md §6, §9, §10):
 *
 *   prepare:  decompress -> decode + validate in the PVF profile (stack
 *             limiter included) -> translate -> link check
 *   call:     fresh store + instance (memory created for the import with
 *             maximum M) -> memory and __heap_base exports -> entry point
 *             type check -> allocator at align8(__heap_base) -> input
 *             allocated and copied -> call -> (ptr, len) unpacked,
 *             bounds-checked, copied out
 *
 * Every failure is classified (enum rt_err_kind) so callers can tell an
 * invalid candidate from code that should never have passed pre-checking
 * and from a local error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_int.h"

/* Value-stack size: the engine's default (256 MiB of slots) covers every
 * real runtime; a module whose limiter costs allow more (the §3.2 quirk that
 * leaves operands in an else-arm after an unreachable then-arm uncounted,
 * docs/interpreter.md §4) gets up to this many slots (1 GiB of address
 * space, touched only as used), so our stack does not run out before the
 * logical limit where the reference's would not. */
#define RT_MAX_VALUE_SLOTS (128u * 1024 * 1024)

struct rt_runtime {
	struct eng_module *mod;
	struct rt_runtime_config cfg;     /* defaults applied */
	enum rt__hostset set;
	struct rt__link_info link;
	uint32_t value_slots;             /* 0: the engine's default */
};

const char *rt_err_kind_str(enum rt_err_kind k)
{
	switch (k) {
	case RT_OK: return "ok";
	case RT_ERR_DECOMPRESS: return "could not decompress code blob";
	case RT_ERR_PREVALIDATION: return "prevalidation error";
	case RT_ERR_PREPARATION: return "preparation error";
	case RT_ERR_RUNTIME_CONSTRUCTION: return "runtime construction error";
	case RT_ERR_INSTANTIATION: return "instantiation failed";
	case RT_ERR_EXPORT: return "missing or ill-typed export";
	case RT_ERR_TRAP: return "trap";
	case RT_ERR_OUTPUT_BOUNDS: return "output exceeds bounds of wasm memory";
	case RT_ERR_OUTPUT_DECODE: return "validation result decoding failed";
	case RT_ERR_INTERNAL: return "internal error";
	default: return "unknown error";
	}
}

bool rt_err_kind_is_invalid(enum rt_err_kind k)
{
	return k >= RT_ERR_RUNTIME_CONSTRUCTION && k <= RT_ERR_OUTPUT_DECODE;
}

static enum rt_err_kind fail(struct rt_error *err, enum rt_err_kind kind, const char *fmt, ...)
	BASE_PRINTF(3, 4);
static enum rt_err_kind fail(struct rt_error *err, enum rt_err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return kind;
	err->kind = kind;
	err->trap = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return kind;
}

void rt_runtime_config_from_exec_params(const struct rt_exec_params *p,
					struct rt_runtime_config *cfg)
{
	cfg->max_memory_pages = rt_exec_params_memory_max_pages(p);
	cfg->logical_stack_max = rt_exec_params_stack_logical_max(p);
}

/* Engine failures while preparing: a parse failure is what parity-wasm would
 * reject (prevalidation), the rest is wasmparser/instrumentation territory.
 * ENG_ERR_PROFILE is mostly a parse failure (post-MVP opcodes and types); a
 * few profile rejections are wasmparser's in the reference (data-count
 * section, memory-import conversion) and are reported as prevalidation here:
 * both classes reject at pre-check and neither gives a vote at execution. */
static enum rt_err_kind classify_module_error(const struct eng_error *e)
{
	switch (e->status) {
	case ENG_ERR_MALFORMED:
	case ENG_ERR_PROFILE:
		return RT_ERR_PREVALIDATION;
	case ENG_ERR_NOMEM:
		return RT_ERR_INTERNAL;
	case ENG_ERR_INVALID:
	case ENG_ERR_LIMIT:
	case ENG_ERR_STACK_LIMITER:
	default:
		return RT_ERR_PREPARATION;
	}
}

bool rt_native_opt_load(enum rt_engine e, const char **why)
{
	*why = NULL;
	if (e == RT_ENGINE_INTERP || !eng_native_supported())
		return true;
	return eng_native_opt_load(why);
}

void rt_native_opt_enable(bool on)
{
	eng_native_set_tiers(on ? ENG_TIERS_AUTO : ENG_TIERS_SINGLE);
}

bool rt_engine_parse(const char *s, enum rt_engine *out)
{
	if (strcmp(s, "auto") == 0)
		*out = RT_ENGINE_AUTO;
	else if (strcmp(s, "interp") == 0)
		*out = RT_ENGINE_INTERP;
	else if (strcmp(s, "native") == 0)
		*out = RT_ENGINE_NATIVE;
	else
		return false;
	return true;
}

const char *rt_engine_name(enum rt_engine e)
{
	switch (e) {
	case RT_ENGINE_AUTO: return "auto";
	case RT_ENGINE_INTERP: return "interp";
	case RT_ENGINE_NATIVE: return "native";
	default: return "?";
	}
}

enum rt_engine rt_engine_resolve(enum rt_engine e)
{
	if (e == RT_ENGINE_AUTO)
		return eng_native_supported() ? RT_ENGINE_NATIVE : RT_ENGINE_INTERP;
	return e;
}

/* A runtime with cfg's defaults applied and its engine resolved; no module
 * yet. */
static enum rt_err_kind runtime_new(const struct rt_runtime_config *cfg, struct rt_runtime **out,
				    struct rt_error *err)
{
	struct rt_runtime *rt;

	*out = NULL;
	if (rt_crypto_init() < 0)
		return fail(err, RT_ERR_INTERNAL, "cannot initialise the crypto libraries");
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return fail(err, RT_ERR_INTERNAL, "out of memory");
	if (cfg)
		rt->cfg = *cfg;
	if (!rt->cfg.max_memory_pages)
		rt->cfg.max_memory_pages = RT_DEFAULT_HEAP_PAGES_ESTIMATE + RT_EXTRA_HEAP_PAGES;
	if (!rt->cfg.logical_stack_max)
		rt->cfg.logical_stack_max = RT_DEFAULT_LOGICAL_STACK_MAX;
	if (!rt->cfg.code_bomb_limit)
		rt->cfg.code_bomb_limit = RT_CODE_BLOB_BOMB_LIMIT;
	rt->set = rt->cfg.tools ? RT_HOSTSET_TOOLS : RT_HOSTSET_PVF;
	rt->cfg.engine = rt_engine_resolve(rt->cfg.engine);
	if (rt->cfg.engine == RT_ENGINE_NATIVE && !eng_native_supported()) {
		rt_runtime_free(rt);
		return fail(err, RT_ERR_INTERNAL, "the native engine is not supported on this "
			    "machine (use the interpreter)");
	}
	*out = rt;
	return RT_OK;
}

/* Value-stack size: enough for the module's frames up to the logical
 * limit (known once the module is translated, compiled or imported). */
static void runtime_value_slots(struct rt_runtime *rt)
{
	uint64_t bound = eng_module_value_slots_bound(rt->mod, rt->cfg.logical_stack_max);

	if (bound > 32u * 1024 * 1024)
		rt->value_slots = bound > RT_MAX_VALUE_SLOTS ? RT_MAX_VALUE_SLOTS : (uint32_t)bound;
}

static enum rt_err_kind runtime_link(struct rt_runtime *rt, struct rt_error *err)
{
	char msg[200];

	if (!rt__link_check(rt->mod, rt->set, &rt->link, msg, sizeof(msg)))
		return fail(err, RT_ERR_RUNTIME_CONSTRUCTION, "%s", msg);
	return RT_OK;
}

enum rt_err_kind rt_runtime_prepare(const uint8_t *code, size_t len,
				    const struct rt_runtime_config *cfg, struct rt_runtime **out,
				    struct rt_error *err)
{
	struct eng_module_config mcfg = {.profile = ENG_PROFILE_PVF};
	struct eng_error eerr = {0};
	struct rt_runtime *rt;
	enum rt_blob_status bst;
	enum rt_err_kind kind;
	enum eng_status st;
	uint8_t *wasm = NULL;
	size_t wasm_len = 0;

	*out = NULL;
	kind = runtime_new(cfg, &rt, err);
	if (kind != RT_OK)
		return kind;
	bst = rt_blob_decompress(code, len, rt->cfg.code_bomb_limit, false, &wasm, &wasm_len);
	if (bst != RT_BLOB_OK) {
		kind = fail(err, bst == RT_BLOB_ERR_NOMEM ? RT_ERR_INTERNAL : RT_ERR_DECOMPRESS,
			    "%s", rt_blob_status_str(bst));
		goto out_free_rt;
	}
	if (eng_module_new(wasm, wasm_len, &mcfg, &rt->mod, &eerr) != ENG_OK) {
		kind = fail(err, classify_module_error(&eerr), "%s", eerr.msg);
		goto out_free_wasm;
	}
	/* Translate (and compile, for the native engine) every function now,
	 * so calls never compile and the module may be shared. PVFs always
	 * canonicalise NaNs. */
	st = rt->cfg.engine == RT_ENGINE_NATIVE ? eng_module_prepare_native(rt->mod, true, &eerr)
						 : eng_module_prepare(rt->mod, &eerr);
	if (st != ENG_OK) {
		kind = fail(err, classify_module_error(&eerr), "%s", eerr.msg);
		goto out_free_wasm;
	}
	runtime_value_slots(rt);
	kind = runtime_link(rt, err);
	if (kind != RT_OK)
		goto out_free_wasm;
	free(wasm);
	*out = rt;
	return RT_OK;
out_free_wasm:
	free(wasm);
out_free_rt:
	rt_runtime_free(rt);
	return kind;
}

enum rt_err_kind rt_runtime_load(const uint8_t *wasm, size_t wasm_len, const uint8_t *native,
				 size_t native_len, const struct rt_runtime_config *cfg,
				 struct rt_runtime **out, struct rt_error *err)
{
	struct eng_module_config mcfg = {.profile = ENG_PROFILE_PVF};
	struct eng_error eerr = {0};
	enum rt_engine want = native ? RT_ENGINE_NATIVE : RT_ENGINE_INTERP;
	struct rt_runtime *rt;
	enum rt_err_kind kind;
	enum eng_status st;

	*out = NULL;
	if (rt_engine_resolve(cfg ? cfg->engine : RT_ENGINE_AUTO) != want)
		return fail(err, RT_ERR_RUNTIME_CONSTRUCTION, "the artifact is for the %s engine, "
			    "this runtime is configured for %s", rt_engine_name(want),
			    rt_engine_name(rt_engine_resolve(cfg ? cfg->engine : RT_ENGINE_AUTO)));
	kind = runtime_new(cfg, &rt, err);
	if (kind != RT_OK)
		return kind;
	if (eng_module_new(wasm, wasm_len, &mcfg, &rt->mod, &eerr) != ENG_OK) {
		kind = fail(err, classify_module_error(&eerr), "%s", eerr.msg);
		goto out_free_rt;
	}
	/* The link check first: an artifact of a module that does not link
	 * (prepared for execution, §4.8) fails as it did when prepared. */
	kind = runtime_link(rt, err);
	if (kind != RT_OK)
		goto out_free_rt;
	st = native ? eng_module_native_import(rt->mod, true, native, native_len, &eerr)
		    : eng_module_prepare(rt->mod, &eerr);
	if (st != ENG_OK) {
		kind = fail(err, st == ENG_ERR_NATIVE_CODE ? RT_ERR_RUNTIME_CONSTRUCTION
			    : classify_module_error(&eerr), "%s", eerr.msg);
		goto out_free_rt;
	}
	runtime_value_slots(rt);
	*out = rt;
	return RT_OK;
out_free_rt:
	rt_runtime_free(rt);
	return kind;
}

enum rt_err_kind rt_runtime_export_native(const struct rt_runtime *rt, struct buf *out,
					  struct rt_error *err)
{
	struct eng_error eerr = {0};
	enum eng_status st;

	if (rt->cfg.engine != RT_ENGINE_NATIVE)
		return fail(err, RT_ERR_INTERNAL, "the runtime was prepared for the interpreter: "
			    "no native code");
	st = eng_module_native_export(rt->mod, true, out, &eerr);
	if (st != ENG_OK)
		return fail(err, RT_ERR_INTERNAL, "%s", eerr.msg);
	return RT_OK;
}

enum rt_engine rt_runtime_engine(const struct rt_runtime *rt)
{
	return rt->cfg.engine;
}

enum rt_err_kind rt_runtime_precheck(const uint8_t *code, size_t len,
				     const struct rt_runtime_config *cfg, struct rt_error *err)
{
	struct rt_runtime *rt = NULL;
	enum rt_err_kind kind = rt_runtime_prepare(code, len, cfg, &rt, err);

	rt_runtime_free(rt);
	return kind;
}

void rt_runtime_free(struct rt_runtime *rt)
{
	if (!rt)
		return;
	eng_module_free(rt->mod);
	free(rt);
}

void rt_runtime_code_stats(const struct rt_runtime *rt, struct rt_code_stats *st)
{
	struct eng_native_stats ns;

	memset(st, 0, sizeof(*st));
	/* runtimes run with NaN canonicalisation (rt_runtime_prepare) */
	eng_module_native_stats(rt->mod, true, &ns);
	st->native = rt->cfg.engine == RT_ENGINE_NATIVE && ns.functions > 0;
	st->functions = ns.functions;
	st->compiled = ns.compiled;
	st->optimised = ns.optimised;
	st->code_bytes = ns.code_bytes;
	st->opt_dropped = ns.optimised_dropped;
}

bool rt_runtime_has_export(const struct rt_runtime *rt, const char *name)
{
	uint32_t n = eng_module_export_count(rt->mod), i;
	size_t len = strlen(name);

	for (i = 0; i < n; i++) {
		const char *ename;
		size_t elen;
		struct eng_extern_type t;

		eng_module_export(rt->mod, i, &ename, &elen, &t);
		if (elen == len && memcmp(ename, name, len) == 0)
			return true;
	}
	return false;
}

uint64_t rt_call_stats_calls(const struct rt_call_stats *st, const char *name)
{
	size_t len = strlen(name);
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < st->nimports; i++)
		if (st->imports[i].name_len == len && memcmp(st->imports[i].name, name, len) == 0)
			n += st->imports[i].calls;
	return n;
}

void rt_call_stats_deinit(struct rt_call_stats *st)
{
	free(st->imports);
	memset(st, 0, sizeof(*st));
}

/* ---- one call ------------------------------------------------------------ */

static uint8_t *heap_mem_data(void *ctx, uint64_t *size)
{
	return eng_memory_data(ctx, size);
}

static int64_t heap_mem_grow(void *ctx, uint32_t pages)
{
	return eng_memory_grow(ctx, pages);
}

static bool functype_is(const struct eng_functype *t, const char *params, const char *results)
{
	struct rt__hostfn def = {"", params, results, NULL};

	return rt__hostfn_sig_matches(&def, t);
}

static void fill_stats(const struct rt__linker *l, const struct rt__call *c,
		       struct rt_call_stats *st)
{
	uint32_t i;

	memset(st, 0, sizeof(*st));
	st->imports = calloc(l->nbindings ? l->nbindings : 1, sizeof(*st->imports));
	if (st->imports) {
		st->nimports = l->nbindings;
		for (i = 0; i < l->nbindings; i++) {
			st->imports[i].name = l->bindings[i].name;
			st->imports[i].name_len = l->bindings[i].name_len;
			st->imports[i].calls = l->bindings[i].calls;
			st->imports[i].stub = !l->bindings[i].def;
		}
	}
	st->heap_base = c->heap.original_heap_base;
	st->heap = c->heap.stats;
	st->heap.address_space_used = c->heap.bumper - c->heap.original_heap_base;
	st->mem_pages = c->mem ? eng_memory_pages(c->mem) : 0;
}

/* Instantiates and resolves memory, __heap_base and the entry point. */
static enum rt_err_kind instantiate(struct rt_runtime *rt, struct eng_store *store,
				    struct rt__linker *l, struct rt__call *c, const char *fn,
				    struct eng_func **entry, bool *rfc145, struct rt_error *err)
{
	struct eng_instance *inst = NULL;
	struct eng_error eerr = {0};
	struct eng_extern ext;
	struct eng_val hb;
	const struct eng_functype *ft;
	enum eng_status st;

	if (rt->link.mem_imported && rt->link.mem_min > rt->cfg.max_memory_pages)
		return fail(err, RT_ERR_INSTANTIATION, "failed to instantiate a new WASM module "
			    "instance: memory minimum size of %llu pages exceeds memory limits "
			    "(%u pages)", (unsigned long long)rt->link.mem_min,
			    rt->cfg.max_memory_pages);
	st = eng_instance_new(store, rt->mod, rt__resolve, l, &inst, &eerr);
	if (st != ENG_OK) {
		if (st == ENG_ERR_NOMEM || l->failed_nomem)
			return fail(err, RT_ERR_INTERNAL, "out of memory while instantiating");
		if (st == ENG_ERR_UNLINKABLE)
			return fail(err, RT_ERR_RUNTIME_CONSTRUCTION, "%s", eerr.msg);
		fail(err, RT_ERR_INSTANTIATION, "failed to instantiate a new WASM module "
		     "instance: %s", eerr.msg);
		if (err)
			err->trap = (int)eerr.trap;
		return RT_ERR_INSTANTIATION;
	}
	/* The reference exports the converted import under its field name and
	 * then looks for `memory`. */
	if (rt->link.mem_imported) {
		if (!rt->link.mem_named_memory)
			return fail(err, RT_ERR_EXPORT, "memory is not exported under `memory` name");
		c->mem = l->mem;
	} else {
		if (!eng_instance_export(inst, "memory", 6, &ext) || ext.kind != ENG_EXTERN_MEMORY)
			return fail(err, RT_ERR_EXPORT, "memory is not exported under `memory` name");
		c->mem = ext.of.memory;
	}
	if (!eng_instance_export(inst, "__heap_base", 11, &ext) || ext.kind != ENG_EXTERN_GLOBAL)
		return fail(err, RT_ERR_EXPORT, "__heap_base is not found");
	hb = eng_global_get(ext.of.global);
	if (hb.type != ENG_I32)
		return fail(err, RT_ERR_EXPORT, "__heap_base is not an i32");
	if (!eng_instance_export(inst, fn, strlen(fn), &ext) || ext.kind != ENG_EXTERN_FUNC)
		return fail(err, RT_ERR_EXPORT, "Exported method %.100s is not found", fn);
	ft = eng_func_type(ext.of.func);
	if (functype_is(ft, "ii", "I"))
		*rfc145 = false;
	else if (functype_is(ft, "i", "I"))
		*rfc145 = true;
	else
		return fail(err, RT_ERR_EXPORT, "Exported function '%.100s' has invalid signature",
			    fn);
	*entry = ext.of.func;
	rt_heap_init(&c->heap, hb.of.i32);
	c->heap_mem.data = heap_mem_data;
	c->heap_mem.grow = heap_mem_grow;
	c->heap_mem.max_pages = rt->cfg.max_memory_pages;
	c->heap_mem.ctx = c->mem;
	c->heap_ready = true;
	return RT_OK;
}

enum rt_err_kind rt_runtime_call(struct rt_runtime *rt, const char *fn, const uint8_t *in,
				 size_t in_len, const struct rt_call_opts *opts, uint8_t **out,
				 size_t *out_len, struct rt_error *err)
{
	struct eng_store_config scfg = {0};
	struct eng_store *store = NULL;
	struct eng_error eerr = {0};
	struct rt_storage *empty = NULL;
	struct rt__linker l;
	struct rt__call c;
	struct eng_func *entry = NULL;
	struct eng_val args[2], res;
	enum rt_heap_status hst;
	enum rt_err_kind kind;
	enum eng_status st;
	uint32_t in_ptr = 0, out_ptr, olen;
	bool rfc145 = false;
	const uint8_t *src;

	*out = NULL;
	*out_len = 0;
	if (err)
		memset(err, 0, sizeof(*err));
	memset(&c, 0, sizeof(c));
	memset(&l, 0, sizeof(l));
	if (in_len > UINT32_MAX)
		return fail(err, RT_ERR_INTERNAL, "input of %zu bytes is too large", in_len);
	if (rt->cfg.tools) {
		c.storage = opts ? opts->storage : NULL;
		if (!c.storage) {
			empty = rt_storage_new();
			if (!empty)
				return fail(err, RT_ERR_INTERNAL, "out of memory");
			c.storage = empty;
		}
	}
	scfg.max_memory_pages = rt->cfg.max_memory_pages;
	scfg.logical_stack_max = rt->cfg.logical_stack_max;
	scfg.nan_canonicalize = true;
	scfg.backend = rt->cfg.engine == RT_ENGINE_NATIVE ? ENG_BACKEND_NATIVE : ENG_BACKEND_INTERP;
	scfg.max_value_slots = rt->value_slots;
	if (eng_store_new(&scfg, &store) != ENG_OK) {
		kind = fail(err, RT_ERR_INTERNAL, "out of memory creating a store");
		goto out_free_storage;
	}
	l.store = store;
	l.set = rt->set;
	l.call = &c;
	l.mem_max_pages = rt->cfg.max_memory_pages;
	l.cap_bindings = rt->link.nfunc_imports;
	l.bindings = calloc(l.cap_bindings ? l.cap_bindings : 1, sizeof(*l.bindings));
	if (!l.bindings) {
		kind = fail(err, RT_ERR_INTERNAL, "out of memory");
		goto out_free_store;
	}
	kind = instantiate(rt, store, &l, &c, fn, &entry, &rfc145, err);
	if (kind != RT_OK)
		goto out_stats;

	if (rfc145) {
		c.input = in;
		c.input_len = in_len;
		c.input_avail = true;
		args[0].type = ENG_I32;
		args[0].of.i32 = (uint32_t)in_len;
	} else {
		hst = rt_heap_alloc(&c.heap, &c.heap_mem, (uint32_t)in_len, &in_ptr);
		if (hst != RT_HEAP_OK) {
			kind = fail(err, RT_ERR_TRAP, "failed to allocate the input (%zu bytes): %s",
				    in_len, rt_heap_status_str(hst));
			if (err)
				err->trap = ENG_TRAP_HOST;
			goto out_stats;
		}
		if (in_len && !eng_memory_write(c.mem, in_ptr, in, in_len)) {
			kind = fail(err, RT_ERR_INTERNAL, "input allocation outside memory");
			goto out_stats;
		}
		args[0].type = ENG_I32;
		args[0].of.i32 = in_ptr;
		args[1].type = ENG_I32;
		args[1].of.i32 = (uint32_t)in_len;
	}
	st = eng_func_call(store, entry, args, rfc145 ? 1 : 2, &res, 1, &eerr);
	if (st == ENG_ERR_TRAP) {
		kind = fail(err, RT_ERR_TRAP, "%s", eerr.msg[0] ? eerr.msg
						   : eng_trap_name(eerr.trap));
		if (err)
			err->trap = (int)eerr.trap;
		goto out_stats;
	}
	if (st != ENG_OK) {
		kind = fail(err, RT_ERR_INTERNAL, "%s: %s", eng_status_name(st), eerr.msg);
		goto out_stats;
	}
	out_ptr = (uint32_t)res.of.i64;
	olen = (uint32_t)(res.of.i64 >> 32);
	src = eng_memory_range(c.mem, out_ptr, olen);
	if (!src) {
		kind = fail(err, RT_ERR_OUTPUT_BOUNDS, "output exceeds bounds of wasm memory: "
			    "%u bytes at %u", olen, out_ptr);
		goto out_stats;
	}
	*out = malloc(olen ? olen : 1);
	if (!*out) {
		kind = fail(err, RT_ERR_INTERNAL, "out of memory");
		goto out_stats;
	}
	if (olen)
		memcpy(*out, src, olen);
	*out_len = olen;
	kind = RT_OK;
out_stats:
	if (opts && opts->stats)
		fill_stats(&l, &c, opts->stats);
	free(l.bindings);
out_free_store:
	eng_store_free(store);
out_free_storage:
	rt_storage_free(empty);
	return kind;
}

enum rt_err_kind rt_validate_block(struct rt_runtime *rt, const uint8_t *params, size_t len,
				   struct arena *a, uint8_t **out, size_t *out_len,
				   struct rt_validation_result *res, struct rt_error *err)
{
	struct scale_reader r;
	enum scale_status sst;
	enum rt_err_kind kind;

	kind = rt_runtime_call(rt, "validate_block", params, len, NULL, out, out_len, err);
	if (kind != RT_OK)
		return kind;
	scale_reader_init(&r, *out, *out_len);
	sst = rt_validation_result_read(&r, a, res);
	if (sst != SCALE_OK) {
		free(*out);
		*out = NULL;
		*out_len = 0;
		return fail(err, RT_ERR_OUTPUT_DECODE, "validation result decoding failed: %s "
			    "at byte %zu", scale_status_str(sst), r.err_pos);
	}
	return RT_OK;
}
