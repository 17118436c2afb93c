/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: serialised native code (docs/compiler.md §4). Export writes a
 * module's compiled code for one NaN mode as a self-describing blob; import
 * checks every field and bound of such a blob against the module and this
 * engine build and installs it without translating or compiling anything.
 *
 * Blob layout (all integers little-endian; offsets in bytes):
 *
 *   0   8  magic "PVFNATC\0"
 *   8   4  format version (NAT_BLOB_VERSION)
 *   12  4  target (NAT_TARGET_X86_64: x86-64, System V, Linux)
 *   16  4  CPU features the code uses (NAT_CPU_*)
 *   20  4  NaN mode: 1 canonicalising, 0 not
 *   24  4  profile of the module (enum eng_profile)
 *   28  4  flags: bit 0 = guarded (memory accesses unchecked, faults in the
 *          guard region become traps: fault.c)
 *   32  16 engine build identity (eng_build_id)
 *   48  16 XXH3-128 of the module's Wasm bytes (module_fingerprint)
 *   64  4  defined functions (n)
 *   68  4  functions compiled to machine code (the others are interpreter stubs)
 *   72  4  relocations (r)
 *   76  4  offset of the entry thunk in the code
 *   80  4  code length (c)
 *   84  4  pinned locals (statistics)
 *   88  4  offset of the out-of-bounds trap stub (guarded code; else 0)
 *   92  4  functions of the optimising tier (statistics; at most n)
 *   96  16n per defined function: entry offset, frame bytes, stack cost,
 *          flags (bit 0: compiled)
 *   .   8r per direct call: offset of its rel32 field, callee (defined index)
 *   .   c  the code
 *
 * The code contains no absolute address (native_int.h), so loading is a copy
 * into a fresh mapping, the relocations (each rel32 is rewritten from the
 * table, so a table that disagrees with the code cannot send a call
 * elsewhere than a function entry) and mprotect. Integrity is not checked
 * here (no checksum): the container (the worker's artifact file) carries
 * one. The checks make a damaged or foreign blob fail cleanly instead of
 * reading or writing outside the blob or the mapping.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xxhash.h>

#include "native_int.h"
#include "engine_build_id.h"

#define NAT_BLOB_MAGIC "PVFNATC\0"
/* Bump when the layout above changes. Code generation changes are covered
 * by the build identity. */
#define NAT_BLOB_VERSION 3u
#define NAT_BLOB_GUARDED 1u
#define NAT_TARGET_X86_64 1u
#define NAT_CPU_SSE41 1u
#define NAT_CPU_POPCNT 2u
#define NAT_CPU_USED (NAT_CPU_SSE41 | NAT_CPU_POPCNT)
#define NAT_BLOB_HDR 96u
#define NAT_BLOB_FUNC 16u
#define NAT_BLOB_RELOC 8u
#define NAT_FUNC_COMPILED 1u

static const uint8_t build_id[ENG_BUILD_ID_LEN] = ENG_BUILD_ID_BYTES;

const uint8_t *eng_build_id(void)
{
	return build_id;
}

const char *eng_build_id_hex(void)
{
	return ENG_BUILD_ID_HEX;
}

const char *eng_build_version(void)
{
	return ENG_BUILD_VERSION;
}

/* ---- module fingerprint ----------------------------------------------------- */

/* XXH3-128 of the module's Wasm bytes: tells modules apart (a forger could
 * as well write the code; the artifact's checksum guards integrity). */
static void module_fingerprint(const uint8_t *p, size_t len, uint8_t out[16])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits(p, len));
	memcpy(out, c.digest, 16);
}

/* ---- export ------------------------------------------------------------------ */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

enum eng_status eng_module_native_export(const struct eng_module *m, bool nan_canonicalize,
					 struct buf *out, struct eng_error *err)
{
	const struct nat_module *nm = m->native;
	const struct exec_module *em = m->exec;
	bool canon = nat__canon(m, nan_canonicalize);
	/* the guarded variant, which a default store uses, if it exists */
	const struct nat_code *c = !nm ? NULL : nm->code[canon][1] ? nm->code[canon][1]
						      : nm->code[canon][0];
	uint8_t hdr[NAT_BLOB_HDR], rec[NAT_BLOB_FUNC];
	size_t total;
	uint32_t i;

	if (!c || !em)
		return eng__error(err, ENG_ERR_ARGS, UINT32_MAX, "the module has no native code "
				  "for this NaN mode (eng_module_prepare_native first)");
	total = NAT_BLOB_HDR + (size_t)c->nfuncs * NAT_BLOB_FUNC +
		(size_t)c->nrelocs * NAT_BLOB_RELOC + c->len;
	if (buf_reserve(out, total) < 0)
		return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, NAT_BLOB_MAGIC, 8);
	put32(hdr + 8, NAT_BLOB_VERSION);
	put32(hdr + 12, NAT_TARGET_X86_64);
	put32(hdr + 16, NAT_CPU_USED);
	put32(hdr + 20, canon);
	put32(hdr + 24, (uint32_t)m->config.profile);
	put32(hdr + 28, c->guard ? NAT_BLOB_GUARDED : 0);
	memcpy(hdr + 32, build_id, ENG_BUILD_ID_LEN);
	module_fingerprint(m->bytes, m->len, hdr + 48);
	put32(hdr + 64, c->nfuncs);
	put32(hdr + 68, c->ncompiled);
	put32(hdr + 72, c->nrelocs);
	put32(hdr + 76, c->entry_off);
	put32(hdr + 80, (uint32_t)c->len);
	put32(hdr + 84, c->npinned);
	put32(hdr + 88, c->guard ? c->oob_stub_off : 0);
	put32(hdr + 92, c->nopt);
	buf_append(out, hdr, sizeof(hdr));
	for (i = 0; i < c->nfuncs; i++) {
		put32(rec, c->func_off[i]);
		put32(rec + 4, em->xfuncs[i].frame_bytes);
		put32(rec + 8, em->xfuncs[i].cost);
		put32(rec + 12, c->compiled[i] ? NAT_FUNC_COMPILED : 0);
		buf_append(out, rec, NAT_BLOB_FUNC);
	}
	for (i = 0; i < c->nrelocs; i++) {
		put32(rec, c->reloc_site[i]);
		put32(rec + 4, c->reloc_func[i]);
		buf_append(out, rec, NAT_BLOB_RELOC);
	}
	buf_append(out, c->base, c->len);
	return ENG_OK;
}

/* ---- import ------------------------------------------------------------------ */

static enum eng_status reject(struct eng_error *err, const char *what)
{
	return eng__error(err, ENG_ERR_NATIVE_CODE, UINT32_MAX, "native code: %s", what);
}

/* Header checks, in the order a stale or foreign blob is best explained. */
static enum eng_status check_header(const struct eng_module *m, bool canon, const uint8_t *p,
				    size_t len, struct eng_error *err)
{
	uint8_t fp[16];
	uint64_t need;
	uint32_t nfuncs, nrelocs;

	if (len < NAT_BLOB_HDR)
		return reject(err, "truncated header");
	nfuncs = get32(p + 64);
	nrelocs = get32(p + 72);
	if (memcmp(p, NAT_BLOB_MAGIC, 8) != 0)
		return reject(err, "bad magic");
	if (get32(p + 8) != NAT_BLOB_VERSION)
		return eng__error(err, ENG_ERR_NATIVE_CODE, UINT32_MAX, "native code: format "
				  "version %u, this engine reads %u", get32(p + 8), NAT_BLOB_VERSION);
	if (get32(p + 12) != NAT_TARGET_X86_64)
		return reject(err, "compiled for another target");
	if (get32(p + 16) & ~(uint32_t)NAT_CPU_USED)
		return reject(err, "needs CPU features this engine does not know");
	if (!eng_native_supported())
		return reject(err, "this machine lacks the CPU features the code needs "
			      "(SSE4.1, POPCNT)");
	if (memcmp(p + 32, build_id, ENG_BUILD_ID_LEN) != 0)
		return reject(err, "compiled by another engine build");
	if (get32(p + 20) != (uint32_t)canon)
		return reject(err, get32(p + 20) > 1 ? "bad NaN mode"
			      : "compiled for the other NaN mode");
	if (get32(p + 24) != (uint32_t)m->config.profile)
		return reject(err, "compiled for another profile");
	module_fingerprint(m->bytes, m->len, fp);
	if (memcmp(p + 48, fp, sizeof(fp)) != 0)
		return reject(err, "compiled from another module");
	if (nfuncs != m->nfuncs_total - m->nfunc_imports)
		return reject(err, "function count differs from the module's");
	if (get32(p + 68) > nfuncs)
		return reject(err, "more compiled functions than functions");
	if (get32(p + 92) > nfuncs)
		return reject(err, "more optimised functions than functions");
	if ((get32(p + 28) & ~NAT_BLOB_GUARDED) != 0 ||
	    (!(get32(p + 28) & NAT_BLOB_GUARDED) && get32(p + 88) != 0))
		return reject(err, "reserved header fields are not zero");
	if ((get32(p + 28) & NAT_BLOB_GUARDED) && !nat__guard_init())
		return reject(err, "compiled for guard regions, which this process cannot use "
			      "(no SIGSEGV handler)");
	need = NAT_BLOB_HDR + (uint64_t)nfuncs * NAT_BLOB_FUNC +
	       (uint64_t)nrelocs * NAT_BLOB_RELOC + get32(p + 80);
	if (len < need)
		return reject(err, "truncated");
	if (len > need)
		return reject(err, "trailing bytes");
	if (get32(p + 80) == 0 || get32(p + 80) > INT32_MAX ||
	    get32(p + 76) >= get32(p + 80) || get32(p + 88) >= get32(p + 80))
		return reject(err, "bad code length, entry or trap stub offset");
	return ENG_OK;
}

/* Per-function records: entries inside the code, frames the interpreter's
 * layout allows, costs equal to the module's. */
static enum eng_status check_funcs(const struct eng_module *m, const uint8_t *p,
				   uint32_t nfuncs, uint32_t code_len, uint32_t ncompiled,
				   struct eng_error *err)
{
	uint32_t i, n = 0;

	for (i = 0; i < nfuncs; i++, p += NAT_BLOB_FUNC) {
		const struct eng__func *fn = &m->funcs[i];
		uint32_t off = get32(p), frame = get32(p + 4), flags = get32(p + 12);
		uint64_t params = m->types[fn->type_idx].nparams;

		if (off >= code_len || (off & 15) != 0)
			return reject(err, "function entry outside the code");
		if ((frame & 7) != 0 || frame > UINT32_MAX / 2 ||
		    frame < (params + fn->nlocals) * 8 || frame < params * 8 + 32)
			return reject(err, "bad frame size");
		if (get32(p + 8) != fn->stack_cost)
			return reject(err, "stack cost differs from the module's");
		if (flags & ~NAT_FUNC_COMPILED)
			return reject(err, "bad function flags");
		n += flags & NAT_FUNC_COMPILED;
	}
	if (n != ncompiled)
		return reject(err, "compiled function count differs from the table");
	return ENG_OK;
}

/* Frame sizes to the interpreter's records: set where the function is not
 * translated, compared where it is (the blob must agree with the
 * translation of its own module) or where an import for the other NaN mode
 * set them. */
static enum eng_status install_frames(struct eng_module *m, const uint8_t *recs, uint32_t nfuncs,
				      struct eng_error *err)
{
	struct exec_module *em = m->exec;
	uint32_t i;

	for (i = 0; i < nfuncs; i++) {
		struct xfunc *xf = &em->xfuncs[i];
		uint32_t frame = get32(recs + (size_t)i * NAT_BLOB_FUNC + 4);

		if ((xf->ready || xf->frame_bytes) && xf->frame_bytes != frame)
			return reject(err, "frame size differs from the module's translation");
	}
	for (i = 0; i < nfuncs; i++)
		if (!em->xfuncs[i].ready)
			em->xfuncs[i].frame_bytes = get32(recs + (size_t)i * NAT_BLOB_FUNC + 4);
	return ENG_OK;
}

enum eng_status eng_module_native_import(struct eng_module *m, bool nan_canonicalize,
					 const uint8_t *data, size_t len, struct eng_error *err)
{
	bool canon = nat__canon(m, nan_canonicalize), guard;
	struct nat_module *nm = m->native;
	struct nat_code *c = NULL;
	const uint8_t *recs, *rels, *code;
	uint32_t nfuncs, nrelocs, code_len, i;
	enum eng_status st;
	void *p;

	st = check_header(m, canon, data, len, err);
	if (st != ENG_OK)
		return st;
	guard = get32(data + 28) & NAT_BLOB_GUARDED;
	if (nm && nm->code[canon][guard])
		return eng__error(err, ENG_ERR_ARGS, UINT32_MAX,
				  "the module already has native code for this NaN mode");
	nfuncs = get32(data + 64);
	nrelocs = get32(data + 72);
	code_len = get32(data + 80);
	recs = data + NAT_BLOB_HDR;
	rels = recs + (size_t)nfuncs * NAT_BLOB_FUNC;
	code = rels + (size_t)nrelocs * NAT_BLOB_RELOC;
	st = check_funcs(m, recs, nfuncs, code_len, get32(data + 68), err);
	if (st != ENG_OK)
		return st;
	for (i = 0; i < nrelocs; i++) {
		const uint8_t *r = rels + (size_t)i * NAT_BLOB_RELOC;

		if (code_len < 4 || get32(r) > code_len - 4 || get32(r + 4) >= nfuncs)
			return reject(err, "relocation outside the code or to no function");
	}

	/* Interpreter stubs need the whole module translated (an interpreted
	 * function calls others in the interpreter); otherwise only the
	 * records (types, locals, costs) and the blob's frame sizes. */
	st = get32(data + 68) < nfuncs ? exec__prepare(m, err) : exec__module_init(m, err);
	if (st != ENG_OK)
		return st;
	st = install_frames(m, recs, nfuncs, err);
	if (st != ENG_OK)
		return st;

	if (!nm) {
		nm = calloc(1, sizeof(*nm));
		if (!nm)
			return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory");
		m->native = nm;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->func_off = malloc((nfuncs ? nfuncs : 1) * sizeof(*c->func_off));
	c->compiled = malloc(nfuncs ? nfuncs : 1);
	c->reloc_site = malloc((nrelocs ? nrelocs : 1) * sizeof(*c->reloc_site));
	c->reloc_func = malloc((nrelocs ? nrelocs : 1) * sizeof(*c->reloc_func));
	if (!c->func_off || !c->compiled || !c->reloc_site || !c->reloc_func)
		goto nomem;
	for (i = 0; i < nfuncs; i++) {
		c->func_off[i] = get32(recs + (size_t)i * NAT_BLOB_FUNC);
		c->compiled[i] = (uint8_t)(get32(recs + (size_t)i * NAT_BLOB_FUNC + 12) &
					   NAT_FUNC_COMPILED);
	}
	c->map_size = ((size_t)code_len + 4095) & ~(size_t)4095;
	p = mmap(NULL, c->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		goto nomem;
	c->base = p;
	memcpy(p, code, code_len);
	for (i = 0; i < nrelocs; i++) {
		uint32_t site = get32(rels + (size_t)i * NAT_BLOB_RELOC);
		uint32_t callee = get32(rels + (size_t)i * NAT_BLOB_RELOC + 4);

		c->reloc_site[i] = site;
		c->reloc_func[i] = callee;
		put32(c->base + site, c->func_off[callee] - (site + 4));
	}
	if (mprotect(p, c->map_size, PROT_READ | PROT_EXEC) != 0)
		goto nomem;
	c->len = code_len;
	c->nfuncs = nfuncs;
	c->entry_off = get32(data + 76);
	c->nrelocs = nrelocs;
	c->ncompiled = get32(data + 68);
	c->npinned = get32(data + 84);
	c->nopt = get32(data + 92);
	c->guard = guard;
	c->oob_stub_off = get32(data + 88);
	c->imported = true;
	nm->code[canon][guard] = c;
	return ENG_OK;
nomem:
	nat__code_free(c);
	return eng__error(err, ENG_ERR_NOMEM, UINT32_MAX, "out of memory loading native code");
}
