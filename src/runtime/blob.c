/* SPDX-License-Identifier: Apache-2.0 */
/* Code and PoV blobs: the 8-byte prefixes and bounded zstd decompression. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "runtime.h"

static const uint8_t blob_magic[7] = {0x52, 0xbc, 0x53, 0x76, 0x46, 0xdb, 0x8e};
static const uint8_t zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};

const char *rt_blob_status_str(enum rt_blob_status st)
{
	switch (st) {
	case RT_BLOB_OK: return "ok";
	case RT_BLOB_ERR_BOMB: return "possible compression bomb encountered";
	case RT_BLOB_ERR_INVALID: return "blob had invalid format";
	case RT_BLOB_ERR_POLKAVM: return "PolkaVM code is not supported";
	case RT_BLOB_ERR_NOMEM: return "out of memory";
	default: return "unknown blob error";
	}
}

enum rt_blob_kind rt_blob_kind_of(const uint8_t *blob, size_t len)
{
	if (len >= RT_BLOB_PREFIX_LEN && memcmp(blob, blob_magic, sizeof(blob_magic)) == 0) {
		switch (blob[7]) {
		case 0x05: return RT_BLOB_LEGACY;
		case 0x06: return RT_BLOB_POV;
		case 0x07: return RT_BLOB_WASM;
		case 0x08: return RT_BLOB_POLKAVM;
		default: break;
		}
	}
	if (len >= 4 && memcmp(blob, zstd_magic, 4) == 0)
		return RT_BLOB_RAW_ZSTD;
	return RT_BLOB_PLAIN;
}

/* Streams the frame(s) into a buffer of at most limit+1 bytes. */
static enum rt_blob_status zstd_bounded(const uint8_t *src, size_t len, size_t limit,
					uint8_t **out, size_t *out_len)
{
	enum rt_blob_status st;
	ZSTD_DCtx *dctx;
	ZSTD_inBuffer in = {src, len, 0};
	ZSTD_outBuffer ob;
	size_t cap = 1u << 20, ret = 1;
	uint8_t *buf, *nb;

	if (cap > limit + 1)
		cap = limit + 1;
	dctx = ZSTD_createDCtx();
	buf = malloc(cap);
	if (!dctx || !buf) {
		st = RT_BLOB_ERR_NOMEM;
		goto out_free;
	}
	ob.dst = buf;
	ob.size = cap;
	ob.pos = 0;
	while (in.pos < in.size || ret != 0) {
		if (ob.pos == ob.size) {
			if (ob.size > limit) {
				st = RT_BLOB_ERR_BOMB;
				goto out_free;
			}
			cap = ob.size * 2 > limit + 1 ? limit + 1 : ob.size * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				st = RT_BLOB_ERR_NOMEM;
				goto out_free;
			}
			buf = nb;
			ob.dst = buf;
			ob.size = cap;
		}
		ret = ZSTD_decompressStream(dctx, &ob, &in);
		if (ZSTD_isError(ret)) {
			st = RT_BLOB_ERR_INVALID;
			goto out_free;
		}
		if (ret != 0 && in.pos == in.size && ob.pos < ob.size) {
			/* Truncated frame: no more input, decoder wants more. */
			st = RT_BLOB_ERR_INVALID;
			goto out_free;
		}
	}
	if (ob.pos > limit) {
		st = RT_BLOB_ERR_BOMB;
		goto out_free;
	}
	*out = buf;
	*out_len = ob.pos;
	buf = NULL;
	st = RT_BLOB_OK;
out_free:
	free(buf);
	ZSTD_freeDCtx(dctx);
	return st;
}

enum rt_blob_status rt_blob_decompress(const uint8_t *blob, size_t len, size_t bomb_limit,
				       bool allow_raw_zstd, uint8_t **out, size_t *out_len)
{
	enum rt_blob_kind kind = rt_blob_kind_of(blob, len);
	uint8_t *copy;

	switch (kind) {
	case RT_BLOB_LEGACY:
	case RT_BLOB_POV:
	case RT_BLOB_WASM:
		return zstd_bounded(blob + RT_BLOB_PREFIX_LEN, len - RT_BLOB_PREFIX_LEN,
				    bomb_limit, out, out_len);
	case RT_BLOB_POLKAVM:
		return RT_BLOB_ERR_POLKAVM;
	case RT_BLOB_RAW_ZSTD:
		if (allow_raw_zstd)
			return zstd_bounded(blob, len, bomb_limit, out, out_len);
		break;
	case RT_BLOB_PLAIN:
	default:
		break;
	}
	copy = malloc(len ? len : 1);
	if (!copy)
		return RT_BLOB_ERR_NOMEM;
	memcpy(copy, blob, len);
	*out = copy;
	*out_len = len;
	return RT_BLOB_OK;
}
