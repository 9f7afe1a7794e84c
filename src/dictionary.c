/*
 * dictionary.c: what is derived from a request's dictionary, lazily and once
 * per request: string ids, attribute roles and values, per-stack validity and
 * function names (the tables themselves are read by dictionary_read.c).
 */
#include "dictionary.h"

#include <string.h>

byte_slice dictionary_string(const profile_dictionary *dictionary, int32_t strindex)
{
    if (strindex <= 0 || (uint32_t)strindex >= dictionary->strings.count)
        return (byte_slice){(const uint8_t *)"", 0};
    return ((const byte_slice *)dictionary->strings.items)[strindex];
}

const dictionary_mapping *dictionary_mapping_at(const profile_dictionary *dictionary, int32_t index)
{
    static const dictionary_mapping zero_mapping = {0};
    if (index < 0 || (uint32_t)index >= dictionary->mappings.count)
        return &zero_mapping;
    return &((const dictionary_mapping *)dictionary->mappings.items)[index];
}

attribute_role attribute_role_of(byte_slice key)
{
    if (slice_equals_cstr(key, "thread.name"))
        return ROLE_THREAD_NAME;
    if (slice_equals_cstr(key, "process.executable.name"))
        return ROLE_PROCESS_NAME;
    return ROLE_OTHER;
}

bool dictionary_string_value(const profile_dictionary *dictionary, byte_slice raw_value,
                             byte_slice *out)
{
    any_value value;
    if (!any_value_decode(raw_value, &value))
        return false;
    if (value.kind == ANY_STRING) {
        *out = value.bytes;
        return true;
    }
    if (value.kind == ANY_STRINDEX && dictionary != NULL) {
        *out = dictionary_string(dictionary, value.strindex);
        return true;
    }
    return false;
}

const attribute_info *dictionary_attribute_info_compute(profile_dictionary *dictionary, int32_t index)
{
    attribute_info *info = &dictionary->attribute_infos[index];
    if ((uint32_t)index >= dictionary->attributes.count)
        return info;
    const dictionary_attribute *attribute =
        &((const dictionary_attribute *)dictionary->attributes.items)[index];
    info->known = true;
    info->valid = dictionary_index_valid(&dictionary->strings, attribute->key_strindex);
    info->role = (uint8_t)attribute_role_of(dictionary_string(dictionary, attribute->key_strindex));
    any_value value;
    if (any_value_decode(attribute->value, &value) && value.kind == ANY_STRINDEX)
        info->valid = info->valid && dictionary_index_valid(&dictionary->strings, value.strindex);
    byte_slice text;
    if (dictionary_string_value(dictionary, attribute->value, &text))
        info->value_id = intern(dictionary->interner, text);
    return info;
}

/* The base name of a path: what follows the last '/'. */
static byte_slice base_name(byte_slice path)
{
    for (size_t i = path.size; i > 0; i--) {
        if (path.data[i - 1] == '/')
            return (byte_slice){path.data + i, path.size - i};
    }
    return path;
}

static const byte_slice unknown_function = {(const uint8_t *)"[unknown]", 9};

/* The interned name of a frame whose function has none: its mapping file's
 * base name, or "[unknown]". INTERN_NONE when an index is invalid (or memory
 * ran out). Cached per mapping. */
static uint32_t mapping_name_id(profile_dictionary *dictionary, int32_t mapping_index)
{
    if (!dictionary_index_valid(&dictionary->mappings, mapping_index))
        return INTERN_NONE;
    uint32_t *cached = &dictionary->mapping_name_ids[mapping_index];
    if (*cached != INTERN_NONE)
        return *cached;
    byte_slice name = unknown_function;
    if ((uint32_t)mapping_index < dictionary->mappings.count) {
        int32_t filename = dictionary_mapping_at(dictionary, mapping_index)->filename_strindex;
        if (!dictionary_index_valid(&dictionary->strings, filename))
            return INTERN_NONE;
        byte_slice base = base_name(dictionary_string(dictionary, filename));
        if (base.size > 0)
            name = base;
    }
    *cached = intern(dictionary->interner, name);
    return *cached;
}

/* The interned name of a frame (see docs/semantics.md): the function's name,
 * its system name, else the mapping's. Cached per function when it has one. */
static uint32_t function_name_id(profile_dictionary *dictionary, int32_t function_index,
                                 int32_t mapping_index)
{
    if (!dictionary_index_valid(&dictionary->functions, function_index))
        return INTERN_NONE;
    uint32_t *cached = &dictionary->function_name_ids[function_index];
    if (*cached != INTERN_NONE)
        return *cached;
    if ((uint32_t)function_index < dictionary->functions.count) {
        const dictionary_function *function =
            &((const dictionary_function *)dictionary->functions.items)[function_index];
        if (!dictionary_index_valid(&dictionary->strings, function->name_strindex) ||
            !dictionary_index_valid(&dictionary->strings, function->system_name_strindex))
            return INTERN_NONE;
        byte_slice name = dictionary_string(dictionary, function->name_strindex);
        if (name.size == 0)
            name = dictionary_string(dictionary, function->system_name_strindex);
        if (name.size > 0) {
            *cached = intern(dictionary->interner, name);
            return *cached;
        }
    }
    return mapping_name_id(dictionary, mapping_index);
}

/* The zero location (index 0 of an empty table): no mapping, no lines. */
static const dictionary_location zero_location = {0};

byte_slice dictionary_location_type(const profile_dictionary *dictionary, const dictionary_location *location)
{
    if (location->attribute_count == 0)
        return (byte_slice){0}; /* and the table may be empty: no pointer arithmetic on NULL */
    const int32_t *indices = (const int32_t *)dictionary->location_attributes.items + location->first_attribute;
    for (uint32_t i = 0; i < location->attribute_count; i++) {
        if (indices[i] < 0 || (uint32_t)indices[i] >= dictionary->attributes.count)
            continue;
        const dictionary_attribute *attribute = &((const dictionary_attribute *)dictionary->attributes.items)[indices[i]];
        byte_slice text;
        if (slice_equals_cstr(dictionary_string(dictionary, attribute->key_strindex), "profile.frame.type") &&
            dictionary_string_value(dictionary, attribute->value, &text) && text.size > 0)
            return text;
    }
    return (byte_slice){0};
}

/* The name of a frame nothing names: "[type]" of its location's
 * profile.frame.type ("[cpython]", "[native]", "[abort-marker]"), so that
 * unnamed frames of different runtimes stay apart; "[unknown]" when it has
 * no type. INTERN_NONE when memory ran out. */
static uint32_t unnamed_frame_id(profile_dictionary *dictionary, const dictionary_location *location)
{
    byte_slice type = dictionary_location_type(dictionary, location);
    if (type.size == 0)
        return dictionary->unknown_name_id;
    uint8_t *name = arena_alloc(dictionary->arena, type.size + 2);
    if (name == NULL)
        return INTERN_NONE;
    name[0] = '[';
    memcpy(name + 1, type.data, type.size);
    name[type.size + 1] = ']';
    return intern(dictionary->interner, (byte_slice){name, type.size + 2});
}

/* Whether a profile.frame.type is an interpreter's or a managed runtime's:
 * code whose native leaf frames are the runtime's own (self_frame). */
static bool interpreted_type(byte_slice type)
{
    static const char *const types[] = {"cpython", "v8js", "ruby", "php", "phpjit", "perl",
                                        "jvm", "dotnet", "beam", "luajit"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (slice_equals_cstr(type, types[i]))
            return true;
    }
    return false;
}

/* Where the walk of a stack is in deciding its self frame (self_frame
 * "interpreted"): the leaf's run of native frames is followed to the first
 * frame of another type; an interpreted one takes the self time. */
typedef enum self_search { SELF_SEARCHING, SELF_DECIDED } self_search;

/* Takes location (index i from the leaf) into the search for the self frame
 * whose innermost name is id. */
static self_search search_self(profile_dictionary *dictionary, const dictionary_location *location,
                               uint32_t i, uint32_t id, stack_info *info)
{
    if (i == 0)
        info->self_function = id;
    if (!dictionary->self_interpreted)
        return SELF_DECIDED;
    byte_slice type = dictionary_location_type(dictionary, location);
    if (slice_equals_cstr(type, "native"))
        return SELF_SEARCHING;
    if (i > 0 && interpreted_type(type))
        info->self_function = id;
    return SELF_DECIDED;
}

static bool collect_frames(profile_dictionary *dictionary, const dictionary_stack *stack,
                           stack_info *info, arena_vector *names, arena_vector *frames)
{
    const int32_t *location_indices = dictionary->stack_locations.items;
    self_search self = SELF_SEARCHING;
    for (uint32_t i = 0; i < stack->location_count; i++) {
        int32_t location_index = location_indices[stack->first_location + i];
        if (!dictionary_index_valid(&dictionary->locations, location_index))
            return false;
        const dictionary_location *location =
            (uint32_t)location_index < dictionary->locations.count
                ? &((const dictionary_location *)dictionary->locations.items)[location_index]
                : &zero_location;
        if (!dictionary_index_valid(&dictionary->mappings, location->mapping_index))
            return false;
        uint32_t line_count = location->line_count > 0 ? location->line_count : 1;
        for (uint32_t line = 0; line < line_count; line++) {
            uint32_t id = location->line_count > 0
                ? function_name_id(dictionary,
                                   ((const int32_t *)dictionary->line_functions.items)[location->first_line + line],
                                   location->mapping_index)
                : mapping_name_id(dictionary, location->mapping_index);
            if (id == dictionary->unknown_name_id)
                id = unnamed_frame_id(dictionary, location);
            if (id == INTERN_NONE)
                return false;
            if (line == 0 && self == SELF_SEARCHING)
                self = search_self(dictionary, location, i, id, info);
            uint32_t *frame = frames != NULL ? vector_push(dictionary->arena, frames, sizeof(uint32_t)) : NULL;
            if (frame != NULL)
                *frame = id;
            else if (frames != NULL)
                return false;
            if (interner_mark(dictionary->interner, id)) {
                uint32_t *slot = vector_push(dictionary->arena, names, sizeof(uint32_t));
                if (slot == NULL)
                    return false;
                *slot = id;
            }
        }
    }
    return true;
}

const stack_info *dictionary_stack_info_compute(profile_dictionary *dictionary, int32_t index)
{
    stack_info *info = &dictionary->stack_infos[index];
    if ((uint32_t)index >= dictionary->stacks.count) { /* index 0 of an empty table */
        info->state = STACK_VALID;
        return info;
    }
    const dictionary_stack *stack = &((const dictionary_stack *)dictionary->stacks.items)[index];
    arena_vector *names = &dictionary->scratch_names;
    arena_vector *frames = dictionary->keep_frames ? &dictionary->scratch_frames : NULL;
    names->count = 0;
    if (frames != NULL)
        frames->count = 0;
    interner_mark_round(dictionary->interner);
    bool ok = collect_frames(dictionary, stack, info, names, frames);
    info->functions = names->count > 0 ? arena_dup(dictionary->arena, names->items,
                                                   names->count * sizeof(uint32_t)) : NULL;
    if (frames != NULL && frames->count > 0) {
        info->frames = arena_dup(dictionary->arena, frames->items, frames->count * sizeof(uint32_t));
        info->frame_count = frames->count;
    }
    if (dictionary->arena->failed)
        return NULL;
    info->state = ok ? STACK_VALID : STACK_INVALID;
    info->function_count = names->count;
    return info;
}

bool dictionary_prepare(profile_dictionary *dictionary, ptm_status *status)
{
    arena *a = dictionary->arena;
    dictionary->attribute_infos = arena_calloc(a, dictionary->attributes.count + 1, sizeof(attribute_info));
    dictionary->stack_infos = arena_calloc(a, dictionary->stacks.count + 1, sizeof(stack_info));
    dictionary->function_name_ids = arena_calloc(a, dictionary->functions.count + 1, sizeof(uint32_t));
    dictionary->mapping_name_ids = arena_calloc(a, dictionary->mappings.count + 1, sizeof(uint32_t));
    dictionary->unknown_name_id = intern(dictionary->interner, unknown_function);
    return (!a->failed && dictionary->unknown_name_id != INTERN_NONE) || status_out_of_memory(status);
}
