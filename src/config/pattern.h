/*
 * pattern.h: PCRE2 regular expressions, compiled once per configuration.
 *
 * The engine (one per converter) routes PCRE2's memory to the converter's
 * allocator and bounds every search with a match limit, a depth limit and a
 * heap limit, so that a catastrophic pattern such as (a+)+$ ends quickly
 * instead of hanging. A search that hits a limit counts as no match (the
 * string fails include patterns and passes exclude patterns, like a missing
 * name), and the engine counts it (pattern_engine_take_limit_hits) so that the
 * converter can report it, naming the pattern; a search that runs out of
 * memory fails the conversion through its status.
 */
#ifndef PTM_PATTERN_H
#define PTM_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/status.h"

typedef struct pattern pattern;

/* The PCRE2 state shared by the patterns of one converter. */
typedef struct pattern_engine pattern_engine;

/* Builds the engine; NULL on allocation failure. heap_limit is in KiB. */
pattern_engine *pattern_engine_create(const ptm_allocator *allocator, uint32_t match_limit,
                                      uint32_t depth_limit, uint32_t heap_limit);
void pattern_engine_free(pattern_engine *engine);

/* How many searches hit a limit since the last call, and the name of the
 * first pattern that did (*name, "" when none); the call forgets them. */
uint64_t pattern_engine_take_limit_hits(pattern_engine *engine, const char **name);

/*
 * Compiles text (text_size bytes); name (copied) says where it comes from in
 * messages, e.g. "pattern_filter.patterns[0]". On failure returns NULL, sets
 * *out_of_memory when that was the cause, and otherwise writes PCRE2's
 * message and the offset into error (e.g. "missing closing parenthesis at
 * offset 3"). The pattern is owned by the caller: pattern_free().
 */
pattern *pattern_compile(pattern_engine *engine, const char *name, const char *text,
                         size_t text_size, bool *out_of_memory, char *error, size_t error_size);
void pattern_free(pattern *p);

/*
 * Searches subject. Returns true on a match; then *match (when not NULL) is
 * capture group 1 when the pattern has one (empty when the group did not
 * take part), else the whole match. A match, depth or heap limit hit counts
 * as no match (and is counted: pattern_engine_take_limit_hits); running out
 * of memory is no match too, recorded in status.
 */
bool pattern_search(pattern *p, byte_slice subject, byte_slice *match, ptm_status *status);

#endif /* PTM_PATTERN_H */
