/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random programs on both backends (docs/compiler.md §5): a type-directed
 * generator builds valid modules (nested expressions of i32/i64/f64 values,
 * locals and tees, loads and stores, blocks with br_if carrying values,
 * if/else with results, bounded loops, br_table, select, direct and
 * indirect calls (structurally equal type, null entry, past the table,
 * wrong type), globals, memory.size/grow, f32/f64 and conversions,
 * occasional trapping divisions and out-of-bounds accesses). Each module
 * runs on the interpreter and the native backend (single-pass code only, and
 * every function the optimising tier can take compiled by LLVM) with NaN
 * canonicalisation on (full profile with nan_canonicalize; the PVF
 * profile), and the results or traps and the memory contents after each
 * call must be identical (for optimised code, memory after an out-of-bounds
 * trap excepted: docs/compiler.md §1a). (Without
 * canonicalisation NaN payloads are not defined by Wasm and the
 * interpreter's depend on its C compiler, so a program branching on NaN bits
 * may legitimately diverge.) Deterministic seeds; argv[1] optionally sets
 * the number of modules (default 2000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/engine.h"
#include "tap.h"

#include "engine/engine_int.h"
#include "engine/exec/exec_int.h"
#include "random_module.h"

/* ---- running ------------------------------------------------------------------ */

struct run {
	struct eng_store *s;
	struct eng_instance *inst;
};

static bool run_new(struct run *r, struct eng_module *m, bool canon, enum eng_backend be,
		    uint32_t sl_max)
{
	struct eng_store_config sc;
	struct eng_error err;

	memset(&sc, 0, sizeof(sc));
	sc.nan_canonicalize = canon;
	sc.backend = be;
	sc.logical_stack_max = sl_max;
	if (eng_store_new(&sc, &r->s) != ENG_OK)
		return false;
	if (eng_instance_new(r->s, m, NULL, NULL, &r->inst, &err) != ENG_OK) {
		printf("# instantiate: %s\n", err.msg);
		return false;
	}
	return true;
}

/* The runs of one module: the interpreter (the oracle), the native backend
 * with single-pass code only, and the native backend with every function
 * the optimising tier can translate compiled by it (docs/compiler.md §1a).
 * Each native run has its own module object: native code is compiled per
 * module, with the tier setting of the moment. */
enum { R_INTERP, R_SINGLE, R_OPT, NRUN };

struct runs {
	struct eng_module *m[NRUN];
	struct run r[NRUN];
};

static const enum eng_native_tiers run_tiers[NRUN] = {ENG_TIERS_AUTO, ENG_TIERS_SINGLE,
						      ENG_TIERS_ALL};

static bool runs_new(struct runs *rs, const struct wb *bytes, const struct eng_module_config *mc,
		     bool canon, uint32_t sl_max)
{
	struct eng_error err;
	bool good = true;

	memset(rs, 0, sizeof(*rs));
	for (int k = 0; k < NRUN && good; k++) {
		eng_native_set_tiers(run_tiers[k]);
		good = eng_module_new(bytes->p, bytes->len, mc, &rs->m[k], &err) == ENG_OK &&
		       run_new(&rs->r[k], rs->m[k], canon,
			       k == R_INTERP ? ENG_BACKEND_INTERP : ENG_BACKEND_NATIVE, sl_max);
	}
	eng_native_set_tiers(ENG_TIERS_AUTO);
	return good;
}

static void runs_free(struct runs *rs)
{
	for (int k = 0; k < NRUN; k++) {
		eng_store_free(rs->r[k].s);
		eng_module_free(rs->m[k]);
	}
}

/* Functions compiled by the optimising tier in R_OPT's module. */
static uint32_t runs_optimised(const struct runs *rs, bool canon)
{
	struct eng_native_stats st;

	eng_module_native_stats(rs->m[R_OPT], canon, &st);
	return st.optimised;
}

/* Calls export f<f> with argument pair x of the fixed table (every test
 * calls f0..f5 with x = 0..3, in that order) in every run. */
static void call_all(struct runs *rs, unsigned f, unsigned x, struct eng_val res[NRUN],
		     struct eng_error e[NRUN], enum eng_status st[NRUN])
{
	static const uint64_t a32[] = {0, 1, 0x80000000, 12345};
	static const uint64_t a64[] = {0, 7, 0xffffffffffffffff, 0x8000000000000000};
	char name[3] = {'f', (char)('0' + f), 0};
	struct eng_val a[2];

	a[0].type = ENG_I32;
	a[0].of.i64 = 0;
	a[0].of.i32 = (uint32_t)a32[x];
	a[1].type = ENG_I64;
	a[1].of.i64 = a64[(x + f) & 3];
	memset(res, 0, NRUN * sizeof(*res));
	memset(e, 0, NRUN * sizeof(*e));
	for (int k = 0; k < NRUN; k++) {
		struct eng_extern ex;

		eng_instance_export(rs->r[k].inst, name, 2, &ex);
		st[k] = eng_func_call(rs->r[k].s, ex.of.func, a, 2, &res[k], 1, &e[k]);
	}
}

static bool same_memory(const struct runs *rs, int k)
{
	uint64_t n0, n1;
	uint8_t *m0 = eng_memory_data(eng_instance_memory(rs->r[R_INTERP].inst), &n0);
	uint8_t *m1 = eng_memory_data(eng_instance_memory(rs->r[k].inst), &n1);

	return n0 == n1 && memcmp(m0, m1, n0) == 0;
}

/* Run k agrees with the interpreter on this call: status, trap, result and
 * memory. After an out-of-bounds trap of optimised code its memory and
 * globals are unspecified (LLVM orders memory accesses freely around a
 * faulting one: docs/compiler.md §1a): when they differ they get the
 * interpreter's (*nresync counts those), and the next calls compare exactly
 * again. */
static bool agrees(struct runs *rs, int k, const struct eng_val res[NRUN],
		   const struct eng_error e[NRUN], const enum eng_status st[NRUN], bool *mem_same,
		   unsigned *nresync)
{
	bool same;

	*mem_same = true;
	same = st[R_INTERP] == st[k] && e[R_INTERP].trap == e[k].trap &&
	       res[R_INTERP].of.i64 == res[k].of.i64;
	if (k == R_OPT && same && st[k] != ENG_OK && e[k].trap == ENG_TRAP_MEMORY_OOB) {
		/* the interpreter's memory and globals again, so the next calls
		 * compare (the globals through the engine's internals: the
		 * generated modules do not export them) */
		uint64_t n0, n1;
		uint8_t *m0 = eng_memory_data(eng_instance_memory(rs->r[R_INTERP].inst), &n0);
		uint8_t *m1 = eng_memory_data(eng_instance_memory(rs->r[k].inst), &n1);
		const struct eng_instance *i0 = rs->r[R_INTERP].inst;
		struct eng_instance *i1 = rs->r[k].inst;
		bool differ = n0 == n1 && memcmp(m0, m1, n0) != 0;

		if (differ)
			memcpy(m1, m0, n0);
		for (uint32_t g = 0; g < i0->m->nglobals_total; g++) {
			differ |= i1->globals[g]->bits != i0->globals[g]->bits;
			i1->globals[g]->bits = i0->globals[g]->bits;
		}
		*nresync += differ;
		return true;
	}
	*mem_same = same_memory(rs, k);
	return same && *mem_same;
}

/* Compares every native run with the interpreter on one call; returns how
 * many disagree, and prints the first three disagreements of a module
 * (*shown counts the printed ones). */
static unsigned check_call(struct runs *rs, uint64_t seed, unsigned canon, unsigned f, unsigned x,
			   const struct eng_val res[NRUN], const struct eng_error e[NRUN],
			   const enum eng_status st[NRUN], unsigned *nresync, unsigned *shown)
{
	static const char *const run_name[NRUN] = {"interp", "native", "native-opt"};
	unsigned bad = 0;
	bool mem_same;

	for (int k = R_SINGLE; k < NRUN; k++) {
		if (agrees(rs, k, res, e, st, &mem_same, nresync))
			continue;
		bad++;
		if ((*shown)++ < 3)
			printf("# seed %llu canon %u f%u arg %u: interp %d/%d/%#llx, %s %d/%d/%#llx, "
			       "memory %s\n", (unsigned long long)seed, canon, f, x, st[0], e[0].trap,
			       (unsigned long long)res[0].of.i64, run_name[k], st[k], e[k].trap,
			       (unsigned long long)res[k].of.i64, mem_same ? "same" : "differs");
	}
	return bad;
}

/* Returns the number of differences for one module. PVF: MVP instructions,
 * the PVF profile (canonicalisation always on) and a small logical stack
 * limit, so the limiter trips in some call chains. */
static unsigned one_module(uint64_t seed, bool pvf, unsigned *ncalls, unsigned *ntraps,
			   unsigned *nlimit, unsigned *nskip, unsigned *nopt)
{
	struct wb bytes = random_module(seed, pvf, false);
	uint32_t sl_max = pvf ? 40 + (uint32_t)(seed % 160) : 0;
	struct eng_module_config mc;
	unsigned bad = 0, f, x, shown = 0;
	bool canon = true;
	struct runs rs;

	memset(&mc, 0, sizeof(mc));
	mc.profile = pvf ? ENG_PROFILE_PVF : ENG_PROFILE_FULL;
	if (!runs_new(&rs, &bytes, &mc, canon, sl_max)) {
		printf("# seed %llu: module or instance rejected\n", (unsigned long long)seed);
		bad++;
		goto out;
	}
	for (f = 0; f < NFUNC; f++) {
		for (x = 0; x < 4; x++) {
			struct eng_val res[NRUN];
			struct eng_error e[NRUN];
			enum eng_status st[NRUN];

			call_all(&rs, f, x, res, e, st);
			(*ncalls)++;
			if (st[0] != ENG_OK)
				(*ntraps)++;
			if (st[0] != ENG_OK && e[0].trap == ENG_TRAP_STACK_LIMIT)
				(*nlimit)++;
			bad += check_call(&rs, seed, canon, f, x, res, e, st, nskip, &shown);
		}
	}
	*nopt += runs_optimised(&rs, canon);
out:
	runs_free(&rs);
	free(bytes.p);
	return bad;
}

/* ---- the V8 leg: modules and the expected outcome for node -------------------- */

/* The class of a trap as V8 also distinguishes it (tests/unit/difffuzz_v8.mjs
 * maps V8's messages to the same names). */
static const char *trap_class(enum eng_trap t)
{
	switch (t) {
	case ENG_TRAP_UNREACHABLE: return "unreachable";
	case ENG_TRAP_MEMORY_OOB: return "memory";
	case ENG_TRAP_DIV_ZERO: return "div-zero";
	case ENG_TRAP_INT_OVERFLOW: return "int-overflow";
	case ENG_TRAP_INVALID_CONVERSION: return "conversion";
	case ENG_TRAP_INDIRECT_MISMATCH:
	case ENG_TRAP_UNINITIALIZED_ELEMENT: return "indirect";
	case ENG_TRAP_UNDEFINED_ELEMENT:
	case ENG_TRAP_TABLE_OOB: return "table";
	case ENG_TRAP_CALL_STACK_EXHAUSTED: return "stack";
	default: return "other";
	}
}

/* DIR/SEED.EXT with these bytes; false if it cannot be written. */
static bool write_to(const char *dir, uint64_t seed, const char *ext, const void *p, size_t len)
{
	char path[4096];
	FILE *fp;
	bool ok;

	snprintf(path, sizeof(path), "%s/%llu.%s", dir, (unsigned long long)seed, ext);
	fp = fopen(path, "wb");
	if (!fp)
		return false;
	ok = fwrite(p, 1, len, fp) == len;
	return fclose(fp) == 0 && ok;
}

/* Writes DIR/SEED.wasm (full profile, no visible NaN bits) and DIR/SEED.expect:
 * one line per call in the order the test makes them ("f2 1 ok 0x..." or
 * "f2 1 trap memory"), then "memory <FNV-1a 64 of the final memory>". Both
 * backends must agree first (with and without canonicalisation: NaN bits are
 * invisible here). Returns the number of disagreements. */
static unsigned emit_module(const char *dir, uint64_t seed)
{
	struct wb bytes = random_module(seed, false, true);
	struct eng_module_config mc;
	struct buf out = BUF_INIT;
	unsigned bad = 0, canon, f, x, nskip = 0, shown = 0;

	memset(&mc, 0, sizeof(mc));
	mc.profile = ENG_PROFILE_FULL;
	for (canon = 0; canon < 2; canon++) {
		struct runs rs;
		char line[128];
		uint64_t h = 0xcbf29ce484222325u, n0 = 0;
		uint8_t *m0;

		if (!runs_new(&rs, &bytes, &mc, canon, 0)) {
			printf("# seed %llu: module or instance rejected\n",
			       (unsigned long long)seed);
			bad++;
			goto next;
		}
		for (f = 0; f < NFUNC; f++) {
			for (x = 0; x < 4; x++) {
				struct eng_val res[NRUN];
				struct eng_error e[NRUN];
				enum eng_status st[NRUN];

				call_all(&rs, f, x, res, e, st);
				bad += check_call(&rs, seed, canon, f, x, res, e, st, &nskip, &shown);
				if (st[0] == ENG_OK)
					snprintf(line, sizeof(line), "f%u %u ok 0x%016llx\n", f, x,
						 (unsigned long long)res[0].of.i64);
				else
					snprintf(line, sizeof(line), "f%u %u trap %s\n", f, x,
						 trap_class(e[0].trap));
				if (canon == 0)
					buf_append(&out, line, strlen(line));
			}
		}
		m0 = eng_memory_data(eng_instance_memory(rs.r[R_INTERP].inst), &n0);
		for (uint64_t i = 0; i < n0; i++)
			h = (h ^ m0[i]) * 0x100000001b3u;
		snprintf(line, sizeof(line), "memory %llu 0x%016llx\n", (unsigned long long)n0,
			 (unsigned long long)h);
		if (canon == 0)
			buf_append(&out, line, strlen(line));
next:
		runs_free(&rs);
	}
	bad += !write_to(dir, seed, "wasm", bytes.p, bytes.len);
	bad += !write_to(dir, seed, "expect", out.data, out.len);
	buf_deinit(&out);
	free(bytes.p);
	return bad;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 2000, i;
	unsigned bad = 0, badmods = 0, calls = 0, traps = 0, limit = 0, skip = 0, nopt = 0, pvf;

	if (!eng_native_supported())
		tap_skip_all("the native backend is not supported on this machine");
	if (argc == 5 && !strcmp(argv[1], "--emit")) {
		/* test_engine_native_random --emit DIR FIRST COUNT */
		uint64_t first = strtoull(argv[3], NULL, 0), count = strtoull(argv[4], NULL, 0);

		for (uint64_t s = first; s < first + count; s++)
			bad += emit_module(argv[2], s);
		ok(bad == 0, "emit: %llu modules written to %s, interpreter and native agree "
		   "(%u differences)", (unsigned long long)count, argv[2], bad);
		return tap_done();
	}
	for (pvf = 0; pvf < 2; pvf++) {
		bad = badmods = calls = traps = limit = skip = nopt = 0;
		for (i = 0; i < n; i++) {
			unsigned b = one_module(i, pvf, &calls, &traps, &limit, &skip, &nopt);

			bad += b;
			badmods += b != 0;
		}
		ok(bad == 0, "%s: %u random modules, %u calls (%u trapped, %u by the stack "
		   "limiter) on the interpreter, single-pass and optimised native code: %u "
		   "differences in %u modules (memory or globals differed after %u out-of-bounds "
		   "traps of optimised code)", pvf ? "pvf" : "full", n, calls, traps, limit, bad, badmods, skip);
		ok(nopt > n, "%s: the optimising tier compiled %u functions", pvf ? "pvf" : "full",
		   nopt);
		ok(traps > 0 && traps < calls, "%s: the programs both return and trap",
		   pvf ? "pvf" : "full");
		if (pvf)
			ok(limit > 0, "pvf: the logical stack limiter trips in some calls");
	}
	return tap_done();
}
