/* Sieve of Eratosthenes: byte stores and tight loops. */
#include "kernel.h"

#define N 1000000
static u8 composite[N];

u32 KERNEL_RUN(u32 n)
{
	u32 r, i, j, count = 0;

	for (r = 0; r < n; r++) {
		for (i = 0; i < N; i++)
			composite[i] = 0;
		count = 0;
		for (i = 2; i < N; i++) {
			if (composite[i])
				continue;
			count++;
			for (j = i + i; j < N; j += i)
				composite[j] = 1;
		}
	}
	return count;
}
