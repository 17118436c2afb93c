/* SPDX-License-Identifier: Apache-2.0 */
/* Owned results and the reference's error texts (pvf-host.md §6). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static char *slice_dup(struct scale_slice s)
{
	char *p = malloc(s.len + 1);

	if (!p)
		return NULL;
	if (s.len)
		memcpy(p, s.data, s.len);
	p[s.len] = 0;
	return p;
}

static char *vfmt(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *vfmt(const char *fmt, va_list ap)
{
	char *p = NULL;

	if (vasprintf(&p, fmt, ap) < 0)
		return NULL;
	return p;
}

int host_prep_err_from_proto(struct host_prep_err *e, const struct proto_prep_error *p)
{
	memset(e, 0, sizeof(*e));
	e->kind = (enum pvf_prep_error_kind)p->kind;
	e->job_pid = p->job_pid;
	e->msg = slice_dup(p->msg);
	if (p->has_src)
		e->src = slice_dup(p->src);
	if (p->has_dest)
		e->dest = slice_dup(p->dest);
	if (!e->msg || (p->has_src && !e->src) || (p->has_dest && !e->dest))
		return -ENOMEM;
	return 0;
}

int host_prep_err_set(struct host_prep_err *e, enum pvf_prep_error_kind kind, const char *fmt, ...)
{
	va_list ap;

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	va_start(ap, fmt);
	e->msg = vfmt(fmt, ap);
	va_end(ap);
	return e->msg ? 0 : -ENOMEM;
}

int host_prep_err_copy(struct host_prep_err *dst, const struct host_prep_err *src)
{
	*dst = *src;
	dst->msg = src->msg ? strdup(src->msg) : NULL;
	dst->src = src->src ? strdup(src->src) : NULL;
	dst->dest = src->dest ? strdup(src->dest) : NULL;
	if ((src->msg && !dst->msg) || (src->src && !dst->src) || (src->dest && !dst->dest))
		return -ENOMEM;
	return 0;
}

void host_prep_err_deinit(struct host_prep_err *e)
{
	free(e->msg);
	free(e->src);
	free(e->dest);
	e->msg = e->src = e->dest = NULL;
}

void host_prep_err_view(const struct host_prep_err *e, struct pvf_prep_error *out)
{
	out->kind = e->kind;
	out->msg = e->msg ? e->msg : "";
	out->job_pid = e->job_pid;
	out->src = e->src;
	out->dest = e->dest;
}

void host_exec_res_deinit(struct host_exec_res *r)
{
	free(r->msg);
	free(r->result);
	if (r->has_prep)
		host_prep_err_deinit(&r->prep);
	memset(r, 0, sizeof(*r));
}

void host_exec_res_set(struct host_exec_res *r, enum pvf_exec_status status, int reason,
		       const char *fmt, ...)
{
	va_list ap;

	host_exec_res_deinit(r);
	r->status = status;
	r->reason = reason;
	va_start(ap, fmt);
	r->msg = vfmt(fmt, ap);
	va_end(ap);
}

void host_exec_res_from_prep(struct host_exec_res *r, const struct host_prep_err *e)
{
	host_exec_res_deinit(r);
	if (pvf_prep_error_is_deterministic(e->kind)) {
		r->status = PVF_EXEC_PREPARATION;
	} else {
		r->status = PVF_EXEC_INTERNAL;
		r->reason = PVF_INTERNAL_NONDETERMINISTIC_PREPARE;
	}
	r->has_prep = host_prep_err_copy(&r->prep, e) == 0;
}

/* ---- public helpers ----------------------------------------------------- */

bool pvf_prep_error_is_deterministic(enum pvf_prep_error_kind kind)
{
	switch (kind) {
	case PVF_PREP_ERR_PREVALIDATION:
	case PVF_PREP_ERR_PREPARATION:
	case PVF_PREP_ERR_JOB_ERROR:
	case PVF_PREP_ERR_OUT_OF_MEMORY:
	case PVF_PREP_ERR_DECOMPRESS:
		return true;
	case PVF_PREP_ERR_RUNTIME_CONSTRUCTION:
	case PVF_PREP_ERR_TIMED_OUT:
	case PVF_PREP_ERR_IO:
	case PVF_PREP_ERR_CREATE_TMP_FILE:
	case PVF_PREP_ERR_RENAME_TMP_FILE:
	case PVF_PREP_ERR_CLEAR_WORKER_DIR:
	case PVF_PREP_ERR_JOB_DIED:
	case PVF_PREP_ERR_KERNEL:
		return false;
	default:
		return false;
	}
}

int pvf_prep_error_format(const struct pvf_prep_error *e, char *buf, size_t len)
{
	const char *m = e->msg ? e->msg : "";

	switch (e->kind) {
	case PVF_PREP_ERR_PREVALIDATION:
		return snprintf(buf, len, "prepare: prevalidation error: %s", m);
	case PVF_PREP_ERR_PREPARATION:
		return snprintf(buf, len, "prepare: preparation error: %s", m);
	case PVF_PREP_ERR_RUNTIME_CONSTRUCTION:
		return snprintf(buf, len, "prepare: runtime construction: %s", m);
	case PVF_PREP_ERR_JOB_ERROR:
		return snprintf(buf, len, "prepare: job error: %s", m);
	case PVF_PREP_ERR_TIMED_OUT:
		return snprintf(buf, len, "prepare: timeout");
	case PVF_PREP_ERR_IO:
		return snprintf(buf, len, "prepare: io error while receiving response: %s", m);
	case PVF_PREP_ERR_CREATE_TMP_FILE:
		return snprintf(buf, len, "prepare: error creating tmp file: %s", m);
	case PVF_PREP_ERR_RENAME_TMP_FILE:
		return snprintf(buf, len, "prepare: error renaming tmp file (%s -> %s): %s",
				e->src ? e->src : "None", e->dest ? e->dest : "None", m);
	case PVF_PREP_ERR_OUT_OF_MEMORY:
		return snprintf(buf, len, "prepare: out of memory");
	case PVF_PREP_ERR_CLEAR_WORKER_DIR:
		return snprintf(buf, len, "prepare: error clearing worker cache: %s", m);
	case PVF_PREP_ERR_JOB_DIED:
		return snprintf(buf, len, "prepare: prepare job with pid %d died: %s",
				(int)e->job_pid, m);
	case PVF_PREP_ERR_KERNEL:
		return snprintf(buf, len, "prepare: error interfacing with the kernel: %s", m);
	case PVF_PREP_ERR_DECOMPRESS:
		return snprintf(buf, len, "prepare: could not decompress code blob: %s", m);
	default:
		return snprintf(buf, len, "prepare: unknown error %d", (int)e->kind);
	}
}

int pvf_exec_result_format(const struct pvf_exec_result *r, char *buf, size_t len)
{
	const char *m = r->msg ? r->msg : "";
	char prep[512] = "";

	if (r->prep)
		pvf_prep_error_format(r->prep, prep, sizeof(prep));
	switch (r->status) {
	case PVF_EXEC_OK:
		return snprintf(buf, len, "valid");
	case PVF_EXEC_PREPARATION:
		return snprintf(buf, len, "candidate validation: %s", prep);
	case PVF_EXEC_INVALID:
		switch (r->reason) {
		case PVF_INVALID_WORKER_REPORTED:
			return snprintf(buf, len, "invalid: worker reported: %s", m);
		case PVF_INVALID_HARD_TIMEOUT:
			return snprintf(buf, len, "invalid: hard timeout");
		case PVF_INVALID_POV_DECOMPRESSION:
			return snprintf(buf, len, "invalid: PoV failed to decompress");
		default:
			return snprintf(buf, len, "invalid: %s", m);
		}
	case PVF_EXEC_POSSIBLY_INVALID:
		switch (r->reason) {
		case PVF_POSSIBLY_AMBIGUOUS_WORKER_DEATH:
			return snprintf(buf, len, "possibly invalid: ambiguous worker death");
		case PVF_POSSIBLY_AMBIGUOUS_JOB_DEATH:
			return snprintf(buf, len, "possibly invalid: ambiguous job death: %s", m);
		case PVF_POSSIBLY_JOB_ERROR:
			return snprintf(buf, len, "possibly invalid: job error: %s", m);
		case PVF_POSSIBLY_RUNTIME_CONSTRUCTION:
			return snprintf(buf, len, "possibly invalid: runtime construction: %s", m);
		default:
			return snprintf(buf, len, "possibly invalid: %s", m);
		}
	case PVF_EXEC_INTERNAL:
		if (r->reason == PVF_INTERNAL_NONDETERMINISTIC_PREPARE)
			return snprintf(buf, len, "candidate validation: internal: %s", prep);
		return snprintf(buf, len, "candidate validation: internal: %s", m);
	case PVF_EXEC_DEADLINE:
		return snprintf(buf, len, "candidate validation: execution deadline has been reached.");
	case PVF_EXEC_CANCELLED:
		return snprintf(buf, len, "cancelled: the validation host was shut down");
	default:
		return snprintf(buf, len, "unknown status %d", (int)r->status);
	}
}
