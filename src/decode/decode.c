/*
 * decode.c: the request walk described in decode.h.
 *
 * Each level is a nanopb decode whose repeated fields are callbacks that
 * either record slices of the input (resources, scopes, profiles) or stream
 * items to the handler (samples). A failed nanopb decode is malformed input;
 * a limit, a handler or arena failure is recorded as such in the call's
 * status first, so that the walk's "malformed" never overwrites it.
 *
 * The samples are read in decode_samples.c (decode_walk.h holds the walk's
 * state).
 */
#include "decode/decode.h"
#include "decode/decode_walk.h"

#include <stdio.h>
#include <string.h>

#include "base/limits.h"
#include "wire/wire.h"

/* wire_decode that remembers nanopb's message for the innermost failure. */
static bool walk_decode(request_walk *walk, byte_slice raw, const pb_msgdesc_t *fields, void *message)
{
    pb_istream_t stream = pb_istream_from_buffer(raw.data, raw.size);
    if (pb_decode_ex(&stream, fields, message, PB_DECODE_NOINIT))
        return true;
    if (walk->detail == NULL)
        walk->detail = wire_error(&stream, raw.data);
    return false;
}

/* Records one length-delimited child as a slice of the input. */
static bool collect_slice(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    request_walk *walk = *arg;
    byte_slice *slot = vector_push(walk->arena, &walk->slices, sizeof(byte_slice));
    return slot != NULL && wire_capture(stream, walk->bounds, slot);
}

static bool capture_dictionary(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    request_walk *walk = *arg;
    byte_slice *part = vector_push(walk->arena, &walk->dictionary_parts, sizeof(byte_slice));
    return part != NULL && wire_capture(stream, walk->bounds, part);
}

/* Counts the samples of a profile without reading them. */
static bool count_sample(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    request_walk *walk = *arg;
    if (!wire_expect_message(stream, walk->bounds))
        return false;
    walk->sample_count++;
    return pb_read(stream, NULL, stream->bytes_left);
}

/* ---- profiles ---- */

/* Reads a profile header with nanopb: whatever read_profile_header does not take. */
static bool decode_profile_header_nanopb(request_walk *walk, byte_slice raw, decoded_profile *profile)
{
    walk->int32s = (arena_vector){0}; /* this profile keeps its own array */
    walk->sample_count = 0;
    profile_message message = {
        .samples = {.funcs.decode = count_sample, .arg = walk},
        .attribute_indices = {.funcs.decode = decode_collect_int32, .arg = walk},
    };
    walk->where = "Profile";
    if (!walk_decode(walk, raw, opentelemetry_proto_profiles_v1development_Profile_fields, &message))
        return false;
    profile->type_strindex = message.sample_type.type_strindex;
    profile->unit_strindex = message.sample_type.unit_strindex;
    profile->has_period_type = message.has_period_type;
    profile->period_type_strindex = message.period_type.type_strindex;
    profile->period_unit_strindex = message.period_type.unit_strindex;
    profile->period = message.period;
    profile->time_unix_nano = message.time_unix_nano;
    profile->duration_nano = message.duration_nano;
    profile->attribute_indices = walk->int32s.items;
    profile->attribute_count = walk->int32s.count;
    profile->sample_count = walk->sample_count;
    walk->int32s = (arena_vector){0};
    return true;
}

/* Reads a ValueType's fields into *type and *unit (merging, as nanopb does
 * with a message field sent twice). */
static bool read_value_type(wire_cursor span, int32_t *type, int32_t *unit)
{
    while (!wire_at_end(&span)) {
        uint32_t field, wire_type;
        if (!wire_read_tag(&span, &field, &wire_type))
            return false;
        bool read = field == 1 ? wire_read_int32(&span, wire_type, type)
                  : field == 2 ? wire_read_int32(&span, wire_type, unit)
                  : wire_skip(&span, wire_type);
        if (!read)
            return false;
    }
    return true;
}

/* One field of a Profile header in its usual encoding; samples are counted. */
static bool read_profile_field(request_walk *walk, wire_cursor *cursor, decoded_profile *profile)
{
    uint32_t field, wire_type;
    wire_cursor span;
    uint64_t raw;
    if (!wire_read_tag(cursor, &field, &wire_type))
        return false;
    switch (field) {
    case 1:
        return wire_type == WIRE_LEN && wire_read_span(cursor, &span) &&
               read_value_type(span, &profile->type_strindex, &profile->unit_strindex);
    case 2:
        profile->sample_count++;
        return wire_type == WIRE_LEN && wire_read_span(cursor, &span);
    case 3:
        return wire_type == WIRE_I64 && wire_read_fixed64(cursor, &profile->time_unix_nano);
    case 4:
        return wire_type == WIRE_VARINT && wire_read_varint(cursor, &profile->duration_nano);
    case 5:
        profile->has_period_type = true;
        return wire_type == WIRE_LEN && wire_read_span(cursor, &span) &&
               read_value_type(span, &profile->period_type_strindex, &profile->period_unit_strindex);
    case 6:
        if (wire_type != WIRE_VARINT || !wire_read_varint(cursor, &raw))
            return false;
        profile->period = (int64_t)raw;
        return true;
    case 11:
        return wire_varint_run(cursor, wire_type, &span) && decode_read_indices(walk, &span);
    default:
        return wire_skip(cursor, wire_type);
    }
}

/* Reads a profile's header (its samples counted, not read) by hand, or, at
 * anything unusual, with nanopb, which then accepts it or names the fault. */
static bool decode_profile_header(request_walk *walk, byte_slice raw, decoded_profile *profile)
{
    walk->int32s = (arena_vector){0}; /* this profile keeps its own array */
    *profile = (decoded_profile){0};
    wire_cursor cursor = wire_cursor_of(raw.data, raw.size);
    while (!wire_at_end(&cursor)) {
        if (!read_profile_field(walk, &cursor, profile)) {
            if (walk->arena->failed)
                return false;
            return decode_profile_header_nanopb(walk, raw, profile);
        }
    }
    profile->attribute_indices = walk->int32s.items;
    profile->attribute_count = walk->int32s.count;
    walk->int32s = (arena_vector){0};
    return true;
}

/* Streams a profile's samples to the handler. The header's nanopb decode
 * has checked every field's tag, wire type and length (a sample must be
 * length-delimited), so this walk only finds the samples. */
static bool decode_profile_samples(request_walk *walk, byte_slice raw)
{
    walk->where = "Sample";
    wire_cursor cursor = wire_cursor_of(raw.data, raw.size);
    while (!wire_at_end(&cursor)) {
        uint64_t tag;
        wire_cursor span;
        if (!wire_read_varint(&cursor, &tag))
            return false;
        uint32_t field = (uint32_t)tag >> 3, wire_type = (uint32_t)tag & 7;
        if (field != 2 || wire_type != WIRE_LEN) {
            if (!wire_skip(&cursor, wire_type))
                return false;
        } else if (!wire_read_span(&cursor, &span) ||
                   !decode_read_sample(walk, (byte_slice){span.at, (size_t)(span.end - span.at)})) {
            return false;
        }
    }
    return true;
}

/* ---- scopes ---- */

static bool decode_scope(request_walk *walk, byte_slice raw)
{
    walk->slices = (arena_vector){0};
    walk->bounds = raw;
    walk->where = "ScopeProfiles";
    scope_profiles_message message = {
        .profiles = {.funcs.decode = collect_slice, .arg = walk},
    };
    if (!walk_decode(walk, raw, opentelemetry_proto_profiles_v1development_ScopeProfiles_fields, &message))
        return false;
    uint32_t count = walk->slices.count;
    const byte_slice *profile_slices = walk->slices.items;
    decoded_profile *profiles = arena_calloc(walk->arena, count + 1, sizeof(decoded_profile));
    if (profiles == NULL)
        return false;
    for (uint32_t i = 0; i < count; i++) {
        walk->bounds = profile_slices[i];
        if (!decode_profile_header(walk, profile_slices[i], &profiles[i]))
            return false;
    }
    if (!walk->handler->scope(walk->handler->context, profiles, count)) {
        return status_out_of_memory(walk->status);
    }
    for (uint32_t i = 0; i < count; i++) {
        if (!walk->handler->profile(walk->handler->context, &profiles[i])) {
            return status_out_of_memory(walk->status);
        }
        if (!decode_profile_samples(walk, profile_slices[i]))
            return false;
    }
    return true;
}

/* ---- resources ---- */

typedef struct attribute_collector {
    request_walk *walk;
    arena_vector attributes; /* key_value_ref */
} attribute_collector;

static bool collect_attribute(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    attribute_collector *collector = *arg;
    request_walk *walk = collector->walk;
    byte_slice raw;
    if (!wire_capture(stream, walk->bounds, &raw))
        return false;
    key_value_ref *slot = vector_push(walk->arena, &collector->attributes, sizeof(key_value_ref));
    if (slot == NULL)
        return false;
    if (!key_value_decode(raw, slot))
        PB_RETURN_ERROR(stream, "malformed KeyValue");
    if (slot->value.size > LIMIT_STRING_BYTES || slot->key.size > LIMIT_STRING_BYTES)
        return status_fail(walk->status, PTM_ERR_LIMIT,
                           "a string or attribute value is over 65536 bytes (in Resource)");
    any_value value;
    if (!any_value_decode(slot->value, &value))
        PB_RETURN_ERROR(stream, "malformed AnyValue (wrong wire type or truncated)");
    const arena_vector *strings = &walk->dictionary->strings;
    if ((slot->key.size == 0 && !dictionary_index_valid(strings, slot->key_strindex)) ||
        (value.kind == ANY_STRINDEX && !dictionary_index_valid(strings, value.strindex)))
        PB_RETURN_ERROR(stream, "a resource attribute refers outside the string table");
    if (slot->key.size == 0)
        slot->key = dictionary_string(walk->dictionary, slot->key_strindex);
    return true;
}

/* A ResourceProfiles read and checked, not yet handed on. */
typedef struct read_resource {
    decoded_resource decoded;
    arena_vector scopes;         /* byte_slice */
} read_resource;

/* Reads one ResourceProfiles: its scopes located, its Resource decoded. */
static bool decode_resource(request_walk *walk, byte_slice raw, read_resource *out)
{
    walk->slices = (arena_vector){0};
    walk->bounds = raw;
    walk->where = "ResourceProfiles";
    byte_slice resource_raw = {0}, schema_url = {0};
    wire_slice_target resource_target = {&resource_raw, raw}, schema_target = {&schema_url, raw};
    resource_profiles_message message = {
        .resource = {.funcs.decode = wire_capture_callback, .arg = &resource_target},
        .scope_profiles = {.funcs.decode = collect_slice, .arg = walk},
        .schema_url = {.funcs.decode = wire_capture_callback, .arg = &schema_target},
    };
    if (!walk_decode(walk, raw, opentelemetry_proto_profiles_v1development_ResourceProfiles_fields, &message))
        return false;
    arena_vector scopes = walk->slices;

    walk->where = "Resource";
    walk->bounds = resource_raw;
    attribute_collector collector = {walk, {0}};
    resource_message resource = {
        .attributes = {.funcs.decode = collect_attribute, .arg = &collector},
    };
    if (resource_raw.size > 0 &&
        !walk_decode(walk, resource_raw, opentelemetry_proto_resource_v1_Resource_fields, &resource))
        return false;
    out->decoded = (decoded_resource){
        .attributes = collector.attributes.items,
        .attribute_count = collector.attributes.count,
        .dropped_attributes_count = resource.dropped_attributes_count,
        .schema_url = schema_url,
    };
    out->scopes = scopes;
    return true;
}

/* Hands one read resource and its scopes to the handler. */
static bool walk_resource(request_walk *walk, const read_resource *resource)
{
    walk->where = "ResourceProfiles";
    if (!walk->handler->resource(walk->handler->context, &resource->decoded)) {
        return status_out_of_memory(walk->status);
    }
    const byte_slice *scope_slices = resource->scopes.items;
    for (uint32_t i = 0; i < resource->scopes.count; i++) {
        if (!decode_scope(walk, scope_slices[i]))
            return false;
    }
    return true;
}

/* ---- the request ---- */

/* Records why the walk stopped, unless a stage recorded it already (a limit,
 * the handler): memory, or malformed input named by where it was met. */
static ptm_result walk_failure(request_walk *walk, const char *nanopb_message)
{
    if (walk->arena->failed)
        status_out_of_memory(walk->status);
    if (walk->detail != NULL)
        nanopb_message = walk->detail;
    status_fail(walk->status, PTM_ERR_INPUT, "malformed protobuf in %s: %s", walk->where,
                nanopb_message ? nanopb_message : "invalid data");
    return walk->status->code;
}

bool decode_has_protobuf_framing(byte_slice input)
{
    pb_istream_t stream = pb_istream_from_buffer(input.data, input.size);
    while (stream.bytes_left > 0) {
        pb_wire_type_t wire_type;
        uint32_t tag;
        bool eof;
        if (!pb_decode_tag(&stream, &wire_type, &tag, &eof) || !pb_skip_field(&stream, wire_type))
            return false;
    }
    return true;
}

/* The longest varint nanopb reads (a 64-bit one, or a 32-bit one with its
 * sign extension): a varint that fails with this many bytes at hand is
 * malformed, not cut short. */
enum { VARINT_MAX_BYTES = 10 };

bool decode_framing_may_continue(byte_slice prefix)
{
    pb_istream_t stream = pb_istream_from_buffer(prefix.data, prefix.size);
    while (stream.bytes_left > 0) {
        size_t at_tag = stream.bytes_left;
        pb_wire_type_t wire_type;
        uint32_t tag, length;
        bool eof;
        if (!pb_decode_tag(&stream, &wire_type, &tag, &eof))
            return at_tag < VARINT_MAX_BYTES;
        if (wire_type != PB_WT_VARINT && wire_type != PB_WT_64BIT && wire_type != PB_WT_STRING &&
            wire_type != PB_WT_32BIT)
            return false; /* as decode_has_protobuf_framing's pb_skip_field refuses it */
        if (wire_type != PB_WT_STRING) {
            if (!pb_skip_field(&stream, wire_type))
                return true; /* a varint or fixed field cut short */
            continue;
        }
        size_t at_length = stream.bytes_left;
        if (!pb_decode_varint32(&stream, &length))
            return at_length < VARINT_MAX_BYTES;
        if (length > stream.bytes_left)
            return true; /* its content is cut short */
        pb_read(&stream, NULL, length);
    }
    return true;
}

ptm_result decode_request(byte_slice input, arena *a, string_interner *interner,
                          const decode_handler *handler, ptm_status *status)
{
    request_walk walk = {.arena = a, .interner = interner, .handler = handler, .status = status,
                         .bounds = input, .where = "ExportProfilesServiceRequest"};
    request_message message = {
        .resource_profiles = {.funcs.decode = collect_slice, .arg = &walk},
        .dictionary = {.funcs.decode = capture_dictionary, .arg = &walk},
    };
    pb_istream_t stream = pb_istream_from_buffer(input.data, input.size);
    if (!pb_decode_ex(&stream, opentelemetry_proto_profiles_v1development_ExportProfilesServiceRequest_fields,
                      &message, PB_DECODE_NOINIT))
        return walk_failure(&walk, wire_error(&stream, input.data));
    walk.detail = NULL;
    arena_vector resources = walk.slices;

    walk.where = "ProfilesDictionary";
    walk.dictionary = arena_alloc(a, sizeof *walk.dictionary);
    if (walk.dictionary == NULL ||
        !dictionary_decode(walk.dictionary, walk.dictionary_parts.items, walk.dictionary_parts.count,
                           a, interner, status))
        return walk_failure(&walk, NULL);
    /* Every resource is read and checked before the handler sees any of the
     * request, so a request refused for its dictionary or a resource gave
     * the handler nothing (JSON Lines convert the other lines). */
    read_resource *read = arena_calloc(a, (size_t)resources.count + 1, sizeof *read);
    if (read == NULL)
        return walk_failure(&walk, NULL);
    const byte_slice *resource_slices = resources.items;
    for (uint32_t i = 0; i < resources.count; i++) {
        if (!decode_resource(&walk, resource_slices[i], &read[i]))
            return walk_failure(&walk, NULL);
    }
    decoded_resource *decoded = arena_calloc(a, (size_t)resources.count + 1, sizeof *decoded);
    if (decoded == NULL)
        return walk_failure(&walk, NULL);
    for (uint32_t i = 0; i < resources.count; i++)
        decoded[i] = read[i].decoded;
    if (!handler->request(handler->context, walk.dictionary, decoded, resources.count)) {
        status_out_of_memory(status);
        return walk_failure(&walk, NULL);
    }
    if (handler->resource == NULL)
        return PTM_OK;
    for (uint32_t i = 0; i < resources.count; i++) {
        if (!walk_resource(&walk, &read[i]))
            return walk_failure(&walk, NULL);
    }
    handler->request_end(handler->context);
    return PTM_OK;
}
