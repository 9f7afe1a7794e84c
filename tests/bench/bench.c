/*
 * bench.c: converts one request file repeatedly and prints throughput.
 *
 *   ptm_bench FILE [SECONDS]
 *
 * Prints, per output format, samples/second and ns/sample over as many
 * conversions as fit in SECONDS (default 3) after one warm-up. Measures the
 * whole ptm_convert() call: decode, aggregation and encoding.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ptm.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    uint8_t *data = malloc(length > 0 ? (size_t)length : 1);
    if (data != NULL && fread(data, 1, (size_t)length, file) != (size_t)length) {
        free(data);
        data = NULL;
    }
    fclose(file);
    *size = (size_t)length;
    return data;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ptm_bench FILE [SECONDS [CONFIG.json]]\n");
        return 2;
    }
    double budget = argc > 2 ? atof(argv[2]) : 3.0;
    size_t size = 0;
    uint8_t *input = read_all(argv[1], &size);
    if (input == NULL) {
        fprintf(stderr, "ptm_bench: cannot read %s\n", argv[1]);
        return 2;
    }
    static const struct { ptm_format format; const char *name; } formats[] = {
        {PTM_FORMAT_OTLP_PROTOBUF, "otlp"}, {PTM_FORMAT_OTLP_JSON, "json"},
        {PTM_FORMAT_PROMETHEUS, "prom"}};
    size_t config_size = 0;
    uint8_t *config = argc > 3 ? read_all(argv[3], &config_size) : NULL;
    if (argc > 3 && config == NULL) {
        fprintf(stderr, "ptm_bench: cannot read %s\n", argv[3]);
        return 2;
    }
    char error[256];
    ptm_converter *converter = NULL;
    if (ptm_converter_create((const char *)config, config_size, NULL, &converter, error, sizeof error) != PTM_OK) {
        fprintf(stderr, "ptm_bench: %s\n", error);
        return 2;
    }
    free(config);
    printf("input: %s, %zu bytes\n", argv[1], size);
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        const uint8_t *output;
        size_t output_size;
        ptm_stats stats;
        if (ptm_convert(converter, input, size, formats[f].format, &output, &output_size, &stats) != PTM_OK) {
            fprintf(stderr, "ptm_bench: %s\n", ptm_converter_last_error(converter));
            return 1;
        }
        int runs = 0;
        double start = now_seconds(), elapsed;
        do {
            ptm_convert(converter, input, size, formats[f].format, &output, &output_size, &stats);
            runs++;
            elapsed = now_seconds() - start;
        } while (elapsed < budget);
        double samples = (double)stats.samples_total * runs;
        printf("%-5s %llu samples, %llu series, %zu output bytes: %d runs, %.0f samples/s, %.1f ns/sample, %.1f MB/s\n",
               formats[f].name, (unsigned long long)stats.samples_total,
               (unsigned long long)stats.series, output_size, runs, samples / elapsed,
               elapsed * 1e9 / samples, (double)size * runs / elapsed / 1e6);
    }
    ptm_converter_free(converter);
    free(input);
    return 0;
}
