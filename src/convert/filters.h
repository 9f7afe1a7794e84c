/*
 * filters.h: process, thread and pattern filters.
 *
 * A filter's patterns are compiled once per configuration (config.c); what a
 * pattern list says about one string is computed once per conversion and
 * cached by interned id, so a sample costs array reads, not regex runs. The
 * subjects of each filter are in docs/semantics.md, "Filters".
 */
#ifndef PTM_FILTERS_H
#define PTM_FILTERS_H

#include "config/config.h"
#include "base/intern.h"

enum {
    MATCH_KNOWN = 1,   /* the bits below have been computed */
    MATCH_INCLUDE = 2, /* an include pattern matches */
    MATCH_EXCLUDE = 4  /* an exclude pattern matches */
};

typedef struct filter_cache {
    uint8_t *bits;     /* by interned id */
    uint32_t size;
} filter_cache;

/* The MATCH_* bits of filter for the string of id (INTERN_NONE: 0); cached.
 * Returns 0 with a->failed set when memory ran out (PCRE2's running out is
 * recorded in status). */
uint8_t filter_match(const filter_config *filter, filter_cache *cache, arena *a,
                     const string_interner *interner, uint32_t id, ptm_status *status);

/* Whether a sample whose subjects' bits OR to `bits` passes filter. */
static inline bool filter_accepts(const filter_config *filter, uint8_t bits)
{
    if (!filter->enabled)
        return true;
    bool included = filter->include.count == 0 || (bits & MATCH_INCLUDE);
    return included && !(bits & MATCH_EXCLUDE);
}

#endif /* PTM_FILTERS_H */
