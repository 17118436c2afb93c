/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf validate: runs validate_block of a PVF on one candidate's
 * ValidationParams, in-process, and prints the verdict.
 *
 *   pvf validate [--json] [--max-memory-pages N] [--stack-logical-max N]
 *                CODE --params FILE
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"
#include "base/scale.h"
#include "cli.h"
#include "engine/engine.h"
#include "runtime/runtime.h"

static void validate_usage(FILE *f)
{
	fprintf(f,
		"usage: pvf validate [OPTIONS] CODE --params FILE\n"
		"\n"
		"Prepares CODE (the validation code as stored on chain: plain Wasm or an\n"
		"8-byte-prefixed zstd blob) as Polkadot's PVF pipeline does, runs\n"
		"validate_block on the SCALE-encoded ValidationParams in FILE (binary, or hex\n"
		"text with optional 0x) and prints the decoded ValidationResult.\n"
		"\n"
		"options:\n"
		"  --params FILE            the ValidationParams (required)\n"
		"  --json                   machine-readable output on stdout\n"
		"  --max-memory-pages N     executor param MaxMemoryPages (memory limit N + 32)\n"
		"  --stack-logical-max N    executor param StackLogicalMax (default 65536)\n"
		"  -h, --help               this text\n"
		"\n"
		"exit status: 0 valid, 1 invalid candidate, 2 usage, 3 error (unreadable\n"
		"files, code that fails preparation, internal errors)\n");
}

static bool parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Hex text (optional 0x, surrounding whitespace) or raw bytes. */
static int read_params(const char *path, uint8_t **out, size_t *len)
{
	struct pvf_err err = {0};
	uint8_t *raw = NULL;
	size_t n = 0, a, b, i;
	bool hex = true;

	if (base_read_file(path, 4 * RT_POV_BOMB_LIMIT, &raw, &n, &err) < 0) {
		fprintf(stderr, "pvf validate: %s\n", err.msg);
		return -1;
	}
	for (a = 0; a < n && isspace(raw[a]); a++)
		;
	for (b = n; b > a && isspace(raw[b - 1]); b--)
		;
	if (b - a >= 2 && raw[a] == '0' && raw[a + 1] == 'x')
		a += 2;
	for (i = a; i < b && hex; i++)
		hex = isxdigit(raw[i]) != 0;
	if (hex && b > a && (b - a) % 2 == 0) {
		int rc = base_hex_decode((const char *)raw + a, b - a, out, len);

		free(raw);
		if (rc < 0) {
			fprintf(stderr, "pvf validate: %s: bad hex\n", path);
			return -1;
		}
		return 0;
	}
	*out = raw;
	*len = n;
	return 0;
}

static char *hex_of(const uint8_t *p, size_t len)
{
	char *s = malloc(2 * len + 3);

	if (!s)
		return NULL;
	s[0] = '0';
	s[1] = 'x';
	base_hex_encode(p, len, s + 2);
	return s;
}

static json_t *json_hex(const uint8_t *p, size_t len)
{
	char *s = hex_of(p, len);
	json_t *j = s ? json_string(s) : json_null();

	free(s);
	return j;
}

static void print_hex_line(const char *label, const uint8_t *p, size_t len)
{
	char *s = hex_of(p, len);

	printf("%s%s\n", label, s ? s : "(out of memory)");
	free(s);
}

static void print_result_text(const struct rt_validation_result *res)
{
	uint8_t h[32];
	uint32_t i;

	printf("valid\n");
	print_hex_line("head_data: ", res->head_data.data, res->head_data.len);
	if (res->has_new_code) {
		rt_validation_code_hash(res->new_validation_code.data, res->new_validation_code.len,
					h);
		printf("new_validation_code: %zu bytes, ", res->new_validation_code.len);
		print_hex_line("hash ", h, 32);
	} else {
		printf("new_validation_code: none\n");
	}
	printf("upward_messages: %" PRIu32 "\n", res->n_upward);
	for (i = 0; i < res->n_upward; i++)
		print_hex_line("  ", res->upward[i].data, res->upward[i].len);
	printf("horizontal_messages: %" PRIu32 "\n", res->n_horizontal);
	for (i = 0; i < res->n_horizontal; i++) {
		printf("  to %" PRIu32 ": ", res->horizontal[i].recipient);
		print_hex_line("", res->horizontal[i].data.data, res->horizontal[i].data.len);
	}
	printf("processed_downward_messages: %" PRIu32 "\n", res->processed_downward_messages);
	printf("hrmp_watermark: %" PRIu32 "\n", res->hrmp_watermark);
}

static json_t *result_json(const struct rt_validation_result *res, const uint8_t *out,
			   size_t out_len)
{
	json_t *j = json_object(), *up = json_array(), *hz = json_array();
	uint8_t h[32];
	uint32_t i;

	json_object_set_new(j, "valid", json_true());
	json_object_set_new(j, "head_data", json_hex(res->head_data.data, res->head_data.len));
	if (res->has_new_code) {
		json_t *c = json_object();

		rt_validation_code_hash(res->new_validation_code.data, res->new_validation_code.len,
					h);
		json_object_set_new(c, "len", json_integer((json_int_t)res->new_validation_code.len));
		json_object_set_new(c, "hash", json_hex(h, 32));
		json_object_set_new(j, "new_validation_code", c);
	} else {
		json_object_set_new(j, "new_validation_code", json_null());
	}
	for (i = 0; i < res->n_upward; i++)
		json_array_append_new(up, json_hex(res->upward[i].data, res->upward[i].len));
	json_object_set_new(j, "upward_messages", up);
	for (i = 0; i < res->n_horizontal; i++) {
		json_t *m = json_object();

		json_object_set_new(m, "recipient", json_integer(res->horizontal[i].recipient));
		json_object_set_new(m, "data", json_hex(res->horizontal[i].data.data,
							res->horizontal[i].data.len));
		json_array_append_new(hz, m);
	}
	json_object_set_new(j, "horizontal_messages", hz);
	json_object_set_new(j, "processed_downward_messages",
			    json_integer(res->processed_downward_messages));
	json_object_set_new(j, "hrmp_watermark", json_integer(res->hrmp_watermark));
	json_object_set_new(j, "output", json_hex(out, out_len));
	return j;
}

static json_t *failure_json(bool invalid, const struct rt_error *err)
{
	json_t *j = json_object();

	json_object_set_new(j, "valid", invalid ? json_false() : json_null());
	json_object_set_new(j, "kind", json_string(rt_err_kind_str(err->kind)));
	json_object_set_new(j, "error", json_string(err->msg));
	if (err->kind == RT_ERR_TRAP && err->trap)
		json_object_set_new(j, "trap", json_string(eng_trap_name((enum eng_trap)err->trap)));
	return j;
}

static void emit_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(j);
}

int cmd_pvf_validate(int argc, char **argv)
{
	struct rt_runtime_config cfg = {0};
	struct rt_validation_result res;
	struct arena a = ARENA_INIT;
	struct rt_runtime *rt = NULL;
	struct rt_error err = {0};
	struct pvf_err perr = {0};
	const char *params_path = NULL, *code_path = NULL;
	uint8_t *code = NULL, *params = NULL, *out = NULL;
	size_t code_len = 0, params_len = 0, out_len = 0;
	bool json = false;
	enum rt_err_kind kind;
	uint32_t n;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			validate_usage(stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(o, "--json") == 0) {
			json = true;
		} else if (strcmp(o, "--params") == 0 && i + 1 < argc) {
			params_path = argv[++i];
		} else if (strcmp(o, "--max-memory-pages") == 0 && i + 1 < argc) {
			if (!parse_u32(argv[++i], 1, RT_MEMORY_PAGES_MAX, &n)) {
				fprintf(stderr, "pvf validate: --max-memory-pages needs 1..65536\n");
				return CLI_EXIT_USAGE;
			}
			cfg.max_memory_pages = n + 32;
		} else if (strcmp(o, "--stack-logical-max") == 0 && i + 1 < argc) {
			if (!parse_u32(argv[++i], RT_LOGICAL_MAX_LO, RT_LOGICAL_MAX_HI, &n)) {
				fprintf(stderr, "pvf validate: --stack-logical-max needs %u..%u\n",
					RT_LOGICAL_MAX_LO, RT_LOGICAL_MAX_HI);
				return CLI_EXIT_USAGE;
			}
			cfg.logical_stack_max = n;
		} else if (o[0] == '-' && o[1] != '\0') {
			fprintf(stderr, "pvf validate: unknown option or missing value: %s\n\n", o);
			validate_usage(stderr);
			return CLI_EXIT_USAGE;
		} else if (!code_path) {
			code_path = o;
		} else {
			validate_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (!code_path || !params_path) {
		validate_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (base_read_file(code_path, RT_CODE_BLOB_BOMB_LIMIT, &code, &code_len, &perr) < 0) {
		fprintf(stderr, "pvf validate: %s\n", perr.msg);
		return CLI_EXIT_ERROR;
	}
	if (read_params(params_path, &params, &params_len) < 0) {
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	kind = rt_runtime_prepare(code, code_len, &cfg, &rt, &err);
	if (kind == RT_OK)
		kind = rt_validate_block(rt, params, params_len, &a, &out, &out_len, &res, &err);
	if (kind == RT_OK) {
		if (json)
			emit_json(result_json(&res, out, out_len));
		else
			print_result_text(&res);
		rc = CLI_EXIT_OK;
	} else if (rt_err_kind_is_invalid(kind)) {
		if (json)
			emit_json(failure_json(true, &err));
		else
			printf("invalid: %s: %s\n", rt_err_kind_str(kind), err.msg);
		rc = CLI_EXIT_FAIL;
	} else {
		if (json)
			emit_json(failure_json(false, &err));
		fprintf(stderr, "pvf validate: %s: %s: %s\n", code_path, rt_err_kind_str(kind),
			err.msg);
		rc = CLI_EXIT_ERROR;
	}
out:
	free(out);
	arena_deinit(&a);
	rt_runtime_free(rt);
	free(params);
	free(code);
	return rc;
}
