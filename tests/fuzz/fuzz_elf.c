/*
 * fuzz_elf.c: libFuzzer target over the ELF symbol reader (src/symbols/elf_symbols.c).
 *
 * Input: an ELF file, whole (no leading byte: every byte is the file's). It
 * is read with elf_read_symbols() through a counting allocator, twice: once
 * as is, once with the allocator failing at the N-th allocation (N from the
 * input's size), so that every failure path runs. Checks (names in
 * brackets, as in fuzz_common.h):
 *  - [elf-result]   a failure is PTM_ERR_INPUT, PTM_ERR_LIMIT or
 *                   PTM_ERR_NOMEM (NOMEM only when an allocation failed), with
 *                   a one-line message starting "ELF: " (or "out of memory"),
 *                   and leaves the table zeroed;
 *  - [elf-table]    a success: functions strictly sorted by start, every name
 *                   non-empty, at most ELF_MAX_NAME_BYTES, without NUL;
 *                   symbol_table_find() of each start gives that function;
 *                   the source is NONE exactly when there are no functions;
 *                   build ID and debuglink within their bounds;
 *  - [elf-lookup]   for tables of up to 256 functions, symbol_table_find() at
 *                   each start - 1, end - 1, end and the size-0 reach agrees
 *                   with a linear reading of the contract;
 *  - [elf-determinism] the second read, when it succeeds, gives the same
 *                   functions (starts, sizes, names) and build ID;
 *  - [elf-leak]     nothing allocated is live after symbol_table_free (or a
 *                   failure).
 * Seeds: tests/fuzz/make-seeds.sh elf DIR.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* src/ is not on the fuzz targets' include path (src/base/limits.h would shadow
 * <limits.h>): the header is named by its place, and finds its own
 * neighbours (arena.h, status.h) next to it. */
#include "symbols/elf_symbols.h"

typedef struct fuzz_allocator {
    long allocations, live, fail_at; /* fail_at 0: never */
} fuzz_allocator;

static void *fuzz_malloc(void *context, size_t size)
{
    fuzz_allocator *counter = context;
    counter->allocations++;
    if (counter->fail_at != 0 && counter->allocations == counter->fail_at)
        return NULL;
    void *pointer = malloc(size);
    counter->live += pointer != NULL;
    return pointer;
}

static void fuzz_free(void *context, void *pointer)
{
    fuzz_allocator *counter = context;
    if (pointer == NULL)
        return;
    counter->live--;
    free(pointer);
}

static void check_failure(const ptm_status *status, const symbol_table *table, bool allocation_failed)
{
    const char *message = status->message;
    bool code_ok = status->code == PTM_ERR_INPUT || status->code == PTM_ERR_LIMIT ||
                   (status->code == PTM_ERR_NOMEM && allocation_failed);
    if (!code_ok)
        fuzz_fail("elf-result", "an unexpected result", ptm_result_name(status->code),
                  strlen(ptm_result_name(status->code)));
    if (strchr(message, '\n') != NULL || strchr(message, '\r') != NULL)
        fuzz_fail("elf-result", "a message of more than one line", message, strlen(message));
    if (status->code != PTM_ERR_NOMEM && strncmp(message, "ELF: ", 5) != 0)
        fuzz_fail("elf-result", "a message not starting \"ELF: \"", message, strlen(message));
    if (table->functions != NULL || table->function_count != 0 || table->build_id_size != 0 ||
        table->debuglink.size != 0 || table->bytes != 0)
        fuzz_fail("elf-result", "a failure left something in the table", NULL, 0);
}

static void check_table(const symbol_table *table)
{
    if ((table->function_count == 0) != (table->source == ELF_SYMBOLS_NONE))
        fuzz_fail("elf-table", "source NONE differs from no functions", NULL, 0);
    if (table->function_count > ELF_MAX_FUNCTIONS || table->build_id_size > ELF_BUILD_ID_MAX ||
        table->debuglink.size > ELF_MAX_NAME_BYTES)
        fuzz_fail("elf-table", "a bound exceeded", NULL, 0);
    if (table->debuglink.size > 0 && memchr(table->debuglink.data, 0, table->debuglink.size) != NULL)
        fuzz_fail("elf-table", "a NUL in the debuglink", NULL, 0);
    for (uint32_t i = 0; i < table->function_count; i++) {
        const elf_function *function = &table->functions[i];
        if (function->name.size == 0 || function->name.size > ELF_MAX_NAME_BYTES ||
            memchr(function->name.data, 0, function->name.size) != NULL)
            fuzz_fail("elf-table", "a bad name", function->name.data, function->name.size);
        if (i > 0 && table->functions[i - 1].start >= function->start)
            fuzz_fail("elf-table", "functions not strictly sorted", NULL, 0);
        if (symbol_table_find(table, function->start) != function)
            fuzz_fail("elf-table", "the lookup of a start misses its function", function->name.data,
                      function->name.size);
    }
}

/* The contract of symbol_table_find(), read linearly: the function with the
 * greatest start <= address, if address is inside its size (or, size 0,
 * before the next start and within ELF_SIZELESS_REACH). */
static const elf_function *linear_find(const symbol_table *table, uint64_t address)
{
    const elf_function *best = NULL;
    uint32_t next = 0;
    for (uint32_t i = 0; i < table->function_count; i++) {
        if (table->functions[i].start <= address) {
            best = &table->functions[i];
            next = i + 1;
        }
    }
    if (best == NULL)
        return NULL;
    uint64_t offset = address - best->start;
    if (best->size != 0)
        return offset < best->size ? best : NULL;
    uint64_t reach = ELF_SIZELESS_REACH;
    if (next < table->function_count && table->functions[next].start - best->start < reach)
        reach = table->functions[next].start - best->start;
    return offset < reach ? best : NULL;
}

static void check_lookups(const symbol_table *table)
{
    if (table->function_count > 256)
        return;
    for (uint32_t i = 0; i < table->function_count; i++) {
        const elf_function *f = &table->functions[i];
        uint64_t end = f->start + (f->size != 0 ? f->size : ELF_SIZELESS_REACH);
        uint64_t probes[] = {f->start - 1, f->start, end - 1, end, end + 1};
        for (size_t k = 0; k < sizeof probes / sizeof probes[0]; k++) {
            if (symbol_table_find(table, probes[k]) != linear_find(table, probes[k]))
                fuzz_fail("elf-lookup", "symbol_table_find differs from the linear reading", f->name.data,
                          f->name.size);
        }
    }
}

static bool same_tables(const symbol_table *a, const symbol_table *b)
{
    if (a->function_count != b->function_count || a->source != b->source || a->build_id_size != b->build_id_size ||
        memcmp(a->build_id, b->build_id, a->build_id_size) != 0 || !slice_equals(a->debuglink, b->debuglink))
        return false;
    for (uint32_t i = 0; i < a->function_count; i++) {
        const elf_function *x = &a->functions[i], *y = &b->functions[i];
        if (x->start != y->start || x->size != y->size || !slice_equals(x->name, y->name))
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_allocator counter = {0, 0, 0};
    ptm_allocator allocator = {fuzz_malloc, fuzz_free, &counter};
    ptm_status status;
    status_init(&status);
    symbol_table table;
    bool ok = elf_read_symbols(data, size, &allocator, &table, &status);
    if (ok) {
        check_table(&table);
        check_lookups(&table);
    } else
        check_failure(&status, &table, false);

    fuzz_allocator failing = {0, 0, 1 + (long)(size % 5)};
    ptm_allocator failing_allocator = {fuzz_malloc, fuzz_free, &failing};
    ptm_status again_status;
    status_init(&again_status);
    symbol_table again;
    bool again_ok = elf_read_symbols(data, size, &failing_allocator, &again, &again_status);
    if (again_ok) {
        check_table(&again);
        if (!ok || !same_tables(&table, &again))
            fuzz_fail("elf-determinism", "a second read differs", NULL, 0);
        symbol_table_free(&again);
    } else {
        check_failure(&again_status, &again, failing.allocations >= failing.fail_at);
        if (ok && again_status.code != PTM_ERR_NOMEM)
            fuzz_fail("elf-determinism", "a second read fails otherwise than out of memory", again_status.message,
                      strlen(again_status.message));
    }
    if (ok)
        symbol_table_free(&table);
    if (counter.live != 0 || failing.live != 0)
        fuzz_fail("elf-leak", "memory live after symbol_table_free or a failure", NULL, 0);
    return 0;
}
