/*
 * json_transcode.h: what the files of the OTLP/JSON transcoder share
 * (private to src/input/): the message tables (json_messages.c), the walk's
 * state and the JSON path of the value being read, and the readers of
 * values and the errors naming that path (json_values.c). json_input.c walks
 * a request with them. Calls run one way: input → values, messages.
 */
#ifndef PTM_JSON_TRANSCODE_H
#define PTM_JSON_TRANSCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "base/arena.h"
#include "base/status.h"

/* ---- the message tables ---- */

typedef enum field_kind {
    KIND_INT32,
    KIND_INT64,
    KIND_UINT32,
    KIND_UINT64,
    KIND_FIXED64,
    KIND_BOOL,
    KIND_DOUBLE,
    KIND_STRING,
    KIND_BYTES,     /* base64 in JSON */
    KIND_HEX_BYTES, /* hex in JSON: trace, span and profile ids */
    KIND_MESSAGE
} field_kind;

typedef enum field_cardinality {
    SINGULAR,
    REPEATED, /* one field per element */
    PACKED    /* scalars as one length-delimited run */
} field_cardinality;

typedef struct message_type message_type;

typedef struct field_type {
    const char *json_name;
    const char *proto_name;
    uint32_t number;
    field_kind kind;
    field_cardinality cardinality;
    const message_type *message; /* for KIND_MESSAGE */
} field_type;

struct message_type {
    const field_type *fields;
    size_t field_count;
};

#define MESSAGE_TYPE(fields) {fields, sizeof fields / sizeof fields[0]}

/* The tables of AnyValue and of the request (the top level). */
extern const message_type json_any_value_type;
extern const message_type json_request_type;

/* The field of type whose JSON or proto name is name; NULL when none. */
const field_type *json_find_field(const message_type *type, const char *name);

/* ---- the walk's state ---- */

/* One step of the JSON path to a value, linked to its parent (the stack). */
typedef struct json_path {
    const struct json_path *parent;
    const char *name; /* the member's key */
    int index;        /* the element of a list, or NO_INDEX */
} json_path;

#define NO_INDEX (-1)

/* A nesting level's scratch buffer; see the design note of json_input.c. */
typedef struct message_buffer {
    byte_buffer bytes;
    struct message_buffer *nested; /* the next level's; NULL until needed */
} message_buffer;

typedef struct transcoder {
    arena *arena;
    unsigned any_value_depth; /* AnyValues open around the current value */
    ptm_status *status;       /* the call's */
    char error[400];          /* the message being built by json_fail() */
} transcoder;

/* ---- values and errors ---- */

/* Records a failure of code at path (NULL: the top level) in the call's
 * status; returns false. */
bool json_fail_as(transcoder *t, ptm_result code, const json_path *path, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* An input error at path: what nearly every failure here is. */
#define json_fail(t, path, ...) json_fail_as((t), PTM_ERR_INPUT, (path), __VA_ARGS__)

/* The payload of a scalar field of kind (a varint or fixed64 kind). */
bool json_read_scalar(transcoder *t, const json_path *path, const cJSON *item, field_kind kind,
                      uint64_t *payload);
/* Decodes base64 (either alphabet, padding optional) or hex into out. */
bool json_decode_base64(transcoder *t, const json_path *path, const char *text, byte_buffer *out);
bool json_decode_hex(transcoder *t, const json_path *path, const char *text, byte_buffer *out);

#endif /* PTM_JSON_TRANSCODE_H */
