/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guard-region fault handler of the native backend (src/engine/native/
 * fault.c): out-of-bounds accesses of compiled code become the
 * out-of-bounds trap, and every other SIGSEGV still reaches the handler that
 * was there before, or kills the process. Each case runs in a child process.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/exec/exec_int.h"
#include "engine/native/native_int.h"
#include "tap.h"
#include "wasm_builder.h"

/* wat2wasm of:
 *   (module
 *     (import "env" "touch" (func $touch))
 *     (memory 1 2)
 *     (func (export "f0") (param i32) (result i32) (i32.load offset=4 (local.get 0)))
 *     (func (export "f1") (result i32) (call $touch) (i32.const 1))) */
static struct wb oob_module(void)
{
	static const uint8_t m[] = {
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60, 0x00,
		0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x0d, 0x01,
		0x03, 0x65, 0x6e, 0x76, 0x05, 0x74, 0x6f, 0x75, 0x63, 0x68, 0x00, 0x00, 0x03,
		0x03, 0x02, 0x01, 0x02, 0x05, 0x04, 0x01, 0x01, 0x01, 0x02, 0x07, 0x0b, 0x02,
		0x02, 0x66, 0x30, 0x00, 0x01, 0x02, 0x66, 0x31, 0x00, 0x02, 0x0a, 0x10, 0x02,
		0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x04, 0x0b, 0x06, 0x00, 0x10, 0x00, 0x41,
		0x01, 0x0b,
	};
	struct wb b = {0};

	wb_bytes(&b, m, sizeof(m));
	return b;
}

struct env {
	struct eng_module *m;
	struct eng_store *s;
	struct eng_instance *inst;
	struct eng_func *f0, *f1;
};

static enum eng_trap touch_guard(struct eng_host_call *call, void *user, const uint64_t *args,
				 uint64_t *results)
{
	uint64_t size;
	uint8_t *base = eng_memory_data(eng_host_call_memory(call), &size);

	(void)user;
	(void)args;
	(void)results;
	/* C code (not compiled code) reading the guard region while compiled
	 * code runs: a bug, never a trap */
	return ((volatile uint8_t *)base)[size + 100] ? ENG_TRAP_NONE : ENG_TRAP_NONE;
}

static bool resolve(void *ctx, const char *module, size_t module_len, const char *name,
		    size_t name_len, const struct eng_extern_type *want, struct eng_extern *out)
{
	struct eng_store *s = ctx;
	struct eng_functype ft = {0};

	(void)module;
	(void)module_len;
	(void)name;
	(void)name_len;
	(void)want;
	out->kind = ENG_EXTERN_FUNC;
	out->of.func = eng_func_new_host(s, &ft, touch_guard, NULL);
	return out->of.func != NULL;
}

static bool env_new(struct env *e, bool no_guard)
{
	struct wb b = oob_module();
	struct eng_module_config mc = {0};
	struct eng_store_config sc = {0};
	struct eng_extern ex;
	struct eng_error err;
	bool ok;

	memset(e, 0, sizeof(*e));
	sc.backend = ENG_BACKEND_NATIVE;
	sc.no_guard_pages = no_guard;
	ok = eng_module_new(b.p, b.len, &mc, &e->m, &err) == ENG_OK &&
	     eng_store_new(&sc, &e->s) == ENG_OK &&
	     eng_instance_new(e->s, e->m, resolve, e->s, &e->inst, &err) == ENG_OK;
	if (!ok)
		printf("# setup: %s\n", err.msg);
	if (ok && eng_instance_export(e->inst, "f0", 2, &ex))
		e->f0 = ex.of.func;
	if (ok && eng_instance_export(e->inst, "f1", 2, &ex))
		e->f1 = ex.of.func;
	free(b.p);
	return ok && e->f0 && e->f1;
}

/* f0(addr): 0 = returned, 1 = out-of-bounds trap, 2 = anything else */
static int load_at(struct env *e, uint32_t addr)
{
	struct eng_val a = {.type = ENG_I32}, r;
	struct eng_error err = {0};
	enum eng_status st;

	a.of.i32 = addr;
	st = eng_func_call(e->s, e->f0, &a, 1, &r, 1, &err);
	if (st == ENG_OK)
		return 0;
	return st == ENG_ERR_TRAP && err.trap == ENG_TRAP_MEMORY_OOB ? 1 : 2;
}

static int status_of(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFSIGNALED(st) ? 1000 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* How a child killed by an unhandled SIGSEGV ends: by the signal, or under
 * AddressSanitizer (whose handler comes first in the chain) with its report
 * and exit status 1. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static bool died_of_segv(int status)
{
	return status == 1000 + SIGSEGV || (SANITIZED && status == 1);
}

/* A thread runs two stores one after the other, then exits. It records
 * where each store's value stack and native stack were: the second store
 * must reuse the first's, and after the thread exits they must be unmapped. */
struct thread_stacks {
	int runs;
	void *values[2], *native[2];
};

static void *store_thread(void *arg)
{
	struct thread_stacks *ts = arg;
	struct env te;

	for (int i = 0; i < 2; i++) {
		if (!env_new(&te, false))
			return NULL;
		ts->runs += load_at(&te, 0) == 0 && load_at(&te, 70000) == 1;
		ts->values[i] = te.s->stack;
		ts->native[i] = te.s->native ? ((struct nat_ctx *)te.s->native)->stack : NULL;
		eng_store_free(te.s);
		eng_module_free(te.m);
	}
	return NULL;
}

static bool mapped(void *p)
{
	return p && msync(p, 4096, MS_ASYNC) == 0;
}

static void on_user_segv(int sig)
{
	(void)sig;
	_exit(42);
}

int main(void)
{
	struct env e;
	pid_t pid;

	if (!eng_native_supported())
		tap_skip_all("the native backend is not supported on this machine");

	for (int no_guard = 0; no_guard < 2; no_guard++) {
		const char *mode = no_guard ? "explicit checks" : "guard regions";

		uint64_t faults = nat__guard_faults;
		int traps = 0;

		ok(env_new(&e, no_guard), "%s: setup", mode);
		ok(load_at(&e, 0) == 0 && load_at(&e, 65532 - 4) == 0,
		   "%s: loads inside the memory return", mode);
		ok(load_at(&e, 65533 - 4) == 1 && load_at(&e, 65536) == 1 &&
		   load_at(&e, 0xffffffffu) == 1 && load_at(&e, 0x80000000u) == 1,
		   "%s: loads across and beyond the end trap out of bounds", mode);
		ok(eng_memory_grow(eng_instance_memory(e.inst), 1) == 1 &&
		   load_at(&e, 65536) == 0 && load_at(&e, 131068) == 1,
		   "%s: after memory.grow the new page is readable, the rest still traps",
		   mode);
		for (int i = 0; i < 1000; i++)
			traps += load_at(&e, 200000 + (uint32_t)i * 4096) == 1;
		ok(traps == 1000 && load_at(&e, 1u << 31) == 1,
		   "%s: a thousand traps in a row, still trapping", mode);
		/* 5 out-of-bounds loads above, then 1000 + 1 */
		if (no_guard)
			ok_eq(nat__guard_faults - faults, 0, "%s: no fault handled", mode);
		else
			ok_eq(nat__guard_faults - faults, 1006,
			      "%s: every out-of-bounds trap came from the fault handler", mode);
		eng_store_free(e.s);
		eng_module_free(e.m);
	}

	{
		pthread_t t;
		struct thread_stacks ts;

		memset(&ts, 0, sizeof(ts));
		ok(pthread_create(&t, NULL, store_thread, &ts) == 0 &&
		   pthread_join(t, NULL) == 0 && ts.runs == 2, "a thread ran two stores");
		ok(ts.values[0] && ts.values[0] == ts.values[1] && ts.native[0] &&
		   ts.native[0] == ts.native[1],
		   "the second store reused the first's value and native stacks");
		ok(!mapped(ts.values[0]) && !mapped(ts.native[0]),
		   "after the thread exited its spare stacks are unmapped");
	}

	/* a fault outside compiled code kills the process as before */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		volatile uint8_t *p;

		if (!env_new(&e, false) || load_at(&e, 70000) != 1)
			_exit(3);
		p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		_exit(p[1] == 0 ? 4 : 5);
	}
	ok(died_of_segv(status_of(pid)),
	   "a fault outside wasm after a trap: the process dies of SIGSEGV");

	/* ... even when C code called from compiled code touches the guard
	 * region (the faulting instruction is not compiled code) */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct eng_val r;
		struct eng_error err = {0};

		if (!env_new(&e, false))
			_exit(3);
		eng_func_call(e.s, e.f1, NULL, 0, &r, 1, &err);
		_exit(4);
	}
	ok(died_of_segv(status_of(pid)),
	   "C code reading a guard region during a call: SIGSEGV, not a trap");

	/* a handler installed before the engine's still gets other faults */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		volatile uint8_t *p;

		signal(SIGSEGV, on_user_segv);
		if (!env_new(&e, false) || load_at(&e, 70000) != 1)
			_exit(3);
		p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		_exit(p[1] == 0 ? 4 : 5);
	}
	ok_eq(status_of(pid), 42, "the earlier SIGSEGV handler is chained for other faults");

	/* a SIGSEGV sent with kill() is not swallowed */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (!env_new(&e, false))
			_exit(3);
		raise(SIGSEGV);
		_exit(4);
	}
	ok(died_of_segv(status_of(pid)), "a raised SIGSEGV still kills");
	return tap_done();
}
