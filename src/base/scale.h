/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCALE codec (parity-scale-codec wire format): a bounds-checked reader over a
 * byte range and a writer over struct buf. Part of base: no engine or runtime
 * dependency.
 *
 * Reader: every read checks the remaining input first and never touches a byte
 * past data + len. The first failure is latched in the reader (status and
 * position); later reads on a failed reader do nothing and return the same
 * status, so a sequence of reads can be checked once at the end.
 *
 * Decoding follows parity-scale-codec's rules exactly, including the
 * canonical-encoding checks of compact integers: a value must use the
 * shortest mode (1-byte mode for 0..63, 2-byte for 64..2^14-1, 4-byte for
 * 2^14..2^30-1, big-integer mode above), and in big-integer mode the number
 * of bytes must be minimal (4-byte form only for values >= 2^30, otherwise the
 * top byte non-zero). Collection lengths are Compact<u32>.
 */
#ifndef PVF_SCALE_H
#define PVF_SCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

enum scale_status {
	SCALE_OK = 0,
	SCALE_ERR_EOF,          /* "not enough data to fill buffer" */
	SCALE_ERR_NONCANONICAL, /* compact integer in a longer mode than needed */
	SCALE_ERR_RANGE,        /* compact value does not fit the target width */
	SCALE_ERR_TAG,          /* bool/Option/enum byte not a known variant */
	SCALE_ERR_UTF8,         /* string is not valid UTF-8 */
	SCALE_ERR_LIMIT,        /* bounded collection longer than its bound */
	SCALE_ERR_TRAILING,     /* input left over where none is allowed */
	SCALE_ERR_NOMEM,        /* a decoder could not allocate its output */
};

const char *scale_status_str(enum scale_status st);

/* A borrowed byte range (into the reader's input, or any caller memory). */
struct scale_slice {
	const uint8_t *data;
	size_t len;
};

struct scale_reader {
	const uint8_t *data;
	size_t len;
	size_t pos;
	enum scale_status err;  /* first error, or SCALE_OK */
	size_t err_pos;         /* position of the first error */
};

/* data is borrowed and must outlive the reader and every slice it returns. */
void scale_reader_init(struct scale_reader *r, const uint8_t *data, size_t len);
static inline size_t scale_remaining(const struct scale_reader *r)
{
	return r->err ? 0 : r->len - r->pos;
}
/* Latches st at the current position (if no error yet); returns r->err. */
enum scale_status scale_fail(struct scale_reader *r, enum scale_status st);
/* SCALE_ERR_TRAILING unless the input is fully consumed. */
enum scale_status scale_expect_end(struct scale_reader *r);

enum scale_status scale_read_u8(struct scale_reader *r, uint8_t *out);
enum scale_status scale_read_u16(struct scale_reader *r, uint16_t *out);
enum scale_status scale_read_u32(struct scale_reader *r, uint32_t *out);
enum scale_status scale_read_u64(struct scale_reader *r, uint64_t *out);
/* bool: 0x00 or 0x01, anything else is SCALE_ERR_TAG. */
enum scale_status scale_read_bool(struct scale_reader *r, bool *out);
/* Option tag: 0x00 None, 0x01 Some, else SCALE_ERR_TAG. (Not for Option<bool>,
 * which parity-scale-codec encodes in one byte 0/1/2.) */
enum scale_status scale_read_option(struct scale_reader *r, bool *is_some);
/* Exactly n raw bytes (fixed arrays such as H256); *out borrows the input. */
enum scale_status scale_read_fixed(struct scale_reader *r, size_t n, struct scale_slice *out);
enum scale_status scale_read_array(struct scale_reader *r, void *dst, size_t n);

/* Compact<uN> for bits = 8, 16, 32 or 64, with parity-scale-codec's range and
 * canonical checks for that width. */
enum scale_status scale_read_compact(struct scale_reader *r, unsigned bits, uint64_t *out);
static inline enum scale_status scale_read_compact_u32(struct scale_reader *r, uint32_t *out)
{
	uint64_t v = 0;
	enum scale_status st = scale_read_compact(r, 32, &v);

	*out = (uint32_t)v;
	return st;
}
/* Collection length (Compact<u32>); with max != 0, a length above max is
 * SCALE_ERR_LIMIT (BoundedVec). The length is not checked against the
 * remaining input: element decoders do that. */
enum scale_status scale_read_len(struct scale_reader *r, uint32_t max, uint32_t *out);
/* Vec<u8>: compact length then that many bytes; *out borrows the input. */
enum scale_status scale_read_bytes(struct scale_reader *r, struct scale_slice *out);
/* String: as Vec<u8> plus a UTF-8 check. */
enum scale_status scale_read_str(struct scale_reader *r, struct scale_slice *out);

/* Strict UTF-8 (no surrogates, no overlongs, max U+10FFFF), as Rust's
 * str::from_utf8. */
bool scale_utf8_valid(const uint8_t *p, size_t len);

/* ---- writer: all return 0 or -ENOMEM (-EOVERFLOW for a Vec longer than
 * u32::MAX); on failure b may hold a partial encoding, never freed here --- */

#define SCALE_COMPACT_MAX 9   /* bytes for any u64 */

/* Canonical compact encoding of v into out; returns its length (1..9). */
size_t scale_compact_encode(uint64_t v, uint8_t out[SCALE_COMPACT_MAX]);
size_t scale_compact_len(uint64_t v);

int scale_put_u8(struct buf *b, uint8_t v);
int scale_put_u16(struct buf *b, uint16_t v);
int scale_put_u32(struct buf *b, uint32_t v);
int scale_put_u64(struct buf *b, uint64_t v);
int scale_put_bool(struct buf *b, bool v);
int scale_put_compact(struct buf *b, uint64_t v);
/* Raw bytes, no length prefix (fixed arrays). */
int scale_put_fixed(struct buf *b, const void *p, size_t len);
/* Vec<u8> / String: compact length then bytes. */
int scale_put_bytes(struct buf *b, const void *p, size_t len);
/* Option<Vec<u8>>: 0x00, or 0x01 ++ bytes. p == NULL means None. */
int scale_put_option_bytes(struct buf *b, const void *p, size_t len);

#endif /* PVF_SCALE_H */
