/*
 * classify.h: which metric each sample feeds, decided once per profile.
 *
 * At converter creation the configuration becomes a metric table: the
 * built-in measures in a fixed order, then the four function metrics, then
 * the custom sample types. Per scope, every profile is classified from its
 * (sample_type, period_type, period) into a profile_plan: keep (which metrics,
 * and the integer factor from raw values to ns, bytes or counts), skip, or
 * invalid. See docs/semantics.md, "Sample types".
 */
#ifndef PTM_CLASSIFY_H
#define PTM_CLASSIFY_H

#include "config/config.h"
#include "decode/decode.h"

typedef enum metric_role {
    METRIC_BASE = 0,        /* per process/thread */
    METRIC_FUNCTION_SELF,   /* per leaf function */
    METRIC_FUNCTION_INCLUSIVE, /* per distinct function on the stack */
    METRIC_BREAKDOWN,       /* per value of a leaf-frame breakdown (breakdown.h) */
    METRIC_RULE             /* a recording rule's */
} metric_role;

typedef struct metric_def {
    const char *name;
    const char *unit;
    const char *description;
    bool gauge;
    /* A running total since the process started (the alloc_* types of a Go
     * heap profile): kept as a gauge is, the latest profile's and never
     * summed across profiles, but written as a cumulative monotonic Sum
     * without a start time. */
    bool since_start;
    bool is_double;
    bool enabled;
    double divisor;         /* accumulated value / divisor = metric value */
    metric_role role;
    bool function_metric;   /* subject to top_n */
} metric_def;

typedef struct metric_table {
    metric_def *items;      /* owned by the converter's config arena */
    uint32_t count;
    int32_t base[MEASURE_BUILTIN_COUNT];     /* metric id of each built-in measure */
    /* metric ids of each built-in measure's function metrics; -1 where the
     * measure has none (allocations and custom types) */
    int32_t function_self[MEASURE_BUILTIN_COUNT];
    int32_t function_inclusive[MEASURE_BUILTIN_COUNT];
    int32_t custom_base;                     /* first custom metric id */
    /* The since-start twins of allocated bytes and allocations (base, and
     * bytes' function metrics): same names, ids after the custom ones. */
    int32_t since_start_base[2], since_start_self, since_start_inclusive;
    /* metric id of each breakdown of each measure (after the twins), -1
     * where the config does not ask for it */
    int32_t breakdown[BREAKDOWN_KIND_COUNT][BREAKDOWN_MEASURE_COUNT];
    int32_t rule_base;                       /* metric id of config->rules[0]; the rest follow */
} metric_table;

/* Whether a metric's series hold a snapshot (a profile's value, replaced by
 * a later profile's) instead of a sum over profiles. */
static inline bool metric_is_snapshot(const metric_def *def)
{
    return def->gauge || def->since_start;
}

/* Builds the table in config->storage; false when memory ran out. */
bool metric_table_build(metric_table *table, ptm_config *config);

enum { PLAN_KEEP = 0, PLAN_SKIP, PLAN_INVALID };

typedef struct profile_plan {
    uint8_t disposition;  /* PLAN_KEEP, PLAN_SKIP or PLAN_INVALID */
    uint8_t kind;         /* classify.c's sample_kind */
    int32_t base_metric;  /* -1 when none */
    int32_t self_metric;
    int32_t inclusive_metric;
    int64_t multiplier;   /* raw value × multiplier = accumulated value */
    bool since_start;     /* its metrics are since-start twins (metric_def) */
    /* The measure its samples feed breakdowns and rules with: a built-in
     * one below BREAKDOWN_MEASURE_COUNT, summed (not a snapshot, not since
     * start); -1 for the others. */
    int8_t measure;
} profile_plan;

/* Classifies the profiles of one scope into plans[count]. */
void classify_scope(const metric_table *table, const ptm_config *config,
                    const profile_dictionary *dictionary, const decoded_profile *profiles,
                    uint32_t count, profile_plan *plans);

#endif /* PTM_CLASSIFY_H */
