/*
 * encode_otlp.c: ExportMetricsServiceRequest as protobuf.
 *
 * The request is written back to front by the wire writer
 * (wire/wire_write.h): a data point costs its attributes
 * (point_attributes), one UTF-8 scan per string and the copies of its
 * bytes; the finished request is appended to out in one copy.
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

#include "wire/wire_write.h"

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
    /* KeyValue and AnyValue: wire_write.h's WIRE_TAG_* */
};

/* AggregationTemporality (metrics.proto). */
enum { TEMPORALITY_DELTA = 1, TEMPORALITY_CUMULATIVE = 2 };

static byte_slice cstr_slice(const char *text)
{
    return (byte_slice){(const uint8_t *)text, strlen(text)};
}

/* NumberDataPoint.attributes: a KeyValue (the canonical message itself, for
 * a copied resource attribute). An empty key is left out, as proto3 does. */
static void put_point_attribute(wire_writer *w, const point_attribute *attribute)
{
    size_t mark = wire_written(w);
    if (attribute->kind == POINT_ANY) {
        wire_put_bytes(w, attribute->message.data, attribute->message.size);
        wire_close_field(w, TAG_POINT_ATTRIBUTE, mark);
        return;
    }
    if (attribute->kind == POINT_TRUE)
        wire_put_varint_field(w, WIRE_TAG_BOOL_VALUE, 1);
    else
        wire_put_text_field(w, WIRE_TAG_STRING_VALUE, attribute->value);
    wire_close_field(w, WIRE_TAG_VALUE, mark);
    if (attribute->key.size > 0)
        wire_put_text_field(w, WIRE_TAG_KEY, attribute->key);
    wire_close_field(w, TAG_POINT_ATTRIBUTE, mark);
}

/* A data_points field. Zero times are left out, as proto3 does; the value
 * (a oneof member) never is. */
static void put_point(wire_writer *w, const conversion *c, const series *s, point_attribute *attributes)
{
    const metric_def *def = &c->metrics->items[s->key.metric];
    size_t mark = wire_written(w);
    uint32_t count = point_attributes(c, s, attributes);
    for (uint32_t i = count; i-- > 0;)
        put_point_attribute(w, &attributes[i]);
    if (def->is_double) {
        double value = series_double_value(def, s);
        uint64_t bits;
        memcpy(&bits, &value, sizeof bits);
        wire_put_fixed64_field(w, TAG_AS_DOUBLE, bits);
    } else {
        wire_put_fixed64_field(w, TAG_AS_INT, (uint64_t)s->value);
    }
    if (s->end != 0)
        wire_put_fixed64_field(w, TAG_TIME, s->end);
    if (s->start != 0)
        wire_put_fixed64_field(w, TAG_START_TIME, s->start);
    wire_close_field(w, TAG_DATA_POINT, mark);
}

/* A metrics field: the ordered series [from, to), which share a resource
 * and a metric. */
static void put_metric(wire_writer *w, const conversion *c, uint32_t from, uint32_t to,
                       point_attribute *attributes)
{
    const metric_def *def = &c->metrics->items[c->ordered[from]->key.metric];
    size_t mark = wire_written(w);
    if (!def->gauge) {
        wire_put_varint_field(w, TAG_MONOTONIC, 1);
        wire_put_varint_field(w, TAG_TEMPORALITY,
                              c->config->cumulative || def->since_start ? TEMPORALITY_CUMULATIVE : TEMPORALITY_DELTA);
    }
    for (uint32_t i = to; i-- > from;)
        put_point(w, c, c->ordered[i], attributes);
    wire_close_field(w, def->gauge ? TAG_GAUGE : TAG_SUM, mark);
    wire_put_text_field(w, TAG_METRIC_UNIT, cstr_slice(def->unit));
    wire_put_text_field(w, TAG_METRIC_DESCRIPTION, cstr_slice(def->description));
    wire_put_text_field(w, TAG_METRIC_NAME, cstr_slice(def->name));
    wire_close_field(w, TAG_METRIC, mark);
}

/* A resource_metrics field: the ordered series [from, to), which share a
 * resource; one ScopeMetrics. */
static void put_resource_metrics(wire_writer *w, const conversion *c, uint32_t from, uint32_t to,
                                 point_attribute *attributes)
{
    const resource_record *resource = series_resource(c, c->ordered[from]);
    size_t mark = wire_written(w);
    if (resource->schema_url.size > 0)
        wire_put_text_field(w, TAG_RESOURCE_SCHEMA_URL, resource->schema_url);
    size_t scope_metrics = wire_written(w);
    for (uint32_t end = to; end > from;) {
        uint32_t start = series_run_start(c, from, end, true);
        put_metric(w, c, start, end, attributes);
        end = start;
    }
    size_t scope = wire_written(w);
    wire_put_text_field(w, TAG_SCOPE_VERSION, cstr_slice(PTM_VERSION));
    wire_put_text_field(w, TAG_SCOPE_NAME, cstr_slice("profiletometrics"));
    wire_close_field(w, TAG_SCOPE, scope);
    wire_close_field(w, TAG_SCOPE_METRICS, scope_metrics);
    size_t resource_mark = wire_written(w);
    if (resource->dropped_attributes_count > 0)
        wire_put_varint_field(w, TAG_DROPPED_ATTRIBUTES, resource->dropped_attributes_count);
    wire_put_bytes(w, resource->canonical.data, resource->canonical.size); /* Resource.attributes */
    wire_close_field(w, TAG_RESOURCE, resource_mark);
    wire_close_field(w, TAG_REQUEST_RESOURCE_METRICS, mark);
}

bool encode_otlp_protobuf(const conversion *c, byte_buffer *out)
{
    point_attribute *attributes = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *attributes);
    if (attributes == NULL)
        return false;
    /* about what a point of the bench takes: growing is rare */
    wire_writer w = wire_writer_start(c->arena, out->limit - out->size, 160 * (size_t)c->ordered_count + 1024);
    for (uint32_t end = c->ordered_count; end > 0 && w.ok;) {
        uint32_t start = series_run_start(c, 0, end, false);
        put_resource_metrics(&w, c, start, end, attributes);
        end = start;
    }
    out->over_limit = out->over_limit || w.over_limit;
    byte_slice request = wire_finished(&w);
    return w.ok && buffer_append(out, request.data, request.size);
}
