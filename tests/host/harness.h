/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test harness for the validation host with fake workers
 * (tests/host/fake_worker.c; its path comes from $PVF_FAKE_WORKER).
 *
 * Each test gets a fresh temporary directory holding the cache and the
 * control files that scripts wait for. Timeouts are short so that the whole
 * suite stays fast; every wait in a test is bounded.
 */
#ifndef PVF_TEST_HARNESS_H
#define PVF_TEST_HARNESS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pvf/pvf.h>

#include "tap.h"

#define T_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char t_root[128];
static const char *t_fake;
static char t_log[1 << 16];
static size_t t_log_len;
static int t_order; /* completion counter */

static inline uint64_t t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* root/name in a rotating static buffer */
static inline const char *T(const char *name)
{
	static char bufs[16][256];
	static int i;
	char *b = bufs[i++ % 16];

	snprintf(b, 256, "%s/%s", t_root, name);
	return b;
}

static inline void t_touch(const char *name)
{
	int fd = open(T(name), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0)
		close(fd);
}

static inline int t_exists(const char *name)
{
	struct stat st;

	return stat(T(name), &st) == 0;
}

static __attribute__((unused)) void t_log_sink(void *ctx, enum pvf_log_level level,
					       const char *subsys, const char *msg)
{
	int n;

	(void)ctx;
	if (getenv("PVF_TEST_VERBOSE"))
		fprintf(stderr, "# [%d] %s: %s\n", (int)level, subsys, msg);
	n = snprintf(t_log + t_log_len, sizeof(t_log) - t_log_len, "%s: %s\n", subsys, msg);
	if (n > 0 && t_log_len + (size_t)n < sizeof(t_log))
		t_log_len += (size_t)n;
}

static inline int t_logged(const char *needle)
{
	return strstr(t_log, needle) != NULL;
}

static inline void t_setup_root(void)
{
	char cmd[256];

	if (t_root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t_root);
		if (system(cmd))
			tap_diag("could not remove a test directory");
	}
	snprintf(t_root, sizeof(t_root), "/tmp/pvf-host-test-XXXXXX");
	if (!mkdtemp(t_root))
		abort();
	t_log_len = 0;
	t_log[0] = 0;
}

static inline void t_cleanup_root(void)
{
	char cmd[256];

	if (!t_root[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t_root);
	if (system(cmd))
		tap_diag("could not remove a test directory");
	t_root[0] = 0;
}

static const char *t_env_default[] = {NULL};

/* A config with short timeouts; env (may be NULL) is the worker environment. */
static inline void t_config(struct pvf_config *c, const char *const *env)
{
	t_fake = getenv("PVF_FAKE_WORKER");
	if (!t_fake)
		tap_skip_all("PVF_FAKE_WORKER not set");
	pvf_config_init(c);
	c->cache_dir = T("cache");
	c->prepare_worker_path = t_fake;
	c->execute_worker_path = t_fake;
	c->node_version = "1.18.5-test";
	c->prepare_workers_soft_max = 1;
	c->prepare_workers_hard_max = 2;
	c->execute_workers_max = 2;
	c->spawn_timeout_ms = 2000;
	c->spawn_retry_delay_ms = 50;
	c->prepare_failure_cooldown_ms = 300;
	c->max_keep_waiting_ms = 4000;
	c->worker_env = env ? env : t_env_default;
	c->log = t_log_sink;
	c->log_level = PVF_LOG_DEBUG;
}

static inline struct pvf_host *t_host(const struct pvf_config *c)
{
	struct pvf_host *h = NULL;
	char err[256] = "";

	if (pvf_host_new(c, &h, err, sizeof(err))) {
		printf("# pvf_host_new: %s\n", err);
		abort();
	}
	return h;
}

/* A code whose bytes are the fake worker's prepare script. */
static inline struct pvf_code t_code(const char *script)
{
	struct pvf_code c = {0};

	c.code = (const uint8_t *)script;
	c.code_len = strlen(script);
	c.bomb_limit = 30u << 20;
	c.prep_timeout_ms = 1000;
	c.prep_kind = PVF_PREP_COMPILATION;
	return c;
}

static inline struct pvf_execute_req t_exec(const char *code_script, const char *pov_script,
					    enum pvf_exec_kind kind)
{
	struct pvf_execute_req r = {0};
	static const uint8_t head[] = "parent-head";

	r.pvf = t_code(code_script);
	r.exec_timeout_ms = 1000;
	r.pvd.parent_head = head;
	r.pvd.parent_head_len = sizeof(head) - 1;
	r.pvd.relay_parent_number = 7;
	r.pvd.max_pov_size = 5u << 20;
	r.pov = (const uint8_t *)pov_script;
	r.pov_len = strlen(pov_script);
	r.priority = kind <= PVF_EXEC_APPROVAL ? PVF_PRIO_CRITICAL : PVF_PRIO_NORMAL;
	r.kind = kind;
	return r;
}

/* ---- result collection -------------------------------------------------- */

struct t_res {
	int done;              /* number of callbacks (must end at 1) */
	int order;             /* completion order, 1-based */
	int status;            /* exec status, or precheck status */
	int reason;
	int prep_kind;         /* -1 = no prepare error */
	int32_t job_pid;
	char msg[256];
	char text[512];        /* formatted result */
	char result[512];      /* validation result bytes (NUL-terminated) */
	size_t result_len;
	uint64_t at_ms;
};

static __attribute__((unused)) void t_exec_cb(void *ud, const struct pvf_exec_result *r)
{
	struct t_res *t = ud;
	size_t n = r->validation_result_len < sizeof(t->result) - 1 ? r->validation_result_len :
				sizeof(t->result) - 1;

	t->done++;
	t->order = ++t_order;
	t->status = (int)r->status;
	t->reason = r->reason;
	t->prep_kind = r->prep ? (int)r->prep->kind : -1;
	t->job_pid = r->prep ? r->prep->job_pid : 0;
	snprintf(t->msg, sizeof(t->msg), "%s", r->msg);
	pvf_exec_result_format(r, t->text, sizeof(t->text));
	if (n)
		memcpy(t->result, r->validation_result, n);
	t->result_len = r->validation_result_len;
	t->result[n] = 0;
	t->at_ms = t_now_ms();
}

static __attribute__((unused)) void t_precheck_cb(void *ud, const struct pvf_precheck_result *r)
{
	struct t_res *t = ud;

	t->done++;
	t->order = ++t_order;
	t->status = r->status;
	t->prep_kind = r->err ? (int)r->err->kind : -1;
	t->job_pid = r->err ? r->err->job_pid : 0;
	snprintf(t->msg, sizeof(t->msg), "%s", r->err ? r->err->msg : "");
	if (r->err)
		pvf_prep_error_format(r->err, t->text, sizeof(t->text));
	else
		snprintf(t->text, sizeof(t->text), "%s", r->status ? "cancelled" : "ok");
	t->at_ms = t_now_ms();
}

/* Dispatches until all n results are in, or limit_ms passed. */
static inline int t_wait(struct pvf_host *h, struct t_res *res, size_t n, uint64_t limit_ms)
{
	uint64_t end = t_now_ms() + limit_ms;
	size_t i;

	for (;;) {
		size_t done = 0;

		for (i = 0; i < n; i++)
			done += res[i].done > 0;
		if (done == n)
			return 1;
		if (t_now_ms() >= end)
			return 0;
		pvf_host_dispatch(h, 20);
	}
}

/* Dispatches for ms milliseconds. */
static inline void t_spin(struct pvf_host *h, uint64_t ms)
{
	uint64_t end = t_now_ms() + ms;

	while (t_now_ms() < end)
		pvf_host_dispatch(h, (int)(end - t_now_ms()));
}

/* Value of a metric line `name{labels} value` or `name value`; -1 if absent. */
static inline double t_metric(struct pvf_host *h, const char *series)
{
	char *text = NULL, *p;
	size_t len = 0, sl = strlen(series);
	double v = -1;

	if (pvf_host_metrics(h, &text, &len))
		return -1;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, series, sl) && p[sl] == ' ') {
			v = strtod(p + sl + 1, NULL);
			break;
		}
	}
	free(text);
	return v;
}

/* Dispatches until a metric reaches value (at most limit_ms); returns the
 * final value. For "something happens" checks that must not depend on
 * machine speed. */
static inline double t_until_metric(struct pvf_host *h, const char *series, double value,
				    uint64_t limit_ms)
{
	uint64_t end = t_now_ms() + limit_ms;
	double v;

	while ((v = t_metric(h, series)) != value && t_now_ms() < end)
		pvf_host_dispatch(h, 10);
	return v;
}

/* Dispatches until root/name exists (at most limit_ms). */
static inline int t_until_file(struct pvf_host *h, const char *name, uint64_t limit_ms)
{
	uint64_t end = t_now_ms() + limit_ms;

	while (!t_exists(name) && t_now_ms() < end)
		pvf_host_dispatch(h, 5);
	return t_exists(name);
}

/* Number of entries in the cache dir whose name contains pat ("" = all). */
static inline int t_cache_count(const char *pat)
{
	DIR *d = opendir(T("cache"));
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strstr(de->d_name, pat))
			n++;
	}
	closedir(d);
	return n;
}

/* Path of the (single) artifact in the cache, or "" */
static inline const char *t_artifact_path(void)
{
	static char path[512];
	DIR *d = opendir(T("cache"));
	struct dirent *de;

	path[0] = 0;
	if (!d)
		return path;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 4 && !strcmp(de->d_name + l - 4, ".pvf"))
			snprintf(path, sizeof(path), "%s/%s", T("cache"), de->d_name);
	}
	closedir(d);
	return path;
}

/* printf into one of 64 rotating static buffers (scripts with paths). */
static inline const char *t_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline const char *t_fmt(const char *fmt, ...)
{
	static char bufs[64][1200];
	static int i;
	char *b = bufs[i++ % 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	return b;
}

/* Contents of root/name (static buffer, "" if missing). */
static inline const char *t_read(const char *name)
{
	static char buf[4096];
	FILE *f = fopen(T(name), "r");
	size_t n = 0;

	buf[0] = 0;
	if (!f)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* Sends sig to every child process of this test (the workers). */
static inline int t_signal_children(int sig)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300], line[512], *p;
		FILE *f;
		int ppid = 0;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')) &&
		    sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == (int)getpid()) {
			kill(atoi(de->d_name), sig);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

#endif /* PVF_TEST_HARNESS_H */
