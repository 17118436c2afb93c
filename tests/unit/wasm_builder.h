/* SPDX-License-Identifier: Apache-2.0 */
/* A tiny growable byte buffer for building Wasm binaries in tests, with
 * unsigned and signed LEB128 writers. Aborts on allocation failure (tests
 * only). */
#ifndef PVF_TEST_WASM_BUILDER_H
#define PVF_TEST_WASM_BUILDER_H

#include <stdint.h>
#include <stdlib.h>

struct wb {
	uint8_t *p;
	size_t len, cap;
};

static inline void wb_byte(struct wb *b, uint8_t v)
{
	if (b->len == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	b->p[b->len++] = v;
}

static inline void wb_bytes(struct wb *b, const void *p, size_t n)
{
	const uint8_t *s = p;

	while (n--)
		wb_byte(b, *s++);
}

static inline void wb_uleb(struct wb *b, uint64_t v)
{
	do {
		uint8_t x = v & 0x7f;

		v >>= 7;
		wb_byte(b, x | (v ? 0x80 : 0));
	} while (v);
}

static inline void wb_sleb(struct wb *b, int64_t v)
{
	for (;;) {
		uint8_t x = v & 0x7f;

		v >>= 7;
		if ((v == 0 && !(x & 0x40)) || (v == -1 && (x & 0x40))) {
			wb_byte(b, x);
			return;
		}
		wb_byte(b, x | 0x80);
	}
}

#endif /* PVF_TEST_WASM_BUILDER_H */
