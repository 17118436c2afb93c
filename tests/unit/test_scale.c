/* SPDX-License-Identifier: Apache-2.0 */
/* SCALE codec: parity-scale-codec vectors, canonical checks, bounds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/scale.h"
#include "tap.h"

/* Decodes hex into a malloc'd buffer of exactly the decoded size, so that a
 * read past the end is caught by ASan. */
static uint8_t *hex(const char *s, size_t *len)
{
	uint8_t *out = NULL;
	char clean[256];
	size_t i, j = 0;

	for (i = 0; s[i] && j < sizeof(clean) - 1; i++)
		if (s[i] != ' ')
			clean[j++] = s[i];
	clean[j] = 0;
	if (base_hex_decode(clean, j, &out, len))
		abort();
	return out;
}

struct cvec {
	uint64_t v;
	const char *enc;
};

/* parity-scale-codec compact tests (compact.rs, compact_64_encoding_works). */
static const struct cvec compact_vectors[] = {
	{0, "00"},
	{63, "fc"},
	{64, "01 01"},
	{16383, "fd ff"},
	{16384, "02 00 01 00"},
	{1073741823, "fe ff ff ff"},
	{1073741824, "03 00 00 00 40"},
	{(UINT64_C(1) << 32) - 1, "03 ff ff ff ff"},
	{UINT64_C(1) << 32, "07 00 00 00 00 01"},
	{UINT64_C(1) << 40, "0b 00 00 00 00 00 01"},
	{UINT64_C(1) << 48, "0f 00 00 00 00 00 00 01"},
	{(UINT64_C(1) << 56) - 1, "0f ff ff ff ff ff ff ff"},
	{UINT64_C(1) << 56, "13 00 00 00 00 00 00 00 01"},
	{UINT64_MAX, "13 ff ff ff ff ff ff ff ff"},
};

struct cbad {
	const char *enc;
	unsigned bits;
	enum scale_status st;
	const char *what;
};

static const struct cbad compact_bad[] = {
	{"01 00", 64, SCALE_ERR_NONCANONICAL, "0 in 2-byte mode"},
	{"fd 00", 64, SCALE_ERR_NONCANONICAL, "63 in 2-byte mode"},
	{"02 00 00 00", 64, SCALE_ERR_NONCANONICAL, "0 in 4-byte mode"},
	{"fe ff 00 00", 64, SCALE_ERR_NONCANONICAL, "16383 in 4-byte mode"},
	{"03 ff ff ff 3f", 64, SCALE_ERR_NONCANONICAL, "2^30-1 in big mode"},
	{"03 ff ff ff 3f", 32, SCALE_ERR_NONCANONICAL, "2^30-1 in big mode (u32)"},
	{"07 ff ff ff ff 00", 64, SCALE_ERR_NONCANONICAL, "5 bytes, top byte zero"},
	{"13 ff ff ff ff ff ff ff 00", 64, SCALE_ERR_NONCANONICAL, "8 bytes, top byte zero"},
	{"07 00 00 00 00 01", 32, SCALE_ERR_RANGE, "2^32 as Compact<u32>"},
	{"17 00 00 00 00 00 00 00 00 01", 64, SCALE_ERR_RANGE, "9 bytes as Compact<u64>"},
	{"01 04", 8, SCALE_ERR_RANGE, "256 as Compact<u8>"},
	{"02 00 01 00", 8, SCALE_ERR_RANGE, "4-byte mode as Compact<u8>"},
	{"02 00 04 00", 16, SCALE_ERR_RANGE, "65536 as Compact<u16>"},
	{"03 00 00 00 40", 16, SCALE_ERR_RANGE, "big mode as Compact<u16>"},
	{"01", 64, SCALE_ERR_EOF, "truncated 2-byte mode"},
	{"02 00 01", 64, SCALE_ERR_EOF, "truncated 4-byte mode"},
	{"07 00 00 00 00", 64, SCALE_ERR_EOF, "truncated big mode"},
	{"", 64, SCALE_ERR_EOF, "empty"},
};

static void test_compact(void)
{
	struct scale_reader r;
	struct buf b = BUF_INIT;
	uint8_t *enc, tmp[SCALE_COMPACT_MAX];
	uint64_t v;
	size_t i, n, bad = 0;
	unsigned k;

	for (i = 0; i < BASE_ARRAY_SIZE(compact_vectors); i++) {
		const struct cvec *c = &compact_vectors[i];

		enc = hex(c->enc, &n);
		v = 12345;
		scale_reader_init(&r, enc, n);
		ok(scale_read_compact(&r, 64, &v) == SCALE_OK && v == c->v && r.pos == n,
		   "compact decode %s", c->enc);
		ok(scale_compact_encode(c->v, tmp) == n && memcmp(tmp, enc, n) == 0 &&
			   scale_compact_len(c->v) == n,
		   "compact encode %ju", (uintmax_t)c->v);
		free(enc);
	}
	for (i = 0; i < BASE_ARRAY_SIZE(compact_bad); i++) {
		const struct cbad *c = &compact_bad[i];

		enc = hex(c->enc, &n);
		scale_reader_init(&r, enc, n);
		ok_eq(scale_read_compact(&r, c->bits, &v), c->st, "compact rejects %s", c->what);
		ok(r.pos == 0 && r.err_pos == 0, "failed compact read consumes nothing");
		free(enc);
	}

	/* Accepted edges of the narrow widths. */
	enc = hex("fd 03", &n);
	scale_reader_init(&r, enc, n);
	ok(scale_read_compact(&r, 8, &v) == SCALE_OK && v == 255, "255 as Compact<u8>");
	free(enc);
	enc = hex("fe ff 03 00", &n);
	scale_reader_init(&r, enc, n);
	ok(scale_read_compact(&r, 16, &v) == SCALE_OK && v == 65535, "65535 as Compact<u16>");
	free(enc);
	enc = hex("03 ff ff ff ff", &n);
	scale_reader_init(&r, enc, n);
	ok(scale_read_compact(&r, 32, &v) == SCALE_OK && v == UINT32_MAX, "u32::MAX as Compact<u32>");
	free(enc);

	/* Round trip at every power-of-two boundary through the buf writer. */
	for (k = 0; k < 64; k++) {
		uint64_t vals[3] = {(UINT64_C(1) << k) - 1, UINT64_C(1) << k,
				    (UINT64_C(1) << k) + 1};
		size_t j;

		for (j = 0; j < 3; j++) {
			b.len = 0;
			if (scale_put_compact(&b, vals[j]))
				abort();
			scale_reader_init(&r, b.data, b.len);
			if (scale_read_compact(&r, 64, &v) != SCALE_OK || v != vals[j] ||
			    scale_expect_end(&r) != SCALE_OK ||
			    b.len != scale_compact_len(vals[j]))
				bad++;
		}
	}
	ok_eq(bad, 0, "compact round trip at all 2^k-1, 2^k, 2^k+1");
	buf_deinit(&b);
}

static void test_fixed_and_tags(void)
{
	struct scale_reader r;
	struct scale_slice s;
	uint8_t *enc, arr[4];
	uint8_t u8v;
	uint16_t u16v;
	uint32_t u32v;
	uint64_t u64v;
	bool bv;
	size_t n;

	enc = hex("2a 3412 78563412 efcdab9078563412 01 00", &n);
	scale_reader_init(&r, enc, n);
	ok(scale_read_u8(&r, &u8v) == SCALE_OK && u8v == 0x2a, "u8");
	ok(scale_read_u16(&r, &u16v) == SCALE_OK && u16v == 0x1234, "u16 little-endian");
	ok(scale_read_u32(&r, &u32v) == SCALE_OK && u32v == 0x12345678, "u32 little-endian");
	ok(scale_read_u64(&r, &u64v) == SCALE_OK && u64v == UINT64_C(0x1234567890abcdef),
	   "u64 little-endian");
	ok(scale_read_bool(&r, &bv) == SCALE_OK && bv, "bool true");
	ok(scale_read_bool(&r, &bv) == SCALE_OK && !bv, "bool false");
	ok(scale_expect_end(&r) == SCALE_OK, "all consumed");
	ok_eq(scale_read_u8(&r, &u8v), SCALE_ERR_EOF, "read past the end is EOF");
	ok_eq(r.err_pos, n, "EOF latched at the end");
	free(enc);

	enc = hex("02", &n);
	scale_reader_init(&r, enc, n);
	ok_eq(scale_read_bool(&r, &bv), SCALE_ERR_TAG, "bool 0x02 rejected");
	scale_reader_init(&r, enc, n);
	ok_eq(scale_read_option(&r, &bv), SCALE_ERR_TAG, "Option tag 0x02 rejected");
	free(enc);

	enc = hex("01 0c 616263 00", &n);
	scale_reader_init(&r, enc, n);
	ok(scale_read_option(&r, &bv) == SCALE_OK && bv && scale_read_bytes(&r, &s) == SCALE_OK &&
		   s.len == 3 && memcmp(s.data, "abc", 3) == 0,
	   "Option<Vec<u8>> Some");
	ok(scale_read_option(&r, &bv) == SCALE_OK && !bv && scale_expect_end(&r) == SCALE_OK,
	   "Option None");
	free(enc);

	/* Partial fixed-width reads never read past the input. */
	enc = hex("010203", &n);
	scale_reader_init(&r, enc, n);
	ok_eq(scale_read_u32(&r, &u32v), SCALE_ERR_EOF, "u32 from 3 bytes is EOF");
	ok_eq(r.pos, 0, "nothing consumed");
	ok_eq(scale_read_array(&r, arr, 3), SCALE_ERR_EOF, "error is sticky");
	free(enc);

	enc = hex("01020304", &n);
	scale_reader_init(&r, enc, n);
	ok(scale_read_array(&r, arr, 4) == SCALE_OK && arr[3] == 4, "fixed array");
	free(enc);
}

static void test_bytes_and_strings(void)
{
	struct scale_reader r;
	struct scale_slice s;
	struct buf b = BUF_INIT;
	uint8_t *enc, big[300];
	uint32_t len;
	size_t n, i;

	enc = hex("14 48656c6c6f", &n);
	scale_reader_init(&r, enc, n);
	ok(scale_read_str(&r, &s) == SCALE_OK && s.len == 5 && memcmp(s.data, "Hello", 5) == 0 &&
		   s.data == enc + 1,
	   "string \"Hello\" borrows the input");
	free(enc);

	/* Length prefix larger than the input: EOF, never a read past the end. */
	enc = hex("10 616263", &n);
	scale_reader_init(&r, enc, n);
	ok_eq(scale_read_bytes(&r, &s), SCALE_ERR_EOF, "Vec<u8> longer than the input");
	ok_eq(r.err_pos, 1, "error at the payload");
	free(enc);

	enc = hex("fe ff ff ff", &n);
	scale_reader_init(&r, enc, n);
	ok_eq(scale_read_bytes(&r, &s), SCALE_ERR_EOF, "Vec<u8> of 2^30-1 bytes from 4 bytes");
	free(enc);

	{
		static const char *bad_utf8[] = {
			"08 c080",     /* overlong NUL */
			"0c eda080",   /* surrogate U+D800 */
			"10 f4908080", /* U+110000 */
			"08 e282",     /* truncated sequence */
			"04 80",       /* lone continuation byte */
			"04 ff",
		};
		for (i = 0; i < BASE_ARRAY_SIZE(bad_utf8); i++) {
			enc = hex(bad_utf8[i], &n);
			scale_reader_init(&r, enc, n);
			ok_eq(scale_read_str(&r, &s), SCALE_ERR_UTF8, "invalid utf8 %s", bad_utf8[i]);
			free(enc);
		}
	}
	enc = hex("24 e282ac f09f9880 c3a9 7a", &n); /* "€😀éz" = 9 bytes */
	scale_reader_init(&r, enc, n);
	ok(scale_read_str(&r, &s) == SCALE_OK && s.len == 9, "valid multi-byte utf8");
	free(enc);

	/* BoundedVec: the bound is checked on the length prefix. */
	enc = hex("10", &n); /* length 4 */
	scale_reader_init(&r, enc, n);
	ok_eq(scale_read_len(&r, 3, &len), SCALE_ERR_LIMIT, "length above the bound");
	ok_eq(r.err_pos, 0, "limit error at the prefix");
	scale_reader_init(&r, enc, n);
	ok(scale_read_len(&r, 4, &len) == SCALE_OK && len == 4, "length at the bound");
	free(enc);

	/* Writer. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	ok(scale_put_u8(&b, 7) == 0 && scale_put_u16(&b, 0x0102) == 0 &&
		   scale_put_u32(&b, 0x03040506) == 0 &&
		   scale_put_u64(&b, UINT64_C(0x0708090a0b0c0d0e)) == 0 &&
		   scale_put_bool(&b, true) == 0 && scale_put_bytes(&b, big, sizeof(big)) == 0 &&
		   scale_put_option_bytes(&b, NULL, 0) == 0 &&
		   scale_put_option_bytes(&b, "xy", 2) == 0 && scale_put_fixed(&b, "zz", 2) == 0,
	   "writer appends");
	{
		uint8_t u8v;
		uint16_t u16v;
		uint32_t u32v;
		uint64_t u64v;
		bool bv, some1, some2;
		struct scale_slice s2, s3, fx;

		scale_reader_init(&r, b.data, b.len);
		scale_read_u8(&r, &u8v);
		scale_read_u16(&r, &u16v);
		scale_read_u32(&r, &u32v);
		scale_read_u64(&r, &u64v);
		scale_read_bool(&r, &bv);
		scale_read_bytes(&r, &s);
		scale_read_option(&r, &some1);
		scale_read_option(&r, &some2);
		scale_read_bytes(&r, &s2);
		scale_read_fixed(&r, 2, &fx);
		s3 = fx;
		ok(scale_expect_end(&r) == SCALE_OK && u8v == 7 && u16v == 0x0102 &&
			   u32v == 0x03040506 && u64v == UINT64_C(0x0708090a0b0c0d0e) && bv &&
			   s.len == 300 && memcmp(s.data, big, 300) == 0 && !some1 && some2 &&
			   s2.len == 2 && memcmp(s3.data, "zz", 2) == 0,
		   "writer output decodes back");
		ok(b.data[16] == 0xb1 && b.data[17] == 0x04, "300-byte Vec has prefix b1 04");
	}
	buf_deinit(&b);
}

int main(void)
{
	test_compact();
	test_fixed_and_tags();
	test_bytes_and_strings();
	return tap_done();
}
