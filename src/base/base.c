/* SPDX-License-Identifier: Apache-2.0 */
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

_Noreturn void base_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "pvf: assertion failed: %s (%s:%d)\n", expr, file, line);
	abort();
}

int pvf_err_set(struct pvf_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err)
		return code;
	err->err = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (code < 0 && n + 3 < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(-code));
	return code;
}

void *base_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *base_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return realloc(p, n * size != 0 ? n * size : 1);
}

/* ---- arena ------------------------------------------------------------ */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	size_t size;
	_Alignas(16) uint8_t data[];
};

#define ARENA_CHUNK_MIN (64 * 1024)

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c = a->head;
	size_t aligned = (size + 15) & ~(size_t)15;
	size_t csize;
	void *p;

	if (aligned < size)
		return NULL;
	if (!c || c->size - c->used < aligned) {
		csize = aligned > ARENA_CHUNK_MIN ? aligned : ARENA_CHUNK_MIN;
		if (csize > SIZE_MAX - sizeof(*c))
			return NULL;
		if (a->limit && a->total + csize > a->limit)
			return NULL;
		c = calloc(1, sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->size = csize;
		a->total += csize;
		if (a->head && aligned > ARENA_CHUNK_MIN) {
			/* Big one-off block: keep the current chunk in front. */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = c->data + c->used;
	c->used += aligned;
	return p;
}

void *arena_alloc_array(struct arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return arena_alloc(a, n * size);
}

char *arena_memdup(struct arena *a, const void *p, size_t len)
{
	char *d;

	if (len == SIZE_MAX)
		return NULL;
	d = arena_alloc(a, len + 1);
	if (d && len)
		memcpy(d, p, len);
	return d;
}

void arena_deinit(struct arena *a)
{
	struct arena_chunk *c = a->head, *next;

	while (c) {
		next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->total = 0;
}

/* ---- buf -------------------------------------------------------------- */

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *d;

	if (extra > SIZE_MAX - b->len)
		return -ENOMEM;
	need = b->len + extra;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	d = realloc(b->data, cap);
	if (!d)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t len)
{
	int ret = buf_reserve(b, len);

	if (ret < 0)
		return ret;
	if (len)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	return 0;
}

int buf_append_byte(struct buf *b, uint8_t byte)
{
	return buf_append(b, &byte, 1);
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, ret;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	ret = buf_reserve(b, (size_t)n + 1);
	if (ret < 0)
		return ret;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void buf_deinit(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

uint8_t *buf_steal(struct buf *b, size_t *len)
{
	uint8_t *d = b->data;

	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

/* ---- files ------------------------------------------------------------ */

int base_read_file(const char *path, size_t max_size, uint8_t **out, size_t *out_len,
		   struct pvf_err *err)
{
	struct buf b = BUF_INIT;
	int fd, ret;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pvf_err_set(err, -errno, "open `%s`", path);
	for (;;) {
		ret = buf_reserve(&b, 65536);
		if (ret < 0) {
			pvf_err_set(err, ret, "read `%s`", path);
			goto out_free;
		}
		n = read(fd, b.data + b.len, b.cap - b.len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = pvf_err_set(err, -errno, "read `%s`", path);
			goto out_free;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > max_size) {
			ret = pvf_err_set(err, -EFBIG, "read `%s` (limit %zu bytes)", path, max_size);
			goto out_free;
		}
	}
	*out = buf_steal(&b, out_len);
	ret = 0;
	goto out_close;
out_free:
	buf_deinit(&b);
out_close:
	close(fd);
	return ret;
}

/* ---- hex -------------------------------------------------------------- */

void base_hex_encode(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int base_hex_decode(const char *s, size_t slen, uint8_t **out, size_t *out_len)
{
	uint8_t *d;
	size_t i, n;

	if (slen >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		slen -= 2;
	}
	if (slen % 2)
		return -EINVAL;
	n = slen / 2;
	d = malloc(n ? n : 1);
	if (!d)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(d);
			return -EINVAL;
		}
		d[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = d;
	*out_len = n;
	return 0;
}

/* ---- logging ---------------------------------------------------------- */

enum pvlog_level pvlog_max_level = PVLOG_WARN;
static pvlog_sink_fn log_sink;
static void *log_sink_ctx;

void pvlog_set_sink(pvlog_sink_fn fn, void *ctx)
{
	log_sink = fn;
	log_sink_ctx = ctx;
}

const char *pvlog_level_name(enum pvlog_level level)
{
	switch (level) {
	case PVLOG_ERROR: return "error";
	case PVLOG_WARN: return "warn";
	case PVLOG_INFO: return "info";
	case PVLOG_DEBUG: return "debug";
	case PVLOG_TRACE: return "trace";
	default: return "?";
	}
}

void pvlog(enum pvlog_level level, const char *subsys, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_sink)
		log_sink(log_sink_ctx, level, subsys, msg);
	else
		fprintf(stderr, "pvf %s [%s] %s\n", pvlog_level_name(level), subsys, msg);
}

/* ---- time ------------------------------------------------------------- */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t base_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t base_cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}
