/*
 * test_cumulative.c: "temporality": "cumulative" through the C API.
 *
 * One converter is fed the fixtures' requests one ptm_convert() call at a
 * time (multi.jsonl's lines, cpu-ebpf.json, memory.json, twice over). After
 * every call each series seen before is still there, with the same start,
 * an end that does not go back and, for sums, a value that does not go down,
 * and every sum says AGGREGATION_TEMPORALITY_CUMULATIVE. The last output
 * equals a delta converter's conversion of all the requests at once.
 * ptm_converter_reset() frees the state, and the next call starts again.
 *
 * Held series (ptm_converter_add, ptm_converter_flush): added requests are
 * written only at a flush. Delta: each flush holds what was added since the
 * last (values = a delta converter's conversion of those requests), every
 * point in [previous flush, this flush); nothing added, nothing written.
 * Cumulative: every held series at every flush, its time the flush's, its
 * start its first add; idle past metrics_expiration, dropped and freed; a
 * refused request changes nothing held.
 * Outputs are read as OTLP/JSON with cJSON.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cJSON.h>

#include "check.h"
#include "ptm.h"

enum { MAX_SERIES = 4096, MAX_REQUESTS = 64 };

typedef struct point {
    char *key;          /* metric name | resource attributes | point attributes */
    double value;
    uint64_t start, end;
    int is_sum, temporality;
} point;

typedef struct point_set {
    point items[MAX_SERIES];
    int count;
} point_set;

static void set_free(point_set *set)
{
    for (int i = 0; i < set->count; i++)
        free(set->items[i].key);
    set->count = 0;
}

static point *set_find(point_set *set, const char *key)
{
    for (int i = 0; i < set->count; i++) {
        if (strcmp(set->items[i].key, key) == 0)
            return &set->items[i];
    }
    return NULL;
}

/* item as compact JSON (malloc'ed); "[]" when absent. */
static char *printed(const cJSON *item)
{
    if (item != NULL)
        return cJSON_PrintUnformatted(item);
    char *empty = malloc(3);
    memcpy(empty, "[]", 3);
    return empty;
}

static void add_points(point_set *set, const char *metric_name, const char *resource, const cJSON *metric)
{
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(metric, "sum");
    const cJSON *data = sum != NULL ? sum : cJSON_GetObjectItemCaseSensitive(metric, "gauge");
    const cJSON *temporality = sum != NULL ? cJSON_GetObjectItemCaseSensitive(sum, "aggregationTemporality") : NULL;
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(data, "dataPoints");
    for (const cJSON *p = points != NULL ? points->child : NULL; p != NULL; p = p->next) {
        char *attributes = printed(cJSON_GetObjectItemCaseSensitive(p, "attributes"));
        size_t size = strlen(metric_name) + strlen(resource) + strlen(attributes) + 3;
        char *key = malloc(size);
        snprintf(key, size, "%s|%s|%s", metric_name, resource, attributes);
        free(attributes);
        const cJSON *as_double = cJSON_GetObjectItemCaseSensitive(p, "asDouble");
        const cJSON *as_int = cJSON_GetObjectItemCaseSensitive(p, "asInt");
        point value = {
            .key = key,
            .value = as_double != NULL ? as_double->valuedouble : strtod(as_int->valuestring, NULL),
            .start = strtoull(cJSON_GetObjectItemCaseSensitive(p, "startTimeUnixNano")->valuestring, NULL, 10),
            .end = strtoull(cJSON_GetObjectItemCaseSensitive(p, "timeUnixNano")->valuestring, NULL, 10),
            .is_sum = sum != NULL,
            .temporality = temporality != NULL ? temporality->valueint : 0,
        };
        point *earlier = set_find(set, key);
        if (earlier == NULL && set->count < MAX_SERIES) {
            set->items[set->count++] = value;
        } else if (earlier != NULL && !value.is_sum && value.end >= earlier->end) {
            free(earlier->key); /* a delta gauge: one point per profile, the latest kept */
            *earlier = value;
        } else {
            CHECK(!value.is_sum, "one point per sum series");
            free(key);
        }
    }
}

/* Reads one OTLP/JSON ExportMetricsServiceRequest line into set. */
static void read_points(const uint8_t *json, size_t size, point_set *set)
{
    set_free(set);
    cJSON *root = cJSON_ParseWithLength((const char *)json, size);
    CHECK(root != NULL, "output is JSON");
    const cJSON *resources = cJSON_GetObjectItemCaseSensitive(root, "resourceMetrics");
    for (const cJSON *rm = resources != NULL ? resources->child : NULL; rm != NULL; rm = rm->next) {
        char *resource = printed(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(rm, "resource"), "attributes"));
        const cJSON *scopes = cJSON_GetObjectItemCaseSensitive(rm, "scopeMetrics");
        const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(scopes->child, "metrics");
        for (const cJSON *m = metrics->child; m != NULL; m = m->next)
            add_points(set, cJSON_GetObjectItemCaseSensitive(m, "name")->valuestring, resource, m);
        free(resource);
    }
    cJSON_Delete(root);
}

static int close_enough(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b));
}

/* Every series of before is in after: start fixed, end and sums not going back. */
static void check_step(const point_set *before, point_set *after)
{
    for (int i = 0; i < before->count; i++) {
        const point *old = &before->items[i];
        const point *now = set_find(after, old->key);
        CHECK(now != NULL, "a series stays");
        if (now == NULL)
            continue;
        CHECK(now->start == old->start, "start fixed");
        CHECK(now->end >= old->end, "end does not go back");
        CHECK(!now->is_sum || now->value >= old->value, "sums do not decrease");
    }
    for (int i = 0; i < after->count; i++)
        CHECK(!after->items[i].is_sum || after->items[i].temporality == 2, "sums are cumulative");
}

/* The sums of actual equal those of expected (delta), start and end too. */
static void check_equal_sums(point_set *actual, point_set *expected)
{
    int sums = 0, actual_sums = 0;
    for (int i = 0; i < expected->count; i++) {
        const point *want = &expected->items[i];
        if (!want->is_sum)
            continue;
        sums++;
        const point *got = set_find(actual, want->key);
        CHECK(got != NULL && close_enough(got->value, want->value), "final value = delta total");
        CHECK(got != NULL && got->start == want->start && got->end == want->end, "window = delta window");
    }
    for (int i = 0; i < actual->count; i++)
        actual_sums += actual->items[i].is_sum;
    CHECK(sums > 0 && sums == actual_sums, "the same sum series");
}

static size_t read_requests(const char *root, unsigned char **buffers, char **requests, size_t *sizes)
{
    static const char *const files[] = {"multi.jsonl", "cpu-ebpf.json", "memory.json"};
    size_t count = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tests/fixtures/%s", root, files[f]);
        size_t size = 0;
        buffers[f] = check_read_file(path, &size);
        CHECK(buffers[f] != NULL, "fixture readable");
        if (buffers[f] == NULL)
            continue;
        for (char *line = (char *)buffers[f]; line < (char *)buffers[f] + size && count < MAX_REQUESTS;) {
            char *end = memchr(line, '\n', (size_t)((char *)buffers[f] + size - line));
            size_t length = end != NULL ? (size_t)(end - line) : (size_t)((char *)buffers[f] + size - line);
            if (length > 0) {
                requests[count] = line;
                sizes[count++] = length;
            }
            line += length + 1;
        }
    }
    return count;
}

static ptm_converter *create(const char *config, counting_allocator *counter)
{
    ptm_allocator allocator = {counting_malloc, counting_free, counter};
    ptm_converter *converter = NULL;
    char error[256];
    CHECK(ptm_converter_create(config, strlen(config), &allocator, &converter, error, sizeof error) == PTM_OK,
          "converter created");
    return converter;
}

/* Every point of set has this start and end. */
static int all_stamped(const point_set *set, uint64_t start, uint64_t end)
{
    for (int i = 0; i < set->count; i++) {
        if ((start != UINT64_MAX && set->items[i].start != start) || set->items[i].end != end)
            return 0;
    }
    return set->count > 0;
}

/* The values of actual are those of expected times factor, the same series. */
static int values_scaled(const point_set *actual, point_set *expected, double factor)
{
    int ok = actual->count == expected->count && actual->count > 0;
    for (int i = 0; ok && i < actual->count; i++) {
        const point *want = set_find(expected, actual->items[i].key);
        ok = want != NULL && close_enough(actual->items[i].value, want->is_sum ? want->value * factor : want->value);
    }
    return ok;
}

static void flush_points(ptm_converter *converter, uint64_t now, point_set *set)
{
    const uint8_t *output;
    size_t output_size;
    ptm_stats stats;
    CHECK(ptm_converter_flush(converter, now, PTM_FORMAT_OTLP_JSON, &output, &output_size, &stats) == PTM_OK,
          "flushes");
    if (output_size == 0)
        set_free(set); /* OTLP/JSON of no point: no line */
    else
        read_points(output, output_size, set);
    CHECK(stats.series == (uint64_t)set->count, "stats.series counts the points written");
}

static void add(ptm_converter *converter, uint64_t now, const char *request, size_t size)
{
    ptm_stats stats;
    CHECK(ptm_converter_add(converter, now, (const uint8_t *)request, size, &stats) == PTM_OK, "adds");
    CHECK(stats.series == 0 && stats.samples_kept > 0, "an add writes nothing, counts its samples");
}

static void test_held_delta(const char *request, size_t size, point_set *once)
{
    counting_allocator counter = {0};
    ptm_converter *converter = create("{}", &counter);
    static point_set flushed;
    add(converter, 100, request, size);
    add(converter, 150, request, size);
    flush_points(converter, 300, &flushed);
    CHECK(values_scaled(&flushed, once, 2.0), "delta: a flush holds both adds");
    CHECK(all_stamped(&flushed, 100, 300), "delta: [first add, flush)");
    flush_points(converter, 400, &flushed);
    CHECK(flushed.count == 0, "delta: nothing added, nothing written");
    add(converter, 450, request, size);
    flush_points(converter, 500, &flushed);
    CHECK(values_scaled(&flushed, once, 1.0), "delta: the next window holds its add only");
    CHECK(all_stamped(&flushed, 400, 500), "delta: windows are contiguous");
    const uint8_t *output;
    size_t output_size;
    CHECK(ptm_converter_flush(converter, 600, PTM_FORMAT_FOLDED, &output, &output_size, NULL) == PTM_ERR_ARGUMENT,
          "a flush writes metrics only");
    CHECK(ptm_converter_add(converter, 0, (const uint8_t *)request, size, NULL) == PTM_ERR_ARGUMENT,
          "an add needs a time");
    ptm_converter_free(converter);
    CHECK(counter.live == 0, "everything freed");
    set_free(&flushed);
}

static void test_held_cumulative(const char *request, size_t size, point_set *once)
{
    counting_allocator counter = {0};
    ptm_converter *converter =
        create("{\"temporality\":\"cumulative\",\"metrics_expiration\":\"1s\"}", &counter);
    static point_set flushed;
    const uint64_t second = 1000000000, millisecond = 1000000;
    add(converter, 10 * second, request, size);
    flush_points(converter, 10 * second + 5, &flushed);
    CHECK(values_scaled(&flushed, once, 1.0), "cumulative: the first add");
    CHECK(all_stamped(&flushed, 10 * second - millisecond, 10 * second + 5),
          "cumulative: start 1 ms before the first add");
    CHECK(ptm_converter_add(converter, 10 * second + 6, (const uint8_t *)"garbage", 7, NULL) == PTM_ERR_INPUT,
          "a bad request is refused");
    add(converter, 10 * second + 7, request, size);
    flush_points(converter, 10 * second + 9, &flushed);
    CHECK(values_scaled(&flushed, once, 2.0), "cumulative: totals since the first add, the bad one left out");
    CHECK(all_stamped(&flushed, 10 * second - millisecond, 10 * second + 9), "cumulative: start fixed, time the flush's");
    flush_points(converter, 11 * second, &flushed);
    CHECK(values_scaled(&flushed, once, 2.0), "cumulative: nothing added, every held series again");
    long live = counter.live;
    flush_points(converter, 11 * second + 7, &flushed);
    CHECK(flushed.count == 0, "cumulative: idle for metrics_expiration, dropped");
    CHECK(counter.live < live, "expiry frees the dropped series");
    add(converter, 12 * second, request, size);
    flush_points(converter, 12 * second + 1, &flushed);
    CHECK(values_scaled(&flushed, once, 1.0), "cumulative: an expired series starts again");
    CHECK(all_stamped(&flushed, 12 * second - millisecond, 12 * second + 1), "cumulative: with a new start");
    CHECK(ptm_converter_reset(converter) == PTM_OK, "reset");
    flush_points(converter, 13 * second, &flushed);
    CHECK(flushed.count == 0, "reset forgets the held series");
    ptm_converter_free(converter);
    CHECK(counter.live == 0, "everything freed");
    set_free(&flushed);

    char error[256];
    ptm_converter *bad = NULL;
    static const char config[] = "{\"metrics_expiration\":\"5 minutes\"}";
    CHECK(ptm_converter_create(config, sizeof config - 1, NULL, &bad, error, sizeof error) == PTM_ERR_CONFIG &&
              strcmp(error, "config: metrics_expiration: \"5 minutes\" is not a duration such as \"5m\", \"90s\" or "
                            "\"1h30m\" (units ns, us, ms, s, m, h; \"0\": never)") == 0,
          "a bad metrics_expiration is named");
}

/* The sum of the values of metric_name's points in set, and their count. */
static double metric_total(const point_set *set, const char *metric_name, int *points)
{
    double total = 0;
    size_t length = strlen(metric_name);
    *points = 0;
    for (int i = 0; i < set->count; i++) {
        if (strncmp(set->items[i].key, metric_name, length) == 0 && set->items[i].key[length] == '|') {
            total += set->items[i].value;
            (*points)++;
        }
    }
    return total;
}

/* Past cardinality_limit, held series go to one overflow series per metric
 * (however many resources), and totals stay exact. */
static void test_held_overflow(const char *request, size_t size, point_set *once)
{
    static const char *const metrics[] = {"profile.cpu.time", "profile.function.self.cpu.time",
                                          "profile.function.inclusive.off_cpu.time"};
    counting_allocator counter = {0};
    ptm_converter *converter = create("{\"temporality\":\"cumulative\",\"cardinality_limit\":1}", &counter);
    static point_set flushed;
    add(converter, 100, request, size);
    add(converter, 200, request, size);
    flush_points(converter, 300, &flushed);
    for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++) {
        int points = 0, unlimited = 0;
        double total = metric_total(&flushed, metrics[m], &points);
        double want = metric_total(once, metrics[m], &unlimited);
        CHECK(unlimited > 2 && points == 2, "one series and one overflow series per metric");
        CHECK(close_enough(total, 2 * want), "totals exact past the limit");
    }
    ptm_converter_free(converter);
    CHECK(counter.live == 0, "everything freed");
    set_free(&flushed);
}

static void test_held(const char *request, size_t size)
{
    counting_allocator counter = {0};
    ptm_converter *delta = create("{}", &counter);
    const uint8_t *output;
    size_t output_size;
    static point_set once;
    CHECK(ptm_convert(delta, (const uint8_t *)request, size, PTM_FORMAT_OTLP_JSON, &output, &output_size, NULL) ==
              PTM_OK, "converts");
    read_points(output, output_size, &once);
    ptm_converter_free(delta);
    test_held_delta(request, size, &once);
    test_held_cumulative(request, size, &once);
    test_held_overflow(request, size, &once);
    set_free(&once);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : ".";
    unsigned char *buffers[3] = {0};
    char *requests[MAX_REQUESTS];
    size_t sizes[MAX_REQUESTS];
    size_t count = read_requests(root, buffers, requests, sizes);
    CHECK(count >= 4, "requests to feed");
    test_held(requests[count - 2], sizes[count - 2]); /* cpu-ebpf.json */

    counting_allocator counter = {0};
    ptm_converter *converter = create("{\"temporality\":\"cumulative\"}", &counter);
    static point_set before, after, expected;
    const uint8_t *output;
    size_t output_size;
    ptm_stats stats;
    size_t total_size = 0;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < count; i++) {
            CHECK(ptm_convert(converter, (const uint8_t *)requests[i], sizes[i], PTM_FORMAT_OTLP_JSON, &output,
                              &output_size, &stats) == PTM_OK, "converts");
            read_points(output, output_size, &after);
            check_step(&before, &after);
            point_set swap = before;
            before = after;
            after = swap;
            total_size += sizes[i] + 1;
        }
    }
    CHECK(stats.series == (uint64_t)before.count, "stats.series counts what the converter holds");

    /* Delta over everything at once: the same totals. */
    char *all = malloc(total_size + 1);
    size_t offset = 0;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < count; i++) {
            memcpy(all + offset, requests[i], sizes[i]);
            offset += sizes[i];
            all[offset++] = '\n';
        }
    }
    counting_allocator delta_counter = {0};
    ptm_converter *delta = create("{}", &delta_counter);
    CHECK(ptm_convert(delta, (const uint8_t *)all, offset, PTM_FORMAT_OTLP_JSON, &output, &output_size, NULL) == PTM_OK,
          "delta converts");
    read_points(output, output_size, &expected);
    check_equal_sums(&before, &expected);

    /* reset: the state's memory goes, the next call starts from that input alone. */
    long live = counter.live;
    CHECK(ptm_converter_reset(converter) == PTM_OK, "reset");
    CHECK(counter.live < live, "reset frees the kept series");
    CHECK(ptm_convert(converter, (const uint8_t *)requests[count - 1], sizes[count - 1], PTM_FORMAT_OTLP_JSON,
                      &output, &output_size, NULL) == PTM_OK, "converts after reset");
    read_points(output, output_size, &after);
    CHECK(ptm_convert(delta, (const uint8_t *)requests[count - 1], sizes[count - 1], PTM_FORMAT_OTLP_JSON,
                      &output, &output_size, NULL) == PTM_OK, "delta converts one");
    read_points(output, output_size, &expected);
    check_equal_sums(&after, &expected);
    CHECK(ptm_converter_reset(NULL) == PTM_ERR_ARGUMENT, "reset(NULL)");
    CHECK(ptm_converter_reset(delta) == PTM_OK, "reset of a delta converter: nothing to forget");

    ptm_converter_free(converter);
    ptm_converter_free(delta);
    CHECK(counter.live == 0 && delta_counter.live == 0, "everything freed");
    set_free(&before);
    set_free(&after);
    set_free(&expected);
    free(all);
    for (int i = 0; i < 3; i++)
        free(buffers[i]);
    return check_report();
}
