/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine: a WebAssembly engine. Pure: no processes, no sockets, no files,
 * no knowledge of Polkadot. Deterministic: every limit is a logical count.
 *
 * Objects
 *   eng_module    decoded + validated module (immutable, shareable)
 *   eng_store     owns every runtime object (instances, functions, memories,
 *                 tables, globals); freeing the store frees them all
 *   eng_instance  an instantiated module, lives in one store
 *   eng_func / eng_memory / eng_table / eng_global
 *                 externals; created by instantiation or by the embedder
 *                 (host functions, spectest-style host objects)
 *
 * Threading: a store and everything in it is used by one thread at a time.
 * Modules are immutable after decode and may be shared between threads once
 * eng_module_prepare() has been called (which compiles every function).
 *
 * Ownership: inputs are borrowed for the duration of the call and never
 * mutated; the engine copies what it keeps.
 */
#ifndef PVF_ENGINE_H
#define PVF_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- values and types -------------------------------------------------- */

enum eng_valtype {
	ENG_I32 = 0x7f,
	ENG_I64 = 0x7e,
	ENG_F32 = 0x7d,
	ENG_F64 = 0x7c,
	ENG_V128 = 0x7b,      /* never accepted: SIMD is outside every profile */
	ENG_FUNCREF = 0x70,
	ENG_EXTERNREF = 0x6f,
};

/* A value with its type. Floats are carried as raw bits so NaN payloads are
 * preserved exactly. References are opaque pointers; NULL is ref.null. */
struct eng_val {
	enum eng_valtype type;
	union {
		uint32_t i32;
		uint64_t i64;
		uint32_t f32;   /* bits */
		uint64_t f64;   /* bits */
		void *ref;      /* funcref: struct eng_func *, externref: embedder's */
	} of;
};

struct eng_functype {
	uint32_t nparams;
	uint32_t nresults;
	const uint8_t *params;   /* enum eng_valtype values */
	const uint8_t *results;
};

struct eng_limits_desc {
	uint64_t min;
	uint64_t max;
	bool has_max;
};

enum eng_extern_kind {
	ENG_EXTERN_FUNC = 0,
	ENG_EXTERN_TABLE = 1,
	ENG_EXTERN_MEMORY = 2,
	ENG_EXTERN_GLOBAL = 3,
};

/* What an import asks for (or what an export provides). */
struct eng_extern_type {
	enum eng_extern_kind kind;
	struct eng_functype func;            /* ENG_EXTERN_FUNC */
	struct {
		uint8_t elem_type;           /* ENG_FUNCREF or ENG_EXTERNREF */
		struct eng_limits_desc limits;
	} table;
	struct eng_limits_desc memory;
	struct {
		uint8_t type;
		bool mut;
	} global;
};

/* ---- configuration ----------------------------------------------------- */

enum eng_profile {
	/* Wasm 2.0 without SIMD: multi-value, bulk memory, reference types,
	 * sign-extension, saturating conversions. */
	ENG_PROFILE_FULL = 0,
	/* Exactly what Polkadot's PVF pipeline accepts: MVP opcodes only, the
	 * reference parser's quirks and implementation limits, and the
	 * deterministic stack limiter's cost function (docs/determinism.md). */
	ENG_PROFILE_PVF = 1,
};

/* Decode/validate limits. All are counts; 0 in a field means "default".
 * Defaults are generous for real runtimes and documented in
 * docs/engine-limits.md. */
struct eng_decode_limits {
	uint32_t max_module_bytes;
	uint32_t max_types;
	uint32_t max_functions;
	uint32_t max_imports;
	uint32_t max_exports;
	uint32_t max_globals;
	uint32_t max_data_segments;
	uint32_t max_elem_segments;
	uint32_t max_elems_per_segment;
	uint32_t max_locals;             /* params + declared locals, per function */
	uint32_t max_params;
	uint32_t max_results;
	uint32_t max_br_table;
	uint32_t max_nesting;            /* control-frame depth in one function */
	uint32_t max_function_bytes;
	uint32_t max_name_bytes;
};

struct eng_module_config {
	enum eng_profile profile;
	struct eng_decode_limits limits;  /* zero-initialised = all defaults */
};

/* ---- errors and traps --------------------------------------------------- */

enum eng_status {
	ENG_OK = 0,
	ENG_ERR_MALFORMED,     /* binary format violation (spec: "malformed") */
	ENG_ERR_INVALID,       /* validation failure (spec: "invalid") */
	ENG_ERR_PROFILE,       /* valid Wasm, but outside the selected profile */
	ENG_ERR_STACK_LIMITER, /* PVF profile: valid Wasm the stack limiter's cost
				* function rejects (determinism.md §3.2) */
	ENG_ERR_LIMIT,         /* an implementation limit was exceeded */
	ENG_ERR_NOMEM,         /* allocation failed */
	ENG_ERR_UNLINKABLE,    /* import missing or of the wrong type */
	ENG_ERR_TRAP,          /* a trap (see eng_error.trap) */
	ENG_ERR_ARGS,          /* embedder passed bad arguments (wrong count/type) */
	ENG_ERR_NATIVE_CODE,   /* serialised native code rejected: another engine
				* build, module, NaN mode, CPU, or a damaged blob
				* (eng_module_native_import) */
};

/* Traps. The message strings (eng_trap_name) use the spec's wording. */
enum eng_trap {
	ENG_TRAP_NONE = 0,
	ENG_TRAP_UNREACHABLE,          /* "unreachable" */
	ENG_TRAP_MEMORY_OOB,           /* "out of bounds memory access" */
	ENG_TRAP_DIV_ZERO,             /* "integer divide by zero" */
	ENG_TRAP_INT_OVERFLOW,         /* "integer overflow" */
	ENG_TRAP_INVALID_CONVERSION,   /* "invalid conversion to integer" */
	ENG_TRAP_INDIRECT_MISMATCH,    /* "indirect call type mismatch" */
	ENG_TRAP_UNDEFINED_ELEMENT,    /* "undefined element" */
	ENG_TRAP_UNINITIALIZED_ELEMENT,/* "uninitialized element" */
	ENG_TRAP_TABLE_OOB,            /* "out of bounds table access" */
	ENG_TRAP_CALL_STACK_EXHAUSTED, /* "call stack exhausted" */
	ENG_TRAP_STACK_LIMIT,          /* logical stack limit (PVF limiter) */
	ENG_TRAP_HOST,                 /* a host function trapped (message set) */
	ENG_TRAP_NOMEM,                /* allocation failed while running */
	ENG_TRAP__COUNT,
};

const char *eng_trap_name(enum eng_trap trap);
const char *eng_status_name(enum eng_status status);

/* Details of a failure. Filled by the engine; nothing allocated. */
struct eng_error {
	enum eng_status status;
	enum eng_trap trap;      /* when status == ENG_ERR_TRAP */
	uint32_t offset;         /* byte offset in the module, or UINT32_MAX */
	uint32_t func_idx;       /* function index, or UINT32_MAX */
	char msg[160];           /* lowercase, no full stop, spec wording first */
};

/* ---- modules ------------------------------------------------------------ */

struct eng_module;

/* Decodes and validates `bytes` (borrowed for the call; copied).
 * On success *out is a new module (free with eng_module_free). */
enum eng_status eng_module_new(const uint8_t *bytes, size_t len,
			       const struct eng_module_config *config,
			       struct eng_module **out, struct eng_error *err);
void eng_module_free(struct eng_module *m);

/* Translates every function for the interpreter ahead of time (otherwise
 * done lazily on first call). Needed before sharing across threads. */
enum eng_status eng_module_prepare(struct eng_module *m, struct eng_error *err);

/* Compiles every function to native code ahead of time (otherwise done at
 * the first instantiation in a native store), for instances that
 * canonicalise NaNs (PVF profile, or a store with nan_canonicalize) or not.
 * Also does eng_module_prepare's translation. Needed before sharing a module
 * between threads that instantiate it natively. */
enum eng_status eng_module_prepare_native(struct eng_module *m, bool nan_canonicalize,
					  struct eng_error *err);

/* What the native compiler made of a module (after eng_module_prepare_native
 * or a native instantiation) for the given NaN mode: defined functions,
 * those compiled to machine code (the others run in the interpreter, see
 * docs/compiler.md), bytes of machine code. All zero if not compiled. */
struct eng_native_stats {
	uint32_t functions;
	uint32_t compiled;
	uint64_t code_bytes;
	uint32_t relocations;
	uint32_t pinned_locals;   /* locals kept in registers (all functions) */
	uint32_t optimised;       /* functions of the optimising tier (LLVM) */
	const char *optimised_dropped; /* why that tier compiled nothing of this module
				   * (LLVM missing or failing; static), else NULL */
	bool imported;            /* installed by eng_module_native_import */
	uint32_t translated;      /* functions translated for the interpreter (any
				   * mode; 0 after an import of fully compiled code) */
};
void eng_module_native_stats(const struct eng_module *m, bool nan_canonicalize,
			     struct eng_native_stats *st);

/* ---- serialised native code (docs/compiler.md §4) ------------------------ */

/* The engine's build identity: 16 bytes derived at build time from the
 * project version and every source file of src/engine (meson,
 * scripts/engine-build-id.py), so it changes whenever the compiler, the
 * run-time structures its code addresses or the interpreter change.
 * Serialised native code is only accepted by an engine with the same
 * identity. */
#define ENG_BUILD_ID_LEN 16
const uint8_t *eng_build_id(void);
/* The identity as 32 lowercase hex digits, and the project version. */
const char *eng_build_id_hex(void);
const char *eng_build_version(void);

struct buf;

/* Appends to out (base.h's struct buf) a self-describing blob of m's native
 * code for the given NaN mode (compiled with eng_module_prepare_native, or
 * imported): header with format version, target, CPU features, NaN mode,
 * profile, engine build identity and a fingerprint of the module's Wasm
 * bytes, then the per-function table, the relocations and the code. Layout:
 * docs/compiler.md §4. ENG_ERR_ARGS if m has no native code for that mode,
 * ENG_ERR_NOMEM. */
enum eng_status eng_module_native_export(const struct eng_module *m, bool nan_canonicalize,
					 struct buf *out, struct eng_error *err);
/* Installs native code exported by eng_module_native_export into m, which
 * must have been created (eng_module_new) from the same Wasm bytes and
 * profile and have no native code for that NaN mode yet: the code is
 * copied into a fresh mapping, its direct calls are relocated and the
 * mapping is made read+execute. Nothing is translated or compiled (unless
 * the blob records interpreter fallbacks: then the module is translated for
 * the interpreter, as the fallback stubs need it). data is borrowed.
 * Every field and bound is checked; any mismatch or damage gives
 * ENG_ERR_NATIVE_CODE with the reason in err->msg ("native code: ...").
 * Also ENG_ERR_ARGS (code already present), ENG_ERR_NOMEM. */
enum eng_status eng_module_native_import(struct eng_module *m, bool nan_canonicalize,
					 const uint8_t *data, size_t len,
					 struct eng_error *err);

enum eng_profile eng_module_profile(const struct eng_module *m);

/* Introspection. Strings point into the module and live as long as it. */
uint32_t eng_module_import_count(const struct eng_module *m);
void eng_module_import(const struct eng_module *m, uint32_t i,
		       const char **module, size_t *module_len,
		       const char **name, size_t *name_len,
		       struct eng_extern_type *type);
uint32_t eng_module_export_count(const struct eng_module *m);
void eng_module_export(const struct eng_module *m, uint32_t i,
		       const char **name, size_t *name_len,
		       struct eng_extern_type *type);
/* Custom sections in file order. */
uint32_t eng_module_custom_count(const struct eng_module *m);
void eng_module_custom(const struct eng_module *m, uint32_t i,
		       const char **name, size_t *name_len,
		       const uint8_t **data, size_t *data_len);

struct eng_module_stats {
	uint32_t types, imports, functions, tables, memories, globals;
	uint32_t exports, elem_segments, data_segments, customs;
	uint64_t code_bytes;
	bool has_start;
};
void eng_module_stats(const struct eng_module *m, struct eng_module_stats *st);

/* Post-MVP features a module uses (ENG_FEATURE_* bits), as found by the
 * decoder/validator. Lets tools explain why the PVF profile rejects a module
 * that the full profile accepts. */
enum {
	ENG_FEATURE_MULTI_VALUE = 1u << 0,      /* >1 result, type-index blocktypes */
	ENG_FEATURE_BULK_MEMORY = 1u << 1,      /* 0xfc 8..17, passive segments, data count */
	ENG_FEATURE_REFERENCE_TYPES = 1u << 2,  /* ref types, table ops, multi tables, typed select */
	ENG_FEATURE_SIGN_EXT = 1u << 3,         /* 0xc0..0xc4 */
	ENG_FEATURE_SAT_TRUNC = 1u << 4,        /* 0xfc 0..7 */
	ENG_FEATURE_MUTABLE_GLOBAL_IMPORT = 1u << 5,
};
uint32_t eng_module_features(const struct eng_module *m);

/* PVF profile: the stack limiter's cost of defined function `func_idx`
 * (index in the function index space; 0 for imports). */
uint32_t eng_module_stack_cost(const struct eng_module *m, uint32_t func_idx);

/* PVF profile, prepared module (eng_module_prepare): the number of value
 * slots (eng_store_config.max_value_slots) that guarantees the interpreter's
 * value stack is never exhausted before the logical stack limit
 * `logical_stack_max` is reached, whatever the call chain. 0 if the module
 * is not prepared or has no stack costs. See docs/interpreter.md §4. */
uint64_t eng_module_value_slots_bound(const struct eng_module *m, uint32_t logical_stack_max);

/* ---- store and runtime objects ----------------------------------------- */

struct eng_store;
struct eng_instance;
struct eng_func;
struct eng_memory;
struct eng_table;
struct eng_global;

/* Execution backend of a store (eng_store_config.backend). Both give the
 * same results, traps and limit trips (docs/compiler.md). */
enum eng_backend {
	ENG_BACKEND_INTERP = 0,   /* the interpreter (docs/interpreter.md) */
	ENG_BACKEND_NATIVE = 1,   /* x86-64 machine code; eng_native_supported() */
};

/* True when this build and CPU can run ENG_BACKEND_NATIVE (x86-64 Linux with
 * SSE4.1; everything else fails eng_store_new with ENG_ERR_ARGS). */
bool eng_native_supported(void);

/* Which functions the native compiler also compiles with its optimising tier
 * (LLVM, docs/compiler.md §1a), for modules compiled from now on in this
 * process. AUTO: its deterministic selection (default). ALL: every function
 * it can translate, selected or not (tests). SINGLE: none, single-pass code
 * only. Results never depend on it. */
enum eng_native_tiers {
	ENG_TIERS_AUTO = 0,
	ENG_TIERS_ALL = 1,
	ENG_TIERS_SINGLE = 2,
};
void eng_native_set_tiers(enum eng_native_tiers t);
/* Loads the optimising tier's LLVM (libLLVM, opened at run time) if not yet
 * done; true when the tier can run. Otherwise *why (when why is not NULL)
 * says why, and modules get single-pass code only. Native compilation does
 * it on first use; a process that compiles after confining itself (the
 * prepare worker) calls it before. */
bool eng_native_opt_load(const char **why);

struct eng_store_config {
	/* Hard maximum of any memory in pages (64 KiB); 0 = 65536. Growth
	 * beyond it fails (memory.grow returns -1), instantiation of a memory
	 * whose minimum exceeds it fails. */
	uint32_t max_memory_pages;
	/* Logical stack limit of the PVF stack limiter (0 = off). On entry to a
	 * defined function its cost is added to a counter; exceeding the limit
	 * traps with ENG_TRAP_STACK_LIMIT. */
	uint32_t logical_stack_max;
	/* Maximum nesting of wasm calls; 0 = default (see docs). Exceeding it
	 * traps with ENG_TRAP_CALL_STACK_EXHAUSTED. Deterministic in every
	 * build. */
	uint32_t max_call_depth;
	/* Maximum number of 64-bit value slots of the interpreter's value stack
	 * (all frames); 0 = default. Exceeding it traps with
	 * ENG_TRAP_CALL_STACK_EXHAUSTED. */
	uint32_t max_value_slots;
	/* Maximum table size in elements; 0 = 10,000,000. */
	uint32_t max_table_elems;
	/* Canonicalise NaN results of arithmetic (determinism.md §8). Always
	 * on in the PVF profile; this flag enables it for ENG_PROFILE_FULL. */
	bool nan_canonicalize;
	/* Backend of every instance created in the store. Native: each module
	 * is compiled once per NaN mode, at its first instantiation in a native
	 * store (or ahead of time with eng_module_prepare_native). */
	enum eng_backend backend;
	/* Native backend: bounds-check every memory access in the code instead
	 * of reserving 8 GiB of address space per memory and turning faults in
	 * its guard region into traps (a process-wide SIGSEGV handler, installed
	 * at the first native store; docs/compiler.md). Same results either way. */
	bool no_guard_pages;
};

enum eng_status eng_store_new(const struct eng_store_config *config,
			      struct eng_store **out);
void eng_store_free(struct eng_store *s);

/* Host functions. args/results are raw 64-bit slots in the order of the
 * function type: i32 in the low 32 bits, floats as bits, references as
 * pointers. Return ENG_TRAP_NONE, or a trap (use eng_host_trap for a
 * message). */
struct eng_host_call;
typedef enum eng_trap (*eng_host_fn)(struct eng_host_call *call, void *user,
				     const uint64_t *args, uint64_t *results);

/* The calling instance's memory 0 (NULL if it has none). */
struct eng_memory *eng_host_call_memory(struct eng_host_call *call);
struct eng_instance *eng_host_call_instance(struct eng_host_call *call);
struct eng_store *eng_host_call_store(struct eng_host_call *call);
/* Records a message and returns ENG_TRAP_HOST. */
enum eng_trap eng_host_trap(struct eng_host_call *call, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Creates a host function in the store (type copied). NULL on OOM. */
struct eng_func *eng_func_new_host(struct eng_store *s, const struct eng_functype *type,
				   eng_host_fn fn, void *user);
/* Embedder-created objects (e.g. the spec test's `spectest` module). */
struct eng_memory *eng_memory_new(struct eng_store *s, struct eng_limits_desc limits);
struct eng_table *eng_table_new(struct eng_store *s, uint8_t elem_type,
				struct eng_limits_desc limits);
struct eng_global *eng_global_new(struct eng_store *s, struct eng_val value, bool mut);

struct eng_extern {
	enum eng_extern_kind kind;
	union {
		struct eng_func *func;
		struct eng_table *table;
		struct eng_memory *memory;
		struct eng_global *global;
	} of;
};

/* Import resolver: fill *out and return true, or return false if unknown.
 * The engine checks the type itself (ENG_ERR_UNLINKABLE on mismatch). */
typedef bool (*eng_resolve_fn)(void *ctx, const char *module, size_t module_len,
			       const char *name, size_t name_len,
			       const struct eng_extern_type *want, struct eng_extern *out);

/* Instantiates m in s: resolves imports, allocates memories/tables/globals,
 * applies segments, runs the start function. The module must outlive the
 * store. Failures: ENG_ERR_UNLINKABLE, ENG_ERR_TRAP (segment out of bounds or
 * start trap: "uninstantiable"), ENG_ERR_NOMEM, ENG_ERR_LIMIT. */
enum eng_status eng_instance_new(struct eng_store *s, struct eng_module *m,
				 eng_resolve_fn resolve, void *resolve_ctx,
				 struct eng_instance **out, struct eng_error *err);

bool eng_instance_export(struct eng_instance *inst, const char *name, size_t name_len,
			 struct eng_extern *out);
/* Memory 0 of the instance, or NULL. */
struct eng_memory *eng_instance_memory(struct eng_instance *inst);

/* Calls f with typed arguments (count and types checked: ENG_ERR_ARGS).
 * On a trap returns ENG_ERR_TRAP with err->trap set. */
enum eng_status eng_func_call(struct eng_store *s, struct eng_func *f,
			      const struct eng_val *args, uint32_t nargs,
			      struct eng_val *results, uint32_t nresults,
			      struct eng_error *err);
const struct eng_functype *eng_func_type(const struct eng_func *f);

/* Memory access for host functions: bounds-checked as integers; return
 * false (nothing copied) when [offset, offset+len) is out of range. */
uint8_t *eng_memory_data(struct eng_memory *mem, uint64_t *size_bytes);
uint32_t eng_memory_pages(const struct eng_memory *mem);
/* Grows by delta pages; returns the old size in pages or -1. */
int64_t eng_memory_grow(struct eng_memory *mem, uint32_t delta);
bool eng_memory_read(struct eng_memory *mem, uint64_t offset, void *dst, uint64_t len);
bool eng_memory_write(struct eng_memory *mem, uint64_t offset, const void *src, uint64_t len);
/* Returns a pointer to [offset, offset+len) if in bounds, else NULL. Valid
 * until the memory grows. */
uint8_t *eng_memory_range(struct eng_memory *mem, uint64_t offset, uint64_t len);

struct eng_val eng_global_get(const struct eng_global *g);
/* Fails (false) on an immutable global or a type mismatch. */
bool eng_global_set(struct eng_global *g, struct eng_val v);

uint32_t eng_table_size(const struct eng_table *t);
bool eng_table_get(const struct eng_table *t, uint32_t idx, void **ref);

#endif /* PVF_ENGINE_H */
