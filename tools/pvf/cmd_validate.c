/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf validate: runs validate_block of a PVF on one candidate's
 * ValidationParams and prints the verdict. By default the candidate goes
 * through the validation host (a prepare worker prepares the code, an
 * execute worker runs it in a job process); --in-process runs it here.
 *
 *   pvf validate [--json] [--cache DIR] [--exec-timeout S] [--worker-dir DIR]
 *                [--in-process] [--max-memory-pages N] [--stack-logical-max N]
 *                CODE --params FILE
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pvf/pvf.h>

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
		"text with optional 0x) and prints the decoded ValidationResult. By default\n"
		"this goes through the validation host and its sandboxed worker processes\n"
		"(the block data is then the PoV: a zstd-prefixed one is decompressed).\n"
		"\n"
		"options:\n"
		"  --params FILE            the ValidationParams (required)\n"
		"  --json                   machine-readable output on stdout\n"
		"  --max-memory-pages N     executor param MaxMemoryPages (memory limit N + 32)\n"
		"  --stack-logical-max N    executor param StackLogicalMax (default 65536)\n"
		"  --cache DIR              artifact cache directory (default: a temporary one)\n"
		"  --exec-timeout S         CPU-time limit of the execution (default 12)\n"
		"  --worker-dir DIR         where pvf-prepare-worker and pvf-execute-worker are\n"
		"  --in-process             run in this process, without the host\n"
		"  --engine E               native (default where supported) or interp, in\n"
		"                           this process or in the workers\n"
		"  --progress               show the progress line (elapsed and CPU time of\n"
		"                           a validation longer than 1 s, preparation\n"
		"                           included) also when stderr is not a terminal,\n"
		"                           as a line every 5 s\n"
		"  --no-progress            never show it (default: on a terminal only)\n"
		"  --insecure               start even if a required sandbox layer is missing\n"
		"  -v, --verbose            show the host's and the workers' log\n"
		"  -h, --help               this text\n"
		"\n"
		"exit status: 0 valid, 1 invalid candidate (also possibly-invalid: a job\n"
		"that died or a hard timeout), 2 usage, 3 error (unreadable files, code that\n"
		"fails preparation, internal errors)\n");
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
	cli_print_json(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

static void print_stats(bool json, json_t *j, double cpu_ms, double wall_ms, long peak_kib)
{
	if (json) {
		json_object_set_new(j, "cpu_time_ms", json_real(cpu_ms));
		json_object_set_new(j, "wall_time_ms", json_real(wall_ms));
		json_object_set_new(j, "peak_memory_kib", json_integer(peak_kib));
		return;
	}
	printf("cpu time: %.1f ms, wall time: %.1f ms, peak memory: %ld KiB\n", cpu_ms, wall_ms,
	       peak_kib);
}

/* ---- through the validation host ---------------------------------------------- */

struct exec_wait {
	bool done;
	enum pvf_exec_status status;
	int reason;
	char msg[512];
	char text[700];
	uint8_t *result;
	size_t result_len;
	uint64_t cpu_ns;
};

static void exec_cb(void *ud, const struct pvf_exec_result *r)
{
	struct exec_wait *ew = ud;

	ew->done = true;
	ew->status = r->status;
	ew->reason = r->reason;
	snprintf(ew->msg, sizeof(ew->msg), "%s", r->msg ? r->msg : "");
	pvf_exec_result_format(r, ew->text, sizeof(ew->text));
	ew->cpu_ns = r->cpu_time_ns;
	if (r->status == PVF_EXEC_OK && r->validation_result_len) {
		ew->result = malloc(r->validation_result_len);
		if (ew->result) {
			memcpy(ew->result, r->validation_result, r->validation_result_len);
			ew->result_len = r->validation_result_len;
		}
	}
}

static const char *status_name(enum pvf_exec_status st)
{
	switch (st) {
	case PVF_EXEC_OK:
		return "valid";
	case PVF_EXEC_PREPARATION:
		return "preparation";
	case PVF_EXEC_INVALID:
		return "invalid";
	case PVF_EXEC_POSSIBLY_INVALID:
		return "possibly-invalid";
	case PVF_EXEC_INTERNAL:
		return "internal";
	case PVF_EXEC_DEADLINE:
		return "deadline";
	case PVF_EXEC_CANCELLED:
	default:
		return "cancelled";
	}
}

static int validate_host(struct cli_host *ch, const char *code_path, const uint8_t *code,
			 size_t code_len, const uint8_t *params, size_t params_len,
			 const struct buf *exec_params, uint64_t timeout_ms, bool json,
			 struct cli_progress *prog)
{
	struct rt_validation_params vp;
	struct rt_validation_result res;
	struct pvf_execute_req req = {0};
	struct exec_wait ew = {0};
	struct scale_reader r;
	struct arena a = ARENA_INIT;
	uint64_t t0;
	double wall_ms;
	json_t *j;
	int ret, rc;

	scale_reader_init(&r, params, params_len);
	if (rt_validation_params_read(&r, &vp) != SCALE_OK || scale_expect_end(&r) != SCALE_OK) {
		fprintf(stderr, "pvf validate: the params file is not a SCALE ValidationParams\n");
		return CLI_EXIT_ERROR;
	}
	t0 = base_now_ns();
	if (cli_host_open(ch, "pvf validate") < 0)
		return CLI_EXIT_ERROR;
	req.pvf.code = code;
	req.pvf.code_len = code_len;
	req.pvf.bomb_limit = RT_CODE_BLOB_BOMB_LIMIT;
	req.pvf.executor_params = exec_params->data;
	req.pvf.executor_params_len = exec_params->len;
	req.pvf.prep_timeout_ms = RT_DEFAULT_LENIENT_PREP_TIMEOUT_MS;
	req.pvf.prep_kind = PVF_PREP_COMPILATION;
	req.exec_timeout_ms = timeout_ms;
	req.pvd.parent_head = vp.parent_head.data;
	req.pvd.parent_head_len = vp.parent_head.len;
	req.pvd.relay_parent_number = vp.relay_parent_number;
	memcpy(req.pvd.relay_parent_storage_root, vp.relay_parent_storage_root, 32);
	req.pvd.max_pov_size = RT_MAX_POV_SIZE;
	req.pov = vp.block_data.data;
	req.pov_len = vp.block_data.len;
	req.priority = PVF_PRIO_CRITICAL;
	req.kind = PVF_EXEC_APPROVAL;
	ret = pvf_execute_wait(ch->h, &req, exec_cb, &ew);
	cli_progress_end(prog);
	wall_ms = (double)(base_now_ns() - t0) / 1e6;
	cli_host_close(ch);
	if (ret < 0) {
		fprintf(stderr, "pvf validate: %s\n", strerror(-ret));
		return CLI_EXIT_ERROR;
	}
	if (ew.status == PVF_EXEC_OK) {
		scale_reader_init(&r, ew.result, ew.result_len);
		if (rt_validation_result_read(&r, &a, &res) != SCALE_OK) {
			fprintf(stderr, "pvf validate: the worker's ValidationResult does not decode\n");
			rc = CLI_EXIT_ERROR;
			goto out;
		}
		if (json) {
			j = result_json(&res, ew.result, ew.result_len);
			print_stats(true, j, (double)ew.cpu_ns / 1e6, wall_ms, ch->job_max_rss_kib);
			emit_json(j);
		} else {
			print_result_text(&res);
			print_stats(false, NULL, (double)ew.cpu_ns / 1e6, wall_ms, ch->job_max_rss_kib);
		}
		rc = CLI_EXIT_OK;
		goto out;
	}
	rc = ew.status == PVF_EXEC_INVALID || ew.status == PVF_EXEC_POSSIBLY_INVALID ?
	     CLI_EXIT_FAIL : CLI_EXIT_ERROR;
	if (json) {
		j = json_object();
		json_object_set_new(j, "valid", rc == CLI_EXIT_FAIL ? json_false() : json_null());
		json_object_set_new(j, "kind", json_string(status_name(ew.status)));
		json_object_set_new(j, "error", json_string(ew.text));
		print_stats(true, j, (double)ch->job_cpu_ns / 1e6, wall_ms, ch->job_max_rss_kib);
		emit_json(j);
	} else if (rc == CLI_EXIT_FAIL) {
		/* The worker's own words for a reported invalid candidate
		 * (the same text as --in-process), the verdict otherwise. */
		if (ew.status == PVF_EXEC_INVALID && ew.reason == PVF_INVALID_WORKER_REPORTED)
			printf("invalid: %s\n", ew.msg);
		else
			printf("%s\n", ew.text);
		print_stats(false, NULL, (double)ch->job_cpu_ns / 1e6, wall_ms, ch->job_max_rss_kib);
	}
	if (rc == CLI_EXIT_ERROR)
		fprintf(stderr, "pvf validate: %s: %s\n", code_path, ew.text);
out:
	arena_deinit(&a);
	free(ew.result);
	return rc;
}

/* ---- in-process ------------------------------------------------------------------ */

static int validate_in_process(const char *code_path, const uint8_t *code, size_t code_len,
			       const uint8_t *params, size_t params_len,
			       const struct rt_runtime_config *cfg, bool json,
			       struct cli_progress *prog)
{
	struct rt_validation_result res;
	struct arena a = ARENA_INIT;
	struct rt_runtime *rt = NULL;
	struct rt_error err = {0};
	uint8_t *out = NULL;
	size_t out_len = 0;
	enum rt_err_kind kind;
	int rc;

	kind = rt_runtime_prepare(code, code_len, cfg, &rt, &err);
	if (kind == RT_OK)
		kind = rt_validate_block(rt, params, params_len, &a, &out, &out_len, &res, &err);
	cli_progress_end(prog);
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
	free(out);
	arena_deinit(&a);
	rt_runtime_free(rt);
	return rc;
}

static void add_exec_param(struct rt_exec_params *ep, struct rt_exec_param *slot,
			   enum rt_exec_param_tag tag, uint64_t value)
{
	slot->tag = tag;
	slot->kind = 0;
	slot->value = value;
	ep->n++;
}

int cmd_pvf_validate(int argc, char **argv)
{
	struct rt_runtime_config cfg = {0};
	struct rt_exec_param items[2];
	struct rt_exec_params ep = {0, items};
	struct cli_host ch;
	struct pvf_err perr = {0};
	struct buf exec_params = BUF_INIT;
	const char *params_path = NULL, *code_path = NULL;
	uint8_t *code = NULL, *params = NULL;
	size_t code_len = 0, params_len = 0;
	uint64_t timeout_ms = RT_DEFAULT_APPROVAL_EXEC_TIMEOUT_MS;
	bool json = false, in_process = false;
	enum cli_progress_mode pmode = CLI_PROGRESS_AUTO;
	struct cli_progress prog;
	char what[160];
	uint32_t n;
	int i, rc;

	memset(&ch, 0, sizeof(ch));
	ch.secure = true;
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			validate_usage(stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(o, "--json") == 0) {
			json = true;
		} else if (strcmp(o, "--in-process") == 0) {
			in_process = true;
		} else if (strcmp(o, "--progress") == 0) {
			pmode = CLI_PROGRESS_ON;
		} else if (strcmp(o, "--no-progress") == 0) {
			pmode = CLI_PROGRESS_OFF;
		} else if (strcmp(o, "-v") == 0 || strcmp(o, "--verbose") == 0) {
			ch.verbose = true;
		} else if (strcmp(o, "--insecure") == 0) {
			ch.secure = false;
		} else if (strcmp(o, "--engine") == 0 && i + 1 < argc) {
			if (!rt_engine_parse(argv[++i], &cfg.engine)) {
				fprintf(stderr, "pvf validate: --engine takes native, interp or auto\n");
				return CLI_EXIT_USAGE;
			}
			ch.engine = cfg.engine == RT_ENGINE_INTERP ? PVF_ENGINE_INTERP
				  : cfg.engine == RT_ENGINE_NATIVE ? PVF_ENGINE_NATIVE : PVF_ENGINE_AUTO;
		} else if (strcmp(o, "--params") == 0 && i + 1 < argc) {
			params_path = argv[++i];
		} else if (strcmp(o, "--cache") == 0 && i + 1 < argc) {
			ch.cache_dir = argv[++i];
		} else if (strcmp(o, "--worker-dir") == 0 && i + 1 < argc) {
			ch.worker_dir = argv[++i];
		} else if (strcmp(o, "--exec-timeout") == 0 && i + 1 < argc) {
			if (!cli_parse_seconds(argv[++i], &timeout_ms)) {
				fprintf(stderr, "pvf validate: --exec-timeout needs seconds > 0\n");
				return CLI_EXIT_USAGE;
			}
		} else if (strcmp(o, "--max-memory-pages") == 0 && i + 1 < argc) {
			if (!parse_u32(argv[++i], 1, RT_MEMORY_PAGES_MAX, &n)) {
				fprintf(stderr, "pvf validate: --max-memory-pages needs 1..65536\n");
				return CLI_EXIT_USAGE;
			}
			if (cfg.max_memory_pages) {
				fprintf(stderr, "pvf validate: --max-memory-pages given twice\n");
				return CLI_EXIT_USAGE;
			}
			cfg.max_memory_pages = n + 32;
			add_exec_param(&ep, &items[ep.n], RT_EXEC_PARAM_MAX_MEMORY_PAGES, n);
		} else if (strcmp(o, "--stack-logical-max") == 0 && i + 1 < argc) {
			if (!parse_u32(argv[++i], RT_LOGICAL_MAX_LO, RT_LOGICAL_MAX_HI, &n)) {
				fprintf(stderr, "pvf validate: --stack-logical-max needs %u..%u\n",
					RT_LOGICAL_MAX_LO, RT_LOGICAL_MAX_HI);
				return CLI_EXIT_USAGE;
			}
			if (cfg.logical_stack_max) {
				fprintf(stderr, "pvf validate: --stack-logical-max given twice\n");
				return CLI_EXIT_USAGE;
			}
			cfg.logical_stack_max = n;
			add_exec_param(&ep, &items[ep.n], RT_EXEC_PARAM_STACK_LOGICAL_MAX, n);
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
	/* preparation and execution: the line covers both */
	snprintf(what, sizeof(what), "validating with %s", code_path);
	cli_progress_start(&prog, "pvf validate", what, pmode);
	if (in_process) {
		rc = validate_in_process(code_path, code, code_len, params, params_len, &cfg, json,
					 &prog);
	} else if (ep.n && rt_exec_params_encode(&ep, &exec_params) < 0) {
		rc = CLI_EXIT_ERROR;
	} else {
		rc = validate_host(&ch, code_path, code, code_len, params, params_len, &exec_params,
				   timeout_ms, json, &prog);
	}
	cli_progress_end(&prog);
out:
	buf_deinit(&exec_params);
	free(params);
	free(code);
	return rc;
}
