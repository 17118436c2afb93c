/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What this machine supports, found without the sandbox code (so a bug in
 * src/sandbox shows as a failure, never as a skip): a user namespace in a
 * throw-away child, the Landlock version query, the Seccomp line of
 * /proc/self/status.
 */
#ifndef PVF_TEST_SANDBOX_MACHINE_H
#define PVF_TEST_SANDBOX_MACHINE_H

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

/* Built with a sanitizer: its runtime needs terabytes of address space (no
 * RLIMIT_AS checks) and LeakSanitizer needs /proc and ptrace at exit, which
 * the sandbox takes away (the probe runs with detect_leaks=0). */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_SANITIZER 1
#endif
#endif
#ifndef TEST_SANITIZER
#define TEST_SANITIZER 0
#endif

static inline bool machine_userns(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static inline int machine_landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, 1u);

	return v < 0 ? 0 : (int)v;
}

static inline bool machine_seccomp(void)
{
	char buf[4096];
	FILE *f = fopen("/proc/self/status", "r");
	bool found = false;

	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f))
		if (strncmp(buf, "Seccomp:", 8) == 0)
			found = true;
	fclose(f);
	return found;
}

/* The layers the machine cannot provide, and why (for skip messages). */
static inline unsigned machine_missing(char *why, size_t len)
{
	unsigned m = 0;
	int abi = machine_landlock_abi();

	why[0] = '\0';
	if (!machine_userns()) {
		/* everything namespaced goes, and the Landlock paths with it */
		m |= SBX_BIT(SBX_LAYER_USERNS) | SBX_BIT(SBX_LAYER_CHANGE_ROOT) |
		     SBX_BIT(SBX_LAYER_NETNS) | SBX_BIT(SBX_LAYER_IPCNS) |
		     SBX_BIT(SBX_LAYER_SECURE_CLONE);
		snprintf(why, len, "user namespaces (unshare(CLONE_NEWUSER) fails)");
	}
	if (abi < 1) {
		m |= SBX_BIT(SBX_LAYER_LANDLOCK) | SBX_BIT(SBX_LAYER_LANDLOCK_NET);
		snprintf(why + strlen(why), len - strlen(why), "%slandlock (no ABI: kernel "
			 "lacks it or lsm= leaves it out)", why[0] ? ", " : "");
	} else if (abi < 4) {
		m |= SBX_BIT(SBX_LAYER_LANDLOCK_NET);
		snprintf(why + strlen(why), len - strlen(why), "%slandlock ABI %d < 4 (no TCP "
			 "rules)", why[0] ? ", " : "", abi);
	}
	if (!machine_seccomp()) {
		m |= SBX_BIT(SBX_LAYER_SECCOMP);
		snprintf(why + strlen(why), len - strlen(why), "%sseccomp (no Seccomp: line in "
			 "/proc/self/status)", why[0] ? ", " : "");
	}
	return m;
}

#endif /* PVF_TEST_SANDBOX_MACHINE_H */
