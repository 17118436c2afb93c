/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_io::misc: the debug prints (to pvlog, within the call's log budget) and
 * runtime_version (version.c), which reads the version of the given code
 * from its custom sections without running it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime_int.h"

/* ext_misc_print_num_version_1(value: i64) */
static enum eng_trap print_num_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				  uint64_t *results)
{
	char num[24];
	int n;

	(void)hc;
	(void)results;
	n = snprintf(num, sizeof(num), "%" PRIu64, args[0]);
	rt__guest_log(user, PVLOG_DEBUG, "print_num", NULL, 0, (const uint8_t *)num,
		      n > 0 ? (size_t)n : 0);
	return ENG_TRAP_NONE;
}

/* ext_misc_print_utf8_version_1(utf8: i64): printed only if valid UTF-8. */
static enum eng_trap print_utf8_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				   uint64_t *results)
{
	const uint8_t *p;
	uint32_t len;
	enum eng_trap t;

	(void)results;
	t = rt__mem_ps(hc, args[0], &p, &len);
	if (t != ENG_TRAP_NONE)
		return t;
	if (scale_utf8_valid(p, len))
		rt__guest_log(user, PVLOG_DEBUG, "print_utf8", NULL, 0, p, len);
	return ENG_TRAP_NONE;
}

/* ext_misc_print_hex_version_1(data: i64) */
static enum eng_trap print_hex_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				  uint64_t *results)
{
	char hex[2 * 256 + 1];
	const uint8_t *p;
	uint32_t len, shown;
	enum eng_trap t;

	(void)results;
	t = rt__mem_ps(hc, args[0], &p, &len);
	if (t != ENG_TRAP_NONE)
		return t;
	shown = len > 256 ? 256 : len;
	base_hex_encode(p, shown, hex);
	rt__guest_log(user, PVLOG_DEBUG, "print_hex", NULL, 0, (const uint8_t *)hex,
		      2 * (size_t)shown);
	return ENG_TRAP_NONE;
}

/* ext_misc_runtime_version_version_1(code: i64) -> i64: SCALE
 * Option<Vec<u8>> holding the encoded RuntimeVersion, None on any error. */
static enum eng_trap runtime_version_v1(struct eng_host_call *hc, void *user,
					const uint64_t *args, uint64_t *results)
{
	struct buf version = BUF_INIT, enc = BUF_INIT;
	const uint8_t *code;
	uint32_t len;
	char why[160];
	enum eng_trap t;
	int rc;

	t = rt__mem_ps(hc, args[0], &code, &len);
	if (t != ENG_TRAP_NONE)
		return t;
	rc = rt_runtime_version_from_code(code, len, &version, why, sizeof(why));
	if (rc == -ENOMEM) {
		t = eng_host_trap(hc, "runtime_version: out of memory");
		goto out;
	}
	if (rc < 0) {
		PVLOG_DEBUG("runtime", "runtime_version: None (%s)", why);
		rc = scale_put_option_bytes(&enc, NULL, 0);
	} else {
		rc = scale_put_option_bytes(&enc, version.data ? version.data : (const uint8_t *)"",
					    version.len);
	}
	if (rc < 0) {
		t = eng_host_trap(hc, "runtime_version: out of memory");
		goto out;
	}
	t = rt__return_ps(hc, user, enc.data, enc.len, &results[0]);
out:
	buf_deinit(&enc);
	buf_deinit(&version);
	return t;
}

const struct rt__hostfn rt__hostfns_misc[] = {
	{"ext_misc_print_num_version_1", "I", "", print_num_v1},
	{"ext_misc_print_utf8_version_1", "I", "", print_utf8_v1},
	{"ext_misc_print_hex_version_1", "I", "", print_hex_v1},
	{"ext_misc_runtime_version_version_1", "I", "I", runtime_version_v1},
	{NULL, NULL, NULL, NULL},
};
