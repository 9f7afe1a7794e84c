/*
 * decompress.h: a pipeline stage in front of input detection: gzip (RFC 1952,
 * every member of a multi-member file) and zstd (RFC 8878, every frame,
 * skippable frames skipped) decompressed as the compressed bytes arrive, in
 * pieces of any size, the output handed on in pieces to a sink.
 *
 * Design: the codecs are Debian's zlib (inflate only) and zstd (its
 * decompressor only), built from their sources (CMakeLists.txt). zlib's
 * z_stream takes an allocator per stream (zalloc/zfree) and zstd's DCtx one
 * per context (ZSTD_customMem), so every allocation goes through the
 * converter's ptm_allocator and nothing is global (libdeflate 1.14, the
 * other candidate, has one process-wide allocator hook and cannot stream).
 * Compression is recognised by its magic bytes. Output is bounded: the
 * total decompressed size may not pass max_output (the converter's
 * max_input_bytes), and zstd's window is bounded likewise, so a bomb stops
 * early in bounded memory. Failures are one line in the caller's status,
 * starting with the caller's name for what is decompressed ("input:
 * gzip-compressed input ..."): PTM_ERR_LIMIT past the bound, PTM_ERR_INPUT
 * for truncated, corrupt or trailing bytes, PTM_ERR_NOMEM.
 */
#ifndef PTM_DECOMPRESS_H
#define PTM_DECOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef enum decompress_codec {
    CODEC_NONE = 0,   /* not compressed */
    CODEC_UNDECIDED,  /* the bytes so far are a magic's start: more will tell */
    CODEC_GZIP,       /* 1f 8b */
    CODEC_ZSTD        /* 28 b5 2f fd, or a skippable frame: 5? 2a 4d 18 */
} decompress_codec;

/* What the first size bytes of an input say about its compression; at the
 * end of the input an undecided prefix is CODEC_NONE (at_end). */
decompress_codec decompress_codec_of(const uint8_t *bytes, size_t size, bool at_end);

/* Takes size decompressed bytes (valid during the call only); returns
 * status->code, any failure recorded there (the decompressor stops). */
typedef ptm_result (*decompress_sink)(void *context, const uint8_t *bytes, size_t size);

typedef struct decompressor {
    decompress_codec codec;  /* CODEC_NONE while not initialised */
    ptm_allocator allocator; /* not owned */
    ptm_status *status;      /* the caller's */
    const char *name;        /* "input: gzip-compressed input": starts each message */
    uint64_t max_output, produced;
    decompress_sink sink;
    void *sink_context;
    void *state;             /* z_stream or ZSTD_DCtx (allocator's) */
    uint8_t *out;            /* the output buffer (allocator's) */
    bool in_unit;            /* inside a gzip member or zstd frame */
    uint8_t *staged;         /* zstd: the input's current window, not yet decoded (allocator's) */
    size_t staged_size;      /* < ZSTD_FEED_WINDOW */
    uint8_t magic_seen;      /* gzip, between members: bytes of the next magic matched */
} decompressor;

/*
 * Starts a decompressor of codec (CODEC_GZIP or CODEC_ZSTD) whose input
 * begins with that codec's magic: name (static, or alive as long as the
 * decompressor) starts its messages; at most max_output bytes in all are
 * handed to sink. Allocates its state and output buffer through allocator:
 * PTM_ERR_NOMEM when that fails (recorded in status), else PTM_OK.
 * decompressor_free() releases it either way.
 */
ptm_result decompressor_init(decompressor *d, decompress_codec codec, const ptm_allocator *allocator,
                             uint64_t max_output, decompress_sink sink, void *sink_context,
                             const char *name, ptm_status *status);

/* Starts another input of the same codec in d (the state is kept). */
void decompressor_restart(decompressor *d, const char *name);

/* Decompresses the next size bytes of the input (the caller's, read during
 * the call only). Returns status->code after recording any failure. */
ptm_result decompressor_feed(decompressor *d, const uint8_t *bytes, size_t size);

/* The input has ended: PTM_ERR_INPUT when it ends inside a member or frame
 * (truncated), else PTM_OK. */
ptm_result decompressor_finish(decompressor *d);

/* Releases what d holds; d may be zeroed, freed before, or initialised. */
void decompressor_free(decompressor *d);

#endif /* PTM_DECOMPRESS_H */
