/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the benchmark kernels. Each kernel defines
 *   uint32_t KERNEL_RUN(uint32_t n)
 * returning a checksum; the build sets KERNEL_RUN to `run` for wasm32 and to
 * `run_<kernel>` for the native harness. No libc: kernels are freestanding so
 * the same source runs natively and in Wasm. */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int i32;
typedef long long i64;

#ifndef KERNEL_RUN
#error "KERNEL_RUN must be defined by the build"
#endif

#define EXPORT __attribute__((visibility("default")))

static inline u32 rng_next(u32 *s)
{
	u32 x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

EXPORT u32 KERNEL_RUN(u32 n);

#endif
