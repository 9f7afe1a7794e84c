/*
 * converter.c: the public API (ptm.h): converter lifetime, input detection,
 * one conversion per call in an arena that lives until the next call (it
 * holds the output the caller reads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "config.h"
#include "cumulative.h"
#include "decode.h"
#include "encode.h"
#include "json_input.h"
#include "json_syntax.h"
#include "pipeline.h"
#include "ptm.h"

enum { REFUSED_KEPT = 64 };

struct ptm_converter {
    ptm_allocator allocator;
    ptm_config config;
    metric_table metrics;
    arena conversion_arena; /* the last conversion, and its output */
    cumulative_store cumulative; /* temporality "cumulative": the series kept */
    hash_key hash_key;      /* secret: the sender must not learn it (hash.h) */
    ptm_status status;      /* of the last call */
    char warning[512];      /* of the last successful conversion, or "" */
    /* The requests the last successful conversion refused while converting
     * the rest: messages in its arena, the first REFUSED_KEPT. */
    const char *refused[REFUSED_KEPT];
    size_t refused_count;
};

static void *default_malloc(void *context, size_t size)
{
    (void)context;
    return malloc(size);
}

static void default_free(void *context, void *pointer)
{
    (void)context;
    free(pointer);
}

static const ptm_allocator default_allocator = {default_malloc, default_free, NULL};

const char *ptm_result_name(ptm_result result)
{
    switch (result) {
    case PTM_OK: return "ok";
    case PTM_ERR_INPUT: return "input";
    case PTM_ERR_CONFIG: return "config";
    case PTM_ERR_NOMEM: return "out of memory";
    case PTM_ERR_LIMIT: return "limit";
    case PTM_ERR_ARGUMENT: return "argument";
    }
    return "unknown";
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
        allocator = &default_allocator;
    ptm_converter *converter = allocator->malloc_fn(allocator->context, sizeof *converter);
    if (converter == NULL) {
        snprintf(error_buffer, error_buffer_size, "out of memory");
        return PTM_ERR_NOMEM;
    }
    memset(converter, 0, sizeof *converter);
    converter->allocator = *allocator;
    hash_key_from_system(&converter->hash_key);
    arena_init(&converter->conversion_arena, &converter->allocator);
    cumulative_init(&converter->cumulative, &converter->allocator);
    ptm_status *status = &converter->status;
    status_init(status);
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
    *converter_out = converter;
    return PTM_OK;
}

void ptm_converter_free(ptm_converter *converter)
{
    if (converter == NULL)
        return;
    arena_free(&converter->conversion_arena);
    cumulative_clear(&converter->cumulative);
    config_free(&converter->config);
    converter->allocator.free_fn(converter->allocator.context, converter);
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

uint64_t ptm_converter_max_input_bytes(const ptm_converter *converter)
{
    return converter != NULL ? converter->config.max_input_bytes : 0;
}

ptm_result ptm_converter_reset(ptm_converter *converter)
{
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    cumulative_clear(&converter->cumulative);
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

/*
 * What the input is when it is none of the formats converted, told by its
 * first bytes, so that the message names it instead of "malformed
 * protobuf"; NULL when it may be a request. As protobuf, each of these
 * starts with a tag nanopb refuses (wire type 6 or 7, a group, field 0),
 * except zstd's magic, which would be an unknown varint field 5 followed
 * by an invalid tag, and pprof, whose first field (sample_type, a ValueType
 * of varint fields 1 and 2) would be a ResourceProfiles starting with a
 * varint field 1, which has no such field: none is a request.
 */
static const char *unsupported_input(const uint8_t *input, size_t size)
{
    size_t start = json_space_end(input, size, 0);
    if (size >= 2 && input[0] == 0x1f && input[1] == 0x8b)
        return "gzip-compressed input (a .gz file, a gzipped pprof profile or OTLP/HTTP body): decompress it first";
    if (size >= 4 && input[0] == 0x28 && input[1] == 0xb5 && input[2] == 0x2f && input[3] == 0xfd)
        return "zstd-compressed input: decompress it first (zstd -d)";
    if (size >= 2 && ((input[0] == 0xff && input[1] == 0xfe) || (input[0] == 0xfe && input[1] == 0xff)))
        return "UTF-16 text: OTLP/JSON must be UTF-8";
    if (start < size && input[start] == '[')
        return "a JSON array: give OTLP/JSON requests one per line (JSON Lines) instead";
    if (decode_starts_like_pprof((byte_slice){input, size}))
        return "an uncompressed pprof profile: pprof input is not supported yet; convert it to OTLP first";
    if (size >= 5 && input[0] == 0x00)
        return "length-prefixed protobuf (the collector file exporter's format: proto?): not supported yet; "
               "use the file exporter's JSON Lines";
    return NULL;
}

/* Where a JSON request is: its line in the input, counted incrementally. */
typedef struct text_position {
    const uint8_t *text;
    size_t offset;   /* counted up to here */
    uint32_t line;   /* of offset, from 1 */
    size_t line_start;
} text_position;

static void advance_to(text_position *at, size_t offset)
{
    for (; at->offset < offset; at->offset++) {
        if (at->text[at->offset] == '\n') {
            at->line++;
            at->line_start = at->offset + 1;
        }
    }
}

/* Where to look for the request after a refused one that starts at start:
 * the next line that does not start with white space (JSON Lines put one
 * request on each line; the lines inside a pretty-printed request are
 * indented, so a broken one costs one more refusal at most, for its closing
 * brace), or the end. No line is skipped unreported. */
static size_t next_request_line(const uint8_t *text, size_t size, size_t start)
{
    for (size_t i = start + 1; i < size; i++) {
        if (text[i - 1] == '\n' && !json_is_space(text[i]))
            return i;
    }
    return size;
}

/* Where a refused request starts, and where its text stops being JSON
 * (error_line 0: it is JSON). */
typedef struct refusal_place {
    uint32_t line;
    uint32_t error_line;
    size_t error_column;
} refusal_place;

/* Records a refused request: its message (the first REFUSED_KEPT of them),
 * counted in the stats. False when memory ran out. */
static bool refuse_request(ptm_converter *converter, conversion *c, refusal_place place,
                           const char *detail)
{
    c->stats.requests_invalid++;
    if (converter->refused_count >= REFUSED_KEPT)
        return true;
    char message[sizeof converter->status.message + 64]; /* room for the place */
    if (place.error_line == 0)
        snprintf(message, sizeof message, "input line %u: %s", place.line, detail);
    else if (place.error_line == place.line)
        snprintf(message, sizeof message, "input line %u, column %zu: %s", place.line,
                 place.error_column, detail);
    else
        snprintf(message, sizeof message, "input line %u: %s (line %u, column %zu)", place.line,
                 detail, place.error_line, place.error_column);
    message_one_line(message);
    char *kept = arena_dup(c->arena, message, strlen(message) + 1);
    if (kept == NULL)
        return false;
    converter->refused[converter->refused_count++] = kept;
    return true;
}

/*
 * Decodes every JSON request in text, one after another (JSON Lines, or
 * requests concatenated). A request that is not valid (malformed, another
 * signal, over a limit) is refused: its line is recorded and reading goes on
 * at the next request line, so one bad line loses nothing else. Fails only
 * when memory runs out, or when no request at all converts (then the first
 * refusal is the error).
 */
static ptm_result convert_json(ptm_converter *converter, conversion *c, const decode_handler *handler,
                               const uint8_t *text, size_t size)
{
    ptm_status *status = &converter->status;
    text_position at = {text, 0, 1, 0};
    size_t offset = 0;
    uint64_t converted = 0;
    ptm_result first_refusal = PTM_OK;
    for (;;) {
        offset = json_space_end(text, size, offset);
        if (offset == size)
            break;
        advance_to(&at, offset);
        byte_buffer protobuf;
        buffer_init(&protobuf, c->arena);
        size_t consumed = 0, syntax_error_at;
        ptm_status request; /* this request's: a refusal is not the call's failure */
        status_init(&request);
        if (json_request_to_protobuf((const char *)text + offset, size - offset, &consumed,
                                     &syntax_error_at, &protobuf, &request) == PTM_OK &&
            decode_request((byte_slice){protobuf.data, protobuf.size}, c->arena, &c->interner,
                           handler, &request) == PTM_OK) {
            converted++;
            offset += consumed;
            continue;
        }
        if (request.code == PTM_ERR_NOMEM) {
            status_out_of_memory(status);
            return status->code;
        }
        refusal_place place = {.line = at.line};
        if (syntax_error_at != SIZE_MAX) {
            advance_to(&at, offset + syntax_error_at);
            place.error_line = at.line;
            place.error_column = offset + syntax_error_at - at.line_start + 1;
        }
        if (first_refusal == PTM_OK)
            first_refusal = request.code;
        if (!refuse_request(converter, c, place, request.message)) {
            status_out_of_memory(status);
            return status->code;
        }
        offset = next_request_line(text, size, offset);
    }
    if (converted == 0 && first_refusal != PTM_OK) {
        converter->refused_count = 0;
        if (c->stats.requests_invalid == 1)
            status_fail(status, first_refusal, "%s", converter->refused[0]);
        else
            status_fail(status, first_refusal, "%s (and %llu more requests refused)", converter->refused[0],
                        (unsigned long long)(c->stats.requests_invalid - 1));
    }
    return status->code;
}

static ptm_result encode(conversion *c, ptm_format format, byte_buffer *out)
{
    bool ok = format == PTM_FORMAT_OTLP_PROTOBUF ? encode_otlp_protobuf(c, out)
            : format == PTM_FORMAT_OTLP_JSON ? encode_otlp_json(c, out)
            : encode_prometheus(c, out);
    return ok ? PTM_OK : PTM_ERR_NOMEM;
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

/* Decodes the input into c (one request, or JSON requests one after another). */
static ptm_result walk_input(ptm_converter *converter, conversion *c, const uint8_t *input,
                             size_t input_size)
{
    ptm_status *status = &converter->status;
    decode_handler handler = conversion_handler(c);
    static const uint8_t utf8_bom[3] = {0xef, 0xbb, 0xbf};
    if (input_size >= 3 && memcmp(input, utf8_bom, 3) == 0 && is_json(input + 3, input_size - 3)) {
        input += 3; /* a UTF-8 byte-order mark before JSON is dropped */
        input_size -= 3;
    }
    const char *unsupported = unsupported_input(input, input_size);
    if (unsupported != NULL) {
        status_fail(status, PTM_ERR_INPUT, "input: %s", unsupported);
        return status->code;
    }
    if (is_json(input, input_size))
        return convert_json(converter, c, &handler, input, input_size);
    decode_request((byte_slice){input, input_size}, c->arena, &c->interner, &handler, status);
    if (status->code == PTM_ERR_INPUT || status->code == PTM_ERR_LIMIT)
        status_prefix(status, "input: ");
    return status->code;
}

static ptm_result run(ptm_converter *converter, conversion *c, const uint8_t *input,
                      size_t input_size, ptm_format format, byte_buffer *out)
{
    ptm_status *status = &converter->status;
    if (!conversion_init(c, &converter->config, &converter->metrics, &converter->hash_key,
                         &converter->conversion_arena, &converter->conversion_arena, status)) {
        status_out_of_memory(status);
        return status->code;
    }
    const char *culprit;
    pattern_engine_take_limit_hits(converter->config.engine, &culprit); /* forget earlier calls' */
    if (walk_input(converter, c, input, input_size) != PTM_OK)
        return status->code;
    c->stats.pattern_limit_hits = pattern_engine_take_limit_hits(converter->config.engine, &culprit);
    if (converter->config.cumulative && !cumulative_merge(&converter->cumulative, c)) {
        cumulative_clear(&converter->cumulative); /* it holds part of this input */
        status_fail(status, PTM_ERR_NOMEM, "out of memory (the cumulative state was reset)");
        return status->code;
    }
    if (!conversion_finish(c) || encode(c, format, out) != PTM_OK) {
        status_out_of_memory(status);
        return status->code;
    }
    settle_warning(converter, c, culprit);
    return PTM_OK;
}

ptm_result ptm_convert(ptm_converter *converter, const uint8_t *input, size_t input_size,
                       ptm_format format, const uint8_t **output, size_t *output_size,
                       ptm_stats *stats)
{
    if (output != NULL)
        *output = NULL;
    if (output_size != NULL)
        *output_size = 0;
    if (stats != NULL)
        memset(stats, 0, sizeof *stats);
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    status_init(&converter->status);
    converter->warning[0] = '\0';
    converter->refused_count = 0;
    arena_reset(&converter->conversion_arena);
    ptm_status *status = &converter->status;
    if (output == NULL || output_size == NULL || (input == NULL && input_size > 0)) {
        status_fail(status, PTM_ERR_ARGUMENT, "input, output and output_size must not be NULL");
        return status->code;
    }
    if (format != PTM_FORMAT_OTLP_PROTOBUF && format != PTM_FORMAT_OTLP_JSON &&
        format != PTM_FORMAT_PROMETHEUS) {
        status_fail(status, PTM_ERR_ARGUMENT, "unknown output format %d", (int)format);
        return status->code;
    }
    if (input_size > converter->config.max_input_bytes) {
        status_fail(status, PTM_ERR_LIMIT, "input: %zu bytes is more than max_input_bytes (%llu)",
                    input_size, (unsigned long long)converter->config.max_input_bytes);
        return status->code;
    }
    conversion c;
    byte_buffer out;
    buffer_init(&out, &converter->conversion_arena);
    ptm_result result = run(converter, &c, input, input_size, format, &out);
    if (stats != NULL)
        *stats = c.stats;
    if (result != PTM_OK) {
        converter->refused_count = 0;
        arena_free(&converter->conversion_arena);
        return result;
    }
    static const uint8_t empty[1] = {0};
    *output = out.data != NULL ? out.data : empty;
    *output_size = out.size;
    return PTM_OK;
}
