/*
 * length_prefixed.h: the blocks of a length-prefixed stream (the collector
 * file exporter's `format: proto`, and its `compression: zstd` files: each
 * block a 4-byte big-endian length, then that many bytes), found as the
 * stream arrives in pieces of any size, holding at most one block.
 *
 * Design: the shape of json_lines.h. A block that lies whole in the piece
 * given is handed to the handler where it lies (no copy); one cut between
 * pieces is copied into a buffer of its declared size (the converter's
 * allocator) until it is whole. A declared size over max_block_bytes stops
 * the reading (PTM_ERR_LIMIT, the message naming the block), since nothing
 * after it can be trusted to be framed; a stream that ends inside a block
 * (a file still being written) hands that block's index to the handler's
 * truncated(), which may refuse it as it refuses a bad block, and the blocks
 * before it stand. Blocks are counted from 1.
 */
#ifndef PTM_LENGTH_PREFIXED_H
#define PTM_LENGTH_PREFIXED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef struct length_prefixed_handler {
    void *context;
    /* Reads block number index (size bytes, valid during the call only).
     * False stops the reading: the handler recorded why in the status. */
    bool (*block)(void *context, uint64_t index, const uint8_t *bytes, size_t size);
    /* The stream ended inside block number index: detail says how (one
     * line). False stops the reading, as above. */
    bool (*truncated)(void *context, uint64_t index, const char *detail);
} length_prefixed_handler;

typedef struct length_prefixed {
    ptm_allocator allocator;    /* of held; not owned */
    length_prefixed_handler handler;
    uint64_t max_block_bytes;
    ptm_status *status;         /* the call's */
    uint64_t index;             /* the block being read (from 1) */
    uint8_t prefix[4];          /* its length prefix, prefix_size bytes of it so far */
    unsigned prefix_size;
    uint32_t block_size;        /* once the prefix is whole */
    uint8_t *held;              /* a block cut between pieces: block_size bytes (allocator's) */
    size_t held_size;
} length_prefixed;

/* A reader with nothing read. Allocates nothing. */
void length_prefixed_init(length_prefixed *reader, const length_prefixed_handler *handler,
                          const ptm_allocator *allocator, uint64_t max_block_bytes, ptm_status *status);

/* Frees what the reader holds (nothing, for a reader zeroed or freed before). */
void length_prefixed_free(length_prefixed *reader);

/*
 * Reads bytes[0..size), the next piece of the stream, and hands every block
 * it completes to the handler; at_end: the stream ends with it (size may be
 * 0). Returns status->code after recording any failure: PTM_ERR_LIMIT (a
 * block declared larger than max_block_bytes), PTM_ERR_NOMEM, or the
 * handler's failure. After a failure the reader must not be given more.
 */
ptm_result length_prefixed_read(length_prefixed *reader, const uint8_t *bytes, size_t size, bool at_end);

#endif /* PTM_LENGTH_PREFIXED_H */
