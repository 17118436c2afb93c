/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime: the Substrate runtime environment a PVF expects: code and PoV
 * blobs, SCALE, the heap allocator, host functions and the validate_block
 * ABI. Uses the engine only through engine.h.
 */
#ifndef PVF_RUNTIME_H
#define PVF_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "base/scale.h"

/* ---- code and PoV blobs (sp-maybe-compressed-blob) --------------------- */

#define RT_BLOB_PREFIX_LEN 8
/* Reference's recommended limit for code blobs: 50 MiB. */
#define RT_CODE_BLOB_BOMB_LIMIT (50u * 1024 * 1024)
/* POV_BOMB_LIMIT = MAX_POV_SIZE * 4 = 40 MiB. */
#define RT_POV_BOMB_LIMIT (40u * 1024 * 1024)

enum rt_blob_kind {
	RT_BLOB_PLAIN,        /* no prefix: used as is */
	RT_BLOB_LEGACY,       /* 52 bc 53 76 46 db 8e 05: zstd, code or PoV */
	RT_BLOB_POV,          /* ... 06: zstd PoV */
	RT_BLOB_WASM,         /* ... 07: zstd Wasm code */
	RT_BLOB_POLKAVM,      /* ... 08: PolkaVM code (not supported) */
	RT_BLOB_RAW_ZSTD,     /* bare zstd frame, no prefix (tools only) */
};

enum rt_blob_status {
	RT_BLOB_OK = 0,
	RT_BLOB_ERR_BOMB,      /* "possible compression bomb encountered" */
	RT_BLOB_ERR_INVALID,   /* "blob had invalid format" */
	RT_BLOB_ERR_POLKAVM,   /* "PolkaVM code is not supported" */
	RT_BLOB_ERR_NOMEM,
};

const char *rt_blob_status_str(enum rt_blob_status st);
enum rt_blob_kind rt_blob_kind_of(const uint8_t *blob, size_t len);

/* Decompresses `blob` if it carries a zstd prefix (or, when allow_raw_zstd,
 * is a bare zstd frame), refusing output larger than bomb_limit. Plain input
 * is copied unchanged. On success *out is malloc'd (caller frees). */
enum rt_blob_status rt_blob_decompress(const uint8_t *blob, size_t len, size_t bomb_limit,
				       bool allow_raw_zstd, uint8_t **out, size_t *out_len);

/* ---- hashing (hash.c) ---------------------------------------------------
 * The sp-io hashing host functions. All are total functions of their input
 * (no errors); data may be NULL when len is 0. Outputs are byte arrays in the
 * order the runtime expects (twox words little-endian, concatenated).
 */

/* BLAKE2b, unkeyed, digest length out_len (1..64; a parameter of the hash,
 * not a truncation). libsodium. */
void rt_blake2b(const void *data, size_t len, uint8_t *out, size_t out_len);
void rt_blake2b_128(const void *data, size_t len, uint8_t out[16]);
void rt_blake2b_256(const void *data, size_t len, uint8_t out[32]);
/* XXH64 with seeds 0..n-1, each digest little-endian (libxxhash). */
void rt_twox_64(const void *data, size_t len, uint8_t out[8]);
void rt_twox_128(const void *data, size_t len, uint8_t out[16]);
void rt_twox_256(const void *data, size_t len, uint8_t out[32]);
/* Original Keccak (pad 0x01 ... 0x80), not SHA-3. Hand-written. */
void rt_keccak_256(const void *data, size_t len, uint8_t out[32]);
void rt_keccak_512(const void *data, size_t len, uint8_t out[64]);
/* SHA-256 (libsodium). */
void rt_sha2_256(const void *data, size_t len, uint8_t out[32]);
/* The Keccak-f[1600] permutation on 25 little-endian lanes (lane i = x + 5y),
 * exported for sponge constructions elsewhere (STROBE/Merlin). */
void rt_keccak_f1600(uint64_t state[25]);

/* ---- Polkadot parachain primitives (types.c) ----------------------------
 * SCALE layouts of polkadot/parachain/src/primitives.rs and
 * polkadot/primitives (v8/v9). Decoders borrow: every scale_slice points into
 * the decoded input, which must outlive the result; arrays come from the
 * caller's arena. Decoders read from a scale_reader so that they can be
 * embedded in larger messages; they do not require the input to end.
 */

#define RT_MAX_UPWARD_MESSAGE_NUM (16u * 1024)      /* BoundedVec bound */
#define RT_MAX_HORIZONTAL_MESSAGE_NUM (16u * 1024)  /* BoundedVec bound */
#define RT_MAX_HEAD_DATA_SIZE (1u * 1024 * 1024)    /* primitives MAX_HEAD_DATA_SIZE */
#define RT_MAX_CODE_SIZE (3u * 1024 * 1024)         /* primitives MAX_CODE_SIZE */
#define RT_MAX_POV_SIZE (10u * 1024 * 1024)         /* primitives MAX_POV_SIZE */

/* Input of validate_block. */
struct rt_validation_params {
	struct scale_slice parent_head;       /* HeadData = Vec<u8> */
	struct scale_slice block_data;        /* BlockData = Vec<u8> */
	uint32_t relay_parent_number;         /* u32 LE, not compact */
	uint8_t relay_parent_storage_root[32];
};

int rt_validation_params_encode(const struct rt_validation_params *p, struct buf *out);
enum scale_status rt_validation_params_read(struct scale_reader *r,
					    struct rt_validation_params *out);

struct rt_outbound_hrmp {
	uint32_t recipient;                   /* ParaId, u32 LE */
	struct scale_slice data;
};

/* Output of validate_block. */
struct rt_validation_result {
	struct scale_slice head_data;
	bool has_new_code;
	struct scale_slice new_validation_code;
	uint32_t n_upward;
	struct scale_slice *upward;           /* n_upward entries */
	uint32_t n_horizontal;
	struct rt_outbound_hrmp *horizontal;  /* n_horizontal entries */
	uint32_t processed_downward_messages;
	uint32_t hrmp_watermark;
};

/* Decodes as Polkadot's execute worker does: the two message vectors are
 * BoundedVec<_, 16384> (a longer length prefix is SCALE_ERR_LIMIT before any
 * element is read); trailing bytes after the struct are the caller's business
 * (Polkadot ignores them). Arrays are allocated from a (SCALE_ERR_NOMEM). */
enum scale_status rt_validation_result_read(struct scale_reader *r, struct arena *a,
					    struct rt_validation_result *out);
int rt_validation_result_encode(const struct rt_validation_result *res, struct buf *out);

/* Limits the relay chain applies to the outputs of a valid candidate
 * (check_validation_outputs against its host configuration). The decoder
 * above does not apply them; rt_result_limits_default() gives the primitives'
 * absolute maxima, a node should use the relay's configured values. */
struct rt_result_limits {
	uint32_t max_head_data_size;
	uint32_t max_code_size;
	uint32_t max_upward_message_num;
	uint32_t max_horizontal_message_num;
};
void rt_result_limits_default(struct rt_result_limits *l);
/* Returns NULL if res is within l, else a static description of the first
 * violated limit ("head data too large", ...). */
const char *rt_validation_result_check(const struct rt_validation_result *res,
				       const struct rt_result_limits *l);

/* CandidateCommitments: the same fields as ValidationResult, encoded in the
 * order {upward, horizontal, new_validation_code, head_data,
 * processed_downward_messages, hrmp_watermark}; hashed with BLAKE2b-256 into
 * the candidate receipt's commitments_hash. 0 or -ENOMEM. */
int rt_candidate_commitments_encode(const struct rt_validation_result *res, struct buf *out);
int rt_candidate_commitments_hash(const struct rt_validation_result *res, uint8_t out[32]);

struct rt_persisted_validation_data {
	struct scale_slice parent_head;
	uint32_t relay_parent_number;
	uint8_t relay_parent_storage_root[32];
	uint32_t max_pov_size;
};

int rt_pvd_encode(const struct rt_persisted_validation_data *d, struct buf *out);
enum scale_status rt_pvd_read(struct scale_reader *r, struct rt_persisted_validation_data *out);
/* BLAKE2b-256 of the SCALE encoding (persisted_validation_data_hash). */
int rt_pvd_hash(const struct rt_persisted_validation_data *d, uint8_t out[32]);

/* HeadData::hash(): BLAKE2b-256 of the head bytes. */
void rt_head_data_hash(const uint8_t *head, size_t len, uint8_t out[32]);
/* ValidationCodeHash: BLAKE2b-256 of the code exactly as stored on chain,
 * i.e. of the still-compressed blob with its prefix. */
void rt_validation_code_hash(const uint8_t *code, size_t len, uint8_t out[32]);

/* ---- executor parameters (params.c) --------------------------------------
 * polkadot primitives ExecutorParams = Vec<ExecutorParam>; variant indices
 * are the SCALE tags.
 */

enum rt_exec_param_tag {
	RT_EXEC_PARAM_MAX_MEMORY_PAGES = 1,        /* u32 */
	RT_EXEC_PARAM_STACK_LOGICAL_MAX = 2,       /* u32 */
	RT_EXEC_PARAM_STACK_NATIVE_MAX = 3,        /* u32 */
	RT_EXEC_PARAM_PRECHECKING_MAX_MEMORY = 4,  /* u64 */
	RT_EXEC_PARAM_PVF_PREP_TIMEOUT = 5,        /* (PvfPrepKind u8, u64 ms) */
	RT_EXEC_PARAM_PVF_EXEC_TIMEOUT = 6,        /* (PvfExecKind u8, u64 ms) */
	RT_EXEC_PARAM_WASM_EXT_BULK_MEMORY = 7,    /* no payload */
	RT_EXEC_PARAM_ENABLED_HOST_FUNCTION = 8,   /* ExecutorHostFunction u8 */
};

enum rt_pvf_prep_kind { RT_PVF_PREP_PRECHECK = 0, RT_PVF_PREP_PREPARE = 1 };
enum rt_pvf_exec_kind { RT_PVF_EXEC_BACKING = 0, RT_PVF_EXEC_APPROVAL = 1 };
enum rt_host_function_set { RT_HOST_FN_ECC_RFC163 = 1 };  /* index 0 unused */

struct rt_exec_param {
	enum rt_exec_param_tag tag;
	uint8_t kind;     /* prep/exec kind, or host function set; else 0 */
	uint64_t value;   /* numeric payload; 0 for 7 and 8 */
};

struct rt_exec_params {
	uint32_t n;
	struct rt_exec_param *items;
};

#define RT_DEFAULT_LOGICAL_STACK_MAX 65536u
#define RT_DEFAULT_NATIVE_STACK_MAX (256u * 1024 * 1024)
#define RT_DEFAULT_HEAP_PAGES_ESTIMATE 32u
#define RT_EXTRA_HEAP_PAGES 2048u
#define RT_MEMORY_PAGES_MAX 65536u
#define RT_LOGICAL_MAX_LO 1024u
#define RT_LOGICAL_MAX_HI (2u * 65536)
#define RT_PRECHECK_MEM_MAX_LO (UINT64_C(256) * 1024 * 1024)
#define RT_PRECHECK_MEM_MAX_HI (UINT64_C(16) * 1024 * 1024 * 1024)
#define RT_DEFAULT_PRECHECK_PREP_TIMEOUT_MS UINT64_C(60000)
#define RT_DEFAULT_LENIENT_PREP_TIMEOUT_MS UINT64_C(360000)
#define RT_DEFAULT_BACKING_EXEC_TIMEOUT_MS UINT64_C(2000)
#define RT_DEFAULT_APPROVAL_EXEC_TIMEOUT_MS UINT64_C(12000)

/* Unknown variant tags or kinds are SCALE_ERR_TAG. items from a. */
enum scale_status rt_exec_params_read(struct scale_reader *r, struct arena *a,
				      struct rt_exec_params *out);
int rt_exec_params_encode(const struct rt_exec_params *p, struct buf *out);
/* ExecutorParamsHash: BLAKE2b-256 of the SCALE encoding. 0 or -ENOMEM. */
int rt_exec_params_hash(const struct rt_exec_params *p, uint8_t out[32]);
/* Our preparation hash (artifact identity): BLAKE2b-256 of "prep" followed by
 * the SCALE encoding of every preparation-relevant param in order:
 * MaxMemoryPages, StackLogicalMax, PvfPrepTimeout, WasmExtBulkMemory and
 * EnabledHostFunction. Unlike upstream it includes MaxMemoryPages (see
 * docs/runtime.md). 0 or -ENOMEM. */
int rt_exec_params_prep_hash(const struct rt_exec_params *p, uint8_t out[32]);
/* Upstream's prep_hash() exactly (StackLogicalMax, PvfPrepTimeout,
 * WasmExtBulkMemory only), for comparison with Polkadot nodes. */
int rt_exec_params_prep_hash_upstream(const struct rt_exec_params *p, uint8_t out[32]);

enum rt_exec_params_error {
	RT_EXEC_PARAMS_OK = 0,
	RT_EXEC_PARAMS_DUPLICATED,      /* DuplicatedParam(name) */
	RT_EXEC_PARAMS_OUTSIDE_LIMIT,   /* OutsideLimit(name) */
	RT_EXEC_PARAMS_INCOMPATIBLE,    /* IncompatibleValues(name, name2) */
};
/* check_consistency(); on error *name (and *name2 for INCOMPATIBLE) get the
 * upstream parameter identifiers, e.g. "PvfPrepKind::Precheck". */
enum rt_exec_params_error rt_exec_params_check(const struct rt_exec_params *p,
					       const char **name, const char **name2);

/* Lookups (first matching entry wins, as upstream), with the defaults. */
/* Linear-memory maximum in pages: MaxMemoryPages(n) + 32 (saturating), or
 * 32 + 2048 = 2080. */
uint32_t rt_exec_params_memory_max_pages(const struct rt_exec_params *p);
uint32_t rt_exec_params_stack_logical_max(const struct rt_exec_params *p);
uint32_t rt_exec_params_stack_native_max(const struct rt_exec_params *p);
bool rt_exec_params_bulk_memory(const struct rt_exec_params *p);
bool rt_exec_params_host_functions(const struct rt_exec_params *p, enum rt_host_function_set s);
uint64_t rt_exec_params_prep_timeout_ms(const struct rt_exec_params *p, enum rt_pvf_prep_kind k);
uint64_t rt_exec_params_exec_timeout_ms(const struct rt_exec_params *p, enum rt_pvf_exec_kind k);
/* false if absent */
bool rt_exec_params_prechecking_max_memory(const struct rt_exec_params *p, uint64_t *bytes);

/* ---- host-side heap allocator (alloc.c) -----------------------------------
 * Substrate's FreeingBumpHeapAllocator (sc-allocator freeing_bump.rs), the
 * on-chain variant, reproduced bit for bit: same addresses, same headers in
 * guest memory, same memory growth and the same failures, because all of
 * these are observable by the guest (runtime-abi.md 2).
 *
 * Layout: each block is 2^(order+3) bytes preceded by an 8-byte little-endian
 * header. Occupied: low 32 bits = order, bit 32 set. Free: low 32 bits = next
 * free header in this order's list (0xffffffff = end), bit 32 clear. Only bit
 * 32 and the low word are read; other high bits are ignored (runtimes store a
 * tag in the top byte).
 */

#define RT_HEAP_PAGE_SIZE 65536u
#define RT_HEAP_MAX_WASM_PAGES 65536u
#define RT_HEAP_N_ORDERS 23
#define RT_HEAP_MIN_ALLOCATION 8u
#define RT_HEAP_MAX_ALLOCATION (32u * 1024 * 1024)   /* MAX_POSSIBLE_ALLOCATION */
#define RT_HEAP_NIL 0xffffffffu

/* The linear memory the allocator manages. It never caches data(): growth
 * may move the memory. */
struct rt_heap_mem {
	/* Base of linear memory; *size = current size in bytes (whole pages). */
	uint8_t *(*data)(void *ctx, uint64_t *size);
	/* Grows by `pages` pages; returns the previous page count or -1. */
	int64_t (*grow)(void *ctx, uint32_t pages);
	/* Maximum in pages (the memory's maximum or the executor's limit);
	 * 0 = none, meaning 65536. */
	uint32_t max_pages;
	void *ctx;
};

enum rt_heap_status {
	RT_HEAP_OK = 0,
	RT_HEAP_ERR_POISONED,          /* "the allocator has been poisoned" */
	RT_HEAP_ERR_MEMORY_SHRUNK,     /* MemoryShrinked */
	RT_HEAP_ERR_TOO_LARGE,         /* RequestedAllocationTooLarge */
	RT_HEAP_ERR_OUT_OF_SPACE,      /* AllocatorOutOfSpace */
	RT_HEAP_ERR_BAD_HEADER_PTR,    /* "Invalid header pointer detected" */
	RT_HEAP_ERR_FREE_LIST_OCCUPIED,/* "free list points to a occupied header" */
	RT_HEAP_ERR_READ_OOB,          /* "read out of heap bounds" */
	RT_HEAP_ERR_WRITE_OOB,         /* "write out of heap bounds" */
	RT_HEAP_ERR_INVALID_ORDER,     /* "invalid order" */
	RT_HEAP_ERR_BAD_FREE_PTR,      /* "Invalid pointer for deallocation" */
	RT_HEAP_ERR_EMPTY_HEADER,      /* "the allocation points to an empty header" */
	RT_HEAP_ERR_ACCOUNTING,        /* "underflow of the currently allocated bytes count" */
};

const char *rt_heap_status_str(enum rt_heap_status st);

struct rt_heap_stats {
	uint32_t bytes_allocated;       /* live bytes incl. headers */
	uint32_t bytes_allocated_peak;
	uint64_t bytes_allocated_sum;
	uint32_t address_space_used;    /* bumper - aligned heap base */
};

struct rt_heap {
	uint32_t original_heap_base;    /* align8(heap_base) */
	uint32_t bumper;
	uint32_t heads[RT_HEAP_N_ORDERS];  /* free-list heads (header addresses) */
	bool poisoned;
	uint64_t last_observed_memory_size;
	struct rt_heap_stats stats;
};

void rt_heap_init(struct rt_heap *h, uint32_t heap_base);
/* Any error poisons the heap: every later call fails with POISONED. A host
 * function turns any error into a trap. */
enum rt_heap_status rt_heap_alloc(struct rt_heap *h, const struct rt_heap_mem *mem,
				  uint32_t size, uint32_t *ptr);
enum rt_heap_status rt_heap_free(struct rt_heap *h, const struct rt_heap_mem *mem, uint32_t ptr);

/* ---- trie roots (trie.c) ------------------------------------------------
 * Substrate's base-16 Patricia-Merkle trie (sp-trie LayoutV0/LayoutV1 node
 * codec), root computation only (runtime-abi.md 7). All return 0, -ENOMEM,
 * or -EINVAL for a bad version/hasher; the *_scale forms also -EBADMSG when
 * the input does not decode.
 */

enum rt_trie_hasher { RT_TRIE_BLAKE2_256 = 0, RT_TRIE_KECCAK_256 = 1 };
/* V1 stores values of 33 bytes or more as their hash (hashed-value nodes). */
enum rt_state_version { RT_STATE_V0 = 0, RT_STATE_V1 = 1 };

struct rt_trie_kv {
	const uint8_t *key;
	size_t key_len;
	const uint8_t *val;
	size_t val_len;
};

/* Root of the map kvs[0..n) (input order irrelevant; for a duplicated key
 * the last entry wins). The input is not modified. */
int rt_trie_root(const struct rt_trie_kv *kvs, size_t n, enum rt_state_version v,
		 enum rt_trie_hasher h, uint8_t out[32]);
/* Root of {compact(i) -> vals[i]} (extrinsics roots). */
int rt_trie_ordered_root(const struct scale_slice *vals, size_t n, enum rt_state_version v,
			 enum rt_trie_hasher h, uint8_t out[32]);
/* Host-function forms: input SCALE Vec<(Vec<u8>, Vec<u8>)> resp.
 * Vec<Vec<u8>>. Bytes after the vector are ignored. */
int rt_trie_root_scale(const uint8_t *enc, size_t len, enum rt_state_version v,
		       enum rt_trie_hasher h, uint8_t out[32]);
int rt_trie_ordered_root_scale(const uint8_t *enc, size_t len, enum rt_state_version v,
			       enum rt_trie_hasher h, uint8_t out[32]);

/* ---- RuntimeVersion (version.c) ------------------------------------------
 * sp_version::RuntimeVersion. Decoding follows decode_with_version_hint():
 * transaction_version is present only if the Core API version is >= 3 (else
 * 1), system_version (state_version) only if >= 4 (else 0); the Core version
 * is the hint, or the one listed in `apis`. Encoding always writes all eight
 * fields (the derived Encode).
 */

#define RT_API_ENTRY_SIZE 12   /* [u8; 8] api id ++ u32 LE version */

struct rt_runtime_version {
	struct scale_slice spec_name;
	struct scale_slice impl_name;
	uint32_t authoring_version;
	uint32_t spec_version;
	uint32_t impl_version;
	uint32_t napis;
	const uint8_t *apis;          /* napis entries of RT_API_ENTRY_SIZE bytes */
	uint32_t transaction_version;
	uint8_t system_version;
	bool has_transaction_version; /* decoded from the input (else default) */
	bool has_system_version;
};

/* core_hint < 0: no hint. Borrows p; trailing bytes are ignored. */
enum scale_status rt_runtime_version_decode(const uint8_t *p, size_t len, int64_t core_hint,
					    struct rt_runtime_version *out);
/* 0 or -ENOMEM. */
int rt_runtime_version_encode(const struct rt_runtime_version *v, struct buf *out);
/* Version of the "Core" API (id blake2b_64("Core")) in an apis list. */
bool rt_runtime_version_core(const uint8_t *apis, uint32_t napis, uint32_t *out);
/* What ext_misc_runtime_version_version_1 returns for `code` (possibly
 * compressed), without running it: decompress (50 MiB limit), parse in the
 * PVF profile, decode the `runtime_version` custom section with the Core
 * version of the `runtime_apis` section as hint, splice in those apis and
 * re-encode into out. Returns 0; -ENOENT if the code has no version section;
 * -EINVAL if anything does not parse or decode; -ENOMEM. why (may be NULL
 * only if why_size is 0) gets a reason on failure. */
int rt_runtime_version_from_code(const uint8_t *code, size_t len, struct buf *out, char *why,
				 size_t why_size);

/* ---- storage for generic runtime calls (storage.c) ------------------------
 * An ordered in-memory key-value store with the default child tries and
 * nested transactions, behind the storage host functions of tools runtimes
 * (never PVF validation). child == NULL selects the top trie; otherwise child
 * is the child trie's storage key without ":child_storage:default:".
 * Pointers returned into the storage stay valid until it is modified.
 */

struct rt_storage;

struct rt_storage *rt_storage_new(void);   /* NULL on OOM */
void rt_storage_free(struct rt_storage *s);
/* 0 or -ENOMEM. */
int rt_storage_set(struct rt_storage *s, const uint8_t *child, size_t child_len,
		   const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen);
int rt_storage_clear(struct rt_storage *s, const uint8_t *child, size_t child_len,
		     const uint8_t *key, size_t klen);
bool rt_storage_get(const struct rt_storage *s, const uint8_t *child, size_t child_len,
		    const uint8_t *key, size_t klen, const uint8_t **val, size_t *vlen);
/* The first key strictly after key in the same trie. */
bool rt_storage_next_key(const struct rt_storage *s, const uint8_t *child, size_t child_len,
			 const uint8_t *key, size_t klen, const uint8_t **next, size_t *nlen);
/* Removes up to limit keys starting with prefix (UINT32_MAX: no limit);
 * *complete tells whether none is left. 0 or -ENOMEM. */
int rt_storage_clear_prefix(struct rt_storage *s, const uint8_t *child, size_t child_len,
			    const uint8_t *prefix, size_t plen, uint32_t limit, uint32_t *removed,
			    bool *complete);
/* sp-state-machine StorageAppend on a top key: the value is a SCALE Vec whose
 * length prefix is incremented and item appended; a missing or undecodable
 * value becomes a one-item Vec. 0 or -ENOMEM. */
int rt_storage_append(struct rt_storage *s, const uint8_t *key, size_t klen,
		      const uint8_t *item, size_t ilen);
/* Transactions: rollback/commit return -EINVAL when none is open. */
int rt_storage_tx_start(struct rt_storage *s);
int rt_storage_tx_rollback(struct rt_storage *s);
int rt_storage_tx_commit(struct rt_storage *s);
uint32_t rt_storage_tx_depth(const struct rt_storage *s);
/* Number of keys in one trie. */
size_t rt_storage_count(const struct rt_storage *s, const uint8_t *child, size_t child_len);
/* Iterates one trie in key order: start with *pos = 0. */
bool rt_storage_iter(const struct rt_storage *s, const uint8_t *child, size_t child_len,
		     size_t *pos, const uint8_t **key, size_t *klen, const uint8_t **val,
		     size_t *vlen);
/* Root of one trie (state version v, BLAKE2b-256); the top trie's root
 * includes every non-empty child trie as :child_storage:default:NAME -> its
 * root. 0 or -ENOMEM. */
int rt_storage_root(const struct rt_storage *s, const uint8_t *child, size_t child_len,
		    enum rt_state_version v, uint8_t out[32]);
/* Loads `genesis.raw.top` (and `childrenDefault`) of a raw chain spec (JSON,
 * hex keys and values). 0 or negative errno with err set. */
int rt_storage_load_genesis(struct rt_storage *s, const char *path, struct pvf_err *err);

/* ---- running runtimes (link.c, pvf.c) ----------------------------------------
 * A prepared runtime is code that passed the PVF pipeline's preparation:
 * decompressed, decoded and validated in the PVF engine profile (with the
 * stack limiter), and link-checked against the host functions. Each call
 * runs in a fresh store and instance (RecreateInstance semantics).
 */

/* How a call (or preparation) failed, in determinism.md §10 terms. */
enum rt_err_kind {
	RT_OK = 0,
	RT_ERR_DECOMPRESS,            /* CouldNotDecompressCodeBlob */
	RT_ERR_PREVALIDATION,         /* the module does not parse (parity-wasm) */
	RT_ERR_PREPARATION,           /* validation, stack limiter, limits */
	RT_ERR_RUNTIME_CONSTRUCTION,  /* link error (checked at preparation) */
	RT_ERR_INSTANTIATION,         /* segments, start function, memory > M */
	RT_ERR_EXPORT,                /* entry point, memory or __heap_base missing or ill-typed */
	RT_ERR_TRAP,                  /* trap while running (incl. host functions, stubs) */
	RT_ERR_OUTPUT_BOUNDS,         /* returned pointer/length outside memory */
	RT_ERR_OUTPUT_DECODE,         /* ValidationResult does not decode */
	RT_ERR_INTERNAL,              /* out of memory and the like: no verdict */
};

const char *rt_err_kind_str(enum rt_err_kind k);
/* True for the kinds that make a candidate invalid when they happen while
 * executing it (everything from runtime construction to decoding). */
bool rt_err_kind_is_invalid(enum rt_err_kind k);

struct rt_error {
	enum rt_err_kind kind;
	int trap;                     /* enum eng_trap for RT_ERR_TRAP, else 0 */
	char msg[256];
};

/* Which engine backend runs the runtime. Both give identical results
 * (docs/compiler.md); AUTO is the native compiler where this build and CPU
 * support it, else the interpreter. */
enum rt_engine {
	RT_ENGINE_AUTO = 0,
	RT_ENGINE_INTERP,
	RT_ENGINE_NATIVE,
};

/* Parses "interp" / "native" / "auto"; false if unknown. */
bool rt_engine_parse(const char *s, enum rt_engine *out);

/* Loads what the native compiler's optimising tier needs (libLLVM, opened
 * at run time: docs/compiler.md §1a) for engine e; true when it is ready or
 * e does not compile natively. Otherwise *why says why, and native code is
 * single-pass only (same results). A process that prepares after confining
 * itself calls this first (the prepare worker). */
bool rt_native_opt_load(enum rt_engine e, const char **why);
/* Whether native compilation in this process uses the optimising tier
 * (default true); false: single-pass code only, same results. */
void rt_native_opt_enable(bool on);
const char *rt_engine_name(enum rt_engine e);

struct rt_runtime_config {
	uint32_t max_memory_pages;    /* M; 0 = 32 + 2048 = 2080 */
	uint32_t logical_stack_max;   /* 0 = RT_DEFAULT_LOGICAL_STACK_MAX */
	size_t code_bomb_limit;       /* 0 = RT_CODE_BLOB_BOMB_LIMIT */
	/* Also link the storage host functions (over the rt_storage given to
	 * each call) for generic runtime calls. Never for validation. */
	bool tools;
	/* Backend; rt_runtime_prepare resolves AUTO (see rt_runtime_engine). */
	enum rt_engine engine;
};

/* AUTO -> NATIVE where eng_native_supported(), else INTERP; others as is. */
enum rt_engine rt_engine_resolve(enum rt_engine e);

/* Config from session executor parameters (MaxMemoryPages, StackLogicalMax). */
void rt_runtime_config_from_exec_params(const struct rt_exec_params *p,
					struct rt_runtime_config *cfg);

struct rt_runtime;

/* Prepares code (plain or compressed Wasm; borrowed). On failure returns the
 * kind (RT_ERR_DECOMPRESS .. RT_ERR_RUNTIME_CONSTRUCTION or
 * RT_ERR_INTERNAL) with err filled. */
enum rt_err_kind rt_runtime_prepare(const uint8_t *code, size_t len,
				    const struct rt_runtime_config *cfg, struct rt_runtime **out,
				    struct rt_error *err);
void rt_runtime_free(struct rt_runtime *rt);

/* What the engine made of a prepared runtime's code (docs/compiler.md). */
struct rt_code_stats {
	bool native;                  /* compiled to machine code (else interpreted,
				       * and the counts below are 0) */
	uint32_t functions;           /* defined functions */
	uint32_t compiled;            /* with machine code (single-pass tier) */
	uint32_t optimised;           /* also compiled by the optimising tier (LLVM) */
	uint64_t code_bytes;          /* machine code, both tiers */
	const char *opt_dropped;      /* why the optimising tier compiled nothing
				       * (static), else NULL */
};
void rt_runtime_code_stats(const struct rt_runtime *rt, struct rt_code_stats *st);
/* The engine the runtime runs on (AUTO resolved). */
enum rt_engine rt_runtime_engine(const struct rt_runtime *rt);

/* Serialised native code (docs/compiler.md §4) of a runtime prepared for
 * the native engine, appended to out (base.h buf): what rt_runtime_load
 * takes back. RT_ERR_INTERNAL (interpreter runtime, out of memory). */
enum rt_err_kind rt_runtime_export_native(const struct rt_runtime *rt, struct buf *out,
					  struct rt_error *err);
/* Loads a prepared runtime without compiling: decodes and validates the
 * plain Wasm (the decompressed code rt_runtime_prepare accepted; no
 * decompression here) in the PVF profile, checks the links, then installs
 * the native code exported by rt_runtime_export_native (native != NULL: the
 * native engine), or translates for the interpreter (native == NULL).
 * cfg->engine, resolved, must be that engine. Both inputs are borrowed.
 * Failures: RT_ERR_RUNTIME_CONSTRUCTION for native code that does not fit
 * (another engine build, module, format, a damaged blob: the embedder
 * prepares again), for an engine other than the configured one, and for a
 * link failure; RT_ERR_PREVALIDATION / RT_ERR_PREPARATION if the Wasm no
 * longer decodes or validates; RT_ERR_INTERNAL. */
enum rt_err_kind rt_runtime_load(const uint8_t *wasm, size_t wasm_len, const uint8_t *native,
				 size_t native_len, const struct rt_runtime_config *cfg,
				 struct rt_runtime **out, struct rt_error *err);
/* Pre-checking (determinism.md §1 steps 1-4): prepare, then discard. RT_OK
 * means "vote for"; any other kind except RT_ERR_INTERNAL "vote against". */
enum rt_err_kind rt_runtime_precheck(const uint8_t *code, size_t len,
				     const struct rt_runtime_config *cfg, struct rt_error *err);
bool rt_runtime_has_export(const struct rt_runtime *rt, const char *name);

/* Per-call observations (optional). */
struct rt_host_count {
	const char *name;             /* points into the runtime's module */
	size_t name_len;
	uint64_t calls;
	bool stub;                    /* not provided: traps when called */
};

struct rt_call_stats {
	uint32_t nimports;
	struct rt_host_count *imports;   /* malloc'd; rt_call_stats_deinit */
	uint32_t heap_base;              /* align8(__heap_base) */
	struct rt_heap_stats heap;       /* the host allocator's bookkeeping */
	uint32_t mem_pages;              /* memory size after the call */
};
/* Calls of the named import (0 if not imported). */
uint64_t rt_call_stats_calls(const struct rt_call_stats *st, const char *name);
void rt_call_stats_deinit(struct rt_call_stats *st);

struct rt_call_opts {
	struct rt_storage *storage;      /* tools runtimes: the state (NULL: empty) */
	struct rt_call_stats *stats;     /* NULL: not collected */
};

/* Calls export `fn` with `in` (runtime-abi.md §3): fresh instance, allocator
 * at align8(__heap_base), input allocated with it, export of type exactly
 * (i32, i32) -> i64 (or the RFC-145 (i32) -> i64, fed by ext_input_read),
 * result unpacked, bounds-checked and copied to *out (malloc'd, caller frees).
 * Returns RT_OK or the failure kind with err filled. */
enum rt_err_kind rt_runtime_call(struct rt_runtime *rt, const char *fn, const uint8_t *in,
				 size_t in_len, const struct rt_call_opts *opts, uint8_t **out,
				 size_t *out_len, struct rt_error *err);

/* validate_block(params) and decoding of its ValidationResult. On RT_OK
 * *out (malloc'd, caller frees) holds the output bytes and res borrows from
 * them; arrays come from a. Any other kind is an invalid candidate or an
 * error of the code, see rt_err_kind_is_invalid(). */
enum rt_err_kind rt_validate_block(struct rt_runtime *rt, const uint8_t *params, size_t len,
				   struct arena *a, uint8_t **out, size_t *out_len,
				   struct rt_validation_result *res, struct rt_error *err);

#endif /* PVF_RUNTIME_H */
