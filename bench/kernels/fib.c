/* Recursive Fibonacci: call overhead. */
#include "kernel.h"

static u32 fib(u32 n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

u32 KERNEL_RUN(u32 n)
{
	return fib(n);
}
