/*
 * decompress.c: gzip and zstd input decompressed in pieces (decompress.h).
 *
 * Design: one loop per codec turns the piece given into output buffers of
 * OUT_BYTES, each handed to the sink once the total is known to be within
 * max_output. gzip: inflate with a gzip-only window (15 + 16); after a
 * member's end, the next bytes must be another member's magic (matched here
 * byte by byte, since it may be cut between pieces, then given to a reset
 * inflate), else they are trailing bytes, an error. zstd: ZSTD_decompressStream
 * reads frame after frame (skippable ones too, first, between or last: an
 * input may start with one, as pzstd writes) by itself; an unknown magic
 * where a frame would start is trailing bytes. A decompressor lives where it
 * was initialised: the codecs keep a pointer to its allocator.
 *
 * PTM_DECOMPRESS_ZSTD is a reactor variant's switch (ptm_reactor_variant in
 * CMakeLists.txt): built with 0 (the default reactor ptm.wasm, whose size
 * budget zstd's decompressor does not fit), zstd input is refused with a
 * message saying so, and zstd is not linked; every other build has 1.
 */
#include <stdio.h>
#include <string.h>

#include "input/decompress.h"

#include <zlib.h>

#ifndef PTM_DECOMPRESS_ZSTD
#define PTM_DECOMPRESS_ZSTD 1
#endif
#if PTM_DECOMPRESS_ZSTD
#include <zstd.h>
#include <zstd_errors.h>
#endif

enum { OUT_BYTES = 64 * 1024 };
/* zstd's input is decoded in windows of this many bytes at fixed offsets (zstd_feed). */
enum { ZSTD_FEED_WINDOW = 16 * 1024 };

static const uint8_t gzip_magic[2] = {0x1f, 0x8b};
static const uint8_t zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};

/* A zstd skippable frame's magic, 0x184D2A50 to 0x184D2A5F little-endian
 * (what pzstd writes first): the first size bytes (at most 4) may start one. */
static bool skippable_start(const uint8_t *bytes, size_t size)
{
    static const uint8_t rest[3] = {0x2a, 0x4d, 0x18};
    return (size == 0 || (bytes[0] & 0xf0) == 0x50) && (size <= 1 || memcmp(bytes + 1, rest, size - 1) == 0);
}

decompress_codec decompress_codec_of(const uint8_t *bytes, size_t size, bool at_end)
{
    if (size >= 2 && memcmp(bytes, gzip_magic, 2) == 0)
        return CODEC_GZIP;
    if (size >= 4 && (memcmp(bytes, zstd_magic, 4) == 0 || skippable_start(bytes, 4)))
        return CODEC_ZSTD;
    if (at_end || size >= 4)
        return CODEC_NONE;
    bool gzip_start = size < 2 && (size == 0 || bytes[0] == gzip_magic[0]);
    return gzip_start || memcmp(bytes, zstd_magic, size) == 0 || skippable_start(bytes, size) ? CODEC_UNDECIDED
                                                                                                : CODEC_NONE;
}

/* ---- the codecs' allocation hooks: the converter's allocator ---- */

static void *codec_malloc(void *opaque, size_t size)
{
    const ptm_allocator *allocator = opaque;
    return allocator->malloc_fn(allocator->context, size);
}

static void codec_release(void *opaque, void *pointer)
{
    const ptm_allocator *allocator = opaque;
    allocator->free_fn(allocator->context, pointer);
}

static voidpf zlib_alloc(voidpf opaque, uInt items, uInt size)
{
    if (size != 0 && items > SIZE_MAX / size)
        return Z_NULL;
    return codec_malloc(opaque, (size_t)items * size);
}

static void zlib_free(voidpf opaque, voidpf pointer)
{
    codec_release(opaque, pointer);
}

/* ---- output ---- */

static ptm_result out_of_memory(decompressor *d)
{
    status_out_of_memory(d->status);
    return d->status->code;
}

/* Hands size bytes of d->out to the sink, within max_output. */
static ptm_result emit(decompressor *d, size_t size)
{
    if (size == 0)
        return PTM_OK;
    if (size > d->max_output - d->produced) {
        status_fail(d->status, PTM_ERR_LIMIT, "%s decompresses to more than max_input_bytes (%llu); stopped there",
                    d->name, (unsigned long long)d->max_output);
        return d->status->code;
    }
    d->produced += size;
    return d->sink(d->sink_context, d->out, size);
}

/* ---- gzip ---- */

static ptm_result gzip_init(decompressor *d)
{
    z_stream *z = codec_malloc(&d->allocator, sizeof *z);
    if (z == NULL)
        return out_of_memory(d);
    memset(z, 0, sizeof *z);
    z->zalloc = zlib_alloc;
    z->zfree = zlib_free;
    z->opaque = &d->allocator;
    if (inflateInit2(z, 15 + 16) != Z_OK) {
        codec_release(&d->allocator, z);
        return out_of_memory(d);
    }
    d->state = z;
    return PTM_OK;
}

/* Inflates bytes[0..size) of one member; *used: how many were read. Stops
 * at the member's end (in_unit false then). */
static ptm_result gzip_inflate(decompressor *d, const uint8_t *bytes, size_t size, size_t *used)
{
    z_stream *z = d->state;
    z->next_in = (Bytef *)bytes;
    z->avail_in = size > UINT32_MAX ? UINT32_MAX : (uInt)size;
    uInt given = z->avail_in;
    int code;
    do {
        z->next_out = d->out;
        z->avail_out = OUT_BYTES;
        code = inflate(z, Z_NO_FLUSH);
        /* What was inflated before a failure goes on first, as it would
         * have in smaller pieces: the same input fails the same way however
         * it is cut. */
        if (emit(d, OUT_BYTES - z->avail_out) != PTM_OK)
            return d->status->code;
        if (code == Z_MEM_ERROR)
            return out_of_memory(d);
        if (code == Z_DATA_ERROR || code == Z_NEED_DICT || code == Z_STREAM_ERROR) {
            status_fail(d->status, PTM_ERR_INPUT, "%s is corrupt: %s", d->name,
                        code == Z_NEED_DICT ? "a preset dictionary is needed"
                        : z->msg != NULL ? z->msg : "inflate failed");
            return d->status->code;
        }
    } while (code == Z_OK && (z->avail_in > 0 || z->avail_out == 0)); /* else Z_BUF_ERROR: all read */
    *used = given - z->avail_in;
    if (code == Z_STREAM_END)
        d->in_unit = false;
    return PTM_OK;
}

/* Between members: matches the next member's magic, byte by byte. */
static ptm_result gzip_next_member(decompressor *d, uint8_t byte)
{
    if (byte != gzip_magic[d->magic_seen]) {
        status_fail(d->status, PTM_ERR_INPUT, "%s has bytes after its last member that are not gzip", d->name);
        return d->status->code;
    }
    if (++d->magic_seen < 2)
        return PTM_OK;
    d->magic_seen = 0;
    d->in_unit = true;
    inflateReset(d->state);
    size_t used;
    return gzip_inflate(d, gzip_magic, 2, &used);
}

static ptm_result gzip_feed(decompressor *d, const uint8_t *bytes, size_t size)
{
    while (size > 0) {
        size_t used = 1;
        if (!d->in_unit ? gzip_next_member(d, bytes[0]) != PTM_OK
                        : gzip_inflate(d, bytes, size, &used) != PTM_OK)
            return d->status->code;
        bytes += used;
        size -= used;
    }
    return PTM_OK;
}

/* ---- zstd ---- */
#if PTM_DECOMPRESS_ZSTD

enum {
    /* zstd's window may be as large as max_output, and at least 8 MiB (what
     * zstd's levels up to 19 and the collector's encoder use), at most
     * zstd's default limit of 128 MiB. */
    ZSTD_WINDOW_LOG_MIN = 23,
    ZSTD_WINDOW_LOG_MAX = ZSTD_WINDOWLOG_LIMIT_DEFAULT
};

static unsigned zstd_window_log(uint64_t max_output)
{
    unsigned log = ZSTD_WINDOW_LOG_MIN;
    while (log < ZSTD_WINDOW_LOG_MAX && ((uint64_t)1 << log) < max_output)
        log++;
    return log;
}

static ptm_result zstd_init(decompressor *d)
{
    d->staged = codec_malloc(&d->allocator, ZSTD_FEED_WINDOW);
    if (d->staged == NULL)
        return out_of_memory(d);
    ZSTD_customMem memory = {codec_malloc, codec_release, &d->allocator};
    ZSTD_DCtx *z = ZSTD_createDCtx_advanced(memory);
    if (z == NULL)
        return out_of_memory(d);
    d->state = z;
    ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, (int)zstd_window_log(d->max_output));
    return PTM_OK;
}

static ptm_result zstd_failed(decompressor *d, size_t code)
{
    switch (ZSTD_getErrorCode(code)) {
    case ZSTD_error_memory_allocation:
        status_out_of_memory(d->status);
        break;
    case ZSTD_error_frameParameter_windowTooLarge:
        status_fail(d->status, PTM_ERR_LIMIT,
                    "%s needs a window of more than %llu bytes (the larger of max_input_bytes (%llu) and 8 MiB)",
                    d->name, 1ull << zstd_window_log(d->max_output), (unsigned long long)d->max_output);
        break;
    case ZSTD_error_prefix_unknown:
        if (!d->in_unit) {
            status_fail(d->status, PTM_ERR_INPUT, "%s has bytes after its last frame that are not zstd", d->name);
            break;
        }
        /* fall through */
    default:
        status_fail(d->status, PTM_ERR_INPUT, "%s is corrupt: %s", d->name, ZSTD_getErrorName(code));
    }
    return d->status->code;
}

/* Decodes one window of input. */
static ptm_result zstd_decode(decompressor *d, const uint8_t *bytes, size_t size)
{
    ZSTD_inBuffer in = {bytes, size, 0};
    ZSTD_outBuffer out = {d->out, OUT_BYTES, 0};
    do {
        out.pos = 0;
        size_t left = ZSTD_decompressStream(d->state, &out, &in);
        /* What was decoded before a failure goes on first (as in gzip_inflate). */
        if (emit(d, out.pos) != PTM_OK)
            return d->status->code;
        if (ZSTD_isError(left))
            return zstd_failed(d, left);
        d->in_unit = left != 0; /* 0: a frame is whole and flushed */
    } while (in.pos < in.size || out.pos == out.size);
    return PTM_OK;
}

/*
 * zstd decodes a frame that lies whole in the input of one call in one pass
 * (its single-pass shortcut), and then gives none of its output when it is
 * corrupt, where in smaller pieces it would have given what came before the
 * corruption. So that an input fails the same way however it is cut, zstd
 * is given the input in windows of ZSTD_FEED_WINDOW bytes at fixed offsets,
 * the last one at the finish; a window cut by a piece waits in staged.
 */
static ptm_result zstd_feed(decompressor *d, const uint8_t *bytes, size_t size)
{
    while (size > 0) {
        if (d->staged_size == 0 && size >= ZSTD_FEED_WINDOW) {
            if (zstd_decode(d, bytes, ZSTD_FEED_WINDOW) != PTM_OK)
                return d->status->code;
            bytes += ZSTD_FEED_WINDOW;
            size -= ZSTD_FEED_WINDOW;
            continue;
        }
        size_t take = ZSTD_FEED_WINDOW - d->staged_size < size ? ZSTD_FEED_WINDOW - d->staged_size : size;
        memcpy(d->staged + d->staged_size, bytes, take);
        d->staged_size += take;
        bytes += take;
        size -= take;
        if (d->staged_size == ZSTD_FEED_WINDOW) {
            d->staged_size = 0;
            if (zstd_decode(d, d->staged, ZSTD_FEED_WINDOW) != PTM_OK)
                return d->status->code;
        }
    }
    return PTM_OK;
}

/* The last window, at the end of the input. */
static ptm_result zstd_flush(decompressor *d)
{
    size_t size = d->staged_size;
    d->staged_size = 0;
    return size > 0 ? zstd_decode(d, d->staged, size) : PTM_OK;
}

static void zstd_restart(decompressor *d)
{
    d->staged_size = 0;
    ZSTD_DCtx_reset(d->state, ZSTD_reset_session_only);
}

static void zstd_free(decompressor *d)
{
    ZSTD_freeDCtx(d->state);
}
#else
static ptm_result zstd_init(decompressor *d)
{
    status_fail(d->status, PTM_ERR_INPUT,
                "%s: this build (the wasm reactor) has no zstd decompressor, to stay within its size budget; "
                "decompress it first (zstd -d), or use the full reactor (ptm-full.wasm), the ptm command or its WASI build",
                d->name);
    return d->status->code;
}

static ptm_result zstd_feed(decompressor *d, const uint8_t *bytes, size_t size)
{
    (void)bytes, (void)size;
    return d->status->code;
}

static void zstd_restart(decompressor *d)
{
    (void)d;
}

static void zstd_free(decompressor *d)
{
    (void)d;
}
#endif

/* ---- the codec of d ---- */

static ptm_result codec_init(decompressor *d)
{
    return d->codec == CODEC_GZIP ? gzip_init(d) : zstd_init(d);
}

static ptm_result codec_feed(decompressor *d, const uint8_t *bytes, size_t size)
{
    return d->codec == CODEC_GZIP ? gzip_feed(d, bytes, size) : zstd_feed(d, bytes, size);
}

/* At the end of the input: what the codec holds back (zstd's last window). */
static void codec_flush(decompressor *d)
{
#if PTM_DECOMPRESS_ZSTD
    if (d->codec == CODEC_ZSTD)
        zstd_flush(d);
#else
    (void)d;
#endif
}

static void codec_restart(decompressor *d)
{
    d->in_unit = d->codec == CODEC_ZSTD; /* gzip: the magic comes first */
    if (d->codec == CODEC_GZIP)
        inflateReset(d->state);
    else
        zstd_restart(d);
}

static void codec_free(decompressor *d)
{
    if (d->codec == CODEC_GZIP) {
        inflateEnd(d->state);
        codec_release(&d->allocator, d->state);
    } else {
        zstd_free(d);
    }
}

/* ---- the decompressor ---- */

ptm_result decompressor_init(decompressor *d, decompress_codec codec, const ptm_allocator *allocator,
                             uint64_t max_output, decompress_sink sink, void *sink_context,
                             const char *name, ptm_status *status)
{
    *d = (decompressor){.codec = codec, .allocator = *allocator, .status = status, .name = name,
                        .max_output = max_output, .sink = sink, .sink_context = sink_context};
    d->out = codec_malloc(&d->allocator, OUT_BYTES);
    if (d->out == NULL) {
        status_out_of_memory(status);
        return status->code;
    }
    if (codec_init(d) != PTM_OK)
        return status->code;
    decompressor_restart(d, name);
    return PTM_OK;
}

void decompressor_restart(decompressor *d, const char *name)
{
    d->name = name;
    d->produced = 0;
    d->magic_seen = 0;
    codec_restart(d);
}

ptm_result decompressor_feed(decompressor *d, const uint8_t *bytes, size_t size)
{
    if (!status_ok(d->status) || size == 0)
        return d->status->code;
    return codec_feed(d, bytes, size);
}

ptm_result decompressor_finish(decompressor *d)
{
    if (status_ok(d->status) && d->codec == CODEC_ZSTD)
        codec_flush(d);
    if (status_ok(d->status) && (d->in_unit || d->magic_seen > 0))
        status_fail(d->status, PTM_ERR_INPUT, "%s is truncated", d->name);
    return d->status->code;
}

void decompressor_free(decompressor *d)
{
    if (d->state != NULL)
        codec_free(d);
    if (d->out != NULL)
        codec_release(&d->allocator, d->out);
    if (d->staged != NULL)
        codec_release(&d->allocator, d->staged);
    d->state = NULL;
    d->out = NULL;
    d->staged = NULL;
    d->codec = CODEC_NONE;
}
