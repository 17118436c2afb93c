/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by decode.c, validate.c and limiter.c: the byte reader, the
 * one-instruction decoder and the error wording of the binary format.
 */
#ifndef PVF_ENGINE_DECODE_INT_H
#define PVF_ENGINE_DECODE_INT_H

#include "engine_int.h"
#include "leb.h"

/* A position in the module bytes. `end` bounds reads (the end of the module
 * while reading sections, the end of the body while reading a function). */
struct eng__rd {
	const uint8_t *p;
	const uint8_t *end;
	const uint8_t *base;     /* module start: offsets are p - base */
	const uint8_t *mod_end;  /* module end */
};

static inline uint32_t eng__rd_off(const struct eng__rd *r)
{
	return (uint32_t)(r->p - r->base);
}

/* The message for running out of input: the reference interpreter reads
 * function bodies from the unbounded stream, so a body whose instructions
 * overrun its declared size is a "section size mismatch" unless the module
 * ends there. */
static inline const char *eng__rd_eof_msg(const struct eng__rd *r)
{
	return r->end < r->mod_end ? "section size mismatch"
				   : "unexpected end of section or function";
}

/* Block types (struct eng__blocktype.raw). */
#define ENG__BT_EMPTY (-64)

/* Opcodes after the 0xfc prefix are numbered 0xfc00 + sub-opcode. */
#define ENG__OP_FC(sub) (0xfc00u + (sub))

/* One decoded instruction. Which fields are set depends on the opcode:
 *   block/loop/if: bt
 *   br/br_if: a = depth; br_table: a = target count, tbl = first target LEB,
 *     b = default depth
 *   call: a = function; call_indirect: a = type, b = table
 *   local.* / global.*: a = index; table.get/set, table.grow/size/fill: a
 *   loads/stores: a = align exponent, v = offset
 *   *.const: v = value bits; ref.null: a = type; ref.func: a = function
 *   select t: a = value type (count checked)
 *   memory.init: a = data; data.drop: a = data; table.init: a = elem,
 *     b = table; elem.drop: a = elem; table.copy: a = dst, b = src */
struct eng__instr {
	uint32_t op;
	uint32_t a;
	uint32_t b;
	uint64_t v;
	int64_t bt;
	const uint8_t *tbl;
	uint32_t offset;     /* of the opcode in the module */
};

/* Decodes one instruction at r->p (advancing it) under the module's
 * profile. Malformed encodings give ENG_ERR_MALFORMED; opcodes outside the
 * profile give ENG_ERR_PROFILE; br_table with too many targets gives
 * ENG_ERR_LIMIT. Post-MVP features seen are or-ed into *features. */
enum eng_status eng__read_instr(const struct eng_module *m, struct eng__rd *r,
				struct eng__instr *in, uint32_t *features,
				struct eng_error *err);

/* Reads a br_table target already checked by eng__read_instr. */
static inline uint32_t eng__br_table_next(const uint8_t **pp)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = *(*pp)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return (uint32_t)v;
}

/* PVF stack limiter (limiter.c): computes stack_cost of every defined
 * function of a validated module with wasm-instrument's algorithm,
 * rejecting (ENG_ERR_PROFILE) as it does. */
enum eng_status eng__stack_limiter(struct eng_module *m, struct eng_error *err);

#endif /* PVF_ENGINE_DECODE_INT_H */
