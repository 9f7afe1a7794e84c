/*
 * cli.c: the ptm command (native, and the WASI build of the same source).
 *
 *   ptm [-c CONFIG] [-i auto|otlp|json|pprof] [-f otlp|json|prom|folded | --top [N]] [-o OUT] [--stats] [INPUT...]
 *
 * Reads INPUT (default stdin, also "-") in pieces of at most 1 MiB and
 * hands them to one converter's stream (ptm_convert_begin/_feed/_finish),
 * which converts OTLP/JSON request by request as it arrives and holds other
 * input whole; several INPUTs, and directories (their regular files, sorted),
 * are one stream of named inputs (ptm_convert_next_input), where one that
 * cannot be read or is refused is named and the others convert. Writes the
 * output to stdout or OUT; --top writes PTM_FORMAT_TOP's summary instead.
 * A YAML configuration is translated to JSON first (config_yaml.h). Exit codes: 0 success,
 * 1 input that is not a valid request (or over a limit), 2 usage or
 * configuration error (including files that cannot be read), 3 out of memory
 * or a failed write, 4 some requests refused (JSON Lines: bad lines, each
 * named on stderr; several inputs: inputs refused or unreadable) and the
 * others converted and written. Every error is one
 * line on stderr starting "ptm: ", but for one: a reader that closes the pipe
 * early (`ptm ... | head`) ends the run quietly, exit 3, on every host (the
 * native command ignores SIGPIPE to see EPIPE; under WASI, wasmtime reports a
 * closed pipe as EIO).
 *
 * This file runs the command: the converter, the conversion, the output and
 * what is reported. The command line is cli_args.c's, reading the inputs
 * and the configuration cli_input.c's, the files symbolization asks for
 * cli_files.c's, YAML config_yaml.c's.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_args.h"
#include "cli_files.h"
#include "cli_input.h"
#include "config_yaml.h"
#include "ptm.h"

#ifndef __wasi__
#include <signal.h>
#endif

static void print_stats(const ptm_stats *stats)
{
    fprintf(stderr,
            "{\"requests\":%" PRIu64 ",\"resources\":%" PRIu64 ",\"profiles\":%" PRIu64
            ",\"samples_total\":%" PRIu64 ",\"samples_kept\":%" PRIu64
            ",\"samples_filtered\":%" PRIu64 ",\"samples_invalid\":%" PRIu64
            ",\"samples_skipped\":%" PRIu64 ",\"series\":%" PRIu64 ",\"overflowed\":%" PRIu64
            ",\"attributes_shadowed\":%" PRIu64 ",\"pattern_limit_hits\":%" PRIu64
            ",\"requests_invalid\":%" PRIu64 ",\"attributes_dropped\":%" PRIu64 "}\n",
            stats->requests, stats->resources, stats->profiles, stats->samples_total,
            stats->samples_kept, stats->samples_filtered, stats->samples_invalid,
            stats->samples_skipped, stats->series, stats->overflowed, stats->attributes_shadowed,
            stats->pattern_limit_hits, stats->requests_invalid, stats->attributes_dropped);
}

/* Whether a failed write to stdout (path NULL) met a reader that left. */
static bool reader_left(const char *path, int error)
{
    if (path != NULL)
        return false;
    if (error == EPIPE)
        return true;
#ifdef __wasi__
    struct stat status;
    return error == EIO && fstat(fileno(stdout), &status) == 0 && !S_ISREG(status.st_mode);
#else
    return false;
#endif
}

static int write_output(const char *path, const uint8_t *data, size_t size)
{
    FILE *file = path ? fopen(path, "wb") : stdout;
    if (file == NULL) {
        fprintf(stderr, "ptm: cannot write output %s: %s\n", path, strerror(errno));
        return PTM_EXIT_RESOURCES;
    }
    int ok = fwrite(data, 1, size, file) == size;
    ok = (path ? fclose(file) : fflush(file)) == 0 && ok;
    if (!ok && reader_left(path, errno))
        return PTM_EXIT_RESOURCES;
    if (!ok)
        return cli_fail(PTM_EXIT_RESOURCES, "cannot write output: %s", strerror(errno));
    return 0;
}

/* Names each refused request on stderr; the exit code that says some were. */
static int report_refused(const ptm_converter *converter, const ptm_stats *stats)
{
    size_t named = 0;
    for (const char *message; (message = ptm_converter_refused_request(converter, named)) != NULL; named++)
        fprintf(stderr, "ptm: %s\n", message);
    if (stats->requests_invalid > named)
        fprintf(stderr, "ptm: input: %" PRIu64 " more requests refused\n", stats->requests_invalid - named);
    fprintf(stderr, "ptm: input: %" PRIu64 " of %" PRIu64 " requests refused; the others were converted\n",
            stats->requests_invalid, stats->requests_invalid + stats->requests);
    return PTM_EXIT_REFUSED;
}

/* Says how many inputs could not be read, when some could and others not;
 * the exit code that says some were refused. */
static int report_unreadable(const input_list *list)
{
    fprintf(stderr, "ptm: input: %zu of %zu inputs could not be read; the others were converted\n",
            list->unreadable, list->unreadable + list->fed);
    return PTM_EXIT_REFUSED;
}

static int convert(const options *opts, ptm_converter *converter)
{
    input_list list;
    int code = cli_expand_inputs(opts, &list);
    if (code == 0)
        code = cli_feed_inputs(converter, &list);
    if (code == 0 && list.unreadable > 0 && list.fed == 0)
        code = list.unreadable_code; /* nothing could be read */
    if (code != 0) {
        cli_list_free(&list);
        return code;
    }
    const uint8_t *output = NULL;
    size_t output_size = 0;
    ptm_stats stats;
    ptm_result result = ptm_convert_finish(converter, opts->format, &output, &output_size, &stats);
    if (result != PTM_OK) {
        code = cli_fail(ptm_result_exit_code(result), "%s", ptm_converter_last_error(converter));
    } else {
        if (ptm_converter_last_warning(converter)[0] != '\0')
            fprintf(stderr, "ptm: %s\n", ptm_converter_last_warning(converter));
        code = write_output(opts->output_path, output, output_size);
        if (code == 0 && stats.requests_invalid > 0)
            code = report_refused(converter, &stats);
        if (code == 0 || code == PTM_EXIT_REFUSED)
            code = list.unreadable > 0 ? report_unreadable(&list) : code;
    }
    if (opts->stats)
        print_stats(&stats);
    cli_list_free(&list);
    return code;
}

/* The converter of the configuration at path (NULL: the defaults), or an exit code. */
static int create_converter(const char *path, ptm_converter **converter)
{
    uint8_t *config = NULL;
    size_t config_size = 0;
    int code = path != NULL ? cli_read_file(path, &config, &config_size, "config") : 0;
    if (code != 0)
        return code;
    char error[512];
    if (config != NULL && config_is_yaml(config, config_size)) {
        char *json = NULL;
        size_t json_size = 0;
        ptm_result translated = config_yaml_to_json(config, config_size, &json, &json_size, error, sizeof error);
        free(config);
        if (translated != PTM_OK)
            return cli_fail(ptm_result_exit_code(translated), "%s", error);
        config = (uint8_t *)json;
        config_size = json_size;
    }
    ptm_result result = ptm_converter_create((const char *)config, config_size, NULL, converter,
                                             error, sizeof error);
    free(config);
    return result == PTM_OK ? 0 : cli_fail(ptm_result_exit_code(result), "%s", error);
}

static int run(int argc, char **argv, options *opts)
{
    int code = cli_parse_arguments(argc, argv, opts);
    if (code >= 0)
        return code;
    if ((code = cli_check_terminals(opts)) >= 0)
        return code;
    ptm_converter *converter = NULL;
    if ((code = create_converter(opts->config_path, &converter)) != 0)
        return code;
    ptm_converter_set_input_format(converter, opts->input_format);
    ptm_converter_set_file_source(converter, &cli_file_source);
    ptm_converter_collect_stacks(converter, opts->format == PTM_FORMAT_FOLDED || opts->format == PTM_FORMAT_TOP);
    if (opts->top_count > 0)
        ptm_converter_set_top_count(converter, opts->top_count);
    code = convert(opts, converter);
    ptm_converter_free(converter);
    return code;
}

int main(int argc, char **argv)
{
#ifndef __wasi__
    signal(SIGPIPE, SIG_IGN); /* a closed pipe is EPIPE from write, not death (reader_left) */
#else
    /* WASI has no working directory of its own: wasi-libc resolves relative
     * paths against "/" of the preopened folders. A host that preopens the
     * whole tree as "/" (the npm CLI) passes its directory in PWD, so that
     * relative paths name what they name natively; without PWD (wasmtime
     * run --dir .), relative paths are the preopened "."'s. */
    const char *pwd = getenv("PWD");
    if (pwd != NULL && pwd[0] == '/')
        (void)chdir(pwd);
#endif
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    if (inputs == NULL)
        return cli_fail(PTM_EXIT_RESOURCES, "%s", "out of memory");
    options opts = {.format = PTM_FORMAT_OTLP_PROTOBUF, .inputs = inputs};
    int code = run(argc, argv, &opts);
    free(inputs);
    return code;
}
