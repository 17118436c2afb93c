/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_io::trie root functions (runtime-abi.md §5.2, §7) over trie.c:
 *   *_root_version_1(input: i64) -> i32            Vec<(Vec<u8>, Vec<u8>)>, V0
 *   *_root_version_2(input: i64, version: i32) -> i32
 *   *_ordered_root_version_1(input: i64) -> i32    Vec<Vec<u8>>, V0
 *   *_ordered_root_version_2(input: i64, version: i32) -> i32
 * for the BLAKE2b-256 and Keccak-256 hashers. The result is a pointer to a
 * host-allocated 32-byte root. An input that does not decode, or a state
 * version other than 0/1, traps (the reference's marshalling fails).
 * The proof verification functions (*_verify_proof_*) are not provided:
 * no surveyed runtime imports them; they link as stubs.
 */
#include <errno.h>

#include "runtime_int.h"

enum root_kind { ROOT_MAP, ROOT_ORDERED };

static enum eng_trap root_common(struct eng_host_call *hc, struct rt__call *c, uint64_t ps,
				 bool has_version, uint64_t version, enum root_kind kind,
				 enum rt_trie_hasher h, uint64_t *results)
{
	enum rt_state_version v = RT_STATE_V0;
	uint8_t root[32];
	const uint8_t *data;
	uint32_t len, ptr = 0;
	enum eng_trap t;
	int rc;

	if (has_version) {
		if ((uint32_t)version > 1)
			return eng_host_trap(hc, "invalid state version %u", (uint32_t)version);
		v = (uint32_t)version ? RT_STATE_V1 : RT_STATE_V0;
	}
	t = rt__mem_ps(hc, ps, &data, &len);
	if (t != ENG_TRAP_NONE)
		return t;
	if (kind == ROOT_MAP)
		rc = rt_trie_root_scale(data, len, v, h, root);
	else
		rc = rt_trie_ordered_root_scale(data, len, v, h, root);
	if (rc == -ENOMEM)
		return eng_host_trap(hc, "trie root: out of memory");
	if (rc < 0)
		return eng_host_trap(hc, "trie root: cannot decode the input");
	t = rt__return_ptr(hc, c, root, sizeof(root), &ptr);
	if (t == ENG_TRAP_NONE)
		results[0] = ptr;
	return t;
}

#define TRIE_HOSTFNS(prefix, hasher)                                              \
	static enum eng_trap prefix##_root_v1(struct eng_host_call *hc, void *user,   \
					      const uint64_t *args, uint64_t *results) \
	{                                                                         \
		return root_common(hc, user, args[0], false, 0, ROOT_MAP, hasher,     \
				   results);                                          \
	}                                                                         \
	static enum eng_trap prefix##_root_v2(struct eng_host_call *hc, void *user,   \
					      const uint64_t *args, uint64_t *results) \
	{                                                                         \
		return root_common(hc, user, args[0], true, args[1], ROOT_MAP, hasher, \
				   results);                                          \
	}                                                                         \
	static enum eng_trap prefix##_ordered_root_v1(struct eng_host_call *hc,       \
						      void *user,                     \
						      const uint64_t *args,           \
						      uint64_t *results)              \
	{                                                                         \
		return root_common(hc, user, args[0], false, 0, ROOT_ORDERED, hasher, \
				   results);                                          \
	}                                                                         \
	static enum eng_trap prefix##_ordered_root_v2(struct eng_host_call *hc,       \
						      void *user,                     \
						      const uint64_t *args,           \
						      uint64_t *results)              \
	{                                                                         \
		return root_common(hc, user, args[0], true, args[1], ROOT_ORDERED,    \
				   hasher, results);                                  \
	}

TRIE_HOSTFNS(blake2_256, RT_TRIE_BLAKE2_256)
TRIE_HOSTFNS(keccak_256, RT_TRIE_KECCAK_256)

const struct rt__hostfn rt__hostfns_trie[] = {
	{"ext_trie_blake2_256_root_version_1", "I", "i", blake2_256_root_v1},
	{"ext_trie_blake2_256_root_version_2", "Ii", "i", blake2_256_root_v2},
	{"ext_trie_blake2_256_ordered_root_version_1", "I", "i", blake2_256_ordered_root_v1},
	{"ext_trie_blake2_256_ordered_root_version_2", "Ii", "i", blake2_256_ordered_root_v2},
	{"ext_trie_keccak_256_root_version_1", "I", "i", keccak_256_root_v1},
	{"ext_trie_keccak_256_root_version_2", "Ii", "i", keccak_256_root_v2},
	{"ext_trie_keccak_256_ordered_root_version_1", "I", "i", keccak_256_ordered_root_v1},
	{"ext_trie_keccak_256_ordered_root_version_2", "Ii", "i", keccak_256_ordered_root_v2},
	{NULL, NULL, NULL, NULL},
};
