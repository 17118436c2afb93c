/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random programs on both backends (docs/compiler.md §5): a type-directed
 * generator builds valid modules (nested expressions of i32/i64/f64 values,
 * locals and tees, loads and stores, blocks with br_if carrying values,
 * if/else with results, bounded loops, br_table, select, direct and
 * indirect calls (structurally equal type, null entry, past the table,
 * wrong type), globals, memory.size/grow, f32/f64 and conversions,
 * occasional trapping divisions and out-of-bounds accesses). Each module
 * runs on the interpreter and the native backend with NaN canonicalisation
 * on (full profile with nan_canonicalize; the PVF profile), and the results
 * or traps and the final memory contents must be identical. (Without
 * canonicalisation NaN payloads are not defined by Wasm and the
 * interpreter's depend on its C compiler, so a program branching on NaN bits
 * may legitimately diverge.) Deterministic seeds; argv[1] optionally sets
 * the number of modules (default 2000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "tap.h"

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

/* Returns the number of differences for one module. PVF: MVP instructions,
 * the PVF profile (canonicalisation always on) and a small logical stack
 * limit, so the limiter trips in some call chains. */
static unsigned one_module(uint64_t seed, bool pvf, unsigned *ncalls, unsigned *ntraps,
			   unsigned *nlimit)
{
	static const uint64_t a32[] = {0, 1, 0x80000000, 12345};
	static const uint64_t a64[] = {0, 7, 0xffffffffffffffff, 0x8000000000000000};
	struct wb bytes = random_module(seed, pvf);
	uint32_t sl_max = pvf ? 40 + (uint32_t)(seed % 160) : 0;
	struct eng_module_config mc;
	struct eng_module *m = NULL;
	struct eng_error err;
	unsigned bad = 0, canon, f, x;

	memset(&mc, 0, sizeof(mc));
	mc.profile = pvf ? ENG_PROFILE_PVF : ENG_PROFILE_FULL;
	if (eng_module_new(bytes.p, bytes.len, &mc, &m, &err) != ENG_OK) {
		printf("# seed %llu: generated module rejected: %s\n", (unsigned long long)seed,
		       err.msg);
		free(bytes.p);
		return 1;
	}
	for (canon = 1; canon < 2; canon++) {
		struct run r[2];

		memset(r, 0, sizeof(r));
		if (!run_new(&r[0], m, canon, ENG_BACKEND_INTERP, sl_max) ||
		    !run_new(&r[1], m, canon, ENG_BACKEND_NATIVE, sl_max)) {
			bad++;
			goto next;
		}
		for (f = 0; f < NFUNC; f++) {
			char name[3] = {'f', (char)('0' + f), 0};
			struct eng_extern ex[2];

			eng_instance_export(r[0].inst, name, 2, &ex[0]);
			eng_instance_export(r[1].inst, name, 2, &ex[1]);
			for (x = 0; x < 4; x++) {
				struct eng_val a[2], res[2];
				struct eng_error e[2];
				enum eng_status st[2];
				uint64_t n0, n1;
				uint8_t *m0, *m1;
				int k;

				a[0].type = ENG_I32;
				a[0].of.i64 = 0;
				a[0].of.i32 = (uint32_t)a32[x];
				a[1].type = ENG_I64;
				a[1].of.i64 = a64[(x + f) & 3];
				memset(res, 0, sizeof(res));
				memset(e, 0, sizeof(e));
				for (k = 0; k < 2; k++)
					st[k] = eng_func_call(r[k].s, ex[k].of.func, a, 2, &res[k], 1,
							      &e[k]);
				(*ncalls)++;
				if (st[0] != ENG_OK)
					(*ntraps)++;
				if (st[0] != ENG_OK && e[0].trap == ENG_TRAP_STACK_LIMIT)
					(*nlimit)++;
				m0 = eng_memory_data(eng_instance_memory(r[0].inst), &n0);
				m1 = eng_memory_data(eng_instance_memory(r[1].inst), &n1);
				if (st[0] == st[1] && e[0].trap == e[1].trap &&
				    res[0].of.i64 == res[1].of.i64 && n0 == n1 && memcmp(m0, m1, n0) == 0)
					continue;
				if (bad++ < 3)
					printf("# seed %llu canon %u f%u arg %u: interp %d/%d/%#llx, "
					       "native %d/%d/%#llx, memory %s\n",
					       (unsigned long long)seed, canon, f, x, st[0], e[0].trap,
					       (unsigned long long)res[0].of.i64, st[1], e[1].trap,
					       (unsigned long long)res[1].of.i64,
					       n0 == n1 && memcmp(m0, m1, n0) == 0 ? "same" : "differs");
			}
		}
next:
		eng_store_free(r[0].s);
		eng_store_free(r[1].s);
	}
	eng_module_free(m);
	free(bytes.p);
	return bad;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 2000, i;
	unsigned bad = 0, badmods = 0, calls = 0, traps = 0, limit = 0, pvf;

	if (!eng_native_supported())
		tap_skip_all("the native backend is not supported on this machine");
	for (pvf = 0; pvf < 2; pvf++) {
		bad = badmods = calls = traps = limit = 0;
		for (i = 0; i < n; i++) {
			unsigned b = one_module(i, pvf, &calls, &traps, &limit);

			bad += b;
			badmods += b != 0;
		}
		ok(bad == 0, "%s: %u random modules, %u calls (%u trapped, %u by the stack "
		   "limiter): %u differences in %u modules", pvf ? "pvf" : "full", n, calls, traps,
		   limit, bad, badmods);
		ok(traps > 0 && traps < calls, "%s: the programs both return and trap",
		   pvf ? "pvf" : "full");
		if (pvf)
			ok(limit > 0, "pvf: the logical stack limiter trips in some calls");
	}
	return tap_done();
}
