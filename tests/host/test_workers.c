/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration tests of the validation host with the real worker programs
 * (workers/) and real PVFs (pvf-host.md §9).
 *
 *   test_workers core  DATA_DIR            small modules built from .wat
 *   test_workers blobs DATA_DIR SHARED_DIR the adder PVFs and a real runtime
 *                                          (exits 77 when SHARED_DIR/runtime-blobs
 *                                          is absent)
 *
 * The worker programs come from $PVF_PREPARE_WORKER and $PVF_EXECUTE_WORKER.
 * Workers run with the sandbox the host's start-up check finds (each worker
 * program's --check-security; as nobody: the test directory is made
 * searchable for it).
 */
#include <sys/resource.h>
#include <zstd.h>

#include "harness.h"
#include "base/base.h"
#include "base/scale.h"
#include "runtime/runtime.h"
#include "sandbox/sandbox.h"

static const char *prep_worker, *exec_worker, *data_dir, *shared_dir;
static int job_stats_pid, artifacts_cached;

static void w_log_sink(void *ctx, enum pvf_log_level level, const char *subsys, const char *msg)
{
	const char *s = strstr(msg, "job stats: pid=");

	if (s)
		job_stats_pid = atoi(s + 15);
	if (strstr(msg, "artifact cached: "))
		artifacts_cached++;
	t_log_sink(ctx, level, subsys, msg);
}

static void w_setup(void)
{
	t_setup_root();
	/* workers started by root run as nobody and must reach their dirs */
	chmod(t_root, 0711);
}

static void w_config(struct pvf_config *c)
{
	pvf_config_init(c);
	c->cache_dir = T("cache");
	c->prepare_worker_path = prep_worker;
	c->execute_worker_path = exec_worker;
	c->node_version = NULL;
	c->prepare_workers_soft_max = 1;
	c->prepare_workers_hard_max = 2;
	c->execute_workers_max = 2;
	c->spawn_timeout_ms = 3000;
	c->spawn_retry_delay_ms = 100;
	c->worker_env = t_env_default;
	c->log = w_log_sink;
	c->log_level = PVF_LOG_DEBUG;
}

static uint8_t *read_data(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	uint8_t *p = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (base_read_file(path, 64u << 20, &p, len, NULL) < 0) {
		printf("# cannot read %s\n", path);
		return NULL;
	}
	return p;
}

static struct pvf_code code_of(const uint8_t *p, size_t len, enum pvf_prep_kind kind)
{
	struct pvf_code c = {0};

	c.code = p;
	c.code_len = len;
	c.bomb_limit = 30u << 20;
	c.prep_timeout_ms = 20000;
	c.prep_kind = kind;
	return c;
}

/* ExecutorParams with one u64 item (PrecheckingMaxMemory). */
static size_t params_u64(uint8_t out[10], uint8_t tag, uint64_t v)
{
	out[0] = 1 << 2; /* compact(1) */
	out[1] = tag;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(v >> (8 * i));
	return 10;
}

/* A zstd blob with the code prefix that decompresses to n zero bytes. */
static uint8_t *zstd_zeros(size_t n, size_t *len)
{
	static const uint8_t prefix[8] = {0x52, 0xbc, 0x53, 0x76, 0x46, 0xdb, 0x8e, 0x05};
	uint8_t *zeros = calloc(1, n), *out;
	size_t cap = ZSTD_compressBound(n) + 8, c;

	out = malloc(cap);
	memcpy(out, prefix, 8);
	c = ZSTD_compress(out + 8, cap - 8, zeros, n, 1);
	free(zeros);
	if (ZSTD_isError(c)) {
		free(out);
		return NULL;
	}
	*len = c + 8;
	return out;
}

static void leb128(struct buf *b, uint32_t v)
{
	do {
		uint8_t byte = v & 0x7f;

		v >>= 7;
		buf_append_byte(b, v ? (uint8_t)(byte | 0x80) : byte);
	} while (v);
}

/* A valid PVF-shaped module with a data segment of n zero bytes, zstd
 * compressed: tiny on disk, n bytes once decompressed. */
static uint8_t *memory_hungry(size_t n, size_t *len)
{
	static const uint8_t prefix[8] = {0x52, 0xbc, 0x53, 0x76, 0x46, 0xdb, 0x8e, 0x05};
	static const uint8_t head[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		5, 4, 1, 0, 0xa0, 0x10,     /* memory section: one memory, min 2080 pages */
	};
	struct buf m = BUF_INIT, seg = BUF_INIT;
	uint8_t *out;
	size_t cap, c;

	/* data section: one active segment at offset 0 (i32.const 0 end) */
	buf_append(&seg, (const uint8_t[]){1, 0, 0x41, 0, 0x0b}, 5);
	leb128(&seg, (uint32_t)n);
	buf_append(&m, head, sizeof(head));
	buf_append_byte(&m, 11);
	leb128(&m, (uint32_t)(seg.len + n));
	buf_append(&m, seg.data, seg.len);
	buf_reserve(&m, n);
	memset(m.data + m.len, 0, n);
	m.len += n;
	cap = ZSTD_compressBound(m.len) + 8;
	out = malloc(cap);
	memcpy(out, prefix, 8);
	c = ZSTD_compress(out + 8, cap - 8, m.data, m.len, 1);
	buf_deinit(&m);
	buf_deinit(&seg);
	*len = c + 8;
	return out;
}

/* ---- processes ------------------------------------------------------------- */

static int ppid_of(int pid, unsigned long *cpu_ticks)
{
	char path[64], line[1024], *p;
	unsigned long ut = 0, st = 0;
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')))
		sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ppid, &ut,
		       &st);
	fclose(f);
	if (cpu_ticks)
		*cpu_ticks = ut + st;
	return ppid;
}

static bool is_kind(int pid, const char *kind)
{
	char path[64], cmd[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	cmd[n] = 0;
	/* argv[1] follows the first NUL */
	return strlen(cmd) + 1 < n && !strcmp(cmd + strlen(cmd) + 1, kind);
}

/* The first child of parent (of the given kind, if any); its CPU ticks. */
static int child_of(int parent, const char *kind, unsigned long *ticks)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int found = -1;

	while (d && (de = readdir(d))) {
		int pid = atoi(de->d_name);

		if (pid > 0 && ppid_of(pid, ticks) == parent && (!kind || is_kind(pid, kind))) {
			found = pid;
			break;
		}
	}
	if (d)
		closedir(d);
	return found;
}

static int threads_of(int pid)
{
	char path[64], line[256];
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* ---- core tests (no shared blobs) ------------------------------------------ */

static void test_precheck_small(void)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r[2] = {0};
	uint8_t *halt, *signext;
	size_t halt_len, signext_len;
	struct pvf_code c;

	w_setup();
	halt = read_data(data_dir, "pvf_halt.wasm", &halt_len);
	signext = read_data(data_dir, "pvf_signext.wasm", &signext_len);
	w_config(&cfg);
	h = t_host(&cfg);
	c = code_of(halt, halt_len, PVF_PREP_PRECHECKING);
	pvf_precheck(h, &c, t_precheck_cb, &r[0], NULL);
	c = code_of(signext, signext_len, PVF_PREP_PRECHECKING);
	pvf_precheck(h, &c, t_precheck_cb, &r[1], NULL);
	ok(t_wait(h, r, 2, 10000), "precheck: both results within 10 s");
	ok(r[0].status == 0 && r[0].prep_kind == -1, "precheck of the halting PVF: accepted (%s)",
	   r[0].text);
	ok_eq(r[1].prep_kind, PVF_PREP_ERR_PREVALIDATION,
	      "precheck of a sign-ext module: prevalidation error (%s)", r[1].text);
	ok(strstr(r[1].msg, "sign-extension") != NULL, "the reason names sign-extension");
	ok(t_cache_count(".pvf") == 1, "one artifact in the cache");
	ok(t_logged("sandboxed"), "the workers report their sandbox");
	pvf_host_free(h);
	free(halt);
	free(signext);
	t_cleanup_root();
}

/* Each failure class of a pre-check, exactly. */
static void test_precheck_classes(void)
{
	static const struct {
		const char *file;
		enum pvf_prep_kind kind;
		int want;       /* -1: accepted */
		const char *what;
	} cases[] = {
		{"pvf_underflow.wasm", PVF_PREP_PRECHECKING, PVF_PREP_ERR_PREPARATION,
		 "stack-limiter underflow: rejected deterministically"},
		{"rt_link_global.wasm", PVF_PREP_PRECHECKING, PVF_PREP_ERR_RUNTIME_CONSTRUCTION,
		 "global import: runtime construction (pre-checking links)"},
	};
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r[2] = {0};
	uint8_t *code[2];
	size_t len[2];
	struct pvf_code c;

	w_setup();
	w_config(&cfg);
	h = t_host(&cfg);
	for (int i = 0; i < 2; i++) {
		code[i] = read_data(data_dir, cases[i].file, &len[i]);
		c = code_of(code[i], len[i], cases[i].kind);
		pvf_precheck(h, &c, t_precheck_cb, &r[i], NULL);
	}
	ok(t_wait(h, r, 2, 10000), "pre-check classes: results");
	/* determinism.md §10: the stack limiter's rejections are Preparation
	 * errors (the engine gives them ENG_ERR_STACK_LIMITER). */
	ok(r[0].prep_kind == PVF_PREP_ERR_PREPARATION && strstr(r[0].msg, "stack underflow"),
	   "%s (%s)", cases[0].what, r[0].text);
	ok_eq(r[1].prep_kind, cases[1].want, "%s (%s)", cases[1].what, r[1].text);
	pvf_host_free(h);
	t_cleanup_root();

	/* Compilation does not construct the runtime: the link error shows
	 * at execution, as possibly invalid (and the artifact is removed). */
	{
		struct pvf_execute_req req = {0};
		struct t_res e = {0};
		static const uint8_t head[] = "head";

		w_setup();
		w_config(&cfg);
		h = t_host(&cfg);
		req.pvf = code_of(code[1], len[1], PVF_PREP_COMPILATION);
		req.exec_timeout_ms = 2000;
		req.pvd.parent_head = head;
		req.pvd.parent_head_len = 4;
		req.pov = (const uint8_t *)"block";
		req.pov_len = 5;
		req.priority = PVF_PRIO_CRITICAL;
		req.kind = PVF_EXEC_APPROVAL;
		pvf_execute(h, &req, t_exec_cb, &e, NULL);
		ok(t_wait(h, &e, 1, 10000) && e.status == PVF_EXEC_POSSIBLY_INVALID &&
		   e.reason == PVF_POSSIBLY_RUNTIME_CONSTRUCTION,
		   "link error at execution: possibly invalid, runtime construction (%s)", e.text);
		ok_eq(t_cache_count(".pvf"), 0, "the artifact was removed");
		pvf_host_free(h);
		t_cleanup_root();
	}
	for (int i = 0; i < 2; i++)
		free(code[i]);
}

static struct pvf_execute_req halt_req(const uint8_t *code, size_t len, uint64_t timeout_ms)
{
	static const uint8_t head[] = "head";
	struct pvf_execute_req r = {0};

	r.pvf = code_of(code, len, PVF_PREP_COMPILATION);
	r.exec_timeout_ms = timeout_ms;
	r.pvd.parent_head = head;
	r.pvd.parent_head_len = 4;
	r.pvd.max_pov_size = 5u << 20;
	r.pov = (const uint8_t *)"block";
	r.pov_len = 5;
	r.priority = PVF_PRIO_CRITICAL;
	r.kind = PVF_EXEC_APPROVAL;
	return r;
}

static void test_halt_timeout(void)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_execute_req req;
	uint8_t *halt;
	size_t len;
	uint64_t t0;

	w_setup();
	halt = read_data(data_dir, "pvf_halt.wasm", &len);
	w_config(&cfg);
	h = t_host(&cfg);
	req = halt_req(halt, len, 400);
	t0 = t_now_ms();
	pvf_execute(h, &req, t_exec_cb, &r, NULL);
	ok(t_wait(h, &r, 1, 10000), "halt: a result");
	ok(r.status == PVF_EXEC_INVALID && r.reason == PVF_INVALID_HARD_TIMEOUT,
	   "halting PVF: invalid, hard timeout (%s)", r.text);
	/* The worker kills the job at 400 ms of CPU; only on a machine so
	 * loaded that 400 ms of CPU take 1.6 s would the host's wall clock
	 * get there first (same verdict). */
	ok(r.at_ms - t0 >= 400 && r.at_ms - t0 < 10000, "ended after the CPU limit (%llu ms)",
	   (unsigned long long)(r.at_ms - t0));
	ok(!t_logged("wall-clock") || r.at_ms - t0 >= 1600,
	   "the worker, not the host's wall clock, ended it (unless the machine is overloaded)");
	/* a timeout retires the worker: the next request gets a fresh one */
	memset(&r, 0, sizeof(r));
	pvf_execute(h, &req, t_exec_cb, &r, NULL);
	ok(t_wait(h, &r, 1, 10000) && r.reason == PVF_INVALID_HARD_TIMEOUT,
	   "again: hard timeout (%s)", r.text);
	pvf_host_free(h);
	free(halt);
	t_cleanup_root();
}

static void test_job_killed(void)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_execute_req req;
	unsigned long ticks = 0;
	uint8_t *halt;
	size_t len;
	int worker = -1, job = -1;
	uint64_t end;

	w_setup();
	halt = read_data(data_dir, "pvf_halt.wasm", &len);
	w_config(&cfg);
	h = t_host(&cfg);
	req = halt_req(halt, len, 5000);
	pvf_execute(h, &req, t_exec_cb, &r, NULL);
	/* the running job: the execute worker's child that burns CPU */
	end = t_now_ms() + 8000;
	while (t_now_ms() < end && !r.done) {
		pvf_host_dispatch(h, 20);
		worker = child_of(getpid(), "execute-worker", NULL);
		job = worker > 0 ? child_of(worker, NULL, &ticks) : -1;
		if (job > 0 && ticks >= 10)
			break;
	}
	ok(job > 0 && ticks >= 10, "found the running job process %d of worker %d", job, worker);
	ok_eq(threads_of(worker), 1, "the execute worker is single-threaded");
	ok_eq(threads_of(job), 1, "the job is single-threaded");
	if (job > 0)
		kill(job, SIGKILL);
	ok(t_wait(h, &r, 1, 8000), "a result after the kill");
	ok(r.status == PVF_EXEC_POSSIBLY_INVALID && r.reason == PVF_POSSIBLY_AMBIGUOUS_JOB_DEATH,
	   "killed job: possibly invalid, ambiguous job death (%s)", r.text);
	ok(!strcmp(r.msg, "received signal: SIGKILL"), "the reason names the signal (%s)", r.msg);
	pvf_host_free(h);
	free(halt);
	t_cleanup_root();
}

static void test_artifact_deleted_corrupted(void)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_execute_req req;
	struct pvf_code c;
	char path[512];
	uint8_t *halt;
	size_t len;
	FILE *f;

	for (int verify = 1; verify >= 0; verify--) {
		w_setup();
		halt = read_data(data_dir, "pvf_halt.wasm", &len);
		w_config(&cfg);
		cfg.verify_artifacts = verify;
		h = t_host(&cfg);
		c = code_of(halt, len, PVF_PREP_PRECHECKING);
		memset(&r, 0, sizeof(r));
		pvf_precheck(h, &c, t_precheck_cb, &r, NULL);
		ok(t_wait(h, &r, 1, 10000) && r.prep_kind == -1, "precheck ok (%s)", r.text);
		snprintf(path, sizeof(path), "%s", t_artifact_path());
		if (verify) {
			unlink(path);
		} else {
			f = fopen(path, "w");
			if (f) {
				fputs("corrupted wasm", f);
				fclose(f);
			}
		}
		req = halt_req(halt, len, 300);
		memset(&r, 0, sizeof(r));
		pvf_execute(h, &req, t_exec_cb, &r, NULL);
		ok(t_wait(h, &r, 1, 10000), "a result");
		if (verify) {
			ok(r.status == PVF_EXEC_INVALID && r.reason == PVF_INVALID_HARD_TIMEOUT,
			   "deleted artifact: prepared again, then hard timeout (%s)", r.text);
			ok_eq(t_metric(h, "polkadot_pvf_prepare_concluded"), 2,
			      "two preparations");
			ok_eq(t_cache_count(".pvf"), 1, "one artifact in the cache");
		} else {
			ok(r.status == PVF_EXEC_POSSIBLY_INVALID &&
			   r.reason == PVF_POSSIBLY_RUNTIME_CONSTRUCTION,
			   "corrupted artifact, not verified by the host: the worker refuses it, "
			   "possibly invalid, runtime construction (%s)", r.text);
			ok(access(path, F_OK) != 0, "the corrupted artifact was removed");
			memset(&r, 0, sizeof(r));
			pvf_precheck(h, &c, t_precheck_cb, &r, NULL);
			ok(t_wait(h, &r, 1, 10000) && r.prep_kind == -1,
			   "precheck after that: prepared again, ok (%s)", r.text);
			ok_eq(t_cache_count(".pvf"), 1, "one artifact in the cache");
		}
		pvf_host_free(h);
		free(halt);
		t_cleanup_root();
	}
}

/* An artifact stamped with another engine build (the prepare worker's
 * PVF_WORKER_TEST_FOREIGN_BUILD): the execute job refuses it as runtime
 * construction, the host removes it, and the next request prepares again. */
static void test_foreign_build(void)
{
	static const char *env[] = {"PVF_WORKER_TEST_FOREIGN_BUILD=1", NULL};
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_execute_req req;
	uint8_t *halt;
	size_t len;

	w_setup();
	halt = read_data(data_dir, "pvf_halt.wasm", &len);
	w_config(&cfg);
	cfg.worker_env = env;
	h = t_host(&cfg);
	for (int round = 1; round <= 2; round++) {
		req = halt_req(halt, len, 300);
		memset(&r, 0, sizeof(r));
		pvf_execute(h, &req, t_exec_cb, &r, NULL);
		ok(t_wait(h, &r, 1, 10000) && r.status == PVF_EXEC_POSSIBLY_INVALID &&
		   r.reason == PVF_POSSIBLY_RUNTIME_CONSTRUCTION &&
		   strstr(r.msg, "another engine build"),
		   "round %d: artifact of another engine build: possibly invalid, runtime "
		   "construction (%s)", round, r.text);
		ok_eq(t_cache_count(".pvf"), 0, "round %d: the artifact was removed", round);
		ok_eq(t_metric(h, "polkadot_pvf_prepare_concluded"), round,
		      "round %d: prepared %d time(s)", round, round);
	}
	pvf_host_free(h);
	free(halt);
	t_cleanup_root();
}

static void test_bombs(void)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r[3] = {0};
	struct pvf_execute_req req;
	struct pvf_code c;
	uint8_t *bomb, *povbomb, *halt;
	size_t bomb_len, pov_len, halt_len;

	w_setup();
	halt = read_data(data_dir, "pvf_halt.wasm", &halt_len);
	bomb = zstd_zeros((1u << 20) + 1, &bomb_len);
	povbomb = zstd_zeros(RT_POV_BOMB_LIMIT + 1, &pov_len);
	w_config(&cfg);
	h = t_host(&cfg);
	c = code_of(bomb, bomb_len, PVF_PREP_PRECHECKING);
	c.bomb_limit = 1u << 20;
	pvf_precheck(h, &c, t_precheck_cb, &r[0], NULL);
	req = halt_req(bomb, bomb_len, 1000);
	req.pvf.bomb_limit = 1u << 20;
	req.pvf.prep_kind = PVF_PREP_COMPILATION;
	pvf_execute(h, &req, t_exec_cb, &r[1], NULL);
	ok(t_wait(h, r, 2, 10000), "code bomb: results");
	ok_eq(r[0].prep_kind, PVF_PREP_ERR_DECOMPRESS,
	      "precheck of a code bomb: could not decompress (%s)", r[0].text);
	ok(r[1].status == PVF_EXEC_PREPARATION && r[1].prep_kind == PVF_PREP_ERR_DECOMPRESS,
	   "execution with a code bomb: preparation error (%s)", r[1].text);
	req = halt_req(halt, halt_len, 1000);
	req.pov = povbomb;
	req.pov_len = pov_len;
	pvf_execute(h, &req, t_exec_cb, &r[2], NULL);
	ok(t_wait(h, &r[2], 1, 10000), "PoV bomb: a result");
	ok(r[2].status == PVF_EXEC_INVALID && r[2].reason == PVF_INVALID_POV_DECOMPRESSION,
	   "PoV bomb: invalid, PoV decompression failure (%s)", r[2].text);
	pvf_host_free(h);
	free(bomb);
	free(povbomb);
	free(halt);
	t_cleanup_root();
}

static void test_memory_hungry(void)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r[2] = {0};
	struct pvf_code c;
	uint8_t params[2][10], *code;
	size_t len, plen;

	if (!getenv("PVF_TRACKING_ALLOCATOR")) {
		printf("ok %d # SKIP no allocation tracking in this build (sanitizers)\n", ++tap__n);
		return;
	}
	code = memory_hungry(16u << 20, &len);
	/* PrecheckingMaxMemory (tag 4): 8 MiB (OOM), 256 MiB (enough). It is
	 * not part of the artifact's identity, so each limit gets its own
	 * host (as the reference's two tests). */
	plen = params_u64(params[0], 4, 8u << 20);
	params_u64(params[1], 4, 256u << 20);
	for (int i = 0; i < 2; i++) {
		w_setup();
		w_config(&cfg);
		h = t_host(&cfg);
		c = code_of(code, len, PVF_PREP_PRECHECKING);
		c.executor_params = params[i];
		c.executor_params_len = plen;
		pvf_precheck(h, &c, t_precheck_cb, &r[i], NULL);
		ok(t_wait(h, &r[i], 1, 15000), "memory-hungry PVF: a result");
		pvf_host_free(h);
		t_cleanup_root();
	}
	ok_eq(r[0].prep_kind, PVF_PREP_ERR_OUT_OF_MEMORY,
	      "16 MiB module under PrecheckingMaxMemory 8 MiB: out of memory (%s)", r[0].text);
	ok(r[1].status == 0 && r[1].prep_kind == -1,
	   "the same module under 256 MiB: accepted (%s)", r[1].text);
	ok(pvf_prep_error_is_deterministic(PVF_PREP_ERR_OUT_OF_MEMORY),
	   "out of memory is a deterministic rejection");
	free(code);
}

static void test_prefork(void)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_execute_req req;
	uint8_t *trap;
	size_t len;
	int worker = -1, idle = -1;
	uint64_t end;

	w_setup();
	trap = read_data(data_dir, "pvf_trap.wasm", &len);
	w_config(&cfg);
	cfg.execute_workers_max = 1;
	h = t_host(&cfg);
	req = halt_req(trap, len, 2000);
	pvf_execute(h, &req, t_exec_cb, &r, NULL);
	ok(t_wait(h, &r, 1, 10000) && r.status == PVF_EXEC_INVALID &&
	   r.reason == PVF_INVALID_WORKER_REPORTED,
	   "a trapping PVF: invalid, worker reported (%s)", r.text);
	ok(strstr(r.msg, "trap: unreachable") != NULL, "the worker names the trap (%s)", r.msg);
	/* no request pending: the worker has made its next job already */
	end = t_now_ms() + 3000;
	while (t_now_ms() < end && idle < 0) {
		pvf_host_dispatch(h, 5);
		worker = child_of(getpid(), "execute-worker", NULL);
		idle = worker > 0 ? child_of(worker, NULL, NULL) : -1;
	}
	ok(idle > 0, "with no request pending, the worker %d has a job process waiting (%d)",
	   worker, idle);
	req.pov = (const uint8_t *)"other block";
	req.pov_len = 11;
	memset(&r, 0, sizeof(r));
	job_stats_pid = 0;
	pvf_execute(h, &req, t_exec_cb, &r, NULL);
	ok(t_wait(h, &r, 1, 10000) && r.reason == PVF_INVALID_WORKER_REPORTED,
	   "second execution: invalid (%s)", r.text);
	ok(job_stats_pid == idle, "the job that ran (%d) is the process that was waiting (%d)",
	   job_stats_pid, idle);
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"execute\"}"), 1,
	      "one execute worker throughout");
	pvf_host_free(h);
	free(trap);
	t_cleanup_root();
}

/* The execute worker's loaded-artifact cache: two artifacts alternate on one
 * worker; each execution runs in a pristine instance (pvf_once traps if its
 * instance ran before), the trap still comes from the trapping one, and once
 * both are cached the job that runs is the one that was already waiting
 * (it inherited both loaded modules: nothing is loaded or cloned on the
 * request path). */
static void test_loaded_cache(void)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_execute_req once_req, trap_req;
	uint8_t *once, *trap;
	size_t once_len, trap_len;
	int worker, idle, valid = 0, trapped = 0, waited = 0, rounds = 4;
	uint64_t end;

	w_setup();
	once = read_data(data_dir, "pvf_once.wasm", &once_len);
	trap = read_data(data_dir, "pvf_trap.wasm", &trap_len);
	w_config(&cfg);
	cfg.execute_workers_max = 1;
	h = t_host(&cfg);
	artifacts_cached = 0;
	once_req = halt_req(once, once_len, 2000);
	trap_req = halt_req(trap, trap_len, 2000);
	for (int i = 0; i < 2 * rounds; i++) {
		bool is_once = i % 2 == 0;

		/* let the worker clone its next job, and note which one waits */
		idle = -1;
		end = t_now_ms() + 3000;
		while (i >= 2 && t_now_ms() < end && idle < 0) {
			pvf_host_dispatch(h, 5);
			worker = child_of(getpid(), "execute-worker", NULL);
			idle = worker > 0 ? child_of(worker, NULL, NULL) : -1;
		}
		memset(&r, 0, sizeof(r));
		job_stats_pid = 0;
		pvf_execute(h, is_once ? &once_req : &trap_req, t_exec_cb, &r, NULL);
		if (!t_wait(h, &r, 1, 10000))
			break;
		if (is_once && r.status == PVF_EXEC_OK)
			valid++;
		if (!is_once && r.status == PVF_EXEC_INVALID &&
		    r.reason == PVF_INVALID_WORKER_REPORTED && strstr(r.msg, "unreachable"))
			trapped++;
		if (i >= 2 && idle > 0 && job_stats_pid == idle)
			waited++;
	}
	ok_eq(valid, rounds, "the run-once PVF is valid every time: a pristine instance each");
	ok_eq(trapped, rounds, "the trapping PVF traps every time");
	ok_eq(artifacts_cached, 2, "each artifact was loaded once by the worker");
	ok_eq(waited, 2 * rounds - 2,
	      "with both artifacts cached, every job that ran was the one already waiting");
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"execute\"}"), 1,
	      "one execute worker throughout");
	pvf_host_free(h);
	free(once);
	free(trap);
	t_cleanup_root();
}

/* The test-only unsandboxed mode, and secure validator mode (which needs
 * every required layer; skipped where the machine lacks one). */
static void test_sandbox_modes(void)
{
	static const char *const off_env[] = {"PVF_WORKER_SANDBOX=off", NULL};
	struct pvf_config cfg;
	struct pvf_host *h = NULL;
	struct t_res r[2] = {0};
	struct pvf_execute_req req;
	char err[256] = "";
	uint8_t *halt;
	size_t len;

	halt = read_data(data_dir, "pvf_halt.wasm", &len);
	w_setup();
	w_config(&cfg);
	cfg.worker_env = off_env;
	/* Unsandboxed workers report every layer missing: accept the risk. */
	cfg.secure_validator_mode = false;
	h = t_host(&cfg);
	req = halt_req(halt, len, 100);
	pvf_execute(h, &req, t_exec_cb, &r[0], NULL);
	ok(t_wait(h, &r[0], 1, 10000) && r[0].reason == PVF_INVALID_HARD_TIMEOUT,
	   "unsandboxed workers (PVF_WORKER_SANDBOX=off): hard timeout (%s)", r[0].text);
	ok(t_logged("running unsandboxed"), "the workers say they run unsandboxed");
	pvf_host_free(h);
	t_cleanup_root();

	w_setup();
	w_config(&cfg);
	cfg.secure_validator_mode = true;
	if (pvf_host_new(&cfg, &h, err, sizeof(err)) < 0) {
		printf("ok %d # SKIP secure validator mode not possible here: %s\n", ++tap__n, err);
	} else {
		pvf_execute(h, &req, t_exec_cb, &r[1], NULL);
		ok(t_wait(h, &r[1], 1, 10000) && r[1].reason == PVF_INVALID_HARD_TIMEOUT,
		   "secure validator mode: every required layer applied, hard timeout (%s)",
		   r[1].text);
		pvf_host_free(h);
	}
	t_cleanup_root();
	free(halt);
}

/* The start-up check with the real worker programs (pvf-host.md §5.1): the
 * status matches the in-process probe; each required layer broken with the
 * test-only PVF_WORKER_TEST_BREAK (worker check mode only) makes secure
 * validator mode refuse, naming the layer, what provides it and the option
 * that accepts the risk; without secure validator mode the host starts with
 * a warning and its workers run with the remaining layers. */
static void test_security_check(void)
{
	static const struct {
		const char *brk;
		const char *names;  /* as the refusal lists them */
		const char *hint;   /* what provides them */
		bool secure;        /* still enough for secure validator mode */
	} cases[] = {
		{"seccomp", "layer seccomp missing", "seccomp: kernel CONFIG_SECCOMP_FILTER", false},
		/* seccomp needs no_new_privs (the worker has no capabilities) */
		{"no-new-privs", "layer no-new-privs, seccomp missing", "PR_SET_NO_NEW_PRIVS", false},
		{"landlock,change-root", "layer change-root, landlock missing", "lsm=...,landlock",
		 false},
		{"user-namespace,landlock", "layer change-root, landlock missing",
		 "kernel.unprivileged_userns_clone=1", false},
		{"landlock", NULL, NULL, true},
	};
	struct pvf_security sec;
	struct pvf_config cfg;
	struct pvf_host *h = NULL;
	struct pvf_execute_req req;
	struct sbx_status st;
	struct pvf_err perr = {0};
	char err[512] = "", why[160];
	uint8_t *halt;
	size_t len, i;
	int l, same = 1;

	if (sbx_probe(0, &st, &perr) < 0 || !sbx_status_secure(&st, why, sizeof(why))) {
		printf("ok %d # SKIP this machine cannot run the full sandbox: %s%s\n", ++tap__n,
		       perr.msg, why);
		return;
	}
	halt = read_data(data_dir, "pvf_halt.wasm", &len);
	req = halt_req(halt, len, 100);

	/* Nothing broken: secure validator mode starts; the status is the
	 * in-process probe's, layer by layer. */
	w_setup();
	w_config(&cfg);
	cfg.secure_validator_mode = true;
	ok(pvf_host_new(&cfg, &h, err, sizeof(err)) == 0 && h, "secure validator mode starts (%s)",
	   err);
	if (h) {
		pvf_host_security(h, &sec);
		for (l = 0; l < PVF_LAYER_COUNT; l++) {
			if (sec.layer[l].works == (st.layer[l].state == SBX_WORKS))
				continue;
			printf("# %s: host %d, probe %d (%s)\n", sbx_layer_name(l),
			       sec.layer[l].works, st.layer[l].state == SBX_WORKS,
			       sec.layer[l].reason);
			same = 0;
		}
		ok(same && sec.secure && sec.secure_validator_mode,
		   "every layer as the in-process probe reports it");
		ok(sec.workers_as_nobody == (geteuid() == 0), "workers run as nobody when root");
		ok(t_metric(h, "pvf_security_layer{layer=\"seccomp\"}") == 1 &&
		   t_metric(h, "pvf_security_secure_validator_mode") == 1, "metrics");
		pvf_host_free(h);
		h = NULL;
	}
	t_cleanup_root();

	for (i = 0; i < T_ARRAY_SIZE(cases); i++) {
		const char *env[] = {t_fmt("PVF_WORKER_TEST_BREAK=%s", cases[i].brk), NULL};
		struct t_res r = {0};

		w_setup();
		w_config(&cfg);
		cfg.worker_env = env;
		cfg.secure_validator_mode = true;
		t_log_len = 0;
		t_log[0] = 0;
		err[0] = 0;
		if (cases[i].secure) {
			ok(pvf_host_new(&cfg, &h, err, sizeof(err)) == 0 && h,
			   "%s broken: secure validator mode still starts (%s)", cases[i].brk, err);
			if (h) {
				pvf_host_security(h, &sec);
				ok(!sec.layer[PVF_LAYER_LANDLOCK].works &&
				   sec.layer[PVF_LAYER_CHANGE_ROOT].works && sec.secure,
				   "%s broken: change-root covers it", cases[i].brk);
				pvf_execute(h, &req, t_exec_cb, &r, NULL);
				ok(t_wait(h, &r, 1, 10000) && r.reason == PVF_INVALID_HARD_TIMEOUT,
				   "%s broken: the workers run (%s)", cases[i].brk, r.text);
				pvf_host_free(h);
				h = NULL;
			}
			t_cleanup_root();
			continue;
		}
		ok(pvf_host_new(&cfg, &h, err, sizeof(err)) == -ENOTSUP && !h &&
		   strstr(err, cases[i].names) && strstr(err, cases[i].hint) &&
		   strstr(err, "to accept the risk, set secure_validator_mode = false"),
		   "%s broken: secure validator mode refused: %s", cases[i].brk, err);
		ok(t_logged("test-only layer break active (PVF_WORKER_TEST_BREAK)") &&
		   t_logged("required sandbox layer "), "%s broken: logged, with the reasons",
		   cases[i].brk);
		pvf_host_free(h);
		h = NULL;

		/* Without secure validator mode: starts with a warning and
		 * runs with what works. */
		cfg.secure_validator_mode = false;
		t_log_len = 0;
		t_log[0] = 0;
		err[0] = 0;
		ok(pvf_host_new(&cfg, &h, err, sizeof(err)) == 0 && h &&
		   t_logged("this system cannot securely run a validator"),
		   "%s broken, secure validator mode off: starts with a warning (%s)", cases[i].brk,
		   err);
		if (!h) {
			t_cleanup_root();
			continue;
		}
		pvf_host_security(h, &sec);
		ok(!sec.secure && !sec.layer[strstr(cases[i].brk, "seccomp") ? PVF_LAYER_SECCOMP :
			strstr(cases[i].brk, "no-new-privs") ? PVF_LAYER_NO_NEW_PRIVS :
			PVF_LAYER_CHANGE_ROOT].works && t_metric(h, "pvf_security_secure") == 0,
		   "%s broken: the status says so (%s)", cases[i].brk, sec.why);
		pvf_execute(h, &req, t_exec_cb, &r, NULL);
		ok(t_wait(h, &r, 1, 10000) && r.reason == PVF_INVALID_HARD_TIMEOUT,
		   "%s broken: the workers run with the other layers (%s)", cases[i].brk, r.text);
		pvf_host_free(h);
		h = NULL;
		t_cleanup_root();
	}
	free(halt);
}

/* ---- tests with the shared blobs ------------------------------------------- */

static uint8_t *blob(const char *name, size_t *len)
{
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/runtime-blobs", shared_dir);
	return read_data(dir, name, len);
}

static void test_precheck_real(void)
{
	static const char *const names[] = {"adder-kagome.compressed.bin", "adder-gossamer.wasm",
					    "coretime-polkadot-1003000.compressed.bin"};
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r[4] = {0};
	uint8_t *code[3];
	size_t len[3];
	struct pvf_code c;

	w_setup();
	w_config(&cfg);
	h = t_host(&cfg);
	for (int i = 0; i < 3; i++) {
		code[i] = blob(names[i], &len[i]);
		c = code_of(code[i], len[i], PVF_PREP_PRECHECKING);
		pvf_precheck(h, &c, t_precheck_cb, &r[i], NULL);
	}
	/* a CPU limit far below what the real runtime needs */
	c = code_of(code[2], len[2], PVF_PREP_PRECHECKING);
	ok(t_wait(h, r, 3, 30000), "prechecks: results");
	for (int i = 0; i < 3; i++)
		ok(r[i].status == 0 && r[i].prep_kind == -1, "precheck %s: accepted (%s)", names[i],
		   r[i].text);
	ok_eq(t_cache_count(".pvf"), 3, "three artifacts");
	ok(t_metric(h, "polkadot_pvf_preparation_max_rss_count") == 3,
	   "memory statistics reported for each preparation");
	pvf_host_free(h);

	/* the same runtime with a 5 ms CPU budget: timeout */
	w_setup();
	w_config(&cfg);
	h = t_host(&cfg);
	c.prep_timeout_ms = 5;
	pvf_precheck(h, &c, t_precheck_cb, &r[3], NULL);
	ok(t_wait(h, &r[3], 1, 10000), "short budget: a result");
	ok_eq(r[3].prep_kind, PVF_PREP_ERR_TIMED_OUT, "real runtime in 5 ms of CPU: timeout (%s)",
	      r[3].text);
	pvf_host_free(h);
	for (int i = 0; i < 3; i++)
		free(code[i]);
	t_cleanup_root();
}

static void test_prepare_job_killed(void)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_code c;
	unsigned long ticks = 0;
	uint8_t *code;
	size_t len;
	int worker = -1, job = -1;
	uint64_t end;

	w_setup();
	code = blob("moonbase-4300.compressed.bin", &len);
	w_config(&cfg);
	h = t_host(&cfg);
	c = code_of(code, len, PVF_PREP_PRECHECKING);
	pvf_precheck(h, &c, t_precheck_cb, &r, NULL);
	end = t_now_ms() + 8000;
	while (t_now_ms() < end && !r.done) {
		pvf_host_dispatch(h, 2);
		worker = child_of(getpid(), "prepare-worker", NULL);
		job = worker > 0 ? child_of(worker, NULL, &ticks) : -1;
		if (job > 0 && ticks >= 3)
			break;
	}
	ok(job > 0 && ticks >= 3 && !r.done, "found the running prepare job %d", job);
	ok_eq(threads_of(job), 1, "the prepare job is single-threaded");
	if (job > 0)
		kill(job, SIGKILL);
	ok(t_wait(h, &r, 1, 8000), "a result after the kill");
	ok(r.prep_kind == PVF_PREP_ERR_JOB_DIED && !strcmp(r.msg, "received signal: SIGKILL") &&
	   r.job_pid == job, "killed prepare job: job died, received signal: SIGKILL, its pid (%s)",
	   r.text);
	pvf_host_free(h);
	free(code);
	t_cleanup_root();
}

/* adder: HeadData {number u64, parent_hash [32], post_state [32]},
 * BlockData {state u64, add u64}, post_state = keccak-256(state u64), parent_hash = keccak-256(parent head). */
static void adder_genesis(uint8_t head[72])
{
	uint8_t zero[8] = {0};

	memset(head, 0, 72);
	rt_keccak_256(zero, 8, head + 40);
}

static struct pvf_execute_req adder_req(const uint8_t *code, size_t len, const uint8_t *head,
					uint8_t block[16], uint64_t state, uint64_t add)
{
	struct pvf_execute_req r = {0};

	for (int i = 0; i < 8; i++) {
		block[i] = (uint8_t)(state >> (8 * i));
		block[8 + i] = (uint8_t)(add >> (8 * i));
	}
	r.pvf = code_of(code, len, PVF_PREP_COMPILATION);
	r.exec_timeout_ms = 5000;
	r.pvd.parent_head = head;
	r.pvd.parent_head_len = 72;
	r.pvd.relay_parent_number = 1;
	r.pvd.max_pov_size = 5u << 20;
	r.pov = block;
	r.pov_len = 16;
	r.priority = PVF_PRIO_NORMAL;
	r.kind = PVF_EXEC_APPROVAL;
	return r;
}

/* The head data of a ValidationResult (compact(72) = 21 01, then 72 bytes). */
static bool result_head(const struct t_res *r, uint8_t head[72])
{
	if (r->result_len < 74 || (uint8_t)r->result[0] != 0x21 || (uint8_t)r->result[1] != 1)
		return false;
	memcpy(head, r->result + 2, 72);
	return true;
}

/* Functions of the optimising tier in the native code of the (only)
 * artifact: the engine blob's header counts them at offset 92
 * (docs/compiler.md §4); -1 when there is no readable blob. */
static int64_t artifact_optimised(void)
{
	size_t alen = 0;
	uint8_t *art = NULL;
	const uint8_t *nb;
	int64_t nopt = -1;

	if (base_read_file(t_artifact_path(), 256u << 20, &art, &alen, NULL) < 0)
		return -1;
	nb = memmem(art, alen, "PVFNATC", 8);
	if (nb && (size_t)(nb - art) + 96 <= alen)
		nopt = (int64_t)((uint32_t)nb[92] | (uint32_t)nb[93] << 8 |
				 (uint32_t)nb[94] << 16 | (uint32_t)nb[95] << 24);
	free(art);
	return nopt;
}

/* A prepare job that dies of a signal with the optimising tier (LLVM
 * failing on some code: simulated with PVF_WORKER_TEST_OPT_CRASH) is
 * prepared again with single-pass code only, and the candidate is valid. */
static void test_opt_crash(void)
{
	static const char *env[] = {"PVF_WORKER_TEST_OPT_CRASH=1", NULL};
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_execute_req req;
	uint8_t head[72], next[72], block[16], *code;
	size_t len;

	w_setup();
	code = blob("adder-kagome.compressed.bin", &len);
	w_config(&cfg);
	cfg.worker_env = env;
	h = t_host(&cfg);
	adder_genesis(head);
	req = adder_req(code, len, head, block, 0, 1);
	pvf_execute(h, &req, t_exec_cb, &r, NULL);
	ok(t_wait(h, &r, 1, 20000) && r.status == PVF_EXEC_OK && result_head(&r, next),
	   "the job crashing with the optimising tier: prepared again, block valid (%s)", r.text);
	ok_eq(t_metric(h, "polkadot_pvf_prepare_concluded"), 1, "one preparation concluded");
	ok_eq(artifact_optimised(), 0, "the artifact has single-pass code only");
	pvf_host_free(h);
	free(code);
	t_cleanup_root();
}

static void test_adder_chain(void)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_execute_req req;
	uint8_t head[72], next[72], block[16], hash[32], *code;
	uint64_t state = 0;
	size_t len;
	int good = 0;

	w_setup();
	code = blob("adder-kagome.compressed.bin", &len);
	w_config(&cfg);
	h = t_host(&cfg);
	adder_genesis(head);
	for (uint64_t i = 1; i <= 10; i++) {
		uint64_t number = 0;

		req = adder_req(code, len, head, block, state, i);
		memset(&r, 0, sizeof(r));
		pvf_execute(h, &req, t_exec_cb, &r, NULL);
		if (!t_wait(h, &r, 1, 10000) || r.status != PVF_EXEC_OK || !result_head(&r, next)) {
			printf("# block %llu: %s\n", (unsigned long long)i, r.text);
			break;
		}
		state += i;
		for (int k = 0; k < 8; k++)
			number |= (uint64_t)next[k] << (8 * k);
		rt_keccak_256(head, 72, hash);
		{
			uint8_t st[8], post[32];

			for (int k = 0; k < 8; k++)
				st[k] = (uint8_t)(state >> (8 * k));
			rt_keccak_256(st, 8, post);
			if (number != i || memcmp(next + 8, hash, 32) || memcmp(next + 40, post, 32))
				break;
		}
		memcpy(head, next, 72);
		good++;
	}
	ok_eq(good, 10, "10 chained adder blocks: each valid, numbered, on its parent, with the "
	      "new state's hash");
	/* a block on a wrong state: the adder refuses it */
	req = adder_req(code, len, head, block, state + 1, 1);
	memset(&r, 0, sizeof(r));
	pvf_execute(h, &req, t_exec_cb, &r, NULL);
	ok(t_wait(h, &r, 1, 10000) && r.status == PVF_EXEC_INVALID &&
	   r.reason == PVF_INVALID_WORKER_REPORTED, "block on a wrong state: invalid (%s)", r.text);
	ok_eq(t_metric(h, "polkadot_pvf_prepare_concluded"), 1, "prepared once");
	pvf_host_free(h);
	free(code);
	t_cleanup_root();
}

/* Both engines through the workers (pvf_config.engine, given to them as
 * PVF_WORKER_ENGINE): the adder validates the same blocks, prepared once
 * each. */
static void test_adder_engines(void)
{
	static const char *engines[] = {"interp", "native", "auto"};
	static const enum pvf_engine cfg_engine[] = {PVF_ENGINE_INTERP, PVF_ENGINE_NATIVE,
						     PVF_ENGINE_AUTO};
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_execute_req req;
	uint8_t head[72], next[72], block[16], *code;
	uint8_t first[2][72];
	size_t len;

	code = blob("adder-kagome.compressed.bin", &len);
	for (int e = 0; e < 3; e++) {
		/* cfg.engine overrides a variable in worker_env */
		const char *env[] = {"PVF_WORKER_ENGINE=bogus", NULL};
		int good = 0;

		w_setup();
		w_config(&cfg);
		cfg.engine = cfg_engine[e];
		if (cfg.engine != PVF_ENGINE_AUTO)
			cfg.worker_env = env;
		h = t_host(&cfg);
		adder_genesis(head);
		for (uint64_t i = 1; i <= 2; i++) {
			req = adder_req(code, len, head, block, i - 1, 1);
			memset(&r, 0, sizeof(r));
			pvf_execute(h, &req, t_exec_cb, &r, NULL);
			if (!t_wait(h, &r, 1, 10000) || r.status != PVF_EXEC_OK ||
			    !result_head(&r, next)) {
				printf("# %s block %llu: %s\n", engines[e], (unsigned long long)i,
				       r.text);
				break;
			}
			if (i == 1 && e < 2)
				memcpy(first[e], next, 72);
			memcpy(head, next, 72);
			good++;
		}
		ok_eq(good, 2, "%s engine: two adder blocks valid", engines[e]);
		ok_eq(t_metric(h, "polkadot_pvf_prepare_concluded"), 1, "%s engine: prepared once",
		      engines[e]);
		{
			/* the artifact records its engine (docs/host.md "Artifacts") */
			FILE *f = fopen(t_artifact_path(), "rb");
			uint8_t hdr[20] = {0};

			if (f) {
				if (fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr))
					memset(hdr, 0, sizeof(hdr));
				fclose(f);
			}
			ok_eq(hdr[16], e == 0 ? 1 : 2, "%s engine: the artifact is for the %s "
			      "engine", engines[e], e == 0 ? "interp" : "native");
		}
		if (e != 0) {
			/* native code: the sandboxed prepare job ran the optimising
			 * tier (libLLVM opened by the worker before its sandbox) */
			int64_t nopt = artifact_optimised();

			ok(nopt > 0, "%s engine: the artifact has %lld functions of the optimising "
			   "tier", engines[e], (long long)nopt);
		}
		pvf_host_free(h);
		t_cleanup_root();
	}
	ok(memcmp(first[0], first[1], 72) == 0, "both engines give the same head data");
	free(code);
}

static void test_concurrent(unsigned workers, int n, const char *what)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res *r = calloc((size_t)n, sizeof(*r));
	struct pvf_execute_req req;
	uint8_t head[72], (*blocks)[16] = calloc((size_t)n, 16), *code;
	size_t len;
	int good = 0;
	uint64_t t0 = t_now_ms();

	w_setup();
	code = blob("adder-gossamer.wasm", &len);
	w_config(&cfg);
	cfg.execute_workers_max = workers;
	h = t_host(&cfg);
	adder_genesis(head);
	for (int i = 0; i < n; i++) {
		req = adder_req(code, len, head, blocks[i], 0, (uint64_t)i + 1);
		pvf_execute(h, &req, t_exec_cb, &r[i], NULL);
	}
	ok(t_wait(h, r, (size_t)n, 40000), "%s: all %d results (%llu ms)", what, n,
	   (unsigned long long)(t_now_ms() - t0));
	for (int i = 0; i < n; i++)
		good += r[i].status == PVF_EXEC_OK;
	ok_eq(good, n, "%s: every execution valid", what);
	ok(t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"execute\"}") <= workers,
	   "%s: at most %u execute workers", what, workers);
	pvf_host_free(h);
	free(code);
	free(r);
	free(blocks);
	t_cleanup_root();
}

static void test_prechecking_memory_adder(void)
{
	struct pvf_config cfg;
	struct pvf_host *h;
	struct t_res r[2] = {0};
	struct pvf_code c;
	uint8_t params[2][10], *code;
	size_t len;

	if (!getenv("PVF_TRACKING_ALLOCATOR")) {
		printf("ok %d # SKIP no allocation tracking in this build (sanitizers)\n", ++tap__n);
		return;
	}
	code = blob("adder-kagome.compressed.bin", &len);
	params_u64(params[0], 4, 10u << 20);
	params_u64(params[1], 4, 512u << 10);
	for (int i = 0; i < 2; i++) {
		w_setup();
		w_config(&cfg);
		h = t_host(&cfg);
		c = code_of(code, len, PVF_PREP_PRECHECKING);
		c.executor_params = params[i];
		c.executor_params_len = 10;
		pvf_precheck(h, &c, t_precheck_cb, &r[i], NULL);
		ok(t_wait(h, &r[i], 1, 10000), "prechecking_*_memory: a result");
		pvf_host_free(h);
		t_cleanup_root();
	}
	ok(r[0].prep_kind == -1, "adder within 10 MiB: ok (%s)", r[0].text);
	ok_eq(r[1].prep_kind, PVF_PREP_ERR_OUT_OF_MEMORY, "adder within 512 KiB: out of memory "
	      "(%s)", r[1].text);
	free(code);
}

int main(int argc, char **argv)
{
	char path[1100];

	if (argc < 3) {
		fprintf(stderr, "usage: %s core|blobs DATA_DIR [SHARED_DIR]\n", argv[0]);
		return 2;
	}
	prep_worker = getenv("PVF_PREPARE_WORKER");
	exec_worker = getenv("PVF_EXECUTE_WORKER");
	if (!prep_worker || !exec_worker)
		tap_skip_all("PVF_PREPARE_WORKER / PVF_EXECUTE_WORKER not set");
	data_dir = argv[2];
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "core")) {
		test_precheck_small();
		test_precheck_classes();
		test_halt_timeout();
		test_job_killed();
		test_artifact_deleted_corrupted();
		test_foreign_build();
		test_bombs();
		test_memory_hungry();
		test_prefork();
		test_loaded_cache();
		test_sandbox_modes();
		test_security_check();
		return tap_done();
	}
	shared_dir = argc > 3 ? argv[3] : "";
	snprintf(path, sizeof(path), "%s/runtime-blobs/adder-kagome.compressed.bin", shared_dir);
	if (access(path, R_OK) != 0) {
		printf("1..0 # SKIP %s/runtime-blobs not found (real PVFs needed)\n", shared_dir);
		return 77;
	}
	test_precheck_real();
	test_prepare_job_killed();
	test_adder_chain();
	test_adder_engines();
	test_opt_crash();
	test_concurrent(4, 100, "100 concurrent executions");
	test_concurrent(1, 5, "serial execution with one worker");
	test_prechecking_memory_adder();
	return tap_done();
}
