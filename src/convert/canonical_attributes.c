/*
 * canonical_attributes.c: the canonical form of a resource's attributes,
 * which identifies the resource and which the encoders write as they are.
 *
 * otlp_canonical_attributes runs once per input resource, not per point:
 * it re-encodes AnyValues with every reference-based key and string
 * resolved against the request's dictionary, and each invalid UTF-8 byte
 * replaced with U+FFFD (the wire format requires UTF-8), back to front
 * with the wire writer (wire/wire_write.h), as the metrics encoder writes.
 */
#include "convert/pipeline.h"
#include "wire/any_value.h"
#include "wire/wire_write.h"

#include <string.h>

typedef struct canonical_writer {
    wire_writer w;
    const profile_dictionary *dictionary; /* where strindex members resolve */
} canonical_writer;

static void put_key_value(canonical_writer *cw, byte_slice key, byte_slice raw_value, int depth);

/* Collects the elements of an ArrayValue or KeyValueList. */
static bool collect_element(byte_slice element, void *context)
{
    canonical_writer *cw = ((void **)context)[0];
    arena_vector *elements = ((void **)context)[1];
    byte_slice *slot = vector_push(cw->w.arena, elements, sizeof(byte_slice));
    if (slot == NULL)
        return false;
    *slot = element;
    return true;
}

static void put_any_value(canonical_writer *cw, byte_slice raw, int depth);

/* The elements of a list, last first (a malformed pair of a key-value list
 * is left out; the elements before a malformed one are kept). */
static void put_list(canonical_writer *cw, byte_slice list, bool is_kvlist, int depth)
{
    arena_vector elements = {0}; /* byte_slice */
    void *context[2] = {cw, &elements};
    any_value_each(list, collect_element, context);
    const byte_slice *items = elements.items;
    for (uint32_t i = elements.count; i-- > 0;) {
        size_t mark = wire_written(&cw->w);
        if (!is_kvlist) {
            put_any_value(cw, items[i], depth);
        } else {
            key_value_ref pair;
            if (!key_value_decode(items[i], &pair))
                continue;
            if (pair.key.size == 0)
                pair.key = dictionary_string(cw->dictionary, pair.key_strindex);
            put_key_value(cw, pair.key, pair.value, depth);
        }
        wire_close_field(&cw->w, WIRE_TAG_ELEMENT, mark);
    }
}

/* An AnyValue's body with every strindex resolved and text made valid
 * UTF-8; nothing (an empty AnyValue) when raw is malformed or nested past
 * ANY_VALUE_MAX_DEPTH. */
static void put_any_value(canonical_writer *cw, byte_slice raw, int depth)
{
    any_value value;
    if (depth > ANY_VALUE_MAX_DEPTH || !any_value_decode(raw, &value))
        return;
    size_t mark = wire_written(&cw->w);
    uint64_t bits;
    switch (value.kind) {
    case ANY_STRING:
        wire_put_text_field(&cw->w, WIRE_TAG_STRING_VALUE, value.bytes);
        return;
    case ANY_STRINDEX:
        wire_put_text_field(&cw->w, WIRE_TAG_STRING_VALUE, dictionary_string(cw->dictionary, value.strindex));
        return;
    case ANY_BYTES:
        wire_put_bytes(&cw->w, value.bytes.data, value.bytes.size);
        wire_close_field(&cw->w, WIRE_TAG_BYTES_VALUE, mark);
        return;
    case ANY_BOOL:
        wire_put_varint_field(&cw->w, WIRE_TAG_BOOL_VALUE, value.boolean);
        return;
    case ANY_INT:
        wire_put_varint_field(&cw->w, WIRE_TAG_INT_VALUE, (uint64_t)value.integer);
        return;
    case ANY_DOUBLE:
        memcpy(&bits, &value.number, sizeof bits);
        wire_put_fixed64_field(&cw->w, WIRE_TAG_DOUBLE_VALUE, bits);
        return;
    case ANY_ARRAY:
    case ANY_KVLIST:
        put_list(cw, value.bytes, value.kind == ANY_KVLIST, depth + 1);
        wire_close_field(&cw->w, value.kind == ANY_KVLIST ? WIRE_TAG_KVLIST_VALUE : WIRE_TAG_ARRAY_VALUE, mark);
        return;
    case ANY_EMPTY:
        return;
    }
}

/* A KeyValue's body: its key (left out when empty, as proto3 does), then
 * its value, always present. */
static void put_key_value(canonical_writer *cw, byte_slice key, byte_slice raw_value, int depth)
{
    size_t mark = wire_written(&cw->w);
    put_any_value(cw, raw_value, depth);
    wire_close_field(&cw->w, WIRE_TAG_VALUE, mark);
    if (key.size > 0)
        wire_put_text_field(&cw->w, WIRE_TAG_KEY, key);
}

bool otlp_canonical_attributes(const profile_dictionary *dictionary, const key_value_ref *attributes,
                               uint32_t count, arena *a, byte_slice *out)
{
    size_t expected = 64;
    for (uint32_t i = 0; i < count; i++)
        expected += attributes[i].key.size + attributes[i].value.size + 16;
    canonical_writer cw = {wire_writer_start(a, SIZE_MAX / 8, expected), dictionary};
    for (uint32_t i = count; i-- > 0 && cw.w.ok;) {
        size_t mark = wire_written(&cw.w);
        put_key_value(&cw, attributes[i].key, attributes[i].value, 0);
        wire_close_field(&cw.w, WIRE_TAG_ELEMENT, mark);
    }
    *out = wire_finished(&cw.w);
    return cw.w.ok;
}
