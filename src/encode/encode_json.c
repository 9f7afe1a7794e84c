/*
 * encode_json.c: OTLP/JSON as the OTLP specification defines it (what
 * pdata's JSON unmarshaler reads): lowerCamelCase field names, 64-bit
 * integers as decimal strings, enums as numbers, bytes as base64. One
 * ExportMetricsServiceRequest for the whole conversion, on one line.
 *
 * Written front to back with small inline appends (text_append); strings
 * are escaped by runs (json_escape), numbers formatted without printf
 * (number_text.h). What every point of a resource repeats, the resource
 * attributes copied onto its points, is rendered once per resource.
 */
#include "encode/encode.h"
#include "base/number_text.h"

#include <math.h>
#include <string.h>

/* Canonical attributes carry no strindex member: they resolve against nothing. */
static const profile_dictionary no_dictionary;

typedef struct json_writer {
    const conversion *c;
    const profile_dictionary *dictionary; /* where strindex members resolve */
    byte_buffer *out;
    bool ok;
    /* By resource, once its first point is written: the JSON of each of its
     * copied attributes (every point repeats them). */
    byte_slice **copied_texts;
} json_writer;

static void put_bytes(json_writer *w, const void *data, size_t size)
{
    w->ok = w->ok && text_append(w->out, data, size);
}

/* A string literal, its length known when compiling. */
#define put(w, literal) put_bytes((w), "" literal, sizeof(literal) - 1)

static void put_string(json_writer *w, byte_slice text)
{
    w->ok = w->ok && text_append_literal(w->out, "\"") && json_escape(w->out, text) &&
            text_append_literal(w->out, "\"");
}

static void put_cstring(json_writer *w, const char *text)
{
    put_string(w, (byte_slice){(const uint8_t *)text, strlen(text)});
}

/* A 64-bit integer as OTLP/JSON writes it: a decimal string. */
static void put_uint64_string(json_writer *w, uint64_t value)
{
    char text[INTEGER_TEXT_MAX + 2];
    text[0] = '"';
    size_t length = uint64_text(value, text + 1);
    text[length + 1] = '"';
    put_bytes(w, text, length + 2);
}

static void put_int64_string(json_writer *w, int64_t value)
{
    char text[INTEGER_TEXT_MAX + 2];
    text[0] = '"';
    size_t length = int64_text(value, text + 1);
    text[length + 1] = '"';
    put_bytes(w, text, length + 2);
}

static void put_double(json_writer *w, double value)
{
    if (isnan(value))
        put(w, "\"NaN\"");
    else if (isinf(value) && value > 0)
        put(w, "\"Infinity\"");
    else if (isinf(value))
        put(w, "\"-Infinity\"");
    else
        w->ok = w->ok && format_double(w->out, value);
}

static void put_base64(json_writer *w, byte_slice bytes)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    put(w, "\"");
    for (size_t i = 0; i < bytes.size && w->ok; i += 3) {
        uint32_t chunk = (uint32_t)bytes.data[i] << 16;
        if (i + 1 < bytes.size)
            chunk |= (uint32_t)bytes.data[i + 1] << 8;
        if (i + 2 < bytes.size)
            chunk |= bytes.data[i + 2];
        char quad[4] = {alphabet[(chunk >> 18) & 63], alphabet[(chunk >> 12) & 63],
                        i + 1 < bytes.size ? alphabet[(chunk >> 6) & 63] : '=',
                        i + 2 < bytes.size ? alphabet[chunk & 63] : '='};
        w->ok = text_append(w->out, quad, 4);
    }
    put(w, "\"");
}

static void put_any_value(json_writer *w, byte_slice raw, int depth);

typedef struct element_writer {
    json_writer *w;
    int depth;
    bool first;
} element_writer;

static bool write_array_element(byte_slice element, void *context)
{
    element_writer *e = context;
    if (!e->first)
        put(e->w, ",");
    e->first = false;
    put_any_value(e->w, element, e->depth);
    return e->w->ok;
}

static void put_key_value(json_writer *w, byte_slice key, byte_slice raw_value, int depth)
{
    put(w, "{\"key\":");
    put_string(w, key);
    put(w, ",\"value\":");
    put_any_value(w, raw_value, depth);
    put(w, "}");
}

static bool write_kv_element(byte_slice element, void *context)
{
    element_writer *e = context;
    key_value_ref kv;
    if (!key_value_decode(element, &kv))
        return true; /* a malformed nested pair is left out */
    if (kv.key.size == 0)
        kv.key = dictionary_string(e->w->dictionary, kv.key_strindex);
    if (!e->first)
        put(e->w, ",");
    e->first = false;
    put_key_value(e->w, kv.key, kv.value, e->depth);
    return e->w->ok;
}

/* Writes an AnyValue from its wire bytes; strindex members are resolved,
 * nesting beyond ANY_VALUE_MAX_DEPTH is written as an empty value. */
static void put_any_value(json_writer *w, byte_slice raw, int depth)
{
    any_value value;
    if (depth > ANY_VALUE_MAX_DEPTH || !any_value_decode(raw, &value)) {
        put(w, "{}");
        return;
    }
    element_writer e = {w, depth + 1, true};
    switch (value.kind) {
    case ANY_EMPTY:
        put(w, "{}");
        break;
    case ANY_STRING:
        put(w, "{\"stringValue\":");
        put_string(w, value.bytes);
        put(w, "}");
        break;
    case ANY_STRINDEX:
        put(w, "{\"stringValue\":");
        put_string(w, dictionary_string(w->dictionary, value.strindex));
        put(w, "}");
        break;
    case ANY_BOOL:
        if (value.boolean)
            put(w, "{\"boolValue\":true}");
        else
            put(w, "{\"boolValue\":false}");
        break;
    case ANY_INT:
        put(w, "{\"intValue\":");
        put_int64_string(w, value.integer);
        put(w, "}");
        break;
    case ANY_DOUBLE:
        put(w, "{\"doubleValue\":");
        put_double(w, value.number);
        put(w, "}");
        break;
    case ANY_BYTES:
        put(w, "{\"bytesValue\":");
        put_base64(w, value.bytes);
        put(w, "}");
        break;
    case ANY_ARRAY:
        put(w, "{\"arrayValue\":{\"values\":[");
        any_value_each(value.bytes, write_array_element, &e);
        put(w, "]}}");
        break;
    case ANY_KVLIST:
        put(w, "{\"kvlistValue\":{\"values\":[");
        any_value_each(value.bytes, write_kv_element, &e);
        put(w, "]}}");
        break;
    }
}

/* The JSON of each copied attribute of a resource, made once. */
static byte_slice *copied_texts(json_writer *w, uint32_t resource_index)
{
    if (w->copied_texts[resource_index] != NULL)
        return w->copied_texts[resource_index];
    const resource_record *resource = &((const resource_record *)w->c->resources.items)[resource_index];
    byte_slice *texts = arena_alloc(w->c->arena, ((size_t)resource->copied_count + 1) * sizeof *texts);
    w->ok = w->ok && texts != NULL;
    byte_buffer *out = w->out;
    for (uint32_t i = 0; i < resource->copied_count && w->ok; i++) {
        byte_buffer text;
        buffer_init(&text, w->c->arena);
        w->out = &text;
        put_key_value(w, resource->copied[i].key, resource->copied[i].value, 0);
        texts[i] = (byte_slice){text.data, text.size};
    }
    w->out = out;
    w->copied_texts[resource_index] = w->ok ? texts : NULL;
    return texts;
}

static void put_point(json_writer *w, const metric_def *def, const series *s,
                      point_attribute *attributes)
{
    uint32_t count = point_attributes(w->c, s, attributes);
    uint32_t copied = 0;
    put(w, "{\"attributes\":[");
    for (uint32_t i = 0; i < count; i++) {
        if (i > 0)
            put(w, ",");
        if (attributes[i].kind == POINT_ANY) {
            copied = copied_index(series_resource(w->c, s), &attributes[i], copied);
            const byte_slice *texts = copied_texts(w, s->key.resource);
            if (w->ok)
                put_bytes(w, texts[copied].data, texts[copied].size);
            continue;
        }
        put(w, "{\"key\":");
        put_string(w, attributes[i].key);
        if (attributes[i].kind == POINT_TRUE) {
            put(w, ",\"value\":{\"boolValue\":true}}");
        } else {
            put(w, ",\"value\":{\"stringValue\":");
            put_string(w, attributes[i].value);
            put(w, "}}");
        }
    }
    put(w, "],\"startTimeUnixNano\":");
    put_uint64_string(w, s->start);
    put(w, ",\"timeUnixNano\":");
    put_uint64_string(w, s->end);
    if (def->is_double) {
        put(w, ",\"asDouble\":");
        put_double(w, series_double_value(def, s));
    } else {
        put(w, ",\"asInt\":");
        put_int64_string(w, s->value);
    }
    put(w, "}");
}

static void put_metric(json_writer *w, uint32_t from, uint32_t to, point_attribute *attributes)
{
    const metric_def *def = &w->c->metrics->items[w->c->ordered[from]->key.metric];
    put(w, "{\"name\":");
    put_cstring(w, def->name);
    put(w, ",\"description\":");
    put_cstring(w, def->description);
    put(w, ",\"unit\":");
    put_cstring(w, def->unit);
    if (def->gauge)
        put(w, ",\"gauge\":{\"dataPoints\":[");
    else
        put(w, ",\"sum\":{\"dataPoints\":[");
    for (uint32_t i = from; i < to; i++) {
        if (i > from)
            put(w, ",");
        put_point(w, def, w->c->ordered[i], attributes);
    }
    if (def->gauge)
        put(w, "]}}");
    else if (w->c->config->cumulative || def->since_start)
        put(w, "],\"aggregationTemporality\":2,\"isMonotonic\":true}}");
    else
        put(w, "],\"aggregationTemporality\":1,\"isMonotonic\":true}}");
}

static void put_resource(json_writer *w, uint32_t from, uint32_t to, point_attribute *attributes)
{
    const resource_record *resource = series_resource(w->c, w->c->ordered[from]);
    put(w, "{\"resource\":{\"attributes\":[");
    for (uint32_t i = 0; i < resource->attribute_count; i++) {
        if (i > 0)
            put(w, ",");
        put_key_value(w, resource->attributes[i].key, resource->attributes[i].value, 0);
    }
    put(w, "]");
    if (resource->dropped_attributes_count > 0) {
        char count[INTEGER_TEXT_MAX];
        put(w, ",\"droppedAttributesCount\":");
        put_bytes(w, count, uint64_text(resource->dropped_attributes_count, count));
    }
    put(w, "},\"scopeMetrics\":[{\"scope\":{\"name\":\"profiletometrics\",\"version\":\"" PTM_VERSION "\"},\"metrics\":[");
    for (uint32_t i = from; i < to;) {
        uint32_t end = series_run_end(w->c, i, true);
        if (i > from)
            put(w, ",");
        put_metric(w, i, end, attributes);
        i = end;
    }
    put(w, "]}]");
    if (resource->schema_url.size > 0) {
        put(w, ",\"schemaUrl\":");
        put_string(w, resource->schema_url);
    }
    put(w, "}");
}

bool encode_otlp_json(const conversion *c, byte_buffer *out)
{
    json_writer w = {.c = c, .dictionary = &no_dictionary, .out = out, .ok = true};
    point_attribute *attributes = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *attributes);
    w.copied_texts = arena_calloc(c->arena, (size_t)c->resources.count + 1, sizeof *w.copied_texts);
    if (attributes == NULL || w.copied_texts == NULL)
        return false;
    if (c->stats.requests == 0 && c->ordered_count == 0)
        return true; /* empty input: no request, no line */
    put(&w, "{\"resourceMetrics\":[");
    for (uint32_t i = 0; i < c->ordered_count && w.ok;) {
        uint32_t end = series_run_end(c, i, false);
        if (i > 0)
            put(&w, ",");
        put_resource(&w, i, end, attributes);
        i = end;
    }
    put(&w, "]}\n");
    return w.ok;
}
