/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Landlock (Linux >= 5.13). The constants and structures are spelled here
 * from the kernel's UAPI (include/uapi/linux/landlock.h) because the
 * installed headers may predate the ABI the running kernel offers.
 *
 * ABI  adds                                       kernel
 *  1   13 file-system rights                       5.13
 *  2   REFER (rename/link across directories)      5.19
 *  3   TRUNCATE                                    6.2
 *  4   TCP bind/connect (handled_access_net)       6.7
 *  5   IOCTL_DEV                                   6.10
 *  6   scoped: abstract unix sockets, signals      6.12
 *
 * Every right the ABI knows is handled (denied by default); the policy's read
 * paths get read rights and its write paths write rights. TCP bind/connect
 * are handled with no rule, so both fail with EACCES.
 */
#include "sandbox_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LL_CREATE_RULESET_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH 1

#define LL_FS_EXECUTE (1ull << 0)
#define LL_FS_WRITE_FILE (1ull << 1)
#define LL_FS_READ_FILE (1ull << 2)
#define LL_FS_READ_DIR (1ull << 3)
#define LL_FS_REMOVE_DIR (1ull << 4)
#define LL_FS_REMOVE_FILE (1ull << 5)
#define LL_FS_MAKE_CHAR (1ull << 6)
#define LL_FS_MAKE_DIR (1ull << 7)
#define LL_FS_MAKE_REG (1ull << 8)
#define LL_FS_MAKE_SOCK (1ull << 9)
#define LL_FS_MAKE_FIFO (1ull << 10)
#define LL_FS_MAKE_BLOCK (1ull << 11)
#define LL_FS_MAKE_SYM (1ull << 12)
#define LL_FS_REFER (1ull << 13)
#define LL_FS_TRUNCATE (1ull << 14)
#define LL_FS_IOCTL_DEV (1ull << 15)

#define LL_NET_BIND_TCP (1ull << 0)
#define LL_NET_CONNECT_TCP (1ull << 1)

#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ull << 0)
#define LL_SCOPE_SIGNAL (1ull << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;  /* ABI >= 4 */
	uint64_t scoped;              /* ABI >= 6 */
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

int sbx__landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);

	return v < 0 ? -errno : (int)v;
}

static uint64_t fs_rights(int abi)
{
	uint64_t r = (LL_FS_MAKE_SYM << 1) - 1;   /* ABI 1: bits 0..12 */

	if (abi >= 2)
		r |= LL_FS_REFER;
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return r;
}

static int add_path(int ruleset, const char *path, bool write, uint64_t handled,
		    struct pvf_err *err)
{
	struct ll_path_beneath_attr pb = {0};
	struct stat sb;
	int ret = 0;

	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0)
		return pvf_err_set(err, -errno, "landlock path `%s`", path);
	if (fstat(pb.parent_fd, &sb) < 0) {
		ret = pvf_err_set(err, -errno, "fstat landlock path `%s`", path);
		goto out_close;
	}
	if (write) {
		pb.allowed_access = LL_FS_WRITE_FILE | LL_FS_TRUNCATE;
		if (S_ISDIR(sb.st_mode))
			pb.allowed_access |= LL_FS_MAKE_REG | LL_FS_REMOVE_FILE;
	} else {
		pb.allowed_access = LL_FS_READ_FILE;
		if (S_ISDIR(sb.st_mode))
			pb.allowed_access |= LL_FS_READ_DIR;
	}
	pb.allowed_access &= handled;
	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0) < 0)
		ret = pvf_err_set(err, -errno, "landlock_add_rule `%s`", path);
out_close:
	close(pb.parent_fd);
	return ret;
}

static bool listed(const char *const *list, const char *path)
{
	for (; list && *list; list++)
		if (strcmp(*list, path) == 0)
			return true;
	return false;
}

/* TCP connect must now fail with EACCES. A socket that cannot be made at all
 * (an earlier seccomp filter) is no evidence either way. */
static int check_tcp_denied(struct pvf_err *err)
{
	struct sockaddr_in sa = {0};
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	sa.sin_family = AF_INET;
	sa.sin_port = htons(1);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		ret = pvf_err_set(err, -EIO, "tcp connect still possible under landlock");
	else if (errno != EACCES)
		ret = pvf_err_set(err, -errno, "tcp connect under landlock failed with a "
				  "different error");
	close(fd);
	return ret;
}

int sbx__landlock_apply(const struct sbx_policy *p, int abi, bool *net_ok, struct pvf_err *err)
{
	struct ll_ruleset_attr attr = {0};
	size_t attr_size;
	const char *const *path;
	int ruleset, fd, ret = 0;

	*net_ok = false;
	if (abi < 1)
		return pvf_err_set(err, -ENOSYS, "landlock ABI %d", abi);
	if (p->layers & SBX_BIT(SBX_LAYER_LANDLOCK))
		attr.handled_access_fs = fs_rights(abi);
	attr_size = sizeof(attr.handled_access_fs);
	if (abi >= 4 && (p->layers & SBX_BIT(SBX_LAYER_LANDLOCK_NET))) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (ruleset < 0)
		return pvf_err_set(err, -errno, "landlock_create_ruleset (ABI %d)", abi);
	for (path = p->landlock_read; path && *path; path++) {
		ret = add_path(ruleset, *path, false, attr.handled_access_fs, err);
		if (ret < 0)
			goto out_close;
	}
	for (path = p->landlock_write; path && *path; path++) {
		ret = add_path(ruleset, *path, true, attr.handled_access_fs, err);
		if (ret < 0)
			goto out_close;
	}
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
		ret = pvf_err_set(err, -errno, "landlock_restrict_self");
		goto out_close;
	}
	/* Check from inside: / cannot be listed unless a rule allows it. */
	if (attr.handled_access_fs && !listed(p->landlock_read, "/")) {
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			ret = pvf_err_set(err, -EIO, "`/` still readable under landlock");
			goto out_close;
		}
		if (errno != EACCES) {
			ret = pvf_err_set(err, -errno, "open `/` under landlock failed with a "
					  "different error");
			goto out_close;
		}
	}
	if (attr.handled_access_net) {
		ret = check_tcp_denied(err);
		if (ret < 0)
			goto out_close;
		*net_ok = true;
	}
out_close:
	close(ruleset);
	return ret;
}
