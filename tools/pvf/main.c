/* SPDX-License-Identifier: Apache-2.0 */
/* pvf: command-line entry point. PVF_VERSION comes from tools/meson.build. */
#include "cli.h"

static const char description[] =
	"pvf checks and runs Polkadot parachain validation functions (PVFs): the\n"
	"WebAssembly code of a parachain and its validate_block entry point. It\n"
	"has its own WebAssembly engine with the PVF profile of the Polkadot\n"
	"validation pipeline, pre-checks and validates candidates, and probes the\n"
	"sandbox that worker processes run in.\n";

static const char sections[] =
	"environment:\n"
	"  PVF_WORKER_DIR   where precheck, validate and host look for the worker\n"
	"                   programs when --worker-dir is not given; then next to\n"
	"                   pvf, in ../workers and in ../libexec/pvf (installed)\n"
	"  TMPDIR           where temporary artifact caches are created (/tmp)\n"
	"  PVF_PROGRESS_DELAY_MS\n"
	"                   how long a preparation runs before precheck, validate\n"
	"                   and call show their progress line (1000)\n";

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
	static const struct cli_prog prog = {
		.name = "pvf",
		.version = PVF_VERSION,
		.description = description,
		.sections = sections,
		.cmds = commands,
		.ncmds = sizeof(commands) / sizeof(commands[0]),
	};

	return cli_main(&prog, argc, argv);
}
