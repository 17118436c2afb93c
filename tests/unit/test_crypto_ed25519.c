/* SPDX-License-Identifier: Apache-2.0 */
/* ed25519 verification with ZIP-215 rules (rt_ed25519_verify). */
#include <sodium.h>

#include "base/base.h"
#include "runtime/crypto.h"
#include "tap.h"

/* Decodes exactly n bytes of hex into out; aborts the test on bad input. */
static void hex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n) {
		printf("Bail out! bad hex length for %s\n", s);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1) {
			printf("Bail out! bad hex %s\n", s);
			exit(1);
		}
		out[i] = (uint8_t)v;
	}
}

struct rfc_vec {
	const char *seed, *pub, *msg, *sig;
};

/* RFC 8032 section 7.1, TEST 1-3. */
static const struct rfc_vec rfc8032[] = {
	{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	 "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	 "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	 "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
	{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	 "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
	 "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	 "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	{"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	 "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
	 "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
	 "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

/* The 14 encodings of the 8 small-order points that decode under ZIP-215:
 * 8 canonical ones, "negative zero" x for y = 1 and y = -1, and y + p for
 * y = 0 (both signs) and y = 1 (both signs). */
static const char *small_order[14] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000080",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};

/* L, little-endian. */
static const char *order_l = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

/* a += b (256-bit little-endian, no overflow expected). */
static void add256(uint8_t a[32], const uint8_t b[32])
{
	unsigned c = 0;
	int i;

	for (i = 0; i < 32; i++) {
		c += (unsigned)a[i] + b[i];
		a[i] = (uint8_t)c;
		c >>= 8;
	}
}

static void test_rfc8032(void)
{
	size_t i;

	for (i = 0; i < BASE_ARRAY_SIZE(rfc8032); i++) {
		const struct rfc_vec *v = &rfc8032[i];
		uint8_t seed[32], pub[32], sig[64], msg[2], sk[64], pub2[32], sig2[64], bad[64];
		size_t mlen = strlen(v->msg) / 2;
		int bit, rejected;

		hex(v->seed, seed, 32);
		hex(v->pub, pub, 32);
		hex(v->sig, sig, 64);
		hex(v->msg, msg, mlen);

		/* The vector itself is what libsodium's RFC 8032 signer makes. */
		crypto_sign_seed_keypair(pub2, sk, seed);
		crypto_sign_detached(sig2, NULL, msg, mlen, sk);
		ok(memcmp(pub, pub2, 32) == 0 && memcmp(sig, sig2, 64) == 0,
		   "rfc8032 test %zu: vector matches libsodium signer", i + 1);

		ok(rt_ed25519_verify(sig, msg, mlen, pub), "rfc8032 test %zu verifies", i + 1);

		/* Every single-bit flip of the signature must be rejected. */
		rejected = 0;
		for (bit = 0; bit < 512; bit++) {
			memcpy(bad, sig, 64);
			bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			rejected += !rt_ed25519_verify(bad, msg, mlen, pub);
		}
		ok_eq(rejected, 512, "rfc8032 test %zu: all 512 signature bit flips rejected", i + 1);

		memcpy(bad, pub, 32);
		bad[0] ^= 1;
		ok(!rt_ed25519_verify(sig, msg, mlen, bad), "rfc8032 test %zu: other key rejected",
		   i + 1);
		if (mlen) {
			msg[0] ^= 0x80;
			ok(!rt_ed25519_verify(sig, msg, mlen, pub),
			   "rfc8032 test %zu: changed message rejected", i + 1);
		} else {
			ok(!rt_ed25519_verify(sig, (const uint8_t *)"x", 1, pub),
			   "rfc8032 test %zu: other message rejected", i + 1);
		}
	}
}

/* s must be canonical: s + L (same value mod L) and s = L are rejected. */
static void test_s_canonical(void)
{
	uint8_t pub[32], sig[64], l[32], bad[64];

	hex(rfc8032[0].pub, pub, 32);
	hex(rfc8032[0].sig, sig, 64);
	hex(order_l, l, 32);

	memcpy(bad, sig, 64);
	add256(bad + 32, l);
	ok(!rt_ed25519_verify(bad, NULL, 0, pub), "s + L rejected (s not canonical)");

	memcpy(bad, sig, 64);
	memcpy(bad + 32, l, 32);
	ok(!rt_ed25519_verify(bad, NULL, 0, pub), "s = L rejected");

	/* s = L with small-order A and R would pass the equation (L = 0). */
	memset(bad, 0, 64);
	memcpy(bad + 32, l, 32);
	memset(pub, 0, 32);
	ok(!rt_ed25519_verify(bad, NULL, 0, pub), "s = L rejected even where [s]B = 0 holds");
}

/* ZIP-215: every (A, R) pair of small-order encodings with s = 0 verifies
 * (196 cases); with s = 1 none does. */
static void test_small_order(void)
{
	static const uint8_t msg[] = "Zcash";
	uint8_t enc[14][32], sig[64];
	int i, j, valid = 0, valid_s1 = 0;

	for (i = 0; i < 14; i++)
		hex(small_order[i], enc[i], 32);
	for (i = 0; i < 14; i++) {
		for (j = 0; j < 14; j++) {
			memcpy(sig, enc[j], 32);
			memset(sig + 32, 0, 32);
			valid += rt_ed25519_verify(sig, msg, 5, enc[i]);
			sig[32] = 1;
			valid_s1 += rt_ed25519_verify(sig, msg, 5, enc[i]);
		}
	}
	ok_eq(valid, 196, "all 196 small-order (A, R) encodings with s = 0 verify");
	ok_eq(valid_s1, 0, "no small-order (A, R) with s = 1 verifies");

	/* sp-io `use_dalek_ext_works`: zero signature, zero key, empty msg. */
	memset(sig, 0, 64);
	ok(rt_ed25519_verify(sig, NULL, 0, enc[0]), "all-zero sig/key/empty msg verifies (zebra)");
	ok(crypto_sign_verify_detached(sig, (const uint8_t *)"", 0, enc[0]) != 0,
	   "libsodium rejects the same input (why ed25519 is hand-written)");
}

/* A key with a small-order component (A = aB + T, T of order 8): the
 * signature satisfies the cofactored equation only ([k]T != 0 as k = 1 mod
 * 8). Generated with a throw-away Python model of the curve. */
static void test_mixed_order(void)
{
	static const char msg[] = "pvf zip215 mixed-order key";
	uint8_t pub[32], sig[64];

	hex("329fd35780456fccf1a39bcc278225c4ec6d977064dc41b030ac87f34fa6e68b", pub, 32);
	hex("28b778996cfd8b08c445f4ccb41bbb3d6d8da99d718e1b7457dbc7c3f9065aa5"
	    "e94ebd2bd10571a3881dcca180bf5be15f72d58234c9982d9b4f8079f6592a0f",
	    sig, 64);
	ok(rt_ed25519_verify(sig, (const uint8_t *)msg, strlen(msg), pub),
	   "mixed-order key: cofactored equation accepts");
	ok(crypto_sign_verify_detached(sig, (const uint8_t *)msg, strlen(msg), pub) != 0,
	   "mixed-order key: cofactorless libsodium rejects");
	sig[40] ^= 4;
	ok(!rt_ed25519_verify(sig, (const uint8_t *)msg, strlen(msg), pub),
	   "mixed-order key: modified s rejected");
}

/* Encodings that are not curve points are rejected, as A or as R. */
static void test_not_on_curve(void)
{
	uint8_t pub[32], sig[64], bad[32] = {2}; /* y = 2: (y^2-1)/(dy^2+1) non-square */

	hex(rfc8032[0].pub, pub, 32);
	hex(rfc8032[0].sig, sig, 64);
	ok(!rt_ed25519_verify(sig, NULL, 0, bad), "A off the curve rejected");
	memcpy(sig, bad, 32);
	ok(!rt_ed25519_verify(sig, NULL, 0, pub), "R off the curve rejected");
	bad[0] = 7;
	memcpy(sig, bad, 32);
	memset(sig + 32, 0, 32);
	ok(!rt_ed25519_verify(sig, NULL, 0, bad), "A and R off the curve rejected");
}

/* Random keys and messages signed by libsodium all verify; a changed
 * message never does. */
static void test_random(void)
{
	uint8_t pub[32], sk[64], sig[64], msg[200];
	int i, good = 0, bad = 0;

	for (i = 0; i < 64; i++) {
		size_t len = (size_t)i * 3;

		crypto_sign_keypair(pub, sk);
		randombytes_buf(msg, len);
		crypto_sign_detached(sig, NULL, msg, len, sk);
		good += rt_ed25519_verify(sig, msg, len, pub);
		msg[len] = 0x5a;
		bad += rt_ed25519_verify(sig, msg, len + 1, pub);
	}
	ok_eq(good, 64, "64 random libsodium signatures verify");
	ok_eq(bad, 0, "none verifies for a longer message");
}

int main(void)
{
	if (rt_crypto_init() != 0) {
		printf("Bail out! rt_crypto_init failed\n");
		return 1;
	}
	test_rfc8032();
	test_s_canonical();
	test_small_order();
	test_mixed_order();
	test_not_on_curve();
	test_random();
	return tap_done();
}
