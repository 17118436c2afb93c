/* SPDX-License-Identifier: Apache-2.0 */
/* sandbox internals shared between apply.c, landlock.c, seccomp.c, clone.c
 * and probe.c. Other modules include sandbox.h only. */
#ifndef PVF_SANDBOX_INT_H
#define PVF_SANDBOX_INT_H

#include "sandbox.h"

/* Sanitizer runtimes reserve terabytes of address space and read /proc at
 * exit: the standard probe policy leaves RLIMIT_AS alone under them. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SBX__SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||               \
	__has_feature(memory_sanitizer)
#define SBX__SANITIZER 1
#endif
#endif
#ifndef SBX__SANITIZER
#define SBX__SANITIZER 0
#endif

/* Facts gathered at the start of sbx_apply, while /proc and /sys are still
 * visible (they are gone after pivot_root). */
struct sbx__facts {
	int landlock_abi;          /* >= 1, or -errno from the version query */
	char landlock_hint[200];   /* why Landlock is missing, if it is */
	char userns_hint[160];     /* which sysctl forbids user namespaces, if any */
	char seccomp_hint[80];     /* "seccomp filters already active: N", if any */
	int max_fd;                /* highest fd number that may be open */
	int threads;               /* Threads: of /proc/self/status, 0 if unknown */
};

void sbx__gather_facts(struct sbx__facts *f);

/* Drops every capability: bounding set (where permitted), ambient set,
 * effective/permitted/inheritable. Returns 0 or -errno. */
int sbx__drop_caps(struct pvf_err *err);

/* Landlock: applies the policy's file-system and network rulesets. abi is
 * the kernel's ABI (already capped by the policy). *net_ok tells whether TCP
 * was restricted. Returns 0 or -errno. */
int sbx__landlock_apply(const struct sbx_policy *p, int abi, bool *net_ok, struct pvf_err *err);
/* Landlock ABI version of the running kernel, or -errno. */
int sbx__landlock_abi(void);

/* seccomp: builds and loads the policy's filter. Returns 0 or -errno. */
int sbx__seccomp_apply(const struct sbx_policy *p, struct pvf_err *err);

/* TEST ONLY: loads a filter that makes the system calls of the given layers
 * fail as on a kernel that lacks them. */
int sbx__simulate_missing(unsigned layers, struct pvf_err *err);

/* Reads a small text file (a sysctl) into buf; returns bytes or -errno. */
int sbx__read_small(const char *path, char *buf, size_t len);

#endif /* PVF_SANDBOX_INT_H */
