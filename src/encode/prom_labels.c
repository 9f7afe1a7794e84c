/*
 * prom_labels.c: the labels of one series of the Prometheus exposition, as
 * Prometheus' OTLP receiver makes them (see encode_prom.c for the rules):
 * resource attributes with scalar values, then the point's attributes,
 * under their label names; keys that give one label name merged into one
 * label, their values joined with ';' in byte order of their keys; a
 * point's label winning over a resource's of the same name unless empty;
 * the resource's labels cut to what max_point_attributes leaves.
 *
 * Each label name is checked once per series through tables by interned
 * name id (seen, head, tail: one generation per set of labels), so a series
 * costs time linear in its labels. What many series repeat is made once: a
 * resource's labels and the labels of its copied attributes (name and
 * escaped text), and the label names of the keys points share (cached by
 * the key's address).
 */
#include "encode/prom_writer.h"
#include "base/number_text.h"
#include "encode/prom_names.h"

#include <stdlib.h>
#include <string.h>

/* Writes a label value: backslash, quote and newline escaped, invalid UTF-8
 * replaced with U+FFFD (the format is UTF-8). */
static void put_label_value(prom_writer *w, byte_slice value)
{
    static const ascii_set stops = {{(1ull << '\n') | (1ull << '"'), 1ull << ('\\' - 64)}};
    size_t i = 0;
    while (i < value.size && w->ok) {
        size_t run = utf8_plain_run(value.data + i, value.size - i, &stops);
        w->ok = run == 0 || text_append(w->out, value.data + i, run);
        i += run;
        if (i == value.size || !w->ok)
            break;
        char ch = (char)value.data[i++]; /* a stop, or a byte of invalid UTF-8 */
        char escaped[2] = {'\\', ch};
        if ((uint8_t)ch >= 0x80)
            w->ok = text_append_literal(w->out, "\xef\xbf\xbd");
        else if (ch == '\n')
            w->ok = text_append_literal(w->out, "\\n");
        else
            w->ok = text_append(w->out, escaped, 2);
    }
}

/* name="value", escaped. */
static void put_label_text(prom_writer *w, const prom_label *label)
{
    w->ok = w->ok && text_append(w->out, label->name.data, label->name.size) && text_append_literal(w->out, "=\"");
    put_label_value(w, label->value);
    w->ok = w->ok && text_append_literal(w->out, "\"");
}

/* Sets label->text, in the arena. */
static void make_label_text(prom_writer *w, prom_label *label)
{
    byte_buffer text, *out = w->out;
    buffer_init(&text, w->c->arena);
    w->out = &text;
    put_label_text(w, label);
    w->out = out;
    label->text = (byte_slice){text.data, text.size};
}

static void put_label(prom_writer *w, bool *first, const prom_label *label)
{
    w->ok = w->ok && (*first ? text_append_literal(w->out, "{") : text_append_literal(w->out, ","));
    *first = false;
    if (label->text.size > 0)
        w->ok = w->ok && text_append(w->out, label->text.data, label->text.size);
    else
        put_label_text(w, label);
}

/* A scalar canonical attribute value (strings resolved, so no strindex) as
 * label text; false for arrays, maps, bytes. */
static bool scalar_text(prom_writer *w, byte_slice raw, byte_slice *text)
{
    any_value value;
    if (!any_value_decode(raw, &value))
        return false;
    byte_buffer scratch;
    buffer_init(&scratch, w->c->arena);
    switch (value.kind) {
    case ANY_STRING:
        *text = value.bytes;
        return true;
    case ANY_BOOL:
        *text = value.boolean ? (byte_slice){(const uint8_t *)"true", 4}
                              : (byte_slice){(const uint8_t *)"false", 5};
        return true;
    case ANY_INT: {
        char integer[INTEGER_TEXT_MAX];
        w->ok = w->ok && buffer_append(&scratch, integer, int64_text(value.integer, integer));
        break;
    }
    case ANY_DOUBLE:
        w->ok = w->ok && format_double(&scratch, value.number);
        break;
    default:
        return false;
    }
    *text = (byte_slice){scratch.data, scratch.size};
    return w->ok;
}

/* The label name of an attribute key and its id in the conversion's
 * interner; empty for a key Prometheus gives no label: one without a letter
 * or digit, and "__name__" (the metric name's label, set from the family). */
static byte_slice named_label(prom_writer *w, byte_slice key, uint32_t *id)
{
    byte_slice name = prom_label_name(w->c->arena, key);
    *id = INTERN_NONE;
    if (name.size == 0 || slice_equals_cstr(name, "__name__"))
        return (byte_slice){0};
    *id = intern(&w->c->interner, name);
    w->ok = w->ok && *id != INTERN_NONE;
    return *id != INTERN_NONE ? name : (byte_slice){0};
}

/* Room for label name ids up to id in the by-id tables; false when memory
 * ran out. Doubles, so growing costs linear time in all. */
bool prom_grow_by_id(prom_writer *w, uint32_t id)
{
    if (id < w->by_id_capacity)
        return true;
    uint32_t capacity = w->by_id_capacity > 0 ? w->by_id_capacity : 64;
    while (capacity <= id)
        capacity *= 2;
    uint32_t *seen = arena_calloc(w->c->arena, capacity, sizeof *seen);
    uint32_t *head = arena_alloc(w->c->arena, (size_t)capacity * sizeof *head);
    uint32_t *tail = arena_alloc(w->c->arena, (size_t)capacity * sizeof *tail);
    if (seen == NULL || head == NULL || tail == NULL)
        return false;
    if (w->by_id_capacity > 0) {
        memcpy(seen, w->seen, w->by_id_capacity * sizeof *seen);
        memcpy(head, w->head, w->by_id_capacity * sizeof *head);
        memcpy(tail, w->tail, w->by_id_capacity * sizeof *tail);
    }
    w->seen = seen;
    w->head = head;
    w->tail = tail;
    w->by_id_capacity = capacity;
    return true;
}

/* Keys in byte order, as Go compares strings. */
static int by_key(const void *a, const void *b)
{
    byte_slice x = (*(prom_label *const *)a)->key, y = (*(prom_label *const *)b)->key;
    size_t common = x.size < y.size ? x.size : y.size;
    int order = common > 0 ? memcmp(x.data, y.data, common) : 0;
    if (order != 0)
        return order;
    return x.size < y.size ? -1 : (x.size > y.size);
}

/* The value of labels that share a name: their values in byte order of their
 * keys, joined with ';' (Prometheus' createAttributes: a value is appended
 * after ';' to a non-empty one, and replaces an empty one). */
static byte_slice joined_value(prom_writer *w, prom_label **group, uint32_t count)
{
    qsort(group, count, sizeof *group, by_key);
    byte_buffer value;
    buffer_init(&value, w->c->arena);
    for (uint32_t i = 0; i < count && w->ok; i++) {
        w->ok = (value.size == 0 || buffer_append_char(&value, ';')) &&
                buffer_append(&value, group[i]->value.data, group[i]->value.size);
    }
    return (byte_slice){value.data, value.size};
}

/*
 * Makes labels[0..count) one label per name (see the top of the file):
 * labels without a name are dropped, those that share a name are merged
 * into the place of the first. Returns the new count; after it, until the
 * next call, seen[id] == generation tells the names present and head[id]
 * the index of each. Linear in count (plus sorting each shared name's keys).
 */
static uint32_t merge_labels(prom_writer *w, prom_label *labels, uint32_t count)
{
    w->generation++;
    bool shared = false;
    for (uint32_t i = 0; i < count && w->ok; i++) {
        uint32_t id = labels[i].id;
        if (labels[i].name.size == 0)
            continue;
        if (!prom_grow_by_id(w, id)) {
            w->ok = false;
            break;
        }
        w->next[i] = NO_LABEL;
        if (w->seen[id] != w->generation) {
            w->seen[id] = w->generation;
            w->head[id] = w->tail[id] = i;
        } else {
            w->next[w->tail[id]] = i;
            w->tail[id] = i;
            shared = true;
        }
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < count && w->ok; i++) {
        uint32_t id = labels[i].id;
        if (labels[i].name.size == 0 || w->head[id] != i)
            continue;
        prom_label label = labels[i];
        if (shared && w->next[i] != NO_LABEL) {
            uint32_t members = 0;
            for (uint32_t j = i; j != NO_LABEL; j = w->next[j])
                w->group[members++] = &labels[j];
            label.value = joined_value(w, w->group, members);
            label.text = (byte_slice){0};
        }
        w->head[id] = n;
        labels[n++] = label;
    }
    return w->ok ? n : 0;
}

/*
 * The labels of a resource, computed once per resource: its scalar
 * attributes under their label names, merged (merge_labels), each with its
 * text made.
 */
static arena_vector *resource_labels(prom_writer *w, uint32_t resource_index)
{
    arena_vector *labels = &w->resource_labels[resource_index];
    if (w->resource_labels_known[resource_index])
        return labels;
    w->resource_labels_known[resource_index] = true;
    const resource_record *resource = &((const resource_record *)w->c->resources.items)[resource_index];
    prom_label *items = arena_alloc(w->c->arena, ((size_t)resource->attribute_count + 1) * sizeof *items);
    uint32_t *next = arena_alloc(w->c->arena, ((size_t)resource->attribute_count + 1) * sizeof *next);
    prom_label **group = arena_alloc(w->c->arena, ((size_t)resource->attribute_count + 1) * sizeof *group);
    w->ok = w->ok && items != NULL && next != NULL && group != NULL;
    uint32_t count = 0;
    for (uint32_t i = 0; i < resource->attribute_count && w->ok; i++) {
        prom_label *label = &items[count];
        *label = (prom_label){.key = resource->attributes[i].key};
        label->name = named_label(w, label->key, &label->id);
        if (label->name.size > 0 && scalar_text(w, resource->attributes[i].value, &label->value))
            count++;
    }
    if (!w->ok)
        return labels;
    uint32_t *point_next = w->next;
    prom_label **point_group = w->group;
    w->next = next;
    w->group = group;
    count = merge_labels(w, items, count);
    w->next = point_next;
    w->group = point_group;
    for (uint32_t i = 0; i < count && w->ok; i++)
        make_label_text(w, &items[i]);
    *labels = (arena_vector){.items = items, .count = count, .capacity = count};
    w->ok = w->ok && !w->c->arena->failed;
    return labels;
}

/* Makes the table of cached names twice as large. */
static bool grow_names(prom_writer *w)
{
    uint32_t capacity = w->names == NULL ? 64 : (w->name_mask + 1) * 2;
    cached_name *names = arena_calloc(w->c->arena, capacity, sizeof *names);
    if (names == NULL)
        return false;
    for (uint32_t i = 0; w->names != NULL && i <= w->name_mask; i++) {
        if (w->names[i].key.data == NULL)
            continue;
        uint64_t words[2] = {(uint64_t)(uintptr_t)w->names[i].key.data, w->names[i].key.size};
        uint32_t slot = (uint32_t)hash_words(&w->c->hash_key, words, 2) & (capacity - 1);
        while (names[slot].key.data != NULL)
            slot = (slot + 1) & (capacity - 1);
        names[slot] = w->names[i];
    }
    w->names = names;
    w->name_mask = capacity - 1;
    return true;
}

/* The label name (and id) of a key that is not a copied attribute's (see
 * cached_name). */
static byte_slice label_name(prom_writer *w, byte_slice key, uint32_t *id)
{
    if ((w->names == NULL || 2 * (w->name_count + 1) > w->name_mask + 1) && !grow_names(w)) {
        w->ok = false;
        return (byte_slice){0};
    }
    uint64_t words[2] = {(uint64_t)(uintptr_t)key.data, key.size};
    uint32_t slot = (uint32_t)hash_words(&w->c->hash_key, words, 2) & w->name_mask;
    for (; w->names[slot].key.data != NULL; slot = (slot + 1) & w->name_mask) {
        if (w->names[slot].key.data == key.data && w->names[slot].key.size == key.size) {
            *id = w->names[slot].id;
            return w->names[slot].name;
        }
    }
    byte_slice name = named_label(w, key, id);
    if (key.data != NULL) {
        w->names[slot] = (cached_name){key, name, *id};
        w->name_count++;
    }
    return name;
}

/* The labels of a resource's copied attributes (scalar, so each has a
 * value text), made once. */
static prom_label *copied_labels(prom_writer *w, uint32_t resource_index)
{
    if (w->copied_labels[resource_index] != NULL)
        return w->copied_labels[resource_index];
    const resource_record *resource = &((const resource_record *)w->c->resources.items)[resource_index];
    prom_label *labels = arena_alloc(w->c->arena, ((size_t)resource->copied_count + 1) * sizeof *labels);
    w->ok = w->ok && labels != NULL;
    for (uint32_t i = 0; i < resource->copied_count && w->ok; i++) {
        labels[i] = (prom_label){.key = resource->copied[i].key};
        labels[i].name = named_label(w, labels[i].key, &labels[i].id);
        if (labels[i].name.size == 0)
            continue;
        if (!scalar_text(w, resource->copied[i].value, &labels[i].value))
            labels[i].name = (byte_slice){0}; /* not scalar after all: left out */
        else
            make_label_text(w, &labels[i]);
    }
    w->copied_labels[resource_index] = w->ok ? labels : NULL;
    return labels;
}

/* How many of its resource's labels a series whose own labels are
 * labels[0, count) carries: what max_point_attributes leaves. */
static uint32_t resource_label_room(const prom_writer *w, const prom_label *labels, uint32_t count)
{
    uint32_t own = 0;
    for (uint32_t i = 0; i < count; i++)
        own += labels[i].name.size > 0;
    uint32_t limit = w->c->config->max_point_attributes;
    return own < limit ? limit - own : 0;
}

/* A sample's series: the family name, the resource's labels (but for names
 * the point's own attributes give a non-empty value), then the point's
 * attributes. */
void prom_put_series(prom_writer *w, byte_slice family, const series *s,
                     point_attribute *attributes, prom_label *point_labels)
{
    const arena_vector *resource = resource_labels(w, s->key.resource);
    const prom_label *resource_items = resource->items;
    uint32_t attribute_count = point_attributes(w->c, s, attributes);
    uint32_t copied = 0;
    for (uint32_t i = 0; i < attribute_count && w->ok; i++) {
        prom_label *label = &point_labels[i];
        if (attributes[i].kind == POINT_ANY) {
            copied = copied_index(series_resource(w->c, s), &attributes[i], copied);
            const prom_label *labels = copied_labels(w, s->key.resource);
            *label = w->ok ? labels[copied] : (prom_label){0};
        } else {
            *label = (prom_label){.key = attributes[i].key};
            label->name = label_name(w, attributes[i].key, &label->id);
            label->value = attributes[i].kind == POINT_TRUE ? (byte_slice){(const uint8_t *)"true", 4}
                                                            : attributes[i].value;
        }
    }
    uint32_t count = merge_labels(w, point_labels, attribute_count);
    uint32_t room = resource_label_room(w, point_labels, count), written = 0;
    w->ok = w->ok && text_append(w->out, family.data, family.size);
    bool first = true;
    for (uint32_t i = 0; i < resource->count && w->ok; i++) {
        uint32_t id = resource_items[i].id;
        bool named = w->seen[id] == w->generation;
        if (named && point_labels[w->head[id]].value.size > 0)
            continue;            /* the point's label wins */
        if (written == room)
            break;               /* the rest left off (counted once per series, whatever the format: conversion_finish) */
        if (named)
            point_labels[w->head[id]].name.size = 0; /* empty: the resource's wins */
        put_label(w, &first, &resource_items[i]);
        written++;
    }
    for (uint32_t i = 0; i < count && w->ok; i++) {
        if (point_labels[i].name.size > 0)
            put_label(w, &first, &point_labels[i]);
    }
    if (!first)
        w->ok = w->ok && text_append_literal(w->out, "}");
}
