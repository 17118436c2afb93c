/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: float instructions (docs/compiler.md §2). This first version
 * calls the numeric helper (the interpreter's expressions) for every float
 * instruction; inline SSE code replaces the frequent ones.
 */
#include "cg.h"

bool cg_float_op(struct cg *c, uint8_t op)
{
	uint32_t nargs;
	uint8_t rt;

	if (op >= 0x5b && op <= 0x66) {
		nargs = 2;
		rt = ENG_I32;
	} else if (op >= 0x8b && op <= 0x98) {
		nargs = op <= 0x91 ? 1 : 2;
		rt = ENG_F32;
	} else if (op >= 0x99 && op <= 0xa6) {
		nargs = op <= 0x9f ? 1 : 2;
		rt = ENG_F64;
	} else if (op >= 0xa8 && op <= 0xbb && op != 0xac && op != 0xad) {
		nargs = 1;
		rt = op <= 0xab ? ENG_I32 : op <= 0xb1 ? ENG_I64 : op <= 0xb6 ? ENG_F32 : ENG_F64;
	} else {
		return false;
	}
	cg_slot_helper(c, NH_NUMERIC, nargs, rt, op, 0);
	return true;
}
