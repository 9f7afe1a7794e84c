/*
 * convert.c: a program of the library's users, built against an installed
 * profiletometrics (tests/build/install.test.js: with pkg-config, and with CMake's
 * find_package): converts the request file argv[1] with the default
 * configuration to Prometheus text on stdout, and prints ptm_version() on
 * stderr. Exit 0, or 1 with the library's message.
 */
#include <stdio.h>
#include <stdlib.h>

#include <ptm.h>

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    size_t capacity = 1 << 20, length = 0, got;
    unsigned char *data = malloc(capacity);
    while (data != NULL && (got = fread(data + length, 1, capacity - length, file)) > 0) {
        length += got;
        if (length == capacity) {
            unsigned char *bigger = realloc(data, capacity *= 2);
            if (bigger == NULL)
                free(data);
            data = bigger;
        }
    }
    fclose(file);
    *size = length;
    return data;
}

int main(int argc, char **argv)
{
    size_t size = 0;
    unsigned char *input = argc == 2 ? read_all(argv[1], &size) : NULL;
    if (input == NULL) {
        fprintf(stderr, "usage: convert REQUEST.pb\n");
        return 1;
    }
    ptm_converter *converter = NULL;
    char error[256];
    const uint8_t *output = NULL;
    size_t output_size = 0;
    if (ptm_converter_create(NULL, 0, NULL, &converter, error, sizeof error) != PTM_OK) {
        fprintf(stderr, "convert: %s\n", error);
        free(input);
        return 1;
    }
    int code = 0;
    if (ptm_convert(converter, input, size, PTM_FORMAT_PROMETHEUS, &output, &output_size, NULL) != PTM_OK) {
        fprintf(stderr, "convert: %s\n", ptm_converter_last_error(converter));
        code = 1;
    } else {
        fwrite(output, 1, output_size, stdout);
        fprintf(stderr, "%s\n", ptm_version());
    }
    ptm_converter_free(converter);
    free(input);
    return code;
}
