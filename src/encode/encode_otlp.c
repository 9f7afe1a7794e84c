/*
 * encode_otlp.c: ExportMetricsServiceRequest as protobuf.
 *
 * The request is written back to front, as upb's encoder does: a message's
 * fields last to first, and each length-delimited field's body before its
 * length and tag, so that every length is known when it is written. Nothing
 * is sized in a pass of its own and no level copies the one below; a data
 * point costs its attributes (point_attributes), one UTF-8 scan per string
 * and the copies of its bytes. The writer's region grows toward the front
 * (what it holds moves to the end of a region twice as large); the finished
 * request is appended to out in one copy.
 *
 * Strings and their UTF-8 (the wire format requires it; each invalid byte
 * becomes U+FFFD):
 *  - resource attributes, and the resource attributes copied onto points,
 *    are canonical bytes from otlp_canonical_attributes
 *    (convert/canonical_attributes.c), which replaced invalid UTF-8
 *    already: written as they are;
 *  - everything else (metric names, descriptions and units, which a
 *    configuration may set; point attribute keys, which configured rules may
 *    name; values, which come from the input; schema URLs) is checked once
 *    each time it is written, eight bytes at a time while it is ASCII, and
 *    scanned again only when it holds invalid UTF-8, to write the
 *    replacements.
 */
#include "encode/encode.h"

#include <string.h>

#include "metrics.pb.h" /* the AggregationTemporality values */

/* ---- the request, written back to front ---- */

/* Field tags (number << 3 | wire type), each one byte. */
enum {
    TAG_REQUEST_RESOURCE_METRICS = 0x0a, /* ExportMetricsServiceRequest.resource_metrics = 1 */
    TAG_RESOURCE = 0x0a,                 /* ResourceMetrics.resource = 1 */
    TAG_SCOPE_METRICS = 0x12,            /* ResourceMetrics.scope_metrics = 2 */
    TAG_RESOURCE_SCHEMA_URL = 0x1a,      /* ResourceMetrics.schema_url = 3 */
    TAG_DROPPED_ATTRIBUTES = 0x10,       /* Resource.dropped_attributes_count = 2, varint */
    TAG_SCOPE = 0x0a,                    /* ScopeMetrics.scope = 1 */
    TAG_SCOPE_NAME = 0x0a,               /* InstrumentationScope.name = 1 */
    TAG_SCOPE_VERSION = 0x12,            /* InstrumentationScope.version = 2 */
    TAG_METRIC = 0x12,                   /* ScopeMetrics.metrics = 2 */
    TAG_METRIC_NAME = 0x0a,              /* Metric.name = 1 */
    TAG_METRIC_DESCRIPTION = 0x12,       /* Metric.description = 2 */
    TAG_METRIC_UNIT = 0x1a,              /* Metric.unit = 3 */
    TAG_GAUGE = 0x2a,                    /* Metric.gauge = 5 */
    TAG_SUM = 0x3a,                      /* Metric.sum = 7 */
    TAG_DATA_POINT = 0x0a,               /* Gauge.data_points = Sum.data_points = 1 */
    TAG_TEMPORALITY = 0x10,              /* Sum.aggregation_temporality = 2, varint */
    TAG_MONOTONIC = 0x18,                /* Sum.is_monotonic = 3, varint */
    TAG_START_TIME = 0x11,               /* NumberDataPoint.start_time_unix_nano = 2, fixed64 */
    TAG_TIME = 0x19,                     /* NumberDataPoint.time_unix_nano = 3, fixed64 */
    TAG_AS_DOUBLE = 0x21,                /* NumberDataPoint.as_double = 4, fixed64 */
    TAG_AS_INT = 0x31,                   /* NumberDataPoint.as_int = 6, fixed64 */
    TAG_POINT_ATTRIBUTE = 0x3a,          /* NumberDataPoint.attributes = 7 */
    TAG_KEY = 0x0a,                      /* KeyValue.key = 1 */
    TAG_VALUE = 0x12,                    /* KeyValue.value = 2 */
    TAG_STRING_VALUE = 0x0a,             /* AnyValue.string_value = 1 */
    TAG_BOOL_VALUE = 0x10,               /* AnyValue.bool_value = 2, varint */
};

/* What is written is [cursor, end) of the region [start, end). Lengths are
 * taken as distances from the end, which growing keeps. */
typedef struct back_writer {
    arena *arena;
    uint8_t *start, *cursor, *end;
    size_t limit;              /* what may be written: the output's room */
    bool ok;                   /* false once memory ran out or limit was passed */
    bool over_limit;           /* limit was passed */
} back_writer;

static size_t written(const back_writer *w)
{
    return (size_t)(w->end - w->cursor);
}

/* Moves what is written to the end of a region with room for size more.
 * The rare path, kept out of line: room(), which every put inlines, stays
 * small (inlined, it added 11 KB to the wasm reactor). */
__attribute__((noinline)) static bool grow(back_writer *w, size_t size)
{
    size_t used = written(w), capacity = (size_t)(w->end - w->start);
    if (w->ok && size > w->limit - used)
        w->over_limit = true;
    if (!w->ok || w->over_limit || size > SIZE_MAX / 4 - used || capacity > SIZE_MAX / 4) {
        w->ok = false;
        return false;
    }
    size_t wanted = capacity * 2 > used + size ? capacity * 2 : used + size;
    if (wanted > w->limit)
        wanted = w->limit;
    uint8_t *region = arena_alloc(w->arena, wanted);
    if (region == NULL) {
        w->ok = false;
        return false;
    }
    if (used > 0)
        memcpy(region + wanted - used, w->cursor, used);
    w->start = region;
    w->end = region + wanted;
    w->cursor = w->end - used;
    return true;
}

/* Room for size bytes in front of what is written (the cursor moves
 * there), or NULL when memory ran out. */
static uint8_t *room(back_writer *w, size_t size)
{
    if ((size_t)(w->cursor - w->start) < size && !grow(w, size))
        return NULL;
    w->cursor -= size;
    return w->cursor;
}

static void put_bytes(back_writer *w, const void *data, size_t size)
{
    uint8_t *at = room(w, size);
    if (at != NULL && size > 0)
        memcpy(at, data, size);
}

static void put_varint(back_writer *w, uint64_t value)
{
    size_t size = 1;
    for (uint64_t rest = value >> 7; rest != 0; rest >>= 7)
        size++;
    uint8_t *at = room(w, size);
    if (at == NULL)
        return;
    for (size_t i = 0; i + 1 < size; i++, value >>= 7)
        at[i] = (uint8_t)(value | 0x80);
    at[size - 1] = (uint8_t)value;
}

/* A varint field: tag, value. */
static void put_varint_field(back_writer *w, uint8_t tag, uint64_t value)
{
    put_varint(w, value);
    put_bytes(w, &tag, 1);
}

/* A fixed64 field: tag, value little-endian. */
static void put_fixed64_field(back_writer *w, uint8_t tag, uint64_t value)
{
    uint8_t *at = room(w, 9);
    if (at == NULL)
        return;
    at[0] = tag;
    for (int i = 1; i <= 8; i++, value >>= 8)
        at[i] = (uint8_t)value;
}

/* Ends a length-delimited field whose body is what was written since mark
 * (a written() value): its length, then its tag. */
static void close_field(back_writer *w, uint8_t tag, size_t mark)
{
    put_varint(w, written(w) - mark);
    put_bytes(w, &tag, 1);
}

/* text as valid UTF-8: scanned once when it is valid, else scanned again to
 * write each invalid byte as U+FFFD. */
static void put_text(back_writer *w, byte_slice text)
{
    size_t valid = utf8_valid_prefix(text.data, text.size);
    if (valid == text.size) {
        put_bytes(w, text.data, text.size);
        return;
    }
    uint8_t *at = room(w, utf8_replaced_size(text.data, text.size, valid));
    if (at == NULL)
        return;
    memcpy(at, text.data, valid);
    at += valid;
    for (size_t i = valid; i < text.size;) {
        size_t length = utf8_sequence(text.data + i, text.size - i);
        memcpy(at, length > 0 ? text.data + i : utf8_replacement, length > 0 ? length : sizeof utf8_replacement);
        at += length > 0 ? length : sizeof utf8_replacement;
        i += length > 0 ? length : 1;
    }
}

/* A string field, written even when empty (the callers' fields are). */
static void put_text_field(back_writer *w, uint8_t tag, byte_slice text)
{
    size_t mark = written(w);
    put_text(w, text);
    close_field(w, tag, mark);
}

static byte_slice cstr_slice(const char *text)
{
    return (byte_slice){(const uint8_t *)text, strlen(text)};
}

/* NumberDataPoint.attributes: a KeyValue (the canonical message itself, for
 * a copied resource attribute). An empty key is left out, as proto3 does. */
static void put_point_attribute(back_writer *w, const point_attribute *attribute)
{
    size_t mark = written(w);
    if (attribute->kind == POINT_ANY) {
        put_bytes(w, attribute->message.data, attribute->message.size);
        close_field(w, TAG_POINT_ATTRIBUTE, mark);
        return;
    }
    if (attribute->kind == POINT_TRUE)
        put_varint_field(w, TAG_BOOL_VALUE, 1);
    else
        put_text_field(w, TAG_STRING_VALUE, attribute->value);
    close_field(w, TAG_VALUE, mark);
    if (attribute->key.size > 0)
        put_text_field(w, TAG_KEY, attribute->key);
    close_field(w, TAG_POINT_ATTRIBUTE, mark);
}

/* A data_points field. Zero times are left out, as proto3 does; the value
 * (a oneof member) never is. */
static void put_point(back_writer *w, const conversion *c, const series *s, point_attribute *attributes)
{
    const metric_def *def = &c->metrics->items[s->key.metric];
    size_t mark = written(w);
    uint32_t count = point_attributes(c, s, attributes);
    for (uint32_t i = count; i-- > 0;)
        put_point_attribute(w, &attributes[i]);
    if (def->is_double) {
        double value = series_double_value(def, s);
        uint64_t bits;
        memcpy(&bits, &value, sizeof bits);
        put_fixed64_field(w, TAG_AS_DOUBLE, bits);
    } else {
        put_fixed64_field(w, TAG_AS_INT, (uint64_t)s->value);
    }
    if (s->end != 0)
        put_fixed64_field(w, TAG_TIME, s->end);
    if (s->start != 0)
        put_fixed64_field(w, TAG_START_TIME, s->start);
    close_field(w, TAG_DATA_POINT, mark);
}

/* A metrics field: the ordered series [from, to), which share a resource
 * and a metric. */
static void put_metric(back_writer *w, const conversion *c, uint32_t from, uint32_t to,
                       point_attribute *attributes)
{
    const metric_def *def = &c->metrics->items[c->ordered[from]->key.metric];
    size_t mark = written(w);
    if (!def->gauge) {
        put_varint_field(w, TAG_MONOTONIC, 1);
        put_varint_field(w, TAG_TEMPORALITY,
                         c->config->cumulative || def->since_start
                             ? opentelemetry_proto_metrics_v1_AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
                             : opentelemetry_proto_metrics_v1_AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA);
    }
    for (uint32_t i = to; i-- > from;)
        put_point(w, c, c->ordered[i], attributes);
    close_field(w, def->gauge ? TAG_GAUGE : TAG_SUM, mark);
    put_text_field(w, TAG_METRIC_UNIT, cstr_slice(def->unit));
    put_text_field(w, TAG_METRIC_DESCRIPTION, cstr_slice(def->description));
    put_text_field(w, TAG_METRIC_NAME, cstr_slice(def->name));
    close_field(w, TAG_METRIC, mark);
}

/* A resource_metrics field: the ordered series [from, to), which share a
 * resource; one ScopeMetrics. */
static void put_resource_metrics(back_writer *w, const conversion *c, uint32_t from, uint32_t to,
                                 point_attribute *attributes)
{
    const resource_record *resource = series_resource(c, c->ordered[from]);
    size_t mark = written(w);
    if (resource->schema_url.size > 0)
        put_text_field(w, TAG_RESOURCE_SCHEMA_URL, resource->schema_url);
    size_t scope_metrics = written(w);
    for (uint32_t end = to; end > from;) {
        uint32_t start = series_run_start(c, from, end, true);
        put_metric(w, c, start, end, attributes);
        end = start;
    }
    size_t scope = written(w);
    put_text_field(w, TAG_SCOPE_VERSION, cstr_slice(PTM_VERSION));
    put_text_field(w, TAG_SCOPE_NAME, cstr_slice("profiletometrics"));
    close_field(w, TAG_SCOPE, scope);
    close_field(w, TAG_SCOPE_METRICS, scope_metrics);
    size_t resource_mark = written(w);
    if (resource->dropped_attributes_count > 0)
        put_varint_field(w, TAG_DROPPED_ATTRIBUTES, resource->dropped_attributes_count);
    put_bytes(w, resource->canonical.data, resource->canonical.size); /* Resource.attributes */
    close_field(w, TAG_RESOURCE, resource_mark);
    close_field(w, TAG_REQUEST_RESOURCE_METRICS, mark);
}

bool encode_otlp_protobuf(const conversion *c, byte_buffer *out)
{
    point_attribute *attributes = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *attributes);
    if (attributes == NULL)
        return false;
    back_writer w = {.arena = c->arena, .limit = out->limit - out->size, .ok = true};
    /* about what a point of the bench takes: growing is rare */
    size_t expected = 160 * (size_t)c->ordered_count + 1024;
    grow(&w, expected < w.limit ? expected : w.limit);
    for (uint32_t end = c->ordered_count; end > 0 && w.ok;) {
        uint32_t start = series_run_start(c, 0, end, false);
        put_resource_metrics(&w, c, start, end, attributes);
        end = start;
    }
    out->over_limit = out->over_limit || w.over_limit;
    return w.ok && buffer_append(out, w.cursor, written(&w));
}
