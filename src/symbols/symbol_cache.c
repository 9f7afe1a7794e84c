/*
 * symbol_cache.c: the converter's symbol tables by build ID, least recently
 * used freed first (symbol_cache.h). A linear scan finds an entry: a request
 * looks up each of its mappings once (dictionary.c caches the result per
 * mapping), and a host runs a few hundred files at most.
 */
#include "symbols/symbol_cache.h"

#include <string.h>

void symbol_cache_init(symbol_cache *cache, const ptm_allocator *allocator, size_t byte_limit)
{
    *cache = (symbol_cache){.allocator = *allocator, .byte_limit = byte_limit};
}

static void free_entry_table(symbol_cache *cache, symbol_entry *entry)
{
    if (entry->table == NULL)
        return;
    cache->bytes -= entry->table->bytes;
    symbol_table_free(entry->table);
    cache->allocator.free_fn(cache->allocator.context, entry->table);
    entry->table = NULL;
}

void symbol_cache_clear(symbol_cache *cache)
{
    for (uint32_t i = 0; i < cache->count; i++)
        free_entry_table(cache, &cache->entries[i]);
    cache->allocator.free_fn(cache->allocator.context, cache->entries);
    symbol_cache_init(cache, &cache->allocator, cache->byte_limit);
}

symbol_entry *symbol_cache_find(symbol_cache *cache, const uint8_t *build_id, uint32_t size)
{
    for (uint32_t i = 0; i < cache->count; i++) {
        symbol_entry *entry = &cache->entries[i];
        if (entry->build_id_size == size && entry->build_id[0] == build_id[0] &&
            memcmp(entry->build_id, build_id, size) == 0) {
            entry->used = ++cache->clock;
            return entry;
        }
    }
    return NULL;
}

/* The least recently used entry, with a table when tables_only. NULL when
 * there is none. */
static symbol_entry *least_recent(symbol_cache *cache, bool tables_only)
{
    symbol_entry *oldest = NULL;
    for (uint32_t i = 0; i < cache->count; i++) {
        symbol_entry *entry = &cache->entries[i];
        if ((!tables_only || entry->table != NULL) &&
            (oldest == NULL || entry->used < oldest->used))
            oldest = entry;
    }
    return oldest;
}

static void remove_entry(symbol_cache *cache, symbol_entry *entry)
{
    free_entry_table(cache, entry);
    *entry = cache->entries[--cache->count];
}

/* A new entry (its build ID unset), or NULL when memory ran out. Past
 * SYMBOL_CACHE_ENTRIES the least recently used one makes room. */
static symbol_entry *new_entry(symbol_cache *cache)
{
    if (cache->count == SYMBOL_CACHE_ENTRIES)
        remove_entry(cache, least_recent(cache, false));
    if (cache->count == cache->capacity) {
        uint32_t capacity = cache->capacity == 0 ? 16 : cache->capacity * 2;
        if (capacity > SYMBOL_CACHE_ENTRIES)
            capacity = SYMBOL_CACHE_ENTRIES;
        symbol_entry *grown = cache->allocator.malloc_fn(cache->allocator.context, capacity * sizeof *grown);
        if (grown == NULL)
            return NULL;
        if (cache->count > 0)
            memcpy(grown, cache->entries, cache->count * sizeof *grown);
        cache->allocator.free_fn(cache->allocator.context, cache->entries);
        cache->entries = grown;
        cache->capacity = capacity;
    }
    symbol_entry *entry = &cache->entries[cache->count++];
    *entry = (symbol_entry){.used = ++cache->clock};
    return entry;
}

/* The entry of a build ID, its old table freed, or a new one. */
static symbol_entry *entry_for(symbol_cache *cache, const uint8_t *build_id, uint32_t size)
{
    symbol_entry *entry = symbol_cache_find(cache, build_id, size);
    if (entry != NULL) {
        free_entry_table(cache, entry);
        return entry;
    }
    entry = new_entry(cache);
    if (entry != NULL) {
        memcpy(entry->build_id, build_id, size);
        entry->build_id_size = size;
    }
    return entry;
}

bool symbol_cache_add(symbol_cache *cache, symbol_table *table)
{
    symbol_entry *same = symbol_cache_find(cache, table->build_id, table->build_id_size);
    if (same != NULL)
        free_entry_table(cache, same);
    /* Room first: removing moves entries, so no entry pointer is held. */
    symbol_entry *oldest;
    while (cache->bytes + table->bytes > cache->byte_limit && (oldest = least_recent(cache, true)) != NULL)
        remove_entry(cache, oldest);
    symbol_entry *entry = entry_for(cache, table->build_id, table->build_id_size);
    if (entry == NULL) {
        symbol_table_free(table);
        cache->allocator.free_fn(cache->allocator.context, table);
        return false;
    }
    entry->table = table;
    cache->bytes += table->bytes;
    return true;
}

bool symbol_cache_add_missing(symbol_cache *cache, const uint8_t *build_id, uint32_t size)
{
    return entry_for(cache, build_id, size) != NULL;
}
