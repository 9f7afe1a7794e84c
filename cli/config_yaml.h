/*
 * config_yaml.h: the CLI's YAML configuration → the core's JSON
 * configuration (rules in config_yaml.c). The CLI's only: not part of the
 * core library or libprofiletometrics.a.
 */
#ifndef PTM_CONFIG_YAML_H
#define PTM_CONFIG_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptm.h"

/* Whether text (a config file's bytes) is YAML rather than JSON: its first
 * byte that is not white space is neither '{' nor '[' (JSON: an object, or
 * an array the core then refuses; YAML that starts with a comment or a key
 * is YAML, and white space alone is the empty YAML document, {}). Reads
 * text only. */
bool config_is_yaml(const uint8_t *text, size_t size);

/* Translates a YAML configuration into JSON text (malloc'd, NUL-terminated;
 * caller frees) in *json, its length in *json_size. Returns PTM_OK, or
 * PTM_ERR_CONFIG (the YAML is not a configuration) or PTM_ERR_NOMEM with a
 * one-line message in error (error_size bytes), e.g. "config line 3, column
 * 7: mapping values are not allowed in this context" or "config line 5:
 * duplicate key \"filters\"", and *json untouched. text is only read. */
ptm_result config_yaml_to_json(const uint8_t *text, size_t size, char **json, size_t *json_size,
                         char *error, size_t error_size);

#endif /* PTM_CONFIG_YAML_H */
