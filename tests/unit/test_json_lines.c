/*
 * test_json_lines.c: the JSON Lines reader (src/input/json_lines.c) against the
 * loop it replaced, which held the whole input and gave the transcoder all
 * of it from each request on: for each input, both must hand over the same
 * requests in the same order, and the transcoder must make the same of each
 * (converted, the value's end; or refused, its message and where the text
 * stops being JSON), with the same refusal places (line, error line and
 * column), the reader being given the input whole or in pieces of any size.
 *
 * The inputs: the JSON fixtures, and thousands of inputs assembled at
 * random (a fixed seed) from fragments picked to trip a reader that looks
 * at too little or too much: good requests, requests cut anywhere, strings
 * holding brackets, escaped quotes and backslashes and raw newlines,
 * pretty-printed and concatenated requests, scalars, stray brackets, blank
 * and indented lines, CRLF.
 *
 * Usage: test_json_lines REPO_ROOT
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "input/json_input.h"
#include "input/json_lines.h"
#include "input/json_syntax.h"

enum { EVENTS_MAX = 512, MESSAGE_MAX = 160 };

/* What happened to one request. */
typedef struct event {
    bool converted;
    size_t value_end;        /* converted: the end of the value (white space after it not counted) */
    size_t syntax_error_at;  /* refused */
    char message[MESSAGE_MAX];
    refusal_place place;     /* refused */
} event;

typedef struct events {
    event items[EVENTS_MAX];
    size_t count;
    arena scratch;           /* the transcoder's output, reset per request */
} events;

/* Transcodes text as the converter does and says what came of it. */
static event transcode(arena *scratch, const uint8_t *text, size_t size, size_t *consumed)
{
    arena_reset(scratch);
    byte_buffer out;
    buffer_init(&out, scratch);
    ptm_status status;
    status_init(&status);
    event e = {0};
    e.converted = json_request_to_protobuf((const char *)text, size, consumed, &e.syntax_error_at, &out,
                                           &status) == PTM_OK;
    snprintf(e.message, sizeof e.message, "%s", status.message);
    if (e.converted) {
        e.value_end = *consumed;
        while (e.value_end > 0 && json_is_space(text[e.value_end - 1]))
            e.value_end--;
    }
    return e;
}

/* ---- the loop the reader replaced (converter.c before streaming) ---- */

typedef struct text_position {
    const uint8_t *text;
    size_t offset;
    uint32_t line;
    size_t line_start;
} text_position;

static void advance_to(text_position *at, size_t offset)
{
    for (; at->offset < offset; at->offset++) {
        if (at->text[at->offset] == '\n') {
            at->line++;
            at->line_start = at->offset + 1;
        }
    }
}

static size_t next_request_line(const uint8_t *text, size_t size, size_t start)
{
    for (size_t i = start + 1; i < size; i++) {
        if (text[i - 1] == '\n' && !json_is_space(text[i]))
            return i;
    }
    return size;
}

static void reference(const uint8_t *text, size_t size, events *out)
{
    text_position at = {text, 0, 1, 0};
    size_t offset = 0;
    for (;;) {
        offset = json_space_end(text, size, offset);
        if (offset == size || out->count == EVENTS_MAX)
            return;
        advance_to(&at, offset);
        size_t consumed = 0;
        event *e = &out->items[out->count++];
        *e = transcode(&out->scratch, text + offset, size - offset, &consumed);
        if (e->converted) {
            offset += consumed;
            continue;
        }
        e->place.line = at.line;
        if (e->syntax_error_at != SIZE_MAX) {
            advance_to(&at, offset + e->syntax_error_at);
            e->place.error_line = at.line;
            e->place.error_column = offset + e->syntax_error_at - at.line_start + 1;
        }
        offset = next_request_line(text, size, offset);
    }
}

/* ---- the reader ---- */

static bool on_request(void *context, const uint8_t *text, size_t size, json_request_outcome *outcome)
{
    events *out = context;
    if (out->count == EVENTS_MAX)
        return false;
    event *e = &out->items[out->count++];
    *e = transcode(&out->scratch, text, size, &outcome->consumed);
    outcome->converted = e->converted;
    outcome->syntax_error_at = e->syntax_error_at;
    return true;
}

static bool on_refused(void *context, const refusal_place *place)
{
    events *out = context;
    out->items[out->count - 1].place = *place;
    return true;
}

static const ptm_allocator counting = {counting_malloc, counting_free, NULL};

/* Reads text in pieces of piece bytes. */
static ptm_result read_in_pieces(const uint8_t *text, size_t size, size_t piece, events *out,
                                 counting_allocator *counter)
{
    ptm_status status;
    status_init(&status);
    json_lines_handler handler = {out, on_request, on_refused};
    ptm_allocator allocator = counting;
    allocator.context = counter;
    json_lines reader;
    json_lines_init(&reader, &handler, &allocator, UINT32_MAX, &status);
    for (size_t at = 0; at < size && status_ok(&status); at += piece)
        json_lines_read(&reader, text + at, size - at < piece ? size - at : piece, false);
    if (status_ok(&status))
        json_lines_read(&reader, NULL, 0, true);
    json_lines_free(&reader);
    return status.code;
}

static bool same_events(const events *a, const events *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++) {
        const event *x = &a->items[i], *y = &b->items[i];
        if (x->converted != y->converted || strcmp(x->message, y->message) != 0 ||
            (x->converted && x->value_end != y->value_end) ||
            (!x->converted && (x->syntax_error_at != y->syntax_error_at || x->place.line != y->place.line ||
                               x->place.error_line != y->place.error_line ||
                               x->place.error_column != y->place.error_column)))
            return false;
    }
    return true;
}

static counting_allocator scratch_counter;

static events *new_events(void)
{
    events *e = calloc(1, sizeof *e);
    arena_init(&e->scratch, &(ptm_allocator){counting_malloc, counting_free, &scratch_counter});
    return e;
}

static int mismatches;

/* Checks one input whole and in every piece size listed. */
static void check_input(const uint8_t *text, size_t size, const char *name)
{
    static const size_t pieces[] = {1, 2, 3, 5, 16, 100, 4096, SIZE_MAX};
    events *expected = new_events();
    reference(text, size, expected);
    for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
        events *got = new_events();
        counting_allocator counter = {0};
        ptm_result result = read_in_pieces(text, size, pieces[p] < size ? pieces[p] : (size ? size : 1), got,
                                           &counter);
        bool same = result == PTM_OK && same_events(expected, got) && counter.live == 0;
        if (!same && mismatches++ < 5)
            fprintf(stderr, "%s, pieces of %zu: %zu requests expected, %zu read\n%.*s\n", name, pieces[p],
                    expected->count, got->count, (int)(size < 400 ? size : 400), (const char *)text);
        CHECK(same, name);
        arena_free(&got->scratch);
        free(got);
    }
    arena_free(&expected->scratch);
    free(expected);
}

/* ---- random inputs ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t next_random(uint32_t bound)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % bound);
}

static void append(uint8_t *buffer, size_t *size, size_t capacity, const void *data, size_t length)
{
    if (*size + length > capacity)
        length = capacity - *size;
    memcpy(buffer + *size, data, length);
    *size += length;
}

static void test_random_inputs(const uint8_t *good, size_t good_size)
{
    static const char *const fragments[] = {
        "\n", "\r\n", "  ", "\n\n", "\t", "{}", "{\"resourceProfiles\":[]}", "{\"dictionary\":{}}",
        "{\"resourceSpans\":[]}", "{\"x\":1}", "{\"resourceProfiles\":3}", "{\"resourceProfiles\": [",
        "{\"resourceProfiles\":[],\"s\":\"}]{[\"}", "{\"resourceProfiles\":[],\"s\":\"\\\"}\"}",
        "{\"resourceProfiles\":[],\"s\":\"\\\\\"}", "{\"resourceProfiles\":[],\"s\":\"a\nb}\"}", "\"",
        "\\", "}", "]", "{", "[", "123", "true", "\"str\"", "x", "-", "{\n  \"resourceProfiles\": []\n}",
        "{\n  \"dictionary\": {\n", "\xef\xbb\xbf", ",", ":", "{\"a\":[1,2,{\"b\":\"]\"}]}",
        "{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":[{\"samples\":[{\"values\":[\"1\"]}]}]}]}]}",
        /* bad lines that leave brackets open (the reader cuts them where they fail) */
        "{\"x\n", "{\"a\":[\n", "[\"\n", "{\"a\":1.\n", "[1.,\n", "[1e\n", "[nul\n", "[tru", "{\"a\" 1\n",
        "{\"a\":\"\\u12\n", "[-\n", "[0,\n  1,\n", "[\"\\",
    };
    enum { FRAGMENTS = sizeof fragments / sizeof fragments[0], INPUTS = 3000, CAPACITY = 1 << 16 };
    uint8_t *input = malloc(CAPACITY);
    int before = check_failed;
    for (int n = 0; n < INPUTS; n++) {
        size_t size = 0;
        uint32_t parts = 1 + next_random(12);
        for (uint32_t i = 0; i < parts; i++) {
            uint32_t pick = next_random(FRAGMENTS + 2);
            if (pick < FRAGMENTS) {
                append(input, &size, CAPACITY, fragments[pick], strlen(fragments[pick]));
            } else { /* the good request, whole or cut anywhere */
                size_t length = pick == FRAGMENTS ? good_size : next_random((uint32_t)good_size);
                append(input, &size, CAPACITY, good, length);
            }
        }
        check_input(input, size, "random input");
    }
    CHECK(check_failed == before, "every random input: the reader hands over what the whole-input loop did");
    free(input);
}

/* Many lines of one bad shape each (issue 28, row 4): the reader cuts each
 * request where it fails, and hands over what the whole-input loop did. */
static void test_hostile_lines(void)
{
    static const char *const shapes[] = {"{\"x\n", "{\"a\":[\n", "[\"\n", "\"\n", "{\"a\":1.\n", "[\n", "[1,\n"};
    enum { LINES = 300 };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        size_t length = strlen(shapes[i]), size = 0;
        uint8_t *input = malloc(length * LINES);
        for (int n = 0; n < LINES; n++)
            append(input, &size, length * LINES, shapes[i], length);
        check_input(input, size, shapes[i]);
        free(input);
    }
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : ".";
    static const char *const fixtures[] = {"cpu-ebpf.json", "memory.json", "cpu-pprof.json", "multi.jsonl"};
    unsigned char *good = NULL;
    size_t good_size = 0;
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tests/fixtures/%s", root, fixtures[i]);
        size_t size = 0;
        unsigned char *text = check_read_file(path, &size);
        CHECK(text != NULL, fixtures[i]);
        if (text == NULL)
            continue;
        check_input(text, size, fixtures[i]);
        if (i == 3) {
            good = text; /* multi.jsonl's first line: a good request */
            good_size = (size_t)((unsigned char *)memchr(text, '\n', size) - text);
        } else {
            free(text);
        }
    }
    if (good != NULL)
        test_random_inputs(good, good_size);
    test_hostile_lines();
    free(good);
    return check_report();
}
