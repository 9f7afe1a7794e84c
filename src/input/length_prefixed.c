/*
 * length_prefixed.c: the blocks of a length-prefixed stream, read in pieces
 * (length_prefixed.h).
 *
 * Design: two states, reading a length prefix (prefix_size < 4) and reading
 * the block it declares; a block is handed over in place when the piece
 * holds all of it and nothing of it is held yet, else gathered in held.
 */
#include <stdio.h>
#include <string.h>

#include "input/length_prefixed.h"

void length_prefixed_init(length_prefixed *reader, const length_prefixed_handler *handler,
                          const ptm_allocator *allocator, uint64_t max_block_bytes, ptm_status *status)
{
    *reader = (length_prefixed){.allocator = *allocator, .handler = *handler,
                                .max_block_bytes = max_block_bytes, .status = status, .index = 1};
}

void length_prefixed_free(length_prefixed *reader)
{
    if (reader->held != NULL)
        reader->allocator.free_fn(reader->allocator.context, reader->held);
    reader->held = NULL;
    reader->held_size = 0;
}

/* Takes bytes of the length prefix; true once it is whole (and accepted). */
static bool take_prefix(length_prefixed *reader, const uint8_t **bytes, size_t *size)
{
    while (reader->prefix_size < 4 && *size > 0) {
        reader->prefix[reader->prefix_size++] = **bytes;
        (*bytes)++;
        (*size)--;
    }
    if (reader->prefix_size < 4)
        return false;
    const uint8_t *p = reader->prefix;
    reader->block_size = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (reader->block_size > reader->max_block_bytes)
        status_fail(reader->status, PTM_ERR_LIMIT,
                    "input block %llu: a request of more than max_input_bytes (%llu) bytes (its length prefix says %lu)",
                    (unsigned long long)reader->index, (unsigned long long)reader->max_block_bytes,
                    (unsigned long)reader->block_size);
    return status_ok(reader->status);
}

/* Hands the whole block over and gets ready for the next prefix. */
static bool hand_over(length_prefixed *reader, const uint8_t *block)
{
    bool go_on = reader->handler.block(reader->handler.context, reader->index, block, reader->block_size);
    length_prefixed_free(reader);
    reader->prefix_size = 0;
    reader->index++;
    return go_on;
}

/* Takes bytes of the block being read; false when the reading stops. */
static bool take_block(length_prefixed *reader, const uint8_t **bytes, size_t *size)
{
    size_t wanted = reader->block_size - reader->held_size;
    if (reader->held == NULL && *size >= wanted) {
        const uint8_t *block = *bytes != NULL ? *bytes : (const uint8_t *)""; /* an empty block at the end */
        *bytes += wanted;
        *size -= wanted;
        return hand_over(reader, block);
    }
    if (reader->held == NULL) {
        reader->held = reader->allocator.malloc_fn(reader->allocator.context, reader->block_size);
        if (reader->held == NULL)
            return status_out_of_memory(reader->status);
    }
    size_t taken = *size < wanted ? *size : wanted;
    memcpy(reader->held + reader->held_size, *bytes, taken);
    reader->held_size += taken;
    *bytes += taken;
    *size -= taken;
    return reader->held_size < reader->block_size || hand_over(reader, reader->held);
}

/* The stream ended: a block begun and not whole is truncated. */
static void read_end(length_prefixed *reader)
{
    if (reader->prefix_size == 0)
        return;
    char detail[128];
    if (reader->prefix_size < 4)
        snprintf(detail, sizeof detail, "truncated: the input ends inside its 4-byte length prefix");
    else
        snprintf(detail, sizeof detail, "truncated: its length prefix says %lu bytes, the input ends after %zu",
                 (unsigned long)reader->block_size, reader->held_size);
    reader->handler.truncated(reader->handler.context, reader->index, detail);
    length_prefixed_free(reader);
    reader->prefix_size = 0;
}

ptm_result length_prefixed_read(length_prefixed *reader, const uint8_t *bytes, size_t size, bool at_end)
{
    while (status_ok(reader->status)) {
        if (reader->prefix_size < 4) {
            if (size == 0)
                break;
            if (!take_prefix(reader, &bytes, &size))
                continue; /* failed, or the prefix awaits more bytes */
        }
        if (size == 0 && reader->held_size < reader->block_size)
            break; /* the block awaits more bytes (an empty one is whole already) */
        if (!take_block(reader, &bytes, &size))
            break;
    }
    if (status_ok(reader->status) && at_end)
        read_end(reader);
    return reader->status->code;
}
