/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared worker machinery: start-up, handshake, sandbox policy, the
 * connection to the host, and single-use job processes (workers/worker.h).
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

/* ---- connection to the host ------------------------------------------------ */

static _Noreturn void usage_exit(const char *prog, const char *why)
{
	fprintf(stderr, "%s: %s\n"
		"usage: %s prepare-worker|execute-worker --socket-fd N --worker-dir-path DIR "
		"[--node-impl-version V]\n"
		"       %s [prepare-worker|execute-worker] --check-security [--worker-dir-path DIR]\n"
		"(started by the validation host; see docs/protocol.md and docs/security.md)\n",
		prog, why, prog, prog);
	exit(2);
}

static bool parse_fd(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

void wk_start(struct wk *w, enum proto_worker_kind kind, int argc, char **argv)
{
	const char *want = kind == PROTO_WORKER_PREPARE ? "prepare-worker" : "execute-worker";
	const char *dir = NULL;
	struct proto_hello hello;
	struct scale_slice p;
	int i;

	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->sock = -1;
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v"))) {
		printf("%s\n", PVF_VERSION);
		exit(0);
	}
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--check-security"))
			wk_check_security(kind, argc, argv);
	if (argc < 2 || strcmp(argv[1], want) != 0)
		usage_exit(argv[0], "wrong or missing subcommand");
	for (i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			usage_exit(argv[0], "option without a value");
		if (!strcmp(argv[i], "--socket-fd")) {
			if (!parse_fd(argv[i + 1], &w->sock))
				usage_exit(argv[0], "bad --socket-fd");
		} else if (!strcmp(argv[i], "--worker-dir-path")) {
			dir = argv[i + 1];
		} else if (!strcmp(argv[i], "--node-impl-version")) {
			w->node_version = argv[i + 1];
		} else {
			usage_exit(argv[0], "unexpected argument");
		}
	}
	if (w->sock < 0 || !dir)
		usage_exit(argv[0], "--socket-fd and --worker-dir-path are required");
	w->dir = realpath(dir, NULL);
	if (!w->dir) {
		fprintf(stderr, "%s: worker dir `%s`: %s\n", argv[0], dir, strerror(errno));
		exit(1);
	}
	/* A write to a job that died must fail with EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	w->ppid = getppid();
	if (proto_read_frame(w->sock, PROTO_FRAME_MAX, &w->hello) < 0)
		exit(1);
	p.data = w->hello.data;
	p.len = w->hello.len;
	if (proto_msg_type(p) != PROTO_MSG_HELLO || proto_decode_hello(p, &hello) ||
	    hello.kind != kind)
		exit(1);
	w->sec = hello.security;
	w->params = hello.executor_params;
}

int wk_ack(struct wk *w)
{
	struct proto_hello_ack ack = {0};
	struct buf b = BUF_INIT;
	int ret;

	ack.version = PROTO_VERSION;
	ack.kind = w->kind;
	ack.worker_version.data = (const uint8_t *)PVF_VERSION;
	ack.worker_version.len = strlen(PVF_VERSION);
	ack.pid = (uint32_t)getpid();
	ret = proto_encode_hello_ack(&b, &ack);
	if (!ret)
		ret = proto_write_all(w->sock, b.data, b.len);
	buf_deinit(&b);
	return ret;
}

void wk_log(struct wk *w, enum pvlog_level level, const char *fmt, ...)
{
	char text[PROTO_LOG_MAX];
	struct proto_log l;
	struct buf b = BUF_INIT;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	l.level = (uint8_t)level;
	l.text.data = (const uint8_t *)text;
	l.text.len = strlen(text);
	if (w->sock >= 0 && proto_encode_log(&b, &l) == 0)
		(void)proto_write_all(w->sock, b.data, b.len);
	else
		fprintf(stderr, "pvf worker: %s\n", text);
	buf_deinit(&b);
}

void wk_send(struct wk *w, const struct buf *frame)
{
	if (proto_write_all(w->sock, frame->data, frame->len) < 0)
		exit(1);
}

void wk_recv(struct wk *w, enum proto_msg type, struct buf *in)
{
	struct scale_slice p;
	int ret = proto_read_frame(w->sock, PROTO_FRAME_MAX, in);

	if (ret == -EPIPE)
		exit(0);
	if (ret < 0)
		exit(1);
	p.data = in->data;
	p.len = in->len;
	if (proto_msg_type(p) != (int)type)
		exit(1);
}

const char *wk_errstr(char *buf, size_t len, const char *what, int neg_errno)
{
	snprintf(buf, len, "%s: %d: %s", what, -neg_errno, strerror(-neg_errno));
	return buf;
}

void wk_signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "signal %d", sig);
}

/* ---- sandbox ----------------------------------------------------------------- */

/* Can an unprivileged id reach dir? Every ancestor must be searchable by
 * "others" (the worker dir itself is given to that id). */
static bool reachable_by_others(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	char *slash;

	if (strlen(dir) >= sizeof(path))
		return false;
	strcpy(path, dir);
	while ((slash = strrchr(path, '/')) != NULL) {
		if (slash == path)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(path, &st) < 0 || !(st.st_mode & S_IXOTH))
			return false;
		if (slash == path)
			break;
	}
	return true;
}

/* The worker's sandbox policy, built from what the host's check found
 * (sec); shared by wk_sandbox and the check mode, so that the check tries
 * exactly what the worker will apply. The arrays the policy points to live in
 * wp. As root, the worker dir is given to WK_NOBODY when an unprivileged id
 * can reach it (a side effect on the dir). */
struct wk_policy {
	struct sbx_policy p;
	const char *dir_only[2];
	int keep[4];
	bool as_nobody;           /* run_as_uid set */
	bool root_unreachable;    /* root, but the dir is not reachable by nobody */
};

static const char *const root_only[] = {"/", NULL};

static void worker_policy(enum proto_worker_kind kind, const char *dir, int sock,
			  const struct proto_security *sec, struct wk_policy *wp)
{
	struct sbx_policy *p = &wp->p;
	bool execute = kind == PROTO_WORKER_EXECUTE;

	memset(wp, 0, sizeof(*wp));
	wp->dir_only[0] = dir;
	wp->keep[0] = 0;
	wp->keep[1] = 1;
	wp->keep[2] = 2;
	wp->keep[3] = sock;
	sbx_policy_init(p);
	p->layers = SBX_BIT(SBX_LAYER_NO_NEW_PRIVS) | SBX_BIT(SBX_LAYER_RLIMITS) |
		    SBX_BIT(SBX_LAYER_CLOSE_FDS) | SBX_BIT(SBX_LAYER_CLEAR_ENV);
	if (sec->can_unshare_user_namespace_and_change_root) {
		p->layers |= SBX_BIT(SBX_LAYER_USERNS) | SBX_BIT(SBX_LAYER_CHANGE_ROOT) |
			     SBX_BIT(SBX_LAYER_NETNS) | SBX_BIT(SBX_LAYER_IPCNS);
		/* As the reference: change-root that the check said works must
		 * work, in any mode. */
		p->required |= SBX_BIT(SBX_LAYER_USERNS) | SBX_BIT(SBX_LAYER_CHANGE_ROOT);
		p->root_dir = dir;
		p->root_flags = SBX_ROOT_NOEXEC | (execute ? SBX_ROOT_READONLY : 0);
	}
	if (sec->can_enable_landlock) {
		p->layers |= SBX_BIT(SBX_LAYER_LANDLOCK) | SBX_BIT(SBX_LAYER_LANDLOCK_NET);
		/* The directory, not the file: the host puts a fresh file there
		 * for every job, and a Landlock rule follows an inode. */
		if (execute)
			p->landlock_read = p->root_dir ? root_only : wp->dir_only;
		else
			p->landlock_write = p->root_dir ? root_only : wp->dir_only;
	}
	if (sec->can_enable_seccomp) {
		p->layers |= SBX_BIT(SBX_LAYER_SECCOMP);
		p->seccomp = SBX_SECCOMP_DENY_NETWORK;
		p->seccomp_kill = true;
	}
	if (sec->secure_validator_mode)
		p->required |= p->layers & (SBX_BIT(SBX_LAYER_NO_NEW_PRIVS) |
					    SBX_BIT(SBX_LAYER_LANDLOCK) |
					    SBX_BIT(SBX_LAYER_SECCOMP));
	p->rlimits.nofile = 64;
	p->keep_fds = wp->keep;
	p->n_keep_fds = BASE_ARRAY_SIZE(wp->keep);
	/* Root: become nobody, so the sandbox owns nothing on the host. That
	 * needs the worker dir to be reachable; otherwise stay root-mapped. */
	if (geteuid() == 0) {
		if (reachable_by_others(dir) && chown(dir, WK_NOBODY, WK_NOBODY) == 0) {
			p->run_as_uid = WK_NOBODY;
			p->run_as_gid = WK_NOBODY;
			wp->as_nobody = true;
		} else {
			wp->root_unreachable = true;
		}
	}
}

int wk_sandbox(struct wk *w)
{
	const char *mode = getenv(WK_ENV_SANDBOX);
	struct wk_policy wp;
	struct sbx_status st;
	struct pvf_err err = {0};
	int ret, l;

	w->files = w->dir;
	if (mode && !strcmp(mode, "off")) {
		if (w->sec.secure_validator_mode) {
			wk_log(w, PVLOG_ERROR, "%s=off refused in secure validator mode",
			       WK_ENV_SANDBOX);
			return -EPERM;
		}
		wk_log(w, PVLOG_WARN, "running unsandboxed (%s=off, tests only)", WK_ENV_SANDBOX);
		return 0;
	}
	if (w->sock < 3) {
		wk_log(w, PVLOG_ERROR, "socket fd %d collides with stdio", w->sock);
		return -EINVAL;
	}
	worker_policy(w->kind, w->dir, w->sock, &w->sec, &wp);
	if (wp.p.root_dir)
		w->files = (char *)root_only[0];
	w->as_nobody = wp.as_nobody;
	if (wp.root_unreachable)
		wk_log(w, PVLOG_WARN, "running as root: the worker dir `%s` is not reachable "
		       "by uid %u (make the cache directory's parents o+x)", w->dir, WK_NOBODY);

	ret = sbx_apply(&wp.p, &st, &err);
	if (ret < 0) {
		wk_log(w, PVLOG_ERROR, "cannot apply the worker sandbox: %s", err.msg);
		return ret;
	}
	w->sandboxed = true;
	for (l = 0; l < SBX_LAYER_SECURE_CLONE; l++)
		if ((wp.p.layers & SBX_BIT(l)) && st.layer[l].state == SBX_MISSING)
			wk_log(w, PVLOG_DEBUG, "sandbox layer %s missing: %s",
			       sbx_layer_name((enum sbx_layer)l), st.layer[l].reason);
	{
		char on[256] = "";
		size_t n = 0;

		for (l = 0; l < SBX_LAYER_SECURE_CLONE; l++)
			if (st.layer[l].state == SBX_WORKS && n < sizeof(on))
				n += (size_t)snprintf(on + n, sizeof(on) - n, "%s%s", n ? " " : "",
						      sbx_layer_name((enum sbx_layer)l));
		wk_log(w, PVLOG_DEBUG, "sandboxed%s: %s; jobs %s", w->as_nobody ? " as nobody" : "",
		       on, w->sec.can_do_secure_clone ? "in fresh namespaces" : "forked");
	}
	w->secure_clone = w->sec.can_do_secure_clone;
	w->private_net = st.layer[SBX_LAYER_NETNS].state == SBX_WORKS;
	w->job_seccomp = st.layer[SBX_LAYER_SECCOMP].state == SBX_WORKS;
	/* A change of identity cleared the parent-death signal the host set. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != w->ppid)
		exit(1);
	return 0;
}

/* ---- check mode ------------------------------------------------------------ */

/* PVF_WORKER_TEST_BREAK=layer,layer -> SBX_BIT mask; -1 on an unknown name. */
static int parse_test_break(const char *s, unsigned *out, char *bad, size_t bad_len)
{
	char buf[256], *tok, *save = NULL;
	int l;

	*out = 0;
	if (!s || !*s)
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (l = 0; l < SBX_LAYER_COUNT; l++)
			if (!strcmp(tok, sbx_layer_name((enum sbx_layer)l)))
				break;
		if (l == SBX_LAYER_COUNT) {
			snprintf(bad, bad_len, "%s", tok);
			return -1;
		}
		*out |= SBX_BIT(l);
	}
	return 0;
}

/* One report line: no newline may hide in a reason. */
static void print_layer(int l, bool works, const char *reason)
{
	char clean[sizeof(((struct sbx_layer_status *)0)->reason) + 64];
	size_t i;

	snprintf(clean, sizeof(clean), "%s", reason && reason[0] ? reason : "no reason given");
	for (i = 0; clean[i]; i++)
		if (clean[i] == '\n' || clean[i] == '\r')
			clean[i] = ' ';
	if (works)
		printf("layer %s works\n", sbx_layer_name((enum sbx_layer)l));
	else
		printf("layer %s missing %s\n", sbx_layer_name((enum sbx_layer)l), clean);
}

_Noreturn void wk_check_security(enum proto_worker_kind kind, int argc, char **argv)
{
	const char *want = kind == PROTO_WORKER_PREPARE ? "prepare-worker" : "execute-worker";
	const char *kind_name = kind == PROTO_WORKER_PREPARE ? "prepare" : "execute";
	const char *dir_arg = NULL, *mode = getenv(WK_ENV_SANDBOX), *tmp;
	struct proto_security all = {0};
	struct sbx_status st;
	struct pvf_err err = {0};
	struct wk_policy wp;
	char bad[64] = "", why[256] = "", scratch[4096] = "";
	unsigned brk = 0;
	char *dir = NULL;
	int i = 1, l, status;
	bool secure;

	if (argc >= 2 && strcmp(argv[1], "--check-security") != 0 && argv[1][0] != '-') {
		if (strcmp(argv[1], want) != 0)
			usage_exit(argv[0], "wrong subcommand for this worker program");
		i = 2;
	}
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--check-security"))
			continue;
		if (i + 1 < argc && !strcmp(argv[i], "--worker-dir-path"))
			dir_arg = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--node-impl-version"))
			i++;
		else
			usage_exit(argv[0], "unexpected argument in check mode");
	}
	if (parse_test_break(getenv(WK_ENV_TEST_BREAK), &brk, bad, sizeof(bad)) < 0) {
		fprintf(stderr, "%s: %s: unknown layer `%s`\n", argv[0], WK_ENV_TEST_BREAK, bad);
		exit(2);
	}
	if (!dir_arg) {
		tmp = getenv("TMPDIR");
		snprintf(scratch, sizeof(scratch), "%s/pvf-worker-check-XXXXXX",
			 tmp && tmp[0] == '/' ? tmp : "/tmp");
		if (!mkdtemp(scratch)) {
			printf("pvf-worker-security-check 1\nworker %s\nerror mkdtemp `%s`: %s\n",
			       kind_name, scratch, strerror(errno));
			exit(3);
		}
		dir_arg = scratch;
	}
	dir = realpath(dir_arg, NULL);
	printf("pvf-worker-security-check 1\nworker %s\n", kind_name);
	if (!dir) {
		printf("error worker dir `%s`: %s\n", dir_arg, strerror(errno));
		status = 3;
		goto out;
	}
	if (brk) {
		printf("test-break");
		for (l = 0; l < SBX_LAYER_COUNT; l++)
			if (brk & SBX_BIT(l))
				printf("%c%s", brk & (SBX_BIT(l) - 1) ? ',' : ' ',
				       sbx_layer_name((enum sbx_layer)l));
		printf("\n");
	}
	if (mode && !strcmp(mode, "off")) {
		/* The worker would apply nothing: say so, layer by layer. */
		printf("run-as %s\nlandlock-abi 0\n", geteuid() == 0 ? "root" : "self");
		snprintf(why, sizeof(why), "sandbox disabled by %s=off (tests only)", WK_ENV_SANDBOX);
		for (l = 0; l < SBX_LAYER_COUNT; l++)
			print_layer(l, false, why);
		printf("verdict insecure %s\n", why);
		status = 1;
		goto out;
	}
	/* Everything the host could ask for, nothing required: every layer is
	 * tried and verified in a child, then a job is cloned from there. */
	all.can_enable_landlock = true;
	all.can_enable_seccomp = true;
	all.can_unshare_user_namespace_and_change_root = true;
	all.can_do_secure_clone = true;
	worker_policy(kind, dir, -1, &all, &wp);
	wp.p.layers |= SBX_BIT(SBX_LAYER_SECURE_CLONE);
	wp.p.test_break = brk;
	if (sbx_probe_policy(&wp.p, &st, &err) < 0) {
		printf("error %s\n", err.msg);
		status = 3;
		goto out;
	}
	if (wp.as_nobody)
		printf("run-as nobody\n");
	else if (geteuid() == 0)
		printf("run-as root (the worker dir is not reachable by uid %u)\n", WK_NOBODY);
	else
		printf("run-as self\n");
	printf("landlock-abi %d\n", st.landlock_abi);
	for (l = 0; l < SBX_LAYER_COUNT; l++)
		print_layer(l, st.layer[l].state == SBX_WORKS, st.layer[l].reason);
	secure = sbx_status_secure(&st, why, sizeof(why));
	if (secure)
		printf("verdict secure\n");
	else
		printf("verdict insecure %s\n", why);
	status = secure ? 0 : 1;
out:
	fflush(stdout);
	if (scratch[0])
		rmdir(scratch);
	free(dir);
	exit(status);
}

/* ---- jobs ---------------------------------------------------------------- */

struct spawn_ctx {
	wk_job_fn fn;
	void *arg;
	struct wk_job *job;
};

static void close_all_but(const int *keep, size_t n)
{
	unsigned lo = 0;
	size_t i, j;
	int sorted[4];

	/* tiny insertion sort of at most 4 fds */
	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && sorted[j - 1] > keep[i]; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = keep[i];
	}
	for (i = 0; i < n; i++) {
		if (sorted[i] < 0)
			continue;
		if ((unsigned)sorted[i] > lo)
			close_range(lo, (unsigned)sorted[i] - 1, 0);
		lo = (unsigned)sorted[i] + 1;
	}
	close_range(lo, ~0u, 0);
}

static int job_entry(void *p)
{
	struct spawn_ctx *ctx = p;
	struct wk_job *job = ctx->job;
	int keep[3] = {2, job->req_r, job->res_w};

	/* Dies with the worker (also in a new PID namespace: the signal comes
	 * from the kernel). An idle job also sees EOF on its request pipe. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	close_all_but(keep, 3);
	job->req_w = -1;
	job->res_r = -1;
	return ctx->fn(job, ctx->arg);
}

int wk_job_spawn(struct wk *w, bool with_request, wk_job_fn fn, void *arg, struct wk_job *job,
		 struct pvf_err *err)
{
	struct spawn_ctx ctx = {fn, arg, job};
	int req[2] = {-1, -1}, res[2] = {-1, -1};
	struct sbx_job sj;
	int ret;

	memset(job, 0, sizeof(*job));
	job->pid = -1;
	job->pidfd = job->req_w = job->res_r = job->req_r = job->res_w = -1;
	job->w = w;
	if (with_request && pipe2(req, O_CLOEXEC) < 0)
		return pvf_err_set(err, -errno, "pipe2");
	if (pipe2(res, O_CLOEXEC) < 0) {
		ret = pvf_err_set(err, -errno, "pipe2");
		goto out_close;
	}
	/* Requests and results of a few MiB: fewer round trips. */
	if (req[1] >= 0)
		(void)fcntl(req[1], F_SETPIPE_SZ, 1 << 20);
	(void)fcntl(res[1], F_SETPIPE_SZ, 1 << 20);
	job->req_r = req[0];
	job->res_w = res[1];
	/* A worker in a private, empty network namespace shares it with its
	 * jobs: a fresh one per job would cost ~0.5 ms of CPU for nothing. */
	ret = sbx_clone_job(!w->secure_clone ? 0 : w->private_net
			    ? SBX_CLONE_NAMESPACES | SBX_CLONE_SHARE_NET : SBX_CLONE_NAMESPACES,
			    job_entry, &ctx, &sj, err);
	if (ret < 0)
		goto out_close;
	job->pid = sj.pid;
	job->pidfd = sj.pidfd;
	job->req_w = req[1];
	job->res_r = res[0];
	job->req_r = job->res_w = -1;
	if (req[0] >= 0)
		close(req[0]);
	close(res[1]);
	return 0;
out_close:
	for (int i = 0; i < 2; i++) {
		if (req[i] >= 0)
			close(req[i]);
		if (res[i] >= 0)
			close(res[i]);
	}
	job->req_r = job->res_w = -1;
	return ret;
}

bool wk_job_exited(const struct wk_job *job)
{
	siginfo_t si;

	if (job->pidfd >= 0) {
		struct pollfd pfd = {job->pidfd, POLLIN, 0};

		return poll(&pfd, 1, 0) > 0;
	}
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)job->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return true;
	return si.si_pid != 0;
}

static bool job_cpu_ns(const struct wk_job *job, uint64_t *out)
{
	struct timespec ts;
	clockid_t clk;

	if (clock_getcpuclockid(job->pid, &clk) != 0 || clock_gettime(clk, &ts) < 0)
		return false;
	*out = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return true;
}

void wk_job_dispatch(struct wk_job *job, uint64_t limit_ns)
{
	uint64_t now = 0, secs;
	struct rlimit rl;

	if (!job_cpu_ns(job, &now))
		now = 0;
	job->cpu_base_ns = now;
	/* RLIMIT_CPU counts the job's whole life, in seconds; SIGKILL at the
	 * hard limit. Only a backstop: the watch in wk_job_collect is exact. */
	secs = (now + limit_ns) / 1000000000u + 2;
	rl.rlim_cur = rl.rlim_max = secs;
	(void)prlimit(job->pid, RLIMIT_CPU, &rl, NULL);
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Reads what is there; 0 (with errno EAGAIN when a non-blocking pipe is
 * empty), or a negative errno. */
static int read_some(int fd, struct buf *out, size_t max, bool *eof, bool *too_big)
{
	uint8_t tmp[65536];
	ssize_t n;

	errno = 0;
	n = read(fd, tmp, sizeof(tmp));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0) {
		*eof = true;
		return 0;
	}
	if (out->len + (size_t)n > max) {
		*too_big = true;
		return 0;
	}
	return buf_append(out, tmp, (size_t)n);
}

int wk_job_collect(struct wk_job *job, uint64_t limit_ns, size_t max, struct wk_job_end *end,
		   struct pvf_err *err)
{
	bool eof = false, exited = false, killed = false;
	struct rusage ru;
	uint64_t cpu, total;
	int status = 0, ret;
	pid_t r;

	memset(end, 0, sizeof(*end));
	end->pid = job->pid;
	close_fd(&job->req_w);
	while (!eof || !exited) {
		struct pollfd pfd[2];
		nfds_t n = 0;
		long wait_ms = 250;

		if (!killed && job_cpu_ns(job, &cpu)) {
			cpu -= cpu < job->cpu_base_ns ? cpu : job->cpu_base_ns;
			if (cpu >= limit_ns) {
				end->timed_out = true;
			} else if ((limit_ns - cpu) / 1000000u + 1 < (uint64_t)wait_ms) {
				/* CPU time cannot run faster than the wall clock
				 * for one thread; more threads are caught within
				 * the 250 ms cap and by the final check. */
				wait_ms = (long)((limit_ns - cpu) / 1000000u + 1);
			}
		}
		if (!killed && (end->timed_out || end->out_too_big)) {
			kill(job->pid, SIGKILL);
			killed = true;
		}
		if (!eof) {
			pfd[n].fd = job->res_r;
			pfd[n].events = POLLIN;
			n++;
		}
		if (eof && job->pidfd < 0)
			break; /* no pidfd: a blocking wait below */
		if (!exited && job->pidfd >= 0) {
			pfd[n].fd = job->pidfd;
			pfd[n].events = POLLIN;
			n++;
		}
		ret = poll(pfd, n, (int)wait_ms);
		if (ret < 0 && errno != EINTR)
			return pvf_err_set(err, -errno, "poll job");
		for (nfds_t i = 0; ret > 0 && i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == job->res_r) {
				ret = read_some(job->res_r, &end->out, max, &eof, &end->out_too_big);
				if (ret < 0)
					return pvf_err_set(err, ret, "read from job");
			} else {
				exited = true;
			}
		}
		if (exited && !eof) {
			/* The job is gone: what it wrote is in the pipe. Do
			 * not wait for EOF, which a descendant holding the pipe
			 * could withhold forever. */
			(void)fcntl(job->res_r, F_SETFL, O_NONBLOCK);
			while (!eof && !end->out_too_big) {
				ret = read_some(job->res_r, &end->out, max, &eof, &end->out_too_big);
				if (ret < 0)
					return pvf_err_set(err, ret, "read from job");
				if (errno == EAGAIN && !eof)
					break;
			}
			eof = true;
		}
	}
	close_fd(&job->res_r);
	do {
		r = wait4(job->pid, &status, 0, &ru);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return pvf_err_set(err, -errno, "waitpid");
	close_fd(&job->pidfd);
	job->pid = -1;
	total = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
		(uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
	end->cpu_ns = total > job->cpu_base_ns ? total - job->cpu_base_ns : 0;
	end->max_rss_kib = ru.ru_maxrss;
	if (end->cpu_ns >= limit_ns)
		end->timed_out = true;
	if (WIFSIGNALED(status)) {
		end->signaled = true;
		end->sig = WTERMSIG(status);
	} else {
		end->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	return 0;
}

void wk_job_log_stats(struct wk *w, const struct wk_job_end *end)
{
	wk_log(w, PVLOG_DEBUG, "job stats: pid=%d cpu_ns=%llu max_rss_kib=%ld", (int)end->pid,
	       (unsigned long long)end->cpu_ns, end->max_rss_kib);
}

void wk_job_discard(struct wk_job *job)
{
	close_fd(&job->req_w);
	close_fd(&job->res_r);
	if (job->pid > 0) {
		kill(job->pid, SIGKILL);
		while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR) {
		}
	}
	close_fd(&job->pidfd);
	job->pid = -1;
}

int wk_job_confine(struct wk_job *job, bool execute_filter, struct pvf_err *err)
{
	int keep[3] = {2, job->res_w, job->req_r};
	struct sbx_policy p;

	if (!job->w->sandboxed)
		return 0;
	sbx_policy_init(&p);
	p.layers = SBX_BIT(SBX_LAYER_RLIMITS) | SBX_BIT(SBX_LAYER_CLOSE_FDS);
	p.rlimits.nofile = 16;
	p.keep_fds = keep;
	p.n_keep_fds = job->req_r >= 0 ? 3 : 2;
	if (execute_filter && job->w->job_seccomp) {
		p.layers |= SBX_BIT(SBX_LAYER_SECCOMP);
		p.seccomp = SBX_SECCOMP_EXECUTE_JOB;
		p.seccomp_kill = true;
	}
	p.required = p.layers;
	return sbx_apply(&p, NULL, err);
}

int wk_job_write(struct wk_job *job, const struct buf *frame)
{
	return proto_write_all(job->res_w, frame->data, frame->len);
}

int wk_job_read(struct wk_job *job, void *p, size_t len)
{
	uint8_t *d = p;

	while (len) {
		ssize_t n = read(job->req_r, d, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		d += n;
		len -= (size_t)n;
	}
	return 0;
}

int wk_job_frame(const struct buf *out, struct scale_slice *payload, struct scale_slice *rest)
{
	uint32_t len;

	if (out->len < PROTO_FRAME_HDR)
		return -EBADMSG;
	len = (uint32_t)out->data[0] | (uint32_t)out->data[1] << 8 |
	      (uint32_t)out->data[2] << 16 | (uint32_t)out->data[3] << 24;
	if (len == 0 || len > out->len - PROTO_FRAME_HDR)
		return -EBADMSG;
	payload->data = out->data + PROTO_FRAME_HDR;
	payload->len = len;
	rest->data = payload->data + len;
	rest->len = out->len - PROTO_FRAME_HDR - len;
	return 0;
}
