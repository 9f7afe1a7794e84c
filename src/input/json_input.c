/*
 * json_input.c: one OTLP/JSON ExportProfilesServiceRequest → its protobuf
 * encoding (see json_input.h).
 *
 * Design: cJSON parses the first JSON value of the input into a tree, which
 * is then walked against static tables, one per message, that give each
 * field's JSON name (lowerCamelCase), proto name (snake_case; protojson
 * accepts both), number, kind and cardinality. Every member of a JSON object
 * is looked up in its message's table and written with nanopb's encode
 * primitives; unknown members are ignored (as pdata does) and null means
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
 */
#include "input/json_input.h"
#include "input/json_syntax.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <pb_encode.h>

#define ANY_VALUE_DEPTH_LIMIT 32

/* ---- the message tables ---- */

typedef enum field_kind {
    KIND_INT32,
    KIND_INT64,
    KIND_UINT32,
    KIND_UINT64,
    KIND_FIXED64,
    KIND_BOOL,
    KIND_DOUBLE,
    KIND_STRING,
    KIND_BYTES,     /* base64 in JSON */
    KIND_HEX_BYTES, /* hex in JSON: trace, span and profile ids */
    KIND_MESSAGE
} field_kind;

typedef enum field_cardinality {
    SINGULAR,
    REPEATED, /* one field per element */
    PACKED    /* scalars as one length-delimited run */
} field_cardinality;

typedef struct message_type message_type;

typedef struct field_type {
    const char *json_name;
    const char *proto_name;
    uint32_t number;
    field_kind kind;
    field_cardinality cardinality;
    const message_type *message; /* for KIND_MESSAGE */
} field_type;

struct message_type {
    const field_type *fields;
    size_t field_count;
};

#define MESSAGE_TYPE(fields) {fields, sizeof fields / sizeof fields[0]}

/* AnyValue and its containers refer to each other. */
static const message_type any_value_type;
static const message_type key_value_type;

static const field_type array_value_fields[] = {
    {"values", "values", 1, KIND_MESSAGE, REPEATED, &any_value_type},
};
static const message_type array_value_type = MESSAGE_TYPE(array_value_fields);

static const field_type key_value_list_fields[] = {
    {"values", "values", 1, KIND_MESSAGE, REPEATED, &key_value_type},
};
static const message_type key_value_list_type = MESSAGE_TYPE(key_value_list_fields);

static const field_type any_value_fields[] = {
    {"stringValue", "string_value", 1, KIND_STRING, SINGULAR, NULL},
    {"boolValue", "bool_value", 2, KIND_BOOL, SINGULAR, NULL},
    {"intValue", "int_value", 3, KIND_INT64, SINGULAR, NULL},
    {"doubleValue", "double_value", 4, KIND_DOUBLE, SINGULAR, NULL},
    {"arrayValue", "array_value", 5, KIND_MESSAGE, SINGULAR, &array_value_type},
    {"kvlistValue", "kvlist_value", 6, KIND_MESSAGE, SINGULAR, &key_value_list_type},
    {"bytesValue", "bytes_value", 7, KIND_BYTES, SINGULAR, NULL},
    {"stringValueStrindex", "string_value_strindex", 8, KIND_INT32, SINGULAR, NULL},
};
static const message_type any_value_type = MESSAGE_TYPE(any_value_fields);

static const field_type key_value_fields[] = {
    {"key", "key", 1, KIND_STRING, SINGULAR, NULL},
    {"value", "value", 2, KIND_MESSAGE, SINGULAR, &any_value_type},
    {"keyStrindex", "key_strindex", 3, KIND_INT32, SINGULAR, NULL},
};
static const message_type key_value_type = MESSAGE_TYPE(key_value_fields);

static const field_type instrumentation_scope_fields[] = {
    {"name", "name", 1, KIND_STRING, SINGULAR, NULL},
    {"version", "version", 2, KIND_STRING, SINGULAR, NULL},
    {"attributes", "attributes", 3, KIND_MESSAGE, REPEATED, &key_value_type},
    {"droppedAttributesCount", "dropped_attributes_count", 4, KIND_UINT32, SINGULAR, NULL},
};
static const message_type instrumentation_scope_type = MESSAGE_TYPE(instrumentation_scope_fields);

static const field_type entity_ref_fields[] = {
    {"schemaUrl", "schema_url", 1, KIND_STRING, SINGULAR, NULL},
    {"type", "type", 2, KIND_STRING, SINGULAR, NULL},
    {"idKeys", "id_keys", 3, KIND_STRING, REPEATED, NULL},
    {"descriptionKeys", "description_keys", 4, KIND_STRING, REPEATED, NULL},
};
static const message_type entity_ref_type = MESSAGE_TYPE(entity_ref_fields);

static const field_type resource_fields[] = {
    {"attributes", "attributes", 1, KIND_MESSAGE, REPEATED, &key_value_type},
    {"droppedAttributesCount", "dropped_attributes_count", 2, KIND_UINT32, SINGULAR, NULL},
    {"entityRefs", "entity_refs", 3, KIND_MESSAGE, REPEATED, &entity_ref_type},
};
static const message_type resource_type = MESSAGE_TYPE(resource_fields);

static const field_type value_type_fields[] = {
    {"typeStrindex", "type_strindex", 1, KIND_INT32, SINGULAR, NULL},
    {"unitStrindex", "unit_strindex", 2, KIND_INT32, SINGULAR, NULL},
};
static const message_type value_type_type = MESSAGE_TYPE(value_type_fields);

static const field_type sample_fields[] = {
    {"stackIndex", "stack_index", 1, KIND_INT32, SINGULAR, NULL},
    {"attributeIndices", "attribute_indices", 2, KIND_INT32, PACKED, NULL},
    {"linkIndex", "link_index", 3, KIND_INT32, SINGULAR, NULL},
    {"values", "values", 4, KIND_INT64, PACKED, NULL},
    {"timestampsUnixNano", "timestamps_unix_nano", 5, KIND_FIXED64, PACKED, NULL},
};
static const message_type sample_type = MESSAGE_TYPE(sample_fields);

static const field_type mapping_fields[] = {
    {"memoryStart", "memory_start", 1, KIND_UINT64, SINGULAR, NULL},
    {"memoryLimit", "memory_limit", 2, KIND_UINT64, SINGULAR, NULL},
    {"fileOffset", "file_offset", 3, KIND_UINT64, SINGULAR, NULL},
    {"filenameStrindex", "filename_strindex", 4, KIND_INT32, SINGULAR, NULL},
    {"attributeIndices", "attribute_indices", 5, KIND_INT32, PACKED, NULL},
};
static const message_type mapping_type = MESSAGE_TYPE(mapping_fields);

static const field_type stack_fields[] = {
    {"locationIndices", "location_indices", 1, KIND_INT32, PACKED, NULL},
};
static const message_type stack_type = MESSAGE_TYPE(stack_fields);

static const field_type line_fields[] = {
    {"functionIndex", "function_index", 1, KIND_INT32, SINGULAR, NULL},
    {"line", "line", 2, KIND_INT64, SINGULAR, NULL},
    {"column", "column", 3, KIND_INT64, SINGULAR, NULL},
};
static const message_type line_type = MESSAGE_TYPE(line_fields);

static const field_type location_fields[] = {
    {"mappingIndex", "mapping_index", 1, KIND_INT32, SINGULAR, NULL},
    {"address", "address", 2, KIND_UINT64, SINGULAR, NULL},
    {"lines", "lines", 3, KIND_MESSAGE, REPEATED, &line_type},
    {"attributeIndices", "attribute_indices", 4, KIND_INT32, PACKED, NULL},
};
static const message_type location_type = MESSAGE_TYPE(location_fields);

static const field_type function_fields[] = {
    {"nameStrindex", "name_strindex", 1, KIND_INT32, SINGULAR, NULL},
    {"systemNameStrindex", "system_name_strindex", 2, KIND_INT32, SINGULAR, NULL},
    {"filenameStrindex", "filename_strindex", 3, KIND_INT32, SINGULAR, NULL},
    {"startLine", "start_line", 4, KIND_INT64, SINGULAR, NULL},
};
static const message_type function_type = MESSAGE_TYPE(function_fields);

static const field_type link_fields[] = {
    {"traceId", "trace_id", 1, KIND_HEX_BYTES, SINGULAR, NULL},
    {"spanId", "span_id", 2, KIND_HEX_BYTES, SINGULAR, NULL},
};
static const message_type link_type = MESSAGE_TYPE(link_fields);

static const field_type key_value_and_unit_fields[] = {
    {"keyStrindex", "key_strindex", 1, KIND_INT32, SINGULAR, NULL},
    {"value", "value", 2, KIND_MESSAGE, SINGULAR, &any_value_type},
    {"unitStrindex", "unit_strindex", 3, KIND_INT32, SINGULAR, NULL},
};
static const message_type key_value_and_unit_type = MESSAGE_TYPE(key_value_and_unit_fields);

static const field_type dictionary_fields[] = {
    {"mappingTable", "mapping_table", 1, KIND_MESSAGE, REPEATED, &mapping_type},
    {"locationTable", "location_table", 2, KIND_MESSAGE, REPEATED, &location_type},
    {"functionTable", "function_table", 3, KIND_MESSAGE, REPEATED, &function_type},
    {"linkTable", "link_table", 4, KIND_MESSAGE, REPEATED, &link_type},
    {"stringTable", "string_table", 5, KIND_STRING, REPEATED, NULL},
    {"attributeTable", "attribute_table", 6, KIND_MESSAGE, REPEATED, &key_value_and_unit_type},
    {"stackTable", "stack_table", 7, KIND_MESSAGE, REPEATED, &stack_type},
};
static const message_type dictionary_type = MESSAGE_TYPE(dictionary_fields);

static const field_type profile_fields[] = {
    {"sampleType", "sample_type", 1, KIND_MESSAGE, SINGULAR, &value_type_type},
    {"samples", "samples", 2, KIND_MESSAGE, REPEATED, &sample_type},
    {"timeUnixNano", "time_unix_nano", 3, KIND_FIXED64, SINGULAR, NULL},
    {"durationNano", "duration_nano", 4, KIND_UINT64, SINGULAR, NULL},
    {"periodType", "period_type", 5, KIND_MESSAGE, SINGULAR, &value_type_type},
    {"period", "period", 6, KIND_INT64, SINGULAR, NULL},
    {"profileId", "profile_id", 7, KIND_HEX_BYTES, SINGULAR, NULL},
    {"droppedAttributesCount", "dropped_attributes_count", 8, KIND_UINT32, SINGULAR, NULL},
    {"originalPayloadFormat", "original_payload_format", 9, KIND_STRING, SINGULAR, NULL},
    {"originalPayload", "original_payload", 10, KIND_BYTES, SINGULAR, NULL},
    {"attributeIndices", "attribute_indices", 11, KIND_INT32, PACKED, NULL},
};
static const message_type profile_type = MESSAGE_TYPE(profile_fields);

static const field_type scope_profiles_fields[] = {
    {"scope", "scope", 1, KIND_MESSAGE, SINGULAR, &instrumentation_scope_type},
    {"profiles", "profiles", 2, KIND_MESSAGE, REPEATED, &profile_type},
    {"schemaUrl", "schema_url", 3, KIND_STRING, SINGULAR, NULL},
};
static const message_type scope_profiles_type = MESSAGE_TYPE(scope_profiles_fields);

static const field_type resource_profiles_fields[] = {
    {"resource", "resource", 1, KIND_MESSAGE, SINGULAR, &resource_type},
    {"scopeProfiles", "scope_profiles", 2, KIND_MESSAGE, REPEATED, &scope_profiles_type},
    {"schemaUrl", "schema_url", 3, KIND_STRING, SINGULAR, NULL},
};
static const message_type resource_profiles_type = MESSAGE_TYPE(resource_profiles_fields);

static const field_type request_fields[] = {
    {"resourceProfiles", "resource_profiles", 1, KIND_MESSAGE, REPEATED, &resource_profiles_type},
    {"dictionary", "dictionary", 2, KIND_MESSAGE, SINGULAR, &dictionary_type},
};
static const message_type request_type = MESSAGE_TYPE(request_fields);

static const field_type *find_field(const message_type *type, const char *name)
{
    for (size_t i = 0; i < type->field_count; i++) {
        const field_type *field = &type->fields[i];
        if (strcmp(name, field->json_name) == 0 || strcmp(name, field->proto_name) == 0)
            return field;
    }
    return NULL;
}

/* ---- the walk's state, paths and errors ---- */

/* One step of the JSON path to a value, linked to its parent (the stack). */
typedef struct json_path {
    const struct json_path *parent;
    const char *name; /* the member's key */
    int index;        /* the element of a list, or NO_INDEX */
} json_path;

#define NO_INDEX (-1)

/* Paths longer than this are shown as their first and last steps. */
enum { PATH_SHOWN_HEAD = 4, PATH_SHOWN_TAIL = 5 };

/* A nesting level's scratch buffer; see the design note at the top. */
typedef struct message_buffer {
    byte_buffer bytes;
    struct message_buffer *nested; /* the next level's; NULL until needed */
} message_buffer;

typedef struct transcoder {
    arena *arena;
    unsigned any_value_depth; /* AnyValues open around the current value */
    ptm_status *status;       /* the call's */
    char error[400];          /* the message being built by fail() */
} transcoder;

/* vsnprintf after what error already holds, truncating silently. */
static void error_append_list(transcoder *t, const char *format, va_list args)
    __attribute__((format(printf, 2, 0)));

static void error_append_list(transcoder *t, const char *format, va_list args)
{
    size_t used = strlen(t->error);
    vsnprintf(t->error + used, sizeof t->error - used, format, args);
}

static void error_append(transcoder *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void error_append(transcoder *t, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    error_append_list(t, format, args);
    va_end(args);
}

static size_t path_length(const json_path *path)
{
    size_t length = 0;
    for (; path != NULL; path = path->parent)
        length++;
    return length;
}

/* The step at position (0 = outermost) of a path of length steps. */
static const json_path *path_step(const json_path *path, size_t length, size_t position)
{
    for (size_t i = length - 1; i > position; i--)
        path = path->parent;
    return path;
}

static void error_append_step(transcoder *t, const json_path *step, bool first)
{
    error_append(t, "%s%s", first ? "" : ".", step->name);
    if (step->index != NO_INDEX)
        error_append(t, "[%d]", step->index);
}

/* Appends the path outermost first, eliding the middle of a long one. */
static void error_append_path(transcoder *t, const json_path *path)
{
    size_t length = path_length(path);
    bool elide = length > PATH_SHOWN_HEAD + PATH_SHOWN_TAIL;
    size_t head = elide ? PATH_SHOWN_HEAD : length;
    for (size_t i = 0; i < head; i++)
        error_append_step(t, path_step(path, length, i), i == 0);
    if (!elide)
        return;
    error_append(t, ".(%zu more)", length - PATH_SHOWN_HEAD - PATH_SHOWN_TAIL);
    for (size_t i = length - PATH_SHOWN_TAIL; i < length; i++)
        error_append_step(t, path_step(path, length, i), false);
}

/* Records a failure of code at path (NULL: the top level) in the call's
 * status; returns false. */
static bool fail_as(transcoder *t, ptm_result code, const json_path *path, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static bool fail_as(transcoder *t, ptm_result code, const json_path *path, const char *format, ...)
{
    snprintf(t->error, sizeof t->error, "JSON: ");
    if (path != NULL) {
        error_append_path(t, path);
        error_append(t, ": ");
    }
    va_list args;
    va_start(args, format);
    error_append_list(t, format, args);
    va_end(args);
    return status_fail(t->status, code, "%s", t->error);
}

/* An input error at path: what nearly every failure here is. */
#define fail(t, path, ...) fail_as((t), PTM_ERR_INPUT, (path), __VA_ARGS__)

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

/* ---- protobuf output ---- */

static bool append_to_buffer(pb_ostream_t *stream, const pb_byte_t *data, size_t count)
{
    return buffer_append(stream->state, data, count);
}

static pb_ostream_t buffer_stream(byte_buffer *buffer)
{
    return (pb_ostream_t){.callback = append_to_buffer, .state = buffer, .max_size = SIZE_MAX};
}

static pb_wire_type_t wire_type_of(field_kind kind)
{
    switch (kind) {
    case KIND_INT32:
    case KIND_INT64:
    case KIND_UINT32:
    case KIND_UINT64:
    case KIND_BOOL:
        return PB_WT_VARINT;
    case KIND_FIXED64:
    case KIND_DOUBLE:
        return PB_WT_64BIT;
    case KIND_STRING:
    case KIND_BYTES:
    case KIND_HEX_BYTES:
    case KIND_MESSAGE:
        break;
    }
    return PB_WT_STRING;
}

/* Writes a scalar's payload (no tag): a varint, or 8 bytes little-endian. */
static bool write_scalar(byte_buffer *out, field_kind kind, uint64_t payload)
{
    pb_ostream_t stream = buffer_stream(out);
    return wire_type_of(kind) == PB_WT_VARINT ? pb_encode_varint(&stream, payload)
                                              : pb_encode_fixed64(&stream, &payload);
}

static bool write_tag(byte_buffer *out, pb_wire_type_t wire_type, uint32_t number)
{
    pb_ostream_t stream = buffer_stream(out);
    return pb_encode_tag(&stream, wire_type, number);
}

static bool write_length_delimited(byte_buffer *out, uint32_t number, const void *data, size_t size)
{
    pb_ostream_t stream = buffer_stream(out);
    return pb_encode_tag(&stream, PB_WT_STRING, number) && pb_encode_string(&stream, data, size);
}

/* ---- scalars ---- */

/* A JSON integer: its sign and magnitude, before the range check. */
typedef struct json_integer {
    bool negative;
    uint64_t magnitude;
} json_integer;

#define EXACT_DOUBLE_LIMIT 9007199254740992.0 /* 2^53 */

static const char *integer_kind_name(field_kind kind)
{
    return kind == KIND_INT32 ? "int32"
         : kind == KIND_INT64 ? "int64"
         : kind == KIND_UINT32 ? "uint32"
         : kind == KIND_UINT64 ? "uint64"
         : "fixed64";
}

/* Decimal digits with an optional '-', as OTLP/JSON writes 64-bit integers. */
static bool read_integer_string(transcoder *t, const json_path *path, const char *text,
                                field_kind kind, json_integer *out)
{
    out->negative = *text == '-';
    text += out->negative;
    if (*text == '\0')
        return fail(t, path, "expected an integer");
    out->magnitude = 0;
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9')
            return fail(t, path, "expected an integer");
        unsigned digit = (unsigned)(*text - '0');
        if (out->magnitude > (UINT64_MAX - digit) / 10)
            return fail(t, path, "out of range for %s", integer_kind_name(kind));
        out->magnitude = out->magnitude * 10 + digit;
    }
    return true;
}

static bool read_integer_number(transcoder *t, const json_path *path, double value, json_integer *out)
{
    if (!(value > -EXACT_DOUBLE_LIMIT && value < EXACT_DOUBLE_LIMIT))
        return fail(t, path, "integer beyond 2^53 written as a JSON number (write it as a string)");
    int64_t integer = (int64_t)value;
    if ((double)integer != value)
        return fail(t, path, "expected an integer");
    out->negative = integer < 0;
    out->magnitude = out->negative ? 0 - (uint64_t)integer : (uint64_t)integer;
    return true;
}

/* The varint or fixed64 payload of an integer of kind, range checked. */
static bool integer_payload(transcoder *t, const json_path *path, field_kind kind, json_integer value,
                            uint64_t *payload)
{
    bool is_signed = kind == KIND_INT32 || kind == KIND_INT64;
    uint64_t positive_limit = kind == KIND_INT32 ? INT32_MAX
                            : kind == KIND_INT64 ? INT64_MAX
                            : kind == KIND_UINT32 ? UINT32_MAX
                            : UINT64_MAX;
    uint64_t limit = value.negative && is_signed ? positive_limit + 1 : positive_limit;
    if (value.negative && value.magnitude != 0 && !is_signed)
        return fail(t, path, "negative value for %s", integer_kind_name(kind));
    if (value.magnitude > limit)
        return fail(t, path, "out of range for %s", integer_kind_name(kind));
    *payload = value.negative ? 0 - value.magnitude : value.magnitude;
    return true;
}

static bool read_integer(transcoder *t, const json_path *path, const cJSON *item, field_kind kind,
                         uint64_t *payload)
{
    json_integer value = {false, 0};
    bool ok = cJSON_IsString(item) ? read_integer_string(t, path, item->valuestring, kind, &value)
            : cJSON_IsNumber(item) ? read_integer_number(t, path, item->valuedouble, &value)
            : fail(t, path, "expected an integer");
    return ok && integer_payload(t, path, kind, value, payload);
}

/* A string that is a JSON number, no more (no white space: protojson refuses
 * it), read as cJSON reads the number, into *value. */
static bool number_string(const char *text, double *value)
{
    size_t size = strlen(text);
    if (size == 0 || !(text[0] == '-' || (text[0] >= '0' && text[0] <= '9')) || json_is_space((uint8_t)text[size - 1]))
        return false;
    const char *end = NULL;
    cJSON *number = cJSON_ParseWithLengthOpts(text, size, &end, false);
    bool read = number != NULL && cJSON_IsNumber(number) && end == text + size;
    if (read)
        *value = number->valuedouble;
    cJSON_Delete(number);
    return read;
}

/* A double as a JSON number, one of protojson's special strings or a string
 * holding a JSON number ("1.5", as protojson and pdata read it). */
static bool read_double(transcoder *t, const json_path *path, const cJSON *item, uint64_t *payload)
{
    double value;
    if (cJSON_IsNumber(item))
        value = item->valuedouble;
    else if (cJSON_IsString(item) && number_string(item->valuestring, &value)) {
        /* read */
    }
    else if (cJSON_IsString(item) && strcmp(item->valuestring, "NaN") == 0)
        value = NAN;
    else if (cJSON_IsString(item) && strcmp(item->valuestring, "Infinity") == 0)
        value = INFINITY;
    else if (cJSON_IsString(item) && strcmp(item->valuestring, "-Infinity") == 0)
        value = -INFINITY;
    else
        return fail(t, path, "expected a number");
    memcpy(payload, &value, sizeof value);
    return true;
}

/* The payload of a scalar field of kind (a varint or fixed64 kind). */
static bool read_scalar(transcoder *t, const json_path *path, const cJSON *item, field_kind kind,
                        uint64_t *payload)
{
    if (kind == KIND_DOUBLE)
        return read_double(t, path, item, payload);
    if (kind == KIND_BOOL) {
        if (!cJSON_IsBool(item))
            return fail(t, path, "expected true or false");
        *payload = cJSON_IsTrue(item) ? 1 : 0;
        return true;
    }
    return read_integer(t, path, item, kind, payload);
}

/* ---- bytes ---- */

static int base64_digit(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decodes base64 (either alphabet, padding optional) into out. */
static bool decode_base64(transcoder *t, const json_path *path, const char *text, byte_buffer *out)
{
    size_t length = strlen(text);
    size_t digits = length;
    while (digits > 0 && length - digits < 2 && text[digits - 1] == '=')
        digits--;
    if (digits % 4 == 1 || (digits < length && length % 4 != 0))
        return fail(t, path, "invalid base64");
    uint8_t group[3];
    uint32_t bits = 0;
    for (size_t i = 0; i < digits; i++) {
        int digit = base64_digit(text[i]);
        if (digit < 0)
            return fail(t, path, "invalid base64");
        bits = bits << 6 | (uint32_t)digit;
        size_t filled = i % 4 + 1;
        if (filled == 4 || i + 1 == digits) {
            bits <<= 6 * (4 - filled);
            group[0] = (uint8_t)(bits >> 16);
            group[1] = (uint8_t)(bits >> 8);
            group[2] = (uint8_t)bits;
            if (!buffer_append(out, group, filled - 1))
                return false;
            bits = 0;
        }
    }
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool decode_hex(transcoder *t, const json_path *path, const char *text, byte_buffer *out)
{
    if (strlen(text) % 2 != 0)
        return fail(t, path, "invalid hex (odd length)");
    for (; *text != '\0'; text += 2) {
        int high = hex_digit(text[0]), low = hex_digit(text[1]);
        if (high < 0 || low < 0)
            return fail(t, path, "invalid hex");
        if (!buffer_append_char(out, (char)(high << 4 | low)))
            return false;
    }
    return true;
}

/* ---- fields and messages ---- */

static bool encode_message(transcoder *t, const cJSON *object, const message_type *type,
                           const json_path *path, message_buffer *level);

/* Builds a sub-message in the next level's buffer, then writes it. */
static bool encode_message_field(transcoder *t, const cJSON *item, const field_type *field,
                                 const json_path *path, message_buffer *level)
{
    bool is_any_value = field->message == &any_value_type;
    if (is_any_value && t->any_value_depth == ANY_VALUE_DEPTH_LIMIT)
        return fail_as(t, PTM_ERR_LIMIT, path, "AnyValue nested deeper than %d levels", ANY_VALUE_DEPTH_LIMIT);
    byte_buffer *child = nested_buffer(t, level);
    if (child == NULL)
        return false;
    t->any_value_depth += is_any_value;
    bool ok = encode_message(t, item, field->message, path, level->nested);
    t->any_value_depth -= is_any_value;
    return ok && write_length_delimited(&level->bytes, field->number, child->data, child->size);
}

static bool encode_bytes_field(transcoder *t, const cJSON *item, const field_type *field,
                               const json_path *path, message_buffer *level)
{
    if (!cJSON_IsString(item))
        return fail(t, path, field->kind == KIND_HEX_BYTES ? "expected a hex string" : "expected a base64 string");
    byte_buffer *decoded = nested_buffer(t, level);
    if (decoded == NULL)
        return false;
    bool ok = field->kind == KIND_HEX_BYTES ? decode_hex(t, path, item->valuestring, decoded)
                                            : decode_base64(t, path, item->valuestring, decoded);
    return ok && write_length_delimited(&level->bytes, field->number, decoded->data, decoded->size);
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
            return fail(t, path, "expected a string");
        return write_length_delimited(&level->bytes, field->number, item->valuestring,
                                      strlen(item->valuestring));
    default: {
        uint64_t payload;
        return read_scalar(t, path, item, field->kind, &payload) &&
               write_tag(&level->bytes, wire_type_of(field->kind), field->number) &&
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
        if (!read_scalar(t, &path, element, field->kind, &payload) || !write_scalar(run, field->kind, payload))
            return false;
    }
    return write_length_delimited(&level->bytes, field->number, run->data, run->size);
}

static bool encode_member(transcoder *t, const cJSON *member, const field_type *field,
                          const json_path *parent, message_buffer *level)
{
    json_path path = {parent, member->string, NO_INDEX};
    if (field->cardinality == SINGULAR)
        return encode_value(t, member, field, &path, level);
    if (!cJSON_IsArray(member))
        return fail(t, &path, "expected an array");
    return field->cardinality == PACKED ? encode_packed(t, member, field, parent, level)
                                        : encode_repeated(t, member, field, parent, level);
}

/* Appends the fields of a JSON object, as message type, to level->bytes. */
static bool encode_message(transcoder *t, const cJSON *object, const message_type *type,
                           const json_path *path, message_buffer *level)
{
    if (!cJSON_IsObject(object))
        return fail(t, path, "expected an object%s", path != NULL ? "" : " at the top level");
    for (const cJSON *member = object->child; member != NULL; member = member->next) {
        const field_type *field = find_field(type, member->string);
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
            return fail(t, NULL, "an OTLP %s request (%s), not profiles", others[i].signal, others[i].camel);
    }
    for (const cJSON *member = json->child; member != NULL; member = member->next) {
        if (find_field(&request_type, member->string) != NULL)
            return true;
    }
    return fail(t, NULL, "no key of an ExportProfilesServiceRequest (resourceProfiles, dictionary) at the top level");
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
    bool ok = check_signal(&t, json) && encode_message(&t, json, &request_type, NULL, &request);
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
