/*
 * test_json_input.c: tests of the OTLP/JSON → protobuf transcoder
 * (src/input/json_input.c).
 *
 * Usage: test_json_input REPO_ROOT
 *
 *   1. Each JSON fixture, transcoded and decoded with decode_request, gives
 *      the same tallies as its protobuf twin: resources, profiles, samples,
 *      value sums, timestamps, dictionary table sizes, and a fingerprint of
 *      everything the decoder hands out, in order.
 *   2. JSON Lines: requests are read one after another.
 *   3. Small inputs give the exact protobuf bytes expected.
 *   4. Malformed inputs give PTM_ERR_INPUT with a message naming the path,
 *      and leave the output buffer as it was.
 *   5. An allocator that always fails gives PTM_ERR_NOMEM.
 *
 * Prints one line per check and "N passed, M failed" last; exits nonzero on
 * any failure.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "base/intern.h"
#include "input/json_input.h"
#include "input/json_syntax.h"

#include <cJSON.h>

/* Any key will do: these tests read ids, never slots. */
static const hash_key test_hash_key = {1, 2};

static int passed, failed;

static void check(bool ok, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    printf("%s ", ok ? "PASS" : "FAIL");
    vprintf(format, args);
    printf("\n");
    va_end(args);
    if (ok)
        passed++;
    else
        failed++;
}

/* ---- files ---- */

typedef struct file_bytes {
    char *data; /* exactly size bytes, not NUL-terminated */
    size_t size;
} file_bytes;

static bool read_file(const char *root, const char *relative, file_bytes *out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, relative);
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return false;
    out->data = NULL;
    out->size = 0;
    char chunk[65536];
    size_t count;
    bool ok = true;
    while (ok && (count = fread(chunk, 1, sizeof chunk, file)) > 0) {
        char *grown = realloc(out->data, out->size + count);
        ok = grown != NULL;
        if (ok) {
            memcpy(grown + out->size, chunk, count);
            out->data = grown;
            out->size += count;
        }
    }
    fclose(file);
    return ok;
}

/* ---- memory ---- */

static void *refusing_malloc(void *context, size_t size)
{
    (void)context;
    (void)size;
    return NULL;
}

static void no_free(void *context, void *pointer)
{
    (void)context;
    (void)pointer;
}

static const ptm_allocator refusing_allocator = {refusing_malloc, no_free, NULL};

/* ---- tallying a decode ---- */

typedef struct tally {
    uint64_t resources, profiles, samples, value_sum, timestamps;
    uint64_t strings, attributes, stacks, locations, functions, mappings, links;
    uint64_t fingerprint; /* of every value handed out, in order */
} tally;

static void mix(tally *t, const void *data, size_t size)
{
    const hash_key chained = {t->fingerprint, 0};
    t->fingerprint = hash_bytes(&chained, data, size);
}

static void mix_number(tally *t, uint64_t value)
{
    mix(t, &value, sizeof value);
}

static void mix_slice(tally *t, byte_slice slice)
{
    mix_number(t, slice.size);
    mix(t, slice.data, slice.size);
}

static void mix_int32s(tally *t, const int32_t *items, uint32_t count)
{
    mix_number(t, count);
    mix(t, items, count * sizeof(int32_t));
}

static void mix_table(tally *t, const arena_vector *table, size_t item_size)
{
    mix_number(t, table->count);
    mix(t, table->items, table->count * item_size);
}

static bool on_request(void *context, profile_dictionary *dictionary, const decoded_resource *resources,
                       uint32_t resource_count)
{
    (void)resources;
    (void)resource_count;
    tally *t = context;
    t->strings += dictionary->strings.count;
    t->attributes += dictionary->attributes.count;
    t->stacks += dictionary->stacks.count;
    t->locations += dictionary->locations.count;
    t->functions += dictionary->functions.count;
    t->mappings += dictionary->mappings.count;
    t->links += dictionary->link_count;
    const byte_slice *strings = dictionary->strings.items;
    for (uint32_t i = 0; i < dictionary->strings.count; i++)
        mix_slice(t, strings[i]);
    const dictionary_attribute *attributes = dictionary->attributes.items;
    for (uint32_t i = 0; i < dictionary->attributes.count; i++) {
        mix_number(t, (uint64_t)attributes[i].key_strindex);
        mix_slice(t, attributes[i].value);
    }
    mix_table(t, &dictionary->stacks, sizeof(dictionary_stack));
    mix_table(t, &dictionary->stack_locations, sizeof(int32_t));
    mix_table(t, &dictionary->locations, sizeof(dictionary_location));
    mix_table(t, &dictionary->line_functions, sizeof(int32_t));
    mix_table(t, &dictionary->functions, sizeof(dictionary_function));
    mix_table(t, &dictionary->mappings, sizeof(int32_t));
    return true;
}

static bool on_resource(void *context, const decoded_resource *resource)
{
    tally *t = context;
    t->resources++;
    for (uint32_t i = 0; i < resource->attribute_count; i++) {
        mix_slice(t, resource->attributes[i].key);
        mix_slice(t, resource->attributes[i].value);
    }
    mix_number(t, resource->dropped_attributes_count);
    mix_slice(t, resource->schema_url);
    return true;
}

static bool on_scope(void *context, decoded_profile *profiles, uint32_t count)
{
    (void)profiles;
    mix_number(context, count);
    return true;
}

static bool on_profile(void *context, const decoded_profile *profile)
{
    tally *t = context;
    t->profiles++;
    const uint64_t header[] = {
        (uint64_t)profile->type_strindex, (uint64_t)profile->unit_strindex, profile->has_period_type,
        (uint64_t)profile->period_type_strindex, (uint64_t)profile->period_unit_strindex,
        (uint64_t)profile->period, profile->time_unix_nano, profile->duration_nano,
        profile->sample_count,
    };
    mix(t, header, sizeof header);
    mix_int32s(t, profile->attribute_indices, profile->attribute_count);
    return true;
}

static bool on_sample(void *context, const decoded_sample *sample)
{
    tally *t = context;
    t->samples++;
    t->value_sum += (uint64_t)sample->value_sum;
    t->timestamps += sample->timestamp_count;
    const uint64_t fields[] = {
        (uint64_t)sample->stack_index, (uint64_t)sample->link_index, sample->value_count,
        sample->timestamp_count, (uint64_t)sample->value_sum, sample->value_negative,
        sample->value_overflow, sample->max_timestamp,
    };
    mix(t, fields, sizeof fields);
    mix_int32s(t, sample->attribute_indices, sample->attribute_count);
    return true;
}

static void on_request_end(void *context)
{
    mix_number(context, UINT64_MAX); /* marks where each request ended */
}

/* Decodes protobuf request bytes into *t (added to what it holds). */
static ptm_result decode_into(arena *a, string_interner *interner, byte_slice protobuf, tally *t,
                              ptm_status *status)
{
    decode_handler handler = {t, on_request, on_resource, on_scope, on_profile, on_sample,
                              on_request_end};
    return decode_request(protobuf, a, interner, &handler, status);
}

/* Transcodes and decodes every JSON request in text; returns how many. */
static uint32_t decode_json_requests(const file_bytes *text, tally *t, ptm_status *status)
{
    arena a;
    arena_init(&a, &libc_allocator);
    string_interner interner;
    uint32_t requests = 0;
    size_t offset = 0;
    status_init(status);
    bool ok = interner_init(&interner, &a, &test_hash_key);
    while (ok && offset < text->size) {
        byte_buffer protobuf;
        buffer_init(&protobuf, &a);
        size_t consumed = 0, syntax_error_at;
        ok = json_request_to_protobuf(text->data + offset, text->size - offset, &consumed,
                                      &syntax_error_at, &protobuf, status) == PTM_OK &&
             decode_into(&a, &interner, (byte_slice){protobuf.data, protobuf.size}, t, status) == PTM_OK;
        offset += consumed;
        requests += ok;
    }
    arena_free(&a);
    return requests;
}

static bool decode_protobuf_file(const file_bytes *bytes, tally *t, ptm_status *status)
{
    status_init(status);
    arena a;
    arena_init(&a, &libc_allocator);
    string_interner interner;
    bool ok = interner_init(&interner, &a, &test_hash_key) &&
              decode_into(&a, &interner, (byte_slice){(const uint8_t *)bytes->data, bytes->size}, t,
                          status) == PTM_OK;
    arena_free(&a);
    return ok;
}

/* ---- 1. fixtures against their protobuf twins ---- */

static void compare(const char *name, const char *what, uint64_t from_json, uint64_t from_protobuf)
{
    check(from_json == from_protobuf, "%s: %s: JSON %" PRIu64 ", protobuf %" PRIu64, name, what,
          from_json, from_protobuf);
}

static void test_fixture(const char *root, const char *json_path, const char *protobuf_path)
{
    file_bytes json, protobuf;
    if (!read_file(root, json_path, &json)) {
        printf("SKIP %s: not present\n", json_path);
        return;
    }
    if (!read_file(root, protobuf_path, &protobuf)) {
        free(json.data);
        check(false, "%s: its twin %s is missing", json_path, protobuf_path);
        return;
    }
    ptm_status status;
    tally from_json = {0}, from_protobuf = {0};
    uint32_t requests = decode_json_requests(&json, &from_json, &status);
    check(requests == 1 && status_ok(&status), "%s: one request transcoded and decoded %s", json_path,
          status.message);
    check(decode_protobuf_file(&protobuf, &from_protobuf, &status), "%s: decodes %s", protobuf_path,
          status.message);
    compare(json_path, "resources", from_json.resources, from_protobuf.resources);
    compare(json_path, "profiles", from_json.profiles, from_protobuf.profiles);
    compare(json_path, "samples", from_json.samples, from_protobuf.samples);
    compare(json_path, "sum of sample values", from_json.value_sum, from_protobuf.value_sum);
    compare(json_path, "timestamps", from_json.timestamps, from_protobuf.timestamps);
    compare(json_path, "strings", from_json.strings, from_protobuf.strings);
    compare(json_path, "attributes", from_json.attributes, from_protobuf.attributes);
    compare(json_path, "stacks", from_json.stacks, from_protobuf.stacks);
    compare(json_path, "locations", from_json.locations, from_protobuf.locations);
    compare(json_path, "functions", from_json.functions, from_protobuf.functions);
    compare(json_path, "mappings", from_json.mappings, from_protobuf.mappings);
    compare(json_path, "links", from_json.links, from_protobuf.links);
    compare(json_path, "fingerprint of all decoded values", from_json.fingerprint,
            from_protobuf.fingerprint);
    check(from_json.samples > 0, "%s: has samples (%" PRIu64 ")", json_path, from_json.samples);
    free(json.data);
    free(protobuf.data);
}

/* ---- 2. JSON Lines ---- */

static void test_json_lines(const char *root, const char *path, uint32_t expected)
{
    file_bytes lines;
    if (!read_file(root, path, &lines)) {
        printf("SKIP %s: not present\n", path);
        return;
    }
    ptm_status status;
    tally t = {0};
    uint32_t requests = decode_json_requests(&lines, &t, &status);
    check(requests == expected && status_ok(&status), "%s: %u requests (expected %u) %s", path,
          requests, expected, status.message);
    check(t.samples > 0, "%s: has samples (%" PRIu64 ")", path, t.samples);
    free(lines.data);
}

/* ---- transcoding one small input ---- */

typedef struct transcoded {
    ptm_result result;
    size_t consumed;
    char hex[1024]; /* the protobuf bytes */
    ptm_status status;
    size_t syntax_error_at;
} transcoded;

static void transcode(const char *json, const ptm_allocator *allocator, transcoded *out)
{
    /* An exact-size copy, so that a read past the end is caught by ASan. */
    size_t size = strlen(json);
    char *text = malloc(size > 0 ? size : 1);
    memcpy(text, json, size);
    arena a;
    arena_init(&a, allocator);
    byte_buffer protobuf;
    buffer_init(&protobuf, &a);
    status_init(&out->status);
    out->result = json_request_to_protobuf(text, size, &out->consumed, &out->syntax_error_at,
                                           &protobuf, &out->status);
    out->hex[0] = '\0';
    for (size_t i = 0; i < protobuf.size && 2 * i + 2 < sizeof out->hex; i++)
        snprintf(out->hex + 2 * i, 3, "%02x", protobuf.data[i]);
    arena_free(&a);
    free(text);
}

/* ---- 3. exact encodings ---- */

typedef struct encoding_case {
    const char *name;
    const char *json;
    const char *hex;
} encoding_case;

static const encoding_case encoding_cases[] = {
    {"empty request", "{}", ""},
    {"null and empty list mean unset", "{\"resourceProfiles\":[],\"dictionary\":null}", ""},
    {"string table", "{\"dictionary\":{\"stringTable\":[\"\",\"a\"]}}", "12052a002a0161"},
    {"negative int32, packed int64 and fixed64",
     "{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":[{\"samples\":[{\"stackIndex\":-1,"
     "\"values\":[\"-1\",300],\"timestampsUnixNano\":[\"1\"]}]}]}]}]}",
     "0a29122712251223"
     "08ffffffffffffffffff01"
     "220cffffffffffffffffff01ac02"
     "2a080100000000000000"},
    {"uint64 and fixed64 maxima, hex profile id",
     "{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":[{\"timeUnixNano\":\"18446744073709551615\","
     "\"durationNano\":\"18446744073709551615\",\"profileId\":\"0A0b\"}]}]}]}",
     "0a1c121a1218"
     "19ffffffffffffffff"
     "20ffffffffffffffffff01"
     "3a020a0b"},
    {"int32 limits as numbers and strings, exponent form",
     "{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":[{\"samples\":[{\"stackIndex\":2147483647,"
     "\"linkIndex\":\"-2147483648\",\"attributeIndices\":[1e2,\"7\"]}]}]}]}]}",
     "0a1b12191217121508ffffffff07"
     "1880808080f8ffffffff01"
     "12026407"},
    {"snake_case names, unknown members and nulls",
     "{\"resource_profiles\":[{\"schema_url\":\"s\",\"unknown\":{\"x\":[1,{}]},\"resource\":null}]}",
     "0a031a0173"},
    {"AnyValue: NaN double, base64 (padded, URL-safe), defaults kept",
     "{\"resourceProfiles\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":{\"doubleValue\":\"NaN\"}},"
     "{\"keyStrindex\":0,\"value\":{\"bytesValue\":\"-_8=\"}},{\"value\":{\"intValue\":\"0\"}}]}}]}",
     "0a220a20"
     "0a0e" "0a016b" "1209" "21000000000000f87f"
     "0a08" "1800" "1204" "3a02fbff"
     "0a04" "1202" "1800"},
    {"base64 without padding, Infinity",
     "{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":[{\"originalPayload\":\"aGk\"}]}]}],"
     "\"dictionary\":{\"attributeTable\":[{\"value\":{\"doubleValue\":\"-Infinity\",\"boolValue\":true}}]}}",
     "0a08120612045202" "6869"
     "120f320d120b21000000000000f0ff1001"},
};

static void test_encodings(void)
{
    for (size_t i = 0; i < sizeof encoding_cases / sizeof encoding_cases[0]; i++) {
        const encoding_case *c = &encoding_cases[i];
        transcoded out;
        transcode(c->json, &libc_allocator, &out);
        check(out.result == PTM_OK && strcmp(out.hex, c->hex) == 0 && out.consumed == strlen(c->json),
              "encoding: %s: %s %s", c->name, out.hex, out.status.message);
    }
}

static void test_consumed(void)
{
    const char *text = "{\"dictionary\":{}} \r\n\t{\"resourceProfiles\":[]}\n";
    transcoded out;
    transcode(text, &libc_allocator, &out);
    check(out.result == PTM_OK && out.consumed == 21 && strcmp(out.hex, "1200") == 0,
          "consumed: the value and the white space after it (%zu)", out.consumed);
    transcode(text + 21, &libc_allocator, &out);
    check(out.result == PTM_OK && out.consumed == 24, "consumed: the second value and its newline (%zu)",
          out.consumed);
}

/* ---- 4. malformed input ---- */

typedef struct malformed_case {
    const char *name;
    const char *json;
    const char *message; /* the whole message, or its start when it ends in '*' */
    size_t syntax_error_at; /* invalid JSON: where it stops being JSON; 0: valid JSON */
} malformed_case;

#define SAMPLES "{\"resourceProfiles\":[{\"scopeProfiles\":[{},{\"profiles\":[{\"samples\":["
#define SAMPLES_PATH "JSON: resourceProfiles[0].scopeProfiles[1].profiles[0].samples"
#define PROFILE "{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":[{"
#define PROFILE_PATH "JSON: resourceProfiles[0].scopeProfiles[0].profiles[0]"
#define ATTRIBUTE "{\"resourceProfiles\":[{\"resource\":{\"attributes\":[{\"value\":"
#define ATTRIBUTE_PATH "JSON: resourceProfiles[0].resource.attributes[0].value"

static const malformed_case malformed_cases[] = {
    {"wrong type for stackIndex", SAMPLES "{},{\"stackIndex\":\"one\"}]}]}]}]}",
     SAMPLES_PATH "[1].stackIndex: expected an integer"},
    {"object for stackIndex", SAMPLES "{\"stackIndex\":{}}]}]}]}]}",
     SAMPLES_PATH "[0].stackIndex: expected an integer"},
    {"wrong type in values", SAMPLES "{},{},{},{\"values\":[1,2,true]}]}]}]}]}",
     SAMPLES_PATH "[3].values[2]: expected an integer"},
    {"null in a packed list", SAMPLES "{\"attributeIndices\":[null]}]}]}]}]}",
     SAMPLES_PATH "[0].attributeIndices[0]: expected an integer"},
    {"fraction for an integer", SAMPLES "{\"values\":[1.5]}]}]}]}]}",
     SAMPLES_PATH "[0].values[0]: expected an integer"},
    {"int32 out of range", SAMPLES "{\"stackIndex\":2147483648}]}]}]}]}",
     SAMPLES_PATH "[0].stackIndex: out of range for int32"},
    {"int32 out of range below", SAMPLES "{\"linkIndex\":\"-2147483649\"}]}]}]}]}",
     SAMPLES_PATH "[0].linkIndex: out of range for int32"},
    {"int64 out of range", SAMPLES "{\"values\":[\"9223372036854775808\"]}]}]}]}]}",
     SAMPLES_PATH "[0].values[0]: out of range for int64"},
    {"digits beyond uint64", PROFILE "\"timeUnixNano\":\"18446744073709551616\"}]}]}]}",
     PROFILE_PATH ".timeUnixNano: out of range for fixed64"},
    {"negative for unsigned", PROFILE "\"durationNano\":\"-5\"}]}]}]}",
     PROFILE_PATH ".durationNano: negative value for uint64"},
    {"uint32 out of range", PROFILE "\"droppedAttributesCount\":4294967296}]}]}]}",
     PROFILE_PATH ".droppedAttributesCount: out of range for uint32"},
    {"not a decimal string", PROFILE "\"period\":\"0x10\"}]}]}]}",
     PROFILE_PATH ".period: expected an integer"},
    {"empty string for an integer", PROFILE "\"period\":\"\"}]}]}]}", PROFILE_PATH ".period: expected an integer"},
    {"integer beyond 2^53 as a number", PROFILE "\"timeUnixNano\":1767225600486159791}]}]}]}",
     PROFILE_PATH ".timeUnixNano: integer beyond 2^53 written as a JSON number (write it as a string)"},
    {"bad base64 (character)", PROFILE "\"originalPayload\":\"ab$d\"}]}]}]}",
     PROFILE_PATH ".originalPayload: invalid base64"},
    {"bad base64 (length)", ATTRIBUTE "{\"bytesValue\":\"abcde\"}}]}}]}",
     ATTRIBUTE_PATH ".bytesValue: invalid base64"},
    {"bad base64 (padding)", ATTRIBUTE "{\"bytesValue\":\"abc==\"}}]}}]}",
     ATTRIBUTE_PATH ".bytesValue: invalid base64"},
    {"number for bytes", PROFILE "\"originalPayload\":5}]}]}]}",
     PROFILE_PATH ".originalPayload: expected a base64 string"},
    {"bad hex", PROFILE "\"profileId\":\"xyz1\"}]}]}]}", PROFILE_PATH ".profileId: invalid hex"},
    {"odd hex", "{\"dictionary\":{\"linkTable\":[{},{\"traceId\":\"abc\"}]}}",
     "JSON: dictionary.linkTable[1].traceId: invalid hex (odd length)"},
    {"object for a list", PROFILE "\"samples\":{}}]}]}]}", PROFILE_PATH ".samples: expected an array"},
    {"number in the string table", "{\"dictionary\":{\"stringTable\":[\"\",1]}}",
     "JSON: dictionary.stringTable[1]: expected a string"},
    {"list for a message", "{\"resourceProfiles\":[{\"resource\":[]}]}",
     "JSON: resourceProfiles[0].resource: expected an object"},
    {"null element of a message list", "{\"resourceProfiles\":[null]}",
     "JSON: resourceProfiles[0]: expected an object"},
    {"string for a bool", ATTRIBUTE "{\"boolValue\":\"true\"}}]}}]}",
     ATTRIBUTE_PATH ".boolValue: expected true or false"},
    {"bad double", ATTRIBUTE "{\"doubleValue\":\"fast\"}}]}}]}",
     ATTRIBUTE_PATH ".doubleValue: expected a number"},
    {"truncated JSON", "{\"resourceProfiles\":[{\"scopeProfiles\":[", "not valid JSON", 38},
    {"not JSON", "{\"resourceProfiles\":[}", "not valid JSON", 21},
    {"a list at the top level", "[{}]", "JSON: expected an object at the top level"},
    {"a string at the top level", "\"request\"", "JSON: expected an object at the top level"},
};

static bool message_matches(const char *message, const char *expected)
{
    size_t length = strlen(expected);
    if (length > 0 && expected[length - 1] == '*')
        return strncmp(message, expected, length - 1) == 0;
    return strcmp(message, expected) == 0;
}

static void test_malformed(void)
{
    for (size_t i = 0; i < sizeof malformed_cases / sizeof malformed_cases[0]; i++) {
        const malformed_case *c = &malformed_cases[i];
        transcoded out;
        transcode(c->json, &libc_allocator, &out);
        size_t syntax_error_at = c->syntax_error_at == 0 ? SIZE_MAX : c->syntax_error_at;
        check(out.result == PTM_ERR_INPUT && message_matches(out.status.message, c->message) &&
                  out.syntax_error_at == syntax_error_at && out.hex[0] == '\0',
              "malformed: %s: %s (syntax error at %zu)", c->name, out.status.message, out.syntax_error_at);
    }
}

/* A request whose one resource attribute nests `levels` AnyValues. */
static char *nested_array_values(int levels)
{
    static const char head[] = "{\"resourceProfiles\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":";
    static const char open[] = "{\"arrayValue\":{\"values\":[";
    static const char close[] = "]}}";
    size_t size = sizeof head + (size_t)levels * (sizeof open + sizeof close) + 64;
    char *json = malloc(size);
    strcpy(json, head);
    for (int i = 1; i < levels; i++)
        strcat(json, open);
    strcat(json, "{\"intValue\":\"1\"}");
    for (int i = 1; i < levels; i++)
        strcat(json, close);
    strcat(json, "}]}}]}");
    return json;
}

static void test_nesting(void)
{
    char *json = nested_array_values(32);
    transcoded out;
    transcode(json, &libc_allocator, &out);
    check(out.result == PTM_OK, "nesting: 32 levels of AnyValue are accepted %s", out.status.message);
    free(json);

    json = nested_array_values(33);
    transcode(json, &libc_allocator, &out);
    /* A limit (PTM_ERR_LIMIT, as ptm.h and docs/security.md say), not malformed input. */
    check(out.result == PTM_ERR_LIMIT && strstr(out.status.message, ": AnyValue nested deeper than 32 levels") != NULL,
          "nesting: 33 levels of AnyValue are a limit: %s", out.status.message);
    free(json);

    json = nested_array_values(40);
    transcode(json, &libc_allocator, &out);
    check(out.result == PTM_ERR_LIMIT &&
              message_matches(out.status.message, "JSON: resourceProfiles[0].resource.attributes[0].value.(*") &&
              strstr(out.status.message, "arrayValue.values[0]: AnyValue nested deeper than 32 levels") != NULL,
          "nesting: 40 levels of arrayValue are refused: %s", out.status.message);
    free(json);
}

/* ---- 5. memory ---- */

static void test_out_of_memory(void)
{
    transcoded out;
    transcode("{\"dictionary\":{\"stringTable\":[\"\"]}}", &refusing_allocator, &out);
    check(out.result == PTM_ERR_NOMEM && strcmp(out.status.message, "out of memory") == 0,
          "memory: a failing arena gives PTM_ERR_NOMEM: %s", out.status.message);
}

/* ---- 6. the allocation-free recogniser agrees with cJSON ---- */

/* text nested depth deep in arrays: [[...[1]...]]. */
static char *nested_arrays(size_t depth)
{
    char *text = malloc(2 * depth + 2);
    memset(text, '[', depth);
    text[depth] = '1';
    memset(text + depth + 1, ']', depth);
    text[2 * depth + 1] = '\0';
    return text;
}

/* What matters: the recogniser never accepts what cJSON refuses with memory
 * to spare (that would turn a syntax error into "out of memory"); it may
 * refuse what lenient cJSON takes ("1e"). RFC 8259 texts both accept. */
static void check_agrees(const char *text, const char *what)
{
    size_t size = strlen(text), end = 0;
    const char *cjson_end = NULL;
    cJSON *tree = cJSON_ParseWithLengthOpts(text, size, &cjson_end, false);
    bool valid = json_value_is_valid(text, size, &end);
    check(!valid || tree != NULL, "json_syntax: %s: cJSON %s, the recogniser %s", what,
          tree != NULL ? "parses" : "refuses", valid ? "accepts" : "refuses");
    cJSON_Delete(tree);
}

static void check_valid(const char *text)
{
    size_t end = 0;
    check(json_value_is_valid(text, strlen(text), &end) && end == strlen(text),
          "json_syntax: %s is JSON", text);
}

static void test_json_syntax(void)
{
    static const char *const texts[] = {
        "{}", "[]", " {\"a\": [1, -2.5e+3, true, false, null, \"x\\n\\u00e9\"]} ",
        "{\"a\":{\"b\":{}}}", "[[],[{}]]", "\"\\ud83d\\ude00\"", "0", "-0.5E-7", "\"tab\there\"",
        "{", "[1,]", "{\"a\" 1}", "{\"a\":}", "{,}", "[1 2]", "tru", "\"open", "\"\\x\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "{1:2}", "-", "1e", "", "  ", "]",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        check_agrees(texts[i], texts[i]);
    for (size_t i = 0; i < 9; i++) /* the first nine are RFC 8259 JSON */
        check_valid(texts[i]);
    char *deepest = nested_arrays(JSON_NESTING_LIMIT);
    check_agrees(deepest, "arrays nested 1000 deep");
    free(deepest);
    char *too_deep = nested_arrays(JSON_NESTING_LIMIT + 1);
    check_agrees(too_deep, "arrays nested 1001 deep");
    free(too_deep);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s REPO_ROOT\n", argv[0]);
        return 2;
    }
    const char *root = argv[1];
    test_fixture(root, "tests/fixtures/cpu-ebpf.json", "tests/fixtures/cpu-ebpf.pb");
    test_fixture(root, "tests/fixtures/memory.json", "tests/fixtures/memory.pb");
    test_fixture(root, "tests/fixtures/cpu-pprof.json", "tests/fixtures/cpu-pprof.pb");
    test_fixture(root, "../shared/fixtures/otlp-real/ebpf-oncpu-offcpu.json",
                 "../shared/fixtures/otlp-real/ebpf-oncpu-offcpu.pb");
    test_json_lines(root, "tests/fixtures/multi.jsonl", 2);
    test_json_lines(root, "../shared/fixtures/otlp-real/ebpf-oncpu-189-requests.jsonl", 189);
    test_encodings();
    test_consumed();
    test_malformed();
    test_nesting();
    test_out_of_memory();
    test_json_syntax();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
