/*
 * dictionary.h: the ProfilesDictionary of one request, and what is derived
 * from it once per request.
 *
 * The tables are read entry by entry by the wire reader into arena
 * arrays (dictionary_read.c); strings and attribute values are slices of the input. Index 0 of
 * every table is the zero value; an index is valid when 0 <= index < count
 * (an empty table accepts index 0 and means "nothing").
 *
 * Derived facts are computed lazily and cached per request, so per-sample
 * work is a few array reads: the role and string value of each attribute
 * (dictionary_attribute_info), the name of each function and mapping, and,
 * per stack, its validity and distinct function names (dictionary_stack_info).
 */
#ifndef PTM_DICTIONARY_H
#define PTM_DICTIONARY_H

#include "wire/any_value.h"
#include "base/arena.h"
#include "base/intern.h"
#include "base/status.h"
#include "symbols/symbol_cache.h"

typedef struct dictionary_location {
    uint64_t address;      /* as sent: an ELF virtual address from the eBPF profiler */
    int32_t mapping_index;
    uint32_t first_line;   /* into line_functions */
    uint32_t line_count;
    uint32_t first_attribute; /* into location_attributes */
    uint32_t attribute_count;
} dictionary_location;

typedef struct dictionary_stack {
    uint32_t first_location; /* into stack_locations */
    uint32_t location_count;
} dictionary_stack;

/* What symbolization needs of a mapping (symbolize.h); its name is the
 * file's base name. */
typedef struct dictionary_mapping {
    uint64_t memory_start, memory_limit, file_offset;
    int32_t filename_strindex;
    uint32_t first_attribute; /* into mapping_attributes (OTLP) */
    uint32_t attribute_count;
    byte_slice build_id;      /* pprof's Mapping.build_id text; OTLP's is an attribute */
} dictionary_mapping;

typedef struct dictionary_function {
    int32_t name_strindex;
    int32_t system_name_strindex;
    int32_t filename_strindex;
} dictionary_function;

typedef struct dictionary_attribute {
    int32_t key_strindex;
    byte_slice value;      /* AnyValue bytes */
} dictionary_attribute;

/* What an attribute means to the converter. */
typedef enum attribute_role {
    ROLE_OTHER = 0,
    ROLE_THREAD_NAME,      /* thread.name */
    ROLE_PROCESS_NAME      /* process.executable.name */
} attribute_role;

typedef struct attribute_info {
    bool known;            /* computed */
    bool valid;            /* its key and string-value indices are in the table */
    uint8_t role;          /* attribute_role */
    uint32_t value_id;     /* interned string value, or INTERN_NONE */
} attribute_info;

/* Per stack, computed on first use. */
/* What the dictionary says of one stack, derived once. (What a conversion
 * caches per stack is its own: pipeline.h, stack_cache.) */
typedef struct stack_info {
    uint8_t state;          /* STACK_UNKNOWN, STACK_VALID or STACK_INVALID */
    uint32_t self_function; /* interned name of the frame self time goes to
                             * (self_frame: the leaf, or the innermost
                             * interpreted frame above a native leaf run),
                             * or INTERN_NONE */
    uint32_t *functions;    /* distinct interned names on the stack */
    uint32_t function_count;
    uint32_t *frames;       /* every frame's interned name, leaf first (keep_frames only) */
    uint32_t frame_count;
} stack_info;

enum { STACK_UNKNOWN = 0, STACK_VALID, STACK_INVALID };

typedef struct profile_dictionary {
    arena_vector strings;          /* byte_slice */
    arena_vector attributes;       /* dictionary_attribute */
    arena_vector stacks;           /* dictionary_stack */
    arena_vector stack_locations;  /* int32_t */
    arena_vector locations;        /* dictionary_location */
    arena_vector line_functions;   /* int32_t */
    arena_vector location_attributes; /* int32_t: attribute indices */
    arena_vector functions;        /* dictionary_function */
    arena_vector mappings;         /* dictionary_mapping */
    arena_vector mapping_attributes; /* int32_t: attribute indices */
    uint32_t link_count;

    /* Derived, lazily (see above); sized after decoding. */
    string_interner *interner;     /* the conversion's */
    uint32_t *function_name_ids;   /* by function: its own name's id, when it has one */
    uint32_t *mapping_name_ids;    /* by mapping: the base name's id */
    uint32_t unknown_name_id;      /* "[unknown]": a frame nothing names */
    attribute_info *attribute_infos;
    stack_info *stack_infos;
    arena_vector scratch_names;    /* uint32_t: the stack being resolved's, reused */
    arena_vector scratch_frames;   /* uint32_t: likewise, every frame (keep_frames) */
    bool keep_frames;              /* stack_info.frames wanted (folded stacks) */
    bool self_interpreted;         /* self_frame "interpreted": see stack_info.self_function */
    /* Symbolization: native frames (locations without lines) named from
     * the symbol table of their mapping's build ID, when symbols is set. */
    symbol_cache *symbols;         /* the converter's, or NULL */
    const symbol_table **mapping_tables; /* by mapping: its table, or a mark (dictionary.c) */
    uint32_t *location_name_ids;   /* by location: its symbolized name's id */
    arena *arena;
} profile_dictionary;

/* Reads a ProfilesDictionary sent in part_count parts (protobuf merges a
 * message field that appears more than once). False, with the failure in
 * status, when it is malformed, over a limit or memory ran out. */
bool dictionary_decode(profile_dictionary *dictionary, const byte_slice *parts, uint32_t part_count,
                       arena *a, string_interner *interner, ptm_status *status);

/* Sizes the derived caches once the tables are read (by dictionary_decode()
 * or another format's reader, which fills the tables and sets arena and
 * interner). False, with out of memory in status, when memory ran out. */
bool dictionary_prepare(profile_dictionary *dictionary, ptm_status *status);

/* Names native frames from the tables of symbols from now on (before any
 * stack is resolved). False when memory ran out. */
bool dictionary_use_symbols(profile_dictionary *dictionary, symbol_cache *symbols);

/* A location's profile.frame.type ("native", "cpython", ...; size 0 when
 * it has none): the first such attribute with a string value, attribute
 * indices outside the table skipped. */
byte_slice dictionary_location_type(const profile_dictionary *dictionary, const dictionary_location *location);

static inline bool dictionary_index_valid(const arena_vector *table, int32_t index)
{
    return index >= 0 && ((uint32_t)index < table->count || index == 0);
}

/* The mapping at index, or the zero mapping when index is outside the table. */
const dictionary_mapping *dictionary_mapping_at(const profile_dictionary *dictionary, int32_t index);

/* The GNU build ID of a mapping as bytes (OTLP: its attribute
 * process.executable.build_id.gnu; pprof: Mapping.build_id), both hex
 * text. False when it has none or it is not even-length hex of at most
 * ELF_BUILD_ID_MAX bytes. */
bool dictionary_mapping_build_id(const profile_dictionary *dictionary, int32_t index,
                                 uint8_t id[ELF_BUILD_ID_MAX], uint32_t *size);

/* The string at strindex, or an empty slice when out of range. */
byte_slice dictionary_string(const profile_dictionary *dictionary, int32_t strindex);
/* dictionary_attribute_info() the first time for an index. */
const attribute_info *dictionary_attribute_info_compute(profile_dictionary *dictionary, int32_t index);

/* The role and string value of the attribute at index (must be in range). */
static inline const attribute_info *dictionary_attribute_info(profile_dictionary *dictionary,
                                                              int32_t index)
{
    const attribute_info *info = &dictionary->attribute_infos[index];
    return info->known ? info : dictionary_attribute_info_compute(dictionary, index);
}

/* Whether every index is in the attribute table and its entry's own string
 * indices are in the string table. */
static inline bool dictionary_attributes_valid(profile_dictionary *dictionary, const int32_t *indices,
                                               uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (!dictionary_index_valid(&dictionary->attributes, indices[i]) ||
            !dictionary_attribute_info(dictionary, indices[i])->valid)
            return false;
    }
    return true;
}

/* dictionary_stack_info() the first time for an index. */
const stack_info *dictionary_stack_info_compute(profile_dictionary *dictionary, int32_t index);

/* The facts of the stack at index (must be valid); NULL when memory ran out. */
static inline const stack_info *dictionary_stack_info(profile_dictionary *dictionary, int32_t index)
{
    const stack_info *info = &dictionary->stack_infos[index];
    return info->state != STACK_UNKNOWN ? info : dictionary_stack_info_compute(dictionary, index);
}

/* Role of an attribute key. */
attribute_role attribute_role_of(byte_slice key);

/* The string value of an attribute value (string or strindex), or false. */
bool dictionary_string_value(const profile_dictionary *dictionary, byte_slice raw_value,
                             byte_slice *out);

#endif /* PTM_DICTIONARY_H */
