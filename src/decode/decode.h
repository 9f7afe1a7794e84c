/*
 * decode.h: walks one ExportProfilesServiceRequest (protobuf) and hands its
 * parts to a handler in the order the pipeline needs them.
 *
 * Design: the wire reader (wire/wire_read.h) reads every message once;
 * repeated messages are slices of the input, read when their turn comes, so
 * nothing is materialised beyond the dictionary. The walk is:
 *   1. the request: the dictionary is decoded, each ResourceProfiles is
 *      located (a slice of the input) and its Resource decoded and checked,
 *      all before the handler hears of the request;
 *   2. per resource: its attributes to the handler, then per scope:
 *   3. every profile's header (samples skipped), so that the handler can
 *      classify the scope's profiles together;
 *   4. per profile: its samples, streamed one by one to the handler.
 * Wire order therefore never matters (the dictionary comes last on the wire).
 */
#ifndef PTM_DECODE_H
#define PTM_DECODE_H

#include "wire/any_value.h"
#include "decode/dictionary.h"
#include "base/status.h"

typedef struct decoded_resource {
    const key_value_ref *attributes;
    uint32_t attribute_count;
    uint32_t dropped_attributes_count;
    byte_slice schema_url;
} decoded_resource;

typedef struct decoded_profile {
    int32_t type_strindex, unit_strindex;
    bool has_period_type;
    int32_t period_type_strindex, period_unit_strindex;
    int64_t period;
    uint64_t time_unix_nano;
    uint64_t duration_nano;
    const int32_t *attribute_indices;
    uint32_t attribute_count;
    uint32_t sample_count;
    uint32_t handler_tag; /* set by the handler's scope callback */
} decoded_profile;

typedef struct decoded_sample {
    int32_t stack_index;
    int32_t link_index;
    const int32_t *attribute_indices;
    uint32_t attribute_count;
    uint32_t value_count;
    uint32_t timestamp_count;
    int64_t value_sum;        /* saturating; see value_overflow */
    bool value_negative;      /* some value < 0 */
    bool value_overflow;      /* the sum does not fit int64 */
    uint64_t max_timestamp;
} decoded_sample;

typedef struct decode_handler {
    void *context;
    /* Each returns false to stop the walk (memory ran out). request also
     * sees the request's resources (their attributes: where symbolize.h
     * finds executables' paths); a handler without resource (NULL) wants
     * no more than that: the walk ends there. */
    bool (*request)(void *context, profile_dictionary *dictionary, const decoded_resource *resources,
                    uint32_t resource_count);
    bool (*resource)(void *context, const decoded_resource *resource);
    bool (*scope)(void *context, decoded_profile *profiles, uint32_t count);
    bool (*profile)(void *context, const decoded_profile *profile);
    bool (*sample)(void *context, const decoded_sample *sample);
    /* After the last sample of a request that decoded whole. */
    void (*request_end)(void *context);
} decode_handler;

/* Whether input is a well-framed protobuf message at its top level: a run of
 * valid tags and fields ending exactly at the end (contents not checked). */
bool decode_has_protobuf_framing(byte_slice input);

/* Whether prefix may be the start of such a message: every field it holds
 * whole is well framed, and the one it cuts short (if any) can still be.
 * False only when no bytes after it can make the whole well framed. */
bool decode_framing_may_continue(byte_slice prefix);

/*
 * Decodes request bytes. Returns status->code after recording any failure in
 * status: PTM_ERR_INPUT (malformed; the message names where, with no
 * "input: " prefix), PTM_ERR_NOMEM (the arena or a handler gave up), or
 * PTM_ERR_LIMIT (the message names the limit). The handler may keep
 * pointers into input and into the arena.
 */
ptm_result decode_request(byte_slice input, arena *a, string_interner *interner,
                          const decode_handler *handler, ptm_status *status);

#endif /* PTM_DECODE_H */
