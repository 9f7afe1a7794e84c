/*
 * test_aggregate.c: the series table (src/convert/aggregate.c) against a
 * model of what it promises, written the plain way: a list searched from
 * the front.
 *
 * Random adds of random keys (metrics, resources, threads, functions) with
 * random values, some near INT64_MAX, under several cardinality limits and
 * top_n: the series written, in order (by resource, then metric, then first
 * sight), their values (sums that saturate), the overflow series of each
 * (metric, resource) past the limit or folded by top_n, and the count of
 * values that went to an overflow series must be the model's exactly. Also:
 * a key seen again after the limit is full keeps its own series; one past
 * it goes to the overflow series every time.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "base/arena.h"
#include "convert/aggregate.h"

enum { METRICS = 3, RESOURCES = 3, MODEL_MAX = 4096 };

/* A series of the model. */
typedef struct model_series {
    series_key key;
    int64_t value;
    uint32_t order;  /* creation order */
    bool folded;     /* by top_n: not written */
} model_series;

typedef struct model {
    model_series items[MODEL_MAX];
    uint32_t count;
    uint32_t admitted[METRICS]; /* own (non-overflow) series per metric */
    uint32_t limit;
    uint64_t overflowed;
} model;

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static bool same_key(const series_key *a, const series_key *b)
{
    return a->metric == b->metric && a->resource == b->resource && a->snapshot == b->snapshot &&
           a->thread == b->thread && a->process == b->process && a->function == b->function &&
           a->rules == b->rules && a->overflow == b->overflow;
}

static model_series *model_find(model *m, const series_key *key)
{
    for (uint32_t i = 0; i < m->count; i++) {
        if (same_key(&m->items[i].key, key))
            return &m->items[i];
    }
    return NULL;
}

static model_series *model_create(model *m, const series_key *key)
{
    model_series *s = &m->items[m->count];
    *s = (model_series){.key = *key, .order = m->count};
    m->count++;
    return s;
}

static void model_accumulate(model_series *s, int64_t value)
{
    s->value = value > INT64_MAX - s->value ? INT64_MAX : s->value + value;
}

static series_key overflow_of(const series_key *key)
{
    return (series_key){.metric = key->metric, .resource = key->resource, .snapshot = key->snapshot, .overflow = 1};
}

/* What aggregate_add promises: the key's own series if it has one or the
 * metric has room, else its (metric, resource) overflow series. */
static void model_add(model *m, const series_key *key, int64_t value)
{
    model_series *s = model_find(m, key);
    if (s == NULL && m->admitted[key->metric] < m->limit) {
        s = model_create(m, key);
        m->admitted[key->metric]++;
    } else if (s == NULL) {
        series_key overflow = overflow_of(key);
        s = model_find(m, &overflow);
        if (s == NULL)
            s = model_create(m, &overflow);
        m->overflowed++;
    }
    model_accumulate(s, value);
}

/* top_n of one metric: all but its top_n largest own series (ties: first
 * seen first) fold into the overflow series of their resource. */
static void model_fold(model *m, uint32_t metric, uint32_t top_n)
{
    uint32_t own = 0;
    for (uint32_t i = 0; i < m->count; i++)
        own += m->items[i].key.metric == metric && !m->items[i].key.overflow;
    for (; own > top_n; own--) { /* mark the smallest, the last seen of equals */
        model_series *smallest = NULL;
        for (uint32_t i = 0; i < m->count; i++) {
            model_series *s = &m->items[i];
            if (s->key.metric != metric || s->key.overflow || s->folded)
                continue;
            if (smallest == NULL || s->value < smallest->value ||
                (s->value == smallest->value && s->order > smallest->order))
                smallest = s;
        }
        smallest->folded = true;
    }
    /* fold in descending order of value, as the table does, so overflow
     * series created now come in that order */
    for (;;) {
        model_series *largest = NULL;
        for (uint32_t i = 0; i < m->count; i++) {
            model_series *s = &m->items[i];
            if (s->key.metric == metric && s->folded && s->value >= 0 &&
                (largest == NULL || s->value > largest->value ||
                 (s->value == largest->value && s->order < largest->order)))
                largest = s;
        }
        if (largest == NULL)
            return;
        int64_t value = largest->value;
        largest->value = -1; /* folded, moved */
        series_key overflow = overflow_of(&largest->key);
        model_series *target = model_find(m, &overflow);
        if (target == NULL)
            target = model_create(m, &overflow);
        model_accumulate(target, value);
        m->overflowed++;
    }
}

/* The model's written series in output order: by resource, metric, creation. */
static uint32_t model_ordered(const model *m, const model_series **out)
{
    uint32_t n = 0;
    for (uint32_t resource = 0; resource < RESOURCES; resource++) {
        for (uint32_t metric = 0; metric < METRICS; metric++) {
            for (uint32_t i = 0; i < m->count; i++) {
                const model_series *s = &m->items[i];
                if (s->key.resource == resource && s->key.metric == metric && !s->folded)
                    out[n++] = s;
            }
        }
    }
    return n;
}

static series_key random_key(uint32_t functions)
{
    series_key key = {0};
    key.metric = (uint32_t)(next_random() % METRICS);
    key.resource = (uint32_t)(next_random() % RESOURCES);
    key.thread = (uint32_t)(next_random() % 3);            /* 0: INTERN_NONE */
    key.function = 1 + (uint32_t)(next_random() % functions);
    return key;
}

static int64_t random_value(void)
{
    uint64_t r = next_random();
    if (r % 50 == 0)
        return INT64_MAX - (int64_t)(r % 1000); /* sums saturate */
    return (int64_t)(r % 1000);
}

/* One run: adds random keys to the table and the model, finishes both, and
 * compares what they write. */
static void run(uint32_t limit, uint32_t top_n, uint32_t functions, uint32_t adds)
{
    static model m;
    memset(&m, 0, sizeof m);
    m.limit = limit;
    arena a;
    arena_init(&a, &libc_allocator);
    series_aggregator table;
    hash_key key = {0x0123456789abcdefu, 0xfedcba9876543210u};
    CHECK(aggregator_init(&table, &a, &key, METRICS, limit), "init");
    for (uint32_t i = 0; i < adds; i++) {
        series_key k = random_key(functions);
        int64_t value = random_value();
        model_add(&m, &k, value);
        CHECK(aggregate_add(&table, &k, value, 10 + i, 20 + i, NULL), "add");
    }
    bool is_function[METRICS] = {true, false, true};
    if (top_n > 0) {
        for (uint32_t metric = 0; metric < METRICS; metric++) {
            if (is_function[metric])
                model_fold(&m, metric, top_n);
        }
    }
    series **ordered = NULL;
    uint32_t count = 0;
    CHECK(aggregate_finish(&table, top_n, is_function, &ordered, &count), "finish");
    static const model_series *expected[MODEL_MAX];
    uint32_t expected_count = model_ordered(&m, expected);
    CHECK(count == expected_count, "as many series as the model");
    uint32_t mismatches = 0;
    for (uint32_t i = 0; i < count && i < expected_count; i++) {
        if (!same_key(&ordered[i]->key, &expected[i]->key) || ordered[i]->value != expected[i]->value)
            mismatches++;
    }
    CHECK(mismatches == 0, "every series the model's, in its order, with its value");
    CHECK(table.overflowed == m.overflowed, "values sent to overflow series: the model's count");
    for (uint32_t metric = 0; metric < METRICS; metric++) {
        uint32_t own = 0;
        for (uint32_t i = 0; i < count; i++)
            own += ordered[i]->key.metric == metric && !ordered[i]->key.overflow;
        CHECK(own <= limit, "at most limit own series per metric");
        CHECK(top_n == 0 || !is_function[metric] || own <= top_n, "at most top_n of a function metric");
    }
    arena_free(&a);
}

/* A key that has its series keeps it once the limit is full; a new one
 * goes to the overflow series every time it comes. */
static void test_limit_admits_the_first(void)
{
    arena a;
    arena_init(&a, &libc_allocator);
    series_aggregator table;
    hash_key key = {1, 2};
    CHECK(aggregator_init(&table, &a, &key, 1, 2), "init");
    series_key first = {.resource = 0, .function = 1}, second = {.resource = 0, .function = 2};
    series_key third = {.resource = 0, .function = 3};
    CHECK(aggregate_add(&table, &first, 5, 1, 2, NULL) && aggregate_add(&table, &second, 7, 1, 2, NULL), "two fit");
    uint32_t at = UINT32_MAX;
    CHECK(aggregate_add(&table, &third, 11, 1, 2, &at) && aggregate_add(&table, &third, 13, 1, 2, NULL), "third");
    CHECK(aggregate_add(&table, &first, 17, 1, 2, NULL), "first again");
    series **ordered;
    uint32_t count;
    bool is_function[1] = {true};
    CHECK(aggregate_finish(&table, 0, is_function, &ordered, &count), "finish");
    CHECK(count == 3, "first, second, one overflow series");
    CHECK(count == 3 && ordered[0]->key.function == 1 && ordered[0]->value == 22, "first: 5 + 17");
    CHECK(count == 3 && ordered[1]->key.function == 2 && ordered[1]->value == 7, "second: 7");
    CHECK(count == 3 && ordered[2]->key.overflow == 1 && ordered[2]->key.function == 0 && ordered[2]->value == 24,
          "overflow: 11 + 13, no function");
    CHECK(table.overflowed == 2, "two values overflowed");
    CHECK(at == ordered[2]->order, "the index given is the overflow series'");
    arena_free(&a);
}

int main(void)
{
    test_limit_admits_the_first();
    static const uint32_t limits[] = {1, 3, 10, 1000};
    static const uint32_t tops[] = {0, 1, 4};
    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
        for (size_t t = 0; t < sizeof tops / sizeof tops[0]; t++) {
            for (uint32_t round = 0; round < 20; round++)
                run(limits[l], tops[t], 1 + round % 40, 50 + round * 37);
        }
    }
    return check_report();
}
