/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine internals: the decoded module representation (IR) shared by the
 * decoder, the validator and the executors. Only files in src/engine include
 * this header.
 *
 * Index spaces follow the spec: imports come first in the function, table,
 * memory and global index spaces.
 */
#ifndef PVF_ENGINE_INT_H
#define PVF_ENGINE_INT_H

#include "engine.h"
#include "../base/base.h"

/* Opcodes used across the engine. */
enum {
	OP_UNREACHABLE = 0x00, OP_NOP = 0x01, OP_BLOCK = 0x02, OP_LOOP = 0x03,
	OP_IF = 0x04, OP_ELSE = 0x05, OP_END = 0x0b, OP_BR = 0x0c, OP_BR_IF = 0x0d,
	OP_BR_TABLE = 0x0e, OP_RETURN = 0x0f, OP_CALL = 0x10,
	OP_CALL_INDIRECT = 0x11, OP_DROP = 0x1a, OP_SELECT = 0x1b,
	OP_SELECT_T = 0x1c, OP_LOCAL_GET = 0x20, OP_LOCAL_SET = 0x21,
	OP_LOCAL_TEE = 0x22, OP_GLOBAL_GET = 0x23, OP_GLOBAL_SET = 0x24,
	OP_TABLE_GET = 0x25, OP_TABLE_SET = 0x26,
	OP_I32_CONST = 0x41, OP_I64_CONST = 0x42, OP_F32_CONST = 0x43,
	OP_F64_CONST = 0x44, OP_REF_NULL = 0xd0, OP_REF_IS_NULL = 0xd1,
	OP_REF_FUNC = 0xd2, OP_PREFIX_FC = 0xfc,
};

/* Block type: empty, a single value type, or a type index (multi-value). */
struct eng__blocktype {
	int64_t raw;   /* -64 empty; -1..-4/-16/-17 value types; >= 0 type index */
};

struct eng__functype {
	uint32_t nparams;
	uint32_t nresults;
	uint8_t *types;   /* nparams params then nresults results */
};

struct eng__limits {
	uint64_t min;
	uint64_t max;
	bool has_max;
};

struct eng__tabletype {
	uint8_t elem_type;  /* ENG_FUNCREF / ENG_EXTERNREF */
	struct eng__limits limits;
};

struct eng__globaltype {
	uint8_t type;
	bool mut;
};

/* A constant expression, validated. Wasm 2.0 constant expressions are one
 * instruction followed by `end`. */
enum eng__const_kind {
	ENG_CONST_VALUE,       /* t.const: value in .value (bits) */
	ENG_CONST_GLOBAL_GET,  /* global.get .index */
	ENG_CONST_REF_NULL,    /* ref.null of .type */
	ENG_CONST_REF_FUNC,    /* ref.func .index */
};

struct eng__const_expr {
	enum eng__const_kind kind;
	uint8_t type;       /* result value type */
	uint32_t index;
	uint64_t value;
	uint32_t offset;    /* of the expression's first byte in the module */
	uint32_t len;       /* bytes up to and including the final end; 0 for
			     * element items given as bare function indices */
};

struct eng__import {
	const char *module;    /* not NUL-terminated in general: use lengths */
	uint32_t module_len;
	const char *name;
	uint32_t name_len;
	enum eng_extern_kind kind;
	union {
		uint32_t func_type;              /* type index */
		struct eng__tabletype table;
		struct eng__limits memory;
		struct eng__globaltype global;
	} desc;
};

struct eng__export {
	const char *name;
	uint32_t name_len;
	enum eng_extern_kind kind;
	uint32_t index;
};

struct eng__func {
	uint32_t type_idx;
	uint32_t nlocals;        /* declared locals (params excluded) */
	uint8_t *local_types;    /* nlocals entries, expanded */
	const uint8_t *code;     /* first instruction (after local decls) */
	uint32_t code_len;       /* up to and including the final end */
	uint32_t code_offset;    /* offset of `code` in the module bytes */
	uint32_t stack_cost;     /* PVF stack limiter cost (0 unless PVF) */
	uint32_t max_height;     /* validator: max operand stack height */
	uint32_t max_ctrl;       /* validator: max control stack depth */
	void *compiled;          /* executor's translation (lazily filled) */
};

struct eng__global {
	struct eng__globaltype type;
	struct eng__const_expr init;
};

enum eng__seg_mode {
	ENG_SEG_ACTIVE,
	ENG_SEG_PASSIVE,
	ENG_SEG_DECLARATIVE,   /* element segments only */
};

struct eng__elem {
	enum eng__seg_mode mode;
	uint8_t elem_type;             /* ENG_FUNCREF / ENG_EXTERNREF */
	uint32_t table;
	struct eng__const_expr offset; /* active only */
	uint32_t count;
	struct eng__const_expr *items; /* ref.func / ref.null / global.get */
};

struct eng__data {
	enum eng__seg_mode mode;
	uint32_t memory;
	struct eng__const_expr offset; /* active only */
	const uint8_t *bytes;
	uint32_t len;
};

struct eng__custom {
	const char *name;
	uint32_t name_len;
	const uint8_t *data;
	uint32_t len;
};

struct eng_module {
	struct arena arena;              /* everything below lives here */
	struct eng_module_config config;
	uint8_t *bytes;                  /* private copy of the input */
	size_t len;

	uint32_t ntypes;
	struct eng__functype *types;

	uint32_t nimports;
	struct eng__import *imports;

	/* Function index space: imported functions first. */
	uint32_t nfuncs_total;
	uint32_t nfunc_imports;
	uint32_t *func_type_idx;         /* nfuncs_total entries */
	struct eng__func *funcs;         /* defined: nfuncs_total - nfunc_imports */

	uint32_t ntables_total;
	uint32_t ntable_imports;
	struct eng__tabletype *tables;   /* nntables_total entries */

	uint32_t nmems_total;
	uint32_t nmem_imports;
	struct eng__limits *mems;        /* nmems_total entries */

	uint32_t nglobals_total;
	uint32_t nglobal_imports;
	struct eng__global *globals;     /* nglobals_total (imports: init unused) */

	uint32_t nexports;
	struct eng__export *exports;

	bool has_start;
	uint32_t start;

	uint32_t nelems;
	struct eng__elem *elems;

	bool has_data_count;
	uint32_t data_count;
	uint32_t ndatas;
	struct eng__data *datas;

	uint32_t ncustoms;
	struct eng__custom *customs;

	/* Functions referenced outside function bodies (exports, elements,
	 * globals): the set `ref.func` may name. One byte per function. */
	uint8_t *func_declared;

	uint32_t features;               /* ENG_FEATURE_* bits used */

	void *exec;                      /* executor's per-module data */
	void *native;                    /* native backend's code (native/) */
};

/* Fills the error struct and returns its status. */
enum eng_status eng__error(struct eng_error *err, enum eng_status status, uint32_t offset,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Parses m->bytes (m->len) into the IR fields of m, allocating from
 * m->arena. Structural checks only (binary format, section order, counts,
 * profile-level opcode set); type checking is eng__validate's. */
enum eng_status eng__decode(struct eng_module *m, struct eng_error *err);

/* Validates function bodies and constant expressions of a decoded module,
 * computing max_height/max_ctrl and, in the PVF profile, stack_cost.
 * Called by eng_module_new after decoding. */
enum eng_status eng__validate(struct eng_module *m, struct eng_error *err);

/* Fills an eng_functype view of a module type. */
static inline struct eng_functype eng__functype_view(const struct eng__functype *t)
{
	struct eng_functype v = {t->nparams, t->nresults, t->types, t->types + t->nparams};
	return v;
}

/* The executor's hooks (implemented by interp/). */
void eng__exec_module_free(struct eng_module *m);

#endif /* PVF_ENGINE_INT_H */
