/*
 * json_syntax.h: whether text is JSON, without allocating.
 *
 * cJSON reports a failed allocation and a syntax error alike (NULL). When a
 * parse fails, the config and OTLP/JSON readers ask this scanner whether the
 * text is valid JSON: if it is, memory ran out (PTM_ERR_NOMEM), else the text
 * is not JSON. It accepts what cJSON accepts (RFC 8259 values nested at most
 * JSON_NESTING_LIMIT deep, cJSON's limit) and allocates nothing. JSON's
 * white space is defined here too, for every reader of JSON text.
 */
#ifndef PTM_JSON_SYNTAX_H
#define PTM_JSON_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_NESTING_LIMIT 1000

/* JSON's white space. */
static inline bool json_is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The offset of the first byte of text[from..size) that is not JSON white
 * space; size when there is none. */
static inline size_t json_space_end(const uint8_t *text, size_t size, size_t from)
{
    while (from < size && json_is_space(text[from]))
        from++;
    return from;
}

/* Whether text[0..size) starts with one JSON value (white space around it
 * allowed); *end is set past the value. */
bool json_value_is_valid(const char *text, size_t size, size_t *end);

/* Whether text[0..size) (a UTF-8 byte-order mark first skipped) can start
 * no JSON value: the scanner fails before the text's end. A text cut in a
 * word (true, false, null) may be taken as failing: give it text that ends
 * with white space outside strings. */
bool json_prefix_fails(const char *text, size_t size);

#endif /* PTM_JSON_SYNTAX_H */
