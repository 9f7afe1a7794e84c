/*
 * test_memory.c: a conversion's memory is linear in what the request holds,
 * and max_memory_bytes bounds it (memory_budget.h).
 *
 * The request: N samples, each its own one-frame stack and function (the
 * shape that grew memory with N squared, issue 28 row 1), as OTLP/JSON.
 * The caller's allocator here records the peak of the bytes live: the peak
 * at 2N is at most 2.5 times the peak at N. With max_memory_bytes under what
 * the request needs, the call fails with PTM_ERR_MEMORY_LIMIT and its
 * message, the converter converts a small request afterwards, and freeing
 * it leaves nothing live.
 *
 * Then a property over generated requests (a seeded generator): many
 * distinct names, deep stacks, wide stacks (many of them) and large resource
 * attribute sets, each dimension doubled with the others fixed, then all of
 * them: the peak at 2x is at most 2.5 times the peak at 1x (per doubling of
 * the input), and every peak is within a fixed multiple of the request's
 * size. Resource attributes are not copied onto points here: copying them
 * (the default) multiplies each point by their count, the output
 * amplification issue 28 row 2 still has open.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ptm.h"

/* An allocator that knows each block's size (a header), for live and peak bytes. */
typedef struct peak_allocator {
    size_t live, peak;
} peak_allocator;

static void *peak_malloc(void *context, size_t size)
{
    peak_allocator *p = context;
    size_t *block = malloc(size + 16);
    if (block == NULL)
        return NULL;
    *block = size;
    p->live += size;
    if (p->live > p->peak)
        p->peak = p->live;
    return (uint8_t *)block + 16;
}

static void peak_free(void *context, void *pointer)
{
    peak_allocator *p = context;
    if (pointer == NULL)
        return;
    size_t *block = (size_t *)((uint8_t *)pointer - 16);
    p->live -= *block;
    free(block);
}

/* The request of n distinct one-frame stacks, as OTLP/JSON (malloc'd). */
static char *distinct_functions(uint32_t n, size_t *size)
{
    size_t capacity = 256 + (size_t)n * 200, at = 0;
    char *text = malloc(capacity);
    at += (size_t)snprintf(text + at, capacity - at,
                           "{\"dictionary\":{\"stringTable\":[\"\",\"samples\",\"count\",\"cpu\",\"nanoseconds\"");
    for (uint32_t i = 0; i < n; i++)
        at += (size_t)snprintf(text + at, capacity - at, ",\"function_%u\"", i);
    at += (size_t)snprintf(text + at, capacity - at, "],\"functionTable\":[{}");
    for (uint32_t i = 0; i < n; i++)
        at += (size_t)snprintf(text + at, capacity - at, ",{\"nameStrindex\":%u}", 5 + i);
    at += (size_t)snprintf(text + at, capacity - at, "],\"locationTable\":[{}");
    for (uint32_t i = 0; i < n; i++)
        at += (size_t)snprintf(text + at, capacity - at, ",{\"lines\":[{\"functionIndex\":%u}]}", 1 + i);
    at += (size_t)snprintf(text + at, capacity - at, "],\"stackTable\":[{}");
    for (uint32_t i = 0; i < n; i++)
        at += (size_t)snprintf(text + at, capacity - at, ",{\"locationIndices\":[%u]}", 1 + i);
    at += (size_t)snprintf(text + at, capacity - at,
                           "],\"mappingTable\":[{}],\"attributeTable\":[{\"value\":{}}],\"linkTable\":[{}]},"
                           "\"resourceProfiles\":[{\"resource\":{},\"scopeProfiles\":[{\"profiles\":[{"
                           "\"sampleType\":{\"typeStrindex\":1,\"unitStrindex\":2},"
                           "\"periodType\":{\"typeStrindex\":3,\"unitStrindex\":4},\"period\":\"1000000\","
                           "\"timeUnixNano\":\"1767225600000000000\",\"durationNano\":\"1000000000\",\"samples\":[");
    for (uint32_t i = 0; i < n; i++)
        at += (size_t)snprintf(text + at, capacity - at, "%s{\"stackIndex\":%u,\"timestampsUnixNano\":[\"1767225600500000000\"]}",
                               i > 0 ? "," : "", 1 + i);
    at += (size_t)snprintf(text + at, capacity - at, "]}]}]}]}");
    *size = at;
    return text;
}

/* The dimensions of a generated request. */
typedef struct shape {
    uint32_t functions;  /* distinct function names */
    uint32_t stacks;     /* distinct stacks, one sample each */
    uint32_t depth;      /* frames per stack */
    uint32_t attributes; /* resource attributes */
} shape;

/* A byte buffer that grows (the tests' own, malloc'd). */
typedef struct buffer {
    char *data;
    size_t size, capacity;
} buffer;

static void put(buffer *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void put(buffer *b, const char *format, ...)
{
    for (;;) {
        va_list args;
        va_start(args, format);
        int n = vsnprintf(b->data + b->size, b->capacity - b->size, format, args);
        va_end(args);
        if ((size_t)n < b->capacity - b->size) {
            b->size += (size_t)n;
            return;
        }
        b->capacity = b->capacity * 2 + 4096;
        b->data = realloc(b->data, b->capacity);
    }
}

/* A request of that shape as OTLP/JSON; frames drawn from the functions
 * with a fixed-seed xorshift, so the same shape gives the same request. */
static char *shaped_request(shape sh, size_t *size)
{
    buffer b = {malloc(4096), 0, 4096};
    uint64_t x = 0x9e3779b97f4a7c15u;
    put(&b, "{\"dictionary\":{\"stringTable\":[\"\",\"samples\",\"count\",\"cpu\",\"nanoseconds\"");
    for (uint32_t i = 0; i < sh.functions; i++)
        put(&b, ",\"a_rather_long_function_name_%u\"", i);
    put(&b, "],\"functionTable\":[{}");
    for (uint32_t i = 0; i < sh.functions; i++)
        put(&b, ",{\"nameStrindex\":%u}", 5 + i);
    put(&b, "],\"locationTable\":[{}");
    for (uint32_t i = 0; i < sh.functions; i++)
        put(&b, ",{\"lines\":[{\"functionIndex\":%u}]}", 1 + i);
    put(&b, "],\"stackTable\":[{}");
    for (uint32_t s = 0; s < sh.stacks; s++) {
        put(&b, ",{\"locationIndices\":[");
        for (uint32_t d = 0; d < sh.depth; d++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            put(&b, "%s%u", d > 0 ? "," : "", 1 + (uint32_t)(x % sh.functions));
        }
        put(&b, "]}");
    }
    put(&b, "],\"mappingTable\":[{}],\"attributeTable\":[{\"value\":{}}],\"linkTable\":[{}]},"
            "\"resourceProfiles\":[{\"resource\":{\"attributes\":[");
    for (uint32_t a = 0; a < sh.attributes; a++)
        put(&b, "%s{\"key\":\"resource.attribute.%u\",\"value\":{\"stringValue\":\"value %u\"}}",
            a > 0 ? "," : "", a, a);
    put(&b, "]},\"scopeProfiles\":[{\"profiles\":[{\"sampleType\":{\"typeStrindex\":1,\"unitStrindex\":2},"
            "\"periodType\":{\"typeStrindex\":3,\"unitStrindex\":4},\"period\":\"1000000\","
            "\"timeUnixNano\":\"1767225600000000000\",\"durationNano\":\"1000000000\",\"samples\":[");
    for (uint32_t s = 0; s < sh.stacks; s++)
        put(&b, "%s{\"stackIndex\":%u,\"timestampsUnixNano\":[\"1767225600500000000\"]}", s > 0 ? "," : "", 1 + s);
    put(&b, "]}]}]}]}");
    *size = b.size;
    return b.data;
}

/* The peak bytes live while a converter of config converts input. */
static size_t peak_converting(const char *config, const char *input, size_t size)
{
    peak_allocator counter = {0, 0};
    ptm_allocator allocator = {peak_malloc, peak_free, &counter};
    ptm_converter *converter = NULL;
    CHECK(ptm_converter_create(config, strlen(config), &allocator, &converter, NULL, 0) == PTM_OK, "create");
    const uint8_t *output;
    size_t output_size;
    CHECK(ptm_convert(converter, (const uint8_t *)input, size, PTM_FORMAT_OTLP_PROTOBUF, &output, &output_size,
                      NULL) == PTM_OK, "convert");
    ptm_converter_free(converter);
    CHECK(counter.live == 0, "nothing live after free");
    return counter.peak;
}

/* Peak memory of a shape and of the shape with one dimension doubled. */
static void check_doubling(const char *name, shape one, shape two)
{
    size_t size_one, size_two;
    char *a = shaped_request(one, &size_one), *b = shaped_request(two, &size_two);
    /* Resource attributes are not copied onto the points: copying them (the
     * default) multiplies each point's size by their count, the output
     * amplification issue 28 row 2 still has open. */
    static const char config[] = "{\"copy_resource_attributes\": []}";
    size_t peak_one = peak_converting(config, a, size_one), peak_two = peak_converting(config, b, size_two);
    printf("%s: %zu bytes in, peak %zu; doubled: %zu bytes in, peak %zu\n", name, size_one, peak_one, size_two,
           peak_two);
    char label[128];
    /* Doubling a dimension costs at most 2.5 times the memory; where the
     * input grows more than twofold (every dimension doubled), 2.5 times per
     * doubling of the input. */
    double input_growth = (double)size_two / (double)size_one;
    double allowed = 2.5 * (input_growth > 2.0 ? input_growth / 2.0 : 1.0);
    snprintf(label, sizeof label, "%s: doubled, at most %.2fx the memory", name, allowed);
    CHECK((double)peak_two <= (double)peak_one * allowed, label);
    snprintf(label, sizeof label, "%s: peak within 64 times the input (and 4 MiB)", name);
    CHECK(peak_one <= size_one * 64 + (4u << 20) && peak_two <= size_two * 64 + (4u << 20), label);
    free(a);
    free(b);
}

static void test_property(void)
{
    const shape base = {.functions = 5000, .stacks = 5000, .depth = 16, .attributes = 200};
    shape two = base;
    two.functions *= 2;
    check_doubling("distinct names", base, two);
    two = base, two.depth *= 2;
    check_doubling("deep stacks", base, two);
    two = base, two.stacks *= 2;
    check_doubling("wide (many stacks)", base, two);
    two = base, two.attributes *= 2;
    check_doubling("resource attributes", base, two);
    two = (shape){base.functions * 2, base.stacks * 2, base.depth * 2, base.attributes * 2};
    check_doubling("everything", base, two);
}

/* The peak bytes live while a default converter converts n distinct functions. */
static size_t peak_of(uint32_t n)
{
    size_t size;
    char *input = distinct_functions(n, &size);
    peak_allocator counter = {0, 0};
    ptm_allocator allocator = {peak_malloc, peak_free, &counter};
    ptm_converter *converter = NULL;
    CHECK(ptm_converter_create(NULL, 0, &allocator, &converter, NULL, 0) == PTM_OK, "create");
    const uint8_t *output;
    size_t output_size;
    ptm_stats stats;
    CHECK(ptm_convert(converter, (const uint8_t *)input, size, PTM_FORMAT_OTLP_PROTOBUF, &output, &output_size,
                      &stats) == PTM_OK, "convert");
    CHECK(stats.samples_kept == n, "every sample kept");
    ptm_converter_free(converter);
    CHECK(counter.live == 0, "nothing live after free");
    free(input);
    return counter.peak;
}

static void test_linear(void)
{
    size_t n = peak_of(20000), two_n = peak_of(40000), four_n = peak_of(80000);
    printf("peak bytes: 20k functions %zu, 40k %zu, 80k %zu\n", n, two_n, four_n);
    CHECK(two_n <= n * 5 / 2, "2N distinct functions cost at most 2.5x N");
    CHECK(four_n <= two_n * 5 / 2, "4N at most 2.5x 2N");
}

static void test_budget(void)
{
    size_t size;
    char *input = distinct_functions(40000, &size);
    peak_allocator counter = {0, 0};
    ptm_allocator allocator = {peak_malloc, peak_free, &counter};
    static const char config[] = "{\"max_memory_bytes\": 2097152}";
    ptm_converter *converter = NULL;
    CHECK(ptm_converter_create(config, sizeof config - 1, &allocator, &converter, NULL, 0) == PTM_OK, "create");
    const uint8_t *output;
    size_t output_size;
    ptm_result result = ptm_convert(converter, (const uint8_t *)input, size, PTM_FORMAT_OTLP_PROTOBUF, &output,
                                    &output_size, NULL);
    CHECK(result == PTM_ERR_MEMORY_LIMIT, "over the budget: PTM_ERR_MEMORY_LIMIT");
    CHECK(strcmp(ptm_converter_last_error(converter),
                 "memory limit: the conversion needs more than max_memory_bytes (2097152 bytes)") == 0,
          "the message names the limit");
    CHECK(counter.peak <= 2097152 + 65536, "the converter never held more than the budget (and the converter itself)");
    CHECK(strcmp(ptm_result_name(PTM_ERR_MEMORY_LIMIT), "memory limit") == 0, "its name");
    free(input);
    input = distinct_functions(10, &size);
    CHECK(ptm_convert(converter, (const uint8_t *)input, size, PTM_FORMAT_OTLP_PROTOBUF, &output, &output_size,
                      NULL) == PTM_OK, "the converter converts a small request afterwards");
    ptm_converter_free(converter);
    CHECK(counter.live == 0, "nothing live after free");
    free(input);
    static const char small[] = "{\"max_memory_bytes\": 1000}";
    char error[256];
    CHECK(ptm_converter_create(small, sizeof small - 1, NULL, &converter, error, sizeof error) == PTM_ERR_CONFIG,
          "a budget under 1 MiB is refused");
}

int main(void)
{
    test_linear();
    test_budget();
    test_property();
    return check_report();
}
