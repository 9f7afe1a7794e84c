/*
 * arena.h: the per-conversion memory arena, growable arrays and byte buffers.
 *
 * Design (after upb's arena): every object a conversion creates lives in one
 * arena and is released at once by arena_free(). Allocation is a pointer bump
 * inside blocks obtained from the converter's ptm_allocator; a block is never
 * freed before the arena is. Allocation failure is sticky: once an allocation
 * fails, arena->failed stays set so that callers may check once per stage.
 */
#ifndef PTM_ARENA_H
#define PTM_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ptm.h"

typedef struct arena_block arena_block;

typedef struct arena {
    ptm_allocator allocator;  /* where blocks come from; not owned */
    arena_block *blocks;      /* newest first; each freed by arena_free() */
    uint8_t *cursor;          /* next free byte of blocks (cursor <= limit) */
    uint8_t *limit;           /* end of the newest block */
    size_t next_block_size;   /* doubles up to ARENA_MAX_BLOCK */
    bool failed;              /* an allocation failed since arena_init() */
} arena;

/* libc's malloc and free: the allocator of a caller that gives none. */
extern const ptm_allocator libc_allocator;

/* Starts an empty arena drawing on allocator. No allocation happens here. */
void arena_init(arena *a, const ptm_allocator *allocator);
/* Releases every block. The arena may be reused after arena_init(). */
void arena_free(arena *a);
/* Forgets every allocation but keeps the largest block for the next use
 * (a converter's arena: no allocator round trip per conversion). */
void arena_reset(arena *a);
/* size bytes aligned to 8, uninitialised, or NULL (and a->failed) on failure. */
void *arena_alloc(arena *a, size_t size);
/* Like arena_alloc but zeroed. */
void *arena_calloc(arena *a, size_t count, size_t size);
/* A copy of size bytes (not NUL-terminated), or NULL. */
void *arena_dup(arena *a, const void *data, size_t size);

/* A byte range that points into memory owned by someone else (the input, or
 * the arena). Never NUL-terminated. */
typedef struct byte_slice {
    const uint8_t *data;
    size_t size;
} byte_slice;

bool slice_equals(byte_slice a, byte_slice b);
bool slice_equals_cstr(byte_slice a, const char *text);

/*
 * A growable array in the arena. Growing copies into a new region twice the
 * size; the old one is left to the arena. items is NULL while capacity is 0.
 */
typedef struct arena_vector {
    void *items;
    uint32_t count;
    uint32_t capacity;
} arena_vector;

/* Doubles the room of a full vector; false when memory ran out. */
bool vector_grow(arena *a, arena_vector *v, size_t item_size);

/* Room for one more item of item_size bytes; returns it (zeroed) or NULL.
 * Inline: the hot paths push a few items per sample. */
static inline void *vector_push(arena *a, arena_vector *v, size_t item_size)
{
    if (v->count == v->capacity && !vector_grow(a, v, item_size))
        return NULL;
    uint8_t *item = (uint8_t *)v->items + (size_t)v->count * item_size;
    v->count++;
    memset(item, 0, item_size);
    return item;
}

/* An output buffer that grows through the arena, up to limit bytes. */
typedef struct byte_buffer {
    arena *arena;
    uint8_t *data;
    size_t size;
    size_t capacity;
    size_t limit;      /* size may not pass it: SIZE_MAX after buffer_init() */
    bool over_limit;   /* an append was refused for limit */
} byte_buffer;

void buffer_init(byte_buffer *b, arena *a);
/* Appends; false when memory ran out or size would pass limit (over_limit
 * says which); the buffer keeps what it had. */
bool buffer_append(byte_buffer *b, const void *data, size_t size);
bool buffer_append_cstr(byte_buffer *b, const char *text);
bool buffer_append_char(byte_buffer *b, char c);
bool buffer_printf(byte_buffer *b, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Makes a NUL-terminated message one printable line: control characters
 * (newlines from keys or values quoted in it) become '?'. */
void message_one_line(char *message);

/*
 * The capacity a table indexed by id (one entry per interned string, say)
 * needs to hold index: the current one doubled until it does, 64 at least.
 * Grown this way, a table that follows an interner one id at a time costs
 * O(its final size) in all, the outgrown copies left in the arena included,
 * and a small input pays for a small table.
 */
static inline uint32_t capacity_for(uint32_t capacity, uint32_t index)
{
    uint64_t grown = capacity < 64 ? 64 : capacity;
    while (grown <= index)
        grown *= 2;
    return grown > UINT32_MAX ? UINT32_MAX : (uint32_t)grown;
}

#endif /* PTM_ARENA_H */
