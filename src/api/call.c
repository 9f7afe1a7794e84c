/*
 * call.c: one call of the API (or one stream) from its start to its output:
 * the conversion it fills, the sink the input stream hands requests to
 * (input/stream.h), the refused requests kept, the output written and
 * handed out (converter_internal.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/converter_internal.h"
#include "input/detect.h"
#include "decode/decode.h"
#include "decode/pprof_decode.h"
#include "encode/encode.h"

/* ---- refusals ---- */

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

bool call_refuse(ptm_converter *converter, ptm_result code, const char *message)
{
    char text[sizeof converter->status.message + 64]; /* a request's message, with its place */
    snprintf(text, sizeof text, "%s", message);
    request_tally *requests = &converter->call->requests;
    if (requests->first_refusal == PTM_OK)
        requests->first_refusal = code;
    return keep_refusal(converter, text);
}

ptm_result call_settle_requests(ptm_converter *converter)
{
    ptm_status *status = &converter->status;
    const request_tally *requests = &converter->call->requests;
    uint64_t refused = converter->call->conversion.stats.requests_invalid;
    if (requests->converted > 0 || requests->first_refusal == PTM_OK)
        return status->code;
    converter->refused_count = 0;
    if (refused == 1)
        status_fail(status, requests->first_refusal, "%s", converter->refused[0]);
    else
        status_fail(status, requests->first_refusal, "%s (and %llu more requests refused)", converter->refused[0],
                    (unsigned long long)(refused - 1));
    return status->code;
}

/* ---- the input stream's sink ---- */

static ptm_result sink_start(void *context)
{
    return call_start_conversion(context, true);
}

/* Decodes one request (protobuf, in the request arena) into the
 * conversion; a refusal is the request's, not the call's. */
static ptm_result sink_request(void *context, byte_slice protobuf, ptm_status *request)
{
    ptm_converter *converter = context;
    conversion *c = &converter->call->conversion;
    decode_handler handler = conversion_handler(c);
    if (decode_request(protobuf, &converter->request_arena, &c->interner, &handler, request) == PTM_OK)
        converter->call->requests.converted++;
    return request->code;
}

static bool sink_refused(void *context, ptm_result code, const char *message)
{
    return call_refuse(context, code, message);
}

ptm_result call_start_conversion(ptm_converter *converter, bool requests)
{
    ptm_status *status = &converter->status;
    arena *request_arena = requests ? &converter->request_arena : &converter->conversion_arena;
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
    /* A store will absorb the series: its limit is over what it holds. */
    cumulative_store *store = converter->add_time != 0 ? &converter->kept[converter->kept_current]
                            : converter->config.cumulative ? &converter->cumulative : NULL;
    if (store != NULL && !cumulative_watch(store, c)) {
        status_out_of_memory(status);
        return status->code;
    }
    return PTM_OK;
}

/* ---- the whole input ---- */

void call_decode_whole(conversion *c, ptm_input_format format, byte_slice whole, arena *a, ptm_status *status)
{
    decode_handler handler = conversion_handler(c);
    if (format == PTM_INPUT_PPROF)
        decode_pprof(whole, a, &c->interner, &handler, status);
    else
        decode_request(whole, a, &c->interner, &handler, status);
    if (status->code == PTM_ERR_INPUT || status->code == PTM_ERR_LIMIT)
        status_prefix(status, "input: ");
}

ptm_result call_walk_input(ptm_converter *converter, const uint8_t *input, size_t input_size)
{
    ptm_status *status = &converter->status;
    byte_slice whole = input_without_bom(input, input_size); /* a UTF-8 byte-order mark before JSON is dropped */
    ptm_input_format format = input_format_of(converter->input_format, whole.data, whole.size, status);
    if (format == PTM_INPUT_AUTO)
        return status->code;
    if (format == PTM_INPUT_JSON)
        return input_stream_read_json(&converter->call->stream, whole.data, whole.size) == PTM_OK
                   ? call_settle_requests(converter) : status->code;
    if (call_start_conversion(converter, false) != PTM_OK)
        return status->code;
    conversion *c = &converter->call->conversion;
    call_decode_whole(c, format, whole, c->arena, status);
    return status->code;
}

/* ---- the output ---- */

void call_output_init(ptm_converter *converter, byte_buffer *out)
{
    buffer_init(out, &converter->conversion_arena);
    out->limit = (size_t)converter->config.max_output_bytes;
}

bool call_encode(conversion *c, ptm_format format, byte_buffer *out, ptm_status *status)
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

/* Within ptm_converter_add(): the conversion's series into the held store,
 * nothing written. */
static void hold_conversion(ptm_converter *converter, conversion *c)
{
    cumulative_store *store = &converter->kept[converter->kept_current];
    if (!cumulative_absorb(store, c, converter->add_time)) {
        status_out_of_memory(&converter->status); /* the store holds what it held */
        return;
    }
    if (converter->window_start == 0)
        converter->window_start = converter->add_time;
}

ptm_result call_finish_conversion(ptm_converter *converter, ptm_format format, byte_buffer *out)
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
        status_out_of_memory(status); /* the store holds what it held */
        return status->code;
    }
    c->top_count = converter->top_count;
    if (!conversion_finish(c)) {
        status_out_of_memory(status);
        return status->code;
    }
    if (!call_encode(c, format, out, status))
        return status->code;
    settle_warning(converter, c, culprit);
    return PTM_OK;
}

/* ---- the call's lifetime ---- */

void call_end_stream(ptm_converter *converter)
{
    converter->streaming = false;
    if (converter->call != NULL)
        input_stream_free(&converter->call->stream);
}

void call_begin(ptm_converter *converter)
{
    call_end_stream(converter);
    status_init_budget(&converter->status, &converter->budget);
    memory_budget_begin(&converter->budget);
    converter->warning[0] = '\0';
    converter->refused_count = 0;
    arena_reset(&converter->conversion_arena);
    arena_reset(&converter->request_arena);
    converter->call = arena_calloc(&converter->conversion_arena, 1, sizeof *converter->call);
    if (converter->call == NULL) {
        status_out_of_memory(&converter->status);
    } else {
        input_stream_setup setup = {converter->allocator, converter->config.max_input_bytes,
                                    &converter->input_format, &converter->request_arena, &converter->status};
        input_sink sink = {converter, sink_start, sink_request, sink_refused};
        input_stream_init(&converter->call->stream, &setup, &sink);
    }
    const char *culprit;
    pattern_engine_take_limit_hits(converter->config.engine, &culprit); /* forget earlier calls' */
}

bool call_format_known(ptm_format format)
{
    return format == PTM_FORMAT_OTLP_PROTOBUF || format == PTM_FORMAT_OTLP_JSON ||
           format == PTM_FORMAT_PROMETHEUS || format == PTM_FORMAT_FOLDED || format == PTM_FORMAT_TOP;
}

bool call_clear_outputs(const ptm_converter *converter, const uint8_t **output, size_t *output_size,
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

ptm_result call_hand_out(ptm_converter *converter, ptm_result result, const byte_buffer *out,
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
