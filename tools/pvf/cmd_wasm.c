/* SPDX-License-Identifier: Apache-2.0 */
/* pvf wasm: engine tools (placeholder until the engine lands). */
#include <stdio.h>

#include "cli.h"

int cmd_wasm(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pvf wasm: not built yet\n");
	return CLI_EXIT_ERROR;
}
