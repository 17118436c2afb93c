/* SPDX-License-Identifier: Apache-2.0 */
/* proto: framing, every message round trip, truncated/oversized/malformed
 * input, fixed byte vectors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "proto/proto.h"
#include "tap.h"

static struct scale_slice S(const char *s)
{
	struct scale_slice sl = {(const uint8_t *)s, strlen(s)};
	return sl;
}

static bool slice_eq(struct scale_slice a, const char *s)
{
	return a.len == strlen(s) && memcmp(a.data, s, a.len) == 0;
}

/* Payload of the single frame in b (after the header). */
static struct scale_slice payload_of(const struct buf *b)
{
	struct scale_slice p = {b->data + PROTO_FRAME_HDR, b->len - PROTO_FRAME_HDR};
	return p;
}

/* Every strict prefix of a payload must fail to decode, and a payload with
 * one extra byte too. */
typedef int (*decode_fn)(struct scale_slice, void *);

static void check_truncations(const char *name, struct scale_slice p, decode_fn fn, void *out)
{
	uint8_t *copy = malloc(p.len + 1);
	size_t cut, bad = 0;

	for (cut = 0; cut < p.len; cut++) {
		/* exact-size heap copy so ASan sees any over-read */
		uint8_t *t = malloc(cut ? cut : 1);
		struct scale_slice s = {t, cut};

		memcpy(t, p.data, cut);
		if (fn(s, out) != -EBADMSG)
			bad++;
		free(t);
	}
	ok_eq(bad, 0, "%s: every truncation (%zu) is -EBADMSG", name, p.len);
	memcpy(copy, p.data, p.len);
	copy[p.len] = 0;
	{
		struct scale_slice s = {copy, p.len + 1};
		ok_eq(fn(s, out), -EBADMSG, "%s: trailing byte is -EBADMSG", name);
	}
	free(copy);
}

static int dec_hello(struct scale_slice p, void *o) { return proto_decode_hello(p, o); }
static int dec_ack(struct scale_slice p, void *o) { return proto_decode_hello_ack(p, o); }
static int dec_preq(struct scale_slice p, void *o) { return proto_decode_prepare_req(p, o); }
static int dec_pres(struct scale_slice p, void *o) { return proto_decode_prepare_res(p, o); }
static int dec_ereq(struct scale_slice p, void *o) { return proto_decode_execute_req(p, o); }
static int dec_eres(struct scale_slice p, void *o) { return proto_decode_execute_res(p, o); }
static int dec_log(struct scale_slice p, void *o) { return proto_decode_log(p, o); }

static void test_hello(void)
{
	struct buf b = BUF_INIT;
	struct proto_hello h = {0}, d;
	struct proto_hello_ack a = {0}, da;
	static const uint8_t params[] = {0x04, 0x07}; /* [WasmExtBulkMemory] */

	h.version = PROTO_VERSION;
	h.kind = PROTO_WORKER_EXECUTE;
	h.node_version = S("1.18.5");
	h.security.can_enable_seccomp = true;
	h.security.can_do_secure_clone = true;
	h.executor_params.data = params;
	h.executor_params.len = sizeof(params);
	ok_eq(proto_encode_hello(&b, &h), 0, "encode hello");
	ok_eq(b.data[0] + (b.data[1] << 8), b.len - 4, "frame length is little-endian payload length");
	ok_eq(b.data[4], PROTO_MSG_HELLO, "first payload byte is the message type");
	ok_eq(proto_msg_type(payload_of(&b)), PROTO_MSG_HELLO, "proto_msg_type");
	ok_eq(proto_decode_hello(payload_of(&b), &d), 0, "decode hello");
	ok(d.version == PROTO_VERSION && d.kind == PROTO_WORKER_EXECUTE &&
	   slice_eq(d.node_version, "1.18.5"), "hello fields");
	ok(!d.security.secure_validator_mode && !d.security.can_enable_landlock &&
	   d.security.can_enable_seccomp && !d.security.can_unshare_user_namespace_and_change_root &&
	   d.security.can_do_secure_clone, "security status bools in order");
	ok(d.executor_params.len == 2 && d.executor_params.data[1] == 7, "executor params bytes");
	check_truncations("hello", payload_of(&b), dec_hello, &d);

	/* wrong magic / version are told apart from garbage */
	b.data[5] ^= 0xff;
	ok_eq(proto_decode_hello(payload_of(&b), &d), -EPROTO, "wrong magic is -EPROTO");
	b.data[5] ^= 0xff;
	b.data[9] = 9;
	ok_eq(proto_decode_hello(payload_of(&b), &d), -EPROTONOSUPPORT,
	      "other version is -EPROTONOSUPPORT");
	ok_eq(d.version, 9, "the peer's version is reported");
	b.data[9] = PROTO_VERSION;
	/* a bool byte of 2 */
	b.data[b.len - 1 - 2 - 1] = 2;
	ok_eq(proto_decode_hello(payload_of(&b), &d), -EBADMSG, "bool byte 2 is -EBADMSG");

	b.len = 0;
	a.version = PROTO_VERSION;
	a.kind = PROTO_WORKER_PREPARE;
	a.worker_version = S("1.18.5");
	a.pid = 4242;
	ok_eq(proto_encode_hello_ack(&b, &a), 0, "encode hello-ack");
	ok_eq(proto_decode_hello_ack(payload_of(&b), &da), 0, "decode hello-ack");
	ok(da.pid == 4242 && da.kind == PROTO_WORKER_PREPARE &&
	   slice_eq(da.worker_version, "1.18.5"), "hello-ack fields");
	check_truncations("hello-ack", payload_of(&b), dec_ack, &da);
	/* a hello is not a hello-ack */
	b.data[4] = PROTO_MSG_HELLO;
	ok_eq(proto_decode_hello_ack(payload_of(&b), &da), -EBADMSG, "wrong type byte");
	buf_deinit(&b);
}

static void test_prepare(void)
{
	struct buf b = BUF_INIT;
	struct proto_prepare_req q = {0}, dq;
	struct proto_prepare_res r = {0}, dr;
	unsigned k, bad;

	q.code = S("\0asm code");
	q.code.len = 9;
	q.bomb_limit = 30u << 20;
	memset(q.code_hash, 0xab, sizeof(q.code_hash));
	q.executor_params = S("");
	q.timeout_ns = 1500000000ull;
	q.kind = PROTO_PREP_PRECHECKING;
	ok_eq(proto_encode_prepare_req(&b, &q), 0, "encode prepare request");
	ok_eq(proto_decode_prepare_req(payload_of(&b), &dq), 0, "decode prepare request");
	ok(dq.code.len == 9 && memcmp(dq.code.data, "\0asm code", 9) == 0 &&
	   dq.bomb_limit == (30u << 20) && dq.code_hash[31] == 0xab &&
	   dq.executor_params.len == 0 && dq.timeout_ns == 1500000000ull &&
	   dq.kind == PROTO_PREP_PRECHECKING, "prepare request fields");
	/* Duration 1.5 s = u64 secs 1, u32 nanos 500_000_000, after the code
	 * (1 + 9), bomb limit (4), hash (32), params (1) and the type byte */
	{
		const uint8_t *d = b.data + 4 + 1 + 10 + 4 + 32 + 1;
		static const uint8_t want[12] = {1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x65, 0xcd, 0x1d};

		ok(memcmp(d, want, 12) == 0, "Duration is (u64 secs, u32 nanos) little-endian");
		/* nanos >= 10^9 is refused like parity-scale-codec does */
		b.data[4 + 1 + 10 + 4 + 32 + 1 + 11] = 0x3c; /* 0x3c...: > 10^9 */
		ok_eq(proto_decode_prepare_req(payload_of(&b), &dq), -EBADMSG,
		      "Duration nanos >= 10^9 is -EBADMSG");
		b.data[4 + 1 + 10 + 4 + 32 + 1 + 11] = 0x1d;
		/* more seconds than u64 nanoseconds hold: refused, not clamped */
		b.data[4 + 1 + 10 + 4 + 32 + 1 + 7] = 0x53;
		ok_eq(proto_decode_prepare_req(payload_of(&b), &dq), -EBADMSG,
		      "Duration above 2^64 ns is -EBADMSG");
		b.data[4 + 1 + 10 + 4 + 32 + 1 + 7] = 0;
		ok_eq(proto_decode_prepare_req(payload_of(&b), &dq), 0, "restored");
	}
	check_truncations("prepare request", payload_of(&b), dec_preq, &dq);
	b.data[b.len - 1] = 2;
	ok_eq(proto_decode_prepare_req(payload_of(&b), &dq), -EBADMSG, "prep kind 2 is -EBADMSG");

	b.len = 0;
	r.ok = true;
	memset(r.checksum, 0x5a, sizeof(r.checksum));
	r.stats.cpu_ns = 42;
	r.stats.mem.has_tracker = true;
	r.stats.mem.resident = 1000;
	r.stats.mem.allocated = 900;
	r.stats.mem.has_max_rss = true;
	r.stats.mem.max_rss = 12345;
	r.stats.mem.peak_tracked_alloc = 777;
	r.stats.observed_wasm_code_len = 99;
	ok_eq(proto_encode_prepare_res(&b, &r), 0, "encode prepare success");
	ok_eq(proto_decode_prepare_res(payload_of(&b), &dr), 0, "decode prepare success");
	ok(dr.ok && dr.checksum[15] == 0x5a && dr.stats.cpu_ns == 42 && dr.stats.mem.has_tracker &&
	   dr.stats.mem.resident == 1000 && dr.stats.mem.allocated == 900 &&
	   dr.stats.mem.has_max_rss && dr.stats.mem.max_rss == 12345 &&
	   dr.stats.mem.peak_tracked_alloc == 777 && dr.stats.observed_wasm_code_len == 99,
	   "prepare success fields");
	check_truncations("prepare success", payload_of(&b), dec_pres, &dr);

	/* the reference's pre-encoded OOM payload: Err (01), OutOfMemory (08) */
	b.len = 0;
	memset(&r, 0, sizeof(r));
	r.err.kind = PROTO_PREP_ERR_OUT_OF_MEMORY;
	ok_eq(proto_encode_prepare_res(&b, &r), 0, "encode Err(OutOfMemory)");
	{
		static const uint8_t want[] = {3, 0, 0, 0, PROTO_MSG_PREPARE_RES, 0x01, 0x08};

		ok(b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) == 0,
		   "Err(OutOfMemory) frame is 03000000 04 01 08");
	}

	/* every PrepareError variant round-trips with its payload */
	bad = 0;
	for (k = 0; k < PROTO_PREP_ERR_COUNT; k++) {
		memset(&r, 0, sizeof(r));
		r.err.kind = (enum proto_prep_err)k;
		r.err.msg = S("detail");
		r.err.job_pid = -7;
		r.err.has_src = true;
		r.err.src = S("/a/tmp");
		r.err.has_dest = false;
		b.len = 0;
		if (proto_encode_prepare_res(&b, &r) || proto_decode_prepare_res(payload_of(&b), &dr) ||
		    dr.ok || dr.err.kind != k) {
			bad++;
			continue;
		}
		if (k == PROTO_PREP_ERR_TIMED_OUT || k == PROTO_PREP_ERR_OUT_OF_MEMORY) {
			bad += dr.err.msg.len != 0;
		} else {
			bad += !slice_eq(dr.err.msg, "detail");
		}
		if (k == PROTO_PREP_ERR_JOB_DIED)
			bad += dr.err.job_pid != -7;
		if (k == PROTO_PREP_ERR_RENAME_TMP_FILE)
			bad += !dr.err.has_src || !slice_eq(dr.err.src, "/a/tmp") || dr.err.has_dest;
		check_truncations("prepare error", payload_of(&b), dec_pres, &dr);
	}
	ok_eq(bad, 0, "all %d PrepareError variants round-trip", PROTO_PREP_ERR_COUNT);
	/* index 13 does not exist */
	b.len = 0;
	r.err.kind = PROTO_PREP_ERR_TIMED_OUT;
	proto_encode_prepare_res(&b, &r);
	b.data[b.len - 1] = 13;
	ok_eq(proto_decode_prepare_res(payload_of(&b), &dr), -EBADMSG, "PrepareError 13 is -EBADMSG");
	/* a string that is not UTF-8 is refused on decode ... */
	b.len = 0;
	r.err.kind = PROTO_PREP_ERR_IO;
	r.err.msg = S("ab");
	proto_encode_prepare_res(&b, &r);
	b.data[b.len - 1] = 0xff;
	ok_eq(proto_decode_prepare_res(payload_of(&b), &dr), -EBADMSG, "non-UTF-8 String refused");
	/* ... and sanitized on encode */
	b.len = 0;
	r.err.msg = S("a\xff" "b");
	ok_eq(proto_encode_prepare_res(&b, &r), 0, "encode with a non-UTF-8 message");
	ok(proto_decode_prepare_res(payload_of(&b), &dr) == 0 && slice_eq(dr.err.msg, "a?b"),
	   "non-UTF-8 bytes become '?'");
	buf_deinit(&b);
}

static void test_execute(void)
{
	struct buf b = BUF_INIT;
	struct proto_execute_req q = {0}, dq;
	struct proto_execute_res r, dr;
	unsigned bad = 0, i;

	q.pvd.parent_head = S("head");
	q.pvd.relay_parent_number = 77;
	memset(q.pvd.relay_parent_storage_root, 0x11, PROTO_HASH_LEN);
	q.pvd.max_pov_size = 5u << 20;
	q.pov = S("pov bytes");
	q.timeout_ns = 2000000000ull;
	memset(q.artifact_checksum, 0xcc, PROTO_CHECKSUM_LEN);
	ok_eq(proto_encode_execute_req(&b, &q), 0, "encode execute request");
	ok_eq(proto_decode_execute_req(payload_of(&b), &dq), 0, "decode execute request");
	ok(slice_eq(dq.pvd.parent_head, "head") && dq.pvd.relay_parent_number == 77 &&
	   dq.pvd.relay_parent_storage_root[0] == 0x11 && dq.pvd.max_pov_size == (5u << 20) &&
	   slice_eq(dq.pov, "pov bytes") && dq.timeout_ns == 2000000000ull &&
	   dq.artifact_checksum[15] == 0xcc, "execute request fields");
	check_truncations("execute request", payload_of(&b), dec_ereq, &dq);

	/* WorkerResponse variants */
	for (i = 0; i <= PROTO_JOB_POV_DECOMPRESSION; i++) {
		memset(&r, 0, sizeof(r));
		r.ok = true;
		r.job = (enum proto_job_resp)i;
		r.result = S("res");
		r.duration_ns = 3000000001ull;
		r.pov_size = 1234;
		b.len = 0;
		if (proto_encode_execute_res(&b, &r) || proto_decode_execute_res(payload_of(&b), &dr)) {
			bad++;
			continue;
		}
		bad += !dr.ok || dr.job != i || dr.duration_ns != 3000000001ull || dr.pov_size != 1234;
		bad += i == PROTO_JOB_POV_DECOMPRESSION ? dr.result.len != 0 : !slice_eq(dr.result, "res");
		check_truncations("execute response", payload_of(&b), dec_eres, &dr);
	}
	ok_eq(bad, 0, "all JobResponse variants round-trip");

	/* WorkerError variants, including every JobError and internal error */
	{
		struct { enum proto_worker_err w; unsigned sub; } cases[] = {
			{PROTO_WERR_JOB_TIMED_OUT, 0}, {PROTO_WERR_JOB_DIED, 0},
			{PROTO_WERR_JOB_ERROR, PROTO_JERR_TIMED_OUT}, {PROTO_WERR_JOB_ERROR, PROTO_JERR_PANIC},
			{PROTO_WERR_JOB_ERROR, PROTO_JERR_KERNEL}, {PROTO_WERR_JOB_ERROR, PROTO_JERR_SPAWN_THREAD},
			{PROTO_WERR_JOB_ERROR, PROTO_JERR_CPU_MONITOR},
			{PROTO_WERR_JOB_ERROR, PROTO_JERR_EXIT_STATUS},
			{PROTO_WERR_INTERNAL, PROTO_IERR_HOST_COMMUNICATION},
			{PROTO_WERR_INTERNAL, PROTO_IERR_CREATE_LINK}, {PROTO_WERR_INTERNAL, PROTO_IERR_OPEN_FILE},
			{PROTO_WERR_INTERNAL, PROTO_IERR_CREATE_PIPE},
			{PROTO_WERR_INTERNAL, PROTO_IERR_CLEAR_WORKER_DIR},
			{PROTO_WERR_INTERNAL, PROTO_IERR_KERNEL}, {PROTO_WERR_INTERNAL, PROTO_IERR_NONDET_PREPARE},
		};

		bad = 0;
		for (i = 0; i < BASE_ARRAY_SIZE(cases); i++) {
			memset(&r, 0, sizeof(r));
			r.werr = cases[i].w;
			r.jerr = (enum proto_job_err)cases[i].sub;
			r.ierr = (enum proto_internal_err)cases[i].sub;
			r.msg = S("boom");
			r.job_pid = 99;
			r.exit_status = -3;
			r.has_path = true;
			r.path = S("/w");
			r.prep.kind = PROTO_PREP_ERR_KERNEL;
			r.prep.msg = S("k");
			b.len = 0;
			if (proto_encode_execute_res(&b, &r) ||
			    proto_decode_execute_res(payload_of(&b), &dr) || dr.ok || dr.werr != r.werr) {
				bad++;
				continue;
			}
			if (r.werr == PROTO_WERR_JOB_DIED)
				bad += !slice_eq(dr.msg, "boom") || dr.job_pid != 99;
			if (r.werr == PROTO_WERR_JOB_ERROR) {
				bad += dr.jerr != r.jerr;
				if (r.jerr == PROTO_JERR_EXIT_STATUS)
					bad += dr.exit_status != -3;
				else if (r.jerr != PROTO_JERR_TIMED_OUT)
					bad += !slice_eq(dr.msg, "boom");
			}
			if (r.werr == PROTO_WERR_INTERNAL) {
				bad += dr.ierr != r.ierr;
				if (r.ierr == PROTO_IERR_NONDET_PREPARE)
					bad += dr.prep.kind != PROTO_PREP_ERR_KERNEL ||
					       !slice_eq(dr.prep.msg, "k");
				else
					bad += !slice_eq(dr.msg, "boom");
				if (r.ierr == PROTO_IERR_CLEAR_WORKER_DIR)
					bad += !dr.has_path || !slice_eq(dr.path, "/w");
			}
			check_truncations("worker error", payload_of(&b), dec_eres, &dr);
		}
		ok_eq(bad, 0, "all WorkerError variants round-trip");
	}
	buf_deinit(&b);
}

static void test_log(void)
{
	struct buf b = BUF_INIT;
	struct proto_log l = {PVLOG_WARN, S("hello")}, d;
	char *big = malloc(PROTO_LOG_MAX + 10);

	ok_eq(proto_encode_log(&b, &l), 0, "encode log");
	ok(proto_decode_log(payload_of(&b), &d) == 0 && d.level == PVLOG_WARN &&
	   slice_eq(d.text, "hello"), "log round trip");
	check_truncations("log", payload_of(&b), dec_log, &d);
	b.data[5] = 9;
	ok_eq(proto_decode_log(payload_of(&b), &d), -EBADMSG, "log level 9 refused");

	/* long text is capped, and not in the middle of a UTF-8 sequence */
	memset(big, 'x', PROTO_LOG_MAX + 10);
	memcpy(big + PROTO_LOG_MAX - 1, "\xc3\xa9", 2);
	l.text.data = (const uint8_t *)big;
	l.text.len = PROTO_LOG_MAX + 10;
	b.len = 0;
	ok_eq(proto_encode_log(&b, &l), 0, "encode long log");
	ok(proto_decode_log(payload_of(&b), &d) == 0 && d.text.len == PROTO_LOG_MAX - 1,
	   "long log cut before the split character (%zu)", d.text.len);
	free(big);
	buf_deinit(&b);
}

static void test_rx(void)
{
	struct buf b = BUF_INIT;
	struct proto_rx rx;
	struct scale_slice p;
	struct proto_log l = {PVLOG_INFO, S("one")}, d;
	size_t i, frames = 0, more = 0;
	uint8_t hdr[4];

	proto_encode_log(&b, &l);
	l.text = S("two");
	proto_encode_log(&b, &l);

	/* byte by byte: MORE until each frame is complete */
	proto_rx_init(&rx, 1024);
	for (i = 0; i < b.len; i++) {
		enum proto_rx_status st;

		proto_rx_feed(&rx, b.data + i, 1);
		while ((st = proto_rx_next(&rx, &p)) == PROTO_RX_FRAME) {
			frames++;
			if (proto_decode_log(p, &d) || !slice_eq(d.text, frames == 1 ? "one" : "two"))
				frames += 100;
		}
		more += st == PROTO_RX_MORE;
	}
	ok_eq(frames, 2, "two frames out of a byte-by-byte stream");
	ok_eq(more, b.len, "MORE after every byte");
	ok_eq(proto_rx_pending(&rx), 0, "nothing left over");

	/* both frames in one read */
	proto_rx_feed(&rx, b.data, b.len);
	ok(proto_rx_next(&rx, &p) == PROTO_RX_FRAME && proto_rx_next(&rx, &p) == PROTO_RX_FRAME &&
	   proto_rx_next(&rx, &p) == PROTO_RX_MORE, "two frames from one read");
	/* a partial header is MORE */
	proto_rx_feed(&rx, b.data, 3);
	ok_eq(proto_rx_next(&rx, &p), PROTO_RX_MORE, "partial header is MORE");
	proto_rx_deinit(&rx);

	/* oversized and zero-length frames */
	proto_rx_init(&rx, 16);
	hdr[0] = 17; hdr[1] = hdr[2] = hdr[3] = 0;
	proto_rx_feed(&rx, hdr, 4);
	ok_eq(proto_rx_next(&rx, &p), PROTO_RX_BAD, "length above max is BAD before the body arrives");
	proto_rx_deinit(&rx);
	proto_rx_init(&rx, 16);
	memset(hdr, 0, 4);
	proto_rx_feed(&rx, hdr, 4);
	ok_eq(proto_rx_next(&rx, &p), PROTO_RX_BAD, "zero length is BAD");
	proto_rx_deinit(&rx);
	proto_rx_init(&rx, 16);
	hdr[0] = 16;
	proto_rx_feed(&rx, hdr, 4);
	ok_eq(proto_rx_next(&rx, &p), PROTO_RX_MORE, "length == max is accepted (waits for body)");
	proto_rx_deinit(&rx);
	buf_deinit(&b);
}

static void test_blocking(void)
{
	struct buf b = BUF_INIT, in = BUF_INIT;
	struct proto_log l = {PVLOG_INFO, S("pipe")}, d;
	int fds[2];

	proto_encode_log(&b, &l);
	if (pipe(fds))
		abort();
	ok_eq(proto_write_all(fds[1], b.data, b.len), 0, "write frame to a pipe");
	ok_eq(proto_read_frame(fds[0], 1024, &in), 0, "read frame from a pipe");
	ok(in.len == b.len - 4 && proto_decode_log((struct scale_slice){in.data, in.len}, &d) == 0 &&
	   slice_eq(d.text, "pipe"), "frame content");
	/* truncated: header promises more than arrives before EOF */
	proto_write_all(fds[1], b.data, b.len - 1);
	close(fds[1]);
	ok_eq(proto_read_frame(fds[0], 1024, &in), -EBADMSG, "EOF inside a frame is -EBADMSG");
	ok_eq(proto_read_frame(fds[0], 1024, &in), -EPIPE, "clean EOF is -EPIPE");
	close(fds[0]);

	if (pipe(fds))
		abort();
	proto_write_all(fds[1], b.data, b.len);
	ok_eq(proto_read_frame(fds[0], 4, &in), -EBADMSG, "frame above max is -EBADMSG");
	close(fds[0]);
	close(fds[1]);

	/* a payload above PROTO_FRAME_MAX cannot be encoded */
	{
		struct proto_execute_req q = {0};
		uint8_t *huge = calloc(PROTO_FRAME_MAX, 1);

		q.pov.data = huge;
		q.pov.len = PROTO_FRAME_MAX;
		b.len = 0;
		ok_eq(proto_encode_execute_req(&b, &q), -EMSGSIZE, "oversized message is -EMSGSIZE");
		ok_eq(b.len, 0, "the partial frame is dropped");
		free(huge);
	}
	buf_deinit(&b);
	buf_deinit(&in);
}

static void test_exec_params(void)
{
	/* [MaxMemoryPages(8192), StackLogicalMax(65536), PvfPrepTimeout(Precheck, 60000),
	 *  PvfExecTimeout(Approval, 12000), PrecheckingMaxMemory(2^30), WasmExtBulkMemory] */
	static const uint8_t p[] = {
		6 << 2,
		1, 0x00, 0x20, 0, 0,
		2, 0x00, 0x00, 0x01, 0x00,
		5, 0, 0x60, 0xea, 0, 0, 0, 0, 0, 0,
		6, 1, 0xe0, 0x2e, 0, 0, 0, 0, 0, 0,
		4, 0, 0, 0, 0x40, 0, 0, 0, 0,
		7,
	};
	struct proto_ep_item it[8];
	uint8_t bad[sizeof(p)];
	size_t n = 0, i, fails = 0;

	ok_eq(proto_exec_params_parse(p, sizeof(p), it, 8, &n), 0, "parse executor params");
	ok_eq(n, 6, "six items");
	ok(it[0].tag == PROTO_EP_MAX_MEMORY_PAGES && it[0].value == 8192 && it[0].enc.len == 5,
	   "MaxMemoryPages(8192)");
	ok(it[1].tag == PROTO_EP_STACK_LOGICAL_MAX && it[1].value == 65536, "StackLogicalMax");
	ok(it[2].tag == PROTO_EP_PVF_PREP_TIMEOUT && it[2].sub == 0 && it[2].value == 60000 &&
	   it[2].enc.len == 10, "PvfPrepTimeout(Precheck, 60000)");
	ok(it[3].tag == PROTO_EP_PVF_EXEC_TIMEOUT && it[3].sub == 1 && it[3].value == 12000,
	   "PvfExecTimeout(Approval, 12000)");
	ok(it[4].tag == PROTO_EP_PRECHECKING_MAX_MEMORY && it[4].value == (1ull << 30),
	   "PrecheckingMaxMemory");
	ok(it[5].tag == PROTO_EP_WASM_EXT_BULK_MEMORY && it[5].enc.len == 1 &&
	   it[5].enc.data == p + sizeof(p) - 1, "WasmExtBulkMemory borrows the input");
	ok_eq(proto_exec_params_parse(p, sizeof(p), it, 5, &n), -E2BIG, "more items than room");
	for (i = 1; i < sizeof(p); i++)
		fails += proto_exec_params_parse(p, i, it, 8, &n) != -EBADMSG;
	ok_eq(fails, 0, "every truncation is -EBADMSG");
	memcpy(bad, p, sizeof(p));
	bad[sizeof(p) - 1] = 8;
	ok_eq(proto_exec_params_parse(bad, sizeof(p), it, 8, &n), -EBADMSG, "unknown param 8");
	memcpy(bad, p, sizeof(p));
	bad[12] = 2; /* PvfPrepKind 2 */
	ok_eq(proto_exec_params_parse(bad, sizeof(p), it, 8, &n), -EBADMSG, "PvfPrepKind 2");
	{
		static const uint8_t empty[] = {0};

		ok(proto_exec_params_parse(empty, 1, it, 8, &n) == 0 && n == 0, "empty params");
	}
}

int main(void)
{
	test_hello();
	test_prepare();
	test_execute();
	test_log();
	test_rx();
	test_blocking();
	test_exec_params();
	return tap_done();
}
