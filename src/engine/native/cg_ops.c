/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: the instruction loop, locals, globals, memory accesses and the
 * instructions done by helpers (docs/compiler.md §2).
 */
#include <stdlib.h>
#include <string.h>

#include "cg.h"

/* ---- memory ---------------------------------------------------------------------- */

/* Bounds-checks the address in entry i for `size` bytes at `offset`: the
 * effective address (uint64)addr + offset plus size must not exceed the
 * memory's byte length (r12). Returns the operand [r13 + ea], which may use
 * r11. With guard regions (c->g->guard) nothing is checked: (uint64)addr +
 * offset + size cannot leave the memory's reservation (EXEC_GUARD_RESERVE),
 * and beyond the memory's size the access faults into the out-of-bounds trap
 * (fault.c). */
static struct x_mem mem_addr(struct cg *c, uint32_t i, uint32_t offset, unsigned size)
{
	struct ve *e = &c->vs[i];
	struct asmbuf *a = c->a;
	unsigned r;

	cg_mem_ready(c);
	if (c->g->guard) {
		if (e->kind == VK_CONST) {
			uint64_t ea = (uint64_t)(uint32_t)e->c + offset;

			if (ea <= INT32_MAX)
				return xm(R13, (int32_t)ea);
			mov_ri64(a, GPR_SCRATCH, ea);
			return xmi(R13, GPR_SCRATCH, 0, 0);
		}
		r = cg_ro_reg(c, i);
		if (offset <= INT32_MAX)
			return xmi(R13, r, 0, (int32_t)offset);
		mov_ri64(a, GPR_SCRATCH, offset);
		alu_rr(a, ALU_ADD, true, GPR_SCRATCH, r);
		return xmi(R13, GPR_SCRATCH, 0, 0);
	}
	if (e->kind == VK_CONST) {
		uint64_t ea = (uint64_t)(uint32_t)e->c + offset;

		if (ea + size <= INT32_MAX) {
			alu_ri(a, ALU_CMP, true, R12, (int32_t)(ea + size));
			cg_trap_if(c, CC_B, ENG_TRAP_MEMORY_OOB);
			return xm(R13, (int32_t)ea);
		}
		mov_ri64(a, GPR_SCRATCH, ea + size);
		alu_rr(a, ALU_CMP, true, GPR_SCRATCH, R12);
		cg_trap_if(c, CC_A, ENG_TRAP_MEMORY_OOB);
		mov_ri64(a, GPR_SCRATCH, ea);
		return xmi(R13, GPR_SCRATCH, 0, 0);
	}
	r = cg_ro_reg(c, i);
	if ((uint64_t)offset + size <= INT32_MAX) {
		/* a local's value checked for a larger extent since the last
		 * label stays in bounds: memories never shrink, and
		 * (uint64)local + offset does not wrap */
		uint32_t *chk = e->kind == VK_LOCAL ? &c->chk[e->local] : NULL;

		if (chk && offset + size <= *chk)
			return xmi(R13, r, 0, (int32_t)offset);
		lea(a, GPR_SCRATCH, xm(r, (int32_t)(offset + size)));
		alu_rr(a, ALU_CMP, true, GPR_SCRATCH, R12);
		cg_trap_if(c, CC_A, ENG_TRAP_MEMORY_OOB);
		if (chk)
			cg_note_check(c, e->local, offset + size);
		return xmi(R13, r, 0, (int32_t)offset);
	}
	mov_ri64(a, GPR_SCRATCH, (uint64_t)offset + size);
	alu_rr(a, ALU_ADD, true, GPR_SCRATCH, r);
	alu_rr(a, ALU_CMP, true, GPR_SCRATCH, R12);
	cg_trap_if(c, CC_A, ENG_TRAP_MEMORY_OOB);
	lea(a, GPR_SCRATCH, xm(GPR_SCRATCH, -(int32_t)size));
	return xmi(R13, GPR_SCRATCH, 0, 0);
}

struct ldst {
	uint8_t type;      /* value type */
	uint8_t size;      /* bytes accessed */
	unsigned op;       /* load: opcode (0x8b mov, 0x63 movsxd, 0x0fxx movzx/sx) */
	bool w;            /* 64-bit destination for the load opcode */
};

static const struct ldst loads[14] = {
	{ENG_I32, 4, 0x8b, false}, {ENG_I64, 8, 0x8b, true},
	{ENG_F32, 4, 0, false}, {ENG_F64, 8, 0, true},
	{ENG_I32, 1, 0x0fbe, false}, {ENG_I32, 1, 0x0fb6, false},
	{ENG_I32, 2, 0x0fbf, false}, {ENG_I32, 2, 0x0fb7, false},
	{ENG_I64, 1, 0x0fbe, true}, {ENG_I64, 1, 0x0fb6, false},
	{ENG_I64, 2, 0x0fbf, true}, {ENG_I64, 2, 0x0fb7, false},
	{ENG_I64, 4, 0x63, true}, {ENG_I64, 4, 0x8b, false},
};

static const struct ldst stores[9] = {
	{ENG_I32, 4, 0, false}, {ENG_I64, 8, 0, true}, {ENG_F32, 4, 0, false},
	{ENG_F64, 8, 0, true}, {ENG_I32, 1, 0, false}, {ENG_I32, 2, 0, false},
	{ENG_I64, 1, 0, false}, {ENG_I64, 2, 0, false}, {ENG_I64, 4, 0, false},
};

static void load_op(struct cg *c, uint8_t op)
{
	const struct ldst *d = &loads[op - 0x28];
	uint32_t offset, i = c->vh - 1;
	struct x_mem m;
	unsigned r;
	bool reuse;

	cg_u32(c);
	offset = cg_u32(c);
	if (c->vh < 1 || c->fail) {
		c->fail = true;
		return;
	}
	m = mem_addr(c, i, offset, d->size);
	reuse = !vt_xmm(d->type) && c->vs[i].kind == VK_REG;
	r = reuse ? c->vs[i].reg : cg_alloc(c, vt_xmm(d->type));
	if (vt_xmm(d->type))
		sse_load(c->a, d->size == 8, r, m);
	else if (d->op == 0x8b)
		mov_rm(c->a, d->w, r, m);
	else
		movx_rm(c->a, d->op, d->w, r, m);
	cg_pop(c, 1);
	cg_push_reg(c, d->type, r);
}

static void store_op(struct cg *c, uint8_t op)
{
	const struct ldst *d = &stores[op - 0x36];
	uint32_t offset, iv = c->vh - 1;
	struct ve *v;
	struct x_mem m;
	unsigned r = 0;
	bool imm;

	cg_u32(c);
	offset = cg_u32(c);
	if (c->vh < 2 || c->fail) {
		c->fail = true;
		return;
	}
	v = &c->vs[iv];
	imm = v->kind == VK_CONST && !vt_xmm(d->type) &&
	      (d->size < 8 || (int64_t)v->c == (int32_t)(uint32_t)v->c);
	if (!imm)
		r = cg_ro_reg(c, iv);
	m = mem_addr(c, iv - 1, offset, d->size);
	v = &c->vs[iv];
	if (imm)
		mov_mi(c->a, d->size, m, (uint32_t)v->c);
	else if (vt_xmm(d->type))
		sse_store(c->a, d->size == 8, m, r);
	else if (d->size == 1)
		mov8_mr(c->a, m, r);
	else if (d->size == 2)
		mov16_mr(c->a, m, r);
	else
		mov_mr(c->a, d->size == 8, m, r);
	cg_pop(c, 2);
}

/* ---- locals and globals ---------------------------------------------------------- */

static void local_get(struct cg *c, uint32_t idx)
{
	struct ve *e;

	if (idx >= c->nlocals_all) {
		c->fail = true;
		return;
	}
	e = cg_push(c, c->ltypes[idx]);
	e->kind = VK_LOCAL;
	e->local = idx;
}

static void local_set(struct cg *c, uint32_t idx, bool tee)
{
	uint32_t i, top = c->vh - 1;
	struct ve *e;

	if (idx >= c->nlocals_all || c->vh < 1) {
		c->fail = true;
		return;
	}
	e = &c->vs[top];
	if (e->kind == VK_LOCAL && e->local == idx) {
		if (!tee)
			cg_pop(c, 1);
		return;
	}
	for (i = 0; i < top; i++)
		if (c->vs[i].kind == VK_LOCAL && c->vs[i].local == idx)
			cg_materialise(c, i);
	c->chk[idx] = 0;
	if (c->lreg[idx] != NOREG) {
		uint8_t t = c->vs[top].type;

		cg_load(c, top, c->lreg[idx]);
		if (tee && c->vs[top].kind == VK_REG)
			return;    /* keep the register copy: the next user may consume it */
		cg_pop(c, 1);
		if (tee) {
			/* the value is the local's now: alias it */
			e = cg_push(c, t);
			e->kind = VK_LOCAL;
			e->local = idx;
		}
		return;
	}
	cg_store_slot(c, local_off(idx), top);
	e = &c->vs[top];
	if (!tee) {
		cg_pop(c, 1);
	} else if (e->kind == VK_FLAGS) {
		e->kind = VK_LOCAL;
		e->local = idx;
	}
}

static struct x_mem global_ptr(struct cg *c, uint32_t idx)
{
	mov_rm(c->a, true, GPR_SCRATCH,
	       xm(R15, (int32_t)(offsetof(struct nat_inst, gbits) + idx * sizeof(void *))));
	return xm(GPR_SCRATCH, 0);
}

static void global_get(struct cg *c, uint32_t idx)
{
	uint8_t t;
	unsigned r;
	struct x_mem m;

	if (idx >= c->m->nglobals_total) {
		c->fail = true;
		return;
	}
	t = c->m->globals[idx].type.type;
	r = cg_alloc(c, vt_xmm(t));
	m = global_ptr(c, idx);
	if (vt_xmm(t))
		sse_load(c->a, t == ENG_F64, r, m);
	else
		mov_rm(c->a, vt_64(t), r, m);
	cg_push_reg(c, t, r);
}

static void global_set(struct cg *c, uint32_t idx)
{
	struct ve *e;
	struct x_mem m;
	unsigned r = 0;
	bool imm;

	if (idx >= c->m->nglobals_total || c->vh < 1) {
		c->fail = true;
		return;
	}
	e = cg_top(c, 0);
	imm = e->kind == VK_CONST && (int64_t)e->c == (int32_t)(uint32_t)e->c;
	if (!imm)
		r = cg_ro_reg(c, c->vh - 1);
	m = global_ptr(c, idx);
	e = cg_top(c, 0);
	if (imm)
		mov_mi(c->a, 8, m, (uint32_t)e->c);
	else if (vt_xmm(e->type))
		movq_mx(c->a, m, r);
	else
		mov_mr(c->a, true, m, r);
	cg_pop(c, 1);
}

/* ---- select, references ------------------------------------------------------------ */

static void select_op(struct cg *c)
{
	uint32_t ia = c->vh - 3, ib = c->vh - 2, ic = c->vh - 1;
	uint8_t t;
	unsigned ra, rb = 0, rc;
	bool bmem;

	if (c->vh < 3) {
		c->fail = true;
		return;
	}
	t = c->vs[ia].type;
	ra = cg_to_reg(c, ia);
	bmem = !vt_xmm(t) && cg_is_mem(c, ib);
	if (!bmem)
		rb = cg_ro_reg(c, ib);
	if (cg_is_mem(c, ic)) {
		alu_mi(c->a, ALU_CMP, false, cg_mem(c, ic), 0);
	} else {
		rc = cg_ro_reg(c, ic);
		test_rr(c->a, false, rc, rc);
	}
	if (vt_xmm(t)) {
		size_t skip = jcc32(c->a, CC_NE);

		movaps(c->a, ra, rb);
		patch_rel32(c->a, skip, c->a->len);
	} else if (bmem) {
		cmov_rm(c->a, CC_E, vt_64(t), ra, cg_mem(c, ib));
	} else {
		cmov_rr(c->a, CC_E, vt_64(t), ra, rb);
	}
	cg_pop(c, 2);
}

static void ref_func(struct cg *c, uint32_t idx)
{
	unsigned r;

	if (idx >= c->m->nfuncs_total) {
		c->fail = true;
		return;
	}
	r = cg_alloc(c, false);
	mov_rm(c->a, true, r, xm(R15, offsetof(struct nat_inst, funcs)));
	mov_rm(c->a, true, r, xm(r, (int32_t)(idx * sizeof(void *))));
	cg_push_reg(c, ENG_FUNCREF, r);
}

/* Reinterpretation between an integer and a float of the same width. */
static void reinterpret(struct cg *c, uint8_t to)
{
	struct ve *e = cg_top(c, 0);
	unsigned r = cg_reg_of(c, c->vh - 1), nr;

	if (r == NOREG) {
		e->type = to;
		return;
	}
	cg_lock(c, e);
	nr = cg_alloc(c, vt_xmm(to));
	if (vt_xmm(to))
		movq_xr(c->a, vt_64(to), nr, r);
	else
		movq_rx(c->a, vt_64(to), nr, r);
	cg_pop(c, 1);
	cg_push_reg(c, to, nr);
}

static void memory_size(struct cg *c)
{
	unsigned r;

	cg_mem_ready(c);
	r = cg_alloc(c, false);
	if (c->g->guard) {
		/* r12 is not the size in guarded code (it may hold a local) */
		mov_rm(c->a, true, GPR_SCRATCH, xm(R15, offsetof(struct nat_inst, mem)));
		mov_rm(c->a, true, r, xm(GPR_SCRATCH, offsetof(struct eng_memory, size)));
	} else {
		mov_rr(c->a, true, r, R12);
	}
	shift_ri(c->a, SH_SHR, true, r, 16);
	cg_push_reg(c, ENG_I32, r);
}

/* ---- the 0xfc prefix ----------------------------------------------------------------- */

static void prefix_fc(struct cg *c)
{
	static const uint8_t sat_type[8] = {
		ENG_I32, ENG_I32, ENG_I32, ENG_I32, ENG_I64, ENG_I64, ENG_I64, ENG_I64,
	};
	uint32_t sub = cg_u32(c), x, y;

	if (c->fail)
		return;
	switch (sub) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
		cg_slot_helper(c, NH_NUMERIC, 1, sat_type[sub], 0x100 | sub, 0);
		break;
	case 8:    /* memory.init seg mem */
		x = cg_u32(c);
		cg_byte(c);
		cg_slot_helper(c, NH_MEMORY_INIT, 3, 0, x, 0);
		break;
	case 9:
		cg_slot_helper(c, NH_DATA_DROP, 0, 0, cg_u32(c), 0);
		break;
	case 10:
		cg_byte(c);
		cg_byte(c);
		cg_slot_helper(c, NH_MEMORY_COPY, 3, 0, 0, 0);
		break;
	case 11:
		cg_byte(c);
		cg_slot_helper(c, NH_MEMORY_FILL, 3, 0, 0, 0);
		break;
	case 12:   /* table.init seg table */
		x = cg_u32(c);
		y = cg_u32(c);
		cg_slot_helper(c, NH_TABLE_INIT, 3, 0, y, x);
		break;
	case 13:
		cg_slot_helper(c, NH_ELEM_DROP, 0, 0, cg_u32(c), 0);
		break;
	case 14:   /* table.copy dst src */
		x = cg_u32(c);
		y = cg_u32(c);
		cg_slot_helper(c, NH_TABLE_COPY, 3, 0, x, y);
		break;
	case 15:
		cg_slot_helper(c, NH_TABLE_GROW, 2, ENG_I32, cg_u32(c), 0);
		break;
	case 16:
		cg_slot_helper(c, NH_TABLE_SIZE, 0, ENG_I32, cg_u32(c), 0);
		break;
	case 17:
		cg_slot_helper(c, NH_TABLE_FILL, 3, 0, cg_u32(c), 0);
		break;
	default:
		c->fail = true;
		break;
	}
}

/* ---- the loop --------------------------------------------------------------------------- */

static void table_access(struct cg *c, uint8_t op)
{
	uint32_t t = cg_u32(c);

	if (t >= c->m->ntables_total) {
		c->fail = true;
		return;
	}
	if (op == OP_TABLE_GET)
		cg_slot_helper(c, NH_TABLE_GET, 1, c->m->tables[t].elem_type, t, 0);
	else
		cg_slot_helper(c, NH_TABLE_SET, 2, 0, t, 0);
}

void cg_body(struct cg *c)
{
	uint32_t x;
	uint8_t op;

	while (!c->fail && !c->unsupported) {
		c->glock = 0;
		c->xlock = 0;
		op = cg_byte(c);
		if (c->fail)
			break;
		switch (op) {
		case OP_UNREACHABLE:
			jmp_to(c->a, c->g->trap_stub[ENG_TRAP_UNREACHABLE]);
			cg_go_dead(c);
			break;
		case OP_NOP:
			break;
		case OP_BLOCK: case OP_LOOP: case OP_IF:
			cg_block(c, op);
			break;
		case OP_ELSE:
			cg_else(c);
			break;
		case OP_END:
			if (cg_end(c))
				return;
			break;
		case OP_BR:
			cg_br(c);
			break;
		case OP_BR_IF:
			cg_br_if(c);
			break;
		case OP_BR_TABLE:
			cg_br_table(c);
			break;
		case OP_RETURN:
			cg_return(c);
			break;
		case OP_CALL:
			cg_call(c, cg_u32(c));
			break;
		case OP_CALL_INDIRECT:
			x = cg_u32(c);
			cg_call_indirect(c, x, cg_u32(c));
			break;
		case OP_DROP:
			cg_pop(c, 1);
			break;
		case OP_SELECT_T:
			x = cg_u32(c);
			while (x-- > 0 && !c->fail)
				cg_byte(c);
			select_op(c);
			break;
		case OP_SELECT:
			select_op(c);
			break;
		case OP_LOCAL_GET:
			local_get(c, cg_u32(c));
			break;
		case OP_LOCAL_SET:
			local_set(c, cg_u32(c), false);
			break;
		case OP_LOCAL_TEE:
			local_set(c, cg_u32(c), true);
			break;
		case OP_GLOBAL_GET:
			global_get(c, cg_u32(c));
			break;
		case OP_GLOBAL_SET:
			global_set(c, cg_u32(c));
			break;
		case OP_TABLE_GET: case OP_TABLE_SET:
			table_access(c, op);
			break;
		case 0x3f:
			cg_byte(c);
			memory_size(c);
			break;
		case 0x40:
			cg_byte(c);
			cg_slot_helper(c, NH_MEMORY_GROW, 1, ENG_I32, 0, 0);
			break;
		case OP_I32_CONST:
			cg_push_const(c, ENG_I32, (uint32_t)(int32_t)cg_sleb(c, 32));
			break;
		case OP_I64_CONST:
			cg_push_const(c, ENG_I64, (uint64_t)cg_sleb(c, 64));
			break;
		case OP_F32_CONST:
			cg_push_const(c, ENG_F32, cg_fixed(c, 4));
			break;
		case OP_F64_CONST:
			cg_push_const(c, ENG_F64, cg_fixed(c, 8));
			break;
		case OP_REF_NULL:
			cg_push_const(c, cg_byte(c), 0);
			break;
		case OP_REF_IS_NULL:
			cg_top(c, 0)->type = ENG_I64;
			cg_int_op(c, 0x50);    /* i64.eqz on the pointer bits */
			break;
		case OP_REF_FUNC:
			ref_func(c, cg_u32(c));
			break;
		case 0xbc: reinterpret(c, ENG_I32); break;
		case 0xbd: reinterpret(c, ENG_I64); break;
		case 0xbe: reinterpret(c, ENG_F32); break;
		case 0xbf: reinterpret(c, ENG_F64); break;
		case OP_PREFIX_FC:
			prefix_fc(c);
			break;
		default:
			if (op >= 0x28 && op <= 0x35)
				load_op(c, op);
			else if (op >= 0x36 && op <= 0x3e)
				store_op(c, op);
			else if (!cg_int_op(c, op) && !cg_float_op(c, op))
				c->fail = true;
			break;
		}
	}
}
