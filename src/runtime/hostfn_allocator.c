/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_io::allocator: malloc/free over the freeing-bump heap (alloc.c) on the
 * instance's memory (runtime-abi.md §2). Any allocator error is a trap
 * ("Failed to allocate memory" / "Failed to deallocate memory"), as the
 * reference's .expect() panics.
 */
#include "runtime_int.h"

/* ext_allocator_malloc_version_1(size: i32) -> i32 */
static enum eng_trap malloc_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
			       uint64_t *results)
{
	uint32_t ptr = 0;
	enum eng_trap t = rt__malloc(hc, user, (uint32_t)args[0], &ptr);

	if (t == ENG_TRAP_NONE)
		results[0] = ptr;
	return t;
}

/* ext_allocator_free_version_1(ptr: i32) */
static enum eng_trap free_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
			     uint64_t *results)
{
	(void)results;
	return rt__free(hc, user, (uint32_t)args[0]);
}

const struct rt__hostfn rt__hostfns_allocator[] = {
	{"ext_allocator_malloc_version_1", "i", "i", malloc_v1},
	{"ext_allocator_free_version_1", "i", "", free_v1},
	{NULL, NULL, NULL, NULL},
};
