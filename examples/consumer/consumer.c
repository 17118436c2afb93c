/* SPDX-License-Identifier: Apache-2.0 */
/*
 * consumer: a small program using libpvf through its installed header and
 * pkg-config file, as an embedding node would:
 *
 *   cc consumer.c $(pkg-config --cflags --libs pvf) -o consumer
 *
 * It creates a validation host on a cache directory, prints the sandbox
 * capabilities found at start-up and the metrics, optionally pre-checks
 * validation code through the worker programs, then stops the host.
 *
 *   consumer [--cache DIR] [--workers DIR] [--secure] [--precheck CODE]
 *
 * --cache DIR      artifact cache (default: a temporary directory, removed
 *                  at the end)
 * --workers DIR    where pvf-prepare-worker and pvf-execute-worker are
 *                  (default: $PVF_WORKER_DIR, else /usr/local/libexec/pvf);
 *                  they are only started by a request, i.e. by --precheck
 * --secure         secure validator mode: refuse to start without a sandbox
 * --precheck CODE  pre-check the Wasm (or zstd-compressed) code in CODE
 *
 * Exit status: 0 success (and the code was accepted), 1 the code was
 * rejected, 2 usage, 3 error. This is example code: see docs/host.md for the
 * whole API and include/pvf/pvf.h for the rules (threads, ownership).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp, nftw */
#endif
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pvf/pvf.h>

enum { EXIT_OK = 0, EXIT_REJECTED = 1, EXIT_USAGE = 2, EXIT_ERROR = 3 };

struct options {
	const char *cache_dir;
	const char *worker_dir;
	const char *precheck;
	bool secure;
};

/* Every pvf_* call happens on this thread, so the callbacks can write here
 * without locking. */
struct precheck_outcome {
	bool done;
	int status;
	bool accepted;
	bool deterministic;
	char msg[512];
};

static const char *level_name(enum pvf_log_level l)
{
	switch (l) {
	case PVF_LOG_ERROR: return "error";
	case PVF_LOG_WARN: return "warn";
	case PVF_LOG_INFO: return "info";
	case PVF_LOG_DEBUG: return "debug";
	case PVF_LOG_TRACE: return "trace";
	default: return "?";
	}
}

static void log_line(void *ctx, enum pvf_log_level level, const char *subsys, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "consumer: [%s] %s: %s\n", level_name(level), subsys, msg);
}

static void precheck_done(void *ud, const struct pvf_precheck_result *r)
{
	struct precheck_outcome *o = ud;

	o->done = true;
	o->status = r->status;
	o->accepted = r->status == 0 && !r->err;
	if (r->err) {
		o->deterministic = pvf_prep_error_is_deterministic(r->err->kind);
		pvf_prep_error_format(r->err, o->msg, sizeof(o->msg));
	}
}

static int read_file(const char *path, unsigned char **out, size_t *len)
{
	unsigned char *data = NULL, *grown;
	size_t cap = 0, n = 0, got;
	FILE *f = fopen(path, "rb");
	int ret = 0;

	if (!f)
		return -errno;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 1 << 16;
			grown = realloc(data, cap);
			if (!grown) {
				ret = -ENOMEM;
				goto out_close;
			}
			data = grown;
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f))
		ret = -EIO;
out_close:
	fclose(f);
	if (ret) {
		free(data);
		return ret;
	}
	*out = data;
	*len = n;
	return 0;
}

static int precheck(struct pvf_host *h, const char *path)
{
	struct precheck_outcome o = {0};
	struct pvf_code code = {0};
	unsigned char *bytes = NULL;
	size_t len = 0;
	int ret;

	ret = read_file(path, &bytes, &len);
	if (ret) {
		fprintf(stderr, "consumer: cannot read %s: %s\n", path, strerror(-ret));
		return EXIT_ERROR;
	}
	code.code = bytes;
	code.code_len = len;
	code.bomb_limit = 30 * 1024 * 1024;
	code.prep_timeout_ms = 60 * 1000;
	code.prep_kind = PVF_PREP_PRECHECKING;
	/* Blocks, dispatching the host's events, until precheck_done ran. */
	ret = pvf_precheck_wait(h, &code, precheck_done, &o);
	free(bytes);
	if (ret < 0 || !o.done || o.status < 0) {
		fprintf(stderr, "consumer: pre-check of %s could not run: %s\n", path,
			strerror(ret < 0 ? -ret : o.status < 0 ? -o.status : EIO));
		return EXIT_ERROR;
	}
	if (o.accepted) {
		printf("precheck: %s: accepted\n", path);
		return EXIT_OK;
	}
	printf("precheck: %s: rejected (%s): %s\n", path,
	       o.deterministic ? "deterministic" : "not deterministic", o.msg);
	return o.deterministic ? EXIT_REJECTED : EXIT_ERROR;
}

static void print_security(const struct pvf_host *h)
{
	struct pvf_security s;

	pvf_host_security(h, &s);
	printf("security: secure_validator_mode=%d landlock=%d seccomp=%d "
	       "unshare_and_change_root=%d secure_clone=%d\n",
	       s.secure_validator_mode, s.can_enable_landlock, s.can_enable_seccomp,
	       s.can_unshare_user_namespace_and_change_root, s.can_do_secure_clone);
}

static int print_metrics(struct pvf_host *h)
{
	char *text = NULL;
	size_t len = 0;
	int ret = pvf_host_metrics(h, &text, &len);

	if (ret < 0) {
		fprintf(stderr, "consumer: metrics: %s\n", strerror(-ret));
		return ret;
	}
	printf("metrics: %zu bytes\n%s", len, text);
	free(text);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_value = i + 1 < argc;

		if (strcmp(a, "--cache") == 0 && has_value) {
			o->cache_dir = argv[++i];
		} else if (strcmp(a, "--workers") == 0 && has_value) {
			o->worker_dir = argv[++i];
		} else if (strcmp(a, "--precheck") == 0 && has_value) {
			o->precheck = argv[++i];
		} else if (strcmp(a, "--secure") == 0) {
			o->secure = true;
		} else {
			fprintf(stderr, "usage: consumer [--cache DIR] [--workers DIR] [--secure] "
				"[--precheck CODE]\n");
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct pvf_config cfg;
	struct pvf_host *h = NULL;
	char tmp_cache[4096] = "", prepare[4096], execute[4096], err[256] = "";
	const char *env, *tmp;
	int ret, rc = EXIT_ERROR;

	if (parse_args(argc, argv, &o) < 0)
		return EXIT_USAGE;
	env = getenv("PVF_WORKER_DIR");
	if (!o.worker_dir)
		o.worker_dir = env && env[0] ? env : "/usr/local/libexec/pvf";
	snprintf(prepare, sizeof(prepare), "%s/pvf-prepare-worker", o.worker_dir);
	snprintf(execute, sizeof(execute), "%s/pvf-execute-worker", o.worker_dir);
	if (!o.cache_dir) {
		tmp = getenv("TMPDIR");
		snprintf(tmp_cache, sizeof(tmp_cache), "%s/pvf-consumer-XXXXXX",
			 tmp && tmp[0] == '/' ? tmp : "/tmp");
		if (!mkdtemp(tmp_cache)) {
			fprintf(stderr, "consumer: cannot create %s: %s\n", tmp_cache,
				strerror(errno));
			return EXIT_ERROR;
		}
		o.cache_dir = tmp_cache;
	}

	pvf_config_init(&cfg);
	cfg.cache_dir = o.cache_dir;
	cfg.prepare_worker_path = prepare;
	cfg.execute_worker_path = execute;
	cfg.node_version = NULL; /* accept any worker version (example only) */
	cfg.secure_validator_mode = o.secure;
	cfg.log = log_line;
	cfg.log_level = PVF_LOG_WARN;

	/* Probes the sandbox in a forked child; call it before starting threads. */
	ret = pvf_host_new(&cfg, &h, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "consumer: cannot start the validation host: %s\n", err);
		goto out_rm_cache;
	}
	printf("host: started (cache %s, event fd %d)\n", o.cache_dir, pvf_host_fd(h));
	print_security(h);

	/* An embedder polls pvf_host_fd() and dispatches when it is readable;
	 * here one non-blocking round. */
	ret = pvf_host_dispatch(h, 0);
	if (ret < 0) {
		fprintf(stderr, "consumer: dispatch: %s\n", strerror(-ret));
		goto out_free_host;
	}
	rc = o.precheck ? precheck(h, o.precheck) : EXIT_OK;
	if (print_metrics(h) < 0)
		rc = EXIT_ERROR;

	/* A stop requested before pvf_host_run() makes it return at once. */
	pvf_host_stop(h);
	ret = pvf_host_run(h);
	if (ret < 0) {
		fprintf(stderr, "consumer: run: %s\n", strerror(-ret));
		rc = EXIT_ERROR;
	}
	printf("host: stopped\n");
out_free_host:
	pvf_host_free(h);
out_rm_cache:
	if (tmp_cache[0] && nftw(tmp_cache, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "consumer: cannot remove %s: %s\n", tmp_cache, strerror(errno));
	return rc;
}
