/*
 * config.h: the converter's configuration, parsed and validated once.
 *
 * config_parse() reads the JSON text (cJSON), refuses unknown keys and wrong
 * types with a message naming the key path, and compiles every regex once.
 * Strings live in the config's own arena; patterns are owned by the config.
 * The keys and defaults are documented in README.md.
 */
#ifndef PTM_CONFIG_H
#define PTM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "pattern.h"
#include "status.h"

/* What a sample type measures; each measure feeds one base metric. */
typedef enum measure_kind {
    MEASURE_CPU = 0,
    MEASURE_OFF_CPU,
    MEASURE_WALL,
    MEASURE_MEMORY,        /* allocated bytes */
    MEASURE_ALLOCATIONS,   /* allocated objects */
    MEASURE_INUSE,         /* in-use bytes, a snapshot */
    MEASURE_INUSE_OBJECTS, /* in-use objects, a snapshot */
    MEASURE_BUILTIN_COUNT
} measure_kind;

/* How raw values of a measure become metric values. */
typedef enum value_family {
    FAMILY_TIME,  /* accumulated in ns; unit ns|us|ms|s; double */
    FAMILY_BYTES, /* accumulated in bytes; unit By (int) or KiBy|MiBy|GiBy (double) */
    FAMILY_COUNT  /* accumulated as is; any unit string; int */
} value_family;

typedef struct measure_config {
    bool enabled;
    bool gauge;              /* a snapshot: Gauge, never summed across profiles */
    value_family family;
    const char *metric_name; /* NUL-terminated, in the config arena */
    const char *unit;
    const char *description;
    double divisor;          /* accumulated value / divisor = metric value */
    bool is_double;          /* family TIME, or a divisor other than 1 */
} measure_config;

/* A custom sample type ("sample_types" key): (type, unit) → a measure. */
typedef struct custom_sample_type {
    const char *type;
    const char *unit;
    measure_config measure;
} custom_sample_type;

typedef struct pattern_list {
    pattern **items;
    uint32_t count;
} pattern_list;

typedef struct filter_config {
    bool enabled;
    pattern_list include; /* pattern + patterns; empty: everything passes */
    pattern_list exclude; /* exclude_patterns */
} filter_config;

typedef struct attribute_rule {
    const char *key;
    const char *value;   /* literal value, or the regex text */
    pattern *regex;      /* NULL for literal rules */
} attribute_rule;

typedef struct ptm_config {
    arena storage;                              /* strings and arrays below */
    pattern_engine *engine;                     /* owns nothing; patterns use it */
    measure_config measures[MEASURE_BUILTIN_COUNT];
    struct {
        bool enabled, self, inclusive;
        uint32_t top_n;                         /* 0: every function */
        uint32_t measures;                      /* bit 1 << measure_kind: has function metrics */
    } function;
    attribute_rule *attributes;
    uint32_t attribute_count;
    filter_config process_filter, thread_filter, pattern_filter;
    custom_sample_type *sample_types;
    uint32_t sample_type_count;
    measure_kind folded_measure;                /* the stacks PTM_FORMAT_FOLDED writes */
    uint32_t cardinality_limit;                 /* series per metric, >= 1 */
    uint64_t max_input_bytes;                   /* refuse larger inputs */
    bool cumulative;                            /* temporality: the converter keeps series */
    /* copy_resource_attributes: every scalar one (but service.name,
     * service.namespace, service.instance.id), or the keys listed. */
    bool copy_all_resource_attributes;
    const char **copied_keys;
    uint32_t copied_key_count;
    arena_vector patterns;                      /* every pattern, for freeing */
} ptm_config;

/*
 * Parses text (may be NULL/empty for the defaults) into *config. On failure
 * returns PTM_ERR_CONFIG (or PTM_ERR_NOMEM) with a one-line message in error,
 * and *config holds nothing to free. On success free with config_free().
 */
/* Parses text into config. Returns status->code after recording any failure
 * in status: PTM_ERR_CONFIG naming the key path, or PTM_ERR_NOMEM. */
ptm_result config_parse(ptm_config *config, const char *text, size_t text_size,
                        const ptm_allocator *allocator, ptm_status *status);
void config_free(ptm_config *config);

#endif /* PTM_CONFIG_H */
