/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Binary decoder: module bytes -> IR (engine_int.h).
 *
 * Structural checks only: the binary format, section order and sizes,
 * counts against the input and the limits, and the profile's encoding
 * rules. Index ranges, types and module-level rules are eng__validate's, so
 * that (as in the spec) a malformed module is reported as malformed even
 * when it is also invalid.
 *
 * Sections are read like the reference interpreter reads them: from the
 * whole remaining input, then checked to end exactly at their declared size
 * ("section size mismatch"). Every count is checked against the remaining
 * input ("length out of bounds") and the limits before anything is
 * allocated. Function bodies are not decoded here beyond their locals; the
 * validator decodes each instruction once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decode_int.h"

/* Upper bound on the expanded local types of all functions together (one
 * byte each): keeps a module of tiny bodies that each declare the maximum
 * number of locals from allocating gigabytes (docs/engine-limits.md). */
#define MAX_TOTAL_LOCALS (64u * 1024 * 1024)

struct dec {
	struct eng_module *m;
	struct eng_error *err;
	struct eng__rd r;
	const struct eng_decode_limits *lim;
	bool pvf;
	/* Defined entities, before being merged behind the imports. */
	uint32_t nfunc_defs;
	uint32_t *func_def_types;
	uint32_t ntable_defs;
	struct eng__tabletype *table_defs;
	uint32_t nmem_defs;
	struct eng__limits *mem_defs;
	uint32_t nglobal_defs;
	struct eng__global *global_defs;
	bool has_code;
	bool has_memory_section;
	uint32_t ncode;
	uint64_t total_locals;
};

/* ---- limits ------------------------------------------------------------- */

static void fill_default_limits(struct eng_decode_limits *l, enum eng_profile profile)
{
	/* PVF: the wasmparser limits of determinism.md §5.3. FULL: generous
	 * values, at least as large. See docs/engine-limits.md. */
	bool pvf = profile == ENG_PROFILE_PVF;

#define DEF(field, v) do { if (!l->field) l->field = (v); } while (0)
	DEF(max_module_bytes, 1024u * 1024 * 1024);
	DEF(max_types, 1000000);
	DEF(max_functions, 1000000);
	DEF(max_imports, 1000000);
	DEF(max_exports, 1000000);
	DEF(max_globals, 1000000);
	DEF(max_data_segments, 100000);
	DEF(max_elem_segments, 100000);
	DEF(max_elems_per_segment, 10000000);
	DEF(max_locals, 50000);
	DEF(max_params, 1000);
	DEF(max_results, pvf ? 1 : 1000);
	DEF(max_br_table, 131072);
	DEF(max_nesting, pvf ? 7654321 : 100000);
	DEF(max_function_bytes, 7654321);
	DEF(max_name_bytes, 100000);
#undef DEF
}

/* ---- errors ------------------------------------------------------------- */

static enum eng_status fail(struct dec *d, enum eng_status st, const uint8_t *at,
			    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum eng_status fail(struct dec *d, enum eng_status st, const uint8_t *at,
			    const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(d->err->msg)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return eng__error(d->err, st, (uint32_t)(at - d->r.base), "%s", msg);
}

static enum eng_status fail_eof(struct dec *d)
{
	return fail(d, ENG_ERR_MALFORMED, d->r.p, "%s", eng__rd_eof_msg(&d->r));
}

static enum eng_status fail_leb(struct dec *d, enum eng__leb res, const uint8_t *at)
{
	switch (res) {
	case ENG__LEB_EOF:
		return fail(d, ENG_ERR_MALFORMED, at, "%s", eng__rd_eof_msg(&d->r));
	case ENG__LEB_TOO_LONG:
		return fail(d, ENG_ERR_MALFORMED, at, "integer representation too long");
	case ENG__LEB_TOO_LARGE:
	case ENG__LEB_OK:
	default:
		return fail(d, ENG_ERR_MALFORMED, at, "integer too large");
	}
}

static enum eng_status fail_nomem(struct dec *d)
{
	return fail(d, ENG_ERR_NOMEM, d->r.p, "out of memory");
}

static enum eng_status fail_limit(struct dec *d, const char *what, uint64_t n, uint32_t limit)
{
	return fail(d, ENG_ERR_LIMIT, d->r.p, "too many %s (%llu, limit %u)", what,
		    (unsigned long long)n, limit);
}

/* ---- primitives --------------------------------------------------------- */

static enum eng_status rd_byte(struct dec *d, uint8_t *b)
{
	if (d->r.p >= d->r.end)
		return fail_eof(d);
	*b = *d->r.p++;
	return ENG_OK;
}

static enum eng_status rd_u32(struct dec *d, uint32_t *v)
{
	const uint8_t *at = d->r.p;
	enum eng__leb res = eng__leb_u32(&d->r.p, d->r.end, v);

	return res == ENG__LEB_OK ? ENG_OK : fail_leb(d, res, at);
}

/* A length or count: must not exceed the bytes remaining from the start of
 * its own encoding (the reference interpreter's len32). */
static enum eng_status rd_len(struct dec *d, uint32_t *n)
{
	const uint8_t *at = d->r.p;
	enum eng_status st = rd_u32(d, n);

	if (st != ENG_OK)
		return st;
	if (*n > (uint64_t)(d->r.end - at))
		return fail(d, ENG_ERR_MALFORMED, at, "length out of bounds");
	return ENG_OK;
}

static bool utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000))
			return false;
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static enum eng_status rd_name(struct dec *d, const char **s, uint32_t *len)
{
	const uint8_t *at = d->r.p;
	enum eng_status st = rd_len(d, len);

	if (st != ENG_OK)
		return st;
	if (*len > d->lim->max_name_bytes)
		return fail(d, ENG_ERR_LIMIT, at, "name too long (%u bytes, limit %u)", *len,
			    d->lim->max_name_bytes);
	if ((size_t)(d->r.end - d->r.p) < *len) {
		d->r.p = d->r.end;
		return fail_eof(d);
	}
	if (!utf8_valid(d->r.p, *len))
		return fail(d, ENG_ERR_MALFORMED, d->r.p, "malformed UTF-8 encoding");
	*s = (const char *)d->r.p;
	d->r.p += *len;
	return ENG_OK;
}

/* Value types: one byte. */
static enum eng_status rd_valtype(struct dec *d, uint8_t *t)
{
	const uint8_t *at = d->r.p;
	enum eng_status st = rd_byte(d, t);

	if (st != ENG_OK)
		return st;
	switch (*t) {
	case ENG_I32:
	case ENG_I64:
	case ENG_F32:
	case ENG_F64:
		return ENG_OK;
	case ENG_FUNCREF:
	case ENG_EXTERNREF:
		if (d->pvf)
			return fail(d, ENG_ERR_PROFILE, at,
				    "reference types are not supported by the PVF profile "
				    "(value type 0x%02x)", *t);
		d->m->features |= ENG_FEATURE_REFERENCE_TYPES;
		return ENG_OK;
	case ENG_V128:
		return fail(d, ENG_ERR_PROFILE, at, "simd (v128) is not supported");
	default:
		return fail(d, ENG_ERR_MALFORMED, at, "malformed value type 0x%02x", *t);
	}
}

static enum eng_status rd_reftype(struct dec *d, uint8_t *t)
{
	const uint8_t *at = d->r.p;
	enum eng_status st = rd_byte(d, t);

	if (st != ENG_OK)
		return st;
	if (*t == ENG_FUNCREF)
		return ENG_OK;
	if (*t == ENG_EXTERNREF) {
		if (d->pvf)
			return fail(d, ENG_ERR_PROFILE, at,
				    "reference types are not supported by the PVF profile "
				    "(externref)");
		d->m->features |= ENG_FEATURE_REFERENCE_TYPES;
		return ENG_OK;
	}
	return fail(d, ENG_ERR_MALFORMED, at, "malformed reference type 0x%02x", *t);
}

static enum eng_status rd_limits(struct dec *d, struct eng__limits *l)
{
	const uint8_t *at = d->r.p;
	uint8_t flags = 0;
	uint32_t v;
	enum eng_status st = rd_byte(d, &flags);

	if (st != ENG_OK)
		return st;
	/* The reference reads the flags as a u1 LEB. */
	if ((flags & 0x7f) > 1)
		return fail(d, ENG_ERR_MALFORMED, at, "integer too large (limits flags 0x%02x)",
			    flags);
	if (flags & 0x80)
		return fail(d, ENG_ERR_MALFORMED, at, "integer representation too long");
	st = rd_u32(d, &v);
	if (st != ENG_OK)
		return st;
	l->min = v;
	l->has_max = flags == 1;
	l->max = 0;
	if (l->has_max) {
		st = rd_u32(d, &v);
		if (st != ENG_OK)
			return st;
		l->max = v;
	}
	return ENG_OK;
}

static enum eng_status rd_tabletype(struct dec *d, struct eng__tabletype *t)
{
	enum eng_status st = rd_reftype(d, &t->elem_type);

	if (st != ENG_OK)
		return st;
	return rd_limits(d, &t->limits);
}

static enum eng_status rd_globaltype(struct dec *d, struct eng__globaltype *g)
{
	uint8_t mut = 0;
	const uint8_t *at;
	enum eng_status st = rd_valtype(d, &g->type);

	if (st != ENG_OK)
		return st;
	at = d->r.p;
	st = rd_byte(d, &mut);
	if (st != ENG_OK)
		return st;
	if (mut > 1)
		return fail(d, ENG_ERR_MALFORMED, at, "malformed mutability");
	g->mut = mut == 1;
	return ENG_OK;
}

/* A constant expression: any instruction sequence up to its `end`. The IR
 * gets the single-instruction form; eng__validate re-reads the bytes to
 * check constant-ness and type. */
static enum eng_status rd_const_expr(struct dec *d, struct eng__const_expr *ce)
{
	struct eng__instr in;
	uint32_t depth = 0, n = 0;
	enum eng_status st;

	memset(ce, 0, sizeof(*ce));
	ce->offset = eng__rd_off(&d->r);
	for (;;) {
		st = eng__read_instr(d->m, &d->r, &in, &d->m->features, d->err);
		if (st != ENG_OK)
			return st;
		n++;
		if (in.op == OP_BLOCK || in.op == OP_LOOP || in.op == OP_IF) {
			depth++;
		} else if (in.op == OP_END) {
			if (depth == 0)
				break;
			depth--;
		} else if (n == 1) {
			switch (in.op) {
			case OP_I32_CONST:
				ce->kind = ENG_CONST_VALUE;
				ce->type = ENG_I32;
				ce->value = (uint32_t)in.v;
				break;
			case OP_I64_CONST:
				ce->kind = ENG_CONST_VALUE;
				ce->type = ENG_I64;
				ce->value = in.v;
				break;
			case OP_F32_CONST:
				ce->kind = ENG_CONST_VALUE;
				ce->type = ENG_F32;
				ce->value = in.v;
				break;
			case OP_F64_CONST:
				ce->kind = ENG_CONST_VALUE;
				ce->type = ENG_F64;
				ce->value = in.v;
				break;
			case OP_GLOBAL_GET:
				ce->kind = ENG_CONST_GLOBAL_GET;
				ce->index = in.a;
				break;
			case OP_REF_NULL:
				ce->kind = ENG_CONST_REF_NULL;
				ce->type = (uint8_t)in.a;
				break;
			case OP_REF_FUNC:
				ce->kind = ENG_CONST_REF_FUNC;
				ce->type = ENG_FUNCREF;
				ce->index = in.a;
				break;
			default:
				break;
			}
		}
	}
	ce->len = eng__rd_off(&d->r) - ce->offset;
	return ENG_OK;
}

/* ---- sections ----------------------------------------------------------- */

static enum eng_status sec_type(struct dec *d)
{
	struct eng_module *m = d->m;
	uint32_t n, i, j, np, nr;
	enum eng_status st = rd_len(d, &n);

	if (st != ENG_OK)
		return st;
	if (n > d->lim->max_types)
		return fail_limit(d, "types", n, d->lim->max_types);
	m->types = arena_alloc_array(&m->arena, n ? n : 1, sizeof(*m->types));
	if (!m->types)
		return fail_nomem(d);
	m->ntypes = n;
	for (i = 0; i < n; i++) {
		struct eng__functype *t = &m->types[i];
		const uint8_t *at = d->r.p, *params;
		uint8_t form = 0;

		st = rd_byte(d, &form);
		if (st != ENG_OK)
			return st;
		/* The reference reads the form as an s7 LEB. */
		if (form & 0x80)
			return fail(d, ENG_ERR_MALFORMED, at, "integer representation too long");
		if (form != 0x60)
			return fail(d, ENG_ERR_MALFORMED, at, "malformed function type 0x%02x", form);
		st = rd_len(d, &np);
		if (st != ENG_OK)
			return st;
		if (np > d->lim->max_params)
			return fail_limit(d, "parameters", np, d->lim->max_params);
		params = d->r.p;
		for (j = 0; j < np; j++) {
			uint8_t vt = 0;

			st = rd_valtype(d, &vt);
			if (st != ENG_OK)
				return st;
		}
		at = d->r.p;
		st = rd_len(d, &nr);
		if (st != ENG_OK)
			return st;
		if (nr > 1) {
			if (d->pvf)
				return fail(d, ENG_ERR_PROFILE, at,
					    "multi-value is not supported by the PVF profile "
					    "(function type %u has %u results)", i, nr);
			m->features |= ENG_FEATURE_MULTI_VALUE;
		}
		if (nr > d->lim->max_results)
			return fail_limit(d, "results", nr, d->lim->max_results);
		t->nparams = np;
		t->nresults = nr;
		t->types = arena_alloc(&m->arena, (size_t)np + nr + 1);
		if (!t->types)
			return fail_nomem(d);
		memcpy(t->types, params, np);  /* one byte per valtype */
		for (j = 0; j < nr; j++) {
			st = rd_valtype(d, &t->types[np + j]);
			if (st != ENG_OK)
				return st;
		}
	}
	return ENG_OK;
}

static enum eng_status sec_import(struct dec *d)
{
	struct eng_module *m = d->m;
	uint32_t n, i;
	enum eng_status st = rd_len(d, &n);

	if (st != ENG_OK)
		return st;
	if (n > d->lim->max_imports)
		return fail_limit(d, "imports", n, d->lim->max_imports);
	m->imports = arena_alloc_array(&m->arena, n ? n : 1, sizeof(*m->imports));
	if (!m->imports)
		return fail_nomem(d);
	m->nimports = n;
	for (i = 0; i < n; i++) {
		struct eng__import *im = &m->imports[i];
		const uint8_t *at;
		uint8_t kind = 0;

		st = rd_name(d, &im->module, &im->module_len);
		if (st != ENG_OK)
			return st;
		st = rd_name(d, &im->name, &im->name_len);
		if (st != ENG_OK)
			return st;
		at = d->r.p;
		st = rd_byte(d, &kind);
		if (st != ENG_OK)
			return st;
		switch (kind) {
		case ENG_EXTERN_FUNC:
			st = rd_u32(d, &im->desc.func_type);
			m->nfunc_imports++;
			break;
		case ENG_EXTERN_TABLE:
			st = rd_tabletype(d, &im->desc.table);
			m->ntable_imports++;
			break;
		case ENG_EXTERN_MEMORY:
			st = rd_limits(d, &im->desc.memory);
			m->nmem_imports++;
			break;
		case ENG_EXTERN_GLOBAL:
			st = rd_globaltype(d, &im->desc.global);
			if (st == ENG_OK && im->desc.global.mut)
				m->features |= ENG_FEATURE_MUTABLE_GLOBAL_IMPORT;
			m->nglobal_imports++;
			break;
		default:
			return fail(d, ENG_ERR_MALFORMED, at, "malformed import kind 0x%02x", kind);
		}
		if (st != ENG_OK)
			return st;
		im->kind = (enum eng_extern_kind)kind;
	}
	if (m->nfunc_imports > d->lim->max_functions)
		return fail_limit(d, "functions", m->nfunc_imports, d->lim->max_functions);
	if (m->nglobal_imports > d->lim->max_globals)
		return fail_limit(d, "globals", m->nglobal_imports, d->lim->max_globals);
	return ENG_OK;
}

static enum eng_status sec_function(struct dec *d)
{
	uint32_t n, i;
	enum eng_status st = rd_len(d, &n);

	if (st != ENG_OK)
		return st;
	if ((uint64_t)n + d->m->nfunc_imports > d->lim->max_functions)
		return fail_limit(d, "functions", (uint64_t)n + d->m->nfunc_imports,
				  d->lim->max_functions);
	d->func_def_types = arena_alloc_array(&d->m->arena, n ? n : 1, sizeof(uint32_t));
	if (!d->func_def_types)
		return fail_nomem(d);
	d->nfunc_defs = n;
	for (i = 0; i < n; i++) {
		st = rd_u32(d, &d->func_def_types[i]);
		if (st != ENG_OK)
			return st;
	}
	return ENG_OK;
}

static enum eng_status sec_table(struct dec *d)
{
	uint32_t n, i;
	enum eng_status st = rd_len(d, &n);

	if (st != ENG_OK)
		return st;
	d->table_defs = arena_alloc_array(&d->m->arena, n ? n : 1, sizeof(*d->table_defs));
	if (!d->table_defs)
		return fail_nomem(d);
	d->ntable_defs = n;
	for (i = 0; i < n; i++) {
		st = rd_tabletype(d, &d->table_defs[i]);
		if (st != ENG_OK)
			return st;
	}
	return ENG_OK;
}

static enum eng_status sec_memory(struct dec *d)
{
	uint32_t n, i;
	enum eng_status st = rd_len(d, &n);

	if (st != ENG_OK)
		return st;
	d->has_memory_section = true;
	d->mem_defs = arena_alloc_array(&d->m->arena, n ? n : 1, sizeof(*d->mem_defs));
	if (!d->mem_defs)
		return fail_nomem(d);
	d->nmem_defs = n;
	for (i = 0; i < n; i++) {
		st = rd_limits(d, &d->mem_defs[i]);
		if (st != ENG_OK)
			return st;
	}
	return ENG_OK;
}

static enum eng_status sec_global(struct dec *d)
{
	uint32_t n, i;
	enum eng_status st = rd_len(d, &n);

	if (st != ENG_OK)
		return st;
	if ((uint64_t)n + d->m->nglobal_imports > d->lim->max_globals)
		return fail_limit(d, "globals", (uint64_t)n + d->m->nglobal_imports,
				  d->lim->max_globals);
	d->global_defs = arena_alloc_array(&d->m->arena, n ? n : 1, sizeof(*d->global_defs));
	if (!d->global_defs)
		return fail_nomem(d);
	d->nglobal_defs = n;
	for (i = 0; i < n; i++) {
		st = rd_globaltype(d, &d->global_defs[i].type);
		if (st != ENG_OK)
			return st;
		st = rd_const_expr(d, &d->global_defs[i].init);
		if (st != ENG_OK)
			return st;
	}
	return ENG_OK;
}

static enum eng_status sec_export(struct dec *d)
{
	struct eng_module *m = d->m;
	uint32_t n, i;
	enum eng_status st = rd_len(d, &n);

	if (st != ENG_OK)
		return st;
	if (n > d->lim->max_exports)
		return fail_limit(d, "exports", n, d->lim->max_exports);
	m->exports = arena_alloc_array(&m->arena, n ? n : 1, sizeof(*m->exports));
	if (!m->exports)
		return fail_nomem(d);
	m->nexports = n;
	for (i = 0; i < n; i++) {
		struct eng__export *ex = &m->exports[i];
		const uint8_t *at;
		uint8_t kind = 0;

		st = rd_name(d, &ex->name, &ex->name_len);
		if (st != ENG_OK)
			return st;
		at = d->r.p;
		st = rd_byte(d, &kind);
		if (st != ENG_OK)
			return st;
		if (kind > ENG_EXTERN_GLOBAL)
			return fail(d, ENG_ERR_MALFORMED, at, "malformed export kind 0x%02x", kind);
		ex->kind = (enum eng_extern_kind)kind;
		st = rd_u32(d, &ex->index);
		if (st != ENG_OK)
			return st;
	}
	return ENG_OK;
}

static enum eng_status sec_start(struct dec *d)
{
	enum eng_status st = rd_u32(d, &d->m->start);

	if (st == ENG_OK)
		d->m->has_start = true;
	return st;
}

/* Element segment items: a vector of function indices (as ref.func) or of
 * constant expressions. */
static enum eng_status rd_elem_items(struct dec *d, struct eng__elem *e, bool exprs)
{
	uint32_t n, i;
	enum eng_status st = rd_len(d, &n);

	if (st != ENG_OK)
		return st;
	if (n > d->lim->max_elems_per_segment)
		return fail_limit(d, "elements in a segment", n, d->lim->max_elems_per_segment);
	e->items = arena_alloc_array(&d->m->arena, n ? n : 1, sizeof(*e->items));
	if (!e->items)
		return fail_nomem(d);
	e->count = n;
	for (i = 0; i < n; i++) {
		struct eng__const_expr *ce = &e->items[i];

		if (exprs) {
			st = rd_const_expr(d, ce);
		} else {
			ce->kind = ENG_CONST_REF_FUNC;
			ce->type = ENG_FUNCREF;
			ce->offset = eng__rd_off(&d->r);
			ce->len = 0;  /* a bare function index, not an expression */
			st = rd_u32(d, &ce->index);
		}
		if (st != ENG_OK)
			return st;
	}
	return ENG_OK;
}

static enum eng_status sec_elem(struct dec *d)
{
	struct eng_module *m = d->m;
	uint32_t n, i;
	enum eng_status st = rd_len(d, &n);

	if (st != ENG_OK)
		return st;
	if (n > d->lim->max_elem_segments)
		return fail_limit(d, "element segments", n, d->lim->max_elem_segments);
	m->elems = arena_alloc_array(&m->arena, n ? n : 1, sizeof(*m->elems));
	if (!m->elems)
		return fail_nomem(d);
	m->nelems = n;
	for (i = 0; i < n; i++) {
		struct eng__elem *e = &m->elems[i];
		const uint8_t *at = d->r.p;
		uint32_t flags;
		bool exprs;

		st = rd_u32(d, &flags);
		if (st != ENG_OK)
			return st;
		if (flags > 7)
			return fail(d, ENG_ERR_MALFORMED, at,
				    "malformed elements segment kind %u", flags);
		if (flags != 0) {
			if (d->pvf)
				return fail(d, ENG_ERR_PROFILE, at,
					    "bulk memory and reference types are not supported by "
					    "the PVF profile (element segment kind %u)", flags);
			m->features |= (flags == 1 || flags == 5) ? ENG_FEATURE_BULK_MEMORY
								  : ENG_FEATURE_REFERENCE_TYPES;
		}
		e->mode = (flags & 1) ? ((flags & 2) ? ENG_SEG_DECLARATIVE : ENG_SEG_PASSIVE)
				      : ENG_SEG_ACTIVE;
		exprs = (flags & 4) != 0;
		e->elem_type = ENG_FUNCREF;
		e->table = 0;
		if (flags & 2 && !(flags & 1)) {
			st = rd_u32(d, &e->table);
			if (st != ENG_OK)
				return st;
		}
		if (e->mode == ENG_SEG_ACTIVE) {
			st = rd_const_expr(d, &e->offset);
			if (st != ENG_OK)
				return st;
		}
		if (flags & 3) {
			at = d->r.p;
			if (exprs) {
				st = rd_reftype(d, &e->elem_type);
				if (st != ENG_OK)
					return st;
			} else {
				uint8_t kind = 0;

				st = rd_byte(d, &kind);
				if (st != ENG_OK)
					return st;
				if (kind != 0)
					return fail(d, ENG_ERR_MALFORMED, at,
						    "malformed elements segment kind 0x%02x", kind);
			}
		}
		st = rd_elem_items(d, e, exprs);
		if (st != ENG_OK)
			return st;
	}
	return ENG_OK;
}

static enum eng_status sec_datacount(struct dec *d)
{
	const uint8_t *at = d->r.p;
	enum eng_status st;

	if (d->pvf)
		return fail(d, ENG_ERR_PROFILE, at - 2,
			    "bulk memory is not supported by the PVF profile (data count section)");
	st = rd_u32(d, &d->m->data_count);
	if (st != ENG_OK)
		return st;
	if (d->m->data_count > d->lim->max_data_segments)
		return fail_limit(d, "data segments", d->m->data_count, d->lim->max_data_segments);
	d->m->has_data_count = true;
	d->m->features |= ENG_FEATURE_BULK_MEMORY;
	return ENG_OK;
}

/* Locals of one body: a vector of (count, type) groups, expanded. */
static enum eng_status rd_locals(struct dec *d, struct eng__func *f, const uint8_t *body_end)
{
	struct eng_module *m = d->m;
	const uint8_t *groups;
	uint32_t ngroups, i, count, nparams = 0, k = 0;
	uint64_t total = 0;
	uint8_t vt = 0;
	enum eng_status st = rd_len(d, &ngroups);

	if (st != ENG_OK)
		return st;
	groups = d->r.p;
	for (i = 0; i < ngroups; i++) {
		st = rd_u32(d, &count);
		if (st != ENG_OK)
			return st;
		st = rd_valtype(d, &vt);
		if (st != ENG_OK)
			return st;
		total += count;
		if (total > UINT32_MAX)
			return fail(d, ENG_ERR_MALFORMED, groups, "too many locals");
	}
	if (d->r.p > body_end)
		return fail(d, ENG_ERR_MALFORMED, body_end, "section size mismatch");
	if (f->type_idx < m->ntypes)
		nparams = m->types[f->type_idx].nparams;
	if (total + nparams > d->lim->max_locals)
		return fail(d, ENG_ERR_LIMIT, groups, "too many locals (%llu, limit %u)",
			    (unsigned long long)(total + nparams), d->lim->max_locals);
	d->total_locals += total;
	if (d->total_locals > MAX_TOTAL_LOCALS)
		return fail(d, ENG_ERR_LIMIT, groups,
			    "too many locals in the module (limit %u)", MAX_TOTAL_LOCALS);
	f->nlocals = (uint32_t)total;
	f->local_types = arena_alloc(&m->arena, total ? total : 1);
	if (!f->local_types)
		return fail_nomem(d);
	/* Second pass over the already checked groups. */
	{
		const uint8_t *p = groups;

		for (i = 0; i < ngroups; i++) {
			eng__leb_u32(&p, d->r.end, &count);
			vt = *p++;
			memset(f->local_types + k, vt, count);
			k += count;
		}
	}
	return ENG_OK;
}

static enum eng_status sec_code(struct dec *d)
{
	struct eng_module *m = d->m;
	const uint8_t *at = d->r.p;
	uint32_t n, i, size;
	enum eng_status st = rd_len(d, &n);

	if (st != ENG_OK)
		return st;
	if (n != d->nfunc_defs)
		return fail(d, ENG_ERR_MALFORMED, at,
			    "function and code section have inconsistent lengths");
	d->has_code = true;
	d->ncode = n;
	for (i = 0; i < n; i++) {
		struct eng__func *f = &m->funcs[i];
		const uint8_t *body_end;

		at = d->r.p;
		st = rd_len(d, &size);
		if (st != ENG_OK)
			return st;
		if (size > d->lim->max_function_bytes)
			return fail(d, ENG_ERR_LIMIT, at, "function too large (%u bytes, limit %u)",
				    size, d->lim->max_function_bytes);
		body_end = d->r.p + size;
		st = rd_locals(d, f, body_end);
		if (st != ENG_OK)
			return st;
		f->code = d->r.p;
		f->code_len = (uint32_t)(body_end - d->r.p);
		f->code_offset = eng__rd_off(&d->r);
		d->r.p = body_end;
	}
	return ENG_OK;
}

static enum eng_status sec_data(struct dec *d)
{
	struct eng_module *m = d->m;
	uint32_t n, i;
	enum eng_status st = rd_len(d, &n);

	if (st != ENG_OK)
		return st;
	if (n > d->lim->max_data_segments)
		return fail_limit(d, "data segments", n, d->lim->max_data_segments);
	m->datas = arena_alloc_array(&m->arena, n ? n : 1, sizeof(*m->datas));
	if (!m->datas)
		return fail_nomem(d);
	m->ndatas = n;
	for (i = 0; i < n; i++) {
		struct eng__data *ds = &m->datas[i];
		const uint8_t *at = d->r.p;
		uint32_t flags;

		st = rd_u32(d, &flags);
		if (st != ENG_OK)
			return st;
		if (flags > 2)
			return fail(d, ENG_ERR_MALFORMED, at, "malformed data segment kind %u",
				    flags);
		if (flags == 2 && d->pvf && d->r.p < d->r.end && *d->r.p == 0x00) {
			/* parity-wasm reads the 2 as a memory index and the
			 * explicit index 0x00 as `unreachable` in the offset
			 * expression, then re-emits the same bytes; wasmparser
			 * reads an active segment of memory 0 and needs no
			 * feature for it (determinism.md §2.3, §5.3). */
		} else if (flags != 0) {
			if (d->pvf)
				return fail(d, ENG_ERR_PROFILE, at,
					    "bulk memory is not supported by the PVF profile "
					    "(data segment kind %u)", flags);
			if (flags == 1)
				m->features |= ENG_FEATURE_BULK_MEMORY;
		}
		ds->mode = flags == 1 ? ENG_SEG_PASSIVE : ENG_SEG_ACTIVE;
		if (flags == 2) {
			st = rd_u32(d, &ds->memory);
			if (st != ENG_OK)
				return st;
		}
		if (ds->mode == ENG_SEG_ACTIVE) {
			st = rd_const_expr(d, &ds->offset);
			if (st != ENG_OK)
				return st;
		}
		st = rd_len(d, &ds->len);
		if (st != ENG_OK)
			return st;
		if ((size_t)(d->r.end - d->r.p) < ds->len) {
			d->r.p = d->r.end;
			return fail_eof(d);
		}
		ds->bytes = d->r.p;
		d->r.p += ds->len;
	}
	return ENG_OK;
}

static enum eng_status sec_custom(struct dec *d, const uint8_t *sec_end)
{
	struct eng_module *m = d->m;
	struct eng__custom *c, *grown;
	enum eng_status st;

	/* Customs are few: grow the array by doubling inside the arena. */
	if ((m->ncustoms & (m->ncustoms - 1)) == 0) {
		grown = arena_alloc_array(&m->arena, m->ncustoms ? 2 * (size_t)m->ncustoms : 4,
					  sizeof(*grown));
		if (!grown)
			return fail_nomem(d);
		if (m->ncustoms)
			memcpy(grown, m->customs, m->ncustoms * sizeof(*grown));
		m->customs = grown;
	}
	c = &m->customs[m->ncustoms];
	st = rd_name(d, &c->name, &c->name_len);
	if (st != ENG_OK)
		return st;
	if (d->r.p > sec_end)
		return fail(d, ENG_ERR_MALFORMED, sec_end, "unexpected end of section or function");
	c->data = d->r.p;
	c->len = (uint32_t)(sec_end - d->r.p);
	d->r.p = sec_end;
	m->ncustoms++;
	return ENG_OK;
}

/* ---- assembling the index spaces ---------------------------------------- */

static enum eng_status build_index_spaces(struct dec *d)
{
	struct eng_module *m = d->m;
	uint32_t i, fi = 0, ti = 0, mi = 0, gi = 0;

	m->nfuncs_total = m->nfunc_imports + d->nfunc_defs;
	m->ntables_total = m->ntable_imports + d->ntable_defs;
	m->nmems_total = m->nmem_imports + d->nmem_defs;
	m->nglobals_total = m->nglobal_imports + d->nglobal_defs;
	m->func_type_idx = arena_alloc_array(&m->arena, m->nfuncs_total + 1, sizeof(uint32_t));
	m->tables = arena_alloc_array(&m->arena, m->ntables_total + 1, sizeof(*m->tables));
	m->mems = arena_alloc_array(&m->arena, m->nmems_total + 1, sizeof(*m->mems));
	m->globals = arena_alloc_array(&m->arena, m->nglobals_total + 1, sizeof(*m->globals));
	m->func_declared = arena_alloc(&m->arena, (size_t)m->nfuncs_total + 1);
	if (!m->func_type_idx || !m->tables || !m->mems || !m->globals || !m->func_declared)
		return fail_nomem(d);
	for (i = 0; i < m->nimports; i++) {
		const struct eng__import *im = &m->imports[i];

		switch (im->kind) {
		case ENG_EXTERN_FUNC:
			m->func_type_idx[fi++] = im->desc.func_type;
			break;
		case ENG_EXTERN_TABLE:
			m->tables[ti++] = im->desc.table;
			break;
		case ENG_EXTERN_MEMORY:
			m->mems[mi++] = im->desc.memory;
			break;
		case ENG_EXTERN_GLOBAL:
			m->globals[gi++].type = im->desc.global;
			break;
		default:
			break;
		}
	}
	for (i = 0; i < d->nfunc_defs; i++)
		m->func_type_idx[fi + i] = d->func_def_types[i];
	if (d->ntable_defs)
		memcpy(m->tables + ti, d->table_defs, d->ntable_defs * sizeof(*m->tables));
	if (d->nmem_defs)
		memcpy(m->mems + mi, d->mem_defs, d->nmem_defs * sizeof(*m->mems));
	if (d->nglobal_defs)
		memcpy(m->globals + gi, d->global_defs, d->nglobal_defs * sizeof(*m->globals));
	return ENG_OK;
}

/* Marks the functions `ref.func` may name: those referenced by exports,
 * element segments and global initialisers (C.refs of the spec). */
static void mark_declared(struct eng_module *m)
{
	uint32_t i, j;

	for (i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == ENG_EXTERN_FUNC && m->exports[i].index < m->nfuncs_total)
			m->func_declared[m->exports[i].index] = 1;
	for (i = 0; i < m->nelems; i++)
		for (j = 0; j < m->elems[i].count; j++) {
			const struct eng__const_expr *ce = &m->elems[i].items[j];

			if (ce->kind == ENG_CONST_REF_FUNC && ce->index < m->nfuncs_total)
				m->func_declared[ce->index] = 1;
		}
	for (i = m->nglobal_imports; i < m->nglobals_total; i++) {
		const struct eng__const_expr *ce = &m->globals[i].init;

		if (ce->kind == ENG_CONST_REF_FUNC && ce->index < m->nfuncs_total)
			m->func_declared[ce->index] = 1;
	}
}

/* ---- module ------------------------------------------------------------- */

/* Section ids in binary order (data count sits between element and code). */
static int section_rank(uint8_t id)
{
	static const int8_t rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

	return rank[id];
}

static enum eng_status read_section(struct dec *d, uint8_t id, const uint8_t *sec_end)
{
	struct eng_module *m = d->m;
	uint32_t i;

	switch (id) {
	case 0: return sec_custom(d, sec_end);
	case 1: return sec_type(d);
	case 2: return sec_import(d);
	case 3: {
		enum eng_status st = sec_function(d);

		if (st != ENG_OK)
			return st;
		m->funcs = arena_alloc_array(&m->arena, d->nfunc_defs ? d->nfunc_defs : 1,
					     sizeof(*m->funcs));
		if (!m->funcs)
			return fail_nomem(d);
		for (i = 0; i < d->nfunc_defs; i++)
			m->funcs[i].type_idx = d->func_def_types[i];
		return ENG_OK;
	}
	case 4: return sec_table(d);
	case 5: return sec_memory(d);
	case 6: return sec_global(d);
	case 7: return sec_export(d);
	case 8: return sec_start(d);
	case 9: return sec_elem(d);
	case 10: return sec_code(d);
	case 11: return sec_data(d);
	case 12: return sec_datacount(d);
	default: return fail(d, ENG_ERR_MALFORMED, d->r.p, "malformed section id %u", id);
	}
}

enum eng_status eng__decode(struct eng_module *m, struct eng_error *err)
{
	static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
	static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
	struct dec d;
	int last_rank = 0;
	enum eng_status st;

	memset(&d, 0, sizeof(d));
	d.m = m;
	d.err = err;
	d.pvf = m->config.profile == ENG_PROFILE_PVF;
	fill_default_limits(&m->config.limits, m->config.profile);
	d.lim = &m->config.limits;
	d.r.base = m->bytes;
	d.r.p = m->bytes;
	d.r.end = m->bytes + m->len;
	d.r.mod_end = d.r.end;

	if (m->len > d.lim->max_module_bytes)
		return fail(&d, ENG_ERR_LIMIT, d.r.p, "module too large (%zu bytes, limit %u)",
			    m->len, d.lim->max_module_bytes);
	if (m->len < 4)
		return fail(&d, ENG_ERR_MALFORMED, d.r.end, "unexpected end");
	if (memcmp(m->bytes, magic, 4) != 0)
		return fail(&d, ENG_ERR_MALFORMED, d.r.p, "magic header not detected");
	if (m->len < 8)
		return fail(&d, ENG_ERR_MALFORMED, d.r.end, "unexpected end");
	if (memcmp(m->bytes + 4, version, 4) != 0)
		return fail(&d, ENG_ERR_MALFORMED, d.r.p + 4, "unknown binary version");
	d.r.p += 8;

	while (d.r.p < d.r.end) {
		const uint8_t *sec_start = d.r.p, *sec_end;
		uint8_t id = *d.r.p++;
		uint32_t size;
		int rank;

		if (id > 12)
			return fail(&d, ENG_ERR_MALFORMED, sec_start, "malformed section id %u", id);
		if (id != 0) {
			rank = section_rank(id);
			if (rank <= last_rank)
				return fail(&d, ENG_ERR_MALFORMED, sec_start,
					    "unexpected content after last section (section id %u "
					    "out of order or repeated)", id);
			last_rank = rank;
		}
		st = rd_len(&d, &size);
		if (st != ENG_OK)
			return st;
		sec_end = d.r.p + size;
		st = read_section(&d, id, sec_end);
		if (st != ENG_OK)
			return st;
		if (d.r.p != sec_end)
			return fail(&d, ENG_ERR_MALFORMED, sec_start, "section size mismatch");
	}
	if (!d.has_code && d.nfunc_defs != 0)
		return fail(&d, ENG_ERR_MALFORMED, d.r.p,
			    "function and code section have inconsistent lengths");
	if (m->has_data_count && m->data_count != m->ndatas)
		return fail(&d, ENG_ERR_MALFORMED, d.r.p,
			    "data count and data section have inconsistent lengths");
	if (d.pvf && m->nmem_imports > 0 && d.has_memory_section && d.nmem_defs == 0)
		/* The reference turns the memory import into a memory section,
		 * which fails when one exists, even empty (determinism.md §4.2).
		 * A non-empty one is "multiple memories" for the validator. */
		return fail(&d, ENG_ERR_PROFILE, d.r.p,
			    "a memory import cannot be converted into a memory definition: the "
			    "module has a memory section");
	st = build_index_spaces(&d);
	if (st != ENG_OK)
		return st;
	mark_declared(m);
	return ENG_OK;
}

/* ---- instructions ------------------------------------------------------- */

static enum eng_status instr_eof(const struct eng__rd *r, struct eng_error *err)
{
	return eng__error(err, ENG_ERR_MALFORMED, eng__rd_off(r), "%s", eng__rd_eof_msg(r));
}

static enum eng_status instr_leb(const struct eng__rd *r, enum eng__leb res,
				 const uint8_t *at, struct eng_error *err)
{
	uint32_t off = (uint32_t)(at - r->base);

	switch (res) {
	case ENG__LEB_EOF:
		return eng__error(err, ENG_ERR_MALFORMED, off, "%s", eng__rd_eof_msg(r));
	case ENG__LEB_TOO_LONG:
		return eng__error(err, ENG_ERR_MALFORMED, off, "integer representation too long");
	case ENG__LEB_TOO_LARGE:
	case ENG__LEB_OK:
	default:
		return eng__error(err, ENG_ERR_MALFORMED, off, "integer too large");
	}
}

static enum eng_status instr_u32(struct eng__rd *r, uint32_t *v, struct eng_error *err)
{
	const uint8_t *at = r->p;
	enum eng__leb res = eng__leb_u32(&r->p, r->end, v);

	return res == ENG__LEB_OK ? ENG_OK : instr_leb(r, res, at, err);
}

static enum eng_status instr_zero(struct eng__rd *r, struct eng_error *err)
{
	if (r->p >= r->end)
		return instr_eof(r, err);
	if (*r->p != 0)
		return eng__error(err, ENG_ERR_MALFORMED, eng__rd_off(r), "zero byte expected");
	r->p++;
	return ENG_OK;
}

static enum eng_status not_in_pvf(const struct eng__instr *in, const char *feature,
				  struct eng_error *err)
{
	if (in->op >= 0xfc00)
		return eng__error(err, ENG_ERR_PROFILE, in->offset,
				  "not supported by the PVF profile: %s (opcode 0xfc %u)",
				  feature, in->op - 0xfc00);
	return eng__error(err, ENG_ERR_PROFILE, in->offset,
			  "not supported by the PVF profile: %s (opcode 0x%02x)", feature,
			  in->op);
}

static enum eng_status instr_blocktype(const struct eng_module *m, struct eng__rd *r,
				       struct eng__instr *in, uint32_t *features,
				       struct eng_error *err)
{
	const uint8_t *at = r->p;
	enum eng__leb res;
	int64_t v;

	if (m->config.profile == ENG_PROFILE_PVF) {
		/* parity-wasm: an s32 LEB; -64 empty, -1..-4 a number type. */
		res = eng__leb_s(&r->p, r->end, 32, &v);
		if (res != ENG__LEB_OK)
			return instr_leb(r, res, at, err);
		if (v == ENG__BT_EMPTY || (v <= -1 && v >= -4)) {
			in->bt = v;
			return ENG_OK;
		}
		if (v >= 0)
			return eng__error(err, ENG_ERR_PROFILE, (uint32_t)(at - r->base),
					  "multi-value is not supported by the PVF profile "
					  "(block type index %lld)", (long long)v);
		if (v == -16 || v == -17)
			return eng__error(err, ENG_ERR_PROFILE, (uint32_t)(at - r->base),
					  "reference types are not supported by the PVF profile "
					  "(block type)");
		return eng__error(err, ENG_ERR_MALFORMED, (uint32_t)(at - r->base),
				  "malformed block type %lld", (long long)v);
	}
	if (r->p >= r->end)
		return instr_eof(r, err);
	switch (*r->p) {
	case 0x40:
	case ENG_I32:
	case ENG_I64:
	case ENG_F32:
	case ENG_F64:
		in->bt = (int64_t)*r->p - 0x80;
		r->p++;
		return ENG_OK;
	case ENG_FUNCREF:
	case ENG_EXTERNREF:
		*features |= ENG_FEATURE_REFERENCE_TYPES;
		in->bt = (int64_t)*r->p - 0x80;
		r->p++;
		return ENG_OK;
	case ENG_V128:
		return eng__error(err, ENG_ERR_PROFILE, (uint32_t)(at - r->base),
				  "simd (v128) is not supported");
	default:
		break;
	}
	res = eng__leb_s(&r->p, r->end, 33, &v);
	if (res != ENG__LEB_OK)
		return instr_leb(r, res, at, err);
	if (v < 0)
		return eng__error(err, ENG_ERR_MALFORMED, (uint32_t)(at - r->base),
				  "malformed block type %lld", (long long)v);
	*features |= ENG_FEATURE_MULTI_VALUE;
	in->bt = v;
	return ENG_OK;
}

static enum eng_status instr_fc(const struct eng_module *m, struct eng__rd *r,
				struct eng__instr *in, uint32_t *features, struct eng_error *err)
{
	bool pvf = m->config.profile == ENG_PROFILE_PVF;
	uint32_t sub;
	enum eng_status st = instr_u32(r, &sub, err);

	if (st != ENG_OK)
		return st;
	in->op = ENG__OP_FC(sub);
	if (sub <= 7) {
		if (pvf)
			return not_in_pvf(in, "saturating float-to-int conversion", err);
		*features |= ENG_FEATURE_SAT_TRUNC;
		return ENG_OK;
	}
	if (sub > 17)
		return eng__error(err, ENG_ERR_MALFORMED, in->offset, "illegal opcode 0xfc %u",
				  sub);
	if (pvf)
		return not_in_pvf(in, sub <= 11 || sub == 12 || sub == 13 || sub == 14
					      ? "bulk memory" : "reference types", err);
	*features |= ENG_FEATURE_BULK_MEMORY;
	switch (sub) {
	case 8:  /* memory.init data 0x00 */
		st = instr_u32(r, &in->a, err);
		if (st == ENG_OK)
			st = instr_zero(r, err);
		return st;
	case 9:  /* data.drop */
		return instr_u32(r, &in->a, err);
	case 10: /* memory.copy 0x00 0x00 */
		st = instr_zero(r, err);
		if (st == ENG_OK)
			st = instr_zero(r, err);
		return st;
	case 11: /* memory.fill 0x00 */
		return instr_zero(r, err);
	case 12: /* table.init elem table */
	case 14: /* table.copy dst src */
		st = instr_u32(r, &in->a, err);
		if (st == ENG_OK)
			st = instr_u32(r, &in->b, err);
		if (st == ENG_OK && (in->b != 0 || (sub == 14 && in->a != 0)))
			*features |= ENG_FEATURE_REFERENCE_TYPES;
		return st;
	case 13: /* elem.drop */
		return instr_u32(r, &in->a, err);
	default: /* 15 table.grow, 16 table.size, 17 table.fill */
		*features |= ENG_FEATURE_REFERENCE_TYPES;
		return instr_u32(r, &in->a, err);
	}
}

enum eng_status eng__read_instr(const struct eng_module *m, struct eng__rd *r,
				struct eng__instr *in, uint32_t *features,
				struct eng_error *err)
{
	bool pvf = m->config.profile == ENG_PROFILE_PVF;
	const uint8_t *at;
	enum eng__leb res;
	enum eng_status st;
	uint32_t i, n;
	int64_t sv;
	uint8_t op;

	in->offset = eng__rd_off(r);
	if (r->p >= r->end)
		return instr_eof(r, err);
	op = *r->p++;
	in->op = op;
	switch (op) {
	case OP_UNREACHABLE: case OP_NOP: case OP_ELSE: case OP_END: case OP_RETURN:
	case OP_DROP: case OP_SELECT:
		return ENG_OK;
	case OP_BLOCK: case OP_LOOP: case OP_IF:
		return instr_blocktype(m, r, in, features, err);
	case OP_BR: case OP_BR_IF: case OP_CALL:
	case OP_LOCAL_GET: case OP_LOCAL_SET: case OP_LOCAL_TEE:
	case OP_GLOBAL_GET: case OP_GLOBAL_SET:
		return instr_u32(r, &in->a, err);
	case OP_BR_TABLE:
		at = r->p;
		st = instr_u32(r, &n, err);
		if (st != ENG_OK)
			return st;
		if (n > m->config.limits.max_br_table)
			return eng__error(err, ENG_ERR_LIMIT, (uint32_t)(at - r->base),
					  "too many br_table targets (%u, limit %u)", n,
					  m->config.limits.max_br_table);
		in->a = n;
		in->tbl = r->p;
		for (i = 0; i < n; i++) {
			uint32_t t;

			st = instr_u32(r, &t, err);
			if (st != ENG_OK)
				return st;
		}
		return instr_u32(r, &in->b, err);
	case OP_CALL_INDIRECT:
		st = instr_u32(r, &in->a, err);
		if (st != ENG_OK)
			return st;
		if (pvf) {
			in->b = 0;
			return instr_zero(r, err);
		}
		st = instr_u32(r, &in->b, err);
		if (st == ENG_OK && in->b != 0)
			*features |= ENG_FEATURE_REFERENCE_TYPES;
		return st;
	case OP_SELECT_T:
		if (pvf)
			return not_in_pvf(in, "reference types (typed select)", err);
		*features |= ENG_FEATURE_REFERENCE_TYPES;
		st = instr_u32(r, &n, err);
		if (st != ENG_OK)
			return st;
		in->b = n;
		in->a = 0;
		for (i = 0; i < n; i++) {
			at = r->p;
			if (r->p >= r->end)
				return instr_eof(r, err);
			op = *r->p++;
			switch (op) {
			case ENG_I32: case ENG_I64: case ENG_F32: case ENG_F64:
			case ENG_FUNCREF: case ENG_EXTERNREF:
				break;
			case ENG_V128:
				return eng__error(err, ENG_ERR_PROFILE, (uint32_t)(at - r->base),
						  "simd (v128) is not supported");
			default:
				return eng__error(err, ENG_ERR_MALFORMED, (uint32_t)(at - r->base),
						  "malformed value type 0x%02x", op);
			}
			if (i == 0)
				in->a = op;
		}
		return ENG_OK;
	case OP_TABLE_GET: case OP_TABLE_SET:
		if (pvf)
			return not_in_pvf(in, "reference types (table access)", err);
		*features |= ENG_FEATURE_REFERENCE_TYPES;
		return instr_u32(r, &in->a, err);
	case 0x3f: case 0x40:  /* memory.size, memory.grow */
		return instr_zero(r, err);
	case OP_I32_CONST:
		at = r->p;
		res = eng__leb_s(&r->p, r->end, 32, &sv);
		if (res != ENG__LEB_OK)
			return instr_leb(r, res, at, err);
		in->v = (uint32_t)sv;
		return ENG_OK;
	case OP_I64_CONST:
		at = r->p;
		res = eng__leb_s(&r->p, r->end, 64, &sv);
		if (res != ENG__LEB_OK)
			return instr_leb(r, res, at, err);
		in->v = (uint64_t)sv;
		return ENG_OK;
	case OP_F32_CONST:
		if (r->end - r->p < 4) {
			r->p = r->end;
			return instr_eof(r, err);
		}
		in->v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
			(uint32_t)r->p[3] << 24;
		r->p += 4;
		return ENG_OK;
	case OP_F64_CONST:
		if (r->end - r->p < 8) {
			r->p = r->end;
			return instr_eof(r, err);
		}
		in->v = 0;
		for (i = 0; i < 8; i++)
			in->v |= (uint64_t)r->p[i] << (8 * i);
		r->p += 8;
		return ENG_OK;
	case OP_REF_NULL:
		if (pvf)
			return not_in_pvf(in, "reference types", err);
		*features |= ENG_FEATURE_REFERENCE_TYPES;
		at = r->p;
		if (r->p >= r->end)
			return instr_eof(r, err);
		op = *r->p++;
		if (op != ENG_FUNCREF && op != ENG_EXTERNREF)
			return eng__error(err, ENG_ERR_MALFORMED, (uint32_t)(at - r->base),
					  "malformed reference type 0x%02x", op);
		in->a = op;
		return ENG_OK;
	case OP_REF_IS_NULL:
		if (pvf)
			return not_in_pvf(in, "reference types", err);
		*features |= ENG_FEATURE_REFERENCE_TYPES;
		return ENG_OK;
	case OP_REF_FUNC:
		if (pvf)
			return not_in_pvf(in, "reference types", err);
		*features |= ENG_FEATURE_REFERENCE_TYPES;
		return instr_u32(r, &in->a, err);
	case OP_PREFIX_FC:
		return instr_fc(m, r, in, features, err);
	case 0xfd:
		return eng__error(err, ENG_ERR_PROFILE, in->offset, "simd is not supported "
				  "(opcode prefix 0xfd)");
	default:
		break;
	}
	if (op >= 0x28 && op <= 0x3e) {  /* loads and stores: memarg */
		uint32_t off;

		st = instr_u32(r, &in->a, err);
		if (st != ENG_OK)
			return st;
		st = instr_u32(r, &off, err);
		in->v = off;
		return st;
	}
	if (op >= 0x45 && op <= 0xbf)  /* numeric: no immediates */
		return ENG_OK;
	if (op >= 0xc0 && op <= 0xc4) {
		if (pvf)
			return not_in_pvf(in, "sign-extension operators", err);
		*features |= ENG_FEATURE_SIGN_EXT;
		return ENG_OK;
	}
	return eng__error(err, ENG_ERR_MALFORMED, in->offset, "illegal opcode 0x%02x", op);
}
