/* SPDX-License-Identifier: Apache-2.0 */
/* Artifact identity: code hash and executor-parameter hashes (pvf-host.md
 * §1.8, §7.1). */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "host.h"

#define MAX_PARAMS 64

void host_blake2_256(const void *p, size_t len, uint8_t out[PVF_HASH_LEN])
{
	crypto_generichash(out, PVF_HASH_LEN, p, len, NULL, 0);
}

/* Parameters that change the prepared artifact. The reference's prep_hash
 * keeps StackLogicalMax, PvfPrepTimeout and WasmExtBulkMemory; we also keep
 * MaxMemoryPages, which the reference bakes into the artifact but forgot in
 * the hash (polkadot-sdk issue #8054). */
static bool prep_relevant(enum proto_exec_param tag)
{
	switch (tag) {
	case PROTO_EP_MAX_MEMORY_PAGES:
	case PROTO_EP_STACK_LOGICAL_MAX:
	case PROTO_EP_PVF_PREP_TIMEOUT:
	case PROTO_EP_WASM_EXT_BULK_MEMORY:
		return true;
	case PROTO_EP_STACK_NATIVE_MAX:
	case PROTO_EP_PRECHECKING_MAX_MEMORY:
	case PROTO_EP_PVF_EXEC_TIMEOUT:
		return false;
	default:
		return false;
	}
}

int host_artifact_id(const uint8_t code_hash[PVF_HASH_LEN], const uint8_t *params,
		     size_t params_len, uint8_t id[HOST_ID_LEN])
{
	struct proto_ep_item items[MAX_PARAMS];
	crypto_generichash_state st;
	size_t n = 0, i;
	int ret;

	ret = proto_exec_params_parse(params, params_len, items, MAX_PARAMS, &n);
	if (ret)
		return -EINVAL;
	/* prep_hash = blake2b-256("prep" ++ SCALE(p) for each relevant p, in
	 * order, without a length prefix) */
	crypto_generichash_init(&st, NULL, 0, PVF_HASH_LEN);
	crypto_generichash_update(&st, (const uint8_t *)"prep", 4);
	for (i = 0; i < n; i++)
		if (prep_relevant(items[i].tag))
			crypto_generichash_update(&st, items[i].enc.data, items[i].enc.len);
	memcpy(id, code_hash, PVF_HASH_LEN);
	crypto_generichash_final(&st, id + PVF_HASH_LEN, PVF_HASH_LEN);
	return 0;
}
