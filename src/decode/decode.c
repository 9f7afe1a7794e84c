/*
 * decode.c: the request walk described in decode.h.
 *
 * Each level is read once by the wire reader (wire_read.h): the request,
 * each ResourceProfiles and its Resource, each ScopeProfiles and each
 * Profile's header record slices of the input (resources, scopes, profiles,
 * samples) and check every field's tag, wire type and length on the way;
 * the samples are then streamed to the handler (decode_samples.c). A fault
 * is malformed input, named by the message it was met in; a limit, a
 * handler or arena failure is recorded as such in the call's status first,
 * so that the walk's "malformed" never overwrites it.
 */
#include "decode/decode.h"
#include "decode/decode_walk.h"

#include <stdio.h>
#include <string.h>

#include "base/limits.h"

/* Field numbers (profiles.proto, resource.proto). */
enum {
    REQUEST_RESOURCE_PROFILES = 1, REQUEST_DICTIONARY = 2,
    RESOURCE_PROFILES_RESOURCE = 1, RESOURCE_PROFILES_SCOPES = 2, RESOURCE_PROFILES_SCHEMA_URL = 3,
    RESOURCE_ATTRIBUTES = 1, RESOURCE_DROPPED_ATTRIBUTES = 2,
    SCOPE_PROFILES_PROFILES = 2,
    PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLES = 2, PROFILE_TIME = 3, PROFILE_DURATION = 4,
    PROFILE_PERIOD_TYPE = 5, PROFILE_PERIOD = 6, PROFILE_ATTRIBUTE_INDICES = 11,
    VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2,
};

static byte_slice slice_of(wire_cursor span)
{
    return (byte_slice){span.at, (size_t)(span.end - span.at)};
}

/* Reads a length-delimited field and appends its content to slices. */
static bool take_slice(request_walk *walk, wire_cursor *cursor, uint32_t wire_type, arena_vector *slices)
{
    wire_cursor span;
    if (!decode_ok(walk, wire_take_span(cursor, wire_type, &span)))
        return false;
    byte_slice *slot = vector_push(walk->arena, slices, sizeof(byte_slice));
    if (slot == NULL)
        return false;
    *slot = slice_of(span);
    return true;
}

/* ---- profiles ---- */

/* Reads a ValueType's fields into *type and *unit (merging, as protobuf
 * does with a message field sent twice). */
static bool read_value_type(request_walk *walk, wire_cursor span, int32_t *type, int32_t *unit)
{
    while (!wire_at_end(&span)) {
        uint32_t field, wire_type;
        if (!decode_tag(walk, &span, &field, &wire_type))
            return false;
        bool read = field == VALUE_TYPE_TYPE ? decode_ok(walk, wire_take_int32(&span, wire_type, type))
                  : field == VALUE_TYPE_UNIT ? decode_ok(walk, wire_take_int32(&span, wire_type, unit))
                  : decode_skip(walk, &span, field, wire_type);
        if (!read)
            return false;
    }
    return true;
}

/* One field of a Profile header; samples are counted, not read. */
static bool read_profile_field(request_walk *walk, wire_cursor *cursor, decoded_profile *profile)
{
    uint32_t field, wire_type;
    wire_cursor span;
    uint64_t raw;
    if (!decode_tag(walk, cursor, &field, &wire_type))
        return false;
    switch (field) {
    case PROFILE_SAMPLE_TYPE:
        return decode_ok(walk, wire_take_span(cursor, wire_type, &span)) &&
               read_value_type(walk, span, &profile->type_strindex, &profile->unit_strindex);
    case PROFILE_SAMPLES:
        profile->sample_count++;
        return decode_ok(walk, wire_take_span(cursor, wire_type, &span));
    case PROFILE_TIME:
        return decode_ok(walk, wire_take_fixed64(cursor, wire_type, &profile->time_unix_nano));
    case PROFILE_DURATION:
        return decode_ok(walk, wire_take_varint(cursor, wire_type, &profile->duration_nano));
    case PROFILE_PERIOD_TYPE:
        profile->has_period_type = true;
        return decode_ok(walk, wire_take_span(cursor, wire_type, &span)) &&
               read_value_type(walk, span, &profile->period_type_strindex, &profile->period_unit_strindex);
    case PROFILE_PERIOD:
        if (!decode_ok(walk, wire_take_varint(cursor, wire_type, &raw)))
            return false;
        profile->period = (int64_t)raw;
        return true;
    case PROFILE_ATTRIBUTE_INDICES:
        return decode_ok(walk, wire_take_run(cursor, wire_type, &span)) && decode_read_indices(walk, &span);
    default:
        return decode_skip(walk, cursor, field, wire_type);
    }
}

/* Reads a profile's header, every field checked; its samples are counted. */
static bool decode_profile_header(request_walk *walk, byte_slice raw, decoded_profile *profile)
{
    walk->where = "Profile";
    walk->int32s = (arena_vector){0}; /* this profile keeps its own array */
    *profile = (decoded_profile){0};
    wire_cursor cursor = wire_cursor_of(raw.data, raw.size);
    while (!wire_at_end(&cursor)) {
        if (!read_profile_field(walk, &cursor, profile))
            return false;
    }
    profile->attribute_indices = walk->int32s.items;
    profile->attribute_count = walk->int32s.count;
    walk->int32s = (arena_vector){0};
    return true;
}

/* Streams a profile's samples to the handler. The header's read has
 * checked every field's tag, wire type and length (a sample is
 * length-delimited), so this walk only finds the samples. */
static bool decode_profile_samples(request_walk *walk, byte_slice raw)
{
    walk->where = "Sample";
    wire_cursor cursor = wire_cursor_of(raw.data, raw.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field, wire_type;
        wire_cursor span;
        if (!wire_read_tag(&cursor, &field, &wire_type))
            return false;
        if (field != PROFILE_SAMPLES) {
            if (!wire_skip(&cursor, wire_type))
                return false;
        } else if (!wire_read_span(&cursor, &span) || !decode_read_sample(walk, slice_of(span))) {
            return false;
        }
    }
    return true;
}

/* ---- scopes ---- */

/* Reads a ScopeProfiles: its profiles located (the scope itself is not read). */
static bool read_scope_profiles(request_walk *walk, byte_slice raw)
{
    walk->slices = (arena_vector){0};
    walk->where = "ScopeProfiles";
    wire_cursor cursor = wire_cursor_of(raw.data, raw.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field, wire_type;
        if (!decode_tag(walk, &cursor, &field, &wire_type))
            return false;
        bool read = field == SCOPE_PROFILES_PROFILES ? take_slice(walk, &cursor, wire_type, &walk->slices)
                                                     : decode_skip(walk, &cursor, field, wire_type);
        if (!read)
            return false;
    }
    return true;
}

static bool decode_scope(request_walk *walk, byte_slice raw)
{
    if (!read_scope_profiles(walk, raw))
        return false;
    uint32_t count = walk->slices.count;
    const byte_slice *profile_slices = walk->slices.items;
    decoded_profile *profiles = arena_calloc(walk->arena, count + 1, sizeof(decoded_profile));
    if (profiles == NULL)
        return false;
    for (uint32_t i = 0; i < count; i++) {
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

/* Reads one KeyValue of a Resource, its key resolved, and appends it. */
static bool read_resource_attribute(request_walk *walk, wire_cursor *cursor, uint32_t wire_type,
                                    arena_vector *attributes)
{
    wire_cursor span;
    if (!decode_ok(walk, wire_take_span(cursor, wire_type, &span)))
        return false;
    key_value_ref *slot = vector_push(walk->arena, attributes, sizeof(key_value_ref));
    if (slot == NULL)
        return false;
    if (!key_value_decode(slice_of(span), slot))
        return decode_malformed(walk, "malformed KeyValue");
    if (slot->value.size > LIMIT_STRING_BYTES || slot->key.size > LIMIT_STRING_BYTES)
        return status_fail(walk->status, PTM_ERR_LIMIT,
                           "a string or attribute value is over 65536 bytes (in Resource)");
    any_value value;
    if (!any_value_decode(slot->value, &value))
        return decode_malformed(walk, "malformed AnyValue (wrong wire type or truncated)");
    const arena_vector *strings = &walk->dictionary->strings;
    if ((slot->key.size == 0 && !dictionary_index_valid(strings, slot->key_strindex)) ||
        (value.kind == ANY_STRINDEX && !dictionary_index_valid(strings, value.strindex)))
        return decode_malformed(walk, "a resource attribute refers outside the string table");
    if (slot->key.size == 0)
        slot->key = dictionary_string(walk->dictionary, slot->key_strindex);
    return true;
}

/* Reads a Resource: its attributes, and how many its sender dropped. */
static bool read_resource_message(request_walk *walk, byte_slice raw, decoded_resource *out)
{
    walk->where = "Resource";
    arena_vector attributes = {0}; /* key_value_ref */
    uint64_t dropped = 0;
    wire_cursor cursor = wire_cursor_of(raw.data, raw.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field, wire_type;
        if (!decode_tag(walk, &cursor, &field, &wire_type))
            return false;
        bool read = field == RESOURCE_ATTRIBUTES ? read_resource_attribute(walk, &cursor, wire_type, &attributes)
                  : field == RESOURCE_DROPPED_ATTRIBUTES ? decode_ok(walk, wire_take_varint(&cursor, wire_type, &dropped))
                  : decode_skip(walk, &cursor, field, wire_type);
        if (!read)
            return false;
    }
    out->attributes = attributes.items;
    out->attribute_count = attributes.count;
    out->dropped_attributes_count = (uint32_t)dropped; /* a uint32 field */
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
    walk->where = "ResourceProfiles";
    *out = (read_resource){0};
    wire_cursor resource = {NULL, NULL}, schema_url = {NULL, NULL}, cursor = wire_cursor_of(raw.data, raw.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field, wire_type;
        if (!decode_tag(walk, &cursor, &field, &wire_type))
            return false;
        bool read = field == RESOURCE_PROFILES_RESOURCE ? decode_ok(walk, wire_take_span(&cursor, wire_type, &resource))
                  : field == RESOURCE_PROFILES_SCOPES ? take_slice(walk, &cursor, wire_type, &out->scopes)
                  : field == RESOURCE_PROFILES_SCHEMA_URL ? decode_ok(walk, wire_take_span(&cursor, wire_type, &schema_url))
                  : decode_skip(walk, &cursor, field, wire_type);
        if (!read)
            return false;
    }
    out->decoded.schema_url = slice_of(schema_url);
    return resource.at == resource.end || read_resource_message(walk, slice_of(resource), &out->decoded);
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
static ptm_result walk_failure(request_walk *walk)
{
    if (walk->arena->failed)
        status_out_of_memory(walk->status);
    status_fail(walk->status, PTM_ERR_INPUT, "malformed protobuf in %s: %s", walk->where,
                walk->detail != NULL ? walk->detail : "invalid data");
    return walk->status->code;
}

/* Reads the tag of a top-level field as the framing checks below take it:
 * any field number (0 too: framing is all they check), below 2^32. */
static bool read_framing_tag(wire_cursor *cursor, uint32_t *wire_type)
{
    uint64_t tag;
    if (!wire_read_varint(cursor, &tag) || tag > UINT32_MAX)
        return false;
    *wire_type = (uint32_t)(tag & 7);
    return true;
}

bool decode_has_protobuf_framing(byte_slice input)
{
    wire_cursor cursor = wire_cursor_of(input.data, input.size);
    while (!wire_at_end(&cursor)) {
        uint32_t wire_type;
        if (!read_framing_tag(&cursor, &wire_type) || !wire_skip(&cursor, wire_type))
            return false;
    }
    return true;
}

bool decode_framing_may_continue(byte_slice prefix)
{
    wire_cursor cursor = wire_cursor_of(prefix.data, prefix.size);
    while (!wire_at_end(&cursor)) {
        wire_cursor at_tag = cursor;
        uint32_t wire_type;
        if (!read_framing_tag(&cursor, &wire_type))
            return wire_tag_fault(&at_tag) == WIRE_TRUNCATED;
        if (wire_type != WIRE_VARINT && wire_type != WIRE_I64 && wire_type != WIRE_LEN && wire_type != WIRE_I32)
            return false; /* as decode_has_protobuf_framing's wire_skip refuses it */
        if (!wire_skip(&cursor, wire_type))
            return wire_skip_fault(&cursor, wire_type) == WIRE_TRUNCATED; /* a field cut short */
    }
    return true;
}

/* Reads the request's top level: its resources and dictionary located. */
static bool read_request(request_walk *walk, byte_slice input, arena_vector *resources)
{
    wire_cursor cursor = wire_cursor_of(input.data, input.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field, wire_type;
        if (!decode_tag(walk, &cursor, &field, &wire_type))
            return false;
        bool read = field == REQUEST_RESOURCE_PROFILES ? take_slice(walk, &cursor, wire_type, resources)
                  : field == REQUEST_DICTIONARY ? take_slice(walk, &cursor, wire_type, &walk->dictionary_parts)
                  : decode_skip(walk, &cursor, field, wire_type);
        if (!read)
            return false;
    }
    return true;
}

ptm_result decode_request(byte_slice input, arena *a, string_interner *interner,
                          const decode_handler *handler, ptm_status *status)
{
    request_walk walk = {.arena = a, .interner = interner, .handler = handler, .status = status,
                         .where = "ExportProfilesServiceRequest"};
    arena_vector resources = {0}; /* byte_slice */
    if (!read_request(&walk, input, &resources))
        return walk_failure(&walk);

    walk.where = "ProfilesDictionary";
    walk.dictionary = arena_alloc(a, sizeof *walk.dictionary);
    if (walk.dictionary == NULL ||
        !dictionary_decode(walk.dictionary, walk.dictionary_parts.items, walk.dictionary_parts.count,
                           a, interner, status))
        return walk_failure(&walk);
    /* Every resource is read and checked before the handler sees any of the
     * request, so a request refused for its dictionary or a resource gave
     * the handler nothing (JSON Lines convert the other lines). */
    read_resource *read = arena_calloc(a, (size_t)resources.count + 1, sizeof *read);
    if (read == NULL)
        return walk_failure(&walk);
    const byte_slice *resource_slices = resources.items;
    for (uint32_t i = 0; i < resources.count; i++) {
        if (!decode_resource(&walk, resource_slices[i], &read[i]))
            return walk_failure(&walk);
    }
    decoded_resource *decoded = arena_calloc(a, (size_t)resources.count + 1, sizeof *decoded);
    if (decoded == NULL)
        return walk_failure(&walk);
    for (uint32_t i = 0; i < resources.count; i++)
        decoded[i] = read[i].decoded;
    if (!handler->request(handler->context, walk.dictionary, decoded, resources.count)) {
        status_out_of_memory(status);
        return walk_failure(&walk);
    }
    if (handler->resource == NULL)
        return PTM_OK;
    for (uint32_t i = 0; i < resources.count; i++) {
        if (!walk_resource(&walk, &read[i]))
            return walk_failure(&walk);
    }
    handler->request_end(handler->context);
    return PTM_OK;
}
