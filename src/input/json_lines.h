/*
 * json_lines.h: the requests of OTLP/JSON text (JSON Lines, or requests one
 * after another, pretty-printed or not), found as the text arrives in pieces
 * of any size, holding at most the text of one request.
 *
 * The reader does what ptm_convert() has always done with such text, piece
 * by piece: skip white space, hand the request that starts there to the
 * handler, go on after what it read; after a refused request, go on at the
 * next line that does not start with white space (JSON Lines put one request
 * on each line; the lines inside a pretty-printed request are indented), so
 * one bad line loses nothing else. Input lines are counted as they pass, so
 * that a refusal is named by its line (and column) in the input.
 *
 * Design: the handler is given a request's text from its first byte to its
 * end as a bracket scanner sees it, and one byte more: the end is the
 * bracket that closes the first one opened or, when none is open, the end
 * of its line once its value has begun (strings, with their escapes,
 * skipped; the parser skips a UTF-8 byte-order mark and white space before
 * the value). A JSON parser reads no further than that end, valid text or
 * not: it stops at the closing bracket, or at its first error, which comes
 * no later than where the brackets stop matching; cJSON may name the byte
 * after the one it failed on, hence the byte more. So the handler sees what
 * it would see with the whole rest of the input, but for the white space
 * after the request, which the reader skips anyway (tests/unit/
 * test_json_lines.c holds the reader to the whole-input loop it replaced).
 * A request whose brackets stay open (a bad line: `{"x`) would be scanned
 * to the end of the input, and so would the next line's: quadratic. So the
 * text is also cut at a line end outside strings, when what comes before
 * already fails as JSON (json_prefix_fails, then cJSON itself: it fails
 * before the cut's last byte), tried at line ends once the request doubled
 * in size since the last try: the parser fails at the same byte given that
 * text or the whole rest, and a refused request costs in proportion to
 * the text before its error, not the rest of the input.
 * Complete requests are handed over where they lie in the piece given (no
 * copy); the unfinished tail of a piece is copied and kept (through the
 * converter's allocator) until the pieces after it complete it. The text
 * held for one request is bounded (max_input_bytes).
 */
#ifndef PTM_JSON_LINES_H
#define PTM_JSON_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* What the handler made of one request's text. */
typedef struct json_request_outcome {
    bool converted;          /* else refused */
    size_t consumed;         /* converted: bytes read (the request, white space after) */
    size_t syntax_error_at;  /* refused: where the text stops being JSON, or SIZE_MAX */
} json_request_outcome;

/* Where a refused request starts, and where its text stops being JSON
 * (error_line 0: it is JSON). Lines count from 1, columns (bytes) too. */
typedef struct refusal_place {
    uint32_t line;
    uint32_t error_line;
    size_t error_column;
} refusal_place;

typedef struct json_lines_handler {
    void *context;
    /* Reads the request at text[0] (size bytes: the request as above, and
     * at the end of the input whatever is left); fills *outcome. The text is
     * valid during the call only. False stops the reading: the handler
     * recorded why in the status (memory ran out). */
    bool (*request)(void *context, const uint8_t *text, size_t size, json_request_outcome *outcome);
    /* The request just refused, at place. False stops the reading, as above. */
    bool (*refused)(void *context, const refusal_place *place);
} json_lines_handler;

typedef enum json_lines_mode {
    LINES_BETWEEN = 0,       /* skipping white space before a request */
    LINES_IN_REQUEST,        /* scanning a request's text for its end */
    LINES_AFTER_REFUSAL      /* looking for the next line that does not start with white space */
} json_lines_mode;

typedef struct json_lines {
    ptm_allocator allocator;   /* of held; not owned */
    json_lines_handler handler;
    uint64_t max_request_bytes;
    ptm_status *status;        /* the call's (status.h) */
    uint64_t fed;              /* input offset of the end of what was given */
    /* The unfinished text kept from earlier pieces: input [held_from, fed). */
    uint8_t *held;
    size_t held_size, held_capacity;
    uint64_t held_from;
    json_lines_mode mode;
    uint64_t at;               /* the next byte to look at (LINES_BETWEEN, LINES_AFTER_REFUSAL) */
    bool after_newline;        /* LINES_AFTER_REFUSAL: the byte before `at` is '\n' */
    /* LINES_IN_REQUEST: the request's start and the bracket scanner. */
    uint64_t request_start, scanned_to;
    int64_t depth;             /* brackets open */
    bool in_string, escaped;
    bool value_started;        /* past a byte-order mark and the white space after it */
    bool scanned_all;          /* scanned_to is just past the request's end */
    bool cut;                  /* scanned_all at a line end before the request's end, where it fails */
    uint64_t next_probe;       /* the request's size from which a line end is tried as a cut */
    /* Lines counted so far: up to counted_to, which is on line `line`. */
    uint64_t counted_to, line_start;
    uint32_t line;
} json_lines;

/* A reader with nothing read, handing requests to handler, failing when one
 * request's text passes max_request_bytes. Allocates nothing. */
void json_lines_init(json_lines *reader, const json_lines_handler *handler, const ptm_allocator *allocator,
                     uint64_t max_request_bytes, ptm_status *status);

/* Frees what the reader holds (nothing, for a reader zeroed or freed
 * before). It may be initialised again. */
void json_lines_free(json_lines *reader);

/*
 * Reads text[0..size), the next piece of the input, and hands every request
 * it completes to the handler; at_end: the input ends with it (size may be
 * 0), and what is left is read too. Returns status->code after recording any
 * failure: PTM_ERR_LIMIT (the text of one request is more than
 * max_request_bytes; the message names its line), PTM_ERR_NOMEM, or the
 * handler's failure. After a failure the reader must not be given more.
 */
ptm_result json_lines_read(json_lines *reader, const uint8_t *text, size_t size, bool at_end);

#endif /* PTM_JSON_LINES_H */
