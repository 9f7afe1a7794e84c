/*
 * hash.c: SipHash-1-3 (Aumasson and Bernstein; the variant Rust's HashMap
 * uses: one compression round per word, three finalisation rounds), and the
 * converter's key. See hash.h.
 */
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

#include "base/hash.h"

#define ROTATE(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

typedef struct sip_state {
    uint64_t v0, v1, v2, v3;
} sip_state;

static void sip_round(sip_state *s)
{
    s->v0 += s->v1; s->v1 = ROTATE(s->v1, 13); s->v1 ^= s->v0; s->v0 = ROTATE(s->v0, 32);
    s->v2 += s->v3; s->v3 = ROTATE(s->v3, 16); s->v3 ^= s->v2;
    s->v0 += s->v3; s->v3 = ROTATE(s->v3, 21); s->v3 ^= s->v0;
    s->v2 += s->v1; s->v1 = ROTATE(s->v1, 17); s->v1 ^= s->v2; s->v2 = ROTATE(s->v2, 32);
}

static sip_state sip_start(const hash_key *key)
{
    return (sip_state){key->k0 ^ 0x736f6d6570736575ULL, key->k1 ^ 0x646f72616e646f6dULL,
                       key->k0 ^ 0x6c7967656e657261ULL, key->k1 ^ 0x7465646279746573ULL};
}

static void sip_word(sip_state *s, uint64_t word)
{
    s->v3 ^= word;
    sip_round(s);
    s->v0 ^= word;
}

static uint64_t sip_finish(sip_state *s)
{
    s->v2 ^= 0xff;
    sip_round(s);
    sip_round(s);
    sip_round(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

static uint64_t load_le64(const uint8_t *bytes)
{
    uint64_t word = 0;
    for (int i = 7; i >= 0; i--)
        word = (word << 8) | bytes[i];
    return word;
}

uint64_t hash_bytes(const hash_key *key, const void *data, size_t size)
{
    const uint8_t *bytes = data;
    sip_state s = sip_start(key);
    size_t whole = size & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8)
        sip_word(&s, load_le64(bytes + i));
    uint64_t last = (uint64_t)(size & 0xff) << 56;
    for (size_t i = 0; i < (size & 7); i++)
        last |= (uint64_t)bytes[whole + i] << (8 * i);
    sip_word(&s, last);
    return sip_finish(&s);
}

uint64_t hash_words(const hash_key *key, const uint64_t *words, size_t count)
{
    sip_state s = sip_start(key);
    for (size_t i = 0; i < count; i++)
        sip_word(&s, words[i]);
    sip_word(&s, (uint64_t)(count * 8 & 0xff) << 56);
    return sip_finish(&s);
}

bool hash_key_from_system(hash_key *key)
{
    uint64_t words[2];
    if (getentropy(words, sizeof words) == 0) {
        *key = (hash_key){words[0], words[1]};
        return true;
    }
    /* No entropy: a key a sender can learn. The caller's host sets one. */
    *key = (hash_key){(uint64_t)(uintptr_t)key, (uint64_t)(uintptr_t)&words};
    return false;
}
