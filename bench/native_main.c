/* SPDX-License-Identifier: Apache-2.0 */
/* Native baseline for the benchmark kernels: the same C sources built with
 * clang -O2. Usage: native_bench KERNEL N REPS -> "checksum best_ns". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KERNELS(X) X(fib) X(sha256) X(sort) X(matmul) X(bignum) X(memcopy) X(sieve) \
	X(nbody) X(crc32)

#define DECL(k) uint32_t run_##k(uint32_t n);
KERNELS(DECL)

static const struct {
	const char *name;
	uint32_t (*fn)(uint32_t);
} kernels[] = {
#define ENTRY(k) {#k, run_##k},
	KERNELS(ENTRY)
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint32_t n, reps, r, sum = 0;
	uint64_t best = UINT64_MAX, t;
	size_t i;

	if (argc != 4) {
		fprintf(stderr, "usage: native_bench KERNEL N REPS\n");
		return 2;
	}
	n = (uint32_t)strtoul(argv[2], NULL, 0);
	reps = (uint32_t)strtoul(argv[3], NULL, 0);
	for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		if (strcmp(kernels[i].name, argv[1]) != 0)
			continue;
		for (r = 0; r < reps; r++) {
			t = now_ns();
			sum = kernels[i].fn(n);
			t = now_ns() - t;
			if (t < best)
				best = t;
		}
		printf("%u %llu\n", sum, (unsigned long long)best);
		return 0;
	}
	fprintf(stderr, "native_bench: unknown kernel %s\n", argv[1]);
	return 2;
}
