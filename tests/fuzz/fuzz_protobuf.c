/*
 * fuzz_protobuf.c: libFuzzer target over the protobuf path of the converter.
 *
 * Input: one byte that picks the output format (b % 3) and the configuration
 * ((b / 3) % 4, see fuzz_common.h), then an ExportProfilesServiceRequest in
 * protobuf. Inputs the converter takes as JSON (the request starts with '{'
 * after white space) are left to fuzz_json and rejected here (-1: not added to
 * the corpus), except those starting with '\n', the tag of resource_profiles:
 * the converter reads them as protobuf when they are well framed, so both of
 * its paths are fuzzed here.
 *
 * Every conversion goes through fuzz_convert_and_check(): result and message,
 * the stats invariant, the output well-formed in its format (protobuf output
 * re-walked against the metrics schema), and determinism across calls.
 * Seeds: tests/fuzz/make-seeds.sh protobuf DIR.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t start = 1;
    while (start < size && (data[start] == ' ' || data[start] == '\t' || data[start] == '\n' ||
                            data[start] == '\r'))
        start++;
    if (start < size && data[start] == '{' && data[1] != '\n')
        return -1;
    ptm_format format = (ptm_format)(data[0] % 3);
    fuzz_convert_and_check(fuzz_converter(data[0] / 3u), data + 1, size - 1, format);
    return 0;
}
