/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sr25519 verification: schnorrkel 0.11 Schnorr signatures over Ristretto255
 * with Merlin transcripts, signing context "substrate" (sp-core).
 *
 * Ristretto255 decoding, encoding and arithmetic come from libsodium. Its
 * scalar multiplications return -1 when the result is the identity (after
 * writing the all-zero encoding); schnorrkel has no such restriction, so an
 * identity result is mapped back to the zero encoding here.
 */
#include <sodium.h>
#include <string.h>

#include "crypto.h"

static const char signing_ctx[] = "substrate";

/* out = [scalar]P, or [scalar]B when point is NULL. point must be a valid
 * encoding. scalar must be < L (libsodium clears bit 255 otherwise). */
static void ristretto_mul(uint8_t out[32], const uint8_t scalar[32], const uint8_t *point)
{
	int rc;

	if (point)
		rc = crypto_scalarmult_ristretto255(out, scalar, point);
	else
		rc = crypto_scalarmult_ristretto255_base(out, scalar);
	if (rc != 0)
		memset(out, 0, 32); /* identity */
}

/* Accept iff compress([s]B - [k]A) == R, with k the 64-byte challenge
 * reduced mod L. pub must be a valid Ristretto encoding. */
static bool check_equation(const uint8_t r_bytes[32], const uint8_t s[32],
			   const uint8_t challenge[64], const uint8_t pub[32])
{
	uint8_t k[32], sb[32], ka[32], r_prime[32];

	crypto_core_ristretto255_scalar_reduce(k, challenge);
	ristretto_mul(sb, s, NULL);
	ristretto_mul(ka, k, pub);
	if (crypto_core_ristretto255_sub(r_prime, sb, ka) != 0)
		return false; /* cannot happen: both are valid encodings */
	return memcmp(r_prime, r_bytes, 32) == 0;
}

/* schnorrkel PublicKey::verify with SigningContext("substrate").bytes(msg). */
static bool verify_marked(const uint8_t r_bytes[32], const uint8_t s[32], const uint8_t *msg,
			  size_t msg_len, const uint8_t pub[32])
{
	struct rt__merlin t;
	uint8_t challenge[64];

	rt__merlin_init(&t, "SigningContext", 14);
	rt__merlin_append(&t, "", 0, signing_ctx, strlen(signing_ctx));
	rt__merlin_append(&t, "sign-bytes", 10, msg, msg_len);
	rt__merlin_append(&t, "proto-name", 10, "Schnorr-sig", 11);
	rt__merlin_append(&t, "sign:pk", 7, pub, 32);
	rt__merlin_append(&t, "sign:R", 6, r_bytes, 32);
	rt__merlin_challenge(&t, "sign:c", 6, challenge, sizeof(challenge));
	return check_equation(r_bytes, s, challenge, pub);
}

/* The pre-audit (schnorrkel 0.1) transcript: Transcript("substrate") with
 * "sign-bytes", "proto-name", "pk", "no" and an empty challenge label. */
static bool verify_preaudit(const uint8_t r_bytes[32], const uint8_t s[32], const uint8_t *msg,
			    size_t msg_len, const uint8_t pub[32])
{
	struct rt__merlin t;
	uint8_t challenge[64];

	rt__merlin_init(&t, signing_ctx, strlen(signing_ctx));
	rt__merlin_append(&t, "sign-bytes", 10, msg, msg_len);
	rt__merlin_append(&t, "proto-name", 10, "Schnorr-sig", 11);
	rt__merlin_append(&t, "pk", 2, pub, 32);
	rt__merlin_append(&t, "no", 2, r_bytes, 32);
	rt__merlin_challenge(&t, "", 0, challenge, sizeof(challenge));
	return check_equation(r_bytes, s, challenge, pub);
}

/* Splits sig into R and s with the marker bit cleared; false if s is not
 * canonical. R is kept as bytes (compared, never decoded). */
static bool parse_sig(const uint8_t sig[64], uint8_t s[32])
{
	memcpy(s, sig + 32, 32);
	s[31] &= 0x7f;
	return rt__sc25519_is_canonical(s);
}

bool rt_sr25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len,
		       const uint8_t pub[32])
{
	uint8_t s[32];

	if (!crypto_core_ristretto255_is_valid_point(pub))
		return false;
	if ((sig[63] & 0x80) == 0)
		return false; /* NotMarkedSchnorrkel */
	if (!parse_sig(sig, s))
		return false;
	return verify_marked(sig, s, msg, msg_len, pub);
}

bool rt_sr25519_verify_deprecated(const uint8_t sig[64], const uint8_t *msg, size_t msg_len,
				  const uint8_t pub[32])
{
	uint8_t s[32];

	if (!crypto_core_ristretto255_is_valid_point(pub))
		return false;
	/* Marked or not, s (marker cleared) must be canonical. */
	if (!parse_sig(sig, s))
		return false;
	if (sig[63] & 0x80)
		return verify_marked(sig, s, msg, msg_len, pub);
	return verify_preaudit(sig, s, msg, msg_len, pub);
}
