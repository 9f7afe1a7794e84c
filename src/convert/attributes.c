/*
 * attributes.c: rule extraction per request (the role scans are inline in
 * attributes.h: they run per sample).
 */
#include "convert/attributes.h"

#include <string.h>

static bool extract_regex(const attribute_rule *rule, const profile_dictionary *dictionary,
                          byte_slice *value, ptm_status *status)
{
    const byte_slice *strings = dictionary->strings.items;
    for (uint32_t i = 1; i < dictionary->strings.count; i++) {
        if (pattern_search(rule->regex, strings[i], value, status))
            return true;
    }
    return false;
}

bool attributes_extract(const ptm_config *config, const profile_dictionary *dictionary,
                        arena *a, arena_vector *out, ptm_status *status)
{
    *out = (arena_vector){0};
    for (uint32_t i = 0; i < config->attribute_count; i++) {
        const attribute_rule *rule = &config->attributes[i];
        byte_slice value = {(const uint8_t *)rule->value, strlen(rule->value)};
        if (rule->regex != NULL && !extract_regex(rule, dictionary, &value, status))
            continue; /* no match, no attribute */
        extracted_attribute *slot = vector_push(a, out, sizeof *slot);
        if (slot == NULL)
            return false;
        slot->key = rule->key;
        slot->value = value;
    }
    return true;
}
