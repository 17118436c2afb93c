/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Serialised native code (docs/compiler.md §4): eng_module_native_export and
 * eng_module_native_import.
 *
 * - Round trips on random modules (random_module.h) in both profiles and
 *   both NaN modes: the imported module gives the same results, traps and
 *   memory as the compiled one, re-exports the same bytes, and neither
 *   compiles (nat__compilations) nor translates (eng_native_stats.translated)
 *   anything; the value-slot bound (which sizes a PVF's value stack) is the
 *   same; an imported module also runs in an interpreter store.
 * - Interpreter fallbacks recorded in a blob: the loader translates, results
 *   are unchanged; a fallback in one module calling an imported module's
 *   function across instances (the store is translated on demand).
 * - Relocations are applied: a clobbered call displacement is repaired.
 * - Every rejection: each header field, the function and relocation
 *   tables, truncation, trailing bytes, another module, the other NaN mode,
 *   another build identity; a rejected import leaves the module usable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/engine.h"
#include "engine/native/native_int.h"
#include "random_module.h"
#include "tap.h"

#define NARGS 4

/* Results of calling f0..f5 with NARGS argument pairs, and the memory. */
struct outcome {
	enum eng_status st[NFUNC * NARGS];
	enum eng_trap trap[NFUNC * NARGS];
	uint64_t res[NFUNC * NARGS];
	uint64_t mem_sum;
	uint64_t mem_len;
};

static struct eng_module *mod_new(const struct wb *bytes, bool pvf)
{
	struct eng_module_config mc;
	struct eng_module *m = NULL;
	struct eng_error err = {0};

	memset(&mc, 0, sizeof(mc));
	mc.profile = pvf ? ENG_PROFILE_PVF : ENG_PROFILE_FULL;
	if (eng_module_new(bytes->p, bytes->len, &mc, &m, &err) != ENG_OK) {
		printf("# module rejected: %s\n", err.msg);
		return NULL;
	}
	return m;
}

static bool run(struct eng_module *m, bool canon, enum eng_backend be, struct outcome *o)
{
	static const uint64_t a32[NARGS] = {0, 1, 0x80000000, 12345};
	static const uint64_t a64[NARGS] = {0, 7, 0xffffffffffffffff, 0x8000000000000000};
	struct eng_store_config sc;
	struct eng_store *s = NULL;
	struct eng_instance *inst;
	struct eng_error err = {0};
	uint64_t n, h = 1469598103934665603u;
	uint8_t *mem;
	bool ret = false;

	memset(o, 0, sizeof(*o));
	memset(&sc, 0, sizeof(sc));
	sc.nan_canonicalize = canon;
	sc.backend = be;
	sc.logical_stack_max = eng_module_profile(m) == ENG_PROFILE_PVF ? 120 : 0;
	if (eng_store_new(&sc, &s) != ENG_OK)
		return false;
	if (eng_instance_new(s, m, NULL, NULL, &inst, &err) != ENG_OK) {
		printf("# instantiate: %s\n", err.msg);
		goto out;
	}
	for (uint32_t f = 0; f < NFUNC; f++) {
		char name[3] = {'f', (char)('0' + f), 0};
		struct eng_extern ex;

		if (!eng_instance_export(inst, name, 2, &ex))
			goto out;
		for (uint32_t x = 0; x < NARGS; x++) {
			struct eng_val a[2], r;
			uint32_t k = f * NARGS + x;

			a[0].type = ENG_I32;
			a[0].of.i64 = 0;
			a[0].of.i32 = (uint32_t)a32[x];
			a[1].type = ENG_I64;
			a[1].of.i64 = a64[(x + f) & 3];
			memset(&r, 0, sizeof(r));
			memset(&err, 0, sizeof(err));
			o->st[k] = eng_func_call(s, ex.of.func, a, 2, &r, 1, &err);
			o->trap[k] = err.trap;
			o->res[k] = o->st[k] == ENG_OK ? r.of.i64 : 0;
		}
	}
	mem = eng_memory_data(eng_instance_memory(inst), &n);
	for (uint64_t i = 0; i < n; i++)
		h = (h ^ mem[i]) * 1099511628211u;
	o->mem_sum = h;
	o->mem_len = n;
	ret = true;
out:
	eng_store_free(s);
	return ret;
}

static bool same(const struct outcome *a, const struct outcome *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool export_of(struct eng_module *m, bool canon, struct buf *out)
{
	struct eng_error err = {0};

	if (eng_module_prepare_native(m, canon, &err) != ENG_OK ||
	    eng_module_native_export(m, canon, out, &err) != ENG_OK) {
		printf("# export: %s\n", err.msg);
		return false;
	}
	return true;
}

/* ---- round trips ------------------------------------------------------------ */

/* One seed in one profile and NaN mode; returns the number of problems. */
static unsigned round_trip(uint64_t seed, bool pvf, bool canon, unsigned *ncalls,
			   unsigned *nopt)
{
	struct wb bytes = random_module(seed, pvf, false);
	struct eng_module *m1 = mod_new(&bytes, pvf), *m2 = mod_new(&bytes, pvf);
	struct buf blob = BUF_INIT, again = BUF_INIT;
	struct outcome ref, got, interp;
	struct eng_native_stats st, st1;
	struct eng_error err = {0};
	unsigned bad = 0;
	uint64_t before;

	if (!m1 || !m2 || !export_of(m1, canon, &blob) || !run(m1, canon, ENG_BACKEND_NATIVE, &ref)) {
		bad++;
		goto out;
	}
	before = nat__compilations;
	if (eng_module_native_import(m2, canon, blob.data, blob.len, &err) != ENG_OK) {
		printf("# seed %llu: import: %s\n", (unsigned long long)seed, err.msg);
		bad++;
		goto out;
	}
	if (!run(m2, canon, ENG_BACKEND_NATIVE, &got) || !same(&ref, &got)) {
		printf("# seed %llu pvf %d canon %d: imported code differs\n",
		       (unsigned long long)seed, pvf, canon);
		bad++;
	}
	eng_module_native_stats(m2, canon, &st);
	eng_module_native_stats(m1, canon, &st1);
	*nopt += st1.optimised;
	if (nat__compilations != before || !st.imported || st.translated != 0 ||
	    st.compiled != st.functions || st.functions != NFUNC ||
	    st.optimised != st1.optimised) {
		printf("# seed %llu: compiled %llu times, imported %d, translated %u, "
		       "compiled %u/%u, optimised %u (exported %u)\n", (unsigned long long)seed,
		       (unsigned long long)(nat__compilations - before), st.imported,
		       st.translated, st.compiled, st.functions, st.optimised, st1.optimised);
		bad++;
	}
	if (eng_module_native_export(m2, canon, &again, &err) != ENG_OK ||
	    again.len != blob.len || memcmp(again.data, blob.data, blob.len) != 0) {
		printf("# seed %llu: re-export differs\n", (unsigned long long)seed);
		bad++;
	}
	/* the same module in an interpreter store: translated there */
	if (!run(m2, canon, ENG_BACKEND_INTERP, &interp) || !same(&ref, &interp)) {
		printf("# seed %llu: interpreter on the imported module differs\n",
		       (unsigned long long)seed);
		bad++;
	}
	if (pvf && (eng_module_value_slots_bound(m2, 120) == 0 ||
		    eng_module_value_slots_bound(m2, 120) != eng_module_value_slots_bound(m1, 120))) {
		printf("# seed %llu: value-slot bound %llu after import, %llu compiled\n",
		       (unsigned long long)seed,
		       (unsigned long long)eng_module_value_slots_bound(m2, 120),
		       (unsigned long long)eng_module_value_slots_bound(m1, 120));
		bad++;
	}
	*ncalls += NFUNC * NARGS;
out:
	buf_deinit(&blob);
	buf_deinit(&again);
	eng_module_free(m1);
	eng_module_free(m2);
	free(bytes.p);
	return bad;
}

static void test_round_trips(void)
{
	unsigned calls = 0, bad = 0, mods = 0, opt = 0;

	for (uint64_t seed = 0; seed < 120; seed++) {
		bad += round_trip(seed, false, seed & 1, &calls, &opt);
		bad += round_trip(seed, true, true, &calls, &opt);
		mods += 2;
	}
	ok(bad == 0, "%u random modules (full profile in both NaN modes, pvf): %u calls, "
	   "imported code gives identical results/traps/memory, no compilation or "
	   "translation, identical re-export and value-slot bound: %u problems", mods, calls,
	   bad);
	ok(opt > 0, "the blobs carry code of the optimising tier: %u functions", opt);
}

/* A blob recording interpreter fallbacks: the loader translates the module. */
static void test_fallback(void)
{
	struct wb bytes = random_module(7, false, false);
	struct eng_module *m1 = mod_new(&bytes, false), *m2 = mod_new(&bytes, false);
	struct buf blob = BUF_INIT;
	struct outcome ref, got;
	struct eng_native_stats st;
	struct eng_error err = {0};

	nat__test_fallback_every = 2;
	ok(m1 && m2 && export_of(m1, true, &blob), "compiled with every second function "
	   "as an interpreter stub");
	nat__test_fallback_every = 0;
	ok(run(m1, true, ENG_BACKEND_NATIVE, &ref), "ran the compiled module");
	memset(&err, 0, sizeof(err));
	ok_eq(eng_module_native_import(m2, true, blob.data, blob.len, &err), ENG_OK,
	      "imported (%s)", err.msg);
	eng_module_native_stats(m2, true, &st);
	ok(st.imported && st.compiled == NFUNC / 2 && st.translated == NFUNC,
	   "stubs recorded (%u/%u compiled): the whole module was translated (%u)",
	   st.compiled, st.functions, st.translated);
	ok(run(m2, true, ENG_BACKEND_NATIVE, &got) && same(&ref, &got),
	   "mixed native/interpreted execution gives the same results");
	buf_deinit(&blob);
	eng_module_free(m1);
	eng_module_free(m2);
	free(bytes.p);
}

/* Module A: imports b.f0 : (i32, i64) -> i64 and exports g = a call of it. */
static struct wb caller_module(void)
{
	static const uint8_t a[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 7, 1, 0x60, 2, 0x7f, 0x7e, 1, 0x7e,            /* type 0 */
		2, 8, 1, 1, 'b', 2, 'f', '0', 0, 0,               /* import b.f0 */
		3, 2, 1, 0,                                       /* func 1: type 0 */
		7, 5, 1, 1, 'g', 0, 1,                            /* export g */
		10, 10, 1, 8, 0, 0x20, 0, 0x20, 1, 0x10, 0, 0x0b, /* f0(p0, p1) */
	};
	struct wb b = {0};

	wb_bytes(&b, a, sizeof(a));
	return b;
}

struct one_export {
	struct eng_instance *inst;
};

static bool resolve_b(void *ctx, const char *module, size_t module_len, const char *name,
		      size_t name_len, const struct eng_extern_type *want, struct eng_extern *out)
{
	struct one_export *e = ctx;

	return module_len == 1 && module[0] == 'b' &&
	       eng_instance_export(e->inst, name, name_len, out);
}

/* An interpreted function (A, all stubs) calls an imported module's (B)
 * function in the interpreter: the store translates B on demand. */
static void test_fallback_calls_imported(void)
{
	struct wb bb = random_module(11, false, false), ab = caller_module();
	struct eng_module *b1 = mod_new(&bb, false), *b2 = mod_new(&bb, false);
	struct eng_module *a = mod_new(&ab, false);
	struct eng_store_config sc;
	struct eng_store *s = NULL;
	struct eng_instance *ai = NULL;
	struct one_export e = {NULL};
	struct eng_native_stats st;
	struct eng_extern gx, fx;
	struct eng_val args[2], r1, r2;
	struct buf blob = BUF_INIT;
	struct eng_error err = {0};
	enum eng_status s1, s2;

	ok(a && b1 && b2 && export_of(b1, true, &blob), "module B compiled and exported");
	memset(&err, 0, sizeof(err));
	ok_eq(eng_module_native_import(b2, true, blob.data, blob.len, &err), ENG_OK,
	      "B imported into a fresh module (%s)", err.msg);
	nat__test_fallback_every = 1;
	memset(&err, 0, sizeof(err));
	ok_eq(eng_module_prepare_native(a, true, &err), ENG_OK, "A compiled as stubs only");
	nat__test_fallback_every = 0;
	memset(&sc, 0, sizeof(sc));
	sc.nan_canonicalize = true;
	sc.backend = ENG_BACKEND_NATIVE;
	ok(eng_store_new(&sc, &s) == ENG_OK &&
	   eng_instance_new(s, b2, NULL, NULL, &e.inst, &err) == ENG_OK &&
	   eng_instance_new(s, a, resolve_b, &e, &ai, &err) == ENG_OK,
	   "B and A instantiated in one native store");
	eng_module_native_stats(b2, true, &st);
	ok_eq(st.translated, 0, "B is not translated before a fallback runs");
	ok(eng_instance_export(ai, "g", 1, &gx) && eng_instance_export(e.inst, "f0", 2, &fx),
	   "exports found");
	args[0].type = ENG_I32;
	args[0].of.i64 = 0;
	args[0].of.i32 = 3;
	args[1].type = ENG_I64;
	args[1].of.i64 = 5;
	s1 = eng_func_call(s, gx.of.func, args, 2, &r1, 1, &err);
	s2 = eng_func_call(s, fx.of.func, args, 2, &r2, 1, &err);
	ok(s1 == s2 && (s1 != ENG_OK || r1.of.i64 == r2.of.i64),
	   "A.g (interpreted) calling B.f0 gives B.f0's own result");
	eng_module_native_stats(b2, true, &st);
	ok_eq(st.translated, NFUNC, "B was translated when the fallback ran");
	eng_store_free(s);
	buf_deinit(&blob);
	eng_module_free(a);
	eng_module_free(b1);
	eng_module_free(b2);
	free(ab.p);
	free(bb.p);
}

/* ---- relocations and rejections ------------------------------------------------ */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Offsets of the blob's sections (docs/compiler.md §4). */
static size_t funcs_at(void)
{
	return 96;
}

static size_t relocs_at(const uint8_t *b)
{
	return 96 + (size_t)get32(b + 64) * 16;
}

static size_t code_at(const uint8_t *b)
{
	return relocs_at(b) + (size_t)get32(b + 72) * 8;
}

static void test_relocations(void)
{
	struct wb bytes = random_module(3, false, false);
	struct eng_module *m1 = mod_new(&bytes, false), *m2 = mod_new(&bytes, false);
	struct buf blob = BUF_INIT;
	struct outcome ref, got;
	struct eng_error err = {0};
	uint32_t nrel, site;

	ok(m1 && m2 && export_of(m1, true, &blob) && run(m1, true, ENG_BACKEND_NATIVE, &ref),
	   "module compiled, exported and run");
	nrel = get32(blob.data + 72);
	ok(nrel > 0, "the module has direct calls (%u relocations)", nrel);
	/* every call displacement zeroed in the blob: the loader rewrites them */
	for (uint32_t i = 0; i < nrel; i++) {
		site = get32(blob.data + relocs_at(blob.data) + (size_t)i * 8);
		put32(blob.data + code_at(blob.data) + site, 0);
	}
	memset(&err, 0, sizeof(err));
	ok_eq(eng_module_native_import(m2, true, blob.data, blob.len, &err), ENG_OK,
	      "imported (%s)", err.msg);
	ok(run(m2, true, ENG_BACKEND_NATIVE, &got) && same(&ref, &got),
	   "results identical: the relocations were applied");
	buf_deinit(&blob);
	eng_module_free(m1);
	eng_module_free(m2);
	free(bytes.p);
}

struct bad_case {
	const char *what;
	size_t off;         /* byte to change (SIZE_MAX: see len) */
	uint8_t xor;
	uint32_t set;       /* if xor == 0: a u32 written at off */
	const char *msg;    /* expected in err.msg */
};

static void expect_reject(struct eng_module *m, bool canon, const uint8_t *b, size_t len,
			  const char *what, const char *msg)
{
	struct eng_error err = {0};
	enum eng_status st;

	memset(&err, 0, sizeof(err));
	st = eng_module_native_import(m, canon, b, len, &err);
	ok(st == ENG_ERR_NATIVE_CODE && strstr(err.msg, msg) != NULL,
	   "%s: rejected, \"%s\"", what, err.msg);
	if (st == ENG_OK)
		printf("#   accepted: the remaining cases use a module that has code now\n");
}

static void test_rejections(void)
{
	struct wb bytes = random_module(5, false, false), other = random_module(6, false, false);
	struct eng_module *m1 = mod_new(&bytes, false), *m2 = mod_new(&bytes, false);
	struct eng_module *mo = mod_new(&other, false), *m3 = mod_new(&bytes, false);
	struct buf blob = BUF_INIT, blob0 = BUF_INIT;
	struct eng_native_stats st;
	struct eng_error err = {0};
	uint8_t *b;
	size_t f0, r0;

	if (!ok(m1 && m2 && mo && m3 && export_of(m1, true, &blob) &&
		export_of(m1, false, &blob0), "module compiled in both NaN modes and exported"))
		return;
	f0 = funcs_at();
	r0 = relocs_at(blob.data);
	const struct bad_case cases[] = {
		{"magic", 0, 0x01, 0, "bad magic"},
		{"magic, last byte", 7, 0x01, 0, "bad magic"},
		{"format version", 8, 0x01, 0, "format version 2, this engine reads 3"},
		{"target", 12, 0x02, 0, "another target"},
		{"CPU features", 16, 0x04, 0, "CPU features this engine does not know"},
		{"NaN mode", 20, 0x01, 0, "other NaN mode"},
		{"NaN mode out of range", 20, 0x02, 0, "bad NaN mode"},
		{"profile", 24, 0x01, 0, "another profile"},
		{"flags: an unknown bit", 28, 0x02, 0, "reserved header fields"},
		{"flags: guarded code marked unguarded", 28, 0x01, 0, "reserved header fields"},
		{"build identity", 32, 0x01, 0, "another engine build"},
		{"build identity, last byte", 47, 0x80, 0, "another engine build"},
		{"module fingerprint", 48, 0x01, 0, "another module"},
		{"module fingerprint, last byte", 63, 0x01, 0, "another module"},
		{"function count", 64, 0x01, 0, "function count differs"},
		{"compiled count", 68, 0, NFUNC + 1, "more compiled functions"},
		{"compiled count, lower", 68, 0, 1, "compiled function count differs"},
		{"relocation count", 72, 0, get32(blob.data + 72) + 1, "truncated"},
		{"relocation count, lower", 72, 0, 0, "trailing bytes"},
		{"entry offset", 76, 0, 0x7fffffff, "entry or trap stub offset"},
		{"code length", 80, 0, get32(blob.data + 80) + 1, "truncated"},
		{"trap stub offset", 88, 0, 0x7fffffff, "entry or trap stub offset"},
		{"optimised count", 92, 0, NFUNC + 1, "more optimised functions"},
		{"function entry", f0, 0, 0x7ffffff0, "function entry outside the code"},
		{"function entry misaligned", f0 + 16, 0x01, 0, "function entry outside"},
		{"frame size unaligned", f0 + 4, 0x01, 0, "bad frame size"},
		{"frame size too small", f0 + 4, 0, 8, "bad frame size"},
		{"frame size huge", f0 + 4, 0, 0xfffffff8, "bad frame size"},
		{"stack cost", f0 + 8, 0x01, 0, "stack cost differs"},
		{"function flags", f0 + 12, 0x02, 0, "bad function flags"},
		{"function flags, not compiled", f0 + 12, 0x01, 0, "compiled function count"},
		{"relocation site", r0, 0, 0xfffffff0, "relocation outside the code"},
		{"relocation callee", r0 + 4, 0, NFUNC, "to no function"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];

		b = malloc(blob.len);
		memcpy(b, blob.data, blob.len);
		if (c->xor)
			b[c->off] ^= c->xor;
		else
			put32(b + c->off, c->set);
		expect_reject(m2, true, b, blob.len, c->what, c->msg);
		free(b);
	}
	/* npinned (offset 84) is statistics: not checked, reported as given */
	b = malloc(blob.len);
	memcpy(b, blob.data, blob.len);
	put32(b + 84, get32(b + 84) + 1000);
	memset(&err, 0, sizeof(err));
	ok_eq(eng_module_native_import(m3, true, b, blob.len, &err), ENG_OK,
	      "pinned-locals statistic changed: accepted (%s)", err.msg);
	eng_module_native_stats(m3, true, &st);
	ok_eq(st.pinned_locals, get32(blob.data + 84) + 1000, "and reported as recorded");
	free(b);

	expect_reject(m2, true, blob.data, 0, "empty", "truncated header");
	expect_reject(m2, true, blob.data, 95, "header cut short", "truncated header");
	expect_reject(m2, true, blob.data, 100, "cut inside the function table", "truncated");
	expect_reject(m2, true, blob.data, blob.len - 1, "last code byte missing", "truncated");
	b = malloc(blob.len + 1);
	memcpy(b, blob.data, blob.len);
	b[blob.len] = 0;
	expect_reject(m2, true, b, blob.len + 1, "one byte too many", "trailing bytes");
	free(b);
	expect_reject(mo, true, blob.data, blob.len, "another module's code", "another module");
	expect_reject(m2, false, blob.data, blob.len, "canonicalising code into the other mode",
		      "other NaN mode");
	expect_reject(m2, true, blob0.data, blob0.len, "non-canonicalising code into the "
		      "canonicalising mode", "other NaN mode");

	/* frame sizes must agree with a translation of the module */
	{
		struct eng_module *mt = mod_new(&bytes, false);

		b = malloc(blob.len);
		memcpy(b, blob.data, blob.len);
		put32(b + f0 + 4, get32(b + f0 + 4) + 8);
		ok(mt && eng_module_prepare(mt, &err) == ENG_OK, "a module translated first");
		expect_reject(mt, true, b, blob.len, "frame size other than the translation's",
			      "frame size differs from the module's translation");
		free(b);
		eng_module_free(mt);
	}
	/* after all that, m2 takes the real blob and runs it */
	memset(&err, 0, sizeof(err));
	ok_eq(eng_module_native_import(m2, true, blob.data, blob.len, &err), ENG_OK,
	      "rejected imports left the module usable: import ok (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	ok_eq(eng_module_native_import(m2, true, blob.data, blob.len, &err), ENG_ERR_ARGS,
	      "a second import for the same mode: bad arguments (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	b = malloc(blob0.len);
	memcpy(b, blob0.data, blob0.len);
	put32(b + f0 + 4, get32(b + f0 + 4) + 8);
	expect_reject(m2, false, b, blob0.len, "other mode's frame size disagreeing with the "
		      "first import's", "frame size differs");
	free(b);
	memset(&err, 0, sizeof(err));
	ok_eq(eng_module_native_import(m2, false, blob0.data, blob0.len, &err), ENG_OK,
	      "the other NaN mode imports separately (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	ok_eq(eng_module_native_export(mo, true, &blob, &err), ENG_ERR_ARGS,
	      "export without native code: bad arguments (%s)", err.msg);
	ok(strcmp(eng_status_name(ENG_ERR_NATIVE_CODE), "native code rejected") == 0,
	   "status name");
	{
		char hex[2 * ENG_BUILD_ID_LEN + 1];

		for (int i = 0; i < ENG_BUILD_ID_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", eng_build_id()[i]);
		ok(strcmp(hex, eng_build_id_hex()) == 0, "build identity %s (engine %s)",
		   eng_build_id_hex(), eng_build_version());
	}
	buf_deinit(&blob);
	buf_deinit(&blob0);
	eng_module_free(m1);
	eng_module_free(m2);
	eng_module_free(m3);
	eng_module_free(mo);
	free(bytes.p);
	free(other.p);
}

int main(void)
{
	if (!eng_native_supported())
		tap_skip_all("the native backend is not supported on this machine");
	test_round_trips();
	test_fallback();
	test_fallback_calls_imported();
	test_relocations();
	test_rejections();
	return tap_done();
}
