/*
 * decode_samples.c: the samples of a profile, read and streamed to the
 * handler one at a time (the hot loop of a conversion).
 *
 * A Sample in its usual encoding (one-byte tags, packed runs that end at
 * their span's end: wire_read.h) is read by hand; at anything else nanopb
 * reads the same bytes, and then accepts them or names the fault, as when
 * nanopb read every sample. Values are summed as they come (a negative one
 * or an overflow flagged), timestamps kept as their count and maximum.
 */
#include "decode/decode_walk.h"

#include <string.h>

#include "wire/wire.h"

bool decode_collect_int32(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    request_walk *walk = *arg;
    uint64_t raw;
    if (!pb_decode_varint(stream, &raw))
        return false;
    int32_t *slot = vector_push(walk->arena, &walk->int32s, sizeof(int32_t));
    if (slot == NULL)
        return false;
    *slot = (int32_t)raw;
    return wire_scalar_done(stream, walk->bounds);
}
/* Adds one value of a sample (nanopb's and the fast reader's). */
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

static bool read_value(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    request_walk *walk = *arg;
    uint64_t raw;
    if (!pb_decode_varint(stream, &raw))
        return false;
    sample_add_value(&walk->sample, raw);
    return wire_scalar_done(stream, walk->bounds);
}

static bool read_timestamp(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    request_walk *walk = *arg;
    uint64_t timestamp;
    if (!pb_decode_fixed64(stream, &timestamp))
        return false;
    sample_add_timestamp(&walk->sample, timestamp);
    return wire_scalar_done(stream, walk->bounds);
}

static void start_sample(request_walk *walk)
{
    memset(&walk->sample, 0, sizeof walk->sample);
    walk->int32s.count = 0;
}

static void finish_sample(request_walk *walk, int32_t stack_index, int32_t link_index)
{
    decoded_sample *sample = &walk->sample;
    sample->stack_index = stack_index;
    sample->link_index = link_index;
    sample->attribute_indices = walk->int32s.items;
    sample->attribute_count = walk->int32s.count;
}

/* Decodes a Sample with nanopb: whatever the fast reader does not take.
 * The message of a failure is nanopb's, as when nanopb read every sample. */
static bool decode_sample_nanopb(request_walk *walk, byte_slice raw)
{
    start_sample(walk);
    walk->bounds = raw;
    sample_message message = {
        .attribute_indices = {.funcs.decode = decode_collect_int32, .arg = walk},
        .values = {.funcs.decode = read_value, .arg = walk},
        .timestamps_unix_nano = {.funcs.decode = read_timestamp, .arg = walk},
    };
    pb_istream_t stream = pb_istream_from_buffer(raw.data, raw.size);
    if (!pb_decode_ex(&stream, opentelemetry_proto_profiles_v1development_Sample_fields, &message,
                      PB_DECODE_NOINIT)) {
        if (walk->detail == NULL)
            walk->detail = wire_error(&stream, raw.data);
        return false;
    }
    finish_sample(walk, message.stack_index, message.link_index);
    return true;
}

/* Appends the varints of a packed field (or of one unpacked value) to the
 * attribute indices; false on anything nanopb would read otherwise. */
bool decode_read_indices(request_walk *walk, wire_cursor *packed)
{
    while (!wire_at_end(packed)) {
        uint64_t raw;
        int32_t *slot;
        if (!wire_read_varint(packed, &raw) ||
            (slot = vector_push(walk->arena, &walk->int32s, sizeof(int32_t))) == NULL)
            return false;
        *slot = (int32_t)raw;
    }
    return true;
}

static bool read_values(decoded_sample *sample, wire_cursor *packed)
{
    while (!wire_at_end(packed)) {
        uint64_t raw;
        if (!wire_read_varint(packed, &raw))
            return false;
        sample_add_value(sample, raw);
    }
    return true;
}

static bool read_timestamps(decoded_sample *sample, wire_cursor *packed)
{
    while (!wire_at_end(packed)) {
        uint64_t timestamp;
        if (!wire_read_fixed64(packed, &timestamp))
            return false;
        sample_add_timestamp(sample, timestamp);
    }
    return true;
}

/* One field of a Sample in its usual encoding: a one-byte tag, a varint or
 * fixed64 scalar, or a packed run that ends exactly at its span's end. */
static bool read_sample_field(request_walk *walk, wire_cursor *cursor, int32_t *stack_index,
                              int32_t *link_index)
{
    decoded_sample *sample = &walk->sample;
    uint8_t tag = *cursor->at++;
    uint64_t raw;
    wire_cursor span = *cursor;
    switch (tag) {
    case 1 << 3 | WIRE_VARINT:
        if (!wire_read_varint(cursor, &raw))
            return false;
        *stack_index = (int32_t)raw;
        return true;
    case 3 << 3 | WIRE_VARINT:
        if (!wire_read_varint(cursor, &raw))
            return false;
        *link_index = (int32_t)raw;
        return true;
    case 2 << 3 | WIRE_LEN:
        return wire_read_span(cursor, &span) && decode_read_indices(walk, &span);
    case 4 << 3 | WIRE_LEN:
        return wire_read_span(cursor, &span) && read_values(sample, &span);
    case 5 << 3 | WIRE_LEN:
        return wire_read_span(cursor, &span) && read_timestamps(sample, &span);
    case 4 << 3 | WIRE_VARINT:
        if (!wire_read_varint(cursor, &raw))
            return false;
        sample_add_value(sample, raw);
        return true;
    case 5 << 3 | WIRE_I64:
        if (!wire_read_fixed64(cursor, &raw))
            return false;
        sample_add_timestamp(sample, raw);
        return true;
    default:
        return false;
    }
}

/* Reads a Sample without nanopb when every field is in its usual encoding
 * (see wire_read.h); false when one is not (nothing is reported: the caller
 * lets nanopb read the same bytes). */
static bool read_sample_fast(request_walk *walk, byte_slice raw)
{
    start_sample(walk);
    wire_cursor cursor = wire_cursor_of(raw.data, raw.size);
    int32_t stack_index = 0, link_index = 0;
    while (!wire_at_end(&cursor)) {
        if (!read_sample_field(walk, &cursor, &stack_index, &link_index))
            return false;
    }
    finish_sample(walk, stack_index, link_index);
    return true;
}

bool decode_read_sample(request_walk *walk, byte_slice raw)
{
    if (!read_sample_fast(walk, raw) && !decode_sample_nanopb(walk, raw))
        return walk->arena->failed ? status_out_of_memory(walk->status) : false;
    if (!walk->handler->sample(walk->handler->context, &walk->sample))
        return status_out_of_memory(walk->status);
    return true;
}
