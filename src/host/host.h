/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host: internals of the validation host (public API: include/pvf/pvf.h).
 *
 * Files:
 *   host.c      life cycle, public entry points, the artifact table (§3.1,
 *               §3.2 of pvf-host.md), request completion, the event loop
 *   worker.c    worker processes: spawn, handshake, framed I/O, death, reaping
 *   prepare.c   prepare queue + pool (§3.3, §3.4, §3.6)
 *   execute.c   execute queue (§3.5, §3.10)
 *   metrics.c   counters/histograms, Prometheus text (§8)
 *   params.c    artifact identity (code hash, executor-parameter hashes)
 *   result.c    owned results, error texts
 *   security.c  worker programs' --check-security at start -> SecurityStatus,
 *               struct pvf_security, start-up log, pvf_security_* metrics
 *
 * Everything runs on the host's thread. Objects that the epoll set may still
 * refer to (workers) are never freed while events are being handled: dead
 * workers go to a graveyard freed at the end of each dispatch round.
 */
#ifndef PVF_HOST_H
#define PVF_HOST_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <pvf/pvf.h>

#include "base/base.h"
#include "cache/cache.h"
#include "proto/proto.h"

#define HOST_ID_LEN 64 /* artifact id: code hash ++ preparation hash */

/* ---- intrusive doubly-linked list --------------------------------------- */

struct hlist {
	struct hlist *next, *prev;
};

static inline void hlist_init(struct hlist *l)
{
	l->next = l->prev = l;
}

static inline bool hlist_empty(const struct hlist *l)
{
	return l->next == l;
}

static inline void hlist_add_tail(struct hlist *head, struct hlist *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void hlist_add_head(struct hlist *head, struct hlist *n)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

/* Unlinks n and leaves it as an empty list (safe to delete twice). */
static inline void hlist_del(struct hlist *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	hlist_init(n);
}

static inline size_t hlist_len(const struct hlist *l)
{
	size_t n = 0;

	for (const struct hlist *i = l->next; i != l; i = i->next)
		n++;
	return n;
}

#define hlist_entry(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* ---- owned results ------------------------------------------------------ */

struct host_prep_err {
	enum pvf_prep_error_kind kind;
	char *msg;
	int32_t job_pid;
	char *src, *dest;
};

/* Fills e from a decoded error (copies the strings). 0 or -ENOMEM. */
int host_prep_err_from_proto(struct host_prep_err *e, const struct proto_prep_error *p);
/* kind + printf-formatted message. */
int host_prep_err_set(struct host_prep_err *e, enum pvf_prep_error_kind kind, const char *fmt, ...)
	BASE_PRINTF(3, 4);
int host_prep_err_copy(struct host_prep_err *dst, const struct host_prep_err *src);
void host_prep_err_deinit(struct host_prep_err *e);
/* A borrowed public view of e. */
void host_prep_err_view(const struct host_prep_err *e, struct pvf_prep_error *out);

struct host_exec_res {
	enum pvf_exec_status status;
	int reason;
	char *msg;
	bool has_prep;
	struct host_prep_err prep;
	uint8_t *result;
	size_t result_len;
	uint64_t cpu_ns;
	uint32_t pov_size;
};

void host_exec_res_deinit(struct host_exec_res *r);
/* status/reason with a printf-formatted message (allocation failure leaves
 * msg NULL, which reads as ""). */
void host_exec_res_set(struct host_exec_res *r, enum pvf_exec_status status, int reason,
		       const char *fmt, ...) BASE_PRINTF(4, 5);
/* ValidationError::from(PrepareError): deterministic -> PREPARATION, else
 * INTERNAL(NONDETERMINISTIC_PREPARE). */
void host_exec_res_from_prep(struct host_exec_res *r, const struct host_prep_err *e);

/* ---- requests ----------------------------------------------------------- */

enum host_req_type { REQ_PRECHECK, REQ_EXECUTE };

enum host_req_state {
	RS_WAIT_PREPARE,  /* in artifact->waiters (precheck) or ->pending (execute) */
	RS_QUEUED,        /* in the execute queue */
	RS_SPAWNING,      /* bound to an execute worker being spawned for it */
	RS_RUNNING,       /* sent to a worker */
	RS_DONE,          /* result stored, in h->completions */
};

struct host_req {
	struct hlist link;  /* the list of its current state */
	struct hlist all;   /* h->requests */
	uint64_t id;
	enum host_req_type type;
	enum host_req_state state;
	void *ud;
	pvf_precheck_cb precheck_cb;
	pvf_execute_cb execute_cb;
	struct host_worker *worker; /* RS_SPAWNING, RS_RUNNING */

	/* execute */
	enum pvf_exec_kind kind;
	uint8_t relay_parent[PVF_HASH_LEN];
	uint64_t exec_timeout_ns;
	uint8_t *parent_head;
	size_t parent_head_len;
	uint32_t relay_parent_number;
	uint8_t relay_parent_storage_root[PVF_HASH_LEN];
	uint32_t max_pov_size;
	uint8_t *pov;
	size_t pov_len;
	uint8_t *params;              /* full executor params */
	size_t params_len;
	uint8_t params_hash[PVF_HASH_LEN];
	uint8_t artifact_id[HOST_ID_LEN];
	char *artifact_path;          /* set when queued for execution */
	uint8_t checksum[CACHE_CHECKSUM_LEN];
	uint64_t waiting_since_ns;
	uint64_t started_ns;

	/* result */
	int precheck_status;          /* 0 or -ECANCELED */
	bool has_prep_result;         /* precheck: prep error present */
	struct host_prep_err prep_result;
	struct host_exec_res exec_result;
};

/* ---- artifacts ---------------------------------------------------------- */

enum host_art_state { ART_PREPARING, ART_PREPARED, ART_FAILED };

struct host_prep_job;

struct host_artifact {
	struct host_artifact *hnext;  /* hash chain */
	uint8_t id[HOST_ID_LEN];
	enum host_art_state state;
	/* PREPARED */
	char *path;
	uint64_t size;
	uint8_t checksum[CACHE_CHECKSUM_LEN];
	uint64_t last_needed_ns;
	/* PREPARING */
	struct hlist waiters;         /* precheck requests */
	struct hlist pending;         /* execute requests */
	struct host_prep_job *job;
	/* PREPARING and FAILED */
	uint32_t num_failures;
	/* FAILED */
	uint64_t last_failed_ns;
	struct host_prep_err error;
};

/* ---- preparation jobs --------------------------------------------------- */

struct host_prep_job {
	struct hlist link;            /* h->prep_unscheduled[prio] */
	struct host_artifact *art;
	enum pvf_priority prio;
	uint8_t *code;
	size_t code_len;
	uint32_t bomb_limit;
	uint8_t code_hash[PVF_HASH_LEN];
	uint8_t *params;
	size_t params_len;
	uint64_t timeout_ns;
	enum pvf_prep_kind kind;
	struct host_worker *worker;
	uint64_t started_ns;
};

/* Outcome of one preparation, as handed from the pool to the host. */
struct host_prep_outcome {
	bool ok;
	struct cache_artifact art;    /* ok: published artifact (path owned) */
	struct host_prep_err err;     /* !ok */
};

/* ---- workers ------------------------------------------------------------ */

enum host_flavor { FLAVOR_PREPARE = 0, FLAVOR_EXECUTE = 1 };

enum host_worker_state {
	W_SPAWN_WAIT,  /* waiting to (re)try spawning at deadline */
	W_HANDSHAKE,   /* process started, HELLO sent, waiting for HELLO_ACK */
	W_IDLE,
	W_BUSY,
	W_DEAD,        /* killed or exited, waiting to be reaped */
	W_GONE,        /* reaped, in the graveyard */
};

enum host_src_type { SRC_SOCK, SRC_PIDFD, SRC_TIMER, SRC_WAKE };

/* epoll user data: which descriptor of which object. */
struct host_src {
	enum host_src_type type;
	void *obj;
};

struct host_worker {
	struct hlist link;            /* h->workers[flavor], h->zombies, h->graveyard */
	struct pvf_host *h;
	enum host_flavor flavor;
	enum host_worker_state state;
	uint64_t id;                  /* for logs */
	pid_t pid;
	int pidfd, sock;
	char *dir;                    /* worker directory (owned) */
	struct host_src sock_src, pid_src;
	struct proto_rx rx;
	struct buf tx;
	size_t tx_off;
	bool want_out;                /* EPOLLOUT registered */
	bool job_sent;                /* the job's request is fully written */
	uint64_t deadline_ns;         /* 0 = none */
	unsigned spawn_attempts;
	/* execute workers: bound to one executor-parameter set */
	uint8_t params_hash[PVF_HASH_LEN];
	uint8_t *params;
	size_t params_len;
	struct host_req *job;         /* RS_SPAWNING or RS_RUNNING request */
	/* prepare workers */
	struct host_prep_job *pjob;
};

/* ---- metrics ------------------------------------------------------------ */

#define HOST_HIST_MAX_BUCKETS 16

struct host_hist {
	const double *bounds;
	size_t n;
	uint64_t counts[HOST_HIST_MAX_BUCKETS]; /* per bucket, not cumulative */
	uint64_t count;
	double sum;
};

struct host_metrics {
	uint64_t worker_spawning[2], worker_spawned[2], worker_retired[2];
	uint64_t prepare_enqueued, prepare_concluded;
	uint64_t execute_enqueued, execute_finished;
	uint64_t exec_kind_selected[4];
	struct host_hist preparation_time, execution_time, execution_queued_time;
	struct host_hist prep_max_rss, prep_max_resident, prep_max_allocated, prep_peak_tracked;
	struct host_hist pov_size[2]; /* [0] uncompressed, [1] compressed */
	struct host_hist code_size;
};

void host_metrics_init(struct host_metrics *m);
void host_hist_observe(struct host_hist *hist, double v);
int host_metrics_render(const struct host_metrics *m, struct buf *out);

/* ---- execute scheduling window (§3.5) ----------------------------------- */

#define HOST_EXEC_PRIOS 4 /* enum pvf_exec_kind, highest priority first */
#define HOST_SCHEDULING_WINDOW 12

struct host_exec_window {
	unsigned counter[HOST_EXEC_PRIOS];
};

/* The priority to take the next job from, given which queues are non-empty. */
enum pvf_exec_kind host_exec_select(const struct host_exec_window *w,
				    const bool pending[HOST_EXEC_PRIOS]);
void host_exec_mark(struct host_exec_window *w, enum pvf_exec_kind p);

/* ---- the host ----------------------------------------------------------- */

struct host_leaf {
	uint8_t hash[PVF_HASH_LEN];
	uint8_t (*ancestors)[PVF_HASH_LEN];
	size_t n_ancestors;
};

struct pvf_host {
	struct pvf_config cfg;        /* strings below are owned copies */
	char **worker_env;
	struct cache cache;
	struct proto_security security; /* what HELLO tells the workers */
	struct pvf_security sec;        /* the full status (pvf_host_security) */
	struct host_metrics metrics;

	int epfd, timerfd, wakefd;
	struct host_src timer_src, wake_src;
	uint64_t timer_armed_ns;      /* current timerfd expiry, 0 = disarmed */
	atomic_bool stop;
	bool in_dispatch;

	uint64_t next_req_id, next_worker_id;
	struct hlist requests;        /* every live request */
	struct hlist completions;     /* RS_DONE requests, delivery order */

	/* artifact table */
	struct host_artifact **buckets;
	size_t n_buckets, n_artifacts;

	/* prepare queue + pool */
	struct hlist prep_unscheduled[3]; /* by enum pvf_priority */
	struct hlist workers[2];          /* live workers by flavor */
	/* execute queue */
	struct hlist exec_unscheduled[HOST_EXEC_PRIOS];
	struct host_exec_window window;
	/* active leaves */
	struct host_leaf *leaves;
	size_t n_leaves;

	struct hlist zombies;         /* W_DEAD: killed, not yet reaped */
	struct hlist graveyard;       /* W_GONE: freed at the end of a round */
	uint64_t next_cleanup_ns;
};

/* logging */
void host_log(struct pvf_host *h, enum pvlog_level level, const char *subsys, const char *fmt,
	      ...) BASE_PRINTF(4, 5);
#define HLOG(h, lvl, subsys, ...)                                              \
	do {                                                                   \
		if ((int)(lvl) <= (int)(h)->cfg.log_level)                     \
			host_log((h), (lvl), (subsys), __VA_ARGS__);           \
	} while (0)

uint64_t host_now_ns(void);

/* host.c: called by the pools */
void host_req_complete(struct pvf_host *h, struct host_req *r); /* result already stored */
void host_prepare_done(struct pvf_host *h, struct host_artifact *art,
		       struct host_prep_outcome *out);
/* Removes a prepared artifact after a runtime-construction failure. */
void host_artifact_remove(struct pvf_host *h, const uint8_t id[HOST_ID_LEN], const char *path);

/* params.c */
/* blake2b-256 */
void host_blake2_256(const void *p, size_t len, uint8_t out[PVF_HASH_LEN]);
/* Artifact id = code_hash ++ blake2b-256("prep" ++ the preparation-relevant
 * items of params). -EINVAL if params do not parse. */
int host_artifact_id(const uint8_t code_hash[PVF_HASH_LEN], const uint8_t *params,
		     size_t params_len, uint8_t id[HOST_ID_LEN]);

/* worker.c */
struct host_worker *host_worker_new(struct pvf_host *h, enum host_flavor flavor);
/* Starts the process now; on failure the worker is put in W_SPAWN_WAIT for
 * a retry after spawn_retry_delay_ms. */
void host_worker_spawn(struct host_worker *w);
/* In a forked child before execve (worker.c; async-signal-safe): every
 * signal back to its default action and unblocked; and the failure path,
 * which writes errno to failw and exits 127. */
void host_child_reset_signals(void);
_Noreturn void host_child_fail(int failw);
/* Queues an encoded frame (taking nothing: the bytes are copied). */
int host_worker_send(struct host_worker *w, const struct buf *frame);
/* Kills (if running) and buries the worker; metric `retired` if counted. */
void host_worker_kill(struct host_worker *w, bool retired);
void host_worker_on_event(struct host_src *src, uint32_t events);
void host_worker_on_deadline(struct host_worker *w);
void host_worker_reap_all(struct pvf_host *h); /* shutdown: blocking */
void host_worker_free_graveyard(struct pvf_host *h);
size_t host_worker_count(struct pvf_host *h, enum host_flavor flavor);

/* prepare.c */
void host_prep_enqueue(struct pvf_host *h, struct host_prep_job *job);
void host_prep_bump(struct pvf_host *h, struct host_prep_job *job, enum pvf_priority prio);
void host_prep_job_free(struct host_prep_job *job);
/* worker.c -> prepare.c */
void host_prep_worker_ready(struct host_worker *w);
void host_prep_worker_died(struct host_worker *w, const char *why);
void host_prep_worker_message(struct host_worker *w, struct scale_slice payload);
void host_prep_worker_timeout(struct host_worker *w);

/* execute.c */
void host_exec_enqueue(struct pvf_host *h, struct host_req *r);
void host_exec_try_assign(struct pvf_host *h, struct host_worker *finished);
void host_exec_prune_leaves(struct pvf_host *h);
/* worker.c -> execute.c */
void host_exec_worker_ready(struct host_worker *w);
void host_exec_worker_died(struct host_worker *w, const char *why);
void host_exec_worker_message(struct host_worker *w, struct scale_slice payload);
void host_exec_worker_timeout(struct host_worker *w);

/* security.c */
/* Runs each worker program with --check-security and fills h->sec and
 * h->security. Fails when a program cannot be run or prints no report, and
 * in secure validator mode when a required layer is missing; msg (len bytes)
 * then gets the whole message (err a shorter one). Call before the host
 * starts workers. */
int host_security_check(struct pvf_host *h, struct pvf_err *err, char *msg, size_t len);
/* Appends the pvf_security_* metrics. 0 or -ENOMEM. */
int host_security_render(const struct pvf_host *h, struct buf *out);

#endif /* PVF_HOST_H */
