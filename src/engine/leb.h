/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LEB128 readers with the spec's (and parity-wasm's, which agrees) rules:
 * an N-bit integer takes at most ceil(N/7) bytes; in the last byte the bits
 * beyond N must be zero (unsigned) or copies of the sign bit (signed).
 * Overlong encodings within the byte limit are accepted.
 *
 * Each reader advances *pp only on success and returns an enum eng__leb.
 */
#ifndef PVF_ENGINE_LEB_H
#define PVF_ENGINE_LEB_H

#include <stdint.h>

enum eng__leb {
	ENG__LEB_OK = 0,
	ENG__LEB_EOF,        /* input ended inside the number */
	ENG__LEB_TOO_LONG,   /* "integer representation too long" */
	ENG__LEB_TOO_LARGE,  /* "integer too large" */
};

/* Unsigned, bits <= 64. */
static inline enum eng__leb eng__leb_u(const uint8_t **pp, const uint8_t *end, int bits,
				       uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;
	unsigned shift = 0;
	int n = bits;

	for (;;) {
		uint8_t b;

		if (n <= 0)
			return ENG__LEB_TOO_LONG;
		if (p >= end)
			return ENG__LEB_EOF;
		b = *p++;
		if (n < 7 && (b & 0x7f) >= (1u << n))
			return ENG__LEB_TOO_LARGE;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
		n -= 7;
	}
	*pp = p;
	*out = x;
	return ENG__LEB_OK;
}

/* Signed, bits <= 64; the result is sign-extended to 64 bits. */
static inline enum eng__leb eng__leb_s(const uint8_t **pp, const uint8_t *end, int bits,
				       int64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;
	unsigned shift = 0;
	int n = bits;

	for (;;) {
		uint8_t b;

		if (n <= 0)
			return ENG__LEB_TOO_LONG;
		if (p >= end)
			return ENG__LEB_EOF;
		b = *p++;
		if (n < 7) {
			uint8_t mask = (uint8_t)((0xffu << (n - 1)) & 0x7f);

			if ((b & mask) != 0 && (b & mask) != mask)
				return ENG__LEB_TOO_LARGE;
		}
		x |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			if ((b & 0x40) && shift < 64)
				x |= ~(uint64_t)0 << shift;
			break;
		}
		n -= 7;
	}
	*pp = p;
	*out = (int64_t)x;
	return ENG__LEB_OK;
}

/* u32 with a one-byte fast path (most indices and sizes are < 128). */
static inline enum eng__leb eng__leb_u32(const uint8_t **pp, const uint8_t *end, uint32_t *out)
{
	uint64_t v;
	enum eng__leb r;

	if (*pp < end && **pp < 0x80) {
		*out = **pp;
		(*pp)++;
		return ENG__LEB_OK;
	}
	r = eng__leb_u(pp, end, 32, &v);
	if (r == ENG__LEB_OK)
		*out = (uint32_t)v;
	return r;
}

#endif /* PVF_ENGINE_LEB_H */
