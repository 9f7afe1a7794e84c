/*
 * fuzz_config.c: libFuzzer target over the configuration parser.
 *
 * Input: a configuration text, handed to ptm_converter_create() as is (not
 * NUL-terminated) with a counting allocator. Checks:
 *  - [config-result]  the result is PTM_OK, PTM_ERR_CONFIG or PTM_ERR_NOMEM;
 *  - [config-message] on failure: no converter, a NUL-terminated, non-empty
 *    message starting "config: "; with an 8-byte buffer the same result and
 *    the message cut to 7 bytes;
 *  - [config-message-lines] the message is one line (no '\n' or '\r');
 *  - [config-leak]    nothing of the allocator left live after a failure, or
 *    after ptm_converter_free();
 *  - [config-request] on PTM_OK, the small request of fuzz_request.h converts
 *    in every format, passing every check of fuzz_convert_and_check(); the only
 *    failures allowed are the documented limits (docs/security.md):
 *    max_input_bytes under the request's size, and a regex over its PCRE2
 *    match, depth or heap limit (which a pattern can lower itself with
 *    (*LIMIT_MATCH=n)).
 * Seeds: tests/fuzz/make-seeds.sh config DIR (tests/fuzz/configs/).
 */
#include "fuzz_common.h"
#include "fuzz_request.h"

typedef struct counting {
    long live;
} counting;

static void *counting_malloc(void *context, size_t size)
{
    void *pointer = malloc(size);
    if (pointer != NULL)
        ((counting *)context)->live++;
    return pointer;
}

static void counting_free(void *context, void *pointer)
{
    if (pointer != NULL)
        ((counting *)context)->live--;
    free(pointer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    counting counter = {0};
    ptm_allocator allocator = {counting_malloc, counting_free, &counter};
    char error[256];
    memset(error, 'X', sizeof error);
    ptm_converter *converter = (ptm_converter *)error;
    ptm_result result = ptm_converter_create((const char *)data, size, &allocator, &converter, error,
                                             sizeof error);
    if (result != PTM_OK) {
        if (result != PTM_ERR_CONFIG && result != PTM_ERR_NOMEM) {
            char detail[64];
            snprintf(detail, sizeof detail, "ptm_converter_create returned %s", ptm_result_name(result));
            fuzz_fail("config-result", detail, NULL, 0);
        }
        if (converter != NULL)
            fuzz_fail("config-result", "a converter left on failure", NULL, 0);
        if (memchr(error, '\0', sizeof error) == NULL)
            fuzz_fail("config-message", "the message is not NUL-terminated", error, sizeof error);
        size_t length = strlen(error);
        if (length == 0)
            fuzz_fail("config-message", "a failure without a message", NULL, 0);
        if (memchr(error, '\n', length) != NULL || memchr(error, '\r', length) != NULL)
            fuzz_fail("config-message-lines", "a message of more than one line", error, length);
        if (strncmp(error, "config: ", 8) != 0)
            fuzz_fail("config-message", "a message not starting \"config: \"", error, length);
        if (counter.live != 0)
            fuzz_fail("config-leak", "allocations left live after a refused configuration", NULL, 0);
        char tiny[8];
        memset(tiny, 'X', sizeof tiny);
        ptm_result again = ptm_converter_create((const char *)data, size, &allocator, &converter,
                                                tiny, sizeof tiny);
        size_t tiny_length = 0;
        while (tiny_length < sizeof tiny && tiny[tiny_length] != '\0')
            tiny_length++;
        if (again != result || tiny_length != (length < 7 ? length : 7) ||
            memcmp(tiny, error, tiny_length) != 0)
            fuzz_fail("config-message", "a small buffer gives another result or message", tiny,
                      tiny_length);
        if (counter.live != 0)
            fuzz_fail("config-leak", "allocations left live after a refused configuration", NULL, 0);
        return 0;
    }
    if (converter == NULL)
        fuzz_fail("config-result", "PTM_OK without a converter", NULL, 0);
    for (int format = 0; format < 3; format++) {
        ptm_result converted = fuzz_convert_and_check(converter, fuzz_request, sizeof fuzz_request,
                                                      (ptm_format)format);
        const char *limit = ptm_converter_last_error(converter);
        if (converted != PTM_OK &&
            !(converted == PTM_ERR_LIMIT && (strstr(limit, "max_input_bytes") != NULL ||
                                             strstr(limit, "PCRE2 match limit") != NULL))) {
            const char *message = ptm_converter_last_error(converter);
            fuzz_fail("config-request", "the fixed request does not convert", message, strlen(message));
        }
    }
    ptm_converter_free(converter);
    if (counter.live != 0)
        fuzz_fail("config-leak", "allocations left live after ptm_converter_free", NULL, 0);
    return 0;
}
