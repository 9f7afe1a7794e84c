/*
 * pattern.h: PCRE2 regular expressions, compiled once per configuration.
 *
 * Every pattern carries its own PCRE2 contexts routed to the converter's
 * allocator, and a match limit and depth limit so that a catastrophic pattern
 * ends with "no match" (counted in pattern_set.limit_hits) instead of hanging.
 */
#ifndef PTM_PATTERN_H
#define PTM_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

typedef struct pattern pattern;

/* The PCRE2 state shared by the patterns of one converter. */
typedef struct pattern_engine pattern_engine;

/* Builds the engine; NULL on allocation failure. */
pattern_engine *pattern_engine_create(const ptm_allocator *allocator,
                                      uint32_t match_limit, uint32_t depth_limit);
void pattern_engine_free(pattern_engine *engine);

/*
 * Compiles text (text_size bytes). On failure returns NULL, sets
 * *out_of_memory when that was the cause, and otherwise writes PCRE2's
 * message and the offset into error (e.g. "missing closing parenthesis at
 * offset 3"). The pattern is owned by the caller: pattern_free().
 */
pattern *pattern_compile(pattern_engine *engine, const char *text, size_t text_size,
                         bool *out_of_memory, char *error, size_t error_size);
void pattern_free(pattern *p);

/*
 * Searches subject. Returns true on a match; then *match (when not NULL) is
 * capture group 1 when the pattern has one (empty when the group did not
 * take part), else the whole match. A match or depth limit hit counts as no
 * match.
 */
bool pattern_search(pattern *p, byte_slice subject, byte_slice *match);

#endif /* PTM_PATTERN_H */
