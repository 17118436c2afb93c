/* SPDX-License-Identifier: Apache-2.0 */
/* pvf: command-line entry point. */
#include "cli.h"

static const struct cli_cmd commands[] = {
	{"wasm", cmd_wasm, "WebAssembly engine tools: validate, run, info, spectest"},
	{"call", cmd_pvf_call, "call a runtime export (Core_version, ...) with storage in memory"},
	{"validate", cmd_pvf_validate, "run validate_block of a PVF on ValidationParams"},
};

int main(int argc, char **argv)
{
	return cli_dispatch("pvf", commands, sizeof(commands) / sizeof(commands[0]),
			    argc, argv);
}
