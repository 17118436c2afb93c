/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host_bench: figures of the validation host with the real workers (make
 * bench, docs/benchmarks.md). Drives the public API of include/pvf/pvf.h
 * directly, in one process, so that the worker processes are its children
 * and the host's metrics can be read between phases.
 *
 *   host_bench PREPARE_WORKER EXECUTE_WORKER CODE [--no-sandbox] [--reps N]
 *
 * CODE is an adder PVF (adder-kagome.compressed.bin or tests/pvfs adder.wasm);
 * every request validates vector B of runtime-abi.md §4.2 (genesis parent
 * head, block {state 0, add 5}, relay parent 7). Prints figures next to the
 * targets; never passes or fails on them. Exits 1 only if a validation does
 * not succeed or the host cannot run.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pvf/pvf.h"

/* keccak-256 of the u64 0: post_state of the adder's genesis head */
static const uint8_t genesis_state[32] = {
	0x01, 0x1b, 0x4d, 0x03, 0xdd, 0x8c, 0x01, 0xf1, 0x04, 0x91, 0x43, 0xcf, 0x9c, 0x4c, 0x81, 0x7e,
	0x4b, 0x16, 0x7f, 0x1d, 0x1b, 0x83, 0xe5, 0xc6, 0xf0, 0xf1, 0x0d, 0x89, 0xba, 0x1e, 0x7b, 0xce,
};

struct bench {
	struct pvf_host *h;
	uint8_t *code;
	size_t code_len;
	uint8_t head[72];
	uint8_t block[16];
	/* the current phase */
	uint64_t *lat_ns;           /* per completed request, if non-NULL */
	size_t n_lat, cap_lat;
	size_t submitted, done, target, errors;
	uint64_t cpu_ns_sum;
	bool keep_full;             /* throughput: resubmit from the callback */
};

struct job {
	struct bench *b;
	uint64_t t0;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* With --no-sandbox the host's warnings about the missing layers are the
 * point of the run: only errors are shown then. */
static enum pvf_log_level show_level = PVF_LOG_WARN;

static void quiet_log(void *ctx, enum pvf_log_level level, const char *subsys, const char *msg)
{
	(void)ctx;
	if (level <= show_level)
		fprintf(stderr, "host_bench: %s: %s\n", subsys, msg);
}

static struct pvf_execute_req make_req(struct bench *b)
{
	struct pvf_execute_req r = {0};

	r.pvf.code = b->code;
	r.pvf.code_len = b->code_len;
	r.pvf.bomb_limit = 30u << 20;
	r.pvf.prep_timeout_ms = 60000;
	r.pvf.prep_kind = PVF_PREP_COMPILATION;
	r.exec_timeout_ms = 2000;
	r.pvd.parent_head = b->head;
	r.pvd.parent_head_len = sizeof(b->head);
	r.pvd.relay_parent_number = 7;
	r.pvd.max_pov_size = 5u << 20;
	r.pov = b->block;
	r.pov_len = sizeof(b->block);
	r.priority = PVF_PRIO_CRITICAL;
	r.kind = PVF_EXEC_APPROVAL;
	return r;
}

static int submit(struct bench *b);

static void on_result(void *ud, const struct pvf_exec_result *r)
{
	struct job *j = ud;
	struct bench *b = j->b;
	uint64_t t = now_ns() - j->t0;

	free(j);
	b->done++;
	/* a valid adder block: compact(72) head data first */
	if (r->status != PVF_EXEC_OK || r->validation_result_len < 74 ||
	    r->validation_result[0] != 0x21) {
		char msg[512];

		pvf_exec_result_format(r, msg, sizeof(msg));
		if (b->errors++ == 0)
			fprintf(stderr, "host_bench: validation failed: %s\n", msg);
		return;
	}
	b->cpu_ns_sum += r->cpu_time_ns;
	if (b->lat_ns && b->n_lat < b->cap_lat)
		b->lat_ns[b->n_lat++] = t;
	if (b->keep_full && b->submitted < b->target)
		submit(b);
}

/* Submits one validation; its callback runs later from dispatch. */
static int submit(struct bench *b)
{
	struct pvf_execute_req req = make_req(b);
	struct job *j = malloc(sizeof(*j));
	int ret;

	if (!j)
		return -ENOMEM;
	j->b = b;
	j->t0 = now_ns();
	ret = pvf_execute(b->h, &req, on_result, j, NULL);
	if (ret < 0) {
		free(j);
		return ret;
	}
	b->submitted++;
	return 0;
}

/* Dispatches until n more requests are done (or deadline_ms passes). */
static int wait_done(struct bench *b, size_t done_target, uint64_t deadline_ms)
{
	uint64_t end = now_ns() + deadline_ms * 1000000u;
	int ret;

	while (b->done < done_target) {
		if (now_ns() > end)
			return -ETIMEDOUT;
		ret = pvf_host_dispatch(b->h, 100);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* A sample line "NAME VALUE" of the Prometheus text; NAN if absent. */
static double metric(struct pvf_host *h, const char *name)
{
	char *text = NULL, *p;
	size_t len, n = strlen(name);
	double v = -1;

	if (pvf_host_metrics(h, &text, &len) < 0)
		return -1;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, n) == 0 && p[n] == ' ') {
			v = strtod(p + n + 1, NULL);
			break;
		}
	}
	free(text);
	return v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_ms(uint64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return n ? (double)v[i] / 1e6 : 0;
}

/* VmRSS of a process in KiB, -1 if unreadable. */
static long rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

/* The parent pid and command name of a process; 0 if unreadable. */
static int proc_ppid(int pid, char comm[32])
{
	char path[64], buf[512], *rp;
	int ppid = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	rp = strrchr(buf, ')');
	if (!rp || sscanf(rp + 2, "%*c %d", &ppid) != 1)
		return 0;
	*rp = 0;
	snprintf(comm, 32, "%s", strchr(buf, '(') ? strchr(buf, '(') + 1 : "?");
	return ppid;
}

/* Prints the RSS of the descendants of pid (workers, their pre-forked jobs). */
static void print_tree_rss(int pid, int depth)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char comm[32];
		int cpid = atoi(e->d_name);

		if (cpid <= 0 || proc_ppid(cpid, comm) != pid)
			continue;
		printf("  %*s%-22s pid %-7d VmRSS %6.1f MiB%s\n", depth * 2, "", comm, cpid,
		       (double)rss_kib(cpid) / 1024, depth ? "  (pre-forked job)" : "");
		print_tree_rss(cpid, depth + 1);
	}
	closedir(d);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int new_host(struct bench *b, const char *const *argv, const char *cache,
		    unsigned exec_workers, bool sandbox)
{
	static const char *const env_off[] = {"PVF_WORKER_SANDBOX=off", NULL};
	static const char *const env_on[] = {NULL};
	struct pvf_config cfg;
	char err[512] = "";
	int ret;

	pvf_config_init(&cfg);
	cfg.cache_dir = cache;
	cfg.prepare_worker_path = argv[1];
	cfg.execute_worker_path = argv[2];
	cfg.node_version = NULL;
	cfg.execute_workers_max = exec_workers;
	cfg.worker_env = sandbox ? env_on : env_off;
	/* The sandbox-off comparison run accepts the risk on purpose. */
	cfg.secure_validator_mode = sandbox;
	cfg.log = quiet_log;
	cfg.log_level = PVF_LOG_WARN;
	ret = pvf_host_new(&cfg, &b->h, err, sizeof(err));
	if (ret < 0)
		fprintf(stderr, "host_bench: cannot start a host: %s\n", err);
	return ret;
}

/* Prepares the code (heads-up) and waits for the preparation; returns its
 * wall-clock time in ns, 0 on failure. */
static uint64_t prepare(struct bench *b)
{
	struct pvf_execute_req req = make_req(b);
	uint64_t t0 = now_ns(), end = t0 + 60000000000u;

	if (pvf_heads_up(b->h, &req.pvf, 1) < 0)
		return 0;
	while (metric(b->h, "polkadot_pvf_prepare_concluded") < 1) {
		if (now_ns() > end || pvf_host_dispatch(b->h, 5) < 0)
			return 0;
	}
	return now_ns() - t0;
}

/* Sequential validations, one in flight; gap_us of idle between them. */
static int latency(struct bench *b, size_t n, unsigned gap_us, const char *label)
{
	double q0 = metric(b->h, "polkadot_pvf_execution_queued_time_sum");
	double e0 = metric(b->h, "polkadot_pvf_execution_time_sum");
	double e1, q1, mean;
	uint64_t t0;
	int ret = 0;

	b->lat_ns = calloc(n, sizeof(*b->lat_ns));
	if (!b->lat_ns)
		return -ENOMEM;
	b->n_lat = 0;
	b->cap_lat = n;
	b->cpu_ns_sum = 0;
	t0 = now_ns();
	for (size_t i = 0; i < n && ret == 0; i++) {
		if (gap_us)
			usleep(gap_us);
		ret = submit(b);
		if (ret == 0)
			ret = wait_done(b, b->done + 1, 10000);
		if (now_ns() - t0 > 15000000000u)
			break;  /* keep the whole run short on a slow machine */
	}
	if (ret == 0 && b->n_lat) {
		qsort(b->lat_ns, b->n_lat, sizeof(*b->lat_ns), cmp_u64);
		mean = 0;
		for (size_t i = 0; i < b->n_lat; i++)
			mean += (double)b->lat_ns[i];
		mean /= (double)b->n_lat * 1e6;
		q1 = metric(b->h, "polkadot_pvf_execution_queued_time_sum");
		e1 = metric(b->h, "polkadot_pvf_execution_time_sum");
		printf("warm latency, %s (%zu validations, one in flight):\n", label, b->n_lat);
		printf("  end to end      p50 %7.3f ms   p99 %7.3f ms   max %7.3f ms"
		       "   (target p50 < 1 ms, p99 < 5 ms)\n",
		       pct_ms(b->lat_ns, b->n_lat, 0.5), pct_ms(b->lat_ns, b->n_lat, 0.99),
		       pct_ms(b->lat_ns, b->n_lat, 1.0));
		printf("  break-down (means):  end to end %.3f ms = queue %.3f ms (ms resolution)"
		       " + host-measured execution %.3f ms + submit/deliver %.3f ms\n",
		       mean, (q1 - q0) * 1e3 / (double)b->n_lat, (e1 - e0) * 1e3 / (double)b->n_lat,
		       mean - (q1 - q0 + e1 - e0) * 1e3 / (double)b->n_lat);
		printf("  execution %.3f ms = job CPU (instantiation + validate_block; the worker"
		       " loaded the artifact once, before) %.3f ms + worker IPC, PoV and params,"
		       " pipes, job exit, scheduling %.3f ms\n",
		       (e1 - e0) * 1e3 / (double)b->n_lat,
		       (double)b->cpu_ns_sum / 1e6 / (double)b->n_lat,
		       (e1 - e0) * 1e3 / (double)b->n_lat -
			       (double)b->cpu_ns_sum / 1e6 / (double)b->n_lat);
	}
	free(b->lat_ns);
	b->lat_ns = NULL;
	return ret;
}

/* Validations with `inflight` requests outstanding at all times. */
static int throughput(struct bench *b, size_t n, size_t inflight, unsigned workers)
{
	uint64_t t0, t;
	size_t done0 = b->done;
	int ret = 0;

	b->keep_full = true;
	b->submitted = 0;
	b->target = n;
	t0 = now_ns();
	for (size_t i = 0; i < inflight && i < n && ret == 0; i++)
		ret = submit(b);
	if (ret == 0)
		ret = wait_done(b, done0 + n, 30000);
	t = now_ns() - t0;
	b->keep_full = false;
	if (ret == 0 && workers)
		printf("throughput, %u execute worker%s: %8.0f validations/s  (%zu validations, %zu"
		       " in flight, %.2f s)%s\n",
		       workers, workers > 1 ? "s" : " ", (double)n / ((double)t / 1e9), n, inflight,
		       (double)t / 1e9, workers == 2 ? "  (target >= 1000/s on 2 cores)" : "");
	return ret;
}

static int read_code(const char *path, struct bench *b)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b->code = malloc(n > 0 ? (size_t)n : 1);
	if (!b->code || n <= 0 || fread(b->code, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	b->code_len = (size_t)n;
	return 0;
}

int main(int argc, char **argv)
{
	struct bench b = {0};
	struct pvf_security sec;
	char cache[] = "/tmp/pvf-hostbench-XXXXXX";
	bool sandbox = true;
	size_t reps = 2000;
	uint64_t t_prep, t0;
	int ret = 1;

	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--no-sandbox") == 0) {
			sandbox = false;
			show_level = PVF_LOG_ERROR;
		}
		else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = (size_t)atol(argv[++i]);
	}
	if (argc < 4 || reps < 10) {
		fprintf(stderr, "usage: host_bench PREPARE_WORKER EXECUTE_WORKER CODE "
			"[--no-sandbox] [--reps N]\n");
		return 2;
	}
	if (read_code(argv[3], &b) < 0) {
		fprintf(stderr, "host_bench: cannot read %s\n", argv[3]);
		return 1;
	}
	/* vector B: parent head {0, zero hash, keccak(0)}, block {state 0, add 5} */
	memcpy(b.head + 40, genesis_state, 32);
	b.block[8] = 5;
	if (!mkdtemp(cache))
		return 1;
	/* workers started by root run as nobody and must reach their dirs */
	chmod(cache, 0711);

	/* one execute worker: preparation, cold and warm latency, idle memory */
	if (new_host(&b, (const char *const *)argv, cache, 1, sandbox) < 0)
		goto out_cache;
	pvf_host_security(b.h, &sec);
	printf("host benchmark: %s (%zu bytes), sandbox %s (landlock %d, seccomp %d, "
	       "namespaces %d, secure clone %d)\n", argv[3], b.code_len,
	       sandbox ? "on" : "off (PVF_WORKER_SANDBOX=off)", sec.can_enable_landlock,
	       sec.can_enable_seccomp, sec.can_unshare_user_namespace_and_change_root,
	       sec.can_do_secure_clone);
	t_prep = prepare(&b);
	if (!t_prep) {
		fprintf(stderr, "host_bench: preparation failed\n");
		goto out_host;
	}
	printf("preparation (heads-up to artifact, incl. prepare-worker spawn): %.1f ms\n",
	       (double)t_prep / 1e6);
	t0 = now_ns();
	if (submit(&b) < 0 || wait_done(&b, 1, 20000) < 0 || b.errors)
		goto out_host;
	printf("cold execution right after preparation (execute-worker spawn + first job): "
	       "%.2f ms\n", (double)(now_ns() - t0) / 1e6);
	t0 = now_ns();
	if (submit(&b) < 0 || wait_done(&b, 2, 20000) < 0 || b.errors)
		goto out_host;
	printf("second execution (worker up, first pre-forked job): %.2f ms\n",
	       (double)(now_ns() - t0) / 1e6);
	if (latency(&b, reps, 0, "back to back") < 0 || b.errors)
		goto out_host;
	if (latency(&b, reps / 8, 5000, "5 ms apart (pre-forked job ready)") < 0 || b.errors)
		goto out_host;
	/* idle: let the next job be pre-forked, then read the memory */
	for (int i = 0; i < 20; i++)
		pvf_host_dispatch(b.h, 10);
	printf("idle memory (VmRSS):\n  %-22s pid %-7d VmRSS %6.1f MiB\n", "host (this process)",
	       (int)getpid(), (double)rss_kib(getpid()) / 1024);
	print_tree_rss(getpid(), 0);
	if (throughput(&b, reps, 16, 1) < 0 || b.errors)
		goto out_host;
	pvf_host_free(b.h);
	b.h = NULL;

	/* two execute workers */
	if (new_host(&b, (const char *const *)argv, cache, 2, sandbox) < 0)
		goto out_cache;
	if (!prepare(&b))
		goto out_host;
	b.done = 0;
	if (throughput(&b, 64, 16, 0) < 0 || b.errors)  /* warm-up: both workers up */
		goto out_host;
	b.done = 0;
	if (throughput(&b, reps * 2, 16, 2) < 0 || b.errors)
		goto out_host;
	ret = 0;
out_host:
	if (ret)
		fprintf(stderr, "host_bench: stopped after %zu validations (%zu failed)\n", b.done,
			b.errors);
	pvf_host_free(b.h);
out_cache:
	nftw(cache, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(b.code);
	return ret;
}
