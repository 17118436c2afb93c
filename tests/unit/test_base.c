/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "base/base.h"
#include "tap.h"

int main(void)
{
	struct arena a = ARENA_INIT;
	struct buf b = BUF_INIT;
	uint8_t *dec;
	size_t n, i;
	char hex[9];
	int *big;

	/* arena: zeroed, aligned, big blocks */
	for (i = 0; i < 1000; i++) {
		uint8_t *p = arena_alloc(&a, 100);
		if (!p || ((uintptr_t)p & 15) || p[99] != 0)
			break;
		p[99] = 1;
	}
	ok_eq(i, 1000, "arena gives 1000 zeroed, aligned blocks");
	big = arena_alloc_array(&a, 1u << 20, sizeof(int));
	ok(big && big[(1u << 20) - 1] == 0, "arena big block");
	ok(arena_alloc_array(&a, SIZE_MAX / 2, 4) == NULL, "arena overflow refused");
	arena_deinit(&a);

	a.limit = 100000;
	ok(arena_alloc(&a, 200000) == NULL, "arena limit enforced");
	arena_deinit(&a);

	/* buf */
	ok(buf_printf(&b, "%s-%d", "x", 42) == 0 && b.len == 4 && memcmp(b.data, "x-42", 4) == 0,
	   "buf_printf appends");
	ok(buf_append(&b, "yz", 2) == 0 && b.len == 6, "buf_append");
	buf_deinit(&b);

	/* hex */
	ok(base_hex_decode("0xdeadBEEF", 10, &dec, &n) == 0 && n == 4 && dec[0] == 0xde &&
		   dec[3] == 0xef, "hex decode with prefix");
	base_hex_encode(dec, n, hex);
	ok(strcmp(hex, "deadbeef") == 0, "hex encode");
	free(dec);
	ok(base_hex_decode("abc", 3, &dec, &n) == -EINVAL, "odd hex refused");
	ok(base_hex_decode("zz", 2, &dec, &n) == -EINVAL, "bad hex digit refused");

	/* error helper */
	{
		struct pvf_err e = {0};
		ok(pvf_err_set(&e, -ENOENT, "open `%s`", "x") == -ENOENT &&
			   strstr(e.msg, "open `x`: No such file") != NULL,
		   "pvf_err_set formats with strerror");
	}
	return tap_done();
}
