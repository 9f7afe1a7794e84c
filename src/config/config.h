/*
 * config.h: the converter's configuration, parsed and validated once.
 *
 * config_parse() reads the JSON text (cJSON), refuses unknown keys and wrong
 * types with a message naming the key path, and compiles every regex once.
 * Strings live in the config's own arena; patterns are owned by the config.
 * The keys and defaults are documented in docs/configuration.md.
 */
#ifndef PTM_CONFIG_H
#define PTM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "config/pattern.h"
#include "base/status.h"

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

/* The breakdowns of a sample by its leaf frame (docs/metrics.md, "Breakdowns"). */
typedef enum breakdown_kind {
    BREAKDOWN_FRAME_TYPE = 0, /* profile.frame.type of the leaf location */
    BREAKDOWN_LIBRARY,        /* shared library of a native leaf */
    BREAKDOWN_KERNEL,         /* kernel area of a kernel leaf's stack */
    BREAKDOWN_PACKAGE,        /* package or class of a managed leaf */
    BREAKDOWN_KIND_COUNT
} breakdown_kind;

/* The measures breakdowns and rules may count: the first five measure_kinds
 * (cpu, off_cpu, wall, memory, allocations), not the in-use snapshots. */
enum { BREAKDOWN_MEASURE_COUNT = MEASURE_INUSE };

/* A recording rule ("rules" key): the time or bytes of the samples whose
 * leaf (self) or any frame (inclusive) is a function functions matches. */
enum { RULE_MAX = 64, RULE_GROUP_BY_MAX = 8 };

/* The other configuration lists' caps (docs/security.md, Limits): over one,
 * the configuration is refused with "<key>: has N entries; at most M". */
enum {
    ATTRIBUTE_RULE_MAX = 1000,   /* attributes */
    PATTERN_LIST_MAX = 1000,     /* each filter's patterns and exclude_patterns, a rule's functions */
    SAMPLE_TYPE_MAX = 256,       /* sample_types */
    COPIED_KEY_MAX = 1000,       /* copy_resource_attributes */
    SYMBOLIZE_LIST_MAX = 64,     /* symbolize.paths, symbolize.debuginfod */
    MEASURE_LIST_MAX = 64        /* breakdowns.measures, a rule's sample_types, metrics.function.measures */
};
typedef struct recording_rule {
    const char *metric_name;
    const char *description;
    pattern_list functions;      /* a function matches when any of them does */
    bool inclusive;              /* mode inclusive (the default) or self */
    const char **group_by;       /* attribute keys, sample → profile → resource */
    uint32_t group_by_count;
    const char **attribute_keys; /* constant attributes, with attribute_values */
    const char **attribute_values;
    uint32_t attribute_count;
    uint32_t measures;           /* bit 1 << measure_kind, of one value family */
    measure_kind unit_measure;   /* the first: the metric's unit */
} recording_rule;

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
    struct {
        bool kinds[BREAKDOWN_KIND_COUNT];       /* which breakdowns, all off by default */
        uint32_t measures;                      /* bit 1 << measure_kind; default cpu */
    } breakdowns;
    recording_rule *rules;
    uint32_t rule_count;                        /* <= RULE_MAX */
    measure_kind folded_measure;                /* the stacks PTM_FORMAT_FOLDED writes */
    uint32_t cardinality_limit;                 /* series per metric, >= 1 */
    uint64_t max_input_bytes;                   /* refuse larger inputs */
    uint64_t max_memory_bytes;                  /* the converter's memory budget (memory_budget.h) */
    uint64_t max_output_bytes;                  /* what a conversion or flush may write */
    uint32_t max_point_attributes;              /* a point's attributes, at most: copied ones past it are left off */
    bool cumulative;                            /* temporality: the converter keeps series */
    uint64_t metrics_expiration;                /* ns a held series may stay idle; 0: forever */
    /* copy_resource_attributes: every scalar one (but service.name,
     * service.namespace, service.instance.id), or the keys listed. */
    bool copy_all_resource_attributes;
    const char **copied_keys;
    uint32_t copied_key_count;
    /* self_frame: "interpreted" (true, the default): a sample whose leaf
     * frames are native code under an interpreted or managed frame gives its
     * self time to the innermost such frame; "leaf" (false): to the leaf. */
    bool self_interpreted;
    /* symbolize: where the files of native frames are looked for (see
     * symbolize.h). enabled when any source is given. */
    struct {
        bool enabled;
        const char **paths;                     /* directories, in order */
        uint32_t path_count;
        const char *root;                       /* "" or a prefix of process.executable.path; {pid} */
        const char **debuginfod;                /* server base URLs, in order */
        uint32_t debuginfod_count;
        uint64_t cache_bytes;                   /* symbol tables held, by build ID */
    } symbolize;
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
