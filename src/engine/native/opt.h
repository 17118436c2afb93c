/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: the optimising tier's internals (docs/compiler.md §1a), shared by
 * opt.c (LLVM's loading, the selection, the module driver) and opt_ir.c
 * (one Wasm function to LLVM IR).
 */
#ifndef PVF_ENGINE_NATIVE_OPT_H
#define PVF_ENGINE_NATIVE_OPT_H

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "cg.h"
/* ---- LLVM, loaded at run time -------------------------------------------------
 *
 * libLLVM is opened with dlopen at the first use of the tier (or by
 * eng_native_opt_load, which the prepare worker calls before its sandbox),
 * never linked: processes that only load artifacts (the execute worker and
 * its jobs) do not map its ~100 MB, which would make every job's fork and
 * exit slower. Without the library the tier is off and single-pass code
 * runs alone, with the same results. */
#define LLVM_API(X) X(LLVMAddAttributeAtIndex) X(LLVMAddCase) X(LLVMAddFunction) \
	X(LLVMAddTargetDependentFunctionAttr) X(LLVMAppendBasicBlockInContext) X(LLVMBuildAShr) \
	X(LLVMBuildAdd) X(LLVMBuildAlloca) X(LLVMBuildAnd) X(LLVMBuildBitCast) X(LLVMBuildBr) \
	X(LLVMBuildCall2) X(LLVMBuildCondBr) X(LLVMBuildExtractValue) X(LLVMBuildFAdd) \
	X(LLVMBuildFCmp) X(LLVMBuildFDiv) X(LLVMBuildFMul) X(LLVMBuildFNeg) X(LLVMBuildFPExt) \
	X(LLVMBuildFPToSI) X(LLVMBuildFPToUI) X(LLVMBuildFPTrunc) X(LLVMBuildFSub) X(LLVMBuildGEP2) \
	X(LLVMBuildICmp) X(LLVMBuildInsertValue) X(LLVMBuildLShr) X(LLVMBuildLoad2) X(LLVMBuildMul) \
	X(LLVMBuildOr) X(LLVMBuildPointerCast) X(LLVMBuildPtrToInt) X(LLVMBuildRet) X(LLVMBuildSDiv) \
	X(LLVMBuildSExt) X(LLVMBuildSIToFP) X(LLVMBuildSRem) X(LLVMBuildSelect) X(LLVMBuildShl) \
	X(LLVMBuildStore) X(LLVMBuildSub) X(LLVMBuildSwitch) X(LLVMBuildTrunc) X(LLVMBuildUDiv) \
	X(LLVMBuildUIToFP) X(LLVMBuildURem) X(LLVMBuildUnreachable) X(LLVMBuildXor) X(LLVMBuildZExt) \
	X(LLVMConstAllOnes) X(LLVMConstBitCast) X(LLVMConstInt) X(LLVMConstNull) X(LLVMConstReal) \
	X(LLVMConstRealGetDouble) X(LLVMConsumeError) X(LLVMContextCreate) X(LLVMContextDispose) \
	X(LLVMCreateBuilderInContext) X(LLVMCreateEnumAttribute) X(LLVMCreatePassBuilderOptions) \
	X(LLVMCreateTargetDataLayout) X(LLVMCreateTargetMachine) X(LLVMDeleteFunction) \
	X(LLVMDisposeBuilder) X(LLVMDisposeMemoryBuffer) X(LLVMDisposeMessage) X(LLVMDisposeModule) \
	X(LLVMDisposePassBuilderOptions) X(LLVMDisposeTargetData) X(LLVMDisposeTargetMachine) \
	X(LLVMDoubleTypeInContext) X(LLVMFloatTypeInContext) X(LLVMFunctionType) X(LLVMGetBufferSize) \
	X(LLVMGetBufferStart) X(LLVMGetEnumAttributeKindForName) X(LLVMGetFirstInstruction) \
	X(LLVMGetInsertBlock) X(LLVMGetInstructionOpcode) X(LLVMGetIntTypeWidth) \
	X(LLVMGetIntrinsicDeclaration) X(LLVMGetLinkage) X(LLVMGetMDKindIDInContext) X(LLVMGetParam) \
	X(LLVMGetReturnType) X(LLVMGetTargetFromTriple) X(LLVMGetUndef) X(LLVMGetValueName2) \
	X(LLVMGlobalGetValueType) X(LLVMInitializeX86AsmPrinter) X(LLVMInitializeX86Target) \
	X(LLVMInitializeX86TargetInfo) X(LLVMInitializeX86TargetMC) X(LLVMInt16TypeInContext) \
	X(LLVMInt1TypeInContext) X(LLVMInt32TypeInContext) X(LLVMInt64TypeInContext) \
	X(LLVMInt8TypeInContext) X(LLVMIntTypeInContext) X(LLVMIntrinsicGetType) X(LLVMIsAConstantFP) \
	X(LLVMIsAInstruction) X(LLVMLookupIntrinsicID) X(LLVMMDNodeInContext) \
	X(LLVMMDStringInContext) X(LLVMModuleCreateWithNameInContext) X(LLVMParseCommandLineOptions) \
	X(LLVMPointerType) X(LLVMPositionBuilderAtEnd) X(LLVMPositionBuilderBefore) \
	X(LLVMReplaceAllUsesWith) X(LLVMRunPasses) X(LLVMSetAlignment) X(LLVMSetLinkage) \
	X(LLVMSetMetadata) X(LLVMSetModuleDataLayout) X(LLVMSetTarget) X(LLVMSetValueName2) \
	X(LLVMSetVisibility) X(LLVMSetVolatile) X(LLVMStructTypeInContext) \
	X(LLVMTargetMachineEmitToMemoryBuffer) X(LLVMTypeOf) X(LLVMVerifyModule)

#define LLVM_API_MEMBER(f) __typeof__(f) *f;
struct nat_llvm_api {
	LLVM_API(LLVM_API_MEMBER)
};
#undef LLVM_API_MEMBER

/* The functions, filled by opt.c's loader; L.LLVMBuildAdd(...) reads as
 * the LLVM-C call it is. */
extern struct nat_llvm_api nat__llvm;
#define L nat__llvm

/* ---- translation state --------------------------------------------------------- */

struct lbl {
	uint8_t kind;                 /* OP_BLOCK, OP_LOOP, OP_IF, 0 = function */
	LLVMBasicBlockRef target;     /* loop: header; others: the end block */
	LLVMBasicBlockRef else_bb;    /* if: the else block (NULL once used) */
	uint32_t np, nr;
	const uint8_t *pt, *rt;       /* param and result types */
	LLVMValueRef *slots;          /* branch values: np (loop) or nr allocas */
	LLVMValueRef *pv;             /* if: its params, for an implicit else */
	uint32_t height;              /* operand height below the params */
	bool reached;                 /* a branch targets the end block */
};

/* A load whose value is not in the sums yet: a later access to the same
 * address value covering its bytes, in the same straight-line region with
 * no trap check or control instruction in between, faults whenever it
 * would, with nothing observable in between, so it needs no sum. */
struct pend {
	LLVMValueRef addr;            /* the i32 address operand */
	uint64_t lo, hi;              /* offset range [lo, hi) */
	LLVMValueRef val;
};

struct tr {
	struct cg r;                  /* bytecode reader */
	const struct eng_module *m;
	bool canon;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMValueRef fn, frame, ni, mem;
	LLVMValueRef *fns;            /* defined index -> LLVM function or NULL */
	uint32_t def_idx;
	LLVMValueRef depth1, ctr1;    /* call depth and counter for callees */
	uint32_t *callees;            /* calls made by the function translated */
	uint32_t ncallees, ccap;
	LLVMTypeRef ti8, ti16, ti32, ti64, tf32, tf64, tptr, ti1;
	LLVMValueRef *locals;
	uint8_t *ltypes;
	uint32_t nlocals;
	LLVMValueRef *vs;
	uint8_t *vt;
	uint32_t vh, vcap;
	struct lbl *ls;
	uint32_t ln, lcap;
	LLVMBasicBlockRef trap_bb[ENG_TRAP__COUNT];
	LLVMValueRef acc[4];          /* load sums by width: i8 i16 i32 i64 */
	LLVMValueRef *cur;            /* local -> its value in this straight-line
				       * region (NULL: load it) */
	bool *curd;                   /* and whether that value is dirty */
	bool *ldirty;                 /* float local holding dirty values only
				       * (reads are dirty): see nat__opt_translate */
	bool retry;                   /* a local lost that property */
	struct pend *pend;            /* loads not yet added to the sums */
	uint32_t npend, pcap;
	LLVMBasicBlockRef entry;
	bool pd;                      /* the last pop()'s value was dirty */
	bool oom;                     /* allocation failed: the module is dropped */
	bool has_loads;               /* the function loads from memory */
	bool dead;
	bool fail;
};

/* A value type the tier handles: i32, i64, f32, f64. */
static inline bool nat__opt_num_type(int64_t t)
{
	return t == ENG_I32 || t == ENG_I64 || t == ENG_F32 || t == ENG_F64;
}

/* ---- opt.c ----------------------------------------------------------------------- */

/* The native stack a function's frame takes, read from its prologue at p
 * (avail bytes): pushes and the rsp adjustment, return address excluded; a
 * probed frame counts as its first page; UINT32_MAX when unknown (a
 * probing loop, or code too short). */
uint32_t nat__opt_frame_size(const uint8_t *p, size_t avail);

/* ---- opt_ir.c -------------------------------------------------------------------- */

/* Declares function i's internal LLVM function "w<i>" in t->mod (its body
 * is added by nat__opt_translate). */
LLVMValueRef nat__opt_declare(struct tr *t, uint32_t i);
/* Translates function i into t->fns[i]; false (and a declaration again)
 * when it cannot. t->callees lists the functions it calls. */
bool nat__opt_translate(struct tr *t, uint32_t i);
/* Makes t->fns[i] a declaration again (its callers must be too). */
void nat__opt_clear_body(struct tr *t, uint32_t i);
/* Adds the entry "f<i>" (type fty) the single-pass stub calls. */
void nat__opt_wrapper(struct tr *t, uint32_t i, LLVMTypeRef fty);

#endif /* PVF_ENGINE_NATIVE_OPT_H */
