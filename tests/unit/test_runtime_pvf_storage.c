/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The in-memory storage behind the tools' storage host functions: ordering,
 * next_key across tries, clear_prefix limits, append, nested transactions,
 * roots (trie vectors of runtime-abi.md §7, including the genesis state roots
 * of two raw chain specs loaded with rt_storage_load_genesis).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/scale.h"
#include "runtime/runtime.h"
#include "shared_data.h"
#include "tap.h"

#define S(x) (const uint8_t *)(x), strlen(x)

static bool get_is(struct rt_storage *s, const char *child, const char *key, const char *want)
{
	const uint8_t *v = NULL;
	size_t n = 0;
	bool found = rt_storage_get(s, child ? (const uint8_t *)child : NULL,
				    child ? strlen(child) : 0, S(key), &v, &n);

	if (!want)
		return !found;
	return found && n == strlen(want) && memcmp(v, want, n) == 0;
}

static bool next_is(struct rt_storage *s, const char *child, const char *key, const char *want)
{
	const uint8_t *v = NULL;
	size_t n = 0;
	bool found = rt_storage_next_key(s, child ? (const uint8_t *)child : NULL,
					 child ? strlen(child) : 0, S(key), &v, &n);

	if (!want)
		return !found;
	return found && n == strlen(want) && memcmp(v, want, n) == 0;
}

static bool root_is(struct rt_storage *s, const char *child, enum rt_state_version v,
		    const char *want)
{
	uint8_t r[32];
	char hex[65];

	if (rt_storage_root(s, child ? (const uint8_t *)child : NULL, child ? strlen(child) : 0, v,
			    r) < 0)
		return false;
	base_hex_encode(r, 32, hex);
	return strcmp(hex, want) == 0;
}

static void basics(void)
{
	struct rt_storage *s = rt_storage_new();
	uint32_t removed = 0;
	bool complete = false;

	ok(s != NULL, "new storage");
	ok(root_is(s, NULL, RT_STATE_V0,
		   "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"),
	   "empty root");
	rt_storage_set(s, NULL, 0, S("b"), S("2"));
	rt_storage_set(s, NULL, 0, S("a"), S("1"));
	rt_storage_set(s, NULL, 0, S("ab"), S("3"));
	rt_storage_set(s, (const uint8_t *)"c1", 2, S("a"), S("child"));
	ok(get_is(s, NULL, "a", "1") && get_is(s, NULL, "ab", "3") && get_is(s, NULL, "b", "2"),
	   "set/get");
	ok(get_is(s, "c1", "a", "child") && get_is(s, "c2", "a", NULL), "child tries are separate");
	ok(next_is(s, NULL, "", "a") && next_is(s, NULL, "a", "ab") && next_is(s, NULL, "ab", "b") &&
	   next_is(s, NULL, "b", NULL), "next_key walks the top trie in byte order and stops");
	ok(next_is(s, "c1", "", "a") && next_is(s, "c1", "a", NULL), "next_key inside a child");
	ok_eq(rt_storage_count(s, NULL, 0), 3, "3 top keys");

	rt_storage_set(s, NULL, 0, S("aa"), S("4"));
	rt_storage_clear_prefix(s, NULL, 0, S("a"), 2, &removed, &complete);
	ok(removed == 2 && !complete && rt_storage_count(s, NULL, 0) == 2,
	   "clear_prefix with a limit removes that many and reports the rest");
	rt_storage_clear_prefix(s, NULL, 0, S("a"), UINT32_MAX, &removed, &complete);
	ok(removed == 1 && complete && get_is(s, NULL, "b", "2"), "clear_prefix without limit");
	rt_storage_clear(s, NULL, 0, S("b"));
	ok(get_is(s, NULL, "b", NULL), "clear");

	/* {aa -> bb} (smoldot): blake2(42 aa 04 bb) */
	rt_storage_clear_prefix(s, (const uint8_t *)"c1", 2, NULL, 0, UINT32_MAX, &removed,
				&complete);
	rt_storage_set(s, NULL, 0, (const uint8_t *)"\xaa", 1, (const uint8_t *)"\xbb", 1);
	ok(root_is(s, NULL, RT_STATE_V1,
		   "7139093dc8fdc285c49416f80974ef722e770117d1626dcc7390406ba745b133"),
	   "root of {aa: bb}");
	rt_storage_set(s, (const uint8_t *)"kid", 3, S("abcd"), S("hello world"));
	ok(root_is(s, "kid", RT_STATE_V0,
		   "7ab18659d3b2789ef2400d107104c7d4fb93d06d9ab6a8b641a5de7c3fecc851"),
	   "child root of {abcd: hello world}");
	ok(!root_is(s, NULL, RT_STATE_V1,
		    "7139093dc8fdc285c49416f80974ef722e770117d1626dcc7390406ba745b133"),
	   "a non-empty child changes the top root");
	rt_storage_free(s);
}

static void append_and_transactions(void)
{
	struct rt_storage *s = rt_storage_new();
	const uint8_t *v = NULL;
	size_t n = 0;

	rt_storage_append(s, S("l"), S("x"));
	rt_storage_append(s, S("l"), S("yz"));
	ok(rt_storage_get(s, NULL, 0, S("l"), &v, &n) && n == 4 && memcmp(v, "\x08xyz", 4) == 0,
	   "append builds a SCALE vector (count 2 ++ items)");
	rt_storage_set(s, NULL, 0, S("bad"), (const uint8_t *)"\x03", 1);
	rt_storage_append(s, S("bad"), S("q"));
	ok(rt_storage_get(s, NULL, 0, S("bad"), &v, &n) && n == 2 && memcmp(v, "\x04q", 2) == 0,
	   "append to an undecodable value starts a new vector");

	rt_storage_set(s, NULL, 0, S("k"), S("0"));
	rt_storage_tx_start(s);
	rt_storage_set(s, NULL, 0, S("k"), S("1"));
	rt_storage_set(s, NULL, 0, S("new"), S("n"));
	rt_storage_tx_start(s);
	rt_storage_clear(s, NULL, 0, S("k"));
	rt_storage_set(s, (const uint8_t *)"c", 1, S("x"), S("y"));
	ok(rt_storage_tx_depth(s) == 2 && get_is(s, NULL, "k", NULL), "nested transaction");
	ok(rt_storage_tx_rollback(s) == 0 && get_is(s, NULL, "k", "1") && get_is(s, "c", "x", NULL),
	   "rollback of the inner transaction restores its changes only");
	rt_storage_tx_start(s);
	rt_storage_set(s, NULL, 0, S("k"), S("2"));
	ok(rt_storage_tx_commit(s) == 0 && get_is(s, NULL, "k", "2"), "commit of an inner one");
	ok(rt_storage_tx_rollback(s) == 0 && get_is(s, NULL, "k", "0") &&
	   get_is(s, NULL, "new", NULL), "rolling back the outer one undoes the committed inner");
	ok(rt_storage_tx_rollback(s) == -EINVAL && rt_storage_tx_commit(s) == -EINVAL,
	   "no transaction to end");
	rt_storage_free(s);
}

static void genesis(const char *rel, enum rt_state_version v, const char *root)
{
	struct rt_storage *s = rt_storage_new();
	struct pvf_err err = {0};
	char path[4096];

	int rc;

	snprintf(path, sizeof(path), "%s/%s", shared_dir(), rel);
	rc = rt_storage_load_genesis(s, path, &err);
	ok(rc == 0 && rt_storage_count(s, NULL, 0) > 10, "%s loads (%zu keys) %s", rel,
	   rt_storage_count(s, NULL, 0), err.msg);
	ok(root_is(s, NULL, v, root), "%s: genesis state root %.16s...", rel, root);
	rt_storage_free(s);
}

int main(void)
{
	basics();
	append_and_transactions();
	if (shared_has("runtime-blobs/polkadot_coretime.chainspec.json")) {
		genesis("runtime-blobs/polkadot_coretime.chainspec.json", RT_STATE_V1,
			"6e2af5f681a0f432c7aaf564dbebe4ddade85822605d510ccb78f1d90710947a");
		genesis("runtime-blobs/polkadot_collectives.chainspec.json", RT_STATE_V0,
			"034cb60129ef41b444b28dbd93dcf2a2314b6e84d950358de47e6b7831673ba7");
	} else {
		printf("# %s/runtime-blobs absent: genesis roots not checked\n", shared_dir());
	}
	{
		struct rt_storage *s = rt_storage_new();
		struct pvf_err err = {0};

		ok(rt_storage_load_genesis(s, "/nonexistent/spec.json", &err) < 0 && err.msg[0],
		   "a missing chain spec is an error: %s", err.msg);
		rt_storage_free(s);
	}
	return tap_done();
}
