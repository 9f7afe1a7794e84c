/*
 * test_text_runs.c: the scanners that take eight bytes at a time
 * (utf8_plain_run with stops among the control characters, quote and
 * backslash; utf8_valid_prefix) against byte-at-a-time references written
 * here, on a million random strings of 0 to 40 bytes drawn mostly from
 * ASCII letters, with every stop, multi-byte UTF-8 and invalid bytes mixed
 * in at every offset of a word. The first mismatch stops the test.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "encode/encode.h"

static uint64_t random_state = 0x2545f4914f6cdd1du;

static uint64_t random_bits(void)
{
    uint64_t z = (random_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* One byte at a time, as utf8_plain_run did before. */
static size_t reference_plain_run(const uint8_t *text, size_t size, const ascii_set *stops)
{
    size_t i = 0;
    while (i < size) {
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

static size_t reference_valid_prefix(const uint8_t *text, size_t size)
{
    size_t i = 0;
    while (i < size) {
        size_t length = utf8_sequence(text + i, size - i);
        if (length == 0)
            break;
        i += length;
    }
    return i;
}

/* A random string: mostly letters, else one of the pieces below. */
static size_t random_text(uint8_t *text, size_t capacity)
{
    static const char *const pieces[] = {
        "\"", "\\", "\n", "\t", "\x01", "\x1f", " ", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
        "\xf0\x9f\x98\x80", "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xff",
    };
    size_t length = random_bits() % 41, size = 0;
    while (size < length) {
        uint64_t pick = random_bits();
        const char *piece = pick % 4 != 0 ? "abcdefgh" + (pick >> 8) % 8 : pieces[(pick >> 8) % 17];
        size_t piece_size = pick % 4 != 0 ? 1 : strlen(piece);
        if (size + piece_size > capacity)
            break;
        memcpy(text + size, piece, piece_size);
        size += piece_size;
    }
    return size;
}

int main(void)
{
    static const ascii_set json = {{0xffffffffu | (1ull << '"'), 1ull << ('\\' - 64)}};
    static const ascii_set prom = {{(1ull << '\n') | (1ull << '"'), 1ull << ('\\' - 64)}};
    static const ascii_set comma = {{1ull << ',', 0}}; /* not among them: byte at a time */
    const ascii_set *sets[] = {&json, &prom, &comma};
    uint8_t text[48];
    long checked = 0;
    for (long n = 0; n < 1000000; n++) {
        size_t size = random_text(text, sizeof text);
        for (size_t offset = 0; offset < 8 && offset <= size; offset++) {
            const uint8_t *start = text + offset;
            size_t rest = size - offset;
            for (size_t s = 0; s < 3; s++) {
                size_t got = utf8_plain_run(start, rest, sets[s]), expected = reference_plain_run(start, rest, sets[s]);
                if (got != expected) {
                    fprintf(stderr, "FAIL utf8_plain_run (set %zu) of %zu bytes at offset %zu: %zu, expected %zu\n", s,
                            rest, offset, got, expected);
                    CHECK(false, "utf8_plain_run matches the byte-at-a-time scan");
                    return check_report();
                }
            }
            size_t got = utf8_valid_prefix(start, rest), expected = reference_valid_prefix(start, rest);
            if (got != expected) {
                fprintf(stderr, "FAIL utf8_valid_prefix of %zu bytes at offset %zu: %zu, expected %zu\n", rest,
                        offset, got, expected);
                CHECK(false, "utf8_valid_prefix matches the byte-at-a-time scan");
                return check_report();
            }
            checked++;
        }
    }
    CHECK(checked > 1000000, "strings checked");
    printf("%ld strings and suffixes\n", checked);
    return check_report();
}
