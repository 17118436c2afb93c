/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_io::crypto, verification half (runtime-abi.md §5.2, docs/crypto.md):
 * ed25519/sr25519/ECDSA verification, secp256k1 recovery and the legacy
 * batch functions. The keystore functions (*_public_keys, *_generate,
 * *_sign) are not provided: a PVF has no keystore, so they link as stubs that
 * trap when called.
 *
 * Fixed-size arguments (signatures, keys, prehashed messages) are copied out
 * of guest memory first; messages are hashed in place.
 */
#include "runtime_int.h"

enum sig_kind { SIG_ED25519, SIG_SR25519, SIG_SR25519_DEPRECATED, SIG_ECDSA_V1, SIG_ECDSA_V2 };

/* (sig: i32, msg: i64, pub: i32) -> i32 for every kind. */
static enum eng_trap verify_common(struct eng_host_call *hc, const uint64_t *args,
				   enum sig_kind kind, bool *ok)
{
	uint8_t sig[65], pub[33];
	bool ecdsa = kind == SIG_ECDSA_V1 || kind == SIG_ECDSA_V2;
	uint32_t sig_len = ecdsa ? 65 : 64, pub_len = ecdsa ? 33 : 32, msg_len;
	const uint8_t *msg;
	enum eng_trap t;

	t = rt__mem_read(hc, (uint32_t)args[0], sig, sig_len);
	if (t == ENG_TRAP_NONE)
		t = rt__mem_read(hc, (uint32_t)args[2], pub, pub_len);
	if (t == ENG_TRAP_NONE)
		t = rt__mem_ps(hc, args[1], &msg, &msg_len);
	if (t != ENG_TRAP_NONE)
		return t;
	switch (kind) {
	case SIG_ED25519:
		*ok = rt_ed25519_verify(sig, msg, msg_len, pub);
		break;
	case SIG_SR25519:
		*ok = rt_sr25519_verify(sig, msg, msg_len, pub);
		break;
	case SIG_SR25519_DEPRECATED:
		*ok = rt_sr25519_verify_deprecated(sig, msg, msg_len, pub);
		break;
	case SIG_ECDSA_V1:
		*ok = rt_ecdsa_verify(sig, msg, msg_len, pub, RT_ECDSA_OVERFLOWING);
		break;
	case SIG_ECDSA_V2:
	default:
		*ok = rt_ecdsa_verify(sig, msg, msg_len, pub, RT_ECDSA_STRICT);
		break;
	}
	return ENG_TRAP_NONE;
}

static enum eng_trap verify_ret(struct eng_host_call *hc, const uint64_t *args,
				enum sig_kind kind, uint64_t *results)
{
	bool ok = false;
	enum eng_trap t = verify_common(hc, args, kind, &ok);

	if (t == ENG_TRAP_NONE)
		results[0] = ok;
	return t;
}

static enum eng_trap batch_ret(struct eng_host_call *hc, struct rt__call *c,
			       const uint64_t *args, enum sig_kind kind, uint64_t *results)
{
	bool ok = false;
	enum eng_trap t = verify_common(hc, args, kind, &ok);

	if (t == ENG_TRAP_NONE)
		results[0] = rt_batch_verify_record(&c->batch, ok);
	return t;
}

static enum eng_trap ed25519_verify_v1(struct eng_host_call *hc, void *user,
				       const uint64_t *args, uint64_t *results)
{
	(void)user;
	return verify_ret(hc, args, SIG_ED25519, results);
}

static enum eng_trap sr25519_verify_v1(struct eng_host_call *hc, void *user,
				       const uint64_t *args, uint64_t *results)
{
	(void)user;
	return verify_ret(hc, args, SIG_SR25519_DEPRECATED, results);
}

static enum eng_trap sr25519_verify_v2(struct eng_host_call *hc, void *user,
				       const uint64_t *args, uint64_t *results)
{
	(void)user;
	return verify_ret(hc, args, SIG_SR25519, results);
}

static enum eng_trap ecdsa_verify_v1(struct eng_host_call *hc, void *user,
				     const uint64_t *args, uint64_t *results)
{
	(void)user;
	return verify_ret(hc, args, SIG_ECDSA_V1, results);
}

static enum eng_trap ecdsa_verify_v2(struct eng_host_call *hc, void *user,
				     const uint64_t *args, uint64_t *results)
{
	(void)user;
	return verify_ret(hc, args, SIG_ECDSA_V2, results);
}

static enum eng_trap ed25519_batch_verify_v1(struct eng_host_call *hc, void *user,
					     const uint64_t *args, uint64_t *results)
{
	return batch_ret(hc, user, args, SIG_ED25519, results);
}

static enum eng_trap sr25519_batch_verify_v1(struct eng_host_call *hc, void *user,
					     const uint64_t *args, uint64_t *results)
{
	return batch_ret(hc, user, args, SIG_SR25519, results);
}

static enum eng_trap ecdsa_batch_verify_v1(struct eng_host_call *hc, void *user,
					   const uint64_t *args, uint64_t *results)
{
	return batch_ret(hc, user, args, SIG_ECDSA_V2, results);
}

/* ext_crypto_ecdsa_verify_prehashed_version_1(sig: i32, msg32: i32, pub33: i32) -> i32 */
static enum eng_trap ecdsa_verify_prehashed_v1(struct eng_host_call *hc, void *user,
					       const uint64_t *args, uint64_t *results)
{
	uint8_t sig[65], msg[32], pub[33];
	enum eng_trap t;

	(void)user;
	t = rt__mem_read(hc, (uint32_t)args[0], sig, sizeof(sig));
	if (t == ENG_TRAP_NONE)
		t = rt__mem_read(hc, (uint32_t)args[1], msg, sizeof(msg));
	if (t == ENG_TRAP_NONE)
		t = rt__mem_read(hc, (uint32_t)args[2], pub, sizeof(pub));
	if (t == ENG_TRAP_NONE)
		results[0] = rt_ecdsa_verify_prehashed(sig, msg, pub);
	return t;
}

/* secp256k1 recovery: (sig: i32, msg32: i32) -> i64 pointer-size to the SCALE
 * Result<[u8; 64 or 33], EcdsaVerifyError>. */
static enum eng_trap recover_common(struct eng_host_call *hc, struct rt__call *c,
				    const uint64_t *args, enum rt_ecdsa_parse parse,
				    bool compressed, uint64_t *results)
{
	uint8_t sig[65], msg[32], key[64], enc[65];
	enum rt_ecdsa_result r;
	size_t key_len = compressed ? 33 : 64, n;
	enum eng_trap t;

	t = rt__mem_read(hc, (uint32_t)args[0], sig, sizeof(sig));
	if (t == ENG_TRAP_NONE)
		t = rt__mem_read(hc, (uint32_t)args[1], msg, sizeof(msg));
	if (t != ENG_TRAP_NONE)
		return t;
	if (compressed)
		r = rt_secp256k1_recover_compressed(sig, msg, parse, key);
	else
		r = rt_secp256k1_recover(sig, msg, parse, key);
	n = rt_ecdsa_encode_recover_result(r, key, key_len, enc);
	return rt__return_ps(hc, c, enc, n, &results[0]);
}

static enum eng_trap recover_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				uint64_t *results)
{
	return recover_common(hc, user, args, RT_ECDSA_OVERFLOWING, false, results);
}

static enum eng_trap recover_v2(struct eng_host_call *hc, void *user, const uint64_t *args,
				uint64_t *results)
{
	return recover_common(hc, user, args, RT_ECDSA_STRICT, false, results);
}

static enum eng_trap recover_compressed_v1(struct eng_host_call *hc, void *user,
					   const uint64_t *args, uint64_t *results)
{
	return recover_common(hc, user, args, RT_ECDSA_OVERFLOWING, true, results);
}

static enum eng_trap recover_compressed_v2(struct eng_host_call *hc, void *user,
					   const uint64_t *args, uint64_t *results)
{
	return recover_common(hc, user, args, RT_ECDSA_STRICT, true, results);
}

/* ext_crypto_start_batch_verify_version_1() */
static enum eng_trap start_batch_verify_v1(struct eng_host_call *hc, void *user,
					   const uint64_t *args, uint64_t *results)
{
	struct rt__call *c = user;

	(void)args;
	(void)results;
	if (rt_batch_verify_start(&c->batch) < 0)
		return eng_host_trap(hc, "failed to register batch verification extension: "
				     "a batch is already active");
	return ENG_TRAP_NONE;
}

/* ext_crypto_finish_batch_verify_version_1() -> i32 */
static enum eng_trap finish_batch_verify_v1(struct eng_host_call *hc, void *user,
					    const uint64_t *args, uint64_t *results)
{
	struct rt__call *c = user;
	bool ok = false;

	(void)args;
	if (rt_batch_verify_finish(&c->batch, &ok) < 0)
		return eng_host_trap(hc, "`finish_batch_verify` should only be called after "
				     "`start_batch_verify`");
	results[0] = ok;
	return ENG_TRAP_NONE;
}

const struct rt__hostfn rt__hostfns_crypto[] = {
	{"ext_crypto_ed25519_verify_version_1", "iIi", "i", ed25519_verify_v1},
	{"ext_crypto_ed25519_batch_verify_version_1", "iIi", "i", ed25519_batch_verify_v1},
	{"ext_crypto_sr25519_verify_version_1", "iIi", "i", sr25519_verify_v1},
	{"ext_crypto_sr25519_verify_version_2", "iIi", "i", sr25519_verify_v2},
	{"ext_crypto_sr25519_batch_verify_version_1", "iIi", "i", sr25519_batch_verify_v1},
	{"ext_crypto_ecdsa_verify_version_1", "iIi", "i", ecdsa_verify_v1},
	{"ext_crypto_ecdsa_verify_version_2", "iIi", "i", ecdsa_verify_v2},
	{"ext_crypto_ecdsa_verify_prehashed_version_1", "iii", "i", ecdsa_verify_prehashed_v1},
	{"ext_crypto_ecdsa_batch_verify_version_1", "iIi", "i", ecdsa_batch_verify_v1},
	{"ext_crypto_secp256k1_ecdsa_recover_version_1", "ii", "I", recover_v1},
	{"ext_crypto_secp256k1_ecdsa_recover_version_2", "ii", "I", recover_v2},
	{"ext_crypto_secp256k1_ecdsa_recover_compressed_version_1", "ii", "I",
	 recover_compressed_v1},
	{"ext_crypto_secp256k1_ecdsa_recover_compressed_version_2", "ii", "I",
	 recover_compressed_v2},
	{"ext_crypto_start_batch_verify_version_1", "", "", start_batch_verify_v1},
	{"ext_crypto_finish_batch_verify_version_1", "", "i", finish_batch_verify_v1},
	{NULL, NULL, NULL, NULL},
};
