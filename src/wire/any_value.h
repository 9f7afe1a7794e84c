/*
 * any_value.h: OTLP AnyValue, read lazily from its wire bytes.
 *
 * Attribute values are kept as the raw bytes of their AnyValue message and
 * decoded when needed (to find a string value, or to write the attribute out).
 * Arrays and key-value lists stay raw; writers walk them with a depth limit.
 */
#ifndef PTM_ANY_VALUE_H
#define PTM_ANY_VALUE_H

#include "base/arena.h"

typedef enum any_kind {
    ANY_EMPTY = 0,  /* no member set */
    ANY_STRING,     /* bytes: the UTF-8 text */
    ANY_BOOL,
    ANY_INT,
    ANY_DOUBLE,
    ANY_ARRAY,      /* bytes: the ArrayValue message */
    ANY_KVLIST,     /* bytes: the KeyValueList message */
    ANY_BYTES,      /* bytes: the raw bytes */
    ANY_STRINDEX    /* strindex: resolve against the request's string table */
} any_kind;

typedef struct any_value {
    any_kind kind;
    byte_slice bytes;
    bool boolean;
    int64_t integer;
    double number;
    int32_t strindex;
} any_value;

/* A KeyValue with its key resolved (key or key_strindex) and its value raw. */
typedef struct key_value_ref {
    byte_slice key;
    int32_t key_strindex;  /* as read; used when key is empty */
    byte_slice value;      /* AnyValue bytes */
} key_value_ref;

/* Maximum nesting of arrays and key-value lists that writers follow. */
#define ANY_VALUE_MAX_DEPTH 16

/* Decodes AnyValue bytes; false when they are not a valid AnyValue. As in
 * protobuf, the last oneof member on the wire wins. */
bool any_value_decode(byte_slice raw, any_value *out);

/* Decodes one KeyValue message. */
bool key_value_decode(byte_slice raw, key_value_ref *out);

/*
 * Calls visit for each element of a repeated field `field_number` of the
 * message in raw (ArrayValue.values = 1 gives AnyValue bytes, KeyValueList.values
 * = 1 gives KeyValue bytes). Stops and returns false when visit does or the
 * bytes are malformed.
 */
bool any_value_each(byte_slice raw, bool (*visit)(byte_slice element, void *context),
                    void *context);

#endif /* PTM_ANY_VALUE_H */
