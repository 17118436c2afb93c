/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf host: runs one validation host and serves requests given as JSON
 * lines on stdin, answering with JSON lines on stdout (in completion order,
 * each carrying the request's "id"). Requests run concurrently; EOF on
 * stdin waits for the outstanding ones, then exits.
 *
 *   {"id": 1, "op": "precheck", "code": PATH [, "prep_timeout": S]}
 *   {"id": 2, "op": "validate", "code": PATH, "params": "0x.." [, "exec_timeout": S]}
 *   {"id": 3, "op": "metrics"}
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <pvf/pvf.h>

#include "base/base.h"
#include "base/scale.h"
#include "cli.h"
#include "host_front.h"
#include "runtime/runtime.h"

struct pending {
	json_t *id;
	uint64_t t0;
	int *outstanding;
	struct cli_host *ch;
};

static void reply(json_t *j)
{
	json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	fflush(stdout);
	json_decref(j);
}

static json_t *begin(struct pending *p)
{
	json_t *j = json_object();

	json_object_set(j, "id", p->id ? p->id : json_null());
	return j;
}

static void finish(struct pending *p, json_t *j)
{
	json_object_set_new(j, "wall_time_ms", json_real((double)(base_now_ns() - p->t0) / 1e6));
	reply(j);
	(*p->outstanding)--;
	json_decref(p->id);
	free(p);
}

static void precheck_done(void *ud, const struct pvf_precheck_result *r)
{
	struct pending *p = ud;
	json_t *j = begin(p);

	hf_precheck_json(j, r);
	finish(p, j);
}

static void validate_done(void *ud, const struct pvf_exec_result *r)
{
	struct pending *p = ud;
	json_t *j = begin(p);

	hf_exec_json(j, r);
	finish(p, j);
}

static int error_reply(json_t *id, const char *fmt, ...) BASE_PRINTF(2, 3);
static int error_reply(json_t *id, const char *fmt, ...)
{
	json_t *j = json_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_set(j, "id", id ? id : json_null());
	json_object_set_new(j, "error", json_string(msg));
	reply(j);
	return 0;
}

static double num(json_t *o, const char *key, double dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

static int submit(struct cli_host *ch, const char *line, int *outstanding)
{
	json_error_t jerr;
	json_t *req = json_loads(line, 0, &jerr), *id;
	const char *op, *code_path, *params_hex;
	struct pvf_err perr = {0};
	struct pending *p;
	uint8_t *code = NULL, *params = NULL;
	size_t code_len = 0, params_len = 0;
	int ret = 0;

	if (!req)
		return error_reply(NULL, "bad request: %s", jerr.text);
	id = json_object_get(req, "id");
	op = json_string_value(json_object_get(req, "op"));
	if (op && !strcmp(op, "metrics")) {
		json_t *j = json_object();
		char *text = NULL;
		size_t len = 0;

		json_object_set(j, "id", id ? id : json_null());
		if (pvf_host_metrics(ch->h, &text, &len) == 0)
			json_object_set_new(j, "metrics", json_string(text));
		free(text);
		reply(j);
		goto out;
	}
	code_path = json_string_value(json_object_get(req, "code"));
	if (!op || !code_path || (strcmp(op, "precheck") && strcmp(op, "validate"))) {
		error_reply(id, "bad request: %s", "needs op precheck|validate|metrics and code");
		goto out;
	}
	if (base_read_file(code_path, RT_CODE_BLOB_BOMB_LIMIT, &code, &code_len, &perr) < 0) {
		error_reply(id, "%s", perr.msg);
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	p->id = json_incref(id);
	p->t0 = base_now_ns();
	p->outstanding = outstanding;
	p->ch = ch;
	if (!strcmp(op, "precheck")) {
		struct pvf_code pc = {0};

		pc.code = code;
		pc.code_len = code_len;
		pc.bomb_limit = RT_CODE_BLOB_BOMB_LIMIT;
		pc.prep_timeout_ms = (uint64_t)(num(req, "prep_timeout", 60) * 1000);
		pc.prep_kind = PVF_PREP_PRECHECKING;
		ret = pvf_precheck(ch->h, &pc, precheck_done, p, NULL);
	} else {
		struct pvf_execute_req er = {0};
		struct rt_validation_params vp;
		struct scale_reader rd;

		params_hex = json_string_value(json_object_get(req, "params"));
		if (!params_hex || base_hex_decode(params_hex, strlen(params_hex), &params,
						   &params_len) < 0) {
			json_decref(p->id);
			free(p);
			error_reply(id, "bad request: %s", "params must be hex");
			goto out;
		}
		scale_reader_init(&rd, params, params_len);
		if (rt_validation_params_read(&rd, &vp) != SCALE_OK) {
			json_decref(p->id);
			free(p);
			error_reply(id, "bad request: %s", "params are not a ValidationParams");
			goto out;
		}
		er.pvf.code = code;
		er.pvf.code_len = code_len;
		er.pvf.bomb_limit = RT_CODE_BLOB_BOMB_LIMIT;
		er.pvf.prep_timeout_ms = RT_DEFAULT_LENIENT_PREP_TIMEOUT_MS;
		er.pvf.prep_kind = PVF_PREP_COMPILATION;
		er.exec_timeout_ms = (uint64_t)(num(req, "exec_timeout", 12) * 1000);
		hf_exec_from_params(&er, &vp);
		er.priority = PVF_PRIO_CRITICAL;
		er.kind = PVF_EXEC_APPROVAL;
		ret = pvf_execute(ch->h, &er, validate_done, p, NULL);
	}
	if (ret < 0) {
		json_decref(p->id);
		free(p);
		error_reply(id, "submit: %s", strerror(-ret));
		ret = 0;
		goto out;
	}
	(*outstanding)++;
out:
	free(params);
	free(code);
	json_decref(req);
	return ret;
}

static void host_usage(FILE *f)
{
	fprintf(f,
		"usage: pvf host [--cache DIR] [--worker-dir DIR] [-v]\n"
		"\n"
		"Runs a validation host with real worker processes and serves JSON-line\n"
		"requests from stdin, answering on stdout in completion order:\n"
		"  {\"id\": 1, \"op\": \"precheck\", \"code\": PATH, \"prep_timeout\": S}\n"
		"  {\"id\": 2, \"op\": \"validate\", \"code\": PATH, \"params\": \"0x...\",\n"
		"   \"exec_timeout\": S}                 (params: SCALE ValidationParams)\n"
		"  {\"id\": 3, \"op\": \"metrics\"}\n"
		"Requests run concurrently. At EOF the outstanding ones finish, then it exits.\n"
		"\n"
		"options:\n"
		"  --cache DIR          artifact cache directory (default: a temporary one)\n"
		"  --worker-dir DIR     where pvf-prepare-worker and pvf-execute-worker are\n"
		"  --insecure           start even if a required sandbox layer is missing\n"
		"  -v, --verbose        show the host's and the workers' log\n"
		"  -h, --help           this text\n"
		"\n"
		"exit status: 0 end of input reached (each request's outcome is in its\n"
		"answer), 2 usage, 3 the host could not start or failed\n");
}

int cmd_host(int argc, char **argv)
{
	struct cli_host ch;
	struct buf line = BUF_INIT;
	int outstanding = 0, i, rc = CLI_EXIT_OK;
	bool eof = false;

	memset(&ch, 0, sizeof(ch));
	ch.secure = true;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			host_usage(stdout);
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--cache") && i + 1 < argc) {
			ch.cache_dir = argv[++i];
		} else if (!strcmp(argv[i], "--worker-dir") && i + 1 < argc) {
			ch.worker_dir = argv[++i];
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			ch.verbose = true;
		} else if (!strcmp(argv[i], "--insecure")) {
			ch.secure = false;
		} else {
			host_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_host_open(&ch, "pvf host") < 0)
		return CLI_EXIT_ERROR;
	while (!eof || outstanding > 0) {
		struct pollfd pfd[2] = {{pvf_host_fd(ch.h), POLLIN, 0}, {0, POLLIN, 0}};

		if (poll(pfd, eof ? 1 : 2, -1) < 0 && errno != EINTR)
			break;
		if (pvf_host_dispatch(ch.h, 0) < 0) {
			rc = CLI_EXIT_ERROR;
			break;
		}
		if (!eof && (pfd[1].revents & (POLLIN | POLLHUP))) {
			uint8_t tmp[65536];
			ssize_t n = read(0, tmp, sizeof(tmp));
			uint8_t *nl;

			if (n <= 0) {
				eof = true;
				if (line.len) {
					buf_append_byte(&line, 0);
					submit(&ch, (const char *)line.data, &outstanding);
					line.len = 0;
				}
			} else if (buf_append(&line, tmp, (size_t)n) < 0) {
				rc = CLI_EXIT_ERROR;
				break;
			}
			while ((nl = memchr(line.data, '\n', line.len)) != NULL) {
				size_t k = (size_t)(nl - line.data);

				*nl = 0;
				if (k)
					submit(&ch, (const char *)line.data, &outstanding);
				memmove(line.data, nl + 1, line.len - k - 1);
				line.len -= k + 1;
			}
		}
	}
	buf_deinit(&line);
	cli_host_close(&ch);
	return rc;
}
