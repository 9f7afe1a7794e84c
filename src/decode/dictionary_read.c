/*
 * dictionary_read.c: reads the ProfilesDictionary's tables into arena arrays
 * (dictionary.h) with the wire reader (wire_read.h), each entry once, every
 * field's tag, wire type and length checked; what is derived from the
 * tables is dictionary.c's. An entry's references (lines, attribute
 * indices, a stack's locations) are pushed as they are read and the entry
 * after them, each table's limit checked at its push.
 */
#include "decode/dictionary.h"

#include <string.h>

#include <stdio.h>

#include "base/limits.h"
#include "wire/wire_read.h"

/* Field numbers (profiles.proto). */
enum {
    TABLE_MAPPINGS = 1, TABLE_LOCATIONS = 2, TABLE_FUNCTIONS = 3, TABLE_LINKS = 4,
    TABLE_STRINGS = 5, TABLE_ATTRIBUTES = 6, TABLE_STACKS = 7,
    MAPPING_MEMORY_START = 1, MAPPING_MEMORY_LIMIT = 2, MAPPING_FILE_OFFSET = 3,
    MAPPING_FILENAME = 4, MAPPING_ATTRIBUTES = 5,
    LOCATION_MAPPING = 1, LOCATION_ADDRESS = 2, LOCATION_LINES = 3, LOCATION_ATTRIBUTES = 4,
    LINE_FUNCTION = 1,
    FUNCTION_NAME = 1, FUNCTION_SYSTEM_NAME = 2, FUNCTION_FILENAME = 3,
    ATTRIBUTE_KEY = 1, ATTRIBUTE_VALUE = 2, ATTRIBUTE_UNIT = 3,
    STACK_LOCATIONS = 1,
};

typedef struct table_reader {
    profile_dictionary *dictionary;
    arena *arena;
    ptm_status *status; /* the call's: where a fault or limit is recorded */
} table_reader;

/* Records a fault unless it is WIRE_OK; whether it was. */
/* Records a fault (out of line: the rare path). */
__attribute__((noinline)) static void read_fault(table_reader *reader, wire_fault fault)
{
    status_fail(reader->status, PTM_ERR_INPUT, "malformed protobuf in ProfilesDictionary: %s", wire_fault_text(fault));
}

static inline bool read_ok(table_reader *reader, wire_fault fault)
{
    if (fault == WIRE_OK)
        return true;
    read_fault(reader, fault);
    return false;
}

/* The next tag; a one-byte one (fields 1 to 15, all the tables use) at once. */
static inline bool read_tag(table_reader *reader, wire_cursor *cursor, uint32_t *field, uint32_t *wire_type)
{
    uint8_t tag = *cursor->at; /* the caller checked that the cursor is not at its end */
    if (tag < 0x80 && tag >= 8) {
        cursor->at++;
        *field = tag >> 3;
        *wire_type = tag & 7;
        return true;
    }
    return read_ok(reader, wire_take_tag(cursor, field, wire_type));
}

/* Skips a field the reader does not read (the fault names it). */
static bool skip_field(table_reader *reader, wire_cursor *cursor, uint32_t field, uint32_t wire_type)
{
    wire_fault fault = wire_skip_value(cursor, wire_type);
    if (fault == WIRE_OK)
        return true;
    char text[64];
    wire_skip_fault_text(text, sizeof text, field, wire_type, fault);
    status_fail(reader->status, PTM_ERR_INPUT, "malformed protobuf in ProfilesDictionary: %s", text);
    return false;
}

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

/* Pushes each varint of a run (wire_take_run) onto a table of references
 * (mapping_attributes, location_attributes, stack_locations). */
static bool push_references(table_reader *reader, arena_vector *references, wire_cursor *run)
{
    while (!wire_at_end(run)) {
        uint64_t raw;
        if (!read_ok(reader, wire_next_varint(run, &raw)))
            return false;
        int32_t *entry = references->count >= LIMIT_TABLE_REFERENCES
            ? (table_over_limit(reader), (int32_t *)NULL)
            : vector_push(reader->arena, references, sizeof(int32_t));
        if (entry == NULL)
            return false;
        *entry = (int32_t)raw;
    }
    return true;
}

/* Reads a repeated int32 field's values onto a table of references. */
static bool take_references(table_reader *reader, wire_cursor *cursor, uint32_t wire_type,
                            arena_vector *references)
{
    wire_cursor run;
    return read_ok(reader, wire_take_run(cursor, wire_type, &run)) && push_references(reader, references, &run);
}

static bool read_mapping(table_reader *reader, wire_cursor entry)
{
    uint32_t first_attribute = reader->dictionary->mapping_attributes.count;
    dictionary_mapping mapping = {.first_attribute = first_attribute};
    while (!wire_at_end(&entry)) {
        uint32_t field, wire_type;
        if (!read_tag(reader, &entry, &field, &wire_type))
            return false;
        bool read = field == MAPPING_MEMORY_START ? read_ok(reader, wire_take_varint(&entry, wire_type, &mapping.memory_start))
                  : field == MAPPING_MEMORY_LIMIT ? read_ok(reader, wire_take_varint(&entry, wire_type, &mapping.memory_limit))
                  : field == MAPPING_FILE_OFFSET ? read_ok(reader, wire_take_varint(&entry, wire_type, &mapping.file_offset))
                  : field == MAPPING_FILENAME ? read_ok(reader, wire_take_int32(&entry, wire_type, &mapping.filename_strindex))
                  : field == MAPPING_ATTRIBUTES
                      ? take_references(reader, &entry, wire_type, &reader->dictionary->mapping_attributes)
                  : skip_field(reader, &entry, field, wire_type);
        if (!read)
            return false;
    }
    dictionary_mapping *pushed = PUSH(reader, mappings, dictionary_mapping, LIMIT_TABLE_ENTRIES);
    if (pushed == NULL)
        return false;
    mapping.attribute_count = reader->dictionary->mapping_attributes.count - first_attribute;
    *pushed = mapping;
    return true;
}

/* A Line of a Location: its function pushed onto line_functions. */
static bool read_line(table_reader *reader, wire_cursor *cursor, uint32_t wire_type)
{
    wire_cursor line;
    if (!read_ok(reader, wire_take_span(cursor, wire_type, &line)))
        return false;
    int32_t *function_index = PUSH(reader, line_functions, int32_t, LIMIT_TABLE_REFERENCES);
    if (function_index == NULL)
        return false;
    *function_index = 0;
    while (!wire_at_end(&line)) {
        uint32_t field, line_wire_type;
        if (!read_tag(reader, &line, &field, &line_wire_type))
            return false;
        bool read = field == LINE_FUNCTION ? read_ok(reader, wire_take_int32(&line, line_wire_type, function_index))
                                           : skip_field(reader, &line, field, line_wire_type);
        if (!read)
            return false;
    }
    return true;
}

static bool read_location(table_reader *reader, wire_cursor entry)
{
    profile_dictionary *dictionary = reader->dictionary;
    uint32_t first_line = dictionary->line_functions.count;
    uint32_t first_attribute = dictionary->location_attributes.count;
    int32_t mapping_index = 0;
    uint64_t address = 0;
    while (!wire_at_end(&entry)) {
        uint32_t field, wire_type;
        if (!read_tag(reader, &entry, &field, &wire_type))
            return false;
        bool read = field == LOCATION_MAPPING ? read_ok(reader, wire_take_int32(&entry, wire_type, &mapping_index))
                  : field == LOCATION_ADDRESS ? read_ok(reader, wire_take_varint(&entry, wire_type, &address))
                  : field == LOCATION_LINES ? read_line(reader, &entry, wire_type)
                  : field == LOCATION_ATTRIBUTES
                      ? take_references(reader, &entry, wire_type, &dictionary->location_attributes)
                  : skip_field(reader, &entry, field, wire_type);
        if (!read)
            return false;
    }
    dictionary_location *location = PUSH(reader, locations, dictionary_location, LIMIT_TABLE_ENTRIES);
    if (location == NULL)
        return false;
    location->address = address;
    location->mapping_index = mapping_index;
    location->first_line = first_line;
    location->line_count = dictionary->line_functions.count - first_line;
    location->first_attribute = first_attribute;
    location->attribute_count = dictionary->location_attributes.count - first_attribute;
    return true;
}

static bool read_function(table_reader *reader, wire_cursor entry)
{
    dictionary_function *function = PUSH(reader, functions, dictionary_function, LIMIT_TABLE_ENTRIES);
    if (function == NULL)
        return false;
    *function = (dictionary_function){0, 0, 0};
    while (!wire_at_end(&entry)) {
        uint32_t field, wire_type;
        if (!read_tag(reader, &entry, &field, &wire_type))
            return false;
        bool read = field == FUNCTION_NAME ? read_ok(reader, wire_take_int32(&entry, wire_type, &function->name_strindex))
                  : field == FUNCTION_SYSTEM_NAME
                      ? read_ok(reader, wire_take_int32(&entry, wire_type, &function->system_name_strindex))
                  : field == FUNCTION_FILENAME
                      ? read_ok(reader, wire_take_int32(&entry, wire_type, &function->filename_strindex))
                  : skip_field(reader, &entry, field, wire_type);
        if (!read)
            return false;
    }
    return true;
}

/* Links are counted, not read: the conversion uses none of their fields. */
static bool read_link(table_reader *reader)
{
    if (reader->dictionary->link_count >= LIMIT_TABLE_ENTRIES)
        return table_over_limit(reader);
    reader->dictionary->link_count++;
    return true;
}

static bool read_string(table_reader *reader, wire_cursor entry)
{
    byte_slice *string = PUSH(reader, strings, byte_slice, LIMIT_TABLE_ENTRIES);
    if (string == NULL)
        return false;
    *string = (byte_slice){entry.at, (size_t)(entry.end - entry.at)};
    return check_length(reader, *string);
}

/* A KeyValueAndUnit: its key's strindex and its AnyValue, which must be one. */
static bool read_attribute(table_reader *reader, wire_cursor entry)
{
    dictionary_attribute *attribute = PUSH(reader, attributes, dictionary_attribute, LIMIT_TABLE_ENTRIES);
    if (attribute == NULL)
        return false;
    *attribute = (dictionary_attribute){0};
    int32_t unit_strindex;
    while (!wire_at_end(&entry)) {
        uint32_t field, wire_type;
        wire_cursor value = {NULL, NULL};
        if (!read_tag(reader, &entry, &field, &wire_type))
            return false;
        bool read;
        if (field == ATTRIBUTE_VALUE) {
            read = read_ok(reader, wire_take_span(&entry, wire_type, &value));
            attribute->value = (byte_slice){value.at, (size_t)(value.end - value.at)};
        } else {
            read = field == ATTRIBUTE_KEY ? read_ok(reader, wire_take_int32(&entry, wire_type, &attribute->key_strindex))
                 : field == ATTRIBUTE_UNIT ? read_ok(reader, wire_take_int32(&entry, wire_type, &unit_strindex))
                 : skip_field(reader, &entry, field, wire_type);
        }
        if (!read)
            return false;
    }
    any_value value;
    if (!any_value_decode(attribute->value, &value))
        return status_fail(reader->status, PTM_ERR_INPUT,
                           "malformed protobuf in ProfilesDictionary: malformed AnyValue (wrong wire type or truncated)");
    return check_length(reader, attribute->value);
}

static bool read_stack(table_reader *reader, wire_cursor entry)
{
    uint32_t first = reader->dictionary->stack_locations.count;
    while (!wire_at_end(&entry)) {
        uint32_t field, wire_type;
        if (!read_tag(reader, &entry, &field, &wire_type))
            return false;
        bool read = field == STACK_LOCATIONS
                        ? take_references(reader, &entry, wire_type, &reader->dictionary->stack_locations)
                        : skip_field(reader, &entry, field, wire_type);
        if (!read)
            return false;
    }
    dictionary_stack *stack = PUSH(reader, stacks, dictionary_stack, LIMIT_TABLE_ENTRIES);
    if (stack == NULL)
        return false;
    stack->first_location = first;
    stack->location_count = reader->dictionary->stack_locations.count - first;
    return true;
}

/* One entry of a table (field: the table's number). */
static bool read_entry(table_reader *reader, uint32_t field, wire_cursor entry)
{
    switch (field) {
    case TABLE_MAPPINGS: return read_mapping(reader, entry);
    case TABLE_LOCATIONS: return read_location(reader, entry);
    case TABLE_FUNCTIONS: return read_function(reader, entry);
    case TABLE_LINKS: return read_link(reader);
    case TABLE_STRINGS: return read_string(reader, entry);
    case TABLE_ATTRIBUTES: return read_attribute(reader, entry);
    default: return read_stack(reader, entry);
    }
}

/* One occurrence of the dictionary field. */
static bool read_tables(table_reader *reader, byte_slice part)
{
    wire_cursor cursor = wire_cursor_of(part.data, part.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field, wire_type;
        wire_cursor entry;
        if (!read_tag(reader, &cursor, &field, &wire_type))
            return false;
        bool read = field > TABLE_STACKS ? skip_field(reader, &cursor, field, wire_type)
                  : read_ok(reader, wire_take_span(&cursor, wire_type, &entry)) && read_entry(reader, field, entry);
        if (!read)
            return false;
    }
    return true;
}

bool dictionary_decode(profile_dictionary *dictionary, const byte_slice *parts, uint32_t part_count,
                       arena *a, string_interner *interner, ptm_status *status)
{
    memset(dictionary, 0, sizeof *dictionary);
    dictionary->arena = a;
    dictionary->interner = interner;
    table_reader reader = {dictionary, a, status};
    /* A message field sent twice is merged: its tables are concatenated. */
    for (uint32_t i = 0; i < part_count; i++) {
        if (!read_tables(&reader, parts[i]))
            return a->failed ? status_out_of_memory(status) : false;
    }
    return dictionary_prepare(dictionary, status);
}
