/*
 * aggregate.c: the series hash table, cardinality limit, top-N and ordering.
 */
#include "convert/aggregate.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>


/*
 * Multilinear hashing (Lemire and Kaser, "Strongly universal string hashing
 * is fast", 2014): (m[0] + m[1]·id[0] + ... + m[8]·id[7]) mod 2^64, whose top
 * 32 bits two distinct keys share with probability about 2^-31 over random
 * 64-bit multipliers, whatever ids a sender arranges (hash.h). The
 * multipliers come from the converter's secret key. Eight multiplications a
 * key: SipHash here was a tenth of all instructions, as this runs several
 * times per sample.
 */
static uint64_t key_hash(const series_aggregator *aggregator, const series_key *key)
{
    const uint64_t *m = aggregator->multipliers;
    uint64_t h = m[0] + m[1] * key->metric + m[2] * key->resource + m[3] * key->snapshot +
                 m[4] * key->thread + m[5] * key->process + m[6] * key->function +
                 m[7] * key->rules + m[8] * key->overflow;
    return h >> 32;
}

/* Keys compare as four words: series_key has no padding. (memcmp would do,
 * but wasi-libc's compares a byte at a time, and this runs on every probe.) */
static bool key_equals(const series_key *a, const series_key *b)
{
    uint64_t x[4], y[4];
    memcpy(x, a, sizeof x);
    memcpy(y, b, sizeof y);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}
_Static_assert(sizeof(series_key) == 4 * sizeof(uint64_t), "key_equals compares four words");

/* A slot holds the index + 1 of its series (0: empty) in its low half and
 * that series' key hash in its high half, so that a probe passes another
 * key, and grow() places a series, without reading the series. */
static inline uint32_t slot_series(uint64_t slot)
{
    return (uint32_t)slot;
}

static inline uint32_t slot_hash(uint64_t slot)
{
    return (uint32_t)(slot >> 32);
}

/* Where a key is or would go, and its hash. */
typedef struct probe {
    uint32_t slot;
    uint32_t hash;
} probe;

bool aggregator_init(series_aggregator *aggregator, arena *a, const hash_key *key,
                     uint32_t metric_count, uint32_t limit)
{
    memset(aggregator, 0, sizeof *aggregator);
    aggregator->arena = a;
    for (uint64_t i = 0; i < sizeof aggregator->multipliers / sizeof aggregator->multipliers[0]; i++)
        aggregator->multipliers[i] = hash_words(key, &i, 1);
    aggregator->limit = limit;
    aggregator->overflow_resource = UINT32_MAX;
    aggregator->slot_mask = 63; /* grows at half full: small inputs, small tables */
    aggregator->slots = arena_calloc(a, aggregator->slot_mask + 1, sizeof(uint64_t));
    aggregator->metric_series = arena_calloc(a, metric_count + 1, sizeof(uint32_t));
    aggregator->metric_count = metric_count;
    return aggregator->slots != NULL && aggregator->metric_series != NULL;
}

static bool grow(series_aggregator *aggregator)
{
    uint32_t slot_count = (aggregator->slot_mask + 1) * 2;
    uint64_t *slots = arena_calloc(aggregator->arena, slot_count, sizeof(uint64_t));
    if (slots == NULL)
        return false;
    for (uint32_t i = 0; i <= aggregator->slot_mask; i++) {
        uint64_t entry = aggregator->slots[i];
        if (slot_series(entry) == 0)
            continue;
        uint32_t slot = slot_hash(entry) & (slot_count - 1);
        while (slots[slot] != 0)
            slot = (slot + 1) & (slot_count - 1);
        slots[slot] = entry;
    }
    aggregator->slots = slots;
    aggregator->slot_mask = slot_count - 1;
    return true;
}

/* The slot holding key, or the empty slot where it would go. */
static probe find_slot(const series_aggregator *aggregator, const series_key *key)
{
    const series *items = aggregator->series.items;
    uint32_t hash = (uint32_t)key_hash(aggregator, key);
    uint32_t slot = hash & aggregator->slot_mask;
    for (;;) {
        uint64_t entry = aggregator->slots[slot];
        if (slot_series(entry) == 0 ||
            (slot_hash(entry) == hash && key_equals(&items[slot_series(entry) - 1].key, key)))
            return (probe){slot, hash};
        slot = (slot + 1) & aggregator->slot_mask;
    }
}

/* Creates the series of key in the empty slot find_slot() gave for it; NULL
 * when memory ran out. */
static series *insert_at(series_aggregator *aggregator, const series_key *key, probe at)
{
    series *s = vector_push(aggregator->arena, &aggregator->series, sizeof(series));
    if (s == NULL)
        return NULL;
    s->key = *key;
    s->start = UINT64_MAX;
    s->order = aggregator->series.count - 1;
    aggregator->slots[at.slot] = (uint64_t)at.hash << 32 | aggregator->series.count;
    if ((uint64_t)aggregator->series.count * 2 > (uint64_t)aggregator->slot_mask + 1 &&
        !grow(aggregator))
        return NULL;
    assert((uint64_t)aggregator->series.count * 2 <= (uint64_t)aggregator->slot_mask + 1);
    return &((series *)aggregator->series.items)[aggregator->series.count - 1];
}

/* Finds or creates the series of key; NULL when memory ran out. */
static series *series_for(series_aggregator *aggregator, const series_key *key)
{
    probe at = find_slot(aggregator, key);
    uint32_t found = slot_series(aggregator->slots[at.slot]);
    if (found != 0)
        return &((series *)aggregator->series.items)[found - 1];
    return insert_at(aggregator, key, at);
}

bool aggregate_holds(const series_aggregator *aggregator, const series_key *key)
{
    return slot_series(aggregator->slots[find_slot(aggregator, key).slot]) != 0;
}

static series_key overflow_key(const series_aggregator *aggregator, const series_key *key)
{
    uint32_t resource = aggregator->overflow_resource != UINT32_MAX ? aggregator->overflow_resource : key->resource;
    series_key overflow = {.metric = key->metric, .resource = resource, .snapshot = key->snapshot, .overflow = 1};
    return overflow;
}

bool aggregate_target(series_aggregator *aggregator, const series_key *key, uint32_t *index)
{
    probe at = find_slot(aggregator, key);
    if (slot_series(aggregator->slots[at.slot]) != 0) {
        *index = slot_series(aggregator->slots[at.slot]) - 1;
        return true;
    }
    series *s;
    if (!key->overflow && aggregator->metric_series[key->metric] >= aggregator->limit &&
        (aggregator->held == NULL || !aggregator->held(aggregator->held_context, key))) {
        series_key overflow = overflow_key(aggregator, key);
        aggregator->overflowed++;
        s = series_for(aggregator, &overflow);
    } else {
        s = insert_at(aggregator, key, at);
        if (s != NULL && !key->overflow)
            aggregator->metric_series[key->metric]++;
    }
    if (s == NULL)
        return false;
    *index = (uint32_t)(s - (series *)aggregator->series.items);
    return true;
}

bool aggregate_add(series_aggregator *aggregator, const series_key *key, int64_t value,
                   uint64_t start, uint64_t end, uint32_t *index)
{
    uint32_t target;
    if (!aggregate_target(aggregator, key, &target))
        return false;
    series_accumulate(&((series *)aggregator->series.items)[target], value, start, end);
    if (index != NULL)
        *index = target;
    return true;
}

void aggregate_truncate(series_aggregator *aggregator, uint32_t count, uint64_t overflowed)
{
    series *items = aggregator->series.items;
    for (uint32_t i = count; i < aggregator->series.count; i++) {
        if (!items[i].key.overflow)
            aggregator->metric_series[items[i].key.metric]--;
    }
    aggregator->series.count = count;
    aggregator->overflowed = overflowed;
    /* Open addressing has no removal: the slots are placed again. */
    memset(aggregator->slots, 0, ((size_t)aggregator->slot_mask + 1) * sizeof *aggregator->slots);
    for (uint32_t i = 0; i < count; i++) {
        probe at = find_slot(aggregator, &items[i].key);
        aggregator->slots[at.slot] = (uint64_t)at.hash << 32 | (i + 1);
    }
}

/* qsort comparators over series pointers. */
static int by_value_descending(const void *a, const void *b)
{
    const series *x = *(series *const *)a, *y = *(series *const *)b;
    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}


/* Folds the series of one function metric beyond top_n into overflow. */
static bool fold_beyond_top(series_aggregator *aggregator, uint32_t metric, uint32_t top_n)
{
    uint32_t count = 0;
    series *items = aggregator->series.items;
    uint32_t total = aggregator->series.count;
    for (uint32_t i = 0; i < total; i++)
        count += items[i].key.metric == metric && !items[i].key.overflow && items[i].value >= 0;
    if (count <= top_n)
        return true;
    series **ranked = arena_alloc(aggregator->arena, (size_t)count * sizeof(series *));
    if (ranked == NULL)
        return false;
    uint32_t n = 0;
    for (uint32_t i = 0; i < total; i++) {
        if (items[i].key.metric == metric && !items[i].key.overflow && items[i].value >= 0)
            ranked[n++] = &items[i];
    }
    qsort(ranked, n, sizeof *ranked, by_value_descending);
    /* By index from here: series_for may move the array (the old copy stays
     * in the arena, stale), so no pointer into it survives a call. */
    uint32_t *folding = arena_alloc(aggregator->arena, (size_t)(n - top_n) * sizeof(uint32_t));
    if (folding == NULL)
        return false;
    for (uint32_t i = top_n; i < n; i++)
        folding[i - top_n] = (uint32_t)(ranked[i] - items);
    for (uint32_t i = 0; i < n - top_n; i++) {
        series *folded_at = &((series *)aggregator->series.items)[folding[i]];
        series folded = *folded_at;
        folded_at->value = -1; /* marks a folded series; real values are >= 0 */
        series_key key = overflow_key(aggregator, &folded.key);
        series *target = series_for(aggregator, &key);
        if (target == NULL)
            return false;
        series_accumulate(target, folded.value, folded.start, folded.end);
        aggregator->overflowed++;
    }
    return true;
}

/* The output bucket of s: its resource, then its metric. */
static size_t output_bucket(const series_aggregator *aggregator, const series *s)
{
    return (size_t)s->key.resource * aggregator->metric_count + s->key.metric;
}

bool aggregate_finish(series_aggregator *aggregator, uint32_t top_n, const bool *is_function_metric,
                      series ***ordered, uint32_t *count)
{
    if (top_n > 0) {
        for (uint32_t metric = 0; metric < aggregator->metric_count; metric++) {
            if (is_function_metric[metric] && !fold_beyond_top(aggregator, metric, top_n))
                return false;
        }
    }
    /* By (resource, metric, first sight): a counting sort on (resource,
     * metric), whose buckets fill in index order, which is first-sight order
     * (insert_at). Linear: the buckets number resources x metrics. */
    series *items = aggregator->series.items;
    uint32_t total = aggregator->series.count;
    uint32_t resources = 0;
    for (uint32_t i = 0; i < total; i++) {
        if (items[i].key.resource >= resources)
            resources = items[i].key.resource + 1;
    }
    size_t buckets = (size_t)resources * aggregator->metric_count;
    uint32_t *starts = arena_calloc(aggregator->arena, buckets + 1, sizeof(uint32_t));
    series **list = arena_alloc(aggregator->arena, ((size_t)total + 1) * sizeof(series *));
    if (starts == NULL || list == NULL)
        return false;
    for (uint32_t i = 0; i < total; i++) {
        if (items[i].value >= 0)
            starts[output_bucket(aggregator, &items[i]) + 1]++;
    }
    for (size_t bucket = 0; bucket < buckets; bucket++)
        starts[bucket + 1] += starts[bucket];
    uint32_t n = starts[buckets];
    for (uint32_t i = 0; i < total; i++) {
        if (items[i].value >= 0)
            list[starts[output_bucket(aggregator, &items[i])]++] = &items[i];
    }
    *ordered = list;
    *count = n;
    return true;
}
