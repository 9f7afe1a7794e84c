/*
 * config_read.c: the typed readers of the configuration's JSON (cJSON tree),
 * which every part of the parser uses.
 *
 * Each reads one key of an object (a bool, a string, a whole number in a
 * range, a list of strings, an array of objects, a regex) and refuses a
 * wrong type with a message naming the key path, which the parser keeps as
 * it descends (config_path_push_key/index, config_path_pop). Strings kept
 * are copied into config->storage; compiled patterns are owned by the config.
 */
#include "config/config_parse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Records a configuration error at the current path; returns false. */
bool config_fail(config_parser *p, const char *format, ...)
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

bool config_out_of_memory(config_parser *p)
{
    return status_fail(p->status, PTM_ERR_NOMEM, "config: out of memory");
}

/* Path handling: push appends ".key" or "[i]", pop restores the length. */
size_t config_path_push_key(config_parser *p, const char *key)
{
    size_t length = strlen(p->path);
    snprintf(p->path + length, sizeof p->path - length, "%s%s", length ? "." : "", key);
    return length;
}

size_t config_path_push_index(config_parser *p, int index)
{
    size_t length = strlen(p->path);
    snprintf(p->path + length, sizeof p->path - length, "[%d]", index);
    return length;
}

void config_path_pop(config_parser *p, size_t length)
{
    p->path[length] = '\0';
}

/* Checks that object is an object whose keys are all in allowed (NULL-ended),
 * none twice. */
bool config_check_object(config_parser *p, const cJSON *object, const char *const *allowed)
{
    if (!cJSON_IsObject(object))
        return config_fail(p, "must be an object");
    for (const cJSON *child = object->child; child != NULL; child = child->next) {
        bool known = false;
        for (const char *const *key = allowed; *key != NULL; key++)
            known = known || strcmp(*key, child->string) == 0;
        size_t mark = config_path_push_key(p, child->string);
        if (!known)
            return config_fail(p, "unknown key");
        for (const cJSON *other = object->child; other != child; other = other->next) {
            if (strcmp(other->string, child->string) == 0)
                return config_fail(p, "duplicate key");
        }
        config_path_pop(p, mark);
    }
    return true;
}

const char *config_copy_string(config_parser *p, const char *text)
{
    const char *copy = arena_dup(&p->config->storage, text, strlen(text) + 1);
    if (copy == NULL)
        config_out_of_memory(p);
    return copy;
}

/* Reads object[key] as a bool into *value when present. */
bool config_read_bool(config_parser *p, const cJSON *object, const char *key, bool *value)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (item == NULL)
        return true;
    size_t mark = config_path_push_key(p, key);
    if (!cJSON_IsBool(item))
        return config_fail(p, "must be true or false");
    *value = cJSON_IsTrue(item);
    config_path_pop(p, mark);
    return true;
}

bool config_read_string(config_parser *p, const cJSON *object, const char *key,
                        const char **value, bool allow_empty)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (item == NULL)
        return true;
    size_t mark = config_path_push_key(p, key);
    if (!cJSON_IsString(item))
        return config_fail(p, "must be a string");
    if (!allow_empty && item->valuestring[0] == '\0')
        return config_fail(p, "must not be empty");
    *value = config_copy_string(p, item->valuestring);
    if (*value == NULL)
        return false;
    config_path_pop(p, mark);
    return true;
}

/* Refuses an object that gives both key and alias, another name of key that
 * other connectors' configurations use; the message names the alias. */
bool config_check_alias(config_parser *p, const cJSON *object, const char *key, const char *alias)
{
    if (cJSON_GetObjectItemCaseSensitive(object, key) == NULL ||
        cJSON_GetObjectItemCaseSensitive(object, alias) == NULL)
        return true;
    config_path_push_key(p, alias);
    return config_fail(p, "is another name of %s; give one of them", key);
}

bool config_read_integer(config_parser *p, const cJSON *object, const char *key,
                         double minimum, double maximum, uint64_t *value)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    if (item == NULL)
        return true;
    size_t mark = config_path_push_key(p, key);
    if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble) ||
        item->valuedouble < minimum || item->valuedouble > maximum)
        return config_fail(p, "must be a whole number from %.0f to %.0f", minimum, maximum);
    *value = (uint64_t)item->valuedouble;
    config_path_pop(p, mark);
    return true;
}

pattern *config_compile_pattern(config_parser *p, const char *text)
{
    char message[200];
    bool out_of_memory_now = false;
    pattern *compiled = pattern_compile(p->config->engine, p->path, text, strlen(text),
                                        &out_of_memory_now, message, sizeof message);
    if (compiled == NULL) {
        if (out_of_memory_now)
            config_out_of_memory(p);
        else
            config_fail(p, "invalid regex: %s", message);
        return NULL;
    }
    pattern **slot = vector_push(&p->config->storage, &p->config->patterns, sizeof *slot);
    if (slot == NULL) {
        pattern_free(compiled);
        config_out_of_memory(p);
        return NULL;
    }
    *slot = compiled;
    return compiled;
}

/* Refuses object[key] when it is an array of more than max entries, naming
 * the key: "<path>.<key>: has N entries; at most M". */
bool config_check_list_size(config_parser *p, const cJSON *object, const char *key, int max)
{
    const cJSON *array = cJSON_GetObjectItemCaseSensitive(object, key);
    if (!cJSON_IsArray(array))
        return true;
    int size = cJSON_GetArraySize(array);
    if (size <= max)
        return true;
    config_path_push_key(p, key);
    return config_fail(p, "has %d entries; at most %d", size, max);
}

typedef bool parse_string_function(config_parser *p, const char *text, void *context);

/* Calls parse_item on each string of object[key], an array of strings
 * (non-empty unless allow_empty), with the item's path pushed. Absent:
 * nothing to do. */
bool config_each_string(config_parser *p, const cJSON *object, const char *key, bool allow_empty,
                        parse_string_function *parse_item, void *context)
{
    const cJSON *array = cJSON_GetObjectItemCaseSensitive(object, key);
    if (array == NULL)
        return true;
    size_t mark = config_path_push_key(p, key);
    if (!cJSON_IsArray(array))
        return config_fail(p, "must be an array of strings");
    int index = 0;
    for (const cJSON *item = array->child; item != NULL; item = item->next, index++) {
        size_t item_mark = config_path_push_index(p, index);
        if (!cJSON_IsString(item))
            return config_fail(p, allow_empty ? "must be a string" : "must be a non-empty string");
        if (!allow_empty && item->valuestring[0] == '\0')
            return config_fail(p, "must be a non-empty string");
        if (!parse_item(p, item->valuestring, context))
            return false;
        config_path_pop(p, item_mark);
    }
    config_path_pop(p, mark);
    return true;
}

/* Compiles text and appends it to the pattern list at context. */
bool config_append_pattern(config_parser *p, const char *text, void *context)
{
    pattern *compiled = config_compile_pattern(p, text);
    if (compiled == NULL)
        return false;
    pattern **slot = vector_push(&p->config->storage, context, sizeof *slot);
    if (slot == NULL)
        return config_out_of_memory(p);
    *slot = compiled;
    return true;
}

/* Parses root[key], an array of objects, into a new array of item_size-byte
 * slots (*items, *count), each read by parse_item. */
bool config_parse_object_array(config_parser *p, const cJSON *root, const char *key,
                               size_t item_size, parse_item_function *parse_item,
                               void **items, uint32_t *count)
{
    const cJSON *array = cJSON_GetObjectItemCaseSensitive(root, key);
    if (array == NULL)
        return true;
    size_t mark = config_path_push_key(p, key);
    if (!cJSON_IsArray(array))
        return config_fail(p, "must be an array");
    int size = cJSON_GetArraySize(array);
    uint8_t *slots = arena_calloc(&p->config->storage, (size_t)size + 1, item_size);
    if (slots == NULL)
        return config_out_of_memory(p);
    int index = 0;
    for (const cJSON *item = array->child; item != NULL; item = item->next, index++) {
        size_t item_mark = config_path_push_index(p, index);
        if (!parse_item(p, item, slots + (size_t)index * item_size))
            return false;
        config_path_pop(p, item_mark);
    }
    *items = slots;
    *count = (uint32_t)size;
    config_path_pop(p, mark);
    return true;
}

/* A key that takes one of two strings: usual (the default) or other;
 * *is_other tells which it was. */
bool config_read_either(config_parser *p, const cJSON *root, const char *key, const char *usual,
                        const char *other, bool *is_other)
{
    const char *value = usual;
    if (!config_read_string(p, root, key, &value, false))
        return false;
    *is_other = strcmp(value, other) == 0;
    if (!*is_other && strcmp(value, usual) != 0) {
        config_path_push_key(p, key);
        return config_fail(p, "must be \"%s\" or \"%s\"", usual, other);
    }
    return true;
}

/* Appends a copy of text to the string list at context (arena_vector of
 * const char *). */
bool config_append_string(config_parser *p, const char *text, void *context)
{
    const char **slot = vector_push(&p->config->storage, context, sizeof *slot);
    if (slot == NULL)
        return config_out_of_memory(p);
    *slot = config_copy_string(p, text);
    return *slot != NULL;
}

/* A string array of object's key into *items, *count. */
bool config_read_string_list(config_parser *p, const cJSON *object, const char *key, const char ***items,
                             uint32_t *count)
{
    arena_vector list = {0};
    if (!config_each_string(p, object, key, false, config_append_string, &list))
        return false;
    *items = list.items;
    *count = list.count;
    return true;
}
