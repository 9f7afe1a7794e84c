/*
 * pprof_decode.h: reads a pprof Profile (perftools.profiles.Profile, the
 * format of google/pprof's proto/profile.proto, uncompressed) into the same
 * dictionary and handler calls as an OTLP request (decode.h), so that every
 * configuration key, filter, attribute rule and metric behaves alike.
 *
 * The request a pprof profile becomes: one resource with no attributes, one
 * scope, and one profile per sample type, in order, each with the pprof
 * profile's period type, period, time and duration; every pprof sample is a
 * sample of each of them, with that type's value. Labels are sample
 * attributes (docs/semantics.md names the keys renamed, e.g. thread_name to
 * thread.name). Wire faults are PTM_ERR_INPUT naming the message and field;
 * a location or function id that names nothing makes its samples invalid,
 * as an out-of-range index does in OTLP (a mapping id that names nothing is
 * no mapping, as google/pprof reads it).
 */
#ifndef PTM_PPROF_DECODE_H
#define PTM_PPROF_DECODE_H

#include "decode/decode.h"

/* What the first fields of an input say of it (pprof_detect). */
typedef enum pprof_evidence {
    PPROF_NOT = 0,      /* nothing of pprof's: an OTLP request, if anything */
    PPROF_LIKELY,       /* fields only a pprof Profile has, none of a request's */
    PPROF_AMBIGUOUS     /* both: the caller must be told which it is */
} pprof_evidence;

/* Tells a pprof Profile from an ExportProfilesServiceRequest by its
 * top-level fields, as far as they are well framed: a pprof Profile has an
 * empty string in field 6 (string_table[0] is always "") or a field 1 (a
 * ValueType) that starts with its varint fields 1 and 2, as every pprof
 * writer puts them; a request has no field 6, and its field 1 (a
 * ResourceProfiles, which has no varint field 1) starts with a
 * length-delimited field. Malformed input that is neither is PPROF_NOT. */
pprof_evidence pprof_detect(byte_slice input);

/* Decodes a pprof Profile, as decode_request() does a request: the same
 * results, the same ownership (the handler may keep pointers into input and
 * into the arena). */
ptm_result decode_pprof(byte_slice input, arena *a, string_interner *interner,
                        const decode_handler *handler, ptm_status *status);

#endif /* PTM_PPROF_DECODE_H */
