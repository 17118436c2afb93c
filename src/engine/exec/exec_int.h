/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec: the runtime half of the engine (store, instances, interpreter).
 * Internal to src/engine/exec; see docs/interpreter.md for the design.
 *
 * Values live in 64-bit slots. An i32/f32 value is always stored zero-extended
 * to 64 bits (so i64.extend_i32_u and the reinterpret instructions cost
 * nothing), f64 and i64 values use the whole slot, references are pointers.
 */
#ifndef PVF_ENGINE_EXEC_INT_H
#define PVF_ENGINE_EXEC_INT_H

#include <string.h>

#include "../engine_int.h"
#include "../native/native.h"

#define EXEC_PAGE_SIZE 65536u
#define EXEC_MAX_PAGES 65536u
#define EXEC_DEFAULT_CALL_DEPTH 131072u
#define EXEC_DEFAULT_VALUE_SLOTS (32u * 1024 * 1024)   /* 256 MiB of slots */
#define EXEC_DEFAULT_TABLE_ELEMS 10000000u

/* ---- store objects ------------------------------------------------------ */

/* Every object a store owns starts with this header (a singly linked list the
 * store walks when it is freed). */
enum obj_kind { OBJ_FUNC, OBJ_MEMORY, OBJ_TABLE, OBJ_GLOBAL, OBJ_INSTANCE, OBJ_FUNC_ARRAY };

struct obj_hdr {
	struct obj_hdr *next;
	enum obj_kind kind;
};

struct xfunc;

struct eng_func {
	struct obj_hdr hdr;
	struct eng_store *store;
	/* The type: points into the module (wasm functions) or into host_types
	 * (host functions). view is the public form of the same data. */
	const struct eng__functype *ft;
	struct eng_functype view;
	bool is_host;
	/* wasm function */
	struct eng_instance *inst;
	struct xfunc *xf;
	uint32_t func_idx;      /* index in its module's function index space */
	const void *ncode;      /* native entry (native store), else NULL */
	/* host function */
	eng_host_fn fn;
	void *user;
	struct eng__functype host_type;   /* owned copy (types malloc'd) */
};

struct eng_memory {
	struct obj_hdr hdr;
	uint8_t *base;          /* never NULL (points at a dummy byte when empty) */
	uint64_t size;          /* bytes = pages * 64 KiB */
	uint32_t pages;
	uint32_t limit;         /* effective maximum pages: min(declared, store) */
	struct eng__limits decl;
	size_t reserved;        /* bytes of address space reserved (mmap) */
	bool fixed;             /* reserved for limit pages: base never moves */
	bool guarded;           /* EXEC_GUARD_RESERVE reserved, PROT_NONE beyond
				 * size: native code accesses it unchecked */
};

/* Address space reserved per memory of a guard-page store: any 32-bit address
 * plus any 32-bit offset plus an access size (at most 16) stays inside it. */
#define EXEC_GUARD_RESERVE (((size_t)1 << 33) + 65536)

struct eng_table {
	struct obj_hdr hdr;
	void **elems;
	uint32_t size;
	uint32_t cap;
	uint32_t limit;         /* effective maximum: min(declared, store) */
	uint8_t elem_type;
	struct eng__limits decl;
};

struct eng_global {
	struct obj_hdr hdr;
	uint64_t bits;          /* i32/f32 zero-extended; refs as pointer bits */
	uint8_t type;
	bool mut;
};

struct eng_instance {
	struct obj_hdr hdr;
	struct eng_store *store;
	struct eng_module *m;
	struct eng_func **funcs;       /* function index space */
	struct eng_table **tables;
	struct eng_memory **mems;
	struct eng_global **globals;
	struct eng_memory *mem0;       /* mems[0] or NULL */
	struct eng_memory *rt_mem;     /* mems[0] or the store's empty memory */
	struct eng_func *own_funcs;    /* defined functions (array) */
	/* Element segments: evaluated references, NULL/0 once dropped. */
	void ***elem_refs;
	uint32_t *elem_len;
	uint8_t *data_dropped;
	bool canon;                    /* NaN canonicalisation on */
	void *native;                  /* struct nat_inst (native store) */
};

/* A call record on the store's frame stack. */
struct frame {
	const uint8_t *ret_ip;
	uint8_t *fp;
	struct eng_instance *inst;
	uint32_t cost;                 /* logical stack cost added on entry */
};

struct eng_host_call {
	struct eng_store *store;
	struct eng_instance *inst;     /* the calling instance, or NULL */
};

struct eng_store {
	struct eng_store_config cfg;   /* defaults applied */
	struct obj_hdr *objects;
	/* Value stack: reserved once (mmap, lazily committed). */
	uint8_t *stack;
	uint8_t *stack_end;
	uint8_t *stack_top;            /* first free byte for a new entry */
	size_t stack_reserved;
	/* Frame stack. */
	struct frame *frames;
	uint32_t nframes_cap;
	uint32_t depth;                /* frames in use */
	uint64_t sl_counter;           /* logical stack counter */
	uint64_t sl_limit;             /* logical_stack_max, or UINT64_MAX when
					* off: native code always counts and
					* compares, so it needs no test */
	char host_msg[160];            /* message of the last host trap */
	bool host_msg_set;
	struct eng_memory no_mem;      /* what rt_mem points at without memory */
	uint8_t no_mem_byte;
	void *native;                  /* struct nat_ctx (native backend) */
	bool guard_mem;                /* memories get guard regions (native) */
};

/* ---- translated code ---------------------------------------------------- */

/* A defined function after translation. code is a sequence of instructions:
 * an 8-byte handler address followed by 32-bit fields (frame offsets in
 * bytes, immediates, branch displacements relative to the field's own
 * address). */
struct xfunc {
	uint8_t *code;
	size_t code_len;
	const struct eng__functype *ft;
	uint32_t func_idx;
	uint32_t nlocals;              /* declared locals (zeroed on entry) */
	uint32_t locals_off;           /* frame offset of the first declared local */
	uint32_t frame_bytes;          /* params + locals + operand slots, at
					* least locals_off + 32 (see enter) */
	uint32_t cost;                 /* logical stack cost */
	bool ready;
};

struct exec_module {
	struct xfunc *xfuncs;          /* one per defined function */
	bool prepared;
};

/* Internal opcodes. Their handlers are labels in interp.c. Loads (ld*: dst,
 * address) and stores (st*: value, address) give an address as three
 * fields: a slot, an addend added to it in 32 bits (a folded i32.add) and
 * the memarg offset, added in 64 bits. */
#define EXEC_OPS(X)                                                            \
	X(unreachable) X(br) X(br_if) X(br_unless) X(br_table) X(ret) X(exit)   \
	X(call) X(call_import) X(call_indirect)                                 \
	X(copy) X(const32) X(const64) X(select)                                \
	/* select with a 32-bit constant: dst, imm|a, b|imm, cond (_i1: the    \
	 * first value is the constant, _i2 the second) */                      \
	X(select_i1) X(select_i2)                                               \
	X(global_get) X(global_set)                                            \
	/* i32 globals plus a constant: global_get_add dst, g, c (dst = g + c);  \
	 * global_set_add src, g, c (g = src + c); global_add_to dst, g, c      \
	 * (dst = g + c, then g = dst) */                                       \
	X(global_get_add) X(global_set_add) X(global_add_to)                    \
	X(ld8u) X(ld16u) X(ld32u) X(ld64) X(ld8s32) X(ld16s32) X(ld8s64)        \
	X(ld16s64) X(ld32s64) X(st8) X(st16) X(st32) X(st64)                   \
	X(memory_size) X(memory_grow) X(memory_fill) X(memory_copy)            \
	X(memory_init) X(data_drop)                                            \
	X(table_get) X(table_set) X(table_size) X(table_grow) X(table_fill)    \
	X(table_copy) X(table_init) X(elem_drop) X(ref_func)                   \
	X(i32_eqz) X(i32_eq) X(i32_ne) X(i32_lt_s) X(i32_lt_u) X(i32_gt_s)     \
	X(i32_gt_u) X(i32_le_s) X(i32_le_u) X(i32_ge_s) X(i32_ge_u)            \
	X(i64_eqz) X(i64_eq) X(i64_ne) X(i64_lt_s) X(i64_lt_u) X(i64_gt_s)     \
	X(i64_gt_u) X(i64_le_s) X(i64_le_u) X(i64_ge_s) X(i64_ge_u)            \
	X(f32_eq) X(f32_ne) X(f32_lt) X(f32_gt) X(f32_le) X(f32_ge)             \
	X(f64_eq) X(f64_ne) X(f64_lt) X(f64_gt) X(f64_le) X(f64_ge)             \
	X(i32_clz) X(i32_ctz) X(i32_popcnt) X(i32_add) X(i32_sub) X(i32_mul)   \
	X(i32_div_s) X(i32_div_u) X(i32_rem_s) X(i32_rem_u) X(i32_and)         \
	X(i32_or) X(i32_xor) X(i32_shl) X(i32_shr_s) X(i32_shr_u) X(i32_rotl)  \
	X(i32_rotr)                                                            \
	X(i64_clz) X(i64_ctz) X(i64_popcnt) X(i64_add) X(i64_sub) X(i64_mul)   \
	X(i64_div_s) X(i64_div_u) X(i64_rem_s) X(i64_rem_u) X(i64_and)         \
	X(i64_or) X(i64_xor) X(i64_shl) X(i64_shr_s) X(i64_shr_u) X(i64_rotl)  \
	X(i64_rotr)                                                            \
	X(f32_abs) X(f32_neg) X(f32_ceil) X(f32_floor) X(f32_trunc)            \
	X(f32_nearest) X(f32_sqrt) X(f32_add) X(f32_sub) X(f32_mul) X(f32_div) \
	X(f32_min) X(f32_max) X(f32_copysign)                                  \
	X(f64_abs) X(f64_neg) X(f64_ceil) X(f64_floor) X(f64_trunc)            \
	X(f64_nearest) X(f64_sqrt) X(f64_add) X(f64_sub) X(f64_mul) X(f64_div) \
	X(f64_min) X(f64_max) X(f64_copysign)                                  \
	/* b - a, b / a (dst, a, b): the operands of sub/div swapped so that  \
	 * the _acc variant can take the right one from acc */                  \
	X(i32_rsub) X(i64_rsub) X(f64_rsub) X(f64_rdiv)                         \
	X(i32_wrap_i64) X(i32_trunc_f32_s) X(i32_trunc_f32_u)                  \
	X(i32_trunc_f64_s) X(i32_trunc_f64_u) X(i64_extend_i32_s)              \
	X(i64_trunc_f32_s) X(i64_trunc_f32_u) X(i64_trunc_f64_s)               \
	X(i64_trunc_f64_u) X(f32_convert_i32_s) X(f32_convert_i32_u)           \
	X(f32_convert_i64_s) X(f32_convert_i64_u) X(f32_demote_f64)            \
	X(f64_convert_i32_s) X(f64_convert_i32_u) X(f64_convert_i64_s)         \
	X(f64_convert_i64_u) X(f64_promote_f32)                                \
	X(i32_extend8_s) X(i32_extend16_s) X(i64_extend8_s) X(i64_extend16_s)  \
	X(i64_extend32_s)                                                      \
	X(i32_trunc_sat_f32_s) X(i32_trunc_sat_f32_u) X(i32_trunc_sat_f64_s)   \
	X(i32_trunc_sat_f64_u) X(i64_trunc_sat_f32_s) X(i64_trunc_sat_f32_u)   \
	X(i64_trunc_sat_f64_s) X(i64_trunc_sat_f64_u)                          \
	/* binary ops with an immediate right operand */                      \
	X(i32_add_i) X(i32_sub_i) X(i32_mul_i) X(i32_and_i) X(i32_or_i)         \
	X(i32_xor_i) X(i32_shl_i) X(i32_shr_s_i) X(i32_shr_u_i) X(i32_rotl_i)   \
	X(i32_rotr_i) X(i32_rsub_i) X(i32_eq_i) X(i32_ne_i) X(i32_lt_s_i)      \
	X(i32_lt_u_i)                                                          \
	X(i32_gt_s_i) X(i32_gt_u_i) X(i32_le_s_i) X(i32_le_u_i) X(i32_ge_s_i)   \
	X(i32_ge_u_i)                                                          \
	X(i64_add_i) X(i64_sub_i) X(i64_mul_i) X(i64_and_i) X(i64_or_i)         \
	X(i64_xor_i) X(i64_shl_i) X(i64_shr_s_i) X(i64_shr_u_i) X(i64_rotl_i)   \
	X(i64_rotr_i) X(i64_rsub_i) X(i64_eq_i) X(i64_ne_i) X(i64_lt_s_i)      \
	X(i64_lt_u_i)                                                          \
	X(i64_gt_s_i) X(i64_gt_u_i) X(i64_le_s_i) X(i64_le_u_i) X(i64_ge_s_i)   \
	X(i64_ge_u_i)                                                          \
	/* float arithmetic with a constant: dst, a, bits (f64: two fields); \
	 * _ri: the constant is the left operand (imm OP a, in Wasm's order) */ \
	X(f32_add_i) X(f32_sub_i) X(f32_mul_i) X(f32_div_i) X(f32_add_ri)       \
	X(f32_sub_ri) X(f32_mul_ri) X(f32_div_ri)                              \
	X(f64_add_i) X(f64_sub_i) X(f64_mul_i) X(f64_div_i) X(f64_add_ri)       \
	X(f64_sub_ri) X(f64_mul_ri) X(f64_div_ri)                              \
	/* fused compare-and-branch: branch if (a OP b) */                     \
	X(bri32_eq) X(bri32_ne) X(bri32_lt_s)         \
	X(bri32_lt_u) X(bri32_gt_s) X(bri32_gt_u) X(bri32_le_s) X(bri32_le_u)   \
	X(bri32_ge_s) X(bri32_ge_u)                                            \
	X(bri32_eq_i) X(bri32_ne_i) X(bri32_lt_s_i) X(bri32_lt_u_i)             \
	X(bri32_gt_s_i) X(bri32_gt_u_i) X(bri32_le_s_i) X(bri32_le_u_i)         \
	X(bri32_ge_s_i) X(bri32_ge_u_i)                                        \
	X(bri64_eqz) X(bri64_nez)                                              \
	/* branch on acc, the previous instruction's i32 result: c|imm, mask,   \
	 * displacement */                                                      \
	X(br_acc) X(br_acc_i)                                                   \
	/* i32.add, then branch on the sum: d, a, b|imm, c|imm, condition mask, \
	 * displacement (d = a + b; branch if d COND c) */                      \
	X(i32_add_br) X(i32_add_br_i) X(i32_add_i_br) X(i32_add_i_br_i)         \
	/* a load, then a branch on the value: d, address, c|imm, mask, disp. */ \
	X(ld32u_br) X(ld32u_br_i) X(ld8u_br) X(ld8u_br_i)                       \
	/* binary op with a loaded operand m: dst, x, address (x OP m; _r:   \
	 * m OP x; m32: an i64 op on a zero-extended 32-bit load) */          \
	X(i32_add_m) X(i32_sub_m) X(i32_rsub_m) X(i32_and_m) X(i32_or_m)        \
	X(i32_xor_m) X(i64_add_m32) X(i64_mul_m32) X(i64_add_m) X(i64_mul_m)    \
	X(f64_add_m) X(f64_radd_m) X(f64_sub_m) X(f64_rsub_m) X(f64_mul_m)      \
	X(f64_rmul_m)                                                          \
	/* loads whose address is an i32.add of two slots: dst, a, b, offset */ \
	X(ld32u_add) X(ld64_add) X(ld8u_add)                                    \
	/* loads from a constant address: dst, 64-bit effective address */     \
	X(ld32u_c) X(ld64_c) X(ld8u_c)                                         \
	/* stores of a constant: value (st64_i: 64-bit), address */             \
	X(st32_i) X(st64_i) X(st8_i)                                            \
	/* a load stored right away: dst address, src address */               \
	X(mov32) X(mov64) X(mov8)                                              \
	/* two additions of immediates: d1, a1, imm1, d2, a2, imm2 */          \
	X(i32_add_i2)                                                           \
	/* two copies: d1, s1, d2, s2 (in this order) */                        \
	X(copy2)                                                                \
	/* a whole copy loop: mov; i32_add_i2; bri32_lt_u/ne back (see interp) */ \
	X(loop_mov)

/* Instructions with an _acc variant (same fields): the value named by their
 * first operand field (loads: the address slot; stores: the value; moves:
 * the source address slot; binary ops: a) is taken from the interpreter's
 * acc, which holds the result of the instruction just before (the
 * translator's acc_forward). */
#define EXEC_ACC_OPS(X)                                                        \
	X(ld8u) X(ld32u) X(ld64) X(st8) X(st16) X(st32) X(st64) X(i32_add)     \
	X(i32_sub) X(i32_mul) X(i32_and) X(i32_or) X(i32_xor) X(i32_shl)       \
	X(i32_shr_s) X(i32_shr_u) X(i32_rotl) X(i32_rotr) X(i64_add)           \
	X(i64_sub) X(i64_mul) X(i64_and) X(i64_or) X(i64_xor) X(i64_shl)       \
	X(i64_shr_s) X(i64_shr_u) X(i64_rotl) X(i64_rotr) X(f64_add)           \
	X(f64_sub) X(f64_mul) X(f64_div) X(i32_add_i) X(i32_sub_i)             \
	X(i32_mul_i) X(i32_and_i) X(i32_or_i) X(i32_xor_i) X(i32_shl_i)        \
	X(i32_shr_s_i) X(i32_shr_u_i) X(i32_rotl_i) X(i32_rotr_i) X(i64_add_i) \
	X(i64_sub_i) X(i64_mul_i) X(i64_and_i) X(i64_or_i) X(i64_xor_i)        \
	X(i64_shl_i) X(i64_shr_s_i) X(i64_shr_u_i) X(i64_rotl_i) X(i64_rotr_i) \
	X(f64_add_i) X(f64_sub_i) X(f64_mul_i) X(f64_div_i) X(f64_add_ri)      \
	X(f64_sub_ri) X(f64_mul_ri) X(f64_div_ri) X(i32_add_m) X(i32_sub_m)    \
	X(i32_rsub_m) X(i32_and_m) X(i32_or_m) X(i32_xor_m) X(i64_add_m32)     \
	X(i64_mul_m32) X(i64_add_m) X(i64_mul_m) X(f64_add_m) X(f64_radd_m)    \
	X(f64_sub_m) X(f64_rsub_m) X(f64_mul_m) X(f64_rmul_m) X(i32_rsub_i)    \
	X(i64_rsub_i) X(mov32) X(mov64) X(mov8) X(i32_add_br) X(i32_add_br_i)  \
	X(i32_add_i_br) X(i32_add_i_br_i) X(ld32u_br) X(ld32u_br_i) X(ld8u_br) \
	X(ld8u_br_i) X(i32_rsub) X(i64_rsub) X(f64_rsub) X(f64_rdiv)

enum xop {
#define X_ENUM(name) XOP_##name,
#define X_ENUM_ACC(name) XOP_##name##_acc,
	EXEC_OPS(X_ENUM)
	EXEC_ACC_OPS(X_ENUM_ACC)
#undef X_ENUM
#undef X_ENUM_ACC
	XOP__COUNT
};

/* The _acc variants are numbered after the base instructions. */
#define X_ONE(name) + 1
enum { XOP__ACC_FIRST = 0 EXEC_OPS(X_ONE) };
#undef X_ONE

/* ---- cross-file internals ------------------------------------------------ */

/* Handler address table of the interpreter (built once). */
const void *const *exec__handlers(void);

/* Number of 32-bit fields after the handler of op (br_table: the fixed
 * part; an _acc variant: as its base). */
unsigned exec__op_fields(enum xop op);

/* Appends a listing of xf's code to out (0 or -ENOMEM). */
int exec__disasm(const struct xfunc *xf, struct buf *out);

/* Creates m->exec with every defined function's type, locals and cost but
 * no code yet (idempotent). */
enum eng_status exec__module_init(struct eng_module *m, struct eng_error *err);
/* Translates every defined function of m (idempotent). */
enum eng_status exec__prepare(struct eng_module *m, struct eng_error *err);

/* Runs wasm function f (not a host function) with arguments in slots at
 * base (the results replace them). Returns ENG_TRAP_NONE or the trap. */
enum eng_trap exec__run(struct eng_store *s, struct eng_func *f, uint8_t *base);

/* Fills err for a trap (host message if any); returns ENG_ERR_TRAP. */
enum eng_status exec__call_error(struct eng_store *s, enum eng_trap trap, struct eng_error *err);

/* Makes sure the store has its value and frame stacks. */
enum eng_trap exec__stack_ensure(struct eng_store *s);

void exec__store_link(struct eng_store *s, struct obj_hdr *h, enum obj_kind kind);

/* Spare mappings of freed stores, one per kind and thread (store.c). take:
 * the spare of exactly this size, or NULL. put: false if the caller must
 * unmap it itself. */
enum exec_spare { EXEC_SPARE_VALUES, EXEC_SPARE_FRAMES, EXEC_SPARE_NATIVE, EXEC_SPARE__COUNT };
void *exec__spare_take(enum exec_spare kind, size_t size);
bool exec__spare_put(enum exec_spare kind, void *p, size_t size);
struct eng_memory *exec__memory_new(struct eng_store *s, const struct eng__limits *l,
				    struct eng_error *err);
struct eng_table *exec__table_new(struct eng_store *s, uint8_t elem_type,
				  const struct eng__limits *l, struct eng_error *err);
/* Grows; returns the old size or -1. */
int64_t exec__table_grow(struct eng_table *t, uint32_t delta, void *init);

bool exec__functype_eq(const struct eng__functype *a, const struct eng__functype *b);

/* Memory bounds check: is [off, off + len) inside a region of `size` bytes? */
static inline bool exec_in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static inline uint64_t exec_slot_mask(uint8_t type, uint64_t v)
{
	return (type == ENG_I32 || type == ENG_F32) ? (uint32_t)v : v;
}

#endif /* PVF_ENGINE_EXEC_INT_H */
