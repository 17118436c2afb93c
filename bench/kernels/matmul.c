/* Dense double-precision matrix multiply: floating-point throughput. */
#include "kernel.h"

#define D 96
static double A[D][D], B[D][D], C[D][D];

u32 KERNEL_RUN(u32 n)
{
	u32 seed = 7, r, i, j, k;
	double s = 0;

	for (i = 0; i < D; i++)
		for (j = 0; j < D; j++) {
			A[i][j] = (double)(rng_next(&seed) % 1000) / 1000.0;
			B[i][j] = (double)(rng_next(&seed) % 1000) / 1000.0;
		}
	for (r = 0; r < n; r++) {
		for (i = 0; i < D; i++)
			for (j = 0; j < D; j++) {
				double acc = 0;
				for (k = 0; k < D; k++)
					acc += A[i][k] * B[k][j];
				C[i][j] = acc;
			}
		A[r % D][r % D] += C[(r * 7) % D][(r * 13) % D] * 1e-3;
	}
	for (i = 0; i < D; i++)
		s += C[i][i];
	return (u32)(s * 1000.0);
}
