/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf_lib: the little runtime shared by the test PVFs of tests/pvfs, compiled
 * with them to wasm32 (MVP, freestanding, no libc). It provides
 *  - the Substrate host functions the PVFs import (runtime-abi.md §3.3, §5),
 *  - memcpy/memset/memcmp (clang emits calls to them),
 *  - a bounds-checked SCALE reader for ValidationParams and a writer for
 *    ValidationResult (runtime-abi.md §4.1),
 *  - helpers to hash through the host and to return from validate_block.
 * Any malformed input ends in pvf_fail(): the `unreachable` instruction, as a
 * Rust PVF's panic does. See docs/test-pvfs.md.
 */
#ifndef PVF_TEST_PVF_LIB_H
#define PVF_TEST_PVF_LIB_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int i32;
typedef long long i64;
typedef unsigned long usize;

#define PVF_EXPORT __attribute__((visibility("default")))
#define PVF_IMPORT(name) __attribute__((import_module("env"), import_name(name)))

/* ---- host functions --------------------------------------------------- */

PVF_IMPORT("ext_allocator_malloc_version_1") u32 ext_allocator_malloc_version_1(u32 size);
PVF_IMPORT("ext_allocator_free_version_1") void ext_allocator_free_version_1(u32 ptr);
/* data: pointer-size (ptr | len << 32); returns a host-allocated 32-byte
 * buffer the caller frees. */
PVF_IMPORT("ext_hashing_blake2_256_version_1") u32 ext_hashing_blake2_256_version_1(u64 data);
PVF_IMPORT("ext_hashing_keccak_256_version_1") u32 ext_hashing_keccak_256_version_1(u64 data);

/* ---- freestanding basics ---------------------------------------------- */

void *memcpy(void *dst, const void *src, usize n);
void *memset(void *dst, int c, usize n);
int memcmp(const void *a, const void *b, usize n);

/* Traps (wasm `unreachable`): the candidate is invalid. */
__attribute__((noreturn)) void pvf_fail(void);

/* Allocation through the host's allocator; a failure traps in the host. */
void *pvf_malloc(u32 size);
void pvf_free(void *p);

static inline u64 pvf_ptr_size(const void *p, u32 len)
{
	return (u64)(usize)p | (u64)len << 32;
}

/* out = BLAKE2b-256 / Keccak-256 of data, computed by the host. */
void pvf_blake2_256(const void *data, u32 len, u8 out[32]);
void pvf_keccak_256(const void *data, u32 len, u8 out[32]);

static inline u32 pvf_get_u32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 pvf_get_u64(const u8 *p)
{
	return (u64)pvf_get_u32(p) | (u64)pvf_get_u32(p + 4) << 32;
}

static inline void pvf_put_u32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

static inline void pvf_put_u64(u8 *p, u64 v)
{
	pvf_put_u32(p, (u32)v);
	pvf_put_u32(p + 4, (u32)(v >> 32));
}

/* ---- ValidationParams / ValidationResult -------------------------------- */

struct pvf_params {
	const u8 *parent_head;
	u32 parent_head_len;
	const u8 *block_data;
	u32 block_data_len;
	u32 relay_parent_number;
	const u8 *relay_parent_storage_root;   /* 32 bytes */
};

/* Decodes the input of validate_block (borrowing from it); traps on
 * malformed or non-canonical input. Trailing bytes are ignored, as
 * parity-scale-codec's decode() does. */
void pvf_params_decode(const u8 *in, u32 len, struct pvf_params *p);

/* Encodes ValidationResult {head_data, no new code, no messages,
 * processed_downward_messages 0, hrmp_watermark} into a fresh host
 * allocation and returns it packed for validate_block (ptr | len << 32). */
u64 pvf_result(const u8 *head, u32 head_len, u32 hrmp_watermark);

#endif
