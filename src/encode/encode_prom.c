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
 *
 * This file groups the series into families and samples and writes them;
 * each series' labels are made in prom_labels.c (prom_writer.h).
 */
#include "encode/encode.h"
#include "base/number_text.h"
#include "encode/prom_names.h"
#include "encode/prom_writer.h"

#include <stdlib.h>
#include <string.h>

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
        prom_put_series(w, name, list[i], attributes, point_labels);
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
        !prom_grow_by_id(&w, 0))
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
