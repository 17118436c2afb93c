/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoder + validator: LEB edge cases, the IR of a module using every
 * section, spec error wording, the PVF profile's conformance cases
 * (determinism.md §11: 1, 2, 3, 4, 5, 6, 10, 12, 13, 14), limits, and
 * robustness against truncated and corrupted input.
 *
 * argv[1]: directory holding the .wasm files built from the tests/data .wat files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/engine_int.h"
#include "engine/leb.h"
#include "tap.h"

static const char *wasm_dir = ".";

/* ---- helpers ------------------------------------------------------------ */

static uint8_t *load(const char *name, size_t *len)
{
	char path[1024];
	uint8_t *p;
	struct pvf_err err;

	snprintf(path, sizeof(path), "%s/%s", wasm_dir, name);
	if (base_read_file(path, 1u << 20, &p, len, &err) != 0) {
		printf("# cannot read %s: %s\n", path, err.msg);
		return NULL;
	}
	return p;
}

struct mb {
	uint8_t b[4096];
	size_t n;
};

static void put(struct mb *m, const void *p, size_t n)
{
	if (n && m->n + n <= sizeof(m->b)) {
		memcpy(m->b + m->n, p, n);
		m->n += n;
	}
}

static void put_leb(struct mb *m, uint32_t v)
{
	do {
		uint8_t b = v & 0x7f;

		v >>= 7;
		if (v)
			b |= 0x80;
		put(m, &b, 1);
	} while (v);
}

static void header(struct mb *m)
{
	m->n = 0;
	put(m, "\0asm\1\0\0\0", 8);
}

static void section(struct mb *m, uint8_t id, const void *payload, size_t n)
{
	put(m, &id, 1);
	put_leb(m, (uint32_t)n);
	put(m, payload, n);
}

/* A module with one type (`type` bytes, e.g. "\x60\x00\x00"), one function
 * of it and that function's body (locals + code, without the size). Extra
 * sections (already encoded, ids between function and code) are inserted
 * before the code section. */
static void one_func(struct mb *m, const char *type, size_t tn, const char *body, size_t bn,
		     const void *extra, size_t en)
{
	struct mb tmp;

	header(m);
	tmp.n = 0;
	put(&tmp, "\x01", 1);
	put(&tmp, type, tn);
	section(m, 1, tmp.b, tmp.n);
	section(m, 3, "\x01\x00", 2);
	put(m, extra, en);
	tmp.n = 0;
	put(&tmp, "\x01", 1);
	put_leb(&tmp, (uint32_t)bn);
	put(&tmp, body, bn);
	section(m, 10, tmp.b, tmp.n);
}

static enum eng_status decode(const uint8_t *p, size_t n, enum eng_profile profile,
			      struct eng_module **out, struct eng_error *err)
{
	struct eng_module_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.profile = profile;
	memset(err, 0, sizeof(*err));
	return eng_module_new(p, n, &cfg, out, err);
}

/* Decodes and frees; returns the status, err holds the message. */
static enum eng_status check(const uint8_t *p, size_t n, enum eng_profile profile,
			     struct eng_error *err)
{
	struct eng_module *m = NULL;
	enum eng_status st = decode(p, n, profile, &m, err);

	eng_module_free(m);
	return st;
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Expects `st` with a message starting with `msg`. */
static void expect(const struct mb *m, enum eng_profile profile, enum eng_status st,
		   const char *msg, const char *what)
{
	struct eng_error err;
	enum eng_status got = check(m->b, m->n, profile, &err);

	if (!ok(got == st && (st == ENG_OK || starts(err.msg, msg)), "%s", what))
		printf("#   got %s \"%s\", expected %s \"%s\"\n", eng_status_name(got),
		       got == ENG_OK ? "" : err.msg, eng_status_name(st), msg);
}

#define FULL ENG_PROFILE_FULL
#define PVF ENG_PROFILE_PVF
#define VOID_T "\x60\x00\x00", 3
#define I32_T "\x60\x00\x01\x7f", 4

/* ---- LEB ---------------------------------------------------------------- */

static void test_leb(void)
{
	static const struct {
		const char *bytes;
		size_t n;
		int bits;
		bool is_signed;
		enum eng__leb res;
		int64_t value;
		const char *what;
	} cases[] = {
		{"\x00", 1, 32, false, ENG__LEB_OK, 0, "u32 0"},
		{"\xe5\x8e\x26", 3, 32, false, ENG__LEB_OK, 624485, "u32 624485"},
		{"\x80\x80\x80\x80\x00", 5, 32, false, ENG__LEB_OK, 0, "u32 overlong 5 bytes"},
		{"\xff\xff\xff\xff\x0f", 5, 32, false, ENG__LEB_OK, 0xffffffff, "u32 max"},
		{"\xff\xff\xff\xff\x1f", 5, 32, false, ENG__LEB_TOO_LARGE, 0, "u32 5th byte 0x1f"},
		{"\x80\x80\x80\x80\x10", 5, 32, false, ENG__LEB_TOO_LARGE, 0, "u32 5th byte 0x10"},
		{"\x80\x80\x80\x80\x80\x00", 6, 32, false, ENG__LEB_TOO_LONG, 0, "u32 6 bytes"},
		{"\x80\x80", 2, 32, false, ENG__LEB_EOF, 0, "u32 truncated"},
		{"", 0, 32, false, ENG__LEB_EOF, 0, "u32 empty"},
		{"\x7f", 1, 32, true, ENG__LEB_OK, -1, "s32 -1"},
		{"\x40", 1, 32, true, ENG__LEB_OK, -64, "s32 -64"},
		{"\xc0\x7f", 2, 32, true, ENG__LEB_OK, -64, "s32 -64 overlong (C0 7F)"},
		{"\x80\x80\x80\x80\x78", 5, 32, true, ENG__LEB_OK, INT32_MIN, "s32 min"},
		{"\xff\xff\xff\xff\x07", 5, 32, true, ENG__LEB_OK, INT32_MAX, "s32 max"},
		{"\xff\xff\xff\xff\x0f", 5, 32, true, ENG__LEB_TOO_LARGE, 0, "s32 5th byte 0x0f"},
		{"\x80\x80\x80\x80\x70", 5, 32, true, ENG__LEB_TOO_LARGE, 0, "s32 5th byte 0x70"},
		{"\xff\xff\xff\xff\x7f", 5, 32, true, ENG__LEB_OK, -1, "s32 -1 in 5 bytes"},
		{"\xff\xff\xff\xff\xff\x7f", 6, 32, true, ENG__LEB_TOO_LONG, 0, "s32 6 bytes"},
		{"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", 10, 64, true, ENG__LEB_OK, INT64_MIN,
		 "s64 min"},
		{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", 10, 64, true, ENG__LEB_OK, INT64_MAX,
		 "s64 max"},
		{"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 10, 64, true, ENG__LEB_TOO_LARGE, 0,
		 "s64 10th byte 0x01"},
		{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7e", 10, 64, true, ENG__LEB_TOO_LARGE, 0,
		 "s64 10th byte 0x7e"},
		{"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11, 64, true, ENG__LEB_TOO_LONG, 0,
		 "s64 11 bytes"},
		{"\x80\x80\x80\x80\x70", 5, 33, true, ENG__LEB_OK, -(1ll << 32), "s33 min"},
		{"\x80\x80\x80\x80\x60", 5, 33, true, ENG__LEB_TOO_LARGE, 0, "s33 5th byte 0x60"},
	};
	size_t i;

	for (i = 0; i < BASE_ARRAY_SIZE(cases); i++) {
		const uint8_t *p = (const uint8_t *)cases[i].bytes;
		const uint8_t *start = p;
		enum eng__leb r;
		int64_t v = 0;

		if (cases[i].is_signed) {
			r = eng__leb_s(&p, start + cases[i].n, cases[i].bits, &v);
		} else {
			uint64_t u = 0;

			r = eng__leb_u(&p, start + cases[i].n, cases[i].bits, &u);
			v = (int64_t)u;
		}
		ok(r == cases[i].res && (r != ENG__LEB_OK || (v == cases[i].value &&
							       p == start + cases[i].n)) &&
		   (r == ENG__LEB_OK || p == start),
		   "leb: %s", cases[i].what);
	}
}

/* ---- IR ----------------------------------------------------------------- */

static void test_ir(void)
{
	struct eng_module *m = NULL;
	struct eng_error err;
	struct mb buf;
	uint8_t *p;
	size_t n;
	enum eng_status st;
	const struct eng__func *f;

	p = load("engine_ir.wasm", &n);
	if (!ok(p && n < sizeof(buf.b) - 64, "engine_ir.wasm loaded"))
		return;
	/* Custom sections at the end, in file order. */
	buf.n = 0;
	put(&buf, p, n);
	section(&buf, 0, "\x05" "firstabc", 9);
	section(&buf, 0, "\x06" "secondxyz", 10);
	free(p);

	st = decode(buf.b, buf.n, FULL, &m, &err);
	if (!ok(st == ENG_OK, "engine_ir decodes (%s)", st == ENG_OK ? "" : err.msg))
		return;
	ok_eq(m->ntypes, 4, "types");
	ok(m->types[1].nparams == 2 && m->types[1].nresults == 1 &&
	   m->types[1].types[0] == ENG_I32 && m->types[1].types[2] == ENG_I32, "type 1 is ii_i");
	ok_eq(m->nimports, 4, "imports");
	ok(m->imports[0].kind == ENG_EXTERN_FUNC && m->imports[0].module_len == 3 &&
	   memcmp(m->imports[0].module, "env", 3) == 0 && m->imports[0].name_len == 1 &&
	   m->imports[0].name[0] == 'f', "import 0 is env.f");
	ok(m->imports[2].kind == ENG_EXTERN_GLOBAL && m->imports[2].desc.global.mut &&
	   m->imports[2].desc.global.type == ENG_I64, "import 2 is a mutable i64 global");
	ok(m->imports[3].kind == ENG_EXTERN_TABLE && m->imports[3].desc.table.limits.min == 2,
	   "import 3 is a table of 2");
	ok(m->nfunc_imports == 1 && m->nfuncs_total == 5, "function index space: 1 + 4");
	ok(m->func_type_idx[0] == 2 && m->func_type_idx[1] == 1, "func_type_idx");
	ok(m->ntables_total == 1 && m->ntable_imports == 1 && m->tables[0].elem_type == ENG_FUNCREF,
	   "table index space");
	ok(m->nmems_total == 1 && m->mems[0].min == 1 && m->mems[0].has_max && m->mems[0].max == 3,
	   "memory 1..3");
	ok(m->nglobals_total == 5 && m->nglobal_imports == 2, "global index space: 2 + 3");
	ok(m->globals[2].type.mut && m->globals[2].init.kind == ENG_CONST_GLOBAL_GET &&
	   m->globals[2].init.index == 0 && m->globals[2].init.type == ENG_I32,
	   "global 2 = global.get 0");
	ok(m->globals[3].init.kind == ENG_CONST_VALUE && m->globals[3].init.type == ENG_F64 &&
	   m->globals[3].init.value == 0x3ff8000000000000ull, "global 3 = f64.const 1.5 (bits)");
	ok(m->globals[4].init.kind == ENG_CONST_REF_FUNC && m->globals[4].init.index == 1,
	   "global 4 = ref.func 1");

	f = &m->funcs[0];
	ok(f->type_idx == 1 && f->nlocals == 3 && f->local_types[0] == ENG_I64 &&
	   f->local_types[1] == ENG_I64 && f->local_types[2] == ENG_F32, "add: locals expanded");
	ok(f->code_len == 6 && f->code[0] == OP_LOCAL_GET && f->code[f->code_len - 1] == OP_END &&
	   buf.b[f->code_offset] == OP_LOCAL_GET, "add: code range");
	ok(f->max_height == 2 && f->max_ctrl == 1, "add: max height 2, depth 1 (got %u, %u)",
	   f->max_height, f->max_ctrl);
	f = &m->funcs[1];
	ok(f->max_height == 4 && f->max_ctrl == 3, "nest: max height 4, depth 3 (got %u, %u)",
	   f->max_height, f->max_ctrl);
	ok(f->stack_cost == 0, "no stack cost outside the PVF profile");

	ok(m->nexports == 3 && m->exports[0].kind == ENG_EXTERN_FUNC && m->exports[0].index == 1 &&
	   m->exports[0].name_len == 3 && memcmp(m->exports[0].name, "add", 3) == 0 &&
	   m->exports[1].kind == ENG_EXTERN_MEMORY && m->exports[2].kind == ENG_EXTERN_GLOBAL &&
	   m->exports[2].index == 3, "exports");
	ok(m->has_start && m->start == 3, "start");
	ok(m->nelems == 2 && m->elems[0].mode == ENG_SEG_ACTIVE && m->elems[0].table == 0 &&
	   m->elems[0].offset.kind == ENG_CONST_VALUE && m->elems[0].offset.value == 0 &&
	   m->elems[0].count == 2 && m->elems[0].items[0].kind == ENG_CONST_REF_FUNC &&
	   m->elems[0].items[0].index == 1 && m->elems[0].items[1].index == 2, "active elem");
	ok(m->elems[1].mode == ENG_SEG_PASSIVE && m->elems[1].elem_type == ENG_FUNCREF &&
	   m->elems[1].count == 2 && m->elems[1].items[0].kind == ENG_CONST_REF_NULL &&
	   m->elems[1].items[1].kind == ENG_CONST_REF_FUNC && m->elems[1].items[1].index == 4,
	   "passive elem with expressions");
	ok(m->ndatas == 2 && m->datas[0].mode == ENG_SEG_ACTIVE &&
	   m->datas[0].offset.value == 8 && m->datas[0].len == 5 &&
	   memcmp(m->datas[0].bytes, "hello", 5) == 0 && m->datas[1].mode == ENG_SEG_PASSIVE &&
	   m->datas[1].len == 7, "data segments");
	ok(m->ncustoms == 2 && m->customs[0].name_len == 5 &&
	   memcmp(m->customs[0].name, "first", 5) == 0 && m->customs[0].len == 3 &&
	   memcmp(m->customs[1].data, "xyz", 3) == 0, "custom sections in file order");
	ok(m->func_declared[1] && m->func_declared[2] && m->func_declared[4] &&
	   !m->func_declared[3] && !m->func_declared[0], "func_declared (exports, elems, globals)");
	ok(m->features == (ENG_FEATURE_BULK_MEMORY | ENG_FEATURE_REFERENCE_TYPES |
			   ENG_FEATURE_SIGN_EXT | ENG_FEATURE_MUTABLE_GLOBAL_IMPORT),
	   "features: bulk, reference types, sign-ext, mutable global import (got %#x)",
	   m->features);
	eng_module_free(m);

	st = check(buf.b, buf.n, PVF, &err);
	ok(st == ENG_ERR_PROFILE, "engine_ir is outside the PVF profile (%s)", err.msg);
}

/* ---- spec wording ------------------------------------------------------- */

static void test_malformed(void)
{
	struct mb m;

	m.n = 0;
	expect(&m, FULL, ENG_ERR_MALFORMED, "unexpected end", "empty input");
	put(&m, "\0as", 3);
	expect(&m, FULL, ENG_ERR_MALFORMED, "unexpected end", "truncated magic");
	m.n = 0;
	put(&m, "\0asn\1\0\0\0", 8);
	expect(&m, FULL, ENG_ERR_MALFORMED, "magic header not detected", "bad magic");
	m.n = 0;
	put(&m, "\0asm\2\0\0\0", 8);
	expect(&m, PVF, ENG_ERR_MALFORMED, "unknown binary version", "version 2");
	header(&m);
	put(&m, "\x0d\x00", 2);
	expect(&m, FULL, ENG_ERR_MALFORMED, "malformed section id", "section id 13");
	expect(&m, PVF, ENG_ERR_MALFORMED, "malformed section id", "section id 13 (pvf)");
	header(&m);
	put(&m, "\x01\x05\xff\xff\xff\xff\x0f", 7);
	expect(&m, FULL, ENG_ERR_MALFORMED, "length out of bounds",
	       "type count 2^32-1 in a 5-byte section");
	header(&m);
	section(&m, 1, "\x00", 1);
	section(&m, 1, "\x00", 1);
	expect(&m, FULL, ENG_ERR_MALFORMED, "unexpected content after last section",
	       "repeated type section");
	header(&m);
	section(&m, 3, "\x00", 1);
	section(&m, 1, "\x00", 1);
	expect(&m, PVF, ENG_ERR_MALFORMED, "unexpected content after last section",
	       "sections out of order");
	header(&m);
	section(&m, 1, "\x01\x60\x00\x00\x00", 5);
	expect(&m, FULL, ENG_ERR_MALFORMED, "section size mismatch", "junk inside a section");
	header(&m);
	section(&m, 2, "\x01\x01\xc0\x00\x00\x00", 6);
	expect(&m, FULL, ENG_ERR_MALFORMED, "malformed UTF-8 encoding", "import module name");
	header(&m);
	section(&m, 3, "\x01\x00", 2);
	expect(&m, FULL, ENG_ERR_MALFORMED, "function and code section have inconsistent lengths",
	       "function section without code");

	/* LEB immediates inside a body (call 0 of itself, itself of type
	 * () -> ()). */
	one_func(&m, VOID_T, "\x00\x10\x80\x80\x80\x80\x00\x0b", 8, NULL, 0);
	expect(&m, PVF, ENG_OK, "", "overlong 5-byte function index accepted");
	one_func(&m, VOID_T, "\x00\x10\x80\x80\x80\x80\x80\x00\x0b", 9, NULL, 0);
	expect(&m, FULL, ENG_ERR_MALFORMED, "integer representation too long",
	       "6-byte function index");
	one_func(&m, VOID_T, "\x00\x10\x80\x80\x80\x80\x10\x0b", 8, NULL, 0);
	expect(&m, PVF, ENG_ERR_MALFORMED, "integer too large", "function index 5th byte 0x10");
	one_func(&m, I32_T, "\x00\x41\xff\xff\xff\xff\x7f\x0b", 8, NULL, 0);
	expect(&m, FULL, ENG_OK, "", "i32.const -1 in 5 bytes");
	one_func(&m, I32_T, "\x00\x41\xff\xff\xff\xff\x0f\x0b", 8, NULL, 0);
	expect(&m, FULL, ENG_ERR_MALFORMED, "integer too large", "i32.const 5th byte 0x0f");
	one_func(&m, "\x60\x00\x01\x7e", 4,
		 "\x00\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01\x0b", 13, NULL, 0);
	expect(&m, PVF, ENG_ERR_MALFORMED, "integer too large", "i64.const 10th byte 0x01");
	one_func(&m, VOID_T, "\x00\x41\x00\x1a", 4, NULL, 0);
	expect(&m, FULL, ENG_ERR_MALFORMED, "unexpected end of section or function",
	       "body without end at the end of the module");
	one_func(&m, VOID_T, "\x00\x3f\x01\x1a\x0b", 5, "\x05\x03\x01\x00\x01", 5);
	expect(&m, FULL, ENG_ERR_MALFORMED, "zero byte expected", "memory.size reserved byte");
	one_func(&m, VOID_T, "\x00\x06\x0b", 3, NULL, 0);
	expect(&m, FULL, ENG_ERR_MALFORMED, "illegal opcode", "opcode 0x06");
	one_func(&m, VOID_T, "\x02\xff\xff\xff\xff\x0f\x7f\x01\x7f\x0b", 10, NULL, 0);
	expect(&m, FULL, ENG_ERR_MALFORMED, "too many locals", "2^32 locals in two groups");
	one_func(&m, VOID_T, "\x01\xff\xff\xff\xff\x0f\x7f\x0b", 8, NULL, 0);
	expect(&m, FULL, ENG_ERR_LIMIT, "too many locals", "2^32-1 locals: limit, no allocation");
}

static void test_invalid(void)
{
	struct mb m;

	one_func(&m, I32_T, "\x00\x0b", 2, NULL, 0);
	expect(&m, FULL, ENG_ERR_INVALID, "type mismatch", "missing result");
	expect(&m, PVF, ENG_ERR_INVALID, "type mismatch", "missing result (pvf)");
	one_func(&m, I32_T, "\x00\x42\x00\x0b", 4, NULL, 0);
	expect(&m, FULL, ENG_ERR_INVALID, "type mismatch", "i64 for i32 result");
	one_func(&m, VOID_T, "\x00\x20\x05\x1a\x0b", 5, NULL, 0);
	expect(&m, FULL, ENG_ERR_INVALID, "unknown local", "local.get 5");
	one_func(&m, VOID_T, "\x00\x0c\x01\x0b", 4, NULL, 0);
	expect(&m, FULL, ENG_ERR_INVALID, "unknown label", "br 1");
	one_func(&m, VOID_T, "\x00\x10\x01\x0b", 4, NULL, 0);
	expect(&m, FULL, ENG_ERR_INVALID, "unknown function", "call 1");
	one_func(&m, VOID_T, "\x00\x41\x00\x28\x02\x00\x1a\x0b", 8, NULL, 0);
	expect(&m, FULL, ENG_ERR_INVALID, "unknown memory", "load without memory");
	one_func(&m, VOID_T, "\x00\x41\x00\x28\x03\x00\x1a\x0b", 8, "\x05\x03\x01\x00\x01", 5);
	expect(&m, FULL, ENG_ERR_INVALID, "alignment must not be larger than natural",
	       "i32.load align 8");
	/* Unreachable code is polymorphic (valid), as the spec says. */
	one_func(&m, I32_T, "\x00\x00\x6a\x0b", 4, NULL, 0);
	expect(&m, FULL, ENG_OK, "", "unreachable i32.add is valid");
	one_func(&m, VOID_T, "\x00\x0b", 2, "\x05\x05\x02\x00\x01\x00\x01", 7);
	expect(&m, FULL, ENG_ERR_INVALID, "multiple memories", "two memories");
	expect(&m, PVF, ENG_ERR_INVALID, "multiple memories", "two memories (pvf)");
	one_func(&m, VOID_T, "\x00\x0b", 2, "\x05\x04\x01\x01\x02\x01", 6);
	expect(&m, FULL, ENG_ERR_INVALID, "size minimum must not be greater than maximum",
	       "memory min 2 > max 1");
	one_func(&m, VOID_T, "\x00\x0b", 2, "\x05\x06\x01\x01\x00\x81\x80\x04", 8);
	expect(&m, FULL, ENG_ERR_INVALID, "memory size must be at most 65536 pages (4GiB)",
	       "memory max 65537");
	one_func(&m, VOID_T, "\x00\x0b", 2, "\x05\x05\x01\x00\x81\x80\x04", 7);
	expect(&m, PVF, ENG_ERR_INVALID, "memory size must be at most 65536 pages (4GiB)",
	       "memory min 65537 (pvf)");
	one_func(&m, VOID_T, "\x00\x0b", 2,
		 "\x07\x09\x02\x01" "a" "\x00\x00\x01" "a" "\x00\x00", 11);
	expect(&m, FULL, ENG_ERR_INVALID, "duplicate export name", "duplicate export");
	one_func(&m, VOID_T, "\x00\x0b", 2, "\x06\x06\x01\x7f\x00\x23\x00\x0b", 8);
	expect(&m, FULL, ENG_ERR_INVALID, "unknown global", "global init reads itself");
	one_func(&m, VOID_T, "\x00\x0b", 2, "\x06\x07\x01\x7f\x00\x41\x00\x01\x0b", 9);
	expect(&m, FULL, ENG_ERR_INVALID, "constant expression required", "nop in global init");
	one_func(&m, VOID_T, "\x00\x0b", 2, "\x06\x06\x01\x7f\x00\x42\x00\x0b", 8);
	expect(&m, FULL, ENG_ERR_INVALID, "type mismatch", "i64 init of an i32 global");
	/* A body that is both invalid and malformed is malformed. */
	one_func(&m, I32_T, "\x00\x0b\x0b", 3, NULL, 0);
	expect(&m, FULL, ENG_ERR_MALFORMED, "section size mismatch", "bytes after the final end");
}

/* ---- PVF profile: determinism.md §11 ------------------------------------ */

static void expect_file(const char *name, enum eng_profile profile, enum eng_status st,
			const char *msg, uint32_t features)
{
	struct eng_module *m = NULL;
	struct eng_error err;
	enum eng_status got;
	uint8_t *p;
	size_t n;

	p = load(name, &n);
	if (!ok(p != NULL, "%s loaded", name))
		return;
	got = decode(p, n, profile, &m, &err);
	if (!ok(got == st && (st == ENG_OK || starts(err.msg, msg)), "%s %s: %s \"%s\"", name,
		profile == PVF ? "pvf" : "full", eng_status_name(got), got ? err.msg : ""))
		printf("#   expected %s \"%s\"\n", eng_status_name(st), msg);
	if (m && features)
		ok(m->features == features, "%s: features %#x (got %#x)", name, features,
		   m->features);
	eng_module_free(m);
	free(p);
}

static void test_pvf_cases(void)
{
	struct mb m, tail;
	struct eng_error err;
	size_t i;
	static const char *const trailing[] = {"\x00", "\x01", "\x01\x80"};
	static const uint32_t costs[] = {7, 4, 2, 5, 6, 3};
	struct eng_module *mod = NULL;
	enum eng_status st;
	uint8_t *p;
	size_t n;

	/* 1, 2: sign-extension and saturating truncation are post-MVP. */
	expect_file("pvf_signext.wasm", PVF, ENG_ERR_PROFILE, "not supported by the PVF profile", 0);
	expect_file("pvf_signext.wasm", FULL, ENG_OK, "", ENG_FEATURE_SIGN_EXT);
	expect_file("pvf_satconv.wasm", PVF, ENG_ERR_PROFILE, "not supported by the PVF profile", 0);
	expect_file("pvf_satconv.wasm", FULL, ENG_OK, "", ENG_FEATURE_SAT_TRUNC);
	/* 3, 4: the stack limiter rejects valid Wasm. */
	expect_file("pvf_underflow.wasm", PVF, ENG_ERR_STACK_LIMITER, "stack limiter: stack underflow",
		    0);
	expect_file("pvf_underflow.wasm", FULL, ENG_OK, "", 0);
	expect_file("pvf_underflow_call.wasm", PVF, ENG_ERR_STACK_LIMITER,
		    "stack limiter: stack underflow", 0);
	expect_file("pvf_underflow_call.wasm", FULL, ENG_OK, "", 0);
	/* Inside a block the same code passes (height == start at the pop). */
	one_func(&m, VOID_T, "\x00\x02\x40\x00\x6a\x6a\x1a\x0b\x0b", 9, NULL, 0);
	expect(&m, PVF, ENG_OK, "", "unreachable i32.add i32.add drop inside a block");

	/* 5: overlong block type C0 7F = s32 -64 = empty. */
	one_func(&m, VOID_T, "\x00\x02\xc0\x7f\x0b\x0b", 6, NULL, 0);
	expect(&m, PVF, ENG_OK, "", "block type C0 7F accepted by the PVF profile");
	expect(&m, FULL, ENG_ERR_MALFORMED, "malformed block type", "block type C0 7F (full)");
	one_func(&m, VOID_T, "\x00\x02\x01\x0b\x0b", 5, NULL, 0);
	expect(&m, PVF, ENG_ERR_PROFILE, "multi-value", "type-index block type (pvf)");

	/* 6: a data count section. */
	one_func(&m, VOID_T, "\x00\x0b", 2, "\x0c\x01\x00", 3);
	expect(&m, PVF, ENG_ERR_PROFILE, "bulk memory", "data count section (pvf)");
	expect(&m, FULL, ENG_OK, "", "data count section (full)");

	/* Data segment kind 2 with the one-byte memory index 0 reads the same
	 * through parity-wasm and wasmparser; an overlong index does not. */
	one_func(&m, VOID_T, "\x00\x0b", 2, "\x05\x03\x01\x00\x00", 5);
	put(&m, "\x0b\x08\x01\x82\x00\x00\x41\x00\x0b\x00", 10);
	expect(&m, PVF, ENG_OK, "", "data segment kind 2, memory index 0x00 (pvf)");
	one_func(&m, VOID_T, "\x00\x0b", 2, "\x05\x03\x01\x00\x00", 5);
	put(&m, "\x0b\x09\x01\x82\x00\x80\x00\x41\x00\x0b\x00", 11);
	expect(&m, PVF, ENG_ERR_PROFILE, "bulk memory", "data segment kind 2, index 80 00 (pvf)");
	expect(&m, FULL, ENG_OK, "", "data segment kind 2, index 80 00 (full)");

	/* The memory import becomes an export named like its field (§4.2). */
	header(&m);
	section(&m, 2, "\x01\x03" "env" "\x06" "memory" "\x02\x00\x01", 15);
	section(&m, 7, "\x01\x06" "memory" "\x02\x00", 10);
	expect(&m, PVF, ENG_ERR_INVALID, "duplicate export name",
	       "export named like the memory import (pvf)");
	expect(&m, FULL, ENG_OK, "", "export named like the memory import (full)");
	header(&m);
	section(&m, 2, "\x01\x03" "env" "\x06" "memory" "\x02\x00\x01", 15);
	section(&m, 5, "\x00", 1);
	expect(&m, PVF, ENG_ERR_PROFILE, "a memory import cannot be converted",
	       "memory import and an empty memory section (pvf)");
	expect(&m, FULL, ENG_OK, "", "memory import and an empty memory section (full)");

	/* 10: two results. */
	expect_file("pvf_multivalue.wasm", PVF, ENG_ERR_PROFILE, "multi-value", 0);
	expect_file("pvf_multivalue.wasm", FULL, ENG_OK, "", ENG_FEATURE_MULTI_VALUE);

	/* 12: trailing bytes after the last section. */
	for (i = 0; i < BASE_ARRAY_SIZE(trailing); i++) {
		one_func(&tail, VOID_T, "\x00\x0b", 2, NULL, 0);
		put(&tail, trailing[i], strlen(trailing[i]) ? strlen(trailing[i]) : 1);
		st = check(tail.b, tail.n, PVF, &err);
		ok(st == ENG_ERR_MALFORMED, "trailing bytes variant %zu rejected (%s)", i, err.msg);
		st = check(tail.b, tail.n, FULL, &err);
		ok(st == ENG_ERR_MALFORMED, "trailing bytes variant %zu rejected (full)", i);
	}

	/* 13: a malformed name section is just a custom section. */
	one_func(&m, VOID_T, "\x00\x0b", 2, NULL, 0);
	section(&m, 0, "\x04name\x01\xff\xff\xff\xff\x0f\x00", 12);
	expect(&m, PVF, ENG_OK, "", "malformed name section accepted (pvf)");
	expect(&m, FULL, ENG_OK, "", "malformed name section accepted (full)");

	/* 14: costs of the worked examples; imports cost 0. */
	p = load("pvf_costs.wasm", &n);
	if (ok(p != NULL, "pvf_costs.wasm loaded")) {
		struct eng_module_config cfg;

		memset(&cfg, 0, sizeof(cfg));
		cfg.profile = PVF;
		st = eng_module_new(p, n, &cfg, &mod, &err);
		if (ok(st == ENG_OK, "pvf_costs decodes (%s)", st ? err.msg : "")) {
			ok_eq(eng_module_stack_cost(mod, 0), 0, "import costs 0");
			for (i = 0; i < BASE_ARRAY_SIZE(costs); i++)
				ok_eq(eng_module_stack_cost(mod, (uint32_t)i + 1), costs[i],
				      "cost of worked example %zu", i + 1);
		}
		eng_module_free(mod);
		free(p);
	}
}

/* ---- limits and robustness ---------------------------------------------- */

static void test_limits(void)
{
	struct eng_module_config cfg;
	struct eng_module *m = NULL;
	struct eng_error err;
	struct mb b;
	enum eng_status st;

	memset(&cfg, 0, sizeof(cfg));
	cfg.limits.max_functions = 1;
	header(&b);
	section(&b, 1, "\x01\x60\x00\x00", 4);
	section(&b, 3, "\x02\x00\x00", 3);
	section(&b, 10, "\x02\x02\x00\x0b\x02\x00\x0b", 7);
	st = eng_module_new(b.b, b.n, &cfg, &m, &err);
	ok(st == ENG_ERR_LIMIT && starts(err.msg, "too many functions"),
	   "max_functions enforced (%s)", err.msg);
	cfg.limits.max_functions = 2;
	st = eng_module_new(b.b, b.n, &cfg, &m, &err);
	ok(st == ENG_OK, "max_functions = 2 accepts two functions");
	eng_module_free(m);

	memset(&cfg, 0, sizeof(cfg));
	cfg.limits.max_nesting = 2;
	one_func(&b, VOID_T, "\x00\x02\x40\x02\x40\x0b\x0b\x0b", 8, NULL, 0);
	st = eng_module_new(b.b, b.n, &cfg, &m, &err);
	ok(st == ENG_ERR_LIMIT, "max_nesting enforced (%s)", err.msg);
	one_func(&b, VOID_T, "\x00\x02\x40\x0b\x0b", 5, NULL, 0);
	m = NULL;
	st = eng_module_new(b.b, b.n, &cfg, &m, &err);
	ok(st == ENG_OK && m->funcs[0].max_ctrl == 2, "nesting 2 within max_nesting 2");
	eng_module_free(m);
}

/* Every prefix and many single-byte corruptions of a module using every
 * section must give a clean verdict (run under ASan by `make asan`). */
static void test_robustness(void)
{
	static const uint8_t vals[] = {0x00, 0x01, 0x0b, 0x40, 0x7f, 0x80, 0xff};
	enum eng_profile profiles[] = {FULL, PVF};
	struct eng_error err;
	uint8_t *p, *copy;
	size_t n, i, k, bad = 0, nprefix_ok = 0, ncorrupt = 0;
	int pi;

	p = load("engine_ir.wasm", &n);
	if (!ok(p != NULL, "engine_ir.wasm loaded"))
		return;
	copy = malloc(n);
	for (pi = 0; pi < 2; pi++) {
		for (i = 0; i < n; i++) {
			enum eng_status st = check(p, i, profiles[pi], &err);

			if (st == ENG_OK)
				nprefix_ok++;
			else if ((st != ENG_ERR_MALFORMED && st != ENG_ERR_INVALID &&
				  st != ENG_ERR_PROFILE) || err.msg[0] == 0)
				bad++;
		}
		for (i = 8; i < n; i++)
			for (k = 0; k < sizeof(vals); k++) {
				enum eng_status st;

				memcpy(copy, p, n);
				copy[i] = vals[k];
				st = check(copy, n, profiles[pi], &err);
				ncorrupt++;
				if (st != ENG_OK && (err.msg[0] == 0 || st == ENG_ERR_NOMEM))
					bad++;
			}
	}
	ok(bad == 0, "%zu prefixes and %zu corruptions give clean verdicts (%zu bad)", 2 * n,
	   ncorrupt, bad);
	ok(nprefix_ok > 0 && nprefix_ok < 2 * n / 4,
	   "only prefixes ending at a section boundary are accepted (%zu)", nprefix_ok);
	free(copy);
	free(p);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		wasm_dir = argv[1];
	test_leb();
	test_ir();
	test_malformed();
	test_invalid();
	test_pvf_cases();
	test_limits();
	test_robustness();
	return tap_done();
}
