/*
 * encode_folded.c: PTM_FORMAT_FOLDED, the collapsed stacks of the kept
 * samples of one measure ("folded": {"measure"}), the text flamegraph.pl,
 * inferno and speedscope read:
 *
 *   process;thread;root frame;...;leaf frame VALUE\n
 *
 * VALUE is the sum of the samples' values in the measure's base unit
 * (nanoseconds, bytes for memory and inuse, a count for inuse_objects), an
 * integer. In-use measures are snapshots: each resource's latest profile
 * only, never summed across profiles (conversion_folded_key). A name that is absent is
 * written "[unknown]"; in names, ';' (which the format cannot hold) and
 * control characters (newline, escape, ...: text_append_printable) become
 * '_'. Lines are sorted bytewise and each text appears
 * once (stacks whose names read the same after that are summed).
 *
 * The conversion collected the stacks as interned ids (convert.c,
 * add_folded); here each becomes its text in a scratch buffer, then the
 * lines are sorted and written.
 */
#include "encode/encode.h"

#include <inttypes.h>
#include <stdlib.h>

typedef struct folded_line {
    const uint8_t *text;
    size_t size;
    int64_t value;
} folded_line;

static bool append_name(byte_buffer *b, byte_slice name)
{
    if (name.size == 0)
        return text_append_literal(b, "[unknown]");
    return text_append_printable(b, name, true);
}

static int compare_lines(const void *a, const void *b)
{
    const folded_line *x = a, *y = b;
    size_t common = x->size < y->size ? x->size : y->size;
    int order = memcmp(x->text, y->text, common);
    return order != 0 ? order : (x->size > y->size) - (x->size < y->size);
}

/* The text of folded stack key into texts; its offset and size in *line.
 * The key's last id, the self function (encode_top.c's), is not written. */
static bool render_key(const conversion *c, byte_slice key, byte_buffer *texts, size_t *offset, size_t *size)
{
    const uint8_t *ids = key.data;
    *offset = texts->size;
    for (size_t at = 0; at + 2 * sizeof(uint32_t) <= key.size; at += sizeof(uint32_t)) {
        uint32_t name;
        memcpy(&name, ids + at, sizeof name);
        if ((at > 0 && !text_append_literal(texts, ";")) ||
            !append_name(texts, name != INTERN_NONE ? interned(&c->interner, name) : (byte_slice){NULL, 0}))
            return false;
    }
    *size = texts->size - *offset;
    return true;
}

bool encode_folded(const conversion *c, byte_buffer *out)
{
    uint32_t count = c->collect_folded ? c->folded_values.count : 0;
    if (count == 0)
        return true;
    folded_line *lines = arena_alloc(c->arena, (size_t)count * sizeof *lines);
    size_t *offsets = arena_alloc(c->arena, (size_t)count * sizeof *offsets);
    byte_buffer texts;
    buffer_init(&texts, c->arena);
    if (lines == NULL || offsets == NULL)
        return false;
    const int64_t *values = c->folded_values.items;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < count; i++) {
        byte_slice key;
        if (!conversion_folded_key(c, i + 1, &key))
            continue; /* a superseded snapshot */
        if (!render_key(c, key, &texts, &offsets[kept], &lines[kept].size))
            return false;
        lines[kept++].value = values[i];
    }
    count = kept;
    for (uint32_t i = 0; i < count; i++)
        lines[i].text = texts.data + offsets[i]; /* texts no longer moves */
    qsort(lines, count, sizeof *lines, compare_lines);
    for (uint32_t i = 0; i < count;) {
        int64_t sum = lines[i].value;
        uint32_t next = i + 1;
        for (; next < count && compare_lines(&lines[i], &lines[next]) == 0; next++) {
            if (__builtin_add_overflow(sum, lines[next].value, &sum))
                sum = INT64_MAX;
        }
        if (!text_append(out, lines[i].text, lines[i].size) || !buffer_printf(out, " %" PRId64 "\n", sum))
            return false;
        i = next;
    }
    return true;
}
