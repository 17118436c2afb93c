/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf call: runs one export of a runtime the way a node calls runtime APIs,
 * with the PVF host functions plus storage on an in-memory state.
 *
 *   pvf call [--engine E] [--genesis FILE] [--decode version] [--stats] CODE EXPORT [HEX]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"
#include "base/scale.h"
#include "cli.h"
#include "runtime/runtime.h"

static void call_usage(FILE *f)
{
	fprintf(f,
		"usage: pvf call [OPTIONS] CODE EXPORT [HEX_INPUT]\n"
		"\n"
		"Calls EXPORT (e.g. Core_version, Metadata_metadata) of the runtime in CODE\n"
		"(plain Wasm, an 8-byte-prefixed zstd blob or a bare zstd frame) with the\n"
		"SCALE-encoded input HEX_INPUT (default: empty), in a fresh instance with the\n"
		"PVF host functions plus storage on an in-memory state, and prints the\n"
		"output as hex.\n"
		"\n"
		"options:\n"
		"  --genesis FILE       start from the genesis storage of a raw chain spec\n"
		"                       (genesis.raw.top); default: empty storage\n"
		"  --decode version     also print the output decoded as RuntimeVersion\n"
		"                       (for Core_version)\n"
		"  --stats              print the code's compilation, host-function calls and heap\n"
		"                       use to stderr\n"
		"  --json               print {\"output\": \"0x..\"} (and \"version\" with\n"
		"                       --decode version) as one JSON object\n"
		"  --engine E           native (default where supported) or interp\n"
		"  --progress           show the progress line (elapsed and CPU time of a\n"
		"                       preparation longer than 1 s) also when stderr is\n"
		"                       not a terminal, as a line every 5 s\n"
		"  --no-progress        never show it (default: on a terminal only)\n"
		"  -h, --help           this text\n"
		"\n"
		"exit status: 0 success, 1 the code is rejected or the call fails (reason on\n"
		"stderr), 2 usage, 3 I/O or internal error\n");
}

/* Prints a SCALE string as text, escaping anything unusual. */
static void print_str(const char *label, struct scale_slice s)
{
	size_t i;

	printf("%s", label);
	for (i = 0; i < s.len; i++) {
		uint8_t ch = s.data[i];

		if (ch >= 0x20 && ch < 0x7f)
			putchar(ch);
		else
			printf("\\x%02x", ch);
	}
	putchar('\n');
}

static int decode_version(const uint8_t *out, size_t len)
{
	struct rt_runtime_version v;
	enum scale_status st = rt_runtime_version_decode(out, len, -1, &v);
	uint32_t core = 0, i;

	if (st != SCALE_OK) {
		fprintf(stderr, "pvf call: the output is not a RuntimeVersion: %s\n",
			scale_status_str(st));
		return CLI_EXIT_FAIL;
	}
	print_str("spec_name: ", v.spec_name);
	print_str("impl_name: ", v.impl_name);
	printf("authoring_version: %" PRIu32 "\n", v.authoring_version);
	printf("spec_version: %" PRIu32 "\n", v.spec_version);
	printf("impl_version: %" PRIu32 "\n", v.impl_version);
	printf("apis: %" PRIu32 "\n", v.napis);
	for (i = 0; i < v.napis; i++) {
		const uint8_t *e = v.apis + (size_t)i * RT_API_ENTRY_SIZE;
		char id[17];

		base_hex_encode(e, 8, id);
		printf("  0x%s %" PRIu32 "\n", id,
		       (uint32_t)e[8] | (uint32_t)e[9] << 8 | (uint32_t)e[10] << 16 |
			       (uint32_t)e[11] << 24);
	}
	if (rt_runtime_version_core(v.apis, v.napis, &core))
		printf("core_version: %" PRIu32 "\n", core);
	printf("transaction_version: %" PRIu32 "%s\n", v.transaction_version,
	       v.has_transaction_version ? "" : " (default)");
	printf("system_version: %u%s\n", v.system_version,
	       v.has_system_version ? "" : " (default)");
	return CLI_EXIT_OK;
}

/* A SCALE string as JSON text (invalid UTF-8 is replaced by hex). */
static json_t *json_slice(struct scale_slice s)
{
	json_t *j = json_stringn((const char *)s.data, s.len);
	char *hex;

	if (j)
		return j;
	hex = malloc(2 * s.len + 1);
	if (!hex)
		return json_null();
	base_hex_encode(s.data, s.len, hex);
	j = json_string(hex);
	free(hex);
	return j;
}

/* --json: the output as hex, with the decoded RuntimeVersion if asked. */
static int print_json(const uint8_t *out, size_t len, const char *hex, bool decode)
{
	json_t *root = json_object(), *v, *apis;
	struct rt_runtime_version rv;
	enum scale_status st;
	uint32_t core = 0, i;
	char id[17];
	int rc = CLI_EXIT_OK;

	json_object_set_new(root, "output", json_sprintf("0x%s", hex));
	if (decode) {
		st = rt_runtime_version_decode(out, len, -1, &rv);
		if (st != SCALE_OK) {
			fprintf(stderr, "pvf call: the output is not a RuntimeVersion: %s\n",
				scale_status_str(st));
			rc = CLI_EXIT_FAIL;
		} else {
			v = json_object();
			json_object_set_new(v, "spec_name", json_slice(rv.spec_name));
			json_object_set_new(v, "impl_name", json_slice(rv.impl_name));
			json_object_set_new(v, "authoring_version", json_integer(rv.authoring_version));
			json_object_set_new(v, "spec_version", json_integer(rv.spec_version));
			json_object_set_new(v, "impl_version", json_integer(rv.impl_version));
			apis = json_array();
			for (i = 0; i < rv.napis; i++) {
				const uint8_t *e = rv.apis + (size_t)i * RT_API_ENTRY_SIZE;
				json_t *a = json_object();

				base_hex_encode(e, 8, id);
				json_object_set_new(a, "id", json_sprintf("0x%s", id));
				json_object_set_new(a, "version",
						    json_integer((uint32_t)e[8] | (uint32_t)e[9] << 8 |
								 (uint32_t)e[10] << 16 |
								 (uint32_t)e[11] << 24));
				json_array_append_new(apis, a);
			}
			json_object_set_new(v, "apis", apis);
			if (rt_runtime_version_core(rv.apis, rv.napis, &core))
				json_object_set_new(v, "core_version", json_integer(core));
			json_object_set_new(v, "transaction_version",
					    json_integer(rv.transaction_version));
			json_object_set_new(v, "system_version", json_integer(rv.system_version));
			json_object_set_new(root, "version", v);
		}
	}
	cli_print_json(root, JSON_INDENT(2));
	return rc;
}

static void print_code_stats(const struct rt_runtime *rt)
{
	struct rt_code_stats cs;

	rt_runtime_code_stats(rt, &cs);
	if (!cs.native) {
		fprintf(stderr, "code: interpreted\n");
		return;
	}
	fprintf(stderr, "code: native, %" PRIu32 " functions, %" PRIu32 " compiled, %" PRIu32
		" of them also by the optimising tier (LLVM), %" PRIu64 " bytes of machine code\n",
		cs.functions, cs.compiled, cs.optimised, cs.code_bytes);
	if (cs.opt_dropped)
		fprintf(stderr, "code: the optimising tier compiled nothing: %s\n", cs.opt_dropped);
}

static void print_stats(const struct rt_call_stats *st)
{
	uint32_t i;

	fprintf(stderr, "heap: base %" PRIu32 ", used %" PRIu32 " bytes, live %" PRIu32
		", peak %" PRIu32 "; memory %" PRIu32 " pages\n",
		st->heap_base, st->heap.address_space_used, st->heap.bytes_allocated,
		st->heap.bytes_allocated_peak, st->mem_pages);
	for (i = 0; i < st->nimports; i++)
		if (st->imports[i].calls)
			fprintf(stderr, "  %8" PRIu64 "  %.*s%s\n", st->imports[i].calls,
				(int)st->imports[i].name_len, st->imports[i].name,
				st->imports[i].stub ? " (stub)" : "");
}

int cmd_pvf_call(int argc, char **argv)
{
	struct rt_runtime_config cfg = {.tools = true};
	struct rt_call_stats stats = {0};
	struct rt_call_opts opts = {0};
	struct rt_runtime *rt = NULL;
	struct rt_storage *storage = NULL;
	struct rt_error err = {0};
	struct pvf_err perr = {0};
	const char *genesis = NULL, *decode = NULL;
	uint8_t *code = NULL, *input = NULL, *out = NULL;
	size_t code_len = 0, input_len = 0, out_len = 0;
	bool want_stats = false, json = false;
	enum cli_progress_mode pmode = CLI_PROGRESS_AUTO;
	struct cli_progress prog;
	char what[160];
	enum rt_err_kind kind;
	char *hex;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			call_usage(stdout);
			return CLI_EXIT_OK;
		}
		if (strcmp(a, "--engine") == 0 && i + 1 < argc) {
			if (!rt_engine_parse(argv[++i], &cfg.engine)) {
				fprintf(stderr, "pvf call: --engine takes native, interp or auto\n");
				return CLI_EXIT_USAGE;
			}
			continue;
		}
		if (strcmp(a, "--genesis") == 0 && i + 1 < argc) {
			genesis = argv[++i];
		} else if (strcmp(a, "--decode") == 0 && i + 1 < argc) {
			decode = argv[++i];
			if (strcmp(decode, "version") != 0) {
				fprintf(stderr, "pvf call: --decode knows only `version`\n");
				return CLI_EXIT_USAGE;
			}
		} else if (strcmp(a, "--stats") == 0) {
			want_stats = true;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--progress") == 0) {
			pmode = CLI_PROGRESS_ON;
		} else if (strcmp(a, "--no-progress") == 0) {
			pmode = CLI_PROGRESS_OFF;
		} else {
			fprintf(stderr, "pvf call: unknown option or missing value: %s\n\n", a);
			call_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - i < 2 || argc - i > 3) {
		call_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (argc - i == 3 &&
	    base_hex_decode(argv[i + 2], strlen(argv[i + 2]), &input, &input_len) < 0) {
		fprintf(stderr, "pvf call: HEX_INPUT is not hex: %s\n", argv[i + 2]);
		return CLI_EXIT_USAGE;
	}
	if (cli_read_code(argv[i], &code, &code_len) < 0) {
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	storage = rt_storage_new();
	if (!storage) {
		fprintf(stderr, "pvf call: out of memory\n");
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	if (genesis && rt_storage_load_genesis(storage, genesis, &perr) < 0) {
		fprintf(stderr, "pvf call: %s\n", perr.msg);
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	snprintf(what, sizeof(what), "preparing %s", argv[i]);
	cli_progress_start(&prog, "pvf call", what, pmode);
	kind = rt_runtime_prepare(code, code_len, &cfg, &rt, &err);
	cli_progress_end(&prog);
	if (kind != RT_OK) {
		fprintf(stderr, "pvf call: %s: %s: %s\n", argv[i], rt_err_kind_str(kind), err.msg);
		rc = kind == RT_ERR_INTERNAL ? CLI_EXIT_ERROR : CLI_EXIT_FAIL;
		goto out;
	}
	opts.storage = storage;
	opts.stats = want_stats ? &stats : NULL;
	kind = rt_runtime_call(rt, argv[i + 1], input, input_len, &opts, &out, &out_len, &err);
	if (want_stats) {
		print_code_stats(rt);
		print_stats(&stats);
	}
	if (kind != RT_OK) {
		fprintf(stderr, "pvf call: %s: %s: %s\n", argv[i + 1], rt_err_kind_str(kind),
			err.msg);
		rc = kind == RT_ERR_INTERNAL ? CLI_EXIT_ERROR : CLI_EXIT_FAIL;
		goto out;
	}
	hex = malloc(2 * out_len + 1);
	if (!hex) {
		fprintf(stderr, "pvf call: out of memory\n");
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	base_hex_encode(out, out_len, hex);
	if (json) {
		rc = print_json(out, out_len, hex, decode != NULL);
	} else {
		printf("0x%s\n", hex);
		rc = decode ? decode_version(out, out_len) : CLI_EXIT_OK;
	}
	free(hex);
out:
	rt_call_stats_deinit(&stats);
	free(out);
	rt_runtime_free(rt);
	rt_storage_free(storage);
	free(code);
	free(input);
	return rc;
}
