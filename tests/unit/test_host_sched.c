/* SPDX-License-Identifier: Apache-2.0 */
/* Host scheduler pieces without processes: the execute window
 * (pvf-host.md §3.5, execute/queue.rs tests), artifact identity
 * (ensure_prep_hash_changes), error texts and classes, metrics text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "tap.h"

/* Runs one 12-job window with the given kinds always pending (or, for
 * kinds in `once`, pending until taken once) and counts the picks. */
static void window(const bool always[4], const bool once[4], unsigned counts[4],
		   enum pvf_exec_kind order[12])
{
	struct host_exec_window w = {{0}};
	bool left[4];
	int i, k;

	memcpy(left, once, sizeof(left));
	memset(counts, 0, 4 * sizeof(unsigned));
	for (i = 0; i < HOST_SCHEDULING_WINDOW; i++) {
		bool pending[4];
		enum pvf_exec_kind p;

		for (k = 0; k < 4; k++)
			pending[k] = always[k] || left[k];
		p = host_exec_select(&w, pending);
		order[i] = p;
		left[p] = false;
		counts[p]++;
		host_exec_mark(&w, p);
	}
	/* the window is reset after 12 jobs */
	for (k = 0; k < 4; k++)
		if (w.counter[k])
			counts[0] += 1000;
}

static void test_window(void)
{
	bool all[4] = {true, true, true, true}, none[4] = {false, false, false, false};
	enum pvf_exec_kind order[12];
	unsigned c[4];

	window(all, none, c, order);
	ok(c[0] == 8 && c[1] == 3 && c[2] == 1 && c[3] == 0,
	   "all kinds pending: 8 dispute, 3 approval, 1 system paras, 0 backing (%u/%u/%u/%u)",
	   c[0], c[1], c[2], c[3]);
	{
		bool k[4] = {true, true, false, true};

		window(k, none, c, order);
		ok(c[0] == 8 && c[1] == 3 && c[3] == 1, "without system paras: 8/3/1 backing");
	}
	{
		bool k[4] = {false, true, true, true};

		window(k, none, c, order);
		ok(c[1] == 9 && c[2] == 2 && c[3] == 1, "without disputes: 9/2/1 (%u/%u/%u)", c[1],
		   c[2], c[3]);
	}
	{
		bool k[4] = {false, true, false, false}, once[4] = {false, false, false, true};

		window(k, once, c, order);
		ok(c[1] == 11 && c[3] == 1, "approvals and one backing job: 11/1");
		ok(order[0] == PVF_EXEC_APPROVAL && order[1] == PVF_EXEC_BACKING &&
		   order[2] == PVF_EXEC_APPROVAL && order[3] == PVF_EXEC_APPROVAL,
		   "backing is not postponed: approval, backing, approval, approval");
	}
	{
		struct host_exec_window w = {{0}};
		bool p[4] = {false, false, false, false};

		ok_eq(host_exec_select(&w, p), PVF_EXEC_BACKING, "nothing pending: backing");
		p[2] = true;
		ok_eq(host_exec_select(&w, p), PVF_EXEC_BACKING_SYSTEM_PARAS, "only system paras");
	}
}

static void test_artifact_identity(void)
{
	static const uint8_t empty[] = {0};
	static const struct {
		uint8_t enc[12];
		size_t len;
		bool relevant;
		const char *name;
	} params[] = {
		{{4, 1, 0, 0x20, 0, 0}, 6, true, "MaxMemoryPages (issue #8054)"},
		{{4, 2, 0, 0x10, 0, 0}, 6, true, "StackLogicalMax"},
		{{4, 3, 0, 0, 0, 0x10}, 6, false, "StackNativeMax"},
		{{4, 4, 0, 0, 0, 0x20, 0, 0, 0, 0}, 10, false, "PrecheckingMaxMemory"},
		{{4, 5, 0, 0x60, 0xea, 0, 0, 0, 0, 0, 0}, 11, true, "PvfPrepTimeout(Precheck)"},
		{{4, 5, 1, 0x60, 0xea, 0, 0, 0, 0, 0, 0}, 11, true, "PvfPrepTimeout(Prepare)"},
		{{4, 6, 0, 0xc4, 0x09, 0, 0, 0, 0, 0, 0}, 11, false, "PvfExecTimeout(Backing)"},
		{{4, 7}, 2, true, "WasmExtBulkMemory"},
	};
	uint8_t code[32], base[HOST_ID_LEN], id[HOST_ID_LEN], other[HOST_ID_LEN];
	size_t i;

	memset(code, 0x33, sizeof(code));
	ok_eq(host_artifact_id(code, empty, 1, base), 0, "id with default params");
	ok(!memcmp(base, code, 32), "id starts with the code hash");
	for (i = 0; i < BASE_ARRAY_SIZE(params); i++) {
		host_artifact_id(code, params[i].enc, params[i].len, id);
		ok((memcmp(id, base, HOST_ID_LEN) != 0) == params[i].relevant, "%s %s the artifact",
		   params[i].name, params[i].relevant ? "changes" : "does not change");
	}
	/* two relevant params: order matters as in the reference (no sorting) */
	{
		static const uint8_t ab[] = {8, 2, 0, 0x10, 0, 0, 7};
		static const uint8_t ba[] = {8, 7, 2, 0, 0x10, 0, 0};

		host_artifact_id(code, ab, sizeof(ab), id);
		host_artifact_id(code, ba, sizeof(ba), other);
		ok(memcmp(id, other, HOST_ID_LEN) != 0, "parameter order is part of the hash");
	}
	memset(code, 0x34, sizeof(code));
	host_artifact_id(code, empty, 1, id);
	ok(memcmp(id, base, 32) != 0 && !memcmp(id + 32, base + 32, 32),
	   "another code: same preparation hash, other id");
	{
		static const uint8_t bad[] = {4, 9};

		ok_eq(host_artifact_id(code, bad, sizeof(bad), id), -EINVAL, "unknown param refused");
	}
	{
		uint8_t hh[32];

		/* blake2b-256 of "abc" (RFC 7693 test vectors are for -512; this one
		 * is the widely published BLAKE2b-256 value) */
		static const uint8_t want[32] = {
			0xbd, 0xdd, 0x81, 0x3c, 0x63, 0x42, 0x39, 0x72, 0x31, 0x71, 0xef,
			0x3f, 0xee, 0x98, 0x57, 0x9b, 0x94, 0x96, 0x4e, 0x3b, 0xb1, 0xcb,
			0x3e, 0x42, 0x72, 0x62, 0xc8, 0xc0, 0x68, 0xd5, 0x23, 0x19};

		host_blake2_256("abc", 3, hh);
		ok(!memcmp(hh, want, 32), "blake2b-256 vector");
	}
}

static void test_texts(void)
{
	struct pvf_prep_error e = {PVF_PREP_ERR_RENAME_TMP_FILE, "EXDEV", 0, "/a", NULL};
	struct pvf_exec_result r = {0};
	char buf[256];
	int k, det = 0;

	pvf_prep_error_format(&e, buf, sizeof(buf));
	ok(!strcmp(buf, "prepare: error renaming tmp file (/a -> None): EXDEV"), "%s", buf);
	e.kind = PVF_PREP_ERR_OUT_OF_MEMORY;
	pvf_prep_error_format(&e, buf, sizeof(buf));
	ok(!strcmp(buf, "prepare: out of memory"), "%s", buf);
	for (k = 0; k <= PVF_PREP_ERR_DECOMPRESS; k++)
		det |= pvf_prep_error_is_deterministic((enum pvf_prep_error_kind)k) << k;
	ok_eq(det, (1 << 0) | (1 << 1) | (1 << 3) | (1 << 8) | (1 << 12),
	      "deterministic: prevalidation, preparation, job error, oom, decompress");

	r.status = PVF_EXEC_POSSIBLY_INVALID;
	r.reason = PVF_POSSIBLY_AMBIGUOUS_JOB_DEATH;
	r.msg = "received signal: SIGKILL";
	pvf_exec_result_format(&r, buf, sizeof(buf));
	ok(!strcmp(buf, "possibly invalid: ambiguous job death: received signal: SIGKILL"), "%s",
	   buf);
	r.status = PVF_EXEC_INTERNAL;
	r.reason = PVF_INTERNAL_NONDETERMINISTIC_PREPARE;
	e.kind = PVF_PREP_ERR_TIMED_OUT;
	r.prep = &e;
	pvf_exec_result_format(&r, buf, sizeof(buf));
	ok(!strcmp(buf, "candidate validation: internal: prepare: timeout"), "%s", buf);

	/* ValidationError::from(PrepareError) */
	{
		struct host_prep_err pe = {0};
		struct host_exec_res x = {0};

		host_prep_err_set(&pe, PVF_PREP_ERR_PREPARATION, "bad %s", "code");
		host_exec_res_from_prep(&x, &pe);
		ok(x.status == PVF_EXEC_PREPARATION && x.has_prep && !strcmp(x.prep.msg, "bad code"),
		   "deterministic prepare error -> Preparation");
		host_prep_err_deinit(&pe);
		host_prep_err_set(&pe, PVF_PREP_ERR_KERNEL, "x");
		host_exec_res_from_prep(&x, &pe);
		ok(x.status == PVF_EXEC_INTERNAL && x.reason == PVF_INTERNAL_NONDETERMINISTIC_PREPARE,
		   "non-deterministic -> Internal");
		host_prep_err_deinit(&pe);
		host_exec_res_deinit(&x);
	}
}

static void test_metrics_text(void)
{
	struct host_metrics m;
	struct buf b = BUF_INIT;

	host_metrics_init(&m);
	m.worker_spawning[1] = 3;
	m.exec_kind_selected[PVF_EXEC_BACKING_SYSTEM_PARAS] = 2;
	host_hist_observe(&m.execution_time, 0.02);
	host_hist_observe(&m.execution_time, 0.3);
	host_hist_observe(&m.execution_time, 100);
	host_hist_observe(&m.pov_size[1], 20000);
	ok_eq(host_metrics_render(&m, &b), 0, "render");
	buf_append_byte(&b, 0);
	ok(strstr((char *)b.data, "# TYPE polkadot_pvf_worker_spawning counter\n") != NULL, "TYPE");
	ok(strstr((char *)b.data, "polkadot_pvf_worker_spawning{flavor=\"execute\"} 3\n") != NULL,
	   "labelled counter");
	ok(strstr((char *)b.data,
		  "polkadot_pvf_exec_kind_selected{priority=\"backing_system_paras\"} 2\n") != NULL,
	   "kind label");
	ok(strstr((char *)b.data, "polkadot_pvf_execution_time_bucket{le=\"0.01\"} 0\n") &&
	   strstr((char *)b.data, "polkadot_pvf_execution_time_bucket{le=\"0.025\"} 1\n") &&
	   strstr((char *)b.data, "polkadot_pvf_execution_time_bucket{le=\"0.5\"} 2\n") &&
	   strstr((char *)b.data, "polkadot_pvf_execution_time_bucket{le=\"12\"} 2\n") &&
	   strstr((char *)b.data, "polkadot_pvf_execution_time_bucket{le=\"+Inf\"} 3\n") &&
	   strstr((char *)b.data, "polkadot_pvf_execution_time_count 3\n"),
	   "cumulative buckets, +Inf and count");
	ok(strstr((char *)b.data, "polkadot_parachain_candidate_validation_pov_size_bucket"
				  "{compressed=\"true\",le=\"32768\"} 1\n") != NULL,
	   "labelled histogram with exponential buckets");
	ok(strstr((char *)b.data, "polkadot_pvf_preparation_max_rss_bucket{le=\"4194304\"} 0\n") !=
	   NULL, "memory buckets up to 8192 * 2^9 KiB");
	buf_deinit(&b);
}

static void test_list(void)
{
	struct hlist head, a, b, c;

	hlist_init(&head);
	ok(hlist_empty(&head), "empty");
	hlist_add_tail(&head, &a);
	hlist_add_tail(&head, &b);
	hlist_add_head(&head, &c);
	ok(head.next == &c && c.next == &a && a.next == &b && b.next == &head, "order c a b");
	ok_eq(hlist_len(&head), 3, "length");
	hlist_del(&a);
	hlist_del(&a);
	ok(head.next == &c && c.next == &b && hlist_len(&head) == 2, "delete (twice is safe)");
}

int main(void)
{
	test_window();
	test_artifact_identity();
	test_texts();
	test_metrics_text();
	test_list();
	return tap_done();
}
