/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sandbox: Linux confinement for worker and job processes (mechanism only).
 *
 * The host decides the policy (which layers, which are required, which paths);
 * this module applies it. A worker main calls sbx_apply() once, while still
 * single-threaded, before it reads any untrusted input. The layers are applied
 * in this fixed order, each one verified before the next (docs/security.md):
 *
 *   1. identity     when started as root: setgroups([]) + setresgid/setresuid to
 *                   an unprivileged id, so the sandbox owns nothing on the host
 *   2. USERNS       unshare(CLONE_NEWUSER | CLONE_NEWNS), one-line uid/gid maps
 *      NETNS/IPCNS  unshare(CLONE_NEWNET), unshare(CLONE_NEWIPC)
 *   3. CHANGE_ROOT  mounts private, bind the worker dir (nosuid, nodev, opt. ro,
 *                   noexec), pivot_root into it, detach the old root
 *   4. NO_NEW_PRIVS drop every capability (bounding, ambient, effective,
 *                   permitted, inheritable), PR_SET_NO_NEW_PRIVS, not dumpable
 *   5. RLIMITS      core = 0 always; nofile, nproc, address space when given
 *   6. CLOSE_FDS    close every fd not in the keep list
 *   7. CLEAR_ENV    clear the environment except the kept names
 *   8. LANDLOCK     all file-system rights the kernel knows are handled; read
 *                   paths get read rights, write paths write rights only
 *      LANDLOCK_NET ABI >= 4: TCP bind and connect handled with no rule (denied)
 *   9. SECCOMP      last: deny-network list (worker) or allow-list (execute job)
 *
 * PID namespaces only apply to children, so they are part of the per-job
 * secure clone (sbx_clone_job), not of sbx_apply.
 *
 * Errors follow the system-code convention: 0 or a negative errno, context in
 * struct pvf_err. Nothing here exits or logs; the worker main decides.
 */
#ifndef PVF_SANDBOX_H
#define PVF_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/base.h"

enum sbx_layer {
	SBX_LAYER_USERNS,        /* user namespace + uid/gid maps */
	SBX_LAYER_CHANGE_ROOT,   /* mount namespace + pivot_root into the worker dir */
	SBX_LAYER_NETNS,         /* network namespace (no interfaces but a down lo) */
	SBX_LAYER_IPCNS,         /* System V IPC / POSIX mqueue namespace */
	SBX_LAYER_NO_NEW_PRIVS,  /* capabilities dropped, no_new_privs, not dumpable */
	SBX_LAYER_RLIMITS,       /* resource limits */
	SBX_LAYER_CLOSE_FDS,     /* every fd outside the keep list closed */
	SBX_LAYER_CLEAR_ENV,     /* environment cleared */
	SBX_LAYER_LANDLOCK,      /* Landlock file-system ruleset */
	SBX_LAYER_LANDLOCK_NET,  /* Landlock TCP bind/connect denial (ABI >= 4) */
	SBX_LAYER_SECCOMP,       /* seccomp-bpf filter */
	SBX_LAYER_SECURE_CLONE,  /* jobs cloned into fresh namespaces (sbx_clone_job) */
	SBX_LAYER_COUNT
};

#define SBX_BIT(layer) (1u << (layer))
/* Every layer sbx_apply knows (all but SECURE_CLONE, which sbx_probe checks). */
#define SBX_APPLY_ALL (SBX_BIT(SBX_LAYER_SECURE_CLONE) - 1u)

enum sbx_seccomp_mode {
	SBX_SECCOMP_OFF = 0,
	/* Default allow; socket, socketpair, connect, bind, listen, accept,
	 * accept4, io_uring_*, and a few kernel-attack-surface calls (ptrace,
	 * process_vm_*, bpf, perf_event_open, userfaultfd, keyctl family) fail.
	 * For workers. */
	SBX_SECCOMP_DENY_NETWORK,
	/* Default deny; only what a running execute job needs (memory, threads,
	 * signals, clocks, read/write on open fds, openat under Landlock, exit).
	 * No fork, no execve, no sockets. Stacks on the worker's filter. */
	SBX_SECCOMP_EXECUTE_JOB,
};

/* CHANGE_ROOT mount options for the worker dir. */
#define SBX_ROOT_READONLY (1u << 0)  /* execute workers: the dir is read-only */
#define SBX_ROOT_NOEXEC   (1u << 1)  /* no execve and no PROT_EXEC file maps from it */

/* Resource limits; 0 leaves a limit as it is. RLIMIT_CORE is always set to 0.
 * nproc counts the processes of the sandbox's user in its user namespace; it
 * is not enforced for a process whose real uid is host root (the kernel
 * exempts it), so it is only meaningful with run_as_uid or a non-root host. */
struct sbx_rlimits {
	uint64_t nofile;
	uint64_t nproc;
	uint64_t as_bytes;   /* address space (RLIMIT_AS) */
	uint64_t fsize;      /* largest file the process may write */
};

#define SBX_ID_KEEP ((uint32_t)-1)

struct sbx_policy {
	unsigned layers;      /* SBX_BIT(layer) for each layer to apply */
	unsigned required;    /* subset of layers: failure makes sbx_apply fail */

	/* identity: only used when the process starts with euid 0; SBX_ID_KEEP
	 * (the default) stays root, which maps the sandbox to host root. */
	uint32_t run_as_uid, run_as_gid;
	/* USERNS: the ids the process has inside its user namespace. */
	uint32_t inner_uid, inner_gid;

	/* CHANGE_ROOT: absolute path of the worker dir (borrowed). */
	const char *root_dir;
	unsigned root_flags;  /* SBX_ROOT_* */

	/* LANDLOCK: NULL-terminated path lists as seen after CHANGE_ROOT
	 * (borrowed). Each path must exist. */
	const char *const *landlock_read;
	const char *const *landlock_write;
	int landlock_max_abi; /* 0 = the best the kernel offers */

	enum sbx_seccomp_mode seccomp;
	bool seccomp_kill;    /* kill the process on a denied call (else errno) */
	int seccomp_errno;    /* errno for denied calls; 0 = EACCES */

	struct sbx_rlimits rlimits;

	const int *keep_fds;  /* CLOSE_FDS: fds left open (borrowed) */
	size_t n_keep_fds;
	const char *const *keep_env; /* CLEAR_ENV: NULL-terminated names kept */

	/* TEST ONLY: layers to break as if the kernel lacked them. sbx_apply
	 * first installs a seccomp filter that fails those layers' system calls
	 * with the errno an old or locked-down kernel returns (ENOSYS, EPERM,
	 * EINVAL), so detection and reporting run for real. CLEAR_ENV, which has
	 * no system call, is skipped instead; LANDLOCK_NET caps the ABI at 3. */
	unsigned test_break;
};

/* A policy with no layers, ids SBX_ID_KEEP, inner ids 1000. */
void sbx_policy_init(struct sbx_policy *p);

enum sbx_state {
	SBX_NOT_TRIED = 0,
	SBX_WORKS,
	SBX_MISSING,
};

struct sbx_layer_status {
	enum sbx_state state;
	int err;              /* negative errno when missing */
	char reason[200];     /* when missing: what failed and the likely cause */
};

struct sbx_status {
	struct sbx_layer_status layer[SBX_LAYER_COUNT];
	int landlock_abi;     /* kernel's Landlock ABI, 0 if none */
	bool as_root;         /* the probe ran with euid 0 */
};

/* Applies the policy's layers to the calling process, in the order above.
 * Must be called while single-threaded. A layer that fails and is in
 * p->required stops sbx_apply with its error; other failures are recorded
 * and the next layers still run (a layer that depends on a missing one is
 * recorded as missing too). report (may be NULL) receives one entry per
 * layer. Returns 0 or the negative errno of the first required failure. */
int sbx_apply(const struct sbx_policy *p, struct sbx_status *report, struct pvf_err *err);

/* Runs the standard policy in a forked child (the caller is unaffected) and
 * reports which layers work, each verified from inside the child, and whether
 * a job can then be cloned into fresh namespaces. The standard policy asks for
 * every layer: a scratch worker dir under $TMPDIR (or /tmp) with `artifact`
 * (Landlock: read) and `output` (Landlock: write), seccomp deny-network,
 * nofile/nproc/address-space limits. When running as root the scratch dir is
 * given to `nobody` and the probe runs as it. test_break is passed on as
 * sbx_policy.test_break (0 outside tests). Call before starting threads.
 * Returns 0 (even if layers are missing) or a negative errno if the probe
 * itself could not run. */
int sbx_probe(unsigned test_break, struct sbx_status *out, struct pvf_err *err);

/* The same for a caller's policy; p->root_dir (if used) must exist. Layers in
 * p->layers are probed; SBX_BIT(SBX_LAYER_SECURE_CLONE) adds the clone check. */
int sbx_probe_policy(const struct sbx_policy *p, struct sbx_status *out, struct pvf_err *err);

/* Which layers pvf requires (pvf-host.md §5.1): seccomp always; Landlock
 * unless change-root works and change-root unless Landlock works;
 * no_new_privs (seccomp and Landlock depend on it). Secure clone and the
 * rest are optional. Returns true when the status satisfies it; otherwise
 * writes the unmet requirement into why. */
bool sbx_status_secure(const struct sbx_status *st, char *why, size_t len);
/* True when the layer is required regardless of the others (seccomp,
 * no_new_privs); LANDLOCK and CHANGE_ROOT are required as a pair. */
bool sbx_layer_required(enum sbx_layer layer);

const char *sbx_layer_name(enum sbx_layer layer);

/* ---- secure clone -------------------------------------------------------- */

/* Namespaces for a job process: user (nested), mount, network, IPC, PID, UTS,
 * cgroup. */
#define SBX_CLONE_NAMESPACES 1u
/* With SBX_CLONE_NAMESPACES: keep the caller's network namespace. Only for a
 * caller whose own network namespace is already private and empty (the
 * NETNS layer applied): creating and destroying one per job costs about
 * 0.5 ms of CPU and isolates nothing more (docs/security.md). */
#define SBX_CLONE_SHARE_NET 2u

struct sbx_job {
	pid_t pid;
	int pidfd;   /* -1 if the kernel has no CLONE_PIDFD; owned by the caller */
};

/* Creates a job process (clone3, or clone on kernels without it; fork-like:
 * the child runs on a copy of the caller's stack). With SBX_CLONE_NAMESPACES
 * the child lives in fresh namespaces and drops the capabilities the new user
 * namespace gave it before it calls fn(arg); the child exits with fn's return
 * value (0..255) and never returns. The parent gets the pid and a pidfd.
 * Must be called while single-threaded. Returns 0 or a negative errno. */
int sbx_clone_job(unsigned flags, int (*fn)(void *arg), void *arg, struct sbx_job *job,
		  struct pvf_err *err);

#endif /* PVF_SANDBOX_H */
