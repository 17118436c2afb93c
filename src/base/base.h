/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base: leaf utilities shared by every module (no project dependencies).
 *
 *  - checked allocation helpers that never abort on guest-driven sizes
 *  - an arena (bump allocator with chunk list) for per-module data
 *  - a growable byte buffer
 *  - logging (pvlog) with a pluggable sink
 *  - the system-code error convention: int return, 0 or -errno, with
 *    optional context in a caller-provided struct pvf_err
 *  - whole-file reading
 */
#ifndef PVF_BASE_H
#define PVF_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BASE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BASE_UNUSED __attribute__((unused))
#define BASE_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Always-on assertion: aborts with file and line. For programmer errors only,
 * never for guest behaviour. */
#define PVF_ASSERT(x)                                                          \
	do {                                                                   \
		if (!(x))                                                      \
			base_assert_fail(#x, __FILE__, __LINE__);              \
	} while (0)
_Noreturn void base_assert_fail(const char *expr, const char *file, int line);

/* ---- errors for system-facing code ------------------------------------ */

struct pvf_err {
	int err;        /* negative errno, or 0 */
	char msg[192];  /* lowercase, no full stop: "open `x`: No such file" */
};

/* Sets err (if non-NULL) and returns code (a negative errno), so callers can
 * write `return pvf_err_set(err, -errno, "open `%s`", path);`. */
int pvf_err_set(struct pvf_err *err, int code, const char *fmt, ...) BASE_PRINTF(3, 4);

/* ---- allocation ------------------------------------------------------- */

/* Plain wrappers returning NULL on failure (never abort). n*size overflow
 * returns NULL. */
void *base_calloc(size_t n, size_t size);
void *base_reallocarray(void *p, size_t n, size_t size);

/* ---- arena ------------------------------------------------------------ */

/* A bump allocator: memory comes from chunks released all at once by
 * arena_deinit(). Allocation failure returns NULL. Memory is zeroed. */
struct arena {
	struct arena_chunk *head;
	size_t total;      /* bytes obtained from malloc, for accounting */
	size_t limit;      /* 0 = unlimited; otherwise allocation beyond fails */
};
#define ARENA_INIT {NULL, 0, 0}

void *arena_alloc(struct arena *a, size_t size);
void *arena_alloc_array(struct arena *a, size_t n, size_t size);
/* Copies len bytes into the arena (NUL-terminated for convenience). */
char *arena_memdup(struct arena *a, const void *p, size_t len);
void arena_deinit(struct arena *a);

/* ---- growable buffer -------------------------------------------------- */

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};
#define BUF_INIT {NULL, 0, 0}

/* All return 0 or -ENOMEM. */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t len);
int buf_append_byte(struct buf *b, uint8_t byte);
int buf_printf(struct buf *b, const char *fmt, ...) BASE_PRINTF(2, 3);
void buf_deinit(struct buf *b);
/* Takes the data out of the buffer; caller owns it (free()). */
uint8_t *buf_steal(struct buf *b, size_t *len);

/* ---- files ------------------------------------------------------------ */

/* Reads the whole file at path into a new malloc'd buffer (caller frees).
 * max_size bounds the read; a larger file fails with -EFBIG. */
int base_read_file(const char *path, size_t max_size, uint8_t **out, size_t *out_len,
		   struct pvf_err *err);

/* ---- hex -------------------------------------------------------------- */

/* Writes 2*len hex chars + NUL into out (must hold 2*len+1). */
void base_hex_encode(const uint8_t *p, size_t len, char *out);
/* Decodes hex (optional 0x prefix, even length). Returns 0 or -EINVAL;
 * *out is malloc'd (caller frees). */
int base_hex_decode(const char *s, size_t slen, uint8_t **out, size_t *out_len);

/* ---- logging ---------------------------------------------------------- */

enum pvlog_level {
	PVLOG_ERROR = 1,
	PVLOG_WARN = 2,
	PVLOG_INFO = 3,
	PVLOG_DEBUG = 4,
	PVLOG_TRACE = 5,
};

typedef void (*pvlog_sink_fn)(void *ctx, enum pvlog_level level, const char *subsys,
			      const char *msg);

extern enum pvlog_level pvlog_max_level;

/* Installs a sink (NULL restores the default stderr sink). */
void pvlog_set_sink(pvlog_sink_fn fn, void *ctx);
void pvlog(enum pvlog_level level, const char *subsys, const char *fmt, ...) BASE_PRINTF(3, 4);
const char *pvlog_level_name(enum pvlog_level level);

/* The level check happens before the arguments are evaluated. */
#define PVLOG_AT(lvl, subsys, ...)                                             \
	do {                                                                   \
		if ((lvl) <= pvlog_max_level)                                  \
			pvlog((lvl), (subsys), __VA_ARGS__);                   \
	} while (0)
#define PVLOG_ERR(subsys, ...) PVLOG_AT(PVLOG_ERROR, subsys, __VA_ARGS__)
#define PVLOG_WARN(subsys, ...) PVLOG_AT(PVLOG_WARN, subsys, __VA_ARGS__)
#define PVLOG_INFO(subsys, ...) PVLOG_AT(PVLOG_INFO, subsys, __VA_ARGS__)
#define PVLOG_DEBUG(subsys, ...) PVLOG_AT(PVLOG_DEBUG, subsys, __VA_ARGS__)

/* ---- time ------------------------------------------------------------- */

uint64_t base_now_ns(void);        /* CLOCK_MONOTONIC */
uint64_t base_cpu_ns(void);        /* CLOCK_PROCESS_CPUTIME_ID */

#endif /* PVF_BASE_H */
