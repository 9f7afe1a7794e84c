/*
 * test_api.c: the public API's contract (ptm.h): argument checks, free(NULL),
 * errors with messages, the converter's own allocator carrying every
 * allocation (and all of them returned), output ownership across calls, and
 * allocation failure at every point of a conversion ending cleanly.
 *
 * Usage: test_api REPO_ROOT
 */
#include <string.h>

#include "check.h"
#include "ptm.h"

static void test_arguments(void)
{
    char error[128] = "unchanged";
    CHECK(ptm_converter_create(NULL, 0, NULL, NULL, error, sizeof error) == PTM_ERR_ARGUMENT,
          "create without converter_out");
    ptm_converter_free(NULL);
    ptm_converter *converter = NULL;
    CHECK(ptm_converter_create(NULL, 0, NULL, &converter, error, sizeof error) == PTM_OK,
          "defaults");
    const uint8_t *output = (const uint8_t *)"x";
    size_t size = 7;
    CHECK(ptm_convert(converter, NULL, 0, (ptm_format)9, &output, &size, NULL) == PTM_ERR_ARGUMENT,
          "unknown format");
    CHECK(output == NULL && size == 0, "outputs cleared on failure");
    CHECK(strstr(ptm_converter_last_error(converter), "format") != NULL, "message names the format");
    ptm_stats stats;
    CHECK(ptm_convert(converter, NULL, 0, PTM_FORMAT_OTLP_JSON, &output, &size, &stats) == PTM_OK,
          "empty input converts");
    /* Empty input is no request, as white space only is: no JSON line. */
    CHECK(output != NULL && size == 0 && stats.requests == 0 && ptm_converter_last_error(converter)[0] == '\0',
          "empty input: no request, no line");
    static const uint8_t blank[] = " \n\t\r\n";
    CHECK(ptm_convert(converter, blank, sizeof blank - 1, PTM_FORMAT_OTLP_JSON, &output, &size, &stats) == PTM_OK &&
              size == 0 && stats.requests == 0,
          "white space only: the same");
    CHECK(strcmp(ptm_result_name(PTM_ERR_CONFIG), "config") == 0, "result names");
    ptm_converter_free(converter);
}

static void test_config_error(void)
{
    char error[256];
    ptm_converter *converter = (ptm_converter *)&error; /* must be reset to NULL */
    const char config[] = "{\"thread_filter\":{\"patterns\":[\"ok\",\"(\"]}}";
    CHECK(ptm_converter_create(config, strlen(config), NULL, &converter, error, sizeof error) ==
              PTM_ERR_CONFIG, "bad regex refused");
    CHECK(converter == NULL, "no converter on failure");
    CHECK(strncmp(error, "config: thread_filter.patterns[1]: invalid regex", 48) == 0, error);
    char tiny[8];
    CHECK(ptm_converter_create(config, strlen(config), NULL, &converter, tiny, sizeof tiny) ==
              PTM_ERR_CONFIG && strlen(tiny) == 7, "message truncated to the buffer");
}

static void test_allocator(const unsigned char *input, size_t input_size)
{
    counting_allocator counter = {0};
    ptm_allocator allocator = {counting_malloc, counting_free, &counter};
    const char config[] = "{\"pattern_filter\":{\"exclude_patterns\":[\"^never$\"]}}";
    ptm_converter *converter = NULL;
    CHECK(ptm_converter_create(config, strlen(config), &allocator, &converter, NULL, 0) == PTM_OK,
          "create with allocator");
    const uint8_t *first = NULL, *second = NULL;
    size_t first_size = 0, second_size = 0;
    ptm_stats stats;
    CHECK(ptm_convert(converter, input, input_size, PTM_FORMAT_OTLP_PROTOBUF, &first, &first_size,
                      &stats) == PTM_OK, "convert");
    unsigned char *copy = malloc(first_size);
    memcpy(copy, first, first_size);
    CHECK(ptm_convert(converter, input, input_size, PTM_FORMAT_OTLP_PROTOBUF, &second, &second_size,
                      &stats) == PTM_OK, "convert again");
    CHECK(second_size == first_size && memcmp(copy, second, first_size) == 0,
          "the same input gives the same bytes with one converter");
    CHECK(stats.samples_total > 0 && stats.samples_total == stats.samples_kept +
          stats.samples_filtered + stats.samples_invalid + stats.samples_skipped, "stats add up");
    CHECK(counter.allocations > 0, "the allocator is used");
    ptm_convert(converter, input, input_size, PTM_FORMAT_PROMETHEUS, &second, &second_size, NULL);
    long live_between = counter.live;
    for (int i = 0; i < 50; i++)
        ptm_convert(converter, input, input_size, PTM_FORMAT_PROMETHEUS, &second, &second_size, NULL);
    CHECK(counter.live <= live_between + 2, "repeated conversions do not accumulate memory");
    ptm_converter_free(converter);
    CHECK(counter.live == 0, "every allocation is freed");
    free(copy);
}

/* Fails each allocation in turn: every failure is a clean PTM_ERR_NOMEM with
 * nothing leaked. */
static void test_allocation_failures(const unsigned char *input, size_t input_size)
{
    counting_allocator probe = {0};
    ptm_allocator allocator = {counting_malloc, counting_free, &probe};
    ptm_converter *converter = NULL;
    const char config[] = "{\"attributes\":[{\"key\":\"k\",\"value\":\"(\\\\w+)\",\"type\":\"regex\"}]}";
    ptm_converter_create(config, strlen(config), &allocator, &converter, NULL, 0);
    const uint8_t *output;
    size_t size;
    ptm_convert(converter, input, input_size, PTM_FORMAT_OTLP_PROTOBUF, &output, &size, NULL);
    ptm_converter_free(converter);
    long total = probe.allocations;
    int clean = 1, all_failed_cleanly = 1;
    for (long n = 1; n <= total; n++) {
        counting_allocator counter = {.fail_at = n};
        allocator.context = &counter;
        converter = NULL;
        ptm_result result = ptm_converter_create(config, strlen(config), &allocator, &converter, NULL, 0);
        if (result == PTM_OK) {
            result = ptm_convert(converter, input, input_size, PTM_FORMAT_OTLP_PROTOBUF, &output, &size, NULL);
            if (result != PTM_OK && result != PTM_ERR_NOMEM) {
                fprintf(stderr, "allocation %ld: %s\n", n, ptm_converter_last_error(converter));
                all_failed_cleanly = 0;
            }
            ptm_converter_free(converter);
        } else if (result != PTM_ERR_NOMEM) {
            all_failed_cleanly = 0;
        }
        if (counter.live != 0)
            clean = 0;
    }
    CHECK(total > 10, "the conversion allocates");
    CHECK(all_failed_cleanly, "an allocation failure is reported as PTM_ERR_NOMEM");
    CHECK(clean, "no leak after any allocation failure");
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : ".";
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/cpu-ebpf.pb", root);
    size_t size = 0;
    unsigned char *input = check_read_file(path, &size);
    CHECK(input != NULL, "fixture readable");
    test_arguments();
    test_config_error();
    if (input != NULL) {
        test_allocator(input, size);
        test_allocation_failures(input, size);
    }
    free(input);
    return check_report();
}
