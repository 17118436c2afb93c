/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli.h"
#include "runtime/runtime.h"

int cli_read_code(const char *path, uint8_t **out, size_t *out_len)
{
	struct pvf_err err = {0};
	enum rt_blob_status st;
	uint8_t *raw;
	size_t len;

	/* The stored blob is never bigger than the bomb limit in practice;
	 * bound the read so a wrong path cannot exhaust memory. */
	if (base_read_file(path, RT_CODE_BLOB_BOMB_LIMIT, &raw, &len, &err) < 0) {
		fprintf(stderr, "pvf: %s\n", err.msg);
		return -1;
	}
	st = rt_blob_decompress(raw, len, RT_CODE_BLOB_BOMB_LIMIT, true, out, out_len);
	free(raw);
	if (st != RT_BLOB_OK) {
		fprintf(stderr, "pvf: %s: %s\n", path, rt_blob_status_str(st));
		return -1;
	}
	return 0;
}

bool cli_parse_profile(const char *s, enum eng_profile *out)
{
	if (strcmp(s, "pvf") == 0)
		*out = ENG_PROFILE_PVF;
	else if (strcmp(s, "full") == 0)
		*out = ENG_PROFILE_FULL;
	else
		return false;
	return true;
}

void cli_format_val(const struct eng_val *v, char *buf, size_t len)
{
	switch (v->type) {
	case ENG_I32:
		snprintf(buf, len, "i32:%" PRIu32, v->of.i32);
		break;
	case ENG_I64:
		snprintf(buf, len, "i64:%" PRIu64, v->of.i64);
		break;
	case ENG_F32:
		snprintf(buf, len, "f32:%" PRIu32, v->of.f32);
		break;
	case ENG_F64:
		snprintf(buf, len, "f64:%" PRIu64, v->of.f64);
		break;
	case ENG_FUNCREF:
		snprintf(buf, len, v->of.ref ? "funcref:%p" : "funcref:null", v->of.ref);
		break;
	case ENG_EXTERNREF:
		snprintf(buf, len, v->of.ref ? "externref:%p" : "externref:null", v->of.ref);
		break;
	case ENG_V128:
	default:
		snprintf(buf, len, "?");
		break;
	}
}

int cli_dispatch(const char *prog, const struct cli_cmd *cmds, size_t ncmds,
		 int argc, char **argv)
{
	size_t i;
	bool help = argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "help") == 0;

	if (!help) {
		for (i = 0; i < ncmds; i++)
			if (strcmp(argv[1], cmds[i].name) == 0)
				return cmds[i].run(argc - 1, argv + 1);
		fprintf(stderr, "%s: unknown command `%s`\n\n", prog, argv[1]);
	}
	fprintf(help ? stdout : stderr, "usage: %s COMMAND [ARGS...]\n\ncommands:\n", prog);
	for (i = 0; i < ncmds; i++)
		fprintf(help ? stdout : stderr, "  %-16s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(help ? stdout : stderr, "\nRun `%s COMMAND --help` for a command's options.\n", prog);
	return help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}
