/* SPDX-License-Identifier: Apache-2.0 */
/* Locating ../shared-style reference material for unit tests. The build
 * passes PVF_SHARED_DIR = <source root>/../shared; PVF_SHARED_DIR in the
 * environment overrides it. */
#ifndef PVF_TEST_SHARED_DATA_H
#define PVF_TEST_SHARED_DATA_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/base.h"

static inline const char *shared_dir(void)
{
	const char *env = getenv("PVF_SHARED_DIR");

	return env && *env ? env : PVF_SHARED_DIR;
}

/* true if <shared>/<rel> exists */
static inline bool shared_has(const char *rel)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", shared_dir(), rel);
	return stat(path, &st) == 0;
}

/* Reads <shared>/<rel> (at most 64 MiB); NULL on failure (diagnostic printed). */
static inline uint8_t *shared_read(const char *rel, size_t *len)
{
	struct pvf_err err = {0};
	char path[4096];
	uint8_t *data = NULL;

	snprintf(path, sizeof(path), "%s/%s", shared_dir(), rel);
	if (base_read_file(path, 64u << 20, &data, len, &err) < 0) {
		printf("# %s\n", err.msg);
		return NULL;
	}
	return data;
}

#endif /* PVF_TEST_SHARED_DATA_H */
