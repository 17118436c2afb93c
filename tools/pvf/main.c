/* SPDX-License-Identifier: Apache-2.0 */
/* pvf: command-line entry point. */
#include "cli.h"

static const struct cli_cmd commands[] = {
	{"wasm", cmd_wasm, "WebAssembly engine tools: validate, run, info, spectest"},
	{"security-check", cmd_security, "probe the sandbox layers; exit 0 if the required ones work"},
	{"call", cmd_pvf_call, "call a runtime export (Core_version, ...) with storage in memory"},
	{"precheck", cmd_pvf_precheck, "pre-check validation code through the validation host"},
	{"validate", cmd_pvf_validate, "run validate_block of a PVF on ValidationParams"},
	{"host", cmd_host, "run a validation host serving JSON-line requests on stdin"},
	{"serve", cmd_serve, "serve the validation host on a Unix socket, metrics over HTTP"},
};

int main(int argc, char **argv)
{
	return cli_dispatch("pvf", commands, sizeof(commands) / sizeof(commands[0]),
			    argc, argv);
}
