/*
 * wire_read.h: the one protobuf reader. Every message of the input, OTLP
 * and pprof, is read with these primitives, each once: there is no second
 * reader to fall back on (issue 29).
 *
 * Design: a cursor over [at, end). Every read checks its bounds; a read
 * that fails returns false and leaves the cursor where it was, and the
 * matching *_fault() function then says why (wire_fault, whose texts are
 * wire_fault.c's one table). The wire_take_* readers of a field check its
 * wire type against the field's type first and return the fault itself.
 * What is accepted is what nanopb, the reader before this one, accepted: a
 * varint read for its value is at most ten bytes (the tenth 0 or 1), a
 * skipped one any length; a tag below 2^32 with a field number above 0; a
 * known field only with its type's wire type (a repeated varint packed or
 * not); groups (wire types 3 and 4) refused.
 */
#ifndef PTM_WIRE_READ_H
#define PTM_WIRE_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Why a read failed. Its text (wire_fault_text) ends the decoder's message. */
typedef enum wire_fault {
    WIRE_OK = 0,
    WIRE_TRUNCATED,       /* a value, or a length's content, runs past the end of its message */
    WIRE_VARINT_OVERFLOW, /* a varint of more than ten bytes or past 64 bits, or a tag past 32 */
    WIRE_WRONG_TYPE,      /* a known field sent with a wire type other than its type's */
    WIRE_INVALID_TYPE,    /* an unknown field of wire type 3, 4 (groups), 6 or 7 */
    WIRE_ZERO_FIELD,      /* a tag with field number 0 */
} wire_fault;

/* The fault's text, e.g. "wrong wire type" (wire_fault.c). */
const char *wire_fault_text(wire_fault fault);

/* Writes the text of a fault met skipping a field the reader does not know
 * into buffer ("field 20: invalid wire type 7", "field 30: truncated"). */
void wire_skip_fault_text(char *buffer, size_t size, uint32_t field, uint32_t wire_type, wire_fault fault);

typedef struct wire_cursor {
    const uint8_t *at;  /* next byte to read; invariant: at <= end */
    const uint8_t *end;
} wire_cursor;

/* Wire types. */
enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

/* data may be NULL when size is 0 (an empty input held nowhere). */
static inline wire_cursor wire_cursor_of(const uint8_t *data, size_t size)
{
    return (wire_cursor){data, size > 0 ? data + size : data};
}

static inline bool wire_at_end(const wire_cursor *cursor)
{
    return cursor->at == cursor->end;
}

/* Reads a varint of up to ten bytes (the tenth may only be 0 or 1, as
 * nanopb's pb_decode_varint required). */
static inline bool wire_read_varint(wire_cursor *cursor, uint64_t *out)
{
    const uint8_t *p = cursor->at;
    if (p < cursor->end && *p < 0x80) {
        *out = *p;
        cursor->at = p + 1;
        return true;
    }
    if (cursor->end - p >= 2 && p[1] < 0x80) { /* indices into tables of up to 16,384 */
        *out = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
        cursor->at = p + 2;
        return true;
    }
    uint64_t value = 0;
    for (unsigned shift = 0; shift < 63; shift += 7) {
        if (p == cursor->end)
            return false;
        uint8_t byte = *p++;
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (byte < 0x80) {
            *out = value;
            cursor->at = p;
            return true;
        }
    }
    if (p == cursor->end || (*p & 0xfe) != 0)
        return false;
    *out = value | (uint64_t)*p << 63;
    cursor->at = p + 1;
    return true;
}

/* Reads a length prefix and the span it announces, which must fit. */
static inline bool wire_read_span(wire_cursor *cursor, wire_cursor *span)
{
    wire_cursor at = *cursor;
    uint64_t length;
    if (!wire_read_varint(&at, &length) || length > (uint64_t)(at.end - at.at))
        return false;
    *span = (wire_cursor){at.at, at.at + length};
    cursor->at = span->end;
    return true;
}

/* Reads a little-endian fixed64. */
static inline bool wire_read_fixed64(wire_cursor *cursor, uint64_t *out)
{
    if (cursor->end - cursor->at < 8)
        return false;
    uint64_t value;
    memcpy(&value, cursor->at, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap64(value);
#endif
    *out = value;
    cursor->at += 8;
    return true;
}

/* Skips a varint of any length, as nanopb's pb_skip_varint did. */
static inline bool wire_skip_varint(wire_cursor *cursor)
{
    for (const uint8_t *p = cursor->at; p < cursor->end; p++) {
        if (*p < 0x80) {
            cursor->at = p + 1;
            return true;
        }
    }
    return false;
}

/* Skips one field's payload of this wire type (groups are refused). */
static inline bool wire_skip(wire_cursor *cursor, uint32_t wire_type)
{
    uint64_t ignored;
    wire_cursor span;
    switch (wire_type) {
    case WIRE_VARINT:
        return wire_skip_varint(cursor);
    case WIRE_I64:
        return wire_read_fixed64(cursor, &ignored);
    case WIRE_LEN:
        return wire_read_span(cursor, &span);
    case WIRE_I32:
        if (cursor->end - cursor->at < 4)
            return false;
        cursor->at += 4;
        return true;
    default:
        return false;
    }
}

/* Reads a tag: below 2^32, field number not 0. */
static inline bool wire_read_tag(wire_cursor *cursor, uint32_t *field, uint32_t *wire_type)
{
    wire_cursor at = *cursor;
    uint64_t tag;
    if (!wire_read_varint(&at, &tag) || tag > UINT32_MAX || (tag >> 3) == 0)
        return false;
    *field = (uint32_t)(tag >> 3);
    *wire_type = (uint32_t)(tag & 7);
    *cursor = at;
    return true;
}

/* ---- why a read failed ---- */

/* Why wire_read_varint failed at cursor: the end came first, or the
 * varint is longer than ten bytes or holds bits past 64. */
static inline wire_fault wire_varint_fault(const wire_cursor *cursor)
{
    const uint8_t *p = cursor->at;
    for (int i = 0; i < 10; i++, p++) {
        if (p == cursor->end)
            return WIRE_TRUNCATED;
        if (*p < 0x80)
            break;
    }
    return WIRE_VARINT_OVERFLOW;
}

/* Why wire_read_tag failed at cursor. */
static inline wire_fault wire_tag_fault(const wire_cursor *cursor)
{
    wire_cursor at = *cursor;
    uint64_t tag;
    if (!wire_read_varint(&at, &tag))
        return wire_varint_fault(cursor);
    return tag > UINT32_MAX ? WIRE_VARINT_OVERFLOW : WIRE_ZERO_FIELD;
}

/* Why wire_read_span failed at cursor: its length, or its content. */
static inline wire_fault wire_span_fault(const wire_cursor *cursor)
{
    wire_cursor at = *cursor;
    uint64_t length;
    return wire_read_varint(&at, &length) ? WIRE_TRUNCATED : wire_varint_fault(cursor);
}

/* Why wire_skip failed at cursor for this wire type. */
static inline wire_fault wire_skip_fault(const wire_cursor *cursor, uint32_t wire_type)
{
    switch (wire_type) {
    case WIRE_LEN:
        return wire_span_fault(cursor);
    case WIRE_VARINT: case WIRE_I64: case WIRE_I32:
        return WIRE_TRUNCATED;
    default:
        return WIRE_INVALID_TYPE;
    }
}

/* ---- fields: the wire type checked, the fault returned ---- */

/* The next tag of a message (the cursor not at its end). */
static inline wire_fault wire_take_tag(wire_cursor *cursor, uint32_t *field, uint32_t *wire_type)
{
    return wire_read_tag(cursor, field, wire_type) ? WIRE_OK : wire_tag_fault(cursor);
}

/* Skips the value of a field the reader does not know. */
static inline wire_fault wire_skip_value(wire_cursor *cursor, uint32_t wire_type)
{
    return wire_skip(cursor, wire_type) ? WIRE_OK : wire_skip_fault(cursor, wire_type);
}

/* The value of a singular varint field (any integer type but fixed and sint). */
static inline wire_fault wire_take_varint(wire_cursor *cursor, uint32_t wire_type, uint64_t *out)
{
    if (wire_type != WIRE_VARINT)
        return WIRE_WRONG_TYPE;
    return wire_read_varint(cursor, out) ? WIRE_OK : wire_varint_fault(cursor);
}

/* The value of a singular int32 field, truncated to 32 bits (as protobuf's
 * parsers do with an int32 sent as a 64-bit varint). */
static inline wire_fault wire_take_int32(wire_cursor *cursor, uint32_t wire_type, int32_t *out)
{
    uint64_t raw;
    wire_fault fault = wire_take_varint(cursor, wire_type, &raw);
    if (fault == WIRE_OK)
        *out = (int32_t)raw;
    return fault;
}

/* The value of a singular fixed64 or double field. */
static inline wire_fault wire_take_fixed64(wire_cursor *cursor, uint32_t wire_type, uint64_t *out)
{
    if (wire_type != WIRE_I64)
        return WIRE_WRONG_TYPE;
    return wire_read_fixed64(cursor, out) ? WIRE_OK : WIRE_TRUNCATED;
}

/* The content of a length-delimited field (a string, bytes, a message, or
 * a packed run). */
static inline wire_fault wire_take_span(wire_cursor *cursor, uint32_t wire_type, wire_cursor *span)
{
    if (wire_type != WIRE_LEN)
        return WIRE_WRONG_TYPE;
    return wire_read_span(cursor, span) ? WIRE_OK : wire_span_fault(cursor);
}

/* The values of a repeated varint field: a packed run, or one varint.
 * Each is then read with wire_next_varint. */
static inline wire_fault wire_take_run(wire_cursor *cursor, uint32_t wire_type, wire_cursor *run)
{
    if (wire_type == WIRE_LEN)
        return wire_take_span(cursor, wire_type, run);
    wire_cursor at = *cursor;
    uint64_t ignored;
    wire_fault fault = wire_take_varint(&at, wire_type, &ignored);
    if (fault == WIRE_OK) {
        *run = (wire_cursor){cursor->at, at.at};
        *cursor = at;
    }
    return fault;
}

/* The values of a repeated fixed64 field: a packed run, or one value. */
static inline wire_fault wire_take_fixed_run(wire_cursor *cursor, uint32_t wire_type, wire_cursor *run)
{
    if (wire_type == WIRE_LEN) {
        wire_fault fault = wire_take_span(cursor, wire_type, run);
        return fault == WIRE_OK && (run->end - run->at) % 8 != 0 ? WIRE_TRUNCATED : fault;
    }
    wire_cursor at = *cursor;
    uint64_t ignored;
    wire_fault fault = wire_take_fixed64(&at, wire_type, &ignored);
    if (fault == WIRE_OK) {
        *run = (wire_cursor){cursor->at, at.at};
        *cursor = at;
    }
    return fault;
}

/* The next varint of a run from wire_take_run (the run not at its end). */
static inline wire_fault wire_next_varint(wire_cursor *run, uint64_t *out)
{
    return wire_read_varint(run, out) ? WIRE_OK : wire_varint_fault(run);
}

#endif /* PTM_WIRE_READ_H */
