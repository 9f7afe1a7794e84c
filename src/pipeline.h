/*
 * pipeline.h: one conversion, from decoded parts to aggregated series.
 *
 * convert.c implements decode.h's handler: per request it extracts the
 * configured attributes, per resource it records what the encoders need and
 * what samples inherit, per scope it classifies the profiles, and per sample
 * it validates, filters and aggregates. The encoders (encode_*.c) then read
 * the records and the ordered series.
 *
 * Everything here lives in the conversion's arena and dies with it.
 */
#ifndef PTM_PIPELINE_H
#define PTM_PIPELINE_H

#include "aggregate.h"
#include "attributes.h"
#include "classify.h"
#include "decode.h"
#include "filters.h"

typedef struct request_record {
    profile_dictionary *dictionary;
    arena_vector extracted;          /* extracted_attribute: on every point */
} request_record;

typedef struct resource_record {
    uint32_t request;                /* index into conversion.requests */
    const key_value_ref *attributes; /* keys resolved; values raw AnyValue */
    uint32_t attribute_count;
    uint32_t dropped_attributes_count;
    byte_slice schema_url;
    attribute_scan scan;             /* thread/process names on the resource */
    uint8_t pattern_bits;            /* pattern filter over its string values */
} resource_record;

typedef struct conversion {
    const ptm_config *config;
    const metric_table *metrics;
    arena *arena;
    string_interner interner;
    series_aggregator aggregator;
    filter_cache process_cache, thread_cache, pattern_cache;
    arena_vector requests;           /* request_record */
    arena_vector resources;          /* resource_record */
    ptm_stats stats;

    /* The walk's position. */
    profile_dictionary *dictionary;  /* of the current request */
    profile_plan *plans;             /* of the current scope */
    uint32_t plan_cursor;
    const profile_plan *plan;        /* of the current profile */
    attribute_scan profile_scan;     /* profile attributes only */
    uint8_t profile_pattern_bits;    /* profile and resource subjects */
    uint64_t profile_start;
    uint64_t profile_duration;
    uint32_t snapshot;               /* series_key.snapshot for gauges */
    uint32_t profile_serial;

    /* The result, after conversion_finish(). */
    series **ordered;
    uint32_t ordered_count;
} conversion;

bool conversion_init(conversion *c, const ptm_config *config, const metric_table *metrics,
                     arena *a);
/* The handler to pass to decode_request(). */
decode_handler conversion_handler(conversion *c);
/* Applies top_n and orders the series. False when memory ran out. */
bool conversion_finish(conversion *c);

/* One attribute of a data point. */
typedef struct point_attribute {
    byte_slice key;
    byte_slice value;    /* a string, unless is_bool */
    bool is_bool;        /* the value is boolean true (otel.metric.overflow) */
} point_attribute;

/* The number of attributes a point of this conversion may have at most. */
uint32_t point_attribute_capacity(const conversion *c);
/* Fills out[] with the attributes of s, returns how many. */
uint32_t point_attributes(const conversion *c, const series *s, point_attribute *out);

/* The value of s as its metric writes it. */
static inline double series_double_value(const metric_def *def, const series *s)
{
    return (double)s->value / def->divisor;
}

#endif /* PTM_PIPELINE_H */
