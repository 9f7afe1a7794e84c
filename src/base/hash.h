/*
 * hash.h: the keyed hash of every table whose keys come from the input.
 *
 * A sender picks the strings and ids the converter's hash tables are keyed
 * by; with an unkeyed hash it could pick many with one hash and make every
 * insertion walk one probe chain (quadratic time: 40,000 such names took
 * 12 s). So every table hashes under a 128-bit secret key that each
 * converter draws when it is created; ptm_converter_set_hash_key replaces it
 * where the system has no entropy. Strings hash with SipHash-1-3; the series
 * table, keyed by ids, uses multilinear hashing with multipliers drawn from
 * the key (aggregate.c). The output never depends on
 * the key: ids are handed out in order of first sight and nothing iterates a
 * table in slot order.
 */
#ifndef PTM_HASH_H
#define PTM_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hash_key {
    uint64_t k0, k1;
} hash_key;

/* SipHash-1-3 of size bytes under key. */
uint64_t hash_bytes(const hash_key *key, const void *data, size_t size);

/* SipHash-1-3 of count 64-bit words (a table key made of ids). */
uint64_t hash_words(const hash_key *key, const uint64_t *words, size_t count);

/* A key from the system's entropy source (getentropy); false, and a key a
 * sender could learn, where there is none: the zero-import wasm module, whose
 * host passes one instead. */
bool hash_key_from_system(hash_key *key);

#endif /* PTM_HASH_H */
