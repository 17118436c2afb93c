/* SPDX-License-Identifier: Apache-2.0 */
/*
 * halting: a PVF whose validate_block never returns, for the host's
 * timeout and limit tests. The first byte of BlockData selects the mode
 * (an empty block is mode 0; the parent head is not looked at):
 *   0  spin: an endless loop of arithmetic and stores, no calls;
 *   1  host: an endless loop hashing through ext_hashing_blake2_256_version_1
 *      (each result freed), so a timeout must also stop a guest that spends
 *      its time in host functions;
 *   2  recurse: an unbounded non-tail recursion, which ends with the logical
 *      stack limit trap (it never returns normally either);
 *   other values trap at once.
 * Exports its memory (the other style to the imported memory of adder.wasm).
 */
#include "pvf_lib.h"

volatile u64 halting_sink;

static void spin(u64 x)
{
	for (;;) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		halting_sink = x;
	}
}

static void host_loop(void)
{
	u8 s[32];

	memset(s, 0, sizeof(s));
	for (;;)
		pvf_blake2_256(s, sizeof(s), s);
}

/* d starts at 1 and only wraps after 2^32 calls, far beyond any stack
 * limit; the compiler cannot prove it never returns. */
__attribute__((noinline)) static u64 recurse(u32 d, u64 x)
{
	u64 y;

	if (d == 0)
		return x;
	y = recurse(d + 1, x * 31 + d);
	return y ^ (y >> 7) ^ d;
}

PVF_EXPORT u64 validate_block(u32 ptr, u32 len)
{
	struct pvf_params p;
	u8 mode;

	pvf_params_decode((const u8 *)(usize)ptr, len, &p);
	mode = p.block_data_len ? p.block_data[0] : 0;
	switch (mode) {
	case 0:
		spin(p.relay_parent_number);
		break;
	case 1:
		host_loop();
		break;
	case 2:
		halting_sink = recurse(1, p.relay_parent_number);
		break;
	default:
		break;
	}
	pvf_fail();
}
