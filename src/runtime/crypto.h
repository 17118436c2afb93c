/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime crypto: the signature checks behind the `ext_crypto_*` host
 * functions, as plain C functions over byte arrays (no engine dependency;
 * the host-function glue reads guest memory and calls these).
 *
 * Everything here verifies public data, so nothing is constant-time.
 * Semantics follow sp-io / sp-core as used by the Polkadot PVF host; see
 * docs/crypto.md and runtime-abi.md section 5 and 6.
 *
 * Thread safety: all functions are reentrant once rt_crypto_init() has
 * returned (it must be called once, before any other function here).
 */
#ifndef PVF_RUNTIME_CRYPTO_H
#define PVF_RUNTIME_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Initialises libsodium and runs the libsecp256k1 self test. Returns 0, or
 * -EIO if libsodium cannot be initialised. Idempotent. */
int rt_crypto_init(void);

/* ---- ed25519 ------------------------------------------------------------ */

/* ext_crypto_ed25519_verify_version_1: ZIP-215 rules (ed25519-zebra).
 * A and R may be any encoding that decompresses to a curve point (y >= p
 * and "negative zero" x accepted, small-order points accepted); s must be
 * canonical (< L); accept iff [8]([s]B - R - [k]A) is the identity with
 * k = SHA-512(R_bytes || A_bytes || msg) mod L. Borrows all inputs. */
bool rt_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len,
		       const uint8_t pub[32]);

/* ---- sr25519 (schnorrkel 0.11, signing context "substrate") ------------- */

/* ext_crypto_sr25519_verify_version_2: schnorrkel verify_simple. Requires the
 * marker bit (sig[63] & 0x80), canonical s, a valid Ristretto255 public key;
 * accept iff compress([s]B - [k]A) == R. */
bool rt_sr25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len,
		       const uint8_t pub[32]);

/* ext_crypto_sr25519_verify_version_1: schnorrkel
 * verify_simple_preaudit_deprecated. A signature with the marker bit and a
 * canonical s is checked exactly as rt_sr25519_verify(); otherwise it is
 * checked as a pre-audit (schnorrkel 0.1) signature with the old transcript. */
bool rt_sr25519_verify_deprecated(const uint8_t sig[64], const uint8_t *msg, size_t msg_len,
				  const uint8_t pub[32]);

/* ---- secp256k1 ECDSA ---------------------------------------------------- */

/* Outcome of a recovery. The values are the RFC-145 `_version_3` return
 * codes; the SCALE `EcdsaVerifyError` index is -(value) - 1
 * (BadRS 0, BadV 1, BadSignature 2). */
enum rt_ecdsa_result {
	RT_ECDSA_OK = 0,
	RT_ECDSA_ERR_BAD_RS = -1,
	RT_ECDSA_ERR_BAD_V = -2,
	RT_ECDSA_ERR_BAD_SIGNATURE = -3,
};

/* How r and s are parsed. */
enum rt_ecdsa_parse {
	/* `_version_1` (libsecp256k1 Rust crate, parse_overflowing): r and s
	 * are reduced mod n, so parsing never fails. */
	RT_ECDSA_OVERFLOWING,
	/* `_version_2` (secp256k1 crate, from_compact): r >= n or s >= n is
	 * BadRS. */
	RT_ECDSA_STRICT,
};

/* ext_crypto_secp256k1_ecdsa_recover_version_{1,2}: sig = r || s || v with
 * v in 0..3 or 27..30 (27 is subtracted from v > 26; else BadV); msg32 is
 * the 32-byte message hash. High s is accepted. On RT_ECDSA_OK writes the
 * 64-byte uncompressed public key without the 0x04 prefix to out. */
enum rt_ecdsa_result rt_secp256k1_recover(const uint8_t sig[65], const uint8_t msg32[32],
					  enum rt_ecdsa_parse parse, uint8_t out[64]);

/* As rt_secp256k1_recover, writing the 33-byte compressed public key
 * (ext_crypto_secp256k1_ecdsa_recover_compressed_version_{1,2}). */
enum rt_ecdsa_result rt_secp256k1_recover_compressed(const uint8_t sig[65],
						     const uint8_t msg32[32],
						     enum rt_ecdsa_parse parse, uint8_t out[33]);

/* Index of the SCALE `EcdsaVerifyError` variant for an error result
 * (0 BadRS, 1 BadV, 2 BadSignature). r must not be RT_ECDSA_OK. */
uint8_t rt_ecdsa_error_index(enum rt_ecdsa_result r);

/* Writes the SCALE `Result<[u8; key_len], EcdsaVerifyError>` the `_version_1`
 * and `_version_2` recover functions return: 0x00 ++ key on success,
 * 0x01 ++ error index otherwise. out must hold 1 + key_len bytes; returns the
 * number of bytes written. */
size_t rt_ecdsa_encode_recover_result(enum rt_ecdsa_result r, const uint8_t *key,
				      size_t key_len, uint8_t *out);

/* ext_crypto_ecdsa_verify_version_1 (`parse` = RT_ECDSA_OVERFLOWING) and
 * _version_2 (RT_ECDSA_STRICT): recover from blake2b-256(msg) and compare the
 * compressed key with pub. Unlike the recover functions, v must be 0..3
 * (27..30 is rejected). */
bool rt_ecdsa_verify(const uint8_t sig[65], const uint8_t *msg, size_t msg_len,
		     const uint8_t pub[33], enum rt_ecdsa_parse parse);

/* ext_crypto_ecdsa_verify_prehashed_version_1: as rt_ecdsa_verify(...,
 * RT_ECDSA_STRICT) with msg32 used as the hash. */
bool rt_ecdsa_verify_prehashed(const uint8_t sig[65], const uint8_t msg32[32],
			       const uint8_t pub[33]);

/* ---- legacy batch verification ------------------------------------------ */

/*
 * ext_crypto_start_batch_verify_version_1 / finish_batch_verify_version_1 and
 * the `*_batch_verify_version_1` functions. The reference no longer batches:
 * each batch_verify call verifies immediately, returns its own result, and
 * ANDs it into the flag when a batch is active. One per validation call.
 */
struct rt_batch_verify {
	bool active;
	bool all_ok;
};
#define RT_BATCH_VERIFY_INIT {false, false}

/* start_batch_verify: returns 0, or -EALREADY when a batch is already active
 * (the reference panics: the host function must trap). */
int rt_batch_verify_start(struct rt_batch_verify *b);

/* Called by every `*_batch_verify` host function with its verification
 * result; returns `result` (what the host function returns). */
bool rt_batch_verify_record(struct rt_batch_verify *b, bool result);

/* finish_batch_verify: returns 0 and stores the AND of all results recorded
 * since start (true if none) in *out, ending the batch; -EINVAL when no batch
 * is active (the reference panics: the host function must trap). */
int rt_batch_verify_finish(struct rt_batch_verify *b, bool *out);

/* ---- internals shared with tests ---------------------------------------- */

/* True iff the 32-byte little-endian scalar is < L (the order of the
 * ed25519 / Ristretto255 prime-order group). */
bool rt__sc25519_is_canonical(const uint8_t s[32]);

/* STROBE-128 (the subset Merlin uses: meta-AD, AD, PRF) over the
 * Keccak-f[1600] of hash.c, and a Merlin transcript on top of it. */
struct rt__strobe128 {
	uint8_t st[200];
	uint8_t pos;
	uint8_t pos_begin;
	uint8_t cur_flags;
};

struct rt__merlin {
	struct rt__strobe128 strobe;
};

/* Transcript::new(label). */
void rt__merlin_init(struct rt__merlin *t, const void *label, size_t label_len);
/* Transcript::append_message(label, msg); msg_len must fit in 32 bits. */
void rt__merlin_append(struct rt__merlin *t, const void *label, size_t label_len,
		       const void *msg, size_t msg_len);
/* Transcript::challenge_bytes(label, out[out_len]); out_len must fit in 32
 * bits. */
void rt__merlin_challenge(struct rt__merlin *t, const void *label, size_t label_len,
			  uint8_t *out, size_t out_len);

#endif /* PVF_RUNTIME_CRYPTO_H */
