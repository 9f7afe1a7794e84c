/*
 * json_syntax.c: a JSON recogniser with an explicit stack of open
 * containers (json_syntax.h). One pass, no allocation.
 */
#include "input/json_syntax.h"

#include <string.h>

typedef struct scanner {
    const char *text;
    size_t size;
    size_t at;
} scanner;

static void skip_space(scanner *s)
{
    s->at = json_space_end((const uint8_t *)s->text, s->size, s->at);
}

static bool take(scanner *s, char c)
{
    if (s->at < s->size && s->text[s->at] == c) {
        s->at++;
        return true;
    }
    return false;
}

static bool is_digit(scanner *s)
{
    return s->at < s->size && s->text[s->at] >= '0' && s->text[s->at] <= '9';
}

static bool scan_digits(scanner *s)
{
    if (!is_digit(s))
        return false;
    while (is_digit(s))
        s->at++;
    return true;
}

static bool scan_number(scanner *s)
{
    take(s, '-');
    if (!take(s, '0') && !scan_digits(s))
        return false;
    if (take(s, '.') && !scan_digits(s))
        return false;
    if (take(s, 'e') || take(s, 'E')) {
        if (!take(s, '+'))
            take(s, '-');
        return scan_digits(s);
    }
    return true;
}

/* Four hex digits after "\u"; their value, or -1. */
static long scan_hex4(scanner *s)
{
    long value = 0;
    for (int i = 0; i < 4; i++, s->at++) {
        if (s->at >= s->size)
            return -1;
        char c = s->text[s->at];
        int digit = c >= '0' && c <= '9' ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

/* A \u escape, as cJSON takes it: a low surrogate alone, or a high one
 * not followed by a \u low one, is refused. */
static bool scan_unicode_escape(scanner *s)
{
    long first = scan_hex4(s);
    if (first < 0 || (first >= 0xDC00 && first <= 0xDFFF))
        return false;
    if (first < 0xD800 || first > 0xDBFF)
        return true;
    if (!take(s, '\\') || !take(s, 'u'))
        return false;
    long second = scan_hex4(s);
    return second >= 0xDC00 && second <= 0xDFFF;
}

/* A string. Raw control characters pass, as cJSON lets them. */
static bool scan_string(scanner *s)
{
    if (!take(s, '"'))
        return false;
    while (s->at < s->size) {
        char c = s->text[s->at++];
        if (c == '"')
            return true;
        if (c != '\\')
            continue;
        if (s->at >= s->size)
            return false;
        char escape = s->text[s->at++];
        if (escape == 'u') {
            if (!scan_unicode_escape(s))
                return false;
        } else if (escape == '\0' || strchr("\"\\/bfnrt", escape) == NULL) {
            return false;
        }
    }
    return false;
}

static bool scan_word(scanner *s, const char *word)
{
    size_t length = strlen(word);
    if (s->size - s->at < length || memcmp(s->text + s->at, word, length) != 0)
        return false;
    s->at += length;
    return true;
}

/* A key and its colon, inside an object. */
static bool scan_key(scanner *s)
{
    skip_space(s);
    if (!scan_string(s))
        return false;
    skip_space(s);
    return take(s, ':');
}

static bool scan_scalar(scanner *s)
{
    char c = s->text[s->at];
    if (c == '"')
        return scan_string(s);
    if (c == 't')
        return scan_word(s, "true");
    if (c == 'f')
        return scan_word(s, "false");
    if (c == 'n')
        return scan_word(s, "null");
    return scan_number(s);
}

/* Scans the value at the start of s; false when s.at is where it fails. */
static bool scan_value(scanner *sc, size_t *end)
{
    scanner s = *sc;
    size_t size = s.size;
    bool ok = false;
    char closes[JSON_NESTING_LIMIT]; /* the close of each open container */
    size_t depth = 0;
    for (;;) {
        /* A value: a scalar, or a container opened (and maybe closed at once). */
        skip_space(&s);
        if (s.at >= size)
            goto done;
        char c = s.text[s.at];
        if (c == '{' || c == '[') {
            if (depth == JSON_NESTING_LIMIT)
                goto done;
            s.at++;
            closes[depth++] = c == '{' ? '}' : ']';
            skip_space(&s);
            if (take(&s, closes[depth - 1])) {
                depth--;
            } else {
                if (c == '{' && !scan_key(&s))
                    goto done;
                continue;
            }
        } else if (!scan_scalar(&s)) {
            goto done;
        }
        /* After a value: close containers, or a comma and the next entry. */
        for (;;) {
            if (depth == 0) {
                skip_space(&s);
                *end = s.at;
                ok = true;
                goto done;
            }
            skip_space(&s);
            if (take(&s, closes[depth - 1])) {
                depth--;
                continue;
            }
            if (!take(&s, ','))
                goto done;
            if (closes[depth - 1] == '}' && !scan_key(&s))
                goto done;
            break;
        }
    }
done:
    *sc = s;
    return ok;
}

bool json_value_is_valid(const char *text, size_t size, size_t *end)
{
    scanner s = {text, size, 0};
    return scan_value(&s, end);
}

bool json_prefix_fails(const char *text, size_t size)
{
    static const char utf8_bom[3] = {(char)0xef, (char)0xbb, (char)0xbf};
    scanner s = {text, size, size >= 3 && memcmp(text, utf8_bom, 3) == 0 ? 3 : 0};
    size_t end;
    return !scan_value(&s, &end) && s.at < size;
}
