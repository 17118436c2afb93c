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

#endif /* PVF_RUNTIME_H */
