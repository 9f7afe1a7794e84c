/*
 * detect.h: what an input is, decided in one place, from its first bytes:
 * how it is packed (gzip, zstd, length-prefixed: the stages before
 * detection), which kind a stream's first bytes show (read request by
 * request, or held whole), and the format of an input in memory (OTLP/JSON,
 * OTLP protobuf, pprof). ptm_convert() and the stream (stream.h) ask the
 * same questions here, so that they decide alike however the input is cut;
 * ptm_converter_input_packing() hands the first answer to hosts.
 */
#ifndef PTM_INPUT_DETECT_H
#define PTM_INPUT_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/status.h"

/* What a stream's input is, as far as its first bytes tell. */
typedef enum input_kind {
    INPUT_UNDECIDED = 0,
    INPUT_JSON,          /* OTLP/JSON: read request by request */
    INPUT_BLOCKS,        /* length-prefixed: read block by block */
    INPUT_WHOLE          /* anything else: held whole */
} input_kind;

/* How an input that starts with first[0..size) is packed, as ptm_convert()
 * and the stream unpack it (format: the converter's; at_end: first is all
 * of it). */
ptm_input_packing input_packing_of(ptm_input_format format, const uint8_t *first, size_t size, bool at_end);

/* Whether an input in memory must go through the stream's stages:
 * compressed, or length-prefixed (a first byte 0). */
bool input_needs_stream(const uint8_t *input, size_t size);

/* The input's bytes after a UTF-8 byte-order mark before OTLP/JSON (which
 * is dropped), else as they are. */
byte_slice input_without_bom(const uint8_t *input, size_t size);

/* The format of an input in memory (format: the converter's), told by its
 * bytes under PTM_INPUT_AUTO; PTM_INPUT_AUTO with status failed when it is
 * none of them, or may be either protobuf. */
ptm_input_format input_format_of(ptm_input_format format, const uint8_t *input, size_t size, ptm_status *status);

/* Whether input is OTLP/JSON (white space, then '{'; empty or white space
 * only counts), as input_format_of decides it. */
bool input_is_json(const uint8_t *input, size_t input_size);

/* 3 when bytes start with a UTF-8 byte-order mark, else 0. */
size_t input_bom_size(const uint8_t *bytes, size_t size);

/* What the held first bytes of a stream (of format) say it is, or
 * INPUT_UNDECIDED until they do; *space_end: how far held is known to be
 * white space (0 at first; kept between calls). */
input_kind input_held_kind(ptm_input_format format, const uint8_t *held, size_t size, size_t *space_end);

#endif /* PTM_INPUT_DETECT_H */
