/*
 * check.h: the C unit tests' few helpers. CHECK records a named expectation;
 * check_report() prints "N passed, M failed" and gives main's exit code.
 * Also: a counting allocator and a whole-file reader for the tests.
 */
#ifndef PTM_CHECK_H
#define PTM_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_passed, check_failed;

#define CHECK(condition, name)                                                  \
    do {                                                                        \
        if (condition) {                                                        \
            check_passed++;                                                     \
        } else {                                                                \
            check_failed++;                                                     \
            fprintf(stderr, "FAIL %s:%d: %s (%s)\n", __FILE__, __LINE__, name,  \
                    #condition);                                                \
        }                                                                       \
    } while (0)

static int check_report(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

/* An allocator (ptm_allocator's functions, context: a counting_allocator)
 * that counts what is live and can be told to fail the N-th allocation. */
typedef struct counting_allocator {
    long allocations, live;
    long fail_at; /* 0: never */
} counting_allocator;

static void *counting_malloc(void *context, size_t size)
{
    counting_allocator *counter = context;
    counter->allocations++;
    if (counter->fail_at != 0 && counter->allocations == counter->fail_at)
        return NULL;
    void *pointer = malloc(size);
    if (pointer != NULL)
        counter->live++;
    return pointer;
}

static void counting_free(void *context, void *pointer)
{
    counting_allocator *counter = context;
    if (pointer == NULL)
        return;
    counter->live--;
    free(pointer);
}

/* Reads a whole file; NULL when it cannot. */
static unsigned char *check_read_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    unsigned char *data = malloc(length > 0 ? (size_t)length : 1);
    if (data != NULL && fread(data, 1, (size_t)length, file) != (size_t)length) {
        free(data);
        data = NULL;
    }
    fclose(file);
    *size = (size_t)length;
    return data;
}

#endif /* PTM_CHECK_H */
