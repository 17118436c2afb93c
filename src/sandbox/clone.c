/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secure clone: a job process in fresh namespaces (pvf-host.md §5.6).
 *
 * The call is fork-like (no new stack): clone3 with CLONE_PIDFD, or on
 * kernels before 5.3 the legacy clone with the same flags. The child always
 * gets a nested user namespace, because the worker dropped its capabilities
 * and creating the other namespaces needs CAP_SYS_ADMIN in the owning user
 * namespace; the new one grants it, and the child drops it again at once.
 * In the new PID namespace the job is PID 1: signals it has no handler for
 * are ignored unless they come from the kernel or from an ancestor namespace
 * (SIGKILL from the worker still works).
 */
#include "sandbox_int.h"

#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#define JOB_NAMESPACES                                                                   \
	((uint64_t)(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC |          \
		    CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWCGROUP))

/* Exit status of a job whose confinement could not be completed. */
#define JOB_SETUP_FAILED 125

static pid_t do_clone(uint64_t flags, int *pidfd)
{
	struct clone_args ca;
	long pid;

	memset(&ca, 0, sizeof(ca));
	ca.flags = flags | CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	ca.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid >= 0 || (errno != ENOSYS && errno != E2BIG))
		return (pid_t)pid;
	/* Legacy clone: flags, stack (0 = the caller's, copied), parent_tid
	 * (receives the pidfd with CLONE_PIDFD), child_tid, tls. The flags word
	 * carries the exit signal in its low byte. */
	pid = syscall(SYS_clone, (unsigned long)(flags | CLONE_PIDFD | SIGCHLD), 0, pidfd,
		      NULL, 0);
	if (pid >= 0 || errno != EINVAL)
		return (pid_t)pid;
	*pidfd = -1;   /* kernel < 5.2: no CLONE_PIDFD */
	return (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), 0, NULL, NULL, 0);
}

int sbx_clone_job(unsigned flags, int (*fn)(void *arg), void *arg, struct sbx_job *job,
		  struct pvf_err *err)
{
	uint64_t ns = (flags & SBX_CLONE_NAMESPACES) ? JOB_NAMESPACES : 0;
	int pidfd = -1;
	pid_t pid;
	int rc;

	job->pid = -1;
	job->pidfd = -1;
	if (flags & SBX_CLONE_SHARE_NET)
		ns &= ~(uint64_t)CLONE_NEWNET;
	pid = do_clone(ns, &pidfd);
	if (pid < 0)
		return pvf_err_set(err, -errno, "clone3 job%s", ns ? " into new namespaces" : "");
	if (pid == 0) {
		if (ns && (sbx__drop_caps(NULL) < 0 ||
			   prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0))
			_exit(JOB_SETUP_FAILED);
		rc = fn(arg);
		_exit(rc & 0xff);
	}
	job->pid = pid;
	job->pidfd = pidfd;
	return 0;
}
