/*
 * dictionary_read.c: reads the ProfilesDictionary's tables into arena arrays
 * (dictionary.h). Every entry goes through a nanopb callback below, except
 * those of the tables that grow with a request, which the fast walk reads by
 * hand; what is derived from the tables is dictionary.c's.
 */
#include "decode/dictionary.h"

#include <string.h>

#include "base/limits.h"
#include "profiles.pb.h"
#include "wire/wire.h"
#include "wire/wire_read.h"

typedef opentelemetry_proto_profiles_v1development_ProfilesDictionary dictionary_message;

typedef struct table_reader {
    profile_dictionary *dictionary;
    arena *arena;
    byte_slice bounds; /* the dictionary message */
    ptm_status *status; /* the call's: where a limit is recorded */
} table_reader;

/* Records that a table is over its limit; false. */
static bool table_over_limit(table_reader *reader)
{
    return status_fail(reader->status, PTM_ERR_LIMIT,
                       "a dictionary table is over its size limit (in ProfilesDictionary)");
}

/* Appends an entry to a table, refusing tables over their limit. */
#define PUSH(reader, vector, type, limit)                                  \
    ((reader)->dictionary->vector.count >= (limit)                         \
         ? (table_over_limit(reader), (type *)NULL)                        \
         : (type *)vector_push((reader)->arena, &(reader)->dictionary->vector, sizeof(type)))

/* Refuses a string or attribute value over LIMIT_STRING_BYTES. */
static bool check_length(table_reader *reader, byte_slice slice)
{
    if (slice.size > LIMIT_STRING_BYTES)
        return status_fail(reader->status, PTM_ERR_LIMIT,
                           "a string or attribute value is over 65536 bytes (in ProfilesDictionary)");
    return true;
}

static bool read_int32(pb_istream_t *stream, int32_t *out)
{
    uint64_t raw;
    if (!pb_decode_varint(stream, &raw))
        return false;
    *out = (int32_t)raw;
    return true;
}

static bool read_string(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    table_reader *reader = *arg;
    byte_slice *entry = PUSH(reader, strings, byte_slice, LIMIT_TABLE_ENTRIES);
    return entry != NULL && wire_capture(stream, reader->bounds, entry) && check_length(reader, *entry);
}

static bool read_mapping_attribute(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    table_reader *reader = *arg;
    int32_t *entry = PUSH(reader, mapping_attributes, int32_t, LIMIT_TABLE_REFERENCES);
    return entry != NULL && read_int32(stream, entry) && wire_scalar_done(stream, reader->bounds);
}

static bool read_mapping(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    table_reader *reader = *arg;
    if (!wire_expect_message(stream, reader->bounds))
        return false;
    uint32_t first_attribute = reader->dictionary->mapping_attributes.count;
    opentelemetry_proto_profiles_v1development_Mapping message = {
        .attribute_indices = {.funcs.decode = read_mapping_attribute, .arg = reader}};
    if (!wire_decode_message(stream, opentelemetry_proto_profiles_v1development_Mapping_fields, &message))
        return false;
    dictionary_mapping *entry = PUSH(reader, mappings, dictionary_mapping, LIMIT_TABLE_ENTRIES);
    if (entry == NULL)
        return false;
    *entry = (dictionary_mapping){
        .memory_start = message.memory_start,
        .memory_limit = message.memory_limit,
        .file_offset = message.file_offset,
        .filename_strindex = message.filename_strindex,
        .first_attribute = first_attribute,
        .attribute_count = reader->dictionary->mapping_attributes.count - first_attribute,
    };
    return true;
}

static bool read_line(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    table_reader *reader = *arg;
    if (!wire_expect_message(stream, reader->bounds))
        return false;
    opentelemetry_proto_profiles_v1development_Line message = {0};
    int32_t *entry = PUSH(reader, line_functions, int32_t, LIMIT_TABLE_REFERENCES);
    if (entry == NULL || !wire_decode_message(stream, opentelemetry_proto_profiles_v1development_Line_fields, &message))
        return false;
    *entry = message.function_index;
    return true;
}

static bool read_location_attribute(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    table_reader *reader = *arg;
    int32_t *entry = PUSH(reader, location_attributes, int32_t, LIMIT_TABLE_REFERENCES);
    return entry != NULL && read_int32(stream, entry) && wire_scalar_done(stream, reader->bounds);
}

static bool read_location(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    table_reader *reader = *arg;
    if (!wire_expect_message(stream, reader->bounds))
        return false;
    uint32_t first_line = reader->dictionary->line_functions.count;
    uint32_t first_attribute = reader->dictionary->location_attributes.count;
    opentelemetry_proto_profiles_v1development_Location message = {
        .lines = {.funcs.decode = read_line, .arg = reader},
        .attribute_indices = {.funcs.decode = read_location_attribute, .arg = reader}};
    if (!wire_decode_message(stream, opentelemetry_proto_profiles_v1development_Location_fields, &message))
        return false;
    dictionary_location *entry = PUSH(reader, locations, dictionary_location, LIMIT_TABLE_ENTRIES);
    if (entry == NULL)
        return false;
    entry->address = message.address;
    entry->mapping_index = message.mapping_index;
    entry->first_line = first_line;
    entry->line_count = reader->dictionary->line_functions.count - first_line;
    entry->first_attribute = first_attribute;
    entry->attribute_count = reader->dictionary->location_attributes.count - first_attribute;
    return true;
}

static bool read_function(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    table_reader *reader = *arg;
    if (!wire_expect_message(stream, reader->bounds))
        return false;
    opentelemetry_proto_profiles_v1development_Function message = {0};
    dictionary_function *entry = PUSH(reader, functions, dictionary_function, LIMIT_TABLE_ENTRIES);
    if (entry == NULL || !wire_decode_message(stream, opentelemetry_proto_profiles_v1development_Function_fields, &message))
        return false;
    entry->name_strindex = message.name_strindex;
    entry->system_name_strindex = message.system_name_strindex;
    entry->filename_strindex = message.filename_strindex;
    return true;
}

static bool read_link(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    table_reader *reader = *arg;
    if (!wire_expect_message(stream, reader->bounds))
        return false;
    if (reader->dictionary->link_count >= LIMIT_TABLE_ENTRIES)
        return table_over_limit(reader);
    reader->dictionary->link_count++;
    return pb_read(stream, NULL, stream->bytes_left);
}


static bool read_attribute(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    table_reader *reader = *arg;
    if (!wire_expect_message(stream, reader->bounds))
        return false;
    dictionary_attribute *entry = PUSH(reader, attributes, dictionary_attribute, LIMIT_TABLE_ENTRIES);
    if (entry == NULL)
        return false;
    wire_slice_target target = {&entry->value, reader->bounds};
    opentelemetry_proto_profiles_v1development_KeyValueAndUnit message = {
        .value = {.funcs.decode = wire_capture_callback, .arg = &target}};
    if (!wire_decode_message(stream, opentelemetry_proto_profiles_v1development_KeyValueAndUnit_fields, &message))
        return false;
    entry->key_strindex = message.key_strindex;
    any_value value;
    if (!any_value_decode(entry->value, &value))
        PB_RETURN_ERROR(stream, "malformed AnyValue (wrong wire type or truncated)");
    return check_length(reader, entry->value);
}

static bool read_stack_location(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    table_reader *reader = *arg;
    int32_t *entry = PUSH(reader, stack_locations, int32_t, LIMIT_TABLE_REFERENCES);
    return entry != NULL && read_int32(stream, entry) && wire_scalar_done(stream, reader->bounds);
}

static bool read_stack(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    table_reader *reader = *arg;
    if (!wire_expect_message(stream, reader->bounds))
        return false;
    uint32_t first = reader->dictionary->stack_locations.count;
    opentelemetry_proto_profiles_v1development_Stack message = {
        .location_indices = {.funcs.decode = read_stack_location, .arg = reader}};
    if (!wire_decode_message(stream, opentelemetry_proto_profiles_v1development_Stack_fields, &message))
        return false;
    dictionary_stack *entry = PUSH(reader, stacks, dictionary_stack, LIMIT_TABLE_ENTRIES);
    if (entry == NULL)
        return false;
    entry->first_location = first;
    entry->location_count = reader->dictionary->stack_locations.count - first;
    return true;
}

/* ---- the fast walk ----
 *
 * The tables that grow with a request (stacks, locations, functions,
 * strings) are read by hand (wire_read.h) in their usual encodings; the
 * others go through their nanopb callbacks above, one entry at a time. On
 * anything else the whole dictionary is read again by nanopb alone, which
 * accepts it as the fast walk would not (an encoding it does not take) or
 * names the fault: the fast walk changes no outcome and no message. Entries
 * are pushed, and limits checked, in the order nanopb's callbacks push them. */

/* What stopped a fast read: not its encoding (read it with nanopb), or a
 * limit or memory, recorded (stop). */
typedef enum fast_result { FAST_OK, FAST_UNUSUAL, FAST_FAILED } fast_result;

/* Pushes each varint of a packed run (or one varint) onto a table of
 * references (stack_locations, location_attributes). */
static fast_result push_references(table_reader *reader, arena_vector *references, wire_cursor *run)
{
    while (!wire_at_end(run)) {
        uint64_t raw;
        if (!wire_read_varint(run, &raw))
            return FAST_UNUSUAL;
        int32_t *entry = references->count >= LIMIT_TABLE_REFERENCES
            ? (table_over_limit(reader), (int32_t *)NULL)
            : vector_push(reader->arena, references, sizeof(int32_t));
        if (entry == NULL)
            return FAST_FAILED;
        *entry = (int32_t)raw;
    }
    return FAST_OK;
}

static fast_result fast_stack(table_reader *reader, wire_cursor entry)
{
    uint32_t first = reader->dictionary->stack_locations.count;
    while (!wire_at_end(&entry)) {
        uint32_t field, wire_type;
        wire_cursor run;
        if (!wire_read_tag(&entry, &field, &wire_type))
            return FAST_UNUSUAL;
        if (field != 1) {
            if (!wire_skip(&entry, wire_type))
                return FAST_UNUSUAL;
            continue;
        }
        fast_result result = wire_varint_run(&entry, wire_type, &run)
            ? push_references(reader, &reader->dictionary->stack_locations, &run) : FAST_UNUSUAL;
        if (result != FAST_OK)
            return result;
    }
    dictionary_stack *stack = PUSH(reader, stacks, dictionary_stack, LIMIT_TABLE_ENTRIES);
    if (stack == NULL)
        return FAST_FAILED;
    stack->first_location = first;
    stack->location_count = reader->dictionary->stack_locations.count - first;
    return FAST_OK;
}

static fast_result fast_line(table_reader *reader, wire_cursor line)
{
    int32_t *function_index = PUSH(reader, line_functions, int32_t, LIMIT_TABLE_REFERENCES);
    if (function_index == NULL)
        return FAST_FAILED;
    *function_index = 0;
    while (!wire_at_end(&line)) {
        uint32_t field, wire_type;
        if (!wire_read_tag(&line, &field, &wire_type) ||
            !(field == 1 ? wire_read_int32(&line, wire_type, function_index) : wire_skip(&line, wire_type)))
            return FAST_UNUSUAL;
    }
    return FAST_OK;
}

static fast_result fast_location(table_reader *reader, wire_cursor entry)
{
    uint32_t first_line = reader->dictionary->line_functions.count;
    uint32_t first_attribute = reader->dictionary->location_attributes.count;
    int32_t mapping_index = 0;
    uint64_t address = 0;
    while (!wire_at_end(&entry)) {
        uint32_t field, wire_type;
        wire_cursor span;
        if (!wire_read_tag(&entry, &field, &wire_type))
            return FAST_UNUSUAL;
        if (field == 3 || field == 4) {
            fast_result result =
                field == 3 ? (wire_type == WIRE_LEN && wire_read_span(&entry, &span)
                                  ? fast_line(reader, span) : FAST_UNUSUAL)
                           : (wire_varint_run(&entry, wire_type, &span)
                                  ? push_references(reader, &reader->dictionary->location_attributes, &span)
                                  : FAST_UNUSUAL);
            if (result != FAST_OK)
                return result;
        } else if (!(field == 1 ? wire_read_int32(&entry, wire_type, &mapping_index)
                     : field == 2 ? wire_type == WIRE_VARINT && wire_read_varint(&entry, &address)
                                : wire_skip(&entry, wire_type))) {
            return FAST_UNUSUAL;
        }
    }
    dictionary_location *location = PUSH(reader, locations, dictionary_location, LIMIT_TABLE_ENTRIES);
    if (location == NULL)
        return FAST_FAILED;
    location->address = address;
    location->mapping_index = mapping_index;
    location->first_line = first_line;
    location->line_count = reader->dictionary->line_functions.count - first_line;
    location->first_attribute = first_attribute;
    location->attribute_count = reader->dictionary->location_attributes.count - first_attribute;
    return FAST_OK;
}

static fast_result fast_function(table_reader *reader, wire_cursor entry)
{
    dictionary_function *function = PUSH(reader, functions, dictionary_function, LIMIT_TABLE_ENTRIES);
    if (function == NULL)
        return FAST_FAILED;
    *function = (dictionary_function){0, 0, 0};
    while (!wire_at_end(&entry)) {
        uint32_t field, wire_type;
        if (!wire_read_tag(&entry, &field, &wire_type))
            return FAST_UNUSUAL;
        bool read = field == 1 ? wire_read_int32(&entry, wire_type, &function->name_strindex)
                  : field == 2 ? wire_read_int32(&entry, wire_type, &function->system_name_strindex)
                  : field == 3 ? wire_read_int32(&entry, wire_type, &function->filename_strindex)
                  : wire_skip(&entry, wire_type);
        if (!read)
            return FAST_UNUSUAL;
    }
    return FAST_OK;
}

static fast_result fast_string(table_reader *reader, wire_cursor entry)
{
    byte_slice *string = PUSH(reader, strings, byte_slice, LIMIT_TABLE_ENTRIES);
    if (string == NULL)
        return FAST_FAILED;
    *string = (byte_slice){entry.at, (size_t)(entry.end - entry.at)};
    return check_length(reader, *string) ? FAST_OK : FAST_FAILED;
}

/* An entry of a table read by its nanopb callback (decode_callback below). */
static fast_result callback_entry(table_reader *reader, wire_cursor entry, pb_callback_t callback)
{
    pb_istream_t stream = pb_istream_from_buffer(entry.at, (size_t)(entry.end - entry.at));
    void *arg = reader;
    if (callback.funcs.decode(&stream, NULL, &arg))
        return FAST_OK;
    return reader->status->code != PTM_OK || reader->arena->failed ? FAST_FAILED : FAST_UNUSUAL;
}

static fast_result fast_entry(table_reader *reader, const dictionary_message *callbacks,
                              uint32_t field, wire_cursor entry)
{
    switch (field) {
    case 1: return callback_entry(reader, entry, callbacks->mapping_table);
    case 2: return fast_location(reader, entry);
    case 3: return fast_function(reader, entry);
    case 4: return callback_entry(reader, entry, callbacks->link_table);
    case 5: return fast_string(reader, entry);
    case 6: return callback_entry(reader, entry, callbacks->attribute_table);
    default: return fast_stack(reader, entry);
    }
}

static fast_result fast_dictionary_part(table_reader *reader, const dictionary_message *callbacks,
                                        byte_slice part)
{
    wire_cursor cursor = wire_cursor_of(part.data, part.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field, wire_type;
        wire_cursor entry;
        if (!wire_read_tag(&cursor, &field, &wire_type))
            return FAST_UNUSUAL;
        if (field > 7) {
            if (!wire_skip(&cursor, wire_type))
                return FAST_UNUSUAL;
            continue;
        }
        if (wire_type != WIRE_LEN || !wire_read_span(&cursor, &entry))
            return FAST_UNUSUAL;
        fast_result result = fast_entry(reader, callbacks, field, entry);
        if (result != FAST_OK)
            return result;
    }
    return FAST_OK;
}

/* Reads the parts with nanopb alone. */
static bool nanopb_dictionary(table_reader *reader, dictionary_message *message, const byte_slice *parts,
                              uint32_t part_count)
{
    for (uint32_t i = 0; i < part_count; i++) {
        reader->bounds = parts[i];
        pb_istream_t stream = pb_istream_from_buffer(parts[i].data, parts[i].size);
        if (!pb_decode_ex(&stream, opentelemetry_proto_profiles_v1development_ProfilesDictionary_fields,
                          message, PB_DECODE_NOINIT)) {
            if (reader->arena->failed)
                return status_out_of_memory(reader->status);
            return status_fail(reader->status, PTM_ERR_INPUT, "malformed protobuf in ProfilesDictionary: %s",
                               wire_error(&stream, parts[i].data));
        }
    }
    return true;
}

/* Reads the parts by the fast walk, or, when it meets something unusual,
 * again from the start with nanopb. */
static bool read_tables(table_reader *reader, dictionary_message *message, const byte_slice *parts,
                        uint32_t part_count)
{
    for (uint32_t i = 0; i < part_count; i++) {
        reader->bounds = parts[i];
        fast_result result = fast_dictionary_part(reader, message, parts[i]);
        if (result == FAST_FAILED)
            return reader->arena->failed ? status_out_of_memory(reader->status) : false;
        if (result == FAST_UNUSUAL) {
            profile_dictionary *dictionary = reader->dictionary;
            *dictionary = (profile_dictionary){.arena = dictionary->arena,
                                               .interner = dictionary->interner};
            return nanopb_dictionary(reader, message, parts, part_count);
        }
    }
    return true;
}

bool dictionary_decode(profile_dictionary *dictionary, const byte_slice *parts, uint32_t part_count,
                       arena *a, string_interner *interner, ptm_status *status)
{
    memset(dictionary, 0, sizeof *dictionary);
    dictionary->arena = a;
    dictionary->interner = interner;
    table_reader reader = {dictionary, a, {0}, status};
    dictionary_message message = {
        .mapping_table = {.funcs.decode = read_mapping, .arg = &reader},
        .location_table = {.funcs.decode = read_location, .arg = &reader},
        .function_table = {.funcs.decode = read_function, .arg = &reader},
        .link_table = {.funcs.decode = read_link, .arg = &reader},
        .string_table = {.funcs.decode = read_string, .arg = &reader},
        .attribute_table = {.funcs.decode = read_attribute, .arg = &reader},
        .stack_table = {.funcs.decode = read_stack, .arg = &reader},
    };
    /* A message field sent twice is merged: its tables are concatenated. */
    return read_tables(&reader, &message, parts, part_count) && dictionary_prepare(dictionary, status);
}
