/*
 * encode_top.c: PTM_FORMAT_TOP, a summary for people at a terminal:
 *
 *   ptm --top: 3 requests, 5 resources, 5 profiles; samples: 120 kept, 0 filtered, 0 invalid, 2 skipped
 *   totals: CPU 1.23 s, off-CPU 0 ns, wall 0 ns, allocated 0 B, allocations 0
 *
 *   top 10 processes by CPU time (of 1.23 s)
 *     1.01 s   82.1%  nginx
 *   ...the same for threads ("thread (process)"), functions by self time
 *   (the leaf frame) and functions by inclusive time (each function once a
 *   stack, however often it recurs).
 *
 * The tables read the stacks the conversion collected for the folded
 * measure ("folded": {"measure"}, cpu by default), each (process, thread,
 * frames) key with its summed value (convert.c, add_folded), so they count
 * exactly the kept samples folded output writes, under the same filters
 * (an in-use measure: each resource's latest profile only); the totals line is every summed measure's kept value (conversion
 * measure_totals). Rows: value descending, then name bytewise; only values
 * above 0; at most c->top_count per table. Values are scaled for reading:
 * nanoseconds to the largest of ns, us, ms, s at or below them, bytes to B,
 * KiB, MiB, GiB, TiB (1024), with 2 decimals below 10, 1 below 100, none
 * above (integers stay integers), counts (allocations, in-use objects)
 * as they are; shares of the table's total, 1 decimal.
 * Names are written as they are ("[unknown]" when absent), but for control
 * characters, which become '_' (text_append_printable); the value column
 * is right-aligned to the table's widest value.
 */
#include "encode/encode.h"

#include <inttypes.h>
#include <stdlib.h>

static const char *const measure_titles[MEASURE_BUILTIN_COUNT] = {
    [MEASURE_CPU] = "CPU time", [MEASURE_OFF_CPU] = "off-CPU time", [MEASURE_WALL] = "wall time",
    [MEASURE_MEMORY] = "allocated memory", [MEASURE_INUSE] = "in-use memory",
    [MEASURE_INUSE_OBJECTS] = "in-use objects"};

typedef struct top_row {
    int64_t value;
    uint32_t name;    /* interned id in c->interner, or a thread pair's id in pairs */
    byte_slice label; /* what the row shows */
} top_row;

/* Per-name sums: values[id] for ids of c->interner (or of the pairs). */
typedef struct top_sums {
    int64_t *values;
    uint32_t count;
} top_sums;

static bool sums_init(top_sums *sums, arena *a, uint32_t count)
{
    sums->count = count;
    sums->values = arena_alloc(a, (size_t)count * sizeof *sums->values);
    if (sums->values != NULL)
        memset(sums->values, 0, (size_t)count * sizeof *sums->values);
    return sums->values != NULL;
}

static void sums_add(top_sums *sums, uint32_t id, int64_t value)
{
    if (__builtin_add_overflow(sums->values[id], value, &sums->values[id]))
        sums->values[id] = INT64_MAX;
}

/* The four tables' sums, from the collected stacks. */
typedef struct top_tables {
    top_sums processes, self, inclusive, threads;
    string_interner pairs; /* (process id, thread id) bytes → thread table id */
    int64_t total;         /* of the folded measure */
} top_tables;

static uint32_t key_id(const uint8_t *key, size_t at)
{
    uint32_t id;
    memcpy(&id, key + at * sizeof id, sizeof id);
    return id;
}

/* Adds one collected stack (key: process, thread, frames root first, the
 * self function). */
static bool add_stack(conversion *c, top_tables *t, byte_slice key, int64_t value)
{
    size_t ids = key.size / sizeof(uint32_t);
    uint32_t pair = intern(&t->pairs, (byte_slice){key.data, 2 * sizeof(uint32_t)});
    if (pair == INTERN_NONE)
        return false;
    sums_add(&t->processes, key_id(key.data, 0), value);
    sums_add(&t->threads, pair, value);
    if (ids > 3)
        sums_add(&t->self, key_id(key.data, ids - 1), value);
    interner_mark_round(&c->interner);
    for (size_t i = 2; i + 1 < ids; i++) {
        uint32_t frame = key_id(key.data, i);
        if (interner_mark(&c->interner, frame))
            sums_add(&t->inclusive, frame, value);
        else if (c->arena->failed)
            return false;
    }
    if (__builtin_add_overflow(t->total, value, &t->total))
        t->total = INT64_MAX;
    return true;
}

static bool collect_tables(conversion *c, top_tables *t)
{
    uint32_t names = c->interner.strings.count + 1;
    uint32_t stacks = c->collect_folded ? c->folded_values.count : 0;
    if (!sums_init(&t->processes, c->arena, names) || !sums_init(&t->self, c->arena, names) ||
        !sums_init(&t->inclusive, c->arena, names) || !sums_init(&t->threads, c->arena, stacks + 1) ||
        !interner_init(&t->pairs, c->arena, &c->hash_key))
        return false;
    const int64_t *values = c->folded_values.items;
    for (uint32_t i = 0; i < stacks; i++) {
        byte_slice key;
        if (conversion_folded_key(c, i + 1, &key) && !add_stack(c, t, key, values[i]))
            return false;
    }
    return true;
}

static byte_slice name_of(const conversion *c, uint32_t id)
{
    static const byte_slice unknown = {(const uint8_t *)"[unknown]", 9};
    byte_slice name = id != INTERN_NONE ? interned(&c->interner, id) : unknown;
    return name.size > 0 ? name : unknown;
}

static int compare_rows(const void *a, const void *b)
{
    const top_row *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? 1 : -1;
    size_t common = x->label.size < y->label.size ? x->label.size : y->label.size;
    int order = common > 0 ? memcmp(x->label.data, y->label.data, common) : 0;
    return order != 0 ? order : (x->label.size > y->label.size) - (x->label.size < y->label.size);
}

/* Appends "name" or "thread (process)" for a thread pair. */
static bool thread_label(const conversion *c, const top_tables *t, uint32_t pair, byte_buffer *labels)
{
    byte_slice key = interned(&t->pairs, pair);
    byte_slice process = name_of(c, key_id(key.data, 0)), thread = name_of(c, key_id(key.data, 1));
    return buffer_append(labels, thread.data, thread.size) && buffer_append(labels, " (", 2) &&
           buffer_append(labels, process.data, process.size) && buffer_append(labels, ")", 1);
}

/* The rows of a table with a value above 0, sorted; *count of them. */
static top_row *table_rows(conversion *c, const top_tables *t, const top_sums *sums, bool threads,
                           uint32_t *count)
{
    *count = 0;
    top_row *rows = arena_alloc(c->arena, (size_t)sums->count * sizeof *rows + 1);
    byte_buffer labels;
    buffer_init(&labels, c->arena);
    size_t *offsets = arena_alloc(c->arena, (size_t)sums->count * sizeof *offsets + 1);
    if (rows == NULL || offsets == NULL)
        return NULL;
    for (uint32_t id = 0; id < sums->count; id++) {
        if (sums->values[id] <= 0)
            continue;
        offsets[*count] = labels.size;
        byte_slice name = threads ? (byte_slice){NULL, 0} : name_of(c, id);
        if (threads ? !thread_label(c, t, id, &labels) : !buffer_append(&labels, name.data, name.size))
            return NULL;
        rows[*count] = (top_row){sums->values[id], id, {NULL, labels.size - offsets[*count]}};
        (*count)++;
    }
    for (uint32_t i = 0; i < *count; i++)
        rows[i].label.data = labels.data + offsets[i]; /* labels no longer moves */
    qsort(rows, *count, sizeof *rows, compare_rows);
    return rows;
}

/* How a measure's values are written: times and bytes scaled, counts as they are. */
typedef enum value_scale { SCALE_TIME, SCALE_BYTES, SCALE_COUNT } value_scale;

static value_scale scale_of(measure_kind measure)
{
    return measure == MEASURE_MEMORY || measure == MEASURE_INUSE ? SCALE_BYTES
         : measure == MEASURE_ALLOCATIONS || measure == MEASURE_INUSE_OBJECTS ? SCALE_COUNT
         : SCALE_TIME;
}

/* value in unit (its family's scale), as the header comment says. */
static bool format_scaled(byte_buffer *out, int64_t value, value_scale how)
{
    if (how == SCALE_COUNT)
        return buffer_printf(out, "%" PRId64, value);
    bool bytes = how == SCALE_BYTES;
    static const char *const time_units[] = {"ns", "us", "ms", "s"};
    static const char *const byte_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    const char *const *units = bytes ? byte_units : time_units;
    int unit_count = bytes ? 5 : 4;
    double scale = 1, step = bytes ? 1024 : 1000;
    int unit = 0;
    while (unit + 1 < unit_count && (double)value >= scale * step) {
        scale *= step;
        unit++;
    }
    if (unit == 0)
        return buffer_printf(out, "%" PRId64 " %s", value, units[0]);
    double scaled = (double)value / scale;
    int decimals = scaled < 10 ? 2 : scaled < 100 ? 1 : 0;
    return buffer_printf(out, "%.*f %s", decimals, scaled, units[unit]);
}

/* One table: its title line, then up to top_count rows. */
static bool encode_table(conversion *c, const top_tables *t, const top_sums *sums, bool threads,
                         const char *what, const char *by, byte_buffer *out)
{
    uint32_t count;
    top_row *rows = table_rows(c, t, sums, threads, &count);
    if (rows == NULL)
        return false;
    value_scale how = scale_of(c->config->folded_measure);
    uint32_t shown = count < c->top_count ? count : c->top_count;
    if (!buffer_printf(out, "\ntop %" PRIu32 " %s by %s%s (of ", c->top_count, what, by,
                       measure_titles[c->config->folded_measure]) ||
        !format_scaled(out, t->total, how) || !text_append_literal(out, ")\n"))
        return false;
    byte_buffer cells;
    buffer_init(&cells, c->arena);
    size_t *ends = arena_alloc(c->arena, (size_t)shown * sizeof *ends + 1);
    size_t width = 0;
    for (uint32_t i = 0; i < shown && ends != NULL; i++) {
        size_t start = cells.size;
        if (!format_scaled(&cells, rows[i].value, how))
            return false;
        ends[i] = cells.size;
        width = ends[i] - start > width ? ends[i] - start : width;
    }
    if (ends == NULL)
        return false;
    for (uint32_t i = 0; i < shown; i++) {
        size_t start = i > 0 ? ends[i - 1] : 0, size = ends[i] - start;
        double share = t->total > 0 ? 100.0 * (double)rows[i].value / (double)t->total : 0;
        if (!buffer_printf(out, "  %*s%.*s  %5.1f%%  ", (int)(width - size), "", (int)size, cells.data + start,
                           share) ||
            !text_append_printable(out, rows[i].label, false) || !text_append_literal(out, "\n"))
            return false;
    }
    return true;
}

/* The first two lines: the counts, and each summed measure's total. */
static bool encode_totals(const conversion *c, byte_buffer *out)
{
    const ptm_stats *s = &c->stats;
    static const char *const names[] = {"CPU", "off-CPU", "wall", "allocated", "allocations"};
    if (!buffer_printf(out, "ptm --top: %" PRIu64 " requests, %" PRIu64 " resources, %" PRIu64
                       " profiles; samples: %" PRIu64 " kept, %" PRIu64 " filtered, %" PRIu64
                       " invalid, %" PRIu64 " skipped\ntotals:",
                       s->requests, s->resources, s->profiles, s->samples_kept, s->samples_filtered,
                       s->samples_invalid, s->samples_skipped))
        return false;
    for (int m = 0; m < BREAKDOWN_MEASURE_COUNT; m++) {
        bool ok = buffer_printf(out, "%s %s ", m > 0 ? "," : "", names[m]) &&
                  format_scaled(out, c->measure_totals[m], scale_of((measure_kind)m));
        if (!ok)
            return false;
    }
    return text_append_literal(out, "\n");
}

bool encode_top(conversion *c, byte_buffer *out)
{
    top_tables t = {0};
    return encode_totals(c, out) && collect_tables(c, &t) &&
           encode_table(c, &t, &t.processes, false, "processes", "", out) &&
           encode_table(c, &t, &t.threads, true, "threads", "", out) &&
           encode_table(c, &t, &t.self, false, "functions", "self ", out) &&
           encode_table(c, &t, &t.inclusive, false, "functions", "inclusive ", out);
}
