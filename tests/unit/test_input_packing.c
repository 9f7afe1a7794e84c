/*
 * test_input_packing.c: ptm_converter_input_packing() (ptm.h) answers as
 * the converter reads: gzip and zstd (a skippable frame first too) by their
 * magic, length-prefixed blocks by a first byte 0 and a first length that
 * is not 0 (under PTM_INPUT_AUTO and PTM_INPUT_OTLP only), undecided while
 * the bytes could still start one, plain otherwise; and a length-prefixed
 * input it names converts as such (its blocks counted as requests).
 *
 * Usage: test_input_packing REPO_ROOT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ptm.h"

static ptm_input_packing packing(ptm_converter *converter, const char *bytes, size_t size, int at_end)
{
    return ptm_converter_input_packing(converter, (const uint8_t *)bytes, size, at_end);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : ".";
    ptm_converter *converter = NULL;
    CHECK(ptm_converter_create(NULL, 0, NULL, &converter, NULL, 0) == PTM_OK, "create");
    CHECK(ptm_converter_input_packing(NULL, NULL, 0, 1) == PTM_PACKING_NONE, "NULL converter");
    CHECK(ptm_converter_input_packing(converter, NULL, 4, 1) == PTM_PACKING_NONE, "NULL bytes");
    CHECK(packing(converter, "\x1f\x8b\x08\x00", 4, 0) == PTM_PACKING_GZIP, "gzip");
    CHECK(packing(converter, "\x28\xb5\x2f\xfd", 4, 0) == PTM_PACKING_ZSTD, "zstd");
    CHECK(packing(converter, "\x50\x2a\x4d\x18", 4, 0) == PTM_PACKING_ZSTD, "zstd skippable frame (pzstd)");
    CHECK(packing(converter, "\x28\xb5", 2, 0) == PTM_PACKING_UNDECIDED, "a zstd magic's start: undecided");
    CHECK(packing(converter, "\x28\xb5", 2, 1) == PTM_PACKING_NONE, "... plain when that is all");
    CHECK(packing(converter, "", 0, 0) == PTM_PACKING_UNDECIDED, "no bytes yet: undecided");
    CHECK(packing(converter, "\x00\x00\x01\x02", 4, 0) == PTM_PACKING_LENGTH_PREFIXED, "length-prefixed");
    CHECK(packing(converter, "\x00\x00", 2, 0) == PTM_PACKING_UNDECIDED, "a length prefix's start: undecided");
    CHECK(packing(converter, "\x00\x00\x00\x00", 4, 0) == PTM_PACKING_NONE, "a first length 0: held whole");
    CHECK(packing(converter, "{\"resourceProfiles\":[]}", 23, 0) == PTM_PACKING_NONE, "OTLP/JSON: plain");
    CHECK(packing(converter, "\x0a\x05", 2, 0) == PTM_PACKING_NONE, "protobuf: plain");
    CHECK(ptm_converter_set_input_format(converter, PTM_INPUT_OTLP) == PTM_OK &&
              packing(converter, "\x00\x00\x01\x02", 4, 0) == PTM_PACKING_LENGTH_PREFIXED,
          "length-prefixed under -i otlp");
    CHECK(ptm_converter_set_input_format(converter, PTM_INPUT_JSON) == PTM_OK &&
              packing(converter, "\x00\x00\x01\x02", 4, 0) == PTM_PACKING_NONE &&
              packing(converter, "\x1f\x8b", 2, 0) == PTM_PACKING_GZIP,
          "-i json: no blocks, compression still unpacked");
    ptm_converter_set_input_format(converter, PTM_INPUT_AUTO);

    /* cpu-ebpf.pb as two length-prefixed blocks: named so, converted so. */
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/cpu-ebpf.pb", root);
    size_t size = 0;
    unsigned char *request = check_read_file(path, &size);
    CHECK(request != NULL && size > 0 && size < 0x1000000, "fixture readable");
    if (request != NULL) {
        uint8_t *blocks = malloc(2 * (size + 4));
        for (int i = 0; i < 2; i++) {
            uint8_t *b = blocks + i * (size + 4);
            b[0] = 0;
            b[1] = (uint8_t)(size >> 16);
            b[2] = (uint8_t)(size >> 8);
            b[3] = (uint8_t)size;
            memcpy(b + 4, request, size);
        }
        CHECK(ptm_converter_input_packing(converter, blocks, 2 * (size + 4), 1) == PTM_PACKING_LENGTH_PREFIXED,
              "blocks: length-prefixed");
        const uint8_t *output;
        size_t output_size;
        ptm_stats stats;
        CHECK(ptm_convert(converter, blocks, 2 * (size + 4), PTM_FORMAT_PROMETHEUS, &output, &output_size,
                          &stats) == PTM_OK && stats.requests == 2,
              "blocks: two requests converted");
        free(blocks);
    }
    free(request);
    ptm_converter_free(converter);
    return check_report();
}
