/*
 * proxywasm_host.c: the Envoy filter's side of proxy-wasm ABI 0.2.1 that is
 * not about converting (proxywasm.c is): the module's initialisation and
 * allocator, the contexts by id and their lifetimes (created, done, logged,
 * deleted), the bytes handed to the host, "ptm: " log lines, request
 * headers, local answers in the request's encoding, and the counters.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "proxywasm_host.h"

/* ---- initialisation and the allocator ---------------------------------------- */

void __wasm_call_ctors(void);

static bool initialized;

void initialize_once(void)
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

context *find_context(uint32_t id)
{
    return *context_slot(id);
}

plugin *find_plugin(uint32_t root_id)
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
char *hold(context *ctx, size_t size)
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

const char *make_line(context *ctx, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    const char *line = format_line(ctx, format, arguments);
    va_end(arguments);
    return line;
}

void log_text(enum proxy_log_level level, const char *text)
{
    proxy_log(level, text, strlen(text));
}

void log_message(context *ctx, enum proxy_log_level level, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    log_text(level, format_line(ctx, format, arguments));
    va_end(arguments);
}

void end_stream(context *ctx)
{
    if (ctx->stream != NULL) {
        free(ctx->stream->query);
        free(ctx->stream);
        ctx->stream = NULL;
    }
}

void free_plugin(plugin *p)
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

/* ---- request headers ------------------------------------------------------------ */

/* A request header's value (NULL when absent), NUL-terminated, for free(). */
char *request_header(const char *name)
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

void set_request_header(const char *name, const char *value)
{
    proxy_replace_header_map_value(MAP_REQUEST_HEADERS, name, strlen(name), value, strlen(value));
}

void remove_request_header(const char *name)
{
    proxy_remove_header_map_value(MAP_REQUEST_HEADERS, name, strlen(name));
}

/* Whether value, up to a ';' and without surrounding blanks, is token (any case). */
bool header_token_is(const char *value, const char *token)
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

void count_metric(const plugin *p, enum plugin_counter counter, uint64_t amount)
{
    if (amount > 0)
        proxy_increment_metric(p->counters[counter], (int64_t)amount);
}

void record_memory(const plugin *p)
{
    proxy_record_metric(p->memory_gauge, (uint64_t)__builtin_wasm_memory_size(0) * 65536);
}

/*
 * A request the filter cannot convert: answered with status and "ptm: "
 * message, or passed on untouched with "on_error": "pass" (the message then
 * logged). kind NULL: its body is neither protobuf nor JSON.
 */
int32_t fail_request(context *ctx, const plugin *p, uint32_t status, const char *message,
                            const body_kind *kind)
{
    end_stream(ctx);
    if (p->options.pass_on_error) {
        log_message(ctx, LOG_WARN, "%s (passed on untouched: \"on_error\": \"pass\")", message);
        count_metric(p, COUNT_REQUESTS_PASSED, 1);
        record_memory(p);
        return ACTION_CONTINUE;
    }
    const char *line = make_line(ctx, "%s", message);
    log_text(LOG_WARN, line);
    send_failure(ctx, status, line, kind);
    count_metric(p, COUNT_REQUESTS_REJECTED, 1);
    record_memory(p);
    return ACTION_PAUSE;
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
