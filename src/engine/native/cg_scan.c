/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: the pre-pass over a function body (docs/compiler.md §1). It
 * weighs every local's uses by loop depth (4^depth) and the calls the same
 * way, and pins the locals whose uses outweigh the save/restore a pinned
 * local costs at each call: such a local lives in one register for the
 * whole function, so there is nothing to reconcile at control-flow merges.
 */
#include <stdlib.h>
#include <string.h>

#include "cg.h"

/* r12 first: only guarded code, which needs no memory size in r12, uses it */
static const uint8_t gpin_order[7] = {R12, RBP, R10, R9, R8, RDI, RSI};
static const uint8_t xpin_order[12] = {14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3};

static uint64_t weight(uint32_t loops)
{
	return (uint64_t)1 << (2 * (loops < 8 ? loops : 8));
}

/* Picks up to n locals of one class by weight; returns how many. */
static unsigned pick(struct cg *c, const uint64_t *w, bool xmm, uint64_t min_w,
		     const uint8_t *order, unsigned n)
{
	unsigned k;
	uint32_t i, best;

	for (k = 0; k < n; k++) {
		best = UINT32_MAX;
		for (i = 0; i < c->nlocals_all; i++) {
			if (c->lreg[i] != NOREG || vt_xmm(c->ltypes[i]) != xmm || w[i] <= min_w)
				continue;
			if (best == UINT32_MAX || w[i] > w[best])
				best = i;
		}
		if (best == UINT32_MAX)
			break;
		c->lreg[best] = order[k];
		c->pinned[c->npinned++] = best;
		if (xmm) {
			c->xpin |= (uint16_t)(1u << order[k]);
			c->xown[order[k]] = PINNED_OWNER;
		} else {
			c->gpin |= (uint16_t)(1u << order[k]);
			c->gown[order[k]] = PINNED_OWNER;
		}
	}
	return k;
}

void cg_scan(struct cg *c)
{
	const uint8_t *save = c->p;
	uint64_t *w, calls = 0;
	uint32_t loops = 0, depth = 0, idx;
	uint8_t *kinds = NULL, op;
	size_t kcap = 0;

	c->lreg = malloc(c->nlocals_all ? c->nlocals_all : 1);
	w = calloc(c->nlocals_all ? c->nlocals_all : 1, sizeof(*w));
	if (!c->lreg || !w) {
		c->fail = true;
		goto out;
	}
	memset(c->lreg, NOREG, c->nlocals_all);
	while (!c->fail && c->p < c->end) {
		op = cg_byte(c);
		switch (op) {
		case OP_BLOCK: case OP_LOOP: case OP_IF:
			if (depth == kcap) {
				uint8_t *k = realloc(kinds, kcap ? kcap * 2 : 64);

				if (!k) {
					c->fail = true;
					goto out;
				}
				kinds = k;
				kcap = kcap ? kcap * 2 : 64;
			}
			kinds[depth++] = op;
			if (op == OP_LOOP)
				loops++;
			break;
		case OP_END:
			if (depth > 0 && kinds[--depth] == OP_LOOP)
				loops--;
			continue;
		case OP_LOCAL_GET: case OP_LOCAL_SET: case OP_LOCAL_TEE:
			idx = cg_u32(c);
			if (idx < c->nlocals_all)
				w[idx] += weight(loops);
			continue;
		case OP_CALL: case OP_CALL_INDIRECT: case 0x40:
			calls += weight(loops);
			break;
		case OP_PREFIX_FC: {
			const uint8_t *q = c->p;
			uint32_t sub = cg_u32(c);

			c->p = q;
			calls += weight(loops);   /* helpers save the pinned locals */
			if (sub >= 8 && sub <= 11)
				c->uses_mem = true;
			break;
		}
		default:
			if ((op >= 0x28 && op <= 0x3f) || op == 0x40)
				c->uses_mem = true;
			else if ((op >= 0xa8 && op <= 0xb1 && op != 0xac && op != 0xad) ||
				 op == 0xb5 || op == 0xba ||
				 op == OP_TABLE_GET || op == OP_TABLE_SET)
				calls += weight(loops);   /* helpers */
			break;
		}
		if (op == 0x40)
			c->uses_mem = true;
		cg_skip_imm(c, op);
	}
	/* a pinned local costs a store and a load at each call, its load in
	 * the prologue and its save/restore around helpers */
	/* rax rcx rdx stay for the operand stack (enough for any single
	 * instruction); a deep operand stack keeps rsi too */
	pick(c, w, false, 2 * calls + 2, gpin_order + !c->g->guard,
	     (c->fn->max_height > 6 ? 5u : 6u) + c->g->guard);
	/* floats: xmm0..xmm2 always stay for the operand stack (results come
	 * back in xmm0); a shallow operand stack leaves more to pin, up to 12
	 * (float-heavy code is often many f64 locals: unrolled loops, SROA'd
	 * arrays) */
	pick(c, w, true, 2 * calls + 2, xpin_order,
	     c->fn->max_height <= 3 ? 12 : c->fn->max_height >= 9 ? 6 : 15 - c->fn->max_height);
out:
	c->p = save;
	free(w);
	free(kinds);
}
