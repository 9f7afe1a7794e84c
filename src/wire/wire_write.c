/*
 * wire_write.c: the protobuf writer's out-of-line parts (wire_write.h): a
 * back-to-front region that grows, text made valid UTF-8, and the appending
 * primitives of the front-to-back JSON transcoder.
 */
#include "wire/wire_write.h"

#include "base/utf8.h"
#include "wire/wire_read.h" /* the wire types */

wire_writer wire_writer_start(arena *a, size_t limit, size_t expected)
{
    wire_writer w = {.arena = a, .limit = limit, .ok = true};
    wire_writer_grow(&w, expected < limit ? expected : limit);
    return w;
}

bool wire_writer_grow(wire_writer *w, size_t size)
{
    size_t used = wire_written(w), capacity = (size_t)(w->end - w->start);
    if (w->ok && size > w->limit - used)
        w->over_limit = true;
    if (!w->ok || w->over_limit || size > SIZE_MAX / 4 - used || capacity > SIZE_MAX / 4) {
        w->ok = false;
        return false;
    }
    size_t wanted = capacity * 2 > used + size ? capacity * 2 : used + size;
    if (wanted > w->limit)
        wanted = w->limit;
    uint8_t *region = arena_alloc(w->arena, wanted);
    if (region == NULL) {
        w->ok = false;
        return false;
    }
    if (used > 0)
        memcpy(region + wanted - used, w->cursor, used);
    w->start = region;
    w->end = region + wanted;
    w->cursor = w->end - used;
    return true;
}

void wire_put_text(wire_writer *w, byte_slice text)
{
    size_t valid = utf8_valid_prefix(text.data, text.size);
    if (valid == text.size) {
        wire_put_bytes(w, text.data, text.size);
        return;
    }
    uint8_t *at = wire_room(w, utf8_replaced_size(text.data, text.size, valid));
    if (at == NULL)
        return;
    memcpy(at, text.data, valid);
    at += valid;
    for (size_t i = valid; i < text.size;) {
        size_t length = utf8_sequence(text.data + i, text.size - i);
        memcpy(at, length > 0 ? text.data + i : utf8_replacement, length > 0 ? length : sizeof utf8_replacement);
        at += length > 0 ? length : sizeof utf8_replacement;
        i += length > 0 ? length : 1;
    }
}

bool wire_append_varint(byte_buffer *out, uint64_t value)
{
    uint8_t bytes[10];
    size_t size = wire_varint_size(value);
    wire_encode_varint(bytes, value, size);
    return buffer_append(out, bytes, size);
}

bool wire_append_fixed64(byte_buffer *out, uint64_t value)
{
    uint8_t bytes[8];
    for (int i = 0; i < 8; i++, value >>= 8)
        bytes[i] = (uint8_t)value;
    return buffer_append(out, bytes, sizeof bytes);
}

bool wire_append_tag(byte_buffer *out, uint32_t field, uint32_t wire_type)
{
    return wire_append_varint(out, (uint64_t)field << 3 | wire_type);
}

bool wire_append_span_field(byte_buffer *out, uint32_t field, const void *data, size_t size)
{
    return wire_append_tag(out, field, WIRE_LEN) && wire_append_varint(out, size) && buffer_append(out, data, size);
}
