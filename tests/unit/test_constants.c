/*
 * test_constants.c: ptm_constants_json() (issue 29), the core's table of the
 * names its hosts use, against the library itself: valid JSON; a result per
 * ptm_result, each its number in order with ptm_result_name()'s text; as many
 * formats and input formats as the converter takes (the next number
 * refused); as many stats fields as ptm_stats holds u64; every result's exit
 * code one of the exit codes and ptm_result_exit_code()'s. (src/api/constants.c checks each entry against
 * ptm.h when it compiles.)
 *
 * Usage: test_constants REPO_ROOT, or test_constants --print: writes the
 * table (the native library's) to stdout, for the hosts' tests
 * (tests/hosts/npm/npm.test.js) to compare their view with.
 */
#include <stdint.h>
#include <string.h>

#include <cJSON.h>

#include "check.h"
#include "ptm.h"

static void test_results(const cJSON *results, const cJSON *exits)
{
    CHECK(cJSON_IsArray(results) && cJSON_GetArraySize(results) == PTM_ERR_MEMORY_LIMIT + 1, "a result per ptm_result");
    int number = 0;
    const cJSON *result;
    cJSON_ArrayForEach(result, results) {
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(result, "text");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(result, "code");
        const cJSON *exit_code = cJSON_GetObjectItemCaseSensitive(result, "exit");
        CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(result, "number")) == number, "numbers in order");
        CHECK(cJSON_IsString(text) && strcmp(text->valuestring, ptm_result_name((ptm_result)number)) == 0,
              "text: ptm_result_name()'s");
        CHECK(cJSON_IsString(code) && code->valuestring[0] != '\0', "a code");
        int known = 0;
        const cJSON *exit_entry;
        cJSON_ArrayForEach(exit_entry, exits) known |= cJSON_GetNumberValue(exit_entry) == cJSON_GetNumberValue(exit_code);
        CHECK(cJSON_IsNumber(exit_code) && known, "exit: one of exit_codes");
        CHECK(cJSON_GetNumberValue(exit_code) == (double)ptm_result_exit_code((ptm_result)number),
              "exit: ptm_result_exit_code()'s, which the ptm command exits with");
        number++;
    }
    CHECK(strcmp(ptm_result_name((ptm_result)number), "unknown") == 0, "no result past the list");
    CHECK(strcmp(cJSON_GetArrayItem(results, PTM_ERR_NOMEM)->child->next->valuestring, "nomem") == 0,
          "the hosts' code for PTM_ERR_NOMEM");
}

static void test_formats(const cJSON *formats, const cJSON *input_formats)
{
    ptm_converter *converter = NULL;
    char error[256];
    CHECK(ptm_converter_create(NULL, 0, NULL, &converter, error, sizeof error) == PTM_OK, "defaults");
    int count = cJSON_GetArraySize(formats);
    CHECK(count == PTM_FORMAT_TOP + 1, "a name per ptm_format");
    const uint8_t *output;
    size_t size;
    for (int format = 0; format <= count; format++)
        CHECK(ptm_convert(converter, NULL, 0, (ptm_format)format, &output, &size, NULL) ==
                  (format < count ? PTM_OK : PTM_ERR_ARGUMENT), "every format named converts, the next is refused");
    count = cJSON_GetArraySize(input_formats);
    CHECK(count == PTM_INPUT_PPROF + 1, "a name per ptm_input_format");
    for (int format = 0; format <= count; format++)
        CHECK(ptm_converter_set_input_format(converter, (ptm_input_format)format) ==
                  (format < count ? PTM_OK : PTM_ERR_ARGUMENT), "every input format named is taken, the next refused");
    ptm_converter_free(converter);
}

int main(int argc, char **argv)
{
    const char *text = ptm_constants_json();
    if (argc > 1 && strcmp(argv[1], "--print") == 0) {
        puts(text);
        return 0;
    }
    CHECK(text == ptm_constants_json(), "static text");
    cJSON *table = cJSON_Parse(text);
    CHECK(cJSON_IsObject(table), "JSON");
    const cJSON *exits = cJSON_GetObjectItemCaseSensitive(table, "exit_codes");
    CHECK(cJSON_IsObject(exits) && cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(exits, "refused")) == 4,
          "exit 4: some refused");
    test_results(cJSON_GetObjectItemCaseSensitive(table, "results"), exits);
    test_formats(cJSON_GetObjectItemCaseSensitive(table, "formats"),
                 cJSON_GetObjectItemCaseSensitive(table, "input_formats"));
    const cJSON *stats = cJSON_GetObjectItemCaseSensitive(table, "stats");
    CHECK(cJSON_IsArray(stats) && (size_t)cJSON_GetArraySize(stats) * sizeof(uint64_t) == sizeof(ptm_stats),
          "a name per ptm_stats field");
    CHECK(strcmp(cJSON_GetArrayItem(stats, 0)->valuestring, "requests") == 0, "requests first");
    cJSON_Delete(table);
    return check_report();
}
