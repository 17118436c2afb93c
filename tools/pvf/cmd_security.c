/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf security-check: probes the sandbox layers on this machine (sbx_probe)
 * and prints each with its status. Exits 0 only when every layer pvf
 * requires works (pvf-host.md §5.1; sbx_status_secure), 1 when one is
 * missing, 3 when the probe could not run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "sandbox/sandbox.h"

static const char *requirement(enum sbx_layer l)
{
	if (sbx_layer_required(l))
		return "required";
	if (l == SBX_LAYER_LANDLOCK)
		return "required unless change-root works";
	if (l == SBX_LAYER_CHANGE_ROOT)
		return "required unless landlock works";
	return "optional";
}

static int parse_break(const char *s, unsigned *out)
{
	char buf[256], *tok, *save = NULL;
	int l;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (l = 0; l < SBX_LAYER_COUNT; l++)
			if (strcmp(tok, sbx_layer_name(l)) == 0)
				break;
		if (l == SBX_LAYER_COUNT) {
			fprintf(stderr, "pvf security-check: unknown layer `%s`\n", tok);
			return -1;
		}
		*out |= SBX_BIT(l);
	}
	return 0;
}

static void print_json(const struct sbx_status *st, bool secure, const char *why)
{
	json_t *root = json_object(), *layers = json_array();
	int l;

	for (l = 0; l < SBX_LAYER_COUNT; l++) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(sbx_layer_name(l)));
		json_object_set_new(o, "works", json_boolean(st->layer[l].state == SBX_WORKS));
		json_object_set_new(o, "required", json_string(requirement(l)));
		if (st->layer[l].state != SBX_WORKS)
			json_object_set_new(o, "reason", json_string(st->layer[l].reason));
		json_array_append_new(layers, o);
	}
	json_object_set_new(root, "layers", layers);
	json_object_set_new(root, "landlock_abi", json_integer(st->landlock_abi));
	json_object_set_new(root, "probed_as_nobody", json_boolean(st->as_root));
	json_object_set_new(root, "secure_validator_mode_possible", json_boolean(secure));
	if (!secure)
		json_object_set_new(root, "why", json_string(why));
	cli_print_json(root, JSON_INDENT(2));
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pvf security-check [--quiet | --json]\n\n"
		   "Probes each sandbox layer in a throw-away child process and prints\n"
		   "whether it works, and whether secure validator mode is possible.\n\n"
		   "options:\n"
		   "  -q, --quiet          print only the secure validator mode line\n"
		   "  --json               print the result as one JSON object\n"
		   "  --test-break LAYER,...  make layers fail as on an older kernel (tests)\n"
		   "  -h, --help           this text\n\n"
		   "exit status: 0 every required layer works, 1 a required layer is\n"
		   "missing, 2 usage, 3 the probe could not run\n");
}

int cmd_security(int argc, char **argv)
{
	struct sbx_status st;
	struct pvf_err err = {0};
	unsigned brk = 0;
	bool quiet = false, json = false, secure;
	char why[160];
	int i, l;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
			quiet = true;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--test-break") == 0 && i + 1 < argc) {
			if (parse_break(argv[++i], &brk) < 0)
				return CLI_EXIT_USAGE;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return CLI_EXIT_OK;
		} else {
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (sbx_probe(brk, &st, &err) < 0) {
		fprintf(stderr, "pvf security-check: %s\n", err.msg);
		return CLI_EXIT_ERROR;
	}
	secure = sbx_status_secure(&st, why, sizeof(why));
	if (json) {
		print_json(&st, secure, why);
		return secure ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	if (!quiet) {
		printf("sandbox layers (probed in a child process%s):\n",
		       st.as_root ? " as `nobody`, since we run as root" : "");
		for (l = 0; l < SBX_LAYER_COUNT; l++) {
			if (st.layer[l].state == SBX_WORKS)
				printf("  %-15s works    %s\n", sbx_layer_name(l), requirement(l));
			else
				printf("  %-15s MISSING  %-35s %s\n", sbx_layer_name(l),
				       requirement(l), st.layer[l].reason);
		}
		if (st.landlock_abi > 0)
			printf("landlock ABI: %d\n", st.landlock_abi);
		else
			printf("landlock ABI: none\n");
	}
	if (secure)
		printf("secure validator mode: possible\n");
	else
		printf("secure validator mode: NOT possible: %s\n", why);
	return secure ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
