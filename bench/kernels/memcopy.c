/* Memory traffic: byte and word copies, fills and compares. */
#include "kernel.h"

#define SZ 65536
static u8 src[SZ], dst[SZ];

u32 KERNEL_RUN(u32 n)
{
	u32 seed = 3, r, i, sum = 0;

	for (i = 0; i < SZ; i++)
		src[i] = (u8)rng_next(&seed);
	for (r = 0; r < n; r++) {
		u32 off = r % 61;
		u32 *dw = (u32 *)dst;
		const u32 *sw = (const u32 *)src;

		for (i = 0; i + off < SZ; i++)
			dst[i] = src[i + off];
		for (i = 0; i < SZ / 4; i++)
			dw[i] ^= sw[i];
		for (i = 0; i < SZ; i += 16)
			sum += dst[i];
	}
	return sum;
}
