/*
 * encode.h: the output formats of a finished conversion.
 *
 * Each encoder reads the conversion's resource records and its series in
 * output order (by resource, metric, first sight) and appends to out. They
 * return false only when memory ran out.
 */
#ifndef PTM_ENCODE_H
#define PTM_ENCODE_H

#include <assert.h>
#include <string.h>

#include "base/utf8.h"
#include "convert/pipeline.h"

/* ExportMetricsServiceRequest, protobuf, written back to front. */
bool encode_otlp_protobuf(const conversion *c, byte_buffer *out);
/* OTLP/JSON, one ExportMetricsServiceRequest per input request, one per line. */
bool encode_otlp_json(const conversion *c, byte_buffer *out);
/* Prometheus text exposition format 0.0.4. Uses the conversion's interner
 * to deduplicate label names. */
bool encode_prometheus(conversion *c, byte_buffer *out);
/* Folded (collapsed) stacks of the kept samples of the folded measure. */
bool encode_folded(const conversion *c, byte_buffer *out);
/* The summary for reading (PTM_FORMAT_TOP), from the same stacks; marks
 * rounds on the conversion's interner. */
bool encode_top(conversion *c, byte_buffer *out);

/* Shared by the text encoders. */

/* buffer_append with its common case (room left) inline: the text encoders
 * append many small pieces. */
static inline bool text_append(byte_buffer *b, const void *data, size_t size)
{
    if (b->data == NULL || b->capacity - b->size < size)
        return buffer_append(b, data, size);
    if (size > 0)
        memcpy(b->data + b->size, data, size);
    b->size += size;
    return true;
}

/* text_append of a string literal, its length known when compiling. */
#define text_append_literal(b, literal) text_append((b), "" literal, sizeof(literal) - 1)

/* Appends a name for text people read at a terminal (folded stacks, the
 * top summary): a control character (a byte below 0x20, or 0x7f) becomes
 * '_', so that a profile's names cannot move the cursor, clear the screen
 * or recolour the terminal; with semicolons, ';' too (the folded format's
 * separator). */
bool text_append_printable(byte_buffer *b, byte_slice name, bool semicolons);

/* Writes value as "%.15g", else "%.16g", else "%.17g" would: the first that
 * reads back equal (number_text.h). */
bool format_double(byte_buffer *out, double value);

/* A set of ASCII bytes, one bit each. */
typedef struct ascii_set {
    uint64_t bits[2];
} ascii_set;

/* The length of the longest prefix of text that is valid UTF-8 holding no
 * byte of stops: what an escaper copies in one append. */
size_t utf8_plain_run(const uint8_t *text, size_t size, const ascii_set *stops);

/* Writes text as the body of a JSON string (no quotes): escapes what JSON
 * requires and replaces invalid UTF-8 with U+FFFD. */
bool json_escape(byte_buffer *out, byte_slice text);

/* The end (exclusive) of the run of ordered series starting at `from` that
 * share a resource (by_metric false) or a resource and metric (true). */
uint32_t series_run_end(const conversion *c, uint32_t from, bool by_metric);

/* The start of the run of ordered series ending (exclusive) at `end`, not
 * before `from`, that share a resource (by_metric false) or a resource and
 * metric (true). */
uint32_t series_run_start(const conversion *c, uint32_t from, uint32_t end, bool by_metric);

/* The index in resource->copied of a point's POINT_ANY attribute (its
 * message is that copied attribute's), searching from `from`: a point's
 * copied attributes come in their resource's order. */
static inline uint32_t copied_index(const resource_record *resource, const point_attribute *attribute,
                                    uint32_t from)
{
    while (resource->copied[from].message.data != attribute->message.data) {
        from++;
        assert(from < resource->copied_count);
    }
    return from;
}

#endif /* PTM_ENCODE_H */
