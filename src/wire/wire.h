/*
 * wire.h: helpers shared by the stages that read protobuf with nanopb.
 *
 * The input is always read from a buffer stream (pb_istream_from_buffer), so
 * inside a length-delimited field's callback stream->state points at the
 * field's bytes in the input: strings and sub-messages are captured as slices
 * of the input instead of being copied (as upb does).
 */
#ifndef PTM_WIRE_H
#define PTM_WIRE_H

#include <pb_decode.h>
#include <pb_encode.h>

#include "base/arena.h"

/*
 * Captures the rest of a length-delimited field's substream as a slice.
 * bounds is the message being decoded: a field sent with a scalar wire type
 * reaches a callback as a copy on nanopb's stack, outside bounds, and is
 * refused (a wrong wire type), so a slice never points anywhere but the input.
 */
static inline bool wire_capture(pb_istream_t *stream, byte_slice bounds, byte_slice *out)
{
    const uint8_t *data = (const uint8_t *)stream->state;
    const uint8_t *end = bounds.data + bounds.size;
    if (data < bounds.data || data > end || stream->bytes_left > (size_t)(end - data)) {
        PB_RETURN_ERROR(stream, "wrong wire type");
    }
    out->data = data;
    out->size = stream->bytes_left;
    return pb_read(stream, NULL, stream->bytes_left);
}

/* Whether the stream reads from inside bounds. A length-delimited field's
 * substream does; a field sent with a scalar wire type reaches a callback as
 * a copy on nanopb's stack, outside them. */
static inline bool wire_in_bounds(const pb_istream_t *stream, byte_slice bounds)
{
    const uint8_t *data = (const uint8_t *)stream->state;
    return data >= bounds.data && data <= bounds.data + bounds.size;
}

/* For a callback of a message field: it must be length-delimited. */
static inline bool wire_expect_message(pb_istream_t *stream, byte_slice bounds)
{
    if (!wire_in_bounds(stream, bounds))
        PB_RETURN_ERROR(stream, "wrong wire type");
    return true;
}

/* After reading one value of a repeated scalar field: a packed run (inside
 * bounds) may go on, but a lone scalar must have been read whole, or it came
 * with another wire type (a fixed64 read as a varint, ...). */
static inline bool wire_scalar_done(pb_istream_t *stream, byte_slice bounds)
{
    if (!wire_in_bounds(stream, bounds) && stream->bytes_left != 0)
        PB_RETURN_ERROR(stream, "wrong wire type");
    return true;
}

/* The same for a singular scalar: it cannot be packed. */
static inline bool wire_single_scalar_done(pb_istream_t *stream, byte_slice bounds)
{
    if (wire_in_bounds(stream, bounds) || stream->bytes_left != 0)
        PB_RETURN_ERROR(stream, "wrong wire type");
    return true;
}

/*
 * The message of a failed decode of the bytes from start whose message nanopb
 * dropped: that of a callback reading a scalar field from nanopb's stack copy
 * of its raw value, which ends where the stream stopped. That callback fails
 * on a varint of ten bytes whose tenth holds bits past 64 (pb_decode_varint's
 * "varint overflow": the copy of a varint is whole, at most ten bytes), or on
 * a field of the wrong wire type. Ten bytes before the stop, nine with the
 * continuation bit and a tenth above 1, are that varint: a tag ends each
 * field's bytes with a byte below 0x80, so a fixed field's copy, a varint
 * that was read, or a length-delimited field never ends so.
 */
static inline const char *wire_dropped_error(const uint8_t *start, const pb_istream_t *stream)
{
    const uint8_t *stop = (const uint8_t *)stream->state;
    if (start != NULL && stop != NULL && stop - start >= 10) {
        const uint8_t *varint = stop - 10;
        bool continued = true;
        for (int i = 0; i < 9; i++)
            continued = continued && varint[i] >= 0x80;
        if (continued && varint[9] > 1 && varint[9] < 0x80)
            return "varint overflow";
    }
    return "wrong wire type";
}

/* Decodes a sub-message from a callback's substream, with the message of a
 * failure nanopb dropped (wire_dropped_error). */
static inline bool wire_decode_message(pb_istream_t *stream, const pb_msgdesc_t *fields,
                                       void *message)
{
    const uint8_t *start = (const uint8_t *)stream->state;
    if (pb_decode_ex(stream, fields, message, PB_DECODE_NOINIT))
        return true;
    PB_SET_ERROR(stream, wire_dropped_error(start, stream));
    return false;
}

/* A callback argument: where to store a captured slice, and its bounds. */
typedef struct wire_slice_target {
    byte_slice *slice;
    byte_slice bounds;
} wire_slice_target;

/* A nanopb decode callback storing the field as a slice (arg: target). */
static inline bool wire_capture_callback(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
    (void)field;
    const wire_slice_target *target = *arg;
    return wire_capture(stream, target->bounds, target->slice);
}

/* Decodes a whole slice as message `fields` into `message`. */
static inline bool wire_decode(byte_slice bytes, const pb_msgdesc_t *fields, void *message)
{
    pb_istream_t stream = pb_istream_from_buffer(bytes.data, bytes.size);
    return pb_decode_ex(&stream, fields, message, PB_DECODE_NOINIT);
}

/* nanopb's message for a failed decode of the bytes from start, or the one
 * it dropped (wire_dropped_error). */
static inline const char *wire_error(const pb_istream_t *stream, const uint8_t *start)
{
    return stream->errmsg != NULL ? stream->errmsg : wire_dropped_error(start, stream);
}

#endif /* PTM_WIRE_H */
