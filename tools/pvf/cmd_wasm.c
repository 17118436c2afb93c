/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf wasm: engine tools.
 *
 *   pvf wasm validate [--profile pvf|full] FILE
 *   pvf wasm run [--profile pvf|full] [--max-pages N] [--engine E] FILE EXPORT [ARGS...]
 *   pvf wasm info [--profile pvf|full] [--json] FILE
 *   pvf wasm spectest ... (spectest.c)
 *
 * FILE is plain Wasm, an 8-byte-prefixed zstd blob or a bare zstd frame.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"
#include "cli.h"
#include "spectest.h"

/* The PVF logical stack limit (determinism.md §3.1). */
#define WASM_PVF_LOGICAL_STACK_MAX 65536u

/* ---- shared helpers ----------------------------------------------------- */

/* Options common to the subcommands. Returns the index of the first operand,
 * or -1 after printing a usage error; -2 after printing help. */
struct wasm_opts {
	enum eng_profile profile;
	bool json;
	uint32_t max_pages;
	enum eng_backend backend;
};

enum {
	OPT_JSON = 1u << 0,
	OPT_MAX_PAGES = 1u << 1,
	OPT_ENGINE = 1u << 2,
};

static int parse_opts(const char *cmd, int argc, char **argv, unsigned allowed,
		      void (*usage)(FILE *), struct wasm_opts *o)
{
	int i;

	o->profile = ENG_PROFILE_PVF;
	o->json = false;
	o->max_pages = 0;
	o->backend = ENG_BACKEND_INTERP;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			return i + 1;
		if (a[0] != '-' || a[1] == '\0')
			return i;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return -2;
		}
		if (strcmp(a, "--profile") == 0 || strncmp(a, "--profile=", 10) == 0) {
			const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);

			if (!v || !cli_parse_profile(v, &o->profile)) {
				fprintf(stderr, "pvf wasm %s: --profile needs pvf or full\n", cmd);
				return -1;
			}
		} else if ((allowed & OPT_ENGINE) &&
			   (strcmp(a, "--engine") == 0 || strncmp(a, "--engine=", 9) == 0)) {
			const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);

			if (v && strcmp(v, "interp") == 0) {
				o->backend = ENG_BACKEND_INTERP;
			} else if (v && strcmp(v, "native") == 0) {
				o->backend = ENG_BACKEND_NATIVE;
			} else {
				fprintf(stderr, "pvf wasm %s: --engine needs interp or native\n", cmd);
				return -1;
			}
		} else if ((allowed & OPT_ENGINE) &&
			   (strcmp(a, "--tiers") == 0 || strncmp(a, "--tiers=", 8) == 0)) {
			const char *v = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
			enum eng_native_tiers tiers;

			if (!v || !cli_parse_tiers(v, &tiers)) {
				fprintf(stderr, "pvf wasm %s: --tiers needs auto, all or single\n", cmd);
				return -1;
			}
			eng_native_set_tiers(tiers);
		} else if ((allowed & OPT_JSON) && strcmp(a, "--json") == 0) {
			o->json = true;
		} else if ((allowed & OPT_MAX_PAGES) &&
			   (strcmp(a, "--max-pages") == 0 || strncmp(a, "--max-pages=", 12) == 0)) {
			const char *v = a[11] == '=' ? a + 12 : (i + 1 < argc ? argv[++i] : NULL);
			unsigned long n;
			char *end;

			errno = 0;
			n = v ? strtoul(v, &end, 10) : 0;
			if (!v || errno || end == v || *end || n == 0 || n > 65536) {
				fprintf(stderr, "pvf wasm %s: --max-pages needs 1..65536\n", cmd);
				return -1;
			}
			o->max_pages = (uint32_t)n;
		} else {
			fprintf(stderr, "pvf wasm %s: unknown option %s\n\n", cmd, a);
			usage(stderr);
			return -1;
		}
	}
	return i;
}

static const char *profile_name(enum eng_profile p)
{
	return p == ENG_PROFILE_PVF ? "pvf" : "full";
}

static const char *valtype_name(uint8_t t)
{
	switch (t) {
	case ENG_I32: return "i32";
	case ENG_I64: return "i64";
	case ENG_F32: return "f32";
	case ENG_F64: return "f64";
	case ENG_V128: return "v128";
	case ENG_FUNCREF: return "funcref";
	case ENG_EXTERNREF: return "externref";
	default: return "?";
	}
}

static const char *kind_name(enum eng_extern_kind k)
{
	switch (k) {
	case ENG_EXTERN_FUNC: return "func";
	case ENG_EXTERN_TABLE: return "table";
	case ENG_EXTERN_MEMORY: return "memory";
	case ENG_EXTERN_GLOBAL: return "global";
	default: return "?";
	}
}

/* "(i32, i64) -> (f32)" */
static void fmt_functype(const struct eng_functype *t, char *buf, size_t len)
{
	size_t off = 0;
	uint32_t i;

	off += (size_t)snprintf(buf + off, len - off, "(");
	for (i = 0; i < t->nparams && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					valtype_name(t->params[i]));
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off, ") -> (");
	for (i = 0; i < t->nresults && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					valtype_name(t->results[i]));
	if (off < len)
		snprintf(buf + off, len - off, ")");
}

static void fmt_limits(const struct eng_limits_desc *l, char *buf, size_t len)
{
	if (l->has_max)
		snprintf(buf, len, "min %" PRIu64 ", max %" PRIu64, l->min, l->max);
	else
		snprintf(buf, len, "min %" PRIu64 ", no max", l->min);
}

/* Type description of an import or export, e.g. "func (i32) -> ()". */
static void fmt_extern_type(const struct eng_extern_type *t, char *buf, size_t len)
{
	char tmp[256];

	switch (t->kind) {
	case ENG_EXTERN_FUNC:
		fmt_functype(&t->func, tmp, sizeof(tmp));
		snprintf(buf, len, "func %s", tmp);
		break;
	case ENG_EXTERN_TABLE:
		fmt_limits(&t->table.limits, tmp, sizeof(tmp));
		snprintf(buf, len, "table %s {%s}", valtype_name(t->table.elem_type), tmp);
		break;
	case ENG_EXTERN_MEMORY:
		fmt_limits(&t->memory, tmp, sizeof(tmp));
		snprintf(buf, len, "memory {%s}", tmp);
		break;
	case ENG_EXTERN_GLOBAL:
		snprintf(buf, len, "global %s%s", t->global.mut ? "mut " : "",
			 valtype_name(t->global.type));
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

/* "malformed: <msg> at offset N" */
static void fmt_eng_error(const struct eng_error *err, char *buf, size_t len)
{
	bool detail = err->msg[0] && strcmp(err->msg, eng_trap_name(err->trap)) != 0;

	if (err->status == ENG_ERR_TRAP)
		snprintf(buf, len, "trap: %s%s%s", eng_trap_name(err->trap),
			 detail ? ": " : "", detail ? err->msg : "");
	else if (err->offset != UINT32_MAX)
		snprintf(buf, len, "%s: %s at offset %" PRIu32, eng_status_name(err->status),
			 err->msg, err->offset);
	else
		snprintf(buf, len, "%s: %s", eng_status_name(err->status), err->msg);
}

static enum eng_status decode(const uint8_t *bytes, size_t len, enum eng_profile profile,
			      struct eng_module **out, struct eng_error *err)
{
	struct eng_module_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	memset(err, 0, sizeof(*err));
	cfg.profile = profile;
	return eng_module_new(bytes, len, &cfg, out, err);
}

/* --json of validate and run: one object on stdout. */
static void emit_json(json_t *j)
{
	cli_print_json(j, JSON_COMPACT);
}

static json_t *error_json(const struct eng_error *err)
{
	json_t *o = json_object();
	char msg[320];

	fmt_eng_error(err, msg, sizeof(msg));
	json_object_set_new(o, "status", json_string(eng_status_name(err->status)));
	if (err->status == ENG_ERR_TRAP)
		json_object_set_new(o, "trap", json_string(eng_trap_name(err->trap)));
	if (err->status != ENG_ERR_TRAP && err->offset != UINT32_MAX)
		json_object_set_new(o, "offset", json_integer(err->offset));
	json_object_set_new(o, "message", json_string(msg));
	return o;
}

/* ---- validate ----------------------------------------------------------- */

static void validate_usage(FILE *f)
{
	fprintf(f,
		"usage: pvf wasm validate [--profile pvf|full] [--json] FILE\n"
		"\n"
		"Decodes and validates a module (plain Wasm or a zstd code blob).\n"
		"\n"
		"options:\n"
		"  --profile pvf|full   pvf (default): what Polkadot's PVF pipeline accepts;\n"
		"                       full: Wasm 2.0 without SIMD\n"
		"  --json               {\"valid\": true|false, \"profile\": ..., \"error\": {...}}\n"
		"                       on stdout\n"
		"  -h, --help           this text\n"
		"\n"
		"exit status: 0 valid, 1 rejected (reason printed), 2 usage, 3 I/O error\n");
}

static int cmd_validate(int argc, char **argv)
{
	struct wasm_opts o;
	struct eng_module *m = NULL;
	struct eng_error err;
	uint8_t *bytes;
	size_t len;
	char msg[320];
	int first;

	first = parse_opts("validate", argc, argv, OPT_JSON, validate_usage, &o);
	if (first == -2)
		return CLI_EXIT_OK;
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (argc - first != 1) {
		validate_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_read_code(argv[first], &bytes, &len) < 0)
		return CLI_EXIT_ERROR;
	if (decode(bytes, len, o.profile, &m, &err) != ENG_OK) {
		free(bytes);
		fmt_eng_error(&err, msg, sizeof(msg));
		if (err.status == ENG_ERR_NOMEM) {
			fprintf(stderr, "pvf wasm validate: %s: %s\n", argv[first], msg);
			return CLI_EXIT_ERROR;
		}
		if (o.json) {
			json_t *j = json_object();

			json_object_set_new(j, "file", json_string(argv[first]));
			json_object_set_new(j, "valid", json_false());
			json_object_set_new(j, "profile", json_string(profile_name(o.profile)));
			json_object_set_new(j, "error", error_json(&err));
			emit_json(j);
		} else {
			printf("%s: %s\n", argv[first], msg);
		}
		return CLI_EXIT_FAIL;
	}
	if (o.json) {
		json_t *j = json_object();

		json_object_set_new(j, "file", json_string(argv[first]));
		json_object_set_new(j, "valid", json_true());
		json_object_set_new(j, "profile", json_string(profile_name(o.profile)));
		emit_json(j);
	} else {
		printf("%s: valid (profile %s)\n", argv[first], profile_name(o.profile));
	}
	eng_module_free(m);
	free(bytes);
	return CLI_EXIT_OK;
}

/* ---- run ---------------------------------------------------------------- */

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: pvf wasm run [--profile pvf|full] [--max-pages N] [--engine interp|native]\n"
		"                    [--tiers auto|all|single] [--json] FILE EXPORT [ARGS...]\n"
		"\n"
		"Instantiates FILE and calls its exported function EXPORT. Arguments are\n"
		"typed: i32:5 i64:-1 f32:1.5 f64:-0x1.8p3 (a float written 0xHEX with only\n"
		"hex digits gives its raw bits: f32:0x7fc00000), funcref:null,\n"
		"externref:null. Results are printed one per line in the same form.\n"
		"Imports are stubbed: functions trap naming the import when called;\n"
		"memories, tables and globals are created fresh from the import's type.\n"
		"\n"
		"options:\n"
		"  --profile pvf|full   engine profile (default pvf)\n"
		"  --max-pages N        hard maximum of any memory in 64 KiB pages\n"
		"  --engine E           interp (default) or native (x86-64 compiler)\n"
		"  --tiers T            native: functions also compiled by the optimising tier:\n"
		"                       auto (default), all (every one it can), single (none)\n"
		"  --json               {\"results\": [\"i32:5\", ...]} or {\"error\": {...}}\n"
		"                       on stdout\n"
		"  -h, --help           this text\n"
		"\n"
		"exit status: 0 returned, 1 rejected, unlinkable or trapped (reason on\n"
		"stderr), 2 usage, 3 I/O error\n");
}

/* Stubs for unknown imports; names kept for the trap message. */
struct run_ctx {
	struct eng_store *store;
	char **names;
	size_t nnames, cap;
};

static enum eng_trap missing_import(struct eng_host_call *call, void *user,
				    const uint64_t *args, uint64_t *results)
{
	(void)args;
	(void)results;
	return eng_host_trap(call, "call to a missing function %s", (const char *)user);
}

static bool run_resolve(void *ctx, const char *module, size_t module_len, const char *name,
			size_t name_len, const struct eng_extern_type *want, struct eng_extern *out)
{
	struct run_ctx *rc = ctx;
	struct eng_val zero;
	char *label;
	void *p;

	out->kind = want->kind;
	switch (want->kind) {
	case ENG_EXTERN_FUNC:
		if (rc->nnames == rc->cap) {
			p = base_reallocarray(rc->names, rc->cap ? rc->cap * 2 : 16,
					      sizeof(*rc->names));
			if (!p)
				return false;
			rc->names = p;
			rc->cap = rc->cap ? rc->cap * 2 : 16;
		}
		if (asprintf(&label, "%.*s:%.*s", (int)module_len, module, (int)name_len,
			     name) < 0)
			return false;
		rc->names[rc->nnames++] = label;
		out->of.func = eng_func_new_host(rc->store, &want->func, missing_import, label);
		return out->of.func != NULL;
	case ENG_EXTERN_MEMORY:
		out->of.memory = eng_memory_new(rc->store, want->memory);
		return out->of.memory != NULL;
	case ENG_EXTERN_TABLE:
		out->of.table = eng_table_new(rc->store, want->table.elem_type,
					      want->table.limits);
		return out->of.table != NULL;
	case ENG_EXTERN_GLOBAL:
		memset(&zero, 0, sizeof(zero));
		zero.type = (enum eng_valtype)want->global.type;
		out->of.global = eng_global_new(rc->store, zero, want->global.mut);
		return out->of.global != NULL;
	default:
		return false;
	}
}

/* True if s is "0x" followed by 1..max_digits hex digits only. */
static bool is_raw_hex(const char *s, size_t max_digits)
{
	size_t n;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	n = strspn(s + 2, "0123456789abcdefABCDEF");
	return n > 0 && n <= max_digits && s[2 + n] == '\0';
}

static bool parse_int(const char *s, bool wide, uint64_t *out)
{
	char *end;

	errno = 0;
	if (s[0] == '-') {
		long long v = strtoll(s, &end, 0);

		if (errno || end == s || *end || (!wide && v < INT32_MIN))
			return false;
		*out = wide ? (uint64_t)v : (uint64_t)(uint32_t)(int32_t)v;
	} else {
		unsigned long long v = strtoull(s, &end, 0);

		if (errno || end == s || *end || (!wide && v > UINT32_MAX))
			return false;
		*out = v;
	}
	return true;
}

/* Parses "TYPE:VALUE" into a value of type `want`. */
static bool parse_run_arg(const char *arg, uint8_t want, struct eng_val *v)
{
	const char *colon = strchr(arg, ':'), *text;
	char *end;
	uint64_t bits;

	memset(v, 0, sizeof(*v));
	if (!colon || (size_t)(colon - arg) != strlen(valtype_name(want)) ||
	    strncmp(arg, valtype_name(want), (size_t)(colon - arg)) != 0)
		return false;
	text = colon + 1;
	v->type = (enum eng_valtype)want;
	errno = 0;
	switch (want) {
	case ENG_I32:
		if (!parse_int(text, false, &bits))
			return false;
		v->of.i32 = (uint32_t)bits;
		return true;
	case ENG_I64:
		return parse_int(text, true, &v->of.i64);
	case ENG_F32:
		if (is_raw_hex(text, 8)) {
			v->of.f32 = (uint32_t)strtoul(text, NULL, 16);
		} else {
			float f = strtof(text, &end);

			if (end == text || *end)
				return false;
			memcpy(&v->of.f32, &f, sizeof(f));
		}
		return true;
	case ENG_F64:
		if (is_raw_hex(text, 16)) {
			v->of.f64 = strtoull(text, NULL, 16);
		} else {
			double d = strtod(text, &end);

			if (end == text || *end)
				return false;
			memcpy(&v->of.f64, &d, sizeof(d));
		}
		return true;
	case ENG_FUNCREF:
	case ENG_EXTERNREF:
		return strcmp(text, "null") == 0;
	default:
		return false;
	}
}

/* A result in the form the arguments take ("i32:5", "f32:0x7fc00000"). */
static void format_result(const struct eng_val *v, char *buf, size_t len)
{
	float f;
	double d;

	switch (v->type) {
	case ENG_F32:
		memcpy(&f, &v->of.f32, sizeof(f));
		if (isnan(f))
			snprintf(buf, len, "f32:0x%08" PRIx32, v->of.f32);
		else
			snprintf(buf, len, "f32:%.9g", (double)f);
		break;
	case ENG_F64:
		memcpy(&d, &v->of.f64, sizeof(d));
		if (isnan(d))
			snprintf(buf, len, "f64:0x%016" PRIx64, v->of.f64);
		else
			snprintf(buf, len, "f64:%.17g", d);
		break;
	case ENG_FUNCREF:
	case ENG_EXTERNREF:
		snprintf(buf, len, "%s:%s", valtype_name(v->type), v->of.ref ? "<ref>" : "null");
		break;
	default:
		cli_format_val(v, buf, len);
		break;
	}
}

static int cmd_run(int argc, char **argv)
{
	struct wasm_opts o;
	struct run_ctx rc = {NULL, NULL, 0, 0};
	struct eng_store_config scfg;
	struct eng_module *m = NULL;
	struct eng_instance *inst = NULL;
	const struct eng_functype *ft;
	struct eng_val *args = NULL, *res = NULL;
	struct eng_extern ext;
	struct eng_error err;
	uint8_t *bytes = NULL;
	size_t len, i;
	char msg[320];
	int first, nargs, ret = CLI_EXIT_ERROR;

	first = parse_opts("run", argc, argv, OPT_MAX_PAGES | OPT_ENGINE | OPT_JSON, run_usage, &o);
	if (first == -2)
		return CLI_EXIT_OK;
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (argc - first < 2) {
		run_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_read_code(argv[first], &bytes, &len) < 0)
		return CLI_EXIT_ERROR;
	if (decode(bytes, len, o.profile, &m, &err) != ENG_OK) {
		fmt_eng_error(&err, msg, sizeof(msg));
		fprintf(stderr, "pvf wasm run: %s: %s\n", argv[first], msg);
		ret = err.status == ENG_ERR_NOMEM ? CLI_EXIT_ERROR : CLI_EXIT_FAIL;
		goto out_free_bytes;
	}
	memset(&scfg, 0, sizeof(scfg));
	scfg.max_memory_pages = o.max_pages;
	scfg.backend = o.backend;
	if (o.profile == ENG_PROFILE_PVF)
		scfg.logical_stack_max = WASM_PVF_LOGICAL_STACK_MAX;
	if (eng_store_new(&scfg, &rc.store) != ENG_OK) {
		fprintf(stderr, "pvf wasm run: cannot create a store\n");
		goto out_free_module;
	}
	memset(&err, 0, sizeof(err));
	if (eng_instance_new(rc.store, m, run_resolve, &rc, &inst, &err) != ENG_OK) {
		fmt_eng_error(&err, msg, sizeof(msg));
		fprintf(stderr, "pvf wasm run: %s: %s\n", argv[first], msg);
		ret = err.status == ENG_ERR_NOMEM ? CLI_EXIT_ERROR : CLI_EXIT_FAIL;
		goto out_free_store;
	}
	if (!eng_instance_export(inst, argv[first + 1], strlen(argv[first + 1]), &ext) ||
	    ext.kind != ENG_EXTERN_FUNC) {
		fprintf(stderr, "pvf wasm run: %s: no exported function \"%s\"\n", argv[first],
			argv[first + 1]);
		ret = CLI_EXIT_USAGE;
		goto out_free_store;
	}
	ft = eng_func_type(ext.of.func);
	nargs = argc - first - 2;
	fmt_functype(ft, msg, sizeof(msg));
	if ((uint32_t)nargs != ft->nparams) {
		fprintf(stderr, "pvf wasm run: \"%s\" has type %s: %" PRIu32
			" argument(s) needed, %d given\n", argv[first + 1], msg, ft->nparams,
			nargs);
		ret = CLI_EXIT_USAGE;
		goto out_free_store;
	}
	args = base_calloc(ft->nparams ? ft->nparams : 1, sizeof(*args));
	res = base_calloc(ft->nresults ? ft->nresults : 1, sizeof(*res));
	if (!args || !res) {
		fprintf(stderr, "pvf wasm run: out of memory\n");
		goto out_free_vals;
	}
	for (i = 0; i < ft->nparams; i++) {
		if (!parse_run_arg(argv[first + 2 + (int)i], ft->params[i], &args[i])) {
			fprintf(stderr, "pvf wasm run: argument %zu: expected %s:VALUE, got `%s`\n",
				i + 1, valtype_name(ft->params[i]), argv[first + 2 + (int)i]);
			ret = CLI_EXIT_USAGE;
			goto out_free_vals;
		}
	}
	memset(&err, 0, sizeof(err));
	if (eng_func_call(rc.store, ext.of.func, args, ft->nparams, res, ft->nresults,
			  &err) != ENG_OK) {
		fmt_eng_error(&err, msg, sizeof(msg));
		if (o.json) {
			json_t *j = json_object();

			json_object_set_new(j, "error", error_json(&err));
			emit_json(j);
		}
		fprintf(stderr, "pvf wasm run: %s\n", msg);
		ret = err.status == ENG_ERR_NOMEM ? CLI_EXIT_ERROR : CLI_EXIT_FAIL;
		goto out_free_vals;
	}
	if (o.json) {
		json_t *j = json_object(), *a = json_array();

		for (i = 0; i < ft->nresults; i++) {
			format_result(&res[i], msg, sizeof(msg));
			json_array_append_new(a, json_string(msg));
		}
		json_object_set_new(j, "results", a);
		emit_json(j);
	} else {
		for (i = 0; i < ft->nresults; i++) {
			format_result(&res[i], msg, sizeof(msg));
			printf("%s\n", msg);
		}
	}
	ret = CLI_EXIT_OK;
out_free_vals:
	free(args);
	free(res);
out_free_store:
	eng_store_free(rc.store);
	for (i = 0; i < rc.nnames; i++)
		free(rc.names[i]);
	free(rc.names);
out_free_module:
	eng_module_free(m);
out_free_bytes:
	free(bytes);
	return ret;
}

/* ---- info --------------------------------------------------------------- */

static void info_usage(FILE *f)
{
	fprintf(f,
		"usage: pvf wasm info [--profile pvf|full] [--json] FILE\n"
		"\n"
		"Describes a module: sections with offsets and sizes, counts, imports,\n"
		"exports, custom sections, the post-MVP features it uses (read with the\n"
		"full profile) and the verdict of the selected profile.\n"
		"\n"
		"options:\n"
		"  --profile pvf|full   profile of the verdict (default pvf)\n"
		"  --json               one JSON object on stdout\n"
		"  -h, --help           this text\n"
		"\n"
		"exit status: 0 accepted by the profile, 1 rejected, 2 usage, 3 I/O error\n");
}

static const char *section_name(uint8_t id)
{
	static const char *const names[] = {
		"custom", "type", "import", "function", "table", "memory", "global",
		"export", "start", "element", "code", "data", "datacount",
	};

	return id < BASE_ARRAY_SIZE(names) ? names[id] : "unknown";
}

struct section {
	uint8_t id;
	uint32_t offset;    /* of the id byte */
	uint32_t size;      /* payload size */
	char custom[64];    /* custom section name (truncated), printable */
};

static bool read_leb_u32(const uint8_t *p, size_t len, size_t *pos, uint32_t *out)
{
	uint64_t v = 0;
	unsigned shift;

	for (shift = 0; shift < 35; shift += 7) {
		uint8_t b;

		if (*pos >= len)
			return false;
		b = p[(*pos)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (v > UINT32_MAX)
				return false;
			*out = (uint32_t)v;
			return true;
		}
	}
	return false;
}

/* Lists the section headers. Stops at the first malformed header, reporting
 * where in *bad_offset (UINT32_MAX if the list is complete). */
static size_t scan_sections(const uint8_t *p, size_t len, struct section *out, size_t max,
			    uint32_t *bad_offset)
{
	size_t pos = 8, n = 0;

	*bad_offset = UINT32_MAX;
	if (len < 8 || memcmp(p, "\0asm", 4) != 0) {
		*bad_offset = 0;
		return 0;
	}
	while (pos < len && n < max) {
		struct section *s = &out[n];
		size_t start = pos, body;
		uint32_t nlen;

		memset(s, 0, sizeof(*s));
		s->id = p[pos++];
		s->offset = (uint32_t)start;
		if (!read_leb_u32(p, len, &pos, &s->size) || s->size > len - pos) {
			*bad_offset = (uint32_t)start;
			return n;
		}
		body = pos;
		if (s->id == 0) {
			if (read_leb_u32(p, len, &pos, &nlen) && nlen <= body + s->size - pos) {
				size_t i, k = nlen < sizeof(s->custom) ? nlen : sizeof(s->custom) - 1;

				for (i = 0; i < k; i++) {
					uint8_t c = p[pos + i];

					s->custom[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
				}
			}
		}
		pos = body + s->size;
		n++;
	}
	return n;
}

static const struct {
	uint32_t bit;
	const char *name;
} features[] = {
	{ENG_FEATURE_MULTI_VALUE, "multi-value"},
	{ENG_FEATURE_BULK_MEMORY, "bulk-memory"},
	{ENG_FEATURE_REFERENCE_TYPES, "reference-types"},
	{ENG_FEATURE_SIGN_EXT, "sign-extension"},
	{ENG_FEATURE_SAT_TRUNC, "saturating-float-to-int"},
	{ENG_FEATURE_MUTABLE_GLOBAL_IMPORT, "mutable-global-import"},
};

static json_t *json_strn(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);

	/* Names are UTF-8 in valid modules; fall back for safety. */
	return j ? j : json_string("<invalid utf-8>");
}

static json_t *json_limits(const struct eng_limits_desc *l)
{
	json_t *o = json_object();

	json_object_set_new(o, "min", json_integer((json_int_t)l->min));
	if (l->has_max)
		json_object_set_new(o, "max", json_integer((json_int_t)l->max));
	return o;
}

static json_t *json_valtypes(const uint8_t *t, uint32_t n)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(valtype_name(t[i])));
	return a;
}

static json_t *json_extern_type(const struct eng_extern_type *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "kind", json_string(kind_name(t->kind)));
	switch (t->kind) {
	case ENG_EXTERN_FUNC:
		json_object_set_new(o, "params", json_valtypes(t->func.params, t->func.nparams));
		json_object_set_new(o, "results",
				    json_valtypes(t->func.results, t->func.nresults));
		break;
	case ENG_EXTERN_TABLE:
		json_object_set_new(o, "elem_type", json_string(valtype_name(t->table.elem_type)));
		json_object_set_new(o, "limits", json_limits(&t->table.limits));
		break;
	case ENG_EXTERN_MEMORY:
		json_object_set_new(o, "limits", json_limits(&t->memory));
		break;
	case ENG_EXTERN_GLOBAL:
		json_object_set_new(o, "type", json_string(valtype_name(t->global.type)));
		json_object_set_new(o, "mutable", json_boolean(t->global.mut));
		break;
	default:
		break;
	}
	return o;
}

static void info_json(const char *path, size_t len, const struct section *secs, size_t nsecs,
		      uint32_t bad_offset, const struct eng_module *full,
		      const struct eng_error *full_err, enum eng_profile profile, bool accepted,
		      const struct eng_error *err)
{
	json_t *root = json_object(), *a, *o;
	struct eng_module_stats st;
	struct eng_extern_type t;
	const char *mod, *name;
	const uint8_t *data;
	size_t mlen, nlen, dlen, i;
	char msg[320];

	json_object_set_new(root, "file", json_string(path));
	json_object_set_new(root, "size", json_integer((json_int_t)len));
	json_object_set_new(root, "profile", json_string(profile_name(profile)));
	json_object_set_new(root, "accepted", json_boolean(accepted));
	if (!accepted) {
		fmt_eng_error(err, msg, sizeof(msg));
		json_object_set_new(root, "error", json_string(msg));
	}
	a = json_array();
	for (i = 0; i < nsecs; i++) {
		o = json_object();
		json_object_set_new(o, "id", json_integer(secs[i].id));
		json_object_set_new(o, "name", json_string(section_name(secs[i].id)));
		json_object_set_new(o, "offset", json_integer(secs[i].offset));
		json_object_set_new(o, "size", json_integer(secs[i].size));
		if (secs[i].id == 0)
			json_object_set_new(o, "custom_name", json_string(secs[i].custom));
		json_array_append_new(a, o);
	}
	json_object_set_new(root, "sections", a);
	if (bad_offset != UINT32_MAX)
		json_object_set_new(root, "sections_truncated_at", json_integer(bad_offset));
	if (full) {
		eng_module_stats(full, &st);
		o = json_object();
		json_object_set_new(o, "types", json_integer(st.types));
		json_object_set_new(o, "imports", json_integer(st.imports));
		json_object_set_new(o, "functions", json_integer(st.functions));
		json_object_set_new(o, "tables", json_integer(st.tables));
		json_object_set_new(o, "memories", json_integer(st.memories));
		json_object_set_new(o, "globals", json_integer(st.globals));
		json_object_set_new(o, "exports", json_integer(st.exports));
		json_object_set_new(o, "elem_segments", json_integer(st.elem_segments));
		json_object_set_new(o, "data_segments", json_integer(st.data_segments));
		json_object_set_new(o, "custom_sections", json_integer(st.customs));
		json_object_set_new(o, "code_bytes", json_integer((json_int_t)st.code_bytes));
		json_object_set_new(o, "has_start", json_boolean(st.has_start));
		json_object_set_new(root, "counts", o);
		a = json_array();
		for (i = 0; i < eng_module_import_count(full); i++) {
			eng_module_import(full, (uint32_t)i, &mod, &mlen, &name, &nlen, &t);
			o = json_extern_type(&t);
			json_object_set_new(o, "module", json_strn(mod, mlen));
			json_object_set_new(o, "name", json_strn(name, nlen));
			json_array_append_new(a, o);
		}
		json_object_set_new(root, "imports", a);
		a = json_array();
		for (i = 0; i < eng_module_export_count(full); i++) {
			eng_module_export(full, (uint32_t)i, &name, &nlen, &t);
			o = json_extern_type(&t);
			json_object_set_new(o, "name", json_strn(name, nlen));
			json_array_append_new(a, o);
		}
		json_object_set_new(root, "exports", a);
		a = json_array();
		for (i = 0; i < eng_module_custom_count(full); i++) {
			eng_module_custom(full, (uint32_t)i, &name, &nlen, &data, &dlen);
			o = json_object();
			json_object_set_new(o, "name", json_strn(name, nlen));
			json_object_set_new(o, "size", json_integer((json_int_t)dlen));
			json_array_append_new(a, o);
		}
		json_object_set_new(root, "custom_sections", a);
		a = json_array();
		for (i = 0; i < BASE_ARRAY_SIZE(features); i++)
			if (eng_module_features(full) & features[i].bit)
				json_array_append_new(a, json_string(features[i].name));
		json_object_set_new(root, "features", a);
	} else {
		fmt_eng_error(full_err, msg, sizeof(msg));
		json_object_set_new(root, "full_profile_error", json_string(msg));
	}
	cli_print_json(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

static void info_text(const char *path, size_t len, const struct section *secs, size_t nsecs,
		      uint32_t bad_offset, const struct eng_module *full,
		      const struct eng_error *full_err, enum eng_profile profile, bool accepted,
		      const struct eng_error *err)
{
	struct eng_module_stats st;
	struct eng_extern_type t;
	const char *mod, *name;
	const uint8_t *data;
	size_t mlen, nlen, dlen, i;
	char buf[320];
	bool any = false;

	printf("file: %s (%zu bytes of Wasm after decompression)\n", path, len);
	printf("sections:\n");
	for (i = 0; i < nsecs; i++) {
		printf("  %-10s id %2u  offset %8" PRIu32 "  size %8" PRIu32, section_name(secs[i].id),
		       secs[i].id, secs[i].offset, secs[i].size);
		if (secs[i].id == 0)
			printf("  \"%s\"", secs[i].custom);
		printf("\n");
	}
	if (bad_offset != UINT32_MAX)
		printf("  (malformed section header at offset %" PRIu32 ")\n", bad_offset);
	if (full) {
		eng_module_stats(full, &st);
		printf("counts: types %" PRIu32 ", imports %" PRIu32 ", functions %" PRIu32
		       ", tables %" PRIu32 ", memories %" PRIu32 ", globals %" PRIu32
		       ", exports %" PRIu32 ", elem segments %" PRIu32 ", data segments %" PRIu32
		       ", custom sections %" PRIu32 "\n", st.types, st.imports, st.functions,
		       st.tables, st.memories, st.globals, st.exports, st.elem_segments,
		       st.data_segments, st.customs);
		printf("code: %" PRIu64 " bytes, start function: %s\n", st.code_bytes,
		       st.has_start ? "yes" : "no");
		printf("imports: %" PRIu32 "\n", eng_module_import_count(full));
		for (i = 0; i < eng_module_import_count(full); i++) {
			eng_module_import(full, (uint32_t)i, &mod, &mlen, &name, &nlen, &t);
			fmt_extern_type(&t, buf, sizeof(buf));
			printf("  %.*s.%.*s: %s\n", (int)mlen, mod, (int)nlen, name, buf);
		}
		printf("exports: %" PRIu32 "\n", eng_module_export_count(full));
		for (i = 0; i < eng_module_export_count(full); i++) {
			eng_module_export(full, (uint32_t)i, &name, &nlen, &t);
			fmt_extern_type(&t, buf, sizeof(buf));
			printf("  \"%.*s\": %s\n", (int)nlen, name, buf);
		}
		printf("custom sections: %" PRIu32 "\n", eng_module_custom_count(full));
		for (i = 0; i < eng_module_custom_count(full); i++) {
			eng_module_custom(full, (uint32_t)i, &name, &nlen, &data, &dlen);
			printf("  \"%.*s\": %zu bytes\n", (int)nlen, name, dlen);
		}
		printf("features:");
		for (i = 0; i < BASE_ARRAY_SIZE(features); i++) {
			if (eng_module_features(full) & features[i].bit) {
				printf("%s %s", any ? "," : "", features[i].name);
				any = true;
			}
		}
		printf("%s\n", any ? "" : " none (MVP)");
	} else {
		fmt_eng_error(full_err, buf, sizeof(buf));
		printf("full profile: %s\n", buf);
	}
	if (accepted) {
		printf("profile %s: accepted\n", profile_name(profile));
	} else {
		fmt_eng_error(err, buf, sizeof(buf));
		printf("profile %s: %s\n", profile_name(profile), buf);
	}
}

#define INFO_MAX_SECTIONS 1024

static int cmd_info(int argc, char **argv)
{
	struct wasm_opts o;
	struct eng_module *full = NULL, *m = NULL;
	struct eng_error full_err, err;
	struct section *secs;
	uint32_t bad_offset;
	uint8_t *bytes;
	size_t len, nsecs;
	bool accepted;
	int first, ret;

	first = parse_opts("info", argc, argv, OPT_JSON, info_usage, &o);
	if (first == -2)
		return CLI_EXIT_OK;
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (argc - first != 1) {
		info_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_read_code(argv[first], &bytes, &len) < 0)
		return CLI_EXIT_ERROR;
	secs = base_calloc(INFO_MAX_SECTIONS, sizeof(*secs));
	if (!secs) {
		free(bytes);
		fprintf(stderr, "pvf wasm info: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	nsecs = scan_sections(bytes, len, secs, INFO_MAX_SECTIONS, &bad_offset);
	decode(bytes, len, ENG_PROFILE_FULL, &full, &full_err);
	if (o.profile == ENG_PROFILE_FULL) {
		accepted = full != NULL;
		err = full_err;
	} else {
		accepted = decode(bytes, len, o.profile, &m, &err) == ENG_OK;
	}
	if (o.json)
		info_json(argv[first], len, secs, nsecs, bad_offset, full, &full_err, o.profile,
			  accepted, &err);
	else
		info_text(argv[first], len, secs, nsecs, bad_offset, full, &full_err, o.profile,
			  accepted, &err);
	ret = accepted ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	eng_module_free(m);
	eng_module_free(full);
	free(secs);
	free(bytes);
	return ret;
}

/* ---- dispatch ----------------------------------------------------------- */

static const struct cli_cmd wasm_cmds[] = {
	{"validate", cmd_validate, "decode and validate a module (exit 0 valid, 1 rejected)"},
	{"run", cmd_run, "instantiate a module and call an export with typed arguments"},
	{"info", cmd_info, "sections, counts, imports, exports, custom sections, features"},
	{"spectest", cmd_wasm_spectest, "run WebAssembly spec scripts (.wast) against the engine"},
};

int cmd_wasm(int argc, char **argv)
{
	return cli_dispatch("pvf wasm", wasm_cmds, BASE_ARRAY_SIZE(wasm_cmds), argc, argv);
}
