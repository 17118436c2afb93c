/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memory-hungry: a PVF that asks for as much memory as its block says, for
 * the host's memory-limit tests. Exports its memory.
 *
 *   BlockData {mode u8, count u32, size u32}                     9 bytes
 *   HeadData  {mode u8, a u32, b u32, c u32}                     13 bytes
 *
 * mode 0, grow: memory.grow(count). The head is {0, the instruction's
 *   result as i32 (previous size in pages, or -1 = 0xffffffff when the
 *   growth is refused), memory.size afterwards, checksum}; on success the
 *   first byte of every new page is written and read back (the checksum is
 *   the sum of those bytes, 0 otherwise). Never traps: a refused growth is
 *   reported in the head.
 * mode 1, alloc: count allocations of size bytes from the host allocator
 *   (ext_allocator_malloc_version_1), never freed, the first and last byte
 *   of each written. The head is {1, count, last pointer, memory.size}. The
 *   allocator traps when it cannot serve a request (more than 32 MiB at
 *   once, or memory would grow beyond the executor's limit).
 * Other modes and short blocks trap. hrmp_watermark = relay_parent_number.
 */
#include "pvf_lib.h"

#define BLOCK_LEN 9
#define HEAD_LEN 13

static u32 grow(u32 count, u32 *pages, u32 *sum)
{
	i32 prev = __builtin_wasm_memory_grow(0, count);
	u32 i;

	*sum = 0;
	*pages = (u32)__builtin_wasm_memory_size(0);
	if (prev < 0)
		return (u32)prev;
	for (i = 0; i < count; i++) {
		volatile u8 *b = (volatile u8 *)(usize)(((usize)prev + i) * 65536u);

		*b = (u8)(i + 1);
		*sum += *b;
	}
	return (u32)prev;
}

static u32 alloc(u32 count, u32 size)
{
	u8 *p = 0;
	u32 i;

	for (i = 0; i < count; i++) {
		p = pvf_malloc(size);
		if (size) {
			p[0] = (u8)i;
			p[size - 1] = (u8)i;
		}
	}
	return (u32)(usize)p;
}

PVF_EXPORT u64 validate_block(u32 ptr, u32 len)
{
	const u8 *in = (const u8 *)(usize)ptr;
	struct pvf_params p;
	u8 head[HEAD_LEN];
	u32 count, size, a = 0, b = 0, c = 0;

	pvf_params_decode(in, len, &p);
	if (p.block_data_len < BLOCK_LEN)
		pvf_fail();
	count = pvf_get_u32(p.block_data + 1);
	size = pvf_get_u32(p.block_data + 5);
	switch (p.block_data[0]) {
	case 0:
		a = grow(count, &b, &c);
		break;
	case 1:
		a = count;
		b = alloc(count, size);
		c = (u32)__builtin_wasm_memory_size(0);
		break;
	default:
		pvf_fail();
	}
	head[0] = p.block_data[0];
	pvf_put_u32(head + 1, a);
	pvf_put_u32(head + 5, b);
	pvf_put_u32(head + 9, c);
	return pvf_result(head, HEAD_LEN, p.relay_parent_number);
}
