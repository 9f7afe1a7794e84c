/*
 * utf8.c: UTF-8 validation, which every stage that writes text the wire
 * format requires to be UTF-8 uses (the encoders, the canonical attributes).
 */
#include "base/utf8.h"

#include <string.h>

size_t utf8_sequence(const uint8_t *text, size_t size)
{
    uint8_t lead = text[0];
    size_t length;
    uint32_t minimum;
    if (lead < 0x80)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf) { length = 2; minimum = 0x80; }
    else if (lead >= 0xe0 && lead <= 0xef) { length = 3; minimum = 0x800; }
    else if (lead >= 0xf0 && lead <= 0xf4) { length = 4; minimum = 0x10000; }
    else return 0;
    if (size < length)
        return 0;
    uint32_t code = lead & (0x7f >> length);
    for (size_t i = 1; i < length; i++) {
        if ((text[i] & 0xc0) != 0x80)
            return 0;
        code = (code << 6) | (text[i] & 0x3f);
    }
    if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return 0;
    return length;
}

size_t utf8_valid_prefix(const uint8_t *text, size_t size)
{
    size_t i = 0;
    while (i < size) {
        uint64_t word;
        if (size - i >= sizeof word) {
            memcpy(&word, text + i, sizeof word);
            if ((word & 0x8080808080808080u) == 0) {
                i += sizeof word;
                continue;
            }
        }
        size_t length = text[i] < 0x80 ? 1 : utf8_sequence(text + i, size - i);
        if (length == 0)
            break;
        i += length;
    }
    return i;
}

const uint8_t utf8_replacement[3] = {0xef, 0xbf, 0xbd};

size_t utf8_replaced_size(const uint8_t *text, size_t size, size_t valid)
{
    size_t replaced = valid;
    for (size_t i = valid; i < size;) {
        size_t length = utf8_sequence(text + i, size - i);
        replaced += length > 0 ? length : sizeof utf8_replacement;
        i += length > 0 ? length : 1;
    }
    return replaced;
}
