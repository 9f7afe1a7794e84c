/*
 * pprof_decode.c: the pprof Profile read into a profile_dictionary and
 * handed to the pipeline as pprof_decode.h describes.
 *
 * Design: one hand-written pass (wire_read.h) over the top level keeps the
 * string table (slices of the input) and the slices of every other table's
 * entries; the tables are then read in dependency order (mappings and
 * functions, locations, samples), each pprof id turned into a dictionary
 * index by an id_map. Index 0 of every table is a zero entry, as in OTLP,
 * so that id 0 ("none") is index 0; a location or function id that names
 * no entry becomes -1, which the pipeline counts as an invalid sample. Each sample is a stack of
 * its own (stack j + 1) and its values are kept in one array, so that the
 * handler hears every sample once per sample type without reading the input
 * again. Labels become attributes of the dictionary, one per distinct
 * (key, value), with synthesised AnyValue bytes (a string index or an int)
 * in the arena; a few well-known keys are renamed to OTLP's (label_keys).
 *
 * Every fault is recorded through malformed() as "malformed pprof in
 * <where>: <what>", where is the field at fault (Profile.location.line,
 * Profile.sample.value, ...) or, for a bad tag or an unknown field that
 * cannot be skipped, its message; limits are those of OTLP's dictionary
 * (limits.h).
 */
#include "decode/pprof_decode.h"

#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "wire/wire_read.h"

/* pprof ids of a table, by index - 1, and how to find an id's index. */
typedef struct id_map {
    uint64_t *ids;          /* the id of entry index i + 1 */
    uint32_t count;
    bool dense;             /* ids[i] == i + 1 (or 0) throughout: the index is the id */
    uint64_t *sorted;       /* !dense: the ids in ascending order ... */
    uint32_t *sorted_index; /* ... and the index of each */
} id_map;

/* One label as read, the identity of an attribute entry. */
typedef struct label_key {
    int64_t key, str, num;
    bool numeric;
} label_key;

typedef struct pprof_reader {
    arena *arena;
    ptm_status *status;
    profile_dictionary *dictionary;
    /* The top level: slices (wire_cursor) of each repeated message. */
    arena_vector sample_types, samples, mappings, locations, functions;
    wire_cursor period_type;
    bool has_period_type;
    int64_t period, time_nanos, duration_nanos;
    uint32_t pprof_string_count;       /* the strings before any renamed key */
    id_map mapping_ids, function_ids, location_ids;
    /* Samples: values[j * type_count + i] is sample j's value of type i. */
    uint32_t type_count;
    arena_vector values;               /* int64_t */
    arena_vector sample_attributes;    /* int32_t, every sample's, in order */
    arena_vector attribute_ranges;     /* uint32_t[2]: first, count per sample */
    /* Distinct labels: an open-addressing table of attribute indices. */
    arena_vector labels;               /* label_key, by attribute index */
    uint32_t *label_slots;             /* attribute index + 1, or 0 */
    uint32_t label_slot_count;         /* a power of two, at least twice the labels */
    int32_t *renamed_keys;             /* by pprof key strindex: the key's index, or -2 */
    int32_t canonical_keys[4];         /* appended strindex of each canonical key, or -1 */
} pprof_reader;

/* Label keys renamed to OTLP's attribute keys. */
static const char *const canonical_key_names[4] = {"thread.name", "thread.id",
                                                   "process.executable.name", "process.pid"};
static const struct label_alias {
    const char *label;
    uint8_t canonical; /* into canonical_key_names */
} label_aliases[] = {
    {"thread_name", 0}, {"thread name", 0}, {"threadName", 0},
    {"thread_id", 1}, {"thread id", 1}, {"threadId", 1}, {"tid", 1},
    {"process_name", 2}, {"process name", 2},
    {"pid", 3}, {"process_id", 3},
};

static bool malformed(pprof_reader *reader, const char *where, const char *what)
{
    return status_fail(reader->status, PTM_ERR_INPUT, "malformed pprof in %s: %s", where, what);
}

static bool over_limit(pprof_reader *reader, const char *where)
{
    return status_fail(reader->status, PTM_ERR_LIMIT, "a table is over its size limit (in pprof %s)", where);
}

static bool out_of_memory(pprof_reader *reader)
{
    return status_out_of_memory(reader->status);
}

/* Appends to a vector of the reader's arena; false (recorded) on failure. */
static void *push(pprof_reader *reader, arena_vector *vector, size_t item_size, uint32_t limit,
                  const char *where)
{
    if (vector->count >= limit) {
        over_limit(reader, where);
        return NULL;
    }
    void *item = vector_push(reader->arena, vector, item_size);
    if (item == NULL)
        out_of_memory(reader);
    return item;
}

/* A pprof string index (int64) as a dictionary index: -1 when out of int32. */
static int32_t string_index(int64_t raw)
{
    return raw >= 0 && raw <= INT32_MAX ? (int32_t)raw : -1;
}

/* ---- fields ---- */

/* Reads a singular varint field's value; false (recorded) on a fault. */
static bool read_varint_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, uint64_t *out,
                              const char *where)
{
    if (wire_type != WIRE_VARINT)
        return malformed(reader, where, "wrong wire type");
    if (!wire_read_varint(cursor, out))
        return malformed(reader, where, "truncated or invalid varint");
    return true;
}

static bool read_int64_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, int64_t *out,
                             const char *where)
{
    uint64_t raw;
    if (!read_varint_field(reader, cursor, wire_type, &raw, where))
        return false;
    *out = (int64_t)raw;
    return true;
}

/* The span of a length-delimited field. */
static bool read_span_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, wire_cursor *span,
                            const char *where)
{
    if (wire_type != WIRE_LEN)
        return malformed(reader, where, "wrong wire type");
    if (!wire_read_span(cursor, span))
        return malformed(reader, where, "truncated");
    return true;
}

/* The values of a repeated varint field: a packed run or one varint. */
static bool read_run_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, wire_cursor *run,
                           const char *where)
{
    if (wire_type != WIRE_VARINT && wire_type != WIRE_LEN)
        return malformed(reader, where, "wrong wire type");
    if (!wire_varint_run(cursor, wire_type, run))
        return malformed(reader, where, "truncated");
    return true;
}

/* The next tag of a message; false (recorded) when it is not a valid one. */
static bool read_tag(pprof_reader *reader, wire_cursor *cursor, uint32_t *field, uint32_t *wire_type,
                     const char *where)
{
    if (!wire_read_tag(cursor, field, wire_type))
        return malformed(reader, where, "invalid tag");
    return true;
}

/* Skips a field this reader ignores (field: its number, for the message). */
static bool skip_field(pprof_reader *reader, wire_cursor *cursor, uint32_t field, uint32_t wire_type,
                       const char *where)
{
    if (wire_skip(cursor, wire_type))
        return true;
    if (wire_type > WIRE_I32 || wire_type == 3 || wire_type == 4)
        return status_fail(reader->status, PTM_ERR_INPUT, "malformed pprof in %s: field %u: invalid wire type %u",
                           where, field, wire_type);
    return status_fail(reader->status, PTM_ERR_INPUT, "malformed pprof in %s: field %u: truncated", where, field);
}

/* ---- id maps ---- */

static int compare_pairs(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Settles how ids are found once every id of the table is known. */
static bool id_map_finish(pprof_reader *reader, id_map *map, const char *where)
{
    bool positional = true, unnumbered = true;
    for (uint32_t i = 0; i < map->count && (positional || unnumbered); i++) {
        positional = positional && map->ids[i] == (uint64_t)i + 1;
        unnumbered = unnumbered && map->ids[i] == 0;
    }
    /* A table without ids (the .NET profiler's functions) is referred to
     * by position, as one numbered 1, 2, ... is. */
    map->dense = positional || unnumbered;
    if (map->dense)
        return true;
    uint64_t *pairs = arena_alloc(reader->arena, ((size_t)map->count + 1) * 2 * sizeof(uint64_t));
    map->sorted = arena_alloc(reader->arena, ((size_t)map->count + 1) * sizeof(uint64_t));
    map->sorted_index = arena_alloc(reader->arena, ((size_t)map->count + 1) * sizeof(uint32_t));
    if (pairs == NULL || map->sorted == NULL || map->sorted_index == NULL)
        return out_of_memory(reader);
    for (uint32_t i = 0; i < map->count; i++) {
        pairs[2 * i] = map->ids[i];
        pairs[2 * i + 1] = i + 1;
    }
    qsort(pairs, map->count, 2 * sizeof(uint64_t), compare_pairs);
    for (uint32_t i = 0; i < map->count; i++) {
        if (i > 0 && pairs[2 * i] == pairs[2 * i - 2] && pairs[2 * i] != 0)
            return status_fail(reader->status, PTM_ERR_INPUT, "malformed pprof in %s.id: %llu appears twice",
                               where, (unsigned long long)pairs[2 * i]);
        map->sorted[i] = pairs[2 * i];
        map->sorted_index[i] = (uint32_t)pairs[2 * i + 1];
    }
    return true;
}

/* The index of the entry with this id: 0 for id 0 (none), -1 for none. */
static int32_t id_map_find(const id_map *map, uint64_t id)
{
    if (id == 0)
        return 0;
    if (map->dense)
        return id <= map->count ? (int32_t)id : -1;
    uint32_t low = 0, high = map->count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        if (map->sorted[middle] < id)
            low = middle + 1;
        else
            high = middle;
    }
    return low < map->count && map->sorted[low] == id ? (int32_t)map->sorted_index[low] : -1;
}

/* Room for the ids of a table of count entries. */
static bool id_map_init(pprof_reader *reader, id_map *map, uint32_t count)
{
    map->count = count;
    map->ids = arena_alloc(reader->arena, ((size_t)count + 1) * sizeof(uint64_t));
    return map->ids != NULL || out_of_memory(reader);
}

/* ---- the top level ---- */

static bool keep_slice(pprof_reader *reader, arena_vector *slices, wire_cursor *cursor, uint32_t wire_type,
                       const char *where)
{
    wire_cursor span = {0};
    if (!read_span_field(reader, cursor, wire_type, &span, where))
        return false;
    wire_cursor *entry = push(reader, slices, sizeof span, LIMIT_TABLE_ENTRIES, where);
    if (entry == NULL)
        return false;
    *entry = span;
    return true;
}

static bool keep_string(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type)
{
    const char *where = "Profile.string_table";
    wire_cursor span = {0};
    if (!read_span_field(reader, cursor, wire_type, &span, where))
        return false;
    size_t size = (size_t)(span.end - span.at);
    if (size > LIMIT_STRING_BYTES)
        return status_fail(reader->status, PTM_ERR_LIMIT, "a string is over 65536 bytes (in pprof %s)", where);
    byte_slice *entry = push(reader, &reader->dictionary->strings, sizeof *entry, LIMIT_TABLE_ENTRIES, where);
    if (entry == NULL)
        return false;
    *entry = (byte_slice){span.at, size};
    return true;
}

/* A field of the Profile message itself. */
static bool read_profile_field(pprof_reader *reader, wire_cursor *cursor, uint32_t field, uint32_t wire_type)
{
    uint64_t ignored;
    wire_cursor run;
    switch (field) {
    case 1: return keep_slice(reader, &reader->sample_types, cursor, wire_type, "Profile.sample_type");
    case 2: return keep_slice(reader, &reader->samples, cursor, wire_type, "Profile.sample");
    case 3: return keep_slice(reader, &reader->mappings, cursor, wire_type, "Profile.mapping");
    case 4: return keep_slice(reader, &reader->locations, cursor, wire_type, "Profile.location");
    case 5: return keep_slice(reader, &reader->functions, cursor, wire_type, "Profile.function");
    case 6: return keep_string(reader, cursor, wire_type);
    case 7: return read_varint_field(reader, cursor, wire_type, &ignored, "Profile.drop_frames");
    case 8: return read_varint_field(reader, cursor, wire_type, &ignored, "Profile.keep_frames");
    case 9: return read_int64_field(reader, cursor, wire_type, &reader->time_nanos, "Profile.time_nanos");
    case 10: return read_int64_field(reader, cursor, wire_type, &reader->duration_nanos, "Profile.duration_nanos");
    case 11:
        reader->has_period_type = true;
        return read_span_field(reader, cursor, wire_type, &reader->period_type, "Profile.period_type");
    case 12: return read_int64_field(reader, cursor, wire_type, &reader->period, "Profile.period");
    case 13: return read_run_field(reader, cursor, wire_type, &run, "Profile.comment");
    case 14: return read_varint_field(reader, cursor, wire_type, &ignored, "Profile.default_sample_type");
    case 15: return read_varint_field(reader, cursor, wire_type, &ignored, "Profile.doc_url");
    default: return skip_field(reader, cursor, field, wire_type, "Profile");
    }
}

static bool read_top_level(pprof_reader *reader, byte_slice input)
{
    wire_cursor cursor = wire_cursor_of(input.data, input.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field = 0, wire_type = 0;
        if (!read_tag(reader, &cursor, &field, &wire_type, "Profile") ||
            !read_profile_field(reader, &cursor, field, wire_type))
            return false;
    }
    return true;
}

/* ---- mappings, functions, locations ---- */

/* Reads a ValueType's type and unit string indices; names: the field
 * holding it, then its type and unit fields, for the messages. */
static bool read_value_type(pprof_reader *reader, wire_cursor entry, int32_t *type, int32_t *unit,
                            const char *const names[3])
{
    int64_t type_raw = 0, unit_raw = 0;
    while (!wire_at_end(&entry)) {
        uint32_t field = 0, wire_type = 0;
        if (!read_tag(reader, &entry, &field, &wire_type, names[0]))
            return false;
        bool ok = field == 1 ? read_int64_field(reader, &entry, wire_type, &type_raw, names[1])
                : field == 2 ? read_int64_field(reader, &entry, wire_type, &unit_raw, names[2])
                : skip_field(reader, &entry, field, wire_type, names[0]);
        if (!ok)
            return false;
    }
    *type = string_index(type_raw);
    *unit = string_index(unit_raw);
    return true;
}

static bool read_mapping(pprof_reader *reader, wire_cursor entry, uint32_t index)
{
    const char *where = "Profile.mapping";
    uint64_t id = 0, memory_start = 0, memory_limit = 0, file_offset = 0;
    int64_t filename = 0, build_id = 0;
    while (!wire_at_end(&entry)) {
        uint32_t field = 0, wire_type = 0;
        if (!read_tag(reader, &entry, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? read_varint_field(reader, &entry, wire_type, &id, "Profile.mapping.id")
                : field == 2 ? read_varint_field(reader, &entry, wire_type, &memory_start, "Profile.mapping.memory_start")
                : field == 3 ? read_varint_field(reader, &entry, wire_type, &memory_limit, "Profile.mapping.memory_limit")
                : field == 4 ? read_varint_field(reader, &entry, wire_type, &file_offset, "Profile.mapping.file_offset")
                : field == 5 ? read_int64_field(reader, &entry, wire_type, &filename, "Profile.mapping.filename")
                : field == 6 ? read_int64_field(reader, &entry, wire_type, &build_id, "Profile.mapping.build_id")
                : skip_field(reader, &entry, field, wire_type, where);
        if (!ok)
            return false;
    }
    reader->mapping_ids.ids[index] = id;
    dictionary_mapping *mapping = push(reader, &reader->dictionary->mappings, sizeof *mapping, LIMIT_TABLE_ENTRIES, where);
    if (mapping == NULL)
        return false;
    *mapping = (dictionary_mapping){
        .memory_start = memory_start,
        .memory_limit = memory_limit,
        .file_offset = file_offset,
        .filename_strindex = string_index(filename),
        .build_id = dictionary_string(reader->dictionary, string_index(build_id)),
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
        if (!read_tag(reader, &entry, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? read_varint_field(reader, &entry, wire_type, &id, "Profile.function.id")
                : field == 2 ? read_int64_field(reader, &entry, wire_type, &name, "Profile.function.name")
                : field == 3 ? read_int64_field(reader, &entry, wire_type, &system_name,
                                                "Profile.function.system_name")
                : field == 4 ? read_int64_field(reader, &entry, wire_type, &filename,
                                                "Profile.function.filename")
                : skip_field(reader, &entry, field, wire_type, where);
        if (!ok)
            return false;
    }
    reader->function_ids.ids[index] = id;
    dictionary_function *function = push(reader, &reader->dictionary->functions, sizeof *function,
                                         LIMIT_TABLE_ENTRIES, where);
    if (function == NULL)
        return false;
    *function = (dictionary_function){string_index(name), string_index(system_name), string_index(filename)};
    return true;
}

/* A Line of a location: its function, as a dictionary index. */
static bool read_line(pprof_reader *reader, wire_cursor line)
{
    const char *where = "Profile.location.line";
    uint64_t function_id = 0, ignored;
    while (!wire_at_end(&line)) {
        uint32_t field = 0, wire_type = 0;
        if (!read_tag(reader, &line, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? read_varint_field(reader, &line, wire_type, &function_id,
                                                 "Profile.location.line.function_id")
                : field == 2 ? read_varint_field(reader, &line, wire_type, &ignored, "Profile.location.line.line")
                : field == 3 ? read_varint_field(reader, &line, wire_type, &ignored, "Profile.location.line.column")
                : skip_field(reader, &line, field, wire_type, where);
        if (!ok)
            return false;
    }
    int32_t *function = push(reader, &reader->dictionary->line_functions, sizeof *function,
                             LIMIT_TABLE_REFERENCES, where);
    if (function == NULL)
        return false;
    *function = id_map_find(&reader->function_ids, function_id);
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
        if (!read_tag(reader, &entry, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? read_varint_field(reader, &entry, wire_type, &id, "Profile.location.id")
                : field == 2 ? read_varint_field(reader, &entry, wire_type, &mapping_id, "Profile.location.mapping_id")
                : field == 3 ? read_varint_field(reader, &entry, wire_type, &address, "Profile.location.address")
                : field == 5 ? read_varint_field(reader, &entry, wire_type, &ignored, "Profile.location.is_folded")
                : field == 4 ? read_span_field(reader, &entry, wire_type, &line, "Profile.location.line") &&
                                   read_line(reader, line)
                : skip_field(reader, &entry, field, wire_type, where);
        if (!ok)
            return false;
    }
    reader->location_ids.ids[index] = id;
    dictionary_location *location = push(reader, &dictionary->locations, sizeof *location,
                                         LIMIT_TABLE_ENTRIES, where);
    if (location == NULL)
        return false;
    /* A mapping id that names nothing is no mapping, as google/pprof reads it. */
    int32_t mapping = id_map_find(&reader->mapping_ids, mapping_id);
    *location = (dictionary_location){address, mapping < 0 ? 0 : mapping, first_line,
                                      dictionary->line_functions.count - first_line, 0, 0};
    return true;
}

typedef bool (*entry_reader)(pprof_reader *reader, wire_cursor entry, uint32_t index);

/* Reads a table's entries after its zero entry (index 0), then its ids. */
static bool read_table(pprof_reader *reader, const arena_vector *slices, arena_vector *table, size_t item_size,
                       id_map *ids, entry_reader read_entry, const char *where)
{
    if (push(reader, table, item_size, LIMIT_TABLE_ENTRIES, where) == NULL ||
        !id_map_init(reader, ids, slices->count))
        return false;
    const wire_cursor *entries = slices->items;
    for (uint32_t i = 0; i < slices->count; i++) {
        if (!read_entry(reader, entries[i], i))
            return false;
    }
    return id_map_finish(reader, ids, where);
}

/* ---- labels ---- */

/* The dictionary key index of a label key: the key itself, or the
 * canonical key it is renamed to (appended to the string table once). */
static bool label_key_index(pprof_reader *reader, int64_t key, int32_t *out)
{
    int32_t index = string_index(key);
    if (index < 0 || (uint32_t)index >= reader->pprof_string_count) {
        *out = -1;
        return true;
    }
    if (reader->renamed_keys[index] != -2) {
        *out = reader->renamed_keys[index];
        return true;
    }
    profile_dictionary *dictionary = reader->dictionary;
    byte_slice name = dictionary_string(dictionary, index);
    int32_t renamed = index;
    for (size_t i = 0; i < sizeof label_aliases / sizeof label_aliases[0]; i++) {
        if (!slice_equals_cstr(name, label_aliases[i].label))
            continue;
        int32_t *canonical = &reader->canonical_keys[label_aliases[i].canonical];
        if (*canonical < 0) {
            byte_slice *entry = push(reader, &dictionary->strings, sizeof *entry, LIMIT_TABLE_ENTRIES + 4,
                                     "Profile.string_table");
            if (entry == NULL)
                return false;
            const char *text = canonical_key_names[label_aliases[i].canonical];
            *entry = (byte_slice){(const uint8_t *)text, strlen(text)};
            *canonical = (int32_t)(dictionary->strings.count - 1);
        }
        renamed = *canonical;
        break;
    }
    *out = reader->renamed_keys[index] = renamed;
    return true;
}

/* Appends a varint to a small buffer; returns its new length. */
static size_t put_varint(uint8_t *out, size_t at, uint64_t value)
{
    while (value >= 0x80) {
        out[at++] = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    out[at++] = (uint8_t)value;
    return at;
}

/* Adds the attribute entry of a label not seen before. */
static bool add_label_attribute(pprof_reader *reader, const label_key *label, int32_t *index_out)
{
    const char *where = "Profile.sample.label";
    profile_dictionary *dictionary = reader->dictionary;
    int32_t key;
    if (!label_key_index(reader, label->key, &key))
        return false;
    uint8_t bytes[11];
    size_t size = put_varint(bytes, 0, label->numeric ? 0x18 : 0x40); /* AnyValue.int_value / string_value_strindex */
    size = put_varint(bytes, size, label->numeric ? (uint64_t)label->num
                                                  : (uint64_t)(int64_t)string_index(label->str));
    uint8_t *value = arena_dup(reader->arena, bytes, size);
    if (value == NULL)
        return out_of_memory(reader);
    label_key *kept = push(reader, &reader->labels, sizeof *kept, LIMIT_TABLE_ENTRIES, where);
    dictionary_attribute *attribute = push(reader, &dictionary->attributes, sizeof *attribute,
                                           LIMIT_TABLE_ENTRIES, where);
    if (kept == NULL || attribute == NULL)
        return false;
    *kept = *label;
    *attribute = (dictionary_attribute){key, {value, size}};
    *index_out = (int32_t)(dictionary->attributes.count - 1);
    return true;
}

static uint32_t label_hash(const label_key *label)
{
    uint64_t mix = (uint64_t)label->key * 0x9e3779b97f4a7c15u ^ (uint64_t)label->str * 0xc2b2ae3d27d4eb4fu ^
                   (uint64_t)label->num * 0x165667b19e3779f9u ^ (uint64_t)label->numeric;
    return (uint32_t)(mix ^ mix >> 29);
}

/* Doubles the label table (all labels placed again). */
static bool grow_label_slots(pprof_reader *reader)
{
    uint32_t slot_count = reader->label_slot_count ? reader->label_slot_count * 2 : 64;
    uint32_t *slots = arena_calloc(reader->arena, slot_count, sizeof *slots);
    if (slots == NULL)
        return out_of_memory(reader);
    const label_key *labels = reader->labels.items;
    for (uint32_t index = 1; index <= reader->labels.count; index++) {
        uint32_t at = label_hash(&labels[index - 1]) & (slot_count - 1);
        while (slots[at] != 0)
            at = (at + 1) & (slot_count - 1);
        slots[at] = index;
    }
    reader->label_slots = slots;
    reader->label_slot_count = slot_count;
    return true;
}

/* The attribute index of a label, added when first seen. Attribute index
 * i is label i - 1 (the zero entry is index 0, with no label). */
static bool label_attribute(pprof_reader *reader, const label_key *label, int32_t *index_out)
{
    if (reader->labels.count * 2 >= reader->label_slot_count && !grow_label_slots(reader))
        return false;
    uint32_t mask = reader->label_slot_count - 1;
    const label_key *labels = reader->labels.items;
    uint32_t at = label_hash(label) & mask;
    for (; reader->label_slots[at] != 0; at = (at + 1) & mask) {
        const label_key *seen = &labels[reader->label_slots[at] - 1];
        if (seen->key == label->key && seen->str == label->str && seen->num == label->num &&
            seen->numeric == label->numeric) {
            *index_out = (int32_t)reader->label_slots[at];
            return true;
        }
    }
    if (!add_label_attribute(reader, label, index_out))
        return false;
    reader->label_slots[at] = (uint32_t)*index_out;
    return true;
}

static bool read_label(pprof_reader *reader, wire_cursor entry)
{
    const char *where = "Profile.sample.label";
    label_key label = {0};
    int64_t num_unit = 0;
    while (!wire_at_end(&entry)) {
        uint32_t field = 0, wire_type = 0;
        if (!read_tag(reader, &entry, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? read_int64_field(reader, &entry, wire_type, &label.key, "Profile.sample.label.key")
                : field == 2 ? read_int64_field(reader, &entry, wire_type, &label.str, "Profile.sample.label.str")
                : field == 3 ? read_int64_field(reader, &entry, wire_type, &label.num, "Profile.sample.label.num")
                : field == 4 ? read_int64_field(reader, &entry, wire_type, &num_unit, "Profile.sample.label.num_unit")
                : skip_field(reader, &entry, field, wire_type, where);
        if (!ok)
            return false;
    }
    if (label.str == 0 && label.num == 0 && num_unit == 0)
        return true; /* says nothing: google/pprof drops it too */
    label.numeric = label.str == 0;
    if (!label.numeric)
        label.num = 0;
    int32_t index = 0;
    int32_t *slot = push(reader, &reader->sample_attributes, sizeof *slot, LIMIT_TABLE_REFERENCES, where);
    if (slot == NULL || !label_attribute(reader, &label, &index))
        return false;
    *slot = index;
    return true;
}

/* ---- samples ---- */

static bool read_location_ids(pprof_reader *reader, wire_cursor run)
{
    const char *where = "Profile.sample.location_id";
    while (!wire_at_end(&run)) {
        uint64_t id;
        if (!wire_read_varint(&run, &id))
            return malformed(reader, where, "truncated or invalid varint");
        int32_t *location = push(reader, &reader->dictionary->stack_locations, sizeof *location,
                                 LIMIT_TABLE_REFERENCES, where);
        if (location == NULL)
            return false;
        *location = id_map_find(&reader->location_ids, id);
    }
    return true;
}

static bool read_values(pprof_reader *reader, wire_cursor run, uint32_t *count)
{
    const char *where = "Profile.sample.value";
    while (!wire_at_end(&run)) {
        uint64_t raw;
        if (!wire_read_varint(&run, &raw))
            return malformed(reader, where, "truncated or invalid varint");
        int64_t *value = push(reader, &reader->values, sizeof *value, LIMIT_TABLE_REFERENCES, where);
        if (value == NULL)
            return false;
        *value = (int64_t)raw;
        ++*count;
    }
    return true;
}

static bool read_sample(pprof_reader *reader, wire_cursor entry, uint32_t index)
{
    const char *where = "Profile.sample";
    profile_dictionary *dictionary = reader->dictionary;
    uint32_t first_location = dictionary->stack_locations.count;
    uint32_t first_attribute = reader->sample_attributes.count;
    uint32_t value_count = 0;
    while (!wire_at_end(&entry)) {
        uint32_t field = 0, wire_type = 0;
        wire_cursor span = {0};
        if (!read_tag(reader, &entry, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? read_run_field(reader, &entry, wire_type, &span, "Profile.sample.location_id") &&
                                   read_location_ids(reader, span)
                : field == 2 ? read_run_field(reader, &entry, wire_type, &span, "Profile.sample.value") &&
                                   read_values(reader, span, &value_count)
                : field == 3 ? read_span_field(reader, &entry, wire_type, &span, "Profile.sample.label") &&
                                   read_label(reader, span)
                : skip_field(reader, &entry, field, wire_type, where);
        if (!ok)
            return false;
    }
    if (value_count != reader->type_count)
        return status_fail(reader->status, PTM_ERR_INPUT, "malformed pprof in Profile.sample.value: sample %u has "
                           "%u value(s), not one per sample type (%u)", index, value_count, reader->type_count);
    dictionary_stack *stack = push(reader, &dictionary->stacks, sizeof *stack, LIMIT_TABLE_ENTRIES, where);
    uint32_t *range = push(reader, &reader->attribute_ranges, 2 * sizeof *range, LIMIT_TABLE_ENTRIES, where);
    if (stack == NULL || range == NULL)
        return false;
    *stack = (dictionary_stack){first_location, dictionary->stack_locations.count - first_location};
    range[0] = first_attribute;
    range[1] = reader->sample_attributes.count - first_attribute;
    return true;
}

static bool read_samples(pprof_reader *reader)
{
    profile_dictionary *dictionary = reader->dictionary;
    /* The zero entries: attribute 0 (no label) and stack 0 (no location). */
    if (push(reader, &dictionary->attributes, sizeof(dictionary_attribute), 1, "Profile.sample") == NULL ||
        push(reader, &dictionary->stacks, sizeof(dictionary_stack), 1, "Profile.sample") == NULL)
        return false;
    reader->pprof_string_count = dictionary->strings.count;
    reader->renamed_keys = arena_alloc(reader->arena, ((size_t)reader->pprof_string_count + 1) * sizeof(int32_t));
    if (reader->renamed_keys == NULL)
        return out_of_memory(reader);
    for (uint32_t i = 0; i < reader->pprof_string_count; i++)
        reader->renamed_keys[i] = -2;
    for (size_t i = 0; i < sizeof reader->canonical_keys / sizeof reader->canonical_keys[0]; i++)
        reader->canonical_keys[i] = -1;
    const wire_cursor *entries = reader->samples.items;
    for (uint32_t i = 0; i < reader->samples.count; i++) {
        if (!read_sample(reader, entries[i], i))
            return false;
    }
    return true;
}

/* ---- the walk ---- */

/* The profile of sample type i, as an OTLP profile header. */
static bool read_profile_headers(pprof_reader *reader, decoded_profile *profiles)
{
    static const char *const period_names[3] = {"Profile.period_type", "Profile.period_type.type",
                                                "Profile.period_type.unit"};
    static const char *const type_names[3] = {"Profile.sample_type", "Profile.sample_type.type",
                                              "Profile.sample_type.unit"};
    int32_t period_type = 0, period_unit = 0;
    if (reader->has_period_type &&
        !read_value_type(reader, reader->period_type, &period_type, &period_unit, period_names))
        return false;
    const wire_cursor *types = reader->sample_types.items;
    for (uint32_t i = 0; i < reader->type_count; i++) {
        decoded_profile *profile = &profiles[i];
        if (!read_value_type(reader, types[i], &profile->type_strindex, &profile->unit_strindex, type_names))
            return false;
        profile->has_period_type = reader->has_period_type;
        profile->period_type_strindex = period_type;
        profile->period_unit_strindex = period_unit;
        profile->period = reader->period;
        profile->time_unix_nano = reader->time_nanos > 0 ? (uint64_t)reader->time_nanos : 0;
        profile->duration_nano = reader->duration_nanos > 0 ? (uint64_t)reader->duration_nanos : 0;
        profile->sample_count = reader->samples.count;
    }
    return true;
}

/* Hands sample type i's samples to the handler. */
static bool hand_samples(pprof_reader *reader, const decode_handler *handler, uint32_t type)
{
    const int64_t *values = reader->values.items;
    const int32_t *attributes = reader->sample_attributes.items;
    const uint32_t *ranges = reader->attribute_ranges.items;
    for (uint32_t j = 0; j < reader->samples.count; j++) {
        int64_t value = values[(size_t)j * reader->type_count + type];
        decoded_sample sample = {
            .stack_index = (int32_t)(j + 1),
            /* attributes is NULL when no sample has a label: no arithmetic on it */
            .attribute_indices = ranges[2 * j + 1] > 0 ? attributes + ranges[2 * j] : NULL,
            .attribute_count = ranges[2 * j + 1],
            .value_count = 1,
            .value_sum = value,
            .value_negative = value < 0,
        };
        if (!handler->sample(handler->context, &sample))
            return out_of_memory(reader);
    }
    return true;
}

static bool hand_over(pprof_reader *reader, const decode_handler *handler, decoded_profile *profiles)
{
    static const decoded_resource no_resource = {0};
    if (!handler->request(handler->context, reader->dictionary, NULL, 0))
        return out_of_memory(reader);
    if (handler->resource == NULL)
        return true;
    if (!handler->resource(handler->context, &no_resource) ||
        !handler->scope(handler->context, profiles, reader->type_count))
        return out_of_memory(reader);
    for (uint32_t i = 0; i < reader->type_count; i++) {
        if (!handler->profile(handler->context, &profiles[i]) || !hand_samples(reader, handler, i))
            return out_of_memory(reader);
    }
    handler->request_end(handler->context);
    return true;
}

ptm_result decode_pprof(byte_slice input, arena *a, string_interner *interner,
                        const decode_handler *handler, ptm_status *status)
{
    pprof_reader reader = {.arena = a, .status = status};
    profile_dictionary *dictionary = reader.dictionary = arena_calloc(a, 1, sizeof *reader.dictionary);
    if (dictionary == NULL) {
        status_out_of_memory(status);
        return status->code;
    }
    dictionary->arena = a;
    dictionary->interner = interner;
    if (!read_top_level(&reader, input))
        return status->code;
    reader.type_count = reader.sample_types.count;
    decoded_profile *profiles = arena_calloc(a, (size_t)reader.type_count + 1, sizeof *profiles);
    bool ok = (profiles != NULL || out_of_memory(&reader)) && read_profile_headers(&reader, profiles) &&
              read_table(&reader, &reader.mappings, &dictionary->mappings, sizeof(dictionary_mapping), &reader.mapping_ids,
                         read_mapping, "Profile.mapping") &&
              read_table(&reader, &reader.functions, &dictionary->functions, sizeof(dictionary_function),
                         &reader.function_ids, read_function, "Profile.function") &&
              read_table(&reader, &reader.locations, &dictionary->locations, sizeof(dictionary_location),
                         &reader.location_ids, read_location, "Profile.location") &&
              read_samples(&reader) && dictionary_prepare(dictionary, status) &&
              hand_over(&reader, handler, profiles);
    return ok ? PTM_OK : status->code;
}

/* ---- detection ---- */

/* The first tag of a length-delimited field's content: its field number and
 * wire type, or false when it is empty or does not start with a valid tag. */
static bool first_tag(wire_cursor span, uint32_t *field, uint32_t *wire_type)
{
    return wire_read_tag(&span, field, wire_type);
}

/* Whether a field's content starts as every pprof writer starts a
 * ValueType: varint field 1 (type), then varint field 2 (unit). */
static bool starts_like_value_type(wire_cursor span)
{
    uint32_t field = 0, wire_type = 0;
    uint64_t ignored;
    return wire_read_tag(&span, &field, &wire_type) && field == 1 && wire_type == WIRE_VARINT &&
           wire_read_varint(&span, &ignored) && wire_read_tag(&span, &field, &wire_type) && field == 2 &&
           wire_type == WIRE_VARINT;
}

pprof_evidence pprof_detect(byte_slice input)
{
    bool empty_first_string = false, value_type_first = false, resource_first = false;
    wire_cursor cursor = wire_cursor_of(input.data, input.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field = 0, wire_type = 0, inner_field = 0, inner_type = 0;
        wire_cursor span = {0};
        if (!wire_read_tag(&cursor, &field, &wire_type))
            break;
        if (wire_type != WIRE_LEN) {
            if (!wire_skip(&cursor, wire_type))
                break;
            continue;
        }
        if (!wire_read_span(&cursor, &span))
            break;
        bool has_tag = first_tag(span, &inner_field, &inner_type);
        empty_first_string = empty_first_string || (field == 6 && wire_at_end(&span));
        if (field == 1 && has_tag) {
            value_type_first = value_type_first || starts_like_value_type(span);
            resource_first = resource_first || inner_type == WIRE_LEN;
        }
    }
    bool pprof = empty_first_string || value_type_first;
    return !pprof ? PPROF_NOT : resource_first ? PPROF_AMBIGUOUS : PPROF_LIKELY;
}
