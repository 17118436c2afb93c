/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Native backend against the interpreter (the correctness oracle,
 * docs/compiler.md §5): generated modules apply every numeric instruction
 * to edge-case operands (zeros, extremes, NaNs with payloads, infinities,
 * denormals, conversion bounds), with operands from parameters, from
 * constants on either side, and feeding a fused if/br_if; memory accesses at
 * the bounds with small and huge offsets; a deep operand stack that forces
 * spilling. Each function is run on both backends, with and without NaN
 * canonicalisation, and the result bits or the trap must be identical (but
 * for NaN payloads without canonicalisation, see is_nan). The
 * modules must be compiled completely (no interpreter fallback).
 * tests/data/native/loops.wat adds loops whose locals are pinned in registers
 * (calls, memory.grow, float locals, more hot locals than registers).
 *
 * argv[1]: directory holding the .wasm files built from tests/data/native.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/engine.h"
#include "engine/native/native_int.h"
#include "tap.h"
#include "wasm_builder.h"

/* ---- a tiny module builder ------------------------------------------------ */

static void wb_section(struct wb *b, uint8_t id, struct wb *s)
{
	wb_byte(b, id);
	wb_uleb(b, s->len);
	wb_bytes(b, s->p, s->len);
	s->len = 0;
}

struct fdef {
	uint8_t np;
	uint8_t pt[2];
	uint8_t rt;
	struct wb body;     /* instructions, without the final end */
};

#define MAXF 512

struct mod {
	struct fdef f[MAXF];
	uint32_t n;
};

static struct fdef *fn_new(struct mod *m, uint8_t np, uint8_t p0, uint8_t p1, uint8_t rt)
{
	struct fdef *f = &m->f[m->n++];

	if (m->n > MAXF)
		abort();
	memset(f, 0, sizeof(*f));
	f->np = np;
	f->pt[0] = p0;
	f->pt[1] = p1;
	f->rt = rt;
	return f;
}

/* One type per function, one page of memory, function i exported as "fi". */
static struct wb mod_bytes(const struct mod *m)
{
	static const uint8_t hdr[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
	struct wb b = {0}, s = {0}, body = {0};
	uint32_t i;
	char name[16];

	wb_bytes(&b, hdr, 8);
	wb_uleb(&s, m->n);
	for (i = 0; i < m->n; i++) {
		wb_byte(&s, 0x60);
		wb_uleb(&s, m->f[i].np);
		wb_bytes(&s, m->f[i].pt, m->f[i].np);
		wb_byte(&s, 1);
		wb_byte(&s, m->f[i].rt);
	}
	wb_section(&b, 1, &s);
	wb_uleb(&s, m->n);
	for (i = 0; i < m->n; i++)
		wb_uleb(&s, i);
	wb_section(&b, 3, &s);
	wb_bytes(&s, "\x01\x00\x01", 3);           /* memory: min 1 page */
	wb_section(&b, 5, &s);
	wb_uleb(&s, m->n);
	for (i = 0; i < m->n; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		wb_uleb(&s, strlen(name));
		wb_bytes(&s, name, strlen(name));
		wb_byte(&s, 0);
		wb_uleb(&s, i);
	}
	wb_section(&b, 7, &s);
	wb_uleb(&s, m->n);
	for (i = 0; i < m->n; i++) {
		body.len = 0;
		wb_byte(&body, 0);                  /* no declared locals */
		wb_bytes(&body, m->f[i].body.p, m->f[i].body.len);
		wb_byte(&body, 0x0b);
		wb_uleb(&s, body.len);
		wb_bytes(&s, body.p, body.len);
	}
	wb_section(&b, 10, &s);
	free(s.p);
	free(body.p);
	return b;
}

static void mod_free(struct mod *m)
{
	uint32_t i;

	for (i = 0; i < m->n; i++)
		free(m->f[i].body.p);
	m->n = 0;
}

/* ---- operands ---------------------------------------------------------------- */

static const uint64_t v_i32[] = {
	0, 1, 2, 3, 31, 32, 33, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 12345,
	0xffffcfc7, 0x8000, 0xff,
};
static const uint64_t v_i64[] = {
	0, 1, 2, 63, 64, 65, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff,
	0xfffffffffffffffe, 0x80000000, 0xffffffff, 123456789012345, 0xffff8fb779f22087, 0x100,
};
static const uint64_t v_f32[] = {
	0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40200000, 0xc0200000,
	0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00001, 0xffc00001, 0x00000001, 0x7f7fffff,
	0x4f000000, 0xcf000000, 0x4f800000, 0x4effffff, 0xcf000001, 0x5f000000, 0x3effffff,
};
static const uint64_t v_f64[] = {
	0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
	0x3ff8000000000000, 0x4004000000000000, 0xc004000000000000, 0x7ff0000000000000,
	0xfff0000000000000, 0x7ff8000000000000, 0x7ff4000000000001, 0xfff8000000000001,
	0x0000000000000001, 0x7fefffffffffffff, 0x41e0000000000000, 0xc1e0000000200000,
	0x41efffffffe00000, 0x41f0000000000000, 0x43e0000000000000, 0xc3e0000000000001,
	0x3fdfffffffffffff, 0x4330000000000001,
};

struct vals {
	const uint64_t *v;
	size_t n;
};

static struct vals vals_of(uint8_t t)
{
	struct vals r;

	switch (t) {
	case ENG_I32: r.v = v_i32; r.n = sizeof(v_i32) / 8; break;
	case ENG_I64: r.v = v_i64; r.n = sizeof(v_i64) / 8; break;
	case ENG_F32: r.v = v_f32; r.n = sizeof(v_f32) / 8; break;
	default: r.v = v_f64; r.n = sizeof(v_f64) / 8; break;
	}
	return r;
}

static void emit_const(struct wb *b, uint8_t t, uint64_t v)
{
	uint32_t v32 = (uint32_t)v;

	switch (t) {
	case ENG_I32: wb_byte(b, 0x41); wb_sleb(b, (int32_t)v32); break;
	case ENG_I64: wb_byte(b, 0x42); wb_sleb(b, (int64_t)v); break;
	case ENG_F32: wb_byte(b, 0x43); wb_bytes(b, &v32, 4); break;
	default: wb_byte(b, 0x44); wb_bytes(b, &v, 8); break;
	}
}

static struct eng_val mkval(uint8_t t, uint64_t bits)
{
	struct eng_val v;

	memset(&v, 0, sizeof(v));
	v.type = (enum eng_valtype)t;
	if (t == ENG_I32 || t == ENG_F32)
		v.of.i32 = (uint32_t)bits;
	else
		v.of.i64 = bits;
	return v;
}

static uint64_t valbits(const struct eng_val *v)
{
	return (v->type == ENG_I32 || v->type == ENG_F32) ? v->of.i32 : v->of.i64;
}

/* ---- running on both backends ---------------------------------------------- */

struct side {
	struct eng_store *s;
	struct eng_instance *inst;
};

struct pair {
	struct eng_module *m;
	struct side b[3];     /* [0] interpreter, [1] native, [2] native with
			       * explicit bounds checks (no guard regions) */
};

static bool pair_new(struct pair *p, const struct wb *bytes, bool canon)
{
	struct eng_module_config mc;
	struct eng_error err;
	int k;

	memset(p, 0, sizeof(*p));
	memset(&mc, 0, sizeof(mc));
	if (eng_module_new(bytes->p, bytes->len, &mc, &p->m, &err) != ENG_OK) {
		printf("# module: %s\n", err.msg);
		return false;
	}
	for (k = 0; k < 3; k++) {
		struct eng_store_config sc;

		memset(&sc, 0, sizeof(sc));
		sc.nan_canonicalize = canon;
		sc.backend = k ? ENG_BACKEND_NATIVE : ENG_BACKEND_INTERP;
		sc.no_guard_pages = k == 2;
		if (eng_store_new(&sc, &p->b[k].s) != ENG_OK ||
		    eng_instance_new(p->b[k].s, p->m, NULL, NULL, &p->b[k].inst, &err) != ENG_OK) {
			printf("# instance (%s): %s\n", k ? "native" : "interp", err.msg);
			return false;
		}
	}
	return true;
}

static void pair_free(struct pair *p)
{
	for (int k = 0; k < 3; k++)
		eng_store_free(p->b[k].s);
	eng_module_free(p->m);
}

struct outcome {
	enum eng_status st;
	enum eng_trap trap;
	uint64_t bits;
};

static struct outcome call_one(struct side *sd, uint32_t fi, const struct eng_val *args,
			       uint32_t nargs)
{
	struct outcome o;
	struct eng_extern ex;
	struct eng_error err;
	struct eng_val res;
	char name[16];

	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	snprintf(name, sizeof(name), "f%u", fi);
	if (!eng_instance_export(sd->inst, name, strlen(name), &ex)) {
		o.st = ENG_ERR_ARGS;
		return o;
	}
	o.st = eng_func_call(sd->s, ex.of.func, args, nargs, &res, 1, &err);
	if (o.st == ENG_OK)
		o.bits = valbits(&res);
	else
		o.trap = err.trap;
	return o;
}

/* Without canonicalisation the payload of a NaN computed from NaN operands
 * is not defined by Wasm: the native code gets the hardware's choice for its
 * operand order, the interpreter whatever its C compiler emitted (gcc and
 * clang differ for add and min/max). Only that case may differ. */
static bool is_nan(uint8_t t, uint64_t bits)
{
	if (t == ENG_F32)
		return (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu);
	if (t == ENG_F64)
		return (bits & UINT64_C(0x7ff0000000000000)) == UINT64_C(0x7ff0000000000000) &&
		       (bits & UINT64_C(0x000fffffffffffff));
	return false;
}

/* Runs every function of the module on every operand combination (addr
 * overrides the operand list of i32 parameters when set). Returns the
 * number of differences; prints the first few. */
static unsigned compare_all(const struct mod *md, bool canon, const struct vals *addr,
			    unsigned *ncalls)
{
	struct wb bytes = mod_bytes(md);
	struct eng_native_stats ns;
	struct pair p;
	unsigned bad = 0;
	uint32_t i;
	size_t x, y;

	if (!pair_new(&p, &bytes, canon)) {
		free(bytes.p);
		return 1;
	}
	eng_module_native_stats(p.m, canon, &ns);
	if (nat__test_fallback_every ? ns.compiled == md->n : ns.compiled != md->n) {
		printf("# %u of %u functions compiled\n", ns.compiled, md->n);
		bad++;
	}
	for (i = 0; i < md->n; i++) {
		const struct fdef *f = &md->f[i];
		struct vals a = f->np ? vals_of(f->pt[0]) : vals_of(ENG_I32);
		struct vals b = f->np > 1 ? vals_of(f->pt[1]) : vals_of(ENG_I32);

		if (addr && f->np && f->pt[0] == ENG_I32)
			a = *addr;
		for (x = 0; x < (f->np ? a.n : 1); x++) {
			for (y = 0; y < (f->np > 1 ? b.n : 1); y++) {
				struct eng_val args[2];
				struct outcome o0, o1, o2;

				args[0] = mkval(f->pt[0], a.v[x]);
				args[1] = mkval(f->pt[1], b.v[y]);
				o0 = call_one(&p.b[0], i, args, f->np);
				o1 = call_one(&p.b[1], i, args, f->np);
				o2 = call_one(&p.b[2], i, args, f->np);
				(*ncalls)++;
				if (o1.st != o2.st || o1.trap != o2.trap || o1.bits != o2.bits) {
					/* guard regions or explicit checks: the same code
					 * otherwise, so bit-identical */
					if (bad++ < 5)
						printf("# f%u args %#llx: native %d/%d/%#llx, "
						       "checked %d/%d/%#llx\n", i,
						       (unsigned long long)a.v[x], o1.st, o1.trap,
						       (unsigned long long)o1.bits, o2.st, o2.trap,
						       (unsigned long long)o2.bits);
					continue;
				}
				if (o0.st == o1.st && o0.trap == o1.trap &&
				    (o0.bits == o1.bits ||
				     (!canon && is_nan(f->rt, o0.bits) && is_nan(f->rt, o1.bits))))
					continue;
				if (bad++ < 5)
					printf("# f%u (%02x...) args %#llx %#llx: interp %d/%d/%#llx, "
					       "native %d/%d/%#llx\n", i, f->body.p[f->body.len - 1],
					       (unsigned long long)a.v[x],
					       (unsigned long long)(f->np > 1 ? b.v[y] : 0),
					       o0.st, o0.trap, (unsigned long long)o0.bits, o1.st,
					       o1.trap, (unsigned long long)o1.bits);
			}
		}
	}
	pair_free(&p);
	free(bytes.p);
	return bad;
}

static void check(const char *what, const struct mod *md, const struct vals *addr)
{
	unsigned calls = 0, bad0 = compare_all(md, false, addr, &calls);
	unsigned bad1 = compare_all(md, true, addr, &calls);

	ok(bad0 == 0 && bad1 == 0 && calls > 0, "%s: %u functions, %u calls, same results",
	   what, md->n, calls);
}

/* ---- generators ------------------------------------------------------------------ */

struct opdesc {
	uint8_t op, a, b, r;     /* opcode, operand types (b = 0: unary), result */
};

static void binary_variants(struct mod *md, const struct opdesc *d)
{
	struct vals v = vals_of(d->a);
	static const size_t picks[3] = {1, 7, 9};
	struct fdef *f;
	unsigned k;

	f = fn_new(md, 2, d->a, d->b, d->r);
	wb_bytes(&f->body, "\x20\x00\x20\x01", 4);
	wb_byte(&f->body, d->op);
	for (k = 0; k < 3; k++) {
		f = fn_new(md, 1, d->a, 0, d->r);
		emit_const(&f->body, d->a, v.v[picks[k] % v.n]);
		wb_bytes(&f->body, "\x20\x00", 2);
		wb_byte(&f->body, d->op);
		f = fn_new(md, 1, d->a, 0, d->r);
		wb_bytes(&f->body, "\x20\x00", 2);
		emit_const(&f->body, d->b, v.v[picks[k] % v.n]);
		wb_byte(&f->body, d->op);
	}
}

static void gen_binary(uint8_t t, uint8_t lo, uint8_t hi, uint8_t clo, uint8_t chi)
{
	struct mod *md = calloc(1, sizeof(*md));
	struct opdesc d;
	unsigned op;
	char what[64];

	for (op = lo; op <= hi; op++) {
		d.op = (uint8_t)op;
		d.a = d.b = d.r = t;
		binary_variants(md, &d);
	}
	for (op = clo; op <= chi; op++) {
		d.op = (uint8_t)op;
		d.a = d.b = t;
		d.r = ENG_I32;
		binary_variants(md, &d);
	}
	snprintf(what, sizeof(what), "binary ops and compares of %#x", t);
	check(what, md, NULL);
	mod_free(md);
	free(md);
}

/* Compares feeding if and br_if (flags consumed directly). */
static void gen_fused(void)
{
	static const struct { uint8_t lo, hi, t; } g[4] = {
		{0x46, 0x4f, ENG_I32}, {0x51, 0x5a, ENG_I64}, {0x5b, 0x60, ENG_F32},
		{0x61, 0x66, ENG_F64},
	};
	struct mod *md = calloc(1, sizeof(*md));
	struct fdef *f;
	unsigned i, op;

	for (i = 0; i < 4; i++) {
		for (op = g[i].lo; op <= g[i].hi; op++) {
			f = fn_new(md, 2, g[i].t, g[i].t, ENG_I32);
			wb_bytes(&f->body, "\x20\x00\x20\x01", 4);
			wb_byte(&f->body, (uint8_t)op);
			wb_bytes(&f->body, "\x04\x7f\x41\x07\x05\x41\x09\x0b", 8);
			f = fn_new(md, 2, g[i].t, g[i].t, ENG_I32);
			wb_bytes(&f->body, "\x02\x7f\x41\x07\x20\x00\x20\x01", 8);
			wb_byte(&f->body, (uint8_t)op);
			wb_bytes(&f->body, "\x0d\x00\x1a\x41\x09\x0b", 6);
		}
	}
	for (i = 0; i < 2; i++) {   /* eqz + if */
		f = fn_new(md, 1, i ? ENG_I64 : ENG_I32, 0, ENG_I32);
		wb_bytes(&f->body, "\x20\x00", 2);
		wb_byte(&f->body, i ? 0x50 : 0x45);
		wb_bytes(&f->body, "\x04\x7f\x41\x07\x05\x41\x09\x0b", 8);
	}
	check("compares fused into if/br_if", md, NULL);
	mod_free(md);
	free(md);
}

static void gen_unary(void)
{
	static const struct opdesc d[] = {
		{0x45, ENG_I32, 0, ENG_I32}, {0x67, ENG_I32, 0, ENG_I32}, {0x68, ENG_I32, 0, ENG_I32},
		{0x69, ENG_I32, 0, ENG_I32}, {0xc0, ENG_I32, 0, ENG_I32}, {0xc1, ENG_I32, 0, ENG_I32},
		{0x50, ENG_I64, 0, ENG_I32}, {0x79, ENG_I64, 0, ENG_I64}, {0x7a, ENG_I64, 0, ENG_I64},
		{0x7b, ENG_I64, 0, ENG_I64}, {0xc2, ENG_I64, 0, ENG_I64}, {0xc3, ENG_I64, 0, ENG_I64},
		{0xc4, ENG_I64, 0, ENG_I64}, {0xa7, ENG_I64, 0, ENG_I32}, {0xac, ENG_I32, 0, ENG_I64},
		{0xad, ENG_I32, 0, ENG_I64},
		{0x8b, ENG_F32, 0, ENG_F32}, {0x8c, ENG_F32, 0, ENG_F32}, {0x8d, ENG_F32, 0, ENG_F32},
		{0x8e, ENG_F32, 0, ENG_F32}, {0x8f, ENG_F32, 0, ENG_F32}, {0x90, ENG_F32, 0, ENG_F32},
		{0x91, ENG_F32, 0, ENG_F32},
		{0x99, ENG_F64, 0, ENG_F64}, {0x9a, ENG_F64, 0, ENG_F64}, {0x9b, ENG_F64, 0, ENG_F64},
		{0x9c, ENG_F64, 0, ENG_F64}, {0x9d, ENG_F64, 0, ENG_F64}, {0x9e, ENG_F64, 0, ENG_F64},
		{0x9f, ENG_F64, 0, ENG_F64},
		{0xa8, ENG_F32, 0, ENG_I32}, {0xa9, ENG_F32, 0, ENG_I32}, {0xaa, ENG_F64, 0, ENG_I32},
		{0xab, ENG_F64, 0, ENG_I32}, {0xae, ENG_F32, 0, ENG_I64}, {0xaf, ENG_F32, 0, ENG_I64},
		{0xb0, ENG_F64, 0, ENG_I64}, {0xb1, ENG_F64, 0, ENG_I64},
		{0xb2, ENG_I32, 0, ENG_F32}, {0xb3, ENG_I32, 0, ENG_F32}, {0xb4, ENG_I64, 0, ENG_F32},
		{0xb5, ENG_I64, 0, ENG_F32}, {0xb6, ENG_F64, 0, ENG_F32},
		{0xb7, ENG_I32, 0, ENG_F64}, {0xb8, ENG_I32, 0, ENG_F64}, {0xb9, ENG_I64, 0, ENG_F64},
		{0xba, ENG_I64, 0, ENG_F64}, {0xbb, ENG_F32, 0, ENG_F64},
		{0xbc, ENG_F32, 0, ENG_I32}, {0xbd, ENG_F64, 0, ENG_I64}, {0xbe, ENG_I32, 0, ENG_F32},
		{0xbf, ENG_I64, 0, ENG_F64},
	};
	static const uint8_t sat_in[8] = {
		ENG_F32, ENG_F32, ENG_F64, ENG_F64, ENG_F32, ENG_F32, ENG_F64, ENG_F64,
	};
	struct mod *md = calloc(1, sizeof(*md));
	struct fdef *f;
	size_t i;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		f = fn_new(md, 1, d[i].a, 0, d[i].r);
		wb_bytes(&f->body, "\x20\x00", 2);
		wb_byte(&f->body, d[i].op);
		/* the same on a value computed into a register first */
		f = fn_new(md, 1, d[i].a, 0, d[i].r);
		wb_bytes(&f->body, "\x20\x00\x20\x00\x41\x01\x1b", 7);   /* select */
		wb_byte(&f->body, d[i].op);
	}
	for (i = 0; i < 8; i++) {
		f = fn_new(md, 1, sat_in[i], 0, i < 4 ? ENG_I32 : ENG_I64);
		wb_bytes(&f->body, "\x20\x00\xfc", 3);
		wb_uleb(&f->body, i);
	}
	check("unary ops and conversions", md, NULL);
	mod_free(md);
	free(md);
}

static void gen_memory(void)
{
	static const struct { uint8_t st, ld, t, vt; } acc[15] = {
		{0x36, 0x28, ENG_I32, ENG_I32}, {0x37, 0x29, ENG_I64, ENG_I64},
		{0x38, 0x2a, ENG_F32, ENG_F32}, {0x39, 0x2b, ENG_F64, ENG_F64},
		{0x3a, 0x2c, ENG_I32, ENG_I32}, {0x3a, 0x2d, ENG_I32, ENG_I32},
		{0x3b, 0x2e, ENG_I32, ENG_I32}, {0x3b, 0x2f, ENG_I32, ENG_I32},
		{0x3c, 0x30, ENG_I64, ENG_I64}, {0x3c, 0x31, ENG_I64, ENG_I64},
		{0x3d, 0x32, ENG_I64, ENG_I64}, {0x3d, 0x33, ENG_I64, ENG_I64},
		{0x3e, 0x34, ENG_I64, ENG_I64}, {0x3e, 0x35, ENG_I64, ENG_I64},
		{0x36, 0x28, ENG_I32, ENG_I32},
	};
	static const uint32_t offs[6] = {0, 3, 65530, 0x7ffffffe, 0x80000000, 0xfffffff0};
	static const uint32_t caddr[4] = {0, 65528, 65535, 0xffffffff};
	static const uint64_t addrs[] = {
		0, 1, 8, 65528, 65530, 65532, 65535, 65536, 0x7fffffff, 0xfffffff0, 0xffffffff,
	};
	struct vals av = {addrs, sizeof(addrs) / 8};
	struct mod *md = calloc(1, sizeof(*md));
	struct fdef *f;
	unsigned i, o, k;

	for (i = 0; i < 15; i++) {
		uint64_t v = acc[i].vt == ENG_F32 ? 0x7fa01234 : UINT64_C(0x8899aabbccddeeff);

		for (o = 0; o < 6; o++) {
			for (k = 0; k < 5; k++) {
				f = fn_new(md, 1, ENG_I32, 0, acc[i].t);
				if (k == 0)
					wb_bytes(&f->body, "\x20\x00", 2);
				else
					emit_const(&f->body, ENG_I32, caddr[k - 1]);
				/* the last row stores a value computed in a register */
				if (i == 14)
					wb_bytes(&f->body, "\x20\x00\x41\x05\x6c", 5);
				else
					emit_const(&f->body, acc[i].vt, v);
				wb_byte(&f->body, acc[i].st);
				wb_byte(&f->body, 0);
				wb_uleb(&f->body, offs[o]);
				if (k == 0)
					wb_bytes(&f->body, "\x20\x00", 2);
				else
					emit_const(&f->body, ENG_I32, caddr[k - 1]);
				wb_byte(&f->body, acc[i].ld);
				wb_byte(&f->body, 0);
				wb_uleb(&f->body, offs[o]);
			}
		}
	}
	check("loads and stores at the bounds", md, &av);
	mod_free(md);
	free(md);
}

static void gen_spill(void)
{
	struct mod *md = calloc(1, sizeof(*md));
	struct fdef *f;
	unsigned k;

	/* f0: 30 live i32 values */
	f = fn_new(md, 2, ENG_I32, ENG_I32, ENG_I32);
	for (k = 0; k < 30; k++) {
		wb_byte(&f->body, 0x20);
		wb_byte(&f->body, (uint8_t)(k & 1));
		emit_const(&f->body, ENG_I32, k * 2654435761u + 1);
		wb_byte(&f->body, k % 3 == 0 ? 0x6c : k % 3 == 1 ? 0x73 : 0x6a);
	}
	for (k = 0; k < 29; k++)
		wb_byte(&f->body, k & 1 ? 0x73 : 0x6a);
	/* f1: 24 live i64 values with divisions and rotates */
	f = fn_new(md, 2, ENG_I64, ENG_I64, ENG_I64);
	for (k = 0; k < 24; k++) {
		wb_byte(&f->body, 0x20);
		wb_byte(&f->body, (uint8_t)(k & 1));
		emit_const(&f->body, ENG_I64, (uint64_t)k * 0x9e3779b97f4a7c15u + 3);
		wb_byte(&f->body, k % 4 == 0 ? 0x80 : k % 4 == 1 ? 0x89 : k % 4 == 2 ? 0x7e : 0x85);
	}
	for (k = 0; k < 23; k++)
		wb_byte(&f->body, k & 1 ? 0x85 : 0x7c);
	/* f2: 20 live f64 values, then 16 i32 below 16 f64 */
	f = fn_new(md, 2, ENG_F64, ENG_F64, ENG_F64);
	for (k = 0; k < 20; k++) {
		wb_byte(&f->body, 0x20);
		wb_byte(&f->body, (uint8_t)(k & 1));
		emit_const(&f->body, ENG_F64, 0x3ff0000000000000u + ((uint64_t)k << 48));
		wb_byte(&f->body, k & 1 ? 0xa2 : 0xa0);
	}
	for (k = 0; k < 19; k++)
		wb_byte(&f->body, k % 3 ? 0xa0 : 0xa4);
	f = fn_new(md, 2, ENG_I32, ENG_I32, ENG_I32);
	for (k = 0; k < 16; k++) {
		wb_bytes(&f->body, "\x20\x00", 2);
		emit_const(&f->body, ENG_I32, k + 1);
		wb_byte(&f->body, 0x6c);
	}
	for (k = 0; k < 16; k++) {
		wb_bytes(&f->body, "\x20\x01\xb7", 3);              /* f64.convert_i32_s */
		emit_const(&f->body, ENG_F64, 0x3fe0000000000000u);
		wb_byte(&f->body, 0xa2);
	}
	for (k = 0; k < 15; k++)
		wb_byte(&f->body, 0xa0);
	wb_bytes(&f->body, "\xfc\x02", 2);                          /* i32.trunc_sat_f64_s */
	for (k = 0; k < 16; k++)
		wb_byte(&f->body, 0x6a);
	/* f4: 12 live values across a call to f0, then a block result */
	f = fn_new(md, 2, ENG_I32, ENG_I32, ENG_I32);
	for (k = 0; k < 12; k++) {
		wb_bytes(&f->body, "\x20\x00", 2);
		emit_const(&f->body, ENG_I32, k + 7);
		wb_byte(&f->body, 0x6a);
	}
	wb_bytes(&f->body, "\x20\x01\x20\x00\x10\x00", 6);         /* call f0 */
	wb_bytes(&f->body, "\x02\x7f\x20\x00\x20\x01\x0d\x00\x41\x03\x6c\x0b", 12);
	for (k = 0; k < 13; k++)
		wb_byte(&f->body, 0x6a);
	/* f5, f6: br_table with the value in place and needing moves */
	f = fn_new(md, 2, ENG_I32, ENG_I32, ENG_I32);
	wb_bytes(&f->body, "\x02\x7f\x02\x7f\x02\x7f\x20\x01\x20\x00\x0e\x03\x00\x01\x02\x02"
		 "\x0b\x41\x0a\x6a\x0c\x01\x0b\x41\xe4\x00\x6a\x0b", 28);
	f = fn_new(md, 2, ENG_I32, ENG_I32, ENG_I32);
	wb_bytes(&f->body, "\x02\x7f\x02\x7f\x02\x7f\x41\x03\x20\x01\x20\x00\x0e\x03\x00\x01"
		 "\x02\x02\x0b\x41\x0a\x6a\x0c\x01\x0b\x41\xe4\x00\x6a\x0b", 30);
	/* f7..f10: select of each type, the condition from a compare */
	f = fn_new(md, 2, ENG_I32, ENG_I32, ENG_I32);
	wb_bytes(&f->body, "\x20\x00\x20\x01\x20\x00\x20\x01\x48\x1b", 10);
	f = fn_new(md, 2, ENG_I64, ENG_I64, ENG_I64);
	wb_bytes(&f->body, "\x20\x00\x20\x01\x20\x00\x20\x01\x53\x1b", 10);
	f = fn_new(md, 2, ENG_F32, ENG_F32, ENG_F32);
	wb_bytes(&f->body, "\x20\x00\x20\x01\x20\x00\x20\x01\x5b\x1b", 10);
	f = fn_new(md, 2, ENG_F64, ENG_F64, ENG_F64);
	wb_bytes(&f->body, "\x20\x00\x20\x01\x20\x00\x20\x01\x64\x1b", 10);
	check("register pressure, calls, br_table, select", md, NULL);
	mod_free(md);
	free(md);
}

/* Every export of a .wat file, (i32, i32) -> T, on both backends. */
static void check_file(const char *dir, const char *name)
{
	static const uint64_t args[] = {0, 1, 5, 31, 64, 100, 1000, 0x7fffffff, 0xfffffffe};
	const size_t nargs = sizeof(args) / 8;
	struct eng_native_stats ns;
	struct pvf_err perr;
	struct wb bytes = {0};
	char path[1024];
	unsigned bad = 0, calls = 0, canon, nexp = 0;
	uint32_t e, x, y;
	struct pair p;
	bool fallback = nat__test_fallback_every != 0;

	snprintf(path, sizeof(path), "%s/%s.wasm", dir, name);
	if (base_read_file(path, 1u << 20, &bytes.p, &bytes.len, &perr) != 0) {
		ok(0, "%s: cannot read %s", name, path);
		return;
	}
	for (canon = 0; canon < 2; canon++) {
		if (!pair_new(&p, &bytes, canon)) {
			bad++;
			break;
		}
		eng_module_native_stats(p.m, canon, &ns);
		if (fallback ? ns.compiled == ns.functions || ns.compiled == 0
			     : ns.compiled != ns.functions || ns.pinned_locals == 0) {
			printf("# %s: %u/%u compiled, %u pinned locals\n", name, ns.compiled,
			       ns.functions, ns.pinned_locals);
			bad++;
		}
		nexp = eng_module_export_count(p.m);
		for (e = 0; e < nexp; e++) {
			const char *en;
			size_t elen;
			struct eng_extern_type et;
			struct eng_extern ex[2];

			eng_module_export(p.m, e, &en, &elen, &et);
			if (et.kind != ENG_EXTERN_FUNC)
				continue;
			eng_instance_export(p.b[0].inst, en, elen, &ex[0]);
			eng_instance_export(p.b[1].inst, en, elen, &ex[1]);
			for (x = 0; x < nargs; x++) {
				for (y = 0; y < nargs; y++) {
					struct eng_val a[2] = {mkval(ENG_I32, args[x]),
							       mkval(ENG_I32, args[y])};
					struct eng_val r[2];
					struct eng_error err[2];
					enum eng_status st[2];
					int k;

					memset(err, 0, sizeof(err));
					memset(r, 0, sizeof(r));
					for (k = 0; k < 2; k++)
						st[k] = eng_func_call(p.b[k].s, ex[k].of.func, a, 2,
								      &r[k], 1, &err[k]);
					calls++;
					if (st[0] == st[1] && err[0].trap == err[1].trap &&
					    valbits(&r[0]) == valbits(&r[1]))
						continue;
					if (bad++ < 5)
						printf("# %s(%#llx, %#llx): interp %d/%d/%#llx, "
						       "native %d/%d/%#llx\n", en,
						       (unsigned long long)args[x],
						       (unsigned long long)args[y], st[0], err[0].trap,
						       (unsigned long long)valbits(&r[0]), st[1],
						       err[1].trap, (unsigned long long)valbits(&r[1]));
				}
			}
		}
		pair_free(&p);
	}
	free(bytes.p);
	ok(bad == 0 && calls > 0, "%s: %u exports, %u calls, same results, %s", name, nexp, calls,
	   fallback ? "some functions in the interpreter" : "locals pinned");
}

int main(int argc, char **argv)
{
	if (!eng_native_supported()) {
		tap_skip_all("the native backend is not supported on this machine");
	}
	if (argc > 1)
		check_file(argv[1], "loops");
	/* mixed: every other function (then every third) runs in the
	 * interpreter through its stub */
	nat__test_fallback_every = 2;
	if (argc > 1)
		check_file(argv[1], "loops");
	gen_spill();
	nat__test_fallback_every = 3;
	if (argc > 1)
		check_file(argv[1], "loops");
	gen_spill();
	nat__test_fallback_every = 0;
	gen_binary(ENG_I32, 0x6a, 0x78, 0x46, 0x4f);
	gen_binary(ENG_I64, 0x7c, 0x8a, 0x51, 0x5a);
	gen_binary(ENG_F32, 0x92, 0x98, 0x5b, 0x60);
	gen_binary(ENG_F64, 0xa0, 0xa6, 0x61, 0x66);
	gen_fused();
	gen_unary();
	gen_memory();
	gen_spill();
	return tap_done();
}
