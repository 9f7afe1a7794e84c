/*
 * wire_read.h: hand-written protobuf reading for the hot paths (the Sample
 * stream, the dictionary's stack table), where nanopb's generic walk and its
 * callbacks cost more than the work itself.
 *
 * Design: a cursor over [at, end). Every read checks its bounds and reads a
 * varint by nanopb's rule (at most ten bytes, the tenth 0 or 1), so what a
 * fast reader accepts nanopb accepts with the same values. A read that fails
 * returns false and leaves the cursor where it was: a fast reader then hands
 * the same bytes to nanopb, which either accepts them (an encoding the fast
 * reader does not take, such as a non-minimal tag) or names the fault. So
 * the fast paths change no outcome and no message; they only skip work.
 */
#ifndef PTM_WIRE_READ_H
#define PTM_WIRE_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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
 * nanopb's pb_decode_varint requires). */
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

/* Skips a varint of any length, as nanopb's pb_skip_varint does. */
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

/* Skips one field's payload of this wire type, accepting what nanopb's
 * pb_skip_field accepts (groups are refused, as nanopb refuses them). */
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

/* Reads a tag nanopb reads the same: below 2^32, field number not 0. */
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

/* Reads the value of a singular int32 field sent as a varint (wire_type:
 * its tag's), truncated to 32 bits as nanopb does. */
static inline bool wire_read_int32(wire_cursor *cursor, uint32_t wire_type, int32_t *out)
{
    uint64_t raw;
    if (wire_type != WIRE_VARINT || !wire_read_varint(cursor, &raw))
        return false;
    *out = (int32_t)raw;
    return true;
}

/* The span of a repeated varint field's value: a packed run, or one varint. */
static inline bool wire_varint_run(wire_cursor *cursor, uint32_t wire_type, wire_cursor *run)
{
    uint64_t ignored;
    if (wire_type == WIRE_LEN)
        return wire_read_span(cursor, run);
    run->at = cursor->at;
    if (wire_type != WIRE_VARINT || !wire_read_varint(cursor, &ignored))
        return false;
    run->end = cursor->at;
    return true;
}

#endif /* PTM_WIRE_READ_H */
