/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto: the host <-> worker wire format (docs/protocol.md).
 *
 * Framing and encode/decode only; this module never decides what to do with
 * a message and owns no file descriptor. Two small blocking helpers
 * (proto_write_frame, proto_read_frame) are provided for worker programs,
 * which are single-threaded and blocking by design; the host uses the
 * incremental reader (struct proto_rx) on non-blocking sockets instead.
 *
 * Frame:   u32 little-endian payload length, then the payload. A length of 0
 *          or above the receiver's maximum is a protocol error.
 * Payload: one message-type byte (enum proto_msg), then the message body in
 *          SCALE (the field order of the reference's wire types, pvf-host.md
 *          §4.5, with the differences listed in docs/protocol.md).
 *
 * Decoders take a whole payload, check it completely (tag, every field,
 * canonical compacts, UTF-8 strings, no trailing bytes) and fill a struct
 * whose byte ranges (struct scale_slice) borrow the payload: the payload must
 * outlive the decoded struct. They return 0 or -EBADMSG. Encoders append one
 * complete frame (header included) to a struct buf and return 0, -ENOMEM or
 * -EMSGSIZE (frame larger than PROTO_FRAME_MAX).
 */
#ifndef PVF_PROTO_H
#define PVF_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "base/scale.h"

/* Bumped on any incompatible change of a message layout. The handshake
 * carries it both ways; a mismatch refuses the worker. */
#define PROTO_VERSION 1u
/* "PVFW" little-endian: first field of both handshake messages, so a
 * program that is not a worker at all is refused with a clear error. */
#define PROTO_MAGIC 0x57465650u

#define PROTO_FRAME_HDR 4u
/* Largest frame any peer accepts: a 10 MiB PoV plus a 1 MiB head, a 3 MiB
 * compressed code blob or a result with new code and messages all fit. */
#define PROTO_FRAME_MAX (64u * 1024 * 1024)

#define PROTO_HASH_LEN 32u      /* H256 */
#define PROTO_CHECKSUM_LEN 16u  /* XXH3-128 of the artifact file */

enum proto_msg {
	PROTO_MSG_HELLO = 1,       /* host -> worker, first frame */
	PROTO_MSG_HELLO_ACK = 2,   /* worker -> host, reply to HELLO */
	PROTO_MSG_PREPARE_REQ = 3, /* host -> prepare worker */
	PROTO_MSG_PREPARE_RES = 4, /* prepare worker -> host */
	PROTO_MSG_EXECUTE_REQ = 5, /* host -> execute worker */
	PROTO_MSG_EXECUTE_RES = 6, /* execute worker -> host */
	PROTO_MSG_LOG = 7,         /* worker -> host, any time, never replied */
};

enum proto_worker_kind {
	PROTO_WORKER_PREPARE = 0,
	PROTO_WORKER_EXECUTE = 1,
};

/* ---- framing ------------------------------------------------------------ */

/* Appends a frame header placeholder and the message-type byte; returns the
 * frame's start offset in *start for proto_frame_end(). */
int proto_frame_begin(struct buf *b, enum proto_msg type, size_t *start);
/* Patches the length of the frame started at start. -EMSGSIZE if the payload
 * exceeds PROTO_FRAME_MAX (b keeps the bytes; the caller truncates). */
int proto_frame_end(struct buf *b, size_t start);

/* Incremental frame reader over a byte stream. */
struct proto_rx {
	struct buf buf;    /* received bytes not yet consumed */
	size_t head;       /* start of the unconsumed bytes in buf */
	size_t max;        /* largest accepted payload */
};

enum proto_rx_status {
	PROTO_RX_MORE = 0,  /* no complete frame yet */
	PROTO_RX_FRAME,     /* *payload holds one frame's payload */
	PROTO_RX_BAD,       /* zero length or above max: the stream is unusable */
};

void proto_rx_init(struct proto_rx *rx, size_t max);
void proto_rx_deinit(struct proto_rx *rx);
/* Room for at least `want` more bytes; returns where to write them, or NULL
 * on allocation failure. After writing n bytes, call proto_rx_commit(n). */
uint8_t *proto_rx_space(struct proto_rx *rx, size_t want, size_t *avail);
void proto_rx_commit(struct proto_rx *rx, size_t n);
/* Copies len bytes in (convenience over space/commit); 0 or -ENOMEM. */
int proto_rx_feed(struct proto_rx *rx, const void *p, size_t len);
/* The next complete frame; *payload borrows rx's buffer and stays valid until
 * the next call of any proto_rx_* function on rx. */
enum proto_rx_status proto_rx_next(struct proto_rx *rx, struct scale_slice *payload);
/* Bytes buffered but not yet returned as a frame. */
size_t proto_rx_pending(const struct proto_rx *rx);

/* Blocking helpers for workers (retry on EINTR; no timeout).
 * proto_write_frame writes a buffer produced by an encoder (header
 * included). proto_read_frame replaces out's contents with one payload;
 * returns 0, -EPIPE on clean EOF before the first header byte, -EBADMSG on a
 * bad length or EOF inside a frame, or another negative errno. */
int proto_write_all(int fd, const void *p, size_t len);
int proto_read_frame(int fd, size_t max, struct buf *out);

/* Message type of a payload (its first byte), or -EBADMSG if empty. */
int proto_msg_type(struct scale_slice payload);

/* ---- handshake ---------------------------------------------------------- */

/* SecurityStatus of the reference (5 bools, same order). */
struct proto_security {
	bool secure_validator_mode;
	bool can_enable_landlock;
	bool can_enable_seccomp;
	bool can_unshare_user_namespace_and_change_root;
	bool can_do_secure_clone;
};

/* host -> worker. An execute worker is bound to one executor-parameter set
 * for its whole life (empty for prepare workers). */
struct proto_hello {
	uint32_t version;                  /* PROTO_VERSION */
	enum proto_worker_kind kind;
	struct scale_slice node_version;   /* String; empty = do not check */
	struct proto_security security;
	struct scale_slice executor_params; /* SCALE ExecutorParams, opaque */
};

/* worker -> host. */
struct proto_hello_ack {
	uint32_t version;
	enum proto_worker_kind kind;
	struct scale_slice worker_version; /* String */
	uint32_t pid;                       /* the worker's own pid */
};

int proto_encode_hello(struct buf *b, const struct proto_hello *m);
int proto_decode_hello(struct scale_slice payload, struct proto_hello *m);
int proto_encode_hello_ack(struct buf *b, const struct proto_hello_ack *m);
int proto_decode_hello_ack(struct scale_slice payload, struct proto_hello_ack *m);

/* ---- preparation -------------------------------------------------------- */

enum proto_prep_kind {
	PROTO_PREP_COMPILATION = 0,
	PROTO_PREP_PRECHECKING = 1,
};

/* PvfPrepData (pvf-host.md §1.7); durations travel as SCALE Duration. */
struct proto_prepare_req {
	struct scale_slice code;             /* maybe-compressed wasm */
	uint32_t bomb_limit;
	uint8_t code_hash[PROTO_HASH_LEN];
	struct scale_slice executor_params;  /* SCALE ExecutorParams */
	uint64_t timeout_ns;                 /* CPU-time budget */
	enum proto_prep_kind kind;
};

/* PrepareError variants with the reference's codec indices (§6.1). */
enum proto_prep_err {
	PROTO_PREP_ERR_PREVALIDATION = 0,
	PROTO_PREP_ERR_PREPARATION = 1,
	PROTO_PREP_ERR_RUNTIME_CONSTRUCTION = 2,
	PROTO_PREP_ERR_JOB_ERROR = 3,
	PROTO_PREP_ERR_TIMED_OUT = 4,
	PROTO_PREP_ERR_IO = 5,
	PROTO_PREP_ERR_CREATE_TMP_FILE = 6,
	PROTO_PREP_ERR_RENAME_TMP_FILE = 7,
	PROTO_PREP_ERR_OUT_OF_MEMORY = 8,
	PROTO_PREP_ERR_CLEAR_WORKER_DIR = 9,
	PROTO_PREP_ERR_JOB_DIED = 10,
	PROTO_PREP_ERR_KERNEL = 11,
	PROTO_PREP_ERR_DECOMPRESS = 12,
};
#define PROTO_PREP_ERR_COUNT 13

/* msg is the String payload of the variant (empty for TimedOut and
 * OutOfMemory; the `err` field for RenameTmpFile and JobDied). */
struct proto_prep_error {
	enum proto_prep_err kind;
	struct scale_slice msg;
	int32_t job_pid;            /* JobDied */
	bool has_src, has_dest;     /* RenameTmpFile: Option<String> each */
	struct scale_slice src, dest;
};

/* MemoryStats as on Linux: all three fields present. */
struct proto_memory_stats {
	bool has_tracker;            /* memory_tracker_stats: Option<..> */
	uint64_t resident, allocated; /* bytes */
	bool has_max_rss;            /* max_rss: Option<i64> (KiB) */
	int64_t max_rss;
	uint64_t peak_tracked_alloc; /* bytes */
};

struct proto_prepare_stats {
	uint64_t cpu_ns;
	struct proto_memory_stats mem;
	uint32_t observed_wasm_code_len;
};

/* Result<PrepareWorkerSuccess, PrepareError>. The reference's checksum is a
 * blake3 hex String; ours is the raw XXH3-128 of the written artifact. */
struct proto_prepare_res {
	bool ok;
	uint8_t checksum[PROTO_CHECKSUM_LEN]; /* ok */
	struct proto_prepare_stats stats;     /* ok */
	struct proto_prep_error err;          /* !ok */
};

int proto_encode_prepare_req(struct buf *b, const struct proto_prepare_req *m);
int proto_decode_prepare_req(struct scale_slice payload, struct proto_prepare_req *m);
int proto_encode_prepare_res(struct buf *b, const struct proto_prepare_res *m);
int proto_decode_prepare_res(struct scale_slice payload, struct proto_prepare_res *m);

/* ---- execution ---------------------------------------------------------- */

/* PersistedValidationData. */
struct proto_pvd {
	struct scale_slice parent_head;
	uint32_t relay_parent_number;
	uint8_t relay_parent_storage_root[PROTO_HASH_LEN];
	uint32_t max_pov_size;
};

/* The reference's three frames (pvd, pov, timeout) in one message, plus the
 * checksum the worker checks the linked artifact against before use. */
struct proto_execute_req {
	struct proto_pvd pvd;
	struct scale_slice pov;           /* PoV block data, maybe compressed */
	uint64_t timeout_ns;              /* CPU-time budget */
	uint8_t artifact_checksum[PROTO_CHECKSUM_LEN];
};

/* execute::JobResponse. */
enum proto_job_resp {
	PROTO_JOB_OK = 0,
	PROTO_JOB_RUNTIME_CONSTRUCTION = 1,
	PROTO_JOB_INVALID_CANDIDATE = 2,
	PROTO_JOB_POV_DECOMPRESSION = 3,
};

/* WorkerError. */
enum proto_worker_err {
	PROTO_WERR_JOB_TIMED_OUT = 0,
	PROTO_WERR_JOB_DIED = 1,
	PROTO_WERR_JOB_ERROR = 2,
	PROTO_WERR_INTERNAL = 3,
};

/* execute::JobError. */
enum proto_job_err {
	PROTO_JERR_TIMED_OUT = 0,
	PROTO_JERR_PANIC = 1,
	PROTO_JERR_KERNEL = 2,
	PROTO_JERR_SPAWN_THREAD = 3,
	PROTO_JERR_CPU_MONITOR = 4,
	PROTO_JERR_EXIT_STATUS = 5,
};

/* InternalValidationError. */
enum proto_internal_err {
	PROTO_IERR_HOST_COMMUNICATION = 0,
	PROTO_IERR_CREATE_LINK = 1,
	PROTO_IERR_OPEN_FILE = 2,
	PROTO_IERR_CREATE_PIPE = 3,
	PROTO_IERR_CLEAR_WORKER_DIR = 4,
	PROTO_IERR_KERNEL = 5,
	PROTO_IERR_NONDET_PREPARE = 6,
};

/* Result<WorkerResponse, WorkerError>. */
struct proto_execute_res {
	bool ok;
	/* ok: WorkerResponse */
	enum proto_job_resp job;
	struct scale_slice result;  /* JOB_OK: SCALE ValidationResult (as Vec<u8>);
				     * RUNTIME_CONSTRUCTION, INVALID_CANDIDATE: String */
	uint64_t duration_ns;       /* CPU time of the job */
	uint32_t pov_size;          /* uncompressed */
	/* !ok: WorkerError */
	enum proto_worker_err werr;
	struct scale_slice msg;     /* JobDied.err, JobError/Internal String payloads */
	int32_t job_pid;            /* JobDied */
	enum proto_job_err jerr;    /* JobError */
	int32_t exit_status;        /* JobError::UnexpectedExitStatus */
	enum proto_internal_err ierr; /* Internal */
	bool has_path;              /* CouldNotClearWorkerDir.path */
	struct scale_slice path;
	struct proto_prep_error prep; /* NonDeterministicPrepareError */
};

int proto_encode_execute_req(struct buf *b, const struct proto_execute_req *m);
int proto_decode_execute_req(struct scale_slice payload, struct proto_execute_req *m);
int proto_encode_execute_res(struct buf *b, const struct proto_execute_res *m);
int proto_decode_execute_res(struct scale_slice payload, struct proto_execute_res *m);

/* ---- worker log records ------------------------------------------------- */

/* level uses enum pvlog_level values (1 error .. 5 trace). The text is capped
 * at PROTO_LOG_MAX bytes by the encoder (cut at a UTF-8 boundary). */
#define PROTO_LOG_MAX 1024u
struct proto_log {
	uint8_t level;
	struct scale_slice text;
};
int proto_encode_log(struct buf *b, const struct proto_log *m);
int proto_decode_log(struct scale_slice payload, struct proto_log *m);

/* ---- executor parameters ------------------------------------------------ */

/* ExecutorParam codec indices (pvf-host.md §7.1). */
enum proto_exec_param {
	PROTO_EP_MAX_MEMORY_PAGES = 1,
	PROTO_EP_STACK_LOGICAL_MAX = 2,
	PROTO_EP_STACK_NATIVE_MAX = 3,
	PROTO_EP_PRECHECKING_MAX_MEMORY = 4,
	PROTO_EP_PVF_PREP_TIMEOUT = 5,
	PROTO_EP_PVF_EXEC_TIMEOUT = 6,
	PROTO_EP_WASM_EXT_BULK_MEMORY = 7,
};

/* One decoded item of an ExecutorParams vector: its tag and its complete
 * encoding (tag byte included), borrowed from the input. */
struct proto_ep_item {
	enum proto_exec_param tag;
	struct scale_slice enc;
	uint64_t value;      /* the u32/u64 payload (timeouts: milliseconds) */
	uint8_t sub;         /* PvfPrepKind / PvfExecKind of timeouts */
};

/* Walks a SCALE ExecutorParams (Vec<ExecutorParam>): fills up to max items
 * and sets *n to their number. -EBADMSG on malformed input (unknown tag,
 * truncated item, trailing bytes), -E2BIG if there are more than max items.
 * Consistency (duplicates, ranges) is not checked: the node does not check
 * it either. */
int proto_exec_params_parse(const uint8_t *p, size_t len, struct proto_ep_item *items,
			    size_t max, size_t *n);

#endif /* PVF_PROTO_H */
