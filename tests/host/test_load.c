/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Load test of the validation host with the real workers: thousands of adder
 * executions with many in flight while execute workers and their job
 * processes are killed (SIGKILL) and frozen (SIGSTOP) at random moments.
 *
 *   test_load SHARED_DIR PVFS_BUILD_DIR
 *
 * Code: SHARED_DIR/runtime-blobs/adder-kagome.compressed.bin, else the C
 * adder PVFS_BUILD_DIR/adder.wasm; exit 77 when neither exists. The worker
 * programs come from $PVF_PREPARE_WORKER and $PVF_EXECUTE_WORKER.
 *
 * Environment (for longer manual runs, docs/host.md "Load test"):
 *   PVF_LOAD_REQUESTS  executions (default 3000)
 *   PVF_LOAD_KILLS     signals sent (default 60)
 *   PVF_LOAD_SEED      RNG seed (default: from the clock; always printed)
 *   PVF_LOAD_LIMIT_S   the run's time limit in seconds (default 60)
 *
 * Checks: every request is answered exactly once; an answer's class is one
 * its situation allows (valid with the exact expected head whenever it is
 * valid; anything but valid only if a signal was "live" during the request:
 * sent before the answer, to a process that was still present after the
 * request was submitted); the run ends within the limit; after
 * pvf_host_free() no worker or job process seen during the run is left, nor
 * any child of the test.
 */
#include "harness.h"
#include "base/base.h"
#include "runtime/runtime.h"

#define WINDOW 48       /* requests in flight */
#define MAX_KILLS 1000
#define MAX_SEEN 8192

struct req_state {
	int answers;
	int status, reason;
	bool head_ok;
	uint64_t submit_ms, answer_ms;
	char text[160];
};

struct kill_event {
	int pid;
	int sig;
	bool job; /* a job process (else an execute worker) */
	uint64_t at_ms;
	uint64_t gone_ms; /* first time /proc/pid was seen gone; UINT64_MAX = not yet */
};

static const char *prep_worker, *exec_worker;
static struct req_state *reqs;
static struct kill_event kills[MAX_KILLS];
static int n_kills;
static int seen[MAX_SEEN], n_seen;
static uint8_t expect_head[74];
static uint64_t rng;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ull) >> 32);
}

static void quiet_log(void *ctx, enum pvf_log_level level, const char *subsys, const char *msg)
{
	(void)ctx;
	if (getenv("PVF_TEST_VERBOSE"))
		fprintf(stderr, "# [%d] %s: %s\n", (int)level, subsys, msg);
}

static void load_cb(void *ud, const struct pvf_exec_result *r)
{
	struct req_state *s = ud;

	s->answers++;
	s->status = (int)r->status;
	s->reason = r->reason;
	s->answer_ms = t_now_ms();
	s->head_ok = r->status == PVF_EXEC_OK && r->validation_result_len >= sizeof(expect_head) &&
		     !memcmp(r->validation_result, expect_head, sizeof(expect_head));
	pvf_exec_result_format(r, s->text, sizeof(s->text));
}

/* ---- processes --------------------------------------------------------- */

static int ppid_of(int pid)
{
	char path[64], line[1024], *p;
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')))
		sscanf(p + 2, "%*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* argv[0] and argv[1] of pid ("" if unreadable). */
static void cmdline_of(int pid, char *argv0, char *argv1, size_t cap)
{
	char path[64], cmd[1024];
	size_t n = 0;
	FILE *f;

	argv0[0] = argv1[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	cmd[n] = 0;
	strncpy(argv0, cmd, cap - 1);
	argv0[cap - 1] = 0;
	if (strlen(cmd) + 1 < n) {
		strncpy(argv1, cmd + strlen(cmd) + 1, cap - 1);
		argv1[cap - 1] = 0;
	}
}

static bool is_worker_program(int pid)
{
	char a0[512], a1[512];

	cmdline_of(pid, a0, a1, sizeof(a0));
	return !strcmp(a0, prep_worker) || !strcmp(a0, exec_worker);
}

static void remember(int pid)
{
	for (int i = 0; i < n_seen; i++)
		if (seen[i] == pid)
			return;
	if (n_seen < MAX_SEEN)
		seen[n_seen++] = pid;
}

/* Execute workers (children of this process) and their jobs (their
 * children); returns how many were found (at most cap). */
static int scan_targets(int *pids, bool *is_job, int cap)
{
	int workers[64], n_workers = 0, n = 0, me = getpid();
	struct dirent *de;
	DIR *d = opendir("/proc");
	static int all[4096];
	int n_all = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && n_all < 4096)
			all[n_all++] = atoi(de->d_name);
	if (d)
		closedir(d);
	for (int i = 0; i < n_all; i++) {
		char a0[512], a1[512];

		if (ppid_of(all[i]) != me)
			continue;
		remember(all[i]);
		cmdline_of(all[i], a0, a1, sizeof(a0));
		if (!strcmp(a1, "execute-worker") && n_workers < 64)
			workers[n_workers++] = all[i];
	}
	for (int w = 0; w < n_workers && n < cap; w++) {
		pids[n] = workers[w];
		is_job[n++] = false;
	}
	for (int i = 0; i < n_all && n < cap; i++) {
		int pp = ppid_of(all[i]);

		for (int w = 0; w < n_workers; w++)
			if (pp == workers[w] && n < cap) {
				remember(all[i]);
				pids[n] = all[i];
				is_job[n++] = true;
			}
	}
	return n;
}

static bool pid_present(int pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	return access(path, F_OK) == 0;
}

/* One killer step on the host's thread: note signalled processes that are
 * gone; when the answer count has reached the next signal's moment, signal
 * a random execute worker or job. A target that is gone by then is skipped
 * (the moment stays due). */
static void killer_tick(unsigned long answered, const unsigned long *at, int max_kills)
{
	uint64_t now = t_now_ms();
	int pids[128];
	bool job[128];
	int n;

	for (int i = 0; i < n_kills; i++)
		if (kills[i].gone_ms == UINT64_MAX && !pid_present(kills[i].pid))
			kills[i].gone_ms = now;
	if (n_kills >= max_kills || answered < at[n_kills])
		return;
	n = scan_targets(pids, job, 128);
	if (!n)
		return;
	{
		int k = (int)(rnd() % (unsigned)n);
		int sig = rnd() % 3 ? SIGKILL : SIGSTOP;

		if (kill(pids[k], sig) == 0) {
			kills[n_kills] = (struct kill_event){pids[k], sig, job[k], now, UINT64_MAX};
			n_kills++;
		}
	}
}

/* A signal was live during request s: sent before its answer, to a process
 * still present when (or after) the request was submitted. */
static bool disturbed(const struct req_state *s)
{
	for (int i = 0; i < n_kills; i++)
		if (kills[i].at_ms <= s->answer_ms && kills[i].gone_ms >= s->submit_ms)
			return true;
	return false;
}

static bool allowed_disturbed(const struct req_state *s)
{
	switch (s->status) {
	case PVF_EXEC_OK:
		return s->head_ok;
	case PVF_EXEC_INVALID:
		return s->reason == PVF_INVALID_HARD_TIMEOUT;
	case PVF_EXEC_POSSIBLY_INVALID:
		return s->reason == PVF_POSSIBLY_AMBIGUOUS_WORKER_DEATH ||
		       s->reason == PVF_POSSIBLY_AMBIGUOUS_JOB_DEATH ||
		       s->reason == PVF_POSSIBLY_JOB_ERROR;
	case PVF_EXEC_INTERNAL:
		/* the worker died before the request was fully written */
		return s->reason == PVF_INTERNAL_HOST_COMMUNICATION;
	default:
		return false;
	}
}

/* Leftovers after pvf_host_free: a child of this test, or a process seen as
 * a worker or job that still runs a worker program. Waits up to 3 s for
 * orphaned jobs to finish dying. */
static bool frozen_job(int pid)
{
	for (int i = 0; i < n_kills; i++)
		if (kills[i].pid == pid && kills[i].job && kills[i].sig == SIGSTOP)
			return true;
	return false;
}

static int leftovers(int *example, int *frozen)
{
	uint64_t end = t_now_ms() + 3000;
	int n;

	do {
		DIR *d = opendir("/proc");
		struct dirent *de;

		n = 0;
		while (d && (de = readdir(d))) {
			int pid = atoi(de->d_name);

			if (pid > 0 && ppid_of(pid) == getpid()) {
				n++;
				*example = pid;
			}
		}
		if (d)
			closedir(d);
		*frozen = 0;
		for (int i = 0; i < n_seen; i++)
			if (pid_present(seen[i]) && is_worker_program(seen[i])) {
				if (frozen_job(seen[i]) && ppid_of(seen[i]) != getpid()) {
					(*frozen)++;
					continue;
				}
				n++;
				*example = seen[i];
			}
		if (!n && !*frozen)
			break;
		usleep(50 * 1000);
	} while (t_now_ms() < end);
	if (n) {
		char path[64], line[512] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/stat", *example);
		f = fopen(path, "r");
		if (f && fgets(line, sizeof(line), f))
			printf("# left: %s", line);
		if (f)
			fclose(f);
		for (int i = 0; i < n_kills; i++)
			if (kills[i].pid == *example)
				printf("# it got signal %d (%s)\n", kills[i].sig,
				       kills[i].job ? "job" : "worker");
	}
	return n;
}

/* ---- the test ----------------------------------------------------------- */

static unsigned long env_num(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static uint8_t *load_code(const char *shared, const char *pvfs, size_t *len, const char **name)
{
	char path[1200];
	uint8_t *p = NULL;

	snprintf(path, sizeof(path), "%s/runtime-blobs/adder-kagome.compressed.bin", shared);
	if (base_read_file(path, 64u << 20, &p, len, NULL) == 0) {
		*name = "adder-kagome.compressed.bin";
		return p;
	}
	snprintf(path, sizeof(path), "%s/adder.wasm", pvfs);
	if (base_read_file(path, 64u << 20, &p, len, NULL) == 0) {
		*name = "C adder (tests/pvfs)";
		return p;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long n_req = env_num("PVF_LOAD_REQUESTS", 3000);
	int max_kills = (int)env_num("PVF_LOAD_KILLS", 60);
	uint64_t seed = env_num("PVF_LOAD_SEED", 0), limit_ms, t0;
	unsigned long *kill_at;
	uint8_t parent[72] = {0}, block[16] = {0}, zero8[8] = {0}, state5[8] = {5};
	struct pvf_execute_req req = {0};
	struct pvf_config cfg;
	struct pvf_host *h;
	const char *code_name = "";
	uint8_t *code;
	size_t code_len;
	unsigned long submitted = 0, answered = 0, twice = 0, missing = 0, bad = 0, clean = 0;
	unsigned long clean_ok = 0, n_ok = 0;
	int example = -1, left, frozen = 0, n_classes = 0, class_n[16] = {0};
	char classes[16][160];

	if (argc < 3) {
		fprintf(stderr, "usage: %s SHARED_DIR PVFS_BUILD_DIR\n", argv[0]);
		return 2;
	}
	prep_worker = getenv("PVF_PREPARE_WORKER");
	exec_worker = getenv("PVF_EXECUTE_WORKER");
	if (!prep_worker || !exec_worker)
		tap_skip_all("PVF_PREPARE_WORKER / PVF_EXECUTE_WORKER not set");
	code = load_code(argv[1], argv[2], &code_len, &code_name);
	if (!code) {
		printf("1..0 # SKIP no adder PVF (%s/runtime-blobs, %s/adder.wasm)\n", argv[1],
		       argv[2]);
		return 77;
	}
	if (max_kills > MAX_KILLS)
		max_kills = MAX_KILLS;
	if (!seed)
		seed = (t_now_ms() ^ ((uint64_t)getpid() << 32)) | 1;
	rng = seed;
	limit_ms = env_num("PVF_LOAD_LIMIT_S", 60) * 1000;
	printf("# %s, %lu requests, %d signals, PVF_LOAD_SEED=%llu\n", code_name, n_req, max_kills,
	       (unsigned long long)seed);
	signal(SIGPIPE, SIG_IGN);

	/* vector B: genesis head, block {state 0, add 5}, relay parent 7 */
	rt_keccak_256(zero8, 8, parent + 40);
	block[8] = 5;
	expect_head[0] = 0x21;
	expect_head[1] = 0x01;
	expect_head[2] = 1; /* number 1 */
	rt_keccak_256(parent, 72, expect_head + 2 + 8);
	rt_keccak_256(state5, 8, expect_head + 2 + 40);

	t_setup_root();
	chmod(t_root, 0711); /* workers started by root run as nobody */
	pvf_config_init(&cfg);
	cfg.cache_dir = T("cache");
	cfg.prepare_worker_path = prep_worker;
	cfg.execute_worker_path = exec_worker;
	cfg.node_version = NULL;
	cfg.execute_workers_max = 4;
	cfg.spawn_timeout_ms = 3000;
	cfg.spawn_retry_delay_ms = 50;
	cfg.wall_clock_factor = 2;
	cfg.worker_env = t_env_default;
	cfg.log = quiet_log;
	cfg.log_level = PVF_LOG_WARN;
	h = t_host(&cfg);

	req.pvf.code = code;
	req.pvf.code_len = code_len;
	req.pvf.bomb_limit = 30u << 20;
	req.pvf.prep_timeout_ms = 20000;
	req.pvf.prep_kind = PVF_PREP_COMPILATION;
	req.exec_timeout_ms = 1000; /* wall clock 2 s: a frozen job ends quickly */
	req.pvd.parent_head = parent;
	req.pvd.parent_head_len = sizeof(parent);
	req.pvd.relay_parent_number = 7;
	req.pvd.max_pov_size = 5u << 20;
	req.pov = block;
	req.pov_len = sizeof(block);
	req.priority = PVF_PRIO_CRITICAL;
	req.kind = PVF_EXEC_APPROVAL;

	/* prepare once, undisturbed (only execution is under fire) */
	{
		struct t_res r = {0};

		pvf_execute(h, &req, t_exec_cb, &r, NULL);
		ok(t_wait(h, &r, 1, 30000) && r.status == PVF_EXEC_OK &&
		   r.result_len >= sizeof(expect_head) &&
		   !memcmp(r.result, expect_head, sizeof(expect_head)),
		   "warm-up: vector B is valid with the expected head (%s)", r.text);
	}

	reqs = calloc(n_req ? n_req : 1, sizeof(*reqs));
	/* the signals' moments: random answer counts in [5 %, 85 %) of the run,
	 * sorted, so that undisturbed stretches remain between them */
	kill_at = calloc((size_t)max_kills + 1, sizeof(*kill_at));
	for (int i = 0; i < max_kills; i++)
		kill_at[i] = n_req / 20 + (n_req >= 2 ? rnd() % (n_req * 4 / 5 + 1) : 0);
	for (int i = 1; i < max_kills; i++)
		for (int j = i; j > 0 && kill_at[j - 1] > kill_at[j]; j--) {
			unsigned long tmp = kill_at[j];

			kill_at[j] = kill_at[j - 1];
			kill_at[j - 1] = tmp;
		}
	t0 = t_now_ms();
	while (answered < n_req && t_now_ms() - t0 < limit_ms) {
		while (submitted < n_req && submitted - answered < WINDOW) {
			struct req_state *s = &reqs[submitted];

			s->submit_ms = t_now_ms();
			if (pvf_execute(h, &req, load_cb, s, NULL) < 0) {
				printf("# pvf_execute failed for request %lu\n", submitted);
				s->answers = -1000;
			}
			submitted++;
		}
		pvf_host_dispatch(h, 5);
		killer_tick(answered, kill_at, max_kills);
		answered = 0;
		for (unsigned long i = 0; i < submitted; i++)
			answered += reqs[i].answers != 0;
	}
	printf("# %lu of %lu answered in %llu ms; %d signals sent\n", answered, n_req,
	       (unsigned long long)(t_now_ms() - t0), n_kills);
	ok(answered == n_req, "every request answered within %llu s (no hang)",
	   (unsigned long long)(limit_ms / 1000));
	/* let late duplicates show up, and frozen processes be noticed */
	t_spin(h, 200);
	for (int i = 0; i < n_kills; i++)
		if (kills[i].gone_ms == UINT64_MAX && !pid_present(kills[i].pid))
			kills[i].gone_ms = t_now_ms();

	for (unsigned long i = 0; i < n_req; i++) {
		struct req_state *s = &reqs[i];
		bool dist;

		if (s->answers == 0) {
			missing++;
			continue;
		}
		if (s->answers != 1) {
			twice++;
			continue;
		}
		dist = disturbed(s);
		if (s->status != PVF_EXEC_OK && n_classes < 16) {
			int c;

			for (c = 0; c < n_classes && strcmp(classes[c], s->text); c++)
				;
			if (c == n_classes)
				snprintf(classes[n_classes++], sizeof(classes[0]), "%s", s->text);
			class_n[c]++;
		}
		n_ok += s->status == PVF_EXEC_OK;
		if (!dist) {
			clean++;
			clean_ok += s->status == PVF_EXEC_OK && s->head_ok;
			if (s->status != PVF_EXEC_OK || !s->head_ok) {
				if (bad++ < 5)
					printf("# request %lu (undisturbed): %s\n", i, s->text);
			}
		} else if (!allowed_disturbed(s)) {
			if (bad++ < 5)
				printf("# request %lu (disturbed): %s\n", i, s->text);
		}
	}
	{
		int jobs = 0, stops = 0;

		for (int i = 0; i < n_kills; i++) {
			jobs += kills[i].job;
			stops += kills[i].sig == SIGSTOP;
		}
		printf("# signals: %d to jobs, %d to workers, %d SIGSTOP; %lu valid answers, %lu "
		       "undisturbed requests\n", jobs, n_kills - jobs, stops, n_ok, clean);
	}
	for (int c = 0; c < n_classes; c++)
		printf("# %d x %s\n", class_n[c], classes[c]);
	ok(missing == 0, "no request without an answer (%lu missing)", missing);
	ok(twice == 0, "no request answered twice (%lu)", twice);
	ok(bad == 0, "every answer's class fits its situation (%lu do not)", bad);
	ok(clean_ok == clean && clean > 0, "undisturbed requests: all %lu valid with the expected "
	   "head", clean);
	ok(n_kills > 0 || max_kills == 0, "the killer signalled %d processes", n_kills);

	pvf_host_free(h);
	{
		unsigned long after = 0;

		for (unsigned long i = 0; i < n_req; i++)
			after += reqs[i].answers > 1;
		ok(after == 0, "pvf_host_free delivered nothing twice");
	}
	left = leftovers(&example, &frozen);
	ok(left == 0, "no worker, job or child left after pvf_host_free (%d, e.g. pid %d; %d "
	   "processes seen)", left, example, n_seen);
	/* A stopped job must not outlive its worker: the sandbox's credential
	 * change clears a job's parent-death signal, so the host kills each
	 * worker's whole process group (docs/host.md "Load test"). */
	ok(frozen == 0, "no frozen job outlives its worker (%d left)", frozen);
	for (int i = 0; i < n_kills; i++)
		if (frozen_job(kills[i].pid) && pid_present(kills[i].pid) &&
		    is_worker_program(kills[i].pid))
			kill(kills[i].pid, SIGKILL);
	free(kill_at);
	free(reqs);
	free(code);
	t_cleanup_root();
	return tap_done();
}
