/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbx_probe: capability detection by doing. A forked child applies the
 * policy with nothing required, so every layer is tried and verified; the
 * verdicts land in a shared anonymous mapping that survives the child even
 * if a layer kills it.
 */
#include "sandbox_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534u

static const char *const probe_read[] = {"/artifact", NULL};
static const char *const probe_write[] = {"/output", NULL};

struct scratch {
	char dir[4096];
	char artifact[4200];
	char output[4200];
	bool made;
};

static int touch(const char *path, uint32_t owner, struct pvf_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return pvf_err_set(err, -errno, "create `%s`", path);
	if (owner != SBX_ID_KEEP && fchown(fd, owner, owner) < 0) {
		close(fd);
		return pvf_err_set(err, -errno, "chown `%s`", path);
	}
	close(fd);
	return 0;
}

static void scratch_remove(struct scratch *s)
{
	if (!s->made)
		return;
	unlink(s->artifact);
	unlink(s->output);
	rmdir(s->dir);
	s->made = false;
}

static int scratch_make(struct scratch *s, uint32_t owner, struct pvf_err *err)
{
	const char *tmp = getenv("TMPDIR");
	int ret;

	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	snprintf(s->dir, sizeof(s->dir), "%s/pvf-sbx-probe-XXXXXX", tmp);
	if (!mkdtemp(s->dir))
		return pvf_err_set(err, -errno, "mkdtemp `%s`", s->dir);
	s->made = true;
	snprintf(s->artifact, sizeof(s->artifact), "%s/artifact", s->dir);
	snprintf(s->output, sizeof(s->output), "%s/output", s->dir);
	if (chmod(s->dir, 0755) < 0) {
		ret = pvf_err_set(err, -errno, "chmod `%s`", s->dir);
		goto out_remove;
	}
	ret = touch(s->artifact, SBX_ID_KEEP, err);
	if (ret == 0)
		ret = touch(s->output, owner, err);
	if (ret == 0)
		return 0;
out_remove:
	scratch_remove(s);
	return ret;
}

/* The job the clone check starts: it must be PID 1 of a new namespace. */
static int probe_job(void *arg)
{
	(void)arg;
	return getpid() == 1 ? 0 : 1;
}

static void probe_clone(struct sbx_status *st, const char *userns_hint)
{
	struct sbx_layer_status *ls = &st->layer[SBX_LAYER_SECURE_CLONE];
	struct pvf_err e = {0};
	struct sbx_job job;
	int status, ret;

	ret = sbx_clone_job(SBX_CLONE_NAMESPACES, probe_job, NULL, &job, &e);
	if (ret < 0) {
		ls->state = SBX_MISSING;
		ls->err = ret;
		snprintf(ls->reason, sizeof(ls->reason), "%.90s: %.100s", e.msg, userns_hint);
		return;
	}
	if (job.pidfd >= 0)
		close(job.pidfd);
	while (waitpid(job.pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ls->state = SBX_WORKS;
		return;
	}
	ls->state = SBX_MISSING;
	ls->err = -EIO;
	if (WIFEXITED(status))
		snprintf(ls->reason, sizeof(ls->reason), "cloned job exited with %d (%s)",
			 WEXITSTATUS(status),
			 WEXITSTATUS(status) == 1 ? "not PID 1 of a new namespace" :
			 "could not drop capabilities or set no_new_privs");
	else
		snprintf(ls->reason, sizeof(ls->reason), "cloned job killed by signal %d",
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int sbx_probe_policy(const struct sbx_policy *pin, struct sbx_status *out, struct pvf_err *err)
{
	struct sbx_status *shared;
	struct sbx_policy p = *pin;
	struct sbx__facts facts;
	int status, l, canary;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED)
		return pvf_err_set(err, -errno, "mmap probe status");
	memset(shared, 0, sizeof(*shared));
	p.required = 0;
	p.layers &= SBX_APPLY_ALL | SBX_BIT(SBX_LAYER_SECURE_CLONE);

	pid = fork();
	if (pid < 0) {
		munmap(shared, sizeof(*shared));
		return pvf_err_set(err, -errno, "fork probe");
	}
	if (pid == 0) {
		/* Something for CLOSE_FDS and CLEAR_ENV to remove. */
		canary = open("/dev/null", O_RDONLY);
		(void)canary;
		setenv("PVF_SBX_PROBE_CANARY", "1", 1);
		/* Break first, so the hints see what the layers will see. */
		if (p.test_break && sbx__simulate_missing(p.test_break, NULL) < 0)
			_exit(3);
		p.test_break &= SBX_BIT(SBX_LAYER_CLEAR_ENV) | SBX_BIT(SBX_LAYER_LANDLOCK_NET);
		sbx__gather_facts(&facts);
		sbx_apply(&p, shared, NULL);
		if (p.layers & SBX_BIT(SBX_LAYER_SECURE_CLONE))
			probe_clone(shared, facts.userns_hint);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			munmap(shared, sizeof(*shared));
			return pvf_err_set(err, -errno, "waitpid probe");
		}
	}
	*out = *shared;
	munmap(shared, sizeof(*shared));
	out->as_root = geteuid() == 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	/* The child died: what it did not report is missing. */
	for (l = 0; l < SBX_LAYER_COUNT; l++) {
		if (!(p.layers & SBX_BIT(l)) || out->layer[l].state != SBX_NOT_TRIED)
			continue;
		out->layer[l].state = SBX_MISSING;
		out->layer[l].err = -EIO;
		if (WIFSIGNALED(status))
			snprintf(out->layer[l].reason, sizeof(out->layer[l].reason),
				 "probe killed by signal %d before this layer", WTERMSIG(status));
		else
			snprintf(out->layer[l].reason, sizeof(out->layer[l].reason),
				 "probe exited with %d before this layer", WEXITSTATUS(status));
	}
	return 0;
}

int sbx_probe(unsigned test_break, struct sbx_status *out, struct pvf_err *err)
{
	uint32_t owner = geteuid() == 0 ? NOBODY : SBX_ID_KEEP;
	struct scratch s = {0};
	struct sbx_policy p;
	int ret;

	ret = scratch_make(&s, owner, err);
	if (ret < 0)
		return ret;
	sbx_policy_init(&p);
	p.layers = SBX_APPLY_ALL | SBX_BIT(SBX_LAYER_SECURE_CLONE);
	p.run_as_uid = owner;
	p.run_as_gid = owner;
	p.root_dir = s.dir;
	p.root_flags = SBX_ROOT_NOEXEC;
	p.landlock_read = probe_read;
	p.landlock_write = probe_write;
	p.seccomp = SBX_SECCOMP_DENY_NETWORK;
	p.rlimits.nofile = 64;
	p.rlimits.nproc = 64;
	p.rlimits.as_bytes = SBX__SANITIZER ? 0 : 64ull << 30;
	p.rlimits.fsize = 1ull << 30;
	p.test_break = test_break;
	ret = sbx_probe_policy(&p, out, err);
	scratch_remove(&s);
	return ret;
}

bool sbx_layer_required(enum sbx_layer layer)
{
	return layer == SBX_LAYER_SECCOMP || layer == SBX_LAYER_NO_NEW_PRIVS;
}

bool sbx_status_secure(const struct sbx_status *st, char *why, size_t len)
{
	bool ll = st->layer[SBX_LAYER_LANDLOCK].state == SBX_WORKS;
	bool cr = st->layer[SBX_LAYER_CHANGE_ROOT].state == SBX_WORKS;
	int l;

	for (l = 0; l < SBX_LAYER_COUNT; l++) {
		if (sbx_layer_required((enum sbx_layer)l) && st->layer[l].state != SBX_WORKS) {
			snprintf(why, len, "%s is required and missing", sbx_layer_name(l));
			return false;
		}
	}
	if (!ll && !cr) {
		snprintf(why, len, "landlock and change-root are both missing (one is required)");
		return false;
	}
	if (len)
		why[0] = '\0';
	return true;
}
