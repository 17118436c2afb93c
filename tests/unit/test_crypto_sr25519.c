/* SPDX-License-Identifier: Apache-2.0 */
/* Merlin transcripts and sr25519 (schnorrkel) verification. */
#include <sodium.h>

#include "base/base.h"
#include "runtime/crypto.h"
#include "tap.h"

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

/* merlin crate `equivalence_simple` (also gtank/merlin TestSimpleTranscript). */
static void test_merlin_simple(void)
{
	struct rt__merlin t;
	uint8_t got[32], want[32];

	rt__merlin_init(&t, "test protocol", 13);
	rt__merlin_append(&t, "some label", 10, "some data", 9);
	rt__merlin_challenge(&t, "challenge", 9, got, 32);
	hex("d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615", want, 32);
	ok(memcmp(got, want, 32) == 0, "merlin simple transcript vector");
}

/* gtank/merlin TestComplexTranscript: 1 KiB messages cross many STROBE
 * blocks, challenges feed back into the transcript. */
static void test_merlin_complex(void)
{
	struct rt__merlin t;
	uint8_t data[1024], chl[32], want[32];
	int i;

	memset(data, 99, sizeof(data));
	rt__merlin_init(&t, "test protocol", 13);
	rt__merlin_append(&t, "step1", 5, "some data", 9);
	for (i = 0; i < 32; i++) {
		rt__merlin_challenge(&t, "challenge", 9, chl, 32);
		rt__merlin_append(&t, "bigdata", 7, data, sizeof(data));
		rt__merlin_append(&t, "challengedata", 13, chl, 32);
	}
	hex("a8c933f54fae76e3f9bea93648c1308e7dfa2152dd51674ff3ca438351cf003c", want, 32);
	ok(memcmp(chl, want, 32) == 0, "merlin complex transcript vector");
}

static const char alice_pub[] = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
static const char alice_msg[] =
	"I hereby verify that I control 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
static const char alice_sig[] =
	"1037eb7e51613d0dcf5930ae518819c87d655056605764840d9280984e1b7063"
	"c4566b55bf292fcab07b369d01095879b50517beca4d26e6a65866e25fec0d83";

/* runtime-abi.md 6.1: polkadot-js `can_verify_known_message`. */
static void test_known_vector(void)
{
	uint8_t pub[32], sig[64], bad[64];
	const uint8_t *msg = (const uint8_t *)alice_msg;
	size_t len = strlen(alice_msg);
	int bit, rejected = 0;

	hex(alice_pub, pub, 32);
	hex(alice_sig, sig, 64);
	ok(rt_sr25519_verify(sig, msg, len, pub), "known sr25519 signature verifies (v2)");
	ok(rt_sr25519_verify_deprecated(sig, msg, len, pub),
	   "known sr25519 signature verifies (v1, marked path)");

	for (bit = 0; bit < 512; bit++) {
		memcpy(bad, sig, 64);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		rejected += !rt_sr25519_verify(bad, msg, len, pub);
	}
	ok_eq(rejected, 512, "all 512 signature bit flips rejected");

	ok(!rt_sr25519_verify(sig, msg, len - 1, pub), "shortened message rejected");
	memcpy(bad, pub, 32);
	bad[5] ^= 0x10;
	ok(!rt_sr25519_verify(sig, msg, len, bad), "other key rejected");

	/* Without the marker: v2 refuses; v1 tries the pre-audit transcript,
	 * which does not match a new-style signature. */
	memcpy(bad, sig, 64);
	bad[63] &= 0x7f;
	ok(!rt_sr25519_verify(bad, msg, len, pub), "marker bit cleared: v2 rejects");
	ok(!rt_sr25519_verify_deprecated(bad, msg, len, pub),
	   "marker bit cleared: v1 pre-audit check fails too");
}

/* runtime-abi.md 6.1: sp-core `verify_known_old_message_should_work`. */
static void test_old_message(void)
{
	static const char msg[] = "Verifying that I am the owner of "
				  "5G9hQLdsKQswNPgB499DeA5PkFBbgkLPJWkkS6FAM6xGQ8xD. "
				  "Hash: 221455a3\n";
	uint8_t pub[32], sig[64];

	hex("b4bfa1f7a5166695eb75299fd1c4c03ea212871c342f2c5dfea0902b2c246918", pub, 32);
	hex("5a9755f069939f45d96aaf125cf5ce7ba1db998686f87f2fb3cbdea922078741"
	    "a73891ba265f70c31436e18a9acd14d189d73c12317ab6c313285cd938453202",
	    sig, 64);
	ok(!rt_sr25519_verify(sig, (const uint8_t *)msg, strlen(msg), pub),
	   "pre-audit signature: v2 rejects (no marker)");
	ok(rt_sr25519_verify_deprecated(sig, (const uint8_t *)msg, strlen(msg), pub),
	   "pre-audit signature: v1 accepts");
	sig[0] ^= 1;
	ok(!rt_sr25519_verify_deprecated(sig, (const uint8_t *)msg, strlen(msg), pub),
	   "pre-audit signature with a flipped R bit: v1 rejects");
}

/* s must be < L: s + L (same value mod L, marker still set) is rejected. */
static void test_s_canonical(void)
{
	static const char *l_hex = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
	uint8_t pub[32], sig[64], l[32];
	unsigned c = 0;
	int i;

	hex(alice_pub, pub, 32);
	hex(alice_sig, sig, 64);
	hex(l_hex, l, 32);
	sig[63] &= 0x7f;
	for (i = 0; i < 32; i++) {
		c += (unsigned)sig[32 + i] + l[i];
		sig[32 + i] = (uint8_t)c;
		c >>= 8;
	}
	sig[63] |= 0x80;
	ok(!rt_sr25519_verify(sig, (const uint8_t *)alice_msg, strlen(alice_msg), pub),
	   "s + L rejected (v2)");
	ok(!rt_sr25519_verify_deprecated(sig, (const uint8_t *)alice_msg, strlen(alice_msg), pub),
	   "s + L rejected (v1)");
}

/* Public keys must be canonical Ristretto encodings; the identity is one. */
static void test_pubkeys(void)
{
	uint8_t pub[32], sig[64], base[32], one[32] = {1};
	const uint8_t *msg = (const uint8_t *)"any message";

	hex(alice_pub, pub, 32);
	hex(alice_sig, sig, 64);
	pub[31] |= 0x80; /* bit 255 set: never canonical */
	ok(!rt_sr25519_verify(sig, (const uint8_t *)alice_msg, strlen(alice_msg), pub),
	   "non-canonical public key rejected");
	memset(pub, 0xff, 32);
	ok(!rt_sr25519_verify(sig, (const uint8_t *)alice_msg, strlen(alice_msg), pub),
	   "0xff.. public key rejected");

	/* RFC 9496: [1]B encodes as e2f2ae0a... */
	ok(crypto_scalarmult_ristretto255_base(base, one) == 0, "[1]B computed");
	hex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76", sig, 32);
	ok(memcmp(base, sig, 32) == 0, "Ristretto255 base point encoding");

	/* Identity key: [s]B - [k]0 = [s]B, so (R = B, s = 1) verifies for any
	 * message and (R = 0, s = 0) too; libsodium's identity results must
	 * not leak into the answer. */
	memset(pub, 0, 32);
	memcpy(sig, base, 32);
	memset(sig + 32, 0, 32);
	sig[32] = 1;
	sig[63] |= 0x80;
	ok(rt_sr25519_verify(sig, msg, 11, pub), "identity key, R = B, s = 1 verifies");
	sig[32] = 2;
	ok(!rt_sr25519_verify(sig, msg, 11, pub), "identity key, R = B, s = 2 rejected");
	memset(sig, 0, 64);
	sig[63] = 0x80;
	ok(rt_sr25519_verify(sig, msg, 11, pub), "identity key, R = 0, s = 0 verifies");
}

/* A schnorrkel-style signer for the test (random nonce): R = rB,
 * k = challenge, s = r + k a. */
static void test_sign(const uint8_t a[32], const uint8_t pub[32], const uint8_t *msg,
		      size_t len, uint8_t sig[64])
{
	struct rt__merlin t;
	uint8_t r[32], k[32], wide[64], ka[32];

	crypto_core_ristretto255_scalar_random(r);
	crypto_scalarmult_ristretto255_base(sig, r);
	rt__merlin_init(&t, "SigningContext", 14);
	rt__merlin_append(&t, "", 0, "substrate", 9);
	rt__merlin_append(&t, "sign-bytes", 10, msg, len);
	rt__merlin_append(&t, "proto-name", 10, "Schnorr-sig", 11);
	rt__merlin_append(&t, "sign:pk", 7, pub, 32);
	rt__merlin_append(&t, "sign:R", 6, sig, 32);
	rt__merlin_challenge(&t, "sign:c", 6, wide, 64);
	crypto_core_ristretto255_scalar_reduce(k, wide);
	crypto_core_ristretto255_scalar_mul(ka, k, a);
	crypto_core_ristretto255_scalar_add(sig + 32, r, ka);
	sig[63] |= 0x80;
}

static void test_random(void)
{
	uint8_t a[32], pub[32], sig[64], msg[300];
	int i, good = 0, bad = 0;

	for (i = 0; i < 32; i++) {
		size_t len = (size_t)i * 9;

		crypto_core_ristretto255_scalar_random(a);
		crypto_scalarmult_ristretto255_base(pub, a);
		randombytes_buf(msg, len);
		test_sign(a, pub, msg, len, sig);
		good += rt_sr25519_verify(sig, msg, len, pub);
		good += rt_sr25519_verify_deprecated(sig, msg, len, pub);
		msg[len] = 1;
		bad += rt_sr25519_verify(sig, msg, len + 1, pub);
	}
	ok_eq(good, 64, "32 random signatures verify with v2 and v1");
	ok_eq(bad, 0, "none verifies for another message");
}

int main(void)
{
	if (rt_crypto_init() != 0) {
		printf("Bail out! rt_crypto_init failed\n");
		return 1;
	}
	test_merlin_simple();
	test_merlin_complex();
	test_known_vector();
	test_old_message();
	test_s_canonical();
	test_pubkeys();
	test_random();
	return tap_done();
}
