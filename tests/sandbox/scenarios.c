/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sandbox scenarios: runs the `probe` program (argv[1]) under one policy at a
 * time and asserts the result of each action (TAP).
 *
 * Set-up, made fresh in a scratch dir:
 *   worker/artifact  8 bytes, mode 0755 (so only the sandbox stops execve)
 *   worker/output    mode 0666 (owned by `nobody` when we are root)
 *   outside/public   0644, outside/secret 0600 (root-only when we are root)
 *   outside/         0777, so only the sandbox stops writes there
 *   a victim process (sleeping, our uid), a TCP listener on 127.0.0.1 and
 *   an abstract unix listener, all outside the sandbox
 *
 * The `control` scenario runs the same actions with no layer and expects them
 * to succeed: every denial asserted later is the sandbox's doing. Scenarios
 * that need a layer this machine lacks (found independently, see machine.h) are
 * skipped with the layer's reason; if user namespaces are missing altogether
 * the whole test is skipped (77).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/tap.h"
#include "sandbox/sandbox.h"
#include "machine.h"

#define NOBODY "65534"

/* What an expectation needs beyond the scenario's layers. */
enum {
	NEED_ROOT = 1 << 0,     /* the driver runs as root */
	NEED_NONROOT = 1 << 1,
	NEED_LL4 = 1 << 2,      /* Landlock ABI >= 4 */
	NEED_LL6 = 1 << 3,      /* Landlock ABI >= 6 */
	NEED_INET6 = 1 << 4,    /* control could make an AF_INET6 socket */
	NEED_IOURING = 1 << 5,  /* control could set up io_uring */
	NEED_INT80 = 1 << 6,    /* control could make an i386 syscall */
	NEED_X86_64 = 1 << 7,
	NEED_NO_ASAN = 1 << 8,  /* not under AddressSanitizer (see machine.h) */
};

struct expect {
	const char *action;
	const char *want;       /* first word, or the whole result if it has a space */
	unsigned need;
};

static struct {
	const char *probe;
	char base[256], worker[300], artifact[320], output[320];
	char outside_dir[300], public[320], secret[320];
	char victim[16], port[16], abstract[64];
	pid_t victim_pid;
	int listen_fd, abstract_fd, secret_fd;
	bool root;
	unsigned have;          /* NEED_* that hold on this machine */
	unsigned lacking;       /* layers this machine lacks (machine.h) */
	char lacking_why[256];
	int landlock_abi;
} g;

/* ---- running the probe ------------------------------------------------------------ */

struct result {
	char out[16384];
	int status;
};

static int run_probe(const char *const *args, struct result *r)
{
	const char *argv[128];
	int p[2], n = 0, i;
	size_t len = 0;
	ssize_t got;
	pid_t pid;

	argv[n++] = g.probe;
	for (i = 0; args[i] && n < 127; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(p[1], 1);
		/* fd 5: an open handle on the secret, for close-fds. */
		if (g.secret_fd >= 0)
			dup2(g.secret_fd, 5);
		if (TEST_SANITIZER) {
			char opts[512];
			const char *old = getenv("ASAN_OPTIONS");

			snprintf(opts, sizeof(opts), "%s%sdetect_leaks=0", old ? old : "",
				 old && old[0] ? ":" : "");
			setenv("ASAN_OPTIONS", opts, 1);
		}
		execv(g.probe, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while (len + 1 < sizeof(r->out) &&
	       (got = read(p[0], r->out + len, sizeof(r->out) - 1 - len)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)got;
	}
	r->out[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &r->status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* The rest of the line that starts with "<key> ", copied into buf. */
static const char *lookup(const struct result *r, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *s = r->out;

	while (s && *s) {
		if (strncmp(s, key, klen) == 0 && s[klen] == ' ') {
			const char *e = strchr(s, '\n');
			size_t n = e ? (size_t)(e - s - (ptrdiff_t)klen - 1) : strlen(s + klen + 1);

			if (n >= len)
				n = len - 1;
			memcpy(buf, s + klen + 1, n);
			buf[n] = '\0';
			return buf;
		}
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return NULL;
}

static bool matches(const char *got, const char *want)
{
	size_t n = strlen(want);

	if (strchr(want, ' '))
		return strcmp(got, want) == 0;
	return strncmp(got, want, n) == 0 && (got[n] == '\0' || got[n] == ' ');
}

static void skip(const char *what, const char *why)
{
	tap__n++;
	printf("ok %d - %s # SKIP %s\n", tap__n, what, why);
}

static const char *need_text(unsigned missing)
{
	if (missing & NEED_ROOT)
		return "needs root";
	if (missing & NEED_NONROOT)
		return "root gives a different result";
	if (missing & NEED_LL4)
		return "landlock ABI < 4 (no TCP rules) on this kernel";
	if (missing & NEED_LL6)
		return "landlock ABI < 6 (no scoping) on this kernel";
	if (missing & NEED_INET6)
		return "no IPv6 sockets on this machine";
	if (missing & NEED_IOURING)
		return "io_uring unavailable outside the sandbox";
	if (missing & NEED_INT80)
		return "no i386 syscall ABI on this machine";
	if (missing & NEED_X86_64)
		return "x86-64 only";
	if (missing & NEED_NO_ASAN)
		return "AddressSanitizer reserves terabytes of address space";
	return "?";
}

/* Runs one scenario: the probe with args + "--" + every action. Layers asked
 * for must be reported working; then each action must give its expectation. */
static void scenario(const char *name, const char *const *args, const struct expect *ex,
		     unsigned need_layers, int want_exit)
{
	const char *argv[128];
	struct result r;
	char got[512], what[160], key[64];
	int n = 0, i, l;

	if (need_layers & g.lacking) {
		snprintf(what, sizeof(what), "%s: all checks", name);
		skip(what, g.lacking_why);
		return;
	}
	argv[n++] = "--victim";
	argv[n++] = g.victim;
	argv[n++] = "--port";
	argv[n++] = g.port;
	argv[n++] = "--abstract";
	argv[n++] = g.abstract;
	argv[n++] = "--outside";
	argv[n++] = g.public;
	argv[n++] = "--secret";
	argv[n++] = g.secret;
	argv[n++] = "--outside-dir";
	argv[n++] = g.outside_dir;
	for (i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n++] = "--";
	/* "layer x" and "apply" are report lines, not actions. */
	for (i = 0; ex[i].action && n < 126; i++)
		if (!strchr(ex[i].action, ' ') && strcmp(ex[i].action, "apply") != 0)
			argv[n++] = ex[i].action;
	argv[n] = NULL;

	printf("# scenario %s\n", name);
	if (!ok(run_probe(argv, &r) == 0, "%s: probe ran", name))
		return;
	if (want_exit >= 0 &&
	    !ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) == want_exit,
		"%s: probe exit status %d", name, want_exit)) {
		printf("#   wait status 0x%x, output:\n%s\n", r.status, r.out);
		return;
	}
	for (l = 0; l < SBX_LAYER_SECURE_CLONE; l++) {
		if (!(need_layers & SBX_BIT(l)))
			continue;
		snprintf(key, sizeof(key), "layer %s", sbx_layer_name(l));
		if (!ok(lookup(&r, key, got, sizeof(got)) && matches(got, "works"),
			"%s: layer %s works", name, sbx_layer_name(l)))
			printf("#   got: %s\n", lookup(&r, key, got, sizeof(got)) ? got : "(none)");
	}
	for (i = 0; ex[i].action; i++) {
		unsigned missing = ex[i].need & ~g.have;

		snprintf(what, sizeof(what), "%s: %s -> %s", name, ex[i].action, ex[i].want);
		if (missing) {
			skip(what, need_text(missing));
			continue;
		}
		if (!lookup(&r, ex[i].action, got, sizeof(got)))
			snprintf(got, sizeof(got), "(no result)");
		if (!ok(matches(got, ex[i].want), "%s", what))
			printf("#   got: %s\n", got);
	}
}

/* ---- set-up --------------------------------------------------------------------------- */

static int write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) < 0 || fchmod(fd, mode) < 0) {
		perror(path);
		return -1;
	}
	close(fd);
	return 0;
}

static int setup(void)
{
	struct sockaddr_in sa = {0};
	struct sockaddr_un su = {0};
	socklen_t sl = sizeof(sa);
	const char *tmp = getenv("TMPDIR");

	g.root = geteuid() == 0;
	g.secret_fd = -1;
	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	snprintf(g.base, sizeof(g.base), "%s/pvf-sbx-test-XXXXXX", tmp);
	if (!mkdtemp(g.base) || chmod(g.base, 0755) < 0)
		return -1;
	snprintf(g.worker, sizeof(g.worker), "%s/worker", g.base);
	snprintf(g.artifact, sizeof(g.artifact), "%s/artifact", g.worker);
	snprintf(g.output, sizeof(g.output), "%s/output", g.worker);
	snprintf(g.outside_dir, sizeof(g.outside_dir), "%s/outside", g.base);
	snprintf(g.public, sizeof(g.public), "%s/public", g.outside_dir);
	snprintf(g.secret, sizeof(g.secret), "%s/secret", g.outside_dir);
	if (mkdir(g.worker, 0755) < 0 || mkdir(g.outside_dir, 0777) < 0 ||
	    chmod(g.outside_dir, 0777) < 0)
		return -1;
	if (write_text(g.artifact, "pvf-art\n", 0755) < 0 || write_text(g.output, "", 0666) < 0 ||
	    write_text(g.public, "public\n", 0644) < 0 || write_text(g.secret, "secret\n", 0600) < 0)
		return -1;
	if (g.root && chown(g.output, 65534, 65534) < 0)
		return -1;
	g.secret_fd = open(g.secret, O_RDONLY | O_CLOEXEC);

	g.victim_pid = fork();
	if (g.victim_pid == 0) {
		for (;;)
			pause();
	}
	snprintf(g.victim, sizeof(g.victim), "%d", (int)g.victim_pid);

	g.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (g.listen_fd < 0 || bind(g.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(g.listen_fd, 64) < 0 ||
	    getsockname(g.listen_fd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	snprintf(g.port, sizeof(g.port), "%d", ntohs(sa.sin_port));

	snprintf(g.abstract, sizeof(g.abstract), "pvf-sbx-test-%d", (int)getpid());
	g.abstract_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	su.sun_family = AF_UNIX;
	memcpy(su.sun_path + 1, g.abstract, strlen(g.abstract));
	if (g.abstract_fd < 0 ||
	    bind(g.abstract_fd, (struct sockaddr *)&su,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(g.abstract))) < 0 ||
	    listen(g.abstract_fd, 64) < 0)
		return -1;
	return 0;
}

static void teardown(void)
{
	if (g.victim_pid > 0) {
		kill(g.victim_pid, SIGKILL);
		waitpid(g.victim_pid, NULL, 0);
	}
	unlink(g.public);
	unlink(g.secret);
	unlink(g.artifact);
	unlink(g.output);
	rmdir(g.outside_dir);
	rmdir(g.worker);
	rmdir(g.base);
}

/* ---- the scenarios ---------------------------------------------------------------------- */

#define L(x) SBX_BIT(SBX_LAYER_##x)

static void control(void)
{
	const char *args[] = {"--layers", "none", "--artifact", g.artifact, "--output", g.output,
			      NULL};
	const struct expect ex[] = {
		{"open-outside", "ok", 0},
		{"open-secret", "ok", 0},
		{"list-root", "ok", 0},
		{"write-outside", "ok", 0},
		{"write-artifact", "ok", 0},
		{"read-artifact", "ok", 0},
		{"write-output", "ok", 0},
		{"read-output", "ok", 0},
		{"socket-inet", "ok", 0},
		{"socket-unix", "ok", 0},
		{"socket-netlink", "ok", 0},
		{"socketpair", "ok", 0},
		{"connect-tcp", "ok", 0},
		{"bind-tcp", "ok", 0},
		{"connect-abstract", "ok", 0},
		{"execve", "EFAULT", 0},          /* the kernel accepted the file */
		{"execve-artifact", "EFAULT", 0},
		{"ptrace", "ok", 0},
		{"proc-other", "ok", 0},
		{"kill-victim", "ok", 0},
		{"fork-limit", "ok 8", 0},
		{"thread", "ok", 0},
		{"setuid0", "ok", NEED_ROOT},
		{"mount", "ENODEV", NEED_ROOT},   /* permitted; the fs type is unknown */
		{"mmap", "ok", 0},
		{"mmap-exec", "ok", 0},
		{"big-alloc", "ok", 0},
		{"clock", "ok", 0},
		{"read-fd=5", "ok", 0},
		{NULL, NULL, 0},
	};
	const char *extra[] = {"socket-inet6", "io-uring", "int80-socket", NULL};
	const unsigned extra_need[] = {NEED_INET6, NEED_IOURING, NEED_INT80};
	const char *eargs[] = {"--layers", "none", "--", extra[0], extra[1], extra[2], NULL};
	struct result r;
	char got[64];
	int i;

	scenario("control", args, ex, 0, 0);
	/* Optional kernel features: learn whether they exist outside. */
	if (run_probe(eargs, &r) == 0)
		for (i = 0; extra[i]; i++)
			if (lookup(&r, extra[i], got, sizeof(got)) && matches(got, "ok"))
				g.have |= extra_need[i];
	printf("# optional outside the sandbox: inet6 %s, io_uring %s, i386 ABI %s\n",
	       g.have & NEED_INET6 ? "yes" : "no", g.have & NEED_IOURING ? "yes" : "no",
	       g.have & NEED_INT80 ? "yes" : "no");
}

/* A user namespace mapped to host root still owns host root's files and may
 * signal its processes: this is why the policy drops to nobody. (ptrace is
 * refused: the victim's capabilities are not a subset of the caller's.)
 * Run by a non-root user the same holds for that user's files. */
static void root_mapped(void)
{
	const char *args[] = {"--layers", "user-namespace", NULL};
	const struct expect ex[] = {
		{"open-secret", "ok", 0},
		{"ptrace", "EPERM", 0},
		{"kill-victim", "ok", 0},
		{"setuid0", "EINVAL", 0},   /* uid 0 is not mapped inside */
		{"mount", "EPERM", 0},      /* caps in the new userns only */
		{NULL, NULL, 0},
	};

	scenario("root-mapped", args, ex, L(USERNS), 0);
}

static void identity(void)
{
	const char *args[] = {"--layers", "user-namespace", "--run-as", NOBODY, NULL};
	const struct expect ex[] = {
		{"open-secret", "EACCES", NEED_ROOT},
		{"open-outside", "ok", 0},  /* identity alone confines no file */
		{"write-outside", "ok", 0},
		{"ptrace", "EPERM", NEED_ROOT},
		{"proc-other", "EACCES", NEED_ROOT},
		{"kill-victim", "EPERM", NEED_ROOT},
		{"setuid0", "EINVAL", 0},
		{"setgid0", "EINVAL", 0},
		{"mount", "EPERM", 0},
		{NULL, NULL, 0},
	};

	if (!g.root) {
		skip("identity: all checks", "needs root (the run-as drop applies to root only)");
		return;
	}
	scenario("identity", args, ex, L(USERNS), 0);
}

static void change_root(void)
{
	const char *args[] = {"--layers", "user-namespace,change-root", "--root", g.worker,
			      "--noexec", "--run-as", NOBODY, NULL};
	const char *ro_args[] = {"--layers", "user-namespace,change-root", "--root", g.worker,
				 "--readonly", "--run-as", NOBODY, NULL};
	const struct expect ex[] = {
		{"open-outside", "ENOENT", 0},
		{"open-secret", "ENOENT", 0},
		{"list-root", "ok artifact,output", 0},
		{"write-outside", "ENOENT", 0},
		{"read-artifact", "ok 8", 0},
		{"write-output", "ok", 0},
		{"execve", "ENOENT", 0},
		{"execve-artifact", "EACCES", 0},   /* mounted noexec */
		{"proc-other", "ENOENT", 0},
		{"mmap-exec", "ok", 0},
		{NULL, NULL, 0},
	};
	const struct expect ro[] = {
		{"write-output", "EROFS", 0},      /* nobody's own 0666 file */
		{"read-artifact", "ok 8", 0},
		{"execve-artifact", "EFAULT", 0},  /* not noexec: the kernel took the file */
		{NULL, NULL, 0},
	};

	scenario("change-root", args, ex, L(USERNS) | L(CHANGE_ROOT), 0);
	scenario("change-root-ro", ro_args, ro, L(USERNS) | L(CHANGE_ROOT), 0);
}

/* Landlock alone (plus what it needs), mapped to host root: every denial
 * here is Landlock's, since DAC allows everything to root. */
static void landlock(void)
{
	const char *args[] = {"--layers", "user-namespace,no-new-privs,landlock,landlock-net",
			      "--read", g.artifact, "--write", g.output,
			      "--artifact", g.artifact, "--output", g.output, NULL};
	const struct expect ex[] = {
		{"open-outside", "EACCES", 0},
		{"open-secret", "EACCES", 0},
		{"list-root", "EACCES", 0},
		{"write-outside", "EACCES", 0},
		{"write-artifact", "EACCES", 0},
		{"read-artifact", "ok 8", 0},
		{"write-output", "ok", 0},
		{"read-output", "EACCES", 0},
		{"execve", "EACCES", 0},
		{"execve-artifact", "EACCES", 0},
		{"proc-other", "EACCES", 0},
		{"socket-inet", "ok", 0},           /* Landlock does not stop sockets */
		{"connect-tcp", "EACCES", NEED_LL4},
		{"bind-tcp", "EACCES", NEED_LL4},
		{"connect-abstract", "EPERM", NEED_LL6},
		{"kill-victim", "EPERM", NEED_LL6},  /* signal scoping, same uid */
		{NULL, NULL, 0},
	};
	unsigned layers = L(USERNS) | L(NO_NEW_PRIVS) | L(LANDLOCK);

	if (g.landlock_abi >= 4)
		layers |= L(LANDLOCK_NET);
	scenario("landlock", args, ex, layers, 0);
}

static void netns(void)
{
	const char *args[] = {"--layers", "user-namespace,net-namespace", NULL};
	const struct expect ex[] = {
		{"socket-inet", "ok", 0},
		{"connect-tcp", "ENETUNREACH", 0},      /* only a down lo */
		{"connect-abstract", "ECONNREFUSED", 0},/* abstract names are per netns */
		{"bind-tcp", "ok", 0},
		{NULL, NULL, 0},
	};

	scenario("net-namespace", args, ex, L(USERNS) | L(NETNS), 0);
}

static void seccomp(void)
{
	const char *args[] = {"--layers", "no-new-privs,seccomp", "--seccomp", "deny-network",
			      "--artifact", g.artifact, "--output", g.output, NULL};
	const struct expect ex[] = {
		{"socket-inet", "EACCES", 0},
		{"socket-inet6", "EACCES", 0},
		{"socket-unix", "EACCES", 0},
		{"socket-netlink", "EACCES", 0},
		{"socketpair", "EACCES", 0},
		{"connect-tcp", "EACCES", 0},
		{"bind-tcp", "EACCES", 0},
		{"connect-abstract", "EACCES", 0},
		{"io-uring", "EACCES", NEED_IOURING},
		{"ptrace", "EACCES", 0},
		{"int80-socket", "signal SYS", NEED_INT80},  /* foreign ABI: killed */
		{"x32-socket", "signal SYS", NEED_X86_64},   /* x32 numbering: killed */
		{"open-outside", "ok", 0},          /* seccomp alone confines no file */
		{"read-artifact", "ok 8", 0},
		{"write-output", "ok", 0},
		{"mmap", "ok", 0},
		{"mmap-exec", "ok", 0},
		{"clock", "ok", 0},
		{"thread", "ok", 0},
		{"fork-limit", "ok 8", 0},
		{NULL, NULL, 0},
	};
	const char *kill_args[] = {"--layers", "no-new-privs,seccomp", "--seccomp", "deny-network",
				   "--seccomp-kill", "--", "socket-inet", NULL};
	struct result r;

	scenario("seccomp", args, ex, L(NO_NEW_PRIVS) | L(SECCOMP), 0);
	if (g.lacking & L(SECCOMP)) {
		skip("seccomp-kill", g.lacking_why);
		return;
	}
	ok(run_probe(kill_args, &r) == 0 && WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSYS,
	   "seccomp-kill: socket() kills the process with SIGSYS");
}

static void rlimits(void)
{
	/* "--as" is last so that sanitizer builds can leave it out. */
	const char *args_root[] = {"--layers", "user-namespace,rlimits", "--run-as", NOBODY,
				   "--nproc", "4", "--nofile", "16", "--as", "1073741824", NULL};
	const char *args_user[] = {"--layers", "user-namespace,rlimits", "--nproc", "4",
				   "--nofile", "16", "--as", "1073741824", NULL};
	const struct expect ex[] = {
		{"fork-limit", "EAGAIN", 0},
		{"open-many", "EMFILE", 0},
		{"big-alloc", "ENOMEM", NEED_NO_ASAN},
		{"mmap", "ok", 0},
		{NULL, NULL, 0},
	};

	if (TEST_SANITIZER) {
		args_root[8] = NULL;
		args_user[6] = NULL;
	}
	scenario("rlimits", g.root ? args_root : args_user, ex, L(USERNS) | L(RLIMITS), 0);
}

static void fds_env(void)
{
	const char *args[] = {"--layers", "close-fds,clear-env", NULL};
	const struct expect ex[] = {
		{"read-fd=5", "EBADF", 0},
		{"env", "ok 0", 0},
		{NULL, NULL, 0},
	};

	scenario("close-fds+clear-env", args, ex, L(CLOSE_FDS) | L(CLEAR_ENV), 0);
}

static void privs(void)
{
	const char *args[] = {"--layers", "user-namespace,no-new-privs", NULL};
	const struct expect ex[] = {
		{"caps", "ok 0000000000000000", 0},
		{"setuid0", "EINVAL", 0},
		{"mount", "EPERM", 0},
		{NULL, NULL, 0},
	};

	scenario("no-new-privs", args, ex, L(USERNS) | L(NO_NEW_PRIVS), 0);
}

/* The whole worker policy: what a compromised worker faces. */
#define WORKER_ARGS                                                                      \
	"--layers", "all", "--root", g.worker, "--noexec", "--read", "/artifact", "--write", \
		"/output", "--seccomp", "deny-network", "--nproc", "16", "--nofile", "64",   \
		"--run-as", NOBODY

static unsigned worker_layers(void)
{
	unsigned layers = SBX_APPLY_ALL;

	if (g.landlock_abi < 4)
		layers &= ~L(LANDLOCK_NET);
	return layers;
}

static void worker(void)
{
	const char *args[] = {WORKER_ARGS, NULL};
	const struct expect ex[] = {
		{"open-outside", "ENOENT", 0},
		{"open-secret", "ENOENT", 0},
		{"list-root", "EACCES", 0},
		{"write-outside", "ENOENT", 0},
		{"write-artifact", "EACCES", 0},
		{"read-artifact", "ok 8", 0},
		{"write-output", "ok", 0},
		{"read-output", "EACCES", 0},
		{"socket-inet", "EACCES", 0},
		{"socket-inet6", "EACCES", 0},
		{"socket-unix", "EACCES", 0},
		{"socket-netlink", "EACCES", 0},
		{"connect-tcp", "EACCES", 0},
		{"bind-tcp", "EACCES", 0},
		{"execve", "ENOENT", 0},
		{"execve-artifact", "EACCES", 0},
		{"ptrace", "EACCES", 0},
		{"proc-other", "ENOENT", 0},
		{"kill-victim", "EPERM", 0},
		{"fork-limit", "ok 8", 0},
		{"thread", "ok", 0},
		{"setuid0", "EINVAL", 0},
		{"mount", "EPERM", 0},
		{"caps", "ok 0000000000000000", 0},
		{"mmap", "ok", 0},
		{"mmap-exec", "ok", 0},
		{"clock", "ok", 0},
		{"read-fd=5", "EBADF", 0},
		{"env", "ok 0", 0},
		{NULL, NULL, 0},
	};

	scenario("worker", args, ex, worker_layers(), 0);
}

/* A job cloned by the confined worker into fresh namespaces, with the
 * execute-job allow-list on top. */
static void execute_job(void)
{
	const char *args[] = {WORKER_ARGS, "--job-execute", NULL};
	const struct expect ex[] = {
		{"pid", "ok 1", 0},                  /* PID 1 of its own namespace */
		{"read-artifact", "ok 8", 0},
		{"write-output", "ok", 0},
		{"mmap", "ok", 0},
		{"mmap-exec", "ok", 0},
		{"clock", "ok", 0},
		{"thread", "ok", 0},                 /* clone with CLONE_THREAD */
		{"fork-limit", "EACCES", 0},         /* clone without it */
		{"execve", "EACCES", 0},
		{"open-outside", "ENOENT", 0},
		{"list-root", "EACCES", 0},
		{"write-artifact", "EACCES", 0},
		{"socket-inet", "EACCES", 0},
		{"socket-unix", "EACCES", 0},
		{"socket-netlink", "EACCES", 0},
		{"ptrace", "EACCES", 0},
		{"kill-victim", "EACCES", 0},
		{"setuid0", "EACCES", 0},
		{"mount", "EACCES", 0},
		{"unshare-user", "EACCES", 0},
		{"io-uring", "EACCES", 0},
		{NULL, NULL, 0},
	};

	scenario("execute-job", args, ex, worker_layers() | L(SECURE_CLONE), 0);
}

/* The job with only the worker's filter: the namespaces alone. */
static void plain_job(void)
{
	const char *args[] = {WORKER_ARGS, "--job", NULL};
	const struct expect ex[] = {
		{"pid", "ok 1", 0},
		{"kill-victim", "ESRCH", 0},   /* outside its PID namespace */
		{"caps", "ok 0000000000000000", 0},
		{"unshare-user", "EPERM", 0},  /* its uid is unmapped in the job's namespace */
		{NULL, NULL, 0},
	};

	scenario("job", args, ex, worker_layers() | L(SECURE_CLONE), 0);
}

/* A required layer that fails stops sbx_apply; an optional one does not. */
static void required(void)
{
	const char *req[] = {"--layers", "user-namespace,no-new-privs", "--require",
			     "user-namespace", "--break", "user-namespace", NULL};
	const char *opt[] = {"--layers", "user-namespace,no-new-privs", "--break",
			     "user-namespace", NULL};
	const struct expect ex[] = {
		{"layer user-namespace", "missing", 0},
		{"apply", "user-namespace:", 0},
		{NULL, NULL, 0},
	};
	const struct expect ex_opt[] = {
		{"layer user-namespace", "missing", 0},
		{"layer no-new-privs", "works", 0},
		{"caps", "ok 0000000000000000", 0},
		{NULL, NULL, 0},
	};

	scenario("required-missing", req, ex, 0, 3);
	scenario("optional-missing", opt, ex_opt, 0, 0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PROBE\n", argv[0]);
		return 2;
	}
	g.probe = argv[1];
	g.lacking = machine_missing(g.lacking_why, sizeof(g.lacking_why));
	g.landlock_abi = machine_landlock_abi();
	printf("# this machine lacks: %s\n", g.lacking ? g.lacking_why : "nothing");
	printf("# landlock ABI %d\n", g.landlock_abi);
	if (g.lacking & L(USERNS))
		tap_skip_all(g.lacking_why);
	if (g.landlock_abi >= 4)
		g.have |= NEED_LL4;
	if (g.landlock_abi >= 6)
		g.have |= NEED_LL6;
	if (setup() < 0) {
		perror("setup");
		teardown();
		return 1;
	}
	g.have |= g.root ? NEED_ROOT : NEED_NONROOT;
#if defined(__x86_64__)
	g.have |= NEED_X86_64;
#endif
	if (!TEST_SANITIZER)
		g.have |= NEED_NO_ASAN;

	control();
	root_mapped();
	identity();
	change_root();
	landlock();
	netns();
	seccomp();
	rlimits();
	fds_env();
	privs();
	worker();
	plain_job();
	execute_job();
	required();

	teardown();
	return tap_done();
}
