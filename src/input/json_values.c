/*
 * json_values.c: the values of OTLP/JSON read as protobuf payloads, and the
 * transcoder's errors, which name the JSON path of the value at fault.
 *
 * Integers may be JSON strings or numbers (a number only below 2^53 in
 * magnitude, where cJSON's double is exact) and are range checked for their
 * kind; doubles may be numbers, "NaN", "Infinity", "-Infinity" or a string
 * holding a JSON number; bytes are base64 (either alphabet, padding
 * optional), or hex for trace, span and profile ids (json_input.c gives the
 * rules in full). A path longer than PATH_SHOWN_HEAD + PATH_SHOWN_TAIL steps
 * is shown with its middle elided.
 */
#include "input/json_transcode.h"
#include "input/json_syntax.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- paths and errors ---- */

/* Paths longer than this are shown as their first and last steps. */
enum { PATH_SHOWN_HEAD = 4, PATH_SHOWN_TAIL = 5 };

/* vsnprintf after what error already holds, truncating silently. */
static void error_append_list(transcoder *t, const char *format, va_list args)
    __attribute__((format(printf, 2, 0)));

static void error_append_list(transcoder *t, const char *format, va_list args)
{
    size_t used = strlen(t->error);
    vsnprintf(t->error + used, sizeof t->error - used, format, args);
}

static void error_append(transcoder *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void error_append(transcoder *t, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    error_append_list(t, format, args);
    va_end(args);
}

static size_t path_length(const json_path *path)
{
    size_t length = 0;
    for (; path != NULL; path = path->parent)
        length++;
    return length;
}

/* The step at position (0 = outermost) of a path of length steps. */
static const json_path *path_step(const json_path *path, size_t length, size_t position)
{
    for (size_t i = length - 1; i > position; i--)
        path = path->parent;
    return path;
}

static void error_append_step(transcoder *t, const json_path *step, bool first)
{
    error_append(t, "%s%s", first ? "" : ".", step->name);
    if (step->index != NO_INDEX)
        error_append(t, "[%d]", step->index);
}

/* Appends the path outermost first, eliding the middle of a long one. */
static void error_append_path(transcoder *t, const json_path *path)
{
    size_t length = path_length(path);
    bool elide = length > PATH_SHOWN_HEAD + PATH_SHOWN_TAIL;
    size_t head = elide ? PATH_SHOWN_HEAD : length;
    for (size_t i = 0; i < head; i++)
        error_append_step(t, path_step(path, length, i), i == 0);
    if (!elide)
        return;
    error_append(t, ".(%zu more)", length - PATH_SHOWN_HEAD - PATH_SHOWN_TAIL);
    for (size_t i = length - PATH_SHOWN_TAIL; i < length; i++)
        error_append_step(t, path_step(path, length, i), false);
}

bool json_fail_as(transcoder *t, ptm_result code, const json_path *path, const char *format, ...)
{
    snprintf(t->error, sizeof t->error, "JSON: ");
    if (path != NULL) {
        error_append_path(t, path);
        error_append(t, ": ");
    }
    va_list args;
    va_start(args, format);
    error_append_list(t, format, args);
    va_end(args);
    return status_fail(t->status, code, "%s", t->error);
}

/* ---- scalars ---- */

/* A JSON integer: its sign and magnitude, before the range check. */
typedef struct json_integer {
    bool negative;
    uint64_t magnitude;
} json_integer;

#define EXACT_DOUBLE_LIMIT 9007199254740992.0 /* 2^53 */

static const char *integer_kind_name(field_kind kind)
{
    return kind == KIND_INT32 ? "int32"
         : kind == KIND_INT64 ? "int64"
         : kind == KIND_UINT32 ? "uint32"
         : kind == KIND_UINT64 ? "uint64"
         : "fixed64";
}

/* Decimal digits with an optional '-', as OTLP/JSON writes 64-bit integers. */
static bool read_integer_string(transcoder *t, const json_path *path, const char *text,
                                field_kind kind, json_integer *out)
{
    out->negative = *text == '-';
    text += out->negative;
    if (*text == '\0')
        return json_fail(t, path, "expected an integer");
    out->magnitude = 0;
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9')
            return json_fail(t, path, "expected an integer");
        unsigned digit = (unsigned)(*text - '0');
        if (out->magnitude > (UINT64_MAX - digit) / 10)
            return json_fail(t, path, "out of range for %s", integer_kind_name(kind));
        out->magnitude = out->magnitude * 10 + digit;
    }
    return true;
}

static bool read_integer_number(transcoder *t, const json_path *path, double value, json_integer *out)
{
    if (!(value > -EXACT_DOUBLE_LIMIT && value < EXACT_DOUBLE_LIMIT))
        return json_fail(t, path, "integer beyond 2^53 written as a JSON number (write it as a string)");
    int64_t integer = (int64_t)value;
    if ((double)integer != value)
        return json_fail(t, path, "expected an integer");
    out->negative = integer < 0;
    out->magnitude = out->negative ? 0 - (uint64_t)integer : (uint64_t)integer;
    return true;
}

/* The varint or fixed64 payload of an integer of kind, range checked. */
static bool integer_payload(transcoder *t, const json_path *path, field_kind kind, json_integer value,
                            uint64_t *payload)
{
    bool is_signed = kind == KIND_INT32 || kind == KIND_INT64;
    uint64_t positive_limit = kind == KIND_INT32 ? INT32_MAX
                            : kind == KIND_INT64 ? INT64_MAX
                            : kind == KIND_UINT32 ? UINT32_MAX
                            : UINT64_MAX;
    uint64_t limit = value.negative && is_signed ? positive_limit + 1 : positive_limit;
    if (value.negative && value.magnitude != 0 && !is_signed)
        return json_fail(t, path, "negative value for %s", integer_kind_name(kind));
    if (value.magnitude > limit)
        return json_fail(t, path, "out of range for %s", integer_kind_name(kind));
    *payload = value.negative ? 0 - value.magnitude : value.magnitude;
    return true;
}

static bool read_integer(transcoder *t, const json_path *path, const cJSON *item, field_kind kind,
                         uint64_t *payload)
{
    json_integer value = {false, 0};
    bool ok = cJSON_IsString(item) ? read_integer_string(t, path, item->valuestring, kind, &value)
            : cJSON_IsNumber(item) ? read_integer_number(t, path, item->valuedouble, &value)
            : json_fail(t, path, "expected an integer");
    return ok && integer_payload(t, path, kind, value, payload);
}

/* A string that is a JSON number, no more (no white space: protojson refuses
 * it), read as cJSON reads the number, into *value. */
static bool number_string(const char *text, double *value)
{
    size_t size = strlen(text);
    if (size == 0 || !(text[0] == '-' || (text[0] >= '0' && text[0] <= '9')) || json_is_space((uint8_t)text[size - 1]))
        return false;
    const char *end = NULL;
    cJSON *number = cJSON_ParseWithLengthOpts(text, size, &end, false);
    bool read = number != NULL && cJSON_IsNumber(number) && end == text + size;
    if (read)
        *value = number->valuedouble;
    cJSON_Delete(number);
    return read;
}

/* A double as a JSON number, one of protojson's special strings or a string
 * holding a JSON number ("1.5", as protojson and pdata read it). */
static bool read_double(transcoder *t, const json_path *path, const cJSON *item, uint64_t *payload)
{
    double value;
    if (cJSON_IsNumber(item))
        value = item->valuedouble;
    else if (cJSON_IsString(item) && number_string(item->valuestring, &value)) {
        /* read */
    }
    else if (cJSON_IsString(item) && strcmp(item->valuestring, "NaN") == 0)
        value = NAN;
    else if (cJSON_IsString(item) && strcmp(item->valuestring, "Infinity") == 0)
        value = INFINITY;
    else if (cJSON_IsString(item) && strcmp(item->valuestring, "-Infinity") == 0)
        value = -INFINITY;
    else
        return json_fail(t, path, "expected a number");
    memcpy(payload, &value, sizeof value);
    return true;
}

/* The payload of a scalar field of kind (a varint or fixed64 kind). */
bool json_read_scalar(transcoder *t, const json_path *path, const cJSON *item, field_kind kind,
                      uint64_t *payload)
{
    if (kind == KIND_DOUBLE)
        return read_double(t, path, item, payload);
    if (kind == KIND_BOOL) {
        if (!cJSON_IsBool(item))
            return json_fail(t, path, "expected true or false");
        *payload = cJSON_IsTrue(item) ? 1 : 0;
        return true;
    }
    return read_integer(t, path, item, kind, payload);
}

/* ---- bytes ---- */

static int base64_digit(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decodes base64 (either alphabet, padding optional) into out. */
bool json_decode_base64(transcoder *t, const json_path *path, const char *text, byte_buffer *out)
{
    size_t length = strlen(text);
    size_t digits = length;
    while (digits > 0 && length - digits < 2 && text[digits - 1] == '=')
        digits--;
    if (digits % 4 == 1 || (digits < length && length % 4 != 0))
        return json_fail(t, path, "invalid base64");
    uint8_t group[3];
    uint32_t bits = 0;
    for (size_t i = 0; i < digits; i++) {
        int digit = base64_digit(text[i]);
        if (digit < 0)
            return json_fail(t, path, "invalid base64");
        bits = bits << 6 | (uint32_t)digit;
        size_t filled = i % 4 + 1;
        if (filled == 4 || i + 1 == digits) {
            bits <<= 6 * (4 - filled);
            group[0] = (uint8_t)(bits >> 16);
            group[1] = (uint8_t)(bits >> 8);
            group[2] = (uint8_t)bits;
            if (!buffer_append(out, group, filled - 1))
                return false;
            bits = 0;
        }
    }
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool json_decode_hex(transcoder *t, const json_path *path, const char *text, byte_buffer *out)
{
    if (strlen(text) % 2 != 0)
        return json_fail(t, path, "invalid hex (odd length)");
    for (; *text != '\0'; text += 2) {
        int high = hex_digit(text[0]), low = hex_digit(text[1]);
        if (high < 0 || low < 0)
            return json_fail(t, path, "invalid hex");
        if (!buffer_append_char(out, (char)(high << 4 | low)))
            return false;
    }
    return true;
}
