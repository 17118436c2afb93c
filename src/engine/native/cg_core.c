/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: bytecode reading, the compile-time operand stack and the register
 * allocator (docs/compiler.md §2).
 */
#include <stdlib.h>
#include <string.h>

#include "cg.h"

void cg_fail(struct cg *c)
{
	c->fail = true;
}

void cg_unsupported(struct cg *c)
{
	c->unsupported = true;
}

/* ---- reading ------------------------------------------------------------------ */

uint8_t cg_byte(struct cg *c)
{
	if (c->p >= c->end) {
		c->fail = true;
		return OP_END;
	}
	return *c->p++;
}

static uint64_t leb(struct cg *c, unsigned bits, bool sign)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = cg_byte(c);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while ((b & 0x80) && !c->fail && shift < bits + 7);
	if (sign && shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return v;
}

uint32_t cg_u32(struct cg *c)
{
	return (uint32_t)leb(c, 32, false);
}

int64_t cg_sleb(struct cg *c, unsigned bits)
{
	return (int64_t)leb(c, bits, true);
}

uint64_t cg_fixed(struct cg *c, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)cg_byte(c) << (8 * i);
	return v;
}

void cg_skip_imm(struct cg *c, uint8_t op)
{
	uint32_t n, sub;

	switch (op) {
	case OP_BLOCK: case OP_LOOP: case OP_IF:
		cg_sleb(c, 33);
		break;
	case OP_BR: case OP_BR_IF: case OP_CALL: case OP_LOCAL_GET: case OP_LOCAL_SET:
	case OP_LOCAL_TEE: case OP_GLOBAL_GET: case OP_GLOBAL_SET: case OP_TABLE_GET:
	case OP_TABLE_SET: case OP_REF_FUNC:
		cg_u32(c);
		break;
	case OP_BR_TABLE:
		n = cg_u32(c);
		while (n-- > 0 && !c->fail)
			cg_u32(c);
		cg_u32(c);
		break;
	case OP_CALL_INDIRECT:
		cg_u32(c);
		cg_u32(c);
		break;
	case OP_SELECT_T:
		n = cg_u32(c);
		while (n-- > 0 && !c->fail)
			cg_byte(c);
		break;
	case OP_I32_CONST:
		cg_sleb(c, 32);
		break;
	case OP_I64_CONST:
		cg_sleb(c, 64);
		break;
	case OP_F32_CONST:
		cg_fixed(c, 4);
		break;
	case OP_F64_CONST:
		cg_fixed(c, 8);
		break;
	case OP_REF_NULL: case 0x3f: case 0x40:
		cg_byte(c);
		break;
	case OP_PREFIX_FC:
		sub = cg_u32(c);
		switch (sub) {
		case 8: cg_u32(c); cg_byte(c); break;
		case 9: cg_u32(c); break;
		case 10: cg_byte(c); cg_byte(c); break;
		case 11: cg_byte(c); break;
		case 12: case 14: cg_u32(c); cg_u32(c); break;
		case 13: case 15: case 16: case 17: cg_u32(c); break;
		default: break;
		}
		break;
	default:
		if (op >= 0x28 && op <= 0x3e) {
			cg_u32(c);
			cg_u32(c);
		}
		break;
	}
}

/* Skips unreachable code up to (not including) the else/end closing the
 * current frame. */
void cg_skip_dead(struct cg *c)
{
	uint32_t depth = 0;
	uint8_t op;

	while (!c->fail) {
		op = cg_byte(c);
		if (op == OP_BLOCK || op == OP_LOOP || op == OP_IF) {
			depth++;
		} else if (op == OP_END || op == OP_ELSE) {
			if (depth == 0) {
				c->p--;
				return;
			}
			if (op == OP_END)
				depth--;
			continue;
		}
		cg_skip_imm(c, op);
	}
}

/* ---- operand stack --------------------------------------------------------------- */

struct ve *cg_push(struct cg *c, uint8_t type)
{
	static struct ve dummy;
	struct ve *e;

	if (c->vh == c->vcap) {
		uint32_t cap = c->vcap ? c->vcap * 2 : 64;

		e = realloc(c->vs, (size_t)cap * sizeof(*e));
		if (!e) {
			c->fail = true;
			c->vh = 0;
			return &dummy;
		}
		c->vs = e;
		c->vcap = cap;
	}
	e = &c->vs[c->vh++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	if (c->vh > c->max_h)
		c->max_h = c->vh;
	return e;
}

void cg_push_reg(struct cg *c, uint8_t type, unsigned reg)
{
	struct ve *e = cg_push(c, type);

	if (c->fail)
		return;
	e->kind = VK_REG;
	e->reg = (uint8_t)reg;
	if (vt_xmm(type))
		c->xown[reg] = c->vh;
	else
		c->gown[reg] = c->vh;
	if (c->vh - 1 < c->reg_low)
		c->reg_low = c->vh - 1;
}

void cg_push_const(struct cg *c, uint8_t type, uint64_t v)
{
	struct ve *e = cg_push(c, type);

	e->kind = VK_CONST;
	e->c = v;
}

void cg_push_home(struct cg *c, uint8_t type)
{
	struct ve *e = cg_push(c, type);

	e->kind = VK_HOME;
}

struct ve *cg_top(struct cg *c, uint32_t k)
{
	return &c->vs[c->vh - 1 - k];
}

static void release(struct cg *c, struct ve *e)
{
	if (e->kind != VK_REG)
		return;
	if (vt_xmm(e->type))
		c->xown[e->reg] = 0;
	else
		c->gown[e->reg] = 0;
}

void cg_pop(struct cg *c, uint32_t n)
{
	if (n > c->vh) {
		c->fail = true;
		n = c->vh;
	}
	while (n-- > 0)
		release(c, &c->vs[--c->vh]);
	if (c->reg_low > c->vh)
		c->reg_low = c->vh;
	if (c->home_low > c->vh)
		c->home_low = c->vh;
}

/* ---- registers ---------------------------------------------------------------------- */

static const uint8_t gpr_order[] = {RAX, RCX, RDX, RSI, RDI, R8, R9, R10, RBP};

void cg_lock(struct cg *c, const struct ve *e)
{
	if (e->kind != VK_REG)
		return;
	if (vt_xmm(e->type))
		c->xlock |= (uint16_t)(1u << e->reg);
	else
		c->glock |= (uint16_t)(1u << e->reg);
}

/* A free register of the class, locked for the current instruction. Spills
 * the deepest unlocked register value when none is free. */
unsigned cg_alloc(struct cg *c, bool xmm)
{
	uint32_t *own = xmm ? c->xown : c->gown;
	uint16_t *lock = xmm ? &c->xlock : &c->glock;
	unsigned i, r;

	for (i = 0; i < (xmm ? 15u : BASE_ARRAY_SIZE(gpr_order)); i++) {
		r = xmm ? i : gpr_order[i];
		if (!own[r] && !(*lock & (1u << r))) {
			*lock |= (uint16_t)(1u << r);
			return r;
		}
	}
	/* the deepest register values are spilled first; entries below
	 * reg_low hold none, so a run of spills does not rescan them */
	for (i = c->reg_low; i < c->vh; i++) {
		struct ve *e = &c->vs[i];

		if (e->kind == VK_REG && vt_xmm(e->type) == xmm && !(*lock & (1u << e->reg))) {
			r = e->reg;
			cg_spill(c, i);
			*lock |= (uint16_t)(1u << r);
			return r;
		}
		if (e->kind != VK_REG && i == c->reg_low)
			c->reg_low = i + 1;
	}
	/* every register is an operand of this instruction: cannot happen with
	 * at most three operands per instruction */
	c->fail = true;
	return xmm ? 0 : RAX;
}

/* Makes GPR reg free and locks it (its value, if any, moves elsewhere). */
void cg_claim(struct cg *c, unsigned reg)
{
	uint32_t owner = c->gown[reg];

	c->glock |= (uint16_t)(1u << reg);
	if (!owner)
		return;
	{
		struct ve *e = &c->vs[owner - 1];
		unsigned r = cg_alloc(c, false);

		mov_rr(c->a, true, r, reg);
		c->gown[reg] = 0;
		c->gown[r] = owner;
		e->reg = (uint8_t)r;
		c->glock &= (uint16_t)~(1u << r);
	}
}

unsigned cg_reg_of(const struct cg *c, uint32_t i)
{
	const struct ve *e = &c->vs[i];

	if (e->kind == VK_REG)
		return e->reg;
	if (e->kind == VK_LOCAL && c->lreg[e->local] != NOREG)
		return c->lreg[e->local];
	return NOREG;
}

bool cg_is_mem(const struct cg *c, uint32_t i)
{
	const struct ve *e = &c->vs[i];

	return e->kind == VK_HOME || (e->kind == VK_LOCAL && c->lreg[e->local] == NOREG);
}

unsigned cg_ro_reg(struct cg *c, uint32_t i)
{
	unsigned r = cg_reg_of(c, i);

	if (r == NOREG || c->vs[i].kind == VK_REG)
		return cg_to_reg(c, i);
	return r;
}

static void pin_move(struct cg *c, uint32_t l, bool save)
{
	struct x_mem m = xm(R14, local_off(l));
	unsigned r = c->lreg[l];

	if (vt_xmm(c->ltypes[l])) {
		if (save)
			movq_mx(c->a, m, r);
		else
			sse_load(c->a, c->ltypes[l] == ENG_F64, r, m);
	} else if (save) {
		mov_mr(c->a, true, m, r);
	} else {
		mov_rm(c->a, vt_64(c->ltypes[l]), r, m);
	}
}

void cg_pins_save(struct cg *c)
{
	uint32_t i;

	for (i = 0; i < c->npinned; i++)
		pin_move(c, c->pinned[i], true);
}

/* Function entry: pinned parameters from their slots, pinned declared
 * locals zeroed in their registers (their slots are not written before the
 * first save). */
void cg_pins_init(struct cg *c)
{
	uint32_t i, l;

	for (i = 0; i < c->npinned; i++) {
		l = c->pinned[i];
		if (l < c->ft->nparams)
			pin_move(c, l, false);
		else if (vt_xmm(c->ltypes[l]))
			sse_bit(c->a, 0x0f57, c->lreg[l], c->lreg[l]);    /* xorps */
		else
			alu_rr(c->a, ALU_XOR, false, c->lreg[l], c->lreg[l]);
	}
}

void cg_pins_load(struct cg *c)
{
	uint32_t i;

	for (i = 0; i < c->npinned; i++)
		pin_move(c, c->pinned[i], false);
}

void cg_forget_checks(struct cg *c)
{
	uint32_t i;

	for (i = 0; i < c->nchk; i++) {
		c->chk[c->chk_list[i]] = 0;
		c->chk_in[c->chk_list[i]] = 0;
	}
	c->nchk = 0;
}

void cg_note_check(struct cg *c, uint32_t l, uint32_t end)
{
	if (!c->chk_in[l]) {
		c->chk_in[l] = 1;
		c->chk_list[c->nchk++] = l;
	}
	c->chk[l] = end;
}

void cg_mem_ready(struct cg *c)
{
	if (!c->mem_valid)
		cg_reload_mem(c);
}

struct x_mem cg_mem(const struct cg *c, uint32_t i)
{
	const struct ve *e = &c->vs[i];

	if (e->kind == VK_LOCAL)
		return xm(R14, local_off(e->local));
	return xm(R14, home_off(c, i));
}

void cg_const_xmm(struct cg *c, unsigned x, uint64_t bits, bool dbl)
{
	if (bits == 0) {
		sse_bit(c->a, 0x0f57, x, x);    /* xorps (flags unchanged) */
		return;
	}
	cg_sse_const(c, dbl ? 0xf2 : 0xf3, 0x0f10, x, dbl ? bits : (uint32_t)bits);
}

void cg_sse_const(struct cg *c, unsigned pfx, unsigned op, unsigned x, uint64_t bits)
{
	sse_rm(c->a, pfx, op, x, xm(X_RIP, 0));
	if (c->nkr == c->krcap) {
		uint32_t cap = c->krcap ? c->krcap * 2 : 32;
		struct kref *k = realloc(c->kr, (size_t)cap * sizeof(*k));

		if (!k) {
			c->fail = true;
			return;
		}
		c->kr = k;
		c->krcap = cap;
	}
	c->kr[c->nkr].field = (uint32_t)(c->a->len - 4);
	c->kr[c->nkr].bits = bits;
	c->nkr++;
}

void cg_const_pool(struct cg *c)
{
	struct asmbuf *a = c->a;
	uint32_t i, j, nslots = 0;
	size_t start;

	if (!c->nkr)
		return;
	while ((a->len & 7) && a_need(a, 1))
		a_b(a, 0xcc);
	start = a->len;
	/* constants are few per function: a linear search dedupes them */
	for (i = 0; i < c->nkr; i++) {
		for (j = 0; j < i && c->kr[j].bits != c->kr[i].bits; j++)
			;
		if (j < i) {
			c->kr[i].slot = c->kr[j].slot;
			continue;
		}
		c->kr[i].slot = nslots++;
		if (a_need(a, 8))
			a_u64(a, c->kr[i].bits);
	}
	for (i = 0; i < c->nkr; i++)
		patch_rel32(a, c->kr[i].field, start + 8 * (size_t)c->kr[i].slot);
}

/* Loads entry i's value into reg (of its class); the entry is unchanged.
 * Emits only moves (flags preserved) except for VK_FLAGS entries. */
void cg_load(struct cg *c, uint32_t i, unsigned reg)
{
	struct ve *e = &c->vs[i];
	bool x = vt_xmm(e->type), w = vt_64(e->type);

	switch (e->kind) {
	case VK_REG:
		if (e->reg == reg)
			break;
		if (x)
			movaps(c->a, reg, e->reg);
		else
			mov_rr(c->a, true, reg, e->reg);
		break;
	case VK_CONST:
		if (x) {
			cg_const_xmm(c, reg, e->c, w);
		} else {
			mov_ri64(c->a, reg, e->c);
		}
		break;
	case VK_FLAGS:
		setcc(c->a, (enum x_cc)e->reg, reg);
		movx_rr(c->a, 0x0fb6, false, reg, reg);
		break;
	case VK_LOCAL:
		if (c->lreg[e->local] != NOREG) {
			if (c->lreg[e->local] == reg)
				break;
			if (x)
				movaps(c->a, reg, c->lreg[e->local]);
			else
				mov_rr(c->a, true, reg, c->lreg[e->local]);
			break;
		}
		/* fall through */
	default:
		if (x)
			sse_load(c->a, w, reg, cg_mem(c, i));
		else
			mov_rm(c->a, w, reg, cg_mem(c, i));
		break;
	}
}

unsigned cg_to_reg(struct cg *c, uint32_t i)
{
	struct ve *e = &c->vs[i];
	bool x = vt_xmm(e->type);
	unsigned r;

	if (e->kind == VK_REG) {
		cg_lock(c, e);
		return e->reg;
	}
	r = cg_alloc(c, x);
	e = &c->vs[i];
	cg_load(c, i, r);
	e->kind = VK_REG;
	e->reg = (uint8_t)r;
	if (x)
		c->xown[r] = i + 1;
	else
		c->gown[r] = i + 1;
	if (i < c->reg_low)
		c->reg_low = i;
	if (i < c->home_low)
		c->home_low = i;
	return r;
}

/* Writes entry i's value as a full 64-bit slot at [r14 + off]. Moves only
 * (flags preserved, except for VK_FLAGS entries); uses r11. */
void cg_store_slot(struct cg *c, int32_t off, uint32_t i)
{
	struct ve *e = &c->vs[i];
	struct x_mem d = xm(R14, off);

	switch (e->kind) {
	case VK_REG:
		if (vt_xmm(e->type))
			movq_mx(c->a, d, e->reg);
		else
			mov_mr(c->a, true, d, e->reg);
		break;
	case VK_CONST:
		if ((int64_t)e->c == (int32_t)(uint32_t)e->c) {
			mov_mi(c->a, 8, d, (uint32_t)e->c);
		} else {
			mov_ri64(c->a, GPR_SCRATCH, e->c);
			mov_mr(c->a, true, d, GPR_SCRATCH);
		}
		break;
	case VK_FLAGS:
		setcc(c->a, (enum x_cc)e->reg, GPR_SCRATCH);
		movx_rr(c->a, 0x0fb6, false, GPR_SCRATCH, GPR_SCRATCH);
		mov_mr(c->a, true, d, GPR_SCRATCH);
		break;
	case VK_LOCAL:
		if (c->lreg[e->local] != NOREG) {
			if (vt_xmm(c->ltypes[e->local]))
				movq_mx(c->a, d, c->lreg[e->local]);
			else
				mov_mr(c->a, true, d, c->lreg[e->local]);
			break;
		}
		/* fall through */
	default:
		if (e->kind == VK_HOME && home_off(c, i) == off)
			break;
		mov_rm(c->a, true, GPR_SCRATCH, cg_mem(c, i));
		mov_mr(c->a, true, d, GPR_SCRATCH);
		break;
	}
}

void cg_spill(struct cg *c, uint32_t i)
{
	struct ve *e = &c->vs[i];

	if (e->kind != VK_REG)
		return;
	cg_store_slot(c, home_off(c, i), i);
	release(c, e);
	e->kind = VK_HOME;
}

void cg_spill_regs(struct cg *c)
{
	uint32_t i;

	for (i = c->reg_low; i < c->vh; i++)
		if (c->vs[i].kind == VK_REG)
			cg_spill(c, i);
}

void cg_materialise(struct cg *c, uint32_t i)
{
	struct ve *e = &c->vs[i];

	if (e->kind == VK_HOME)
		return;
	cg_store_slot(c, home_off(c, i), i);
	release(c, e);
	e->kind = VK_HOME;
}

void cg_materialise_range(struct cg *c, uint32_t from, uint32_t to)
{
	uint32_t i, start = from > c->home_low ? from : c->home_low;

	/* entries below home_low are in their homes already: materialising
	 * the whole stack at each nested block stays linear */
	for (i = start; i < to; i++)
		cg_materialise(c, i);
	if (from <= c->home_low && to > c->home_low)
		c->home_low = to;
}

/* ---- emission helpers ------------------------------------------------------------- */

void cg_reload_mem(struct cg *c)
{
	mov_rm(c->a, true, GPR_SCRATCH, xm(R15, offsetof(struct nat_inst, mem)));
	mov_rm(c->a, true, R13, xm(GPR_SCRATCH, offsetof(struct eng_memory, base)));
	/* guarded code never compares against the size: r12 may hold a local */
	if (!c->g->guard)
		mov_rm(c->a, true, R12, xm(GPR_SCRATCH, offsetof(struct eng_memory, size)));
	c->mem_valid = true;
}

void cg_trap_if(struct cg *c, enum x_cc cc, enum eng_trap trap)
{
	jcc_to(c->a, cc, c->g->trap_stub[trap]);
}

void cg_helper_call(struct cg *c, enum nat_helper h)
{
	call_m(c->a, xm(R15, (int32_t)(offsetof(struct nat_inst, helpers) + h * sizeof(void *))));
}

void cg_slot_helper(struct cg *c, enum nat_helper h, uint32_t nargs, uint8_t rtype,
		    uint32_t imm1, uint32_t imm2)
{
	uint32_t base;

	if (nargs > c->vh) {
		c->fail = true;
		return;
	}
	base = c->vh - nargs;
	cg_materialise_range(c, base, c->vh);
	cg_spill_regs(c);
	cg_pins_save(c);
	mov_rr(c->a, true, RDI, R15);
	lea(c->a, RSI, xm(R14, home_off(c, base)));
	mov_ri32(c->a, RDX, imm1);
	mov_ri32(c->a, RCX, imm2);
	cg_helper_call(c, h);
	test_rr(c->a, false, RAX, RAX);
	jcc_to(c->a, CC_NE, c->g->trap_exit);
	if (h == NH_MEMORY_GROW)
		c->mem_valid = false;
	cg_pins_load(c);
	cg_pop(c, nargs);
	if (rtype)
		cg_push_home(c, rtype);
}

void cg_add_fix(struct cg *c, struct ctl *t, size_t field)
{
	if (c->nfx == c->fxcap) {
		uint32_t cap = c->fxcap ? c->fxcap * 2 : 64;
		struct fixup *f = realloc(c->fx, (size_t)cap * sizeof(*f));

		if (!f) {
			c->fail = true;
			return;
		}
		c->fx = f;
		c->fxcap = cap;
	}
	c->fx[c->nfx].field = (uint32_t)field;
	c->fx[c->nfx].next = t->fix;
	c->nfx++;
	t->fix = c->nfx;
}

void cg_add_reloc(struct cg *c, size_t site, uint32_t def_idx)
{
	struct cgm *g = c->g;

	if (g->nrelocs == g->relcap) {
		uint32_t cap = g->relcap ? g->relcap * 2 : 256;
		uint32_t *s = realloc(g->reloc_site, (size_t)cap * sizeof(*s));
		uint32_t *f;

		if (!s) {
			c->fail = true;
			return;
		}
		g->reloc_site = s;
		f = realloc(g->reloc_func, (size_t)cap * sizeof(*f));
		if (!f) {
			c->fail = true;
			return;
		}
		g->reloc_func = f;
		g->relcap = cap;
	}
	g->reloc_site[g->nrelocs] = (uint32_t)site;
	g->reloc_func[g->nrelocs] = def_idx;
	g->nrelocs++;
}
