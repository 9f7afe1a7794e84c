/*
 * proxywasm_config.c: the Envoy filter's plugin configuration, split into
 * the filter's options (the "filter" object, read here) and the core's
 * configuration (everything else, handed to ptm_converter_create, the one
 * validator of its keys).
 */
#include "proxywasm_config.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <cJSON.h>

#include "input/json_syntax.h"

static bool refuse_config(config_error *error, const char *key, const char *what)
{
    snprintf(error->text, sizeof error->text, "config: %s: %s", key, what);
    return false;
}

static bool read_path_option(const cJSON *item, const char *key, char *out, config_error *error)
{
    if (item == NULL)
        return true;
    if (!cJSON_IsString(item))
        return refuse_config(error, key, "must be a string");
    if (item->valuestring[0] != '/')
        return refuse_config(error, key, "must start with '/'");
    if (strlen(item->valuestring) >= PATH_CAPACITY)
        return refuse_config(error, key, "longer than 255 bytes");
    if (strpbrk(item->valuestring, "?#") != NULL)
        return refuse_config(error, key, "must be a path alone, without '?' or '#'");
    strcpy(out, item->valuestring);
    return true;
}

/* Reads the "filter" object (NULL: absent) into options. */
static bool read_filter_options(const cJSON *filter, filter_options *options, config_error *error)
{
    *options = (filter_options){.match_path = DEFAULT_MATCH_PATH,
                                .rewrite_path = DEFAULT_REWRITE_PATH,
                                .max_body_bytes = DEFAULT_MAX_BODY_BYTES};
    if (filter == NULL)
        return true;
    if (!cJSON_IsObject(filter))
        return refuse_config(error, "filter", "must be an object");
    for (const cJSON *item = filter->child; item != NULL; item = item->next) {
        for (const cJSON *other = item->next; other != NULL; other = other->next)
            if (strcmp(item->string, other->string) == 0)
                return refuse_config(error, "filter", "duplicated key");
    }
    const cJSON *item;
    for (item = filter->child; item != NULL; item = item->next) {
        const char *key = item->string;
        if (strcmp(key, "match_path") == 0) {
            if (!read_path_option(item, "filter.match_path", options->match_path, error))
                return false;
        } else if (strcmp(key, "rewrite_path") == 0) {
            if (!read_path_option(item, "filter.rewrite_path", options->rewrite_path, error))
                return false;
        } else if (strcmp(key, "on_error") == 0) {
            if (!cJSON_IsString(item) ||
                (strcmp(item->valuestring, "reject") != 0 && strcmp(item->valuestring, "pass") != 0))
                return refuse_config(error, "filter.on_error", "must be \"reject\" or \"pass\"");
            options->pass_on_error = strcmp(item->valuestring, "pass") == 0;
        } else if (strcmp(key, "max_body_bytes") == 0) {
            double value = cJSON_GetNumberValue(item);
            if (!cJSON_IsNumber(item) || value < 1 || value > 4294967295.0 || value != (double)(uint64_t)value)
                return refuse_config(error, "filter.max_body_bytes",
                                     "must be an integer from 1 to 4294967295");
            options->max_body_bytes = (uint64_t)value;
        } else {
            char path[300];
            snprintf(path, sizeof path, "filter.%s", key);
            return refuse_config(error, path, "unknown key (match_path, rewrite_path, on_error, max_body_bytes)");
        }
    }
    return true;
}

/* A converter for config (the core's JSON configuration, NUL-terminated) with a random hash key. */
static bool create_converter(const char *config, size_t config_size, ptm_converter **converter,
                             config_error *error)
{
    if (ptm_converter_create(config, config_size, NULL, converter, error->text, sizeof error->text) != PTM_OK)
        return false;
    uint8_t hash_key[16];
    if (getentropy(hash_key, sizeof hash_key) != 0) {
        ptm_converter_free(*converter);
        *converter = NULL;
        snprintf(error->text, sizeof error->text, "the host gave no random bytes (WASI random_get) for the hash key");
        return false;
    }
    ptm_converter_set_hash_key(*converter, hash_key);
    return true;
}

/*
 * The core reads JSON with cJSON as this does, so the JSON it is given (the
 * object without "filter", printed again) means what the user wrote. Text
 * that is not one JSON object goes to the core as it is, for its own
 * message.
 */
bool plugin_configure(const char *text, size_t size, filter_options *options,
                      ptm_converter **converter, config_error *error)
{
    const char *end = NULL;
    cJSON *root = size > 0 ? cJSON_ParseWithLengthOpts(text, size, &end, false) : NULL;
    size_t rest = root != NULL ? (size_t)(text + size - end) : 0;
    if (!cJSON_IsObject(root) || json_space_end((const uint8_t *)end, rest, 0) != rest) {
        cJSON_Delete(root);
        return read_filter_options(NULL, options, error) && create_converter(text, size, converter, error);
    }
    cJSON *filter = cJSON_DetachItemFromObjectCaseSensitive(root, "filter");
    bool ok = read_filter_options(filter, options, error);
    if (ok && cJSON_GetObjectItemCaseSensitive(root, "filter") != NULL)
        ok = refuse_config(error, "filter", "duplicated key");
    const cJSON *temporality = cJSON_GetObjectItemCaseSensitive(root, "temporality");
    if (ok && cJSON_IsString(temporality) && strcmp(temporality->valuestring, "cumulative") == 0)
        ok = refuse_config(error, "temporality",
                           "\"cumulative\" is not available in the filter: each Envoy worker thread runs "
                           "its own VM, whose running totals would overwrite each other's; use \"delta\"");
    char *core = ok ? cJSON_PrintUnformatted(root) : NULL;
    if (ok && core == NULL)
        ok = refuse_config(error, "filter", "out of memory");
    if (ok)
        ok = create_converter(core, strlen(core), converter, error);
    cJSON_free(core);
    cJSON_Delete(filter);
    cJSON_Delete(root);
    return ok;
}

