/* SPDX-License-Identifier: Apache-2.0 */
/* Code/PoV blobs (blob.c): prefix kinds, PolkaVM refusal, bomb limit, broken
 * frames. Frames are made here with libzstd; the real blobs are checked in
 * test_runtime_shared.c. */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "runtime/runtime.h"
#include "tap.h"

static const uint8_t magic[7] = {0x52, 0xbc, 0x53, 0x76, 0x46, 0xdb, 0x8e};

/* prefix (kind byte, or -1 for none) ++ zstd(data) */
static uint8_t *make_blob(int kind, const void *data, size_t len, size_t *out_len)
{
	size_t bound = ZSTD_compressBound(len), pre = kind >= 0 ? 8 : 0, n;
	uint8_t *b = malloc(pre + bound);

	if (!b)
		abort();
	if (kind >= 0) {
		memcpy(b, magic, 7);
		b[7] = (uint8_t)kind;
	}
	n = ZSTD_compress(b + pre, bound, data, len, 3);
	if (ZSTD_isError(n))
		abort();
	*out_len = pre + n;
	return b;
}

static void test_kinds(void)
{
	uint8_t b[16] = {0};

	memcpy(b, magic, 7);
	b[7] = 5;
	ok_eq(rt_blob_kind_of(b, 8), RT_BLOB_LEGACY, "...05 is the legacy prefix");
	b[7] = 6;
	ok_eq(rt_blob_kind_of(b, 8), RT_BLOB_POV, "...06 is a PoV");
	b[7] = 7;
	ok_eq(rt_blob_kind_of(b, 8), RT_BLOB_WASM, "...07 is Wasm code");
	b[7] = 8;
	ok_eq(rt_blob_kind_of(b, 8), RT_BLOB_POLKAVM, "...08 is PolkaVM code");
	b[7] = 9;
	ok_eq(rt_blob_kind_of(b, 8), RT_BLOB_PLAIN, "...09 is no prefix");
	b[7] = 5;
	ok_eq(rt_blob_kind_of(b, 7), RT_BLOB_PLAIN, "7 bytes of prefix are plain");
	memcpy(b, "\0asm\1\0\0\0", 8);
	ok_eq(rt_blob_kind_of(b, 8), RT_BLOB_PLAIN, "\\0asm is plain");
	memcpy(b, "\x28\xb5\x2f\xfd", 4);
	ok_eq(rt_blob_kind_of(b, 4), RT_BLOB_RAW_ZSTD, "bare zstd magic");
	ok_eq(rt_blob_kind_of(b, 0), RT_BLOB_PLAIN, "empty input is plain");
}

static void test_roundtrip(void)
{
	static const int kinds[] = {5, 6, 7};
	uint8_t data[5000], *blob, *out = NULL;
	size_t i, n, out_len = 0;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 100);
	for (i = 0; i < BASE_ARRAY_SIZE(kinds); i++) {
		blob = make_blob(kinds[i], data, sizeof(data), &n);
		ok(rt_blob_decompress(blob, n, sizeof(data), false, &out, &out_len) == RT_BLOB_OK &&
			   out_len == sizeof(data) && memcmp(out, data, sizeof(data)) == 0,
		   "prefix 0x0%d: decompressed at limit = size", kinds[i]);
		free(out);
		out = NULL;
		ok_eq(rt_blob_decompress(blob, n, sizeof(data) - 1, false, &out, &out_len),
		      RT_BLOB_ERR_BOMB, "prefix 0x0%d: limit size - 1 is a bomb", kinds[i]);
		free(blob);
	}

	blob = make_blob(8, data, sizeof(data), &n);
	ok_eq(rt_blob_decompress(blob, n, 1u << 20, false, &out, &out_len), RT_BLOB_ERR_POLKAVM,
	      "PolkaVM blob refused");
	free(blob);

	/* Bare zstd: decompressed only when allowed, else used as is. */
	blob = make_blob(-1, data, sizeof(data), &n);
	ok(rt_blob_decompress(blob, n, 1u << 20, true, &out, &out_len) == RT_BLOB_OK &&
		   out_len == sizeof(data) && memcmp(out, data, sizeof(data)) == 0,
	   "bare zstd frame decompressed when allowed");
	free(out);
	out = NULL;
	ok(rt_blob_decompress(blob, n, 1u << 20, false, &out, &out_len) == RT_BLOB_OK &&
		   out_len == n && memcmp(out, blob, n) == 0,
	   "bare zstd frame used unchanged when not allowed");
	free(out);
	out = NULL;
	free(blob);

	/* Plain input is copied, even above the bomb limit (upstream does not
	 * check uncompressed input). */
	ok(rt_blob_decompress(data, sizeof(data), 10, false, &out, &out_len) == RT_BLOB_OK &&
		   out_len == sizeof(data) && out != data && memcmp(out, data, sizeof(data)) == 0,
	   "plain input copied unchanged, no limit");
	free(out);
	out = NULL;
	ok(rt_blob_decompress(data, 0, 10, false, &out, &out_len) == RT_BLOB_OK && out_len == 0,
	   "empty plain input");
	free(out);
	out = NULL;

	/* Empty payload. */
	blob = make_blob(7, "", 0, &n);
	ok(rt_blob_decompress(blob, n, 0, false, &out, &out_len) == RT_BLOB_OK && out_len == 0,
	   "frame of empty content with limit 0");
	free(out);
	free(blob);
}

static void test_bomb_and_broken(void)
{
	uint8_t *zeros = calloc(1, 4u << 20), *blob, *out = NULL;
	size_t n, out_len = 0, cut, bad = 0;

	/* 4 MiB of zeros compress to a few hundred bytes. */
	blob = make_blob(5, zeros, 4u << 20, &n);
	ok(n < 1024, "4 MiB of zeros compress to %zu bytes", n);
	ok_eq(rt_blob_decompress(blob, n, 1000, false, &out, &out_len), RT_BLOB_ERR_BOMB,
	      "small frame expanding past a 1000-byte limit is a bomb");
	ok_eq(rt_blob_decompress(blob, n, 0, false, &out, &out_len), RT_BLOB_ERR_BOMB,
	      "limit 0");
	ok(rt_blob_decompress(blob, n, 4u << 20, false, &out, &out_len) == RT_BLOB_OK &&
		   out_len == 4u << 20 && memcmp(out, zeros, out_len) == 0,
	   "same frame at limit = size decompresses");
	free(out);
	out = NULL;

	/* Every truncation of the frame (keeping the prefix) is invalid. */
	for (cut = 8; cut < n; cut++) {
		enum rt_blob_status st = rt_blob_decompress(blob, cut, 4u << 20, false, &out,
							    &out_len);

		if (st != RT_BLOB_ERR_INVALID) {
			printf("# cut at %zu: %s\n", cut, rt_blob_status_str(st));
			bad++;
		}
		if (st == RT_BLOB_OK)
			free(out);
		out = NULL;
	}
	ok_eq(bad, 0, "all %zu truncations of the frame are invalid", n - 8);

	/* Garbage after the prefix; corrupted magic inside the frame. */
	memcpy(zeros, magic, 7);
	zeros[7] = 7;
	memset(zeros + 8, 0xa5, 64);
	ok_eq(rt_blob_decompress(zeros, 72, 1u << 20, false, &out, &out_len), RT_BLOB_ERR_INVALID,
	      "garbage after the prefix is invalid");
	blob[9] ^= 0xff;
	ok_eq(rt_blob_decompress(blob, n, 4u << 20, false, &out, &out_len), RT_BLOB_ERR_INVALID,
	      "corrupted frame magic is invalid");
	blob[9] ^= 0xff;
	{
		uint8_t *more = malloc(n + 3);

		memcpy(more, blob, n);
		memcpy(more + n, "xyz", 3);
		ok_eq(rt_blob_decompress(more, n + 3, 4u << 20, false, &out, &out_len),
		      RT_BLOB_ERR_INVALID, "trailing garbage after the frame is invalid");
		free(more);
	}
	free(blob);
	free(zeros);
	ok(strcmp(rt_blob_status_str(RT_BLOB_ERR_BOMB), "possible compression bomb encountered") ==
		   0,
	   "bomb message");
}

int main(void)
{
	test_kinds();
	test_roundtrip();
	test_bomb_and_broken();
	return tap_done();
}
