/*
 * proxywasm.c: the Envoy HTTP filter build/wasm/ptm-proxywasm.wasm
 * (proxy-wasm ABI 0.2.1) over the C API.
 *
 * A POST to the matched path (default /v1development/profiles) is held until
 * its body is whole, converted by the core into an OTLP
 * ExportMetricsServiceRequest (protobuf) and sent on, in its place, to the
 * rewrite path (default /v1/metrics). A body the core refuses, or one over
 * the size limit, gets a local 400 carrying the `ptm:` message (or, with
 * "on_error": "pass", goes on untouched). Every other request passes
 * untouched. No conversion logic lives here: configuration, HTTP plumbing,
 * and the core's results turned into responses, logs and counters.
 *
 * Design:
 *  - One converter per plugin (root context), built in proxy_on_configure
 *    from the plugin configuration: the core's JSON configuration plus a
 *    "filter" object of this file's options (docs/hosts/envoy.md).
 *    A conversion runs within one callback, so one converter serves every
 *    stream of its plugin.
 *  - Envoy holds the body (the body callbacks return Pause until the end
 *    of the stream); at the end it is read from Envoy's buffer in pieces of
 *    BODY_PIECE bytes and fed to the core's stream, so the VM never holds a
 *    second copy of the whole compressed body.
 *  - The ABI's callbacks carry a context id and nothing else, so the
 *    contexts live in one table by id: the module's only global state
 *    besides the initialisation flag. A stream context lives from
 *    proxy_on_context_create to the end of its request, and proxy_on_log,
 *    _done and _delete (Envoy calls all three, the Go SDK's emulator only
 *    the first) free what is left: a VM's memory stays flat however many
 *    requests pass.
 *  - Envoy calls _initialize before anything else; the Go SDK's emulator
 *    never does. Every entry point runs the initialisation once.
 *  - Imports: the env.proxy_* host calls (proxywasm_host.h), which both
 *    Envoy and the emulator provide, and WASI random_get (through
 *    getentropy) for the converters' hash keys. stdio is stubbed
 *    (no_stdio.c).
 *
 * This file: the plugins' configuration, the conversion and the request
 * callbacks; proxywasm_host.c the VM's side of the ABI (initialisation,
 * contexts, logging, headers, local answers, counters); proxywasm_config.c
 * the plugin configuration.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxywasm_host.h"

/* ---- plugins (root contexts) -------------------------------------------------- */

static const char *const counter_names[COUNTER_COUNT] = {
    "profiletometrics.requests_converted", "profiletometrics.requests_rejected",
    "profiletometrics.requests_passed",    "profiletometrics.samples_total",
    "profiletometrics.samples_kept",       "profiletometrics.samples_filtered",
    "profiletometrics.samples_invalid",    "profiletometrics.samples_skipped",
    "profiletometrics.points",
};

/* A gauge: the VM's linear memory in bytes, recorded after each request. */
static const char memory_gauge_name[] = "profiletometrics.vm_memory_bytes";

static void define_metrics(plugin *p)
{
    for (int i = 0; i < COUNTER_COUNT; i++)
        proxy_define_metric(METRIC_COUNTER, counter_names[i], strlen(counter_names[i]), &p->counters[i]);
    proxy_define_metric(METRIC_GAUGE, memory_gauge_name, sizeof memory_gauge_name - 1, &p->memory_gauge);
}

/* Builds the plugin of a root context; a failure is logged with the key
 * that is wrong and keeps the plugin's previous configuration, if any. */
int32_t EXPORT(proxy_on_configure)(uint32_t root_id, size_t configuration_size)
{
    initialize_once();
    context *root = find_context(root_id);
    if (root == NULL)
        return 0;
    uint8_t *text = NULL;
    size_t size = 0;
    if (configuration_size > 0 &&
        proxy_get_buffer_bytes(BUFFER_PLUGIN_CONFIGURATION, 0, configuration_size, &text, &size) != PROXY_OK)
        size = 0;
    plugin *p = calloc(1, sizeof *p);
    config_error error = {.text = "config: out of memory"};
    bool ok = p != NULL && plugin_configure((const char *)text, size, &p->options, &p->converter, &error);
    free(text);
    if (!ok) {
        log_message(root, LOG_ERROR, "%s", error.text);
        free_plugin(p);
        return 0;
    }
    define_metrics(p);
    free_plugin(root->plugin);
    root->plugin = p;
    log_message(root, LOG_INFO, "configured (profiletometrics %s)", ptm_version());
    return 1;
}

/* ---- conversion ---------------------------------------------------------------- */

enum { BODY_PIECE = 1 << 20 };

/* Feeds Envoy's buffered body to the converter's stream, a piece at a time. */
static void feed_body(ptm_converter *converter, uint64_t body_size)
{
    ptm_convert_begin(converter, body_size);
    for (uint64_t at = 0; at < body_size;) {
        uint8_t *piece = NULL;
        size_t size = 0;
        uint64_t want = body_size - at < BODY_PIECE ? body_size - at : BODY_PIECE;
        if (proxy_get_buffer_bytes(BUFFER_REQUEST_BODY, (size_t)at, (size_t)want, &piece, &size) != PROXY_OK ||
            size == 0) {
            free(piece);
            break;
        }
        ptm_result result = ptm_convert_feed(converter, piece, size);
        free(piece);
        at += size;
        if (result != PTM_OK)
            break; /* ptm_convert_finish() reports it */
    }
}

static void log_conversion(context *ctx, const ptm_converter *converter, const ptm_stats *stats)
{
    if (ptm_converter_last_warning(converter)[0] != '\0')
        log_message(ctx, LOG_WARN, "%s", ptm_converter_last_warning(converter));
    const char *refusal;
    for (size_t i = 0; (refusal = ptm_converter_refused_request(converter, i)) != NULL; i++)
        log_message(ctx, LOG_WARN, "%s", refusal);
    if (stats->requests_invalid > 0)
        log_message(ctx, LOG_WARN, "input: %llu of %llu requests refused; the others were converted",
                    (unsigned long long)stats->requests_invalid,
                    (unsigned long long)(stats->requests_invalid + stats->requests));
    if (stats->samples_invalid > 0)
        log_message(ctx, LOG_DEBUG, "input: %llu of %llu samples invalid, skipped",
                    (unsigned long long)stats->samples_invalid, (unsigned long long)stats->samples_total);
}

static void count_conversion(const plugin *p, const ptm_stats *stats)
{
    count_metric(p, COUNT_REQUESTS_CONVERTED, 1);
    count_metric(p, COUNT_SAMPLES_TOTAL, stats->samples_total);
    count_metric(p, COUNT_SAMPLES_KEPT, stats->samples_kept);
    count_metric(p, COUNT_SAMPLES_FILTERED, stats->samples_filtered);
    count_metric(p, COUNT_SAMPLES_INVALID, stats->samples_invalid);
    count_metric(p, COUNT_SAMPLES_SKIPPED, stats->samples_skipped);
    count_metric(p, COUNT_POINTS, stats->series);
}

/* path and query (NULL: none) as one string held by ctx; NULL when memory ran out. */
static const char *join_path(context *ctx, const char *path, const char *query)
{
    size_t path_size = strlen(path), query_size = query != NULL ? strlen(query) : 0;
    char *whole = hold(ctx, path_size + query_size + 1);
    if (whole != NULL) {
        memcpy(whole, path, path_size);
        memcpy(whole + path_size, query != NULL ? query : "", query_size + 1);
    }
    return whole;
}

/* Turns the whole body into metrics and sends them on to the rewrite path. */
static int32_t convert_request(context *ctx, plugin *p)
{
    stream *s = ctx->stream;
    ptm_converter *converter = p->converter;
    ptm_converter_set_input_format(converter, s->kind == BODY_JSON ? PTM_INPUT_JSON : PTM_INPUT_OTLP);
    feed_body(converter, s->body_size);
    const uint8_t *output = NULL;
    size_t output_size = 0;
    ptm_stats stats;
    ptm_result result = ptm_convert_finish(converter, PTM_FORMAT_OTLP_PROTOBUF, &output, &output_size, &stats);
    if (result != PTM_OK) {
        body_kind kind = s->kind;
        return fail_request(ctx, p, result == PTM_ERR_NOMEM ? 503 : result == PTM_ERR_MEMORY_LIMIT ? 413 : 400,
                            ptm_converter_last_error(converter), &kind);
    }
    const char *path = join_path(ctx, p->options.rewrite_path, s->query);
    if (path == NULL) {
        body_kind kind = s->kind;
        return fail_request(ctx, p, 503, "out of memory", &kind);
    }
    log_conversion(ctx, converter, &stats);
    if (output_size > 0 || s->body_size > 0)
        proxy_set_buffer_bytes(BUFFER_REQUEST_BODY, 0, (size_t)s->body_size, output, output_size);
    set_request_header(":path", path);
    set_request_header("content-type", "application/x-protobuf");
    remove_request_header("content-encoding");
    remove_request_header(PROFILES_VERSION_HEADER); /* the body is metrics now */
    count_conversion(p, &stats);
    end_stream(ctx);
    record_memory(p);
    return ACTION_CONTINUE;
}

/* The body kind the content-type names; false when it names another. */
static bool body_kind_of(const char *content_type, body_kind *kind)
{
    if (content_type != NULL && header_token_is(content_type, "application/x-protobuf")) {
        *kind = BODY_PROTOBUF;
        return true;
    }
    if (content_type != NULL && header_token_is(content_type, "application/json")) {
        *kind = BODY_JSON;
        return true;
    }
    return false;
}

/* Whether the core reads a body of this content-encoding (absent: identity). */
static bool encoding_is_known(const char *encoding)
{
    return encoding == NULL || header_token_is(encoding, "identity") ||
           header_token_is(encoding, "gzip") || header_token_is(encoding, "zstd");
}

/* Whether this request is one to convert: POST to the match path. On
 * success *query is its "?..." (NULL: none) for the caller to free. */
static bool request_matches(const plugin *p, char **query)
{
    *query = NULL;
    char *method = request_header(":method");
    bool post = method != NULL && strcmp(method, "POST") == 0;
    free(method);
    char *path = post ? request_header(":path") : NULL;
    if (path == NULL)
        return false;
    size_t length = strcspn(path, "?");
    bool matches = length == strlen(p->options.match_path) && memcmp(path, p->options.match_path, length) == 0;
    if (matches && path[length] == '?')
        *query = strdup(path + length);
    free(path);
    return matches;
}

/* Starts the conversion of a matching request, or answers it when it is of
 * a profiles version the core does not read (400, before its body is read)
 * or its content-type or content-encoding is one the core does not read
 * (415). Takes query. */
static int32_t begin_request(context *ctx, plugin *p, char *query, bool end_of_stream)
{
    char *version = request_header(PROFILES_VERSION_HEADER);
    char *content_type = request_header("content-type");
    char *encoding = request_header("content-encoding");
    body_kind kind = BODY_PROTOBUF;
    bool known_kind = body_kind_of(content_type, &kind);
    char message[512] = "";
    uint32_t status = 415;
    if (version != NULL && strcmp(version, "1") != 0) {
        status = 400;
        snprintf(message, sizeof message,
                 "request: OTLP-Profiles-Development-Version \"%.200s\" is not 1, the version this filter reads",
                 version);
    } else if (!known_kind)
        snprintf(message, sizeof message,
                 "request: content-type \"%.200s\" is not application/x-protobuf or application/json",
                 content_type != NULL ? content_type : "");
    else if (!encoding_is_known(encoding))
        snprintf(message, sizeof message, "request: content-encoding \"%.200s\" is not gzip, zstd or identity",
                 encoding);
    else if ((ctx->stream = calloc(1, sizeof *ctx->stream)) == NULL) {
        status = 503;
        snprintf(message, sizeof message, "out of memory");
    }
    free(version);
    free(content_type);
    free(encoding);
    if (message[0] != '\0') {
        free(query);
        return fail_request(ctx, p, status, message, known_kind ? &kind : NULL);
    }
    ctx->stream->kind = kind;
    ctx->stream->query = query;
    remove_request_header("content-length"); /* the body's length changes */
    return end_of_stream ? convert_request(ctx, p) : ACTION_PAUSE;
}

int32_t EXPORT(proxy_on_request_headers)(uint32_t id, size_t header_count, int32_t end_of_stream)
{
    (void)header_count;
    initialize_once();
    context *ctx = find_context(id);
    plugin *p = ctx != NULL ? find_plugin(ctx->root_id) : NULL;
    if (p == NULL)
        return ACTION_CONTINUE;
    end_stream(ctx);
    char *query = NULL;
    if (!request_matches(p, &query))
        return ACTION_CONTINUE;
    return begin_request(ctx, p, query, end_of_stream != 0);
}

int32_t EXPORT(proxy_on_request_body)(uint32_t id, size_t body_size, int32_t end_of_stream)
{
    initialize_once();
    context *ctx = find_context(id);
    if (ctx == NULL || ctx->stream == NULL)
        return ACTION_CONTINUE;
    plugin *p = find_plugin(ctx->root_id);
    if (p == NULL) {
        end_stream(ctx);
        return ACTION_CONTINUE;
    }
    ctx->stream->body_size = body_size;
    if (body_size > p->options.max_body_bytes) {
        char message[160];
        snprintf(message, sizeof message, "request: body passes filter.max_body_bytes (%llu bytes)",
                 (unsigned long long)p->options.max_body_bytes);
        body_kind kind = ctx->stream->kind;
        return fail_request(ctx, p, 400, message, &kind);
    }
    return end_of_stream ? convert_request(ctx, p) : ACTION_PAUSE;
}

/* A request with trailers ends there: its body is whole. */
int32_t EXPORT(proxy_on_request_trailers)(uint32_t id, size_t trailer_count)
{
    (void)trailer_count;
    initialize_once();
    context *ctx = find_context(id);
    plugin *p = ctx != NULL && ctx->stream != NULL ? find_plugin(ctx->root_id) : NULL;
    return p != NULL ? convert_request(ctx, p) : ACTION_CONTINUE;
}
