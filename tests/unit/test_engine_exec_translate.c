/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Translator output for small functions (tests/data/exec/translate.wat),
 * instruction by instruction: operand forwarding, constant immediates,
 * result forwarding into locals and slot 0, saving an aliased local,
 * fused compare-and-branch (with the increment before it), fused address arithmetic, free conversions,
 * constant addresses and values, folded additions, a copy loop as one
 * instruction (memory-to-memory move + paired increments + loop branch),
 * paired copies, pending addends folded into loads, stores and moves,
 * zero-initialisations of declared locals before the first label, the
 * shadow-stack prologue/epilogue, operands taken from the last result.
 * Frame offsets are in bytes (8 per slot); branch displacements are
 * relative to the displacement field.
 *
 * argv[1]: directory holding translate.wasm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/exec/exec_int.h"
#include "tap.h"

static const char *const expected[] = {
	/* 0 */ "i32_add 16 0 8\ncopy 0 16\nret\n",
	/* 1 */ "i32_add_i 0 0 5\nret\n",
	/* 2 */ "i32_add_i_br_i 0 0 1 10 9 -28\nret\n",
	/* 3 */ "ld32u 0 0 8 4\nret\n",
	/* 4 */ "copy 8 0\nconst32 0 7\ni32_sub 0 8 0\nret\n",
	/* 5 */ "bri32_le_u 0 8 32\ncopy 16 0\nbr 20\ncopy 16 8\ncopy 0 16\nret\n",
	/* 6 */ "ret\n",
	/* 7 */ "st32_i 9 0 0 4\nld32u_c 8 16 0\ni32_add_i 0 8 3\nret\n",
	/* 8 */ "loop_mov 4 0 0 0 0 8 0 0 8 8 4 0 0 4 0 16\nret\n",
	/* 9 */ "copy2 16 0 0 8\ncopy 8 16\nret\n",
	/* 10 */ "i32_xor 32 8 16\nst8_acc 32 0 1024 0\nret\n",
	/* 11 */ "mov8 0 100 1 8 -3 2\nret\n",
	/* 12 */ "i32_add_i 8 0 -4\nld32u_acc 0 8 0 0\nret\n",
	/* 13 */ "i32_mul 16 0 8\nld32u_acc 0 16 8 0\nret\n",
	/* 14 */ "i32_add_i 8 0 5\nconst32 0 0\nld32u 0 8 0 0\nret\n",
	/* 15 */ "const32 16 7\nconst32 16 0\nconst32 8 0\nbr_if 0 -28\ni32_add 0 8 16\nret\n",
	/* 16 */ "i32_add_i2 8 0 -4 16 0 -4\ni32_add_i 0 0 1\ncopy 16 0\nret\n",
	/* 17 */ "global_add_to 0 0 -32\nglobal_get_add 8 0 16\nglobal_set_add 0 0 32\nret\n",
	/* 18 */ ("ld32u 24 0 0 0\ni32_rotl_i_acc 24 24 7\ni32_xor_acc 16 24 8\n"
		  "i32_shr_u_i 16 16 3\ni32_sub 0 16 8\nret\n"),
};

/* Drops the "  offset:" column and collapses runs of spaces. */
static void normalise(const char *in, size_t len, char *out, size_t cap)
{
	size_t i = 0, o = 0;

	while (i < len && o + 2 < cap) {
		const char *colon = memchr(in + i, ':', len - i);
		bool space = false;

		if (!colon)
			break;
		i = (size_t)(colon - in) + 1;
		while (i < len && in[i] == ' ')
			i++;
		while (i < len && in[i] != '\n' && o + 2 < cap) {
			if (in[i] == ' ') {
				space = true;
			} else {
				if (space)
					out[o++] = ' ';
				space = false;
				out[o++] = in[i];
			}
			i++;
		}
		out[o++] = '\n';
		i++;
	}
	out[o] = '\0';
}

int main(int argc, char **argv)
{
	char path[1024], text[4096];
	uint8_t *bytes;
	size_t len, i;
	struct pvf_err perr;
	struct eng_module *m = NULL;
	struct eng_error err;
	struct exec_module *em;

	snprintf(path, sizeof(path), "%s/translate.wasm", argc > 1 ? argv[1] : ".");
	if (!ok(base_read_file(path, 1u << 20, &bytes, &len, &perr) == 0, "read %s", path))
		return tap_done();
	if (!ok(eng_module_new(bytes, len, NULL, &m, &err) == ENG_OK, "decode") ||
	    !ok(eng_module_prepare(m, &err) == ENG_OK, "prepare (%s)", err.msg))
		goto out;
	em = m->exec;
	ok_eq(m->nfuncs_total, BASE_ARRAY_SIZE(expected), "function count");
	for (i = 0; i < BASE_ARRAY_SIZE(expected) && i < m->nfuncs_total; i++) {
		struct buf b = BUF_INIT;

		exec__disasm(&em->xfuncs[i], &b);
		normalise((const char *)b.data, b.len, text, sizeof(text));
		if (!ok(strcmp(text, expected[i]) == 0, "function %zu", i))
			printf("# got:\n%s# expected:\n%s", text, expected[i]);
		buf_deinit(&b);
	}
out:
	eng_module_free(m);
	free(bytes);
	return tap_done();
}
