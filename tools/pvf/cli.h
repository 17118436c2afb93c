/* SPDX-License-Identifier: Apache-2.0 */
/* The pvf command-line tool: shared helpers for subcommands. */
#ifndef PVF_CLI_H
#define PVF_CLI_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

/* Exit codes, documented in docs/cli.md. */
enum {
	CLI_EXIT_OK = 0,        /* success / valid */
	CLI_EXIT_FAIL = 1,      /* the input is rejected, traps, or is invalid */
	CLI_EXIT_USAGE = 2,     /* bad command line */
	CLI_EXIT_ERROR = 3,     /* could not do the job (I/O, out of memory) */
};

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Reads a code file: plain Wasm, an 8-byte-prefixed zstd blob or a bare
 * zstd frame; decompresses with the code bomb limit. Prints an error and
 * returns non-zero on failure. *out is malloc'd. */
int cli_read_code(const char *path, uint8_t **out, size_t *out_len);

/* Prints a JSON value (jansson's json_dumps flags) and a newline on stdout,
 * then drops the reference (NULL: prints nothing). */
struct json_t;
void cli_print_json(struct json_t *j, size_t flags);

/* Parses "pvf" / "full". Returns false if unknown. */
bool cli_parse_profile(const char *s, enum eng_profile *out);
/* "auto", "all" or "single" (--tiers); false for anything else. */
bool cli_parse_tiers(const char *s, enum eng_native_tiers *out);

/* Prints "i32:5"-style value text into buf. */
void cli_format_val(const struct eng_val *v, char *buf, size_t len);

/* The top-level program (main.c): its help text is the source of the man
 * page (scripts/gen-manpage.py) and of the command list in docs/cli.md. */
struct cli_prog {
	const char *name;           /* "pvf" */
	const char *version;
	const char *description;    /* paragraphs for --help, lines of <= 76 columns */
	const char *sections;       /* more list sections ("environment:\n  X  ...") */
	const struct cli_cmd *cmds;
	size_t ncmds;
};

/* Runs the program: `--help`/`-h`/`help [COMMAND...]`, `--version`/`-V`,
 * or a command (see cli_dispatch). Returns the exit status. */
int cli_main(const struct cli_prog *p, int argc, char **argv);

/* Dispatches argv[1] over cmds. `-h`/`--help` prints the command list to
 * stdout (exit 0); `help COMMAND [ARGS...]` runs `COMMAND [ARGS...] --help`;
 * no command or an unknown one is a usage error (exit 2, message on stderr
 * naming what to run instead). */
int cli_dispatch(const char *prog, const struct cli_cmd *cmds, size_t ncmds,
		 int argc, char **argv);

/* A validation host for one command (cmd_precheck.c). Fill the options,
 * then cli_host_open(); cli_host_close() frees the host and removes a
 * temporary cache. */
struct pvf_host;
struct cli_host {
	const char *cache_dir;      /* NULL: a temporary directory */
	const char *worker_dir;     /* NULL: search (see find_workers) */
	bool verbose;               /* print the host's whole log */
	bool secure;                /* secure validator mode */
	int engine;                 /* enum pvf_engine of the workers (0 = auto) */
	char prepare_worker[4096], execute_worker[4096];
	char tmp_cache[256];
	struct pvf_host *h;
	/* from the workers' "job stats" log records: the last job's CPU time
	 * and the largest peak RSS of any job */
	uint64_t job_cpu_ns;
	long job_max_rss_kib;
};
int cli_host_open(struct cli_host *ch, const char *prog);
void cli_host_close(struct cli_host *ch);
/* Seconds (may have a fraction) to milliseconds; false if not > 0. */
bool cli_parse_seconds(const char *s, uint64_t *ms);

/* The progress line of long preparations (progress.c). AUTO: on a terminal
 * only; ON: also when stderr is not one (a line every 5 s); OFF: never. */
enum cli_progress_mode { CLI_PROGRESS_AUTO, CLI_PROGRESS_ON, CLI_PROGRESS_OFF };
struct cli_progress {
	const char *prog;
	char what[160];
	bool tty, shown, running, stop;
	uint64_t t0_ns, cpu0_ns, delay_ns;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};
/* Starts the ticking thread (nothing shows before one second). */
void cli_progress_start(struct cli_progress *p, const char *prog, const char *what,
			enum cli_progress_mode mode);
/* Stops it and clears a terminal line. Safe if it never started. */
void cli_progress_end(struct cli_progress *p);
/* CPU time of this process and all its descendants (/proc), ns. */
uint64_t cli_tree_cpu_ns(void);

int cmd_wasm(int argc, char **argv);
int cmd_security(int argc, char **argv);
int cmd_pvf_call(int argc, char **argv);
int cmd_pvf_validate(int argc, char **argv);
int cmd_pvf_precheck(int argc, char **argv);
int cmd_host(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif /* PVF_CLI_H */
