/*
 * wire_write.h: the one protobuf writer, the reader's twin (wire_read.h).
 *
 * A message is written back to front, as upb's encoder does: its fields
 * last to first, and each length-delimited field's body before its length
 * and tag, so that every length is known when it is written. Nothing is
 * sized in a pass of its own and no level copies the one below. The
 * writer's region grows toward the front (what it holds moves to the end of
 * a region twice as large); wire_finished() is what was written, in place.
 * The metrics encoder (encode/encode_otlp.c) and the canonical attributes
 * (convert/canonical_attributes.c) write this way.
 *
 * The JSON transcoder (input/json_input.c) walks its input front to back
 * and appends instead (the wire_append_* functions below, on a byte_buffer):
 * the same varints, tags and fixed64s, encoded here once.
 *
 * Tags given to the back-to-front writer are one byte: fields 1 to 15, all
 * that the messages it writes use.
 */
#ifndef PTM_WIRE_WRITE_H
#define PTM_WIRE_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"

/* The tags of common.proto's attribute messages, which the metrics
 * encoder and the canonical attributes both write (number << 3 | wire
 * type, one byte each). */
enum {
    WIRE_TAG_ELEMENT = 0x0a,      /* ArrayValue.values = KeyValueList.values = Resource.attributes = 1 */
    WIRE_TAG_KEY = 0x0a,          /* KeyValue.key = 1 */
    WIRE_TAG_VALUE = 0x12,        /* KeyValue.value = 2 */
    WIRE_TAG_STRING_VALUE = 0x0a, /* AnyValue.string_value = 1 */
    WIRE_TAG_BOOL_VALUE = 0x10,   /* AnyValue.bool_value = 2, varint */
    WIRE_TAG_INT_VALUE = 0x18,    /* AnyValue.int_value = 3, varint */
    WIRE_TAG_DOUBLE_VALUE = 0x21, /* AnyValue.double_value = 4, fixed64 */
    WIRE_TAG_ARRAY_VALUE = 0x2a,  /* AnyValue.array_value = 5 */
    WIRE_TAG_KVLIST_VALUE = 0x32, /* AnyValue.kvlist_value = 6 */
    WIRE_TAG_BYTES_VALUE = 0x3a,  /* AnyValue.bytes_value = 7 */
};

/* What is written is [cursor, end) of the region [start, end). Lengths are
 * taken as distances from the end, which growing keeps. */
typedef struct wire_writer {
    arena *arena;
    uint8_t *start, *cursor, *end;
    size_t limit;              /* what may be written */
    bool ok;                   /* false once memory ran out or limit was passed */
    bool over_limit;           /* limit was passed */
} wire_writer;

/* A writer of at most limit bytes, its first region of about expected
 * bytes (growing is rare when it is right); check ok before using it. */
wire_writer wire_writer_start(arena *a, size_t limit, size_t expected);

/* Makes room for size more bytes in front of what is written, moving it
 * to the end of a larger region; false (ok cleared) when memory ran out or
 * limit would be passed. Out of line: wire_room(), which every put inlines,
 * stays small (inlined, this added 11 KB to the wasm reactor). */
bool wire_writer_grow(wire_writer *w, size_t size);

static inline size_t wire_written(const wire_writer *w)
{
    return (size_t)(w->end - w->cursor);
}

/* What was written (valid while the writer's arena lives). */
static inline byte_slice wire_finished(const wire_writer *w)
{
    return (byte_slice){w->cursor, wire_written(w)};
}

/* Room for size bytes in front of what is written (the cursor moves
 * there), or NULL when memory ran out. */
static inline uint8_t *wire_room(wire_writer *w, size_t size)
{
    if ((size_t)(w->cursor - w->start) < size && !wire_writer_grow(w, size))
        return NULL;
    w->cursor -= size;
    return w->cursor;
}

static inline void wire_put_bytes(wire_writer *w, const void *data, size_t size)
{
    uint8_t *at = wire_room(w, size);
    if (at != NULL && size > 0)
        memcpy(at, data, size);
}

/* The number of bytes of value as a varint (1 to 10). */
static inline size_t wire_varint_size(uint64_t value)
{
    size_t size = 1;
    for (uint64_t rest = value >> 7; rest != 0; rest >>= 7)
        size++;
    return size;
}

/* Writes value as a varint of exactly size bytes (wire_varint_size) at at. */
static inline void wire_encode_varint(uint8_t *at, uint64_t value, size_t size)
{
    for (size_t i = 0; i + 1 < size; i++, value >>= 7)
        at[i] = (uint8_t)(value | 0x80);
    at[size - 1] = (uint8_t)value;
}

static inline void wire_put_varint(wire_writer *w, uint64_t value)
{
    size_t size = wire_varint_size(value);
    uint8_t *at = wire_room(w, size);
    if (at != NULL)
        wire_encode_varint(at, value, size);
}

/* A varint field: tag, value. */
static inline void wire_put_varint_field(wire_writer *w, uint8_t tag, uint64_t value)
{
    wire_put_varint(w, value);
    wire_put_bytes(w, &tag, 1);
}

/* A fixed64 field: tag, value little-endian. */
static inline void wire_put_fixed64_field(wire_writer *w, uint8_t tag, uint64_t value)
{
    uint8_t *at = wire_room(w, 9);
    if (at == NULL)
        return;
    at[0] = tag;
    for (int i = 1; i <= 8; i++, value >>= 8)
        at[i] = (uint8_t)value;
}

/* Ends a length-delimited field whose body is what was written since mark
 * (a wire_written() value): its length, then its tag. */
static inline void wire_close_field(wire_writer *w, uint8_t tag, size_t mark)
{
    wire_put_varint(w, wire_written(w) - mark);
    wire_put_bytes(w, &tag, 1);
}

/* text as valid UTF-8 (the wire format requires it): scanned once when it
 * is valid, else scanned again to write each invalid byte as U+FFFD. */
void wire_put_text(wire_writer *w, byte_slice text);

/* A string field, written even when empty. */
static inline void wire_put_text_field(wire_writer *w, uint8_t tag, byte_slice text)
{
    size_t mark = wire_written(w);
    wire_put_text(w, text);
    wire_close_field(w, tag, mark);
}

/* ---- appending, front to back ---- */

/* Each appends to out; false when memory ran out or out's limit was passed. */
bool wire_append_varint(byte_buffer *out, uint64_t value);
bool wire_append_fixed64(byte_buffer *out, uint64_t value);
bool wire_append_tag(byte_buffer *out, uint32_t field, uint32_t wire_type);
/* A length-delimited field: tag, length, data. */
bool wire_append_span_field(byte_buffer *out, uint32_t field, const void *data, size_t size);

#endif /* PTM_WIRE_WRITE_H */
