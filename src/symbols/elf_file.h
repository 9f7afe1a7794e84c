/*
 * elf_file.h: an ELF file held in memory as the symbol reader sees it
 * (private to src/symbols/): the constants it uses, the file's header
 * fields once checked by elf_file_open() (elf_file.c), the readers of its
 * section headers, program headers and symbols, and the reading of the
 * function symbols (elf_functions.c). Calls run one way:
 * elf_symbols → elf_functions → elf_file.
 *
 * Every reader takes fields at their offsets with the file's byte order
 * (never a struct cast: the data may be unaligned and of the other
 * endianness); the caller has checked the range with elf_range_inside(), or
 * it lies in a table elf_file_open() placed inside the file.
 */
#ifndef PTM_ELF_FILE_H
#define PTM_ELF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbols/elf_symbols.h"

/* ELF constants (the gABI and the GNU extensions) this reader uses. */
enum {
    ELFCLASS32 = 1,
    ELFCLASS64 = 2,
    ELFDATA2LSB = 1,
    ELFDATA2MSB = 2,
    SHT_SYMTAB = 2,
    SHT_STRTAB = 3,
    SHT_NOTE = 7,
    SHT_NOBITS = 8,
    SHT_DYNSYM = 11,
    SHN_UNDEF = 0,
    SHN_XINDEX = 0xffff,
    PN_XNUM = 0xffff,
    PT_LOAD = 1,
    PT_NOTE = 4,
    NT_GNU_BUILD_ID = 3,
    STT_FUNC = 2,
    STT_GNU_IFUNC = 10,
    STB_GLOBAL = 1,
};

/* Sizes of the headers and entries of each class. */
enum {
    EI_NIDENT = 16,
    EHDR32_SIZE = 52,
    EHDR64_SIZE = 64,
    SHDR32_SIZE = 40,
    SHDR64_SIZE = 64,
    PHDR32_SIZE = 32,
    PHDR64_SIZE = 56,
    SYM32_SIZE = 16,
    SYM64_SIZE = 24,
    NOTE_HEADER_SIZE = 12,
};

/* ---- the file ---- */

/*
 * The file and what its ELF header says. Invariants after elf_file_open():
 * [shoff, shoff + shnum * shdr_size) and [phoff, phoff + phnum * phdr_size)
 * lie inside [0, size); shnum, phnum <= ELF_MAX_SECTIONS; shstrndx < shnum
 * or 0 (no section names).
 */
typedef struct elf_file {
    const uint8_t *data;
    uint64_t size;
    bool is64;
    bool big_endian;
    uint64_t shoff;
    uint32_t shnum;
    uint32_t shstrndx;
    uint64_t phoff;
    uint32_t phnum;
} elf_file;

/* One section header, widened. */
typedef struct elf_section {
    uint32_t name, type, link, info;
    uint64_t offset, size, align, entsize;
} elf_section;

/* One symbol, widened. */
typedef struct elf_symbol {
    uint32_t name;
    uint8_t info;
    uint16_t shndx;
    uint64_t value, size;
} elf_symbol;

/* [offset, offset + length) inside a file of size bytes, without overflow. */
bool elf_range_inside(uint64_t offset, uint64_t length, uint64_t size);
/* The 4-byte unsigned field at offset. */
uint32_t elf_read_u32(const elf_file *f, uint64_t offset);
/* The size of a symbol table entry of the file's class. */
uint64_t elf_sym_size(const elf_file *f);
/* Section header index (< shnum). */
elf_section elf_section_at(const elf_file *f, uint32_t index);
/* Program header index < phnum: its type, file range and alignment; its
 * virtual address range. */
void elf_segment_at(const elf_file *f, uint32_t index, uint32_t *type, uint64_t *offset, uint64_t *size,
                    uint64_t *align);
void elf_segment_vaddr(const elf_file *f, uint32_t index, uint64_t *vaddr, uint64_t *memory_size);
/* The symbol at offset (its elf_sym_size() bytes inside the file). */
elf_symbol elf_symbol_at(const elf_file *f, uint64_t at);

/* Checks the ELF header (PTM_ERR_INPUT "ELF: ...", PTM_ERR_LIMIT past
 * ELF_MAX_SECTIONS) and places the section and program header tables inside
 * the file: the invariants of elf_file. */
bool elf_file_open(elf_file *f, const uint8_t *data, size_t size, ptm_status *status);

/* elf_functions.c: the function symbols into table, from .symtab when it
 * has functions, else .dynsym (table->source says which). scratch: the
 * caller's allocator, for the candidates while they are sorted. */
bool elf_read_functions(const elf_file *f, const ptm_allocator *scratch, symbol_table *table,
                        ptm_status *status);

#endif /* PTM_ELF_FILE_H */
