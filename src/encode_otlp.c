/*
 * encode_otlp.c: ExportMetricsServiceRequest as protobuf, through nanopb.
 *
 * nanopb sizes a sub-message by encoding it once into a sizing stream, so a
 * naive encode of N nested levels encodes the leaves 2^N times. Data points
 * (with their attributes, the bulk of the output) are therefore encoded once
 * each into a scratch buffer first; the levels above write those bytes as
 * length-delimited fields, which a sizing pass only counts.
 */
#include "encode.h"

#include <string.h>

#include <pb_common.h>
#include <pb_encode.h>

#include "metrics.pb.h"

typedef opentelemetry_proto_metrics_v1_ExportMetricsServiceRequest request_message;
typedef opentelemetry_proto_metrics_v1_ResourceMetrics resource_metrics_message;
typedef opentelemetry_proto_metrics_v1_ScopeMetrics scope_metrics_message;
typedef opentelemetry_proto_metrics_v1_Metric metric_message;
typedef opentelemetry_proto_metrics_v1_NumberDataPoint point_message;
typedef opentelemetry_proto_common_v1_KeyValue key_value_message;
typedef opentelemetry_proto_common_v1_AnyValue any_value_message;

typedef struct otlp_encoder {
    const conversion *c;
    byte_slice *points;                   /* encoded data point, by ordered index */
    const profile_dictionary *dictionary; /* where strindex members resolve */
} otlp_encoder;

/* Canonical attributes carry no strindex member: they resolve against nothing. */
static const profile_dictionary no_dictionary;

/* A run of ordered series [from, to). */
typedef struct series_range {
    otlp_encoder *encoder;
    uint32_t from, to;
} series_range;

static bool write_bytes(pb_ostream_t *stream, const pb_field_t *field, byte_slice bytes)
{
    return pb_encode_tag_for_field(stream, field) && pb_encode_string(stream, bytes.data, bytes.size);
}

/* Writes a protobuf string field: valid UTF-8, as the wire format requires,
 * with each invalid byte of text replaced by U+FFFD. */
static bool write_text(pb_ostream_t *stream, const pb_field_t *field, byte_slice text)
{
    static const pb_byte_t replacement[3] = {0xef, 0xbf, 0xbd};
    size_t size = 0;
    for (size_t i = 0; i < text.size;) {
        size_t length = utf8_sequence(text.data + i, text.size - i);
        size += length > 0 ? length : sizeof replacement;
        i += length > 0 ? length : 1;
    }
    if (!pb_encode_tag_for_field(stream, field) || !pb_encode_varint(stream, size))
        return false;
    if (size == text.size)
        return pb_write(stream, text.data, text.size);
    for (size_t i = 0; i < text.size;) {
        size_t length = utf8_sequence(text.data + i, text.size - i);
        if (!(length > 0 ? pb_write(stream, text.data + i, length)
                         : pb_write(stream, replacement, sizeof replacement)))
            return false;
        i += length > 0 ? length : 1;
    }
    return true;
}

/* Writes a string field; an empty one is left out, as proto3 does. */
static bool encode_slice(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
    const byte_slice *slice = *arg;
    return slice->size == 0 || write_text(stream, field, *slice);
}

static bool encode_cstring(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
    const char *text = *arg;
    return write_text(stream, field, (byte_slice){(const uint8_t *)text, strlen(text)});
}

static pb_callback_t slice_callback(const byte_slice *slice)
{
    return (pb_callback_t){.funcs.encode = encode_slice, .arg = (void *)slice};
}

static pb_callback_t cstring_callback(const char *text)
{
    return (pb_callback_t){.funcs.encode = encode_cstring, .arg = (void *)text};
}

/* ---- AnyValue, re-encoded with strindex members resolved ---- */

typedef struct any_source {
    otlp_encoder *encoder;
    any_value value;
    int depth;
} any_source;

static bool encode_any_value(pb_ostream_t *stream, const pb_field_t *field, byte_slice raw,
                             otlp_encoder *encoder, int depth);

typedef struct nested_writer {
    pb_ostream_t *stream;
    const pb_field_t *field;
    otlp_encoder *encoder;
    int depth;
    bool is_kvlist;
} nested_writer;

static bool encode_key_value(pb_ostream_t *stream, const pb_field_t *field, byte_slice key,
                             byte_slice raw_value, otlp_encoder *encoder, int depth);

static bool write_nested(byte_slice element, void *context)
{
    nested_writer *writer = context;
    if (!writer->is_kvlist)
        return encode_any_value(writer->stream, writer->field, element, writer->encoder, writer->depth);
    key_value_ref kv;
    if (!key_value_decode(element, &kv))
        return true; /* a malformed nested pair is left out */
    if (kv.key.size == 0)
        kv.key = dictionary_string(writer->encoder->dictionary, kv.key_strindex);
    return encode_key_value(writer->stream, writer->field, kv.key, kv.value, writer->encoder,
                            writer->depth);
}

static bool encode_nested_values(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
    any_source *source = *arg;
    nested_writer writer = {stream, field, source->encoder, source->depth + 1,
                            source->value.kind == ANY_KVLIST};
    any_value_each(source->value.bytes, write_nested, &writer);
    return stream->errmsg == NULL;
}

/* The member callback: writes whichever member the source holds. */
static bool encode_any_member(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
    const any_source *source = *arg;
    const any_value *value = &source->value;
    switch (value->kind) {
    case ANY_STRING:
        return write_text(stream, field, value->bytes);
    case ANY_BYTES:
        return write_bytes(stream, field, value->bytes);
    case ANY_STRINDEX:
        return write_text(stream, field, dictionary_string(source->encoder->dictionary, value->strindex));
    case ANY_BOOL:
        return pb_encode_tag_for_field(stream, field) && pb_encode_varint(stream, value->boolean);
    case ANY_INT:
        return pb_encode_tag_for_field(stream, field) && pb_encode_varint(stream, (uint64_t)value->integer);
    case ANY_DOUBLE:
        return pb_encode_tag_for_field(stream, field) && pb_encode_fixed64(stream, &value->number);
    case ANY_ARRAY:
    case ANY_KVLIST: {
        /* ArrayValue and KeyValueList: one repeated message field = 1. */
        opentelemetry_proto_common_v1_ArrayValue list = {
            .values = {.funcs.encode = encode_nested_values, .arg = (void *)source}};
        return pb_encode_tag_for_field(stream, field) &&
               pb_encode_submessage(stream, opentelemetry_proto_common_v1_ArrayValue_fields, &list);
    }
    case ANY_EMPTY:
        return true;
    }
    return true;
}

/* Writes source's value as an AnyValue sub-message of field. */
static bool encode_any_source(pb_ostream_t *stream, const pb_field_t *field, any_source *source)
{
    any_value_message message = {0};
    pb_callback_t member = {.funcs.encode = encode_any_member, .arg = source};
    switch (source->value.kind) {
    case ANY_STRING: case ANY_STRINDEX: message.string_value = member; break;
    case ANY_BOOL: message.bool_value = member; break;
    case ANY_INT: message.int_value = member; break;
    case ANY_DOUBLE: message.double_value = member; break;
    case ANY_ARRAY: message.array_value = member; break;
    case ANY_KVLIST: message.kvlist_value = member; break;
    case ANY_BYTES: message.bytes_value = member; break;
    case ANY_EMPTY: break;
    }
    return pb_encode_tag_for_field(stream, field) &&
           pb_encode_submessage(stream, opentelemetry_proto_common_v1_AnyValue_fields, &message);
}

static bool encode_any_value(pb_ostream_t *stream, const pb_field_t *field, byte_slice raw,
                             otlp_encoder *encoder, int depth)
{
    any_source source = {.encoder = encoder, .depth = depth};
    if (depth > ANY_VALUE_MAX_DEPTH || !any_value_decode(raw, &source.value))
        source.value.kind = ANY_EMPTY;
    return encode_any_source(stream, field, &source);
}

static bool encode_source_field(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
    return encode_any_source(stream, field, *arg);
}

/* Writes a KeyValue sub-message of field: key and an already decoded value. */
static bool encode_key_source(pb_ostream_t *stream, const pb_field_t *field, byte_slice key,
                              any_source *source)
{
    key_value_message message = {
        .key = slice_callback(&key),
        .value = {.funcs.encode = encode_source_field, .arg = source},
    };
    return pb_encode_tag_for_field(stream, field) &&
           pb_encode_submessage(stream, opentelemetry_proto_common_v1_KeyValue_fields, &message);
}

static bool encode_key_value(pb_ostream_t *stream, const pb_field_t *field, byte_slice key,
                             byte_slice raw_value, otlp_encoder *encoder, int depth)
{
    any_source source = {.encoder = encoder, .depth = depth};
    if (depth > ANY_VALUE_MAX_DEPTH || !any_value_decode(raw_value, &source.value))
        source.value.kind = ANY_EMPTY;
    return encode_key_source(stream, field, key, &source);
}

/* ---- data points, encoded once each into a scratch buffer ---- */

typedef struct point_source {
    otlp_encoder *encoder;
    const point_attribute *attributes;
    uint32_t count;
} point_source;

static bool encode_point_attributes(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
    const point_source *source = *arg;
    for (uint32_t i = 0; i < source->count; i++) {
        const point_attribute *attribute = &source->attributes[i];
        if (attribute->kind == POINT_ANY) { /* canonical already: written as it is */
            if (!write_bytes(stream, field, attribute->message))
                return false;
            continue;
        }
        any_source value = {.encoder = source->encoder};
        value.value.kind = attribute->kind == POINT_TRUE ? ANY_BOOL : ANY_STRING;
        value.value.boolean = true;
        value.value.bytes = attribute->value;
        if (!encode_key_source(stream, field, attribute->key, &value))
            return false;
    }
    return true;
}

static bool buffer_stream_write(pb_ostream_t *stream, const pb_byte_t *data, size_t count)
{
    return buffer_append(stream->state, data, count);
}

/* Encodes every data point once; points[i] is ordered series i. */
static bool encode_points(otlp_encoder *encoder, byte_buffer *scratch)
{
    const conversion *c = encoder->c;
    point_attribute *attributes = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *attributes);
    size_t *ends = arena_alloc(c->arena, ((size_t)c->ordered_count + 1) * sizeof(size_t));
    encoder->points = arena_alloc(c->arena, ((size_t)c->ordered_count + 1) * sizeof(byte_slice));
    if (attributes == NULL || ends == NULL || encoder->points == NULL)
        return false;
    pb_ostream_t stream = {.callback = buffer_stream_write, .state = scratch, .max_size = SIZE_MAX};
    for (uint32_t i = 0; i < c->ordered_count; i++) {
        const series *s = c->ordered[i];
        const metric_def *def = &c->metrics->items[s->key.metric];
        point_source source = {encoder, attributes, point_attributes(c, s, attributes)};
        point_message point = {
            .attributes = {.funcs.encode = encode_point_attributes, .arg = &source},
            .start_time_unix_nano = s->start,
            .time_unix_nano = s->end,
        };
        if (def->is_double) {
            point.which_value = opentelemetry_proto_metrics_v1_NumberDataPoint_as_double_tag;
            point.value.as_double = series_double_value(def, s);
        } else {
            point.which_value = opentelemetry_proto_metrics_v1_NumberDataPoint_as_int_tag;
            point.value.as_int = s->value;
        }
        if (!pb_encode(&stream, opentelemetry_proto_metrics_v1_NumberDataPoint_fields, &point))
            return false;
        ends[i] = scratch->size;
    }
    /* Slices are taken at the end: the scratch buffer moves as it grows. */
    size_t start = 0;
    for (uint32_t i = 0; i < c->ordered_count; i++) {
        encoder->points[i] = (byte_slice){scratch->data + start, ends[i] - start};
        start = ends[i];
    }
    return true;
}

/* ---- metrics, scope, resource, request ---- */

static bool encode_point_range(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
    const series_range *range = *arg;
    for (uint32_t i = range->from; i < range->to; i++) {
        if (!write_bytes(stream, field, range->encoder->points[i]))
            return false;
    }
    return true;
}

static bool encode_metrics(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
    const series_range *range = *arg;
    const conversion *c = range->encoder->c;
    for (uint32_t i = range->from; i < range->to;) {
        uint32_t end = series_run_end(c, i, true);
        const metric_def *def = &c->metrics->items[c->ordered[i]->key.metric];
        series_range points = {range->encoder, i, end};
        pb_callback_t data_points = {.funcs.encode = encode_point_range, .arg = &points};
        metric_message metric = {
            .name = cstring_callback(def->name),
            .description = cstring_callback(def->description),
            .unit = cstring_callback(def->unit),
        };
        if (def->gauge) {
            metric.which_data = opentelemetry_proto_metrics_v1_Metric_gauge_tag;
            metric.data.gauge.data_points = data_points;
        } else {
            metric.which_data = opentelemetry_proto_metrics_v1_Metric_sum_tag;
            metric.data.sum.data_points = data_points;
            metric.data.sum.aggregation_temporality =
                c->config->cumulative
                    ? opentelemetry_proto_metrics_v1_AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
                    : opentelemetry_proto_metrics_v1_AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA;
            metric.data.sum.is_monotonic = true;
        }
        if (!pb_encode_tag_for_field(stream, field) ||
            !pb_encode_submessage(stream, opentelemetry_proto_metrics_v1_Metric_fields, &metric))
            return false;
        i = end;
    }
    return true;
}

static bool encode_scope_metrics(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
    scope_metrics_message scope = {
        .has_scope = true,
        .scope = {.name = cstring_callback("profiletometrics"),
                  .version = cstring_callback(PTM_VERSION_STRING)},
        .metrics = {.funcs.encode = encode_metrics, .arg = *arg},
    };
    return pb_encode_tag_for_field(stream, field) &&
           pb_encode_submessage(stream, opentelemetry_proto_metrics_v1_ScopeMetrics_fields, &scope);
}

static bool encode_resource_attributes(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
    const series_range *range = *arg;
    const resource_record *resource = series_resource(range->encoder->c, range->encoder->c->ordered[range->from]);
    for (uint32_t i = 0; i < resource->attribute_count; i++) {
        if (!encode_key_value(stream, field, resource->attributes[i].key, resource->attributes[i].value,
                              range->encoder, 0))
            return false;
    }
    return true;
}

static bool encode_resource_metrics(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
    otlp_encoder *encoder = *arg;
    const conversion *c = encoder->c;
    for (uint32_t i = 0; i < c->ordered_count;) {
        uint32_t end = series_run_end(c, i, false);
        const resource_record *resource = series_resource(c, c->ordered[i]);
        series_range range = {encoder, i, end};
        resource_metrics_message message = {
            .has_resource = true,
            .resource = {.attributes = {.funcs.encode = encode_resource_attributes, .arg = &range},
                         .dropped_attributes_count = resource->dropped_attributes_count},
            .scope_metrics = {.funcs.encode = encode_scope_metrics, .arg = &range},
            .schema_url = slice_callback(&resource->schema_url),
        };
        if (!pb_encode_tag_for_field(stream, field) ||
            !pb_encode_submessage(stream, opentelemetry_proto_metrics_v1_ResourceMetrics_fields, &message))
            return false;
        i = end;
    }
    return true;
}

bool otlp_canonical_attributes(const profile_dictionary *dictionary, const key_value_ref *attributes,
                               uint32_t count, byte_buffer *out)
{
    opentelemetry_proto_resource_v1_Resource resource = {0};
    pb_field_iter_t field; /* Resource.attributes, field 1 */
    if (!pb_field_iter_begin(&field, opentelemetry_proto_resource_v1_Resource_fields, &resource))
        return false;
    otlp_encoder encoder = {.dictionary = dictionary};
    pb_ostream_t stream = {.callback = buffer_stream_write, .state = out, .max_size = SIZE_MAX};
    for (uint32_t i = 0; i < count; i++) {
        if (!encode_key_value(&stream, &field, attributes[i].key, attributes[i].value, &encoder, 0))
            return false;
    }
    return true;
}

bool encode_otlp_protobuf(const conversion *c, byte_buffer *out)
{
    otlp_encoder encoder = {.c = c, .dictionary = &no_dictionary};
    byte_buffer scratch;
    buffer_init(&scratch, c->arena);
    if (!encode_points(&encoder, &scratch))
        return false;
    request_message request = {
        .resource_metrics = {.funcs.encode = encode_resource_metrics, .arg = &encoder},
    };
    pb_ostream_t stream = {.callback = buffer_stream_write, .state = out, .max_size = SIZE_MAX};
    return pb_encode(&stream, opentelemetry_proto_metrics_v1_ExportMetricsServiceRequest_fields, &request);
}
