/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host-function glue, linking and calling-convention failures on small
 * modules (tests/data/rt_*.wat, built with wat2wasm): good calls return the
 * right bytes; out-of-bounds pointers, huge lengths, allocator misuse,
 * stubs and bad arguments trap cleanly; link errors are found at
 * preparation; export, memory and instantiation problems are classified as
 * determinism.md §10 says. argv[1] = directory of the built .wasm files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/scale.h"
#include "engine/engine.h"
#include "runtime/runtime.h"
#include "shared_data.h"
#include "tap.h"

static const char *wasm_dir;

static struct rt_runtime *load(const char *name, const struct rt_runtime_config *cfg,
			       enum rt_err_kind *kind, struct rt_error *err)
{
	struct pvf_err perr = {0};
	struct rt_runtime *rt = NULL;
	char path[4096];
	uint8_t *code = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/%s.wasm", wasm_dir, name);
	if (base_read_file(path, 1u << 20, &code, &len, &perr) < 0) {
		printf("# %s\n", perr.msg);
		*kind = RT_ERR_INTERNAL;
		return NULL;
	}
	*kind = rt_runtime_prepare(code, len, cfg, &rt, err);
	free(code);
	return rt;
}

/* rt_runtime_precheck of a module file. */
static enum rt_err_kind precheck(const char *name)
{
	struct pvf_err perr = {0};
	struct rt_error err = {0};
	char path[4096];
	uint8_t *code = NULL;
	size_t len = 0;
	enum rt_err_kind k;

	snprintf(path, sizeof(path), "%s/%s.wasm", wasm_dir, name);
	if (base_read_file(path, 1u << 20, &code, &len, &perr) < 0)
		return RT_ERR_INTERNAL;
	k = rt_runtime_precheck(code, len, NULL, &err);
	free(code);
	return k;
}

struct result {
	enum rt_err_kind kind;
	struct rt_error err;
	uint8_t *out;
	size_t len;
};

static void call(struct rt_runtime *rt, const char *fn, const void *in, size_t in_len,
		 struct rt_storage *storage, struct result *r)
{
	struct rt_call_opts opts = {.storage = storage};

	free(r->out);
	memset(r, 0, sizeof(*r));
	r->kind = rt_runtime_call(rt, fn, in, in_len, &opts, &r->out, &r->len, &r->err);
	if (r->kind != RT_OK)
		printf("#   %s: %s: %s\n", fn, rt_err_kind_str(r->kind), r->err.msg);
}

static bool traps_with(const struct result *r, const char *needle)
{
	return r->kind == RT_ERR_TRAP && strstr(r->err.msg, needle) != NULL;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool out_u32(const struct result *r, uint32_t want)
{
	return r->kind == RT_OK && r->len == 4 && le32(r->out) == want;
}

static void host_functions(void)
{
	struct rt_runtime_config cfg = {0};
	struct rt_runtime *rt;
	struct rt_error err = {0};
	struct result r = {0};
	enum rt_err_kind k;
	uint8_t digest[32], twox[16];
	static const char msg[] = "hello world";

	rt = load("rt_host", &cfg, &k, &err);
	ok(rt != NULL, "rt_host prepares (%s)", err.msg);
	if (!rt)
		return;

	call(rt, "echo", msg, 11, NULL, &r);
	ok(r.kind == RT_OK && r.len == 11 && memcmp(r.out, msg, 11) == 0,
	   "the input is allocated, copied and passed as (ptr, len)");
	call(rt, "echo", NULL, 0, NULL, &r);
	ok(r.kind == RT_OK && r.len == 0, "an empty input works");

	rt_blake2b_256(msg, 11, digest);
	call(rt, "hash_input", msg, 11, NULL, &r);
	ok(r.kind == RT_OK && r.len == 32 && memcmp(r.out, digest, 32) == 0,
	   "blake2_256 returns a host-allocated digest");
	rt_twox_128(msg, 11, twox);
	call(rt, "hash_into", msg, 11, NULL, &r);
	ok(r.kind == RT_OK && r.len == 16 && memcmp(r.out, twox, 16) == 0,
	   "twox_128_version_2 writes into the runtime's buffer");
	call(rt, "hash_oob", NULL, 0, NULL, &r);
	ok(traps_with(&r, "out of bounds"), "hashing an out-of-bounds range traps");
	call(rt, "hash_huge", NULL, 0, NULL, &r);
	ok(traps_with(&r, "out of bounds"), "hashing 4 GiB traps");
	call(rt, "hash_into_oob", msg, 11, NULL, &r);
	ok(traps_with(&r, "out of bounds"), "an output buffer past the end traps");

	call(rt, "malloc_huge", NULL, 0, NULL, &r);
	ok(traps_with(&r, "Failed to allocate memory"), "malloc(u32::MAX) traps");
	call(rt, "malloc_free", NULL, 0, NULL, &r);
	ok(out_u32(&r, 1), "malloc/free/malloc reuses the block");
	call(rt, "free_bad", NULL, 0, NULL, &r);
	ok(traps_with(&r, "Failed to deallocate memory"), "freeing a non-allocation traps");
	call(rt, "double_free", NULL, 0, NULL, &r);
	ok(traps_with(&r, "Failed to deallocate memory"), "a double free traps");

	call(rt, "ed25519_zero", NULL, 0, NULL, &r);
	ok(out_u32(&r, 1), "ed25519_verify: ZIP-215 zero signature is valid");
	call(rt, "ed25519_oob", NULL, 0, NULL, &r);
	ok(traps_with(&r, "out of bounds"), "ed25519_verify: signature past the end traps");
	call(rt, "ed25519_msg_oob", NULL, 0, NULL, &r);
	ok(traps_with(&r, "out of bounds"), "ed25519_verify: huge message length traps");
	call(rt, "recover_zero", NULL, 0, NULL, &r);
	ok(r.kind == RT_OK && r.len == 2 && r.out[0] == 1 && r.out[1] == 2,
	   "secp256k1_ecdsa_recover_version_2 of r = s = 0 returns Err(BadSignature)");
	call(rt, "batch", NULL, 0, NULL, &r);
	ok(out_u32(&r, 1), "start + finish batch returns true");
	call(rt, "batch_twice", NULL, 0, NULL, &r);
	ok(r.kind == RT_ERR_TRAP, "starting a batch twice traps");
	call(rt, "finish_alone", NULL, 0, NULL, &r);
	ok(r.kind == RT_ERR_TRAP, "finish without start traps");

	call(rt, "log_ok", msg, 11, NULL, &r);
	ok(out_u32(&r, 0), "log and print work; max_level is 0 (Off)");
	call(rt, "log_oob", NULL, 0, NULL, &r);
	ok(traps_with(&r, "out of bounds"), "log with an out-of-bounds message traps");

	call(rt, "version", "garbage", 7, NULL, &r);
	ok(r.kind == RT_OK && r.len == 1 && r.out[0] == 0,
	   "runtime_version of garbage is None (no trap)");
	call(rt, "version_oob", NULL, 0, NULL, &r);
	ok(traps_with(&r, "out of bounds"), "runtime_version of an out-of-bounds range traps");

	call(rt, "input_read_legacy", msg, 11, NULL, &r);
	ok(r.kind == RT_ERR_TRAP, "ext_input_read in a legacy call traps");
	call(rt, "storage", "k", 1, NULL, &r);
	ok(traps_with(&r, "call to a missing function env:ext_storage_set_version_1"),
	   "storage is not provided to PVFs: the stub traps when called");
	call(rt, "missing", NULL, 0, NULL, &r);
	ok(traps_with(&r, "call to a missing function env:ext_not_a_host_function_version_1"),
	   "an unknown import links and traps only when called");

	call(rt, "grow", NULL, 0, NULL, &r);
	ok(r.kind == RT_OK && r.len == 8 && le32(r.out) == UINT32_MAX && le32(r.out + 4) >= 2,
	   "memory.grow beyond M returns -1, within M succeeds");
	call(rt, "out_oob", NULL, 0, NULL, &r);
	ok(r.kind == RT_ERR_OUTPUT_BOUNDS, "a result range past the end of memory");
	call(rt, "out_wrap", NULL, 0, NULL, &r);
	ok(r.kind == RT_ERR_OUTPUT_BOUNDS, "a result range wrapping around 4 GiB");
	call(rt, "bad_sig", NULL, 0, NULL, &r);
	ok(r.kind == RT_ERR_EXPORT && strstr(r.err.msg, "invalid signature"),
	   "an entry point of the wrong type");
	call(rt, "no_such_export", NULL, 0, NULL, &r);
	ok(r.kind == RT_ERR_EXPORT && strstr(r.err.msg, "not found"), "a missing entry point");
	call(rt, "trap", NULL, 0, NULL, &r);
	ok(r.kind == RT_ERR_TRAP && r.err.trap == ENG_TRAP_UNREACHABLE, "unreachable traps");
	call(rt, "recurse", NULL, 0, NULL, &r);
	ok(r.kind == RT_ERR_TRAP && r.err.trap == ENG_TRAP_STACK_LIMIT,
	   "unbounded recursion hits the logical stack limit");
	ok(rt_err_kind_is_invalid(r.kind), "... which is an invalid candidate");
	free(r.out);
	rt_runtime_free(rt);
}

/* Ordered trie root through the host function: w3f vector (runtime-abi.md
 * §7) and a state version that does not exist. */
static void trie(void)
{
	static const char *items[] = {"static", "even-keeled", "Future-proofed"};
	static const char want[] =
		"d847b86d0219a384d11458e829e9f4f4cce7e3cc2e6dcd0e8a6ad6f12c64a737";
	struct rt_runtime_config cfg = {0};
	struct rt_error err = {0};
	struct result r = {0};
	struct buf in = BUF_INIT;
	struct rt_runtime *rt;
	enum rt_err_kind k;
	char hex[65] = "";
	size_t i;

	rt = load("rt_host", &cfg, &k, &err);
	if (!rt) {
		ok(0, "rt_host prepares");
		return;
	}
	scale_put_compact(&in, BASE_ARRAY_SIZE(items));
	for (i = 0; i < BASE_ARRAY_SIZE(items); i++)
		scale_put_bytes(&in, items[i], strlen(items[i]));
	call(rt, "ordered_root", in.data, in.len, NULL, &r);
	if (r.kind == RT_OK && r.len == 32)
		base_hex_encode(r.out, 32, hex);
	ok(strcmp(hex, want) == 0, "ordered_root_version_2 (V0) of the w3f vector: %s", hex);
	call(rt, "ordered_root", "\x04\x08", 2, NULL, &r);
	ok(r.kind == RT_ERR_TRAP, "an input that does not decode traps");
	call(rt, "ordered_root_bad_version", in.data, in.len, NULL, &r);
	ok(r.kind == RT_ERR_TRAP, "state version 2 traps");
	buf_deinit(&in);
	free(r.out);
	rt_runtime_free(rt);
}

/* runtime_version_version_1 with a real compressed runtime as argument. */
static void runtime_version_arg(void)
{
	struct rt_runtime_config cfg = {0};
	struct rt_error err = {0};
	struct result r = {0};
	struct buf direct = BUF_INIT, enc = BUF_INIT;
	struct rt_runtime *rt;
	enum rt_err_kind k;
	uint8_t *code;
	size_t len = 0;
	char why[160];

	if (!shared_has("runtime-blobs/coretime-polkadot-1003000.compressed.bin")) {
		printf("# no shared runtime blobs: skipping runtime_version with a real code\n");
		return;
	}
	code = shared_read("runtime-blobs/coretime-polkadot-1003000.compressed.bin", &len);
	rt = load("rt_host", &cfg, &k, &err);
	if (!rt || !code) {
		ok(0, "runtime_version set-up");
		free(code);
		rt_runtime_free(rt);
		return;
	}
	call(rt, "version", code, len, NULL, &r);
	ok(rt_runtime_version_from_code(code, len, &direct, why, sizeof(why)) == 0 &&
	   scale_put_option_bytes(&enc, direct.data, direct.len) == 0 && r.kind == RT_OK &&
	   r.len == enc.len && memcmp(r.out, enc.data, enc.len) == 0 && r.out[0] == 1,
	   "runtime_version of coretime-polkadot from inside a runtime: Some(%zu bytes)",
	   direct.len);
	buf_deinit(&direct);
	buf_deinit(&enc);
	free(r.out);
	free(code);
	rt_runtime_free(rt);
}

static void rfc145(void)
{
	struct rt_runtime_config cfg = {0};
	struct rt_error err = {0};
	struct result r = {0};
	struct rt_runtime *rt;
	enum rt_err_kind k;

	rt = load("rt_rfc145", &cfg, &k, &err);
	ok(rt != NULL, "RFC-145 module prepares (%s)", err.msg);
	if (!rt)
		return;
	call(rt, "echo", "abcdef", 6, NULL, &r);
	ok(r.kind == RT_OK && r.len == 6 && memcmp(r.out, "abcdef", 6) == 0,
	   "(len) -> ptr-size entry point reads its input with ext_input_read");
	call(rt, "twice", "abcdef", 6, NULL, &r);
	ok(r.kind == RT_ERR_TRAP, "reading the input twice traps");
	call(rt, "short", "abcdef", 6, NULL, &r);
	ok(r.kind == RT_ERR_TRAP, "a buffer of the wrong length traps");
	free(r.out);
	rt_runtime_free(rt);
}

static void link_and_instantiate(void)
{
	static const struct {
		const char *file;
		enum rt_err_kind prepare, call;
		const char *needle;
	} cases[] = {
		{"rt_link_nonenv", RT_ERR_RUNTIME_CONSTRUCTION, RT_OK, "non-env module"},
		{"rt_link_badsig", RT_ERR_RUNTIME_CONSTRUCTION, RT_OK, "incompatible import type"},
		{"rt_link_global", RT_ERR_RUNTIME_CONSTRUCTION, RT_OK, "non function imports"},
		{"rt_link_stub_types", RT_ERR_RUNTIME_CONSTRUCTION, RT_OK, "imported twice"},
		{"rt_mem_variants", RT_OK, RT_OK, ""},
		{"rt_mem_badname", RT_OK, RT_ERR_EXPORT, "`memory` name"},
		{"rt_mem_big", RT_OK, RT_ERR_INSTANTIATION, "exceeds memory limits"},
		{"rt_mem_big_defined", RT_OK, RT_ERR_INSTANTIATION, ""},
		{"rt_no_heap_base", RT_OK, RT_ERR_EXPORT, "__heap_base"},
		{"rt_no_memory", RT_OK, RT_ERR_EXPORT, "`memory` name"},
		{"rt_start_malloc", RT_OK, RT_ERR_INSTANTIATION, "Failed to allocate memory"},
		{"rt_segment_oob", RT_OK, RT_ERR_INSTANTIATION, ""},
	};
	struct rt_runtime_config cfg = {0};
	struct result r = {0};
	size_t i;

	for (i = 0; i < BASE_ARRAY_SIZE(cases); i++) {
		struct rt_error err = {0};
		enum rt_err_kind k;
		struct rt_runtime *rt = load(cases[i].file, &cfg, &k, &err);

		if (cases[i].prepare != RT_OK) {
			ok(k == cases[i].prepare && strstr(err.msg, cases[i].needle),
			   "%s: %s at preparation (%s)", cases[i].file,
			   rt_err_kind_str(cases[i].prepare), err.msg);
			ok(precheck(cases[i].file) == cases[i].prepare, "%s: pre-check rejects it",
			   cases[i].file);
			rt_runtime_free(rt);
			continue;
		}
		if (!rt) {
			ok(0, "%s prepares (%s)", cases[i].file, err.msg);
			continue;
		}
		ok(precheck(cases[i].file) == RT_OK, "%s passes pre-checking", cases[i].file);
		call(rt, "f", "xy", 2, NULL, &r);
		ok(r.kind == cases[i].call && strstr(r.err.msg, cases[i].needle),
		   "%s: %s", cases[i].file, rt_err_kind_str(cases[i].call));
		if (cases[i].call != RT_OK)
			ok(rt_err_kind_is_invalid(r.kind), "%s: an invalid candidate", cases[i].file);
		rt_runtime_free(rt);
	}

	/* MaxMemoryPages(3000 - 32): the big minimum now fits */
	{
		struct rt_exec_param ep = {RT_EXEC_PARAM_MAX_MEMORY_PAGES, 0, 3000 - 32};
		struct rt_exec_params eps = {1, &ep};
		struct rt_runtime_config big = {0};
		struct rt_error err = {0};
		enum rt_err_kind k;
		struct rt_runtime *rt;

		rt_runtime_config_from_exec_params(&eps, &big);
		ok_eq(big.max_memory_pages, 3000, "MaxMemoryPages(n) gives M = n + 32");
		ok_eq(big.logical_stack_max, 65536, "default logical stack limit");
		rt = load("rt_mem_big", &big, &k, &err);
		if (rt)
			call(rt, "f", NULL, 0, NULL, &r);
		ok(rt && r.kind == RT_OK, "a minimum of exactly M pages instantiates");
		rt_runtime_free(rt);
	}
	free(r.out);
}

static void prepare_failures(void)
{
	static const uint8_t garbage[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x7f};
	static const uint8_t bomb_prefix[] = {0x52, 0xbc, 0x53, 0x76, 0x46, 0xdb, 0x8e, 0x05,
					      0x00, 0x01};
	struct rt_runtime *rt = NULL;
	struct rt_error err = {0};

	ok(rt_runtime_prepare(garbage, sizeof(garbage), NULL, &rt, &err) ==
		   RT_ERR_PREVALIDATION && !rt,
	   "a malformed module is a prevalidation error (%s)", err.msg);
	ok(rt_runtime_prepare(bomb_prefix, sizeof(bomb_prefix), NULL, &rt, &err) ==
		   RT_ERR_DECOMPRESS && !rt,
	   "a broken zstd blob cannot be decompressed (%s)", err.msg);
	ok(!rt_err_kind_is_invalid(RT_ERR_PREVALIDATION) && !rt_err_kind_is_invalid(RT_ERR_INTERNAL),
	   "preparation errors are not candidate verdicts");
}

/* Storage host functions on a tools runtime. */
static void tools_storage(void)
{
	struct rt_runtime_config cfg = {.tools = true};
	struct rt_storage *s = rt_storage_new();
	struct rt_error err = {0};
	struct result r = {0};
	struct rt_runtime *rt;
	const uint8_t *val;
	size_t vlen = 0;
	enum rt_err_kind k;

	rt = load("rt_host", &cfg, &k, &err);
	if (!rt || !s) {
		ok(0, "tools runtime set-up");
		rt_runtime_free(rt);
		rt_storage_free(s);
		return;
	}
	call(rt, "storage", "key", 3, s, &r);
	ok(r.kind == RT_OK && r.len == 3 && r.out[0] == 1 && r.out[1] == 4 && r.out[2] == 'v',
	   "storage set then get returns Some(\"v\")");
	ok(rt_storage_get(s, NULL, 0, (const uint8_t *)"key", 3, &val, &vlen) && vlen == 1 &&
	   val[0] == 'v', "the write is in the caller's storage");
	call(rt, "storage", "key", 3, NULL, &r);
	ok(r.kind == RT_OK, "without a storage the call gets an empty one");
	free(r.out);
	rt_storage_free(s);
	rt_runtime_free(rt);
}

/* Every host function (tests/data/rt_allhost.wat, generated from the
 * tables) with arbitrary arguments: valid and out-of-bounds pointers,
 * pointer-sizes with small and 4 GiB lengths, all-ones, random values. Each
 * call must either return or trap in the host function; nothing else (and,
 * under ASan/UBSan, no memory error). */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t arbitrary_arg(void)
{
	uint32_t ptr = 16 + (uint32_t)(rng() % 60000), len = (uint32_t)(rng() % 2000);

	switch (rng() % 8) {
	case 0: return 0;
	case 1: return ptr;
	case 2: return (uint64_t)ptr | (uint64_t)len << 32;
	case 3: return 131000u | (uint64_t)1000 << 32;
	case 4: return (uint64_t)UINT32_MAX << 32;
	case 5: return rng() % 2 ? UINT32_MAX : UINT64_MAX;
	case 6: return rng();
	default: return 1;
	}
}

static void every_host_function(void)
{
	struct rt_runtime_config cfg = {.tools = true};
	struct rt_error err = {0};
	struct rt_runtime *rt;
	enum rt_err_kind k;
	unsigned i, t, j, b;

	rt = load("rt_allhost", &cfg, &k, &err);
	ok(rt != NULL, "a module importing every host function prepares (%s)", err.msg);
	if (!rt)
		return;
	for (i = 0;; i++) {
		char name[32];
		unsigned traps = 0, bad = 0;

		snprintf(name, sizeof(name), "call_%u", i);
		if (!rt_runtime_has_export(rt, name))
			break;
		for (t = 0; t < 40; t++) {
			uint8_t in[64];
			uint8_t *out = NULL;
			size_t out_len = 0;
			struct rt_error e = {0};

			for (j = 0; j < 8; j++) {
				uint64_t v = arbitrary_arg();

				for (b = 0; b < 8; b++)
					in[8 * j + b] = (uint8_t)(v >> (8 * b));
			}
			k = rt_runtime_call(rt, name, in, sizeof(in), NULL, &out, &out_len, &e);
			if (k == RT_ERR_TRAP && e.trap == ENG_TRAP_HOST)
				traps++;
			else if (k != RT_OK && bad++ == 0)
				printf("#   %s: %s: %s\n", name, rt_err_kind_str(k), e.msg);
			free(out);
		}
		ok(bad == 0, "host function #%u: 40 arbitrary argument sets return or trap "
		   "cleanly (%u trapped)", i, traps);
	}
	ok(i > 70, "%u host functions exercised", i);
	rt_runtime_free(rt);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("1..0 # SKIP no wasm directory given\n");
		return 77;
	}
	wasm_dir = argv[1];
	host_functions();
	trie();
	runtime_version_arg();
	rfc145();
	link_and_instantiate();
	prepare_failures();
	tools_storage();
	every_host_function();
	return tap_done();
}
