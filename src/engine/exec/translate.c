/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Translation of validated Wasm function bodies into the interpreter's
 * register form (docs/interpreter.md §2).
 *
 * The translator walks the bytecode once, keeping a virtual operand stack.
 * Operand stack position h has a "home" slot in the frame (after params and
 * locals). A virtual entry is either in its home (TEMP), an alias of a local
 * (LOCAL), or a constant not yet written anywhere (CONST); instructions read
 * their operands wherever they are, so `local.get; i32.const; i32.add` becomes
 * one `i32_add_i dst, local, imm`. Lazy entries are written to their homes
 * ("materialised") whenever a merge point needs a fixed layout: block entry,
 * branches, calls, and before the aliased local is overwritten.
 *
 * An i32 entry may also carry a pending addend: its value is (the local or its
 * home) + add, wrapping at 32 bits. `i32.add`/`i32.sub` of a constant only
 * changes the addend; loads and stores take it as part of the address (their
 * effective address is `(u32)(addr + add) + offset`), anything else writes
 * the sum first.
 *
 * Invariant: entries below the innermost control frame's height are TEMP
 * with no addend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

enum vkind { V_TEMP, V_LOCAL, V_CONST };

struct vent {
	uint8_t kind;
	uint32_t local_off;   /* V_LOCAL: frame offset of the local */
	uint32_t add;         /* V_LOCAL, V_TEMP (i32 only): pending addend */
	uint64_t value;       /* V_CONST: slot bits */
};

enum cf_kind { CF_FUNC, CF_BLOCK, CF_LOOP, CF_IF };

struct cframe {
	uint8_t kind;
	bool dead;             /* rest of this frame is unreachable */
	bool else_pending;     /* CF_IF: else_field still to be patched */
	uint32_t height;       /* operand height below the block's params */
	uint32_t nparams;
	uint32_t nresults;
	uint32_t loop_pos;     /* CF_LOOP: code offset of the body */
	uint32_t patches;      /* list of fields jumping to the end (1-based) */
	uint32_t else_field;   /* CF_IF: field of the jump to the else arm */
};

struct patch {
	uint32_t field;
	uint32_t next;
};

struct xl {
	struct eng_module *m;
	struct xfunc *xf;
	const void *const *h;
	const uint8_t *p;
	const uint8_t *end;
	struct buf code;
	uint32_t nlocals_all;

	struct vent *vs;
	uint32_t vh, vcap, max_h;
	struct vent scratch;   /* what push() returns after an allocation failure */
	uint32_t lazy_lo;      /* entries below this index are TEMP */

	struct cframe *cs;
	uint32_t cn, ccap;

	struct patch *pt;
	uint32_t npt, ptcap;

	/* The last emitted instruction, if it wrote its result to the home of
	 * stack entry last_h through the field at last_dst (patchable). */
	/* An i32_add_i retargeted to a local (a candidate for i32_add_i2). */
	size_t pair_start;
	size_t pair_end;
	bool pair_ok;
	/* The last copy instruction (a candidate for copy2). */
	size_t copy_start;
	bool copy_ok;

	/* Until the first label, code runs straight from the function's entry,
	 * where declared locals are zero: bit k set = declared local k (k < 64)
	 * has not been written yet, so setting it to 0 changes nothing. */
	bool straight;
	uint64_t zero_locals;

	/* The last instructions emitted (hist, oldest first; deep enough that
	 * rewriting the last two leaves two known), the last two of them as
	 * ins[0], ins[1] (the most recent, nins of them valid), and the
	 * position of the last label: an instruction may be merged with the one
	 * before it only if no label lies between them. */
	struct ins { size_t start; enum xop op; } hist[4], ins[2];
	uint32_t nhist, nins;
	size_t label_pos;

	size_t last_start;
	size_t last_end;
	uint32_t last_dst;
	uint32_t last_h;
	enum xop last_op;
	bool last_ok;

	bool fail;
	enum eng_status st;
	char msg[96];
};

static void fail(struct xl *x, enum eng_status st, const char *msg)
{
	if (x->fail)
		return;
	x->fail = true;
	x->st = st;
	snprintf(x->msg, sizeof(x->msg), "%s", msg);
}

/* ---- reading the bytecode --------------------------------------------- */

static uint8_t rd_byte(struct xl *x)
{
	if (x->p >= x->end) {
		fail(x, ENG_ERR_MALFORMED, "unexpected end of function body");
		return OP_END;
	}
	return *x->p++;
}

static uint64_t rd_uleb(struct xl *x, unsigned maxbits)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = rd_byte(x);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while ((b & 0x80) && !x->fail && shift < maxbits + 7);
	return v;
}

static int64_t rd_sleb(struct xl *x, unsigned maxbits)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = rd_byte(x);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while ((b & 0x80) && !x->fail && shift < maxbits + 7);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

static uint32_t rd_u32(struct xl *x)
{
	return (uint32_t)rd_uleb(x, 32);
}

static uint64_t rd_fixed(struct xl *x, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)rd_byte(x) << (8 * i);
	return v;
}

/* Skips the immediates of opcode op (already read). */
static void skip_imm(struct xl *x, uint8_t op)
{
	uint32_t n, sub;

	switch (op) {
	case OP_BLOCK: case OP_LOOP: case OP_IF:
		rd_sleb(x, 33);
		break;
	case OP_BR: case OP_BR_IF: case OP_CALL: case OP_LOCAL_GET: case OP_LOCAL_SET:
	case OP_LOCAL_TEE: case OP_GLOBAL_GET: case OP_GLOBAL_SET: case OP_TABLE_GET:
	case OP_TABLE_SET: case OP_REF_FUNC:
		rd_u32(x);
		break;
	case OP_BR_TABLE:
		n = rd_u32(x);
		while (n-- > 0 && !x->fail)
			rd_u32(x);
		rd_u32(x);
		break;
	case OP_CALL_INDIRECT:
		rd_u32(x);
		rd_u32(x);
		break;
	case OP_SELECT_T:
		n = rd_u32(x);
		while (n-- > 0 && !x->fail)
			rd_byte(x);
		break;
	case OP_I32_CONST:
		rd_sleb(x, 32);
		break;
	case OP_I64_CONST:
		rd_sleb(x, 64);
		break;
	case OP_F32_CONST:
		rd_fixed(x, 4);
		break;
	case OP_F64_CONST:
		rd_fixed(x, 8);
		break;
	case OP_REF_NULL:
		rd_byte(x);
		break;
	case 0x3f: case 0x40:
		rd_byte(x);
		break;
	case OP_PREFIX_FC:
		sub = rd_u32(x);
		switch (sub) {
		case 8: rd_u32(x); rd_byte(x); break;       /* memory.init */
		case 9: rd_u32(x); break;                    /* data.drop */
		case 10: rd_byte(x); rd_byte(x); break;      /* memory.copy */
		case 11: rd_byte(x); break;                  /* memory.fill */
		case 12: case 14: rd_u32(x); rd_u32(x); break; /* table.init/copy */
		case 13: case 15: case 16: case 17: rd_u32(x); break;
		default: break;
		}
		break;
	default:
		if (op >= 0x28 && op <= 0x3e) {   /* memarg */
			rd_u32(x);
			rd_u32(x);
		}
		break;
	}
}

/* Skips unreachable code up to (not including) the else/end that closes the
 * current frame. */
static void skip_dead(struct xl *x)
{
	uint32_t depth = 0;
	uint8_t op;

	while (!x->fail) {
		op = rd_byte(x);
		if (op == OP_BLOCK || op == OP_LOOP || op == OP_IF) {
			depth++;
		} else if (op == OP_END || op == OP_ELSE) {
			if (depth == 0) {
				x->p--;
				return;
			}
			if (op == OP_END)
				depth--;
			continue;
		}
		skip_imm(x, op);
	}
}

/* ---- emitting ------------------------------------------------------------ */

static uint32_t home(const struct xl *x, uint32_t h)
{
	return (x->nlocals_all + h) * 8u;
}

static void emit_bytes(struct xl *x, const void *p, size_t n)
{
	if (x->fail)
		return;
	if (buf_append(&x->code, p, n) < 0)
		fail(x, ENG_ERR_NOMEM, "out of memory");
}

static void sync_ins(struct xl *x)
{
	x->nins = x->nhist < 2 ? x->nhist : 2;
	if (x->nhist >= 1)
		x->ins[1] = x->hist[x->nhist - 1];
	if (x->nhist >= 2)
		x->ins[0] = x->hist[x->nhist - 2];
}

/* Records that an instruction op starts at the current position. */
static void note_ins(struct xl *x, enum xop op)
{
	if (x->nhist == BASE_ARRAY_SIZE(x->hist)) {
		memmove(x->hist, x->hist + 1, sizeof(x->hist) - sizeof(x->hist[0]));
		x->nhist--;
	}
	x->hist[x->nhist].start = x->code.len;
	x->hist[x->nhist].op = op;
	x->nhist++;
	sync_ins(x);
}

/* Drops the code from pos on (instructions being rewritten). */
static void cut(struct xl *x, size_t pos)
{
	x->code.len = pos;
	while (x->nhist > 0 && x->hist[x->nhist - 1].start >= pos)
		x->nhist--;
	sync_ins(x);
}

static void emit_op(struct xl *x, enum xop op)
{
	const void *h = x->h[op];

	note_ins(x, op);
	x->last_start = x->code.len;
	x->last_op = op;
	x->last_ok = false;
	emit_bytes(x, &h, sizeof(h));
}

static uint32_t emit_u32(struct xl *x, uint32_t v)
{
	uint32_t at = (uint32_t)x->code.len;

	emit_bytes(x, &v, sizeof(v));
	return at;
}

static void emit_u64(struct xl *x, uint64_t v)
{
	emit_bytes(x, &v, sizeof(v));
}

static void put_u32(struct xl *x, uint32_t at, uint32_t v)
{
	if (!x->fail)
		memcpy(x->code.data + at, &v, sizeof(v));
}

static uint32_t get_u32(const struct xl *x, size_t at)
{
	uint32_t v;

	memcpy(&v, x->code.data + at, sizeof(v));
	return v;
}

/* Branch displacements are relative to the field's own offset. */
static void patch_rel(struct xl *x, uint32_t field, uint32_t target)
{
	put_u32(x, field, (uint32_t)((int64_t)target - (int64_t)field));
}

static void add_patch(struct xl *x, struct cframe *f, uint32_t field)
{
	struct patch *np;

	if (x->npt == x->ptcap) {
		uint32_t cap = x->ptcap ? x->ptcap * 2 : 64;

		np = base_reallocarray(x->pt, cap, sizeof(*np));
		if (!np) {
			fail(x, ENG_ERR_NOMEM, "out of memory");
			return;
		}
		x->pt = np;
		x->ptcap = cap;
	}
	x->pt[x->npt].field = field;
	x->pt[x->npt].next = f->patches;
	x->npt++;
	f->patches = x->npt;
}

/* A branch target is placed at the current position: the next instruction
 * may be reached from elsewhere, so nothing emitted before it may be patched. */
static void place_label(struct xl *x)
{
	x->label_pos = x->code.len;
	x->straight = false;
	x->last_ok = false;
	x->pair_ok = false;
	x->copy_ok = false;
}

/* Records that the instruction just emitted wrote stack entry vh-1's home
 * through the field at dst_field. */
static void set_result(struct xl *x, uint32_t dst_field)
{
	x->last_ok = true;
	x->last_dst = dst_field;
	x->last_end = x->code.len;
	x->last_h = x->vh - 1;
}

/* True if the top entry is TEMP (no addend) and was written by the last
 * instruction. */
static bool last_produced_top(const struct xl *x)
{
	return x->last_ok && x->last_end == x->code.len && x->vh > 0 &&
	       x->last_h == x->vh - 1 && x->vs[x->vh - 1].kind == V_TEMP &&
	       !x->vs[x->vh - 1].add;
}

static void emit_const(struct xl *x, uint32_t dst, uint64_t v)
{
	if (v >> 32 == 0) {
		emit_op(x, XOP_const32);
		emit_u32(x, dst);
		emit_u32(x, (uint32_t)v);
	} else {
		emit_op(x, XOP_const64);
		emit_u32(x, dst);
		emit_u64(x, v);
	}
}

static void acc_forward(struct xl *x);

static void emit_addi(struct xl *x, uint32_t dst, uint32_t src, uint32_t imm)
{
	emit_op(x, XOP_i32_add_i);
	emit_u32(x, dst);
	emit_u32(x, src);
	emit_u32(x, imm);
	acc_forward(x);
}

/* Copies are never retargeted, so two in a row (argument set-up, the
 * rotation of loop variables) become one copy2, performed in order. */
static void emit_copy(struct xl *x, uint32_t dst, uint32_t src)
{
	uint32_t d1, s1;

	if (dst == src)
		return;
	if (x->copy_ok && x->copy_start + sizeof(void *) + 8 == x->code.len &&
	    x->last_start == x->copy_start) {
		d1 = get_u32(x, x->copy_start + sizeof(void *));
		s1 = get_u32(x, x->copy_start + sizeof(void *) + 4);
		cut(x, x->copy_start);
		x->copy_ok = false;
		emit_op(x, XOP_copy2);
		emit_u32(x, d1);
		emit_u32(x, s1);
		emit_u32(x, dst);
		emit_u32(x, src);
		return;
	}
	emit_op(x, XOP_copy);
	x->copy_ok = true;
	x->copy_start = x->last_start;
	emit_u32(x, dst);
	emit_u32(x, src);
}

/* ---- the virtual stack --------------------------------------------------- */

static struct cframe *top_frame(struct xl *x)
{
	return &x->cs[x->cn - 1];
}

static void materialize(struct xl *x, uint32_t i);

/* At most LAZY_WINDOW entries above lazy_lo are scanned for lazy ones; when
 * the window fills, its older half is materialised. This bounds the alias
 * scans of local.set and block entry, so translation stays linear in the
 * code size whatever the shape of the operand stack. */
#define LAZY_WINDOW 64u

static struct vent *push(struct xl *x)
{
	struct vent *e;
	uint32_t i;

	if (x->lazy_lo > x->vh)
		x->lazy_lo = x->vh;
	if (x->vh - x->lazy_lo >= LAZY_WINDOW) {
		for (i = x->lazy_lo; i < x->vh - LAZY_WINDOW / 2; i++)
			materialize(x, i);
		x->lazy_lo = x->vh - LAZY_WINDOW / 2;
	}
	if (x->vh == x->vcap) {
		uint32_t cap = x->vcap ? x->vcap * 2 : 64;

		e = base_reallocarray(x->vs, cap, sizeof(*e));
		if (!e) {
			fail(x, ENG_ERR_NOMEM, "out of memory");
			return &x->scratch;
		}
		x->vs = e;
		x->vcap = cap;
	}
	e = &x->vs[x->vh++];
	e->kind = V_TEMP;
	e->local_off = 0;
	e->add = 0;
	e->value = 0;
	if (x->vh > x->max_h)
		x->max_h = x->vh;
	return e;
}

static void push_temp(struct xl *x)
{
	push(x);
}

/* Entry i (in the stack) has just become lazy. */
static void note_lazy(struct xl *x, uint32_t i)
{
	if (x->lazy_lo > i)
		x->lazy_lo = i;
}

/* First index that may hold a lazy entry in the current frame. */
static uint32_t lazy_from(const struct xl *x)
{
	uint32_t h = x->cs[x->cn - 1].height;

	return x->lazy_lo > h ? (x->lazy_lo < x->vh ? x->lazy_lo : x->vh) : h;
}

/* Checks that n entries can be popped in the current frame. */
static bool can_pop(struct xl *x, uint32_t n)
{
	if (x->vh < n || x->vh - n < top_frame(x)->height) {
		fail(x, ENG_ERR_INVALID, "type mismatch (operand stack underflow)");
		return false;
	}
	return true;
}

static void pop_n(struct xl *x, uint32_t n)
{
	if (can_pop(x, n))
		x->vh -= n;
}

/* Frame offset holding entry i's value before its addend (not for CONST). */
static uint32_t base_off(const struct xl *x, uint32_t i)
{
	return x->vs[i].kind == V_LOCAL ? x->vs[i].local_off : home(x, i);
}

/* Writes entry i's value to its move target dst (a home or a local). */
static void emit_value(struct xl *x, uint32_t dst, uint32_t i)
{
	const struct vent *e = &x->vs[i];

	if (e->kind == V_CONST)
		emit_const(x, dst, e->value);
	else if (e->add)
		emit_addi(x, dst, base_off(x, i), e->add);
	else
		emit_copy(x, dst, base_off(x, i));
}

/* Writes entry i to its home if it is not there yet. */
static void materialize(struct xl *x, uint32_t i)
{
	struct vent *e = &x->vs[i];

	if (e->kind != V_TEMP || e->add)
		emit_value(x, home(x, i), i);
	e->kind = V_TEMP;
	e->add = 0;
}

/* Frame offset where entry i can be read (constants and addends are
 * materialised). */
static uint32_t operand(struct xl *x, uint32_t i)
{
	struct vent *e = &x->vs[i];

	if (e->kind == V_LOCAL && !e->add)
		return e->local_off;
	if (e->kind == V_CONST || e->add)
		materialize(x, i);
	return home(x, i);
}

static void materialize_range(struct xl *x, uint32_t from, uint32_t to)
{
	uint32_t i;

	for (i = from; i < to && !x->fail; i++)
		materialize(x, i);
}

static void materialize_all(struct xl *x)
{
	materialize_range(x, lazy_from(x), x->vh);
	x->lazy_lo = x->vh;
}

/* Before local `off` is overwritten, entries aliasing it get their own copy. */
static void unalias(struct xl *x, uint32_t off)
{
	uint32_t i;

	for (i = lazy_from(x); i < x->vh; i++)
		if (x->vs[i].kind == V_LOCAL && x->vs[i].local_off == off)
			materialize(x, i);
}

static bool aliased(const struct xl *x, uint32_t off)
{
	uint32_t i;

	for (i = lazy_from(x); i < x->vh; i++)
		if (x->vs[i].kind == V_LOCAL && x->vs[i].local_off == off)
			return true;
	return false;
}

/* ---- types ------------------------------------------------------------------ */

static void block_type(struct xl *x, int64_t bt, uint32_t *np, uint32_t *nr)
{
	*np = 0;
	*nr = 0;
	if (bt == -64)
		return;
	if (bt < 0) {
		*nr = 1;
		return;
	}
	if ((uint64_t)bt >= x->m->ntypes) {
		fail(x, ENG_ERR_INVALID, "unknown type");
		return;
	}
	*np = x->m->types[bt].nparams;
	*nr = x->m->types[bt].nresults;
}

static const struct eng__functype *func_type(struct xl *x, uint32_t fidx)
{
	if (fidx >= x->m->nfuncs_total) {
		fail(x, ENG_ERR_INVALID, "unknown function");
		return NULL;
	}
	return &x->m->types[x->m->func_type_idx[fidx]];
}

/* ---- control --------------------------------------------------------------- */

static struct cframe *push_frame(struct xl *x, enum cf_kind kind, uint32_t np, uint32_t nr)
{
	struct cframe *f;

	if (x->cn == x->ccap) {
		uint32_t cap = x->ccap ? x->ccap * 2 : 16;

		f = base_reallocarray(x->cs, cap, sizeof(*f));
		if (!f) {
			fail(x, ENG_ERR_NOMEM, "out of memory");
			return NULL;
		}
		x->cs = f;
		x->ccap = cap;
	}
	f = &x->cs[x->cn++];
	memset(f, 0, sizeof(*f));
	f->kind = (uint8_t)kind;
	f->height = x->vh - np;
	f->nparams = np;
	f->nresults = nr;
	return f;
}

static struct cframe *label_frame(struct xl *x, uint32_t depth)
{
	if (depth >= x->cn) {
		fail(x, ENG_ERR_INVALID, "unknown label");
		return NULL;
	}
	return &x->cs[x->cn - 1 - depth];
}

static uint32_t label_arity(const struct cframe *t)
{
	return t->kind == CF_LOOP ? t->nparams : t->nresults;
}

/* The rest of the current frame is dead: skip to its else/end. */
static void go_dead(struct xl *x)
{
	top_frame(x)->dead = true;
	skip_dead(x);
}

/* Makes the top `arity` values addressable in their homes when more than one
 * value moves (so the moves can be plain copies in ascending order). Must be
 * emitted unconditionally, before any conditional jump. */
static void prep_branch(struct xl *x, uint32_t arity)
{
	if (arity > 1)
		materialize_range(x, x->vh - arity, x->vh);
}

/* True if branching to t needs no value moves. */
static bool branch_in_place(const struct xl *x, const struct cframe *t)
{
	uint32_t arity = label_arity(t), i;

	if (t->kind == CF_FUNC)
		return false;
	if (arity == 0)
		return true;
	if (x->vh - arity != t->height)
		return false;
	for (i = x->vh - arity; i < x->vh; i++)
		if (x->vs[i].kind != V_TEMP || x->vs[i].add)
			return false;
	return true;
}

/* Moves the branch values into the label's homes. Does not change the
 * virtual stack (prep_branch did, for arity > 1). */
static void emit_moves(struct xl *x, const struct cframe *t)
{
	uint32_t arity = label_arity(t), src0 = x->vh - arity, i;

	if (arity == 1) {
		emit_value(x, home(x, t->height), src0);
		return;
	}
	for (i = 0; i < arity; i++)
		emit_copy(x, home(x, t->height + i), home(x, src0 + i));
}

/* Moves the function results into slots 0..nresults-1 and returns. */
static void emit_return(struct xl *x)
{
	uint32_t nr = x->xf->ft->nresults, src0 = x->vh - nr, i;

	if (nr == 1) {
		if (last_produced_top(x)) {
			/* the value was just computed: compute it into slot 0 */
			put_u32(x, x->last_dst, 0);
			x->last_ok = false;
		} else {
			emit_value(x, 0, src0);
		}
	} else {
		for (i = 0; i < nr; i++)
			emit_copy(x, i * 8u, home(x, src0 + i));
	}
	emit_op(x, XOP_ret);
}

/* Emits an unconditional jump to t's label (after the moves). */
static void emit_jump(struct xl *x, struct cframe *t)
{
	uint32_t field;

	if (t->kind == CF_FUNC) {
		emit_return(x);
		return;
	}
	emit_op(x, XOP_br);
	field = emit_u32(x, 0);
	if (t->kind == CF_LOOP)
		patch_rel(x, field, t->loop_pos);
	else
		add_patch(x, t, field);
}

/* Points a branch field at t's label. */
static void target_field(struct xl *x, struct cframe *t, uint32_t field)
{
	if (t->kind == CF_LOOP)
		patch_rel(x, field, t->loop_pos);
	else
		add_patch(x, t, field);
}

static void resolve_patches(struct xl *x, struct cframe *f)
{
	uint32_t i = f->patches;

	while (i && !x->fail) {
		patch_rel(x, x->pt[i - 1].field, (uint32_t)x->code.len);
		i = x->pt[i - 1].next;
	}
	f->patches = 0;
}

/* ---- forwarding the last result in acc --------------------------------------- */

/* Forwarding of the last result in a register (docs/interpreter.md §3):
 * the instructions of EXEC_ACC_OPS except the stores leave their result in
 * the interpreter's acc as well as in their destination slot (field 0),
 * and each has an _acc variant with the same fields that takes the value
 * named by its first operand field from acc instead. */
static const uint16_t acc_of[XOP__COUNT] = {
#define X_ACC(name) [XOP_##name] = XOP_##name##_acc,
	EXEC_ACC_OPS(X_ACC)
#undef X_ACC
};

static bool is_store(enum xop op)
{
	return op == XOP_st8 || op == XOP_st16 || op == XOP_st32 || op == XOP_st64;
}

/* Instructions that leave their result (field 0) in acc: those with an
 * _acc variant except the stores and moves (this includes the add-and-branch
 * and load-and-branch instructions, for the instruction after them when they
 * fall through), and the compares, select and copy. */
static bool sets_acc(enum xop op)
{
	if (acc_of[op])
		return !is_store(op) && !(op >= XOP_mov32 && op <= XOP_mov8);
	return (op >= XOP_i32_eqz && op <= XOP_i64_ge_u) ||
	       (op >= XOP_i32_eq_i && op <= XOP_i32_ge_u_i) ||
	       (op >= XOP_i64_eq_i && op <= XOP_i64_ge_u_i) ||
	       (op >= XOP_select && op <= XOP_select_i2) || op == XOP_copy;
}

/* True if the instruction just emitted (ends at the current position, no
 * label after it) left in acc the value of slot off. */
static bool acc_holds(const struct xl *x, uint32_t off)
{
	size_t at = x->ins[1].start;

	return x->nins > 0 && sets_acc(x->ins[1].op) && x->label_pos != x->code.len &&
	       at + sizeof(void *) + 4 * exec__op_fields(x->ins[1].op) == x->code.len &&
	       get_u32(x, at + sizeof(void *)) == off;
}

/* Ops whose operands may be swapped: the integer ones, and f64 add/mul in
 * the PVF profile, where every NaN result is canonical (otherwise floats
 * keep Wasm's operand order, which decides a NaN result's payload). */
static bool commutes(const struct xl *x, enum xop op)
{
	switch (op) {
	case XOP_f64_add: case XOP_f64_mul:
		return x->m->config.profile == ENG_PROFILE_PVF;
	case XOP_i32_add: case XOP_i32_mul: case XOP_i32_and: case XOP_i32_or: case XOP_i32_xor:
	case XOP_i32_add_br: case XOP_i32_add_br_i:
	case XOP_i64_add: case XOP_i64_mul: case XOP_i64_and: case XOP_i64_or: case XOP_i64_xor:
		return true;
	default:
		return false;
	}
}

/* The same subtraction or division with its operands swapped, if any. */
static enum xop reversed(enum xop op)
{
	switch (op) {
	case XOP_i32_sub: return XOP_i32_rsub;
	case XOP_i64_sub: return XOP_i64_rsub;
	case XOP_f64_sub: return XOP_f64_rsub;
	case XOP_f64_div: return XOP_f64_rdiv;
	default: return (enum xop)0;
	}
}

/* The instruction just emitted reads, through its first operand field
 * (stores: the value, field 0; moves: the source address slot, field 3;
 * others: field 1), the slot that the instruction before it wrote, with no
 * label between them: only that instruction can have run just before, so
 * the value is in acc. Switches the handler to the _acc variant. If it is
 * the second operand of a binary op instead, the operands are swapped first
 * (commutes()), or the op is replaced by its reversed form (reversed()). */
static void acc_forward(struct xl *x)
{
	size_t at = x->ins[1].start, prev = x->ins[0].start;
	enum xop op = x->ins[1].op;
	uint32_t k = is_store(op) ? 0 : op >= XOP_mov32 && op <= XOP_mov8 ? 3 : 1, dst, a, b;
	const void *h;

	if (x->fail || x->nins < 2 || !acc_of[op] || x->label_pos == at ||
	    !sets_acc(x->ins[0].op) || prev + sizeof(void *) + 4 * exec__op_fields(x->ins[0].op) != at)
		return;
	dst = get_u32(x, prev + sizeof(void *));
	a = get_u32(x, at + sizeof(void *) + 4 * k);
	if (a != dst) {
		b = get_u32(x, at + sizeof(void *) + 8);
		if (b != dst || (!commutes(x, op) && !reversed(op)))
			return;
		put_u32(x, (uint32_t)(at + sizeof(void *) + 4), b);
		put_u32(x, (uint32_t)(at + sizeof(void *) + 8), a);
		if (!commutes(x, op)) {
			/* a - b becomes rsub(b, a): the instruction is now that op */
			op = reversed(op);
			x->hist[x->nhist - 1].op = op;
			sync_ins(x);
			if (x->last_start == at)
				x->last_op = op;
		}
	}
	/* ins[1].op stays the base op: merging it with what follows (fields
	 * only, reading the slot the producer wrote) drops the variant */
	h = x->h[acc_of[op]];
	memcpy(x->code.data + at, &h, sizeof(h));
}

/* ---- fused compare-and-branch ----------------------------------------------- */

struct cmp_fuse {
	enum xop op;          /* XOP_bri32_* / XOP_bri64_* */
	bool imm;
	uint32_t a, b;        /* operand offsets (b: immediate if imm) */
	bool unary;
};

/* Maps a compare to its fused branch; neg selects the negated condition. */
static bool fusable(enum xop op, bool neg, struct cmp_fuse *c)
{
	static const struct { enum xop cmp, br, nbr; bool imm; } tab[] = {
		{XOP_i32_eq, XOP_bri32_eq, XOP_bri32_ne, false},
		{XOP_i32_ne, XOP_bri32_ne, XOP_bri32_eq, false},
		{XOP_i32_lt_s, XOP_bri32_lt_s, XOP_bri32_ge_s, false},
		{XOP_i32_lt_u, XOP_bri32_lt_u, XOP_bri32_ge_u, false},
		{XOP_i32_gt_s, XOP_bri32_gt_s, XOP_bri32_le_s, false},
		{XOP_i32_gt_u, XOP_bri32_gt_u, XOP_bri32_le_u, false},
		{XOP_i32_le_s, XOP_bri32_le_s, XOP_bri32_gt_s, false},
		{XOP_i32_le_u, XOP_bri32_le_u, XOP_bri32_gt_u, false},
		{XOP_i32_ge_s, XOP_bri32_ge_s, XOP_bri32_lt_s, false},
		{XOP_i32_ge_u, XOP_bri32_ge_u, XOP_bri32_lt_u, false},
		{XOP_i32_eq_i, XOP_bri32_eq_i, XOP_bri32_ne_i, true},
		{XOP_i32_ne_i, XOP_bri32_ne_i, XOP_bri32_eq_i, true},
		{XOP_i32_lt_s_i, XOP_bri32_lt_s_i, XOP_bri32_ge_s_i, true},
		{XOP_i32_lt_u_i, XOP_bri32_lt_u_i, XOP_bri32_ge_u_i, true},
		{XOP_i32_gt_s_i, XOP_bri32_gt_s_i, XOP_bri32_le_s_i, true},
		{XOP_i32_gt_u_i, XOP_bri32_gt_u_i, XOP_bri32_le_u_i, true},
		{XOP_i32_le_s_i, XOP_bri32_le_s_i, XOP_bri32_gt_s_i, true},
		{XOP_i32_le_u_i, XOP_bri32_le_u_i, XOP_bri32_gt_u_i, true},
		{XOP_i32_ge_s_i, XOP_bri32_ge_s_i, XOP_bri32_lt_s_i, true},
		{XOP_i32_ge_u_i, XOP_bri32_ge_u_i, XOP_bri32_lt_u_i, true},
		{XOP_i32_eqz, XOP_br_unless, XOP_br_if, false},
		{XOP_i64_eqz, XOP_bri64_eqz, XOP_bri64_nez, false},
	};
	size_t i;

	for (i = 0; i < BASE_ARRAY_SIZE(tab); i++) {
		if (tab[i].cmp == op) {
			c->op = neg ? tab[i].nbr : tab[i].br;
			c->imm = tab[i].imm;
			c->unary = op == XOP_i32_eqz || op == XOP_i64_eqz;
			return true;
		}
	}
	return false;
}

/* If the condition on top of the stack was just computed by a fusable
 * compare, removes that compare from the code and describes the fused
 * branch. The condition entry is popped either way by the caller. */
static bool take_compare(struct xl *x, bool neg, struct cmp_fuse *c)
{
	size_t at;

	if (!last_produced_top(x) || !fusable(x->last_op, neg, c))
		return false;
	at = x->last_start + sizeof(void *);
	/* compare layout: dst, a, b|imm */
	c->a = get_u32(x, at + 4);
	c->b = c->unary ? 0 : get_u32(x, at + 8);
	cut(x, x->last_start);
	x->last_ok = false;
	return true;
}

/* Condition masks of the add-and-branch instructions (interp.c cond_holds):
 * taken if a < b (LT), a == b (EQ), a > b (GT), compared signed with S. */
enum { CM_LT = 1, CM_EQ = 2, CM_GT = 4, CM_S = 8 };

static uint32_t cond_mask(enum xop op)
{
	switch (op) {
	case XOP_bri32_eq: case XOP_bri32_eq_i: case XOP_br_unless: return CM_EQ;
	case XOP_bri32_ne: case XOP_bri32_ne_i: case XOP_br_if: return CM_LT | CM_GT;
	case XOP_bri32_lt_s: case XOP_bri32_lt_s_i: return CM_LT | CM_S;
	case XOP_bri32_lt_u: case XOP_bri32_lt_u_i: return CM_LT;
	case XOP_bri32_gt_s: case XOP_bri32_gt_s_i: return CM_GT | CM_S;
	case XOP_bri32_gt_u: case XOP_bri32_gt_u_i: return CM_GT;
	case XOP_bri32_le_s: case XOP_bri32_le_s_i: return CM_LT | CM_EQ | CM_S;
	case XOP_bri32_le_u: case XOP_bri32_le_u_i: return CM_LT | CM_EQ;
	case XOP_bri32_ge_s: case XOP_bri32_ge_s_i: return CM_GT | CM_EQ | CM_S;
	case XOP_bri32_ge_u: case XOP_bri32_ge_u_i: return CM_GT | CM_EQ;
	default: return 0;   /* 64-bit: not fused */
	}
}

/* The branch c tests the result d of the instruction just before it: an
 * i32.add (the loop counter's increment, the sum of an index and a length)
 * or an i32.load/i32.load8_u (a field or a byte checked right away). One
 * instruction computes d as that instruction would, stores it and compares
 * it as it is, with the condition as a mask. Fields: the producer's (d,
 * a, b|imm for the add; d, address for the load), the other operand|imm,
 * the mask, the displacement. Returns false if the pattern does not apply. */
static bool prev_branch_fuse(struct xl *x, const struct cmp_fuse *c, uint32_t *field)
{
	static const struct { enum xop prev, br, br_i; uint32_t nf; } tab[] = {
		{XOP_i32_add, XOP_i32_add_br, XOP_i32_add_br_i, 3},
		{XOP_i32_add_i, XOP_i32_add_i_br, XOP_i32_add_i_br_i, 3},
		{XOP_ld32u, XOP_ld32u_br, XOP_ld32u_br_i, 4},
		{XOP_ld8u, XOP_ld8u_br, XOP_ld8u_br_i, 4},
	};
	uint32_t mask = cond_mask(c->op), f[4], other;
	bool other_imm = c->imm || c->unary;
	size_t at = x->ins[1].start, k, t;

	if (!mask || x->nins == 0 || x->label_pos == x->code.len)
		return false;
	for (t = 0; t < BASE_ARRAY_SIZE(tab) && tab[t].prev != x->ins[1].op; t++)
		;
	if (t == BASE_ARRAY_SIZE(tab) || at + sizeof(void *) + 4 * tab[t].nf != x->code.len)
		return false;
	for (k = 0; k < tab[t].nf; k++)
		f[k] = get_u32(x, at + sizeof(void *) + 4 * k);
	if (c->a == f[0]) {
		other = c->unary ? 0 : c->b;
	} else if (!other_imm && c->b == f[0]) {
		/* b OP d: compare d on the left with the mirrored condition */
		other = c->a;
		mask = (mask & ~(uint32_t)(CM_LT | CM_GT)) | (mask & CM_LT ? CM_GT : 0) |
		       (mask & CM_GT ? CM_LT : 0);
	} else {
		return false;
	}
	cut(x, at);
	x->pair_ok = false;
	x->copy_ok = false;
	emit_op(x, other_imm ? tab[t].br_i : tab[t].br);
	for (k = 0; k < tab[t].nf; k++)
		emit_u32(x, f[k]);
	emit_u32(x, other);
	emit_u32(x, mask);
	*field = emit_u32(x, 0);
	acc_forward(x);
	return true;
}

/* Emits the fused branch; returns the displacement field. */
static uint32_t emit_fused(struct xl *x, const struct cmp_fuse *c)
{
	uint32_t field, mask = cond_mask(c->op);

	if (prev_branch_fuse(x, c, &field))
		return field;
	if (mask && (acc_holds(x, c->a) || (!c->imm && !c->unary && acc_holds(x, c->b)))) {
		/* the tested value is the previous instruction's result */
		uint32_t other = c->unary ? 0 : c->b;
		bool imm = c->imm || c->unary;

		if (!acc_holds(x, c->a)) {
			other = c->a;
			mask = (mask & ~(uint32_t)(CM_LT | CM_GT)) | (mask & CM_LT ? CM_GT : 0) |
			       (mask & CM_GT ? CM_LT : 0);
		}
		emit_op(x, imm ? XOP_br_acc_i : XOP_br_acc);
		emit_u32(x, other);
		emit_u32(x, mask);
		return emit_u32(x, 0);
	}
	emit_op(x, c->op);
	emit_u32(x, c->a);
	if (!c->unary)
		emit_u32(x, c->b);
	return emit_u32(x, 0);
}

/* Emits "jump if cond is (neg ? zero : non-zero)" with cond popped from the
 * stack, fusing a preceding compare. Returns the displacement field. */
static uint32_t emit_cond_jump(struct xl *x, bool neg)
{
	struct cmp_fuse c;
	uint32_t coff;

	if (take_compare(x, neg, &c)) {
		x->vh--;
		return emit_fused(x, &c);
	}
	coff = operand(x, x->vh - 1);
	x->vh--;
	c.op = neg ? XOP_br_unless : XOP_br_if;
	c.a = coff;
	c.b = 0;
	c.imm = false;
	c.unary = true;
	return emit_fused(x, &c);
}

/* ---- instruction families ------------------------------------------------- */

struct binop_desc {
	enum xop op;
	enum xop op_imm;      /* XOP__COUNT if none */
	enum xop op_imm_rev;  /* imm variant when the constant is on the left */
	bool is64;
};

/* True if entry i is readable without emitting anything. */
static bool in_place(const struct xl *x, uint32_t i)
{
	return (x->vs[i].kind == V_TEMP || x->vs[i].kind == V_LOCAL) && !x->vs[i].add;
}

/* A binary op one of whose operands is the value the last instruction, a
 * plain i32.load/i64.load32_u or i64.load/f64.load, just loaded into that
 * operand's home (nothing else reads it): one instruction loads it (with
 * the same bounds check) and computes. Fields: dst, the other operand, the
 * load's address. Loaded on the left, non-commutative ops (and float ops,
 * to keep Wasm's operand order) use the _r form: m OP x. */
static bool load_op_fuse(struct xl *x, enum xop op, uint32_t ia, uint32_t ib)
{
	static const struct { enum xop op, ld, fused, fused_r; } tab[] = {
		{XOP_i32_add, XOP_ld32u, XOP_i32_add_m, XOP_i32_add_m},
		{XOP_i32_sub, XOP_ld32u, XOP_i32_sub_m, XOP_i32_rsub_m},
		{XOP_i32_and, XOP_ld32u, XOP_i32_and_m, XOP_i32_and_m},
		{XOP_i32_or, XOP_ld32u, XOP_i32_or_m, XOP_i32_or_m},
		{XOP_i32_xor, XOP_ld32u, XOP_i32_xor_m, XOP_i32_xor_m},
		{XOP_i64_add, XOP_ld32u, XOP_i64_add_m32, XOP_i64_add_m32},
		{XOP_i64_mul, XOP_ld32u, XOP_i64_mul_m32, XOP_i64_mul_m32},
		{XOP_i64_add, XOP_ld64, XOP_i64_add_m, XOP_i64_add_m},
		{XOP_i64_mul, XOP_ld64, XOP_i64_mul_m, XOP_i64_mul_m},
		{XOP_f64_add, XOP_ld64, XOP_f64_add_m, XOP_f64_radd_m},
		{XOP_f64_sub, XOP_ld64, XOP_f64_sub_m, XOP_f64_rsub_m},
		{XOP_f64_mul, XOP_ld64, XOP_f64_mul_m, XOP_f64_rmul_m},
	};
	uint32_t addr[3], other, f, k;
	bool left;
	size_t t;

	if (!x->last_ok || x->last_end != x->code.len || x->nins == 0 ||
	    x->ins[1].start != x->last_start || !in_place(x, ia) || !in_place(x, ib))
		return false;
	if (x->last_h == ib && x->vs[ib].kind == V_TEMP)
		left = false;
	else if (x->last_h == ia && x->vs[ia].kind == V_TEMP)
		left = true;
	else
		return false;
	for (t = 0; t < BASE_ARRAY_SIZE(tab); t++)
		if (tab[t].op == op && tab[t].ld == x->last_op)
			break;
	if (t == BASE_ARRAY_SIZE(tab))
		return false;
	for (k = 0; k < 3; k++)
		addr[k] = get_u32(x, x->last_start + sizeof(void *) + 4 * (1 + k));
	other = left ? base_off(x, ib) : base_off(x, ia);
	cut(x, x->last_start);
	emit_op(x, left ? tab[t].fused_r : tab[t].fused);
	f = emit_u32(x, home(x, ia));
	emit_u32(x, other);
	for (k = 0; k < 3; k++)
		emit_u32(x, addr[k]);
	acc_forward(x);
	x->vh -= 2;
	push_temp(x);
	set_result(x, f);
	return true;
}

static void binop(struct xl *x, const struct binop_desc *d)
{
	struct vent *a, *b;
	uint32_t ia, ib, dst, oa, ob, f;

	if (!can_pop(x, 2))
		return;
	ia = x->vh - 2;
	ib = x->vh - 1;
	a = &x->vs[ia];
	b = &x->vs[ib];
	dst = home(x, ia);
	if ((d->op == XOP_i32_add || d->op == XOP_i32_sub) && b->kind == V_CONST) {
		/* x + c and x - c = x + (-c): a pending addend (32-bit wrapping
		 * addition is associative, so addends accumulate) */
		uint32_t c = (uint32_t)b->value;

		if (d->op == XOP_i32_sub)
			c = 0u - c;
		if (a->kind == V_CONST) {
			a->value = (uint32_t)(a->value + c);
		} else {
			a->add += c;
			note_lazy(x, ia);
		}
		x->vh--;
		return;
	}
	if (d->op == XOP_i32_add && a->kind == V_CONST && b->kind == V_LOCAL) {
		/* c + local: the same with the operands swapped (a TEMP cannot
		 * move: its value is in its own home) */
		uint32_t c = (uint32_t)a->value;

		*a = *b;
		a->add += c;
		note_lazy(x, ia);
		x->vh--;
		return;
	}
	if (d->op_imm != XOP__COUNT && b->kind == V_CONST) {
		uint64_t imm = b->value;

		oa = operand(x, ia);
		emit_op(x, d->op_imm);
		f = emit_u32(x, dst);
		emit_u32(x, oa);
		if (d->is64)
			emit_u64(x, imm);
		else
			emit_u32(x, (uint32_t)imm);
	} else if (d->op_imm_rev != XOP__COUNT && a->kind == V_CONST) {
		uint64_t imm = a->value;

		ob = operand(x, ib);
		emit_op(x, d->op_imm_rev);
		f = emit_u32(x, dst);
		emit_u32(x, ob);
		if (d->is64)
			emit_u64(x, imm);
		else
			emit_u32(x, (uint32_t)imm);
	} else {
		if (load_op_fuse(x, d->op, ia, ib))
			return;
		oa = operand(x, ia);
		ob = operand(x, ib);
		emit_op(x, d->op);
		f = emit_u32(x, dst);
		emit_u32(x, oa);
		emit_u32(x, ob);
	}
	acc_forward(x);
	x->vh -= 2;
	push_temp(x);
	set_result(x, f);
}

static void unop(struct xl *x, enum xop op)
{
	uint32_t i, oa, f;

	if (!can_pop(x, 1))
		return;
	i = x->vh - 1;
	oa = operand(x, i);
	emit_op(x, op);
	f = emit_u32(x, home(x, i));
	emit_u32(x, oa);
	x->vh--;
	push_temp(x);
	set_result(x, f);
}

/* A load whose address was just computed by i32.add of two values (array
 * indexing) becomes one instruction; the sum is still wrapped to 32 bits
 * before the offset is added, so the semantics are unchanged. */
static bool load_fuse(struct xl *x, enum xop op, uint32_t off)
{
	static const struct { enum xop ld, add; } tab[] = {
		{XOP_ld32u, XOP_ld32u_add}, {XOP_ld64, XOP_ld64_add}, {XOP_ld8u, XOP_ld8u_add},
	};
	uint32_t a, b, f;
	size_t k, at;

	if (!last_produced_top(x) || x->last_op != XOP_i32_add)
		return false;
	for (k = 0; k < BASE_ARRAY_SIZE(tab) && tab[k].ld != op; k++)
		;
	if (k == BASE_ARRAY_SIZE(tab))
		return false;
	at = x->last_start + sizeof(void *);
	a = get_u32(x, at + 4);
	b = get_u32(x, at + 8);
	cut(x, x->last_start);
	emit_op(x, tab[k].add);
	f = emit_u32(x, home(x, x->vh - 1));
	emit_u32(x, a);
	emit_u32(x, b);
	emit_u32(x, off);
	set_result(x, f);
	return true;
}

/* Emits the address fields of a load or store whose address is entry i
 * (not a constant: materialised before the instruction): slot, addend,
 * offset. */
static void emit_addr(struct xl *x, uint32_t i, uint32_t off)
{
	emit_u32(x, base_off(x, i));
	emit_u32(x, x->vs[i].add);
	emit_u32(x, off);
}

static void load(struct xl *x, enum xop op)
{
	uint32_t i, off, f;

	rd_u32(x);              /* alignment hint */
	off = rd_u32(x);
	if (!can_pop(x, 1))
		return;
	if (!x->m->nmems_total) {
		fail(x, ENG_ERR_INVALID, "unknown memory 0");
		return;
	}
	i = x->vh - 1;
	if (load_fuse(x, op, off))
		return;
	if (x->vs[i].kind == V_CONST && (op == XOP_ld32u || op == XOP_ld64 || op == XOP_ld8u)) {
		/* constant address: the effective address is known (no wrap) */
		uint64_t ea = (uint64_t)(uint32_t)x->vs[i].value + off;

		emit_op(x, op == XOP_ld32u ? XOP_ld32u_c : op == XOP_ld64 ? XOP_ld64_c : XOP_ld8u_c);
		f = emit_u32(x, home(x, i));
		emit_u64(x, ea);
		x->vh--;
		push_temp(x);
		set_result(x, f);
		return;
	}
	if (x->vs[i].kind == V_CONST)
		materialize(x, i);
	emit_op(x, op);
	f = emit_u32(x, home(x, i));
	emit_addr(x, i, off);
	acc_forward(x);
	x->vh--;
	push_temp(x);
	set_result(x, f);
}

static void store(struct xl *x, enum xop op)
{
	uint32_t ia, iv, ov, off, src[3], k;

	rd_u32(x);
	off = rd_u32(x);
	if (!can_pop(x, 2))
		return;
	if (!x->m->nmems_total) {
		fail(x, ENG_ERR_INVALID, "unknown memory 0");
		return;
	}
	ia = x->vh - 2;
	iv = x->vh - 1;
	if (last_produced_top(x) &&
	    ((op == XOP_st32 && x->last_op == XOP_ld32u) || (op == XOP_st64 && x->last_op == XOP_ld64) ||
	     (op == XOP_st8 && x->last_op == XOP_ld8u))) {
		/* Memory-to-memory move: the loaded value is only this store's
		 * operand. The load's bounds are checked first, as before. */
		for (k = 0; k < 3; k++)
			src[k] = get_u32(x, x->last_start + sizeof(void *) + 4 * (1 + k));
		cut(x, x->last_start);
		x->last_ok = false;
		if (x->vs[ia].kind == V_CONST)
			materialize(x, ia);
		emit_op(x, op == XOP_st32 ? XOP_mov32 : op == XOP_st64 ? XOP_mov64 : XOP_mov8);
		emit_addr(x, ia, off);
		for (k = 0; k < 3; k++)
			emit_u32(x, src[k]);
		acc_forward(x);
		x->vh -= 2;
		return;
	}
	if (x->vs[ia].kind == V_CONST)
		materialize(x, ia);
	if (x->vs[iv].kind == V_CONST && (op == XOP_st32 || op == XOP_st64 || op == XOP_st8)) {
		uint64_t v = x->vs[iv].value;

		emit_op(x, op == XOP_st32 ? XOP_st32_i : op == XOP_st64 ? XOP_st64_i : XOP_st8_i);
		if (op == XOP_st64)
			emit_u64(x, v);
		else
			emit_u32(x, (uint32_t)v);
		emit_addr(x, ia, off);
		x->vh -= 2;
		return;
	}
	ov = operand(x, iv);
	emit_op(x, op);
	emit_u32(x, ov);
	emit_addr(x, ia, off);
	acc_forward(x);
	x->vh -= 2;
}

/* Emits op with operands popped from the stack (n of them, in stack order)
 * plus an optional result pushed; extra immediates follow. */
static void emit_stack_op(struct xl *x, enum xop op, uint32_t npop, bool result,
			  const uint32_t *imm, uint32_t nimm)
{
	uint32_t offs[4], i, f = 0, base;

	if (!can_pop(x, npop))
		return;
	base = x->vh - npop;
	for (i = 0; i < npop; i++)
		offs[i] = operand(x, base + i);
	emit_op(x, op);
	if (result)
		f = emit_u32(x, home(x, base));
	for (i = 0; i < npop; i++)
		emit_u32(x, offs[i]);
	for (i = 0; i < nimm; i++)
		emit_u32(x, imm[i]);
	x->vh -= npop;
	if (result) {
		push_temp(x);
		set_result(x, f);
	}
}

/* The last instruction, an i32_add_i into a local, directly follows another
 * one (`p += 4; q += 4` in a copy loop): merge them into one i32_add_i2,
 * which performs the two additions in order. */
static void pair_adds(struct xl *x)
{
	uint32_t f[6], k;

	if (!x->pair_ok || x->pair_end != x->last_start) {
		x->pair_ok = true;
		x->pair_start = x->last_start;
		x->pair_end = x->code.len;
		return;
	}
	for (k = 0; k < 3; k++) {
		f[k] = get_u32(x, x->pair_start + sizeof(void *) + 4 * k);
		f[3 + k] = get_u32(x, x->last_start + sizeof(void *) + 4 * k);
	}
	cut(x, x->pair_start);
	x->pair_ok = false;
	emit_op(x, XOP_i32_add_i2);
	for (k = 0; k < 6; k++)
		emit_u32(x, f[k]);
}

/* local.set/tee of the value the last instruction computed while other
 * entries still alias the local: their copies are emitted before that
 * instruction instead of after it, so it can still be retargeted. This is
 * safe because the instruction reads only locals and homes at or above its
 * own result's, writes only its result's home, and the copies read locals
 * and write homes below it. False if it is too long to move. */
static bool unalias_before_last(struct xl *x, uint32_t off)
{
	uint8_t ins[64];
	size_t n = x->last_end - x->last_start, dst = x->last_dst - x->last_start;
	enum xop op = x->last_op;
	uint32_t h = x->last_h;

	if (n > sizeof(ins) || x->fail)
		return false;
	memcpy(ins, x->code.data + x->last_start, n);
	/* the base handler: an _acc variant would read the copies' acc */
	memcpy(ins, &x->h[op], sizeof(void *));
	cut(x, x->last_start);
	unalias(x, off);
	x->last_start = x->code.len;
	note_ins(x, op);
	emit_bytes(x, ins, n);
	x->last_op = op;
	x->last_h = h;
	x->last_dst = (uint32_t)(x->last_start + dst);
	x->last_end = x->code.len;
	x->last_ok = !x->fail;
	x->copy_ok = false;
	return true;
}

/* True if declared local idx still holds its initial zero (see straight). */
static bool local_zero(const struct xl *x, uint32_t idx)
{
	uint32_t k = idx - x->xf->ft->nparams;

	return x->straight && idx >= x->xf->ft->nparams && k < 64 &&
	       (x->zero_locals >> k & 1);
}

/* True if the instruction just emitted is op (with no label after it) and
 * its field k is v. */
static bool last_ins_is(const struct xl *x, enum xop op, size_t nfields, uint32_t k, uint32_t v)
{
	size_t at = x->ins[1].start;

	return x->nins > 0 && x->ins[1].op == op && at + sizeof(void *) + 4 * nfields == x->code.len &&
	       x->label_pos != x->code.len && get_u32(x, at + sizeof(void *) + 4 * k) == v;
}

/* The shadow-stack prologue and epilogue of compiled code:
 * `global.get $sp; i32.const n; i32.sub; local.tee $fp; global.set $sp` is
 * one global_add_to (local.set: global_get_add), and `local.get $fp;
 * i32.const n; i32.add; global.set $sp` one global_set_add. */
static void global_set(struct xl *x, uint32_t g)
{
	uint32_t i = x->vh - 1, k, f[3];
	const struct vent *e;

	if (!can_pop(x, 1))
		return;
	e = &x->vs[i];
	if ((e->kind == V_TEMP || e->kind == V_LOCAL) && e->add) {
		emit_op(x, XOP_global_set_add);
		emit_u32(x, base_off(x, i));
		emit_u32(x, g);
		emit_u32(x, e->add);
		x->vh--;
		return;
	}
	if (e->kind == V_LOCAL && last_ins_is(x, XOP_global_get_add, 3, 0, e->local_off) &&
	    get_u32(x, x->ins[1].start + sizeof(void *) + 4) == g) {
		for (k = 0; k < 3; k++)
			f[k] = get_u32(x, x->ins[1].start + sizeof(void *) + 4 * k);
		cut(x, x->ins[1].start);
		emit_op(x, XOP_global_add_to);
		for (k = 0; k < 3; k++)
			emit_u32(x, f[k]);
		x->vh--;
		return;
	}
	emit_stack_op(x, XOP_global_set, 1, false, &g, 1);
}

/* True if entry e reads a local that the instruction just emitted wrote as
 * `i32_add_i local, x, c` with x another slot (so x + c can be recomputed). */
static bool copy_of_add(const struct xl *x, const struct vent *e)
{
	size_t at = x->ins[1].start;

	return e->kind == V_LOCAL && !e->add && x->nins > 0 && x->ins[1].op == XOP_i32_add_i &&
	       at + sizeof(void *) + 12 == x->code.len && x->label_pos != x->code.len &&
	       get_u32(x, at + sizeof(void *)) == e->local_off &&
	       get_u32(x, at + sizeof(void *) + 4) != e->local_off;
}

static void local_set(struct xl *x, uint32_t idx, bool tee)
{
	uint32_t off = idx * 8u, i;
	struct vent e;

	if (idx >= x->nlocals_all) {
		fail(x, ENG_ERR_INVALID, "unknown local");
		return;
	}
	if (!can_pop(x, 1))
		return;
	i = x->vh - 1;
	if (x->vs[i].kind == V_TEMP && x->vs[i].add && !aliased(x, off) &&
	    last_ins_is(x, XOP_global_get, 2, 0, home(x, i))) {
		/* local = global + c: the global_get that wrote the entry's base
		 * (its home, read by nothing else) becomes global_get_add */
		uint32_t g = get_u32(x, x->ins[1].start + sizeof(void *) + 4), c = x->vs[i].add;

		cut(x, x->ins[1].start);
		emit_op(x, XOP_global_get_add);
		emit_u32(x, off);
		emit_u32(x, g);
		emit_u32(x, c);
		if (idx >= x->xf->ft->nparams && idx - x->xf->ft->nparams < 64)
			x->zero_locals &= ~(UINT64_C(1) << (idx - x->xf->ft->nparams));
		if (tee) {
			x->vs[i].kind = V_LOCAL;
			x->vs[i].local_off = off;
			x->vs[i].add = 0;
			note_lazy(x, i);
		} else {
			x->vh--;
		}
		return;
	}
	if (x->vs[i].kind == V_CONST && x->vs[i].value == 0 && local_zero(x, idx)) {
		/* the local is still zero (clang's zero-initialisations) */
		if (!tee)
			x->vh--;
		return;
	}
	if (idx >= x->xf->ft->nparams && idx - x->xf->ft->nparams < 64)
		x->zero_locals &= ~(UINT64_C(1) << (idx - x->xf->ft->nparams));
	if (last_produced_top(x) && (!aliased(x, off) || unalias_before_last(x, off))) {
		/* Retarget the producing instruction to the local. */
		put_u32(x, x->last_dst, off);
		x->last_ok = false;
		if (x->last_op == XOP_i32_add_i)
			pair_adds(x);
		if (tee) {
			x->vs[i].kind = V_LOCAL;
			x->vs[i].local_off = off;
			note_lazy(x, i);
		} else {
			x->vh--;
		}
		return;
	}
	e = x->vs[i];
	x->vh--;
	unalias(x, off);
	if (copy_of_add(x, &e)) {
		/* `local.tee L (x + c); local.set K`: K = x + c as well, which
		 * pairs with the addition into L (x is not L, so it is intact) */
		emit_addi(x, off, get_u32(x, x->ins[1].start + sizeof(void *) + 4),
			  get_u32(x, x->ins[1].start + sizeof(void *) + 8));
		pair_adds(x);
	} else {
		emit_value(x, off, i);     /* entry i is above the stack, unchanged */
		if (e.add && e.kind != V_CONST)
			pair_adds(x);      /* it was an i32_add_i into the local */
	}
	if (tee) {
		/* The value stays readable in the local just written (a copy of
		 * another local: compilers copy a local when they are about to
		 * overwrite it, so the destination is the one that lives on). */
		x->vh++;
		if (e.add || e.kind == V_LOCAL) {
			x->vs[i].kind = V_LOCAL;
			x->vs[i].local_off = off;
			x->vs[i].add = 0;
		}
		if (x->vs[i].kind != V_TEMP)
			note_lazy(x, i);
	}
}

static void call(struct xl *x, uint32_t fidx)
{
	const struct eng__functype *t = func_type(x, fidx);
	uint32_t base, i;

	if (!t || !can_pop(x, t->nparams))
		return;
	base = x->vh - t->nparams;
	materialize_range(x, base, x->vh);
	if (fidx < x->m->nfunc_imports) {
		emit_op(x, XOP_call_import);
		emit_u32(x, home(x, base));
		emit_u32(x, fidx);
	} else {
		struct exec_module *em = x->m->exec;

		emit_op(x, XOP_call);
		emit_u32(x, home(x, base));
		emit_u64(x, (uint64_t)(uintptr_t)&em->xfuncs[fidx - x->m->nfunc_imports]);
	}
	x->vh = base;
	for (i = 0; i < t->nresults; i++)
		push_temp(x);
}

static void call_indirect(struct xl *x, uint32_t tidx, uint32_t table)
{
	const struct eng__functype *t;
	uint32_t base, i, eoff;

	if (tidx >= x->m->ntypes || table >= x->m->ntables_total) {
		fail(x, ENG_ERR_INVALID, "unknown type or table");
		return;
	}
	t = &x->m->types[tidx];
	if (!can_pop(x, t->nparams + 1))
		return;
	eoff = operand(x, x->vh - 1);
	x->vh--;
	base = x->vh - t->nparams;
	materialize_range(x, base, x->vh);
	emit_op(x, XOP_call_indirect);
	emit_u32(x, home(x, base));
	emit_u32(x, eoff);
	emit_u32(x, table);
	emit_u32(x, tidx);
	x->vh = base;
	for (i = 0; i < t->nresults; i++)
		push_temp(x);
}

static void op_block(struct xl *x, uint8_t op)
{
	int64_t bt = rd_sleb(x, 33);
	uint32_t np, nr, field = 0;
	struct cframe *f;
	struct cmp_fuse c;
	bool fused = false;

	block_type(x, bt, &np, &nr);
	if (x->fail)
		return;
	if (op == OP_IF) {
		if (!can_pop(x, np + 1))
			return;
		fused = take_compare(x, true, &c);
		if (!fused)
			c.a = operand(x, x->vh - 1);
		x->vh--;
	} else if (!can_pop(x, np)) {
		return;
	}
	materialize_all(x);
	if (op == OP_IF) {
		if (!fused) {
			c.op = XOP_br_unless;
			c.b = 0;
			c.imm = false;
			c.unary = true;
		}
		field = emit_fused(x, &c);
	}
	f = push_frame(x, op == OP_BLOCK ? CF_BLOCK : op == OP_LOOP ? CF_LOOP : CF_IF, np, nr);
	if (!f)
		return;
	if (op == OP_LOOP) {
		place_label(x);
		f->loop_pos = (uint32_t)x->code.len;
	}
	if (op == OP_IF) {
		f->else_field = field;
		f->else_pending = true;
	}
}

static void op_else(struct xl *x)
{
	struct cframe *f = top_frame(x);
	uint32_t i;

	if (f->kind != CF_IF) {
		fail(x, ENG_ERR_INVALID, "else without if");
		return;
	}
	if (!f->dead) {
		materialize_all(x);
		emit_op(x, XOP_br);
		add_patch(x, f, emit_u32(x, 0));
	}
	place_label(x);
	if (f->else_pending)
		patch_rel(x, f->else_field, (uint32_t)x->code.len);
	f->else_pending = false;
	x->vh = f->height;
	for (i = 0; i < f->nparams; i++)
		push_temp(x);
	f->dead = false;
}

/* Returns true when the function's final end was reached. */
static bool op_end(struct xl *x)
{
	struct cframe *f = top_frame(x);
	uint32_t i;

	if (f->kind == CF_FUNC) {
		if (!f->dead) {
			prep_branch(x, f->nresults);
			emit_return(x);
		}
		return true;
	}
	if (!f->dead)
		materialize_all(x);
	place_label(x);
	resolve_patches(x, f);
	if (f->kind == CF_IF && f->else_pending)
		patch_rel(x, f->else_field, (uint32_t)x->code.len);
	x->vh = f->height;
	x->cn--;
	for (i = 0; i < f->nresults; i++)
		push_temp(x);
	return false;
}

static void op_br(struct xl *x)
{
	struct cframe *t = label_frame(x, rd_u32(x));

	if (!t || !can_pop(x, label_arity(t)))
		return;
	prep_branch(x, label_arity(t));
	if (t->kind != CF_FUNC)
		emit_moves(x, t);
	emit_jump(x, t);
	go_dead(x);
}

/* A loop whose whole body is `movN; i32_add_i2; bri32_lt_u|bri32_ne` back to
 * its start (the word and byte loops of a compiled memcpy) becomes one
 * loop_mov instruction that runs the same three steps in a C loop: the
 * same operations in the same order, so the results and the trap point
 * are unchanged. Fields: width, condition (0 lt_u, 1 ne), the mov's six,
 * the i32_add_i2's six, the compare's two. */
static void loop_fuse(struct xl *x, const struct cframe *t)
{
	const size_t mov_size = sizeof(void *) + 24, add_size = sizeof(void *) + 24;
	const void *const *h = x->h;
	size_t at = t->loop_pos, k;
	uint32_t f[16];
	const void *hp;

	if (x->fail || (x->last_op != XOP_bri32_lt_u && x->last_op != XOP_bri32_ne) ||
	    x->last_start != at + mov_size + add_size)
		return;
	memcpy(&hp, x->code.data + at, sizeof(hp));
	if (hp == h[XOP_mov32])
		f[0] = 4;
	else if (hp == h[XOP_mov64])
		f[0] = 8;
	else if (hp == h[XOP_mov8])
		f[0] = 1;
	else
		return;
	memcpy(&hp, x->code.data + at + mov_size, sizeof(hp));
	if (hp != h[XOP_i32_add_i2])
		return;
	f[1] = x->last_op == XOP_bri32_ne;
	for (k = 0; k < 6; k++)
		f[2 + k] = get_u32(x, at + sizeof(void *) + 4 * k);
	for (k = 0; k < 6; k++)
		f[8 + k] = get_u32(x, at + mov_size + sizeof(void *) + 4 * k);
	for (k = 0; k < 2; k++)
		f[14 + k] = get_u32(x, x->last_start + sizeof(void *) + 4 * k);
	cut(x, at);
	emit_op(x, XOP_loop_mov);
	for (k = 0; k < 16; k++)
		emit_u32(x, f[k]);
	x->last_ok = false;
	x->pair_ok = false;
	x->copy_ok = false;
}

static void op_br_if(struct xl *x)
{
	struct cframe *t = label_frame(x, rd_u32(x));
	uint32_t field, arity;
	bool in_place;

	if (!t)
		return;
	arity = label_arity(t);
	if (!can_pop(x, arity + 1))
		return;
	/* Look at the branch values below the condition; materialising them
	 * writes homes below the condition's, so the condition stays valid. */
	x->vh--;
	prep_branch(x, arity);
	in_place = branch_in_place(x, t);
	x->vh++;
	if (in_place) {
		field = emit_cond_jump(x, false);
		target_field(x, t, field);
		if (t->kind == CF_LOOP)
			loop_fuse(x, t);
		return;
	}
	field = emit_cond_jump(x, true);
	if (t->kind != CF_FUNC)
		emit_moves(x, t);
	emit_jump(x, t);
	place_label(x);
	patch_rel(x, field, (uint32_t)x->code.len);
}

/* Stubs of one br_table, shared per target depth: an open-addressing map
 * sized by the number of targets (not by the nesting depth, so many
 * br_tables in deep nesting stay linear). */
struct stub_map {
	uint32_t *depth;
	uint32_t *pos;        /* code offset + 1, 0 = empty slot */
	uint32_t mask;
};

static uint32_t *stub_slot(struct stub_map *sm, uint32_t depth)
{
	uint32_t h = (depth * 0x9e3779b1u) & sm->mask;

	while (sm->pos[h] && sm->depth[h] != depth)
		h = (h + 1) & sm->mask;
	sm->depth[h] = depth;
	return &sm->pos[h];
}

static void op_br_table(struct xl *x)
{
	uint32_t n = rd_u32(x), i, ioff, arity, start, tab_at, cap = 4, *slot;
	uint32_t *depths = NULL;
	struct stub_map sm = {NULL, NULL, 0};
	struct cframe *t;

	if (x->fail)
		return;
	if (x->end - x->p < (ptrdiff_t)n) {   /* each target takes at least a byte */
		fail(x, ENG_ERR_MALFORMED, "unexpected end of function body");
		return;
	}
	while (cap < 2 * (n + 1))
		cap *= 2;
	depths = base_reallocarray(NULL, (size_t)n + 1, sizeof(*depths));
	sm.depth = base_calloc(cap, sizeof(*sm.depth));
	sm.pos = base_calloc(cap, sizeof(*sm.pos));
	sm.mask = cap - 1;
	if (!depths || !sm.depth || !sm.pos) {
		fail(x, ENG_ERR_NOMEM, "out of memory");
		goto out_free;
	}
	for (i = 0; i <= n && !x->fail; i++)
		depths[i] = rd_u32(x);
	if (x->fail || !can_pop(x, 1))
		goto out_free;
	t = label_frame(x, depths[n]);
	if (!t)
		goto out_free;
	arity = label_arity(t);
	for (i = 0; i < n; i++) {
		struct cframe *ti = label_frame(x, depths[i]);

		if (!ti || label_arity(ti) != arity) {
			fail(x, ENG_ERR_INVALID, "type mismatch in br_table");
			goto out_free;
		}
	}
	ioff = operand(x, x->vh - 1);
	x->vh--;
	if (!can_pop(x, arity))
		goto out_free;
	prep_branch(x, arity);
	emit_op(x, XOP_br_table);
	emit_u32(x, ioff);
	emit_u32(x, n);
	start = (uint32_t)x->code.len;
	for (i = 0; i <= n; i++)
		emit_u32(x, 0);
	for (i = 0; i <= n && !x->fail; i++) {
		t = label_frame(x, depths[i]);
		tab_at = start + 4 * i;
		if (branch_in_place(x, t)) {
			target_field(x, t, tab_at);
			continue;
		}
		slot = stub_slot(&sm, depths[i]);
		if (!*slot) {
			*slot = (uint32_t)x->code.len + 1;
			place_label(x);
			if (t->kind != CF_FUNC)
				emit_moves(x, t);
			emit_jump(x, t);
		}
		patch_rel(x, tab_at, *slot - 1);
	}
	go_dead(x);
out_free:
	free(depths);
	free(sm.depth);
	free(sm.pos);
}

/* ---- the 0xfc prefix -------------------------------------------------------- */

static void op_prefix_fc(struct xl *x)
{
	static const enum xop sat[8] = {
		XOP_i32_trunc_sat_f32_s, XOP_i32_trunc_sat_f32_u, XOP_i32_trunc_sat_f64_s,
		XOP_i32_trunc_sat_f64_u, XOP_i64_trunc_sat_f32_s, XOP_i64_trunc_sat_f32_u,
		XOP_i64_trunc_sat_f64_s, XOP_i64_trunc_sat_f64_u,
	};
	uint32_t sub = rd_u32(x), imm[2];

	if (x->fail)
		return;
	if (sub < 8) {
		unop(x, sat[sub]);
		return;
	}
	switch (sub) {
	case 8:   /* memory.init seg: d s n */
		imm[0] = rd_u32(x);
		rd_byte(x);
		emit_stack_op(x, XOP_memory_init, 3, false, imm, 1);
		break;
	case 9:
		imm[0] = rd_u32(x);
		emit_stack_op(x, XOP_data_drop, 0, false, imm, 1);
		break;
	case 10:
		rd_byte(x);
		rd_byte(x);
		emit_stack_op(x, XOP_memory_copy, 3, false, NULL, 0);
		break;
	case 11:
		rd_byte(x);
		emit_stack_op(x, XOP_memory_fill, 3, false, NULL, 0);
		break;
	case 12:  /* table.init elem table: d s n */
		imm[1] = rd_u32(x);
		imm[0] = rd_u32(x);
		emit_stack_op(x, XOP_table_init, 3, false, imm, 2);
		break;
	case 13:
		imm[0] = rd_u32(x);
		emit_stack_op(x, XOP_elem_drop, 0, false, imm, 1);
		break;
	case 14:  /* table.copy dst src */
		imm[0] = rd_u32(x);
		imm[1] = rd_u32(x);
		emit_stack_op(x, XOP_table_copy, 3, false, imm, 2);
		break;
	case 15:  /* table.grow: init n -> old */
		imm[0] = rd_u32(x);
		emit_stack_op(x, XOP_table_grow, 2, true, imm, 1);
		break;
	case 16:
		imm[0] = rd_u32(x);
		emit_stack_op(x, XOP_table_size, 0, true, imm, 1);
		break;
	case 17:  /* table.fill: i v n */
		imm[0] = rd_u32(x);
		emit_stack_op(x, XOP_table_fill, 3, false, imm, 1);
		break;
	default:
		fail(x, ENG_ERR_INVALID, "unknown 0xfc instruction");
		break;
	}
}

/* ---- the main loop ------------------------------------------------------------ */

#define NO XOP__COUNT

static const struct binop_desc binops[] = {
	/* 0x46..0x4f: i32 compares */
	[0x46] = {XOP_i32_eq, XOP_i32_eq_i, XOP_i32_eq_i, false},
	[0x47] = {XOP_i32_ne, XOP_i32_ne_i, XOP_i32_ne_i, false},
	[0x48] = {XOP_i32_lt_s, XOP_i32_lt_s_i, XOP_i32_gt_s_i, false},
	[0x49] = {XOP_i32_lt_u, XOP_i32_lt_u_i, XOP_i32_gt_u_i, false},
	[0x4a] = {XOP_i32_gt_s, XOP_i32_gt_s_i, XOP_i32_lt_s_i, false},
	[0x4b] = {XOP_i32_gt_u, XOP_i32_gt_u_i, XOP_i32_lt_u_i, false},
	[0x4c] = {XOP_i32_le_s, XOP_i32_le_s_i, XOP_i32_ge_s_i, false},
	[0x4d] = {XOP_i32_le_u, XOP_i32_le_u_i, XOP_i32_ge_u_i, false},
	[0x4e] = {XOP_i32_ge_s, XOP_i32_ge_s_i, XOP_i32_le_s_i, false},
	[0x4f] = {XOP_i32_ge_u, XOP_i32_ge_u_i, XOP_i32_le_u_i, false},
	[0x51] = {XOP_i64_eq, XOP_i64_eq_i, XOP_i64_eq_i, true},
	[0x52] = {XOP_i64_ne, XOP_i64_ne_i, XOP_i64_ne_i, true},
	[0x53] = {XOP_i64_lt_s, XOP_i64_lt_s_i, XOP_i64_gt_s_i, true},
	[0x54] = {XOP_i64_lt_u, XOP_i64_lt_u_i, XOP_i64_gt_u_i, true},
	[0x55] = {XOP_i64_gt_s, XOP_i64_gt_s_i, XOP_i64_lt_s_i, true},
	[0x56] = {XOP_i64_gt_u, XOP_i64_gt_u_i, XOP_i64_lt_u_i, true},
	[0x57] = {XOP_i64_le_s, XOP_i64_le_s_i, XOP_i64_ge_s_i, true},
	[0x58] = {XOP_i64_le_u, XOP_i64_le_u_i, XOP_i64_ge_u_i, true},
	[0x59] = {XOP_i64_ge_s, XOP_i64_ge_s_i, XOP_i64_le_s_i, true},
	[0x5a] = {XOP_i64_ge_u, XOP_i64_ge_u_i, XOP_i64_le_u_i, true},
	[0x5b] = {XOP_f32_eq, NO, NO, false}, [0x5c] = {XOP_f32_ne, NO, NO, false},
	[0x5d] = {XOP_f32_lt, NO, NO, false}, [0x5e] = {XOP_f32_gt, NO, NO, false},
	[0x5f] = {XOP_f32_le, NO, NO, false}, [0x60] = {XOP_f32_ge, NO, NO, false},
	[0x61] = {XOP_f64_eq, NO, NO, false}, [0x62] = {XOP_f64_ne, NO, NO, false},
	[0x63] = {XOP_f64_lt, NO, NO, false}, [0x64] = {XOP_f64_gt, NO, NO, false},
	[0x65] = {XOP_f64_le, NO, NO, false}, [0x66] = {XOP_f64_ge, NO, NO, false},
	[0x6a] = {XOP_i32_add, XOP_i32_add_i, XOP_i32_add_i, false},
	[0x6b] = {XOP_i32_sub, XOP_i32_sub_i, XOP_i32_rsub_i, false},
	[0x6c] = {XOP_i32_mul, XOP_i32_mul_i, XOP_i32_mul_i, false},
	[0x6d] = {XOP_i32_div_s, NO, NO, false}, [0x6e] = {XOP_i32_div_u, NO, NO, false},
	[0x6f] = {XOP_i32_rem_s, NO, NO, false}, [0x70] = {XOP_i32_rem_u, NO, NO, false},
	[0x71] = {XOP_i32_and, XOP_i32_and_i, XOP_i32_and_i, false},
	[0x72] = {XOP_i32_or, XOP_i32_or_i, XOP_i32_or_i, false},
	[0x73] = {XOP_i32_xor, XOP_i32_xor_i, XOP_i32_xor_i, false},
	[0x74] = {XOP_i32_shl, XOP_i32_shl_i, NO, false},
	[0x75] = {XOP_i32_shr_s, XOP_i32_shr_s_i, NO, false},
	[0x76] = {XOP_i32_shr_u, XOP_i32_shr_u_i, NO, false},
	[0x77] = {XOP_i32_rotl, XOP_i32_rotl_i, NO, false},
	[0x78] = {XOP_i32_rotr, XOP_i32_rotr_i, NO, false},
	[0x7c] = {XOP_i64_add, XOP_i64_add_i, XOP_i64_add_i, true},
	[0x7d] = {XOP_i64_sub, XOP_i64_sub_i, XOP_i64_rsub_i, true},
	[0x7e] = {XOP_i64_mul, XOP_i64_mul_i, XOP_i64_mul_i, true},
	[0x7f] = {XOP_i64_div_s, NO, NO, true}, [0x80] = {XOP_i64_div_u, NO, NO, true},
	[0x81] = {XOP_i64_rem_s, NO, NO, true}, [0x82] = {XOP_i64_rem_u, NO, NO, true},
	[0x83] = {XOP_i64_and, XOP_i64_and_i, XOP_i64_and_i, true},
	[0x84] = {XOP_i64_or, XOP_i64_or_i, XOP_i64_or_i, true},
	[0x85] = {XOP_i64_xor, XOP_i64_xor_i, XOP_i64_xor_i, true},
	[0x86] = {XOP_i64_shl, XOP_i64_shl_i, NO, true},
	[0x87] = {XOP_i64_shr_s, XOP_i64_shr_s_i, NO, true},
	[0x88] = {XOP_i64_shr_u, XOP_i64_shr_u_i, NO, true},
	[0x89] = {XOP_i64_rotl, XOP_i64_rotl_i, NO, true},
	[0x8a] = {XOP_i64_rotr, XOP_i64_rotr_i, NO, true},
	[0x92] = {XOP_f32_add, XOP_f32_add_i, XOP_f32_add_ri, false},
	[0x93] = {XOP_f32_sub, XOP_f32_sub_i, XOP_f32_sub_ri, false},
	[0x94] = {XOP_f32_mul, XOP_f32_mul_i, XOP_f32_mul_ri, false},
	[0x95] = {XOP_f32_div, XOP_f32_div_i, XOP_f32_div_ri, false},
	[0x96] = {XOP_f32_min, NO, NO, false}, [0x97] = {XOP_f32_max, NO, NO, false},
	[0x98] = {XOP_f32_copysign, NO, NO, false},
	[0xa0] = {XOP_f64_add, XOP_f64_add_i, XOP_f64_add_ri, true},
	[0xa1] = {XOP_f64_sub, XOP_f64_sub_i, XOP_f64_sub_ri, true},
	[0xa2] = {XOP_f64_mul, XOP_f64_mul_i, XOP_f64_mul_ri, true},
	[0xa3] = {XOP_f64_div, XOP_f64_div_i, XOP_f64_div_ri, true},
	[0xa4] = {XOP_f64_min, NO, NO, false}, [0xa5] = {XOP_f64_max, NO, NO, false},
	[0xa6] = {XOP_f64_copysign, NO, NO, false},
};

/* Unary numeric ops by opcode (0 = not unary). Conversions that do not
 * change the slot bits are handled separately. */
static enum xop unop_for(uint8_t op)
{
	switch (op) {
	case 0x45: return XOP_i32_eqz;
	case 0x50: return XOP_i64_eqz;
	case 0x67: return XOP_i32_clz;
	case 0x68: return XOP_i32_ctz;
	case 0x69: return XOP_i32_popcnt;
	case 0x79: return XOP_i64_clz;
	case 0x7a: return XOP_i64_ctz;
	case 0x7b: return XOP_i64_popcnt;
	case 0x8b: return XOP_f32_abs;
	case 0x8c: return XOP_f32_neg;
	case 0x8d: return XOP_f32_ceil;
	case 0x8e: return XOP_f32_floor;
	case 0x8f: return XOP_f32_trunc;
	case 0x90: return XOP_f32_nearest;
	case 0x91: return XOP_f32_sqrt;
	case 0x99: return XOP_f64_abs;
	case 0x9a: return XOP_f64_neg;
	case 0x9b: return XOP_f64_ceil;
	case 0x9c: return XOP_f64_floor;
	case 0x9d: return XOP_f64_trunc;
	case 0x9e: return XOP_f64_nearest;
	case 0x9f: return XOP_f64_sqrt;
	case 0xa7: return XOP_i32_wrap_i64;
	case 0xa8: return XOP_i32_trunc_f32_s;
	case 0xa9: return XOP_i32_trunc_f32_u;
	case 0xaa: return XOP_i32_trunc_f64_s;
	case 0xab: return XOP_i32_trunc_f64_u;
	case 0xac: return XOP_i64_extend_i32_s;
	case 0xae: return XOP_i64_trunc_f32_s;
	case 0xaf: return XOP_i64_trunc_f32_u;
	case 0xb0: return XOP_i64_trunc_f64_s;
	case 0xb1: return XOP_i64_trunc_f64_u;
	case 0xb2: return XOP_f32_convert_i32_s;
	case 0xb3: return XOP_f32_convert_i32_u;
	case 0xb4: return XOP_f32_convert_i64_s;
	case 0xb5: return XOP_f32_convert_i64_u;
	case 0xb6: return XOP_f32_demote_f64;
	case 0xb7: return XOP_f64_convert_i32_s;
	case 0xb8: return XOP_f64_convert_i32_u;
	case 0xb9: return XOP_f64_convert_i64_s;
	case 0xba: return XOP_f64_convert_i64_u;
	case 0xbb: return XOP_f64_promote_f32;
	case 0xc0: return XOP_i32_extend8_s;
	case 0xc1: return XOP_i32_extend16_s;
	case 0xc2: return XOP_i64_extend8_s;
	case 0xc3: return XOP_i64_extend16_s;
	case 0xc4: return XOP_i64_extend32_s;
	case 0xd1: return XOP_i64_eqz;        /* ref.is_null: null is 0 */
	default: return XOP__COUNT;
	}
}

static enum xop load_op(uint8_t op)
{
	switch (op) {
	case 0x28: return XOP_ld32u;     /* i32.load */
	case 0x29: return XOP_ld64;      /* i64.load */
	case 0x2a: return XOP_ld32u;     /* f32.load */
	case 0x2b: return XOP_ld64;      /* f64.load */
	case 0x2c: return XOP_ld8s32;
	case 0x2d: return XOP_ld8u;
	case 0x2e: return XOP_ld16s32;
	case 0x2f: return XOP_ld16u;
	case 0x30: return XOP_ld8s64;
	case 0x31: return XOP_ld8u;
	case 0x32: return XOP_ld16s64;
	case 0x33: return XOP_ld16u;
	case 0x34: return XOP_ld32s64;
	case 0x35: return XOP_ld32u;
	default: return XOP__COUNT;
	}
}

static enum xop store_op(uint8_t op)
{
	switch (op) {
	case 0x36: case 0x38: case 0x3e: return XOP_st32;
	case 0x37: case 0x39: return XOP_st64;
	case 0x3a: case 0x3c: return XOP_st8;
	case 0x3b: case 0x3d: return XOP_st16;
	default: return XOP__COUNT;
	}
}

static void push_const(struct xl *x, uint64_t v)
{
	struct vent *e = push(x);

	e->kind = V_CONST;
	e->value = v;
}

static void translate_body(struct xl *x)
{
	uint32_t idx, imm[2];
	uint8_t op;
	enum xop xo;

	while (!x->fail) {
		op = rd_byte(x);
		if (x->fail)
			break;
		switch (op) {
		case OP_UNREACHABLE:
			emit_op(x, XOP_unreachable);
			go_dead(x);
			break;
		case OP_NOP:
			break;
		case OP_BLOCK: case OP_LOOP: case OP_IF:
			op_block(x, op);
			break;
		case OP_ELSE:
			op_else(x);
			break;
		case OP_END:
			if (op_end(x))
				return;
			break;
		case OP_BR:
			op_br(x);
			break;
		case OP_BR_IF:
			op_br_if(x);
			break;
		case OP_BR_TABLE:
			op_br_table(x);
			break;
		case OP_RETURN:
			if (can_pop(x, x->xf->ft->nresults)) {
				prep_branch(x, x->xf->ft->nresults);
				emit_return(x);
				go_dead(x);
			}
			break;
		case OP_CALL:
			call(x, rd_u32(x));
			break;
		case OP_CALL_INDIRECT:
			idx = rd_u32(x);
			call_indirect(x, idx, rd_u32(x));
			break;
		case OP_DROP:
			pop_n(x, 1);
			break;
		case OP_SELECT_T:
			idx = rd_u32(x);
			while (idx-- > 0 && !x->fail)
				rd_byte(x);
			/* fall through */
		case OP_SELECT: {
			uint32_t i, oa, ob, oc, f;

			if (!can_pop(x, 3))
				break;
			i = x->vh - 3;
			if (x->vs[i].kind == V_CONST && x->vs[i].value >> 32 == 0 &&
			    (x->vs[i + 1].kind != V_CONST || x->vs[i + 1].value >> 32 != 0)) {
				oa = (uint32_t)x->vs[i].value;
				ob = operand(x, i + 1);
				oc = operand(x, i + 2);
				emit_op(x, XOP_select_i1);
			} else if (x->vs[i + 1].kind == V_CONST && x->vs[i + 1].value >> 32 == 0) {
				oa = operand(x, i);
				ob = (uint32_t)x->vs[i + 1].value;
				oc = operand(x, i + 2);
				emit_op(x, XOP_select_i2);
			} else {
				oa = operand(x, i);
				ob = operand(x, i + 1);
				oc = operand(x, i + 2);
				emit_op(x, XOP_select);
			}
			f = emit_u32(x, home(x, i));
			emit_u32(x, oa);
			emit_u32(x, ob);
			emit_u32(x, oc);
			x->vh -= 3;
			push_temp(x);
			set_result(x, f);
			break;
		}
		case OP_LOCAL_GET: {
			struct vent *e;

			idx = rd_u32(x);
			if (idx >= x->nlocals_all) {
				fail(x, ENG_ERR_INVALID, "unknown local");
				break;
			}
			e = push(x);
			e->kind = V_LOCAL;
			e->local_off = idx * 8u;
			break;
		}
		case OP_LOCAL_SET:
			local_set(x, rd_u32(x), false);
			break;
		case OP_LOCAL_TEE:
			local_set(x, rd_u32(x), true);
			break;
		case OP_GLOBAL_GET:
			imm[0] = rd_u32(x);
			if (imm[0] >= x->m->nglobals_total) {
				fail(x, ENG_ERR_INVALID, "unknown global");
				break;
			}
			emit_stack_op(x, XOP_global_get, 0, true, imm, 1);
			break;
		case OP_GLOBAL_SET:
			imm[0] = rd_u32(x);
			if (imm[0] >= x->m->nglobals_total) {
				fail(x, ENG_ERR_INVALID, "unknown global");
				break;
			}
			global_set(x, imm[0]);
			break;
		case OP_TABLE_GET:
			imm[0] = rd_u32(x);
			emit_stack_op(x, XOP_table_get, 1, true, imm, 1);
			break;
		case OP_TABLE_SET:
			imm[0] = rd_u32(x);
			emit_stack_op(x, XOP_table_set, 2, false, imm, 1);
			break;
		case 0x3f:
			rd_byte(x);
			emit_stack_op(x, XOP_memory_size, 0, true, NULL, 0);
			break;
		case 0x40:
			rd_byte(x);
			emit_stack_op(x, XOP_memory_grow, 1, true, NULL, 0);
			break;
		case OP_I32_CONST:
			push_const(x, (uint32_t)(int32_t)rd_sleb(x, 32));
			break;
		case OP_I64_CONST:
			push_const(x, (uint64_t)rd_sleb(x, 64));
			break;
		case OP_F32_CONST:
			push_const(x, rd_fixed(x, 4));
			break;
		case OP_F64_CONST:
			push_const(x, rd_fixed(x, 8));
			break;
		case OP_REF_NULL:
			rd_byte(x);
			push_const(x, 0);
			break;
		case OP_REF_FUNC:
			imm[0] = rd_u32(x);
			if (imm[0] >= x->m->nfuncs_total) {
				fail(x, ENG_ERR_INVALID, "unknown function");
				break;
			}
			emit_stack_op(x, XOP_ref_func, 0, true, imm, 1);
			break;
		case 0xad:   /* i64.extend_i32_u: slots are zero-extended */
		case 0xbc: case 0xbd: case 0xbe: case 0xbf:   /* reinterpret */
			if (!can_pop(x, 1))
				break;
			break;
		case OP_PREFIX_FC:
			op_prefix_fc(x);
			break;
		default:
			if (op >= 0x28 && op <= 0x35) {
				load(x, load_op(op));
			} else if (op >= 0x36 && op <= 0x3e) {
				store(x, store_op(op));
			} else if ((xo = unop_for(op)) != XOP__COUNT) {
				unop(x, xo);
			} else if (op < BASE_ARRAY_SIZE(binops) && binops[op].op != 0) {
				binop(x, &binops[op]);
			} else {
				fail(x, ENG_ERR_INVALID, "unknown instruction");
			}
			break;
		}
	}
}

/* Translates defined function i of m into m->exec's xfuncs[i]. */
static enum eng_status translate(struct eng_module *m, uint32_t i, struct eng_error *err)
{
	struct exec_module *em = m->exec;
	struct xfunc *xf = &em->xfuncs[i];
	struct eng__func *fn = &m->funcs[i];
	struct xl x;
	enum eng_status st = ENG_OK;
	size_t len;

	memset(&x, 0, sizeof(x));
	x.m = m;
	x.xf = xf;
	x.h = exec__handlers();
	x.p = fn->code;
	x.end = fn->code + fn->code_len;
	x.nlocals_all = xf->ft->nparams + fn->nlocals;
	x.straight = true;
	x.label_pos = SIZE_MAX;
	x.zero_locals = fn->nlocals >= 64 ? UINT64_MAX : (UINT64_C(1) << fn->nlocals) - 1;
	if (!push_frame(&x, CF_FUNC, 0, xf->ft->nresults))
		goto out;
	translate_body(&x);
	if (!x.fail && x.p != x.end)
		fail(&x, ENG_ERR_MALFORMED, "trailing bytes after function end");
	if (!x.fail && (uint64_t)(x.nlocals_all + x.max_h + 1) * 8 > UINT32_MAX / 2)
		fail(&x, ENG_ERR_LIMIT, "function frame too large");
out:
	if (x.fail) {
		st = eng__error(err, x.st, fn->code_offset, "%s", x.msg);
		if (err)
			err->func_idx = m->nfunc_imports + i;
		buf_deinit(&x.code);
	} else {
		xf->code = buf_steal(&x.code, &len);
		xf->code_len = len;
		xf->frame_bytes = (x.nlocals_all + x.max_h) * 8u;
		/* room to zero four slots after the params unconditionally */
		if (xf->frame_bytes < xf->locals_off + 32)
			xf->frame_bytes = xf->locals_off + 32;
		xf->ready = true;
	}
	free(x.vs);
	free(x.cs);
	free(x.pt);
	return st;
}

enum eng_status exec__module_init(struct eng_module *m, struct eng_error *err)
{
	struct exec_module *em = m->exec;
	uint32_t n = m->nfuncs_total - m->nfunc_imports, i;

	if (em)
		return ENG_OK;
	em = calloc(1, sizeof(*em));
	if (!em)
		return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
	em->xfuncs = calloc(n ? n : 1, sizeof(*em->xfuncs));
	if (!em->xfuncs) {
		free(em);
		return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
	}
	for (i = 0; i < n; i++) {
		struct xfunc *xf = &em->xfuncs[i];

		xf->func_idx = m->nfunc_imports + i;
		xf->ft = &m->types[m->funcs[i].type_idx];
		xf->nlocals = m->funcs[i].nlocals;
		xf->locals_off = xf->ft->nparams * 8u;
		xf->cost = m->funcs[i].stack_cost;
		m->funcs[i].compiled = xf;
	}
	m->exec = em;
	return ENG_OK;
}

enum eng_status exec__prepare(struct eng_module *m, struct eng_error *err)
{
	struct exec_module *em = m->exec;
	uint32_t n = m->nfuncs_total - m->nfunc_imports, i;
	enum eng_status st;

	if (em && em->prepared)
		return ENG_OK;
	st = exec__module_init(m, err);
	if (st != ENG_OK)
		return st;
	em = m->exec;
	for (i = 0; i < n; i++) {
		if (em->xfuncs[i].ready)
			continue;
		st = translate(m, i, err);
		if (st != ENG_OK)
			return st;
	}
	em->prepared = true;
	return ENG_OK;
}

enum eng_status eng_module_prepare(struct eng_module *m, struct eng_error *err)
{
	return exec__prepare(m, err);
}

/* Every frame of defined function f holds at most frame_bytes/8 slots
 * before the next frame starts and costs cost_f >= 1 on the logical
 * counter, so frames whose costs sum to at most L hold at most
 * L * max(slots_f / cost_f) slots, plus the innermost frame in full and
 * the scratch slots of a host call (parameters + results). */
uint64_t eng_module_value_slots_bound(const struct eng_module *m, uint32_t logical_stack_max)
{
	const struct exec_module *em = m->exec;
	uint32_t n = m->nfuncs_total - m->nfunc_imports, i;
	uint64_t max_slots = 0, best_num = 0, best_den = 1, host = 0;

	if (!em)
		return 0;
	for (i = 0; i < n; i++) {
		const struct xfunc *xf = &em->xfuncs[i];
		uint64_t slots = xf->frame_bytes / 8u;

		/* frame_bytes is 0 until translated (or set from imported
		 * native code, native/blob.c) */
		if (xf->cost == 0 || xf->frame_bytes == 0)
			return 0;
		if (slots > max_slots)
			max_slots = slots;
		if (slots * best_den > best_num * xf->cost) {
			best_num = slots;
			best_den = xf->cost;
		}
	}
	for (i = 0; i < m->ntypes; i++)
		if ((uint64_t)m->types[i].nparams + m->types[i].nresults > host)
			host = (uint64_t)m->types[i].nparams + m->types[i].nresults;
	return ((uint64_t)logical_stack_max * best_num + best_den - 1) / best_den + max_slots + host;
}

void eng__exec_module_free(struct eng_module *m)
{
	struct exec_module *em = m->exec;
	uint32_t i, n;

	nat__module_free(m);
	if (!em)
		return;
	n = m->nfuncs_total - m->nfunc_imports;
	for (i = 0; i < n; i++)
		free(em->xfuncs[i].code);
	free(em->xfuncs);
	free(em);
	m->exec = NULL;
}
