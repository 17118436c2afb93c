/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_io::logging. max_level returns 0 (LogLevelFilter::Off), the
 * deterministic choice (determinism.md §9.7): real runtimes then skip
 * formatting log messages. log still works for runtimes that call it anyway:
 * the arguments are bounds-checked (an out-of-bounds argument traps, as the
 * reference's marshalling fails) and the message goes to pvlog, within a
 * per-call budget so a guest cannot flood the host's log.
 */
#include <stdio.h>
#include <string.h>

#include "runtime_int.h"

/* Guest levels: Error = 1 .. Trace = 5. Guest messages are never errors of
 * the host: they are shown one level lower than our own messages. */
static enum pvlog_level map_level(uint32_t level)
{
	switch (level) {
	case 1:
	case 2:
		return PVLOG_INFO;
	case 3:
		return PVLOG_DEBUG;
	default:
		return PVLOG_TRACE;
	}
}

/* Appends at most max bytes of p to out (size out_size), escaping
 * non-printable bytes as \xNN; returns the new length. */
static size_t escape_into(char *out, size_t out_size, size_t pos, const uint8_t *p, size_t len,
			  size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len && i < max && pos + 5 < out_size; i++) {
		uint8_t ch = p[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			out[pos++] = (char)ch;
		} else {
			out[pos++] = '\\';
			out[pos++] = 'x';
			out[pos++] = hex[ch >> 4];
			out[pos++] = hex[ch & 15];
		}
	}
	if (i < len && pos + 4 < out_size) {
		memcpy(out + pos, "...", 3);
		pos += 3;
	}
	out[pos] = '\0';
	return pos;
}

void rt__guest_log(struct rt__call *c, enum pvlog_level level, const char *what,
		   const uint8_t *target, size_t target_len, const uint8_t *msg, size_t msg_len)
{
	char line[RT__LOG_MAX_MSG * 4 + 256];
	size_t pos;
	int n;

	if (level > pvlog_max_level)
		return;
	if (c->log_msgs >= RT__LOG_MAX_MSGS || c->log_bytes >= RT__LOG_MAX_BYTES) {
		if (!c->log_dropped)
			pvlog(level, "runtime", "log budget of this call exhausted; "
			      "dropping further messages");
		c->log_dropped = true;
		return;
	}
	c->log_msgs++;
	c->log_bytes += target_len + msg_len;
	n = snprintf(line, sizeof(line), "%s", what);
	pos = n > 0 ? (size_t)n : 0;
	if (target_len) {
		line[pos++] = ' ';
		pos = escape_into(line, sizeof(line), pos, target, target_len, 64);
		line[pos++] = ':';
		line[pos] = '\0';
	}
	line[pos++] = ' ';
	escape_into(line, sizeof(line), pos, msg, msg_len, RT__LOG_MAX_MSG);
	pvlog(level, "runtime", "%s", line);
}

/* ext_logging_log_version_1(level: i32, target: i64, message: i64) */
static enum eng_trap log_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
			    uint64_t *results)
{
	const uint8_t *target, *msg;
	uint32_t target_len, msg_len;
	enum eng_trap t;

	(void)results;
	t = rt__mem_ps(hc, args[1], &target, &target_len);
	if (t == ENG_TRAP_NONE)
		t = rt__mem_ps(hc, args[2], &msg, &msg_len);
	if (t != ENG_TRAP_NONE)
		return t;
	rt__guest_log(user, map_level((uint32_t)args[0]), "log", target, target_len, msg,
		      msg_len);
	return ENG_TRAP_NONE;
}

/* ext_logging_max_level_version_1() -> i32 */
static enum eng_trap max_level_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
				  uint64_t *results)
{
	(void)hc;
	(void)user;
	(void)args;
	results[0] = 0;
	return ENG_TRAP_NONE;
}

const struct rt__hostfn rt__hostfns_logging[] = {
	{"ext_logging_log_version_1", "iII", "", log_v1},
	{"ext_logging_max_level_version_1", "", "i", max_level_v1},
	{NULL, NULL, NULL, NULL},
};
