/*
 * converter_internal.h: struct ptm_converter, shared by the API's files
 * (private: ptm.h keeps it opaque), and what they call of one another.
 *
 * The API's files call one way, as the stages do:
 *   held.c (ptm_converter_add, flush) → converter.c (lifetime, ptm_convert,
 *   symbols) → session.c (the stream, several inputs) → call.c (one call:
 *   its conversion, the input stream's sink, refusals, the output).
 *
 * Design: one conversion per call (or per stream: ptm_convert_begin ...
 * finish) in an arena that lives until the next one (it holds the output
 * the caller reads). The input stage (input/stream.h) reads the input and
 * hands each request to the sink in call.c, which decodes it into the
 * conversion: OTLP/JSON request by request (and the blocks of a length-
 * prefixed input), each transcoded and decoded in the request arena, which
 * is reset before the next one, while the conversion (series, strings,
 * resources) lives in the conversion arena (pipeline.h). Protobuf input is
 * one request, held whole by the stream (or given whole to ptm_convert) and
 * decoded where it lies.
 */
#ifndef PTM_CONVERTER_INTERNAL_H
#define PTM_CONVERTER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/memory_budget.h"
#include "config/config.h"
#include "convert/cumulative.h"
#include "convert/pipeline.h"
#include "input/stream.h"
#include "ptm.h"

enum { REFUSED_KEPT = 64 };

/* The requests of the conversion (OTLP/JSON, blocks, several inputs): how
 * many converted, and the first refusal's code. */
typedef struct request_tally {
    uint64_t converted;       /* requests converted */
    ptm_result first_refusal; /* the first refused request's code, or PTM_OK */
} request_tally;

/* What one call (or stream) works with, in its conversion arena. */
typedef struct call_state {
    bool started;                    /* call_start_conversion() ran */
    conversion conversion;
    request_tally requests;
    input_stream stream;             /* the input, read (call_begin: initialised) */
} call_state;

struct ptm_converter {
    ptm_allocator allocator;
    ptm_config config;
    metric_table metrics;
    arena conversion_arena; /* the last conversion, and its output */
    arena request_arena;    /* the OTLP/JSON request being converted */
    cumulative_store cumulative; /* temporality "cumulative": the series kept */
    /* What ptm_converter_add() holds for ptm_converter_flush(): the series
     * added since the last flush (delta) or since create/reset (cumulative).
     * Two stores: a flush that expires series copies the live ones into the
     * other and frees the first. */
    cumulative_store kept[2];
    uint32_t kept_current;
    uint64_t window_start;  /* the open window's start: the last flush, or the
                               first add since create/reset; 0: none yet */
    uint64_t add_time;      /* within ptm_converter_add(): its time; else 0 */
    hash_key hash_key;      /* secret: the sender must not learn it (hash.h) */
    ptm_input_format input_format; /* how inputs are read; PTM_INPUT_AUTO by default */
    bool collect_stacks;           /* ptm_converter_collect_stacks() */
    bool folded_call;              /* within ptm_convert() with PTM_FORMAT_FOLDED or _TOP */
    uint32_t top_count;            /* ptm_converter_set_top_count(); 10 until set */
    ptm_status status;      /* of the last call (of the stream, while one is open) */
    char warning[512];      /* of the last successful conversion, or "" */
    /* The requests the last successful conversion refused while converting
     * the rest: messages in its arena, the first REFUSED_KEPT. */
    const char *refused[REFUSED_KEPT];
    size_t refused_count;
    call_state *call;       /* of the call or stream; NULL once its arena is freed */
    /* The stream: open between ptm_convert_begin() and ptm_convert_finish()
     * (its input in call->stream). */
    bool streaming;
    /* Several inputs in one stream (ptm_convert_next_input): the current
     * one's name, which its refusals carry; a refused input's rest is
     * skipped. */
    bool several;
    bool input_refused;
    char input_name[128];
    memory_budget budget;          /* every allocation's: max_memory_bytes (the caller's allocator inside) */
    /* Symbolization: the tables held by build ID, and the plan (symbolize.h). */
    symbolizer symbols;
    ptm_file_source files;         /* ptm_converter_set_file_source(); read NULL: none */
    bool scanning;                 /* within ptm_converter_symbols_scan() */
};

/* ---- call.c ---- */

/* Starts a call (or a stream): the last one's output, refusals and memory
 * are released (the arenas keep their largest block); a new input stream. */
void call_begin(ptm_converter *converter);

/* Forgets the stream in progress, if any, and what it holds. */
void call_end_stream(ptm_converter *converter);

/* Starts the conversion of the call or stream, of requests read one by one
 * (requests: in the request arena) or of one protobuf request. */
ptm_result call_start_conversion(ptm_converter *converter, bool requests);

/* Keeps a refused request's message (the first REFUSED_KEPT of them), made
 * one line and named by the input with several; the refusal is counted in
 * the stats, and its code kept when it is the first. False when memory ran
 * out. */
bool call_refuse(ptm_converter *converter, ptm_result code, const char *message);

/* After every request of OTLP/JSON input (or block of a length-prefixed
 * one): when none converted but some were refused, the call fails with the
 * first refusal. */
ptm_result call_settle_requests(ptm_converter *converter);

/* Decodes a protobuf input, an OTLP request or a pprof profile, into the
 * conversion, its parts in a; an invalid one's message starts "input: ". */
void call_decode_whole(conversion *c, ptm_input_format format, byte_slice whole, arena *a, ptm_status *status);

/* Converts the whole input (one request or pprof profile, or OTLP/JSON
 * requests one after another) into the conversion, which this starts. */
ptm_result call_walk_input(ptm_converter *converter, const uint8_t *input, size_t input_size);

/* A conversion's output buffer: max_output_bytes at most. */
void call_output_init(ptm_converter *converter, byte_buffer *out);

/* Writes c in format to out (call_output_init); false with the status
 * saying why: past max_output_bytes (PTM_ERR_LIMIT), or out of memory. */
bool call_encode(conversion *c, ptm_format format, byte_buffer *out, ptm_status *status);

/* After the input: top_n, ordering, the cumulative state, the output. */
ptm_result call_finish_conversion(ptm_converter *converter, ptm_format format, byte_buffer *out);

bool call_format_known(ptm_format format);

/* Clears a call's outputs; false when converter is NULL. */
bool call_clear_outputs(const ptm_converter *converter, const uint8_t **output, size_t *output_size,
                        ptm_stats *stats);

/* Hands out the output of a conversion that ended with result, or releases
 * what a failed one left. */
ptm_result call_hand_out(ptm_converter *converter, ptm_result result, const byte_buffer *out,
                         const uint8_t **output, size_t *output_size, ptm_stats *stats);

#endif /* PTM_CONVERTER_INTERNAL_H */
