/*
 * bench.c: the "ptm native" row of `make bench`: the library call
 * ptm_convert() on one request file, timed by the protocol of measure.h.
 *
 *   ptm_bench [--format otlp|json|prom] [--config CONFIG.json]
 *             [--warm-seconds S] [--batch-seconds S] [--batches N] FILE
 *
 * Prints one JSON object on stdout: the row, the format, samples and input
 * bytes, ns per sample and MB/s (the median batch), the runs timed, the
 * output's size and series, and the process's peak RSS. One converter
 * (default configuration unless --config) converts the same bytes every run:
 * decode, aggregation and encoding, the whole call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure.h"
#include "ptm.h"

typedef struct bench_run {
    ptm_converter *converter;
    const uint8_t *input;
    size_t input_size;
    ptm_format format;
    size_t output_size;
    ptm_stats stats;
} bench_run;

typedef struct bench_options {
    const char *input_path;
    const char *config_path;
    const char *format_name;
    ptm_format format;
    measure_plan plan;
} bench_options;

static const struct {
    const char *name;
    ptm_format format;
} formats[] = {{"otlp", PTM_FORMAT_OTLP_PROTOBUF}, {"json", PTM_FORMAT_OTLP_JSON}, {"prom", PTM_FORMAT_PROMETHEUS}};

/* One conversion; the output stays the converter's. */
static int convert_once(void *context)
{
    bench_run *run = context;
    const uint8_t *output = NULL;
    ptm_result result = ptm_convert(run->converter, run->input, run->input_size, run->format, &output,
                                    &run->output_size, &run->stats);
    if (result != PTM_OK)
        fprintf(stderr, "ptm_bench: %s\n", ptm_converter_last_error(run->converter));
    return result == PTM_OK ? 0 : -1;
}

static int select_format(bench_options *options, const char *name)
{
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        if (strcmp(formats[f].name, name) == 0) {
            options->format_name = formats[f].name;
            options->format = formats[f].format;
            return 0;
        }
    }
    return -1;
}

/* Fills options from argv; -1 on a usage error. */
static int parse_options(int argc, char **argv, bench_options *options)
{
    options->plan = measure_default_plan();
    select_format(options, "otlp");
    int at = 1;
    while (at < argc) {
        int read = measure_parse_option(&options->plan, argc, argv, &at);
        if (read < 0)
            return -1;
        if (read > 0)
            continue;
        if (strcmp(argv[at], "--format") == 0 && at + 1 < argc) {
            if (select_format(options, argv[at + 1]) != 0)
                return -1;
            at += 2;
        } else if (strcmp(argv[at], "--config") == 0 && at + 1 < argc) {
            options->config_path = argv[at + 1];
            at += 2;
        } else if (options->input_path == NULL && argv[at][0] != '-') {
            options->input_path = argv[at++];
        } else {
            return -1;
        }
    }
    return options->input_path != NULL ? 0 : -1;
}

/* A converter of the config file (NULL: the defaults); NULL on failure,
 * with the message on stderr. The caller frees it. */
static ptm_converter *create_converter(const char *config_path)
{
    size_t config_size = 0;
    uint8_t *config = NULL;
    if (config_path != NULL && (config = measure_read_file(config_path, &config_size)) == NULL) {
        fprintf(stderr, "ptm_bench: cannot read %s\n", config_path);
        return NULL;
    }
    char error[256];
    ptm_converter *converter = NULL;
    if (ptm_converter_create((const char *)config, config_size, NULL, &converter, error, sizeof error) != PTM_OK)
        fprintf(stderr, "ptm_bench: %s\n", error);
    free(config);
    return converter;
}

static void print_result(const bench_options *options, const bench_run *run, const measurement *m)
{
    double samples = (double)run->stats.samples_total;
    printf("{\"row\":\"ptm native\",\"format\":\"%s\",\"samples\":%llu,\"input_bytes\":%zu,"
           "\"ns_per_sample\":%.2f,\"mb_per_s\":%.2f,\"runs\":%llu,\"output_bytes\":%zu,"
           "\"series\":%llu,\"peak_rss_kib\":%ld}\n",
           options->format_name, (unsigned long long)run->stats.samples_total, run->input_size,
           samples > 0 ? m->seconds_per_run * 1e9 / samples : 0.0,
           (double)run->input_size / m->seconds_per_run / 1e6, (unsigned long long)m->runs, run->output_size,
           (unsigned long long)run->stats.series, measure_peak_rss_kib());
}

int main(int argc, char **argv)
{
    bench_options options = {0};
    if (parse_options(argc, argv, &options) != 0) {
        fprintf(stderr, "usage: ptm_bench [--format otlp|json|prom] [--config CONFIG.json] "
                        "[--warm-seconds S] [--batch-seconds S] [--batches N] FILE\n");
        return 2;
    }
    bench_run run = {.format = options.format};
    uint8_t *input = measure_read_file(options.input_path, &run.input_size);
    if (input == NULL) {
        fprintf(stderr, "ptm_bench: cannot read %s\n", options.input_path);
        return 2;
    }
    run.input = input;
    run.converter = create_converter(options.config_path);
    measurement m = {0};
    int status = run.converter != NULL && measure(convert_once, &run, &options.plan, &m) == 0 ? 0 : 1;
    if (status == 0)
        print_result(&options, &run, &m);
    ptm_converter_free(run.converter);
    free(input);
    return status;
}
