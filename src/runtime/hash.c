/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hash functions of sp-io's `hashing` interface.
 *
 * BLAKE2b and SHA-256 come from libsodium, XXH64 from libxxhash. Keccak is
 * written here: no Debian library offers the original (pre-SHA-3) padding.
 * The permutation follows FIPS 202 section 3.2 (theta, rho, pi, chi, iota);
 * the sponge uses Keccak's multi-rate padding with domain byte 0x01.
 */
#include <stdatomic.h>
#include <string.h>

#include <sodium.h>
#include <xxhash.h>

#include "runtime.h"
#include "runtime_int.h"

/* sodium_init() selects the fastest BLAKE2b/SHA-2 code for this CPU; the
 * functions are correct without it. It is thread-safe and idempotent; the
 * flag only avoids its lock on every call. */
static atomic_bool sodium_ready;

static void sodium_once(void)
{
	if (!atomic_load_explicit(&sodium_ready, memory_order_acquire)) {
		if (sodium_init() >= 0)
			atomic_store_explicit(&sodium_ready, true, memory_order_release);
	}
}

void rt_blake2b(const void *data, size_t len, uint8_t *out, size_t out_len)
{
	static const uint8_t empty[1];

	PVF_ASSERT(out_len >= crypto_generichash_BYTES_MIN &&
		   out_len <= crypto_generichash_BYTES_MAX);
	sodium_once();
	crypto_generichash(out, out_len, len ? data : empty, len, NULL, 0);
}

void rt_blake2b_128(const void *data, size_t len, uint8_t out[16])
{
	rt_blake2b(data, len, out, 16);
}

void rt_blake2b_256(const void *data, size_t len, uint8_t out[32])
{
	rt_blake2b(data, len, out, 32);
}

static void twox(const void *data, size_t len, uint8_t *out, unsigned n)
{
	static const uint8_t empty[1];
	unsigned seed, i;

	for (seed = 0; seed < n; seed++) {
		XXH64_hash_t h = XXH64(len ? data : empty, len, seed);

		for (i = 0; i < 8; i++)
			out[8 * seed + i] = (uint8_t)(h >> (8 * i));
	}
}

void rt_twox_64(const void *data, size_t len, uint8_t out[8])
{
	twox(data, len, out, 1);
}

void rt_twox_128(const void *data, size_t len, uint8_t out[16])
{
	twox(data, len, out, 2);
}

void rt_twox_256(const void *data, size_t len, uint8_t out[32])
{
	twox(data, len, out, 4);
}

void rt_sha2_256(const void *data, size_t len, uint8_t out[32])
{
	static const uint8_t empty[1];

	sodium_once();
	crypto_hash_sha256(out, len ? data : empty, len);
}

/* ---- Keccak ------------------------------------------------------------- */

static const uint64_t keccak_rc[24] = {
	0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull,
	0x8000000080008000ull, 0x000000000000808bull, 0x0000000080000001ull,
	0x8000000080008081ull, 0x8000000000008009ull, 0x000000000000008aull,
	0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
	0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull,
	0x8000000000008003ull, 0x8000000000008002ull, 0x8000000000000080ull,
	0x000000000000800aull, 0x800000008000000aull, 0x8000000080008081ull,
	0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

/* rho offsets, indexed x + 5y */
static const unsigned keccak_rho[25] = {
	0,  1,  62, 28, 27,
	36, 44, 6,  55, 20,
	3,  10, 43, 25, 39,
	41, 45, 15, 21, 8,
	18, 2,  61, 56, 14,
};

static inline uint64_t rotl64(uint64_t v, unsigned n)
{
	return n ? (v << n) | (v >> (64 - n)) : v;
}

void rt_keccak_f1600(uint64_t a[25])
{
	uint64_t c[5], d[5], b[25];
	unsigned round, x, y;

	for (round = 0; round < 24; round++) {
		/* theta */
		for (x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		for (x = 0; x < 5; x++)
			d[x] = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
		for (y = 0; y < 25; y += 5)
			for (x = 0; x < 5; x++)
				a[y + x] ^= d[x];
		/* rho and pi: B[y, 2x + 3y] = rot(A[x, y], r[x, y]) */
		for (y = 0; y < 5; y++)
			for (x = 0; x < 5; x++)
				b[y + 5 * ((2 * x + 3 * y) % 5)] =
					rotl64(a[x + 5 * y], keccak_rho[x + 5 * y]);
		/* chi */
		for (y = 0; y < 25; y += 5)
			for (x = 0; x < 5; x++)
				a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
		/* iota */
		a[0] ^= keccak_rc[round];
	}
}

static void keccak_xor_bytes(uint64_t st[25], const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		st[i / 8] ^= (uint64_t)p[i] << (8 * (i % 8));
}

void rt__keccak_sponge(const void *data, size_t len, uint8_t *out, size_t out_len,
		       uint8_t domain)
{
	const uint8_t *p = data;
	size_t rate = 200 - 2 * out_len, i;

	PVF_ASSERT(out_len >= 1 && out_len <= 64);
	uint64_t st[25] = {0};

	while (len >= rate) {
		keccak_xor_bytes(st, p, rate);
		rt_keccak_f1600(st);
		p += rate;
		len -= rate;
	}
	keccak_xor_bytes(st, p, len);
	st[len / 8] ^= (uint64_t)domain << (8 * (len % 8));
	st[(rate - 1) / 8] ^= (uint64_t)0x80 << (8 * ((rate - 1) % 8));
	rt_keccak_f1600(st);
	for (i = 0; i < out_len; i++)
		out[i] = (uint8_t)(st[i / 8] >> (8 * (i % 8)));
}

void rt_keccak_256(const void *data, size_t len, uint8_t out[32])
{
	rt__keccak_sponge(data, len, out, 32, 0x01);
}

void rt_keccak_512(const void *data, size_t len, uint8_t out[64])
{
	rt__keccak_sponge(data, len, out, 64, 0x01);
}
