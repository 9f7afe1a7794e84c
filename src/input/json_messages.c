/*
 * json_messages.c: the messages an OTLP/JSON profiles request may hold, as
 * the tables the transcoder walks (json_input.c).
 *
 * One table per message of profiles.proto and the messages it uses (common,
 * resource), plus those the decoder skips (links, entity refs): each field's
 * JSON name (lowerCamelCase), proto name (snake_case; protojson accepts
 * both), number, kind and cardinality, and for a sub-message its table.
 * A member no table names is ignored, as protojson's DiscardUnknown and
 * pdata ignore it.
 */
#include "input/json_transcode.h"

#include <string.h>

#define MESSAGE_TYPE(fields) {fields, sizeof fields / sizeof fields[0]}

/* AnyValue and its containers refer to each other (json_any_value_type
 * is declared in json_transcode.h). */
static const message_type key_value_type;

static const field_type array_value_fields[] = {
    {"values", "values", 1, KIND_MESSAGE, REPEATED, &json_any_value_type},
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
const message_type json_any_value_type = MESSAGE_TYPE(any_value_fields);

static const field_type key_value_fields[] = {
    {"key", "key", 1, KIND_STRING, SINGULAR, NULL},
    {"value", "value", 2, KIND_MESSAGE, SINGULAR, &json_any_value_type},
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
    {"value", "value", 2, KIND_MESSAGE, SINGULAR, &json_any_value_type},
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
const message_type json_request_type = MESSAGE_TYPE(request_fields);

const field_type *json_find_field(const message_type *type, const char *name)
{
    for (size_t i = 0; i < type->field_count; i++) {
        const field_type *field = &type->fields[i];
        if (strcmp(name, field->json_name) == 0 || strcmp(name, field->proto_name) == 0)
            return field;
    }
    return NULL;
}
