/*
 * measure.h: the timing protocol shared by the C drivers of `make bench`
 * (bench.c, floor.c), and followed the same way by the Node, Go and JS
 * drivers, so that every row of the table is measured alike:
 *
 *   1. warm-up: run the work until warm_seconds of CPU time have passed (at
 *      least once); its mean time per run sizes the batches;
 *   2. batches: `batches` batches of k runs each, k chosen so that a batch
 *      takes about batch_seconds (at least one run);
 *   3. the figure: the median over the batches of (batch CPU time / k).
 *
 * Time is the process's CPU time (CLOCK_PROCESS_CPUTIME_ID): on a shared
 * machine it counts what this process used, not what others did meanwhile.
 * Under WASI (build/wasi/ptm_bench.wasm) it is CLOCK_MONOTONIC: WASI has no
 * process CPU clock (measure.c).
 * The input files and the drivers' options (--batches, --batch-seconds,
 * --warm-seconds) come from tests/bench/matrix.mjs.
 */
#ifndef PTM_BENCH_MEASURE_H
#define PTM_BENCH_MEASURE_H

#include <stddef.h>
#include <stdint.h>

typedef struct measure_plan {
    double warm_seconds;
    double batch_seconds;
    int batches;
} measure_plan;

/* The defaults: 0.3 s warm-up, 5 batches of about 0.2 s. */
measure_plan measure_default_plan(void);

/* Reads "--warm-seconds S", "--batch-seconds S" or "--batches N" at
 * argv[*at] (and its value) into plan, advancing *at past them; returns 1
 * when it read one, 0 when argv[*at] is none of those (*at unchanged), -1
 * on a missing or bad value. */
int measure_parse_option(measure_plan *plan, int argc, char **argv, int *at);

/* One run of the measured work; returns 0, or -1 to stop with an error. */
typedef int (*measure_work)(void *context);

typedef struct measurement {
    double seconds_per_run; /* the median over the batches */
    uint64_t runs;          /* runs timed (warm-up excluded) */
} measurement;

/* Measures work(context) by the protocol above; returns -1 when a run
 * failed, else 0 with *result filled. */
int measure(measure_work work, void *context, const measure_plan *plan, measurement *result);

/* The process's peak resident set (getrusage ru_maxrss), in KiB; under
 * WASI, the module's linear memory size. */
long measure_peak_rss_kib(void);

/* Reads a whole file into a malloc'ed buffer the caller frees; NULL when it
 * cannot be read. *size gets its length. */
uint8_t *measure_read_file(const char *path, size_t *size);

#endif /* PTM_BENCH_MEASURE_H */
