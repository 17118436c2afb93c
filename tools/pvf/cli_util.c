/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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

bool cli_parse_tiers(const char *s, enum eng_native_tiers *t)
{
	if (strcmp(s, "auto") == 0)
		*t = ENG_TIERS_AUTO;
	else if (strcmp(s, "all") == 0)
		*t = ENG_TIERS_ALL;
	else if (strcmp(s, "single") == 0)
		*t = ENG_TIERS_SINGLE;
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

/* ---- dispatch and help --------------------------------------------------- */

/* Exit statuses, shared by every command (docs/cli.md). */
static const char exit_status_text[] =
	"exit status (every command):\n"
	"  0  success: the input is valid or accepted, the call returned\n"
	"  1  the input is rejected or invalid, or the code traps (reason on stderr)\n"
	"  2  usage error: unknown command or option, missing argument\n"
	"  3  error: the job could not be done (unreadable file, I/O, out of memory,\n"
	"     missing programs, internal error)\n";

/* Edit distance of a and b, capped: enough to suggest a command for a typo. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0], up;

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = diag + (a[i - 1] != b[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The command closest to name (a typo or a prefix), or NULL. */
static const char *suggest(const char *name, const struct cli_cmd *cmds, size_t ncmds)
{
	const char *best = NULL;
	size_t best_d = 3, i, d;

	for (i = 0; i < ncmds; i++) {
		if (name[0] && strncmp(cmds[i].name, name, strlen(name)) == 0)
			return cmds[i].name;
		d = edit_distance(name, cmds[i].name);
		if (d < best_d) {
			best_d = d;
			best = cmds[i].name;
		}
	}
	return best;
}

static void print_commands(FILE *f, const struct cli_cmd *cmds, size_t ncmds)
{
	size_t i;

	fprintf(f, "commands:\n");
	for (i = 0; i < ncmds; i++)
		fprintf(f, "  %-16s %s\n", cmds[i].name, cmds[i].summary);
}

/* The whole help (p: of the program, NULL: of a command group), or with
 * brief only the usage and the command list. */
static void print_help(FILE *f, const struct cli_prog *p, const char *prog,
		       const struct cli_cmd *cmds, size_t ncmds, bool brief)
{
	fprintf(f, "usage: %s COMMAND [ARGS...]\n", prog);
	if (brief) {
		fprintf(f, "\n");
		print_commands(f, cmds, ncmds);
		fprintf(f, "\nRun `%s --help` for more.\n", prog);
		return;
	}
	if (p) {
		fprintf(f, "       %s help COMMAND [SUBCOMMAND]\n", prog);
		fprintf(f, "       %s --version\n\n%s\n", prog, p->description);
	} else {
		fprintf(f, "       %s help COMMAND\n\n", prog);
	}
	print_commands(f, cmds, ncmds);
	if (p) {
		fprintf(f, "\noptions:\n"
			   "  -h, --help       this text\n"
			   "  -V, --version    print the version and exit\n"
			   "\n%s", exit_status_text);
		if (p->sections)
			fprintf(f, "\n%s", p->sections);
	}
	fprintf(f, "\nRun `%s help COMMAND` (or `%s COMMAND --help`) for a command's options.\n",
		prog, prog);
}

static bool is_help(const char *a)
{
	return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

/* `help [NAME [ARGS...]]`: argv[0] is "help". */
static int run_help(const struct cli_prog *p, const char *prog, const struct cli_cmd *cmds,
		    size_t ncmds, int argc, char **argv)
{
	char **sub;
	size_t i;
	int j, rc;

	if (argc < 2 || is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
		print_help(stdout, p, prog, cmds, ncmds, false);
		return CLI_EXIT_OK;
	}
	for (i = 0; i < ncmds; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			break;
	if (i == ncmds) {
		const char *s = suggest(argv[1], cmds, ncmds);

		fprintf(stderr, "%s help: no command `%s`", prog, argv[1]);
		if (s)
			fprintf(stderr, "; did you mean `%s`?", s);
		fprintf(stderr, "\nRun `%s --help` for the list of commands.\n", prog);
		return CLI_EXIT_USAGE;
	}
	/* NAME ARGS... --help */
	sub = calloc((size_t)argc + 1, sizeof(*sub));
	if (!sub) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return CLI_EXIT_ERROR;
	}
	for (j = 1; j < argc; j++)
		sub[j - 1] = argv[j];
	sub[argc - 1] = (char *)"--help";
	rc = cmds[i].run(argc, sub);
	free(sub);
	return rc;
}

static int dispatch(const struct cli_prog *p, const char *prog, const struct cli_cmd *cmds,
		    size_t ncmds, int argc, char **argv)
{
	const char *s;
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "%s: missing command\n\n", prog);
		print_help(stderr, p, prog, cmds, ncmds, true);
		return CLI_EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		print_help(stdout, p, prog, cmds, ncmds, false);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0)
		return run_help(p, prog, cmds, ncmds, argc - 1, argv + 1);
	for (i = 0; i < ncmds; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		fprintf(stderr, "%s: unknown option `%s`", prog, argv[1]);
	else
		fprintf(stderr, "%s: unknown command `%s`", prog, argv[1]);
	s = suggest(argv[1] + strspn(argv[1], "-"), cmds, ncmds);
	if (s && argv[1][0] != '-')
		fprintf(stderr, "; did you mean `%s`?", s);
	fprintf(stderr, "\nRun `%s --help` for the list of commands.\n", prog);
	return CLI_EXIT_USAGE;
}

int cli_dispatch(const char *prog, const struct cli_cmd *cmds, size_t ncmds,
		 int argc, char **argv)
{
	return dispatch(NULL, prog, cmds, ncmds, argc, argv);
}

int cli_main(const struct cli_prog *p, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
		if (argc > 2) {
			fprintf(stderr, "%s: --version takes no arguments\n", p->name);
			return CLI_EXIT_USAGE;
		}
		printf("%s %s\n", p->name, p->version);
		return CLI_EXIT_OK;
	}
	return dispatch(p, p->name, p->cmds, p->ncmds, argc, argv);
}

void cli_print_json(json_t *j, size_t flags)
{
	char *text = j ? json_dumps(j, flags) : NULL;

	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(j);
}
