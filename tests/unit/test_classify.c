/*
 * test_classify.c: which metric a profile's samples feed, and by what factor
 * (src/convert/classify.c), against docs/semantics.md's "Sample types" table
 * row by row: the sample type (type, unit), the period type and period of
 * count-based CPU profiles, time units and their spellings, the memory
 * types, custom sample types from the configuration, types no metric takes
 * (skipped), a count-based profile without a period (invalid), the
 * count-based twin of a direct CPU profile in one scope (skipped: no double
 * counting) and the since-start sums of a Go heap profile.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "base/arena.h"
#include "base/status.h"
#include "convert/classify.h"

/* The strings the profiles below name, by index (0 is "" as in OTLP). */
static const char *const strings[] = {
    "", "cpu", "nanoseconds", "milliseconds", "samples", "count", "itimer", "microseconds",
    "off_cpu", "wall", "seconds", "alloc_space", "bytes", "allocated_space", "space", "alloc-size",
    "alloc_objects", "allocated_objects", "inuse_space", "inuse_objects", "lock_wait", "ns", "us",
    "ms", "s", "contentions",
};
enum { STRING_COUNT = sizeof strings / sizeof strings[0] };

static int32_t at(const char *text)
{
    for (int32_t i = 0; i < STRING_COUNT; i++) {
        if (strcmp(strings[i], text) == 0)
            return i;
    }
    return -1;
}

typedef struct fixture {
    ptm_config config;
    metric_table table;
    profile_dictionary dictionary;
    byte_slice slices[STRING_COUNT];
} fixture;

static bool fixture_init(fixture *f, const char *config_json)
{
    memset(f, 0, sizeof *f);
    ptm_status status;
    status_init(&status);
    if (config_parse(&f->config, config_json, strlen(config_json), &libc_allocator, &status) != PTM_OK) {
        fprintf(stderr, "config: %s\n", status.message);
        return false;
    }
    for (int i = 0; i < STRING_COUNT; i++)
        f->slices[i] = (byte_slice){(const uint8_t *)strings[i], strlen(strings[i])};
    f->dictionary.strings = (arena_vector){.items = f->slices, .count = STRING_COUNT, .capacity = STRING_COUNT};
    return metric_table_build(&f->table, &f->config);
}

/* A profile of sample type (type, unit); with a period type when period_type is not NULL. */
static decoded_profile profile_of(const char *type, const char *unit, const char *period_type,
                                  const char *period_unit, int64_t period, uint64_t duration)
{
    decoded_profile p = {.type_strindex = at(type), .unit_strindex = at(unit), .period = period,
                         .time_unix_nano = 1767225600000000000u, .duration_nano = duration};
    if (period_type != NULL) {
        p.has_period_type = true;
        p.period_type_strindex = at(period_type);
        p.period_unit_strindex = at(period_unit);
    }
    return p;
}

/* The plan of one profile alone in its scope. */
static profile_plan plan_alone(const fixture *f, decoded_profile profile)
{
    profile_plan plan;
    classify_scope(&f->table, &f->config, &f->dictionary, &profile, 1, &plan);
    return plan;
}

static const char *metric_name(const fixture *f, int32_t metric)
{
    return metric >= 0 ? f->table.items[metric].name : "(none)";
}

/* A row of the table: the profile is kept, feeds metric, value × multiplier. */
static void expect_kept(const fixture *f, decoded_profile profile, const char *metric, int64_t multiplier,
                        const char *row)
{
    profile_plan plan = plan_alone(f, profile);
    CHECK(plan.disposition == PLAN_KEEP, row);
    CHECK(strcmp(metric_name(f, plan.base_metric), metric) == 0, row);
    CHECK(plan.multiplier == multiplier, row);
    if (plan.disposition != PLAN_KEEP || strcmp(metric_name(f, plan.base_metric), metric) != 0 ||
        plan.multiplier != multiplier)
        fprintf(stderr, "  %s: %d %s x%lld\n", row, plan.disposition, metric_name(f, plan.base_metric),
                (long long)plan.multiplier);
}

static void test_time_types(const fixture *f)
{
    expect_kept(f, profile_of("cpu", "nanoseconds", NULL, NULL, 0, 0), "profile.cpu.time", 1, "cpu/nanoseconds");
    expect_kept(f, profile_of("cpu", "milliseconds", NULL, NULL, 0, 0), "profile.cpu.time", 1000000, "cpu/milliseconds");
    expect_kept(f, profile_of("cpu", "us", NULL, NULL, 0, 0), "profile.cpu.time", 1000, "cpu/us");
    expect_kept(f, profile_of("off_cpu", "nanoseconds", NULL, NULL, 0, 0), "profile.off_cpu.time", 1, "off_cpu/ns");
    expect_kept(f, profile_of("wall", "seconds", NULL, NULL, 0, 0), "profile.wall.time", 1000000000, "wall/seconds");
    expect_kept(f, profile_of("wall", "ms", NULL, NULL, 0, 0), "profile.wall.time", 1000000, "wall/ms");
}

static void test_count_based_cpu(const fixture *f)
{
    expect_kept(f, profile_of("samples", "count", "cpu", "nanoseconds", 10000000, 0), "profile.cpu.time", 10000000,
                "samples/count, period cpu/nanoseconds 10 ms");
    expect_kept(f, profile_of("cpu", "count", "cpu", "microseconds", 5, 0), "profile.cpu.time", 5000,
                "cpu/count, period cpu/microseconds 5");
    expect_kept(f, profile_of("itimer", "count", "itimer", "ns", 1000, 0), "profile.cpu.time", 1000,
                "itimer/count, period itimer/ns (async-profiler)");
    expect_kept(f, profile_of("samples", "count", "", "ms", 10, 0), "profile.cpu.time", 10000000,
                "samples/count, a period type with no name and a time unit (py-spy)");
    profile_plan no_period = plan_alone(f, profile_of("samples", "count", "cpu", "nanoseconds", 0, 0));
    CHECK(no_period.disposition == PLAN_INVALID, "a count-based CPU profile whose period is 0: invalid");
    profile_plan negative = plan_alone(f, profile_of("samples", "count", "cpu", "nanoseconds", -5, 0));
    CHECK(negative.disposition == PLAN_INVALID, "a count-based CPU profile whose period is negative: invalid");
}

static void test_memory_types(const fixture *f)
{
    const uint64_t window = 10000000000u; /* a duration: not since the start */
    expect_kept(f, profile_of("alloc_space", "bytes", NULL, NULL, 0, window), "profile.memory.allocated", 1, "alloc_space");
    expect_kept(f, profile_of("allocated_space", "bytes", NULL, NULL, 0, window), "profile.memory.allocated", 1, "allocated_space");
    expect_kept(f, profile_of("space", "bytes", NULL, NULL, 0, window), "profile.memory.allocated", 1, "space");
    expect_kept(f, profile_of("alloc-size", "bytes", NULL, NULL, 0, window), "profile.memory.allocated", 1, "alloc-size");
    expect_kept(f, profile_of("alloc_objects", "count", NULL, NULL, 0, window), "profile.memory.allocations", 1, "alloc_objects");
    expect_kept(f, profile_of("allocated_objects", "count", NULL, NULL, 0, window), "profile.memory.allocations", 1,
                "allocated_objects");
    expect_kept(f, profile_of("inuse_space", "bytes", NULL, NULL, 0, 0), "profile.memory.inuse", 1, "inuse_space");
    expect_kept(f, profile_of("inuse_objects", "count", NULL, NULL, 0, 0), "profile.memory.inuse_objects", 1, "inuse_objects");
    profile_plan inuse = plan_alone(f, profile_of("inuse_space", "bytes", NULL, NULL, 0, 0));
    CHECK(inuse.base_metric >= 0 && f->table.items[inuse.base_metric].gauge, "in-use memory is a gauge");
}

static void test_unknown_types(const fixture *f)
{
    CHECK(plan_alone(f, profile_of("lock_wait", "nanoseconds", NULL, NULL, 0, 0)).disposition == PLAN_SKIP,
          "a type no metric takes: skipped");
    CHECK(plan_alone(f, profile_of("contentions", "count", NULL, NULL, 0, 0)).disposition == PLAN_SKIP,
          "contentions without a configured sample type: skipped");
    CHECK(plan_alone(f, profile_of("cpu", "bytes", NULL, NULL, 0, 0)).disposition == PLAN_SKIP,
          "cpu in a unit that is not time: skipped");
}

/* One scope with a direct CPU profile and its count-based twin (pprof's
 * samples/count + cpu/nanoseconds pair): the twin is skipped. */
static void test_no_double_counting(const fixture *f)
{
    decoded_profile scope[2] = {profile_of("samples", "count", "cpu", "nanoseconds", 10000000, 0),
                                profile_of("cpu", "nanoseconds", "cpu", "nanoseconds", 10000000, 0)};
    profile_plan plans[2];
    classify_scope(&f->table, &f->config, &f->dictionary, scope, 2, plans);
    CHECK(plans[0].disposition == PLAN_SKIP, "the count-based twin of a direct CPU profile: skipped");
    CHECK(plans[1].disposition == PLAN_KEEP && strcmp(metric_name(f, plans[1].base_metric), "profile.cpu.time") == 0,
          "the direct CPU profile: kept");
    profile_plan alone = plan_alone(f, scope[0]);
    CHECK(alone.disposition == PLAN_KEEP, "alone in its scope, the count-based one is kept");
}

/* A Go heap profile's scope: in-use types, and alloc_* with no duration,
 * which count since the process started. */
static void test_since_start(const fixture *f)
{
    decoded_profile scope[3] = {profile_of("alloc_space", "bytes", NULL, NULL, 0, 0),
                                profile_of("alloc_objects", "count", NULL, NULL, 0, 0),
                                profile_of("inuse_space", "bytes", NULL, NULL, 0, 0)};
    profile_plan plans[3];
    classify_scope(&f->table, &f->config, &f->dictionary, scope, 3, plans);
    CHECK(plans[0].since_start && plans[1].since_start, "alloc_* beside in-use types, no duration: since the start");
    CHECK(!plans[2].since_start, "in-use memory: a gauge, not since the start");
    CHECK(plans[0].base_metric >= 0 && f->table.items[plans[0].base_metric].since_start,
          "the since-start twin of allocated bytes");
    CHECK(plans[0].base_metric >= 0 && strcmp(metric_name(f, plans[0].base_metric), "profile.memory.allocated") == 0,
          "same name as the summed metric");
    scope[0].duration_nano = 10000000000u;
    classify_scope(&f->table, &f->config, &f->dictionary, scope, 3, plans);
    CHECK(!plans[0].since_start, "with a duration: a window's allocations, summed");
    decoded_profile alone = profile_of("alloc_space", "bytes", NULL, NULL, 0, 0);
    CHECK(!plan_alone(f, alone).since_start, "without in-use types in its scope: summed");
}

static void test_custom_type(void)
{
    fixture f;
    CHECK(fixture_init(&f, "{\"sample_types\": [{\"type\": \"contentions\", \"unit\": \"count\", "
                           "\"metric_name\": \"profile.lock.contentions\", \"metric_unit\": \"{contention}\"}]}"),
          "config with a custom sample type");
    expect_kept(&f, profile_of("contentions", "count", NULL, NULL, 0, 0), "profile.lock.contentions", 1,
                "a configured sample type");
    CHECK(plan_alone(&f, profile_of("lock_wait", "nanoseconds", NULL, NULL, 0, 0)).disposition == PLAN_SKIP,
          "another type: still skipped");
    config_free(&f.config);
}

int main(void)
{
    static fixture f;
    CHECK(fixture_init(&f, "{}"), "the default configuration");
    test_time_types(&f);
    test_count_based_cpu(&f);
    test_memory_types(&f);
    test_unknown_types(&f);
    test_no_double_counting(&f);
    test_since_start(&f);
    config_free(&f.config);
    test_custom_type();
    return check_report();
}
