/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: guard regions instead of bounds checks (docs/compiler.md "Memory
 * accesses").
 *
 * A store of the native backend reserves EXEC_GUARD_RESERVE bytes of address
 * space per memory, PROT_NONE beyond the memory's current size, and code
 * compiled for such memories leaves out the bounds check of every access whose
 * static offset is below 2^31: (uint64)address + offset + size stays inside
 * the reservation, so an access beyond the size faults instead. This SIGSEGV
 * handler recognises exactly those faults: the thread is running compiled
 * code of a store (nat__tls_store, set by nat__run), the faulting instruction
 * is inside the code of one of that store's instances, and the address lies
 * in the guard part of one of the store's memories. It then resumes at that
 * code's out-of-bounds trap stub, which unwinds like a failed explicit check
 * (x86 commits no part of a faulting store, so memory is unchanged, as with
 * the check). Every other fault goes to the handler installed before this
 * one, or gets the default action.
 *
 * The handler reads the store's object list: it runs on the thread that owns
 * the store, interrupting compiled code, which never modifies that list.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "native_int.h"

__thread struct eng_store *nat__tls_store __attribute__((tls_model("initial-exec")));
uint64_t nat__guard_faults;

#if defined(__x86_64__) && defined(__linux__)

static struct sigaction prev_segv;
static bool guard_ok;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

/* The code of s containing pc, if addr is in the guard part of one of s's
 * memories; else NULL. */
static const struct nat_code *wasm_fault(const struct eng_store *s, uintptr_t pc, uintptr_t addr)
{
	const struct nat_code *code = NULL;
	bool guard = false;

	for (const struct obj_hdr *h = s->objects; h; h = h->next) {
		if (h->kind == OBJ_MEMORY) {
			const struct eng_memory *m = (const struct eng_memory *)h;
			uintptr_t b = (uintptr_t)m->base;

			if (m->guarded && addr >= b + m->size && addr - b < m->reserved)
				guard = true;
		} else if (h->kind == OBJ_INSTANCE) {
			const struct eng_instance *inst = (const struct eng_instance *)h;
			const struct nat_inst *ni = inst->native;

			if (ni && ni->code && pc >= (uintptr_t)ni->code->base &&
			    pc - (uintptr_t)ni->code->base < ni->code->len)
				code = ni->code;
		}
	}
	return guard ? code : NULL;
}

static void on_fault(int sig, siginfo_t *si, void *uctx)
{
	ucontext_t *uc = uctx;
	const struct eng_store *s = nat__tls_store;
	const struct nat_code *code;
	struct sigaction dfl;

	if (s) {
		code = wasm_fault(s, (uintptr_t)uc->uc_mcontext.gregs[REG_RIP],
				  (uintptr_t)si->si_addr);
		if (code && code->guard) {
			nat__guard_faults++;
			uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)(code->base +
									 code->oob_stub_off);
			/* the stub unwinds through rbx = the store; code of the
			 * optimising tier (opt.c) uses rbx for its own values */
			uc->uc_mcontext.gregs[REG_RBX] = (greg_t)(uintptr_t)s;
			return;
		}
	}
	if (prev_segv.sa_flags & SA_SIGINFO) {
		if (prev_segv.sa_sigaction) {
			prev_segv.sa_sigaction(sig, si, uctx);
			return;
		}
	} else if (prev_segv.sa_handler != SIG_DFL && prev_segv.sa_handler != SIG_IGN) {
		prev_segv.sa_handler(sig);
		return;
	}
	/* not ours and nobody else's: the default action, once this handler
	 * returns (the signal is blocked until then; a raise() or kill() must
	 * not be swallowed either) */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static void guard_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	guard_ok = sigaction(SIGSEGV, &sa, &prev_segv) == 0;
}

bool nat__guard_init(void)
{
	if (!eng_native_supported())
		return false;
	pthread_once(&guard_once, guard_install);
	return guard_ok;
}

#else

bool nat__guard_init(void)
{
	return false;
}

#endif
