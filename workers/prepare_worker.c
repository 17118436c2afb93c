/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf-prepare-worker: prepares PVFs for the validation host.
 *
 *   pvf-prepare-worker prepare-worker --socket-fd 3 --worker-dir-path DIR
 *                      [--node-impl-version V]
 *
 * Per PREPARE_REQ (pvf-host.md §4.8) a single-use job process, forked for
 * the job, decompresses the code (bomb limit of the request), pre-checks it
 * (rt_runtime_prepare: decode and validate in the PVF profile, stack-limiter
 * costs, link check), compiles it for the native engine (or translates it
 * for the interpreter, PVF_WORKER_ENGINE) and sends the artifact (Wasm and
 * native code, workers/worker.h) back through a pipe; the worker writes it to DIR/tmp-artifact and answers with
 * its XXH3-128, the job's CPU time and its memory statistics. The worker
 * watches the job's CPU clock and kills it at the request's timeout.
 */
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/scale.h"
#include "engine/engine.h"
#include "runtime/crypto.h"
#include "runtime/runtime.h"

/* Everything the job needs, prepared by the worker before the fork. */
struct prep_ctx {
	struct proto_prepare_req req;
	struct rt_runtime_config cfg;
	uint8_t prep_hash[32];
	uint64_t mem_limit;         /* PrecheckingMaxMemory, 0 = none */
	struct buf oom_frame;       /* pre-encoded Err(OutOfMemory) */
};

/* From the environment, read at start-up (worker.h). */
static enum rt_engine engine;
static bool foreign_build;
static bool test_opt_crash;    /* WK_ENV_TEST_OPT_CRASH */
static bool opt_on = true;     /* this job compiles with the optimising tier */

static void str_slice(struct scale_slice *s, const char *text)
{
	s->data = (const uint8_t *)text;
	s->len = strlen(text);
}

static int encode_err(struct buf *b, enum proto_prep_err kind, const char *msg)
{
	struct proto_prepare_res res = {0};

	res.ok = false;
	res.err.kind = kind;
	str_slice(&res.err.msg, msg ? msg : "");
	return proto_encode_prepare_res(b, &res);
}

/* Parses SCALE ExecutorParams; an empty input is the default (none). */
static int parse_params(struct scale_slice s, struct arena *a, struct rt_exec_params *out)
{
	struct scale_reader r;

	memset(out, 0, sizeof(*out));
	if (s.len == 0)
		return 0;
	scale_reader_init(&r, s.data, s.len);
	if (rt_exec_params_read(&r, a, out) != SCALE_OK || scale_expect_end(&r) != SCALE_OK)
		return -EBADMSG;
	return 0;
}

/* ---- the job ----------------------------------------------------------------- */

static int job_fail(struct wk_job *job, enum proto_prep_err kind, const char *msg)
{
	struct buf b = BUF_INIT;

	if (encode_err(&b, kind, msg) == 0)
		(void)wk_job_write(job, &b);
	return 1;
}

static int prepare_job(struct wk_job *job, void *arg)
{
	struct prep_ctx *c = arg;
	struct proto_prepare_res res = {0};
	struct rt_runtime *rt = NULL;
	struct rt_error rerr = {0};
	struct pvf_err err = {0};
	struct buf out = BUF_INIT, art = BUF_INIT;
	enum rt_blob_status bst;
	enum rt_err_kind kind;
	enum rt_blob_kind bk;
	struct rusage ru;
	uint8_t *wasm = NULL;
	size_t wasm_len = 0;
	char msg[320];
	size_t hdr;

	if (wk_job_confine(job, false, &err) < 0) {
		snprintf(msg, sizeof(msg), "job sandbox: %s", err.msg);
		return job_fail(job, PROTO_PREP_ERR_KERNEL, msg);
	}
	if (test_opt_crash && opt_on && engine != RT_ENGINE_INTERP)
		abort();
	if (wk_track_available())
		wk_track_start(c->mem_limit, job->res_w, &c->oom_frame);

	bst = rt_blob_decompress(c->req.code.data, c->req.code.len, c->req.bomb_limit, false,
				 &wasm, &wasm_len);
	if (bst == RT_BLOB_ERR_NOMEM)
		return job_fail(job, PROTO_PREP_ERR_KERNEL, "out of memory decompressing the code");
	if (bst != RT_BLOB_OK)
		return job_fail(job, PROTO_PREP_ERR_DECOMPRESS, rt_blob_status_str(bst));
	/* Decompressed once, as the reference: a nested blob is not Wasm. */
	bk = rt_blob_kind_of(wasm, wasm_len);
	if (bk != RT_BLOB_PLAIN && bk != RT_BLOB_RAW_ZSTD)
		return job_fail(job, PROTO_PREP_ERR_PREVALIDATION,
				"the decompressed code is another compressed blob, not Wasm");

	kind = rt_runtime_prepare(wasm, wasm_len, &c->cfg, &rt, &rerr);
	switch (kind) {
	case RT_OK:
		break;
	case RT_ERR_RUNTIME_CONSTRUCTION:
		/* Only pre-checking constructs the runtime (§4.8); for
		 * compilation the link error surfaces at execution. */
		if (c->req.kind == PROTO_PREP_PRECHECKING)
			return job_fail(job, PROTO_PREP_ERR_RUNTIME_CONSTRUCTION, rerr.msg);
		break;
	case RT_ERR_DECOMPRESS:
		return job_fail(job, PROTO_PREP_ERR_DECOMPRESS, rerr.msg);
	case RT_ERR_PREVALIDATION:
		return job_fail(job, PROTO_PREP_ERR_PREVALIDATION, rerr.msg);
	case RT_ERR_INTERNAL:
		return job_fail(job, PROTO_PREP_ERR_KERNEL, rerr.msg);
	case RT_ERR_PREPARATION:
	case RT_ERR_INSTANTIATION:
	case RT_ERR_EXPORT:
	case RT_ERR_TRAP:
	case RT_ERR_OUTPUT_BOUNDS:
	case RT_ERR_OUTPUT_DECODE:
	default:
		return job_fail(job, PROTO_PREP_ERR_PREPARATION, rerr.msg);
	}

	/* Without a runtime (a module prepared for execution that does not
	 * link) the artifact has no native code; loading it reports the link
	 * error, as preparing did. */
	{
		uint8_t other[ENG_BUILD_ID_LEN];
		struct wk_artifact_spec spec = {c->prep_hash, false, NULL};

		spec.native = rt_engine_resolve(c->cfg.engine) == RT_ENGINE_NATIVE;
		if (foreign_build) {
			for (int i = 0; i < ENG_BUILD_ID_LEN; i++)
				other[i] = (uint8_t)~eng_build_id()[i];
			spec.build_id = other;
		}
		if (wk_artifact_begin(&art, &spec, wasm, wasm_len) < 0)
			return job_fail(job, PROTO_PREP_ERR_KERNEL,
					"out of memory building the artifact");
		free(wasm);
		wasm = NULL;
		if (rt && spec.native && rt_runtime_export_native(rt, &art, &rerr) != RT_OK)
			return job_fail(job, PROTO_PREP_ERR_KERNEL, rerr.msg);
		rt_runtime_free(rt);
		rt = NULL;
		if (wk_artifact_finish(&art, 0) < 0)
			return job_fail(job, PROTO_PREP_ERR_KERNEL,
					"out of memory building the artifact");
	}
	res.ok = true;
	res.stats.observed_wasm_code_len = (uint32_t)wasm_len;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		res.stats.mem.has_max_rss = true;
		res.stats.mem.max_rss = ru.ru_maxrss;
	}
	res.stats.mem.peak_tracked_alloc = wk_track_peak();
	res.stats.mem.has_tracker = true;
	res.stats.mem.resident = res.stats.mem.has_max_rss ? (uint64_t)ru.ru_maxrss * 1024 : 0;
	res.stats.mem.allocated = res.stats.mem.peak_tracked_alloc;
	/* Two frames: the result, then the artifact bytes (no type byte). */
	hdr = art.len;
	if (proto_encode_prepare_res(&out, &res) < 0 || buf_reserve(&out, 4) < 0)
		return job_fail(job, PROTO_PREP_ERR_KERNEL, "out of memory encoding the result");
	for (int i = 0; i < 4; i++)
		buf_append_byte(&out, (uint8_t)(hdr >> (8 * i)));
	if (wk_job_write(job, &out) < 0 || wk_job_write(job, &art) < 0)
		return 1;
	return 0;
}

/* ---- the worker side of a job ---------------------------------------------- */

static void set_err(struct proto_prepare_res *res, enum proto_prep_err kind, const char *msg)
{
	res->ok = false;
	res->err.kind = kind;
	str_slice(&res->err.msg, msg);
}

static int write_tmp_artifact(struct wk *w, const struct scale_slice *art, char *why,
			      size_t why_len)
{
	char path[4200];
	size_t off = 0;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s%s%s", w->files,
		 w->files[strlen(w->files) - 1] == '/' ? "" : "/", "tmp-artifact");
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == EACCES) {
		/* The host created the file as another user (a root host with a
		 * worker running as nobody): replace it by our own. */
		if (unlink(path) == 0)
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd < 0) {
		wk_errstr(why, why_len, "open tmp-artifact", -errno);
		return -EIO;
	}
	while (off < art->len) {
		ssize_t n = write(fd, art->data + off, art->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			wk_errstr(why, why_len, "write tmp-artifact", n < 0 ? -errno : -EIO);
			ret = -EIO;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 && ret == 0) {
		wk_errstr(why, why_len, "close tmp-artifact", -errno);
		ret = -EIO;
	}
	return ret;
}

static void handle(struct wk *w, struct scale_slice payload, struct buf *reply)
{
	struct prep_ctx c;
	struct proto_prepare_res res = {0}, jres;
	struct rt_exec_params ep;
	struct arena a = ARENA_INIT;
	struct pvf_err err = {0};
	struct wk_job_end end = {0};
	struct scale_slice frame, rest, art;
	struct wk_job job;
	XXH128_canonical_t sum;
	char msg[400], sig[32];
	int ret;

	memset(&c, 0, sizeof(c));
	if (proto_decode_prepare_req(payload, &c.req))
		exit(1);
	if (parse_params(c.req.executor_params, &a, &ep) < 0) {
		set_err(&res, PROTO_PREP_ERR_KERNEL, "executor parameters do not decode");
		goto out_reply;
	}
	rt_runtime_config_from_exec_params(&ep, &c.cfg);
	c.cfg.engine = engine;
	if (rt_exec_params_prep_hash(&ep, c.prep_hash) < 0 ||
	    encode_err(&c.oom_frame, PROTO_PREP_ERR_OUT_OF_MEMORY, NULL) < 0) {
		set_err(&res, PROTO_PREP_ERR_KERNEL, "out of memory");
		goto out_reply;
	}
	if (!rt_exec_params_prechecking_max_memory(&ep, &c.mem_limit))
		c.mem_limit = 0;

	for (int attempt = 0;; attempt++) {
		/* the job inherits the setting */
		opt_on = attempt == 0;
		rt_native_opt_enable(opt_on);
		ret = wk_job_spawn(w, false, prepare_job, &c, &job, &err);
		if (ret < 0) {
			set_err(&res, PROTO_PREP_ERR_KERNEL, err.msg);
			goto out_reply;
		}
		wk_job_dispatch(&job, c.req.timeout_ns);
		ret = wk_job_collect(&job, c.req.timeout_ns,
				     (size_t)WK_ARTIFACT_MAX + (1u << 20), &end, &err);
		if (ret < 0) {
			wk_job_discard(&job);
			set_err(&res, PROTO_PREP_ERR_KERNEL, err.msg);
			goto out_reply;
		}
		wk_job_log_stats(w, &end);
		/* A job that died of a signal other than the kill of a limit,
		 * or exited without a word (a sanitizer's report of a crash),
		 * may have been LLVM failing on this code (an abort or a crash
		 * in the optimising tier): prepared again once with
		 * single-pass code only, which gives the same results. */
		if (attempt > 0 || engine == RT_ENGINE_INTERP || end.timed_out ||
		    (end.signaled && (end.sig == SIGKILL || end.sig == SIGXCPU)) ||
		    (!end.signaled && (end.exit_status == 0 || end.out.len != 0)))
			break;
		if (end.signaled)
			wk_signal_name(end.sig, sig, sizeof(sig));
		else
			snprintf(sig, sizeof(sig), "exit status %d", end.exit_status);
		wk_log(w, PVLOG_WARN, "the prepare job died (%s); preparing again without the "
		       "optimising tier", sig);
		buf_deinit(&end.out);
	}
	rt_native_opt_enable(true);
	if (end.timed_out) {
		res.ok = false;
		res.err.kind = PROTO_PREP_ERR_TIMED_OUT;
		goto out_reply;
	}
	if (end.out_too_big) {
		set_err(&res, PROTO_PREP_ERR_JOB_ERROR, "the job's output is larger than allowed");
		goto out_reply;
	}
	if (end.signaled) {
		wk_signal_name(end.sig, sig, sizeof(sig));
		snprintf(msg, sizeof(msg), "received signal: %s", sig);
		set_err(&res, PROTO_PREP_ERR_JOB_DIED, msg);
		res.err.job_pid = (int32_t)end.pid;
		goto out_reply;
	}
	if (wk_job_frame(&end.out, &frame, &rest) < 0 ||
	    proto_decode_prepare_res(frame, &jres) < 0) {
		snprintf(msg, sizeof(msg), end.out.len ? "undecodable job response (exit status %d)" :
			 "unexpected exit status: %d", end.exit_status);
		set_err(&res, PROTO_PREP_ERR_JOB_ERROR, msg);
		goto out_reply;
	}
	if (!jres.ok) {
		res = jres;   /* the job's own error, unchanged */
		goto out_reply;
	}
	if (end.exit_status != 0) {
		snprintf(msg, sizeof(msg), "unexpected exit status: %d", end.exit_status);
		set_err(&res, PROTO_PREP_ERR_JOB_ERROR, msg);
		goto out_reply;
	}
	{
		struct buf tail = {(uint8_t *)rest.data, rest.len, rest.len};
		struct scale_slice rest2;

		if (wk_job_frame(&tail, &art, &rest2) < 0 || rest2.len) {
			set_err(&res, PROTO_PREP_ERR_JOB_ERROR, "job response without an artifact");
			goto out_reply;
		}
	}
	if (write_tmp_artifact(w, &art, msg, sizeof(msg)) < 0) {
		set_err(&res, PROTO_PREP_ERR_IO, msg);
		goto out_reply;
	}
	XXH128_canonicalFromHash(&sum, XXH3_128bits(art.data, art.len));
	res.ok = true;
	memcpy(res.checksum, sum.digest, sizeof(res.checksum));
	res.stats = jres.stats;
	res.stats.cpu_ns = end.cpu_ns;
	wk_log(w, PVLOG_DEBUG, "prepared: %u bytes of wasm, peak tracked allocation %llu bytes",
	       res.stats.observed_wasm_code_len,
	       (unsigned long long)res.stats.mem.peak_tracked_alloc);
out_reply:
	reply->len = 0;
	if (proto_encode_prepare_res(reply, &res) < 0) {
		reply->len = 0;
		encode_err(reply, PROTO_PREP_ERR_KERNEL, "cannot encode the result");
	}
	buf_deinit(&end.out);
	buf_deinit(&c.oom_frame);
	arena_deinit(&a);
}

int main(int argc, char **argv)
{
	struct buf in = BUF_INIT, reply = BUF_INIT;
	const char *why;
	struct wk w;

	wk_start(&w, PROTO_WORKER_PREPARE, argc, argv);
	if (!wk_engine_from_env(&engine)) {
		wk_log(&w, PVLOG_ERROR, "%s must be auto, interp or native", WK_ENV_ENGINE);
		return 1;
	}
	foreign_build = getenv(WK_ENV_TEST_FOREIGN_BUILD) &&
			!strcmp(getenv(WK_ENV_TEST_FOREIGN_BUILD), "1");
	if (foreign_build)
		wk_log(&w, PVLOG_WARN, "%s=1: artifacts are stamped with another engine build "
		       "(tests only)", WK_ENV_TEST_FOREIGN_BUILD);
	test_opt_crash = getenv(WK_ENV_TEST_OPT_CRASH) &&
			 !strcmp(getenv(WK_ENV_TEST_OPT_CRASH), "1");
	if (test_opt_crash)
		wk_log(&w, PVLOG_WARN, "%s=1: jobs abort when they would use the optimising "
		       "tier (tests only)", WK_ENV_TEST_OPT_CRASH);
	/* libsodium and libsecp256k1 read randomness when initialised: do it
	 * while /dev/urandom is still reachable. */
	if (rt_crypto_init() < 0) {
		wk_log(&w, PVLOG_ERROR, "cannot initialise the crypto libraries");
		return 1;
	}
	/* libLLVM is opened while the file system is still reachable; the
	 * jobs inherit it */
	if (!rt_native_opt_load(engine, &why))
		wk_log(&w, PVLOG_WARN, "the optimising tier is off (%s): native code will be "
		       "single-pass only", why);
	if (wk_sandbox(&w) < 0)
		return 1;
	if (wk_ack(&w) < 0)
		return 1;
	for (;;) {
		struct scale_slice p;

		wk_recv(&w, PROTO_MSG_PREPARE_REQ, &in);
		p.data = in.data;
		p.len = in.len;
		handle(&w, p, &reply);
		wk_send(&w, &reply);
	}
}
