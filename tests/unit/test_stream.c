/*
 * test_stream.c: the streaming API (ptm_convert_begin/_feed/_finish) gives
 * what ptm_convert() gives on the whole input, however the input is cut:
 * output bytes, result, stats, message, warning and refused requests, for
 * the fixtures and for JSON Lines built to catch a reader that looks at too
 * little or too much (bad lines, strings holding brackets and newlines,
 * pretty-printed and concatenated requests, a byte-order mark, a leading
 * newline, a refusal whose error lies lines ahead), under configurations
 * that exercise the cardinality limit, top_n, rules, filters and cumulative
 * state. Then what only streaming does: max_input_bytes bounds one request
 * (a JSON Lines input larger than it converts; a request larger fails with
 * PTM_ERR_LIMIT), an input held whole is refused from its declared size,
 * argument checks, and allocation failure at every point ending cleanly.
 *
 * Usage: test_stream REPO_ROOT
 */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "ptm.h"

enum { REFUSED_COMPARED = 80 };

/* A growable byte string, for building inputs. */
typedef struct text {
    unsigned char *data;
    size_t size;
} text;

static void text_append(text *t, const void *data, size_t size)
{
    t->data = realloc(t->data, t->size + size + 1);
    memcpy(t->data + t->size, data, size);
    t->size += size;
}

static void text_add(text *t, const char *s)
{
    text_append(t, s, strlen(s));
}

/* What one conversion gave, copied out of the converter. */
typedef struct outcome {
    ptm_result result;
    unsigned char *output;
    size_t output_size;
    ptm_stats stats;
    char error[600];
    char warning[600];
    char refused[REFUSED_COMPARED][600];
    size_t refused_count;
} outcome;

static void record(ptm_converter *converter, ptm_result result, const uint8_t *output, size_t size,
                   const ptm_stats *stats, outcome *out)
{
    memset(out, 0, sizeof *out);
    out->result = result;
    out->output_size = size;
    out->output = malloc(size + 1);
    if (size > 0)
        memcpy(out->output, output, size);
    out->stats = *stats;
    snprintf(out->error, sizeof out->error, "%s", ptm_converter_last_error(converter));
    snprintf(out->warning, sizeof out->warning, "%s", ptm_converter_last_warning(converter));
    for (const char *m; out->refused_count < REFUSED_COMPARED &&
                        (m = ptm_converter_refused_request(converter, out->refused_count)) != NULL;)
        snprintf(out->refused[out->refused_count++], sizeof out->refused[0], "%s", m);
}

static void convert_whole(ptm_converter *converter, const text *input, ptm_format format, outcome *out)
{
    const uint8_t *output;
    size_t size;
    ptm_stats stats;
    ptm_result result = ptm_convert(converter, input->data, input->size, format, &output, &size, &stats);
    record(converter, result, output, size, &stats, out);
}

/* Streams input in pieces of piece bytes (declaring its size or not). */
static void convert_streamed(ptm_converter *converter, const text *input, size_t piece, bool declare,
                             ptm_format format, outcome *out)
{
    ptm_convert_begin(converter, declare ? input->size : PTM_INPUT_SIZE_UNKNOWN);
    for (size_t at = 0; at < input->size; at += piece) {
        size_t size = input->size - at < piece ? input->size - at : piece;
        ptm_convert_feed(converter, input->data + at, size);
    }
    const uint8_t *output;
    size_t size;
    ptm_stats stats;
    ptm_result result = ptm_convert_finish(converter, format, &output, &size, &stats);
    record(converter, result, output, size, &stats, out);
}

static bool same_outcome(const outcome *a, const outcome *b)
{
    bool same = a->result == b->result && a->output_size == b->output_size &&
                (a->output_size == 0 || memcmp(a->output, b->output, a->output_size) == 0) &&
                memcmp(&a->stats, &b->stats, sizeof a->stats) == 0 && strcmp(a->error, b->error) == 0 &&
                strcmp(a->warning, b->warning) == 0 && a->refused_count == b->refused_count;
    for (size_t i = 0; same && i < a->refused_count; i++)
        same = strcmp(a->refused[i], b->refused[i]) == 0;
    return same;
}

static void outcome_free(outcome *o)
{
    free(o->output);
}

static text read_fixture(const char *root, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/%s", root, name);
    text t = {0};
    t.data = check_read_file(path, &t.size);
    CHECK(t.data != NULL, name);
    return t;
}

/* The first line of a JSON Lines fixture (no newline). */
static text first_line(const text *lines, size_t skip)
{
    const unsigned char *start = lines->data, *end = lines->data + lines->size;
    for (; skip > 0; skip--)
        start = (const unsigned char *)memchr(start, '\n', (size_t)(end - start)) + 1;
    const unsigned char *newline = memchr(start, '\n', (size_t)(end - start));
    text t = {0};
    text_append(&t, start, newline != NULL ? (size_t)(newline - start) : (size_t)(end - start));
    return t;
}

/* The inputs every cut is checked on: the fixtures, and JSON built around two good requests. */
static size_t build_inputs(const char *root, text *inputs, const char **names)
{
    size_t n = 0;
    static const char *const fixtures[] = {"cpu-ebpf.json", "memory.json", "cpu-pprof.json", "multi.jsonl",
                                           "cpu-ebpf.pb", "memory.pb"};
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        names[n] = fixtures[i];
        inputs[n++] = read_fixture(root, fixtures[i]);
    }
    text multi = read_fixture(root, "multi.jsonl");
    text good0 = first_line(&multi, 0), good1 = first_line(&multi, 1);
    text t;
#define INPUT(name_) names[n] = name_, inputs[n++] = t, t = (text){0}
    t = (text){0};
    text_append(&t, good0.data, good0.size);
    text_add(&t, "\n{\"resourceSpans\":[]}\n\n{\"resourceProfiles\":[{\"scopeProfiles\":3}]}\n");
    text_append(&t, good1.data, good1.size);
    text_add(&t, "\n{\"resourceProfiles\": [");
    INPUT("bad lines among good ones");
    /* A line cut inside a string runs on into the next; reading resumes there. */
    text_append(&t, good0.data, good0.size / 2);
    text_add(&t, "\n");
    text_append(&t, good1.data, good1.size);
    text_add(&t, "\n");
    text_append(&t, good0.data, good0.size);
    text_add(&t, "\n");
    INPUT("a line cut in half");
    /* The error lies two lines on; the request re-read on the line between
     * is named by the line counted so far. */
    text_add(&t, "{\"resourceProfiles\": [\n{\"x\": 1}\n");
    text_append(&t, good1.data, good1.size);
    text_add(&t, "\n");
    INPUT("a refusal whose error is two lines ahead");
    /* Strings with brackets, escapes and a raw newline; values the scanner must not count. */
    text_add(&t, "{\"resourceProfiles\":[],\"x\":\"}]{[\\\"\\\\\",\"y\":\"a\nb}\"}\n");
    text_add(&t, "{\"resourceProfiles\":[],\"x\":\"\\\"}\"}\n");
    text_append(&t, good0.data, good0.size);
    text_add(&t, "\r\n{\"x\":\"\\\\\"}{\"dictionary\":{}} {\"resourceProfiles\":[]}\n");
    INPUT("strings, escapes and concatenated requests");
    text_add(&t, "123\n\"str\" {}\ntrue\nx\n]\n}{\n[1,{}]\n{}}\n-\n\"open\n");
    text_append(&t, good1.data, good1.size);
    INPUT("lines that are not requests, the last without a newline");
    text_add(&t, "{\n  \"resourceProfiles\": [\n    {\"scopeProfiles\": []}\n  ]\n}\n  \n");
    text_append(&t, good0.data, good0.size);
    text_add(&t, "\n{\n  \"resourceProfiles\": 5\n}\n{\n");
    INPUT("pretty-printed requests, one broken");
    text_add(&t, "\xef\xbb\xbf");
    text_append(&t, good1.data, good1.size);
    text_add(&t, "\n");
    text_append(&t, good0.data, good0.size);
    INPUT("a byte-order mark");
    text_add(&t, "\n\n  \n");
    text_append(&t, good0.data, good0.size);
    text_add(&t, "\n");
    INPUT("a leading newline: JSON once it cannot be protobuf");
    text_add(&t, "\n{\"resourceProfiles\":[]}");
    INPUT("a short input starting with a newline");
    text_add(&t, " \n\t\r\n   ");
    INPUT("white space only");
    INPUT("empty");
    text_add(&t, "garbage that is no request at all, long enough to be told apart......");
    INPUT("garbage");
    static const char gzip[] = "\x1f\x8b\x08\x00 gzip-compressed, they say, and long enough to be told apart...";
    text_append(&t, gzip, sizeof gzip - 1);
    INPUT("gzip");
    text_add(&t, "  [{\"resourceProfiles\":[]}]\n");
    INPUT("a JSON array");
    for (int i = 0; i < 70; i++)
        text_add(&t, "{\"resourceLogs\":[]}\n");
    INPUT("only refused requests, past the 64 named");
    /* A zstd frame whose content starts length-prefixed blocks, corrupt
     * after the second block's prefix (a fuzz find): zstd decodes a frame
     * whole in one call in one pass, so cut differently it failed
     * differently (tests/regression). */
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/regression/crash-protobuf-zstd-corrupt-after-block-prefix.pb", root);
    t.data = check_read_file(path, &t.size);
    CHECK(t.data != NULL, "the regression input");
    INPUT("zstd corrupt after a block's prefix");
#undef INPUT
    free(multi.data);
    free(good0.data);
    free(good1.data);
    return n;
}

static ptm_converter *create(const char *config)
{
    ptm_converter *converter = NULL;
    char error[256];
    ptm_result result = ptm_converter_create(config, strlen(config), NULL, &converter, error, sizeof error);
    CHECK(result == PTM_OK, error);
    return converter;
}

static void test_every_cut(const char *root)
{
    static const char *const configs[] = {
        "{}",
        "{\"cardinality_limit\": 2, \"metrics\": {\"function\": {\"top_n\": 1}}}",
        "{\"attributes\": [{\"key\": \"k\", \"value\": \"(\\\\w+)\", \"type\": \"regex\"}],"
        " \"thread_filter\": {\"exclude_patterns\": [\"^zz\"]}, \"copy_resource_attributes\": []}",
        "{\"temporality\": \"cumulative\"}",
    };
    static const size_t pieces[] = {1, 2, 3, 7, 64, 1000, 1 << 20};
    text inputs[32];
    const char *names[32];
    size_t count = build_inputs(root, inputs, names);
    for (size_t k = 0; k < sizeof configs / sizeof configs[0]; k++) {
        /* One converter per cut, each given the same calls in the same order
         * (a cumulative one keeps its series from call to call). */
        enum { CUTS = sizeof pieces / sizeof pieces[0] };
        ptm_converter *whole = create(configs[k]);
        ptm_converter *cut[CUTS][2];
        for (size_t p = 0; p < CUTS; p++)
            cut[p][0] = create(configs[k]), cut[p][1] = create(configs[k]);
        for (size_t i = 0; i < count; i++) {
            for (ptm_format format = PTM_FORMAT_OTLP_PROTOBUF; format <= PTM_FORMAT_PROMETHEUS; format++) {
                outcome expected;
                convert_whole(whole, &inputs[i], format, &expected);
                for (size_t p = 0; p < CUTS; p++) {
                    for (int declare = 0; declare < 2; declare++) {
                        outcome got;
                        convert_streamed(cut[p][declare], &inputs[i], pieces[p], declare, format, &got);
                        char name[512];
                        snprintf(name, sizeof name, "config %zu, %s, format %d, pieces of %zu%s: as ptm_convert", k,
                                 names[i], (int)format, pieces[p], declare ? ", size declared" : "");
                        CHECK(same_outcome(&expected, &got), name);
                        outcome_free(&got);
                    }
                }
                outcome_free(&expected);
            }
        }
        ptm_converter_free(whole);
        for (size_t p = 0; p < CUTS; p++)
            ptm_converter_free(cut[p][0]), ptm_converter_free(cut[p][1]);
    }
    for (size_t i = 0; i < count; i++)
        free(inputs[i].data);
}

/* The refusals are those the JSON Lines test names: the reader under the
 * stream is the one ptm_convert uses, so this pins both. */
static void test_refusal_places(const char *root)
{
    text inputs[32];
    const char *names[32];
    size_t count = build_inputs(root, inputs, names);
    ptm_converter *converter = create("{}");
    for (size_t i = 0; i < count; i++) {
        if (strcmp(names[i], "a refusal whose error is two lines ahead") != 0)
            continue;
        outcome got;
        convert_streamed(converter, &inputs[i], 5, false, PTM_FORMAT_PROMETHEUS, &got);
        CHECK(got.result == PTM_OK && got.refused_count == 2, "two refusals, one request converted");
        CHECK(strcmp(got.refused[0], "input line 1: not valid JSON (line 3, column 1)") == 0, got.refused[0]);
        /* Counted forward only, as ever: the count is on line 3 already. */
        CHECK(strcmp(got.refused[1], "input line 3: JSON: no key of an ExportProfilesServiceRequest "
                                     "(resourceProfiles, dictionary) at the top level") == 0, got.refused[1]);
        outcome_free(&got);
    }
    ptm_converter_free(converter);
    for (size_t i = 0; i < count; i++)
        free(inputs[i].data);
}

static void test_limits(const char *root)
{
    text request = read_fixture(root, "cpu-ebpf.json");
    text lines = {0};
    for (int i = 0; i < 5; i++) {
        text_append(&lines, request.data, request.size);
        text_add(&lines, "\n");
    }
    char config[128];
    snprintf(config, sizeof config, "{\"max_input_bytes\": %zu}", request.size + 10);
    ptm_converter *limited = create(config), *unlimited = create("{}");
    outcome whole, streamed, reference;
    convert_whole(limited, &lines, PTM_FORMAT_OTLP_JSON, &whole);
    CHECK(whole.result == PTM_ERR_LIMIT, "ptm_convert: the whole input is over max_input_bytes");
    convert_whole(unlimited, &lines, PTM_FORMAT_OTLP_JSON, &reference);
    CHECK(reference.result == PTM_OK && reference.stats.requests == 5, "five requests");
    static const size_t pieces[] = {4096, 1 << 20};
    for (size_t p = 0; p < 2; p++) {
        convert_streamed(limited, &lines, pieces[p], true, PTM_FORMAT_OTLP_JSON, &streamed);
        CHECK(same_outcome(&reference, &streamed), "streamed: each request is under the limit, and all convert");
        outcome_free(&streamed);
    }
    outcome_free(&whole);
    outcome_free(&reference);
    ptm_converter_free(limited);

    limited = create("{\"max_input_bytes\": 1000}");
    ptm_convert_begin(limited, PTM_INPUT_SIZE_UNKNOWN);
    CHECK(ptm_convert_feed(limited, lines.data, 600) == PTM_OK, "under the limit so far");
    CHECK(ptm_convert_feed(limited, lines.data + 600, 600) == PTM_ERR_LIMIT, "one request past the limit");
    CHECK(strcmp(ptm_converter_last_error(limited),
                 "input line 1: a request of more than max_input_bytes (1000) bytes") == 0,
          ptm_converter_last_error(limited));
    CHECK(ptm_convert_feed(limited, lines.data, 10) == PTM_ERR_LIMIT, "the failure sticks");
    const uint8_t *output = (const uint8_t *)"x";
    size_t size = 1;
    ptm_stats stats;
    CHECK(ptm_convert_finish(limited, PTM_FORMAT_OTLP_JSON, &output, &size, &stats) == PTM_ERR_LIMIT &&
              output == NULL && size == 0, "finish reports it, with no output");

    text protobuf = read_fixture(root, "cpu-ebpf.pb");
    ptm_convert_begin(limited, protobuf.size);
    CHECK(ptm_convert_feed(limited, protobuf.data, 64) == PTM_ERR_LIMIT, "protobuf over the limit, by its size");
    char expected[128];
    snprintf(expected, sizeof expected, "input: %zu bytes is more than max_input_bytes (1000)", protobuf.size);
    CHECK(strcmp(ptm_converter_last_error(limited), expected) == 0, "ptm_convert's message");
    ptm_convert_begin(limited, PTM_INPUT_SIZE_UNKNOWN);
    ptm_result result = PTM_OK;
    size_t fed = 0;
    for (; fed < protobuf.size && result == PTM_OK; fed += 100)
        result = ptm_convert_feed(limited, protobuf.data + fed, 100);
    CHECK(result == PTM_ERR_LIMIT && fed == 1100, "size unknown: refused once more than the limit is held");
    ptm_converter_free(limited);
    ptm_converter_free(unlimited);
    free(request.data);
    free(lines.data);
    free(protobuf.data);
}

static void test_arguments(void)
{
    ptm_converter *converter = create("{}");
    const uint8_t *output;
    size_t size;
    CHECK(ptm_convert_begin(NULL, 0) == PTM_ERR_ARGUMENT, "begin: NULL converter");
    CHECK(ptm_convert_feed(NULL, (const uint8_t *)"{}", 2) == PTM_ERR_ARGUMENT, "feed: NULL converter");
    CHECK(ptm_convert_feed(converter, (const uint8_t *)"{}", 2) == PTM_ERR_ARGUMENT, "feed before begin");
    CHECK(ptm_convert_finish(converter, PTM_FORMAT_OTLP_JSON, &output, &size, NULL) == PTM_ERR_ARGUMENT,
          "finish before begin");
    ptm_convert_begin(converter, PTM_INPUT_SIZE_UNKNOWN);
    CHECK(ptm_convert_feed(converter, NULL, 3) == PTM_ERR_ARGUMENT, "feed: NULL piece");
    ptm_convert_begin(converter, PTM_INPUT_SIZE_UNKNOWN);
    CHECK(ptm_convert_feed(converter, NULL, 0) == PTM_OK, "feed: nothing");
    CHECK(ptm_convert_finish(converter, (ptm_format)9, &output, &size, NULL) == PTM_ERR_ARGUMENT,
          "finish: unknown format");
    CHECK(ptm_convert_finish(converter, PTM_FORMAT_OTLP_JSON, &output, &size, NULL) == PTM_ERR_ARGUMENT,
          "the stream is over after finish");
    ptm_convert_begin(converter, PTM_INPUT_SIZE_UNKNOWN);
    ptm_convert_feed(converter, (const uint8_t *)"{\"resourceProfiles\"", 19);
    CHECK(ptm_convert(converter, (const uint8_t *)"{}", 2, PTM_FORMAT_OTLP_JSON, &output, &size, NULL) == PTM_OK,
          "ptm_convert abandons a stream in progress");
    CHECK(ptm_convert_finish(converter, PTM_FORMAT_OTLP_JSON, &output, &size, NULL) == PTM_ERR_ARGUMENT,
          "... which is over");
    ptm_converter_free(converter);
    converter = create("{}");
    ptm_convert_begin(converter, PTM_INPUT_SIZE_UNKNOWN);
    ptm_convert_feed(converter, (const uint8_t *)"{\"resourceProfiles\": [", 22);
    ptm_converter_free(converter); /* with a stream open: nothing leaks (valgrind, ASan) */
}

/* Fails each allocation of a streamed conversion in turn: a clean
 * PTM_ERR_NOMEM every time, nothing leaked. */
static void test_allocation_failures(const char *root)
{
    text multi = read_fixture(root, "multi.jsonl");
    counting_allocator probe = {0};
    ptm_allocator allocator = {counting_malloc, counting_free, &probe};
    const char config[] = "{\"process_filter\":{\"exclude_patterns\":[\"^never$\"]}}";
    long total = 0;
    int clean = 1, all_failed_cleanly = 1;
    for (long n = 0; n == 0 || n <= total; n++) {
        counting_allocator counter = {.fail_at = n};
        allocator.context = n == 0 ? (void *)&probe : (void *)&counter;
        ptm_converter *converter = NULL;
        ptm_result result = ptm_converter_create(config, strlen(config), &allocator, &converter, NULL, 0);
        if (result == PTM_OK) {
            ptm_convert_begin(converter, PTM_INPUT_SIZE_UNKNOWN);
            for (size_t at = 0; at < multi.size; at += 1000)
                ptm_convert_feed(converter, multi.data + at, multi.size - at < 1000 ? multi.size - at : 1000);
            const uint8_t *output;
            size_t size;
            result = ptm_convert_finish(converter, PTM_FORMAT_OTLP_PROTOBUF, &output, &size, NULL);
            ptm_converter_free(converter);
        }
        if (n == 0) {
            total = probe.allocations;
            CHECK(result == PTM_OK && probe.live == 0, "the probe converts and frees everything");
            continue;
        }
        if (result != PTM_OK && result != PTM_ERR_NOMEM)
            all_failed_cleanly = 0;
        if (counter.live != 0)
            clean = 0;
    }
    CHECK(total > 10, "the stream allocates");
    CHECK(all_failed_cleanly, "an allocation failure is reported as PTM_ERR_NOMEM");
    CHECK(clean, "no leak after any allocation failure");
    free(multi.data);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : ".";
    test_every_cut(root);
    test_refusal_places(root);
    test_limits(root);
    test_arguments();
    test_allocation_failures(root);
    return check_report();
}
