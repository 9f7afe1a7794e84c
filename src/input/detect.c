/*
 * detect.c: what an input is, decided in one place (detect.h): its packing
 * (compression, length prefix), its kind as a stream's first bytes show it,
 * its format in memory.
 */
#include "input/detect.h"

#include <string.h>

#include "decode/decode.h"
#include "decode/pprof_decode.h"
#include "input/decompress.h"
#include "input/json_syntax.h"

enum {
    /* A stream's input is told apart once this many bytes are held (or it
     * ends): more than any first-bytes check below reads. */
    KIND_PROBE_BYTES = 64
};

size_t input_bom_size(const uint8_t *bytes, size_t size)
{
    static const uint8_t utf8_bom[3] = {0xef, 0xbb, 0xbf};
    return size >= 3 && memcmp(bytes, utf8_bom, 3) == 0 ? 3 : 0;
}

/*
 * Whether input is OTLP/JSON: white space, then '{'. No protobuf request
 * starts with '{' (0x7b would open a group), but a newline (0x0a) is also the
 * tag of resource_profiles, so input starting with one is JSON only when it is
 * not a well-framed protobuf message. Input that is empty or only white space
 * is JSON Lines with no request, whatever protobuf could make of it: it
 * converts to nothing, as an empty file does.
 */
bool input_is_json(const uint8_t *input, size_t input_size)
{
    size_t start = json_space_end(input, input_size, 0);
    if (start == input_size)
        return true;
    if (input[start] != '{')
        return false;
    return input[0] != '\n' || !decode_has_protobuf_framing((byte_slice){input, input_size});
}

/* Compressed data where the input's compression is gone. */
#define COMPRESSED_TWICE "compressed data inside compressed input (compressed twice?): it is decompressed once"

/*
 * What the input is when it is none of the formats converted, told by its
 * first bytes, so that the message names it instead of "malformed
 * protobuf"; NULL when it may be a request. As protobuf, each of these
 * starts with a tag the wire reader refuses (wire type 6 or 7, a group, field 0),
 * except zstd's magic, which would be an unknown varint field 5 followed
 * by an invalid tag: none is a request. (The input's own compression is
 * gone before this is asked: compressed data here was compressed twice.)
 */
static const char *unsupported_input(const uint8_t *input, size_t size)
{
    size_t start = json_space_end(input, size, 0);
    if (decompress_codec_of(input, size, true) != CODEC_NONE)
        return COMPRESSED_TWICE;
    if (size >= 2 && ((input[0] == 0xff && input[1] == 0xfe) || (input[0] == 0xfe && input[1] == 0xff)))
        return "UTF-16 text: OTLP/JSON must be UTF-8";
    if (start < size && input[start] == '[')
        return "a JSON array: give OTLP/JSON requests one per line (JSON Lines) instead";
    return NULL;
}

/* What input of PTM_INPUT_AUTO is, told by its first bytes (is_json,
 * pprof_detect); PTM_INPUT_AUTO again when it may be either protobuf. */
static ptm_input_format detect_format(const uint8_t *input, size_t input_size)
{
    if (input_is_json(input, input_size))
        return PTM_INPUT_JSON;
    switch (pprof_detect((byte_slice){input, input_size})) {
    case PPROF_LIKELY: return PTM_INPUT_PPROF;
    case PPROF_AMBIGUOUS: return PTM_INPUT_AUTO;
    default: return PTM_INPUT_OTLP;
    }
}

/* Compressed data is refused as compressed twice under a protobuf format
 * too (the Envoy filter's -i otlp; gzip's and zstd's magic is no request
 * and no pprof profile), so that its message does not depend on the format
 * being told: protobuf is held whole, so this is the same however the input
 * is cut. (OTLP/JSON set by format is read as it arrives, and compressed
 * data there is not valid JSON.) */
ptm_input_format input_format_of(ptm_input_format format, const uint8_t *input, size_t size, ptm_status *status)
{
    const char *unsupported = format == PTM_INPUT_AUTO ? unsupported_input(input, size)
                              : format != PTM_INPUT_JSON && decompress_codec_of(input, size, true) != CODEC_NONE
                                  ? COMPRESSED_TWICE : NULL;
    if (unsupported != NULL) {
        status_fail(status, PTM_ERR_INPUT, "input: %s", unsupported);
        return PTM_INPUT_AUTO;
    }
    if (format == PTM_INPUT_AUTO)
        format = detect_format(input, size);
    if (format == PTM_INPUT_AUTO)
        status_fail(status, PTM_ERR_INPUT, "input: could be an OTLP request or a pprof profile; "
                    "say which (ptm -i otlp or -i pprof; ptm_converter_set_input_format)");
    return format;
}

byte_slice input_without_bom(const uint8_t *input, size_t size)
{
    if (input_bom_size(input, size) == 3 && input_is_json(input + 3, size - 3))
        return (byte_slice){input + 3, size - 3};
    return (byte_slice){input, size};
}

bool input_needs_stream(const uint8_t *input, size_t size)
{
    return size > 0 && (input[0] == 0x00 || decompress_codec_of(input, size, true) != CODEC_NONE);
}

/* Whether input of format that starts so is told by its length prefix
 * (held_kind): a first byte 0 under PTM_INPUT_AUTO or PTM_INPUT_OTLP. */
static bool length_prefix_read(ptm_input_format format, const uint8_t *first, size_t size)
{
    return (format == PTM_INPUT_AUTO || format == PTM_INPUT_OTLP) && size > 0 && first[0] == 0x00;
}

ptm_input_packing input_packing_of(ptm_input_format format, const uint8_t *first, size_t size, bool at_end)
{
    switch (decompress_codec_of(first, size, at_end)) {
    case CODEC_GZIP: return PTM_PACKING_GZIP;
    case CODEC_ZSTD: return PTM_PACKING_ZSTD;
    case CODEC_UNDECIDED: return PTM_PACKING_UNDECIDED;
    default: break;
    }
    if (!length_prefix_read(format, first, size))
        return PTM_PACKING_NONE;
    if (size < 4)
        return at_end ? PTM_PACKING_NONE : PTM_PACKING_UNDECIDED;
    return (first[1] | first[2] | first[3]) != 0 ? PTM_PACKING_LENGTH_PREFIXED : PTM_PACKING_NONE;
}

/*
 * What the held first bytes of a stream say it is: length-prefixed from a
 * first byte 0 (no request starts with field 0: it is the high byte of a
 * length below 16 MiB) in a first length prefix that is not 0 (zero bytes
 * are held whole and refused as protobuf, so that an endless stream of them,
 * /dev/zero, stops at max_input_bytes); OTLP/JSON as soon as they show what
 * input_format_of() would decide on the whole input (a '{' first, after
 * white space and a byte-order mark, in input that none of
 * unsupported_input()'s checks names and that, starting with a newline,
 * cannot be well-framed protobuf), anything else as soon as its first byte
 * that is not white space is not '{'. Undecided until then. With an input
 * format set (ptm_converter_set_input_format), that format's kind at once,
 * but for length-prefixed input under PTM_INPUT_OTLP (its blocks are OTLP).
 * *space_end: how far held is known to be white space, so that white space
 * is scanned once however many steps it takes.
 */
input_kind input_held_kind(ptm_input_format format, const uint8_t *held, size_t size, size_t *space_end)
{
    if (length_prefix_read(format, held, size))
        return size < 4 ? INPUT_UNDECIDED : (held[1] | held[2] | held[3]) != 0 ? INPUT_BLOCKS : INPUT_WHOLE;
    if (format != PTM_INPUT_AUTO)
        return format == PTM_INPUT_JSON ? INPUT_JSON : INPUT_WHOLE;
    if (size < KIND_PROBE_BYTES)
        return INPUT_UNDECIDED;
    if (input_bom_size(held, size) == 3) {
        held += 3;
        size -= 3;
    }
    size_t start = json_space_end(held, size, *space_end);
    *space_end = start;
    if (start == size)
        return INPUT_UNDECIDED;
    if (held[start] != '{' || unsupported_input(held, size) != NULL)
        return INPUT_WHOLE;
    if (held[0] == '\n' && decode_framing_may_continue((byte_slice){held, size}))
        return INPUT_UNDECIDED;
    return INPUT_JSON;
}
