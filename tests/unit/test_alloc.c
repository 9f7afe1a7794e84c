/*
 * test_alloc.c: allocation failure everywhere. For every fixture (protobuf,
 * OTLP/JSON, JSON Lines, and tests/fuzz/request.pb, which reaches every
 * stage), every output format and two configurations (the defaults, and one
 * with filters, regex attributes, custom sample types, top_n and a small
 * cardinality limit), the N-th allocation of ptm_converter_create() +
 * ptm_convert() is made to fail, for N = 1 .. the number of allocations the
 * pair makes. Each time:
 *  - the failing call returns PTM_ERR_NOMEM, never another code or PTM_OK
 *    (a failed allocation is never swallowed), and does not crash;
 *  - a failed ptm_converter_create() leaves no converter and nothing live;
 *  - after a failed ptm_convert() the converter is still usable: converting
 *    again (no more failures) gives PTM_OK and the reference bytes;
 *  - after ptm_converter_free() no allocation of the counting allocator is live.
 * When a case makes more than ALL_UP_TO allocations, the first and last
 * EDGE ones are all failed, and every k-th in between (k chosen so that about
 * SAMPLES are tried); the summary line says so. The whole file runs in a few
 * seconds (and under 20 s with ASan).
 * Compressed and length-prefixed input (gzip and zstd made here: stored
 * deflate blocks and raw zstd blocks, whose decoders allocate as any
 * other's: the state, the window, the buffers) runs the same way, so the
 * codecs' allocations are shown to go through the converter's allocator and
 * a failure of any of them to be PTM_ERR_NOMEM with nothing left live; each
 * first converts to the bytes of its plain input.
 * Not covered: cJSON's parse trees (configuration and JSON input) are built
 * with libc's malloc, outside the converter's allocator (see src/config/config.c).
 *
 * Usage: test_alloc REPO_ROOT
 */
#include <string.h>

#include <zlib.h>

#include "check.h"
#include "ptm.h"

enum { ALL_UP_TO = 1500, EDGE = 200, SAMPLES = 1500 };

static const char full_config[] =
    "{\"attributes\":[{\"key\":\"env\",\"value\":\"prod\"},"
    "{\"key\":\"word\",\"value\":\"([a-z]+)\\\\.\",\"type\":\"regex\"},"
    "{\"key\":\"version\",\"value\":\"python(\\\\d+\\\\.\\\\d+)\",\"type\":\"regex\"}],"
    "\"process_filter\":{\"exclude_patterns\":[\"^never-\\\\d+$\"]},"
    "\"thread_filter\":{\"exclude_patterns\":[\"^idle$\"]},"
    "\"pattern_filter\":{\"exclude_patterns\":[\"^runtime\\\\.gcBgMarkWorker$\"]},"
    "\"sample_types\":[{\"type\":\"contentions\",\"unit\":\"count\",\"metric_name\":\"lock.contentions\"}],"
    "\"metrics\":{\"function\":{\"top_n\":2},\"memory\":{\"unit\":\"KiBy\"}},\"cardinality_limit\":3}";

typedef struct fail_case {
    const char *name;
    const unsigned char *input;
    size_t input_size;
    const char *config;
    ptm_format format;
} fail_case;

static const char *const format_names[] = {"otlp", "json", "prom"};

/* Builds a converter and converts once with the allocator failing at fail_at
 * (0: never). Returns the first failing result (or PTM_OK) and fills counter;
 * on PTM_OK copies the output into *reference when it is not NULL. */
static ptm_result run_once(const fail_case *c, counting_allocator *counter, unsigned char **reference,
                           size_t *reference_size, int *still_usable)
{
    ptm_allocator allocator = {counting_malloc, counting_free, counter};
    ptm_converter *converter = (ptm_converter *)&allocator;
    char error[256] = "";
    size_t config_size = c->config ? strlen(c->config) : 0;
    ptm_result result = ptm_converter_create(c->config, config_size, &allocator, &converter, error,
                                             sizeof error);
    if (result != PTM_OK) {
        if (converter != NULL)
            fprintf(stderr, "%s: a converter left by a failed create\n", c->name);
        return converter == NULL ? result : PTM_ERR_ARGUMENT;
    }
    const uint8_t *output = NULL;
    size_t output_size = 0;
    result = ptm_convert(converter, c->input, c->input_size, c->format, &output, &output_size, NULL);
    if (result == PTM_OK && reference != NULL) {
        *reference = malloc(output_size ? output_size : 1);
        memcpy(*reference, output, output_size);
        *reference_size = output_size;
    }
    if (result == PTM_ERR_NOMEM && still_usable != NULL) {
        /* The failure is behind us: the same converter must now succeed. */
        ptm_result again = ptm_convert(converter, c->input, c->input_size, c->format, &output,
                                       &output_size, NULL);
        *still_usable = again == PTM_OK && output_size == *reference_size &&
                        memcmp(output, *reference, output_size) == 0;
    }
    ptm_converter_free(converter);
    return result;
}

static void test_case(const fail_case *c)
{
    counting_allocator probe = {0};
    unsigned char *reference = NULL;
    size_t reference_size = 0;
    ptm_result result = run_once(c, &probe, &reference, &reference_size, NULL);
    CHECK(result == PTM_OK, c->name);
    CHECK(probe.live == 0, c->name);
    if (result != PTM_OK) {
        free(reference);
        return;
    }
    long total = probe.allocations;
    long stride = 1;
    if (total > ALL_UP_TO)
        stride = (total - 2 * EDGE + SAMPLES - 1) / SAMPLES;
    long tried = 0, wrong_result = 0, leaked = 0, unusable = 0;
    for (long n = 1; n <= total; n += (n <= EDGE || n > total - EDGE) ? 1 : stride) {
        counting_allocator counter = {.fail_at = n};
        int still_usable = 1;
        result = run_once(c, &counter, &reference, &reference_size, &still_usable);
        tried++;
        if (result != PTM_ERR_NOMEM) {
            if (wrong_result++ < 3)
                fprintf(stderr, "%s: allocation %ld of %ld failed: %s instead of nomem\n", c->name,
                        n, total, ptm_result_name(result));
        }
        if (counter.live != 0) {
            if (leaked++ < 3)
                fprintf(stderr, "%s: allocation %ld of %ld failed: %ld allocations left live\n",
                        c->name, n, total, counter.live);
        }
        if (!still_usable) {
            if (unusable++ < 3)
                fprintf(stderr, "%s: allocation %ld of %ld failed: the converter gives other bytes after it\n",
                        c->name, n, total);
        }
    }
    printf("%-40s %6ld allocations, %5ld failed in turn%s\n", c->name, total, tried,
           stride > 1 ? " (sampled: the first and last 200, then every k-th)" : "");
    CHECK(total > 5, c->name);
    CHECK(wrong_result == 0, c->name);
    CHECK(leaked == 0, c->name);
    CHECK(unusable == 0, c->name);
    free(reference);
}

/* ---- compressed forms, made here ---- */

typedef struct bytes {
    unsigned char *data;
    size_t size;
} bytes;

static void put(bytes *b, const void *data, size_t size)
{
    b->data = realloc(b->data, b->size + size);
    if (b->data == NULL)
        abort();
    memcpy(b->data + b->size, data, size);
    b->size += size;
}

static void put_le(bytes *b, unsigned long value, int count)
{
    for (int i = 0; i < count; i++) {
        unsigned char byte = (unsigned char)(value >> (8 * i));
        put(b, &byte, 1);
    }
}

static void put_be32(bytes *b, size_t value)
{
    unsigned char prefix[4] = {(unsigned char)(value >> 24), (unsigned char)(value >> 16),
                               (unsigned char)(value >> 8), (unsigned char)value};
    put(b, prefix, 4);
}

/* One gzip member of stored deflate blocks (RFC 1951 3.2.4, RFC 1952). */
static void put_gzip(bytes *b, const unsigned char *input, size_t size)
{
    static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    put(b, header, sizeof header);
    size_t at = 0;
    do {
        size_t n = size - at < 65535 ? size - at : 65535;
        put_le(b, at + n == size, 1); /* BFINAL, BTYPE 00 */
        put_le(b, n, 2);
        put_le(b, ~n & 0xffff, 2);
        put(b, input + at, n);
        at += n;
    } while (at < size);
    put_le(b, crc32(0, input, (uInt)size), 4);
    put_le(b, size & 0xffffffff, 4);
}

/* One zstd frame of raw blocks (RFC 8878 3.1.1): no content size, no
 * checksum, a 2 MiB window. */
static void put_zstd(bytes *b, const unsigned char *input, size_t size)
{
    static const unsigned char header[6] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58};
    put(b, header, sizeof header);
    size_t at = 0;
    do {
        size_t n = size - at < 100000 ? size - at : 100000;
        put_le(b, (unsigned long)(n << 3 | (at + n == size)), 3); /* raw block, last bit */
        put(b, input + at, n);
        at += n;
    } while (at < size);
}

/* The plain input's bytes, with the default allocator, or NULL. */
static unsigned char *plain_output(const unsigned char *input, size_t size, size_t *output_size)
{
    ptm_converter *converter = NULL;
    if (ptm_converter_create(NULL, 0, NULL, &converter, NULL, 0) != PTM_OK)
        return NULL;
    const uint8_t *output;
    unsigned char *copy = NULL;
    if (ptm_convert(converter, input, size, PTM_FORMAT_OTLP_PROTOBUF, &output, output_size, NULL) == PTM_OK &&
        (copy = malloc(*output_size + 1)) != NULL)
        memcpy(copy, output, *output_size);
    ptm_converter_free(converter);
    return copy;
}

/* gzip, zstd, and length-prefixed blocks (one zstd-compressed, one
 * gzip-compressed) of the input: each converts to the input's bytes, then
 * fails allocation by allocation. */
static void test_compressed(const char *name, const unsigned char *input, size_t size, int blocks)
{
    bytes forms[3] = {{0}};
    static const char *const form_names[3] = {"gzip", "zstd", "length-prefixed zstd+gzip"};
    put_gzip(&forms[0], input, size);
    put_zstd(&forms[1], input, size);
    bytes block = {0};
    put_zstd(&block, input, size);
    put_be32(&forms[2], block.size);
    put(&forms[2], block.data, block.size);
    block.size = 0;
    put_gzip(&block, input, size);
    put_be32(&forms[2], block.size);
    put(&forms[2], block.data, block.size);
    free(block.data);
    size_t plain_size = 0, twice_size = 0;
    unsigned char *plain = plain_output(input, size, &plain_size);
    bytes both = {0};
    put(&both, input, size);
    put(&both, input, size);
    unsigned char *twice = plain_output(both.data, both.size, &twice_size); /* two blocks, two requests */
    free(both.data);
    for (int f = 0; f < (blocks ? 3 : 2); f++) {
        char label[256];
        snprintf(label, sizeof label, "%s %s", name, form_names[f]);
        size_t got_size = 0;
        unsigned char *got = plain_output(forms[f].data, forms[f].size, &got_size);
        const unsigned char *want = f == 2 ? twice : plain;
        size_t want_size = f == 2 ? twice_size : plain_size;
        CHECK(got != NULL && want != NULL && got_size == want_size && memcmp(got, want, got_size) == 0, label);
        free(got);
        fail_case c = {label, forms[f].data, forms[f].size, NULL, PTM_FORMAT_OTLP_PROTOBUF};
        test_case(&c);
    }
    for (int f = 0; f < 3; f++)
        free(forms[f].data);
    free(plain);
    free(twice);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : ".";
    static const char *const inputs[] = {
        "tests/fixtures/cpu-ebpf.pb", "tests/fixtures/cpu-pprof.pb", "tests/fixtures/memory.pb",
        "tests/fixtures/cpu-ebpf.json", "tests/fixtures/cpu-pprof.json", "tests/fixtures/memory.json",
        "tests/fixtures/multi.jsonl", "tests/fuzz/request.pb",
        /* the shared real captures, when present next to the repository */
        "../shared/fixtures/otlp-real/ebpf-oncpu-offcpu.pb",
        "../shared/fixtures/otlp-real/ebpf-oncpu-offcpu.json"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", root, inputs[i]);
        size_t size = 0;
        unsigned char *input = check_read_file(path, &size);
        if (strncmp(inputs[i], "../", 3) == 0 && input == NULL)
            continue;
        CHECK(input != NULL, path);
        if (input == NULL)
            continue;
        for (int config = 0; config < 2; config++) {
            for (int format = 0; format < 3; format++) {
                char name[256];
                snprintf(name, sizeof name, "%s %s %s", strrchr(inputs[i], '/') + 1,
                         format_names[format], config ? "full-config" : "defaults");
                fail_case c = {name, input, size, config ? full_config : NULL, (ptm_format)format};
                test_case(&c);
            }
        }
        /* protobuf requests: two of them are a valid protobuf request too
         * (merged), so a length-prefixed pair converts like the pair */
        if (i < 3 || strcmp(inputs[i], "tests/fixtures/multi.jsonl") == 0)
            test_compressed(strrchr(inputs[i], '/') + 1, input, size, i < 3);
        free(input);
    }
    return check_report();
}
