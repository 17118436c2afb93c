/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_io::input (RFC-145): a runtime whose entry point takes only the input
 * length allocates the buffer itself and asks the host to fill it, once. The
 * buffer must have exactly the input's length. For legacy entry points (the
 * host allocates and passes the input) there is nothing to read: trap.
 */
#include "runtime_int.h"

/* ext_input_read_version_1(buffer: i64) */
static enum eng_trap read_v1(struct eng_host_call *hc, void *user, const uint64_t *args,
			     uint64_t *results)
{
	struct rt__call *c = user;
	uint32_t ptr = rt__ps_ptr(args[0]), len = rt__ps_len(args[0]);
	enum eng_trap t;

	(void)results;
	if (!c->input_avail || c->input_taken)
		return eng_host_trap(hc, "ext_input_read: the input is not available "
				     "(already read, or not an RFC-145 call)");
	if (len != c->input_len)
		return eng_host_trap(hc, "ext_input_read: buffer length %u differs from the "
				     "input length %zu", len, c->input_len);
	t = rt__mem_write(hc, ptr, len ? c->input : (const uint8_t *)"", len);
	if (t == ENG_TRAP_NONE)
		c->input_taken = true;
	return t;
}

const struct rt__hostfn rt__hostfns_input[] = {
	{"ext_input_read_version_1", "I", "", read_v1},
	{NULL, NULL, NULL, NULL},
};
