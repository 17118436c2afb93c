/* Multi-precision modular multiplication with 32-bit limbs: 64-bit multiply. */
#include "kernel.h"

#define L 16   /* 512-bit numbers */

/* r = a * b mod m by schoolbook multiply and shift-subtract reduction. */
static void mulmod(u32 *r, const u32 *a, const u32 *b, const u32 *m)
{
	u32 t[2 * L + 1];
	int i, j, bit;

	for (i = 0; i < 2 * L + 1; i++)
		t[i] = 0;
	for (i = 0; i < L; i++) {
		u64 carry = 0;
		for (j = 0; j < L; j++) {
			u64 x = (u64)a[i] * b[j] + t[i + j] + carry;
			t[i + j] = (u32)x;
			carry = x >> 32;
		}
		t[i + L] = (u32)carry;
	}
	/* Fold the high half: crude but deterministic reduction. */
	for (bit = 0; bit < L; bit++) {
		u64 carry = 0;
		u32 q = t[2 * L - 1 - bit];
		for (j = 0; j < L; j++) {
			u64 x = (u64)q * m[j] + t[j + L - 1 - bit] + carry;
			t[j + L - 1 - bit] = (u32)x;
			carry = x >> 32;
		}
		t[2 * L - 1 - bit] = (u32)carry;
	}
	for (i = 0; i < L; i++)
		r[i] = t[i] ^ t[i + L];
}

u32 KERNEL_RUN(u32 n)
{
	u32 a[L], b[L], m[L], seed = 99, i, r;

	for (i = 0; i < L; i++) {
		a[i] = rng_next(&seed);
		b[i] = rng_next(&seed);
		m[i] = rng_next(&seed) | 1;
	}
	for (r = 0; r < n; r++)
		mulmod(a, a, b, m);
	return a[0] ^ a[L - 1];
}
