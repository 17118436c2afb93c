/* SPDX-License-Identifier: Apache-2.0 */
/* Legacy batch verification: start/finish_batch_verify and *_batch_verify. */
#include <errno.h>

#include "base/base.h"
#include "runtime/crypto.h"
#include "tap.h"

int main(void)
{
	struct rt_batch_verify b = RT_BATCH_VERIFY_INIT;
	uint8_t zero_sig[64] = {0}, zero_pub[32] = {0}, bad_sig[64] = {0};
	bool out = false;

	if (rt_crypto_init() != 0) {
		printf("Bail out! rt_crypto_init failed\n");
		return 1;
	}

	/* finish without start: the reference panics (trap). */
	ok_eq(rt_batch_verify_finish(&b, &out), -EINVAL, "finish without start refused");

	/* Outside a batch, results pass through and are not remembered. */
	ok(!rt_batch_verify_record(&b, false), "no batch: false returned as is");
	ok(rt_batch_verify_record(&b, true), "no batch: true returned as is");

	/* Empty batch: true. */
	ok_eq(rt_batch_verify_start(&b), 0, "start");
	ok(rt_batch_verify_finish(&b, &out) == 0 && out, "empty batch finishes true");
	ok_eq(rt_batch_verify_finish(&b, &out), -EINVAL, "second finish refused");

	/* All good. */
	ok_eq(rt_batch_verify_start(&b), 0, "start again after finish");
	ok(rt_batch_verify_record(&b, true) && rt_batch_verify_record(&b, true),
	   "true results returned immediately");
	ok(rt_batch_verify_finish(&b, &out) == 0 && out, "all-true batch finishes true");

	/* One failure: each call still returns its own result; the batch is
	 * false. A nested start is refused and leaves the batch untouched. */
	ok_eq(rt_batch_verify_start(&b), 0, "start");
	ok(rt_batch_verify_record(&b, rt_ed25519_verify(zero_sig, NULL, 0, zero_pub)),
	   "ed25519 batch_verify of a ZIP-215-valid signature returns true");
	bad_sig[32] = 1;
	ok(!rt_batch_verify_record(&b, rt_ed25519_verify(bad_sig, NULL, 0, zero_pub)),
	   "ed25519 batch_verify of an invalid signature returns false immediately");
	ok(rt_batch_verify_record(&b, true), "a later valid one returns true");
	ok_eq(rt_batch_verify_start(&b), -EALREADY, "start while active refused");
	ok(rt_batch_verify_finish(&b, &out) == 0 && !out, "batch with a failure finishes false");

	/* A failure before start does not leak into the next batch. */
	rt_batch_verify_record(&b, false);
	ok_eq(rt_batch_verify_start(&b), 0, "start");
	ok(rt_batch_verify_finish(&b, &out) == 0 && out, "earlier failure not carried over");
	return tap_done();
}
