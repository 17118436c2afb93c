/* SPDX-License-Identifier: Apache-2.0 */
/* The test PVFs' runtime: see pvf_lib.h. */
#include "pvf_lib.h"

/* LLVM does not turn the loops of functions named memcpy/memset into calls
 * to themselves; byte loops keep the code MVP-only (no bulk memory). */
void *memcpy(void *dst, const void *src, usize n)
{
	u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, usize n)
{
	u8 *d = dst;

	while (n--)
		*d++ = (u8)c;
	return dst;
}

int memcmp(const void *a, const void *b, usize n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

void pvf_fail(void)
{
	__builtin_trap();
}

void *pvf_malloc(u32 size)
{
	return (void *)(usize)ext_allocator_malloc_version_1(size);
}

void pvf_free(void *p)
{
	ext_allocator_free_version_1((u32)(usize)p);
}

void pvf_blake2_256(const void *data, u32 len, u8 out[32])
{
	u8 *h = (u8 *)(usize)ext_hashing_blake2_256_version_1(pvf_ptr_size(data, len));

	memcpy(out, h, 32);
	pvf_free(h);
}

void pvf_keccak_256(const void *data, u32 len, u8 out[32])
{
	u8 *h = (u8 *)(usize)ext_hashing_keccak_256_version_1(pvf_ptr_size(data, len));

	memcpy(out, h, 32);
	pvf_free(h);
}

/* ---- SCALE ---------------------------------------------------------------- */

struct reader {
	const u8 *p;
	u32 left;
};

static const u8 *take(struct reader *r, u32 n)
{
	const u8 *p = r->p;

	if (n > r->left)
		pvf_fail();
	r->p += n;
	r->left -= n;
	return p;
}

/* Compact<u32>, canonical forms only (parity-scale-codec rejects the
 * others). */
static u32 read_compact_u32(struct reader *r)
{
	u8 b = *take(r, 1);
	const u8 *p;
	u32 v;

	switch (b & 3) {
	case 0:
		return b >> 2;
	case 1:
		p = take(r, 1);
		v = ((u32)b | (u32)p[0] << 8) >> 2;
		if (v < 64)
			pvf_fail();
		return v;
	case 2:
		p = take(r, 3);
		v = ((u32)b | (u32)p[0] << 8 | (u32)p[1] << 16 | (u32)p[2] << 24) >> 2;
		if (v < (1u << 14))
			pvf_fail();
		return v;
	default:
		if (b != 3)      /* more than 4 bytes cannot be a u32 */
			pvf_fail();
		v = pvf_get_u32(take(r, 4));
		if (v < (1u << 30))
			pvf_fail();
		return v;
	}
}

void pvf_params_decode(const u8 *in, u32 len, struct pvf_params *p)
{
	struct reader r = {in, len};

	p->parent_head_len = read_compact_u32(&r);
	p->parent_head = take(&r, p->parent_head_len);
	p->block_data_len = read_compact_u32(&r);
	p->block_data = take(&r, p->block_data_len);
	p->relay_parent_number = pvf_get_u32(take(&r, 4));
	p->relay_parent_storage_root = take(&r, 32);
}

static u32 compact_len(u32 v)
{
	return v < 64 ? 1 : v < (1u << 14) ? 2 : v < (1u << 30) ? 4 : 5;
}

static u8 *write_compact_u32(u8 *o, u32 v)
{
	if (v < 64) {
		*o++ = (u8)(v << 2);
	} else if (v < (1u << 14)) {
		*o++ = (u8)(v << 2 | 1);
		*o++ = (u8)(v >> 6);
	} else if (v < (1u << 30)) {
		pvf_put_u32(o, v << 2 | 2);
		o += 4;
	} else {
		*o++ = 3;
		pvf_put_u32(o, v);
		o += 4;
	}
	return o;
}

u64 pvf_result(const u8 *head, u32 head_len, u32 hrmp_watermark)
{
	/* head ++ new_validation_code None ++ upward [] ++ horizontal [] ++
	 * processed_downward_messages ++ hrmp_watermark */
	u32 len = compact_len(head_len) + head_len + 1 + 1 + 1 + 4 + 4;
	u8 *out = pvf_malloc(len), *o;

	o = write_compact_u32(out, head_len);
	memcpy(o, head, head_len);
	o += head_len;
	*o++ = 0;
	*o++ = 0;
	*o++ = 0;
	pvf_put_u32(o, 0);
	pvf_put_u32(o + 4, hrmp_watermark);
	return pvf_ptr_size(out, len);
}
