/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: the optimising tier (docs/compiler.md §1a): libLLVM's loading, the
 * deterministic selection of a module's functions (static features and a
 * budget in Wasm bytes, never timing), and the module driver: translate the
 * selection (opt_ir.c), optimise at O2, emit an ELF object, link it into the
 * module's code buffer after the single-pass code (elf_link.c) and check
 * the frames of the functions called from it. Only what LLVM can express
 * without our register convention is taken: no indirect or imported calls,
 * no memory.grow, no tables or references, no bulk memory, and guarded
 * memory only (an access is a plain load or store; a fault in a guard
 * region becomes the out-of-bounds trap through fault.c, which also
 * restores rbx).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_link.h"
#include "opt.h"

struct nat_llvm_api nat__llvm;

uint32_t nat__opt_mode;

void eng_native_set_tiers(enum eng_native_tiers t)
{
	__atomic_store_n(&nat__opt_mode, (uint32_t)t, __ATOMIC_RELAXED);
}

/* The budget in bytes of Wasm function bodies that go to LLVM: 1/128 of
 * the module's code, at least OPT_BUDGET_MIN (small modules: all of their
 * hot code) and at most OPT_BUDGET_MAX. LLVM compiles about 30 KB of Wasm
 * per second here, so preparation stays above 2 MB/s for the real runtimes
 * (docs/compiler.md §6). Functions larger than OPT_MAX_FUNC never go (LLVM's
 * time grows faster than linearly with a function's size). */
#define OPT_BUDGET_MIN (2u * 1024u)
#define OPT_BUDGET_MAX (64u * 1024u)
#define OPT_MAX_FUNC (8u * 1024u)

/* ---- selection -------------------------------------------------------------- */

static bool supported_op(uint8_t op)
{
	if (op >= 0x45 && op <= 0xc4)
		return true;                      /* numeric, incl. sign extension */
	if (op >= 0x28 && op <= 0x3f)
		return true;                      /* loads, stores, memory.size */
	switch (op) {
	case OP_UNREACHABLE: case OP_NOP: case OP_BLOCK: case OP_LOOP: case OP_IF:
	case OP_ELSE: case OP_END: case OP_BR: case OP_BR_IF: case OP_BR_TABLE:
	case OP_RETURN: case OP_DROP: case OP_SELECT: case OP_LOCAL_GET: case OP_LOCAL_SET:
	case OP_LOCAL_TEE: case OP_GLOBAL_GET: case OP_GLOBAL_SET: case OP_I32_CONST:
	case OP_I64_CONST: case OP_F32_CONST: case OP_F64_CONST:
		return true;
	case OP_SELECT_T: case OP_CALL:
		return true;
	default:
		return false;
	}
}


/* Whether function i can be translated; *weight: its instructions weighed
 * by loop depth (4^depth), 0 when it has no loop. */
/* Callee lists of the scanned functions. */
struct calls {
	uint32_t *v;
	uint32_t n, cap;
};

static bool add_call(struct calls *c, uint32_t f)
{
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : 64;
		uint32_t *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return false;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = f;
	return true;
}

static bool scan(const struct eng_module *m, uint32_t i, bool canon, uint64_t *weight,
		 struct calls *calls)
{
	const struct eng__func *fn = &m->funcs[i];
	const struct eng__functype *ft = &m->types[fn->type_idx];
	struct cg r;
	uint32_t depth = 0, loops = 0, k;
	uint32_t loopdepth[64];
	bool any_loop = false;
	uint64_t w = 0;
	uint8_t op;

	if (ft->nparams > 59)
		return false;
	for (k = 0; k < ft->nparams + ft->nresults; k++)
		if (!nat__opt_num_type(ft->types[k]))
			return false;
	for (k = 0; k < fn->nlocals; k++)
		if (!nat__opt_num_type(fn->local_types[k]))
			return false;
	memset(&r, 0, sizeof(r));
	r.p = fn->code;
	r.end = fn->code + fn->code_len;
	while (r.p < r.end && !r.fail) {
		op = cg_byte(&r);
		if (!supported_op(op))
			return false;
		/* without canonicalisation a NaN result must keep the hardware's
		 * quieting, which LLVM's folds (x * 1.0 -> x) do not preserve: such
		 * functions stay single-pass (the PVF profile always canonicalises) */
		if (!canon && ((op >= 0x8d && op <= 0x97) || (op >= 0x9b && op <= 0xa5) ||
			       op == 0xb6 || op == 0xbb))
			return false;
		w += (uint64_t)1 << (2 * (loops < 8 ? loops : 8));
		if (op == OP_BLOCK || op == OP_LOOP || op == OP_IF) {
			int64_t bt = cg_sleb(&r, 33);

			if (bt < 0 && bt != -64 && !nat__opt_num_type(bt & 0x7f))
				return false;
			if (depth >= 64)
				return false;
			loopdepth[depth++] = op == OP_LOOP;
			if (op == OP_LOOP) {
				loops++;
				any_loop = true;
			}
			continue;
		}
		if (op == OP_END) {
			if (depth > 0 && loopdepth[--depth])
				loops--;
			continue;
		}
		if (op == OP_CALL) {
			/* direct calls of defined functions (the callees must be
			 * selected too, see choose); a call of itself weighs like
			 * a loop */
			uint32_t f = cg_u32(&r);

			if (f < m->nfunc_imports || f >= m->nfuncs_total ||
			    !add_call(calls, f - m->nfunc_imports))
				return false;
			if (f - m->nfunc_imports == i)
				any_loop = true;
			continue;
		}
		if (op == OP_SELECT_T) {
			uint32_t n = cg_u32(&r);

			if (n != 1 || !nat__opt_num_type(cg_byte(&r)))
				return false;
			continue;
		}
		if ((op >= 0x28 && op <= 0x3e)) {
			uint32_t align = cg_u32(&r);

			if (align >= 64)
				return false;     /* multi-memory form */
			cg_u32(&r);
			continue;
		}
		cg_skip_imm(&r, op);
	}
	*weight = any_loop ? w : 0;
	return !r.fail;
}

struct cand {
	uint32_t idx;
	uint64_t weight;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* ---- the module ------------------------------------------------------------- */

static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;
static LLVMTargetRef llvm_target;

static const char *llvm_why;   /* why the tier is off (NULL: it is on) */

/* Opens libLLVM and resolves every function of LLVM_API. */
static bool llvm_open(void)
{
	static const char *const sonames[] = {"libLLVM-" PVF_LLVM_MAJOR ".so.1",
					      "libLLVM-" PVF_LLVM_MAJOR ".so"};
	void *h = NULL, *f;

	for (size_t i = 0; !h && i < sizeof(sonames) / sizeof(sonames[0]); i++)
		h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		llvm_why = "libLLVM-" PVF_LLVM_MAJOR " cannot be loaded";
		return false;
	}
#define LLVM_API_RESOLVE(fn)                                              \
	f = dlsym(h, #fn);                                                \
	if (!f) {                                                         \
		llvm_why = "libLLVM lacks " #fn;                          \
		return false;                                             \
	}                                                                 \
	memcpy(&L.fn, &f, sizeof(f));
	LLVM_API(LLVM_API_RESOLVE)
#undef LLVM_API_RESOLVE
	return true;
}

static void llvm_init(void)
{
	char *msg = NULL;

	if (!llvm_open())
		return;
	L.LLVMInitializeX86TargetInfo();
	L.LLVMInitializeX86Target();
	L.LLVMInitializeX86TargetMC();
	L.LLVMInitializeX86AsmPrinter();
	{
		/* the prologue at every function's entry (nat__opt_frame_size reads it).
		 * LLVM's options are process-wide: nothing else in our processes
		 * uses LLVM */
		const char *argv[3] = {"pvf", "-enable-shrink-wrap=false", NULL};

		L.LLVMParseCommandLineOptions(2, argv, NULL);
	}
	if (L.LLVMGetTargetFromTriple("x86_64-unknown-linux-gnu", &llvm_target, &msg) != 0) {
		llvm_target = NULL;
		llvm_why = "LLVM has no x86-64 target";
	}
	L.LLVMDisposeMessage(msg);
}

bool eng_native_opt_load(const char **why)
{
	pthread_once(&llvm_once, llvm_init);
	if (why)
		*why = llvm_target ? NULL : llvm_why;
	return llvm_target != NULL;
}

/* Chooses the functions (deterministically: supported, with a loop or with
 * ENG_TIERS_ALL any supported one, by weight then index, within the
 * budget). Returns how many; sel[] gets their indices in that order. */
static uint32_t choose(const struct eng_module *m, bool canon, bool allow_calls, uint32_t *sel)
{
	uint32_t n = m->nfuncs_total - m->nfunc_imports, i, k = 0, nsel = 0, e;
	uint64_t budget = 0, w;
	struct cand *c = malloc((n ? n : 1) * sizeof(*c));
	uint32_t *cs = calloc((size_t)n + 1, sizeof(*cs));     /* calls of i: cs[i]..cs[i+1] */
	uint64_t *wt = calloc(n ? n : 1, sizeof(*wt));
	uint8_t *ok = calloc(n ? n : 1, 1);
	struct calls calls = {0};
	bool all = __atomic_load_n(&nat__opt_mode, __ATOMIC_RELAXED) == ENG_TIERS_ALL, changed;

	if (!c || !cs || !wt || !ok)
		goto out;
	for (i = 0; i < n; i++) {
		uint32_t before = calls.n;

		cs[i] = before;
		ok[i] = m->funcs[i].code_len <= OPT_MAX_FUNC && scan(m, i, canon, &w, &calls) &&
			(allow_calls || calls.n == before);
		if (!ok[i])
			calls.n = before;
		wt[i] = ok[i] ? w : 0;
	}
	cs[n] = calls.n;
	for (i = 0; i < n; i++)
		budget += m->funcs[i].code_len;
	budget /= 128;
	budget = budget < OPT_BUDGET_MIN ? OPT_BUDGET_MIN :
		 budget > OPT_BUDGET_MAX ? OPT_BUDGET_MAX : budget;
	if (all)
		budget = UINT64_MAX;
	/* a function is compiled by LLVM only with all its callees: drop the
	 * callers of what cannot be, and give callees their callers' weight */
	do {
		changed = false;
		for (i = 0; i < n; i++) {
			if (!ok[i])
				continue;
			for (e = cs[i]; e < cs[i + 1]; e++) {
				uint32_t f = calls.v[e];

				if (!ok[f]) {
					ok[i] = 0;
					changed = true;
					break;
				}
				if (wt[f] < wt[i]) {
					wt[f] = wt[i];
					changed = true;
				}
			}
		}
	} while (changed);
	for (i = 0; i < n; i++) {
		if (!ok[i] || (wt[i] == 0 && !all))
			continue;
		c[k].idx = i;
		c[k].weight = wt[i];
		k++;
	}
	qsort(c, k, sizeof(*c), cand_cmp);
	memset(ok, 0, n);
	for (i = 0; i < k; i++) {
		if (m->funcs[c[i].idx].code_len > budget)
			continue;
		budget -= m->funcs[c[i].idx].code_len;
		ok[c[i].idx] = 1;
	}
	/* the budget may have left out a callee */
	do {
		changed = false;
		for (i = 0; i < n; i++)
			for (e = cs[i]; ok[i] && e < cs[i + 1]; e++)
				if (!ok[calls.v[e]]) {
					ok[i] = 0;
					changed = true;
				}
	} while (changed);
	for (i = 0; i < k; i++)
		if (ok[c[i].idx])
			sel[nsel++] = c[i].idx;
out:
	free(c);
	free(cs);
	free(wt);
	free(ok);
	free(calls.v);
	return nsel;
}

/* The native stack taken by a function's frame: its pushes and its rsp
 * adjustment at the entry (shrink-wrapping is off, llvm_init), return
 * address excluded; UINT32_MAX when the prologue is not of that form. */
uint32_t nat__opt_frame_size(const uint8_t *p, size_t avail)
{
	uint32_t size = 0;
	size_t i = 0;

	while (i + 7 <= avail) {
		if (p[i] >= 0x50 && p[i] <= 0x57) {
			size += 8;
			i++;
		} else if (p[i] == 0x41 && p[i + 1] >= 0x50 && p[i + 1] <= 0x57) {
			size += 8;
			i += 2;
		} else if (p[i] == 0x48 && p[i + 1] == 0x83 && p[i + 2] == 0xec) {
			return size + p[i + 3];
		} else if (p[i] == 0x48 && p[i + 1] == 0x81 && p[i + 2] == 0xec) {
			uint32_t v;

			/* a frame of a page or more starts with probes of a page
			 * each: counted as that page, it is too large anyway */
			memcpy(&v, p + i + 3, 4);
			return v > (UINT32_MAX >> 1) ? UINT32_MAX : size + v;
		} else if ((p[i] & 0xfe) == 0x48 && p[i + 1] == 0x89 && (p[i + 2] & 0xf8) == 0xe0) {
			/* mov %rsp, reg: the bound of a stack-probing loop (frames
			 * of many pages): unknown, so too large */
			return UINT32_MAX;
		} else if ((p[i] & 0xfb) == 0x48 && p[i + 1] == 0x8b && (p[i + 2] & 0xc7) == 0xc4) {
			return UINT32_MAX;     /* the same, other encoding */
		} else {
			return size;
		}
	}
	return UINT32_MAX;
}

static uint32_t opt_module(struct cgm *g, uint32_t *opt_off, bool calls, bool *frames_ok,
			   const char **dropped)
{
	const struct eng_module *m = g->m;
	uint32_t n = m->nfuncs_total - m->nfunc_imports, nsel = 0, i, ndone = 0;
	uint32_t *sel = NULL, *offs = NULL;
	char **names = NULL;
	char *msg = NULL;
	struct tr t;
	LLVMTargetMachineRef tm = NULL;
	LLVMMemoryBufferRef obj = NULL;
	LLVMPassBuilderOptionsRef po = NULL;
	LLVMTypeRef fty, args[3];
	LLVMErrorRef perr;
	size_t len0 = g->a.len;
	const char *why = NULL;
	uint8_t *good = NULL;
	uint32_t *cstart = NULL, *call = NULL, ncall = 0, ccap = 0, k;
	bool changed;

	for (i = 0; i < n; i++)
		opt_off[i] = UINT32_MAX;
	if (__atomic_load_n(&nat__opt_mode, __ATOMIC_RELAXED) == ENG_TIERS_SINGLE || !g->guard ||
	    m->nmems_total > 1 || n == 0)
		return 0;
	pthread_once(&llvm_once, llvm_init);
	*dropped = llvm_why;
	if (!llvm_target)
		return 0;
	memset(&t, 0, sizeof(t));
	sel = malloc(n * sizeof(*sel));
	if (!sel)
		goto out;
	nsel = choose(m, g->canon, calls, sel);
	if (nsel == 0)
		goto out;
	t.m = m;
	t.canon = g->canon;
	t.ctx = L.LLVMContextCreate();
	t.mod = L.LLVMModuleCreateWithNameInContext("wasm", t.ctx);
	t.b = L.LLVMCreateBuilderInContext(t.ctx);
	t.ti1 = L.LLVMInt1TypeInContext(t.ctx);
	t.ti8 = L.LLVMInt8TypeInContext(t.ctx);
	t.ti16 = L.LLVMInt16TypeInContext(t.ctx);
	t.ti32 = L.LLVMInt32TypeInContext(t.ctx);
	t.ti64 = L.LLVMInt64TypeInContext(t.ctx);
	t.tf32 = L.LLVMFloatTypeInContext(t.ctx);
	t.tf64 = L.LLVMDoubleTypeInContext(t.ctx);
	t.tptr = L.LLVMPointerType(t.ti8, 0);
	tm = L.LLVMCreateTargetMachine(llvm_target, "x86_64-unknown-linux-gnu", "x86-64",
				     "+sse4.1,+popcnt", LLVMCodeGenLevelDefault, LLVMRelocPIC,
				     LLVMCodeModelSmall);
	if (!tm)
		goto out;
	L.LLVMSetTarget(t.mod, "x86_64-unknown-linux-gnu");
	{
		LLVMTargetDataRef td = L.LLVMCreateTargetDataLayout(tm);

		L.LLVMSetModuleDataLayout(t.mod, td);
		L.LLVMDisposeTargetData(td);
	}
	args[0] = t.tptr;
	args[1] = t.tptr;
	args[2] = t.tptr;
	fty = L.LLVMFunctionType(t.ti32, args, 3, false);
	names = calloc(2 * (size_t)nsel, sizeof(*names));
	offs = calloc(2 * (size_t)nsel, sizeof(*offs));
	if (!names || !offs)
		goto out;
	t.fns = calloc(n, sizeof(*t.fns));
	good = calloc(n, 1);
	cstart = calloc((size_t)nsel + 1, sizeof(*cstart));
	if (!t.fns || !good || !cstart)
		goto out;
	for (i = 0; i < nsel; i++)
		t.fns[sel[i]] = nat__opt_declare(&t, sel[i]);
	/* translate each; the callee lists of all go one after the other */
	for (i = 0; i < nsel; i++) {
		cstart[i] = ncall;
		good[sel[i]] = nat__opt_translate(&t, sel[i]);
		for (k = 0; good[sel[i]] && k < t.ncallees; k++) {
			if (ncall == ccap) {
				uint32_t cap = ccap ? ccap * 2 : 64;
				uint32_t *v = realloc(call, cap * sizeof(*v));

				if (!v)
					goto out;
				call = v;
				ccap = cap;
			}
			call[ncall++] = t.callees[k];
		}
	}
	cstart[nsel] = ncall;
	/* a function whose callee failed to translate goes too */
	do {
		changed = false;
		for (i = 0; i < nsel; i++)
			for (k = cstart[i]; good[sel[i]] && k < cstart[i + 1]; k++)
				if (!good[call[k]]) {
					good[sel[i]] = 0;
					nat__opt_clear_body(&t, sel[i]);
					changed = true;
				}
	} while (changed);
	for (i = 0; i < nsel; i++) {
		if (!good[sel[i]]) {
			L.LLVMDeleteFunction(t.fns[sel[i]]);
			continue;
		}
		nat__opt_wrapper(&t, sel[i], fty);
		names[2 * ndone] = malloc(24);
		names[2 * ndone + 1] = malloc(24);
		if (!names[2 * ndone] || !names[2 * ndone + 1])
			goto out;
		snprintf(names[2 * ndone], 24, "f%u", sel[i]);
		/* the internal function, unless LLVM inlined it everywhere */
		snprintf(names[2 * ndone + 1], 24, "?w%u", sel[i]);
		sel[ndone++] = sel[i];
	}
	if (ndone == 0 || t.oom) {
		ndone = 0;
		goto out;
	}
	if (L.LLVMVerifyModule(t.mod, LLVMReturnStatusAction, &msg) != 0) {
		why = "the translation does not verify";
		ndone = 0;
		goto out;
	}
	po = L.LLVMCreatePassBuilderOptions();
	perr = L.LLVMRunPasses(t.mod, "default<O2>", tm, po);
	if (perr) {
		why = "LLVM's optimisation failed";
		L.LLVMConsumeError(perr);
		ndone = 0;
		goto out;
	}
	if (L.LLVMTargetMachineEmitToMemoryBuffer(tm, t.mod, LLVMObjectFile, &msg, &obj) != 0) {
		why = "LLVM could not emit the object";
		ndone = 0;
		goto out;
	}
	if (nat__elf_link(&g->a, (const uint8_t *)L.LLVMGetBufferStart(obj), L.LLVMGetBufferSize(obj),
			  (const char *const *)names, 2 * ndone, offs, &why) != 0) {
		ndone = 0;
		goto out;
	}
	/* calls between the tier's functions nest their frames on the native
	 * stack, which has NAT_FRAME_BYTES per call level (native.c): every
	 * function called by the tier's code must fit */
	for (k = 0; k < ncall; k++)
		good[call[k]] = 2;
	for (i = 0; i < ndone; i++) {
		uint32_t off = offs[2 * i + 1], fs;

		if (good[sel[i]] != 2 || off == UINT32_MAX)
			continue;
		fs = nat__opt_frame_size(g->a.p + off, g->a.len - off);
		if (fs == UINT32_MAX || fs + 8 > NAT_FRAME_BYTES) {
			why = "a called function's frame is too large";
			*frames_ok = false;
			ndone = 0;
			goto out;
		}
	}
	for (i = 0; i < ndone; i++)
		opt_off[sel[i]] = offs[2 * i];
out:
	if (ndone == 0) {
		for (i = 0; i < n; i++)
			opt_off[i] = UINT32_MAX;
		if (!g->a.oom)
			g->a.len = len0;
	}
	*dropped = why;
	if (obj)
		L.LLVMDisposeMemoryBuffer(obj);
	if (po)
		L.LLVMDisposePassBuilderOptions(po);
	L.LLVMDisposeMessage(msg);
	if (tm)
		L.LLVMDisposeTargetMachine(tm);
	if (t.b)
		L.LLVMDisposeBuilder(t.b);
	if (t.mod)
		L.LLVMDisposeModule(t.mod);
	if (t.ctx)
		L.LLVMContextDispose(t.ctx);
	if (names)
		for (i = 0; i < 2 * nsel; i++)
			free(names[i]);
	free(names);
	free(offs);
	free(sel);
	free(t.vs);
	free(t.vt);
	free(t.ls);
	free(t.pend);
	free(t.fns);
	free(t.callees);
	free(good);
	free(cstart);
	free(call);
	return ndone;
}

uint32_t nat__opt_compile(struct cgm *g, uint32_t *opt_off, const char **dropped)
{
	bool frames_ok = true;
	uint32_t n = opt_module(g, opt_off, true, &frames_ok, dropped);

	/* again without calls between the tier's functions (rare) */
	if (!frames_ok)
		n = opt_module(g, opt_off, false, &frames_ok, dropped);
	return n;
}
