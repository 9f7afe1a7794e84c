/*
 * convert.c: the decode handler that turns samples into series. See
 * pipeline.h. The per-sample path (on_sample) does no allocation except when
 * it meets a new series, string or stack, and no regex work except on the
 * first sight of a string.
 */
#include "pipeline.h"

#include <string.h>

bool conversion_init(conversion *c, const ptm_config *config, const metric_table *metrics,
                     arena *a)
{
    memset(c, 0, sizeof *c);
    c->config = config;
    c->metrics = metrics;
    c->arena = a;
    /* Cumulative: the converter's store applies the limit to what it holds. */
    uint32_t limit = config->cumulative ? UINT32_MAX : config->cardinality_limit;
    return interner_init(&c->interner, a) && interner_init(&c->identities, a) &&
           interner_init(&c->rule_identities, a) &&
           conversion_rule_set(c, &(rule_set){NULL, 0}) == 0 &&
           aggregator_init(&c->aggregator, a, metrics->count, limit);
}

static bool on_request(void *context, profile_dictionary *dictionary)
{
    conversion *c = context;
    request_record *record = vector_push(c->arena, &c->requests, sizeof *record);
    if (record == NULL)
        return false;
    record->dictionary = dictionary;
    c->dictionary = dictionary;
    c->stats.requests++;
    return attributes_extract(c->config, dictionary, c->arena, &record->extracted);
}

/* Pattern-filter bits of a string id (0 when the filter is off). */
static uint8_t pattern_bits_of(conversion *c, uint32_t id)
{
    return filter_match(&c->config->pattern_filter, &c->pattern_cache, c->arena, &c->interner, id);
}

/* Whether a Resource message body (canonical attributes) has key. */
static bool canonical_has_key(const resource_record *record, byte_slice key)
{
    for (uint32_t i = 0; i < record->attribute_count; i++) {
        if (slice_equals(record->attributes[i].key, key))
            return true;
    }
    return false;
}

static bool collect_key_value(byte_slice element, void *context)
{
    arena_vector *list = ((void **)context)[0];
    arena *a = ((void **)context)[1];
    key_value_ref *slot = vector_push(a, list, sizeof *slot);
    return slot != NULL && key_value_decode(element, slot);
}

/* Parses record->canonical into record->attributes. */
static bool parse_canonical(conversion *c, resource_record *record)
{
    arena_vector list = {0};
    void *context[2] = {&list, c->arena};
    if (!any_value_each(record->canonical, collect_key_value, context) && c->arena->failed)
        return false;
    record->attributes = list.items;
    record->attribute_count = list.count;
    return true;
}

static bool is_scalar(byte_slice raw)
{
    any_value value;
    return any_value_decode(raw, &value) && (value.kind == ANY_STRING || value.kind == ANY_INT ||
                                             value.kind == ANY_DOUBLE || value.kind == ANY_BOOL);
}

/* Whether copy_resource_attributes copies key. */
static bool copies_key(const ptm_config *config, byte_slice key)
{
    static const char *const kept_on_resource[] = {"service.name", "service.namespace",
                                                   "service.instance.id"};
    if (config->copy_all_resource_attributes) {
        for (size_t i = 0; i < sizeof kept_on_resource / sizeof kept_on_resource[0]; i++) {
            if (slice_equals_cstr(key, kept_on_resource[i]))
                return false;
        }
        return true;
    }
    for (uint32_t i = 0; i < config->copied_key_count; i++) {
        if (slice_equals_cstr(key, config->copied_keys[i]))
            return true;
    }
    return false;
}

/* The resource attributes copied onto its points: scalar, wanted, each key once. */
static bool collect_copied(conversion *c, resource_record *record)
{
    key_value_ref *copied = arena_alloc(c->arena, ((size_t)record->attribute_count + 1) * sizeof *copied);
    if (copied == NULL)
        return false;
    uint32_t n = 0;
    for (uint32_t i = 0; i < record->attribute_count; i++) {
        const key_value_ref *attribute = &record->attributes[i];
        bool seen = false;
        for (uint32_t j = 0; j < n && !seen; j++)
            seen = slice_equals(copied[j].key, attribute->key);
        if (!seen && attribute->key.size > 0 && copies_key(c->config, attribute->key) &&
            is_scalar(attribute->value))
            copied[n++] = *attribute;
    }
    record->copied = copied;
    record->copied_count = n;
    if (n > c->max_copied)
        c->max_copied = n;
    return true;
}

/* Appends piece to an identity, length first, so that pieces cannot blur. */
static bool identity_piece(byte_buffer *identity, byte_slice piece)
{
    uint32_t size = (uint32_t)piece.size;
    return buffer_append(identity, &size, sizeof size) && buffer_append(identity, piece.data, piece.size);
}

int64_t conversion_resource(conversion *c, const resource_record *candidate)
{
    byte_buffer identity;
    buffer_init(&identity, c->arena);
    uint32_t id = identity_piece(&identity, candidate->canonical) &&
                          identity_piece(&identity, candidate->schema_url)
                      ? intern(&c->identities, (byte_slice){identity.data, identity.size})
                      : INTERN_NONE;
    if (id == INTERN_NONE)
        return -1;
    if (id <= c->resources.count)
        return id - 1;
    resource_record *record = vector_push(c->arena, &c->resources, sizeof *record);
    if (record == NULL)
        return -1;
    *record = *candidate;
    if ((record->attributes == NULL && !parse_canonical(c, record)) || !collect_copied(c, record))
        return -1;
    return id - 1;
}

int64_t conversion_rule_set(conversion *c, const rule_set *candidate)
{
    byte_buffer identity;
    buffer_init(&identity, c->arena);
    bool ok = true;
    for (uint32_t i = 0; i < candidate->count && ok; i++) {
        const extracted_attribute *extracted = &candidate->items[i];
        ok = identity_piece(&identity, (byte_slice){(const uint8_t *)extracted->key, strlen(extracted->key)}) &&
             identity_piece(&identity, extracted->value);
    }
    uint32_t id = ok ? intern(&c->rule_identities, (byte_slice){identity.data, identity.size}) : INTERN_NONE;
    if (id == INTERN_NONE)
        return -1;
    if (id <= c->rule_sets.count)
        return id - 1;
    rule_set *set = vector_push(c->arena, &c->rule_sets, sizeof *set);
    if (set == NULL)
        return -1;
    *set = *candidate;
    return id - 1;
}

/* The rule set of the current request's configured attributes that the
 * resource does not shadow (a resource attribute of the same key wins). */
static int64_t settle_rules(conversion *c, const resource_record *resource)
{
    const request_record *request = &((const request_record *)c->requests.items)[c->requests.count - 1];
    const extracted_attribute *extracted = request->extracted.items;
    extracted_attribute *kept = arena_alloc(c->arena, ((size_t)request->extracted.count + 1) * sizeof *kept);
    if (kept == NULL)
        return -1;
    uint32_t n = 0;
    for (uint32_t i = 0; i < request->extracted.count; i++) {
        byte_slice key = {(const uint8_t *)extracted[i].key, strlen(extracted[i].key)};
        if (!canonical_has_key(resource, key)) {
            kept[n++] = extracted[i];
            continue;
        }
        c->stats.attributes_shadowed++;
        if (c->shadowed_key == NULL)
            c->shadowed_key = extracted[i].key;
    }
    return conversion_rule_set(c, &(rule_set){kept, n});
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
    byte_buffer canonical;
    buffer_init(&canonical, c->arena);
    if (!otlp_canonical_attributes(c->dictionary, resource->attributes, resource->attribute_count,
                                   &canonical))
        return false;
    resource_record candidate = {.dropped_attributes_count = resource->dropped_attributes_count,
                                 .schema_url = resource->schema_url,
                                 .canonical = {canonical.data, canonical.size}};
    if (!parse_canonical(c, &candidate))
        return false;
    int64_t index = conversion_resource(c, &candidate);
    int64_t rules = index >= 0 ? settle_rules(c, &candidate) : -1;
    if (rules < 0)
        return false;
    c->resource.record = (uint32_t)index;
    c->resource.rules = (uint32_t)rules;
    return !c->arena->failed;
}

static bool on_scope(void *context, decoded_profile *profiles, uint32_t count)
{
    conversion *c = context;
    c->plans = arena_calloc(c->arena, (size_t)count + 1, sizeof(profile_plan));
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

static bool on_profile(void *context, const decoded_profile *profile)
{
    conversion *c = context;
    c->plan = &c->plans[c->plan_cursor++];
    c->profile_serial++;
    c->profile_scan = (attribute_scan){0};
    c->profile_pattern_bits = 0;
    if (c->plan->disposition != PLAN_KEEP)
        return true;
    attributes_scan_indices(c->dictionary, profile->attribute_indices, profile->attribute_count,
                            &c->profile_scan);
    c->profile_pattern_bits = c->resource.pattern_bits;
    if (c->config->pattern_filter.enabled)
        c->profile_pattern_bits |= pattern_bits_of_indices(c, profile->attribute_indices,
                                                           profile->attribute_count);
    c->profile_start = profile->time_unix_nano;
    c->profile_duration = profile->duration_nano;
    bool gauge = c->metrics->items[c->plan->base_metric].gauge;
    c->snapshot = gauge ? c->profile_serial : 0;
    return !c->arena->failed;
}

/* Pattern-filter bits of a stack's function names, cached on the stack. */
static uint8_t stack_pattern_bits(conversion *c, stack_info *stack)
{
    enum { STACK_BITS_KNOWN = 0x80 };
    if (!(stack->pattern_bits & STACK_BITS_KNOWN)) {
        uint8_t bits = 0;
        for (uint32_t i = 0; i < stack->function_count; i++)
            bits |= pattern_bits_of(c, stack->functions[i]);
        stack->pattern_bits = (uint8_t)(bits | STACK_BITS_KNOWN);
    }
    return stack->pattern_bits & (MATCH_INCLUDE | MATCH_EXCLUDE);
}

/* Whether the sample's own fields are usable (indices, value shape). */
static bool sample_valid(const conversion *c, const decoded_sample *sample)
{
    profile_dictionary *dictionary = c->dictionary;
    if (!dictionary_index_valid(&dictionary->stacks, sample->stack_index) ||
        sample->link_index < 0 || ((uint32_t)sample->link_index >= dictionary->link_count &&
                                   sample->link_index != 0) ||
        !dictionary_attributes_valid(dictionary, sample->attribute_indices, sample->attribute_count))
        return false;
    if (sample->value_count > 0 && sample->timestamp_count > 0 &&
        sample->value_count != sample->timestamp_count)
        return false;
    return !sample->value_negative && !sample->value_overflow;
}

static bool sample_filtered(conversion *c, const resource_walk *resource,
                            const attribute_scan *sample_scan, const decoded_sample *sample,
                            stack_info *stack)
{
    const ptm_config *config = c->config;
    uint32_t process = sample_scan->process ? sample_scan->process
                     : c->profile_scan.process ? c->profile_scan.process : resource->scan.process;
    uint32_t thread = sample_scan->thread ? sample_scan->thread
                    : c->profile_scan.thread ? c->profile_scan.thread : resource->scan.thread;
    if (!filter_accepts(&config->process_filter,
                        filter_match(&config->process_filter, &c->process_cache, c->arena,
                                     &c->interner, process)))
        return true;
    if (!filter_accepts(&config->thread_filter,
                        filter_match(&config->thread_filter, &c->thread_cache, c->arena,
                                     &c->interner, thread)))
        return true;
    if (config->pattern_filter.enabled) {
        uint8_t bits = c->profile_pattern_bits | stack_pattern_bits(c, stack) |
                       pattern_bits_of_indices(c, sample->attribute_indices, sample->attribute_count);
        if (!filter_accepts(&config->pattern_filter, bits))
            return true;
    }
    return false;
}

/* Resolves the function series of a stack for the current profile and
 * caches their indices on the stack (later samples skip the hash table). */
static bool resolve_function_series(conversion *c, stack_info *stack, const resource_walk *resource,
                                    int64_t value, uint64_t start, uint64_t end)
{
    const profile_plan *plan = c->plan;
    if (stack->series_indices == NULL) {
        stack->series_indices = arena_alloc(c->arena, ((size_t)stack->function_count + 1) * sizeof(uint32_t));
        if (stack->series_indices == NULL)
            return false;
    }
    series_key key = {.resource = resource->record, .rules = resource->rules, .snapshot = c->snapshot};
    stack->cached = false;
    if (plan->self_metric >= 0) {
        key.metric = (uint32_t)plan->self_metric;
        key.function = stack->leaf_function;
        if (!aggregate_add(&c->aggregator, &key, value, start, end, &stack->series_indices[0]))
            return false;
    }
    if (plan->inclusive_metric >= 0) {
        key.metric = (uint32_t)plan->inclusive_metric;
        for (uint32_t i = 0; i < stack->function_count; i++) {
            key.function = stack->functions[i];
            if (!aggregate_add(&c->aggregator, &key, value, start, end, &stack->series_indices[1 + i]))
                return false;
        }
    }
    stack->cached = true;
    stack->cache_resource = resource->record;
    stack->cache_rules = resource->rules;
    stack->cache_snapshot = c->snapshot;
    stack->cache_self_metric = plan->self_metric;
    stack->cache_inclusive_metric = plan->inclusive_metric;
    return true;
}

static bool aggregate_functions(conversion *c, stack_info *stack, const resource_walk *resource,
                                int64_t value, uint64_t start, uint64_t end)
{
    const profile_plan *plan = c->plan;
    if (stack->function_count == 0 || (plan->self_metric < 0 && plan->inclusive_metric < 0))
        return true;
    if (!stack->cached || stack->cache_resource != resource->record ||
        stack->cache_rules != resource->rules || stack->cache_snapshot != c->snapshot || stack->cache_self_metric != plan->self_metric ||
        stack->cache_inclusive_metric != plan->inclusive_metric)
        return resolve_function_series(c, stack, resource, value, start, end);
    if (plan->self_metric >= 0)
        aggregate_add_at(&c->aggregator, stack->series_indices[0], value, start, end);
    if (plan->inclusive_metric >= 0) {
        for (uint32_t i = 0; i < stack->function_count; i++)
            aggregate_add_at(&c->aggregator, stack->series_indices[1 + i], value, start, end);
    }
    return true;
}

static bool aggregate_sample(conversion *c, const resource_walk *resource,
                             const attribute_scan *sample_scan, stack_info *stack,
                             int64_t value, uint64_t end)
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
    return aggregate_add(&c->aggregator, &key, value, c->profile_start, end, NULL) &&
           aggregate_functions(c, stack, resource, value, c->profile_start, end);
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
    if (c->plan->disposition == PLAN_INVALID || !sample_valid(c, sample) ||
        __builtin_mul_overflow(raw, c->plan->multiplier, &value)) {
        stats->samples_invalid++;
        return true;
    }
    stack_info *stack = (stack_info *)dictionary_stack_info(c->dictionary, sample->stack_index);
    if (stack == NULL)
        return false;
    if (stack->state == STACK_INVALID) {
        stats->samples_invalid++;
        return true;
    }
    const resource_walk *resource = &c->resource;
    attribute_scan sample_scan = {0};
    attributes_scan_indices(c->dictionary, sample->attribute_indices, sample->attribute_count,
                            &sample_scan);
    if (sample_filtered(c, resource, &sample_scan, sample, stack)) {
        stats->samples_filtered++;
        return !c->arena->failed;
    }
    stats->samples_kept++;
    if (value == 0)
        return true; /* adds nothing: no point is made for it */
    uint64_t end = c->profile_duration > 0 ? c->profile_start + c->profile_duration
                 : sample->max_timestamp > c->profile_start ? sample->max_timestamp
                 : c->profile_start;
    return aggregate_sample(c, resource, &sample_scan, stack, value, end) && !c->arena->failed;
}

decode_handler conversion_handler(conversion *c)
{
    return (decode_handler){.context = c, .request = on_request, .resource = on_resource,
                            .scope = on_scope, .profile = on_profile, .sample = on_sample};
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
    return true;
}

uint32_t point_attribute_capacity(const conversion *c)
{
    return 4 + c->max_copied + c->config->attribute_count;
}

static byte_slice cstr_slice(const char *text)
{
    return (byte_slice){(const uint8_t *)text, strlen(text)};
}

static bool key_taken(const point_attribute *attributes, uint32_t count, byte_slice key)
{
    for (uint32_t i = 0; i < count; i++) {
        if (slice_equals(attributes[i].key, key))
            return true;
    }
    return false;
}

uint32_t point_attributes(const conversion *c, const series *s, point_attribute *out)
{
    uint32_t n = 0;
    if (s->key.overflow) {
        out[n++] = (point_attribute){cstr_slice("otel.metric.overflow"), {0}, POINT_TRUE};
        return n; /* the overflow point's only attribute */
    }
    if (s->key.thread != INTERN_NONE)
        out[n++] = (point_attribute){cstr_slice("thread.name"), interned(&c->interner, s->key.thread),
                                     POINT_STRING};
    if (s->key.process != INTERN_NONE)
        out[n++] = (point_attribute){cstr_slice("process.executable.name"),
                                     interned(&c->interner, s->key.process), POINT_STRING};
    if (s->key.function != INTERN_NONE)
        out[n++] = (point_attribute){cstr_slice("code.function.name"),
                                     interned(&c->interner, s->key.function), POINT_STRING};
    const resource_record *resource = &((const resource_record *)c->resources.items)[s->key.resource];
    uint32_t own = n;
    for (uint32_t i = 0; i < resource->copied_count; i++) {
        if (!key_taken(out, own, resource->copied[i].key))
            out[n++] = (point_attribute){resource->copied[i].key, resource->copied[i].value, POINT_ANY};
    }
    const rule_set *rules = &((const rule_set *)c->rule_sets.items)[s->key.rules];
    for (uint32_t i = 0; i < rules->count; i++) {
        byte_slice key = cstr_slice(rules->items[i].key);
        if (!key_taken(out, n, key))
            out[n++] = (point_attribute){key, rules->items[i].value, POINT_STRING};
    }
    return n;
}
