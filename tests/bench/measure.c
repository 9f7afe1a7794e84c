/*
 * measure.c: the timing protocol of measure.h: warm-up, batches sized from
 * it, the median of the batches' CPU time per run. Also built for WASI
 * (build/wasi/ptm_bench.wasm, run in wasmtime): there the clock is
 * CLOCK_MONOTONIC and the peak "RSS" the linear memory's size (see
 * cpu_seconds and measure_peak_rss_kib).
 */
#define _POSIX_C_SOURCE 199309L
#include "measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifndef __wasi__
#include <sys/resource.h>
#endif

enum { MAX_BATCHES = 64 };

measure_plan measure_default_plan(void)
{
    measure_plan plan = {.warm_seconds = 0.3, .batch_seconds = 0.2, .batches = 5};
    return plan;
}

static int parse_double(const char *text, double *value)
{
    char *end = NULL;
    *value = strtod(text, &end);
    return end != text && *end == '\0' && *value >= 0 ? 0 : -1;
}

int measure_parse_option(measure_plan *plan, int argc, char **argv, int *at)
{
    const char *name = argv[*at];
    int known = strcmp(name, "--warm-seconds") == 0 || strcmp(name, "--batch-seconds") == 0 ||
                strcmp(name, "--batches") == 0;
    if (!known)
        return 0;
    if (*at + 1 >= argc)
        return -1;
    double value = 0;
    if (parse_double(argv[*at + 1], &value) != 0)
        return -1;
    if (strcmp(name, "--warm-seconds") == 0)
        plan->warm_seconds = value;
    else if (strcmp(name, "--batch-seconds") == 0)
        plan->batch_seconds = value;
    else if (value < 1 || value > MAX_BATCHES)
        return -1;
    else
        plan->batches = (int)value;
    *at += 2;
    return 1;
}

/* The process's CPU time. Under WASI, wall time on the monotonic clock
 * instead: WASI has no process CPU clock (wasi-libc declares
 * CLOCK_PROCESS_CPUTIME_ID only with -D_WASI_EMULATED_PROCESS_CLOCKS, and
 * wasmtime fails clock_gettime on it; the emulated getrusage and clock() are
 * the monotonic time since start-up anyway). A wasm module runs on one
 * thread, so on an idle core wall time is its CPU time; on a busy machine it
 * also counts what others took meanwhile. */
static double cpu_seconds(void)
{
    struct timespec ts;
#ifdef __wasi__
    clock_gettime(CLOCK_MONOTONIC, &ts);
#else
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
#endif
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs work n times; the CPU seconds they took, or -1 on a failed run. */
static double timed_runs(measure_work work, void *context, uint64_t n)
{
    double start = cpu_seconds();
    for (uint64_t i = 0; i < n; i++) {
        if (work(context) != 0)
            return -1;
    }
    return cpu_seconds() - start;
}

/* Warms up; returns the mean seconds per run, or -1 on a failed run. */
static double warm_up(measure_work work, void *context, double warm_seconds)
{
    double start = cpu_seconds(), elapsed;
    uint64_t runs = 0;
    do {
        if (work(context) != 0)
            return -1;
        runs++;
        elapsed = cpu_seconds() - start;
    } while (elapsed < warm_seconds);
    return elapsed / (double)runs;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int measure(measure_work work, void *context, const measure_plan *plan, measurement *result)
{
    double per_run = warm_up(work, context, plan->warm_seconds);
    if (per_run < 0)
        return -1;
    uint64_t batch_runs = per_run > 0 ? (uint64_t)(plan->batch_seconds / per_run + 0.5) : 1;
    if (batch_runs < 1)
        batch_runs = 1;
    double per_batch[MAX_BATCHES];
    for (int b = 0; b < plan->batches; b++) {
        double seconds = timed_runs(work, context, batch_runs);
        if (seconds < 0)
            return -1;
        per_batch[b] = seconds / (double)batch_runs;
    }
    qsort(per_batch, (size_t)plan->batches, sizeof per_batch[0], compare_doubles);
    int middle = plan->batches / 2;
    result->seconds_per_run = plan->batches % 2 ? per_batch[middle]
                                                : (per_batch[middle - 1] + per_batch[middle]) / 2;
    result->runs = batch_runs * (uint64_t)plan->batches;
    return 0;
}

long measure_peak_rss_kib(void)
{
#ifdef __wasi__
    /* No getrusage (nor ru_maxrss) in WASI: the module's linear memory,
     * which only grows, is its peak; the engine's own memory is not in it. */
    return (long)(__builtin_wasm_memory_size(0) * 64);
#else
    struct rusage usage;
    return getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_maxrss : -1;
#endif
}

uint8_t *measure_read_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    uint8_t *data = NULL;
    long length = fseek(file, 0, SEEK_END) == 0 ? ftell(file) : -1;
    if (length >= 0 && fseek(file, 0, SEEK_SET) == 0)
        data = malloc(length > 0 ? (size_t)length : 1);
    if (data != NULL && fread(data, 1, (size_t)length, file) != (size_t)length) {
        free(data);
        data = NULL;
    }
    fclose(file);
    *size = data != NULL ? (size_t)length : 0;
    return data;
}
