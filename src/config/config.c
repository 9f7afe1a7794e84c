/*
 * config.c: JSON configuration → ptm_config.
 *
 * The JSON is parsed with cJSON (see docs/design.md, "Dependencies" for why), then
 * walked against a fixed schema: every object's keys are checked against the
 * keys it may have, so an unknown or duplicated key is an error naming its
 * path. Regexes are compiled while parsing, once per configuration.
 *
 * cJSON allocates its tree with libc's malloc; the tree lives only during
 * config_parse(). Everything kept lives in config->storage.
 *
 * This file reads the root object and the keys of its own (limits, filters,
 * attribute rules, temporality, resource attributes, symbolize); the typed
 * readers are in config_read.c, the metrics in config_measures.c, the
 * breakdowns and recording rules in config_rules.c (config_parse.h).
 */
#include "config/config.h"
#include "config/config_parse.h"

#include "input/json_syntax.h"

#include <cJSON.h>
#include <stdlib.h>
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

static bool parse_filter(config_parser *p, const cJSON *root, const char *key,
                         filter_config *filter)
{
    static const char *const keys[] = {"enabled", "pattern", "patterns", "exclude_patterns", NULL};
    const cJSON *object = cJSON_GetObjectItemCaseSensitive(root, key);
    if (object == NULL)
        return true;
    size_t mark = config_path_push_key(p, key);
    if (!config_check_object(p, object, keys))
        return false;
    filter->enabled = true;
    if (!config_read_bool(p, object, "enabled", &filter->enabled))
        return false;
    arena_vector include = {0}, exclude = {0};
    const cJSON *single = cJSON_GetObjectItemCaseSensitive(object, "pattern");
    if (single != NULL) {
        size_t single_mark = config_path_push_key(p, "pattern");
        if (!cJSON_IsString(single))
            return config_fail(p, "must be a string");
        if (!config_append_pattern(p, single->valuestring, &include))
            return false;
        config_path_pop(p, single_mark);
    }
    if (!config_check_list_size(p, object, "patterns", PATTERN_LIST_MAX) ||
        !config_check_list_size(p, object, "exclude_patterns", PATTERN_LIST_MAX) ||
        !config_each_string(p, object, "patterns", true, config_append_pattern, &include) ||
        !config_each_string(p, object, "exclude_patterns", true, config_append_pattern, &exclude))
        return false;
    filter->include = (pattern_list){include.items, include.count};
    filter->exclude = (pattern_list){exclude.items, exclude.count};
    config_path_pop(p, mark);
    return true;
}

static bool parse_attribute_rule(config_parser *p, const cJSON *object, void *slot)
{
    attribute_rule *rule = slot;
    static const char *const keys[] = {"key", "name", "value", "type", NULL};
    if (!config_check_object(p, object, keys) || !config_check_alias(p, object, "key", "name"))
        return false;
    const char *type = "literal";
    rule->key = NULL;
    rule->value = NULL;
    if (!config_read_string(p, object, "key", &rule->key, false) ||
        !config_read_string(p, object, "name", &rule->key, false) ||
        !config_read_string(p, object, "value", &rule->value, true) ||
        !config_read_string(p, object, "type", &type, false))
        return false;
    if (rule->key == NULL)
        return config_fail(p, "key: missing");
    static const char *const reserved[] = {"thread.name", "process.executable.name",
                                           "code.function.name", "otel.metric.overflow"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        if (strcmp(rule->key, reserved[i]) == 0) {
            config_path_push_key(p, "key");
            return config_fail(p, "\"%s\" is set by the converter on the points that have it", rule->key);
        }
    }
    if (rule->value == NULL)
        return config_fail(p, "value: missing");
    size_t mark = config_path_push_key(p, "value");
    if (strcmp(type, "regex") == 0) {
        rule->regex = config_compile_pattern(p, rule->value);
        if (rule->regex == NULL)
            return false;
    } else if (strcmp(type, "literal") != 0) {
        config_path_pop(p, mark);
        config_path_push_key(p, "type");
        return config_fail(p, "must be \"literal\" or \"regex\"");
    }
    config_path_pop(p, mark);
    return true;
}

/* "temporality": "delta" (the default) or "cumulative". */
static bool parse_temporality(config_parser *p, const cJSON *root)
{
    return config_read_either(p, root, "temporality", "delta", "cumulative", &p->config->cumulative);
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
    if (!config_read_string(p, root, "metrics_expiration", &text, false))
        return false;
    if (!duration_nanoseconds(text, &p->config->metrics_expiration)) {
        config_path_push_key(p, "metrics_expiration");
        return config_fail(p, "\"%s\" is not a duration such as \"5m\", \"90s\" or \"1h30m\" "
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
            return config_fail(p, "\"*\" must be the only entry");
        config->copy_all_resource_attributes = true;
        return true;
    }
    const char *key = config_copy_string(p, text);
    if (key == NULL)
        return false;
    config->copied_keys[config->copied_key_count++] = key;
    return true;
}

/* "self_frame": "interpreted" (the default) or "leaf". */
static bool parse_self_frame(config_parser *p, const cJSON *root)
{
    bool leaf = false;
    if (!config_read_either(p, root, "self_frame", "interpreted", "leaf", &leaf))
        return false;
    p->config->self_interpreted = !leaf;
    return true;
}

/* A debuginfod server: an http:// or https:// URL. */
static bool check_debuginfod_urls(config_parser *p, const char *const *urls, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (strncmp(urls[i], "http://", 7) != 0 && strncmp(urls[i], "https://", 8) != 0) {
            snprintf(p->path, sizeof p->path, "symbolize.debuginfod[%u]", i);
            return config_fail(p, "must be an http:// or https:// URL");
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
    size_t mark = config_path_push_key(p, "symbolize");
    if (object != NULL && !config_check_object(p, object, keys))
        return false;
    if (!config_check_list_size(p, object, "paths", SYMBOLIZE_LIST_MAX) ||
        !config_check_list_size(p, object, "debuginfod", SYMBOLIZE_LIST_MAX) ||
        !config_read_string_list(p, object, "paths", &config->symbolize.paths, &config->symbolize.path_count) ||
        !config_read_string(p, object, "root", &config->symbolize.root, true) ||
        !config_read_string_list(p, object, "debuginfod", &config->symbolize.debuginfod,
                                 &config->symbolize.debuginfod_count) ||
        !check_debuginfod_urls(p, config->symbolize.debuginfod, config->symbolize.debuginfod_count) ||
        !config_read_integer(p, object, "cache_bytes", 65536, 17179869184.0, &cache_bytes))
        return false;
    config->symbolize.cache_bytes = cache_bytes;
    config->symbolize.enabled = config->symbolize.path_count > 0 || config->symbolize.root[0] != '\0' ||
                                config->symbolize.debuginfod_count > 0;
    config_path_pop(p, mark);
    return true;
}

/* "copy_resource_attributes": ["*"] (the default: every scalar resource
 * attribute but service.name, .namespace and .instance.id), or the keys to
 * copy onto every point. */
static bool parse_copy_resource_attributes(config_parser *p, const cJSON *root)
{
    const cJSON *array = cJSON_GetObjectItemCaseSensitive(root, "copy_resource_attributes");
    p->config->copy_all_resource_attributes = array == NULL;
    if (!config_check_list_size(p, root, "copy_resource_attributes", COPIED_KEY_MAX))
        return false;
    int size = cJSON_IsArray(array) ? cJSON_GetArraySize(array) : 0;
    p->config->copied_keys = arena_calloc(&p->config->storage, (size_t)size + 1, sizeof(const char *));
    if (p->config->copied_keys == NULL)
        return config_out_of_memory(p);
    return config_each_string(p, root, "copy_resource_attributes", false, parse_copied_key, &size);
}

static bool parse_root(config_parser *p, const cJSON *root)
{
    static const char *const keys[] = {"metrics", "attributes", "process_filter", "thread_filter",
                                       "pattern_filter", "sample_types", "cardinality_limit",
                                       "max_input_bytes", "temporality", "metrics_expiration",
                                       "copy_resource_attributes", "folded", "breakdowns",
                                       "rules", "self_frame", "symbolize", "max_memory_bytes",
                                       "max_output_bytes", "max_point_attributes", NULL};
    if (root != NULL && !config_check_object(p, root, keys))
        return false;
    uint64_t cardinality_limit = DEFAULT_CARDINALITY_LIMIT;
    uint64_t max_input_bytes = DEFAULT_MAX_INPUT_BYTES;
    uint64_t max_memory_bytes = (uint64_t)DEFAULT_MAX_MEMORY_BYTES;
    uint64_t max_output_bytes = (uint64_t)DEFAULT_MAX_OUTPUT_BYTES;
    uint64_t max_point_attributes = DEFAULT_MAX_POINT_ATTRIBUTES;
    ptm_config *config = p->config;
    if (!config_parse_metrics(p, root) || !config_check_list_size(p, root, "attributes", ATTRIBUTE_RULE_MAX) ||
        !config_check_list_size(p, root, "sample_types", SAMPLE_TYPE_MAX) ||
        !config_parse_object_array(p, root, "attributes", sizeof(attribute_rule), parse_attribute_rule,
                                   (void **)&config->attributes, &config->attribute_count) ||
        !parse_filter(p, root, "process_filter", &p->config->process_filter) ||
        !parse_filter(p, root, "thread_filter", &p->config->thread_filter) ||
        !parse_filter(p, root, "pattern_filter", &p->config->pattern_filter) ||
        !config_parse_object_array(p, root, "sample_types", sizeof(custom_sample_type),
                                   config_parse_sample_type, (void **)&config->sample_types, &config->sample_type_count) ||
        !config_read_integer(p, root, "cardinality_limit", 1, 100000000, &cardinality_limit) ||
        !config_read_integer(p, root, "max_input_bytes", 1, 4294967295.0, &max_input_bytes) ||
        !config_read_integer(p, root, "max_memory_bytes", 1048576, (double)MAX_MEMORY_BYTES_LIMIT, &max_memory_bytes) ||
        !config_read_integer(p, root, "max_output_bytes", 1024, (double)MAX_MEMORY_BYTES_LIMIT, &max_output_bytes) ||
        !config_read_integer(p, root, "max_point_attributes", 1, MAX_POINT_ATTRIBUTES_LIMIT, &max_point_attributes) ||
        !parse_temporality(p, root) || !parse_metrics_expiration(p, root) ||
        !parse_copy_resource_attributes(p, root) ||
        !config_parse_folded(p, root) || !config_parse_breakdowns(p, root) || !config_parse_rules(p, root) ||
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
        return !next_has_nul(scan) || config_fail(p, "must not contain NUL (\\u0000)");
    int index = 0;
    for (const cJSON *child = item->child; child != NULL; child = child->next, index++) {
        size_t mark;
        if (cJSON_IsObject(item)) {
            bool key_has_nul = next_has_nul(scan);
            mark = config_path_push_key(p, child->string);
            if (key_has_nul)
                return config_fail(p, "must not contain NUL (\\u0000)");
        } else {
            mark = config_path_push_index(p, index);
        }
        if (!check_no_nul(p, scan, child))
            return false;
        config_path_pop(p, mark);
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
        config_out_of_memory(&p);
        config_free(config);
        return status->code;
    }
    cJSON *root = NULL;
    if (text != NULL && !is_blank(text, text_size)) {
        const char *end = NULL;
        root = cJSON_ParseWithLengthOpts(text, text_size, &end, false);
        size_t valid_end;
        if (root == NULL && json_value_is_valid(text, text_size, &valid_end) && valid_end == text_size) {
            config_out_of_memory(&p); /* cJSON gave up on valid JSON: its malloc failed */
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
            config_fail(&p, "not valid JSON (at byte %zu)%s", offset,
                        first < text_size && text[first] != '{'
                            ? ": the library reads a JSON object (YAML is read by the ptm command and npm's full variant)" : "");
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
