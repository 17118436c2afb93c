/* SPDX-License-Identifier: Apache-2.0 */
/* secp256k1 ECDSA recovery and verification (sp-io semantics). */
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "base/base.h"
#include "runtime/crypto.h"
#include "runtime/runtime.h"
#include "tap.h"

static const uint8_t order_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};

static secp256k1_context *ctx;

/* a = a + b (big-endian 256-bit); returns the carry out. */
static unsigned add_be(uint8_t a[32], const uint8_t b[32])
{
	unsigned c = 0;
	int i;

	for (i = 31; i >= 0; i--) {
		c += (unsigned)a[i] + b[i];
		a[i] = (uint8_t)c;
		c >>= 8;
	}
	return c;
}

/* a = n - a (big-endian, a < n). */
static void negate_mod_n(uint8_t a[32])
{
	int i, borrow = 0;

	for (i = 31; i >= 0; i--) {
		int d = (int)order_n[i] - (int)a[i] - borrow;

		borrow = d < 0;
		a[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
}

struct key {
	uint8_t sk[32];
	uint8_t full[64];   /* uncompressed, no 0x04 */
	uint8_t comp[33];
};

static void make_key(struct key *k)
{
	secp256k1_pubkey pk;
	uint8_t buf[65];
	size_t n;

	do {
		randombytes_buf(k->sk, 32);
	} while (!secp256k1_ec_seckey_verify(ctx, k->sk));
	if (!secp256k1_ec_pubkey_create(ctx, &pk, k->sk)) {
		printf("Bail out! pubkey_create\n");
		exit(1);
	}
	n = 65;
	secp256k1_ec_pubkey_serialize(ctx, buf, &n, &pk, SECP256K1_EC_UNCOMPRESSED);
	memcpy(k->full, buf + 1, 64);
	n = 33;
	secp256k1_ec_pubkey_serialize(ctx, k->comp, &n, &pk, SECP256K1_EC_COMPRESSED);
}

/* sig = r || s || recid over the 32-byte hash. */
static void sign(const struct key *k, const uint8_t hash[32], uint8_t sig[65])
{
	secp256k1_ecdsa_recoverable_signature rs;
	int recid;

	if (!secp256k1_ecdsa_sign_recoverable(ctx, &rs, hash, k->sk, NULL, NULL)) {
		printf("Bail out! sign\n");
		exit(1);
	}
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig, &recid, &rs);
	sig[64] = (uint8_t)recid;
}

static void test_recover_roundtrip(void)
{
	struct key k;
	uint8_t hash[32], sig[65], out[64], comp[33];
	int i, good = 0, good_c = 0, good_27 = 0, good_v1 = 0, wrong_id = 0;

	for (i = 0; i < 32; i++) {
		enum rt_ecdsa_result r;

		make_key(&k);
		randombytes_buf(hash, 32);
		sign(&k, hash, sig);

		good += rt_secp256k1_recover(sig, hash, RT_ECDSA_STRICT, out) == RT_ECDSA_OK &&
			memcmp(out, k.full, 64) == 0;
		good_c += rt_secp256k1_recover_compressed(sig, hash, RT_ECDSA_STRICT, comp) ==
				  RT_ECDSA_OK && memcmp(comp, k.comp, 33) == 0;
		good_v1 += rt_secp256k1_recover(sig, hash, RT_ECDSA_OVERFLOWING, out) ==
				   RT_ECDSA_OK && memcmp(out, k.full, 64) == 0 &&
			   rt_secp256k1_recover_compressed(sig, hash, RT_ECDSA_OVERFLOWING, comp) ==
				   RT_ECDSA_OK && memcmp(comp, k.comp, 33) == 0;
		sig[64] += 27;
		good_27 += rt_secp256k1_recover(sig, hash, RT_ECDSA_STRICT, out) == RT_ECDSA_OK &&
			   memcmp(out, k.full, 64) == 0;
		sig[64] = (uint8_t)((sig[64] - 27) ^ 1);
		r = rt_secp256k1_recover(sig, hash, RT_ECDSA_STRICT, out);
		wrong_id += r != RT_ECDSA_OK || memcmp(out, k.full, 64) != 0;
	}
	ok_eq(good, 32, "recover v2: 32 signatures give the signer's 64-byte key");
	ok_eq(good_c, 32, "recover_compressed v2: 33-byte key matches");
	ok_eq(good_v1, 32, "recover v1 / recover_compressed v1 agree on normal signatures");
	ok_eq(good_27, 32, "v + 27 accepted by recover");
	ok_eq(wrong_id, 32, "the other parity never gives the signer's key");
}

static void test_bad_v(void)
{
	static const uint8_t bad_v[] = {4, 5, 26, 31, 32, 200, 255};
	struct key k;
	uint8_t hash[32], sig[65], out[64], ok_v[] = {0, 1, 2, 3, 27, 28, 29, 30};
	size_t i;
	int bad = 0, not_bad_v = 0;

	make_key(&k);
	randombytes_buf(hash, 32);
	sign(&k, hash, sig);
	for (i = 0; i < sizeof(bad_v); i++) {
		sig[64] = bad_v[i];
		bad += rt_secp256k1_recover(sig, hash, RT_ECDSA_STRICT, out) == RT_ECDSA_ERR_BAD_V;
		bad += rt_secp256k1_recover(sig, hash, RT_ECDSA_OVERFLOWING, out) ==
		       RT_ECDSA_ERR_BAD_V;
		bad += rt_secp256k1_recover_compressed(sig, hash, RT_ECDSA_STRICT, out) ==
		       RT_ECDSA_ERR_BAD_V;
	}
	ok_eq(bad, 3 * (int)sizeof(bad_v), "v in {4,5,26,31,32,200,255}: BadV (v1, v2, compressed)");
	for (i = 0; i < sizeof(ok_v); i++) {
		sig[64] = ok_v[i];
		not_bad_v += rt_secp256k1_recover(sig, hash, RT_ECDSA_STRICT, out) !=
			     RT_ECDSA_ERR_BAD_V;
	}
	ok_eq(not_bad_v, 8, "v in 0..3 and 27..30 pass the v check");
	/* BadV is checked before r/s: overflowing r with bad v is BadV. */
	memset(sig, 0xff, 64);
	sig[64] = 9;
	ok_eq(rt_secp256k1_recover(sig, hash, RT_ECDSA_STRICT, out), RT_ECDSA_ERR_BAD_V,
	      "bad v reported before bad r/s");
}

/* High s (n - s with the other parity) recovers the same key: neither
 * variant normalises s. */
static void test_high_s(void)
{
	struct key k;
	uint8_t hash[32], sig[65], out[64];
	int i, same = 0, verified = 0;

	for (i = 0; i < 8; i++) {
		make_key(&k);
		rt_blake2b_256(&i, sizeof(i), hash);
		sign(&k, hash, sig);
		negate_mod_n(sig + 32);
		sig[64] ^= 1;
		same += rt_secp256k1_recover(sig, hash, RT_ECDSA_STRICT, out) == RT_ECDSA_OK &&
			memcmp(out, k.full, 64) == 0;
		verified += rt_ecdsa_verify(sig, (const uint8_t *)&i, sizeof(i), k.comp,
					    RT_ECDSA_STRICT);
	}
	ok_eq(same, 8, "high-s signatures recover the same key");
	ok_eq(verified, 8, "high-s signatures pass ecdsa_verify v2");
}

/*
 * Overflowing r and s: take a small r that is a valid x coordinate and a
 * small s, so that r + n and s + n still fit in 256 bits. v1 reduces them
 * (same key as the reduced signature); v2 reports BadRS.
 */
static void test_overflow(void)
{
	uint8_t hash[32], sig[65], big[65], ref[64], out[64], comp[33], ref_comp[33];
	uint8_t n_be[32];
	enum rt_ecdsa_result r = RT_ECDSA_ERR_BAD_SIGNATURE;
	int x;

	memcpy(n_be, order_n, 32);
	rt_blake2b_256("overflow", 8, hash);
	memset(sig, 0, sizeof(sig));
	sig[63] = 5;    /* s = 5 */
	for (x = 1; x < 64 && r != RT_ECDSA_OK; x++) {
		sig[31] = (uint8_t)x;  /* r = x */
		r = rt_secp256k1_recover(sig, hash, RT_ECDSA_STRICT, ref);
	}
	ok_eq(r, RT_ECDSA_OK, "found a small r that is a valid x coordinate (r = %d)", x - 1);
	rt_secp256k1_recover_compressed(sig, hash, RT_ECDSA_STRICT, ref_comp);

	memcpy(big, sig, 65);
	ok_eq(add_be(big, n_be), 0, "r + n fits in 256 bits");
	ok_eq(rt_secp256k1_recover(big, hash, RT_ECDSA_STRICT, out), RT_ECDSA_ERR_BAD_RS,
	      "r >= n: v2 BadRS");
	ok(rt_secp256k1_recover(big, hash, RT_ECDSA_OVERFLOWING, out) == RT_ECDSA_OK &&
	   memcmp(out, ref, 64) == 0, "r >= n: v1 reduces r and recovers the same key");
	ok(rt_secp256k1_recover_compressed(big, hash, RT_ECDSA_OVERFLOWING, comp) == RT_ECDSA_OK &&
	   memcmp(comp, ref_comp, 33) == 0, "r >= n: compressed v1 likewise");
	ok_eq(rt_secp256k1_recover_compressed(big, hash, RT_ECDSA_STRICT, comp),
	      RT_ECDSA_ERR_BAD_RS, "r >= n: compressed v2 BadRS");

	memcpy(big, sig, 65);
	ok_eq(add_be(big + 32, n_be), 0, "s + n fits in 256 bits");
	ok_eq(rt_secp256k1_recover(big, hash, RT_ECDSA_STRICT, out), RT_ECDSA_ERR_BAD_RS,
	      "s >= n: v2 BadRS");
	ok(rt_secp256k1_recover(big, hash, RT_ECDSA_OVERFLOWING, out) == RT_ECDSA_OK &&
	   memcmp(out, ref, 64) == 0, "s >= n: v1 reduces s and recovers the same key");

	/* verify_prehashed is strict like v2. */
	ok(rt_ecdsa_verify_prehashed(sig, hash, ref_comp), "prehashed verify of the reduced sig");
	ok(!rt_ecdsa_verify_prehashed(big, hash, ref_comp), "prehashed verify rejects s >= n");

	/* r = 0 and r = n (0 after reduction): BadSignature, not BadRS. */
	memset(big, 0, 65);
	big[63] = 5;
	ok_eq(rt_secp256k1_recover(big, hash, RT_ECDSA_STRICT, out), RT_ECDSA_ERR_BAD_SIGNATURE,
	      "r = 0: v2 BadSignature");
	memcpy(big, order_n, 32);
	ok_eq(rt_secp256k1_recover(big, hash, RT_ECDSA_OVERFLOWING, out),
	      RT_ECDSA_ERR_BAD_SIGNATURE, "r = n: v1 BadSignature (reduces to 0)");
	ok_eq(rt_secp256k1_recover(big, hash, RT_ECDSA_STRICT, out), RT_ECDSA_ERR_BAD_RS,
	      "r = n: v2 BadRS");
}

/* ecdsa_verify v1 on a message: build a signature over blake2_256(msg) with
 * s >= n by recovering the key of an arbitrary (r, s) pair. */
static void test_verify_overflowing_msg(void)
{
	static const uint8_t msg[] = "message for an overflowing signature";
	uint8_t hash[32], sig[65], big[65], key[33], n_be[32];
	enum rt_ecdsa_result r = RT_ECDSA_ERR_BAD_SIGNATURE;
	int x;

	memcpy(n_be, order_n, 32);
	rt_blake2b_256(msg, sizeof(msg), hash);
	memset(sig, 0, sizeof(sig));
	sig[63] = 7;
	for (x = 1; x < 64 && r != RT_ECDSA_OK; x++) {
		sig[31] = (uint8_t)x;
		r = rt_secp256k1_recover_compressed(sig, hash, RT_ECDSA_STRICT, key);
	}
	memcpy(big, sig, 65);
	add_be(big + 32, n_be);
	ok(rt_ecdsa_verify(sig, msg, sizeof(msg), key, RT_ECDSA_STRICT),
	   "constructed signature verifies (v2)");
	ok(rt_ecdsa_verify(big, msg, sizeof(msg), key, RT_ECDSA_OVERFLOWING),
	   "s >= n: ecdsa_verify v1 accepts");
	ok(!rt_ecdsa_verify(big, msg, sizeof(msg), key, RT_ECDSA_STRICT),
	   "s >= n: ecdsa_verify v2 rejects");
}

static void test_verify(void)
{
	static const uint8_t msg[] = "hello ecdsa";
	struct key k, other;
	uint8_t hash[32], sig[65];

	make_key(&k);
	make_key(&other);
	rt_blake2b_256(msg, sizeof(msg), hash);
	sign(&k, hash, sig);

	ok(rt_ecdsa_verify(sig, msg, sizeof(msg), k.comp, RT_ECDSA_STRICT), "verify v2");
	ok(rt_ecdsa_verify(sig, msg, sizeof(msg), k.comp, RT_ECDSA_OVERFLOWING), "verify v1");
	ok(rt_ecdsa_verify_prehashed(sig, hash, k.comp), "verify_prehashed");
	ok(!rt_ecdsa_verify(sig, msg, sizeof(msg) - 1, k.comp, RT_ECDSA_STRICT),
	   "other message rejected");
	ok(!rt_ecdsa_verify(sig, msg, sizeof(msg), other.comp, RT_ECDSA_STRICT),
	   "other key rejected");
	hash[0] ^= 1;
	ok(!rt_ecdsa_verify_prehashed(sig, hash, k.comp), "prehashed: other hash rejected");
	hash[0] ^= 1;

	/* The verify functions take v as the recovery id: 27.. is rejected. */
	sig[64] += 27;
	ok(!rt_ecdsa_verify(sig, msg, sizeof(msg), k.comp, RT_ECDSA_STRICT), "v2: v + 27 rejected");
	ok(!rt_ecdsa_verify(sig, msg, sizeof(msg), k.comp, RT_ECDSA_OVERFLOWING),
	   "v1: v + 27 rejected");
	ok(!rt_ecdsa_verify_prehashed(sig, hash, k.comp), "prehashed: v + 27 rejected");
	sig[64] -= 27;

	/* The comparison is against the compressed key bytes. */
	k.comp[0] ^= 1; /* 02 <-> 03: the negated point */
	ok(!rt_ecdsa_verify(sig, msg, sizeof(msg), k.comp, RT_ECDSA_STRICT),
	   "key with the other parity prefix rejected");
}

static void hex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1) {
			printf("Bail out! bad hex %s\n", s);
			exit(1);
		}
		out[i] = (uint8_t)v;
	}
}

/* sp-core ecdsa `test_vector_should_work`: secret 9d61..., message "". */
static void test_sp_core_vector(void)
{
	struct key k;
	uint8_t sig[65], mine[65], hash[32], full[64], comp[33], out[64];

	hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", k.sk, 32);
	hex("8db55b05db86c0b1786ca49f095d76344c9e6056b2f02701a7e7f3c20aabfd91"
	    "3ebbe148dd17c56551a52952371071a6c604b3f3abe8f2c8fa742158ea6dd7d4", full, 64);
	hex("3dde91174bd9359027be59a428b8146513df80a2a3c7eda2194f64de04a69ab9"
	    "7b753169e94db6ffd50921a2668a48b94ca11e3d32c1ff19cfe88890aa7e8f3c00", sig, 65);
	comp[0] = (full[63] & 1) ? 0x03 : 0x02;
	memcpy(comp + 1, full, 32);

	rt_blake2b_256(NULL, 0, hash);
	sign(&k, hash, mine);
	ok(memcmp(mine, sig, 65) == 0, "sp-core vector: libsecp256k1 (RFC 6979) reproduces it");
	ok(rt_secp256k1_recover(sig, hash, RT_ECDSA_STRICT, out) == RT_ECDSA_OK &&
	   memcmp(out, full, 64) == 0, "sp-core vector: recover v2 gives the public key");
	ok(rt_ecdsa_verify(sig, NULL, 0, comp, RT_ECDSA_STRICT), "sp-core vector: verify v2");
	ok(rt_ecdsa_verify(sig, NULL, 0, comp, RT_ECDSA_OVERFLOWING), "sp-core vector: verify v1");
	ok(!rt_ecdsa_verify(sig, (const uint8_t *)"x", 1, comp, RT_ECDSA_STRICT),
	   "sp-core vector: other message rejected");
}

static void test_encoding(void)
{
	uint8_t key[64], out[65];

	memset(key, 0xab, sizeof(key));
	ok(rt_ecdsa_encode_recover_result(RT_ECDSA_OK, key, 64, out) == 65 && out[0] == 0 &&
	   memcmp(out + 1, key, 64) == 0, "Ok([u8; 64]) = 00 ++ key");
	ok(rt_ecdsa_encode_recover_result(RT_ECDSA_ERR_BAD_RS, key, 33, out) == 2 &&
	   out[0] == 1 && out[1] == 0, "Err(BadRS) = 01 00");
	ok(rt_ecdsa_encode_recover_result(RT_ECDSA_ERR_BAD_V, key, 33, out) == 2 && out[0] == 1 &&
	   out[1] == 1, "Err(BadV) = 01 01");
	ok(rt_ecdsa_encode_recover_result(RT_ECDSA_ERR_BAD_SIGNATURE, key, 64, out) == 2 &&
	   out[0] == 1 && out[1] == 2, "Err(BadSignature) = 01 02");
	ok(RT_ECDSA_ERR_BAD_RS == -1 && RT_ECDSA_ERR_BAD_V == -2 &&
	   RT_ECDSA_ERR_BAD_SIGNATURE == -3, "result values are the RFC-145 v3 return codes");
}

int main(void)
{
	if (rt_crypto_init() != 0) {
		printf("Bail out! rt_crypto_init failed\n");
		return 1;
	}
	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (!ctx) {
		printf("Bail out! secp256k1_context_create\n");
		return 1;
	}
	test_recover_roundtrip();
	test_bad_v();
	test_high_s();
	test_overflow();
	test_verify_overflowing_msg();
	test_verify();
	test_sp_core_vector();
	test_encoding();
	secp256k1_context_destroy(ctx);
	return tap_done();
}
