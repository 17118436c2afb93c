/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_io::storage and sp_io::default_child_storage over the in-memory storage
 * of storage.c, for generic runtime calls by the tools (`pvf call`). Never
 * linked for PVF validation, where these imports are trapping stubs
 * (runtime-abi.md §5.1).
 *
 * Marshalling (runtime-abi.md §3.3): keys and values are pointer-sizes to
 * raw bytes; Option<Vec<u8>>, Option<u32> and KillStorageResult results are
 * SCALE-encoded into host-allocated buffers; roots are raw 32-byte vectors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_int.h"

/* Reads a pointer-size argument into a malloc'd copy (guest memory may move
 * when the host allocates the result). */
struct arg {
	uint8_t *p;
	uint32_t len;
};

static enum eng_trap arg_get(struct eng_host_call *hc, uint64_t ps, struct arg *a)
{
	const uint8_t *src;
	enum eng_trap t = rt__mem_ps(hc, ps, &src, &a->len);

	a->p = NULL;
	if (t != ENG_TRAP_NONE)
		return t;
	a->p = malloc(a->len ? a->len : 1);
	if (!a->p)
		return eng_host_trap(hc, "out of memory");
	if (a->len)
		memcpy(a->p, src, a->len);
	return ENG_TRAP_NONE;
}

static void arg_free(struct arg *a)
{
	free(a->p);
	a->p = NULL;
}

static struct rt_storage *storage_of(void *user)
{
	return ((struct rt__call *)user)->storage;
}

static enum eng_trap nomem(struct eng_host_call *hc)
{
	return eng_host_trap(hc, "storage: out of memory");
}

/* Option<Vec<u8>> of a lookup. */
static enum eng_trap return_option(struct eng_host_call *hc, void *user, bool some,
				   const uint8_t *val, size_t vlen, uint64_t *result)
{
	struct buf enc = BUF_INIT;
	enum eng_trap t;

	if (scale_put_option_bytes(&enc, some ? (val ? val : (const uint8_t *)"") : NULL,
				   vlen) < 0) {
		buf_deinit(&enc);
		return nomem(hc);
	}
	t = rt__return_ps(hc, user, enc.data, enc.len, result);
	buf_deinit(&enc);
	return t;
}

/* Option<u32> limit argument (PassFatPointerAndDecode): None = no limit. */
static enum eng_trap limit_arg(struct eng_host_call *hc, uint64_t ps, uint32_t *limit)
{
	struct scale_reader r;
	const uint8_t *p;
	uint32_t len;
	bool some = false;
	enum eng_trap t = rt__mem_ps(hc, ps, &p, &len);

	if (t != ENG_TRAP_NONE)
		return t;
	scale_reader_init(&r, p, len);
	*limit = UINT32_MAX;
	if (scale_read_option(&r, &some) == SCALE_OK && some)
		scale_read_u32(&r, limit);
	if (r.err)
		return eng_host_trap(hc, "cannot decode the limit argument: %s",
				     scale_status_str(r.err));
	return ENG_TRAP_NONE;
}

/* KillStorageResult: AllRemoved(u32) = 0, SomeRemaining(u32) = 1. */
static enum eng_trap return_kill_result(struct eng_host_call *hc, void *user, bool complete,
					uint32_t removed, uint64_t *result)
{
	uint8_t enc[5];

	enc[0] = complete ? 0 : 1;
	enc[1] = (uint8_t)removed;
	enc[2] = (uint8_t)(removed >> 8);
	enc[3] = (uint8_t)(removed >> 16);
	enc[4] = (uint8_t)(removed >> 24);
	return rt__return_ps(hc, user, enc, sizeof(enc), result);
}

/* ---- shared implementations (child == NULL for the top trie) ------------ */

static enum eng_trap do_get(struct eng_host_call *hc, void *user, const struct arg *child,
			    uint64_t key_ps, uint64_t *result)
{
	const uint8_t *val = NULL;
	size_t vlen = 0;
	struct arg key;
	enum eng_trap t;
	bool some;

	t = arg_get(hc, key_ps, &key);
	if (t != ENG_TRAP_NONE)
		return t;
	some = rt_storage_get(storage_of(user), child ? child->p : NULL, child ? child->len : 0,
			      key.p, key.len, &val, &vlen);
	arg_free(&key);
	/* val points into the storage, which the allocation does not touch */
	return return_option(hc, user, some, val, vlen, result);
}

static enum eng_trap do_read(struct eng_host_call *hc, void *user, const struct arg *child,
			     uint64_t key_ps, uint64_t out_ps, uint32_t offset, uint64_t *result)
{
	const uint8_t *val = NULL, *dummy;
	size_t vlen = 0, from, avail, n;
	uint32_t out_len;
	uint8_t enc[5];
	struct arg key;
	enum eng_trap t;
	bool some;

	t = rt__mem_ps(hc, out_ps, &dummy, &out_len);
	if (t != ENG_TRAP_NONE)
		return t;
	t = arg_get(hc, key_ps, &key);
	if (t != ENG_TRAP_NONE)
		return t;
	some = rt_storage_get(storage_of(user), child ? child->p : NULL, child ? child->len : 0,
			      key.p, key.len, &val, &vlen);
	arg_free(&key);
	if (!some) {
		enc[0] = 0;
		return rt__return_ps(hc, user, enc, 1, result);
	}
	from = offset < vlen ? offset : vlen;
	avail = vlen - from;
	n = avail < out_len ? avail : out_len;
	if (n) {
		t = rt__mem_write(hc, rt__ps_ptr(out_ps), val + from, (uint32_t)n);
		if (t != ENG_TRAP_NONE)
			return t;
	}
	enc[0] = 1;
	enc[1] = (uint8_t)avail;
	enc[2] = (uint8_t)(avail >> 8);
	enc[3] = (uint8_t)(avail >> 16);
	enc[4] = (uint8_t)(avail >> 24);
	return rt__return_ps(hc, user, enc, sizeof(enc), result);
}

static enum eng_trap do_set(struct eng_host_call *hc, void *user, const struct arg *child,
			    uint64_t key_ps, uint64_t val_ps)
{
	const uint8_t *key, *val;
	uint32_t klen, vlen;
	enum eng_trap t;

	t = rt__mem_ps(hc, key_ps, &key, &klen);
	if (t == ENG_TRAP_NONE)
		t = rt__mem_ps(hc, val_ps, &val, &vlen);
	if (t != ENG_TRAP_NONE)
		return t;
	if (rt_storage_set(storage_of(user), child ? child->p : NULL, child ? child->len : 0,
			   key, klen, val, vlen) < 0)
		return nomem(hc);
	return ENG_TRAP_NONE;
}

static enum eng_trap do_clear(struct eng_host_call *hc, void *user, const struct arg *child,
			      uint64_t key_ps)
{
	const uint8_t *key;
	uint32_t klen;
	enum eng_trap t = rt__mem_ps(hc, key_ps, &key, &klen);

	if (t != ENG_TRAP_NONE)
		return t;
	if (rt_storage_clear(storage_of(user), child ? child->p : NULL, child ? child->len : 0,
			     key, klen) < 0)
		return nomem(hc);
	return ENG_TRAP_NONE;
}

static enum eng_trap do_exists(struct eng_host_call *hc, void *user, const struct arg *child,
			       uint64_t key_ps, uint64_t *result)
{
	const uint8_t *key, *val;
	size_t vlen;
	uint32_t klen;
	enum eng_trap t = rt__mem_ps(hc, key_ps, &key, &klen);

	if (t != ENG_TRAP_NONE)
		return t;
	*result = rt_storage_get(storage_of(user), child ? child->p : NULL,
				 child ? child->len : 0, key, klen, &val, &vlen);
	return ENG_TRAP_NONE;
}

static enum eng_trap do_clear_prefix(struct eng_host_call *hc, void *user,
				     const struct arg *child, uint64_t prefix_ps, uint32_t limit,
				     bool *complete, uint32_t *removed)
{
	const uint8_t *prefix;
	uint32_t plen;
	enum eng_trap t = rt__mem_ps(hc, prefix_ps, &prefix, &plen);

	if (t != ENG_TRAP_NONE)
		return t;
	if (rt_storage_clear_prefix(storage_of(user), child ? child->p : NULL,
				    child ? child->len : 0, prefix, plen, limit, removed,
				    complete) < 0)
		return nomem(hc);
	return ENG_TRAP_NONE;
}

static enum eng_trap do_next_key(struct eng_host_call *hc, void *user, const struct arg *child,
				 uint64_t key_ps, uint64_t *result)
{
	const uint8_t *next = NULL;
	size_t nlen = 0;
	struct arg key;
	enum eng_trap t;
	bool some;

	t = arg_get(hc, key_ps, &key);
	if (t != ENG_TRAP_NONE)
		return t;
	some = rt_storage_next_key(storage_of(user), child ? child->p : NULL,
				   child ? child->len : 0, key.p, key.len, &next, &nlen);
	arg_free(&key);
	return return_option(hc, user, some, next, nlen, result);
}

/* ---- top trie ------------------------------------------------------------ */

static enum eng_trap set_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
			    uint64_t *results)
{
	(void)results;
	return do_set(hc, user, NULL, args[0], args[1]);
}

static enum eng_trap get_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
			    uint64_t *results)
{
	return do_get(hc, user, NULL, args[0], &results[0]);
}

static enum eng_trap read_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
			     uint64_t *results)
{
	return do_read(hc, user, NULL, args[0], args[1], (uint32_t)args[2], &results[0]);
}

static enum eng_trap clear_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
			      uint64_t *results)
{
	(void)results;
	return do_clear(hc, user, NULL, args[0]);
}

static enum eng_trap exists_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
			       uint64_t *results)
{
	return do_exists(hc, user, NULL, args[0], &results[0]);
}

static enum eng_trap clear_prefix_v1(struct eng_host_call *hc, void *user,
				     const uint64_t *args, uint64_t *results)
{
	uint32_t removed;
	bool complete;

	(void)results;
	return do_clear_prefix(hc, user, NULL, args[0], UINT32_MAX, &complete, &removed);
}

static enum eng_trap clear_prefix_v2(struct eng_host_call *hc, void *user,
				     const uint64_t *args, uint64_t *results)
{
	uint32_t removed = 0, limit;
	bool complete = false;
	enum eng_trap t = limit_arg(hc, args[1], &limit);

	if (t == ENG_TRAP_NONE)
		t = do_clear_prefix(hc, user, NULL, args[0], limit, &complete, &removed);
	if (t == ENG_TRAP_NONE)
		t = return_kill_result(hc, user, complete, removed, &results[0]);
	return t;
}

static enum eng_trap changes_root_v1(struct eng_host_call *hc, void *user,
				     const uint64_t *args, uint64_t *results)
{
	const uint8_t *p;
	uint32_t len;
	enum eng_trap t = rt__mem_ps(hc, args[0], &p, &len);

	if (t != ENG_TRAP_NONE)
		return t;
	return return_option(hc, user, false, NULL, 0, &results[0]);
}

static enum eng_trap next_key_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				 uint64_t *results)
{
	return do_next_key(hc, user, NULL, args[0], &results[0]);
}

static enum eng_trap append_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
			       uint64_t *results)
{
	const uint8_t *key, *val;
	uint32_t klen, vlen;
	enum eng_trap t;

	(void)results;
	t = rt__mem_ps(hc, args[0], &key, &klen);
	if (t == ENG_TRAP_NONE)
		t = rt__mem_ps(hc, args[1], &val, &vlen);
	if (t != ENG_TRAP_NONE)
		return t;
	if (rt_storage_append(storage_of(user), key, klen, val, vlen) < 0)
		return nomem(hc);
	return ENG_TRAP_NONE;
}

static enum eng_trap start_transaction_v1(struct eng_host_call *hc, void *user,
					  const uint64_t *args, uint64_t *results)
{
	(void)args;
	(void)results;
	if (rt_storage_tx_start(storage_of(user)) < 0)
		return nomem(hc);
	return ENG_TRAP_NONE;
}

static enum eng_trap rollback_transaction_v1(struct eng_host_call *hc, void *user,
					     const uint64_t *args, uint64_t *results)
{
	int rc = rt_storage_tx_rollback(storage_of(user));

	(void)args;
	(void)results;
	if (rc == -EINVAL)
		return eng_host_trap(hc, "No open transaction that can be rolled back.");
	if (rc < 0)
		return nomem(hc);
	return ENG_TRAP_NONE;
}

static enum eng_trap commit_transaction_v1(struct eng_host_call *hc, void *user,
					   const uint64_t *args, uint64_t *results)
{
	int rc = rt_storage_tx_commit(storage_of(user));

	(void)args;
	(void)results;
	if (rc == -EINVAL)
		return eng_host_trap(hc, "No open transaction that can be committed.");
	if (rc < 0)
		return nomem(hc);
	return ENG_TRAP_NONE;
}

/* The state version argument: 0 = V0, 1 = V1, anything else traps. */
static enum eng_trap state_version_arg(struct eng_host_call *hc, uint64_t arg,
				       enum rt_state_version *v)
{
	if ((uint32_t)arg > 1)
		return eng_host_trap(hc, "invalid state version %u", (uint32_t)arg);
	*v = (uint32_t)arg == 1 ? RT_STATE_V1 : RT_STATE_V0;
	return ENG_TRAP_NONE;
}

static enum eng_trap return_root(struct eng_host_call *hc, void *user, const struct arg *child,
				 enum rt_state_version v, uint64_t *result)
{
	uint8_t root[32];
	int rc = rt_storage_root(storage_of(user), child ? child->p : NULL,
				 child ? child->len : 0, v, root);

	if (rc < 0)
		return nomem(hc);
	return rt__return_ps(hc, user, root, sizeof(root), result);
}

static enum eng_trap root_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
			     uint64_t *results)
{
	(void)args;
	return return_root(hc, user, NULL, RT_STATE_V0, &results[0]);
}

static enum eng_trap root_v2(struct eng_host_call *hc, void *user, const uint64_t *args,
			     uint64_t *results)
{
	enum rt_state_version v = RT_STATE_V0;
	enum eng_trap t = state_version_arg(hc, args[0], &v);

	if (t != ENG_TRAP_NONE)
		return t;
	return return_root(hc, user, NULL, v, &results[0]);
}


/* cumulus: without a proof recorder the size is unknown (u64::MAX). */
static enum eng_trap proof_size_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				   uint64_t *results)
{
	(void)hc;
	(void)user;
	(void)args;
	results[0] = UINT64_MAX;
	return ENG_TRAP_NONE;
}

/* sp_io::offchain_index: not part of the state; bounds-checked no-ops. */
static enum eng_trap offchain_index_set_v1(struct eng_host_call *hc, void *user,
					   const uint64_t *args, uint64_t *results)
{
	const uint8_t *p;
	uint32_t len;
	enum eng_trap t = rt__mem_ps(hc, args[0], &p, &len);

	(void)user;
	(void)results;
	if (t == ENG_TRAP_NONE)
		t = rt__mem_ps(hc, args[1], &p, &len);
	return t;
}

static enum eng_trap offchain_index_clear_v1(struct eng_host_call *hc, void *user,
					     const uint64_t *args, uint64_t *results)
{
	const uint8_t *p;
	uint32_t len;

	(void)user;
	(void)results;
	return rt__mem_ps(hc, args[0], &p, &len);
}

/* ---- default child trie ------------------------------------------------- */

static enum eng_trap child_get_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				  uint64_t *results)
{
	struct arg child;
	enum eng_trap t = arg_get(hc, args[0], &child);

	if (t == ENG_TRAP_NONE)
		t = do_get(hc, user, &child, args[1], &results[0]);
	arg_free(&child);
	return t;
}

static enum eng_trap child_read_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				   uint64_t *results)
{
	struct arg child;
	enum eng_trap t = arg_get(hc, args[0], &child);

	if (t == ENG_TRAP_NONE)
		t = do_read(hc, user, &child, args[1], args[2], (uint32_t)args[3], &results[0]);
	arg_free(&child);
	return t;
}

static enum eng_trap child_set_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				  uint64_t *results)
{
	struct arg child;
	enum eng_trap t = arg_get(hc, args[0], &child);

	(void)results;
	if (t == ENG_TRAP_NONE)
		t = do_set(hc, user, &child, args[1], args[2]);
	arg_free(&child);
	return t;
}

static enum eng_trap child_clear_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				    uint64_t *results)
{
	struct arg child;
	enum eng_trap t = arg_get(hc, args[0], &child);

	(void)results;
	if (t == ENG_TRAP_NONE)
		t = do_clear(hc, user, &child, args[1]);
	arg_free(&child);
	return t;
}

static enum eng_trap child_exists_v1(struct eng_host_call *hc, void *user,
				     const uint64_t *args, uint64_t *results)
{
	struct arg child;
	enum eng_trap t = arg_get(hc, args[0], &child);

	if (t == ENG_TRAP_NONE)
		t = do_exists(hc, user, &child, args[1], &results[0]);
	arg_free(&child);
	return t;
}

static enum eng_trap child_clear_prefix_v1(struct eng_host_call *hc, void *user,
					   const uint64_t *args, uint64_t *results)
{
	uint32_t removed;
	bool complete;
	struct arg child;
	enum eng_trap t = arg_get(hc, args[0], &child);

	(void)results;
	if (t == ENG_TRAP_NONE)
		t = do_clear_prefix(hc, user, &child, args[1], UINT32_MAX, &complete, &removed);
	arg_free(&child);
	return t;
}

static enum eng_trap child_clear_prefix_v2(struct eng_host_call *hc, void *user,
					   const uint64_t *args, uint64_t *results)
{
	uint32_t removed = 0, limit = UINT32_MAX;
	bool complete = false;
	struct arg child;
	enum eng_trap t = arg_get(hc, args[0], &child);

	if (t == ENG_TRAP_NONE)
		t = limit_arg(hc, args[2], &limit);
	if (t == ENG_TRAP_NONE)
		t = do_clear_prefix(hc, user, &child, args[1], limit, &complete, &removed);
	if (t == ENG_TRAP_NONE)
		t = return_kill_result(hc, user, complete, removed, &results[0]);
	arg_free(&child);
	return t;
}

/* storage_kill = clear_prefix with an empty prefix. */
static enum eng_trap kill(struct eng_host_call *hc, void *user, uint64_t child_ps,
			  uint64_t limit_ps, bool has_limit, bool *complete, uint32_t *removed)
{
	uint32_t limit = UINT32_MAX;
	struct arg child;
	enum eng_trap t = arg_get(hc, child_ps, &child);

	if (t == ENG_TRAP_NONE && has_limit)
		t = limit_arg(hc, limit_ps, &limit);
	if (t == ENG_TRAP_NONE &&
	    rt_storage_clear_prefix(storage_of(user), child.p, child.len, NULL, 0, limit,
				    removed, complete) < 0)
		t = nomem(hc);
	arg_free(&child);
	return t;
}

static enum eng_trap child_kill_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				   uint64_t *results)
{
	uint32_t removed;
	bool complete;

	(void)results;
	return kill(hc, user, args[0], 0, false, &complete, &removed);
}

static enum eng_trap child_kill_v2(struct eng_host_call *hc, void *user, const uint64_t *args,
				   uint64_t *results)
{
	uint32_t removed = 0;
	bool complete = false;
	enum eng_trap t = kill(hc, user, args[0], args[1], true, &complete, &removed);

	if (t == ENG_TRAP_NONE)
		results[0] = complete;
	return t;
}

static enum eng_trap child_kill_v3(struct eng_host_call *hc, void *user, const uint64_t *args,
				   uint64_t *results)
{
	uint32_t removed = 0;
	bool complete = false;
	enum eng_trap t = kill(hc, user, args[0], args[1], true, &complete, &removed);

	if (t == ENG_TRAP_NONE)
		t = return_kill_result(hc, user, complete, removed, &results[0]);
	return t;
}

static enum eng_trap child_root_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				   uint64_t *results)
{
	struct arg child;
	enum eng_trap t = arg_get(hc, args[0], &child);

	if (t == ENG_TRAP_NONE)
		t = return_root(hc, user, &child, RT_STATE_V0, &results[0]);
	arg_free(&child);
	return t;
}

static enum eng_trap child_root_v2(struct eng_host_call *hc, void *user, const uint64_t *args,
				   uint64_t *results)
{
	enum rt_state_version v = RT_STATE_V0;
	struct arg child;
	enum eng_trap t = arg_get(hc, args[0], &child);

	if (t == ENG_TRAP_NONE)
		t = state_version_arg(hc, args[1], &v);
	if (t == ENG_TRAP_NONE)
		t = return_root(hc, user, &child, v, &results[0]);
	arg_free(&child);
	return t;
}

static enum eng_trap child_next_key_v1(struct eng_host_call *hc, void *user,
				       const uint64_t *args, uint64_t *results)
{
	struct arg child;
	enum eng_trap t = arg_get(hc, args[0], &child);

	if (t == ENG_TRAP_NONE)
		t = do_next_key(hc, user, &child, args[1], &results[0]);
	arg_free(&child);
	return t;
}

const struct rt__hostfn rt__hostfns_storage[] = {
	{"ext_storage_set_version_1", "II", "", set_v1},
	{"ext_storage_get_version_1", "I", "I", get_v1},
	{"ext_storage_read_version_1", "IIi", "I", read_v1},
	{"ext_storage_clear_version_1", "I", "", clear_v1},
	{"ext_storage_exists_version_1", "I", "i", exists_v1},
	{"ext_storage_clear_prefix_version_1", "I", "", clear_prefix_v1},
	{"ext_storage_clear_prefix_version_2", "II", "I", clear_prefix_v2},
	{"ext_storage_root_version_1", "", "I", root_v1},
	{"ext_storage_root_version_2", "i", "I", root_v2},
	{"ext_storage_changes_root_version_1", "I", "I", changes_root_v1},
	{"ext_storage_next_key_version_1", "I", "I", next_key_v1},
	{"ext_storage_append_version_1", "II", "", append_v1},
	{"ext_storage_start_transaction_version_1", "", "", start_transaction_v1},
	{"ext_storage_rollback_transaction_version_1", "", "", rollback_transaction_v1},
	{"ext_storage_commit_transaction_version_1", "", "", commit_transaction_v1},
	{"ext_storage_proof_size_storage_proof_size_version_1", "", "I", proof_size_v1},
	{"ext_offchain_index_set_version_1", "II", "", offchain_index_set_v1},
	{"ext_offchain_index_clear_version_1", "I", "", offchain_index_clear_v1},
	{"ext_default_child_storage_get_version_1", "II", "I", child_get_v1},
	{"ext_default_child_storage_read_version_1", "IIIi", "I", child_read_v1},
	{"ext_default_child_storage_set_version_1", "III", "", child_set_v1},
	{"ext_default_child_storage_clear_version_1", "II", "", child_clear_v1},
	{"ext_default_child_storage_storage_kill_version_1", "I", "", child_kill_v1},
	{"ext_default_child_storage_storage_kill_version_2", "II", "i", child_kill_v2},
	{"ext_default_child_storage_storage_kill_version_3", "II", "I", child_kill_v3},
	{"ext_default_child_storage_exists_version_1", "II", "i", child_exists_v1},
	{"ext_default_child_storage_clear_prefix_version_1", "II", "", child_clear_prefix_v1},
	{"ext_default_child_storage_clear_prefix_version_2", "III", "I", child_clear_prefix_v2},
	{"ext_default_child_storage_root_version_1", "I", "I", child_root_v1},
	{"ext_default_child_storage_root_version_2", "Ii", "I", child_root_v2},
	{"ext_default_child_storage_next_key_version_1", "II", "I", child_next_key_v1},
	{NULL, NULL, NULL, NULL},
};
