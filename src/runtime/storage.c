/* SPDX-License-Identifier: Apache-2.0 */
/*
 * In-memory storage for generic runtime calls (tools only; PVF validation
 * never links storage): one ordered map for the top trie and every default
 * child trie, with nested transactions.
 *
 * Keys are stored with a namespace prefix so that one sorted array serves
 * all tries and each trie's keys stay contiguous and in byte order:
 *   top trie:    0x00 ++ key
 *   child trie:  0x01 ++ u32 BE len(child) ++ child ++ key
 * Transactions keep an undo journal: each change records the previous value
 * of its key; rollback replays the journal backwards, commit hands it to the
 * enclosing transaction (or drops it at the outermost level).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "runtime_int.h"

struct entry {
	uint8_t *key;       /* internal key; key and value share one malloc */
	size_t klen;
	uint8_t *val;
	size_t vlen;
};

struct undo {
	uint8_t *key;       /* internal key, malloc'd (old value follows it) */
	size_t klen;
	bool had;
	uint8_t *old;
	size_t olen;
};

struct txn {
	struct undo *recs;
	size_t n, cap;
};

struct rt_storage {
	struct entry *e;
	size_t n, cap;
	struct txn *tx;
	size_t ntx, cap_tx;
};

struct ikey {
	uint8_t *p;
	size_t len;
	size_t prefix_len;  /* namespace prefix length */
	uint8_t small[256];
	uint8_t *heap;
};

static int ikey_make(struct ikey *k, const uint8_t *child, size_t child_len, const uint8_t *key,
		     size_t klen)
{
	size_t pre = child ? 5 + child_len : 1;

	if (child_len > UINT32_MAX)
		return -EINVAL;
	k->heap = NULL;
	k->len = pre + klen;
	k->prefix_len = pre;
	if (k->len <= sizeof(k->small)) {
		k->p = k->small;
	} else {
		k->heap = malloc(k->len);
		if (!k->heap)
			return -ENOMEM;
		k->p = k->heap;
	}
	if (child) {
		k->p[0] = 1;
		k->p[1] = (uint8_t)(child_len >> 24);
		k->p[2] = (uint8_t)(child_len >> 16);
		k->p[3] = (uint8_t)(child_len >> 8);
		k->p[4] = (uint8_t)child_len;
		if (child_len)
			memcpy(k->p + 5, child, child_len);
	} else {
		k->p[0] = 0;
	}
	if (klen)
		memcpy(k->p + pre, key, klen);
	return 0;
}

static void ikey_free(struct ikey *k)
{
	free(k->heap);
}

static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Index of the first entry >= key; *found if equal. */
static size_t lower_bound(const struct rt_storage *s, const uint8_t *key, size_t klen,
			  bool *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(s->e[mid].key, s->e[mid].klen, key, klen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < s->n && key_cmp(s->e[lo].key, s->e[lo].klen, key, klen) == 0;
	return lo;
}

struct rt_storage *rt_storage_new(void)
{
	return calloc(1, sizeof(struct rt_storage));
}

static void undo_free(struct undo *u)
{
	free(u->key);
}

void rt_storage_free(struct rt_storage *s)
{
	size_t i, j;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->e[i].key);
	free(s->e);
	for (i = 0; i < s->ntx; i++) {
		for (j = 0; j < s->tx[i].n; j++)
			undo_free(&s->tx[i].recs[j]);
		free(s->tx[i].recs);
	}
	free(s->tx);
	free(s);
}

/* Records the current value of key in the innermost transaction. */
static int journal(struct rt_storage *s, const uint8_t *key, size_t klen)
{
	struct txn *t;
	struct undo *u;
	bool found;
	size_t i;

	if (!s->ntx)
		return 0;
	t = &s->tx[s->ntx - 1];
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct undo *r = base_reallocarray(t->recs, cap, sizeof(*r));

		if (!r)
			return -ENOMEM;
		t->recs = r;
		t->cap = cap;
	}
	i = lower_bound(s, key, klen, &found);
	u = &t->recs[t->n];
	u->klen = klen;
	u->had = found;
	u->olen = found ? s->e[i].vlen : 0;
	u->key = malloc(klen + u->olen + 1);
	if (!u->key)
		return -ENOMEM;
	memcpy(u->key, key, klen);
	u->old = u->key + klen;
	if (found && u->olen)
		memcpy(u->old, s->e[i].val, u->olen);
	t->n++;
	return 0;
}

/* Sets (val != NULL) or removes (val == NULL) an internal key, no journal. */
static int put_raw(struct rt_storage *s, const uint8_t *key, size_t klen, const uint8_t *val,
		   size_t vlen)
{
	bool found;
	size_t i = lower_bound(s, key, klen, &found);
	uint8_t *block;

	if (!val) {
		if (found) {
			free(s->e[i].key);
			memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(s->e[0]));
			s->n--;
		}
		return 0;
	}
	block = malloc(klen + vlen + 1);
	if (!block)
		return -ENOMEM;
	memcpy(block, key, klen);
	if (vlen)
		memcpy(block + klen, val, vlen);
	if (found) {
		free(s->e[i].key);
	} else {
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 64;
			struct entry *e = base_reallocarray(s->e, cap, sizeof(*e));

			if (!e) {
				free(block);
				return -ENOMEM;
			}
			s->e = e;
			s->cap = cap;
		}
		memmove(&s->e[i + 1], &s->e[i], (s->n - i) * sizeof(s->e[0]));
		s->n++;
	}
	s->e[i].key = block;
	s->e[i].klen = klen;
	s->e[i].val = block + klen;
	s->e[i].vlen = vlen;
	return 0;
}

static int put(struct rt_storage *s, const uint8_t *key, size_t klen, const uint8_t *val,
	       size_t vlen)
{
	int rc = journal(s, key, klen);

	if (rc < 0)
		return rc;
	return put_raw(s, key, klen, val, vlen);
}

int rt_storage_set(struct rt_storage *s, const uint8_t *child, size_t child_len,
		   const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct ikey k;
	int rc = ikey_make(&k, child, child_len, key, klen);

	if (rc < 0)
		return rc;
	rc = put(s, k.p, k.len, val ? val : (const uint8_t *)"", vlen);
	ikey_free(&k);
	return rc;
}

int rt_storage_clear(struct rt_storage *s, const uint8_t *child, size_t child_len,
		     const uint8_t *key, size_t klen)
{
	struct ikey k;
	int rc = ikey_make(&k, child, child_len, key, klen);

	if (rc < 0)
		return rc;
	rc = put(s, k.p, k.len, NULL, 0);
	ikey_free(&k);
	return rc;
}

bool rt_storage_get(const struct rt_storage *s, const uint8_t *child, size_t child_len,
		    const uint8_t *key, size_t klen, const uint8_t **val, size_t *vlen)
{
	struct ikey k;
	bool found = false;
	size_t i;

	if (ikey_make(&k, child, child_len, key, klen) < 0)
		return false;
	i = lower_bound(s, k.p, k.len, &found);
	if (found) {
		*val = s->e[i].val;
		*vlen = s->e[i].vlen;
	}
	ikey_free(&k);
	return found;
}

bool rt_storage_next_key(const struct rt_storage *s, const uint8_t *child, size_t child_len,
			 const uint8_t *key, size_t klen, const uint8_t **next, size_t *nlen)
{
	struct ikey k;
	bool found = false, ok = false;
	size_t i;

	if (ikey_make(&k, child, child_len, key, klen) < 0)
		return false;
	i = lower_bound(s, k.p, k.len, &found);
	if (found)
		i++;
	if (i < s->n && s->e[i].klen >= k.prefix_len &&
	    memcmp(s->e[i].key, k.p, k.prefix_len) == 0) {
		*next = s->e[i].key + k.prefix_len;
		*nlen = s->e[i].klen - k.prefix_len;
		ok = true;
	}
	ikey_free(&k);
	return ok;
}

int rt_storage_clear_prefix(struct rt_storage *s, const uint8_t *child, size_t child_len,
			    const uint8_t *prefix, size_t plen, uint32_t limit, uint32_t *removed,
			    bool *complete)
{
	struct ikey k;
	bool found;
	size_t i;
	int rc = ikey_make(&k, child, child_len, prefix, plen);

	*removed = 0;
	*complete = false;
	if (rc < 0)
		return rc;
	for (;;) {
		i = lower_bound(s, k.p, k.len, &found);
		if (i >= s->n || s->e[i].klen < k.len || memcmp(s->e[i].key, k.p, k.len) != 0) {
			*complete = true;
			break;
		}
		if (*removed >= limit)
			break;
		rc = journal(s, s->e[i].key, s->e[i].klen);
		if (rc < 0)
			break;
		free(s->e[i].key);
		memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(s->e[0]));
		s->n--;
		(*removed)++;
	}
	ikey_free(&k);
	return rc;
}

int rt_storage_append(struct rt_storage *s, const uint8_t *key, size_t klen,
		      const uint8_t *item, size_t ilen)
{
	struct buf nv = BUF_INIT;
	struct scale_reader r;
	const uint8_t *old = NULL;
	size_t olen = 0, hdr;
	uint32_t count = 0;
	int rc;

	/* sp-state-machine StorageAppend: a value whose Compact<u32> length
	 * prefix does not decode (or would overflow) is replaced by a
	 * one-element vector. */
	if (rt_storage_get(s, NULL, 0, key, klen, &old, &olen) && olen) {
		scale_reader_init(&r, old, olen);
		if (scale_read_compact_u32(&r, &count) != SCALE_OK || count == UINT32_MAX)
			old = NULL;
	} else {
		old = NULL;
	}
	if (!old) {
		count = 0;
		hdr = olen = 0;
	} else {
		hdr = r.pos;
	}
	rc = scale_put_compact(&nv, (uint64_t)count + 1);
	if (rc == 0 && olen > hdr)
		rc = buf_append(&nv, old + hdr, olen - hdr);
	if (rc == 0 && ilen)
		rc = buf_append(&nv, item, ilen);
	if (rc == 0)
		rc = rt_storage_set(s, NULL, 0, key, klen, nv.data, nv.len);
	buf_deinit(&nv);
	return rc;
}

int rt_storage_tx_start(struct rt_storage *s)
{
	if (s->ntx == s->cap_tx) {
		size_t cap = s->cap_tx ? 2 * s->cap_tx : 4;
		struct txn *t = base_reallocarray(s->tx, cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		s->tx = t;
		s->cap_tx = cap;
	}
	memset(&s->tx[s->ntx++], 0, sizeof(struct txn));
	return 0;
}

int rt_storage_tx_rollback(struct rt_storage *s)
{
	struct txn *t;
	size_t i;
	int rc = 0;

	if (!s->ntx)
		return -EINVAL;
	t = &s->tx[--s->ntx];
	for (i = t->n; i-- > 0;) {
		struct undo *u = &t->recs[i];

		/* Restoring never needs more memory than the map had when the
		 * record was written, except for a re-inserted key. */
		if (rc == 0)
			rc = put_raw(s, u->key, u->klen, u->had ? u->old : NULL, u->olen);
		undo_free(u);
	}
	free(t->recs);
	return rc;
}

int rt_storage_tx_commit(struct rt_storage *s)
{
	struct txn *t, *parent;
	size_t i;

	if (!s->ntx)
		return -EINVAL;
	t = &s->tx[--s->ntx];
	if (!s->ntx) {
		for (i = 0; i < t->n; i++)
			undo_free(&t->recs[i]);
		free(t->recs);
		return 0;
	}
	parent = &s->tx[s->ntx - 1];
	if (parent->n + t->n > parent->cap) {
		size_t cap = parent->n + t->n;
		struct undo *r = base_reallocarray(parent->recs, cap, sizeof(*r));

		if (!r) {
			s->ntx++;   /* leave the transaction open */
			return -ENOMEM;
		}
		parent->recs = r;
		parent->cap = cap;
	}
	if (t->n)
		memcpy(parent->recs + parent->n, t->recs, t->n * sizeof(*t->recs));
	parent->n += t->n;
	free(t->recs);
	return 0;
}

uint32_t rt_storage_tx_depth(const struct rt_storage *s)
{
	return (uint32_t)s->ntx;
}

size_t rt_storage_count(const struct rt_storage *s, const uint8_t *child, size_t child_len)
{
	struct ikey k;
	bool found;
	size_t i, n = 0;

	if (ikey_make(&k, child, child_len, NULL, 0) < 0)
		return 0;
	for (i = lower_bound(s, k.p, k.len, &found); i < s->n; i++, n++)
		if (s->e[i].klen < k.len || memcmp(s->e[i].key, k.p, k.len) != 0)
			break;
	ikey_free(&k);
	return n;
}

bool rt_storage_iter(const struct rt_storage *s, const uint8_t *child, size_t child_len,
		     size_t *pos, const uint8_t **key, size_t *klen, const uint8_t **val,
		     size_t *vlen)
{
	struct ikey k;
	bool found, ok = false;
	size_t i;

	if (ikey_make(&k, child, child_len, NULL, 0) < 0)
		return false;
	i = *pos ? *pos : lower_bound(s, k.p, k.len, &found);
	if (i < s->n && s->e[i].klen >= k.len && memcmp(s->e[i].key, k.p, k.len) == 0) {
		*key = s->e[i].key + k.len;
		*klen = s->e[i].klen - k.len;
		*val = s->e[i].val;
		*vlen = s->e[i].vlen;
		*pos = i + 1;
		ok = true;
	}
	ikey_free(&k);
	return ok;
}

/* ---- genesis ------------------------------------------------------------ */

static int load_map(struct rt_storage *s, json_t *map, const uint8_t *child, size_t child_len,
		    struct pvf_err *err)
{
	const char *khex;
	json_t *v;
	int rc = 0;

	json_object_foreach(map, khex, v) {
		uint8_t *key = NULL, *val = NULL;
		size_t klen = 0, vlen = 0;
		const char *vhex = json_string_value(v);

		if (!vhex)
			return pvf_err_set(err, -EINVAL, "genesis value of %.64s is not a string",
					   khex);
		if (base_hex_decode(khex, strlen(khex), &key, &klen) < 0 ||
		    base_hex_decode(vhex, strlen(vhex), &val, &vlen) < 0) {
			free(key);
			return pvf_err_set(err, -EINVAL, "genesis entry %.64s is not hex", khex);
		}
		rc = rt_storage_set(s, child, child_len, key, klen, val, vlen);
		free(key);
		free(val);
		if (rc < 0)
			return pvf_err_set(err, rc, "out of memory");
	}
	return rc;
}

int rt_storage_load_genesis(struct rt_storage *s, const char *path, struct pvf_err *err)
{
	json_error_t jerr;
	json_t *root, *raw, *top, *children;
	const char *chex;
	json_t *cmap;
	int rc;

	root = json_load_file(path, 0, &jerr);
	if (!root)
		return pvf_err_set(err, -EINVAL, "%s:%d: %s", path, jerr.line, jerr.text);
	raw = json_object_get(json_object_get(root, "genesis"), "raw");
	top = json_object_get(raw, "top");
	if (!json_is_object(top)) {
		rc = pvf_err_set(err, -EINVAL, "%s: no genesis.raw.top object (not a raw chain "
				 "spec?)", path);
		goto out;
	}
	rc = load_map(s, top, NULL, 0, err);
	children = json_object_get(raw, "childrenDefault");
	if (rc == 0 && json_is_object(children)) {
		json_object_foreach(children, chex, cmap) {
			static const char pfx[] = ":child_storage:default:";
			uint8_t *ck = NULL;
			size_t cklen = 0;
			const uint8_t *name;
			size_t name_len;

			if (base_hex_decode(chex, strlen(chex), &ck, &cklen) < 0) {
				rc = pvf_err_set(err, -EINVAL, "child key %.64s is not hex", chex);
				break;
			}
			/* keys are given with or without the default prefix */
			name = ck;
			name_len = cklen;
			if (cklen >= sizeof(pfx) - 1 && memcmp(ck, pfx, sizeof(pfx) - 1) == 0) {
				name += sizeof(pfx) - 1;
				name_len -= sizeof(pfx) - 1;
			}
			rc = json_is_object(cmap) ? load_map(s, cmap, name, name_len, err)
						  : pvf_err_set(err, -EINVAL, "child %.64s is "
								"not an object", chex);
			free(ck);
			if (rc < 0)
				break;
		}
	}
out:
	json_decref(root);
	return rc;
}

/* ---- roots ---------------------------------------------------------------- */

static int root_of_range(const struct rt_storage *s, size_t from, size_t to, size_t prefix_len,
			 const struct rt_trie_kv *extra, size_t nextra, enum rt_state_version v,
			 uint8_t out[32])
{
	struct rt_trie_kv *kvs;
	size_t i, n = 0;
	int rc;

	kvs = base_calloc(to - from + nextra + 1, sizeof(*kvs));
	if (!kvs)
		return -ENOMEM;
	for (i = from; i < to; i++, n++) {
		kvs[n].key = s->e[i].key + prefix_len;
		kvs[n].key_len = s->e[i].klen - prefix_len;
		kvs[n].val = s->e[i].val;
		kvs[n].val_len = s->e[i].vlen;
	}
	for (i = 0; i < nextra; i++)
		kvs[n++] = extra[i];
	rc = rt_trie_root(kvs, n, v, RT_TRIE_BLAKE2_256, out);
	free(kvs);
	return rc;
}

/* [*from, *to) = the entries whose internal key starts with p[0..plen). */
static void prefix_range(const struct rt_storage *s, const uint8_t *p, size_t plen, size_t *from,
			 size_t *to)
{
	bool found;
	size_t i = lower_bound(s, p, plen, &found);

	*from = i;
	while (i < s->n && s->e[i].klen >= plen && memcmp(s->e[i].key, p, plen) == 0)
		i++;
	*to = i;
}

int rt_storage_root(const struct rt_storage *s, const uint8_t *child, size_t child_len,
		    enum rt_state_version v, uint8_t out[32])
{
	static const char pfx[] = ":child_storage:default:";
	struct rt_trie_kv *extra = NULL;
	uint8_t (*roots)[32] = NULL;
	size_t from, to, i, nchild = 0, top_to;
	struct ikey k;
	int rc;

	rc = ikey_make(&k, child, child_len, NULL, 0);
	if (rc < 0)
		return rc;
	prefix_range(s, k.p, k.len, &from, &to);
	if (child) {
		rc = root_of_range(s, from, to, k.len, NULL, 0, v, out);
		goto out;
	}
	top_to = to;
	/* Every non-empty child trie appears in the top trie as
	 * :child_storage:default:NAME -> its root. Child entries follow the
	 * top ones (namespace byte 1); there are at most s->n - to children. */
	nchild = s->n - top_to;
	if (nchild) {
		extra = base_calloc(nchild, sizeof(*extra));
		roots = base_calloc(nchild, sizeof(*roots));
		if (!extra || !roots) {
			nchild = 0;
			rc = -ENOMEM;
			goto out;
		}
	}
	nchild = 0;
	i = top_to;
	while (i < s->n) {
		const uint8_t *ik = s->e[i].key;
		size_t name_len = (size_t)ik[1] << 24 | (size_t)ik[2] << 16 | (size_t)ik[3] << 8 |
				  ik[4];
		size_t cfrom, cto;
		uint8_t *key;

		prefix_range(s, ik, 5 + name_len, &cfrom, &cto);
		rc = root_of_range(s, cfrom, cto, 5 + name_len, NULL, 0, v, roots[nchild]);
		if (rc < 0)
			goto out;
		key = malloc(sizeof(pfx) - 1 + name_len + 1);
		if (!key) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(key, pfx, sizeof(pfx) - 1);
		if (name_len)
			memcpy(key + sizeof(pfx) - 1, ik + 5, name_len);
		extra[nchild].key = key;
		extra[nchild].key_len = sizeof(pfx) - 1 + name_len;
		extra[nchild].val = roots[nchild];
		extra[nchild].val_len = 32;
		nchild++;
		i = cto;
	}
	rc = root_of_range(s, from, top_to, 1, extra, nchild, v, out);
out:
	for (i = 0; extra && i < nchild; i++)
		free((void *)extra[i].key);
	free(extra);
	free(roots);
	ikey_free(&k);
	return rc;
}
