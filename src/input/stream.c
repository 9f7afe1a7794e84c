/*
 * stream.c: the input stage as an object (stream.h): the first bytes held
 * until detect.c tells what they are, decompression, OTLP/JSON and
 * length-prefixed reading, the input held whole otherwise.
 */
#include "input/stream.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "input/json_input.h"
#include "input/json_syntax.h"

enum {
    /* A stream's input is held this much at a time until its first bytes
     * tell which it is (input_held_kind). */
    KIND_STEP_BYTES = 4096
};

static bool streamed(input_kind kind)
{
    return kind == INPUT_JSON || kind == INPUT_BLOCKS;
}

/* ---- the requests of a streamed input ---- */

/* Hands a refused request's message, named by its place, to the sink. */
static bool refuse(input_stream *stream, ptm_result code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static bool refuse(input_stream *stream, ptm_result code, const char *format, ...)
{
    char message[sizeof stream->refusal.message + 64]; /* room for the place */
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    return stream->sink.refused(stream->sink.context, code, message);
}

/*
 * json_lines' handler: transcodes one OTLP/JSON request in the request arena
 * (reset first: the previous request's protobuf and dictionary are gone)
 * and hands it to the sink. A request that is not valid (malformed, another
 * signal, over a limit) is refused (refused_json_request); only running out
 * of memory stops the reading.
 */
static bool convert_json_request(void *context, const uint8_t *text, size_t size,
                                 json_request_outcome *outcome)
{
    input_stream *stream = context;
    arena_reset(stream->setup.request_arena);
    byte_buffer protobuf;
    buffer_init(&protobuf, stream->setup.request_arena);
    ptm_status *request = &stream->refusal; /* this request's: a refusal is not the call's failure */
    status_init(request);
    if (json_request_to_protobuf((const char *)text, size, &outcome->consumed, &outcome->syntax_error_at,
                                 &protobuf, request) == PTM_OK &&
        stream->sink.request(stream->sink.context, (byte_slice){protobuf.data, protobuf.size}, request) == PTM_OK) {
        outcome->converted = true;
        return true;
    }
    if (request->code == PTM_ERR_NOMEM)
        return status_out_of_memory(stream->setup.status);
    return true;
}

/* The request just refused, named by its place. */
static bool refused_json_request(void *context, const refusal_place *place)
{
    input_stream *stream = context;
    const char *detail = stream->refusal.message;
    if (place->error_line == 0)
        return refuse(stream, stream->refusal.code, "input line %u: %s", place->line, detail);
    if (place->error_line == place->line)
        return refuse(stream, stream->refusal.code, "input line %u, column %zu: %s", place->line,
                      place->error_column, detail);
    return refuse(stream, stream->refusal.code, "input line %u: %s (line %u, column %zu)", place->line,
                  detail, place->error_line, place->error_column);
}

/* Refuses a block that failed with code, named by its number (from 1), or
 * stops the reading when memory ran out. */
static bool refuse_failed_block(input_stream *stream, uint64_t index, ptm_result code, const char *detail)
{
    if (code == PTM_ERR_NOMEM)
        return status_out_of_memory(stream->setup.status);
    return refuse(stream, code, "input block %llu: %s", (unsigned long long)index, detail);
}

/* The sink of a compressed block's decompressor: its text, in the request arena. */
static ptm_result keep_block_text(void *context, const uint8_t *bytes, size_t size)
{
    input_stream *stream = context;
    if (!buffer_append(&stream->block_text, bytes, size))
        status_out_of_memory(&stream->refusal);
    return stream->refusal.code;
}

/* A compressed block (a zstd frame, as the file exporter writes with
 * compression: zstd, or a gzip member) decompressed, *block then its text,
 * at most max_input_bytes; an uncompressed block is left as it is. Returns
 * the block's status code (stream->refusal). */
static ptm_result unpack_block(input_stream *stream, byte_slice *block)
{
    ptm_status *request = &stream->refusal;
    decompress_codec codec = decompress_codec_of(block->data, block->size, true);
    if (codec == CODEC_NONE)
        return PTM_OK;
    decompressor *d = &stream->block_decompressor;
    const char *name = codec == CODEC_GZIP ? "gzip-compressed block" : "zstd-compressed block";
    if (d->codec == codec) {
        decompressor_restart(d, name);
    } else {
        decompressor_free(d);
        if (decompressor_init(d, codec, &stream->setup.allocator, stream->setup.max_input_bytes,
                              keep_block_text, stream, name, request) != PTM_OK) {
            decompressor_free(d);
            return request->code;
        }
    }
    buffer_init(&stream->block_text, stream->setup.request_arena);
    if (decompressor_feed(d, block->data, block->size) != PTM_OK || decompressor_finish(d) != PTM_OK)
        return request->code;
    *block = (byte_slice){stream->block_text.data != NULL ? stream->block_text.data : (const uint8_t *)"",
                          stream->block_text.size};
    if (decompress_codec_of(block->data, block->size, true) != CODEC_NONE)
        status_fail(request, PTM_ERR_INPUT, "%s holds compressed data (compressed twice?): it is decompressed once",
                    name);
    return request->code;
}

/* Hands a block's request, OTLP/JSON (one request, white space around it)
 * transcoded, or protobuf, to the sink. Returns the block's status code. */
static ptm_result decode_block(input_stream *stream, byte_slice block)
{
    ptm_status *request = &stream->refusal;
    if (block.size > 0 && input_is_json(block.data, block.size)) {
        byte_buffer protobuf;
        buffer_init(&protobuf, stream->setup.request_arena);
        size_t consumed, syntax_error_at;
        if (json_request_to_protobuf((const char *)block.data, block.size, &consumed, &syntax_error_at,
                                     &protobuf, request) != PTM_OK)
            return request->code;
        if (json_space_end(block.data, block.size, consumed) != block.size) {
            status_fail(request, PTM_ERR_INPUT, "more than one OTLP/JSON request in one block");
            return request->code;
        }
        block = (byte_slice){protobuf.data, protobuf.size};
    }
    return stream->sink.request(stream->sink.context, block, request);
}

/*
 * length_prefixed's handler: reads one block in the request arena (reset
 * first), as convert_json_request() does a request's text; a block that is
 * not a valid request (or whose decompression fails or passes
 * max_input_bytes) is refused, named by its number; only running out of
 * memory stops the reading.
 */
static bool convert_block(void *context, uint64_t index, const uint8_t *bytes, size_t size)
{
    input_stream *stream = context;
    arena_reset(stream->setup.request_arena);
    status_init(&stream->refusal);
    byte_slice block = {bytes, size};
    if (unpack_block(stream, &block) == PTM_OK && decode_block(stream, block) == PTM_OK)
        return true;
    return refuse_failed_block(stream, index, stream->refusal.code, stream->refusal.message);
}

static bool truncated_block(void *context, uint64_t index, const char *detail)
{
    return refuse_failed_block(context, index, PTM_ERR_INPUT, detail);
}

/* Starts reading requests (kind INPUT_JSON) or blocks (INPUT_BLOCKS): the
 * sink's conversion starts, and a new reader (several inputs start one
 * each). */
static ptm_result start_reading(input_stream *stream, input_kind kind)
{
    const input_stream_setup *setup = &stream->setup;
    if (stream->sink.start(stream->sink.context) != PTM_OK)
        return setup->status->code;
    if (kind == INPUT_JSON) {
        json_lines_handler handler = {stream, convert_json_request, refused_json_request};
        json_lines_free(&stream->reader);
        json_lines_init(&stream->reader, &handler, &setup->allocator, setup->max_input_bytes, setup->status);
    } else {
        length_prefixed_handler handler = {stream, convert_block, truncated_block};
        length_prefixed_free(&stream->blocks);
        length_prefixed_init(&stream->blocks, &handler, &setup->allocator, setup->max_input_bytes, setup->status);
    }
    return PTM_OK;
}

/* Reads the next piece of a streamed input (OTLP/JSON or length-prefixed). */
static ptm_result read_streamed(input_stream *stream, const uint8_t *piece, size_t size, bool at_end)
{
    return stream->kind == INPUT_JSON ? json_lines_read(&stream->reader, piece, size, at_end)
                                      : length_prefixed_read(&stream->blocks, piece, size, at_end);
}

ptm_result input_stream_read_json(input_stream *stream, const uint8_t *text, size_t size)
{
    if (start_reading(stream, INPUT_JSON) != PTM_OK)
        return stream->setup.status->code;
    return json_lines_read(&stream->reader, text, size, true);
}

/* ---- the input held ---- */

/* The message of an input held whole past max_input_bytes. */
static ptm_result held_too_large(input_stream *stream)
{
    ptm_status *status = stream->setup.status;
    unsigned long long limit = stream->setup.max_input_bytes;
    if (stream->declared_size != PTM_INPUT_SIZE_UNKNOWN)
        status_fail(status, PTM_ERR_LIMIT, "input: %llu bytes is more than max_input_bytes (%llu)",
                    (unsigned long long)stream->declared_size, limit);
    else
        status_fail(status, PTM_ERR_LIMIT, "input: more than max_input_bytes (%llu) bytes; stopped reading there",
                    limit);
    return status->code;
}

/* Appends a piece to the held input, at most max_input_bytes in all. */
static ptm_result hold_piece(input_stream *stream, const uint8_t *piece, size_t size)
{
    const ptm_allocator *allocator = &stream->setup.allocator;
    uint64_t limit = stream->setup.max_input_bytes;
    if (size > limit - stream->held_size)
        return held_too_large(stream);
    if (stream->held_capacity - stream->held_size < size) {
        size_t needed = stream->held_size + size;
        size_t capacity = stream->held_capacity < 4096 ? 4096 : stream->held_capacity;
        while (capacity < needed)
            capacity = capacity > SIZE_MAX / 2 ? needed : capacity * 2;
        if (stream->kind == INPUT_WHOLE && stream->declared_size != PTM_INPUT_SIZE_UNKNOWN &&
            stream->declared_size >= needed && stream->declared_size <= limit)
            capacity = (size_t)stream->declared_size; /* the whole input, at once */
        uint8_t *bigger = allocator->malloc_fn(allocator->context, capacity);
        if (bigger == NULL) {
            status_out_of_memory(stream->setup.status);
            return stream->setup.status->code;
        }
        if (stream->held_size > 0)
            memcpy(bigger, stream->held, stream->held_size);
        allocator->free_fn(allocator->context, stream->held);
        stream->held = bigger;
        stream->held_capacity = capacity;
    }
    memcpy(stream->held + stream->held_size, piece, size);
    stream->held_size += size;
    return PTM_OK;
}

/* Frees the held input. */
static void release_held(input_stream *stream)
{
    stream->setup.allocator.free_fn(stream->setup.allocator.context, stream->held);
    stream->held = NULL;
    stream->held_size = stream->held_capacity = 0;
}

/* Once the held first bytes show OTLP/JSON or a length-prefixed input:
 * starts reading requests (or blocks) from them (after a byte-order mark
 * before JSON), and holds the input no longer. */
static ptm_result start_reader(input_stream *stream)
{
    size_t skip = stream->kind == INPUT_JSON ? input_bom_size(stream->held, stream->held_size) : 0;
    if (start_reading(stream, stream->kind) != PTM_OK)
        return stream->setup.status->code;
    read_streamed(stream, stream->held + skip, stream->held_size - skip, false);
    release_held(stream);
    return stream->setup.status->code;
}

/* Holds a piece of input not known to be OTLP/JSON or length-prefixed: a
 * step at a time while undecided (what follows the bytes that show which
 * goes to the reader unheld), all of it once it is to be held whole. */
static ptm_result feed_held(input_stream *stream, const uint8_t *piece, size_t size)
{
    while (size > 0 && stream->kind == INPUT_UNDECIDED) {
        size_t step = size < KIND_STEP_BYTES ? size : KIND_STEP_BYTES;
        if (hold_piece(stream, piece, step) != PTM_OK)
            return stream->setup.status->code;
        piece += step;
        size -= step;
        stream->kind = input_held_kind(*stream->setup.format, stream->held, stream->held_size,
                                       &stream->held_space_end);
    }
    if (streamed(stream->kind)) {
        if (stream->held != NULL && start_reader(stream) != PTM_OK)
            return stream->setup.status->code;
        return size > 0 ? read_streamed(stream, piece, size, false) : PTM_OK;
    }
    if (stream->kind == INPUT_WHOLE && stream->declared_size != PTM_INPUT_SIZE_UNKNOWN &&
        stream->declared_size > stream->setup.max_input_bytes)
        return held_too_large(stream);
    return size > 0 ? hold_piece(stream, piece, size) : PTM_OK;
}

/* Takes a piece of the input, or of what decompresses from it, to its
 * reader or the held input. */
static ptm_result feed_plain(input_stream *stream, const uint8_t *piece, size_t size)
{
    if (streamed(stream->kind) && stream->held == NULL)
        return read_streamed(stream, piece, size, false);
    return feed_held(stream, piece, size);
}

/* ---- the codec: the stage before detection ---- */

/* The input decompressor's sink. */
static ptm_result plain_sink(void *context, const uint8_t *bytes, size_t size)
{
    return feed_plain(context, bytes, size);
}

/* Once the first bytes show the input's codec: compressed input gets its
 * decompressor (and what decompresses has no size known in advance). */
static ptm_result start_codec(input_stream *stream, decompress_codec codec)
{
    stream->codec = codec;
    if (codec == CODEC_NONE)
        return PTM_OK;
    stream->declared_size = PTM_INPUT_SIZE_UNKNOWN;
    return decompressor_init(&stream->decompressor, codec, &stream->setup.allocator, stream->setup.max_input_bytes,
                             plain_sink, stream,
                             codec == CODEC_GZIP ? "input: gzip-compressed input" : "input: zstd-compressed input",
                             stream->setup.status);
}

/* Takes a piece of input whose codec is known. */
static ptm_result feed_decided(input_stream *stream, const uint8_t *piece, size_t size)
{
    if (stream->codec == CODEC_NONE)
        return feed_plain(stream, piece, size);
    return decompressor_feed(&stream->decompressor, piece, size);
}

/* Takes a piece of input; its first bytes are held in the probe until they
 * show whether it is compressed. */
ptm_result input_stream_feed(input_stream *stream, const uint8_t *piece, size_t size)
{
    if (stream->codec != CODEC_UNDECIDED)
        return feed_decided(stream, piece, size);
    decompress_codec codec = CODEC_UNDECIDED;
    while (size > 0 && codec == CODEC_UNDECIDED) {
        stream->probe[stream->probe_size++] = *piece++;
        size--;
        codec = decompress_codec_of(stream->probe, stream->probe_size, false);
    }
    if (codec == CODEC_UNDECIDED)
        return PTM_OK;
    if (start_codec(stream, codec) != PTM_OK || feed_decided(stream, stream->probe, stream->probe_size) != PTM_OK)
        return stream->setup.status->code;
    return size > 0 ? feed_decided(stream, piece, size) : PTM_OK;
}

/* The input has ended: probed bytes that never showed a codec are plain
 * input; compressed input must end where a member or frame does. */
static ptm_result end_input(input_stream *stream)
{
    if (stream->codec == CODEC_UNDECIDED) {
        start_codec(stream, CODEC_NONE);
        return feed_plain(stream, stream->probe, stream->probe_size);
    }
    if (stream->codec != CODEC_NONE)
        return decompressor_finish(&stream->decompressor);
    return PTM_OK;
}

ptm_result input_stream_end(input_stream *stream)
{
    ptm_result result = end_input(stream);
    if (result == PTM_OK && streamed(stream->kind))
        result = read_streamed(stream, NULL, 0, true);
    return result;
}

/* ---- lifetime ---- */

void input_stream_init(input_stream *stream, const input_stream_setup *setup, const input_sink *sink)
{
    memset(stream, 0, sizeof *stream);
    stream->setup = *setup;
    stream->sink = *sink;
    input_stream_start_input(stream, PTM_INPUT_SIZE_UNKNOWN);
}

void input_stream_free(input_stream *stream)
{
    json_lines_free(&stream->reader);
    length_prefixed_free(&stream->blocks);
    decompressor_free(&stream->block_decompressor);
    input_stream_drop_input(stream);
}

void input_stream_start_input(input_stream *stream, uint64_t declared_size)
{
    stream->codec = CODEC_UNDECIDED;
    stream->probe_size = 0;
    stream->kind = INPUT_UNDECIDED;
    stream->held_space_end = 0;
    stream->declared_size = declared_size;
}

bool input_stream_begun(const input_stream *stream)
{
    return stream->probe_size > 0 || stream->codec != CODEC_UNDECIDED;
}

bool input_stream_streamed(const input_stream *stream)
{
    return streamed(stream->kind);
}

byte_slice input_stream_held(const input_stream *stream)
{
    return (byte_slice){stream->held, stream->held_size};
}

void input_stream_drop_input(input_stream *stream)
{
    decompressor_free(&stream->decompressor);
    if (stream->setup.allocator.free_fn != NULL)
        release_held(stream);
}
