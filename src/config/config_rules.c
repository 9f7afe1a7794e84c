/*
 * config_rules.c: the configuration's breakdowns ("breakdowns") and
 * recording rules ("rules").
 *
 * A rule counts the time or bytes of the samples whose stacks hold a function
 * its regexes match, as a metric of its own: its measures must share a unit
 * (one value family), and its name may be neither a metric the converter
 * writes nor one of the prefixes of its own metrics, so the rules are read
 * after the metrics and sample types.
 */
#include "config/config_parse.h"

#include <stdio.h>
#include <string.h>

/* "breakdowns": {"frame_type", "library", "kernel", "package": bool (false),
 * "measures": [...] (["cpu"])}. */
bool config_parse_breakdowns(config_parser *p, const cJSON *root)
{
    static const char *const keys[] = {"frame_type", "library", "kernel", "package", "measures", NULL};
    ptm_config *config = p->config;
    config->breakdowns.measures = 1u << MEASURE_CPU;
    const cJSON *object = cJSON_GetObjectItemCaseSensitive(root, "breakdowns");
    if (object == NULL)
        return true;
    size_t mark = config_path_push_key(p, "breakdowns");
    if (!config_check_object(p, object, keys))
        return false;
    for (int kind = 0; kind < BREAKDOWN_KIND_COUNT; kind++) {
        if (!config_read_bool(p, object, keys[kind], &config->breakdowns.kinds[kind]))
            return false;
    }
    if (cJSON_GetObjectItemCaseSensitive(object, "measures") != NULL)
        config->breakdowns.measures = 0;
    if (!config_check_list_size(p, object, "measures", MEASURE_LIST_MAX) ||
        !config_each_string(p, object, "measures", false, config_parse_breakdown_measure, &config->breakdowns.measures))
        return false;
    config_path_pop(p, mark);
    return true;
}

/* A rule's "attributes": {key: string value, ...}. */
static bool parse_rule_attributes(config_parser *p, const cJSON *object, recording_rule *rule)
{
    const cJSON *attributes = cJSON_GetObjectItemCaseSensitive(object, "attributes");
    if (attributes == NULL)
        return true;
    size_t mark = config_path_push_key(p, "attributes");
    if (!cJSON_IsObject(attributes))
        return config_fail(p, "must be an object of strings");
    int size = cJSON_GetArraySize(attributes);
    if (size > ATTRIBUTE_RULE_MAX)
        return config_fail(p, "has %d entries; at most %d", size, ATTRIBUTE_RULE_MAX);
    rule->attribute_keys = arena_calloc(&p->config->storage, (size_t)size + 1, sizeof(const char *));
    rule->attribute_values = arena_calloc(&p->config->storage, (size_t)size + 1, sizeof(const char *));
    if (rule->attribute_keys == NULL || rule->attribute_values == NULL)
        return config_out_of_memory(p);
    for (const cJSON *item = attributes->child; item != NULL; item = item->next) {
        size_t item_mark = config_path_push_key(p, item->string);
        if (!cJSON_IsString(item))
            return config_fail(p, "must be a string");
        const char *key = config_copy_string(p, item->string), *value = config_copy_string(p, item->valuestring);
        if (key == NULL || value == NULL)
            return false;
        rule->attribute_keys[rule->attribute_count] = key;
        rule->attribute_values[rule->attribute_count++] = value;
        config_path_pop(p, item_mark);
    }
    config_path_pop(p, mark);
    return true;
}

/* The metric-name prefixes that are the converter's own. */
static const char *const reserved_metric_prefixes[] = {
    "profile.function.", "profile.frame_type.", "profile.library.", "profile.kernel.",
    "profile.package.", NULL};

/* Whether name is a prefix the converter owns, or another metric's name. */
static bool metric_name_taken(const ptm_config *config, const char *name, uint32_t rules_before)
{
    for (const char *const *prefix = reserved_metric_prefixes; *prefix != NULL; prefix++) {
        if (strncmp(name, *prefix, strlen(*prefix)) == 0)
            return true;
    }
    for (int kind = 0; kind < MEASURE_BUILTIN_COUNT; kind++) {
        if (strcmp(name, config->measures[kind].metric_name) == 0)
            return true;
    }
    for (uint32_t i = 0; i < config->sample_type_count; i++) {
        if (strcmp(name, config->sample_types[i].measure.metric_name) == 0)
            return true;
    }
    for (uint32_t i = 0; i < rules_before; i++) {
        if (strcmp(name, config->rules[i].metric_name) == 0)
            return true;
    }
    return false;
}

static bool parse_rule(config_parser *p, const cJSON *object, void *slot)
{
    static const char *const keys[] = {"metric_name", "functions", "mode", "group_by", "attributes",
                                       "sample_types", "description", NULL};
    recording_rule *rule = slot;
    const char *mode = "inclusive";
    arena_vector functions = {0}, group_by = {0};
    rule->description = "Recording rule over profile stacks";
    rule->measures = 0;
    if (!config_check_object(p, object, keys) ||
        !config_read_string(p, object, "metric_name", &rule->metric_name, false) ||
        !config_read_string(p, object, "mode", &mode, false) ||
        !config_read_string(p, object, "description", &rule->description, true) ||
        !config_check_list_size(p, object, "functions", PATTERN_LIST_MAX) ||
        !config_check_list_size(p, object, "sample_types", MEASURE_LIST_MAX) ||
        !config_each_string(p, object, "functions", false, config_append_pattern, &functions) ||
        !config_each_string(p, object, "group_by", false, config_append_string, &group_by) ||
        !parse_rule_attributes(p, object, rule) ||
        !config_each_string(p, object, "sample_types", false, config_parse_breakdown_measure, &rule->measures))
        return false;
    if (rule->metric_name == NULL)
        return config_fail(p, "metric_name: missing");
    if (functions.count == 0)
        return config_fail(p, "functions: missing (one regex or more)");
    rule->functions = (pattern_list){functions.items, functions.count};
    rule->group_by = group_by.items;
    rule->group_by_count = group_by.count;
    rule->inclusive = strcmp(mode, "inclusive") == 0;
    if (!rule->inclusive && strcmp(mode, "self") != 0) {
        config_path_push_key(p, "mode");
        return config_fail(p, "must be \"self\" or \"inclusive\"");
    }
    if (group_by.count > RULE_GROUP_BY_MAX) {
        config_path_push_key(p, "group_by");
        return config_fail(p, "has %u keys; at most %d", group_by.count, RULE_GROUP_BY_MAX);
    }
    if (rule->measures == 0)
        rule->measures = 1u << MEASURE_CPU;
    if (config_measures_family(rule->measures) < 0) {
        config_path_push_key(p, "sample_types");
        return config_fail(p, "mixes time, bytes and counts; a rule's metric has one unit");
    }
    rule->unit_measure = (measure_kind)__builtin_ctz(rule->measures);
    return true;
}

/* "rules": [recording rule, ...], at most RULE_MAX. */
bool config_parse_rules(config_parser *p, const cJSON *root)
{
    const cJSON *array = cJSON_GetObjectItemCaseSensitive(root, "rules");
    if (cJSON_IsArray(array) && cJSON_GetArraySize(array) > RULE_MAX) {
        config_path_push_key(p, "rules");
        return config_fail(p, "has %d rules; at most %d", cJSON_GetArraySize(array), RULE_MAX);
    }
    ptm_config *config = p->config;
    if (!config_parse_object_array(p, root, "rules", sizeof(recording_rule), parse_rule,
                                   (void **)&config->rules, &config->rule_count))
        return false;
    for (uint32_t i = 0; i < config->rule_count; i++) {
        if (metric_name_taken(config, config->rules[i].metric_name, i)) {
            snprintf(p->path, sizeof p->path, "rules[%u].metric_name", i);
            return config_fail(p, "\"%s\" is another metric's name or a prefix the converter's own "
                                  "metrics use", config->rules[i].metric_name);
        }
    }
    return true;
}
