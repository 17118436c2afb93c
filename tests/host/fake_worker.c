/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake PVF worker for scheduler tests: speaks the real protocol
 * (src/proto) but, instead of compiling or running wasm, follows a script.
 *
 *   fake_worker prepare-worker|execute-worker --socket-fd N
 *               --worker-dir-path DIR [--node-impl-version V]
 *
 * Start-up behaviour comes from the environment (the host passes exactly
 * cfg.worker_env):
 *   FAKE_START=exit | hang | bad-version | bad-proto | garbage | not-worker
 *              | exit-once:PATH   (exit if PATH does not exist, creating it)
 *   FAKE_VERSION=V                (version to report; default: the node's)
 *
 * Per job, the script is the code (prepare) or the PoV (execute): tokens
 * separated by ';', run in order until one produces the reply; with no
 * reply token the job succeeds.
 *   sleep:MS       wall-clock sleep          wait:PATH  poll until PATH exists
 *   append:PATH=T  append the line T to PATH (completion order)
 *   touch:PATH     create PATH               if-new:PATH  if PATH exists, skip
 *                                                       to success; else create it
 *   cpu:MS         CPU time to report        log:TEXT   send a LOG record
 *   kill | stop | exit | hang               die by SIGKILL, stop by SIGSTOP,
 *                                            exit(1), or never answer
 *   garbage        send an undecodable reply  badframe  send a zero-length frame
 *   envcheck       fail (prepare: io / execute: internal) if the environment
 *                  holds anything but FAKE_* variables
 *   #ANY           ignored (makes codes distinct)
 * Prepare replies:  ok | err:KIND[:MSG] | badsum | noartifact
 *   KIND: prevalidation preparation runtime-construction job-error timeout
 *         io create-tmp-file rename oom clear-worker-dir job-died kernel decompress
 * Execute replies:  ok[:RESULT] | invalid:MSG | povfail | rc:MSG | jobdied:MSG
 *                   | joberr:MSG | jobtimeout | internal:MSG | exitstatus:N
 * The default execute result is "<artifact bytes>|<pov bytes>"; the artifact
 * (written by the fake prepare worker) holds the code bytes, so a test can
 * check which code a candidate ran against.
 *
 * Check mode (`fake_worker KIND-worker --check-security --worker-dir-path
 * DIR`, run by the host at start-up) prints a scripted security report in
 * the real workers' format (workers/worker.h). The script is
 * FAKE_CHECK_PREPARE or FAKE_CHECK_EXECUTE for that kind, else FAKE_CHECK:
 *   (unset)            every layer works, exit 0
 *   missing:L1,L2      those layers (sandbox names) missing, exit 1
 *   error:MSG          the report says the check could not run, exit 3
 *   exit:N             no report, "fake: check failed" on stderr, exit N
 *   garbage | hang | signal   not a report / never ends / killed by SIGKILL
 *   orphan             a good report, but a child keeps stdout open for 3 s
 * FAKE_CHECK_LOG=PATH appends "check KIND dir=yes|no" (does DIR exist).
 * FAKE_HELLO_LOG=1: after the handshake, a LOG record "hello security:
 * svm=B landlock=B seccomp=B userns-chroot=B clone=B" (what HELLO said).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "base/base.h"
#include "proto/proto.h"

extern char **environ;

static int sock = -1;
static const char *wdir;
static enum proto_worker_kind kind;

static struct scale_slice S(const char *s, size_t len)
{
	struct scale_slice sl = {(const uint8_t *)s, len};
	return sl;
}

static void send_buf(struct buf *b)
{
	if (proto_write_all(sock, b->data, b->len))
		_exit(1);
	b->len = 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static void touch(const char *p)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0)
		close(fd);
}

static _Noreturn void hang(void)
{
	for (;;)
		pause();
}

static void send_log(const char *text)
{
	struct buf b = BUF_INIT;
	struct proto_log l = {PVLOG_INFO, S(text, strlen(text))};

	proto_encode_log(&b, &l);
	send_buf(&b);
	buf_deinit(&b);
}

static bool env_clean(void)
{
	char **e;

	for (e = environ; *e; e++)
		if (strncmp(*e, "FAKE_", 5) != 0)
			return false;
	return true;
}

/* Runs the non-reply tokens. Returns the reply token (pointing into the
 * script copy), or NULL for the default success. */
struct script {
	char *copy;
	long cpu_ms;
	bool env_bad;
};

static char *run_script(struct script *sc, const uint8_t *p, size_t len)
{
	char *save = NULL, *tok;

	sc->copy = malloc(len + 1);
	if (!sc->copy)
		_exit(1);
	memcpy(sc->copy, p, len);
	sc->copy[len] = 0;
	sc->cpu_ms = 1;
	for (tok = strtok_r(sc->copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		if (!strncmp(tok, "sleep:", 6)) {
			sleep_ms(atol(tok + 6));
		} else if (!strncmp(tok, "wait:", 5)) {
			while (!exists(tok + 5))
				sleep_ms(5);
		} else if (!strncmp(tok, "touch:", 6)) {
			touch(tok + 6);
		} else if (!strncmp(tok, "if-new:", 7)) {
			if (exists(tok + 7))
				return NULL;
			touch(tok + 7);
		} else if (!strncmp(tok, "append:", 7)) {
			char *eq = strchr(tok + 7, '=');
			FILE *f;

			if (eq) {
				*eq = 0;
				f = fopen(tok + 7, "a");
				if (f) {
					fprintf(f, "%s\n", eq + 1);
					fclose(f);
				}
			}
		} else if (!strncmp(tok, "cpu:", 4)) {
			sc->cpu_ms = atol(tok + 4);
		} else if (!strncmp(tok, "log:", 4)) {
			send_log(tok + 4);
		} else if (!strcmp(tok, "kill")) {
			raise(SIGKILL);
		} else if (!strcmp(tok, "stop")) {
			raise(SIGSTOP);
		} else if (!strcmp(tok, "exit")) {
			_exit(1);
		} else if (!strcmp(tok, "hang")) {
			hang();
		} else if (!strcmp(tok, "garbage")) {
			static const uint8_t g[] = {3, 0, 0, 0, PROTO_MSG_PREPARE_RES + 10, 1, 2};

			proto_write_all(sock, g, sizeof(g));
			hang();
		} else if (!strcmp(tok, "badframe")) {
			static const uint8_t g[] = {0, 0, 0, 0};

			proto_write_all(sock, g, sizeof(g));
			hang();
		} else if (!strcmp(tok, "envcheck")) {
			sc->env_bad = !env_clean();
		} else if (tok[0] == '#') {
			continue;
		} else {
			return tok;
		}
	}
	return NULL;
}

static char *dir_file(const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", wdir, name) < 0)
		_exit(1);
	return p;
}

static void checksum_of(const uint8_t *p, size_t len, uint8_t out[16])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits(p, len));
	memcpy(out, c.digest, 16);
}

static const struct { const char *name; enum proto_prep_err kind; } prep_kinds[] = {
	{"prevalidation", PROTO_PREP_ERR_PREVALIDATION},
	{"preparation", PROTO_PREP_ERR_PREPARATION},
	{"runtime-construction", PROTO_PREP_ERR_RUNTIME_CONSTRUCTION},
	{"job-error", PROTO_PREP_ERR_JOB_ERROR},
	{"timeout", PROTO_PREP_ERR_TIMED_OUT},
	{"io", PROTO_PREP_ERR_IO},
	{"create-tmp-file", PROTO_PREP_ERR_CREATE_TMP_FILE},
	{"rename", PROTO_PREP_ERR_RENAME_TMP_FILE},
	{"oom", PROTO_PREP_ERR_OUT_OF_MEMORY},
	{"clear-worker-dir", PROTO_PREP_ERR_CLEAR_WORKER_DIR},
	{"job-died", PROTO_PREP_ERR_JOB_DIED},
	{"kernel", PROTO_PREP_ERR_KERNEL},
	{"decompress", PROTO_PREP_ERR_DECOMPRESS},
};

static void do_prepare(struct scale_slice payload)
{
	struct proto_prepare_req req;
	struct proto_prepare_res res = {0};
	struct script sc = {0};
	struct buf b = BUF_INIT;
	char *reply, *tmp = dir_file("tmp-artifact");
	bool write_it = true;
	size_t i;
	int fd;

	if (proto_decode_prepare_req(payload, &req))
		_exit(1);
	reply = run_script(&sc, req.code.data, req.code.len);
	res.ok = true;
	if (sc.env_bad) {
		res.ok = false;
		res.err.kind = PROTO_PREP_ERR_IO;
		res.err.msg = S("unexpected environment", 22);
		write_it = false;
	} else if (reply && !strncmp(reply, "err:", 4)) {
		char *k = reply + 4, *msg = strchr(k, ':');

		if (msg)
			*msg++ = 0;
		res.ok = false;
		res.err.kind = PROTO_PREP_ERR_IO;
		for (i = 0; i < BASE_ARRAY_SIZE(prep_kinds); i++)
			if (!strcmp(prep_kinds[i].name, k))
				res.err.kind = prep_kinds[i].kind;
		res.err.msg = S(msg ? msg : "", msg ? strlen(msg) : 0);
		res.err.job_pid = 4242;
		write_it = false;
	} else if (reply && !strcmp(reply, "noartifact")) {
		write_it = false;
	}
	if (res.ok) {
		checksum_of(req.code.data, req.code.len, res.checksum);
		if (reply && !strcmp(reply, "badsum"))
			res.checksum[0] ^= 0xff;
		res.stats.cpu_ns = (uint64_t)sc.cpu_ms * 1000000;
		res.stats.mem.has_tracker = true;
		res.stats.mem.resident = 16u << 20;
		res.stats.mem.allocated = 12u << 20;
		res.stats.mem.has_max_rss = true;
		res.stats.mem.max_rss = 20000;
		res.stats.mem.peak_tracked_alloc = 10u << 20;
		res.stats.observed_wasm_code_len = (uint32_t)req.code.len;
	}
	if (write_it) {
		/* like a sandboxed worker: the file must already exist */
		fd = open(tmp, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0 || proto_write_all(fd, req.code.data, req.code.len)) {
			res.ok = false;
			res.err.kind = PROTO_PREP_ERR_IO;
			res.err.msg = S("cannot write tmp-artifact", 25);
		}
		if (fd >= 0)
			close(fd);
	}
	proto_encode_prepare_res(&b, &res);
	send_buf(&b);
	buf_deinit(&b);
	free(sc.copy);
	free(tmp);
}

static void do_execute(struct scale_slice payload)
{
	struct proto_execute_req req;
	struct proto_execute_res res = {0};
	struct script sc = {0};
	struct buf b = BUF_INIT, out = BUF_INIT;
	uint8_t *art = NULL, sum[16];
	size_t art_len = 0;
	char *reply, *path = dir_file("artifact");

	if (proto_decode_execute_req(payload, &req))
		_exit(1);
	res.ok = true;
	res.job = PROTO_JOB_OK;
	if (base_read_file(path, 64u << 20, &art, &art_len, NULL)) {
		res.ok = false;
		res.werr = PROTO_WERR_INTERNAL;
		res.ierr = PROTO_IERR_OPEN_FILE;
		res.msg = S("cannot open artifact", 20);
		goto out_send;
	}
	checksum_of(art, art_len, sum);
	if (memcmp(sum, req.artifact_checksum, 16)) {
		res.job = PROTO_JOB_RUNTIME_CONSTRUCTION;
		res.result = S("artifact checksum mismatch", 26);
		goto out_send;
	}
	reply = run_script(&sc, req.pov.data, req.pov.len);
	res.duration_ns = (uint64_t)sc.cpu_ms * 1000000;
	res.pov_size = (uint32_t)req.pov.len * 2;
	if (sc.env_bad) {
		res.ok = false;
		res.werr = PROTO_WERR_INTERNAL;
		res.ierr = PROTO_IERR_KERNEL;
		res.msg = S("unexpected environment", 22);
	} else if (!reply || !strncmp(reply, "ok", 2)) {
		if (reply && reply[2] == ':') {
			buf_append(&out, reply + 3, strlen(reply + 3));
		} else {
			buf_append(&out, art, art_len);
			buf_append(&out, "|", 1);
			buf_append(&out, req.pov.data, req.pov.len);
		}
		res.result.data = out.data;
		res.result.len = out.len;
	} else if (!strncmp(reply, "invalid:", 8)) {
		res.job = PROTO_JOB_INVALID_CANDIDATE;
		res.result = S(reply + 8, strlen(reply + 8));
	} else if (!strcmp(reply, "povfail")) {
		res.job = PROTO_JOB_POV_DECOMPRESSION;
	} else if (!strncmp(reply, "rc:", 3)) {
		res.job = PROTO_JOB_RUNTIME_CONSTRUCTION;
		res.result = S(reply + 3, strlen(reply + 3));
	} else {
		res.ok = false;
		if (!strncmp(reply, "jobdied:", 8)) {
			res.werr = PROTO_WERR_JOB_DIED;
			res.msg = S(reply + 8, strlen(reply + 8));
			res.job_pid = 777;
		} else if (!strncmp(reply, "joberr:", 7)) {
			res.werr = PROTO_WERR_JOB_ERROR;
			res.jerr = PROTO_JERR_PANIC;
			res.msg = S(reply + 7, strlen(reply + 7));
		} else if (!strncmp(reply, "exitstatus:", 11)) {
			res.werr = PROTO_WERR_JOB_ERROR;
			res.jerr = PROTO_JERR_EXIT_STATUS;
			res.exit_status = atoi(reply + 11);
		} else if (!strcmp(reply, "jobtimeout")) {
			res.werr = PROTO_WERR_JOB_TIMED_OUT;
		} else if (!strncmp(reply, "internal:", 9)) {
			res.werr = PROTO_WERR_INTERNAL;
			res.ierr = PROTO_IERR_KERNEL;
			res.msg = S(reply + 9, strlen(reply + 9));
		} else {
			res.werr = PROTO_WERR_INTERNAL;
			res.ierr = PROTO_IERR_HOST_COMMUNICATION;
			res.msg = S("unknown fake script token", 25);
		}
	}
out_send:
	proto_encode_execute_res(&b, &res);
	send_buf(&b);
	buf_deinit(&b);
	buf_deinit(&out);
	free(art);
	free(sc.copy);
	free(path);
}

static const char *const layer_names[] = {
	"user-namespace", "change-root", "net-namespace", "ipc-namespace", "no-new-privs",
	"rlimits", "close-fds", "clear-env", "landlock", "landlock-net", "seccomp",
	"secure-clone",
};

static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

static int check_mode(int argc, char **argv)
{
	const char *script = getenv(kind == PROTO_WORKER_PREPARE ? "FAKE_CHECK_PREPARE" :
				    "FAKE_CHECK_EXECUTE");
	const char *log = getenv("FAKE_CHECK_LOG"), *dir = NULL, *missing = "";
	int i;

	for (i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--worker-dir-path"))
			dir = argv[i + 1];
	if (!script)
		script = getenv("FAKE_CHECK");
	script = script ? script : "";
	if (log) {
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "check %s dir=%s\n", kind == PROTO_WORKER_PREPARE ? "prepare" :
				"execute", dir && exists(dir) ? "yes" : "no");
			fclose(f);
		}
	}
	if (!strncmp(script, "exit:", 5)) {
		fprintf(stderr, "fake: check failed\n");
		return atoi(script + 5);
	}
	if (!strcmp(script, "garbage")) {
		printf("hello\n");
		return 0;
	}
	if (!strcmp(script, "hang"))
		hang();
	if (!strcmp(script, "signal"))
		raise(SIGKILL);
	if (!strcmp(script, "orphan")) {
		fflush(stdout);
		if (fork() == 0) {
			sleep_ms(3000);
			_exit(0);
		}
	}
	printf("pvf-worker-security-check 1\nworker %s\n",
	       kind == PROTO_WORKER_PREPARE ? "prepare" : "execute");
	if (!strncmp(script, "error:", 6)) {
		printf("error %s\n", script + 6);
		return 3;
	}
	if (!strncmp(script, "missing:", 8))
		missing = script + 8;
	printf("run-as self\nlandlock-abi 7\n");
	for (i = 0; i < (int)BASE_ARRAY_SIZE(layer_names); i++)
		if (listed(missing, layer_names[i]))
			printf("layer %s missing fake: %s broken\n", layer_names[i], layer_names[i]);
		else
			printf("layer %s works\n", layer_names[i]);
	printf("verdict %s\n", missing[0] ? "insecure fake" : "secure");
	return missing[0] ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *node_version = "", *start = getenv("FAKE_START"), *v = getenv("FAKE_VERSION");
	struct buf in = BUF_INIT, b = BUF_INIT;
	struct proto_hello hello;
	struct proto_hello_ack ack = {0};
	int i;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "prepare-worker"))
		kind = PROTO_WORKER_PREPARE;
	else if (!strcmp(argv[1], "execute-worker"))
		kind = PROTO_WORKER_EXECUTE;
	else
		return 2;
	for (i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--check-security"))
			return check_mode(argc, argv);
	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--socket-fd"))
			sock = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--worker-dir-path"))
			wdir = argv[i + 1];
		else if (!strcmp(argv[i], "--node-impl-version"))
			node_version = argv[i + 1];
		else
			return 2;
	}
	if (sock < 0 || !wdir)
		return 2;
	start = start ? start : "";
	if (!strcmp(start, "exit"))
		return 1;
	if (!strncmp(start, "exit-once:", 10) && !exists(start + 10)) {
		touch(start + 10);
		return 1;
	}
	if (!strcmp(start, "hang"))
		hang();
	if (proto_read_frame(sock, PROTO_FRAME_MAX, &in) ||
	    proto_decode_hello((struct scale_slice){in.data, in.len}, &hello) || hello.kind != kind)
		return 1;
	ack.version = PROTO_VERSION;
	ack.kind = kind;
	v = v ? v : node_version;
	ack.worker_version = S(v, strlen(v));
	ack.pid = (uint32_t)getpid();
	if (!strcmp(start, "bad-version"))
		ack.worker_version = S("0.0.0-stale", 11);
	if (!strcmp(start, "bad-proto"))
		ack.version = PROTO_VERSION + 1;
	if (!strcmp(start, "not-worker")) {
		static const uint8_t g[] = {9, 0, 0, 0, PROTO_MSG_HELLO_ACK, 1, 2, 3, 4, 5, 6, 7, 8};

		proto_write_all(sock, g, sizeof(g));
		hang();
	}
	if (!strcmp(start, "garbage")) {
		static const uint8_t g[] = {0xff, 0xff, 0xff, 0x7f};

		proto_write_all(sock, g, sizeof(g));
		hang();
	}
	proto_encode_hello_ack(&b, &ack);
	send_buf(&b);
	if (getenv("FAKE_HELLO_LOG")) {
		char text[160];

		snprintf(text, sizeof(text), "hello security: svm=%d landlock=%d seccomp=%d "
			 "userns-chroot=%d clone=%d", hello.security.secure_validator_mode,
			 hello.security.can_enable_landlock, hello.security.can_enable_seccomp,
			 hello.security.can_unshare_user_namespace_and_change_root,
			 hello.security.can_do_secure_clone);
		send_log(text);
	}
	for (;;) {
		struct scale_slice p;
		int ret = proto_read_frame(sock, PROTO_FRAME_MAX, &in);

		if (ret)
			return ret == -EPIPE ? 0 : 1;
		p.data = in.data;
		p.len = in.len;
		if (kind == PROTO_WORKER_PREPARE && proto_msg_type(p) == PROTO_MSG_PREPARE_REQ)
			do_prepare(p);
		else if (kind == PROTO_WORKER_EXECUTE && proto_msg_type(p) == PROTO_MSG_EXECUTE_REQ)
			do_execute(p);
		else
			return 1;
	}
}
