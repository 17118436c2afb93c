/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_io::hashing: every function is (data: i64 pointer-size) -> i32, the
 * pointer to a host-allocated buffer holding the digest (runtime-abi.md
 * §5.2). The input is hashed before the allocation, which may grow (and move)
 * memory. The RFC-145 `_version_2` forms, (data: i64, out: i32) -> (), write
 * the digest to a runtime-provided buffer instead.
 */
#include "runtime_int.h"

typedef void (*hash_fn)(const void *data, size_t len, uint8_t *out);

static enum eng_trap hash_common(struct eng_host_call *hc, struct rt__call *c, uint64_t ps,
				 hash_fn fn, size_t out_len, uint64_t *results)
{
	uint8_t digest[64];
	const uint8_t *data;
	uint32_t len, ptr = 0;
	enum eng_trap t;

	t = rt__mem_ps(hc, ps, &data, &len);
	if (t != ENG_TRAP_NONE)
		return t;
	fn(data, len, digest);
	t = rt__return_ptr(hc, c, digest, out_len, &ptr);
	if (t == ENG_TRAP_NONE)
		results[0] = ptr;
	return t;
}

static enum eng_trap hash_into(struct eng_host_call *hc, uint64_t ps, uint32_t out,
			       hash_fn fn, size_t out_len)
{
	uint8_t digest[64];
	const uint8_t *data;
	uint32_t len;
	enum eng_trap t;

	t = rt__mem_ps(hc, ps, &data, &len);
	if (t != ENG_TRAP_NONE)
		return t;
	fn(data, len, digest);
	return rt__mem_write(hc, out, digest, (uint32_t)out_len);
}

static void h_keccak_256(const void *d, size_t n, uint8_t *o) { rt_keccak_256(d, n, o); }
static void h_keccak_512(const void *d, size_t n, uint8_t *o) { rt_keccak_512(d, n, o); }
static void h_sha2_256(const void *d, size_t n, uint8_t *o) { rt_sha2_256(d, n, o); }
static void h_blake2_128(const void *d, size_t n, uint8_t *o) { rt_blake2b_128(d, n, o); }
static void h_blake2_256(const void *d, size_t n, uint8_t *o) { rt_blake2b_256(d, n, o); }
static void h_twox_64(const void *d, size_t n, uint8_t *o) { rt_twox_64(d, n, o); }
static void h_twox_128(const void *d, size_t n, uint8_t *o) { rt_twox_128(d, n, o); }
static void h_twox_256(const void *d, size_t n, uint8_t *o) { rt_twox_256(d, n, o); }

#define HASH_HOSTFN(name, fn, n)                                               \
	static enum eng_trap name(struct eng_host_call *hc, void *user,        \
				  const uint64_t *args, uint64_t *results)     \
	{                                                                      \
		return hash_common(hc, user, args[0], fn, n, results);         \
	}                                                                      \
	static enum eng_trap name##_v2(struct eng_host_call *hc, void *user,   \
				       const uint64_t *args, uint64_t *results) \
	{                                                                      \
		(void)user;                                                    \
		(void)results;                                                 \
		return hash_into(hc, args[0], (uint32_t)args[1], fn, n);       \
	}

HASH_HOSTFN(keccak_256, h_keccak_256, 32)
HASH_HOSTFN(keccak_512, h_keccak_512, 64)
HASH_HOSTFN(sha2_256, h_sha2_256, 32)
HASH_HOSTFN(blake2_128, h_blake2_128, 16)
HASH_HOSTFN(blake2_256, h_blake2_256, 32)
HASH_HOSTFN(twox_64, h_twox_64, 8)
HASH_HOSTFN(twox_128, h_twox_128, 16)
HASH_HOSTFN(twox_256, h_twox_256, 32)

const struct rt__hostfn rt__hostfns_hashing[] = {
	{"ext_hashing_keccak_256_version_1", "I", "i", keccak_256},
	{"ext_hashing_keccak_256_version_2", "Ii", "", keccak_256_v2},
	{"ext_hashing_keccak_512_version_1", "I", "i", keccak_512},
	{"ext_hashing_keccak_512_version_2", "Ii", "", keccak_512_v2},
	{"ext_hashing_sha2_256_version_1", "I", "i", sha2_256},
	{"ext_hashing_sha2_256_version_2", "Ii", "", sha2_256_v2},
	{"ext_hashing_blake2_128_version_1", "I", "i", blake2_128},
	{"ext_hashing_blake2_128_version_2", "Ii", "", blake2_128_v2},
	{"ext_hashing_blake2_256_version_1", "I", "i", blake2_256},
	{"ext_hashing_blake2_256_version_2", "Ii", "", blake2_256_v2},
	{"ext_hashing_twox_64_version_1", "I", "i", twox_64},
	{"ext_hashing_twox_64_version_2", "Ii", "", twox_64_v2},
	{"ext_hashing_twox_128_version_1", "I", "i", twox_128},
	{"ext_hashing_twox_128_version_2", "Ii", "", twox_128_v2},
	{"ext_hashing_twox_256_version_1", "I", "i", twox_256},
	{"ext_hashing_twox_256_version_2", "Ii", "", twox_256_v2},
	{NULL, NULL, NULL, NULL},
};
