/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Execute queue (pvf-host.md §3.5, §3.10).
 *
 * Jobs wait in four FIFO lists, one per kind (dispute, approval,
 * backing-system-paras, backing). Which list the next job comes from is
 * decided by a 12-slot window: a kind may take at most its threshold share
 * (70 %, 80 %, 100 %, 100 %) of the jobs scheduled so far in the window among
 * itself and the kinds below it, so lower kinds are never starved completely.
 * Workers are bound to one executor-parameter set; a job prefers the worker
 * that just finished if it matches (unless the oldest job of its kind has
 * waited max_keep_waiting_ms), then any idle matching worker; an idle worker
 * with other parameters is retired to make room; a new worker is always
 * spawned for a specific job.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static const unsigned thresholds[HOST_EXEC_PRIOS] = {70, 80, 100, 100};

static bool reached_threshold(const struct host_exec_window *w, int p)
{
	unsigned total = 0;
	int q;

	for (q = p; q < HOST_EXEC_PRIOS; q++)
		total += w->counter[q];
	if (total == 0)
		return false;
	return w->counter[p] * 100 / total >= thresholds[p];
}

enum pvf_exec_kind host_exec_select(const struct host_exec_window *w,
				    const bool pending[HOST_EXEC_PRIOS])
{
	int p;

	for (p = 0; p < HOST_EXEC_PRIOS; p++)
		if (pending[p] && !reached_threshold(w, p))
			return (enum pvf_exec_kind)p;
	for (p = 0; p < HOST_EXEC_PRIOS; p++)
		if (pending[p])
			return (enum pvf_exec_kind)p;
	return PVF_EXEC_BACKING;
}

void host_exec_mark(struct host_exec_window *w, enum pvf_exec_kind p)
{
	unsigned total = 0;
	int q;

	w->counter[p]++;
	for (q = 0; q < HOST_EXEC_PRIOS; q++)
		total += w->counter[q];
	if (total >= HOST_SCHEDULING_WINDOW)
		memset(w->counter, 0, sizeof(w->counter));
}

static bool can_afford(struct pvf_host *h)
{
	return host_worker_count(h, FLAVOR_EXECUTE) < h->cfg.execute_workers_max;
}

static struct host_worker *find_idle(struct pvf_host *h, const uint8_t *params_hash)
{
	struct hlist *i;

	for (i = h->workers[FLAVOR_EXECUTE].next; i != &h->workers[FLAVOR_EXECUTE]; i = i->next) {
		struct host_worker *w = hlist_entry(i, struct host_worker, link);

		if (w->state == W_IDLE &&
		    (!params_hash || !memcmp(w->params_hash, params_hash, PVF_HASH_LEN)))
			return w;
	}
	return NULL;
}

static void finish(struct host_worker *w, bool keep);

static void assign(struct host_worker *w, struct host_req *r)
{
	struct pvf_host *h = w->h;
	struct proto_execute_req req = {0};
	struct pvf_err err = {0};
	struct buf b = BUF_INIT;
	uint64_t now = host_now_ns(), wall;
	int ret;

	r->state = RS_RUNNING;
	r->worker = w;
	w->job = r;
	w->state = W_BUSY;
	w->job_sent = false;
	r->started_ns = now;
	host_hist_observe(&h->metrics.execution_queued_time,
			  (double)((now - r->waiting_since_ns) / 1000000) / 1000);
	/* the worker sees only the fixed name, never the random one */
	if (cache_link_for_exec(r->artifact_path, w->dir, &err)) {
		host_exec_res_set(&r->exec_result, PVF_EXEC_INTERNAL, PVF_INTERNAL_CREATE_LINK, "%s",
				  err.msg);
		finish(w, false);
		return;
	}
	req.pvd.parent_head.data = r->parent_head;
	req.pvd.parent_head.len = r->parent_head_len;
	req.pvd.relay_parent_number = r->relay_parent_number;
	memcpy(req.pvd.relay_parent_storage_root, r->relay_parent_storage_root, PVF_HASH_LEN);
	req.pvd.max_pov_size = r->max_pov_size;
	req.pov.data = r->pov;
	req.pov.len = r->pov_len;
	req.timeout_ns = r->exec_timeout_ns;
	memcpy(req.artifact_checksum, r->checksum, CACHE_CHECKSUM_LEN);
	ret = proto_encode_execute_req(&b, &req);
	if (!ret)
		ret = host_worker_send(w, &b);
	buf_deinit(&b);
	if (ret) {
		host_exec_res_set(&r->exec_result, PVF_EXEC_INTERNAL,
				  PVF_INTERNAL_HOST_COMMUNICATION, "send request: %s", strerror(-ret));
		finish(w, false);
		return;
	}
	/* the worker has its own copy now */
	free(r->pov);
	r->pov = NULL;
	wall = r->exec_timeout_ns * h->cfg.wall_clock_factor;
	if (wall / h->cfg.wall_clock_factor != r->exec_timeout_ns)
		wall = UINT64_MAX / 2;
	w->deadline_ns = now + wall;
}

static void spawn_for(struct pvf_host *h, struct host_req *r)
{
	struct host_worker *w = host_worker_new(h, FLAVOR_EXECUTE);

	if (w)
		w->params = malloc(r->params_len);
	if (!w || !w->params) {
		HLOG(h, PVLOG_ERROR, "execute", "out of memory spawning a worker");
		if (w)
			host_worker_kill(w, false);
		host_exec_res_set(&r->exec_result, PVF_EXEC_INTERNAL, PVF_INTERNAL_KERNEL,
				  "out of memory");
		host_req_complete(h, r);
		return;
	}
	memcpy(w->params, r->params, r->params_len);
	w->params_len = r->params_len;
	memcpy(w->params_hash, r->params_hash, PVF_HASH_LEN);
	w->job = r;
	r->worker = w;
	r->state = RS_SPAWNING;
	host_worker_spawn(w);
}

void host_exec_try_assign(struct pvf_host *h, struct host_worker *finished)
{
	bool pending[HOST_EXEC_PRIOS];
	struct host_worker *worker = NULL, *idle;
	struct host_req *eldest, *job;
	enum pvf_exec_kind p;
	struct hlist *queue, *i;
	bool any = false;
	int q;

	for (q = 0; q < HOST_EXEC_PRIOS; q++) {
		pending[q] = !hlist_empty(&h->exec_unscheduled[q]);
		any |= pending[q];
	}
	if (!any)
		return;
	p = host_exec_select(&h->window, pending);
	queue = &h->exec_unscheduled[p];
	eldest = hlist_entry(queue->next, struct host_req, link);
	job = eldest;
	if (finished && finished->state == W_IDLE &&
	    host_now_ns() - eldest->waiting_since_ns < (uint64_t)h->cfg.max_keep_waiting_ms * 1000000) {
		for (i = queue->next; i != queue; i = i->next) {
			struct host_req *r = hlist_entry(i, struct host_req, link);

			if (!memcmp(r->params_hash, finished->params_hash, PVF_HASH_LEN)) {
				worker = finished;
				job = r;
				break;
			}
		}
	}
	if (!worker)
		worker = find_idle(h, job->params_hash);
	if (!worker) {
		idle = find_idle(h, NULL);
		if (idle) { /* other params: retire it to make room */
			HLOG(h, PVLOG_DEBUG, "execute",
			     "retiring idle worker %d for a job with other executor parameters",
			     (int)idle->pid);
			host_worker_kill(idle, true);
		}
	}
	if (!worker && !can_afford(h))
		return;
	hlist_del(&job->link);
	h->metrics.exec_kind_selected[job->kind]++;
	host_exec_mark(&h->window, p);
	if (worker)
		assign(worker, job);
	else
		spawn_for(h, job);
}

void host_exec_enqueue(struct pvf_host *h, struct host_req *r)
{
	h->metrics.execute_enqueued++;
	host_hist_observe(&h->metrics.pov_size[1], (double)r->pov_len);
	r->state = RS_QUEUED;
	r->waiting_since_ns = host_now_ns();
	hlist_del(&r->link);
	hlist_add_tail(&h->exec_unscheduled[r->kind], &r->link);
	host_exec_try_assign(h, NULL);
}

void host_exec_worker_ready(struct host_worker *w)
{
	struct host_req *r = w->job;

	if (r) {
		w->job = NULL;
		assign(w, r);
		return;
	}
	/* its job was cancelled while it was spawning */
	host_exec_try_assign(w->h, w);
}

/* Delivers the stored result of the worker's job and keeps or retires the
 * worker. */
static void finish(struct host_worker *w, bool keep)
{
	struct pvf_host *h = w->h;
	struct host_req *r = w->job;

	w->job = NULL;
	w->deadline_ns = 0;
	h->metrics.execute_finished++;
	host_hist_observe(&h->metrics.execution_time,
			  (double)(host_now_ns() - r->started_ns) / 1e9);
	host_req_complete(h, r);
	if (keep) {
		w->state = W_IDLE;
		host_exec_try_assign(h, w);
	} else {
		host_worker_kill(w, true);
		host_exec_try_assign(h, NULL);
	}
}

void host_exec_worker_died(struct host_worker *w, const char *why)
{
	struct pvf_host *h = w->h;
	struct host_req *r = w->job;

	if (w->state != W_BUSY || !r) {
		HLOG(h, PVLOG_DEBUG, "execute", "idle worker %d died: %s", (int)w->pid, why);
		host_worker_kill(w, true);
		host_exec_try_assign(h, NULL);
		return;
	}
	HLOG(h, PVLOG_WARN, "execute", "worker %d died during a job: %s", (int)w->pid, why);
	if (!w->job_sent)
		host_exec_res_set(&r->exec_result, PVF_EXEC_INTERNAL, PVF_INTERNAL_HOST_COMMUNICATION,
				  "%s", why);
	else
		host_exec_res_set(&r->exec_result, PVF_EXEC_POSSIBLY_INVALID,
				  PVF_POSSIBLY_AMBIGUOUS_WORKER_DEATH, "%s", "");
	finish(w, false);
}

void host_exec_worker_timeout(struct host_worker *w)
{
	HLOG(w->h, PVLOG_WARN, "execute",
	     "worker %d exceeded the wall-clock limit (likely stalled); killing it", (int)w->pid);
	host_exec_res_set(&w->job->exec_result, PVF_EXEC_INVALID, PVF_INVALID_HARD_TIMEOUT, "%s", "");
	finish(w, false);
}

static const char *job_error_text(enum proto_job_err e)
{
	switch (e) {
	case PROTO_JERR_TIMED_OUT: return "the job timed out";
	case PROTO_JERR_PANIC: return "panic";
	case PROTO_JERR_KERNEL: return "error interfacing with the kernel";
	case PROTO_JERR_SPAWN_THREAD: return "could not spawn a thread";
	case PROTO_JERR_CPU_MONITOR: return "cpu time monitor thread";
	case PROTO_JERR_EXIT_STATUS: return "unexpected exit status";
	default: return "unknown job error";
	}
}

void host_exec_worker_message(struct host_worker *w, struct scale_slice payload)
{
	struct pvf_host *h = w->h;
	struct host_req *r = w->job;
	struct host_exec_res *res = &r->exec_result;
	struct proto_execute_res m;
	struct pvf_err err = {0};
	bool keep = false;
	int len;

	if (proto_msg_type(payload) != PROTO_MSG_EXECUTE_RES ||
	    proto_decode_execute_res(payload, &m)) {
		HLOG(h, PVLOG_WARN, "execute", "worker %d sent a malformed response", (int)w->pid);
		host_exec_res_set(res, PVF_EXEC_POSSIBLY_INVALID, PVF_POSSIBLY_AMBIGUOUS_WORKER_DEATH,
				  "%s", "");
		finish(w, false);
		return;
	}
	len = (int)m.result.len;
	if (m.ok && m.duration_ns > r->exec_timeout_ns) {
		/* the worker says it finished, but used more CPU than allowed */
		host_exec_res_set(res, PVF_EXEC_INVALID, PVF_INVALID_HARD_TIMEOUT, "%s", "");
	} else if (m.ok) {
		keep = true;
		switch (m.job) {
		case PROTO_JOB_OK:
			host_exec_res_set(res, PVF_EXEC_OK, 0, "%s", "");
			res->result = malloc(m.result.len ? m.result.len : 1);
			if (!res->result) {
				host_exec_res_set(res, PVF_EXEC_INTERNAL, PVF_INTERNAL_KERNEL,
						  "out of memory");
				break;
			}
			memcpy(res->result, m.result.data, m.result.len);
			res->result_len = m.result.len;
			res->cpu_ns = m.duration_ns;
			res->pov_size = m.pov_size;
			host_hist_observe(&h->metrics.pov_size[0], (double)m.pov_size);
			break;
		case PROTO_JOB_INVALID_CANDIDATE:
			host_exec_res_set(res, PVF_EXEC_INVALID, PVF_INVALID_WORKER_REPORTED, "%.*s",
					  len, (const char *)m.result.data);
			break;
		case PROTO_JOB_POV_DECOMPRESSION:
			host_exec_res_set(res, PVF_EXEC_INVALID, PVF_INVALID_POV_DECOMPRESSION, "%s",
					  "");
			break;
		case PROTO_JOB_RUNTIME_CONSTRUCTION:
			/* the artifact cannot be used: remove it so that the next
			 * request prepares it again */
			host_artifact_remove(h, r->artifact_id, r->artifact_path);
			host_exec_res_set(res, PVF_EXEC_POSSIBLY_INVALID,
					  PVF_POSSIBLY_RUNTIME_CONSTRUCTION, "%.*s", len,
					  (const char *)m.result.data);
			break;
		default:
			keep = false;
			break;
		}
	} else {
		len = (int)m.msg.len;
		switch (m.werr) {
		case PROTO_WERR_JOB_TIMED_OUT:
			host_exec_res_set(res, PVF_EXEC_INVALID, PVF_INVALID_HARD_TIMEOUT, "%s", "");
			break;
		case PROTO_WERR_JOB_DIED:
			host_exec_res_set(res, PVF_EXEC_POSSIBLY_INVALID,
					  PVF_POSSIBLY_AMBIGUOUS_JOB_DEATH, "%.*s", len,
					  (const char *)m.msg.data);
			break;
		case PROTO_WERR_JOB_ERROR:
			if (m.jerr == PROTO_JERR_EXIT_STATUS)
				host_exec_res_set(res, PVF_EXEC_POSSIBLY_INVALID,
						  PVF_POSSIBLY_JOB_ERROR, "%s: %d",
						  job_error_text(m.jerr), (int)m.exit_status);
			else if (m.jerr == PROTO_JERR_TIMED_OUT)
				host_exec_res_set(res, PVF_EXEC_POSSIBLY_INVALID,
						  PVF_POSSIBLY_JOB_ERROR, "%s", job_error_text(m.jerr));
			else
				host_exec_res_set(res, PVF_EXEC_POSSIBLY_INVALID,
						  PVF_POSSIBLY_JOB_ERROR, "%s: %.*s",
						  job_error_text(m.jerr), len, (const char *)m.msg.data);
			break;
		case PROTO_WERR_INTERNAL:
			if (m.ierr == PROTO_IERR_NONDET_PREPARE) {
				struct host_prep_err pe;

				host_exec_res_set(res, PVF_EXEC_INTERNAL,
						  PVF_INTERNAL_NONDETERMINISTIC_PREPARE, "%s", "");
				if (!host_prep_err_from_proto(&pe, &m.prep)) {
					res->prep = pe;
					res->has_prep = true;
				} else {
					host_prep_err_deinit(&pe);
				}
			} else {
				host_exec_res_set(res, PVF_EXEC_INTERNAL, (int)m.ierr, "%.*s", len,
						  (const char *)m.msg.data);
			}
			break;
		default:
			break;
		}
	}
	if (keep && cache_dir_clear(w->dir, &err)) {
		host_exec_res_set(res, PVF_EXEC_INTERNAL, PVF_INTERNAL_CLEAR_WORKER_DIR, "%s", err.msg);
		keep = false;
	}
	finish(w, keep);
}

/* ---- active leaves ------------------------------------------------------ */

static bool in_view(struct pvf_host *h, const uint8_t *rp)
{
	size_t i, j;

	for (i = 0; i < h->n_leaves; i++) {
		if (!memcmp(h->leaves[i].hash, rp, PVF_HASH_LEN))
			return true;
		for (j = 0; j < h->leaves[i].n_ancestors; j++)
			if (!memcmp(h->leaves[i].ancestors[j], rp, PVF_HASH_LEN))
				return true;
	}
	return false;
}

void host_exec_prune_leaves(struct pvf_host *h)
{
	static const enum pvf_exec_kind kinds[] = {PVF_EXEC_BACKING_SYSTEM_PARAS, PVF_EXEC_BACKING};
	size_t k, dropped = 0;

	for (k = 0; k < BASE_ARRAY_SIZE(kinds); k++) {
		struct hlist *queue = &h->exec_unscheduled[kinds[k]], *i, *next;

		for (i = queue->next; i != queue; i = next) {
			struct host_req *r = hlist_entry(i, struct host_req, link);

			next = i->next;
			if (in_view(h, r->relay_parent))
				continue;
			host_exec_res_set(&r->exec_result, PVF_EXEC_DEADLINE, 0, "%s", "");
			host_req_complete(h, r);
			dropped++;
		}
	}
	if (dropped)
		HLOG(h, PVLOG_DEBUG, "execute", "dropped %zu backing jobs out of view", dropped);
}
