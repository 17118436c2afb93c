/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf serve: the validation host as a long-running service.
 *
 *   pvf serve --socket PATH --cache DIR [--metrics ADDR:PORT]
 *             [--prep-workers N] [--exec-workers N] [--log-level L] ...
 *
 * Clients connect to a Unix socket and speak JSON lines (serve_proto.c,
 * docs/service.md); Prometheus scrapes /metrics and /health over HTTP
 * (serve_http.c). One thread, one epoll loop holding the listening socket,
 * the clients, a signalfd and the host's pollable fd. SIGTERM/SIGINT stop
 * accepting, let the pending requests finish (their answers are sent),
 * free the host and remove the socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "host_front.h"
#include "serve.h"

#ifndef PVF_VERSION
#define PVF_VERSION "0.0.0"
#endif

#define SRV_READ_CHUNK 65536
#define SRV_READ_BUDGET (1024 * 1024)   /* bytes read from one client per round */
#define SRV_ACCEPT_BUDGET 64
#define SRV_FLUSH_GRACE_NS (2 * UINT64_C(1000000000))

/* ---- logging ------------------------------------------------------------------ */

static const char *level_name(enum pvf_log_level l)
{
	switch (l) {
	case PVF_LOG_ERROR:
		return "error";
	case PVF_LOG_WARN:
		return "warn";
	case PVF_LOG_INFO:
		return "info";
	case PVF_LOG_DEBUG:
		return "debug";
	case PVF_LOG_TRACE:
	default:
		return "trace";
	}
}

void srv_log(const struct srv *s, enum pvf_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level > s->o.log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "pvf serve: %s: %s\n", level_name(level), msg);
}

static void host_log(void *ctx, enum pvf_log_level level, const char *subsys, const char *msg)
{
	struct srv *s = ctx;

	if (level <= s->o.log_level)
		fprintf(stderr, "pvf serve: %s: [%s] %s\n", level_name(level), subsys, msg);
}

/* ---- clients ------------------------------------------------------------------- */

static void client_update_events(struct srv_client *c);

static void client_kill(struct srv_client *c, const char *why)
{
	if (c->dead)
		return;
	srv_log(c->s, PVF_LOG_DEBUG, "client %llu: closing (%s)", (unsigned long long)c->cid,
		why);
	c->dead = true;
}

/* Writes what can be written without blocking. */
static void client_flush(struct srv_client *c)
{
	while (!c->dead && c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_kill(c, strerror(errno));
			break;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out.len) {
		c->out.len = 0;
		c->out_off = 0;
	} else if (c->out_off > c->out.len / 2) {
		memmove(c->out.data, c->out.data + c->out_off, c->out.len - c->out_off);
		c->out.len -= c->out_off;
		c->out_off = 0;
	}
	client_update_events(c);
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
	return buf_append(data, buffer, size) < 0 ? -1 : 0;
}

void srv_client_send(struct srv_client *c, json_t *j)
{
	size_t before = c->out.len;

	if (!j)
		return;
	if (!c->dead) {
		if (json_dump_callback(j, dump_cb, &c->out,
				       JSON_COMPACT | JSON_PRESERVE_ORDER) < 0 ||
		    buf_append_byte(&c->out, '\n') < 0) {
			c->out.len = before;
			client_kill(c, "out of memory for an answer");
		} else {
			client_flush(c);
		}
	}
	json_decref(j);
}

void srv_send_error(struct srv_client *c, const json_t *id, const char *code, const char *fmt, ...)
{
	json_t *j = json_object(), *e = json_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->s->errors_total++;
	srv_log(c->s, PVF_LOG_DEBUG, "client %llu: %s: %s", (unsigned long long)c->cid, code, msg);
	json_object_set_new(j, "id", id ? json_deep_copy(id) : json_null());
	json_object_set_new(j, "ok", json_false());
	json_object_set_new(e, "code", json_string(code));
	json_object_set_new(e, "message", json_string(msg));
	json_object_set_new(j, "error", e);
	srv_client_send(c, j);
}

static bool client_paused(const struct srv_client *c)
{
	return c->inflight >= c->s->o.max_pending || c->out.len - c->out_off > c->s->o.out_high;
}

static void client_update_events(struct srv_client *c)
{
	uint32_t want = 0;
	struct epoll_event ev;

	if (c->dead)
		return;
	if (!c->read_closed && !client_paused(c))
		want |= EPOLLIN;
	if (c->out_off < c->out.len)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	ev.events = want;
	ev.data.ptr = &c->src;
	if (epoll_ctl(c->s->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		client_kill(c, strerror(errno));
	else
		c->events = want;
}

/* Handles the complete lines in c->in, stopping when the client must
 * pause; an oversized line gets an error and is skipped. */
static void client_process(struct srv_client *c)
{
	struct srv *s = c->s;
	size_t start = 0;

	while (!c->dead && !client_paused(c)) {
		uint8_t *base = c->in.data + start;
		size_t avail = c->in.len - start;
		size_t from = c->scanned > start ? c->scanned - start : 0;
		uint8_t *nl = avail > from ? memchr(base + from, '\n', avail - from) : NULL;
		size_t k;

		if (!nl) {
			c->scanned = c->in.len;
			if (!c->discarding && avail > s->o.max_request) {
				srv_send_error(c, NULL, "too_large",
					       "request line longer than %zu bytes", s->o.max_request);
				c->discarding = true;
			}
			if (c->discarding) {
				start = c->in.len;
				c->scanned = c->in.len;
			}
			break;
		}
		k = (size_t)(nl - base);
		start += k + 1;
		if (c->discarding) {
			c->discarding = false;
		} else if (k > s->o.max_request) {
			srv_send_error(c, NULL, "too_large", "request line longer than %zu bytes",
				       s->o.max_request);
		} else {
			if (k && base[k - 1] == '\r')
				k--;
			if (k)
				srv_handle_line(s, c, (const char *)base, k);
		}
	}
	if (start) {
		memmove(c->in.data, c->in.data + start, c->in.len - start);
		c->in.len -= start;
		c->scanned = c->scanned > start ? c->scanned - start : 0;
	}
}

static void client_readable(struct srv_client *c)
{
	size_t budget = SRV_READ_BUDGET;

	while (!c->dead && !c->read_closed && !client_paused(c) && budget) {
		ssize_t n;

		if (buf_reserve(&c->in, SRV_READ_CHUNK) < 0) {
			client_kill(c, "out of memory");
			break;
		}
		n = recv(c->fd, c->in.data + c->in.len, SRV_READ_CHUNK, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_kill(c, strerror(errno));
			break;
		}
		if (n == 0) {
			c->read_closed = true;
			if (c->in.len && !c->discarding)
				srv_send_error(c, NULL, "bad_request",
					       "incomplete last line (no newline)");
			c->in.len = 0;
			c->scanned = 0;
			c->discarding = false;
			break;
		}
		c->in.len += (size_t)n;
		budget -= (size_t)n < budget ? (size_t)n : budget;
		client_process(c);
	}
	client_update_events(c);
}

static void client_free(struct srv *s, struct srv_client *c)
{
	srv_drop_pending(s, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_clients--;
	close(c->fd);
	buf_deinit(&c->in);
	buf_deinit(&c->out);
	free(c);
}

static void accept_clients(struct srv *s)
{
	int i;

	for (i = 0; i < SRV_ACCEPT_BUDGET; i++) {
		struct srv_client *c;
		struct epoll_event ev;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				srv_log(s, PVF_LOG_WARN, "accept: %s", strerror(errno));
			return;
		}
		if (s->n_clients >= s->o.max_clients) {
			static const char busy[] = "{\"id\":null,\"ok\":false,\"error\":{\"code\":"
				"\"busy\",\"message\":\"too many clients\"}}\n";

			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			srv_log(s, PVF_LOG_WARN, "refused a client: %u clients connected",
				s->n_clients);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->src.kind = SRV_SRC_CLIENT;
		c->s = s;
		c->fd = fd;
		c->cid = ++s->next_cid;
		c->events = EPOLLIN;
		ev.events = c->events;
		ev.data.ptr = &c->src;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			srv_log(s, PVF_LOG_WARN, "epoll_ctl: %s", strerror(errno));
			close(fd);
			free(c);
			continue;
		}
		c->next = s->clients;
		if (s->clients)
			s->clients->prev = c;
		s->clients = c;
		s->n_clients++;
		srv_log(s, PVF_LOG_DEBUG, "client %llu: connected", (unsigned long long)c->cid);
	}
}

static void client_event(struct srv_client *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & EPOLLIN)
		client_readable(c);
	if (!c->dead && (events & EPOLLOUT))
		client_flush(c);
	/* EPOLLHUP on a stream socket: the peer closed both directions (a
	 * half close shows as EOF only). Nobody will read the answers. */
	if (!c->dead && (events & (EPOLLHUP | EPOLLERR)))
		client_kill(c, events & EPOLLERR ? "socket error" : "peer closed");
}

/* End of a round: handles lines waiting for a paused client that may go on,
 * closes finished and dead clients. */
static void clients_sweep(struct srv *s)
{
	struct srv_client *c = s->clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (!c->dead && c->in.len && !client_paused(c)) {
			client_process(c);
			client_update_events(c);
		}
		if (!c->dead && c->read_closed && !c->inflight && c->out_off == c->out.len)
			client_kill(c, "end of input, all answered");
		if (c->dead)
			client_free(s, c);
	}
}

static bool all_flushed(const struct srv *s)
{
	const struct srv_client *c;

	for (c = s->clients; c; c = c->next)
		if (!c->dead && c->out_off < c->out.len)
			return false;
	return true;
}

/* ---- health ---------------------------------------------------------------------- */

static unsigned long long metric(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *p = text;
	unsigned long long v = 0;

	while (p && *p) {
		if (!strncmp(p, name, n) && p[n] == ' ') {
			if (sscanf(p + n + 1, "%llu", &v) == 1)
				return v;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

static json_t *worker_json(const char *text, const char *flavor)
{
	char name[96];
	unsigned long long spawned, retired;
	json_t *j = json_object();

	snprintf(name, sizeof(name), "polkadot_pvf_worker_spawned{flavor=\"%s\"}", flavor);
	spawned = metric(text, name);
	snprintf(name, sizeof(name), "polkadot_pvf_worker_retired{flavor=\"%s\"}", flavor);
	retired = metric(text, name);
	json_object_set_new(j, "running", json_integer(spawned > retired ?
						       (json_int_t)(spawned - retired) : 0));
	json_object_set_new(j, "spawned_total", json_integer((json_int_t)spawned));
	json_object_set_new(j, "retired_total", json_integer((json_int_t)retired));
	return j;
}

json_t *srv_status_json(struct srv *s)
{
	json_t *j = json_object(), *sec = json_object(), *w = json_object(), *wk;
	struct pvf_security st;
	char *text = NULL;
	size_t len = 0;

	json_object_set_new(j, "status", json_string(!s->h ? "stopped" : s->stopping ?
						     "stopping" : "serving"));
	json_object_set_new(j, "version", json_string(PVF_VERSION));
	json_object_set_new(j, "protocol_versions", json_pack("[i]", SRV_PROTOCOL_VERSION));
	json_object_set_new(j, "uptime_s", json_real((double)(base_now_ns() - s->start_ns) / 1e9));
	if (s->h) {
		pvf_host_security(s->h, &st);
		json_object_set_new(sec, "secure_validator_mode",
				    json_boolean(st.secure_validator_mode));
		json_object_set_new(sec, "can_enable_landlock", json_boolean(st.can_enable_landlock));
		json_object_set_new(sec, "can_enable_seccomp", json_boolean(st.can_enable_seccomp));
		json_object_set_new(sec, "can_unshare_user_namespace_and_change_root",
				    json_boolean(st.can_unshare_user_namespace_and_change_root));
		json_object_set_new(sec, "can_do_secure_clone", json_boolean(st.can_do_secure_clone));
		(void)pvf_host_metrics(s->h, &text, &len);
	}
	json_object_set_new(j, "security", sec);
	wk = worker_json(text ? text : "", "prepare");
	json_object_set_new(wk, "soft_max", json_integer(s->o.prep_workers > 1 ?
							 s->o.prep_workers - 1 : 1));
	json_object_set_new(wk, "hard_max", json_integer(s->o.prep_workers));
	json_object_set_new(w, "prepare", wk);
	wk = worker_json(text ? text : "", "execute");
	json_object_set_new(wk, "max", json_integer(s->o.exec_workers));
	json_object_set_new(w, "execute", wk);
	json_object_set_new(j, "workers", w);
	json_object_set_new(j, "clients", json_integer(s->n_clients));
	json_object_set_new(j, "requests_in_flight", json_integer(s->inflight));
	json_object_set_new(j, "requests_total", json_integer((json_int_t)s->requests_total));
	json_object_set_new(j, "errors_total", json_integer((json_int_t)s->errors_total));
	json_object_set_new(j, "answers_dropped_total", json_integer((json_int_t)s->dropped_total));
	json_object_set_new(j, "requests_cancelled_total",
			    json_integer((json_int_t)s->cancelled_total));
	json_object_set_new(j, "code_cache_bytes", json_integer((json_int_t)s->code_bytes));
	free(text);
	return j;
}

/* ---- the listening socket ----------------------------------------------------------- */

/* A socket file left by a dead server is removed; a live one is an error. */
static int clear_stale_socket(struct srv *s, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, ret;

	if (lstat(s->o.socket_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		srv_log(s, PVF_LOG_ERROR, "%s exists and is not a socket", s->o.socket_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (ret == 0) {
		srv_log(s, PVF_LOG_ERROR, "%s: another server is listening there",
			s->o.socket_path);
		return -EADDRINUSE;
	}
	if (errno != ECONNREFUSED)
		return -errno;
	srv_log(s, PVF_LOG_INFO, "removing the stale socket %s", s->o.socket_path);
	return unlink(s->o.socket_path) < 0 ? -errno : 0;
}

static int open_socket(struct srv *s)
{
	struct sockaddr_un sa;
	struct epoll_event ev;
	struct stat st;
	mode_t old;
	int ret;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(s->o.socket_path) >= sizeof(sa.sun_path)) {
		srv_log(s, PVF_LOG_ERROR, "socket path longer than %zu bytes",
			sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, s->o.socket_path);
	ret = clear_stale_socket(s, &sa);
	if (ret < 0) {
		if (ret != -EEXIST && ret != -EADDRINUSE)
			srv_log(s, PVF_LOG_ERROR, "%s: %s", s->o.socket_path, strerror(-ret));
		return ret;
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -errno;
	/* owner only while it is created; then the requested mode */
	old = umask(0177);
	ret = bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret < 0 || chmod(s->o.socket_path, s->o.socket_mode) < 0 ||
	    stat(s->o.socket_path, &st) < 0 || listen(s->lfd, 128) < 0) {
		ret = -errno;
		srv_log(s, PVF_LOG_ERROR, "%s: %s", s->o.socket_path, strerror(errno));
		return ret;
	}
	s->socket_created = true;
	s->sock_dev = st.st_dev;
	s->sock_ino = st.st_ino;
	s->listen_src.kind = SRV_SRC_LISTEN;
	ev.events = EPOLLIN;
	ev.data.ptr = &s->listen_src;
	return epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) < 0 ? -errno : 0;
}

/* Stops accepting: closes the listening socket and removes its file (only
 * if it is still ours). */
static void close_socket(struct srv *s)
{
	struct stat st;

	if (s->lfd >= 0) {
		close(s->lfd);
		s->lfd = -1;
	}
	if (s->socket_created && lstat(s->o.socket_path, &st) == 0 && st.st_dev == s->sock_dev &&
	    st.st_ino == s->sock_ino)
		unlink(s->o.socket_path);
	s->socket_created = false;
}

/* ---- the loop ------------------------------------------------------------------------ */

static int open_signals(struct srv *s)
{
	struct epoll_event ev;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	s->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sfd < 0)
		return -errno;
	s->signal_src.kind = SRV_SRC_SIGNAL;
	ev.events = EPOLLIN;
	ev.data.ptr = &s->signal_src;
	return epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sfd, &ev) < 0 ? -errno : 0;
}

/* Frees the host now: every outstanding request is answered "cancelled"
 * from inside pvf_host_free(). */
static void host_free_now(struct srv *s)
{
	if (!s->h)
		return;
	if (s->inflight)
		srv_log(s, PVF_LOG_WARN, "cancelling %u pending request(s)", s->inflight);
	pvf_host_free(s->h);
	s->h = NULL;
	if (s->inflight)
		srv_log(s, PVF_LOG_ERROR, "%u request(s) still pending after the host was freed",
			s->inflight);
}

static void on_signal(struct srv *s)
{
	struct signalfd_siginfo si;

	while (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (!s->stopping) {
			s->stopping = true;
			s->stop_deadline_ns = base_now_ns() + s->o.shutdown_timeout_ms * 1000000;
			srv_log(s, PVF_LOG_INFO, "%s: stopping; %u request(s) pending",
				strsignal((int)si.ssi_signo), s->inflight);
			close_socket(s);
		} else if (s->h) {
			srv_log(s, PVF_LOG_INFO, "%s again: cancelling what is pending",
				strsignal((int)si.ssi_signo));
			s->stop_deadline_ns = base_now_ns();
		}
	}
}

static int run_loop(struct srv *s)
{
	uint64_t flush_deadline = 0;
	int rc = CLI_EXIT_OK;

	for (;;) {
		struct epoll_event evs[64];
		uint64_t now = base_now_ns();
		int timeout = srv_http_expire(s, now), n, i;

		if (s->stopping) {
			uint64_t until = s->h ? s->stop_deadline_ns : flush_deadline;
			int ms = until > now ? (int)((until - now) / 1000000) + 1 : 0;

			if (s->h && !s->inflight && all_flushed(s))
				break;
			if (!s->h && (all_flushed(s) || now >= flush_deadline))
				break;
			if (s->h && now >= s->stop_deadline_ns) {
				host_free_now(s);
				flush_deadline = now + SRV_FLUSH_GRACE_NS;
				clients_sweep(s);
				continue;
			}
			timeout = timeout < 0 || ms < timeout ? ms : timeout;
		}
		n = epoll_wait(s->ep, evs, (int)BASE_ARRAY_SIZE(evs), timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			srv_log(s, PVF_LOG_ERROR, "epoll_wait: %s", strerror(errno));
			rc = CLI_EXIT_ERROR;
			break;
		}
		for (i = 0; i < n; i++) {
			struct srv_src *src = evs[i].data.ptr;

			switch (src->kind) {
			case SRV_SRC_LISTEN:
				if (s->lfd >= 0)
					accept_clients(s);
				break;
			case SRV_SRC_CLIENT:
				client_event((struct srv_client *)src, evs[i].events);
				break;
			case SRV_SRC_SIGNAL:
				on_signal(s);
				break;
			case SRV_SRC_HOST:
				if (s->h) {
					int ret = pvf_host_dispatch(s->h, 0);

					if (ret < 0)
						srv_log(s, PVF_LOG_ERROR, "host: %s", strerror(-ret));
				}
				break;
			case SRV_SRC_HTTP_LISTEN:
			case SRV_SRC_HTTP_CONN:
			default:
				srv_http_event(s, src, evs[i].events);
				break;
			}
		}
		clients_sweep(s);
		srv_http_reap(s);
	}
	return rc;
}

/* ---- command line ----------------------------------------------------------------- */

static void serve_usage(FILE *f)
{
	fprintf(f,
		"usage: pvf serve --socket PATH --cache DIR [OPTIONS]\n"
		"\n"
		"Runs the validation host as a service: clients send pre-check, validation,\n"
		"heads-up and active-leaves requests as JSON lines over a Unix socket\n"
		"(protocol version %d, docs/service.md); /metrics and /health over HTTP.\n"
		"SIGTERM or SIGINT: stop accepting, answer what is pending, exit 0.\n"
		"\n"
		"options:\n"
		"  --socket PATH          Unix socket to listen on (created mode 0600)\n"
		"  --cache DIR            artifact cache directory\n"
		"  --metrics ADDR:PORT    serve /metrics and /health over HTTP on ADDR:PORT\n"
		"                         (port 0: any free port; the bound one is printed)\n"
		"  --prep-workers N       prepare workers, at most (default 2; N-1 for\n"
		"                         non-critical work)\n"
		"  --exec-workers N       execute workers, at most (default 4)\n"
		"  --log-level L          error, warn, info (default), debug or trace\n"
		"  --worker-dir DIR       where pvf-prepare-worker and pvf-execute-worker are\n"
		"  --insecure             start even when a required sandbox layer is missing\n"
		"                         (default: secure validator mode, which refuses)\n"
		"  --secure-validator-mode, --secure\n"
		"                         the default, accepted for explicitness\n"
		"  --socket-mode OCTAL    permissions of the socket file (default 600)\n"
		"  --max-clients N        connections at once (default 256)\n"
		"  --max-request BYTES    longest request line (default 64 MiB)\n"
		"  --max-pending N        requests in flight per client before its input\n"
		"                         is no longer read (default 256)\n"
		"  --code-cache BYTES     code kept for requests by hash (default 256 MiB)\n"
		"  --shutdown-timeout S   on SIGTERM, wait this long for pending requests\n"
		"                         before cancelling them (default 60)\n"
		"  -h, --help             this text\n"
		"\n"
		"On start-up it prints \"listening on unix:PATH\" and, with --metrics,\n"
		"\"metrics on http://ADDR:PORT\" on stdout.\n"
		"\n"
		"exit status: 0 stopped by a signal, 2 usage, 3 error (the service could not\n"
		"start: workers not found, socket or port in use, sandbox missing)\n",
		SRV_PROTOCOL_VERSION);
}

static bool parse_uint(const char *s, unsigned long long lo, unsigned long long hi, int base,
		       unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s[0] || s[0] == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_level(const char *s, enum pvf_log_level *out)
{
	static const char *const names[] = {"error", "warn", "info", "debug", "trace"};
	size_t i;

	for (i = 0; i < BASE_ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum pvf_log_level)(i + 1);
			return true;
		}
	}
	return false;
}

/* 0 = parsed, else an exit status. */
static int parse_args(int argc, char **argv, struct srv_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long long n = 0;
		uint64_t ms;
		bool ok = true;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			serve_usage(stdout);
			return -1;
		}
		if (!strcmp(a, "--secure-validator-mode") || !strcmp(a, "--secure")) {
			o->secure = true;
			continue;
		}
		if (!strcmp(a, "--insecure")) {
			o->secure = false;
			continue;
		}
		if (!v || a[0] != '-') {
			fprintf(stderr, "pvf serve: unknown option or missing value: %s\n\n", a);
			serve_usage(stderr);
			return CLI_EXIT_USAGE;
		}
		i++;
		if (!strcmp(a, "--socket")) {
			o->socket_path = v;
		} else if (!strcmp(a, "--cache")) {
			o->cache_dir = v;
		} else if (!strcmp(a, "--metrics")) {
			o->metrics_addr = v;
		} else if (!strcmp(a, "--worker-dir")) {
			o->worker_dir = v;
		} else if (!strcmp(a, "--prep-workers")) {
			ok = parse_uint(v, 1, 64, 10, &n);
			o->prep_workers = (unsigned)n;
		} else if (!strcmp(a, "--exec-workers")) {
			ok = parse_uint(v, 1, 256, 10, &n);
			o->exec_workers = (unsigned)n;
		} else if (!strcmp(a, "--log-level")) {
			ok = parse_level(v, &o->log_level);
		} else if (!strcmp(a, "--socket-mode")) {
			ok = parse_uint(v, 0, 0777, 8, &n);
			o->socket_mode = (unsigned)n;
		} else if (!strcmp(a, "--max-clients")) {
			ok = parse_uint(v, 1, 65536, 10, &n);
			o->max_clients = (unsigned)n;
		} else if (!strcmp(a, "--max-request")) {
			ok = parse_uint(v, 64, 1ull << 30, 10, &n);
			o->max_request = (size_t)n;
		} else if (!strcmp(a, "--max-pending")) {
			ok = parse_uint(v, 1, 65536, 10, &n);
			o->max_pending = (unsigned)n;
		} else if (!strcmp(a, "--code-cache")) {
			ok = parse_uint(v, 0, 1ull << 40, 10, &n);
			o->code_cache_bytes = (size_t)n;
		} else if (!strcmp(a, "--shutdown-timeout")) {
			ok = cli_parse_seconds(v, &ms);
			o->shutdown_timeout_ms = ms;
		} else {
			fprintf(stderr, "pvf serve: unknown option: %s\n\n", a);
			serve_usage(stderr);
			return CLI_EXIT_USAGE;
		}
		if (!ok) {
			fprintf(stderr, "pvf serve: bad value for %s: %s\n", a, v);
			return CLI_EXIT_USAGE;
		}
	}
	if (!o->socket_path || !o->cache_dir) {
		fprintf(stderr, "pvf serve: --socket and --cache are required\n\n");
		serve_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

static int start_host(struct srv *s)
{
	struct cli_host ch;
	struct pvf_config cfg;
	struct epoll_event ev;
	char err[256] = "";
	int ret;

	memset(&ch, 0, sizeof(ch));
	if (cli_find_workers(s->o.worker_dir, &ch) < 0) {
		srv_log(s, PVF_LOG_ERROR, "worker programs not found (pvf-prepare-worker and "
			"pvf-execute-worker; looked in %s); use --worker-dir",
			s->o.worker_dir ? s->o.worker_dir :
			"$PVF_WORKER_DIR, next to pvf, ../workers and ../libexec/pvf");
		return -ENOENT;
	}
	pvf_config_init(&cfg);
	cfg.cache_dir = s->o.cache_dir;
	cfg.prepare_worker_path = ch.prepare_worker;
	cfg.execute_worker_path = ch.execute_worker;
	cfg.node_version = PVF_VERSION;
	cfg.secure_validator_mode = s->o.secure;
	cfg.prepare_workers_hard_max = s->o.prep_workers;
	cfg.prepare_workers_soft_max = s->o.prep_workers > 1 ? s->o.prep_workers - 1 : 1;
	cfg.execute_workers_max = s->o.exec_workers;
	cfg.log = host_log;
	cfg.log_ctx = s;
	cfg.log_level = s->o.log_level;
	ret = pvf_host_new(&cfg, &s->h, err, sizeof(err));
	if (ret < 0) {
		srv_log(s, PVF_LOG_ERROR, "cannot start the validation host: %s", err);
		return ret;
	}
	s->host_src.kind = SRV_SRC_HOST;
	ev.events = EPOLLIN;
	ev.data.ptr = &s->host_src;
	return epoll_ctl(s->ep, EPOLL_CTL_ADD, pvf_host_fd(s->h), &ev) < 0 ? -errno : 0;
}

int cmd_serve(int argc, char **argv)
{
	struct srv s;
	struct pvf_err perr = {0};
	char bound[128] = "";
	int rc;

	memset(&s, 0, sizeof(s));
	s.lfd = -1;
	s.sfd = -1;
	s.o.prep_workers = 2;
	s.o.exec_workers = 4;
	s.o.log_level = PVF_LOG_INFO;
	s.o.max_clients = 256;
	s.o.max_request = 64u << 20;
	s.o.max_pending = 256;
	s.o.out_high = 4u << 20;
	s.o.code_cache_bytes = 256u << 20;
	s.o.shutdown_timeout_ms = 60000;
	s.o.socket_mode = 0600;
	s.o.secure = true;
	rc = parse_args(argc, argv, &s.o);
	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	s.start_ns = base_now_ns();
	signal(SIGPIPE, SIG_IGN);
	rc = CLI_EXIT_ERROR;
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	if (s.ep < 0) {
		srv_log(&s, PVF_LOG_ERROR, "epoll_create1: %s", strerror(errno));
		return CLI_EXIT_ERROR;
	}
	if (open_signals(&s) < 0) {
		srv_log(&s, PVF_LOG_ERROR, "signalfd: %s", strerror(errno));
		goto out_epoll;
	}
	if (start_host(&s) < 0)
		goto out_signals;
	if (s.o.metrics_addr && srv_http_open(&s, s.o.metrics_addr, bound, sizeof(bound),
					      &perr) < 0) {
		srv_log(&s, PVF_LOG_ERROR, "--metrics %s: %s", s.o.metrics_addr, perr.msg);
		goto out_host;
	}
	if (open_socket(&s) < 0)
		goto out_http;
	srv_log(&s, PVF_LOG_INFO, "serving on %s (protocol %d), cache %s, %u prepare and %u "
		"execute workers at most", s.o.socket_path, SRV_PROTOCOL_VERSION, s.o.cache_dir,
		s.o.prep_workers, s.o.exec_workers);
	printf("listening on unix:%s\n", s.o.socket_path);
	if (bound[0])
		printf("metrics on http://%s\n", bound);
	fflush(stdout);
	rc = run_loop(&s);
	srv_log(&s, PVF_LOG_INFO, "stopped: %llu request(s) served, %llu error answer(s)",
		(unsigned long long)s.requests_total, (unsigned long long)s.errors_total);
	close_socket(&s);
	host_free_now(&s);
	while (s.clients) {
		s.clients->dead = true;
		client_free(&s, s.clients);
	}
out_http:
	srv_http_close(&s);
	close_socket(&s);
out_host:
	host_free_now(&s);
	srv_codes_free(&s);
out_signals:
	/* the signals stay blocked: one arriving now must not kill us */
	if (s.sfd >= 0)
		close(s.sfd);
out_epoll:
	close(s.ep);
	return rc;
}
