/* SPDX-License-Identifier: Apache-2.0 */
/* SCALE codec: bounds-checked reader and struct buf writer (see scale.h). */
#include <errno.h>
#include <string.h>

#include "scale.h"

const char *scale_status_str(enum scale_status st)
{
	switch (st) {
	case SCALE_OK: return "ok";
	case SCALE_ERR_EOF: return "not enough data to decode";
	case SCALE_ERR_NONCANONICAL: return "non-canonical compact integer";
	case SCALE_ERR_RANGE: return "compact integer out of range";
	case SCALE_ERR_TAG: return "invalid variant tag";
	case SCALE_ERR_UTF8: return "invalid utf8 sequence";
	case SCALE_ERR_LIMIT: return "collection exceeds its bound";
	case SCALE_ERR_TRAILING: return "input has trailing bytes";
	case SCALE_ERR_NOMEM: return "out of memory while decoding";
	default: return "unknown scale error";
	}
}

void scale_reader_init(struct scale_reader *r, const uint8_t *data, size_t len)
{
	r->data = data;
	r->len = data ? len : 0;
	r->pos = 0;
	r->err = SCALE_OK;
	r->err_pos = 0;
}

enum scale_status scale_fail(struct scale_reader *r, enum scale_status st)
{
	if (r->err == SCALE_OK && st != SCALE_OK) {
		r->err = st;
		r->err_pos = r->pos;
	}
	return r->err;
}

enum scale_status scale_expect_end(struct scale_reader *r)
{
	if (r->err)
		return r->err;
	if (r->pos != r->len)
		return scale_fail(r, SCALE_ERR_TRAILING);
	return SCALE_OK;
}

/* Returns a pointer to the next n bytes and advances, or NULL (EOF latched). */
static const uint8_t *take(struct scale_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->err)
		return NULL;
	if (n > r->len - r->pos) {
		scale_fail(r, SCALE_ERR_EOF);
		return NULL;
	}
	p = r->data + r->pos;
	r->pos += n;
	return p;
}

static uint64_t load_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

enum scale_status scale_read_u8(struct scale_reader *r, uint8_t *out)
{
	const uint8_t *p = take(r, 1);

	if (!p)
		return r->err;
	*out = p[0];
	return SCALE_OK;
}

enum scale_status scale_read_u16(struct scale_reader *r, uint16_t *out)
{
	const uint8_t *p = take(r, 2);

	if (!p)
		return r->err;
	*out = (uint16_t)load_le(p, 2);
	return SCALE_OK;
}

enum scale_status scale_read_u32(struct scale_reader *r, uint32_t *out)
{
	const uint8_t *p = take(r, 4);

	if (!p)
		return r->err;
	*out = (uint32_t)load_le(p, 4);
	return SCALE_OK;
}

enum scale_status scale_read_u64(struct scale_reader *r, uint64_t *out)
{
	const uint8_t *p = take(r, 8);

	if (!p)
		return r->err;
	*out = load_le(p, 8);
	return SCALE_OK;
}

enum scale_status scale_read_bool(struct scale_reader *r, bool *out)
{
	const uint8_t *p;

	if (r->err)
		return r->err;
	if (r->pos < r->len && r->data[r->pos] > 1)
		return scale_fail(r, SCALE_ERR_TAG);
	p = take(r, 1);
	if (!p)
		return r->err;
	*out = p[0] == 1;
	return SCALE_OK;
}

enum scale_status scale_read_option(struct scale_reader *r, bool *is_some)
{
	return scale_read_bool(r, is_some);
}

enum scale_status scale_read_fixed(struct scale_reader *r, size_t n, struct scale_slice *out)
{
	const uint8_t *p = take(r, n);

	if (!p)
		return r->err;
	out->data = p;
	out->len = n;
	return SCALE_OK;
}

enum scale_status scale_read_array(struct scale_reader *r, void *dst, size_t n)
{
	const uint8_t *p = take(r, n);

	if (!p)
		return r->err;
	if (n)
		memcpy(dst, p, n);
	return SCALE_OK;
}

/*
 * Mode (low 2 bits of the first byte):
 *   00: 6-bit value;  01: 14-bit value in 2 bytes;  10: 30-bit value in 4 bytes;
 *   11: (first >> 2) + 4 little-endian bytes follow.
 * Each mode only admits values that do not fit the shorter ones; the width
 * limits follow parity-scale-codec's Compact<u8/u16/u32/u64> decoders.
 */
enum scale_status scale_read_compact(struct scale_reader *r, unsigned bits, uint64_t *out)
{
	uint64_t v, max = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	const uint8_t *p;
	size_t n;
	uint8_t first;

	PVF_ASSERT(bits == 8 || bits == 16 || bits == 32 || bits == 64);
	if (r->err)
		return r->err;
	if (r->pos >= r->len)
		return scale_fail(r, SCALE_ERR_EOF);
	first = r->data[r->pos];
	switch (first & 3) {
	case 0:
		p = take(r, 1);
		v = p[0] >> 2;
		break;
	case 1:
		if (r->len - r->pos < 2)
			return scale_fail(r, SCALE_ERR_EOF);
		v = load_le(r->data + r->pos, 2) >> 2;
		if (v <= 0x3f)
			return scale_fail(r, SCALE_ERR_NONCANONICAL);
		if (v > max)
			return scale_fail(r, SCALE_ERR_RANGE);
		take(r, 2);
		break;
	case 2:
		if (bits < 16)
			return scale_fail(r, SCALE_ERR_RANGE);
		if (r->len - r->pos < 4)
			return scale_fail(r, SCALE_ERR_EOF);
		v = load_le(r->data + r->pos, 4) >> 2;
		if (v <= 0x3fff)
			return scale_fail(r, SCALE_ERR_NONCANONICAL);
		if (v > max)
			return scale_fail(r, SCALE_ERR_RANGE);
		take(r, 4);
		break;
	default:
		n = (size_t)(first >> 2) + 4;
		if (bits < 32 || n > bits / 8)
			return scale_fail(r, SCALE_ERR_RANGE);
		if (r->len - r->pos < 1 + n)
			return scale_fail(r, SCALE_ERR_EOF);
		v = load_le(r->data + r->pos + 1, n);
		/* 4 bytes: must not fit mode 10 (>= 2^30); more: top byte non-zero */
		if (n == 4 ? v <= 0x3fffffff : v <= (UINT64_MAX >> (8 * (9 - n))))
			return scale_fail(r, SCALE_ERR_NONCANONICAL);
		take(r, 1 + n);
		break;
	}
	*out = v;
	return SCALE_OK;
}

enum scale_status scale_read_len(struct scale_reader *r, uint32_t max, uint32_t *out)
{
	uint32_t n = 0;

	if (scale_read_compact_u32(r, &n))
		return r->err;
	if (max && n > max) {
		/* position the error at the length prefix */
		r->err = SCALE_ERR_LIMIT;
		r->err_pos = r->pos - scale_compact_len(n);
		return r->err;
	}
	*out = n;
	return SCALE_OK;
}

enum scale_status scale_read_bytes(struct scale_reader *r, struct scale_slice *out)
{
	uint32_t n = 0;

	if (scale_read_len(r, 0, &n))
		return r->err;
	return scale_read_fixed(r, n, out);
}

enum scale_status scale_read_str(struct scale_reader *r, struct scale_slice *out)
{
	struct scale_slice s;
	size_t start = r->pos;

	if (scale_read_bytes(r, &s))
		return r->err;
	if (!scale_utf8_valid(s.data, s.len)) {
		r->err = SCALE_ERR_UTF8;
		r->err_pos = start;
		return r->err;
	}
	*out = s;
	return SCALE_OK;
}

bool scale_utf8_valid(const uint8_t *p, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp, min;

	while (i < len) {
		uint8_t c = p[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* ---- writer ------------------------------------------------------------ */

size_t scale_compact_encode(uint64_t v, uint8_t out[SCALE_COMPACT_MAX])
{
	size_t n, i;

	if (v <= 0x3f) {
		out[0] = (uint8_t)(v << 2);
		return 1;
	}
	if (v <= 0x3fff) {
		uint16_t x = (uint16_t)((v << 2) | 1);

		out[0] = (uint8_t)x;
		out[1] = (uint8_t)(x >> 8);
		return 2;
	}
	if (v <= 0x3fffffff) {
		uint32_t x = (uint32_t)((v << 2) | 2);

		for (i = 0; i < 4; i++)
			out[i] = (uint8_t)(x >> (8 * i));
		return 4;
	}
	n = 4;
	while (n < 8 && (v >> (8 * n)) != 0)
		n++;
	out[0] = (uint8_t)(((n - 4) << 2) | 3);
	for (i = 0; i < n; i++)
		out[1 + i] = (uint8_t)(v >> (8 * i));
	return 1 + n;
}

size_t scale_compact_len(uint64_t v)
{
	uint8_t tmp[SCALE_COMPACT_MAX];

	return scale_compact_encode(v, tmp);
}

static int put_le(struct buf *b, uint64_t v, size_t n)
{
	uint8_t tmp[8];
	size_t i;

	for (i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	return buf_append(b, tmp, n);
}

int scale_put_u8(struct buf *b, uint8_t v)
{
	return buf_append_byte(b, v);
}

int scale_put_u16(struct buf *b, uint16_t v)
{
	return put_le(b, v, 2);
}

int scale_put_u32(struct buf *b, uint32_t v)
{
	return put_le(b, v, 4);
}

int scale_put_u64(struct buf *b, uint64_t v)
{
	return put_le(b, v, 8);
}

int scale_put_bool(struct buf *b, bool v)
{
	return buf_append_byte(b, v ? 1 : 0);
}

int scale_put_compact(struct buf *b, uint64_t v)
{
	uint8_t tmp[SCALE_COMPACT_MAX];

	return buf_append(b, tmp, scale_compact_encode(v, tmp));
}

int scale_put_fixed(struct buf *b, const void *p, size_t len)
{
	if (!len)
		return 0;
	return buf_append(b, p, len);
}

int scale_put_bytes(struct buf *b, const void *p, size_t len)
{
	int ret;

	if (len > UINT32_MAX)
		return -EOVERFLOW;
	ret = scale_put_compact(b, len);
	if (ret)
		return ret;
	return scale_put_fixed(b, p, len);
}

int scale_put_option_bytes(struct buf *b, const void *p, size_t len)
{
	int ret;

	if (!p)
		return buf_append_byte(b, 0);
	ret = buf_append_byte(b, 1);
	if (ret)
		return ret;
	return scale_put_bytes(b, p, len);
}
