/*
 * elf_symbols.c: reads the function symbols, GNU build ID and debuglink name
 * of an ELF file held in memory (see elf_symbols.h for the contract).
 *
 * How: elf_open() checks the ELF header and places the section and program
 * header tables inside the file; every later read goes through
 * section_at(), segment_at() and symbol_at(), which take fields at their
 * offsets with the file's byte order (never a struct cast: the data may be
 * unaligned and of the other endianness). Offsets and sizes are uint64_t and
 * every range is checked with range_inside() before a byte of it is read, so
 * nothing depends on size_t being 64-bit (wasm32).
 *
 * The symbols are read in two steps: candidates (qualifying symbols, their
 * name offsets into the string table) go to a scratch array from the caller's
 * allocator, which is sorted and reduced to one symbol per address; then
 * the kept functions and one copy of the span of the string table their
 * names lie in go to the table's arena. Copying the span once (not each
 * name) keeps the memory held within the file's size whatever the symbols
 * point at: a hostile table of many symbols naming one long string costs its
 * bytes once.
 */
#include "symbols/elf_symbols.h"

#include <stdlib.h>
#include <string.h>

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

/* ---- reading the file ------------------------------------------------------ */

/*
 * The file and what its ELF header says. Invariants after elf_open():
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
static bool range_inside(uint64_t offset, uint64_t length, uint64_t size)
{
    return offset <= size && length <= size - offset;
}

/* The width-byte unsigned field at offset (the caller checked the range). */
static uint64_t read_uint(const elf_file *f, uint64_t offset, unsigned width)
{
    const uint8_t *p = f->data + (size_t)offset;
    uint64_t value = 0;
    for (unsigned i = 0; i < width; i++) {
        unsigned shift = f->big_endian ? 8 * (width - 1 - i) : 8 * i;
        value |= (uint64_t)p[i] << shift;
    }
    return value;
}

static uint32_t read_u32(const elf_file *f, uint64_t offset)
{
    return (uint32_t)read_uint(f, offset, 4);
}

/* An address-sized field (Elf32_Addr/Off/Word or their 64-bit forms). */
static uint64_t read_word(const elf_file *f, uint64_t offset)
{
    return read_uint(f, offset, f->is64 ? 8 : 4);
}

static uint64_t shdr_size(const elf_file *f)
{
    return f->is64 ? SHDR64_SIZE : SHDR32_SIZE;
}

static uint64_t phdr_size(const elf_file *f)
{
    return f->is64 ? PHDR64_SIZE : PHDR32_SIZE;
}

static uint64_t sym_size(const elf_file *f)
{
    return f->is64 ? SYM64_SIZE : SYM32_SIZE;
}

/* Section header index (inside the table: the caller keeps index < shnum,
 * or 0 while elf_open() reads the extended counts). */
static elf_section section_at(const elf_file *f, uint32_t index)
{
    uint64_t at = f->shoff + (uint64_t)index * shdr_size(f);
    uint64_t w = f->is64 ? 8 : 4;
    elf_section s;
    s.name = read_u32(f, at);
    s.type = read_u32(f, at + 4);
    s.offset = read_word(f, at + 8 + 2 * w);
    s.size = read_word(f, at + 8 + 3 * w);
    s.link = read_u32(f, at + 8 + 4 * w);
    s.info = read_u32(f, at + 12 + 4 * w);
    s.align = read_word(f, at + 16 + 4 * w);
    s.entsize = read_word(f, at + 16 + 5 * w);
    return s;
}

/* Program header index < phnum: its type, file range and alignment. */
static void segment_at(const elf_file *f, uint32_t index, uint32_t *type, uint64_t *offset, uint64_t *size,
                       uint64_t *align)
{
    uint64_t at = f->phoff + (uint64_t)index * phdr_size(f);
    *type = read_u32(f, at);
    *offset = read_word(f, at + (f->is64 ? 8 : 4));
    *size = read_word(f, at + (f->is64 ? 32 : 16));
    *align = read_word(f, at + (f->is64 ? 48 : 28));
}

/* Program header index < phnum: its virtual address range. */
static void segment_vaddr(const elf_file *f, uint32_t index, uint64_t *vaddr, uint64_t *memory_size)
{
    uint64_t at = f->phoff + (uint64_t)index * phdr_size(f);
    *vaddr = read_word(f, at + (f->is64 ? 16 : 8));
    *memory_size = read_word(f, at + (f->is64 ? 40 : 20));
}

/* The symbol at offset (its sym_size() bytes inside the file). */
static elf_symbol symbol_at(const elf_file *f, uint64_t at)
{
    elf_symbol s;
    s.name = read_u32(f, at);
    if (f->is64) {
        s.info = f->data[(size_t)at + 4];
        s.shndx = (uint16_t)read_uint(f, at + 6, 2);
        s.value = read_uint(f, at + 8, 8);
        s.size = read_uint(f, at + 16, 8);
    } else {
        s.value = read_uint(f, at + 4, 4);
        s.size = read_uint(f, at + 8, 4);
        s.info = f->data[(size_t)at + 12];
        s.shndx = (uint16_t)read_uint(f, at + 14, 2);
    }
    return s;
}

/* ---- the ELF header ------------------------------------------------------------ */

/* e_ident: magic, class, byte order. */
static bool open_ident(elf_file *f, ptm_status *status)
{
    static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
    if (f->size < EI_NIDENT || memcmp(f->data, magic, sizeof magic) != 0)
        return status_fail(status, PTM_ERR_INPUT, "ELF: not an ELF file");
    uint8_t class = f->data[4], order = f->data[5];
    if (class != ELFCLASS32 && class != ELFCLASS64)
        return status_fail(status, PTM_ERR_INPUT, "ELF: unknown class %u", class);
    if (order != ELFDATA2LSB && order != ELFDATA2MSB)
        return status_fail(status, PTM_ERR_INPUT, "ELF: unknown byte order %u", order);
    f->is64 = class == ELFCLASS64;
    f->big_endian = order == ELFDATA2MSB;
    if (f->size < (f->is64 ? EHDR64_SIZE : EHDR32_SIZE))
        return status_fail(status, PTM_ERR_INPUT, "ELF: truncated ELF header");
    return true;
}

/* The section header table: inside the file, the extended count (section
 * 0's sh_size when e_shnum is 0) and name index (its sh_link when e_shstrndx
 * is SHN_XINDEX) honoured, at most ELF_MAX_SECTIONS. */
static bool open_sections(elf_file *f, ptm_status *status)
{
    f->shoff = read_word(f, f->is64 ? 40 : 32);
    uint64_t entry_size = read_uint(f, f->is64 ? 58 : 46, 2);
    uint64_t count = read_uint(f, f->is64 ? 60 : 48, 2);
    uint32_t names = (uint32_t)read_uint(f, f->is64 ? 62 : 50, 2);
    f->shnum = 0;
    f->shstrndx = 0;
    if (f->shoff == 0)
        return true; /* no section headers (names, symbols: none) */
    if (entry_size != shdr_size(f))
        return status_fail(status, PTM_ERR_INPUT, "ELF: section header size %u, not %u", (unsigned)entry_size,
                           (unsigned)shdr_size(f));
    if (!range_inside(f->shoff, entry_size, f->size))
        return status_fail(status, PTM_ERR_INPUT, "ELF: section header table outside the file");
    elf_section first = section_at(f, 0);
    if (count == 0)
        count = first.size;
    if (names == SHN_XINDEX)
        names = first.link;
    if (count > ELF_MAX_SECTIONS)
        return status_fail(status, PTM_ERR_LIMIT, "ELF: %llu section headers, more than %u",
                           (unsigned long long)count, ELF_MAX_SECTIONS);
    if (!range_inside(f->shoff, count * entry_size, f->size))
        return status_fail(status, PTM_ERR_INPUT, "ELF: section header table outside the file");
    f->shnum = (uint32_t)count;
    f->shstrndx = names < f->shnum ? names : 0;
    return true;
}

/* The program header table, read for PT_NOTE only: one of another entry
 * size or outside the file is ignored (notes are metadata); the extended
 * count (section 0's sh_info when e_phnum is PN_XNUM) is honoured, at most
 * ELF_MAX_SECTIONS. */
static bool open_segments(elf_file *f, ptm_status *status)
{
    f->phoff = read_word(f, f->is64 ? 32 : 28);
    uint64_t entry_size = read_uint(f, f->is64 ? 54 : 42, 2);
    uint64_t count = read_uint(f, f->is64 ? 56 : 44, 2);
    f->phnum = 0;
    if (count == PN_XNUM && f->shnum > 0)
        count = section_at(f, 0).info;
    if (count > ELF_MAX_SECTIONS)
        return status_fail(status, PTM_ERR_LIMIT, "ELF: %llu program headers, more than %u",
                           (unsigned long long)count, ELF_MAX_SECTIONS);
    if (count == 0 || entry_size != phdr_size(f) || !range_inside(f->phoff, count * entry_size, f->size))
        return true;
    f->phnum = (uint32_t)count;
    return true;
}

static bool elf_open(elf_file *f, const uint8_t *data, size_t size, ptm_status *status)
{
    memset(f, 0, sizeof *f);
    f->data = data;
    f->size = data != NULL ? (uint64_t)size : 0;
    return open_ident(f, status) && open_sections(f, status) && open_segments(f, status);
}

/* ---- the build ID ------------------------------------------------------------------ */

static uint64_t align_up(uint64_t value, uint64_t align)
{
    return (value + (align - 1)) & ~(align - 1);
}

/* Walks the notes of [offset, offset + size) (aligned to align: 4 or 8) for
 * the first NT_GNU_BUILD_ID owned by "GNU" with a description of 1 to
 * ELF_BUILD_ID_MAX bytes; true when found (copied into table). A region
 * outside the file, or past *budget (the bytes of notes still to walk:
 * overlapping note sections cannot make the walk quadratic), is skipped; the
 * walk stops at the first note that does not fit its region. */
static bool notes_find_build_id(const elf_file *f, uint64_t offset, uint64_t size, uint64_t align,
                                symbol_table *table, uint64_t *budget)
{
    if (!range_inside(offset, size, f->size) || size > *budget)
        return false;
    *budget -= size;
    uint64_t at = 0;
    while (size - at >= NOTE_HEADER_SIZE) {
        uint64_t name_size = read_u32(f, offset + at);
        uint64_t desc_size = read_u32(f, offset + at + 4);
        uint32_t type = read_u32(f, offset + at + 8);
        uint64_t name_at = at + NOTE_HEADER_SIZE;
        if (name_size > size - name_at)
            return false;
        uint64_t desc_at = align_up(name_at + name_size, align);
        if (desc_at > size || desc_size > size - desc_at)
            return false;
        const uint8_t *name = f->data + (size_t)(offset + name_at);
        if (type == NT_GNU_BUILD_ID && name_size == 4 && memcmp(name, "GNU", 4) == 0 && desc_size > 0 &&
            desc_size <= ELF_BUILD_ID_MAX) {
            memcpy(table->build_id, f->data + (size_t)(offset + desc_at), (size_t)desc_size);
            table->build_id_size = (uint32_t)desc_size;
            return true;
        }
        at = align_up(desc_at + desc_size, align);
        if (at > size)
            return false;
    }
    return false;
}

/* SHT_NOTE sections first; PT_NOTE segments when they give no build ID (a
 * file without section headers). */
static void read_build_id(const elf_file *f, symbol_table *table)
{
    uint64_t budget = f->size;
    for (uint32_t i = 1; i < f->shnum; i++) {
        elf_section s = section_at(f, i);
        if (s.type == SHT_NOTE && notes_find_build_id(f, s.offset, s.size, s.align == 8 ? 8 : 4, table, &budget))
            return;
    }
    budget = f->size;
    for (uint32_t i = 0; i < f->phnum; i++) {
        uint32_t type;
        uint64_t offset, size, align;
        segment_at(f, i, &type, &offset, &size, &align);
        if (type == PT_NOTE && notes_find_build_id(f, offset, size, align == 8 ? 8 : 4, table, &budget))
            return;
    }
}

/* ---- the debuglink ------------------------------------------------------------------- */

/* Whether section s is named name (a NUL-terminated text): its name lies in
 * the section name table (names, inside the file) and matches with its NUL. */
static bool section_named(const elf_file *f, const elf_section *names, const elf_section *s, const char *name)
{
    uint64_t length = strlen(name) + 1;
    if (s->name >= names->size || names->size - s->name < length)
        return false;
    return memcmp(f->data + (size_t)(names->offset + s->name), name, (size_t)length) == 0;
}

/* The file name of the first .gnu_debuglink section: NUL-terminated inside
 * the section, 1 to ELF_MAX_NAME_BYTES bytes, copied. Anything else (no
 * section names, the section outside the file, no NUL): no debuglink. */
static bool read_debuglink(const elf_file *f, symbol_table *table, ptm_status *status)
{
    if (f->shstrndx == 0)
        return true;
    elf_section names = section_at(f, f->shstrndx);
    if (names.type == SHT_NOBITS || !range_inside(names.offset, names.size, f->size))
        return true;
    for (uint32_t i = 1; i < f->shnum; i++) {
        elf_section s = section_at(f, i);
        if (!section_named(f, &names, &s, ".gnu_debuglink"))
            continue;
        if (s.type == SHT_NOBITS || !range_inside(s.offset, s.size, f->size))
            return true;
        const uint8_t *text = f->data + (size_t)s.offset;
        uint64_t scan = s.size < ELF_MAX_NAME_BYTES + 1 ? s.size : ELF_MAX_NAME_BYTES + 1;
        const uint8_t *end = memchr(text, 0, (size_t)scan);
        if (end == NULL || end == text)
            return true;
        size_t length = (size_t)(end - text);
        uint8_t *copy = arena_dup(&table->memory, text, length);
        if (copy == NULL)
            return status_out_of_memory(status);
        table->debuglink = (byte_slice){copy, length};
        return true;
    }
    return true;
}

/* ---- the symbols --------------------------------------------------------------------- */

/* A symbol table section and its string table. Invariants after
 * symbols_open(): [offset, offset + count * sym_size) and [strings,
 * strings + strings_size) lie inside the file; the string table is empty or
 * ends with a NUL. */
typedef struct symbol_section {
    uint64_t offset, count;
    uint64_t strings, strings_size;
} symbol_section;

/* A qualifying symbol, before sorting: name is an offset into the string
 * table, 0 < name_size <= ELF_MAX_NAME_BYTES; rank 0 for a global (preferred
 * at one address), 1 otherwise; index its place in the table (then the
 * first is preferred). */
typedef struct candidate {
    uint64_t start, size;
    uint64_t name;
    uint32_t name_size;
    uint32_t index;
    uint32_t rank;
} candidate;

/* The first section of type (SHT_SYMTAB or SHT_DYNSYM) and its string table,
 * checked; *found false when the file has none. */
static bool symbols_open(const elf_file *f, uint32_t type, symbol_section *out, bool *found, ptm_status *status)
{
    *found = false;
    uint32_t i = 1;
    while (i < f->shnum && section_at(f, i).type != type)
        i++;
    if (i >= f->shnum)
        return true;
    elf_section s = section_at(f, i);
    if (s.entsize != sym_size(f))
        return status_fail(status, PTM_ERR_INPUT, "ELF: symbol table entry size %llu, not %u",
                           (unsigned long long)s.entsize, (unsigned)sym_size(f));
    if (!range_inside(s.offset, s.size, f->size))
        return status_fail(status, PTM_ERR_INPUT, "ELF: symbol table outside the file");
    if (s.size % s.entsize != 0)
        return status_fail(status, PTM_ERR_INPUT, "ELF: symbol table size not a multiple of its entry size");
    if (s.link == 0 || s.link >= f->shnum)
        return status_fail(status, PTM_ERR_INPUT, "ELF: symbol table's string table index %u out of range", s.link);
    elf_section strings = section_at(f, s.link);
    if (strings.type != SHT_STRTAB)
        return status_fail(status, PTM_ERR_INPUT, "ELF: symbol table's string table is not SHT_STRTAB");
    if (!range_inside(strings.offset, strings.size, f->size))
        return status_fail(status, PTM_ERR_INPUT, "ELF: string table outside the file");
    if (strings.size > 0 && f->data[(size_t)(strings.offset + strings.size - 1)] != 0)
        return status_fail(status, PTM_ERR_INPUT, "ELF: string table not NUL-terminated");
    *out = (symbol_section){s.offset, s.size / s.entsize, strings.offset, strings.size};
    *found = true;
    return true;
}

/* A defined function (or ifunc) with a name offset: a candidate before its
 * name is read. */
static bool symbol_qualifies(const elf_symbol *s)
{
    unsigned kind = s->info & 0xf;
    return (kind == STT_FUNC || kind == STT_GNU_IFUNC) && s->shndx != SHN_UNDEF && s->name != 0;
}

/* Counts the qualifying symbols of table, at most ELF_MAX_FUNCTIONS. */
static bool symbols_count(const elf_file *f, const symbol_section *table, uint32_t *count, ptm_status *status)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < table->count; i++) {
        elf_symbol s = symbol_at(f, table->offset + i * sym_size(f));
        n += symbol_qualifies(&s);
    }
    if (n > ELF_MAX_FUNCTIONS)
        return status_fail(status, PTM_ERR_LIMIT, "ELF: %llu function symbols, more than %u",
                           (unsigned long long)n, ELF_MAX_FUNCTIONS);
    *count = (uint32_t)n;
    return true;
}

/* Fills out (room for the count symbols_count() gave) with the qualifying
 * symbols whose names are non-empty and at most ELF_MAX_NAME_BYTES; *kept
 * how many. A name outside the string table is malformed. */
static bool symbols_collect(const elf_file *f, const symbol_section *table, candidate *out, uint32_t *kept,
                            ptm_status *status)
{
    const uint8_t *strings = f->data + (size_t)table->strings;
    uint32_t n = 0;
    for (uint64_t i = 0; i < table->count; i++) {
        elf_symbol s = symbol_at(f, table->offset + i * sym_size(f));
        if (!symbol_qualifies(&s))
            continue;
        if (s.name >= table->strings_size)
            return status_fail(status, PTM_ERR_INPUT, "ELF: symbol name outside its string table");
        uint64_t rest = table->strings_size - s.name;
        uint64_t scan = rest < ELF_MAX_NAME_BYTES + 1 ? rest : ELF_MAX_NAME_BYTES + 1;
        const uint8_t *name = strings + s.name;
        const uint8_t *end = memchr(name, 0, (size_t)scan); /* found within rest: the table ends with a NUL */
        if (end == NULL || end == name)
            continue; /* longer than ELF_MAX_NAME_BYTES, or empty */
        out[n++] = (candidate){s.value, s.size, s.name, (uint32_t)(end - name), (uint32_t)i,
                               (s.info >> 4) == STB_GLOBAL ? 0u : 1u};
    }
    *kept = n;
    return true;
}

/* By start, then a global first, then the first in the table. */
static int candidate_compare(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Sorts candidates and keeps the first of each start; returns how many. */
static uint32_t candidates_reduce(candidate *c, uint32_t count)
{
    if (count == 0)
        return 0;
    qsort(c, count, sizeof *c, candidate_compare);
    uint32_t kept = 1;
    for (uint32_t i = 1; i < count; i++) {
        if (c[i].start != c[kept - 1].start)
            c[kept++] = c[i];
    }
    return kept;
}

/* The kept candidates into table->functions, their names pointing into one
 * copy of the span of the string table they lie in. */
static bool functions_store(const elf_file *f, const symbol_section *symbols, const candidate *c, uint32_t count,
                            symbol_table *table, ptm_status *status)
{
    uint64_t low = UINT64_MAX, high = 0;
    for (uint32_t i = 0; i < count; i++) {
        low = c[i].name < low ? c[i].name : low;
        high = c[i].name + c[i].name_size > high ? c[i].name + c[i].name_size : high;
    }
    elf_function *functions = arena_alloc(&table->memory, (size_t)count * sizeof *functions);
    uint8_t *names = arena_dup(&table->memory, f->data + (size_t)(symbols->strings + low), (size_t)(high - low));
    if (functions == NULL || names == NULL)
        return status_out_of_memory(status);
    for (uint32_t i = 0; i < count; i++)
        functions[i] = (elf_function){c[i].start, c[i].size, {names + (c[i].name - low), c[i].name_size}};
    table->functions = functions;
    table->function_count = count;
    return true;
}

/* The functions of the symbol table section of type, if it has any:
 * *stored true when they are in table. scratch: the caller's allocator. */
static bool functions_read(const elf_file *f, uint32_t type, const ptm_allocator *scratch, symbol_table *table,
                           bool *stored, ptm_status *status)
{
    symbol_section symbols = {0, 0, 0, 0};
    bool found = false;
    uint32_t count = 0;
    *stored = false;
    if (!symbols_open(f, type, &symbols, &found, status))
        return false;
    if (!found)
        return true;
    if (!symbols_count(f, &symbols, &count, status))
        return false;
    if (count == 0)
        return true;
    candidate *c = scratch->malloc_fn(scratch->context, (size_t)count * sizeof *c);
    if (c == NULL)
        return status_out_of_memory(status);
    uint32_t kept = 0;
    bool ok = symbols_collect(f, &symbols, c, &kept, status);
    if (ok && kept > 0) {
        kept = candidates_reduce(c, kept);
        ok = functions_store(f, &symbols, c, kept, table, status);
        *stored = ok;
    }
    scratch->free_fn(scratch->context, c);
    return ok;
}

/* .symtab when it has functions, else .dynsym. */
static bool read_functions(const elf_file *f, const ptm_allocator *scratch, symbol_table *table, ptm_status *status)
{
    bool stored;
    if (!functions_read(f, SHT_SYMTAB, scratch, table, &stored, status))
        return false;
    if (stored) {
        table->source = ELF_SYMBOLS_SYMTAB;
        return true;
    }
    if (!functions_read(f, SHT_DYNSYM, scratch, table, &stored, status))
        return false;
    if (stored)
        table->source = ELF_SYMBOLS_DYNSYM;
    return true;
}

/* The PT_LOAD segments (the first ELF_MAX_LOADS), for
 * elf_file_offset_address(). Their file ranges are not checked against the
 * file: they describe the file the program ran from, and a debug file keeps
 * them without the bytes. */
static bool read_loads(const elf_file *f, symbol_table *table, ptm_status *status)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < f->phnum && count < ELF_MAX_LOADS; i++) {
        uint32_t type;
        uint64_t offset, size, align;
        segment_at(f, i, &type, &offset, &size, &align);
        count += type == PT_LOAD;
    }
    if (count == 0)
        return true;
    table->loads = arena_alloc(&table->memory, count * sizeof *table->loads);
    if (table->loads == NULL)
        return status_out_of_memory(status);
    for (uint32_t i = 0; i < f->phnum && table->load_count < count; i++) {
        uint32_t type;
        uint64_t offset, size, align;
        segment_at(f, i, &type, &offset, &size, &align);
        if (type != PT_LOAD)
            continue;
        elf_segment *load = &table->loads[table->load_count++];
        *load = (elf_segment){.offset = offset, .file_size = size};
        segment_vaddr(f, i, &load->vaddr, &load->memory_size);
    }
    return true;
}

/* ---- the API ----------------------------------------------------------------------------- */

/* The caller's allocator, counting what the table's arena takes (blocks
 * are only ever added during elf_read_symbols, freed all at once later). */
typedef struct counted_allocator {
    ptm_allocator inner;
    size_t bytes;
} counted_allocator;

static void *counted_malloc(void *context, size_t size)
{
    counted_allocator *counted = context;
    void *pointer = counted->inner.malloc_fn(counted->inner.context, size);
    if (pointer != NULL)
        counted->bytes += size;
    return pointer;
}

static void counted_free(void *context, void *pointer)
{
    counted_allocator *counted = context;
    counted->inner.free_fn(counted->inner.context, pointer);
}

bool elf_read_symbols(const uint8_t *file, size_t size, const ptm_allocator *allocator, symbol_table *table,
                      ptm_status *status)
{
    if (allocator == NULL)
        allocator = &libc_allocator;
    memset(table, 0, sizeof *table);
    counted_allocator counted = {*allocator, 0};
    ptm_allocator counting = {counted_malloc, counted_free, &counted};
    arena_init(&table->memory, &counting);
    elf_file f;
    bool ok = elf_open(&f, file, size, status);
    if (ok) {
        read_build_id(&f, table);
        ok = read_debuglink(&f, table, status) && read_loads(&f, table, status) &&
             read_functions(&f, allocator, table, status);
    }
    table->memory.allocator = *allocator; /* the wrapper's context dies with this call */
    if (!ok) {
        arena_free(&table->memory);
        memset(table, 0, sizeof *table);
        return false;
    }
    table->bytes = counted.bytes;
    return true;
}

const elf_function *symbol_table_find(const symbol_table *table, uint64_t address)
{
    if (table == NULL || table->function_count == 0)
        return NULL;
    const elf_function *functions = table->functions;
    uint32_t low = 0, high = table->function_count; /* the first start > address is in [low, high] */
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        if (functions[middle].start <= address)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0)
        return NULL;
    const elf_function *function = &functions[low - 1];
    uint64_t offset = address - function->start;
    if (function->size != 0)
        return offset < function->size ? function : NULL;
    uint64_t reach = ELF_SIZELESS_REACH;
    if (low < table->function_count && functions[low].start - function->start < reach)
        reach = functions[low].start - function->start;
    return offset < reach ? function : NULL;
}

bool elf_file_offset_address(const symbol_table *table, uint64_t offset, uint64_t *vaddr)
{
    for (uint32_t i = 0; i < table->load_count; i++) {
        const elf_segment *load = &table->loads[i];
        if (offset >= load->offset && offset - load->offset < load->file_size) {
            *vaddr = load->vaddr + (offset - load->offset);
            return true;
        }
    }
    return false;
}

bool elf_vaddr_range_loaded(const symbol_table *table, uint64_t start, uint64_t limit)
{
    for (uint32_t i = 0; i < table->load_count; i++) {
        const elf_segment *load = &table->loads[i];
        if (start < load->vaddr + load->memory_size && load->vaddr < limit)
            return true;
    }
    return false;
}

void symbol_table_free(symbol_table *table)
{
    if (table == NULL)
        return;
    arena_free(&table->memory);
    memset(table, 0, sizeof *table);
}

void elf_build_id_hex(const uint8_t *id, uint32_t size, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (uint32_t i = 0; i < size; i++) {
        out[2 * i] = digits[id[i] >> 4];
        out[2 * i + 1] = digits[id[i] & 0xf];
    }
    out[2 * (size_t)size] = '\0';
}
