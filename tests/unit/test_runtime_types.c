/* SPDX-License-Identifier: Apache-2.0 */
/* Parachain primitives and executor params: SCALE layouts, bounds, hashes.
 * Vectors: runtime-abi.md 4.2 (adder validate_block input/output), Python
 * hashlib for the executor-param hashes of hand-built encodings. Validation
 * code hashes of the real blobs are checked in test_runtime_shared.c. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/scale.h"
#include "runtime/runtime.h"
#include "tap.h"

static uint8_t *hex(const char *s, size_t *len)
{
	uint8_t *out = NULL;
	char *clean = malloc(strlen(s) + 1);
	size_t i, j = 0;

	if (!clean)
		abort();
	for (i = 0; s[i]; i++)
		if (s[i] != ' ' && s[i] != '\n')
			clean[j++] = s[i];
	if (base_hex_decode(clean, j, &out, len))
		abort();
	free(clean);
	return out;
}

static int hex_eq(const uint8_t *got, size_t n, const char *want)
{
	char buf[2 * 64 + 1];

	base_hex_encode(got, n, buf);
	if (strcmp(buf, want) == 0)
		return 1;
	printf("#   got      %s\n#   expected %s\n", buf, want);
	return 0;
}

/* runtime-abi.md 4.2, vector A (gossamer candidate_validation_test.go) */
static const char params_a[] =
	"2101 0100000000000000"
	"0102030405060708090001020304050607080900010203040506070809000102"
	"30f692b256e24009bcb34d0ee84da73c298afacc0924e01105e2eb0f01a87fe2"
	"40 0100000000000000 0100000000000000"
	"01000000"
	"50c969706800c0e9c3c4565dc2babb25e4a73d1db0dee1bcf7745535a32e7ca1";
static const char result_a[] =
	"2101 0200000000000000"
	"7bcfce08dbe38852eca90e642d641fb19aa0dcf53b6a4ca87a6da4a9162e9027"
	"675c1f4e4248fc4018c281a280014d93c8e5bdf26fc6ec8b108f13f571e98ad2"
	"00 00 00 00000000 01000000";

/* runtime-abi.md 4.2, vector B (kagome adder genesis, block {0, 5}) */
static const char params_b[] =
	"2101 0000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"011b4d03dd8c01f1049143cf9c4c817e4b167f1d1b83e5c6f0f10d89ba1e7bce"
	"40 0000000000000000 0500000000000000 07000000"
	"0000000000000000000000000000000000000000000000000000000000000000";
static const char result_b[] =
	"2101 0100000000000000"
	"804df47c526d888b3f52091df4e253c821e9991ec88e342722cc485fda31747e"
	"b4f6c549a55037ee98548e37dbf8ee91322007c4a901157138bb753027104cb1"
	"00 00 00 00000000 07000000";

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The adder PVF's state transition (polkadot test-parachains/adder), done
 * here with our codec and Keccak, must give the recorded validate_block
 * output byte for byte. */
static void test_adder_model(const char *params_hex, const char *result_hex, const char *what)
{
	struct rt_validation_params p;
	struct rt_validation_result res = {0};
	struct scale_reader r;
	struct buf b = BUF_INIT;
	uint8_t *pe, *re, head[72], st[8], post[32];
	uint64_t number, state, add;
	size_t pn, rn;
	int i;

	pe = hex(params_hex, &pn);
	re = hex(result_hex, &rn);
	scale_reader_init(&r, pe, pn);
	if (!ok(rt_validation_params_read(&r, &p) == SCALE_OK && p.parent_head.len == 72 &&
			p.block_data.len == 16,
		"%s: params decode", what))
		goto out;
	rt_keccak_256(p.block_data.data, 8, post);
	ok(memcmp(post, p.parent_head.data + 40, 32) == 0,
	   "%s: parent post_state = keccak256(state)", what);
	number = le64(p.parent_head.data);
	state = le64(p.block_data.data);
	add = le64(p.block_data.data + 8);
	for (i = 0; i < 8; i++) {
		head[i] = (uint8_t)((number + 1) >> (8 * i));
		st[i] = (uint8_t)((state + add) >> (8 * i));
	}
	rt_keccak_256(p.parent_head.data, 72, head + 8);
	rt_keccak_256(st, 8, head + 40);
	res.head_data.data = head;
	res.head_data.len = sizeof(head);
	res.hrmp_watermark = p.relay_parent_number;
	ok(rt_validation_result_encode(&res, &b) == 0 && b.len == rn &&
		   memcmp(b.data, re, rn) == 0,
	   "%s: modelled result equals the recorded validate_block output", what);
out:
	buf_deinit(&b);
	free(pe);
	free(re);
}

static void test_validation_params(void)
{
	struct rt_validation_params p;
	struct scale_reader r;
	struct buf b = BUF_INIT;
	uint8_t *enc, keccak[32];
	size_t n, cut, bad = 0;

	enc = hex(params_a, &n);
	scale_reader_init(&r, enc, n);
	ok(rt_validation_params_read(&r, &p) == SCALE_OK && scale_expect_end(&r) == SCALE_OK,
	   "ValidationParams vector A decodes exactly");
	ok(p.parent_head.len == 72 && p.block_data.len == 16 && p.relay_parent_number == 1 &&
		   p.relay_parent_storage_root[0] == 0x50 && p.relay_parent_storage_root[31] == 0xa1,
	   "fields: head 72 bytes, block 16 bytes, relay parent 1, storage root");
	/* The adder head's post_state is keccak256(LE u64 state) (runtime-abi 4.2). */
	rt_keccak_256(p.block_data.data, 8, keccak);
	ok(memcmp(keccak, p.parent_head.data + 40, 32) == 0,
	   "adder parent post_state = keccak256(block state)");
	ok(rt_validation_params_encode(&p, &b) == 0 && b.len == n && memcmp(b.data, enc, n) == 0,
	   "ValidationParams re-encodes byte for byte");
	for (cut = 0; cut < n; cut++) {
		scale_reader_init(&r, enc, cut);
		if (rt_validation_params_read(&r, &p) != SCALE_ERR_EOF)
			bad++;
	}
	ok_eq(bad, 0, "every truncation of ValidationParams is EOF");
	buf_deinit(&b);
	free(enc);
}

static void test_validation_result(void)
{
	struct arena a = ARENA_INIT;
	struct rt_validation_result res;
	struct rt_result_limits lim;
	struct scale_reader r;
	struct buf b = BUF_INIT;
	uint8_t *enc, *big, h[32];
	size_t n, cut, bad = 0, i;

	enc = hex(result_a, &n);
	scale_reader_init(&r, enc, n);
	ok(rt_validation_result_read(&r, &a, &res) == SCALE_OK && scale_expect_end(&r) == SCALE_OK,
	   "ValidationResult vector A decodes exactly");
	ok(res.head_data.len == 72 && !res.has_new_code && res.n_upward == 0 &&
		   res.n_horizontal == 0 && res.processed_downward_messages == 0 &&
		   res.hrmp_watermark == 1 && res.head_data.data[0] == 2,
	   "fields: head 72 bytes (number 2), no code, no messages, watermark 1");
	ok(rt_validation_result_encode(&res, &b) == 0 && b.len == n && memcmp(b.data, enc, n) == 0,
	   "ValidationResult re-encodes byte for byte");
	for (cut = 0; cut < n; cut++) {
		scale_reader_init(&r, enc, cut);
		if (rt_validation_result_read(&r, &a, &res) != SCALE_ERR_EOF)
			bad++;
	}
	ok_eq(bad, 0, "every truncation of ValidationResult is EOF");
	free(enc);

	/* Polkadot decodes with Decode::decode: trailing bytes are ignored. */
	enc = hex("00 00 00 00 00000000 00000000 ffff", &n);
	scale_reader_init(&r, enc, n);
	ok(rt_validation_result_read(&r, &a, &res) == SCALE_OK && r.pos == n - 2,
	   "trailing bytes after the result are left unread");
	free(enc);

	/* Messages, new code, bounds. */
	enc = hex("0c aabbcc 01 08 0061 08 00 04 11 08 e8030000 04 77 d2040000 04 22"
		  " 05000000 09000000", &n);
	scale_reader_init(&r, enc, n);
	ok(rt_validation_result_read(&r, &a, &res) == SCALE_OK && scale_expect_end(&r) == SCALE_OK,
	   "result with code and messages decodes");
	ok(res.has_new_code && res.new_validation_code.len == 2 && res.n_upward == 2 &&
		   res.upward[0].len == 0 && res.upward[1].len == 1 &&
		   res.upward[1].data[0] == 0x11 && res.n_horizontal == 2 &&
		   res.horizontal[0].recipient == 1000 && res.horizontal[1].recipient == 1234 &&
		   res.horizontal[1].data.data[0] == 0x22 && res.processed_downward_messages == 5 &&
		   res.hrmp_watermark == 9,
	   "fields of the message-bearing result");
	b.len = 0;
	ok(rt_validation_result_encode(&res, &b) == 0 && b.len == n && memcmp(b.data, enc, n) == 0,
	   "message-bearing result re-encodes");
	/* CandidateCommitments: {upward, horizontal, code, head, dmp, watermark} */
	b.len = 0;
	ok(rt_candidate_commitments_encode(&res, &b) == 0, "commitments encode");
	{
		size_t m;
		uint8_t *want = hex("08 00 04 11 08 e8030000 04 77 d2040000 04 22 01 08 0061"
				    " 0c aabbcc 05000000 09000000", &m);

		ok(b.len == m && memcmp(b.data, want, m) == 0, "commitments field order");
		rt_blake2b_256(want, m, h);
		{
			uint8_t h2[32];

			ok(rt_candidate_commitments_hash(&res, h2) == 0 && memcmp(h, h2, 32) == 0,
			   "commitments hash = blake2_256(encoding)");
		}
		free(want);
	}
	rt_result_limits_default(&lim);
	ok(rt_validation_result_check(&res, &lim) == NULL, "within default limits");
	lim.max_code_size = 1;
	ok(rt_validation_result_check(&res, &lim) != NULL, "code larger than max_code_size");
	rt_result_limits_default(&lim);
	lim.max_head_data_size = 2;
	ok(rt_validation_result_check(&res, &lim) != NULL, "head larger than max_head_data_size");
	free(enc);

	/* BoundedVec<_, 16384>: 16384 empty upward messages pass, 16385 fail at
	 * the length prefix. */
	big = malloc(16 + 16385);
	for (i = 0; i < 2; i++) {
		uint32_t count = i ? 16385 : 16384;
		size_t pos = 0;
		uint8_t c[SCALE_COMPACT_MAX];
		size_t cl = scale_compact_encode(count, c);
		enum scale_status st;

		big[pos++] = 0;    /* head */
		big[pos++] = 0;    /* no code */
		memcpy(big + pos, c, cl);
		pos += cl;
		memset(big + pos, 0, count); /* empty messages */
		pos += count;
		big[pos++] = 0;    /* no horizontal */
		memset(big + pos, 0, 8);
		pos += 8;
		scale_reader_init(&r, big, pos);
		st = rt_validation_result_read(&r, &a, &res);
		if (i == 0)
			ok(st == SCALE_OK && res.n_upward == 16384, "16384 upward messages accepted");
		else
			ok(st == SCALE_ERR_LIMIT && r.err_pos == 2, "16385 upward messages rejected");
	}
	/* horizontal bound */
	{
		uint8_t c[SCALE_COMPACT_MAX];
		size_t cl = scale_compact_encode(16385, c), pos = 0;

		big[pos++] = 0;
		big[pos++] = 0;
		big[pos++] = 0;
		memcpy(big + pos, c, cl);
		pos += cl;
		scale_reader_init(&r, big, pos);
		ok_eq(rt_validation_result_read(&r, &a, &res), SCALE_ERR_LIMIT,
		      "16385 horizontal messages rejected");
	}
	free(big);

	enc = hex("00 02", &n);
	scale_reader_init(&r, enc, n);
	ok_eq(rt_validation_result_read(&r, &a, &res), SCALE_ERR_TAG, "Option tag 2 rejected");
	free(enc);
	buf_deinit(&b);
	arena_deinit(&a);
}

static void test_pvd_and_hashes(void)
{
	struct rt_persisted_validation_data d = {0}, d2;
	struct scale_reader r;
	struct buf b = BUF_INIT;
	uint8_t h[32], h2[32];

	d.parent_head.data = (const uint8_t *)"head";
	d.parent_head.len = 4;
	d.relay_parent_number = 0x01020304;
	memset(d.relay_parent_storage_root, 0xab, 32);
	d.max_pov_size = 5 * 1024 * 1024;
	ok(rt_pvd_encode(&d, &b) == 0 && b.len == 1 + 4 + 4 + 32 + 4 && b.data[0] == 0x10 &&
		   b.data[5] == 0x04 && b.data[9] == 0xab && b.data[41] == 0 && b.data[43] == 0x50,
	   "PersistedValidationData layout");
	scale_reader_init(&r, b.data, b.len);
	ok(rt_pvd_read(&r, &d2) == SCALE_OK && scale_expect_end(&r) == SCALE_OK &&
		   d2.max_pov_size == d.max_pov_size && d2.parent_head.len == 4 &&
		   d2.relay_parent_number == d.relay_parent_number,
	   "PersistedValidationData round trip");
	rt_blake2b_256(b.data, b.len, h);
	ok(rt_pvd_hash(&d, h2) == 0 && memcmp(h, h2, 32) == 0, "pvd hash = blake2_256(encoding)");
	buf_deinit(&b);

	rt_head_data_hash((const uint8_t *)"hello world", 11, h);
	ok(hex_eq(h, 32, "256c83b297114d201b30179f3f0ef0cace9783622da5974326b436178aeef610"),
	   "head data hash is blake2_256");

}

static void test_exec_params(void)
{
	struct arena a = ARENA_INIT;
	struct rt_exec_params p = {0}, q;
	struct rt_exec_param items[8];
	struct scale_reader r;
	struct buf b = BUF_INIT;
	const char *name, *name2;
	uint8_t *enc, h[32], h2[32];
	uint64_t mem;
	size_t n;

	/* [MaxMemoryPages(8192), StackLogicalMax(65536), PvfPrepTimeout(Precheck,
	 *  60000), WasmExtBulkMemory, EnabledHostFunction(EccRfc163)] */
	enc = hex("14 01 00200000 02 00000100 05 00 60ea000000000000 07 08 01", &n);
	scale_reader_init(&r, enc, n);
	ok(rt_exec_params_read(&r, &a, &p) == SCALE_OK && scale_expect_end(&r) == SCALE_OK &&
		   p.n == 5,
	   "ExecutorParams with every payload shape decodes");
	ok(p.items[0].tag == RT_EXEC_PARAM_MAX_MEMORY_PAGES && p.items[0].value == 8192 &&
		   p.items[1].value == 65536 && p.items[2].tag == RT_EXEC_PARAM_PVF_PREP_TIMEOUT &&
		   p.items[2].kind == RT_PVF_PREP_PRECHECK && p.items[2].value == 60000 &&
		   p.items[3].tag == RT_EXEC_PARAM_WASM_EXT_BULK_MEMORY &&
		   p.items[4].tag == RT_EXEC_PARAM_ENABLED_HOST_FUNCTION &&
		   p.items[4].kind == RT_HOST_FN_ECC_RFC163,
	   "decoded fields");
	ok(rt_exec_params_encode(&p, &b) == 0 && b.len == n && memcmp(b.data, enc, n) == 0,
	   "ExecutorParams re-encode byte for byte");
	ok(rt_exec_params_hash(&p, h) == 0 &&
		   hex_eq(h, 32, "633f4a6128ed7f6955505ab26954fa81de56c1c0164d7da2cfad44b7cf99ef95"),
	   "hash() = blake2_256(SCALE)");
	ok(rt_exec_params_prep_hash_upstream(&p, h) == 0 &&
		   hex_eq(h, 32, "7acad53c0e40eb6e58514e8b15c6a26757817eae79d25b01db36f04a2af2345f"),
	   "upstream prep_hash = blake2(\"prep\" ++ StackLogicalMax ++ PvfPrepTimeout ++ "
	   "WasmExtBulkMemory)");
	ok(rt_exec_params_prep_hash(&p, h) == 0 &&
		   hex_eq(h, 32, "af1fc5dadc424936ab340c93944ebc24666b85eaadfd77297e8a1870bd8eae9f"),
	   "our prep_hash also covers MaxMemoryPages and EnabledHostFunction");
	ok(rt_exec_params_memory_max_pages(&p) == 8192 + 32 &&
		   rt_exec_params_stack_logical_max(&p) == 65536 &&
		   rt_exec_params_stack_native_max(&p) == RT_DEFAULT_NATIVE_STACK_MAX &&
		   rt_exec_params_bulk_memory(&p) &&
		   rt_exec_params_host_functions(&p, RT_HOST_FN_ECC_RFC163) &&
		   rt_exec_params_prep_timeout_ms(&p, RT_PVF_PREP_PRECHECK) == 60000 &&
		   rt_exec_params_prep_timeout_ms(&p, RT_PVF_PREP_PREPARE) == 360000 &&
		   rt_exec_params_exec_timeout_ms(&p, RT_PVF_EXEC_BACKING) == 2000 &&
		   rt_exec_params_exec_timeout_ms(&p, RT_PVF_EXEC_APPROVAL) == 12000 &&
		   !rt_exec_params_prechecking_max_memory(&p, &mem),
	   "lookups with defaults");
	ok_eq(rt_exec_params_check(&p, &name, &name2), RT_EXEC_PARAMS_OK, "consistent");
	free(enc);

	/* Defaults and the empty set. */
	q.n = 0;
	q.items = NULL;
	ok(rt_exec_params_memory_max_pages(&q) == 2080 && !rt_exec_params_bulk_memory(&q) &&
		   rt_exec_params_stack_logical_max(&q) == 65536,
	   "empty params: 2080 pages, no bulk memory, 65536 logical stack");
	ok(rt_exec_params_hash(&q, h) == 0 &&
		   hex_eq(h, 32, "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"),
	   "hash of empty params = blake2_256(00)");
	ok(rt_exec_params_prep_hash(&q, h) == 0 && rt_exec_params_prep_hash_upstream(&q, h2) == 0 &&
		   memcmp(h, h2, 32) == 0 &&
		   hex_eq(h, 32, "50b16a713c0f8774ba3a0757c722b48c6eb4c1972f6e58c54fd0851f21a08633"),
	   "prep hash of empty params = blake2_256(\"prep\")");

	/* ensure_prep_hash_changes, plus MaxMemoryPages for ours */
	q.items = items;
	q.n = 1;
	memset(items, 0, sizeof(items));
	items[0].tag = RT_EXEC_PARAM_MAX_MEMORY_PAGES;
	items[0].value = 1;
	rt_exec_params_prep_hash(&q, h);
	items[0].value = 2;
	rt_exec_params_prep_hash(&q, h2);
	ok(memcmp(h, h2, 32) != 0, "MaxMemoryPages changes our prep hash");
	rt_exec_params_prep_hash_upstream(&q, h);
	items[0].value = 1;
	rt_exec_params_prep_hash_upstream(&q, h2);
	ok(memcmp(h, h2, 32) == 0, "MaxMemoryPages does not change upstream's prep hash");
	items[0].tag = RT_EXEC_PARAM_STACK_LOGICAL_MAX;
	rt_exec_params_prep_hash_upstream(&q, h);
	items[0].value = 2;
	rt_exec_params_prep_hash_upstream(&q, h2);
	ok(memcmp(h, h2, 32) != 0, "StackLogicalMax changes the prep hash");
	items[0].tag = RT_EXEC_PARAM_PVF_EXEC_TIMEOUT;
	rt_exec_params_prep_hash(&q, h);
	items[0].value = 3;
	rt_exec_params_prep_hash(&q, h2);
	ok(memcmp(h, h2, 32) == 0, "PvfExecTimeout does not change the prep hash");

	/* First match wins; saturating + 32. */
	q.n = 2;
	items[0].tag = items[1].tag = RT_EXEC_PARAM_MAX_MEMORY_PAGES;
	items[0].value = UINT32_MAX;
	items[1].value = 100;
	ok_eq(rt_exec_params_memory_max_pages(&q), UINT32_MAX, "first entry, saturating add");

	/* check_consistency */
	items[0].value = 100;
	items[1].value = 0;
	ok(rt_exec_params_check(&q, &name, &name2) == RT_EXEC_PARAMS_DUPLICATED &&
		   strcmp(name, "MaxMemoryPages") == 0,
	   "duplicate detected before the range check");
	q.n = 1;
	items[0].value = 0;
	ok_eq(rt_exec_params_check(&q, &name, &name2), RT_EXEC_PARAMS_OUTSIDE_LIMIT,
	      "MaxMemoryPages(0) outside limit");
	items[0].value = 65537;
	ok_eq(rt_exec_params_check(&q, &name, &name2), RT_EXEC_PARAMS_OUTSIDE_LIMIT,
	      "MaxMemoryPages(65537) outside limit");
	items[0].value = 65536;
	ok_eq(rt_exec_params_check(&q, &name, &name2), RT_EXEC_PARAMS_OK, "MaxMemoryPages(65536)");
	items[0].tag = RT_EXEC_PARAM_STACK_LOGICAL_MAX;
	items[0].value = 1023;
	ok_eq(rt_exec_params_check(&q, &name, &name2), RT_EXEC_PARAMS_OUTSIDE_LIMIT,
	      "StackLogicalMax(1023) outside limit");
	items[0].value = 131073;
	ok_eq(rt_exec_params_check(&q, &name, &name2), RT_EXEC_PARAMS_OUTSIDE_LIMIT,
	      "StackLogicalMax(131073) outside limit");
	items[0].tag = RT_EXEC_PARAM_STACK_NATIVE_MAX;
	items[0].value = 128u * 65536 - 1;
	ok(rt_exec_params_check(&q, &name, &name2) == RT_EXEC_PARAMS_INCOMPATIBLE &&
		   strcmp(name, "StackLogicalMax") == 0 && strcmp(name2, "StackNativeMax") == 0,
	   "native stack below 128 x default logical is incompatible");
	items[0].value = 128u * 65536;
	ok_eq(rt_exec_params_check(&q, &name, &name2), RT_EXEC_PARAMS_OK,
	      "native = 128 x logical is fine");
	items[0].tag = RT_EXEC_PARAM_PVF_PREP_TIMEOUT;
	items[0].kind = RT_PVF_PREP_PRECHECK;
	items[0].value = 360000;
	ok_eq(rt_exec_params_check(&q, &name, &name2), RT_EXEC_PARAMS_INCOMPATIBLE,
	      "precheck timeout >= default lenient timeout");
	items[0].tag = RT_EXEC_PARAM_PVF_EXEC_TIMEOUT;
	items[0].kind = RT_PVF_EXEC_BACKING;
	items[0].value = 12000;
	ok_eq(rt_exec_params_check(&q, &name, &name2), RT_EXEC_PARAMS_INCOMPATIBLE,
	      "backing timeout >= default approval timeout");
	q.n = 2;
	items[0].value = 1000;
	items[1] = items[0];
	items[1].kind = RT_PVF_EXEC_APPROVAL;
	items[1].value = 5000;
	ok_eq(rt_exec_params_check(&q, &name, &name2), RT_EXEC_PARAMS_OK,
	      "backing and approval timeouts are separate params");
	items[0].tag = RT_EXEC_PARAM_PRECHECKING_MAX_MEMORY;
	items[0].value = RT_PRECHECK_MEM_MAX_LO - 1;
	ok_eq(rt_exec_params_check(&q, &name, &name2), RT_EXEC_PARAMS_OUTSIDE_LIMIT,
	      "PrecheckingMaxMemory below 256 MiB");

	/* Decoding errors */
	{
		static const char *bad[] = {"04 00", "04 09", "04 05 02 0000000000000000",
					    "04 08 00", "04 01 0000", "08 07", "ff"};
		static const enum scale_status want[] = {SCALE_ERR_TAG, SCALE_ERR_TAG,
							 SCALE_ERR_TAG, SCALE_ERR_TAG,
							 SCALE_ERR_EOF, SCALE_ERR_EOF,
							 SCALE_ERR_RANGE};
		size_t i;

		for (i = 0; i < BASE_ARRAY_SIZE(bad); i++) {
			enc = hex(bad[i], &n);
			scale_reader_init(&r, enc, n);
			ok_eq(rt_exec_params_read(&r, &a, &q), want[i], "ExecutorParams %s rejected",
			      bad[i]);
			free(enc);
		}
	}
	buf_deinit(&b);
	arena_deinit(&a);
}

int main(void)
{
	test_adder_model(params_a, result_a, "vector A");
	test_adder_model(params_b, result_b, "vector B");
	test_validation_params();
	test_validation_result();
	test_pvd_and_hashes();
	test_exec_params();
	return tap_done();
}
