/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime: the Substrate runtime environment a PVF expects: code and PoV
 * blobs, SCALE, the heap allocator, host functions and the validate_block
 * ABI. Uses the engine only through engine.h.
 */
#ifndef PVF_RUNTIME_H
#define PVF_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* ---- code and PoV blobs (sp-maybe-compressed-blob) --------------------- */

#define RT_BLOB_PREFIX_LEN 8
/* Reference's recommended limit for code blobs: 50 MiB. */
#define RT_CODE_BLOB_BOMB_LIMIT (50u * 1024 * 1024)
/* POV_BOMB_LIMIT = MAX_POV_SIZE * 4 = 40 MiB. */
#define RT_POV_BOMB_LIMIT (40u * 1024 * 1024)

enum rt_blob_kind {
	RT_BLOB_PLAIN,        /* no prefix: used as is */
	RT_BLOB_LEGACY,       /* 52 bc 53 76 46 db 8e 05: zstd, code or PoV */
	RT_BLOB_POV,          /* ... 06: zstd PoV */
	RT_BLOB_WASM,         /* ... 07: zstd Wasm code */
	RT_BLOB_POLKAVM,      /* ... 08: PolkaVM code (not supported) */
	RT_BLOB_RAW_ZSTD,     /* bare zstd frame, no prefix (tools only) */
};

enum rt_blob_status {
	RT_BLOB_OK = 0,
	RT_BLOB_ERR_BOMB,      /* "possible compression bomb encountered" */
	RT_BLOB_ERR_INVALID,   /* "blob had invalid format" */
	RT_BLOB_ERR_POLKAVM,   /* "PolkaVM code is not supported" */
	RT_BLOB_ERR_NOMEM,
};

const char *rt_blob_status_str(enum rt_blob_status st);
enum rt_blob_kind rt_blob_kind_of(const uint8_t *blob, size_t len);

/* Decompresses `blob` if it carries a zstd prefix (or, when allow_raw_zstd,
 * is a bare zstd frame), refusing output larger than bomb_limit. Plain input
 * is copied unchanged. On success *out is malloc'd (caller frees). */
enum rt_blob_status rt_blob_decompress(const uint8_t *blob, size_t len, size_t bomb_limit,
				       bool allow_raw_zstd, uint8_t **out, size_t *out_len);

/* ---- hashing (hash.c) ---------------------------------------------------
 * The sp-io hashing host functions. All are total functions of their input
 * (no errors); data may be NULL when len is 0. Outputs are byte arrays in the
 * order the runtime expects (twox words little-endian, concatenated).
 */

/* BLAKE2b, unkeyed, digest length out_len (1..64; a parameter of the hash,
 * not a truncation). libsodium. */
void rt_blake2b(const void *data, size_t len, uint8_t *out, size_t out_len);
void rt_blake2b_128(const void *data, size_t len, uint8_t out[16]);
void rt_blake2b_256(const void *data, size_t len, uint8_t out[32]);
/* XXH64 with seeds 0..n-1, each digest little-endian (libxxhash). */
void rt_twox_64(const void *data, size_t len, uint8_t out[8]);
void rt_twox_128(const void *data, size_t len, uint8_t out[16]);
void rt_twox_256(const void *data, size_t len, uint8_t out[32]);
/* Original Keccak (pad 0x01 ... 0x80), not SHA-3. Hand-written. */
void rt_keccak_256(const void *data, size_t len, uint8_t out[32]);
void rt_keccak_512(const void *data, size_t len, uint8_t out[64]);
/* SHA-256 (libsodium). */
void rt_sha2_256(const void *data, size_t len, uint8_t out[32]);
/* The Keccak-f[1600] permutation on 25 little-endian lanes (lane i = x + 5y),
 * exported for sponge constructions elsewhere (STROBE/Merlin). */
void rt_keccak_f1600(uint64_t state[25]);

#endif /* PVF_RUNTIME_H */
