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
    const conversion *c;
    byte_buffer *out;
    bool ok;
} prom_writer;

static bool is_name_char(uint8_t ch, bool first)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
           (!first && ch >= '0' && ch <= '9');
}

/* Writes text as a Prometheus name: invalid characters become '_'. */
static void put_sanitized(prom_writer *w, byte_slice text, bool allow_colon)
{
    for (size_t i = 0; i < text.size && w->ok; i++) {
        uint8_t ch = text.data[i];
        bool valid = is_name_char(ch, i == 0) || (allow_colon && ch == ':');
        if (i == 0 && ch >= '0' && ch <= '9')
            w->ok = buffer_append_char(w->out, '_');
        w->ok = w->ok && buffer_append_char(w->out, valid || (ch >= '0' && ch <= '9') ? (char)ch : '_');
    }
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
    prom_writer sub = {w->c, &name, true};
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

static void put_label(prom_writer *w, bool *first, byte_slice key, byte_slice value)
{
    w->ok = w->ok && buffer_append_cstr(w->out, *first ? "{" : ",");
    *first = false;
    put_sanitized(w, key, false);
    w->ok = w->ok && buffer_append_cstr(w->out, "=\"");
    put_label_value(w, value);
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

static bool label_taken(const point_attribute *attributes, uint32_t count, byte_slice key)
{
    for (uint32_t i = 0; i < count; i++) {
        if (slice_equals(attributes[i].key, key))
            return true;
    }
    return false;
}

static void put_sample(prom_writer *w, byte_slice family, const metric_def *def, const series *s,
                       point_attribute *attributes)
{
    const resource_record *resource = series_resource(w->c, s);
    const profile_dictionary *dictionary =
        ((const request_record *)w->c->requests.items)[resource->request].dictionary;
    uint32_t count = point_attributes(w->c, s, attributes);
    w->ok = w->ok && buffer_append(w->out, family.data, family.size);
    bool first = true;
    for (uint32_t i = 0; i < resource->attribute_count; i++) {
        byte_slice text;
        const key_value_ref *attribute = &resource->attributes[i];
        if (!label_taken(attributes, count, attribute->key) &&
            scalar_text(w, dictionary, attribute->value, &text))
            put_label(w, &first, attribute->key, text);
    }
    for (uint32_t i = 0; i < count; i++) {
        byte_slice value = attributes[i].is_bool ? (byte_slice){(const uint8_t *)"true", 4}
                                                 : attributes[i].value;
        put_label(w, &first, attributes[i].key, value);
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

bool encode_prometheus(const conversion *c, byte_buffer *out)
{
    prom_writer w = {c, out, true};
    point_attribute *attributes = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *attributes);
    series **list = arena_alloc(c->arena, ((size_t)c->ordered_count + 1) * sizeof(series *));
    if (attributes == NULL || list == NULL)
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
            put_sample(&w, family, def, list[i], attributes);
    }
    return w.ok;
}
