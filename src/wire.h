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

#include "arena.h"

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

/* Decodes a sub-message from a callback's substream. nanopb drops the
 * message of a failure inside a scalar field's callback (its stack copy):
 * such a failure is a field of the wrong wire type. */
static inline bool wire_decode_message(pb_istream_t *stream, const pb_msgdesc_t *fields,
                                       void *message)
{
    if (pb_decode_ex(stream, fields, message, PB_DECODE_NOINIT))
        return true;
    PB_SET_ERROR(stream, "wrong wire type");
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

/* nanopb's message for a failed decode. A scalar field handed to a callback
 * is decoded from a copy whose error message nanopb drops: that is a field of
 * the wrong wire type. */
static inline const char *wire_error(const pb_istream_t *stream)
{
    return stream->errmsg != NULL ? stream->errmsg : "wrong wire type";
}

#endif /* PTM_WIRE_H */
