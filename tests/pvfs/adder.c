/* SPDX-License-Identifier: Apache-2.0 */
/*
 * adder: the state machine of Polkadot's adder test parachain
 * (runtime-abi.md §4.2), written from that description in C. Hashing goes
 * through ext_hashing_keccak_256_version_1 (the original hashes inside the
 * Wasm; the outputs are the same).
 *
 *   HeadData  {number u64, parent_hash [32], post_state [32]}   72 bytes
 *   BlockData {state u64, add u64}                              16 bytes
 *
 * Valid iff keccak256(SCALE(state)) == parent.post_state; the new head is
 * {number + 1, keccak256(parent head bytes), keccak256(SCALE(state + add))}
 * (wrapping add) and hrmp_watermark = relay_parent_number. Anything else
 * (short or malformed input, wrong state) traps.
 */
#include "pvf_lib.h"

#define HEAD_LEN 72
#define BLOCK_LEN 16

PVF_EXPORT u64 validate_block(u32 ptr, u32 len)
{
	const u8 *in = (const u8 *)(usize)ptr;
	struct pvf_params p;
	u8 head[HEAD_LEN], h[32], enc[8];
	u64 state, add, out;

	pvf_params_decode(in, len, &p);
	/* Decode of the parent head and the block; trailing bytes are ignored
	 * as Decode::decode does. */
	if (p.parent_head_len < HEAD_LEN || p.block_data_len < BLOCK_LEN)
		pvf_fail();
	state = pvf_get_u64(p.block_data);
	add = pvf_get_u64(p.block_data + 8);

	pvf_put_u64(enc, state);
	pvf_keccak_256(enc, 8, h);
	if (memcmp(h, p.parent_head + 40, 32) != 0)
		pvf_fail();

	pvf_put_u64(head, pvf_get_u64(p.parent_head) + 1);
	pvf_keccak_256(p.parent_head, p.parent_head_len, head + 8);
	pvf_put_u64(enc, state + add);
	pvf_keccak_256(enc, 8, head + 40);

	out = pvf_result(head, HEAD_LEN, p.relay_parent_number);
	/* The input is ours (allocated with the host's allocator). */
	pvf_free((void *)in);
	return out;
}
