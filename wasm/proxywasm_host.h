/*
 * proxywasm_host.h: what the Envoy filter's files share (proxywasm.c: the
 * plugins' configuration, the conversion and the request callbacks;
 * proxywasm_host.c: the VM's side of proxy-wasm ABI 0.2.1: initialisation,
 * the contexts by id, the bytes handed to the host, logging, request
 * headers, local answers and counters).
 */
#ifndef PTM_PROXYWASM_HOST_H
#define PTM_PROXYWASM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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


/* The profiles' wire version this filter reads (opentelemetry-proto's
 * OTLP-Profiles-Development-Version header; absent means 1). */
#define PROFILES_VERSION_HEADER "otlp-profiles-development-version"

/* Runs the module's initialisation once (Envoy calls _initialize, the Go
 * SDK's emulator never does): every entry point calls it first. */
void initialize_once(void);

/* The context of id, or NULL; the plugin of the root context root_id, or NULL. */
context *find_context(uint32_t id);
plugin *find_plugin(uint32_t root_id);
void free_plugin(plugin *p);

/* size bytes held until ctx ends; NULL when memory ran out. */
char *hold(context *ctx, size_t size);

/* "ptm: " and a printf-formatted message, held by ctx. */
const char *make_line(context *ctx, const char *format, ...) __attribute__((format(printf, 2, 3)));
void log_text(enum proxy_log_level level, const char *text);
/* Logs "ptm: " and a printf-formatted message for ctx. */
void log_message(context *ctx, enum proxy_log_level level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Frees ctx's stream (a request being converted), if any. */
void end_stream(context *ctx);

/* A request header's value (NULL when absent), NUL-terminated, for free(). */
char *request_header(const char *name);
void set_request_header(const char *name, const char *value);
void remove_request_header(const char *name);
/* Whether value, up to a ';' and without surrounding blanks, is token (any case). */
bool header_token_is(const char *value, const char *token);

/* Adds amount (when not 0) to one of p's counters in the host. */
void count_metric(const plugin *p, enum plugin_counter counter, uint64_t amount);
/* Records the VM's linear memory in p's gauge. */
void record_memory(const plugin *p);

/*
 * A request the filter cannot convert: answered with status and "ptm: "
 * message, or passed on untouched with "on_error": "pass" (the message then
 * logged). kind NULL: its body is neither protobuf nor JSON.
 */
int32_t fail_request(context *ctx, const plugin *p, uint32_t status, const char *message,
                     const body_kind *kind);

#endif /* PTM_PROXYWASM_HOST_H */
