/*
 * test_escape.c: the JSON string escaper (json_escape) and the plain-run
 * scanner behind it and the Prometheus label writer (utf8_plain_run), on
 * hand-written cases: what JSON requires escaped, valid UTF-8 of every
 * length kept, and each kind of invalid UTF-8 (a stray continuation byte,
 * a truncated sequence, an overlong form, a surrogate, past U+10FFFF)
 * replaced by U+FFFD one byte at a time.
 */
#include <string.h>

#include "check.h"
#include "encode/encode.h"

typedef struct escape_case {
    const char *name;
    const char *text;  /* input bytes */
    size_t size;
    const char *json;  /* the expected JSON string body */
} escape_case;

#define CASE(name, text, json) {name, text, sizeof text - 1, json}

static const escape_case cases[] = {
    CASE("empty", "", ""),
    CASE("plain ASCII", "main.run", "main.run"),
    CASE("quote and backslash", "a\"b\\c", "a\\\"b\\\\c"),
    CASE("control characters", "\x01\n\t\x1f", "\\u0001\\u000a\\u0009\\u001f"),
    CASE("DEL passes", "\x7f", "\x7f"),
    CASE("two, three and four bytes", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
    CASE("a stray continuation byte", "a\x80z", "a\\ufffdz"),
    CASE("a truncated sequence at the end", "ok\xe2\x82", "ok\\ufffd\\ufffd"),
    CASE("an overlong slash", "\xc0\xaf", "\\ufffd\\ufffd"),
    CASE("a surrogate", "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd"),
    CASE("past U+10FFFF", "\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"),
    CASE("escapes between runs", "x\"\xc3\xa9\\\x02y", "x\\\"\xc3\xa9\\\\\\u0002y"),
};

static void test_json_escape(void)
{
    counting_allocator counter = {0};
    const ptm_allocator allocator = {counting_malloc, counting_free, &counter};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena a;
        arena_init(&a, &allocator);
        byte_buffer out;
        buffer_init(&out, &a);
        bool ok = json_escape(&out, (byte_slice){(const uint8_t *)cases[i].text, cases[i].size});
        size_t expected = strlen(cases[i].json);
        CHECK(ok && out.size == expected && (expected == 0 || memcmp(out.data, cases[i].json, expected) == 0),
              cases[i].name);
        arena_free(&a);
    }
    CHECK(counter.live == 0, "every block given back");
}

static void test_plain_run(void)
{
    const ascii_set stops = {{1ull << ',', 0}};
    const uint8_t text[] = "ab\xc3\xa9,cd";
    CHECK(utf8_plain_run(text, sizeof text - 1, &stops) == 4, "a run ends at a stop, multi-byte kept");
    CHECK(utf8_plain_run(text + 4, sizeof text - 5, &stops) == 0, "a stop first: an empty run");
    const uint8_t invalid[] = "ab\xff";
    CHECK(utf8_plain_run(invalid, 3, &stops) == 2, "a run ends at invalid UTF-8");
    CHECK(utf8_plain_run(text, 0, &stops) == 0, "nothing: an empty run");
}

int main(void)
{
    test_json_escape();
    test_plain_run();
    return check_report();
}
