/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe: applies a sandbox policy given on the command line with sbx_apply(),
 * then tries one thing at a time and prints what happened, one line each:
 *
 *     <action> ok [detail]        the call succeeded
 *     <action> <ERRNO> [detail]   the call failed with that errno
 *     <action> signal <SIG>       a child doing it was killed (seccomp kill)
 *
 * Before the actions it prints one `layer <name> <works|missing|-> [reason]`
 * line per layer. Calls that could change something outside the probe are
 * made so they fail harmlessly when allowed (bubblewrap's try-syscall idea):
 * execve gets a bad argv (EFAULT = the kernel let it through), mount gets an
 * unknown file-system type (ENODEV = permitted), ptrace uses PTRACE_SEIZE
 * (the tracee is released when the probe exits).
 *
 * usage: probe [options] -- action...   (see usage() and scenarios.c)
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

#define MAX_PATHS 8

struct opts {
	struct sbx_policy pol;
	const char *read[MAX_PATHS + 1];
	const char *write[MAX_PATHS + 1];
	int keep[MAX_PATHS];
	size_t n_read, n_write;
	pid_t victim;
	int port;
	const char *abstract;    /* abstract unix socket name (without the NUL) */
	const char *outside;     /* a readable file outside the worker dir */
	const char *secret;      /* a root-only (0600) file outside */
	const char *outside_dir; /* a world-writable dir outside */
	const char *artifact;    /* the artifact as the sandbox sees it */
	const char *output;      /* the output file as the sandbox sees it */
	const char *exe;         /* a program to execve */
	int fork_tries;
	bool job;                /* run the actions in a secure-cloned job */
	bool job_execute;        /* the job applies the execute-job policy */
	uint64_t job_nproc;
};

static int parse_layers(const char *s, unsigned *out)
{
	char buf[512], *tok, *save = NULL;
	int l;

	*out = 0;
	if (strcmp(s, "none") == 0)
		return 0;
	if (strcmp(s, "all") == 0) {
		*out = SBX_APPLY_ALL;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (l = 0; l < SBX_LAYER_COUNT; l++)
			if (strcmp(tok, sbx_layer_name(l)) == 0)
				break;
		if (l == SBX_LAYER_COUNT) {
			fprintf(stderr, "probe: unknown layer `%s`\n", tok);
			return -1;
		}
		*out |= SBX_BIT(l);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: probe [--layers L,..|all|none] [--require L,..] [--break L,..] [--root DIR]\n"
		"  [--readonly]"
		"  [--noexec] [--run-as ID] [--read P] [--write P] [--seccomp deny-network|execute]\n"
		"  [--seccomp-kill] [--nofile N] [--nproc N] [--as BYTES] [--keep-fd N]\n"
		"  [--victim PID] [--port N] [--abstract NAME] [--outside P] [--secret P]\n"
		"  [--outside-dir D] [--artifact P] [--output P] [--exe P] [--fork-tries N]\n"
		"  [--job] [--job-execute] [--job-nproc N] -- action...\n");
}

static int parse(int argc, char **argv, struct opts *o, int *first_action)
{
	int i;

	memset(o, 0, sizeof(*o));
	sbx_policy_init(&o->pol);
	o->keep[0] = 1;
	o->keep[1] = 2;
	o->pol.keep_fds = o->keep;
	o->pol.n_keep_fds = 2;
	o->artifact = "/artifact";
	o->output = "/output";
	o->exe = "/bin/true";
	o->fork_tries = 8;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--") == 0) {
			*first_action = i + 1;
			o->read[o->n_read] = NULL;
			o->write[o->n_write] = NULL;
			if (o->n_read)
				o->pol.landlock_read = o->read;
			if (o->n_write)
				o->pol.landlock_write = o->write;
			return 0;
		}
		if (strcmp(a, "--readonly") == 0) {
			o->pol.root_flags |= SBX_ROOT_READONLY;
			continue;
		}
		if (strcmp(a, "--noexec") == 0) {
			o->pol.root_flags |= SBX_ROOT_NOEXEC;
			continue;
		}
		if (strcmp(a, "--seccomp-kill") == 0) {
			o->pol.seccomp_kill = true;
			continue;
		}
		if (strcmp(a, "--job") == 0) {
			o->job = true;
			continue;
		}
		if (strcmp(a, "--job-execute") == 0) {
			o->job = o->job_execute = true;
			continue;
		}
		if (!v)
			break;
		i++;
		if (strcmp(a, "--layers") == 0) {
			if (parse_layers(v, &o->pol.layers) < 0)
				return -1;
		} else if (strcmp(a, "--break") == 0) {
			if (parse_layers(v, &o->pol.test_break) < 0)
				return -1;
		} else if (strcmp(a, "--require") == 0) {
			if (parse_layers(v, &o->pol.required) < 0)
				return -1;
		} else if (strcmp(a, "--root") == 0) {
			o->pol.root_dir = v;
		} else if (strcmp(a, "--run-as") == 0) {
			o->pol.run_as_uid = o->pol.run_as_gid = (uint32_t)strtoul(v, NULL, 10);
		} else if (strcmp(a, "--read") == 0 && o->n_read < MAX_PATHS) {
			o->read[o->n_read++] = v;
		} else if (strcmp(a, "--write") == 0 && o->n_write < MAX_PATHS) {
			o->write[o->n_write++] = v;
		} else if (strcmp(a, "--seccomp") == 0) {
			o->pol.seccomp = strcmp(v, "execute") == 0 ? SBX_SECCOMP_EXECUTE_JOB :
					 SBX_SECCOMP_DENY_NETWORK;
		} else if (strcmp(a, "--nofile") == 0) {
			o->pol.rlimits.nofile = strtoull(v, NULL, 10);
		} else if (strcmp(a, "--nproc") == 0) {
			o->pol.rlimits.nproc = strtoull(v, NULL, 10);
		} else if (strcmp(a, "--as") == 0) {
			o->pol.rlimits.as_bytes = strtoull(v, NULL, 10);
		} else if (strcmp(a, "--keep-fd") == 0 && o->pol.n_keep_fds < MAX_PATHS) {
			o->keep[o->pol.n_keep_fds++] = atoi(v);
		} else if (strcmp(a, "--victim") == 0) {
			o->victim = (pid_t)atoi(v);
		} else if (strcmp(a, "--port") == 0) {
			o->port = atoi(v);
		} else if (strcmp(a, "--abstract") == 0) {
			o->abstract = v;
		} else if (strcmp(a, "--outside") == 0) {
			o->outside = v;
		} else if (strcmp(a, "--secret") == 0) {
			o->secret = v;
		} else if (strcmp(a, "--outside-dir") == 0) {
			o->outside_dir = v;
		} else if (strcmp(a, "--artifact") == 0) {
			o->artifact = v;
		} else if (strcmp(a, "--output") == 0) {
			o->output = v;
		} else if (strcmp(a, "--exe") == 0) {
			o->exe = v;
		} else if (strcmp(a, "--fork-tries") == 0) {
			o->fork_tries = atoi(v);
		} else if (strcmp(a, "--job-nproc") == 0) {
			o->job_nproc = strtoull(v, NULL, 10);
		} else {
			break;
		}
	}
	usage();
	return -1;
}

/* ---- output ------------------------------------------------------------------- */

static void put(const char *action, int err, const char *detail)
{
	char name[32];

	if (err == 0)
		snprintf(name, sizeof(name), "ok");
	else
		snprintf(name, sizeof(name), "%s", strerrorname_np(err) ? strerrorname_np(err) : "E?");
	printf("%s %s%s%s\n", action, name, detail ? " " : "", detail ? detail : "");
	fflush(stdout);
}

/* ---- actions --------------------------------------------------------------------- */

static int try_open(const char *path, int flags)
{
	int fd;

	if (!path)
		return EINVAL;
	fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void act_list_root(void)
{
	char names[512] = "", *list[64];
	struct dirent *de;
	size_t n = 0, i, len = 0;
	DIR *d = opendir("/");

	if (!d) {
		put("list-root", errno, NULL);
		return;
	}
	while ((de = readdir(d)) && n < BASE_ARRAY_SIZE(list))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			list[n++] = strdup(de->d_name);
	qsort(list, n, sizeof(list[0]), cmp_str);
	for (i = 0; i < n; i++) {
		if (len + strlen(list[i]) + 2 < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						i ? "," : "", list[i]);
		free(list[i]);
	}
	closedir(d);
	put("list-root", 0, names);
}

static void act_read_file(const char *action, const char *path)
{
	char buf[256], detail[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		put(action, errno, NULL);
		return;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		put(action, errno, NULL);
		return;
	}
	snprintf(detail, sizeof(detail), "%zd", n);
	put(action, 0, detail);
}

static void act_write_file(const char *action, const char *path, int flags)
{
	ssize_t n;
	int fd = path ? open(path, O_WRONLY | O_CLOEXEC | flags, 0644) : -1;

	if (fd < 0) {
		put(action, path ? errno : EINVAL, NULL);
		return;
	}
	n = write(fd, "probe\n", 6);
	close(fd);
	put(action, n == 6 ? 0 : errno, NULL);
}

static void act_socket(const char *action, int family, int type, int proto)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);

	if (fd < 0) {
		put(action, errno, NULL);
		return;
	}
	close(fd);
	put(action, 0, NULL);
}

static void act_connect_tcp(const struct opts *o)
{
	struct sockaddr_in sa = {0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0) {
		put("connect-tcp", errno, "(socket)");
		return;
	}
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)o->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
	close(fd);
	put("connect-tcp", ret, NULL);
}

static void act_bind_tcp(void)
{
	struct sockaddr_in sa = {0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0) {
		put("bind-tcp", errno, "(socket)");
		return;
	}
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
	if (ret == 0)
		ret = listen(fd, 1) < 0 ? errno : 0;
	close(fd);
	put("bind-tcp", ret, NULL);
}

static void act_connect_abstract(const struct opts *o)
{
	struct sockaddr_un sa = {0};
	socklen_t len;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0) {
		put("connect-abstract", errno, "(socket)");
		return;
	}
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "%s", o->abstract ? o->abstract : "x");
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1));
	ret = connect(fd, (struct sockaddr *)&sa, len) < 0 ? errno : 0;
	close(fd);
	put("connect-abstract", ret, NULL);
}

/* EFAULT: the kernel opened and accepted the file, then faulted on argv. */
static void act_execve(const char *action, const char *path)
{
	syscall(SYS_execve, path, (char *const *)8, NULL);
	put(action, errno, NULL);
}

static void act_ptrace(const struct opts *o)
{
	long r = ptrace(PTRACE_SEIZE, o->victim, NULL, NULL);

	put("ptrace", r < 0 ? errno : 0, NULL);
}

static void act_proc_other(const struct opts *o)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)o->victim);
	put("proc-other", try_open(path, O_RDONLY), NULL);
}

static void act_kill_victim(const struct opts *o)
{
	put("kill-victim", kill(o->victim, 0) < 0 ? errno : 0, NULL);
}

/* Forks up to n children, which wait on a pipe (or exit at once when the
 * job may not make pipes) and are reaped at the end. */
static void act_fork_limit(const struct opts *o)
{
	pid_t kids[64];
	int p[2] = {-1, -1}, made = 0, ret = 0, i;
	char detail[32];

	if (pipe2(p, O_CLOEXEC) < 0)
		p[0] = p[1] = -1;
	for (i = 0; i < o->fork_tries && i < 64; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			ret = errno;
			break;
		}
		if (pid == 0) {
			char c;

			if (p[0] >= 0) {
				close(p[1]);
				while (read(p[0], &c, 1) < 0 && errno == EINTR)
					;
			}
			_exit(0);
		}
		kids[made++] = pid;
	}
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	for (i = 0; i < made; i++)
		waitpid(kids[i], NULL, 0);
	snprintf(detail, sizeof(detail), "%d", made);
	put("fork-limit", ret, detail);
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void act_thread(void)
{
	pthread_t t;
	void *res = NULL;
	int ret = pthread_create(&t, NULL, thread_fn, (void *)1);

	if (ret == 0)
		ret = pthread_join(t, &res);
	put("thread", ret, NULL);
}

static void act_mmap(bool exec)
{
	size_t len = 1 << 20;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ret = 0;

	if (p == MAP_FAILED) {
		put(exec ? "mmap-exec" : "mmap", errno, NULL);
		return;
	}
	memset(p, 0xc3, len);   /* ret */
	if (exec && mprotect(p, len, PROT_READ | PROT_EXEC) < 0)
		ret = errno;
	munmap(p, len);
	put(exec ? "mmap-exec" : "mmap", ret, NULL);
}

static void act_big_alloc(void)
{
	size_t len = (size_t)2 << 30;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		put("big-alloc", errno, NULL);
		return;
	}
	munmap(p, len);
	put("big-alloc", 0, NULL);
}

static void act_clock(void)
{
	struct timespec ts;
	long r = syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);

	put("clock", r < 0 ? errno : 0, NULL);
}

static void act_open_many(void)
{
	int fds[256], n = 0, ret = 0, i;
	char detail[16];

	for (i = 0; i < 256; i++) {
		fds[n] = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fds[n] < 0) {
			ret = errno;
			break;
		}
		n++;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	snprintf(detail, sizeof(detail), "%d", n);
	put("open-many", ret, detail);
}

static void act_io_uring(void)
{
	uint8_t params[120] = {0};
	long fd = syscall(SYS_io_uring_setup, 1, params);

	if (fd >= 0)
		close((int)fd);
	put("io-uring", fd < 0 ? errno : 0, NULL);
}

/* socketcall(SYS_SOCKET) through the i386 ABI: must not get past a filter
 * written for x86-64 numbers. Run in a child, it may be killed. */
static void act_int80_socket(void)
{
#if defined(__x86_64__)
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		put("int80-socket", errno, "(fork)");
		return;
	}
	if (pid == 0) {
		static uint32_t args[3] = {AF_INET, SOCK_STREAM, 0};
		long ret;

		/* i386: eax = 102 (socketcall), ebx = 1 (SYS_SOCKET), ecx = args.
		 * args is static so its address fits in 32 bits in a non-PIE
		 * build; in PIE it may not, so the call may fault (EFAULT). */
		__asm__ volatile("int $0x80"
				 : "=a"(ret)
				 : "a"(102), "b"(1), "c"((uint32_t)(uintptr_t)args)
				 : "memory");
		_exit(ret >= 0 || ret == -EFAULT ? 0 : (int)-ret);
	}
	if (waitpid(pid, &status, 0) < 0) {
		put("int80-socket", errno, "(waitpid)");
		return;
	}
	if (WIFSIGNALED(status)) {
		printf("int80-socket signal %s\n", sigabbrev_np(WTERMSIG(status)));
		fflush(stdout);
		return;
	}
	put("int80-socket", WEXITSTATUS(status), NULL);
#else
	put("int80-socket", ENOSYS, "(not x86-64)");
#endif
}

/* socket through the x32 numbering (nr | 0x40000000): x32 shares the x86-64
 * audit arch, so only an explicit check in the filter stops it. */
static void act_x32_socket(void)
{
#if defined(__x86_64__)
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		put("x32-socket", errno, "(fork)");
		return;
	}
	if (pid == 0) {
		long r = syscall(0x40000000L | SYS_socket, AF_INET, SOCK_STREAM, 0);

		_exit(r >= 0 ? 0 : errno);
	}
	if (waitpid(pid, &status, 0) < 0) {
		put("x32-socket", errno, "(waitpid)");
		return;
	}
	if (WIFSIGNALED(status)) {
		printf("x32-socket signal %s\n", sigabbrev_np(WTERMSIG(status)));
		fflush(stdout);
		return;
	}
	put("x32-socket", WEXITSTATUS(status), NULL);
#else
	put("x32-socket", ENOSYS, "(not x86-64)");
#endif
}

static void act_caps(void)
{
	uint32_t hdr[2] = {0x20080522, 0}, data[6] = {0};
	char detail[32];

	if (syscall(SYS_capget, hdr, data) < 0) {
		put("caps", errno, NULL);
		return;
	}
	snprintf(detail, sizeof(detail), "%08x%08x", data[3], data[0]);
	put("caps", 0, detail);
}

static void act_env(void)
{
	extern char **environ;
	char detail[16];
	int n = 0;

	while (environ && environ[n])
		n++;
	snprintf(detail, sizeof(detail), "%d", n);
	put("env", 0, detail);
}

static void act_pid(void)
{
	char detail[16];

	snprintf(detail, sizeof(detail), "%d", (int)getpid());
	put("pid", 0, detail);
}

static void act_read_fd(const char *action)
{
	char buf[16];
	ssize_t n = read(atoi(action + 8), buf, sizeof(buf));

	put(action, n < 0 ? errno : 0, NULL);
}

static int run_action(const struct opts *o, const char *a)
{
	char path[4200];

	if (strcmp(a, "open-outside") == 0)
		put(a, try_open(o->outside, O_RDONLY), NULL);
	else if (strcmp(a, "open-secret") == 0)
		put(a, try_open(o->secret, O_RDONLY), NULL);
	else if (strcmp(a, "list-root") == 0)
		act_list_root();
	else if (strcmp(a, "write-outside") == 0) {
		/* A new file each time; removed again if the write got through. */
		snprintf(path, sizeof(path), "%s/written-by-probe-%d",
			 o->outside_dir ? o->outside_dir : "", (int)getpid());
		act_write_file(a, o->outside_dir ? path : NULL, O_CREAT | O_EXCL);
		unlink(path);
	} else if (strcmp(a, "write-artifact") == 0)
		act_write_file(a, o->artifact, 0);
	else if (strcmp(a, "read-artifact") == 0)
		act_read_file(a, o->artifact);
	else if (strcmp(a, "write-output") == 0)
		act_write_file(a, o->output, O_TRUNC);
	else if (strcmp(a, "read-output") == 0)
		act_read_file(a, o->output);
	else if (strcmp(a, "socket-inet") == 0)
		act_socket(a, AF_INET, SOCK_STREAM, 0);
	else if (strcmp(a, "socket-inet6") == 0)
		act_socket(a, AF_INET6, SOCK_STREAM, 0);
	else if (strcmp(a, "socket-unix") == 0)
		act_socket(a, AF_UNIX, SOCK_STREAM, 0);
	else if (strcmp(a, "socket-netlink") == 0)
		act_socket(a, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	else if (strcmp(a, "socketpair") == 0) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
			close(sv[0]);
			close(sv[1]);
			put(a, 0, NULL);
		} else {
			put(a, errno, NULL);
		}
	} else if (strcmp(a, "connect-tcp") == 0)
		act_connect_tcp(o);
	else if (strcmp(a, "bind-tcp") == 0)
		act_bind_tcp();
	else if (strcmp(a, "connect-abstract") == 0)
		act_connect_abstract(o);
	else if (strcmp(a, "execve") == 0)
		act_execve(a, o->exe);
	else if (strcmp(a, "execve-artifact") == 0)
		act_execve(a, o->artifact);
	else if (strcmp(a, "ptrace") == 0)
		act_ptrace(o);
	else if (strcmp(a, "proc-other") == 0)
		act_proc_other(o);
	else if (strcmp(a, "kill-victim") == 0)
		act_kill_victim(o);
	else if (strcmp(a, "fork-limit") == 0)
		act_fork_limit(o);
	else if (strcmp(a, "thread") == 0)
		act_thread();
	else if (strcmp(a, "setuid0") == 0)
		put(a, setuid(0) < 0 ? errno : 0, NULL);
	else if (strcmp(a, "setgid0") == 0)
		put(a, setgid(0) < 0 ? errno : 0, NULL);
	else if (strcmp(a, "mount") == 0)
		put(a, mount("none", "/", "pvf-no-such-fs", 0, NULL) < 0 ? errno : 0, NULL);
	else if (strcmp(a, "unshare-user") == 0)
		put(a, unshare(CLONE_NEWUSER) < 0 ? errno : 0, NULL);
	else if (strcmp(a, "caps") == 0)
		act_caps();
	else if (strcmp(a, "mmap") == 0)
		act_mmap(false);
	else if (strcmp(a, "mmap-exec") == 0)
		act_mmap(true);
	else if (strcmp(a, "big-alloc") == 0)
		act_big_alloc();
	else if (strcmp(a, "clock") == 0)
		act_clock();
	else if (strcmp(a, "open-many") == 0)
		act_open_many();
	else if (strcmp(a, "io-uring") == 0)
		act_io_uring();
	else if (strcmp(a, "int80-socket") == 0)
		act_int80_socket();
	else if (strcmp(a, "x32-socket") == 0)
		act_x32_socket();
	else if (strcmp(a, "env") == 0)
		act_env();
	else if (strcmp(a, "pid") == 0)
		act_pid();
	else if (strncmp(a, "read-fd=", 8) == 0)
		act_read_fd(a);
	else {
		fprintf(stderr, "probe: unknown action `%s`\n", a);
		return -1;
	}
	return 0;
}

struct job_ctx {
	const struct opts *o;
	int argc;
	char **argv;
};

static int run_actions(const struct opts *o, int n, char **actions)
{
	int i;

	for (i = 0; i < n; i++)
		if (run_action(o, actions[i]) < 0)
			return 2;
	return 0;
}

static int job_main(void *arg)
{
	const struct job_ctx *c = arg;
	struct sbx_policy jp;
	struct sbx_status st;
	struct pvf_err e = {0};

	if (c->o->job_execute || c->o->job_nproc) {
		sbx_policy_init(&jp);
		jp.layers = SBX_BIT(SBX_LAYER_RLIMITS);
		jp.rlimits.nproc = c->o->job_nproc;
		if (c->o->job_execute) {
			jp.layers |= SBX_BIT(SBX_LAYER_SECCOMP);
			jp.seccomp = SBX_SECCOMP_EXECUTE_JOB;
		}
		jp.required = jp.layers;
		if (sbx_apply(&jp, &st, &e) < 0) {
			printf("job-policy %s\n", e.msg);
			fflush(stdout);
			return 3;
		}
	}
	return run_actions(c->o, c->argc, c->argv);
}

int main(int argc, char **argv)
{
	struct sbx_status st;
	struct pvf_err e = {0};
	struct opts o;
	int first = argc, l, ret, status;

	if (parse(argc, argv, &o, &first) < 0)
		return 2;
	ret = sbx_apply(&o.pol, &st, &e);
	for (l = 0; l < SBX_LAYER_SECURE_CLONE; l++)
		printf("layer %s %s%s%s\n", sbx_layer_name(l),
		       st.layer[l].state == SBX_WORKS ? "works" :
		       st.layer[l].state == SBX_MISSING ? "missing" : "-",
		       st.layer[l].reason[0] ? " " : "", st.layer[l].reason);
	if (ret < 0) {
		printf("apply %s\n", e.msg);
		return 3;
	}
	fflush(stdout);
	if (o.job) {
		struct job_ctx c = {&o, argc - first, argv + first};
		struct sbx_job job;

		if (sbx_clone_job(SBX_CLONE_NAMESPACES, job_main, &c, &job, &e) < 0) {
			printf("job %s\n", e.msg);
			return 3;
		}
		if (waitpid(job.pid, &status, 0) < 0)
			return 3;
		if (job.pidfd >= 0)
			close(job.pidfd);
		if (WIFSIGNALED(status)) {
			printf("job signal %s\n", sigabbrev_np(WTERMSIG(status)));
			return 4;
		}
		return WEXITSTATUS(status);
	}
	return run_actions(&o, argc - first, argv + first);
}
