/*
 * pipeline.h: one conversion, from decoded parts to aggregated series.
 *
 * convert.c implements decode.h's handler (identity.c the identities of
 * resources and rule sets, and point attributes): per request it extracts the
 * configured attributes, per resource it records what the encoders need and
 * what samples inherit, per scope it classifies the profiles, and per sample
 * it validates, filters and aggregates. The encoders (encode_*.c) then read
 * the records and the ordered series.
 *
 * Memory: what the output needs (series, strings, resources, rule sets,
 * filter caches) lives in the conversion's arena and dies with it; what
 * only one request needs (its dictionary and decode, per-stack caches,
 * profile plans, attribute values being put together) lives in its request
 * arena. The two are one arena when the whole input stays in memory; a
 * caller converting JSON requests one at a time gives a request arena of its
 * own and resets it between requests, and the conversion then copies what
 * outlives a request (interned strings, resource attributes, rule values)
 * into its arena.
 */
#ifndef PTM_PIPELINE_H
#define PTM_PIPELINE_H

#include "convert/aggregate.h"
#include "convert/attributes.h"
#include "convert/breakdown.h"
#include "convert/classify.h"
#include "decode/decode.h"
#include "convert/filters.h"
#include "convert/symbolize.h"

/* A time plus a duration (nanoseconds since the epoch): UINT64_MAX when
 * the sum passes it, so that no point ends before it starts (time_unix_nano
 * near 2^64 and a duration would wrap). Every end computed from a start and
 * a duration goes through it. */
static inline uint64_t time_add_saturating(uint64_t time, uint64_t duration)
{
    uint64_t end;
    return __builtin_add_overflow(time, duration, &end) ? UINT64_MAX : end;
}

typedef struct request_record {
    profile_dictionary *dictionary;
    arena_vector extracted;          /* extracted_attribute, from the config's rules */
} request_record;

/*
 * An output resource: one per distinct identity, however many input
 * ResourceProfiles (in one request or several) share it. The identity is the
 * canonical form of its attributes (reference-based keys and values resolved,
 * re-encoded as a Resource message body) and its schema URL. Nothing here
 * points into a request's dictionary: attributes are canonical AnyValue
 * bytes, so the encoders and the cumulative store read them with no
 * dictionary.
 */
/* A resource attribute copied onto points: its key, canonical AnyValue and
 * whole KeyValue message (which the OTLP encoder writes as it is). */
typedef struct copied_attribute {
    byte_slice key;
    byte_slice value;
    byte_slice message;
} copied_attribute;

typedef struct resource_record {
    const key_value_ref *attributes; /* keys resolved; values canonical AnyValue */
    const byte_slice *messages;      /* each attribute's canonical KeyValue message */
    uint32_t attribute_count;
    uint32_t dropped_attributes_count;
    byte_slice schema_url;
    byte_slice canonical;            /* the attributes as a Resource message body */
    const copied_attribute *copied;  /* copy_resource_attributes: scalar ones */
    uint32_t copied_count;
} resource_record;

/* The values the configured attribute rules gave one request, less those
 * its resource shadows: part of every series key (series_key.rules). */
typedef struct rule_set {
    const extracted_attribute *items;
    uint32_t count;
} rule_set;

/* What the walk knows about the ResourceProfiles being read. */
typedef struct resource_walk {
    uint32_t record;                 /* index into conversion.resources */
    uint32_t rules;                  /* index into conversion.rule_sets */
    attribute_scan scan;             /* thread/process names on the resource */
    uint8_t pattern_bits;            /* pattern filter over its string values */
} resource_walk;

/* The conversion's own per-stack state, for the current request (indexed by
 * stack, like the dictionary's stack_info, which stays read-only). */
typedef struct stack_cache {
    uint8_t pattern_bits;     /* pattern-filter bits of its function names, once known */
    bool pending;             /* on conversion.pending_stacks, holding pending_* */
    /* The series its function values go to, valid while conversion.series_context
     * equals context (0, INTERN_NONE: never resolved). */
    uint32_t context;
    uint32_t *series_indices; /* [0] self, [1 + i] inclusive of functions[i] */
    /* Values of this stack's samples not yet added to its function series:
     * added at the next change of context (flush_pending_stacks in
     * convert.c), so that a repeated stack costs one addition, not one per
     * function. Sums of non-negative values saturate the same either way. */
    int64_t pending_value;
    uint64_t pending_end;
} stack_cache;

/* Per interned function name, in the current series context: its function
 * series (or the overflow series its values go to), so that the first sight
 * of a stack finds those of its functions without hashing. A slot is valid
 * while its context equals the conversion's series_context. */
typedef struct function_series_slot {
    uint32_t self_context, self_index;
    uint32_t inclusive_context, inclusive_index;
} function_series_slot;

/* What the series of a profile's samples depend on besides their attributes:
 * samples of two profiles with equal contexts share series. Compared as
 * bytes (interned): no padding. */
typedef struct series_context_key {
    uint32_t resource, rules, snapshot;
    int32_t base_metric, self_metric, inclusive_metric;
} series_context_key;
_Static_assert(sizeof(series_context_key) == 6 * sizeof(uint32_t), "series_context_key has padding");

/* A remembered base-metric series: that of (thread, process) in a series
 * context. A cache, direct-mapped: a collision costs a lookup, not a wrong
 * series (every field is compared). */
typedef struct base_series_memo {
    uint32_t context, thread, process, index;
} base_series_memo;
enum { BASE_SERIES_MEMO_BITS = 8, BASE_SERIES_MEMOS = 1 << BASE_SERIES_MEMO_BITS };

/* The latest profile of a resource that folded a gauge measure's stack:
 * the greatest end (time_unix_nano + duration_nano), on a tie the later. */
typedef struct folded_snapshot {
    uint32_t serial;                 /* profile serial; 0: none yet */
    uint64_t end;
} folded_snapshot;

typedef struct conversion {
    const ptm_config *config;
    /* Symbolization (symbolize.h): the converter's symbolizer; with files
     * (a C host's), each request's files are read as it is converted; with
     * scan_only, requests are planned and nothing is converted. */
    symbolizer *symbols;
    const ptm_file_source *files;
    bool scan_only;
    const metric_table *metrics;
    arena *arena;                    /* what the output needs */
    arena *request_arena;            /* what the current request needs (may be arena) */
    hash_key hash_key;               /* the converter's secret key (hash.h) */
    ptm_status *status;              /* the call's (status.h) */
    string_interner interner;
    series_aggregator aggregator;
    filter_cache process_cache, thread_cache, pattern_cache;
    request_record request;          /* the current request's */
    arena_vector resources;          /* resource_record, distinct identities */
    string_interner identities;      /* resource identity → id = index + 1 */
    arena_vector rule_sets;          /* rule_set, distinct; [0] is the empty set */
    string_interner rule_identities; /* rule set identity → id = index + 1 */
    ptm_stats stats;
    const char *shadowed_key;        /* the first rule key a resource shadowed */
    uint32_t max_copied;             /* most copied attributes of one resource */
    uint32_t max_rule_items;         /* most items of one rule set */
    breakdown_state breakdowns;      /* breakdown and rule metrics (breakdown.h) */

    /* The walk's position. */
    profile_dictionary *dictionary;  /* of the current request */
    stack_cache *stack_caches;       /* of the current request: stacks.count + 1 */
    arena_vector pending_stacks;     /* uint32_t: stacks with pending values */
    string_interner contexts;        /* series_context_key bytes → id */
    uint32_t series_context;         /* the current profile's context id: equal contexts, equal ids */
    function_series_slot *function_slots; /* by interned id; function_slot_count of them */
    base_series_memo base_memos[BASE_SERIES_MEMOS];
    uint32_t function_slot_count;
    resource_walk resource;          /* of the current ResourceProfiles */
    profile_plan *plans;             /* of the current scope */
    uint32_t plan_cursor;
    const profile_plan *plan;        /* of the current profile */
    attribute_scan profile_scan;     /* profile attributes only */
    uint8_t profile_pattern_bits;    /* profile and resource subjects */
    uint64_t profile_time;           /* the profile's time_unix_nano */
    uint64_t profile_start;          /* its series' start: the time, or 0 (since_start plans) */
    uint64_t profile_duration;
    uint32_t snapshot;               /* series_key.snapshot for gauges */
    int8_t profile_measure;          /* the summed measure its samples count in
                                        (measure_totals), or -1; -1 unless
                                        stacks are collected */
    uint32_t profile_serial;

    /* Folded stacks (PTM_FORMAT_FOLDED), collected when collect_folded:
     * key bytes (process id, thread id, frame ids root first; interned
     * names) → id; folded_values[id - 1] the sum of the kept samples of
     * config->folded_measure with that key. A gauge measure's (in-use)
     * keys start with two more ids, the resource record and the profile
     * serial: a snapshot is never summed across profiles, so only the
     * latest profile of each resource is written (conversion_folded_key). */
    bool collect_folded;
    bool folded_profile;             /* the current profile's measure is folded_measure */
    bool folded_snapshots;           /* folded_measure is a gauge: keys have the prefix */
    arena_vector folded_latest;      /* folded_snapshot, by resource record */
    string_interner folded_keys;
    arena_vector folded_values;      /* int64_t */
    arena_vector folded_scratch;     /* uint32_t: the key being built */
    uint32_t top_count;              /* rows per table of PTM_FORMAT_TOP */

    /* The kept samples' values of each summed measure (accumulated units:
     * ns, bytes, count), a Go heap profile's since-start allocations
     * included: PTM_FORMAT_TOP's totals, summed only when collect_folded. */
    int64_t measure_totals[BREAKDOWN_MEASURE_COUNT];

    /* The result, after conversion_finish(). */
    series **ordered;
    uint32_t ordered_count;
} conversion;

/* Starts a conversion in a, its requests' own data in request_arena (a
 * itself, or an arena the caller resets between requests: strings are then
 * copied into a); every table hashes under key (copied); what fails in the
 * conversion's stages is recorded in status. */
bool conversion_init(conversion *c, const ptm_config *config, const metric_table *metrics,
                     const hash_key *key, arena *a, arena *request_arena, ptm_status *status);
/* The resource of this identity (adding it): canonical attributes, schema
 * URL. The index, or -1 when memory ran out. */
int64_t conversion_resource(conversion *c, const resource_record *candidate);
/* The rule set of these values (adding it); the index, or -1 when memory ran out. */
int64_t conversion_rule_set(conversion *c, const rule_set *candidate);
/* The rule set of the current request's configured attributes that resource
 * does not shadow (a resource attribute of the same key wins; each shadowed
 * rule is counted in the stats). The index, or -1 when memory ran out. */
int64_t conversion_settle_rules(conversion *c, const resource_record *resource);
/* Makes the conversion collect folded stacks (call before any input).
 * False when memory ran out. */
bool conversion_collect_folded(conversion *c);
/* The stack of folded key id (process id, thread id, frame ids root
 * first) in *stack; false when the key is of a gauge snapshot that a later
 * profile of its resource superseded (it is not written). */
bool conversion_folded_key(const conversion *c, uint32_t id, byte_slice *stack);
/* The handler to pass to decode_request(). */
decode_handler conversion_handler(conversion *c);
/* Applies top_n and orders the series. False when memory ran out. */
bool conversion_finish(conversion *c);

/* Writes attributes (values raw, strindex members possible) as the body of
 * a Resource message: repeated KeyValue field 1, every reference-based key and
 * string resolved against dictionary, nesting past ANY_VALUE_MAX_DEPTH
 * written empty, into a's memory. The result reads back with no dictionary
 * (canonical_attributes.c). */
bool otlp_canonical_attributes(const profile_dictionary *dictionary, const key_value_ref *attributes,
                               uint32_t count, arena *a, byte_slice *out);

/* What the value of a point attribute is. */
typedef enum point_value_kind {
    POINT_STRING = 0,    /* value is the text */
    POINT_TRUE,          /* boolean true (otel.metric.overflow) */
    POINT_ANY            /* value is canonical AnyValue bytes (a copied resource attribute) */
} point_value_kind;

/* One attribute of a data point. */
typedef struct point_attribute {
    byte_slice key;
    byte_slice value;
    point_value_kind kind;
    byte_slice message;  /* POINT_ANY: the canonical KeyValue message */
} point_attribute;

/* The resource record of a series. */
static inline const resource_record *series_resource(const conversion *c, const series *s)
{
    return &((const resource_record *)c->resources.items)[s->key.resource];
}

/* The number of attributes a point of this conversion may have at most. */
uint32_t point_attribute_capacity(const conversion *c);
/* Fills out[] with the attributes of s, returns how many. */
uint32_t point_attributes(const conversion *c, const series *s, point_attribute *out);
/* The copied resource attributes max_point_attributes leaves off s's point
 * (stats.attributes_dropped). */
uint32_t point_attributes_left_off(const conversion *c, const series *s);

/* The value of s as its metric writes it. */
static inline double series_double_value(const metric_def *def, const series *s)
{
    return (double)s->value / def->divisor;
}

#endif /* PTM_PIPELINE_H */
