/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native: a strict static linker for the objects of the LLVM optimising tier
 * (docs/compiler.md). LLVM emits an ELF64 x86-64 relocatable object into
 * memory; this copies its code and read-only data into our own code buffer
 * and resolves its PC-relative relocations, so the result is serialised with
 * the rest of a module's native code and runs wherever it is mapped.
 */
#ifndef PVF_ENGINE_NATIVE_ELF_LINK_H
#define PVF_ENGINE_NATIVE_ELF_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "x64.h"

/* Appends the allocatable sections of the ELF64 x86-64 relocatable object
 * obj[0..len) (borrowed, never trusted) to the end of a, each at its
 * sh_addralign counted from offset 0 of a (so the buffer must be mapped at an
 * address aligned at least that much: 4096 at most is accepted), padding with
 * 0xcc, applies the relocations of those sections, and stores in offs[i] the
 * offset in a of the defined symbol names[i] (i < n).
 *
 * Placed: SHT_PROGBITS sections with SHF_ALLOC that are not writable
 * (.text*, .rodata*), .data.rel.ro* (read-only once linked: every relocation
 * is PC-relative) and empty SHT_NOBITS sections. Left out: non-allocated
 * sections and .eh_frame (SHT_X86_64_UNWIND: compiled code is not unwound),
 * with their relocations. Relocations applied: R_X86_64_PC32, R_X86_64_PLT32
 * (S + A - P, must fit in 32 bits) and R_X86_64_PC64, against symbols
 * defined in a placed section of the object.
 *
 * Returns 0. Returns -1 with a->len restored when the object has anything
 * else: an undefined symbol (a libcall such as memcpy), an absolute, GOT or
 * TLS relocation, a non-empty SHT_NOBITS (.bss) or a writable or TLS section,
 * a malformed header, offset or size, a name not found (or defined twice), or
 * on allocation failure (a->oom is then set). On failure *why (when why is
 * not NULL) points at a static string saying what. A name starting with '?'
 * is optional: the rest is looked up, and its offset is UINT32_MAX when the
 * object does not define it. */
int nat__elf_link(struct asmbuf *a, const uint8_t *obj, size_t len,
		  const char *const *names, uint32_t n, uint32_t *offs, const char **why);

#endif
