/*
 * breakdown.c: the breakdown and recording-rule stage. See breakdown.h for
 * the design and docs/metrics.md, "Breakdowns" and "Recording rules", for what
 * each metric counts.
 *
 * Invariants: a stack's facts (c->breakdowns.stacks[i]) are computed at its
 * first kept sample of the request and never change; a label tuple holds
 * the interned value ids of a breakdown's attributes in its key order
 * (INTERN_NONE where one is absent) or of a rule's group_by keys; a memo
 * entry names the series aggregate_add gave for (context, metric, tuple).
 */
#include "convert/breakdown.h"

#include "decode/frame_names.h"
#include "base/number_text.h"
#include "convert/pipeline.h"

#include <string.h>

/* Each breakdown's attribute keys, in tuple order (docs/metrics.md). */
enum { BREAKDOWN_LABELS_MAX = 4 };
static const char *const breakdown_keys[BREAKDOWN_KIND_COUNT][BREAKDOWN_LABELS_MAX] = {
    [BREAKDOWN_FRAME_TYPE] = {"profile.frame.type"},
    [BREAKDOWN_LIBRARY] = {"profile.frame.library"},
    [BREAKDOWN_KERNEL] = {"profile.kernel.area", "profile.kernel.protocol", "profile.kernel.direction",
                          "profile.kernel.syscall"},
    [BREAKDOWN_PACKAGE] = {"profile.frame.package"},
};

static byte_slice cstr_slice(const char *text)
{
    return (byte_slice){(const uint8_t *)text, strlen(text)};
}



static uint32_t key_slot(const breakdown_state *state, byte_slice key);

/* The slot + 1 of a group_by key, adding it (group_keys has room). */
static uint32_t group_slot(breakdown_state *state, const char *key)
{
    uint32_t slot = key_slot(state, cstr_slice(key));
    if (slot == 0) {
        state->group_keys[state->group_key_count++] = key;
        slot = state->group_key_count;
    }
    return slot;
}

/* The distinct group_by keys and each rule's slots. */
static bool init_group_keys(conversion *c, breakdown_state *state)
{
    const ptm_config *config = c->config;
    size_t most = (size_t)config->rule_count * RULE_GROUP_BY_MAX + 1;
    state->group_keys = arena_calloc(c->arena, most, sizeof(const char *));
    state->rule_slots = arena_calloc(c->arena, most, sizeof(uint32_t));
    if (state->group_keys == NULL || state->rule_slots == NULL)
        return false;
    for (uint32_t r = 0; r < config->rule_count; r++) {
        const recording_rule *rule = &config->rules[r];
        for (uint32_t k = 0; k < rule->group_by_count; k++)
            state->rule_slots[r * RULE_GROUP_BY_MAX + k] = group_slot(state, rule->group_by[k]);
        if (rule->group_by_count > 0)
            state->grouping_rules |= (uint64_t)1 << r;
    }
    size_t slots = (size_t)state->group_key_count + 1;
    state->resource_values = arena_calloc(c->arena, slots, sizeof(uint32_t));
    state->context_values = arena_calloc(c->arena, slots, sizeof(uint32_t));
    state->sample_values = arena_calloc(c->arena, slots, sizeof(uint32_t));
    return state->resource_values != NULL && state->context_values != NULL &&
           state->sample_values != NULL;
}

bool breakdown_init(conversion *c)
{
    breakdown_state *state = &c->breakdowns;
    const metric_table *metrics = c->metrics;
    for (int kind = 0; kind < BREAKDOWN_KIND_COUNT; kind++) {
        for (int measure = 0; measure < BREAKDOWN_MEASURE_COUNT; measure++)
            state->kinds[kind] = state->kinds[kind] || metrics->breakdown[kind][measure] >= 0;
        state->active = state->active || state->kinds[kind];
    }
    for (uint32_t r = 0; r < c->config->rule_count; r++) {
        for (int measure = 0; measure < BREAKDOWN_MEASURE_COUNT; measure++) {
            if (c->config->rules[r].measures & (1u << measure))
                state->measure_rules[measure] |= (uint64_t)1 << r;
        }
        if (c->config->rules[r].inclusive)
            state->inclusive_rules |= (uint64_t)1 << r;
        state->active = true;
    }
    if (!state->active)
        return true;
    state->memos = arena_calloc(c->arena, LABELED_MEMOS, sizeof(labeled_series_memo));
    state->unknown = intern(&c->interner, frame_unknown);
    return state->memos != NULL && state->unknown != INTERN_NONE &&
           interner_init(&state->tuples, c->arena, &c->hash_key) && init_group_keys(c, state);
}

bool breakdown_request(conversion *c)
{
    breakdown_state *state = &c->breakdowns;
    if (!state->active)
        return true;
    const profile_dictionary *dictionary = c->dictionary;
    state->stacks = arena_calloc(c->request_arena, (size_t)dictionary->stacks.count + 1,
                                 sizeof(stack_breakdown));
    state->location_types = arena_calloc(c->request_arena, (size_t)dictionary->locations.count + 1,
                                         sizeof(uint32_t));
    state->attribute_groups = arena_calloc(c->request_arena, (size_t)dictionary->attributes.count + 1,
                                           sizeof(group_value));
    state->kernel_names = (arena_vector){0};
    return state->stacks != NULL && state->location_types != NULL && state->attribute_groups != NULL;
}

/* The interned text of a scalar attribute value (strings as they are,
 * numbers and booleans as text); INTERN_NONE for the others. */
static uint32_t value_text_id(conversion *c, byte_slice raw)
{
    byte_slice text;
    if (dictionary_string_value(c->dictionary, raw, &text))
        return intern(&c->interner, text);
    any_value value;
    char digits[DOUBLE_TEXT_MAX > INTEGER_TEXT_MAX ? DOUBLE_TEXT_MAX : INTEGER_TEXT_MAX];
    if (!any_value_decode(raw, &value))
        return INTERN_NONE;
    if (value.kind == ANY_INT)
        return intern_copy(&c->interner, (byte_slice){(const uint8_t *)digits, int64_text(value.integer, digits)});
    if (value.kind == ANY_DOUBLE)
        return intern_copy(&c->interner, (byte_slice){(const uint8_t *)digits, double_text(value.number, digits)});
    if (value.kind == ANY_BOOL)
        return intern(&c->interner, cstr_slice(value.boolean ? "true" : "false"));
    return INTERN_NONE;
}

/* The group_by slot (+ 1; 0: none) of an attribute key. */
static uint32_t key_slot(const breakdown_state *state, byte_slice key)
{
    for (uint32_t i = 0; i < state->group_key_count; i++) {
        if (slice_equals_cstr(key, state->group_keys[i]))
            return i + 1;
    }
    return 0;
}

/* What the dictionary attribute at index (valid) gives group_by. */
static const group_value *attribute_group(conversion *c, int32_t index)
{
    group_value *group = &c->breakdowns.attribute_groups[index];
    if (group->known || (uint32_t)index >= c->dictionary->attributes.count)
        return group;
    const dictionary_attribute *attribute =
        &((const dictionary_attribute *)c->dictionary->attributes.items)[index];
    group->known = true;
    group->slot = key_slot(&c->breakdowns, dictionary_string(c->dictionary, attribute->key_strindex));
    if (group->slot != 0)
        group->value = value_text_id(c, attribute->value);
    return group;
}

bool breakdown_resource(conversion *c, const decoded_resource *resource)
{
    breakdown_state *state = &c->breakdowns;
    if (state->group_key_count == 0)
        return true;
    memset(state->resource_values, 0, state->group_key_count * sizeof(uint32_t));
    for (uint32_t i = resource->attribute_count; i > 0; i--) { /* the first of a key wins */
        uint32_t slot = key_slot(state, resource->attributes[i - 1].key);
        if (slot == 0)
            continue;
        uint32_t value = value_text_id(c, resource->attributes[i - 1].value);
        if (value != INTERN_NONE)
            state->resource_values[slot - 1] = value;
    }
    return !c->arena->failed;
}

/* Lays the group values of dictionary attributes over values (by slot). */
static void overlay_attributes(conversion *c, const int32_t *indices, uint32_t count, uint32_t *values)
{
    for (uint32_t i = count; i > 0; i--) { /* the first of a key wins */
        const group_value *group = attribute_group(c, indices[i - 1]);
        if (group->slot != 0 && group->value != INTERN_NONE)
            values[group->slot - 1] = group->value;
    }
}

bool breakdown_profile(conversion *c, const decoded_profile *profile)
{
    breakdown_state *state = &c->breakdowns;
    if (state->group_key_count == 0)
        return true;
    memcpy(state->context_values, state->resource_values, state->group_key_count * sizeof(uint32_t));
    overlay_attributes(c, profile->attribute_indices, profile->attribute_count, state->context_values);
    return !c->arena->failed;
}

/* The interned tuple of count value ids. */
static uint32_t tuple_id(breakdown_state *state, const uint32_t *values, uint32_t count)
{
    return intern_copy(&state->tuples, (byte_slice){(const uint8_t *)values, count * sizeof(uint32_t)});
}

/* The location at index (valid, or 0 of an empty table). */
static const dictionary_location *location_at(const profile_dictionary *dictionary, int32_t index)
{
    static const dictionary_location none = {0};
    return (uint32_t)index < dictionary->locations.count
        ? &((const dictionary_location *)dictionary->locations.items)[index] : &none;
}

/* The interned profile.frame.type of a location ("[unknown]" when it has
 * none), cached per location. */
static uint32_t location_type(conversion *c, int32_t index)
{
    uint32_t *cached = &c->breakdowns.location_types[index];
    if (*cached != INTERN_NONE)
        return *cached;
    byte_slice type = dictionary_location_type(c->dictionary, location_at(c->dictionary, index));
    *cached = type.size > 0 ? intern(&c->interner, type) : c->breakdowns.unknown;
    return *cached;
}

/* The function of a location's first line (NULL when it has none). */
static const dictionary_function *leaf_line_function(const profile_dictionary *dictionary,
                                                     const dictionary_location *location)
{
    if (location->line_count == 0)
        return NULL;
    int32_t index = ((const int32_t *)dictionary->line_functions.items)[location->first_line];
    return (uint32_t)index < dictionary->functions.count
        ? &((const dictionary_function *)dictionary->functions.items)[index] : NULL;
}

static uint32_t single_tuple(conversion *c, byte_slice text)
{
    uint32_t id = intern(&c->interner, text);
    return id == INTERN_NONE ? INTERN_NONE : tuple_id(&c->breakdowns, &id, 1);
}

/* The kernel breakdown's tuple of a stack whose leaf is a kernel frame:
 * its kernel frames' names, leaf first, classified. */
static uint32_t kernel_tuple(conversion *c, const int32_t *locations, uint32_t count, uint32_t kernel)
{
    breakdown_state *state = &c->breakdowns;
    const profile_dictionary *dictionary = c->dictionary;
    state->kernel_names.count = 0;
    for (uint32_t i = 0; i < count && location_type(c, locations[i]) == kernel; i++) {
        const dictionary_location *location = location_at(dictionary, locations[i]);
        for (uint32_t line = 0; line < location->line_count; line++) {
            int32_t function = ((const int32_t *)dictionary->line_functions.items)[location->first_line + line];
            if ((uint32_t)function >= dictionary->functions.count)
                continue;
            byte_slice *name = vector_push(c->request_arena, &state->kernel_names, sizeof *name);
            if (name == NULL)
                return INTERN_NONE;
            *name = dictionary_string(dictionary,
                                      ((const dictionary_function *)dictionary->functions.items)[function].name_strindex);
        }
    }
    kernel_class class;
    kernel_classify(state->kernel_names.items, state->kernel_names.count, &class);
    uint32_t values[4] = {intern(&c->interner, cstr_slice(class.area)),
                          class.protocol ? intern(&c->interner, cstr_slice(class.protocol)) : INTERN_NONE,
                          class.direction ? intern(&c->interner, cstr_slice(class.direction)) : INTERN_NONE,
                          class.syscall.size > 0 ? intern(&c->interner, class.syscall) : INTERN_NONE};
    return tuple_id(state, values, 4);
}

/* The breakdown tuples of a stack with a leaf location. */
static void leaf_tuples(conversion *c, const dictionary_stack *entry, stack_breakdown *facts)
{
    breakdown_state *state = &c->breakdowns;
    const profile_dictionary *dictionary = c->dictionary;
    const int32_t *locations = (const int32_t *)dictionary->stack_locations.items + entry->first_location;
    const dictionary_location *leaf = location_at(dictionary, locations[0]);
    uint32_t type_id = location_type(c, locations[0]);
    byte_slice type = type_id == state->unknown ? (byte_slice){0} : interned(&c->interner, type_id);
    facts->tuples[BREAKDOWN_FRAME_TYPE] = tuple_id(state, &type_id, 1);
    if (state->kinds[BREAKDOWN_LIBRARY] && slice_equals_cstr(type, "native")) {
        int32_t mapping = leaf->mapping_index;
        int32_t filename = dictionary_mapping_at(dictionary, mapping)->filename_strindex;
        facts->tuples[BREAKDOWN_LIBRARY] = single_tuple(c, frame_library(dictionary_string(dictionary, filename)));
    }
    if (state->kinds[BREAKDOWN_KERNEL] && slice_equals_cstr(type, "kernel"))
        facts->tuples[BREAKDOWN_KERNEL] = kernel_tuple(c, locations, entry->location_count, type_id);
    const dictionary_function *function = leaf_line_function(dictionary, leaf);
    byte_slice package;
    if (state->kinds[BREAKDOWN_PACKAGE] &&
        frame_package(type, function ? dictionary_string(dictionary, function->name_strindex) : (byte_slice){0},
                      function ? dictionary_string(dictionary, function->filename_strindex) : (byte_slice){0},
                      &package))
        facts->tuples[BREAKDOWN_PACKAGE] = single_tuple(c, package);
}

/* The rules an interned function name matches, cached per name. */
static uint64_t function_rules(conversion *c, uint32_t function)
{
    breakdown_state *state = &c->breakdowns;
    if (function == INTERN_NONE)
        return 0;
    if (function >= state->function_capacity) {
        uint32_t capacity = capacity_for(state->function_capacity, function);
        uint64_t *rules = arena_calloc(c->arena, capacity, sizeof *rules);
        uint8_t *known = arena_calloc(c->arena, capacity, 1);
        if (rules == NULL || known == NULL)
            return 0;
        if (state->function_capacity > 0) {
            memcpy(rules, state->function_rules, state->function_capacity * sizeof *rules);
            memcpy(known, state->function_known, state->function_capacity);
        }
        state->function_rules = rules;
        state->function_known = known;
        state->function_capacity = capacity;
    }
    if (state->function_known[function])
        return state->function_rules[function];
    byte_slice name = interned(&c->interner, function);
    uint64_t matched = 0;
    for (uint32_t r = 0; r < c->config->rule_count; r++) {
        const pattern_list *patterns = &c->config->rules[r].functions;
        for (uint32_t i = 0; i < patterns->count; i++) {
            if (pattern_search(patterns->items[i], name, NULL, c->status)) {
                matched |= (uint64_t)1 << r;
                break;
            }
        }
    }
    state->function_known[function] = 1;
    state->function_rules[function] = matched;
    return matched;
}

/* The rules a stack matches: self rules by its leaf, inclusive rules by
 * any of its distinct functions. */
static uint64_t stack_rules(conversion *c, const stack_info *stack)
{
    uint64_t self = 0, inclusive = 0;
    if (c->config->rule_count == 0)
        return 0;
    self = function_rules(c, stack->self_function);
    for (uint32_t i = 0; i < stack->function_count; i++)
        inclusive |= function_rules(c, stack->functions[i]);
    uint64_t inclusive_rules = c->breakdowns.inclusive_rules;
    return (self & ~inclusive_rules) | (inclusive & inclusive_rules);
}

/* The facts of the stack at index (valid), computed at first use. */
static const stack_breakdown *stack_facts(conversion *c, int32_t index, const stack_info *stack)
{
    stack_breakdown *facts = &c->breakdowns.stacks[index];
    if (facts->known)
        return facts;
    const profile_dictionary *dictionary = c->dictionary;
    const dictionary_stack *entry = (uint32_t)index < dictionary->stacks.count
        ? &((const dictionary_stack *)dictionary->stacks.items)[index] : NULL;
    if (entry != NULL && entry->location_count > 0)
        leaf_tuples(c, entry, facts);
    else
        facts->tuples[BREAKDOWN_FRAME_TYPE] = tuple_id(&c->breakdowns, &c->breakdowns.unknown, 1);
    facts->rules = stack_rules(c, stack);
    facts->known = true;
    return facts;
}

/* Whether the current resource copies an attribute of key onto its points:
 * the point then has the resource's value (pipeline.h, point_attributes), so
 * the label is left out of the series identity too (two series with the
 * same point attributes would be one series to a consumer). */
static bool copied_from_resource(const conversion *c, const char *key)
{
    const resource_record *resource = &((const resource_record *)c->resources.items)[c->resource.record];
    for (uint32_t i = 0; i < resource->copied_count; i++) {
        if (slice_equals_cstr(resource->copied[i].key, key))
            return true;
    }
    return false;
}

/* The rule set of a labeled series: its labels (keys[i] = values of tuple),
 * a rule's constant attributes, then the request's configured attributes.
 * The index, or -1 when memory ran out. */
static int64_t labeled_rule_set(conversion *c, const char *const *keys, uint32_t tuple,
                                const recording_rule *rule)
{
    const rule_set *request = &((const rule_set *)c->rule_sets.items)[c->resource.rules];
    byte_slice tuple_bytes = tuple != INTERN_NONE ? interned(&c->breakdowns.tuples, tuple) : (byte_slice){0};
    uint32_t label_count = (uint32_t)(tuple_bytes.size / sizeof(uint32_t));
    uint32_t constant_count = rule != NULL ? rule->attribute_count : 0;
    extracted_attribute *items = arena_alloc(c->request_arena,
                                             ((size_t)label_count + constant_count + request->count + 1) *
                                                 sizeof *items);
    if (items == NULL)
        return -1;
    uint32_t n = 0;
    for (uint32_t i = 0; i < label_count; i++) {
        uint32_t value;
        memcpy(&value, tuple_bytes.data + i * sizeof value, sizeof value);
        if (value != INTERN_NONE && !copied_from_resource(c, keys[i]))
            items[n++] = (extracted_attribute){keys[i], interned(&c->interner, value)};
    }
    for (uint32_t i = 0; i < constant_count; i++) {
        if (!copied_from_resource(c, rule->attribute_keys[i]))
            items[n++] = (extracted_attribute){rule->attribute_keys[i], cstr_slice(rule->attribute_values[i])};
    }
    for (uint32_t i = 0; i < request->count; i++)
        items[n++] = request->items[i];
    return conversion_rule_set(c, &(rule_set){items, n});
}

/* Adds value to the series of (metric, tuple) in the current context,
 * through the memo. False when memory ran out. */
static bool add_labeled(conversion *c, uint32_t metric, uint32_t tuple, const char *const *keys,
                        const recording_rule *rule, int64_t value, uint64_t end)
{
    uint32_t mix = c->series_context * 0x9e3779b1u ^ metric * 0x85ebca77u ^ tuple * 0xc2b2ae3du;
    labeled_series_memo *memo = &c->breakdowns.memos[(mix * 0x27d4eb2fu) >> (32 - LABELED_MEMO_BITS)];
    if (memo->context == c->series_context && memo->metric == metric && memo->tuple == tuple) {
        aggregate_add_again(&c->aggregator, memo->index, value, c->profile_start, end);
        return true;
    }
    int64_t rules = labeled_rule_set(c, keys, tuple, rule);
    if (rules < 0)
        return false;
    series_key key = {.metric = metric, .resource = c->resource.record, .snapshot = c->snapshot,
                      .rules = (uint32_t)rules};
    uint32_t index;
    if (!aggregate_add(&c->aggregator, &key, value, c->profile_start, end, &index))
        return false;
    *memo = (labeled_series_memo){c->series_context, metric, tuple, index};
    return true;
}

/* The tuple of a grouping rule's group_by values for this sample. */
static uint32_t group_tuple(conversion *c, uint32_t rule_index, const recording_rule *rule)
{
    breakdown_state *state = &c->breakdowns;
    uint32_t values[RULE_GROUP_BY_MAX];
    for (uint32_t k = 0; k < rule->group_by_count; k++)
        values[k] = state->sample_values[state->rule_slots[rule_index * RULE_GROUP_BY_MAX + k] - 1];
    return tuple_id(state, values, rule->group_by_count);
}

static bool add_rules(conversion *c, const decoded_sample *sample, uint64_t rules, int64_t value,
                      uint64_t end)
{
    breakdown_state *state = &c->breakdowns;
    if (rules & state->grouping_rules) {
        memcpy(state->sample_values, state->context_values, state->group_key_count * sizeof(uint32_t));
        overlay_attributes(c, sample->attribute_indices, sample->attribute_count, state->sample_values);
    }
    for (; rules != 0; rules &= rules - 1) {
        uint32_t r = (uint32_t)__builtin_ctzll(rules);
        const recording_rule *rule = &c->config->rules[r];
        uint32_t tuple = rule->group_by_count > 0 ? group_tuple(c, r, rule) : INTERN_NONE;
        if ((rule->group_by_count > 0 && tuple == INTERN_NONE) ||
            !add_labeled(c, (uint32_t)c->metrics->rule_base + r, tuple, rule->group_by, rule, value, end))
            return false;
    }
    return true;
}

bool breakdown_sample(conversion *c, const decoded_sample *sample, int64_t value, uint64_t end)
{
    breakdown_state *state = &c->breakdowns;
    int measure = c->plan->measure;
    if (!state->active || measure < 0)
        return true;
    const stack_info *stack = &c->dictionary->stack_infos[sample->stack_index];
    const stack_breakdown *facts = stack_facts(c, sample->stack_index, stack);
    if (c->arena->failed || c->request_arena->failed)
        return false;
    for (int kind = 0; kind < BREAKDOWN_KIND_COUNT; kind++) {
        int32_t metric = c->metrics->breakdown[kind][measure];
        if (metric >= 0 && facts->tuples[kind] != INTERN_NONE &&
            !add_labeled(c, (uint32_t)metric, facts->tuples[kind], breakdown_keys[kind], NULL, value, end))
            return false;
    }
    uint64_t rules = facts->rules & state->measure_rules[measure];
    return rules == 0 || add_rules(c, sample, rules, value, end);
}
