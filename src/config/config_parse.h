/*
 * config_parse.h: what the files of the configuration parser share (private
 * to src/config/).
 *
 * config.c reads the root object and the keys of its own; config_read.c the
 * typed readers every part uses (bool, string, integer, string lists, object
 * arrays, regexes), each failing with a message naming the key path;
 * config_measures.c the metrics, their units and the custom sample types;
 * config_rules.c the breakdowns and the recording rules. Calls run one way:
 * config → rules → measures → read.
 */
#ifndef PTM_CONFIG_PARSE_H
#define PTM_CONFIG_PARSE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* The parse in progress: where failures go and the current key path. */
typedef struct config_parser {
    ptm_config *config;
    ptm_status *status;
    char path[256];
} config_parser;

/* Records a configuration error at the current path; returns false. */
bool config_fail(config_parser *p, const char *format, ...) __attribute__((format(printf, 2, 3)));
bool config_out_of_memory(config_parser *p);

/* The key path: push appends ".key" or "[i]" and returns the length before,
 * which pop restores. */
size_t config_path_push_key(config_parser *p, const char *key);
size_t config_path_push_index(config_parser *p, int index);
void config_path_pop(config_parser *p, size_t length);

/* Checks that object is an object whose keys are all in allowed (NULL-ended),
 * none twice. */
bool config_check_object(config_parser *p, const cJSON *object, const char *const *allowed);
/* A copy of text in the config's arena; NULL (failed) when out of memory. */
const char *config_copy_string(config_parser *p, const char *text);

/* The readers of object[key]: absent, they leave *value as it is. */
bool config_read_bool(config_parser *p, const cJSON *object, const char *key, bool *value);
bool config_read_string(config_parser *p, const cJSON *object, const char *key, const char **value,
                        bool allow_empty);
bool config_read_integer(config_parser *p, const cJSON *object, const char *key, double minimum,
                         double maximum, uint64_t *value);
/* A key that takes one of two strings: usual (the default) or other. */
bool config_read_either(config_parser *p, const cJSON *root, const char *key, const char *usual,
                        const char *other, bool *is_other);
/* Refuses an object that gives both key and alias. */
bool config_check_alias(config_parser *p, const cJSON *object, const char *key, const char *alias);
/* Refuses object[key] when it is an array of more than max entries. */
bool config_check_list_size(config_parser *p, const cJSON *object, const char *key, int max);

/* Compiles text (the config owns the pattern); NULL, failed, when it is not
 * a valid regex or memory ran out. */
pattern *config_compile_pattern(config_parser *p, const char *text);

/* One string of a list, into what context points at. */
typedef bool parse_string_function(config_parser *p, const char *text, void *context);
/* Calls parse_item on each string of object[key], an array of strings. */
bool config_each_string(config_parser *p, const cJSON *object, const char *key, bool allow_empty,
                        parse_string_function *parse_item, void *context);
/* parse_string_functions: compiles text onto the pattern list (arena_vector)
 * at context; copies text onto the string list (arena_vector) at context. */
bool config_append_pattern(config_parser *p, const char *text, void *context);
bool config_append_string(config_parser *p, const char *text, void *context);
/* A string array of object's key into *items, *count. */
bool config_read_string_list(config_parser *p, const cJSON *object, const char *key,
                             const char ***items, uint32_t *count);

/* One object of an array, into the slot it gets. */
typedef bool parse_item_function(config_parser *p, const cJSON *item, void *slot);
/* Parses root[key], an array of objects, into a new array of item_size-byte
 * slots (*items, *count), each read by parse_item. */
bool config_parse_object_array(config_parser *p, const cJSON *root, const char *key, size_t item_size,
                               parse_item_function *parse_item, void **items, uint32_t *count);

/* config_measures.c: "metrics", "folded", one of "sample_types"; a measure
 * name breakdowns and rules may count (a parse_string_function onto a bit
 * set); the value family of a set of measure bits, -1 when they mix. */
bool config_parse_metrics(config_parser *p, const cJSON *root);
bool config_parse_folded(config_parser *p, const cJSON *root);
bool config_parse_sample_type(config_parser *p, const cJSON *object, void *slot);
bool config_parse_breakdown_measure(config_parser *p, const char *text, void *context);
int config_measures_family(uint32_t measures);

/* config_rules.c: "breakdowns" and "rules" (after the metrics and sample
 * types, whose names a rule may not take). */
bool config_parse_breakdowns(config_parser *p, const cJSON *root);
bool config_parse_rules(config_parser *p, const cJSON *root);

#endif
