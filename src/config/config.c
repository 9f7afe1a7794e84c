/*
 * config.c: JSON configuration → ptm_config.
 *
 * The JSON is parsed with cJSON (see README "Dependencies" for why), then
 * walked against a fixed schema: every object's keys are checked against the
 * keys it may have, so an unknown or duplicated key is an error naming its
 * path. Regexes are compiled here, once per configuration.
 *
 * cJSON allocates its tree with libc's malloc; the tree lives only during
 * config_parse(). Everything kept lives in config->storage.
 */
#include "config/config.h"

#include "input/json_syntax.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { DEFAULT_CARDINALITY_LIMIT = 10000 };
/* max_memory_bytes: the memory a converter may hold (docs/security.md):
 * 1 GiB by default, 16 times the largest input by default; at most what
 * the platform addresses (a 32-bit size_t in wasm: 4 GiB). */
#define DEFAULT_MAX_MEMORY_BYTES (1024.0 * 1024 * 1024)
#define MAX_MEMORY_BYTES_LIMIT (SIZE_MAX > 0xffffffffu ? 68719476736.0 : 4294967295.0)
/* symbolize.cache_bytes: symbol tables kept by build ID (docs/security.md). */
#define DEFAULT_SYMBOL_CACHE_BYTES (256.0 * 1024 * 1024)
#define DEFAULT_MAX_INPUT_BYTES ((uint64_t)64 * 1024 * 1024)
/* max_output_bytes: what one conversion or flush may write (docs/security.md):
 * 256 MiB by default, a quarter of the memory budget (a growing buffer
 * keeps its outgrown copies in the arena until the call ends). */
#define DEFAULT_MAX_OUTPUT_BYTES (256.0 * 1024 * 1024)
/* max_point_attributes: the attributes a point carries, at most; 128 by
 * default, the OpenTelemetry SDKs' attribute count limit. */
enum { DEFAULT_MAX_POINT_ATTRIBUTES = 128, MAX_POINT_ATTRIBUTES_LIMIT = 100000 };
/* PCRE2 bounds per search (docs/security.md): backtracking steps, nested
 * backtracking depth, and KiB of heap for backtracking frames. */
enum { PCRE2_MATCH_LIMIT = 100000, PCRE2_DEPTH_LIMIT = 1000, PCRE2_HEAP_LIMIT_KIB = 8192 };

/* The parse in progress: where failures go and the current key path. */
typedef struct config_parser {
    ptm_config *config;
    ptm_status *status;
    char path[256];
} config_parser;

/* Records a configuration error at the current path; returns false. */
static bool fail(config_parser *p, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static bool fail(config_parser *p, const char *format, ...)
{
    char detail[320];
    va_list args;
    va_start(args, format);
    vsnprintf(detail, sizeof detail, format, args);
    va_end(args);
    if (p->path[0] != '\0')
        return status_fail(p->status, PTM_ERR_CONFIG, "config: %s: %s", p->path, detail);
    return status_fail(p->status, PTM_ERR_CONFIG, "config: %s", detail);
}

static bool out_of_memory(config_parser *p)
{
    return status_fail(p->status, PTM_ERR_NOMEM, "config: out of memory");
}

/* Path handling: push appends ".key" or "[i]", pop restores the length. */
static size_t path_push_key(config_parser *p, const char *key)
{
    size_t length = strlen(p->path);
    snprintf(p->path + length, sizeof p->path - length, "%s%s", length ? "." : "", key);
    return length;
}

static size_t path_push_index(config_parser *p, int index)
{
    size_t length = strlen(p->path);
    snprintf(p->path + length, sizeof p->path - length, "[%d]", index);
    return length;
}

static void path_pop(config_parser *p, size_t length)
{
    p->path[length] = '\0';
}

/* Checks that object is an object whose keys are all in allowed (NULL-ended),
 * none twice. */
static bool check_object(config_parser *p, const cJSON *object, const char *const *allowed)
{
    if (!cJSON_IsObject(object))
        return fail(p, "must be an object");
    for (const cJSON *child = object->child; child != NULL; child = child->next) {
        bool known = false;
        for (const char *const *key = allowed; *key != NULL; key++)
            known = known || strcmp(*key, child->string) == 0;
        size_t mark = path_push_key(p, child->string);
        if (!known)
            return fail(p, "unknown key");
        for (const cJSON *other = object->child; other != child; other = other->next) {
            if (strcmp(other->string, child->string) == 0)
                return fail(p, "duplicate key");
        }
        path_pop(p, mark);
    }
    return true;
}

static const char *copy_string(config_parser *p, const char *text)
{
    const char *copy = arena_dup(&p->config->storage, text, strlen(text) + 1);
    if (copy == NULL)
        out_of_memory(p);
    return copy;
}

/* Reads object[key] as a bool into *value when present. */
static bool read_bool(config_parser *p, const cJSON *object, const char *key, bool *value)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (item == NULL)
        return true;
    size_t mark = path_push_key(p, key);
    if (!cJSON_IsBool(item))
        return fail(p, "must be true or false");
    *value = cJSON_IsTrue(item);
    path_pop(p, mark);
    return true;
}

static bool read_string(config_parser *p, const cJSON *object, const char *key,
                        const char **value, bool allow_empty)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (item == NULL)
        return true;
    size_t mark = path_push_key(p, key);
    if (!cJSON_IsString(item))
        return fail(p, "must be a string");
    if (!allow_empty && item->valuestring[0] == '\0')
        return fail(p, "must not be empty");
    *value = copy_string(p, item->valuestring);
    if (*value == NULL)
        return false;
    path_pop(p, mark);
    return true;
}

/* Refuses an object that gives both key and alias, another name of key that
 * other connectors' configurations use; the message names the alias. */
static bool check_alias(config_parser *p, const cJSON *object, const char *key, const char *alias)
{
    if (cJSON_GetObjectItemCaseSensitive(object, key) == NULL ||
        cJSON_GetObjectItemCaseSensitive(object, alias) == NULL)
        return true;
    path_push_key(p, alias);
    return fail(p, "is another name of %s; give one of them", key);
}

static bool read_integer(config_parser *p, const cJSON *object, const char *key,
                         double minimum, double maximum, uint64_t *value)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (item == NULL)
        return true;
    size_t mark = path_push_key(p, key);
    if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble) ||
        item->valuedouble < minimum || item->valuedouble > maximum)
        return fail(p, "must be a whole number from %.0f to %.0f", minimum, maximum);
    *value = (uint64_t)item->valuedouble;
    path_pop(p, mark);
    return true;
}

static pattern *compile(config_parser *p, const char *text)
{
    char message[200];
    bool out_of_memory_now = false;
    pattern *compiled = pattern_compile(p->config->engine, p->path, text, strlen(text),
                                        &out_of_memory_now, message, sizeof message);
    if (compiled == NULL) {
        if (out_of_memory_now)
            out_of_memory(p);
        else
            fail(p, "invalid regex: %s", message);
        return NULL;
    }
    pattern **slot = vector_push(&p->config->storage, &p->config->patterns, sizeof *slot);
    if (slot == NULL) {
        pattern_free(compiled);
        out_of_memory(p);
        return NULL;
    }
    *slot = compiled;
    return compiled;
}

/* Refuses object[key] when it is an array of more than max entries, naming
 * the key: "<path>.<key>: has N entries; at most M". */
static bool check_list_size(config_parser *p, const cJSON *object, const char *key, int max)
{
    const cJSON *array = cJSON_GetObjectItemCaseSensitive(object, key);
    if (!cJSON_IsArray(array))
        return true;
    int size = cJSON_GetArraySize(array);
    if (size <= max)
        return true;
    path_push_key(p, key);
    return fail(p, "has %d entries; at most %d", size, max);
}

typedef bool parse_string_function(config_parser *p, const char *text, void *context);

/* Calls parse_item on each string of object[key], an array of strings
 * (non-empty unless allow_empty), with the item's path pushed. Absent:
 * nothing to do. */
static bool each_string(config_parser *p, const cJSON *object, const char *key, bool allow_empty,
                        parse_string_function *parse_item, void *context)
{
    const cJSON *array = cJSON_GetObjectItemCaseSensitive(object, key);
    if (array == NULL)
        return true;
    size_t mark = path_push_key(p, key);
    if (!cJSON_IsArray(array))
        return fail(p, "must be an array of strings");
    int index = 0;
    for (const cJSON *item = array->child; item != NULL; item = item->next, index++) {
        size_t item_mark = path_push_index(p, index);
        if (!cJSON_IsString(item))
            return fail(p, allow_empty ? "must be a string" : "must be a non-empty string");
        if (!allow_empty && item->valuestring[0] == '\0')
            return fail(p, "must be a non-empty string");
        if (!parse_item(p, item->valuestring, context))
            return false;
        path_pop(p, item_mark);
    }
    path_pop(p, mark);
    return true;
}

/* Compiles text and appends it to the pattern list at context. */
static bool append_pattern(config_parser *p, const char *text, void *context)
{
    pattern *compiled = compile(p, text);
    if (compiled == NULL)
        return false;
    pattern **slot = vector_push(&p->config->storage, context, sizeof *slot);
    if (slot == NULL)
        return out_of_memory(p);
    *slot = compiled;
    return true;
}

static bool parse_filter(config_parser *p, const cJSON *root, const char *key,
                         filter_config *filter)
{
    static const char *const keys[] = {"enabled", "pattern", "patterns", "exclude_patterns", NULL};
    const cJSON *object = cJSON_GetObjectItemCaseSensitive(root, key);
    if (object == NULL)
        return true;
    size_t mark = path_push_key(p, key);
    if (!check_object(p, object, keys))
        return false;
    filter->enabled = true;
    if (!read_bool(p, object, "enabled", &filter->enabled))
        return false;
    arena_vector include = {0}, exclude = {0};
    const cJSON *single = cJSON_GetObjectItemCaseSensitive(object, "pattern");
    if (single != NULL) {
        size_t single_mark = path_push_key(p, "pattern");
        if (!cJSON_IsString(single))
            return fail(p, "must be a string");
        if (!append_pattern(p, single->valuestring, &include))
            return false;
        path_pop(p, single_mark);
    }
    if (!check_list_size(p, object, "patterns", PATTERN_LIST_MAX) ||
        !check_list_size(p, object, "exclude_patterns", PATTERN_LIST_MAX) ||
        !each_string(p, object, "patterns", true, append_pattern, &include) ||
        !each_string(p, object, "exclude_patterns", true, append_pattern, &exclude))
        return false;
    filter->include = (pattern_list){include.items, include.count};
    filter->exclude = (pattern_list){exclude.items, exclude.count};
    path_pop(p, mark);
    return true;
}

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
        size_t mark = path_push_key(p, unit_key);
        fail(p, "unknown unit \"%s\" (%s)", measure->unit,
             measure->family == FAMILY_TIME ? "ns, us, ms or s" : "By, KiBy, MiBy or GiBy");
        path_pop(p, mark);
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
    size_t mark = path_push_key(p, defaults->key);
    if (object != NULL) {
        if (!check_object(p, object, keys) || !check_alias(p, object, "metric_name", "name") ||
            !read_bool(p, object, "enabled", &measure->enabled) ||
            !read_string(p, object, "metric_name", &measure->metric_name, false) ||
            !read_string(p, object, "name", &measure->metric_name, false) ||
            !read_string(p, object, "unit", &measure->unit, false) ||
            !read_string(p, object, "description", &measure->description, true))
            return false;
    }
    if (!settle_unit(p, measure, "unit"))
        return false;
    path_pop(p, mark);
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
    return fail(p, "must be \"cpu\", \"off_cpu\", \"wall\", \"memory\", \"inuse\" or \"inuse_objects\"");
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
    size_t mark = path_push_key(p, "function");
    uint64_t top_n = 0;
    if (!check_object(p, object, keys) || !check_alias(p, object, "inclusive", "total"))
        return false;
    if (!read_bool(p, object, "enabled", &p->config->function.enabled) ||
        !read_bool(p, object, "self", &p->config->function.self) ||
        !read_bool(p, object, "inclusive", &p->config->function.inclusive) ||
        !read_bool(p, object, "total", &p->config->function.inclusive) ||
        !read_integer(p, object, "top_n", 0, 1000000, &top_n))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(object, "measures") != NULL)
        p->config->function.measures = 0;
    if (!check_list_size(p, object, "measures", MEASURE_LIST_MAX) ||
        !each_string(p, object, "measures", false, parse_function_measure, &p->config->function.measures))
        return false;
    p->config->function.top_n = (uint32_t)top_n;
    path_pop(p, mark);
    return true;
}

/* "folded": {"measure": "cpu"|"off_cpu"|"wall"|"memory"|"inuse"|"inuse_objects"}:
 * the measure whose stacks PTM_FORMAT_FOLDED writes (default cpu). */
static bool parse_folded(config_parser *p, const cJSON *root)
{
    static const char *const keys[] = {"measure", NULL};
    p->config->folded_measure = MEASURE_CPU;
    const cJSON *object = cJSON_GetObjectItemCaseSensitive(root, "folded");
    if (object == NULL)
        return true;
    size_t mark = path_push_key(p, "folded");
    const char *measure = "cpu";
    if (!check_object(p, object, keys) || !read_string(p, object, "measure", &measure, false))
        return false;
    path_push_key(p, "measure");
    uint32_t bits = 0;
    if (!parse_function_measure(p, measure, &bits))
        return false;
    p->config->folded_measure = (measure_kind)__builtin_ctz(bits);
    path_pop(p, mark);
    return true;
}

static bool parse_metrics(config_parser *p, const cJSON *root)
{
    static const char *const keys[] = {"cpu", "off_cpu", "wall", "memory", "allocations",
                                       "inuse", "inuse_objects", "function", NULL};
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(root, "metrics");
    size_t mark = path_push_key(p, "metrics");
    if (metrics != NULL && !check_object(p, metrics, keys))
        return false;
    for (int kind = 0; kind < MEASURE_BUILTIN_COUNT; kind++) {
        if (!parse_measure(p, metrics, (measure_kind)kind))
            return false;
    }
    if (!parse_function(p, metrics))
        return false;
    path_pop(p, mark);
    return true;
}

static bool parse_attribute_rule(config_parser *p, const cJSON *object, void *slot)
{
    attribute_rule *rule = slot;
    static const char *const keys[] = {"key", "name", "value", "type", NULL};
    if (!check_object(p, object, keys) || !check_alias(p, object, "key", "name"))
        return false;
    const char *type = "literal";
    rule->key = NULL;
    rule->value = NULL;
    if (!read_string(p, object, "key", &rule->key, false) ||
        !read_string(p, object, "name", &rule->key, false) ||
        !read_string(p, object, "value", &rule->value, true) ||
        !read_string(p, object, "type", &type, false))
        return false;
    if (rule->key == NULL)
        return fail(p, "key: missing");
    static const char *const reserved[] = {"thread.name", "process.executable.name",
                                           "code.function.name", "otel.metric.overflow"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        if (strcmp(rule->key, reserved[i]) == 0) {
            path_push_key(p, "key");
            return fail(p, "\"%s\" is set by the converter on the points that have it", rule->key);
        }
    }
    if (rule->value == NULL)
        return fail(p, "value: missing");
    size_t mark = path_push_key(p, "value");
    if (strcmp(type, "regex") == 0) {
        rule->regex = compile(p, rule->value);
        if (rule->regex == NULL)
            return false;
    } else if (strcmp(type, "literal") != 0) {
        path_pop(p, mark);
        path_push_key(p, "type");
        return fail(p, "must be \"literal\" or \"regex\"");
    }
    path_pop(p, mark);
    return true;
}

typedef bool parse_item_function(config_parser *p, const cJSON *item, void *slot);

/* Parses root[key], an array of objects, into a new array of item_size-byte
 * slots (*items, *count), each read by parse_item. */
static bool parse_object_array(config_parser *p, const cJSON *root, const char *key,
                               size_t item_size, parse_item_function *parse_item,
                               void **items, uint32_t *count)
{
    const cJSON *array = cJSON_GetObjectItemCaseSensitive(root, key);
    if (array == NULL)
        return true;
    size_t mark = path_push_key(p, key);
    if (!cJSON_IsArray(array))
        return fail(p, "must be an array");
    int size = cJSON_GetArraySize(array);
    uint8_t *slots = arena_calloc(&p->config->storage, (size_t)size + 1, item_size);
    if (slots == NULL)
        return out_of_memory(p);
    int index = 0;
    for (const cJSON *item = array->child; item != NULL; item = item->next, index++) {
        size_t item_mark = path_push_index(p, index);
        if (!parse_item(p, item, slots + (size_t)index * item_size))
            return false;
        path_pop(p, item_mark);
    }
    *items = slots;
    *count = (uint32_t)size;
    path_pop(p, mark);
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

static bool parse_sample_type(config_parser *p, const cJSON *object, void *slot)
{
    custom_sample_type *custom = slot;
    static const char *const keys[] = {"type", "unit", "metric_name", "metric_unit", "gauge", NULL};
    if (!check_object(p, object, keys))
        return false;
    measure_config *measure = &custom->measure;
    *measure = (measure_config){.enabled = true, .description = "Custom profile sample type"};
    custom->type = custom->unit = NULL;
    const char *metric_unit = NULL;
    if (!read_string(p, object, "type", &custom->type, false) ||
        !read_string(p, object, "unit", &custom->unit, false) ||
        !read_string(p, object, "metric_name", &measure->metric_name, false) ||
        !read_string(p, object, "metric_unit", &metric_unit, false) ||
        !read_bool(p, object, "gauge", &measure->gauge))
        return false;
    if (custom->type == NULL)
        return fail(p, "type: missing");
    if (custom->unit == NULL)
        return fail(p, "unit: missing");
    if (measure->metric_name == NULL)
        return fail(p, "metric_name: missing");
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

/* A key that takes one of two strings: usual (the default) or other;
 * *is_other tells which it was. */
static bool read_either(config_parser *p, const cJSON *root, const char *key, const char *usual,
                        const char *other, bool *is_other)
{
    const char *value = usual;
    if (!read_string(p, root, key, &value, false))
        return false;
    *is_other = strcmp(value, other) == 0;
    if (!*is_other && strcmp(value, usual) != 0) {
        path_push_key(p, key);
        return fail(p, "must be \"%s\" or \"%s\"", usual, other);
    }
    return true;
}

/* "temporality": "delta" (the default) or "cumulative". */
static bool parse_temporality(config_parser *p, const cJSON *root)
{
    return read_either(p, root, "temporality", "delta", "cumulative", &p->config->cumulative);
}

/*
 * A duration as Go's time.ParseDuration and the collector's configuration
 * spell it: "0", or numbers (a decimal fraction allowed) each followed by a
 * unit, ns, us (or µs), ms, s, m, h: "300s", "5m", "1h30m", "1.5h". At most
 * ten years. False when text is not one.
 */
static bool duration_nanoseconds(const char *text, uint64_t *out)
{
    static const struct { const char *name; double ns; } units[] = {
        {"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
    double total = 0;
    if (strcmp(text, "0") == 0) {
        *out = 0;
        return true;
    }
    if (*text == '\0')
        return false;
    while (*text != '\0') {
        const char *number = text;
        while ((*text >= '0' && *text <= '9') || *text == '.')
            text++;
        char *end;
        double value = strtod(number, &end);
        if (text == number || end != text)
            return false;
        size_t best = 0, best_size = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t size = strlen(units[i].name);
            if (size > best_size && strncmp(text, units[i].name, size) == 0)
                best = i, best_size = size;
        }
        if (best_size == 0)
            return false;
        total += value * units[best].ns;
        text += best_size;
    }
    if (total > 10 * 366 * 86400e9)
        return false;
    *out = (uint64_t)total;
    return true;
}

/* "metrics_expiration": how long a series held by ptm_converter_add() may
 * stay idle before a flush drops it; "5m" by default, "0" never. */
static bool parse_metrics_expiration(config_parser *p, const cJSON *root)
{
    const char *text = "5m";
    if (!read_string(p, root, "metrics_expiration", &text, false))
        return false;
    if (!duration_nanoseconds(text, &p->config->metrics_expiration)) {
        path_push_key(p, "metrics_expiration");
        return fail(p, "\"%s\" is not a duration such as \"5m\", \"90s\" or \"1h30m\" "
                       "(units ns, us, ms, s, m, h; \"0\": never)", text);
    }
    return true;
}

/* One entry of copy_resource_attributes: "*" alone, or a key. */
static bool parse_copied_key(config_parser *p, const char *text, void *context)
{
    ptm_config *config = p->config;
    if (strcmp(text, "*") == 0) {
        if (*(int *)context != 1)
            return fail(p, "\"*\" must be the only entry");
        config->copy_all_resource_attributes = true;
        return true;
    }
    const char *key = copy_string(p, text);
    if (key == NULL)
        return false;
    config->copied_keys[config->copied_key_count++] = key;
    return true;
}

/* "self_frame": "interpreted" (the default) or "leaf". */
static bool parse_self_frame(config_parser *p, const cJSON *root)
{
    bool leaf = false;
    if (!read_either(p, root, "self_frame", "interpreted", "leaf", &leaf))
        return false;
    p->config->self_interpreted = !leaf;
    return true;
}

/* Appends a copy of text to the string list at context (arena_vector of
 * const char *). */
static bool append_string(config_parser *p, const char *text, void *context)
{
    const char **slot = vector_push(&p->config->storage, context, sizeof *slot);
    if (slot == NULL)
        return out_of_memory(p);
    *slot = copy_string(p, text);
    return *slot != NULL;
}

/* A string array of object's key into *items, *count. */
static bool read_string_list(config_parser *p, const cJSON *object, const char *key, const char ***items,
                             uint32_t *count)
{
    arena_vector list = {0};
    if (!each_string(p, object, key, false, append_string, &list))
        return false;
    *items = list.items;
    *count = list.count;
    return true;
}

/* A debuginfod server: an http:// or https:// URL. */
static bool check_debuginfod_urls(config_parser *p, const char *const *urls, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (strncmp(urls[i], "http://", 7) != 0 && strncmp(urls[i], "https://", 8) != 0) {
            snprintf(p->path, sizeof p->path, "symbolize.debuginfod[%u]", i);
            return fail(p, "must be an http:// or https:// URL");
        }
    }
    return true;
}

/* "symbolize": {"paths": [dir...], "root": "", "debuginfod": [url...],
 * "cache_bytes": 268435456}: the sources of native frames' symbols. */
static bool parse_symbolize(config_parser *p, const cJSON *root)
{
    static const char *const keys[] = {"paths", "root", "debuginfod", "cache_bytes", NULL};
    ptm_config *config = p->config;
    config->symbolize.root = "";
    uint64_t cache_bytes = (uint64_t)DEFAULT_SYMBOL_CACHE_BYTES;
    const cJSON *object = cJSON_GetObjectItemCaseSensitive(root, "symbolize");
    size_t mark = path_push_key(p, "symbolize");
    if (object != NULL && !check_object(p, object, keys))
        return false;
    if (!check_list_size(p, object, "paths", SYMBOLIZE_LIST_MAX) ||
        !check_list_size(p, object, "debuginfod", SYMBOLIZE_LIST_MAX) ||
        !read_string_list(p, object, "paths", &config->symbolize.paths, &config->symbolize.path_count) ||
        !read_string(p, object, "root", &config->symbolize.root, true) ||
        !read_string_list(p, object, "debuginfod", &config->symbolize.debuginfod,
                          &config->symbolize.debuginfod_count) ||
        !check_debuginfod_urls(p, config->symbolize.debuginfod, config->symbolize.debuginfod_count) ||
        !read_integer(p, object, "cache_bytes", 65536, 17179869184.0, &cache_bytes))
        return false;
    config->symbolize.cache_bytes = cache_bytes;
    config->symbolize.enabled = config->symbolize.path_count > 0 || config->symbolize.root[0] != '\0' ||
                                config->symbolize.debuginfod_count > 0;
    path_pop(p, mark);
    return true;
}

/* "copy_resource_attributes": ["*"] (the default: every scalar resource
 * attribute but service.name, .namespace and .instance.id), or the keys to
 * copy onto every point. */
static bool parse_copy_resource_attributes(config_parser *p, const cJSON *root)
{
    const cJSON *array = cJSON_GetObjectItemCaseSensitive(root, "copy_resource_attributes");
    p->config->copy_all_resource_attributes = array == NULL;
    if (!check_list_size(p, root, "copy_resource_attributes", COPIED_KEY_MAX))
        return false;
    int size = cJSON_IsArray(array) ? cJSON_GetArraySize(array) : 0;
    p->config->copied_keys = arena_calloc(&p->config->storage, (size_t)size + 1, sizeof(const char *));
    if (p->config->copied_keys == NULL)
        return out_of_memory(p);
    return each_string(p, root, "copy_resource_attributes", false, parse_copied_key, &size);
}

/* One entry of breakdowns.measures or a rule's sample_types into the bit set
 * at context: a measure breakdowns may count. */
static bool parse_breakdown_measure(config_parser *p, const char *text, void *context)
{
    for (int kind = 0; kind < BREAKDOWN_MEASURE_COUNT; kind++) {
        if (strcmp(text, measure_defaults[kind].key) == 0) {
            *(uint32_t *)context |= 1u << kind;
            return true;
        }
    }
    return fail(p, "must be \"cpu\", \"off_cpu\", \"wall\", \"memory\" or \"allocations\"");
}

/* "breakdowns": {"frame_type", "library", "kernel", "package": bool (false),
 * "measures": [...] (["cpu"])}. */
static bool parse_breakdowns(config_parser *p, const cJSON *root)
{
    static const char *const keys[] = {"frame_type", "library", "kernel", "package", "measures", NULL};
    ptm_config *config = p->config;
    config->breakdowns.measures = 1u << MEASURE_CPU;
    const cJSON *object = cJSON_GetObjectItemCaseSensitive(root, "breakdowns");
    if (object == NULL)
        return true;
    size_t mark = path_push_key(p, "breakdowns");
    if (!check_object(p, object, keys))
        return false;
    for (int kind = 0; kind < BREAKDOWN_KIND_COUNT; kind++) {
        if (!read_bool(p, object, keys[kind], &config->breakdowns.kinds[kind]))
            return false;
    }
    if (cJSON_GetObjectItemCaseSensitive(object, "measures") != NULL)
        config->breakdowns.measures = 0;
    if (!check_list_size(p, object, "measures", MEASURE_LIST_MAX) ||
        !each_string(p, object, "measures", false, parse_breakdown_measure, &config->breakdowns.measures))
        return false;
    path_pop(p, mark);
    return true;
}

/* A rule's "attributes": {key: string value, ...}. */
static bool parse_rule_attributes(config_parser *p, const cJSON *object, recording_rule *rule)
{
    const cJSON *attributes = cJSON_GetObjectItemCaseSensitive(object, "attributes");
    if (attributes == NULL)
        return true;
    size_t mark = path_push_key(p, "attributes");
    if (!cJSON_IsObject(attributes))
        return fail(p, "must be an object of strings");
    int size = cJSON_GetArraySize(attributes);
    if (size > ATTRIBUTE_RULE_MAX)
        return fail(p, "has %d entries; at most %d", size, ATTRIBUTE_RULE_MAX);
    rule->attribute_keys = arena_calloc(&p->config->storage, (size_t)size + 1, sizeof(const char *));
    rule->attribute_values = arena_calloc(&p->config->storage, (size_t)size + 1, sizeof(const char *));
    if (rule->attribute_keys == NULL || rule->attribute_values == NULL)
        return out_of_memory(p);
    for (const cJSON *item = attributes->child; item != NULL; item = item->next) {
        size_t item_mark = path_push_key(p, item->string);
        if (!cJSON_IsString(item))
            return fail(p, "must be a string");
        const char *key = copy_string(p, item->string), *value = copy_string(p, item->valuestring);
        if (key == NULL || value == NULL)
            return false;
        rule->attribute_keys[rule->attribute_count] = key;
        rule->attribute_values[rule->attribute_count++] = value;
        path_pop(p, item_mark);
    }
    path_pop(p, mark);
    return true;
}

/* The value family of a set of measure bits, or -1 when they mix families. */
static int measures_family(uint32_t measures)
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
    if (!check_object(p, object, keys) ||
        !read_string(p, object, "metric_name", &rule->metric_name, false) ||
        !read_string(p, object, "mode", &mode, false) ||
        !read_string(p, object, "description", &rule->description, true) ||
        !check_list_size(p, object, "functions", PATTERN_LIST_MAX) ||
        !check_list_size(p, object, "sample_types", MEASURE_LIST_MAX) ||
        !each_string(p, object, "functions", false, append_pattern, &functions) ||
        !each_string(p, object, "group_by", false, append_string, &group_by) ||
        !parse_rule_attributes(p, object, rule) ||
        !each_string(p, object, "sample_types", false, parse_breakdown_measure, &rule->measures))
        return false;
    if (rule->metric_name == NULL)
        return fail(p, "metric_name: missing");
    if (functions.count == 0)
        return fail(p, "functions: missing (one regex or more)");
    rule->functions = (pattern_list){functions.items, functions.count};
    rule->group_by = group_by.items;
    rule->group_by_count = group_by.count;
    rule->inclusive = strcmp(mode, "inclusive") == 0;
    if (!rule->inclusive && strcmp(mode, "self") != 0) {
        path_push_key(p, "mode");
        return fail(p, "must be \"self\" or \"inclusive\"");
    }
    if (group_by.count > RULE_GROUP_BY_MAX) {
        path_push_key(p, "group_by");
        return fail(p, "has %u keys; at most %d", group_by.count, RULE_GROUP_BY_MAX);
    }
    if (rule->measures == 0)
        rule->measures = 1u << MEASURE_CPU;
    if (measures_family(rule->measures) < 0) {
        path_push_key(p, "sample_types");
        return fail(p, "mixes time, bytes and counts; a rule's metric has one unit");
    }
    rule->unit_measure = (measure_kind)__builtin_ctz(rule->measures);
    return true;
}

/* "rules": [recording rule, ...], at most RULE_MAX. */
static bool parse_rules(config_parser *p, const cJSON *root)
{
    const cJSON *array = cJSON_GetObjectItemCaseSensitive(root, "rules");
    if (cJSON_IsArray(array) && cJSON_GetArraySize(array) > RULE_MAX) {
        path_push_key(p, "rules");
        return fail(p, "has %d rules; at most %d", cJSON_GetArraySize(array), RULE_MAX);
    }
    ptm_config *config = p->config;
    if (!parse_object_array(p, root, "rules", sizeof(recording_rule), parse_rule,
                            (void **)&config->rules, &config->rule_count))
        return false;
    for (uint32_t i = 0; i < config->rule_count; i++) {
        if (metric_name_taken(config, config->rules[i].metric_name, i)) {
            snprintf(p->path, sizeof p->path, "rules[%u].metric_name", i);
            return fail(p, "\"%s\" is another metric's name or a prefix the converter's own "
                           "metrics use", config->rules[i].metric_name);
        }
    }
    return true;
}

static bool parse_root(config_parser *p, const cJSON *root)
{
    static const char *const keys[] = {"metrics", "attributes", "process_filter", "thread_filter",
                                       "pattern_filter", "sample_types", "cardinality_limit",
                                       "max_input_bytes", "temporality", "metrics_expiration",
                                       "copy_resource_attributes", "folded", "breakdowns",
                                       "rules", "self_frame", "symbolize", "max_memory_bytes",
                                       "max_output_bytes", "max_point_attributes", NULL};
    if (root != NULL && !check_object(p, root, keys))
        return false;
    uint64_t cardinality_limit = DEFAULT_CARDINALITY_LIMIT;
    uint64_t max_input_bytes = DEFAULT_MAX_INPUT_BYTES;
    uint64_t max_memory_bytes = (uint64_t)DEFAULT_MAX_MEMORY_BYTES;
    uint64_t max_output_bytes = (uint64_t)DEFAULT_MAX_OUTPUT_BYTES;
    uint64_t max_point_attributes = DEFAULT_MAX_POINT_ATTRIBUTES;
    ptm_config *config = p->config;
    if (!parse_metrics(p, root) || !check_list_size(p, root, "attributes", ATTRIBUTE_RULE_MAX) ||
        !check_list_size(p, root, "sample_types", SAMPLE_TYPE_MAX) ||
        !parse_object_array(p, root, "attributes", sizeof(attribute_rule), parse_attribute_rule,
                            (void **)&config->attributes, &config->attribute_count) ||
        !parse_filter(p, root, "process_filter", &p->config->process_filter) ||
        !parse_filter(p, root, "thread_filter", &p->config->thread_filter) ||
        !parse_filter(p, root, "pattern_filter", &p->config->pattern_filter) ||
        !parse_object_array(p, root, "sample_types", sizeof(custom_sample_type), parse_sample_type,
                            (void **)&config->sample_types, &config->sample_type_count) ||
        !read_integer(p, root, "cardinality_limit", 1, 100000000, &cardinality_limit) ||
        !read_integer(p, root, "max_input_bytes", 1, 4294967295.0, &max_input_bytes) ||
        !read_integer(p, root, "max_memory_bytes", 1048576, (double)MAX_MEMORY_BYTES_LIMIT, &max_memory_bytes) ||
        !read_integer(p, root, "max_output_bytes", 1024, (double)MAX_MEMORY_BYTES_LIMIT, &max_output_bytes) ||
        !read_integer(p, root, "max_point_attributes", 1, MAX_POINT_ATTRIBUTES_LIMIT, &max_point_attributes) ||
        !parse_temporality(p, root) || !parse_metrics_expiration(p, root) ||
        !parse_copy_resource_attributes(p, root) ||
        !parse_folded(p, root) || !parse_breakdowns(p, root) || !parse_rules(p, root) ||
        !parse_self_frame(p, root) || !parse_symbolize(p, root))
        return false;
    p->config->cardinality_limit = (uint32_t)cardinality_limit;
    p->config->max_input_bytes = max_input_bytes;
    p->config->max_memory_bytes = max_memory_bytes;
    p->config->max_output_bytes = max_output_bytes;
    p->config->max_point_attributes = (uint32_t)max_point_attributes;
    return true;
}

/*
 * Strings holding NUL: cJSON decodes "\u0000" but its strings end at the
 * first NUL, so such a string would be cut silently; it is refused instead,
 * named by its key path. The text's strings (keys and values) are found one
 * after another, in the order a walk of the tree meets them (each object's
 * children in order, a key before its value): the walk names the string of
 * the first one whose text holds the escape.
 */

/* The offset of the end of the next string of text from *at (after its
 * closing quote) and whether it holds "\u0000"; false when there is none.
 * text is valid JSON: each string closes. */
static bool next_string(const char *text, size_t size, size_t *at, bool *has_nul)
{
    size_t i = *at;
    while (i < size && text[i] != '"')
        i++;
    if (i == size)
        return false;
    *has_nul = false;
    for (i++; i < size && text[i] != '"'; i++) {
        if (text[i] != '\\')
            continue;
        if (i + 5 < size && memcmp(text + i + 1, "u0000", 5) == 0)
            *has_nul = true;
        i++; /* the escaped character: '"' or '\\' do not end or escape */
    }
    *at = i + 1;
    return true;
}

typedef struct nul_scan {
    const char *text;
    size_t size, at; /* the next string starts at or after at */
} nul_scan;

/* Whether the next string of the text holds NUL. */
static bool next_has_nul(nul_scan *scan)
{
    bool has_nul = false;
    return next_string(scan->text, scan->size, &scan->at, &has_nul) && has_nul;
}

/* Walks item (at the parser's path) in the text's order; false, failed with
 * the path, at the first string holding NUL. */
static bool check_no_nul(config_parser *p, nul_scan *scan, const cJSON *item)
{
    if (cJSON_IsString(item))
        return !next_has_nul(scan) || fail(p, "must not contain NUL (\\u0000)");
    int index = 0;
    for (const cJSON *child = item->child; child != NULL; child = child->next, index++) {
        size_t mark;
        if (cJSON_IsObject(item)) {
            bool key_has_nul = next_has_nul(scan);
            mark = path_push_key(p, child->string);
            if (key_has_nul)
                return fail(p, "must not contain NUL (\\u0000)");
        } else {
            mark = path_push_index(p, index);
        }
        if (!check_no_nul(p, scan, child))
            return false;
        path_pop(p, mark);
    }
    return true;
}

static bool is_blank(const char *text, size_t size)
{
    return json_space_end((const uint8_t *)text, size, 0) == size;
}

ptm_result config_parse(ptm_config *config, const char *text, size_t text_size,
                        const ptm_allocator *allocator, ptm_status *status)
{
    memset(config, 0, sizeof *config);
    arena_init(&config->storage, allocator);
    config_parser p = {.config = config, .status = status};
    config->engine = pattern_engine_create(allocator, PCRE2_MATCH_LIMIT, PCRE2_DEPTH_LIMIT,
                                           PCRE2_HEAP_LIMIT_KIB);
    if (config->engine == NULL) {
        out_of_memory(&p);
        config_free(config);
        return status->code;
    }
    cJSON *root = NULL;
    if (text != NULL && !is_blank(text, text_size)) {
        const char *end = NULL;
        root = cJSON_ParseWithLengthOpts(text, text_size, &end, false);
        size_t valid_end;
        if (root == NULL && json_value_is_valid(text, text_size, &valid_end) && valid_end == text_size) {
            out_of_memory(&p); /* cJSON gave up on valid JSON: its malloc failed */
            config_free(config);
            return status->code;
        }
        if (root != NULL && !is_blank(end, text_size - (size_t)(end - text))) {
            cJSON_Delete(root);
            root = NULL;
        }
        if (root == NULL) {
            size_t offset = end != NULL && end >= text ? (size_t)(end - text) : 0, first = 0;
            while (first < text_size && (text[first] == ' ' || text[first] == '\t' || text[first] == '\n' ||
                                         text[first] == '\r'))
                first++;
            fail(&p, "not valid JSON (at byte %zu)%s", offset,
                 first < text_size && text[first] != '{'
                     ? ": the library reads a JSON object (YAML is read by the ptm command, native and WASI)" : "");
            config_free(config);
            return status->code;
        }
    }
    nul_scan scan = {text, text_size, 0};
    if (root == NULL || check_no_nul(&p, &scan, root))
        parse_root(&p, root);
    cJSON_Delete(root);
    if (!status_ok(status))
        config_free(config);
    return status->code;
}

void config_free(ptm_config *config)
{
    pattern **patterns = config->patterns.items;
    for (uint32_t i = 0; i < config->patterns.count; i++)
        pattern_free(patterns[i]);
    config->patterns.count = 0;
    pattern_engine_free(config->engine);
    config->engine = NULL;
    arena_free(&config->storage);
}
