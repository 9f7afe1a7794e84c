/*
 * pprof_fields.c: the pprof reader's faults, its readers of single fields
 * (each checking the wire type and naming the field at fault), and the id
 * maps that turn pprof ids into dictionary indices.
 *
 * Every fault is "malformed pprof in <where>: <what>" (PTM_ERR_INPUT) or a
 * table over its limit (PTM_ERR_LIMIT, limits.h). An id map is dense (the
 * index is the id) when a table's ids are 1, 2, ... or all absent, and
 * otherwise sorted once and searched.
 */
#include "decode/pprof_reader.h"

#include <stdlib.h>

bool pprof_malformed(pprof_reader *reader, const char *where, const char *what)
{
    return status_fail(reader->status, PTM_ERR_INPUT, "malformed pprof in %s: %s", where, what);
}

static bool over_limit(pprof_reader *reader, const char *where)
{
    return status_fail(reader->status, PTM_ERR_LIMIT, "a table is over its size limit (in pprof %s)", where);
}

bool pprof_out_of_memory(pprof_reader *reader)
{
    return status_out_of_memory(reader->status);
}

/* Appends to a vector of the reader's arena; false (recorded) on failure. */
void *pprof_push(pprof_reader *reader, arena_vector *vector, size_t item_size, uint32_t limit,
                 const char *where)
{
    if (vector->count >= limit) {
        over_limit(reader, where);
        return NULL;
    }
    void *item = vector_push(reader->arena, vector, item_size);
    if (item == NULL)
        pprof_out_of_memory(reader);
    return item;
}

/* A pprof string index (int64) as a dictionary index: -1 when out of int32. */
int32_t pprof_string_index(int64_t raw)
{
    return raw >= 0 && raw <= INT32_MAX ? (int32_t)raw : -1;
}

/* ---- fields: the wire reader's (wire_read.h), the fault named ---- */

/* Records a fault of the field at where unless it is WIRE_OK; whether it was. */
static bool field_ok(pprof_reader *reader, wire_fault fault, const char *where)
{
    return fault == WIRE_OK || pprof_malformed(reader, where, wire_fault_text(fault));
}

bool pprof_read_varint_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, uint64_t *out,
                             const char *where)
{
    return field_ok(reader, wire_take_varint(cursor, wire_type, out), where);
}

bool pprof_read_int64_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, int64_t *out,
                            const char *where)
{
    uint64_t raw = 0;
    if (!pprof_read_varint_field(reader, cursor, wire_type, &raw, where))
        return false;
    *out = (int64_t)raw;
    return true;
}

bool pprof_read_span_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, wire_cursor *span,
                           const char *where)
{
    return field_ok(reader, wire_take_span(cursor, wire_type, span), where);
}

bool pprof_read_run_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, wire_cursor *run,
                          const char *where)
{
    return field_ok(reader, wire_take_run(cursor, wire_type, run), where);
}

bool pprof_next_varint(pprof_reader *reader, wire_cursor *run, uint64_t *out, const char *where)
{
    return field_ok(reader, wire_next_varint(run, out), where);
}

bool pprof_read_tag(pprof_reader *reader, wire_cursor *cursor, uint32_t *field, uint32_t *wire_type,
                    const char *where)
{
    return field_ok(reader, wire_take_tag(cursor, field, wire_type), where);
}

bool pprof_skip_field(pprof_reader *reader, wire_cursor *cursor, uint32_t field, uint32_t wire_type,
                      const char *where)
{
    wire_fault fault = wire_skip_value(cursor, wire_type);
    if (fault == WIRE_OK)
        return true;
    char text[64];
    wire_skip_fault_text(text, sizeof text, field, wire_type, fault);
    return pprof_malformed(reader, where, text);
}

/* ---- id maps ---- */

static int compare_pairs(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Settles how ids are found once every id of the table is known. */
bool pprof_id_map_finish(pprof_reader *reader, id_map *map, const char *where)
{
    bool positional = true, unnumbered = true;
    for (uint32_t i = 0; i < map->count && (positional || unnumbered); i++) {
        positional = positional && map->ids[i] == (uint64_t)i + 1;
        unnumbered = unnumbered && map->ids[i] == 0;
    }
    /* A table without ids (the .NET profiler's functions) is referred to
     * by position, as one numbered 1, 2, ... is. */
    map->dense = positional || unnumbered;
    if (map->dense)
        return true;
    uint64_t *pairs = arena_alloc(reader->arena, ((size_t)map->count + 1) * 2 * sizeof(uint64_t));
    map->sorted = arena_alloc(reader->arena, ((size_t)map->count + 1) * sizeof(uint64_t));
    map->sorted_index = arena_alloc(reader->arena, ((size_t)map->count + 1) * sizeof(uint32_t));
    if (pairs == NULL || map->sorted == NULL || map->sorted_index == NULL)
        return pprof_out_of_memory(reader);
    for (uint32_t i = 0; i < map->count; i++) {
        pairs[2 * i] = map->ids[i];
        pairs[2 * i + 1] = i + 1;
    }
    qsort(pairs, map->count, 2 * sizeof(uint64_t), compare_pairs);
    for (uint32_t i = 0; i < map->count; i++) {
        if (i > 0 && pairs[2 * i] == pairs[2 * i - 2] && pairs[2 * i] != 0)
            return status_fail(reader->status, PTM_ERR_INPUT, "malformed pprof in %s.id: %llu appears twice",
                               where, (unsigned long long)pairs[2 * i]);
        map->sorted[i] = pairs[2 * i];
        map->sorted_index[i] = (uint32_t)pairs[2 * i + 1];
    }
    return true;
}

/* The index of the entry with this id: 0 for id 0 (none), -1 for none. */
int32_t pprof_id_map_find(const id_map *map, uint64_t id)
{
    if (id == 0)
        return 0;
    if (map->dense)
        return id <= map->count ? (int32_t)id : -1;
    uint32_t low = 0, high = map->count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        if (map->sorted[middle] < id)
            low = middle + 1;
        else
            high = middle;
    }
    return low < map->count && map->sorted[low] == id ? (int32_t)map->sorted_index[low] : -1;
}

/* Room for the ids of a table of count entries. */
bool pprof_id_map_init(pprof_reader *reader, id_map *map, uint32_t count)
{
    map->count = count;
    map->ids = arena_alloc(reader->arena, ((size_t)count + 1) * sizeof(uint64_t));
    return map->ids != NULL || pprof_out_of_memory(reader);
}
