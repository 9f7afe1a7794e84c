/*
 * prom_names.h: Prometheus names of OTLP metrics and attribute keys, the way
 * Prometheus' own OTLP translation names them (see prom_names.c).
 */
#ifndef PTM_PROM_NAMES_H
#define PTM_PROM_NAMES_H

#include <stdbool.h>

#include "base/arena.h"

/* The metric family name of an OTLP metric (a Sum when !gauge, always
 * monotonic here), in the arena. Empty when no character of it is kept
 * (Prometheus refuses such a name) or memory ran out (a->failed). */
byte_slice prom_metric_name(arena *a, const char *metric_name, const char *unit, bool gauge);

/* The label name of an attribute key, in the arena. Empty when the key has
 * no letter or digit (Prometheus refuses it: the label is left out) or
 * memory ran out (a->failed). */
byte_slice prom_label_name(arena *a, byte_slice key);

#endif /* PTM_PROM_NAMES_H */
