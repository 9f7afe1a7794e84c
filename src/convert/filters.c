/*
 * filters.c: the per-id match cache behind every filter.
 */
#include "convert/filters.h"

#include <string.h>

static bool any_matches(const pattern_list *list, byte_slice subject, ptm_status *status)
{
    for (uint32_t i = 0; i < list->count; i++) {
        if (pattern_search(list->items[i], subject, NULL, status))
            return true;
    }
    return false;
}

static bool cache_reserve(filter_cache *cache, arena *a, uint32_t id)
{
    if (id < cache->size)
        return true;
    uint32_t size = capacity_for(cache->size, id);
    uint8_t *bits = arena_calloc(a, size, 1);
    if (bits == NULL)
        return false;
    if (cache->size > 0)
        memcpy(bits, cache->bits, cache->size);
    cache->bits = bits;
    cache->size = size;
    return true;
}

uint8_t filter_match(const filter_config *filter, filter_cache *cache, arena *a,
                     const string_interner *interner, uint32_t id, ptm_status *status)
{
    if (!filter->enabled || id == INTERN_NONE)
        return 0;
    if (!cache_reserve(cache, a, id))
        return 0;
    uint8_t bits = cache->bits[id];
    if (bits & MATCH_KNOWN)
        return bits;
    byte_slice subject = interned(interner, id);
    bits = MATCH_KNOWN;
    if (any_matches(&filter->include, subject, status))
        bits |= MATCH_INCLUDE;
    if (any_matches(&filter->exclude, subject, status))
        bits |= MATCH_EXCLUDE;
    cache->bits[id] = bits;
    return bits;
}
