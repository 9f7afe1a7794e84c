/*
 * converter.c: the public API (ptm.h): converter lifetime, input detection,
 * one conversion per call (or per stream: ptm_convert_begin ... finish) in
 * an arena that lives until the next one (it holds the output the caller
 * reads).
 *
 * Design: OTLP/JSON input goes request by request through json_lines.c,
 * whether it arrives whole (ptm_convert) or in pieces (the stream): each
 * request is transcoded and decoded in the request arena, which is reset
 * before the next one, while the conversion (series, strings, resources)
 * lives in the conversion arena (pipeline.h). Protobuf input is one request,
 * decoded where it lies. A stream holds its first bytes until they tell
 * which input it is (OTLP/JSON, or anything else, which is held whole and
 * converted by ptm_convert's path when the stream finishes), so that both
 * entry points decide alike.
 *
 * Two stages come before that detection, on the stream only (ptm_convert()
 * hands such input to the stream): compressed input (gzip, zstd: its magic
 * bytes first) is decompressed as it arrives (decompress.c) and what comes
 * out is detected and converted as if it had been the input; a length-
 * prefixed stream (the collector file exporter's `format: proto`: a first
 * byte 0, which no request starts with) is read block by block
 * (length_prefixed.c), each block one request (protobuf or OTLP/JSON, or a
 * zstd or gzip frame of one) converted in the request arena like a JSON
 * line, a bad one refused and named by its block number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/classify.h"
#include "config/config.h"
#include "convert/cumulative.h"
#include "base/memory_budget.h"
#include "decode/decode.h"
#include "input/decompress.h"
#include "encode/encode.h"
#include "input/json_input.h"
#include "input/json_lines.h"
#include "input/json_syntax.h"
#include "input/length_prefixed.h"
#include "convert/pipeline.h"
#include "decode/pprof_decode.h"
#include "ptm.h"

enum {
    REFUSED_KEPT = 64,
    /* A stream's input is told apart once this many bytes are held (or it
     * ends): more than any first-bytes check below reads. */
    KIND_PROBE_BYTES = 64,
    /* ... and it is held this much at a time until they do. */
    KIND_STEP_BYTES = 4096
};

/* What a stream's input is, as far as its first bytes tell. */
typedef enum input_kind {
    INPUT_UNDECIDED = 0,
    INPUT_JSON,          /* OTLP/JSON: read request by request */
    INPUT_BLOCKS,        /* length-prefixed: read block by block */
    INPUT_WHOLE          /* anything else: held whole */
} input_kind;

/* The OTLP/JSON requests of the conversion (the json_lines handler's), or
 * the blocks of a length-prefixed input (the length_prefixed handler's). */
typedef struct json_session {
    json_lines reader;
    length_prefixed blocks;
    decompressor block_decompressor; /* of the last compressed block */
    byte_buffer block_text;  /* a compressed block, decompressed (request arena) */
    uint64_t converted;       /* requests converted */
    ptm_result first_refusal; /* the first refused request's code, or PTM_OK */
    ptm_status refusal;       /* the request being refused */
} json_session;

/* What one call (or stream) works with, in its conversion arena. */
typedef struct call_state {
    bool started;                    /* start_conversion() ran */
    conversion conversion;
    json_session json;
    decompressor input_decompressor; /* compressed input: the stream's first stage */
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
    /* The stream: open between ptm_convert_begin() and ptm_convert_finish(). */
    bool streaming;
    decompress_codec codec;  /* of the input: CODEC_UNDECIDED until probe shows */
    uint8_t probe[4];        /* the input's first bytes while the codec is undecided */
    size_t probe_size;
    input_kind kind;         /* of the input, or of what decompresses from it */
    size_t held_space_end;   /* while undecided: held is white space up to here (after a BOM) */
    uint64_t declared_size; /* ptm_convert_begin()'s input_size */
    uint8_t *held;          /* the input so far, while not INPUT_JSON (allocator's) */
    size_t held_size, held_capacity;
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


const char *ptm_version(void)
{
    return PTM_VERSION;
}

ptm_result ptm_converter_create(const char *config, size_t config_size,
                                const ptm_allocator *allocator,
                                ptm_converter **converter_out,
                                char *error_buffer, size_t error_buffer_size)
{
    char scratch[8];
    if (error_buffer == NULL || error_buffer_size == 0) {
        error_buffer = scratch;
        error_buffer_size = sizeof scratch;
    }
    error_buffer[0] = '\0';
    if (converter_out == NULL) {
        snprintf(error_buffer, error_buffer_size, "converter_out is NULL");
        return PTM_ERR_ARGUMENT;
    }
    *converter_out = NULL;
    if (allocator == NULL)
        allocator = &libc_allocator;
    ptm_converter *converter = allocator->malloc_fn(allocator->context, sizeof *converter);
    if (converter == NULL) {
        snprintf(error_buffer, error_buffer_size, "out of memory");
        return PTM_ERR_NOMEM;
    }
    memset(converter, 0, sizeof *converter);
    memory_budget_init(&converter->budget, allocator, SIZE_MAX); /* the configuration's, once read */
    converter->allocator = memory_budget_allocator(&converter->budget);
    converter->top_count = PTM_TOP_COUNT_DEFAULT;
    hash_key_from_system(&converter->hash_key);
    arena_init(&converter->conversion_arena, &converter->allocator);
    arena_init(&converter->request_arena, &converter->allocator);
    cumulative_init(&converter->cumulative, &converter->allocator);
    cumulative_init(&converter->kept[0], &converter->allocator);
    cumulative_init(&converter->kept[1], &converter->allocator);
    ptm_status *status = &converter->status;
    status_init_budget(status, &converter->budget);
    if (config_parse(&converter->config, config, config_size, &converter->allocator, status) == PTM_OK &&
        !metric_table_build(&converter->metrics, &converter->config)) {
        config_free(&converter->config);
        status_out_of_memory(status);
    }
    if (!status_ok(status)) {
        ptm_result result = status->code;
        snprintf(error_buffer, error_buffer_size, "%s", status->message);
        allocator->free_fn(allocator->context, converter);
        return result;
    }
    converter->budget.limit = (size_t)converter->config.max_memory_bytes;
    symbolizer_init(&converter->symbols, &converter->config, &converter->allocator);
    *converter_out = converter;
    return PTM_OK;
}

static void end_stream(ptm_converter *converter);

void ptm_converter_free(ptm_converter *converter)
{
    if (converter == NULL)
        return;
    end_stream(converter);
    arena_free(&converter->conversion_arena);
    arena_free(&converter->request_arena);
    cumulative_clear(&converter->cumulative);
    cumulative_clear(&converter->kept[0]);
    cumulative_clear(&converter->kept[1]);
    symbolizer_free(&converter->symbols);
    config_free(&converter->config);
    ptm_allocator inner = converter->budget.inner; /* the converter itself is not in its budget */
    inner.free_fn(inner.context, converter);
}

const char *ptm_converter_last_error(const ptm_converter *converter)
{
    return converter != NULL ? converter->status.message : "converter is NULL";
}

const char *ptm_converter_last_warning(const ptm_converter *converter)
{
    return converter != NULL ? converter->warning : "";
}

ptm_result ptm_converter_set_hash_key(ptm_converter *converter, const uint8_t key[16])
{
    if (converter == NULL || key == NULL)
        return PTM_ERR_ARGUMENT;
    uint64_t words[2];
    memcpy(words, key, sizeof words);
    converter->hash_key = (hash_key){words[0], words[1]};
    return PTM_OK;
}

const char *ptm_converter_refused_request(const ptm_converter *converter, size_t index)
{
    return converter != NULL && index < converter->refused_count ? converter->refused[index] : NULL;
}

ptm_result ptm_converter_collect_stacks(ptm_converter *converter, int enabled)
{
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    converter->collect_stacks = enabled != 0;
    return PTM_OK;
}

ptm_result ptm_converter_progress(const ptm_converter *converter, ptm_stats *stats)
{
    if (converter == NULL || stats == NULL)
        return PTM_ERR_ARGUMENT;
    memset(stats, 0, sizeof *stats);
    if (converter->streaming && converter->call != NULL) /* calloc'd: zero until the conversion starts */
        *stats = converter->call->conversion.stats;
    return PTM_OK;
}

ptm_result ptm_converter_set_top_count(ptm_converter *converter, uint32_t count)
{
    if (converter == NULL || count < 1 || count > PTM_TOP_COUNT_MAX)
        return PTM_ERR_ARGUMENT;
    converter->top_count = count;
    return PTM_OK;
}

ptm_result ptm_converter_set_input_format(ptm_converter *converter, ptm_input_format format)
{
    if (converter == NULL || (unsigned)format > PTM_INPUT_PPROF)
        return PTM_ERR_ARGUMENT;
    converter->input_format = format;
    return PTM_OK;
}

uint64_t ptm_converter_max_input_bytes(const ptm_converter *converter)
{
    return converter != NULL ? converter->config.max_input_bytes : 0;
}

ptm_result ptm_converter_reset(ptm_converter *converter)
{
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    cumulative_clear(&converter->cumulative);
    cumulative_clear(&converter->kept[0]);
    cumulative_clear(&converter->kept[1]);
    converter->window_start = 0;
    symbolizer_clear(&converter->symbols);
    return PTM_OK;
}

/*
 * Whether input is OTLP/JSON: white space, then '{'. No protobuf request
 * starts with '{' (0x7b would open a group), but a newline (0x0a) is also the
 * tag of resource_profiles, so input starting with one is JSON only when it is
 * not a well-framed protobuf message. Input that is empty or only white space
 * is JSON Lines with no request, whatever protobuf could make of it: it
 * converts to nothing, as an empty file does.
 */
static bool is_json(const uint8_t *input, size_t input_size)
{
    size_t start = json_space_end(input, input_size, 0);
    if (start == input_size)
        return true;
    if (input[start] != '{')
        return false;
    return input[0] != '\n' || !decode_has_protobuf_framing((byte_slice){input, input_size});
}

/* Compressed data where the input's compression is gone. */
#define COMPRESSED_TWICE "compressed data inside compressed input (compressed twice?): it is decompressed once"

/*
 * What the input is when it is none of the formats converted, told by its
 * first bytes, so that the message names it instead of "malformed
 * protobuf"; NULL when it may be a request. As protobuf, each of these
 * starts with a tag nanopb refuses (wire type 6 or 7, a group, field 0),
 * except zstd's magic, which would be an unknown varint field 5 followed
 * by an invalid tag: none is a request. (The input's own compression is
 * gone before this is asked: compressed data here was compressed twice.)
 */
static const char *unsupported_input(const uint8_t *input, size_t size)
{
    size_t start = json_space_end(input, size, 0);
    if (decompress_codec_of(input, size, true) != CODEC_NONE)
        return COMPRESSED_TWICE;
    if (size >= 2 && ((input[0] == 0xff && input[1] == 0xfe) || (input[0] == 0xfe && input[1] == 0xff)))
        return "UTF-16 text: OTLP/JSON must be UTF-8";
    if (start < size && input[start] == '[')
        return "a JSON array: give OTLP/JSON requests one per line (JSON Lines) instead";
    return NULL;
}

/* Keeps a refused request's message (the first REFUSED_KEPT of them), made
 * one line; the refusal is counted in the stats. False when memory ran out. */
static bool keep_refusal(ptm_converter *converter, char *message)
{
    conversion *c = &converter->call->conversion;
    c->stats.requests_invalid++;
    if (converter->refused_count >= REFUSED_KEPT)
        return true;
    message_one_line(message);
    char named[sizeof converter->input_name + sizeof converter->status.message + 80];
    if (converter->several) {
        snprintf(named, sizeof named, "%s: %s", converter->input_name, message);
        message = named;
    }
    char *kept = arena_dup(c->arena, message, strlen(message) + 1);
    if (kept == NULL)
        return status_out_of_memory(&converter->status);
    converter->refused[converter->refused_count++] = kept;
    return true;
}

/* Records a refused OTLP/JSON request, named by its place. False when
 * memory ran out. */
static bool refuse_request(ptm_converter *converter, const refusal_place *place, const char *detail)
{
    char message[sizeof converter->status.message + 64]; /* room for the place */
    if (place->error_line == 0)
        snprintf(message, sizeof message, "input line %u: %s", place->line, detail);
    else if (place->error_line == place->line)
        snprintf(message, sizeof message, "input line %u, column %zu: %s", place->line,
                 place->error_column, detail);
    else
        snprintf(message, sizeof message, "input line %u: %s (line %u, column %zu)", place->line,
                 detail, place->error_line, place->error_column);
    return keep_refusal(converter, message);
}

/* Records a refused block of a length-prefixed input, named by its number
 * (from 1). False when memory ran out. */
static bool refuse_block(ptm_converter *converter, uint64_t index, const char *detail)
{
    char message[sizeof converter->status.message + 64];
    snprintf(message, sizeof message, "input block %llu: %s", (unsigned long long)index, detail);
    return keep_refusal(converter, message);
}

/*
 * json_lines' handler: converts one OTLP/JSON request in the request arena
 * (reset first: the previous request's protobuf and dictionary are gone). A
 * request that is not valid (malformed, another signal, over a limit) is
 * refused, its message kept for refused_json_request(); only running out
 * of memory stops the reading.
 */
static bool convert_json_request(void *context, const uint8_t *text, size_t size,
                                 json_request_outcome *outcome)
{
    ptm_converter *converter = context;
    json_session *json = &converter->call->json;
    conversion *c = &converter->call->conversion;
    arena_reset(&converter->request_arena);
    byte_buffer protobuf;
    buffer_init(&protobuf, &converter->request_arena);
    decode_handler handler = conversion_handler(c);
    ptm_status *request = &json->refusal; /* this request's: a refusal is not the call's failure */
    status_init(request);
    if (json_request_to_protobuf((const char *)text, size, &outcome->consumed, &outcome->syntax_error_at,
                                 &protobuf, request) == PTM_OK &&
        decode_request((byte_slice){protobuf.data, protobuf.size}, &converter->request_arena,
                       &c->interner, &handler, request) == PTM_OK) {
        outcome->converted = true;
        json->converted++;
        return true;
    }
    if (request->code == PTM_ERR_NOMEM)
        return status_out_of_memory(&converter->status);
    if (json->first_refusal == PTM_OK)
        json->first_refusal = request->code;
    return true;
}

static bool refused_json_request(void *context, const refusal_place *place)
{
    ptm_converter *converter = context;
    return refuse_request(converter, place, converter->call->json.refusal.message);
}

/* Refuses a block that failed with code, or stops the reading when memory
 * ran out. */
static bool refuse_failed_block(ptm_converter *converter, uint64_t index, ptm_result code, const char *detail)
{
    json_session *json = &converter->call->json;
    if (code == PTM_ERR_NOMEM)
        return status_out_of_memory(&converter->status);
    if (json->first_refusal == PTM_OK)
        json->first_refusal = code;
    return refuse_block(converter, index, detail);
}

/* The sink of a compressed block's decompressor: its text, in the request arena. */
static ptm_result keep_block_text(void *context, const uint8_t *bytes, size_t size)
{
    json_session *json = context;
    if (!buffer_append(&json->block_text, bytes, size))
        status_out_of_memory(&json->refusal);
    return json->refusal.code;
}

/* A compressed block (a zstd frame, as the file exporter writes with
 * compression: zstd, or a gzip member) decompressed, *block then its text,
 * at most max_input_bytes; an uncompressed block is left as it is. Returns
 * the block's status code (json->refusal). */
static ptm_result unpack_block(ptm_converter *converter, byte_slice *block)
{
    json_session *json = &converter->call->json;
    ptm_status *request = &json->refusal;
    decompress_codec codec = decompress_codec_of(block->data, block->size, true);
    if (codec == CODEC_NONE)
        return PTM_OK;
    decompressor *d = &json->block_decompressor;
    const char *name = codec == CODEC_GZIP ? "gzip-compressed block" : "zstd-compressed block";
    if (d->codec == codec) {
        decompressor_restart(d, name);
    } else {
        decompressor_free(d);
        if (decompressor_init(d, codec, &converter->allocator, converter->config.max_input_bytes,
                              keep_block_text, json, name, request) != PTM_OK) {
            decompressor_free(d);
            return request->code;
        }
    }
    buffer_init(&json->block_text, &converter->request_arena);
    if (decompressor_feed(d, block->data, block->size) != PTM_OK || decompressor_finish(d) != PTM_OK)
        return request->code;
    *block = (byte_slice){json->block_text.data != NULL ? json->block_text.data : (const uint8_t *)"",
                          json->block_text.size};
    if (decompress_codec_of(block->data, block->size, true) != CODEC_NONE)
        status_fail(request, PTM_ERR_INPUT, "%s holds compressed data (compressed twice?): it is decompressed once",
                    name);
    return request->code;
}

/* Decodes a block's request, OTLP/JSON (one request, white space around
 * it) or protobuf, into the conversion. Returns the block's status code. */
static ptm_result decode_block(ptm_converter *converter, byte_slice block)
{
    ptm_status *request = &converter->call->json.refusal;
    conversion *c = &converter->call->conversion;
    if (block.size > 0 && is_json(block.data, block.size)) {
        byte_buffer protobuf;
        buffer_init(&protobuf, &converter->request_arena);
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
    decode_handler handler = conversion_handler(c);
    return decode_request(block, &converter->request_arena, &c->interner, &handler, request);
}

/*
 * length_prefixed's handler: converts one block in the request arena (reset
 * first), as convert_json_request() does a request's text; a block that is
 * not a valid request (or whose decompression fails or passes
 * max_input_bytes) is refused, named by its number; only running out of
 * memory stops the reading.
 */
static bool convert_block(void *context, uint64_t index, const uint8_t *bytes, size_t size)
{
    ptm_converter *converter = context;
    json_session *json = &converter->call->json;
    arena_reset(&converter->request_arena);
    status_init(&json->refusal);
    byte_slice block = {bytes, size};
    if (unpack_block(converter, &block) == PTM_OK && decode_block(converter, block) == PTM_OK) {
        json->converted++;
        return true;
    }
    return refuse_failed_block(converter, index, json->refusal.code, json->refusal.message);
}

static bool truncated_block(void *context, uint64_t index, const char *detail)
{
    return refuse_failed_block(context, index, PTM_ERR_INPUT, detail);
}

/* Starts the conversion of the call or stream, of OTLP/JSON requests read
 * one by one (json) or of one protobuf request. */
static ptm_result start_conversion(ptm_converter *converter, bool json)
{
    ptm_status *status = &converter->status;
    arena *request_arena = json ? &converter->request_arena : &converter->conversion_arena;
    call_state *call = converter->call;
    conversion *c = &call->conversion;
    if (!call->started && (!conversion_init(c, &converter->config, &converter->metrics, &converter->hash_key,
                                            &converter->conversion_arena, request_arena, status) ||
                           ((converter->collect_stacks || converter->folded_call) && !conversion_collect_folded(c)))) {
        status_out_of_memory(status);
        return status->code;
    }
    call->started = true;
    c->symbols = &converter->symbols;
    c->files = converter->files.read != NULL ? &converter->files : NULL;
    c->scan_only = converter->scanning;
    if (converter->add_time != 0)
        c->aggregator.limit = UINT32_MAX; /* the held store applies it, over what it holds */
    if (json) { /* a new reader: several inputs start one each */
        json_lines_handler handler = {converter, convert_json_request, refused_json_request};
        json_lines_free(&call->json.reader);
        json_lines_init(&call->json.reader, &handler, &converter->allocator,
                        converter->config.max_input_bytes, status);
    }
    return PTM_OK;
}

/* Starts the conversion of a length-prefixed input, read block by block. */
static ptm_result start_blocks(ptm_converter *converter)
{
    if (start_conversion(converter, true) != PTM_OK)
        return converter->status.code;
    length_prefixed_handler handler = {converter, convert_block, truncated_block};
    length_prefixed_free(&converter->call->json.blocks);
    length_prefixed_init(&converter->call->json.blocks, &handler, &converter->allocator,
                         converter->config.max_input_bytes, &converter->status);
    return PTM_OK;
}

/* After every request of OTLP/JSON input (or block of a length-prefixed
 * one): when none converted but some were refused, the call fails with the
 * first refusal. */
static ptm_result settle_json(ptm_converter *converter)
{
    ptm_status *status = &converter->status;
    const json_session *json = &converter->call->json;
    uint64_t refused = converter->call->conversion.stats.requests_invalid;
    if (json->converted > 0 || json->first_refusal == PTM_OK)
        return status->code;
    converter->refused_count = 0;
    if (refused == 1)
        status_fail(status, json->first_refusal, "%s", converter->refused[0]);
    else
        status_fail(status, json->first_refusal, "%s (and %llu more requests refused)", converter->refused[0],
                    (unsigned long long)(refused - 1));
    return status->code;
}

/* A conversion's output buffer: max_output_bytes at most. */
static void output_init(ptm_converter *converter, byte_buffer *out)
{
    buffer_init(out, &converter->conversion_arena);
    out->limit = (size_t)converter->config.max_output_bytes;
}

/* Writes c in format to out (output_init); false with the status saying
 * why: past max_output_bytes (PTM_ERR_LIMIT), or out of memory. */
static bool encode(conversion *c, ptm_format format, byte_buffer *out, ptm_status *status)
{
    bool ok = format == PTM_FORMAT_OTLP_PROTOBUF ? encode_otlp_protobuf(c, out)
            : format == PTM_FORMAT_OTLP_JSON ? encode_otlp_json(c, out)
            : format == PTM_FORMAT_FOLDED ? encode_folded(c, out)
            : format == PTM_FORMAT_TOP ? encode_top(c, out)
            : encode_prometheus(c, out);
    if (ok)
        return true;
    if (out->over_limit)
        status_fail(status, PTM_ERR_LIMIT, "output: the conversion writes more than max_output_bytes (%zu bytes)",
                    out->limit);
    else
        status_out_of_memory(status);
    return false;
}

/* The warning of a successful conversion, if any (one line). */
static void settle_warning(ptm_converter *converter, const conversion *c, const char *culprit)
{
    if (c->stats.pattern_limit_hits > 0) {
        snprintf(converter->warning, sizeof converter->warning,
                 "warning: the regex %s (and any other that did) hit its PCRE2 match limit on "
                 "%llu strings; they count as not matching: they fail include patterns and pass "
                 "exclude patterns", culprit, (unsigned long long)c->stats.pattern_limit_hits);
    } else if (c->shadowed_key != NULL) {
        snprintf(converter->warning, sizeof converter->warning,
                 "warning: attribute rule \"%s\" is shadowed by the resource attribute of that "
                 "key; the resource's value is kept", c->shadowed_key);
    }
    message_one_line(converter->warning);
}

/* What input of PTM_INPUT_AUTO is, told by its first bytes (is_json,
 * pprof_detect); PTM_INPUT_AUTO again when it may be either protobuf. */
static ptm_input_format detect_format(const uint8_t *input, size_t input_size)
{
    if (is_json(input, input_size))
        return PTM_INPUT_JSON;
    switch (pprof_detect((byte_slice){input, input_size})) {
    case PPROF_LIKELY: return PTM_INPUT_PPROF;
    case PPROF_AMBIGUOUS: return PTM_INPUT_AUTO;
    default: return PTM_INPUT_OTLP;
    }
}

/* The format of an input in memory (format: the converter's), told by its
 * bytes under PTM_INPUT_AUTO; PTM_INPUT_AUTO with status failed when it is
 * none of them, or may be either protobuf. Compressed data is refused as
 * compressed twice under a protobuf format too (the Envoy filter's -i otlp;
 * gzip's and zstd's magic is no request and no pprof profile), so that its
 * message does not depend on the format being told: protobuf is held whole,
 * so this is the same however the input is cut. (OTLP/JSON set by format is
 * read as it arrives, and compressed data there is not valid JSON.) */
static ptm_input_format input_format_of(ptm_input_format format, const uint8_t *input, size_t size,
                                        ptm_status *status)
{
    const char *unsupported = format == PTM_INPUT_AUTO ? unsupported_input(input, size)
                              : format != PTM_INPUT_JSON && decompress_codec_of(input, size, true) != CODEC_NONE
                                  ? COMPRESSED_TWICE : NULL;
    if (unsupported != NULL) {
        status_fail(status, PTM_ERR_INPUT, "input: %s", unsupported);
        return PTM_INPUT_AUTO;
    }
    if (format == PTM_INPUT_AUTO)
        format = detect_format(input, size);
    if (format == PTM_INPUT_AUTO)
        status_fail(status, PTM_ERR_INPUT, "input: could be an OTLP request or a pprof profile; "
                    "say which (ptm -i otlp or -i pprof; ptm_converter_set_input_format)");
    return format;
}

/* Decodes a protobuf input, an OTLP request or a pprof profile, into the
 * conversion, its parts in a; an invalid one's message starts "input: ". */
static void decode_whole(conversion *c, ptm_input_format format, byte_slice whole, arena *a, ptm_status *status)
{
    decode_handler handler = conversion_handler(c);
    if (format == PTM_INPUT_PPROF)
        decode_pprof(whole, a, &c->interner, &handler, status);
    else
        decode_request(whole, a, &c->interner, &handler, status);
    if (status->code == PTM_ERR_INPUT || status->code == PTM_ERR_LIMIT)
        status_prefix(status, "input: ");
}

/* Converts the whole input (one request or pprof profile, or OTLP/JSON
 * requests one after another) into the conversion, which this starts. */
static ptm_result walk_input(ptm_converter *converter, const uint8_t *input, size_t input_size)
{
    ptm_status *status = &converter->status;
    static const uint8_t utf8_bom[3] = {0xef, 0xbb, 0xbf};
    if (input_size >= 3 && memcmp(input, utf8_bom, 3) == 0 && is_json(input + 3, input_size - 3)) {
        input += 3; /* a UTF-8 byte-order mark before JSON is dropped */
        input_size -= 3;
    }
    ptm_input_format format = input_format_of(converter->input_format, input, input_size, status);
    bool json = format == PTM_INPUT_JSON;
    if (format == PTM_INPUT_AUTO || start_conversion(converter, json) != PTM_OK)
        return status->code;
    if (json)
        return json_lines_read(&converter->call->json.reader, input, input_size, true) == PTM_OK
                   ? settle_json(converter) : status->code;
    conversion *c = &converter->call->conversion;
    decode_whole(c, format, (byte_slice){input, input_size}, c->arena, status);
    return status->code;
}

/* Within ptm_converter_add(): the conversion's series into the held store,
 * nothing written. */
static void hold_conversion(ptm_converter *converter, conversion *c)
{
    cumulative_store *store = &converter->kept[converter->kept_current];
    if (!cumulative_absorb(store, c, converter->add_time)) {
        cumulative_clear(store); /* it holds part of this input */
        status_out_of_memory_losing(&converter->status, "the held series were dropped");
        return;
    }
    if (converter->window_start == 0)
        converter->window_start = converter->add_time;
}

/* After the input: top_n, ordering, the cumulative state, the output. */
static ptm_result finish_conversion(ptm_converter *converter, ptm_format format, byte_buffer *out)
{
    ptm_status *status = &converter->status;
    conversion *c = &converter->call->conversion;
    const char *culprit;
    c->stats.pattern_limit_hits = pattern_engine_take_limit_hits(converter->config.engine, &culprit);
    if ((format == PTM_FORMAT_FOLDED || format == PTM_FORMAT_TOP) && !c->collect_folded) {
        status_fail(status, PTM_ERR_ARGUMENT, "%s output needs the stacks collected from the start: "
                    "ptm_converter_collect_stacks() before ptm_convert_begin()",
                    format == PTM_FORMAT_TOP ? "top" : "folded");
        return status->code;
    }
    if (converter->scanning)
        return status->code;
    if (converter->add_time != 0) {
        hold_conversion(converter, c);
        return status->code;
    }
    if (converter->config.cumulative && !cumulative_merge(&converter->cumulative, c)) {
        cumulative_clear(&converter->cumulative); /* it holds part of this input */
        status_out_of_memory_losing(status, "the cumulative state was reset");
        return status->code;
    }
    c->top_count = converter->top_count;
    if (!conversion_finish(c)) {
        status_out_of_memory(status);
        return status->code;
    }
    if (!encode(c, format, out, status))
        return status->code;
    settle_warning(converter, c, culprit);
    return PTM_OK;
}

/* Forgets the stream in progress, if any, and what it holds. */
static void end_stream(ptm_converter *converter)
{
    converter->streaming = false;
    if (converter->call != NULL) {
        json_lines_free(&converter->call->json.reader);
        length_prefixed_free(&converter->call->json.blocks);
        decompressor_free(&converter->call->json.block_decompressor);
        decompressor_free(&converter->call->input_decompressor);
    }
    converter->allocator.free_fn(converter->allocator.context, converter->held);
    converter->held = NULL;
    converter->held_size = converter->held_capacity = 0;
}

/* Starts a call (or a stream): the last one's output, refusals and memory
 * are released (the arenas keep their largest block). */
static void begin_call(ptm_converter *converter)
{
    end_stream(converter);
    status_init_budget(&converter->status, &converter->budget);
    memory_budget_begin(&converter->budget);
    converter->warning[0] = '\0';
    converter->refused_count = 0;
    arena_reset(&converter->conversion_arena);
    arena_reset(&converter->request_arena);
    converter->call = arena_calloc(&converter->conversion_arena, 1, sizeof *converter->call);
    if (converter->call == NULL)
        status_out_of_memory(&converter->status);
    const char *culprit;
    pattern_engine_take_limit_hits(converter->config.engine, &culprit); /* forget earlier calls' */
}

static bool format_known(ptm_format format)
{
    return format == PTM_FORMAT_OTLP_PROTOBUF || format == PTM_FORMAT_OTLP_JSON ||
           format == PTM_FORMAT_PROMETHEUS || format == PTM_FORMAT_FOLDED || format == PTM_FORMAT_TOP;
}

/* Clears a call's outputs; false when converter is NULL. */
static bool clear_outputs(const ptm_converter *converter, const uint8_t **output, size_t *output_size,
                          ptm_stats *stats)
{
    if (output != NULL)
        *output = NULL;
    if (output_size != NULL)
        *output_size = 0;
    if (stats != NULL)
        memset(stats, 0, sizeof *stats);
    return converter != NULL;
}

/* Hands out the output of a conversion that ended with result, or releases
 * what a failed one left. */
static ptm_result hand_out(ptm_converter *converter, ptm_result result, const byte_buffer *out,
                           const uint8_t **output, size_t *output_size, ptm_stats *stats)
{
    if (stats != NULL && converter->call != NULL)
        *stats = converter->call->conversion.stats;
    if (result != PTM_OK) {
        converter->refused_count = 0;
        converter->call = NULL;
        arena_free(&converter->conversion_arena);
        arena_free(&converter->request_arena);
        return result;
    }
    static const uint8_t empty[1] = {0};
    *output = out->data != NULL ? out->data : empty;
    *output_size = out->size;
    return PTM_OK;
}

ptm_result ptm_convert(ptm_converter *converter, const uint8_t *input, size_t input_size,
                       ptm_format format, const uint8_t **output, size_t *output_size,
                       ptm_stats *stats)
{
    if (!clear_outputs(converter, output, output_size, stats))
        return PTM_ERR_ARGUMENT;
    begin_call(converter);
    ptm_status *status = &converter->status;
    if (output == NULL || output_size == NULL || (input == NULL && input_size > 0))
        status_fail(status, PTM_ERR_ARGUMENT, "input, output and output_size must not be NULL");
    else if (!format_known(format))
        status_fail(status, PTM_ERR_ARGUMENT, "unknown output format %d", (int)format);
    else if (input_size > converter->config.max_input_bytes)
        status_fail(status, PTM_ERR_LIMIT, "input: %zu bytes is more than max_input_bytes (%llu)",
                    input_size, (unsigned long long)converter->config.max_input_bytes);
    if (status_ok(status) && input_size > 0 &&
        (input[0] == 0x00 || decompress_codec_of(input, input_size, true) != CODEC_NONE)) {
        /* compressed or length-prefixed: the stream's stages read it */
        converter->folded_call = format == PTM_FORMAT_FOLDED || format == PTM_FORMAT_TOP;
        ptm_convert_begin(converter, input_size);
        ptm_convert_feed(converter, input, input_size);
        ptm_result result = ptm_convert_finish(converter, format, output, output_size, stats);
        converter->folded_call = false;
        return result;
    }
    byte_buffer out;
    output_init(converter, &out);
    converter->folded_call = format == PTM_FORMAT_FOLDED || format == PTM_FORMAT_TOP;
    if (status_ok(status) && walk_input(converter, input, input_size) == PTM_OK)
        finish_conversion(converter, format, &out);
    converter->folded_call = false;
    end_stream(converter); /* what the JSON reader holds */
    return hand_out(converter, status->code, &out, output, output_size, stats);
}

/* ---- streaming ---- */

/*
 * What the held first bytes of a stream say it is: length-prefixed from a
 * first byte 0 (no request starts with field 0: it is the high byte of a
 * length below 16 MiB) in a first length prefix that is not 0 (zero bytes
 * are held whole and refused as protobuf, so that an endless stream of them,
 * /dev/zero, stops at max_input_bytes); OTLP/JSON as soon as they show what walk_input()
 * would decide on the whole input (a '{' first, after white space and a
 * byte-order mark, in input that none of unsupported_input()'s checks names
 * and that, starting with a newline, cannot be well-framed protobuf),
 * anything else as soon as its first byte that is not white space is not
 * '{'. Undecided until then. With an input format set
 * (ptm_converter_set_input_format), that format's kind at once, but for
 * length-prefixed input under PTM_INPUT_OTLP (its blocks are OTLP).
 * *space_end: how far held is known to be white space, so that white space
 * is scanned once however many steps it takes.
 */
static input_kind held_kind(ptm_input_format format, const uint8_t *held, size_t size, size_t *space_end)
{
    static const uint8_t utf8_bom[3] = {0xef, 0xbb, 0xbf};
    if ((format == PTM_INPUT_AUTO || format == PTM_INPUT_OTLP) && size > 0 && held[0] == 0x00)
        return size < 4 ? INPUT_UNDECIDED : (held[1] | held[2] | held[3]) != 0 ? INPUT_BLOCKS : INPUT_WHOLE;
    if (format != PTM_INPUT_AUTO)
        return format == PTM_INPUT_JSON ? INPUT_JSON : INPUT_WHOLE;
    if (size < KIND_PROBE_BYTES)
        return INPUT_UNDECIDED;
    if (memcmp(held, utf8_bom, 3) == 0) {
        held += 3;
        size -= 3;
    }
    size_t start = json_space_end(held, size, *space_end);
    *space_end = start;
    if (start == size)
        return INPUT_UNDECIDED;
    if (held[start] != '{' || unsupported_input(held, size) != NULL)
        return INPUT_WHOLE;
    if (held[0] == '\n' && decode_framing_may_continue((byte_slice){held, size}))
        return INPUT_UNDECIDED;
    return INPUT_JSON;
}

/* The message of an input held whole past max_input_bytes. */
static ptm_result held_too_large(ptm_converter *converter)
{
    ptm_status *status = &converter->status;
    unsigned long long limit = converter->config.max_input_bytes;
    if (converter->declared_size != PTM_INPUT_SIZE_UNKNOWN)
        status_fail(status, PTM_ERR_LIMIT, "input: %llu bytes is more than max_input_bytes (%llu)",
                    (unsigned long long)converter->declared_size, limit);
    else
        status_fail(status, PTM_ERR_LIMIT, "input: more than max_input_bytes (%llu) bytes; stopped reading there",
                    limit);
    return status->code;
}

/* Appends a piece to the held input, at most max_input_bytes in all. */
static ptm_result hold_piece(ptm_converter *converter, const uint8_t *piece, size_t size)
{
    uint64_t limit = converter->config.max_input_bytes;
    if (size > limit - converter->held_size)
        return held_too_large(converter);
    if (converter->held_capacity - converter->held_size < size) {
        size_t needed = converter->held_size + size;
        size_t capacity = converter->held_capacity < 4096 ? 4096 : converter->held_capacity;
        while (capacity < needed)
            capacity = capacity > SIZE_MAX / 2 ? needed : capacity * 2;
        if (converter->kind == INPUT_WHOLE && converter->declared_size != PTM_INPUT_SIZE_UNKNOWN &&
            converter->declared_size >= needed && converter->declared_size <= limit)
            capacity = (size_t)converter->declared_size; /* the whole input, at once */
        uint8_t *bigger = converter->allocator.malloc_fn(converter->allocator.context, capacity);
        if (bigger == NULL) {
            status_out_of_memory(&converter->status);
            return converter->status.code;
        }
        if (converter->held_size > 0)
            memcpy(bigger, converter->held, converter->held_size);
        converter->allocator.free_fn(converter->allocator.context, converter->held);
        converter->held = bigger;
        converter->held_capacity = capacity;
    }
    memcpy(converter->held + converter->held_size, piece, size);
    converter->held_size += size;
    return PTM_OK;
}

static bool streamed(input_kind kind)
{
    return kind == INPUT_JSON || kind == INPUT_BLOCKS;
}

/* Reads the next piece of a streamed input (OTLP/JSON or length-prefixed). */
static ptm_result read_streamed(ptm_converter *converter, const uint8_t *piece, size_t size, bool at_end)
{
    json_session *json = &converter->call->json;
    return converter->kind == INPUT_JSON ? json_lines_read(&json->reader, piece, size, at_end)
                                         : length_prefixed_read(&json->blocks, piece, size, at_end);
}

/* Once the held first bytes show OTLP/JSON or a length-prefixed input:
 * starts reading requests (or blocks) from them (after a byte-order mark
 * before JSON), and holds the input no longer. */
static ptm_result start_reader(ptm_converter *converter)
{
    static const uint8_t utf8_bom[3] = {0xef, 0xbb, 0xbf};
    size_t skip = converter->kind == INPUT_JSON && converter->held_size >= 3 &&
                  memcmp(converter->held, utf8_bom, 3) == 0 ? 3 : 0;
    if ((converter->kind == INPUT_JSON ? start_conversion(converter, true) : start_blocks(converter)) != PTM_OK)
        return converter->status.code;
    read_streamed(converter, converter->held + skip, converter->held_size - skip, false);
    converter->allocator.free_fn(converter->allocator.context, converter->held);
    converter->held = NULL;
    converter->held_size = converter->held_capacity = 0;
    return converter->status.code;
}

/* Holds a piece of input not known to be OTLP/JSON or length-prefixed: a
 * step at a time while undecided (what follows the bytes that show which
 * goes to the reader unheld), all of it once it is to be held whole. */
static ptm_result feed_held(ptm_converter *converter, const uint8_t *piece, size_t size)
{
    while (size > 0 && converter->kind == INPUT_UNDECIDED) {
        size_t step = size < KIND_STEP_BYTES ? size : KIND_STEP_BYTES;
        if (hold_piece(converter, piece, step) != PTM_OK)
            return converter->status.code;
        piece += step;
        size -= step;
        converter->kind = held_kind(converter->input_format, converter->held, converter->held_size,
                                    &converter->held_space_end);
    }
    if (streamed(converter->kind)) {
        if (converter->held != NULL && start_reader(converter) != PTM_OK)
            return converter->status.code;
        return size > 0 ? read_streamed(converter, piece, size, false) : PTM_OK;
    }
    if (converter->kind == INPUT_WHOLE && converter->declared_size != PTM_INPUT_SIZE_UNKNOWN &&
        converter->declared_size > converter->config.max_input_bytes)
        return held_too_large(converter);
    return size > 0 ? hold_piece(converter, piece, size) : PTM_OK;
}

/* Takes a piece of the input, or of what decompresses from it, to its
 * reader or the held input. */
static ptm_result feed_plain(ptm_converter *converter, const uint8_t *piece, size_t size)
{
    if (streamed(converter->kind) && converter->held == NULL)
        return read_streamed(converter, piece, size, false);
    return feed_held(converter, piece, size);
}

/* The input decompressor's sink. */
static ptm_result plain_sink(void *context, const uint8_t *bytes, size_t size)
{
    return feed_plain(context, bytes, size);
}

/* Once the first bytes show the input's codec: compressed input gets its
 * decompressor (and what decompresses has no size known in advance). */
static ptm_result start_codec(ptm_converter *converter, decompress_codec codec)
{
    converter->codec = codec;
    if (codec == CODEC_NONE)
        return PTM_OK;
    converter->declared_size = PTM_INPUT_SIZE_UNKNOWN;
    return decompressor_init(&converter->call->input_decompressor, codec, &converter->allocator,
                             converter->config.max_input_bytes, plain_sink, converter,
                             codec == CODEC_GZIP ? "input: gzip-compressed input" : "input: zstd-compressed input",
                             &converter->status);
}

/* Takes a piece of input whose codec is known. */
static ptm_result feed_decided(ptm_converter *converter, const uint8_t *piece, size_t size)
{
    if (converter->codec == CODEC_NONE)
        return feed_plain(converter, piece, size);
    return decompressor_feed(&converter->call->input_decompressor, piece, size);
}

/* Takes a piece of input; its first bytes are held in the probe until they
 * show whether it is compressed. */
static ptm_result feed_input(ptm_converter *converter, const uint8_t *piece, size_t size)
{
    if (converter->codec != CODEC_UNDECIDED)
        return feed_decided(converter, piece, size);
    decompress_codec codec = CODEC_UNDECIDED;
    while (size > 0 && codec == CODEC_UNDECIDED) {
        converter->probe[converter->probe_size++] = *piece++;
        size--;
        codec = decompress_codec_of(converter->probe, converter->probe_size, false);
    }
    if (codec == CODEC_UNDECIDED)
        return PTM_OK;
    if (start_codec(converter, codec) != PTM_OK ||
        feed_decided(converter, converter->probe, converter->probe_size) != PTM_OK)
        return converter->status.code;
    return size > 0 ? feed_decided(converter, piece, size) : PTM_OK;
}

/* The input has ended: probed bytes that never showed a codec are plain
 * input; compressed input must end where a member or frame does. */
static ptm_result end_input(ptm_converter *converter)
{
    if (converter->codec == CODEC_UNDECIDED) {
        start_codec(converter, CODEC_NONE);
        return feed_plain(converter, converter->probe, converter->probe_size);
    }
    if (converter->codec != CODEC_NONE)
        return decompressor_finish(&converter->call->input_decompressor);
    return PTM_OK;
}

/* ---- several inputs ---- */

/* Refuses the current input, named, with code and message (the others
 * convert); counts it as a refused request. */
static void refuse_input(ptm_converter *converter, ptm_result code, const char *message)
{
    char text[sizeof converter->status.message];
    snprintf(text, sizeof text, "%s", message);
    json_session *json = &converter->call->json;
    if (keep_refusal(converter, text) && json->first_refusal == PTM_OK)
        json->first_refusal = code;
    converter->input_refused = true;
}

/* With several inputs, what failed the current input (invalid, over a
 * limit) refuses it instead of ending the stream; running out of memory
 * still ends it. */
static void settle_input_failure(ptm_converter *converter)
{
    ptm_status *status = &converter->status;
    if (status->code != PTM_ERR_INPUT && status->code != PTM_ERR_LIMIT)
        return;
    ptm_result code = status->code;
    char message[sizeof status->message];
    snprintf(message, sizeof message, "%s", status->message);
    status_init_budget(status, &converter->budget);
    refuse_input(converter, code, message);
}

/* Converts an input held whole (protobuf: an OTLP request or a pprof
 * profile), as convert_block() does a block: in the request arena, its
 * strings copied, refused by name when it is not valid. White space alone
 * is no request. */
static void convert_whole_input(ptm_converter *converter)
{
    const uint8_t *input = converter->held != NULL ? converter->held : (const uint8_t *)"";
    size_t size = converter->held_size;
    if (json_space_end(input, size, 0) == size)
        return;
    json_session *json = &converter->call->json;
    ptm_status *request = &json->refusal;
    conversion *c = &converter->call->conversion;
    arena_reset(&converter->request_arena);
    status_init(request);
    ptm_input_format format = input_format_of(converter->input_format, input, size, request);
    if (format != PTM_INPUT_AUTO)
        decode_whole(c, format, (byte_slice){input, size}, &converter->request_arena, request);
    if (request->code == PTM_OK)
        json->converted++;
    else if (request->code == PTM_ERR_NOMEM)
        status_out_of_memory(&converter->status);
    else
        refuse_input(converter, request->code, request->message);
}

/* Ends the current one of several inputs: what it holds converts (or is
 * refused), and nothing of it stays. */
static void end_named_input(ptm_converter *converter)
{
    if (!converter->input_refused && end_input(converter) == PTM_OK) {
        if (streamed(converter->kind))
            read_streamed(converter, NULL, 0, true);
        else
            convert_whole_input(converter);
    }
    settle_input_failure(converter);
    decompressor_free(&converter->call->input_decompressor);
    converter->allocator.free_fn(converter->allocator.context, converter->held);
    converter->held = NULL;
    converter->held_size = converter->held_capacity = 0;
}

/* Gets the stream ready for an input's first bytes. */
static void reset_input(ptm_converter *converter, uint64_t input_size)
{
    converter->codec = CODEC_UNDECIDED;
    converter->probe_size = 0;
    converter->kind = INPUT_UNDECIDED;
    converter->held_space_end = 0;
    converter->declared_size = input_size;
    converter->input_refused = false;
}

/* Whether a stream is open; else the call fails with that message. */
static bool stream_open(ptm_converter *converter)
{
    if (converter->streaming)
        return true;
    status_init_budget(&converter->status, &converter->budget);
    status_fail(&converter->status, PTM_ERR_ARGUMENT, "no stream begun (ptm_convert_begin)");
    return false;
}

ptm_result ptm_convert_next_input(ptm_converter *converter, const char *name, uint64_t input_size)
{
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    ptm_status *status = &converter->status;
    if (!stream_open(converter) || !status_ok(status))
        return status->code;
    if (!converter->several && (converter->probe_size > 0 || converter->codec != CODEC_UNDECIDED)) {
        status_fail(status, PTM_ERR_ARGUMENT, "ptm_convert_next_input() comes before each input's pieces, "
                    "the first one's too");
        return status->code;
    }
    if (converter->several)
        end_named_input(converter);
    else if (start_conversion(converter, true) != PTM_OK)
        return status->code;
    converter->several = true;
    snprintf(converter->input_name, sizeof converter->input_name, "%s", name != NULL ? name : "input");
    message_one_line(converter->input_name);
    reset_input(converter, input_size);
    return status->code;
}

ptm_result ptm_convert_begin(ptm_converter *converter, uint64_t input_size)
{
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    begin_call(converter);
    converter->streaming = true;
    converter->several = false;
    reset_input(converter, input_size);
    return converter->status.code;
}

ptm_result ptm_convert_feed(ptm_converter *converter, const uint8_t *piece, size_t size)
{
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    ptm_status *status = &converter->status;
    if (!stream_open(converter))
        return status->code;
    if (piece == NULL && size > 0)
        status_fail(status, PTM_ERR_ARGUMENT, "piece must not be NULL");
    if (!status_ok(status) || size == 0 || converter->input_refused)
        return status->code;
    feed_input(converter, piece, size);
    if (converter->several)
        settle_input_failure(converter);
    return status->code;
}

ptm_result ptm_convert_finish(ptm_converter *converter, ptm_format format,
                              const uint8_t **output, size_t *output_size, ptm_stats *stats)
{
    if (!clear_outputs(converter, output, output_size, stats))
        return PTM_ERR_ARGUMENT;
    ptm_status *status = &converter->status;
    if (!stream_open(converter)) {
        /* stream_open() said why */
    } else if (output == NULL || output_size == NULL) {
        status_fail(status, PTM_ERR_ARGUMENT, "output and output_size must not be NULL");
    } else if (!format_known(format)) {
        status_fail(status, PTM_ERR_ARGUMENT, "unknown output format %d", (int)format);
    }
    byte_buffer out;
    output_init(converter, &out);
    if (status_ok(status) && converter->several) {
        end_named_input(converter);
        if (status_ok(status))
            settle_json(converter);
    } else {
        if (status_ok(status))
            end_input(converter);
        if (status_ok(status) && streamed(converter->kind) && read_streamed(converter, NULL, 0, true) == PTM_OK)
            settle_json(converter);
        else if (status_ok(status) && !streamed(converter->kind))
            walk_input(converter, converter->held, converter->held_size);
    }
    if (status_ok(status))
        finish_conversion(converter, format, &out);
    end_stream(converter);
    return hand_out(converter, status->code, &out, output, output_size, stats);
}

/* ---- held series: add now, write at a flush ---- */

ptm_result ptm_converter_add(ptm_converter *converter, uint64_t now_unix_nano,
                             const uint8_t *input, size_t input_size, ptm_stats *stats)
{
    const uint8_t *output;
    size_t output_size;
    if (!clear_outputs(converter, &output, &output_size, stats))
        return PTM_ERR_ARGUMENT;
    if (now_unix_nano == 0) {
        begin_call(converter);
        status_fail(&converter->status, PTM_ERR_ARGUMENT, "now_unix_nano must not be 0");
        return hand_out(converter, converter->status.code, NULL, &output, &output_size, stats);
    }
    converter->add_time = now_unix_nano;
    ptm_result result = ptm_convert(converter, input, input_size, PTM_FORMAT_OTLP_PROTOBUF, &output,
                                    &output_size, stats);
    converter->add_time = 0;
    return result;
}

/* Writes the held series as of now into out and settles the held state:
 * delta forgets them, cumulative drops those idle past metrics_expiration. */
static void flush_held(ptm_converter *converter, uint64_t now, ptm_format format, byte_buffer *out)
{
    ptm_status *status = &converter->status;
    const ptm_config *config = &converter->config;
    conversion *c = &converter->call->conversion;
    cumulative_store *store = &converter->kept[converter->kept_current];
    cumulative_store *next = &converter->kept[!converter->kept_current];
    uint64_t since = config->cumulative && config->metrics_expiration != 0 && now > config->metrics_expiration
                         ? now - config->metrics_expiration + 1 : 0;
    uint32_t expired = 0;
    bool ok = conversion_init(c, config, &converter->metrics, &converter->hash_key, &converter->conversion_arena,
                              &converter->conversion_arena, status) &&
              cumulative_restore(store, c, since, &expired) &&
              (expired == 0 || cumulative_absorb(next, c, 0)); /* the live ones, times kept */
    if (ok) {
        cumulative_stamp(c, converter->window_start != 0 ? converter->window_start : now, now);
        c->top_count = converter->top_count;
        ok = conversion_finish(c);
    }
    if (!ok)
        status_out_of_memory(status);
    else
        ok = encode(c, format, out, status);
    if (!ok) {
        cumulative_clear(next);
        return;
    }
    converter->window_start = now;
    if (!config->cumulative || expired > 0)
        cumulative_clear(store); /* c, which points into it, is written */
    if (expired > 0)
        converter->kept_current = !converter->kept_current; /* next holds the live series */
}

ptm_result ptm_converter_flush(ptm_converter *converter, uint64_t now_unix_nano, ptm_format format,
                               const uint8_t **output, size_t *output_size, ptm_stats *stats)
{
    if (!clear_outputs(converter, output, output_size, stats))
        return PTM_ERR_ARGUMENT;
    begin_call(converter);
    ptm_status *status = &converter->status;
    if (output == NULL || output_size == NULL)
        status_fail(status, PTM_ERR_ARGUMENT, "output and output_size must not be NULL");
    else if (format != PTM_FORMAT_OTLP_PROTOBUF && format != PTM_FORMAT_OTLP_JSON && format != PTM_FORMAT_PROMETHEUS)
        status_fail(status, PTM_ERR_ARGUMENT, "a flush writes metrics: format %d is not otlp, json or prom",
                    (int)format);
    else if (now_unix_nano == 0)
        status_fail(status, PTM_ERR_ARGUMENT, "now_unix_nano must not be 0");
    byte_buffer out;
    output_init(converter, &out);
    if (status_ok(status))
        flush_held(converter, now_unix_nano, format, &out);
    return hand_out(converter, status->code, &out, output, output_size, stats);
}

/* ---- symbolization: the host's files ---- */

ptm_result ptm_converter_set_file_source(ptm_converter *converter, const ptm_file_source *source)
{
    if (converter == NULL || (source != NULL && (source->read == NULL || source->release == NULL)))
        return PTM_ERR_ARGUMENT;
    converter->files = source != NULL ? *source : (ptm_file_source){0};
    return PTM_OK;
}

ptm_result ptm_converter_symbols_scan(ptm_converter *converter, const uint8_t *input, size_t input_size)
{
    const uint8_t *output;
    size_t output_size;
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    symbolizer_begin_plan(&converter->symbols);
    converter->scanning = true;
    ptm_result result = ptm_convert(converter, input, input_size, PTM_FORMAT_OTLP_PROTOBUF, &output,
                                    &output_size, NULL);
    converter->scanning = false;
    return result;
}

ptm_result ptm_converter_symbols_next(ptm_converter *converter, const char **path)
{
    if (converter == NULL || path == NULL)
        return PTM_ERR_ARGUMENT;
    *path = symbolizer_next_path(&converter->symbols);
    return PTM_OK;
}

ptm_result ptm_converter_symbols_offer(ptm_converter *converter, const uint8_t *data, size_t size)
{
    if (converter == NULL || (data == NULL && size > 0))
        return PTM_ERR_ARGUMENT;
    status_init_budget(&converter->status, &converter->budget);
    memory_budget_begin(&converter->budget);
    if (!symbolizer_offer(&converter->symbols, data, size))
        status_out_of_memory(&converter->status);
    return converter->status.code;
}

ptm_result ptm_converter_add_symbols(ptm_converter *converter, const uint8_t *data, size_t size)
{
    if (converter == NULL || data == NULL)
        return PTM_ERR_ARGUMENT;
    status_init_budget(&converter->status, &converter->budget);
    memory_budget_begin(&converter->budget);
    return symbolizer_add_file(&converter->symbols, data, size, &converter->status);
}
