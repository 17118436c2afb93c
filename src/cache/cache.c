/* SPDX-License-Identifier: Apache-2.0 */
/* On-disk artifact cache (see cache.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/scale.h"
#include "cache.h"

#define CHECKSUM_CHUNK (256u * 1024)

/* ---- helpers ------------------------------------------------------------ */

/* mkdir -p: creates every missing component of path. */
static int mkdir_parents(const char *path)
{
	char *p = strdup(path), *s;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != 0)
			continue;
		char c = *s;

		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			ret = -errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

/* Recursively removes the entry name inside dir_fd, never following symlinks.
 * With keep_top, only the contents of the directory name are removed. */
static int rm_tree_at(int dir_fd, const char *name, bool keep_top)
{
	struct dirent *de;
	DIR *d;
	int fd, ret = 0;

	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if ((errno != ENOTDIR && errno != ELOOP) || keep_top)
			return -errno;
		/* a file or a symlink: remove the entry itself */
		if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	}
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((de = readdir(d))) {
		int r;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN)
			r = rm_tree_at(fd, de->d_name, false);
		else
			r = unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT ? -errno : 0;
		if (r && !ret)
			ret = r;
	}
	closedir(d);
	if (!keep_top && !ret && unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		ret = -errno;
	return ret;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Rust's Path::extension() == "pvf": the part after the last dot, where a
 * leading dot does not start an extension. */
static bool has_artifact_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && dot != name && strcmp(dot + 1, CACHE_ARTIFACT_EXT) == 0;
}

static void clear_leftovers(struct cache *c)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(c->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		bool target;
		struct stat st;
		int r;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (!scale_utf8_valid((const uint8_t *)n, strlen(n)))
			continue;
		if (fstatat(c->dir_fd, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			target = has_prefix(n, CACHE_WORKER_DIR_PREFIX);
		else
			target = has_artifact_ext(n) || has_prefix(n, CACHE_OLD_PREFIX);
		if (!target)
			continue;
		if (S_ISDIR(st.st_mode))
			r = rm_tree_at(c->dir_fd, n, false);
		else
			r = unlinkat(c->dir_fd, n, 0) < 0 ? -errno : 0;
		if (r)
			PVLOG_WARN("cache", "remove leftover `%s/%s`: %s", c->dir, n, strerror(-r));
		else
			PVLOG_DEBUG("cache", "removed leftover `%s/%s`", c->dir, n);
	}
	closedir(d);
}

static char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + 1 + b + 1);

	if (!p)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

/* ---- open / close ------------------------------------------------------- */

int cache_open(struct cache *c, const char *dir, struct pvf_err *err)
{
	int ret;

	c->dir = NULL;
	c->dir_fd = -1;
	ret = mkdir_parents(dir);
	if (ret)
		return pvf_err_set(err, ret, "create cache dir `%s`", dir);
	c->dir = strdup(dir);
	if (!c->dir)
		return pvf_err_set(err, -ENOMEM, "create cache dir `%s`", dir);
	c->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dir_fd < 0) {
		ret = pvf_err_set(err, -errno, "open cache dir `%s`", dir);
		goto out_free_dir;
	}
	clear_leftovers(c);
	return 0;

out_free_dir:
	free(c->dir);
	c->dir = NULL;
	return ret;
}

void cache_close(struct cache *c)
{
	if (c->dir_fd >= 0)
		close(c->dir_fd);
	c->dir_fd = -1;
	free(c->dir);
	c->dir = NULL;
}

/* ---- names and checksums ------------------------------------------------ */

int cache_artifact_name(char *out, size_t out_len)
{
	uint8_t rnd[CACHE_RANDOM_BYTES];
	size_t got = 0;

	if (out_len < CACHE_NAME_LEN + 1)
		return -ENOSPC;
	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	out[0] = '0';
	out[1] = 'x';
	base_hex_encode(rnd, sizeof(rnd), out + 2);
	memcpy(out + 2 + 2 * sizeof(rnd), "." CACHE_ARTIFACT_EXT, sizeof("." CACHE_ARTIFACT_EXT));
	return 0;
}

int cache_checksum_fd(int fd, uint8_t out[CACHE_CHECKSUM_LEN], uint64_t *size)
{
	XXH3_state_t *st = XXH3_createState();
	uint8_t *chunk = malloc(CHECKSUM_CHUNK);
	XXH128_canonical_t canon;
	uint64_t total = 0;
	int ret = 0;

	if (!st || !chunk) {
		ret = -ENOMEM;
		goto out_free;
	}
	XXH3_128bits_reset(st);
	for (;;) {
		ssize_t n = read(fd, chunk, CHECKSUM_CHUNK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out_free;
		}
		if (n == 0)
			break;
		XXH3_128bits_update(st, chunk, (size_t)n);
		total += (uint64_t)n;
	}
	XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(st));
	memcpy(out, canon.digest, CACHE_CHECKSUM_LEN);
	if (size)
		*size = total;
out_free:
	free(chunk);
	XXH3_freeState(st);
	return ret;
}

int cache_checksum_file(const char *path, uint8_t out[CACHE_CHECKSUM_LEN], uint64_t *size,
			struct pvf_err *err)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return pvf_err_set(err, -errno, "open `%s`", path);
	ret = cache_checksum_fd(fd, out, size);
	if (ret)
		pvf_err_set(err, ret, "read `%s`", path);
	close(fd);
	return ret;
}

/* ---- worker directories ------------------------------------------------- */

int cache_worker_dir_new(const struct cache *c, const char *flavor, char **path,
			 struct pvf_err *err)
{
	char *p = NULL;

	*path = NULL;
	if (asprintf(&p, "%s/%s-%s-XXXXXX", c->dir, CACHE_WORKER_DIR_PREFIX, flavor) < 0)
		return pvf_err_set(err, -ENOMEM, "worker dir name");
	if (!mkdtemp(p)) {
		int ret = pvf_err_set(err, -errno, "create worker dir in `%s`", c->dir);

		free(p);
		return ret;
	}
	*path = p;
	return 0;
}

int cache_dir_clear(const char *path, struct pvf_err *err)
{
	int ret = rm_tree_at(AT_FDCWD, path, true);

	if (ret)
		return pvf_err_set(err, ret, "clear worker dir `%s`", path);
	return 0;
}

int cache_dir_remove(const char *path, struct pvf_err *err)
{
	int ret = rm_tree_at(AT_FDCWD, path, false);

	if (ret)
		return pvf_err_set(err, ret, "remove dir `%s`", path);
	return 0;
}

/* ---- prepare side ------------------------------------------------------- */

int cache_tmp_create(const char *worker_dir, struct pvf_err *err)
{
	char *p = path_join(worker_dir, CACHE_TMP_ARTIFACT);
	int fd, ret = 0;

	if (!p)
		return pvf_err_set(err, -ENOMEM, "tmp artifact path");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		ret = pvf_err_set(err, -errno, "create `%s`", p);
	else
		close(fd);
	free(p);
	return ret;
}

int cache_publish(const struct cache *c, const char *worker_dir,
		  const uint8_t *expect, struct cache_artifact *out, struct pvf_err *err)
{
	char name[CACHE_NAME_LEN + 1];
	char *src = path_join(worker_dir, CACHE_TMP_ARTIFACT);
	int ret;

	memset(out, 0, sizeof(*out));
	if (!src)
		return pvf_err_set(err, -ENOMEM, "tmp artifact path");
	ret = cache_checksum_file(src, out->checksum, &out->size, err);
	if (ret)
		goto out_free_src;
	if (out->size == 0) {
		ret = pvf_err_set(err, -ENODATA, "`%s` is empty", src);
		goto out_free_src;
	}
	if (expect && memcmp(expect, out->checksum, CACHE_CHECKSUM_LEN) != 0) {
		ret = pvf_err_set(err, -EBADMSG, "`%s` does not match the worker's checksum", src);
		goto out_free_src;
	}
	ret = cache_artifact_name(name, sizeof(name));
	if (ret) {
		pvf_err_set(err, ret, "getrandom");
		goto out_free_src;
	}
	/* never replace an existing file (a 512-bit collision cannot happen,
	 * but a file must never silently change under a reader) */
	if (renameat2(AT_FDCWD, src, c->dir_fd, name, RENAME_NOREPLACE) < 0) {
		if (errno != EINVAL || renameat(AT_FDCWD, src, c->dir_fd, name) < 0) {
			ret = pvf_err_set(err, -errno, "rename `%s` to `%s/%s`", src, c->dir, name);
			goto out_free_src;
		}
	}
	out->path = path_join(c->dir, name);
	if (!out->path) {
		unlinkat(c->dir_fd, name, 0);
		ret = pvf_err_set(err, -ENOMEM, "artifact path");
	}
out_free_src:
	free(src);
	return ret;
}

void cache_artifact_deinit(struct cache_artifact *a)
{
	free(a->path);
	a->path = NULL;
}

/* ---- execute side ------------------------------------------------------- */

int cache_verify(const char *path, const uint8_t checksum[CACHE_CHECKSUM_LEN],
		 struct pvf_err *err)
{
	uint8_t got[CACHE_CHECKSUM_LEN];
	int ret;

	ret = cache_checksum_file(path, got, NULL, err);
	if (ret)
		return ret;
	if (memcmp(got, checksum, CACHE_CHECKSUM_LEN) != 0)
		return pvf_err_set(err, -EBADMSG, "artifact `%s` does not match its checksum", path);
	return 0;
}

int cache_link_for_exec(const char *path, const char *worker_dir, struct pvf_err *err)
{
	char *dst = path_join(worker_dir, CACHE_EXEC_ARTIFACT);
	int ret = 0;

	if (!dst)
		return pvf_err_set(err, -ENOMEM, "artifact link path");
	if (unlink(dst) < 0 && errno != ENOENT) {
		ret = pvf_err_set(err, -errno, "remove stale `%s`", dst);
		goto out_free;
	}
	if (link(path, dst) < 0)
		ret = pvf_err_set(err, -errno, "link `%s` to `%s`", path, dst);
out_free:
	free(dst);
	return ret;
}

int cache_remove(const char *path, struct pvf_err *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return pvf_err_set(err, -errno, "remove `%s`", path);
	return 0;
}

/* ---- pruning ------------------------------------------------------------ */

static int by_last_used(const void *a, const void *b)
{
	const struct cache_prune_entry *x = a, *y = b;

	return (x->last_used_ns > y->last_used_ns) - (x->last_used_ns < y->last_used_ns);
}

size_t cache_prune_select(struct cache_prune_entry *e, size_t n, uint64_t limit,
			  uint64_t min_stale_ns, uint64_t now_ns)
{
	uint64_t total = 0;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		total += e[i].size;
	if (n)
		qsort(e, n, sizeof(*e), by_last_used);
	while (total > limit && k < n) {
		uint64_t stale = now_ns > e[k].last_used_ns ? now_ns - e[k].last_used_ns : 0;

		if (stale < min_stale_ns)
			break;
		total -= e[k].size;
		k++;
	}
	return k;
}
