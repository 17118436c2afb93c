/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pvf wasm spectest: runs WebAssembly spec scripts against the engine.
 *
 * Each .wast file is converted by wabt's wast2json into a private temporary
 * directory (a JSON command list plus one .wasm per module), then every
 * command is replayed through the public engine API (engine.h) in one store
 * per script. Text-format modules (`module_type: text`, i.e. assert_malformed
 * on quoted text) are the only commands skipped: we have no text parser.
 *
 * PVF profile (--profile pvf): a module the PVF profile rejects while the
 * full profile accepts it is a correct rejection only when it uses a post-MVP
 * feature (eng_module_features() of the full-profile decode) or when its line
 * is listed in the differences file (--differences, tests/spec/
 * pvf-differences.txt). Every command that depends on such a module then
 * counts as "rejected-by-profile". A listed line whose difference no longer
 * happens is a failure, so the list stays true.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "base/base.h"
#include "cli.h"
#include "spectest.h"

extern char **environ;

/* Largest module file the runner reads (the testsuite's biggest is ~100 KB). */
#define ST_MAX_MODULE_BYTES (64u * 1024 * 1024)
/* The PVF logical stack limit (determinism.md §3.1, DEFAULT_LOGICAL_STACK_MAX). */
#define ST_PVF_LOGICAL_STACK_MAX 65536u

struct st_opts {
	enum eng_profile profile;
	bool verbose;
	const char *diff_path;     /* NULL: no listed differences */
	const char *fixes_path;    /* NULL: no listed converter fixes */
	enum eng_backend backend;  /* --engine */
};

/* One line of the differences file: `file.wast:LINE reason`. */
struct st_diff {
	char *file;
	uint32_t line;
	char *reason;
	bool seen;                 /* the difference happened in this run */
};

struct st_diffs {
	struct st_diff *v;
	size_t n;
};

struct st_counts {
	uint64_t passed, failed, skipped, rejected;
};

enum st_outcome {
	ST_PASS,
	ST_FAIL,
	ST_SKIP,
	ST_REJECTED,               /* rejected by the PVF profile, justified */
};

/* A `module` command's result. */
struct st_mod {
	char *name;                        /* "$name" or NULL (owned) */
	uint32_t line;
	struct eng_instance *inst;         /* NULL: not usable (see by_profile) */
	bool by_profile;                   /* rejected by the profile, justified */
};

struct st_reg {
	char *as;                          /* owned */
	size_t mod;                        /* index in st_script.mods */
};

/* The `spectest` host module. */
struct st_host {
	struct eng_func *print, *print_i32, *print_i64, *print_f32, *print_f64;
	struct eng_func *print_i32_f32, *print_f64_f64;
	struct eng_global *global_i32, *global_i64, *global_f32, *global_f64;
	struct eng_table *table;
	struct eng_memory *memory;
};

/* Opaque objects standing for `ref.extern N`. */
struct st_extern {
	uint64_t n;
};

struct st_script {
	const struct st_opts *opts;
	struct st_diffs *diffs;
	struct st_diffs *fixes;            /* converter fixes (both profiles) */
	const char *path;
	const char *base;                  /* basename of path */
	char *dir;                         /* private temp dir (owned) */
	struct eng_store *store;
	struct st_host host;
	struct eng_module **owned;         /* every decoded module; freed after the store */
	size_t nowned, owned_cap;
	struct st_mod *mods;
	size_t nmods, mods_cap;
	struct st_reg *regs;
	size_t nregs, regs_cap;
	struct st_extern **externs;
	size_t nexterns, externs_cap;
	bool have_current;
	size_t current;                    /* index in mods of the last module */
	bool hit_rejected;                 /* the resolver met a profile-rejected module */
	struct st_counts counts;
};

/* Grows *v (element size `size`) to hold at least n+1 elements. */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = base_reallocarray(*v, ncap, size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

/* ---- differences file --------------------------------------------------- */

static void diffs_free(struct st_diffs *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].reason);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

/* Parses one `file.wast:LINE reason` line into *e (strings malloc'd). */
static bool diff_parse(char *line, struct st_diff *e)
{
	char *colon, *end, *reason;
	unsigned long ln;

	colon = strchr(line, ':');
	if (!colon)
		return false;
	errno = 0;
	ln = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || ln == 0 || ln > UINT32_MAX ||
	    (*end != ' ' && *end != '\t'))
		return false;
	reason = end;
	while (*reason == ' ' || *reason == '\t')
		reason++;
	if (*reason == '\0')
		return false;
	memset(e, 0, sizeof(*e));
	e->file = strndup(line, (size_t)(colon - line));
	e->reason = strdup(reason);
	e->line = (uint32_t)ln;
	return true;
}

/* Loads the differences file: `file.wast:LINE reason` lines, blank lines and
 * '#' comment lines. Returns 0 or -1 (message printed). */
static int diffs_load(const char *path, struct st_diffs *d)
{
	struct pvf_err err = {0};
	size_t len, cap = 0;
	uint8_t *raw;
	char *text, *line, *next;
	unsigned lineno = 0;
	int ret = 0;

	if (base_read_file(path, 1u << 20, &raw, &len, &err) < 0) {
		fprintf(stderr, "pvf wasm spectest: %s\n", err.msg);
		return -1;
	}
	text = strndup((const char *)raw, len);
	free(raw);
	if (!text) {
		fprintf(stderr, "pvf wasm spectest: out of memory\n");
		return -1;
	}
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		if (grow((void **)&d->v, &cap, d->n, sizeof(*d->v)) < 0) {
			fprintf(stderr, "pvf wasm spectest: out of memory\n");
			ret = -1;
			break;
		}
		if (!diff_parse(line, &d->v[d->n])) {
			fprintf(stderr, "pvf wasm spectest: %s:%u: expected `FILE.wast:LINE REASON`\n",
				path, lineno);
			ret = -1;
			break;
		}
		if (!d->v[d->n++].file || !d->v[d->n - 1].reason) {
			fprintf(stderr, "pvf wasm spectest: out of memory\n");
			ret = -1;
			break;
		}
	}
	free(text);
	if (ret < 0)
		diffs_free(d);
	return ret;
}

static struct st_diff *diff_find(struct st_script *s, uint32_t line)
{
	size_t i;

	if (s->opts->profile != ENG_PROFILE_PVF)
		return NULL;
	for (i = 0; i < s->diffs->n; i++)
		if (s->diffs->v[i].line == line && strcmp(s->diffs->v[i].file, s->base) == 0)
			return &s->diffs->v[i];
	return NULL;
}

/* A converter fix: the binary wast2json wrote for the assertion at `line`
 * does not encode what the script says, so the engine is right to give
 * another message. The entry's reason starts with that message in double
 * quotes. Returns the entry if the engine's message matches it. */
static struct st_diff *fix_match(struct st_script *s, uint32_t line, const char *engine_msg)
{
	const char *q, *end;
	size_t i;

	for (i = 0; i < s->fixes->n; i++) {
		struct st_diff *f = &s->fixes->v[i];

		if (f->line != line || strcmp(f->file, s->base) != 0)
			continue;
		q = f->reason;
		if (*q != '"' || !(end = strchr(q + 1, '"')))
			return NULL;
		if (strncmp(engine_msg, q + 1, (size_t)(end - q - 1)) == 0)
			return f;
	}
	return NULL;
}

/* ---- temporary directory and wast2json ---------------------------------- */

/* Removes every file in dir, then dir (wast2json writes no subdirectories). */
static void remove_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) < 0)
				fprintf(stderr, "pvf wasm spectest: unlink %s/%s: %s\n", dir,
					de->d_name, strerror(errno));
		}
		closedir(d);
	}
	if (rmdir(dir) < 0)
		fprintf(stderr, "pvf wasm spectest: rmdir %s: %s\n", dir, strerror(errno));
}

/* Runs `wast2json WAST -o JSON`. Returns 0 or -1 (message printed). */
static int run_wast2json(const char *wast, const char *json)
{
	char *argv[] = {"wast2json", (char *)wast, "-o", (char *)json, NULL};
	pid_t pid;
	int rc, status;

	rc = posix_spawnp(&pid, "wast2json", NULL, NULL, argv, environ);
	if (rc != 0) {
		fprintf(stderr, "pvf wasm spectest: cannot run wast2json: %s\n", strerror(rc));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "pvf wasm spectest: waitpid: %s\n", strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "pvf wasm spectest: wast2json %s failed (status %d)\n", wast,
			status);
		return -1;
	}
	return 0;
}

/* ---- values ------------------------------------------------------------- */

static void *extern_ref(struct st_script *s, uint64_t n)
{
	struct st_extern *e;
	size_t i;

	for (i = 0; i < s->nexterns; i++)
		if (s->externs[i]->n == n)
			return s->externs[i];
	if (grow((void **)&s->externs, &s->externs_cap, s->nexterns, sizeof(*s->externs)) < 0)
		return NULL;
	e = malloc(sizeof(*e));
	if (!e)
		return NULL;
	e->n = n;
	s->externs[s->nexterns++] = e;
	return e;
}

/* The N of a pointer made by extern_ref, or false if it is not one. */
static bool extern_num(const struct st_script *s, const void *p, uint64_t *n)
{
	size_t i;

	for (i = 0; i < s->nexterns; i++) {
		if (s->externs[i] == p) {
			*n = s->externs[i]->n;
			return true;
		}
	}
	return false;
}

static bool parse_valtype(const char *t, enum eng_valtype *out)
{
	static const struct {
		const char *name;
		enum eng_valtype type;
	} map[] = {
		{"i32", ENG_I32}, {"i64", ENG_I64}, {"f32", ENG_F32}, {"f64", ENG_F64},
		{"v128", ENG_V128}, {"funcref", ENG_FUNCREF}, {"externref", ENG_EXTERNREF},
	};
	size_t i;

	for (i = 0; i < BASE_ARRAY_SIZE(map); i++) {
		if (strcmp(t, map[i].name) == 0) {
			*out = map[i].type;
			return true;
		}
	}
	return false;
}

static bool parse_u64(const char *str, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*str < '0' || *str > '9')
		return false;
	errno = 0;
	v = strtoull(str, &end, 10);
	if (errno || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

/* Parses an argument {"type": T, "value": V}. */
static bool parse_arg(struct st_script *s, json_t *jv, struct eng_val *out)
{
	const char *type = json_string_value(json_object_get(jv, "type"));
	const char *value = json_string_value(json_object_get(jv, "value"));
	uint64_t v;

	memset(out, 0, sizeof(*out));
	if (!type || !value || !parse_valtype(type, &out->type))
		return false;
	switch (out->type) {
	case ENG_I32:
	case ENG_F32:
		if (!parse_u64(value, UINT32_MAX, &v))
			return false;
		out->of.i32 = (uint32_t)v;
		return true;
	case ENG_I64:
	case ENG_F64:
		if (!parse_u64(value, UINT64_MAX, &v))
			return false;
		out->of.i64 = v;
		return true;
	case ENG_FUNCREF:
		/* Only ref.null can be written as a funcref argument. */
		return strcmp(value, "null") == 0;
	case ENG_EXTERNREF:
		if (strcmp(value, "null") == 0)
			return true;
		if (!parse_u64(value, UINT64_MAX, &v))
			return false;
		out->of.ref = extern_ref(s, v);
		return out->of.ref != NULL;
	case ENG_V128:
	default:
		return false;
	}
}

/* Spec-style text of a value, floats as bits in hex. */
static void fmt_val(const struct st_script *s, const struct eng_val *v, char *buf, size_t len)
{
	uint64_t n;

	switch (v->type) {
	case ENG_I32:
		snprintf(buf, len, "i32:%" PRIu32, v->of.i32);
		break;
	case ENG_I64:
		snprintf(buf, len, "i64:%" PRIu64, v->of.i64);
		break;
	case ENG_F32:
		snprintf(buf, len, "f32:0x%08" PRIx32, v->of.f32);
		break;
	case ENG_F64:
		snprintf(buf, len, "f64:0x%016" PRIx64, v->of.f64);
		break;
	case ENG_FUNCREF:
		snprintf(buf, len, v->of.ref ? "funcref:<func>" : "funcref:null");
		break;
	case ENG_EXTERNREF:
		if (!v->of.ref)
			snprintf(buf, len, "externref:null");
		else if (extern_num(s, v->of.ref, &n))
			snprintf(buf, len, "externref:%" PRIu64, n);
		else
			snprintf(buf, len, "externref:<unknown %p>", v->of.ref);
		break;
	case ENG_V128:
	default:
		snprintf(buf, len, "<type 0x%x>", (unsigned)v->type);
		break;
	}
}

/* Does `got` match the expected value {"type": T, "value": V}? */
static bool match_val(struct st_script *s, json_t *jv, const struct eng_val *got)
{
	const char *type = json_string_value(json_object_get(jv, "type"));
	const char *value = json_string_value(json_object_get(jv, "value"));
	enum eng_valtype t;
	uint64_t v;

	if (!type || !parse_valtype(type, &t) || t != got->type)
		return false;
	if (!value) {
		/* A bare type (e.g. `(ref.func)`): any non-null reference. */
		return (t == ENG_FUNCREF || t == ENG_EXTERNREF) && got->of.ref != NULL;
	}
	switch (t) {
	case ENG_F32:
		if (strcmp(value, "nan:canonical") == 0)
			return (got->of.f32 & 0x7fffffffu) == 0x7fc00000u;
		if (strcmp(value, "nan:arithmetic") == 0)
			return (got->of.f32 & 0x7fc00000u) == 0x7fc00000u;
		return parse_u64(value, UINT32_MAX, &v) && got->of.f32 == (uint32_t)v;
	case ENG_I32:
		return parse_u64(value, UINT32_MAX, &v) && got->of.i32 == (uint32_t)v;
	case ENG_F64:
		if (strcmp(value, "nan:canonical") == 0)
			return (got->of.f64 & 0x7fffffffffffffffu) == 0x7ff8000000000000u;
		if (strcmp(value, "nan:arithmetic") == 0)
			return (got->of.f64 & 0x7ff8000000000000u) == 0x7ff8000000000000u;
		return parse_u64(value, UINT64_MAX, &v) && got->of.f64 == v;
	case ENG_I64:
		return parse_u64(value, UINT64_MAX, &v) && got->of.i64 == v;
	case ENG_FUNCREF:
		if (strcmp(value, "null") == 0)
			return got->of.ref == NULL;
		return got->of.ref != NULL;
	case ENG_EXTERNREF:
		if (strcmp(value, "null") == 0)
			return got->of.ref == NULL;
		return parse_u64(value, UINT64_MAX, &v) && got->of.ref != NULL &&
		       got->of.ref == extern_ref(s, v);
	case ENG_V128:
	default:
		return false;
	}
}

/* ---- the spectest host module ------------------------------------------- */

static enum eng_trap host_print(struct eng_host_call *call, void *user, const uint64_t *args,
				uint64_t *results)
{
	(void)call;
	(void)user;
	(void)args;
	(void)results;
	return ENG_TRAP_NONE;
}

static struct eng_func *host_func(struct eng_store *store, const uint8_t *params,
				  uint32_t nparams)
{
	/* Never NULL type arrays, even when empty. */
	static const uint8_t none[1];
	struct eng_functype t = {nparams, 0, params ? params : none, none};

	return eng_func_new_host(store, &t, host_print, NULL);
}

static int host_init(struct st_script *s)
{
	static const uint8_t p_i32[] = {ENG_I32}, p_i64[] = {ENG_I64}, p_f32[] = {ENG_F32};
	static const uint8_t p_f64[] = {ENG_F64}, p_i32_f32[] = {ENG_I32, ENG_F32};
	static const uint8_t p_f64_f64[] = {ENG_F64, ENG_F64};
	struct st_host *h = &s->host;
	struct eng_limits_desc tl = {10, 20, true}, ml = {1, 2, true};
	struct eng_val v;
	float f32 = 666.6f;
	double f64 = 666.6;

	h->print = host_func(s->store, NULL, 0);
	h->print_i32 = host_func(s->store, p_i32, 1);
	h->print_i64 = host_func(s->store, p_i64, 1);
	h->print_f32 = host_func(s->store, p_f32, 1);
	h->print_f64 = host_func(s->store, p_f64, 1);
	h->print_i32_f32 = host_func(s->store, p_i32_f32, 2);
	h->print_f64_f64 = host_func(s->store, p_f64_f64, 2);
	v.type = ENG_I32;
	v.of.i64 = 0;
	v.of.i32 = 666;
	h->global_i32 = eng_global_new(s->store, v, false);
	v.type = ENG_I64;
	v.of.i64 = 666;
	h->global_i64 = eng_global_new(s->store, v, false);
	v.type = ENG_F32;
	v.of.i64 = 0;
	memcpy(&v.of.f32, &f32, sizeof(f32));
	h->global_f32 = eng_global_new(s->store, v, false);
	v.type = ENG_F64;
	memcpy(&v.of.f64, &f64, sizeof(f64));
	h->global_f64 = eng_global_new(s->store, v, false);
	h->table = eng_table_new(s->store, ENG_FUNCREF, tl);
	h->memory = eng_memory_new(s->store, ml);
	if (!h->print || !h->print_i32 || !h->print_i64 || !h->print_f32 || !h->print_f64 ||
	    !h->print_i32_f32 || !h->print_f64_f64 || !h->global_i32 || !h->global_i64 ||
	    !h->global_f32 || !h->global_f64 || !h->table || !h->memory)
		return -ENOMEM;
	return 0;
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(name, want, len) == 0;
}

static bool host_resolve(struct st_host *h, const char *name, size_t len, struct eng_extern *out)
{
	const struct {
		const char *name;
		struct eng_func *f;
	} funcs[] = {
		{"print", h->print}, {"print_i32", h->print_i32}, {"print_i64", h->print_i64},
		{"print_f32", h->print_f32}, {"print_f64", h->print_f64},
		{"print_i32_f32", h->print_i32_f32}, {"print_f64_f64", h->print_f64_f64},
	};
	const struct {
		const char *name;
		struct eng_global *g;
	} globals[] = {
		{"global_i32", h->global_i32}, {"global_i64", h->global_i64},
		{"global_f32", h->global_f32}, {"global_f64", h->global_f64},
	};
	size_t i;

	for (i = 0; i < BASE_ARRAY_SIZE(funcs); i++) {
		if (name_is(name, len, funcs[i].name)) {
			out->kind = ENG_EXTERN_FUNC;
			out->of.func = funcs[i].f;
			return true;
		}
	}
	for (i = 0; i < BASE_ARRAY_SIZE(globals); i++) {
		if (name_is(name, len, globals[i].name)) {
			out->kind = ENG_EXTERN_GLOBAL;
			out->of.global = globals[i].g;
			return true;
		}
	}
	if (name_is(name, len, "table")) {
		out->kind = ENG_EXTERN_TABLE;
		out->of.table = h->table;
		return true;
	}
	if (name_is(name, len, "memory")) {
		out->kind = ENG_EXTERN_MEMORY;
		out->of.memory = h->memory;
		return true;
	}
	return false;
}

static bool resolve(void *ctx, const char *module, size_t module_len, const char *name,
		    size_t name_len, const struct eng_extern_type *want, struct eng_extern *out)
{
	struct st_script *s = ctx;
	size_t i;

	(void)want;
	/* The latest registration under a name wins. */
	for (i = s->nregs; i-- > 0;) {
		const struct st_mod *m;

		if (!name_is(module, module_len, s->regs[i].as))
			continue;
		m = &s->mods[s->regs[i].mod];
		if (m->by_profile) {
			s->hit_rejected = true;
			return false;
		}
		return m->inst && eng_instance_export(m->inst, name, name_len, out);
	}
	if (name_is(module, module_len, "spectest"))
		return host_resolve(&s->host, name, name_len, out);
	return false;
}

/* ---- modules ------------------------------------------------------------ */

static int load_module_file(struct st_script *s, json_t *cmd, uint8_t **bytes, size_t *len,
			    char *msg, size_t msglen)
{
	const char *filename = json_string_value(json_object_get(cmd, "filename"));
	struct pvf_err err = {0};
	char path[PATH_MAX];

	if (!filename || strchr(filename, '/')) {
		snprintf(msg, msglen, "command has no usable filename");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", s->dir, filename);
	if (base_read_file(path, ST_MAX_MODULE_BYTES, bytes, len, &err) < 0) {
		snprintf(msg, msglen, "%s", err.msg);
		return -1;
	}
	return 0;
}

static enum eng_status decode(struct st_script *s, const uint8_t *bytes, size_t len,
			      enum eng_profile profile, struct eng_module **out,
			      struct eng_error *err)
{
	struct eng_module_config cfg;
	enum eng_status st;

	memset(&cfg, 0, sizeof(cfg));
	memset(err, 0, sizeof(*err));
	cfg.profile = profile;
	st = eng_module_new(bytes, len, &cfg, out, err);
	if (st != ENG_OK)
		return st;
	/* Instances may refer to the module until the store is freed. */
	if (grow((void **)&s->owned, &s->owned_cap, s->nowned, sizeof(*s->owned)) < 0) {
		eng_module_free(*out);
		*out = NULL;
		err->status = ENG_ERR_NOMEM;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return ENG_ERR_NOMEM;
	}
	s->owned[s->nowned++] = *out;
	return ENG_OK;
}

static void fmt_error(const struct eng_error *err, char *buf, size_t len)
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

/* The PVF profile rejected `bytes`. Is that a justified profile difference?
 * True when the full profile accepts the module and it uses a post-MVP
 * feature, or its line is listed. `why` says which (or why not). */
static bool pvf_rejection_ok(struct st_script *s, uint32_t line, const uint8_t *bytes,
			     size_t len, char *why, size_t whylen)
{
	struct eng_module_config cfg;
	struct eng_module *full = NULL;
	struct eng_error err;
	struct st_diff *d;
	uint32_t features;
	char emsg[256];

	memset(&cfg, 0, sizeof(cfg));
	memset(&err, 0, sizeof(err));
	cfg.profile = ENG_PROFILE_FULL;
	if (eng_module_new(bytes, len, &cfg, &full, &err) != ENG_OK) {
		fmt_error(&err, emsg, sizeof(emsg));
		snprintf(why, whylen, "the full profile rejects it too (%s)", emsg);
		return false;
	}
	features = eng_module_features(full);
	eng_module_free(full);
	d = diff_find(s, line);
	if (d)
		d->seen = true;
	if (features) {
		snprintf(why, whylen, "uses post-MVP features 0x%" PRIx32, features);
		return true;
	}
	if (d) {
		snprintf(why, whylen, "listed difference: %s", d->reason);
		return true;
	}
	snprintf(why, whylen, "the full profile accepts it, it uses no post-MVP feature and "
		 "the line is not listed in the differences file");
	return false;
}

static int add_mod(struct st_script *s, json_t *cmd, uint32_t line)
{
	const char *name = json_string_value(json_object_get(cmd, "name"));
	struct st_mod *m;

	if (grow((void **)&s->mods, &s->mods_cap, s->nmods, sizeof(*s->mods)) < 0)
		return -ENOMEM;
	m = &s->mods[s->nmods];
	memset(m, 0, sizeof(*m));
	m->line = line;
	if (name) {
		m->name = strdup(name);
		if (!m->name)
			return -ENOMEM;
	}
	s->current = s->nmods++;
	s->have_current = true;
	return 0;
}

/* Decodes with the script's profile; on a PVF rejection decides whether it is
 * justified. Returns PASS with *out set, REJECTED, or FAIL (msg set). */
static enum st_outcome decode_cmd(struct st_script *s, uint32_t line, const uint8_t *bytes,
				  size_t len, struct eng_module **out, char *msg, size_t msglen)
{
	struct eng_error err;
	char emsg[256], why[320];

	if (decode(s, bytes, len, s->opts->profile, out, &err) == ENG_OK)
		return ST_PASS;
	fmt_error(&err, emsg, sizeof(emsg));
	if (s->opts->profile == ENG_PROFILE_PVF) {
		bool ok = pvf_rejection_ok(s, line, bytes, len, why, sizeof(why));

		snprintf(msg, msglen, "PVF profile rejects the module (%s): %s", emsg, why);
		return ok ? ST_REJECTED : ST_FAIL;
	}
	snprintf(msg, msglen, "module rejected: %s", emsg);
	return ST_FAIL;
}

static enum eng_status instantiate(struct st_script *s, struct eng_module *m,
				   struct eng_instance **inst, struct eng_error *err)
{
	memset(err, 0, sizeof(*err));
	s->hit_rejected = false;
	return eng_instance_new(s->store, m, resolve, s, inst, err);
}

static enum st_outcome cmd_module(struct st_script *s, json_t *cmd, uint32_t line, char *msg,
				  size_t msglen)
{
	struct eng_module *mod = NULL;
	struct eng_instance *inst = NULL;
	struct eng_error err;
	enum st_outcome o;
	uint8_t *bytes;
	size_t len;
	char emsg[256];

	if (add_mod(s, cmd, line) < 0) {
		snprintf(msg, msglen, "out of memory");
		return ST_FAIL;
	}
	if (load_module_file(s, cmd, &bytes, &len, msg, msglen) < 0)
		return ST_FAIL;
	o = decode_cmd(s, line, bytes, len, &mod, msg, msglen);
	free(bytes);
	if (o == ST_REJECTED)
		s->mods[s->current].by_profile = true;
	if (o != ST_PASS)
		return o;
	if (instantiate(s, mod, &inst, &err) != ENG_OK) {
		fmt_error(&err, emsg, sizeof(emsg));
		if (s->hit_rejected) {
			snprintf(msg, msglen, "imports from a module the PVF profile rejected (%s)",
				 emsg);
			s->mods[s->current].by_profile = true;
			return ST_REJECTED;
		}
		snprintf(msg, msglen, "instantiation failed: %s", emsg);
		return ST_FAIL;
	}
	s->mods[s->current].inst = inst;
	return ST_PASS;
}

/* The module a command refers to ("module": "$name" or the current one). */
static struct st_mod *target_mod(struct st_script *s, const char *name, char *msg, size_t msglen)
{
	size_t i;

	if (!name) {
		if (!s->have_current) {
			snprintf(msg, msglen, "no module defined yet");
			return NULL;
		}
		return &s->mods[s->current];
	}
	for (i = s->nmods; i-- > 0;)
		if (s->mods[i].name && strcmp(s->mods[i].name, name) == 0)
			return &s->mods[i];
	snprintf(msg, msglen, "unknown module %s", name);
	return NULL;
}

static enum st_outcome cmd_register(struct st_script *s, json_t *cmd, char *msg, size_t msglen)
{
	const char *as = json_string_value(json_object_get(cmd, "as"));
	const char *name = json_string_value(json_object_get(cmd, "name"));
	struct st_mod *m = target_mod(s, name, msg, msglen);

	if (!m)
		return ST_FAIL;
	if (!as) {
		snprintf(msg, msglen, "register without a name");
		return ST_FAIL;
	}
	if (grow((void **)&s->regs, &s->regs_cap, s->nregs, sizeof(*s->regs)) < 0 ||
	    !(s->regs[s->nregs].as = strdup(as))) {
		snprintf(msg, msglen, "out of memory");
		return ST_FAIL;
	}
	s->regs[s->nregs++].mod = (size_t)(m - s->mods);
	if (m->by_profile) {
		snprintf(msg, msglen, "module rejected by the PVF profile");
		return ST_REJECTED;
	}
	if (!m->inst) {
		snprintf(msg, msglen, "module of line %" PRIu32 " is not instantiated", m->line);
		return ST_FAIL;
	}
	return ST_PASS;
}

/* ---- actions ------------------------------------------------------------ */

enum st_act {
	ST_ACT_OK,          /* results filled */
	ST_ACT_TRAP,        /* err filled */
	ST_ACT_ERROR,       /* the action could not run (msg) */
	ST_ACT_REJECTED,    /* its module was rejected by the profile */
};

/* Runs an action. On ST_ACT_OK, *results (malloc'd) holds *nresults values. */
static enum st_act run_action(struct st_script *s, json_t *action, struct eng_val **results,
			      uint32_t *nresults, struct eng_error *err, char *msg, size_t msglen)
{
	const char *type = json_string_value(json_object_get(action, "type"));
	json_t *jfield = json_object_get(action, "field");
	const char *field = json_string_value(jfield);
	size_t field_len = json_string_length(jfield);   /* names may contain NUL */
	const char *modname = json_string_value(json_object_get(action, "module"));
	json_t *jargs = json_object_get(action, "args");
	struct eng_val *args = NULL, *res = NULL;
	const struct eng_functype *ft;
	struct eng_extern ext;
	struct st_mod *m;
	enum st_act ret = ST_ACT_ERROR;
	size_t i, nargs;

	*results = NULL;
	*nresults = 0;
	memset(err, 0, sizeof(*err));
	m = target_mod(s, modname, msg, msglen);
	if (!m)
		return ST_ACT_ERROR;
	if (m->by_profile) {
		snprintf(msg, msglen, "module rejected by the PVF profile");
		return ST_ACT_REJECTED;
	}
	if (!m->inst) {
		snprintf(msg, msglen, "module of line %" PRIu32 " is not instantiated", m->line);
		return ST_ACT_ERROR;
	}
	if (!type || !field) {
		snprintf(msg, msglen, "malformed action");
		return ST_ACT_ERROR;
	}
	if (!eng_instance_export(m->inst, field, field_len, &ext)) {
		snprintf(msg, msglen, "no export \"%s\"", field);
		return ST_ACT_ERROR;
	}
	if (strcmp(type, "get") == 0) {
		if (ext.kind != ENG_EXTERN_GLOBAL) {
			snprintf(msg, msglen, "export \"%s\" is not a global", field);
			return ST_ACT_ERROR;
		}
		res = malloc(sizeof(*res));
		if (!res) {
			snprintf(msg, msglen, "out of memory");
			return ST_ACT_ERROR;
		}
		*res = eng_global_get(ext.of.global);
		*results = res;
		*nresults = 1;
		return ST_ACT_OK;
	}
	if (strcmp(type, "invoke") != 0) {
		snprintf(msg, msglen, "unknown action type %s", type);
		return ST_ACT_ERROR;
	}
	if (ext.kind != ENG_EXTERN_FUNC) {
		snprintf(msg, msglen, "export \"%s\" is not a function", field);
		return ST_ACT_ERROR;
	}
	ft = eng_func_type(ext.of.func);
	nargs = json_array_size(jargs);
	args = base_calloc(nargs ? nargs : 1, sizeof(*args));
	res = base_calloc(ft->nresults ? ft->nresults : 1, sizeof(*res));
	if (!args || !res) {
		snprintf(msg, msglen, "out of memory");
		goto out_free;
	}
	for (i = 0; i < nargs; i++) {
		if (!parse_arg(s, json_array_get(jargs, i), &args[i])) {
			snprintf(msg, msglen, "cannot parse argument %zu", i);
			goto out_free;
		}
	}
	switch (eng_func_call(s->store, ext.of.func, args, (uint32_t)nargs, res, ft->nresults,
			      err)) {
	case ENG_OK:
		*results = res;
		*nresults = ft->nresults;
		res = NULL;
		ret = ST_ACT_OK;
		break;
	case ENG_ERR_TRAP:
		ret = ST_ACT_TRAP;
		break;
	default:
		fmt_error(err, msg, msglen);
		break;
	}
out_free:
	free(args);
	free(res);
	return ret;
}

/* Does the engine's trap match the expected text? The trap name must start
 * with the text; the reference interpreter appends details to some texts
 * ("uninitialized element 2"), so a text that is the name plus a
 * space-separated suffix matches too. */
static bool trap_matches(const struct eng_error *err, const char *text)
{
	const char *name = eng_trap_name(err->trap);
	size_t n = strlen(name), t = strlen(text);

	if (err->status != ENG_ERR_TRAP)
		return false;
	if (strncmp(name, text, t) == 0)
		return true;
	if (err->trap == ENG_TRAP_HOST && strncmp(err->msg, text, t) == 0)
		return true;
	return t > n && strncmp(text, name, n) == 0 && text[n] == ' ';
}

static enum st_outcome cmd_assert_return(struct st_script *s, json_t *cmd, bool check,
					 char *msg, size_t msglen)
{
	json_t *expected = json_object_get(cmd, "expected");
	struct eng_val *res = NULL;
	struct eng_error err;
	enum st_outcome o = ST_PASS;
	uint32_t n, i;
	size_t off;
	char emsg[256], vbuf[64];

	switch (run_action(s, json_object_get(cmd, "action"), &res, &n, &err, msg, msglen)) {
	case ST_ACT_OK:
		break;
	case ST_ACT_TRAP:
		fmt_error(&err, emsg, sizeof(emsg));
		snprintf(msg, msglen, "unexpected %s", emsg);
		return ST_FAIL;
	case ST_ACT_REJECTED:
		return ST_REJECTED;
	case ST_ACT_ERROR:
	default:
		return ST_FAIL;
	}
	if (!check)
		goto out_free;
	if (n != json_array_size(expected)) {
		snprintf(msg, msglen, "%" PRIu32 " results, expected %zu", n,
			 json_array_size(expected));
		o = ST_FAIL;
		goto out_free;
	}
	for (i = 0; i < n; i++)
		if (!match_val(s, json_array_get(expected, i), &res[i]))
			o = ST_FAIL;
	if (o == ST_FAIL) {
		off = (size_t)snprintf(msg, msglen, "got");
		for (i = 0; i < n && off < msglen; i++) {
			fmt_val(s, &res[i], vbuf, sizeof(vbuf));
			off += (size_t)snprintf(msg + off, msglen - off, " %s", vbuf);
		}
		for (i = 0; i < n && off < msglen; i++) {
			json_t *e = json_array_get(expected, i);
			const char *v = json_string_value(json_object_get(e, "value"));

			off += (size_t)snprintf(msg + off, msglen - off, "%s%s:%s",
						i ? " " : ", expected ",
						json_string_value(json_object_get(e, "type")),
						v ? v : "*");
		}
	}
out_free:
	free(res);
	return o;
}

static enum st_outcome cmd_assert_trap(struct st_script *s, json_t *cmd, bool exhaustion,
				       char *msg, size_t msglen)
{
	const char *text = json_string_value(json_object_get(cmd, "text"));
	struct eng_val *res = NULL;
	struct eng_error err;
	enum st_outcome o = ST_FAIL;
	uint32_t n;
	char emsg[256];

	if (!text)
		text = "";
	switch (run_action(s, json_object_get(cmd, "action"), &res, &n, &err, msg, msglen)) {
	case ST_ACT_OK:
		snprintf(msg, msglen, "returned normally, expected trap \"%s\"", text);
		break;
	case ST_ACT_TRAP:
		/* The PVF stack limiter's trap is this engine's exhaustion. */
		if (trap_matches(&err, text) ||
		    (exhaustion && (err.trap == ENG_TRAP_CALL_STACK_EXHAUSTED ||
				    err.trap == ENG_TRAP_STACK_LIMIT))) {
			fmt_error(&err, msg, msglen);
			o = ST_PASS;
			break;
		}
		fmt_error(&err, emsg, sizeof(emsg));
		snprintf(msg, msglen, "expected trap \"%s\", got %s", text, emsg);
		break;
	case ST_ACT_REJECTED:
		o = ST_REJECTED;
		break;
	case ST_ACT_ERROR:
	default:
		break;
	}
	free(res);
	return o;
}

/* Does the full profile reject the command's module with a message starting
 * with `text`? */
static bool full_rejects_with(struct st_script *s, json_t *cmd, const char *text)
{
	struct eng_module_config cfg;
	struct eng_module *m = NULL;
	struct eng_error err;
	uint8_t *bytes;
	size_t len;
	char msg[64];
	bool ret;

	if (load_module_file(s, cmd, &bytes, &len, msg, sizeof(msg)) < 0)
		return false;
	memset(&cfg, 0, sizeof(cfg));
	memset(&err, 0, sizeof(err));
	cfg.profile = ENG_PROFILE_FULL;
	ret = eng_module_new(bytes, len, &cfg, &m, &err) != ENG_OK &&
	      strncmp(err.msg, text, strlen(text)) == 0;
	eng_module_free(m);
	free(bytes);
	return ret;
}

/* assert_invalid / assert_malformed: the module must be rejected with a
 * message starting with the expected text. In the PVF profile a rejection
 * with another message is a correct verdict when the full profile rejects
 * the module with the expected message: the PVF pipeline runs its own checks
 * (parser quirks, the stack limiter) before validation, so it may stop at a
 * different error first. Such cases count as rejected-by-profile. */
static enum st_outcome cmd_assert_rejected(struct st_script *s, json_t *cmd, char *msg,
					   size_t msglen)
{
	const char *text = json_string_value(json_object_get(cmd, "text"));
	const char *mtype = json_string_value(json_object_get(cmd, "module_type"));
	struct eng_module *mod = NULL;
	struct st_diff *fix;
	struct eng_error err;
	enum eng_status st;
	uint8_t *bytes;
	size_t len;
	char emsg[256];

	if (mtype && strcmp(mtype, "binary") != 0) {
		snprintf(msg, msglen, "%s module (no text parser)", mtype);
		return ST_SKIP;
	}
	if (!text)
		text = "";
	if (load_module_file(s, cmd, &bytes, &len, msg, msglen) < 0)
		return ST_FAIL;
	st = decode(s, bytes, len, s->opts->profile, &mod, &err);
	free(bytes);
	if (st == ENG_OK) {
		snprintf(msg, msglen, "module accepted, expected \"%s\"", text);
		return ST_FAIL;
	}
	fmt_error(&err, emsg, sizeof(emsg));
	if (strncmp(err.msg, text, strlen(text)) == 0) {
		snprintf(msg, msglen, "expected \"%s\", got %s", text, emsg);
		return ST_PASS;
	}
	if ((fix = fix_match(s, (uint32_t)json_integer_value(json_object_get(cmd, "line")),
			     err.msg)) != NULL) {
		fix->seen = true;
		snprintf(msg, msglen, "the converted binary differs from the script: %s", fix->reason);
		return ST_PASS;
	}
	if (s->opts->profile == ENG_PROFILE_PVF && full_rejects_with(s, cmd, text)) {
		snprintf(msg, msglen, "the PVF pipeline rejects it first (%s); the full profile "
			 "gives the expected \"%s\"", emsg, text);
		return ST_REJECTED;
	}
	snprintf(msg, msglen, "expected \"%s\", got %s", text, emsg);
	return ST_FAIL;
}

/* assert_unlinkable / assert_uninstantiable. */
static enum st_outcome cmd_assert_instantiate(struct st_script *s, json_t *cmd, uint32_t line,
					      bool unlinkable, char *msg, size_t msglen)
{
	const char *text = json_string_value(json_object_get(cmd, "text"));
	struct eng_module *mod = NULL;
	struct eng_instance *inst = NULL;
	struct eng_error err;
	enum eng_status st;
	enum st_outcome o;
	uint8_t *bytes;
	size_t len;
	char emsg[256];

	if (!text)
		text = "";
	if (load_module_file(s, cmd, &bytes, &len, msg, msglen) < 0)
		return ST_FAIL;
	o = decode_cmd(s, line, bytes, len, &mod, msg, msglen);
	free(bytes);
	if (o != ST_PASS)
		return o;
	st = instantiate(s, mod, &inst, &err);
	fmt_error(&err, emsg, sizeof(emsg));
	if (st == ENG_OK) {
		snprintf(msg, msglen, "instantiated, expected \"%s\"", text);
		return ST_FAIL;
	}
	if (s->hit_rejected) {
		snprintf(msg, msglen, "imports from a module the PVF profile rejected (%s)", emsg);
		return ST_REJECTED;
	}
	snprintf(msg, msglen, "expected \"%s\", got %s", text, emsg);
	if (unlinkable)
		return st == ENG_ERR_UNLINKABLE && strncmp(err.msg, text, strlen(text)) == 0 ?
			       ST_PASS : ST_FAIL;
	return trap_matches(&err, text) ? ST_PASS : ST_FAIL;
}

/* ---- scripts ------------------------------------------------------------ */

static void record(struct st_script *s, const char *type, uint32_t line, enum st_outcome o,
		   const char *msg)
{
	struct st_diff *d;

	if (o == ST_FAIL && (d = diff_find(s, line)) != NULL) {
		d->seen = true;
		o = ST_REJECTED;
	}
	switch (o) {
	case ST_PASS:
		s->counts.passed++;
		if (s->opts->verbose)
			printf("%s:%" PRIu32 ": pass %s%s%s\n", s->path, line, type,
			       msg[0] ? ": " : "", msg);
		break;
	case ST_SKIP:
		s->counts.skipped++;
		if (s->opts->verbose)
			printf("%s:%" PRIu32 ": skip %s: %s\n", s->path, line, type, msg);
		break;
	case ST_REJECTED:
		s->counts.rejected++;
		if (s->opts->verbose)
			printf("%s:%" PRIu32 ": rejected-by-profile %s: %s\n", s->path, line, type,
			       msg);
		break;
	case ST_FAIL:
	default:
		s->counts.failed++;
		printf("%s:%" PRIu32 ": FAIL %s: %s\n", s->path, line, type, msg);
		break;
	}
}

static void run_command(struct st_script *s, json_t *cmd)
{
	const char *type = json_string_value(json_object_get(cmd, "type"));
	json_int_t jline = json_integer_value(json_object_get(cmd, "line"));
	uint32_t line = jline > 0 && jline <= UINT32_MAX ? (uint32_t)jline : 0;
	enum st_outcome o;
	char msg[1024] = "";

	if (!type)
		type = "(none)";
	if (strcmp(type, "module") == 0)
		o = cmd_module(s, cmd, line, msg, sizeof(msg));
	else if (strcmp(type, "register") == 0)
		o = cmd_register(s, cmd, msg, sizeof(msg));
	else if (strcmp(type, "action") == 0)
		o = cmd_assert_return(s, cmd, false, msg, sizeof(msg));
	else if (strcmp(type, "assert_return") == 0)
		o = cmd_assert_return(s, cmd, true, msg, sizeof(msg));
	else if (strcmp(type, "assert_trap") == 0)
		o = cmd_assert_trap(s, cmd, false, msg, sizeof(msg));
	else if (strcmp(type, "assert_exhaustion") == 0)
		o = cmd_assert_trap(s, cmd, true, msg, sizeof(msg));
	else if (strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0)
		o = cmd_assert_rejected(s, cmd, msg, sizeof(msg));
	else if (strcmp(type, "assert_unlinkable") == 0)
		o = cmd_assert_instantiate(s, cmd, line, true, msg, sizeof(msg));
	else if (strcmp(type, "assert_uninstantiable") == 0)
		o = cmd_assert_instantiate(s, cmd, line, false, msg, sizeof(msg));
	else {
		snprintf(msg, sizeof(msg), "unknown command type");
		o = ST_FAIL;
	}
	record(s, type, line, o, msg);
}

static void script_deinit(struct st_script *s)
{
	size_t i;

	eng_store_free(s->store);
	for (i = 0; i < s->nowned; i++)
		eng_module_free(s->owned[i]);
	free(s->owned);
	for (i = 0; i < s->nmods; i++)
		free(s->mods[i].name);
	free(s->mods);
	for (i = 0; i < s->nregs; i++)
		free(s->regs[i].as);
	free(s->regs);
	for (i = 0; i < s->nexterns; i++)
		free(s->externs[i]);
	free(s->externs);
	if (s->dir) {
		remove_dir(s->dir);
		free(s->dir);
	}
}

/* Runs one .wast file. Returns 0, or -1 when the script could not be run at
 * all (counted as one failure). */
static int run_script(const struct st_opts *opts, struct st_diffs *diffs,
		      struct st_diffs *fixes, const char *path, struct st_counts *counts)
{
	struct st_script s;
	struct eng_store_config scfg;
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX], json_path[PATH_MAX];
	json_error_t jerr;
	json_t *root = NULL, *cmds;
	size_t i;
	int ret = -1;

	memset(&s, 0, sizeof(s));
	s.opts = opts;
	s.diffs = diffs;
	s.fixes = fixes;
	s.path = path;
	s.base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(tmpl, sizeof(tmpl), "%s/pvf-spectest-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl)) {
		fprintf(stderr, "pvf wasm spectest: mkdtemp %s: %s\n", tmpl, strerror(errno));
		goto out;
	}
	s.dir = strdup(tmpl);
	if (!s.dir) {
		remove_dir(tmpl);
		goto out;
	}
	snprintf(json_path, sizeof(json_path), "%s/x.json", s.dir);
	if (run_wast2json(path, json_path) < 0)
		goto out;
	root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
	if (!root) {
		fprintf(stderr, "pvf wasm spectest: %s: %s (line %d)\n", json_path, jerr.text,
			jerr.line);
		goto out;
	}
	cmds = json_object_get(root, "commands");
	if (!json_is_array(cmds)) {
		fprintf(stderr, "pvf wasm spectest: %s: no command list\n", json_path);
		goto out;
	}
	memset(&scfg, 0, sizeof(scfg));
	scfg.backend = opts->backend;
	if (opts->profile == ENG_PROFILE_PVF)
		scfg.logical_stack_max = ST_PVF_LOGICAL_STACK_MAX;
	if (eng_store_new(&scfg, &s.store) != ENG_OK || host_init(&s) < 0) {
		fprintf(stderr, "pvf wasm spectest: cannot create the store\n");
		goto out;
	}
	for (i = 0; i < json_array_size(cmds); i++)
		run_command(&s, json_array_get(cmds, i));
	for (i = 0; i < diffs->n; i++) {
		struct st_diff *d = &diffs->v[i];

		if (opts->profile != ENG_PROFILE_PVF || d->seen || strcmp(d->file, s.base) != 0)
			continue;
		s.counts.failed++;
		printf("%s:%" PRIu32 ": FAIL listed PVF difference no longer happens (%s): "
		       "remove it from the differences file\n", path, d->line, d->reason);
	}
	for (i = 0; i < s.fixes->n; i++) {
		struct st_diff *f = &s.fixes->v[i];

		if (f->seen || strcmp(f->file, s.base) != 0)
			continue;
		s.counts.failed++;
		printf("%s:%" PRIu32 ": FAIL listed converter fix no longer applies (%s): "
		       "remove it from the converter-fixes file\n", path, f->line, f->reason);
	}
	ret = 0;
out:
	if (ret < 0)
		s.counts.failed++;
	printf("%s: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped", path,
	       s.counts.passed, s.counts.failed, s.counts.skipped);
	if (opts->profile == ENG_PROFILE_PVF)
		printf(", %" PRIu64 " rejected-by-profile", s.counts.rejected);
	printf("\n");
	fflush(stdout);
	counts->passed += s.counts.passed;
	counts->failed += s.counts.failed;
	counts->skipped += s.counts.skipped;
	counts->rejected += s.counts.rejected;
	json_decref(root);
	script_deinit(&s);
	return ret;
}

/* {"file": .., "passed": .., ...}: the counts since `before` */
static json_t *counts_json(const char *file, const struct st_counts *now,
			   const struct st_counts *before, enum eng_profile profile)
{
	json_t *o = json_object();

	if (file)
		json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "passed", json_integer((json_int_t)(now->passed - before->passed)));
	json_object_set_new(o, "failed", json_integer((json_int_t)(now->failed - before->failed)));
	json_object_set_new(o, "skipped",
			    json_integer((json_int_t)(now->skipped - before->skipped)));
	if (profile == ENG_PROFILE_PVF)
		json_object_set_new(o, "rejected_by_profile",
				    json_integer((json_int_t)(now->rejected - before->rejected)));
	return o;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pvf wasm spectest [OPTIONS] FILE.wast...\n"
		"\n"
		"Runs WebAssembly spec scripts against the engine (needs wabt's wast2json).\n"
		"Prints `FILE: N passed, N failed, N skipped` per script and a total line.\n"
		"\n"
		"options:\n"
		"  --profile full|pvf    engine profile (default full)\n"
		"  --engine interp|native  execution backend (default interp)\n"
		"  --tiers auto|all|single native: functions also compiled by the optimising\n"
		"                        tier (default auto; all = every one it can)\n"
		"  --differences FILE    listed deliberate PVF differences (`file.wast:LINE reason`)\n"
		"  --converter-fixes FILE  assertions whose converted binary differs from the\n"
		"                        script (`file.wast:LINE \"engine message\" reason`)\n"
		"  -v, --verbose         print every command's outcome and messages\n"
		"  --json                the counts per file and in total as one JSON object\n"
		"                        on stdout (the text goes to stderr)\n"
		"  -h, --help            this text\n"
		"\n"
		"exit status: 0 no failures, 1 failures, 2 usage, 3 error\n");
}

int cmd_wasm_spectest(int argc, char **argv)
{
	struct st_opts opts = {ENG_PROFILE_FULL, false, NULL, NULL, ENG_BACKEND_INTERP};
	struct st_diffs diffs = {NULL, 0}, fixes = {NULL, 0};
	struct st_counts counts = {0, 0, 0, 0};
	json_t *jfiles = NULL;
	bool json = false;
	int i, nfiles = 0, first_file = 0, saved_stdout = -1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			opts.verbose = true;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--profile") == 0 || strncmp(a, "--profile=", 10) == 0) {
			const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);

			if (!v || !cli_parse_profile(v, &opts.profile)) {
				fprintf(stderr, "pvf wasm spectest: --profile needs full or pvf\n");
				return CLI_EXIT_USAGE;
			}
		} else if (strcmp(a, "--engine") == 0 || strncmp(a, "--engine=", 9) == 0) {
			const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);

			if (v && strcmp(v, "interp") == 0) {
				opts.backend = ENG_BACKEND_INTERP;
			} else if (v && strcmp(v, "native") == 0) {
				opts.backend = ENG_BACKEND_NATIVE;
			} else {
				fprintf(stderr, "pvf wasm spectest: --engine needs interp or native\n");
				return CLI_EXIT_USAGE;
			}
		} else if (strcmp(a, "--tiers") == 0 || strncmp(a, "--tiers=", 8) == 0) {
			const char *v = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
			enum eng_native_tiers tiers;

			if (!v || !cli_parse_tiers(v, &tiers)) {
				fprintf(stderr, "pvf wasm spectest: --tiers needs auto, all or single\n");
				return CLI_EXIT_USAGE;
			}
			eng_native_set_tiers(tiers);
		} else if (strcmp(a, "--differences") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "pvf wasm spectest: --differences needs a file\n");
				return CLI_EXIT_USAGE;
			}
			opts.diff_path = argv[++i];
		} else if (strcmp(a, "--converter-fixes") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "pvf wasm spectest: --converter-fixes needs a file\n");
				return CLI_EXIT_USAGE;
			}
			opts.fixes_path = argv[++i];
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "pvf wasm spectest: unknown option %s\n\n", a);
			usage(stderr);
			return CLI_EXIT_USAGE;
		} else {
			if (!nfiles)
				first_file = i;
			nfiles++;
			/* Files must follow the options. */
			if (first_file + nfiles - 1 != i) {
				fprintf(stderr, "pvf wasm spectest: options must precede files\n");
				return CLI_EXIT_USAGE;
			}
		}
	}
	if (!nfiles) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (opts.diff_path && diffs_load(opts.diff_path, &diffs) < 0)
		return CLI_EXIT_ERROR;
	if (opts.fixes_path && diffs_load(opts.fixes_path, &fixes) < 0) {
		diffs_free(&diffs);
		return CLI_EXIT_ERROR;
	}
	if (json) {
		/* the text goes to stderr, the object alone to stdout */
		fflush(stdout);
		saved_stdout = dup(STDOUT_FILENO);
		if (saved_stdout < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			fprintf(stderr, "pvf wasm spectest: dup: %s\n", strerror(errno));
			diffs_free(&diffs);
			diffs_free(&fixes);
			return CLI_EXIT_ERROR;
		}
		jfiles = json_array();
	}
	for (i = first_file; i < first_file + nfiles; i++) {
		struct st_counts before = counts;

		run_script(&opts, &diffs, &fixes, argv[i], &counts);
		if (jfiles)
			json_array_append_new(jfiles, counts_json(argv[i], &counts, &before,
								  opts.profile));
	}
	printf("spectest: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped",
	       counts.passed, counts.failed, counts.skipped);
	if (opts.profile == ENG_PROFILE_PVF)
		printf(", %" PRIu64 " rejected-by-profile", counts.rejected);
	printf("\n");
	if (json) {
		static const struct st_counts zero = {0, 0, 0, 0};
		json_t *j = counts_json(NULL, &counts, &zero, opts.profile);

		fflush(stdout);
		dup2(saved_stdout, STDOUT_FILENO);
		close(saved_stdout);
		json_object_set_new(j, "profile", json_string(opts.profile == ENG_PROFILE_PVF ?
								"pvf" : "full"));
		json_object_set_new(j, "engine", json_string(opts.backend == ENG_BACKEND_NATIVE ?
							       "native" : "interp"));
		json_object_set_new(j, "files", jfiles);
		cli_print_json(j, JSON_COMPACT);
	}
	diffs_free(&diffs);
	diffs_free(&fixes);
	return counts.failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
