/*
 * test_arena_poison.c: the arena as AddressSanitizer sees it (src/base/arena.c).
 * In the sanitizer build (PTM_SANITIZE, make test-asan) it checks that:
 *  - every byte of an allocation is addressable and the byte just past it is
 *    poisoned, whatever its size; poisoned bytes separate it from the next;
 *  - the free space of the newest block (cursor .. limit) is poisoned, in
 *    the first block and in a later one;
 *  - returned pointers are 8-aligned; a zero-byte allocation has no
 *    addressable byte;
 *  - vector and buffer growth keep their contents, and the byte past the new
 *    storage is poisoned;
 *  - after arena_reset() the old allocations and the kept block are poisoned
 *    and a fresh allocation is addressable;
 *  - blocks go back to the allocator unpoisoned: this test's allocator writes
 *    over every block it frees, as a pool allocator might.
 * Other builds have no poisoning to check: the program says it is skipped.
 *
 * Usage: test_arena_poison [REPO_ROOT] (unused)
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "check.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(TEST_ASAN)
#define TEST_ASAN 1
#endif

#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>

/* An allocator that keeps each block's size in front of it, counts live
 * blocks, and fills a block with 0xdd when it is freed. */
typedef struct scribbling_allocator {
    long live;
} scribbling_allocator;

enum { SCRIBBLE_HEADER = 16 };

static void *scribbling_malloc(void *context, size_t size)
{
    scribbling_allocator *allocator = context;
    uint8_t *memory = malloc(SCRIBBLE_HEADER + size);
    if (memory == NULL)
        return NULL;
    memcpy(memory, &size, sizeof size);
    allocator->live++;
    return memory + SCRIBBLE_HEADER;
}

static void scribbling_free(void *context, void *pointer)
{
    scribbling_allocator *allocator = context;
    if (pointer == NULL)
        return;
    uint8_t *memory = (uint8_t *)pointer - SCRIBBLE_HEADER;
    size_t size;
    memcpy(&size, memory, sizeof size);
    memset(pointer, 0xdd, size); /* ASan reports a block freed while poisoned */
    allocator->live--;
    free(memory);
}

static scribbling_allocator scribbler;
static const ptm_allocator scribbling = {scribbling_malloc, scribbling_free, &scribbler};

static bool poisoned(const void *address)
{
    return __asan_address_is_poisoned(address) != 0;
}

static bool all_addressable(const void *start, size_t size)
{
    return __asan_region_is_poisoned((void *)start, size) == NULL;
}

static bool all_poisoned(const void *start, size_t size)
{
    const uint8_t *bytes = start;
    for (size_t i = 0; i < size; i++) {
        if (!poisoned(bytes + i))
            return false;
    }
    return true;
}

static bool aligned(const void *pointer)
{
    return (uintptr_t)pointer % 8 == 0;
}

/* The bytes from cursor to limit: the newest block's free space. */
static bool free_space_poisoned(const arena *a)
{
    return a->cursor < a->limit && all_poisoned(a->cursor, (size_t)(a->limit - a->cursor));
}

static void test_allocations(void)
{
    static const size_t sizes[] = {1, 7, 8, 13, 24, 100, 4096};
    arena a;
    arena_init(&a, &scribbling);
    const uint8_t *previous_end = NULL;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *p = arena_alloc(&a, sizes[i]);
        CHECK(p != NULL && aligned(p), "an allocation is 8-aligned");
        if (p == NULL)
            break;
        memset(p, 0xab, sizes[i]);
        CHECK(all_addressable(p, sizes[i]), "an allocation is addressable");
        CHECK(poisoned(p + sizes[i]), "the byte past an allocation is poisoned");
        if (previous_end != NULL)
            CHECK(previous_end < p && all_poisoned(previous_end, (size_t)(p - previous_end)),
                  "poisoned bytes separate an allocation from the next");
        CHECK(free_space_poisoned(&a), "the free space is poisoned");
        previous_end = p + sizes[i];
    }
    uint8_t *empty = arena_alloc(&a, 0);
    CHECK(empty != NULL && aligned(empty) && poisoned(empty), "a zero-byte allocation has no byte");
    arena_free(&a);
}

static void test_new_block(void)
{
    arena a;
    arena_init(&a, &scribbling);
    uint8_t *small = arena_alloc(&a, 40);
    uint8_t *large = arena_alloc(&a, 20000); /* more than the first block holds */
    CHECK(small != NULL && large != NULL, "two blocks");
    if (small == NULL || large == NULL) {
        arena_free(&a);
        return;
    }
    CHECK(aligned(large), "a new block's allocation is 8-aligned");
    CHECK(all_addressable(small, 40), "the old block's allocation stays addressable");
    CHECK(all_addressable(large, 20000), "the new block's allocation is addressable");
    CHECK(poisoned(small + 40) && poisoned(large + 20000), "the bytes past both are poisoned");
    CHECK(free_space_poisoned(&a), "the new block's free space is poisoned");
    arena_free(&a);
}

static void test_vector_growth(void)
{
    arena a;
    arena_init(&a, &scribbling);
    arena_vector v = {0};
    bool pushed = true;
    for (uint64_t i = 0; i < 1000 && pushed; i++) {
        uint64_t *item = vector_push(&a, &v, sizeof *item);
        pushed = item != NULL;
        if (pushed)
            *item = i;
    }
    CHECK(pushed && v.count == 1000, "a vector grows");
    bool intact = true;
    for (uint32_t i = 0; i < v.count; i++)
        intact = intact && ((uint64_t *)v.items)[i] == i;
    CHECK(intact, "growing keeps a vector's items");
    CHECK(poisoned((uint64_t *)v.items + v.capacity), "the byte past a vector's storage is poisoned");
    arena_free(&a);
}

static void test_buffer_growth(void)
{
    arena a;
    arena_init(&a, &scribbling);
    byte_buffer b;
    buffer_init(&b, &a);
    bool appended = true;
    for (int i = 0; i < 500 && appended; i++)
        appended = buffer_append_cstr(&b, "0123456789");
    char line[300];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\0';
    appended = appended && buffer_printf(&b, "<%s>", line); /* longer than printf's 128 bytes */
    CHECK(appended && b.size == 5000 + 301, "a buffer grows");
    CHECK(b.data != NULL && memcmp(b.data + 4990, "0123456789<xx", 13) == 0 && b.data[b.size - 1] == '>',
          "growing keeps a buffer's bytes");
    CHECK(b.data != NULL && poisoned(b.data + b.capacity), "the byte past a buffer's storage is poisoned");
    arena_free(&a);
}

static void test_reset(void)
{
    arena a;
    arena_init(&a, &scribbling);
    uint8_t *old = arena_alloc(&a, 32);
    uint8_t *spill = arena_alloc(&a, 30000); /* a second, larger block */
    CHECK(old != NULL && spill != NULL, "allocations before the reset");
    if (old != NULL && spill != NULL) {
        memset(old, 1, 32);
        memset(spill, 2, 30000);
    }
    arena_reset(&a); /* frees the first block (scribbled over), keeps the second */
    CHECK(scribbler.live == 1, "a reset keeps one block");
    CHECK(spill == NULL || poisoned(spill), "an allocation from before the reset is poisoned");
    CHECK(free_space_poisoned(&a), "the kept block is poisoned after a reset");
    uint8_t *fresh = arena_alloc(&a, 32);
    CHECK(fresh != NULL && aligned(fresh), "an allocation after a reset");
    if (fresh != NULL) {
        CHECK(all_addressable(fresh, 32), "an allocation after a reset is addressable");
        CHECK(poisoned(fresh + 32), "the byte past it is poisoned");
        memset(fresh, 3, 32);
    }
    CHECK(free_space_poisoned(&a), "the free space after it is poisoned");
    arena_free(&a); /* the kept block, scribbled over */
    CHECK(scribbler.live == 0, "arena_free returns every block");
}

int main(void)
{
    test_allocations();
    test_new_block();
    test_vector_growth();
    test_buffer_growth();
    test_reset();
    CHECK(scribbler.live == 0, "no block is left");
    return check_report();
}

#else

int main(void)
{
    printf("test_arena_poison: skipped (not an AddressSanitizer build)\n");
    return 0;
}

#endif
