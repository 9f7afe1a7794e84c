/*
 * aggregate.h: series accumulation with a cardinality limit per metric.
 *
 * A series is one data point to be: a metric, a resource, and the interned
 * ids of its attribute values. Series live in an open-addressing hash table
 * keyed by the whole key; values are exact integers (ns, bytes, counts),
 * divided only when written out. Invariant: the table is at most half full.
 *
 * Cardinality: each metric may have at most `limit` distinct attribute sets
 * over one conversion; a value whose series would exceed it is added to the
 * overflow series of its (metric, resource[, snapshot]) instead, so totals
 * stay exact (or, with overflow_resource set, of (metric, that resource)). aggregate_finish() applies top_n to function metrics the same
 * way, then orders series for the encoders: by resource, metric, first sight.
 */
#ifndef PTM_AGGREGATE_H
#define PTM_AGGREGATE_H

#include "base/arena.h"
#include "base/hash.h"

typedef struct series_key {
    uint32_t metric;
    uint32_t resource;
    uint32_t snapshot;   /* gauges: the profile's serial number + 1; sums: 0 */
    uint32_t thread;     /* interned thread.name, or INTERN_NONE */
    uint32_t process;    /* interned process.executable.name, or INTERN_NONE */
    uint32_t function;   /* interned code.function.name, or INTERN_NONE */
    uint32_t rules;      /* the configured rules' values: an index into the
                            conversion's rule sets (0 for overflow series) */
    uint32_t overflow;   /* 1 for the overflow series */
} series_key;
/* aggregate.c compares keys with memcmp: no padding may hide in one. */
_Static_assert(sizeof(series_key) == 8 * sizeof(uint32_t), "series_key has padding");

typedef struct series {
    series_key key;
    int64_t value;       /* saturates at INT64_MAX */
    uint64_t start;      /* earliest start of what fed it */
    uint64_t end;        /* latest end */
    uint32_t order;      /* first-seen order: its index in the series vector */
} series;

typedef struct series_aggregator {
    arena *arena;
    uint64_t multipliers[9];   /* of key_hash, drawn from the converter's secret key */
    uint32_t limit;            /* distinct attribute sets per metric */
    uint32_t overflow_resource; /* UINT32_MAX (aggregator_init's): a value past the
                                   limit goes to the overflow series of its own
                                   resource; else to that of this resource, so a
                                   metric has one overflow series in all */
    uint64_t *slots;           /* the series' index+1 (0 = empty) | its key hash << 32 (aggregate.c) */
    uint32_t slot_mask;
    arena_vector series;       /* series */
    uint32_t *metric_series;   /* non-overflow series per metric */
    uint32_t metric_count;
    uint64_t overflowed;       /* values added to an overflow series */
    /* Set when a store will absorb these series (cumulative_watch): asked
     * of a new key past the limit, whether the store holds it; a held key
     * gets its own series instead of the overflow series, because the
     * store's limit is over what it holds. NULL: nothing is held. */
    bool (*held)(void *context, const series_key *key);
    void *held_context;
} series_aggregator;

bool aggregator_init(series_aggregator *aggregator, arena *a, const hash_key *key,
                     uint32_t metric_count, uint32_t limit);

/* Whether the aggregator has a series of key (nothing is added). */
bool aggregate_holds(const series_aggregator *aggregator, const series_key *key);

/* The series values of key go to (its own, made now if new, or its
 * metric's overflow series past the limit), in *index, nothing added;
 * false when memory ran out. */
bool aggregate_target(series_aggregator *aggregator, const series_key *key, uint32_t *index);

/* Forgets the series from count on (made since the count was taken, none
 * of them added to since) and sets overflowed back: undoes
 * aggregate_target() calls that a failure left half done. */
void aggregate_truncate(series_aggregator *aggregator, uint32_t count, uint64_t overflowed);

/* Adds value to the series of key (or to its overflow series). When index
 * is not NULL, stores the index of the series the value went to: where the
 * same key's values will always go, so a caller may cache it for
 * aggregate_add_at(). False when memory ran out. */
bool aggregate_add(series_aggregator *aggregator, const series_key *key, int64_t value,
                   uint64_t start, uint64_t end, uint32_t *index);


/* Adds value to s: its sum saturates at INT64_MAX, its span widens. */
static inline void series_accumulate(series *s, int64_t value, uint64_t start, uint64_t end)
{
    if (__builtin_add_overflow(s->value, value, &s->value))
        s->value = INT64_MAX;
    if (start < s->start)
        s->start = start;
    if (end > s->end)
        s->end = end;
}

/* Adds value to the series at index (from aggregate_add), uncounted. */
static inline void aggregate_add_at(series_aggregator *aggregator, uint32_t index, int64_t value,
                                    uint64_t start, uint64_t end)
{
    series_accumulate(&((series *)aggregator->series.items)[index], value, start, end);
}

/* Adds value to the series at index, which aggregate_add gave for a key, as
 * aggregate_add of that key would now: an overflow series counts the value
 * in overflowed (the key's own series cannot have appeared since: the
 * metric's count of series only grows). */
static inline void aggregate_add_again(series_aggregator *aggregator, uint32_t index, int64_t value,
                                       uint64_t start, uint64_t end)
{
    series *s = &((series *)aggregator->series.items)[index];
    if (s->key.overflow)
        aggregator->overflowed++;
    series_accumulate(s, value, start, end);
}

/*
 * Folds all but the top_n largest series of each metric flagged in
 * is_function_metric into overflow series (top_n 0: none), and returns the
 * series ordered by (resource, metric, first sight) in *ordered. False when
 * memory ran out.
 */
bool aggregate_finish(series_aggregator *aggregator, uint32_t top_n, const bool *is_function_metric,
                      series ***ordered, uint32_t *count);

#endif /* PTM_AGGREGATE_H */
