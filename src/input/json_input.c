/*
 * json_input.c: one OTLP/JSON ExportProfilesServiceRequest → its protobuf
 * encoding (see json_input.h).
 *
 * Design: cJSON parses the first JSON value of the input into a tree, which
 * is then walked against static tables, one per message, that give each
 * field's JSON name (lowerCamelCase), proto name (snake_case; protojson
 * accepts both), number, kind and cardinality. Every member of a JSON object
 * is looked up in its message's table and written with the wire writer's
 * appending primitives (wire/wire_write.h); unknown members are ignored (as pdata does) and null means
 * unset. Wire order follows the JSON order, which the decoder does not mind.
 *
 * A length-delimited payload that must be built before its length is known
 * (a sub-message, a packed run of scalars, base64 or hex bytes) is built in
 * the scratch buffer of the next nesting level and then copied into its
 * parent. There is one scratch buffer per nesting level, reused by siblings,
 * so the arena holds about one copy of the encoding per level rather than a
 * fresh buffer (4 KiB at least) per sample.
 *
 * OTLP/JSON rules followed (as protojson and pdata read them):
 *   - 64-bit integers may be JSON strings or numbers, 32-bit ones too; every
 *     integer is range checked for its type.
 *   - cJSON keeps numbers as doubles and not their text, so an integer written
 *     as a JSON number is accepted only below 2^53 in magnitude, where the
 *     double is exact; larger values must be strings (as OTLP/JSON writers
 *     send them), otherwise the request is refused rather than rounded.
 *   - doubles may be numbers, the strings "NaN", "Infinity", "-Infinity", or
 *     strings holding a JSON number ("1.5").
 *   - bytes are base64 (standard or URL-safe alphabet, padding optional),
 *     except trace, span and profile ids, which OTLP/JSON writes as hex.
 *   - every field present in the JSON is written, defaults included, so that
 *     a oneof member of AnyValue keeps its presence ({"intValue": "0"}).
 *   - AnyValue arrays and key-value lists may nest up to 32 levels.
 * Errors name the JSON path of the offending value, e.g.
 * "input: JSON: resourceProfiles[0].scopeProfiles[0].profiles[0].samples[3].values[2]: expected an integer".
 *
 * This file walks a request and writes its protobuf; the message tables are
 * in json_messages.c, the reading of scalars and bytes and the errors in
 * json_values.c (json_transcode.h).
 */
#include "input/json_input.h"
#include "input/json_syntax.h"
#include "input/json_transcode.h"

#include <string.h>

#include "wire/wire_read.h" /* the wire types */
#include "wire/wire_write.h"

#define ANY_VALUE_DEPTH_LIMIT 32

/* ---- the walk's scratch buffers ---- */

/* The next level's scratch buffer, emptied; NULL when memory ran out. */
static byte_buffer *nested_buffer(transcoder *t, message_buffer *level)
{
    if (level->nested == NULL) {
        level->nested = arena_calloc(t->arena, 1, sizeof(message_buffer));
        if (level->nested == NULL)
            return NULL;
        buffer_init(&level->nested->bytes, t->arena);
    }
    level->nested->bytes.size = 0;
    return &level->nested->bytes;
}

/* ---- protobuf output, through the wire writer's appending primitives ---- */

static uint32_t wire_type_of(field_kind kind)
{
    switch (kind) {
    case KIND_INT32:
    case KIND_INT64:
    case KIND_UINT32:
    case KIND_UINT64:
    case KIND_BOOL:
        return WIRE_VARINT;
    case KIND_FIXED64:
    case KIND_DOUBLE:
        return WIRE_I64;
    case KIND_STRING:
    case KIND_BYTES:
    case KIND_HEX_BYTES:
    case KIND_MESSAGE:
        break;
    }
    return WIRE_LEN;
}

/* Writes a scalar's payload (no tag): a varint, or 8 bytes little-endian. */
static bool write_scalar(byte_buffer *out, field_kind kind, uint64_t payload)
{
    return wire_type_of(kind) == WIRE_VARINT ? wire_append_varint(out, payload) : wire_append_fixed64(out, payload);
}

/* ---- fields and messages ---- */

static bool encode_message(transcoder *t, const cJSON *object, const message_type *type,
                           const json_path *path, message_buffer *level);

/* Builds a sub-message in the next level's buffer, then writes it. */
static bool encode_message_field(transcoder *t, const cJSON *item, const field_type *field,
                                 const json_path *path, message_buffer *level)
{
    bool is_any_value = field->message == &json_any_value_type;
    if (is_any_value && t->any_value_depth == ANY_VALUE_DEPTH_LIMIT)
        return json_fail_as(t, PTM_ERR_LIMIT, path, "AnyValue nested deeper than %d levels", ANY_VALUE_DEPTH_LIMIT);
    byte_buffer *child = nested_buffer(t, level);
    if (child == NULL)
        return false;
    t->any_value_depth += is_any_value;
    bool ok = encode_message(t, item, field->message, path, level->nested);
    t->any_value_depth -= is_any_value;
    return ok && wire_append_span_field(&level->bytes, field->number, child->data, child->size);
}

static bool encode_bytes_field(transcoder *t, const cJSON *item, const field_type *field,
                               const json_path *path, message_buffer *level)
{
    if (!cJSON_IsString(item))
        return json_fail(t, path, field->kind == KIND_HEX_BYTES ? "expected a hex string" : "expected a base64 string");
    byte_buffer *decoded = nested_buffer(t, level);
    if (decoded == NULL)
        return false;
    bool ok = field->kind == KIND_HEX_BYTES ? json_decode_hex(t, path, item->valuestring, decoded)
                                            : json_decode_base64(t, path, item->valuestring, decoded);
    return ok && wire_append_span_field(&level->bytes, field->number, decoded->data, decoded->size);
}

/* Writes one value of a field (a whole singular field, or one element). */
static bool encode_value(transcoder *t, const cJSON *item, const field_type *field,
                         const json_path *path, message_buffer *level)
{
    switch (field->kind) {
    case KIND_MESSAGE:
        return encode_message_field(t, item, field, path, level);
    case KIND_BYTES:
    case KIND_HEX_BYTES:
        return encode_bytes_field(t, item, field, path, level);
    case KIND_STRING:
        if (!cJSON_IsString(item))
            return json_fail(t, path, "expected a string");
        return wire_append_span_field(&level->bytes, field->number, item->valuestring,
                                      strlen(item->valuestring));
    default: {
        uint64_t payload;
        return json_read_scalar(t, path, item, field->kind, &payload) &&
               wire_append_tag(&level->bytes, field->number, wire_type_of(field->kind)) &&
               write_scalar(&level->bytes, field->kind, payload);
    }
    }
}

/* Writes the elements of a list one field each. */
static bool encode_repeated(transcoder *t, const cJSON *array, const field_type *field,
                            const json_path *parent, message_buffer *level)
{
    int index = 0;
    for (const cJSON *element = array->child; element != NULL; element = element->next, index++) {
        json_path path = {parent, array->string, index};
        if (!encode_value(t, element, field, &path, level))
            return false;
    }
    return true;
}

/* Writes a list of scalars as one packed field (none when it is empty). */
static bool encode_packed(transcoder *t, const cJSON *array, const field_type *field,
                          const json_path *parent, message_buffer *level)
{
    if (array->child == NULL)
        return true;
    byte_buffer *run = nested_buffer(t, level);
    if (run == NULL)
        return false;
    int index = 0;
    for (const cJSON *element = array->child; element != NULL; element = element->next, index++) {
        json_path path = {parent, array->string, index};
        uint64_t payload;
        if (!json_read_scalar(t, &path, element, field->kind, &payload) || !write_scalar(run, field->kind, payload))
            return false;
    }
    return wire_append_span_field(&level->bytes, field->number, run->data, run->size);
}

static bool encode_member(transcoder *t, const cJSON *member, const field_type *field,
                          const json_path *parent, message_buffer *level)
{
    json_path path = {parent, member->string, NO_INDEX};
    if (field->cardinality == SINGULAR)
        return encode_value(t, member, field, &path, level);
    if (!cJSON_IsArray(member))
        return json_fail(t, &path, "expected an array");
    return field->cardinality == PACKED ? encode_packed(t, member, field, parent, level)
                                        : encode_repeated(t, member, field, parent, level);
}

/* Appends the fields of a JSON object, as message type, to level->bytes. */
static bool encode_message(transcoder *t, const cJSON *object, const message_type *type,
                           const json_path *path, message_buffer *level)
{
    if (!cJSON_IsObject(object))
        return json_fail(t, path, "expected an object%s", path != NULL ? "" : " at the top level");
    for (const cJSON *member = object->child; member != NULL; member = member->next) {
        const field_type *field = json_find_field(type, member->string);
        if (field == NULL || cJSON_IsNull(member))
            continue;
        if (!encode_member(t, member, field, path, level))
            return false;
    }
    return true;
}

/* ---- the entry point ---- */

/*
 * Refuses a top-level object that is not a profiles request: another
 * signal's (its resourceMetrics, resourceSpans or resourceLogs key names
 * it), or one with keys but none of a profiles request's. "{}" is a valid
 * empty request.
 */
static bool check_signal(transcoder *t, const cJSON *json)
{
    static const struct { const char *camel, *snake, *signal; } others[] = {
        {"resourceMetrics", "resource_metrics", "metrics"},
        {"resourceSpans", "resource_spans", "traces"},
        {"resourceLogs", "resource_logs", "logs"}};
    if (!cJSON_IsObject(json) || json->child == NULL)
        return true;
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        if (cJSON_GetObjectItemCaseSensitive(json, others[i].camel) != NULL ||
            cJSON_GetObjectItemCaseSensitive(json, others[i].snake) != NULL)
            return json_fail(t, NULL, "an OTLP %s request (%s), not profiles", others[i].signal, others[i].camel);
    }
    for (const cJSON *member = json->child; member != NULL; member = member->next) {
        if (json_find_field(&json_request_type, member->string) != NULL)
            return true;
    }
    return json_fail(t, NULL, "no key of an ExportProfilesServiceRequest (resourceProfiles, dictionary) at the top level");
}

ptm_result json_request_to_protobuf(const char *text, size_t size, size_t *consumed,
                                    size_t *syntax_error_at, byte_buffer *out, ptm_status *status)
{
    *consumed = 0;
    *syntax_error_at = SIZE_MAX;
    const char *end = text;
    cJSON *json = cJSON_ParseWithLengthOpts(text, size, &end, false);
    size_t valid_end;
    if (json == NULL && json_value_is_valid(text, size, &valid_end)) {
        status_out_of_memory(status); /* cJSON gave up on valid JSON: its malloc failed */
        return status->code;
    }
    if (json == NULL) {
        *syntax_error_at = (size_t)(end - text);
        status_fail(status, PTM_ERR_INPUT, "not valid JSON");
        return status->code;
    }
    transcoder t = {.arena = out->arena, .status = status};
    size_t original_size = out->size;
    /* The request is written straight into out: its level's buffer is out. */
    message_buffer request = {.bytes = *out, .nested = NULL};
    bool ok = check_signal(&t, json) && encode_message(&t, json, &json_request_type, NULL, &request);
    cJSON_Delete(json);
    *out = request.bytes;
    if (!ok) {
        out->size = original_size;
        if (out->arena->failed)
            status_out_of_memory(status);
        return status->code;
    }
    *consumed = json_space_end((const uint8_t *)text, size, (size_t)(end - text));
    return PTM_OK;
}
