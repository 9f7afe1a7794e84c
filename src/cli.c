/*
 * cli.c: the ptm command (native, and the WASI build of the same source).
 *
 *   ptm [-c CONFIG.json] [-f otlp|json|prom] [-o OUT] [--stats] [INPUT]
 *
 * Reads INPUT (default stdin, also "-") whole, converts it with one
 * converter, writes the output to stdout or OUT. Exit codes: 0 success,
 * 1 input that is not a valid request (or over a limit), 2 usage or
 * configuration error (including files that cannot be read), 3 out of memory
 * or a failed write. Every error is one line on stderr starting "ptm: ".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptm.h"

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_RESOURCES = 3 };

static const char usage[] =
    "usage: ptm [-c CONFIG.json] [-f otlp|json|prom] [-o OUT] [--stats] [INPUT]\n"
    "  Converts OTLP profiles (protobuf, OTLP/JSON or JSON Lines) to OTLP metrics.\n"
    "  -c FILE    configuration (JSON); defaults apply without it\n"
    "  -f FORMAT  otlp (protobuf, default), json (OTLP/JSON lines) or prom (Prometheus text)\n"
    "  -o FILE    write to FILE instead of stdout\n"
    "  --stats    print the conversion's counts as one JSON object on stderr\n"
    "  INPUT      the request file; stdin when absent or \"-\"\n"
    "  -h, --help this text; --version the version\n";

typedef struct options {
    const char *config_path;
    const char *output_path;
    const char *input_path;
    ptm_format format;
    int stats;
} options;

static int fail(int code, const char *format, const char *detail)
{
    fprintf(stderr, "ptm: ");
    fprintf(stderr, format, detail);
    fputc('\n', stderr);
    return code;
}

/* Reads a whole stream into a malloc'd buffer. */
static int read_stream(FILE *stream, uint8_t **data, size_t *size)
{
    size_t capacity = 1 << 16, length = 0;
    uint8_t *buffer = malloc(capacity);
    if (buffer == NULL)
        return ENOMEM;
    for (;;) {
        if (length == capacity) {
            uint8_t *bigger = capacity < SIZE_MAX / 2 ? realloc(buffer, capacity * 2) : NULL;
            if (bigger == NULL) {
                free(buffer);
                return ENOMEM;
            }
            buffer = bigger;
            capacity *= 2;
        }
        size_t got = fread(buffer + length, 1, capacity - length, stream);
        length += got;
        if (got == 0)
            break;
    }
    if (ferror(stream)) {
        free(buffer);
        return EIO;
    }
    *data = buffer;
    *size = length;
    return 0;
}

static int read_file(const char *path, uint8_t **data, size_t *size, const char *what)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        int error = read_stream(stdin, data, size);
        return error ? fail(error == ENOMEM ? EXIT_RESOURCES : EXIT_USAGE, "cannot read stdin: %s",
                            strerror(error))
                     : 0;
    }
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "ptm: cannot open %s %s: %s\n", what, path, strerror(errno));
        return EXIT_USAGE;
    }
    int error = read_stream(file, data, size);
    fclose(file);
    if (error) {
        fprintf(stderr, "ptm: cannot read %s %s: %s\n", what, path, strerror(error));
        return error == ENOMEM ? EXIT_RESOURCES : EXIT_USAGE;
    }
    return 0;
}

static int parse_format(const char *text, ptm_format *format)
{
    if (strcmp(text, "otlp") == 0)
        *format = PTM_FORMAT_OTLP_PROTOBUF;
    else if (strcmp(text, "json") == 0)
        *format = PTM_FORMAT_OTLP_JSON;
    else if (strcmp(text, "prom") == 0)
        *format = PTM_FORMAT_PROMETHEUS;
    else
        return fail(EXIT_USAGE, "unknown format \"%s\" (otlp, json or prom)", text);
    return 0;
}

static int set_input(options *opts, const char *arg)
{
    if (opts->input_path != NULL)
        return fail(EXIT_USAGE, "more than one INPUT (%s)", arg);
    opts->input_path = arg;
    return -1;
}

/* Returns -1 to go on, or an exit code. "--" is ignored: some hosts pass it
 * through (`wasmtime run ptm.wasm -- ARGS`), others drop it. */
static int parse_arguments(int argc, char **argv, options *opts)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int code = -1;
        if (arg[0] != '-' || arg[1] == '\0') {
            code = set_input(opts, arg);
        } else if (strcmp(arg, "--") == 0) {
            continue;
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(arg, "--version") == 0) {
            printf("ptm %s\n", PTM_VERSION_STRING);
            return 0;
        } else if (strcmp(arg, "--stats") == 0) {
            opts->stats = 1;
        } else if (strcmp(arg, "-c") != 0 && strcmp(arg, "-f") != 0 && strcmp(arg, "-o") != 0) {
            return fail(EXIT_USAGE, "unknown option %s (see ptm --help)", arg);
        } else if (i + 1 >= argc) {
            return fail(EXIT_USAGE, "%s needs a value (see ptm --help)", arg);
        } else if (arg[1] == 'c') {
            opts->config_path = argv[++i];
        } else if (arg[1] == 'o') {
            opts->output_path = argv[++i];
        } else {
            code = parse_format(argv[++i], &opts->format);
            code = code ? code : -1;
        }
        if (code >= 0)
            return code;
    }
    return -1;
}

static void print_stats(const ptm_stats *stats)
{
    fprintf(stderr,
            "{\"requests\":%" PRIu64 ",\"resources\":%" PRIu64 ",\"profiles\":%" PRIu64
            ",\"samples_total\":%" PRIu64 ",\"samples_kept\":%" PRIu64
            ",\"samples_filtered\":%" PRIu64 ",\"samples_invalid\":%" PRIu64
            ",\"samples_skipped\":%" PRIu64 ",\"series\":%" PRIu64 ",\"overflowed\":%" PRIu64
            ",\"attributes_shadowed\":%" PRIu64 "}\n",
            stats->requests, stats->resources, stats->profiles, stats->samples_total,
            stats->samples_kept, stats->samples_filtered, stats->samples_invalid,
            stats->samples_skipped, stats->series, stats->overflowed, stats->attributes_shadowed);
}

static int write_output(const char *path, const uint8_t *data, size_t size)
{
    FILE *file = path ? fopen(path, "wb") : stdout;
    if (file == NULL) {
        fprintf(stderr, "ptm: cannot open output %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    int ok = fwrite(data, 1, size, file) == size;
    ok = (path ? fclose(file) : fflush(file)) == 0 && ok;
    if (!ok)
        return fail(EXIT_RESOURCES, "cannot write output: %s", strerror(errno));
    return 0;
}

static int exit_code_of(ptm_result result)
{
    switch (result) {
    case PTM_OK: return 0;
    case PTM_ERR_INPUT: case PTM_ERR_LIMIT: return EXIT_INPUT;
    case PTM_ERR_CONFIG: case PTM_ERR_ARGUMENT: return EXIT_USAGE;
    case PTM_ERR_NOMEM: return EXIT_RESOURCES;
    }
    return EXIT_RESOURCES;
}

static int convert(const options *opts, const uint8_t *config, size_t config_size,
                   const uint8_t *input, size_t input_size)
{
    char error[512];
    ptm_converter *converter = NULL;
    ptm_result result = ptm_converter_create((const char *)config, config_size, NULL, &converter,
                                             error, sizeof error);
    if (result != PTM_OK)
        return fail(exit_code_of(result), "%s", error);
    const uint8_t *output = NULL;
    size_t output_size = 0;
    ptm_stats stats;
    result = ptm_convert(converter, input, input_size, opts->format, &output, &output_size, &stats);
    int code;
    if (result != PTM_OK) {
        code = fail(exit_code_of(result), "%s", ptm_converter_last_error(converter));
    } else {
        if (ptm_converter_last_warning(converter)[0] != '\0')
            fprintf(stderr, "ptm: %s\n", ptm_converter_last_warning(converter));
        code = write_output(opts->output_path, output, output_size);
    }
    if (opts->stats)
        print_stats(&stats);
    ptm_converter_free(converter);
    return code;
}

int main(int argc, char **argv)
{
    options opts = {.format = PTM_FORMAT_OTLP_PROTOBUF};
    int code = parse_arguments(argc, argv, &opts);
    if (code >= 0)
        return code;
    uint8_t *config = NULL, *input = NULL;
    size_t config_size = 0, input_size = 0;
    if (opts.config_path != NULL &&
        (code = read_file(opts.config_path, &config, &config_size, "config")) != 0)
        return code;
    if ((code = read_file(opts.input_path, &input, &input_size, "input")) != 0) {
        free(config);
        return code;
    }
    code = convert(&opts, config, config_size, input, input_size);
    free(config);
    free(input);
    return code;
}
