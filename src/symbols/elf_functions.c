/*
 * elf_functions.c: the function symbols of an ELF file, sorted, one per
 * address, into the symbol table.
 *
 * The symbols are read in two steps: candidates (qualifying symbols, their
 * name offsets into the string table) go to a scratch array from the caller's
 * allocator, which is sorted and reduced to one symbol per address (a global
 * preferred, then the first); then the kept functions and one copy of the
 * span of the string table their names lie in go to the table's arena.
 * Copying the span once (not each name) keeps the memory held within the
 * file's size whatever the symbols point at: a hostile table of many
 * symbols naming one long string costs its bytes once.
 */
#include "symbols/elf_file.h"

#include <stdlib.h>
#include <string.h>

/* A symbol table section and its string table. Invariants after
 * symbols_open(): [offset, offset + count * elf_sym_size) and [strings,
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
    while (i < f->shnum && elf_section_at(f, i).type != type)
        i++;
    if (i >= f->shnum)
        return true;
    elf_section s = elf_section_at(f, i);
    if (s.entsize != elf_sym_size(f))
        return status_fail(status, PTM_ERR_INPUT, "ELF: symbol table entry size %llu, not %u",
                           (unsigned long long)s.entsize, (unsigned)elf_sym_size(f));
    if (!elf_range_inside(s.offset, s.size, f->size))
        return status_fail(status, PTM_ERR_INPUT, "ELF: symbol table outside the file");
    if (s.size % s.entsize != 0)
        return status_fail(status, PTM_ERR_INPUT, "ELF: symbol table size not a multiple of its entry size");
    if (s.link == 0 || s.link >= f->shnum)
        return status_fail(status, PTM_ERR_INPUT, "ELF: symbol table's string table index %u out of range", s.link);
    elf_section strings = elf_section_at(f, s.link);
    if (strings.type != SHT_STRTAB)
        return status_fail(status, PTM_ERR_INPUT, "ELF: symbol table's string table is not SHT_STRTAB");
    if (!elf_range_inside(strings.offset, strings.size, f->size))
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
        elf_symbol s = elf_symbol_at(f, table->offset + i * elf_sym_size(f));
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
        elf_symbol s = elf_symbol_at(f, table->offset + i * elf_sym_size(f));
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
bool elf_read_functions(const elf_file *f, const ptm_allocator *scratch, symbol_table *table,
                        ptm_status *status)
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
