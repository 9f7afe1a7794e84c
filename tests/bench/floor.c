/*
 * floor.c: the floor rows of `make bench`, what no converter of these bytes
 * can beat:
 *
 *   ptm_floor [--scan] [--warm-seconds S] [--batch-seconds S] [--batches N] FILE
 *
 * decode (default): the fastest bounds-checked reader written here of an
 *   ExportProfilesServiceRequest: it walks resource_profiles → scope_profiles
 *   → profiles → samples, and reads every Sample's stack_index,
 *   attribute_indices, link_index, values and timestamps_unix_nano (packed or
 *   not), adding them all into one sum so that nothing is optimised away.
 *   Every varint is bounded, every length checked against what encloses it,
 *   and wire types the field cannot have are refused; everything else
 *   (the dictionary, resources, headers) is skipped by its length. It
 *   resolves nothing: no table lookups, no aggregation, no output.
 * --scan: the input summed as 64-bit words, the memory-bandwidth floor.
 *
 * Timed by the protocol of measure.h; prints one JSON object like ptm_bench,
 * with the samples it counted and the sum.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure.h"

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

/* A range of the input being read: [at, end). */
typedef struct span {
    const uint8_t *at;
    const uint8_t *end;
} span;

typedef struct floor_run {
    const uint8_t *input;
    size_t input_size;
    bool scan;
    uint64_t samples; /* counted by the last decode */
    uint64_t sum;     /* what the last run added up */
} floor_run;

/* Reads a varint of at most 10 bytes inside s; false past its end. */
static inline bool read_varint(span *s, uint64_t *value)
{
    if (s->at < s->end && *s->at < 0x80) {
        *value = *s->at++;
        return true;
    }
    uint64_t result = 0;
    for (unsigned shift = 0; shift < 70 && s->at < s->end; shift += 7) {
        uint8_t byte = *s->at++;
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (byte < 0x80) {
            *value = result;
            return true;
        }
    }
    return false;
}

/* Reads a tag: field number (> 0) and wire type. */
static inline bool read_tag(span *s, uint32_t *field, uint32_t *wire)
{
    uint64_t tag = 0;
    if (!read_varint(s, &tag) || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX)
        return false;
    *field = (uint32_t)(tag >> 3);
    *wire = (uint32_t)(tag & 7);
    return true;
}

/* The length-delimited payload at s, as its own span; s moves past it. */
static inline bool read_bytes(span *s, span *payload)
{
    uint64_t length = 0;
    if (!read_varint(s, &length) || length > (uint64_t)(s->end - s->at))
        return false;
    payload->at = s->at;
    payload->end = s->at + length;
    s->at = payload->end;
    return true;
}

static inline bool skip_fixed(span *s, size_t size)
{
    if ((size_t)(s->end - s->at) < size)
        return false;
    s->at += size;
    return true;
}

/* Skips one field's value of the given wire type (groups are refused). */
static bool skip_value(span *s, uint32_t wire)
{
    uint64_t ignored = 0;
    span payload;
    switch (wire) {
    case WIRE_VARINT:
        return read_varint(s, &ignored);
    case WIRE_I64:
        return skip_fixed(s, 8);
    case WIRE_LEN:
        return read_bytes(s, &payload);
    case WIRE_I32:
        return skip_fixed(s, 4);
    default:
        return false;
    }
}

static inline uint64_t load_u64(const uint8_t *at)
{
    uint64_t word;
    memcpy(&word, at, sizeof word);
    return word;
}

/* A repeated varint field (packed or one value) added into *sum. */
static bool add_varints(span *s, uint32_t wire, uint64_t *sum)
{
    uint64_t value = 0;
    if (wire == WIRE_VARINT) {
        if (!read_varint(s, &value))
            return false;
        *sum += value;
        return true;
    }
    span packed;
    if (wire != WIRE_LEN || !read_bytes(s, &packed))
        return false;
    while (packed.at < packed.end) {
        if (!read_varint(&packed, &value))
            return false;
        *sum += value;
    }
    return true;
}

/* A repeated fixed64 field (packed or one value) added into *sum. */
static bool add_fixed64s(span *s, uint32_t wire, uint64_t *sum)
{
    if (wire == WIRE_I64) {
        if (!skip_fixed(s, 8))
            return false;
        *sum += load_u64(s->at - 8);
        return true;
    }
    span packed;
    if (wire != WIRE_LEN || !read_bytes(s, &packed) || (packed.end - packed.at) % 8 != 0)
        return false;
    for (; packed.at < packed.end; packed.at += 8)
        *sum += load_u64(packed.at);
    return true;
}

/* Sample: stack_index 1, attribute_indices 2, link_index 3, values 4,
 * timestamps_unix_nano 5. */
static bool read_sample(span s, uint64_t *sum)
{
    while (s.at < s.end) {
        uint32_t field = 0, wire = 0;
        if (!read_tag(&s, &field, &wire))
            return false;
        bool ok;
        if (field == 1 || field == 3)
            ok = wire == WIRE_VARINT && add_varints(&s, wire, sum);
        else if (field == 2 || field == 4)
            ok = add_varints(&s, wire, sum);
        else if (field == 5)
            ok = add_fixed64s(&s, wire, sum);
        else
            ok = skip_value(&s, wire);
        if (!ok)
            return false;
    }
    return true;
}

/* Profile: samples 2. */
static bool read_profile(span s, floor_run *run)
{
    while (s.at < s.end) {
        uint32_t field = 0, wire = 0;
        if (!read_tag(&s, &field, &wire))
            return false;
        if (field != 2 || wire != WIRE_LEN) {
            if (!skip_value(&s, wire))
                return false;
            continue;
        }
        span sample;
        if (!read_bytes(&s, &sample) || !read_sample(sample, &run->sum))
            return false;
        run->samples++;
    }
    return true;
}

typedef bool (*read_child)(span s, floor_run *run);

/* Reads each length-delimited field `wanted` of s with child; skips the rest. */
static bool read_children(span s, uint32_t wanted, read_child child, floor_run *run)
{
    while (s.at < s.end) {
        uint32_t field = 0, wire = 0;
        if (!read_tag(&s, &field, &wire))
            return false;
        if (field != wanted || wire != WIRE_LEN) {
            if (!skip_value(&s, wire))
                return false;
            continue;
        }
        span payload;
        if (!read_bytes(&s, &payload) || !child(payload, run))
            return false;
    }
    return true;
}

/* ScopeProfiles: profiles 2. */
static bool read_scope_profiles(span s, floor_run *run) { return read_children(s, 2, read_profile, run); }

/* ResourceProfiles: scope_profiles 2. */
static bool read_resource_profiles(span s, floor_run *run)
{
    return read_children(s, 2, read_scope_profiles, run);
}

/* ExportProfilesServiceRequest: resource_profiles 1 (dictionary 2 skipped). */
static int decode_once(void *context)
{
    floor_run *run = context;
    run->samples = 0;
    run->sum = 0;
    span request = {run->input, run->input + run->input_size};
    if (read_children(request, 1, read_resource_profiles, run))
        return 0;
    fprintf(stderr, "ptm_floor: malformed request\n");
    return -1;
}

static int scan_once(void *context)
{
    floor_run *run = context;
    uint64_t sum = 0;
    size_t words = run->input_size / 8;
    for (size_t w = 0; w < words; w++)
        sum += load_u64(run->input + w * 8);
    for (size_t b = words * 8; b < run->input_size; b++)
        sum += run->input[b];
    run->sum = sum;
    return 0;
}

static int parse_options(int argc, char **argv, measure_plan *plan, bool *scan, const char **path)
{
    *plan = measure_default_plan();
    int at = 1;
    while (at < argc) {
        int read = measure_parse_option(plan, argc, argv, &at);
        if (read < 0)
            return -1;
        if (read > 0)
            continue;
        if (strcmp(argv[at], "--scan") == 0)
            *scan = true;
        else if (*path == NULL && argv[at][0] != '-')
            *path = argv[at];
        else
            return -1;
        at++;
    }
    return *path != NULL ? 0 : -1;
}

int main(int argc, char **argv)
{
    measure_plan plan;
    const char *path = NULL;
    floor_run run = {0};
    if (parse_options(argc, argv, &plan, &run.scan, &path) != 0) {
        fprintf(stderr, "usage: ptm_floor [--scan] [--warm-seconds S] [--batch-seconds S] [--batches N] FILE\n");
        return 2;
    }
    uint8_t *input = measure_read_file(path, &run.input_size);
    if (input == NULL) {
        fprintf(stderr, "ptm_floor: cannot read %s\n", path);
        return 2;
    }
    run.input = input;
    /* The sample count comes from a decode, also for the scan's ns/sample. */
    int status = decode_once(&run) == 0 ? 0 : 1;
    uint64_t samples = run.samples;
    measurement m = {0};
    if (status == 0 && measure(run.scan ? scan_once : decode_once, &run, &plan, &m) != 0)
        status = 1;
    if (status == 0)
        printf("{\"row\":\"%s\",\"samples\":%llu,\"input_bytes\":%zu,\"ns_per_sample\":%.3f,"
               "\"mb_per_s\":%.2f,\"runs\":%llu,\"sum\":%llu,\"peak_rss_kib\":%ld}\n",
               run.scan ? "memory scan" : "floor (decode only)", (unsigned long long)samples, run.input_size,
               samples > 0 ? m.seconds_per_run * 1e9 / (double)samples : 0.0,
               (double)run.input_size / m.seconds_per_run / 1e6, (unsigned long long)m.runs,
               (unsigned long long)run.sum, measure_peak_rss_kib());
    free(input);
    return status;
}
