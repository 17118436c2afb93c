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

#include "base/base.h"
#include "engine/engine.h"
#include "tap.h"
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

static struct wb module(uint64_t seed, bool mvp, bool nan_opaque)
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
	struct wb bytes = module(seed, pvf, false);
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

/* Writes DIR/SEED.wasm (full profile, no visible NaN bits) and DIR/SEED.expect:
 * one line per call in the order the test makes them ("f2 1 ok 0x..." or
 * "f2 1 trap memory"), then "memory <FNV-1a 64 of the final memory>". Both
 * backends must agree first (with and without canonicalisation: NaN bits are
 * invisible here). Returns the number of disagreements. */
static unsigned emit_module(const char *dir, uint64_t seed)
{
	static const uint64_t a32[] = {0, 1, 0x80000000, 12345};
	static const uint64_t a64[] = {0, 7, 0xffffffffffffffff, 0x8000000000000000};
	struct wb bytes = module(seed, false, true);
	struct eng_module_config mc;
	struct eng_module *m = NULL;
	struct eng_error err;
	struct buf out = BUF_INIT;
	unsigned bad = 0, canon, f, x;
	char path[4096];
	FILE *fp;

	memset(&mc, 0, sizeof(mc));
	mc.profile = ENG_PROFILE_FULL;
	if (eng_module_new(bytes.p, bytes.len, &mc, &m, &err) != ENG_OK) {
		printf("# seed %llu: generated module rejected: %s\n", (unsigned long long)seed,
		       err.msg);
		free(bytes.p);
		return 1;
	}
	for (canon = 0; canon < 2; canon++) {
		struct run r[2];
		char line[128];
		uint64_t h = 0xcbf29ce484222325u, n0 = 0, n1 = 0;
		uint8_t *m0, *m1;

		memset(r, 0, sizeof(r));
		if (!run_new(&r[0], m, canon, ENG_BACKEND_INTERP, 0) ||
		    !run_new(&r[1], m, canon, ENG_BACKEND_NATIVE, 0)) {
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

				a[0].type = ENG_I32;
				a[0].of.i64 = 0;
				a[0].of.i32 = (uint32_t)a32[x];
				a[1].type = ENG_I64;
				a[1].of.i64 = a64[(x + f) & 3];
				memset(res, 0, sizeof(res));
				memset(e, 0, sizeof(e));
				for (int k = 0; k < 2; k++)
					st[k] = eng_func_call(r[k].s, ex[k].of.func, a, 2, &res[k], 1,
							      &e[k]);
				if (st[0] != st[1] || e[0].trap != e[1].trap ||
				    (st[0] == ENG_OK && res[0].of.i64 != res[1].of.i64))
					bad++;
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
		m0 = eng_memory_data(eng_instance_memory(r[0].inst), &n0);
		m1 = eng_memory_data(eng_instance_memory(r[1].inst), &n1);
		if (n0 != n1 || memcmp(m0, m1, n0) != 0)
			bad++;
		for (uint64_t i = 0; i < n0; i++)
			h = (h ^ m0[i]) * 0x100000001b3u;
		snprintf(line, sizeof(line), "memory %llu 0x%016llx\n", (unsigned long long)n0,
			 (unsigned long long)h);
		if (canon == 0)
			buf_append(&out, line, strlen(line));
next:
		eng_store_free(r[0].s);
		eng_store_free(r[1].s);
	}
	snprintf(path, sizeof(path), "%s/%llu.wasm", dir, (unsigned long long)seed);
	fp = fopen(path, "wb");
	if (!fp || fwrite(bytes.p, 1, bytes.len, fp) != bytes.len)
		bad++;
	if (fp)
		fclose(fp);
	snprintf(path, sizeof(path), "%s/%llu.expect", dir, (unsigned long long)seed);
	fp = fopen(path, "wb");
	if (!fp || fwrite(out.data, 1, out.len, fp) != out.len)
		bad++;
	if (fp)
		fclose(fp);
	buf_deinit(&out);
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
