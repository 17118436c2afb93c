/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trie roots of Substrate's base-16 Patricia-Merkle trie (runtime-abi.md 7).
 *
 * Node encodings (sp-trie NodeCodec):
 *   empty      00
 *   leaf       header(01|n) partial value
 *   branch     header(10|n or 11|n) partial bitmap(u16 LE) [value] children
 *   V1 only:   leaf with hashed value header(001|n), branch with hashed value
 *              header(0001|n), value = 32-byte hash with no length prefix,
 *              used for values of 33 bytes or more.
 * n = partial-key nibble count, in the header's low bits if it fits, else
 * those bits all ones and the rest in following bytes. Partial keys with an
 * odd nibble count start with a byte holding the lone first nibble. Inline
 * values are compact(len) ++ bytes; children are compact(len) ++ (encoding
 * if shorter than 32 bytes, else its hash). The root is the hash of the root
 * node's encoding, whatever its length.
 *
 * The builder walks the sorted, de-duplicated keys with an explicit stack
 * (no recursion), so key shapes chosen by a guest cannot exhaust the native
 * stack: each frame is one branch under construction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#define HASH_LEN 32u
#define HASHED_VALUE_MIN 33u      /* V1: TRIE_VALUE_NODE_THRESHOLD */
#define NIBBLE_SIZE_BOUND 65535u  /* sp-trie caps the header's nibble count */

struct entry {
	const uint8_t *key;
	size_t key_len;
	const uint8_t *val;
	size_t val_len;
	size_t idx;     /* input position, to keep the last duplicate */
};

struct ctx {
	enum rt_state_version version;
	enum rt_trie_hasher hasher;
};

static void trie_hash(const struct ctx *c, const void *p, size_t len, uint8_t out[32])
{
	if (c->hasher == RT_TRIE_KECCAK_256)
		rt_keccak_256(p, len, out);
	else
		rt_blake2b_256(p, len, out);
}

static unsigned nib(const uint8_t *key, size_t i)
{
	return i & 1 ? key[i / 2] & 0x0f : key[i / 2] >> 4;
}

/* size_and_prefix_iterator of sp-trie's node_header.rs. */
static int put_header(struct buf *b, uint8_t prefix, unsigned prefix_bits, size_t nibbles)
{
	size_t max_value = 255u >> prefix_bits, l1, rem;
	int ret;

	if (nibbles > NIBBLE_SIZE_BOUND)
		nibbles = NIBBLE_SIZE_BOUND;
	l1 = nibbles < max_value - 1 ? nibbles : max_value - 1;
	if (nibbles == l1)
		return buf_append_byte(b, (uint8_t)(prefix + l1));
	ret = buf_append_byte(b, (uint8_t)(prefix + max_value));
	rem = nibbles - l1;
	while (!ret && rem > 0) {
		if (rem < 256) {
			ret = buf_append_byte(b, (uint8_t)(rem - 1));
			rem = 0;
		} else {
			ret = buf_append_byte(b, 255);
			rem -= 255;
		}
	}
	return ret;
}

/* Nibbles [from, from + n) of key, odd count padded at the front. */
static int put_partial(struct buf *b, const uint8_t *key, size_t from, size_t n)
{
	size_t i = from, end = from + n;
	int ret = 0;

	if (n & 1)
		ret = buf_append_byte(b, (uint8_t)nib(key, i++));
	for (; !ret && i < end; i += 2)
		ret = buf_append_byte(b, (uint8_t)(nib(key, i) << 4 | nib(key, i + 1)));
	return ret;
}

static bool hashed_value(const struct ctx *c, size_t val_len)
{
	return c->version == RT_STATE_V1 && val_len >= HASHED_VALUE_MIN;
}

static int put_value(const struct ctx *c, struct buf *b, const struct entry *e)
{
	uint8_t h[HASH_LEN];

	if (hashed_value(c, e->val_len)) {
		trie_hash(c, e->val, e->val_len, h);
		return buf_append(b, h, HASH_LEN);
	}
	return scale_put_bytes(b, e->val, e->val_len);
}

static int encode_leaf(const struct ctx *c, struct buf *b, const struct entry *e, size_t from)
{
	size_t n = 2 * e->key_len - from;
	int ret;

	if (hashed_value(c, e->val_len))
		ret = put_header(b, 0x20, 3, n);
	else
		ret = put_header(b, 0x40, 2, n);
	if (!ret)
		ret = put_partial(b, e->key, from, n);
	if (!ret)
		ret = put_value(c, b, e);
	return ret;
}

/* One branch under construction. */
struct frame {
	size_t lo, hi;          /* entries of this subtree */
	size_t from;            /* first nibble of the partial key */
	size_t at;              /* nibble index the children split on */
	size_t next;            /* first entry not yet handed to a child */
	const struct entry *value;
	uint16_t bitmap;
	unsigned pending;       /* nibble of the child being built */
	struct buf children;    /* encoded child references so far */
};

struct stack {
	struct frame *f;
	size_t n, cap;
};

static struct frame *push(struct stack *s, size_t lo, size_t hi, size_t from)
{
	struct frame *f;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct frame *nf = base_reallocarray(s->f, cap, sizeof(*nf));

		if (!nf)
			return NULL;
		memset(nf + s->cap, 0, (cap - s->cap) * sizeof(*nf));
		s->f = nf;
		s->cap = cap;
	}
	f = &s->f[s->n++];
	f->lo = lo;
	f->hi = hi;
	f->from = from;
	f->children.len = 0; /* buffer kept across reuse */
	f->bitmap = 0;
	f->value = NULL;
	return f;
}

/* Nibbles shared by every key of [lo, hi) from nibble `from` on: those of
 * the first and last key, as the entries are sorted. */
static size_t common_nibbles(const struct entry *es, size_t lo, size_t hi, size_t from)
{
	const struct entry *a = &es[lo], *b = &es[hi - 1];
	size_t max = 2 * (a->key_len < b->key_len ? a->key_len : b->key_len), i = from;

	while (i < max && nib(a->key, i) == nib(b->key, i))
		i++;
	return i - from;
}

static int encode_branch(const struct ctx *c, struct buf *b, const struct frame *f,
			 const struct entry *es)
{
	size_t n = f->at - f->from;
	uint8_t bm[2] = {(uint8_t)f->bitmap, (uint8_t)(f->bitmap >> 8)};
	int ret;

	if (!f->value)
		ret = put_header(b, 0x80, 2, n);
	else if (hashed_value(c, f->value->val_len))
		ret = put_header(b, 0x10, 4, n);
	else
		ret = put_header(b, 0xc0, 2, n);
	if (!ret)
		ret = put_partial(b, es[f->lo].key, f->from, n);
	if (!ret)
		ret = buf_append(b, bm, 2);
	if (!ret && f->value)
		ret = put_value(c, b, f->value);
	if (!ret)
		ret = buf_append(b, f->children.data, f->children.len);
	return ret;
}

/* Adds a finished child node (its encoding in node) to frame f. */
static int add_child(const struct ctx *c, struct frame *f, const struct buf *node)
{
	uint8_t h[HASH_LEN];
	int ret;

	f->bitmap |= (uint16_t)(1u << f->pending);
	if (node->len < HASH_LEN)
		return scale_put_bytes(&f->children, node->data, node->len);
	trie_hash(c, node->data, node->len, h);
	ret = scale_put_compact(&f->children, HASH_LEN);
	return ret ? ret : buf_append(&f->children, h, HASH_LEN);
}

/* Encodes the root node of the sorted, unique entries into node. */
static int build(const struct ctx *c, const struct entry *es, size_t n, struct buf *node)
{
	struct stack s = {NULL, 0, 0};
	struct frame *f;
	size_t i;
	int ret = 0;

	node->len = 0;
	if (n == 0)
		return buf_append_byte(node, 0);
	if (n == 1)
		return encode_leaf(c, node, &es[0], 0);
	if (!push(&s, 0, n, 0))
		return -ENOMEM;
	f = &s.f[0];
	f->at = f->from + common_nibbles(es, 0, n, 0);
	f->next = f->lo;
	if (2 * es[f->lo].key_len == f->at)
		f->value = &es[f->next++];

	while (s.n > 0) {
		f = &s.f[s.n - 1];
		if (f->next < f->hi) {
			/* Next child: the run of entries sharing nibble `at`. */
			size_t lo = f->next, hi = lo + 1, child_from = f->at + 1;
			unsigned c0 = nib(es[lo].key, f->at);

			while (hi < f->hi && nib(es[hi].key, f->at) == c0)
				hi++;
			f->pending = c0;
			f->next = hi;
			if (hi - lo == 1) {
				node->len = 0;
				ret = encode_leaf(c, node, &es[lo], child_from);
				if (!ret)
					ret = add_child(c, f, node);
				if (ret)
					goto out_free;
				continue;
			}
			f = push(&s, lo, hi, child_from);
			if (!f) {
				ret = -ENOMEM;
				goto out_free;
			}
			f->at = f->from + common_nibbles(es, lo, hi, child_from);
			f->next = f->lo;
			if (2 * es[f->lo].key_len == f->at)
				f->value = &es[f->next++];
			continue;
		}
		/* All children done: encode this branch, hand it to the parent. */
		node->len = 0;
		ret = encode_branch(c, node, f, es);
		if (ret)
			goto out_free;
		s.n--;
		if (s.n > 0) {
			ret = add_child(c, &s.f[s.n - 1], node);
			if (ret)
				goto out_free;
		}
	}
out_free:
	for (i = 0; i < s.cap; i++)
		buf_deinit(&s.f[i].children);
	free(s.f);
	return ret;
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = n ? memcmp(a->key, b->key, n) : 0;

	if (c)
		return c;
	if (a->key_len != b->key_len)
		return a->key_len < b->key_len ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Sorts es and drops all but the last of each duplicated key; returns the
 * new count. */
static size_t sort_unique(struct entry *es, size_t n)
{
	size_t i, out = 0;

	qsort(es, n, sizeof(*es), entry_cmp);
	for (i = 0; i < n; i++) {
		if (i + 1 < n && es[i].key_len == es[i + 1].key_len &&
		    (es[i].key_len == 0 || memcmp(es[i].key, es[i + 1].key, es[i].key_len) == 0))
			continue;
		es[out++] = es[i];
	}
	return out;
}

static int root_of(const struct ctx *c, struct entry *es, size_t n, uint8_t out[32])
{
	struct buf node = BUF_INIT;
	int ret;

	n = sort_unique(es, n);
	ret = build(c, es, n, &node);
	if (!ret)
		trie_hash(c, node.data, node.len, out);
	buf_deinit(&node);
	return ret;
}

static int check_args(enum rt_state_version v, enum rt_trie_hasher h)
{
	if ((v != RT_STATE_V0 && v != RT_STATE_V1) ||
	    (h != RT_TRIE_BLAKE2_256 && h != RT_TRIE_KECCAK_256))
		return -EINVAL;
	return 0;
}

int rt_trie_root(const struct rt_trie_kv *kvs, size_t n, enum rt_state_version v,
		 enum rt_trie_hasher h, uint8_t out[32])
{
	struct ctx c = {v, h};
	struct entry *es;
	size_t i;
	int ret;

	ret = check_args(v, h);
	if (ret)
		return ret;
	es = base_calloc(n ? n : 1, sizeof(*es));
	if (!es)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		es[i].key = kvs[i].key;
		es[i].key_len = kvs[i].key_len;
		es[i].val = kvs[i].val;
		es[i].val_len = kvs[i].val_len;
		es[i].idx = i;
	}
	ret = root_of(&c, es, n, out);
	free(es);
	return ret;
}

int rt_trie_ordered_root(const struct scale_slice *vals, size_t n, enum rt_state_version v,
			 enum rt_trie_hasher h, uint8_t out[32])
{
	struct ctx c = {v, h};
	struct entry *es;
	uint8_t *keys;
	size_t i;
	int ret;

	ret = check_args(v, h);
	if (ret)
		return ret;
	es = base_calloc(n ? n : 1, sizeof(*es));
	keys = base_calloc(n ? n : 1, SCALE_COMPACT_MAX);
	if (!es || !keys) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		es[i].key = keys + i * SCALE_COMPACT_MAX;
		es[i].key_len = scale_compact_encode(i, keys + i * SCALE_COMPACT_MAX);
		es[i].val = vals[i].data;
		es[i].val_len = vals[i].len;
		es[i].idx = i;
	}
	ret = root_of(&c, es, n, out);
out_free:
	free(keys);
	free(es);
	return ret;
}

/* Decodes Vec<Vec<u8>> (pairs = false) or Vec<(Vec<u8>, Vec<u8>)> into
 * entries borrowing enc. */
static int decode_list(const uint8_t *enc, size_t len, bool pairs, struct entry **out,
		       size_t *out_n)
{
	struct scale_reader r;
	struct entry *es;
	uint32_t n = 0, i;

	scale_reader_init(&r, enc, len);
	if (scale_read_len(&r, 0, &n))
		return -EBADMSG;
	/* each element takes at least one byte per vector */
	if (n > scale_remaining(&r))
		return -EBADMSG;
	es = base_calloc(n ? n : 1, sizeof(*es));
	if (!es)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct scale_slice k = {NULL, 0}, v;

		if (pairs)
			scale_read_bytes(&r, &k);
		if (scale_read_bytes(&r, &v)) {
			free(es);
			return -EBADMSG;
		}
		es[i].key = k.data;
		es[i].key_len = k.len;
		es[i].val = v.data;
		es[i].val_len = v.len;
		es[i].idx = i;
	}
	*out = es;
	*out_n = n;
	return 0;
}

int rt_trie_root_scale(const uint8_t *enc, size_t len, enum rt_state_version v,
		       enum rt_trie_hasher h, uint8_t out[32])
{
	struct ctx c = {v, h};
	struct entry *es = NULL;
	size_t n = 0;
	int ret;

	ret = check_args(v, h);
	if (!ret)
		ret = decode_list(enc, len, true, &es, &n);
	if (ret)
		return ret;
	ret = root_of(&c, es, n, out);
	free(es);
	return ret;
}

int rt_trie_ordered_root_scale(const uint8_t *enc, size_t len, enum rt_state_version v,
			       enum rt_trie_hasher h, uint8_t out[32])
{
	struct entry *es = NULL;
	struct scale_slice *vals;
	size_t n = 0, i;
	int ret;

	ret = check_args(v, h);
	if (!ret)
		ret = decode_list(enc, len, false, &es, &n);
	if (ret)
		return ret;
	vals = base_calloc(n ? n : 1, sizeof(*vals));
	if (!vals) {
		free(es);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		vals[i].data = es[i].val;
		vals[i].len = es[i].val_len;
	}
	ret = rt_trie_ordered_root(vals, n, v, h, out);
	free(vals);
	free(es);
	return ret;
}
