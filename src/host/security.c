/* SPDX-License-Identifier: Apache-2.0 */
/* Sandbox capability probe (pvf-host.md §5.1).
 *
 * HOOK: src/sandbox does not exist yet. When it lands, this file calls its
 * probe (one check per capability, run in a child process) and fills the
 * status from the answers. Until then every capability reads as missing, and
 * secure validator mode therefore refuses to start, exactly as the
 * reference refuses when seccomp is unavailable. */
#include <errno.h>

#include "host.h"

int host_security_probe(struct pvf_host *h, struct proto_security *out, struct pvf_err *err)
{
	*out = (struct proto_security){0};
	out->secure_validator_mode = h->cfg.secure_validator_mode;
	if (h->cfg.secure_validator_mode)
		return pvf_err_set(err, -ENOTSUP,
				   "secure validator mode: the worker sandbox is not available "
				   "in this build (seccomp, landlock, namespaces missing)");
	HLOG(h, PVLOG_WARN, "host",
	     "worker sandbox not available in this build; workers run without confinement");
	return 0;
}
