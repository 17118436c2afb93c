/* SPDX-License-Identifier: Apache-2.0 */
/* Replays fuzz inputs without libFuzzer: replay FILE|DIR... */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	struct pvf_err err = {0};
	uint8_t *data;
	size_t len;

	if (base_read_file(path, 64u << 20, &data, &len, &err) < 0) {
		fprintf(stderr, "replay: %s\n", err.msg);
		return 1;
	}
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	int i, bad = 0, n = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			char path[4096];

			while (d && (e = readdir(d))) {
				if (e->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
				bad |= replay_file(path);
				n++;
			}
			if (d)
				closedir(d);
		} else {
			bad |= replay_file(argv[i]);
			n++;
		}
	}
	printf("replay: %d inputs\n", n);
	return bad;
}
