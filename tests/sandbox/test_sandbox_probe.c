/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbx_probe and sbx_clone_job (TAP).
 *
 * First, what this machine supports is checked independently of the sandbox
 * code (a user namespace in a throw-away child, the Landlock version query,
 * the Seccomp line of /proc/self/status). Every supported layer must be
 * reported working by sbx_probe; an unsupported one is skipped with its
 * name. Then each layer is broken with the test-only option: it must be
 * reported missing with a reason, together with exactly the layers that
 * depend on it, and nothing else.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/tap.h"
#include "sandbox/sandbox.h"
#include "machine.h"

#define L(x) SBX_BIT(SBX_LAYER_##x)

static void skip(const char *what, const char *why)
{
	tap__n++;
	printf("ok %d - %s # SKIP %s\n", tap__n, what, why);
}

/* Layers that need `l` and so go missing with it (sandbox.h order). */
static unsigned dependents(enum sbx_layer l)
{
	switch (l) {
	case SBX_LAYER_USERNS:
		/* no mount namespace without it, so the Landlock paths (as seen
		 * after change-root) do not exist either */
		return L(CHANGE_ROOT) | L(NETNS) | L(IPCNS) | L(LANDLOCK) | L(LANDLOCK_NET);
	case SBX_LAYER_CHANGE_ROOT:
		return L(LANDLOCK) | L(LANDLOCK_NET);
	case SBX_LAYER_NO_NEW_PRIVS:
		/* landlock_restrict_self and seccomp need it once capabilities
		 * are gone; the cloned job sets it too. A non-root prober must
		 * set no_new_privs to load the breaking filter at all, so there
		 * Landlock still works (libseccomp still fails: it sets it too). */
		if (geteuid() != 0)
			return L(SECCOMP) | L(SECURE_CLONE);
		return L(LANDLOCK) | L(LANDLOCK_NET) | L(SECCOMP) | L(SECURE_CLONE);
	case SBX_LAYER_LANDLOCK:
		return L(LANDLOCK_NET);
	case SBX_LAYER_NETNS:
	case SBX_LAYER_IPCNS:
	case SBX_LAYER_RLIMITS:
	case SBX_LAYER_CLOSE_FDS:
	case SBX_LAYER_CLEAR_ENV:
	case SBX_LAYER_LANDLOCK_NET:
	case SBX_LAYER_SECCOMP:
	case SBX_LAYER_SECURE_CLONE:
	case SBX_LAYER_COUNT:
	default:
		return 0;
	}
}

static unsigned missing_set(const struct sbx_status *st)
{
	unsigned m = 0;
	int l;

	for (l = 0; l < SBX_LAYER_COUNT; l++)
		if (st->layer[l].state != SBX_WORKS)
			m |= SBX_BIT(l);
	return m;
}

static void print_status(const struct sbx_status *st)
{
	int l;

	for (l = 0; l < SBX_LAYER_COUNT; l++)
		if (st->layer[l].state != SBX_WORKS)
			printf("#   %-14s %s\n", sbx_layer_name(l), st->layer[l].reason);
}

static void *sleeper(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* sbx_apply refuses a multi-threaded process up front. */
static void test_threads(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct sbx_policy p;
		struct pvf_err e = {0};
		pthread_t t;

		sbx_policy_init(&p);
		p.layers = L(NO_NEW_PRIVS);
		if (pthread_create(&t, NULL, sleeper, NULL) != 0)
			_exit(2);
		_exit(sbx_apply(&p, NULL, &e) == -EINVAL && strstr(e.msg, "single-threaded") ?
		      0 : 1);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 0, "sbx_apply refuses a process with two threads");
}

static int job_exit42(void *arg)
{
	(void)arg;
	return 42;
}

static int job_pid(void *arg)
{
	(void)arg;
	return getpid() == 1 ? 0 : 1;
}

static ino_t net_ns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

/* 0 if the job's network namespace is the one in *arg, 1 if not. */
static int job_same_net(void *arg)
{
	return net_ns() == *(ino_t *)arg ? 0 : 1;
}

static void test_clone(unsigned lacking)
{
	struct pvf_err e = {0};
	struct sbx_job job;
	struct pollfd pfd;
	int status;

	ok(sbx_clone_job(0, job_exit42, NULL, &job, &e) == 0, "clone job without namespaces: %s",
	   e.msg);
	ok(job.pidfd >= 0, "clone job returns a pidfd");
	pfd.fd = job.pidfd;
	pfd.events = POLLIN;
	ok(poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLIN), "pidfd readable when the job ends");
	ok(waitpid(job.pid, &status, 0) == job.pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 42, "job exit status is fn's return value");
	close(job.pidfd);

	if (lacking & L(USERNS)) {
		skip("clone job into namespaces", "user namespaces missing on this machine");
		return;
	}
	ok(sbx_clone_job(SBX_CLONE_NAMESPACES, job_pid, NULL, &job, &e) == 0,
	   "clone job into namespaces: %s", e.msg);
	ok(waitpid(job.pid, &status, 0) == job.pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 0, "namespaced job is PID 1 of its own PID namespace");
	if (job.pidfd >= 0)
		close(job.pidfd);

	{
		ino_t mine = net_ns();

		ok(mine != 0, "the network namespace is visible in /proc/self/ns/net");
		ok(sbx_clone_job(SBX_CLONE_NAMESPACES, job_same_net, &mine, &job, &e) == 0 &&
		   waitpid(job.pid, &status, 0) == job.pid && WIFEXITED(status) &&
		   WEXITSTATUS(status) == 1, "namespaced job: a network namespace of its own");
		if (job.pidfd >= 0)
			close(job.pidfd);
		ok(sbx_clone_job(SBX_CLONE_NAMESPACES | SBX_CLONE_SHARE_NET, job_same_net, &mine,
				 &job, &e) == 0 &&
		   waitpid(job.pid, &status, 0) == job.pid && WIFEXITED(status) &&
		   WEXITSTATUS(status) == 0, "with SBX_CLONE_SHARE_NET: the caller's network "
		   "namespace");
		if (job.pidfd >= 0)
			close(job.pidfd);
		ok(sbx_clone_job(SBX_CLONE_NAMESPACES | SBX_CLONE_SHARE_NET, job_pid, NULL, &job,
				 &e) == 0 &&
		   waitpid(job.pid, &status, 0) == job.pid && WIFEXITED(status) &&
		   WEXITSTATUS(status) == 0, "... and still PID 1 of its own PID namespace");
		if (job.pidfd >= 0)
			close(job.pidfd);
	}
}

int main(void)
{
	struct sbx_status st, full;
	struct pvf_err e = {0};
	char why[256], secure_why[160];
	unsigned lacking, m, want;
	int l;

	lacking = machine_missing(why, sizeof(why));
	if (lacking & L(USERNS))
		lacking |= dependents(SBX_LAYER_USERNS);
	printf("# this machine lacks: %s\n", why[0] ? why : "nothing");
	if (lacking == (SBX_APPLY_ALL | L(SECURE_CLONE)))
		tap_skip_all(why);

	ok(sbx_probe(0, &full, &e) == 0, "sbx_probe runs: %s", e.msg);
	print_status(&full);
	printf("# landlock ABI %d, probe as root: %s\n", full.landlock_abi,
	       full.as_root ? "yes (run as nobody)" : "no");
	for (l = 0; l < SBX_LAYER_COUNT; l++) {
		char what[64];

		snprintf(what, sizeof(what), "%s reported working", sbx_layer_name(l));
		if (lacking & SBX_BIT(l)) {
			ok(full.layer[l].state == SBX_MISSING && full.layer[l].reason[0],
			   "%s reported missing with a reason (machine lacks it)",
			   sbx_layer_name(l));
			skip(what, why);
			continue;
		}
		ok(full.layer[l].state == SBX_WORKS, "%s", what);
	}
	ok(sbx_status_secure(&full, secure_why, sizeof(secure_why)) ==
	   !(lacking & (L(SECCOMP) | L(NO_NEW_PRIVS))) &&
	   !((lacking & L(LANDLOCK)) && (lacking & L(CHANGE_ROOT))),
	   "sbx_status_secure agrees with the machine: %s", secure_why);

	/* Each layer broken on its own. */
	for (l = 0; l < SBX_LAYER_COUNT; l++) {
		if (lacking & SBX_BIT(l)) {
			skip(sbx_layer_name(l), why);
			continue;
		}
		if (sbx_probe(SBX_BIT(l), &st, &e) < 0) {
			ok(0, "sbx_probe with %s broken: %s", sbx_layer_name(l), e.msg);
			continue;
		}
		want = (SBX_BIT(l) | dependents((enum sbx_layer)l) | lacking);
		m = missing_set(&st);
		ok(st.layer[l].state == SBX_MISSING && st.layer[l].err < 0 &&
		   st.layer[l].reason[0], "%s broken: reported missing (%s)", sbx_layer_name(l),
		   st.layer[l].reason);
		if (!ok(m == want, "%s broken: exactly it and its dependents are missing",
			sbx_layer_name(l))) {
			printf("#   missing 0x%x, expected 0x%x\n", m, want);
			print_status(&st);
		}
		if (l == SBX_LAYER_SECCOMP || l == SBX_LAYER_NO_NEW_PRIVS)
			ok(!sbx_status_secure(&st, secure_why, sizeof(secure_why)) &&
			   strstr(secure_why, "required"),
			   "%s broken: not secure (%s)", sbx_layer_name(l), secure_why);
		if (l == SBX_LAYER_LANDLOCK && !(lacking & L(CHANGE_ROOT)))
			ok(sbx_status_secure(&st, secure_why, sizeof(secure_why)),
			   "landlock broken: still secure with change-root (%s)", secure_why);
		if (l == SBX_LAYER_CHANGE_ROOT && !(lacking & L(LANDLOCK)))
			ok(!sbx_status_secure(&st, secure_why, sizeof(secure_why)),
			   "change-root broken: landlock goes with it (paths): not secure (%s)",
			   secure_why);
	}

	/* The reasons name the cause. */
	if (!(lacking & L(USERNS)) && sbx_probe(L(USERNS), &st, &e) == 0)
		ok(strstr(st.layer[SBX_LAYER_USERNS].reason, "unshare(CLONE_NEWUSER)") != NULL,
		   "user-namespace reason names the call: %s", st.layer[SBX_LAYER_USERNS].reason);
	if (!(lacking & L(LANDLOCK)) && sbx_probe(L(LANDLOCK), &st, &e) == 0)
		ok(strstr(st.layer[SBX_LAYER_LANDLOCK].reason, "landlock not supported") != NULL,
		   "landlock reason says unsupported: %s", st.layer[SBX_LAYER_LANDLOCK].reason);
	if (!(lacking & L(LANDLOCK_NET)) && sbx_probe(L(LANDLOCK_NET), &st, &e) == 0)
		ok(strstr(st.layer[SBX_LAYER_LANDLOCK_NET].reason, "ABI 3 < 4") != NULL,
		   "landlock-net reason names the ABI: %s",
		   st.layer[SBX_LAYER_LANDLOCK_NET].reason);

	test_threads();
	test_clone(lacking);
	return tap_done();
}
