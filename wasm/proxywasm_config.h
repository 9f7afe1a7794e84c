/*
 * proxywasm_config.h: the Envoy filter's plugin configuration: the core's
 * JSON configuration (docs/configuration.md) plus a "filter" object of
 * the filter's own options (docs/hosts/envoy.md).
 */
#ifndef PTM_PROXYWASM_CONFIG_H
#define PTM_PROXYWASM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptm.h"

#define DEFAULT_MATCH_PATH "/v1development/profiles"
#define DEFAULT_REWRITE_PATH "/v1/metrics"
/* The OpenTelemetry Collector's OTLP/HTTP receiver's default max_request_body_size. */
#define DEFAULT_MAX_BODY_BYTES ((uint64_t)20 * 1024 * 1024)
enum { PATH_CAPACITY = 256 };

/* The "filter" object of the plugin configuration. */
typedef struct filter_options {
    char match_path[PATH_CAPACITY];   /* requests whose :path, before any '?', is this */
    char rewrite_path[PATH_CAPACITY]; /* become requests to this (the query kept) */
    bool pass_on_error;               /* "on_error": "pass" rather than "reject" */
    uint64_t max_body_bytes;          /* a longer body is refused before it is whole */
} filter_options;

/* A refused configuration: "config: KEY: what is wrong", one line. */
typedef struct config_error {
    char text[512];
} config_error;

/*
 * Reads the plugin configuration (text, size bytes; size 0: none) into
 * options and a new converter keyed with 16 bytes of WASI random_get, which
 * the caller owns (ptm_converter_free). On failure returns false, stores
 * nothing in *converter and says why in error: a key of "filter", a
 * "temporality" the filter cannot keep, or the core's own message.
 */
bool plugin_configure(const char *text, size_t size, filter_options *options,
                      ptm_converter **converter, config_error *error);

#endif /* PTM_PROXYWASM_CONFIG_H */
