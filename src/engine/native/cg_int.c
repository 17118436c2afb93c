/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: integer instructions (docs/compiler.md §2). i32 values in
 * registers are always zero-extended to 64 bits (every 32-bit x86
 * operation does that), as in the interpreter's slots.
 */
#include <stdlib.h>
#include <string.h>

#include "cg.h"

/* Right operand of a two-address instruction. */
struct opnd {
	uint8_t kind;       /* VK_REG, VK_CONST (imm32), VK_HOME (memory) */
	uint8_t reg;
	int32_t imm;
	struct x_mem m;
};

static bool fits_imm(const struct ve *e, bool w)
{
	return !w || (int64_t)e->c == (int32_t)(uint32_t)e->c;
}

/* Entry i as a right operand: immediate when it fits, memory when it is in
 * a slot, else a register (locked). */
static struct opnd operand(struct cg *c, uint32_t i, bool w, bool allow_imm)
{
	struct ve *e = &c->vs[i];
	struct opnd o;

	memset(&o, 0, sizeof(o));
	if (e->kind == VK_CONST && allow_imm && fits_imm(e, w)) {
		o.kind = VK_CONST;
		o.imm = (int32_t)(uint32_t)e->c;
	} else if (cg_is_mem(c, i)) {
		o.kind = VK_HOME;
		o.m = cg_mem(c, i);
	} else {
		o.kind = VK_REG;
		o.reg = (uint8_t)cg_ro_reg(c, i);
	}
	return o;
}

/* Swaps the top two entries (commuting an operation). An entry in its home
 * slot is tied to its position, so it is loaded into a register first. */
static void swap_top2(struct cg *c)
{
	struct ve t;
	uint32_t i;

	for (i = c->vh - 2; i < c->vh; i++)
		if (c->vs[i].kind == VK_HOME)
			cg_to_reg(c, i);
	t = c->vs[c->vh - 1];

	c->vs[c->vh - 1] = c->vs[c->vh - 2];
	c->vs[c->vh - 2] = t;
	if (c->reg_low > c->vh - 2)
		c->reg_low = c->vh - 2;
	if (c->home_low > c->vh - 2)
		c->home_low = c->vh - 2;
	for (i = c->vh - 2; i < c->vh; i++) {
		struct ve *e = &c->vs[i];

		if (e->kind != VK_REG)
			continue;
		if (vt_xmm(e->type))
			c->xown[e->reg] = i + 1;
		else
			c->gown[e->reg] = i + 1;
	}
}

/* The left operand's register becomes the result: a is replaced in place. */
static void finish_binop(struct cg *c, uint8_t rtype)
{
	cg_pop(c, 1);
	cg_top(c, 0)->type = rtype;
}

/* `local.get L; X; op; local.set/tee L` with L pinned: the operation is done
 * in L's register (`add ebp, 0xc00` instead of `lea eax, [rbp + 0xc00]; mov
 * rbp, rax`). The set or tee is consumed here when the next instruction is one
 * for the local the left operand (or, commutative, either operand) aliases.
 * Other aliases of L on the stack are materialised first, as local.set does. */
static bool alu_in_place(struct cg *c, enum x_alu alu, bool w, bool commutative)
{
	uint32_t ia = c->vh - 2, ib = c->vh - 1, idx, i;
	const uint8_t *save = c->p;
	struct ve *e;
	struct opnd b;
	unsigned p;
	uint8_t op;

	if (c->p >= c->end || (c->p[0] != 0x21 && c->p[0] != 0x22))
		return false;
	op = *c->p++;
	idx = cg_u32(c);
	if (c->fail || idx >= c->nlocals_all || c->lreg[idx] == NOREG)
		goto no;
	if (!(c->vs[ia].kind == VK_LOCAL && c->vs[ia].local == idx)) {
		if (!commutative || c->vs[ib].kind != VK_LOCAL || c->vs[ib].local != idx)
			goto no;
		swap_top2(c);
	}
	for (i = 0; i < ia; i++)
		if (c->vs[i].kind == VK_LOCAL && c->vs[i].local == idx)
			cg_materialise(c, i);
	p = c->lreg[idx];
	b = operand(c, ib, w, true);
	if (b.kind == VK_CONST)
		alu_ri(c->a, alu, w, p, b.imm);
	else if (b.kind == VK_HOME)
		alu_rm(c->a, alu, w, p, b.m);
	else
		alu_rr(c->a, alu, w, p, b.reg);
	c->chk[idx] = 0;
	cg_pop(c, 2);
	if (op == 0x22) {
		e = cg_push(c, w ? ENG_I64 : ENG_I32);
		e->kind = VK_LOCAL;
		e->local = idx;
	}
	return true;
no:
	c->p = save;
	return false;
}

static void alu_op(struct cg *c, enum x_alu alu, bool w, bool commutative)
{
	uint32_t ia = c->vh - 2, ib = c->vh - 1;
	struct opnd b;
	unsigned ra;

	if (alu_in_place(c, alu, w, commutative))
		return;

	if (commutative && c->vs[ia].kind == VK_CONST && c->vs[ib].kind != VK_CONST)
		swap_top2(c);
	else if (commutative && c->vs[ia].kind == VK_LOCAL && c->vs[ib].kind == VK_REG)
		swap_top2(c);   /* the register value becomes the result, no copy */
	if ((alu == ALU_ADD || alu == ALU_SUB) && c->vs[ia].kind == VK_LOCAL &&
	    cg_reg_of(c, ia) != NOREG && c->vs[ib].kind == VK_CONST && fits_imm(&c->vs[ib], w) &&
	    (int32_t)(uint32_t)c->vs[ib].c != INT32_MIN) {
		/* pinned local +/- constant: one lea into a new register */
		int32_t imm = (int32_t)(uint32_t)c->vs[ib].c;
		unsigned src = cg_reg_of(c, ia), r = cg_alloc(c, false);

		if (w)
			lea(c->a, r, xm(src, alu == ALU_SUB ? -imm : imm));
		else
			lea32(c->a, r, xm(src, alu == ALU_SUB ? -imm : imm));
		cg_pop(c, 2);
		cg_push_reg(c, w ? ENG_I64 : ENG_I32, r);
		return;
	}
	ra = cg_to_reg(c, ia);
	b = operand(c, ib, w, true);
	if (b.kind == VK_CONST)
		alu_ri(c->a, alu, w, ra, b.imm);
	else if (b.kind == VK_HOME)
		alu_rm(c->a, alu, w, ra, b.m);
	else
		alu_rr(c->a, alu, w, ra, b.reg);
	finish_binop(c, w ? ENG_I64 : ENG_I32);
}

static void mul_op(struct cg *c, bool w)
{
	uint32_t ia = c->vh - 2, ib = c->vh - 1;
	struct opnd b;
	unsigned ra;

	if ((c->vs[ia].kind == VK_CONST && c->vs[ib].kind != VK_CONST) ||
	    (c->vs[ia].kind == VK_LOCAL && c->vs[ib].kind == VK_REG))
		swap_top2(c);
	ra = cg_to_reg(c, ia);
	b = operand(c, ib, w, true);
	if (b.kind == VK_CONST)
		imul_rri(c->a, w, ra, ra, b.imm);
	else if (b.kind == VK_HOME)
		imul_rm(c->a, w, ra, b.m);
	else
		imul_rr(c->a, w, ra, b.reg);
	finish_binop(c, w ? ENG_I64 : ENG_I32);
}

static void shift_op(struct cg *c, enum x_shift op, bool w)
{
	uint32_t ia = c->vh - 2, ib = c->vh - 1;
	unsigned ra;

	if (c->vs[ib].kind == VK_CONST) {
		ra = cg_to_reg(c, ia);
		shift_ri(c->a, op, w, ra, (unsigned)c->vs[ib].c & (w ? 63u : 31u));
	} else {
		cg_claim(c, RCX);
		cg_load(c, ib, RCX);
		ra = cg_to_reg(c, ia);
		shift_cl(c->a, op, w, ra);
	}
	finish_binop(c, w ? ENG_I64 : ENG_I32);
}

enum divk { DIV_S, DIV_U, REM_S, REM_U };

static void div_op(struct cg *c, enum divk k, bool w)
{
	uint32_t ia = c->vh - 2, ib = c->vh - 1;
	struct ve *b = &c->vs[ib];
	bool bconst = b->kind == VK_CONST;
	uint64_t bc = w ? b->c : (uint32_t)b->c;
	bool minus1 = bconst && (w ? bc == UINT64_MAX : bc == UINT32_MAX);
	size_t l1 = 0, l2 = 0;
	unsigned rb;

	cg_claim(c, RAX);
	cg_claim(c, RDX);
	if (bconst) {
		rb = GPR_SCRATCH;
		mov_ri64(c->a, rb, bc);
	} else {
		rb = cg_ro_reg(c, ib);
	}
	cg_load(c, ia, RAX);
	if (!bconst || bc == 0) {
		test_rr(c->a, w, rb, rb);
		cg_trap_if(c, CC_E, ENG_TRAP_DIV_ZERO);
	}
	switch (k) {
	case DIV_S:
		if (!bconst) {
			alu_ri(c->a, ALU_CMP, w, rb, -1);
			l1 = jcc32(c->a, CC_NE);
		}
		if (!bconst || minus1) {
			if (w) {
				mov_ri64(c->a, GPR_SCRATCH, UINT64_C(1) << 63);
				alu_rr(c->a, ALU_CMP, true, RAX, GPR_SCRATCH);
			} else {
				alu_ri(c->a, ALU_CMP, false, RAX, INT32_MIN);
			}
			cg_trap_if(c, CC_E, ENG_TRAP_INT_OVERFLOW);
			if (minus1)
				mov_ri64(c->a, GPR_SCRATCH, w ? UINT64_MAX : UINT32_MAX);
		}
		if (!bconst)
			patch_rel32(c->a, l1, c->a->len);
		cdq(c->a, w);
		grp3_r(c->a, 7, w, rb);
		break;
	case REM_S:
		if (minus1) {
			mov_ri32(c->a, RDX, 0);
			break;
		}
		if (!bconst) {
			alu_ri(c->a, ALU_CMP, w, rb, -1);
			l1 = jcc32(c->a, CC_NE);
			mov_ri32(c->a, RDX, 0);
			l2 = jmp32(c->a);
			patch_rel32(c->a, l1, c->a->len);
		}
		cdq(c->a, w);
		grp3_r(c->a, 7, w, rb);
		if (!bconst)
			patch_rel32(c->a, l2, c->a->len);
		break;
	default:
		mov_ri32(c->a, RDX, 0);
		grp3_r(c->a, 6, w, rb);
		break;
	}
	cg_pop(c, 2);
	cg_push_reg(c, w ? ENG_I64 : ENG_I32, (k == DIV_S || k == DIV_U) ? RAX : RDX);
}

/* Condition codes of eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u. */
static const enum x_cc cmp_cc[10] = {
	CC_E, CC_NE, CC_L, CC_B, CC_G, CC_A, CC_LE, CC_BE, CC_GE, CC_AE,
};

static enum x_cc swap_cc(enum x_cc cc)
{
	switch (cc) {
	case CC_L: return CC_G;
	case CC_G: return CC_L;
	case CC_LE: return CC_GE;
	case CC_GE: return CC_LE;
	case CC_B: return CC_A;
	case CC_A: return CC_B;
	case CC_BE: return CC_AE;
	case CC_AE: return CC_BE;
	default: return cc;
	}
}

/* Flags are set for condition cc: keep them for a following br_if/if, or
 * produce 0/1. */
void cg_flags_result(struct cg *c, enum x_cc cc, uint32_t npop)
{
	uint8_t next = c->p < c->end ? *c->p : 0;
	struct ve *e;
	unsigned r;

	cg_pop(c, npop);
	if (next == OP_BR_IF || next == OP_IF) {
		e = cg_push(c, ENG_I32);
		e->kind = VK_FLAGS;
		e->reg = (uint8_t)cc;
		return;
	}
	/* the operands are dead: their registers may hold the result */
	c->glock = 0;
	c->xlock = 0;
	r = cg_alloc(c, false);
	setcc(c->a, cc, r);
	movx_rr(c->a, 0x0fb6, false, r, r);
	cg_push_reg(c, ENG_I32, r);
}

static void cmp_op(struct cg *c, unsigned k, bool w)
{
	uint32_t ia = c->vh - 2, ib = c->vh - 1;
	enum x_cc cc = cmp_cc[k];
	struct opnd b;

	if (c->vs[ia].kind == VK_CONST && c->vs[ib].kind != VK_CONST) {
		swap_top2(c);
		cc = swap_cc(cc);
	}
	if (cg_is_mem(c, ia) &&
	    (cg_reg_of(c, ib) != NOREG || (c->vs[ib].kind == VK_CONST && fits_imm(&c->vs[ib], w)))) {
		b = operand(c, ib, w, true);
		if (b.kind == VK_CONST)
			alu_mi(c->a, ALU_CMP, w, cg_mem(c, ia), b.imm);
		else
			alu_mr(c->a, ALU_CMP, w, cg_mem(c, ia), b.reg);
	} else {
		unsigned ra = cg_ro_reg(c, ia);

		b = operand(c, ib, w, true);
		if (b.kind == VK_CONST)
			alu_ri(c->a, ALU_CMP, w, ra, b.imm);
		else if (b.kind == VK_HOME)
			alu_rm(c->a, ALU_CMP, w, ra, b.m);
		else
			alu_rr(c->a, ALU_CMP, w, ra, b.reg);
	}
	cg_flags_result(c, cc, 2);
}

static void eqz_op(struct cg *c, bool w)
{
	uint32_t i = c->vh - 1;

	if (cg_is_mem(c, i)) {
		alu_mi(c->a, ALU_CMP, w, cg_mem(c, i), 0);
	} else {
		unsigned r = cg_ro_reg(c, i);

		test_rr(c->a, w, r, r);
	}
	cg_flags_result(c, CC_E, 1);
}

/* clz ctz popcnt (k = 0, 1, 2): bsr/bsf with the zero case by cmov. */
static void bits_op(struct cg *c, unsigned k, bool w)
{
	unsigned r = cg_to_reg(c, c->vh - 1);

	if (k == 2) {
		bitcnt_rr(c->a, 0x0fb8, w, r, r);
	} else if (k == 0) {
		x_rr(c->a, 0, w, 0x0fbd, r, r, false);          /* bsr */
		mov_ri32(c->a, GPR_SCRATCH, w ? 127 : 63);
		cmov_rr(c->a, CC_E, w, r, GPR_SCRATCH);
		alu_ri(c->a, ALU_XOR, w, r, w ? 63 : 31);
	} else {
		x_rr(c->a, 0, w, 0x0fbc, r, r, false);          /* bsf */
		mov_ri32(c->a, GPR_SCRATCH, w ? 64 : 32);
		cmov_rr(c->a, CC_E, w, r, GPR_SCRATCH);
	}
	cg_top(c, 0)->type = w ? ENG_I64 : ENG_I32;
}

/* movsx/movzx/mov of the top value in place. */
static void extend_op(struct cg *c, unsigned op, bool w, uint8_t rtype)
{
	unsigned r = cg_to_reg(c, c->vh - 1);

	if (op == 0x89)
		mov_rr(c->a, false, r, r);
	else
		movx_rr(c->a, op, w, r, r);
	cg_top(c, 0)->type = rtype;
}

/* Integer instructions 0x45..0x8a and the conversions between integer
 * types. Returns false for any other opcode. */
bool cg_int_op(struct cg *c, uint8_t op)
{
	static const enum x_shift sh[5] = {SH_SHL, SH_SAR, SH_SHR, SH_ROL, SH_ROR};
	struct ve *e;

	if (op == 0x45 || op == 0x50) {
		if (c->vh < 1)
			goto bad;
		eqz_op(c, op == 0x50);
		return true;
	}
	if ((op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x5a)) {
		if (c->vh < 2)
			goto bad;
		cmp_op(c, op <= 0x4f ? op - 0x46u : op - 0x51u, op >= 0x51);
		return true;
	}
	if ((op >= 0x67 && op <= 0x69) || (op >= 0x79 && op <= 0x7b)) {
		if (c->vh < 1)
			goto bad;
		bits_op(c, op <= 0x69 ? op - 0x67u : op - 0x79u, op >= 0x79);
		return true;
	}
	if ((op >= 0x6a && op <= 0x78) || (op >= 0x7c && op <= 0x8a)) {
		bool w = op >= 0x7c;
		unsigned k = w ? op - 0x7cu : op - 0x6au;

		if (c->vh < 2)
			goto bad;
		switch (k) {
		case 0: alu_op(c, ALU_ADD, w, true); break;
		case 1: alu_op(c, ALU_SUB, w, false); break;
		case 2: mul_op(c, w); break;
		case 3: div_op(c, DIV_S, w); break;
		case 4: div_op(c, DIV_U, w); break;
		case 5: div_op(c, REM_S, w); break;
		case 6: div_op(c, REM_U, w); break;
		case 7: alu_op(c, ALU_AND, w, true); break;
		case 8: alu_op(c, ALU_OR, w, true); break;
		case 9: alu_op(c, ALU_XOR, w, true); break;
		default: shift_op(c, sh[k - 10], w); break;
		}
		return true;
	}
	if (c->vh < 1)
		goto bad;
	e = cg_top(c, 0);
	switch (op) {
	case 0xa7:   /* i32.wrap_i64 */
		e->type = ENG_I32;
		if (e->kind == VK_CONST)
			e->c = (uint32_t)e->c;
		else
			extend_op(c, 0x89, false, ENG_I32);
		return true;
	case 0xac:   /* i64.extend_i32_s */
		extend_op(c, 0x63, true, ENG_I64);
		return true;
	case 0xad:   /* i64.extend_i32_u: already zero-extended */
		e->type = ENG_I64;
		return true;
	case 0xc0: extend_op(c, 0x0fbe, false, ENG_I32); return true;
	case 0xc1: extend_op(c, 0x0fbf, false, ENG_I32); return true;
	case 0xc2: extend_op(c, 0x0fbe, true, ENG_I64); return true;
	case 0xc3: extend_op(c, 0x0fbf, true, ENG_I64); return true;
	case 0xc4: extend_op(c, 0x63, true, ENG_I64); return true;
	default:
		return false;
	}
bad:
	c->fail = true;
	return true;
}
