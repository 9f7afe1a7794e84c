/*
 * test_elf_symbols.c: src/symbols/elf_symbols.c on hand-made, real and hostile ELF
 * files.
 *
 * Hand-made: build_elf() writes a small ELF file in memory (either class,
 * either byte order) with a .symtab/.strtab, a .dynsym/.dynstr, a GNU
 * build-ID note (in an SHT_NOTE section or only in a PT_NOTE segment) and a
 * .gnu_debuglink section, as asked; the results are checked exactly (names,
 * starts, sizes, the duplicate rule, lookups at a start, inside, at end - 1,
 * at the end, between symbols, the reach of a size-0 symbol).
 *
 * Real: the binaries of ../shared/fixtures/otlp-live/bin/ next to the repo
 * (argv[1] is the repo root), when present ("skipped" otherwise). The
 * expected addresses, sizes and build IDs are those of the fixture's
 * README.md and workloads.json (read there with nm and readelf, not with
 * this reader).
 *
 * Hostile: every prefix of a valid file, header fields and offsets patched
 * past the end or to overflow, a name past its string table, an unterminated
 * string table, huge counts, a wrong entry size, notes whose sizes overflow;
 * each fails with an "ELF: " message of the right code or succeeds with a
 * well-formed table, and nothing leaks. Every allocation made to fail in
 * turn gives PTM_ERR_NOMEM and leaks nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "symbols/elf_symbols.h"
#include "base/status.h"

/* ---- a writer of small ELF files ------------------------------------------ */

enum { STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2 };
enum { STT_OBJECT = 1, STT_FUNC = 2, STT_GNU_IFUNC = 10 };
enum { SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOTE = 7, SHT_DYNSYM = 11 };

typedef struct test_symbol {
    const char *name; /* "" gives st_name 0 */
    uint64_t value, size;
    uint8_t bind, type;
    uint16_t shndx;
} test_symbol;

typedef struct elf_spec {
    bool is64, big;
    const test_symbol *symtab; /* NULL: no .symtab */
    int symtab_count;
    const test_symbol *dynsym; /* NULL: no .dynsym */
    int dynsym_count;
    const uint8_t *build_id; /* NULL: no note */
    uint32_t build_id_size;
    bool note_in_segment_only; /* a PT_NOTE segment over a PROGBITS section */
    const char *debuglink;     /* NULL: no .gnu_debuglink */
} elf_spec;

/* Where build_elf() put things, for the hostile cases to patch. */
typedef struct elf_layout {
    size_t size;
    size_t shoff, shdr_size, sym_size;
    int shnum, symtab, strtab, dynsym, note, debuglink;
    size_t symtab_offset, strtab_offset, strtab_size, note_offset, phoff;
} elf_layout;

typedef struct writer {
    uint8_t *data;
    size_t size, capacity;
    bool big, is64;
} writer;

static void put(uint8_t *p, uint64_t value, int width, bool big)
{
    for (int i = 0; i < width; i++)
        p[big ? width - 1 - i : i] = (uint8_t)(value >> (8 * i));
}

/* n zeroed bytes at an offset aligned to align; returns the offset. */
static size_t reserve(writer *w, size_t n, size_t align)
{
    while (w->size % align != 0)
        w->data[w->size++] = 0;
    size_t at = w->size;
    if (at + n > w->capacity) {
        fprintf(stderr, "build_elf: out of room\n");
        abort();
    }
    memset(w->data + at, 0, n);
    w->size += n;
    return at;
}

static size_t append(writer *w, const void *bytes, size_t n)
{
    size_t at = reserve(w, n, 1);
    memcpy(w->data + at, bytes, n);
    return at;
}

typedef struct test_section {
    const char *name;
    uint32_t type, link;
    uint64_t offset, size, align, entsize;
} test_section;

/* A string table of the names of symbols ("\0" first); offsets[i] the name of
 * symbol i (0 for ""). */
static void write_strings(writer *w, const test_symbol *symbols, int count, uint32_t *offsets, test_section *s)
{
    s->offset = append(w, "", 1);
    for (int i = 0; i < count; i++) {
        offsets[i] = 0;
        if (symbols[i].name[0] != '\0')
            offsets[i] = (uint32_t)(append(w, symbols[i].name, strlen(symbols[i].name) + 1) - s->offset);
    }
    s->size = w->size - s->offset;
    s->type = SHT_STRTAB;
    s->align = 1;
}

/* A symbol table (null symbol first) naming into offsets. */
static void write_symbols(writer *w, const test_symbol *symbols, int count, const uint32_t *offsets,
                          test_section *s)
{
    size_t entry = w->is64 ? 24 : 16;
    s->offset = reserve(w, entry * (size_t)(count + 1), 8);
    for (int i = 0; i < count; i++) {
        uint8_t *p = w->data + s->offset + entry * (size_t)(i + 1);
        uint8_t info = (uint8_t)(symbols[i].bind << 4 | symbols[i].type);
        put(p, offsets[i], 4, w->big);
        if (w->is64) {
            p[4] = info;
            put(p + 6, symbols[i].shndx, 2, w->big);
            put(p + 8, symbols[i].value, 8, w->big);
            put(p + 16, symbols[i].size, 8, w->big);
        } else {
            put(p + 4, symbols[i].value, 4, w->big);
            put(p + 8, symbols[i].size, 4, w->big);
            p[12] = info;
            put(p + 14, symbols[i].shndx, 2, w->big);
        }
    }
    s->size = entry * (size_t)(count + 1);
    s->align = 8;
    s->entsize = entry;
}

static void write_section_header(writer *w, size_t at, uint32_t name, const test_section *s)
{
    uint8_t *p = w->data + at;
    int word = w->is64 ? 8 : 4;
    put(p, name, 4, w->big);
    put(p + 4, s->type, 4, w->big);
    put(p + 8 + 2 * word, s->offset, word, w->big);
    put(p + 8 + 3 * word, s->size, word, w->big);
    put(p + 8 + 4 * word, s->link, 4, w->big);
    put(p + 16 + 4 * word, s->align, word, w->big);
    put(p + 16 + 5 * word, s->entsize, word, w->big);
}

static void write_elf_header(writer *w, const elf_layout *layout, int shstrndx, int phnum)
{
    uint8_t *p = w->data;
    memcpy(p, "\x7f" "ELF", 4);
    p[4] = w->is64 ? 2 : 1;
    p[5] = w->big ? 2 : 1;
    p[6] = 1;
    put(p + 16, 3, 2, w->big);                  /* ET_DYN */
    put(p + 18, w->is64 ? 62 : 3, 2, w->big);   /* x86-64 or i386 */
    put(p + 20, 1, 4, w->big);
    if (w->is64) {
        put(p + 32, layout->phoff, 8, w->big);
        put(p + 40, layout->shoff, 8, w->big);
        put(p + 52, 64, 2, w->big);
        put(p + 54, 56, 2, w->big);
        put(p + 56, (uint64_t)phnum, 2, w->big);
        put(p + 58, 64, 2, w->big);
        put(p + 60, (uint64_t)layout->shnum, 2, w->big);
        put(p + 62, (uint64_t)shstrndx, 2, w->big);
    } else {
        put(p + 28, layout->phoff, 4, w->big);
        put(p + 32, layout->shoff, 4, w->big);
        put(p + 40, 52, 2, w->big);
        put(p + 42, 32, 2, w->big);
        put(p + 44, (uint64_t)phnum, 2, w->big);
        put(p + 46, 40, 2, w->big);
        put(p + 48, (uint64_t)layout->shnum, 2, w->big);
        put(p + 50, (uint64_t)shstrndx, 2, w->big);
    }
}

/* A PT_NOTE program header over the note. */
static void write_note_segment(writer *w, size_t at, const test_section *note)
{
    uint8_t *p = w->data + at;
    put(p, 4, 4, w->big);
    if (w->is64) {
        put(p + 8, note->offset, 8, w->big);
        put(p + 32, note->size, 8, w->big);
        put(p + 40, note->size, 8, w->big);
        put(p + 48, 4, 8, w->big);
    } else {
        put(p + 4, note->offset, 4, w->big);
        put(p + 16, note->size, 4, w->big);
        put(p + 20, note->size, 4, w->big);
        put(p + 28, 4, 4, w->big);
    }
}

enum { MAX_TEST_SYMBOLS = 32, MAX_SECTIONS = 10 };

/* Writes the file of spec into out (capacity bytes); returns its size. */
static size_t build_elf(const elf_spec *spec, uint8_t *out, size_t capacity, elf_layout *layout)
{
    writer w = {out, 0, capacity, spec->big, spec->is64};
    test_section sections[MAX_SECTIONS];
    int count = 1;
    uint32_t offsets[MAX_TEST_SYMBOLS];
    memset(sections, 0, sizeof sections);
    memset(layout, 0, sizeof *layout);
    sections[0].name = "";
    reserve(&w, spec->is64 ? 64 : 52, 1);
    int phnum = 0;
    if (spec->build_id != NULL && spec->note_in_segment_only) {
        layout->phoff = reserve(&w, spec->is64 ? 56 : 32, 8);
        phnum = 1;
    }
    if (spec->symtab != NULL) {
        layout->strtab = count;
        sections[count].name = ".strtab";
        write_strings(&w, spec->symtab, spec->symtab_count, offsets, &sections[count++]);
        layout->strtab_offset = sections[count - 1].offset;
        layout->strtab_size = sections[count - 1].size;
        layout->symtab = count;
        sections[count].name = ".symtab";
        sections[count].type = SHT_SYMTAB;
        sections[count].link = (uint32_t)(count - 1);
        write_symbols(&w, spec->symtab, spec->symtab_count, offsets, &sections[count++]);
        sections[count - 1].type = SHT_SYMTAB;
        layout->symtab_offset = sections[count - 1].offset;
    }
    if (spec->dynsym != NULL) {
        sections[count].name = ".dynstr";
        write_strings(&w, spec->dynsym, spec->dynsym_count, offsets, &sections[count++]);
        layout->dynsym = count;
        sections[count].name = ".dynsym";
        sections[count].link = (uint32_t)(count - 1);
        write_symbols(&w, spec->dynsym, spec->dynsym_count, offsets, &sections[count++]);
        sections[count - 1].type = SHT_DYNSYM;
    }
    if (spec->build_id != NULL) {
        test_section *s = &sections[count];
        layout->note = count++;
        s->name = ".note.gnu.build-id";
        s->type = spec->note_in_segment_only ? SHT_PROGBITS : SHT_NOTE;
        s->align = 4;
        s->offset = reserve(&w, 16, 4);
        layout->note_offset = s->offset;
        put(w.data + s->offset, 4, 4, w.big);
        put(w.data + s->offset + 4, spec->build_id_size, 4, w.big);
        put(w.data + s->offset + 8, 3, 4, w.big);
        memcpy(w.data + s->offset + 12, "GNU", 4);
        append(&w, spec->build_id, spec->build_id_size);
        reserve(&w, 0, 4);
        s->size = w.size - s->offset;
        if (spec->note_in_segment_only)
            write_note_segment(&w, layout->phoff, s);
    }
    if (spec->debuglink != NULL) {
        test_section *s = &sections[count];
        layout->debuglink = count++;
        s->name = ".gnu_debuglink";
        s->type = SHT_PROGBITS;
        s->align = 4;
        s->offset = append(&w, spec->debuglink, strlen(spec->debuglink) + 1);
        reserve(&w, 0, 4);
        append(&w, "\x12\x34\x56\x78", 4); /* the CRC, unread */
        s->size = w.size - s->offset;
    }
    /* .shstrtab last: the names of all sections. */
    int shstrndx = count;
    test_section *names = &sections[count++];
    names->name = ".shstrtab";
    names->type = SHT_STRTAB;
    names->align = 1;
    names->offset = append(&w, "", 1);
    uint32_t name_offsets[MAX_SECTIONS] = {0};
    for (int i = 1; i < count; i++)
        name_offsets[i] = (uint32_t)(append(&w, sections[i].name, strlen(sections[i].name) + 1) - names->offset);
    names->size = w.size - names->offset;
    layout->shdr_size = spec->is64 ? 64 : 40;
    layout->sym_size = spec->is64 ? 24 : 16;
    layout->shoff = reserve(&w, layout->shdr_size * (size_t)count, 8);
    layout->shnum = count;
    for (int i = 0; i < count; i++)
        write_section_header(&w, layout->shoff + layout->shdr_size * (size_t)i, name_offsets[i], &sections[i]);
    write_elf_header(&w, layout, shstrndx, phnum);
    layout->size = w.size;
    return w.size;
}

/* Offset of a field of section header index (word-sized fields: 0 offset,
 * 1 size, 3 entsize; see section_field). */
static size_t section_field(const elf_layout *l, int index, const char *field, int *width, bool is64)
{
    size_t at = l->shoff + l->shdr_size * (size_t)index;
    int word = is64 ? 8 : 4;
    *width = word;
    if (strcmp(field, "offset") == 0)
        return at + 8 + 2 * (size_t)word;
    if (strcmp(field, "size") == 0)
        return at + 8 + 3 * (size_t)word;
    if (strcmp(field, "entsize") == 0)
        return at + 16 + 5 * (size_t)word;
    *width = 4;
    if (strcmp(field, "link") == 0)
        return at + 8 + 4 * (size_t)word;
    return at; /* name */
}

/* ---- checking a table --------------------------------------------------------- */

static bool slice_is(byte_slice s, const char *text)
{
    return s.size == strlen(text) && memcmp(s.data, text, s.size) == 0;
}

/* The name of the function found at address, or "" when none. */
static const char *found_name(const symbol_table *table, uint64_t address)
{
    static char name[256];
    const elf_function *f = symbol_table_find(table, address);
    if (f == NULL)
        return "";
    size_t n = f->name.size < sizeof name - 1 ? f->name.size : sizeof name - 1;
    memcpy(name, f->name.data, n);
    name[n] = '\0';
    return name;
}

/* The invariants of any table elf_read_symbols() returned. */
static bool table_well_formed(const symbol_table *t)
{
    if (t->function_count > ELF_MAX_FUNCTIONS || t->build_id_size > ELF_BUILD_ID_MAX)
        return false;
    if ((t->function_count == 0) != (t->source == ELF_SYMBOLS_NONE))
        return false;
    for (uint32_t i = 0; i < t->function_count; i++) {
        const elf_function *f = &t->functions[i];
        if (f->name.size == 0 || f->name.size > ELF_MAX_NAME_BYTES || memchr(f->name.data, 0, f->name.size))
            return false;
        if (i > 0 && t->functions[i - 1].start >= f->start)
            return false;
        const elf_function *found = symbol_table_find(t, f->start);
        if ((f->size != 0 || i + 1 == t->function_count || t->functions[i + 1].start > f->start) && found != f)
            return false;
    }
    return true;
}

static const char *status_text(const ptm_status *s)
{
    return s->message;
}

static bool fails_with(const uint8_t *file, size_t size, ptm_result code, const char *message)
{
    ptm_status status;
    status_init(&status);
    counting_allocator counter = {0, 0, 0};
    ptm_allocator allocator = {counting_malloc, counting_free, &counter};
    symbol_table table;
    bool ok = elf_read_symbols(file, size, &allocator, &table, &status);
    if (ok) {
        fprintf(stderr, "expected failure \"%s\", got success\n", message);
        symbol_table_free(&table);
        return false;
    }
    bool right = status.code == code && strncmp(status.message, message, strlen(message)) == 0 &&
                 counter.live == 0 && table.function_count == 0 && table.functions == NULL;
    if (!right)
        fprintf(stderr, "expected %s \"%s\", got %s \"%s\" (live %ld)\n", ptm_result_name(code), message,
                ptm_result_name(status.code), status_text(&status), counter.live);
    return right;
}

/* ---- hand-made files ------------------------------------------------------------- */

static const uint8_t test_build_id[20] = {0x37, 0xad, 0x43, 0x2f, 0x9e, 0x2d, 0xa8, 0x9f, 0xe6, 0x2b,
                                          0x3b, 0x9d, 0x50, 0xab, 0x02, 0xa7, 0x11, 0x0f, 0xb3, 0xa7};

/* In table order: the local alias of gamma comes first (the global wins),
 * weak_first before weak_second (neither global: the first wins). */
static const test_symbol main_symbols[] = {
    {"alpha", 0x1000, 0x20, STB_GLOBAL, STT_FUNC, 1},
    {"beta", 0x1040, 0, STB_LOCAL, STT_FUNC, 1},
    {"gamma_local_alias", 0x1100, 0x10, STB_LOCAL, STT_FUNC, 1},
    {"gamma", 0x1100, 0x10, STB_GLOBAL, STT_FUNC, 1},
    {"undefined_import", 0, 0, STB_GLOBAL, STT_FUNC, 0},
    {"an_object", 0x2000, 8, STB_GLOBAL, STT_OBJECT, 2},
    {"", 0x2800, 8, STB_GLOBAL, STT_FUNC, 1},
    {"resolver", 0x3000, 8, STB_GLOBAL, STT_GNU_IFUNC, 1},
    {"weak_first", 0x4000, 4, STB_WEAK, STT_FUNC, 1},
    {"weak_second", 0x4000, 4, STB_LOCAL, STT_FUNC, 1},
    {"lonely", 0x5000, 0, STB_WEAK, STT_FUNC, 1},
};
static const test_symbol dyn_symbols[] = {
    {"dyn_only", 0x1000, 0x20, STB_GLOBAL, STT_FUNC, 1},
    {"printf", 0, 0, STB_GLOBAL, STT_FUNC, 0},
};

static elf_spec main_spec(bool is64, bool big)
{
    elf_spec spec = {is64, big, main_symbols, (int)(sizeof main_symbols / sizeof main_symbols[0]),
                     dyn_symbols, 2, test_build_id, sizeof test_build_id, false, "alpha.debug"};
    return spec;
}

static void check_main_table(const symbol_table *t, const char *label)
{
    static const struct {
        const char *name;
        uint64_t start, size;
    } expected[] = {{"alpha", 0x1000, 0x20}, {"beta", 0x1040, 0},       {"gamma", 0x1100, 0x10},
                    {"resolver", 0x3000, 8}, {"weak_first", 0x4000, 4}, {"lonely", 0x5000, 0}};
    CHECK(t->source == ELF_SYMBOLS_SYMTAB, label);
    CHECK(t->function_count == 6, label);
    for (uint32_t i = 0; i < 6 && i < t->function_count; i++) {
        CHECK(slice_is(t->functions[i].name, expected[i].name), label);
        CHECK(t->functions[i].start == expected[i].start, label);
        CHECK(t->functions[i].size == expected[i].size, label);
    }
    CHECK(table_well_formed(t), label);
    CHECK(t->build_id_size == 20 && memcmp(t->build_id, test_build_id, 20) == 0, label);
    CHECK(slice_is(t->debuglink, "alpha.debug"), label);
    CHECK(t->bytes > 0, label);
    static const struct {
        uint64_t address;
        const char *name;
    } lookups[] = {
        {0, ""},           {0xfff, ""},          {0x1000, "alpha"},  {0x1010, "alpha"},  {0x101f, "alpha"},
        {0x1020, ""},      {0x103f, ""},         {0x1040, "beta"},   {0x10ff, "beta"},   {0x1100, "gamma"},
        {0x110f, "gamma"}, {0x1110, ""},         {0x2800, ""},       {0x3000, "resolver"}, {0x3007, "resolver"},
        {0x3008, ""},      {0x4003, "weak_first"}, {0x4004, ""},     {0x5000, "lonely"}, {0x5fff, "lonely"},
        {0x6000, ""},      {UINT64_MAX, ""},
    };
    for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
        if (strcmp(found_name(t, lookups[i].address), lookups[i].name) != 0) {
            fprintf(stderr, "%s: 0x%llx found \"%s\", expected \"%s\"\n", label,
                    (unsigned long long)lookups[i].address, found_name(t, lookups[i].address), lookups[i].name);
            CHECK(false, label);
        }
    }
}

static uint8_t file_buffer[16384];

static void test_main_files(void)
{
    for (int variant = 0; variant < 4; variant++) {
        bool is64 = variant & 1, big = variant & 2;
        char label[64];
        snprintf(label, sizeof label, "main file, %s %s", is64 ? "64-bit" : "32-bit", big ? "BE" : "LE");
        elf_spec spec = main_spec(is64, big);
        elf_layout layout;
        size_t size = build_elf(&spec, file_buffer, sizeof file_buffer, &layout);
        /* a copy the reader owns alone: freed before the table is read */
        uint8_t *copy = malloc(size);
        memcpy(copy, file_buffer, size);
        counting_allocator counter = {0, 0, 0};
        ptm_allocator allocator = {counting_malloc, counting_free, &counter};
        ptm_status status;
        status_init(&status);
        symbol_table table;
        bool ok = elf_read_symbols(copy, size, &allocator, &table, &status);
        memset(copy, 0xAA, size);
        free(copy);
        CHECK(ok && status_ok(&status), label);
        if (ok)
            check_main_table(&table, label);
        symbol_table_free(&table);
        CHECK(counter.live == 0, label);
        CHECK(symbol_table_find(&table, 0x1000) == NULL, "a freed table finds nothing");
    }
}

static bool read_ok(const uint8_t *file, size_t size, symbol_table *table)
{
    ptm_status status;
    status_init(&status);
    bool ok = elf_read_symbols(file, size, NULL, table, &status);
    if (!ok)
        fprintf(stderr, "elf_read_symbols: %s\n", status.message);
    return ok;
}

static void test_source_choice(void)
{
    elf_layout layout;
    symbol_table t;
    /* .dynsym only */
    static const test_symbol yak[] = {{"yak_churn_bytes", 0x10f9, 0x5f, STB_GLOBAL, STT_FUNC, 12},
                                      {"malloc", 0, 0, STB_GLOBAL, STT_FUNC, 0}};
    elf_spec spec = {true, false, NULL, 0, yak, 2, NULL, 0, false, NULL};
    size_t size = build_elf(&spec, file_buffer, sizeof file_buffer, &layout);
    CHECK(read_ok(file_buffer, size, &t), "dynsym only: read");
    CHECK(t.source == ELF_SYMBOLS_DYNSYM && t.function_count == 1, "dynsym only: source");
    CHECK(t.function_count == 1 && slice_is(t.functions[0].name, "yak_churn_bytes") &&
              t.functions[0].start == 0x10f9 && t.functions[0].size == 0x5f,
          "dynsym only: the function");
    CHECK(strcmp(found_name(&t, 0x1130), "yak_churn_bytes") == 0, "dynsym only: inside");
    CHECK(strcmp(found_name(&t, 0x1157), "yak_churn_bytes") == 0, "dynsym only: end - 1");
    CHECK(strcmp(found_name(&t, 0x1158), "") == 0, "dynsym only: end");
    CHECK(t.build_id_size == 0 && t.debuglink.size == 0, "dynsym only: no build id, no debuglink");
    symbol_table_free(&t);

    /* a .symtab without functions: .dynsym's */
    static const test_symbol objects[] = {{"data", 0x4000, 8, STB_GLOBAL, STT_OBJECT, 3}};
    spec = (elf_spec){false, true, objects, 1, yak, 2, NULL, 0, false, NULL};
    size = build_elf(&spec, file_buffer, sizeof file_buffer, &layout);
    CHECK(read_ok(file_buffer, size, &t) && t.source == ELF_SYMBOLS_DYNSYM && t.function_count == 1,
          "symtab without functions: dynsym");
    symbol_table_free(&t);

    /* neither: NONE, a build id in a PT_NOTE segment only */
    spec = (elf_spec){true, true, objects, 1, NULL, 0, test_build_id, 20, true, NULL};
    size = build_elf(&spec, file_buffer, sizeof file_buffer, &layout);
    CHECK(read_ok(file_buffer, size, &t), "no functions: read");
    CHECK(t.source == ELF_SYMBOLS_NONE && t.function_count == 0 && t.functions == NULL, "no functions: NONE");
    CHECK(symbol_table_find(&t, 0x4000) == NULL, "no functions: nothing found");
    CHECK(t.build_id_size == 20 && memcmp(t.build_id, test_build_id, 20) == 0, "build id from PT_NOTE");
    symbol_table_free(&t);

    /* no section headers at all (e_shoff 0): the build id from PT_NOTE */
    spec = (elf_spec){false, false, main_symbols, 3, NULL, 0, test_build_id, 16, true, "x.debug"};
    size = build_elf(&spec, file_buffer, sizeof file_buffer, &layout);
    put(file_buffer + 32, 0, 4, false);
    CHECK(read_ok(file_buffer, size, &t), "no section headers: read");
    CHECK(t.source == ELF_SYMBOLS_NONE && t.build_id_size == 16 && t.debuglink.size == 0,
          "no section headers: build id only");
    symbol_table_free(&t);

    /* a symbol table whose functions all have unusable names: .dynsym's */
    static const test_symbol nameless[] = {{"", 0x1000, 4, STB_GLOBAL, STT_FUNC, 1}};
    spec = (elf_spec){true, false, nameless, 1, yak, 2, NULL, 0, false, NULL};
    size = build_elf(&spec, file_buffer, sizeof file_buffer, &layout);
    CHECK(read_ok(file_buffer, size, &t) && t.source == ELF_SYMBOLS_DYNSYM, "nameless symtab: dynsym");
    symbol_table_free(&t);
}

static void test_names_bound(void)
{
    static char long_name[ELF_MAX_NAME_BYTES + 2];
    static char max_name[ELF_MAX_NAME_BYTES + 1];
    memset(long_name, 'L', ELF_MAX_NAME_BYTES + 1);
    memset(max_name, 'M', ELF_MAX_NAME_BYTES);
    test_symbol symbols[] = {{long_name, 0x1000, 4, STB_GLOBAL, STT_FUNC, 1},
                             {max_name, 0x2000, 4, STB_GLOBAL, STT_FUNC, 1}};
    elf_spec spec = {true, false, symbols, 2, NULL, 0, NULL, 0, false, NULL};
    elf_layout layout;
    size_t size = build_elf(&spec, file_buffer, sizeof file_buffer, &layout);
    symbol_table t;
    CHECK(read_ok(file_buffer, size, &t), "long names: read");
    CHECK(t.function_count == 1 && t.functions[0].start == 0x2000 && t.functions[0].name.size == ELF_MAX_NAME_BYTES,
          "a name of 4096 bytes kept, one of 4097 skipped");
    symbol_table_free(&t);
}

static void test_build_id_hex(void)
{
    char hex[2 * ELF_BUILD_ID_MAX + 1];
    elf_build_id_hex(test_build_id, 20, hex);
    CHECK(strcmp(hex, "37ad432f9e2da89fe62b3b9d50ab02a7110fb3a7") == 0, "build id hex");
    elf_build_id_hex(test_build_id, 0, hex);
    CHECK(hex[0] == '\0', "empty build id hex");
}

/* ---- hostile files ------------------------------------------------------------------- */

/* Every prefix of the file of spec: false with an "ELF: " input error, or a
 * well-formed table; nothing leaks either way. */
static void test_prefixes(bool is64, bool big)
{
    elf_spec spec = main_spec(is64, big);
    elf_layout layout;
    size_t size = build_elf(&spec, file_buffer, sizeof file_buffer, &layout);
    int bad = 0, succeeded = 0;
    for (size_t length = 0; length <= size; length++) {
        uint8_t *prefix = malloc(length ? length : 1); /* exactly length: ASan sees a read past it */
        memcpy(prefix, file_buffer, length);
        counting_allocator counter = {0, 0, 0};
        ptm_allocator allocator = {counting_malloc, counting_free, &counter};
        ptm_status status;
        status_init(&status);
        symbol_table t;
        if (elf_read_symbols(prefix, length, &allocator, &t, &status)) {
            succeeded++;
            bad += !table_well_formed(&t);
            symbol_table_free(&t);
        } else {
            bad += status.code != PTM_ERR_INPUT || strncmp(status.message, "ELF: ", 5) != 0;
        }
        bad += counter.live != 0;
        free(prefix);
    }
    CHECK(bad == 0, "every prefix: an ELF input error or a well-formed table");
    CHECK(succeeded >= 1, "the whole file reads");
}

/* A fresh copy of the main 64-bit LE (or 32-bit BE) file in file_buffer. */
static size_t fresh(bool is64, elf_layout *layout)
{
    elf_spec spec = main_spec(is64, !is64);
    return build_elf(&spec, file_buffer, sizeof file_buffer, layout);
}

static void patch_section(const elf_layout *l, bool is64, int index, const char *field, uint64_t value)
{
    int width;
    size_t at = section_field(l, index, field, &width, is64);
    put(file_buffer + at, value, width, !is64);
}

static void test_hostile_headers(void)
{
    elf_layout l;
    size_t size;
    CHECK(fails_with((const uint8_t *)"hello, world", 12, PTM_ERR_INPUT, "ELF: not an ELF file"), "not ELF");
    CHECK(fails_with(NULL, 0, PTM_ERR_INPUT, "ELF: not an ELF file"), "NULL input");
    CHECK(fails_with((const uint8_t *)"\x7f" "ELF", 4, PTM_ERR_INPUT, "ELF: not an ELF file"), "magic only");
    for (int c = 0; c < 2; c++) {
        bool is64 = c == 0;
        const char *label = is64 ? "64-bit LE" : "32-bit BE";
        size = fresh(is64, &l);
        file_buffer[4] = 7;
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: unknown class 7"), label);
        size = fresh(is64, &l);
        file_buffer[5] = 0;
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: unknown byte order 0"), label);
        CHECK(fails_with(file_buffer, is64 ? 63 : 51, PTM_ERR_INPUT, "ELF: "), label);

        /* the section header table past the end, overflowing, cut short */
        size_t shoff_at = is64 ? 40 : 32;
        int word = is64 ? 8 : 4;
        size = fresh(is64, &l);
        put(file_buffer + shoff_at, size, word, !is64);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: section header table outside the file"), label);
        put(file_buffer + shoff_at, is64 ? UINT64_MAX - 16 : UINT32_MAX - 16, word, !is64);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: section header table outside the file"), label);
        size = fresh(is64, &l);
        CHECK(fails_with(file_buffer, size - 1, PTM_ERR_INPUT, "ELF: section header table outside the file"),
              label);
        /* a wrong section header size */
        size = fresh(is64, &l);
        put(file_buffer + (is64 ? 58 : 46), 32, 2, !is64);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: section header size 32"), label);
        /* huge counts: e_shnum past the file, the extended count past the bound */
        size = fresh(is64, &l);
        put(file_buffer + (is64 ? 60 : 48), 0xfff0, 2, !is64);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: section header table outside the file"), label);
        put(file_buffer + (is64 ? 60 : 48), 0, 2, !is64);
        patch_section(&l, is64, 0, "size", 70000);
        CHECK(fails_with(file_buffer, size, PTM_ERR_LIMIT, "ELF: 70000 section headers, more than 65535"), label);
        patch_section(&l, is64, 0, "size", (uint64_t)l.shnum); /* the extended count honoured */
        symbol_table t;
        CHECK(read_ok(file_buffer, size, &t) && t.function_count == 6, "extended section count");
        symbol_table_free(&t);
        /* e_shstrndx SHN_XINDEX: the name table index in section 0's sh_link */
        size = fresh(is64, &l);
        put(file_buffer + (is64 ? 62 : 50), 0xffff, 2, !is64);
        patch_section(&l, is64, 0, "link", (uint64_t)(l.shnum - 1));
        CHECK(read_ok(file_buffer, size, &t) && slice_is(t.debuglink, "alpha.debug"), "extended name index");
        symbol_table_free(&t);
        /* e_phnum PN_XNUM with section 0's sh_info past the bound */
        size = fresh(is64, &l);
        put(file_buffer + (is64 ? 56 : 44), 0xffff, 2, !is64);
        put(file_buffer + l.shoff + (is64 ? 44 : 28), 1u << 20, 4, !is64);
        CHECK(fails_with(file_buffer, size, PTM_ERR_LIMIT, "ELF: 1048576 program headers, more than 65535"), label);
    }
}

static void test_hostile_symbols(void)
{
    elf_layout l;
    size_t size;
    symbol_table t;
    for (int c = 0; c < 2; c++) {
        bool is64 = c == 0;
        const char *label = is64 ? "64-bit LE" : "32-bit BE";
        /* a name past the string table */
        size = fresh(is64, &l);
        put(file_buffer + l.symtab_offset + l.sym_size, l.strtab_size + 5, 4, !is64);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: symbol name outside its string table"), label);
        size = fresh(is64, &l);
        put(file_buffer + l.symtab_offset + l.sym_size, l.strtab_size, 4, !is64);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: symbol name outside its string table"), label);
        /* an unterminated string table */
        size = fresh(is64, &l);
        file_buffer[l.strtab_offset + l.strtab_size - 1] = 'x';
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: string table not NUL-terminated"), label);
        /* the string table outside the file, overflowing */
        size = fresh(is64, &l);
        patch_section(&l, is64, l.strtab, "size", is64 ? UINT64_MAX : UINT32_MAX);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: string table outside the file"), label);
        /* the symbol table's range overflowing, past the end */
        size = fresh(is64, &l);
        patch_section(&l, is64, l.symtab, "offset", is64 ? UINT64_MAX - 8 : UINT32_MAX - 8);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: symbol table outside the file"), label);
        size = fresh(is64, &l);
        patch_section(&l, is64, l.symtab, "size", size);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: symbol table outside the file"), label);
        /* a wrong entry size, 0 included; a size not a multiple of it */
        size = fresh(is64, &l);
        patch_section(&l, is64, l.symtab, "entsize", l.sym_size - 1);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: symbol table entry size"), label);
        patch_section(&l, is64, l.symtab, "entsize", 0);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: symbol table entry size 0"), label);
        size = fresh(is64, &l);
        patch_section(&l, is64, l.symtab, "size", l.sym_size * 3 + 1);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: symbol table size not a multiple"), label);
        /* sh_link naming nothing, or no string table */
        size = fresh(is64, &l);
        patch_section(&l, is64, l.symtab, "link", 9999);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: symbol table's string table index"), label);
        patch_section(&l, is64, l.symtab, "link", (uint64_t)l.symtab);
        CHECK(fails_with(file_buffer, size, PTM_ERR_INPUT, "ELF: symbol table's string table is not"), label);
        /* notes whose sizes overflow: no build id, the rest read */
        size = fresh(is64, &l);
        put(file_buffer + l.note_offset, 0xffffffff, 4, !is64);
        CHECK(read_ok(file_buffer, size, &t) && t.build_id_size == 0 && t.function_count == 6, "namesz overflow");
        symbol_table_free(&t);
        size = fresh(is64, &l);
        put(file_buffer + l.note_offset + 4, 0xfffffffc, 4, !is64);
        CHECK(read_ok(file_buffer, size, &t) && t.build_id_size == 0, "descsz overflow");
        symbol_table_free(&t);
        size = fresh(is64, &l);
        put(file_buffer + l.note_offset + 4, ELF_BUILD_ID_MAX + 4, 4, !is64);
        CHECK(read_ok(file_buffer, size, &t) && t.build_id_size == 0, "descsz past the section");
        symbol_table_free(&t);
        size = fresh(is64, &l);
        patch_section(&l, is64, l.note, "offset", is64 ? UINT64_MAX - 4 : UINT32_MAX - 4);
        CHECK(read_ok(file_buffer, size, &t) && t.build_id_size == 0, "note section outside the file");
        symbol_table_free(&t);
        /* a debuglink without a NUL, or outside the file: none */
        size = fresh(is64, &l);
        patch_section(&l, is64, l.debuglink, "size", 5);
        CHECK(read_ok(file_buffer, size, &t) && t.debuglink.size == 0, "debuglink without NUL");
        symbol_table_free(&t);
        patch_section(&l, is64, l.debuglink, "offset", size);
        CHECK(read_ok(file_buffer, size, &t) && t.debuglink.size == 0, "debuglink outside the file");
        symbol_table_free(&t);
    }
}

/* A 32-bit file with ELF_MAX_FUNCTIONS + 1 function symbols: PTM_ERR_LIMIT
 * before anything is allocated for them. */
static void test_function_bound(void)
{
    elf_layout l;
    static const test_symbol one[] = {{"f", 0x1000, 4, STB_GLOBAL, STT_FUNC, 1}};
    elf_spec spec = {false, false, one, 1, NULL, 0, NULL, 0, false, NULL};
    size_t size = build_elf(&spec, file_buffer, sizeof file_buffer, &l);
    uint64_t count = ELF_MAX_FUNCTIONS + 2; /* the null symbol and one past the bound */
    size_t table_bytes = (size_t)count * 16;
    uint8_t *big = malloc(size + table_bytes);
    memcpy(big, file_buffer, size);
    uint8_t *symbols = big + size;
    memset(symbols, 0, table_bytes);
    for (uint64_t i = 1; i < count; i++) {
        memcpy(symbols + i * 16, file_buffer + l.symtab_offset + 16, 16);
        put(symbols + i * 16 + 4, 0x1000 + i * 4, 4, false);
    }
    int width;
    put(big + section_field(&l, l.symtab, "offset", &width, false), size, 4, false);
    put(big + section_field(&l, l.symtab, "size", &width, false), table_bytes, 4, false);
    CHECK(fails_with(big, size + table_bytes, PTM_ERR_LIMIT, "ELF: 4000001 function symbols, more than 4000000"),
          "function bound");
    free(big);
}

/* Every allocation made to fail in turn: false, PTM_ERR_NOMEM, nothing held. */
static void test_allocation_failures(void)
{
    elf_layout l;
    elf_spec spec = main_spec(true, false);
    size_t size = build_elf(&spec, file_buffer, sizeof file_buffer, &l);
    counting_allocator counter = {0, 0, 0};
    ptm_allocator allocator = {counting_malloc, counting_free, &counter};
    symbol_table t;
    ptm_status status;
    status_init(&status);
    CHECK(elf_read_symbols(file_buffer, size, &allocator, &t, &status), "allocations: a clean read");
    long total = counter.allocations;
    symbol_table_free(&t);
    CHECK(total >= 2 && counter.live == 0, "allocations: counted");
    int bad = 0;
    for (long fail_at = 1; fail_at <= total; fail_at++) {
        counter = (counting_allocator){0, 0, fail_at};
        status_init(&status);
        bool ok = elf_read_symbols(file_buffer, size, &allocator, &t, &status);
        bad += ok || status.code != PTM_ERR_NOMEM || counter.live != 0 || t.functions != NULL;
        if (ok)
            symbol_table_free(&t);
    }
    CHECK(bad == 0, "every allocation failing: PTM_ERR_NOMEM, nothing held");
}

/* ---- real files -------------------------------------------------------------------------- */

static bool read_real(const char *dir, const char *name, symbol_table *t)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t size = 0;
    unsigned char *data = check_read_file(path, &size);
    if (data == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return false;
    }
    counting_allocator counter = {0, 0, 0};
    ptm_allocator allocator = {counting_malloc, counting_free, &counter};
    ptm_status status;
    status_init(&status);
    bool ok = elf_read_symbols(data, size, &allocator, t, &status);
    free(data);
    if (!ok)
        fprintf(stderr, "%s: %s\n", name, status.message);
    return ok && table_well_formed(t);
}

static bool has_function(const symbol_table *t, const char *name, uint64_t start, uint64_t size)
{
    for (uint32_t i = 0; i < t->function_count; i++) {
        if (slice_is(t->functions[i].name, name))
            return t->functions[i].start == start && t->functions[i].size == size;
    }
    return false;
}

static bool build_id_is(const symbol_table *t, const char *hex)
{
    char text[2 * ELF_BUILD_ID_MAX + 1];
    elf_build_id_hex(t->build_id, t->build_id_size, text);
    return strcmp(text, hex) == 0;
}

static void test_real_files(const char *root)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/../shared/fixtures/otlp-live/bin", root);
    FILE *probe;
    char probe_path[4200];
    snprintf(probe_path, sizeof probe_path, "%s/zebra-sym", dir);
    if ((probe = fopen(probe_path, "rb")) == NULL) {
        printf("real ELF files: skipped (no %s)\n", dir);
        return;
    }
    fclose(probe);
    symbol_table t;

    CHECK(read_real(dir, "zebra-sym", &t), "zebra-sym: read");
    CHECK(t.source == ELF_SYMBOLS_SYMTAB, "zebra-sym: .symtab");
    CHECK(build_id_is(&t, "37ad432f9e2da89fe62b3b9d50ab02a7110fb3a7"), "zebra-sym: build id");
    CHECK(has_function(&t, "zebra_crunch_cpu", 0x1149, 63), "zebra-sym: zebra_crunch_cpu");
    CHECK(has_function(&t, "zebra_outer_driver", 0x1188, 133), "zebra-sym: zebra_outer_driver");
    CHECK(strcmp(found_name(&t, 0x1149), "zebra_crunch_cpu") == 0, "zebra-sym: at start");
    CHECK(strcmp(found_name(&t, 0x1149 + 62), "zebra_crunch_cpu") == 0, "zebra-sym: end - 1");
    CHECK(strcmp(found_name(&t, 0x1188 + 132), "zebra_outer_driver") == 0, "zebra-sym: driver end - 1");
    symbol_table_free(&t);

    CHECK(read_real(dir, "zebra-nopie", &t), "zebra-nopie: read");
    CHECK(strcmp(found_name(&t, 0x40115a), "zebra_crunch_cpu") == 0, "zebra-nopie: crunch");
    CHECK(strcmp(found_name(&t, 0x4011a0), "zebra_outer_driver") == 0, "zebra-nopie: driver");
    symbol_table_free(&t);

    CHECK(read_real(dir, "zebra-lld", &t), "zebra-lld: read");
    CHECK(strcmp(found_name(&t, 0x17e7), "zebra_crunch_cpu") == 0, "zebra-lld: crunch");
    CHECK(strcmp(found_name(&t, 0x1823), "zebra_outer_driver") == 0, "zebra-lld: driver");
    symbol_table_free(&t);

    /* stripped, with a debuglink: no .symtab; its .dynsym defines no function */
    CHECK(read_real(dir, "zebra-debuglink", &t), "zebra-debuglink: read");
    CHECK(t.source == ELF_SYMBOLS_NONE && t.function_count == 0, "zebra-debuglink: no functions");
    CHECK(t.debuglink.size > 0 && memchr(t.debuglink.data, 0, t.debuglink.size) == NULL,
          "zebra-debuglink: a debuglink");
    printf("zebra-debuglink: debuglink \"%.*s\"\n", (int)t.debuglink.size, (const char *)t.debuglink.data);
    CHECK(build_id_is(&t, "6b87b1dc405471dab9ed1047962753816a8d7091"), "zebra-debuglink: build id");
    symbol_table_free(&t);

    CHECK(read_real(dir, "debug/.build-id/6b/87b1dc405471dab9ed1047962753816a8d7091.debug", &t), "debug file: read");
    CHECK(t.source == ELF_SYMBOLS_SYMTAB, "debug file: .symtab");
    CHECK(build_id_is(&t, "6b87b1dc405471dab9ed1047962753816a8d7091"), "debug file: build id");
    CHECK(strcmp(found_name(&t, 0x1177), "zebra_crunch_cpu") == 0, "debug file: crunch");
    CHECK(strcmp(found_name(&t, 0x11b3), "zebra_outer_driver") == 0, "debug file: driver");
    symbol_table_free(&t);

    CHECK(read_real(dir, "libyak.so", &t), "libyak.so: read");
    CHECK(t.source == ELF_SYMBOLS_DYNSYM, "libyak.so: .dynsym");
    CHECK(has_function(&t, "yak_churn_bytes", 0x10f9, 0x5f), "libyak.so: yak_churn_bytes");
    CHECK(strcmp(found_name(&t, 0x1130), "yak_churn_bytes") == 0, "libyak.so: 0x1130");
    symbol_table_free(&t);

    CHECK(read_real(dir, "yak-main", &t), "yak-main: read");
    CHECK(t.source == ELF_SYMBOLS_NONE && t.function_count == 0, "yak-main: no functions");
    CHECK(t.build_id_size == 20 && build_id_is(&t, "a3fc33ed00759f1bcb9d850d3dfb200f7555eae7"), "yak-main: build id");
    symbol_table_free(&t);

    CHECK(read_real(dir, "gospin", &t), "gospin: read");
    CHECK(t.source == ELF_SYMBOLS_SYMTAB, "gospin: .symtab");
    bool ocelot = false;
    for (uint32_t i = 0; i < t.function_count; i++)
        ocelot = ocelot || slice_is(t.functions[i].name, "main.ocelotSpinGo");
    CHECK(ocelot, "gospin: main.ocelotSpinGo");
    printf("gospin: %u functions, %zu bytes held\n", t.function_count, t.bytes);
    symbol_table_free(&t);
}

/* The fuzz seeds (tests/fuzz/elf-seeds/*.hex, made with `test_elf_symbols
 * ROOT --write-seeds DIR` and a hex dump, see tests/fuzz/make-seeds.sh): the
 * main file in each class and byte order, a .dynsym-only file, a build ID in
 * a PT_NOTE segment only. */
static int write_seeds(const char *dir)
{
    static const test_symbol yak[] = {{"yak_churn_bytes", 0x10f9, 0x5f, STB_GLOBAL, STT_FUNC, 12},
                                      {"malloc", 0, 0, STB_GLOBAL, STT_FUNC, 0}};
    static const test_symbol objects[] = {{"data", 0x4000, 8, STB_GLOBAL, STT_OBJECT, 3}};
    struct {
        const char *name;
        elf_spec spec;
    } seeds[] = {
        {"main64le", main_spec(true, false)},
        {"main64be", main_spec(true, true)},
        {"main32le", main_spec(false, false)},
        {"main32be", main_spec(false, true)},
        {"dynsym64le", {true, false, NULL, 0, yak, 2, NULL, 0, false, NULL}},
        {"segment-note32le", {false, false, objects, 1, NULL, 0, test_build_id, 20, true, NULL}},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        elf_layout layout;
        size_t size = build_elf(&seeds[i].spec, file_buffer, sizeof file_buffer, &layout);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.elf", dir, seeds[i].name);
        FILE *out = fopen(path, "wb");
        if (out == NULL || fwrite(file_buffer, 1, size, out) != size || fclose(out) != 0) {
            fprintf(stderr, "cannot write %s\n", path);
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 3 && strcmp(argv[2], "--write-seeds") == 0)
        return write_seeds(argv[3]);
    test_main_files();
    test_source_choice();
    test_names_bound();
    test_build_id_hex();
    for (int variant = 0; variant < 4; variant++)
        test_prefixes(variant & 1, variant & 2);
    test_hostile_headers();
    test_hostile_symbols();
    test_function_bound();
    test_allocation_failures();
    test_real_files(argc > 1 ? argv[1] : ".");
    return check_report();
}
