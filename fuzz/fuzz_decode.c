/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: decode + validate arbitrary bytes in both profiles.
 * Built as `fuzz_decode` (libFuzzer) and `fuzz_decode_replay FILE...`. */
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum eng_profile profiles[] = {ENG_PROFILE_FULL, ENG_PROFILE_PVF};
	struct eng_module_config mc = {0};
	struct eng_error err;
	struct eng_module *m;
	size_t i;

	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		mc.profile = profiles[i];
		if (eng_module_new(data, size, &mc, &m, &err) == ENG_OK)
			eng_module_free(m);
	}
	return 0;
}
