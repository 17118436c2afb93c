/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp-bpf filters, built with libseccomp. Syscalls are named, not
 * numbered, so the lists below resolve on any architecture libseccomp knows;
 * a name the native architecture lacks is skipped. Calls from a foreign ABI
 * (i386 `int 0x80`, x32 on x86-64) kill the process: a deny-list is only
 * sound if the numbering cannot be switched under it.
 *
 * x86-64 is the architecture we test. On aarch64 the same names resolve, with
 * these differences: there are no legacy calls (open, stat, fork, ...; we use
 * the *at forms only), `newfstatat` is `fstatat` under the same name in
 * libseccomp, `clone`'s flags are still argument 0, and `arch_prctl` does not
 * exist (not needed after start-up). The filter must be tested there before
 * secure mode can be required on aarch64 (pvf-host.md §10 item 9).
 */
#include "sandbox_int.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Worker deny-list: networking (as the reference, plus the server-side calls
 * and accept), io_uring (it can do networking), and kernel attack surface no
 * worker or job needs. */
static const char *const deny_network[] = {
	"socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open",
	"userfaultfd", "keyctl", "add_key", "request_key", "kexec_load",
	"kexec_file_load", "init_module", "finit_module", "delete_module",
	"open_by_handle_at", "name_to_handle_at",
};

/* Execute-job allow-list: what a running job needs. Memory (the code and the
 * Wasm linear memory, PROT_EXEC for compiled code), threads (the CPU monitor
 * and the big-stack execution thread), signals (trap handler on an alternate
 * stack), clocks, read/write on the fds it was given, openat of the artifact
 * (Landlock limits which paths), exit. Extra conditions are added below for
 * clone (threads only), tgkill (own process only) and prlimit64 (read only). */
static const char *const execute_allow[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close",
	"fstat", "newfstatat", "statx", "openat",
	"mmap", "munmap", "mprotect", "mremap", "madvise", "brk",
	"futex", "set_robust_list", "rseq", "set_tid_address", "sched_yield",
	"sched_getaffinity",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"gettid", "getpid", "getrusage",
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
	"exit", "exit_group",
};

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
		    const struct scmp_arg_cmp *args, struct pvf_err *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	int ret;

	if (nr == __NR_SCMP_ERROR)
		return 0;   /* not on this architecture */
	ret = seccomp_rule_add_array(ctx, action, nr, n, args);
	if (ret < 0)
		return pvf_err_set(err, ret, "seccomp rule for %s", name);
	return 0;
}

static int build_deny_network(scmp_filter_ctx ctx, uint32_t deny, struct pvf_err *err)
{
	size_t i;
	int ret;

	for (i = 0; i < BASE_ARRAY_SIZE(deny_network); i++) {
		ret = add_rule(ctx, deny, deny_network[i], 0, NULL, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int build_execute(scmp_filter_ctx ctx, struct pvf_err *err)
{
	struct scmp_arg_cmp thread_only = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
	struct scmp_arg_cmp own_pid = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid());
	struct scmp_arg_cmp read_only = SCMP_A2(SCMP_CMP_EQ, 0);
	size_t i;
	int ret;

	for (i = 0; i < BASE_ARRAY_SIZE(execute_allow); i++) {
		ret = add_rule(ctx, SCMP_ACT_ALLOW, execute_allow[i], 0, NULL, err);
		if (ret < 0)
			return ret;
	}
	ret = add_rule(ctx, SCMP_ACT_ALLOW, "clone", 1, &thread_only, err);
	if (ret == 0)
		ret = add_rule(ctx, SCMP_ACT_ALLOW, "tgkill", 1, &own_pid, err);
	if (ret == 0)
		ret = add_rule(ctx, SCMP_ACT_ALLOW, "prlimit64", 1, &read_only, err);
	/* clone3 passes its flags in memory a filter cannot read: make it look
	 * absent so the C library falls back to clone, which is checked. */
	if (ret == 0)
		ret = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, err);
	return ret;
}

static int load(scmp_filter_ctx ctx, struct pvf_err *err)
{
	int ret;

	ret = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (ret < 0)
		return pvf_err_set(err, ret, "seccomp_attr_set(ACT_BADARCH)");
	/* Report the kernel's errno rather than libseccomp's ECANCELED. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	ret = seccomp_load(ctx);
	if (ret == -EINVAL)
		return pvf_err_set(err, ret, "seccomp_load (kernel without CONFIG_SECCOMP_FILTER?)");
	if (ret == -EACCES)
		return pvf_err_set(err, ret, "seccomp_load (needs no_new_privs or CAP_SYS_ADMIN)");
	if (ret < 0)
		return pvf_err_set(err, ret, "seccomp_load");
	return 0;
}

/* The denied call must now fail with the chosen errno. */
static int check_socket_denied(int expect, struct pvf_err *err)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		close(fd);
		return pvf_err_set(err, -EIO, "socket() still possible under seccomp");
	}
	if (errno != expect)
		return pvf_err_set(err, -errno, "socket() under seccomp failed with a different "
				   "error");
	return 0;
}

int sbx__seccomp_apply(const struct sbx_policy *p, struct pvf_err *err)
{
	int deny_errno = p->seccomp_errno > 0 ? p->seccomp_errno : EACCES;
	uint32_t deny = p->seccomp_kill ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(deny_errno);
	scmp_filter_ctx ctx;
	int ret;

	switch (p->seccomp) {
	case SBX_SECCOMP_DENY_NETWORK:
		ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (!ctx)
			return pvf_err_set(err, -ENOMEM, "seccomp_init");
		ret = build_deny_network(ctx, deny, err);
		break;
	case SBX_SECCOMP_EXECUTE_JOB:
		ctx = seccomp_init(deny);
		if (!ctx)
			return pvf_err_set(err, -ENOMEM, "seccomp_init");
		ret = build_execute(ctx, err);
		break;
	case SBX_SECCOMP_OFF:
	default:
		return pvf_err_set(err, -EINVAL, "seccomp layer asked for with mode off");
	}
	if (ret == 0)
		ret = load(ctx, err);
	seccomp_release(ctx);
	if (ret == 0 && !p->seccomp_kill)
		ret = check_socket_denied(deny_errno, err);
	return ret;
}

/* ---- test-only kernel simulation ------------------------------------------- */

int sbx__simulate_missing(unsigned layers, struct pvf_err *err)
{
	struct scmp_arg_cmp a;
	scmp_filter_ctx ctx;
	int ret = 0;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return pvf_err_set(err, -ENOMEM, "seccomp_init");
	/* Root may load without no_new_privs; leave that layer to be tested. */
	if (geteuid() == 0)
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (ret == 0 && (layers & SBX_BIT(SBX_LAYER_USERNS))) {
		a = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER);
		ret = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "unshare", 1, &a, err);
	}
	if (ret == 0 && (layers & SBX_BIT(SBX_LAYER_CHANGE_ROOT)))
		ret = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "pivot_root", 0, NULL, err);
	if (ret == 0 && (layers & SBX_BIT(SBX_LAYER_NETNS))) {
		a = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWNET, CLONE_NEWNET);
		ret = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "unshare", 1, &a, err);
	}
	if (ret == 0 && (layers & SBX_BIT(SBX_LAYER_IPCNS))) {
		a = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWIPC, CLONE_NEWIPC);
		ret = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "unshare", 1, &a, err);
	}
	if (ret == 0 && (layers & SBX_BIT(SBX_LAYER_NO_NEW_PRIVS))) {
		a = SCMP_A0(SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS);
		ret = add_rule(ctx, SCMP_ACT_ERRNO(EINVAL), "prctl", 1, &a, err);
	}
	if (ret == 0 && (layers & SBX_BIT(SBX_LAYER_RLIMITS))) {
		ret = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "setrlimit", 0, NULL, err);
		if (ret == 0)
			ret = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "prlimit64", 0, NULL, err);
	}
	if (ret == 0 && (layers & SBX_BIT(SBX_LAYER_CLOSE_FDS))) {
		ret = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "close_range", 0, NULL, err);
		if (ret == 0)
			ret = add_rule(ctx, SCMP_ACT_ERRNO(EIO), "close", 0, NULL, err);
	}
	if (ret == 0 && (layers & SBX_BIT(SBX_LAYER_LANDLOCK))) {
		ret = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "landlock_create_ruleset", 0, NULL,
			       err);
	}
	if (ret == 0 && (layers & SBX_BIT(SBX_LAYER_SECCOMP))) {
		ret = add_rule(ctx, SCMP_ACT_ERRNO(EINVAL), "seccomp", 0, NULL, err);
		a = SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP);
		if (ret == 0)
			ret = add_rule(ctx, SCMP_ACT_ERRNO(EINVAL), "prctl", 1, &a, err);
	}
	if (ret == 0 && (layers & SBX_BIT(SBX_LAYER_SECURE_CLONE))) {
		ret = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, err);
		a = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER);
		if (ret == 0)
			ret = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &a, err);
	}
	if (ret == 0)
		ret = load(ctx, err);
	seccomp_release(ctx);
	return ret;
}
