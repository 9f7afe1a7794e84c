/*
 * test_length_prefixed.c: the length-prefixed reader (src/input/length_prefixed.c)
 * against a plain walk over the whole stream: for each stream, the reader
 * given it whole, a byte at a time, in pieces of every size up to 40 and at
 * random cuts must hand over the same blocks (number, bytes) in the same
 * order, and end the same way: a truncated last block (named by its number,
 * with the sizes the walk finds), a block declared over max_block_bytes
 * (PTM_ERR_LIMIT, the message naming it), or nothing. Also: a handler that
 * stops the reading stops it; a held block whose allocation fails is
 * PTM_ERR_NOMEM with nothing left live.
 *
 * The streams: a thousand built at random (a fixed seed) from blocks of 0 to
 * 300 random bytes, some ending inside a block or a length prefix, some with
 * a block over the limit.
 *
 * Usage: test_length_prefixed REPO_ROOT
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "input/length_prefixed.h"

enum { EVENTS_MAX = 64, STREAM_MAX = 64 * 310, MAX_BLOCK = 280 };

/* What the handler was given. */
typedef struct event {
    uint64_t index;
    size_t offset, size;   /* a block: where its bytes are in the stream */
    bool truncated;
    char detail[128];
} event;

typedef struct events {
    event items[EVENTS_MAX];
    size_t count;
    const uint8_t *stream; /* to find a block's bytes in it */
    size_t stream_size;
    uint64_t stop_after;   /* the handler stops the reading after this many blocks (0: never) */
    ptm_status *status;
} events;

static bool on_block(void *context, uint64_t index, const uint8_t *bytes, size_t size)
{
    events *e = context;
    if (e->count == EVENTS_MAX)
        abort();
    event *ev = &e->items[e->count++];
    *ev = (event){.index = index, .size = size, .offset = SIZE_MAX};
    /* the bytes must be the stream's at the block's place: find it by content */
    for (size_t at = 4; at + size <= e->stream_size; at++) {
        const uint8_t *p = e->stream + at - 4;
        if (memcmp(e->stream + at, bytes, size) == 0 &&
            ((size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]) == size) {
            ev->offset = at;
            break;
        }
    }
    if (e->stop_after != 0 && e->count == e->stop_after)
        return status_fail(e->status, PTM_ERR_INPUT, "stopped by the handler");
    return true;
}

static bool on_truncated(void *context, uint64_t index, const char *detail)
{
    events *e = context;
    event *ev = &e->items[e->count++];
    *ev = (event){.index = index, .truncated = true};
    snprintf(ev->detail, sizeof ev->detail, "%s", detail);
    return true;
}

/* The plain walk: what the reader should report, and its result. */
static ptm_result walk(const uint8_t *s, size_t n, uint64_t max, events *out, char *message, size_t message_size)
{
    size_t at = 0;
    uint64_t index = 1;
    message[0] = '\0';
    while (at < n) {
        event *ev = &out->items[out->count++];
        *ev = (event){.index = index};
        if (n - at < 4) {
            ev->truncated = true;
            snprintf(ev->detail, sizeof ev->detail, "truncated: the input ends inside its 4-byte length prefix");
            return PTM_OK;
        }
        size_t size = (size_t)s[at] << 24 | (size_t)s[at + 1] << 16 | (size_t)s[at + 2] << 8 | s[at + 3];
        if (size > max) {
            out->count--;
            snprintf(message, message_size,
                     "input block %llu: a request of more than max_input_bytes (%llu) bytes (its length prefix says %zu)",
                     (unsigned long long)index, (unsigned long long)max, size);
            return PTM_ERR_LIMIT;
        }
        if (n - at - 4 < size) {
            ev->truncated = true;
            snprintf(ev->detail, sizeof ev->detail, "truncated: its length prefix says %zu bytes, the input ends after %zu",
                     size, n - at - 4);
            return PTM_OK;
        }
        ev->offset = at + 4;
        ev->size = size;
        at += 4 + size;
        index++;
    }
    return PTM_OK;
}

static bool same_events(const events *a, const events *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++) {
        const event *x = &a->items[i], *y = &b->items[i];
        if (x->index != y->index || x->truncated != y->truncated || strcmp(x->detail, y->detail) != 0)
            return false;
        if (!x->truncated && (x->size != y->size || (x->size > 0 && x->offset != y->offset)))
            return false;
    }
    return true;
}

/* Reads the stream in pieces (cut at the given sizes, cycling; 0: whole). */
static ptm_result read_cut(const uint8_t *s, size_t n, uint64_t max, const size_t *cuts, size_t cut_count,
                           events *got, ptm_status *status, counting_allocator *counter)
{
    ptm_allocator allocator = {counting_malloc, counting_free, counter};
    length_prefixed reader;
    length_prefixed_handler handler = {got, on_block, on_truncated};
    status_init(status);
    got->status = status;
    length_prefixed_init(&reader, &handler, &allocator, max, status);
    size_t at = 0;
    for (size_t k = 0; at < n && status_ok(status); k++) {
        size_t piece = cut_count == 0 ? n : cuts[k % cut_count];
        if (piece > n - at)
            piece = n - at;
        length_prefixed_read(&reader, s + at, piece, false);
        at += piece;
    }
    if (status_ok(status))
        length_prefixed_read(&reader, NULL, 0, true);
    length_prefixed_free(&reader);
    return status->code;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

/* A random stream: blocks of 0..300 bytes, maybe cut short, maybe one over MAX_BLOCK. */
static size_t random_stream(uint8_t *s)
{
    size_t n = 0;
    int blocks = (int)(next_random() % 8);
    for (int b = 0; b < blocks; b++) {
        size_t size = next_random() % 4 == 0 ? 0 : next_random() % 300;
        s[n++] = 0;
        s[n++] = 0;
        s[n++] = (uint8_t)(size >> 8);
        s[n++] = (uint8_t)size;
        for (size_t i = 0; i < size; i++)
            s[n++] = (uint8_t)next_random();
    }
    if (n > 0 && next_random() % 3 == 0)
        n -= 1 + next_random() % (n < 10 ? n : 10); /* ends inside a block or a prefix */
    return n;
}

static void test_random_streams(void)
{
    static uint8_t stream[STREAM_MAX];
    static events want, got;
    long cases = 0, mismatches = 0;
    for (int round = 0; round < 1000; round++) {
        size_t n = random_stream(stream);
        memset(&want, 0, sizeof want);
        char want_message[256];
        ptm_result want_result = walk(stream, n, MAX_BLOCK, &want, want_message, sizeof want_message);
        size_t cut_sets[42][3];
        size_t cut_counts[42];
        cut_counts[0] = 0;
        for (size_t size = 1; size <= 40; size++) {
            cut_sets[size][0] = size;
            cut_counts[size] = 1;
        }
        cut_sets[41][0] = 1 + next_random() % 7;
        cut_sets[41][1] = 1 + next_random() % 300;
        cut_sets[41][2] = 1 + next_random() % 3;
        cut_counts[41] = 3;
        for (int c = 0; c < 42; c++) {
            memset(&got, 0, sizeof got);
            got.stream = stream;
            got.stream_size = n;
            ptm_status status;
            counting_allocator counter = {0};
            ptm_result result = read_cut(stream, n, MAX_BLOCK, cut_sets[c], cut_counts[c], &got, &status, &counter);
            cases++;
            bool same = result == want_result && same_events(&got, &want) && counter.live == 0 &&
                        (result == PTM_OK || strcmp(status.message, want_message) == 0);
            if (!same && mismatches++ < 5)
                fprintf(stderr, "round %d, cuts %d: %zu events (want %zu), %s (want %s): %s\n", round, c,
                        got.count, want.count, ptm_result_name(result), ptm_result_name(want_result),
                        status.message);
        }
    }
    printf("%ld readings of 1000 random streams, %ld differing from the walk\n", cases, mismatches);
    CHECK(mismatches == 0, "every reading as the walk");
}

static void test_stop_and_nomem(void)
{
    /* three blocks of 3 bytes */
    static const uint8_t s[] = {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 3, 'd', 'e', 'f', 0, 0, 0, 3, 'g', 'h', 'i'};
    static events got;
    ptm_status status;
    counting_allocator counter = {0};
    memset(&got, 0, sizeof got);
    got.stream = s;
    got.stream_size = sizeof s;
    got.stop_after = 2;
    ptm_result result = read_cut(s, sizeof s, 100, NULL, 0, &got, &status, &counter);
    CHECK(result == PTM_ERR_INPUT && got.count == 2, "a handler that fails stops the reading");

    static const size_t two[] = {2};
    memset(&got, 0, sizeof got);
    got.stream = s;
    got.stream_size = sizeof s;
    counter = (counting_allocator){.fail_at = 1};
    result = read_cut(s, sizeof s, 100, two, 1, &got, &status, &counter);
    CHECK(result == PTM_ERR_NOMEM && got.count == 0, "a held block that cannot be allocated: PTM_ERR_NOMEM");
    CHECK(counter.live == 0, "nothing live after PTM_ERR_NOMEM");

    memset(&got, 0, sizeof got);
    got.stream = s;
    got.stream_size = sizeof s;
    counter = (counting_allocator){0};
    result = read_cut(s, sizeof s, 100, NULL, 0, &got, &status, &counter);
    CHECK(result == PTM_OK && got.count == 3 && counter.allocations == 0, "blocks whole in the piece: handed over in place");
}

int main(void)
{
    test_random_streams();
    test_stop_and_nomem();
    return check_report();
}
