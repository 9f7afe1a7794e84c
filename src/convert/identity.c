/*
 * identity.c: what tells series apart. Resources are kept once per identity
 * (canonical attributes and schema URL, interned), the configured rules'
 * values once per distinct set (less what the resource shadows), and a
 * series' point attributes are put together from its key, its resource's
 * copied attributes and its rule set (docs/semantics.md, "Point attributes"
 * and "Series"). Identities are byte strings of length-prefixed pieces, so
 * that no two different inputs give the same one. Candidates are put
 * together in the request arena; a new resource or rule set is copied into
 * the conversion's arena, so that it outlives its request (pipeline.h).
 */
#include "convert/pipeline.h"

#include <string.h>

static byte_slice cstr_slice(const char *text);

/* Whether a Resource message body (canonical attributes) has key. */
static bool canonical_has_key(const resource_record *record, byte_slice key)
{
    for (uint32_t i = 0; i < record->attribute_count; i++) {
        if (slice_equals(record->attributes[i].key, key))
            return true;
    }
    return false;
}

/* Where parse_canonical collects: attributes and their KeyValue messages. */
typedef struct canonical_lists {
    arena *arena;
    arena_vector attributes;   /* key_value_ref */
    arena_vector messages;     /* byte_slice */
} canonical_lists;

static bool collect_key_value(byte_slice element, void *context)
{
    canonical_lists *lists = context;
    key_value_ref *attribute = vector_push(lists->arena, &lists->attributes, sizeof *attribute);
    byte_slice *message = vector_push(lists->arena, &lists->messages, sizeof *message);
    if (attribute == NULL || message == NULL)
        return false;
    *message = element;
    return key_value_decode(element, attribute);
}

/* Parses record->canonical into record->attributes. */
static bool parse_canonical(conversion *c, resource_record *record)
{
    canonical_lists lists = {.arena = c->arena};
    if (!any_value_each(record->canonical, collect_key_value, &lists) && c->arena->failed)
        return false;
    record->attributes = lists.attributes.items;
    record->messages = lists.messages.items;
    record->attribute_count = lists.attributes.count;
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

/* The resource attributes copied onto its points: scalar, wanted, each key
 * once (the first copied of that key). Linear: past a few, keys are looked up
 * in an interner (in the request arena), not compared with each copied one. */
static bool collect_copied(conversion *c, resource_record *record)
{
    copied_attribute *copied = arena_alloc(c->arena, ((size_t)record->attribute_count + 1) * sizeof *copied);
    if (copied == NULL)
        return false;
    enum { COMPARED = 8 }; /* up to this many attributes, keys are compared */
    string_interner keys;
    bool interned = record->attribute_count > COMPARED;
    if (interned && !interner_init(&keys, c->request_arena, &c->hash_key))
        return false;
    uint32_t n = 0;
    for (uint32_t i = 0; i < record->attribute_count; i++) {
        const key_value_ref *attribute = &record->attributes[i];
        if (attribute->key.size == 0 || !copies_key(c->config, attribute->key) || !is_scalar(attribute->value))
            continue;
        bool seen = false;
        if (interned) {
            uint32_t id = intern(&keys, attribute->key);
            if (id == INTERN_NONE)
                return false;
            seen = id <= n; /* ids count up from 1 in order of first sight, one per copied key */
        } else {
            for (uint32_t j = 0; j < n && !seen; j++)
                seen = slice_equals(copied[j].key, attribute->key);
        }
        if (!seen)
            copied[n++] = (copied_attribute){attribute->key, attribute->value, record->messages[i]};
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

/* A copy of slice in the conversion's arena; false when memory ran out. */
static bool keep_slice(conversion *c, byte_slice *slice)
{
    if (slice->size == 0)
        return true;
    slice->data = arena_dup(c->arena, slice->data, slice->size);
    return slice->data != NULL;
}

int64_t conversion_resource(conversion *c, const resource_record *candidate)
{
    byte_buffer identity;
    buffer_init(&identity, c->request_arena);
    uint32_t id = identity_piece(&identity, candidate->canonical) &&
                          identity_piece(&identity, candidate->schema_url)
                      ? intern_copy(&c->identities, (byte_slice){identity.data, identity.size})
                      : INTERN_NONE;
    if (id == INTERN_NONE)
        return -1;
    if (id <= c->resources.count)
        return id - 1;
    resource_record *record = vector_push(c->arena, &c->resources, sizeof *record);
    if (record == NULL)
        return -1;
    *record = (resource_record){.dropped_attributes_count = candidate->dropped_attributes_count,
                                .schema_url = candidate->schema_url, .canonical = candidate->canonical};
    if (!keep_slice(c, &record->schema_url) || !keep_slice(c, &record->canonical) ||
        !parse_canonical(c, record) || !collect_copied(c, record))
        return -1;
    return id - 1;
}

/* A copy of set (values included) in the conversion's arena; false when
 * memory ran out. Keys are the configuration's, which outlives it. */
static bool keep_rule_set(conversion *c, rule_set *set)
{
    extracted_attribute *items = arena_alloc(c->arena, ((size_t)set->count + 1) * sizeof *items);
    if (items == NULL)
        return false;
    for (uint32_t i = 0; i < set->count; i++) {
        items[i] = set->items[i];
        if (!keep_slice(c, &items[i].value))
            return false;
    }
    set->items = items;
    return true;
}

/* Keeps the first item of each key in a candidate rule set (in the request
 * arena when it drops one): a key of the configured attributes may repeat,
 * and a breakdown's labels, a rule's constants and the configured
 * attributes may share one. Linear: keys are looked up in an interner. */
static bool first_of_each_key(conversion *c, rule_set *set)
{
    if (set->count < 2)
        return true;
    if (set->count <= 8) { /* the common case: a few keys, compared */
        bool repeated = false;
        for (uint32_t i = 1; i < set->count && !repeated; i++) {
            for (uint32_t j = 0; j < i && !repeated; j++)
                repeated = strcmp(set->items[i].key, set->items[j].key) == 0;
        }
        if (!repeated)
            return true;
    }
    string_interner keys;
    extracted_attribute *kept = arena_alloc(c->request_arena, (size_t)set->count * sizeof *kept);
    if (kept == NULL || !interner_init(&keys, c->request_arena, &c->hash_key))
        return false;
    uint32_t n = 0;
    for (uint32_t i = 0; i < set->count; i++) {
        uint32_t id = intern(&keys, cstr_slice(set->items[i].key));
        if (id == INTERN_NONE)
            return false;
        if (id > n)
            kept[n++] = set->items[i]; /* new: ids count up in order of first sight */
    }
    if (n < set->count)
        *set = (rule_set){kept, n};
    return true;
}

int64_t conversion_rule_set(conversion *c, const rule_set *candidate_in)
{
    rule_set unique = *candidate_in;
    if (!first_of_each_key(c, &unique))
        return -1;
    const rule_set *candidate = &unique;
    byte_buffer identity;
    buffer_init(&identity, c->request_arena);
    bool ok = true;
    for (uint32_t i = 0; i < candidate->count && ok; i++) {
        const extracted_attribute *extracted = &candidate->items[i];
        ok = identity_piece(&identity, (byte_slice){(const uint8_t *)extracted->key, strlen(extracted->key)}) &&
             identity_piece(&identity, extracted->value);
    }
    uint32_t id = ok ? intern_copy(&c->rule_identities, (byte_slice){identity.data, identity.size})
                     : INTERN_NONE;
    if (id == INTERN_NONE)
        return -1;
    if (id <= c->rule_sets.count)
        return id - 1;
    rule_set *set = vector_push(c->arena, &c->rule_sets, sizeof *set);
    if (set == NULL)
        return -1;
    *set = *candidate;
    if (!keep_rule_set(c, set))
        return -1;
    if (set->count > c->max_rule_items)
        c->max_rule_items = set->count;
    return id - 1;
}

int64_t conversion_settle_rules(conversion *c, const resource_record *resource)
{
    const request_record *request = &c->request;
    const extracted_attribute *extracted = request->extracted.items;
    extracted_attribute *kept = arena_alloc(c->request_arena,
                                            ((size_t)request->extracted.count + 1) * sizeof *kept);
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

uint32_t point_attribute_capacity(const conversion *c)
{
    uint32_t rules = c->max_rule_items > c->config->attribute_count ? c->max_rule_items
                                                                    : c->config->attribute_count;
    return 4 + c->max_copied + rules;
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

/* A point's own attributes (thread, process, function; the overflow
 * point's one) into out; the count. */
static uint32_t own_attributes(const conversion *c, const series *s, point_attribute *out)
{
    uint32_t n = 0;
    if (s->key.overflow) {
        out[n++] = (point_attribute){.key = cstr_slice("otel.metric.overflow"), .kind = POINT_TRUE};
        return n; /* the overflow point's only attribute */
    }
    if (s->key.thread != INTERN_NONE)
        out[n++] = (point_attribute){.key = cstr_slice("thread.name"),
                                     .value = interned(&c->interner, s->key.thread)};
    if (s->key.process != INTERN_NONE)
        out[n++] = (point_attribute){.key = cstr_slice("process.executable.name"),
                                     .value = interned(&c->interner, s->key.process)};
    if (s->key.function != INTERN_NONE)
        out[n++] = (point_attribute){.key = cstr_slice("code.function.name"),
                                     .value = interned(&c->interner, s->key.function)};
    return n;
}

/* How many of its resource's copied attributes a point with own attributes
 * and rules carries: what max_point_attributes leaves. */
static uint32_t copied_room(const conversion *c, uint32_t own, const rule_set *rules)
{
    uint64_t taken = (uint64_t)own + rules->count;
    return taken < c->config->max_point_attributes ? (uint32_t)(c->config->max_point_attributes - taken) : 0;
}

/* The copied attributes of s's resource not shadowed by its own ones (the
 * first own of out), up to room, into out[own...]; the count copied. */
static uint32_t copy_attributes(const conversion *c, const series *s, point_attribute *out, uint32_t own,
                                uint32_t room)
{
    const resource_record *resource = series_resource(c, s);
    uint32_t n = 0;
    for (uint32_t i = 0; i < resource->copied_count && n < room; i++) {
        if (!key_taken(out, own, resource->copied[i].key))
            out[own + n++] = (point_attribute){.key = resource->copied[i].key, .value = resource->copied[i].value,
                                               .kind = POINT_ANY, .message = resource->copied[i].message};
    }
    return n;
}

uint32_t point_attributes(const conversion *c, const series *s, point_attribute *out)
{
    uint32_t own = own_attributes(c, s, out);
    if (s->key.overflow)
        return own;
    const rule_set *rules = &((const rule_set *)c->rule_sets.items)[s->key.rules];
    uint32_t n = own + copy_attributes(c, s, out, own, copied_room(c, own, rules));
    /* A rule set's keys are distinct (first_of_each_key) and none is its
     * resource's (conversion_settle_rules, labeled_rule_set), so a rule's
     * key is checked against the converter's own keys only: linear. */
    for (uint32_t i = 0; i < rules->count; i++) {
        byte_slice key = cstr_slice(rules->items[i].key);
        if (!key_taken(out, own, key))
            out[n++] = (point_attribute){.key = key, .value = rules->items[i].value};
    }
    return n;
}

uint32_t point_attributes_left_off(const conversion *c, const series *s)
{
    if (s->key.overflow)
        return 0;
    const resource_record *resource = series_resource(c, s);
    const rule_set *rules = &((const rule_set *)c->rule_sets.items)[s->key.rules];
    enum { OWN_MAX = 4 }; /* own_attributes' most */
    if ((uint64_t)resource->copied_count + OWN_MAX + rules->count <= c->config->max_point_attributes)
        return 0; /* everything fits: nothing to count (the usual case, once per series) */
    point_attribute own[OWN_MAX];
    uint32_t count = own_attributes(c, s, own);
    uint32_t copied = 0;
    for (uint32_t i = 0; i < resource->copied_count; i++)
        copied += !key_taken(own, count, resource->copied[i].key);
    uint32_t room = copied_room(c, count, rules);
    return copied > room ? copied - room : 0;
}
