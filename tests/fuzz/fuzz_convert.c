/*
 * fuzz_convert.c: libFuzzer target over the whole converter.
 *
 * The first byte picks the output format; the rest is the input (protobuf,
 * OTLP/JSON or JSON Lines, detected as in ptm). One converter with a config
 * that turns on every stage (filters, regex attributes, top_n, a small
 * cardinality limit) is built once and reused, as a host would.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ptm.h"

static const char fuzz_config[] =
    "{\"attributes\":[{\"key\":\"k\",\"value\":\"v\",\"type\":\"literal\"},"
    "{\"key\":\"build\",\"value\":\"v(\\\\d+)\",\"type\":\"regex\"}],"
    "\"thread_filter\":{\"enabled\":true,\"exclude_patterns\":[\"^idle$\"]},"
    "\"pattern_filter\":{\"enabled\":true,\"exclude_patterns\":[\"never-matches-\\\\d{9}\"]},"
    "\"metrics\":{\"function\":{\"top_n\":5}},\"cardinality_limit\":50}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ptm_converter *converter;
    if (converter == NULL &&
        ptm_converter_create(fuzz_config, strlen(fuzz_config), NULL, &converter, NULL, 0) != PTM_OK)
        __builtin_trap();
    if (size == 0)
        return 0;
    const uint8_t *output;
    size_t output_size;
    ptm_stats stats;
    ptm_result result = ptm_convert(converter, data + 1, size - 1, (ptm_format)(data[0] % 3),
                                    &output, &output_size, &stats);
    if (result == PTM_OK && stats.samples_total != stats.samples_kept + stats.samples_filtered +
                                                     stats.samples_invalid + stats.samples_skipped)
        __builtin_trap();
    return 0;
}
