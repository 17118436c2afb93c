/* SPDX-License-Identifier: Apache-2.0 */
/* Validation host with fake workers: pre-checking, preparation, the prepare
 * queue and pool, spawning, the host's own API surface (pvf-host.md §3.1-§3.4,
 * §3.6-§3.9, §9.3-§9.5). */
#include <poll.h>

#include "harness.h"

#define WAIT_MS 10000
#define RUN(fn)                                                                \
	do {                                                                   \
		uint64_t t_ = t_now_ms();                                      \
		fn();                                                          \
		printf("# %s: %llu ms\n", #fn, (unsigned long long)(t_now_ms() - t_)); \
	} while (0)
#define SEC 1000

static struct pvf_host *fresh(struct pvf_config *c, const char *const *env)
{
	t_setup_root();
	t_config(c, env);
	return t_host(c);
}

static void test_precheck_ok(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_code code = t_code("ok");
	struct t_res r = {0};

	ok_eq(pvf_precheck(h, &code, t_precheck_cb, &r, NULL), 0, "submit pre-check");
	ok_eq(r.done, 0, "no callback from inside the submitting call");
	ok(t_wait(h, &r, 1, WAIT_MS), "pre-check completes");
	ok(r.done == 1 && r.status == 0 && r.prep_kind == -1, "pre-check ok (%s)", r.text);
	ok_eq(t_cache_count(".pvf"), 1, "one artifact in the cache");
	ok_eq(t_cache_count(""), 2, "cache holds the artifact and the worker dir");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 1, "one preparation");
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"prepare\"}"), 1, "one worker");
	ok_eq(t_metric(h, "polkadot_pvf_preparation_time_count"), 1, "preparation time observed");
	ok_eq(t_metric(h, "polkadot_parachain_candidate_validation_code_size_count"), 1,
	      "code size observed");
	ok_eq(t_metric(h, "polkadot_pvf_preparation_max_rss_count"), 1, "max rss observed");

	/* prepared: a second pre-check answers without preparing */
	memset(&r, 0, sizeof(r));
	pvf_precheck(h, &code, t_precheck_cb, &r, NULL);
	ok(t_wait(h, &r, 1, WAIT_MS) && r.status == 0 && r.prep_kind == -1, "pre-check again: ok");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 1, "no second preparation");
	pvf_host_free(h);
	ok_eq(t_cache_count("worker-dir-prepare-"), 0, "worker dirs removed on free");
	ok_eq(t_cache_count(".pvf"), 1, "artifact still there after free");
	/* a new host on the same cache starts empty (cache_cleared_on_startup) */
	h = t_host(&c);
	ok_eq(t_cache_count(""), 0, "cache cleared on start-up");
	pvf_host_free(h);
}

/* precheck_pvf: three pre-checks of one PVF -> one preparation, the error
 * delivered to all three; never retried (test_precheck_prepare_no_retry). */
static void test_precheck_bundling_no_retry(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_code code = t_code("sleep:50;err:timeout");
	struct t_res r[4] = {0};
	int i;

	for (i = 0; i < 3; i++)
		pvf_precheck(h, &code, t_precheck_cb, &r[i], NULL);
	ok(t_wait(h, r, 3, WAIT_MS), "three pre-checks complete");
	ok(r[0].prep_kind == PVF_PREP_ERR_TIMED_OUT && r[1].prep_kind == PVF_PREP_ERR_TIMED_OUT &&
	   r[2].prep_kind == PVF_PREP_ERR_TIMED_OUT, "all three get TimedOut (%s)", r[0].text);
	ok(!strcmp(r[0].text, "prepare: timeout"), "reference error text");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 1, "one preparation for three");
	ok_eq(t_metric(h, "polkadot_pvf_execute_enqueued"), 0, "nothing executed");
	/* after the cooldown, a pre-check still gets the stored error */
	t_spin(h, 400);
	pvf_precheck(h, &code, t_precheck_cb, &r[3], NULL);
	ok(t_wait(h, &r[3], 1, WAIT_MS) && r[3].prep_kind == PVF_PREP_ERR_TIMED_OUT,
	   "failed pre-check is never retried");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 1, "still one preparation");
	ok(t_logged("failed to process a PVF"), "failure logged");
	pvf_host_free(h);
}

/* test_prepare_done: execute and pre-check coalesce on one preparation */
static void test_prepare_done_coalesce(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_execute_req x = t_exec("sleep:50;err:timeout", "ok", PVF_EXEC_BACKING);
	struct pvf_execute_req y = t_exec("sleep:50;#good", "ok", PVF_EXEC_BACKING);
	struct pvf_code pc = x.pvf;
	struct t_res r[4] = {0};

	pvf_execute(h, &x, t_exec_cb, &r[0], NULL);
	pvf_precheck(h, &pc, t_precheck_cb, &r[1], NULL);
	ok(t_wait(h, r, 2, WAIT_MS), "both complete");
	ok(r[1].prep_kind == PVF_PREP_ERR_TIMED_OUT, "pre-check: TimedOut");
	ok(r[0].status == PVF_EXEC_INTERNAL && r[0].reason == PVF_INTERNAL_NONDETERMINISTIC_PREPARE &&
	   r[0].prep_kind == PVF_PREP_ERR_TIMED_OUT, "execute: internal non-deterministic (%s)",
	   r[0].text);
	ok(!strcmp(r[0].text, "candidate validation: internal: prepare: timeout"), "text: %s",
	   r[0].text);
	/* reverse order, success: the execution follows, the pre-check is ok */
	pc = y.pvf;
	pvf_precheck(h, &pc, t_precheck_cb, &r[2], NULL);
	pvf_execute(h, &y, t_exec_cb, &r[3], NULL);
	ok(t_wait(h, r + 2, 2, WAIT_MS), "both complete");
	ok(r[2].status == 0 && r[2].prep_kind == -1, "pre-check ok");
	ok(r[3].status == PVF_EXEC_OK && !strcmp(r[3].result, "sleep:50;#good|ok"),
	   "execution ok with the right artifact (%s)", r[3].result);
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 2, "one preparation per code");
	pvf_host_free(h);
}

/* test_execute_prepare_retry: non-deterministic failure, cooldown, retry */
static void test_execute_prepare_retry(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_execute_req x = t_exec(t_fmt("if-new:%s;err:timeout", T("tried")), "ok",
					  PVF_EXEC_APPROVAL);
	struct t_res r[3] = {0};

	pvf_execute(h, &x, t_exec_cb, &r[0], NULL);
	ok(t_wait(h, r, 1, WAIT_MS) && r[0].status == PVF_EXEC_INTERNAL &&
	   r[0].prep_kind == PVF_PREP_ERR_TIMED_OUT, "first attempt: internal/TimedOut");
	pvf_execute(h, &x, t_exec_cb, &r[1], NULL);
	ok(t_wait(h, r + 1, 1, WAIT_MS) && r[1].status == PVF_EXEC_INTERNAL &&
	   r[1].prep_kind == PVF_PREP_ERR_TIMED_OUT, "within the cooldown: same error");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 1, "no retry within the cooldown");
	t_spin(h, 350);
	pvf_execute(h, &x, t_exec_cb, &r[2], NULL);
	ok(t_wait(h, r + 2, 1, WAIT_MS) && r[2].status == PVF_EXEC_OK, "after the cooldown: "
	   "prepared again and executed (%s)", r[2].text);
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 2, "one retry");
	pvf_host_free(h);
}

/* test_execute_prepare_no_retry + retry budget */
static void test_execute_prepare_no_retry(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_execute_req x = t_exec("err:prevalidation:bad magic", "ok", PVF_EXEC_BACKING);
	struct pvf_execute_req y = t_exec("err:io:disk;#budget", "ok", PVF_EXEC_BACKING);
	struct t_res r[8] = {0};
	int i;

	pvf_execute(h, &x, t_exec_cb, &r[0], NULL);
	ok(t_wait(h, r, 1, WAIT_MS) && r[0].status == PVF_EXEC_PREPARATION &&
	   r[0].prep_kind == PVF_PREP_ERR_PREVALIDATION, "deterministic error: Preparation (%s)",
	   r[0].text);
	ok(!strcmp(r[0].text, "candidate validation: prepare: prevalidation error: bad magic"),
	   "text");
	t_spin(h, 350);
	pvf_execute(h, &x, t_exec_cb, &r[1], NULL);
	ok(t_wait(h, r + 1, 1, WAIT_MS) && r[1].status == PVF_EXEC_PREPARATION,
	   "never retried, even after the cooldown");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 1, "one preparation");
	pvf_host_free(h);

	/* at most prepare_retries retries (num_failures <= retries) */
	t_setup_root();
	t_config(&c, NULL);
	c.prepare_retries = 1;
	c.prepare_failure_cooldown_ms = 30;
	h = t_host(&c);
	for (i = 0; i < 4; i++) {
		pvf_execute(h, &y, t_exec_cb, &r[2 + i], NULL);
		t_wait(h, r + 2 + i, 1, WAIT_MS);
		t_spin(h, 60);
	}
	ok(r[5].status == PVF_EXEC_INTERNAL && r[5].prep_kind == PVF_PREP_ERR_IO,
	   "still failing: %s", r[5].text);
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 2, "1 attempt + 1 retry, no more");
	pvf_host_free(h);
}

/* test_heads_up_prepare_retry */
static void test_heads_up(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_code bad = t_code("err:kernel:nope");
	struct pvf_code good = t_code("ok;#heads-up");
	struct t_res r = {0};

	ok_eq(pvf_heads_up(h, &bad, 1), 0, "heads-up");
	ok_eq(t_until_metric(h, "polkadot_pvf_prepare_concluded", 1, WAIT_MS), 1,
	      "heads-up prepares");
	pvf_heads_up(h, &bad, 1);
	t_spin(h, 50);
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 1, "no retry within the cooldown");
	t_spin(h, 300);
	pvf_heads_up(h, &bad, 1);
	ok_eq(t_until_metric(h, "polkadot_pvf_prepare_concluded", 2, WAIT_MS), 2,
	      "retried after the cooldown");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 2, "once");

	pvf_heads_up(h, &good, 1);
	t_until_metric(h, "polkadot_pvf_prepare_concluded", 3, WAIT_MS);
	ok_eq(t_cache_count(".pvf"), 1, "heads-up produced an artifact");
	pvf_precheck(h, &good, t_precheck_cb, &r, NULL);
	ok(t_wait(h, &r, 1, WAIT_MS) && r.status == 0 && r.prep_kind == -1, "then pre-check is ok");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 3, "without another preparation");
	{
		struct pvf_code badp = good;
		static const uint8_t junk[] = {4, 99};

		badp.executor_params = junk;
		badp.executor_params_len = sizeof(junk);
		ok_eq(pvf_heads_up(h, &badp, 1), -EINVAL, "malformed executor params refused");
	}
	pvf_host_free(h);
}

/* pruning (host.rs test): limit 1024, min stale 0, two 1024-B artifacts;
 * a heads-up of #1 makes #2 the one swept; then nothing more is swept */
static void test_pruning(void)
{
	struct pvf_config c;
	struct pvf_host *h;
	char s1[1025], s2[1025];
	struct pvf_code c1, c2;
	struct t_res r[3] = {0};

	memset(s1, '1', 1024);
	memcpy(s1, "ok;#", 4);
	s1[1024] = 0;
	memcpy(s2, s1, sizeof(s1));
	s2[4] = '2';
	c1 = t_code(s1);
	c2 = t_code(s2);
	t_setup_root();
	t_config(&c, NULL);
	c.cache_limit_bytes = 1024;
	c.cache_min_stale_ms = 0;
	c.cleanup_interval_ms = 150;
	h = t_host(&c);
	pvf_precheck(h, &c1, t_precheck_cb, &r[0], NULL);
	t_wait(h, r, 1, WAIT_MS);
	pvf_precheck(h, &c2, t_precheck_cb, &r[1], NULL);
	t_wait(h, r + 1, 1, WAIT_MS);
	pvf_heads_up(h, &c1, 1); /* #1 is now the most recently needed */
	ok_eq(t_cache_count(".pvf"), 2, "two artifacts");
	t_spin(h, 250);
	ok_eq(t_cache_count(".pvf"), 1, "one pruned");
	pvf_heads_up(h, &c1, 1);
	t_spin(h, 200);
	ok_eq(t_cache_count(".pvf"), 1, "nothing more pruned");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 2, "two preparations so far");
	pvf_precheck(h, &c1, t_precheck_cb, &r[2], NULL);
	t_wait(h, r + 2, 1, WAIT_MS);
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 2, "#1 was kept (no new preparation)");
	memset(&r[2], 0, sizeof(r[2]));
	pvf_precheck(h, &c2, t_precheck_cb, &r[2], NULL);
	t_wait(h, r + 2, 1, WAIT_MS);
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 3, "#2 was pruned (prepared again)");
	pvf_host_free(h);

	/* a minimum staleness protects recently used artifacts */
	t_setup_root();
	t_config(&c, NULL);
	c.cache_limit_bytes = 1024;
	c.cache_min_stale_ms = 60 * SEC;
	c.cleanup_interval_ms = 100;
	h = t_host(&c);
	memset(r, 0, sizeof(r));
	pvf_precheck(h, &c1, t_precheck_cb, &r[0], NULL);
	pvf_precheck(h, &c2, t_precheck_cb, &r[1], NULL);
	t_wait(h, r, 2, WAIT_MS);
	t_spin(h, 250);
	ok_eq(t_cache_count(".pvf"), 2, "nothing pruned within the minimum staleness");
	pvf_host_free(h);
}

/* Strict priority order in the prepare queue, and raising a queued job. */
static void test_priorities(void)
{
	struct pvf_config c;
	struct pvf_host *h;
	const char *marks = T("marks");
	struct pvf_code a, b, bg, e, bump;
	struct pvf_execute_req d, dbump;
	struct t_res r[6] = {0};

	t_setup_root();
	t_config(&c, NULL);
	c.prepare_workers_hard_max = 1;
	h = t_host(&c);
	marks = T("marks");
	a = t_code(t_fmt("touch:%s;wait:%s;append:%s=A", T("running"), T("go"), marks));
	b = t_code(t_fmt("append:%s=B", marks));
	bg = t_code(t_fmt("append:%s=C", marks));
	d = t_exec(t_fmt("append:%s=D", marks), "ok", PVF_EXEC_APPROVAL);
	e = t_code(t_fmt("append:%s=E", marks));
	bump = t_code(t_fmt("append:%s=F", marks));
	dbump = t_exec(t_fmt("append:%s=F", marks), "ok", PVF_EXEC_DISPUTE);

	pvf_precheck(h, &a, t_precheck_cb, &r[0], NULL);
	t_until_file(h, "running", WAIT_MS);
	pvf_precheck(h, &b, t_precheck_cb, &r[1], NULL);   /* normal */
	pvf_heads_up(h, &bg, 1);                            /* background */
	pvf_heads_up(h, &bump, 1);                          /* background ... */
	pvf_execute(h, &d, t_exec_cb, &r[2], NULL);         /* critical */
	pvf_precheck(h, &e, t_precheck_cb, &r[3], NULL);   /* normal */
	pvf_execute(h, &dbump, t_exec_cb, &r[4], NULL);     /* ... raised to critical */
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}"), 1,
	      "hard limit 1: one worker");
	t_touch("go");
	ok(t_wait(h, r, 5, WAIT_MS), "all complete");
	t_spin(h, 100);
	ok(!strcmp(t_read("marks"), "A\nD\nF\nB\nE\nC\n"),
	   "order: running, critical (FIFO, incl. raised), normal, background");
	ok(r[4].status == PVF_EXEC_OK, "raised job executed");
	ok(t_logged("raising a queued preparation"), "raise logged");
	pvf_host_free(h);
}

/* dont_spawn_over_soft_limit_unless_critical + cull_unwanted */
static void test_pool_limits(void)
{
	struct pvf_config c;
	struct pvf_host *h;
	struct pvf_code n[3];
	struct pvf_execute_req crit;
	struct t_res r[4] = {0};
	int i;

	t_setup_root();
	t_config(&c, NULL);
	c.prepare_workers_soft_max = 2;
	c.prepare_workers_hard_max = 3;
	h = t_host(&c);
	for (i = 0; i < 3; i++) {
		n[i] = t_code(t_fmt("wait:%s;#%d", T("go"), i));
		pvf_precheck(h, &n[i], t_precheck_cb, &r[i], NULL);
	}
	t_spin(h, 200);
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}"), 2,
	      "three normal jobs: two workers (soft limit)");
	crit = t_exec(t_fmt("wait:%s;#crit", T("go")), "ok", PVF_EXEC_DISPUTE);
	pvf_execute(h, &crit, t_exec_cb, &r[3], NULL);
	t_spin(h, 200);
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}"), 3,
	      "a critical job grows the pool to the hard limit");
	t_touch("go");
	ok(t_wait(h, r, 4, WAIT_MS), "all complete");
	ok(r[0].status == 0 && r[1].status == 0 && r[2].status == 0 && r[3].status == PVF_EXEC_OK,
	   "all ok");
	ok_eq(t_metric(h, "polkadot_pvf_worker_retired{flavor=\"prepare\"}"), 1,
	      "one worker culled back to the soft limit");
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}"), 3, "no respawn");
	pvf_host_free(h);

	/* soft 1 / hard 2: the first worker to finish is culled while its
	 * queue-mate waits for the other worker (cull_unwanted) */
	t_setup_root();
	t_config(&c, NULL);
	h = t_host(&c);
	memset(r, 0, sizeof(r));
	n[0] = t_code(t_fmt("touch:%s;wait:%s;#a", T("running"), T("go1")));
	n[1] = t_code("ok;#b");
	crit = t_exec(t_fmt("wait:%s;#c", T("go2")), "ok", PVF_EXEC_APPROVAL);
	pvf_precheck(h, &n[0], t_precheck_cb, &r[0], NULL);
	t_until_file(h, "running", WAIT_MS);
	pvf_precheck(h, &n[1], t_precheck_cb, &r[1], NULL);
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}"), 1,
	      "normal job waits at the soft limit");
	pvf_execute(h, &crit, t_exec_cb, &r[2], NULL);
	t_spin(h, 100);
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}"), 2,
	      "critical job spawns a second worker");
	t_touch("go1");
	t_wait(h, r, 1, WAIT_MS);
	t_spin(h, 100);
	ok_eq(t_metric(h, "polkadot_pvf_worker_retired{flavor=\"prepare\"}"), 1,
	      "first worker culled on conclusion");
	ok_eq(r[1].done, 0, "the normal job still waits");
	t_touch("go2");
	ok(t_wait(h, r, 3, WAIT_MS) && r[1].status == 0, "then runs on the remaining worker");
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}"), 2, "no new worker");
	pvf_host_free(h);
}

/* Worker death and timeouts map to the right PrepareError (process.rs). */
static void test_worker_failures(void)
{
	static const struct {
		const char *script;
		int kind;
		const char *what;
	} cases[] = {
		{"kill", PVF_PREP_ERR_IO, "SIGKILL during a job -> IoErr"},
		{"exit", PVF_PREP_ERR_IO, "exit during a job -> IoErr"},
		{"garbage", PVF_PREP_ERR_IO, "undecodable reply -> IoErr"},
		{"badframe", PVF_PREP_ERR_IO, "bad frame -> IoErr"},
		{"badsum", PVF_PREP_ERR_IO, "checksum mismatch -> IoErr"},
		{"noartifact", PVF_PREP_ERR_IO, "empty artifact -> IoErr"},
		{"cpu:1500", PVF_PREP_ERR_TIMED_OUT, "reported CPU time over the limit -> TimedOut"},
		{"err:job-died:received signal: SIGKILL", PVF_PREP_ERR_JOB_DIED, "JobDied"},
		{"err:oom", PVF_PREP_ERR_OUT_OF_MEMORY, "OutOfMemory"},
		{"err:decompress:bomb", PVF_PREP_ERR_DECOMPRESS, "CouldNotDecompressCodeBlob"},
		{"err:runtime-construction:link", PVF_PREP_ERR_RUNTIME_CONSTRUCTION,
		 "RuntimeConstruction"},
	};
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct t_res r[T_ARRAY_SIZE(cases) + 1];
	struct pvf_code code;
	uint64_t t0;
	size_t i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < T_ARRAY_SIZE(cases); i++) {
		code = t_code(cases[i].script);
		pvf_precheck(h, &code, t_precheck_cb, &r[i], NULL);
		ok(t_wait(h, &r[i], 1, WAIT_MS) && r[i].prep_kind == cases[i].kind, "%s (%s)",
		   cases[i].what, r[i].text);
	}
	ok(r[7].job_pid == 4242 && !strcmp(r[7].text, "prepare: prepare job with pid 4242 died: "
					   "received signal: SIGKILL"), "JobDied text: %s", r[7].text);
	ok_eq(t_cache_count(".pvf"), 0, "no artifact from any failure");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_concluded"), T_ARRAY_SIZE(cases),
	      "every job concluded");

	/* SIGSTOP: only the host's wall clock (4 x 100 ms) ends it */
	code = t_code("stop");
	code.prep_timeout_ms = 100;
	t0 = t_now_ms();
	i = T_ARRAY_SIZE(cases);
	pvf_precheck(h, &code, t_precheck_cb, &r[i], NULL);
	ok(t_wait(h, &r[i], 1, WAIT_MS) && r[i].prep_kind == PVF_PREP_ERR_TIMED_OUT,
	   "stopped worker -> TimedOut");
	ok(r[i].at_ms - t0 >= 400 && r[i].at_ms - t0 < 3000, "after 4 x the CPU limit (%llu ms)",
	   (unsigned long long)(r[i].at_ms - t0));
	ok(t_logged("exceeded the wall-clock limit"), "timeout logged");
	pvf_host_free(h);
}

/* worker_mass_die_out_doesnt_stall_queue, doesnt_resurrect_ripped_worker_if_no_work */
static void test_rip(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_code dies = t_code("sleep:50;exit"), next = t_code("ok;#next");
	struct t_res r[3] = {0};

	pvf_precheck(h, &dies, t_precheck_cb, &r[0], NULL);
	pvf_precheck(h, &next, t_precheck_cb, &r[1], NULL);
	ok(t_wait(h, r, 2, WAIT_MS), "both complete");
	ok(r[0].prep_kind == PVF_PREP_ERR_IO && r[1].status == 0 && r[1].prep_kind == -1,
	   "the queued job runs on a new worker after the death");
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"prepare\"}"), 2, "respawned once");

	/* an idle worker that dies is not replaced until there is work */
	ok(t_signal_children(SIGKILL) >= 1, "kill the idle worker");
	ok_eq(t_until_metric(h, "polkadot_pvf_worker_retired{flavor=\"prepare\"}", 2, WAIT_MS), 2,
	      "death of the idle worker noticed");
	t_spin(h, 100);
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}"), 2, "not replaced");
	next = t_code("ok;#later");
	pvf_precheck(h, &next, t_precheck_cb, &r[2], NULL);
	ok(t_wait(h, &r[2], 1, WAIT_MS) && r[2].status == 0 && r[2].prep_kind == -1,
	   "new work gets a new worker");
	pvf_host_free(h);
}

static void spawn_case(const char *start, int spawn_timeout_ms, const char *log_needle,
		       const char *what)
{
	const char *env[] = {start, NULL};
	struct pvf_config c;
	struct pvf_host *h;
	struct pvf_code code = t_code("ok");
	struct t_res r = {0};

	t_setup_root();
	t_config(&c, env);
	c.spawn_timeout_ms = (uint32_t)spawn_timeout_ms;
	h = t_host(&c);
	pvf_precheck(h, &code, t_precheck_cb, &r, NULL);
	t_spin(h, (uint64_t)spawn_timeout_ms + 300);
	ok(r.done == 0 && t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}") >= 2 &&
	   t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"prepare\"}") == 0 &&
	   t_logged(log_needle), "%s: refused and retried", what);
	pvf_host_free(h);
	ok(r.done == 1 && r.status == -ECANCELED, "%s: pending pre-check cancelled by free", what);
}

static void test_spawn(void)
{
	struct pvf_config c;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_code code = t_code("ok");
	const char *env[] = {NULL, NULL};

	/* spawn_immediate_exit once: retried after the delay, then fine */
	t_setup_root();
	env[0] = t_fmt("FAKE_START=exit-once:%s", T("exited"));
	t_config(&c, env);
	h = t_host(&c);
	pvf_precheck(h, &code, t_precheck_cb, &r, NULL);
	ok(t_wait(h, &r, 1, WAIT_MS) && r.status == 0 && r.prep_kind == -1,
	   "first spawn exits, the retry works");
	ok(t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}") == 2 &&
	   t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"prepare\"}") == 1, "two attempts");
	ok(t_logged("failed to spawn a prepare worker"), "spawn failure logged");
	pvf_host_free(h);

	spawn_case("FAKE_START=hang", 150, "no handshake within 150 ms", "spawn_timeout");
	spawn_case("FAKE_START=bad-version", 300, "worker version mismatch", "version mismatch");
	spawn_case("FAKE_START=bad-proto", 300, "protocol version", "protocol mismatch");
	spawn_case("FAKE_START=not-worker", 300, "bad handshake magic", "not a worker");
	spawn_case("FAKE_START=garbage", 300, "bad frame length", "oversized frame");

	/* A program that does not exist: the start-up security check cannot
	 * run it, so the host refuses to start (tests/host/test_host_security.c
	 * has the other check failures). */
	{
		char err[256] = "";

		t_setup_root();
		t_config(&c, NULL);
		c.prepare_worker_path = "/nonexistent/pvf-prepare-worker";
		h = NULL;
		ok(pvf_host_new(&c, &h, err, sizeof(err)) == -ENOENT && !h &&
		   strstr(err, "cannot run the prepare worker program "
			  "`/nonexistent/pvf-prepare-worker`: No such file"),
		   "a missing worker program stops the start: %s", err);
	}
	/* One that disappears after the start: exec fails at spawn time, is
	 * reported and retried. */
	t_setup_root();
	t_config(&c, NULL);
	{
		char *abs = realpath(t_fake, NULL);

		ok(abs && symlink(abs, T("vanishing-worker")) == 0, "symlink to the fake worker");
		free(abs);
	}
	c.prepare_worker_path = T("vanishing-worker");
	h = t_host(&c);
	unlink(T("vanishing-worker"));
	memset(&r, 0, sizeof(r));
	pvf_precheck(h, &code, t_precheck_cb, &r, NULL);
	t_spin(h, 200);
	ok(t_logged("exec `") && t_logged("vanishing-worker`"), "exec failure reported");
	ok(t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}") >= 2, "and retried");
	pvf_host_free(h);
}

/* Workers get exactly cfg.worker_env; their log records reach the sink. */
static void test_env_and_logs(void)
{
	const char *env[] = {"FAKE_MARKER=1", NULL};
	struct pvf_config c;
	struct pvf_host *h;
	struct pvf_code code = t_code("envcheck;log:hello from the worker");
	struct t_res r = {0};

	setenv("PVF_LEAK_CHECK", "must-not-reach-workers", 1);
	t_setup_root();
	t_config(&c, env);
	h = t_host(&c);
	pvf_precheck(h, &code, t_precheck_cb, &r, NULL);
	ok(t_wait(h, &r, 1, WAIT_MS) && r.status == 0 && r.prep_kind == -1,
	   "worker environment holds only worker_env (%s)", r.text);
	ok(t_logged("hello from the worker") && t_logged("worker["), "worker log record re-emitted");
	pvf_host_free(h);
	unsetenv("PVF_LEAK_CHECK");
}

static void test_executor_params_identity(void)
{
	/* PvfExecTimeout(Backing, 2500): not preparation-relevant */
	static const uint8_t exec_to[] = {1 << 2, 6, 0, 0xc4, 0x09, 0, 0, 0, 0, 0, 0};
	/* PvfPrepTimeout(Prepare, 60000): relevant */
	static const uint8_t prep_to[] = {1 << 2, 5, 1, 0x60, 0xea, 0, 0, 0, 0, 0, 0};
	/* MaxMemoryPages(8192): relevant here (issue #8054) */
	static const uint8_t pages[] = {1 << 2, 1, 0x00, 0x20, 0, 0};
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_code code = t_code("ok;#params");
	struct t_res r[4] = {0};

	pvf_precheck(h, &code, t_precheck_cb, &r[0], NULL);
	t_wait(h, r, 1, WAIT_MS);
	code.executor_params = exec_to;
	code.executor_params_len = sizeof(exec_to);
	pvf_precheck(h, &code, t_precheck_cb, &r[1], NULL);
	t_wait(h, r + 1, 1, WAIT_MS);
	ok(t_metric(h, "polkadot_pvf_prepare_enqueued") == 1 && t_cache_count(".pvf") == 1,
	   "non-meaningful parameter change: same artifact");
	code.executor_params = prep_to;
	code.executor_params_len = sizeof(prep_to);
	pvf_precheck(h, &code, t_precheck_cb, &r[2], NULL);
	t_wait(h, r + 2, 1, WAIT_MS);
	ok(t_metric(h, "polkadot_pvf_prepare_enqueued") == 2 && t_cache_count(".pvf") == 2,
	   "meaningful parameter change: new artifact");
	code.executor_params = pages;
	code.executor_params_len = sizeof(pages);
	pvf_precheck(h, &code, t_precheck_cb, &r[3], NULL);
	t_wait(h, r + 3, 1, WAIT_MS);
	ok(t_metric(h, "polkadot_pvf_prepare_enqueued") == 3, "MaxMemoryPages: new artifact");
	{
		/* a caller-supplied code hash is used as is */
		struct pvf_code other = t_code("ok;#other");
		uint8_t hash[32];
		struct t_res x = {0};

		memset(hash, 0x42, sizeof(hash));
		other.code_hash = hash;
		pvf_precheck(h, &other, t_precheck_cb, &x, NULL);
		t_wait(h, &x, 1, WAIT_MS);
		memset(&x, 0, sizeof(x));
		code = t_code("ok;#yet another code, same claimed hash");
		code.code_hash = hash;
		pvf_precheck(h, &code, t_precheck_cb, &x, NULL);
		t_wait(h, &x, 1, WAIT_MS);
		ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 4,
		      "same claimed hash: one artifact");
	}
	pvf_host_free(h);
}

static void test_cancel_and_api(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_code code = t_code(t_fmt("wait:%s", T("go")));
	struct pvf_code quick = t_code("ok;#quick");
	struct t_res r[3] = {0};
	struct pollfd pfd;
	uint64_t id = 0;
	int n = 0;

	ok_eq(pvf_precheck(h, &code, t_precheck_cb, &r[0], &id), 0, "submit");
	ok(id > 0, "request id");
	ok_eq(pvf_cancel(h, id), 0, "cancel a waiting pre-check");
	ok_eq(pvf_cancel(h, id), -ENOENT, "cancel twice");
	t_touch("go");
	ok_eq(t_until_metric(h, "polkadot_pvf_prepare_concluded", 1, WAIT_MS), 1,
	      "the preparation itself finished");
	t_spin(h, 50);
	ok_eq(r[0].done, 0, "a cancelled request never calls back");

	/* embedding: poll the host fd, then dispatch without waiting */
	pvf_precheck(h, &quick, t_precheck_cb, &r[1], NULL);
	while (!r[1].done && n++ < 500) {
		pfd.fd = pvf_host_fd(h);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 20) > 0)
			pvf_host_dispatch(h, 0);
	}
	ok(r[1].done == 1 && r[1].status == 0, "poll + dispatch(0) drives the host");

	/* blocking wrapper */
	quick = t_code("ok;#blocking");
	ok_eq(pvf_precheck_wait(h, &quick, t_precheck_cb, &r[2]), 0, "pvf_precheck_wait");
	ok(r[2].done == 1 && r[2].status == 0, "result delivered before it returns");

	/* stop before run returns at once */
	pvf_host_stop(h);
	ok_eq(pvf_host_run(h), 0, "run returns after stop");

	/* argument checks */
	ok_eq(pvf_precheck(h, &quick, NULL, NULL, NULL), -EINVAL, "NULL callback");
	quick.prep_kind = (enum pvf_prep_kind)7;
	ok_eq(pvf_precheck(h, &quick, t_precheck_cb, &r[2], NULL), -EINVAL, "bad prep kind");
	{
		struct pvf_security sec;

		/* The fake worker's check reports every layer working; secure
		 * validator mode is pvf_config_init's default. */
		pvf_host_security(h, &sec);
		ok(sec.secure_validator_mode && sec.secure && sec.can_enable_seccomp &&
		   sec.can_enable_landlock && sec.can_do_secure_clone &&
		   sec.can_unshare_user_namespace_and_change_root,
		   "security status = the workers' check reports");
	}
	pvf_host_free(h);
	pvf_host_free(NULL);

	/* configuration checks */
	{
		struct pvf_host *bad = NULL;
		char err[256] = "";

		t_config(&c, NULL);
		c.prepare_workers_soft_max = 3;
		c.prepare_workers_hard_max = 2;
		ok(pvf_host_new(&c, &bad, err, sizeof(err)) == -EINVAL && !bad && err[0],
		   "soft > hard refused: %s", err);
		t_config(&c, NULL);
		c.cache_dir = NULL;
		ok_eq(pvf_host_new(&c, &bad, err, sizeof(err)), -EINVAL, "cache dir required");
		t_config(&c, NULL);
		c.secure_validator_mode = true;
		ok(pvf_host_new(&c, &bad, err, sizeof(err)) == 0 && bad,
		   "secure validator mode starts when the workers' checks pass");
		pvf_host_free(bad);
		bad = NULL;
		c.security_check_timeout_ms = 0;
		ok_eq(pvf_host_new(&c, &bad, err, sizeof(err)), -EINVAL, "check timeout 0 refused");
	}
}

int main(void)
{
	uint64_t t0 = t_now_ms();

	RUN(test_precheck_ok);
	RUN(test_precheck_bundling_no_retry);
	RUN(test_prepare_done_coalesce);
	RUN(test_execute_prepare_retry);
	RUN(test_execute_prepare_no_retry);
	RUN(test_heads_up);
	RUN(test_pruning);
	RUN(test_priorities);
	RUN(test_pool_limits);
	RUN(test_worker_failures);
	RUN(test_rip);
	RUN(test_spawn);
	RUN(test_env_and_logs);
	RUN(test_executor_params_identity);
	RUN(test_cancel_and_api);
	t_cleanup_root();
	printf("# %llu ms\n", (unsigned long long)(t_now_ms() - t0));
	return tap_done();
}
