/* SPDX-License-Identifier: Apache-2.0 */
/* Trie roots: vectors of runtime-abi.md 7 (smoldot, w3f host-api fixtures)
 * and a recursive model written from the format description, compared with
 * the library's iterative builder on generated key sets. The genesis-hash
 * vectors (real chain specs) are in test_runtime_shared.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/scale.h"
#include "runtime/runtime.h"
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

static struct rt_trie_kv kv(const char *k, const char *v)
{
	struct rt_trie_kv e = {(const uint8_t *)k, strlen(k), (const uint8_t *)v, strlen(v)};

	return e;
}

/* ---- recursive model ----------------------------------------------------- */

struct mkv {
	const uint8_t *k;
	size_t kl;
	const uint8_t *v;
	size_t vl;
};

static unsigned mnib(const struct mkv *e, size_t i)
{
	return (e->k[i / 2] >> (i & 1 ? 0 : 4)) & 15;
}

static void mhash(int keccak, const uint8_t *p, size_t n, uint8_t out[32])
{
	if (keccak)
		rt_keccak_256(p, n, out);
	else
		rt_blake2b_256(p, n, out);
}

/* header: `bits` low bits for the count; count >= all-ones: all ones, then
 * (count - all-ones) as 255s and a final byte below 255 */
static void mheader(struct buf *b, uint8_t prefix, unsigned bits, size_t count)
{
	size_t ones = (1u << bits) - 1;

	if (count < ones) {
		buf_append_byte(b, (uint8_t)(prefix | count));
		return;
	}
	buf_append_byte(b, (uint8_t)(prefix | ones));
	count -= ones;
	while (count >= 255) {
		buf_append_byte(b, 255);
		count -= 255;
	}
	buf_append_byte(b, (uint8_t)count);
}

static void mvalue(struct buf *b, const struct mkv *e, int v1, int keccak)
{
	uint8_t h[32];

	if (v1 && e->vl >= 33) {
		mhash(keccak, e->v, e->vl, h);
		buf_append(b, h, 32);
	} else {
		scale_put_bytes(b, e->v, e->vl);
	}
}

static void mpartial(struct buf *b, const struct mkv *e, size_t from, size_t to)
{
	size_t i = from;

	if ((to - from) % 2)
		buf_append_byte(b, (uint8_t)mnib(e, i++));
	for (; i < to; i += 2)
		buf_append_byte(b, (uint8_t)(mnib(e, i) << 4 | mnib(e, i + 1)));
}

/* Encodes the node for sorted unique es[lo..hi) below nibble depth d. */
static void mnode(const struct mkv *es, size_t lo, size_t hi, size_t d, int v1, int keccak,
		  struct buf *out)
{
	size_t end, i, j;
	const struct mkv *val = NULL;
	struct buf kids = BUF_INIT;
	uint16_t bitmap = 0;

	if (hi - lo == 1) {
		bool hv = v1 && es[lo].vl >= 33;

		mheader(out, hv ? 0x20 : 0x40, hv ? 5 : 6, 2 * es[lo].kl - d);
		mpartial(out, &es[lo], d, 2 * es[lo].kl);
		mvalue(out, &es[lo], v1, keccak);
		return;
	}
	/* longest prefix shared by all keys */
	for (end = d;; end++) {
		bool same = true;

		for (i = lo; i < hi && same; i++)
			same = end < 2 * es[i].kl && mnib(&es[i], end) == mnib(&es[lo], end);
		if (!same)
			break;
	}
	i = lo;
	if (2 * es[lo].kl == end)
		val = &es[i++];
	while (i < hi) {
		struct buf child = BUF_INIT;
		unsigned c = mnib(&es[i], end);
		uint8_t h[32];

		for (j = i; j < hi && mnib(&es[j], end) == c; j++)
			;
		mnode(es, i, j, end + 1, v1, keccak, &child);
		bitmap |= (uint16_t)(1u << c);
		if (child.len < 32) {
			scale_put_bytes(&kids, child.data, child.len);
		} else {
			mhash(keccak, child.data, child.len, h);
			scale_put_bytes(&kids, h, 32);
		}
		buf_deinit(&child);
		i = j;
	}
	if (!val)
		mheader(out, 0x80, 6, end - d);
	else if (v1 && val->vl >= 33)
		mheader(out, 0x10, 4, end - d);
	else
		mheader(out, 0xc0, 6, end - d);
	mpartial(out, &es[lo], d, end);
	buf_append_byte(out, (uint8_t)bitmap);
	buf_append_byte(out, (uint8_t)(bitmap >> 8));
	if (val)
		mvalue(out, val, v1, keccak);
	buf_append(out, kids.data, kids.len);
	buf_deinit(&kids);
}

static int mcmp(const void *pa, const void *pb)
{
	const struct mkv *a = pa, *b = pb;
	size_t n = a->kl < b->kl ? a->kl : b->kl;
	int c = memcmp(a->k, b->k, n);

	return c ? c : (a->kl > b->kl) - (a->kl < b->kl);
}

/* es must have unique keys; sorted here */
static void model_root(struct mkv *es, size_t n, int v1, int keccak, uint8_t out[32])
{
	struct buf node = BUF_INIT;

	qsort(es, n, sizeof(*es), mcmp);
	if (n == 0)
		buf_append_byte(&node, 0);
	else
		mnode(es, 0, n, 0, v1, keccak, &node);
	mhash(keccak, node.data, node.len, out);
	buf_deinit(&node);
}

static uint32_t rng = 0x12345678;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void test_against_model(void)
{
	enum { N = 300 };
	static uint8_t keys[N][40], vals[N][80];
	struct rt_trie_kv kvs[N];
	struct mkv ms[N];
	uint8_t a[32], b[32];
	unsigned round, bad = 0, v1, keccak;
	size_t i, j, n;

	for (round = 0; round < 40; round++) {
		n = 1 + rnd() % N;
		for (i = 0; i < n; i++) {
			bool dup;
			size_t kl;

			do {
				/* small alphabet and shared prefixes force deep,
				 * branchy tries with values on branches */
				kl = rnd() % 6;
				if (round % 4 == 3)
					kl = rnd() % 40;
				for (j = 0; j < kl; j++)
					keys[i][j] = (uint8_t)(round % 2 ? rnd() % 3 : rnd());
				dup = false;
				for (j = 0; j < i && !dup; j++)
					dup = kvs[j].key_len == kl &&
					      memcmp(keys[j], keys[i], kl) == 0;
			} while (dup);
			kvs[i].key = keys[i];
			kvs[i].key_len = kl;
			kvs[i].val = vals[i];
			kvs[i].val_len = rnd() % 80;
			for (j = 0; j < kvs[i].val_len; j++)
				vals[i][j] = (uint8_t)rnd();
			ms[i].k = keys[i];
			ms[i].kl = kl;
			ms[i].v = vals[i];
			ms[i].vl = kvs[i].val_len;
		}
		for (v1 = 0; v1 < 2; v1++)
			for (keccak = 0; keccak < 2; keccak++) {
				model_root(ms, n, (int)v1, (int)keccak, a);
				if (rt_trie_root(kvs, n, v1 ? RT_STATE_V1 : RT_STATE_V0,
						 keccak ? RT_TRIE_KECCAK_256 : RT_TRIE_BLAKE2_256,
						 b) != 0 ||
				    memcmp(a, b, 32) != 0) {
					printf("# mismatch: round %u, %zu keys, v%u, keccak %u\n",
					       round, n, v1, keccak);
					bad++;
				}
			}
	}
	ok_eq(bad, 0, "iterative builder = recursive model on 40 random key sets x 4 layouts");
}

static void test_deep_and_long(void)
{
	enum { N = 3000 };
	static uint8_t key[N];
	static struct rt_trie_kv kvs[N];
	static struct mkv ms[N];
	uint8_t a[32], b[32];
	size_t i;

	/* Keys a, aa, aaa, ...: a chain of N branches with values. */
	memset(key, 0x61, sizeof(key));
	for (i = 0; i < N; i++) {
		kvs[i].key = key;
		kvs[i].key_len = i + 1;
		kvs[i].val = key;
		kvs[i].val_len = 1;
		ms[i].k = key;
		ms[i].kl = i + 1;
		ms[i].v = key;
		ms[i].vl = 1;
	}
	ok(rt_trie_root(kvs, N, RT_STATE_V1, RT_TRIE_BLAKE2_256, b) == 0, "3000 nested keys");
	model_root(ms, N, 1, 0, a);
	ok(memcmp(a, b, 32) == 0, "nested-key root matches the model");

	/* Long partial keys exercise the multi-byte header (255 runs). */
	kvs[0].key_len = 600;
	kvs[1].key = (const uint8_t *)"b";
	kvs[1].key_len = 1;
	ms[0].kl = 600;
	ms[1].k = kvs[1].key;
	ms[1].kl = 1;
	ok(rt_trie_root(kvs, 2, RT_STATE_V0, RT_TRIE_BLAKE2_256, b) == 0, "600-byte key");
	model_root(ms, 2, 0, 0, a);
	ok(memcmp(a, b, 32) == 0, "1199-nibble partial key matches the model");
}

static void test_vectors(void)
{
	struct rt_trie_kv kvs[3];
	struct scale_slice vals[3];
	struct buf enc = BUF_INIT;
	uint8_t out[32], out2[32], v40[40];
	size_t i;

	ok(rt_trie_root(NULL, 0, RT_STATE_V0, RT_TRIE_BLAKE2_256, out) == 0 &&
		   hex_eq(out, 32, "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"),
	   "empty trie root");
	ok(rt_trie_ordered_root(NULL, 0, RT_STATE_V1, RT_TRIE_BLAKE2_256, out) == 0 &&
		   hex_eq(out, 32, "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"),
	   "empty ordered root");
	{
		static const uint8_t k = 0xaa, v = 0xbb;
		static const uint8_t node[] = {0x42, 0xaa, 0x04, 0xbb};
		struct rt_trie_kv e = {&k, 1, &v, 1};

		ok(rt_trie_root(&e, 1, RT_STATE_V1, RT_TRIE_BLAKE2_256, out) == 0 &&
			   hex_eq(out, 32,
				  "7139093dc8fdc285c49416f80974ef722e770117d1626dcc7390406ba745b133"),
		   "{aa: bb} (smoldot calculate_root.rs)");
		rt_keccak_256(node, sizeof(node), out2);
		ok(rt_trie_root(&e, 1, RT_STATE_V0, RT_TRIE_KECCAK_256, out) == 0 &&
			   memcmp(out, out2, 32) == 0,
		   "keccak variant hashes the same node with keccak-256");
	}
	kvs[0] = kv("abcd", "hello world");
	ok(rt_trie_root(kvs, 1, RT_STATE_V0, RT_TRIE_BLAKE2_256, out) == 0 &&
		   hex_eq(out, 32, "7ab18659d3b2789ef2400d107104c7d4fb93d06d9ab6a8b641a5de7c3fecc851"),
	   "{abcd: hello world} (smoldot)");

	/* w3f host-api fixtures */
	{
		static const char *a[] = {"static", "even-keeled", "Future-proofed"};
		static const char *b[] = {"Inverse", "Face to face", "Expanded"};

		for (i = 0; i < 3; i++) {
			vals[i].data = (const uint8_t *)a[i];
			vals[i].len = strlen(a[i]);
		}
		ok(rt_trie_ordered_root(vals, 3, RT_STATE_V0, RT_TRIE_BLAKE2_256, out) == 0 &&
			   hex_eq(out, 32,
				  "d847b86d0219a384d11458e829e9f4f4cce7e3cc2e6dcd0e8a6ad6f12c64a737"),
		   "ordered root [static, even-keeled, Future-proofed]");
		scale_put_compact(&enc, 3);
		for (i = 0; i < 3; i++)
			scale_put_bytes(&enc, a[i], strlen(a[i]));
		ok(rt_trie_ordered_root_scale(enc.data, enc.len, RT_STATE_V0, RT_TRIE_BLAKE2_256,
					      out2) == 0 &&
			   memcmp(out, out2, 32) == 0,
		   "ordered root from SCALE Vec<Vec<u8>>");
		ok_eq(rt_trie_ordered_root_scale(enc.data, enc.len - 1, RT_STATE_V0,
						 RT_TRIE_BLAKE2_256, out2),
		      -EBADMSG, "truncated SCALE input rejected");
		for (i = 0; i < 3; i++) {
			vals[i].data = (const uint8_t *)b[i];
			vals[i].len = strlen(b[i]);
		}
		ok(rt_trie_ordered_root(vals, 3, RT_STATE_V0, RT_TRIE_BLAKE2_256, out) == 0 &&
			   hex_eq(out, 32,
				  "ea32273c604a609a83979acc5dc5c19d91112967c5690d660684118fac03d087"),
		   "ordered root [Inverse, Face to face, Expanded]");
	}
	kvs[0] = kv("static", "Inverse");
	kvs[1] = kv("even-keeled", "Future-proofed");
	kvs[2] = kv("static", "even-keeled");
	ok(rt_trie_root(kvs, 3, RT_STATE_V0, RT_TRIE_BLAKE2_256, out) == 0 &&
		   hex_eq(out, 32, "1192e3ed48d28fba2eeae885fa367c535eca6a149eafad982265586902783d4f"),
	   "root with a duplicate key: last wins");
	enc.len = 0;
	scale_put_compact(&enc, 3);
	for (i = 0; i < 3; i++) {
		scale_put_bytes(&enc, kvs[i].key, kvs[i].key_len);
		scale_put_bytes(&enc, kvs[i].val, kvs[i].val_len);
	}
	ok(rt_trie_root_scale(enc.data, enc.len, RT_STATE_V0, RT_TRIE_BLAKE2_256, out2) == 0 &&
		   memcmp(out, out2, 32) == 0,
	   "root from SCALE Vec<(Vec<u8>, Vec<u8>)>");
	buf_deinit(&enc);

	/* {01: 00..27}: a 40-byte value is hashed in V1 only */
	for (i = 0; i < sizeof(v40); i++)
		v40[i] = (uint8_t)i;
	{
		static const uint8_t k1 = 0x01;
		struct rt_trie_kv e = {&k1, 1, v40, sizeof(v40)};
		char hx[65];

		ok(rt_trie_root(&e, 1, RT_STATE_V1, RT_TRIE_BLAKE2_256, out) == 0 &&
			   hex_eq(out, 32,
				  "7efa0dc4f4f7339e310a9bf4adb078a7a73fcdd4fd1aa339b8ea817cab4a361c"),
		   "V1 root with a hashed 40-byte value");
		rt_trie_root(&e, 1, RT_STATE_V0, RT_TRIE_BLAKE2_256, out);
		base_hex_encode(out, 32, hx);
		ok(strncmp(hx, "b31b9d6b", 8) == 0 && strcmp(hx + 56, "850eb05a") == 0,
		   "V0 root of the same map (b31b9d6b...850eb05a)");
		e.val_len = 32;
		rt_trie_root(&e, 1, RT_STATE_V0, RT_TRIE_BLAKE2_256, out);
		rt_trie_root(&e, 1, RT_STATE_V1, RT_TRIE_BLAKE2_256, out2);
		ok(memcmp(out, out2, 32) == 0, "a 32-byte value is inline in V1 too");
		e.val_len = 33;
		rt_trie_root(&e, 1, RT_STATE_V0, RT_TRIE_BLAKE2_256, out);
		rt_trie_root(&e, 1, RT_STATE_V1, RT_TRIE_BLAKE2_256, out2);
		ok(memcmp(out, out2, 32) != 0, "a 33-byte value is hashed in V1");
	}
	ok_eq(rt_trie_root(NULL, 0, (enum rt_state_version)2, RT_TRIE_BLAKE2_256, out), -EINVAL,
	      "state version 2 rejected");
}

int main(void)
{
	test_vectors();
	test_against_model();
	test_deep_and_long();
	return tap_done();
}
