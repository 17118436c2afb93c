/* SPDX-License-Identifier: Apache-2.0 */
/* Native driver for kernels.c: prints the checksum and the time of one call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
int fib(int), matmul(int), matmulf(int), sha256(int), qsort_(int), bignum(int), keccak(int);
int main(int argc, char **argv) {
	int n = atoi(argv[2]), r = 0; struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (!strcmp(argv[1], "fib")) r = fib(n);
	else if (!strcmp(argv[1], "matmul")) r = matmul(n);
	else if (!strcmp(argv[1], "matmulf")) r = matmulf(n);
	else if (!strcmp(argv[1], "sha256")) r = sha256(n);
	else if (!strcmp(argv[1], "qsort")) r = qsort_(n);
	else if (!strcmp(argv[1], "bignum")) r = bignum(n);
	else if (!strcmp(argv[1], "keccak")) r = keccak(n);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%d %.4f\n", r, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
