/*
 * attributes.h: the attributes a point carries beyond its series key.
 *
 * Configured rules ("attributes" key) are evaluated once per request against
 * its string table: a literal rule gives its value; a regex rule gives, from
 * the first string-table entry it matches, capture group 1 (or the whole
 * match). Their results are attached to every point of that request.
 *
 * Attribute lookups sample → profile → resource for thread.name and
 * process.executable.name also live here (attribute_scan).
 */
#ifndef PTM_ATTRIBUTES_H
#define PTM_ATTRIBUTES_H

#include "config/config.h"
#include "decode/dictionary.h"

typedef struct extracted_attribute {
    const char *key;
    byte_slice value;
} extracted_attribute;

/* Evaluates config's rules against dictionary's string table into *out
 * (extracted_attribute items). False when memory ran out (PCRE2's running
 * out is recorded in status). */
bool attributes_extract(const ptm_config *config, const profile_dictionary *dictionary,
                        arena *a, arena_vector *out, ptm_status *status);

/* What a list of attributes says: the first thread.name and
 * process.executable.name string values found (interned; INTERN_NONE when
 * absent) and the ids of every string value (for the pattern filter). */
typedef struct attribute_scan {
    uint32_t thread;
    uint32_t process;
} attribute_scan;

/* Records the thread or process name an attribute gives, unless scan has one. */
static inline void attributes_scan_one(const attribute_info *info, attribute_scan *scan)
{
    if (info->role == ROLE_THREAD_NAME && scan->thread == INTERN_NONE)
        scan->thread = info->value_id;
    else if (info->role == ROLE_PROCESS_NAME && scan->process == INTERN_NONE)
        scan->process = info->value_id;
}

/* Scans dictionary attribute indices (all must be valid). */
static inline void attributes_scan_indices(profile_dictionary *dictionary, const int32_t *indices,
                                           uint32_t count, attribute_scan *scan)
{
    for (uint32_t i = 0; i < count; i++)
        attributes_scan_one(dictionary_attribute_info(dictionary, indices[i]), scan);
}

/* Whether every index is valid (as dictionary_attributes_valid), scanning
 * them as attributes_scan_indices does in the same pass (the per-sample
 * path). */
static inline bool attributes_scan_valid(profile_dictionary *dictionary, const int32_t *indices,
                                         uint32_t count, attribute_scan *scan)
{
    for (uint32_t i = 0; i < count; i++) {
        if (!dictionary_index_valid(&dictionary->attributes, indices[i]))
            return false;
        const attribute_info *info = dictionary_attribute_info(dictionary, indices[i]);
        if (!info->valid)
            return false;
        attributes_scan_one(info, scan);
    }
    return true;
}

#endif /* PTM_ATTRIBUTES_H */
