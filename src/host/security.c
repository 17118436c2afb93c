/* SPDX-License-Identifier: Apache-2.0 */
/* Worker sandbox check at start-up (pvf-host.md §5.1 and §11).
 *
 * The host runs each configured worker program once as
 *   <program> prepare-worker|execute-worker --check-security --worker-dir-path <dir>
 * with worker_env as its environment and a fresh worker dir. The program
 * tries, in a throw-away child, every sandbox layer exactly as it would apply
 * them and prints one line per layer (workers/worker.h, wk_check_security).
 * A layer counts as working only if it works for both programs. From that
 * the host builds the reference's SecurityStatus (sent to every worker in
 * HELLO), the public struct pvf_security, the start-up log and the
 * pvf_security_* metrics, and decides, like the reference, whether to refuse
 * (secure validator mode with a required layer missing) or to warn. A
 * program that cannot be run, or that prints no report, stops the host in
 * either mode: it could not run a worker either. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"
#include "sandbox/sandbox.h"

#define CHECK_OUT_MAX (64u * 1024)
#define CHECK_FD_MIN 10
#define REPORT_MAGIC "pvf-worker-security-check 1"

/* The public enum mirrors the sandbox's. */
_Static_assert((int)PVF_LAYER_COUNT == (int)SBX_LAYER_COUNT, "layer count");
_Static_assert((int)PVF_LAYER_USER_NAMESPACE == (int)SBX_LAYER_USERNS, "layer order");
_Static_assert((int)PVF_LAYER_CHANGE_ROOT == (int)SBX_LAYER_CHANGE_ROOT, "layer order");
_Static_assert((int)PVF_LAYER_NET_NAMESPACE == (int)SBX_LAYER_NETNS, "layer order");
_Static_assert((int)PVF_LAYER_IPC_NAMESPACE == (int)SBX_LAYER_IPCNS, "layer order");
_Static_assert((int)PVF_LAYER_NO_NEW_PRIVS == (int)SBX_LAYER_NO_NEW_PRIVS, "layer order");
_Static_assert((int)PVF_LAYER_RLIMITS == (int)SBX_LAYER_RLIMITS, "layer order");
_Static_assert((int)PVF_LAYER_CLOSE_FDS == (int)SBX_LAYER_CLOSE_FDS, "layer order");
_Static_assert((int)PVF_LAYER_CLEAR_ENV == (int)SBX_LAYER_CLEAR_ENV, "layer order");
_Static_assert((int)PVF_LAYER_LANDLOCK == (int)SBX_LAYER_LANDLOCK, "layer order");
_Static_assert((int)PVF_LAYER_LANDLOCK_NET == (int)SBX_LAYER_LANDLOCK_NET, "layer order");
_Static_assert((int)PVF_LAYER_SECCOMP == (int)SBX_LAYER_SECCOMP, "layer order");
_Static_assert((int)PVF_LAYER_SECURE_CLONE == (int)SBX_LAYER_SECURE_CLONE, "layer order");

/* What provides each layer; short, so that a refusal message stays readable. */
static const char *const layer_hints[PVF_LAYER_COUNT] = {
	[PVF_LAYER_USER_NAMESPACE] = "user namespaces: set kernel.unprivileged_userns_clone=1 "
				     "(and user.max_user_namespaces > 0, CONFIG_USER_NS)",
	[PVF_LAYER_CHANGE_ROOT] = "user namespaces: set kernel.unprivileged_userns_clone=1 "
				  "(mount namespaces need them)",
	[PVF_LAYER_NET_NAMESPACE] = "network namespaces: CONFIG_NET_NS and user namespaces",
	[PVF_LAYER_IPC_NAMESPACE] = "IPC namespaces: CONFIG_IPC_NS and user namespaces",
	[PVF_LAYER_NO_NEW_PRIVS] = "no_new_privs: prctl(PR_SET_NO_NEW_PRIVS), Linux >= 3.5, "
				   "not blocked by the container runtime",
	[PVF_LAYER_RLIMITS] = "resource limits: setrlimit not blocked by the container runtime",
	[PVF_LAYER_CLOSE_FDS] = "closing inherited fds: close_range (Linux >= 5.9) or close",
	[PVF_LAYER_CLEAR_ENV] = "clearing the environment: always possible (a pvf bug if missing)",
	[PVF_LAYER_LANDLOCK] = "Landlock: Linux >= 5.13 with CONFIG_SECURITY_LANDLOCK, boot with "
			       "lsm=...,landlock",
	[PVF_LAYER_LANDLOCK_NET] = "Landlock TCP rules: Linux >= 6.7 (Landlock ABI 4)",
	[PVF_LAYER_SECCOMP] = "seccomp: kernel CONFIG_SECCOMP_FILTER",
	[PVF_LAYER_SECURE_CLONE] = "secure clone: user and PID namespaces (CONFIG_USER_NS, "
				   "CONFIG_PID_NS, kernel.unprivileged_userns_clone=1)",
};

const char *pvf_sandbox_layer_name(enum pvf_sandbox_layer layer)
{
	if ((unsigned)layer >= PVF_LAYER_COUNT)
		return NULL;
	return sbx_layer_name((enum sbx_layer)layer);
}

const char *pvf_sandbox_layer_hint(enum pvf_sandbox_layer layer)
{
	if ((unsigned)layer >= PVF_LAYER_COUNT)
		return NULL;
	return layer_hints[layer];
}

/* ---- running a check ------------------------------------------------------ */

/* Like pvf_err_set, without the errno text (the message says it all). */
static int set_plain(struct pvf_err *err, int code, const char *fmt, ...) BASE_PRINTF(3, 4);
static int set_plain(struct pvf_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->err = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

struct check_report {
	const char *who;           /* "prepare worker" */
	const char *prog;          /* borrowed */
	bool seen[SBX_LAYER_COUNT];
	bool works[SBX_LAYER_COUNT];
	char reason[SBX_LAYER_COUNT][224];
	int landlock_abi;
	char run_as[96];
	char test_break[128];
	char error[192];           /* the check could not run (exit status 3) */
};

static int move_high(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, CHECK_FD_MIN);
	int e = errno;

	close(fd);
	return nfd < 0 ? -e : nfd;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* In the child between fork and exec: async-signal-safe calls only. */
static _Noreturn void child_exec(const char *prog, char *const argv[], char *const envp[],
				 int devnull, int outw, int errw, int failw)
{
	host_child_reset_signals();
	if (dup2(devnull, 0) < 0 || dup2(outw, 1) < 0 || dup2(errw, 2) < 0)
		goto fail;
	close_range(3, (unsigned)failw - 1, 0);
	close_range((unsigned)failw + 1, ~0u, 0);
	execve(prog, argv, envp);
fail:
	host_child_fail(failw);
}

/* Reads what is there into b (at most CHECK_OUT_MAX bytes kept); *eof on EOF
 * or an error. Returns true if it read something. */
static bool drain(int fd, struct buf *b, bool *eof)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		*eof = true;
		return false;
	}
	if (n > 0 && b->len + (size_t)n <= CHECK_OUT_MAX)
		(void)buf_append(b, tmp, (size_t)n);
	return n > 0;
}

/* Runs `prog kind --check-security --worker-dir-path dir` with the worker
 * environment; collects stdout and stderr and the wait status. Returns 0, or
 * a negative errno with err filled when the program cannot be run or does not
 * finish in time. */
static int run_program(struct pvf_host *h, const char *who, const char *prog, const char *kind,
		       const char *dir, struct buf *out, struct buf *eout, int *wstatus,
		       struct pvf_err *err)
{
	char *argv[] = {(char *)prog, (char *)kind, (char *)"--check-security",
			(char *)"--worker-dir-path", (char *)dir, NULL};
	char *const empty_env[] = {NULL};
	int op[2] = {-1, -1}, ep[2] = {-1, -1}, fp[2] = {-1, -1};
	int devnull = -1, pidfd = -1, ret = 0, e = 0;
	bool out_eof = false, err_eof = false, exited = false;
	uint64_t deadline;
	ssize_t n;
	pid_t pid;

	if (pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0 || pipe2(fp, O_CLOEXEC) < 0) {
		ret = pvf_err_set(err, -errno, "pipe2");
		goto out_close;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		ret = pvf_err_set(err, -errno, "open /dev/null");
		goto out_close;
	}
	/* Above stdio, so that the dup2s in the child cannot collide. */
	op[1] = move_high(op[1]);
	ep[1] = move_high(ep[1]);
	fp[1] = move_high(fp[1]);
	devnull = move_high(devnull);
	if (op[1] < 0 || ep[1] < 0 || fp[1] < 0 || devnull < 0) {
		ret = pvf_err_set(err, -EMFILE, "dup check descriptors");
		goto out_close;
	}
	pid = fork();
	if (pid < 0) {
		ret = pvf_err_set(err, -errno, "fork");
		goto out_close;
	}
	if (pid == 0)
		child_exec(prog, argv, h->worker_env ? h->worker_env : empty_env, devnull, op[1],
			   ep[1], fp[1]);
	close_fd(&op[1]);
	close_fd(&ep[1]);
	close_fd(&fp[1]);
	close_fd(&devnull);
	/* EOF: execve worked; an errno: it did not. */
	do {
		n = read(fp[0], &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(e)) {
		while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR) {
		}
		ret = pvf_err_set(err, -e, "cannot run the %s program `%s`", who, prog);
		goto out_close;
	}
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0) {
		ret = pvf_err_set(err, -errno, "pidfd_open");
		kill(pid, SIGKILL);
		while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR) {
		}
		goto out_close;
	}
	fcntl(op[0], F_SETFL, O_NONBLOCK);
	fcntl(ep[0], F_SETFL, O_NONBLOCK);
	deadline = host_now_ns() + (uint64_t)h->cfg.security_check_timeout_ms * 1000000u;
	/* Until it exits; then whatever is left in the pipes (a descendant
	 * still holding them cannot stall us). */
	while (!exited) {
		struct pollfd pfd[3] = {{pidfd, POLLIN, 0}, {op[0], POLLIN, 0}, {ep[0], POLLIN, 0}};
		uint64_t now = host_now_ns();
		int r;

		if (now >= deadline) {
			pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
			while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR) {
			}
			ret = set_plain(err, -ETIMEDOUT, "the %s program `%s` did not finish its "
					  "security check within %u ms", who, prog,
					  h->cfg.security_check_timeout_ms);
			goto out_close;
		}
		if (out_eof)
			pfd[1].fd = -1;
		if (err_eof)
			pfd[2].fd = -1;
		r = poll(pfd, 3, (int)((deadline - now) / 1000000u) + 1);
		if (r < 0 && errno != EINTR) {
			ret = pvf_err_set(err, -errno, "poll");
			pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
			while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR) {
			}
			goto out_close;
		}
		if (r <= 0)
			continue;
		if (pfd[1].revents)
			drain(op[0], out, &out_eof);
		if (pfd[2].revents)
			drain(ep[0], eout, &err_eof);
		if (pfd[0].revents)
			exited = true;
	}
	/* What is in the pipes now; a descendant that still holds them open
	 * (EAGAIN) cannot keep us here. */
	while (!out_eof && drain(op[0], out, &out_eof)) {
	}
	while (!err_eof && drain(ep[0], eout, &err_eof)) {
	}
	while (waitpid(pid, wstatus, 0) < 0) {
		if (errno != EINTR) {
			ret = pvf_err_set(err, -errno, "waitpid");
			break;
		}
	}
out_close:
	close_fd(&pidfd);
	close_fd(&devnull);
	for (int i = 0; i < 2; i++) {
		close_fd(&op[i]);
		close_fd(&ep[i]);
		close_fd(&fp[i]);
	}
	return ret;
}

/* The first line of a program's stderr, for error messages. */
static void first_line(const struct buf *b, char *out, size_t len)
{
	size_t n = 0;

	while (n < b->len && b->data[n] != '\n')
		n++;
	snprintf(out, len, "%.*s", (int)(n < 120 ? n : 120), (const char *)b->data);
}

static int layer_by_name(const char *name, size_t len)
{
	int l;

	for (l = 0; l < SBX_LAYER_COUNT; l++)
		if (strlen(sbx_layer_name((enum sbx_layer)l)) == len &&
		    !memcmp(sbx_layer_name((enum sbx_layer)l), name, len))
			return l;
	return -1;
}

/* Parses the report (one "key value" per line; unknown keys are ignored, so
 * a newer worker may say more). -EBADMSG if it is not one. */
static int parse_report(const struct buf *out, struct check_report *rep)
{
	const char *p = (const char *)out->data, *end = p + out->len;
	bool first = true;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *sp;
		size_t len = (size_t)(eol - p);
		int l;

		if (first) {
			if (len != strlen(REPORT_MAGIC) || memcmp(p, REPORT_MAGIC, len) != 0)
				return -EBADMSG;
			first = false;
		} else if (len > 6 && !memcmp(p, "layer ", 6)) {
			sp = memchr(p + 6, ' ', len - 6);
			if (!sp)
				return -EBADMSG;
			l = layer_by_name(p + 6, (size_t)(sp - (p + 6)));
			if (l >= 0) {
				const char *state = sp + 1;
				size_t slen = (size_t)(eol - state);

				rep->seen[l] = true;
				rep->works[l] = slen == 5 && !memcmp(state, "works", 5);
				if (!rep->works[l]) {
					if (slen < 7 || memcmp(state, "missing", 7) != 0)
						return -EBADMSG;
					snprintf(rep->reason[l], sizeof(rep->reason[l]), "%.*s",
						 slen > 8 ? (int)(slen - 8) : 0,
						 slen > 8 ? state + 8 : "");
				}
			}
		} else if (len > 13 && !memcmp(p, "landlock-abi ", 13)) {
			rep->landlock_abi = atoi(p + 13);
		} else if (len > 7 && !memcmp(p, "run-as ", 7)) {
			snprintf(rep->run_as, sizeof(rep->run_as), "%.*s", (int)(len - 7), p + 7);
		} else if (len > 11 && !memcmp(p, "test-break ", 11)) {
			snprintf(rep->test_break, sizeof(rep->test_break), "%.*s", (int)(len - 11),
				 p + 11);
		} else if (len > 6 && !memcmp(p, "error ", 6)) {
			snprintf(rep->error, sizeof(rep->error), "%.*s", (int)(len - 6), p + 6);
		}
		p = nl ? nl + 1 : end;
	}
	return first ? -EBADMSG : 0;
}

/* Runs one worker program's check and fills rep. 0, or a negative errno
 * with err filled when there is no usable report. */
static int check_program(struct pvf_host *h, enum host_flavor f, struct check_report *rep,
			 struct pvf_err *err)
{
	const char *kind = f == FLAVOR_PREPARE ? "prepare-worker" : "execute-worker";
	struct buf out = BUF_INIT, eout = BUF_INIT;
	char line[128] = "";
	char *dir = NULL;
	int ret, status = 0, l;

	memset(rep, 0, sizeof(*rep));
	rep->who = f == FLAVOR_PREPARE ? "prepare worker" : "execute worker";
	rep->prog = f == FLAVOR_PREPARE ? h->cfg.prepare_worker_path : h->cfg.execute_worker_path;
	ret = cache_worker_dir_new(&h->cache, f == FLAVOR_PREPARE ? "prepare" : "execute", &dir,
				   err);
	if (ret)
		return ret;
	ret = run_program(h, rep->who, rep->prog, kind, dir, &out, &eout, &status, err);
	if (ret)
		goto out_free;
	first_line(&eout, line, sizeof(line));
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
		/* 3 = the check itself could not run: a report with an error. */
		if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && parse_report(&out, rep) == 0 &&
		    rep->error[0]) {
			for (l = 0; l < SBX_LAYER_COUNT; l++) {
				rep->seen[l] = true;
				snprintf(rep->reason[l], sizeof(rep->reason[l]),
					 "the check could not run: %.190s", rep->error);
			}
			goto out_free;
		}
		if (WIFSIGNALED(status))
			ret = set_plain(err, -EIO, "the %s program `%s` was killed by signal %d "
					  "during its security check", rep->who, rep->prog,
					  WTERMSIG(status));
		else
			ret = set_plain(err, -EIO, "the %s program `%s` --check-security exited "
					  "with status %d%s%s", rep->who, rep->prog,
					  WEXITSTATUS(status), line[0] ? ": " : "", line);
		goto out_free;
	}
	if (parse_report(&out, rep) < 0) {
		ret = set_plain(err, -EBADMSG, "the %s program `%s` printed no security report "
				  "(is it a pvf worker program?)%s%s", rep->who, rep->prog,
				  line[0] ? ": " : "", line);
		goto out_free;
	}
	for (l = 0; l < SBX_LAYER_COUNT; l++) {
		if (rep->seen[l])
			continue;
		rep->works[l] = false;
		snprintf(rep->reason[l], sizeof(rep->reason[l]), "not in the report");
	}
out_free:
	if (dir)
		cache_dir_remove(dir, NULL);
	free(dir);
	buf_deinit(&out);
	buf_deinit(&eout);
	return ret;
}

/* ---- the status ------------------------------------------------------------- */

/* Combines the two reports: a layer works only if it works for both. */
static void combine(const struct check_report rep[2], struct pvf_security *s)
{
	struct sbx_status st;
	int l, f;

	memset(&st, 0, sizeof(st));
	for (l = 0; l < PVF_LAYER_COUNT; l++) {
		struct pvf_security_layer *pl = &s->layer[l];
		size_t n = 0;

		pl->works = rep[0].works[l] && rep[1].works[l];
		st.layer[l].state = pl->works ? SBX_WORKS : SBX_MISSING;
		for (f = 0; f < 2; f++) {
			if (rep[f].works[l] || n >= sizeof(pl->reason))
				continue;
			n += (size_t)snprintf(pl->reason + n, sizeof(pl->reason) - n, "%s%s: %s",
					      n ? "; " : "", rep[f].who, rep[f].reason[l]);
		}
	}
	for (l = 0; l < PVF_LAYER_COUNT; l++)
		s->layer[l].required = sbx_layer_required((enum sbx_layer)l) ||
			(l == PVF_LAYER_LANDLOCK && !s->layer[PVF_LAYER_CHANGE_ROOT].works) ||
			(l == PVF_LAYER_CHANGE_ROOT && !s->layer[PVF_LAYER_LANDLOCK].works);
	s->secure = sbx_status_secure(&st, s->why, sizeof(s->why));
	s->landlock_abi = rep[0].landlock_abi < rep[1].landlock_abi ? rep[0].landlock_abi :
			  rep[1].landlock_abi;
	s->workers_as_nobody = !strcmp(rep[0].run_as, "nobody") && !strcmp(rep[1].run_as, "nobody");
	s->can_enable_landlock = s->layer[PVF_LAYER_LANDLOCK].works;
	s->can_enable_seccomp = s->layer[PVF_LAYER_SECCOMP].works;
	s->can_unshare_user_namespace_and_change_root =
		s->layer[PVF_LAYER_USER_NAMESPACE].works && s->layer[PVF_LAYER_CHANGE_ROOT].works;
	s->can_do_secure_clone = s->layer[PVF_LAYER_SECURE_CLONE].works;
}

/* The refusal: each missing required layer, the option that accepts the
 * risk, then what would provide each layer (last, so that a short buffer
 * loses only the hints, which the log has too). */
static void refusal(const struct pvf_security *s, char *msg, size_t len)
{
	size_t n;
	int l, k = 0;

	n = (size_t)snprintf(msg, len, "secure validator mode refused: required sandbox layer");
	for (l = 0; l < PVF_LAYER_COUNT && n < len; l++)
		if (s->layer[l].required && !s->layer[l].works)
			n += (size_t)snprintf(msg + n, len - n, "%s %s", k++ ? "," : "",
					      pvf_sandbox_layer_name((enum pvf_sandbox_layer)l));
	if (n < len)
		n += (size_t)snprintf(msg + n, len - n, " missing%s; to accept the risk, set "
				      "secure_validator_mode = false in struct pvf_config "
				      "(pvf commands: --insecure); "
				      "what provides it: ",
				      !s->layer[PVF_LAYER_LANDLOCK].works &&
				      !s->layer[PVF_LAYER_CHANGE_ROOT].works ?
				      " (one of landlock and change-root is needed)" : "");
	k = 0;
	for (l = 0; l < PVF_LAYER_COUNT && n < len; l++)
		if (s->layer[l].required && !s->layer[l].works)
			n += (size_t)snprintf(msg + n, len - n, "%s%s", k++ ? "; " : "",
					      layer_hints[l]);
}

int host_security_check(struct pvf_host *h, struct pvf_err *err, char *msg, size_t msg_len)
{
	struct check_report rep[2];
	struct pvf_security *s = &h->sec;
	bool refuse;
	int f, l, ret, n_works = 0;

	memset(s, 0, sizeof(*s));
	h->security = (struct proto_security){0};
	s->secure_validator_mode = h->cfg.secure_validator_mode;
	for (f = 0; f < 2; f++) {
		ret = check_program(h, (enum host_flavor)f, &rep[f], err);
		if (ret) {
			snprintf(msg, msg_len, "%s", err->msg);
			return ret;
		}
		for (l = 0, n_works = 0; l < SBX_LAYER_COUNT; l++)
			n_works += rep[f].works[l];
		HLOG(h, PVLOG_INFO, "host", "security check of the %s `%s`: %d of %d sandbox layers "
		     "work; runs as %s; landlock ABI %d", rep[f].who, rep[f].prog, n_works,
		     SBX_LAYER_COUNT, rep[f].run_as[0] ? rep[f].run_as : "?", rep[f].landlock_abi);
		if (rep[f].test_break[0])
			HLOG(h, PVLOG_WARN, "host", "%s: test-only layer break active "
			     "(PVF_WORKER_TEST_BREAK): %s", rep[f].who, rep[f].test_break);
		if (!strncmp(rep[f].run_as, "root", 4))
			HLOG(h, PVLOG_WARN, "host", "%s runs as %s: its sandbox maps to host root",
			     rep[f].who, rep[f].run_as);
	}
	combine(rep, s);
	h->security.secure_validator_mode = s->secure_validator_mode;
	h->security.can_enable_landlock = s->can_enable_landlock;
	h->security.can_enable_seccomp = s->can_enable_seccomp;
	h->security.can_unshare_user_namespace_and_change_root =
		s->can_unshare_user_namespace_and_change_root;
	h->security.can_do_secure_clone = s->can_do_secure_clone;

	{
		char on[256] = "", off[256] = "";
		size_t n_on = 0, n_off = 0;

		for (l = 0; l < PVF_LAYER_COUNT; l++) {
			const char *name = pvf_sandbox_layer_name((enum pvf_sandbox_layer)l);

			if (s->layer[l].works && n_on < sizeof(on))
				n_on += (size_t)snprintf(on + n_on, sizeof(on) - n_on, " %s", name);
			else if (!s->layer[l].works && n_off < sizeof(off))
				n_off += (size_t)snprintf(off + n_off, sizeof(off) - n_off, " %s",
							  name);
		}
		HLOG(h, PVLOG_INFO, "host", "worker sandbox: working:%s; missing:%s",
		     on[0] ? on : " none", off[0] ? off : " none");
	}
	refuse = !s->secure && s->secure_validator_mode;
	for (l = 0; l < PVF_LAYER_COUNT; l++) {
		const struct pvf_security_layer *pl = &s->layer[l];

		if (pl->works)
			continue;
		HLOG(h, refuse && pl->required ? PVLOG_ERROR : PVLOG_WARN, "host",
		     "%ssandbox layer %s not available: %s (needs %s)",
		     pl->required ? "required " : "optional ",
		     pvf_sandbox_layer_name((enum pvf_sandbox_layer)l), pl->reason, layer_hints[l]);
	}
	if (refuse) {
		refusal(s, msg, msg_len);
		HLOG(h, PVLOG_ERROR, "host", "%s", msg);
		return set_plain(err, -ENOTSUP, "secure validator mode refused: %s", s->why);
	}
	if (!s->secure)
		HLOG(h, PVLOG_WARN, "host", "this system cannot securely run a validator: %s; "
		     "running without secure validator mode (secure_validator_mode = false)",
		     s->why);
	else if (s->secure_validator_mode)
		HLOG(h, PVLOG_INFO, "host", "secure validator mode: every required sandbox layer "
		     "works for both worker programs (landlock ABI %d)", s->landlock_abi);
	else
		HLOG(h, PVLOG_INFO, "host", "worker sandbox: every required layer works "
		     "(secure validator mode is off)");
	return 0;
}

int host_security_render(const struct pvf_host *h, struct buf *out)
{
	const struct pvf_security *s = &h->sec;
	int ret, l;

	ret = buf_printf(out, "# HELP pvf_security_layer Whether a worker sandbox layer works "
			 "for every worker program (start-up check).\n"
			 "# TYPE pvf_security_layer gauge\n");
	for (l = 0; l < PVF_LAYER_COUNT && !ret; l++)
		ret = buf_printf(out, "pvf_security_layer{layer=\"%s\"} %d\n",
				 pvf_sandbox_layer_name((enum pvf_sandbox_layer)l), s->layer[l].works);
	if (!ret)
		ret = buf_printf(out, "# HELP pvf_security_secure Whether every required sandbox "
				 "layer works.\n# TYPE pvf_security_secure gauge\n"
				 "pvf_security_secure %d\n"
				 "# HELP pvf_security_secure_validator_mode Whether secure "
				 "validator mode is on.\n"
				 "# TYPE pvf_security_secure_validator_mode gauge\n"
				 "pvf_security_secure_validator_mode %d\n"
				 "# HELP pvf_security_landlock_abi The Landlock ABI the worker "
				 "programs see (0: none).\n"
				 "# TYPE pvf_security_landlock_abi gauge\n"
				 "pvf_security_landlock_abi %d\n",
				 s->secure, s->secure_validator_mode, s->landlock_abi);
	return ret;
}
