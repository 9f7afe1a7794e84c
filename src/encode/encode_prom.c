/*
 * encode_prom.c: the Prometheus text exposition format (0.0.4).
 *
 * One family per metric name (HELP, TYPE, then its samples), named as
 * Prometheus itself names OTLP metrics (prom_names.c). Resource attributes
 * with scalar values become labels, then the point's attributes, as
 * Prometheus' OTLP receiver makes them (createAttributes in
 * storage/remote/otlptranslator/prometheusremotewrite/helper.go):
 *  - the key "__name__" is left out (Prometheus sets that label from the
 *    metric name; its text parser refuses it as a label);
 *  - keys of one attribute set that give one label name ("a.b", "a_b",
 *    "a-b") make one label whose value is their values joined with ';' in
 *    byte order of their keys (an empty value adds nothing before the first
 *    non-empty one, as Prometheus' fold does);
 *  - a point's label wins over a resource's of the same name unless its
 *    value is empty.
 * Each label name is checked once per series through a table by interned
 * name id, so a series costs time linear in its labels. Each (name, label
 * set) is written once: series the text format cannot tell apart are one
 * sample (sums added, a gauge's latest snapshot).
 *
 * What many series repeat is made once: a resource's labels and the labels
 * of its attributes copied onto points (name and escaped text), the label
 * names of the keys points share (cached by address), each metric's family.
 * A series then costs its own attributes' labels and the interning of its
 * sample text.
 */
#include "encode/encode.h"
#include "base/number_text.h"
#include "encode/prom_names.h"

#include <stdlib.h>
#include <string.h>


/* A label ready to write: its sanitised name and raw value, and for the
 * labels many series repeat (a resource's) its text name="value", escaped,
 * made once. */
typedef struct prom_label {
    byte_slice name;            /* empty: left out */
    byte_slice value;
    byte_slice text;            /* empty until made */
    byte_slice key;             /* the attribute's key: colliding keys join in its order */
    uint32_t id;                /* name's id in the conversion's interner */
} prom_label;

/* The label name of a key points share, by the key's address: built-in
 * keys and configured ones are the same bytes at the same place for every
 * point. */
typedef struct cached_name {
    byte_slice key;             /* data NULL: an empty slot */
    byte_slice name;
    uint32_t id;
} cached_name;

typedef struct prom_writer {
    conversion *c;              /* its interner deduplicates label names */
    byte_buffer *out;
    bool ok;
    arena_vector *resource_labels; /* prom_label, by resource, once computed */
    bool *resource_labels_known;
    prom_label **copied_labels;    /* by resource, once its first point is written:
                                      the label of each copied attribute */
    cached_name *names;            /* open addressing by the key's address */
    uint32_t name_count, name_mask;
    /* By label name id, for one set of labels at a time (merge_labels): */
    uint32_t *seen;                /* the generation that last met the id */
    uint32_t *head, *tail;         /* its first and last label in the set */
    uint32_t by_id_capacity, generation;
    uint32_t *next;                /* by label: the next one of its name, or NO_LABEL */
    prom_label **group;            /* scratch: one name's labels, to sort */
} prom_writer;

#define NO_LABEL UINT32_MAX

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
static bool grow_by_id(prom_writer *w, uint32_t id)
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
        if (!grow_by_id(w, id)) {
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
static void put_series(prom_writer *w, byte_slice family, const series *s,
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
        if (written == room) {
            w->c->stats.attributes_dropped++;
            continue;
        }
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

static int by_metric_then_resource(const void *a, const void *b)
{
    const series *x = *(series *const *)a, *y = *(series *const *)b;
    if (x->key.metric != y->key.metric)
        return x->key.metric < y->key.metric ? -1 : 1;
    if (x->key.resource != y->key.resource)
        return x->key.resource < y->key.resource ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

/* HELP text: backslash and newline escaped, as the format requires. */
static void put_help(prom_writer *w, const char *text)
{
    for (; *text != '\0' && w->ok; text++) {
        if (*text == '\\')
            w->ok = buffer_append_cstr(w->out, "\\\\");
        else if (*text == '\n')
            w->ok = buffer_append_cstr(w->out, "\\n");
        else
            w->ok = buffer_append_char(w->out, *text);
    }
}

/*
 * One line of the exposition. Series that Prometheus cannot tell apart (a
 * gauge's snapshots; resources or attributes that differ only where the
 * text format loses the difference: a schema URL, a non-scalar attribute,
 * two keys that give one label name, rule values a point's own attributes
 * override) are one sample: sums added, a gauge's latest snapshot kept.
 */
typedef struct prom_sample {
    byte_slice text;            /* name{labels} */
    uint32_t family;            /* index into the families */
    const series *latest;       /* a gauge's latest snapshot; a sum's first series */
    int64_t total;              /* sums of latest's metric, accumulated exactly */
    double other;               /* sums of other metrics of the same family name, as values */
    uint32_t next;              /* the next sample of the family + 1, or 0 */
} prom_sample;

typedef struct prom_family {
    byte_slice name;
    const metric_def *def;      /* of its first series: HELP and TYPE */
    uint32_t first, last;       /* its samples + 1, or 0 */
} prom_family;

static void merge_sample(prom_sample *sample, const metric_def *defs, const series *s)
{
    const metric_def *def = &defs[s->key.metric];
    if (metric_is_snapshot(def)) {
        if (s->end > sample->latest->end ||
            (s->end == sample->latest->end && s->key.snapshot >= sample->latest->key.snapshot))
            sample->latest = s;
    } else if (s->key.metric == sample->latest->key.metric) {
        if (__builtin_add_overflow(sample->total, s->value, &sample->total))
            sample->total = INT64_MAX;
    } else {
        sample->other += def->is_double ? series_double_value(def, s) : (double)s->value;
    }
}

static void put_value(prom_writer *w, const metric_def *defs, const prom_sample *sample)
{
    const series *s = sample->latest;
    const metric_def *def = &defs[s->key.metric];
    int64_t total = metric_is_snapshot(def) ? s->value : sample->total;
    w->ok = w->ok && text_append_literal(w->out, " ");
    if (def->is_double || sample->other != 0) {
        w->ok = w->ok && format_double(w->out, (double)total / def->divisor + sample->other);
    } else {
        char integer[INTEGER_TEXT_MAX];
        w->ok = w->ok && text_append(w->out, integer, int64_text(total, integer));
    }
    w->ok = w->ok && text_append_literal(w->out, "\n");
}

/* Groups the ordered series into families and samples (see prom_sample). */
static bool collect_samples(prom_writer *w, series **list, uint32_t count, arena_vector *families,
                            arena_vector *samples)
{
    conversion *c = w->c;
    string_interner family_names, sample_texts;
    point_attribute *attributes = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *attributes);
    prom_label *point_labels = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *point_labels);
    w->next = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *w->next);
    w->group = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *w->group);
    if (attributes == NULL || point_labels == NULL || w->next == NULL || w->group == NULL || !interner_init(&family_names, c->arena, &c->hash_key) ||
        !interner_init(&sample_texts, c->arena, &c->hash_key))
        return false;
    byte_slice *names = arena_calloc(c->arena, (size_t)c->metrics->count + 1, sizeof *names);
    uint32_t *family_ids = arena_calloc(c->arena, (size_t)c->metrics->count + 1, sizeof *family_ids);
    bool *named = arena_calloc(c->arena, (size_t)c->metrics->count + 1, sizeof *named);
    if (names == NULL || family_ids == NULL || named == NULL)
        return false;
    byte_buffer *out = w->out;
    for (uint32_t i = 0; i < count && w->ok; i++) {
        uint32_t metric = list[i]->key.metric;
        const metric_def *def = &c->metrics->items[metric];
        if (!named[metric]) { /* once per metric; metrics may share a family name */
            names[metric] = prom_metric_name(c->arena, def->name, def->unit, def->gauge);
            family_ids[metric] = names[metric].size > 0 ? intern(&family_names, names[metric]) : INTERN_NONE;
            named[metric] = true;
            if (names[metric].size > 0 && family_ids[metric] == INTERN_NONE)
                return false;
        }
        byte_slice name = names[metric];
        if (name.size == 0)
            continue; /* no character Prometheus keeps: left out */
        uint32_t family_id = family_ids[metric];
        prom_family *family = family_id > families->count ? vector_push(c->arena, families, sizeof *family)
                                                          : &((prom_family *)families->items)[family_id - 1];
        if (family == NULL)
            return false;
        if (family->def == NULL)
            *family = (prom_family){.name = name, .def = def};
        byte_buffer text;
        buffer_init(&text, c->arena);
        w->out = &text;
        put_series(w, name, list[i], attributes, point_labels);
        w->out = out;
        uint32_t sample_id = w->ok ? intern(&sample_texts, (byte_slice){text.data, text.size}) : INTERN_NONE;
        if (sample_id == INTERN_NONE)
            return false;
        if (sample_id <= samples->count) {
            merge_sample(&((prom_sample *)samples->items)[sample_id - 1], c->metrics->items, list[i]);
            continue;
        }
        prom_sample *sample = vector_push(c->arena, samples, sizeof *sample);
        if (sample == NULL)
            return false;
        *sample = (prom_sample){.text = {text.data, text.size}, .family = family_id - 1,
                                .latest = list[i], .total = list[i]->value};
        if (family->last != 0)
            ((prom_sample *)samples->items)[family->last - 1].next = samples->count;
        else
            family->first = samples->count;
        family->last = samples->count;
    }
    return w->ok && !c->arena->failed;
}

bool encode_prometheus(conversion *c, byte_buffer *out)
{
    prom_writer w = {.c = c, .out = out, .ok = true};
    series **list = arena_alloc(c->arena, ((size_t)c->ordered_count + 1) * sizeof(series *));
    w.resource_labels = arena_calloc(c->arena, (size_t)c->resources.count + 1, sizeof(arena_vector));
    w.resource_labels_known = arena_calloc(c->arena, (size_t)c->resources.count + 1, sizeof(bool));
    w.copied_labels = arena_calloc(c->arena, (size_t)c->resources.count + 1, sizeof *w.copied_labels);
    if (list == NULL || w.resource_labels == NULL || w.resource_labels_known == NULL || w.copied_labels == NULL ||
        !grow_by_id(&w, 0))
        return false;
    if (c->ordered_count > 0)
        memcpy(list, c->ordered, c->ordered_count * sizeof(series *));
    qsort(list, c->ordered_count, sizeof *list, by_metric_then_resource);
    arena_vector families = {0}, samples = {0};
    if (!collect_samples(&w, list, c->ordered_count, &families, &samples))
        return false;
    const prom_sample *items = samples.items;
    for (uint32_t f = 0; f < families.count && w.ok; f++) {
        const prom_family *family = &((const prom_family *)families.items)[f];
        w.ok = text_append_literal(out, "# HELP ") && text_append(out, family->name.data, family->name.size) &&
               text_append_literal(out, " ");
        put_help(&w, family->def->description);
        w.ok = w.ok && text_append_literal(out, "\n# TYPE ") &&
               text_append(out, family->name.data, family->name.size) &&
               (family->def->gauge ? text_append_literal(out, " gauge\n") : text_append_literal(out, " counter\n"));
        for (uint32_t i = family->first; i != 0 && w.ok; i = items[i - 1].next) {
            w.ok = text_append(out, items[i - 1].text.data, items[i - 1].text.size);
            put_value(&w, c->metrics->items, &items[i - 1]);
        }
    }
    return w.ok;
}
