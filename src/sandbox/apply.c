/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbx_apply: the fixed-order layer sequence documented in sandbox.h and
 * docs/security.md. Each step applies one layer, then checks from inside that
 * it took effect; the verdict goes into the caller's report.
 */
#include "sandbox_int.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static const char *const layer_names[SBX_LAYER_COUNT] = {
	[SBX_LAYER_USERNS] = "user-namespace",
	[SBX_LAYER_CHANGE_ROOT] = "change-root",
	[SBX_LAYER_NETNS] = "net-namespace",
	[SBX_LAYER_IPCNS] = "ipc-namespace",
	[SBX_LAYER_NO_NEW_PRIVS] = "no-new-privs",
	[SBX_LAYER_RLIMITS] = "rlimits",
	[SBX_LAYER_CLOSE_FDS] = "close-fds",
	[SBX_LAYER_CLEAR_ENV] = "clear-env",
	[SBX_LAYER_LANDLOCK] = "landlock",
	[SBX_LAYER_LANDLOCK_NET] = "landlock-net",
	[SBX_LAYER_SECCOMP] = "seccomp",
	[SBX_LAYER_SECURE_CLONE] = "secure-clone",
};

const char *sbx_layer_name(enum sbx_layer layer)
{
	if ((unsigned)layer >= SBX_LAYER_COUNT)
		return "?";
	return layer_names[layer];
}

void sbx_policy_init(struct sbx_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->run_as_uid = SBX_ID_KEEP;
	p->run_as_gid = SBX_ID_KEEP;
	p->inner_uid = 1000;
	p->inner_gid = 1000;
}

int sbx__read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

static long read_sysctl_long(const char *path)
{
	char buf[32];

	if (sbx__read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* The seccomp state and thread count of this process from /proc/self/status. */
static void read_status(char *out, size_t len, int *threads)
{
	char buf[4096];
	const char *s;

	out[0] = '\0';
	*threads = 0;
	if (sbx__read_small("/proc/self/status", buf, sizeof(buf)) <= 0)
		return;
	s = strstr(buf, "\nThreads:");
	if (s)
		*threads = (int)strtol(s + 9, NULL, 10);
	s = strstr(buf, "\nSeccomp_filters:");
	if (s && strtol(s + 17, NULL, 10) > 0)
		snprintf(out, len, "a seccomp filter is already active on this process "
			 "(Seccomp_filters: %ld)", strtol(s + 17, NULL, 10));
}

void sbx__gather_facts(struct sbx__facts *f)
{
	char lsm[256];
	struct rlimit rl;
	long v;

	memset(f, 0, sizeof(*f));
	read_status(f->seccomp_hint, sizeof(f->seccomp_hint), &f->threads);

	if ((v = read_sysctl_long("/proc/sys/kernel/unprivileged_userns_clone")) == 0)
		snprintf(f->userns_hint, sizeof(f->userns_hint),
			 "user namespaces disabled by kernel.unprivileged_userns_clone=0");
	else if ((v = read_sysctl_long("/proc/sys/user/max_user_namespaces")) == 0)
		snprintf(f->userns_hint, sizeof(f->userns_hint),
			 "user namespaces disabled by user.max_user_namespaces=0");
	else if (read_sysctl_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		snprintf(f->userns_hint, sizeof(f->userns_hint),
			 "AppArmor restricts user namespaces "
			 "(kernel.apparmor_restrict_unprivileged_userns=1)");
	else if (access("/proc/self/ns/user", F_OK) != 0)
		snprintf(f->userns_hint, sizeof(f->userns_hint),
			 "kernel built without CONFIG_USER_NS");
	else if (f->seccomp_hint[0])
		snprintf(f->userns_hint, sizeof(f->userns_hint), "no sysctl forbids it; %.79s",
			 f->seccomp_hint);
	else
		snprintf(f->userns_hint, sizeof(f->userns_hint),
			 "no sysctl forbids it (a container runtime may block it)");

	f->landlock_abi = sbx__landlock_abi();
	if (f->landlock_abi == -EOPNOTSUPP) {
		if (sbx__read_small("/sys/kernel/security/lsm", lsm, sizeof(lsm)) <= 0)
			snprintf(lsm, sizeof(lsm), "unknown: securityfs not mounted");
		snprintf(f->landlock_hint, sizeof(f->landlock_hint),
			 "landlock not enabled in this kernel (lsm=%.80s); add landlock to the "
			 "lsm= boot parameter", lsm);
	} else if (f->landlock_abi == -ENOSYS) {
		snprintf(f->landlock_hint, sizeof(f->landlock_hint),
			 "landlock not supported by this kernel (needs Linux >= 5.13 with "
			 "CONFIG_SECURITY_LANDLOCK)%s%.79s", f->seccomp_hint[0] ? "; " : "",
			 f->seccomp_hint);
	} else if (f->landlock_abi < 0) {
		snprintf(f->landlock_hint, sizeof(f->landlock_hint), "landlock version query: %s",
			 strerror(-f->landlock_abi));
	}

	f->max_fd = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		f->max_fd = rl.rlim_cur > (1u << 20) ? (1 << 20) : (int)rl.rlim_cur;
}

/* ---- report helpers -------------------------------------------------------- */

static void mark_ok(struct sbx_status *st, enum sbx_layer l)
{
	st->layer[l].state = SBX_WORKS;
	st->layer[l].err = 0;
	st->layer[l].reason[0] = '\0';
}

static int mark_missing(struct sbx_status *st, enum sbx_layer l, int code, const char *fmt, ...)
	BASE_PRINTF(4, 5);
static int mark_missing(struct sbx_status *st, enum sbx_layer l, int code, const char *fmt, ...)
{
	va_list ap;

	st->layer[l].state = SBX_MISSING;
	st->layer[l].err = code < 0 ? code : -EPERM;
	va_start(ap, fmt);
	vsnprintf(st->layer[l].reason, sizeof(st->layer[l].reason), fmt, ap);
	va_end(ap);
	return st->layer[l].err;
}

/* Records a step's pvf_err as the layer's verdict. */
static int mark_from(struct sbx_status *st, enum sbx_layer l, int ret, const struct pvf_err *e,
		     const char *hint)
{
	if (ret == 0) {
		mark_ok(st, l);
		return 0;
	}
	if (hint && hint[0])
		return mark_missing(st, l, ret, "%s: %s", e->msg, hint);
	return mark_missing(st, l, ret, "%s", e->msg);
}

/* ---- identity and user namespace --------------------------------------------- */

static int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/* Started as root with a run_as identity: become it for good. */
static int drop_identity(const struct sbx_policy *p, struct pvf_err *err)
{
	if (p->run_as_uid == SBX_ID_KEEP || geteuid() != 0)
		return 0;
	if (setgroups(0, NULL) < 0)
		return pvf_err_set(err, -errno, "setgroups([])");
	if (setresgid(p->run_as_gid, p->run_as_gid, p->run_as_gid) < 0)
		return pvf_err_set(err, -errno, "setresgid(%u)", p->run_as_gid);
	if (setresuid(p->run_as_uid, p->run_as_uid, p->run_as_uid) < 0)
		return pvf_err_set(err, -errno, "setresuid(%u)", p->run_as_uid);
	if (geteuid() == 0 || getuid() == 0)
		return pvf_err_set(err, -EPERM, "still root after setresuid(%u)", p->run_as_uid);
	/* Changing the euid made the process non-dumpable, which makes
	 * /proc/self/uid_map root-owned; the maps must still be written. The
	 * NO_NEW_PRIVS step makes the process non-dumpable again. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return pvf_err_set(err, -errno, "prctl(PR_SET_DUMPABLE, 1)");
	return 0;
}

static int step_userns(const struct sbx_policy *p, struct pvf_err *err)
{
	uid_t outer_uid = geteuid();
	gid_t outer_gid = getegid();
	char map[64];
	int ret;

	if (unshare(CLONE_NEWUSER) < 0)
		return pvf_err_set(err, -errno, "unshare(CLONE_NEWUSER)");
	ret = write_file("/proc/self/setgroups", "deny");
	if (ret < 0 && ret != -ENOENT)
		return pvf_err_set(err, ret, "write /proc/self/setgroups");
	snprintf(map, sizeof(map), "%u %u 1\n", p->inner_uid, (unsigned)outer_uid);
	ret = write_file("/proc/self/uid_map", map);
	if (ret < 0)
		return pvf_err_set(err, ret, "write /proc/self/uid_map `%u %u 1`", p->inner_uid,
				   (unsigned)outer_uid);
	snprintf(map, sizeof(map), "%u %u 1\n", p->inner_gid, (unsigned)outer_gid);
	ret = write_file("/proc/self/gid_map", map);
	if (ret < 0)
		return pvf_err_set(err, ret, "write /proc/self/gid_map `%u %u 1`", p->inner_gid,
				   (unsigned)outer_gid);
	if (getuid() != p->inner_uid || getgid() != p->inner_gid)
		return pvf_err_set(err, -EPERM, "uid/gid inside the namespace are %u/%u, not %u/%u",
				   (unsigned)getuid(), (unsigned)getgid(), p->inner_uid,
				   p->inner_gid);
	return 0;
}

/* ---- change root ---------------------------------------------------------------- */

/* Mount flags of a mount that a user namespace may not clear (they are
 * locked when the mount came from a more privileged namespace). */
static unsigned long locked_mount_flags(const char *path)
{
	static const struct { unsigned long st, ms; } map[] = {
		{ST_RDONLY, MS_RDONLY},   {ST_NOSUID, MS_NOSUID},
		{ST_NODEV, MS_NODEV},     {ST_NOEXEC, MS_NOEXEC},
		{ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME},
		{ST_RELATIME, MS_RELATIME},
	};
	struct statvfs sv;
	unsigned long flags = 0;
	size_t i;

	if (statvfs(path, &sv) < 0)
		return 0;
	for (i = 0; i < BASE_ARRAY_SIZE(map); i++)
		if (sv.f_flag & map[i].st)
			flags |= map[i].ms;
	return flags;
}

static int step_change_root(const struct sbx_policy *p, bool have_userns, struct pvf_err *err)
{
	const char *dir = p->root_dir;
	unsigned long flags;
	struct stat before, after;
	char cwd[8];

	if (!dir || dir[0] != '/')
		return pvf_err_set(err, -EINVAL, "change-root needs an absolute root_dir");
	if (stat(dir, &before) < 0)
		return pvf_err_set(err, -errno, "stat worker dir `%s`", dir);
	if (unshare(CLONE_NEWNS) < 0)
		return pvf_err_set(err, -errno, "unshare(CLONE_NEWNS)%s",
				   have_userns ? "" : " without a user namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return pvf_err_set(err, -errno, "mount MS_PRIVATE");
	if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		return pvf_err_set(err, -errno, "mount MS_BIND `%s`", dir);
	/* A bind mount ignores every flag but MS_REC: the restrictions need a
	 * remount, which must repeat the locked flags it inherited. */
	flags = locked_mount_flags(dir) | MS_NOSUID | MS_NODEV;
	if (p->root_flags & SBX_ROOT_READONLY)
		flags |= MS_RDONLY;
	if (p->root_flags & SBX_ROOT_NOEXEC)
		flags |= MS_NOEXEC;
	if (mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
		return pvf_err_set(err, -errno, "remount worker dir `%s`", dir);
	if (chdir(dir) < 0)
		return pvf_err_set(err, -errno, "chdir to worker dir `%s`", dir);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return pvf_err_set(err, -errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return pvf_err_set(err, -errno, "umount the old root mount point");
	if (chdir("/") < 0)
		return pvf_err_set(err, -errno, "chdir /");
	/* Checks: / is the worker dir and .. does not lead out of it. */
	if (stat("/", &after) < 0)
		return pvf_err_set(err, -errno, "stat / after pivot_root");
	if (after.st_ino != before.st_ino || after.st_dev != before.st_dev)
		return pvf_err_set(err, -EIO, "/ is not the worker dir after pivot_root");
	if (chdir("..") < 0 || !getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/") != 0)
		return pvf_err_set(err, -EIO, "`..` leads out of the new root");
	return 0;
}

/* ---- privileges --------------------------------------------------------------- */

int sbx__drop_caps(struct pvf_err *err)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int cap, i;

	/* The bounding set needs CAP_SETPCAP; without it the process has no
	 * capability to keep through execve anyway (no_new_privs is set next). */
	for (cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EPERM)
			return pvf_err_set(err, -errno, "prctl(PR_CAPBSET_DROP, %d)", cap);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return pvf_err_set(err, -errno, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return pvf_err_set(err, -errno, "capset(0)");
	if (syscall(SYS_capget, &hdr, data) < 0)
		return pvf_err_set(err, -errno, "capget");
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return pvf_err_set(err, -EPERM, "capabilities still set after capset(0)");
	return 0;
}

static int step_privs(struct pvf_err *err)
{
	int ret;

	ret = sbx__drop_caps(err);
	if (ret < 0)
		return ret;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return pvf_err_set(err, -errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return pvf_err_set(err, -EPERM, "no_new_privs not set after prctl");
	/* Not dumpable: no ptrace or /proc access by other processes of the
	 * same user, no core file. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return pvf_err_set(err, -errno, "prctl(PR_SET_DUMPABLE, 0)");
	return 0;
}

/* ---- rlimits -------------------------------------------------------------------- */

static int set_limit(int resource, const char *name, uint64_t value, struct pvf_err *err)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) < 0)
		return pvf_err_set(err, -errno, "getrlimit(%s)", name);
	/* Lowering only: the hard limit cannot be raised without privileges. */
	if (rl.rlim_max != RLIM_INFINITY && value > rl.rlim_max)
		value = rl.rlim_max;
	rl.rlim_cur = value;
	rl.rlim_max = value;
	if (setrlimit(resource, &rl) < 0)
		return pvf_err_set(err, -errno, "setrlimit(%s, %llu)", name,
				   (unsigned long long)value);
	if (getrlimit(resource, &rl) < 0 || rl.rlim_cur != value || rl.rlim_max != value)
		return pvf_err_set(err, -EIO, "%s is not %llu after setrlimit", name,
				   (unsigned long long)value);
	return 0;
}

static int step_rlimits(const struct sbx_policy *p, struct pvf_err *err)
{
	const struct sbx_rlimits *r = &p->rlimits;
	int ret;

	ret = set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, err);
	if (ret == 0 && r->nofile)
		ret = set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", r->nofile, err);
	if (ret == 0 && r->nproc)
		ret = set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", r->nproc, err);
	if (ret == 0 && r->as_bytes)
		ret = set_limit(RLIMIT_AS, "RLIMIT_AS", r->as_bytes, err);
	if (ret == 0 && r->fsize)
		ret = set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", r->fsize, err);
	return ret;
}

/* ---- fds and environment ---------------------------------------------------------- */

static bool fd_kept(const struct sbx_policy *p, int fd)
{
	size_t i;

	for (i = 0; i < p->n_keep_fds; i++)
		if (p->keep_fds[i] == fd)
			return true;
	return false;
}

static int step_close_fds(const struct sbx_policy *p, int max_fd, struct pvf_err *err)
{
	unsigned lo = 0, next;
	bool have_close_range = true;
	int fd;

	/* Close each gap between kept fds; close_range (Linux 5.9) does a gap
	 * in one call, the fallback walks it. */
	for (;;) {
		next = ~0u;
		for (size_t i = 0; i < p->n_keep_fds; i++)
			if (p->keep_fds[i] >= 0 && (unsigned)p->keep_fds[i] >= lo &&
			    (unsigned)p->keep_fds[i] < next)
				next = (unsigned)p->keep_fds[i];
		if (next > lo) {
			if (have_close_range &&
			    syscall(SYS_close_range, lo, next - 1, 0) < 0) {
				if (errno != ENOSYS && errno != EINVAL)
					return pvf_err_set(err, -errno, "close_range(%u, %u)",
							   lo, next - 1);
				have_close_range = false;
			}
			if (!have_close_range)
				for (fd = (int)lo; fd <= max_fd && (unsigned)fd < next; fd++)
					close(fd);
		}
		if (next == ~0u)
			break;
		lo = next + 1;
	}
	for (fd = 0; fd <= max_fd; fd++)
		if (!fd_kept(p, fd) && fcntl(fd, F_GETFD) >= 0)
			return pvf_err_set(err, -EBADF, "fd %d still open after closing", fd);
	return 0;
}

static int step_clear_env(const struct sbx_policy *p, bool skip, struct pvf_err *err)
{
	char *saved[16] = {0};
	size_t n = 0, i, kept = 0;
	const char *v;
	int ret = 0;

	for (i = 0; p->keep_env && p->keep_env[i]; i++) {
		if (n == BASE_ARRAY_SIZE(saved)) {
			ret = pvf_err_set(err, -E2BIG, "more than %zu kept environment variables",
					  BASE_ARRAY_SIZE(saved));
			goto out_free;
		}
		v = getenv(p->keep_env[i]);
		saved[n] = v ? strdup(v) : NULL;
		if (v && !saved[n]) {
			ret = pvf_err_set(err, -ENOMEM, "save environment");
			goto out_free;
		}
		n++;
	}
	if (!skip && clearenv() != 0) {
		ret = pvf_err_set(err, -ENOMEM, "clearenv");
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		if (!saved[i])
			continue;
		if (setenv(p->keep_env[i], saved[i], 1) < 0) {
			ret = pvf_err_set(err, -errno, "setenv `%s`", p->keep_env[i]);
			goto out_free;
		}
		kept++;
	}
	for (i = 0; environ && environ[i]; i++)
		;
	if (i != kept)
		ret = pvf_err_set(err, -EPERM, "%zu environment variables remain, %zu kept", i,
				  kept);
out_free:
	for (i = 0; i < n; i++)
		free(saved[i]);
	return ret;
}

/* ---- the sequence ------------------------------------------------------------------- */

static bool wants(const struct sbx_policy *p, enum sbx_layer l)
{
	return (p->layers & SBX_BIT(l)) != 0;
}

static bool works(const struct sbx_status *st, enum sbx_layer l)
{
	return st->layer[l].state == SBX_WORKS;
}

int sbx_apply(const struct sbx_policy *p, struct sbx_status *report, struct pvf_err *err)
{
	struct sbx_status local;
	struct sbx_status *st = report ? report : &local;
	struct sbx__facts facts;
	struct pvf_err e = {0};
	bool net_ok = false;
	int abi, ret = 0, l;

	memset(st, 0, sizeof(*st));
	st->as_root = geteuid() == 0;
	/* CLEAR_ENV and LANDLOCK_NET breaks need no filter (see sandbox.h). */
	if (p->test_break & ~(SBX_BIT(SBX_LAYER_CLEAR_ENV) | SBX_BIT(SBX_LAYER_LANDLOCK_NET))) {
		ret = sbx__simulate_missing(p->test_break & ~(SBX_BIT(SBX_LAYER_CLEAR_ENV) |
							       SBX_BIT(SBX_LAYER_LANDLOCK_NET)),
					    &e);
		if (ret < 0)
			return pvf_err_set(err, ret, "test break filter: %s", e.msg);
	}
	sbx__gather_facts(&facts);
	st->landlock_abi = facts.landlock_abi > 0 ? facts.landlock_abi : 0;
	/* unshare(CLONE_NEWUSER) and a process-wide seccomp filter both need
	 * a single thread; say so instead of failing half-way. */
	if (facts.threads > 1)
		return pvf_err_set(err, -EINVAL, "sbx_apply needs a single-threaded process (%d "
				   "threads)", facts.threads);

	ret = drop_identity(p, &e);
	if (ret < 0)
		return pvf_err_set(err, ret, "%s", e.msg);

	for (l = 0; l < SBX_LAYER_SECURE_CLONE; l++) {
		if (!wants(p, (enum sbx_layer)l))
			continue;
		e.msg[0] = '\0';
		switch ((enum sbx_layer)l) {
		case SBX_LAYER_USERNS:
			ret = mark_from(st, l, step_userns(p, &e), &e, facts.userns_hint);
			break;
		case SBX_LAYER_CHANGE_ROOT:
			ret = mark_from(st, l, step_change_root(p, works(st, SBX_LAYER_USERNS), &e),
					&e, NULL);
			break;
		case SBX_LAYER_NETNS:
			ret = unshare(CLONE_NEWNET) < 0 ? -errno : 0;
			if (ret < 0)
				mark_missing(st, l, ret, "unshare(CLONE_NEWNET): %s%s", strerror(-ret),
					     works(st, SBX_LAYER_USERNS) ? "" :
					     " (needs the user namespace)");
			else
				mark_ok(st, l);
			break;
		case SBX_LAYER_IPCNS:
			ret = unshare(CLONE_NEWIPC) < 0 ? -errno : 0;
			if (ret < 0)
				mark_missing(st, l, ret, "unshare(CLONE_NEWIPC): %s%s", strerror(-ret),
					     works(st, SBX_LAYER_USERNS) ? "" :
					     " (needs the user namespace)");
			else
				mark_ok(st, l);
			break;
		case SBX_LAYER_NO_NEW_PRIVS:
			ret = mark_from(st, l, step_privs(&e), &e, NULL);
			break;
		case SBX_LAYER_RLIMITS:
			ret = mark_from(st, l, step_rlimits(p, &e), &e, NULL);
			break;
		case SBX_LAYER_CLOSE_FDS:
			ret = mark_from(st, l, step_close_fds(p, facts.max_fd, &e), &e, NULL);
			break;
		case SBX_LAYER_CLEAR_ENV:
			ret = mark_from(st, l,
					step_clear_env(p, p->test_break & SBX_BIT(l), &e), &e,
					NULL);
			break;
		case SBX_LAYER_LANDLOCK:
			abi = facts.landlock_abi;
			if (abi > 0 && p->landlock_max_abi > 0 && abi > p->landlock_max_abi)
				abi = p->landlock_max_abi;
			if (abi > 3 && (p->test_break & SBX_BIT(SBX_LAYER_LANDLOCK_NET)))
				abi = 3;
			if (abi < 0) {
				ret = mark_missing(st, l, abi, "%s", facts.landlock_hint);
				break;
			}
			ret = mark_from(st, l, sbx__landlock_apply(p, abi, &net_ok, &e), &e,
					works(st, SBX_LAYER_NO_NEW_PRIVS) ? NULL :
					"needs no_new_privs or CAP_SYS_ADMIN");
			break;
		case SBX_LAYER_LANDLOCK_NET:
			/* Applied with the LANDLOCK ruleset; reported on its own. */
			if (net_ok) {
				mark_ok(st, l);
				ret = 0;
			} else if (!wants(p, SBX_LAYER_LANDLOCK) || !works(st, SBX_LAYER_LANDLOCK)) {
				ret = mark_missing(st, l, -ENOTSUP, "needs the landlock layer");
			} else {
				ret = mark_missing(st, l, -ENOTSUP,
						   "landlock ABI %d < 4: no TCP bind/connect "
						   "rules (needs Linux >= 6.7)",
						   facts.landlock_abi > 3 &&
						   (p->test_break & SBX_BIT(l)) ? 3 :
						   facts.landlock_abi);
			}
			break;
		case SBX_LAYER_SECCOMP:
			ret = mark_from(st, l, sbx__seccomp_apply(p, &e), &e,
					facts.seccomp_hint[0] ? facts.seccomp_hint : NULL);
			break;
		case SBX_LAYER_SECURE_CLONE:
		case SBX_LAYER_COUNT:
		default:
			ret = 0;
			break;
		}
		if (ret < 0 && (p->required & SBX_BIT(l))) {
			if (err) {
				err->err = ret;
				snprintf(err->msg, sizeof(err->msg), "%s: %.170s", sbx_layer_name(l),
					 st->layer[l].reason);
			}
			return ret;
		}
	}
	return 0;
}
