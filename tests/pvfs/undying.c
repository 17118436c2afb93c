/* SPDX-License-Identifier: Apache-2.0 */
/*
 * undying: a PVF whose cost is chosen by the block (in the spirit of
 * Polkadot's undying test parachain; the format and the work are ours).
 *
 *   HeadData  {number u64, parent_hash [32], post_state [32]}      72 bytes
 *   BlockData {post_state [32], hash_iters u32, mem_bytes u32,
 *              mem_rounds u32, call_depth u32, call_reps u32}      52 bytes
 *
 * Starting from s = parent.post_state the block runs three stages:
 *  1. hashing: hash_iters times s = H_i(s ++ LE32(i)), H_i = BLAKE2b-256 for
 *     even i, Keccak-256 for odd i, both through host functions;
 *  2. memory: with n = mem_bytes / 4 words (skipped when n or mem_rounds is
 *     0), two buffers of n words from the host allocator; for each round r,
 *     A is filled from an xorshift64* stream seeded by s and r, copied to B,
 *     B is heap-sorted (unsigned, ascending) and s = Keccak-256(s ++
 *     BLAKE2b-256(B));
 *  3. calls: (skipped when call_reps is 0) acc = 0; for j < call_reps:
 *     acc = acc * K ^ rec(call_depth, LE64(s[0..8]) + j), a non-tail
 *     recursion call_depth + 1 frames deep; then s = BLAKE2b-256(s ++
 *     LE64(acc)).
 * The block is valid iff the resulting s equals its post_state; the new head
 * is {number + 1, BLAKE2b-256(parent head bytes), s} and hrmp_watermark =
 * relay_parent_number. Malformed input or a wrong post_state traps.
 *
 * call_depth is bounded by the stack limiter (a deep enough recursion traps
 * with the logical stack limit, see docs/test-pvfs.md).
 */
#include "pvf_lib.h"

#define HEAD_LEN 72
#define BLOCK_LEN 52
#define UINT64_C(c) c##ULL
#define GOLDEN UINT64_C(0x9e3779b97f4a7c15)

static void hash_stage(u8 s[32], u32 iters)
{
	u8 buf[36];
	u32 i;

	for (i = 0; i < iters; i++) {
		memcpy(buf, s, 32);
		pvf_put_u32(buf + 32, i);
		if (i % 2 == 0)
			pvf_blake2_256(buf, sizeof(buf), s);
		else
			pvf_keccak_256(buf, sizeof(buf), s);
	}
}

static void sift_down(u32 *a, u32 root, u32 n)
{
	for (;;) {
		u32 child = 2 * root + 1, t;

		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heap_sort(u32 *a, u32 n)
{
	u32 i, t;

	for (i = n / 2; i > 0; i--)
		sift_down(a, i - 1, n);
	for (i = n; i > 1; i--) {
		t = a[0];
		a[0] = a[i - 1];
		a[i - 1] = t;
		sift_down(a, 0, i - 1);
	}
}

static void memory_stage(u8 s[32], u32 bytes, u32 rounds)
{
	u32 n = bytes / 4, r, i;
	u32 *a, *b;
	u8 buf[64];

	if (n == 0 || rounds == 0)
		return;
	a = pvf_malloc(n * 4);
	b = pvf_malloc(n * 4);
	for (r = 0; r < rounds; r++) {
		u64 x = (pvf_get_u64(s) ^ (u64)r * GOLDEN) | 1;

		for (i = 0; i < n; i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			a[i] = (u32)((x * UINT64_C(0x2545f4914f6cdd1d)) >> 32);
		}
		memcpy(b, a, n * 4);
		heap_sort(b, n);
		memcpy(buf, s, 32);
		pvf_blake2_256(b, n * 4, buf + 32);
		pvf_keccak_256(buf, sizeof(buf), s);
	}
	pvf_free(b);
	pvf_free(a);
}

/* Not a tail call: the result is transformed after the recursive call
 * returns, so every level is a real Wasm frame. */
__attribute__((noinline)) static u64 rec(u32 depth, u64 x)
{
	u64 y;

	if (depth == 0)
		return x ^ UINT64_C(0x5bd1e9955bd1e995);
	y = rec(depth - 1, x * GOLDEN + depth);
	return (y ^ (y >> 29)) + depth;
}

static void call_stage(u8 s[32], u32 depth, u32 reps)
{
	u64 acc = 0;
	u8 buf[40];
	u32 j;

	if (reps == 0)
		return;
	for (j = 0; j < reps; j++)
		acc = acc * UINT64_C(0x100000001b3) ^ rec(depth, pvf_get_u64(s) + j);
	memcpy(buf, s, 32);
	pvf_put_u64(buf + 32, acc);
	pvf_blake2_256(buf, sizeof(buf), s);
}

PVF_EXPORT u64 validate_block(u32 ptr, u32 len)
{
	const u8 *in = (const u8 *)(usize)ptr, *blk;
	struct pvf_params p;
	u8 head[HEAD_LEN], s[32];
	u64 out;

	pvf_params_decode(in, len, &p);
	if (p.parent_head_len < HEAD_LEN || p.block_data_len < BLOCK_LEN)
		pvf_fail();
	blk = p.block_data;

	memcpy(s, p.parent_head + 40, 32);
	hash_stage(s, pvf_get_u32(blk + 32));
	memory_stage(s, pvf_get_u32(blk + 36), pvf_get_u32(blk + 40));
	call_stage(s, pvf_get_u32(blk + 44), pvf_get_u32(blk + 48));
	if (memcmp(s, blk, 32) != 0)
		pvf_fail();

	pvf_put_u64(head, pvf_get_u64(p.parent_head) + 1);
	pvf_blake2_256(p.parent_head, p.parent_head_len, head + 8);
	memcpy(head + 40, s, 32);
	out = pvf_result(head, HEAD_LEN, p.relay_parent_number);
	pvf_free((void *)in);
	return out;
}
