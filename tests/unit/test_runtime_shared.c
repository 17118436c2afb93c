/* SPDX-License-Identifier: Apache-2.0 */
/* Checks against the real material in <shared>/runtime-blobs: validation
 * code hashes and decompressed sha256 sums (runtime-blobs/README.md), and the
 * genesis state roots and block hashes of two raw chain specs
 * (runtime-abi.md 7). Skips (exit 77) when the shared directory is absent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"
#include "base/scale.h"
#include "runtime/runtime.h"
#include "shared_data.h"
#include "tap.h"

static int hex_eq(const uint8_t *got, size_t n, const char *want)
{
	char buf[2 * 64 + 1];

	base_hex_encode(got, n, buf);
	if (strcmp(buf, want) == 0)
		return 1;
	printf("#   got      %s\n#   expected %s\n", buf, want);
	return 0;
}

static void code_hashes(void)
{
	static const struct {
		const char *file, *hash;
	} v[] = {
		{"runtime-blobs/adder-kagome.compressed.bin",
		 "7a163b303ff19b1ba1911bcf6bc59c5a7a9d8f2e187aa4be772f56f76b8b6f0e"},
		{"runtime-blobs/asset-hub-kusama-local-statemine-1000000.compressed.bin",
		 "e2013b8a429bc5ef71681c9b31f9b297d1af701b30a25db7f7269e26ed4aa88c"},
		{"runtime-blobs/coretime-polkadot-1003000.compressed.bin",
		 "a4fb99720cf46ab485918e3034948a63993ef66e44473ae79ca48b043ada9c6e"},
		{"runtime-blobs/moonbase-4300.compressed.bin",
		 "af69406915a50fdee99772417b67659e8b45bb27a39674dc019ece43319df17b"},
	};
	uint8_t h[32];
	size_t i;

	for (i = 0; i < BASE_ARRAY_SIZE(v); i++) {
		size_t len;
		uint8_t *code = shared_read(v[i].file, &len);

		rt_validation_code_hash(code, code ? len : 0, h);
		ok(code && hex_eq(h, 32, v[i].hash), "validation code hash of %s", v[i].file);
		free(code);
	}
}

/* Decompresses a blob and compares the sha256 of the result. */
static void blob_sha(const char *file, const uint8_t *blob, size_t len, bool raw,
		     enum rt_blob_kind kind, const char *sha)
{
	uint8_t *out = NULL, h[32];
	size_t out_len = 0;
	enum rt_blob_status st;

	ok_eq(rt_blob_kind_of(blob, len), kind, "%s: blob kind", file);
	st = rt_blob_decompress(blob, len, RT_CODE_BLOB_BOMB_LIMIT, raw, &out, &out_len);
	if (st == RT_BLOB_OK)
		rt_sha2_256(out, out_len, h);
	ok(st == RT_BLOB_OK && out_len >= 8 && memcmp(out, "\0asm", 4) == 0 && hex_eq(h, 32, sha),
	   "%s: decompresses to wasm with the README's sha256 (%zu bytes)", file, out_len);
	free(out);
}

static void blobs(void)
{
	static const struct {
		const char *file;
		bool raw;
		enum rt_blob_kind kind;
		const char *sha;
	} v[] = {
		{"runtime-blobs/adder-kagome.compressed.bin", false, RT_BLOB_LEGACY,
		 "df8b4e67b2026fe2104fdee1926e5ec2192a979491aee6d6375fcd96a1ee9eaf"},
		{"runtime-blobs/adder-kagome.wasm", false, RT_BLOB_PLAIN,
		 "df8b4e67b2026fe2104fdee1926e5ec2192a979491aee6d6375fcd96a1ee9eaf"},
		{"runtime-blobs/adder-gossamer.wasm", false, RT_BLOB_PLAIN,
		 "94b4c5ef4f6d56779e34fd90d8275916f671bd927693f683821ff272af1a7cf2"},
		{"runtime-blobs/shell-v2.wasm.zst", true, RT_BLOB_RAW_ZSTD,
		 "c5dd6177b0aaf9bf00234fd8cf9bada6e15d60696db105c34c6c71de812330e3"},
		{"runtime-blobs/westend-9300.compressed.bin", false, RT_BLOB_LEGACY,
		 "719c1ded48f4e58e31f1e1c29b90056628a7fd37db4f045a74205a0b5313c914"},
		{"runtime-blobs/asset-hub-kusama-local-statemine-1000000.compressed.bin", false,
		 RT_BLOB_LEGACY, "d3f7a13ffc2f0b12980e6d73c12bba855c08bcb6398d23eb95bc05f01d743309"},
		{"runtime-blobs/coretime-polkadot-1003000.compressed.bin", false, RT_BLOB_LEGACY,
		 "bd168283e5c877ea189127bc94dfedef256b83e9c2a9f1724bf240d350ef3179"},
		{"runtime-blobs/moonbase-4300.compressed.bin", false, RT_BLOB_LEGACY,
		 "1772b61ba80d8da8ed604c4874a2a15ee97970d4eff1db9ce618f46f284f96cd"},
	};
	uint8_t *blob, *out = NULL;
	size_t i, len, out_len;

	for (i = 0; i < BASE_ARRAY_SIZE(v); i++) {
		blob = shared_read(v[i].file, &len);
		if (!ok(blob != NULL, "read %s", v[i].file))
			continue;
		blob_sha(v[i].file, blob, len, v[i].raw, v[i].kind, v[i].sha);
		free(blob);
	}
	/* moonbase decompresses to 13.5 MB: above the deprecated 12 MiB
	 * VALIDATION_CODE_BOMB_LIMIT (runtime-abi.md 4.3). */
	blob = shared_read("runtime-blobs/moonbase-4300.compressed.bin", &len);
	ok(blob && rt_blob_decompress(blob, len, 12u << 20, false, &out, &out_len) ==
			   RT_BLOB_ERR_BOMB,
	   "moonbase is a bomb under a 12 MiB limit");
	free(blob);
	/* the raw zstd blob is not decompressed unless allowed */
	blob = shared_read("runtime-blobs/shell-v2.wasm.zst", &len);
	ok(blob && rt_blob_decompress(blob, len, RT_CODE_BLOB_BOMB_LIMIT, false, &out, &out_len) ==
			   RT_BLOB_OK && out_len == len,
	   "shell-v2.wasm.zst unchanged without allow_raw_zstd");
	free(out);
	free(blob);
}

/* Genesis storage root and block hash of a raw chain spec. */
static void genesis(const char *file, enum rt_state_version v, const char *want_root,
		    const char *want_hash)
{
	json_error_t jerr;
	json_t *spec, *top, *val;
	const char *key;
	struct rt_trie_kv *kvs;
	uint8_t **bufs;
	uint8_t root[32], empty[32], hash[32];
	struct buf hdr = BUF_INIT;
	char path[4096];
	size_t n, i = 0, bad = 0;

	snprintf(path, sizeof(path), "%s/%s", shared_dir(), file);
	spec = json_load_file(path, 0, &jerr);
	top = json_object_get(json_object_get(json_object_get(spec, "genesis"), "raw"), "top");
	if (!ok(json_is_object(top), "%s: genesis.raw.top", file)) {
		json_decref(spec);
		return;
	}
	n = json_object_size(top);
	kvs = calloc(n, sizeof(*kvs));
	bufs = calloc(2 * n, sizeof(*bufs));
	json_object_foreach(top, key, val) {
		const char *hv = json_string_value(val);

		if (!hv || base_hex_decode(key, strlen(key), &bufs[2 * i], &kvs[i].key_len) ||
		    base_hex_decode(hv, strlen(hv), &bufs[2 * i + 1], &kvs[i].val_len)) {
			bad++;
			continue;
		}
		kvs[i].key = bufs[2 * i];
		kvs[i].val = bufs[2 * i + 1];
		i++;
	}
	ok(bad == 0 && rt_trie_root(kvs, i, v, RT_TRIE_BLAKE2_256, root) == 0 &&
		   hex_eq(root, 32, want_root),
	   "%s: genesis state root (%zu keys, V%d)", file, i, (int)v);
	/* header: parent 0^32, number compact(0), state root, extrinsics root
	 * (empty trie), empty digest */
	rt_trie_ordered_root(NULL, 0, v, RT_TRIE_BLAKE2_256, empty);
	buf_append(&hdr, (const uint8_t[32]){0}, 32);
	scale_put_compact(&hdr, 0);
	buf_append(&hdr, root, 32);
	buf_append(&hdr, empty, 32);
	scale_put_compact(&hdr, 0);
	rt_blake2b_256(hdr.data, hdr.len, hash);
	ok(hex_eq(hash, 32, want_hash), "%s: genesis block hash", file);
	buf_deinit(&hdr);
	for (i = 0; i < 2 * n; i++)
		free(bufs[i]);
	free(bufs);
	free(kvs);
	json_decref(spec);
}

/* The :code of a chain spec is a compressed runtime too. */
static void chainspec_code(const char *file, const char *sha)
{
	json_error_t jerr;
	json_t *spec, *code;
	char path[4096];
	uint8_t *blob = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/%s", shared_dir(), file);
	spec = json_load_file(path, 0, &jerr);
	code = json_object_get(
		json_object_get(json_object_get(json_object_get(spec, "genesis"), "raw"), "top"),
		"0x3a636f6465");
	if (ok(json_is_string(code) && base_hex_decode(json_string_value(code),
						       json_string_length(code), &blob, &len) == 0,
	       "%s: genesis :code", file))
		blob_sha(file, blob, len, false, RT_BLOB_LEGACY, sha);
	free(blob);
	json_decref(spec);
}

int main(void)
{
	if (!shared_has("runtime-blobs/README.md"))
		tap_skip_all("shared reference material not found (set PVF_SHARED_DIR)");
	code_hashes();
	blobs();
	chainspec_code("runtime-blobs/polkadot_collectives.chainspec.json",
		       "bbb4fc8817328a07d61fa110ccb3d1380185ca1f19bec401371fdbe426dd2e04");
	chainspec_code("runtime-blobs/polkadot_coretime.chainspec.json",
		       "bd168283e5c877ea189127bc94dfedef256b83e9c2a9f1724bf240d350ef3179");
	genesis("runtime-blobs/polkadot_coretime.chainspec.json", RT_STATE_V1,
		"6e2af5f681a0f432c7aaf564dbebe4ddade85822605d510ccb78f1d90710947a",
		"efb56e30d9b4a24099f88820987d0f45fb645992416535d87650d98e00f46fc4");
	genesis("runtime-blobs/polkadot_collectives.chainspec.json", RT_STATE_V0,
		"034cb60129ef41b444b28dbd93dcf2a2314b6e84d950358de47e6b7831673ba7",
		"46ee89aa2eedd13e988962630ec9fb7565964cf5023bb351f2b6b25c1b68b0b2");
	return tap_done();
}
