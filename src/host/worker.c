/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Worker processes: spawning, handshake, framed non-blocking I/O, death and
 * reaping (pvf-host.md §4.1; differences in docs/host.md).
 *
 * A worker is started with fork + execve; the child gets the worker end of a
 * socketpair as fd 3, /dev/null as stdin/stdout, the host's stderr, default
 * signal dispositions, an empty signal mask, PR_SET_PDEATHSIG = SIGKILL and
 * exactly cfg.worker_env as its environment. Exec failures come back through
 * a CLOEXEC pipe (EOF = exec succeeded). The host watches the process with a
 * pidfd (readable when it exits) and never installs a SIGCHLD handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"

#define READ_CHUNK (64u * 1024)
#define CHILD_FD_MIN 10 /* fds the child dups from live above this */

static const char *flavor_name(enum host_flavor f)
{
	return f == FLAVOR_PREPARE ? "prepare" : "execute";
}

struct host_worker *host_worker_new(struct pvf_host *h, enum host_flavor flavor)
{
	struct host_worker *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->h = h;
	w->flavor = flavor;
	w->state = W_SPAWN_WAIT;
	w->id = ++h->next_worker_id;
	w->pidfd = w->sock = -1;
	w->sock_src.type = SRC_SOCK;
	w->sock_src.obj = w;
	w->pid_src.type = SRC_PIDFD;
	w->pid_src.obj = w;
	proto_rx_init(&w->rx, PROTO_FRAME_MAX);
	hlist_init(&w->link);
	hlist_add_tail(&h->workers[flavor], &w->link);
	return w;
}

size_t host_worker_count(struct pvf_host *h, enum host_flavor flavor)
{
	return hlist_len(&h->workers[flavor]);
}

/* ---- process start ------------------------------------------------------ */

/* Moves fd to a CLOEXEC descriptor >= CHILD_FD_MIN (closing the old one). */
static int move_high(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, CHILD_FD_MIN);
	int e = errno;

	close(fd);
	if (nfd < 0)
		return -e;
	return nfd;
}

void host_child_reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL); /* reserved signals fail: fine */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

_Noreturn void host_child_fail(int failw)
{
	int e = errno;

	if (write(failw, &e, sizeof(e)) < 0) {
		/* nothing left to report to */
	}
	_exit(127);
}

/* In the child between fork and exec: async-signal-safe calls only. */
static _Noreturn void child_exec(const char *prog, char *const argv[], char *const envp[],
				 pid_t parent, int sock, int devnull, int errw)
{
	host_child_reset_signals();
	/* a worker must not outlive the host */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		goto fail;
	/* Its own process group, which its job processes inherit: the host
	 * kills the whole group when the worker goes, because a job's
	 * parent-death signal is cleared when the sandbox changes its
	 * credentials, and a stopped job would otherwise stay forever. */
	if (setpgid(0, 0) < 0)
		goto fail;
	if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(sock, 3) < 0)
		goto fail;
	close_range(4, (unsigned)errw - 1, 0);
	close_range((unsigned)errw + 1, ~0u, 0);
	execve(prog, argv, envp);
fail:
	host_child_fail(errw);
}

static int epoll_add(struct pvf_host *h, int fd, uint32_t events, struct host_src *src)
{
	struct epoll_event ev = {.events = events, .data.ptr = src};

	return epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int send_hello(struct host_worker *w)
{
	struct pvf_host *h = w->h;
	struct proto_hello hello = {0};
	struct buf b = BUF_INIT;
	const char *nv = h->cfg.node_version ? h->cfg.node_version : "";
	int ret;

	hello.version = PROTO_VERSION;
	hello.kind = w->flavor == FLAVOR_PREPARE ? PROTO_WORKER_PREPARE : PROTO_WORKER_EXECUTE;
	hello.node_version.data = (const uint8_t *)nv;
	hello.node_version.len = strlen(nv);
	hello.security = h->security;
	hello.executor_params.data = w->params;
	hello.executor_params.len = w->params_len;
	ret = proto_encode_hello(&b, &hello);
	if (!ret)
		ret = host_worker_send(w, &b);
	buf_deinit(&b);
	return ret;
}

static int start_process(struct host_worker *w, struct pvf_err *err)
{
	struct pvf_host *h = w->h;
	const char *prog = w->flavor == FLAVOR_PREPARE ? h->cfg.prepare_worker_path :
				h->cfg.execute_worker_path;
	char *argv[10];
	char *const empty_env[] = {NULL};
	int sv[2] = {-1, -1}, ep[2] = {-1, -1};
	int devnull = -1, child_sock = -1, errw = -1, ret, n, e = 0;
	size_t argc = 0;
	pid_t pid, self = getpid();

	ret = cache_worker_dir_new(&h->cache, flavor_name(w->flavor), &w->dir, err);
	if (ret)
		return ret;
	argv[argc++] = (char *)prog;
	argv[argc++] = (char *)(w->flavor == FLAVOR_PREPARE ? "prepare-worker" : "execute-worker");
	argv[argc++] = (char *)"--socket-fd";
	argv[argc++] = (char *)"3";
	argv[argc++] = (char *)"--worker-dir-path";
	argv[argc++] = w->dir;
	if (h->cfg.node_version) {
		argv[argc++] = (char *)"--node-impl-version";
		argv[argc++] = (char *)h->cfg.node_version;
	}
	argv[argc] = NULL;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		ret = pvf_err_set(err, -errno, "socketpair");
		goto out_remove_dir;
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		ret = pvf_err_set(err, -errno, "pipe2");
		goto out_close_sv;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		ret = pvf_err_set(err, -errno, "open /dev/null");
		goto out_close_ep;
	}
	child_sock = move_high(sv[1]);
	sv[1] = -1;
	errw = move_high(ep[1]);
	ep[1] = -1;
	devnull = move_high(devnull);
	if (child_sock < 0 || errw < 0 || devnull < 0) {
		ret = pvf_err_set(err, -EMFILE, "dup worker descriptors");
		goto out_close_child;
	}

	pid = fork();
	if (pid < 0) {
		ret = pvf_err_set(err, -errno, "fork");
		goto out_close_child;
	}
	if (pid == 0)
		child_exec(prog, argv, h->worker_env ? h->worker_env : empty_env, self,
			   child_sock, devnull, errw);
	close(child_sock);
	child_sock = -1;
	close(errw);
	errw = -1;
	close(devnull);
	devnull = -1;

	/* EOF = execve succeeded; an int = its errno */
	do {
		n = (int)read(ep[0], &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	if (n == (int)sizeof(e)) {
		waitpid(pid, NULL, 0);
		ret = pvf_err_set(err, -e, "exec `%s`: %s", prog, strerror(e));
		goto out_close_ep;
	}
	w->pidfd = pidfd_open(pid, 0);
	if (w->pidfd < 0) {
		ret = pvf_err_set(err, -errno, "pidfd_open");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out_close_ep;
	}
	w->pid = pid;
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0 ||
	    epoll_add(h, w->pidfd, EPOLLIN, &w->pid_src) < 0) {
		ret = pvf_err_set(err, -errno, "register worker descriptors");
		goto out_kill;
	}
	if (epoll_add(h, sv[0], EPOLLIN | EPOLLRDHUP, &w->sock_src) < 0) {
		ret = pvf_err_set(err, -errno, "register worker descriptors");
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, w->pidfd, NULL);
		goto out_kill;
	}
	w->sock = sv[0];
	sv[0] = -1;
	ret = 0;
	goto out_close_ep;

out_kill: /* unwatchable: make sure no process is left behind */
	pidfd_send_signal(w->pidfd, SIGKILL, NULL, 0);
	waitpid(pid, NULL, 0);
	close(w->pidfd);
	w->pidfd = -1;
out_close_child:
	if (child_sock >= 0)
		close(child_sock);
	if (errw >= 0)
		close(errw);
	if (devnull >= 0)
		close(devnull);
out_close_ep:
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
out_close_sv:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
out_remove_dir:
	if (ret && w->pidfd < 0 && w->dir) {
		cache_dir_remove(w->dir, NULL);
		free(w->dir);
		w->dir = NULL;
	}
	return ret;
}

/* ---- death and burial --------------------------------------------------- */

static void bury(struct host_worker *w)
{
	struct pvf_host *h = w->h;
	struct pvf_err err = {0};

	if (w->pidfd >= 0) {
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, w->pidfd, NULL);
		close(w->pidfd);
		w->pidfd = -1;
	}
	if (w->dir && cache_dir_remove(w->dir, &err))
		HLOG(h, PVLOG_WARN, flavor_name(w->flavor), "%s", err.msg);
	w->state = W_GONE;
	hlist_del(&w->link);
	hlist_add_tail(&h->graveyard, &w->link);
}

/* Reaps an exited worker; returns false if it has not exited yet. */
static bool reap(struct host_worker *w, bool block)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	/* Look first without reaping: while the worker is a zombie its pid,
	 * and so its process-group id, cannot be reused, so the group kill
	 * below reaches only its own job processes. */
	if (waitid(P_PIDFD, (id_t)w->pidfd, &info, WEXITED | WNOWAIT | (block ? 0 : WNOHANG)) < 0) {
		if (errno != ECHILD)
			return false;
	} else if (info.si_pid == 0) {
		return false;
	}
	kill(-w->pid, SIGKILL);
	memset(&info, 0, sizeof(info));
	if (waitid(P_PIDFD, (id_t)w->pidfd, &info, WEXITED) < 0 && errno != ECHILD)
		return false;
	if (info.si_pid)
		HLOG(w->h, PVLOG_DEBUG, flavor_name(w->flavor), "worker %d %s %d", (int)w->pid,
		     info.si_code == CLD_EXITED ? "exited with status" : "killed by signal",
		     info.si_status);
	bury(w);
	return true;
}

void host_worker_kill(struct host_worker *w, bool retired)
{
	struct pvf_host *h = w->h;

	if (w->state == W_DEAD || w->state == W_GONE)
		return;
	if (retired)
		h->metrics.worker_retired[w->flavor]++;
	w->deadline_ns = 0;
	if (w->sock >= 0) {
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, w->sock, NULL);
		close(w->sock);
		w->sock = -1;
	}
	if (w->pidfd < 0) { /* no process (waiting to spawn) */
		bury(w);
		return;
	}
	if (pidfd_send_signal(w->pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		HLOG(h, PVLOG_WARN, flavor_name(w->flavor), "kill worker %d: %s", (int)w->pid,
		     strerror(errno));
	/* and its job processes (the unreaped worker keeps the group id ours) */
	kill(-w->pid, SIGKILL);
	w->state = W_DEAD;
	hlist_del(&w->link);
	hlist_add_tail(&h->zombies, &w->link);
}

/* The worker could not be started or failed its handshake: bury it and try
 * again after the retry delay with a fresh worker that takes over the job it
 * was spawned for (execute). */
static void spawn_failed(struct host_worker *w, const char *why)
{
	struct pvf_host *h = w->h;
	struct host_worker *n = host_worker_new(h, w->flavor);

	HLOG(h, PVLOG_WARN, flavor_name(w->flavor),
	     "failed to spawn a %s worker (attempt %u): %s; retrying in %u ms",
	     flavor_name(w->flavor), w->spawn_attempts, why, h->cfg.spawn_retry_delay_ms);
	if (n) {
		n->spawn_attempts = w->spawn_attempts;
		n->params = w->params;
		n->params_len = w->params_len;
		memcpy(n->params_hash, w->params_hash, PVF_HASH_LEN);
		w->params = NULL;
		n->job = w->job;
		if (n->job)
			n->job->worker = n;
		w->job = NULL;
		n->deadline_ns = host_now_ns() + (uint64_t)h->cfg.spawn_retry_delay_ms * 1000000;
	}
	host_worker_kill(w, false);
}

void host_worker_spawn(struct host_worker *w)
{
	struct pvf_host *h = w->h;
	struct pvf_err err = {0};

	w->deadline_ns = 0;
	w->spawn_attempts++;
	h->metrics.worker_spawning[w->flavor]++;
	if (start_process(w, &err)) {
		spawn_failed(w, err.msg);
		return;
	}
	w->state = W_HANDSHAKE;
	w->deadline_ns = host_now_ns() + (uint64_t)h->cfg.spawn_timeout_ms * 1000000;
	if (send_hello(w))
		spawn_failed(w, "could not send the handshake");
}

/* The connection broke or the process exited while the worker was alive. */
static void worker_lost(struct host_worker *w, const char *why)
{
	switch (w->state) {
	case W_HANDSHAKE:
		spawn_failed(w, why);
		break;
	case W_IDLE:
	case W_BUSY:
		if (w->flavor == FLAVOR_PREPARE)
			host_prep_worker_died(w, why);
		else
			host_exec_worker_died(w, why);
		break;
	case W_SPAWN_WAIT:
	case W_DEAD:
	case W_GONE:
	default:
		break;
	}
}

/* ---- I/O ---------------------------------------------------------------- */

static void set_want_out(struct host_worker *w, bool on)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0),
				 .data.ptr = &w->sock_src};

	if (w->want_out == on)
		return;
	w->want_out = on;
	epoll_ctl(w->h->epfd, EPOLL_CTL_MOD, w->sock, &ev);
}

/* Writes what the socket takes. 0 (done or would block) or -errno. */
static int flush_tx(struct host_worker *w)
{
	while (w->tx_off < w->tx.len) {
		ssize_t n = send(w->sock, w->tx.data + w->tx_off, w->tx.len - w->tx_off,
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				set_want_out(w, true);
				return 0;
			}
			return -errno;
		}
		w->tx_off += (size_t)n;
	}
	w->tx.len = w->tx_off = 0;
	set_want_out(w, false);
	if (w->state == W_BUSY)
		w->job_sent = true;
	return 0;
}

int host_worker_send(struct host_worker *w, const struct buf *frame)
{
	int ret;

	if (w->sock < 0)
		return -EPIPE;
	ret = buf_append(&w->tx, frame->data, frame->len);
	if (ret)
		return ret;
	return flush_tx(w);
}

static bool slice_is(struct scale_slice s, const char *str)
{
	return s.len == strlen(str) && memcmp(s.data, str, s.len) == 0;
}

static void on_hello_ack(struct host_worker *w, struct scale_slice payload)
{
	struct pvf_host *h = w->h;
	struct proto_hello_ack ack;
	char why[256];
	int ret;

	ret = proto_decode_hello_ack(payload, &ack);
	if (ret == -EPROTONOSUPPORT) {
		snprintf(why, sizeof(why), "worker speaks protocol version %u, the host %u",
			 ack.version, PROTO_VERSION);
		spawn_failed(w, why);
		return;
	}
	if (ret) {
		spawn_failed(w, ret == -EPROTO ? "not a pvf worker (bad handshake magic)" :
			     "malformed handshake");
		return;
	}
	if (ack.kind != (w->flavor == FLAVOR_PREPARE ? PROTO_WORKER_PREPARE : PROTO_WORKER_EXECUTE)) {
		spawn_failed(w, "worker of the wrong kind");
		return;
	}
	if (h->cfg.node_version && h->cfg.node_version[0] &&
	    !slice_is(ack.worker_version, h->cfg.node_version)) {
		HLOG(h, PVLOG_ERROR, flavor_name(w->flavor),
		     "worker version mismatch: node %s, worker %.*s (restart the node after an "
		     "upgrade)", h->cfg.node_version, (int)ack.worker_version.len,
		     (const char *)ack.worker_version.data);
		spawn_failed(w, "version mismatch");
		return;
	}
	h->metrics.worker_spawned[w->flavor]++;
	w->state = W_IDLE;
	w->deadline_ns = 0;
	w->spawn_attempts = 0;
	HLOG(h, PVLOG_DEBUG, flavor_name(w->flavor), "worker %d ready", (int)w->pid);
	if (w->flavor == FLAVOR_PREPARE)
		host_prep_worker_ready(w);
	else
		host_exec_worker_ready(w);
}

static void on_log(struct host_worker *w, struct scale_slice payload)
{
	struct proto_log l;
	char subsys[32];

	if (proto_decode_log(payload, &l)) {
		worker_lost(w, "malformed log record");
		return;
	}
	snprintf(subsys, sizeof(subsys), "worker[%d]", (int)w->pid);
	HLOG(w->h, l.level, subsys, "%.*s", (int)l.text.len, (const char *)l.text.data);
}

static void on_frame(struct host_worker *w, struct scale_slice payload)
{
	int type = proto_msg_type(payload);

	if (type == PROTO_MSG_LOG) {
		on_log(w, payload);
		return;
	}
	switch (w->state) {
	case W_HANDSHAKE:
		if (type == PROTO_MSG_HELLO_ACK)
			on_hello_ack(w, payload);
		else
			spawn_failed(w, "unexpected message during the handshake");
		break;
	case W_BUSY:
		if (w->flavor == FLAVOR_PREPARE)
			host_prep_worker_message(w, payload);
		else
			host_exec_worker_message(w, payload);
		break;
	case W_IDLE:
		worker_lost(w, "unexpected message from an idle worker");
		break;
	case W_SPAWN_WAIT:
	case W_DEAD:
	case W_GONE:
	default:
		break;
	}
}

static bool alive(const struct host_worker *w)
{
	return w->state == W_HANDSHAKE || w->state == W_IDLE || w->state == W_BUSY;
}

/* Reads everything available, handles complete frames, then EOF. */
static void read_and_handle(struct host_worker *w)
{
	struct scale_slice payload;
	char why[128] = "connection closed";
	bool eof = false;

	for (;;) {
		size_t avail = 0;
		uint8_t *p = proto_rx_space(&w->rx, READ_CHUNK, &avail);
		ssize_t n;

		if (!p) {
			snprintf(why, sizeof(why), "out of memory reading from the worker");
			eof = true;
			break;
		}
		n = read(w->sock, p, avail);
		if (n > 0) {
			proto_rx_commit(&w->rx, (size_t)n);
			continue;
		}
		if (n == 0) {
			eof = true;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			snprintf(why, sizeof(why), "read: %s", strerror(errno));
			eof = true;
		}
		break;
	}
	while (alive(w)) {
		enum proto_rx_status st = proto_rx_next(&w->rx, &payload);

		if (st == PROTO_RX_MORE)
			break;
		if (st == PROTO_RX_BAD) {
			worker_lost(w, "bad frame length");
			return;
		}
		on_frame(w, payload);
	}
	if (eof && alive(w))
		worker_lost(w, why);
}

void host_worker_on_event(struct host_src *src, uint32_t events)
{
	struct host_worker *w = src->obj;

	if (!alive(w)) {
		if (src->type == SRC_PIDFD && w->state == W_DEAD)
			reap(w, false);
		return;
	}
	if (src->type == SRC_SOCK) {
		if (events & EPOLLOUT) {
			int ret = flush_tx(w);

			if (ret) {
				char why[96];

				snprintf(why, sizeof(why), "write: %s", strerror(-ret));
				worker_lost(w, why);
				return;
			}
		}
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			read_and_handle(w);
		return;
	}
	/* pidfd: the process exited. Whatever it wrote before is still in the
	 * socket: handle that first. */
	if (w->sock >= 0)
		read_and_handle(w);
	if (alive(w))
		worker_lost(w, "worker process exited");
	if (w->state == W_DEAD)
		reap(w, false);
}

void host_worker_on_deadline(struct host_worker *w)
{
	char why[96];

	switch (w->state) {
	case W_SPAWN_WAIT:
		host_worker_spawn(w);
		break;
	case W_HANDSHAKE:
		snprintf(why, sizeof(why), "no handshake within %u ms", w->h->cfg.spawn_timeout_ms);
		spawn_failed(w, why);
		break;
	case W_BUSY:
		w->deadline_ns = 0;
		if (w->flavor == FLAVOR_PREPARE)
			host_prep_worker_timeout(w);
		else
			host_exec_worker_timeout(w);
		break;
	case W_IDLE:
	case W_DEAD:
	case W_GONE:
	default:
		w->deadline_ns = 0;
		break;
	}
}

static void free_worker(struct host_worker *w)
{
	proto_rx_deinit(&w->rx);
	buf_deinit(&w->tx);
	free(w->dir);
	free(w->params);
	free(w);
}

void host_worker_free_graveyard(struct pvf_host *h)
{
	while (!hlist_empty(&h->graveyard)) {
		struct host_worker *w = hlist_entry(h->graveyard.next, struct host_worker, link);

		hlist_del(&w->link);
		free_worker(w);
	}
}

void host_worker_reap_all(struct pvf_host *h)
{
	int f;

	for (f = 0; f < 2; f++)
		while (!hlist_empty(&h->workers[f]))
			host_worker_kill(hlist_entry(h->workers[f].next, struct host_worker, link),
					 false);
	while (!hlist_empty(&h->zombies)) {
		struct host_worker *w = hlist_entry(h->zombies.next, struct host_worker, link);

		if (!reap(w, true))
			bury(w); /* cannot wait: give up on it rather than hang */
	}
	host_worker_free_graveyard(h);
}
