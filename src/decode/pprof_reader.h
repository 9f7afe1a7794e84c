/*
 * pprof_reader.h: what the files of the pprof reader share (private to
 * src/decode/): the reader's state, its fault and field helpers and the id
 * maps (pprof_fields.c), the tables of mappings, functions and locations
 * (pprof_tables.c), and the labels as attributes (pprof_labels.c).
 * pprof_decode.c reads the top level and the samples and hands them over.
 * Calls run one way: decode → tables, labels → fields.
 */
#ifndef PTM_PPROF_READER_H
#define PTM_PPROF_READER_H

#include "decode/pprof_decode.h"
#include "wire/wire_read.h"

/* pprof ids of a table, by index - 1, and how to find an id's index. */
typedef struct id_map {
    uint64_t *ids;          /* the id of entry index i + 1 */
    uint32_t count;
    bool dense;             /* ids[i] == i + 1 (or 0) throughout: the index is the id */
    uint64_t *sorted;       /* !dense: the ids in ascending order ... */
    uint32_t *sorted_index; /* ... and the index of each */
} id_map;

/* One label as read, the identity of an attribute entry. */
typedef struct label_key {
    int64_t key, str, num;
    bool numeric;
} label_key;

typedef struct pprof_reader {
    arena *arena;
    ptm_status *status;
    profile_dictionary *dictionary;
    /* The top level: slices (wire_cursor) of each repeated message. */
    arena_vector sample_types, samples, mappings, locations, functions;
    wire_cursor period_type;
    bool has_period_type;
    int64_t period, time_nanos, duration_nanos;
    uint32_t pprof_string_count;       /* the strings before any renamed key */
    id_map mapping_ids, function_ids, location_ids;
    /* Samples: values[j * type_count + i] is sample j's value of type i. */
    uint32_t type_count;
    arena_vector values;               /* int64_t */
    arena_vector sample_attributes;    /* int32_t, every sample's, in order */
    arena_vector attribute_ranges;     /* uint32_t[2]: first, count per sample */
    /* Distinct labels: an open-addressing table of attribute indices. */
    arena_vector labels;               /* label_key, by attribute index */
    uint32_t *label_slots;             /* attribute index + 1, or 0 */
    uint32_t label_slot_count;         /* a power of two, at least twice the labels */
    int32_t *renamed_keys;             /* by pprof key strindex: the key's index, or -2 */
    int32_t canonical_keys[4];         /* appended strindex of each canonical key, or -1 */
} pprof_reader;

/* Faults, each recorded in reader->status; they return false. */
bool pprof_malformed(pprof_reader *reader, const char *where, const char *what);
bool pprof_out_of_memory(pprof_reader *reader);
/* Appends to a vector of the reader's arena, at most limit entries; NULL
 * (recorded) on failure; where names the field for the message. */
void *pprof_push(pprof_reader *reader, arena_vector *vector, size_t item_size, uint32_t limit,
                 const char *where);
/* A pprof string index (int64) as a dictionary index: -1 when out of int32. */
int32_t pprof_string_index(int64_t raw);

/* Field readers over the wire reader's (wire_read.h): false (recorded,
 * "malformed pprof in <where>: <the fault's text>") on a fault. A singular
 * varint or int64; the span of a length-delimited field; the values of a
 * repeated varint field (a packed run or one varint) and the next of them;
 * the next tag; a field this reader skips (field: its number, for the
 * message). */
bool pprof_read_varint_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, uint64_t *out,
                             const char *where);
bool pprof_read_int64_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, int64_t *out,
                            const char *where);
bool pprof_read_span_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, wire_cursor *span,
                           const char *where);
bool pprof_read_run_field(pprof_reader *reader, wire_cursor *cursor, uint32_t wire_type, wire_cursor *run,
                          const char *where);
bool pprof_next_varint(pprof_reader *reader, wire_cursor *run, uint64_t *out, const char *where);
bool pprof_read_tag(pprof_reader *reader, wire_cursor *cursor, uint32_t *field, uint32_t *wire_type,
                    const char *where);
bool pprof_skip_field(pprof_reader *reader, wire_cursor *cursor, uint32_t field, uint32_t wire_type,
                      const char *where);

/* Id maps: room for the ids of a table of count entries; settled once every
 * id is known (a repeated id is a fault); the index of the entry with an id
 * (0 for id 0, none; -1 for an id that names nothing). */
bool pprof_id_map_init(pprof_reader *reader, id_map *map, uint32_t count);
bool pprof_id_map_finish(pprof_reader *reader, id_map *map, const char *where);
int32_t pprof_id_map_find(const id_map *map, uint64_t id);

/* pprof_tables.c: the mappings, functions and locations into the
 * dictionary, in that order (a location refers to the others by id). */
bool pprof_read_tables(pprof_reader *reader);

/* pprof_labels.c: one Label of a sample, onto reader->sample_attributes as
 * an attribute index (one attribute per distinct label). */
bool pprof_read_label(pprof_reader *reader, wire_cursor entry);

#endif /* PTM_PPROF_READER_H */
