/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Minimal TAP producer for unit tests. Each test program prints a plan at the
 * end ("1..N"); meson runs it with protocol: 'tap'. Skips exit with 77.
 */
#ifndef PVF_TAP_H
#define PVF_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap__n, tap__failed;

#define ok(cond, ...)                                                          \
	tap__ok(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)

static inline int tap__ok(int pass, const char *file, int line, const char *expr,
			  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline int tap__ok(int pass, const char *file, int line, const char *expr,
			  const char *fmt, ...)
{
	va_list ap;

	tap__n++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap__n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap__failed++;
		printf("#   failed at %s:%d: %s\n", file, line, expr);
	}
	return pass;
}

/* Compares two integers and prints both on failure. */
#define ok_eq(a, b, ...)                                                       \
	do {                                                                   \
		intmax_t tap__a = (intmax_t)(a), tap__b = (intmax_t)(b);       \
		if (!ok(tap__a == tap__b, __VA_ARGS__))                         \
			printf("#   got %jd, expected %jd\n", tap__a, tap__b); \
	} while (0)

static inline void tap_diag(const char *msg)
{
	printf("# %s\n", msg);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap__n);
	return tap__failed ? 1 : 0;
}

static inline void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(77);
}

#endif /* PVF_TAP_H */
