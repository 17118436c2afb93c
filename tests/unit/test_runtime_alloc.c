/* SPDX-License-Identifier: Apache-2.0 */
/* Freeing-bump allocator: the unit cases of sc-allocator's freeing_bump.rs
 * (runtime-abi.md 2) plus header-layout, growth-policy and corruption cases. */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"
#include "tap.h"

#define PAGE RT_HEAP_PAGE_SIZE

/* A test linear memory: `pages` pages, grows up to `max` (0 = 65536),
 * grow callback can be made to fail. */
struct tmem {
	uint8_t *data;
	uint32_t pages;
	uint32_t max;
	int grow_calls;
	bool fail_grow;
	struct rt_heap_mem iface;
};

static uint8_t *tmem_data(void *ctx, uint64_t *size)
{
	struct tmem *t = ctx;

	*size = (uint64_t)t->pages * PAGE;
	return t->data;
}

static int64_t tmem_grow(void *ctx, uint32_t pages)
{
	struct tmem *t = ctx;
	uint32_t max = t->max ? t->max : 65536;
	uint32_t old = t->pages;
	uint8_t *nd;

	t->grow_calls++;
	if (t->fail_grow || pages > max - t->pages)
		return -1;
	nd = realloc(t->data, (size_t)(t->pages + pages) * PAGE);
	if (!nd)
		return -1;
	memset(nd + (size_t)t->pages * PAGE, 0, (size_t)pages * PAGE);
	t->data = nd;
	t->pages += pages;
	return old;
}

static void tmem_init(struct tmem *t, uint32_t pages, uint32_t max)
{
	memset(t, 0, sizeof(*t));
	t->data = calloc(pages ? pages : 1, PAGE);
	t->pages = pages;
	t->max = max;
	t->iface.data = tmem_data;
	t->iface.grow = tmem_grow;
	t->iface.max_pages = max;
	t->iface.ctx = t;
}

static void tmem_free(struct tmem *t)
{
	free(t->data);
}

static uint64_t hdr(const struct tmem *t, uint32_t at)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)t->data[at + i] << (8 * i);
	return v;
}

static void put_hdr(struct tmem *t, uint32_t at, uint64_t v)
{
	unsigned i;

	for (i = 0; i < 8; i++)
		t->data[at + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t xalloc(struct rt_heap *h, struct tmem *t, uint32_t size)
{
	uint32_t p = 0;

	if (rt_heap_alloc(h, &t->iface, size, &p) != RT_HEAP_OK)
		return 0;
	return p;
}

static bool all_nil(const struct rt_heap *h)
{
	unsigned i;

	for (i = 0; i < RT_HEAP_N_ORDERS; i++)
		if (h->heads[i] != RT_HEAP_NIL)
			return false;
	return true;
}

static void upstream_cases(void)
{
	struct rt_heap h;
	struct tmem t;
	uint32_t p1, p2, p3, p4, p;
	unsigned i;

	/* should_allocate_properly */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	ok_eq(xalloc(&h, &t, 1), 8, "heap_base 0: alloc(1) = 8");
	tmem_free(&t);

	/* should_always_align_pointers_to_multiples_of_8 */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 13);
	ok_eq(xalloc(&h, &t, 1), 24, "heap_base 13: alloc(1) = 24");
	tmem_free(&t);

	/* should_increment_pointers_properly */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	p1 = xalloc(&h, &t, 1);
	p2 = xalloc(&h, &t, 9);
	p3 = xalloc(&h, &t, 1);
	ok(p1 == 8 && p2 == 24 && p3 == 48, "alloc(1), alloc(9), alloc(1) = 8, 24, 48");
	tmem_free(&t);

	/* should_free_properly */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	p1 = xalloc(&h, &t, 1);
	p2 = xalloc(&h, &t, 1);
	ok(p1 == 8 && p2 == 24 && rt_heap_free(&h, &t.iface, p2) == RT_HEAP_OK &&
		   h.heads[0] == p2 - 8,
	   "free(b): head[0] = b - 8");
	tmem_free(&t);

	/* should_deallocate_and_reallocate_properly */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 13);
	p1 = xalloc(&h, &t, 1);
	p2 = xalloc(&h, &t, 9);
	ok(p1 == 24 && p2 == 40, "heap_base 13: alloc(1) = 24, alloc(9) = 40");
	ok(rt_heap_free(&h, &t.iface, p2) == RT_HEAP_OK && xalloc(&h, &t, 9) == 40 && all_nil(&h),
	   "free + alloc(9) reuses 40; all free lists empty again");
	tmem_free(&t);

	/* should_build_linked_list_of_free_areas_properly */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	p1 = xalloc(&h, &t, 8);
	p2 = xalloc(&h, &t, 8);
	p3 = xalloc(&h, &t, 8);
	rt_heap_free(&h, &t.iface, p1);
	rt_heap_free(&h, &t.iface, p2);
	rt_heap_free(&h, &t.iface, p3);
	ok_eq(h.heads[0], p3 - 8, "after freeing 1, 2, 3: head[0] = p3 - 8");
	p4 = xalloc(&h, &t, 8);
	ok(p4 == p3 && h.heads[0] == p2 - 8, "LIFO: alloc(8) = p3, head[0] = p2 - 8");
	ok(hdr(&t, p2 - 8) == p1 - 8 && hdr(&t, p1 - 8) == RT_HEAP_NIL,
	   "free headers link p2 -> p1 -> nil, bit 32 clear");
	tmem_free(&t);

	/* should_not_allocate_if_too_large */
	tmem_init(&t, 1, 1);
	rt_heap_init(&h, 13);
	ok_eq(rt_heap_alloc(&h, &t.iface, PAGE - 13, &p), RT_HEAP_ERR_OUT_OF_SPACE,
	      "heap_base 13, max 1 page: alloc(65536 - 13) out of space");
	tmem_free(&t);

	/* should_not_allocate_if_full */
	tmem_init(&t, 1, 1);
	rt_heap_init(&h, 0);
	ok_eq(xalloc(&h, &t, PAGE / 2 - 8), 8, "max 1 page: alloc(32760) = 8");
	ok_eq(rt_heap_alloc(&h, &t.iface, PAGE / 2, &p), RT_HEAP_ERR_OUT_OF_SPACE,
	      "then alloc(32768) out of space");
	tmem_free(&t);

	/* should_allocate_max_possible_allocation_size */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	ok(xalloc(&h, &t, RT_HEAP_MAX_ALLOCATION) == 8 && t.pages == 513,
	   "alloc(32 MiB) = 8, memory grown to 513 pages");
	tmem_free(&t);

	/* should_not_allocate_if_requested_size_too_large */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	ok_eq(rt_heap_alloc(&h, &t.iface, RT_HEAP_MAX_ALLOCATION + 1, &p), RT_HEAP_ERR_TOO_LARGE,
	      "alloc(32 MiB + 1) too large");
	ok(h.poisoned && rt_heap_alloc(&h, &t.iface, 8, &p) == RT_HEAP_ERR_POISONED,
	   "a too-large request poisons the allocator");
	tmem_free(&t);

	/* should_return_error_when_bumper_greater_than_heap_size */
	{
		static uint32_t ptrs[PAGE / 40];
		bool all_ok = true;

		tmem_init(&t, 1, 1);
		rt_heap_init(&h, 0);
		for (i = 0; i < PAGE / 40; i++) {
			ptrs[i] = xalloc(&h, &t, 32);
			all_ok = all_ok && ptrs[i];
		}
		ok(all_ok && h.stats.bytes_allocated == PAGE - 16 && h.bumper == PAGE - 16,
		   "1638 x alloc(32): bytes_allocated = bumper = 65520");
		for (i = 0; i < PAGE / 40; i++)
			all_ok = all_ok && rt_heap_free(&h, &t.iface, ptrs[i]) == RT_HEAP_OK;
		ok(all_ok && h.stats.bytes_allocated == 0 &&
			   h.stats.bytes_allocated_peak == PAGE - 16 && h.bumper == PAGE - 16,
		   "freed: bytes_allocated 0, peak 65520, bumper unchanged");
		ok(xalloc(&h, &t, 8) != 0 && h.bumper == PAGE, "alloc(8) fills the page exactly");
		ok_eq(rt_heap_alloc(&h, &t.iface, 8, &p), RT_HEAP_ERR_OUT_OF_SPACE,
		      "next alloc(8) out of space");
		tmem_free(&t);
	}

	/* should_include_prefixes_in_total_heap_size */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 1);
	xalloc(&h, &t, 9);
	ok_eq(h.stats.bytes_allocated, 8 + 16, "heap_base 1: alloc(9) accounts 24 bytes");
	tmem_free(&t);

	/* should_calculate_total_heap_size_to_zero */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 13);
	p = xalloc(&h, &t, 42);
	ok(p == 24 && rt_heap_free(&h, &t.iface, p) == RT_HEAP_OK && h.stats.bytes_allocated == 0,
	   "alloc(42) = 24, free: bytes_allocated 0");
	tmem_free(&t);

	/* should_calculate_total_size_of_zero */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 19);
	for (i = 1; i < 10; i++) {
		p = xalloc(&h, &t, 42);
		rt_heap_free(&h, &t.iface, p);
	}
	ok(h.stats.bytes_allocated == 0 && h.stats.bytes_allocated_sum == 9 * 72,
	   "9 x (alloc 42, free): bytes_allocated 0, sum 648");
	tmem_free(&t);

	/* deallocate_needs_to_maintain_linked_list */
	{
		uint32_t a[4], b[4];

		tmem_init(&t, 1, 0);
		rt_heap_init(&h, 0);
		for (i = 0; i < 4; i++)
			a[i] = xalloc(&h, &t, 8);
		for (i = 4; i-- > 0;)
			rt_heap_free(&h, &t.iface, a[i]);
		for (i = 0; i < 4; i++)
			b[i] = xalloc(&h, &t, 8);
		ok(memcmp(a, b, sizeof(a)) == 0, "free in reverse, reallocate: same pointers");
		tmem_free(&t);
	}

	/* poison_oom */
	tmem_init(&t, 1, 1);
	rt_heap_init(&h, 0);
	p = xalloc(&h, &t, PAGE / 2);
	ok(p == 8 && rt_heap_alloc(&h, &t.iface, PAGE, &p2) == RT_HEAP_ERR_OUT_OF_SPACE &&
		   h.poisoned,
	   "out of space poisons");
	ok_eq(rt_heap_free(&h, &t.iface, p), RT_HEAP_ERR_POISONED, "free after poisoning fails");
	tmem_free(&t);

	/* accepts_growing_memory */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	xalloc(&h, &t, PAGE / 2);
	xalloc(&h, &t, PAGE / 2);
	tmem_grow(&t, 1);
	ok(xalloc(&h, &t, PAGE / 2) != 0, "memory grown by someone else is accepted");
	tmem_free(&t);

	/* doesnt_accept_shrinking_memory */
	tmem_init(&t, 2, 0);
	rt_heap_init(&h, 0);
	xalloc(&h, &t, PAGE / 2);
	t.pages = 1;
	ok_eq(rt_heap_alloc(&h, &t.iface, PAGE / 2, &p), RT_HEAP_ERR_MEMORY_SHRUNK,
	      "shrunk memory is an error");
	tmem_free(&t);

	/* should_grow_memory_when_running_out_of_memory */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	ok(xalloc(&h, &t, PAGE * 2) == 8 && t.pages == 3, "alloc(128 KiB) grows 1 -> 3 pages");
	tmem_free(&t);

	/* modifying_the_header_leads_to_an_error */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	p = xalloc(&h, &t, 5);
	rt_heap_free(&h, &t.iface, p);
	put_hdr(&t, p - 8, UINT32_MAX - 1); /* Free(Ptr(u32::MAX - 1)) */
	ok(xalloc(&h, &t, 5) == p, "first alloc takes the corrupted block");
	ok_eq(rt_heap_alloc(&h, &t.iface, 5, &p2), RT_HEAP_ERR_BAD_HEADER_PTR,
	      "next alloc: invalid header pointer detected");
	tmem_free(&t);
}

static void layout_and_corruption(void)
{
	struct rt_heap h;
	struct tmem t;
	uint32_t p, q, r;

	/* Header bytes in guest memory. */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	p = xalloc(&h, &t, 1);
	ok(hdr(&t, 0) == UINT64_C(0x0000000100000000), "occupied header: order 0, bit 32");
	q = xalloc(&h, &t, 100);
	ok(q == 24 && hdr(&t, 16) == UINT64_C(0x0000000100000004), "alloc(100): order 4 at 16");
	rt_heap_free(&h, &t.iface, p);
	ok(hdr(&t, 0) == RT_HEAP_NIL, "free header: nil link, bit 32 clear");

	/* The occupied-bit quirk: the runtime's GlobalAlloc writes 0x80 into
	 * ptr - 1, the header's top byte; only bit 32 counts. */
	t.data[q - 1] = 0x80;
	ok_eq(rt_heap_free(&h, &t.iface, q), RT_HEAP_OK, "tag 0x80 in the top byte is ignored");
	ok_eq(h.heads[4], 16, "block went to the order-4 list");
	r = xalloc(&h, &t, 100);
	ok(r == q && hdr(&t, 16) == UINT64_C(0x0000000100000004), "reused; header rewritten");
	put_hdr(&t, 16, UINT64_C(0xfe00000300000004));
	ok_eq(rt_heap_free(&h, &t.iface, r), RT_HEAP_OK, "other high bits ignored when occupied");
	tmem_free(&t);

	/* A header with bit 32 clear is free whatever the other high bits. */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	p = xalloc(&h, &t, 8);
	put_hdr(&t, p - 8, UINT64_C(0x8000000000000000));
	ok_eq(rt_heap_free(&h, &t.iface, p), RT_HEAP_ERR_EMPTY_HEADER,
	      "free of a block whose bit 32 is clear: empty header");
	tmem_free(&t);

	/* Invalid order in an occupied header. */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	p = xalloc(&h, &t, 8);
	put_hdr(&t, p - 8, UINT64_C(0x0000000100000017));
	ok_eq(rt_heap_free(&h, &t.iface, p), RT_HEAP_ERR_INVALID_ORDER, "order 23 is invalid");
	tmem_free(&t);

	/* Free list pointing at an occupied header. */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	p = xalloc(&h, &t, 8);
	xalloc(&h, &t, 8);
	rt_heap_free(&h, &t.iface, p);
	put_hdr(&t, p - 8, UINT64_C(0x0000000100000000));
	ok_eq(rt_heap_alloc(&h, &t.iface, 8, &q), RT_HEAP_ERR_FREE_LIST_OCCUPIED,
	      "free list head is an occupied header");
	tmem_free(&t);

	/* Bad pointers for free. */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	ok_eq(rt_heap_free(&h, &t.iface, 7), RT_HEAP_ERR_BAD_FREE_PTR, "free(7): underflow");
	rt_heap_init(&h, 0);
	ok_eq(rt_heap_free(&h, &t.iface, PAGE + 8), RT_HEAP_ERR_READ_OOB,
	      "free past the end: read out of heap bounds");
	rt_heap_init(&h, 0);
	ok_eq(rt_heap_free(&h, &t.iface, UINT32_MAX), RT_HEAP_ERR_READ_OOB,
	      "free(u32::MAX): header range overflows");
	tmem_free(&t);

	/* Forged occupied header: the bytes counter would underflow. */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	xalloc(&h, &t, 8);
	put_hdr(&t, 1000, UINT64_C(0x0000000100000005));
	ok(rt_heap_free(&h, &t.iface, 1008) == RT_HEAP_ERR_ACCOUNTING && h.poisoned,
	   "forged order-5 header: accounting underflow, poisoned");
	tmem_free(&t);

	/* Growth failure reported by the memory. */
	tmem_init(&t, 1, 0);
	t.fail_grow = true;
	rt_heap_init(&h, 0);
	ok_eq(rt_heap_alloc(&h, &t.iface, PAGE, &p), RT_HEAP_ERR_OUT_OF_SPACE,
	      "failed memory.grow is out of space");
	tmem_free(&t);
}

static void growth_policy(void)
{
	static const uint32_t want[] = {2, 4, 8, 10};
	struct rt_heap h;
	struct tmem t;
	uint32_t p;
	unsigned i, step = 0, bad = 0;

	/* 1 page, maximum 10: doubling capped at the maximum. Each alloc of
	 * 32 KiB - 8 takes a 32 KiB block + 8-byte header = 32776 bytes, so the
	 * bumper after k allocs is 32776 k: growth at k = 2, 4, 8, 16, and
	 * k = 20 needs 11 pages. */
	tmem_init(&t, 1, 10);
	rt_heap_init(&h, 0);
	for (i = 0; i < 19; i++) {
		uint32_t before = t.pages;

		if (rt_heap_alloc(&h, &t.iface, PAGE / 2 - 8, &p) != RT_HEAP_OK) {
			bad++;
			break;
		}
		if (t.pages != before) {
			if (step >= BASE_ARRAY_SIZE(want) || t.pages != want[step])
				bad++;
			step++;
		}
	}
	ok(bad == 0 && step == 4 && t.pages == 10, "pages grow 1 -> 2 -> 4 -> 8 -> 10");
	ok_eq(rt_heap_alloc(&h, &t.iface, PAGE / 2 - 8, &p), RT_HEAP_ERR_OUT_OF_SPACE,
	      "at the maximum: out of space");
	tmem_free(&t);

	/* A request larger than doubling grows to exactly what is required. */
	tmem_init(&t, 2, 100);
	rt_heap_init(&h, 0);
	ok(xalloc(&h, &t, 8 * PAGE) == 8 && t.pages == 9 && t.grow_calls == 1,
	   "alloc(8 pages) from 2 pages grows once to 9");
	tmem_free(&t);

	/* Required beyond the maximum: no growth attempted. */
	tmem_init(&t, 2, 4);
	rt_heap_init(&h, 0);
	ok(rt_heap_alloc(&h, &t.iface, 4 * PAGE, &p) == RT_HEAP_ERR_OUT_OF_SPACE &&
		   t.grow_calls == 0 && t.pages == 2,
	   "required pages above the maximum: out of space without growing");
	tmem_free(&t);

	/* alloc(0) is an 8-byte block. */
	tmem_init(&t, 1, 0);
	rt_heap_init(&h, 0);
	ok(xalloc(&h, &t, 0) == 8 && xalloc(&h, &t, 0) == 24, "alloc(0) gives 8-byte blocks");
	tmem_free(&t);
}

int main(void)
{
	upstream_cases();
	layout_and_corruption();
	growth_policy();
	return tap_done();
}
