/*
 * encode_text.c: helpers shared by the JSON and Prometheus encoders.
 */
#include "encode/encode.h"
#include "base/number_text.h"

#include <string.h>

bool format_double(byte_buffer *out, double value)
{
    char text[DOUBLE_TEXT_MAX];
    return text_append(out, text, double_text(value, text));
}

bool text_append_printable(byte_buffer *b, byte_slice name, bool semicolons)
{
    size_t start = b->size;
    if (!text_append(b, name.data, name.size))
        return false;
    for (size_t i = start; i < b->size; i++) {
        uint8_t byte = b->data[i];
        if (byte < 0x20 || byte == 0x7f || (semicolons && byte == ';'))
            b->data[i] = '_';
    }
    return true;
}

/* Whether one of the eight bytes of word is a control character, a quote,
 * a backslash or not ASCII (exact: the borrows of the subtractions reach a
 * byte's top bit only through a byte that is itself such a byte). */
static bool word_has_special(uint64_t word)
{
    const uint64_t ones = 0x0101010101010101u, tops = 0x8080808080808080u;
    uint64_t quote = word ^ (ones * '"'), backslash = word ^ (ones * '\\');
    uint64_t found = (word - ones * 0x20) | (quote - ones) | (backslash - ones);
    return ((found & ~word) | word) & tops;
}

/* What JSON strings escape: control characters, quote, backslash. A run
 * whose stops are among these skips eight bytes at a time. */
static const ascii_set json_stops = {{0xffffffffu | (1ull << '"'), 1ull << ('\\' - 64)}};

size_t utf8_plain_run(const uint8_t *text, size_t size, const ascii_set *stops)
{
    bool by_words = (stops->bits[0] & ~json_stops.bits[0]) == 0 && (stops->bits[1] & ~json_stops.bits[1]) == 0;
    size_t i = 0;
    while (i < size) {
        uint64_t word;
        if (by_words && size - i >= sizeof word) {
            memcpy(&word, text + i, sizeof word);
            if (!word_has_special(word)) {
                i += sizeof word;
                continue;
            }
        }
        uint8_t byte = text[i];
        if (byte < 0x80) {
            if ((stops->bits[byte >> 6] >> (byte & 63)) & 1)
                break;
            i++;
            continue;
        }
        size_t length = utf8_sequence(text + i, size - i);
        if (length == 0)
            break;
        i += length;
    }
    return i;
}

bool json_escape(byte_buffer *out, byte_slice text)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
    while (i < text.size) {
        size_t run = utf8_plain_run(text.data + i, text.size - i, &json_stops);
        if (run > 0 && !text_append(out, text.data + i, run))
            return false;
        i += run;
        if (i == text.size)
            break;
        uint8_t byte = text.data[i++]; /* a stop, or a byte of invalid UTF-8 */
        bool ok;
        if (byte >= 0x80) {
            ok = text_append_literal(out, "\\ufffd");
        } else if (byte == '"' || byte == '\\') {
            char escaped[2] = {'\\', (char)byte};
            ok = text_append(out, escaped, 2);
        } else {
            char escaped[6] = {'\\', 'u', '0', '0', hex[byte >> 4], hex[byte & 15]};
            ok = text_append(out, escaped, 6);
        }
        if (!ok)
            return false;
    }
    return true;
}

uint32_t series_run_start(const conversion *c, uint32_t from, uint32_t end, bool by_metric)
{
    const series *last = c->ordered[end - 1];
    uint32_t start = end - 1;
    while (start > from && c->ordered[start - 1]->key.resource == last->key.resource &&
           (!by_metric || c->ordered[start - 1]->key.metric == last->key.metric))
        start--;
    return start;
}

uint32_t series_run_end(const conversion *c, uint32_t from, bool by_metric)
{
    const series *first = c->ordered[from];
    uint32_t end = from + 1;
    while (end < c->ordered_count && c->ordered[end]->key.resource == first->key.resource &&
           (!by_metric || c->ordered[end]->key.metric == first->key.metric))
        end++;
    return end;
}
