/* SPDX-License-Identifier: Apache-2.0 */
/* Validation host with fake workers: execution, the execute queue, error
 * classes, timeouts, active leaves, artifact integrity (pvf-host.md §3.5,
 * §3.10, §6, §9.1-§9.3, §9.5). */
#include "harness.h"

#define WAIT_MS 15000
#define RUN(fn)                                                                \
	do {                                                                   \
		uint64_t t_ = t_now_ms();                                      \
		fn();                                                          \
		printf("# %s: %llu ms\n", #fn, (unsigned long long)(t_now_ms() - t_)); \
	} while (0)

static struct pvf_host *fresh(struct pvf_config *c, const char *const *env)
{
	t_setup_root();
	t_config(c, env);
	return t_host(c);
}

static void test_execute_ok(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_execute_req x = t_exec("ok;#adder", "cpu:3;#block", PVF_EXEC_BACKING);
	struct t_res r[3] = {0};

	ok_eq(pvf_execute(h, &x, t_exec_cb, &r[0], NULL), 0, "submit");
	ok(t_wait(h, r, 1, WAIT_MS), "completes");
	ok(r[0].status == PVF_EXEC_OK && !strcmp(r[0].result, "ok;#adder|cpu:3;#block"),
	   "valid, result from the right artifact and PoV (%s)", r[0].result);
	ok_eq(t_metric(h, "polkadot_pvf_execute_enqueued"), 1, "execute enqueued");
	ok_eq(t_metric(h, "polkadot_pvf_execute_finished"), 1, "execute finished");
	ok_eq(t_metric(h, "polkadot_pvf_exec_kind_selected{priority=\"backing\"}"), 1,
	      "kind selected");
	ok_eq(t_metric(h, "polkadot_pvf_execution_queued_time_count"), 1, "queued time");
	ok_eq(t_metric(h, "polkadot_pvf_execution_time_count"), 1, "execution time");
	ok_eq(t_metric(h, "polkadot_parachain_candidate_validation_pov_size_count{compressed=\"true\"}"),
	      1, "compressed PoV size");
	ok_eq(t_metric(h, "polkadot_parachain_candidate_validation_pov_size_sum{compressed=\"false\"}"),
	      2 * strlen("cpu:3;#block"), "uncompressed PoV size as reported");
	/* execute_pvf_requests: 3 executions on 2 PVFs -> 2 preparations */
	x = t_exec("ok;#one", "#a", PVF_EXEC_APPROVAL);
	pvf_execute(h, &x, t_exec_cb, &r[1], NULL);
	x = t_exec("ok;#two", "#b", PVF_EXEC_APPROVAL);
	pvf_execute(h, &x, t_exec_cb, &r[2], NULL);
	x = t_exec("ok;#one", "#c", PVF_EXEC_DISPUTE);
	{
		struct t_res r3 = {0};

		pvf_execute(h, &x, t_exec_cb, &r3, NULL);
		ok(t_wait(h, r + 1, 2, WAIT_MS) && t_wait(h, &r3, 1, WAIT_MS), "three complete");
		ok(!strcmp(r[1].result, "ok;#one|#a") && !strcmp(r[2].result, "ok;#two|#b") &&
		   !strcmp(r3.result, "ok;#one|#c"), "each ran against its own artifact (%s, %s, %s)",
		   r[1].text, r[2].text, r3.text);
	}
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 3, "one preparation per code");
	{
		/* 12 MiB each way: partial writes, EPOLLOUT, buffer growth */
		size_t big = 12u << 20;
		char *pov = malloc(big + 1);
		struct t_res rb = {0};

		memset(pov, 'x', big);
		pov[0] = '#';
		pov[big] = 0;
		x = t_exec("ok;#one", pov, PVF_EXEC_BACKING);
		pvf_execute(h, &x, t_exec_cb, &rb, NULL);
		ok(t_wait(h, &rb, 1, WAIT_MS) && rb.status == PVF_EXEC_OK &&
		   rb.result_len == strlen("ok;#one|") + big, "12 MiB PoV and result (%zu)",
		   rb.result_len);
		free(pov);
		x.pov_len = 64u << 20;
		x.pov = (const uint8_t *)"";
		ok_eq(pvf_execute(h, &x, t_exec_cb, &rb, NULL), -EMSGSIZE, "64 MiB PoV refused");
	}
	ok(t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"execute\"}") <= 2,
	   "workers reused (same params), never above the limit");
	pvf_host_free(h);
}

/* Each worker answer / failure maps to its ValidationError (§3.5 table). */
static void test_error_classes(void)
{
	static const struct {
		const char *pov;
		int status, reason;
		const char *text;
		int keeps; /* worker kept afterwards */
	} cases[] = {
		{"invalid:trap: unreachable", PVF_EXEC_INVALID, PVF_INVALID_WORKER_REPORTED,
		 "invalid: worker reported: trap: unreachable", 1},
		{"povfail", PVF_EXEC_INVALID, PVF_INVALID_POV_DECOMPRESSION,
		 "invalid: PoV failed to decompress", 1},
		{"jobdied:received signal: SIGKILL", PVF_EXEC_POSSIBLY_INVALID,
		 PVF_POSSIBLY_AMBIGUOUS_JOB_DEATH,
		 "possibly invalid: ambiguous job death: received signal: SIGKILL", 0},
		{"joberr:boom", PVF_EXEC_POSSIBLY_INVALID, PVF_POSSIBLY_JOB_ERROR,
		 "possibly invalid: job error: panic: boom", 0},
		{"exitstatus:3", PVF_EXEC_POSSIBLY_INVALID, PVF_POSSIBLY_JOB_ERROR,
		 "possibly invalid: job error: unexpected exit status: 3", 0},
		{"jobtimeout", PVF_EXEC_INVALID, PVF_INVALID_HARD_TIMEOUT, "invalid: hard timeout", 0},
		{"cpu:1500", PVF_EXEC_INVALID, PVF_INVALID_HARD_TIMEOUT, "invalid: hard timeout", 0},
		{"internal:pipe", PVF_EXEC_INTERNAL, PVF_INTERNAL_KERNEL,
		 "candidate validation: internal: pipe", 0},
		{"kill", PVF_EXEC_POSSIBLY_INVALID, PVF_POSSIBLY_AMBIGUOUS_WORKER_DEATH,
		 "possibly invalid: ambiguous worker death", 0},
		{"exit", PVF_EXEC_POSSIBLY_INVALID, PVF_POSSIBLY_AMBIGUOUS_WORKER_DEATH,
		 "possibly invalid: ambiguous worker death", 0},
		{"garbage", PVF_EXEC_POSSIBLY_INVALID, PVF_POSSIBLY_AMBIGUOUS_WORKER_DEATH,
		 "possibly invalid: ambiguous worker death", 0},
		{"badframe", PVF_EXEC_POSSIBLY_INVALID, PVF_POSSIBLY_AMBIGUOUS_WORKER_DEATH,
		 "possibly invalid: ambiguous worker death", 0},
		{"ok:fine", PVF_EXEC_OK, 0, "valid", 1},
	};
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct t_res r[T_ARRAY_SIZE(cases) + 1];
	size_t i;

	memset(r, 0, sizeof(r));
	{
		/* warm up: prepared artifact and one execute worker */
		struct pvf_execute_req x = t_exec("ok;#classes", "ok", PVF_EXEC_APPROVAL);
		struct t_res w = {0};

		pvf_execute(h, &x, t_exec_cb, &w, NULL);
		t_wait(h, &w, 1, WAIT_MS);
	}
	for (i = 0; i < T_ARRAY_SIZE(cases); i++) {
		struct pvf_execute_req x = t_exec("ok;#classes", cases[i].pov, PVF_EXEC_APPROVAL);
		double spawned = t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"execute\"}");

		pvf_execute(h, &x, t_exec_cb, &r[i], NULL);
		ok(t_wait(h, &r[i], 1, WAIT_MS) && r[i].status == cases[i].status &&
		   r[i].reason == cases[i].reason && !strcmp(r[i].text, cases[i].text),
		   "%s -> %s", cases[i].pov, r[i].text);
		/* the next job shows whether the worker was kept */
		if (i + 1 < T_ARRAY_SIZE(cases)) {
			struct pvf_execute_req y = t_exec("ok;#classes", "ok", PVF_EXEC_APPROVAL);
			struct t_res probe = {0};

			pvf_execute(h, &y, t_exec_cb, &probe, NULL);
			t_wait(h, &probe, 1, WAIT_MS);
			ok_eq(t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"execute\"}") - spawned,
			      cases[i].keeps ? 0 : 1, "%s: worker %s", cases[i].pov,
			      cases[i].keeps ? "kept" : "replaced");
		}
	}
	/* SIGSTOP: the host's wall clock (4 x 100 ms) ends it */
	{
		struct pvf_execute_req x = t_exec("ok;#classes", "stop", PVF_EXEC_BACKING);
		uint64_t t0 = t_now_ms();

		i = T_ARRAY_SIZE(cases);
		x.exec_timeout_ms = 100;
		pvf_execute(h, &x, t_exec_cb, &r[i], NULL);
		ok(t_wait(h, &r[i], 1, WAIT_MS) && r[i].status == PVF_EXEC_INVALID &&
		   r[i].reason == PVF_INVALID_HARD_TIMEOUT, "stopped worker -> hard timeout");
		ok(r[i].at_ms - t0 >= 400 && r[i].at_ms - t0 < 3000, "after 4 x the limit (%llu ms)",
		   (unsigned long long)(r[i].at_ms - t0));
	}
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 1, "one preparation for all of them");
	pvf_host_free(h);
}

/* A runtime-construction failure removes the artifact; the next request
 * prepares it again (corrupted_prepared_artifact_does_not_dispute). */
static void test_runtime_construction(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_execute_req x = t_exec("ok;#rc", "rc:cannot deserialize", PVF_EXEC_APPROVAL);
	struct pvf_code pc = x.pvf;
	struct t_res r[3] = {0};

	pvf_execute(h, &x, t_exec_cb, &r[0], NULL);
	ok(t_wait(h, r, 1, WAIT_MS) && r[0].status == PVF_EXEC_POSSIBLY_INVALID &&
	   r[0].reason == PVF_POSSIBLY_RUNTIME_CONSTRUCTION && !strcmp(r[0].msg, "cannot deserialize"),
	   "runtime construction -> possibly invalid (%s)", r[0].text);
	ok_eq(t_cache_count(".pvf"), 0, "artifact removed");
	pvf_precheck(h, &pc, t_precheck_cb, &r[1], NULL);
	ok(t_wait(h, r + 1, 1, WAIT_MS) && r[1].status == 0 && r[1].prep_kind == -1,
	   "pre-check prepares it again");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 2, "second preparation");
	x.pov = (const uint8_t *)"ok:again";
	x.pov_len = 8;
	pvf_execute(h, &x, t_exec_cb, &r[2], NULL);
	ok(t_wait(h, r + 2, 1, WAIT_MS) && r[2].status == PVF_EXEC_OK, "then executes");
	pvf_host_free(h);
}

/* deleting_prepared_artifact_does_not_dispute, and a corrupted artifact with
 * and without the host's checksum verification */
static void test_artifact_integrity(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_execute_req x = t_exec("ok;#integrity", "ok:done", PVF_EXEC_APPROVAL);
	struct pvf_code pc = x.pvf;
	struct t_res r[6] = {0};
	char path[512];
	FILE *f;

	pvf_precheck(h, &pc, t_precheck_cb, &r[0], NULL);
	t_wait(h, r, 1, WAIT_MS);
	snprintf(path, sizeof(path), "%s", t_artifact_path());
	ok(path[0] && unlink(path) == 0, "delete the prepared artifact");
	pvf_execute(h, &x, t_exec_cb, &r[1], NULL);
	ok(t_wait(h, r + 1, 1, WAIT_MS) && r[1].status == PVF_EXEC_OK,
	   "missing artifact: prepared again, then valid (%s)", r[1].text);
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 2, "second preparation");
	ok(t_logged("preparing again"), "re-preparation logged");

	snprintf(path, sizeof(path), "%s", t_artifact_path());
	f = fopen(path, "w");
	ok(f && fputs("corrupted wasm", f) >= 0 && fclose(f) == 0, "corrupt the artifact");
	pvf_execute(h, &x, t_exec_cb, &r[2], NULL);
	ok(t_wait(h, r + 2, 1, WAIT_MS) && r[2].status == PVF_EXEC_OK,
	   "corrupted artifact: checksum mismatch, prepared again, valid (%s)", r[2].text);
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 3, "third preparation");
	ok(access(path, F_OK) != 0 && t_cache_count(".pvf") == 1, "corrupted file removed");
	pvf_host_free(h);

	/* without host-side verification the worker's own check catches it:
	 * runtime construction, artifact removed, a pre-check repairs it */
	t_setup_root();
	t_config(&c, NULL);
	c.verify_artifacts = false;
	h = t_host(&c);
	pvf_precheck(h, &pc, t_precheck_cb, &r[3], NULL);
	t_wait(h, r + 3, 1, WAIT_MS);
	snprintf(path, sizeof(path), "%s", t_artifact_path());
	f = fopen(path, "w");
	if (f) {
		fputs("corrupted wasm", f);
		fclose(f);
	}
	pvf_execute(h, &x, t_exec_cb, &r[4], NULL);
	ok(t_wait(h, r + 4, 1, WAIT_MS) && r[4].status == PVF_EXEC_POSSIBLY_INVALID &&
	   r[4].reason == PVF_POSSIBLY_RUNTIME_CONSTRUCTION, "unverified corrupted artifact -> %s",
	   r[4].text);
	ok_eq(t_cache_count(".pvf"), 0, "corrupted artifact deleted");
	pvf_precheck(h, &pc, t_precheck_cb, &r[5], NULL);
	ok(t_wait(h, r + 5, 1, WAIT_MS) && r[5].status == 0 && r[5].prep_kind == -1,
	   "pre-check then succeeds");
	pvf_host_free(h);
}

/* stress_spawn: 100 concurrent executions; execute_can_run_serially */
static void test_many(void)
{
	static struct t_res r[100];
	struct pvf_config c;
	struct pvf_host *h;
	int i, good = 0;
	char povs[100][32];

	t_setup_root();
	t_config(&c, NULL);
	c.execute_workers_max = 4;
	h = t_host(&c);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 100; i++) {
		struct pvf_execute_req x;

		snprintf(povs[i], sizeof(povs[i]), "ok:%d", i);
		x = t_exec(i % 2 ? "ok;#odd" : "ok;#even", povs[i],
			   (enum pvf_exec_kind)(i % 4));
		memset(x.relay_parent, 0, sizeof(x.relay_parent));
		pvf_execute(h, &x, t_exec_cb, &r[i], NULL);
	}
	ok(t_wait(h, r, 100, WAIT_MS), "100 concurrent executions complete");
	for (i = 0; i < 100; i++)
		good += r[i].done == 1 && r[i].status == PVF_EXEC_OK && !strcmp(r[i].result, povs[i] + 3);
	ok_eq(good, 100, "all valid with their own results");
	ok(t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"execute\"}") <= 4, "at most 4 workers");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 2, "two preparations");
	pvf_host_free(h);

	t_setup_root();
	t_config(&c, NULL);
	c.execute_workers_max = 1;
	h = t_host(&c);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 5; i++) {
		struct pvf_execute_req x = t_exec("ok;#serial", "sleep:10", PVF_EXEC_BACKING);

		pvf_execute(h, &x, t_exec_cb, &r[i], NULL);
	}
	ok(t_wait(h, r, 5, WAIT_MS), "5 executions on one worker complete");
	for (good = 0, i = 0; i < 5; i++)
		good += r[i].status == PVF_EXEC_OK;
	ok_eq(good, 5, "all valid");
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"execute\"}"), 1, "one worker");
	ok(r[0].order < r[1].order && r[1].order < r[2].order && r[2].order < r[3].order &&
	   r[3].order < r[4].order, "FIFO within one kind");
	pvf_host_free(h);
}

/* execute_queue_doesnt_stall_if_workers_died, varying executor params */
static void test_workers_die_and_params(void)
{
	/* StackNativeMax differs: same artifact, different execute workers */
	static const uint8_t other[] = {1 << 2, 3, 0, 0, 0, 0x20};
	struct pvf_config c;
	struct pvf_host *h;
	struct t_res r[9] = {0};
	int i, good = 0;

	t_setup_root();
	t_config(&c, NULL);
	c.execute_workers_max = 2;
	h = t_host(&c);
	for (i = 0; i < 9; i++) {
		struct pvf_execute_req x = t_exec("ok;#die", i % 3 == 0 ? "sleep:20;kill" : "sleep:20",
						  PVF_EXEC_APPROVAL);

		pvf_execute(h, &x, t_exec_cb, &r[i], NULL);
	}
	ok(t_wait(h, r, 9, WAIT_MS), "9 jobs complete although workers die");
	for (i = 0; i < 9; i++)
		good += i % 3 == 0 ? r[i].reason == PVF_POSSIBLY_AMBIGUOUS_WORKER_DEATH :
				     r[i].status == PVF_EXEC_OK;
	ok_eq(good, 9, "deaths reported, the rest valid");
	ok_eq(t_metric(h, "polkadot_pvf_worker_retired{flavor=\"execute\"}"), 3, "3 workers retired");
	pvf_host_free(h);

	t_setup_root();
	t_config(&c, NULL);
	c.execute_workers_max = 2;
	h = t_host(&c);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 6; i++) {
		struct pvf_execute_req x = t_exec("ok;#params", "sleep:20", PVF_EXEC_APPROVAL);

		if (i % 3 == 2) {
			x.pvf.executor_params = other;
			x.pvf.executor_params_len = sizeof(other);
		}
		pvf_execute(h, &x, t_exec_cb, &r[i], NULL);
	}
	ok(t_wait(h, r, 6, WAIT_MS), "6 jobs with two parameter sets complete");
	for (good = 0, i = 0; i < 6; i++)
		good += r[i].status == PVF_EXEC_OK;
	ok_eq(good, 6, "all valid");
	ok_eq(t_metric(h, "polkadot_pvf_prepare_enqueued"), 1,
	      "StackNativeMax is not preparation-relevant: one artifact");
	ok(t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"execute\"}") >= 2,
	   "workers spawned per parameter set");
	pvf_host_free(h);
}

/* The 12-slot window: backing is not postponed to the end
 * (test_unscheduled_does_not_postpone_backing); system paras before backing. */
static void test_window_order(void)
{
	struct pvf_config c;
	struct pvf_host *h;
	struct t_res r[6] = {0};
	struct pvf_execute_req x;
	const char *marks;
	int i;

	t_setup_root();
	t_config(&c, NULL);
	c.execute_workers_max = 1;
	h = t_host(&c);
	marks = T("marks");
	/* prepare the artifact first so that only the execute queue orders */
	x = t_exec("ok;#window", t_fmt("touch:%s;wait:%s;append:%s=A1", T("running"), T("go"),
				       marks), PVF_EXEC_APPROVAL);
	pvf_execute(h, &x, t_exec_cb, &r[0], NULL);
	t_until_file(h, "running", WAIT_MS);
	for (i = 2; i <= 4; i++) {
		x = t_exec("ok;#window", t_fmt("append:%s=A%d", marks, i), PVF_EXEC_APPROVAL);
		pvf_execute(h, &x, t_exec_cb, &r[i - 1], NULL);
	}
	x = t_exec("ok;#window", t_fmt("append:%s=B1", marks), PVF_EXEC_BACKING);
	pvf_execute(h, &x, t_exec_cb, &r[4], NULL);
	t_touch("go");
	ok(t_wait(h, r, 5, WAIT_MS), "all complete");
	ok(!strcmp(t_read("marks"), "A1\nB1\nA2\nA3\nA4\n"),
	   "order approval, backing, approval, approval, approval");
	pvf_host_free(h);

	t_setup_root();
	t_config(&c, NULL);
	c.execute_workers_max = 1;
	h = t_host(&c);
	marks = T("marks");
	memset(r, 0, sizeof(r));
	x = t_exec("ok;#window", t_fmt("touch:%s;wait:%s;append:%s=B1", T("running"), T("go"),
				       marks), PVF_EXEC_BACKING);
	pvf_execute(h, &x, t_exec_cb, &r[0], NULL);
	t_until_file(h, "running", WAIT_MS);
	x = t_exec("ok;#window", t_fmt("append:%s=B2", marks), PVF_EXEC_BACKING);
	pvf_execute(h, &x, t_exec_cb, &r[1], NULL);
	x = t_exec("ok;#window", t_fmt("append:%s=S1", marks), PVF_EXEC_BACKING_SYSTEM_PARAS);
	pvf_execute(h, &x, t_exec_cb, &r[2], NULL);
	x = t_exec("ok;#window", t_fmt("append:%s=D1", marks), PVF_EXEC_DISPUTE);
	pvf_execute(h, &x, t_exec_cb, &r[3], NULL);
	t_touch("go");
	ok(t_wait(h, r, 4, WAIT_MS), "all complete");
	ok(!strcmp(t_read("marks"), "B1\nD1\nS1\nB2\n"),
	   "dispute first, then backing system paras ahead of earlier backing");
	ok_eq(t_metric(h, "polkadot_pvf_exec_kind_selected{priority=\"dispute\"}"), 1, "metric");
	pvf_host_free(h);
}

/* test_prunes_old_jobs_on_active_leaves_update */
static void test_active_leaves(void)
{
	struct pvf_config c;
	struct pvf_host *h;
	struct t_res r[6] = {0};
	struct pvf_execute_req x;
	struct pvf_leaf leaf = {0};
	uint8_t anc[1][32], dead[1][32];
	int i;

	t_setup_root();
	t_config(&c, NULL);
	c.execute_workers_max = 1;
	h = t_host(&c);
	x = t_exec("ok;#leaves", t_fmt("touch:%s;wait:%s", T("running"), T("go")), PVF_EXEC_DISPUTE);
	pvf_execute(h, &x, t_exec_cb, &r[0], NULL);
	t_until_file(h, "running", WAIT_MS);
	for (i = 1; i <= 3; i++) {
		x = t_exec("ok;#leaves", "ok", PVF_EXEC_BACKING);
		memset(x.relay_parent, i, 32);
		pvf_execute(h, &x, t_exec_cb, &r[i], NULL);
	}
	x = t_exec("ok;#leaves", "ok", PVF_EXEC_BACKING_SYSTEM_PARAS);
	memset(x.relay_parent, 4, 32);
	pvf_execute(h, &x, t_exec_cb, &r[4], NULL);
	x = t_exec("ok;#leaves", "ok", PVF_EXEC_APPROVAL);
	pvf_execute(h, &x, t_exec_cb, &r[5], NULL);
	/* leaf 9 with ancestor 1: relay parents 2, 3 and 4 are out of view */
	memset(leaf.hash, 9, 32);
	memset(anc[0], 1, 32);
	leaf.ancestors = (const uint8_t (*)[32])anc;
	leaf.n_ancestors = 1;
	ok_eq(pvf_update_active_leaves(h, &leaf, NULL, 0), 0, "update active leaves");
	t_spin(h, 50);
	ok(r[2].status == PVF_EXEC_DEADLINE && r[3].status == PVF_EXEC_DEADLINE &&
	   r[4].status == PVF_EXEC_DEADLINE && r[2].done && r[3].done && r[4].done,
	   "stale backing jobs dropped with ExecutionDeadline");
	ok(!strcmp(r[2].text, "candidate validation: execution deadline has been reached."),
	   "text: %s", r[2].text);
	ok(!r[0].done && !r[1].done && !r[5].done, "the running job, the relevant backing job and "
	   "the approval wait");
	t_touch("go");
	ok(t_wait(h, r, 6, WAIT_MS) && r[0].status == PVF_EXEC_OK && r[1].status == PVF_EXEC_OK &&
	   r[5].status == PVF_EXEC_OK, "they complete");
	/* deactivating the leaf puts everything out of view */
	memset(dead[0], 9, 32);
	memset(&r[1], 0, sizeof(r[1]));
	x = t_exec("ok;#leaves", t_fmt("touch:%s;wait:%s", T("running2"), T("go2")),
		   PVF_EXEC_DISPUTE);
	pvf_execute(h, &x, t_exec_cb, &r[0], NULL);
	t_until_file(h, "running2", WAIT_MS);
	x = t_exec("ok;#leaves", "ok", PVF_EXEC_BACKING);
	memset(x.relay_parent, 9, 32);
	pvf_execute(h, &x, t_exec_cb, &r[1], NULL);
	ok_eq(pvf_update_active_leaves(h, NULL, (const uint8_t (*)[32])dead, 1), 0, "deactivate");
	t_spin(h, 50);
	ok(r[1].done && r[1].status == PVF_EXEC_DEADLINE, "job on a deactivated leaf dropped");
	t_touch("go2");
	t_wait(h, r, 1, WAIT_MS);
	pvf_host_free(h);
}

static void test_cancel_and_shutdown(void)
{
	struct pvf_config c;
	struct pvf_host *h = fresh(&c, NULL);
	struct pvf_execute_req x = t_exec(t_fmt("wait:%s;#cancel", T("go")), "ok", PVF_EXEC_BACKING);
	struct pvf_execute_req y = t_exec("ok;#hang", t_fmt("touch:%s;hang", T("running")),
					  PVF_EXEC_APPROVAL);
	struct t_res r[4] = {0};
	uint64_t id = 0, id2 = 0;

	/* cancellation: cancelled while preparing -> never executed */
	pvf_execute(h, &x, t_exec_cb, &r[0], &id);
	t_spin(h, 50);
	ok_eq(pvf_cancel(h, id), 0, "cancel while preparing");
	t_touch("go");
	ok_eq(t_until_metric(h, "polkadot_pvf_prepare_concluded", 1, WAIT_MS), 1,
	      "the preparation finished");
	t_spin(h, 50);
	ok(!r[0].done && t_metric(h, "polkadot_pvf_execute_enqueued") == 0,
	   "nothing sent to the execute queue, no callback");

	/* running jobs cannot be cancelled */
	pvf_execute(h, &y, t_exec_cb, &r[1], &id2);
	while (!t_exists("running"))
		pvf_host_dispatch(h, 20);
	ok_eq(pvf_cancel(h, id2), -EBUSY, "cancel while running");
	/* blocking wrapper with another job meanwhile */
	{
		struct pvf_execute_req z = t_exec("ok;#hang", "ok:sync", PVF_EXEC_APPROVAL);

		ok_eq(pvf_execute_wait(h, &z, t_exec_cb, &r[2]), 0, "pvf_execute_wait");
		ok(r[2].done == 1 && !strcmp(r[2].result, "sync"), "result before return");
	}
	/* invalid requests */
	x.kind = (enum pvf_exec_kind)9;
	ok_eq(pvf_execute(h, &x, t_exec_cb, &r[3], NULL), -EINVAL, "bad kind");
	pvf_host_free(h);
	ok(r[1].done == 1 && r[1].status == PVF_EXEC_CANCELLED, "free cancels the running job");
	ok_eq(t_signal_children(0), 0, "no worker left behind");
}

static void test_spawn_retry_execute(void)
{
	const char *env[] = {NULL, NULL};
	struct pvf_config c;
	struct pvf_host *h;
	struct t_res r = {0};
	struct pvf_execute_req x = t_exec("ok;#spawn", "ok:spawned", PVF_EXEC_BACKING);

	t_setup_root();
	env[0] = t_fmt("FAKE_START=exit-once:%s", T("exited"));
	t_config(&c, env);
	h = t_host(&c);
	pvf_execute(h, &x, t_exec_cb, &r, NULL);
	ok(t_wait(h, &r, 1, WAIT_MS) && r.status == PVF_EXEC_OK && !strcmp(r.result, "spawned"),
	   "job survives a failed execute-worker spawn");
	ok_eq(t_metric(h, "polkadot_pvf_worker_spawned{flavor=\"execute\"}"), 1, "one execute worker");
	ok(t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"prepare\"}") +
	   t_metric(h, "polkadot_pvf_worker_spawning{flavor=\"execute\"}") == 3,
	   "one of the two first spawns failed and was retried");
	pvf_host_free(h);
}

/* A finished worker prefers a queued job with its own executor params,
 * unless the eldest job has waited max_keep_waiting_ms. */
static void keep_waiting_case(uint32_t keep_ms, const char *want, const char *what)
{
	static const uint8_t p2[] = {1 << 2, 3, 0, 0, 0, 0x20}; /* StackNativeMax */
	struct pvf_config c;
	struct pvf_host *h;
	struct pvf_execute_req x;
	struct t_res r[3] = {0};
	const char *marks;

	t_setup_root();
	t_config(&c, NULL);
	c.execute_workers_max = 1;
	c.max_keep_waiting_ms = keep_ms;
	h = t_host(&c);
	marks = T("marks");
	x = t_exec("ok;#keep", t_fmt("touch:%s;wait:%s;append:%s=J0", T("running"), T("go"), marks),
		   PVF_EXEC_APPROVAL);
	pvf_execute(h, &x, t_exec_cb, &r[0], NULL);
	t_until_file(h, "running", WAIT_MS);
	x = t_exec("ok;#keep", t_fmt("append:%s=J1", marks), PVF_EXEC_APPROVAL);
	x.pvf.executor_params = p2;
	x.pvf.executor_params_len = sizeof(p2);
	pvf_execute(h, &x, t_exec_cb, &r[1], NULL);
	x = t_exec("ok;#keep", t_fmt("append:%s=J2", marks), PVF_EXEC_APPROVAL);
	pvf_execute(h, &x, t_exec_cb, &r[2], NULL);
	t_spin(h, 20);
	t_touch("go");
	ok(t_wait(h, r, 3, WAIT_MS) && !strcmp(t_read("marks"), want), "%s", what);
	pvf_host_free(h);
}

static void test_keep_waiting(void)
{
	keep_waiting_case(4000, "J0\nJ2\nJ1\n", "finished worker takes the later job with its params");
	keep_waiting_case(0, "J0\nJ1\nJ2\n", "eldest job waited too long: FIFO, workers replaced");
}

int main(void)
{
	uint64_t t0 = t_now_ms();

	RUN(test_execute_ok);
	RUN(test_error_classes);
	RUN(test_runtime_construction);
	RUN(test_artifact_integrity);
	RUN(test_many);
	RUN(test_workers_die_and_params);
	RUN(test_window_order);
	RUN(test_keep_waiting);
	RUN(test_active_leaves);
	RUN(test_cancel_and_shutdown);
	RUN(test_spawn_retry_execute);
	t_cleanup_root();
	printf("# %llu ms\n", (unsigned long long)(t_now_ms() - t0));
	return tap_done();
}
