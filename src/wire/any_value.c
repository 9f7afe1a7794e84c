/*
 * any_value.c: AnyValue / KeyValue / ArrayValue / KeyValueList read with the
 * wire reader (wire_read.h). Strings, bytes, arrays and key-value lists stay
 * slices of the input; a oneof member sent twice, the last one wins, as in
 * protobuf.
 */
#include "wire/any_value.h"

#include <string.h>

#include "wire/wire_read.h"

/* AnyValue's field numbers (common.proto). */
enum {
    ANY_FIELD_STRING = 1, ANY_FIELD_BOOL = 2, ANY_FIELD_INT = 3, ANY_FIELD_DOUBLE = 4,
    ANY_FIELD_ARRAY = 5, ANY_FIELD_KVLIST = 6, ANY_FIELD_BYTES = 7, ANY_FIELD_STRINDEX = 8,
};
/* KeyValue's, and ArrayValue.values = KeyValueList.values = 1. */
enum { KEY_VALUE_KEY = 1, KEY_VALUE_VALUE = 2, KEY_VALUE_KEY_STRINDEX = 3, EACH_VALUES = 1 };

static byte_slice slice_of(wire_cursor span)
{
    return (byte_slice){span.at, (size_t)(span.end - span.at)};
}

/* Reads one member of an AnyValue into *value. */
static wire_fault read_any_member(wire_cursor *cursor, uint32_t field, uint32_t wire_type, any_value *value)
{
    static const any_kind slice_kinds[] = {
        [ANY_FIELD_STRING] = ANY_STRING, [ANY_FIELD_ARRAY] = ANY_ARRAY,
        [ANY_FIELD_KVLIST] = ANY_KVLIST, [ANY_FIELD_BYTES] = ANY_BYTES,
    };
    wire_cursor span;
    uint64_t raw;
    wire_fault fault;
    switch (field) {
    case ANY_FIELD_STRING: case ANY_FIELD_ARRAY: case ANY_FIELD_KVLIST: case ANY_FIELD_BYTES:
        if ((fault = wire_take_span(cursor, wire_type, &span)) == WIRE_OK)
            *value = (any_value){.kind = slice_kinds[field], .bytes = slice_of(span)};
        return fault;
    case ANY_FIELD_BOOL:
        if ((fault = wire_take_varint(cursor, wire_type, &raw)) == WIRE_OK)
            *value = (any_value){.kind = ANY_BOOL, .boolean = raw != 0};
        return fault;
    case ANY_FIELD_INT:
        if ((fault = wire_take_varint(cursor, wire_type, &raw)) == WIRE_OK)
            *value = (any_value){.kind = ANY_INT, .integer = (int64_t)raw};
        return fault;
    case ANY_FIELD_DOUBLE:
        if ((fault = wire_take_fixed64(cursor, wire_type, &raw)) == WIRE_OK) {
            *value = (any_value){.kind = ANY_DOUBLE};
            memcpy(&value->number, &raw, sizeof raw);
        }
        return fault;
    case ANY_FIELD_STRINDEX:
        if ((fault = wire_take_varint(cursor, wire_type, &raw)) == WIRE_OK)
            *value = (any_value){.kind = ANY_STRINDEX, .strindex = (int32_t)raw};
        return fault;
    default:
        return wire_skip_value(cursor, wire_type);
    }
}

bool any_value_decode(byte_slice raw, any_value *out)
{
    *out = (any_value){0};
    wire_cursor cursor = wire_cursor_of(raw.data, raw.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field, wire_type;
        if (wire_take_tag(&cursor, &field, &wire_type) != WIRE_OK ||
            read_any_member(&cursor, field, wire_type, out) != WIRE_OK)
            return false;
    }
    return true;
}

bool key_value_decode(byte_slice raw, key_value_ref *out)
{
    *out = (key_value_ref){0};
    wire_cursor cursor = wire_cursor_of(raw.data, raw.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field, wire_type;
        wire_cursor span;
        if (wire_take_tag(&cursor, &field, &wire_type) != WIRE_OK)
            return false;
        wire_fault fault;
        switch (field) {
        case KEY_VALUE_KEY: case KEY_VALUE_VALUE:
            if ((fault = wire_take_span(&cursor, wire_type, &span)) == WIRE_OK)
                *(field == KEY_VALUE_KEY ? &out->key : &out->value) = slice_of(span);
            break;
        case KEY_VALUE_KEY_STRINDEX:
            fault = wire_take_int32(&cursor, wire_type, &out->key_strindex);
            break;
        default:
            fault = wire_skip_value(&cursor, wire_type);
        }
        if (fault != WIRE_OK)
            return false;
    }
    return true;
}

bool any_value_each(byte_slice raw, bool (*visit)(byte_slice element, void *context),
                    void *context)
{
    /* ArrayValue and KeyValueList share one shape: repeated message = 1. */
    wire_cursor cursor = wire_cursor_of(raw.data, raw.size);
    while (!wire_at_end(&cursor)) {
        uint32_t field, wire_type;
        wire_cursor element;
        if (wire_take_tag(&cursor, &field, &wire_type) != WIRE_OK)
            return false;
        if (field != EACH_VALUES) {
            if (wire_skip_value(&cursor, wire_type) != WIRE_OK)
                return false;
        } else if (wire_take_span(&cursor, wire_type, &element) != WIRE_OK ||
                   !visit(slice_of(element), context)) {
            return false;
        }
    }
    return true;
}
