/*
 * any_value.c: AnyValue / KeyValue / ArrayValue / KeyValueList through nanopb.
 * Every field of these messages is a callback (see proto/common.options), so
 * the callback learns which oneof member was present from the field tag.
 */
#include "wire/any_value.h"

#include "common.pb.h"
#include "wire/wire.h"

typedef struct any_reader {
    any_value *value;
    byte_slice bounds;
} any_reader;

static bool read_any_member(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    any_reader *reader = *arg;
    any_value *value = reader->value;
    uint64_t raw = 0;
    switch (field->tag) {
    case opentelemetry_proto_common_v1_AnyValue_string_value_tag:
        value->kind = ANY_STRING;
        return wire_capture(stream, reader->bounds, &value->bytes);
    case opentelemetry_proto_common_v1_AnyValue_array_value_tag:
        value->kind = ANY_ARRAY;
        return wire_capture(stream, reader->bounds, &value->bytes);
    case opentelemetry_proto_common_v1_AnyValue_kvlist_value_tag:
        value->kind = ANY_KVLIST;
        return wire_capture(stream, reader->bounds, &value->bytes);
    case opentelemetry_proto_common_v1_AnyValue_bytes_value_tag:
        value->kind = ANY_BYTES;
        return wire_capture(stream, reader->bounds, &value->bytes);
    case opentelemetry_proto_common_v1_AnyValue_bool_value_tag:
        value->kind = ANY_BOOL;
        if (!pb_decode_varint(stream, &raw))
            return false;
        value->boolean = raw != 0;
        return wire_single_scalar_done(stream, reader->bounds);
    case opentelemetry_proto_common_v1_AnyValue_int_value_tag:
        value->kind = ANY_INT;
        if (!pb_decode_varint(stream, &raw))
            return false;
        value->integer = (int64_t)raw;
        return wire_single_scalar_done(stream, reader->bounds);
    case opentelemetry_proto_common_v1_AnyValue_double_value_tag:
        value->kind = ANY_DOUBLE;
        return pb_decode_fixed64(stream, &value->number) &&
               wire_single_scalar_done(stream, reader->bounds);
    case opentelemetry_proto_common_v1_AnyValue_string_value_strindex_tag:
        value->kind = ANY_STRINDEX;
        if (!pb_decode_varint(stream, &raw))
            return false;
        value->strindex = (int32_t)raw;
        return wire_single_scalar_done(stream, reader->bounds);
    default:
        return false;
    }
}

bool any_value_decode(byte_slice raw, any_value *out)
{
    *out = (any_value){0};
    opentelemetry_proto_common_v1_AnyValue message;
    any_reader reader = {out, raw};
    pb_callback_t member = {.funcs.decode = read_any_member, .arg = &reader};
    message.string_value = member;
    message.bool_value = member;
    message.int_value = member;
    message.double_value = member;
    message.array_value = member;
    message.kvlist_value = member;
    message.bytes_value = member;
    message.string_value_strindex = member;
    return wire_decode(raw, opentelemetry_proto_common_v1_AnyValue_fields, &message);
}

bool key_value_decode(byte_slice raw, key_value_ref *out)
{
    *out = (key_value_ref){0};
    wire_slice_target key = {&out->key, raw}, value = {&out->value, raw};
    opentelemetry_proto_common_v1_KeyValue message = {
        .key = {.funcs.decode = wire_capture_callback, .arg = &key},
        .value = {.funcs.decode = wire_capture_callback, .arg = &value},
        .key_strindex = 0,
    };
    if (!wire_decode(raw, opentelemetry_proto_common_v1_KeyValue_fields, &message))
        return false;
    out->key_strindex = message.key_strindex;
    return true;
}

typedef struct each_context {
    bool (*visit)(byte_slice element, void *context);
    void *context;
    byte_slice bounds;
} each_context;

static bool visit_element(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    each_context *each = *arg;
    byte_slice element;
    if (!wire_expect_message(stream, each->bounds))
        return false;
    return wire_capture(stream, each->bounds, &element) && each->visit(element, each->context);
}

bool any_value_each(byte_slice raw, bool (*visit)(byte_slice element, void *context),
                    void *context)
{
    /* ArrayValue and KeyValueList share one shape: repeated message = 1. */
    each_context each = {visit, context, raw};
    opentelemetry_proto_common_v1_ArrayValue message = {
        .values = {.funcs.decode = visit_element, .arg = &each}};
    return wire_decode(raw, opentelemetry_proto_common_v1_ArrayValue_fields, &message);
}
