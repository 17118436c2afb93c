/* Table-driven CRC-32 over a buffer: loads, shifts, xors. */
#include "kernel.h"

static u32 table[256];
static u8 buf[16384];

u32 KERNEL_RUN(u32 n)
{
	u32 seed = 11, i, k, r, crc = 0;

	for (i = 0; i < 256; i++) {
		u32 c = i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)rng_next(&seed);
	for (r = 0; r < n; r++) {
		crc = ~0u;
		for (i = 0; i < sizeof(buf); i++)
			crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
		buf[r % sizeof(buf)] = (u8)crc;
	}
	return ~crc;
}
