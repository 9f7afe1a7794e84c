/*
 * prom_writer.h: the state of one Prometheus exposition being written,
 * shared by encode_prom.c (families and samples) and prom_labels.c (each
 * series' labels), private to src/encode/. Calls run one way:
 * encode_prom → prom_labels → prom_names.
 */
#ifndef PTM_PROM_WRITER_H
#define PTM_PROM_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "encode/encode.h"

/* A label ready to write: its sanitised name and raw value, and for the
 * labels many series repeat (a resource's) its text name="value", escaped,
 * made once. */
typedef struct prom_label {
    byte_slice name;            /* empty: left out */
    byte_slice value;
    byte_slice text;            /* empty until made */
    byte_slice key;             /* the attribute's key: colliding keys join in its order */
    uint32_t id;                /* name's id in the conversion's interner */
} prom_label;

/* The label name of a key points share, by the key's address: built-in
 * keys and configured ones are the same bytes at the same place for every
 * point. */
typedef struct cached_name {
    byte_slice key;             /* data NULL: an empty slot */
    byte_slice name;
    uint32_t id;
} cached_name;

typedef struct prom_writer {
    conversion *c;              /* its interner deduplicates label names */
    byte_buffer *out;
    bool ok;
    arena_vector *resource_labels; /* prom_label, by resource, once computed */
    bool *resource_labels_known;
    prom_label **copied_labels;    /* by resource, once its first point is written:
                                      the label of each copied attribute */
    cached_name *names;            /* open addressing by the key's address */
    uint32_t name_count, name_mask;
    /* By label name id, for one set of labels at a time (merge_labels): */
    uint32_t *seen;                /* the generation that last met the id */
    uint32_t *head, *tail;         /* its first and last label in the set */
    uint32_t by_id_capacity, generation;
    uint32_t *next;                /* by label: the next one of its name, or NO_LABEL */
    prom_label **group;            /* scratch: one name's labels, to sort */
} prom_writer;

#define NO_LABEL UINT32_MAX

/* Room for label name ids up to id in the writer's by-id tables; false when
 * memory ran out. Doubles, so growing costs linear time in all. */
bool prom_grow_by_id(prom_writer *w, uint32_t id);

/* Writes a sample's series to w->out: the family name, the resource's
 * labels (but for names the point's own attributes give a non-empty value),
 * then the point's attributes. attributes and point_labels: scratch room for
 * point_attribute_capacity() of each; w->next and w->group likewise. */
void prom_put_series(prom_writer *w, byte_slice family, const series *s,
                     point_attribute *attributes, prom_label *point_labels);

#endif /* PTM_PROM_WRITER_H */
