/*
 * encode_json.c: OTLP/JSON as the OTLP specification defines it (what
 * pdata's JSON unmarshaler reads): lowerCamelCase field names, 64-bit
 * integers as decimal strings, enums as numbers, bytes as base64. One
 * ExportMetricsServiceRequest for the whole conversion, on one line.
 */
#include "encode.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Canonical attributes carry no strindex member: they resolve against nothing. */
static const profile_dictionary no_dictionary;

typedef struct json_writer {
    const conversion *c;
    const profile_dictionary *dictionary; /* where strindex members resolve */
    byte_buffer *out;
    bool ok;
} json_writer;

static void put(json_writer *w, const char *text)
{
    w->ok = w->ok && buffer_append_cstr(w->out, text);
}

static void put_string(json_writer *w, byte_slice text)
{
    w->ok = w->ok && buffer_append_char(w->out, '"') && json_escape(w->out, text) &&
            buffer_append_char(w->out, '"');
}

static void put_cstring(json_writer *w, const char *text)
{
    put_string(w, (byte_slice){(const uint8_t *)text, strlen(text)});
}

static void put_uint64_string(json_writer *w, uint64_t value)
{
    w->ok = w->ok && buffer_printf(w->out, "\"%" PRIu64 "\"", value);
}

static void put_double(json_writer *w, double value)
{
    if (isnan(value))
        put(w, "\"NaN\"");
    else if (isinf(value))
        put(w, value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
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
        w->ok = buffer_append(w->out, quad, 4);
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
        put(w, value.boolean ? "{\"boolValue\":true}" : "{\"boolValue\":false}");
        break;
    case ANY_INT:
        w->ok = w->ok && buffer_printf(w->out, "{\"intValue\":\"%" PRId64 "\"}", value.integer);
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

static void put_point(json_writer *w, const metric_def *def, const series *s,
                      point_attribute *attributes)
{
    uint32_t count = point_attributes(w->c, s, attributes);
    put(w, "{\"attributes\":[");
    for (uint32_t i = 0; i < count; i++) {
        put(w, i ? ",{\"key\":" : "{\"key\":");
        put_string(w, attributes[i].key);
        if (attributes[i].kind == POINT_TRUE) {
            put(w, ",\"value\":{\"boolValue\":true}}");
        } else if (attributes[i].kind == POINT_ANY) {
            put(w, ",\"value\":");
            put_any_value(w, attributes[i].value, 0);
            put(w, "}");
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
        w->ok = w->ok && buffer_printf(w->out, ",\"asInt\":\"%" PRId64 "\"", s->value);
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
    put(w, def->gauge ? ",\"gauge\":{\"dataPoints\":[" : ",\"sum\":{\"dataPoints\":[");
    for (uint32_t i = from; i < to; i++) {
        if (i > from)
            put(w, ",");
        put_point(w, def, w->c->ordered[i], attributes);
    }
    if (def->gauge)
        put(w, "]}}");
    else
        put(w, w->c->config->cumulative ? "],\"aggregationTemporality\":2,\"isMonotonic\":true}}"
                                        : "],\"aggregationTemporality\":1,\"isMonotonic\":true}}");
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
    if (resource->dropped_attributes_count > 0)
        w->ok = w->ok && buffer_printf(w->out, ",\"droppedAttributesCount\":%u",
                                       resource->dropped_attributes_count);
    put(w, "},\"scopeMetrics\":[{\"scope\":{\"name\":\"profiletometrics\",\"version\":\"" PTM_VERSION_STRING "\"},\"metrics\":[");
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
    if (attributes == NULL)
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
