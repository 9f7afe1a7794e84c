/*
 * intern.h: string interning for one conversion.
 *
 * Every string that can become part of a series key (attribute values,
 * function names) is given a small id, so that keys compare and hash as
 * integers and per-string work (filter matches) is cached per id. Id 0 means
 * "absent"; ids count up from 1 in order of first sight, so they are
 * deterministic for a given input. The strings are slices: they point into the
 * input or the conversion arena and are not copied, unless the interner
 * outlives its inputs: intern_copy() copies (the cumulative store), and so
 * does intern() when copies is set (a conversion whose requests' memory is
 * released request by request, pipeline.h).
 */
#ifndef PTM_INTERN_H
#define PTM_INTERN_H

#include "base/arena.h"
#include "base/hash.h"

#define INTERN_NONE 0u

typedef struct string_interner {
    arena *arena;
    hash_key key;          /* the converter's secret key (hash.h) */
    uint32_t *slots;       /* open addressing: an id, or 0 for empty */
    uint32_t slot_mask;    /* slot count - 1; slot count is a power of two */
    arena_vector strings;  /* byte_slice by id; [0] is unused */
    arena_vector hashes;   /* uint32_t by id: the low half of its hash */
    uint32_t *marks;       /* by id: the generation that last marked it */
    uint32_t mark_capacity;
    uint32_t generation;   /* the current marking round, >= 1 */
    bool copies;           /* intern() copies a new string into arena, as intern_copy() */
} string_interner;

/* An empty interner in a, hashing under key (copied), that does not copy
 * its strings (set copies after this to make it). False when memory ran out. */
bool interner_init(string_interner *interner, arena *a, const hash_key *key);
/* The id of text (adding it), or INTERN_NONE when memory ran out. */
uint32_t intern(string_interner *interner, byte_slice text);
/* Like intern(), but a new string is copied into the interner's arena
 * (for an interner that outlives its inputs). */
uint32_t intern_copy(string_interner *interner, byte_slice text);
byte_slice interned(const string_interner *interner, uint32_t id);
/* The id in `to` of string `id` of `from`, interning it (copied when copy)
 * if new; the string is not hashed again when both hash under one key. */
uint32_t intern_from(string_interner *to, const string_interner *from, uint32_t id, bool copy);
/* The id in `in` of string `id` of `from`, or INTERN_NONE when `in` does
 * not hold it (nothing is added). */
uint32_t intern_find_from(const string_interner *in, const string_interner *from, uint32_t id);

/* Marking rounds, for collecting distinct ids in linear time: after
 * interner_mark_round(), interner_mark(id) is true the first time it sees id
 * in the round and false after. interner_mark returns false with the arena's
 * failed flag set when memory ran out. */
void interner_mark_round(string_interner *interner);
/* Makes room for marks of ids up to id; false when memory ran out. */
bool interner_grow_marks(string_interner *interner, uint32_t id);
/* Inline: it runs once per frame of every stack met. */
static inline bool interner_mark(string_interner *interner, uint32_t id)
{
    if (id >= interner->mark_capacity && !interner_grow_marks(interner, id))
        return false;
    if (interner->marks[id] == interner->generation)
        return false;
    interner->marks[id] = interner->generation;
    return true;
}

#endif /* PTM_INTERN_H */
