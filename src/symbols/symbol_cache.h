/*
 * symbol_cache.h: the symbol tables a converter has read, by build ID.
 *
 * Each entry is a build ID and either the table of a file with that build ID
 * (elf_symbols.h) or nothing: the ID was looked for and no file had it, so
 * that it is not looked for again. The tables' memory (symbol_table.bytes)
 * is bounded by symbolize.cache_bytes: past it, the least recently used
 * tables are freed (their IDs may be looked for again). Entries are at most
 * SYMBOL_CACHE_ENTRIES; past it the least recently used entry goes.
 * Lives as long as the converter (ptm_converter_reset() empties it).
 */
#ifndef PTM_SYMBOL_CACHE_H
#define PTM_SYMBOL_CACHE_H

#include "symbols/elf_symbols.h"

/* Build IDs the cache remembers, found or not (docs/security.md). */
enum { SYMBOL_CACHE_ENTRIES = 16384 };

typedef struct symbol_entry {
    uint8_t build_id[ELF_BUILD_ID_MAX];
    uint32_t build_id_size;
    symbol_table *table;      /* NULL: looked for, not found */
    uint64_t used;            /* the cache's clock when last found or added */
} symbol_entry;

typedef struct symbol_cache {
    ptm_allocator allocator;
    size_t byte_limit;        /* symbolize.cache_bytes */
    size_t bytes;             /* of the tables held: sum of their .bytes */
    symbol_entry *entries;    /* unordered; count <= capacity <= SYMBOL_CACHE_ENTRIES */
    uint32_t count, capacity;
    uint64_t clock;           /* counts finds and adds */
} symbol_cache;

void symbol_cache_init(symbol_cache *cache, const ptm_allocator *allocator, size_t byte_limit);
/* Frees every table; the cache is empty and usable. */
void symbol_cache_clear(symbol_cache *cache);

/* The entry of a build ID, or NULL when the cache has none. Marks it used. */
symbol_entry *symbol_cache_find(symbol_cache *cache, const uint8_t *build_id, uint32_t size);

/* Keeps a table read from a file (moved in: the cache frees it), under its
 * own build ID, replacing an entry of that ID; then frees least recently
 * used tables past the byte limit (never this one). False when memory ran
 * out: the table is freed. */
bool symbol_cache_add(symbol_cache *cache, symbol_table *table);

/* Records that no file has this build ID. False when memory ran out. */
bool symbol_cache_add_missing(symbol_cache *cache, const uint8_t *build_id, uint32_t size);

#endif /* PTM_SYMBOL_CACHE_H */
