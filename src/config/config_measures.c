/*
 * config_measures.c: the configuration's metrics ("metrics", "folded",
 * "sample_types") and the units they are written in.
 *
 * Every measure has a default metric (measure_defaults: name, unit,
 * description, value family); the configuration may rename it, change its
 * unit within its family (settle_unit: a canonical UCUM unit and the divisor
 * from the accumulated ns or bytes), or turn it off. The names of measures
 * are read here for breakdowns and rules too, since they are this table's.
 */
#include "config/config_parse.h"

#include <string.h>

/* A unit spelling a metric may be configured with: its canonical UCUM form
 * (what the metric is written with) and the accumulated units in one of it.
 * The aliases are the spellings other connectors' configurations use
 * ("bytes", "nanoseconds", ...). */
typedef struct unit_spelling {
    const char *name;
    const char *canonical;
    double divisor;
} unit_spelling;

static const unit_spelling time_units[] = {
    {"ns", "ns", 1}, {"nanoseconds", "ns", 1}, {"us", "us", 1e3}, {"microseconds", "us", 1e3},
    {"ms", "ms", 1e6}, {"milliseconds", "ms", 1e6}, {"s", "s", 1e9}, {"seconds", "s", 1e9},
    {NULL, NULL, 0}};

static const unit_spelling byte_units[] = {
    {"By", "By", 1}, {"bytes", "By", 1}, {"B", "By", 1},
    {"KiBy", "KiBy", 1024.0}, {"KiB", "KiBy", 1024.0},
    {"MiBy", "MiBy", 1048576.0}, {"MiB", "MiBy", 1048576.0},
    {"GiBy", "GiBy", 1073741824.0}, {"GiB", "GiBy", 1073741824.0}, {NULL, NULL, 0}};

/* Canonicalises measure->unit through table; false when it is not there. */
static bool canonical_unit(const unit_spelling *table, measure_config *measure)
{
    for (; table->name != NULL; table++) {
        if (strcmp(table->name, measure->unit) == 0) {
            measure->unit = table->canonical;
            measure->divisor = table->divisor;
            return true;
        }
    }
    return false;
}

/* Derives divisor and is_double from the unit; fails naming unit_key. */
static bool settle_unit(config_parser *p, measure_config *measure, const char *unit_key)
{
    bool known = true;
    switch (measure->family) {
    case FAMILY_TIME:
        known = canonical_unit(time_units, measure);
        measure->is_double = true;
        break;
    case FAMILY_BYTES:
        known = canonical_unit(byte_units, measure);
        measure->is_double = measure->divisor != 1;
        break;
    case FAMILY_COUNT:
        measure->divisor = 1;
        measure->is_double = false;
        break;
    }
    if (!known) {
        size_t mark = config_path_push_key(p, unit_key);
        config_fail(p, "unknown unit \"%s\" (%s)", measure->unit,
                    measure->family == FAMILY_TIME ? "ns, us, ms or s" : "By, KiBy, MiBy or GiBy");
        config_path_pop(p, mark);
        return false;
    }
    return true;
}

static const struct measure_default {
    const char *key;
    const char *metric_name;
    const char *unit;
    const char *description;
    value_family family;
    bool gauge;
} measure_defaults[MEASURE_BUILTIN_COUNT] = {
    [MEASURE_CPU] = {"cpu", "profile.cpu.time", "s", "CPU time from profiles", FAMILY_TIME, false},
    [MEASURE_OFF_CPU] = {"off_cpu", "profile.off_cpu.time", "s",
                         "Time off CPU (blocked, waiting) from profiles", FAMILY_TIME, false},
    [MEASURE_WALL] = {"wall", "profile.wall.time", "s", "Wall-clock time from profiles",
                      FAMILY_TIME, false},
    [MEASURE_MEMORY] = {"memory", "profile.memory.allocated", "By",
                        "Memory allocated, from profiles", FAMILY_BYTES, false},
    [MEASURE_ALLOCATIONS] = {"allocations", "profile.memory.allocations", "{allocation}",
                             "Allocations, from profiles", FAMILY_COUNT, false},
    [MEASURE_INUSE] = {"inuse", "profile.memory.inuse", "By",
                       "Memory in use at the time of the profile", FAMILY_BYTES, true},
    [MEASURE_INUSE_OBJECTS] = {"inuse_objects", "profile.memory.inuse_objects", "{object}",
                               "Objects in use at the time of the profile", FAMILY_COUNT, true},
};

static bool parse_measure(config_parser *p, const cJSON *metrics, measure_kind kind)
{
    static const char *const keys[] = {"enabled", "metric_name", "name", "unit", "description", NULL};
    const struct measure_default *defaults = &measure_defaults[kind];
    measure_config *measure = &p->config->measures[kind];
    *measure = (measure_config){.enabled = true, .gauge = defaults->gauge,
                                .family = defaults->family,
                                .metric_name = defaults->metric_name,
                                .unit = defaults->unit, .description = defaults->description};
    const cJSON *object = metrics ? cJSON_GetObjectItemCaseSensitive(metrics, defaults->key) : NULL;
    size_t mark = config_path_push_key(p, defaults->key);
    if (object != NULL) {
        if (!config_check_object(p, object, keys) || !config_check_alias(p, object, "metric_name", "name") ||
            !config_read_bool(p, object, "enabled", &measure->enabled) ||
            !config_read_string(p, object, "metric_name", &measure->metric_name, false) ||
            !config_read_string(p, object, "name", &measure->metric_name, false) ||
            !config_read_string(p, object, "unit", &measure->unit, false) ||
            !config_read_string(p, object, "description", &measure->description, true))
            return false;
    }
    if (!settle_unit(p, measure, "unit"))
        return false;
    config_path_pop(p, mark);
    return true;
}

/* The measures that may have function metrics, by their config names. */
static const struct { const char *key; measure_kind kind; } function_measures[] = {
    {"cpu", MEASURE_CPU}, {"off_cpu", MEASURE_OFF_CPU}, {"wall", MEASURE_WALL},
    {"memory", MEASURE_MEMORY}, {"inuse", MEASURE_INUSE}, {"inuse_objects", MEASURE_INUSE_OBJECTS}};

/* One entry of metrics.function.measures into the bit set at context. */
static bool parse_function_measure(config_parser *p, const char *text, void *context)
{
    for (size_t i = 0; i < sizeof function_measures / sizeof function_measures[0]; i++) {
        if (strcmp(text, function_measures[i].key) == 0) {
            *(uint32_t *)context |= 1u << function_measures[i].kind;
            return true;
        }
    }
    return config_fail(p, "must be \"cpu\", \"off_cpu\", \"wall\", \"memory\", \"inuse\" or \"inuse_objects\"");
}

static bool parse_function(config_parser *p, const cJSON *metrics)
{
    static const char *const keys[] = {"enabled", "self", "inclusive", "total", "top_n",
                                       "measures", NULL};
    p->config->function.enabled = true;
    p->config->function.self = true;
    p->config->function.inclusive = true;
    p->config->function.top_n = 0;
    p->config->function.measures = 0;
    for (size_t i = 0; i < sizeof function_measures / sizeof function_measures[0]; i++)
        p->config->function.measures |= 1u << function_measures[i].kind;
    const cJSON *object = metrics ? cJSON_GetObjectItemCaseSensitive(metrics, "function") : NULL;
    if (object == NULL)
        return true;
    size_t mark = config_path_push_key(p, "function");
    uint64_t top_n = 0;
    if (!config_check_object(p, object, keys) || !config_check_alias(p, object, "inclusive", "total"))
        return false;
    if (!config_read_bool(p, object, "enabled", &p->config->function.enabled) ||
        !config_read_bool(p, object, "self", &p->config->function.self) ||
        !config_read_bool(p, object, "inclusive", &p->config->function.inclusive) ||
        !config_read_bool(p, object, "total", &p->config->function.inclusive) ||
        !config_read_integer(p, object, "top_n", 0, 1000000, &top_n))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(object, "measures") != NULL)
        p->config->function.measures = 0;
    if (!config_check_list_size(p, object, "measures", MEASURE_LIST_MAX) ||
        !config_each_string(p, object, "measures", false, parse_function_measure, &p->config->function.measures))
        return false;
    p->config->function.top_n = (uint32_t)top_n;
    config_path_pop(p, mark);
    return true;
}

/* "folded": {"measure": "cpu"|"off_cpu"|"wall"|"memory"|"inuse"|"inuse_objects"}:
 * the measure whose stacks PTM_FORMAT_FOLDED writes (default cpu). */
bool config_parse_folded(config_parser *p, const cJSON *root)
{
    static const char *const keys[] = {"measure", NULL};
    p->config->folded_measure = MEASURE_CPU;
    const cJSON *object = cJSON_GetObjectItemCaseSensitive(root, "folded");
    if (object == NULL)
        return true;
    size_t mark = config_path_push_key(p, "folded");
    const char *measure = "cpu";
    if (!config_check_object(p, object, keys) || !config_read_string(p, object, "measure", &measure, false))
        return false;
    config_path_push_key(p, "measure");
    uint32_t bits = 0;
    if (!parse_function_measure(p, measure, &bits))
        return false;
    p->config->folded_measure = (measure_kind)__builtin_ctz(bits);
    config_path_pop(p, mark);
    return true;
}

bool config_parse_metrics(config_parser *p, const cJSON *root)
{
    static const char *const keys[] = {"cpu", "off_cpu", "wall", "memory", "allocations",
                                       "inuse", "inuse_objects", "function", NULL};
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(root, "metrics");
    size_t mark = config_path_push_key(p, "metrics");
    if (metrics != NULL && !config_check_object(p, metrics, keys))
        return false;
    for (int kind = 0; kind < MEASURE_BUILTIN_COUNT; kind++) {
        if (!parse_measure(p, metrics, (measure_kind)kind))
            return false;
    }
    if (!parse_function(p, metrics))
        return false;
    config_path_pop(p, mark);
    return true;
}

static bool is_time_unit_name(const char *unit)
{
    static const char *const names[] = {"nanoseconds", "microseconds", "milliseconds", "seconds",
                                        "ns", "us", "ms", "s", NULL};
    for (const char *const *name = names; *name != NULL; name++) {
        if (strcmp(*name, unit) == 0)
            return true;
    }
    return false;
}

bool config_parse_sample_type(config_parser *p, const cJSON *object, void *slot)
{
    custom_sample_type *custom = slot;
    static const char *const keys[] = {"type", "unit", "metric_name", "metric_unit", "gauge", NULL};
    if (!config_check_object(p, object, keys))
        return false;
    measure_config *measure = &custom->measure;
    *measure = (measure_config){.enabled = true, .description = "Custom profile sample type"};
    custom->type = custom->unit = NULL;
    const char *metric_unit = NULL;
    if (!config_read_string(p, object, "type", &custom->type, false) ||
        !config_read_string(p, object, "unit", &custom->unit, false) ||
        !config_read_string(p, object, "metric_name", &measure->metric_name, false) ||
        !config_read_string(p, object, "metric_unit", &metric_unit, false) ||
        !config_read_bool(p, object, "gauge", &measure->gauge))
        return false;
    if (custom->type == NULL)
        return config_fail(p, "type: missing");
    if (custom->unit == NULL)
        return config_fail(p, "unit: missing");
    if (measure->metric_name == NULL)
        return config_fail(p, "metric_name: missing");
    if (is_time_unit_name(custom->unit)) {
        measure->family = FAMILY_TIME;
        measure->unit = metric_unit ? metric_unit : "s";
    } else if (strcmp(custom->unit, "bytes") == 0) {
        measure->family = FAMILY_BYTES;
        measure->unit = metric_unit ? metric_unit : "By";
    } else {
        measure->family = FAMILY_COUNT;
        measure->unit = metric_unit ? metric_unit : "{count}";
    }
    return settle_unit(p, measure, "metric_unit");
}

/* One entry of breakdowns.measures or a rule's sample_types into the bit set
 * at context: a measure breakdowns may count. */
bool config_parse_breakdown_measure(config_parser *p, const char *text, void *context)
{
    for (int kind = 0; kind < BREAKDOWN_MEASURE_COUNT; kind++) {
        if (strcmp(text, measure_defaults[kind].key) == 0) {
            *(uint32_t *)context |= 1u << kind;
            return true;
        }
    }
    return config_fail(p, "must be \"cpu\", \"off_cpu\", \"wall\", \"memory\" or \"allocations\"");
}

/* The value family of a set of measure bits, or -1 when they mix families. */
int config_measures_family(uint32_t measures)
{
    int family = -1;
    for (int kind = 0; kind < BREAKDOWN_MEASURE_COUNT; kind++) {
        if (!(measures & (1u << kind)))
            continue;
        if (family >= 0 && family != (int)measure_defaults[kind].family)
            return -1;
        family = (int)measure_defaults[kind].family;
    }
    return family;
}
