/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve.h: internals of `pvf serve` (docs/service.md), shared by
 *   cmd_serve.c   options, the epoll loop, clients, signals, shutdown
 *   serve_proto.c the request protocol (JSON lines) over the host API
 *   serve_http.c  the HTTP responder for /metrics and /health
 *
 * Everything runs on one thread: the loop waits on one epoll set holding
 * the Unix listening socket, the clients, a signalfd, the host's pollable
 * fd and the HTTP sockets.
 */
#ifndef PVF_TOOLS_SERVE_H
#define PVF_TOOLS_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <pvf/pvf.h>

#include "base/base.h"

#define SRV_PROTOCOL_VERSION 1

/* What an epoll event's data.ptr points to: the first member of each
 * watched object. */
enum srv_src_kind {
	SRV_SRC_LISTEN,
	SRV_SRC_CLIENT,
	SRV_SRC_SIGNAL,
	SRV_SRC_HOST,
	SRV_SRC_HTTP_LISTEN,
	SRV_SRC_HTTP_CONN,
};

struct srv_src {
	enum srv_src_kind kind;
};

struct srv_pending;

/* One connection on the Unix socket. Freed only at the end of a loop round
 * (after `dead` is set), so events and callbacks of the same round still
 * find it. */
struct srv_client {
	struct srv_src src;
	struct srv *s;
	int fd;
	uint64_t cid;               /* for the log */
	struct buf in;              /* bytes read, not yet handled */
	size_t scanned;             /* prefix of in known to hold no newline */
	bool discarding;            /* skipping the rest of an oversized line */
	struct buf out;             /* answers not yet written */
	size_t out_off;
	int version;                /* 0 until the hello */
	bool read_closed;           /* EOF: answer what is pending, then close */
	bool dead;                  /* closing at the end of the round */
	uint32_t events;            /* registered epoll events */
	unsigned inflight;          /* requests submitted to the host */
	struct srv_pending *pending;/* those requests (doubly linked) */
	struct srv_client *prev, *next;
};

/* A request submitted to the host. Owned by itself: freed by its callback
 * or when pvf_cancel() succeeds. c is NULL once the client is gone (the
 * answer is then dropped). */
struct srv_pending {
	struct srv *s;
	struct srv_client *c;
	json_t *id;                 /* the request's "id" (a reference) */
	uint64_t host_id;           /* for pvf_cancel() */
	uint64_t t0;
	uint8_t code_hash[PVF_HASH_LEN];
	struct srv_pending *prev, *next;
};

/* Code blobs seen in requests, by code hash, so that later requests can
 * name the code by its hash. Least recently used first out. */
struct srv_code {
	uint8_t hash[PVF_HASH_LEN];
	uint8_t *code;
	size_t len;
	uint64_t last_use;
	struct srv_code *next;
};

struct srv_http;

struct srv_opts {
	const char *socket_path;
	const char *cache_dir;
	const char *metrics_addr;   /* NULL: no HTTP */
	const char *worker_dir;
	unsigned prep_workers;      /* hard maximum; soft = max(1, n - 1) */
	unsigned exec_workers;
	enum pvf_log_level log_level;
	bool secure;
	unsigned max_clients;
	size_t max_request;         /* bytes of one request line */
	unsigned max_pending;       /* per client, before reading pauses */
	size_t out_high;            /* per client: unsent bytes that pause reading */
	size_t code_cache_bytes;
	uint64_t shutdown_timeout_ms;
	unsigned socket_mode;
};

struct srv {
	struct srv_opts o;
	struct pvf_host *h;
	int ep;
	int lfd, sfd;
	struct srv_src listen_src, signal_src, host_src;
	bool socket_created;
	dev_t sock_dev;
	ino_t sock_ino;

	struct srv_client *clients;
	unsigned n_clients;
	uint64_t next_cid;
	unsigned inflight;          /* pending requests, orphans included */

	struct srv_code *codes;
	size_t code_bytes;
	uint64_t code_tick;

	struct srv_http *http;

	bool stopping;
	uint64_t stop_deadline_ns;
	uint64_t start_ns;
	uint64_t requests_total, errors_total, dropped_total, cancelled_total;
};

/* Log lines on stderr: "pvf serve: LEVEL: text". */
void srv_log(const struct srv *s, enum pvf_log_level level, const char *fmt, ...)
	BASE_PRINTF(3, 4);

/* Queues j (consumed) as one line to c and tries to write it. A client
 * that is dead gets nothing (j is still consumed). */
void srv_client_send(struct srv_client *c, json_t *j);
/* An error answer: {"id", "ok": false, "error": {"code", "message"}}. */
void srv_send_error(struct srv_client *c, const json_t *id, const char *code,
		    const char *fmt, ...) BASE_PRINTF(4, 5);

/* The health document (/health and the "status" request). New reference. */
json_t *srv_status_json(struct srv *s);

/* serve_proto.c: handles one request line (without its newline). */
void srv_handle_line(struct srv *s, struct srv_client *c, const char *line, size_t len);
/* Removes a dead client's pending requests: cancels what can be cancelled,
 * orphans the rest (their answers are dropped). */
void srv_drop_pending(struct srv *s, struct srv_client *c);
void srv_codes_free(struct srv *s);

/* serve_http.c */
/* Binds ADDR:PORT ("127.0.0.1:0", "[::1]:9615") and listens; the bound
 * address goes to bound. 0 or a negative errno (message in err). */
int srv_http_open(struct srv *s, const char *addr, char *bound, size_t bound_len,
		  struct pvf_err *err);
void srv_http_event(struct srv *s, struct srv_src *src, uint32_t events);
/* Closes connections past their deadline; returns the milliseconds until
 * the next deadline, or -1 if none. */
int srv_http_expire(struct srv *s, uint64_t now_ns);
/* Frees connections closed during the round. */
void srv_http_reap(struct srv *s);
void srv_http_close(struct srv *s);

#endif /* PVF_TOOLS_SERVE_H */
