/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wasm numeric semantics that C does not give directly: float bit views,
 * min/max with Wasm's NaN and signed-zero rules, rounding that returns a
 * quiet NaN for NaN input, and the range checks of float-to-int truncation.
 * Shared by the interpreter and (later) the native backend as the reference.
 */
#ifndef PVF_ENGINE_EXEC_NUMERIC_H
#define PVF_ENGINE_EXEC_NUMERIC_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define NUM_CANON_F32 UINT32_C(0x7fc00000)
#define NUM_CANON_F64 UINT64_C(0x7ff8000000000000)

static inline float num_f32(uint64_t slot)
{
	uint32_t b = (uint32_t)slot;
	float f;

	memcpy(&f, &b, sizeof(f));
	return f;
}

static inline double num_f64(uint64_t slot)
{
	double d;

	memcpy(&d, &slot, sizeof(d));
	return d;
}

static inline uint64_t num_bits32(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

static inline uint64_t num_bits64(double d)
{
	uint64_t b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

/* Result bits of an operation on the canonicalising list (determinism.md
 * §8): a NaN becomes the canonical NaN when canon is set. */
static inline uint64_t num_res32(float r, bool canon)
{
	if (canon && r != r)
		return NUM_CANON_F32;
	return num_bits32(r);
}

static inline uint64_t num_res64(double r, bool canon)
{
	if (canon && r != r)
		return NUM_CANON_F64;
	return num_bits64(r);
}

static inline float num_quiet32(float a)
{
	return num_f32(num_bits32(a) | 0x00400000u);
}

static inline double num_quiet64(double a)
{
	return num_f64(num_bits64(a) | UINT64_C(0x0008000000000000));
}

static inline float num_fminf(float a, float b)
{
	if (a != a || b != b)
		return a + b;
	if (a == 0 && b == 0)
		return signbit(a) ? a : b;
	return a < b ? a : b;
}

static inline float num_fmaxf(float a, float b)
{
	if (a != a || b != b)
		return a + b;
	if (a == 0 && b == 0)
		return signbit(a) ? b : a;
	return a > b ? a : b;
}

static inline double num_fmin(double a, double b)
{
	if (a != a || b != b)
		return a + b;
	if (a == 0 && b == 0)
		return signbit(a) ? a : b;
	return a < b ? a : b;
}

static inline double num_fmax(double a, double b)
{
	if (a != a || b != b)
		return a + b;
	if (a == 0 && b == 0)
		return signbit(a) ? b : a;
	return a > b ? a : b;
}

/* Rounding: NaN in gives a quiet NaN out on every libm. */
static inline float num_ceilf(float a) { return a != a ? num_quiet32(a) : ceilf(a); }
static inline float num_floorf(float a) { return a != a ? num_quiet32(a) : floorf(a); }
static inline float num_truncf(float a) { return a != a ? num_quiet32(a) : truncf(a); }
static inline float num_nearestf(float a) { return a != a ? num_quiet32(a) : rintf(a); }
static inline float num_sqrtf(float a) { return a != a ? num_quiet32(a) : sqrtf(a); }
static inline double num_ceil(double a) { return a != a ? num_quiet64(a) : ceil(a); }
static inline double num_floor(double a) { return a != a ? num_quiet64(a) : floor(a); }
static inline double num_trunc(double a) { return a != a ? num_quiet64(a) : trunc(a); }
static inline double num_nearest(double a) { return a != a ? num_quiet64(a) : rint(a); }
static inline double num_sqrt(double a) { return a != a ? num_quiet64(a) : sqrt(a); }

static inline uint32_t num_rotl32(uint32_t a, uint32_t b)
{
	b &= 31;
	return (a << b) | (a >> ((32 - b) & 31));
}

static inline uint32_t num_rotr32(uint32_t a, uint32_t b)
{
	b &= 31;
	return (a >> b) | (a << ((32 - b) & 31));
}

static inline uint64_t num_rotl64(uint64_t a, uint64_t b)
{
	b &= 63;
	return (a << b) | (a >> ((64 - b) & 63));
}

static inline uint64_t num_rotr64(uint64_t a, uint64_t b)
{
	b &= 63;
	return (a >> b) | (a << ((64 - b) & 63));
}

/* Float-to-int range checks: true when trunc(v) is representable. NaN is
 * false everywhere (callers test NaN first for the right trap). */
static inline bool num_fits_i32_f32(float v) { return v >= -2147483648.0f && v < 2147483648.0f; }
static inline bool num_fits_u32_f32(float v) { return v > -1.0f && v < 4294967296.0f; }
static inline bool num_fits_i64_f32(float v)
{
	return v >= -9223372036854775808.0f && v < 9223372036854775808.0f;
}
static inline bool num_fits_u64_f32(float v) { return v > -1.0f && v < 18446744073709551616.0f; }
static inline bool num_fits_i32_f64(double v) { return v > -2147483649.0 && v < 2147483648.0; }
static inline bool num_fits_u32_f64(double v) { return v > -1.0 && v < 4294967296.0; }
static inline bool num_fits_i64_f64(double v)
{
	return v >= -9223372036854775808.0 && v < 9223372036854775808.0;
}
static inline bool num_fits_u64_f64(double v) { return v > -1.0 && v < 18446744073709551616.0; }

/* Saturating truncations. */
static inline uint32_t num_sat_i32_f32(float v)
{
	if (v != v)
		return 0;
	if (v < -2147483648.0f)
		return (uint32_t)INT32_MIN;
	if (v >= 2147483648.0f)
		return INT32_MAX;
	return (uint32_t)(int32_t)v;
}

static inline uint32_t num_sat_u32_f32(float v)
{
	if (!(v > -1.0f))
		return 0;
	if (v >= 4294967296.0f)
		return UINT32_MAX;
	return (uint32_t)v;
}

static inline uint32_t num_sat_i32_f64(double v)
{
	if (v != v)
		return 0;
	if (v <= -2147483649.0)
		return (uint32_t)INT32_MIN;
	if (v >= 2147483648.0)
		return INT32_MAX;
	return (uint32_t)(int32_t)v;
}

static inline uint32_t num_sat_u32_f64(double v)
{
	if (!(v > -1.0))
		return 0;
	if (v >= 4294967296.0)
		return UINT32_MAX;
	return (uint32_t)v;
}

static inline uint64_t num_sat_i64_f32(float v)
{
	if (v != v)
		return 0;
	if (v < -9223372036854775808.0f)
		return (uint64_t)INT64_MIN;
	if (v >= 9223372036854775808.0f)
		return INT64_MAX;
	return (uint64_t)(int64_t)v;
}

static inline uint64_t num_sat_u64_f32(float v)
{
	if (!(v > -1.0f))
		return 0;
	if (v >= 18446744073709551616.0f)
		return UINT64_MAX;
	return (uint64_t)v;
}

static inline uint64_t num_sat_i64_f64(double v)
{
	if (v != v)
		return 0;
	if (v < -9223372036854775808.0)
		return (uint64_t)INT64_MIN;
	if (v >= 9223372036854775808.0)
		return INT64_MAX;
	return (uint64_t)(int64_t)v;
}

static inline uint64_t num_sat_u64_f64(double v)
{
	if (!(v > -1.0))
		return 0;
	if (v >= 18446744073709551616.0)
		return UINT64_MAX;
	return (uint64_t)v;
}

#endif /* PVF_ENGINE_EXEC_NUMERIC_H */
