/*
 * config_yaml_scalar.c: a YAML scalar as a JSON value, for config_yaml.c
 * (whose header comment gives the rules): quoted and block scalars are
 * strings; plain ones follow the YAML 1.2 core schema (null, booleans,
 * integers written exactly, floats with the fewest digits that read back,
 * no infinity or NaN); the core tags !!str, !!int, !!float, !!bool and
 * !!null are honoured, any other tag refused.
 */
#include "config_yaml_translation.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- plain scalars: the YAML 1.2 core schema ------------------------------ */

bool config_yaml_text_is(const char *text, size_t size, const char *word)
{
    return strlen(word) == size && memcmp(text, word, size) == 0;
}

/* Whether text is one of the three spellings (lower, Capitalised, UPPER). */
static bool text_is_spelling(const char *text, size_t size, const char *const spellings[3])
{
    return config_yaml_text_is(text, size, spellings[0]) || config_yaml_text_is(text, size, spellings[1]) ||
           config_yaml_text_is(text, size, spellings[2]);
}

static bool is_null_text(const char *text, size_t size)
{
    static const char *const spellings[3] = {"null", "Null", "NULL"};
    return size == 0 || config_yaml_text_is(text, size, "~") || text_is_spelling(text, size, spellings);
}

/* 1 for true, 0 for false, -1 for neither. */
static int bool_text(const char *text, size_t size)
{
    static const char *const trues[3] = {"true", "True", "TRUE"};
    static const char *const falses[3] = {"false", "False", "FALSE"};
    return text_is_spelling(text, size, trues) ? 1 : text_is_spelling(text, size, falses) ? 0 : -1;
}

typedef enum number_status { NUMBER_NONE, NUMBER_OK, NUMBER_RANGE } number_status;

static int digit_value(char c, unsigned base)
{
    int value = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
    return (unsigned)value < base ? value : -1;
}

/* Digits in base (at least one) as a magnitude up to limit. */
static number_status digits_value(const char *text, size_t size, unsigned base, uint64_t limit,
                                  uint64_t *magnitude)
{
    if (size == 0)
        return NUMBER_NONE;
    uint64_t value = 0;
    bool over = false;
    for (size_t i = 0; i < size; i++) {
        int digit = digit_value(text[i], base);
        if (digit < 0)
            return NUMBER_NONE;
        over = over || value > (limit - (uint64_t)digit) / base;
        if (!over)
            value = value * base + (uint64_t)digit;
    }
    *magnitude = value;
    return over ? NUMBER_RANGE : NUMBER_OK;
}

/* An integer of the core schema: [-+]?[0-9]+, 0o[0-7]+ or 0x[0-9a-fA-F]+,
 * in int64. */
static number_status integer_text(const char *text, size_t size, int64_t *value)
{
    uint64_t magnitude = 0;
    number_status status;
    if (size > 2 && text[0] == '0' && (text[1] == 'o' || text[1] == 'x')) {
        status = digits_value(text + 2, size - 2, text[1] == 'o' ? 8 : 16, INT64_MAX, &magnitude);
        *value = (int64_t)magnitude;
        return status;
    }
    bool negative = size > 0 && text[0] == '-';
    size_t sign = size > 0 && (text[0] == '-' || text[0] == '+') ? 1 : 0;
    status = digits_value(text + sign, size - sign, 10, negative ? (uint64_t)INT64_MAX + 1 : INT64_MAX,
                          &magnitude);
    if (status == NUMBER_OK)
        *value = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    return status;
}

static size_t count_digits(const char *text, size_t size)
{
    size_t n = 0;
    while (n < size && text[n] >= '0' && text[n] <= '9')
        n++;
    return n;
}

/* Whether text matches the core schema's finite float:
 * [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float_syntax(const char *text, size_t size)
{
    size_t i = size > 0 && (text[0] == '-' || text[0] == '+') ? 1 : 0;
    size_t whole = count_digits(text + i, size - i);
    i += whole;
    size_t fraction = 0;
    if (i < size && text[i] == '.') {
        i++;
        fraction = count_digits(text + i, size - i);
        i += fraction;
    }
    if (whole == 0 && fraction == 0)
        return false;
    if (i < size && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        if (i < size && (text[i] == '-' || text[i] == '+'))
            i++;
        size_t exponent = count_digits(text + i, size - i);
        if (exponent == 0)
            return false;
        i += exponent;
    }
    return i == size;
}

/* Whether text is the core schema's infinity or NaN. */
static bool is_nonfinite_text(const char *text, size_t size)
{
    static const char *const infinities[3] = {".inf", ".Inf", ".INF"};
    static const char *const nans[3] = {".nan", ".NaN", ".NAN"};
    size_t sign = size > 0 && (text[0] == '-' || text[0] == '+') ? 1 : 0;
    return text_is_spelling(text + sign, size - sign, infinities) || text_is_spelling(text, size, nans);
}

/* A float of the core schema; NUMBER_RANGE for infinity, NaN and values
 * past the double range. text is NUL-terminated after size bytes. */
static number_status float_text(const char *text, size_t size, double *value)
{
    if (is_nonfinite_text(text, size))
        return NUMBER_RANGE;
    if (!is_float_syntax(text, size))
        return NUMBER_NONE;
    *value = strtod(text, NULL);
    return isfinite(*value) ? NUMBER_OK : NUMBER_RANGE;
}

/* ---- JSON values ------------------------------------------------------------ */

/* A number item whose JSON text is exactly the integer. */
static cJSON *integer_item(int64_t value)
{
    char digits[24];
    snprintf(digits, sizeof digits, "%" PRId64, value);
    return cJSON_CreateRaw(digits);
}

/* A number item with the fewest digits (15 to 17) that read back as value. */
static cJSON *float_item(double value)
{
    char digits[32];
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(digits, sizeof digits, "%.*g", precision, value);
        if (strtod(digits, NULL) == value)
            break;
    }
    return cJSON_CreateRaw(digits);
}

static bool integer_out_of_range(translation *t, const char *text, size_t size)
{
    char shown[EXCERPT_BYTES + 4];
    config_yaml_excerpt(text, size, shown);
    return config_yaml_fail(t, "config line %zu: integer \"%s\" is out of range (int64)", config_yaml_event_line(t),
                            shown);
}

static bool not_finite(translation *t, const char *text, size_t size)
{
    char shown[EXCERPT_BYTES + 4];
    config_yaml_excerpt(text, size, shown);
    return config_yaml_fail(t, "config line %zu: \"%s\" is not a finite number (JSON has no infinity or NaN)",
                            config_yaml_event_line(t), shown);
}

static bool not_valid_for_tag(translation *t, const char *text, size_t size, const char *name)
{
    char shown[EXCERPT_BYTES + 4];
    config_yaml_excerpt(text, size, shown);
    return config_yaml_fail(t, "config line %zu: \"%s\" is not a valid !!%s", config_yaml_event_line(t), shown, name);
}

/* The item of a plain untagged scalar (the core schema). */
static bool plain_item(translation *t, const char *text, size_t size, cJSON **item)
{
    int64_t integer = 0;
    double number = 0;
    int truth = bool_text(text, size);
    number_status as_integer = integer_text(text, size, &integer);
    number_status as_float = as_integer == NUMBER_NONE ? float_text(text, size, &number) : NUMBER_NONE;
    if (as_integer == NUMBER_RANGE)
        return integer_out_of_range(t, text, size);
    if (as_float == NUMBER_RANGE)
        return not_finite(t, text, size);
    *item = is_null_text(text, size) ? cJSON_CreateNull()
          : truth >= 0 ? cJSON_CreateBool(truth)
          : as_integer == NUMBER_OK ? integer_item(integer)
          : as_float == NUMBER_OK ? float_item(number)
          : cJSON_CreateString(text);
    return *item != NULL || config_yaml_out_of_memory(t);
}

/* The item of a scalar tagged with name, one of config_yaml_is_scalar_tag()'s. */
static bool tagged_item(translation *t, const char *name, const char *text, size_t size, cJSON **item)
{
    int64_t integer = 0;
    double number = 0;
    number_status status;
    if (strcmp(name, "str") == 0) {
        *item = cJSON_CreateString(text);
    } else if (strcmp(name, "null") == 0) {
        if (!is_null_text(text, size))
            return not_valid_for_tag(t, text, size, name);
        *item = cJSON_CreateNull();
    } else if (strcmp(name, "bool") == 0) {
        if (bool_text(text, size) < 0)
            return not_valid_for_tag(t, text, size, name);
        *item = cJSON_CreateBool(bool_text(text, size));
    } else if (strcmp(name, "int") == 0) {
        if ((status = integer_text(text, size, &integer)) != NUMBER_OK)
            return status == NUMBER_RANGE ? integer_out_of_range(t, text, size)
                                          : not_valid_for_tag(t, text, size, name);
        *item = integer_item(integer);
    } else {
        if ((status = float_text(text, size, &number)) != NUMBER_OK)
            return status == NUMBER_RANGE ? not_finite(t, text, size) : not_valid_for_tag(t, text, size, name);
        *item = float_item(number);
    }
    return *item != NULL || config_yaml_out_of_memory(t);
}

/* Whether the tag (its name after "!!") is one this file honours. */
bool config_yaml_is_scalar_tag(const char *name)
{
    static const char *const names[] = {"str", "int", "float", "bool", "null"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0)
            return true;
    }
    return false;
}

/* Refuses a scalar whose text holds a NUL (cJSON strings end at one). */
bool config_yaml_check_no_nul(translation *t)
{
    const yaml_event_t *e = &t->event;
    if (memchr(e->data.scalar.value, '\0', e->data.scalar.length) != NULL)
        return config_yaml_fail(t, "config line %zu: strings cannot hold NUL characters", config_yaml_event_line(t));
    return true;
}

/* The current event, a scalar, as a new item (the caller owns it). */
bool config_yaml_scalar_item(translation *t, cJSON **item)
{
    const yaml_event_t *e = &t->event;
    const char *text = (const char *)e->data.scalar.value;
    size_t size = e->data.scalar.length;
    const char *tag = (const char *)e->data.scalar.tag;
    if (!config_yaml_check_no_nul(t))
        return false;
    if (tag != NULL) {
        const char *name = config_yaml_core_tag_name(tag);
        if (name == NULL || !config_yaml_is_scalar_tag(name))
            return config_yaml_unsupported_tag(t, tag);
        return tagged_item(t, name, text, size, item);
    }
    if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        *item = cJSON_CreateString(text);
        return *item != NULL || config_yaml_out_of_memory(t);
    }
    return plain_item(t, text, size, item);
}

