/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nat__elf_link (src/engine/native/elf_link.h) on objects made by LLVM 14
 * exactly as the optimising tier makes them: IR text parsed, default<O2>,
 * x86_64-unknown-linux-gnu, CPU x86-64 with +sse4.1,+popcnt, PIC, small code
 * model, emitted to memory. Linked into a buffer at a non-zero offset,
 * copied to executable memory and called:
 * - calls to a noinline internal function, to a global one (PLT32) and to
 *   one in another section, with an .eh_frame (left out); the same bytes
 *   mapped at two addresses;
 * - a double constant (.rodata.cst8), a dense switch (jump table in .rodata,
 *   relocated against .text), a vectorised byte loop, a table of relative
 *   function offsets in .data.rel.ro;
 * - rejections that leave the buffer's length unchanged: memcpy (explicit and
 *   as LLVM's idiom for a copy loop: "no-builtins" avoids it), writable data,
 *   .bss, an external global (GOT), TLS, a table of function pointers
 *   (.data.rel.ro, R_X86_64_64), a missing name, truncated objects,
 *   corrupted offsets, and every byte of an object flipped (no crash).
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/IRReader.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "engine/native/elf_link.h"
#include "engine/native/opt.h"
#include "tap.h"

#define TRIPLE "x86_64-unknown-linux-gnu"
#define PREFIX 13   /* bytes already in the buffer before the object */

static LLVMTargetMachineRef tm;

static int llvm_init(void)
{
	LLVMTargetRef t;
	char *err = NULL;

	LLVMInitializeX86TargetInfo();
	LLVMInitializeX86Target();
	LLVMInitializeX86TargetMC();
	LLVMInitializeX86AsmPrinter();
	if (LLVMGetTargetFromTriple(TRIPLE, &t, &err)) {
		printf("# %s\n", err);
		LLVMDisposeMessage(err);
		return -1;
	}
	tm = LLVMCreateTargetMachine(t, TRIPLE, "x86-64", "+sse4.1,+popcnt",
				     LLVMCodeGenLevelDefault, LLVMRelocPIC, LLVMCodeModelSmall);
	return tm ? 0 : -1;
}

/* IR text -> optimised object in a malloc'd buffer (caller frees), or NULL. */
static uint8_t *compile(const char *ir, size_t *len)
{
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMMemoryBufferRef in = LLVMCreateMemoryBufferWithMemoryRangeCopy(ir, strlen(ir), "t");
	LLVMMemoryBufferRef out = NULL;
	LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
	LLVMModuleRef mod = NULL;
	LLVMErrorRef e;
	char *err = NULL, *dl = LLVMCopyStringRepOfTargetData(td);
	uint8_t *obj = NULL;

	if (LLVMParseIRInContext(ctx, in, &mod, &err)) {   /* takes in */
		printf("# parse: %s\n", err);
		goto out;
	}
	LLVMSetTarget(mod, TRIPLE);
	LLVMSetDataLayout(mod, dl);
	e = LLVMRunPasses(mod, "default<O2>", tm, opts);
	if (e) {
		char *m = LLVMGetErrorMessage(e);

		printf("# passes: %s\n", m);
		LLVMDisposeErrorMessage(m);
		goto out;
	}
	if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &err, &out)) {
		printf("# emit: %s\n", err);
		goto out;
	}
	*len = LLVMGetBufferSize(out);
	obj = malloc(*len);
	if (obj)
		memcpy(obj, LLVMGetBufferStart(out), *len);
out:
	if (out)
		LLVMDisposeMemoryBuffer(out);
	if (mod)
		LLVMDisposeModule(mod);
	LLVMDisposeMessage(err);
	LLVMDisposeMessage(dl);
	LLVMDisposeTargetData(td);
	LLVMDisposePassBuilderOptions(opts);
	LLVMContextDispose(ctx);
	return obj;
}

/* Prints the allocated sections and the relocation types applied to them;
 * returns how many relocations target a section whose name starts with sec. */
static int describe(const char *what, const uint8_t *obj, size_t len, const char *sec)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh, tgt, strs;
	char line[512];
	int n = 0, at;

	memcpy(&eh, obj, sizeof(eh));
	memcpy(&strs, obj + eh.e_shoff + eh.e_shstrndx * sizeof(sh), sizeof(sh));
	at = snprintf(line, sizeof(line), "%s:", what);
	for (unsigned i = 1; i < eh.e_shnum; i++) {
		memcpy(&sh, obj + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_flags & SHF_ALLOC)
			at += snprintf(line + at, sizeof(line) - (size_t)at, " %s(%ju)",
				       (const char *)obj + strs.sh_offset + sh.sh_name,
				       (uintmax_t)sh.sh_size);
		if (sh.sh_type != SHT_RELA)
			continue;
		memcpy(&tgt, obj + eh.e_shoff + sh.sh_info * sizeof(sh), sizeof(sh));
		at += snprintf(line + at, sizeof(line) - (size_t)at, " [%s:",
			       (const char *)obj + strs.sh_offset + sh.sh_name);
		for (size_t k = 0; k < sh.sh_size / sizeof(Elf64_Rela); k++) {
			Elf64_Rela r;

			memcpy(&r, obj + sh.sh_offset + k * sizeof(r), sizeof(r));
			at += snprintf(line + at, sizeof(line) - (size_t)at, " %u",
				       (unsigned)ELF64_R_TYPE(r.r_info));
			if (sec && !strncmp((const char *)obj + strs.sh_offset + tgt.sh_name, sec,
					    strlen(sec)))
				n++;
		}
		at += snprintf(line + at, sizeof(line) - (size_t)at, "]");
		if (at >= (int)sizeof(line) - 64)
			break;
	}
	(void)len;
	printf("# %s\n", line);
	return n;
}

/* The buffer's bytes in fresh executable memory (munmap a->len bytes). */
static uint8_t *map_code(const struct asmbuf *a)
{
	uint8_t *p = mmap(NULL, a->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, a->p, a->len);
	if (mprotect(p, a->len, PROT_READ | PROT_EXEC)) {
		munmap(p, a->len);
		return NULL;
	}
	return p;
}

static void buf_prefix(struct asmbuf *a)
{
	*a = (struct asmbuf){0};
	if (a_need(a, PREFIX)) {
		memset(a->p, 0x90, PREFIX);
		a->len = PREFIX;
	}
}

/* Compiles ir, links it after PREFIX bytes, maps it; NULL on failure. */
static uint8_t *build(const char *what, const char *ir, const char *const *names, uint32_t n,
		      uint32_t *offs, struct asmbuf *a, const char *rel_sec, int *nrel)
{
	const char *why = "?";
	uint8_t *obj, *code = NULL;
	size_t len;
	int r;

	buf_prefix(a);
	obj = compile(ir, &len);
	if (!ok(obj != NULL, "%s: LLVM emits an object", what))
		return NULL;
	r = describe(what, obj, len, rel_sec);
	if (nrel)
		*nrel = r;
	r = nat__elf_link(a, obj, len, names, n, offs, &why);
	if (!ok(r == 0, "%s: linked", what))
		printf("#   why: %s\n", why);
	else
		code = map_code(a);
	free(obj);
	return code;
}

static const char ir_calls[] =
	"define internal i32 @sq(i32 %x) noinline nounwind {\n"
	"  %y = mul i32 %x, %x\n  %z = add i32 %y, 7\n  ret i32 %z\n}\n"
	"define i32 @tw(i32 %x) noinline nounwind {\n"
	"  %y = mul i32 %x, 3\n  %z = xor i32 %y, 85\n  ret i32 %z\n}\n"
	"define internal i32 @far(i32 %x) noinline nounwind section \".text.far\" {\n"
	"  %y = sub i32 1000, %x\n  %z = mul i32 %y, %x\n  ret i32 %z\n}\n"
	"define i32 @calls(i32 %x) nounwind uwtable {\n"
	"  %a = call i32 @sq(i32 %x)\n  %b = call i32 @tw(i32 %a)\n"
	"  %c = call i32 @far(i32 %b)\n  %d = add i32 %c, %a\n  ret i32 %d\n}\n";

static uint32_t calls_ref(uint32_t x)
{
	uint32_t a = x * x + 7, b = (a * 3) ^ 85, c = (1000 - b) * b;

	return c + a;
}

static void test_calls(void)
{
	static const char *const names[] = {"calls", "tw", "far"};
	uint32_t offs[3] = {0};
	struct asmbuf a;
	uint8_t *code, *code2;
	int nrel;

	code = build("calls", ir_calls, names, 3, offs, &a, ".text", &nrel);
	ok(nrel >= 2, "calls: relocations in .text (to tw and to .text.far): %d", nrel);
	if (code) {
		uint32_t (*f)(uint32_t) = (uint32_t (*)(uint32_t))(uintptr_t)(code + offs[0]);
		uint32_t (*tw)(uint32_t) = (uint32_t (*)(uint32_t))(uintptr_t)(code + offs[1]);
		int good = 1;

		ok(offs[0] >= PREFIX && offs[1] >= PREFIX && offs[2] >= PREFIX &&
		   offs[0] < a.len && offs[1] < a.len && offs[2] < a.len,
		   "calls: offsets inside the linked bytes");
		ok(a.p[PREFIX] == 0xcc && a.p[PREFIX + 2] == 0xcc && (offs[0] & 15) == 0,
		   "calls: padding to 16 is 0xcc");
		for (uint32_t x = 0; x < 50; x++)
			good &= f(x * 7919u) == calls_ref(x * 7919u);
		ok(good, "calls: results of the linked code");
		ok_eq(tw(10), (30 ^ 85), "calls: a linked global function called directly");
		/* the same bytes at a second address */
		code2 = map_code(&a);
		munmap(code, a.len);
		if (ok(code2 != NULL, "calls: second mapping")) {
			f = (uint32_t (*)(uint32_t))(uintptr_t)(code2 + offs[0]);
			ok_eq(f(12345), calls_ref(12345), "calls: the code moved to another address");
			munmap(code2, a.len);
		}
	}
	free(a.p);
}

static const char ir_double[] =
	"define double @poly(double %x) nounwind {\n"
	"  %a = fmul double %x, 3.25\n  %b = fadd double %a, 1.5\n"
	"  %c = fdiv double %b, 7.0\n  ret double %c\n}\n";

static void test_double(void)
{
	static const char *const names[] = {"poly"};
	uint32_t off = 0;
	struct asmbuf a;
	uint8_t *code;
	int nrel;

	code = build("double", ir_double, names, 1, &off, &a, ".text", &nrel);
	ok(nrel >= 1, "double: constant-pool relocations in .text: %d", nrel);
	if (code) {
		double (*f)(double) = (double (*)(double))(uintptr_t)(code + off);
		volatile double x = 2.0, y = -11.75;

		ok(f(x) == (x * 3.25 + 1.5) / 7.0, "double: poly(2)");
		ok(f(y) == (y * 3.25 + 1.5) / 7.0, "double: poly(-11.75)");
		munmap(code, a.len);
	}
	free(a.p);
}

static const char ir_switch[] =
	"define i32 @sw(i32 %s, i32 %x) nounwind {\n"
	"entry:\n  switch i32 %s, label %def [\n"
	"    i32 0, label %c0\n    i32 1, label %c1\n    i32 2, label %c2\n"
	"    i32 3, label %c3\n    i32 4, label %c4\n    i32 5, label %c5\n"
	"    i32 6, label %c6\n    i32 7, label %c7\n  ]\n"
	"c0:\n  %r0 = mul i32 %x, 3\n  ret i32 %r0\n"
	"c1:\n  %r1 = add i32 %x, 1000\n  ret i32 %r1\n"
	"c2:\n  %r2 = xor i32 %x, 21845\n  ret i32 %r2\n"
	"c3:\n  %r3 = shl i32 %x, 4\n  ret i32 %r3\n"
	"c4:\n  %r4 = sub i32 0, %x\n  ret i32 %r4\n"
	"c5:\n  %r5 = udiv i32 %x, 7\n  ret i32 %r5\n"
	"c6:\n  %r6 = mul i32 %x, %x\n  ret i32 %r6\n"
	"c7:\n  %r7 = lshr i32 %x, 3\n  ret i32 %r7\n"
	"def:\n  ret i32 -1\n}\n";

static uint32_t sw_ref(uint32_t s, uint32_t x)
{
	switch (s) {
	case 0: return x * 3;
	case 1: return x + 1000;
	case 2: return x ^ 21845;
	case 3: return x << 4;
	case 4: return -x;
	case 5: return x / 7;
	case 6: return x * x;
	case 7: return x >> 3;
	default: return UINT32_MAX;
	}
}

static void test_switch(void)
{
	static const char *const names[] = {"sw"};
	uint32_t off = 0;
	struct asmbuf a;
	uint8_t *code;
	int nrel;

	code = build("switch", ir_switch, names, 1, &off, &a, ".rodata", &nrel);
	ok(nrel >= 8, "switch: a jump table in .rodata relocated against .text: %d", nrel);
	if (code) {
		uint32_t (*f)(uint32_t, uint32_t) =
			(uint32_t (*)(uint32_t, uint32_t))(uintptr_t)(code + off);
		int good = 1;

		for (uint32_t s = 0; s < 12; s++)
			for (uint32_t x = 1; x < 100000; x += 9973)
				good &= f(s, x) == sw_ref(s, x);
		good &= f(UINT32_MAX, 5) == UINT32_MAX;
		ok(good, "switch: every case and the default");
		munmap(code, a.len);
	}
	free(a.p);
}

/* A relative table of functions (what a call_indirect table can be): forced
 * into .data.rel.ro, entries PC32 against .text. */
static const char ir_reltab[] =
	"define internal i32 @a(i32 %x) noinline nounwind {\n  %y = mul i32 %x, 5\n"
	"  ret i32 %y\n}\n"
	"define internal i32 @b(i32 %x) noinline nounwind {\n  %y = add i32 %x, 77\n"
	"  ret i32 %y\n}\n"
	"@tab = internal constant [2 x i32] [\n"
	"  i32 trunc (i64 sub (i64 ptrtoint (i32 (i32)* @a to i64),"
	" i64 ptrtoint ([2 x i32]* @tab to i64)) to i32),\n"
	"  i32 trunc (i64 sub (i64 ptrtoint (i32 (i32)* @b to i64),"
	" i64 ptrtoint ([2 x i32]* @tab to i64)) to i32)\n"
	"], section \".data.rel.ro\"\n"
	"declare i8* @llvm.load.relative.i64(i8*, i64)\n"
	"define i32 @rt(i64 %i, i32 %x) nounwind {\n  %o = shl i64 %i, 2\n"
	"  %p = call i8* @llvm.load.relative.i64(i8* bitcast ([2 x i32]* @tab to i8*), i64 %o)\n"
	"  %f = bitcast i8* %p to i32 (i32)*\n  %r = call i32 %f(i32 %x)\n  ret i32 %r\n}\n";

static void test_reltab(void)
{
	static const char *const names[] = {"rt"};
	uint32_t off = 0;
	struct asmbuf a;
	uint8_t *code;
	int nrel;

	code = build("reltab", ir_reltab, names, 1, &off, &a, ".data.rel.ro", &nrel);
	ok(nrel == 2, "reltab: two relocations in .data.rel.ro: %d", nrel);
	if (code) {
		uint32_t (*f)(uint64_t, uint32_t) =
			(uint32_t (*)(uint64_t, uint32_t))(uintptr_t)(code + off);

		ok(f(0, 9) == 45 && f(1, 9) == 86 && f(0, 1000) == 5000,
		   "reltab: calls through the relative table");
		munmap(code, a.len);
	}
	free(a.p);
}

#define LOOP(name, attrs, op)                                                  \
	"define void @" name "(i8* noalias nocapture %d, i8* noalias nocapture readonly %s, " \
	"i64 %n) nounwind " attrs " {\n"                                       \
	"entry:\n  %z = icmp eq i64 %n, 0\n  br i1 %z, label %done, label %loop\n" \
	"loop:\n  %i = phi i64 [0, %entry], [%i1, %loop]\n"                    \
	"  %ps = getelementptr inbounds i8, i8* %s, i64 %i\n  %v = load i8, i8* %ps\n" \
	"  " op "\n  %pd = getelementptr inbounds i8, i8* %d, i64 %i\n"       \
	"  store i8 %w, i8* %pd\n  %i1 = add nuw i64 %i, 1\n"                  \
	"  %c = icmp eq i64 %i1, %n\n  br i1 %c, label %done, label %loop\n"   \
	"done:\n  ret void\n}\n"

/* Runs f(d, s, n) on a pattern; true when d[i] == s[i] + add for i < n and
 * the bytes after d[n] are untouched. */
static int check_loop(void (*f)(uint8_t *, const uint8_t *, uint64_t), uint8_t add)
{
	static uint8_t s[300], d[310];
	int good = 1;

	for (uint64_t n = 0; n <= 300; n += (n < 40 ? 1 : 37)) {
		for (size_t i = 0; i < sizeof(s); i++)
			s[i] = (uint8_t)(i * 31 + n);
		memset(d, 0xee, sizeof(d));
		f(d, s, n);
		for (size_t i = 0; i < n; i++)
			good &= d[i] == (uint8_t)(s[i] + add);
		for (size_t i = n; i < sizeof(d); i++)
			good &= d[i] == 0xee;
	}
	return good;
}

static void test_vector(void)
{
	static const char *const names[] = {"addcopy"};
	static const char *const cnames[] = {"copy"};
	uint32_t off = 0;
	struct asmbuf a;
	uint8_t *code;

	code = build("vector", LOOP("addcopy", "", "%w = add i8 %v, 3"), names, 1, &off, &a,
		     NULL, NULL);
	if (code) {
		ok(memmem(a.p + off, a.len - off, "\x66\x0f\xfc", 3) != NULL,
		   "vector: the loop is vectorised (paddb)");
		ok(check_loop((void (*)(uint8_t *, const uint8_t *, uint64_t))(uintptr_t)
			      (code + off), 3), "vector: d[i] = s[i] + 3 for n = 0..300");
		munmap(code, a.len);
	}
	free(a.p);
	/* A plain copy loop is turned into a call to memcpy unless "no-builtins". */
	code = build("copy", LOOP("copy", "\"no-builtins\"", "%w = add i8 %v, 0"), cnames, 1,
		     &off, &a, NULL, NULL);
	if (code) {
		ok(check_loop((void (*)(uint8_t *, const uint8_t *, uint64_t))(uintptr_t)
			      (code + off), 0), "copy: d[i] = s[i] for n = 0..300");
		munmap(code, a.len);
	}
	free(a.p);
}

/* ir must be rejected for a reason containing want. */
static void rejects(const char *what, const char *ir, const char *name, const char *want)
{
	const char *why = NULL;
	struct asmbuf a;
	uint32_t off = 0;
	uint8_t *obj;
	size_t len;
	int r;

	buf_prefix(&a);
	obj = compile(ir, &len);
	if (ok(obj != NULL, "%s: LLVM emits an object", what)) {
		describe(what, obj, len, NULL);
		r = nat__elf_link(&a, obj, len, &name, 1, &off, &why);
		ok(r == -1 && a.len == PREFIX && why && strstr(why, want),
		   "%s: rejected (%s), length unchanged", what, r ? why : "accepted");
	}
	free(obj);
	free(a.p);
}

static void test_rejects(void)
{
	rejects("memcpy", "declare i8* @memcpy(i8*, i8*, i64)\n"
		"define void @f(i8* %d, i8* %s, i64 %n) {\n"
		"  %r = call i8* @memcpy(i8* %d, i8* %s, i64 %n)\n  ret void\n}\n",
		"f", "undefined");
	rejects("copy-idiom", LOOP("copy", "", "%w = add i8 %v, 0"), "copy", "undefined");
	rejects("data", "@g = internal global i32 5\n"
		"define i32 @f(i32 %x) {\n  %v = load i32, i32* @g\n  %w = add i32 %v, %x\n"
		"  store i32 %w, i32* @g\n  ret i32 %w\n}\n", "f", "writable");
	rejects("bss", "@g = internal global [64 x i32] zeroinitializer\n"
		"define i32 @f(i64 %i, i32 %x) {\n"
		"  %p = getelementptr [64 x i32], [64 x i32]* @g, i64 0, i64 %i\n"
		"  %v = load i32, i32* %p\n  %w = add i32 %v, %x\n  store i32 %w, i32* %p\n"
		"  ret i32 %w\n}\n", "f", "NOBITS");
	rejects("extern", "@e = external global i32\n"
		"define i32 @f() {\n  %v = load i32, i32* @e\n  ret i32 %v\n}\n", "f", "undefined");
	rejects("tls", "@t = internal thread_local global i32 5\n"
		"define i32 @f(i32 %x) {\n  %v = load i32, i32* @t\n  %w = add i32 %v, %x\n"
		"  store i32 %w, i32* @t\n  ret i32 %w\n}\n", "f", "TLS");
	rejects("abs64", "define internal i32 @a(i32 %x) noinline {\n  ret i32 %x\n}\n"
		"define internal i32 @b(i32 %x) noinline {\n  %y = add i32 %x, 1\n  ret i32 %y\n}\n"
		"@tab = internal constant [2 x i32 (i32)*] [i32 (i32)* @a, i32 (i32)* @b]\n"
		"define i32 @f(i64 %i, i32 %x) {\n"
		"  %p = getelementptr [2 x i32 (i32)*], [2 x i32 (i32)*]* @tab, i64 0, i64 %i\n"
		"  %g = load i32 (i32)*, i32 (i32)** %p\n  %r = call i32 %g(i32 %x)\n"
		"  ret i32 %r\n}\n", "f", "relocation type");
	rejects("name", ir_double, "nope", "not found");
}

/* One link of obj[0..len) that must not crash; on failure the length is back. */
static int link_safely(const uint8_t *obj, size_t len, int *linked)
{
	static const char *const names[] = {"calls"};
	const char *why = NULL;
	struct asmbuf a;
	uint32_t off = 0;
	int r, good;

	buf_prefix(&a);
	r = nat__elf_link(&a, obj, len, names, 1, &off, &why);
	good = r == 0 ? off < a.len : (r == -1 && a.len == PREFIX && why != NULL);
	*linked += r == 0;
	free(a.p);
	return good;
}

static void test_malformed(void)
{
	uint8_t *obj, *bad;
	size_t len;
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	int linked = 0, good = 1;

	obj = compile(ir_calls, &len);
	if (!ok(obj != NULL, "malformed: object"))
		return;
	bad = malloc(len);
	ok(link_safely(obj, len, &linked) && linked == 1, "malformed: the intact object links");
	linked = 0;
	for (size_t l = 0; l < len; l += (l < 200 ? 1 : 61))
		good &= link_safely(obj, l, &linked);
	good &= link_safely(obj, len - 1, &linked);
	ok(good && linked == 0, "malformed: every truncation rejected (%d linked)", linked);

	memcpy(&eh, obj, sizeof(eh));
	memcpy(bad, obj, len);
	eh.e_shoff = len - 8;
	memcpy(bad, &eh, sizeof(eh));
	linked = 0;
	ok(link_safely(bad, len, &linked) && !linked, "malformed: section table beyond the end");
	memcpy(&eh, obj, sizeof(eh));
	for (unsigned i = 1; i < eh.e_shnum; i++) {
		memcpy(bad, obj, len);
		memcpy(&sh, obj + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		sh.sh_offset = UINT64_MAX - 4;
		memcpy(bad + eh.e_shoff + i * sizeof(sh), &sh, sizeof(sh));
		good &= link_safely(bad, len, &linked);
		sh.sh_offset = len - sh.sh_size / 2;
		sh.sh_size |= 2;
		memcpy(bad + eh.e_shoff + i * sizeof(sh), &sh, sizeof(sh));
		good &= link_safely(bad, len, &linked);
	}
	ok(good && !linked, "malformed: each section's offset corrupted, rejected (%d linked)",
	   linked);

	/* every byte flipped two ways: no crash, failures leave the length */
	good = 1;
	linked = 0;
	for (size_t i = 0; i < len; i++) {
		static const uint8_t flips[] = {0xff, 0x80};

		for (size_t k = 0; k < sizeof(flips); k++) {
			memcpy(bad, obj, len);
			bad[i] ^= flips[k];
			good &= link_safely(bad, len, &linked);
		}
	}
	ok(good, "malformed: %zu byte flips, no crash (%d still linked)", 2 * len, linked);
	free(bad);
	free(obj);
}

/* The optimising tier reads the frame of every function called from its
 * code out of the prologue (opt.c): prologues of the forms LLVM emits, with
 * and without stack probes. */
static void test_frame_size(void)
{
	static const uint8_t pushes_sub8[] = {0x55, 0x41, 0x57, 0x41, 0x56, 0x53, 0x48, 0x83, 0xec,
					      0x18, 0x48, 0x89, 0xfb, 0, 0, 0, 0};
	static const uint8_t sub32[] = {0x53, 0x48, 0x81, 0xec, 0xc0, 0x0b, 0, 0, 0x89, 0xfb, 0, 0,
					0, 0, 0, 0};
	static const uint8_t pushes_only[] = {0x53, 0x48, 0x89, 0xfb, 0x8b, 0x07, 0, 0, 0, 0, 0};
	static const uint8_t probed_pages[] = {0x53, 0x48, 0x81, 0xec, 0x00, 0x10, 0, 0, 0x48, 0xc7,
					       0x04, 0x24, 0, 0, 0, 0};
	static const uint8_t probe_loop[] = {0x53, 0x49, 0x89, 0xe3, 0x49, 0x81, 0xeb, 0x00, 0x80,
					     0x01, 0x00, 0, 0, 0, 0, 0};
	static const uint8_t short_code[] = {0x53, 0x55};

	ok_eq(nat__opt_frame_size(pushes_sub8, sizeof(pushes_sub8)), 56,
	      "frame size: four pushes and sub rsp, 0x18");
	ok_eq(nat__opt_frame_size(sub32, sizeof(sub32)), 3016,
	      "frame size: a push and sub rsp, 0xbc0");
	ok_eq(nat__opt_frame_size(pushes_only, sizeof(pushes_only)), 8,
	      "frame size: a push and no adjustment");
	ok(nat__opt_frame_size(probed_pages, sizeof(probed_pages)) >= 4096,
	   "frame size: a probed frame counts at least its first page");
	ok_eq(nat__opt_frame_size(probe_loop, sizeof(probe_loop)), UINT32_MAX,
	      "frame size: a probing loop is unknown");
	ok_eq(nat__opt_frame_size(short_code, sizeof(short_code)), UINT32_MAX,
	      "frame size: too short to tell is unknown");
}

int main(void)
{
	test_frame_size();
	if (llvm_init())
		tap_skip_all("no LLVM x86 target");
	test_calls();
	test_double();
	test_switch();
	test_vector();
	test_reltab();
	test_rejects();
	test_malformed();
	LLVMDisposeTargetMachine(tm);
	return tap_done();
}
