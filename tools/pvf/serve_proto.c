/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve_proto.c: the request protocol of `pvf serve` (version 1, JSON
 * lines; docs/service.md). One request object per line; every request is
 * answered exactly once with one line carrying its "id" and "ok".
 *
 *   hello                 version negotiation, required first
 *   precheck              pvf_precheck
 *   validate              pvf_execute (validate_block of a candidate)
 *   heads_up              pvf_heads_up
 *   update_active_leaves  pvf_update_active_leaves
 *   status                the health document
 *   metrics               the Prometheus text
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/scale.h"
#include "host_front.h"
#include "runtime/runtime.h"
#include "serve.h"

#define SRV_MAX_HEADS_UP 1024
#define SRV_MAX_HASHES 4096
#define SRV_MAX_TIMEOUT_MS (UINT64_C(3600) * 1000)

/* One request being handled. */
struct req {
	struct srv *s;
	struct srv_client *c;
	const json_t *j;
	const json_t *id;
	const char *op;
};

static int bad(struct req *r, const char *fmt, ...) BASE_PRINTF(2, 3);
static int bad(struct req *r, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	srv_send_error(r->c, r->id, "bad_request", "%s: %s", r->op, msg);
	return -EINVAL;
}

/* Every key of o must be in keys (NULL-terminated). */
static int check_keys(struct req *r, const json_t *o, const char *where, const char *const *keys)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; keys[i]; i++)
			if (!strcmp(k, keys[i]))
				break;
		if (!keys[i])
			return bad(r, "unknown field \"%s\"%s%s", k, where[0] ? " in " : "", where);
	}
	return 0;
}

/* An optional unsigned integer field in [lo, hi]; *out keeps its value when
 * the field is absent. */
static int get_uint(struct req *r, const json_t *o, const char *key, uint64_t lo, uint64_t hi,
		    uint64_t *out)
{
	const json_t *v = json_object_get(o, key);
	json_int_t n;

	if (!v)
		return 0;
	n = json_is_integer(v) ? json_integer_value(v) : -1;
	if (!json_is_integer(v) || n < 0 || (uint64_t)n < lo || (uint64_t)n > hi)
		return bad(r, "\"%s\" must be an integer in [%" PRIu64 ", %" PRIu64 "]", key, lo,
			   hi);
	*out = (uint64_t)n;
	return 0;
}

static int get_hex(struct req *r, const json_t *o, const char *key, uint8_t **out, size_t *len)
{
	int ret = hf_hex_decode(json_object_get(o, key), out, len);

	if (ret == -ENOMEM)
		srv_send_error(r->c, r->id, "internal", "out of memory");
	else if (ret < 0)
		bad(r, "\"%s\" must be a hex string", key);
	return ret;
}

static int get_hash(struct req *r, const json_t *v, const char *what, uint8_t out[PVF_HASH_LEN])
{
	if (hf_hash_decode(v, out) < 0)
		return bad(r, "%s must be a 32-byte hex string", what);
	return 0;
}

/* ---- the code cache -------------------------------------------------------------- */

static struct srv_code *codes_find(struct srv *s, const uint8_t hash[PVF_HASH_LEN])
{
	struct srv_code *e;

	for (e = s->codes; e; e = e->next) {
		if (!memcmp(e->hash, hash, PVF_HASH_LEN)) {
			e->last_use = s->code_tick;
			return e;
		}
	}
	return NULL;
}

/* Evicts the least recently used entry not used by the current request.
 * false if there is none. */
static bool codes_evict_one(struct srv *s)
{
	struct srv_code **pp, **victim = NULL, *e;

	for (pp = &s->codes; *pp; pp = &(*pp)->next) {
		if ((*pp)->last_use == s->code_tick)
			continue;
		if (!victim || (*pp)->last_use < (*victim)->last_use)
			victim = pp;
	}
	if (!victim)
		return false;
	e = *victim;
	*victim = e->next;
	s->code_bytes -= e->len;
	free(e->code);
	free(e);
	return true;
}

/* Remembers code by its hash (a copy). Best effort: too big or out of memory
 * simply means it is not remembered. */
static void codes_put(struct srv *s, const uint8_t hash[PVF_HASH_LEN], const uint8_t *code,
		      size_t len)
{
	struct srv_code *e;

	if (codes_find(s, hash) || len > s->o.code_cache_bytes)
		return;
	while (s->code_bytes + len > s->o.code_cache_bytes)
		if (!codes_evict_one(s))
			return;
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->code = malloc(len ? len : 1);
	if (!e->code) {
		free(e);
		return;
	}
	memcpy(e->code, code, len);
	memcpy(e->hash, hash, PVF_HASH_LEN);
	e->len = len;
	e->last_use = s->code_tick;
	e->next = s->codes;
	s->codes = e;
	s->code_bytes += len;
}

void srv_codes_free(struct srv *s)
{
	while (s->codes) {
		struct srv_code *e = s->codes;

		s->codes = e->next;
		free(e->code);
		free(e);
	}
	s->code_bytes = 0;
}

/* ---- the PVF of a request --------------------------------------------------------- */

/* What a struct pvf_code points into. */
struct pvf_in {
	uint8_t *owned_code;
	uint8_t *params;
	size_t params_len;
	struct arena a;
	struct rt_exec_params ep;
	uint8_t hash[PVF_HASH_LEN];
};

static void pvf_in_free(struct pvf_in *in)
{
	free(in->owned_code);
	free(in->params);
	arena_deinit(&in->a);
	memset(in, 0, sizeof(*in));
}

/* "code": {"path": P} | {"hex": "0x.."} | {"hash": "0x.."}. */
static int get_code(struct req *r, const json_t *o, struct pvf_in *in, struct pvf_code *pc)
{
	static const char *const keys[] = {"path", "hex", "hash", NULL};
	const json_t *spec = json_object_get(o, "code");
	const json_t *path, *hex, *hash;
	struct pvf_err perr = {0};
	struct srv_code *e;
	int ret;

	if (!json_is_object(spec))
		return bad(r, "\"code\" must be an object: {\"path\"}, {\"hex\"} or {\"hash\"}");
	if (check_keys(r, spec, "\"code\"", keys) < 0)
		return -EINVAL;
	path = json_object_get(spec, "path");
	hex = json_object_get(spec, "hex");
	hash = json_object_get(spec, "hash");
	if (json_object_size(spec) != 1)
		return bad(r, "\"code\" needs exactly one of \"path\", \"hex\" and \"hash\"");
	if (hash) {
		if (get_hash(r, hash, "\"code\".\"hash\"", in->hash) < 0)
			return -EINVAL;
		e = codes_find(r->s, in->hash);
		if (!e) {
			srv_send_error(r->c, r->id, "unknown_code", "%s: no code with hash %s is "
				       "known here; send the code itself", r->op,
				       json_string_value(hash));
			return -ENOENT;
		}
		pc->code = e->code;
		pc->code_len = e->len;
	} else if (path) {
		if (!json_is_string(path))
			return bad(r, "\"code\".\"path\" must be a string");
		ret = base_read_file(json_string_value(path), RT_CODE_BLOB_BOMB_LIMIT,
				     &in->owned_code, &pc->code_len, &perr);
		if (ret < 0) {
			srv_send_error(r->c, r->id, "io", "%s: %s", r->op, perr.msg);
			return ret;
		}
		pc->code = in->owned_code;
	} else {
		if (json_string_length(hex) > 2 * (size_t)RT_CODE_BLOB_BOMB_LIMIT + 2)
			return bad(r, "\"code\".\"hex\" is longer than the code bomb limit");
		ret = hf_hex_decode(hex, &in->owned_code, &pc->code_len);
		if (ret == -ENOMEM)
			srv_send_error(r->c, r->id, "internal", "out of memory");
		else if (ret < 0)
			bad(r, "\"code\".\"hex\" must be a hex string");
		if (ret < 0)
			return ret;
		pc->code = in->owned_code;
	}
	if (!hash) {
		rt_validation_code_hash(pc->code, pc->code_len, in->hash);
		codes_put(r->s, in->hash, pc->code, pc->code_len);
	}
	pc->code_hash = in->hash;
	return 0;
}

/* The PVF fields of o: "code", "executor_params", "prep_timeout_ms",
 * "bomb_limit". */
static int get_pvf(struct req *r, const json_t *o, enum pvf_prep_kind kind, struct pvf_in *in,
		   struct pvf_code *pc)
{
	const char *n1 = NULL, *n2 = NULL;
	struct scale_reader rd;
	uint64_t v;

	memset(pc, 0, sizeof(*pc));
	if (get_code(r, o, in, pc) < 0)
		return -EINVAL;
	if (json_object_get(o, "executor_params")) {
		if (get_hex(r, o, "executor_params", &in->params, &in->params_len) < 0)
			return -EINVAL;
	}
	scale_reader_init(&rd, in->params, in->params_len);
	if (in->params_len && (rt_exec_params_read(&rd, &in->a, &in->ep) != SCALE_OK ||
			       scale_remaining(&rd)))
		return bad(r, "\"executor_params\" is not a SCALE ExecutorParams");
	if (rt_exec_params_check(&in->ep, &n1, &n2) != RT_EXEC_PARAMS_OK)
		return bad(r, "inconsistent executor parameters: %s%s%s", n1 ? n1 : "?",
			   n2 ? ", " : "", n2 ? n2 : "");
	pc->executor_params = in->params;
	pc->executor_params_len = in->params_len;
	v = rt_exec_params_prep_timeout_ms(&in->ep, kind == PVF_PREP_PRECHECKING ?
					   RT_PVF_PREP_PRECHECK : RT_PVF_PREP_PREPARE);
	if (get_uint(r, o, "prep_timeout_ms", 1, SRV_MAX_TIMEOUT_MS, &v) < 0)
		return -EINVAL;
	pc->prep_timeout_ms = v;
	v = RT_CODE_BLOB_BOMB_LIMIT;
	if (get_uint(r, o, "bomb_limit", 1, UINT32_MAX, &v) < 0)
		return -EINVAL;
	pc->bomb_limit = (uint32_t)v;
	pc->prep_kind = kind;
	return 0;
}

/* ---- pending requests ---------------------------------------------------------------- */

static struct srv_pending *pending_new(struct req *r, const uint8_t hash[PVF_HASH_LEN])
{
	struct srv_pending *p = calloc(1, sizeof(*p));

	if (!p) {
		srv_send_error(r->c, r->id, "internal", "out of memory");
		return NULL;
	}
	p->s = r->s;
	p->id = r->id ? json_deep_copy(r->id) : json_null();
	p->t0 = base_now_ns();
	memcpy(p->code_hash, hash, PVF_HASH_LEN);
	return p;
}

/* After a successful submission. */
static void pending_link(struct srv_pending *p, struct srv_client *c)
{
	p->c = c;
	p->next = c->pending;
	if (c->pending)
		c->pending->prev = p;
	c->pending = p;
	c->inflight++;
	p->s->inflight++;
}

static void pending_unlink(struct srv_pending *p)
{
	if (p->c) {
		if (p->prev)
			p->prev->next = p->next;
		else
			p->c->pending = p->next;
		if (p->next)
			p->next->prev = p->prev;
		p->c->inflight--;
		p->c = NULL;
	}
	p->prev = p->next = NULL;
}

static void pending_free(struct srv_pending *p)
{
	pending_unlink(p);
	p->s->inflight--;
	json_decref(p->id);
	free(p);
}

void srv_drop_pending(struct srv *s, struct srv_client *c)
{
	while (c->pending) {
		struct srv_pending *p = c->pending;

		if (s->h && pvf_cancel(s->h, p->host_id) == 0) {
			s->cancelled_total++;
			pending_free(p);
		} else {
			/* running: the callback comes and drops the answer */
			pending_unlink(p);
		}
	}
}

/* The answer's head, or NULL if nobody is left to read it. */
static json_t *pending_answer(struct srv_pending *p)
{
	json_t *j;

	if (!p->c || p->c->dead) {
		p->s->dropped_total++;
		return NULL;
	}
	j = json_object();
	json_object_set(j, "id", p->id);
	json_object_set_new(j, "ok", json_true());
	hf_set_hex(j, "code_hash", p->code_hash, PVF_HASH_LEN);
	return j;
}

static void pending_finish(struct srv_pending *p, json_t *j)
{
	if (j) {
		json_object_set_new(j, "wall_time_ms",
				    json_real((double)(base_now_ns() - p->t0) / 1e6));
		srv_client_send(p->c, j);
	}
	pending_free(p);
}

static void precheck_done(void *ud, const struct pvf_precheck_result *res)
{
	struct srv_pending *p = ud;
	json_t *j = pending_answer(p);

	if (j)
		hf_precheck_json(j, res);
	pending_finish(p, j);
}

static void execute_done(void *ud, const struct pvf_exec_result *res)
{
	struct srv_pending *p = ud;
	json_t *j = pending_answer(p);

	if (j)
		hf_exec_json(j, res);
	pending_finish(p, j);
}

static void submit_failed(struct req *r, struct srv_pending *p, int ret)
{
	json_decref(p->id);
	free(p);
	srv_send_error(r->c, r->id, ret == -EMSGSIZE ? "too_large" : ret == -EINVAL ?
		       "bad_request" : "internal", "%s: the host refused it: %s", r->op,
		       strerror(-ret));
}

/* ---- operations ------------------------------------------------------------------------ */

static void op_hello(struct req *r)
{
	static const char *const keys[] = {"id", "op", "version", "versions", "client", NULL};
	const json_t *v = json_object_get(r->j, "version"), *vs = json_object_get(r->j, "versions");
	json_t *j, *e;
	size_t i;
	int best = 0;

	if (check_keys(r, r->j, "", keys) < 0)
		return;
	if ((v && vs) || (!v && !vs))
		return (void)bad(r, "needs \"version\" (an integer) or \"versions\" (a list)");
	if (v && !json_is_integer(v))
		return (void)bad(r, "\"version\" must be an integer");
	if (vs && !json_is_array(vs))
		return (void)bad(r, "\"versions\" must be a list of integers");
	if (v && json_integer_value(v) == SRV_PROTOCOL_VERSION)
		best = SRV_PROTOCOL_VERSION;
	json_array_foreach(vs, i, e) {
		if (!json_is_integer(e))
			return (void)bad(r, "\"versions\" must be a list of integers");
		if (json_integer_value(e) == SRV_PROTOCOL_VERSION)
			best = SRV_PROTOCOL_VERSION;
	}
	if (!best) {
		srv_send_error(r->c, r->id, "unsupported_version",
			       "this server speaks protocol version %d", SRV_PROTOCOL_VERSION);
		return;
	}
	r->c->version = best;
	j = json_object();
	json_object_set_new(j, "id", r->id ? json_deep_copy(r->id) : json_null());
	json_object_set_new(j, "ok", json_true());
	json_object_set_new(j, "version", json_integer(best));
	json_object_set_new(j, "server", json_string("pvf serve"));
	json_object_set_new(j, "max_request", json_integer((json_int_t)r->s->o.max_request));
	json_object_set_new(j, "max_pending", json_integer(r->s->o.max_pending));
	srv_client_send(r->c, j);
}

static void op_precheck(struct req *r)
{
	static const char *const keys[] = {"id", "op", "code", "executor_params",
					   "prep_timeout_ms", "bomb_limit", NULL};
	struct pvf_in in;
	struct pvf_code pc;
	struct srv_pending *p;
	int ret;

	memset(&in, 0, sizeof(in));
	if (check_keys(r, r->j, "", keys) < 0 ||
	    get_pvf(r, r->j, PVF_PREP_PRECHECKING, &in, &pc) < 0)
		goto out;
	p = pending_new(r, in.hash);
	if (!p)
		goto out;
	ret = pvf_precheck(r->s->h, &pc, precheck_done, p, &p->host_id);
	if (ret < 0)
		submit_failed(r, p, ret);
	else
		pending_link(p, r->c);
out:
	pvf_in_free(&in);
}

static bool parse_kind(const char *s, enum pvf_exec_kind *k)
{
	if (!strcmp(s, "backing"))
		*k = PVF_EXEC_BACKING;
	else if (!strcmp(s, "backing-system-parachain"))
		*k = PVF_EXEC_BACKING_SYSTEM_PARAS;
	else if (!strcmp(s, "approval"))
		*k = PVF_EXEC_APPROVAL;
	else if (!strcmp(s, "dispute"))
		*k = PVF_EXEC_DISPUTE;
	else
		return false;
	return true;
}

static bool parse_priority(const char *s, enum pvf_priority *p)
{
	if (!strcmp(s, "background"))
		*p = PVF_PRIO_BACKGROUND;
	else if (!strcmp(s, "normal"))
		*p = PVF_PRIO_NORMAL;
	else if (!strcmp(s, "critical"))
		*p = PVF_PRIO_CRITICAL;
	else
		return false;
	return true;
}

/* Candidate inputs: "params" (SCALE ValidationParams) or "pvd" (an object or
 * a SCALE PersistedValidationData) with "pov". Points er at bufs. */
struct cand_in {
	uint8_t *params, *pvd, *pov, *head;
	size_t params_len, pvd_len, pov_len, head_len;
};

static void cand_in_free(struct cand_in *ci)
{
	free(ci->params);
	free(ci->pvd);
	free(ci->pov);
	free(ci->head);
}

static int get_pvd_object(struct req *r, const json_t *o, struct cand_in *ci,
			  struct pvf_execute_req *er)
{
	static const char *const keys[] = {"parent_head", "relay_parent_number",
					   "relay_parent_storage_root", "max_pov_size", NULL};
	uint64_t v = 0;

	if (check_keys(r, o, "\"pvd\"", keys) < 0)
		return -EINVAL;
	if (!json_object_get(o, "parent_head") || !json_object_get(o, "relay_parent_number") ||
	    !json_object_get(o, "relay_parent_storage_root"))
		return bad(r, "\"pvd\" needs parent_head, relay_parent_number and "
			   "relay_parent_storage_root");
	if (get_hex(r, o, "parent_head", &ci->head, &ci->head_len) < 0)
		return -EINVAL;
	er->pvd.parent_head = ci->head;
	er->pvd.parent_head_len = ci->head_len;
	if (get_uint(r, o, "relay_parent_number", 0, UINT32_MAX, &v) < 0)
		return -EINVAL;
	er->pvd.relay_parent_number = (uint32_t)v;
	if (get_hash(r, json_object_get(o, "relay_parent_storage_root"),
		     "\"relay_parent_storage_root\"", er->pvd.relay_parent_storage_root) < 0)
		return -EINVAL;
	v = RT_MAX_POV_SIZE;
	if (get_uint(r, o, "max_pov_size", 0, UINT32_MAX, &v) < 0)
		return -EINVAL;
	er->pvd.max_pov_size = (uint32_t)v;
	return 0;
}

static int get_candidate(struct req *r, struct cand_in *ci, struct pvf_execute_req *er)
{
	const json_t *params = json_object_get(r->j, "params"), *pvd = json_object_get(r->j, "pvd");
	const json_t *pov = json_object_get(r->j, "pov");
	struct scale_reader rd;

	if (params && (pvd || pov))
		return bad(r, "give either \"params\" or \"pvd\" and \"pov\", not both");
	if (params) {
		struct rt_validation_params vp;

		if (get_hex(r, r->j, "params", &ci->params, &ci->params_len) < 0)
			return -EINVAL;
		scale_reader_init(&rd, ci->params, ci->params_len);
		if (rt_validation_params_read(&rd, &vp) != SCALE_OK || scale_remaining(&rd))
			return bad(r, "\"params\" is not a SCALE ValidationParams");
		hf_exec_from_params(er, &vp);
		return 0;
	}
	if (!pvd || !pov)
		return bad(r, "needs \"params\", or \"pvd\" and \"pov\"");
	if (get_hex(r, r->j, "pov", &ci->pov, &ci->pov_len) < 0)
		return -EINVAL;
	er->pov = ci->pov;
	er->pov_len = ci->pov_len;
	if (json_is_object(pvd))
		return get_pvd_object(r, pvd, ci, er);
	if (json_is_string(pvd)) {
		struct rt_persisted_validation_data d;

		if (get_hex(r, r->j, "pvd", &ci->pvd, &ci->pvd_len) < 0)
			return -EINVAL;
		scale_reader_init(&rd, ci->pvd, ci->pvd_len);
		if (rt_pvd_read(&rd, &d) != SCALE_OK || scale_remaining(&rd))
			return bad(r, "\"pvd\" is not a SCALE PersistedValidationData");
		er->pvd.parent_head = d.parent_head.data;
		er->pvd.parent_head_len = d.parent_head.len;
		er->pvd.relay_parent_number = d.relay_parent_number;
		memcpy(er->pvd.relay_parent_storage_root, d.relay_parent_storage_root, PVF_HASH_LEN);
		er->pvd.max_pov_size = d.max_pov_size;
		return 0;
	}
	return bad(r, "\"pvd\" must be an object or a hex string");
}

static void op_validate(struct req *r)
{
	static const char *const keys[] = {"id", "op", "code", "executor_params",
					   "prep_timeout_ms", "bomb_limit", "params", "pvd", "pov",
					   "exec_timeout_ms", "kind", "relay_parent", "priority",
					   NULL};
	const json_t *kind = json_object_get(r->j, "kind");
	const json_t *prio = json_object_get(r->j, "priority");
	const json_t *rp = json_object_get(r->j, "relay_parent");
	struct pvf_execute_req er;
	struct cand_in ci;
	struct pvf_in in;
	struct srv_pending *p;
	bool backing;
	uint64_t v;
	int ret;

	memset(&er, 0, sizeof(er));
	memset(&ci, 0, sizeof(ci));
	memset(&in, 0, sizeof(in));
	er.kind = PVF_EXEC_APPROVAL;
	if (check_keys(r, r->j, "", keys) < 0)
		goto out;
	if (kind && (!json_is_string(kind) || !parse_kind(json_string_value(kind), &er.kind))) {
		bad(r, "\"kind\" must be \"backing\", \"backing-system-parachain\", \"approval\" "
		    "or \"dispute\"");
		goto out;
	}
	backing = er.kind == PVF_EXEC_BACKING || er.kind == PVF_EXEC_BACKING_SYSTEM_PARAS;
	er.priority = backing ? PVF_PRIO_NORMAL : PVF_PRIO_CRITICAL;
	if (prio && (!json_is_string(prio) || !parse_priority(json_string_value(prio),
							      &er.priority))) {
		bad(r, "\"priority\" must be \"background\", \"normal\" or \"critical\"");
		goto out;
	}
	if (backing && !rp) {
		bad(r, "backing kinds need \"relay_parent\"");
		goto out;
	}
	if (rp && get_hash(r, rp, "\"relay_parent\"", er.relay_parent) < 0)
		goto out;
	if (get_candidate(r, &ci, &er) < 0 || get_pvf(r, r->j, PVF_PREP_COMPILATION, &in,
						       &er.pvf) < 0)
		goto out;
	v = rt_exec_params_exec_timeout_ms(&in.ep, backing ? RT_PVF_EXEC_BACKING :
					   RT_PVF_EXEC_APPROVAL);
	if (get_uint(r, r->j, "exec_timeout_ms", 1, SRV_MAX_TIMEOUT_MS, &v) < 0)
		goto out;
	er.exec_timeout_ms = v;
	p = pending_new(r, in.hash);
	if (!p)
		goto out;
	ret = pvf_execute(r->s->h, &er, execute_done, p, &p->host_id);
	if (ret < 0)
		submit_failed(r, p, ret);
	else
		pending_link(p, r->c);
out:
	pvf_in_free(&in);
	cand_in_free(&ci);
}

static void op_heads_up(struct req *r)
{
	static const char *const keys[] = {"id", "op", "pvfs", NULL};
	static const char *const pkeys[] = {"code", "executor_params", "prep_timeout_ms",
					    "bomb_limit", NULL};
	const json_t *pvfs = json_object_get(r->j, "pvfs"), *e;
	struct pvf_code *pcs = NULL;
	struct pvf_in *ins = NULL;
	json_t *j, *hashes;
	size_t i, n;
	int ret;

	if (check_keys(r, r->j, "", keys) < 0)
		return;
	if (!json_is_array(pvfs) || json_array_size(pvfs) > SRV_MAX_HEADS_UP) {
		bad(r, "\"pvfs\" must be a list of at most %d objects", SRV_MAX_HEADS_UP);
		return;
	}
	n = json_array_size(pvfs);
	pcs = calloc(n ? n : 1, sizeof(*pcs));
	ins = calloc(n ? n : 1, sizeof(*ins));
	if (!pcs || !ins) {
		srv_send_error(r->c, r->id, "internal", "out of memory");
		goto out;
	}
	json_array_foreach(pvfs, i, e) {
		if (!json_is_object(e)) {
			bad(r, "\"pvfs\"[%zu] must be an object", i);
			goto out;
		}
		if (check_keys(r, e, "a \"pvfs\" entry", pkeys) < 0 ||
		    get_pvf(r, e, PVF_PREP_PRECHECKING, &ins[i], &pcs[i]) < 0)
			goto out;
	}
	ret = pvf_heads_up(r->s->h, pcs, n);
	if (ret < 0) {
		srv_send_error(r->c, r->id, ret == -EINVAL ? "bad_request" : "internal",
			       "heads_up: the host refused it: %s", strerror(-ret));
		goto out;
	}
	j = json_object();
	hashes = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(hashes, hf_hex(ins[i].hash, PVF_HASH_LEN));
	json_object_set_new(j, "id", r->id ? json_deep_copy(r->id) : json_null());
	json_object_set_new(j, "ok", json_true());
	json_object_set_new(j, "code_hashes", hashes);
	srv_client_send(r->c, j);
out:
	for (i = 0; ins && i < n; i++)
		pvf_in_free(&ins[i]);
	free(ins);
	free(pcs);
}

/* A list of 32-byte hashes; *out is malloc'd. */
static int get_hashes(struct req *r, const json_t *v, const char *what,
		      uint8_t (**out)[PVF_HASH_LEN], size_t *n)
{
	const json_t *e;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > SRV_MAX_HASHES)
		return bad(r, "%s must be a list of at most %d hashes", what, SRV_MAX_HASHES);
	*out = calloc(json_array_size(v) + 1, PVF_HASH_LEN);
	if (!*out) {
		srv_send_error(r->c, r->id, "internal", "out of memory");
		return -ENOMEM;
	}
	json_array_foreach(v, i, e) {
		if (get_hash(r, e, what, (*out)[i]) < 0) {
			free(*out);
			*out = NULL;
			return -EINVAL;
		}
	}
	*n = json_array_size(v);
	return 0;
}

static void op_update_active_leaves(struct req *r)
{
	static const char *const keys[] = {"id", "op", "activated", "deactivated", NULL};
	static const char *const lkeys[] = {"hash", "ancestors", NULL};
	const json_t *act = json_object_get(r->j, "activated");
	uint8_t (*anc)[PVF_HASH_LEN] = NULL, (*deact)[PVF_HASH_LEN] = NULL;
	struct pvf_leaf leaf;
	size_t n_deact = 0;
	json_t *j;
	int ret;

	memset(&leaf, 0, sizeof(leaf));
	if (check_keys(r, r->j, "", keys) < 0)
		return;
	if (act && !json_is_null(act)) {
		if (!json_is_object(act)) {
			bad(r, "\"activated\" must be an object {\"hash\", \"ancestors\"} or null");
			return;
		}
		if (check_keys(r, act, "\"activated\"", lkeys) < 0 ||
		    get_hash(r, json_object_get(act, "hash"), "\"activated\".\"hash\"",
			     leaf.hash) < 0 ||
		    get_hashes(r, json_object_get(act, "ancestors"), "\"ancestors\"", &anc,
			       &leaf.n_ancestors) < 0)
			goto out;
		leaf.ancestors = (const uint8_t (*)[PVF_HASH_LEN])anc;
	}
	if (get_hashes(r, json_object_get(r->j, "deactivated"), "\"deactivated\"", &deact,
		       &n_deact) < 0)
		goto out;
	ret = pvf_update_active_leaves(r->s->h, act && !json_is_null(act) ? &leaf : NULL,
				       (const uint8_t (*)[PVF_HASH_LEN])deact, n_deact);
	if (ret < 0) {
		srv_send_error(r->c, r->id, "internal", "update_active_leaves: %s",
			       strerror(-ret));
		goto out;
	}
	j = json_object();
	json_object_set_new(j, "id", r->id ? json_deep_copy(r->id) : json_null());
	json_object_set_new(j, "ok", json_true());
	srv_client_send(r->c, j);
out:
	free(anc);
	free(deact);
}

static void op_status(struct req *r, bool metrics)
{
	static const char *const keys[] = {"id", "op", NULL};
	json_t *j;

	if (check_keys(r, r->j, "", keys) < 0)
		return;
	j = json_object();
	json_object_set_new(j, "id", r->id ? json_deep_copy(r->id) : json_null());
	json_object_set_new(j, "ok", json_true());
	if (metrics) {
		char *text = NULL;
		size_t len = 0;
		int ret = pvf_host_metrics(r->s->h, &text, &len);

		if (ret < 0) {
			json_decref(j);
			srv_send_error(r->c, r->id, "internal", "metrics: %s", strerror(-ret));
			return;
		}
		json_object_set_new(j, "metrics", json_stringn(text, len));
		free(text);
	} else {
		json_object_set_new(j, "status", srv_status_json(r->s));
	}
	srv_client_send(r->c, j);
}

void srv_handle_line(struct srv *s, struct srv_client *c, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	const json_t *opv;
	struct req r;

	s->requests_total++;
	s->code_tick++;
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.c = c;
	r.j = j;
	r.op = "request";
	if (!j) {
		srv_send_error(c, NULL, "bad_json", "column %d: %s", jerr.column, jerr.text);
		return;
	}
	if (!json_is_object(j)) {
		srv_send_error(c, NULL, "bad_request", "a request must be a JSON object");
		goto out;
	}
	r.id = json_object_get(j, "id");
	opv = json_object_get(j, "op");
	if (!json_is_string(opv)) {
		bad(&r, "needs \"op\" (a string)");
		goto out;
	}
	r.op = json_string_value(opv);
	if (!strcmp(r.op, "hello")) {
		op_hello(&r);
		goto out;
	}
	if (!c->version) {
		srv_send_error(c, r.id, "handshake_required",
			       "send {\"op\":\"hello\",\"version\":%d} first", SRV_PROTOCOL_VERSION);
		goto out;
	}
	if (!strcmp(r.op, "status")) {
		op_status(&r, false);
	} else if (!strcmp(r.op, "metrics") && s->h) {
		op_status(&r, true);
	} else if (strcmp(r.op, "precheck") && strcmp(r.op, "validate") &&
		   strcmp(r.op, "heads_up") && strcmp(r.op, "update_active_leaves") &&
		   strcmp(r.op, "metrics")) {
		srv_send_error(c, r.id, "unknown_op", "unknown op \"%.64s\"", r.op);
	} else if (s->stopping || !s->h) {
		srv_send_error(c, r.id, "shutting_down", "%s: the server is stopping", r.op);
	} else if (!strcmp(r.op, "precheck")) {
		op_precheck(&r);
	} else if (!strcmp(r.op, "validate")) {
		op_validate(&r);
	} else if (!strcmp(r.op, "heads_up")) {
		op_heads_up(&r);
	} else {
		op_update_active_leaves(&r);
	}
out:
	json_decref(j);
}
