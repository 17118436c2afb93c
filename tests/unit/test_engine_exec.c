/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store, instantiation and interpreter: every instruction family, traps,
 * NaN canonicalisation (determinism.md §8, §11 cases 15 and 16), the
 * logical stack limiter (§3), call-depth and value-slot exhaustion, host
 * functions with memory access, linking two instances that share a memory,
 * a table and a global, import matching, segment semantics of both profiles
 * and the start function.
 *
 * argv[1]: directory holding the .wasm files built from tests/data/exec.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/engine.h"
#include "tap.h"

static const char *wasm_dir = ".";

/* ---- helpers ------------------------------------------------------------ */

static struct eng_val vi32(uint32_t v) { struct eng_val x = {ENG_I32, {.i32 = v}}; return x; }
static struct eng_val vi64(uint64_t v) { struct eng_val x = {ENG_I64, {.i64 = v}}; return x; }
static struct eng_val vf32b(uint32_t b) { struct eng_val x = {ENG_F32, {.f32 = b}}; return x; }
static struct eng_val vf64b(uint64_t b) { struct eng_val x = {ENG_F64, {.f64 = b}}; return x; }
static struct eng_val vext(void *p) { struct eng_val x = {ENG_EXTERNREF, {.ref = p}}; return x; }

static struct eng_val vf32(float f)
{
	uint32_t b;

	memcpy(&b, &f, 4);
	return vf32b(b);
}

static struct eng_val vf64(double d)
{
	uint64_t b;

	memcpy(&b, &d, 8);
	return vf64b(b);
}

static uint64_t bits64(double d)
{
	uint64_t b;

	memcpy(&b, &d, 8);
	return b;
}

static uint32_t bits32(float f)
{
	uint32_t b;

	memcpy(&b, &f, 4);
	return b;
}

#define A(...) ((const struct eng_val[]){__VA_ARGS__})

static struct eng_module *load_module(const char *name, enum eng_profile profile)
{
	char path[1024];
	uint8_t *p;
	size_t len;
	struct pvf_err perr;
	struct eng_module_config cfg;
	struct eng_module *m = NULL;
	struct eng_error err;

	snprintf(path, sizeof(path), "%s/%s.wasm", wasm_dir, name);
	if (base_read_file(path, 1u << 22, &p, &len, &perr) != 0) {
		printf("# cannot read %s: %s\n", path, perr.msg);
		return NULL;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.profile = profile;
	if (eng_module_new(p, len, &cfg, &m, &err) != ENG_OK)
		printf("# %s: %s (%s)\n", name, err.msg, eng_status_name(err.status));
	free(p);
	return m;
}

/* A tiny linker: (module, name) -> extern. */
struct linker {
	struct {
		const char *module;
		const char *name;
		struct eng_extern ext;
	} e[16];
	int n;
};

static void link_add(struct linker *l, const char *module, const char *name, struct eng_extern ext)
{
	l->e[l->n].module = module;
	l->e[l->n].name = name;
	l->e[l->n].ext = ext;
	l->n++;
}

static bool resolve(void *ctx, const char *module, size_t module_len, const char *name,
		    size_t name_len, const struct eng_extern_type *want, struct eng_extern *out)
{
	struct linker *l = ctx;
	int i;

	(void)want;
	for (i = 0; l && i < l->n; i++) {
		if (strlen(l->e[i].module) == module_len &&
		    memcmp(l->e[i].module, module, module_len) == 0 &&
		    strlen(l->e[i].name) == name_len && memcmp(l->e[i].name, name, name_len) == 0) {
			*out = l->e[i].ext;
			return true;
		}
	}
	return false;
}

/* One instance under test. */
struct t {
	struct eng_module *m;
	struct eng_store *s;
	struct eng_instance *inst;
	struct eng_error err;
	enum eng_status st;
	struct eng_val res[16];
};

static bool t_open(struct t *t, const char *name, enum eng_profile profile,
		   const struct eng_store_config *cfg, struct linker *l)
{
	memset(t, 0, sizeof(*t));
	t->m = load_module(name, profile);
	if (!t->m)
		return false;
	if (eng_store_new(cfg, &t->s) != ENG_OK)
		return false;
	t->st = eng_instance_new(t->s, t->m, resolve, l, &t->inst, &t->err);
	if (t->st != ENG_OK)
		printf("# instantiate %s: %s\n", name, t->err.msg);
	return t->st == ENG_OK;
}

static void t_close(struct t *t)
{
	eng_store_free(t->s);
	eng_module_free(t->m);
	memset(t, 0, sizeof(*t));
}

static struct eng_func *export_func(struct eng_instance *inst, const char *name)
{
	struct eng_extern ex;

	if (!eng_instance_export(inst, name, strlen(name), &ex) || ex.kind != ENG_EXTERN_FUNC)
		return NULL;
	return ex.of.func;
}

/* Calls export `name`; returns the first result's bits (0 on failure). */
static uint64_t run(struct t *t, const char *name, uint32_t nargs, const struct eng_val *args)
{
	struct eng_func *f = export_func(t->inst, name);
	const struct eng_functype *ft;

	memset(&t->err, 0, sizeof(t->err));
	memset(t->res, 0, sizeof(t->res));
	if (!f) {
		printf("# no export %s\n", name);
		t->st = ENG_ERR_ARGS;
		return 0;
	}
	ft = eng_func_type(f);
	t->st = eng_func_call(t->s, f, args, nargs, t->res, ft->nresults, &t->err);
	if (t->st != ENG_OK || ft->nresults == 0)
		return 0;
	switch (t->res[0].type) {
	case ENG_I32: return t->res[0].of.i32;
	case ENG_F32: return t->res[0].of.f32;
	case ENG_I64: return t->res[0].of.i64;
	case ENG_F64: return t->res[0].of.f64;
	default: return (uint64_t)(uintptr_t)t->res[0].of.ref;
	}
}

static bool trapped(const struct t *t, enum eng_trap trap)
{
	if (t->st == ENG_ERR_TRAP && t->err.trap == trap &&
	    strncmp(t->err.msg, eng_trap_name(trap), strlen(eng_trap_name(trap))) == 0)
		return true;
	printf("#   status %s trap %d msg \"%s\", expected trap \"%s\"\n", eng_status_name(t->st),
	       (int)t->err.trap, t->err.msg, eng_trap_name(trap));
	return false;
}

static bool is_nan64(uint64_t b)
{
	return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull);
}

static bool is_nan32(uint32_t b)
{
	return (b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu);
}

/* ---- numeric ------------------------------------------------------------------- */

static uint32_t rotl32(uint32_t v, uint32_t n)
{
	n &= 31;
	return n ? v << n | v >> (32 - n) : v;
}

static uint64_t rotl64(uint64_t v, uint64_t n)
{
	n &= 63;
	return n ? v << n | v >> (64 - n) : v;
}

/* acc_chain64 of numeric.wat in C. */
static uint64_t acc_chain64_ref(uint64_t a, uint64_t b)
{
	uint64_t r = a + b;
	r = r - b;
	r = r * b;
	r = r ^ b;
	r = r | b;
	r = r & b;
	r = r << (b & 63);
	r = (uint64_t)((int64_t)r >> (b & 63));
	r = r >> (b & 63);
	r = rotl64(r, b);
	r = rotl64(r, 64 - (b & 63));
	r = r + 0x123456789ull;
	r = r - 9ull;
	r = r * 0x10000001ull;
	r = r & 0xff00ff00ffull;
	r = r | 0x10ull;
	r = r ^ 0x5555ull;
	r = r << (3ull & 63);
	r = (uint64_t)((int64_t)r >> (2ull & 63));
	r = r >> (1ull & 63);
	r = rotl64(r, 45ull);
	r = rotl64(r, 64 - (11ull & 63));
	r = b + r;
	r = b * r;
	r = b & r;
	r = b | r;
	r = b ^ r;
	return r;
}

/* acc_chain of numeric.wat in C. */
static uint32_t acc_chain_ref(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;
	r = r - b;
	r = r * b;
	r = r ^ b;
	r = r | b;
	r = r & b;
	r = r << (b & 31);
	r = (uint32_t)((int32_t)r >> (b & 31));
	r = r >> (b & 31);
	r = rotl32(r, b);
	r = rotl32(r, 32 - (b & 31));
	r = r + 7u;
	r = r - 9u;
	r = r * 5u;
	r = r & 0xff00ffu;
	r = r | 0x10u;
	r = r ^ 0x5555u;
	r = r << (3u & 31);
	r = (uint32_t)((int32_t)r >> (2u & 31));
	r = r >> (1u & 31);
	r = rotl32(r, 5u);
	r = rotl32(r, 32 - (11u & 31));
	r = b + r;
	r = b * r;
	r = b & r;
	r = b | r;
	r = b ^ r;
	return r;
}

static void test_numeric(void)
{
	struct t t;

	if (!ok(t_open(&t, "numeric", ENG_PROFILE_FULL, NULL, NULL), "numeric: instantiate"))
		return;
	ok_eq(run(&t, "i32.div_s", 2, A(vi32((uint32_t)-7), vi32(2))), (uint32_t)-3, "i32.div_s -7/2");
	run(&t, "i32.div_s", 2, A(vi32(1), vi32(0)));
	ok(trapped(&t, ENG_TRAP_DIV_ZERO), "i32.div_s by zero traps");
	run(&t, "i32.div_s", 2, A(vi32(0x80000000u), vi32((uint32_t)-1)));
	ok(trapped(&t, ENG_TRAP_INT_OVERFLOW), "i32.div_s INT_MIN/-1 traps integer overflow");
	ok_eq(run(&t, "i32.rem_s", 2, A(vi32(0x80000000u), vi32((uint32_t)-1))), 0,
	      "i32.rem_s INT_MIN%%-1 = 0");
	ok(t.st == ENG_OK, "i32.rem_s INT_MIN%%-1 does not trap");
	ok_eq(run(&t, "i32.rem_s", 2, A(vi32((uint32_t)-7), vi32(2))), (uint32_t)-1, "i32.rem_s -7%%2");
	ok_eq(run(&t, "i32.div_u", 2, A(vi32(0xffffffffu), vi32(2))), 0x7fffffff, "i32.div_u");
	run(&t, "i32.rem_u", 2, A(vi32(5), vi32(0)));
	ok(trapped(&t, ENG_TRAP_DIV_ZERO), "i32.rem_u by zero traps");
	run(&t, "i64.div_s", 2, A(vi64(0x8000000000000000ull), vi64((uint64_t)-1)));
	ok(trapped(&t, ENG_TRAP_INT_OVERFLOW), "i64.div_s INT64_MIN/-1 traps");
	ok_eq(run(&t, "i64.rem_s", 2, A(vi64(0x8000000000000000ull), vi64((uint64_t)-1))), 0,
	      "i64.rem_s INT64_MIN%%-1 = 0");
	run(&t, "i64.div_u", 2, A(vi64(5), vi64(0)));
	ok(trapped(&t, ENG_TRAP_DIV_ZERO), "i64.div_u by zero traps");

	ok_eq(run(&t, "i32.clz", 1, A(vi32(0))), 32, "i32.clz 0");
	ok_eq(run(&t, "i32.clz", 1, A(vi32(1))), 31, "i32.clz 1");
	ok_eq(run(&t, "i32.ctz", 1, A(vi32(0))), 32, "i32.ctz 0");
	ok_eq(run(&t, "i32.ctz", 1, A(vi32(0x80000000u))), 31, "i32.ctz msb");
	ok_eq(run(&t, "i32.popcnt", 1, A(vi32(0xf0f0))), 8, "i32.popcnt");
	ok_eq(run(&t, "i64.clz", 1, A(vi64(0))), 64, "i64.clz 0");
	ok_eq(run(&t, "i32.rotl", 2, A(vi32(0x80000001u), vi32(33))), 3, "i32.rotl by 33");
	ok(run(&t, "i64.rotr", 2, A(vi64(1), vi64(1))) == 0x8000000000000000ull, "i64.rotr");
	ok_eq(run(&t, "i32.shr_s", 2, A(vi32((uint32_t)-8), vi32(33))), (uint32_t)-4,
	      "i32.shr_s masks the count");
	ok_eq(run(&t, "i32.shl_imm", 1, A(vi32(1))), 2, "i32.shl by constant 33");
	ok_eq(run(&t, "i64.shr_u_imm", 1, A(vi64(4))), 2, "i64.shr_u by constant 65");
	ok_eq(run(&t, "i32.sub_rev", 1, A(vi32(3))), 7, "constant on the left of i32.sub");
	ok_eq(run(&t, "i32.lt_s_rev", 1, A(vi32(11))), 1, "10 < 11");
	ok_eq(run(&t, "i32.lt_s_rev", 1, A(vi32(10))), 0, "10 < 10");
	ok_eq(run(&t, "i32.lt_s_rev", 1, A(vi32((uint32_t)-5))), 0, "10 < -5");
	ok_eq(run(&t, "i32.consts", 0, NULL), 0xfffffffe, "7 + -9 with two constants");

	ok_eq(run(&t, "i32.extend8_s", 1, A(vi32(0x80))), 0xffffff80, "i32.extend8_s");
	ok_eq(run(&t, "i32.extend16_s", 1, A(vi32(0x17fff))), 0x7fff, "i32.extend16_s");
	ok(run(&t, "i64.extend32_s", 1, A(vi64(0x80000000u))) == 0xffffffff80000000ull,
	   "i64.extend32_s");
	ok(run(&t, "i64.extend_i32_s", 1, A(vi32(0xffffffffu))) == UINT64_MAX, "i64.extend_i32_s");
	ok(run(&t, "i64.extend_i32_u", 1, A(vi32(0xffffffffu))) == 0xffffffffull,
	   "i64.extend_i32_u");
	ok_eq(run(&t, "i32.wrap_i64", 1, A(vi64(0x1234567887654321ull))), 0x87654321,
	      "i32.wrap_i64");
	ok(run(&t, "wrap_then_extend", 1, A(vi64(0xffffffff00000005ull))) == 5,
	   "wrapped value is zero-extended in its slot");

	run(&t, "i32.trunc_f32_s", 1, A(vf32b(0x7fc00000)));
	ok(trapped(&t, ENG_TRAP_INVALID_CONVERSION), "i32.trunc_f32_s NaN: invalid conversion");
	run(&t, "i32.trunc_f32_s", 1, A(vf32(2147483648.0f)));
	ok(trapped(&t, ENG_TRAP_INT_OVERFLOW), "i32.trunc_f32_s 2^31: integer overflow");
	ok_eq(run(&t, "i32.trunc_f32_s", 1, A(vf32(-2147483648.0f))), 0x80000000u,
	      "i32.trunc_f32_s -2^31");
	ok_eq(run(&t, "i32.trunc_f32_s", 1, A(vf32(-1.5f))), (uint32_t)-1, "i32.trunc_f32_s -1.5");
	ok_eq(run(&t, "i32.trunc_f64_u", 1, A(vf64(-0.9))), 0, "i32.trunc_f64_u -0.9");
	run(&t, "i32.trunc_f64_u", 1, A(vf64(-1.0)));
	ok(trapped(&t, ENG_TRAP_INT_OVERFLOW), "i32.trunc_f64_u -1: integer overflow");
	ok_eq(run(&t, "i32.trunc_f64_u", 1, A(vf64(4294967295.9))), 0xffffffffu,
	      "i32.trunc_f64_u 4294967295.9");
	run(&t, "i32.trunc_f64_u", 1, A(vf64(4294967296.0)));
	ok(trapped(&t, ENG_TRAP_INT_OVERFLOW), "i32.trunc_f64_u 2^32: integer overflow");
	run(&t, "i64.trunc_f64_s", 1, A(vf64(9223372036854775808.0)));
	ok(trapped(&t, ENG_TRAP_INT_OVERFLOW), "i64.trunc_f64_s 2^63: integer overflow");
	ok(run(&t, "i64.trunc_f64_s", 1, A(vf64(-9223372036854775808.0))) == 0x8000000000000000ull,
	   "i64.trunc_f64_s -2^63");
	ok(run(&t, "i64.trunc_f32_u", 1, A(vf32b(0x5f7fffff))) == 18446742974197923840ull,
	   "i64.trunc_f32_u largest f32 below 2^64");
	run(&t, "i64.trunc_f32_u", 1, A(vf32b(0xffc00000)));
	ok(trapped(&t, ENG_TRAP_INVALID_CONVERSION), "i64.trunc_f32_u NaN: invalid conversion");

	ok_eq(run(&t, "i32.trunc_sat_f32_s", 1, A(vf32b(0x7fc00000))), 0, "sat NaN -> 0");
	ok_eq(run(&t, "i32.trunc_sat_f32_s", 1, A(vf32(1e10f))), 0x7fffffff, "sat +big");
	ok_eq(run(&t, "i32.trunc_sat_f32_s", 1, A(vf32(-1e10f))), 0x80000000u, "sat -big");
	ok_eq(run(&t, "i32.trunc_sat_f64_u", 1, A(vf64(-5.0))), 0, "sat_u negative");
	ok_eq(run(&t, "i32.trunc_sat_f64_u", 1, A(vf64(1e20))), 0xffffffffu, "sat_u big");
	ok(run(&t, "i64.trunc_sat_f64_s", 1, A(vf64(INFINITY))) == INT64_MAX, "sat i64 +inf");
	ok(run(&t, "i64.trunc_sat_f32_u", 1, A(vf32(-0.5f))) == 0, "sat u64 -0.5");

	ok_eq(run(&t, "f32.convert_i64_u", 1, A(vi64(UINT64_MAX))), 0x5f800000,
	      "f32.convert_i64_u max");
	ok_eq(run(&t, "f32.convert_i64_u", 1, A(vi64(0x8000008000000001ull))), 0x5f000001,
	      "f32.convert_i64_u rounds once (no double rounding)");
	ok(run(&t, "f64.convert_i64_s", 1, A(vi64(UINT64_MAX))) == 0xbff0000000000000ull,
	   "f64.convert_i64_s -1");
	ok_eq(run(&t, "f32.min", 2, A(vf32(-0.0f), vf32(0.0f))), 0x80000000u, "f32.min(-0,+0)");
	ok_eq(run(&t, "f32.min", 2, A(vf32(0.0f), vf32(-0.0f))), 0x80000000u, "f32.min(+0,-0)");
	ok(run(&t, "f64.max", 2, A(vf64(-0.0), vf64(0.0))) == 0, "f64.max(-0,+0) = +0");
	ok(is_nan32((uint32_t)run(&t, "f32.min", 2, A(vf32b(0x7fc00000), vf32(1.0f)))),
	   "f32.min with NaN is NaN");
	ok_eq(run(&t, "f32.nearest", 1, A(vf32(2.5f))), bits32(2.0f), "f32.nearest 2.5");
	ok_eq(run(&t, "f32.nearest", 1, A(vf32(-0.5f))), 0x80000000u, "f32.nearest -0.5 = -0");
	ok(run(&t, "f64.nearest", 1, A(vf64(3.5))) == bits64(4.0), "f64.nearest 3.5");
	ok(run(&t, "f64.sqrt", 1, A(vf64(4.0))) == bits64(2.0), "f64.sqrt 4");
	ok(is_nan64(run(&t, "f64.sqrt", 1, A(vf64(-1.0)))), "f64.sqrt -1 is NaN");
	ok_eq(run(&t, "f32.copysign", 2, A(vf32(1.0f), vf32(-0.0f))), 0xbf800000u, "copysign");
	ok(run(&t, "f64.add", 2, A(vf64(0.1), vf64(0.2))) == 0x3fd3333333333334ull,
	   "f64.add 0.1 + 0.2 rounds to nearest even");
	{
		volatile double d = 0.2;
		volatile float f = 0.2f;

		static const uint32_t v[] = {0, 1, 5, 31, 32, 0x7fffffff, 0x80000000u, 0xdeadbeefu};
		uint32_t bad = 0;
		size_t i, j;

		for (i = 0; i < BASE_ARRAY_SIZE(v); i++)
			for (j = 0; j < BASE_ARRAY_SIZE(v); j++)
				bad += run(&t, "acc_chain", 2, A(vi32(v[i]), vi32(v[j]))) !=
				       acc_chain_ref(v[i], v[j]);
		ok(bad == 0, "chain of i32 ops through the last-result register (%u wrong)", bad);
		{
			volatile double fa = 10.5, fb = 3.25;

			ok(run(&t, "rsub32", 2, A(vi32(7), vi32(3))) == (uint32_t)(7 - 9) &&
			   run(&t, "rsub64", 2, A(vi64(7), vi64(0x100000000ull))) == 7 - 0ull &&
			   run(&t, "rsub64", 2, A(vi64(100), vi64(3))) == 91 &&
			   run(&t, "rsubf", 2, A(vf64(fa), vf64(fb))) == bits64(fa - fb * fb) &&
			   run(&t, "rdivf", 2, A(vf64(fa), vf64(fb))) == bits64(fa / (fb + 1)),
			   "sub and div whose right operand is the previous result");
		}
		ok(run(&t, "rsub", 2, A(vi32(101), vi64(1))) == 0xffffffffull + 0xffffffffull &&
		   run(&t, "rsub", 2, A(vi32(3), vi64(0x100000005ull))) == 97 + (uint64_t)-5,
		   "constant minus value (i32, i64)");
		ok(run(&t, "select_c", 2, A(vi32(5), vi32(1))) == 7 + 5 + 1000 + 0x500000000ull &&
		   run(&t, "select_c", 2, A(vi32(5), vi32(0))) == 5 + (uint32_t)(-3 + 2000) + 5,
		   "select with constant values");
		bad = 0;
		for (i = 0; i < BASE_ARRAY_SIZE(v); i++)
			for (j = 0; j < BASE_ARRAY_SIZE(v); j++) {
				uint64_t x = (uint64_t)v[i] << 32 | v[j], y = v[j] * 0x9e3779b9ull;

				bad += run(&t, "acc_chain64", 2, A(vi64(x), vi64(y))) != acc_chain64_ref(x, y);
			}
		ok(bad == 0, "chain of i64 ops through the last-result register (%u wrong)", bad);
		ok(run(&t, "f64.const_ops", 1, A(vf64(d))) == bits64(((d + 1.5) * 3 - 0.1) / 7) &&
		   run(&t, "f64.const_ops_r", 1, A(vf64(d))) ==
		   bits64(10 / (3 - 0.3 * (0.7 + d))), "f64 arithmetic with constants on both sides");
		ok_eq(run(&t, "f32.const_ops", 1, A(vf32(f))),
		      bits32(((f + 1.5f) * 3.0f - 0.1f) / 7.0f), "f32 arithmetic with constants");
		ok_eq(run(&t, "f32.const_ops_r", 1, A(vf32(f))),
		      bits32(10.0f / (3.0f - 0.3f * (0.7f + f))), "f32 arithmetic with constants on the left");
	}
	ok_eq(run(&t, "f32.lt", 2, A(vf32b(0x7fc00000), vf32(1.0f))), 0, "f32.lt NaN");
	ok_eq(run(&t, "f64.ne", 2, A(vf64b(0x7ff8000000000000ull), vf64b(0x7ff8000000000000ull))),
	      1, "f64.ne NaN NaN");
	ok(run(&t, "select", 3, A(vi32(1), vi64(11), vi64(22))) == 11, "select true");
	ok(run(&t, "select", 3, A(vi32(0), vi64(11), vi64(22))) == 22, "select false");
	t_close(&t);
}

/* ---- NaN canonicalisation ----------------------------------------------------------- */

static void nan_checks(struct t *t, const char *what)
{
	/* determinism.md §11 case 15 and 16 */
	ok(run(t, "promote", 1, A(vi32(0x7fa00001))) == 0x7ff8000000000000ull,
	   "%s: f64.promote_f32 0x7fa00001 -> canonical", what);
	ok_eq(run(t, "neg_div", 0, NULL), 0xffc00000u, "%s: f32.neg(f32.div 0 0) = 0xffc00000", what);
	ok_eq(run(t, "demote", 1, A(vi64(0x7ff4000000000001ull))), 0x7fc00000u,
	      "%s: f32.demote_f64 sNaN -> canonical", what);
	ok_eq(run(t, "f32.add", 2, A(vi32(0xffc00000u), vi32(bits32(1.0f)))), 0x7fc00000u,
	      "%s: f32.add negative NaN -> canonical", what);
	ok_eq(run(t, "f32.add", 2, A(vi32(0x7f800001u), vi32(bits32(1.0f)))), 0x7fc00000u,
	      "%s: f32.add sNaN -> canonical", what);
	ok(run(t, "f64.mul", 2, A(vi64(0x7ff0000000000abcull), vi64(bits64(2.0)))) ==
	   0x7ff8000000000000ull, "%s: f64.mul NaN payload -> canonical", what);
	ok(run(t, "f64.mul_const", 1, A(vi64(0xfff0000000000abcull))) == 0x7ff8000000000000ull,
	   "%s: f64.mul by a constant: NaN -> canonical", what);
	ok_eq(run(t, "f32.sub_const", 1, A(vi32(0x7f800001u))), 0x7fc00000u,
	      "%s: f32.sub of a constant: sNaN -> canonical", what);
	ok(run(t, "f64.min", 2, A(vi64(0xfff8000000000001ull), vi64(bits64(2.0)))) ==
	   0x7ff8000000000000ull, "%s: f64.min NaN -> canonical", what);
	ok_eq(run(t, "f32.sqrt", 1, A(vi32(bits32(-1.0f)))), 0x7fc00000u,
	      "%s: f32.sqrt -1 -> canonical", what);
	ok(run(t, "f64.floor", 1, A(vi64(0x7ff0000000000001ull))) == 0x7ff8000000000000ull,
	   "%s: f64.floor sNaN -> canonical", what);
	/* not on the list: bits preserved */
	ok_eq(run(t, "f32.abs", 1, A(vi32(0xffa00001u))), 0x7fa00001u,
	      "%s: f32.abs keeps the sNaN payload", what);
	ok(run(t, "f64.neg", 1, A(vi64(0x7ff4000000000001ull))) == 0xfff4000000000001ull,
	   "%s: f64.neg keeps the payload", what);
	ok_eq(run(t, "f32.copysign", 2, A(vi32(0x7fa00001u), vi32(bits32(-1.0f)))), 0xffa00001u,
	      "%s: f32.copysign keeps the payload", what);
	ok_eq(run(t, "f32.load", 1, A(vi32(0x7fa00000u))), 0x7fa00000u,
	      "%s: f32.load keeps 0x7fa00000", what);
	ok(run(t, "f64.store_load", 1, A(vi64(0x7ff4000000000001ull))) == 0x7ff4000000000001ull,
	   "%s: f64 store/load keeps the payload", what);
	ok_eq(run(t, "f32.select", 3, A(vi32(0x7fa00002u), vi32(0), vi32(1))), 0x7fa00002u,
	      "%s: select keeps the payload", what);
}

static void test_nan(void)
{
	struct eng_store_config canon = {.nan_canonicalize = true};
	struct t t;

	if (ok(t_open(&t, "nan", ENG_PROFILE_PVF, NULL, NULL), "nan: instantiate (pvf)"))
		nan_checks(&t, "pvf");
	t_close(&t);
	if (ok(t_open(&t, "nan", ENG_PROFILE_FULL, &canon, NULL), "nan: instantiate (full+canon)"))
		nan_checks(&t, "full+canon");
	t_close(&t);
	if (!ok(t_open(&t, "nan", ENG_PROFILE_FULL, NULL, NULL), "nan: instantiate (full)"))
		return;
	/* Without canonicalisation the hardware NaN survives: the input NaN's
	 * sign and payload (quieted) on x86-64 and AArch64. */
	ok_eq(run(&t, "f32.add", 2, A(vi32(0xffc00000u), vi32(bits32(1.0f)))), 0xffc00000u,
	      "full: f32.add keeps the negative NaN");
	ok(run(&t, "promote", 1, A(vi32(0x7fa00001))) == 0x7ffc000020000000ull,
	   "full: f64.promote_f32 quiets and keeps the payload");
	ok(is_nan32((uint32_t)run(&t, "neg_div", 0, NULL)), "full: 0/0 is a NaN");
	ok_eq(run(&t, "f32.sub_const", 1, A(vi32(0xffc00001u))), 0xffc00001u,
	      "full: f32.sub of a constant keeps the NaN operand's bits");
	t_close(&t);
}

/* ---- control flow and the translator ------------------------------------------------ */

static uint32_t cmp_branch_ref(int32_t a, int32_t b)
{
	uint32_t r = 0;

	r |= a < b ? 1 : 0;
	r |= (uint32_t)a < (uint32_t)b ? 2 : 0;
	r |= a >= 0 ? 4 : 0;
	r |= (uint32_t)a > 5 ? 8 : 0;
	r |= a == b ? 16 : 0;
	r |= a == 0 ? 32 : 0;
	r |= 3 <= a ? 64 : 0;
	return r;
}

/* The ten i32 conditions of add_br_*, in the order of their result bits. */
static uint32_t conds_ref(uint32_t x, uint32_t y)
{
	int32_t sx = (int32_t)x, sy = (int32_t)y;
	bool c[10] = {x == y, x != y, sx < sy, x < y, sx > sy, x > y, sx <= sy, x <= y, sx >= sy,
		      x >= y};
	uint32_t r = 0, i;

	for (i = 0; i < 10; i++)
		r |= c[i] ? 1u << i : 0;
	return r;
}

/* acc_br of control.wat in C. */
static uint32_t acc_br_ref(uint32_t a, uint32_t b)
{
	uint32_t r = 0;

	r |= (a & 0xff) < 10 ? 1 : 0;
	r |= b >= a - b ? 2 : 0;
	r |= (a | b) ? 0 : 4;
	r |= (int32_t)(a ^ b) > (int32_t)b ? 8 : 0;
	r |= (a << 3) == 0 ? 16 : 0;
	r |= (int32_t)(a * b) <= -7 ? 0 : 32;
	return r;
}

/* add_br_* of control.wat: bits 0-9 the conditions, bit 15 the stored sum. */
static void test_add_branch(struct t *t)
{
	static const uint32_t v[] = {0, 1, 2, 5, 7, 12, 0x7fffffff, 0x80000000u, 0xfffffff9u,
				     0xffffffffu};
	size_t i, j, k;
	uint32_t bad = 0, n = 0;

	for (i = 0; i < BASE_ARRAY_SIZE(v); i++)
		for (j = 0; j < BASE_ARRAY_SIZE(v); j++)
			for (k = 0; k < BASE_ARRAY_SIZE(v); k += 3) {
				uint32_t a = v[i], b = v[j], c = v[k], sum = a + c;

				n += 3;
				bad += run(t, "add_br_rr", 3, A(vi32(a), vi32(b), vi32(c))) !=
				       (conds_ref(sum, b) | 1u << 15);
				bad += run(t, "add_br_mirror", 3, A(vi32(a), vi32(b), vi32(c))) !=
				       (conds_ref(b, sum) | 1u << 15);
				bad += run(t, "add_br_ii", 3, A(vi32(a), vi32(b), vi32(c))) !=
				       ((~conds_ref(a - 7, 5) & 0x3ff));
			}
	ok(bad == 0 && n > 0, "add-and-branch: %u of %u results differ from C", bad, n);
	bad = 0;
	for (i = 0; i < BASE_ARRAY_SIZE(v); i++)
		for (j = 0; j < BASE_ARRAY_SIZE(v); j++)
			bad += run(t, "acc_br", 2, A(vi32(v[i]), vi32(v[j]))) != acc_br_ref(v[i], v[j]);
	ok(bad == 0, "branches on the previous result: %u wrong", bad);
	ok_eq(run(t, "add_br_if", 3, A(vi32(5), vi32(100), vi32(-5))),
	      1u | 2u | 4u | (4u << 8), "br_if/if on a sum (zero, then 1, then 4 < 100)");
	ok_eq(run(t, "add_br_if", 3, A(vi32(5), vi32(-1), vi32(-6))),
	      3u << 8, "br_if/if on a sum (-1, then 0, then 3 >= -1)");
}

static void test_control(void)
{
	static const int32_t pairs[][2] = {{0, 0}, {1, 2}, {2, 1}, {-1, 3}, {3, -1}, {7, 7},
					   {6, 100}, {INT32_MIN, INT32_MAX}};
	struct t t;
	size_t i;

	if (!ok(t_open(&t, "control", ENG_PROFILE_FULL, NULL, NULL), "control: instantiate"))
		return;
	ok_eq(run(&t, "fib", 1, A(vi32(20))), 6765, "fib(20)");
	ok(run(&t, "sum_loop", 1, A(vi32(100000))) == 5000050000ull, "sum_loop(100000)");
	ok_eq(run(&t, "alias", 1, A(vi32(5))), (uint32_t)-95, "local read before it is overwritten");
	ok_eq(run(&t, "alias_tee", 1, A(vi32(3))), 24, "local read before local.tee");
	ok_eq(run(&t, "swap", 2, A(vi32(1), vi32(2))), 19, "swap two locals through the stack");
	ok_eq(run(&t, "br_table", 1, A(vi32(0))), 101, "br_table 0");
	ok_eq(run(&t, "br_table", 1, A(vi32(1))), 102, "br_table 1");
	ok_eq(run(&t, "br_table", 1, A(vi32(2))), 103, "br_table 2");
	ok_eq(run(&t, "br_table", 1, A(vi32(99))), 103, "br_table default");
	ok_eq(run(&t, "br_if_value", 1, A(vi32(1))), 7, "br_if taken carries a value");
	ok_eq(run(&t, "br_if_value", 1, A(vi32(0))), 9, "br_if not taken");
	run(&t, "multi", 2, A(vi32(2), vi32(3)));
	ok(t.st == ENG_OK && t.res[0].of.i32 == 5 && t.res[1].of.i32 == 2 && t.res[2].of.i32 == 3,
	   "multi-value block with params");
	ok_eq(run(&t, "multi_loop", 1, A(vi32(10))), 55, "loop with two parameters");
	ok_eq(run(&t, "if_params", 2, A(vi32(5), vi32(1))), 15, "if with a parameter (then)");
	ok_eq(run(&t, "if_params", 2, A(vi32(5), vi32(0))), (uint32_t)-5, "if with a parameter (else)");
	ok_eq(run(&t, "nested_return", 1, A(vi32(1))), 2, "br_if out of nested blocks");
	ok_eq(run(&t, "nested_return", 1, A(vi32(0))), 1, "return from nested blocks");
	run(&t, "unreachable", 0, NULL);
	ok(trapped(&t, ENG_TRAP_UNREACHABLE), "unreachable traps");
	ok_eq(run(&t, "select_const", 1, A(vi32(1))), 11, "select of constants (true)");
	ok_eq(run(&t, "select_const", 1, A(vi32(0))), 22, "select of constants (false)");
	for (i = 0; i < BASE_ARRAY_SIZE(pairs); i++)
		ok_eq(run(&t, "cmp_branch", 2, A(vi32((uint32_t)pairs[i][0]), vi32((uint32_t)pairs[i][1]))),
		      cmp_branch_ref(pairs[i][0], pairs[i][1]), "fused compare-and-branch (%d, %d)",
		      pairs[i][0], pairs[i][1]);
	test_add_branch(&t);
	ok_eq(run(&t, "sp_frame", 1, A(vi32(0))), 952u * 10000 + 960 * 10 + 1000,
	      "shadow-stack prologue/epilogue: frame 952, sp restored");
	ok_eq(run(&t, "sp_frame", 1, A(vi32(0))), 952u * 10000 + 960 * 10 + 1000,
	      "... and again from the restored sp");
	ok_eq(run(&t, "sp_wrap", 0, NULL), 0, "sp - 1001 wraps at 2^32, + 1 is 0");
	ok_eq(run(&t, "sp_frame", 1, A(vi32(0))), 952u * 10000 + 960 * 10 + 1000,
	      "the wrapped sp was restored");
	t_close(&t);
}

/* ---- memory ------------------------------------------------------------------------- */

/* m_* of memory.wat: binary ops with a loaded operand (the bytes at 16 are
 * 01 02 .. 08), loaded on the right and (_r) on the left. */
static void test_load_ops(struct t *t)
{
	const uint32_t m32 = 0x04030201u, x = 0x11111111u;
	const uint64_t m64 = 0x0807060504030201ull, y = 0x123456789ull;
	volatile double fm, fx = 3.25;
	uint32_t bad = 0;

	memcpy((void *)&fm, &m64, 8);
	bad += run(t, "m_i32.add", 2, A(vi32(16), vi32(x))) != x + m32;
	bad += run(t, "m_i32.add_r", 2, A(vi32(16), vi32(x))) != m32 + x;
	bad += run(t, "m_i32.sub", 2, A(vi32(16), vi32(x))) != x - m32;
	bad += run(t, "m_i32.sub_r", 2, A(vi32(16), vi32(x))) != (uint32_t)(m32 - x);
	bad += run(t, "m_i32.and", 2, A(vi32(16), vi32(x))) != (x & m32);
	bad += run(t, "m_i32.and_r", 2, A(vi32(16), vi32(x))) != (m32 & x);
	bad += run(t, "m_i32.or", 2, A(vi32(16), vi32(x))) != (x | m32);
	bad += run(t, "m_i32.or_r", 2, A(vi32(16), vi32(x))) != (m32 | x);
	bad += run(t, "m_i32.xor", 2, A(vi32(16), vi32(x))) != (x ^ m32);
	bad += run(t, "m_i32.xor_r", 2, A(vi32(16), vi32(x))) != (m32 ^ x);
	bad += run(t, "m_i64.add32", 2, A(vi32(16), vi64(y))) != y + m32;
	bad += run(t, "m_i64.mul32", 2, A(vi32(16), vi64(y))) != y * m32;
	bad += run(t, "m_i64.add", 2, A(vi32(16), vi64(y))) != m64 + y;
	bad += run(t, "m_i64.mul", 2, A(vi32(16), vi64(y))) != m64 * y;
	bad += run(t, "m_f64.add", 2, A(vi32(16), vf64(fx))) != bits64(fx + fm);
	bad += run(t, "m_f64.add_r", 2, A(vi32(16), vf64(fx))) != bits64(fm + fx);
	bad += run(t, "m_f64.sub", 2, A(vi32(16), vf64(fx))) != bits64(fx - fm);
	bad += run(t, "m_f64.sub_r", 2, A(vi32(16), vf64(fx))) != bits64(fm - fx);
	bad += run(t, "m_f64.mul", 2, A(vi32(16), vf64(fx))) != bits64(fx * fm);
	bad += run(t, "m_f64.mul_r", 2, A(vi32(16), vf64(fx))) != bits64(fm * fx);
	ok(bad == 0, "binary ops with a loaded operand (%u of 20 wrong)", bad);
	run(t, "m_i32.sub_r", 2, A(vi32(65533), vi32(x)));
	ok(trapped(t, ENG_TRAP_MEMORY_OOB), "a loaded operand past the end traps");
	run(t, "m_f64.mul", 2, A(vi32(65529), vf64(fx)));
	ok(trapped(t, ENG_TRAP_MEMORY_OOB), "a loaded f64 operand past the end traps");
}

/* acc_fused of memory.wat in C, over the module's memory mem (1 page). */
static uint32_t acc_fused_ref(const uint8_t *mem, uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t r = 0, t, w32, m8 = mem[(uint32_t)(a + b)];
	uint64_t w64;

	memcpy(&w32, mem + (uint32_t)(a * c), 4);
	memcpy(&w64, mem + (a ^ c), 8);
	t = a * b + c;
	r |= t < b ? 1 : 0;
	t = c + a * b;
	r |= (int32_t)t > 40 ? 2 : 0;
	r |= a * b + 5 <= c ? 4 : 0;
	r |= a * b + 5 != 17 ? 8 : 0;
	r |= mem[(uint32_t)(a * c)] ? 16 : 0;
	r |= w32 == b ? 32 : 0;
	return r + (m8 << 8) + w32 + (uint32_t)w64 + (t << 16);
}

static void test_memory(void)
{
	struct eng_store_config small = {.max_memory_pages = 2};
	struct eng_memory *mem;
	uint8_t buf[4];
	struct t t;

	if (ok(t_open(&t, "memory", ENG_PROFILE_FULL, NULL, NULL), "memory: instantiate (grow)"))
		ok_eq(run(&t, "grow_in_callee", 0, NULL), 77,
		      "memory grown by a callee is usable by the caller after the return");
	t_close(&t);
	if (!ok(t_open(&t, "memory", ENG_PROFILE_FULL, NULL, NULL), "memory: instantiate"))
		return;
	ok_eq(run(&t, "load8_s", 1, A(vi32(24))), 0xfffffff0u, "i32.load8_s");
	ok_eq(run(&t, "load8_u", 1, A(vi32(24))), 0xf0, "i32.load8_u");
	ok_eq(run(&t, "load16_s", 1, A(vi32(24))), 0xfffffff0u, "i32.load16_s");
	ok_eq(run(&t, "load32", 1, A(vi32(16))), 0x04030201, "i32.load little-endian");
	ok(run(&t, "load64", 1, A(vi32(16))) == 0x0807060504030201ull, "i64.load");
	ok(run(&t, "load64_8s", 1, A(vi32(25))) == UINT64_MAX, "i64.load8_s");
	ok(run(&t, "load64_32u", 1, A(vi32(22))) == 0xfff00807ull, "i64.load32_u");
	ok(run(&t, "load64_32s", 1, A(vi32(22))) == 0xfffffffffff00807ull, "i64.load32_s");
	run(&t, "load32", 1, A(vi32(65532)));
	ok(t.st == ENG_OK, "i32.load at the last word");
	run(&t, "load32", 1, A(vi32(65533)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "i32.load one byte past the end traps");
	run(&t, "load_off1", 1, A(vi32(65534)));
	ok(t.st == ENG_OK, "load8 offset=1 at 65534");
	run(&t, "load_off1", 1, A(vi32(65535)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "load8 offset=1 at 65535 traps");
	run(&t, "load_off_max", 1, A(vi32(1)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "address + offset does not wrap at 2^32");
	run(&t, "load_off1", 1, A(vi32(0xffffffffu)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "0xffffffff + 1 does not wrap to 0");
	ok_eq(run(&t, "load_addi", 1, A(vi32(4))), 0x04030201, "load of (add x 8) offset=4");
	ok_eq(run(&t, "load_addi", 1, A(vi32(0xfffffffcu))), 0, "the address add wraps at 2^32");
	run(&t, "load_addi", 1, A(vi32(65524)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "fused address + offset past the end traps");
	ok(run(&t, "load_add", 2, A(vi32(8), vi32(8))) == 0x0807060504030201ull, "i64.load of (add a b)");
	ok(run(&t, "load_add", 2, A(vi32(0xffffff00u), vi32(0x110))) == 0x0807060504030201ull,
	   "i64.load of a wrapping (add a b)");
	ok_eq(run(&t, "load8_addi", 1, A(vi32(23))), 0xf0, "i32.load8_u of (add x 1)");
	run(&t, "load8_addi", 1, A(vi32(65535)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "i32.load8_u of (add 65535 1) traps");
	ok_eq(run(&t, "load_const", 0, NULL), 0x04030201, "i32.load from a constant address");
	run(&t, "load_const_oob", 0, NULL);
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "constant address + offset does not wrap");
	ok(run(&t, "load64_const_end", 0, NULL) == 0 && t.st == ENG_OK, "i64.load at constant 65528");
	run(&t, "load64_const_oob", 0, NULL);
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "i64.load at constant 65529 traps");
	ok_eq(run(&t, "load8_const", 0, NULL), 0xf0, "i32.load8_u from a constant address");
	run(&t, "store_consts", 1, A(vi32(2000)));
	ok(run(&t, "load32", 1, A(vi32(2000))) == 0x11223344 &&
	   run(&t, "load64", 1, A(vi32(2004))) == 0x0102030405060708ull &&
	   run(&t, "load8_u", 1, A(vi32(2012))) == 0xff, "stores of constants");
	run(&t, "store_consts", 1, A(vi32(65528)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "i64.store of a constant past the end traps");
	ok_eq(run(&t, "load32", 1, A(vi32(65528))), 0x11223344, "the store before the trap happened");
	test_load_ops(&t);
	{
		/* addresses a + b, a * c, (a ^ c) + 8 stay below 64 */
		static const uint32_t v[][3] = {{4, 12, 4}, {2, 6, 9}, {3, 4, 7}, {0, 0, 0},
						{5, 7, 1}, {1, 40, 16}, {6, 2, 3}};
		uint64_t size;
		const uint8_t *img = eng_memory_data(eng_instance_memory(t.inst), &size);
		uint32_t bad = 0;
		size_t i;

		for (i = 0; i < BASE_ARRAY_SIZE(v); i++)
			bad += run(&t, "acc_fused", 3, A(vi32(v[i][0]), vi32(v[i][1]), vi32(v[i][2]))) !=
			       acc_fused_ref(img, v[i][0], v[i][1], v[i][2]);
		for (i = 0; i < BASE_ARRAY_SIZE(v); i++) {
			uint32_t m = v[i][0] * v[i][2], w32;
			uint64_t w64;

			memcpy(&w32, img + m, 4);
			memcpy(&w64, img + m, 8);
			bad += run(&t, "acc_mov", 3, A(vi32(v[i][0]), vi32(v[i][2]), vi32(6100))) !=
			       w64 + w32 + img[m];
		}
		ok(bad == 0, "moves, add- and load-and-branch fed by the previous result (%u wrong)", bad);
		run(&t, "acc_fused", 3, A(vi32(65535), vi32(1), vi32(1)));
		ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "... and their traps");
	}
	{
		volatile double fm, x = 1.75;
		uint64_t m64 = 0x0807060504030201ull;
		uint32_t w = 0x01020304u ^ 0x5a5au, b;

		memcpy((void *)&fm, &m64, 8);
		ok(run(&t, "acc_chainf", 2, A(vi32(16), vf64(x))) ==
		   bits64(3 / (fm * ((fm + 2 / ((x * x + 0.5 - 0.25) * 1.5)) - x))),
		   "chain of f64 ops through the last-result register");
		run(&t, "acc_mem", 2, A(vi32(5000), vi32(0x01020304u)));
		b = w & 0xff;
		ok(t.st == ENG_OK && t.res[0].of.i64 == (((uint64_t)b << 40 | w) + 7) + b,
		   "stores and loads of the previous result, at the previous result");
		run(&t, "acc_mem", 2, A(vi32(65530), vi32(1)));
		ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "... and their traps");
	}
	ok_eq(run(&t, "load_br", 2, A(vi32(16), vi32(0x04030202))), 0x4030201fu,
	      "loads then branches on the value (taken)");
	ok_eq(run(&t, "load_br", 2, A(vi32(100), vi32(5))), 5, "loads then branches (zeros)");
	ok_eq(run(&t, "load_br", 2, A(vi32(16), vi32(0x04030201))), 0x40302010u | 2u | 4u | 8u,
	      "load then branch: equal is not less");
	run(&t, "load_br", 2, A(vi32(65533), vi32(0)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "load then branch: the load traps first");
	run(&t, "load_br", 2, A(vi32(65532), vi32(-1)));
	ok(t.st == ENG_OK, "load then branch at the last word");
	run(&t, "store_addi", 2, A(vi32(1000), vi32(0xdeadbeefu)));
	ok_eq(run(&t, "load32", 1, A(vi32(1004))), 0xdeadbeefu, "i32.store of (x - 8) offset=12");
	run(&t, "store_addi", 2, A(vi32(4), vi32(1)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "i32.store: the addend wraps at 2^32, the offset does not");
	run(&t, "store_addi", 2, A(vi32(8), vi32(0x55667788u)));
	ok_eq(run(&t, "load32", 1, A(vi32(12))), 0x55667788u, "i32.store of (8 - 8) offset=12");
	run(&t, "store16_addi", 2, A(vi32(0x80000802u), vi32(0xabcd)));
	ok_eq(run(&t, "load32", 1, A(vi32(2048))), 0xabcd, "i32.store16 of (c + x) wrapping to 2048");
	ok_eq(run(&t, "load16s_addi", 1, A(vi32(26))), 0xfffffff0u, "i32.load16_s of (x - 4) offset=2");
	run(&t, "load16s_addi", 1, A(vi32(2)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "i32.load16_s: the addend wraps, the offset does not");
	run(&t, "move_addi", 2, A(vi32(2200), vi32(20)));
	ok_eq(run(&t, "load8_u", 1, A(vi32(2204))), 0x02, "byte move with addends on both sides");
	run(&t, "move_addi", 2, A(vi32(0xfffffffdu), vi32(20)));
	ok_eq(run(&t, "load8_u", 1, A(vi32(1))), 0x02, "the move's destination addend wraps");
	run(&t, "move_addi", 2, A(vi32(2200), vi32(4)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "the move's source addend wraps, its offset does not");
	ok_eq(run(&t, "add_chain", 1, A(vi32(5))), 6, "folded chain of additions wraps at 2^32");
	run(&t, "loop_words", 3, A(vi32(4000), vi32(16), vi32(4008)));
	ok(run(&t, "load64", 1, A(vi32(4000))) == 0x0807060504030201ull &&
	   run(&t, "load32", 1, A(vi32(4008))) == 0, "fused word loop (lt_u)");
	run(&t, "loop_bytes_ne", 3, A(vi32(4100), vi32(16), vi32(4103)));
	ok(run(&t, "load32", 1, A(vi32(4100))) == 0x030201, "fused byte loop (ne)");
	run(&t, "loop_dwords", 3, A(vi32(4200), vi32(16), vi32(4208)));
	ok(run(&t, "load64", 1, A(vi32(4208))) == 0x0807060504030201ull, "fused dword loop, offset 8");
	run(&t, "loop_words", 3, A(vi32(4004), vi32(4000), vi32(4016)));
	ok(run(&t, "load32", 1, A(vi32(4008))) == 0x04030201 &&
	   run(&t, "load32", 1, A(vi32(4012))) == 0x04030201,
	   "overlapping fused loop (dst = src + 4) propagates the first word");
	run(&t, "loop_words", 3, A(vi32(6000), vi32(16), vi32(0)));
	ok_eq(run(&t, "load32", 1, A(vi32(6000))), 0x04030201, "the loop body runs at least once");
	run(&t, "loop_words", 3, A(vi32(65528), vi32(16), vi32(65540)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "fused loop running off the end traps");
	ok(run(&t, "load64", 1, A(vi32(65528))) == 0x0807060504030201ull,
	   "words before the trap were copied");
	run(&t, "loop_bytes_ne", 3, A(vi32(65530), vi32(16), vi32(65529)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "ne loop past its end runs off the memory and traps");
	ok_eq(run(&t, "load16_s", 1, A(vi32(65534))), 0x0605, "... after copying up to the end");
	run(&t, "copy_words", 3, A(vi32(3000), vi32(16), vi32(2)));
	ok(run(&t, "load64", 1, A(vi32(3000))) == 0x0807060504030201ull &&
	   run(&t, "load32", 1, A(vi32(3008))) == 0, "word copy loop");
	run(&t, "copy_bytes", 3, A(vi32(3100), vi32(14), vi32(4)));
	ok_eq(run(&t, "load32", 1, A(vi32(3101))), 0x04030201, "byte copy loop with offsets");
	run(&t, "copy_dwords", 3, A(vi32(3200), vi32(16), vi32(1)));
	ok(run(&t, "load64", 1, A(vi32(3200))) == 0x0807060504030201ull, "dword copy loop");
	run(&t, "copy_words", 3, A(vi32(65528), vi32(16), vi32(3)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "word copy running off the end traps");
	ok(run(&t, "load64", 1, A(vi32(65528))) == 0x0807060504030201ull,
	   "words before the trap were copied");
	run(&t, "copy_words", 3, A(vi32(3300), vi32(65532), vi32(2)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "word copy reading off the end traps");
	ok_eq(run(&t, "load32", 1, A(vi32(3304))), 0, "nothing stored for the failed load");
	run(&t, "store32", 2, A(vi32(1000), vi32(0xdeadbeef)));
	ok_eq(run(&t, "load32", 1, A(vi32(1000))), 0xdeadbeef, "store/load round trip");
	run(&t, "store64", 2, A(vi32(65528), vi64(1)));
	ok(t.st == ENG_OK, "i64.store at the last 8 bytes");
	run(&t, "store64", 2, A(vi32(65529), vi64(1)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "i64.store crossing the end traps");
	run(&t, "store16", 2, A(vi32(65535), vi32(1)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "i32.store16 crossing the end traps");

	ok_eq(run(&t, "size", 0, NULL), 1, "memory.size");
	ok_eq(run(&t, "grow", 1, A(vi32(1))), 1, "memory.grow returns the old size");
	ok_eq(run(&t, "size", 0, NULL), 2, "memory.size after grow");
	ok_eq(run(&t, "grow", 1, A(vi32(2))), 0xffffffffu, "memory.grow beyond the maximum: -1");
	ok_eq(run(&t, "grow", 1, A(vi32(1))), 2, "memory.grow to the maximum");
	ok_eq(run(&t, "load32", 1, A(vi32(3 * 65536 - 4))), 0, "grown memory is zeroed");
	ok_eq(run(&t, "grow", 1, A(vi32(0))), 3, "memory.grow 0");

	run(&t, "fill", 3, A(vi32(100), vi32(0x1ab), vi32(10)));
	ok(run(&t, "load8_u", 1, A(vi32(109))) == 0xab && run(&t, "load8_u", 1, A(vi32(110))) == 0,
	   "memory.fill");
	run(&t, "fill", 3, A(vi32(3 * 65536 - 3), vi32(1), vi32(7)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "memory.fill out of bounds");
	run(&t, "fill", 3, A(vi32(3 * 65536), vi32(1), vi32(0)));
	ok(t.st == ENG_OK, "memory.fill of 0 bytes at the end");
	run(&t, "fill", 3, A(vi32(3 * 65536 + 1), vi32(1), vi32(0)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "memory.fill of 0 bytes past the end traps");
	run(&t, "copy", 3, A(vi32(17), vi32(16), vi32(4)));
	ok_eq(run(&t, "load32", 1, A(vi32(17))), 0x04030201, "memory.copy overlapping");
	run(&t, "init", 3, A(vi32(200), vi32(1), vi32(3)));
	ok_eq(run(&t, "load32", 1, A(vi32(200))) & 0xffffff, 0x6c6c65, "memory.init \"ell\"");
	run(&t, "init", 3, A(vi32(0), vi32(3), vi32(3)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "memory.init beyond the segment");
	run(&t, "drop", 0, NULL);
	run(&t, "init", 3, A(vi32(0), vi32(0), vi32(0)));
	ok(t.st == ENG_OK, "memory.init of 0 bytes after data.drop");
	run(&t, "init", 3, A(vi32(0), vi32(0), vi32(1)));
	ok(trapped(&t, ENG_TRAP_MEMORY_OOB), "memory.init after data.drop traps");

	mem = eng_instance_memory(t.inst);
	ok(mem && eng_memory_pages(mem) == 3, "eng_instance_memory");
	ok(mem && !eng_memory_read(mem, 3 * 65536 - 1, buf, 2), "eng_memory_read out of bounds");
	ok(mem && eng_memory_read(mem, 22, buf, 4) && buf[0] == 7 && buf[3] == 0xff,
	   "eng_memory_read");
	ok(mem && eng_memory_range(mem, 3 * 65536, 0) && !eng_memory_range(mem, 3 * 65536 + 1, 0),
	   "eng_memory_range bounds");
	ok(mem && eng_memory_write(mem, 500, "\x09\x08", 2) &&
	   run(&t, "load16_s", 1, A(vi32(500))) == 0x0809, "eng_memory_write");
	t_close(&t);

	/* The store's maximum caps growth below the declared maximum. */
	if (ok(t_open(&t, "memory", ENG_PROFILE_FULL, &small, NULL), "memory: small store")) {
		ok_eq(run(&t, "grow", 1, A(vi32(1))), 1, "grow to the store maximum");
		ok_eq(run(&t, "grow", 1, A(vi32(1))), 0xffffffffu, "grow beyond max_memory_pages: -1");
	}
	t_close(&t);
	small.max_memory_pages = 4;
	ok(!t_open(&t, "big_mem", ENG_PROFILE_FULL, &small, NULL) && t.st == ENG_ERR_LIMIT,
	   "memory minimum above max_memory_pages: ENG_ERR_LIMIT (%s)", t.err.msg);
	t_close(&t);
}

/* ---- tables and references -------------------------------------------------------------- */

static void test_tables(void)
{
	static int obj_a, obj_b;
	struct t t;

	if (!ok(t_open(&t, "tables", ENG_PROFILE_FULL, NULL, NULL), "tables: instantiate"))
		return;
	ok_eq(run(&t, "call0", 2, A(vi32(0), vi32(5))), 6, "call_indirect table 0 slot 0");
	ok_eq(run(&t, "call0", 2, A(vi32(1), vi32(5))), 10, "call_indirect table 0 slot 1");
	run(&t, "call0", 2, A(vi32(2), vi32(5)));
	ok(trapped(&t, ENG_TRAP_UNINITIALIZED_ELEMENT), "call_indirect null: uninitialized element");
	run(&t, "call0", 2, A(vi32(4), vi32(5)));
	ok(trapped(&t, ENG_TRAP_UNDEFINED_ELEMENT), "call_indirect past the end: undefined element");
	run(&t, "call1", 1, A(vi32(0)));
	ok(trapped(&t, ENG_TRAP_UNINITIALIZED_ELEMENT), "table 1 starts empty");
	run(&t, "init1", 3, A(vi32(0), vi32(0), vi32(2)));
	ok_eq(run(&t, "call1", 1, A(vi32(0))), 7, "table.init then call_indirect on table 1");
	run(&t, "call1", 1, A(vi32(1)));
	ok(trapped(&t, ENG_TRAP_INDIRECT_MISMATCH), "call_indirect signature mismatch");
	run(&t, "init1", 3, A(vi32(1), vi32(1), vi32(2)));
	ok(trapped(&t, ENG_TRAP_TABLE_OOB), "table.init beyond the segment");
	run(&t, "drop", 0, NULL);
	run(&t, "init1", 3, A(vi32(0), vi32(0), vi32(1)));
	ok(trapped(&t, ENG_TRAP_TABLE_OOB), "table.init after elem.drop");
	run(&t, "init1", 3, A(vi32(2), vi32(0), vi32(0)));
	ok(t.st == ENG_OK, "table.init of 0 elements at the end after elem.drop");
	ok_eq(run(&t, "size1", 0, NULL), 2, "table.size");
	ok_eq(run(&t, "grow1", 1, A(vi32(3))), 2, "table.grow returns the old size");
	ok_eq(run(&t, "size1", 0, NULL), 5, "table.size after grow");
	ok_eq(run(&t, "grow1", 1, A(vi32(6))), 0xffffffffu, "table.grow beyond the maximum: -1");
	run(&t, "call1", 1, A(vi32(4)));
	ok(trapped(&t, ENG_TRAP_INDIRECT_MISMATCH), "grown slots hold the init value ($dbl)");
	run(&t, "copy01", 3, A(vi32(3), vi32(0), vi32(1)));
	ok_eq(run(&t, "is_null0", 1, A(vi32(3))), 0, "table.copy between tables");
	run(&t, "copy01", 3, A(vi32(3), vi32(4), vi32(2)));
	ok(trapped(&t, ENG_TRAP_TABLE_OOB), "table.copy out of bounds");
	run(&t, "fill0", 2, A(vi32(0), vi32(2)));
	ok_eq(run(&t, "is_null0", 1, A(vi32(1))), 1, "table.fill with null");
	run(&t, "fill0", 2, A(vi32(3), vi32(2)));
	ok(trapped(&t, ENG_TRAP_TABLE_OOB), "table.fill out of bounds");
	run(&t, "set_ext", 2, A(vi32(1), vext(&obj_a)));
	ok(run(&t, "get_ext", 1, A(vi32(1))) == (uint64_t)(uintptr_t)&obj_a, "externref round trip");
	run(&t, "get_ext", 1, A(vi32(2)));
	ok(trapped(&t, ENG_TRAP_TABLE_OOB), "table.get out of bounds");
	ok_eq(run(&t, "ref_func_eq", 0, NULL), 42, "ref.func then call_indirect");
	run(&t, "set_ext", 2, A(vi32(0), vext(&obj_b)));
	ok(run(&t, "typed_select", 1, A(vi32(1))) == 0, "typed select (null)");
	ok(run(&t, "typed_select", 1, A(vi32(0))) == (uint64_t)(uintptr_t)&obj_b,
	   "typed select (externref)");
	t_close(&t);
}

/* ---- the logical stack limiter ------------------------------------------------------------ */

static enum eng_trap host_id(struct eng_host_call *call, void *user, const uint64_t *args,
			     uint64_t *results)
{
	(void)call;
	(void)user;
	results[0] = args[0];
	return ENG_TRAP_NONE;
}

static void test_limiter(void)
{
	static const uint8_t ii[] = {ENG_I32};
	struct eng_functype ft = {1, 1, ii, ii};
	struct eng_store_config cfg = {.logical_stack_max = 100};
	struct eng_module *m;
	struct eng_store *s;
	struct eng_instance *inst;
	struct eng_error err;
	struct linker l = {.n = 0};
	struct t t;
	uint32_t cost, depth_ok;

	m = load_module("limiter", ENG_PROFILE_PVF);
	if (!ok(m != NULL, "limiter: module (pvf)"))
		return;
	/* §3.2: $rec: max height 5, no locals; cost7: 3 locals + 4 */
	cost = eng_module_stack_cost(m, 1);
	ok_eq(cost, 5, "cost of $rec");
	ok_eq(eng_module_stack_cost(m, 2), 5, "cost of $rec_ind");
	ok_eq(eng_module_stack_cost(m, 3), 7, "cost of the §3.2 example 7");
	ok_eq(eng_module_stack_cost(m, 4), 4, "cost of the §3.2 example 4");
	ok_eq(eng_module_stack_cost(m, 5), 2, "cost of the §3.2 example 2");
	ok_eq(eng_module_stack_cost(m, 6), 5, "cost of the §3.2 example 5");
	ok_eq(eng_module_stack_cost(m, 0), 0, "imports cost nothing");
	eng_module_free(m);
	if (cost == 0)
		return;

	/* rec(n) runs n+1 frames of cost 5 and calls the host between them;
	 * the counter peaks at 5(n+1), which may reach L = 100 but not pass. */
	depth_ok = cfg.logical_stack_max / cost - 1;
	memset(&t, 0, sizeof(t));
	t.m = load_module("limiter", ENG_PROFILE_PVF);
	eng_store_new(&cfg, &t.s);
	link_add(&l, "env", "host_id",
		 (struct eng_extern){ENG_EXTERN_FUNC, {.func = eng_func_new_host(t.s, &ft, host_id, NULL)}});
	t.st = eng_instance_new(t.s, t.m, resolve, &l, &t.inst, &t.err);
	if (!ok(t.st == ENG_OK, "limiter: instantiate"))
		goto out;
	ok_eq(run(&t, "rec", 1, A(vi32(depth_ok))), depth_ok,
	      "rec(%u) reaches the limit exactly", depth_ok);
	run(&t, "rec", 1, A(vi32(depth_ok + 1)));
	ok(t.st == ENG_ERR_TRAP && t.err.trap == ENG_TRAP_STACK_LIMIT,
	   "rec(%u) exceeds the limit: stack limit trap", depth_ok + 1);
	ok_eq(run(&t, "rec", 1, A(vi32(depth_ok))), depth_ok, "the counter is restored after a trap");
	ok_eq(run(&t, "rec_ind", 1, A(vi32(depth_ok))), depth_ok,
	      "call_indirect counts the same cost");
	run(&t, "cost4", 2, A(vi32(1), vi32(2)));
	ok(t.st == ENG_OK, "cost4 (4 + 7 <= 100) runs");
	run(&t, "rec_ind", 1, A(vi32(depth_ok + 1)));
	ok(t.st == ENG_ERR_TRAP && t.err.trap == ENG_TRAP_STACK_LIMIT,
	   "call_indirect past the limit traps");
out:
	t_close(&t);

	/* cost4 (4) calls $that7 (7) and a host import (0): a limit of 11 is
	 * reached exactly, 10 is exceeded on entry to $that7. */
	for (cfg.logical_stack_max = 10; cfg.logical_stack_max <= 11; cfg.logical_stack_max++) {
		memset(&t, 0, sizeof(t));
		t.m = load_module("limiter", ENG_PROFILE_PVF);
		eng_store_new(&cfg, &t.s);
		l.n = 0;
		link_add(&l, "env", "host_id", (struct eng_extern){ENG_EXTERN_FUNC,
			 {.func = eng_func_new_host(t.s, &ft, host_id, NULL)}});
		if (t.m && eng_instance_new(t.s, t.m, resolve, &l, &t.inst, &t.err) == ENG_OK) {
			run(&t, "cost4", 2, A(vi32(1), vi32(2)));
			if (cfg.logical_stack_max == 10)
				ok(t.st == ENG_ERR_TRAP && t.err.trap == ENG_TRAP_STACK_LIMIT,
				   "limit 10: 4 + 7 exceeds it");
			else
				ok(t.st == ENG_OK, "limit 11: 4 + 7 reaches it exactly (host calls free)");
		} else {
			ok(0, "limiter: instance with limit %u", cfg.logical_stack_max);
		}
		t_close(&t);
	}

	/* The full profile has no costs: the limiter never fires. */
	m = load_module("limiter", ENG_PROFILE_FULL);
	eng_store_new(&cfg, &s);
	l.n = 0;
	link_add(&l, "env", "host_id",
		 (struct eng_extern){ENG_EXTERN_FUNC, {.func = eng_func_new_host(s, &ft, host_id, NULL)}});
	if (m && eng_instance_new(s, m, resolve, &l, &inst, &err) == ENG_OK) {
		struct eng_val r;

		ok(eng_func_call(s, export_func(inst, "rec"), A(vi32(1000)), 1, &r, 1, &err) == ENG_OK &&
		   r.of.i32 == 1000, "full profile: no logical limit");
	} else {
		ok(0, "limiter: full profile instance");
	}
	eng_store_free(s);
	eng_module_free(m);
}

/* A module that hides 300 operand-stack values from the stack limiter's cost
 * (tests/data/exec/quirk.wat, cost 4). With the logical limit 4000 the limiter
 * allows 1000 frames; a value stack sized by eng_module_value_slots_bound
 * holds them, a smaller one is exhausted first (docs/interpreter.md §4). */
static void test_value_slots_bound(void)
{
	struct eng_store_config cfg = {.logical_stack_max = 4000};
	struct eng_error err;
	uint64_t bound;
	struct t t;

	memset(&t, 0, sizeof(t));
	t.m = load_module("quirk", ENG_PROFILE_PVF);
	if (!ok(t.m && eng_module_prepare(t.m, &err) == ENG_OK, "quirk: prepare"))
		goto out;
	ok_eq(eng_module_stack_cost(t.m, 0), 4, "quirk: the hidden values cost nothing");
	bound = eng_module_value_slots_bound(t.m, cfg.logical_stack_max);
	ok(bound >= 1000 * 300 && bound < 1000 * 400, "quirk: bound %llu slots for 1000 frames",
	   (unsigned long long)bound);
	cfg.max_value_slots = (uint32_t)bound;
	eng_store_new(&cfg, &t.s);
	if (ok(eng_instance_new(t.s, t.m, resolve, NULL, &t.inst, &t.err) == ENG_OK,
	       "quirk: instantiate")) {
		ok_eq(run(&t, "f", 1, A(vi32(999))), 999, "bound-sized value stack: 1000 frames run");
		run(&t, "f", 1, A(vi32(1000)));
		ok(t.st == ENG_ERR_TRAP && t.err.trap == ENG_TRAP_STACK_LIMIT,
		   "1001 frames: the logical limit fires first");
	}
	eng_store_free(t.s);
	cfg.max_value_slots = 100000;
	eng_store_new(&cfg, &t.s);
	if (eng_instance_new(t.s, t.m, resolve, NULL, &t.inst, &t.err) == ENG_OK) {
		run(&t, "f", 1, A(vi32(999)));
		ok(trapped(&t, ENG_TRAP_CALL_STACK_EXHAUSTED),
		   "a smaller value stack is exhausted within the logical limit");
	}
	eng_store_free(t.s);
	t.s = NULL;
out:
	t_close(&t);
	t.m = load_module("quirk", ENG_PROFILE_FULL);
	ok(t.m && eng_module_prepare(t.m, &err) == ENG_OK &&
	   eng_module_value_slots_bound(t.m, 4000) == 0, "full profile: no costs, no bound");
	t_close(&t);
}

/* ---- call depth and value slots -------------------------------------------------------------- */

static void test_depth(void)
{
	struct eng_store_config cfg = {.max_call_depth = 1000};
	struct t t;
	uint32_t n, first_fail = 0, first_fail2 = 0;

	if (ok(t_open(&t, "depth", ENG_PROFILE_FULL, &cfg, NULL), "depth: instantiate")) {
		ok_eq(run(&t, "rec", 1, A(vi32(999))), 999, "1000 frames fit max_call_depth 1000");
		run(&t, "rec", 1, A(vi32(1000)));
		ok(trapped(&t, ENG_TRAP_CALL_STACK_EXHAUSTED), "1001 frames: call stack exhausted");
		ok_eq(run(&t, "rec", 1, A(vi32(999))), 999, "store usable after exhaustion");
	}
	t_close(&t);
	if (ok(t_open(&t, "depth", ENG_PROFILE_FULL, NULL, NULL), "depth: default store")) {
		ok_eq(run(&t, "rec", 1, A(vi32(100000))), 100000, "100001 frames by default");
		run(&t, "forever", 0, NULL);
		ok(trapped(&t, ENG_TRAP_CALL_STACK_EXHAUSTED), "infinite recursion is exhausted");
	}
	t_close(&t);
	/* Value slots: each $fat frame holds 201 locals plus a few operand
	 * slots, so at most 20 frames fit in 4096 slots. */
	cfg.max_call_depth = 0;
	cfg.max_value_slots = 4096;
	if (ok(t_open(&t, "depth", ENG_PROFILE_FULL, &cfg, NULL), "depth: small value stack")) {
		for (n = 0; n < 100 && !first_fail; n++) {
			run(&t, "fat", 1, A(vi32(n)));
			if (t.st != ENG_OK)
				first_fail = n;
		}
		ok(first_fail >= 15 && first_fail <= 20, "fat recursion fails at depth %u", first_fail);
		ok(trapped(&t, ENG_TRAP_CALL_STACK_EXHAUSTED), "value slots exhausted: call stack exhausted");
		run(&t, "fat", 1, A(vi32(first_fail - 1)));
		ok(t.st == ENG_OK, "one frame less fits");
	}
	t_close(&t);
	if (t_open(&t, "depth", ENG_PROFILE_FULL, &cfg, NULL)) {
		for (n = 0; n < 100 && !first_fail2; n++) {
			run(&t, "fat", 1, A(vi32(n)));
			if (t.st != ENG_OK)
				first_fail2 = n;
		}
	}
	ok_eq(first_fail2, first_fail, "the value-slot limit is deterministic");
	t_close(&t);
}

/* ---- host functions ---------------------------------------------------------------------------- */

static enum eng_trap host_sum_bytes(struct eng_host_call *call, void *user, const uint64_t *args,
				    uint64_t *results)
{
	struct eng_memory *mem = eng_host_call_memory(call);
	uint8_t buf[64];
	uint32_t i, sum = 0, len = (uint32_t)args[1];

	(void)user;
	if (!mem)
		return eng_host_trap(call, "sum_bytes: no memory");
	if (len == 0) {
		/* grows the caller's memory: the interpreter must notice */
		eng_memory_grow(mem, 1);
		results[0] = 0;
		return ENG_TRAP_NONE;
	}
	if (len > sizeof(buf) || !eng_memory_read(mem, (uint32_t)args[0], buf, len))
		return eng_host_trap(call, "sum_bytes: out of bounds read at %u", (uint32_t)args[0]);
	for (i = 0; i < len; i++)
		sum += buf[i];
	results[0] = sum;
	return ENG_TRAP_NONE;
}

static enum eng_trap host_fill(struct eng_host_call *call, void *user, const uint64_t *args,
			       uint64_t *results)
{
	uint8_t *p = eng_memory_range(eng_host_call_memory(call), (uint32_t)args[0],
				      (uint32_t)args[2]);

	(void)user;
	(void)results;
	if (!p)
		return eng_host_trap(call, "fill: out of bounds");
	memset(p, (int)(uint8_t)args[1], (uint32_t)args[2]);
	return ENG_TRAP_NONE;
}

/* user = the instance; calls its export "double" (re-entering wasm). */
static enum eng_trap host_callback(struct eng_host_call *call, void *user, const uint64_t *args,
				   uint64_t *results)
{
	struct eng_instance **inst = user;
	struct eng_val a = vi32((uint32_t)args[0]), r;
	struct eng_error err;

	if (eng_func_call(eng_host_call_store(call), export_func(*inst, "double"), &a, 1, &r, 1,
			  &err) != ENG_OK)
		return eng_host_trap(call, "callback: %s", err.msg);
	results[0] = r.of.i32;
	return ENG_TRAP_NONE;
}

/* Returns (7 with garbage in the upper half, x + 1). */
static enum eng_trap host_pair(struct eng_host_call *call, void *user, const uint64_t *args,
			       uint64_t *results)
{
	(void)call;
	(void)user;
	results[0] = 0xdeadbeef00000007ull;
	results[1] = args[0] + 1;
	return ENG_TRAP_NONE;
}

static void test_host(void)
{
	static const uint8_t i32x3[] = {ENG_I32, ENG_I32, ENG_I32}, i64[] = {ENG_I64};
	static const uint8_t i32_i64[] = {ENG_I32, ENG_I64};
	struct eng_functype t_sum = {2, 1, i32x3, i32x3}, t_fill = {3, 0, i32x3, NULL};
	struct eng_functype t_cb = {1, 1, i32x3, i32x3}, t_pair = {1, 2, i64, i32_i64};
	struct eng_instance *self = NULL;
	struct eng_func *hf;
	struct eng_val a[2], r;
	struct linker l = {.n = 0};
	struct t t;

	memset(&t, 0, sizeof(t));
	t.m = load_module("host", ENG_PROFILE_FULL);
	if (!ok(t.m != NULL, "host: module"))
		return;
	eng_store_new(NULL, &t.s);
	hf = eng_func_new_host(t.s, &t_sum, host_sum_bytes, NULL);
	link_add(&l, "env", "sum_bytes", (struct eng_extern){ENG_EXTERN_FUNC, {.func = hf}});
	link_add(&l, "env", "fill", (struct eng_extern){ENG_EXTERN_FUNC,
		 {.func = eng_func_new_host(t.s, &t_fill, host_fill, NULL)}});
	link_add(&l, "env", "callback", (struct eng_extern){ENG_EXTERN_FUNC,
		 {.func = eng_func_new_host(t.s, &t_cb, host_callback, &self)}});
	link_add(&l, "env", "pair", (struct eng_extern){ENG_EXTERN_FUNC,
		 {.func = eng_func_new_host(t.s, &t_pair, host_pair, NULL)}});
	t.st = eng_instance_new(t.s, t.m, resolve, &l, &t.inst, &t.err);
	if (!ok(t.st == ENG_OK, "host: instantiate"))
		goto out;
	self = t.inst;
	ok_eq(run(&t, "sum", 2, A(vi32(100), vi32(5))), 15, "host reads guest memory");
	run(&t, "sum", 2, A(vi32(65535), vi32(2)));
	ok(t.st == ENG_ERR_TRAP && t.err.trap == ENG_TRAP_HOST &&
	   strcmp(t.err.msg, "sum_bytes: out of bounds read at 65535") == 0,
	   "host trap message is returned (%s)", t.err.msg);
	ok_eq(run(&t, "fill_then_load", 3, A(vi32(10), vi32(0x5a), vi32(3))), 0x5a,
	      "host writes guest memory");
	run(&t, "fill_then_load", 3, A(vi32(65535), vi32(1), vi32(2)));
	ok(t.st == ENG_ERR_TRAP && t.err.trap == ENG_TRAP_HOST, "host range check");
	ok_eq(run(&t, "via_host", 1, A(vi32(21))), 43, "host calls back into wasm");
	ok(run(&t, "pair", 1, A(vi64(10))) == 18, "host results: two values, i32 masked");
	ok_eq(run(&t, "grow_via_host", 0, NULL), 2, "memory grown by a host function is seen");
	ok_eq(run(&t, "sum", 2, A(vi32(65536 + 10), vi32(4))), 0, "the grown page is usable");
	/* a host function called directly: no calling instance, no memory */
	a[0] = vi32(0);
	a[1] = vi32(1);
	ok(eng_func_call(t.s, hf, a, 2, &r, 1, &t.err) == ENG_ERR_TRAP &&
	   strcmp(t.err.msg, "sum_bytes: no memory") == 0, "host function called by the embedder");
	ok(eng_func_call(t.s, export_func(t.inst, "sum"), a, 1, &r, 1, &t.err) == ENG_ERR_ARGS,
	   "wrong argument count: ENG_ERR_ARGS");
	a[1] = vi64(1);
	ok(eng_func_call(t.s, export_func(t.inst, "sum"), a, 2, &r, 1, &t.err) == ENG_ERR_ARGS,
	   "wrong argument type: ENG_ERR_ARGS");
out:
	t_close(&t);
}

/* ---- linking two instances -------------------------------------------------------------------- */

static void add_exports(struct linker *l, struct eng_instance *inst, const char *module,
			const char *const *names, int n)
{
	struct eng_extern ex;
	int i;

	for (i = 0; i < n; i++)
		if (eng_instance_export(inst, names[i], strlen(names[i]), &ex))
			link_add(l, module, names[i], ex);
}

static void test_linking(void)
{
	static const char *const names[] = {"mem", "tab", "g", "ten"};
	struct eng_module *mb, *mm;
	struct eng_instance *b = NULL, *x;
	struct eng_extern ex;
	struct eng_error err;
	struct linker l = {.n = 0}, bad;
	struct t a, tb;

	if (!ok(t_open(&a, "link_a", ENG_PROFILE_FULL, NULL, NULL), "link_a: instantiate"))
		return;
	add_exports(&l, a.inst, "a", names, 4);
	mb = load_module("link_b", ENG_PROFILE_FULL);
	if (!ok(mb && eng_instance_new(a.s, mb, resolve, &l, &b, &err) == ENG_OK,
		"link_b: instantiate against link_a"))
		goto out;
	tb = a;
	tb.inst = b;
	ok_eq(run(&a, "peek", 1, A(vi32(64))), 42, "b's data segment lands in a's memory");
	run(&tb, "poke", 2, A(vi32(200), vi32(77)));
	ok_eq(run(&a, "peek", 1, A(vi32(200))), 77, "b's store is visible to a");
	run(&tb, "bump", 0, NULL);
	run(&tb, "bump", 0, NULL);
	ok_eq(run(&a, "get_g", 0, NULL), 7, "b's global.set is visible to a");
	ok(eng_instance_export(a.inst, "g", 1, &ex) && eng_global_get(ex.of.global).of.i32 == 7,
	   "eng_global_get of the shared global");
	ok(eng_global_set(ex.of.global, vi32(40)) && run(&a, "get_g", 0, NULL) == 40,
	   "eng_global_set");
	ok(!eng_global_set(ex.of.global, vi64(1)), "eng_global_set with the wrong type fails");
	ok_eq(run(&a, "call_slot", 1, A(vi32(1))), 20, "a calls b's function through the shared table");
	ok_eq(run(&tb, "call_slot", 1, A(vi32(0))), 10, "b calls a's function through the table");
	ok_eq(run(&tb, "grow", 1, A(vi32(1))), 1, "b grows the shared memory");
	ok_eq(run(&a, "size", 0, NULL), 2, "a sees the new size");

	/* import matching */
	ok(eng_instance_new(a.s, mb, resolve, NULL, &x, &err) == ENG_ERR_UNLINKABLE &&
	   strncmp(err.msg, "unknown import", 14) == 0, "missing import: unknown import");
	bad = l;
	bad.e[0].ext = bad.e[3].ext;   /* a function where a memory is expected */
	ok(eng_instance_new(a.s, mb, resolve, &bad, &x, &err) == ENG_ERR_UNLINKABLE &&
	   strncmp(err.msg, "incompatible import type", 24) == 0, "wrong kind: incompatible (%s)",
	   err.msg);
	bad = l;
	bad.e[0].ext.of.memory = eng_memory_new(a.s, (struct eng_limits_desc){0, 0, false});
	ok(eng_instance_new(a.s, mb, resolve, &bad, &x, &err) == ENG_ERR_UNLINKABLE,
	   "memory smaller than the import's minimum");
	bad = l;
	bad.e[2].ext.of.global = eng_global_new(a.s, vi32(1), false);
	ok(eng_instance_new(a.s, mb, resolve, &bad, &x, &err) == ENG_ERR_UNLINKABLE,
	   "immutable global for a mutable import");
	bad = l;
	bad.e[2].ext.of.global = eng_global_new(a.s, vi64(1), true);
	ok(eng_instance_new(a.s, mb, resolve, &bad, &x, &err) == ENG_ERR_UNLINKABLE,
	   "global of the wrong type");

	mm = load_module("imports_max", ENG_PROFILE_FULL);
	if (mm) {
		struct linker lm = {.n = 0};
		struct eng_extern em = {ENG_EXTERN_MEMORY, {.memory = NULL}};
		struct eng_extern et = {ENG_EXTERN_TABLE, {.table = NULL}};

		em.of.memory = eng_memory_new(a.s, (struct eng_limits_desc){2, 2, true});
		et.of.table = eng_table_new(a.s, ENG_FUNCREF, (struct eng_limits_desc){2, 5, true});
		link_add(&lm, "env", "mem", em);
		link_add(&lm, "env", "tab", et);
		ok(eng_instance_new(a.s, mm, resolve, &lm, &x, &err) == ENG_OK,
		   "limits within the import's range");
		lm.e[0].ext.of.memory = eng_memory_new(a.s, (struct eng_limits_desc){1, 3, true});
		ok(eng_instance_new(a.s, mm, resolve, &lm, &x, &err) == ENG_ERR_UNLINKABLE,
		   "memory maximum above the import's maximum");
		lm.e[0].ext.of.memory = eng_memory_new(a.s, (struct eng_limits_desc){1, 0, false});
		ok(eng_instance_new(a.s, mm, resolve, &lm, &x, &err) == ENG_ERR_UNLINKABLE,
		   "memory without maximum for an import with one");
		lm.e[0].ext.of.memory = em.of.memory;
		lm.e[1].ext.of.table = eng_table_new(a.s, ENG_FUNCREF, (struct eng_limits_desc){1, 0, false});
		ok(eng_instance_new(a.s, mm, resolve, &lm, &x, &err) == ENG_ERR_UNLINKABLE,
		   "table without maximum for an import with one");
		lm.e[1].ext.of.table = eng_table_new(a.s, ENG_EXTERNREF, (struct eng_limits_desc){2, 5, true});
		ok(eng_instance_new(a.s, mm, resolve, &lm, &x, &err) == ENG_ERR_UNLINKABLE,
		   "table of the wrong element type");
	} else {
		ok(0, "imports_max: module");
	}
	t_close(&a);
	eng_module_free(mm);
	eng_module_free(mb);
	return;
out:
	t_close(&a);
	eng_module_free(mb);
}

/* ---- segments and start -------------------------------------------------------------------- */

static void segments_case(enum eng_profile profile, bool expect_written)
{
	struct eng_module *m = load_module("segments", profile);
	struct eng_store *s;
	struct eng_instance *inst;
	struct eng_error err;
	struct linker l = {.n = 0};
	struct eng_memory *mem;
	uint8_t buf[3] = {0};
	const char *what = profile == ENG_PROFILE_PVF ? "pvf" : "full";

	if (!ok(m != NULL, "segments: module (%s)", what))
		return;
	eng_store_new(NULL, &s);
	mem = eng_memory_new(s, (struct eng_limits_desc){1, 0, false});
	link_add(&l, "env", "mem", (struct eng_extern){ENG_EXTERN_MEMORY, {.memory = mem}});
	ok(eng_instance_new(s, m, resolve, &l, &inst, &err) == ENG_ERR_TRAP &&
	   err.trap == ENG_TRAP_MEMORY_OOB && strcmp(err.msg, "out of bounds memory access") == 0,
	   "%s: out-of-bounds data segment traps (%s)", what, err.msg);
	eng_memory_read(mem, 0, buf, 3);
	if (expect_written)
		ok(memcmp(buf, "abc", 3) == 0, "%s: the earlier segment stays written", what);
	else
		ok(buf[0] == 0 && buf[1] == 0 && buf[2] == 0, "%s: nothing written (MVP)", what);
	eng_store_free(s);
	eng_module_free(m);
}

static void test_segments_start(void)
{
	struct eng_memory *mem;
	uint8_t buf[4];
	struct t t;

	segments_case(ENG_PROFILE_FULL, true);
	segments_case(ENG_PROFILE_PVF, false);
	if (ok(t_open(&t, "start", ENG_PROFILE_PVF, NULL, NULL), "start: instantiate")) {
		mem = eng_instance_memory(t.inst);
		ok(eng_memory_read(mem, 0, buf, 4) && buf[0] == 0x34 && buf[1] == 0x12,
		   "the start function ran after the segments");
		ok_eq(run(&t, "g", 0, NULL), 9, "the start function set the global");
	}
	t_close(&t);
	ok(!t_open(&t, "start_trap", ENG_PROFILE_FULL, NULL, NULL) && t.st == ENG_ERR_TRAP &&
	   t.err.trap == ENG_TRAP_DIV_ZERO, "a trapping start function fails instantiation");
	t_close(&t);
}

/* ---- prepared module shared by two stores ---------------------------------------------------- */

static void test_prepare(void)
{
	struct eng_module *m = load_module("control", ENG_PROFILE_FULL);
	struct eng_store *s1, *s2;
	struct eng_instance *i1, *i2;
	struct eng_error err;
	struct eng_val r1, r2;

	if (!ok(m && eng_module_prepare(m, &err) == ENG_OK, "eng_module_prepare"))
		goto out;
	eng_store_new(NULL, &s1);
	eng_store_new(NULL, &s2);
	if (ok(eng_instance_new(s1, m, resolve, NULL, &i1, &err) == ENG_OK &&
	   eng_instance_new(s2, m, resolve, NULL, &i2, &err) == ENG_OK &&
	   eng_func_call(s1, export_func(i1, "fib"), A(vi32(15)), 1, &r1, 1, &err) == ENG_OK &&
	   eng_func_call(s2, export_func(i2, "fib"), A(vi32(16)), 1, &r2, 1, &err) == ENG_OK &&
	   r1.of.i32 == 610 && r2.of.i32 == 987, "one prepared module, two stores"))
		ok(eng_func_call(s1, export_func(i2, "fib"), A(vi32(15)), 1, &r1, 1, &err) == ENG_ERR_ARGS,
		   "a function of another store is refused");
	eng_store_free(s1);
	eng_store_free(s2);
out:
	eng_module_free(m);
}

/* ---- translation cost stays linear ------------------------------------------------- */

static int put_leb(struct buf *b, uint32_t v)
{
	do {
		uint8_t byte = v & 0x7f;

		v >>= 7;
		if (v)
			byte |= 0x80;
		if (buf_append_byte(b, byte) < 0)
			return -1;
	} while (v);
	return 0;
}

/* A module with one function `() -> ()` with two i32 locals and `body`
 * (instructions, including the final end). */
static struct eng_module *one_func_module(const struct buf *body)
{
	struct buf code = BUF_INIT, mod = BUF_INIT;
	struct eng_module *m = NULL;
	struct eng_error err;

	put_leb(&code, (uint32_t)body->len + 3);
	buf_append(&code, "\x01\x02\x7f", 3);           /* locals: 2 x i32 */
	buf_append(&code, body->data, body->len);
	buf_append(&mod, "\0asm\1\0\0\0", 8);
	buf_append(&mod, "\x01\x04\x01\x60\x00\x00", 6); /* type () -> () */
	buf_append(&mod, "\x03\x02\x01\x00", 4);         /* one function */
	buf_append_byte(&mod, 0x0a);                      /* code section */
	put_leb(&mod, (uint32_t)code.len + 1);
	buf_append_byte(&mod, 1);
	buf_append(&mod, code.data, code.len);
	if (eng_module_new(mod.data, mod.len, NULL, &m, &err) != ENG_OK)
		printf("# module: %s\n", err.msg);
	buf_deinit(&code);
	buf_deinit(&mod);
	return m;
}

static void test_translation_cost(void)
{
	struct buf body = BUF_INIT;
	struct eng_module *m;
	struct eng_error err;
	uint64_t t0;
	uint32_t i;

	/* 200000 lazy local.gets under 100000 local.set of another local: the
	 * alias scans must not walk the whole stack each time. */
	for (i = 0; i < 200000; i++)
		buf_append(&body, "\x20\x00", 2);
	for (i = 0; i < 100000; i++)
		buf_append(&body, "\x20\x01\x21\x01", 4);
	for (i = 0; i < 200000; i++)
		buf_append_byte(&body, 0x1a);
	buf_append_byte(&body, 0x0b);
	m = one_func_module(&body);
	t0 = base_cpu_ns();
	ok(m && eng_module_prepare(m, &err) == ENG_OK, "deep stack of aliases translates");
	ok(base_cpu_ns() - t0 < 2000000000ull, "... in linear time (%.3f s)",
	   (double)(base_cpu_ns() - t0) / 1e9);
	eng_module_free(m);

	/* 90000 nested blocks, each closed after a br_table: the stub map of a
	 * br_table must not be sized by the nesting depth. */
	body.len = 0;
	for (i = 0; i < 90000; i++)
		buf_append(&body, "\x02\x40", 2);
	for (i = 0; i < 90000; i++)
		buf_append(&body, "\x41\x00\x0e\x01\x00\x00\x0b", 7);
	buf_append_byte(&body, 0x0b);
	m = one_func_module(&body);
	t0 = base_cpu_ns();
	ok(m && eng_module_prepare(m, &err) == ENG_OK, "deep nesting with br_tables translates");
	ok(base_cpu_ns() - t0 < 2000000000ull, "... in linear time (%.3f s)",
	   (double)(base_cpu_ns() - t0) / 1e9);
	eng_module_free(m);
	buf_deinit(&body);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		wasm_dir = argv[1];
	test_numeric();
	test_nan();
	test_control();
	test_memory();
	test_tables();
	test_limiter();
	test_depth();
	test_value_slots_bound();
	test_host();
	test_linking();
	test_segments_start();
	test_prepare();
	test_translation_cost();
	return tap_done();
}
