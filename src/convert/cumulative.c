/*
 * cumulative.c: the cumulative store (see cumulative.h).
 */
#include "convert/cumulative.h"

#include <string.h>

void cumulative_init(cumulative_store *store, const ptm_allocator *allocator)
{
    memset(store, 0, sizeof *store);
    arena_init(&store->arena, allocator);
}

void cumulative_clear(cumulative_store *store)
{
    ptm_allocator allocator = store->arena.allocator;
    arena_free(&store->arena);
    cumulative_init(store, &allocator);
}

static bool store_ready(cumulative_store *store, const conversion *c)
{
    if (store->ready)
        return true;
    /* The store keeps the key it was made with, whatever the converter's
     * key is later. */
    const hash_key *key = &c->hash_key;
    store->ready = interner_init(&store->names, &store->arena, key) &&
                   interner_init(&store->identities, &store->arena, key) &&
                   interner_init(&store->rule_identities, &store->arena, key) &&
                   aggregator_init(&store->aggregator, &store->arena, key, c->metrics->count,
                                   c->config->cardinality_limit);
    return store->ready;
}

/* A copy of bytes in the store's arena (NULL when memory ran out). */
static byte_slice store_copy(cumulative_store *store, byte_slice bytes)
{
    return (byte_slice){arena_dup(&store->arena, bytes.data, bytes.size), bytes.size};
}

/* The store's id of an identity of c that its record (pushed last onto
 * records) describes: interned after the record, so that a failure leaves
 * neither and identity n keeps describing record n - 1. */
static uint32_t store_identity(string_interner *identities, const string_interner *from, uint32_t id,
                               arena_vector *records)
{
    uint32_t stored = intern_from(identities, from, id, true);
    if (stored == INTERN_NONE)
        records->count--;
    return stored;
}

/* The store's copy of a conversion resource; its id, or INTERN_NONE (the
 * store as it was). */
static uint32_t store_resource(cumulative_store *store, const conversion *c, uint32_t index)
{
    uint32_t id = intern_find_from(&store->identities, &c->identities, index + 1);
    if (id != INTERN_NONE)
        return id;
    const resource_record *from = &((const resource_record *)c->resources.items)[index];
    resource_record record = {
        .dropped_attributes_count = from->dropped_attributes_count,
        .schema_url = store_copy(store, from->schema_url),
        .canonical = store_copy(store, from->canonical),
    };
    resource_record *pushed = record.schema_url.data != NULL && record.canonical.data != NULL
        ? vector_push(&store->arena, &store->resources, sizeof *pushed) : NULL;
    if (pushed == NULL)
        return INTERN_NONE;
    *pushed = record;
    return store_identity(&store->identities, &c->identities, index + 1, &store->resources);
}

/* The store's copy of a conversion rule set; its id, or INTERN_NONE (the
 * store as it was). */
static uint32_t store_rule_set(cumulative_store *store, const conversion *c, uint32_t index)
{
    uint32_t id = intern_find_from(&store->rule_identities, &c->rule_identities, index + 1);
    if (id != INTERN_NONE)
        return id;
    const rule_set *from = &((const rule_set *)c->rule_sets.items)[index];
    extracted_attribute *items = arena_alloc(&store->arena, ((size_t)from->count + 1) * sizeof *items);
    if (items == NULL)
        return INTERN_NONE;
    for (uint32_t i = 0; i < from->count; i++) {
        /* Keys are the configuration's, which outlives the store. */
        items[i].key = from->items[i].key;
        items[i].value = store_copy(store, from->items[i].value);
        if (items[i].value.data == NULL)
            return INTERN_NONE;
    }
    rule_set *set = vector_push(&store->arena, &store->rule_sets, sizeof *set);
    if (set == NULL)
        return INTERN_NONE;
    *set = (rule_set){items, from->count};
    return store_identity(&store->rule_identities, &c->rule_identities, index + 1, &store->rule_sets);
}

/* Translates conversion string ids to store ids, one lookup per id. */
typedef struct id_map {
    uint32_t *ids;         /* by conversion id; 0: not yet translated */
    string_interner *from;
    string_interner *to;
    bool copy;             /* copy strings into the target's arena */
} id_map;

static bool map_id(id_map *map, uint32_t id, uint32_t *out)
{
    if (id == INTERN_NONE) {
        *out = INTERN_NONE;
        return true;
    }
    if (map->ids[id] == 0)
        map->ids[id] = intern_from(map->to, map->from, id, map->copy);
    *out = map->ids[id];
    return *out != INTERN_NONE;
}

/* A key in another table's ids: resources[] and rules[] by index, names by map. */
static bool map_key(id_map *names, const uint32_t *resources, const uint32_t *rules,
                    const series_key *from, series_key *to)
{
    *to = (series_key){.metric = from->metric, .resource = resources[from->resource],
                       .rules = rules[from->rules], .overflow = from->overflow};
    return map_id(names, from->thread, &to->thread) && map_id(names, from->process, &to->process) &&
           map_id(names, from->function, &to->function);
}

/* The store's overflow resource, the resource of no attributes, taken from
 * c (which has it, or gets it now). */
static bool settle_overflow_resource(cumulative_store *store, conversion *c)
{
    if (store->aggregator.overflow_resource != UINT32_MAX)
        return true;
    int64_t index = conversion_resource(c, &(resource_record){0});
    uint32_t id = index >= 0 ? store_resource(store, c, (uint32_t)index) : INTERN_NONE;
    store->aggregator.overflow_resource = id - 1;
    return id != INTERN_NONE;
}

/* A held series' start: 1 ms before the add that made it. Prometheus keeps
 * milliseconds and stores a created-timestamp zero only strictly before a
 * series' first sample, so a series that starts again (a collector
 * restarted) and is flushed within the millisecond of its first add would
 * show no reset; 1 ms earlier it was 0 as well. */
static uint64_t held_start(uint64_t add_time)
{
    enum { BEFORE_ADD_NS = 1000000 };
    return add_time > BEFORE_ADD_NS ? add_time - BEFORE_ADD_NS : 0;
}

/* The store's series each of c's series goes to, in targets (c's order);
 * false when memory ran out, the store then as it was (the strings and
 * resources it has taken are only unused). */
static bool settle_targets(cumulative_store *store, conversion *c, uint32_t *targets)
{
    if (!store_ready(store, c) || !settle_overflow_resource(store, c))
        return false;
    uint32_t resource_count = c->resources.count;
    uint32_t *resources = arena_alloc(c->arena, ((size_t)resource_count + 1) * sizeof(uint32_t));
    uint32_t *names = arena_calloc(c->arena, (size_t)c->interner.strings.count + 1, sizeof(uint32_t));
    uint32_t *rules = arena_alloc(c->arena, ((size_t)c->rule_sets.count + 1) * sizeof(uint32_t));
    if (resources == NULL || names == NULL || rules == NULL)
        return false;
    for (uint32_t i = 0; i < resource_count; i++) {
        uint32_t id = store_resource(store, c, i);
        if (id == INTERN_NONE)
            return false;
        resources[i] = id - 1;
    }
    for (uint32_t i = 0; i < c->rule_sets.count; i++) {
        uint32_t id = store_rule_set(store, c, i);
        if (id == INTERN_NONE)
            return false;
        rules[i] = id - 1;
    }
    id_map map = {names, &c->interner, &store->names, true};
    const series *items = c->aggregator.series.items;
    uint32_t held = store->aggregator.series.count;
    uint64_t overflowed = store->aggregator.overflowed;
    for (uint32_t i = 0; i < c->aggregator.series.count; i++) {
        series_key key;
        bool ok = map_key(&map, resources, rules, &items[i].key, &key);
        if (ok && key.overflow)
            key.resource = store->aggregator.overflow_resource;
        if (!ok || !aggregate_target(&store->aggregator, &key, &targets[i])) {
            aggregate_truncate(&store->aggregator, held, overflowed);
            return false;
        }
    }
    return true;
}

bool cumulative_absorb(cumulative_store *store, conversion *c, uint64_t stamp)
{
    uint64_t overflowed = store->aggregator.overflowed;
    uint32_t *targets = arena_alloc(c->arena, ((size_t)c->aggregator.series.count + 1) * sizeof(uint32_t));
    if (targets == NULL || !settle_targets(store, c, targets)) {
        store->arena.failed = false; /* the store is whole: it takes the next input */
        return false;
    }
    /* Every series is there: adding allocates nothing, so it cannot fail half done. */
    const series *items = c->aggregator.series.items;
    series *held = store->aggregator.series.items;
    for (uint32_t i = 0; i < c->aggregator.series.count; i++) {
        const series *s = &items[i];
        series *to = &held[targets[i]];
        uint64_t start = stamp != 0 ? held_start(stamp) : s->start, end = stamp != 0 ? stamp : s->end;
        if (!metric_is_snapshot(&c->metrics->items[s->key.metric])) {
            series_accumulate(to, s->value, start, end);
        } else if (end >= to->end) { /* the latest snapshot: a new series has no end yet */
            to->value = s->value;
            to->start = start;
            to->end = end;
        }
    }
    /* The values c sent to overflow series itself (cumulative_watch), and those the store did. */
    c->stats.overflowed += c->aggregator.overflowed + (store->aggregator.overflowed - overflowed);
    c->aggregator.overflowed = 0;
    return true;
}

/* Store ids found by lookup, by conversion id: 0 not looked up yet,
 * UINT32_MAX not held, else the store's id. */
typedef struct id_cache {
    uint32_t *ids;
    uint32_t capacity;
} id_cache;

/* What cumulative_watch's lookups keep for one conversion (in its arena). */
typedef struct held_lookup {
    const cumulative_store *store;
    const conversion *c;
    id_cache names, resources, rules;
} held_lookup;

/* The id in `in` of string id of `from` (INTERN_NONE: not there), looked
 * up once per id; INTERN_NONE too when memory ran out (c's arena says so). */
static uint32_t find_cached(arena *a, id_cache *cache, const string_interner *in, const string_interner *from,
                            uint32_t id)
{
    if (id >= cache->capacity) {
        uint32_t capacity = capacity_for(cache->capacity, id);
        uint32_t *ids = arena_calloc(a, capacity, sizeof *ids);
        if (ids == NULL)
            return INTERN_NONE;
        if (cache->capacity > 0)
            memcpy(ids, cache->ids, (size_t)cache->capacity * sizeof *ids);
        *cache = (id_cache){ids, capacity};
    }
    if (cache->ids[id] == 0) {
        uint32_t found = intern_find_from(in, from, id);
        cache->ids[id] = found == INTERN_NONE ? UINT32_MAX : found;
    }
    return cache->ids[id] == UINT32_MAX ? INTERN_NONE : cache->ids[id];
}

/* Whether the store holds the series of c's key (as map_key translates it). */
static bool store_holds(void *context, const series_key *key)
{
    held_lookup *h = context;
    const cumulative_store *store = h->store;
    if (!store->ready)
        return false;
    arena *a = h->c->arena;
    uint32_t resource = find_cached(a, &h->resources, &store->identities, &h->c->identities, key->resource + 1);
    uint32_t rules = find_cached(a, &h->rules, &store->rule_identities, &h->c->rule_identities, key->rules + 1);
    if (resource == INTERN_NONE || rules == INTERN_NONE)
        return false;
    series_key held = {.metric = key->metric, .resource = resource - 1, .rules = rules - 1};
    const uint32_t from[3] = {key->thread, key->process, key->function};
    uint32_t *to[3] = {&held.thread, &held.process, &held.function};
    for (int i = 0; i < 3; i++) {
        if (from[i] != INTERN_NONE &&
            (*to[i] = find_cached(a, &h->names, &store->names, &h->c->interner, from[i])) == INTERN_NONE)
            return false;
    }
    return aggregate_holds(&store->aggregator, &held);
}

bool cumulative_watch(cumulative_store *store, conversion *c)
{
    held_lookup *lookup = arena_calloc(c->arena, 1, sizeof *lookup);
    if (lookup == NULL)
        return false;
    lookup->store = store;
    lookup->c = c;
    c->aggregator.limit = c->config->cardinality_limit;
    c->aggregator.held = store_holds;
    c->aggregator.held_context = lookup;
    return true;
}

bool cumulative_restore(const cumulative_store *store, conversion *c, uint64_t since, uint32_t *dropped)
{
    c->resources = (arena_vector){0};
    c->rule_sets = (arena_vector){0};
    c->max_copied = 0;
    c->max_rule_items = 0;
    if (!interner_init(&c->identities, c->arena, &c->hash_key) ||
        !interner_init(&c->rule_identities, c->arena, &c->hash_key) ||
        !aggregator_init(&c->aggregator, c->arena, &c->hash_key, c->metrics->count, UINT32_MAX))
        return false;
    const resource_record *records = store->resources.items;
    for (uint32_t i = 0; i < store->resources.count; i++) {
        resource_record candidate = records[i];
        if (conversion_resource(c, &candidate) != (int64_t)i)
            return false;
    }
    const rule_set *sets = store->rule_sets.items;
    for (uint32_t i = 0; i < store->rule_sets.count; i++) {
        if (conversion_rule_set(c, &sets[i]) != (int64_t)i)
            return false;
    }
    uint32_t *names = arena_calloc(c->arena, (size_t)store->names.strings.count + 1, sizeof(uint32_t));
    uint32_t count = store->resources.count > store->rule_sets.count ? store->resources.count
                                                                     : store->rule_sets.count;
    uint32_t *identity = arena_alloc(c->arena, ((size_t)count + 1) * sizeof(uint32_t));
    if (names == NULL || identity == NULL)
        return false;
    for (uint32_t i = 0; i < count; i++)
        identity[i] = i; /* resources and rule sets keep their store indices */
    id_map map = {names, (string_interner *)&store->names, &c->interner, false};
    const series *items = store->aggregator.series.items;
    for (uint32_t i = 0; i < store->aggregator.series.count; i++) {
        if (items[i].end < since) {
            (*dropped)++;
            continue;
        }
        series_key key;
        if (!map_key(&map, identity, identity, &items[i].key, &key) ||
            !aggregate_add(&c->aggregator, &key, items[i].value, items[i].start, items[i].end, NULL))
            return false;
    }
    return true;
}

bool cumulative_merge(cumulative_store *store, conversion *c)
{
    uint32_t dropped = 0;
    return cumulative_absorb(store, c, 0) && cumulative_restore(store, c, 0, &dropped);
}

void cumulative_stamp(conversion *c, uint64_t window_start, uint64_t now)
{
    series *items = c->aggregator.series.items;
    for (uint32_t i = 0; i < c->aggregator.series.count; i++) {
        const metric_def *def = &c->metrics->items[items[i].key.metric];
        if (def->since_start)
            items[i].start = 0; /* since the process started: unknown */
        else if (!c->config->cumulative)
            items[i].start = window_start;
        items[i].end = now;
    }
}
