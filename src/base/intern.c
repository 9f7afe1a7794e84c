/*
 * intern.c: an open-addressing hash set of strings handing out dense ids.
 * Invariant: the table is at most half full, so probing always ends. Each
 * id's hash is kept, so growing rehashes nothing and probing compares the
 * bytes of a string only when the hashes agree.
 */
#include "base/intern.h"

#include <string.h>

bool interner_init(string_interner *interner, arena *a, const hash_key *key)
{
    interner->arena = a;
    interner->key = *key;
    interner->hashes = (arena_vector){0};
    interner->slot_mask = 63; /* grows at half full: small inputs, small tables */
    interner->slots = arena_calloc(a, interner->slot_mask + 1, sizeof(uint32_t));
    interner->strings = (arena_vector){0};
    interner->marks = NULL;
    interner->mark_capacity = 0;
    interner->generation = 1;
    interner->copies = false;
    return interner->slots != NULL && vector_push(a, &interner->strings, sizeof(byte_slice)) &&
           vector_push(a, &interner->hashes, sizeof(uint32_t));
}

static bool interner_grow(string_interner *interner)
{
    uint32_t slot_count = (interner->slot_mask + 1) * 2;
    uint32_t *slots = arena_calloc(interner->arena, slot_count, sizeof(uint32_t));
    if (slots == NULL)
        return false;
    const uint32_t *hashes = interner->hashes.items;
    for (uint32_t id = 1; id < interner->strings.count; id++) {
        uint32_t slot = hashes[id] & (slot_count - 1);
        while (slots[slot] != 0)
            slot = (slot + 1) & (slot_count - 1);
        slots[slot] = id;
    }
    interner->slots = slots;
    interner->slot_mask = slot_count - 1;
    return true;
}

/* text's id, interning it (copied when copy) if new; hash is text's under
 * the interner's key. */
/* The slot of text (its id there) or the empty slot where it would go. */
static uint32_t slot_of(const string_interner *interner, byte_slice text, uint32_t hash)
{
    const byte_slice *strings = interner->strings.items;
    const uint32_t *hashes = interner->hashes.items;
    uint32_t slot = hash & interner->slot_mask;
    for (;;) {
        uint32_t id = interner->slots[slot];
        if (id == 0 || (hashes[id] == hash && slice_equals(strings[id], text)))
            return slot;
        slot = (slot + 1) & interner->slot_mask;
    }
}

static uint32_t intern_hashed(string_interner *interner, byte_slice text, uint32_t hash, bool copy)
{
    uint32_t slot = slot_of(interner, text, hash);
    if (interner->slots[slot] != 0)
        return interner->slots[slot];
    if ((copy || interner->copies) && text.size > 0) {
        text.data = arena_dup(interner->arena, text.data, text.size);
        if (text.data == NULL)
            return INTERN_NONE;
    }
    byte_slice *entry = vector_push(interner->arena, &interner->strings, sizeof(byte_slice));
    if (entry == NULL)
        return INTERN_NONE;
    uint32_t *entry_hash = vector_push(interner->arena, &interner->hashes, sizeof(uint32_t));
    if (entry_hash == NULL) {
        interner->strings.count--; /* ids and hashes stay aligned: the interner as it was */
        return INTERN_NONE;
    }
    *entry = text;
    *entry_hash = hash;
    uint32_t id = interner->strings.count - 1;
    interner->slots[slot] = id;
    if ((uint64_t)interner->strings.count * 2 > (uint64_t)interner->slot_mask + 1 &&
        !interner_grow(interner))
        return INTERN_NONE;
    return id;
}

static uint32_t intern_with(string_interner *interner, byte_slice text, bool copy)
{
    return intern_hashed(interner, text, (uint32_t)hash_bytes(&interner->key, text.data, text.size), copy);
}

static bool same_key(const hash_key *a, const hash_key *b)
{
    return a->k0 == b->k0 && a->k1 == b->k1;
}

uint32_t intern_find_from(const string_interner *in, const string_interner *from, uint32_t id)
{
    byte_slice text = interned(from, id);
    uint32_t hash = same_key(&in->key, &from->key)
                        ? ((const uint32_t *)from->hashes.items)[id]
                        : (uint32_t)hash_bytes(&in->key, text.data, text.size);
    return in->slots[slot_of(in, text, hash)];
}

uint32_t intern_from(string_interner *to, const string_interner *from, uint32_t id, bool copy)
{
    byte_slice text = interned(from, id);
    if (!same_key(&to->key, &from->key))
        return intern_with(to, text, copy);
    return intern_hashed(to, text, ((const uint32_t *)from->hashes.items)[id], copy);
}

uint32_t intern(string_interner *interner, byte_slice text)
{
    return intern_with(interner, text, false);
}

uint32_t intern_copy(string_interner *interner, byte_slice text)
{
    return intern_with(interner, text, true);
}

byte_slice interned(const string_interner *interner, uint32_t id)
{
    return ((const byte_slice *)interner->strings.items)[id];
}

void interner_mark_round(string_interner *interner)
{
    interner->generation++;
    if (interner->generation == 0) { /* wrapped: forget every old mark */
        if (interner->marks != NULL)
            memset(interner->marks, 0, (size_t)interner->mark_capacity * sizeof(uint32_t));
        interner->generation = 1;
    }
}

bool interner_grow_marks(string_interner *interner, uint32_t id)
{
    uint32_t capacity = capacity_for(interner->mark_capacity, id);
    uint32_t *marks = arena_calloc(interner->arena, capacity, sizeof(uint32_t));
    if (marks == NULL)
        return false;
    if (interner->mark_capacity > 0)
        memcpy(marks, interner->marks, (size_t)interner->mark_capacity * sizeof(uint32_t));
    interner->marks = marks;
    interner->mark_capacity = capacity;
    return true;
}
