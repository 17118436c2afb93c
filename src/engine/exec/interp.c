/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interpreter loop (docs/interpreter.md §3).
 *
 * Threaded code: every instruction starts with the address of its handler
 * (a label in interp(), GNU "labels as values"), followed by 32-bit fields.
 * Handlers address operands as byte offsets from the frame pointer fp.
 * A wasm call never recurses on the C stack: call records go to the store's
 * frame stack and the loop continues in the callee. Host functions are
 * called from the loop; a host function may call back into wasm
 * (eng_func_call), which nests one interp() activation per such call.
 *
 * Each handler ends with an explicit `goto *adv(&ip, nfields)` (advance past
 * this instruction, then jump to the next handler).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"
#include "numeric.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the interpreter assumes a little-endian host"
#endif

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline const void *handler_at(const uint8_t *ip)
{
	const void *h;

	memcpy(&h, ip, sizeof(h));
	return h;
}

/* Advances ip past an instruction with n fields; returns the next handler. */
static inline const void *adv(const uint8_t **ip, unsigned n)
{
	*ip += sizeof(void *) + 4u * n;
	return handler_at(*ip);
}

/* Branch target of the displacement field at p. */
static inline const uint8_t *jump(const uint8_t *p)
{
	return p + (int32_t)rd32(p);
}

/* The operands of loop_mov (see the translator's loop_fuse). */
struct loop_mov {
	uint8_t *dst_addr;
	uint32_t dst_add, dst_off;
	uint8_t *src_addr;
	uint32_t src_add, src_off;
	uint8_t *d1, *a1;
	uint32_t i1;
	uint8_t *d2, *a2;
	uint32_t i2;
	uint8_t *x, *y;
};

static inline uint32_t slot32(const uint8_t *p)
{
	return (uint32_t)*(const uint64_t *)(const void *)p;
}

/* One `movN` then one `i32_add_i2`; false if the move is out of bounds. */
static inline bool loop_mov_step(const struct loop_mov *lm, uint8_t *mem, uint64_t msize,
				 unsigned width)
{
	uint64_t src = (uint64_t)(uint32_t)(slot32(lm->src_addr) + lm->src_add) + lm->src_off;
	uint64_t dst = (uint64_t)(uint32_t)(slot32(lm->dst_addr) + lm->dst_add) + lm->dst_off;
	uint64_t v = 0;

	if (src + width > msize || dst + width > msize)
		return false;
	memcpy(&v, mem + src, width);
	memcpy(mem + dst, &v, width);
	*(uint64_t *)(void *)lm->d1 = (uint32_t)(slot32(lm->a1) + lm->i1);
	*(uint64_t *)(void *)lm->d2 = (uint32_t)(slot32(lm->a2) + lm->i2);
	return true;
}

/* The closing `bri32_lt_u x y` or `bri32_ne x y`. */
static inline bool loop_mov_again(const struct loop_mov *lm, uint32_t ne)
{
	uint32_t x = slot32(lm->x), y = slot32(lm->y);

	return ne ? x != y : x < y;
}

/* a COND b for the condition mask of an add-and-branch instruction: bit 0
 * holds if a < b, bit 1 if a == b, bit 2 if a > b; bit 3 compares signed
 * (flipping the sign bits maps signed order onto unsigned order). */
static inline bool cond_holds(uint32_t a, uint32_t b, uint32_t mask)
{
	uint32_t flip = (mask & 8u) << 28;

	a ^= flip;
	b ^= flip;
	return (mask >> ((a > b) + (a >= b))) & 1u;
}

/* Field k of the current instruction, the slot it names, typed views. */
#define FLD(k) rd32(ip + sizeof(void *) + 4u * (k))
#define IMM64(k) rd64(ip + sizeof(void *) + 4u * (k))
#define FPTR(k) (ip + sizeof(void *) + 4u * (k))
#define SLOT(k) (*(uint64_t *)(void *)(fp + FLD(k)))
#define U32(k) ((uint32_t)SLOT(k))
#define S32(k) ((int32_t)(uint32_t)SLOT(k))
#define U64(k) (SLOT(k))
#define S64(k) ((int64_t)SLOT(k))
#define F32(k) num_f32(SLOT(k))
#define F64(k) num_f64(SLOT(k))

static const void *const *volatile handler_table;

static enum eng_trap interp(struct eng_store *s, struct eng_func *entry, uint8_t *base,
			    bool init)
{
#define X_LABEL(name) &&op_##name,
#define X_LABEL_ACC(name) &&op_##name##_acc,
	static const void *const labels[XOP__COUNT] = {
		EXEC_OPS(X_LABEL) EXEC_ACC_OPS(X_LABEL_ACC)
	};
#undef X_LABEL
#undef X_LABEL_ACC
	static const void *const exit_code[1] = {&&op_exit};

	struct frame *frames;
	const uint8_t *ip;
	uint8_t *fp, *stack_end, *mem;
	uint64_t msize, sl;
	uint32_t depth, max_depth, sl_max;
	struct eng_instance *inst;
	bool canon;
	enum eng_trap trap;
	/* The result of the last i32 ALU op or load (see the translator's
	 * acc_forward): the *_acc handlers read their first operand here
	 * instead of from its slot, which the previous instruction just wrote. */
	uint64_t acc = 0;

	/* call set-up, shared by every kind of call */
	struct xfunc *xf;
	struct eng_func *cf;
	struct eng_instance *new_inst;
	uint8_t *newfp;
	const uint8_t *ret_ip;

	if (init) {
		handler_table = labels;
		return ENG_TRAP_NONE;
	}

	frames = s->frames;
	depth = s->depth;
	max_depth = s->cfg.max_call_depth;
	stack_end = s->stack_end;
	sl = s->sl_counter;
	sl_max = s->cfg.logical_stack_max;
	inst = entry->inst;
	canon = inst->canon;
	mem = inst->rt_mem->base;
	msize = inst->rt_mem->size;
	fp = base;
	xf = entry->xf;
	new_inst = inst;
	newfp = base;
	ret_ip = (const uint8_t *)exit_code;
	goto enter;

enter:
	/* xf: callee, newfp: its frame (arguments in place), ret_ip: where to
	 * continue in the caller, new_inst: the callee's instance. */
	if (depth >= max_depth || xf->frame_bytes > (size_t)(stack_end - newfp)) {
		trap = ENG_TRAP_CALL_STACK_EXHAUSTED;
		goto trap;
	}
	frames[depth].cost = 0;
	if (sl_max) {
		sl += xf->cost;
		if (sl > sl_max) {
			trap = ENG_TRAP_STACK_LIMIT;
			goto trap;
		}
		frames[depth].cost = xf->cost;
	}
	frames[depth].ret_ip = ret_ip;
	frames[depth].fp = fp;
	frames[depth].inst = inst;
	depth++;
	fp = newfp;
	{
		/* Declared locals start at zero. Most functions have at most 4;
		 * every frame has room for 4 slots after its params, and slots
		 * past the locals are operand temporaries, written before read. */
		uint64_t *z = (uint64_t *)(void *)(fp + xf->locals_off);

		if (xf->nlocals <= 4) {
			z[0] = 0;
			z[1] = 0;
			z[2] = 0;
			z[3] = 0;
		} else {
			memset(z, 0, xf->nlocals * 8u);
		}
	}
	ip = xf->code;
	if (new_inst != inst) {
		inst = new_inst;
		canon = inst->canon;
		mem = inst->rt_mem->base;
		msize = inst->rt_mem->size;
	}
	goto *handler_at(ip);

call_func:
	/* cf: callee function object, newfp, ret_ip as for enter. */
	if (!cf->is_host) {
		xf = cf->xf;
		new_inst = cf->inst;
		goto enter;
	}
	{
		uint32_t np = cf->ft->nparams, nr = cf->ft->nresults, i;
		uint64_t *args = (uint64_t *)(void *)newfp, *res = args + np;
		struct eng_host_call hc = {s, inst};
		const uint8_t *rt = cf->ft->types + np;

		if ((size_t)(np + nr) * 8 > (size_t)(stack_end - newfp)) {
			trap = ENG_TRAP_CALL_STACK_EXHAUSTED;
			goto trap;
		}
		s->depth = depth;
		s->sl_counter = sl;
		s->stack_top = (uint8_t *)(res + nr);
		s->host_msg_set = false;
		trap = cf->fn(&hc, cf->user, args, res);
		if (trap != ENG_TRAP_NONE)
			goto trap;
		for (i = 0; i < nr; i++)
			args[i] = exec_slot_mask(rt[i], res[i]);
		ip = ret_ip;
		mem = inst->rt_mem->base;
		msize = inst->rt_mem->size;
		goto *handler_at(ip);
	}

	/* ---- control ------------------------------------------------------ */
op_unreachable:
	trap = ENG_TRAP_UNREACHABLE;
	goto trap;
op_br:
	ip = jump(FPTR(0));
	goto *handler_at(ip);
op_br_if:
	if (U32(0)) {
		ip = jump(FPTR(1));
		goto *handler_at(ip);
	}
	goto *adv(&ip, 2);
op_br_unless:
	if (!U32(0)) {
		ip = jump(FPTR(1));
		goto *handler_at(ip);
	}
	goto *adv(&ip, 2);
op_br_table: {
	uint32_t i = U32(0), n = FLD(1);

	if (i > n)
		i = n;
	ip = jump(FPTR(2 + i));
	goto *handler_at(ip);
}
op_ret:
	/* mem and msize are those of the caller's instance already unless the
	 * instance changes: memory.grow updates them and host calls reload
	 * them, and a callee in another instance that reaches ours again
	 * returns through an instance change that reloads them. */
	depth--;
	sl -= frames[depth].cost;
	ip = frames[depth].ret_ip;
	fp = frames[depth].fp;
	if (frames[depth].inst != inst) {
		inst = frames[depth].inst;
		canon = inst->canon;
		mem = inst->rt_mem->base;
		msize = inst->rt_mem->size;
	}
	goto *handler_at(ip);
op_exit:
	s->sl_counter = sl;
	s->depth = depth;
	return ENG_TRAP_NONE;
op_call:
	xf = (struct xfunc *)(uintptr_t)IMM64(1);
	newfp = fp + FLD(0);
	ret_ip = ip + sizeof(void *) + 12;
	new_inst = inst;
	goto enter;
op_call_import:
	cf = inst->funcs[FLD(1)];
	newfp = fp + FLD(0);
	ret_ip = ip + sizeof(void *) + 8;
	goto call_func;
op_call_indirect: {
	/* fields: base, elem index slot, table, type */
	struct eng_table *t = inst->tables[FLD(2)];
	const struct eng__functype *want = &inst->m->types[FLD(3)];
	uint32_t i = U32(1);

	if (i >= t->size) {
		trap = ENG_TRAP_UNDEFINED_ELEMENT;
		goto trap;
	}
	cf = t->elems[i];
	if (!cf) {
		trap = ENG_TRAP_UNINITIALIZED_ELEMENT;
		goto trap;
	}
	if (cf->ft != want && !exec__functype_eq(cf->ft, want)) {
		trap = ENG_TRAP_INDIRECT_MISMATCH;
		goto trap;
	}
	newfp = fp + FLD(0);
	ret_ip = ip + sizeof(void *) + 16;
	goto call_func;
}

	/* ---- moves --------------------------------------------------------- */
op_copy:
	SLOT(0) = acc = SLOT(1);
	goto *adv(&ip, 2);
op_copy2:
	SLOT(0) = SLOT(1);
	SLOT(2) = SLOT(3);
	goto *adv(&ip, 4);
op_const32:
	SLOT(0) = FLD(1);
	goto *adv(&ip, 2);
op_const64:
	SLOT(0) = IMM64(1);
	goto *adv(&ip, 3);
op_select:
	SLOT(0) = acc = U32(3) ? SLOT(1) : SLOT(2);
	goto *adv(&ip, 4);
op_select_i1:
	SLOT(0) = acc = U32(3) ? FLD(1) : SLOT(2);
	goto *adv(&ip, 4);
op_select_i2:
	SLOT(0) = acc = U32(3) ? SLOT(1) : FLD(2);
	goto *adv(&ip, 4);
op_global_get:
	SLOT(0) = inst->globals[FLD(1)]->bits;
	goto *adv(&ip, 2);
op_global_set:
	inst->globals[FLD(1)]->bits = SLOT(0);
	goto *adv(&ip, 2);
op_global_get_add:
	SLOT(0) = (uint32_t)(inst->globals[FLD(1)]->bits + FLD(2));
	goto *adv(&ip, 3);
op_global_set_add:
	inst->globals[FLD(1)]->bits = (uint32_t)(U32(0) + FLD(2));
	goto *adv(&ip, 3);
op_global_add_to: {
	struct eng_global *g = inst->globals[FLD(1)];

	SLOT(0) = g->bits = (uint32_t)(g->bits + FLD(2));
	goto *adv(&ip, 3);
}

	/* ---- memory --------------------------------------------------------- */
	/* Loads: dst, address. Stores: value, address. An address is three
	 * fields: slot, addend, offset; the addend is added in 32 bits (it is a
	 * folded i32.add), the offset in 64 bits, so the sum never wraps. */
#define EA(k) ((uint64_t)(uint32_t)(U32(k) + FLD((k) + 1)) + FLD((k) + 2))
	/* LOAD(name, width, conv): the value v (width bytes, zero-extended) is
	 * stored converted; LOAD_ACC adds name_acc, whose address slot is acc. */
#define LOAD_BODY(a, width, conv)                                               \
	{                                                                       \
		uint64_t ea = (uint64_t)(uint32_t)((a) + FLD(2)) + FLD(3), v = 0; \
                                                                                \
		if (ea + (width) > msize)                                       \
			goto trap_mem;                                          \
		memcpy(&v, mem + ea, (width));                                  \
		SLOT(0) = acc = (conv);                                         \
		goto *adv(&ip, 4);                                              \
	}
#define LOAD(name, width, conv) op_##name: LOAD_BODY(U32(1), width, conv)
#define LOAD_ACC(name, width, conv)                                             \
	LOAD(name, width, conv)                                                 \
	op_##name##_acc: LOAD_BODY((uint32_t)acc, width, conv)
LOAD_ACC(ld8u, 1, v)
LOAD(ld16u, 2, v)
LOAD_ACC(ld32u, 4, v)
LOAD_ACC(ld64, 8, v)
LOAD(ld8s32, 1, (uint32_t)(int32_t)(int8_t)v)
LOAD(ld16s32, 2, (uint32_t)(int32_t)(int16_t)v)
LOAD(ld8s64, 1, (uint64_t)(int64_t)(int8_t)v)
LOAD(ld16s64, 2, (uint64_t)(int64_t)(int16_t)v)
LOAD(ld32s64, 4, (uint64_t)(int64_t)(int32_t)v)
#undef LOAD_ACC
#undef LOAD
#undef LOAD_BODY
	/* Fused address add: dst, a, b, offset. */
#define EA_ADD ((uint64_t)(uint32_t)(U32(1) + U32(2)) + FLD(3))
op_ld32u_add: {
	uint64_t ea = EA_ADD;
	uint32_t v;

	if (ea + 4 > msize)
		goto trap_mem;
	memcpy(&v, mem + ea, 4);
	SLOT(0) = v;
	goto *adv(&ip, 4);
}
op_ld64_add: {
	uint64_t ea = EA_ADD, v;

	if (ea + 8 > msize)
		goto trap_mem;
	memcpy(&v, mem + ea, 8);
	SLOT(0) = v;
	goto *adv(&ip, 4);
}
op_ld8u_add: {
	uint64_t ea = EA_ADD;

	if (ea + 1 > msize)
		goto trap_mem;
	SLOT(0) = mem[ea];
	goto *adv(&ip, 4);
}
#undef EA_ADD
	/* Constant address: dst, effective address (64 bits). */
op_ld32u_c: {
	uint64_t ea = IMM64(1);
	uint32_t v;

	if (ea + 4 > msize)
		goto trap_mem;
	memcpy(&v, mem + ea, 4);
	SLOT(0) = v;
	goto *adv(&ip, 3);
}
op_ld64_c: {
	uint64_t ea = IMM64(1), v;

	if (ea + 8 > msize)
		goto trap_mem;
	memcpy(&v, mem + ea, 8);
	SLOT(0) = v;
	goto *adv(&ip, 3);
}
op_ld8u_c: {
	uint64_t ea = IMM64(1);

	if (ea + 1 > msize)
		goto trap_mem;
	SLOT(0) = mem[ea];
	goto *adv(&ip, 3);
}
	/* Constant value: value (st64_i: two fields), address. */
op_st32_i: {
	uint64_t ea = EA(1);
	uint32_t v = FLD(0);

	if (ea + 4 > msize)
		goto trap_mem;
	memcpy(mem + ea, &v, 4);
	goto *adv(&ip, 4);
}
op_st64_i: {
	uint64_t ea = EA(2), v = IMM64(0);

	if (ea + 8 > msize)
		goto trap_mem;
	memcpy(mem + ea, &v, 8);
	goto *adv(&ip, 5);
}
	/* Memory-to-memory moves: dst address, src address. The load is
	 * checked (and may trap) before the store. _acc: the source address
	 * slot is acc. */
#define MOV_BODY(src_slot, width)                                               \
	{                                                                       \
		uint64_t dst = EA(0), v = 0;                                    \
		uint64_t src = (uint64_t)(uint32_t)((src_slot) + FLD(4)) + FLD(5); \
                                                                                \
		if (src + (width) > msize || dst + (width) > msize)             \
			goto trap_mem;                                          \
		memcpy(&v, mem + src, (width));                                 \
		memcpy(mem + dst, &v, (width));                                 \
		goto *adv(&ip, 6);                                              \
	}
#define MOV(name, width)                                                        \
	op_##name: MOV_BODY(U32(3), width)                                      \
	op_##name##_acc: MOV_BODY((uint32_t)acc, width)
MOV(mov32, 4)
MOV(mov64, 8)
MOV(mov8, 1)
#undef MOV
#undef MOV_BODY
op_loop_mov: {
	/* Runs `movN; i32_add_i2; bri32_lt_u|ne back` until the branch falls
	 * through; each step exactly as its own handler would. */
	uint32_t width = FLD(0), ne = FLD(1);
	struct loop_mov lm = {
		fp + FLD(2), FLD(3), FLD(4), fp + FLD(5), FLD(6), FLD(7),
		fp + FLD(8), fp + FLD(9), FLD(10), fp + FLD(11), fp + FLD(12), FLD(13),
		fp + FLD(14), fp + FLD(15),
	};

	switch (width) {
	case 8:
		do {
			if (!loop_mov_step(&lm, mem, msize, 8))
				goto trap_mem;
		} while (loop_mov_again(&lm, ne));
		break;
	case 4:
		do {
			if (!loop_mov_step(&lm, mem, msize, 4))
				goto trap_mem;
		} while (loop_mov_again(&lm, ne));
		break;
	default:
		do {
			if (!loop_mov_step(&lm, mem, msize, 1))
				goto trap_mem;
		} while (loop_mov_again(&lm, ne));
		break;
	}
	goto *adv(&ip, 16);
}
op_i32_add_i2:
	SLOT(0) = (uint32_t)(U32(1) + FLD(2));
	SLOT(3) = (uint32_t)(U32(4) + FLD(5));
	goto *adv(&ip, 6);
op_st8_i: {
	uint64_t ea = EA(1);

	if (ea + 1 > msize)
		goto trap_mem;
	mem[ea] = (uint8_t)FLD(0);
	goto *adv(&ip, 4);
}
	/* STORE(name, width): the low width bytes of the value; _acc: the
	 * value is acc (the previous instruction's result). */
#define STORE_BODY(val, width)                                                  \
	{                                                                       \
		uint64_t ea = EA(1), v = (val);                                 \
                                                                                \
		if (ea + (width) > msize)                                       \
			goto trap_mem;                                          \
		memcpy(mem + ea, &v, (width));                                  \
		goto *adv(&ip, 4);                                              \
	}
#define STORE(name, width)                                                      \
	op_##name: STORE_BODY(SLOT(0), width)                                   \
	op_##name##_acc: STORE_BODY(acc, width)
STORE(st8, 1)
STORE(st16, 2)
STORE(st32, 4)
STORE(st64, 8)
#undef STORE
#undef STORE_BODY
op_memory_size:
	SLOT(0) = inst->rt_mem->pages;
	goto *adv(&ip, 1);
op_memory_grow:
	SLOT(0) = (uint32_t)eng_memory_grow(inst->rt_mem, U32(1));
	mem = inst->rt_mem->base;
	msize = inst->rt_mem->size;
	goto *adv(&ip, 2);
op_memory_fill: {
	uint64_t d = U32(0), n = U32(2);

	if (!exec_in_bounds(d, n, msize))
		goto trap_mem;
	if (n)
		memset(mem + d, (int)(uint8_t)SLOT(1), n);
	goto *adv(&ip, 3);
}
op_memory_copy: {
	uint64_t d = U32(0), src = U32(1), n = U32(2);

	if (!exec_in_bounds(d, n, msize) || !exec_in_bounds(src, n, msize))
		goto trap_mem;
	if (n)
		memmove(mem + d, mem + src, n);
	goto *adv(&ip, 3);
}
op_memory_init: {
	uint64_t d = U32(0), src = U32(1), n = U32(2);
	uint32_t seg = FLD(3);
	const struct eng__data *ds = &inst->m->datas[seg];
	uint64_t len = inst->data_dropped[seg] ? 0 : ds->len;

	if (!exec_in_bounds(src, n, len) || !exec_in_bounds(d, n, msize))
		goto trap_mem;
	if (n)
		memcpy(mem + d, ds->bytes + src, n);
	goto *adv(&ip, 4);
}
op_data_drop:
	inst->data_dropped[FLD(0)] = 1;
	goto *adv(&ip, 1);

	/* ---- tables ---------------------------------------------------------- */
op_table_get: {
	struct eng_table *t = inst->tables[FLD(2)];
	uint32_t i = U32(1);

	if (i >= t->size)
		goto trap_table;
	SLOT(0) = (uint64_t)(uintptr_t)t->elems[i];
	goto *adv(&ip, 3);
}
op_table_set: {
	struct eng_table *t = inst->tables[FLD(2)];
	uint32_t i = U32(0);

	if (i >= t->size)
		goto trap_table;
	t->elems[i] = (void *)(uintptr_t)SLOT(1);
	goto *adv(&ip, 3);
}
op_table_size:
	SLOT(0) = inst->tables[FLD(1)]->size;
	goto *adv(&ip, 2);
op_table_grow: {
	struct eng_table *t = inst->tables[FLD(3)];
	void *fillv = (void *)(uintptr_t)SLOT(1);

	SLOT(0) = (uint32_t)exec__table_grow(t, U32(2), fillv);
	goto *adv(&ip, 4);
}
op_table_fill: {
	struct eng_table *t = inst->tables[FLD(3)];
	uint64_t i = U32(0), n = U32(2), k;
	void *v = (void *)(uintptr_t)SLOT(1);

	if (!exec_in_bounds(i, n, t->size))
		goto trap_table;
	for (k = 0; k < n; k++)
		t->elems[i + k] = v;
	goto *adv(&ip, 4);
}
op_table_copy: {
	struct eng_table *td = inst->tables[FLD(3)], *ts = inst->tables[FLD(4)];
	uint64_t d = U32(0), src = U32(1), n = U32(2);

	if (!exec_in_bounds(d, n, td->size) || !exec_in_bounds(src, n, ts->size))
		goto trap_table;
	if (n)
		memmove(td->elems + d, ts->elems + src, n * sizeof(void *));
	goto *adv(&ip, 5);
}
op_table_init: {
	struct eng_table *t = inst->tables[FLD(3)];
	uint32_t seg = FLD(4);
	uint64_t d = U32(0), src = U32(1), n = U32(2);

	if (!exec_in_bounds(src, n, inst->elem_len[seg]) || !exec_in_bounds(d, n, t->size))
		goto trap_table;
	if (n)
		memcpy(t->elems + d, inst->elem_refs[seg] + src, n * sizeof(void *));
	goto *adv(&ip, 5);
}
op_elem_drop:
	inst->elem_len[FLD(0)] = 0;
	goto *adv(&ip, 1);
op_ref_func:
	SLOT(0) = (uint64_t)(uintptr_t)inst->funcs[FLD(1)];
	goto *adv(&ip, 2);

	/* ---- integer compares -------------------------------------------------- */
op_i32_eqz: SLOT(0) = acc = U32(1) == 0; goto *adv(&ip, 2);
op_i32_eq: SLOT(0) = acc = U32(1) == U32(2); goto *adv(&ip, 3);
op_i32_ne: SLOT(0) = acc = U32(1) != U32(2); goto *adv(&ip, 3);
op_i32_lt_s: SLOT(0) = acc = S32(1) < S32(2); goto *adv(&ip, 3);
op_i32_lt_u: SLOT(0) = acc = U32(1) < U32(2); goto *adv(&ip, 3);
op_i32_gt_s: SLOT(0) = acc = S32(1) > S32(2); goto *adv(&ip, 3);
op_i32_gt_u: SLOT(0) = acc = U32(1) > U32(2); goto *adv(&ip, 3);
op_i32_le_s: SLOT(0) = acc = S32(1) <= S32(2); goto *adv(&ip, 3);
op_i32_le_u: SLOT(0) = acc = U32(1) <= U32(2); goto *adv(&ip, 3);
op_i32_ge_s: SLOT(0) = acc = S32(1) >= S32(2); goto *adv(&ip, 3);
op_i32_ge_u: SLOT(0) = acc = U32(1) >= U32(2); goto *adv(&ip, 3);
op_i64_eqz: SLOT(0) = acc = U64(1) == 0; goto *adv(&ip, 2);
op_i64_eq: SLOT(0) = acc = U64(1) == U64(2); goto *adv(&ip, 3);
op_i64_ne: SLOT(0) = acc = U64(1) != U64(2); goto *adv(&ip, 3);
op_i64_lt_s: SLOT(0) = acc = S64(1) < S64(2); goto *adv(&ip, 3);
op_i64_lt_u: SLOT(0) = acc = U64(1) < U64(2); goto *adv(&ip, 3);
op_i64_gt_s: SLOT(0) = acc = S64(1) > S64(2); goto *adv(&ip, 3);
op_i64_gt_u: SLOT(0) = acc = U64(1) > U64(2); goto *adv(&ip, 3);
op_i64_le_s: SLOT(0) = acc = S64(1) <= S64(2); goto *adv(&ip, 3);
op_i64_le_u: SLOT(0) = acc = U64(1) <= U64(2); goto *adv(&ip, 3);
op_i64_ge_s: SLOT(0) = acc = S64(1) >= S64(2); goto *adv(&ip, 3);
op_i64_ge_u: SLOT(0) = acc = U64(1) >= U64(2); goto *adv(&ip, 3);

	/* ---- float compares ----------------------------------------------------- */
op_f32_eq: SLOT(0) = F32(1) == F32(2); goto *adv(&ip, 3);
op_f32_ne: SLOT(0) = F32(1) != F32(2); goto *adv(&ip, 3);
op_f32_lt: SLOT(0) = F32(1) < F32(2); goto *adv(&ip, 3);
op_f32_gt: SLOT(0) = F32(1) > F32(2); goto *adv(&ip, 3);
op_f32_le: SLOT(0) = F32(1) <= F32(2); goto *adv(&ip, 3);
op_f32_ge: SLOT(0) = F32(1) >= F32(2); goto *adv(&ip, 3);
op_f64_eq: SLOT(0) = F64(1) == F64(2); goto *adv(&ip, 3);
op_f64_ne: SLOT(0) = F64(1) != F64(2); goto *adv(&ip, 3);
op_f64_lt: SLOT(0) = F64(1) < F64(2); goto *adv(&ip, 3);
op_f64_gt: SLOT(0) = F64(1) > F64(2); goto *adv(&ip, 3);
op_f64_le: SLOT(0) = F64(1) <= F64(2); goto *adv(&ip, 3);
op_f64_ge: SLOT(0) = F64(1) >= F64(2); goto *adv(&ip, 3);

	/* Binary ops. Each leaves its result in acc as well as in its slot,
	 * and has an _acc variant (same fields) whose first operand a is acc,
	 * the previous instruction's result (docs/interpreter.md §3). b is the
	 * slot or immediate named by B; FBIN64 canonicalises the result. */
#define BIN32(name, B, nf, expr)                                                  \
	op_##name: { uint32_t a = U32(1), b = (B); SLOT(0) = acc = (uint32_t)(expr); goto *adv(&ip, nf); } \
	op_##name##_acc: { uint32_t a = (uint32_t)acc, b = (B); SLOT(0) = acc = (uint32_t)(expr); goto *adv(&ip, nf); }
#define BIN64(name, B, nf, expr)                                                  \
	op_##name: { uint64_t a = U64(1), b = (B); SLOT(0) = acc = (expr); goto *adv(&ip, nf); } \
	op_##name##_acc: { uint64_t a = acc, b = (B); SLOT(0) = acc = (expr); goto *adv(&ip, nf); }
#define FBIN64(name, B, nf, expr)                                                  \
	op_##name: { double a = F64(1), b = (B); SLOT(0) = acc = num_res64(expr, canon); goto *adv(&ip, nf); } \
	op_##name##_acc: { double a = num_f64(acc), b = (B); SLOT(0) = acc = num_res64(expr, canon); goto *adv(&ip, nf); }
	/* ---- i32 arithmetic ------------------------------------------------------- */
op_i32_clz: {
	uint32_t a = U32(1);

	SLOT(0) = a ? (uint32_t)__builtin_clz(a) : 32u;
	goto *adv(&ip, 2);
}
op_i32_ctz: {
	uint32_t a = U32(1);

	SLOT(0) = a ? (uint32_t)__builtin_ctz(a) : 32u;
	goto *adv(&ip, 2);
}
op_i32_popcnt: SLOT(0) = (uint32_t)__builtin_popcount(U32(1)); goto *adv(&ip, 2);
BIN32(i32_add, U32(2), 3, a + b)
BIN32(i32_sub, U32(2), 3, a - b)
BIN32(i32_rsub, U32(2), 3, b - a)
BIN32(i32_mul, U32(2), 3, a * b)
op_i32_div_s: {
	int32_t a = S32(1), b = S32(2);

	if (b == 0)
		goto trap_div;
	if (a == INT32_MIN && b == -1)
		goto trap_ovf;
	SLOT(0) = (uint32_t)(a / b);
	goto *adv(&ip, 3);
}
op_i32_div_u: {
	uint32_t a = U32(1), b = U32(2);

	if (b == 0)
		goto trap_div;
	SLOT(0) = a / b;
	goto *adv(&ip, 3);
}
op_i32_rem_s: {
	int32_t a = S32(1), b = S32(2);

	if (b == 0)
		goto trap_div;
	SLOT(0) = b == -1 ? 0u : (uint32_t)(a % b);
	goto *adv(&ip, 3);
}
op_i32_rem_u: {
	uint32_t a = U32(1), b = U32(2);

	if (b == 0)
		goto trap_div;
	SLOT(0) = a % b;
	goto *adv(&ip, 3);
}
BIN32(i32_and, U32(2), 3, a & b)
BIN32(i32_or, U32(2), 3, a | b)
BIN32(i32_xor, U32(2), 3, a ^ b)
BIN32(i32_shl, U32(2), 3, a << (b & 31))
BIN32(i32_shr_s, U32(2), 3, (int32_t)a >> (b & 31))
BIN32(i32_shr_u, U32(2), 3, a >> (b & 31))
BIN32(i32_rotl, U32(2), 3, num_rotl32(a, b))
BIN32(i32_rotr, U32(2), 3, num_rotr32(a, b))

	/* ---- i64 arithmetic ------------------------------------------------------- */
op_i64_clz: {
	uint64_t a = U64(1);

	SLOT(0) = a ? (uint64_t)__builtin_clzll(a) : 64u;
	goto *adv(&ip, 2);
}
op_i64_ctz: {
	uint64_t a = U64(1);

	SLOT(0) = a ? (uint64_t)__builtin_ctzll(a) : 64u;
	goto *adv(&ip, 2);
}
op_i64_popcnt: SLOT(0) = (uint64_t)__builtin_popcountll(U64(1)); goto *adv(&ip, 2);
BIN64(i64_add, U64(2), 3, a + b)
BIN64(i64_sub, U64(2), 3, a - b)
BIN64(i64_rsub, U64(2), 3, b - a)
BIN64(i64_mul, U64(2), 3, a * b)
op_i64_div_s: {
	int64_t a = S64(1), b = S64(2);

	if (b == 0)
		goto trap_div;
	if (a == INT64_MIN && b == -1)
		goto trap_ovf;
	SLOT(0) = (uint64_t)(a / b);
	goto *adv(&ip, 3);
}
op_i64_div_u: {
	uint64_t a = U64(1), b = U64(2);

	if (b == 0)
		goto trap_div;
	SLOT(0) = a / b;
	goto *adv(&ip, 3);
}
op_i64_rem_s: {
	int64_t a = S64(1), b = S64(2);

	if (b == 0)
		goto trap_div;
	SLOT(0) = b == -1 ? 0u : (uint64_t)(a % b);
	goto *adv(&ip, 3);
}
op_i64_rem_u: {
	uint64_t a = U64(1), b = U64(2);

	if (b == 0)
		goto trap_div;
	SLOT(0) = a % b;
	goto *adv(&ip, 3);
}
BIN64(i64_and, U64(2), 3, a & b)
BIN64(i64_or, U64(2), 3, a | b)
BIN64(i64_xor, U64(2), 3, a ^ b)
BIN64(i64_shl, U64(2), 3, a << (b & 63))
BIN64(i64_shr_s, U64(2), 3, (uint64_t)((int64_t)a >> (b & 63)))
BIN64(i64_shr_u, U64(2), 3, a >> (b & 63))
BIN64(i64_rotl, U64(2), 3, num_rotl64(a, b))
BIN64(i64_rotr, U64(2), 3, num_rotr64(a, b))

	/* ---- f32 arithmetic --------------------------------------------------------- */
op_f32_abs: SLOT(0) = U32(1) & 0x7fffffffu; goto *adv(&ip, 2);
op_f32_neg: SLOT(0) = U32(1) ^ 0x80000000u; goto *adv(&ip, 2);
op_f32_ceil: SLOT(0) = num_res32(num_ceilf(F32(1)), canon); goto *adv(&ip, 2);
op_f32_floor: SLOT(0) = num_res32(num_floorf(F32(1)), canon); goto *adv(&ip, 2);
op_f32_trunc: SLOT(0) = num_res32(num_truncf(F32(1)), canon); goto *adv(&ip, 2);
op_f32_nearest: SLOT(0) = num_res32(num_nearestf(F32(1)), canon); goto *adv(&ip, 2);
op_f32_sqrt: SLOT(0) = num_res32(num_sqrtf(F32(1)), canon); goto *adv(&ip, 2);
op_f32_add: SLOT(0) = num_res32(F32(1) + F32(2), canon); goto *adv(&ip, 3);
op_f32_sub: SLOT(0) = num_res32(F32(1) - F32(2), canon); goto *adv(&ip, 3);
op_f32_mul: SLOT(0) = num_res32(F32(1) * F32(2), canon); goto *adv(&ip, 3);
op_f32_div: SLOT(0) = num_res32(F32(1) / F32(2), canon); goto *adv(&ip, 3);
op_f32_min: SLOT(0) = num_res32(num_fminf(F32(1), F32(2)), canon); goto *adv(&ip, 3);
op_f32_max: SLOT(0) = num_res32(num_fmaxf(F32(1), F32(2)), canon); goto *adv(&ip, 3);
op_f32_copysign:
	SLOT(0) = (U32(1) & 0x7fffffffu) | (U32(2) & 0x80000000u);
	goto *adv(&ip, 3);

	/* ---- f64 arithmetic --------------------------------------------------------- */
op_f64_abs: SLOT(0) = U64(1) & ~(UINT64_C(1) << 63); goto *adv(&ip, 2);
op_f64_neg: SLOT(0) = U64(1) ^ (UINT64_C(1) << 63); goto *adv(&ip, 2);
op_f64_ceil: SLOT(0) = num_res64(num_ceil(F64(1)), canon); goto *adv(&ip, 2);
op_f64_floor: SLOT(0) = num_res64(num_floor(F64(1)), canon); goto *adv(&ip, 2);
op_f64_trunc: SLOT(0) = num_res64(num_trunc(F64(1)), canon); goto *adv(&ip, 2);
op_f64_nearest: SLOT(0) = num_res64(num_nearest(F64(1)), canon); goto *adv(&ip, 2);
op_f64_sqrt: SLOT(0) = num_res64(num_sqrt(F64(1)), canon); goto *adv(&ip, 2);
FBIN64(f64_add, F64(2), 3, a + b)
FBIN64(f64_sub, F64(2), 3, a - b)
FBIN64(f64_mul, F64(2), 3, a * b)
FBIN64(f64_div, F64(2), 3, a / b)
FBIN64(f64_rsub, F64(2), 3, b - a)
FBIN64(f64_rdiv, F64(2), 3, b / a)
op_f64_min: SLOT(0) = num_res64(num_fmin(F64(1), F64(2)), canon); goto *adv(&ip, 3);
op_f64_max: SLOT(0) = num_res64(num_fmax(F64(1), F64(2)), canon); goto *adv(&ip, 3);
op_f64_copysign:
	SLOT(0) = (U64(1) & ~(UINT64_C(1) << 63)) | (U64(2) & (UINT64_C(1) << 63));
	goto *adv(&ip, 3);

	/* ---- conversions ------------------------------------------------------------- */
op_i32_wrap_i64: SLOT(0) = (uint32_t)U64(1); goto *adv(&ip, 2);
op_i32_trunc_f32_s: {
	float v = F32(1);

	if (v != v)
		goto trap_conv;
	if (!num_fits_i32_f32(v))
		goto trap_ovf;
	SLOT(0) = (uint32_t)(int32_t)v;
	goto *adv(&ip, 2);
}
op_i32_trunc_f32_u: {
	float v = F32(1);

	if (v != v)
		goto trap_conv;
	if (!num_fits_u32_f32(v))
		goto trap_ovf;
	SLOT(0) = (uint32_t)v;
	goto *adv(&ip, 2);
}
op_i32_trunc_f64_s: {
	double v = F64(1);

	if (v != v)
		goto trap_conv;
	if (!num_fits_i32_f64(v))
		goto trap_ovf;
	SLOT(0) = (uint32_t)(int32_t)v;
	goto *adv(&ip, 2);
}
op_i32_trunc_f64_u: {
	double v = F64(1);

	if (v != v)
		goto trap_conv;
	if (!num_fits_u32_f64(v))
		goto trap_ovf;
	SLOT(0) = (uint32_t)v;
	goto *adv(&ip, 2);
}
op_i64_extend_i32_s: SLOT(0) = (uint64_t)(int64_t)S32(1); goto *adv(&ip, 2);
op_i64_trunc_f32_s: {
	float v = F32(1);

	if (v != v)
		goto trap_conv;
	if (!num_fits_i64_f32(v))
		goto trap_ovf;
	SLOT(0) = (uint64_t)(int64_t)v;
	goto *adv(&ip, 2);
}
op_i64_trunc_f32_u: {
	float v = F32(1);

	if (v != v)
		goto trap_conv;
	if (!num_fits_u64_f32(v))
		goto trap_ovf;
	SLOT(0) = (uint64_t)v;
	goto *adv(&ip, 2);
}
op_i64_trunc_f64_s: {
	double v = F64(1);

	if (v != v)
		goto trap_conv;
	if (!num_fits_i64_f64(v))
		goto trap_ovf;
	SLOT(0) = (uint64_t)(int64_t)v;
	goto *adv(&ip, 2);
}
op_i64_trunc_f64_u: {
	double v = F64(1);

	if (v != v)
		goto trap_conv;
	if (!num_fits_u64_f64(v))
		goto trap_ovf;
	SLOT(0) = (uint64_t)v;
	goto *adv(&ip, 2);
}
op_f32_convert_i32_s: SLOT(0) = num_bits32((float)S32(1)); goto *adv(&ip, 2);
op_f32_convert_i32_u: SLOT(0) = num_bits32((float)U32(1)); goto *adv(&ip, 2);
op_f32_convert_i64_s: SLOT(0) = num_bits32((float)S64(1)); goto *adv(&ip, 2);
op_f32_convert_i64_u: SLOT(0) = num_bits32((float)U64(1)); goto *adv(&ip, 2);
op_f32_demote_f64: SLOT(0) = num_res32((float)F64(1), canon); goto *adv(&ip, 2);
op_f64_convert_i32_s: SLOT(0) = num_bits64((double)S32(1)); goto *adv(&ip, 2);
op_f64_convert_i32_u: SLOT(0) = num_bits64((double)U32(1)); goto *adv(&ip, 2);
op_f64_convert_i64_s: SLOT(0) = num_bits64((double)S64(1)); goto *adv(&ip, 2);
op_f64_convert_i64_u: SLOT(0) = num_bits64((double)U64(1)); goto *adv(&ip, 2);
op_f64_promote_f32: SLOT(0) = num_res64((double)F32(1), canon); goto *adv(&ip, 2);
op_i32_extend8_s: SLOT(0) = (uint32_t)(int32_t)(int8_t)U32(1); goto *adv(&ip, 2);
op_i32_extend16_s: SLOT(0) = (uint32_t)(int32_t)(int16_t)U32(1); goto *adv(&ip, 2);
op_i64_extend8_s: SLOT(0) = (uint64_t)(int64_t)(int8_t)U64(1); goto *adv(&ip, 2);
op_i64_extend16_s: SLOT(0) = (uint64_t)(int64_t)(int16_t)U64(1); goto *adv(&ip, 2);
op_i64_extend32_s: SLOT(0) = (uint64_t)(int64_t)(int32_t)U64(1); goto *adv(&ip, 2);
op_i32_trunc_sat_f32_s: SLOT(0) = num_sat_i32_f32(F32(1)); goto *adv(&ip, 2);
op_i32_trunc_sat_f32_u: SLOT(0) = num_sat_u32_f32(F32(1)); goto *adv(&ip, 2);
op_i32_trunc_sat_f64_s: SLOT(0) = num_sat_i32_f64(F64(1)); goto *adv(&ip, 2);
op_i32_trunc_sat_f64_u: SLOT(0) = num_sat_u32_f64(F64(1)); goto *adv(&ip, 2);
op_i64_trunc_sat_f32_s: SLOT(0) = num_sat_i64_f32(F32(1)); goto *adv(&ip, 2);
op_i64_trunc_sat_f32_u: SLOT(0) = num_sat_u64_f32(F32(1)); goto *adv(&ip, 2);
op_i64_trunc_sat_f64_s: SLOT(0) = num_sat_i64_f64(F64(1)); goto *adv(&ip, 2);
op_i64_trunc_sat_f64_u: SLOT(0) = num_sat_u64_f64(F64(1)); goto *adv(&ip, 2);

	/* ---- immediate right operand: dst, a, imm -------------------------------- */
BIN32(i32_add_i, FLD(2), 3, a + b)
BIN32(i32_sub_i, FLD(2), 3, a - b)
BIN32(i32_mul_i, FLD(2), 3, a * b)
BIN32(i32_and_i, FLD(2), 3, a & b)
BIN32(i32_or_i, FLD(2), 3, a | b)
BIN32(i32_xor_i, FLD(2), 3, a ^ b)
BIN32(i32_shl_i, FLD(2), 3, a << (b & 31))
BIN32(i32_shr_s_i, FLD(2), 3, (int32_t)a >> (b & 31))
BIN32(i32_shr_u_i, FLD(2), 3, a >> (b & 31))
BIN32(i32_rotl_i, FLD(2), 3, num_rotl32(a, b))
BIN32(i32_rotr_i, FLD(2), 3, num_rotr32(a, b))
op_i32_eq_i: SLOT(0) = acc = U32(1) == FLD(2); goto *adv(&ip, 3);
op_i32_ne_i: SLOT(0) = acc = U32(1) != FLD(2); goto *adv(&ip, 3);
op_i32_lt_s_i: SLOT(0) = acc = S32(1) < (int32_t)FLD(2); goto *adv(&ip, 3);
op_i32_lt_u_i: SLOT(0) = acc = U32(1) < FLD(2); goto *adv(&ip, 3);
op_i32_gt_s_i: SLOT(0) = acc = S32(1) > (int32_t)FLD(2); goto *adv(&ip, 3);
op_i32_gt_u_i: SLOT(0) = acc = U32(1) > FLD(2); goto *adv(&ip, 3);
op_i32_le_s_i: SLOT(0) = acc = S32(1) <= (int32_t)FLD(2); goto *adv(&ip, 3);
op_i32_le_u_i: SLOT(0) = acc = U32(1) <= FLD(2); goto *adv(&ip, 3);
op_i32_ge_s_i: SLOT(0) = acc = S32(1) >= (int32_t)FLD(2); goto *adv(&ip, 3);
op_i32_ge_u_i: SLOT(0) = acc = U32(1) >= FLD(2); goto *adv(&ip, 3);
BIN64(i64_add_i, IMM64(2), 4, a + b)
BIN64(i64_sub_i, IMM64(2), 4, a - b)
BIN64(i64_mul_i, IMM64(2), 4, a * b)
BIN64(i64_and_i, IMM64(2), 4, a & b)
BIN64(i64_or_i, IMM64(2), 4, a | b)
BIN64(i64_xor_i, IMM64(2), 4, a ^ b)
BIN64(i64_shl_i, IMM64(2), 4, a << (b & 63))
BIN64(i64_shr_s_i, IMM64(2), 4, (uint64_t)((int64_t)a >> (b & 63)))
BIN64(i64_shr_u_i, IMM64(2), 4, a >> (b & 63))
BIN64(i64_rotl_i, IMM64(2), 4, num_rotl64(a, b))
BIN64(i64_rotr_i, IMM64(2), 4, num_rotr64(a, b))
BIN32(i32_rsub_i, FLD(2), 3, b - a)
BIN64(i64_rsub_i, IMM64(2), 4, b - a)
op_i64_eq_i: SLOT(0) = acc = U64(1) == IMM64(2); goto *adv(&ip, 4);
op_i64_ne_i: SLOT(0) = acc = U64(1) != IMM64(2); goto *adv(&ip, 4);
op_i64_lt_s_i: SLOT(0) = acc = S64(1) < (int64_t)IMM64(2); goto *adv(&ip, 4);
op_i64_lt_u_i: SLOT(0) = acc = U64(1) < IMM64(2); goto *adv(&ip, 4);
op_i64_gt_s_i: SLOT(0) = acc = S64(1) > (int64_t)IMM64(2); goto *adv(&ip, 4);
op_i64_gt_u_i: SLOT(0) = acc = U64(1) > IMM64(2); goto *adv(&ip, 4);
op_i64_le_s_i: SLOT(0) = acc = S64(1) <= (int64_t)IMM64(2); goto *adv(&ip, 4);
op_i64_le_u_i: SLOT(0) = acc = U64(1) <= IMM64(2); goto *adv(&ip, 4);
op_i64_ge_s_i: SLOT(0) = acc = S64(1) >= (int64_t)IMM64(2); goto *adv(&ip, 4);
op_i64_ge_u_i: SLOT(0) = acc = U64(1) >= IMM64(2); goto *adv(&ip, 4);
#define F32I num_f32(FLD(2))
#define F64I num_f64(IMM64(2))
op_f32_add_i: SLOT(0) = num_res32(F32(1) + F32I, canon); goto *adv(&ip, 3);
op_f32_sub_i: SLOT(0) = num_res32(F32(1) - F32I, canon); goto *adv(&ip, 3);
op_f32_mul_i: SLOT(0) = num_res32(F32(1) * F32I, canon); goto *adv(&ip, 3);
op_f32_div_i: SLOT(0) = num_res32(F32(1) / F32I, canon); goto *adv(&ip, 3);
op_f32_add_ri: SLOT(0) = num_res32(F32I + F32(1), canon); goto *adv(&ip, 3);
op_f32_sub_ri: SLOT(0) = num_res32(F32I - F32(1), canon); goto *adv(&ip, 3);
op_f32_mul_ri: SLOT(0) = num_res32(F32I * F32(1), canon); goto *adv(&ip, 3);
op_f32_div_ri: SLOT(0) = num_res32(F32I / F32(1), canon); goto *adv(&ip, 3);
FBIN64(f64_add_i, F64I, 4, a + b)
FBIN64(f64_sub_i, F64I, 4, a - b)
FBIN64(f64_mul_i, F64I, 4, a * b)
FBIN64(f64_div_i, F64I, 4, a / b)
FBIN64(f64_add_ri, F64I, 4, b + a)
FBIN64(f64_sub_ri, F64I, 4, b - a)
FBIN64(f64_mul_ri, F64I, 4, b * a)
FBIN64(f64_div_ri, F64I, 4, b / a)
#undef F32I
#undef F64I
#undef BIN32
#undef BIN64
#undef FBIN64

	/* ---- fused compare-and-branch: a, b|imm, displacement ------------------------ */
#define BR_IF(cond, nf)                                                         \
	ip = (cond) ? jump(FPTR((nf) - 1)) : ip + sizeof(void *) + 4u * (nf)
op_bri32_eq: BR_IF(U32(0) == U32(1), 3); goto *handler_at(ip);
op_bri32_ne: BR_IF(U32(0) != U32(1), 3); goto *handler_at(ip);
op_bri32_lt_s: BR_IF(S32(0) < S32(1), 3); goto *handler_at(ip);
op_bri32_lt_u: BR_IF(U32(0) < U32(1), 3); goto *handler_at(ip);
op_bri32_gt_s: BR_IF(S32(0) > S32(1), 3); goto *handler_at(ip);
op_bri32_gt_u: BR_IF(U32(0) > U32(1), 3); goto *handler_at(ip);
op_bri32_le_s: BR_IF(S32(0) <= S32(1), 3); goto *handler_at(ip);
op_bri32_le_u: BR_IF(U32(0) <= U32(1), 3); goto *handler_at(ip);
op_bri32_ge_s: BR_IF(S32(0) >= S32(1), 3); goto *handler_at(ip);
op_bri32_ge_u: BR_IF(U32(0) >= U32(1), 3); goto *handler_at(ip);
op_bri32_eq_i: BR_IF(U32(0) == FLD(1), 3); goto *handler_at(ip);
op_bri32_ne_i: BR_IF(U32(0) != FLD(1), 3); goto *handler_at(ip);
op_bri32_lt_s_i: BR_IF(S32(0) < (int32_t)FLD(1), 3); goto *handler_at(ip);
op_bri32_lt_u_i: BR_IF(U32(0) < FLD(1), 3); goto *handler_at(ip);
op_bri32_gt_s_i: BR_IF(S32(0) > (int32_t)FLD(1), 3); goto *handler_at(ip);
op_bri32_gt_u_i: BR_IF(U32(0) > FLD(1), 3); goto *handler_at(ip);
op_bri32_le_s_i: BR_IF(S32(0) <= (int32_t)FLD(1), 3); goto *handler_at(ip);
op_bri32_le_u_i: BR_IF(U32(0) <= FLD(1), 3); goto *handler_at(ip);
op_bri32_ge_s_i: BR_IF(S32(0) >= (int32_t)FLD(1), 3); goto *handler_at(ip);
op_bri32_ge_u_i: BR_IF(U32(0) >= FLD(1), 3); goto *handler_at(ip);
op_bri64_eqz: BR_IF(U64(0) == 0, 2); goto *handler_at(ip);
op_bri64_nez: BR_IF(U64(0) != 0, 2); goto *handler_at(ip);
	/* Branch on the previous instruction's i32 result (acc): c|imm, mask,
	 * displacement (cond_holds). */
op_br_acc: BR_IF(cond_holds((uint32_t)acc, U32(0), FLD(1)), 3); goto *handler_at(ip);
op_br_acc_i: BR_IF(cond_holds((uint32_t)acc, FLD(0), FLD(1)), 3); goto *handler_at(ip);
	/* i32.add then a branch on the sum: d, a, b|imm, c|imm, mask, displacement.
	 * The sum is stored first (c may be d itself). */
#define ADD_BR(name, B, C)                                                      \
	op_##name: ADD_BR_BODY(U32(1), B, C)                                    \
	op_##name##_acc: ADD_BR_BODY((uint32_t)acc, B, C)
#define ADD_BR_BODY(a, B, C)                                                    \
	{                                                                       \
		uint32_t v = (a) + (B);                                         \
                                                                                \
		SLOT(0) = acc = v;                                              \
		BR_IF(cond_holds(v, (C), FLD(4)), 6);                           \
		goto *handler_at(ip);                                           \
	}
ADD_BR(i32_add_br, U32(2), U32(3))
ADD_BR(i32_add_br_i, U32(2), FLD(3))
ADD_BR(i32_add_i_br, FLD(2), U32(3))
ADD_BR(i32_add_i_br_i, FLD(2), FLD(3))
#undef ADD_BR
#undef ADD_BR_BODY
	/* A load, then a branch on the value: d, address, c|imm, mask, displacement.
	 * The value is stored first (c may be d itself); _acc: the address
	 * slot is acc. */
#define LD_BR_BODY(a, width, c)                                                 \
	{                                                                       \
		uint64_t ea = (uint64_t)(uint32_t)((a) + FLD(2)) + FLD(3);      \
		uint32_t v = 0;                                                 \
                                                                                \
		if (ea + (width) > msize)                                       \
			goto trap_mem;                                          \
		memcpy(&v, mem + ea, (width));                                  \
		SLOT(0) = acc = v;                                              \
		BR_IF(cond_holds(v, (c), FLD(5)), 7);                           \
		goto *handler_at(ip);                                           \
	}
#define LD_BR(name, width, c)                                                   \
	op_##name: LD_BR_BODY(U32(1), width, c)                                 \
	op_##name##_acc: LD_BR_BODY((uint32_t)acc, width, c)
LD_BR(ld32u_br, 4, U32(4))
LD_BR(ld32u_br_i, 4, FLD(4))
LD_BR(ld8u_br, 1, U32(4))
LD_BR(ld8u_br_i, 1, FLD(4))
#undef LD_BR_BODY
#undef LD_BR

	/* Binary ops with a loaded operand: dst, x, address. M32/M64 load the
	 * operand m (zero-extended) as the plain load would, then compute. */
#define M32_BODY(x, expr)                                                       \
	{                                                                       \
		uint64_t ea = EA(2), xv = (x);                                  \
		uint32_t m;                                                     \
                                                                                \
		if (ea + 4 > msize)                                             \
			goto trap_mem;                                          \
		memcpy(&m, mem + ea, 4);                                        \
		SLOT(0) = acc = (expr);                                         \
		goto *adv(&ip, 5);                                              \
	}
#define M64_BODY(x, expr)                                                       \
	{                                                                       \
		uint64_t ea = EA(2), xv = (x), m;                               \
                                                                                \
		if (ea + 8 > msize)                                             \
			goto trap_mem;                                          \
		memcpy(&m, mem + ea, 8);                                        \
		SLOT(0) = acc = (expr);                                         \
		goto *adv(&ip, 5);                                              \
	}
#define M32(name, expr) op_##name: M32_BODY(SLOT(1), expr) op_##name##_acc: M32_BODY(acc, expr)
#define M64(name, expr) op_##name: M64_BODY(SLOT(1), expr) op_##name##_acc: M64_BODY(acc, expr)
M32(i32_add_m, (uint32_t)((uint32_t)xv + m))
M32(i32_sub_m, (uint32_t)((uint32_t)xv - m))
M32(i32_rsub_m, (uint32_t)(m - (uint32_t)xv))
M32(i32_and_m, (uint32_t)xv & m)
M32(i32_or_m, (uint32_t)xv | m)
M32(i32_xor_m, (uint32_t)xv ^ m)
M32(i64_add_m32, xv + m)
M32(i64_mul_m32, xv * m)
M64(i64_add_m, xv + m)
M64(i64_mul_m, xv * m)
M64(f64_add_m, num_res64(num_f64(xv) + num_f64(m), canon))
M64(f64_radd_m, num_res64(num_f64(m) + num_f64(xv), canon))
M64(f64_sub_m, num_res64(num_f64(xv) - num_f64(m), canon))
M64(f64_rsub_m, num_res64(num_f64(m) - num_f64(xv), canon))
M64(f64_mul_m, num_res64(num_f64(xv) * num_f64(m), canon))
M64(f64_rmul_m, num_res64(num_f64(m) * num_f64(xv), canon))
#undef M32_BODY
#undef M64_BODY
#undef M32
#undef M64
#undef EA
#undef BR_IF

	/* ---- traps ---------------------------------------------------------------------- */
trap_mem:
	trap = ENG_TRAP_MEMORY_OOB;
	goto trap;
trap_table:
	trap = ENG_TRAP_TABLE_OOB;
	goto trap;
trap_div:
	trap = ENG_TRAP_DIV_ZERO;
	goto trap;
trap_ovf:
	trap = ENG_TRAP_INT_OVERFLOW;
	goto trap;
trap_conv:
	trap = ENG_TRAP_INVALID_CONVERSION;
	goto trap;
trap:
	/* exec__run restores the depth and the logical stack counter. */
	return trap;
}

const void *const *exec__handlers(void)
{
	if (!handler_table)
		interp(NULL, NULL, NULL, true);
	return handler_table;
}

enum eng_trap exec__run(struct eng_store *s, struct eng_func *f, uint8_t *base)
{
	uint32_t depth = s->depth;
	uint64_t sl = s->sl_counter;
	uint8_t *top = s->stack_top;
	enum eng_trap trap;

	trap = interp(s, f, base, false);
	if (trap != ENG_TRAP_NONE) {
		s->depth = depth;
		s->sl_counter = sl;
	}
	s->stack_top = top;
	return trap;
}

/* ---- calls from the embedder ------------------------------------------------------------ */

static uint64_t val_to_slot(const struct eng_val *v)
{
	switch (v->type) {
	case ENG_I32: return v->of.i32;
	case ENG_F32: return v->of.f32;
	case ENG_I64: return v->of.i64;
	case ENG_F64: return v->of.f64;
	case ENG_FUNCREF:
	case ENG_EXTERNREF: return (uint64_t)(uintptr_t)v->of.ref;
	case ENG_V128:
	default: return 0;
	}
}

static struct eng_val slot_to_val(uint8_t type, uint64_t slot)
{
	struct eng_val v;

	memset(&v, 0, sizeof(v));
	v.type = (enum eng_valtype)type;
	switch (type) {
	case ENG_I32: v.of.i32 = (uint32_t)slot; break;
	case ENG_F32: v.of.f32 = (uint32_t)slot; break;
	case ENG_I64: v.of.i64 = slot; break;
	case ENG_F64: v.of.f64 = slot; break;
	case ENG_FUNCREF:
	case ENG_EXTERNREF: v.of.ref = (void *)(uintptr_t)slot; break;
	default: break;
	}
	return v;
}

enum eng_status exec__call_error(struct eng_store *s, enum eng_trap trap, struct eng_error *err)
{
	enum eng_status st;

	if (trap == ENG_TRAP_HOST && s->host_msg_set)
		st = eng__error(err, ENG_ERR_TRAP, UINT32_MAX, "%s", s->host_msg);
	else
		st = eng__error(err, ENG_ERR_TRAP, UINT32_MAX, "%s", eng_trap_name(trap));
	if (err)
		err->trap = trap;
	return st;
}

enum eng_status eng_func_call(struct eng_store *s, struct eng_func *f,
			      const struct eng_val *args, uint32_t nargs,
			      struct eng_val *results, uint32_t nresults,
			      struct eng_error *err)
{
	const struct eng__functype *t = f->ft;
	uint64_t *slots;
	uint32_t i, nslots;
	enum eng_trap trap;
	uint8_t *top;

	if (f->store != s)
		return eng__error(err, ENG_ERR_ARGS, UINT32_MAX, "function of another store");
	if (nargs != t->nparams || nresults != t->nresults)
		return eng__error(err, ENG_ERR_ARGS, UINT32_MAX,
				  "wrong number of arguments or results");
	for (i = 0; i < nargs; i++)
		if ((uint8_t)args[i].type != t->types[i])
			return eng__error(err, ENG_ERR_ARGS, UINT32_MAX,
					  "argument %u has the wrong type", i);
	trap = exec__stack_ensure(s);
	if (trap != ENG_TRAP_NONE)
		return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
	top = s->stack_top;
	slots = (uint64_t *)(void *)top;
	nslots = t->nparams + t->nresults;
	if ((size_t)nslots * 8 > (size_t)(s->stack_end - top))
		return exec__call_error(s, ENG_TRAP_CALL_STACK_EXHAUSTED, err);
	for (i = 0; i < nargs; i++)
		slots[i] = val_to_slot(&args[i]);
	if (f->is_host) {
		struct eng_host_call hc = {s, NULL};

		s->stack_top = top + (size_t)nslots * 8;
		s->host_msg_set = false;
		trap = f->fn(&hc, f->user, slots, slots + t->nparams);
		s->stack_top = top;
		if (trap == ENG_TRAP_NONE)
			memmove(slots, slots + t->nparams, t->nresults * 8u);
	} else if (f->ncode) {
		trap = nat__run(s, f, top);
	} else {
		trap = exec__run(s, f, top);
	}
	if (trap != ENG_TRAP_NONE)
		return exec__call_error(s, trap, err);
	for (i = 0; i < nresults; i++)
		results[i] = slot_to_val(t->types[t->nparams + i], slots[i]);
	return ENG_OK;
}
