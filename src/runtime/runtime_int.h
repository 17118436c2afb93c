/* SPDX-License-Identifier: Apache-2.0 */
/* runtime internals shared between runtime files and their unit tests. */
#ifndef PVF_RUNTIME_INT_H
#define PVF_RUNTIME_INT_H

#include "crypto.h"
#include "engine/engine.h"
#include "runtime.h"

/* Keccak sponge with capacity 2 * out_len bytes (rate 200 - 2 * out_len),
 * multi-rate padding starting with `domain`: 0x01 = original Keccak (what
 * Substrate calls keccak_256/512), 0x06 = SHA-3. out_len in 1..64. */
void rt__keccak_sponge(const void *data, size_t len, uint8_t *out, size_t out_len,
		       uint8_t domain);

/* ---- host functions (link.c, hostfn_*.c) --------------------------------- */

/* Per-call host state: one per instance, handed to every host function as
 * its `user` pointer. Owned by the code that runs the call (pvf.c). */
struct rt__call {
	/* The instance's linear memory; NULL until instantiation has finished
	 * (host functions that need the heap trap before that, as the
	 * reference's do while the start function runs). */
	struct eng_memory *mem;
	struct rt_heap heap;
	struct rt_heap_mem heap_mem;
	bool heap_ready;
	struct rt_batch_verify batch;
	/* RFC-145 input (ext_input_read_version_1); not available for legacy
	 * calls. */
	const uint8_t *input;
	size_t input_len;
	bool input_avail;
	bool input_taken;
	/* Storage overlay (tools only; NULL for PVF validation). */
	struct rt_storage *storage;
	/* Logging budget of this call (messages and bytes). */
	uint32_t log_msgs;
	uint64_t log_bytes;
	bool log_dropped;
};

/* A host function the runtime provides, with its exact Wasm signature.
 * params/results use one letter per value: 'i' = i32, 'I' = i64. fn gets the
 * struct rt__call * as `user`. */
struct rt__hostfn {
	const char *name;
	const char *params;
	const char *results;
	eng_host_fn fn;
};

/* Host-function families (NULL-name terminated arrays), one file each. */
extern const struct rt__hostfn rt__hostfns_allocator[];
extern const struct rt__hostfn rt__hostfns_hashing[];
extern const struct rt__hostfn rt__hostfns_crypto[];
extern const struct rt__hostfn rt__hostfns_trie[];
extern const struct rt__hostfn rt__hostfns_logging[];
extern const struct rt__hostfn rt__hostfns_misc[];
extern const struct rt__hostfn rt__hostfns_input[];
/* Only for generic runtime calls (tools), never for PVF validation. */
extern const struct rt__hostfn rt__hostfns_storage[];

/* Which families a link uses. */
enum rt__hostset {
	RT_HOSTSET_PVF,      /* what Polkadot's PVF executor links */
	RT_HOSTSET_TOOLS,    /* PVF set + storage on an in-memory overlay */
};

/* Looks a name up in the given set; NULL if the host does not provide it. */
const struct rt__hostfn *rt__hostfn_find(enum rt__hostset set, const char *name, size_t len);

/* True if the signature of def equals the function type. */
bool rt__hostfn_sig_matches(const struct rt__hostfn *def, const struct eng_functype *t);

/* ---- helpers for host functions (link.c) ---------------------------------
 * All of them trap cleanly (return a trap, nothing written) on guest
 * pointers or lengths outside memory. A returned pointer into guest memory is
 * valid until the memory grows, i.e. until the next allocation. */

static inline uint32_t rt__ps_ptr(uint64_t ps)
{
	return (uint32_t)ps;
}

static inline uint32_t rt__ps_len(uint64_t ps)
{
	return (uint32_t)(ps >> 32);
}

static inline uint64_t rt__ps_pack(uint32_t ptr, uint32_t len)
{
	return (uint64_t)ptr | (uint64_t)len << 32;
}

/* [ptr, ptr + len) of the caller's memory, or a trap. len 0 is always in
 * bounds when ptr <= size (an empty slice at any valid position); *out is
 * then a valid non-NULL pointer or NULL for an empty memory. */
enum eng_trap rt__mem_span(struct eng_host_call *hc, uint32_t ptr, uint32_t len,
			   const uint8_t **out);
/* As rt__mem_span for a pointer-size argument. */
enum eng_trap rt__mem_ps(struct eng_host_call *hc, uint64_t ps, const uint8_t **out,
			 uint32_t *len);
/* Copies len guest bytes at ptr into dst. */
enum eng_trap rt__mem_read(struct eng_host_call *hc, uint32_t ptr, void *dst, uint32_t len);
/* Copies len bytes into guest memory at ptr. */
enum eng_trap rt__mem_write(struct eng_host_call *hc, uint32_t ptr, const void *src,
			    uint32_t len);

/* Heap allocation on behalf of the guest; traps "Failed to allocate memory"
 * on any allocator error (or before instantiation has finished). */
enum eng_trap rt__malloc(struct eng_host_call *hc, struct rt__call *c, uint32_t size,
			 uint32_t *ptr);
enum eng_trap rt__free(struct eng_host_call *hc, struct rt__call *c, uint32_t ptr);

/* Allocates len bytes, copies data in, and returns the pointer
 * (AllocateAndReturnPointer) or the pointer-size (AllocateAndReturnFatPointer,
 * AllocateAndReturnByCodec). data must not point into guest memory. */
enum eng_trap rt__return_ptr(struct eng_host_call *hc, struct rt__call *c, const void *data,
			     size_t len, uint32_t *ptr);
enum eng_trap rt__return_ps(struct eng_host_call *hc, struct rt__call *c, const void *data,
			    size_t len, uint64_t *ps);

/* Logging through pvlog within the call's budget (logging.c): at most
 * RT__LOG_MAX_MSGS messages and RT__LOG_MAX_BYTES bytes per call, each
 * message cut at RT__LOG_MAX_MSG bytes. Non-printable bytes are escaped. */
#define RT__LOG_MAX_MSGS 1000u
#define RT__LOG_MAX_BYTES (256u * 1024)
#define RT__LOG_MAX_MSG 1024u
void rt__guest_log(struct rt__call *c, enum pvlog_level level, const char *what,
		   const uint8_t *target, size_t target_len, const uint8_t *msg, size_t msg_len);

/* ---- linking (link.c) --------------------------------------------------- */

/* What a link check found out about a module. */
struct rt__link_info {
	bool mem_imported;          /* the first memory is an import */
	uint64_t mem_min;           /* its minimum in pages */
	bool mem_named_memory;      /* its field name is `memory` */
	uint32_t nfunc_imports;
	uint32_t nstubs;            /* function imports the host does not provide */
};

/* Checks every import of m against the host set (determinism.md §7) without
 * instantiating: returns true, or false with a message in msg. */
bool rt__link_check(const struct eng_module *m, enum rt__hostset set,
		    struct rt__link_info *info, char *msg, size_t msg_size);

/* A function import bound to a host function or a stub. */
struct rt__binding {
	struct rt__call *call;
	const struct rt__hostfn *def;   /* NULL: a stub trapping when called */
	const char *name;               /* points into the module */
	size_t name_len;
	uint64_t calls;
};

/* Resolver state for one instantiation. */
struct rt__linker {
	struct eng_store *store;
	enum rt__hostset set;
	struct rt__call *call;
	uint32_t mem_max_pages;          /* M */
	struct rt__binding *bindings;    /* one per function import, caller-owned */
	uint32_t nbindings;
	uint32_t cap_bindings;
	struct eng_memory *mem;          /* the memory created for the import */
	bool failed_nomem;
};

/* eng_resolve_fn over a struct rt__linker. */
bool rt__resolve(void *ctx, const char *module, size_t module_len, const char *name,
		 size_t name_len, const struct eng_extern_type *want, struct eng_extern *out);

/* ---- storage overlay (storage.c) --------------------------------------- */

/* Child-trie keys live in the same ordered map as the top trie under a
 * prefix that sorts after every top key; see storage.c. */

#endif /* PVF_RUNTIME_INT_H */
