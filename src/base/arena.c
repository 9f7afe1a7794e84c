/*
 * arena.c: bump allocation in chained blocks, growable arrays, byte buffers.
 * See arena.h for the design.
 *
 * Under AddressSanitizer (the PTM_SANITIZE and PTM_FUZZ builds) the arena
 * tells ASan what is live: a block's free space is poisoned when the block is
 * made and again by arena_reset(), each allocation is unpoisoned to exactly
 * its size, and ARENA_REDZONE poisoned bytes follow it, so that running off
 * the end of one object (into the next or into free space) is reported.
 * Blocks are unpoisoned before they go back to the allocator. Other builds
 * have no red zone and no poisoning: their behaviour is unchanged. The
 * assert()s hold in the sanitizer and fuzz builds (NDEBUG is off there).
 */
#include "base/arena.h"

#include <stdlib.h>

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(ARENA_ASAN)
#define ARENA_ASAN 1
#endif

#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
enum { ARENA_REDZONE = 16 }; /* poisoned bytes after each allocation; a multiple of 8 */
#else
enum { ARENA_REDZONE = 0 };
#endif

enum { ARENA_FIRST_BLOCK = 16 * 1024, ARENA_MAX_BLOCK = 8 * 1024 * 1024 };

struct arena_block {
    arena_block *next;
    size_t size; /* of the usable bytes that follow the header */
};

#define ARENA_ALIGN 8
#define ALIGN_UP(n) (((n) + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1))

/* Marks size bytes at start unusable (ASan builds; otherwise nothing). */
static void poison(void *start, size_t size)
{
#ifdef ARENA_ASAN
    ASAN_POISON_MEMORY_REGION(start, size);
#else
    (void)start;
    (void)size;
#endif
}

/* Marks size bytes at start usable again (ASan builds; otherwise nothing). */
static void unpoison(void *start, size_t size)
{
#ifdef ARENA_ASAN
    ASAN_UNPOISON_MEMORY_REGION(start, size);
#else
    (void)start;
    (void)size;
#endif
}

/* The usable bytes of block, after its header. */
static uint8_t *block_start(arena_block *block)
{
    return (uint8_t *)(block + 1);
}

/* Gives block back to the allocator, usable again for whoever gets it next. */
static void block_release(arena *a, arena_block *block)
{
    unpoison(block_start(block), block->size);
    a->allocator.free_fn(a->allocator.context, block);
}

static void *libc_malloc(void *context, size_t size)
{
    (void)context;
    return malloc(size);
}

static void libc_free(void *context, void *pointer)
{
    (void)context;
    free(pointer);
}

const ptm_allocator libc_allocator = {libc_malloc, libc_free, NULL};

void arena_init(arena *a, const ptm_allocator *allocator)
{
    a->allocator = *allocator;
    a->blocks = NULL;
    a->cursor = NULL;
    a->limit = NULL;
    a->next_block_size = ARENA_FIRST_BLOCK;
    a->failed = false;
}

void arena_free(arena *a)
{
    arena_block *block = a->blocks;
    while (block != NULL) {
        arena_block *next = block->next;
        block_release(a, block);
        block = next;
    }
    a->blocks = NULL;
    a->cursor = NULL;
    a->limit = NULL;
}

void arena_reset(arena *a)
{
    arena_block *largest = NULL;
    for (arena_block *block = a->blocks; block != NULL;) {
        arena_block *next = block->next;
        if (largest == NULL || block->size > largest->size) {
            if (largest != NULL)
                block_release(a, largest);
            largest = block;
        } else {
            block_release(a, block);
        }
        block = next;
    }
    a->blocks = largest;
    a->failed = false;
    a->next_block_size = ARENA_FIRST_BLOCK;
    if (largest == NULL) {
        a->cursor = a->limit = NULL;
        return;
    }
    largest->next = NULL;
    a->cursor = block_start(largest);
    a->limit = a->cursor + largest->size;
    poison(a->cursor, largest->size);
    while (a->next_block_size < largest->size && a->next_block_size < ARENA_MAX_BLOCK)
        a->next_block_size *= 2;
}

static bool arena_grow(arena *a, size_t size)
{
    size_t block_size = a->next_block_size;
    if (block_size < size)
        block_size = size;
    if (block_size > SIZE_MAX - sizeof(arena_block) - ARENA_ALIGN)
        return false;
    arena_block *block = a->allocator.malloc_fn(a->allocator.context,
                                                sizeof(arena_block) + ALIGN_UP(block_size));
    if (block == NULL)
        return false;
    block->next = a->blocks;
    block->size = block_size;
    a->blocks = block;
    a->cursor = block_start(block);
    a->limit = a->cursor + block_size;
    poison(a->cursor, block_size);
    if (a->next_block_size < ARENA_MAX_BLOCK)
        a->next_block_size *= 2;
    return true;
}

/* size bytes, then the red zone (none outside ASan builds). */
void *arena_alloc(arena *a, size_t size)
{
    if (size > SIZE_MAX - ARENA_ALIGN - ARENA_REDZONE) {
        a->failed = true;
        return NULL;
    }
    size_t span = ALIGN_UP(size == 0 ? 1 : size) + ARENA_REDZONE;
    if ((size_t)(a->limit - a->cursor) < span || a->cursor == NULL) {
        if (!arena_grow(a, span)) {
            a->failed = true;
            return NULL;
        }
    }
    void *result = a->cursor;
    a->cursor += span;
    assert(a->cursor <= a->limit);
    assert((uintptr_t)result % ARENA_ALIGN == 0);
    unpoison(result, size);
    return result;
}

void *arena_calloc(arena *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        a->failed = true;
        return NULL;
    }
    void *result = arena_alloc(a, count * size);
    if (result != NULL)
        memset(result, 0, count * size);
    return result;
}

void *arena_dup(arena *a, const void *data, size_t size)
{
    void *result = arena_alloc(a, size);
    if (result != NULL && size > 0)
        memcpy(result, data, size);
    return result;
}

/* Whether n bytes at x and y are equal, eight at a time (wasi-libc's
 * memcmp compares one at a time, and interning compares every string it
 * finds). */
static bool bytes_equal(const uint8_t *x, const uint8_t *y, size_t n)
{
    for (; n >= 8; x += 8, y += 8, n -= 8) {
        uint64_t u, v;
        memcpy(&u, x, 8);
        memcpy(&v, y, 8);
        if (u != v)
            return false;
    }
    uint8_t differ = 0;
    for (size_t i = 0; i < n; i++)
        differ |= x[i] ^ y[i];
    return differ == 0;
}

bool slice_equals(byte_slice a, byte_slice b)
{
    return a.size == b.size && (a.size == 0 || bytes_equal(a.data, b.data, a.size));
}

bool slice_equals_cstr(byte_slice a, const char *text)
{
    size_t length = strlen(text);
    return a.size == length && (length == 0 || bytes_equal(a.data, (const uint8_t *)text, length));
}

bool vector_grow(arena *a, arena_vector *v, size_t item_size)
{
    if (v->capacity >= UINT32_MAX / 2) {
        a->failed = true;
        return false;
    }
    uint32_t capacity = v->capacity == 0 ? 8 : v->capacity * 2;
    /* The vector's items the arena's last allocation, with room after them
     * in its block: they grow in place, copying nothing (a table read in
     * one run, as the dictionary's strings are). */
    uint8_t *start = v->items;
    size_t span = ALIGN_UP((size_t)capacity * item_size) + ARENA_REDZONE;
    if (start != NULL && start + ALIGN_UP((size_t)v->capacity * item_size) + ARENA_REDZONE == a->cursor &&
        (size_t)(a->limit - start) >= span) {
        a->cursor = start + span;
        unpoison(start, (size_t)capacity * item_size);
        v->capacity = capacity;
        return true;
    }
    void *items = arena_alloc(a, (size_t)capacity * item_size);
    if (items == NULL)
        return false;
    if (v->count > 0)
        memcpy(items, v->items, (size_t)v->count * item_size);
    v->items = items;
    v->capacity = capacity;
    return true;
}

void buffer_init(byte_buffer *b, arena *a)
{
    b->arena = a;
    b->data = NULL;
    b->size = 0;
    b->capacity = 0;
    b->limit = SIZE_MAX;
    b->over_limit = false;
}

static bool buffer_reserve(byte_buffer *b, size_t extra)
{
    if (b->capacity - b->size >= extra && b->data != NULL)
        return true;
    if (extra > b->limit - b->size) {
        b->over_limit = true;
        return false;
    }
    if (extra > SIZE_MAX / 2 - b->size) {
        b->arena->failed = true;
        return false;
    }
    size_t capacity = b->capacity == 0 ? 256 : b->capacity * 2;
    while (capacity - b->size < extra)
        capacity *= 2;
    if (capacity > b->limit)
        capacity = b->limit; /* size + extra fits: appends past it come back here */
    uint8_t *data = arena_alloc(b->arena, capacity);
    if (data == NULL)
        return false;
    if (b->size > 0)
        memcpy(data, b->data, b->size);
    b->data = data;
    b->capacity = capacity;
    return true;
}

bool buffer_append(byte_buffer *b, const void *data, size_t size)
{
    if (!buffer_reserve(b, size))
        return false;
    if (size > 0)
        memcpy(b->data + b->size, data, size);
    b->size += size;
    return true;
}

bool buffer_append_cstr(byte_buffer *b, const char *text)
{
    return buffer_append(b, text, strlen(text));
}

bool buffer_append_char(byte_buffer *b, char c)
{
    return buffer_append(b, &c, 1);
}

bool buffer_printf(byte_buffer *b, const char *format, ...)
{
    char small[128];
    va_list args;
    va_start(args, format);
    int length = vsnprintf(small, sizeof small, format, args);
    va_end(args);
    if (length < 0)
        return false;
    if ((size_t)length < sizeof small)
        return buffer_append(b, small, (size_t)length);
    if (!buffer_reserve(b, (size_t)length + 1))
        return false;
    va_start(args, format);
    vsnprintf((char *)b->data + b->size, (size_t)length + 1, format, args);
    va_end(args);
    b->size += (size_t)length;
    return true;
}

void message_one_line(char *message)
{
    for (; *message != '\0'; message++) {
        if ((unsigned char)*message < 0x20 || *message == 0x7f)
            *message = '?';
    }
}
