/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf.h: the public C API of the PVF validation host.
 *
 * The host prepares (compiles) parachain validation functions and executes
 * candidates against them in worker processes, with the scheduling rules of
 * Polkadot's validation host (docs/host.md): one preparation per artifact
 * with all requesters bundled onto it, a prepare pool with soft/hard limits
 * and priorities, an execute queue that favours disputes over approvals over
 * backing, retries with cooldowns, timeouts, and an on-disk artifact cache.
 *
 * THREADING. A host is single-threaded. Every function below must be called
 * on the host's thread, i.e. the one thread that calls pvf_host_dispatch()
 * or pvf_host_run(), except pvf_host_stop(), which may be called from any
 * thread and from a signal handler. Result callbacks run on the host's
 * thread, from inside pvf_host_dispatch()/pvf_host_run() (never from inside
 * the submitting call, even when the result is known at once). A callback
 * may submit new requests and cancel others; it must not call
 * pvf_host_free().
 *
 * EMBEDDING. pvf_host_fd() is an epoll file descriptor that becomes readable
 * whenever the host has work to do (a worker message, a timer, a result to
 * deliver). Add it to your own loop and call pvf_host_dispatch(h, 0) when it
 * is readable. Or give the host a thread and call pvf_host_run().
 *
 * OWNERSHIP. Every pointer passed in is borrowed for the duration of the
 * call only; the host copies what it keeps. Every pointer passed to a
 * callback (result structs, strings, byte ranges) is valid only until the
 * callback returns.
 *
 * ERRORS. Functions returning int return 0 (or a documented non-negative
 * value) on success and a negative errno on failure; a submitting function
 * that fails never calls its callback.
 */
#ifndef PVF_PVF_H
#define PVF_PVF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PVF_API __attribute__((visibility("default")))

#define PVF_HASH_LEN 32

struct pvf_host;

/* ---- configuration ------------------------------------------------------ */

enum pvf_log_level {
	PVF_LOG_ERROR = 1,
	PVF_LOG_WARN = 2,
	PVF_LOG_INFO = 3,
	PVF_LOG_DEBUG = 4,
	PVF_LOG_TRACE = 5,
};

/* Called on the host's thread, possibly in the middle of the scheduler's
 * work: it must not call any pvf_* function. msg is one line without
 * newline, valid for the call only. subsys is e.g. "host", "prepare",
 * "execute", "worker[123]". */
typedef void (*pvf_log_fn)(void *ctx, enum pvf_log_level level, const char *subsys,
			   const char *msg);

/* Execution engine of the workers (pvf_config.engine). */
enum pvf_engine {
	PVF_ENGINE_AUTO = 0,    /* native where the worker program supports it */
	PVF_ENGINE_INTERP = 1,  /* the interpreter */
	PVF_ENGINE_NATIVE = 2,  /* the x86-64 compiler (docs/compiler.md) */
};

struct pvf_config {
	/* Artifact cache directory; created if missing. Artifacts and worker
	 * directories left by an earlier run are deleted at start-up; other
	 * files in it are never touched. Required. */
	const char *cache_dir;
	/* Worker programs. Each is started as
	 *   <path> prepare-worker|execute-worker --socket-fd 3
	 *          --worker-dir-path <dir> [--node-impl-version <v>]
	 * with an environment consisting only of worker_env. Required. */
	const char *prepare_worker_path;
	const char *execute_worker_path;
	/* Workers must report this version in their handshake; NULL disables
	 * the check (tests only). */
	const char *node_version;
	/* Refuse to start unless the worker sandbox can be fully enabled:
	 * every required layer (seccomp, no-new-privs, and Landlock or
	 * change-root) must work for both worker programs, as their
	 * --check-security run at start-up reports (docs/security.md). On by
	 * default (pvf_config_init). false accepts the risk: the host starts
	 * with the layers that work and logs a warning for each missing one. */
	bool secure_validator_mode;
	/* Time limit of each worker program's --check-security run at
	 * start-up: 30000. */
	uint32_t security_check_timeout_ms;

	unsigned prepare_workers_soft_max;  /* non-critical jobs: 1 */
	unsigned prepare_workers_hard_max;  /* absolute: 2 */
	unsigned execute_workers_max;       /* 4 */

	uint32_t spawn_timeout_ms;          /* fork to handshake: 3000 */
	uint32_t spawn_retry_delay_ms;      /* after a failed spawn: 3000 */
	/* Host-side wall-clock limit of a job = factor x its CPU-time limit. */
	uint32_t wall_clock_factor;         /* 4 */
	/* A failed preparation is retried (on the next request needing it) only
	 * after this cooldown, at most prepare_retries times, and never for
	 * deterministic errors or for pre-checks. */
	uint64_t prepare_failure_cooldown_ms; /* 15 min */
	uint32_t prepare_retries;           /* 5 */
	/* A job waiting longer than this no longer prefers the worker that just
	 * finished (with matching executor params). */
	uint32_t max_keep_waiting_ms;       /* 4000 */

	/* Every cleanup_interval_ms, prepared artifacts are deleted, least
	 * recently used first, while their total size exceeds cache_limit_bytes,
	 * but never one used less than cache_min_stale_ms ago. */
	uint64_t cache_limit_bytes;         /* 10 GiB */
	uint64_t cache_min_stale_ms;        /* 24 h */
	uint64_t cleanup_interval_ms;       /* 1 h */
	/* Check an artifact's checksum before each execution (a corrupted
	 * artifact is then prepared again instead of failing the candidate). */
	bool verify_artifacts;              /* true */

	/* NULL-terminated "NAME=value" list given to workers as their whole
	 * environment (e.g. a log filter). NULL = empty environment. */
	const char *const *worker_env;
	/* Engine of both worker programs, given to them as PVF_WORKER_ENGINE
	 * in their environment (an entry of worker_env with that name is
	 * replaced). Artifacts record their engine: an execute worker refuses
	 * one prepared for another engine, and it is prepared again. */
	enum pvf_engine engine;             /* PVF_ENGINE_AUTO */

	pvf_log_fn log;                     /* NULL: stderr */
	void *log_ctx;
	enum pvf_log_level log_level;       /* PVF_LOG_INFO */
};

/* Fills cfg with the defaults shown above (paths NULL). */
PVF_API void pvf_config_init(struct pvf_config *cfg);

/* ---- requests ----------------------------------------------------------- */

enum pvf_prep_kind {
	PVF_PREP_COMPILATION = 0,  /* preparation for execution */
	PVF_PREP_PRECHECKING = 1,  /* also runs the runtime-construction check */
};

/* Preparation priority. Only the prepare queue uses it: higher priorities
 * are dequeued first, and only critical jobs may grow the prepare pool
 * beyond its soft limit. A request joining a queued preparation raises the
 * preparation's priority to its own if that is higher. */
enum pvf_priority {
	PVF_PRIO_BACKGROUND = 0, /* heads-up: preparing for the next session */
	PVF_PRIO_NORMAL = 1,     /* pre-checking, backing */
	PVF_PRIO_CRITICAL = 2,   /* approvals, disputes */
};

/* Why a candidate is executed; decides the execute queue's order. */
enum pvf_exec_kind {
	PVF_EXEC_DISPUTE = 0,
	PVF_EXEC_APPROVAL = 1,
	PVF_EXEC_BACKING_SYSTEM_PARAS = 2, /* relay_parent required */
	PVF_EXEC_BACKING = 3,              /* relay_parent required */
};

/* The validation code and how to prepare it (PvfPrepData). Two requests
 * share one artifact when their code hashes and preparation-relevant
 * executor parameters are equal. */
struct pvf_code {
	const uint8_t *code;             /* maybe zstd-compressed wasm */
	size_t code_len;
	/* blake2b-256 of code, if the caller has it (trusted, not checked);
	 * NULL: the host computes it. */
	const uint8_t *code_hash;
	uint32_t bomb_limit;             /* max decompressed code size */
	/* SCALE-encoded ExecutorParams of the session; len 0 = default (no
	 * parameters). Malformed parameters make the request fail with
	 * -EINVAL. */
	const uint8_t *executor_params;
	size_t executor_params_len;
	uint64_t prep_timeout_ms;        /* CPU-time budget of preparation */
	enum pvf_prep_kind prep_kind;
};

/* PersistedValidationData. */
struct pvf_pvd {
	const uint8_t *parent_head;
	size_t parent_head_len;
	uint32_t relay_parent_number;
	uint8_t relay_parent_storage_root[PVF_HASH_LEN];
	uint32_t max_pov_size;
};

struct pvf_execute_req {
	struct pvf_code pvf;
	uint64_t exec_timeout_ms;        /* CPU-time budget of execution */
	struct pvf_pvd pvd;
	const uint8_t *pov;              /* PoV block data, maybe compressed */
	size_t pov_len;
	enum pvf_priority priority;      /* of the preparation, if needed */
	enum pvf_exec_kind kind;
	/* Backing kinds: the candidate's relay parent. A backing job still
	 * queued when its relay parent leaves the active leaves' view is
	 * dropped with PVF_EXEC_DEADLINE. */
	uint8_t relay_parent[PVF_HASH_LEN];
};

/* ---- results ------------------------------------------------------------ */

/* PrepareError (pvf-host.md §6.1), same order. */
enum pvf_prep_error_kind {
	PVF_PREP_ERR_PREVALIDATION = 0,        /* deterministic */
	PVF_PREP_ERR_PREPARATION = 1,          /* deterministic */
	PVF_PREP_ERR_RUNTIME_CONSTRUCTION = 2,
	PVF_PREP_ERR_JOB_ERROR = 3,            /* deterministic */
	PVF_PREP_ERR_TIMED_OUT = 4,
	PVF_PREP_ERR_IO = 5,
	PVF_PREP_ERR_CREATE_TMP_FILE = 6,
	PVF_PREP_ERR_RENAME_TMP_FILE = 7,
	PVF_PREP_ERR_OUT_OF_MEMORY = 8,        /* deterministic */
	PVF_PREP_ERR_CLEAR_WORKER_DIR = 9,
	PVF_PREP_ERR_JOB_DIED = 10,
	PVF_PREP_ERR_KERNEL = 11,
	PVF_PREP_ERR_DECOMPRESS = 12,          /* deterministic */
};

struct pvf_prep_error {
	enum pvf_prep_error_kind kind;
	const char *msg;      /* detail ("" if none) */
	int32_t job_pid;      /* JOB_DIED */
	const char *src;      /* RENAME_TMP_FILE, may be NULL */
	const char *dest;     /* RENAME_TMP_FILE, may be NULL */
};

/* A pre-check result: status 0 and err NULL = the code is acceptable;
 * status 0 and err set = preparation failed (vote against if deterministic,
 * see pvf_prep_error_is_deterministic); status -ECANCELED = the host was
 * freed first. */
struct pvf_precheck_result {
	int status;
	const struct pvf_prep_error *err;
};

enum pvf_exec_status {
	PVF_EXEC_OK = 0,
	PVF_EXEC_PREPARATION,      /* deterministic preparation error (prep) */
	PVF_EXEC_INVALID,          /* vote against (invalid) */
	PVF_EXEC_POSSIBLY_INVALID, /* retry, then vote against (possibly) */
	PVF_EXEC_INTERNAL,         /* local problem, do not vote (internal) */
	PVF_EXEC_DEADLINE,         /* backing job dropped: relay parent out of view */
	PVF_EXEC_CANCELLED,        /* the host was freed first */
};

enum pvf_invalid {
	PVF_INVALID_WORKER_REPORTED = 0,  /* trap, bad output, ...: msg */
	PVF_INVALID_HARD_TIMEOUT = 1,
	PVF_INVALID_POV_DECOMPRESSION = 2,
};

enum pvf_possibly_invalid {
	PVF_POSSIBLY_AMBIGUOUS_WORKER_DEATH = 0,
	PVF_POSSIBLY_AMBIGUOUS_JOB_DEATH = 1,  /* msg */
	PVF_POSSIBLY_JOB_ERROR = 2,            /* msg */
	PVF_POSSIBLY_RUNTIME_CONSTRUCTION = 3, /* msg; the artifact was removed */
};

enum pvf_internal {
	PVF_INTERNAL_HOST_COMMUNICATION = 0,
	PVF_INTERNAL_CREATE_LINK = 1,
	PVF_INTERNAL_OPEN_FILE = 2,
	PVF_INTERNAL_CREATE_PIPE = 3,
	PVF_INTERNAL_CLEAR_WORKER_DIR = 4,
	PVF_INTERNAL_KERNEL = 5,
	PVF_INTERNAL_NONDETERMINISTIC_PREPARE = 6, /* prep */
};

struct pvf_exec_result {
	enum pvf_exec_status status;
	/* enum pvf_invalid / pvf_possibly_invalid / pvf_internal for the
	 * statuses INVALID, POSSIBLY_INVALID and INTERNAL; 0 otherwise. */
	int reason;
	const char *msg;                    /* detail, "" if none */
	const struct pvf_prep_error *prep;  /* PREPARATION, INTERNAL/NONDET...; else NULL */
	/* OK: the SCALE-encoded ValidationResult returned by validate_block. */
	const uint8_t *validation_result;
	size_t validation_result_len;
	uint64_t cpu_time_ns;               /* OK: CPU time of the job */
	uint32_t pov_size;                  /* OK: uncompressed PoV size */
};

typedef void (*pvf_precheck_cb)(void *ud, const struct pvf_precheck_result *r);
typedef void (*pvf_execute_cb)(void *ud, const struct pvf_exec_result *r);

PVF_API bool pvf_prep_error_is_deterministic(enum pvf_prep_error_kind kind);
/* The reference's Display texts ("prepare: timeout", "invalid: hard
 * timeout", ...). Return snprintf's value. */
PVF_API int pvf_prep_error_format(const struct pvf_prep_error *e, char *buf, size_t len);
PVF_API int pvf_exec_result_format(const struct pvf_exec_result *r, char *buf, size_t len);

/* ---- life cycle --------------------------------------------------------- */

/* Opens the cache (clearing leftovers), runs each worker program once as
 * `<program> prepare-worker|execute-worker --check-security
 * --worker-dir-path <dir>` (with worker_env as its environment) to learn
 * which sandbox layers work (pvf_host_security), and creates a host. Fails
 * if a worker program cannot be run or prints no report, and, in secure
 * validator mode, if a required layer is missing: errbuf then names the
 * layer, what would provide it and the option that accepts the risk (give
 * it 512 bytes to hold the whole message). No worker is started before the
 * first request. Workers are forked by the host's thread and die with it
 * (PR_SET_PDEATHSIG), so that thread must live until pvf_host_free(). The
 * checks are child processes waited for here. On failure returns a negative errno and,
 * if errbuf is non-NULL, a message in it. */
PVF_API int pvf_host_new(const struct pvf_config *cfg, struct pvf_host **out, char *errbuf,
			 size_t errlen);
/* Kills every worker, calls the callback of every outstanding request with
 * PVF_EXEC_CANCELLED / -ECANCELED (from inside this call), removes the
 * worker directories and frees the host. Prepared artifacts stay on disk
 * until the next pvf_host_new() on the same directory. NULL is a no-op. */
PVF_API void pvf_host_free(struct pvf_host *h);

/* ---- submitting work ---------------------------------------------------- */

/* Prepares the code (if not prepared or being prepared already) at normal
 * priority and reports whether it could be prepared. A failed pre-check is
 * never retried: later pre-checks get the same error. *id (may be NULL)
 * receives the request id for pvf_cancel(). */
PVF_API int pvf_precheck(struct pvf_host *h, const struct pvf_code *pvf, pvf_precheck_cb cb,
			 void *ud, uint64_t *id);

/* Prepares the code if needed, at req->priority, then executes the
 * candidate. The callback is called exactly once (unless cancelled).
 * -EMSGSIZE if the PoV and parent head (or the code) exceed what one
 * protocol frame carries (64 MiB minus 4 KiB; far above MAX_POV_SIZE). */
PVF_API int pvf_execute(struct pvf_host *h, const struct pvf_execute_req *req, pvf_execute_cb cb,
			void *ud, uint64_t *id);

/* Starts preparing (at background priority) code that will soon be needed;
 * for prepared code, marks it as used now (protecting it from pruning). */
PVF_API int pvf_heads_up(struct pvf_host *h, const struct pvf_code *pvfs, size_t n);

/* One leaf of ActiveLeavesUpdate: a new active leaf and its recent
 * ancestors (most recent first, any number). */
struct pvf_leaf {
	uint8_t hash[PVF_HASH_LEN];
	const uint8_t (*ancestors)[PVF_HASH_LEN];
	size_t n_ancestors;
};

/* Applies an active-leaves update (activated may be NULL), then drops every
 * queued (not yet running) backing job whose relay parent is neither an
 * active leaf nor an ancestor of one: its callback gets PVF_EXEC_DEADLINE. */
PVF_API int pvf_update_active_leaves(struct pvf_host *h, const struct pvf_leaf *activated,
				     const uint8_t (*deactivated)[PVF_HASH_LEN], size_t n_deactivated);

/* Cancels a request that has not started executing: 0 = its callback will
 * never be called; -EBUSY = it is running, the result will come; -ENOENT =
 * unknown or already delivered. A preparation that others may need is not
 * stopped. */
PVF_API int pvf_cancel(struct pvf_host *h, uint64_t id);

/* ---- running the host --------------------------------------------------- */

/* The pollable descriptor (see EMBEDDING). Owned by the host. */
PVF_API int pvf_host_fd(const struct pvf_host *h);

/* Waits up to timeout_ms (0: do not wait, -1: no limit) for events, handles
 * them and delivers results. Returns 0 or a negative errno. */
PVF_API int pvf_host_dispatch(struct pvf_host *h, int timeout_ms);

/* Dispatches until pvf_host_stop() is called; returns 0 or a negative
 * errno. A stop requested before the call makes it return at once (and is
 * consumed). */
PVF_API int pvf_host_run(struct pvf_host *h);

/* Makes pvf_host_run() return. Thread-safe and async-signal-safe. */
PVF_API void pvf_host_stop(struct pvf_host *h);

/* Blocking wrappers: submit, then dispatch until this request's callback
 * has run (other requests' callbacks run too). Return what the submitting
 * call returned. */
PVF_API int pvf_precheck_wait(struct pvf_host *h, const struct pvf_code *pvf, pvf_precheck_cb cb,
			      void *ud);
PVF_API int pvf_execute_wait(struct pvf_host *h, const struct pvf_execute_req *req,
			     pvf_execute_cb cb, void *ud);

/* ---- introspection ------------------------------------------------------ */

/* The metrics of pvf-host.md §8 in the Prometheus text exposition format.
 * *text is malloc'd and NUL-terminated (caller frees). */
PVF_API int pvf_host_metrics(struct pvf_host *h, char **text, size_t *len);

/* Worker sandbox layers, in the order the workers apply them
 * (docs/security.md "The layers, in order"). */
enum pvf_sandbox_layer {
	PVF_LAYER_USER_NAMESPACE = 0,
	PVF_LAYER_CHANGE_ROOT,
	PVF_LAYER_NET_NAMESPACE,
	PVF_LAYER_IPC_NAMESPACE,
	PVF_LAYER_NO_NEW_PRIVS,
	PVF_LAYER_RLIMITS,
	PVF_LAYER_CLOSE_FDS,
	PVF_LAYER_CLEAR_ENV,
	PVF_LAYER_LANDLOCK,
	PVF_LAYER_LANDLOCK_NET,
	PVF_LAYER_SECCOMP,
	PVF_LAYER_SECURE_CLONE,   /* jobs cloned into fresh namespaces */
	PVF_LAYER_COUNT
};

struct pvf_security_layer {
	/* Works for every worker program (both --check-security reports). */
	bool works;
	/* Secure validator mode needs it: seccomp and no-new-privs always,
	 * landlock when change-root is missing and change-root when landlock
	 * is missing. */
	bool required;
	/* When !works: "prepare worker: <what failed>" (and/or the execute
	 * worker's); "" when it works. */
	char reason[256];
};

/* Sandbox status found at start-up by running each worker program with
 * --check-security (the first five fields are also sent to every worker
 * in its handshake). */
struct pvf_security {
	bool secure_validator_mode;
	bool can_enable_landlock;
	bool can_enable_seccomp;
	bool can_unshare_user_namespace_and_change_root;
	bool can_do_secure_clone;
	/* Every required layer works (secure validator mode is possible). */
	bool secure;
	/* !secure: which requirement is unmet ("" otherwise). */
	char why[128];
	struct pvf_security_layer layer[PVF_LAYER_COUNT];
	/* The lower Landlock ABI the two programs reported (0: none). */
	int landlock_abi;
	/* Both workers drop to an unprivileged id (the host runs as root and
	 * the cache directory is reachable by uid 65534). */
	bool workers_as_nobody;
};
/* "user-namespace", "change-root", ..., "seccomp", "secure-clone"; NULL if
 * out of range. */
PVF_API const char *pvf_sandbox_layer_name(enum pvf_sandbox_layer layer);
/* What provides the layer, e.g. "seccomp: kernel CONFIG_SECCOMP_FILTER". */
PVF_API const char *pvf_sandbox_layer_hint(enum pvf_sandbox_layer layer);
PVF_API void pvf_host_security(const struct pvf_host *h, struct pvf_security *out);

#endif /* PVF_PVF_H */
