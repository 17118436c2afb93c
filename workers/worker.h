/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker: what the two worker programs (pvf-prepare-worker,
 * pvf-execute-worker) share. The contract with the host is docs/protocol.md
 * ("Writing a worker"); the process model and the sandbox policy are in
 * docs/host.md ("Worker programs") and docs/security.md.
 *
 * A worker is single-threaded and blocking. It never runs untrusted code
 * itself: every job runs in a single-use job process (struct wk_job), cloned
 * into fresh namespaces when the host's probe says that works, which reports
 * back through a pipe. The worker enforces the job's CPU-time limit from
 * outside, on the job's CPU clock, so the job can be fully confined before
 * it learns what to do.
 *
 * Artifact format: see wk_artifact_* below and docs/host.md.
 */
#ifndef PVF_WORKER_H
#define PVF_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/base.h"
#include "proto/proto.h"
#include "runtime/runtime.h"

#ifndef PVF_VERSION
#define PVF_VERSION "0.0.0"
#endif

/* The id a worker started as root runs as (docs/security.md "Running as
 * root"). */
#define WK_NOBODY 65534u

/* Test-only: PVF_WORKER_SANDBOX=off in the worker's environment (the host's
 * cfg.worker_env) skips the sandbox entirely; refused in secure validator
 * mode. */
#define WK_ENV_SANDBOX "PVF_WORKER_SANDBOX"

/* Test-only: PVF_WORKER_TEST_BREAK=layer,layer (sandbox layer names, e.g.
 * "seccomp,landlock") makes the check mode (--check-security) report those
 * layers missing, as on a kernel without them (sbx_policy.test_break). It can
 * only make the report worse, so it is not refused in secure validator mode;
 * the host logs it as a warning. The normal worker mode ignores it. */
#define WK_ENV_TEST_BREAK "PVF_WORKER_TEST_BREAK"

struct wk {
	enum proto_worker_kind kind;
	int sock;                 /* to the host */
	char *dir;                /* worker directory, absolute (owned) */
	const char *node_version; /* from the command line, may be NULL */
	/* what the host sent in HELLO */
	struct buf hello;         /* the HELLO payload; slices below borrow it */
	struct proto_security sec;
	struct scale_slice params;  /* SCALE ExecutorParams (execute workers) */
	/* after wk_sandbox */
	char *files;              /* where the worker's files are: "/" after change-root */
	bool sandboxed;           /* any layer applied */
	bool secure_clone;        /* jobs in fresh namespaces */
	bool private_net;         /* the worker's network namespace is its own */
	bool job_seccomp;         /* jobs may stack a seccomp filter */
	bool as_nobody;           /* identity dropped to WK_NOBODY */
	pid_t ppid;
};

/* Parses `<kind>-worker --socket-fd N --worker-dir-path DIR
 * [--node-impl-version V]`, reads HELLO and checks it is for this kind.
 * Exits the process (status 1, or 2 for a bad command line) on failure, as
 * the protocol asks. */
void wk_start(struct wk *w, enum proto_worker_kind kind, int argc, char **argv);
/* Check mode (`<program> [<kind>-worker] --check-security [--worker-dir-path
 * DIR]`, pvf-host.md §5.1): builds the policy this worker would apply if the
 * host said every layer works, tries it in a forked child (sbx_probe_policy,
 * with the secure-clone check) and prints the report on stdout:
 *
 *   pvf-worker-security-check 1
 *   worker prepare|execute
 *   [test-break LAYER,...]          PVF_WORKER_TEST_BREAK was set
 *   run-as nobody|self|root (...)   the identity the worker runs as
 *   landlock-abi N
 *   layer NAME works                one line per layer, in sandbox order
 *   layer NAME missing REASON
 *   verdict secure | verdict insecure WHY
 *
 * or `error MSG` after the first two lines when the check itself could not
 * run. Exit status: 0 every required layer works, 1 one is missing, 2 bad
 * usage, 3 the check could not run. Without --worker-dir-path a scratch dir
 * under $TMPDIR is used. Never returns. */
_Noreturn void wk_check_security(enum proto_worker_kind kind, int argc, char **argv);
/* Applies the worker sandbox the HELLO asks for (docs/security.md). Returns
 * 0, or a negative errno after logging why (the caller exits). */
int wk_sandbox(struct wk *w);
/* Sends HELLO_ACK. 0 or negative errno. */
int wk_ack(struct wk *w);
/* Sends a LOG record to the host (best effort). */
void wk_log(struct wk *w, enum pvlog_level level, const char *fmt, ...) BASE_PRINTF(3, 4);
/* Writes a complete encoded frame to the host; exits on failure (the host
 * is gone or the stream is broken). */
void wk_send(struct wk *w, const struct buf *frame);
/* Reads the next request: 0 (in), or exits (0 on EOF, 1 on a protocol error,
 * or when the message is not `type`). */
void wk_recv(struct wk *w, enum proto_msg type, struct buf *in);

/* "<what>: <errno text>" into a fixed buffer, like the reference's
 * stringify_errno. */
const char *wk_errstr(char *buf, size_t len, const char *what, int neg_errno);
/* "SIGKILL" etc. */
void wk_signal_name(int sig, char *buf, size_t len);

/* ---- job processes ------------------------------------------------------- */

struct wk_job;
/* Runs in the job process; returns its exit status. */
typedef int (*wk_job_fn)(struct wk_job *job, void *arg);

struct wk_job {
	pid_t pid;
	int pidfd;
	/* worker side */
	int req_w;        /* request pipe, worker end (-1 if none) */
	int res_r;        /* result pipe, worker end */
	/* job side (valid inside the job only) */
	int req_r, res_w;
	struct wk *w;
	/* CPU clock of the job at dispatch: the limit counts from here */
	uint64_t cpu_base_ns;
};

/* How a job ended. */
struct wk_job_end {
	pid_t pid;        /* the job's pid (as the worker sees it) */
	bool timed_out;   /* CPU time reached the limit (the job was killed) */
	bool signaled;    /* killed by a signal (timed_out aside) */
	int sig;
	int exit_status;  /* if !signaled */
	uint64_t cpu_ns;  /* CPU time since dispatch */
	long max_rss_kib; /* the job's peak resident set */
	struct buf out;   /* everything the job wrote */
	bool out_too_big; /* the job wrote more than allowed (it was killed) */
};

/* Clones a job process (fresh namespaces if w->secure_clone) that runs
 * fn(job, arg) and exits with its value. with_request: also a pipe the
 * worker writes the job's input into (pre-forked jobs). The job starts with
 * every descriptor but its pipe ends and stderr closed and dies with the
 * worker. 0 or negative errno (err filled). */
int wk_job_spawn(struct wk *w, bool with_request, wk_job_fn fn, void *arg, struct wk_job *job,
		 struct pvf_err *err);
/* True if the job process has exited already (an idle pre-forked job that
 * died must not take a request). */
bool wk_job_exited(const struct wk_job *job);
/* Marks the start of the job's CPU budget and sets RLIMIT_CPU on it as a
 * backstop (limit + 1 s). */
void wk_job_dispatch(struct wk_job *job, uint64_t limit_ns);
/* Collects the job: reads what it writes (at most max bytes) until EOF while
 * watching its CPU clock; kills it when the CPU time since dispatch reaches
 * limit_ns; reaps it with its resource usage. end->out must be freed with
 * buf_deinit. Returns 0 or a negative errno (waiting failed: a kernel
 * error). */
int wk_job_collect(struct wk_job *job, uint64_t limit_ns, size_t max, struct wk_job_end *end,
		   struct pvf_err *err);
/* Sends the host a debug LOG record "job stats: pid=P cpu_ns=N max_rss_kib=K"
 * (tools read it; it never changes an outcome). */
void wk_job_log_stats(struct wk *w, const struct wk_job_end *end);
/* Kills and reaps a job that is not needed any more. */
void wk_job_discard(struct wk_job *job);

/* Inside the job: applies the job's sandbox layers (docs/security.md: rlimits,
 * close-fds, and for execute jobs the execute seccomp allow-list). 0 or
 * negative errno with err filled. */
int wk_job_confine(struct wk_job *job, bool execute_filter, struct pvf_err *err);
/* Inside the job: writes one encoded frame to the result pipe. 0 or -errno. */
int wk_job_write(struct wk_job *job, const struct buf *frame);
/* Inside the job: reads exactly len bytes from the request pipe. 0, -EPIPE
 * on EOF, or -errno. */
int wk_job_read(struct wk_job *job, void *p, size_t len);

/* Reads the first frame of a job's output: 0 with *payload set, -EBADMSG if
 * there is none or it is malformed. *rest is what follows it. */
int wk_job_frame(const struct buf *out, struct scale_slice *payload, struct scale_slice *rest);

/* ---- artifacts (artifact.c) ------------------------------------------------ */

/*
 * Artifact format, version 2 (docs/host.md "Artifacts"). All integers
 * little-endian:
 *
 *   0   8  magic "PVFART\0\1"
 *   8   4  format version (2)
 *   12  4  profile: 1 = the PVF engine profile
 *   16  4  engine: 1 = interpreter, 2 = native
 *   20  4  target: 0 = any (interpreter), 1 = x86-64
 *   24  16 engine build identity (eng_build_id)
 *   40  32 preparation hash of the executor parameters it was prepared with
 *          (rt_exec_params_prep_hash)
 *   72  8  Wasm length (w)
 *   80  8  native code length (n; 0 for the interpreter)
 *   88  w  the decompressed Wasm, decoded, validated and link-checked by the
 *          prepare job
 *   .   n  the native code (rt_runtime_export_native; docs/compiler.md §4)
 *   .   16 XXH3-128 (canonical, big-endian) of every byte before it
 *
 * Loading (wk_artifact_load) checks, in this order: length, magic, format
 * version, checksum, profile, engine (against the worker's), target, build
 * identity, preparation hash, section lengths; then rt_runtime_load decodes
 * and validates the Wasm and installs the native code without compiling.
 * Every mismatch is RT_ERR_RUNTIME_CONSTRUCTION: the execute job answers
 * RuntimeConstruction and the host removes the artifact and prepares again.
 */
#define WK_ARTIFACT_MAGIC "PVFART\0\1"
#define WK_ARTIFACT_VERSION 2u
#define WK_ARTIFACT_PROFILE_PVF 1u
#define WK_ARTIFACT_ENGINE_INTERP 1u
#define WK_ARTIFACT_ENGINE_NATIVE 2u
#define WK_ARTIFACT_TARGET_ANY 0u
#define WK_ARTIFACT_TARGET_X86_64 1u
#define WK_ARTIFACT_HDR 88u
#define WK_ARTIFACT_SUM 16u
/* The largest artifact a worker writes or reads. */
#define WK_ARTIFACT_MAX (1024u * 1024 * 1024)

/* Test-only: PVF_WORKER_ENGINE=auto|interp|native in a worker's environment
 * (the host's worker_env) selects the engine of both workers (default auto:
 * native where supported). A worker refuses to start with another value. */
#define WK_ENV_ENGINE "PVF_WORKER_ENGINE"
/* Test-only: PVF_WORKER_TEST_FOREIGN_BUILD=1 makes the prepare worker stamp
 * its artifacts with another engine build identity, so that execute workers
 * refuse them (tests the host's re-preparation). It can only cause
 * re-preparations, so it is not refused in secure validator mode. */
#define WK_ENV_TEST_FOREIGN_BUILD "PVF_WORKER_TEST_FOREIGN_BUILD"
/* Test-only: PVF_WORKER_TEST_OPT_CRASH=1 makes a prepare job abort when it
 * would compile with the optimising tier, as if LLVM crashed (tests the
 * worker's retry with single-pass code only). It can only slow preparations
 * down, so it is not refused in secure validator mode. */
#define WK_ENV_TEST_OPT_CRASH "PVF_WORKER_TEST_OPT_CRASH"

/* The engine PVF_WORKER_ENGINE selects (RT_ENGINE_AUTO if unset); false for
 * a value that is not auto, interp or native. */
bool wk_engine_from_env(enum rt_engine *out);

struct wk_artifact_spec {
	const uint8_t *prep_hash;      /* 32 bytes */
	bool native;                   /* engine: native code follows the Wasm */
	const uint8_t *build_id;       /* NULL: eng_build_id() (tests: another) */
};

/* Starts an artifact in out (appending): header and Wasm. For the native
 * engine the caller then appends the native code (rt_runtime_export_native)
 * to out, and always finishes with wk_artifact_finish. 0 or -ENOMEM. */
int wk_artifact_begin(struct buf *out, const struct wk_artifact_spec *spec, const uint8_t *wasm,
		      size_t wasm_len);
/* Records the length of what was appended after the Wasm (the native code)
 * and appends the checksum; start is out->len before wk_artifact_begin.
 * 0, -EINVAL (not an artifact begun there) or -ENOMEM. */
int wk_artifact_finish(struct buf *out, size_t start);

/* Checks an artifact (borrowed) against the worker's preparation hash and
 * engine (cfg->engine, AUTO resolved) and loads it with rt_runtime_load:
 * RT_OK with *out set, or the failure with why filled.
 * RT_ERR_RUNTIME_CONSTRUCTION for anything that makes the artifact unusable
 * here (format, checksum, engine, build, parameters; native code the engine
 * refuses; a module that does not link), the Wasm's own classes if it no
 * longer decodes or validates (also a reason to prepare again), or
 * RT_ERR_INTERNAL. The single entry point of the execute side. */
enum rt_err_kind wk_artifact_load(const uint8_t *art, size_t len, const uint8_t prep_hash[32],
				  const struct rt_runtime_config *cfg, struct rt_runtime **out,
				  char *why, size_t why_len);

/* ---- allocation tracking (prepare worker, track_alloc.c) ----------------- */

/* True when this build can track allocations (not under sanitizers). */
bool wk_track_available(void);
/* Starts counting live heap bytes from now; when the peak exceeds limit
 * (0 = no limit), writes oom_frame to fd and exits with status 1 from inside
 * the allocator. oom_frame is borrowed and must stay valid. */
void wk_track_start(uint64_t limit, int fd, const struct buf *oom_frame);
/* Peak live bytes since wk_track_start. */
uint64_t wk_track_peak(void);

#endif /* PVF_WORKER_H */
