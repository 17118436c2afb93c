/* SPDX-License-Identifier: Apache-2.0 */
/* Sandbox capability probe at start-up (pvf-host.md §5.1).
 *
 * src/sandbox runs the standard worker policy in a throw-away child and
 * reports which layers work; the host turns that into the reference's
 * SecurityStatus (sent to every worker in HELLO) and decides, like the
 * reference, whether to refuse (secure validator mode with a required layer
 * missing) or to warn. */
#include <errno.h>
#include <string.h>

#include "host.h"
#include "sandbox/sandbox.h"

static bool works(const struct sbx_status *st, enum sbx_layer l)
{
	return st->layer[l].state == SBX_WORKS;
}

int host_security_probe(struct pvf_host *h, struct proto_security *out, struct pvf_err *err)
{
	struct sbx_status st;
	char why[256] = "";
	bool secure;
	int ret, l;

	*out = (struct proto_security){0};
	out->secure_validator_mode = h->cfg.secure_validator_mode;
	memset(&st, 0, sizeof(st));
	ret = sbx_probe(0, &st, err);
	if (ret) {
		if (h->cfg.secure_validator_mode)
			return ret;
		HLOG(h, PVLOG_WARN, "host", "sandbox probe failed (%s); workers run unconfined",
		     err->msg);
		return 0;
	}
	out->can_enable_landlock = works(&st, SBX_LAYER_LANDLOCK);
	out->can_enable_seccomp = works(&st, SBX_LAYER_SECCOMP);
	out->can_unshare_user_namespace_and_change_root =
		works(&st, SBX_LAYER_USERNS) && works(&st, SBX_LAYER_CHANGE_ROOT);
	out->can_do_secure_clone = works(&st, SBX_LAYER_SECURE_CLONE);
	secure = sbx_status_secure(&st, why, sizeof(why));
	for (l = 0; l < SBX_LAYER_COUNT; l++) {
		if (st.layer[l].state != SBX_MISSING)
			continue;
		HLOG(h, secure || !h->cfg.secure_validator_mode ? PVLOG_WARN : PVLOG_ERROR, "host",
		     "%ssandbox layer %s not available: %s",
		     sbx_layer_required((enum sbx_layer)l) ? "" : "Optional: ",
		     sbx_layer_name((enum sbx_layer)l), st.layer[l].reason);
	}
	if (!secure && h->cfg.secure_validator_mode)
		return pvf_err_set(err, -ENOTSUP,
				   "cannot enable secure validator mode: %s (see the log; running "
				   "without it is dangerous)", why);
	if (!secure)
		HLOG(h, PVLOG_WARN, "host", "this system cannot securely run a validator: %s", why);
	else if (h->cfg.secure_validator_mode)
		HLOG(h, PVLOG_INFO, "host", "secure validator mode: worker sandbox available "
		     "(landlock ABI %d)", st.landlock_abi);
	return 0;
}
