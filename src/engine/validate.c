/* SPDX-License-Identifier: Apache-2.0 */
/* Validator (placeholder: accepts every decoded module). */
#include "engine_int.h"

enum eng_status eng__validate(struct eng_module *m, struct eng_error *err)
{
	(void)m;
	(void)err;
	return ENG_OK;
}
