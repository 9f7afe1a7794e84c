/*
 * config_yaml_translation.h: what the two files of the YAML translation
 * share (config_yaml.c: the events, mappings, sequences and the document;
 * config_yaml_scalar.c: scalars as JSON values by the YAML 1.2 core schema).
 * The CLI's only, as config_yaml.h.
 */
#ifndef PTM_CONFIG_YAML_TRANSLATION_H
#define PTM_CONFIG_YAML_TRANSLATION_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "ptm.h"

enum { MAX_DEPTH = 64, EXCERPT_BYTES = 40 };

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

/* One translation: libyaml's parser, its current event and where a failure
 * is written. */
typedef struct translation {
    yaml_parser_t parser;
    yaml_event_t event; /* valid when has_event */
    bool has_event;
    const uint8_t *text; /* the input, for the line of a reader error */
    size_t size;
    char *error;
    size_t error_size;
    ptm_result result; /* PTM_ERR_CONFIG or PTM_ERR_NOMEM once it failed */
} translation;

/* Writes a message into t->error; returns false. */
bool config_yaml_fail(translation *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* "config: out of memory"; returns false. */
bool config_yaml_out_of_memory(translation *t);

/* The 1-based line of the current event. */
size_t config_yaml_event_line(const translation *t);

/* Copies up to EXCERPT_BYTES of text (at most size bytes, up to its first
 * control character) into out, for a message; "..." marks a cut. out holds
 * EXCERPT_BYTES + 4 bytes. A cut does not split a UTF-8 sequence. */
void config_yaml_excerpt(const char *text, size_t size, char *out);

/* The tag's name after "!!" when it is one of YAML's own (tag:yaml.org,2002:),
 * else NULL. */
const char *config_yaml_core_tag_name(const char *tag);

/* Refuses the current event's tag, naming it; returns false. */
bool config_yaml_unsupported_tag(translation *t, const char *tag);

/* config_yaml_scalar.c: whether text (size bytes) is word; whether the tag
 * (its name after "!!") is one the translation honours; a refusal of a
 * scalar whose text holds a NUL (cJSON strings end at one). */
bool config_yaml_text_is(const char *text, size_t size, const char *word);
bool config_yaml_is_scalar_tag(const char *name);
bool config_yaml_check_no_nul(translation *t);

/* The current event, a scalar, as a new item (the caller owns it):
 * config_yaml_scalar.c. */
bool config_yaml_scalar_item(translation *t, cJSON **item);

#endif /* PTM_CONFIG_YAML_TRANSLATION_H */
