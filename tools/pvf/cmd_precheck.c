/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf precheck: pre-checks validation code (decompress, decode and validate
 * in the PVF profile, link check) through the validation host and real
 * worker processes, or in-process with --in-process.
 *
 *   pvf precheck [--cache DIR] [--prep-timeout S] [--json] [--worker-dir DIR]
 *                [--in-process] [-v] CODE
 *
 * Also home of the helpers `pvf validate` uses to run a host (cli_host_*).
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <pvf/pvf.h>

#include "base/base.h"
#include "cli.h"
#include "host_front.h"
#include "runtime/runtime.h"

#ifndef PVF_VERSION
#define PVF_VERSION "0.0.0"
#endif

/* ---- running a host from the command line ------------------------------------ */

static bool executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static bool try_worker_dir(const char *dir, struct cli_host *ch)
{
	snprintf(ch->prepare_worker, sizeof(ch->prepare_worker), "%s/pvf-prepare-worker", dir);
	snprintf(ch->execute_worker, sizeof(ch->execute_worker), "%s/pvf-execute-worker", dir);
	return executable_file(ch->prepare_worker) && executable_file(ch->execute_worker);
}

/* --worker-dir, $PVF_WORKER_DIR, the directory of this program, ../workers
 * (build tree), ../libexec/pvf (installed). */
int cli_find_workers(const char *opt, struct cli_host *ch)
{
	char self[PATH_MAX], dir[PATH_MAX + 32];
	const char *env = getenv("PVF_WORKER_DIR");
	ssize_t n;
	char *slash;

	if (opt)
		return try_worker_dir(opt, ch) ? 0 : -ENOENT;
	if (env && env[0])
		return try_worker_dir(env, ch) ? 0 : -ENOENT;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -ENOENT;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	if (try_worker_dir(self, ch))
		return 0;
	snprintf(dir, sizeof(dir), "%s/../workers", self);
	if (try_worker_dir(dir, ch))
		return 0;
	snprintf(dir, sizeof(dir), "%s/../libexec/pvf", self);
	if (try_worker_dir(dir, ch))
		return 0;
	return -ENOENT;
}

/* Host log records: warnings and errors to stderr (everything with -v);
 * the workers' "job stats" records are kept for the summary line. */
static void host_log(void *ctx, enum pvf_log_level level, const char *subsys, const char *msg)
{
	struct cli_host *ch = ctx;
	const char *s = strstr(msg, "job stats: ");
	unsigned long long cpu;
	long rss;
	int pid;

	if (s && sscanf(s, "job stats: pid=%d cpu_ns=%llu max_rss_kib=%ld", &pid, &cpu,
			&rss) == 3) {
		ch->job_cpu_ns = cpu;
		if (rss > ch->job_max_rss_kib)
			ch->job_max_rss_kib = rss;
	}
	/* the outcome is printed anyway */
	if (!ch->verbose && !strncmp(msg, "failed to process a PVF", 23))
		return;
	if (level <= PVF_LOG_WARN || ch->verbose)
		fprintf(stderr, "pvf: [%s] %s: %s\n", level <= PVF_LOG_ERROR ? "error" :
			level == PVF_LOG_WARN ? "warn" : level == PVF_LOG_INFO ? "info" : "debug",
			subsys, msg);
}

int cli_host_open(struct cli_host *ch, const char *prog)
{
	struct pvf_config cfg;
	char err[256] = "";
	int ret;

	if (cli_find_workers(ch->worker_dir, ch) < 0) {
		fprintf(stderr, "%s: worker programs not found (pvf-prepare-worker and "
			"pvf-execute-worker; looked in %s); use --worker-dir or --in-process\n",
			prog, ch->worker_dir ? ch->worker_dir :
			"$PVF_WORKER_DIR, next to pvf, ../workers and ../libexec/pvf");
		return -ENOENT;
	}
	if (!ch->cache_dir) {
		const char *tmp = getenv("TMPDIR");

		snprintf(ch->tmp_cache, sizeof(ch->tmp_cache), "%s/pvf-cache-XXXXXX",
			 tmp && tmp[0] == '/' ? tmp : "/tmp");
		if (!mkdtemp(ch->tmp_cache)) {
			fprintf(stderr, "%s: mkdtemp %s: %s\n", prog, ch->tmp_cache, strerror(errno));
			ch->tmp_cache[0] = '\0';
			return -errno;
		}
		/* searchable (not listable) so that workers running as nobody
		 * can reach their directories */
		(void)chmod(ch->tmp_cache, 0711);
		ch->cache_dir = ch->tmp_cache;
	}
	pvf_config_init(&cfg);
	cfg.cache_dir = ch->cache_dir;
	cfg.prepare_worker_path = ch->prepare_worker;
	cfg.execute_worker_path = ch->execute_worker;
	cfg.node_version = PVF_VERSION;
	cfg.secure_validator_mode = ch->secure;
	cfg.engine = (enum pvf_engine)ch->engine;
	cfg.log = host_log;
	cfg.log_ctx = ch;
	cfg.log_level = PVF_LOG_DEBUG;
	ret = pvf_host_new(&cfg, &ch->h, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "%s: cannot start the validation host: %s\n", prog, err);
		cli_host_close(ch);
		return ret;
	}
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? 0 : 0;
}

void cli_host_close(struct cli_host *ch)
{
	pvf_host_free(ch->h);
	ch->h = NULL;
	if (ch->tmp_cache[0]) {
		nftw(ch->tmp_cache, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		ch->tmp_cache[0] = '\0';
	}
}

bool cli_parse_seconds(const char *s, uint64_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400.0 * 365)
		return false;
	*ms = (uint64_t)(v * 1000.0 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return true;
}

/* ---- pvf precheck ------------------------------------------------------------- */

static void precheck_usage(FILE *f)
{
	fprintf(f,
		"usage: pvf precheck [OPTIONS] CODE\n"
		"\n"
		"Pre-checks CODE (validation code as stored on chain: plain Wasm or an\n"
		"8-byte-prefixed zstd blob) as a validator does before voting for it:\n"
		"decompress, decode and validate in the PVF profile, check the imports.\n"
		"By default this goes through the validation host: a prepare worker\n"
		"process prepares the code in a sandboxed job process.\n"
		"\n"
		"options:\n"
		"  --cache DIR          artifact cache directory (default: a temporary one)\n"
		"  --prep-timeout S     CPU-time limit of the preparation (default 60)\n"
		"  --worker-dir DIR     where pvf-prepare-worker and pvf-execute-worker are\n"
		"  --in-process         pre-check in this process, without the host\n"
		"  --json               machine-readable output on stdout\n"
		"  --progress           show the progress line (elapsed and CPU time of a\n"
		"                       preparation longer than 1 s) also when stderr is\n"
		"                       not a terminal, as a line every 5 s\n"
		"  --no-progress        never show it (default: on a terminal only)\n"
		"  --insecure           start even if a required sandbox layer is missing\n"
		"  -v, --verbose        show the host's and the workers' log\n"
		"  -h, --help           this text\n"
		"\n"
		"exit status: 0 accepted, 1 rejected (the code is not acceptable, also when\n"
		"preparation timed out or ran out of memory), 2 usage, 3 error (unreadable\n"
		"file, worker or host failures)\n");
}

struct precheck_out {
	bool accepted;
	bool deterministic;
	const char *kind;
	char error[600];
	double cpu_ms, wall_ms;
	long peak_kib;
	int rc;
};

static void emit(const struct precheck_out *o, bool json, bool in_process)
{
	if (json) {
		json_t *j = json_object();

		json_object_set_new(j, "accepted", json_boolean(o->accepted));
		json_object_set_new(j, "path", json_string(in_process ? "in-process" : "host"));
		if (!o->accepted) {
			json_object_set_new(j, "kind", json_string(o->kind));
			json_object_set_new(j, "deterministic", json_boolean(o->deterministic));
			json_object_set_new(j, "error", json_string(o->error));
		}
		json_object_set_new(j, "cpu_time_ms", json_real(o->cpu_ms));
		json_object_set_new(j, "wall_time_ms", json_real(o->wall_ms));
		json_object_set_new(j, "peak_memory_kib", json_integer(o->peak_kib));
		cli_print_json(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		return;
	}
	if (o->accepted)
		printf("accepted\n");
	else
		printf("rejected: %s\n", o->error);
	printf("cpu time: %.1f ms, wall time: %.1f ms, peak memory: %ld KiB\n", o->cpu_ms,
	       o->wall_ms, o->peak_kib);
}

static const char *prep_kind_name(enum pvf_prep_error_kind k)
{
	static const char *const names[] = {
		"prevalidation", "preparation", "runtime-construction", "job-error", "timeout",
		"io", "create-tmp-file", "rename-tmp-file", "out-of-memory", "clear-worker-dir",
		"job-died", "kernel", "decompress",
	};

	return (unsigned)k < BASE_ARRAY_SIZE(names) ? names[k] : "unknown";
}

/* Rejections that say something about the code (a validator votes against);
 * the rest are local failures. */
static bool prep_err_rejects(enum pvf_prep_error_kind k)
{
	return pvf_prep_error_is_deterministic(k) || k == PVF_PREP_ERR_RUNTIME_CONSTRUCTION ||
	       k == PVF_PREP_ERR_TIMED_OUT;
}

struct precheck_wait {
	bool done;
	int status;
	bool has_err;
	enum pvf_prep_error_kind kind;
	char text[600];
};

static void precheck_cb(void *ud, const struct pvf_precheck_result *r)
{
	struct precheck_wait *pw = ud;

	pw->done = true;
	pw->status = r->status;
	pw->has_err = r->err != NULL;
	if (r->err) {
		pw->kind = r->err->kind;
		pvf_prep_error_format(r->err, pw->text, sizeof(pw->text));
	}
}

static const char *rt_kind_to_prep(enum rt_err_kind k)
{
	switch (k) {
	case RT_ERR_DECOMPRESS:
		return "decompress";
	case RT_ERR_PREVALIDATION:
		return "prevalidation";
	case RT_ERR_RUNTIME_CONSTRUCTION:
		return "runtime-construction";
	case RT_ERR_INTERNAL:
		return "internal";
	case RT_OK:
	case RT_ERR_PREPARATION:
	case RT_ERR_INSTANTIATION:
	case RT_ERR_EXPORT:
	case RT_ERR_TRAP:
	case RT_ERR_OUTPUT_BOUNDS:
	case RT_ERR_OUTPUT_DECODE:
	default:
		return "preparation";
	}
}

int cmd_pvf_precheck(int argc, char **argv)
{
	struct cli_host ch;
	struct precheck_out o;
	struct pvf_err perr = {0};
	const char *code_path = NULL;
	uint8_t *code = NULL;
	size_t code_len = 0;
	uint64_t timeout_ms = RT_DEFAULT_PRECHECK_PREP_TIMEOUT_MS, t0;
	bool json = false, in_process = false;
	enum cli_progress_mode pmode = CLI_PROGRESS_AUTO;
	struct cli_progress prog;
	char what[160];
	int i;

	memset(&ch, 0, sizeof(ch));
	ch.secure = true;
	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			precheck_usage(stdout);
			return CLI_EXIT_OK;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--in-process")) {
			in_process = true;
		} else if (!strcmp(a, "--progress")) {
			pmode = CLI_PROGRESS_ON;
		} else if (!strcmp(a, "--no-progress")) {
			pmode = CLI_PROGRESS_OFF;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			ch.verbose = true;
		} else if (!strcmp(a, "--insecure")) {
			ch.secure = false;
		} else if (!strcmp(a, "--cache") && i + 1 < argc) {
			ch.cache_dir = argv[++i];
		} else if (!strcmp(a, "--worker-dir") && i + 1 < argc) {
			ch.worker_dir = argv[++i];
		} else if (!strcmp(a, "--prep-timeout") && i + 1 < argc) {
			if (!cli_parse_seconds(argv[++i], &timeout_ms)) {
				fprintf(stderr, "pvf precheck: --prep-timeout needs seconds > 0\n");
				return CLI_EXIT_USAGE;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "pvf precheck: unknown option or missing value: %s\n\n", a);
			precheck_usage(stderr);
			return CLI_EXIT_USAGE;
		} else if (!code_path) {
			code_path = a;
		} else {
			precheck_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (!code_path) {
		precheck_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (base_read_file(code_path, RT_CODE_BLOB_BOMB_LIMIT, &code, &code_len, &perr) < 0) {
		fprintf(stderr, "pvf precheck: %s\n", perr.msg);
		return CLI_EXIT_ERROR;
	}
	snprintf(what, sizeof(what), "pre-checking %s", code_path);
	cli_progress_start(&prog, "pvf precheck", what, pmode);
	t0 = base_now_ns();
	if (in_process) {
		struct rt_runtime_config cfg = {0};
		struct rt_error err = {0};
		struct rusage ru;
		uint64_t c0 = base_cpu_ns();
		enum rt_err_kind k = rt_runtime_precheck(code, code_len, &cfg, &err);

		cli_progress_end(&prog);

		o.cpu_ms = (double)(base_cpu_ns() - c0) / 1e6;
		o.wall_ms = (double)(base_now_ns() - t0) / 1e6;
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			o.peak_kib = ru.ru_maxrss;
		o.accepted = k == RT_OK;
		o.kind = rt_kind_to_prep(k);
		o.deterministic = k != RT_ERR_INTERNAL && k != RT_ERR_RUNTIME_CONSTRUCTION;
		snprintf(o.error, sizeof(o.error), "%s: %s", o.kind, err.msg);
		o.rc = o.accepted ? CLI_EXIT_OK : k == RT_ERR_INTERNAL ? CLI_EXIT_ERROR :
		       CLI_EXIT_FAIL;
	} else {
		struct pvf_code pc = {0};
		struct precheck_wait pw = {0};
		int ret;

		if (cli_host_open(&ch, "pvf precheck") < 0) {
			cli_progress_end(&prog);
			free(code);
			return CLI_EXIT_ERROR;
		}
		pc.code = code;
		pc.code_len = code_len;
		pc.bomb_limit = RT_CODE_BLOB_BOMB_LIMIT;
		pc.prep_timeout_ms = timeout_ms;
		pc.prep_kind = PVF_PREP_PRECHECKING;
		ret = pvf_precheck_wait(ch.h, &pc, precheck_cb, &pw);
		cli_progress_end(&prog);
		o.wall_ms = (double)(base_now_ns() - t0) / 1e6;
		o.cpu_ms = (double)ch.job_cpu_ns / 1e6;
		o.peak_kib = ch.job_max_rss_kib;
		cli_host_close(&ch);
		if (ret < 0 || pw.status < 0) {
			fprintf(stderr, "pvf precheck: %s\n", strerror(-(ret < 0 ? ret : pw.status)));
			free(code);
			return CLI_EXIT_ERROR;
		}
		o.accepted = !pw.has_err;
		if (pw.has_err) {
			o.kind = prep_kind_name(pw.kind);
			o.deterministic = pvf_prep_error_is_deterministic(pw.kind);
			snprintf(o.error, sizeof(o.error), "%s", pw.text);
		}
		o.rc = o.accepted ? CLI_EXIT_OK : prep_err_rejects(pw.kind) ? CLI_EXIT_FAIL :
		       CLI_EXIT_ERROR;
	}
	emit(&o, json, in_process);
	free(code);
	return o.rc;
}
