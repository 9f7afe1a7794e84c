/*
 * breakdown.h: the breakdown and recording-rule metrics (docs/metrics.md,
 * "Breakdowns" and "Recording rules").
 *
 * What a sample adds to them depends on its stack, and that is decided once
 * per stack per request (stack_breakdown): the leaf's value in each
 * breakdown, packed as a label tuple (the interned ids of its point
 * attribute values, interned in turn), and the set of rules whose functions
 * match (self: the leaf function; inclusive: any function of the stack,
 * each distinct name once, so a recursive function counts a sample once).
 * Rule matching itself is cached per interned function name. Per sample,
 * what remains is a memo probe and an add per breakdown and matching rule;
 * rules with group_by also look their keys up in the sample's attributes,
 * through a per-attribute cache of which key an attribute gives, over the
 * values the profile and resource gave (found once each).
 *
 * A breakdown or rule series is keyed like any other (aggregate.h), its
 * labels and constant attributes carried as a rule set (pipeline.h) in
 * front of the request's configured attributes: so the cardinality limit,
 * copied resource attributes and cumulative temporality apply unchanged.
 */
#ifndef PTM_BREAKDOWN_H
#define PTM_BREAKDOWN_H

#include "config/config.h"
#include "decode/decode.h"
#include "base/intern.h"

/* What a stack adds to breakdowns and rules, once known. */
typedef struct stack_breakdown {
    bool known;
    uint32_t tuples[BREAKDOWN_KIND_COUNT]; /* label tuple in each breakdown; 0: not in it */
    uint64_t rules;                        /* bit i: config->rules[i] matches */
} stack_breakdown;

/* What a dictionary attribute gives rules' group_by, once known. */
typedef struct group_value {
    bool known;
    uint32_t slot;   /* index into breakdown_state.group_keys + 1; 0: none */
    uint32_t value;  /* interned text of its value; INTERN_NONE: not a scalar */
} group_value;

/* A remembered series of (context, metric, label tuple): direct-mapped, a
 * collision costs a lookup, never a wrong series. */
typedef struct labeled_series_memo {
    uint32_t context, metric, tuple, index;
} labeled_series_memo;
enum { LABELED_MEMO_BITS = 10, LABELED_MEMOS = 1 << LABELED_MEMO_BITS };

typedef struct breakdown_state {
    bool active;                   /* some breakdown or rule metric is on */
    bool kinds[BREAKDOWN_KIND_COUNT]; /* a breakdown of the kind is on, for some measure */
    uint64_t measure_rules[BREAKDOWN_MEASURE_COUNT]; /* rules counting each measure */
    uint64_t grouping_rules;       /* rules with group_by */
    uint64_t inclusive_rules;      /* rules of mode inclusive (the others: self) */
    const char **group_keys;       /* distinct group_by keys of every rule */
    uint32_t group_key_count;
    uint32_t *rule_slots;          /* [rule * RULE_GROUP_BY_MAX + k]: slot of its k-th key */
    uint32_t *resource_values;     /* by slot: the current resource's (INTERN_NONE: none) */
    uint32_t *context_values;      /* by slot: resource's, overlaid by the profile's */
    uint32_t *sample_values;       /* by slot: the sample's, over context_values (scratch) */
    uint64_t *function_rules;      /* by interned name: the rules it matches ... */
    uint8_t *function_known;       /* ... once this is 1 */
    uint32_t function_capacity;
    string_interner tuples;        /* label tuples (uint32_t value ids) → id */
    labeled_series_memo *memos;    /* LABELED_MEMOS of them */
    uint32_t unknown;              /* interned "[unknown]" */

    /* The current request's (its arena), by dictionary index. */
    stack_breakdown *stacks;
    uint32_t *location_types;      /* interned profile.frame.type, "[unknown]" when none; 0: not yet */
    group_value *attribute_groups;
    arena_vector kernel_names;     /* byte_slice: a stack's kernel frame names (scratch) */
} breakdown_state;

struct conversion;

/* Sets up c->breakdowns from the config (after the rest of conversion_init).
 * False when memory ran out. */
bool breakdown_init(struct conversion *c);
/* Per request, resource and profile: what later samples look up. False
 * when memory ran out. */
bool breakdown_request(struct conversion *c);
bool breakdown_resource(struct conversion *c, const decoded_resource *resource);
bool breakdown_profile(struct conversion *c, const decoded_profile *profile);
/* Adds a kept sample's value (of the current profile's plan) to its
 * breakdown and rule series. False when memory ran out. */
bool breakdown_sample(struct conversion *c, const decoded_sample *sample, int64_t value, uint64_t end);

#endif /* PTM_BREAKDOWN_H */
