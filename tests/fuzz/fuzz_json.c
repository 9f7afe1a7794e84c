/*
 * fuzz_json.c: libFuzzer target over the OTLP/JSON and JSON Lines path.
 *
 * Input: one byte that picks the output format (b % 3) and the configuration
 * ((b / 3) % 4, see fuzz_common.h), then the text. The text is always taken
 * as JSON: when it does not start with '{' after white space, a '{' is put
 * before it (so "resourceProfiles":[...]} is a request too). The text is
 * copied into a buffer of its exact size, so ASan sees any read past it.
 *
 * Checks: fuzz_convert_and_check() (fuzz_common.h).
 * Seeds: tests/fuzz/make-seeds.sh json DIR.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *text = data + 1;
    size_t text_size = size - 1, start = 0;
    while (start < text_size && (text[start] == ' ' || text[start] == '\t' ||
                                 text[start] == '\n' || text[start] == '\r'))
        start++;
    bool brace = start < text_size && text[start] == '{';
    size_t input_size = text_size + (brace ? 0 : 1);
    uint8_t *input = malloc(input_size);
    if (!brace)
        input[0] = '{';
    memcpy(input + (brace ? 0 : 1), text, text_size);
    fuzz_convert_and_check(fuzz_converter(data[0] / 3u), input, input_size, (ptm_format)(data[0] % 3));
    free(input);
    return 0;
}
