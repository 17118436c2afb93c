/* SPDX-License-Identifier: Apache-2.0 */
/* Executor placeholder until the interpreter lands. */
#include "../engine_int.h"

void eng__exec_module_free(struct eng_module *m)
{
	(void)m;
}
