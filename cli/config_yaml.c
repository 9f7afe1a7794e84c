/*
 * config_yaml.c: a YAML configuration → the core's JSON configuration, for
 * the CLI (`ptm -c config.yaml`), so that the collector connector's block
 * converts as its JSON twin does.
 *
 * Design: libyaml's event parser (no document tree: no loader, emitter or
 * writer) feeds a recursive descent that builds a cJSON tree, printed
 * unformatted. This file only translates; the core's JSON reader
 * (src/config/config.c) remains the one validator of keys, types and ranges. The
 * rules:
 *
 * - The text is UTF-8 (a byte order mark is skipped); libyaml refuses
 *   invalid UTF-8 and control characters with its own message.
 * - One document, whose root is a mapping; an empty document (nothing, only
 *   comments, or a bare "---") gives {}. A second document, or a root that is
 *   a scalar or a sequence, is an error.
 * - Mappings → objects (keys are scalars, their text; a duplicate key is an
 *   error), sequences → arrays, block and flow styles alike. At most 64
 *   nested mappings and sequences, the root counted.
 * - Quoted and block (| >) scalars are strings. Plain scalars follow the
 *   YAML 1.2 core schema: null, Null, NULL, ~ and empty → null;
 *   true/True/TRUE/false/False/FALSE → booleans; [-+]?[0-9]+, 0o[0-7]+,
 *   0x[0-9a-fA-F]+ → integers, written exactly (int64, else an error);
 *   [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)? → numbers, written with
 *   the fewest digits (15 to 17) that read back as the same double;
 *   .inf, -.inf, .nan (any of the schema's spellings) and floats past the
 *   double range are errors (JSON cannot hold them); anything else is a
 *   string. Strings keep their bytes; a NUL character (from "\0") is an error.
 * - The tags !!str, !!int, !!float, !!bool and !!null are honoured on any
 *   scalar (!!float also takes integer text); a value its tag refuses, or any
 *   other tag (!!map, !!seq, "!", !local, ...), is an error.
 * - Anchors, aliases and merge keys (a plain "<<" key) are errors: the
 *   collector's configuration never needs them, and without them the output
 *   cannot grow past the input (no alias bombs).
 * - The connector's own root keys, engine, module_path and flush_interval
 *   (wasm/collector/config.go), are dropped, so its block pasted as is
 *   works; every other key goes through.
 * Every error is one line naming the line (libyaml's also its column).
 *
 * Memory: libyaml and cJSON allocate with libc's malloc. The translation
 * holds the parser, the current event and the tree being built; everything
 * but the JSON text handed to the caller is freed before returning.
 */
#include "config_yaml.h"

#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

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
} translation;

/* ---- errors -------------------------------------------------------------- */

/* Writes a message into t->error; returns false. */
static bool fail(translation *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

static bool fail(translation *t, const char *format, ...)
{
    if (t->error_size == 0)
        return false;
    va_list args;
    va_start(args, format);
    vsnprintf(t->error, t->error_size, format, args);
    va_end(args);
    return false;
}

static bool out_of_memory(translation *t)
{
    return fail(t, "config: out of memory");
}

/* The 1-based line of a mark of the current event. */
static size_t line_of(const yaml_mark_t *mark)
{
    return mark->line + 1;
}

static size_t event_line(const translation *t)
{
    return line_of(&t->event.start_mark);
}

/* The 1-based line of a byte offset into t->text (LF, CRLF or CR ends a line,
 * as in YAML). */
static size_t line_at_offset(const translation *t, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset; i++) {
        if (t->text[i] == '\n' || (t->text[i] == '\r' && (i + 1 == t->size || t->text[i + 1] != '\n')))
            line++;
    }
    return line;
}

/* Copies up to EXCERPT_BYTES of text (at most size bytes, up to its first
 * control character) into out, for a message; "..." marks a cut. out holds
 * EXCERPT_BYTES + 4 bytes. A cut does not split a UTF-8 sequence. */
static void excerpt(const char *text, size_t size, char *out)
{
    size_t length = 0;
    while (length < size && length < EXCERPT_BYTES && (unsigned char)text[length] >= 0x20)
        length++;
    bool cut = length < size;
    if (cut && length == EXCERPT_BYTES) {
        while (length > 0 && ((unsigned char)text[length] & 0xC0) == 0x80)
            length--;
    }
    memcpy(out, text, length);
    strcpy(out + length, cut ? "..." : "");
}

/* libyaml's failure as a message: its problem and where (a reader error has
 * a byte offset; the scanner and parser a mark and maybe a context). */
static bool parser_failed(translation *t)
{
    const yaml_parser_t *p = &t->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return out_of_memory(t);
    const char *problem = p->problem != NULL ? p->problem : "invalid YAML";
    if (p->error == YAML_READER_ERROR) {
        size_t line = line_at_offset(t, p->problem_offset);
        if (p->problem_value != -1)
            return fail(t, "config line %zu: %s (0x%X at byte offset %zu)", line, problem,
                        (unsigned)p->problem_value, p->problem_offset);
        return fail(t, "config line %zu: %s (at byte offset %zu)", line, problem, p->problem_offset);
    }
    if (p->context != NULL)
        return fail(t, "config line %zu, column %zu: %s (%s at line %zu, column %zu)",
                    line_of(&p->problem_mark), p->problem_mark.column + 1, problem, p->context,
                    line_of(&p->context_mark), p->context_mark.column + 1);
    return fail(t, "config line %zu, column %zu: %s", line_of(&p->problem_mark),
                p->problem_mark.column + 1, problem);
}

/* ---- events -------------------------------------------------------------- */

/* Replaces the current event by the next one. */
static bool next_event(translation *t)
{
    if (t->has_event)
        yaml_event_delete(&t->event);
    t->has_event = yaml_parser_parse(&t->parser, &t->event) != 0;
    return t->has_event || parser_failed(t);
}

/* The current event's anchor (NULL for events that cannot have one). */
static const yaml_char_t *event_anchor(const yaml_event_t *event)
{
    switch (event->type) {
    case YAML_SCALAR_EVENT: return event->data.scalar.anchor;
    case YAML_SEQUENCE_START_EVENT: return event->data.sequence_start.anchor;
    case YAML_MAPPING_START_EVENT: return event->data.mapping_start.anchor;
    default: return NULL;
    }
}

static const char *event_tag(const yaml_event_t *event)
{
    switch (event->type) {
    case YAML_SCALAR_EVENT: return (const char *)event->data.scalar.tag;
    case YAML_SEQUENCE_START_EVENT: return (const char *)event->data.sequence_start.tag;
    case YAML_MAPPING_START_EVENT: return (const char *)event->data.mapping_start.tag;
    default: return NULL;
    }
}

/* Refuses aliases and anchors (the current event). */
static bool check_no_alias(translation *t)
{
    if (t->event.type == YAML_ALIAS_EVENT || event_anchor(&t->event) != NULL)
        return fail(t, "config line %zu: YAML aliases are not supported", event_line(t));
    return true;
}

/* The tag's name after "!!" when it is one of YAML's own (tag:yaml.org,2002:),
 * else NULL. */
static const char *core_tag_name(const char *tag)
{
    size_t prefix = sizeof YAML_TAG_PREFIX - 1;
    return strncmp(tag, YAML_TAG_PREFIX, prefix) == 0 ? tag + prefix : NULL;
}

static bool unsupported_tag(translation *t, const char *tag)
{
    const char *name = core_tag_name(tag);
    char shown[EXCERPT_BYTES + 4];
    excerpt(name != NULL ? name : tag, strlen(name != NULL ? name : tag), shown);
    return fail(t, "config line %zu: unsupported tag \"%s%s\"", event_line(t), name != NULL ? "!!" : "",
                shown);
}

/* ---- plain scalars: the YAML 1.2 core schema ------------------------------ */

static bool text_is(const char *text, size_t size, const char *word)
{
    return strlen(word) == size && memcmp(text, word, size) == 0;
}

/* Whether text is one of the three spellings (lower, Capitalised, UPPER). */
static bool text_is_spelling(const char *text, size_t size, const char *const spellings[3])
{
    return text_is(text, size, spellings[0]) || text_is(text, size, spellings[1]) ||
           text_is(text, size, spellings[2]);
}

static bool is_null_text(const char *text, size_t size)
{
    static const char *const spellings[3] = {"null", "Null", "NULL"};
    return size == 0 || text_is(text, size, "~") || text_is_spelling(text, size, spellings);
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
    excerpt(text, size, shown);
    return fail(t, "config line %zu: integer \"%s\" is out of range (int64)", event_line(t), shown);
}

static bool not_finite(translation *t, const char *text, size_t size)
{
    char shown[EXCERPT_BYTES + 4];
    excerpt(text, size, shown);
    return fail(t, "config line %zu: \"%s\" is not a finite number (JSON has no infinity or NaN)",
                event_line(t), shown);
}

static bool not_valid_for_tag(translation *t, const char *text, size_t size, const char *name)
{
    char shown[EXCERPT_BYTES + 4];
    excerpt(text, size, shown);
    return fail(t, "config line %zu: \"%s\" is not a valid !!%s", event_line(t), shown, name);
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
    return *item != NULL || out_of_memory(t);
}

/* The item of a scalar tagged with name, one of is_scalar_tag()'s. */
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
    return *item != NULL || out_of_memory(t);
}

/* Whether the tag (its name after "!!") is one this file honours. */
static bool is_scalar_tag(const char *name)
{
    static const char *const names[] = {"str", "int", "float", "bool", "null"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0)
            return true;
    }
    return false;
}

/* Refuses a scalar whose text holds a NUL (cJSON strings end at one). */
static bool check_no_nul(translation *t)
{
    const yaml_event_t *e = &t->event;
    if (memchr(e->data.scalar.value, '\0', e->data.scalar.length) != NULL)
        return fail(t, "config line %zu: strings cannot hold NUL characters", event_line(t));
    return true;
}

/* The current event, a scalar, as a new item (the caller owns it). */
static bool scalar_item(translation *t, cJSON **item)
{
    const yaml_event_t *e = &t->event;
    const char *text = (const char *)e->data.scalar.value;
    size_t size = e->data.scalar.length;
    const char *tag = (const char *)e->data.scalar.tag;
    if (!check_no_nul(t))
        return false;
    if (tag != NULL) {
        const char *name = core_tag_name(tag);
        if (name == NULL || !is_scalar_tag(name))
            return unsupported_tag(t, tag);
        return tagged_item(t, name, text, size, item);
    }
    if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        *item = cJSON_CreateString(text);
        return *item != NULL || out_of_memory(t);
    }
    return plain_item(t, text, size, item);
}

/* ---- collections ---------------------------------------------------------- */

/* The keys of one mapping, for duplicates: an open-addressing set of
 * pointers to the keys (owned by the mapping's items). */
typedef struct key_set {
    const char **slots;
    size_t capacity; /* a power of two, or 0 */
    size_t count;
} key_set;

static uint64_t key_hash(const char *key)
{
    uint64_t hash = UINT64_C(14695981039346656037); /* FNV-1a */
    for (; *key != '\0'; key++)
        hash = (hash ^ (unsigned char)*key) * UINT64_C(1099511628211);
    return hash;
}

/* The slot of key in slots: where it is, or the empty one where it goes. */
static size_t key_slot(const char **slots, size_t capacity, const char *key)
{
    size_t i = (size_t)key_hash(key) & (capacity - 1);
    while (slots[i] != NULL && strcmp(slots[i], key) != 0)
        i = (i + 1) & (capacity - 1);
    return i;
}

static bool key_set_has(const key_set *set, const char *key)
{
    return set->capacity != 0 && set->slots[key_slot(set->slots, set->capacity, key)] != NULL;
}

/* Adds key (not in the set; it must outlive the set). False: out of memory. */
static bool key_set_add(key_set *set, const char *key)
{
    if (2 * (set->count + 1) > set->capacity) {
        size_t capacity = set->capacity != 0 ? 2 * set->capacity : 16;
        const char **slots = calloc(capacity, sizeof *slots);
        if (slots == NULL)
            return false;
        for (size_t i = 0; i < set->capacity; i++) {
            if (set->slots[i] != NULL)
                slots[key_slot(slots, capacity, set->slots[i])] = set->slots[i];
        }
        free(set->slots);
        set->slots = slots;
        set->capacity = capacity;
    }
    set->slots[key_slot(set->slots, set->capacity, key)] = key;
    set->count++;
    return true;
}

static bool translate_node(translation *t, int depth, cJSON **item);

/* The current event as a mapping key: a scalar, untagged or with a core
 * scalar tag, not "<<"; *key is a malloc'd copy of its text (caller frees). */
static bool mapping_key(translation *t, char **key)
{
    const yaml_event_t *e = &t->event;
    if (!check_no_alias(t))
        return false;
    if (e->type != YAML_SCALAR_EVENT)
        return fail(t, "config line %zu: a mapping key must be a scalar, not a %s", event_line(t),
                    e->type == YAML_MAPPING_START_EVENT ? "mapping" : "sequence");
    const char *tag = event_tag(e);
    if (tag != NULL && (core_tag_name(tag) == NULL || !is_scalar_tag(core_tag_name(tag))))
        return unsupported_tag(t, tag);
    if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && tag == NULL &&
        text_is((const char *)e->data.scalar.value, e->data.scalar.length, "<<"))
        return fail(t, "config line %zu: a YAML merge key (<<) is not supported: write the keys it "
                    "would merge in the mapping itself", event_line(t));
    if (!check_no_nul(t))
        return false;
    *key = malloc(e->data.scalar.length + 1);
    if (*key == NULL)
        return out_of_memory(t);
    memcpy(*key, e->data.scalar.value, e->data.scalar.length + 1);
    return true;
}

/* One "key: value" of a mapping, the key being the current event, added to
 * object (its keys in keys). */
static bool translate_entry(translation *t, int depth, cJSON *object, key_set *keys)
{
    char *key = NULL;
    if (!mapping_key(t, &key))
        return false;
    if (key_set_has(keys, key)) {
        char shown[EXCERPT_BYTES + 4];
        excerpt(key, strlen(key), shown);
        free(key);
        return fail(t, "config line %zu: duplicate key \"%s\"", event_line(t), shown);
    }
    cJSON *value = NULL;
    bool ok = next_event(t) && translate_node(t, depth + 1, &value);
    if (ok && !cJSON_AddItemToObject(object, key, value)) {
        cJSON_Delete(value);
        ok = out_of_memory(t);
    }
    free(key);
    /* value->string: the object's copy of the key, alive as long as keys. */
    return ok && (key_set_add(keys, value->string) || out_of_memory(t));
}

/* The mapping that starts at the current event, as a new object (caller
 * owns it), up to its end event. */
static bool translate_mapping(translation *t, int depth, cJSON **item)
{
    cJSON *object = cJSON_CreateObject();
    if (object == NULL)
        return out_of_memory(t);
    key_set keys = {0};
    bool ok = true;
    while (ok && (ok = next_event(t)) && t->event.type != YAML_MAPPING_END_EVENT)
        ok = translate_entry(t, depth, object, &keys);
    free(keys.slots);
    if (!ok) {
        cJSON_Delete(object);
        return false;
    }
    *item = object;
    return true;
}

/* The sequence that starts at the current event, as a new array (caller
 * owns it), up to its end event. */
static bool translate_sequence(translation *t, int depth, cJSON **item)
{
    cJSON *array = cJSON_CreateArray();
    if (array == NULL)
        return out_of_memory(t);
    bool ok = true;
    while (ok && (ok = next_event(t)) && t->event.type != YAML_SEQUENCE_END_EVENT) {
        cJSON *element = NULL;
        ok = translate_node(t, depth + 1, &element);
        if (ok && !cJSON_AddItemToArray(array, element)) {
            cJSON_Delete(element);
            ok = out_of_memory(t);
        }
    }
    if (!ok) {
        cJSON_Delete(array);
        return false;
    }
    *item = array;
    return true;
}

/* The node that starts at the current event (depth: how many mappings and
 * sequences it is in, plus one) as a new item; the caller owns it. */
static bool translate_node(translation *t, int depth, cJSON **item)
{
    if (!check_no_alias(t))
        return false;
    yaml_event_type_t type = t->event.type;
    if (type == YAML_SCALAR_EVENT)
        return scalar_item(t, item);
    if (event_tag(&t->event) != NULL)
        return unsupported_tag(t, event_tag(&t->event));
    if (depth > MAX_DEPTH)
        return fail(t, "config line %zu: nesting deeper than %d levels", event_line(t), MAX_DEPTH);
    return type == YAML_MAPPING_START_EVENT ? translate_mapping(t, depth, item)
                                            : translate_sequence(t, depth, item);
}

/* ---- the document ----------------------------------------------------------- */

/* Whether the current event is the empty scalar of a document with no
 * content ("---" alone). */
static bool is_empty_document(const translation *t)
{
    const yaml_event_t *e = &t->event;
    return e->type == YAML_SCALAR_EVENT && e->data.scalar.length == 0 && e->data.scalar.tag == NULL &&
           e->data.scalar.anchor == NULL && e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* The root of the document that starts at the current event, a mapping, as
 * a new object (caller owns it); an empty document gives an empty one. */
static bool translate_root(translation *t, cJSON **root)
{
    if (!next_event(t))
        return false;
    if (is_empty_document(t)) {
        *root = cJSON_CreateObject();
        return *root != NULL || out_of_memory(t);
    }
    if (t->event.type == YAML_SCALAR_EVENT || t->event.type == YAML_SEQUENCE_START_EVENT) {
        if (!check_no_alias(t))
            return false;
        return fail(t, "config line %zu: the configuration must be a mapping, not a %s", event_line(t),
                    t->event.type == YAML_SCALAR_EVENT ? "scalar" : "sequence");
    }
    if (!translate_node(t, 1, root))
        return false;
    /* The connector's own keys (wasm/collector/config.go). */
    cJSON_DeleteItemFromObjectCaseSensitive(*root, "engine");
    cJSON_DeleteItemFromObjectCaseSensitive(*root, "module_path");
    cJSON_DeleteItemFromObjectCaseSensitive(*root, "flush_interval");
    return true;
}

/* The stream: nothing, or one document; *root is a new object. */
static bool translate_stream(translation *t, cJSON **root)
{
    if (!next_event(t) || !next_event(t)) /* the stream's start, then a document or the end */
        return false;
    if (t->event.type == YAML_STREAM_END_EVENT) {
        *root = cJSON_CreateObject();
        return *root != NULL || out_of_memory(t);
    }
    cJSON *object = NULL;
    if (!translate_root(t, &object))
        return false;
    bool ok = next_event(t) && next_event(t); /* the document's end, then the stream's */
    if (ok && t->event.type != YAML_STREAM_END_EVENT)
        ok = fail(t, "config line %zu: a second YAML document; the configuration must be one document",
                  event_line(t));
    if (!ok) {
        cJSON_Delete(object);
        return false;
    }
    *root = object;
    return true;
}

/* ---- the API ------------------------------------------------------------------- */

bool config_is_yaml(const uint8_t *text, size_t size)
{
    size_t i = 0;
    while (i < size && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    return i == size || (text[i] != '{' && text[i] != '[');
}

bool config_yaml_to_json(const uint8_t *text, size_t size, char **json, size_t *json_size,
                         char *error, size_t error_size)
{
    if (text == NULL) {
        text = (const uint8_t *)"";
        size = 0;
    }
    translation t = {.text = text, .size = size, .error = error, .error_size = error_size};
    if (error_size > 0)
        error[0] = '\0';
    if (!yaml_parser_initialize(&t.parser))
        return out_of_memory(&t);
    yaml_parser_set_input_string(&t.parser, text, size);
    yaml_parser_set_encoding(&t.parser, YAML_UTF8_ENCODING);
    cJSON *root = NULL;
    bool ok = translate_stream(&t, &root);
    if (t.has_event)
        yaml_event_delete(&t.event);
    yaml_parser_delete(&t.parser);
    if (!ok)
        return false;
    char *printed = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (printed == NULL)
        return out_of_memory(&t);
    *json = printed;
    *json_size = strlen(printed);
    return true;
}
