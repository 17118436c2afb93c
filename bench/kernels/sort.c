/* Quicksort of pseudo-random integers: branches and memory. */
#include "kernel.h"

#define N 100000
static u32 arr[N];

static void qs(u32 *a, i32 lo, i32 hi)
{
	while (lo < hi) {
		u32 p = a[lo + (hi - lo) / 2], t;
		i32 i = lo, j = hi;

		while (i <= j) {
			while (a[i] < p)
				i++;
			while (a[j] > p)
				j--;
			if (i <= j) {
				t = a[i]; a[i] = a[j]; a[j] = t;
				i++; j--;
			}
		}
		if (j - lo < hi - i) {
			qs(a, lo, j);
			lo = i;
		} else {
			qs(a, i, hi);
			hi = j;
		}
	}
}

u32 KERNEL_RUN(u32 n)
{
	u32 seed = 42, r, i, sum = 0;

	for (r = 0; r < n; r++) {
		for (i = 0; i < N; i++)
			arr[i] = rng_next(&seed);
		qs(arr, 0, N - 1);
		for (i = 0; i < N; i += 97)
			sum = sum * 31 + arr[i];
	}
	return sum;
}
