/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host_front.h: code shared by the JSON front-ends of the validation host,
 * `pvf host` (JSON lines on stdin, cmd_host.c) and `pvf serve` (a Unix
 * socket service, cmd_serve.c): hex fields, names of result kinds, the
 * JSON form of pre-check and execution results, ValidationParams to a
 * request.
 */
#ifndef PVF_TOOLS_HOST_FRONT_H
#define PVF_TOOLS_HOST_FRONT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <pvf/pvf.h>

#include "cli.h"
#include "runtime/runtime.h"

/* A new JSON string "0x<hex of p>"; NULL on allocation failure. */
json_t *hf_hex(const uint8_t *p, size_t len);
/* Sets j[key] = hf_hex(p, len). */
void hf_set_hex(json_t *j, const char *key, const uint8_t *p, size_t len);
/* Decodes the hex string v ("0x" optional). 0, -EINVAL (not a string, odd
 * length, a non-hex digit) or -ENOMEM; *out is malloc'd (caller frees). */
int hf_hex_decode(const json_t *v, uint8_t **out, size_t *len);
/* Decodes a 32-byte hash given as hex. 0 or -EINVAL. */
int hf_hash_decode(const json_t *v, uint8_t out[PVF_HASH_LEN]);

/* Stable lowercase names, used as JSON values ("prevalidation",
 * "timeout", ...; "valid", "invalid", "possibly_invalid", ...;
 * "worker_reported", "hard_timeout", ...). */
const char *hf_prep_error_name(enum pvf_prep_error_kind k);
const char *hf_exec_status_name(enum pvf_exec_status s);
/* The reason's name for the statuses INVALID, POSSIBLY_INVALID and
 * INTERNAL; NULL for the others. */
const char *hf_exec_reason_name(enum pvf_exec_status s, int reason);

/* Adds the fields of a pre-check result to j:
 *   "accepted": bool, and when not accepted "deterministic", "error"
 *   (the reference's Display text) and "kind" (hf_prep_error_name), or just
 *   "error" (strerror) when the request failed (status < 0). */
void hf_precheck_json(json_t *j, const struct pvf_precheck_result *r);
/* Adds the fields of an execution result to j:
 *   "valid", "outcome" (the reference's Display text); when valid
 *   "head_data", "output" (the SCALE ValidationResult), "cpu_time_ms",
 *   "pov_size"; always "status" and, where one applies, "reason"; for
 *   preparation failures "prep_error": {"kind", "deterministic", "error"}. */
void hf_exec_json(json_t *j, const struct pvf_exec_result *r);

/* Points the PVD and the PoV of er at vp (borrowed: vp's bytes must outlive
 * the submitting call); max_pov_size = RT_MAX_POV_SIZE. */
void hf_exec_from_params(struct pvf_execute_req *er, const struct rt_validation_params *vp);

/* Finds pvf-prepare-worker and pvf-execute-worker (cmd_precheck.c): dir,
 * else $PVF_WORKER_DIR, next to this program, ../workers, ../libexec/pvf.
 * Fills ch->prepare_worker and ch->execute_worker. 0 or -ENOENT. */
int cli_find_workers(const char *dir, struct cli_host *ch);

#endif /* PVF_TOOLS_HOST_FRONT_H */
