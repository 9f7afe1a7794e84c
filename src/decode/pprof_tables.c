/*
 * pprof_tables.c: the pprof Profile's mappings, functions and locations,
 * read from the slices the top-level pass kept into the dictionary.
 *
 * Each table gets its zero entry first (index 0, as in OTLP, so that id 0,
 * "none", is index 0), then one entry per message in order, whose pprof id
 * goes into the table's id map; a location's lines and mapping refer to the
 * functions and mappings by id, so those are read first.
 */
#include "decode/pprof_reader.h"

#include "base/limits.h"

/* ---- mappings, functions, locations ---- */

static bool read_mapping(pprof_reader *reader, wire_cursor entry, uint32_t index)
{
    const char *where = "Profile.mapping";
    uint64_t id = 0, memory_start = 0, memory_limit = 0, file_offset = 0;
    int64_t filename = 0, build_id = 0;
    while (!wire_at_end(&entry)) {
        uint32_t field = 0, wire_type = 0;
        if (!pprof_read_tag(reader, &entry, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? pprof_read_varint_field(reader, &entry, wire_type, &id, "Profile.mapping.id")
                : field == 2 ? pprof_read_varint_field(reader, &entry, wire_type, &memory_start, "Profile.mapping.memory_start")
                : field == 3 ? pprof_read_varint_field(reader, &entry, wire_type, &memory_limit, "Profile.mapping.memory_limit")
                : field == 4 ? pprof_read_varint_field(reader, &entry, wire_type, &file_offset, "Profile.mapping.file_offset")
                : field == 5 ? pprof_read_int64_field(reader, &entry, wire_type, &filename, "Profile.mapping.filename")
                : field == 6 ? pprof_read_int64_field(reader, &entry, wire_type, &build_id, "Profile.mapping.build_id")
                : pprof_skip_field(reader, &entry, field, wire_type, where);
        if (!ok)
            return false;
    }
    reader->mapping_ids.ids[index] = id;
    dictionary_mapping *mapping = pprof_push(reader, &reader->dictionary->mappings, sizeof *mapping, LIMIT_TABLE_ENTRIES, where);
    if (mapping == NULL)
        return false;
    *mapping = (dictionary_mapping){
        .memory_start = memory_start,
        .memory_limit = memory_limit,
        .file_offset = file_offset,
        .filename_strindex = pprof_string_index(filename),
        .build_id = dictionary_string(reader->dictionary, pprof_string_index(build_id)),
    };
    return true;
}

static bool read_function(pprof_reader *reader, wire_cursor entry, uint32_t index)
{
    const char *where = "Profile.function";
    uint64_t id = 0;
    int64_t name = 0, system_name = 0, filename = 0;
    while (!wire_at_end(&entry)) {
        uint32_t field = 0, wire_type = 0;
        if (!pprof_read_tag(reader, &entry, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? pprof_read_varint_field(reader, &entry, wire_type, &id, "Profile.function.id")
                : field == 2 ? pprof_read_int64_field(reader, &entry, wire_type, &name, "Profile.function.name")
                : field == 3 ? pprof_read_int64_field(reader, &entry, wire_type, &system_name,
                                                      "Profile.function.system_name")
                : field == 4 ? pprof_read_int64_field(reader, &entry, wire_type, &filename,
                                                      "Profile.function.filename")
                : pprof_skip_field(reader, &entry, field, wire_type, where);
        if (!ok)
            return false;
    }
    reader->function_ids.ids[index] = id;
    dictionary_function *function = pprof_push(reader, &reader->dictionary->functions, sizeof *function,
                                               LIMIT_TABLE_ENTRIES, where);
    if (function == NULL)
        return false;
    *function = (dictionary_function){pprof_string_index(name), pprof_string_index(system_name), pprof_string_index(filename)};
    return true;
}

/* A Line of a location: its function, as a dictionary index. */
static bool read_line(pprof_reader *reader, wire_cursor line)
{
    const char *where = "Profile.location.line";
    uint64_t function_id = 0, ignored;
    while (!wire_at_end(&line)) {
        uint32_t field = 0, wire_type = 0;
        if (!pprof_read_tag(reader, &line, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? pprof_read_varint_field(reader, &line, wire_type, &function_id,
                                                       "Profile.location.line.function_id")
                : field == 2 ? pprof_read_varint_field(reader, &line, wire_type, &ignored, "Profile.location.line.line")
                : field == 3 ? pprof_read_varint_field(reader, &line, wire_type, &ignored, "Profile.location.line.column")
                : pprof_skip_field(reader, &line, field, wire_type, where);
        if (!ok)
            return false;
    }
    int32_t *function = pprof_push(reader, &reader->dictionary->line_functions, sizeof *function,
                                   LIMIT_TABLE_REFERENCES, where);
    if (function == NULL)
        return false;
    *function = pprof_id_map_find(&reader->function_ids, function_id);
    return true;
}

static bool read_location(pprof_reader *reader, wire_cursor entry, uint32_t index)
{
    const char *where = "Profile.location";
    profile_dictionary *dictionary = reader->dictionary;
    uint64_t id = 0, mapping_id = 0, address = 0, ignored;
    uint32_t first_line = dictionary->line_functions.count;
    while (!wire_at_end(&entry)) {
        uint32_t field = 0, wire_type = 0;
        wire_cursor line;
        if (!pprof_read_tag(reader, &entry, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? pprof_read_varint_field(reader, &entry, wire_type, &id, "Profile.location.id")
                : field == 2 ? pprof_read_varint_field(reader, &entry, wire_type, &mapping_id, "Profile.location.mapping_id")
                : field == 3 ? pprof_read_varint_field(reader, &entry, wire_type, &address, "Profile.location.address")
                : field == 5 ? pprof_read_varint_field(reader, &entry, wire_type, &ignored, "Profile.location.is_folded")
                : field == 4 ? pprof_read_span_field(reader, &entry, wire_type, &line, "Profile.location.line") &&
                                   read_line(reader, line)
                : pprof_skip_field(reader, &entry, field, wire_type, where);
        if (!ok)
            return false;
    }
    reader->location_ids.ids[index] = id;
    dictionary_location *location = pprof_push(reader, &dictionary->locations, sizeof *location,
                                               LIMIT_TABLE_ENTRIES, where);
    if (location == NULL)
        return false;
    /* A mapping id that names nothing is no mapping, as google/pprof reads it. */
    int32_t mapping = pprof_id_map_find(&reader->mapping_ids, mapping_id);
    *location = (dictionary_location){address, mapping < 0 ? 0 : mapping, first_line,
                                      dictionary->line_functions.count - first_line, 0, 0};
    return true;
}

typedef bool (*entry_reader)(pprof_reader *reader, wire_cursor entry, uint32_t index);

/* Reads a table's entries after its zero entry (index 0), then its ids. */
static bool read_table(pprof_reader *reader, const arena_vector *slices, arena_vector *table, size_t item_size,
                       id_map *ids, entry_reader read_entry, const char *where)
{
    if (pprof_push(reader, table, item_size, LIMIT_TABLE_ENTRIES, where) == NULL ||
        !pprof_id_map_init(reader, ids, slices->count))
        return false;
    const wire_cursor *entries = slices->items;
    for (uint32_t i = 0; i < slices->count; i++) {
        if (!read_entry(reader, entries[i], i))
            return false;
    }
    return pprof_id_map_finish(reader, ids, where);
}

bool pprof_read_tables(pprof_reader *reader)
{
    profile_dictionary *dictionary = reader->dictionary;
    return read_table(reader, &reader->mappings, &dictionary->mappings, sizeof(dictionary_mapping),
                      &reader->mapping_ids, read_mapping, "Profile.mapping") &&
           read_table(reader, &reader->functions, &dictionary->functions, sizeof(dictionary_function),
                      &reader->function_ids, read_function, "Profile.function") &&
           read_table(reader, &reader->locations, &dictionary->locations, sizeof(dictionary_location),
                      &reader->location_ids, read_location, "Profile.location");
}
