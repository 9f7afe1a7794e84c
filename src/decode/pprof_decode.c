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
 * in the arena; a few well-known keys are renamed to OTLP's (label_aliases).
 *
 * Every fault is recorded through pprof_malformed() as "malformed pprof in
 * <where>: <what>", where is the field at fault (Profile.location.line,
 * Profile.sample.value, ...) or, for a bad tag or an unknown field that
 * cannot be skipped, its message; limits are those of OTLP's dictionary
 * (limits.h).
 *
 * This file reads the top level and the samples and hands them over; the
 * reader's state and field helpers are in pprof_reader.h (pprof_fields.c),
 * the tables in pprof_tables.c, the labels in pprof_labels.c.
 */
#include "decode/pprof_decode.h"
#include "decode/pprof_reader.h"

#include "base/limits.h"

/* ---- the top level ---- */

static bool keep_slice(pprof_reader *reader, arena_vector *slices, wire_cursor *cursor, uint32_t wire_type,
                       const char *where)
{
    wire_cursor span = {0};
    if (!pprof_read_span_field(reader, cursor, wire_type, &span, where))
        return false;
    wire_cursor *entry = pprof_push(reader, slices, sizeof span, LIMIT_TABLE_ENTRIES, where);
    if (entry == NULL)
        return false;
    *entry = span;
    return true;
}

static bool keep_string(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type)
{
    const char *where = "Profile.string_table";
    wire_cursor span = {0};
    if (!pprof_read_span_field(reader, cursor, wire_type, &span, where))
        return false;
    size_t size = (size_t)(span.end - span.at);
    if (size > LIMIT_STRING_BYTES)
        return status_fail(reader->status, PTM_ERR_LIMIT, "a string is over 65536 bytes (in pprof %s)", where);
    byte_slice *entry = pprof_push(reader, &reader->dictionary->strings, sizeof *entry, LIMIT_TABLE_ENTRIES, where);
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
    case 7: return pprof_read_varint_field(reader, cursor, wire_type, &ignored, "Profile.drop_frames");
    case 8: return pprof_read_varint_field(reader, cursor, wire_type, &ignored, "Profile.keep_frames");
    case 9: return pprof_read_int64_field(reader, cursor, wire_type, &reader->time_nanos, "Profile.time_nanos");
    case 10: return pprof_read_int64_field(reader, cursor, wire_type, &reader->duration_nanos, "Profile.duration_nanos");
    case 11:
        reader->has_period_type = true;
        return pprof_read_span_field(reader, cursor, wire_type, &reader->period_type, "Profile.period_type");
    case 12: return pprof_read_int64_field(reader, cursor, wire_type, &reader->period, "Profile.period");
    case 13: return pprof_read_run_field(reader, cursor, wire_type, &run, "Profile.comment");
    case 14: return pprof_read_varint_field(reader, cursor, wire_type, &ignored, "Profile.default_sample_type");
    case 15: return pprof_read_varint_field(reader, cursor, wire_type, &ignored, "Profile.doc_url");
    default: return pprof_skip_field(reader, cursor, field, wire_type, "Profile");
    }
}

static bool read_top_level(pprof_reader *reader, byte_slice input)
{
    wire_cursor cursor = wire_cursor_of(input.data, input.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field = 0, wire_type = 0;
        if (!pprof_read_tag(reader, &cursor, &field, &wire_type, "Profile") ||
            !read_profile_field(reader, &cursor, field, wire_type))
            return false;
    }
    return true;
}

/* Reads a ValueType's type and unit string indices; names: the field
 * holding it, then its type and unit fields, for the messages. */
static bool read_value_type(pprof_reader *reader, wire_cursor entry, int32_t *type, int32_t *unit,
                            const char *const names[3])
{
    int64_t type_raw = 0, unit_raw = 0;
    while (!wire_at_end(&entry)) {
        uint32_t field = 0, wire_type = 0;
        if (!pprof_read_tag(reader, &entry, &field, &wire_type, names[0]))
            return false;
        bool ok = field == 1 ? pprof_read_int64_field(reader, &entry, wire_type, &type_raw, names[1])
                : field == 2 ? pprof_read_int64_field(reader, &entry, wire_type, &unit_raw, names[2])
                : pprof_skip_field(reader, &entry, field, wire_type, names[0]);
        if (!ok)
            return false;
    }
    *type = pprof_string_index(type_raw);
    *unit = pprof_string_index(unit_raw);
    return true;
}

/* ---- samples ---- */

static bool read_location_ids(pprof_reader *reader, wire_cursor run)
{
    const char *where = "Profile.sample.location_id";
    while (!wire_at_end(&run)) {
        uint64_t id;
        if (!pprof_next_varint(reader, &run, &id, where))
            return false;
        int32_t *location = pprof_push(reader, &reader->dictionary->stack_locations, sizeof *location,
                                       LIMIT_TABLE_REFERENCES, where);
        if (location == NULL)
            return false;
        *location = pprof_id_map_find(&reader->location_ids, id);
    }
    return true;
}

static bool read_values(pprof_reader *reader, wire_cursor run, uint32_t *count)
{
    const char *where = "Profile.sample.value";
    while (!wire_at_end(&run)) {
        uint64_t raw;
        if (!pprof_next_varint(reader, &run, &raw, where))
            return false;
        int64_t *value = pprof_push(reader, &reader->values, sizeof *value, LIMIT_TABLE_REFERENCES, where);
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
        if (!pprof_read_tag(reader, &entry, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? pprof_read_run_field(reader, &entry, wire_type, &span, "Profile.sample.location_id") &&
                                   read_location_ids(reader, span)
                : field == 2 ? pprof_read_run_field(reader, &entry, wire_type, &span, "Profile.sample.value") &&
                                   read_values(reader, span, &value_count)
                : field == 3 ? pprof_read_span_field(reader, &entry, wire_type, &span, "Profile.sample.label") &&
                                   pprof_read_label(reader, span)
                : pprof_skip_field(reader, &entry, field, wire_type, where);
        if (!ok)
            return false;
    }
    if (value_count != reader->type_count)
        return status_fail(reader->status, PTM_ERR_INPUT, "malformed pprof in Profile.sample.value: sample %u has "
                           "%u value(s), not one per sample type (%u)", index, value_count, reader->type_count);
    dictionary_stack *stack = pprof_push(reader, &dictionary->stacks, sizeof *stack, LIMIT_TABLE_ENTRIES, where);
    uint32_t *range = pprof_push(reader, &reader->attribute_ranges, 2 * sizeof *range, LIMIT_TABLE_ENTRIES, where);
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
    if (pprof_push(reader, &dictionary->attributes, sizeof(dictionary_attribute), 1, "Profile.sample") == NULL ||
        pprof_push(reader, &dictionary->stacks, sizeof(dictionary_stack), 1, "Profile.sample") == NULL)
        return false;
    reader->pprof_string_count = dictionary->strings.count;
    reader->renamed_keys = arena_alloc(reader->arena, ((size_t)reader->pprof_string_count + 1) * sizeof(int32_t));
    if (reader->renamed_keys == NULL)
        return pprof_out_of_memory(reader);
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
            return pprof_out_of_memory(reader);
    }
    return true;
}

static bool hand_over(pprof_reader *reader, const decode_handler *handler, decoded_profile *profiles)
{
    static const decoded_resource no_resource = {0};
    if (!handler->request(handler->context, reader->dictionary, NULL, 0))
        return pprof_out_of_memory(reader);
    if (handler->resource == NULL)
        return true;
    if (!handler->resource(handler->context, &no_resource) ||
        !handler->scope(handler->context, profiles, reader->type_count))
        return pprof_out_of_memory(reader);
    for (uint32_t i = 0; i < reader->type_count; i++) {
        if (!handler->profile(handler->context, &profiles[i]) || !hand_samples(reader, handler, i))
            return pprof_out_of_memory(reader);
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
    bool ok = (profiles != NULL || pprof_out_of_memory(&reader)) && read_profile_headers(&reader, profiles) &&
              pprof_read_tables(&reader) && read_samples(&reader) && dictionary_prepare(dictionary, status) &&
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
