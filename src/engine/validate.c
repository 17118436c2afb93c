/* SPDX-License-Identifier: Apache-2.0 */
/* Validator (placeholder until the validator lands). */
#include "engine_int.h"

enum eng_status eng__validate(struct eng_module *m, struct eng_error *err)
{
	(void)m;
	return eng__error(err, ENG_ERR_INVALID, 0, "validator not built yet");
}
