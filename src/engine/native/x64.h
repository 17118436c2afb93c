/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86-64 instruction encoder for the native compiler (docs/compiler.md).
 *
 * Only what the compiler emits: integer ALU, moves and extensions, shifts,
 * multiply/divide, bit counts, setcc/cmovcc, jumps and calls (rel32 or
 * register/memory), and the scalar SSE instructions for f32/f64. Memory
 * operands are [base + index*scale + disp32]; RIP-relative addressing is not
 * used, so the code is position independent without relocations except the
 * explicit ones the compiler records.
 *
 * Every emitter reserves its bytes first (a_need); on allocation failure the
 * buffer is marked and later writes are dropped, the compiler checks `oom`
 * once per function.
 */
#ifndef PVF_ENGINE_NATIVE_X64_H
#define PVF_ENGINE_NATIVE_X64_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum x_reg {
	RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15,
};

/* Condition codes (low nibble of jcc/setcc/cmovcc). */
enum x_cc {
	CC_O = 0, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A,
	CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G,
};

/* Group-1 ALU operations (the /digit of 0x81/0x83 and bits 3..5 of 0x01..). */
enum x_alu { ALU_ADD = 0, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* Shift/rotate group 2 (/digit of 0xc1/0xd3). */
enum x_shift { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

struct asmbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool oom;
};

struct x_mem {
	uint8_t base;
	uint8_t index;     /* RSP = none */
	uint8_t scale;     /* 0..3 (1, 2, 4, 8) */
	int32_t disp;
};

/* Base of a RIP-relative operand: [rip + disp32] (no index). */
#define X_RIP 16u

static inline struct x_mem xm(unsigned base, int32_t disp)
{
	struct x_mem m = {(uint8_t)base, RSP, 0, disp};

	return m;
}

static inline struct x_mem xmi(unsigned base, unsigned index, unsigned scale, int32_t disp)
{
	struct x_mem m = {(uint8_t)base, (uint8_t)index, (uint8_t)scale, disp};

	return m;
}

static inline bool a_need(struct asmbuf *a, size_t n)
{
	if (a->len + n <= a->cap)
		return true;
	if (a->oom)
		return false;
	{
		size_t cap = a->cap ? a->cap : 4096;
		uint8_t *p;

		while (cap < a->len + n)
			cap *= 2;
		p = realloc(a->p, cap);
		if (!p) {
			a->oom = true;
			return false;
		}
		a->p = p;
		a->cap = cap;
	}
	return true;
}

static inline void a_b(struct asmbuf *a, unsigned b)
{
	a->p[a->len++] = (uint8_t)b;
}

static inline void a_u32(struct asmbuf *a, uint32_t v)
{
	memcpy(a->p + a->len, &v, 4);
	a->len += 4;
}

static inline void a_u64(struct asmbuf *a, uint64_t v)
{
	memcpy(a->p + a->len, &v, 8);
	a->len += 8;
}

static inline void a_put32(struct asmbuf *a, size_t at, uint32_t v)
{
	if (!a->oom)
		memcpy(a->p + at, &v, 4);
}

static inline bool fits8(int64_t v)
{
	return v >= -128 && v <= 127;
}

static inline bool fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

/* Optional REX prefix. byte_rm: rm is an 8-bit register operand (spl..dil
 * need a REX to mean the low byte instead of ah..bh). */
static inline void x_rex(struct asmbuf *a, bool w, unsigned reg, unsigned index, unsigned rm,
			 bool force)
{
	unsigned rex = 0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) |
		       ((rm & 8) ? 1 : 0);

	if (rex != 0x40 || force)
		a_b(a, rex);
}

/* Opcode bytes: op holds 1..3 bytes, most significant first (0x0faf). */
static inline void x_opc(struct asmbuf *a, unsigned op)
{
	if (op > 0xffff)
		a_b(a, op >> 16);
	if (op > 0xff)
		a_b(a, (op >> 8) & 0xff);
	a_b(a, op & 0xff);
}

static inline void x_modrm_mem(struct asmbuf *a, unsigned reg, struct x_mem m)
{
	unsigned mod, b = m.base & 7;
	bool sib = m.index != RSP || b == RSP;

	if (m.base == X_RIP) {
		a_b(a, ((reg & 7) << 3) | 5);
		a_u32(a, (uint32_t)m.disp);
		return;
	}
	if (m.disp == 0 && b != RBP)
		mod = 0;
	else if (fits8(m.disp))
		mod = 1;
	else
		mod = 2;
	a_b(a, (mod << 6) | ((reg & 7) << 3) | (sib ? 4 : b));
	if (sib)
		a_b(a, (m.scale << 6) | ((m.index & 7) << 3) | b);
	if (mod == 1)
		a_b(a, (uint8_t)(int8_t)m.disp);
	else if (mod == 2)
		a_u32(a, (uint32_t)m.disp);
}

/* prefix (0, 0x66, 0xf2, 0xf3), REX, opcode, ModRM with a register rm. */
static inline void x_rr(struct asmbuf *a, unsigned pfx, bool w, unsigned op, unsigned reg,
			unsigned rm, bool byte_rm)
{
	if (!a_need(a, 16))
		return;
	if (pfx)
		a_b(a, pfx);
	x_rex(a, w, reg, 0, rm, byte_rm && (rm & 7) >= 4 && rm < 8);
	x_opc(a, op);
	a_b(a, 0xc0 | ((reg & 7) << 3) | (rm & 7));
}

static inline void x_rm(struct asmbuf *a, unsigned pfx, bool w, unsigned op, unsigned reg,
			struct x_mem m, bool byte_reg)
{
	if (!a_need(a, 20))
		return;
	if (pfx)
		a_b(a, pfx);
	x_rex(a, w, reg, m.index, m.base, byte_reg && (reg & 7) >= 4 && reg < 8);
	x_opc(a, op);
	x_modrm_mem(a, reg, m);
}

/* ---- moves ----------------------------------------------------------------- */

static inline void mov_rr(struct asmbuf *a, bool w, unsigned dst, unsigned src)
{
	x_rr(a, 0, w, 0x8b, dst, src, false);
}

static inline void mov_rm(struct asmbuf *a, bool w, unsigned dst, struct x_mem m)
{
	x_rm(a, 0, w, 0x8b, dst, m, false);
}

static inline void mov_mr(struct asmbuf *a, bool w, struct x_mem m, unsigned src)
{
	x_rm(a, 0, w, 0x89, src, m, false);
}

static inline void mov8_mr(struct asmbuf *a, struct x_mem m, unsigned src)
{
	x_rm(a, 0, false, 0x88, src, m, true);
}

static inline void mov16_mr(struct asmbuf *a, struct x_mem m, unsigned src)
{
	x_rm(a, 0x66, false, 0x89, src, m, false);
}

/* mov r32, imm32 (zero-extends to 64 bits). Leaves the flags alone. */
static inline void mov_ri32(struct asmbuf *a, unsigned dst, uint32_t imm)
{
	if (!a_need(a, 8))
		return;
	x_rex(a, false, 0, 0, dst, false);
	a_b(a, 0xb8 + (dst & 7));
	a_u32(a, imm);
}

/* Loads a 64-bit constant with the shortest form. Leaves the flags alone. */
static inline void mov_ri64(struct asmbuf *a, unsigned dst, uint64_t imm)
{
	if (imm <= UINT32_MAX) {
		mov_ri32(a, dst, (uint32_t)imm);
	} else if (fits32((int64_t)imm)) {
		if (!a_need(a, 8))
			return;
		x_rex(a, true, 0, 0, dst, false);
		a_b(a, 0xc7);
		a_b(a, 0xc0 | (dst & 7));
		a_u32(a, (uint32_t)imm);
	} else {
		if (!a_need(a, 12))
			return;
		x_rex(a, true, 0, 0, dst, false);
		a_b(a, 0xb8 + (dst & 7));
		a_u64(a, imm);
	}
}

/* mov size [m], imm: size 1, 2, 4 or 8 (imm32 sign-extended for 8). */
static inline void mov_mi(struct asmbuf *a, unsigned size, struct x_mem m, uint32_t imm)
{
	if (!a_need(a, 24))
		return;
	if (size == 2)
		a_b(a, 0x66);
	x_rex(a, size == 8, 0, m.index, m.base, false);
	a_b(a, size == 1 ? 0xc6 : 0xc7);
	x_modrm_mem(a, 0, m);
	if (size == 1)
		a_b(a, imm & 0xff);
	else if (size == 2) {
		a_b(a, imm & 0xff);
		a_b(a, (imm >> 8) & 0xff);
	} else {
		a_u32(a, imm);
	}
}

static inline void lea(struct asmbuf *a, unsigned dst, struct x_mem m)
{
	x_rm(a, 0, true, 0x8d, dst, m, false);
}

/* lea with a 32-bit result (wraps, zero-extended) */
static inline void lea32(struct asmbuf *a, unsigned dst, struct x_mem m)
{
	x_rm(a, 0, false, 0x8d, dst, m, false);
}

/* movzx/movsx from memory: op 0x0fb6 (u8), 0x0fb7 (u16), 0x0fbe (s8),
 * 0x0fbf (s16), 0x63 (movsxd, with w). */
static inline void movx_rm(struct asmbuf *a, unsigned op, bool w, unsigned dst, struct x_mem m)
{
	x_rm(a, 0, w, op, dst, m, false);
}

static inline void movx_rr(struct asmbuf *a, unsigned op, bool w, unsigned dst, unsigned src)
{
	x_rr(a, 0, w, op, dst, src, op == 0x0fb6 || op == 0x0fbe);
}

/* ---- ALU ---------------------------------------------------------------------- */

static inline void alu_rr(struct asmbuf *a, enum x_alu op, bool w, unsigned dst, unsigned src)
{
	x_rr(a, 0, w, (unsigned)op << 3 | 1, src, dst, false);
}

static inline void alu_rm(struct asmbuf *a, enum x_alu op, bool w, unsigned dst, struct x_mem m)
{
	x_rm(a, 0, w, (unsigned)op << 3 | 3, dst, m, false);
}

static inline void alu_ri(struct asmbuf *a, enum x_alu op, bool w, unsigned dst, int32_t imm)
{
	if (fits8(imm)) {
		x_rr(a, 0, w, 0x83, (unsigned)op, dst, false);
		if (a_need(a, 1))
			a_b(a, (uint8_t)(int8_t)imm);
	} else {
		x_rr(a, 0, w, 0x81, (unsigned)op, dst, false);
		if (a_need(a, 4))
			a_u32(a, (uint32_t)imm);
	}
}

static inline void alu_mi(struct asmbuf *a, enum x_alu op, bool w, struct x_mem m, int32_t imm)
{
	if (fits8(imm)) {
		x_rm(a, 0, w, 0x83, (unsigned)op, m, false);
		if (a_need(a, 1))
			a_b(a, (uint8_t)(int8_t)imm);
	} else {
		x_rm(a, 0, w, 0x81, (unsigned)op, m, false);
		if (a_need(a, 4))
			a_u32(a, (uint32_t)imm);
	}
}

static inline void alu_mr(struct asmbuf *a, enum x_alu op, bool w, struct x_mem m, unsigned src)
{
	x_rm(a, 0, w, (unsigned)op << 3 | 1, src, m, false);
}

static inline void test_rr(struct asmbuf *a, bool w, unsigned r1, unsigned r2)
{
	x_rr(a, 0, w, 0x85, r2, r1, false);
}

static inline void imul_rr(struct asmbuf *a, bool w, unsigned dst, unsigned src)
{
	x_rr(a, 0, w, 0x0faf, dst, src, false);
}

static inline void imul_rm(struct asmbuf *a, bool w, unsigned dst, struct x_mem m)
{
	x_rm(a, 0, w, 0x0faf, dst, m, false);
}

static inline void imul_rri(struct asmbuf *a, bool w, unsigned dst, unsigned src, int32_t imm)
{
	if (fits8(imm)) {
		x_rr(a, 0, w, 0x6b, dst, src, false);
		if (a_need(a, 1))
			a_b(a, (uint8_t)(int8_t)imm);
	} else {
		x_rr(a, 0, w, 0x69, dst, src, false);
		if (a_need(a, 4))
			a_u32(a, (uint32_t)imm);
	}
}

/* Group 3 (0xf7): 2 not, 3 neg, 6 div, 7 idiv. */
static inline void grp3_r(struct asmbuf *a, unsigned digit, bool w, unsigned r)
{
	x_rr(a, 0, w, 0xf7, digit, r, false);
}

static inline void shift_cl(struct asmbuf *a, enum x_shift op, bool w, unsigned r)
{
	x_rr(a, 0, w, 0xd3, (unsigned)op, r, false);
}

static inline void shift_ri(struct asmbuf *a, enum x_shift op, bool w, unsigned r, unsigned imm)
{
	x_rr(a, 0, w, 0xc1, (unsigned)op, r, false);
	if (a_need(a, 1))
		a_b(a, imm);
}

/* cdq (w = false) / cqo (w = true) */
static inline void cdq(struct asmbuf *a, bool w)
{
	if (!a_need(a, 2))
		return;
	if (w)
		a_b(a, 0x48);
	a_b(a, 0x99);
}

/* lzcnt 0xf30fbd, tzcnt 0xf30fbc, popcnt 0xf30fb8 */
static inline void bitcnt_rr(struct asmbuf *a, unsigned op, bool w, unsigned dst, unsigned src)
{
	x_rr(a, 0xf3, w, op, dst, src, false);
}

static inline void setcc(struct asmbuf *a, enum x_cc cc, unsigned r)
{
	x_rr(a, 0, false, 0x0f90 | cc, 0, r, true);
}

static inline void cmov_rr(struct asmbuf *a, enum x_cc cc, bool w, unsigned dst, unsigned src)
{
	x_rr(a, 0, w, 0x0f40 | cc, dst, src, false);
}

static inline void cmov_rm(struct asmbuf *a, enum x_cc cc, bool w, unsigned dst, struct x_mem m)
{
	x_rm(a, 0, w, 0x0f40 | cc, dst, m, false);
}

/* ---- control ------------------------------------------------------------------- */

/* jmp rel32 to a known target, or with a zero field to patch (returns the
 * offset of the rel32 field). */
static inline size_t jmp32(struct asmbuf *a)
{
	if (!a_need(a, 5))
		return 0;
	a_b(a, 0xe9);
	a_u32(a, 0);
	return a->len - 4;
}

static inline size_t jcc32(struct asmbuf *a, enum x_cc cc)
{
	if (!a_need(a, 6))
		return 0;
	a_b(a, 0x0f);
	a_b(a, 0x80 | cc);
	a_u32(a, 0);
	return a->len - 4;
}

static inline size_t call32(struct asmbuf *a)
{
	if (!a_need(a, 5))
		return 0;
	a_b(a, 0xe8);
	a_u32(a, 0);
	return a->len - 4;
}

/* Points the rel32 field at `field` to `target` (offsets in the buffer). */
static inline void patch_rel32(struct asmbuf *a, size_t field, size_t target)
{
	a_put32(a, field, (uint32_t)(int32_t)((int64_t)target - (int64_t)(field + 4)));
}

static inline void jmp_to(struct asmbuf *a, size_t target)
{
	size_t f = jmp32(a);

	patch_rel32(a, f, target);
}

static inline void jcc_to(struct asmbuf *a, enum x_cc cc, size_t target)
{
	size_t f = jcc32(a, cc);

	patch_rel32(a, f, target);
}

static inline void call_m(struct asmbuf *a, struct x_mem m)
{
	x_rm(a, 0, false, 0xff, 2, m, false);
}

static inline void call_r(struct asmbuf *a, unsigned r)
{
	x_rr(a, 0, false, 0xff, 2, r, false);
}

static inline void jmp_r(struct asmbuf *a, unsigned r)
{
	x_rr(a, 0, false, 0xff, 4, r, false);
}

static inline void ret(struct asmbuf *a)
{
	if (a_need(a, 1))
		a_b(a, 0xc3);
}

static inline void push_r(struct asmbuf *a, unsigned r)
{
	if (!a_need(a, 2))
		return;
	x_rex(a, false, 0, 0, r, false);
	a_b(a, 0x50 + (r & 7));
}

static inline void pop_r(struct asmbuf *a, unsigned r)
{
	if (!a_need(a, 2))
		return;
	x_rex(a, false, 0, 0, r, false);
	a_b(a, 0x58 + (r & 7));
}

static inline void rep_stosq(struct asmbuf *a)
{
	if (!a_need(a, 3))
		return;
	a_b(a, 0xf3);
	a_b(a, 0x48);
	a_b(a, 0xab);
}

static inline void ud2(struct asmbuf *a)
{
	if (!a_need(a, 2))
		return;
	a_b(a, 0x0f);
	a_b(a, 0x0b);
}

/* ---- SSE ------------------------------------------------------------------------ */

/* Scalar ops: pfx 0xf3 (single) or 0xf2 (double); op 0x0f58 add, 0x0f59 mul,
 * 0x0f5c sub, 0x0f5e div, 0x0f51 sqrt, 0x0f10 load, 0x0f5a convert. */
static inline void sse_rr(struct asmbuf *a, unsigned pfx, unsigned op, unsigned dst, unsigned src)
{
	x_rr(a, pfx, false, op, dst, src, false);
}

static inline void sse_rm(struct asmbuf *a, unsigned pfx, unsigned op, unsigned dst,
			  struct x_mem m)
{
	x_rm(a, pfx, false, op, dst, m, false);
}

/* movss/movsd [m], x */
static inline void sse_store(struct asmbuf *a, bool dbl, struct x_mem m, unsigned src)
{
	x_rm(a, dbl ? 0xf2 : 0xf3, false, 0x0f11, src, m, false);
}

static inline void sse_load(struct asmbuf *a, bool dbl, unsigned dst, struct x_mem m)
{
	x_rm(a, dbl ? 0xf2 : 0xf3, false, 0x0f10, dst, m, false);
}

/* movaps x, x (full register copy) */
static inline void movaps(struct asmbuf *a, unsigned dst, unsigned src)
{
	x_rr(a, 0, false, 0x0f28, dst, src, false);
}

/* movd/movq xmm <- gpr (w: 64 bits) */
static inline void movq_xr(struct asmbuf *a, bool w, unsigned x, unsigned r)
{
	x_rr(a, 0x66, w, 0x0f6e, x, r, false);
}

/* movd/movq gpr <- xmm */
static inline void movq_rx(struct asmbuf *a, bool w, unsigned r, unsigned x)
{
	x_rr(a, 0x66, w, 0x0f7e, x, r, false);
}

/* ucomiss (dbl false) / ucomisd */
static inline void ucomis(struct asmbuf *a, bool dbl, unsigned x1, unsigned x2)
{
	x_rr(a, dbl ? 0x66 : 0, false, 0x0f2e, x1, x2, false);
}

static inline void ucomis_m(struct asmbuf *a, bool dbl, unsigned x1, struct x_mem m)
{
	x_rm(a, dbl ? 0x66 : 0, false, 0x0f2e, x1, m, false);
}

/* Packed bitwise ops on the whole register: 0x0f54 and, 0x0f55 andn, 0x0f56
 * or, 0x0f57 xor (ps forms; bit-identical to the pd forms). */
static inline void sse_bit(struct asmbuf *a, unsigned op, unsigned dst, unsigned src)
{
	x_rr(a, 0, false, op, dst, src, false);
}

/* cvtsi2ss/sd x, r32/r64 */
static inline void cvtsi2f(struct asmbuf *a, bool dbl, bool w, unsigned x, unsigned r)
{
	x_rr(a, dbl ? 0xf2 : 0xf3, w, 0x0f2a, x, r, false);
}

/* cvttss2si/cvttsd2si r32/r64, x */
static inline void cvttf2si(struct asmbuf *a, bool dbl, bool w, unsigned r, unsigned x)
{
	x_rr(a, dbl ? 0xf2 : 0xf3, w, 0x0f2c, r, x, false);
}

/* roundss/roundsd x, x, mode (SSE4.1) */
static inline void roundsf(struct asmbuf *a, bool dbl, unsigned dst, unsigned src, unsigned mode)
{
	x_rr(a, 0x66, false, dbl ? 0x0f3a0b : 0x0f3a0a, dst, src, false);
	if (a_need(a, 1))
		a_b(a, mode);
}

/* push qword [m] / pop qword [m] */
static inline void push_m(struct asmbuf *a, struct x_mem m)
{
	x_rm(a, 0, false, 0xff, 6, m, false);
}

static inline void pop_m(struct asmbuf *a, struct x_mem m)
{
	x_rm(a, 0, false, 0x8f, 0, m, false);
}

/* lea dst, [rip + disp32]; returns the offset of the disp32 field (the
 * displacement is relative to the end of the instruction = field + 4). */
static inline size_t lea_rip(struct asmbuf *a, unsigned dst)
{
	if (!a_need(a, 8))
		return 0;
	x_rex(a, true, dst, 0, 0, false);
	a_b(a, 0x8d);
	a_b(a, 0x05 | ((dst & 7) << 3));
	a_u32(a, 0);
	return a->len - 4;
}

/* movq m64, xmm (all 64 low bits) / movq xmm, m64 (upper half zeroed) */
static inline void movq_mx(struct asmbuf *a, struct x_mem m, unsigned x)
{
	x_rm(a, 0x66, false, 0x0fd6, x, m, false);
}

static inline void movq_xm(struct asmbuf *a, unsigned x, struct x_mem m)
{
	x_rm(a, 0xf3, false, 0x0f7e, x, m, false);
}

#endif /* PVF_ENGINE_NATIVE_X64_H */
