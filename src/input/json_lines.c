/*
 * json_lines.c: the reader of json_lines.h.
 *
 * Positions are input offsets (uint64_t, from the first byte ever given), so
 * that the state carries over from piece to piece whatever memory holds the
 * bytes: a view maps the offsets [from, to) to the piece given or to the
 * held copy. Each call reads its view to the end, and answers the offset
 * from which bytes must be kept (the start of an unfinished request, or the
 * end); only those are copied into held.
 *
 * Lines are counted as the whole-input loop before the reader counted them
 * (tests/unit/test_json_lines.c keeps that loop): forward only, to
 * each request's start and to each refusal's error, so that a request
 * re-read after a refusal whose error lay further on is named by the line
 * counted so far. The count passes over bytes before they are dropped: what
 * is dropped lies before every offset it will be counted to later.
 */
#include "input/json_lines.h"

#include <string.h>

#include <cJSON.h>
#include "input/json_syntax.h"

/* Held text is completed by at most this much of a piece at a time, so that
 * a piece is copied only as far as the held request needs it. */
enum { HELD_STEP = 64 * 1024 };

/* Input offsets [from, to) and where their bytes are. */
typedef struct view {
    const uint8_t *bytes; /* of offset from */
    uint64_t from, to;
} view;

static const uint8_t *view_at(const view *v, uint64_t offset)
{
    return v->bytes + (offset - v->from);
}

void json_lines_init(json_lines *reader, const json_lines_handler *handler, const ptm_allocator *allocator,
                     uint64_t max_request_bytes, ptm_status *status)
{
    memset(reader, 0, sizeof *reader);
    reader->handler = *handler;
    reader->allocator = *allocator;
    reader->max_request_bytes = max_request_bytes;
    reader->status = status;
    reader->line = 1;
}

void json_lines_free(json_lines *reader)
{
    if (reader->held != NULL)
        reader->allocator.free_fn(reader->allocator.context, reader->held);
    reader->held = NULL;
    reader->held_size = reader->held_capacity = 0;
}

/* Counts the lines of v up to offset (which must not be past v's end). */
static void count_lines_to(json_lines *reader, const view *v, uint64_t offset)
{
    while (reader->counted_to < offset) {
        const uint8_t *from = view_at(v, reader->counted_to);
        const uint8_t *newline = memchr(from, '\n', (size_t)(offset - reader->counted_to));
        if (newline == NULL) {
            reader->counted_to = offset;
            return;
        }
        reader->counted_to += (uint64_t)(newline - from) + 1;
        reader->line++;
        reader->line_start = reader->counted_to;
    }
}

static void start_request(json_lines *reader, uint64_t start)
{
    reader->mode = LINES_IN_REQUEST;
    reader->request_start = reader->scanned_to = start;
    reader->depth = 0;
    reader->in_string = reader->escaped = reader->value_started = reader->scanned_all = reader->cut = false;
    reader->next_probe = 0;
}

/* Whether the byte c at offset of a request's text may begin its value: a
 * UTF-8 byte-order mark first is skipped by the parser, and white space
 * after it too, so a newline there does not end the request. */
static bool starts_value(const json_lines *reader, uint64_t offset, uint8_t c)
{
    static const uint8_t utf8_bom[3] = {0xef, 0xbb, 0xbf};
    uint64_t at = offset - reader->request_start;
    return !json_is_space(c) && (at >= 3 || c != utf8_bom[at]);
}

/* Skips the bytes of a string from p (inside it, past its opening quote):
 * returns where it ends (past the closing quote, *in_string cleared) or
 * end. An escape cut by the end is remembered in *escaped. */
static const uint8_t *skip_string(const uint8_t *p, const uint8_t *end, bool *in_string, bool *escaped)
{
    if (*escaped) { /* the byte after a backslash, whatever it is */
        *escaped = false;
        p++;
    }
    while (p < end && *p != '"' && *p != '\\')
        p++;
    if (p == end)
        return p;
    if (*p == '"')
        *in_string = false;
    else
        *escaped = true;
    return p + 1;
}

/* Whether the request's text[0..size), which ends with a line end outside
 * strings, brackets open, already fails as JSON where the parser would fail
 * on the whole text: the scanner fails before the end, and so does cJSON,
 * before the last byte (it names that byte when it runs out of text). */
static bool fails_before(const uint8_t *text, size_t size)
{
    if (!json_prefix_fails((const char *)text, size))
        return false;
    const char *end = (const char *)text;
    cJSON *json = cJSON_ParseWithLengthOpts((const char *)text, size, &end, false);
    if (json != NULL) {
        cJSON_Delete(json);
        return false;
    }
    return (size_t)(end - (const char *)text) + 1 < size;
}

/* Scans the request's text on to its end as the header says (the bracket
 * closing the first one opened, else the end of a line with no bracket
 * open once the value has begun). True when found: scanned_to is then just
 * past it. */
static bool scan_request(json_lines *reader, const view *v)
{
    if (reader->scanned_all)
        return true;
    const uint8_t *p = view_at(v, reader->scanned_to), *end = view_at(v, v->to);
    while (p < end && !reader->value_started) { /* a byte-order mark, white space: skipped */
        reader->value_started = starts_value(reader, v->from + (uint64_t)(p - v->bytes), *p);
        p += !reader->value_started;
    }
    bool in_string = reader->in_string, escaped = reader->escaped;
    int64_t depth = reader->depth;
    bool found = false;
    while (p < end && !found) {
        if (in_string) {
            p = skip_string(p, end, &in_string, &escaped);
            continue;
        }
        uint8_t c = *p++;
        if (c == '"')
            in_string = true;
        else if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            found = --depth == 0;
        else if (c == '\n' && depth <= 0)
            found = true;
        else if (c == '\n') {
            uint64_t size = v->from + (uint64_t)(p - v->bytes) - reader->request_start;
            if (size >= reader->next_probe) {
                reader->next_probe = size * 2;
                found = reader->cut = fails_before(view_at(v, reader->request_start), (size_t)size);
            }
        }
    }
    reader->scanned_to = v->from + (uint64_t)(p - v->bytes);
    reader->in_string = in_string;
    reader->escaped = escaped;
    reader->depth = depth;
    reader->scanned_all = found;
    return found;
}

/* Hands the request's text (size bytes) to the handler and moves on: after
 * what it read, or to the next request line after a refusal. */
static ptm_result hand_over(json_lines *reader, const view *v, uint64_t size)
{
    uint64_t start = reader->request_start;
    json_request_outcome outcome = {.syntax_error_at = SIZE_MAX};
    if (!reader->handler.request(reader->handler.context, view_at(v, start), (size_t)size, &outcome))
        return reader->status->code;
    if (outcome.converted) {
        reader->mode = LINES_BETWEEN;
        reader->at = start + outcome.consumed;
        return PTM_OK;
    }
    refusal_place place = {.line = reader->line};
    if (outcome.syntax_error_at != SIZE_MAX) {
        uint64_t error_at = start + outcome.syntax_error_at;
        count_lines_to(reader, v, error_at);
        place.error_line = reader->line;
        place.error_column = (size_t)(error_at - reader->line_start + 1);
    }
    if (!reader->handler.refused(reader->handler.context, &place))
        return reader->status->code;
    reader->mode = LINES_AFTER_REFUSAL;
    reader->at = start + 1;
    reader->after_newline = false; /* the request's first byte is not white space */
    return PTM_OK;
}

/* LINES_IN_REQUEST: hands the request over once its text is complete and
 * the byte after it is at hand (cJSON may name that byte as where the text
 * stops being JSON, when it fails on the last one), or the input ends.
 * *waiting: not yet, and v has no more. */
static ptm_result read_request(json_lines *reader, const view *v, bool at_end, bool *waiting)
{
    bool complete = scan_request(reader, v);
    uint64_t size = reader->scanned_to - reader->request_start;
    if (size > reader->max_request_bytes) {
        status_fail(reader->status, PTM_ERR_LIMIT,
                    "input line %u: a request of more than max_input_bytes (%llu) bytes", reader->line,
                    (unsigned long long)reader->max_request_bytes);
        return reader->status->code;
    }
    bool next_at_hand = complete && !reader->cut && reader->scanned_to < v->to;
    *waiting = !next_at_hand && !(complete && reader->cut) && !at_end;
    return *waiting ? PTM_OK : hand_over(reader, v, size + next_at_hand);
}

/* LINES_BETWEEN: skips white space to the next request. False when v ends first. */
static bool find_request(json_lines *reader, const view *v)
{
    const uint8_t *p = view_at(v, reader->at), *end = view_at(v, v->to);
    while (p < end && json_is_space(*p))
        p++;
    reader->at = v->from + (uint64_t)(p - v->bytes);
    count_lines_to(reader, v, reader->at);
    if (p == end)
        return false;
    start_request(reader, reader->at);
    return true;
}

/* LINES_AFTER_REFUSAL: finds the next line that does not start with white
 * space, where the next request is. False when v ends first. */
static bool find_request_line(json_lines *reader, const view *v)
{
    const uint8_t *p = view_at(v, reader->at), *end = view_at(v, v->to);
    bool after_newline = reader->after_newline;
    while (p < end && !(after_newline && !json_is_space(*p))) {
        after_newline = *p == '\n';
        p++;
    }
    reader->after_newline = after_newline;
    reader->at = v->from + (uint64_t)(p - v->bytes);
    if (p == end) {
        count_lines_to(reader, v, reader->at);
        return false;
    }
    reader->mode = LINES_BETWEEN;
    return true;
}

/* Reads v to its end; *keep_from: the offset from which its bytes are still
 * needed (v->to when none are). */
static ptm_result read_view(json_lines *reader, const view *v, bool at_end, uint64_t *keep_from)
{
    for (;;) {
        bool waiting = false;
        if (reader->mode == LINES_IN_REQUEST) {
            if (read_request(reader, v, at_end, &waiting) != PTM_OK)
                return reader->status->code;
            if (waiting) {
                *keep_from = reader->request_start;
                return PTM_OK;
            }
        } else if (!(reader->mode == LINES_BETWEEN ? find_request(reader, v) : find_request_line(reader, v))) {
            *keep_from = v->to;
            return PTM_OK;
        }
    }
}

/* Room for size more held bytes. */
static bool held_reserve(json_lines *reader, size_t size)
{
    if (reader->held_capacity - reader->held_size >= size)
        return true;
    size_t capacity = reader->held_capacity < HELD_STEP ? HELD_STEP : reader->held_capacity;
    while (capacity - reader->held_size < size) {
        if (capacity > SIZE_MAX / 2)
            return false;
        capacity *= 2;
    }
    uint8_t *bigger = reader->allocator.malloc_fn(reader->allocator.context, capacity);
    if (bigger == NULL)
        return false;
    if (reader->held_size > 0)
        memcpy(bigger, reader->held, reader->held_size);
    reader->allocator.free_fn(reader->allocator.context, reader->held);
    reader->held = bigger;
    reader->held_capacity = capacity;
    return true;
}

/* Keeps input [from, fed) out of v (held empty). */
static ptm_result hold(json_lines *reader, const view *v, uint64_t from)
{
    size_t size = (size_t)(v->to - from);
    if (!held_reserve(reader, size)) {
        status_out_of_memory(reader->status);
        return reader->status->code;
    }
    if (size > 0)
        memcpy(reader->held, view_at(v, from), size);
    reader->held_size = size;
    reader->held_from = from;
    return PTM_OK;
}

/* Forgets the held bytes before offset from. */
static void held_drop_before(json_lines *reader, uint64_t from)
{
    size_t dropped = (size_t)(from - reader->held_from);
    memmove(reader->held, reader->held + dropped, reader->held_size - dropped);
    reader->held_size -= dropped;
    reader->held_from = from;
}

/*
 * Completes the held text with the piece, HELD_STEP bytes at a time, until
 * what is unfinished lies in the piece itself. *rest and *rest_size: the
 * part of the piece still to read from where it lies (held is empty then),
 * or nothing (the piece went to held).
 */
static ptm_result complete_held(json_lines *reader, const uint8_t **rest, size_t *rest_size, bool at_end)
{
    while (reader->held_size > 0 && (*rest_size > 0 || at_end)) {
        size_t step = *rest_size < HELD_STEP ? *rest_size : HELD_STEP;
        if (!held_reserve(reader, step)) {
            status_out_of_memory(reader->status);
            return reader->status->code;
        }
        if (step > 0) {
            memcpy(reader->held + reader->held_size, *rest, step);
            *rest += step;
        }
        reader->held_size += step;
        *rest_size -= step;
        uint64_t step_from = reader->fed - *rest_size - step, keep_from;
        view v = {reader->held, reader->held_from, reader->held_from + reader->held_size};
        if (read_view(reader, &v, at_end && *rest_size == 0, &keep_from) != PTM_OK)
            return reader->status->code;
        if (keep_from >= step_from) { /* nothing held is needed: read on in the piece */
            size_t back = (size_t)(step_from + step - keep_from);
            if (back > 0) {
                *rest -= back;
                *rest_size += back;
            }
            reader->held_size = 0;
            return PTM_OK;
        }
        held_drop_before(reader, keep_from);
    }
    return PTM_OK;
}

ptm_result json_lines_read(json_lines *reader, const uint8_t *text, size_t size, bool at_end)
{
    reader->fed += size;
    const uint8_t *rest = text;
    size_t rest_size = size;
    if (complete_held(reader, &rest, &rest_size, at_end) != PTM_OK)
        return reader->status->code;
    if (reader->held_size > 0 || rest_size == 0)
        return PTM_OK; /* held: the piece is in it; else every request so far was read */
    view v = {rest, reader->fed - rest_size, reader->fed};
    uint64_t keep_from;
    if (read_view(reader, &v, at_end, &keep_from) != PTM_OK)
        return reader->status->code;
    return at_end ? PTM_OK : hold(reader, &v, keep_from);
}
