/*
 * decode_samples.c: the samples of a profile, read and streamed to the
 * handler one at a time (the hot loop of a conversion).
 *
 * A Sample's fields in their usual encoding (one-byte tags, packed runs)
 * are read by a switch on the tag byte; any other tag (a field past 15, a
 * tag of more bytes than it needs) goes through the general tag reader, and
 * the same field readers take it. Values are summed as they come (a
 * negative one or an overflow flagged), timestamps kept as their count and
 * maximum.
 */
#include "decode/decode_walk.h"

#include <string.h>

/* Sample's field numbers (profiles.proto). */
enum {
    SAMPLE_STACK_INDEX = 1, SAMPLE_ATTRIBUTE_INDICES = 2, SAMPLE_LINK_INDEX = 3,
    SAMPLE_VALUES = 4, SAMPLE_TIMESTAMPS = 5,
};

static void sample_add_value(decoded_sample *sample, uint64_t raw)
{
    int64_t value = (int64_t)raw;
    sample->value_count++;
    if (value < 0)
        sample->value_negative = true;
    else if (__builtin_add_overflow(sample->value_sum, value, &sample->value_sum))
        sample->value_overflow = true;
}

static void sample_add_timestamp(decoded_sample *sample, uint64_t timestamp)
{
    sample->timestamp_count++;
    if (timestamp > sample->max_timestamp)
        sample->max_timestamp = timestamp;
}

bool decode_read_indices(request_walk *walk, wire_cursor *run)
{
    while (!wire_at_end(run)) {
        uint64_t raw;
        if (!decode_ok(walk, wire_next_varint(run, &raw)))
            return false;
        int32_t *slot = vector_push(walk->arena, &walk->int32s, sizeof(int32_t));
        if (slot == NULL)
            return false;
        *slot = (int32_t)raw;
    }
    return true;
}

static bool read_values(request_walk *walk, wire_cursor *run)
{
    while (!wire_at_end(run)) {
        uint64_t raw;
        if (!decode_ok(walk, wire_next_varint(run, &raw)))
            return false;
        sample_add_value(&walk->sample, raw);
    }
    return true;
}

/* The run's length is a multiple of eight (wire_take_fixed_run). */
static void read_timestamps(decoded_sample *sample, wire_cursor *run)
{
    uint64_t timestamp;
    while (wire_read_fixed64(run, &timestamp))
        sample_add_timestamp(sample, timestamp);
}

/* One field of a Sample, its tag read. */
static bool read_sample_field(request_walk *walk, wire_cursor *cursor, uint32_t field, uint32_t wire_type)
{
    decoded_sample *sample = &walk->sample;
    wire_cursor run;
    switch (field) {
    case SAMPLE_STACK_INDEX:
        return decode_ok(walk, wire_take_int32(cursor, wire_type, &sample->stack_index));
    case SAMPLE_LINK_INDEX:
        return decode_ok(walk, wire_take_int32(cursor, wire_type, &sample->link_index));
    case SAMPLE_ATTRIBUTE_INDICES:
        return decode_ok(walk, wire_take_run(cursor, wire_type, &run)) && decode_read_indices(walk, &run);
    case SAMPLE_VALUES:
        return decode_ok(walk, wire_take_run(cursor, wire_type, &run)) && read_values(walk, &run);
    case SAMPLE_TIMESTAMPS:
        if (!decode_ok(walk, wire_take_fixed_run(cursor, wire_type, &run)))
            return false;
        read_timestamps(sample, &run);
        return true;
    default:
        return decode_skip(walk, cursor, field, wire_type);
    }
}

/* One field of a Sample: a one-byte tag at once, any other through the
 * general tag reader. */
static bool read_sample_tag_and_field(request_walk *walk, wire_cursor *cursor)
{
    uint8_t tag = *cursor->at;
    uint32_t field, wire_type;
    if (tag < 0x80 && (tag >> 3) != 0) {
        cursor->at++;
        field = tag >> 3;
        wire_type = tag & 7;
    } else if (!decode_tag(walk, cursor, &field, &wire_type)) {
        return false;
    }
    return read_sample_field(walk, cursor, field, wire_type);
}

static bool read_sample(request_walk *walk, byte_slice raw)
{
    memset(&walk->sample, 0, sizeof walk->sample);
    walk->int32s.count = 0;
    wire_cursor cursor = wire_cursor_of(raw.data, raw.size);
    while (!wire_at_end(&cursor)) {
        if (!read_sample_tag_and_field(walk, &cursor))
            return false;
    }
    walk->sample.attribute_indices = walk->int32s.items;
    walk->sample.attribute_count = walk->int32s.count;
    return true;
}

bool decode_read_sample(request_walk *walk, byte_slice raw)
{
    if (!read_sample(walk, raw))
        return walk->arena->failed ? status_out_of_memory(walk->status) : false;
    if (!walk->handler->sample(walk->handler->context, &walk->sample))
        return status_out_of_memory(walk->status);
    return true;
}
