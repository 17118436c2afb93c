/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The validation host: life cycle, public entry points, the artifact table
 * and the event loop (pvf-host.md §3.1, §3.2, §3.7; docs/host.md).
 */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "host.h"

#define MS 1000000ull
#define EVENTS_PER_ROUND 32
#define INITIAL_BUCKETS 64

/* ---- small helpers ------------------------------------------------------ */

uint64_t host_now_ns(void)
{
	return base_now_ns();
}

void host_log(struct pvf_host *h, enum pvlog_level level, const char *subsys, const char *fmt,
	      ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (h->cfg.log)
		h->cfg.log(h->cfg.log_ctx, (enum pvf_log_level)level, subsys, msg);
	else
		pvlog(level, subsys, "%s", msg);
}

static void *memdup(const void *p, size_t len)
{
	void *q = malloc(len ? len : 1);

	if (q && len)
		memcpy(q, p, len);
	return q;
}

static void wake(struct pvf_host *h)
{
	uint64_t one = 1;

	if (write(h->wakefd, &one, sizeof(one)) < 0) {
		/* the counter is saturated: it is readable anyway */
	}
}

/* An empty ExecutorParams vector: SCALE Vec with zero items. */
static const uint8_t empty_params[1] = {0};

static void params_of(const struct pvf_code *pvf, const uint8_t **p, size_t *len)
{
	if (pvf->executor_params_len) {
		*p = pvf->executor_params;
		*len = pvf->executor_params_len;
	} else {
		*p = empty_params;
		*len = sizeof(empty_params);
	}
}

/* Checks a pvf_code and computes its artifact id. */
static int code_identity(const struct pvf_code *pvf, uint8_t id[HOST_ID_LEN])
{
	uint8_t code_hash[PVF_HASH_LEN];
	const uint8_t *params;
	size_t params_len;

	if (!pvf || (!pvf->code && pvf->code_len) || (!pvf->executor_params &&
						      pvf->executor_params_len) ||
	    (pvf->prep_kind != PVF_PREP_COMPILATION && pvf->prep_kind != PVF_PREP_PRECHECKING))
		return -EINVAL;
	/* a request must fit one frame (proto.h); 4 KiB covers the other fields */
	if (pvf->code_len > PROTO_FRAME_MAX - 4096 ||
	    pvf->executor_params_len > PROTO_FRAME_MAX - 4096 - pvf->code_len)
		return -EMSGSIZE;
	if (pvf->code_hash)
		memcpy(code_hash, pvf->code_hash, PVF_HASH_LEN);
	else
		host_blake2_256(pvf->code, pvf->code_len, code_hash);
	params_of(pvf, &params, &params_len);
	return host_artifact_id(code_hash, params, params_len, id);
}

/* ---- artifact table ----------------------------------------------------- */

static size_t bucket_of(const struct pvf_host *h, const uint8_t id[HOST_ID_LEN])
{
	uint64_t k;

	/* both halves are blake2b outputs: any 8 bytes are uniform */
	memcpy(&k, id, sizeof(k));
	k ^= (uint64_t)id[HOST_ID_LEN - 1] << 56 | (uint64_t)id[HOST_ID_LEN - 2] << 48;
	return (size_t)(k & (h->n_buckets - 1));
}

static struct host_artifact *art_lookup(struct pvf_host *h, const uint8_t id[HOST_ID_LEN])
{
	struct host_artifact *a;

	for (a = h->buckets[bucket_of(h, id)]; a; a = a->hnext)
		if (!memcmp(a->id, id, HOST_ID_LEN))
			return a;
	return NULL;
}

static void art_grow(struct pvf_host *h)
{
	size_t n = h->n_buckets * 2, i;
	struct host_artifact **nb = calloc(n, sizeof(*nb)), **old = h->buckets;
	size_t old_n = h->n_buckets;

	if (!nb)
		return; /* longer chains, still correct */
	h->buckets = nb;
	h->n_buckets = n;
	for (i = 0; i < old_n; i++) {
		while (old[i]) {
			struct host_artifact *a = old[i];
			size_t b = bucket_of(h, a->id);

			old[i] = a->hnext;
			a->hnext = nb[b];
			nb[b] = a;
		}
	}
	free(old);
}

static struct host_artifact *art_new(struct pvf_host *h, const uint8_t id[HOST_ID_LEN])
{
	struct host_artifact *a = calloc(1, sizeof(*a));
	size_t b;

	if (!a)
		return NULL;
	if (h->n_artifacts >= h->n_buckets)
		art_grow(h);
	memcpy(a->id, id, HOST_ID_LEN);
	a->state = ART_PREPARING;
	hlist_init(&a->waiters);
	hlist_init(&a->pending);
	b = bucket_of(h, id);
	a->hnext = h->buckets[b];
	h->buckets[b] = a;
	h->n_artifacts++;
	return a;
}

static void art_unlink(struct pvf_host *h, struct host_artifact *a)
{
	struct host_artifact **pp = &h->buckets[bucket_of(h, a->id)];

	while (*pp && *pp != a)
		pp = &(*pp)->hnext;
	if (*pp) {
		*pp = a->hnext;
		h->n_artifacts--;
	}
}

static void art_free(struct host_artifact *a)
{
	free(a->path);
	host_prep_err_deinit(&a->error);
	free(a);
}

/* Creates the preparation job for art from pvf (copying the code). */
static int art_start_preparing(struct pvf_host *h, struct host_artifact *a,
			       const struct pvf_code *pvf, enum pvf_priority prio)
{
	struct host_prep_job *job = calloc(1, sizeof(*job));
	const uint8_t *params;
	size_t params_len;

	params_of(pvf, &params, &params_len);
	if (!job)
		return -ENOMEM;
	hlist_init(&job->link);
	job->code = memdup(pvf->code, pvf->code_len);
	job->params = memdup(params, params_len);
	if (!job->code || !job->params) {
		host_prep_job_free(job);
		return -ENOMEM;
	}
	job->art = a;
	job->prio = prio;
	job->code_len = pvf->code_len;
	job->bomb_limit = pvf->bomb_limit;
	memcpy(job->code_hash, a->id, PVF_HASH_LEN);
	job->params_len = params_len;
	job->timeout_ns = pvf->prep_timeout_ms * MS;
	job->kind = pvf->prep_kind;
	a->state = ART_PREPARING;
	a->job = job;
	host_prep_enqueue(h, job);
	return 0;
}

/* §3.1.2 can_retry_prepare_after_failure */
static bool can_retry(struct pvf_host *h, const struct host_artifact *a)
{
	return !pvf_prep_error_is_deterministic(a->error.kind) &&
	       host_now_ns() >= a->last_failed_ns + h->cfg.prepare_failure_cooldown_ms * MS &&
	       a->num_failures <= h->cfg.prepare_retries;
}

void host_artifact_remove(struct pvf_host *h, const uint8_t id[HOST_ID_LEN], const char *path)
{
	struct host_artifact *a = art_lookup(h, id);
	struct pvf_err err = {0};

	if (!a || a->state != ART_PREPARED || !path || strcmp(a->path, path) != 0)
		return;
	HLOG(h, PVLOG_WARN, "host", "removing artifact `%s` (runtime construction failed)", path);
	if (cache_remove(a->path, &err))
		HLOG(h, PVLOG_WARN, "host", "%s", err.msg);
	art_unlink(h, a);
	art_free(a);
}

/* ---- requests ----------------------------------------------------------- */

static struct host_req *req_new(struct pvf_host *h, enum host_req_type type, void *ud)
{
	struct host_req *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->id = ++h->next_req_id;
	r->type = type;
	r->ud = ud;
	hlist_init(&r->link);
	hlist_add_tail(&h->requests, &r->all);
	return r;
}

static void req_free(struct host_req *r)
{
	hlist_del(&r->link);
	hlist_del(&r->all);
	free(r->parent_head);
	free(r->pov);
	free(r->params);
	free(r->artifact_path);
	host_prep_err_deinit(&r->prep_result);
	host_exec_res_deinit(&r->exec_result);
	free(r);
}

void host_req_complete(struct pvf_host *h, struct host_req *r)
{
	if (r->worker && r->worker->job == r)
		r->worker->job = NULL;
	r->worker = NULL;
	r->state = RS_DONE;
	hlist_del(&r->link);
	hlist_add_tail(&h->completions, &r->link);
	if (!h->in_dispatch)
		wake(h);
}

static void deliver(struct host_req *r)
{
	if (r->type == REQ_PRECHECK) {
		struct pvf_prep_error e;
		struct pvf_precheck_result res = {r->precheck_status, NULL};

		if (r->has_prep_result) {
			host_prep_err_view(&r->prep_result, &e);
			res.err = &e;
		}
		r->precheck_cb(r->ud, &res);
	} else {
		const struct host_exec_res *x = &r->exec_result;
		struct pvf_prep_error e;
		struct pvf_exec_result res = {0};

		res.status = x->status;
		res.reason = x->reason;
		res.msg = x->msg ? x->msg : "";
		if (x->has_prep) {
			host_prep_err_view(&x->prep, &e);
			res.prep = &e;
		}
		res.validation_result = x->result;
		res.validation_result_len = x->result_len;
		res.cpu_time_ns = x->cpu_ns;
		res.pov_size = x->pov_size;
		r->execute_cb(r->ud, &res);
	}
}

static void deliver_completions(struct pvf_host *h)
{
	while (!hlist_empty(&h->completions)) {
		struct host_req *r = hlist_entry(h->completions.next, struct host_req, link);

		/* out of every list first: the callback may cancel or submit */
		hlist_del(&r->link);
		hlist_del(&r->all);
		deliver(r);
		req_free(r);
	}
}

/* ---- preparation outcome (§3.1.5) --------------------------------------- */

void host_prepare_done(struct pvf_host *h, struct host_artifact *a, struct host_prep_outcome *out)
{
	struct hlist waiters, pending;

	PVF_ASSERT(a->state == ART_PREPARING);
	/* take the waiting requests out, then settle the state */
	hlist_init(&waiters);
	hlist_init(&pending);
	if (!hlist_empty(&a->waiters)) {
		hlist_add_tail(&a->waiters, &waiters);
		hlist_del(&a->waiters);
	}
	if (!hlist_empty(&a->pending)) {
		hlist_add_tail(&a->pending, &pending);
		hlist_del(&a->pending);
	}
	if (out->ok) {
		a->state = ART_PREPARED;
		a->path = out->art.path;
		out->art.path = NULL;
		a->size = out->art.size;
		memcpy(a->checksum, out->art.checksum, CACHE_CHECKSUM_LEN);
		a->last_needed_ns = host_now_ns();
		a->num_failures = 0;
		HLOG(h, PVLOG_DEBUG, "host", "prepared `%s` (%llu bytes)", a->path,
		     (unsigned long long)a->size);
	} else {
		char text[512];
		struct pvf_prep_error view;

		a->state = ART_FAILED;
		a->last_failed_ns = host_now_ns();
		a->num_failures++;
		host_prep_err_deinit(&a->error);
		a->error = out->err;
		memset(&out->err, 0, sizeof(out->err));
		host_prep_err_view(&a->error, &view);
		pvf_prep_error_format(&view, text, sizeof(text));
		HLOG(h, PVLOG_ERROR, "host", "failed to process a PVF (failure %u): %s",
		     a->num_failures, text);
	}

	while (!hlist_empty(&waiters)) {
		struct host_req *r = hlist_entry(waiters.next, struct host_req, link);

		if (a->state == ART_FAILED)
			r->has_prep_result = host_prep_err_copy(&r->prep_result, &a->error) == 0;
		host_req_complete(h, r);
	}
	while (!hlist_empty(&pending)) {
		struct host_req *r = hlist_entry(pending.next, struct host_req, link);

		if (a->state == ART_FAILED) {
			host_exec_res_from_prep(&r->exec_result, &a->error);
			host_req_complete(h, r);
			continue;
		}
		r->artifact_path = strdup(a->path);
		memcpy(r->checksum, a->checksum, CACHE_CHECKSUM_LEN);
		if (!r->artifact_path) {
			host_exec_res_set(&r->exec_result, PVF_EXEC_INTERNAL, PVF_INTERNAL_KERNEL,
					  "out of memory");
			host_req_complete(h, r);
			continue;
		}
		host_exec_enqueue(h, r);
	}
	cache_artifact_deinit(&out->art);
	host_prep_err_deinit(&out->err);
}

/* ---- timers and the loop ------------------------------------------------ */

static uint64_t next_deadline(struct pvf_host *h)
{
	uint64_t next = h->next_cleanup_ns;
	int f;

	for (f = 0; f < 2; f++) {
		struct hlist *i;

		for (i = h->workers[f].next; i != &h->workers[f]; i = i->next) {
			struct host_worker *w = hlist_entry(i, struct host_worker, link);

			if (w->deadline_ns && (!next || w->deadline_ns < next))
				next = w->deadline_ns;
		}
	}
	return next;
}

/* Re-arms the timer and frees dead workers; called after every entry point
 * and every dispatch round. */
static void sync_state(struct pvf_host *h)
{
	uint64_t next = next_deadline(h);

	if (next != h->timer_armed_ns) {
		struct itimerspec its = {0};

		its.it_value.tv_sec = (time_t)(next / 1000000000ull);
		its.it_value.tv_nsec = (long)(next % 1000000000ull);
		if (next && !its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
		timerfd_settime(h->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
		h->timer_armed_ns = next;
	}
	if (!h->in_dispatch)
		host_worker_free_graveyard(h);
	if (!hlist_empty(&h->completions) && !h->in_dispatch)
		wake(h);
}

static void prune_cache(struct pvf_host *h)
{
	struct cache_prune_entry *e;
	size_t n = 0, i, k;
	uint64_t now = host_now_ns();

	e = calloc(h->n_artifacts ? h->n_artifacts : 1, sizeof(*e));
	if (!e)
		return;
	for (i = 0; i < h->n_buckets; i++) {
		struct host_artifact *a;

		for (a = h->buckets[i]; a; a = a->hnext)
			if (a->state == ART_PREPARED)
				e[n++] = (struct cache_prune_entry){a->size, a->last_needed_ns, a};
	}
	k = cache_prune_select(e, n, h->cfg.cache_limit_bytes, h->cfg.cache_min_stale_ms * MS, now);
	for (i = 0; i < k; i++) {
		struct host_artifact *a = e[i].ud;
		struct pvf_err err = {0};

		HLOG(h, PVLOG_DEBUG, "host", "pruning artifact `%s`", a->path);
		if (cache_remove(a->path, &err))
			HLOG(h, PVLOG_WARN, "host", "%s", err.msg);
		art_unlink(h, a);
		art_free(a);
	}
	free(e);
}

static void handle_deadlines(struct pvf_host *h)
{
	uint64_t now = host_now_ns();
	bool again = true;
	int f;

	while (again) {
		again = false;
		for (f = 0; f < 2 && !again; f++) {
			struct hlist *i;

			for (i = h->workers[f].next; i != &h->workers[f]; i = i->next) {
				struct host_worker *w = hlist_entry(i, struct host_worker, link);

				if (w->deadline_ns && w->deadline_ns <= now) {
					host_worker_on_deadline(w);
					again = true; /* the lists may have changed */
					break;
				}
			}
		}
	}
	if (h->next_cleanup_ns && h->next_cleanup_ns <= now) {
		prune_cache(h);
		h->next_cleanup_ns = now + h->cfg.cleanup_interval_ms * MS;
	}
}

static void drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) > 0) {
	}
}

int pvf_host_dispatch(struct pvf_host *h, int timeout_ms)
{
	struct epoll_event ev[EVENTS_PER_ROUND];
	int n, i;

	if (!hlist_empty(&h->completions))
		timeout_ms = 0;
	n = epoll_wait(h->epfd, ev, EVENTS_PER_ROUND, timeout_ms);
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	h->in_dispatch = true;
	for (i = 0; i < n; i++) {
		struct host_src *src = ev[i].data.ptr;

		switch (src->type) {
		case SRC_TIMER:
		case SRC_WAKE:
			drain(src->type == SRC_TIMER ? h->timerfd : h->wakefd);
			if (src->type == SRC_TIMER)
				h->timer_armed_ns = 0; /* expired: re-arm below */
			break;
		case SRC_SOCK:
		case SRC_PIDFD:
			host_worker_on_event(src, ev[i].events);
			break;
		default:
			break;
		}
	}
	handle_deadlines(h);
	deliver_completions(h);
	h->in_dispatch = false;
	sync_state(h);
	return 0;
}

int pvf_host_run(struct pvf_host *h)
{
	for (;;) {
		int ret;

		if (atomic_exchange(&h->stop, false))
			return 0;
		ret = pvf_host_dispatch(h, -1);
		if (ret)
			return ret;
	}
}

void pvf_host_stop(struct pvf_host *h)
{
	uint64_t one = 1;

	atomic_store(&h->stop, true);
	if (write(h->wakefd, &one, sizeof(one)) < 0) {
		/* saturated: readable anyway */
	}
}

int pvf_host_fd(const struct pvf_host *h)
{
	return h->epfd;
}

/* ---- life cycle --------------------------------------------------------- */

void pvf_config_init(struct pvf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->prepare_workers_soft_max = 1;
	cfg->prepare_workers_hard_max = 2;
	cfg->execute_workers_max = 4;
	cfg->spawn_timeout_ms = 3000;
	cfg->spawn_retry_delay_ms = 3000;
	cfg->wall_clock_factor = 4;
	cfg->prepare_failure_cooldown_ms = 15 * 60 * 1000;
	cfg->prepare_retries = 5;
	cfg->max_keep_waiting_ms = 4000;
	cfg->cache_limit_bytes = 10ull * 1024 * 1024 * 1024;
	cfg->cache_min_stale_ms = 24ull * 60 * 60 * 1000;
	cfg->cleanup_interval_ms = 60 * 60 * 1000;
	cfg->verify_artifacts = true;
	cfg->security_check_timeout_ms = 30000;
	cfg->log_level = PVF_LOG_INFO;
	cfg->secure_validator_mode = true;
}

static void free_config(struct pvf_host *h)
{
	size_t i;

	free((char *)h->cfg.cache_dir);
	free((char *)h->cfg.prepare_worker_path);
	free((char *)h->cfg.execute_worker_path);
	free((char *)h->cfg.node_version);
	if (h->worker_env)
		for (i = 0; h->worker_env[i]; i++)
			free(h->worker_env[i]);
	free(h->worker_env);
}

static int copy_config(struct pvf_host *h, const struct pvf_config *cfg)
{
	static const char engine_var[] = "PVF_WORKER_ENGINE=";
	size_t n = 0, i, k;

	h->cfg = *cfg;
	h->cfg.cache_dir = strdup(cfg->cache_dir);
	h->cfg.prepare_worker_path = strdup(cfg->prepare_worker_path);
	h->cfg.execute_worker_path = strdup(cfg->execute_worker_path);
	h->cfg.node_version = cfg->node_version ? strdup(cfg->node_version) : NULL;
	h->cfg.worker_env = NULL;
	if (!h->cfg.cache_dir || !h->cfg.prepare_worker_path || !h->cfg.execute_worker_path ||
	    (cfg->node_version && !h->cfg.node_version))
		return -ENOMEM;
	if (cfg->worker_env)
		while (cfg->worker_env[n])
			n++;
	h->worker_env = calloc(n + 2, sizeof(char *));
	if (!h->worker_env)
		return -ENOMEM;
	for (i = 0, k = 0; i < n; i++) {
		/* cfg.engine, when set, replaces the variable */
		if (cfg->engine != PVF_ENGINE_AUTO &&
		    !strncmp(cfg->worker_env[i], engine_var, strlen(engine_var)))
			continue;
		if (!(h->worker_env[k++] = strdup(cfg->worker_env[i])))
			return -ENOMEM;
	}
	if (cfg->engine != PVF_ENGINE_AUTO &&
	    asprintf(&h->worker_env[k], "%s%s", engine_var,
		     cfg->engine == PVF_ENGINE_INTERP ? "interp" : "native") < 0) {
		h->worker_env[k] = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int check_config(const struct pvf_config *c, struct pvf_err *err)
{
	if (!c->cache_dir || !c->prepare_worker_path || !c->execute_worker_path)
		return pvf_err_set(err, -EINVAL, "cache_dir and both worker paths are required");
	if (c->engine != PVF_ENGINE_AUTO && c->engine != PVF_ENGINE_INTERP &&
	    c->engine != PVF_ENGINE_NATIVE)
		return pvf_err_set(err, -EINVAL, "unknown engine %d", (int)c->engine);
	if (c->prepare_workers_soft_max < 1 ||
	    c->prepare_workers_hard_max < c->prepare_workers_soft_max || c->execute_workers_max < 1)
		return pvf_err_set(err, -EINVAL, "need 1 <= prepare soft max <= hard max and "
				   "at least 1 execute worker");
	if (c->wall_clock_factor < 1 || c->spawn_timeout_ms < 1 || c->spawn_retry_delay_ms < 1 ||
	    c->cleanup_interval_ms < 1 || c->security_check_timeout_ms < 1)
		return pvf_err_set(err, -EINVAL, "timeouts, delays and factors must be positive");
	if (c->log_level < PVF_LOG_ERROR || c->log_level > PVF_LOG_TRACE)
		return pvf_err_set(err, -EINVAL, "log level out of range");
	return 0;
}

static int add_src(struct pvf_host *h, int fd, struct host_src *src, enum host_src_type type)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = src};

	src->type = type;
	src->obj = h;
	return epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int pvf_host_new(const struct pvf_config *cfg, struct pvf_host **out, char *errbuf, size_t errlen)
{
	struct pvf_err err = {0};
	char sec_msg[768] = "";
	struct pvf_host *h;
	int ret, i;

	*out = NULL;
	ret = check_config(cfg, &err);
	if (ret)
		goto out_report;
	if (sodium_init() < 0) {
		ret = pvf_err_set(&err, -EIO, "libsodium initialisation failed");
		goto out_report;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		ret = pvf_err_set(&err, -ENOMEM, "allocate host");
		goto out_report;
	}
	h->epfd = h->timerfd = h->wakefd = -1;
	h->cache.dir_fd = -1;
	atomic_init(&h->stop, false);
	hlist_init(&h->requests);
	hlist_init(&h->completions);
	hlist_init(&h->zombies);
	hlist_init(&h->graveyard);
	for (i = 0; i < 3; i++)
		hlist_init(&h->prep_unscheduled[i]);
	for (i = 0; i < 2; i++)
		hlist_init(&h->workers[i]);
	for (i = 0; i < HOST_EXEC_PRIOS; i++)
		hlist_init(&h->exec_unscheduled[i]);
	host_metrics_init(&h->metrics);
	ret = copy_config(h, cfg);
	if (ret) {
		pvf_err_set(&err, ret, "copy configuration");
		goto out_free;
	}
	h->n_buckets = INITIAL_BUCKETS;
	h->buckets = calloc(h->n_buckets, sizeof(*h->buckets));
	if (!h->buckets) {
		ret = pvf_err_set(&err, -ENOMEM, "allocate artifact table");
		goto out_free;
	}
	/* the cache first: leftovers are cleared before anything else */
	ret = cache_open(&h->cache, h->cfg.cache_dir, &err);
	if (ret)
		goto out_free;
	ret = host_security_check(h, &err, sec_msg, sizeof(sec_msg));
	if (ret)
		goto out_free;
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	h->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	h->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->epfd < 0 || h->timerfd < 0 || h->wakefd < 0) {
		ret = pvf_err_set(&err, -errno, "create event descriptors");
		goto out_free;
	}
	ret = add_src(h, h->timerfd, &h->timer_src, SRC_TIMER);
	if (!ret)
		ret = add_src(h, h->wakefd, &h->wake_src, SRC_WAKE);
	if (ret) {
		pvf_err_set(&err, ret, "epoll_ctl");
		goto out_free;
	}
	h->next_cleanup_ns = host_now_ns() + h->cfg.cleanup_interval_ms * MS;
	sync_state(h);
	*out = h;
	return 0;

out_free:
	pvf_host_free(h);
out_report:
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s", sec_msg[0] ? sec_msg : err.msg[0] ? err.msg :
			 strerror(-ret));
	return ret;
}

void pvf_host_free(struct pvf_host *h)
{
	struct hlist *i;
	size_t b;

	if (!h)
		return;
	/* workers first, without their completion logic */
	host_worker_reap_all(h);
	/* every outstanding request is answered with "cancelled" */
	for (i = h->requests.next; i != &h->requests; i = i->next) {
		struct host_req *r = hlist_entry(i, struct host_req, all);

		if (r->state == RS_DONE)
			continue;
		r->precheck_status = -ECANCELED;
		host_prep_err_deinit(&r->prep_result);
		r->has_prep_result = false;
		host_exec_res_set(&r->exec_result, PVF_EXEC_CANCELLED, 0, "%s", "");
		r->state = RS_DONE;
		hlist_del(&r->link);
		hlist_add_tail(&h->completions, &r->link);
	}
	h->in_dispatch = true;
	deliver_completions(h);
	for (b = 0; b < h->n_buckets && h->buckets; b++) {
		while (h->buckets[b]) {
			struct host_artifact *a = h->buckets[b];

			h->buckets[b] = a->hnext;
			host_prep_job_free(a->job);
			art_free(a);
		}
	}
	free(h->buckets);
	for (b = 0; b < h->n_leaves; b++)
		free(h->leaves[b].ancestors);
	free(h->leaves);
	cache_close(&h->cache);
	if (h->epfd >= 0)
		close(h->epfd);
	if (h->timerfd >= 0)
		close(h->timerfd);
	if (h->wakefd >= 0)
		close(h->wakefd);
	free_config(h);
	free(h);
}

/* ---- entry points ------------------------------------------------------- */

int pvf_precheck(struct pvf_host *h, const struct pvf_code *pvf, pvf_precheck_cb cb, void *ud,
		 uint64_t *id)
{
	uint8_t aid[HOST_ID_LEN];
	struct host_artifact *a;
	struct host_req *r;
	int ret;

	if (!cb)
		return -EINVAL;
	ret = code_identity(pvf, aid);
	if (ret)
		return ret;
	r = req_new(h, REQ_PRECHECK, ud);
	if (!r)
		return -ENOMEM;
	r->precheck_cb = cb;
	a = art_lookup(h, aid);
	if (!a) {
		a = art_new(h, aid);
		if (!a || art_start_preparing(h, a, pvf, PVF_PRIO_NORMAL)) {
			if (a) {
				art_unlink(h, a);
				art_free(a);
			}
			req_free(r);
			return -ENOMEM;
		}
	}
	switch (a->state) {
	case ART_PREPARED:
		a->last_needed_ns = host_now_ns();
		host_req_complete(h, r);
		break;
	case ART_PREPARING:
		r->state = RS_WAIT_PREPARE;
		hlist_add_tail(&a->waiters, &r->link);
		if (a->job)
			host_prep_bump(h, a->job, PVF_PRIO_NORMAL);
		break;
	case ART_FAILED: /* pre-checks are never retried */
	default:
		r->has_prep_result = host_prep_err_copy(&r->prep_result, &a->error) == 0;
		host_req_complete(h, r);
		break;
	}
	if (id)
		*id = r->id;
	sync_state(h);
	return 0;
}

/* Is the prepared artifact still usable? Removes it from disk if corrupted. */
static bool artifact_usable(struct pvf_host *h, struct host_artifact *a)
{
	struct pvf_err err = {0};
	struct stat st;
	int ret;

	if (!h->cfg.verify_artifacts) {
		if (stat(a->path, &st) == 0)
			return true;
		HLOG(h, PVLOG_WARN, "host", "prepared artifact `%s` is missing; preparing again",
		     a->path);
		return false;
	}
	ret = cache_verify(a->path, a->checksum, &err);
	if (!ret)
		return true;
	HLOG(h, PVLOG_WARN, "host", "%s; preparing again", err.msg);
	if (ret != -ENOENT)
		cache_remove(a->path, NULL);
	return false;
}

static int fill_exec_req(struct host_req *r, const struct pvf_execute_req *req)
{
	const uint8_t *params;
	size_t params_len;

	params_of(&req->pvf, &params, &params_len);
	r->kind = req->kind;
	memcpy(r->relay_parent, req->relay_parent, PVF_HASH_LEN);
	r->exec_timeout_ns = req->exec_timeout_ms * MS;
	r->parent_head = memdup(req->pvd.parent_head, req->pvd.parent_head_len);
	r->parent_head_len = req->pvd.parent_head_len;
	r->relay_parent_number = req->pvd.relay_parent_number;
	memcpy(r->relay_parent_storage_root, req->pvd.relay_parent_storage_root, PVF_HASH_LEN);
	r->max_pov_size = req->pvd.max_pov_size;
	r->pov = memdup(req->pov, req->pov_len);
	r->pov_len = req->pov_len;
	r->params = memdup(params, params_len);
	r->params_len = params_len;
	host_blake2_256(params, params_len, r->params_hash);
	if (!r->parent_head || !r->pov || !r->params)
		return -ENOMEM;
	return 0;
}

int pvf_execute(struct pvf_host *h, const struct pvf_execute_req *req, pvf_execute_cb cb, void *ud,
		uint64_t *id)
{
	struct host_artifact *a;
	struct host_req *r;
	int ret;

	if (!cb || !req || (!req->pov && req->pov_len) ||
	    (!req->pvd.parent_head && req->pvd.parent_head_len) ||
	    (unsigned)req->kind > PVF_EXEC_BACKING || (unsigned)req->priority > PVF_PRIO_CRITICAL)
		return -EINVAL;
	if (req->pov_len > PROTO_FRAME_MAX - 4096 ||
	    req->pvd.parent_head_len > PROTO_FRAME_MAX - 4096 - req->pov_len)
		return -EMSGSIZE;
	r = req_new(h, REQ_EXECUTE, ud);
	if (!r)
		return -ENOMEM;
	r->execute_cb = cb;
	ret = code_identity(&req->pvf, r->artifact_id);
	if (!ret)
		ret = fill_exec_req(r, req);
	if (ret)
		goto out_free;
	a = art_lookup(h, r->artifact_id);
	if (a && a->state == ART_PREPARED) {
		if (artifact_usable(h, a)) {
			a->last_needed_ns = host_now_ns();
			r->artifact_path = strdup(a->path);
			if (!r->artifact_path) {
				ret = -ENOMEM;
				goto out_free;
			}
			memcpy(r->checksum, a->checksum, CACHE_CHECKSUM_LEN);
			host_exec_enqueue(h, r);
			goto out_ok;
		}
		free(a->path);
		a->path = NULL;
		a->num_failures = 0;
		ret = art_start_preparing(h, a, &req->pvf, req->priority);
		if (ret) { /* no usable state left: forget the artifact */
			art_unlink(h, a);
			art_free(a);
		}
	} else if (a && a->state == ART_PREPARING) {
		if (a->job)
			host_prep_bump(h, a->job, req->priority);
	} else if (a && a->state == ART_FAILED) {
		if (!can_retry(h, a)) {
			host_exec_res_from_prep(&r->exec_result, &a->error);
			host_req_complete(h, r);
			goto out_ok;
		}
		HLOG(h, PVLOG_INFO, "host", "retrying a failed preparation (failures so far: %u)",
		     a->num_failures);
		ret = art_start_preparing(h, a, &req->pvf, req->priority);
	} else {
		a = art_new(h, r->artifact_id);
		ret = a ? art_start_preparing(h, a, &req->pvf, req->priority) : -ENOMEM;
		if (ret && a) {
			art_unlink(h, a);
			art_free(a);
		}
	}
	if (ret)
		goto out_free;
	if (a->state == ART_FAILED) { /* the preparation failed at once */
		host_exec_res_from_prep(&r->exec_result, &a->error);
		host_req_complete(h, r);
		goto out_ok;
	}
	r->state = RS_WAIT_PREPARE;
	hlist_add_tail(&a->pending, &r->link);
out_ok:
	if (id)
		*id = r->id;
	sync_state(h);
	return 0;
out_free:
	req_free(r);
	return ret;
}

int pvf_heads_up(struct pvf_host *h, const struct pvf_code *pvfs, size_t n)
{
	uint8_t aid[HOST_ID_LEN];
	size_t i;
	int ret = 0;

	for (i = 0; i < n; i++)
		if (code_identity(&pvfs[i], aid))
			return -EINVAL;
	for (i = 0; i < n && !ret; i++) {
		struct host_artifact *a;

		code_identity(&pvfs[i], aid);
		a = art_lookup(h, aid);
		if (!a) {
			a = art_new(h, aid);
			ret = a ? art_start_preparing(h, a, &pvfs[i], PVF_PRIO_BACKGROUND) : -ENOMEM;
			if (ret && a) {
				art_unlink(h, a);
				art_free(a);
			}
		} else if (a->state == ART_PREPARED) {
			a->last_needed_ns = host_now_ns();
		} else if (a->state == ART_FAILED && can_retry(h, a)) {
			ret = art_start_preparing(h, a, &pvfs[i], PVF_PRIO_BACKGROUND);
		}
	}
	sync_state(h);
	return ret;
}

int pvf_update_active_leaves(struct pvf_host *h, const struct pvf_leaf *activated,
			     const uint8_t (*deactivated)[PVF_HASH_LEN], size_t n_deactivated)
{
	size_t i, j;

	if ((n_deactivated && !deactivated) ||
	    (activated && activated->n_ancestors && !activated->ancestors))
		return -EINVAL;
	for (i = 0; i < n_deactivated; i++) {
		for (j = 0; j < h->n_leaves; j++) {
			if (memcmp(h->leaves[j].hash, deactivated[i], PVF_HASH_LEN))
				continue;
			free(h->leaves[j].ancestors);
			h->leaves[j] = h->leaves[--h->n_leaves];
			break;
		}
	}
	if (activated) {
		struct host_leaf leaf = {0}, *nl;

		memcpy(leaf.hash, activated->hash, PVF_HASH_LEN);
		if (activated->n_ancestors) {
			leaf.ancestors = base_reallocarray(NULL, activated->n_ancestors, PVF_HASH_LEN);
			if (!leaf.ancestors)
				return -ENOMEM;
			memcpy(leaf.ancestors, activated->ancestors,
			       activated->n_ancestors * PVF_HASH_LEN);
			leaf.n_ancestors = activated->n_ancestors;
		}
		for (j = 0; j < h->n_leaves; j++)
			if (!memcmp(h->leaves[j].hash, leaf.hash, PVF_HASH_LEN))
				break;
		if (j < h->n_leaves) {
			free(h->leaves[j].ancestors);
			h->leaves[j] = leaf;
		} else {
			nl = base_reallocarray(h->leaves, h->n_leaves + 1, sizeof(*nl));
			if (!nl) {
				free(leaf.ancestors);
				return -ENOMEM;
			}
			h->leaves = nl;
			h->leaves[h->n_leaves++] = leaf;
		}
	}
	host_exec_prune_leaves(h);
	sync_state(h);
	return 0;
}

int pvf_cancel(struct pvf_host *h, uint64_t id)
{
	struct hlist *i;

	for (i = h->requests.next; i != &h->requests; i = i->next) {
		struct host_req *r = hlist_entry(i, struct host_req, all);

		if (r->id != id)
			continue;
		switch (r->state) {
		case RS_RUNNING:
			return -EBUSY;
		case RS_SPAWNING:
			if (r->worker && r->worker->job == r)
				r->worker->job = NULL;
			break;
		case RS_WAIT_PREPARE:
		case RS_QUEUED:
		case RS_DONE:
		default:
			break;
		}
		req_free(r);
		return 0;
	}
	return -ENOENT;
}

/* ---- blocking wrappers -------------------------------------------------- */

struct waiter {
	bool done;
	pvf_precheck_cb pcb;
	pvf_execute_cb ecb;
	void *ud;
};

static void wait_precheck_cb(void *ud, const struct pvf_precheck_result *r)
{
	struct waiter *w = ud;

	w->pcb(w->ud, r);
	w->done = true;
}

static void wait_execute_cb(void *ud, const struct pvf_exec_result *r)
{
	struct waiter *w = ud;

	w->ecb(w->ud, r);
	w->done = true;
}

static int wait_for(struct pvf_host *h, struct waiter *w, uint64_t id)
{
	while (!w->done) {
		int ret = pvf_host_dispatch(h, -1);

		/* the waiter lives on our stack: never leave it registered */
		if (ret && pvf_cancel(h, id) == 0)
			return ret;
	}
	return 0;
}

int pvf_precheck_wait(struct pvf_host *h, const struct pvf_code *pvf, pvf_precheck_cb cb, void *ud)
{
	struct waiter w = {false, cb, NULL, ud};
	uint64_t id = 0;
	int ret;

	if (!cb)
		return -EINVAL;
	ret = pvf_precheck(h, pvf, wait_precheck_cb, &w, &id);
	return ret ? ret : wait_for(h, &w, id);
}

int pvf_execute_wait(struct pvf_host *h, const struct pvf_execute_req *req, pvf_execute_cb cb,
		     void *ud)
{
	struct waiter w = {false, NULL, cb, ud};
	uint64_t id = 0;
	int ret;

	if (!cb)
		return -EINVAL;
	ret = pvf_execute(h, req, wait_execute_cb, &w, &id);
	return ret ? ret : wait_for(h, &w, id);
}

/* ---- introspection ------------------------------------------------------ */

int pvf_host_metrics(struct pvf_host *h, char **text, size_t *len)
{
	struct buf b = BUF_INIT;
	int ret = host_metrics_render(&h->metrics, &b);

	if (!ret)
		ret = host_security_render(h, &b);
	if (!ret)
		ret = buf_append_byte(&b, 0);
	if (ret) {
		buf_deinit(&b);
		return ret;
	}
	*len = b.len - 1;
	*text = (char *)buf_steal(&b, NULL);
	return 0;
}

void pvf_host_security(const struct pvf_host *h, struct pvf_security *out)
{
	*out = h->sec;
}
