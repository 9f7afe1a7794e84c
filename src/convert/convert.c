/*
 * convert.c: the decode handler that turns samples into series. See
 * pipeline.h. The per-sample path (on_sample) does no allocation except when
 * it meets a new series, string or stack, and no regex work except on the
 * first sight of a string.
 */
#include "convert/pipeline.h"

#include <string.h>

bool conversion_init(conversion *c, const ptm_config *config, const metric_table *metrics,
                     const hash_key *key, arena *a, arena *request_arena, ptm_status *status)
{
    memset(c, 0, sizeof *c);
    c->status = status;
    c->hash_key = *key;
    c->config = config;
    c->metrics = metrics;
    c->arena = a;
    c->request_arena = request_arena;
    /* Cumulative: the converter's store applies the limit to what it holds. */
    uint32_t limit = config->cumulative ? UINT32_MAX : config->cardinality_limit;
    bool ok = interner_init(&c->interner, a, key);
    c->interner.copies = request_arena != a; /* its strings outlive their request */
    return ok && interner_init(&c->identities, a, key) &&
           interner_init(&c->rule_identities, a, key) && interner_init(&c->contexts, a, key) &&
           conversion_rule_set(c, &(rule_set){NULL, 0}) == 0 &&
           aggregator_init(&c->aggregator, a, key, metrics->count, limit) && breakdown_init(c);
}

bool conversion_collect_folded(conversion *c)
{
    c->collect_folded = true;
    c->folded_snapshots = c->config->measures[c->config->folded_measure].gauge;
    return interner_init(&c->folded_keys, c->arena, &c->hash_key);
}

/* Reads the files the plan wants through the host's file source. False
 * when memory ran out. */
static bool read_planned_files(symbolizer *s, const ptm_file_source *files)
{
    for (const char *path; (path = symbolizer_next_path(s)) != NULL;) {
        size_t size = 0;
        const uint8_t *data = files->read(files->context, path, &size);
        bool ok = symbolizer_offer(s, data, size);
        if (data != NULL)
            files->release(files->context, data, size);
        if (!ok)
            return false;
    }
    return true;
}

/* Symbolization of a request: with "symbolize", its files planned (and
 * read, with a file source); then, when the converter holds any table (ones
 * handed in by ptm_converter_add_symbols() too), its native frames named
 * from them. */
static bool symbolize_request(conversion *c, profile_dictionary *dictionary, const decoded_resource *resources,
                              uint32_t resource_count)
{
    symbolizer *s = c->symbols;
    if (s == NULL)
        return true;
    if (c->config->symbolize.enabled && (c->scan_only || c->files != NULL)) {
        if (c->files != NULL)
            symbolizer_begin_plan(s); /* each request's files are read at once */
        if (!symbolizer_plan(s, dictionary, resources, resource_count) ||
            (c->files != NULL && !read_planned_files(s, c->files)))
            return false;
    }
    return c->scan_only || s->cache.count == 0 || dictionary_use_symbols(dictionary, &s->cache);
}

bool conversion_folded_key(const conversion *c, uint32_t id, byte_slice *stack)
{
    *stack = interned(&c->folded_keys, id);
    if (!c->folded_snapshots)
        return true;
    uint32_t prefix[2]; /* resource record, profile serial */
    memcpy(prefix, stack->data, sizeof prefix);
    stack->data += sizeof prefix;
    stack->size -= sizeof prefix;
    const folded_snapshot *latest = c->folded_latest.items;
    return prefix[0] < c->folded_latest.count && latest[prefix[0]].serial == prefix[1];
}

/* Records the current profile as its resource's folded snapshot when it is
 * the latest yet (the greatest end; on a tie, the later profile). False
 * when memory ran out. */
static bool note_folded_snapshot(conversion *c)
{
    uint32_t resource = c->resource.record;
    while (c->folded_latest.count <= resource) {
        folded_snapshot *slot = vector_push(c->arena, &c->folded_latest, sizeof *slot);
        if (slot == NULL)
            return false;
        *slot = (folded_snapshot){0, 0};
    }
    folded_snapshot *latest = &((folded_snapshot *)c->folded_latest.items)[resource];
    uint64_t end = time_add_saturating(c->profile_time, c->profile_duration);
    if (latest->serial != c->profile_serial && (latest->serial == 0 || end >= latest->end))
        *latest = (folded_snapshot){c->profile_serial, end};
    return true;
}

static bool on_request(void *context, profile_dictionary *dictionary, const decoded_resource *resources,
                       uint32_t resource_count)
{
    conversion *c = context;
    if (!symbolize_request(c, dictionary, resources, resource_count))
        return false;
    if (c->scan_only)
        return true;
    dictionary->keep_frames = c->collect_folded;
    dictionary->self_interpreted = c->config->self_interpreted;
    c->request = (request_record){.dictionary = dictionary};
    c->dictionary = dictionary;
    c->stack_caches = arena_calloc(c->request_arena, (size_t)dictionary->stacks.count + 1,
                                   sizeof(stack_cache));
    if (c->stack_caches == NULL || !breakdown_request(c))
        return false;
    c->stats.requests++;
    return attributes_extract(c->config, dictionary, c->request_arena, &c->request.extracted, c->status);
}

/* Pattern-filter bits of a string id (0 when the filter is off). */
static uint8_t pattern_bits_of(conversion *c, uint32_t id)
{
    return filter_match(&c->config->pattern_filter, &c->pattern_cache, c->arena, &c->interner, id,
                        c->status);
}

static bool on_resource(void *context, const decoded_resource *resource)
{
    conversion *c = context;
    c->stats.resources++;
    c->resource = (resource_walk){0};
    for (uint32_t i = 0; i < resource->attribute_count; i++) {
        const key_value_ref *attribute = &resource->attributes[i];
        byte_slice text;
        if (!dictionary_string_value(c->dictionary, attribute->value, &text))
            continue;
        uint32_t id = intern(&c->interner, text);
        if (id == INTERN_NONE)
            return false;
        attribute_role role = attribute_role_of(attribute->key);
        if (role == ROLE_THREAD_NAME && c->resource.scan.thread == INTERN_NONE)
            c->resource.scan.thread = id;
        if (role == ROLE_PROCESS_NAME && c->resource.scan.process == INTERN_NONE)
            c->resource.scan.process = id;
        c->resource.pattern_bits |= pattern_bits_of(c, id);
    }
    byte_slice canonical; /* conversion_resource() keeps a copy when it is new */
    if (!otlp_canonical_attributes(c->dictionary, resource->attributes, resource->attribute_count,
                                   c->request_arena, &canonical))
        return false;
    resource_record candidate = {.dropped_attributes_count = resource->dropped_attributes_count,
                                 .schema_url = resource->schema_url, .canonical = canonical};
    int64_t index = conversion_resource(c, &candidate);
    int64_t rules = index >= 0
        ? conversion_settle_rules(c, &((const resource_record *)c->resources.items)[index]) : -1;
    if (rules < 0)
        return false;
    c->resource.record = (uint32_t)index;
    c->resource.rules = (uint32_t)rules;
    return breakdown_resource(c, resource) && !c->arena->failed;
}

static bool on_scope(void *context, decoded_profile *profiles, uint32_t count)
{
    conversion *c = context;
    c->plans = arena_calloc(c->request_arena, (size_t)count + 1, sizeof(profile_plan));
    if (c->plans == NULL)
        return false;
    c->plan_cursor = 0;
    classify_scope(c->metrics, c->config, c->dictionary, profiles, count, c->plans);
    for (uint32_t i = 0; i < count; i++) {
        if (!dictionary_attributes_valid(c->dictionary, profiles[i].attribute_indices,
                                         profiles[i].attribute_count))
            c->plans[i].disposition = PLAN_INVALID;
    }
    c->stats.profiles += count;
    return true;
}

static uint8_t pattern_bits_of_indices(conversion *c, const int32_t *indices, uint32_t count)
{
    uint8_t bits = 0;
    for (uint32_t i = 0; i < count; i++)
        bits |= pattern_bits_of(c, dictionary_attribute_info(c->dictionary, indices[i])->value_id);
    return bits;
}

/* Adds each pending stack's values to its function series (see stack_cache).
 * Every pending value is of the current profile: its plan, its start. */
static void flush_pending_stacks(conversion *c)
{
    const uint32_t *pending = c->pending_stacks.items;
    for (uint32_t n = 0; n < c->pending_stacks.count; n++) {
        stack_cache *cache = &c->stack_caches[pending[n]];
        const stack_info *stack = &c->dictionary->stack_infos[pending[n]];
        if (c->plan->self_metric >= 0)
            aggregate_add_at(&c->aggregator, cache->series_indices[0], cache->pending_value,
                             c->profile_start, cache->pending_end);
        if (c->plan->inclusive_metric >= 0) {
            for (uint32_t i = 0; i < stack->function_count; i++)
                aggregate_add_at(&c->aggregator, cache->series_indices[1 + i], cache->pending_value,
                                 c->profile_start, cache->pending_end);
        }
        cache->pending = false;
    }
    c->pending_stacks.count = 0;
}

static bool on_profile(void *context, const decoded_profile *profile)
{
    conversion *c = context;
    flush_pending_stacks(c);
    c->plan = &c->plans[c->plan_cursor++];
    c->profile_serial++;
    c->profile_scan = (attribute_scan){0};
    c->profile_pattern_bits = 0;
    if (c->plan->disposition != PLAN_KEEP)
        return true;
    attributes_scan_indices(c->dictionary, profile->attribute_indices, profile->attribute_count,
                            &c->profile_scan);
    if (!breakdown_profile(c, profile))
        return false;
    c->profile_pattern_bits = c->resource.pattern_bits;
    if (c->config->pattern_filter.enabled)
        c->profile_pattern_bits |= pattern_bits_of_indices(c, profile->attribute_indices,
                                                           profile->attribute_count);
    c->profile_time = profile->time_unix_nano;
    c->profile_start = c->plan->since_start ? 0 : profile->time_unix_nano; /* since start: unknown */
    c->profile_duration = profile->duration_nano;
    c->snapshot = metric_is_snapshot(&c->metrics->items[c->plan->base_metric]) ? c->profile_serial : 0;
    const int32_t *twins = c->metrics->since_start_base;
    c->profile_measure = !c->collect_folded ? -1 /* the totals are PTM_FORMAT_TOP's only */
                       : c->plan->measure >= 0 ? c->plan->measure
                       : c->plan->base_metric < 0 ? -1
                       : c->plan->base_metric == twins[0] ? MEASURE_MEMORY
                       : c->plan->base_metric == twins[1] ? MEASURE_ALLOCATIONS : -1;
    int32_t folded_base = c->metrics->base[c->config->folded_measure];
    c->folded_profile = c->collect_folded &&
                        (c->plan->base_metric == folded_base ||
                         (c->config->folded_measure == MEASURE_MEMORY &&
                          c->plan->base_metric == c->metrics->since_start_base[0]));
    series_context_key key = {c->resource.record, c->resource.rules, c->snapshot,
                              c->plan->base_metric, c->plan->self_metric, c->plan->inclusive_metric};
    c->series_context = intern_copy(&c->contexts, (byte_slice){(const uint8_t *)&key, sizeof key});
    return c->series_context != INTERN_NONE;
}

/* Pattern-filter bits of a stack's function names, cached per stack. */
static uint8_t stack_pattern_bits(conversion *c, const stack_info *stack, stack_cache *cache)
{
    enum { STACK_BITS_KNOWN = 0x80 };
    if (!(cache->pattern_bits & STACK_BITS_KNOWN)) {
        uint8_t bits = 0;
        for (uint32_t i = 0; i < stack->function_count; i++)
            bits |= pattern_bits_of(c, stack->functions[i]);
        cache->pattern_bits = (uint8_t)(bits | STACK_BITS_KNOWN);
    }
    return cache->pattern_bits & (MATCH_INCLUDE | MATCH_EXCLUDE);
}

/* Whether the sample's own fields are usable (indices, value shape); scans
 * its attributes into *scan on the way. */
static bool sample_valid(const conversion *c, const decoded_sample *sample, attribute_scan *scan)
{
    profile_dictionary *dictionary = c->dictionary;
    if (!dictionary_index_valid(&dictionary->stacks, sample->stack_index) ||
        sample->link_index < 0 || ((uint32_t)sample->link_index >= dictionary->link_count &&
                                   sample->link_index != 0) ||
        !attributes_scan_valid(dictionary, sample->attribute_indices, sample->attribute_count, scan))
        return false;
    if (sample->value_count > 0 && sample->timestamp_count > 0 &&
        sample->value_count != sample->timestamp_count)
        return false;
    return !sample->value_negative && !sample->value_overflow;
}

static bool sample_filtered(conversion *c, const resource_walk *resource,
                            const attribute_scan *sample_scan, const decoded_sample *sample,
                            const stack_info *stack, stack_cache *cache)
{
    const ptm_config *config = c->config;
    uint32_t process = sample_scan->process ? sample_scan->process
                     : c->profile_scan.process ? c->profile_scan.process : resource->scan.process;
    uint32_t thread = sample_scan->thread ? sample_scan->thread
                    : c->profile_scan.thread ? c->profile_scan.thread : resource->scan.thread;
    if (config->process_filter.enabled &&
        !filter_accepts(&config->process_filter,
                        filter_match(&config->process_filter, &c->process_cache, c->arena,
                                     &c->interner, process, c->status)))
        return true;
    if (config->thread_filter.enabled &&
        !filter_accepts(&config->thread_filter,
                        filter_match(&config->thread_filter, &c->thread_cache, c->arena,
                                     &c->interner, thread, c->status)))
        return true;
    if (config->pattern_filter.enabled) {
        uint8_t bits = c->profile_pattern_bits | stack_pattern_bits(c, stack, cache) |
                       pattern_bits_of_indices(c, sample->attribute_indices, sample->attribute_count);
        if (!filter_accepts(&config->pattern_filter, bits))
            return true;
    }
    return false;
}

/* The function-series slot of an interned name, growing the table
 * (capacity_for); NULL when memory ran out. */
static function_series_slot *function_slot(conversion *c, uint32_t function)
{
    if (function >= c->function_slot_count) {
        uint32_t count = capacity_for(c->function_slot_count, function);
        function_series_slot *slots = arena_calloc(c->arena, count, sizeof *slots);
        if (slots == NULL)
            return NULL;
        if (c->function_slot_count > 0)
            memcpy(slots, c->function_slots, c->function_slot_count * sizeof *slots);
        c->function_slots = slots;
        c->function_slot_count = count;
    }
    return &c->function_slots[function];
}

/* The series of key (a function metric's), through the slot's cache of it:
 * adds value there and stores its index in *index. False when memory ran out. */
static bool add_function_value(conversion *c, series_key *key, uint32_t *slot_context,
                               uint32_t *slot_index, int64_t value, uint64_t start, uint64_t end,
                               uint32_t *index)
{
    if (*slot_context == c->series_context) {
        aggregate_add_again(&c->aggregator, *slot_index, value, start, end);
        *index = *slot_index;
        return true;
    }
    if (!aggregate_add(&c->aggregator, key, value, start, end, index))
        return false;
    *slot_context = c->series_context;
    *slot_index = *index;
    return true;
}

/* Resolves the function series of a stack in the current context, adding
 * value to each, and caches their indices (later samples of the stack skip
 * the lookups). */
static bool resolve_function_series(conversion *c, const stack_info *stack, stack_cache *cache,
                                    const resource_walk *resource, int64_t value, uint64_t start,
                                    uint64_t end)
{
    const profile_plan *plan = c->plan;
    if (cache->series_indices == NULL) {
        cache->series_indices = arena_alloc(c->request_arena,
                                            ((size_t)stack->function_count + 1) * sizeof(uint32_t));
        if (cache->series_indices == NULL)
            return false;
    }
    series_key key = {.resource = resource->record, .rules = resource->rules, .snapshot = c->snapshot};
    cache->context = 0;
    if (plan->self_metric >= 0) {
        key.metric = (uint32_t)plan->self_metric;
        key.function = stack->self_function;
        function_series_slot *slot = function_slot(c, key.function);
        if (slot == NULL || !add_function_value(c, &key, &slot->self_context, &slot->self_index,
                                                value, start, end, &cache->series_indices[0]))
            return false;
    }
    if (plan->inclusive_metric >= 0) {
        key.metric = (uint32_t)plan->inclusive_metric;
        for (uint32_t i = 0; i < stack->function_count; i++) {
            key.function = stack->functions[i];
            function_series_slot *slot = function_slot(c, key.function);
            if (slot == NULL ||
                !add_function_value(c, &key, &slot->inclusive_context, &slot->inclusive_index, value,
                                    start, end, &cache->series_indices[1 + i]))
                return false;
        }
    }
    cache->context = c->series_context;
    return true;
}

/* Holds value for the stack's function series until the next flush. False
 * when memory ran out. */
static bool defer_function_values(conversion *c, uint32_t stack_index, stack_cache *cache,
                                  int64_t value, uint64_t end)
{
    if (!cache->pending) {
        uint32_t *slot = vector_push(c->arena, &c->pending_stacks, sizeof *slot);
        if (slot == NULL)
            return false;
        *slot = stack_index;
        cache->pending = true;
        cache->pending_value = 0;
        cache->pending_end = 0;
    }
    if (__builtin_add_overflow(cache->pending_value, value, &cache->pending_value))
        cache->pending_value = INT64_MAX;
    if (end > cache->pending_end)
        cache->pending_end = end;
    return true;
}

static bool aggregate_functions(conversion *c, uint32_t stack_index, const stack_info *stack,
                                stack_cache *cache, const resource_walk *resource, int64_t value,
                                uint64_t start, uint64_t end)
{
    const profile_plan *plan = c->plan;
    if (stack->function_count == 0 || (plan->self_metric < 0 && plan->inclusive_metric < 0))
        return true;
    if (cache->context != c->series_context)
        return resolve_function_series(c, stack, cache, resource, value, start, end);
    return defer_function_values(c, stack_index, cache, value, end);
}

/* Adds value to the base metric's series of (thread, process) in the current
 * context, remembered in a memo (a repeated pair costs no hashing). */
static bool add_base_value(conversion *c, const series_key *key, int64_t value, uint64_t end)
{
    uint32_t mix = key->thread * 0x9e3779b1u + key->process * 0x85ebca77u;
    base_series_memo *memo = &c->base_memos[mix >> (32 - BASE_SERIES_MEMO_BITS)];
    if (memo->context == c->series_context && memo->thread == key->thread &&
        memo->process == key->process) {
        aggregate_add_again(&c->aggregator, memo->index, value, c->profile_start, end);
        return true;
    }
    uint32_t index;
    if (!aggregate_add(&c->aggregator, key, value, c->profile_start, end, &index))
        return false;
    *memo = (base_series_memo){c->series_context, key->thread, key->process, index};
    return true;
}

static bool aggregate_sample(conversion *c, const resource_walk *resource,
                             const attribute_scan *sample_scan, uint32_t stack_index,
                             const stack_info *stack, stack_cache *cache, int64_t value, uint64_t end)
{
    series_key key = {
        .metric = (uint32_t)c->plan->base_metric,
        .resource = resource->record,
        .rules = resource->rules,
        .snapshot = c->snapshot,
        .thread = sample_scan->thread ? sample_scan->thread
                : c->profile_scan.thread ? c->profile_scan.thread : resource->scan.thread,
        .process = sample_scan->process ? sample_scan->process : c->profile_scan.process,
    };
    return add_base_value(c, &key, value, end) &&
           aggregate_functions(c, stack_index, stack, cache, resource, value, c->profile_start, end);
}

/* Adds a kept sample's value to its folded stack: (process, thread, frames
 * root first, self function), the names looked up sample → profile →
 * resource; a gauge measure's keyed by its resource and profile too
 * (conversion_folded_key). False when memory ran out. */
static bool add_folded(conversion *c, const attribute_scan *sample_scan, const stack_info *stack,
                       int64_t value)
{
    const attribute_scan *scans[3] = {sample_scan, &c->profile_scan, &c->resource.scan};
    uint32_t process = 0, thread = 0;
    for (int i = 2; i >= 0; i--) {
        process = scans[i]->process ? scans[i]->process : process;
        thread = scans[i]->thread ? scans[i]->thread : thread;
    }
    uint32_t head[4], heads = 0;
    if (c->folded_snapshots) {
        if (!note_folded_snapshot(c))
            return false;
        head[heads++] = c->resource.record;
        head[heads++] = c->profile_serial;
    }
    head[heads++] = process;
    head[heads++] = thread;
    arena_vector *key = &c->folded_scratch;
    key->count = 0;
    uint32_t *ids = head; /* not NULL */
    for (uint32_t i = 0; i < heads && ids != NULL; i++) {
        ids = vector_push(c->arena, key, sizeof(uint32_t));
        if (ids != NULL)
            *ids = head[i];
    }
    for (uint32_t i = stack->frame_count; i > 0 && ids != NULL; i--) {
        ids = vector_push(c->arena, key, sizeof(uint32_t));
        if (ids != NULL)
            *ids = stack->frames[i - 1];
    }
    ids = ids != NULL ? vector_push(c->arena, key, sizeof(uint32_t)) : NULL;
    if (ids != NULL)
        *ids = stack->self_function;
    if (ids == NULL)
        return false;
    uint32_t id = intern_copy(&c->folded_keys, (byte_slice){key->items, key->count * sizeof(uint32_t)});
    while (id != INTERN_NONE && c->folded_values.count < id) {
        int64_t *slot = vector_push(c->arena, &c->folded_values, sizeof(int64_t));
        if (slot == NULL)
            return false;
        *slot = 0;
    }
    if (id == INTERN_NONE)
        return false;
    int64_t *sum = &((int64_t *)c->folded_values.items)[id - 1];
    if (__builtin_add_overflow(*sum, value, sum))
        *sum = INT64_MAX;
    return true;
}

static bool on_sample(void *context, const decoded_sample *sample)
{
    conversion *c = context;
    ptm_stats *stats = &c->stats;
    stats->samples_total++;
    if (c->plan->disposition == PLAN_SKIP) {
        stats->samples_skipped++;
        return true;
    }
    int64_t value = 0;
    int64_t raw = sample->value_count > 0 ? sample->value_sum : (int64_t)sample->timestamp_count;
    attribute_scan sample_scan = {0};
    if (c->plan->disposition == PLAN_INVALID || !sample_valid(c, sample, &sample_scan) ||
        __builtin_mul_overflow(raw, c->plan->multiplier, &value)) {
        stats->samples_invalid++;
        return true;
    }
    const stack_info *stack = dictionary_stack_info(c->dictionary, sample->stack_index);
    if (stack == NULL)
        return false;
    stack_cache *cache = &c->stack_caches[sample->stack_index];
    if (stack->state == STACK_INVALID) {
        stats->samples_invalid++;
        return true;
    }
    const resource_walk *resource = &c->resource;
    if (sample_filtered(c, resource, &sample_scan, sample, stack, cache)) {
        stats->samples_filtered++;
        return !c->arena->failed;
    }
    stats->samples_kept++;
    if (value == 0)
        return true; /* adds nothing: no point is made for it */
    if (c->profile_measure >= 0) {
        int64_t *total = &c->measure_totals[c->profile_measure];
        if (__builtin_add_overflow(*total, value, total))
            *total = INT64_MAX;
    }
    if (c->folded_profile && !add_folded(c, &sample_scan, stack, value))
        return false;
    uint64_t end = c->profile_duration > 0 ? time_add_saturating(c->profile_time, c->profile_duration)
                 : sample->max_timestamp > c->profile_time ? sample->max_timestamp
                 : c->profile_time;
    return aggregate_sample(c, resource, &sample_scan, (uint32_t)sample->stack_index, stack, cache, value,
                            end) && breakdown_sample(c, sample, value, end) && !c->arena->failed;
}

static void on_request_end(void *context)
{
    flush_pending_stacks(context);
}

decode_handler conversion_handler(conversion *c)
{
    if (c->scan_only)
        return (decode_handler){.context = c, .request = on_request};
    return (decode_handler){.context = c, .request = on_request, .resource = on_resource,
                            .scope = on_scope, .profile = on_profile, .sample = on_sample,
                            .request_end = on_request_end};
}

bool conversion_finish(conversion *c)
{
    bool *is_function = arena_calloc(c->arena, c->metrics->count + 1, sizeof(bool));
    if (is_function == NULL)
        return false;
    for (uint32_t i = 0; i < c->metrics->count; i++)
        is_function[i] = c->metrics->items[i].function_metric;
    if (!aggregate_finish(&c->aggregator, c->config->function.top_n, is_function, &c->ordered,
                          &c->ordered_count))
        return false;
    c->stats.series = c->ordered_count;
    c->stats.overflowed += c->aggregator.overflowed;
    for (uint32_t i = 0; i < c->ordered_count; i++)
        c->stats.attributes_dropped += point_attributes_left_off(c, c->ordered[i]);
    return true;
}
