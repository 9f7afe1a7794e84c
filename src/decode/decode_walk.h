/*
 * decode_walk.h: the state of a request walk, shared by the files of the
 * protobuf decoder (private to src/decode/): decode.c walks the request,
 * resources, scopes and profiles; decode_samples.c reads the samples, by
 * hand in their usual encoding and with nanopb otherwise, and streams them
 * to the handler. Calls run one way: decode → decode_samples.
 */
#ifndef PTM_DECODE_WALK_H
#define PTM_DECODE_WALK_H

#include "decode/decode.h"
#include "profiles.pb.h"
#include "resource.pb.h"
#include "wire/wire_read.h"

typedef opentelemetry_proto_profiles_v1development_ExportProfilesServiceRequest request_message;
typedef opentelemetry_proto_profiles_v1development_ResourceProfiles resource_profiles_message;
typedef opentelemetry_proto_profiles_v1development_ScopeProfiles scope_profiles_message;
typedef opentelemetry_proto_profiles_v1development_Profile profile_message;
typedef opentelemetry_proto_profiles_v1development_Sample sample_message;
typedef opentelemetry_proto_resource_v1_Resource resource_message;

/* The state of one request walk. */
typedef struct request_walk {
    arena *arena;
    string_interner *interner;
    const decode_handler *handler;
    byte_slice bounds;          /* the message being decoded at this level */
    profile_dictionary *dictionary; /* in the arena: the pipeline keeps it */
    arena_vector dictionary_parts; /* byte_slice: each occurrence of the field */
    arena_vector slices;        /* byte_slice: the children being collected */
    arena_vector int32s;        /* int32_t: a packed field being collected */
    decoded_sample sample;      /* the sample being streamed */
    uint32_t sample_count;      /* of the profile whose header is being read */
    ptm_status *status;         /* the call's: limits and the handler's failures */
    const char *where;          /* the message being decoded, for errors */
    const char *detail;         /* nanopb's message for the innermost failure */
} request_walk;

/* A nanopb callback appending a repeated int32 (packed or not) to
 * walk->int32s: attribute indices, of a sample or a profile. */
bool decode_collect_int32(pb_istream_t *stream, const pb_field_t *field, void **arg);

/* Appends the varints of a packed field (or of one unpacked value) to
 * walk->int32s; false on anything nanopb would read otherwise. */
bool decode_read_indices(request_walk *walk, wire_cursor *packed);

/* Reads one Sample (raw: its bytes) and hands it to the handler; false on
 * malformed bytes (walk->detail says why), or recorded in walk->status
 * (memory, the handler). */
bool decode_read_sample(request_walk *walk, byte_slice raw);

#endif /* PTM_DECODE_WALK_H */
