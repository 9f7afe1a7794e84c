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
 *  - Imports: the env.proxy_* host calls below, which both Envoy and the
 *    emulator provide, and WASI random_get (through getentropy) for the
 *    converters' hash keys. stdio is stubbed (no_stdio.c).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "proxywasm_config.h"

#define EXPORT(name) __attribute__((export_name(#name))) name
#define HOST_CALL(name) __attribute__((import_module("env"), import_name(#name))) name

/* ---- the host's side of ABI 0.2.1 ------------------------------------------ */

enum proxy_status { PROXY_OK = 0, PROXY_NOT_FOUND = 1 };
enum proxy_action { ACTION_CONTINUE = 0, ACTION_PAUSE = 1 };
enum proxy_log_level { LOG_DEBUG = 1, LOG_INFO = 2, LOG_WARN = 3, LOG_ERROR = 4 };
enum proxy_buffer { BUFFER_REQUEST_BODY = 0, BUFFER_PLUGIN_CONFIGURATION = 7 };
enum proxy_map { MAP_REQUEST_HEADERS = 0 };
enum proxy_metric_type { METRIC_COUNTER = 0, METRIC_GAUGE = 1 };

int32_t HOST_CALL(proxy_log)(int32_t level, const char *message, size_t size);
/* The host allocates *data with our malloc; we free it. */
int32_t HOST_CALL(proxy_get_buffer_bytes)(int32_t buffer, size_t start, size_t max_size,
                                          uint8_t **data, size_t *size);
int32_t HOST_CALL(proxy_set_buffer_bytes)(int32_t buffer, size_t start, size_t size,
                                          const uint8_t *data, size_t data_size);
int32_t HOST_CALL(proxy_get_header_map_value)(int32_t map, const char *key, size_t key_size,
                                              char **value, size_t *value_size);
int32_t HOST_CALL(proxy_replace_header_map_value)(int32_t map, const char *key, size_t key_size,
                                                  const char *value, size_t value_size);
int32_t HOST_CALL(proxy_remove_header_map_value)(int32_t map, const char *key, size_t key_size);
int32_t HOST_CALL(proxy_send_local_response)(uint32_t status, const char *details,
                                             size_t details_size, const uint8_t *body,
                                             size_t body_size, const uint8_t *headers,
                                             size_t headers_size, int32_t grpc_status);
int32_t HOST_CALL(proxy_define_metric)(int32_t type, const char *name, size_t name_size,
                                       uint32_t *metric_id);
int32_t HOST_CALL(proxy_increment_metric)(uint32_t metric_id, int64_t offset);
int32_t HOST_CALL(proxy_record_metric)(uint32_t metric_id, uint64_t value);

/* ---- initialisation and the allocator ---------------------------------------- */

void __wasm_call_ctors(void);

static bool initialized;

static void initialize_once(void)
{
    if (!initialized) {
        initialized = true;
        __wasm_call_ctors();
    }
}

void EXPORT(_initialize)(void)
{
    initialize_once();
}

void EXPORT(proxy_abi_version_0_2_1)(void)
{
}

/* Envoy's host looks for "malloc" first (exported by the link, -Wl,--export=malloc),
 * the emulator for this one. */
void *EXPORT(proxy_on_memory_allocate)(size_t size)
{
    initialize_once();
    return malloc(size);
}

/* ---- plugins (root contexts) -------------------------------------------------- */

/* The counters a plugin defines in the host (Envoy: wasmcustom.<name>). */
enum plugin_counter {
    COUNT_REQUESTS_CONVERTED,  /* forwarded as metrics */
    COUNT_REQUESTS_REJECTED,   /* answered locally (400, 415, 503) */
    COUNT_REQUESTS_PASSED,     /* a failure passed on untouched ("on_error": "pass") */
    COUNT_SAMPLES_TOTAL,       /* ptm_stats, summed over converted requests */
    COUNT_SAMPLES_KEPT,
    COUNT_SAMPLES_FILTERED,
    COUNT_SAMPLES_INVALID,
    COUNT_SAMPLES_SKIPPED,
    COUNT_POINTS,              /* data points forwarded */
    COUNTER_COUNT
};

static const char *const counter_names[COUNTER_COUNT] = {
    "profiletometrics.requests_converted", "profiletometrics.requests_rejected",
    "profiletometrics.requests_passed",    "profiletometrics.samples_total",
    "profiletometrics.samples_kept",       "profiletometrics.samples_filtered",
    "profiletometrics.samples_invalid",    "profiletometrics.samples_skipped",
    "profiletometrics.points",
};

/* A gauge: the VM's linear memory in bytes, recorded after each request. */
static const char memory_gauge_name[] = "profiletometrics.vm_memory_bytes";

typedef struct plugin {
    ptm_converter *converter; /* a plugin exists once proxy_on_configure built it */
    filter_options options;
    uint32_t counters[COUNTER_COUNT];
    uint32_t memory_gauge;
} plugin;

/* ---- HTTP streams -------------------------------------------------------------- */

typedef enum body_kind { BODY_PROTOBUF, BODY_JSON } body_kind;

/* A request to the matched path, from its headers to its conversion. */
typedef struct stream {
    body_kind kind;
    uint64_t body_size; /* what Envoy has buffered so far */
    char *query;        /* the :path's "?..." (NULL: none), kept on the rewrite */
} stream;

/* Every context: a plugin (root) or a request (stream) of one. */
typedef struct context {
    uint32_t id;
    uint32_t root_id;       /* 0 for a root context */
    plugin *plugin;         /* root contexts */
    stream *stream;         /* a request being converted; NULL when passing untouched or done */
    struct held_bytes *held; /* what it handed to the host (see hold()) */
    struct context *next;   /* in its bucket */
} context;

/* Contexts by id, chained in buckets. Invariant: each id at most once. */
enum { CONTEXT_BUCKETS = 1024 };
static context *context_buckets[CONTEXT_BUCKETS];

static context **context_slot(uint32_t id)
{
    context **slot = &context_buckets[id % CONTEXT_BUCKETS];
    while (*slot != NULL && (*slot)->id != id)
        slot = &(*slot)->next;
    return slot;
}

static context *find_context(uint32_t id)
{
    return *context_slot(id);
}

static plugin *find_plugin(uint32_t root_id)
{
    context *root = find_context(root_id);
    return root != NULL ? root->plugin : NULL;
}

/* ---- bytes handed to the host --------------------------------------------------- */

/*
 * The Go SDK's emulator keeps what a host call is given (a log line, a
 * header value, a local response) as a view into the VM's memory, not a
 * copy as Envoy does: a buffer freed or reused early would change what it
 * recorded. So those bytes are held by the context they were given for,
 * until it ends.
 */
typedef struct held_bytes {
    struct held_bytes *next;
    char bytes[];
} held_bytes;

/* size bytes held until ctx ends; NULL when memory ran out. */
static char *hold(context *ctx, size_t size)
{
    held_bytes *block = malloc(sizeof *block + size);
    if (block == NULL)
        return NULL;
    block->next = ctx->held;
    ctx->held = block;
    return block->bytes;
}

static void release_held(context *ctx)
{
    while (ctx->held != NULL) {
        held_bytes *next = ctx->held->next;
        free(ctx->held);
        ctx->held = next;
    }
}

/* ---- logging ------------------------------------------------------------------ */

enum { LINE_CAPACITY = 1024 }; /* a "ptm: " line, NUL included */

/* "ptm: " and a printf-formatted message, cut at LINE_CAPACITY, held by ctx. */
static const char *format_line(context *ctx, const char *format, va_list arguments)
{
    char *line = hold(ctx, LINE_CAPACITY);
    if (line == NULL)
        return "ptm: out of memory";
    memcpy(line, "ptm: ", 5);
    vsnprintf(line + 5, LINE_CAPACITY - 5, format, arguments);
    return line;
}

static const char *make_line(context *ctx, const char *format, ...) __attribute__((format(printf, 2, 3)));

static const char *make_line(context *ctx, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    const char *line = format_line(ctx, format, arguments);
    va_end(arguments);
    return line;
}

static void log_text(enum proxy_log_level level, const char *text)
{
    proxy_log(level, text, strlen(text));
}

/* Logs "ptm: " and a printf-formatted message for ctx. */
static void log_message(context *ctx, enum proxy_log_level level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void log_message(context *ctx, enum proxy_log_level level, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    log_text(level, format_line(ctx, format, arguments));
    va_end(arguments);
}

static void end_stream(context *ctx)
{
    if (ctx->stream != NULL) {
        free(ctx->stream->query);
        free(ctx->stream);
        ctx->stream = NULL;
    }
}

static void free_plugin(plugin *p)
{
    if (p != NULL) {
        ptm_converter_free(p->converter);
        free(p);
    }
}

static void delete_context(uint32_t id)
{
    context **slot = context_slot(id);
    context *ctx = *slot;
    if (ctx == NULL)
        return;
    *slot = ctx->next;
    end_stream(ctx);
    free_plugin(ctx->plugin);
    release_held(ctx);
    free(ctx);
}

void EXPORT(proxy_on_context_create)(uint32_t id, uint32_t root_id)
{
    initialize_once();
    delete_context(id); /* an id the host reuses starts afresh */
    context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        log_text(LOG_ERROR, "ptm: out of memory creating a context");
        return;
    }
    ctx->id = id;
    ctx->root_id = root_id;
    context **bucket = &context_buckets[id % CONTEXT_BUCKETS];
    ctx->next = *bucket;
    *bucket = ctx;
}

int32_t EXPORT(proxy_on_vm_start)(uint32_t root_id, size_t vm_configuration_size)
{
    (void)root_id, (void)vm_configuration_size;
    initialize_once();
    return 1;
}

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

/* ---- request headers ------------------------------------------------------------ */

/* The profiles' wire version this filter reads (opentelemetry-proto's
 * OTLP-Profiles-Development-Version header; absent means 1). */
#define PROFILES_VERSION_HEADER "otlp-profiles-development-version"

/* A request header's value (NULL when absent), NUL-terminated, for free(). */
static char *request_header(const char *name)
{
    char *value = NULL;
    size_t size = 0;
    if (proxy_get_header_map_value(MAP_REQUEST_HEADERS, name, strlen(name), &value, &size) != PROXY_OK)
        return NULL;
    char *text = malloc(size + 1);
    if (text != NULL) {
        memcpy(text, value, size);
        text[size] = '\0';
    }
    free(value);
    return text;
}

static void set_request_header(const char *name, const char *value)
{
    proxy_replace_header_map_value(MAP_REQUEST_HEADERS, name, strlen(name), value, strlen(value));
}

static void remove_request_header(const char *name)
{
    proxy_remove_header_map_value(MAP_REQUEST_HEADERS, name, strlen(name));
}

/* Whether value, up to a ';' and without surrounding blanks, is token (any case). */
static bool header_token_is(const char *value, const char *token)
{
    while (*value == ' ' || *value == '\t')
        value++;
    size_t length = strcspn(value, ";");
    while (length > 0 && (value[length - 1] == ' ' || value[length - 1] == '\t'))
        length--;
    return length == strlen(token) && strncasecmp(value, token, length) == 0;
}

/* ---- answers ------------------------------------------------------------------- */

/* google.rpc.Status{code = 1, message = 2} as protobuf into out (at least
 * size + 5 bytes; code under 128, size under 2^14); returns its size. */
static size_t encode_status_protobuf(int32_t code, const char *message, size_t size, uint8_t *out)
{
    size_t at = 0;
    out[at++] = 0x08; /* field 1, varint */
    out[at++] = (uint8_t)code;
    out[at++] = 0x12; /* field 2, length-delimited */
    if (size >= 0x80)
        out[at++] = (uint8_t)(0x80 | (size & 0x7f));
    out[at++] = (uint8_t)(size >> (size >= 0x80 ? 7 : 0));
    memcpy(out + at, message, size);
    return at + size;
}

/* Sends a local response with a content-type and body (held by ctx). A
 * proxy-wasm header map: the pair count, each pair's key and value sizes
 * (u32 LE), then each key and value followed by a NUL. */
static void send_local_response(context *ctx, uint32_t status, const char *content_type, const void *body,
                                size_t body_size)
{
    static const char key[] = "content-type";
    static const char details[] = "profiletometrics_refused";
    size_t type_size = strlen(content_type);
    size_t headers_size = 12 + sizeof key + type_size + 1;
    uint8_t *headers = (uint8_t *)hold(ctx, headers_size);
    if (headers == NULL) {
        proxy_send_local_response(status, details, sizeof details - 1, body, body_size, NULL, 0, -1);
        return;
    }
    uint32_t sizes[3] = {1, sizeof key - 1, (uint32_t)type_size};
    memcpy(headers, sizes, sizeof sizes);
    memcpy(headers + 12, key, sizeof key);
    memcpy(headers + 12 + sizeof key, content_type, type_size + 1);
    proxy_send_local_response(status, details, sizeof details - 1, body, body_size, headers, headers_size, -1);
}

/* line as the JSON of a google.rpc.Status, held by ctx; NULL when memory ran out. */
static const char *status_json(context *ctx, int32_t code, const char *line)
{
    cJSON *object = cJSON_CreateObject();
    char *json = NULL;
    if (object != NULL && cJSON_AddNumberToObject(object, "code", code) != NULL &&
        cJSON_AddStringToObject(object, "message", line) != NULL)
        json = cJSON_PrintUnformatted(object);
    cJSON_Delete(object);
    char *held = json != NULL ? hold(ctx, strlen(json) + 1) : NULL;
    if (held != NULL)
        strcpy(held, json);
    cJSON_free(json);
    return held;
}

/*
 * Answers the request locally with status and line ("ptm: ..."; held by
 * ctx) as an OTLP/HTTP server does: the body a google.rpc.Status (code 3,
 * INVALID_ARGUMENT, or 14, UNAVAILABLE, for 503) in the request's encoding
 * (kind), protobuf or JSON; plain text when kind is NULL (neither) or when
 * memory ran out.
 */
static void send_failure(context *ctx, uint32_t status, const char *line, const body_kind *kind)
{
    int32_t code = status == 503 ? 14 : 3;
    size_t size = strlen(line);
    uint8_t *protobuf = kind != NULL && *kind == BODY_PROTOBUF ? (uint8_t *)hold(ctx, size + 5) : NULL;
    const char *json = kind != NULL && *kind == BODY_JSON ? status_json(ctx, code, line) : NULL;
    if (protobuf != NULL)
        send_local_response(ctx, status, "application/x-protobuf", protobuf,
                            encode_status_protobuf(code, line, size, protobuf));
    else if (json != NULL)
        send_local_response(ctx, status, "application/json", json, strlen(json));
    else
        send_local_response(ctx, status, "text/plain; charset=utf-8", line, size);
}

static void count(const plugin *p, enum plugin_counter counter, uint64_t amount)
{
    if (amount > 0)
        proxy_increment_metric(p->counters[counter], (int64_t)amount);
}

static void record_memory(const plugin *p)
{
    proxy_record_metric(p->memory_gauge, (uint64_t)__builtin_wasm_memory_size(0) * 65536);
}

/*
 * A request the filter cannot convert: answered with status and "ptm: "
 * message, or passed on untouched with "on_error": "pass" (the message then
 * logged). kind NULL: its body is neither protobuf nor JSON.
 */
static int32_t fail_request(context *ctx, const plugin *p, uint32_t status, const char *message,
                            const body_kind *kind)
{
    end_stream(ctx);
    if (p->options.pass_on_error) {
        log_message(ctx, LOG_WARN, "%s (passed on untouched: \"on_error\": \"pass\")", message);
        count(p, COUNT_REQUESTS_PASSED, 1);
        record_memory(p);
        return ACTION_CONTINUE;
    }
    const char *line = make_line(ctx, "%s", message);
    log_text(LOG_WARN, line);
    send_failure(ctx, status, line, kind);
    count(p, COUNT_REQUESTS_REJECTED, 1);
    record_memory(p);
    return ACTION_PAUSE;
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
    count(p, COUNT_REQUESTS_CONVERTED, 1);
    count(p, COUNT_SAMPLES_TOTAL, stats->samples_total);
    count(p, COUNT_SAMPLES_KEPT, stats->samples_kept);
    count(p, COUNT_SAMPLES_FILTERED, stats->samples_filtered);
    count(p, COUNT_SAMPLES_INVALID, stats->samples_invalid);
    count(p, COUNT_SAMPLES_SKIPPED, stats->samples_skipped);
    count(p, COUNT_POINTS, stats->series);
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

/* ---- the end of a context -------------------------------------------------------- */

int32_t EXPORT(proxy_on_done)(uint32_t id)
{
    initialize_once();
    context *ctx = find_context(id);
    if (ctx != NULL)
        end_stream(ctx);
    return 1;
}

void EXPORT(proxy_on_log)(uint32_t id)
{
    initialize_once();
    context *ctx = find_context(id);
    if (ctx != NULL && ctx->root_id != 0)
        delete_context(id);
}

void EXPORT(proxy_on_delete)(uint32_t id)
{
    initialize_once();
    delete_context(id);
}
