/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A type-directed generator of valid random modules for the native backend's
 * tests (test_engine_native_random.c, test_engine_native_blob.c): NFUNC
 * exported functions f0..f5 of type (i32, i64) -> i64 with nested
 * expressions, locals, loads and stores, blocks, loops, br_table, select,
 * direct and indirect calls, globals, memory.size/grow and conversions.
 * random_module(seed, mvp, nan_opaque) returns the module bytes (free .p);
 * mvp: only MVP instructions (the PVF profile); nan_opaque: no NaN bits
 * reach a result (runs compared with V8).
 */
#ifndef PVF_TEST_RANDOM_MODULE_H
#define PVF_TEST_RANDOM_MODULE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine/engine.h"
#include "wasm_builder.h"

/* ---- the generator ---------------------------------------------------------- */

#define NFUNC 6
/* locals: 0 p0 i32, 1 p1 i64, 2..5 i32, 6..8 i64, 9..10 f64, 11..14 loop
 * counters, 15 f32; globals: 0 i32, 1 i64, 2 f64 (mutable); table: the
 * functions at 0..NFUNC-1 of 8 entries; types: 0 and 1 both (i32, i64) -> i64,
 * 2 (i64) -> i64 (never matches) */
#define L_I32 2
#define L_I64 6
#define L_F64 9
#define L_CNT 11
#define L_F32 15

struct gen {
	uint64_t rng;
	struct wb *b;
	uint32_t func;       /* index of the function being generated */
	uint32_t loops;      /* loop nesting (counter locals in use) */
	uint32_t blocks;     /* enclosing labels */
	uint32_t budget;     /* instructions left */
	uint8_t kinds[256];  /* kinds[i]: 1 if label i (outermost first) is a loop */
	bool mvp;            /* MVP instructions only (the PVF profile) */
	bool nan_opaque;     /* no NaN bits reach a result (runs compared with V8) */
};

static uint32_t rnd(struct gen *g, uint32_t n)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return (uint32_t)(g->rng % n);
}

static const uint64_t interesting[] = {
	0, 1, 2, 7, 31, 32, 63, 0x7fffffff, 0x80000000, 0xffffffff, 0x8000000000000000,
	0x7fffffffffffffff, 0xffffffffffffffff, 0x123456789abcdef0,
};

static void expr(struct gen *g, uint8_t t, uint32_t depth);

static void op(struct gen *g, uint8_t o)
{
	wb_byte(g->b, o);
	if (g->budget)
		g->budget--;
}

static void local_get(struct gen *g, uint8_t t)
{
	uint32_t l = t == ENG_I32 ? (rnd(g, 5) == 0 ? 0 : L_I32 + rnd(g, 4))
		   : t == ENG_I64 ? (rnd(g, 4) == 0 ? 1 : L_I64 + rnd(g, 3))
		   : t == ENG_F32 ? L_F32 : L_F64 + rnd(g, 2);

	op(g, 0x20);
	wb_uleb(g->b, l);
}

static void konst(struct gen *g, uint8_t t)
{
	uint64_t v = rnd(g, 2) ? interesting[rnd(g, sizeof(interesting) / 8)] : g->rng;

	if (t == ENG_I32) {
		op(g, 0x41);
		wb_sleb(g->b, (int32_t)(uint32_t)v);
	} else if (t == ENG_I64) {
		op(g, 0x42);
		wb_sleb(g->b, (int64_t)v);
	} else if (t == ENG_F32) {
		static const uint32_t f[] = {
			0, 0x80000000, 0x3f800000, 0x7fc00000, 0x7fa00001, 0x7f800000, 0x42c80000,
			0xcf000000,
		};
		uint32_t d = f[rnd(g, 8)];

		op(g, 0x43);
		wb_bytes(g->b, &d, 4);
	} else {
		static const uint64_t f[] = {
			0, 0x8000000000000000, 0x3ff0000000000000, 0x7ff8000000000000,
			0x7ff4000000000001, 0x7ff0000000000000, 0x4059000000000000, 0xc3e0000000000000,
		};
		uint64_t d = f[rnd(g, 8)];

		op(g, 0x44);
		wb_bytes(g->b, &d, 8);
	}
}

/* an address: usually masked into the page (aligned or not), sometimes raw */
static void address(struct gen *g, uint32_t depth)
{
	if (rnd(g, 3) == 0) {
		/* a bare local: repeated accesses through it at several offsets
		 * share bounds checks in the native code */
		op(g, 0x20);
		wb_uleb(g->b, L_I32 + rnd(g, 4));
		return;
	}
	expr(g, ENG_I32, depth + 1);
	if (rnd(g, 32)) {
		op(g, 0x41);
		wb_sleb(g->b, rnd(g, 2) ? 0x7ff8 : 0x7fff);
		op(g, 0x71);
	}
}

static void load(struct gen *g, uint8_t t, uint32_t depth)
{
	static const uint8_t li32[] = {0x28, 0x2c, 0x2d, 0x2e, 0x2f};
	static const uint8_t li64[] = {0x29, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35};
	uint8_t o = t == ENG_I32 ? li32[rnd(g, 5)] : t == ENG_I64 ? li64[rnd(g, 7)]
		  : t == ENG_F32 ? 0x2a : 0x2b;

	address(g, depth);
	op(g, o);
	wb_byte(g->b, 0);
	wb_uleb(g->b, rnd(g, 32) ? rnd(g, 16) : 0x8008);
}

static void unop_conv(struct gen *g, uint8_t t, uint32_t depth)
{
	if (t == ENG_I32) {
		switch (rnd(g, 5)) {
		case 0: expr(g, ENG_I64, depth + 1); op(g, 0xa7); break;          /* wrap */
		case 1: expr(g, ENG_I32, depth + 1); op(g, 0x45); break;          /* eqz */
		case 2: expr(g, ENG_I32, depth + 1); op(g, (uint8_t)(0x67 + rnd(g, 3))); break;
		case 3:
			expr(g, ENG_F64, depth + 1);
			if (g->mvp) {
				op(g, 0x99);     /* f64.abs, then a trapping truncation */
				op(g, 0xab);
			} else {
				op(g, 0xfc);
				wb_uleb(g->b, 2);
			}
			break;
		default:
			expr(g, ENG_I32, depth + 1);
			op(g, g->mvp ? (uint8_t)(0x67 + rnd(g, 3)) : (uint8_t)(0xc0 + rnd(g, 2)));
			break;
		}
	} else if (t == ENG_I64) {
		switch (rnd(g, 4)) {
		case 0: expr(g, ENG_I32, depth + 1); op(g, rnd(g, 2) ? 0xac : 0xad); break;
		case 1:
			expr(g, ENG_F64, depth + 1);
			if (g->nan_opaque) {
				op(g, 0xfc);     /* i64.trunc_sat_f64_s: NaN -> 0 */
				wb_uleb(g->b, 6);
			} else {
				op(g, 0xbd);     /* i64.reinterpret_f64 */
			}
			break;
		case 2:
			expr(g, ENG_F64, depth + 1);
			if (g->mvp) {
				op(g, 0xb0);     /* i64.trunc_f64_s: traps out of range */
			} else {
				op(g, 0xfc);
				wb_uleb(g->b, 6);
			}
			break;
		default: expr(g, ENG_I64, depth + 1); op(g, (uint8_t)(0x79 + rnd(g, 3))); break;
		}
	} else if (t == ENG_F32) {
		switch (rnd(g, 4)) {
		case 0: expr(g, ENG_F64, depth + 1); op(g, 0xb6); break;          /* demote */
		case 1: expr(g, ENG_I32, depth + 1); op(g, rnd(g, 2) ? 0xb2 : 0xbe); break;
		default: expr(g, ENG_F32, depth + 1); op(g, (uint8_t)(0x8b + rnd(g, 7))); break;
		}
	} else {
		switch (rnd(g, 5)) {
		case 0: expr(g, ENG_I64, depth + 1); op(g, rnd(g, 2) ? 0xb9 : 0xbf); break;
		case 3: expr(g, ENG_F32, depth + 1); op(g, 0xbb); break;          /* promote */
		case 1: expr(g, ENG_I32, depth + 1); op(g, 0xb7); break;
		default: expr(g, ENG_F64, depth + 1); op(g, (uint8_t)(0x99 + rnd(g, 7))); break;
		}
	}
}

static void binop(struct gen *g, uint8_t t, uint32_t depth)
{
	uint8_t o;

	if (t == ENG_F64 || t == ENG_F32) {
		expr(g, t, depth + 1);
		expr(g, t, depth + 1);
		/* copysign (the 7th) shows a NaN's sign bit */
		op(g, (uint8_t)((t == ENG_F64 ? 0xa0 : 0x92) + rnd(g, g->nan_opaque ? 6 : 7)));
		return;
	}
	o = (uint8_t)((t == ENG_I32 ? 0x6a : 0x7c) + rnd(g, 15));
	expr(g, t, depth + 1);
	expr(g, t, depth + 1);
	/* divisions: usually make the divisor odd, so most runs do not trap */
	if (((t == ENG_I32 && o >= 0x6d && o <= 0x70) || (t == ENG_I64 && o >= 0x7f && o <= 0x82)) &&
	    rnd(g, 8)) {
		op(g, t == ENG_I32 ? 0x41 : 0x42);
		wb_byte(g->b, 1);
		op(g, t == ENG_I32 ? 0x72 : 0x84);          /* or 1 */
	}
	op(g, o);
}

static void compare(struct gen *g, uint32_t depth)
{
	switch (rnd(g, 4)) {
	case 0: expr(g, ENG_I32, depth + 1); expr(g, ENG_I32, depth + 1);
		op(g, (uint8_t)(0x46 + rnd(g, 10))); break;
	case 3: expr(g, ENG_F32, depth + 1); expr(g, ENG_F32, depth + 1);
		op(g, (uint8_t)(0x5b + rnd(g, 6))); break;
	case 1: expr(g, ENG_I64, depth + 1); expr(g, ENG_I64, depth + 1);
		op(g, (uint8_t)(0x51 + rnd(g, 10))); break;
	default: expr(g, ENG_F64, depth + 1); expr(g, ENG_F64, depth + 1);
		op(g, (uint8_t)(0x61 + rnd(g, 6))); break;
	}
}

static uint8_t bt(uint8_t t)
{
	return t;    /* value types are their own single-result block types */
}

static void expr(struct gen *g, uint8_t t, uint32_t depth)
{
	uint32_t k = depth > 6 || !g->budget ? rnd(g, 2) : rnd(g, 18);

	switch (k) {
	case 0: local_get(g, t); break;
	case 1: konst(g, t); break;
	case 2: case 3: binop(g, t, depth); break;
	case 4: unop_conv(g, t, depth); break;
	case 5:
		if (t == ENG_I32) {
			compare(g, depth);
		} else {
			load(g, t, depth);
		}
		break;
	case 6: load(g, t, depth); break;
	case 7:   /* select */
		expr(g, t, depth + 1);
		expr(g, t, depth + 1);
		compare(g, depth + 1);
		op(g, 0x1b);
		break;
	case 8:   /* if/else with a result */
		compare(g, depth + 1);
		op(g, 0x04);
		wb_byte(g->b, bt(t));
		g->kinds[g->blocks++ & 255] = 0;
		expr(g, t, depth + 1);
		op(g, 0x05);
		expr(g, t, depth + 1);
		op(g, 0x0b);
		g->blocks--;
		break;
	case 9:   /* block whose value may leave early through br_if */
		op(g, 0x02);
		wb_byte(g->b, bt(t));
		g->kinds[g->blocks++ & 255] = 0;
		expr(g, t, depth + 1);
		expr(g, ENG_I32, depth + 1);
		op(g, 0x0d);
		wb_uleb(g->b, 0);
		op(g, 0x1a);
		expr(g, t, depth + 1);
		op(g, 0x0b);
		g->blocks--;
		break;
	case 10:  /* local.tee */
		expr(g, t, depth + 1);
		op(g, 0x22);
		wb_uleb(g->b, t == ENG_I32 ? L_I32 + rnd(g, 4) : t == ENG_I64 ? L_I64 + rnd(g, 3)
					   : t == ENG_F32 ? L_F32 : L_F64 + rnd(g, 2));
		break;
	case 11:  /* call an earlier function: (i32, i64) -> i64 */
		if (g->func == 0) {
			local_get(g, t);
			break;
		}
		expr(g, ENG_I32, depth + 1);
		expr(g, ENG_I64, depth + 1);
		op(g, 0x10);
		wb_uleb(g->b, rnd(g, g->func));
		if (t == ENG_I32)
			op(g, 0xa7);
		else if (t == ENG_F64)
			op(g, 0xb9);
		else if (t == ENG_F32)
			op(g, 0xb4);
		break;
	case 13:  /* call_indirect: usually an earlier function, sometimes a trap
		   * (null entry, past the table, wrong type) */
		if (g->func == 0 || t != ENG_I64) {
			konst(g, t);
			break;
		}
		{
			uint32_t ty = rnd(g, 32) ? rnd(g, 2) : 2;

			if (ty != 2)
				expr(g, ENG_I32, depth + 1);
			expr(g, ENG_I64, depth + 1);
			op(g, 0x41);
			wb_sleb(g->b, rnd(g, 16) ? (int64_t)rnd(g, g->func) : 6 + (int64_t)rnd(g, 4));
			op(g, 0x11);
			wb_uleb(g->b, ty);
			wb_byte(g->b, 0);
		}
		break;
	case 14:  /* globals, memory size and growth */
		if (t == ENG_F32) {
			konst(g, t);
		} else if (t == ENG_I32 && rnd(g, 2)) {
			if (rnd(g, 2)) {
				op(g, 0x3f);
				wb_byte(g->b, 0);
			} else {
				expr(g, ENG_I32, depth + 1);
				op(g, 0x41);
				wb_byte(g->b, 1);
				op(g, 0x71);
				op(g, 0x40);
				wb_byte(g->b, 0);
			}
		} else {
			op(g, 0x23);
			wb_uleb(g->b, t == ENG_I32 ? 0 : t == ENG_I64 ? 1 : 2);
		}
		break;
	case 12:  /* a value kept live below a nested expression */
		expr(g, t, depth + 1);
		expr(g, t, depth + 1);
		expr(g, t, depth + 1);
		op(g, 0x1a);
		if (t == ENG_F64 || t == ENG_F32)
			op(g, t == ENG_F64 ? 0xa0 : 0x92);
		else
			op(g, t == ENG_I32 ? 0x73 : 0x85);
		break;
	default: local_get(g, t); break;
	}
}

static void stmt(struct gen *g, uint32_t depth)
{
	uint8_t t = (uint8_t)(ENG_I32 - rnd(g, 2));   /* i32 or i64 */

	switch (depth > 3 || !g->budget ? 0 : rnd(g, 9)) {
	case 8:   /* an address into a local */
		expr(g, ENG_I32, depth);
		op(g, 0x41);
		wb_sleb(g->b, 0x7ff8);
		op(g, 0x71);
		op(g, rnd(g, 2) ? 0x21 : 0x22);
		wb_uleb(g->b, L_I32 + rnd(g, 4));
		if (g->b->p[g->b->len - 2] == 0x22)
			op(g, 0x1a);
		break;
	case 6:   /* global.set */
		expr(g, t, depth);
		op(g, 0x24);
		wb_uleb(g->b, t == ENG_I32 ? 0 : 1);
		break;
	case 7: { /* br_table out of two nested blocks (or the enclosing ones) */
		uint32_t n = 1 + rnd(g, 3), i, d;

		op(g, 0x02);
		wb_byte(g->b, 0x40);
		g->kinds[g->blocks++ & 255] = 0;
		op(g, 0x02);
		wb_byte(g->b, 0x40);
		g->kinds[g->blocks++ & 255] = 0;
		expr(g, ENG_I32, depth + 1);
		op(g, 0x0e);
		wb_uleb(g->b, n);
		for (i = 0; i <= n; i++) {
			d = rnd(g, g->blocks);
			if (g->kinds[(g->blocks - 1 - d) & 255])
				d = rnd(g, 2);
			wb_uleb(g->b, d);
		}
		op(g, 0x0b);
		g->blocks--;
		stmt(g, depth + 1);
		op(g, 0x0b);
		g->blocks--;
		break;
	}
	case 0: case 1:
		expr(g, t, depth);
		op(g, 0x21);
		wb_uleb(g->b, t == ENG_I32 ? L_I32 + rnd(g, 4) : L_I64 + rnd(g, 3));
		break;
	case 2:   /* store */
		address(g, depth);
		expr(g, t, depth);
		op(g, t == ENG_I32 ? (uint8_t)(rnd(g, 2) ? 0x36 : 0x3a) : (uint8_t)(rnd(g, 2) ? 0x37 : 0x3e));
		wb_byte(g->b, 0);
		wb_uleb(g->b, rnd(g, 8));
		break;
	case 3:   /* bounded loop: counter local per nesting level */
		if (g->loops >= 4) {
			stmt(g, depth + 1);
			break;
		}
		op(g, 0x41);
		wb_sleb(g->b, 1 + rnd(g, 5));
		op(g, 0x21);
		wb_uleb(g->b, L_CNT + g->loops);
		op(g, 0x03);
		wb_byte(g->b, 0x40);
		g->loops++;
		g->kinds[g->blocks++ & 255] = 1;
		stmt(g, depth + 1);
		stmt(g, depth + 1);
		op(g, 0x20);
		wb_uleb(g->b, L_CNT + g->loops - 1);
		op(g, 0x41);
		wb_byte(g->b, 1);
		op(g, 0x6b);
		op(g, 0x22);
		wb_uleb(g->b, L_CNT + g->loops - 1);
		op(g, 0x0d);
		wb_uleb(g->b, 0);
		op(g, 0x0b);
		g->loops--;
		g->blocks--;
		break;
	case 4:   /* if statement */
		compare(g, depth);
		op(g, 0x04);
		wb_byte(g->b, 0x40);
		g->kinds[g->blocks++ & 255] = 0;
		stmt(g, depth + 1);
		if (rnd(g, 2)) {
			op(g, 0x05);
			stmt(g, depth + 1);
		}
		op(g, 0x0b);
		g->blocks--;
		break;
	default: {  /* block left early, maybe several levels (never to a loop head,
		     * which would skip its counter) */
		uint32_t d;

		op(g, 0x02);
		wb_byte(g->b, 0x40);
		g->kinds[g->blocks++ & 255] = 0;
		stmt(g, depth + 1);
		compare(g, depth + 1);
		d = rnd(g, g->blocks);
		if (g->kinds[(g->blocks - 1 - d) & 255])
			d = 0;
		op(g, 0x0d);
		wb_uleb(g->b, d);
		stmt(g, depth + 1);
		op(g, 0x0b);
		g->blocks--;
		break;
	}
	}
}

static struct wb random_module(uint64_t seed, bool mvp, bool nan_opaque)
{
	static const uint8_t hdr[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
	struct wb m = {0}, s = {0}, body = {0};
	struct gen g;
	uint32_t f, i;

	memset(&g, 0, sizeof(g));
	g.rng = seed * 0x9e3779b97f4a7c15u + 1;
	g.mvp = mvp;
	g.nan_opaque = nan_opaque;
	wb_bytes(&m, hdr, 8);
	wb_bytes(&s, "\x03\x60\x02\x7f\x7e\x01\x7e\x60\x02\x7f\x7e\x01\x7e\x60\x01\x7e\x01\x7e",
		 18);                                            /* types 0, 1, 2 */
	wb_byte(&m, 1);
	wb_uleb(&m, s.len);
	wb_bytes(&m, s.p, s.len);
	s.len = 0;
	wb_uleb(&s, NFUNC);
	for (f = 0; f < NFUNC; f++)
		wb_byte(&s, 0);
	wb_byte(&m, 3);
	wb_uleb(&m, s.len);
	wb_bytes(&m, s.p, s.len);
	wb_bytes(&m, "\x04\x04\x01\x70\x00\x08", 6);             /* table 8 funcref */
	wb_bytes(&m, "\x05\x04\x01\x01\x01\x04", 6);             /* memory 1..4 pages */
	/* globals: mut i32 5, mut i64 -3, mut f64 1.5 */
	wb_bytes(&m, "\x06\x17\x03\x7f\x01\x41\x05\x0b\x7e\x01\x42\x7d\x0b"
		 "\x7c\x01\x44\x00\x00\x00\x00\x00\x00\xf8\x3f\x0b", 25);
	s.len = 0;
	wb_uleb(&s, NFUNC + nan_opaque);
	for (f = 0; f < NFUNC; f++) {
		char name[4] = {'f', (char)('0' + f), 0, 0};

		wb_uleb(&s, 2);
		wb_bytes(&s, name, 2);
		wb_byte(&s, 0);
		wb_uleb(&s, f);
	}
	if (nan_opaque)
		wb_bytes(&s, "\x06memory\x02\x00", 9);   /* for node to read */
	wb_byte(&m, 7);
	wb_uleb(&m, s.len);
	wb_bytes(&m, s.p, s.len);
	s.len = 0;
	/* element segment: table[0..NFUNC) = the functions */
	wb_bytes(&s, "\x01\x00\x41\x00\x0b", 5);
	wb_uleb(&s, NFUNC);
	for (f = 0; f < NFUNC; f++)
		wb_uleb(&s, f);
	wb_byte(&m, 9);
	wb_uleb(&m, s.len);
	wb_bytes(&m, s.p, s.len);
	s.len = 0;
	wb_uleb(&s, NFUNC);
	for (f = 0; f < NFUNC; f++) {
		body.len = 0;
		wb_bytes(&body, "\x05\x04\x7f\x03\x7e\x02\x7c\x04\x7f\x01\x7d", 11);   /* locals */
		g.b = &body;
		g.func = f;
		g.budget = 40 + rnd(&g, 120);
		for (i = 0; i < 1 + rnd(&g, 5); i++)
			stmt(&g, 0);
		expr(&g, ENG_I64, 0);
		wb_byte(&body, 0x0b);
		wb_uleb(&s, body.len);
		wb_bytes(&s, body.p, body.len);
	}
	wb_byte(&m, 10);
	wb_uleb(&m, s.len);
	wb_bytes(&m, s.p, s.len);
	free(s.p);
	free(body.p);
	return m;
}

#endif /* PVF_TEST_RANDOM_MODULE_H */
