/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secp256k1 ECDSA public-key recovery and recovery-based verification, as
 * sp-io does them, on libsecp256k1 (recovery module).
 *
 * sp-io uses two Rust libraries: the pure-Rust `libsecp256k1` crate for the
 * `_version_1` functions (parse_overflowing: r and s reduced mod n) and the
 * `secp256k1` crate (bindings to the C library used here) for `_version_2`
 * (r >= n or s >= n rejected). Both then run the same recovery, so the
 * `_version_1` behaviour is obtained by reducing r and s before parsing.
 */
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>

#include "crypto.h"
#include "runtime.h"

/* The group order n, big-endian. */
static const uint8_t order_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};

/* x = x mod n for a 256-bit big-endian x (one subtraction suffices as
 * 2^256 < 2n). */
static void reduce_mod_n(uint8_t x[32])
{
	int i, borrow = 0;

	for (i = 0; i < 32; i++) {
		if (x[i] != order_n[i])
			break;
	}
	if (i < 32 && x[i] < order_n[i])
		return; /* x < n */
	for (i = 31; i >= 0; i--) {
		int d = (int)x[i] - (int)order_n[i] - borrow;

		borrow = d < 0;
		x[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
}

/*
 * Parses sig (r || s || v) and recovers the public key for msg32.
 * eth_v: the recover host functions map v > 26 to v - 27 first; the verify
 * functions take v as the recovery id directly. Either way it must be 0..3.
 */
static enum rt_ecdsa_result recover_key(const uint8_t sig[65], const uint8_t msg32[32],
					enum rt_ecdsa_parse parse, bool eth_v,
					secp256k1_pubkey *pk)
{
	const secp256k1_context *ctx = secp256k1_context_static;
	secp256k1_ecdsa_recoverable_signature rsig;
	uint8_t rs[64], v = sig[64];

	if (eth_v && v > 26)
		v = (uint8_t)(v - 27);
	if (v > 3)
		return RT_ECDSA_ERR_BAD_V;

	memcpy(rs, sig, 64);
	if (parse == RT_ECDSA_OVERFLOWING) {
		reduce_mod_n(rs);
		reduce_mod_n(rs + 32);
	}
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, rs, v))
		return RT_ECDSA_ERR_BAD_RS;
	if (!secp256k1_ecdsa_recover(ctx, pk, &rsig, msg32))
		return RT_ECDSA_ERR_BAD_SIGNATURE;
	return RT_ECDSA_OK;
}

static void serialize(const secp256k1_pubkey *pk, uint8_t *out, size_t len, unsigned flags)
{
	size_t n = len;

	/* Cannot fail for a key returned by secp256k1_ecdsa_recover. */
	secp256k1_ec_pubkey_serialize(secp256k1_context_static, out, &n, pk, flags);
}

enum rt_ecdsa_result rt_secp256k1_recover(const uint8_t sig[65], const uint8_t msg32[32],
					  enum rt_ecdsa_parse parse, uint8_t out[64])
{
	secp256k1_pubkey pk;
	uint8_t full[65];
	enum rt_ecdsa_result r;

	r = recover_key(sig, msg32, parse, true, &pk);
	if (r != RT_ECDSA_OK)
		return r;
	serialize(&pk, full, sizeof(full), SECP256K1_EC_UNCOMPRESSED);
	memcpy(out, full + 1, 64); /* drop the 0x04 tag */
	return RT_ECDSA_OK;
}

enum rt_ecdsa_result rt_secp256k1_recover_compressed(const uint8_t sig[65],
						     const uint8_t msg32[32],
						     enum rt_ecdsa_parse parse, uint8_t out[33])
{
	secp256k1_pubkey pk;
	enum rt_ecdsa_result r;

	r = recover_key(sig, msg32, parse, true, &pk);
	if (r != RT_ECDSA_OK)
		return r;
	serialize(&pk, out, 33, SECP256K1_EC_COMPRESSED);
	return RT_ECDSA_OK;
}

uint8_t rt_ecdsa_error_index(enum rt_ecdsa_result r)
{
	return (uint8_t)(-(int)r - 1);
}

size_t rt_ecdsa_encode_recover_result(enum rt_ecdsa_result r, const uint8_t *key,
				      size_t key_len, uint8_t *out)
{
	if (r == RT_ECDSA_OK) {
		out[0] = 0x00;
		memcpy(out + 1, key, key_len);
		return 1 + key_len;
	}
	out[0] = 0x01;
	out[1] = rt_ecdsa_error_index(r);
	return 2;
}

/* sp-core: recover (v taken as is) and compare the compressed key. */
static bool verify_hash(const uint8_t sig[65], const uint8_t hash[32], const uint8_t pub[33],
			enum rt_ecdsa_parse parse)
{
	secp256k1_pubkey pk;
	uint8_t got[33];

	if (recover_key(sig, hash, parse, false, &pk) != RT_ECDSA_OK)
		return false;
	serialize(&pk, got, sizeof(got), SECP256K1_EC_COMPRESSED);
	return memcmp(got, pub, 33) == 0;
}

bool rt_ecdsa_verify(const uint8_t sig[65], const uint8_t *msg, size_t msg_len,
		     const uint8_t pub[33], enum rt_ecdsa_parse parse)
{
	uint8_t hash[32];

	rt_blake2b_256(msg, msg_len, hash);
	return verify_hash(sig, hash, pub, parse);
}

bool rt_ecdsa_verify_prehashed(const uint8_t sig[65], const uint8_t msg32[32],
			       const uint8_t pub[33])
{
	return verify_hash(sig, msg32, pub, RT_ECDSA_STRICT);
}
