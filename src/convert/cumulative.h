/*
 * cumulative.h: the series a cumulative converter keeps across conversions.
 *
 * With "temporality": "cumulative", each conversion aggregates its input as
 * usual (past the cardinality limit, a key the store holds keeps its own
 * series: cumulative_watch()), then cumulative_merge() adds
 * its series into the store and puts the store's whole content back into the
 * conversion, which the encoders then write: every series the converter
 * holds, with the value accumulated since the series was first seen, the
 * start of its first window and the end of its latest one.
 *
 * The store owns copies of everything a series needs after its input is gone
 * (names, canonical resource attributes, the rules' values), in an arena of
 * the converter's allocator that lives until cumulative_clear(). Its ids are
 * its own: conversion ids are translated once per distinct string or
 * resource per merge, never per sample.
 *
 * The same store holds what ptm_converter_add() adds for
 * ptm_converter_flush(): there every series' start is when it was first
 * added and its end when it was last added to (cumulative_absorb's stamp),
 * which the flush uses to expire idle series, and cumulative_stamp() gives
 * the points their flush times.
 *
 * Bounds: the cardinality limit counts the series the store holds, per
 * metric (past it, values go to the overflow series of their resource).
 * Gauges hold their latest snapshot only. Invariant: store series keys use
 * store ids and snapshot 0.
 */
#ifndef PTM_CUMULATIVE_H
#define PTM_CUMULATIVE_H

#include "convert/pipeline.h"

typedef struct cumulative_store {
    arena arena;                     /* everything below; freed by cumulative_clear() */
    bool ready;                      /* the tables below are initialised */
    string_interner names;           /* thread, process, function names (copies) */
    string_interner identities;      /* resource identities (copies): id = index + 1 */
    arena_vector resources;          /* resource_record: canonical attributes, schema URL */
    string_interner rule_identities; /* rule set identities (copies): id = index + 1 */
    arena_vector rule_sets;          /* rule_set, values copied; [0] is the empty set */
    /* Keys in store ids. A metric's values past cardinality_limit go to one
     * overflow series, under the resource of no attributes (not one per
     * resource: a fleet whose pids churn cannot grow it). */
    series_aggregator aggregator;
} cumulative_store;

/* An empty store drawing on allocator. Allocates nothing. */
void cumulative_init(cumulative_store *store, const ptm_allocator *allocator);

/* Forgets every series and frees the store's memory; it may be used again,
 * as it was made. */
void cumulative_clear(cumulative_store *store);

/*
 * Adds the series of c (aggregated, not finished) into the store and the
 * values sent to overflow series to c->stats.overflowed. stamp 0 keeps each
 * series' own span; another stamp is the time of a held input
 * (ptm_converter_add): a new series starts at it, and every series it
 * touches ends at it (the time it was last updated). All or nothing: every
 * series c needs is found or made in the store first, then the values are
 * added, which allocates nothing; false when memory ran out, the store then
 * holding what it held (and takes the next input).
 */
bool cumulative_absorb(cumulative_store *store, conversion *c, uint64_t stamp);

/*
 * Sets c (initialised, nothing aggregated yet) to aggregate for the store:
 * the cardinality limit per metric as the store's, and a new key past it
 * keeps a series of its own when the store holds it (a lookup, once per
 * distinct string, resource and rule set: nothing is added to the store),
 * else goes to the overflow series. Absorbed, c then gives the store what
 * aggregating every key without a limit would: the new keys the store
 * takes, at most the limit less what it holds of the metric, are among the
 * metric's first limit distinct keys of c; the others go to overflow
 * either way. So a request with many more keys than the limit costs what
 * the limit allows, not what it sends. False when memory ran out.
 */
bool cumulative_watch(cumulative_store *store, conversion *c);

/*
 * Replaces c's resources and series (c initialised, holding nothing yet)
 * with the store's series that end at or after since (0: all), in the
 * store's order; counts the others in *dropped. c's strings and resources
 * point into the store: it must outlive c's use. False when memory ran out.
 */
bool cumulative_restore(const cumulative_store *store, conversion *c, uint64_t since, uint32_t *dropped);

/*
 * Stamps the series restored into c for a flush at now: each point's time is
 * now; a delta sum's start is window_start (the previous flush), so the
 * windows of successive flushes are contiguous; a cumulative sum keeps its
 * start (when it was first added); a since-start total has none.
 */
void cumulative_stamp(conversion *c, uint64_t window_start, uint64_t now);

/*
 * cumulative_absorb(store, c, 0), then
 * replaces c's resources and series with everything the store holds, so that
 * conversion_finish() and the encoders see the cumulative state. Adds the
 * values sent to overflow series to c->stats.overflowed. False when memory
 * ran out (the store holding what it held, or all of c's values).
 */
bool cumulative_merge(cumulative_store *store, conversion *c);

#endif /* PTM_CUMULATIVE_H */
