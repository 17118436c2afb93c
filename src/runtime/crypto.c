/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto module set-up and the legacy batch-verification flag. */
#include <errno.h>
#include <secp256k1.h>
#include <sodium.h>

#include "crypto.h"

int rt_crypto_init(void)
{
	/* sodium_init() is thread-safe and returns 1 when already done. */
	if (sodium_init() < 0)
		return -EIO;
	/* Aborts (via the default illegal callback) if the library is broken
	 * for this platform; we use its static context for recovery. */
	secp256k1_selftest();
	return 0;
}

/*
 * sp-io (register_only since 2023): start_batch_verify registers a
 * `VerificationExtDeprecated(true)` extension, which fails (panic) if one is
 * registered already; each *_batch_verify verifies immediately and ANDs its
 * result into the extension if present; finish_batch_verify reads the flag
 * and deregisters the extension, panicking if there is none.
 */
int rt_batch_verify_start(struct rt_batch_verify *b)
{
	if (b->active)
		return -EALREADY;
	b->active = true;
	b->all_ok = true;
	return 0;
}

bool rt_batch_verify_record(struct rt_batch_verify *b, bool result)
{
	if (b->active)
		b->all_ok = b->all_ok && result;
	return result;
}

int rt_batch_verify_finish(struct rt_batch_verify *b, bool *out)
{
	if (!b->active)
		return -EINVAL;
	*out = b->all_ok;
	b->active = false;
	b->all_ok = false;
	return 0;
}
