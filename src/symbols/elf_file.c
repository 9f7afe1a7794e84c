/*
 * elf_file.c: the ELF header of a file held in memory, checked, and the
 * readers of its section headers, program headers and symbols.
 *
 * elf_file_open() checks the identification (magic, class, byte order) and
 * places the section and program header tables inside the file, with their
 * extended counts (section 0 when e_shnum is 0 or e_phnum is PN_XNUM), each
 * at most ELF_MAX_SECTIONS. Fields are read with the file's byte order at
 * their offsets; offsets and sizes are uint64_t, so nothing depends on
 * size_t being 64-bit (wasm32).
 */
#include "symbols/elf_file.h"

#include <string.h>

/* [offset, offset + length) inside a file of size bytes, without overflow. */
bool elf_range_inside(uint64_t offset, uint64_t length, uint64_t size)
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

uint32_t elf_read_u32(const elf_file *f, uint64_t offset)
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

uint64_t elf_sym_size(const elf_file *f)
{
    return f->is64 ? SYM64_SIZE : SYM32_SIZE;
}

/* Section header index (inside the table: the caller keeps index < shnum,
 * or 0 while elf_file_open() reads the extended counts). */
elf_section elf_section_at(const elf_file *f, uint32_t index)
{
    uint64_t at = f->shoff + (uint64_t)index * shdr_size(f);
    uint64_t w = f->is64 ? 8 : 4;
    elf_section s;
    s.name = elf_read_u32(f, at);
    s.type = elf_read_u32(f, at + 4);
    s.offset = read_word(f, at + 8 + 2 * w);
    s.size = read_word(f, at + 8 + 3 * w);
    s.link = elf_read_u32(f, at + 8 + 4 * w);
    s.info = elf_read_u32(f, at + 12 + 4 * w);
    s.align = read_word(f, at + 16 + 4 * w);
    s.entsize = read_word(f, at + 16 + 5 * w);
    return s;
}

/* Program header index < phnum: its type, file range and alignment. */
void elf_segment_at(const elf_file *f, uint32_t index, uint32_t *type, uint64_t *offset, uint64_t *size,
                    uint64_t *align)
{
    uint64_t at = f->phoff + (uint64_t)index * phdr_size(f);
    *type = elf_read_u32(f, at);
    *offset = read_word(f, at + (f->is64 ? 8 : 4));
    *size = read_word(f, at + (f->is64 ? 32 : 16));
    *align = read_word(f, at + (f->is64 ? 48 : 28));
}

/* Program header index < phnum: its virtual address range. */
void elf_segment_vaddr(const elf_file *f, uint32_t index, uint64_t *vaddr, uint64_t *memory_size)
{
    uint64_t at = f->phoff + (uint64_t)index * phdr_size(f);
    *vaddr = read_word(f, at + (f->is64 ? 16 : 8));
    *memory_size = read_word(f, at + (f->is64 ? 40 : 20));
}

/* The symbol at offset (its elf_sym_size() bytes inside the file). */
elf_symbol elf_symbol_at(const elf_file *f, uint64_t at)
{
    elf_symbol s;
    s.name = elf_read_u32(f, at);
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
    if (!elf_range_inside(f->shoff, entry_size, f->size))
        return status_fail(status, PTM_ERR_INPUT, "ELF: section header table outside the file");
    elf_section first = elf_section_at(f, 0);
    if (count == 0)
        count = first.size;
    if (names == SHN_XINDEX)
        names = first.link;
    if (count > ELF_MAX_SECTIONS)
        return status_fail(status, PTM_ERR_LIMIT, "ELF: %llu section headers, more than %u",
                           (unsigned long long)count, ELF_MAX_SECTIONS);
    if (!elf_range_inside(f->shoff, count * entry_size, f->size))
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
        count = elf_section_at(f, 0).info;
    if (count > ELF_MAX_SECTIONS)
        return status_fail(status, PTM_ERR_LIMIT, "ELF: %llu program headers, more than %u",
                           (unsigned long long)count, ELF_MAX_SECTIONS);
    if (count == 0 || entry_size != phdr_size(f) || !elf_range_inside(f->phoff, count * entry_size, f->size))
        return true;
    f->phnum = (uint32_t)count;
    return true;
}

bool elf_file_open(elf_file *f, const uint8_t *data, size_t size, ptm_status *status)
{
    memset(f, 0, sizeof *f);
    f->data = data;
    f->size = data != NULL ? (uint64_t)size : 0;
    return open_ident(f, status) && open_sections(f, status) && open_segments(f, status);
}
