/*
 * canonical_attributes.c: the canonical form of a resource's attributes,
 * which identifies the resource and which the encoders write as they are.
 *
 * otlp_canonical_attributes runs once per input resource, not per point,
 * and stays on nanopb: it re-encodes AnyValues with every reference-based
 * key and string resolved against the request's dictionary, and each
 * invalid UTF-8 byte replaced with U+FFFD (the wire format requires
 * UTF-8).
 */
#include "convert/pipeline.h"
#include "base/utf8.h"
#include "wire/any_value.h"

#include <string.h>

#include <pb_common.h>
#include <pb_encode.h>

#include "metrics.pb.h"

typedef opentelemetry_proto_common_v1_KeyValue key_value_message;
typedef opentelemetry_proto_common_v1_AnyValue any_value_message;

/* ---- canonical attributes, through nanopb ---- */

typedef struct canonical_encoder {
    const profile_dictionary *dictionary; /* where strindex members resolve */
} canonical_encoder;

static bool write_bytes(pb_ostream_t *stream, const pb_field_t *field, byte_slice bytes)
{
    return pb_encode_tag_for_field(stream, field) && pb_encode_string(stream, bytes.data, bytes.size);
}

/* Writes a protobuf string field: valid UTF-8, as the wire format requires,
 * with each invalid byte of text replaced by U+FFFD. */
static bool write_text(pb_ostream_t *stream, const pb_field_t *field, byte_slice text)
{
    size_t size = utf8_replaced_size(text.data, text.size, utf8_valid_prefix(text.data, text.size));
    if (!pb_encode_tag_for_field(stream, field) || !pb_encode_varint(stream, size))
        return false;
    if (size == text.size)
        return pb_write(stream, text.data, text.size);
    for (size_t i = 0; i < text.size;) {
        size_t length = utf8_sequence(text.data + i, text.size - i);
        if (!(length > 0 ? pb_write(stream, text.data + i, length)
                         : pb_write(stream, utf8_replacement, sizeof utf8_replacement)))
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

static pb_callback_t slice_callback(const byte_slice *slice)
{
    return (pb_callback_t){.funcs.encode = encode_slice, .arg = (void *)slice};
}

/* ---- AnyValue, re-encoded with strindex members resolved ---- */

typedef struct any_source {
    canonical_encoder *encoder;
    any_value value;
    int depth;
} any_source;

static bool encode_any_value(pb_ostream_t *stream, const pb_field_t *field, byte_slice raw,
                             canonical_encoder *encoder, int depth);

typedef struct nested_writer {
    pb_ostream_t *stream;
    const pb_field_t *field;
    canonical_encoder *encoder;
    int depth;
    bool is_kvlist;
} nested_writer;

static bool encode_key_value(pb_ostream_t *stream, const pb_field_t *field, byte_slice key,
                             byte_slice raw_value, canonical_encoder *encoder, int depth);

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
                             canonical_encoder *encoder, int depth)
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
                             byte_slice raw_value, canonical_encoder *encoder, int depth)
{
    any_source source = {.encoder = encoder, .depth = depth};
    if (depth > ANY_VALUE_MAX_DEPTH || !any_value_decode(raw_value, &source.value))
        source.value.kind = ANY_EMPTY;
    return encode_key_source(stream, field, key, &source);
}

static bool buffer_stream_write(pb_ostream_t *stream, const pb_byte_t *data, size_t count)
{
    return buffer_append(stream->state, data, count);
}

bool otlp_canonical_attributes(const profile_dictionary *dictionary, const key_value_ref *attributes,
                               uint32_t count, byte_buffer *out)
{
    opentelemetry_proto_resource_v1_Resource resource = {0};
    pb_field_iter_t field; /* Resource.attributes, field 1 */
    if (!pb_field_iter_begin(&field, opentelemetry_proto_resource_v1_Resource_fields, &resource))
        return false;
    canonical_encoder encoder = {.dictionary = dictionary};
    pb_ostream_t stream = {.callback = buffer_stream_write, .state = out, .max_size = SIZE_MAX};
    for (uint32_t i = 0; i < count; i++) {
        if (!encode_key_value(&stream, &field, attributes[i].key, attributes[i].value, &encoder, 0))
            return false;
    }
    return true;
}
