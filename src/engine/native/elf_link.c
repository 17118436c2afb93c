/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: the static linker for LLVM's relocatable objects (elf_link.h).
 *
 * The object comes from our own LLVM pipeline, but it is still checked like
 * input: every header is copied out (the buffer may be unaligned), every
 * offset and size is checked against the object's length without overflow,
 * and anything the linker does not understand rejects the whole object, so
 * the caller falls back to the baseline compiler instead of running code
 * that needs a loader (GOT, TLS, writable data, libcalls).
 */
#include <elf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "elf_link.h"

#define ELF_MAX_ALIGN 4096u
#define NOT_PLACED SIZE_MAX
/* Addends beyond this are not produced for code of this size: refusing them
 * keeps S + A - P inside int64_t. */
#define ELF_MAX_ADDEND ((int64_t)1 << 32)

struct elf_in {
	const uint8_t *obj;
	size_t len;
	Elf64_Ehdr eh;
	size_t *base;          /* per section: its offset in the buffer, or NOT_PLACED */
	Elf64_Shdr symtab;
	uint32_t symtab_idx;   /* 0: none */
	uint64_t nsyms;
	Elf64_Shdr strtab;     /* the symbol names */
};

/* [off, off + size) lies inside [0, len). */
static bool in_range(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static void get_sh(const struct elf_in *e, uint32_t i, Elf64_Shdr *sh)
{
	memcpy(sh, e->obj + e->eh.e_shoff + (size_t)i * sizeof(*sh), sizeof(*sh));
}

/* The NUL-terminated string at off in the string table tab, or NULL. */
static const char *str_at(const struct elf_in *e, const Elf64_Shdr *tab, uint64_t off)
{
	const char *s;

	if (tab->sh_type != SHT_STRTAB || off >= tab->sh_size)
		return NULL;
	s = (const char *)e->obj + tab->sh_offset + off;
	return memchr(s, 0, tab->sh_size - off) ? s : NULL;
}

/* Symbol i, checked: its offset in the buffer in *off; NULL or why not. */
static const char *get_sym(const struct elf_in *e, uint64_t i, Elf64_Sym *sym, size_t *off)
{
	Elf64_Shdr sh;

	if (i == 0 || i >= e->nsyms)
		return "relocation without a symbol or with a bad symbol index";
	memcpy(sym, e->obj + e->symtab.sh_offset + i * sizeof(*sym), sizeof(*sym));
	if (sym->st_shndx == SHN_UNDEF)
		return "undefined symbol (a libcall or an external)";
	if (sym->st_shndx >= SHN_LORESERVE || sym->st_shndx >= e->eh.e_shnum)
		return "absolute, common or out-of-range symbol";
	if (ELF64_ST_TYPE(sym->st_info) == STT_TLS || ELF64_ST_TYPE(sym->st_info) == STT_GNU_IFUNC)
		return "TLS or ifunc symbol";
	if (e->base[sym->st_shndx] == NOT_PLACED)
		return "symbol in a section that is not linked";
	get_sh(e, sym->st_shndx, &sh);
	if (sym->st_value > sh.sh_size)
		return "symbol value beyond its section";
	*off = e->base[sym->st_shndx] + sym->st_value;
	return NULL;
}

/* Checks the headers, finds the symbol table, copies the placed sections. */
static const char *place(struct elf_in *e, struct asmbuf *a)
{
	const uint8_t id[] = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT};
	Elf64_Shdr sh, shstr;

	if (e->len < sizeof(e->eh))
		return "truncated ELF header";
	memcpy(&e->eh, e->obj, sizeof(e->eh));
	if (memcmp(e->eh.e_ident, id, sizeof(id)) || e->eh.e_type != ET_REL ||
	    e->eh.e_machine != EM_X86_64 || e->eh.e_shentsize != sizeof(Elf64_Shdr))
		return "not an ELF64 x86-64 relocatable object";
	if (e->eh.e_shnum == 0 || e->eh.e_shstrndx >= e->eh.e_shnum ||
	    !in_range(e->eh.e_shoff, (uint64_t)e->eh.e_shnum * sizeof(sh), e->len))
		return "bad section header table";
	e->base = malloc(e->eh.e_shnum * sizeof(*e->base));
	if (!e->base) {
		a->oom = true;
		return "out of memory";
	}
	get_sh(e, e->eh.e_shstrndx, &shstr);
	if (!in_range(shstr.sh_offset, shstr.sh_size, e->len))
		return "section name table out of bounds";
	for (uint32_t i = 0; i < e->eh.e_shnum; i++) {
		uint64_t align, pad;
		const char *name;

		e->base[i] = NOT_PLACED;
		get_sh(e, i, &sh);
		if (i == 0 || sh.sh_type == SHT_NULL)
			continue;
		if (sh.sh_type != SHT_NOBITS && !in_range(sh.sh_offset, sh.sh_size, e->len))
			return "section out of bounds";
		if (sh.sh_type == SHT_REL || sh.sh_type == SHT_SYMTAB_SHNDX)
			return "unsupported section type";
		if (sh.sh_type == SHT_SYMTAB) {
			if (e->symtab_idx)
				return "two symbol tables";
			e->symtab = sh;
			e->symtab_idx = i;
		}
		if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_X86_64_UNWIND)
			continue;
		name = str_at(e, &shstr, sh.sh_name);
		if (!name)
			return "bad section name";
		if (sh.sh_flags & SHF_TLS)
			return "TLS section";
		if (sh.sh_type == SHT_NOBITS && sh.sh_size)
			return "non-empty SHT_NOBITS section (.bss)";
		if ((sh.sh_flags & SHF_WRITE) && (strncmp(name, ".data.rel.ro", 12) ||
						 (name[12] && name[12] != '.')))
			return "writable section";
		if (sh.sh_type != SHT_PROGBITS && sh.sh_type != SHT_NOBITS)
			return "unsupported allocated section type";
		align = sh.sh_addralign ? sh.sh_addralign : 1;
		if (align > ELF_MAX_ALIGN || (align & (align - 1)))
			return "bad section alignment";
		pad = (align - a->len % align) % align;
		if (!a_need(a, pad + (sh.sh_type == SHT_NOBITS ? 0 : sh.sh_size)))
			return "out of memory";
		memset(a->p + a->len, 0xcc, pad);
		a->len += pad;
		e->base[i] = a->len;
		if (sh.sh_type == SHT_PROGBITS) {
			memcpy(a->p + a->len, e->obj + sh.sh_offset, sh.sh_size);
			a->len += sh.sh_size;
		}
	}
	if (a->len > UINT32_MAX)
		return "code buffer beyond 4 GiB";
	return NULL;
}

/* Checks the symbol table: every symbol is defined, nothing absolute. */
static const char *check_syms(struct elf_in *e)
{
	Elf64_Sym sym;

	if (!e->symtab_idx)
		return "no symbol table";
	if (e->symtab.sh_entsize != sizeof(sym) || e->symtab.sh_size % sizeof(sym) ||
	    e->symtab.sh_link >= e->eh.e_shnum || e->symtab.sh_link == 0)
		return "bad symbol table";
	e->nsyms = e->symtab.sh_size / sizeof(sym);
	get_sh(e, e->symtab.sh_link, &e->strtab);
	for (uint64_t i = 1; i < e->nsyms; i++) {
		memcpy(&sym, e->obj + e->symtab.sh_offset + i * sizeof(sym), sizeof(sym));
		if (!str_at(e, &e->strtab, sym.st_name))
			return "bad symbol name";
		if (sym.st_shndx == SHN_UNDEF)
			return "undefined symbol (a libcall or an external)";
		if (sym.st_shndx >= SHN_LORESERVE && ELF64_ST_TYPE(sym.st_info) != STT_FILE)
			return "absolute or common symbol";
	}
	return NULL;
}

/* Applies the relocations of every placed section. */
static const char *relocate(const struct elf_in *e, struct asmbuf *a)
{
	Elf64_Shdr rs, ts;
	Elf64_Rela r;
	Elf64_Sym sym;

	for (uint32_t i = 1; i < e->eh.e_shnum; i++) {
		get_sh(e, i, &rs);
		if (rs.sh_type != SHT_RELA)
			continue;
		if (rs.sh_info >= e->eh.e_shnum)
			return "bad relocation section";
		if (e->base[rs.sh_info] == NOT_PLACED)
			continue;
		get_sh(e, rs.sh_info, &ts);
		if (rs.sh_link != e->symtab_idx || rs.sh_entsize != sizeof(r) ||
		    rs.sh_size % sizeof(r))
			return "bad relocation section";
		for (uint64_t k = 0; k < rs.sh_size / sizeof(r); k++) {
			uint32_t type;
			size_t s, width;
			int64_t v;
			const char *w;

			memcpy(&r, e->obj + rs.sh_offset + k * sizeof(r), sizeof(r));
			type = ELF64_R_TYPE(r.r_info);
			if (type == R_X86_64_PC32 || type == R_X86_64_PLT32)
				width = 4;
			else if (type == R_X86_64_PC64)
				width = 8;
			else
				return "relocation type other than PC32, PLT32, PC64";
			if (!in_range(r.r_offset, width, ts.sh_size))
				return "relocation beyond its section";
			if (r.r_addend > ELF_MAX_ADDEND || r.r_addend < -ELF_MAX_ADDEND)
				return "relocation addend out of range";
			w = get_sym(e, ELF64_R_SYM(r.r_info), &sym, &s);
			if (w)
				return w;
			v = (int64_t)s + r.r_addend - (int64_t)(e->base[rs.sh_info] + r.r_offset);
			if (width == 4) {
				int32_t v32;

				if (v < INT32_MIN || v > INT32_MAX)
					return "PC32 relocation out of range";
				v32 = (int32_t)v;
				memcpy(a->p + e->base[rs.sh_info] + r.r_offset, &v32, 4);
			} else {
				memcpy(a->p + e->base[rs.sh_info] + r.r_offset, &v, 8);
			}
		}
	}
	return NULL;
}

/* The offset of the defined symbol called name in *off, or why not. */
static const char *find_name(const struct elf_in *e, const char *name, uint32_t *off)
{
	Elf64_Sym sym;
	bool found = false;

	for (uint64_t i = 1; i < e->nsyms; i++) {
		size_t s;

		memcpy(&sym, e->obj + e->symtab.sh_offset + i * sizeof(sym), sizeof(sym));
		if (ELF64_ST_TYPE(sym.st_info) == STT_SECTION ||
		    ELF64_ST_TYPE(sym.st_info) == STT_FILE ||
		    strcmp(str_at(e, &e->strtab, sym.st_name), name))
			continue;
		if (get_sym(e, i, &sym, &s))
			continue;
		if (found)
			return "name defined twice";
		found = true;
		*off = (uint32_t)s;
	}
	return found ? NULL : "name not found";
}

int nat__elf_link(struct asmbuf *a, const uint8_t *obj, size_t len,
		  const char *const *names, uint32_t n, uint32_t *offs, const char **why)
{
	struct elf_in e = {.obj = obj, .len = len};
	size_t start = a->len;
	const char *w;

	w = place(&e, a);
	if (!w)
		w = check_syms(&e);
	if (!w)
		w = relocate(&e, a);
	for (uint32_t i = 0; !w && i < n; i++) {
		/* "?name": optional, UINT32_MAX when the object has none */
		bool opt = names[i][0] == '?';

		w = find_name(&e, names[i] + opt, &offs[i]);
		if (w && opt && strcmp(w, "name not found") == 0) {
			offs[i] = UINT32_MAX;
			w = NULL;
		}
	}
	free(e.base);
	if (w) {
		a->len = start;
		if (why)
			*why = w;
		return -1;
	}
	return 0;
}
