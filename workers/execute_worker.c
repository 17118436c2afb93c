/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf-execute-worker: executes candidates for the validation host.
 *
 *   pvf-execute-worker execute-worker --socket-fd 3 --worker-dir-path DIR
 *                      [--node-impl-version V]
 *
 * Bound to the executor parameters of its HELLO. Per EXECUTE_REQ
 * (pvf-host.md §4.9) the worker reads DIR/artifact (hard-linked by the
 * host) and checks its XXH3-128, decompresses the PoV (bomb limit
 * POV_BOMB_LIMIT) and encodes the ValidationParams, then hands artifact and
 * params to a single-use job process through a pipe. The job loads the
 * artifact, runs validate_block and answers through a second pipe; the
 * worker watches its CPU clock and kills it at the request's timeout.
 *
 * Job processes are created ahead of time, off the request path: the next
 * job is cloned (into fresh namespaces; the worker's private network namespace
 * is shared) and confined right after a reply was
 * sent, and waits on its request pipe.
 *
 * Loaded-artifact cache: the worker keeps the last few artifacts it ran
 * loaded (wk_artifact_load: decoded, validated, link-checked, native code
 * installed without compiling; an rt_runtime, never instantiated, so no guest
 * code ever runs in the worker), keyed by their
 * XXH3-128. A job cloned after a load inherits the loaded module in its copy
 * of the worker's memory, so for a cached artifact the request carries only
 * the parameters and the job goes straight to instantiation and
 * validate_block, each in its own pristine copy. On a miss the worker reads
 * and checks the file, loads it into the cache and, if the waiting job was
 * cloned before, replaces it by one cloned now; if the worker cannot load it,
 * the bytes go to the job, which loads them itself and reports the failure
 * as before. docs/host.md "Loaded-artifact cache".
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/scale.h"
#include "runtime/crypto.h"
#include "runtime/runtime.h"

/* The largest artifact the worker reads. */
#define ARTIFACT_MAX (1024u * 1024 * 1024)
/* Loaded-artifact cache: at most CACHE_SLOTS entries and CACHE_BUDGET bytes of
 * artifact (the most recently used entry is always kept). */
#define CACHE_SLOTS 4
#define CACHE_BUDGET (192u * 1024 * 1024)

struct cache_entry {
	struct rt_runtime *rt;        /* NULL: free slot */
	uint8_t sum[16];              /* XXH3-128 of the artifact file */
	size_t art_len;
	uint64_t used;                /* LRU stamp */
};

struct exec_state {
	bool params_ok;
	struct rt_runtime_config cfg;
	uint8_t prep_hash[32];
	struct cache_entry cache[CACHE_SLOTS];
	uint64_t clock;
	/* The entries the waiting job inherited (their sums). */
	uint8_t job_sums[CACHE_SLOTS][16];
	unsigned job_n;
};

static struct exec_state g;

static void str_slice(struct scale_slice *s, const char *text)
{
	s->data = (const uint8_t *)text;
	s->len = strlen(text);
}

/* ---- the job ----------------------------------------------------------------- */

/* Request on the pipe: the header, the artifact (art_len bytes; 0 = use the
 * inherited cache entry with XXH3-128 sum), the encoded ValidationParams. */
struct job_req_hdr {
	uint64_t art_len;
	uint64_t params_len;
	uint8_t sum[16];
};

/* The cache entry with this sum, or NULL. In a job: its inherited copy. */
static struct cache_entry *cache_find(const uint8_t sum[16])
{
	for (unsigned i = 0; i < CACHE_SLOTS; i++)
		if (g.cache[i].rt && memcmp(g.cache[i].sum, sum, 16) == 0)
			return &g.cache[i];
	return NULL;
}

static int job_reply(struct wk_job *job, const struct proto_execute_res *res)
{
	struct buf b = BUF_INIT;
	int ret = proto_encode_execute_res(&b, res);

	if (ret == 0)
		ret = wk_job_write(job, &b);
	buf_deinit(&b);
	return ret < 0 || !res->ok ? 1 : 0;
}

static int job_response(struct wk_job *job, enum proto_job_resp kind, const char *msg)
{
	struct proto_execute_res res = {0};

	res.ok = true;
	res.job = kind;
	str_slice(&res.result, msg);
	return job_reply(job, &res);
}

static int job_error(struct wk_job *job, enum proto_job_err kind, const char *msg)
{
	struct proto_execute_res res = {0};

	res.ok = false;
	res.werr = PROTO_WERR_JOB_ERROR;
	res.jerr = kind;
	str_slice(&res.msg, msg);
	return job_reply(job, &res);
}

static int execute_job(struct wk_job *job, void *arg)
{
	struct proto_execute_res res = {0};
	struct rt_validation_result vr;
	struct arena a = ARENA_INIT;
	struct rt_runtime *rt = NULL;
	struct rt_error rerr = {0};
	struct pvf_err err = {0};
	struct job_req_hdr hdr;
	struct buf enc = BUF_INIT;
	uint8_t *art = NULL, *params, *out = NULL;
	size_t out_len = 0;
	enum rt_err_kind kind;
	char msg[400];
	int confined, rc;

	(void)arg;
	/* Confined before it learns anything: from here on nothing but the
	 * pipes, memory and clocks. */
	confined = wk_job_confine(job, true, &err);
	if (wk_job_read(job, &hdr, sizeof(hdr)) < 0)
		return 0; /* the worker is gone or discarded us */
	if (confined < 0) {
		snprintf(msg, sizeof(msg), "job sandbox: %s", err.msg);
		return job_error(job, PROTO_JERR_KERNEL, msg);
	}
	if (hdr.art_len > ARTIFACT_MAX || hdr.params_len > PROTO_FRAME_MAX ||
	    !(art = malloc(hdr.art_len + hdr.params_len + 1)))
		return job_error(job, PROTO_JERR_PANIC, "cannot allocate the request");
	params = art + hdr.art_len;
	if (wk_job_read(job, art, hdr.art_len + hdr.params_len) < 0) {
		rc = job_error(job, PROTO_JERR_KERNEL, "short request");
		goto out;
	}

	if (hdr.art_len == 0) {
		/* loaded by the worker before this job was cloned */
		struct cache_entry *e = cache_find(hdr.sum);

		if (!e) {
			rc = job_error(job, PROTO_JERR_PANIC, "the inherited artifact is missing");
			goto out;
		}
		kind = rt_validate_block(e->rt, params, hdr.params_len, &a, &out, &out_len, &vr,
					 &rerr);
	} else {
		kind = wk_artifact_load(art, hdr.art_len, g.prep_hash, &g.cfg, &rt, rerr.msg,
					sizeof(rerr.msg));
		if (kind == RT_OK)
			kind = rt_validate_block(rt, params, hdr.params_len, &a, &out, &out_len,
						 &vr, &rerr);
	}
	snprintf(msg, sizeof(msg), "%s: %s", rt_err_kind_str(kind), rerr.msg);
	switch (kind) {
	case RT_OK:
		/* The decoded ValidationResult, re-encoded (bytes after it in
		 * the output are not part of the result). */
		if (rt_validation_result_encode(&vr, &enc) < 0) {
			rc = job_error(job, PROTO_JERR_PANIC, "out of memory encoding the result");
			goto out;
		}
		res.ok = true;
		res.job = PROTO_JOB_OK;
		res.result.data = enc.data;
		res.result.len = enc.len;
		rc = job_reply(job, &res);
		break;
	case RT_ERR_DECOMPRESS:
	case RT_ERR_PREVALIDATION:
	case RT_ERR_PREPARATION:
	case RT_ERR_RUNTIME_CONSTRUCTION:
	case RT_ERR_INSTANTIATION:
		/* the artifact cannot be loaded or instantiated: re-prepare
		 * and retry (determinism.md §10) */
		rc = job_response(job, PROTO_JOB_RUNTIME_CONSTRUCTION, msg);
		break;
	case RT_ERR_INTERNAL:
		rc = job_error(job, PROTO_JERR_PANIC, msg);
		break;
	case RT_ERR_EXPORT:
	case RT_ERR_TRAP:
	case RT_ERR_OUTPUT_BOUNDS:
	case RT_ERR_OUTPUT_DECODE:
	default:
		rc = job_response(job, PROTO_JOB_INVALID_CANDIDATE, msg);
		break;
	}
out:
	free(out);
	buf_deinit(&enc);
	arena_deinit(&a);
	rt_runtime_free(rt);
	free(art);
	return rc;
}

/* ---- the worker side ----------------------------------------------------------- */

static void internal(struct proto_execute_res *res, enum proto_internal_err kind, const char *msg)
{
	memset(res, 0, sizeof(*res));
	res->ok = false;
	res->werr = PROTO_WERR_INTERNAL;
	res->ierr = kind;
	str_slice(&res->msg, msg);
}

static void job_err(struct proto_execute_res *res, enum proto_job_err kind, const char *msg)
{
	memset(res, 0, sizeof(*res));
	res->ok = false;
	res->werr = PROTO_WERR_JOB_ERROR;
	res->jerr = kind;
	str_slice(&res->msg, msg);
}

static int read_artifact(struct wk *w, uint8_t **out, size_t *len, char *why, size_t why_len)
{
	char path[4200];
	struct pvf_err err = {0};
	int ret;

	snprintf(path, sizeof(path), "%s%s%s", w->files,
		 w->files[strlen(w->files) - 1] == '/' ? "" : "/", "artifact");
	ret = base_read_file(path, ARTIFACT_MAX, out, len, &err);
	if (ret < 0)
		snprintf(why, why_len, "%s", err.msg);
	return ret;
}

/* art == NULL: the job inherited the cache entry with this sum. */
static int send_request(struct wk_job *job, const uint8_t *art, size_t art_len,
			const uint8_t sum[16], const struct buf *params)
{
	struct job_req_hdr hdr = {art ? art_len : 0, params->len, {0}};
	int ret;

	memcpy(hdr.sum, sum, sizeof(hdr.sum));
	ret = proto_write_all(job->req_w, &hdr, sizeof(hdr));
	if (ret == 0 && art)
		ret = proto_write_all(job->req_w, art, art_len);
	if (ret == 0)
		ret = proto_write_all(job->req_w, params->data, params->len);
	return ret;
}

/* ---- the loaded-artifact cache (worker side) ----------------------------------- */

static void cache_drop(struct cache_entry *e)
{
	rt_runtime_free(e->rt);
	memset(e, 0, sizeof(*e));
}

/* Loads a checked artifact into the cache, evicting the least recently used
 * entries beyond the slot and byte budgets. NULL if it does not load here
 * (the job then loads it and reports why). */
static struct cache_entry *cache_load(struct wk *w, const uint8_t *art, size_t art_len,
				      const uint8_t sum[16])
{
	struct rt_runtime *rt = NULL;
	struct cache_entry *e = NULL;
	size_t bytes;
	char why[200];

	if (wk_artifact_load(art, art_len, g.prep_hash, &g.cfg, &rt, why, sizeof(why)) != RT_OK) {
		wk_log(w, PVLOG_DEBUG, "artifact not cached: %s", why);
		return NULL;
	}
	for (;;) {
		struct cache_entry *lru = NULL;
		unsigned used = 0;

		bytes = art_len;
		for (unsigned i = 0; i < CACHE_SLOTS; i++) {
			if (!g.cache[i].rt)
				continue;
			used++;
			bytes += g.cache[i].art_len;
			if (!lru || g.cache[i].used < lru->used)
				lru = &g.cache[i];
		}
		if (!lru || (used < CACHE_SLOTS && bytes <= CACHE_BUDGET))
			break;
		cache_drop(lru);
	}
	for (unsigned i = 0; i < CACHE_SLOTS && !e; i++)
		if (!g.cache[i].rt)
			e = &g.cache[i];
	e->rt = rt;
	memcpy(e->sum, sum, 16);
	e->art_len = art_len;
	e->used = ++g.clock;
	wk_log(w, PVLOG_DEBUG, "artifact cached: %zu bytes, %zu bytes in the cache", art_len, bytes);
	return e;
}

static bool job_inherited(const uint8_t sum[16])
{
	for (unsigned i = 0; i < g.job_n; i++)
		if (memcmp(g.job_sums[i], sum, 16) == 0)
			return true;
	return false;
}

/* Clones the next job; it inherits every entry cached now. */
static int spawn_job(struct wk *w, struct wk_job *job, struct pvf_err *err)
{
	int ret = wk_job_spawn(w, true, execute_job, NULL, job, err);

	g.job_n = 0;
	if (ret == 0)
		for (unsigned i = 0; i < CACHE_SLOTS; i++)
			if (g.cache[i].rt)
				memcpy(g.job_sums[g.job_n++], g.cache[i].sum, 16);
	return ret;
}

/* Interprets how the job ended (pvf-host.md §4.7 step 6-7). A job is
 * untrusted: it can only report a JobResponse or a JobError. */
static void interpret(const struct wk_job_end *end, uint64_t timeout_ns, uint32_t pov_size,
		      struct proto_execute_res *res, char *msg, size_t msg_len)
{
	struct scale_slice frame, rest;
	struct proto_execute_res jres;
	char sig[32];

	if (end->timed_out) {
		memset(res, 0, sizeof(*res));
		res->ok = false;
		res->werr = PROTO_WERR_JOB_TIMED_OUT;
		return;
	}
	if (end->out_too_big) {
		job_err(res, PROTO_JERR_PANIC, "the job's output is larger than allowed");
		return;
	}
	if (end->signaled) {
		wk_signal_name(end->sig, sig, sizeof(sig));
		snprintf(msg, msg_len, "received signal: %s", sig);
		memset(res, 0, sizeof(*res));
		res->ok = false;
		res->werr = PROTO_WERR_JOB_DIED;
		str_slice(&res->msg, msg);
		res->job_pid = (int32_t)end->pid;
		return;
	}
	if (wk_job_frame(&end->out, &frame, &rest) < 0 || rest.len ||
	    proto_decode_execute_res(frame, &jres) < 0) {
		memset(res, 0, sizeof(*res));
		res->ok = false;
		res->werr = PROTO_WERR_JOB_ERROR;
		res->jerr = PROTO_JERR_EXIT_STATUS;
		res->exit_status = end->exit_status;
		if (end->exit_status == 0)
			job_err(res, PROTO_JERR_PANIC, end->out.len ? "undecodable job response" :
				"the job exited without a result");
		return;
	}
	if (!jres.ok) {
		if (jres.werr == PROTO_WERR_JOB_ERROR && jres.jerr == PROTO_JERR_TIMED_OUT) {
			memset(res, 0, sizeof(*res));
			res->ok = false;
			res->werr = PROTO_WERR_JOB_TIMED_OUT;
		} else if (jres.werr == PROTO_WERR_JOB_ERROR) {
			*res = jres;
		} else {
			job_err(res, PROTO_JERR_PANIC, "unexpected job response");
		}
		return;
	}
	if (end->exit_status != 0) {
		memset(res, 0, sizeof(*res));
		res->ok = false;
		res->werr = PROTO_WERR_JOB_ERROR;
		res->jerr = PROTO_JERR_EXIT_STATUS;
		res->exit_status = end->exit_status;
		return;
	}
	*res = jres;
	res->duration_ns = end->cpu_ns < timeout_ns ? end->cpu_ns : timeout_ns;
	res->pov_size = pov_size;
}

static void handle(struct wk *w, struct wk_job *job, bool *have_job, struct scale_slice payload,
		   struct buf *reply)
{
	struct proto_execute_req req;
	struct proto_execute_res res = {0};
	struct rt_validation_params vp;
	struct wk_job_end end = {0};
	struct pvf_err err = {0};
	struct cache_entry *entry;
	struct buf params = BUF_INIT;
	uint8_t *art = NULL, *pov = NULL;
	size_t art_len = 0, pov_len = 0;
	XXH128_canonical_t sum;
	enum rt_blob_status bst;
	char msg[400];
	int ret;

	if (proto_decode_execute_req(payload, &req))
		exit(1);
	if (!g.params_ok) {
		internal(&res, PROTO_IERR_HOST_COMMUNICATION, "executor parameters do not decode");
		goto out_reply;
	}
	/* A cached artifact was read and checked when it was loaded: its
	 * checksum is the one asked for, whatever the file holds now. */
	entry = cache_find(req.artifact_checksum);
	if (!entry) {
		if (read_artifact(w, &art, &art_len, msg, sizeof(msg)) < 0) {
			internal(&res, PROTO_IERR_OPEN_FILE, msg);
			goto out_reply;
		}
		XXH128_canonicalFromHash(&sum, XXH3_128bits(art, art_len));
		if (memcmp(sum.digest, req.artifact_checksum, sizeof(sum.digest)) != 0) {
			res.ok = true;
			res.job = PROTO_JOB_RUNTIME_CONSTRUCTION;
			str_slice(&res.result, "artifact checksum mismatch");
			goto out_reply;
		}
		entry = cache_load(w, art, art_len, sum.digest);
	}
	if (entry)
		entry->used = ++g.clock;
	/* PoV decompression happens in the worker, before the job (§4.9). */
	bst = rt_blob_decompress(req.pov.data, req.pov.len, RT_POV_BOMB_LIMIT, false, &pov,
				 &pov_len);
	if (bst == RT_BLOB_ERR_NOMEM) {
		internal(&res, PROTO_IERR_KERNEL, "out of memory decompressing the PoV");
		goto out_reply;
	}
	if (bst != RT_BLOB_OK) {
		res.ok = true;
		res.job = PROTO_JOB_POV_DECOMPRESSION;
		goto out_reply;
	}
	memset(&vp, 0, sizeof(vp));
	vp.parent_head = req.pvd.parent_head;
	vp.block_data.data = pov;
	vp.block_data.len = pov_len;
	vp.relay_parent_number = req.pvd.relay_parent_number;
	memcpy(vp.relay_parent_storage_root, req.pvd.relay_parent_storage_root, 32);
	if (rt_validation_params_encode(&vp, &params) < 0) {
		internal(&res, PROTO_IERR_KERNEL, "out of memory encoding the parameters");
		goto out_reply;
	}

	/* The pre-forked job, unless it died while waiting or was cloned
	 * before the artifact was loaded. */
	if (*have_job && (wk_job_exited(job) || (entry && !job_inherited(entry->sum)))) {
		wk_job_discard(job);
		*have_job = false;
	}
	if (!*have_job) {
		ret = spawn_job(w, job, &err);
		if (ret < 0) {
			internal(&res, PROTO_IERR_KERNEL, err.msg);
			goto out_reply;
		}
	}
	*have_job = false; /* single use */
	wk_job_dispatch(job, req.timeout_ns);
	/* A job that died already makes this fail with EPIPE; its end is
	 * collected below all the same. */
	if (entry)
		(void)send_request(job, NULL, 0, entry->sum, &params);
	else
		(void)send_request(job, art, art_len, req.artifact_checksum, &params);
	ret = wk_job_collect(job, req.timeout_ns, PROTO_FRAME_MAX + PROTO_FRAME_HDR, &end, &err);
	if (ret < 0) {
		wk_job_discard(job);
		internal(&res, PROTO_IERR_KERNEL, err.msg);
		goto out_reply;
	}
	wk_job_log_stats(w, &end);
	interpret(&end, req.timeout_ns, (uint32_t)pov_len, &res, msg, sizeof(msg));
out_reply:
	reply->len = 0;
	if (proto_encode_execute_res(reply, &res) < 0) {
		reply->len = 0;
		internal(&res, PROTO_IERR_KERNEL, "cannot encode the result");
		proto_encode_execute_res(reply, &res);
	}
	buf_deinit(&end.out);
	buf_deinit(&params);
	free(pov);
	free(art);
}

int main(int argc, char **argv)
{
	struct buf in = BUF_INIT, reply = BUF_INIT;
	struct rt_exec_params ep;
	struct arena a = ARENA_INIT;
	struct scale_reader r;
	struct pvf_err err = {0};
	struct wk_job job;
	bool have_job = false;
	struct wk w;

	wk_start(&w, PROTO_WORKER_EXECUTE, argc, argv);
	if (rt_crypto_init() < 0) {
		wk_log(&w, PVLOG_ERROR, "cannot initialise the crypto libraries");
		return 1;
	}
	memset(&ep, 0, sizeof(ep));
	g.params_ok = true;
	if (w.params.len) {
		scale_reader_init(&r, w.params.data, w.params.len);
		g.params_ok = rt_exec_params_read(&r, &a, &ep) == SCALE_OK &&
			      scale_expect_end(&r) == SCALE_OK;
	}
	if (g.params_ok) {
		rt_runtime_config_from_exec_params(&ep, &g.cfg);
		g.params_ok = rt_exec_params_prep_hash(&ep, g.prep_hash) == 0;
	}
	if (!g.params_ok)
		wk_log(&w, PVLOG_ERROR, "executor parameters do not decode; every job will fail");
	if (!wk_engine_from_env(&g.cfg.engine)) {
		wk_log(&w, PVLOG_ERROR, "%s must be auto, interp or native", WK_ENV_ENGINE);
		return 1;
	}
	if (wk_sandbox(&w) < 0)
		return 1;
	if (wk_ack(&w) < 0)
		return 1;
	for (;;) {
		struct scale_slice p;

		/* The next job process, created while no request waits. */
		if (!have_job) {
			if (spawn_job(&w, &job, &err) == 0)
				have_job = true;
			else
				wk_log(&w, PVLOG_WARN, "cannot pre-fork a job: %s", err.msg);
		}
		wk_recv(&w, PROTO_MSG_EXECUTE_REQ, &in);
		p.data = in.data;
		p.len = in.len;
		handle(&w, &job, &have_job, p, &reply);
		wk_send(&w, &reply);
	}
}
