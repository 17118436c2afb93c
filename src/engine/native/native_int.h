/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: the x86-64 backend (docs/compiler.md). Internal to
 * src/engine/native; the hooks the rest of the engine calls are in native.h.
 *
 * Register convention of compiled code (fixed for the whole module):
 *
 *   rbx  struct eng_store *   (call depth, logical counter, limits: the same
 *                              fields the interpreter uses)
 *   r15  struct nat_inst *    (the running function's instance)
 *   r14  frame pointer into the store's value stack: the interpreter's frame
 *                              layout (params, locals, operand homes)
 *   r13  base of the instance's memory 0, r12 its size in bytes; valid on
 *        entry to every function and reloaded after every call or helper
 *   r11, xmm15  scratch, never allocated
 *   rax rcx rdx rsi rdi r8 r9 r10 rbp, xmm0..xmm14  operand-stack values
 *
 * Every allocatable register is caller-saved between compiled functions
 * (values live across a call are spilled to their homes first). The native
 * stack (rsp) only holds return addresses and alignment; inside a function
 * body rsp is 16-byte aligned, so helpers (SysV C functions) are called
 * directly. Offsets into these structs are taken with offsetof by the
 * compiler, so they may change freely.
 */
#ifndef PVF_ENGINE_NATIVE_INT_H
#define PVF_ENGINE_NATIVE_INT_H

#include "../exec/exec_int.h"
#include "native.h"

/* C functions compiled code calls through nat_inst.helpers. Unless stated
 * otherwise a helper is uint32_t h(struct nat_inst *ni, uint64_t *sp,
 * uint32_t imm1, uint32_t imm2): its operands are in the value-stack slots
 * at sp (already written there), its result replaces them at sp[0], and it
 * returns ENG_TRAP_NONE or a trap. */
enum nat_helper {
	NH_CALL_HOST,       /* (ni, struct eng_func *f, uint64_t *args): host function */
	NH_INTERP,          /* (ni, uint32_t func_idx, uint8_t *fp): interpreter fallback */
	NH_SIG_EQ,          /* bool (const eng__functype *a, const eng__functype *b) */
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
	NH_NUMERIC,         /* imm1 = the Wasm opcode (0xfc prefix: 0x100 | sub) */
	NH__COUNT
};

/* Native stack per call level: single-pass frames take 16 bytes (32
 * through call_ref), a function of the optimising tier its LLVM frame plus
 * the return address, which opt.c keeps within this for every function
 * called from the tier's code. */
#define NAT_FRAME_BYTES 1024u

/* One per store, created at the first native call. */
struct nat_ctx {
	uint64_t entry_rsp;       /* rsp of the innermost entry thunk (trap unwind) */
	uint8_t *stack;           /* mapping: guard page, then the native stack */
	size_t stack_size;        /* bytes mapped, guard included */
	uint32_t nesting;         /* nat__run activations of this store */
	bool interp_ready;        /* every module instantiated in the store is
				   * translated (set at the first fallback) */
};

/* Executable code of one module in one NaN mode. Nothing in the code is
 * absolute: it reaches everything through rbx/r15, and calls between its
 * functions are rel32 (recorded below), so the buffer can be serialised
 * and mapped anywhere. */
struct nat_code {
	uint8_t *base;            /* executable mapping */
	size_t map_size;
	size_t len;
	uint32_t nfuncs;          /* defined functions */
	uint32_t *func_off;       /* entry of each defined function */
	uint8_t *compiled;        /* 1: compiled, 0: interpreter stub */
	uint32_t entry_off;       /* nat_enter thunk */
	uint32_t nrelocs;         /* direct call sites: rel32 field -> callee */
	uint32_t *reloc_site;
	uint32_t *reloc_func;     /* defined function index */
	uint32_t ncompiled;       /* statistics */
	uint32_t npinned;
	uint32_t nopt;            /* functions of the optimising tier (opt.c) */
	const char *opt_dropped;  /* why it compiled none (static; not in blobs) */
	bool guard;               /* memory accesses rely on guard regions */
	uint32_t oob_stub_off;    /* the out-of-bounds trap stub (fault.c) */
	bool imported;            /* from eng_module_native_import (blob.c) */
};

struct nat_module {
	struct nat_code *code[2][2];  /* [canonicalise NaNs][guard regions] */
};

struct nat_inst {
	struct eng_store *store;
	struct eng_memory *mem;           /* the instance's rt_mem */
	struct eng_func **funcs;
	struct eng_table **tables;
	const struct eng__functype *types;
	struct eng_instance *inst;
	const struct nat_code *code;
	const void *helpers[NH__COUNT];
	uint64_t opt_sink;                /* written by optimised code (opt.c) */
	uint64_t *gbits[];                /* &globals[i]->bits */
};

/* nat_enter(ni, code, sp, fp): the entry thunk at code->entry_off. sp is
 * the native stack to switch to, or NULL to stay on the current one. */
typedef uint32_t (*nat_enter_fn)(struct nat_inst *ni, const void *code, void *sp, uint8_t *fp);

/* Compiles every defined function of m (interpreter translation done) into
 * a new executable buffer. guard: for instances whose memory is guarded
 * (EXEC_GUARD_RESERVE): accesses with offsets below 2^31 are not checked. Functions the compiler does not support yet get a
 * stub that runs them in the interpreter. */
enum eng_status nat__compile(struct eng_module *m, bool canon, bool guard,
			     struct nat_code **out, struct eng_error *err);

/* The store whose compiled code this thread runs (innermost nat__run), for
 * the fault handler (fault.c). */
extern __thread struct eng_store *nat__tls_store __attribute__((tls_model("initial-exec")));
/* Out-of-bounds accesses turned into traps by the fault handler (tests). */
extern uint64_t nat__guard_faults;
void nat__code_free(struct nat_code *c);

/* The NaN mode code of m is compiled in: canonicalising when asked or in the
 * PVF profile (which always canonicalises). */
static inline bool nat__canon(const struct eng_module *m, bool nan_canonicalize)
{
	return nan_canonicalize || m->config.profile == ENG_PROFILE_PVF;
}

/* Modules compiled by nat__compile in this process (statistics, tests;
 * incremented atomically). */
extern uint64_t nat__compilations;

/* Makes sure every module instantiated in store s is translated for the
 * interpreter (imported native code is not): done once per store, before
 * the first interpreter fallback runs, because interpreted code may call any
 * function of the store in the interpreter. 0 or ENG_TRAP_NOMEM. */
uint32_t nat__store_interp_ready(struct eng_store *s);

/* Tests only: when not 0, every defined function whose index is a multiple
 * of it gets the interpreter stub instead of machine code (exercises the
 * fallback and mixed execution). Read at compile time. */
extern uint32_t nat__test_fallback_every;

/* The optimising tier (opt.c): enum eng_native_tiers, read at compile time. */
extern uint32_t nat__opt_mode;

/* The helper functions, indexed by enum nat_helper. */
extern const void *const nat__helper_table[NH__COUNT];

#endif /* PVF_ENGINE_NATIVE_INT_H */
