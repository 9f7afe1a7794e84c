/*
 * symbolize.c: which files a request's native frames need, and the search
 * for each, one path at a time (symbolize.h says the order and the rules).
 * Paths are built in the plan's arena when their build ID's turn comes.
 */
#include "convert/symbolize.h"

#include <stdio.h>
#include <string.h>

struct wanted_file {
    uint8_t build_id[ELF_BUILD_ID_MAX];
    uint32_t build_id_size;
    byte_slice name;          /* the mapping's file name, a base name; may be empty */
    byte_slice executable;    /* root + the executable's path; may be empty */
    arena_vector paths;       /* byte_slice: built when its turn comes */
    bool paths_built;
    symbol_table *stripped;   /* a file with the build ID and no functions, kept
                                 while its debug link is looked for */
};

void symbolizer_init(symbolizer *s, const ptm_config *config, const ptm_allocator *allocator)
{
    *s = (symbolizer){.config = config};
    symbol_cache_init(&s->cache, allocator, (size_t)config->symbolize.cache_bytes);
    arena_init(&s->plan, allocator);
}

static void free_table(symbolizer *s, symbol_table *table)
{
    symbol_table_free(table);
    s->cache.allocator.free_fn(s->cache.allocator.context, table);
}

static wanted_file *wanted_at(const symbolizer *s, uint32_t index)
{
    return &((wanted_file *)s->wanted.items)[index];
}

/* Ends the plan: the stripped tables it kept are freed. */
static void end_plan(symbolizer *s)
{
    for (uint32_t i = 0; i < s->wanted.count; i++) {
        if (wanted_at(s, i)->stripped != NULL)
            free_table(s, wanted_at(s, i)->stripped);
    }
    s->wanted = (arena_vector){0};
    s->at = s->candidate_at = 0;
    s->path_out = false;
    arena_reset(&s->plan);
}

void symbolizer_begin_plan(symbolizer *s)
{
    end_plan(s);
}

void symbolizer_free(symbolizer *s)
{
    end_plan(s);
    arena_free(&s->plan);
    symbol_cache_clear(&s->cache);
}

void symbolizer_clear(symbolizer *s)
{
    end_plan(s);
    symbol_cache_clear(&s->cache);
}

/* ---- the plan ---- */

static byte_slice base_name(byte_slice path)
{
    for (size_t i = path.size; i > 0; i--) {
        if (path.data[i - 1] == '/')
            return (byte_slice){path.data + i, path.size - i};
    }
    return path;
}

/* A file name from the data that may be joined to a directory: no '/', no
 * NUL, not "." or "..". */
static bool plain_name(byte_slice name)
{
    if (name.size == 0 || slice_equals_cstr(name, ".") || slice_equals_cstr(name, ".."))
        return false;
    return memchr(name.data, '/', name.size) == NULL && memchr(name.data, '\0', name.size) == NULL;
}

/* An absolute path from the data with no "." or ".." component and no NUL. */
static bool plain_absolute_path(byte_slice path)
{
    if (path.size == 0 || path.data[0] != '/' || memchr(path.data, '\0', path.size) != NULL)
        return false;
    size_t start = 1;
    for (size_t i = 1; i <= path.size; i++) {
        if (i == path.size || path.data[i] == '/') {
            byte_slice part = {path.data + start, i - start};
            if (slice_equals_cstr(part, ".") || slice_equals_cstr(part, ".."))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* The string value of a resource attribute, or an empty slice. An integer
 * (process.pid) is written in decimal into number. */
static byte_slice resource_value(const profile_dictionary *dictionary, const decoded_resource *resource,
                                 const char *key, char number[24])
{
    for (uint32_t i = 0; i < resource->attribute_count; i++) {
        const key_value_ref *attribute = &resource->attributes[i];
        byte_slice name = attribute->key.size > 0 ? attribute->key
                                                  : dictionary_string(dictionary, attribute->key_strindex);
        if (!slice_equals_cstr(name, key))
            continue;
        any_value value;
        byte_slice text;
        if (any_value_decode(attribute->value, &value) && value.kind == ANY_INT) {
            int length = snprintf(number, 24, "%lld", (long long)value.integer);
            return (byte_slice){(const uint8_t *)number, (size_t)length};
        }
        if (dictionary_string_value(dictionary, attribute->value, &text))
            return text;
    }
    return (byte_slice){0};
}

/* Appends text to buffer (capacity SYMBOL_PATH_MAX + 1) at *size; false
 * when it does not fit. */
static bool put(char *buffer, size_t *size, byte_slice text)
{
    if (text.size > SYMBOL_PATH_MAX - *size)
        return false;
    if (text.size > 0)
        memcpy(buffer + *size, text.data, text.size);
    *size += text.size;
    buffer[*size] = '\0';
    return true;
}

static byte_slice cstr(const char *text)
{
    return (byte_slice){(const uint8_t *)text, strlen(text)};
}

/* symbolize.root with {pid} replaced, then path; empty when it does not fit. */
static byte_slice rooted_path(symbolizer *s, byte_slice pid, byte_slice path)
{
    char buffer[SYMBOL_PATH_MAX + 1];
    size_t size = 0;
    const char *root = s->config->symbolize.root;
    bool fits = true;
    for (const char *at = root; *at != '\0' && fits;) {
        const char *hole = strstr(at, "{pid}");
        size_t literal = hole != NULL ? (size_t)(hole - at) : strlen(at);
        fits = put(buffer, &size, (byte_slice){(const uint8_t *)at, literal}) &&
               (hole == NULL || put(buffer, &size, pid));
        at += literal + (hole != NULL ? 5 : 0);
    }
    if (!fits || (pid.size == 0 && strstr(root, "{pid}") != NULL) || !put(buffer, &size, path))
        return (byte_slice){0};
    return (byte_slice){arena_dup(&s->plan, buffer, size), size};
}

/* root + the path of the executable whose base name is the mapping's name:
 * a resource's process.executable.path, or the mapping's own file name when
 * it is a path (pprof). Empty without a root or such a path. */
static byte_slice executable_path(symbolizer *s, const profile_dictionary *dictionary, byte_slice file,
                                  const decoded_resource *resources, uint32_t resource_count)
{
    if (s->config->symbolize.root[0] == '\0')
        return (byte_slice){0};
    if (plain_absolute_path(file))
        return rooted_path(s, (byte_slice){0}, file);
    for (uint32_t i = 0; i < resource_count; i++) {
        char number[24];
        byte_slice path = resource_value(dictionary, &resources[i], "process.executable.path", number);
        if (plain_absolute_path(path) && slice_equals(base_name(path), file)) {
            byte_slice pid = resource_value(dictionary, &resources[i], "process.pid", number);
            return rooted_path(s, pid, path);
        }
    }
    return (byte_slice){0};
}

static bool already_wanted(const symbolizer *s, const uint8_t *id, uint32_t size)
{
    for (uint32_t i = 0; i < s->wanted.count; i++) {
        if (wanted_at(s, i)->build_id_size == size && memcmp(wanted_at(s, i)->build_id, id, size) == 0)
            return true;
    }
    return false;
}

/* Whether each mapping has a location without lines (a native frame). */
static bool *mappings_with_native_frames(symbolizer *s, const profile_dictionary *dictionary)
{
    bool *native = arena_calloc(&s->plan, (size_t)dictionary->mappings.count + 1, sizeof *native);
    const dictionary_location *locations = dictionary->locations.items;
    for (uint32_t i = 0; native != NULL && i < dictionary->locations.count; i++) {
        int32_t mapping = locations[i].mapping_index;
        if (locations[i].line_count == 0 && mapping > 0 && (uint32_t)mapping < dictionary->mappings.count)
            native[mapping] = true;
    }
    return native;
}

bool symbolizer_plan(symbolizer *s, const profile_dictionary *dictionary, const decoded_resource *resources,
                     uint32_t resource_count)
{
    if (!s->config->symbolize.enabled)
        return true;
    bool *native = mappings_with_native_frames(s, dictionary);
    if (native == NULL)
        return false;
    for (uint32_t i = 1; i < dictionary->mappings.count; i++) {
        uint8_t id[ELF_BUILD_ID_MAX];
        uint32_t size;
        if (!native[i] || !dictionary_mapping_build_id(dictionary, (int32_t)i, id, &size) ||
            symbol_cache_find(&s->cache, id, size) != NULL || already_wanted(s, id, size))
            continue;
        wanted_file *w = vector_push(&s->plan, &s->wanted, sizeof *w);
        if (w == NULL)
            return false;
        byte_slice file = dictionary_string(dictionary, dictionary_mapping_at(dictionary, (int32_t)i)->filename_strindex);
        *w = (wanted_file){.build_id_size = size};
        memcpy(w->build_id, id, size);
        /* A base name, or an absolute path's (pprof): a relative path or
         * one with ".." names no file. Copied: the request's strings are
         * gone when the paths are built. */
        byte_slice name = plain_absolute_path(file) ? base_name(file) : file;
        if (plain_name(name))
            w->name = (byte_slice){arena_dup(&s->plan, name.data, name.size), name.size};
        w->executable = executable_path(s, dictionary, file, resources, resource_count);
    }
    return !s->plan.failed;
}

/* ---- the paths of one build ID ---- */

/* Appends the path made of parts (NULL-terminated) to w's paths, unless it is
 * too long. False when memory ran out. */
static bool add_path(symbolizer *s, arena_vector *paths, uint32_t at, const byte_slice *parts)
{
    char buffer[SYMBOL_PATH_MAX + 1];
    size_t size = 0;
    for (const byte_slice *part = parts; part->data != NULL; part++) {
        if (!put(buffer, &size, *part))
            return true;
    }
    byte_slice *slot = vector_push(&s->plan, paths, sizeof *slot);
    if (slot == NULL)
        return false;
    byte_slice *items = paths->items;
    memmove(items + at + 1, items + at, (paths->count - 1 - at) * sizeof *items);
    items[at] = (byte_slice){arena_dup(&s->plan, buffer, size), size};
    return !s->plan.failed;
}

/* A directory as given, with the '/' that joins a name to it. */
static byte_slice directory(const char *path, char *joined)
{
    size_t size = strlen(path);
    if (size > SYMBOL_PATH_MAX - 1)
        size = SYMBOL_PATH_MAX - 1;
    memcpy(joined, path, size);
    if (size == 0 || joined[size - 1] != '/')
        joined[size++] = '/';
    return (byte_slice){(const uint8_t *)joined, size};
}

static bool build_paths(symbolizer *s, wanted_file *w)
{
    char hex[2 * ELF_BUILD_ID_MAX + 1];
    elf_build_id_hex(w->build_id, w->build_id_size, hex);
    byte_slice head = {(const uint8_t *)hex, 2}, rest = {(const uint8_t *)hex + 2, strlen(hex) - 2};
    byte_slice debug = cstr(".debug"), none = {0};
    const ptm_config *config = s->config;
    arena_vector *paths = &w->paths;
    w->paths_built = true;
    for (uint32_t i = 0; i < config->symbolize.path_count; i++) {
        char joined[SYMBOL_PATH_MAX + 1];
        byte_slice dir = directory(config->symbolize.paths[i], joined);
        byte_slice by_id[] = {dir, cstr(".build-id/"), head, cstr("/"), rest, debug, none};
        byte_slice by_id_debug[] = {dir, cstr("debug/.build-id/"), head, cstr("/"), rest, debug, none};
        byte_slice by_name[] = {dir, w->name, none};
        if (!add_path(s, paths, paths->count, by_id) || !add_path(s, paths, paths->count, by_id_debug) ||
            (w->name.size > 0 && !add_path(s, paths, paths->count, by_name)))
            return false;
    }
    byte_slice executable[] = {w->executable, none};
    if (w->executable.size > 0 && !add_path(s, paths, paths->count, executable))
        return false;
    for (uint32_t i = 0; i < config->symbolize.debuginfod_count; i++) {
        char joined[SYMBOL_PATH_MAX + 1];
        byte_slice server = directory(config->symbolize.debuginfod[i], joined);
        byte_slice id = {(const uint8_t *)hex, strlen(hex)};
        byte_slice debuginfo[] = {server, cstr("buildid/"), id, cstr("/debuginfo"), none};
        byte_slice executable_file[] = {server, cstr("buildid/"), id, cstr("/executable"), none};
        if (!add_path(s, paths, paths->count, debuginfo) || !add_path(s, paths, paths->count, executable_file))
            return false;
    }
    return true;
}

/* After the path at index tried gave a stripped file linking to name: the
 * debug file's paths next, first in that file's own directory. */
static bool add_debuglink_paths(symbolizer *s, wanted_file *w, uint32_t tried, byte_slice name)
{
    if (!plain_name(name))
        return true;
    byte_slice found = ((const byte_slice *)w->paths.items)[tried];
    byte_slice own = {found.data, found.size - base_name(found).size};
    byte_slice none = {0}, dot_debug = cstr(".debug/");
    uint32_t at = tried + 1;
    byte_slice beside[] = {own, name, none}, beside_debug[] = {own, dot_debug, name, none};
    if (own.size > 0 && (!add_path(s, &w->paths, at++, beside) || !add_path(s, &w->paths, at++, beside_debug)))
        return false;
    for (uint32_t i = 0; i < s->config->symbolize.path_count; i++) {
        char joined[SYMBOL_PATH_MAX + 1];
        byte_slice dir = directory(s->config->symbolize.paths[i], joined);
        byte_slice in_dir[] = {dir, name, none}, in_debug[] = {dir, dot_debug, name, none};
        if (!add_path(s, &w->paths, at++, in_dir) || !add_path(s, &w->paths, at++, in_debug))
            return false;
    }
    return true;
}

/* ---- the search ---- */

/* The current build ID's search is over: what it found goes to the cache
 * (a stripped file, or that nothing has the ID). False when memory ran out. */
static bool finish_wanted(symbolizer *s)
{
    wanted_file *w = wanted_at(s, s->at);
    bool ok = w->stripped != NULL ? symbol_cache_add(&s->cache, w->stripped)
                                  : symbol_cache_add_missing(&s->cache, w->build_id, w->build_id_size);
    w->stripped = NULL;
    s->at++;
    s->candidate_at = 0;
    return ok;
}

const char *symbolizer_next_path(symbolizer *s)
{
    if (s->path_out) { /* not answered: taken as no such file */
        s->path_out = false;
        s->candidate_at++;
    }
    while (s->at < s->wanted.count) {
        wanted_file *w = wanted_at(s, s->at);
        if (!w->paths_built && !build_paths(s, w)) {
            end_plan(s);
            return NULL;
        }
        if (s->candidate_at < w->paths.count) {
            byte_slice path = ((const byte_slice *)w->paths.items)[s->candidate_at];
            memcpy(s->path, path.data, path.size);
            s->path[path.size] = '\0';
            s->path_out = true;
            return s->path;
        }
        if (!finish_wanted(s)) {
            end_plan(s);
            return NULL;
        }
    }
    return NULL;
}

/* A new table read from data, or NULL (not ELF, malformed: *nomem false;
 * memory ran out: *nomem true). */
static symbol_table *read_table(symbolizer *s, const uint8_t *data, size_t size, ptm_status *status)
{
    symbol_table *table = s->cache.allocator.malloc_fn(s->cache.allocator.context, sizeof *table);
    if (table == NULL) {
        status_out_of_memory(status);
        return NULL;
    }
    if (!elf_read_symbols(data, size, &s->cache.allocator, table, status)) {
        s->cache.allocator.free_fn(s->cache.allocator.context, table);
        return NULL;
    }
    return table;
}

bool symbolizer_offer(symbolizer *s, const uint8_t *data, size_t size)
{
    if (!s->path_out)
        return true;
    s->path_out = false;
    wanted_file *w = wanted_at(s, s->at);
    uint32_t tried = s->candidate_at++;
    if (data == NULL || size > SYMBOL_FILE_MAX_BYTES)
        return true;
    ptm_status status;
    status_init(&status);
    symbol_table *table = read_table(s, data, size, &status);
    if (table == NULL)
        return status.code != PTM_ERR_NOMEM || (end_plan(s), false);
    if (table->build_id_size != w->build_id_size || memcmp(table->build_id, w->build_id, w->build_id_size) != 0) {
        free_table(s, table); /* another build of the file: never used */
        return true;
    }
    if (table->function_count > 0) {
        if (w->stripped != NULL)
            free_table(s, w->stripped);
        w->stripped = table;
        return finish_wanted(s) || (end_plan(s), false);
    }
    if (w->stripped != NULL) {
        free_table(s, table);
        return true;
    }
    w->stripped = table;
    return add_debuglink_paths(s, w, tried, table->debuglink) || (end_plan(s), false);
}

ptm_result symbolizer_add_file(symbolizer *s, const uint8_t *data, size_t size, ptm_status *status)
{
    if (size > SYMBOL_FILE_MAX_BYTES) {
        status_fail(status, PTM_ERR_LIMIT, "ELF: the file is over %zu bytes", SYMBOL_FILE_MAX_BYTES);
        return status->code;
    }
    symbol_table *table = read_table(s, data, size, status);
    if (table == NULL)
        return status->code;
    if (table->build_id_size == 0) {
        free_table(s, table);
        status_fail(status, PTM_ERR_INPUT, "ELF: the file has no GNU build ID, so no frame can be matched to it");
        return status->code;
    }
    /* A stripped file does not replace the table of its debug file (either
     * may be handed in first). */
    const symbol_entry *kept = symbol_cache_find(&s->cache, table->build_id, table->build_id_size);
    if (table->function_count == 0 && kept != NULL && kept->table != NULL && kept->table->function_count > 0) {
        free_table(s, table);
        return status->code;
    }
    if (!symbol_cache_add(&s->cache, table))
        status_out_of_memory(status);
    return status->code;
}
