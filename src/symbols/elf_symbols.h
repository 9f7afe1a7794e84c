/*
 * elf_symbols.h: the function symbols, GNU build ID and .gnu_debuglink name
 * of an ELF file held in memory, for naming native frames.
 *
 * Why: a native frame of a profile arrives as an address in an ELF file's
 * own virtual address space (no load bias), unnamed. The host that has the
 * file (or its debug file, found by build ID or debuglink) hands its bytes
 * to elf_read_symbols() and looks addresses up with symbol_table_find().
 *
 * Every byte of the file is hostile: the reader never casts the file to
 * structs (fields are read with explicit byte order, unaligned), checks every
 * offset and size as uint64_t against the file size (size_t is 32-bit in
 * wasm), does no file I/O, keeps no globals and allocates only through the
 * caller's ptm_allocator. The time is linear in the file size plus
 * n log n in the function symbols; the memory held is the kept functions and
 * at most one copy of the part of the string table their names span.
 * ELFCLASS32 and ELFCLASS64, little- and big-endian.
 *
 * Strict and lenient parts: the ELF header, the section header table, the
 * symbol table read and its string table are checked, and a fault is
 * PTM_ERR_INPUT ("ELF: ..."). The build ID and the debuglink are metadata:
 * a note or section that is malformed or outside the file is ignored (a
 * debug file made by objcopy --only-keep-debug keeps program headers whose
 * bytes it no longer holds), never read out of bounds.
 */
#ifndef PTM_ELF_SYMBOLS_H
#define PTM_ELF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "ptm.h"
#include "base/status.h"

/* Bounds (docs/security.md, Limits L8-L11). Over the first two the call
 * fails with PTM_ERR_LIMIT; a longer name skips its symbol. */
/* Section headers, and program headers, of one file (the extended counts of
 * section 0, e_shnum 0 and e_phnum PN_XNUM, included): the headers are
 * walked once per pass, so this bounds the work of a file that is all
 * headers. */
#define ELF_MAX_SECTIONS 65535u
/* Function symbols kept from the chosen table: bounds the functions array
 * (32 bytes each natively, 24 in wasm) and the sort. */
#define ELF_MAX_FUNCTIONS 4000000u
/* Bytes of one symbol name (without its NUL); a longer name is skipped, so
 * that finding a name's end costs at most this much per symbol. */
#define ELF_MAX_NAME_BYTES 4096u
/* How far past its start a size-0 symbol reaches at most (up to the next
 * symbol's start otherwise). */
#define ELF_SIZELESS_REACH 4096u

/* One function symbol: [start, start + size), size 0 = extends to the next
 * symbol's start (bounded, see ELF_SIZELESS_REACH). name points into the
 * table's arena, not NUL-terminated, never empty. */
typedef struct elf_function {
    uint64_t start;
    uint64_t size;
    byte_slice name;
} elf_function;

enum { ELF_BUILD_ID_MAX = 64 };

typedef enum elf_symbol_source {
    ELF_SYMBOLS_NONE = 0,
    ELF_SYMBOLS_SYMTAB,
    ELF_SYMBOLS_DYNSYM
} elf_symbol_source;

/* A PT_LOAD segment: file bytes [offset, offset + file_size) are loaded at
 * virtual addresses [vaddr, vaddr + memory_size). (A debug file made by
 * objcopy --only-keep-debug keeps vaddr and memory_size, not the rest.) */
typedef struct elf_segment {
    uint64_t offset, file_size, vaddr, memory_size;
} elf_segment;

/* PT_LOAD segments kept of one file; past it the rest are not read. */
#define ELF_MAX_LOADS 64u

typedef struct symbol_table {
    arena memory;                        /* owns functions, names, debuglink, loads */
    uint8_t build_id[ELF_BUILD_ID_MAX];  /* NT_GNU_BUILD_ID desc */
    uint32_t build_id_size;              /* 0 = none; <= ELF_BUILD_ID_MAX */
    byte_slice debuglink;                /* .gnu_debuglink file name (copied), size 0 = none */
    elf_symbol_source source;            /* which table the functions came from */
    /* Sorted by start, strictly increasing (duplicates at one address reduced
     * to one: a global over a local/weak, then the first); NULL when
     * function_count is 0. */
    elf_function *functions;
    uint32_t function_count;             /* <= ELF_MAX_FUNCTIONS */
    elf_segment *loads;                  /* the PT_LOAD segments, in file order */
    uint32_t load_count;                 /* <= ELF_MAX_LOADS */
    size_t bytes;                        /* memory the table holds (arena blocks), for a cache bound */
} symbol_table;

/* Reads an ELF file held in memory (every byte hostile): its GNU build ID
 * (from SHT_NOTE sections, else PT_NOTE segments), its .gnu_debuglink name,
 * and its function symbols (STT_FUNC and STT_GNU_IFUNC, defined: st_shndx !=
 * SHN_UNDEF, non-empty name) from .symtab when it has function symbols, else
 * from .dynsym. Names are copied (the file may be freed after the call).
 * allocator NULL: malloc and free. True and *table filled (table->source
 * NONE when the file has neither); false with the reason in status
 * (PTM_ERR_INPUT for not ELF / malformed, PTM_ERR_LIMIT over a bound,
 * PTM_ERR_NOMEM). On false nothing is held (*table is zeroed). */
bool elf_read_symbols(const uint8_t *file, size_t size, const ptm_allocator *allocator, symbol_table *table,
                      ptm_status *status);

/* The function whose range contains address, or NULL. Binary search. A
 * size-0 symbol covers up to the next symbol's start but at most
 * ELF_SIZELESS_REACH bytes. */
const elf_function *symbol_table_find(const symbol_table *table, uint64_t address);

/* The virtual address of a file offset, through the PT_LOAD segment that
 * holds it: how a process address (a mapping's start and file offset) is
 * read in the file's own address space. False when no segment holds it. */
bool elf_file_offset_address(const symbol_table *table, uint64_t offset, uint64_t *vaddr);

/* Whether [start, limit) overlaps the virtual addresses of a PT_LOAD
 * segment: a mapping given in the file's own address space (as the eBPF
 * profiler sends it) rather than the process's. */
bool elf_vaddr_range_loaded(const symbol_table *table, uint64_t start, uint64_t limit);

/* Frees what the table holds; the table may be read again only after
 * elf_read_symbols. A zeroed table (a failed read) may be freed too. */
void symbol_table_free(symbol_table *table);

/* Lowercase hex of the build id into out (2*size+1 bytes, NUL-terminated). */
void elf_build_id_hex(const uint8_t *id, uint32_t size, char *out);

#endif /* PTM_ELF_SYMBOLS_H */
