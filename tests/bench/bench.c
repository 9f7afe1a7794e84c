/*
 * bench.c: the "ptm native" rows of `make bench`: a library call on one
 * request file, timed by the protocol of measure.h.
 *
 *   ptm_bench [--mode convert|add|flush] [--format otlp|json|prom]
 *             [--config CONFIG.json] [--output FILE]
 *             [--warm-seconds S] [--batch-seconds S] [--batches N] FILE
 *
 * Modes (issue 32), one converter (default configuration unless --config)
 * on the same bytes every run:
 *   convert  ptm_convert(): decode, aggregation and encoding, the whole call;
 *   add      ptm_converter_add(): decode and aggregation into the held
 *            series, no encoding (the collector's per-request path);
 *   flush    ptm_converter_flush() of what one add holds, with
 *            "temporality": "cumulative" (unless --config) so that every
 *            flush writes the same series: the encoding, per series.
 * The host clock given to add and flush moves 1 µs per run. --output
 * writes the output of the last run (flush: of one more flush, 60 s after
 * the first add, whatever the number of runs: the bytes the wasm drivers'
 * flush rows hash, tests/bench/bench-wasm.mjs).
 *
 * Prints one JSON object on stdout: the row, the mode, the format, samples
 * and input bytes, ns per sample (flush: ns per series written too) and
 * MB/s (the median batch), the runs timed, the output's size and series,
 * and the process's peak RSS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure.h"
#include "ptm.h"

typedef enum bench_mode { MODE_CONVERT, MODE_ADD, MODE_FLUSH } bench_mode;

static const char *const mode_names[] = {"convert", "add", "flush"};

/* The host clock of the first add (2023-11-14), and of the flush whose
 * output --output writes: 60 s later, before any series expires. */
#define BENCH_START_NANO 1700000000000000000ull
#define BENCH_FINAL_FLUSH_NANO (BENCH_START_NANO + 60000000000ull)

typedef struct bench_run {
    ptm_converter *converter;
    bench_mode mode;
    uint64_t now_unix_nano;
    const uint8_t *output;
    const uint8_t *input;
    size_t input_size;
    ptm_format format;
    size_t output_size;
    ptm_stats stats;
} bench_run;

typedef struct bench_options {
    bench_mode mode;
    const char *input_path;
    const char *output_path;
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
    ptm_result result = ptm_convert(run->converter, run->input, run->input_size, run->format, &run->output,
                                    &run->output_size, &run->stats);
    if (result != PTM_OK)
        fprintf(stderr, "ptm_bench: %s\n", ptm_converter_last_error(run->converter));
    return result == PTM_OK ? 0 : -1;
}

/* One add into the held series (nothing written). */
static int add_once(void *context)
{
    bench_run *run = context;
    run->now_unix_nano += 1000;
    ptm_result result = ptm_converter_add(run->converter, run->now_unix_nano, run->input, run->input_size,
                                          &run->stats);
    if (result != PTM_OK)
        fprintf(stderr, "ptm_bench: %s\n", ptm_converter_last_error(run->converter));
    return result == PTM_OK ? 0 : -1;
}

/* One flush of the held series; the output stays the converter's. */
static int flush_once(void *context)
{
    bench_run *run = context;
    run->now_unix_nano += 1000;
    ptm_result result = ptm_converter_flush(run->converter, run->now_unix_nano, run->format, &run->output,
                                            &run->output_size, &run->stats);
    if (result != PTM_OK)
        fprintf(stderr, "ptm_bench: %s\n", ptm_converter_last_error(run->converter));
    return result == PTM_OK ? 0 : -1;
}

static int select_mode(bench_options *options, const char *name)
{
    for (size_t m = 0; m < sizeof mode_names / sizeof mode_names[0]; m++) {
        if (strcmp(mode_names[m], name) == 0) {
            options->mode = (bench_mode)m;
            return 0;
        }
    }
    return -1;
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
        if (strcmp(argv[at], "--mode") == 0 && at + 1 < argc) {
            if (select_mode(options, argv[at + 1]) != 0)
                return -1;
            at += 2;
        } else if (strcmp(argv[at], "--format") == 0 && at + 1 < argc) {
            if (select_format(options, argv[at + 1]) != 0)
                return -1;
            at += 2;
        } else if (strcmp(argv[at], "--output") == 0 && at + 1 < argc) {
            options->output_path = argv[at + 1];
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

/* A converter of the config file (NULL: the defaults, or for flush the
 * cumulative temporality); NULL on failure, with the message on stderr. The
 * caller frees it. */
static ptm_converter *create_converter(const char *config_path, bench_mode mode)
{
    size_t config_size = 0;
    uint8_t *config = NULL;
    if (config_path != NULL && (config = measure_read_file(config_path, &config_size)) == NULL) {
        fprintf(stderr, "ptm_bench: cannot read %s\n", config_path);
        return NULL;
    }
    static const char cumulative[] = "{\"temporality\":\"cumulative\"}";
    if (config == NULL && mode == MODE_FLUSH) {
        config_size = sizeof cumulative - 1;
        if ((config = malloc(config_size)) != NULL)
            memcpy(config, cumulative, config_size);
    }
    char error[256];
    ptm_converter *converter = NULL;
    if (ptm_converter_create((const char *)config, config_size, NULL, &converter, error, sizeof error) != PTM_OK)
        fprintf(stderr, "ptm_bench: %s\n", error);
    free(config);
    return converter;
}

static void print_result(const bench_options *options, const bench_run *run, uint64_t samples_per_input,
                         const measurement *m)
{
    double samples = (double)samples_per_input, series = (double)run->stats.series;
    printf("{\"row\":\"ptm native\",\"mode\":\"%s\",\"format\":\"%s\",\"samples\":%llu,\"input_bytes\":%zu,"
           "\"ns_per_sample\":%.2f,\"ns_per_series\":%.2f,\"ns_per_run\":%.1f,\"mb_per_s\":%.2f,\"runs\":%llu,"
           "\"output_bytes\":%zu,\"series\":%llu,\"peak_rss_kib\":%ld}\n",
           mode_names[options->mode], options->format_name, (unsigned long long)samples_per_input, run->input_size,
           samples > 0 ? m->seconds_per_run * 1e9 / samples : 0.0, series > 0 ? m->seconds_per_run * 1e9 / series : 0.0,
           m->seconds_per_run * 1e9, (double)run->input_size / m->seconds_per_run / 1e6, (unsigned long long)m->runs,
           run->output_size, (unsigned long long)run->stats.series, measure_peak_rss_kib());
}

/* Runs the mode's measurement; 0, or -1 with the message on stderr. */
static int measure_mode(const bench_options *options, bench_run *run, uint64_t *samples_per_input,
                        measurement *m)
{
    run->now_unix_nano = BENCH_START_NANO - 1000; /* the first add at BENCH_START_NANO, as the wasm drivers' */
    if (options->mode == MODE_FLUSH && add_once(run) != 0)
        return -1;
    *samples_per_input = run->stats.samples_total;
    int (*once)(void *) = options->mode == MODE_ADD ? add_once : options->mode == MODE_FLUSH ? flush_once
                                                                                              : convert_once;
    if (measure(once, run, &options->plan, m) != 0)
        return -1;
    if (options->mode != MODE_FLUSH)
        *samples_per_input = run->stats.samples_total;
    if (options->mode == MODE_FLUSH && options->output_path != NULL) {
        if (run->now_unix_nano >= BENCH_FINAL_FLUSH_NANO) {
            fprintf(stderr, "ptm_bench: more flushes than the final flush leaves room for\n");
            return -1;
        }
        run->now_unix_nano = BENCH_FINAL_FLUSH_NANO - 1000;
        return flush_once(run);
    }
    return 0;
}

/* Writes the last run's output to path; 0, or -1 with the message on stderr. */
static int write_output(const char *path, const bench_run *run)
{
    FILE *file = fopen(path, "wb");
    int ok = file != NULL && (run->output_size == 0 || fwrite(run->output, 1, run->output_size, file) == run->output_size);
    if (file != NULL && fclose(file) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "ptm_bench: cannot write %s\n", path);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    bench_options options = {0};
    if (parse_options(argc, argv, &options) != 0) {
        fprintf(stderr, "usage: ptm_bench [--mode convert|add|flush] [--format otlp|json|prom] [--config CONFIG.json] [--output FILE] "
                        "[--warm-seconds S] [--batch-seconds S] [--batches N] FILE\n");
        return 2;
    }
    bench_run run = {.format = options.format, .mode = options.mode};
    uint8_t *input = measure_read_file(options.input_path, &run.input_size);
    if (input == NULL) {
        fprintf(stderr, "ptm_bench: cannot read %s\n", options.input_path);
        return 2;
    }
    run.input = input;
    run.converter = create_converter(options.config_path, options.mode);
    measurement m = {0};
    uint64_t samples_per_input = 0;
    int status = run.converter != NULL && measure_mode(&options, &run, &samples_per_input, &m) == 0 ? 0 : 1;
    if (status == 0 && options.output_path != NULL && write_output(options.output_path, &run) != 0)
        status = 1;
    if (status == 0)
        print_result(&options, &run, samples_per_input, &m);
    ptm_converter_free(run.converter);
    free(input);
    return status;
}
