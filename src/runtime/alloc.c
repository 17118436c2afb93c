/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The freeing-bump heap allocator of the Substrate host (runtime-abi.md 2).
 *
 * Power-of-two size classes ("orders") 8 B .. 32 MiB, one LIFO free list per
 * order threaded through the block headers, a bump pointer that only grows,
 * memory growth by doubling. No coalescing or splitting. Everything here is
 * consensus-relevant: pointers returned, header bytes written, the number of
 * pages memory is grown to, and which call fails.
 */
#include <string.h>

#include "runtime.h"

#define HEADER_SIZE 8u
#define ALIGNMENT 8u
#define OCCUPIED_BIT (UINT64_C(1) << 32)

const char *rt_heap_status_str(enum rt_heap_status st)
{
	switch (st) {
	case RT_HEAP_OK: return "ok";
	case RT_HEAP_ERR_POISONED: return "the allocator has been poisoned";
	case RT_HEAP_ERR_MEMORY_SHRUNK: return "memory shrunk";
	case RT_HEAP_ERR_TOO_LARGE: return "requested allocation too large";
	case RT_HEAP_ERR_OUT_OF_SPACE: return "allocator out of space";
	case RT_HEAP_ERR_BAD_HEADER_PTR: return "invalid header pointer detected";
	case RT_HEAP_ERR_FREE_LIST_OCCUPIED: return "free list points to a occupied header";
	case RT_HEAP_ERR_READ_OOB: return "read out of heap bounds";
	case RT_HEAP_ERR_WRITE_OOB: return "write out of heap bounds";
	case RT_HEAP_ERR_INVALID_ORDER: return "invalid order";
	case RT_HEAP_ERR_BAD_FREE_PTR: return "invalid pointer for deallocation";
	case RT_HEAP_ERR_EMPTY_HEADER: return "the allocation points to an empty header";
	case RT_HEAP_ERR_ACCOUNTING: return "underflow of the currently allocated bytes count";
	default: return "unknown allocator error";
	}
}

void rt_heap_init(struct rt_heap *h, uint32_t heap_base)
{
	unsigned i;

	memset(h, 0, sizeof(*h));
	/* (heap_base + 7) / 8 * 8 in u32, as upstream */
	h->original_heap_base = (heap_base + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
	h->bumper = h->original_heap_base;
	for (i = 0; i < RT_HEAP_N_ORDERS; i++)
		h->heads[i] = RT_HEAP_NIL;
}

static uint64_t mem_size(const struct rt_heap_mem *m)
{
	uint64_t size = 0;

	m->data(m->ctx, &size);
	return size;
}

static uint32_t mem_pages(const struct rt_heap_mem *m)
{
	return (uint32_t)((mem_size(m) + RT_HEAP_PAGE_SIZE - 1) / RT_HEAP_PAGE_SIZE);
}

/* [ptr, ptr + 8) must not overflow u32 and must lie inside memory. */
static enum rt_heap_status read_u64(const struct rt_heap_mem *m, uint32_t ptr, uint64_t *out)
{
	uint64_t size = 0, v = 0;
	const uint8_t *base = m->data(m->ctx, &size);
	unsigned i;

	if (ptr > UINT32_MAX - 8 || (uint64_t)ptr + 8 > size)
		return RT_HEAP_ERR_READ_OOB;
	for (i = 0; i < 8; i++)
		v |= (uint64_t)base[ptr + i] << (8 * i);
	*out = v;
	return RT_HEAP_OK;
}

static enum rt_heap_status write_u64(const struct rt_heap_mem *m, uint32_t ptr, uint64_t v)
{
	uint64_t size = 0;
	uint8_t *base = m->data(m->ctx, &size);
	unsigned i;

	if (ptr > UINT32_MAX - 8 || (uint64_t)ptr + 8 > size)
		return RT_HEAP_ERR_WRITE_OOB;
	for (i = 0; i < 8; i++)
		base[ptr + i] = (uint8_t)(v >> (8 * i));
	return RT_HEAP_OK;
}

/* Header::read_from: bit 32 alone decides; the low word is the data. */
static enum rt_heap_status read_header(const struct rt_heap_mem *m, uint32_t ptr, bool *occupied,
				       uint32_t *data)
{
	enum rt_heap_status st;
	uint64_t raw;

	st = read_u64(m, ptr, &raw);
	if (st)
		return st;
	*occupied = (raw & OCCUPIED_BIT) != 0;
	*data = (uint32_t)raw;
	if (*occupied && *data >= RT_HEAP_N_ORDERS)
		return RT_HEAP_ERR_INVALID_ORDER;
	return RT_HEAP_OK;
}

static enum rt_heap_status observe_memory_size(struct rt_heap *h, const struct rt_heap_mem *m)
{
	uint64_t size = mem_size(m);

	if (size < h->last_observed_memory_size)
		return RT_HEAP_ERR_MEMORY_SHRUNK;
	h->last_observed_memory_size = size;
	return RT_HEAP_OK;
}

/* Advances the bumper by n, growing memory first if needed. */
static enum rt_heap_status bump(struct rt_heap *h, const struct rt_heap_mem *m, uint32_t n,
				uint32_t *out)
{
	uint64_t required = (uint64_t)h->bumper + n;

	if (required > mem_size(m)) {
		uint64_t required_pages = (required + RT_HEAP_PAGE_SIZE - 1) / RT_HEAP_PAGE_SIZE;
		uint32_t cur = mem_pages(m);
		uint32_t max = m->max_pages ? m->max_pages : RT_HEAP_MAX_WASM_PAGES;
		uint64_t next;

		if (cur >= max || required_pages > max)
			return RT_HEAP_ERR_OUT_OF_SPACE;
		/* double, capped at the maximum, but at least what is required */
		next = (uint64_t)cur * 2 < max ? (uint64_t)cur * 2 : max;
		if (next < required_pages)
			next = required_pages;
		if (m->grow(m->ctx, (uint32_t)(next - cur)) < 0)
			return RT_HEAP_ERR_OUT_OF_SPACE;
	}
	*out = h->bumper;
	h->bumper += n;
	return RT_HEAP_OK;
}

static enum rt_heap_status do_alloc(struct rt_heap *h, const struct rt_heap_mem *m, uint32_t size,
				    uint32_t *ptr)
{
	enum rt_heap_status st;
	uint32_t order, block, header_ptr, next;
	bool occupied;

	st = observe_memory_size(h, m);
	if (st)
		return st;
	if (size > RT_HEAP_MAX_ALLOCATION)
		return RT_HEAP_ERR_TOO_LARGE;
	if (size < RT_HEAP_MIN_ALLOCATION)
		size = RT_HEAP_MIN_ALLOCATION;
	order = 0;
	while ((RT_HEAP_MIN_ALLOCATION << order) < size)
		order++;
	block = RT_HEAP_MIN_ALLOCATION << order;

	if (h->heads[order] != RT_HEAP_NIL) {
		header_ptr = h->heads[order];
		if ((uint64_t)header_ptr + block + HEADER_SIZE > mem_size(m))
			return RT_HEAP_ERR_BAD_HEADER_PTR;
		st = read_header(m, header_ptr, &occupied, &next);
		if (st)
			return st;
		if (occupied)
			return RT_HEAP_ERR_FREE_LIST_OCCUPIED;
		h->heads[order] = next;
	} else {
		st = bump(h, m, block + HEADER_SIZE, &header_ptr);
		if (st)
			return st;
	}
	st = write_u64(m, header_ptr, OCCUPIED_BIT | order);
	if (st)
		return st;

	h->stats.bytes_allocated += block + HEADER_SIZE;
	h->stats.bytes_allocated_sum += block + HEADER_SIZE;
	if (h->stats.bytes_allocated > h->stats.bytes_allocated_peak)
		h->stats.bytes_allocated_peak = h->stats.bytes_allocated;
	h->stats.address_space_used = h->bumper - h->original_heap_base;
	*ptr = header_ptr + HEADER_SIZE;
	return RT_HEAP_OK;
}

enum rt_heap_status rt_heap_alloc(struct rt_heap *h, const struct rt_heap_mem *mem,
				  uint32_t size, uint32_t *ptr)
{
	enum rt_heap_status st;

	if (h->poisoned)
		return RT_HEAP_ERR_POISONED;
	st = do_alloc(h, mem, size, ptr);
	if (st)
		h->poisoned = true;
	return st;
}

static enum rt_heap_status do_free(struct rt_heap *h, const struct rt_heap_mem *m, uint32_t ptr)
{
	enum rt_heap_status st;
	uint32_t header_ptr, order, block;
	bool occupied;

	st = observe_memory_size(h, m);
	if (st)
		return st;
	if (ptr < HEADER_SIZE)
		return RT_HEAP_ERR_BAD_FREE_PTR;
	header_ptr = ptr - HEADER_SIZE;
	st = read_header(m, header_ptr, &occupied, &order);
	if (st)
		return st;
	if (!occupied)
		return RT_HEAP_ERR_EMPTY_HEADER;
	/* Push onto the free list: the header now links to the old head. */
	st = write_u64(m, header_ptr, h->heads[order]);
	h->heads[order] = header_ptr;
	if (st)
		return st;
	block = RT_HEAP_MIN_ALLOCATION << order;
	if (h->stats.bytes_allocated < block + HEADER_SIZE)
		return RT_HEAP_ERR_ACCOUNTING;
	h->stats.bytes_allocated -= block + HEADER_SIZE;
	return RT_HEAP_OK;
}

enum rt_heap_status rt_heap_free(struct rt_heap *h, const struct rt_heap_mem *mem, uint32_t ptr)
{
	enum rt_heap_status st;

	if (h->poisoned)
		return RT_HEAP_ERR_POISONED;
	st = do_free(h, mem, ptr);
	if (st)
		h->poisoned = true;
	return st;
}
