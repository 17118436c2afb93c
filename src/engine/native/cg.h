/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: the single-pass code generator's internal state (docs/compiler.md).
 *
 * The compiler walks each function body once. The operand stack is tracked
 * at compile time: an entry is in its home slot (the interpreter's frame
 * layout), in a register, a constant not emitted yet, an alias of a local,
 * or a pending comparison (condition flags, consumed by the next br_if/if).
 * Registers are spilled to homes when the allocator runs out, before calls
 * and helpers, and at control-flow merges (every value below a block's
 * height is in its home; block results are passed in homes).
 */
#ifndef PVF_ENGINE_NATIVE_CG_H
#define PVF_ENGINE_NATIVE_CG_H

#include "native_int.h"
#include "x64.h"

enum vk {
	VK_HOME,     /* in the home slot of its stack position */
	VK_REG,      /* in .reg (GPR or XMM by type) */
	VK_CONST,    /* .c, not written anywhere */
	VK_LOCAL,    /* the current value of local .local */
	VK_FLAGS,    /* i32 0/1 = condition .reg (enum x_cc) on the live flags */
};

struct ve {
	uint8_t kind;
	uint8_t type;        /* enum eng_valtype */
	uint8_t reg;
	uint32_t local;
	uint64_t c;          /* slot bits: i32/f32 zero-extended */
};

enum ck { CK_FUNC, CK_BLOCK, CK_LOOP, CK_IF };

struct ctl {
	uint8_t kind;
	bool dead;            /* the rest of the frame is unreachable */
	bool else_pending;    /* CK_IF: else_fix still to be patched */
	uint8_t bt1;          /* storage for a single value block type */
	uint32_t height;      /* operand height below the params */
	uint32_t np, nr;
	const uint8_t *pt;    /* param types */
	const uint8_t *rt;    /* result types; NULL: the single type bt1 (not a
			       * pointer to it: the frame array moves) */
	size_t loop_pos;      /* CK_LOOP: code offset of the loop head */
	uint32_t fix;         /* fixups jumping to the end label (1-based list) */
	bool mem_ok;          /* every branch to the end label had r12/r13 valid;
			       * CK_LOOP: they are valid at the loop head */
	bool if_mem;          /* CK_IF: r12/r13 valid at the if (the else entry) */
	size_t else_fix;      /* CK_IF: rel32 field of the jump to the else arm */
};

struct fixup {
	uint32_t field;
	uint32_t next;
};

/* A RIP-relative reference to a constant of the function's pool. */
struct kref {
	uint32_t field;
	uint32_t slot;
	uint64_t bits;
};

/* Module-wide state: the code buffer and the shared stubs. */
struct cgm {
	struct eng_module *m;
	bool canon;
	bool guard;                       /* guard regions: no bounds checks */
	struct asmbuf a;
	size_t trap_exit;                 /* eax = trap: unwind to the entry */
	size_t trap_stub[ENG_TRAP__COUNT];
	size_t call_ref;                  /* rax = struct eng_func *, r14 set */
	uint32_t *func_off;
	uint32_t nrelocs, relcap;
	uint32_t *reloc_site, *reloc_func;
	bool oom;
};

/* Per-function state. */
struct cg {
	struct cgm *g;
	struct asmbuf *a;
	struct eng_module *m;
	const struct eng__func *fn;
	const struct eng__functype *ft;
	const struct xfunc *xf;
	uint32_t def_idx;                 /* defined function index */
	const uint8_t *p, *end;
	uint32_t nlocals_all;
	uint8_t *ltypes;                  /* params then locals */

	struct ve *vs;
	uint32_t vh, vcap, max_h;
	struct ctl *cs;
	uint32_t cn, ccap;
	struct fixup *fx;
	uint32_t nfx, fxcap;
	struct kref *kr;                  /* constant pool references */
	uint32_t nkr, krcap;

	uint8_t *lreg;                    /* per local: pinned register or NOREG */
	uint32_t *chk;                    /* per local: offset + size already
					   * bounds-checked for its current value
					   * since the last label (0: none) */
	uint32_t *chk_list;               /* locals whose chk may be non-zero */
	uint8_t *chk_in;                  /* per local: in chk_list */
	uint32_t nchk;
	uint32_t pinned[19];              /* the pinned locals (7 GPR, 12 XMM) */
	uint32_t npinned;
	uint16_t gpin, xpin;              /* registers holding pinned locals */
	bool uses_mem;                    /* the body accesses memory */
	bool mem_valid;                   /* r12/r13 hold the current memory */

	uint32_t gown[16], xown[16];      /* owning entry + 1, 0 = free */
	uint32_t reg_low;                 /* no entry below this index is VK_REG */
	uint32_t home_low;                /* every entry below this index is VK_HOME */
	uint16_t glock, xlock;            /* registers the current op holds */

	bool fail;                        /* out of memory or malformed */
	bool unsupported;                 /* fall back to the interpreter */
};

#define GPR_SCRATCH R11
#define NOREG 0xffu
#define PINNED_OWNER UINT32_MAX
#define XMM_SCRATCH 15u

static inline bool vt_xmm(uint8_t t)
{
	return t == ENG_F32 || t == ENG_F64;
}

static inline bool vt_64(uint8_t t)
{
	return t != ENG_I32 && t != ENG_F32;
}

static inline int32_t home_off(const struct cg *c, uint32_t h)
{
	return (int32_t)((c->nlocals_all + h) * 8u);
}

static inline int32_t local_off(uint32_t i)
{
	return (int32_t)(i * 8u);
}

/* ---- opt.c ---------------------------------------------------------------- */

/* Compiles the optimising tier's selection of g's module with LLVM and
 * appends its code to g->a. opt_off (one per defined function) gets the
 * offset of each compiled function's LLVM code, UINT32_MAX for the others.
 * Returns how many were compiled; 0 (and g->a as it was) when nothing was
 * selected or anything failed: the single-pass code then runs alone, and
 * *dropped (a static string, else NULL) says what failed. */
uint32_t nat__opt_compile(struct cgm *g, uint32_t *opt_off, const char **dropped);

/* ---- cg_core.c ------------------------------------------------------------ */

uint8_t cg_byte(struct cg *c);
uint32_t cg_u32(struct cg *c);
int64_t cg_sleb(struct cg *c, unsigned bits);
uint64_t cg_fixed(struct cg *c, unsigned n);
void cg_skip_dead(struct cg *c);
void cg_skip_imm(struct cg *c, uint8_t op);
void cg_fail(struct cg *c);
void cg_unsupported(struct cg *c);

struct ve *cg_push(struct cg *c, uint8_t type);
void cg_push_reg(struct cg *c, uint8_t type, unsigned reg);
void cg_push_const(struct cg *c, uint8_t type, uint64_t v);
void cg_push_home(struct cg *c, uint8_t type);
void cg_pop(struct cg *c, uint32_t n);
struct ve *cg_top(struct cg *c, uint32_t k);   /* k = 0: top */

unsigned cg_alloc(struct cg *c, bool xmm);
void cg_claim(struct cg *c, unsigned reg);      /* free a specific GPR */
void cg_spill(struct cg *c, uint32_t i);
void cg_spill_regs(struct cg *c);
void cg_materialise(struct cg *c, uint32_t i);
void cg_materialise_range(struct cg *c, uint32_t from, uint32_t to);
unsigned cg_to_reg(struct cg *c, uint32_t i);
void cg_load(struct cg *c, uint32_t i, unsigned reg);
void cg_store_slot(struct cg *c, int32_t off, uint32_t i);
struct x_mem cg_mem(const struct cg *c, uint32_t i);
void cg_lock(struct cg *c, const struct ve *e);
void cg_const_xmm(struct cg *c, unsigned x, uint64_t bits, bool dbl);
/* `op x, [rip + constant]` with the constant placed in the function's pool
 * (emitted after its code by cg_const_pool). */
void cg_sse_const(struct cg *c, unsigned pfx, unsigned op, unsigned x, uint64_t bits);
void cg_const_pool(struct cg *c);

void cg_reload_mem(struct cg *c);
void cg_trap_if(struct cg *c, enum x_cc cc, enum eng_trap trap);
void cg_helper_call(struct cg *c, enum nat_helper h);
void cg_slot_helper(struct cg *c, enum nat_helper h, uint32_t nargs, uint8_t rtype,
		    uint32_t imm1, uint32_t imm2);
void cg_add_fix(struct cg *c, struct ctl *t, size_t field);
void cg_add_reloc(struct cg *c, size_t site, uint32_t def_idx);

/* Register of entry i when it can be read there without copying (a
 * register value or a pinned local), else NOREG. */
unsigned cg_reg_of(const struct cg *c, uint32_t i);
/* Entry i is in a frame slot (its home or an unpinned local). */
bool cg_is_mem(const struct cg *c, uint32_t i);
/* A register holding entry i's value, for reading only (may be a pinned
 * local's register: never write it). */
unsigned cg_ro_reg(struct cg *c, uint32_t i);
/* Pinned locals to their slots before a call/helper, and back after. */
void cg_pins_save(struct cg *c);
void cg_pins_load(struct cg *c);
void cg_pins_init(struct cg *c);
/* Reloads r12/r13 if a call or memory.grow may have changed them. */
void cg_mem_ready(struct cg *c);
/* A label (loop head, else, end): checked extents no longer hold. */
void cg_forget_checks(struct cg *c);
/* Records a checked extent for local l (larger than the current one). */
void cg_note_check(struct cg *c, uint32_t l, uint32_t end);

/* ---- cg_scan.c --------------------------------------------------------------- */

/* Pre-pass over the body: chooses the locals pinned in registers for the
 * whole function and finds whether it touches memory. */
void cg_scan(struct cg *c);

/* ---- cg_ctrl.c -------------------------------------------------------------- */

void cg_prologue(struct cg *c);
void cg_block(struct cg *c, uint8_t op);
void cg_else(struct cg *c);
bool cg_end(struct cg *c);                     /* true at the function's end */
void cg_br(struct cg *c);
void cg_br_if(struct cg *c);
void cg_br_table(struct cg *c);
void cg_return(struct cg *c);
void cg_call(struct cg *c, uint32_t fidx);
void cg_call_indirect(struct cg *c, uint32_t tidx, uint32_t table);
void cg_go_dead(struct cg *c);

/* ---- cg_int.c ---------------------------------------------------------------- */

/* Integer instruction op (Wasm opcode); false if op is not one. */
bool cg_int_op(struct cg *c, uint8_t op);
/* The flags hold the result of a comparison (condition cc) of the top npop
 * values: pops them and pushes the i32 result. */
void cg_flags_result(struct cg *c, enum x_cc cc, uint32_t npop);

/* ---- cg_ops.c ---------------------------------------------------------------- */

void cg_body(struct cg *c);

/* ---- cg_float.c -------------------------------------------------------------- */

/* Compiles float instruction op (Wasm opcode); false if op is not one. */
bool cg_float_op(struct cg *c, uint8_t op);

#endif /* PVF_ENGINE_NATIVE_CG_H */
