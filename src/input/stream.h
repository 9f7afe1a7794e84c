/*
 * stream.h: the input stage as an object: an input arriving in pieces of any
 * size (ptm_convert_begin ... finish, or one ptm_convert() call that the
 * stream's stages must read), told apart by its first bytes, and handed on
 * request by request to a sink the API provides (the shape of json_lines.h
 * and length_prefixed.h): the sink decodes and converts, this reads.
 *
 * Design: what an input is gets decided here, in one place, from its first
 * bytes. Two stages come before that detection: compressed input (gzip,
 * zstd: its magic bytes first) is decompressed as it arrives (decompress.c)
 * and what comes out is detected and read as if it had been the input; a
 * length-prefixed stream (the collector file exporter's `format: proto`: a
 * first byte 0, which no request starts with) is read block by block
 * (length_prefixed.c), each block one request (protobuf or OTLP/JSON, or a
 * zstd or gzip frame of one) handed on like a JSON line, a bad one refused
 * and named by its block number. OTLP/JSON is read request by request
 * (json_lines.c), each transcoded to protobuf in the request arena (reset
 * before each request) and handed on. Anything else is held whole (through
 * the allocator) until the input ends, and the API converts what is held
 * (input_stream_held): protobuf input is one request, decoded where it lies.
 * The stream holds its first bytes until they tell which input it is
 * (detect.h), so that ptm_convert() (input_format_of on the whole input)
 * and the stream decide alike.
 */
#ifndef PTM_INPUT_STREAM_H
#define PTM_INPUT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"
#include "input/decompress.h"
#include "input/detect.h"
#include "input/json_lines.h"
#include "input/length_prefixed.h"

/* Where the requests of a streamed input go (the API's). */
typedef struct input_sink {
    void *context;
    /* Requests follow, one by one: the conversion starts. Returns the
     * call's status code (recorded there). Called again when a later input
     * (ptm_convert_next_input) is read request by request too. */
    ptm_result (*start)(void *context);
    /* One request, OTLP protobuf (in the request arena, valid during the
     * call only): decoded into the conversion. Returns request->code, any
     * failure recorded in request (this request's status, not the call's):
     * PTM_ERR_NOMEM stops the reading, anything else refuses the request. */
    ptm_result (*request)(void *context, byte_slice protobuf, ptm_status *request);
    /* A refused request: code, and a one-line message naming it ("input
     * line 3: ...", "input block 2: ..."). False when memory ran out (the
     * sink recorded it in the call's status): the reading stops. */
    bool (*refused)(void *context, ptm_result code, const char *message);
} input_sink;

/* What a stream reads with: the converter's, alive as long as the stream. */
typedef struct input_stream_setup {
    ptm_allocator allocator;     /* of what the stream holds */
    uint64_t max_input_bytes;    /* the input held, one request's text, a decompressed input or block */
    /* ptm_converter_set_input_format()'s, read where the kind is told;
     * PTM_INPUT_AUTO: told by the input's bytes */
    const ptm_input_format *format;
    arena *request_arena;        /* reset before each request read */
    ptm_status *status;          /* the call's */
} input_stream_setup;

typedef struct input_stream {
    input_stream_setup setup;
    input_sink sink;
    /* The readers of a streamed input, and a block's decompression. */
    json_lines reader;
    length_prefixed blocks;
    decompressor block_decompressor; /* of the last compressed block */
    byte_buffer block_text;  /* a compressed block, decompressed (request arena) */
    ptm_status refusal;      /* the request being read: a refusal is not the call's failure */
    /* The current input (input_stream_start_input). */
    decompressor decompressor; /* compressed input: the first stage */
    decompress_codec codec;  /* of the input: CODEC_UNDECIDED until probe shows */
    uint8_t probe[4];        /* the input's first bytes while the codec is undecided */
    size_t probe_size;
    input_kind kind;         /* of the input, or of what decompresses from it */
    size_t held_space_end;   /* while undecided: held is white space up to here (after a BOM) */
    uint64_t declared_size;  /* its size as the caller gave it; PTM_INPUT_SIZE_UNKNOWN: none, or compressed */
    uint8_t *held;           /* the input so far, while not streamed (allocator's) */
    size_t held_size, held_capacity;
} input_stream;

/* A stream with nothing read, handing requests to sink. Allocates nothing. */
void input_stream_init(input_stream *stream, const input_stream_setup *setup, const input_sink *sink);

/* Frees what the stream holds (nothing, for one zeroed or freed before);
 * it may be used again only after input_stream_init. */
void input_stream_free(input_stream *stream);

/* Gets the stream ready for an input's first bytes (declared_size: its
 * size, or PTM_INPUT_SIZE_UNKNOWN). */
void input_stream_start_input(input_stream *stream, uint64_t declared_size);

/* Whether the current input's first bytes have come. */
bool input_stream_begun(const input_stream *stream);

/* Reads the next piece of the input: requests it completes go to the sink,
 * an input to be held whole is held. Returns the call's status code. */
ptm_result input_stream_feed(input_stream *stream, const uint8_t *piece, size_t size);

/* The input has ended: what is left of a streamed input goes to the sink;
 * compressed input must end where a member or frame does. Returns the
 * call's status code. */
ptm_result input_stream_end(input_stream *stream);

/* Whether the input was read request by request (OTLP/JSON, length-
 * prefixed), else it is held whole (input_stream_held). */
bool input_stream_streamed(const input_stream *stream);

/* The input held whole, once it ended (data NULL when nothing was). */
byte_slice input_stream_held(const input_stream *stream);

/* Releases the current input's decompressor and held bytes (the readers
 * stay): the next input may start. */
void input_stream_drop_input(input_stream *stream);

/* Reads a whole OTLP/JSON input (every request, then its end): the sink's
 * start, then its requests. Returns the call's status code. */
ptm_result input_stream_read_json(input_stream *stream, const uint8_t *text, size_t size);

#endif /* PTM_INPUT_STREAM_H */
