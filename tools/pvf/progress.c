/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The progress line of long preparations (docs/cli.md): after one second, a
 * line on stderr with the elapsed wall time and the CPU time spent so far by
 * this process and every process below it (the host's workers and their
 * jobs), refreshed in place four times a second on a terminal, or printed as
 * a new line every 5 s (and a last one with the totals) with --progress when
 * stderr is not one. PVF_PROGRESS_DELAY_MS changes the one second. A thread does
 * the ticking, so it works the same while the main thread blocks in the host
 * or in an in-process preparation.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "cli.h"

/* Parent and CPU ticks of one /proc entry, its reaped children's included;
 * false if it is gone. */
static bool proc_stat(int pid, int *ppid, unsigned long long *ticks)
{
	char path[64], line[1024], *p;
	unsigned long long ut = 0, st = 0, cut = 0, cst = 0;
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	/* the command name may hold spaces and parentheses: fields start
	 * after the last ')' */
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')))
		ok = sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
			    ppid, &ut, &st, &cut, &cst) == 5;
	fclose(f);
	*ticks = ut + st + cut + cst;
	return ok;
}

/* Every process below us is counted while it runs, then in the reaped
 * children's time of its parent: the sum only grows. */
uint64_t cli_tree_cpu_ns(void)
{
	struct pent { int pid, ppid; unsigned long long ticks; } *v = NULL;
	size_t n = 0, cap = 0;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t sum = base_cpu_ns();
	struct rusage ru;
	struct dirent *de;
	DIR *d = opendir("/proc");
	bool grew = true;
	int self = getpid();

	if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
		sum += (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
		       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;

	while (d && (de = readdir(d))) {
		int pid = atoi(de->d_name), ppid;
		unsigned long long ticks;

		if (pid <= 0 || pid == self || !proc_stat(pid, &ppid, &ticks))
			continue;
		if (n == cap) {
			struct pent *nv = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		v[n].pid = pid;
		v[n].ppid = ppid;
		v[n].ticks = ticks;
		n++;
	}
	if (d)
		closedir(d);
	/* descendants: mark children of marked processes until nothing
	 * changes (ppid = -1 once counted) */
	for (size_t i = 0; i < n; i++)
		if (v[i].ppid == self) {
			sum += v[i].ticks * 1000000000ull / (unsigned long long)(hz > 0 ? hz : 100);
			v[i].ppid = -1;
		}
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (v[i].ppid < 0)
				continue;
			for (size_t j = 0; j < n; j++) {
				if (v[j].ppid == -1 && v[j].pid == v[i].ppid) {
					sum += v[i].ticks * 1000000000ull /
					       (unsigned long long)(hz > 0 ? hz : 100);
					v[i].ppid = -2;
					grew = true;
					break;
				}
			}
		}
		for (size_t i = 0; i < n; i++)
			if (v[i].ppid == -2)
				v[i].ppid = -1;
	}
	free(v);
	return sum;
}

static void show(struct cli_progress *p, bool final)
{
	uint64_t wall = base_now_ns() - p->t0_ns, now = cli_tree_cpu_ns();
	double cpu = now > p->cpu0_ns ? (double)(now - p->cpu0_ns) / 1e9 : 0;

	if (p->tty)
		fprintf(stderr, "\r%s: %s: %.1f s elapsed, %.1f s CPU\033[K", p->prog, p->what,
			(double)wall / 1e9, cpu);
	else
		fprintf(stderr, "%s: %s%s: %.1f s elapsed, %.1f s CPU\n", p->prog, p->what,
			final ? ", done" : "", (double)wall / 1e9, cpu);
	fflush(stderr);
	p->shown = true;
}

static void *ticker(void *arg)
{
	struct cli_progress *p = arg;
	uint64_t next = p->t0_ns + p->delay_ns;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec ts;
		uint64_t now = base_now_ns();

		if (now >= next) {
			show(p, false);
			next = now + (p->tty ? 250000000ull : 5000000000ull);
		}
		/* base_now_ns is CLOCK_MONOTONIC; the condvar uses it too */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 250000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

void cli_progress_start(struct cli_progress *p, const char *prog, const char *what,
			enum cli_progress_mode mode)
{
	pthread_condattr_t ca;

	memset(p, 0, sizeof(*p));
	p->prog = prog;
	snprintf(p->what, sizeof(p->what), "%s", what);
	p->tty = isatty(STDERR_FILENO) && mode != CLI_PROGRESS_OFF;
	if (mode == CLI_PROGRESS_OFF || (mode == CLI_PROGRESS_AUTO && !p->tty))
		return;
	p->t0_ns = base_now_ns();
	p->cpu0_ns = cli_tree_cpu_ns();
	p->delay_ns = 1000000000ull;
	if (getenv("PVF_PROGRESS_DELAY_MS"))
		p->delay_ns = strtoull(getenv("PVF_PROGRESS_DELAY_MS"), NULL, 10) * 1000000ull;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	p->running = pthread_create(&p->thread, NULL, ticker, p) == 0;
}

void cli_progress_end(struct cli_progress *p)
{
	if (!p->running)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	p->running = false;
	/* a terminal line is cleared (the result follows); elsewhere a last
	 * line gives the totals */
	if (p->shown && p->tty) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	} else if (p->shown) {
		show(p, true);
	}
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
}
