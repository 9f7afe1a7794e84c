/*
 * encode_prom.c: the Prometheus text exposition format (0.0.4).
 *
 * One family per metric (HELP, TYPE, then every point of every resource),
 * named after the OTLP name with '.' and other invalid characters as '_', the
 * unit as a suffix (s → _seconds, By → _bytes, …) and _total for sums.
 * Resource attributes with scalar values become labels, then the point's
 * attributes (a point attribute wins over a resource one of the same label).
 */
#include "encode.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct prom_writer {
    conversion *c;              /* its interner deduplicates label names */
    byte_buffer *out;
    bool ok;
    arena_vector *resource_labels; /* prom_label, by resource, once computed */
    bool *resource_labels_known;
} prom_writer;

static bool is_digit(uint8_t ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_name_char(uint8_t ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || is_digit(ch);
}

/* The Prometheus form of a name: invalid characters become '_', and a
 * leading digit gets a '_' before it. Returns the length written to out
 * (which has room for text.size + 1 bytes). */
static size_t sanitize_name(byte_slice text, bool allow_colon, uint8_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < text.size; i++) {
        uint8_t ch = text.data[i];
        if (i == 0 && is_digit(ch))
            out[n++] = '_';
        out[n++] = is_name_char(ch) || (allow_colon && ch == ':') ? ch : '_';
    }
    return n;
}

/* Writes text as a Prometheus name. */
static void put_sanitized(prom_writer *w, byte_slice text, bool allow_colon)
{
    uint8_t *name = arena_alloc(w->c->arena, text.size + 1);
    w->ok = w->ok && name != NULL &&
            buffer_append(w->out, name, sanitize_name(text, allow_colon, name));
}

static const char *unit_suffix(const char *unit)
{
    static const struct { const char *unit, *suffix; } suffixes[] = {
        {"s", "_seconds"}, {"ms", "_milliseconds"}, {"us", "_microseconds"},
        {"ns", "_nanoseconds"}, {"By", "_bytes"}, {"KiBy", "_kibibytes"},
        {"MiBy", "_mebibytes"}, {"GiBy", "_gibibytes"}};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        if (strcmp(unit, suffixes[i].unit) == 0)
            return suffixes[i].suffix;
    }
    return "";
}

/* The family name of a metric into a buffer of the arena. */
static byte_slice family_name(prom_writer *w, const metric_def *def)
{
    byte_buffer name;
    buffer_init(&name, w->c->arena);
    prom_writer sub = {.c = w->c, .out = &name, .ok = true};
    put_sanitized(&sub, (byte_slice){(const uint8_t *)def->name, strlen(def->name)}, true);
    const char *suffix = unit_suffix(def->unit);
    size_t suffix_length = strlen(suffix);
    bool has_suffix = name.size >= suffix_length &&
                      memcmp(name.data + name.size - suffix_length, suffix, suffix_length) == 0;
    if (!has_suffix)
        sub.ok = sub.ok && buffer_append_cstr(&name, suffix);
    if (!def->gauge)
        sub.ok = sub.ok && buffer_append_cstr(&name, "_total");
    w->ok = w->ok && sub.ok;
    return (byte_slice){name.data, name.size};
}

/* Writes a label value: backslash, quote and newline escaped, invalid UTF-8
 * replaced with U+FFFD (the format is UTF-8). */
static void put_label_value(prom_writer *w, byte_slice value)
{
    size_t i = 0;
    while (i < value.size && w->ok) {
        char ch = (char)value.data[i];
        size_t length = utf8_sequence(value.data + i, value.size - i);
        if (length == 0) {
            w->ok = buffer_append_cstr(w->out, "\xef\xbf\xbd");
            length = 1;
        } else if (ch == '\\' || ch == '"') {
            w->ok = buffer_append_char(w->out, '\\') && buffer_append_char(w->out, ch);
        } else if (ch == '\n') {
            w->ok = buffer_append_cstr(w->out, "\\n");
        } else {
            w->ok = buffer_append(w->out, value.data + i, length);
        }
        i += length;
    }
}

/* A label ready to write: its sanitised name and raw value. */
typedef struct prom_label {
    byte_slice name;
    byte_slice value;
} prom_label;

/* key sanitised into the arena (empty when it has no characters). */
static byte_slice label_name(prom_writer *w, byte_slice key)
{
    uint8_t *name = arena_alloc(w->c->arena, key.size + 1);
    if (name == NULL) {
        w->ok = false;
        return (byte_slice){(const uint8_t *)"", 0};
    }
    return (byte_slice){name, sanitize_name(key, false, name)};
}

static void put_label(prom_writer *w, bool *first, const prom_label *label)
{
    w->ok = w->ok && buffer_append_cstr(w->out, *first ? "{" : ",") &&
            buffer_append(w->out, label->name.data, label->name.size) &&
            buffer_append_cstr(w->out, "=\"");
    *first = false;
    put_label_value(w, label->value);
    w->ok = w->ok && buffer_append_char(w->out, '"');
}

/* A scalar resource attribute as label text; false for arrays, maps, bytes. */
static bool scalar_text(prom_writer *w, const profile_dictionary *dictionary, byte_slice raw,
                        byte_slice *text)
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
    case ANY_STRINDEX:
        *text = dictionary_string(dictionary, value.strindex);
        return true;
    case ANY_BOOL:
        *text = value.boolean ? (byte_slice){(const uint8_t *)"true", 4}
                              : (byte_slice){(const uint8_t *)"false", 5};
        return true;
    case ANY_INT:
        w->ok = w->ok && buffer_printf(&scratch, "%" PRId64, value.integer);
        break;
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
    const profile_dictionary *dictionary =
        ((const request_record *)w->c->requests.items)[resource->request].dictionary;
    interner_mark_round(&w->c->interner);
    for (uint32_t i = 0; i < resource->attribute_count && w->ok; i++) {
        prom_label label = {label_name(w, resource->attributes[i].key), {0}};
        if (label.name.size == 0 || !scalar_text(w, dictionary, resource->attributes[i].value, &label.value))
            continue;
        uint32_t id = intern(&w->c->interner, label.name);
        if (id == INTERN_NONE || !interner_mark(&w->c->interner, id))
            continue;
        prom_label *slot = vector_push(w->c->arena, labels, sizeof *slot);
        w->ok = w->ok && slot != NULL;
        if (slot != NULL)
            *slot = label;
    }
    w->ok = w->ok && !w->c->arena->failed;
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

/* One sample line: the resource's labels (but for names the point's own
 * attributes take), then the point's attributes, then the value. */
static void put_sample(prom_writer *w, byte_slice family, const metric_def *def, const series *s,
                       point_attribute *attributes, prom_label *point_labels)
{
    uint32_t count = point_attributes(w->c, s, attributes);
    for (uint32_t i = 0; i < count; i++) {
        point_labels[i].name = label_name(w, attributes[i].key);
        point_labels[i].value = attributes[i].is_bool ? (byte_slice){(const uint8_t *)"true", 4}
                                                      : attributes[i].value;
    }
    const arena_vector *resource = resource_labels(w, s->key.resource);
    const prom_label *resource_items = resource->items;
    w->ok = w->ok && buffer_append(w->out, family.data, family.size);
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
        w->ok = w->ok && buffer_append_char(w->out, '}');
    w->ok = w->ok && buffer_append_char(w->out, ' ');
    if (def->is_double)
        w->ok = w->ok && format_double(w->out, series_double_value(def, s));
    else
        w->ok = w->ok && buffer_printf(w->out, "%" PRId64, s->value);
    w->ok = w->ok && buffer_append_char(w->out, '\n');
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

bool encode_prometheus(conversion *c, byte_buffer *out)
{
    prom_writer w = {c, out, true, NULL, NULL};
    point_attribute *attributes = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *attributes);
    prom_label *point_labels = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *point_labels);
    series **list = arena_alloc(c->arena, ((size_t)c->ordered_count + 1) * sizeof(series *));
    w.resource_labels = arena_calloc(c->arena, (size_t)c->resources.count + 1, sizeof(arena_vector));
    w.resource_labels_known = arena_calloc(c->arena, (size_t)c->resources.count + 1, sizeof(bool));
    if (attributes == NULL || point_labels == NULL || list == NULL || w.resource_labels == NULL ||
        w.resource_labels_known == NULL)
        return false;
    if (c->ordered_count > 0)
        memcpy(list, c->ordered, c->ordered_count * sizeof(series *));
    qsort(list, c->ordered_count, sizeof *list, by_metric_then_resource);
    for (uint32_t i = 0; i < c->ordered_count && w.ok;) {
        uint32_t metric = list[i]->key.metric;
        const metric_def *def = &c->metrics->items[metric];
        byte_slice family = family_name(&w, def);
        w.ok = w.ok && buffer_append_cstr(out, "# HELP ") && buffer_append(out, family.data, family.size) &&
               buffer_printf(out, " %s\n# TYPE ", def->description) &&
               buffer_append(out, family.data, family.size) &&
               buffer_append_cstr(out, def->gauge ? " gauge\n" : " counter\n");
        for (; i < c->ordered_count && list[i]->key.metric == metric; i++)
            put_sample(&w, family, def, list[i], attributes, point_labels);
    }
    return w.ok;
}
