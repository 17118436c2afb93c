/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation tracking for prepare jobs (pvf-host.md §4.10): the reference's
 * tracking allocator, by interposition. This program defines the malloc
 * family; the C library and every other library call these definitions,
 * which forward to glibc's __libc_* entry points and count the usable size
 * of each block. When the peak since wk_track_start() exceeds the limit
 * (PrecheckingMaxMemory), the job writes a pre-encoded Err(OutOfMemory) to
 * its result pipe and exits from inside the allocator, as the reference
 * does.
 *
 * The worker and its jobs are single-threaded, so the counters are plain
 * variables. Under AddressSanitizer (which owns malloc) nothing is
 * interposed and wk_track_available() is false.
 */
#include "worker.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define WK_NO_TRACKING 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define WK_NO_TRACKING 1
#endif
#endif

static bool tracking;
static int64_t cur_bytes, peak_bytes;
static uint64_t limit_bytes;
static int oom_fd = -1;
static const struct buf *oom_msg;

bool wk_track_available(void)
{
#ifdef WK_NO_TRACKING
	return false;
#else
	return true;
#endif
}

void wk_track_start(uint64_t limit, int fd, const struct buf *oom_frame)
{
	cur_bytes = 0;
	peak_bytes = 0;
	limit_bytes = limit;
	oom_fd = fd;
	oom_msg = oom_frame;
	tracking = true;
}

uint64_t wk_track_peak(void)
{
	return peak_bytes > 0 ? (uint64_t)peak_bytes : 0;
}

#ifndef WK_NO_TRACKING

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

static _Noreturn void out_of_memory(void)
{
	size_t off = 0;

	tracking = false;
	while (oom_msg && off < oom_msg->len) {
		ssize_t n = write(oom_fd, oom_msg->data + off, oom_msg->len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	_exit(1);
}

static void count_add(void *p)
{
	if (!tracking || !p)
		return;
	cur_bytes += (int64_t)malloc_usable_size(p);
	if (cur_bytes > peak_bytes) {
		peak_bytes = cur_bytes;
		if (limit_bytes && (uint64_t)peak_bytes > limit_bytes)
			out_of_memory();
	}
}

static void count_sub(void *p)
{
	if (tracking && p)
		cur_bytes -= (int64_t)malloc_usable_size(p);
}

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void *reallocarray(void *p, size_t n, size_t size);
void free(void *p);
void *memalign(size_t align, size_t size);
void *aligned_alloc(size_t align, size_t size);
int posix_memalign(void **out, size_t align, size_t size);
void *valloc(size_t size);
void *pvalloc(size_t size);

void *malloc(size_t size)
{
	void *p = __libc_malloc(size);

	count_add(p);
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = __libc_calloc(n, size);

	count_add(p);
	return p;
}

void *realloc(void *p, size_t size)
{
	size_t old = p && tracking ? malloc_usable_size(p) : 0;
	void *q = __libc_realloc(p, size);

	if (!tracking)
		return q;
	if (q || size == 0) {
		cur_bytes -= (int64_t)old;
		count_add(q);
	}
	return q;
}

void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

void free(void *p)
{
	count_sub(p);
	__libc_free(p);
}

void *memalign(size_t align, size_t size)
{
	void *p = __libc_memalign(align, size);

	count_add(p);
	return p;
}

void *aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	p = memalign(align, size);
	if (!p && size)
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t size)
{
	void *p = __libc_valloc(size);

	count_add(p);
	return p;
}

void *pvalloc(size_t size)
{
	void *p = __libc_pvalloc(size);

	count_add(p);
	return p;
}

#endif /* !WK_NO_TRACKING */
