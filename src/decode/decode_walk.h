/*
 * decode_walk.h: the state of a request walk, shared by the files of the
 * protobuf decoder (private to src/decode/): decode.c walks the request,
 * resources, scopes and profiles; decode_samples.c reads the samples and
 * streams them to the handler. Both read with the one wire reader
 * (wire_read.h), each message once; a fault is recorded here with the
 * message it was met in. Calls run one way: decode → decode_samples.
 */
#ifndef PTM_DECODE_WALK_H
#define PTM_DECODE_WALK_H

#include "decode/decode.h"
#include "wire/wire_read.h"

/* The state of one request walk. */
typedef struct request_walk {
    arena *arena;
    string_interner *interner;
    const decode_handler *handler;
    profile_dictionary *dictionary; /* in the arena: the pipeline keeps it */
    arena_vector dictionary_parts; /* byte_slice: each occurrence of the field */
    arena_vector slices;        /* byte_slice: the children being collected */
    arena_vector int32s;        /* int32_t: a packed field being collected */
    decoded_sample sample;      /* the sample being streamed */
    ptm_status *status;         /* the call's: limits and the handler's failures */
    const char *where;          /* the message being decoded, for errors */
    const char *detail;         /* why it is malformed (the first fault met), or NULL */
    char detail_text[64];       /* detail, when it is formatted */
} request_walk;

/* Records a fault of the message walk->where (the first one only: what
 * fails after it only unwinds); false. */
static inline bool decode_fault(request_walk *walk, wire_fault fault)
{
    if (walk->detail == NULL)
        walk->detail = wire_fault_text(fault);
    return false;
}

/* Records a malformed message with its own words; false. */
static inline bool decode_malformed(request_walk *walk, const char *what)
{
    if (walk->detail == NULL)
        walk->detail = what;
    return false;
}

/* The next tag of a message; false (recorded) when it is not a valid one. */
static inline bool decode_tag(request_walk *walk, wire_cursor *cursor, uint32_t *field, uint32_t *wire_type)
{
    wire_fault fault = wire_take_tag(cursor, field, wire_type);
    return fault == WIRE_OK || decode_fault(walk, fault);
}

/* Skips a field the decoder does not read; false (recorded, naming the
 * field) when its value is not a valid one. */
static inline bool decode_skip(request_walk *walk, wire_cursor *cursor, uint32_t field, uint32_t wire_type)
{
    wire_fault fault = wire_skip_value(cursor, wire_type);
    if (fault == WIRE_OK)
        return true;
    if (walk->detail == NULL) {
        wire_skip_fault_text(walk->detail_text, sizeof walk->detail_text, field, wire_type, fault);
        walk->detail = walk->detail_text;
    }
    return false;
}

/* Records fault unless it is WIRE_OK; whether it was. */
static inline bool decode_ok(request_walk *walk, wire_fault fault)
{
    return fault == WIRE_OK || decode_fault(walk, fault);
}

/* Appends the varints of a run (wire_take_run) to walk->int32s: the
 * attribute indices of a sample or a profile; false (recorded) on a fault
 * or when memory runs out. */
bool decode_read_indices(request_walk *walk, wire_cursor *run);

/* Reads one Sample (raw: its bytes) and hands it to the handler; false on
 * malformed bytes (walk->detail says why), or recorded in walk->status
 * (memory, the handler). */
bool decode_read_sample(request_walk *walk, byte_slice raw);

#endif /* PTM_DECODE_WALK_H */
