/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve_http.c: a minimal HTTP/1.1 responder for `pvf serve` on the same
 * epoll loop: GET (or HEAD) /metrics gives the host's Prometheus text,
 * /health the status document as JSON (200 while serving, 503 while
 * stopping). One request per connection ("Connection: close"); the request
 * head must arrive within SRV_HTTP_TIMEOUT_MS and fit in SRV_HTTP_HEAD_MAX
 * bytes; a request body is never read. docs/service.md says why this is
 * not libmicrohttpd.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve.h"

#define SRV_HTTP_HEAD_MAX 8192
#define SRV_HTTP_TIMEOUT_MS 10000
#define SRV_HTTP_LINGER_MS 2000
#define SRV_HTTP_MAX_CONNS 64

struct srv_http_conn {
	struct srv_src src;
	int fd;
	char head[SRV_HTTP_HEAD_MAX + 1];
	size_t head_len;
	struct buf out;
	size_t out_off;
	bool writing;
	bool lingering;
	bool dead;
	uint64_t deadline_ns;
	struct srv_http_conn *prev, *next;
};

struct srv_http {
	struct srv_src src;
	int fd;
	struct srv_http_conn *conns;
	unsigned n_conns;
};

/* "HOST:PORT" or "[V6]:PORT". */
static int split_addr(const char *addr, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = strrchr(addr, ':');
	size_t n;

	if (!colon || !colon[1] || strlen(colon + 1) >= plen)
		return -EINVAL;
	n = (size_t)(colon - addr);
	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
		addr++;
		n -= 2;
	}
	if (!n || n >= hlen)
		return -EINVAL;
	memcpy(host, addr, n);
	host[n] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

int srv_http_open(struct srv *s, const char *addr, char *bound, size_t bound_len,
		  struct pvf_err *err)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN + 8], port[16], nh[NI_MAXHOST], np[NI_MAXSERV];
	struct epoll_event ev;
	struct srv_http *h;
	int one = 1, ret, fd = -1;

	if (split_addr(addr, host, sizeof(host), port, sizeof(port)) < 0)
		return pvf_err_set(err, -EINVAL, "expected ADDR:PORT, e.g. 127.0.0.1:9615");
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	ret = getaddrinfo(host, port, &hints, &ai);
	if (ret)
		return pvf_err_set(err, -EINVAL, "%s: %s (a numeric address and port)", addr,
				   gai_strerror(ret));
	h = calloc(1, sizeof(*h));
	if (!h) {
		ret = pvf_err_set(err, -ENOMEM, "out of memory");
		goto out_ai;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = pvf_err_set(err, -errno, "socket: %s", strerror(errno));
		goto out_h;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		ret = pvf_err_set(err, -errno, "%s: %s", addr, strerror(errno));
		goto out_fd;
	}
	ret = getnameinfo((struct sockaddr *)&ss, sl, nh, sizeof(nh), np, sizeof(np),
			  NI_NUMERICHOST | NI_NUMERICSERV);
	if (ret) {
		ret = pvf_err_set(err, -EINVAL, "getnameinfo: %s", gai_strerror(ret));
		goto out_fd;
	}
	snprintf(bound, bound_len, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", nh, np);
	h->src.kind = SRV_SRC_HTTP_LISTEN;
	h->fd = fd;
	ev.events = EPOLLIN;
	ev.data.ptr = &h->src;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ret = pvf_err_set(err, -errno, "epoll_ctl: %s", strerror(errno));
		goto out_fd;
	}
	s->http = h;
	freeaddrinfo(ai);
	return 0;
out_fd:
	close(fd);
out_h:
	free(h);
out_ai:
	freeaddrinfo(ai);
	return ret;
}

static void conn_kill(struct srv_http_conn *c)
{
	c->dead = true;
}

static void conn_flush(struct srv *s, struct srv_http_conn *c)
{
	struct epoll_event ev;

	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_kill(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	/* All written: half-close and read until the client closes (closing
	 * with unread input would reset the connection and could destroy
	 * the answer on its way), at most SRV_HTTP_LINGER_MS. */
	shutdown(c->fd, SHUT_WR);
	c->writing = false;
	c->lingering = true;
	c->deadline_ns = base_now_ns() + (uint64_t)SRV_HTTP_LINGER_MS * 1000000;
	ev.events = EPOLLIN;
	ev.data.ptr = &c->src;
	if (epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		conn_kill(c);
}

/* Lingering: discard input until EOF. */
static void conn_drain(struct srv_http_conn *c)
{
	char tmp[4096];
	ssize_t n;

	do
		n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
	while (n > 0 || (n < 0 && errno == EINTR));
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
		conn_kill(c);
}

static void respond(struct srv *s, struct srv_http_conn *c, int code, const char *reason,
		    const char *type, const char *body, size_t body_len, bool head_only,
		    const char *extra)
{
	struct epoll_event ev;

	c->writing = true;
	if (buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		       "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n", code, reason,
		       type, body_len, extra ? extra : "") < 0 ||
	    (!head_only && buf_append(&c->out, body, body_len) < 0)) {
		conn_kill(c);
		return;
	}
	ev.events = EPOLLOUT;
	ev.data.ptr = &c->src;
	if (epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		conn_kill(c);
		return;
	}
	conn_flush(s, c);
}

static void respond_text(struct srv *s, struct srv_http_conn *c, int code, const char *reason,
			 const char *extra)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "%d %s\n", code, reason);

	respond(s, c, code, reason, "text/plain; charset=utf-8", body, (size_t)n, false, extra);
}

/* The request head is complete: answer it. */
static void handle_request(struct srv *s, struct srv_http_conn *c)
{
	char method[16], target[1024], version[16];
	bool head_only;
	char *q;

	c->head[c->head_len] = '\0';
	if (sscanf(c->head, "%15s %1023s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) || target[0] != '/') {
		respond_text(s, c, 400, "Bad Request", NULL);
		return;
	}
	head_only = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head_only) {
		respond_text(s, c, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n");
		return;
	}
	q = strchr(target, '?');
	if (q)
		*q = '\0';
	if (!strcmp(target, "/metrics")) {
		char *text = NULL;
		size_t len = 0;
		int ret = s->h ? pvf_host_metrics(s->h, &text, &len) : -ESHUTDOWN;

		if (ret < 0) {
			respond_text(s, c, 503, "Service Unavailable", NULL);
		} else {
			respond(s, c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", text,
				len, head_only, NULL);
		}
		free(text);
	} else if (!strcmp(target, "/health")) {
		json_t *j = srv_status_json(s);
		char *body = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		bool serving = s->h && !s->stopping;

		if (!body)
			respond_text(s, c, 500, "Internal Server Error", NULL);
		else
			respond(s, c, serving ? 200 : 503, serving ? "OK" : "Service Unavailable",
				"application/json", body, strlen(body), head_only, NULL);
		free(body);
		json_decref(j);
	} else {
		respond_text(s, c, 404, "Not Found", NULL);
	}
}

static void conn_readable(struct srv *s, struct srv_http_conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->head_len == SRV_HTTP_HEAD_MAX) {
			respond_text(s, c, 431, "Request Header Fields Too Large", NULL);
			return;
		}
		n = recv(c->fd, c->head + c->head_len, SRV_HTTP_HEAD_MAX - c->head_len,
			 MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_kill(c);
			return;
		}
		if (n == 0) {
			conn_kill(c);
			return;
		}
		c->head_len += (size_t)n;
		c->head[c->head_len] = '\0';
		if (strstr(c->head, "\r\n\r\n") || strstr(c->head, "\n\n")) {
			handle_request(s, c);
			return;
		}
	}
}

static void accept_conns(struct srv *s, struct srv_http *h)
{
	int i;

	for (i = 0; i < 16; i++) {
		struct srv_http_conn *c;
		struct epoll_event ev;
		int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		if (h->n_conns >= SRV_HTTP_MAX_CONNS) {
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->src.kind = SRV_SRC_HTTP_CONN;
		c->fd = fd;
		c->deadline_ns = base_now_ns() + (uint64_t)SRV_HTTP_TIMEOUT_MS * 1000000;
		ev.events = EPOLLIN;
		ev.data.ptr = &c->src;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = h->conns;
		if (h->conns)
			h->conns->prev = c;
		h->conns = c;
		h->n_conns++;
	}
}

void srv_http_event(struct srv *s, struct srv_src *src, uint32_t events)
{
	struct srv_http_conn *c;

	if (!s->http)
		return;
	if (src->kind == SRV_SRC_HTTP_LISTEN) {
		accept_conns(s, s->http);
		return;
	}
	c = (struct srv_http_conn *)src;
	if (c->dead)
		return;
	if (c->writing && (events & EPOLLOUT))
		conn_flush(s, c);
	else if (c->lingering && (events & (EPOLLIN | EPOLLHUP)))
		conn_drain(c);
	else if (!c->writing && !c->lingering && (events & EPOLLIN))
		conn_readable(s, c);
	if (events & EPOLLERR)
		conn_kill(c);
}

int srv_http_expire(struct srv *s, uint64_t now_ns)
{
	struct srv_http_conn *c;
	uint64_t next = UINT64_MAX;

	if (!s->http)
		return -1;
	for (c = s->http->conns; c; c = c->next) {
		if (c->dead)
			continue;
		if (now_ns >= c->deadline_ns)
			conn_kill(c);
		else if (c->deadline_ns < next)
			next = c->deadline_ns;
	}
	srv_http_reap(s);
	return next == UINT64_MAX ? -1 : (int)((next - now_ns) / 1000000) + 1;
}

void srv_http_reap(struct srv *s)
{
	struct srv_http_conn *c, *next;

	if (!s->http)
		return;
	for (c = s->http->conns; c; c = next) {
		next = c->next;
		if (!c->dead)
			continue;
		if (c->prev)
			c->prev->next = c->next;
		else
			s->http->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		s->http->n_conns--;
		close(c->fd);
		buf_deinit(&c->out);
		free(c);
	}
}

void srv_http_close(struct srv *s)
{
	struct srv_http_conn *c;

	if (!s->http)
		return;
	for (c = s->http->conns; c; c = c->next)
		c->dead = true;
	srv_http_reap(s);
	close(s->http->fd);
	free(s->http);
	s->http = NULL;
}
