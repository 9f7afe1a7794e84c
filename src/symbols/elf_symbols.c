/*
 * elf_symbols.c: reads the function symbols, GNU build ID and debuglink name
 * of an ELF file held in memory (see elf_symbols.h for the contract).
 *
 * How: elf_file_open() checks the ELF header and places the section and
 * program header tables inside the file; every later read goes through
 * elf_section_at(), elf_segment_at() and elf_symbol_at(), which take fields
 * at their offsets with the file's byte order (never a struct cast: the data
 * may be unaligned and of the other endianness). Offsets and sizes are
 * uint64_t and every range is checked with elf_range_inside() before a byte
 * of it is read, so nothing depends on size_t being 64-bit (wasm32); those
 * are in elf_file.c (elf_file.h).
 *
 * The symbols are read in two steps: candidates (qualifying symbols, their
 * name offsets into the string table) go to a scratch array from the caller's
 * allocator, which is sorted and reduced to one symbol per address; then
 * the kept functions and one copy of the span of the string table their
 * names lie in go to the table's arena. Copying the span once (not each
 * name) keeps the memory held within the file's size whatever the symbols
 * point at: a hostile table of many symbols naming one long string costs its
 * bytes once (elf_functions.c).
 *
 * This file reads the build ID, the debuglink and the loaded segments, and
 * holds the API: reading a file into a table, and lookups in it.
 */
#include "symbols/elf_symbols.h"
#include "symbols/elf_file.h"

#include <string.h>

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
    if (!elf_range_inside(offset, size, f->size) || size > *budget)
        return false;
    *budget -= size;
    uint64_t at = 0;
    while (size - at >= NOTE_HEADER_SIZE) {
        uint64_t name_size = elf_read_u32(f, offset + at);
        uint64_t desc_size = elf_read_u32(f, offset + at + 4);
        uint32_t type = elf_read_u32(f, offset + at + 8);
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
        elf_section s = elf_section_at(f, i);
        if (s.type == SHT_NOTE && notes_find_build_id(f, s.offset, s.size, s.align == 8 ? 8 : 4, table, &budget))
            return;
    }
    budget = f->size;
    for (uint32_t i = 0; i < f->phnum; i++) {
        uint32_t type;
        uint64_t offset, size, align;
        elf_segment_at(f, i, &type, &offset, &size, &align);
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
    elf_section names = elf_section_at(f, f->shstrndx);
    if (names.type == SHT_NOBITS || !elf_range_inside(names.offset, names.size, f->size))
        return true;
    for (uint32_t i = 1; i < f->shnum; i++) {
        elf_section s = elf_section_at(f, i);
        if (!section_named(f, &names, &s, ".gnu_debuglink"))
            continue;
        if (s.type == SHT_NOBITS || !elf_range_inside(s.offset, s.size, f->size))
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

static bool read_loads(const elf_file *f, symbol_table *table, ptm_status *status)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < f->phnum && count < ELF_MAX_LOADS; i++) {
        uint32_t type;
        uint64_t offset, size, align;
        elf_segment_at(f, i, &type, &offset, &size, &align);
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
        elf_segment_at(f, i, &type, &offset, &size, &align);
        if (type != PT_LOAD)
            continue;
        elf_segment *load = &table->loads[table->load_count++];
        *load = (elf_segment){.offset = offset, .file_size = size};
        elf_segment_vaddr(f, i, &load->vaddr, &load->memory_size);
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
    bool ok = elf_file_open(&f, file, size, status);
    if (ok) {
        read_build_id(&f, table);
        ok = read_debuglink(&f, table, status) && read_loads(&f, table, status) &&
             elf_read_functions(&f, allocator, table, status);
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
