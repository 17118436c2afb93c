/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: float instructions (docs/compiler.md §2) in SSE, with the
 * interpreter's results bit for bit: the hardware computes the same IEEE
 * results as the interpreter's C expressions (which compile to the same
 * instructions), min/max follow numeric.h's definitions, and NaN results of
 * the canonicalising instructions (determinism.md §8) are replaced when the
 * module is compiled for canonicalisation. Trapping truncations and the
 * u64 -> float conversions call the numeric helper.
 *
 * Invariant: an f32 in an XMM register has bits 32..63 clear, so a 64-bit
 * spill writes a zero-extended slot.
 */
#include "cg.h"

/* NaN results become the canonical NaN. */
static void canon(struct cg *c, unsigned x, bool dbl)
{
	size_t skip;

	if (!c->g->canon)
		return;
	ucomis(c->a, dbl, x, x);
	skip = jcc32(c->a, CC_NP);
	mov_ri64(c->a, GPR_SCRATCH, dbl ? UINT64_C(0x7ff8000000000000) : 0x7fc00000u);
	movq_xr(c->a, dbl, x, GPR_SCRATCH);
	patch_rel32(c->a, skip, c->a->len);
}

static void mask_scratch(struct cg *c, uint64_t bits, bool dbl)
{
	mov_ri64(c->a, GPR_SCRATCH, bits);
	movq_xr(c->a, dbl, XMM_SCRATCH, GPR_SCRATCH);
}

/* add sub mul div: 0x58.. opcodes */
static void arith(struct cg *c, unsigned sse_op, bool dbl)
{
	uint32_t ia = c->vh - 2, ib = c->vh - 1;
	unsigned ra = cg_to_reg(c, ia), pfx = dbl ? 0xf2 : 0xf3;

	if (cg_is_mem(c, ib))
		sse_rm(c->a, pfx, sse_op, ra, cg_mem(c, ib));
	else if (c->vs[ib].kind == VK_CONST)
		cg_sse_const(c, pfx, sse_op, ra, c->vs[ib].c);
	else
		sse_rr(c->a, pfx, sse_op, ra, cg_ro_reg(c, ib));
	canon(c, ra, dbl);
	cg_pop(c, 1);
}

static void minmax(struct cg *c, bool max, bool dbl)
{
	uint32_t ia = c->vh - 2, ib = c->vh - 1;
	unsigned ra = cg_to_reg(c, ia), rb = cg_ro_reg(c, ib), pfx = dbl ? 0xf2 : 0xf3;
	size_t nan, ne, done1, done2;

	ucomis(c->a, dbl, ra, rb);
	nan = jcc32(c->a, CC_P);
	ne = jcc32(c->a, CC_NE);
	/* equal (both zeros of any sign included): min ORs the sign bits,
	 * max ANDs them */
	sse_bit(c->a, max ? 0x0f54 : 0x0f56, ra, rb);
	done1 = jmp32(c->a);
	patch_rel32(c->a, ne, c->a->len);
	sse_rr(c->a, pfx, max ? 0x0f5f : 0x0f5d, ra, rb);
	done2 = jmp32(c->a);
	patch_rel32(c->a, nan, c->a->len);
	sse_rr(c->a, pfx, 0x0f58, ra, rb);     /* a + b: numeric.h's NaN result */
	patch_rel32(c->a, done1, c->a->len);
	patch_rel32(c->a, done2, c->a->len);
	canon(c, ra, dbl);
	cg_pop(c, 1);
}

static void copy_sign(struct cg *c, bool dbl)
{
	uint64_t sign = dbl ? UINT64_C(1) << 63 : UINT64_C(1) << 31;
	unsigned ra = cg_to_reg(c, c->vh - 2), rb = cg_ro_reg(c, c->vh - 1);
	unsigned t = cg_alloc(c, true);

	movaps(c->a, t, rb);
	mask_scratch(c, sign, dbl);
	sse_bit(c->a, 0x0f54, t, XMM_SCRATCH);     /* t = b & sign */
	sse_bit(c->a, 0x0f55, XMM_SCRATCH, ra);    /* s = ~sign & a */
	sse_bit(c->a, 0x0f56, XMM_SCRATCH, t);
	movaps(c->a, ra, XMM_SCRATCH);
	cg_pop(c, 1);
}

/* abs (and with ~sign), neg (xor with sign) */
static void sign_op(struct cg *c, bool neg, bool dbl)
{
	uint64_t sign = dbl ? UINT64_C(1) << 63 : UINT64_C(1) << 31;
	uint64_t mask = neg ? sign : (dbl ? ~sign : (uint32_t)~sign);
	unsigned r = cg_to_reg(c, c->vh - 1);

	mask_scratch(c, mask, dbl);
	sse_bit(c->a, neg ? 0x0f57 : 0x0f54, r, XMM_SCRATCH);
}

/* ceil floor trunc nearest sqrt, in place */
static void unary(struct cg *c, int mode, bool dbl)
{
	unsigned r = cg_to_reg(c, c->vh - 1);

	if (mode < 0)
		sse_rr(c->a, dbl ? 0xf2 : 0xf3, 0x0f51, r, r);
	else
		roundsf(c->a, dbl, r, r, 8u | (unsigned)mode);
	canon(c, r, dbl);
}

/* lt gt le ge (k = 2..5 of eq ne lt gt le ge) */
static void compare(struct cg *c, unsigned k, bool dbl)
{
	uint32_t ia = c->vh - 2, ib = c->vh - 1;
	unsigned ra = cg_ro_reg(c, ia), rb = cg_ro_reg(c, ib), r;
	bool swap = k == 2 || k == 4;    /* lt, le: compare b with a */

	ucomis(c->a, dbl, swap ? rb : ra, swap ? ra : rb);
	if (k >= 2) {
		cg_flags_result(c, k <= 3 ? CC_A : CC_AE, 2);
		return;
	}
	/* eq: ZF and not PF; ne: not ZF or PF */
	cg_pop(c, 2);
	c->glock = 0;
	c->xlock = 0;
	r = cg_alloc(c, false);
	setcc(c->a, k == 0 ? CC_E : CC_NE, r);
	setcc(c->a, k == 0 ? CC_NP : CC_P, GPR_SCRATCH);
	movx_rr(c->a, 0x0fb6, false, r, r);
	movx_rr(c->a, 0x0fb6, false, GPR_SCRATCH, GPR_SCRATCH);
	alu_rr(c->a, k == 0 ? ALU_AND : ALU_OR, false, r, GPR_SCRATCH);
	cg_push_reg(c, ENG_I32, r);
}

/* int -> float: cvtsi2ss/sd from a zero- or sign-extended register */
static void from_int(struct cg *c, bool to_dbl, bool src64, uint8_t rtype)
{
	unsigned r = cg_ro_reg(c, c->vh - 1), x = cg_alloc(c, true);

	sse_bit(c->a, 0x0f57, x, x);
	cvtsi2f(c->a, to_dbl, src64, x, r);
	cg_pop(c, 1);
	cg_push_reg(c, rtype, x);
}

static void demote_promote(struct cg *c, bool demote)
{
	unsigned r, x;

	if (demote) {
		r = cg_ro_reg(c, c->vh - 1);
		x = cg_alloc(c, true);
		sse_bit(c->a, 0x0f57, x, x);
		sse_rr(c->a, 0xf2, 0x0f5a, x, r);
		canon(c, x, false);
		cg_pop(c, 1);
		cg_push_reg(c, ENG_F32, x);
	} else {
		r = cg_to_reg(c, c->vh - 1);
		sse_rr(c->a, 0xf3, 0x0f5a, r, r);
		canon(c, r, true);
		cg_top(c, 0)->type = ENG_F64;
	}
}

static void helper(struct cg *c, uint8_t op, uint8_t rt)
{
	cg_slot_helper(c, NH_NUMERIC, 1, rt, op, 0);
}

bool cg_float_op(struct cg *c, uint8_t op)
{
	static const unsigned arith_op[4] = {0x0f58, 0x0f5c, 0x0f59, 0x0f5e};
	static const int round_mode[5] = {2, 1, 3, 0, -1};   /* ceil floor trunc nearest sqrt */
	bool dbl;

	if (op >= 0x5b && op <= 0x66) {
		if (c->vh < 2)
			goto bad;
		dbl = op >= 0x61;
		compare(c, dbl ? op - 0x61u : op - 0x5bu, dbl);
		return true;
	}
	if ((op >= 0x8b && op <= 0x98) || (op >= 0x99 && op <= 0xa6)) {
		unsigned k;

		dbl = op >= 0x99;
		k = dbl ? op - 0x99u : op - 0x8bu;
		if (c->vh < (k >= 7 ? 2u : 1u))
			goto bad;
		if (k <= 1)
			sign_op(c, k == 1, dbl);
		else if (k <= 6)
			unary(c, round_mode[k - 2], dbl);
		else if (k <= 10)
			arith(c, arith_op[k - 7], dbl);
		else if (k <= 12)
			minmax(c, k == 12, dbl);
		else
			copy_sign(c, dbl);
		return true;
	}
	if (op < 0xa8 || op > 0xbb || op == 0xac || op == 0xad)
		return false;
	if (c->vh < 1)
		goto bad;
	switch (op) {
	case 0xa8: case 0xa9: case 0xaa: case 0xab:
		helper(c, op, ENG_I32);
		break;
	case 0xae: case 0xaf: case 0xb0: case 0xb1:
		helper(c, op, ENG_I64);
		break;
	case 0xb2: from_int(c, false, false, ENG_F32); break;
	case 0xb3: case 0xb4: from_int(c, false, true, ENG_F32); break;
	case 0xb5: helper(c, op, ENG_F32); break;
	case 0xb6: demote_promote(c, true); break;
	case 0xb7: from_int(c, true, false, ENG_F64); break;
	case 0xb8: case 0xb9: from_int(c, true, true, ENG_F64); break;
	case 0xba: helper(c, op, ENG_F64); break;
	default: demote_promote(c, false); break;
	}
	return true;
bad:
	c->fail = true;
	return true;
}
