/*
 * classify.c: the metric table and per-profile classification.
 */
#include "convert/classify.h"

#include <string.h>

static metric_def measure_metric(const measure_config *measure)
{
    return (metric_def){.name = measure->metric_name, .unit = measure->unit,
                        .description = measure->description, .gauge = measure->gauge,
                        .is_double = measure->is_double, .enabled = measure->enabled,
                        .divisor = measure->divisor, .role = METRIC_BASE};
}

/* A function metric of a measure: the measure's unit, a fixed name. */
static metric_def function_metric(const measure_config *measure, const char *name,
                                  const char *description, metric_role role, bool enabled)
{
    metric_def def = measure_metric(measure);
    def.name = name;
    def.description = description;
    def.role = role;
    def.enabled = enabled && measure->enabled;
    def.function_metric = true;
    return def;
}

/* The function metrics of each measure that has them, in output order. */
static const struct function_metric_names {
    measure_kind measure;
    const char *self, *self_description;
    const char *inclusive, *inclusive_description;
} function_metric_names[] = {
    {MEASURE_CPU, "profile.function.self.cpu.time", "CPU time of the function itself (leaf frame)",
     "profile.function.inclusive.cpu.time", "CPU time of the function and its callees"},
    {MEASURE_OFF_CPU, "profile.function.self.off_cpu.time",
     "Off-CPU time of threads blocked in the function itself (leaf frame)",
     "profile.function.inclusive.off_cpu.time",
     "Off-CPU time of threads blocked in the function or its callees"},
    {MEASURE_WALL, "profile.function.self.wall.time", "Wall-clock time of the function itself (leaf frame)",
     "profile.function.inclusive.wall.time", "Wall-clock time of the function and its callees"},
    {MEASURE_MEMORY, "profile.function.self.memory.allocated", "Memory allocated by the function itself",
     "profile.function.inclusive.memory.allocated", "Memory allocated by the function and its callees"},
    {MEASURE_INUSE, "profile.function.self.memory.inuse",
     "Memory in use at the time of the profile, allocated by the function itself",
     "profile.function.inclusive.memory.inuse",
     "Memory in use at the time of the profile, allocated by the function and its callees"},
    {MEASURE_INUSE_OBJECTS, "profile.function.self.memory.inuse_objects",
     "Objects in use at the time of the profile, allocated by the function itself",
     "profile.function.inclusive.memory.inuse_objects",
     "Objects in use at the time of the profile, allocated by the function and its callees"},
};
enum { FUNCTION_MEASURE_COUNT = sizeof function_metric_names / sizeof function_metric_names[0] };

/* The breakdown metrics' names: profile.<kind>.<measure's suffix>. */
static const char *const breakdown_kind_names[BREAKDOWN_KIND_COUNT] = {"frame_type", "library", "kernel",
                                                                       "package"};
static const char *const breakdown_measure_suffixes[BREAKDOWN_MEASURE_COUNT] = {
    "cpu.time", "off_cpu.time", "wall.time", "memory.allocated", "memory.allocations"};

/* "profile.<kind>.<suffix>" in a; NULL when memory ran out. */
static const char *breakdown_name(arena *a, int kind, int measure)
{
    const char *parts[4] = {"profile.", breakdown_kind_names[kind], ".", breakdown_measure_suffixes[measure]};
    size_t size = 1;
    for (int i = 0; i < 4; i++)
        size += strlen(parts[i]);
    char *name = arena_alloc(a, size);
    if (name == NULL)
        return NULL;
    name[0] = '\0';
    for (int i = 0; i < 4; i++)
        strcat(name, parts[i]);
    return name;
}
static const char *const breakdown_descriptions[BREAKDOWN_KIND_COUNT] = {
    [BREAKDOWN_FRAME_TYPE] = "By the leaf frame's type (profile.frame.type)",
    [BREAKDOWN_LIBRARY] = "Of native leaf frames, by shared library",
    [BREAKDOWN_KERNEL] = "Of kernel leaf frames, by kernel area, protocol, direction and syscall",
    [BREAKDOWN_PACKAGE] = "Of managed leaf frames, by package, class or module",
};

/* The breakdown and rule metrics, from id on; returns the next id, or 0
 * when memory ran out. */
static uint32_t add_breakdowns_and_rules(metric_table *table, ptm_config *config, uint32_t id)
{
    for (int kind = 0; kind < BREAKDOWN_KIND_COUNT; kind++) {
        for (int measure = 0; measure < BREAKDOWN_MEASURE_COUNT; measure++) {
            table->breakdown[kind][measure] = -1;
            if (!config->breakdowns.kinds[kind] || !(config->breakdowns.measures & (1u << measure)))
                continue;
            metric_def def = measure_metric(&config->measures[measure]);
            def.name = breakdown_name(&config->storage, kind, measure);
            if (def.name == NULL)
                return 0;
            def.description = breakdown_descriptions[kind];
            def.role = METRIC_BREAKDOWN;
            table->breakdown[kind][measure] = (int32_t)id;
            table->items[id++] = def;
        }
    }
    table->rule_base = (int32_t)id;
    for (uint32_t i = 0; i < config->rule_count; i++) {
        const recording_rule *rule = &config->rules[i];
        metric_def def = measure_metric(&config->measures[rule->unit_measure]);
        def.name = rule->metric_name;
        def.description = rule->description;
        def.enabled = true;
        def.role = METRIC_RULE;
        table->items[id++] = def;
    }
    return id;
}

bool metric_table_build(metric_table *table, ptm_config *config)
{
    uint32_t count = MEASURE_BUILTIN_COUNT + 2 * FUNCTION_MEASURE_COUNT + config->sample_type_count + 4 +
                     BREAKDOWN_KIND_COUNT * BREAKDOWN_MEASURE_COUNT + config->rule_count;
    table->items = arena_calloc(&config->storage, count, sizeof(metric_def));
    if (table->items == NULL)
        return false;
    table->count = count;
    for (int kind = 0; kind < MEASURE_BUILTIN_COUNT; kind++) {
        table->items[kind] = measure_metric(&config->measures[kind]);
        table->base[kind] = kind;
        table->function_self[kind] = table->function_inclusive[kind] = -1;
    }
    uint32_t id = MEASURE_BUILTIN_COUNT;
    for (int i = 0; i < FUNCTION_MEASURE_COUNT; i++) {
        const struct function_metric_names *names = &function_metric_names[i];
        const measure_config *measure = &config->measures[names->measure];
        bool wanted = config->function.enabled && (config->function.measures & (1u << names->measure));
        table->function_self[names->measure] = (int32_t)id;
        table->items[id++] = function_metric(measure, names->self, names->self_description,
                                             METRIC_FUNCTION_SELF, wanted && config->function.self);
        table->function_inclusive[names->measure] = (int32_t)id;
        table->items[id++] = function_metric(measure, names->inclusive, names->inclusive_description,
                                             METRIC_FUNCTION_INCLUSIVE,
                                             wanted && config->function.inclusive);
    }
    table->custom_base = (int32_t)id;
    for (uint32_t i = 0; i < config->sample_type_count; i++)
        table->items[id++] = measure_metric(&config->sample_types[i].measure);
    const int32_t twins[4] = {table->base[MEASURE_MEMORY], table->base[MEASURE_ALLOCATIONS],
                              table->function_self[MEASURE_MEMORY], table->function_inclusive[MEASURE_MEMORY]};
    int32_t *twin_ids[4] = {&table->since_start_base[0], &table->since_start_base[1],
                            &table->since_start_self, &table->since_start_inclusive};
    for (int i = 0; i < 4; i++) {
        *twin_ids[i] = (int32_t)id;
        table->items[id] = table->items[twins[i]];
        table->items[id++].since_start = true;
    }
    table->count = add_breakdowns_and_rules(table, config, id);
    return table->count != 0;
}

/* ns in one unit of a time unit name, or 0 when it is not one. */
static int64_t time_unit_ns(byte_slice unit)
{
    static const struct { const char *name; int64_t ns; } units[] = {
        {"nanoseconds", 1}, {"ns", 1}, {"microseconds", 1000}, {"us", 1000},
        {"milliseconds", 1000000}, {"ms", 1000000}, {"seconds", 1000000000}, {"s", 1000000000}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (slice_equals_cstr(unit, units[i].name))
            return units[i].ns;
    }
    return 0;
}

static bool is_any_of(byte_slice text, const char *const *names)
{
    for (; *names != NULL; names++) {
        if (slice_equals_cstr(text, *names))
            return true;
    }
    return false;
}

typedef enum sample_kind {
    KIND_UNKNOWN = 0,
    KIND_CPU_TIME,      /* (cpu, time) */
    KIND_CPU_COUNT,     /* (samples|cpu, count) with period_type (cpu, time) */
    KIND_MEASURE        /* another built-in measure, or a custom type */
} sample_kind;

/* Classifies one profile, ignoring the scope-level double-count rule. */
static sample_kind classify_profile(const metric_table *table, const ptm_config *config,
                                    const profile_dictionary *dictionary,
                                    const decoded_profile *profile, profile_plan *plan)
{
    static const char *const alloc_space[] = {"alloc_space", "allocated_space", "space", "alloc-size", NULL};
    static const char *const alloc_objects[] = {"alloc_objects", "allocated_objects", NULL};
    static const char *const cpu_counts[] = {"samples", "cpu", "itimer", NULL};
    static const char *const cpu_periods[] = {"cpu", "itimer", "", NULL};
    byte_slice type = dictionary_string(dictionary, profile->type_strindex);
    byte_slice unit = dictionary_string(dictionary, profile->unit_strindex);
    *plan = (profile_plan){.disposition = PLAN_SKIP, .base_metric = -1, .self_metric = -1,
                           .inclusive_metric = -1, .multiplier = 1, .measure = -1};

    for (uint32_t i = 0; i < config->sample_type_count; i++) {
        const custom_sample_type *custom = &config->sample_types[i];
        if (slice_equals_cstr(type, custom->type) && slice_equals_cstr(unit, custom->unit)) {
            plan->base_metric = table->custom_base + (int32_t)i;
            int64_t ns = time_unit_ns(unit);
            plan->multiplier = custom->measure.family == FAMILY_TIME && ns > 0 ? ns : 1;
            return KIND_MEASURE;
        }
    }
    int64_t unit_ns = time_unit_ns(unit);
    if (slice_equals_cstr(type, "cpu") && unit_ns > 0) {
        plan->base_metric = table->base[MEASURE_CPU];
        plan->multiplier = unit_ns;
        return KIND_CPU_TIME;
    }
    /* The period type is cpu, itimer (async-profiler's OTLP CPU profiles:
     * itimer/count samples) or has no name (py-spy writes only its unit). */
    byte_slice period_type = dictionary_string(dictionary, profile->period_type_strindex);
    if (is_any_of(type, cpu_counts) && slice_equals_cstr(unit, "count") && profile->has_period_type &&
        is_any_of(period_type, cpu_periods)) {
        int64_t period_ns = time_unit_ns(dictionary_string(dictionary, profile->period_unit_strindex));
        if (period_ns > 0) {
            plan->base_metric = table->base[MEASURE_CPU];
            if (profile->period <= 0 ||
                __builtin_mul_overflow(profile->period, period_ns, &plan->multiplier))
                plan->disposition = PLAN_INVALID;
            return KIND_CPU_COUNT;
        }
    }
    measure_kind kind = MEASURE_BUILTIN_COUNT;
    if (slice_equals_cstr(type, "off_cpu") && unit_ns > 0)
        kind = MEASURE_OFF_CPU;
    else if (slice_equals_cstr(type, "wall") && unit_ns > 0)
        kind = MEASURE_WALL;
    else if (is_any_of(type, alloc_space) && slice_equals_cstr(unit, "bytes"))
        kind = MEASURE_MEMORY;
    else if (is_any_of(type, alloc_objects) && slice_equals_cstr(unit, "count"))
        kind = MEASURE_ALLOCATIONS;
    else if (slice_equals_cstr(type, "inuse_space") && slice_equals_cstr(unit, "bytes"))
        kind = MEASURE_INUSE;
    else if (slice_equals_cstr(type, "inuse_objects") && slice_equals_cstr(unit, "count"))
        kind = MEASURE_INUSE_OBJECTS;
    if (kind == MEASURE_BUILTIN_COUNT)
        return KIND_UNKNOWN;
    plan->base_metric = table->base[kind];
    if (kind == MEASURE_OFF_CPU || kind == MEASURE_WALL)
        plan->multiplier = unit_ns;
    return KIND_MEASURE;
}

/* Attaches function metrics and settles the disposition of a plan. */
static void finish_plan(const metric_table *table, profile_plan *plan)
{
    if (plan->base_metric < 0) {
        plan->disposition = PLAN_SKIP;
        return;
    }
    if (plan->base_metric < MEASURE_BUILTIN_COUNT) {
        plan->self_metric = table->function_self[plan->base_metric];
        plan->inclusive_metric = table->function_inclusive[plan->base_metric];
    }
    if (plan->self_metric >= 0 && !table->items[plan->self_metric].enabled)
        plan->self_metric = -1;
    if (plan->inclusive_metric >= 0 && !table->items[plan->inclusive_metric].enabled)
        plan->inclusive_metric = -1;
    if (plan->disposition == PLAN_INVALID)
        return;
    plan->disposition = table->items[plan->base_metric].enabled ? PLAN_KEEP : PLAN_SKIP;
}

/* Whether the profile's sample and period type names are in the string
 * table; a profile whose type cannot be read cannot be converted. */
static bool type_indices_valid(const profile_dictionary *dictionary, const decoded_profile *profile)
{
    const arena_vector *strings = &dictionary->strings;
    return dictionary_index_valid(strings, profile->type_strindex) &&
           dictionary_index_valid(strings, profile->unit_strindex) &&
           dictionary_index_valid(strings, profile->period_type_strindex) &&
           dictionary_index_valid(strings, profile->period_unit_strindex);
}

/* A plan of allocated bytes or allocations moved to the since-start twins. */
static void plan_since_start(const metric_table *table, profile_plan *plan)
{
    plan->since_start = true;
    plan->base_metric = table->since_start_base[plan->base_metric == table->base[MEASURE_MEMORY] ? 0 : 1];
    if (plan->self_metric >= 0)
        plan->self_metric = table->since_start_self;
    if (plan->inclusive_metric >= 0)
        plan->inclusive_metric = table->since_start_inclusive;
}

/* Whether a profile counts allocations since the process started: a Go heap
 * profile's alloc_* (the scope also has in-use types, the profile has no
 * duration), which runtime/pprof accumulates from the start. */
static bool counts_since_start(const metric_table *table, const profile_plan *plan,
                               const decoded_profile *profile, bool scope_has_inuse)
{
    return scope_has_inuse && profile->duration_nano == 0 &&
           (plan->base_metric == table->base[MEASURE_MEMORY] ||
            plan->base_metric == table->base[MEASURE_ALLOCATIONS]);
}

void classify_scope(const metric_table *table, const ptm_config *config,
                    const profile_dictionary *dictionary, const decoded_profile *profiles,
                    uint32_t count, profile_plan *plans)
{
    bool has_cpu_time = false, has_inuse = false;
    for (uint32_t i = 0; i < count; i++) {
        plans[i].kind = (uint8_t)classify_profile(table, config, dictionary, &profiles[i], &plans[i]);
        has_cpu_time = has_cpu_time || plans[i].kind == KIND_CPU_TIME;
        has_inuse = has_inuse || plans[i].base_metric == table->base[MEASURE_INUSE] ||
                    plans[i].base_metric == table->base[MEASURE_INUSE_OBJECTS];
    }
    for (uint32_t i = 0; i < count; i++) {
        if (!type_indices_valid(dictionary, &profiles[i])) {
            plans[i].disposition = PLAN_INVALID;
            plans[i].base_metric = -1;
            continue;
        }
        if (plans[i].kind == KIND_UNKNOWN || (plans[i].kind == KIND_CPU_COUNT && has_cpu_time)) {
            plans[i].disposition = PLAN_SKIP;
            plans[i].base_metric = -1;
            continue;
        }
        bool since_start = counts_since_start(table, &plans[i], &profiles[i], has_inuse);
        finish_plan(table, &plans[i]);
        if (plans[i].base_metric >= 0 && plans[i].base_metric < BREAKDOWN_MEASURE_COUNT)
            plans[i].measure = (int8_t)plans[i].base_metric;
        if (since_start && plans[i].base_metric >= 0) {
            plan_since_start(table, &plans[i]);
            plans[i].measure = -1;
        }
    }
}
