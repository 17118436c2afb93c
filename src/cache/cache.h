/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cache: the on-disk artifact cache of the validation host.
 *
 * Layout of the cache directory (pvf-host.md §2.2, §3.8, §3.9, §4.6):
 *
 *   <dir>/0x<128 lowercase hex>.pvf       prepared artifacts, random names
 *   <dir>/worker-dir-<flavor>-XXXXXX/     one private directory per worker
 *        tmp-artifact                     prepare: created empty by the host,
 *                                         written by the worker, renamed away
 *        artifact                         execute: hard link to the artifact
 *
 * Names are 64 random bytes from getrandom(2): unguessable, and a
 * re-prepared artifact never collides with a file still being removed.
 * Publishing is atomic: the worker writes into a file the host created in
 * the worker's directory (same filesystem as the cache), the host checks its
 * checksum and renames it to a fresh name with RENAME_NOREPLACE. Nothing is
 * persisted across restarts: cache_open() deletes every artifact and worker
 * directory left by a previous run, and touches nothing else.
 *
 * Checksums are XXH3-128 of the file contents (16 bytes, canonical
 * big-endian). They detect corruption (disk errors, a truncated write, an
 * operator's stray edit), not tampering: anyone who can write the cache can
 * also make the host re-prepare.
 *
 * This module does blocking file I/O on the caller's thread; artifacts are
 * at most tens of MiB, and XXH3 reads them at memory speed.
 */
#ifndef PVF_CACHE_H
#define PVF_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define CACHE_ARTIFACT_EXT "pvf"
#define CACHE_OLD_PREFIX "wasmtime_"      /* names of an older format, also removed */
#define CACHE_WORKER_DIR_PREFIX "worker-dir"
#define CACHE_TMP_ARTIFACT "tmp-artifact"  /* prepare worker's output file */
#define CACHE_EXEC_ARTIFACT "artifact"     /* execute worker's input link */
#define CACHE_RANDOM_BYTES 64
/* "0x" + 128 hex + ".pvf" */
#define CACHE_NAME_LEN (2 + 2 * CACHE_RANDOM_BYTES + 1 + sizeof(CACHE_ARTIFACT_EXT) - 1)
#define CACHE_CHECKSUM_LEN 16

struct cache {
	char *dir;     /* as given to cache_open, owned */
	int dir_fd;    /* O_DIRECTORY | O_CLOEXEC */
};
#define CACHE_INIT {NULL, -1}

/* A published artifact. path is malloc'd and owned by the struct. */
struct cache_artifact {
	char *path;
	uint64_t size;
	uint8_t checksum[CACHE_CHECKSUM_LEN];
};

/* Creates dir (and its parents) if needed, opens it, and removes what a
 * previous run left: directories whose name starts with "worker-dir"
 * (recursively, never following symlinks), and files whose extension is
 * ".pvf" or whose name starts with "wasmtime_". Other entries are left alone
 * (the directory may have been pointed at $HOME). Names that are not valid
 * UTF-8 are skipped. Failures to remove single entries are logged, not fatal.
 * Returns 0 or a negative errno (the directory cannot be created/opened). */
int cache_open(struct cache *c, const char *dir, struct pvf_err *err);
void cache_close(struct cache *c);

/* Writes a fresh random artifact file name (no directory) into out, which
 * must hold CACHE_NAME_LEN + 1 bytes. 0 or -errno from getrandom. */
int cache_artifact_name(char *out, size_t out_len);

/* XXH3-128 of a file's contents; *size gets its length. */
int cache_checksum_fd(int fd, uint8_t out[CACHE_CHECKSUM_LEN], uint64_t *size);
int cache_checksum_file(const char *path, uint8_t out[CACHE_CHECKSUM_LEN], uint64_t *size,
			struct pvf_err *err);

/* ---- worker directories ------------------------------------------------- */

/* Creates <dir>/worker-dir-<flavor>-XXXXXX (mode 0700); *path is malloc'd
 * (caller frees). */
int cache_worker_dir_new(const struct cache *c, const char *flavor, char **path,
			 struct pvf_err *err);
/* Removes everything inside path (not path itself); a missing path is fine. */
int cache_dir_clear(const char *path, struct pvf_err *err);
/* Removes path and everything inside; a missing path is fine. */
int cache_dir_remove(const char *path, struct pvf_err *err);

/* ---- prepare side ------------------------------------------------------- */

/* Creates (or truncates) the empty <worker_dir>/tmp-artifact. */
int cache_tmp_create(const char *worker_dir, struct pvf_err *err);

/* Publishes <worker_dir>/tmp-artifact: computes its checksum and, if expect
 * is non-NULL, compares (-EBADMSG on mismatch, the file is left in place);
 * then renames it to a fresh random name in the cache directory. An empty
 * file is refused with -ENODATA. On success out is filled (out->path owned by
 * the caller, release with cache_artifact_deinit). */
int cache_publish(const struct cache *c, const char *worker_dir,
		  const uint8_t *expect, struct cache_artifact *out, struct pvf_err *err);
void cache_artifact_deinit(struct cache_artifact *a);

/* ---- execute side ------------------------------------------------------- */

/* Checks that path exists and has the given checksum: 0, -ENOENT, -EBADMSG
 * (contents differ), or another negative errno. */
int cache_verify(const char *path, const uint8_t checksum[CACHE_CHECKSUM_LEN],
		 struct pvf_err *err);
/* Hard-links path to <worker_dir>/artifact, replacing a stale link. */
int cache_link_for_exec(const char *path, const char *worker_dir, struct pvf_err *err);
/* Unlinks an artifact; a missing file is fine. */
int cache_remove(const char *path, struct pvf_err *err);

/* ---- pruning (pvf-host.md §3.7) ----------------------------------------- */

struct cache_prune_entry {
	uint64_t size;         /* bytes */
	uint64_t last_used_ns; /* any clock, same as now_ns */
	void *ud;              /* caller's handle */
};

/* Decides which artifacts to remove so that the total size fits limit,
 * removing the least recently used first and never one used less than
 * min_stale_ns ago (a last use in the future counts as "just now"). Sorts e
 * by last use, oldest first, and returns k: e[0..k) are to be removed. */
size_t cache_prune_select(struct cache_prune_entry *e, size_t n, uint64_t limit,
			  uint64_t min_stale_ns, uint64_t now_ns);

#endif /* PVF_CACHE_H */
