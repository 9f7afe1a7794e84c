/*
 * dictionary.c: what is derived from a request's dictionary, lazily and once
 * per request: string ids, attribute roles and values, per-stack validity and
 * function names (the tables themselves are read by dictionary_read.c).
 */
#include "decode/dictionary.h"

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

/* The first non-empty string value of attribute key among count attribute
 * indices (those outside the table skipped), or an empty slice. */
static byte_slice attribute_text(const profile_dictionary *dictionary, const int32_t *indices, uint32_t count,
                                 const char *key)
{
    for (uint32_t i = 0; i < count; i++) {
        if (indices[i] < 0 || (uint32_t)indices[i] >= dictionary->attributes.count)
            continue;
        const dictionary_attribute *attribute = &((const dictionary_attribute *)dictionary->attributes.items)[indices[i]];
        byte_slice text;
        if (slice_equals_cstr(dictionary_string(dictionary, attribute->key_strindex), key) &&
            dictionary_string_value(dictionary, attribute->value, &text) && text.size > 0)
            return text;
    }
    return (byte_slice){0};
}

/* The text of a mapping's build ID: pprof's, or its OTLP attribute's. */
static byte_slice mapping_build_id_text(const profile_dictionary *dictionary, const dictionary_mapping *mapping)
{
    if (mapping->build_id.size > 0 || mapping->attribute_count == 0) /* no arithmetic on an empty table */
        return mapping->build_id;
    const int32_t *indices = (const int32_t *)dictionary->mapping_attributes.items + mapping->first_attribute;
    return attribute_text(dictionary, indices, mapping->attribute_count, "process.executable.build_id.gnu");
}

static int hex_digit(uint8_t c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

bool dictionary_mapping_build_id(const profile_dictionary *dictionary, int32_t index,
                                 uint8_t id[ELF_BUILD_ID_MAX], uint32_t *size)
{
    byte_slice text = mapping_build_id_text(dictionary, dictionary_mapping_at(dictionary, index));
    if (text.size == 0 || text.size % 2 != 0 || text.size > 2 * ELF_BUILD_ID_MAX)
        return false;
    for (size_t i = 0; i < text.size; i += 2) {
        int high = hex_digit(text.data[i]), low = hex_digit(text.data[i + 1]);
        if (high < 0 || low < 0)
            return false;
        id[i / 2] = (uint8_t)(high << 4 | low);
    }
    *size = (uint32_t)(text.size / 2);
    return true;
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

/* mapping_tables' mark of a mapping whose file has no table in the cache. */
static const symbol_table no_symbols;

/* The symbol table of a mapping's file, or NULL; cached per mapping. */
static const symbol_table *mapping_table(profile_dictionary *dictionary, int32_t mapping_index)
{
    const symbol_table **cached = &dictionary->mapping_tables[mapping_index];
    if (*cached == NULL) {
        uint8_t id[ELF_BUILD_ID_MAX];
        uint32_t size;
        symbol_entry *entry = dictionary_mapping_build_id(dictionary, mapping_index, id, &size)
            ? symbol_cache_find(dictionary->symbols, id, size) : NULL;
        *cached = entry != NULL && entry->table != NULL ? entry->table : &no_symbols;
    }
    return *cached == &no_symbols ? NULL : *cached;
}

/* The address in the file's own virtual address space of a location in a
 * mapping. The eBPF profiler sends it so already, its mapping's range in
 * the file's address space too (it overlaps a PT_LOAD segment's); another
 * mapping with a range (pprof's process addresses) is read as the file
 * offset address - start + offset, then through the PT_LOAD segment holding
 * that offset. */
static bool file_address(const symbol_table *table, const dictionary_mapping *mapping, uint64_t address,
                         uint64_t *out)
{
    if (mapping->memory_limit <= mapping->memory_start ||
        elf_vaddr_range_loaded(table, mapping->memory_start, mapping->memory_limit)) {
        *out = address;
        return true;
    }
    if (address < mapping->memory_start || address >= mapping->memory_limit)
        return false;
    return elf_file_offset_address(table, address - mapping->memory_start + mapping->file_offset, out);
}

/* The interned name of a native frame from its file's symbol table, or the
 * mapping's name (mapping_name_id) when there is none or no symbol holds its
 * address. Cached per location. */
static uint32_t native_frame_id(profile_dictionary *dictionary, int32_t location_index,
                                const dictionary_location *location)
{
    if (dictionary->symbols == NULL || location->mapping_index <= 0 ||
        (uint32_t)location->mapping_index >= dictionary->mappings.count ||
        (uint32_t)location_index >= dictionary->locations.count)
        return mapping_name_id(dictionary, location->mapping_index);
    uint32_t *cached = &dictionary->location_name_ids[location_index];
    if (*cached != INTERN_NONE)
        return *cached;
    const symbol_table *table = mapping_table(dictionary, location->mapping_index);
    uint64_t address;
    const elf_function *function =
        table != NULL && file_address(table, dictionary_mapping_at(dictionary, location->mapping_index),
                                      location->address, &address)
            ? symbol_table_find(table, address) : NULL;
    *cached = function != NULL ? intern(dictionary->interner, function->name)
                               : mapping_name_id(dictionary, location->mapping_index);
    return *cached;
}

/* The zero location (index 0 of an empty table): no mapping, no lines. */
static const dictionary_location zero_location = {0};

byte_slice dictionary_location_type(const profile_dictionary *dictionary, const dictionary_location *location)
{
    if (location->attribute_count == 0)
        return (byte_slice){0}; /* and the table may be empty: no pointer arithmetic on NULL */
    const int32_t *indices = (const int32_t *)dictionary->location_attributes.items + location->first_attribute;
    return attribute_text(dictionary, indices, location->attribute_count, "profile.frame.type");
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
                : native_frame_id(dictionary, location_index, location);
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

bool dictionary_use_symbols(profile_dictionary *dictionary, symbol_cache *symbols)
{
    arena *a = dictionary->arena;
    dictionary->mapping_tables = arena_calloc(a, dictionary->mappings.count + 1, sizeof(symbol_table *));
    dictionary->location_name_ids = arena_calloc(a, dictionary->locations.count + 1, sizeof(uint32_t));
    dictionary->symbols = a->failed ? NULL : symbols;
    return !a->failed;
}
