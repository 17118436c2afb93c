/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: the x86-64 backend (docs/compiler.md). Internal to
 * src/engine/native; the hooks the rest of the engine calls are in native.h.
 *
 * Run-time objects seen by compiled code (offsets are taken with offsetof by
 * the compiler, so these structs may change freely):
 *
 *   struct nat_ctx   one per store: the logical counters while native code
 *                    runs, their limits, the dedicated native stack and the
 *                    stack pointer to unwind to on a trap.
 *   struct nat_inst  one per instance, pinned in r15 while its code runs:
 *                    pointers to the instance's objects and the helper table.
 *   struct nat_code  one per module and NaN mode: the executable buffer.
 */
#ifndef PVF_ENGINE_NATIVE_INT_H
#define PVF_ENGINE_NATIVE_INT_H

#include "../exec/exec_int.h"
#include "native.h"

/* C functions compiled code calls through nat_inst.helpers (SysV ABI). */
enum nat_helper {
	NH_CALL,            /* call a host or interpreter-only function */
	NH_SIG_EQ,          /* structural function-type comparison */
	NH_MEMORY_GROW,
	NH_MEMORY_FILL,
	NH_MEMORY_COPY,
	NH_MEMORY_INIT,
	NH_DATA_DROP,
	NH_TABLE_GET,
	NH_TABLE_SET,
	NH_TABLE_SIZE,
	NH_TABLE_GROW,
	NH_TABLE_FILL,
	NH_TABLE_COPY,
	NH_TABLE_INIT,
	NH_ELEM_DROP,
	/* one-operand numeric helpers: uint64_t f(uint64_t bits) */
	NH_I32_TRUNC_SAT_F32_S, NH_I32_TRUNC_SAT_F32_U, NH_I32_TRUNC_SAT_F64_S,
	NH_I32_TRUNC_SAT_F64_U, NH_I64_TRUNC_SAT_F32_S, NH_I64_TRUNC_SAT_F32_U,
	NH_I64_TRUNC_SAT_F64_S, NH_I64_TRUNC_SAT_F64_U,
	NH_F32_CEIL, NH_F32_FLOOR, NH_F32_TRUNC, NH_F32_NEAREST,
	NH_F64_CEIL, NH_F64_FLOOR, NH_F64_TRUNC, NH_F64_NEAREST,
	NH_I32_CLZ, NH_I32_CTZ, NH_I32_POPCNT, NH_I64_CLZ, NH_I64_CTZ, NH_I64_POPCNT,
	NH__COUNT
};

struct nat_ctx {
	/* read and written by compiled code */
	uint64_t entry_rsp;       /* rsp of the innermost nat_enter (trap unwind) */
	uint64_t vend;            /* end of the interpreter's value stack */
	uint64_t sl;              /* logical stack counter */
	uint64_t sl_max;          /* limit, UINT64_MAX when off */
	uint64_t stack_lo;        /* lowest rsp compiled code may use */
	uint64_t ret_i;           /* single integer result of the entry call */
	uint64_t ret_f;           /* single float result (bits) */
	uint32_t depth;           /* wasm frames in use */
	uint32_t max_depth;
	/* C side */
	struct eng_store *store;
	uint8_t *stack;           /* mapping: guard page(s), then the stack */
	size_t stack_size;        /* bytes mapped */
	size_t need_extra;        /* max native frame bytes beyond the value stack */
	uint32_t nesting;         /* nat__run activations on the C stack */
};

struct nat_code {
	uint8_t *base;            /* executable mapping */
	size_t map_size;
	size_t len;
	uint32_t *func_off;       /* entry offset of each defined function */
	uint32_t entry_off;       /* nat_enter thunk */
	uint32_t trap_off;        /* trap unwinder */
	size_t max_extra;         /* largest per-frame native overhead (stack sizing) */
	/* Explicit relocations: every direct call site and its callee (defined
	 * function index). Kept for a future serialised artifact. */
	uint32_t nrelocs;
	uint32_t *reloc_site;
	uint32_t *reloc_func;
};

struct nat_module {
	struct nat_code *code[2];  /* [canon] */
};

struct nat_inst {
	struct nat_ctx *ctx;
	struct eng_memory *mem;           /* the instance's rt_mem */
	struct eng_global **globals;
	struct eng_func **funcs;
	struct eng_table **tables;
	const struct eng__functype *types;
	struct eng_instance *inst;
	const struct nat_code *code;
	const void *helpers[NH__COUNT];
};

/* nat_enter(ni, code, sp, ctx, vfp): the entry thunk at code->entry_off. */
typedef uint32_t (*nat_enter_fn)(struct nat_inst *ni, const void *code, void *sp,
				 struct nat_ctx *ctx, uint8_t *vfp);

/* Compiles every defined function of m (interpreter translation done) into
 * a new executable buffer. */
enum eng_status nat__compile(struct eng_module *m, bool canon, struct nat_code **out,
			     struct eng_error *err);
void nat__code_free(struct nat_code *c);

/* CPU features the compiler may use (cpuid, cached). */
struct nat_cpu {
	bool sse41, popcnt, lzcnt, bmi1;
};
const struct nat_cpu *nat__cpu(void);

/* The helper functions, indexed by enum nat_helper. */
extern const void *const nat__helper_table[NH__COUNT];

#endif /* PVF_ENGINE_NATIVE_INT_H */
