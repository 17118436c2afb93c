/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C test PVFs of tests/pvfs (docs/test-pvfs.md), run through the runtime
 * API (rt_runtime_prepare, rt_validate_block, rt_runtime_call):
 *  - adder (imported and exported memory): vectors A, B and C of
 *    runtime-abi.md §4.2 to the exact bytes, and a chain of 10 blocks that
 *    agrees byte for byte with the real adder (adder-kagome.wasm, skipped
 *    when the shared material is absent);
 *  - undying: three work levels against a native model of its rules
 *    (deterministic heads, exact host-call counts), wrong claimed states,
 *    the stack limiter on deep recursion, an oversized buffer;
 *  - halting: the recursion mode ends in the logical stack limit; the loop
 *    modes run until a CPU-time limit kills the process running them (a
 *    forked child with ITIMER_PROF: the runtime API has no time limit);
 *  - memory-hungry: growth up to and beyond the memory limit (2080 pages by
 *    default, and a configured one), allocator failures.
 * argv[1]: the build directory holding the .wasm files.
 *
 * `--undying-params HASH_ITERS MEM_BYTES MEM_ROUNDS CALL_DEPTH CALL_REPS`
 * instead prints (hex) the ValidationParams of a valid undying block with that
 * work on the genesis head {0, 0x00 x 32, 0x11 x 32}, relay parent 1, for use
 * with `pvf validate` (docs/test-pvfs.md).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "base/scale.h"
#include "engine/engine.h"
#include "runtime/runtime.h"
#include "shared_data.h"
#include "tap.h"
#include "adder_vectors.h"

static const char *build_dir;

static uint8_t *read_path(const char *path, size_t *len)
{
	struct pvf_err err = {0};
	uint8_t *data = NULL;

	if (base_read_file(path, 64u << 20, &data, len, &err) < 0) {
		printf("# %s\n", err.msg);
		return NULL;
	}
	return data;
}

/* Prepares <build_dir>/<name>.wasm, or a shared blob when name starts with
 * '/'. max_pages 0 = the default limit. */
static struct rt_runtime *load(const char *name, uint32_t max_pages)
{
	struct rt_runtime_config cfg = {.max_memory_pages = max_pages};
	struct rt_runtime *rt = NULL;
	struct rt_error err = {0};
	char path[4096];
	uint8_t *code;
	size_t len = 0;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s.wasm", build_dir, name);
	code = read_path(path, &len);
	if (!code)
		return NULL;
	if (rt_runtime_prepare(code, len, &cfg, &rt, &err) != RT_OK)
		printf("# prepare %s: %s: %s\n", path, rt_err_kind_str(err.kind), err.msg);
	free(code);
	return rt;
}

static uint8_t *unhex(const char *s, size_t *len)
{
	uint8_t *out = NULL;
	char clean[4096];
	size_t n = 0;

	for (; *s && n + 1 < sizeof(clean); s++)
		if (*s != ' ')
			clean[n++] = *s;
	clean[n] = '\0';
	if (base_hex_decode(clean, n, &out, len) < 0)
		return NULL;
	return out;
}

static void print_hex(const char *what, const uint8_t *p, size_t n)
{
	char *h = malloc(2 * n + 1);

	if (!h)
		return;
	base_hex_encode(p, n, h);
	printf("#   %s %s\n", what, h);
	free(h);
}

static bool bytes_eq_hex(const uint8_t *got, size_t n, const char *want_hex)
{
	size_t wlen = 0;
	uint8_t *want = unhex(want_hex, &wlen);
	bool eq = want && wlen == n && memcmp(got, want, n) == 0;

	if (!eq) {
		print_hex("got     ", got, n);
		printf("#   expected %s\n", want_hex);
	}
	free(want);
	return eq;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* One validate_block call through rt_runtime_call (to get the call
 * statistics) followed by the ValidationResult decode rt_validate_block
 * does. On RT_OK, *out (caller frees) holds the output and res borrows from
 * it. st may be NULL. */
struct call {
	enum rt_err_kind kind;
	struct rt_error err;
	uint8_t *out;
	size_t out_len;
	struct rt_validation_result res;
	struct arena arena;
	struct rt_call_stats st;
	double ms;
};

static void call_deinit(struct call *c)
{
	free(c->out);
	arena_deinit(&c->arena);
	rt_call_stats_deinit(&c->st);
	memset(c, 0, sizeof(*c));
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void run(struct rt_runtime *rt, const uint8_t *head, size_t head_len,
		const uint8_t *block, size_t block_len, uint32_t relay_parent, struct call *c)
{
	struct rt_validation_params p = {0};
	struct rt_call_opts opts = {0};
	struct buf enc = BUF_INIT;
	struct scale_reader r;
	double t0;

	memset(c, 0, sizeof(*c));
	p.parent_head.data = head;
	p.parent_head.len = head_len;
	p.block_data.data = block;
	p.block_data.len = block_len;
	p.relay_parent_number = relay_parent;
	memset(p.relay_parent_storage_root, 0xab, 32);
	if (rt_validation_params_encode(&p, &enc) < 0) {
		buf_deinit(&enc);
		c->kind = RT_ERR_INTERNAL;
		return;
	}
	opts.stats = &c->st;
	t0 = now_ms();
	c->kind = rt_runtime_call(rt, "validate_block", enc.data, enc.len, &opts, &c->out,
				  &c->out_len, &c->err);
	c->ms = now_ms() - t0;
	buf_deinit(&enc);
	if (c->kind != RT_OK)
		return;
	scale_reader_init(&r, c->out, c->out_len);
	if (rt_validation_result_read(&r, &c->arena, &c->res) != SCALE_OK)
		c->kind = RT_ERR_OUTPUT_DECODE;
}

/* ---- adder ------------------------------------------------------------------ */


/* Vectors A, B, C through rt_validate_block. */
static void adder_vectors(const char *name)
{
	struct rt_runtime *rt = load(name, 0);
	struct rt_validation_result res;
	struct arena a = ARENA_INIT;
	struct rt_error err = {0};
	uint8_t *params, *out = NULL;
	size_t plen = 0, olen = 0;
	enum rt_err_kind k;

	ok(rt != NULL, "%s: prepares", name);
	if (!rt)
		return;
	params = unhex(vec_a_params, &plen);
	k = rt_validate_block(rt, params, plen, &a, &out, &olen, &res, &err);
	if (k != RT_OK)
		printf("#   %s: %s\n", rt_err_kind_str(k), err.msg);
	ok(k == RT_OK && bytes_eq_hex(out, olen, vec_a_result), "%s: vector A", name);
	free(out);
	out = NULL;

	/* Vector C: state 2 does not hash to the parent's post_state. */
	params[1 + 8 + 32 + 32 + 1] = 2;
	k = rt_validate_block(rt, params, plen, &a, &out, &olen, &res, &err);
	ok(k == RT_ERR_TRAP && err.trap == ENG_TRAP_UNREACHABLE,
	   "%s: vector C traps with unreachable (%s: %s)", name, rt_err_kind_str(k), err.msg);
	free(out);
	out = NULL;
	/* A parent head of 71 bytes does not decode. */
	params[0] = 0x1c;   /* compact 71 */
	params[1] = 0x01;
	k = rt_validate_block(rt, params, plen, &a, &out, &olen, &res, &err);
	ok(k == RT_ERR_TRAP, "%s: a short parent head traps (%s)", name, rt_err_kind_str(k));
	free(out);
	out = NULL;
	free(params);

	params = unhex(vec_b_params, &plen);
	k = rt_validate_block(rt, params, plen, &a, &out, &olen, &res, &err);
	ok(k == RT_OK && bytes_eq_hex(out, olen, vec_b_result), "%s: vector B", name);
	free(out);
	free(params);
	arena_deinit(&a);
	rt_runtime_free(rt);
}

/* The host functions the C adder must use: keccak three times per block,
 * every host allocation freed except the output. */
static void adder_abi(void)
{
	struct rt_runtime *rt = load("adder", 0);
	uint8_t head[72] = {0}, block[16] = {0}, h[8] = {0};
	struct call c;

	if (!rt) {
		ok(0, "adder: prepares");
		return;
	}
	rt_keccak_256(h, 8, head + 40);
	block[8] = 5;
	run(rt, head, sizeof(head), block, sizeof(block), 7, &c);
	ok(c.kind == RT_OK, "adder: genesis block valid (%s)", c.err.msg);
	ok_eq(rt_call_stats_calls(&c.st, "ext_hashing_keccak_256_version_1"), 3,
	      "adder: three keccak host calls");
	ok_eq(rt_call_stats_calls(&c.st, "ext_allocator_free_version_1"), 4,
	      "adder: frees the three hashes and its input");
	/* Left allocated: the output only (5-byte header rounded to order 0
	 * blocks: header 8 + 128 for 85 bytes). */
	ok_eq(c.st.heap.bytes_allocated, 8 + 128, "adder: only the output stays allocated");
	call_deinit(&c);
	rt_runtime_free(rt);
}

/* Ten blocks on the vector B genesis head through rt_validate_block on the
 * C adders and the real adder: every output must be byte-identical. */
static void adder_chain(void)
{
	static const char *names[] = {"adder", "adder-export", NULL};
	char real[4096];
	struct rt_runtime *rts[3] = {0};
	uint8_t head[72] = {0}, sb[8] = {0};
	uint64_t state = 0;
	bool all = true;
	int i, j, n = 2;

	snprintf(real, sizeof(real), "%s/runtime-blobs/adder-kagome.wasm", shared_dir());
	if (!shared_has("runtime-blobs/adder-kagome.wasm")) {
		printf("ok %d # SKIP adder chain: %s not found\n", ++tap__n, real);
		return;
	}
	names[2] = real;
	rts[0] = load("adder", 0);
	rts[1] = load("adder-export", 0);
	rts[2] = load(real, 0);
	if (!rts[0] || !rts[1] || !rts[2]) {
		ok(0, "adder chain: prepares");
		goto out;
	}
	rt_keccak_256(sb, 8, head + 40);
	for (i = 0; i < 10 && all; i++) {
		struct rt_validation_params p;
		uint8_t block[16], *outs[3] = {0};
		size_t lens[3] = {0};
		struct buf enc = BUF_INIT;
		uint64_t add = 0x0123456789abcdefull * (uint64_t)i + 1;   /* wraps */

		put_u64(block, state);
		put_u64(block + 8, add);
		p.parent_head.data = head;
		p.parent_head.len = sizeof(head);
		p.block_data.data = block;
		p.block_data.len = sizeof(block);
		p.relay_parent_number = 1000 + (uint32_t)i;
		memset(p.relay_parent_storage_root, i, 32);
		if (rt_validation_params_encode(&p, &enc) < 0) {
			all = false;
			break;
		}
		for (j = 0; j < n + 1; j++) {
			struct rt_validation_result res;
			struct arena a = ARENA_INIT;
			struct rt_error err = {0};

			if (rt_validate_block(rts[j], enc.data, enc.len, &a, &outs[j], &lens[j], &res,
					      &err) != RT_OK) {
				printf("#   block %d, %s: %s\n", i, names[j], err.msg);
				all = false;
			}
			arena_deinit(&a);
		}
		for (j = 0; j < n && all; j++) {
			if (lens[j] != lens[n] || memcmp(outs[j], outs[n], lens[n]) != 0) {
				printf("#   block %d: %s differs from the real adder\n", i, names[j]);
				print_hex("C   ", outs[j], lens[j]);
				print_hex("real", outs[n], lens[n]);
				all = false;
			}
		}
		/* next parent head: the head the output carries (compact 72 = 2101) */
		if (all && lens[n] > 74)
			memcpy(head, outs[n] + 2, 72);
		state += add;
		for (j = 0; j < 3; j++)
			free(outs[j]);
		buf_deinit(&enc);
	}
	ok(all && get_u64(head) == 10, "adder chain: 10 blocks byte-identical to adder-kagome.wasm "
	   "(imported and exported memory)");
out:
	for (j = 0; j < 3; j++)
		rt_runtime_free(rts[j]);
}

/* ---- undying ------------------------------------------------------------------ */

struct work {
	uint32_t hash_iters, mem_bytes, mem_rounds, call_depth, call_reps;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Native model of undying's state transition, written from its description
 * (docs/test-pvfs.md) with other algorithms: qsort, an iterative form of the
 * recursion. Returns false on OOM. */
static bool undying_model(const uint8_t pre[32], const struct work *w, uint8_t s[32])
{
	uint32_t n = w->mem_bytes / 4;

	memcpy(s, pre, 32);
	for (uint32_t i = 0; i < w->hash_iters; i++) {
		uint8_t buf[36];

		memcpy(buf, s, 32);
		put_u32(buf + 32, i);
		if (i % 2 == 0)
			rt_blake2b_256(buf, sizeof(buf), s);
		else
			rt_keccak_256(buf, sizeof(buf), s);
	}
	if (n && w->mem_rounds) {
		uint32_t *v = malloc((size_t)n * 4);
		uint8_t *bytes = malloc((size_t)n * 4);

		if (!v || !bytes) {
			free(v);
			free(bytes);
			return false;
		}
		for (uint32_t r = 0; r < w->mem_rounds; r++) {
			uint64_t x = (get_u64(s) ^ (uint64_t)r * 0x9e3779b97f4a7c15ull) | 1;
			uint8_t buf[64];

			for (uint32_t i = 0; i < n; i++) {
				x ^= x >> 12;
				x ^= x << 25;
				x ^= x >> 27;
				v[i] = (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
			}
			qsort(v, n, 4, cmp_u32);
			for (uint32_t i = 0; i < n; i++)
				put_u32(bytes + 4 * (size_t)i, v[i]);
			memcpy(buf, s, 32);
			rt_blake2b_256(bytes, (size_t)n * 4, buf + 32);
			rt_keccak_256(buf, sizeof(buf), s);
		}
		free(v);
		free(bytes);
	}
	if (w->call_reps) {
		uint64_t acc = 0;
		uint8_t buf[40];

		for (uint32_t j = 0; j < w->call_reps; j++) {
			uint64_t x = get_u64(s) + j, y;

			/* down: x_{d-1} = x_d * K + d; base; up: y = (y ^ y >> 29) + d */
			for (uint32_t d = w->call_depth; d > 0; d--)
				x = x * 0x9e3779b97f4a7c15ull + d;
			y = x ^ 0x5bd1e9955bd1e995ull;
			for (uint32_t d = 1; d <= w->call_depth; d++)
				y = (y ^ (y >> 29)) + d;
			acc = acc * 0x100000001b3ull ^ y;
		}
		memcpy(buf, s, 32);
		put_u64(buf + 32, acc);
		rt_blake2b_256(buf, sizeof(buf), s);
	}
	return true;
}

static void undying_block(const uint8_t post[32], const struct work *w, uint8_t block[52])
{
	memcpy(block, post, 32);
	put_u32(block + 32, w->hash_iters);
	put_u32(block + 36, w->mem_bytes);
	put_u32(block + 40, w->mem_rounds);
	put_u32(block + 44, w->call_depth);
	put_u32(block + 48, w->call_reps);
}

static void undying_levels(void)
{
	static const struct {
		const char *name;
		struct work w;
	} levels[] = {
		{"small", {1, 64, 1, 4, 1}},
		{"medium", {200, 64 * 1024, 2, 200, 20}},
		{"larger", {2000, 512 * 1024, 2, 2000, 50}},
	};
	struct rt_runtime *rt = load("undying", 0);
	uint8_t head[72], want[72], s[32];
	uint32_t i;

	ok(rt != NULL, "undying: prepares");
	if (!rt)
		return;
	/* genesis: number 0, zero parent hash, post_state = 32 x 0x11 */
	memset(head, 0, sizeof(head));
	memset(head + 40, 0x11, 32);
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		const struct work *w = &levels[i].w;
		uint8_t block[52];
		struct call c1, c2;
		uint64_t blake, keccak;
		bool same;

		if (!undying_model(head + 40, w, s)) {
			ok(0, "undying %s: model (out of memory)", levels[i].name);
			break;
		}
		undying_block(s, w, block);
		put_u64(want, get_u64(head) + 1);
		rt_blake2b_256(head, sizeof(head), want + 8);
		memcpy(want + 40, s, 32);

		run(rt, head, sizeof(head), block, sizeof(block), 50 + i, &c1);
		run(rt, head, sizeof(head), block, sizeof(block), 50 + i, &c2);
		ok(c1.kind == RT_OK && c1.res.head_data.len == 72 &&
		   memcmp(c1.res.head_data.data, want, 72) == 0 && c1.res.hrmp_watermark == 50 + i,
		   "undying %s: valid, head = model's {number + 1, blake2(parent), state} "
		   "(%.1f ms; %s)", levels[i].name, c1.ms, c1.err.msg);
		same = c1.kind == RT_OK && c2.kind == RT_OK && c1.out_len == c2.out_len &&
		       memcmp(c1.out, c2.out, c1.out_len) == 0;
		ok(same, "undying %s: deterministic (two runs, identical output)", levels[i].name);
		/* the work really ran: one host hash per hashing step */
		blake = (w->hash_iters + 1) / 2 + w->mem_rounds * (w->mem_bytes >= 4) +
			(w->call_reps > 0) + 1;
		keccak = w->hash_iters / 2 + w->mem_rounds * (w->mem_bytes >= 4);
		ok(rt_call_stats_calls(&c1.st, "ext_hashing_blake2_256_version_1") == blake &&
		   rt_call_stats_calls(&c1.st, "ext_hashing_keccak_256_version_1") == keccak,
		   "undying %s: %" PRIu64 " blake2 and %" PRIu64 " keccak host calls", levels[i].name,
		   blake, keccak);
		call_deinit(&c2);

		/* a wrong claimed state: one bit off */
		block[31] ^= 1;
		run(rt, head, sizeof(head), block, sizeof(block), 50 + i, &c2);
		ok(c2.kind == RT_ERR_TRAP && c2.err.trap == ENG_TRAP_UNREACHABLE,
		   "undying %s: a wrong post_state is invalid (%s)", levels[i].name,
		   rt_err_kind_str(c2.kind));
		call_deinit(&c2);
		block[31] ^= 1;
		/* the right state for other work: one hash step less */
		if (w->hash_iters) {
			put_u32(block + 32, w->hash_iters - 1);
			run(rt, head, sizeof(head), block, sizeof(block), 50 + i, &c2);
			ok(c2.kind == RT_ERR_TRAP, "undying %s: a block claiming work it does not do "
			   "is invalid (%s)", levels[i].name, rt_err_kind_str(c2.kind));
			call_deinit(&c2);
		}
		if (c1.kind == RT_OK)
			memcpy(head, c1.res.head_data.data, 72);   /* chain on */
		call_deinit(&c1);
	}
	rt_runtime_free(rt);
}

static void undying_limits(void)
{
	struct rt_runtime *rt = load("undying", 0);
	uint8_t head[72] = {0}, block[52], s[32];
	struct work w = {0, 0, 0, 3000, 1};
	struct call c;

	if (!rt) {
		ok(0, "undying: prepares");
		return;
	}
	/* within the default budget (logical stack 65536) */
	undying_model(head + 40, &w, s);
	undying_block(s, &w, block);
	run(rt, head, sizeof(head), block, sizeof(block), 1, &c);
	ok(c.kind == RT_OK, "undying: recursion depth %u is within the stack budget (%s)",
	   w.call_depth, c.err.msg);
	call_deinit(&c);
	/* far beyond it: the logical stack limit traps */
	w.call_depth = 1000000;
	undying_block(s, &w, block);
	run(rt, head, sizeof(head), block, sizeof(block), 1, &c);
	ok(c.kind == RT_ERR_TRAP && c.err.trap == ENG_TRAP_STACK_LIMIT,
	   "undying: recursion depth 10^6 hits the logical stack limit (%s: %s)",
	   rt_err_kind_str(c.kind), c.err.msg);
	call_deinit(&c);
	/* a buffer above the allocator's 32 MiB maximum */
	w = (struct work){0, 33u << 20, 1, 0, 0};
	undying_block(s, &w, block);
	run(rt, head, sizeof(head), block, sizeof(block), 1, &c);
	ok(c.kind == RT_ERR_TRAP && strstr(c.err.msg, "allocate"),
	   "undying: a 33 MiB buffer is an allocator failure (%s: %s)", rt_err_kind_str(c.kind),
	   c.err.msg);
	call_deinit(&c);
	rt_runtime_free(rt);
}

/* ---- halting ------------------------------------------------------------------ */

/* Runs validate_block of `name` on a one-byte block in a forked child whose
 * CPU time is limited to cpu_ms by ITIMER_PROF (SIGPROF kills it). Returns
 * the wait status, or -1. The child exits with 100 + the error kind if the
 * call returns, 99 if it cannot prepare. */
static int run_with_cpu_limit(const char *name, uint8_t mode, unsigned cpu_ms)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct itimerval it = {{0, 0}, {cpu_ms / 1000, (cpu_ms % 1000) * 1000}};
		struct rt_runtime *rt = load(name, 0);
		uint8_t head[72] = {0}, block[16] = {0};
		struct call c;

		if (!rt)
			_exit(99);
		block[0] = mode;
		alarm(30);   /* wall-clock guard in case the limit does not work */
		signal(SIGPROF, SIG_DFL);
		setitimer(ITIMER_PROF, &it, NULL);
		/* the adder needs a valid block: state 0 under a genesis head */
		if (strcmp(name, "adder") == 0) {
			uint8_t z[8] = {0};

			rt_keccak_256(z, 8, head + 40);
		}
		run(rt, head, sizeof(head), block, sizeof(block), 1, &c);
		_exit(100 + (int)c.kind);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static void halting(void)
{
	struct rt_runtime *rt = load("halting", 0);
	uint8_t head[72] = {0}, block[1];
	struct call c;
	int st;

	ok(rt != NULL, "halting: prepares");
	if (!rt)
		return;
	block[0] = 2;
	run(rt, head, sizeof(head), block, 1, 1, &c);
	ok(c.kind == RT_ERR_TRAP && c.err.trap == ENG_TRAP_STACK_LIMIT,
	   "halting mode 2 (unbounded recursion) hits the logical stack limit (%s: %s)",
	   rt_err_kind_str(c.kind), c.err.msg);
	call_deinit(&c);
	block[0] = 3;
	run(rt, head, sizeof(head), block, 1, 1, &c);
	ok(c.kind == RT_ERR_TRAP && c.err.trap == ENG_TRAP_UNREACHABLE,
	   "halting mode 3 traps at once");
	call_deinit(&c);
	rt_runtime_free(rt);

	/* The harness itself: a PVF that returns is not killed. */
	st = run_with_cpu_limit("adder", 0, 2000);
	ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 100 + RT_OK,
	   "cpu-limit harness: the adder returns under a 2 s CPU limit (status 0x%x)", st);
	st = run_with_cpu_limit("halting", 0, 300);
	ok(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGPROF,
	   "halting mode 0 (spin loop) runs until a 300 ms CPU limit kills it (status 0x%x)", st);
	st = run_with_cpu_limit("halting", 1, 300);
	ok(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGPROF,
	   "halting mode 1 (host-call loop) runs until a 300 ms CPU limit kills it (status 0x%x)",
	   st);
}

/* ---- memory-hungry ------------------------------------------------------------ */

static void hungry_block(uint8_t block[9], uint8_t mode, uint32_t count, uint32_t size)
{
	block[0] = mode;
	put_u32(block + 1, count);
	put_u32(block + 5, size);
}

static bool hungry_head(const struct call *c, uint8_t mode, uint32_t a, uint32_t b, uint32_t cc)
{
	const uint8_t *h = c->res.head_data.data;

	if (c->kind != RT_OK) {
		printf("#   %s: %s\n", rt_err_kind_str(c->kind), c->err.msg);
		return false;
	}
	if (c->res.head_data.len != 13 || h[0] != mode || get_u32(h + 1) != a ||
	    get_u32(h + 5) != b || get_u32(h + 9) != cc) {
		print_hex("head", h, c->res.head_data.len);
		printf("#   expected %u %08x %u %u\n", mode, a, b, cc);
		return false;
	}
	return true;
}

/* Growth to exactly `limit` pages succeeds (every new page touched), one
 * page more is refused. */
static void hungry_grow(uint32_t max_pages, uint32_t limit)
{
	struct rt_runtime *rt = load("memory-hungry", max_pages);
	uint8_t head[72] = {0}, block[9];
	uint32_t init, sum = 0, n;
	struct call c;

	ok(rt != NULL, "memory-hungry: prepares (limit %u pages)", limit);
	if (!rt)
		return;
	hungry_block(block, 0, 0, 0);
	run(rt, head, sizeof(head), block, sizeof(block), 3, &c);
	init = c.kind == RT_OK && c.res.head_data.len == 13 ? get_u32(c.res.head_data.data + 5) : 0;
	ok(init > 0 && init < 16 && hungry_head(&c, 0, init, init, 0),
	   "memory-hungry: grow(0) returns the initial size (%u pages)", init);
	call_deinit(&c);
	if (!init)
		goto out;

	n = limit - init;
	for (uint32_t i = 0; i < n; i++)
		sum += (uint8_t)(i + 1);
	hungry_block(block, 0, n, 0);
	run(rt, head, sizeof(head), block, sizeof(block), 3, &c);
	ok(hungry_head(&c, 0, init, limit, sum) && c.st.mem_pages == limit,
	   "memory-hungry: grow(%u) reaches the limit of %u pages", n, limit);
	call_deinit(&c);

	hungry_block(block, 0, n + 1, 0);
	run(rt, head, sizeof(head), block, sizeof(block), 3, &c);
	ok(hungry_head(&c, 0, UINT32_MAX, init, 0) && c.st.mem_pages == init,
	   "memory-hungry: grow(%u) beyond the limit returns -1", n + 1);
	call_deinit(&c);

	hungry_block(block, 0, 65536, 0);
	run(rt, head, sizeof(head), block, sizeof(block), 3, &c);
	ok(hungry_head(&c, 0, UINT32_MAX, init, 0), "memory-hungry: grow(65536) returns -1");
	call_deinit(&c);
out:
	rt_runtime_free(rt);
}

static void hungry_alloc(void)
{
	struct rt_runtime *rt = load("memory-hungry", 0);
	uint8_t head[72] = {0}, block[9];
	const uint32_t size = (4u << 20) - 8;   /* 4 MiB blocks with their header */
	struct call c;

	if (!rt) {
		ok(0, "memory-hungry: prepares");
		return;
	}
	/* 16 x 4 MiB = 64 MiB: fits below 2080 pages (130 MiB) */
	hungry_block(block, 1, 16, size);
	run(rt, head, sizeof(head), block, sizeof(block), 3, &c);
	ok(c.kind == RT_OK && c.res.head_data.len == 13 &&
	   get_u32(c.res.head_data.data + 1) == 16 && c.st.mem_pages <= 2080 &&
	   c.st.heap.bytes_allocated >= 16u * (4u << 20),
	   "memory-hungry: 16 allocations of 4 MiB succeed (%u pages; %s)", c.st.mem_pages,
	   c.err.msg);
	call_deinit(&c);
	/* 40 x 4 MiB = 160 MiB: the allocator cannot grow memory beyond 2080 pages */
	hungry_block(block, 1, 40, size);
	run(rt, head, sizeof(head), block, sizeof(block), 3, &c);
	ok(c.kind == RT_ERR_TRAP && c.err.trap == ENG_TRAP_HOST && strstr(c.err.msg, "allocate") &&
	   rt_err_kind_is_invalid(c.kind),
	   "memory-hungry: 40 allocations of 4 MiB fail in the allocator (%s: %s)",
	   rt_err_kind_str(c.kind), c.err.msg);
	call_deinit(&c);
	/* one request above 32 MiB */
	hungry_block(block, 1, 1, (32u << 20) + 1);
	run(rt, head, sizeof(head), block, sizeof(block), 3, &c);
	ok(c.kind == RT_ERR_TRAP && strstr(c.err.msg, "allocate"),
	   "memory-hungry: a single 32 MiB + 1 allocation fails (%s)", c.err.msg);
	call_deinit(&c);
	rt_runtime_free(rt);
}

/* --undying-params: see the top of the file. */
static int undying_params(char **argv)
{
	struct rt_validation_params p = {0};
	uint8_t head[72] = {0}, block[52], s[32];
	struct buf enc = BUF_INIT;
	uint32_t v[5];
	struct work w;
	char *hex;

	for (int i = 0; i < 5; i++) {
		char *end;
		unsigned long x = strtoul(argv[i], &end, 0);

		if (*argv[i] == '\0' || *end != '\0' || x > UINT32_MAX) {
			fprintf(stderr, "bad number: %s\n", argv[i]);
			return 2;
		}
		v[i] = (uint32_t)x;
	}
	w = (struct work){v[0], v[1], v[2], v[3], v[4]};
	memset(head + 40, 0x11, 32);
	if (!undying_model(head + 40, &w, s))
		return 1;
	undying_block(s, &w, block);
	p.parent_head.data = head;
	p.parent_head.len = sizeof(head);
	p.block_data.data = block;
	p.block_data.len = sizeof(block);
	p.relay_parent_number = 1;
	if (rt_validation_params_encode(&p, &enc) < 0 || !(hex = malloc(2 * enc.len + 1))) {
		buf_deinit(&enc);
		return 1;
	}
	base_hex_encode(enc.data, enc.len, hex);
	printf("%s\n", hex);
	free(hex);
	buf_deinit(&enc);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "--undying-params") == 0)
		return undying_params(argv + 2);
	if (argc < 2) {
		fprintf(stderr, "usage: %s BUILD_DIR_OF_TEST_PVFS\n", argv[0]);
		return 2;
	}
	build_dir = argv[1];

	adder_vectors("adder");
	adder_vectors("adder-export");
	adder_abi();
	adder_chain();
	undying_levels();
	undying_limits();
	halting();
	hungry_grow(0, 2080);
	hungry_grow(100, 100);
	hungry_alloc();
	return tap_done();
}
