/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every real runtime blob decodes and validates in the PVF profile (and the
 * full profile), with a stack cost for every defined function.
 *
 * argv[1]: the runtime-blobs directory (../shared/runtime-blobs relative to
 * the source root); the test is skipped when it is absent.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/engine_int.h"
#include "runtime/runtime.h"
#include "tap.h"

static bool is_blob(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && strcmp(name + n - 4, ".bin") == 0) ||
	       (n > 5 && strcmp(name + n - 5, ".wasm") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".zst") == 0);
}

static void check_blob(const char *dir, const char *name)
{
	static const enum eng_profile profiles[] = {ENG_PROFILE_PVF, ENG_PROFILE_FULL};
	char path[2048];
	struct pvf_err perr;
	uint8_t *raw = NULL, *wasm = NULL;
	size_t raw_len, wasm_len;
	enum rt_blob_status bst;
	size_t pi;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!ok(base_read_file(path, 64u << 20, &raw, &raw_len, &perr) == 0, "%s: read (%s)", name,
		perr.msg))
		return;
	bst = rt_blob_decompress(raw, raw_len, RT_CODE_BLOB_BOMB_LIMIT, true, &wasm, &wasm_len);
	if (!ok(bst == RT_BLOB_OK, "%s: decompress (%s)", name, rt_blob_status_str(bst)))
		goto out;
	for (pi = 0; pi < BASE_ARRAY_SIZE(profiles); pi++) {
		struct eng_module_config cfg;
		struct eng_module *m = NULL;
		struct eng_error err;
		enum eng_status st;
		uint64_t t0, t1;
		uint32_t i, ndefs, zero_cost = 0;
		bool pvf = profiles[pi] == ENG_PROFILE_PVF;

		memset(&cfg, 0, sizeof(cfg));
		memset(&err, 0, sizeof(err));
		cfg.profile = profiles[pi];
		t0 = base_now_ns();
		st = eng_module_new(wasm, wasm_len, &cfg, &m, &err);
		t1 = base_now_ns();
		if (!ok(st == ENG_OK, "%s: decodes and validates in the %s profile (%s)", name,
			pvf ? "PVF" : "full", st == ENG_OK ? "ok" : err.msg))
			continue;
		ndefs = m->nfuncs_total - m->nfunc_imports;
		for (i = 0; i < ndefs; i++)
			if (m->funcs[i].stack_cost < 2 + m->funcs[i].nlocals)
				zero_cost++;
		if (pvf) {
			ok(ndefs > 0 && zero_cost == 0,
			   "%s: every one of %u functions has a stack cost >= locals + 2", name,
			   ndefs);
			ok(m->features == 0, "%s: no post-MVP feature used", name);
		}
		printf("# %s %s: %zu bytes, %u functions, decode+validate %.1f ms\n", name,
		       pvf ? "pvf" : "full", wasm_len, ndefs, (double)(t1 - t0) / 1e6);
		eng_module_free(m);
	}
out:
	free(wasm);
	free(raw);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "../shared/runtime-blobs";
	struct dirent **names;
	int n, i, nblobs = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		printf("# no blob directory %s\n", dir);
		tap_skip_all("runtime blobs not available");
	}
	for (i = 0; i < n; i++) {
		if (is_blob(names[i]->d_name)) {
			check_blob(dir, names[i]->d_name);
			nblobs++;
		}
		free(names[i]);
	}
	free(names);
	ok(nblobs > 0, "%d blobs checked", nblobs);
	return tap_done();
}
