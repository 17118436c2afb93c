/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prepare queue and pool (pvf-host.md §3.3, §3.4, §3.6).
 *
 * Jobs wait in three FIFO lists, one per priority, and are taken strictly by
 * priority (critical, normal, background). A new job goes straight to an idle
 * worker if there is one; otherwise a worker is spawned if the pool may grow:
 * up to the soft limit for any job, up to the hard limit for critical jobs.
 * A worker that finishes a job while the pool is above the soft limit is
 * retired (culled). A worker that dies while idle, or before its job's
 * request was fully written, is replaced and its job goes back to the front
 * of its list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static bool can_afford(struct pvf_host *h, bool critical)
{
	size_t n = host_worker_count(h, FLAVOR_PREPARE);

	return n < (critical ? h->cfg.prepare_workers_hard_max : h->cfg.prepare_workers_soft_max);
}

static void spawn_extra(struct pvf_host *h, bool critical)
{
	struct host_worker *w;

	if (!can_afford(h, critical))
		return;
	w = host_worker_new(h, FLAVOR_PREPARE);
	if (!w) {
		HLOG(h, PVLOG_ERROR, "prepare", "out of memory spawning a worker");
		return;
	}
	host_worker_spawn(w);
}

static struct host_worker *find_idle(struct pvf_host *h)
{
	struct hlist *i;

	for (i = h->workers[FLAVOR_PREPARE].next; i != &h->workers[FLAVOR_PREPARE]; i = i->next) {
		struct host_worker *w = hlist_entry(i, struct host_worker, link);

		if (w->state == W_IDLE)
			return w;
	}
	return NULL;
}

static bool have_unscheduled(struct pvf_host *h)
{
	return !hlist_empty(&h->prep_unscheduled[PVF_PRIO_CRITICAL]) ||
	       !hlist_empty(&h->prep_unscheduled[PVF_PRIO_NORMAL]) ||
	       !hlist_empty(&h->prep_unscheduled[PVF_PRIO_BACKGROUND]);
}

static struct host_prep_job *take_next(struct pvf_host *h)
{
	int p;

	for (p = PVF_PRIO_CRITICAL; p >= PVF_PRIO_BACKGROUND; p--) {
		struct hlist *l = &h->prep_unscheduled[p];

		if (!hlist_empty(l)) {
			struct host_prep_job *job = hlist_entry(l->next, struct host_prep_job, link);

			hlist_del(&job->link);
			return job;
		}
	}
	return NULL;
}

void host_prep_job_free(struct host_prep_job *job)
{
	if (!job)
		return;
	hlist_del(&job->link);
	free(job->code);
	free(job->params);
	free(job);
}

static void conclude(struct host_worker *w, struct host_prep_outcome *out, bool rip);

static void assign(struct host_worker *w, struct host_prep_job *job)
{
	struct pvf_host *h = w->h;
	struct proto_prepare_req req = {0};
	struct host_prep_outcome out = {0};
	struct pvf_err err = {0};
	struct buf b = BUF_INIT;
	uint64_t wall;
	int ret;

	job->worker = w;
	w->pjob = job;
	w->state = W_BUSY;
	w->job_sent = false;
	job->started_ns = host_now_ns();
	/* the sandboxed worker cannot create files: the host does */
	if (cache_tmp_create(w->dir, &err)) {
		host_prep_err_set(&out.err, PVF_PREP_ERR_CREATE_TMP_FILE, "%s", err.msg);
		conclude(w, &out, false);
		return;
	}
	req.code.data = job->code;
	req.code.len = job->code_len;
	req.bomb_limit = job->bomb_limit;
	memcpy(req.code_hash, job->code_hash, PVF_HASH_LEN);
	req.executor_params.data = job->params;
	req.executor_params.len = job->params_len;
	req.timeout_ns = job->timeout_ns;
	req.kind = job->kind == PVF_PREP_PRECHECKING ? PROTO_PREP_PRECHECKING : PROTO_PREP_COMPILATION;
	ret = proto_encode_prepare_req(&b, &req);
	if (!ret)
		ret = host_worker_send(w, &b);
	buf_deinit(&b);
	if (ret) {
		/* like the reference's `Unreachable`: the worker is replaced and
		 * the job goes back to the front of its queue */
		host_prep_worker_died(w, "could not send the request");
		return;
	}
	wall = job->timeout_ns * h->cfg.wall_clock_factor;
	if (wall / h->cfg.wall_clock_factor != job->timeout_ns)
		wall = UINT64_MAX / 2;
	w->deadline_ns = job->started_ns + wall;
	HLOG(h, PVLOG_DEBUG, "prepare", "worker %d: preparing (priority %d)", (int)w->pid,
	     (int)job->prio);
}

void host_prep_enqueue(struct pvf_host *h, struct host_prep_job *job)
{
	struct host_worker *w;

	h->metrics.prepare_enqueued++;
	hlist_init(&job->link);
	w = find_idle(h);
	if (w) {
		assign(w, job);
		return;
	}
	spawn_extra(h, job->prio == PVF_PRIO_CRITICAL);
	hlist_add_tail(&h->prep_unscheduled[job->prio], &job->link);
}

void host_prep_bump(struct pvf_host *h, struct host_prep_job *job, enum pvf_priority prio)
{
	if (job->worker || prio <= job->prio)
		return;
	HLOG(h, PVLOG_DEBUG, "prepare", "raising a queued preparation from priority %d to %d",
	     (int)job->prio, (int)prio);
	job->prio = prio;
	hlist_del(&job->link);
	hlist_add_tail(&h->prep_unscheduled[prio], &job->link);
	if (prio == PVF_PRIO_CRITICAL)
		spawn_extra(h, true);
}

void host_prep_worker_ready(struct host_worker *w)
{
	struct host_prep_job *job = take_next(w->h);

	if (job)
		assign(w, job);
}

/* The worker's job is over; hands the outcome to the host and decides the
 * worker's fate. */
static void conclude(struct host_worker *w, struct host_prep_outcome *out, bool rip)
{
	struct pvf_host *h = w->h;
	struct host_prep_job *job = w->pjob;
	struct host_artifact *art = job->art;

	w->pjob = NULL;
	w->deadline_ns = 0;
	job->worker = NULL;
	art->job = NULL;
	h->metrics.prepare_concluded++;
	host_hist_observe(&h->metrics.preparation_time,
			  (double)(host_now_ns() - job->started_ns) / 1e9);
	host_prep_job_free(job);
	host_prepare_done(h, art, out);

	if (rip) {
		host_worker_kill(w, true);
		/* not critical: do not fill the pool up to the hard limit by
		 * accident */
		if (have_unscheduled(h))
			spawn_extra(h, false);
	} else if (host_worker_count(h, FLAVOR_PREPARE) > h->cfg.prepare_workers_soft_max) {
		HLOG(h, PVLOG_DEBUG, "prepare", "culling worker %d (above the soft limit)",
		     (int)w->pid);
		host_worker_kill(w, true);
	} else {
		w->state = W_IDLE;
		job = take_next(h);
		if (job)
			assign(w, job);
	}
}

void host_prep_worker_died(struct host_worker *w, const char *why)
{
	struct pvf_host *h = w->h;
	struct host_prep_job *job = w->pjob;
	struct host_prep_outcome out = {0};

	if (w->state == W_BUSY && job && w->job_sent) {
		HLOG(h, PVLOG_WARN, "prepare", "worker %d died during a job: %s", (int)w->pid, why);
		host_prep_err_set(&out.err, PVF_PREP_ERR_IO, "%s", why);
		conclude(w, &out, true);
		return;
	}
	HLOG(h, PVLOG_DEBUG, "prepare", "worker %d died while idle: %s", (int)w->pid, why);
	if (job) { /* the request never fully reached the worker */
		w->pjob = NULL;
		job->worker = NULL;
		hlist_add_head(&h->prep_unscheduled[job->prio], &job->link);
	}
	host_worker_kill(w, true);
	if (have_unscheduled(h))
		spawn_extra(h, false);
}

void host_prep_worker_timeout(struct host_worker *w)
{
	struct host_prep_outcome out = {0};

	HLOG(w->h, PVLOG_WARN, "prepare", "worker %d exceeded the wall-clock limit; killing it",
	     (int)w->pid);
	host_prep_err_set(&out.err, PVF_PREP_ERR_TIMED_OUT, "%s", "");
	conclude(w, &out, true);
}

static void observe_memory(struct pvf_host *h, const struct proto_memory_stats *m)
{
	if (m->has_max_rss && m->max_rss >= 0)
		host_hist_observe(&h->metrics.prep_max_rss, (double)m->max_rss);
	if (m->has_tracker) {
		host_hist_observe(&h->metrics.prep_max_resident, (double)m->resident / 1024);
		host_hist_observe(&h->metrics.prep_max_allocated, (double)m->allocated / 1024);
	}
	host_hist_observe(&h->metrics.prep_peak_tracked, (double)m->peak_tracked_alloc / 1024);
}

void host_prep_worker_message(struct host_worker *w, struct scale_slice payload)
{
	struct pvf_host *h = w->h;
	struct host_prep_job *job = w->pjob;
	struct host_prep_outcome out = {0};
	struct proto_prepare_res res;
	struct pvf_err err = {0};
	bool rip = false;
	int ret;

	if (proto_msg_type(payload) != PROTO_MSG_PREPARE_RES ||
	    proto_decode_prepare_res(payload, &res)) {
		host_prep_err_set(&out.err, PVF_PREP_ERR_IO, "malformed response from the worker");
		conclude(w, &out, true);
		return;
	}
	if (!res.ok) {
		if (host_prep_err_from_proto(&out.err, &res.err))
			HLOG(h, PVLOG_ERROR, "prepare", "out of memory copying an error");
		/* the job may have left the worker in any state */
		rip = res.err.kind == PROTO_PREP_ERR_TIMED_OUT ||
		      res.err.kind == PROTO_PREP_ERR_JOB_DIED ||
		      res.err.kind == PROTO_PREP_ERR_OUT_OF_MEMORY;
		goto out_clear;
	}
	host_hist_observe(&h->metrics.code_size, (double)res.stats.observed_wasm_code_len);
	if (res.stats.cpu_ns > job->timeout_ns) {
		host_prep_err_set(&out.err, PVF_PREP_ERR_TIMED_OUT, "%s", "");
		rip = true;
		goto out_clear;
	}
	ret = cache_publish(&h->cache, w->dir, res.checksum, &out.art, &err);
	if (ret == -EBADMSG || ret == -ENODATA || ret == -ENOENT) {
		/* the worker did not write what it claims */
		host_prep_err_set(&out.err, PVF_PREP_ERR_IO, "%s", err.msg);
		rip = true;
		goto out_clear;
	}
	if (ret) {
		host_prep_err_set(&out.err, PVF_PREP_ERR_RENAME_TMP_FILE, "%s", err.msg);
		out.err.src = strdup(w->dir);
		out.err.dest = strdup(h->cache.dir);
		goto out_clear;
	}
	out.ok = true;
	observe_memory(h, &res.stats.mem);
out_clear:
	if (cache_dir_clear(w->dir, &err)) {
		if (out.ok) {
			cache_remove(out.art.path, NULL);
			cache_artifact_deinit(&out.art);
			out.ok = false;
		} else {
			host_prep_err_deinit(&out.err);
		}
		host_prep_err_set(&out.err, PVF_PREP_ERR_CLEAR_WORKER_DIR, "%s", err.msg);
		rip = true;
	}
	conclude(w, &out, rip);
}
