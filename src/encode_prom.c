/*
 * encode_prom.c: the Prometheus text exposition format (0.0.4).
 *
 * One family per metric name (HELP, TYPE, then its samples), named as
 * Prometheus itself names OTLP metrics (prom_names.c). Resource attributes
 * with scalar values become labels, then the point's attributes (a point
 * attribute wins over a resource one of the same label). Each (name, label
 * set) is written once: series the text format cannot tell apart are one
 * sample (sums added, a gauge's latest snapshot).
 *
 * What many series repeat is made once: a resource's labels and the labels
 * of its attributes copied onto points (name and escaped text), the label
 * names of the keys points share (cached by address), each metric's family.
 * A series then costs its own attributes' labels and the interning of its
 * sample text.
 */
#include "encode.h"
#include "number_text.h"
#include "prom_names.h"

#include <stdlib.h>
#include <string.h>


/* A label ready to write: its sanitised name and raw value, and for the
 * labels many series repeat (a resource's) its text name="value", escaped,
 * made once. */
typedef struct prom_label {
    byte_slice name;
    byte_slice value;
    byte_slice text;            /* empty until made */
} prom_label;

/* The label name of a key points share, by the key's address: built-in
 * keys and configured ones are the same bytes at the same place for every
 * point. */
typedef struct cached_name {
    byte_slice key;
    byte_slice name;
} cached_name;

typedef struct prom_writer {
    conversion *c;              /* its interner deduplicates label names */
    byte_buffer *out;
    bool ok;
    arena_vector *resource_labels; /* prom_label, by resource, once computed */
    bool *resource_labels_known;
    prom_label **copied_labels;    /* by resource, once its first point is written:
                                      the label of each copied attribute */
    cached_name *names;            /* up to name_capacity keys' label names */
    uint32_t name_count, name_capacity;
} prom_writer;

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

/*
 * The labels of a resource, computed once per resource: its scalar
 * attributes under sanitised names, without empty names and without a name
 * already taken by an earlier attribute (which two keys such as "a.b" and
 * "a_b" would give). Names are deduplicated through the interner's marks.
 */
static arena_vector *resource_labels(prom_writer *w, uint32_t resource_index)
{
    arena_vector *labels = &w->resource_labels[resource_index];
    if (w->resource_labels_known[resource_index])
        return labels;
    w->resource_labels_known[resource_index] = true;
    const resource_record *resource = &((const resource_record *)w->c->resources.items)[resource_index];
    interner_mark_round(&w->c->interner);
    for (uint32_t i = 0; i < resource->attribute_count && w->ok; i++) {
        prom_label label = {prom_label_name(w->c->arena, resource->attributes[i].key), {0}, {0}};
        if (label.name.size == 0 || !scalar_text(w, resource->attributes[i].value, &label.value))
            continue;
        uint32_t id = intern(&w->c->interner, label.name);
        if (id == INTERN_NONE || !interner_mark(&w->c->interner, id))
            continue;
        make_label_text(w, &label);
        prom_label *slot = vector_push(w->c->arena, labels, sizeof *slot);
        w->ok = w->ok && slot != NULL;
        if (slot != NULL)
            *slot = label;
    }
    w->ok = w->ok && !w->c->arena->failed;
    return labels;
}

/* The label name of a key that is not a copied attribute's (see cached_name). */
static byte_slice label_name(prom_writer *w, byte_slice key)
{
    for (uint32_t i = 0; i < w->name_count; i++) {
        if (w->names[i].key.data == key.data && w->names[i].key.size == key.size)
            return w->names[i].name;
    }
    byte_slice name = prom_label_name(w->c->arena, key);
    if (w->name_count < w->name_capacity)
        w->names[w->name_count++] = (cached_name){key, name};
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
        labels[i].name = prom_label_name(w->c->arena, resource->copied[i].key);
        labels[i].text = (byte_slice){0};
        if (!scalar_text(w, resource->copied[i].value, &labels[i].value))
            labels[i].name = (byte_slice){0}; /* not scalar after all: left out */
        else
            make_label_text(w, &labels[i]);
    }
    w->copied_labels[resource_index] = w->ok ? labels : NULL;
    return labels;
}

static bool name_taken(const prom_label *labels, uint32_t count, byte_slice name)
{
    for (uint32_t i = 0; i < count; i++) {
        if (slice_equals(labels[i].name, name))
            return true;
    }
    return false;
}

/* A sample's series: the family name, the resource's labels (but for names
 * the point's own attributes take), then the point's attributes. */
static void put_series(prom_writer *w, byte_slice family, const series *s,
                       point_attribute *attributes, prom_label *point_labels)
{
    uint32_t count = 0;
    uint32_t attribute_count = point_attributes(w->c, s, attributes);
    uint32_t copied = 0;
    for (uint32_t i = 0; i < attribute_count && w->ok; i++) {
        prom_label *label = &point_labels[count];
        if (attributes[i].kind == POINT_ANY) {
            copied = copied_index(series_resource(w->c, s), &attributes[i], copied);
            const prom_label *labels = copied_labels(w, s->key.resource);
            *label = w->ok ? labels[copied] : (prom_label){{0}, {0}, {0}};
        } else {
            label->name = label_name(w, attributes[i].key);
            label->value = attributes[i].kind == POINT_TRUE ? (byte_slice){(const uint8_t *)"true", 4}
                                                            : attributes[i].value;
            label->text = (byte_slice){0};
        }
        count += label->name.size > 0;
    }
    const arena_vector *resource = resource_labels(w, s->key.resource);
    const prom_label *resource_items = resource->items;
    w->ok = w->ok && text_append(w->out, family.data, family.size);
    bool first = true;
    for (uint32_t i = 0; i < resource->count; i++) {
        if (!name_taken(point_labels, count, resource_items[i].name))
            put_label(w, &first, &resource_items[i]);
    }
    for (uint32_t i = 0; i < count; i++) {
        if (!name_taken(point_labels, i, point_labels[i].name))
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
    if (attributes == NULL || point_labels == NULL || !interner_init(&family_names, c->arena, &c->hash_key) ||
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
    w.name_capacity = point_attribute_capacity(c);
    w.names = arena_alloc(c->arena, w.name_capacity * sizeof *w.names);
    if (list == NULL || w.resource_labels == NULL || w.resource_labels_known == NULL || w.copied_labels == NULL ||
        w.names == NULL)
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
