/* SPDX-License-Identifier: Apache-2.0 */
/* runtime internals shared between runtime files and their unit tests. */
#ifndef PVF_RUNTIME_INT_H
#define PVF_RUNTIME_INT_H

#include "runtime.h"

/* Keccak sponge with capacity 2 * out_len bytes (rate 200 - 2 * out_len),
 * multi-rate padding starting with `domain`: 0x01 = original Keccak (what
 * Substrate calls keccak_256/512), 0x06 = SHA-3. out_len in 1..64. */
void rt__keccak_sponge(const void *data, size_t len, uint8_t *out, size_t out_len,
		       uint8_t domain);

#endif /* PVF_RUNTIME_INT_H */
