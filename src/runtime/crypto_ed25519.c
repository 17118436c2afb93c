/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ed25519 verification with the ZIP-215 rules of ed25519-zebra, which
 * sp-core uses for ext_crypto_ed25519_verify_version_1.
 *
 * libsodium's verifier rejects small-order and non-canonical points and its
 * point helpers refuse them too, so the curve arithmetic is written here:
 * field elements mod p = 2^255 - 19 in radix 2^51 (five 64-bit limbs,
 * 128-bit products), points in extended twisted-Edwards coordinates
 * (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z, curve -x^2 + y^2 = 1 + d x^2 y^2.
 * libsodium provides SHA-512 and the reduction of the 64-byte hash mod L.
 *
 * Verification handles public data only: nothing here is constant-time.
 */
#include <sodium.h>
#include <string.h>

#include "crypto.h"

#define MASK51 ((UINT64_C(1) << 51) - 1)

struct fe {
	uint64_t v[5];
};

struct ge {
	struct fe x, y, z, t;
};

/* Little-endian constants. */
static const uint8_t fe_d_bytes[32] = {
	0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
	0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52,
};
static const uint8_t fe_d2_bytes[32] = {
	0x59, 0xf1, 0xb2, 0x26, 0x94, 0x9b, 0xd6, 0xeb, 0x56, 0xb1, 0x83, 0x82, 0x9a, 0x14, 0xe0, 0x00,
	0x30, 0xd1, 0xf3, 0xee, 0xf2, 0x80, 0x8e, 0x19, 0xe7, 0xfc, 0xdf, 0x56, 0xdc, 0xd9, 0x06, 0x24,
};
/* sqrt(-1) = 2^((p-1)/4) */
static const uint8_t fe_sqrtm1_bytes[32] = {
	0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
	0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b,
};
/* (p - 5) / 8 = 2^252 - 3 */
static const uint8_t fe_exp_p58[32] = {
	0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f,
};
/* The group order L = 2^252 + 27742317777372353535851937790883648493. */
static const uint8_t scalar_l[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};
/* The base point: y = 4/5, x even. */
static const uint8_t base_point_bytes[32] = {
	0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
};

/* ---- field arithmetic mod 2^255 - 19 ------------------------------------ */

static uint64_t load64_le(const uint8_t *p)
{
	uint64_t r = 0;
	int i;

	for (i = 7; i >= 0; i--)
		r = (r << 8) | p[i];
	return r;
}

static void store64_le(uint8_t *p, uint64_t x)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

static void fe_set_small(struct fe *h, uint64_t x)
{
	memset(h, 0, sizeof(*h));
	h->v[0] = x;
}

/* Loads bits 0..254 (bit 255 is ignored); the value may be >= p. */
static void fe_frombytes(struct fe *h, const uint8_t s[32])
{
	h->v[0] = load64_le(s) & MASK51;
	h->v[1] = (load64_le(s + 6) >> 3) & MASK51;
	h->v[2] = (load64_le(s + 12) >> 6) & MASK51;
	h->v[3] = (load64_le(s + 19) >> 1) & MASK51;
	h->v[4] = (load64_le(s + 24) >> 12) & MASK51;
}

/* Weak reduction: limbs below 2^52, value congruent mod p. Inputs may have
 * limbs up to 2^63. */
static void fe_carry(struct fe *h)
{
	uint64_t c;
	int i;

	for (i = 0; i < 4; i++) {
		c = h->v[i] >> 51;
		h->v[i] &= MASK51;
		h->v[i + 1] += c;
	}
	c = h->v[4] >> 51;
	h->v[4] &= MASK51;
	h->v[0] += c * 19;
	c = h->v[0] >> 51;
	h->v[0] &= MASK51;
	h->v[1] += c;
}

/* Canonical 32-byte encoding (value fully reduced mod p). */
static void fe_tobytes(uint8_t s[32], const struct fe *f)
{
	struct fe t = *f;
	uint64_t q;
	int i;

	fe_carry(&t);
	/* t < 2p now; q = 1 iff t >= p, found from the carry out of t + 19. */
	q = (t.v[0] + 19) >> 51;
	for (i = 1; i < 5; i++)
		q = (t.v[i] + q) >> 51;
	t.v[0] += 19 * q;
	for (i = 0; i < 4; i++) {
		t.v[i + 1] += t.v[i] >> 51;
		t.v[i] &= MASK51;
	}
	t.v[4] &= MASK51;

	store64_le(s, t.v[0] | (t.v[1] << 51));
	store64_le(s + 8, (t.v[1] >> 13) | (t.v[2] << 38));
	store64_le(s + 16, (t.v[2] >> 26) | (t.v[3] << 25));
	store64_le(s + 24, (t.v[3] >> 39) | (t.v[4] << 12));
}

static void fe_add(struct fe *h, const struct fe *f, const struct fe *g)
{
	int i;

	for (i = 0; i < 5; i++)
		h->v[i] = f->v[i] + g->v[i];
	fe_carry(h);
}

/* h = f - g, computed as f + 4p - g (g's limbs are below 2^52). */
static void fe_sub(struct fe *h, const struct fe *f, const struct fe *g)
{
	static const uint64_t four_p[5] = {
		(UINT64_C(1) << 53) - 76, (UINT64_C(1) << 53) - 4, (UINT64_C(1) << 53) - 4,
		(UINT64_C(1) << 53) - 4, (UINT64_C(1) << 53) - 4,
	};
	int i;

	for (i = 0; i < 5; i++)
		h->v[i] = f->v[i] + four_p[i] - g->v[i];
	fe_carry(h);
}

static void fe_neg(struct fe *h, const struct fe *f)
{
	struct fe zero;

	fe_set_small(&zero, 0);
	fe_sub(h, &zero, f);
}

static void fe_mul(struct fe *h, const struct fe *f, const struct fe *g)
{
	const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	const uint64_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
	const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
	unsigned __int128 t0, t1, t2, t3, t4;
	uint64_t r0, r1, r2, r3, r4, c;

	t0 = (unsigned __int128)f0 * g0 + (unsigned __int128)f1 * g4_19 +
	     (unsigned __int128)f2 * g3_19 + (unsigned __int128)f3 * g2_19 +
	     (unsigned __int128)f4 * g1_19;
	t1 = (unsigned __int128)f0 * g1 + (unsigned __int128)f1 * g0 +
	     (unsigned __int128)f2 * g4_19 + (unsigned __int128)f3 * g3_19 +
	     (unsigned __int128)f4 * g2_19;
	t2 = (unsigned __int128)f0 * g2 + (unsigned __int128)f1 * g1 +
	     (unsigned __int128)f2 * g0 + (unsigned __int128)f3 * g4_19 +
	     (unsigned __int128)f4 * g3_19;
	t3 = (unsigned __int128)f0 * g3 + (unsigned __int128)f1 * g2 +
	     (unsigned __int128)f2 * g1 + (unsigned __int128)f3 * g0 +
	     (unsigned __int128)f4 * g4_19;
	t4 = (unsigned __int128)f0 * g4 + (unsigned __int128)f1 * g3 +
	     (unsigned __int128)f2 * g2 + (unsigned __int128)f3 * g1 +
	     (unsigned __int128)f4 * g0;

	r0 = (uint64_t)t0 & MASK51;
	t1 += (uint64_t)(t0 >> 51);
	r1 = (uint64_t)t1 & MASK51;
	t2 += (uint64_t)(t1 >> 51);
	r2 = (uint64_t)t2 & MASK51;
	t3 += (uint64_t)(t2 >> 51);
	r3 = (uint64_t)t3 & MASK51;
	t4 += (uint64_t)(t3 >> 51);
	r4 = (uint64_t)t4 & MASK51;
	c = (uint64_t)(t4 >> 51);
	r0 += c * 19;
	r1 += r0 >> 51;
	r0 &= MASK51;

	h->v[0] = r0;
	h->v[1] = r1;
	h->v[2] = r2;
	h->v[3] = r3;
	h->v[4] = r4;
}

static void fe_sq(struct fe *h, const struct fe *f)
{
	fe_mul(h, f, f);
}

/* h = f^e for a 255-bit little-endian exponent (variable time). */
static void fe_pow(struct fe *h, const struct fe *f, const uint8_t e[32])
{
	struct fe r;
	int i;

	fe_set_small(&r, 1);
	for (i = 254; i >= 0; i--) {
		fe_sq(&r, &r);
		if ((e[i >> 3] >> (i & 7)) & 1)
			fe_mul(&r, &r, f);
	}
	*h = r;
}

static bool fe_equal(const struct fe *f, const struct fe *g)
{
	uint8_t a[32], b[32];

	fe_tobytes(a, f);
	fe_tobytes(b, g);
	return memcmp(a, b, 32) == 0;
}

static bool fe_is_zero(const struct fe *f)
{
	static const uint8_t zero[32];
	uint8_t a[32];

	fe_tobytes(a, f);
	return memcmp(a, zero, 32) == 0;
}

/* "Negative" = odd canonical value. */
static int fe_is_negative(const struct fe *f)
{
	uint8_t a[32];

	fe_tobytes(a, f);
	return a[0] & 1;
}

/* ---- points ---------------------------------------------------------------- */

static void ge_identity(struct ge *p)
{
	fe_set_small(&p->x, 0);
	fe_set_small(&p->y, 1);
	fe_set_small(&p->z, 1);
	fe_set_small(&p->t, 0);
}

/*
 * Decompression as curve25519-dalek does it (and ZIP-215 requires): y is the
 * low 255 bits taken mod p (so y >= p is accepted), x = sqrt((y^2 - 1) /
 * (d y^2 + 1)) must exist, and x is negated when its parity differs from the
 * sign bit (so x = 0 with the sign bit set is accepted). Returns false when
 * no square root exists.
 */
static bool ge_decompress(struct ge *p, const uint8_t s[32])
{
	struct fe d, sqrtm1, u, v, v3, v7, r, check, neg_u, one, y2;
	int sign = s[31] >> 7;

	fe_frombytes(&d, fe_d_bytes);
	fe_frombytes(&sqrtm1, fe_sqrtm1_bytes);
	fe_set_small(&one, 1);

	fe_frombytes(&p->y, s);
	fe_set_small(&p->z, 1);
	fe_sq(&y2, &p->y);
	fe_sub(&u, &y2, &one);           /* u = y^2 - 1 */
	fe_mul(&v, &y2, &d);
	fe_add(&v, &v, &one);            /* v = d y^2 + 1 */

	/* r = u v^3 (u v^7)^((p-5)/8) is a square root of u/v, or of -u/v
	 * times sqrt(-1), when one exists. */
	fe_sq(&v3, &v);
	fe_mul(&v3, &v3, &v);
	fe_sq(&v7, &v3);
	fe_mul(&v7, &v7, &v);
	fe_mul(&r, &u, &v7);
	fe_pow(&r, &r, fe_exp_p58);
	fe_mul(&r, &r, &u);
	fe_mul(&r, &r, &v3);

	fe_sq(&check, &r);
	fe_mul(&check, &check, &v);      /* v r^2 */
	fe_neg(&neg_u, &u);
	if (fe_equal(&check, &u)) {
		/* r is the root */
	} else if (fe_equal(&check, &neg_u)) {
		fe_mul(&r, &r, &sqrtm1);
	} else {
		return false;
	}
	if (fe_is_negative(&r) != sign)
		fe_neg(&r, &r);

	p->x = r;
	fe_mul(&p->t, &p->x, &p->y);
	return true;
}

static void ge_neg(struct ge *r, const struct ge *p)
{
	fe_neg(&r->x, &p->x);
	r->y = p->y;
	r->z = p->z;
	fe_neg(&r->t, &p->t);
}

/* r = p + q (unified formula for a = -1, RFC 8032 section 5.1.4). */
static void ge_add(struct ge *r, const struct ge *p, const struct ge *q)
{
	struct fe a, b, c, d, e, f, g, h, tmp, d2;

	fe_frombytes(&d2, fe_d2_bytes);
	fe_sub(&a, &p->y, &p->x);
	fe_sub(&tmp, &q->y, &q->x);
	fe_mul(&a, &a, &tmp);
	fe_add(&b, &p->y, &p->x);
	fe_add(&tmp, &q->y, &q->x);
	fe_mul(&b, &b, &tmp);
	fe_mul(&c, &p->t, &q->t);
	fe_mul(&c, &c, &d2);
	fe_mul(&d, &p->z, &q->z);
	fe_add(&d, &d, &d);
	fe_sub(&e, &b, &a);
	fe_sub(&f, &d, &c);
	fe_add(&g, &d, &c);
	fe_add(&h, &b, &a);
	fe_mul(&r->x, &e, &f);
	fe_mul(&r->y, &g, &h);
	fe_mul(&r->t, &e, &h);
	fe_mul(&r->z, &f, &g);
}

/* r = 2p (RFC 8032 section 5.1.4 doubling). */
static void ge_dbl(struct ge *r, const struct ge *p)
{
	struct fe a, b, c, e, f, g, h, xy;

	fe_sq(&a, &p->x);
	fe_sq(&b, &p->y);
	fe_sq(&c, &p->z);
	fe_add(&c, &c, &c);
	fe_add(&h, &a, &b);
	fe_add(&xy, &p->x, &p->y);
	fe_sq(&xy, &xy);
	fe_sub(&e, &h, &xy);
	fe_sub(&g, &a, &b);
	fe_add(&f, &c, &g);
	fe_mul(&r->x, &e, &f);
	fe_mul(&r->y, &g, &h);
	fe_mul(&r->t, &e, &h);
	fe_mul(&r->z, &f, &g);
}

static bool ge_is_identity(const struct ge *p)
{
	return fe_is_zero(&p->x) && fe_equal(&p->y, &p->z);
}

/* r = [a]P + [b]Q for 256-bit little-endian scalars (Straus, variable time). */
static void ge_double_scalarmult(struct ge *r, const uint8_t a[32], const struct ge *p,
				 const uint8_t b[32], const struct ge *q)
{
	struct ge acc;
	int i;

	ge_identity(&acc);
	for (i = 255; i >= 0; i--) {
		ge_dbl(&acc, &acc);
		if ((a[i >> 3] >> (i & 7)) & 1)
			ge_add(&acc, &acc, p);
		if ((b[i >> 3] >> (i & 7)) & 1)
			ge_add(&acc, &acc, q);
	}
	*r = acc;
}

/* ---- scalars ------------------------------------------------------------ */

bool rt__sc25519_is_canonical(const uint8_t s[32])
{
	int i;

	for (i = 31; i >= 0; i--) {
		if (s[i] < scalar_l[i])
			return true;
		if (s[i] > scalar_l[i])
			return false;
	}
	return false; /* s == L */
}

/* ---- verification --------------------------------------------------------- */

bool rt_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len,
		       const uint8_t pub[32])
{
	crypto_hash_sha512_state h;
	uint8_t hram[64], k[32];
	struct ge a, r, b, neg_a, neg_r, acc;

	if (!ge_decompress(&a, pub))
		return false;
	if (!ge_decompress(&r, sig))
		return false;
	if (!rt__sc25519_is_canonical(sig + 32))
		return false;

	/* k = SHA-512(R_bytes || A_bytes || M) mod L, over the bytes as given. */
	crypto_hash_sha512_init(&h);
	crypto_hash_sha512_update(&h, sig, 32);
	crypto_hash_sha512_update(&h, pub, 32);
	crypto_hash_sha512_update(&h, msg, msg_len);
	crypto_hash_sha512_final(&h, hram);
	crypto_core_ed25519_scalar_reduce(k, hram);

	/* Cofactored check: [8]([s]B - [k]A - R) == identity. */
	if (!ge_decompress(&b, base_point_bytes))
		return false; /* cannot happen: B is a constant curve point */
	ge_neg(&neg_a, &a);
	ge_neg(&neg_r, &r);
	ge_double_scalarmult(&acc, sig + 32, &b, k, &neg_a);
	ge_add(&acc, &acc, &neg_r);
	ge_dbl(&acc, &acc);
	ge_dbl(&acc, &acc);
	ge_dbl(&acc, &acc);
	return ge_is_identity(&acc);
}
