/*
 * prom_names.c: the Prometheus names of OTLP metrics and attribute keys,
 * exactly as Prometheus itself gives them (github.com/prometheus/otlptranslator
 * v1.0.0, the default "underscore escaping with suffixes" of Prometheus' OTLP
 * receiver and the collector's Prometheus exporter). tests/go/cmd/promcheck
 * checks every name we write against the Go library.
 *
 * Metric names: the name split into tokens at every character outside
 * [A-Za-z0-9:], the unit's Prometheus word appended unless a token already
 * says it ("s" → seconds, "By" → bytes, "{…}" → nothing, "a/b" → a_per_b),
 * for a counter every "total" token moved to the end, for a gauge of unit
 * "1" likewise "ratio"; joined with '_', '_' before a leading digit.
 * Label names: each run of characters outside [A-Za-z0-9] one '_' ("__x__"
 * keeps its underscores), "key_" before a leading digit.
 */
#include "encode/prom_names.h"

#include <string.h>

static bool is_alphanumeric(uint8_t ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static bool is_metric_name_char(uint8_t ch)
{
    return is_alphanumeric(ch) || ch == ':';
}

/* Up to MAX_NAME_TOKENS tokens of a metric name, as slices. */
enum { MAX_NAME_TOKENS = 64 };
typedef struct name_tokens {
    byte_slice items[MAX_NAME_TOKENS + 3];
    uint32_t count;
} name_tokens;

static void tokens_add(name_tokens *tokens, byte_slice token)
{
    if (token.size > 0 && tokens->count < MAX_NAME_TOKENS + 3)
        tokens->items[tokens->count++] = token;
}

static bool tokens_contain(const name_tokens *tokens, byte_slice token)
{
    for (uint32_t i = 0; i < tokens->count; i++) {
        if (slice_equals(tokens->items[i], token))
            return true;
    }
    return false;
}

/* Drops every token equal to word. */
static void tokens_remove(name_tokens *tokens, const char *word)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < tokens->count; i++) {
        if (!slice_equals_cstr(tokens->items[i], word))
            tokens->items[n++] = tokens->items[i];
    }
    tokens->count = n;
}

/* Splits text at every character outside [A-Za-z0-9:], empty fields dropped. */
static void split_name(byte_slice text, name_tokens *tokens)
{
    size_t start = 0;
    for (size_t i = 0; i <= text.size; i++) {
        if (i < text.size && is_metric_name_char(text.data[i]))
            continue;
        if (tokens->count < MAX_NAME_TOKENS)
            tokens_add(tokens, (byte_slice){text.data + start, i - start});
        start = i + 1;
    }
}

static byte_slice trim_spaces(byte_slice text)
{
    while (text.size > 0 && (text.data[0] == ' ' || text.data[0] == '\t' || text.data[0] == '\n' ||
                             text.data[0] == '\r' || text.data[0] == '\v' || text.data[0] == '\f')) {
        text.data++;
        text.size--;
    }
    while (text.size > 0 && (text.data[text.size - 1] == ' ' || text.data[text.size - 1] == '\t' ||
                             text.data[text.size - 1] == '\n' || text.data[text.size - 1] == '\r' ||
                             text.data[text.size - 1] == '\v' || text.data[text.size - 1] == '\f'))
        text.size--;
    return text;
}

static bool has_brace(byte_slice text)
{
    return memchr(text.data, '{', text.size) != NULL || memchr(text.data, '}', text.size) != NULL;
}

/* otlptranslator's unit words: a UCUM unit, then a "per" unit. */
static byte_slice unit_word(byte_slice unit, bool per)
{
    static const struct { const char *unit, *word; } main_words[] = {
        {"d", "days"}, {"h", "hours"}, {"min", "minutes"}, {"s", "seconds"},
        {"ms", "milliseconds"}, {"us", "microseconds"}, {"ns", "nanoseconds"},
        {"By", "bytes"}, {"KiBy", "kibibytes"}, {"MiBy", "mebibytes"}, {"GiBy", "gibibytes"},
        {"TiBy", "tibibytes"}, {"KBy", "kilobytes"}, {"MBy", "megabytes"}, {"GBy", "gigabytes"},
        {"TBy", "terabytes"}, {"m", "meters"}, {"V", "volts"}, {"A", "amperes"}, {"J", "joules"},
        {"W", "watts"}, {"g", "grams"}, {"Cel", "celsius"}, {"Hz", "hertz"}, {"1", ""},
        {"%", "percent"}};
    static const struct { const char *unit, *word; } per_words[] = {
        {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"}, {"w", "week"},
        {"mo", "month"}, {"y", "year"}};
    size_t count = per ? sizeof per_words / sizeof per_words[0] : sizeof main_words / sizeof main_words[0];
    for (size_t i = 0; i < count; i++) {
        const char *from = per ? per_words[i].unit : main_words[i].unit;
        const char *to = per ? per_words[i].word : main_words[i].word;
        if (slice_equals_cstr(unit, from))
            return (byte_slice){(const uint8_t *)to, strlen(to)};
    }
    return unit;
}

/* Appends word to text with every run of '_' and characters outside
 * [A-Za-z0-9:] made one '_', and a leading '_' dropped (cleanUpUnit). */
static bool append_clean_unit(byte_buffer *text, const char *prefix, byte_slice word)
{
    size_t start = text->size;
    if (!buffer_append_cstr(text, prefix))
        return false;
    for (size_t i = 0; i < word.size; i++) {
        uint8_t ch = is_metric_name_char(word.data[i]) ? word.data[i] : '_';
        bool after_underscore = text->size > start && text->data[text->size - 1] == '_';
        if ((ch == '_' && after_underscore) || (ch == '_' && text->size == start))
            continue;
        if (!buffer_append_char(text, (char)ch))
            return false;
    }
    return true;
}

static byte_slice trim_trailing_underscore(byte_slice text)
{
    if (text.size > 0 && text.data[text.size - 1] == '_')
        text.size--;
    return text;
}

/* The unit's tokens (otlptranslator's buildUnitSuffixes, cleanUpUnit and
 * addUnitTokens), in scratch buffers of the arena. */
static bool add_unit_tokens(arena *a, const char *unit_text, name_tokens *tokens)
{
    byte_slice unit = {(const uint8_t *)unit_text, strlen(unit_text)};
    const uint8_t *slash = memchr(unit.data, '/', unit.size);
    byte_slice main_unit = trim_spaces(slash ? (byte_slice){unit.data, (size_t)(slash - unit.data)} : unit);
    byte_slice per_unit = slash ? (byte_slice){slash + 1, unit.size - (size_t)(slash + 1 - unit.data)}
                                : (byte_slice){unit.data, 0};
    byte_buffer main_word, per_word;
    buffer_init(&main_word, a);
    buffer_init(&per_word, a);
    if (main_unit.size > 0 && !has_brace(main_unit) &&
        !append_clean_unit(&main_word, "", unit_word(main_unit, false)))
        return false;
    per_unit = trim_spaces(per_unit);
    if (per_unit.size > 0 && !has_brace(per_unit)) {
        byte_slice word = unit_word(per_unit, true);
        if (word.size > 0 && !append_clean_unit(&per_word, "per_", word))
            return false;
    }
    byte_slice main_token = {main_word.data, main_word.size};
    byte_slice per_token = {per_word.data, per_word.size};
    if (tokens_contain(tokens, main_token))
        main_token.size = 0;
    if (slice_equals_cstr(per_token, "per_")) {
        per_token.size = 0;
    } else {
        per_token = trim_trailing_underscore(per_token);
        if (tokens_contain(tokens, per_token))
            per_token.size = 0;
    }
    if (per_token.size > 0)
        main_token = trim_trailing_underscore(main_token);
    tokens_add(tokens, main_token);
    tokens_add(tokens, per_token);
    return true;
}

byte_slice prom_metric_name(arena *a, const char *metric_name, const char *unit, bool gauge)
{
    name_tokens tokens = {.count = 0};
    split_name((byte_slice){(const uint8_t *)metric_name, strlen(metric_name)}, &tokens);
    bool ok = add_unit_tokens(a, unit, &tokens);
    static const char total[] = "total", ratio[] = "ratio";
    if (!gauge) {
        tokens_remove(&tokens, total);
        tokens_add(&tokens, (byte_slice){(const uint8_t *)total, 5});
    } else if (strcmp(unit, "1") == 0) {
        tokens_remove(&tokens, ratio);
        tokens_add(&tokens, (byte_slice){(const uint8_t *)ratio, 5});
    }
    byte_buffer name;
    buffer_init(&name, a);
    for (uint32_t i = 0; i < tokens.count && ok; i++) {
        bool leading_digit = i == 0 && tokens.items[0].data[0] >= '0' && tokens.items[0].data[0] <= '9';
        ok = (!leading_digit || buffer_append_char(&name, '_')) &&
             (i == 0 || buffer_append_char(&name, '_')) &&
             buffer_append(&name, tokens.items[i].data, tokens.items[i].size);
    }
    return ok ? (byte_slice){name.data, name.size} : (byte_slice){(const uint8_t *)"", 0};
}

byte_slice prom_label_name(arena *a, byte_slice key)
{
    uint8_t *name = arena_alloc(a, key.size + 8);
    if (name == NULL)
        return (byte_slice){(const uint8_t *)"", 0};
    bool reserved = key.size >= 4 && key.data[0] == '_' && key.data[1] == '_' &&
                    key.data[key.size - 1] == '_' && key.data[key.size - 2] == '_';
    byte_slice body = reserved ? (byte_slice){key.data + 2, key.size - 4} : key;
    size_t n = 0;
    if (reserved) {
        memcpy(name, "__", 2);
        n = 2;
    }
    if (body.size > 0 && body.data[0] >= '0' && body.data[0] <= '9' && !reserved) {
        memcpy(name, "key_", 4);
        n = 4;
    }
    bool only_underscores = true;
    bool after_underscore = false;
    for (size_t i = 0; i < body.size; i++) {
        if (is_alphanumeric(body.data[i])) {
            name[n++] = body.data[i];
            after_underscore = false;
            only_underscores = false;
        } else if (!after_underscore) {
            name[n++] = '_';
            after_underscore = true;
        }
    }
    if (reserved) {
        memcpy(name + n, "__", 2);
        n += 2;
    }
    if (only_underscores)
        n = 0;
    return (byte_slice){name, n};
}

