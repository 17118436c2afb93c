/* SPDX-License-Identifier: Apache-2.0 */
/* Host <-> worker messages: framing and SCALE encode/decode (see proto.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

#define NS_PER_SEC 1000000000ull

/* ---- encoder with a latched error --------------------------------------- */

struct enc {
	struct buf *b;
	int err;
};

static void e_u8(struct enc *e, uint8_t v)
{
	if (!e->err)
		e->err = scale_put_u8(e->b, v);
}

static void e_u32(struct enc *e, uint32_t v)
{
	if (!e->err)
		e->err = scale_put_u32(e->b, v);
}

static void e_u64(struct enc *e, uint64_t v)
{
	if (!e->err)
		e->err = scale_put_u64(e->b, v);
}

static void e_bool(struct enc *e, bool v)
{
	e_u8(e, v ? 1 : 0);
}

static void e_fixed(struct enc *e, const void *p, size_t len)
{
	if (!e->err)
		e->err = scale_put_fixed(e->b, p, len);
}

static void e_bytes(struct enc *e, struct scale_slice s)
{
	if (!e->err)
		e->err = scale_put_bytes(e->b, s.data, s.len);
}

/* String: a peer decodes strictly, so bytes that are not UTF-8 are replaced
 * by '?' rather than making the whole message undecodable. */
static void e_str(struct enc *e, struct scale_slice s)
{
	size_t i, start;

	if (e->err)
		return;
	if (scale_utf8_valid(s.data, s.len)) {
		e_bytes(e, s);
		return;
	}
	e->err = scale_put_compact(e->b, s.len);
	start = e->b->len;
	if (!e->err)
		e->err = buf_append(e->b, s.data, s.len);
	if (e->err)
		return;
	for (i = 0; i < s.len; i++)
		if (e->b->data[start + i] >= 0x80)
			e->b->data[start + i] = '?';
}

static void e_dur(struct enc *e, uint64_t ns)
{
	e_u64(e, ns / NS_PER_SEC);
	e_u32(e, (uint32_t)(ns % NS_PER_SEC));
}

static void e_opt_str(struct enc *e, bool some, struct scale_slice s)
{
	e_u8(e, some ? 1 : 0);
	if (some)
		e_str(e, s);
}

/* ---- decoder helpers ---------------------------------------------------- */

static void d_dur(struct scale_reader *r, uint64_t *ns)
{
	uint64_t secs = 0;
	uint32_t nanos = 0;

	scale_read_u64(r, &secs);
	scale_read_u32(r, &nanos);
	if (r->err)
		return;
	/* parity-scale-codec refuses nanos >= 10^9 */
	if (nanos >= NS_PER_SEC) {
		scale_fail(r, SCALE_ERR_RANGE);
		return;
	}
	/* we carry durations as u64 nanoseconds (584 years): longer ones are
	 * refused rather than silently clamped */
	if (secs > (UINT64_MAX - nanos) / NS_PER_SEC) {
		scale_fail(r, SCALE_ERR_RANGE);
		return;
	}
	*ns = secs * NS_PER_SEC + nanos;
}

static void d_i32(struct scale_reader *r, int32_t *v)
{
	uint32_t u = 0;

	scale_read_u32(r, &u);
	*v = (int32_t)u;
}

static void d_enum(struct scale_reader *r, unsigned max, unsigned *v)
{
	uint8_t t = 0;

	if (scale_read_u8(r, &t))
		return;
	if (t > max)
		scale_fail(r, SCALE_ERR_TAG);
	*v = t;
}

static void d_opt_str(struct scale_reader *r, bool *some, struct scale_slice *s)
{
	if (scale_read_option(r, some))
		return;
	if (*some)
		scale_read_str(r, s);
}

/* Starts decoding a payload of the given type. */
static void d_begin(struct scale_reader *r, struct scale_slice payload, enum proto_msg type)
{
	uint8_t t = 0;

	scale_reader_init(r, payload.data, payload.len);
	if (scale_read_u8(r, &t) == SCALE_OK && t != type)
		scale_fail(r, SCALE_ERR_TAG);
}

static int d_end(struct scale_reader *r)
{
	return scale_expect_end(r) == SCALE_OK ? 0 : -EBADMSG;
}

/* ---- framing ------------------------------------------------------------ */

int proto_frame_begin(struct buf *b, enum proto_msg type, size_t *start)
{
	static const uint8_t zero[PROTO_FRAME_HDR];
	int ret;

	*start = b->len;
	ret = buf_append(b, zero, sizeof(zero));
	if (!ret)
		ret = buf_append_byte(b, (uint8_t)type);
	return ret;
}

int proto_frame_end(struct buf *b, size_t start)
{
	size_t len = b->len - start - PROTO_FRAME_HDR;

	if (len > PROTO_FRAME_MAX)
		return -EMSGSIZE;
	b->data[start] = (uint8_t)len;
	b->data[start + 1] = (uint8_t)(len >> 8);
	b->data[start + 2] = (uint8_t)(len >> 16);
	b->data[start + 3] = (uint8_t)(len >> 24);
	return 0;
}

/* Finishes an encoder: patches the frame, or drops the partial frame. */
static int enc_finish(struct enc *e, size_t start)
{
	if (!e->err)
		e->err = proto_frame_end(e->b, start);
	if (e->err)
		e->b->len = start;
	return e->err;
}

static int enc_begin(struct enc *e, struct buf *b, enum proto_msg type, size_t *start)
{
	e->b = b;
	e->err = proto_frame_begin(b, type, start);
	return e->err;
}

void proto_rx_init(struct proto_rx *rx, size_t max)
{
	struct buf empty = BUF_INIT;

	rx->buf = empty;
	rx->head = 0;
	rx->max = max;
}

void proto_rx_deinit(struct proto_rx *rx)
{
	buf_deinit(&rx->buf);
	rx->head = 0;
}

size_t proto_rx_pending(const struct proto_rx *rx)
{
	return rx->buf.len - rx->head;
}

uint8_t *proto_rx_space(struct proto_rx *rx, size_t want, size_t *avail)
{
	struct buf *b = &rx->buf;

	if (rx->head == b->len) {
		b->len = 0;
		rx->head = 0;
	} else if (rx->head > 0 && b->cap - b->len < want) {
		memmove(b->data, b->data + rx->head, b->len - rx->head);
		b->len -= rx->head;
		rx->head = 0;
	}
	if (buf_reserve(b, want))
		return NULL;
	*avail = b->cap - b->len;
	return b->data + b->len;
}

void proto_rx_commit(struct proto_rx *rx, size_t n)
{
	PVF_ASSERT(n <= rx->buf.cap - rx->buf.len);
	rx->buf.len += n;
}

int proto_rx_feed(struct proto_rx *rx, const void *p, size_t len)
{
	size_t avail = 0;
	uint8_t *dst;

	if (!len)
		return 0;
	dst = proto_rx_space(rx, len, &avail);
	if (!dst)
		return -ENOMEM;
	memcpy(dst, p, len);
	proto_rx_commit(rx, len);
	return 0;
}

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

enum proto_rx_status proto_rx_next(struct proto_rx *rx, struct scale_slice *payload)
{
	const uint8_t *p = rx->buf.data + rx->head;
	size_t have = proto_rx_pending(rx);
	uint32_t len;

	if (have < PROTO_FRAME_HDR)
		return PROTO_RX_MORE;
	len = load_le32(p);
	if (len == 0 || len > rx->max)
		return PROTO_RX_BAD;
	if (have - PROTO_FRAME_HDR < len)
		return PROTO_RX_MORE;
	payload->data = p + PROTO_FRAME_HDR;
	payload->len = len;
	rx->head += PROTO_FRAME_HDR + len;
	return PROTO_RX_FRAME;
}

int proto_write_all(int fd, const void *p, size_t len)
{
	const uint8_t *c = p;

	while (len) {
		ssize_t n = write(fd, c, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly len bytes; -EPIPE if EOF comes before any byte, -EBADMSG if
 * EOF comes in the middle. */
static int read_exact(int fd, uint8_t *p, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return got ? -EBADMSG : -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

int proto_read_frame(int fd, size_t max, struct buf *out)
{
	uint8_t hdr[PROTO_FRAME_HDR];
	uint32_t len;
	int ret;

	out->len = 0;
	ret = read_exact(fd, hdr, sizeof(hdr));
	if (ret)
		return ret;
	len = load_le32(hdr);
	if (len == 0 || len > max)
		return -EBADMSG;
	ret = buf_reserve(out, len);
	if (ret)
		return ret;
	ret = read_exact(fd, out->data, len);
	if (ret)
		return ret == -EPIPE ? -EBADMSG : ret;
	out->len = len;
	return 0;
}

int proto_msg_type(struct scale_slice payload)
{
	if (!payload.len)
		return -EBADMSG;
	return payload.data[0];
}

/* ---- handshake ---------------------------------------------------------- */

static void e_security(struct enc *e, const struct proto_security *s)
{
	e_bool(e, s->secure_validator_mode);
	e_bool(e, s->can_enable_landlock);
	e_bool(e, s->can_enable_seccomp);
	e_bool(e, s->can_unshare_user_namespace_and_change_root);
	e_bool(e, s->can_do_secure_clone);
}

int proto_encode_hello(struct buf *b, const struct proto_hello *m)
{
	struct enc e;
	size_t start;

	if (enc_begin(&e, b, PROTO_MSG_HELLO, &start))
		return e.err;
	e_u32(&e, PROTO_MAGIC);
	e_u32(&e, m->version);
	e_u8(&e, (uint8_t)m->kind);
	e_str(&e, m->node_version);
	e_security(&e, &m->security);
	e_bytes(&e, m->executor_params);
	return enc_finish(&e, start);
}

/* Magic and version come first so that a peer speaking another version is
 * told apart from garbage: -EPROTO for a wrong magic, -EPROTONOSUPPORT (with
 * *version set) for another version. */
static int d_magic_version(struct scale_reader *r, uint32_t *version)
{
	uint32_t magic = 0;

	scale_read_u32(r, &magic);
	scale_read_u32(r, version);
	if (r->err)
		return -EBADMSG;
	if (magic != PROTO_MAGIC)
		return -EPROTO;
	if (*version != PROTO_VERSION)
		return -EPROTONOSUPPORT;
	return 0;
}

int proto_decode_hello(struct scale_slice payload, struct proto_hello *m)
{
	struct scale_reader r;
	unsigned kind = 0;
	int ret;

	memset(m, 0, sizeof(*m));
	d_begin(&r, payload, PROTO_MSG_HELLO);
	ret = d_magic_version(&r, &m->version);
	if (ret)
		return ret;
	d_enum(&r, PROTO_WORKER_EXECUTE, &kind);
	m->kind = (enum proto_worker_kind)kind;
	scale_read_str(&r, &m->node_version);
	scale_read_bool(&r, &m->security.secure_validator_mode);
	scale_read_bool(&r, &m->security.can_enable_landlock);
	scale_read_bool(&r, &m->security.can_enable_seccomp);
	scale_read_bool(&r, &m->security.can_unshare_user_namespace_and_change_root);
	scale_read_bool(&r, &m->security.can_do_secure_clone);
	scale_read_bytes(&r, &m->executor_params);
	return d_end(&r);
}

int proto_encode_hello_ack(struct buf *b, const struct proto_hello_ack *m)
{
	struct enc e;
	size_t start;

	if (enc_begin(&e, b, PROTO_MSG_HELLO_ACK, &start))
		return e.err;
	e_u32(&e, PROTO_MAGIC);
	e_u32(&e, m->version);
	e_u8(&e, (uint8_t)m->kind);
	e_str(&e, m->worker_version);
	e_u32(&e, m->pid);
	return enc_finish(&e, start);
}

int proto_decode_hello_ack(struct scale_slice payload, struct proto_hello_ack *m)
{
	struct scale_reader r;
	unsigned kind = 0;
	int ret;

	memset(m, 0, sizeof(*m));
	d_begin(&r, payload, PROTO_MSG_HELLO_ACK);
	ret = d_magic_version(&r, &m->version);
	if (ret)
		return ret;
	d_enum(&r, PROTO_WORKER_EXECUTE, &kind);
	m->kind = (enum proto_worker_kind)kind;
	scale_read_str(&r, &m->worker_version);
	scale_read_u32(&r, &m->pid);
	return d_end(&r);
}

/* ---- preparation -------------------------------------------------------- */

int proto_encode_prepare_req(struct buf *b, const struct proto_prepare_req *m)
{
	struct enc e;
	size_t start;

	if (enc_begin(&e, b, PROTO_MSG_PREPARE_REQ, &start))
		return e.err;
	e_bytes(&e, m->code);
	e_u32(&e, m->bomb_limit);
	e_fixed(&e, m->code_hash, PROTO_HASH_LEN);
	e_bytes(&e, m->executor_params);
	e_dur(&e, m->timeout_ns);
	e_u8(&e, (uint8_t)m->kind);
	return enc_finish(&e, start);
}

int proto_decode_prepare_req(struct scale_slice payload, struct proto_prepare_req *m)
{
	struct scale_reader r;
	unsigned kind = 0;

	memset(m, 0, sizeof(*m));
	d_begin(&r, payload, PROTO_MSG_PREPARE_REQ);
	scale_read_bytes(&r, &m->code);
	scale_read_u32(&r, &m->bomb_limit);
	scale_read_array(&r, m->code_hash, PROTO_HASH_LEN);
	scale_read_bytes(&r, &m->executor_params);
	d_dur(&r, &m->timeout_ns);
	d_enum(&r, PROTO_PREP_PRECHECKING, &kind);
	m->kind = (enum proto_prep_kind)kind;
	return d_end(&r);
}

static void e_prep_error(struct enc *e, const struct proto_prep_error *err)
{
	e_u8(e, (uint8_t)err->kind);
	switch (err->kind) {
	case PROTO_PREP_ERR_TIMED_OUT:
	case PROTO_PREP_ERR_OUT_OF_MEMORY:
		break;
	case PROTO_PREP_ERR_RENAME_TMP_FILE:
		e_str(e, err->msg);
		e_opt_str(e, err->has_src, err->src);
		e_opt_str(e, err->has_dest, err->dest);
		break;
	case PROTO_PREP_ERR_JOB_DIED:
		e_str(e, err->msg);
		e_u32(e, (uint32_t)err->job_pid);
		break;
	case PROTO_PREP_ERR_PREVALIDATION:
	case PROTO_PREP_ERR_PREPARATION:
	case PROTO_PREP_ERR_RUNTIME_CONSTRUCTION:
	case PROTO_PREP_ERR_JOB_ERROR:
	case PROTO_PREP_ERR_IO:
	case PROTO_PREP_ERR_CREATE_TMP_FILE:
	case PROTO_PREP_ERR_CLEAR_WORKER_DIR:
	case PROTO_PREP_ERR_KERNEL:
	case PROTO_PREP_ERR_DECOMPRESS:
		e_str(e, err->msg);
		break;
	default:
		if (!e->err)
			e->err = -EINVAL;
		break;
	}
}

static void d_prep_error(struct scale_reader *r, struct proto_prep_error *err)
{
	unsigned kind = 0;

	memset(err, 0, sizeof(*err));
	d_enum(r, PROTO_PREP_ERR_COUNT - 1, &kind);
	if (r->err)
		return;
	err->kind = (enum proto_prep_err)kind;
	switch (err->kind) {
	case PROTO_PREP_ERR_TIMED_OUT:
	case PROTO_PREP_ERR_OUT_OF_MEMORY:
		break;
	case PROTO_PREP_ERR_RENAME_TMP_FILE:
		scale_read_str(r, &err->msg);
		d_opt_str(r, &err->has_src, &err->src);
		d_opt_str(r, &err->has_dest, &err->dest);
		break;
	case PROTO_PREP_ERR_JOB_DIED:
		scale_read_str(r, &err->msg);
		d_i32(r, &err->job_pid);
		break;
	default:
		scale_read_str(r, &err->msg);
		break;
	}
}

int proto_encode_prepare_res(struct buf *b, const struct proto_prepare_res *m)
{
	const struct proto_memory_stats *ms = &m->stats.mem;
	struct enc e;
	size_t start;

	if (enc_begin(&e, b, PROTO_MSG_PREPARE_RES, &start))
		return e.err;
	e_u8(&e, m->ok ? 0 : 1);
	if (m->ok) {
		e_fixed(&e, m->checksum, PROTO_CHECKSUM_LEN);
		e_dur(&e, m->stats.cpu_ns);
		e_u8(&e, ms->has_tracker ? 1 : 0);
		if (ms->has_tracker) {
			e_u64(&e, ms->resident);
			e_u64(&e, ms->allocated);
		}
		e_u8(&e, ms->has_max_rss ? 1 : 0);
		if (ms->has_max_rss)
			e_u64(&e, (uint64_t)ms->max_rss);
		e_u64(&e, ms->peak_tracked_alloc);
		e_u32(&e, m->stats.observed_wasm_code_len);
	} else {
		e_prep_error(&e, &m->err);
	}
	return enc_finish(&e, start);
}

int proto_decode_prepare_res(struct scale_slice payload, struct proto_prepare_res *m)
{
	struct proto_memory_stats *ms = &m->stats.mem;
	struct scale_reader r;
	uint64_t rss = 0;
	unsigned res = 0;

	memset(m, 0, sizeof(*m));
	d_begin(&r, payload, PROTO_MSG_PREPARE_RES);
	d_enum(&r, 1, &res);
	if (r.err)
		return -EBADMSG;
	m->ok = res == 0;
	if (m->ok) {
		scale_read_array(&r, m->checksum, PROTO_CHECKSUM_LEN);
		d_dur(&r, &m->stats.cpu_ns);
		scale_read_option(&r, &ms->has_tracker);
		if (ms->has_tracker) {
			scale_read_u64(&r, &ms->resident);
			scale_read_u64(&r, &ms->allocated);
		}
		scale_read_option(&r, &ms->has_max_rss);
		if (ms->has_max_rss) {
			scale_read_u64(&r, &rss);
			ms->max_rss = (int64_t)rss;
		}
		scale_read_u64(&r, &ms->peak_tracked_alloc);
		scale_read_u32(&r, &m->stats.observed_wasm_code_len);
	} else {
		d_prep_error(&r, &m->err);
	}
	return d_end(&r);
}

/* ---- execution ---------------------------------------------------------- */

int proto_encode_execute_req(struct buf *b, const struct proto_execute_req *m)
{
	struct enc e;
	size_t start;

	if (enc_begin(&e, b, PROTO_MSG_EXECUTE_REQ, &start))
		return e.err;
	e_bytes(&e, m->pvd.parent_head);
	e_u32(&e, m->pvd.relay_parent_number);
	e_fixed(&e, m->pvd.relay_parent_storage_root, PROTO_HASH_LEN);
	e_u32(&e, m->pvd.max_pov_size);
	e_bytes(&e, m->pov);
	e_dur(&e, m->timeout_ns);
	e_fixed(&e, m->artifact_checksum, PROTO_CHECKSUM_LEN);
	return enc_finish(&e, start);
}

int proto_decode_execute_req(struct scale_slice payload, struct proto_execute_req *m)
{
	struct scale_reader r;

	memset(m, 0, sizeof(*m));
	d_begin(&r, payload, PROTO_MSG_EXECUTE_REQ);
	scale_read_bytes(&r, &m->pvd.parent_head);
	scale_read_u32(&r, &m->pvd.relay_parent_number);
	scale_read_array(&r, m->pvd.relay_parent_storage_root, PROTO_HASH_LEN);
	scale_read_u32(&r, &m->pvd.max_pov_size);
	scale_read_bytes(&r, &m->pov);
	d_dur(&r, &m->timeout_ns);
	scale_read_array(&r, m->artifact_checksum, PROTO_CHECKSUM_LEN);
	return d_end(&r);
}

static void e_worker_err(struct enc *e, const struct proto_execute_res *m)
{
	e_u8(e, (uint8_t)m->werr);
	switch (m->werr) {
	case PROTO_WERR_JOB_TIMED_OUT:
		break;
	case PROTO_WERR_JOB_DIED:
		e_str(e, m->msg);
		e_u32(e, (uint32_t)m->job_pid);
		break;
	case PROTO_WERR_JOB_ERROR:
		e_u8(e, (uint8_t)m->jerr);
		if (m->jerr == PROTO_JERR_EXIT_STATUS)
			e_u32(e, (uint32_t)m->exit_status);
		else if (m->jerr != PROTO_JERR_TIMED_OUT)
			e_str(e, m->msg);
		break;
	case PROTO_WERR_INTERNAL:
		e_u8(e, (uint8_t)m->ierr);
		if (m->ierr == PROTO_IERR_NONDET_PREPARE) {
			e_prep_error(e, &m->prep);
		} else {
			e_str(e, m->msg);
			if (m->ierr == PROTO_IERR_CLEAR_WORKER_DIR)
				e_opt_str(e, m->has_path, m->path);
		}
		break;
	default:
		if (!e->err)
			e->err = -EINVAL;
		break;
	}
}

int proto_encode_execute_res(struct buf *b, const struct proto_execute_res *m)
{
	struct enc e;
	size_t start;

	if (enc_begin(&e, b, PROTO_MSG_EXECUTE_RES, &start))
		return e.err;
	e_u8(&e, m->ok ? 0 : 1);
	if (m->ok) {
		e_u8(&e, (uint8_t)m->job);
		switch (m->job) {
		case PROTO_JOB_OK:
			e_bytes(&e, m->result);
			break;
		case PROTO_JOB_RUNTIME_CONSTRUCTION:
		case PROTO_JOB_INVALID_CANDIDATE:
			e_str(&e, m->result);
			break;
		case PROTO_JOB_POV_DECOMPRESSION:
			break;
		default:
			if (!e.err)
				e.err = -EINVAL;
			break;
		}
		e_dur(&e, m->duration_ns);
		e_u32(&e, m->pov_size);
	} else {
		e_worker_err(&e, m);
	}
	return enc_finish(&e, start);
}

static void d_worker_err(struct scale_reader *r, struct proto_execute_res *m)
{
	unsigned v = 0;

	d_enum(r, PROTO_WERR_INTERNAL, &v);
	m->werr = (enum proto_worker_err)v;
	if (r->err)
		return;
	switch (m->werr) {
	case PROTO_WERR_JOB_TIMED_OUT:
		break;
	case PROTO_WERR_JOB_DIED:
		scale_read_str(r, &m->msg);
		d_i32(r, &m->job_pid);
		break;
	case PROTO_WERR_JOB_ERROR:
		d_enum(r, PROTO_JERR_EXIT_STATUS, &v);
		m->jerr = (enum proto_job_err)v;
		if (r->err)
			break;
		if (m->jerr == PROTO_JERR_EXIT_STATUS)
			d_i32(r, &m->exit_status);
		else if (m->jerr != PROTO_JERR_TIMED_OUT)
			scale_read_str(r, &m->msg);
		break;
	case PROTO_WERR_INTERNAL:
		d_enum(r, PROTO_IERR_NONDET_PREPARE, &v);
		m->ierr = (enum proto_internal_err)v;
		if (r->err)
			break;
		if (m->ierr == PROTO_IERR_NONDET_PREPARE) {
			d_prep_error(r, &m->prep);
		} else {
			scale_read_str(r, &m->msg);
			if (m->ierr == PROTO_IERR_CLEAR_WORKER_DIR)
				d_opt_str(r, &m->has_path, &m->path);
		}
		break;
	default:
		break;
	}
}

int proto_decode_execute_res(struct scale_slice payload, struct proto_execute_res *m)
{
	struct scale_reader r;
	unsigned v = 0;

	memset(m, 0, sizeof(*m));
	d_begin(&r, payload, PROTO_MSG_EXECUTE_RES);
	d_enum(&r, 1, &v);
	if (r.err)
		return -EBADMSG;
	m->ok = v == 0;
	if (m->ok) {
		d_enum(&r, PROTO_JOB_POV_DECOMPRESSION, &v);
		m->job = (enum proto_job_resp)v;
		if (r.err)
			return -EBADMSG;
		if (m->job == PROTO_JOB_OK)
			scale_read_bytes(&r, &m->result);
		else if (m->job != PROTO_JOB_POV_DECOMPRESSION)
			scale_read_str(&r, &m->result);
		d_dur(&r, &m->duration_ns);
		scale_read_u32(&r, &m->pov_size);
	} else {
		d_worker_err(&r, m);
	}
	return d_end(&r);
}

/* ---- log records -------------------------------------------------------- */

int proto_encode_log(struct buf *b, const struct proto_log *m)
{
	struct scale_slice text = m->text;
	struct enc e;
	size_t start;

	if (text.len > PROTO_LOG_MAX) {
		text.len = PROTO_LOG_MAX;
		/* do not cut a UTF-8 sequence: drop continuation bytes */
		while (text.len > 0 && (text.data[text.len] & 0xc0) == 0x80)
			text.len--;
	}
	if (enc_begin(&e, b, PROTO_MSG_LOG, &start))
		return e.err;
	e_u8(&e, m->level);
	e_str(&e, text);
	return enc_finish(&e, start);
}

int proto_decode_log(struct scale_slice payload, struct proto_log *m)
{
	struct scale_reader r;

	memset(m, 0, sizeof(*m));
	d_begin(&r, payload, PROTO_MSG_LOG);
	scale_read_u8(&r, &m->level);
	scale_read_str(&r, &m->text);
	if (!r.err && (m->level < PVLOG_ERROR || m->level > PVLOG_TRACE))
		scale_fail(&r, SCALE_ERR_TAG);
	if (!r.err && m->text.len > PROTO_LOG_MAX)
		scale_fail(&r, SCALE_ERR_LIMIT);
	return d_end(&r);
}

/* ---- executor parameters ------------------------------------------------ */

int proto_exec_params_parse(const uint8_t *p, size_t len, struct proto_ep_item *items,
			    size_t max, size_t *n)
{
	struct scale_reader r;
	uint32_t count = 0, i, v32 = 0;
	uint64_t v64 = 0;

	*n = 0;
	scale_reader_init(&r, p, len);
	if (scale_read_len(&r, 0, &count))
		return -EBADMSG;
	if (count > max)
		return -E2BIG;
	for (i = 0; i < count; i++) {
		struct proto_ep_item *it = &items[i];
		size_t begin = r.pos;
		unsigned sub = 0;
		uint8_t tag = 0;

		memset(it, 0, sizeof(*it));
		if (scale_read_u8(&r, &tag))
			return -EBADMSG;
		switch (tag) {
		case PROTO_EP_MAX_MEMORY_PAGES:
		case PROTO_EP_STACK_LOGICAL_MAX:
		case PROTO_EP_STACK_NATIVE_MAX:
			scale_read_u32(&r, &v32);
			it->value = v32;
			break;
		case PROTO_EP_PRECHECKING_MAX_MEMORY:
			scale_read_u64(&r, &v64);
			it->value = v64;
			break;
		case PROTO_EP_PVF_PREP_TIMEOUT:
		case PROTO_EP_PVF_EXEC_TIMEOUT:
			d_enum(&r, 1, &sub);
			scale_read_u64(&r, &v64);
			it->sub = (uint8_t)sub;
			it->value = v64;
			break;
		case PROTO_EP_WASM_EXT_BULK_MEMORY:
			break;
		default:
			scale_fail(&r, SCALE_ERR_TAG);
			break;
		}
		if (r.err)
			return -EBADMSG;
		it->tag = (enum proto_exec_param)tag;
		it->enc.data = p + begin;
		it->enc.len = r.pos - begin;
	}
	if (scale_expect_end(&r))
		return -EBADMSG;
	*n = count;
	return 0;
}
