/* SPDX-License-Identifier: Apache-2.0 */
/* Module life cycle, introspection and the engine's names for errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

const char *eng_trap_name(enum eng_trap trap)
{
	switch (trap) {
	case ENG_TRAP_NONE: return "no trap";
	case ENG_TRAP_UNREACHABLE: return "unreachable";
	case ENG_TRAP_MEMORY_OOB: return "out of bounds memory access";
	case ENG_TRAP_DIV_ZERO: return "integer divide by zero";
	case ENG_TRAP_INT_OVERFLOW: return "integer overflow";
	case ENG_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
	case ENG_TRAP_INDIRECT_MISMATCH: return "indirect call type mismatch";
	case ENG_TRAP_UNDEFINED_ELEMENT: return "undefined element";
	case ENG_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
	case ENG_TRAP_TABLE_OOB: return "out of bounds table access";
	case ENG_TRAP_CALL_STACK_EXHAUSTED: return "call stack exhausted";
	case ENG_TRAP_STACK_LIMIT: return "logical stack limit exceeded";
	case ENG_TRAP_HOST: return "host function trapped";
	case ENG_TRAP_NOMEM: return "out of memory";
	case ENG_TRAP__COUNT:
	default: return "unknown trap";
	}
}

const char *eng_status_name(enum eng_status status)
{
	switch (status) {
	case ENG_OK: return "ok";
	case ENG_ERR_MALFORMED: return "malformed";
	case ENG_ERR_INVALID: return "invalid";
	case ENG_ERR_PROFILE: return "outside profile";
	case ENG_ERR_STACK_LIMITER: return "rejected by the stack limiter";
	case ENG_ERR_LIMIT: return "limit exceeded";
	case ENG_ERR_NOMEM: return "out of memory";
	case ENG_ERR_UNLINKABLE: return "unlinkable";
	case ENG_ERR_TRAP: return "trap";
	case ENG_ERR_ARGS: return "bad arguments";
	case ENG_ERR_NATIVE_CODE: return "native code rejected";
	default: return "unknown status";
	}
}

enum eng_status eng__error(struct eng_error *err, enum eng_status status, uint32_t offset,
			   const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return status;
	err->status = status;
	err->trap = ENG_TRAP_NONE;
	err->offset = offset;
	err->func_idx = UINT32_MAX;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return status;
}

enum eng_status eng_module_new(const uint8_t *bytes, size_t len,
			       const struct eng_module_config *config,
			       struct eng_module **out, struct eng_error *err)
{
	struct eng_module *m;
	enum eng_status st;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
	if (config)
		m->config = *config;
	m->bytes = malloc(len ? len : 1);
	if (!m->bytes) {
		st = eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
		goto out_free;
	}
	memcpy(m->bytes, bytes, len);
	m->len = len;
	st = eng__decode(m, err);
	if (st != ENG_OK)
		goto out_free;
	st = eng__validate(m, err);
	if (st != ENG_OK)
		goto out_free;
	*out = m;
	return ENG_OK;
out_free:
	eng_module_free(m);
	return st;
}

void eng_module_free(struct eng_module *m)
{
	if (!m)
		return;
	eng__exec_module_free(m);
	arena_deinit(&m->arena);
	free(m->bytes);
	free(m);
}

enum eng_profile eng_module_profile(const struct eng_module *m)
{
	return m->config.profile;
}

static struct eng_limits_desc limits_view(const struct eng__limits *l)
{
	struct eng_limits_desc d = {l->min, l->max, l->has_max};
	return d;
}

static void extern_type_of(const struct eng_module *m, enum eng_extern_kind kind,
			   uint32_t index, struct eng_extern_type *t)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	switch (kind) {
	case ENG_EXTERN_FUNC:
		t->func = eng__functype_view(&m->types[m->func_type_idx[index]]);
		break;
	case ENG_EXTERN_TABLE:
		t->table.elem_type = m->tables[index].elem_type;
		t->table.limits = limits_view(&m->tables[index].limits);
		break;
	case ENG_EXTERN_MEMORY:
		t->memory = limits_view(&m->mems[index]);
		break;
	case ENG_EXTERN_GLOBAL:
		t->global.type = m->globals[index].type.type;
		t->global.mut = m->globals[index].type.mut;
		break;
	default:
		break;
	}
}

uint32_t eng_module_import_count(const struct eng_module *m)
{
	return m->nimports;
}

void eng_module_import(const struct eng_module *m, uint32_t i,
		       const char **module, size_t *module_len,
		       const char **name, size_t *name_len,
		       struct eng_extern_type *type)
{
	const struct eng__import *im = &m->imports[i];

	*module = im->module;
	*module_len = im->module_len;
	*name = im->name;
	*name_len = im->name_len;
	memset(type, 0, sizeof(*type));
	type->kind = im->kind;
	switch (im->kind) {
	case ENG_EXTERN_FUNC:
		type->func = eng__functype_view(&m->types[im->desc.func_type]);
		break;
	case ENG_EXTERN_TABLE:
		type->table.elem_type = im->desc.table.elem_type;
		type->table.limits = limits_view(&im->desc.table.limits);
		break;
	case ENG_EXTERN_MEMORY:
		type->memory = limits_view(&im->desc.memory);
		break;
	case ENG_EXTERN_GLOBAL:
		type->global.type = im->desc.global.type;
		type->global.mut = im->desc.global.mut;
		break;
	default:
		break;
	}
}

uint32_t eng_module_export_count(const struct eng_module *m)
{
	return m->nexports;
}

void eng_module_export(const struct eng_module *m, uint32_t i,
		       const char **name, size_t *name_len,
		       struct eng_extern_type *type)
{
	const struct eng__export *ex = &m->exports[i];

	*name = ex->name;
	*name_len = ex->name_len;
	extern_type_of(m, ex->kind, ex->index, type);
}

uint32_t eng_module_custom_count(const struct eng_module *m)
{
	return m->ncustoms;
}

void eng_module_custom(const struct eng_module *m, uint32_t i,
		       const char **name, size_t *name_len,
		       const uint8_t **data, size_t *data_len)
{
	*name = m->customs[i].name;
	*name_len = m->customs[i].name_len;
	*data = m->customs[i].data;
	*data_len = m->customs[i].len;
}

void eng_module_stats(const struct eng_module *m, struct eng_module_stats *st)
{
	uint32_t i;

	memset(st, 0, sizeof(*st));
	st->types = m->ntypes;
	st->imports = m->nimports;
	st->functions = m->nfuncs_total - m->nfunc_imports;
	st->tables = m->ntables_total - m->ntable_imports;
	st->memories = m->nmems_total - m->nmem_imports;
	st->globals = m->nglobals_total - m->nglobal_imports;
	st->exports = m->nexports;
	st->elem_segments = m->nelems;
	st->data_segments = m->ndatas;
	st->customs = m->ncustoms;
	st->has_start = m->has_start;
	for (i = 0; i < st->functions; i++)
		st->code_bytes += m->funcs[i].code_len;
}

uint32_t eng_module_stack_cost(const struct eng_module *m, uint32_t func_idx)
{
	if (func_idx < m->nfunc_imports || func_idx >= m->nfuncs_total)
		return 0;
	return m->funcs[func_idx - m->nfunc_imports].stack_cost;
}

uint32_t eng_module_features(const struct eng_module *m)
{
	return m->features;
}
