/* SPDX-License-Identifier: Apache-2.0 */
/* cache: start-up clearing, naming, publish/verify/link, worker dirs,
 * pruning. Runs in a fresh temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "cache/cache.h"
#include "tap.h"

static char root[64];

/* root/a/b (b may be NULL); rotating static buffers. */
static char *PP(const char *a, const char *b)
{
	static char bufs[8][512];
	static int i;
	char *out = bufs[i++ % 8];

	snprintf(out, 512, "%s/%s%s%s", root, a, b ? "/" : "", b ? b : "");
	return out;
}

static char *P(const char *rel)
{
	return PP(rel, NULL);
}

static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(content, f) < 0 || fclose(f))
		abort();
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void hexs(const uint8_t *p, size_t n, char *out)
{
	base_hex_encode(p, n, out);
}

static void test_startup_clearing(void)
{
	struct cache c = CACHE_INIT;
	struct pvf_err err = {0};
	char *dir = strdup(P("cache"));

	if (mkdir(dir, 0755))
		abort();
	/* removed (pvf-host.md §3.8) */
	write_file(P("cache/abcd.pvf"), "x");
	write_file(P("cache/wasmtime_foo"), "x");
	write_file(P("cache/a.b.pvf"), "x");
	mkdir(P("cache/worker-dir-prepare-test"), 0755);
	mkdir(P("cache/worker-dir-prepare-test/sub"), 0755);
	write_file(P("cache/worker-dir-prepare-test/sub/f"), "x");
	write_file(P("cache/worker-dir-prepare-test/tmp-artifact"), "x");
	/* kept */
	write_file(P("cache/abcd.pvfartifact"), "x");
	write_file(P("cache/polkadot_x"), "x");
	write_file(P("cache/.pvf"), "x");             /* no extension in Rust's sense */
	mkdir(P("cache/worker-prepare-test"), 0755);
	mkdir(P("cache/dir.pvf"), 0755);               /* a directory, not a file */
	write_file(P("outside"), "keep me");
	/* a symlink inside a worker dir is removed, its target is not */
	if (symlink(P("outside"), P("cache/worker-dir-prepare-test/ln")))
		abort();
	/* a symlink named like an artifact: the link goes, the target stays */
	if (symlink(P("outside"), P("cache/link.pvf")))
		abort();

	ok_eq(cache_open(&c, dir, &err), 0, "open existing cache dir (%s)", err.msg);
	ok(!exists(P("cache/abcd.pvf")), "abcd.pvf removed");
	ok(!exists(P("cache/wasmtime_foo")), "wasmtime_foo removed");
	ok(!exists(P("cache/a.b.pvf")), "a.b.pvf removed");
	ok(!exists(P("cache/worker-dir-prepare-test")), "worker-dir-prepare-test removed");
	ok(!exists(P("cache/link.pvf")), "symlink link.pvf removed");
	ok(exists(P("outside")), "symlink targets are never followed");
	ok(exists(P("cache/abcd.pvfartifact")), "abcd.pvfartifact kept");
	ok(exists(P("cache/polkadot_x")), "polkadot_x kept");
	ok(exists(P("cache/.pvf")), ".pvf kept");
	ok(exists(P("cache/worker-prepare-test")), "worker-prepare-test kept");
	ok(exists(P("cache/dir.pvf")), "directory dir.pvf kept");
	cache_close(&c);

	/* a missing cache dir (and its parents) is created */
	ok_eq(cache_open(&c, P("new/deeper/cache"), &err), 0, "open creates parents");
	ok(exists(P("new/deeper/cache")), "new cache dir exists");
	cache_close(&c);
	/* a file in the way is an error, not a crash */
	write_file(P("afile"), "x");
	ok(cache_open(&c, P("afile/cache"), &err) < 0, "cache dir under a file fails: %s",
	   err.msg);
	free(dir);
}

static void test_names_and_checksums(void)
{
	char a[CACHE_NAME_LEN + 1], b[CACHE_NAME_LEN + 1], hex[33];
	uint8_t sum[CACHE_CHECKSUM_LEN];
	uint64_t size = 0;
	size_t i, bad = 0;
	struct pvf_err err = {0};

	ok_eq(cache_artifact_name(a, sizeof(a)), 0, "name");
	ok_eq(cache_artifact_name(b, sizeof(b)), 0, "second name");
	ok_eq(strlen(a), 2 + 128 + 4, "name is 0x + 128 hex + .pvf");
	ok(a[0] == '0' && a[1] == 'x' && strcmp(a + 130, ".pvf") == 0, "prefix and extension");
	for (i = 2; i < 130; i++)
		bad += !((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
	ok_eq(bad, 0, "lowercase hex digits");
	ok(strcmp(a, b) != 0, "names differ");
	ok_eq(cache_artifact_name(a, CACHE_NAME_LEN), -ENOSPC, "short output buffer refused");

	/* XXH3-128 vectors (canonical big-endian) */
	write_file(P("empty"), "");
	ok(cache_checksum_file(P("empty"), sum, &size, &err) == 0 && size == 0, "checksum empty");
	hexs(sum, 16, hex);
	ok(!strcmp(hex, "99aa06d3014798d86001c324468d497f"), "XXH3-128('') = %s", hex);
	write_file(P("abc"), "abc");
	ok(cache_checksum_file(P("abc"), sum, &size, &err) == 0 && size == 3, "checksum abc");
	hexs(sum, 16, hex);
	ok(!strcmp(hex, "06b05ab6733a618578af5f94892f3950"), "XXH3-128('abc') = %s", hex);
	ok_eq(cache_checksum_file(P("nope"), sum, &size, &err), -ENOENT, "missing file");
}

static void test_publish(void)
{
	struct cache c = CACHE_INIT;
	struct cache_artifact art = {0}, art2 = {0};
	struct pvf_err err = {0};
	char *wd = NULL, *tmp;
	uint8_t want[CACHE_CHECKSUM_LEN], wrong[CACHE_CHECKSUM_LEN];
	struct stat st1, st2;
	const char *name;

	if (cache_open(&c, P("pub"), &err))
		abort();
	ok_eq(cache_worker_dir_new(&c, "prepare", &wd, &err), 0, "worker dir (%s)", err.msg);
	ok(wd && strncmp(wd, P("pub/worker-dir-prepare-"), strlen(P("pub/worker-dir-prepare-"))) == 0,
	   "worker dir name `%s`", wd ? wd : "");
	ok(stat(wd, &st1) == 0 && S_ISDIR(st1.st_mode) && (st1.st_mode & 0777) == 0700,
	   "worker dir is private");

	ok_eq(cache_tmp_create(wd, &err), 0, "create tmp-artifact");
	tmp = strdup(PP("pub", strrchr(wd, '/') + 1));
	tmp = realloc(tmp, strlen(tmp) + 32);
	strcat(tmp, "/tmp-artifact");
	ok(stat(tmp, &st1) == 0 && st1.st_size == 0, "tmp-artifact exists and is empty");
	ok_eq(cache_publish(&c, wd, NULL, &art, &err), -ENODATA, "empty artifact refused");

	write_file(tmp, "compiled artifact bytes");
	ok_eq(cache_checksum_file(tmp, want, NULL, &err), 0, "checksum of the written file");
	memcpy(wrong, want, sizeof(wrong));
	wrong[0] ^= 1;
	ok_eq(cache_publish(&c, wd, wrong, &art, &err), -EBADMSG, "checksum mismatch refused: %s",
	      err.msg);
	ok(exists(tmp), "refused file stays in the worker dir");

	ok_eq(cache_publish(&c, wd, want, &art, &err), 0, "publish (%s)", err.msg);
	ok(!exists(tmp), "tmp-artifact moved away");
	ok(art.path && exists(art.path), "artifact at `%s`", art.path ? art.path : "");
	name = art.path ? strrchr(art.path, '/') + 1 : "";
	ok(strlen(name) == CACHE_NAME_LEN && strncmp(art.path, P("pub/0x"), strlen(P("pub/0x"))) == 0,
	   "artifact named 0x<hex>.pvf in the cache dir");
	ok(art.size == strlen("compiled artifact bytes") && memcmp(art.checksum, want, 16) == 0,
	   "size and checksum recorded");

	/* verify */
	ok_eq(cache_verify(art.path, art.checksum, &err), 0, "verify intact artifact");
	ok_eq(cache_verify(art.path, wrong, &err), -EBADMSG, "verify against another checksum");

	/* link for an execute worker (replacing a stale link) */
	ok_eq(cache_link_for_exec(art.path, wd, &err), 0, "link for exec (%s)", err.msg);
	ok_eq(cache_link_for_exec(art.path, wd, &err), 0, "link again replaces the old link");
	{
		char *ln = strdup(tmp);

		strcpy(strrchr(ln, '/') + 1, "artifact");
		ok(stat(ln, &st1) == 0 && stat(art.path, &st2) == 0 && st1.st_ino == st2.st_ino,
		   "link points at the artifact inode");
		free(ln);
	}

	/* corruption is detected */
	write_file(art.path, "compiled artifact bytez");
	ok_eq(cache_verify(art.path, art.checksum, &err), -EBADMSG, "corrupted artifact: %s", err.msg);

	/* a second publish gets a different name */
	cache_tmp_create(wd, &err);
	write_file(tmp, "other");
	ok_eq(cache_publish(&c, wd, NULL, &art2, &err), 0, "publish without expected checksum");
	ok(art2.path && strcmp(art.path, art2.path) != 0, "fresh name per publish");

	/* clearing and removing */
	write_file(tmp, "junk");
	{
		char *sub = strdup(PP("pub", strrchr(wd, '/') + 1));

		sub = realloc(sub, strlen(sub) + 8);
		strcat(sub, "/sub");
		mkdir(sub, 0700);
		free(sub);
	}
	ok_eq(cache_dir_clear(wd, &err), 0, "clear worker dir (%s)", err.msg);
	ok(exists(wd) && !exists(tmp), "worker dir kept, contents gone");
	ok_eq(cache_dir_remove(wd, &err), 0, "remove worker dir");
	ok(!exists(wd), "worker dir gone");
	ok_eq(cache_dir_remove(wd, &err), 0, "removing a missing dir is fine");
	ok_eq(cache_dir_clear(wd, &err), 0, "clearing a missing dir is fine");

	ok_eq(cache_remove(art.path, &err), 0, "remove artifact");
	ok(!exists(art.path), "artifact gone");
	ok_eq(cache_remove(art.path, &err), 0, "removing twice is fine");
	ok_eq(cache_verify(art.path, art.checksum, &err), -ENOENT, "verify missing artifact");

	/* a new cache on the same dir removes the remaining artifact */
	cache_close(&c);
	ok(exists(art2.path), "artifact survives close");
	cache_open(&c, P("pub"), &err);
	ok(!exists(art2.path), "artifact removed by the next start-up");
	cache_close(&c);
	cache_artifact_deinit(&art);
	cache_artifact_deinit(&art2);
	free(wd);
	free(tmp);
}

static void test_prune(void)
{
	const uint64_t S = 1000000000ull, now = 100 * S;
	struct cache_prune_entry e[3];
	int ids[3] = {1, 2, 3};
	size_t k;

	/* pvf-host.md §9.5 test_pruned_by_cache_size: limit 1500, three 1024-B
	 * artifacts last used 5, 10 and 15 s ago, min stale 0 -> #2 and #3 go */
	e[0] = (struct cache_prune_entry){1024, now - 5 * S, &ids[0]};
	e[1] = (struct cache_prune_entry){1024, now - 10 * S, &ids[1]};
	e[2] = (struct cache_prune_entry){1024, now - 15 * S, &ids[2]};
	k = cache_prune_select(e, 3, 1500, 0, now);
	ok_eq(k, 2, "two artifacts pruned");
	ok(*(int *)e[0].ud == 3 && *(int *)e[1].ud == 2, "oldest first: #3 then #2");

	/* ..._because_of_stale_time: min stale 12 s -> only #3 */
	e[0] = (struct cache_prune_entry){1024, now - 5 * S, &ids[0]};
	e[1] = (struct cache_prune_entry){1024, now - 10 * S, &ids[1]};
	e[2] = (struct cache_prune_entry){1024, now - 15 * S, &ids[2]};
	k = cache_prune_select(e, 3, 1500, 12 * S, now);
	ok(k == 1 && *(int *)e[0].ud == 3, "min stale 12 s: only #3 pruned");

	/* under the limit: nothing */
	k = cache_prune_select(e, 3, 3072, 0, now);
	ok_eq(k, 0, "total == limit prunes nothing");
	/* a last use in the future counts as just now */
	e[0] = (struct cache_prune_entry){4096, now + 5 * S, &ids[0]};
	ok_eq(cache_prune_select(e, 1, 0, 1, now), 0, "future last use is not stale");
	ok_eq(cache_prune_select(e, 1, 0, 0, now), 1, "min stale 0 prunes it");
	ok_eq(cache_prune_select(NULL, 0, 0, 0, now), 0, "empty table");
}

int main(void)
{
	char cmd[128];

	snprintf(root, sizeof(root), "/tmp/pvf-test-cache-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_startup_clearing();
	test_names_and_checksums();
	test_publish();
	test_prune();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		tap_diag("could not remove the test directory");
	return tap_done();
}
