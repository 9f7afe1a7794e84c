/*
 * fuzz_common.h: what the libFuzzer targets (fuzz_protobuf.c, fuzz_json.c, fuzz_pprof.c,
 * fuzz_config.c) share: the configurations the input's first byte picks
 * from, and the checks every conversion must pass. A failed check prints
 * "fuzz: CHECK-NAME: detail" and aborts, which libFuzzer reports as a crash
 * and saves the input.
 *
 * Checks (names in brackets):
 *  - [stats]        samples_total = kept + filtered + invalid + skipped;
 *  - [result]       ptm_convert returns OK, INPUT, LIMIT (or NOMEM), nothing else;
 *  - [message]      a failure leaves a non-empty one-line message (no '\n' or
 *                   '\r'), starting "input: ", "input line " or "input block "
 *                   for INPUT and LIMIT; the refused requests of a success,
 *                   each naming its line (or block, length-prefixed input);
 *  - [determinism]  the same input converted again on the same converter gives
 *                   the same bytes (nothing leaks from one call into the next);
 *  - [stream]       the input fed in pieces (ptm_convert_begin/_feed/_finish,
 *                   the piece size drawn from the input) gives ptm_convert's
 *                   result, message, bytes and stats (for inputs within
 *                   max_input_bytes, which bounds each request of a stream);
 *  - [otlp]         protobuf output is a well-formed ExportMetricsServiceRequest
 *                   (every field of the metrics schema with its wire type, all
 *                   lengths inside their message, one of gauge/sum per metric,
 *                   one of as_double/as_int per point), and holds stats.series
 *                   data points;
 *  - [json]         JSON output is one line (none for an empty input), one JSON
 *                   object with a "resourceMetrics" array, stats.series
 *                   dataPoints in all;
 *  - [prom]         Prometheus output follows the 0.0.4 grammar line by line
 *                   (HELP, TYPE, then samples of that family; label values
 *                   escaped, a number) and has at most stats.series samples
 *                   (a gauge series is written once, its latest snapshot);
 *  - [prom-duplicate-series] no two samples with the same name and labels
 *                   (an exposition holds each series once);
 *  - [prom-label-name] every label name matches [a-zA-Z_][a-zA-Z0-9_]* (not
 *                   empty);
 *  - [prom-duplicate-label] no label name twice in one sample (Prometheus
 *                   refuses such a sample at ingestion).
 *
 * (fuzz_config.c adds config-result, config-message, config-message-lines,
 * config-leak and config-request.)
 *
 * PTM_FUZZ_TOLERATE=name,name... (environment) turns named checks off, so that
 * a long run can go on past a bug already reported (the crash input is in
 * tests/regression/ by then).
 */
#ifndef PTM_FUZZ_COMMON_H
#define PTM_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "ptm.h"

/* ---- configurations ------------------------------------------------------ */

/* The first byte of a protobuf or JSON fuzz input: format = b % 3,
 * configuration = (b / 3) % FUZZ_CONFIG_COUNT. */
static const char *const fuzz_configs[] = {
    /* 0: every stage on: literal and regex attributes, thread and pattern
     * filters, top_n, a small cardinality limit. */
    "{\"attributes\":[{\"key\":\"k\",\"value\":\"v\",\"type\":\"literal\"},"
    "{\"key\":\"build\",\"value\":\"v(\\\\d+)\",\"type\":\"regex\"}],"
    "\"thread_filter\":{\"enabled\":true,\"exclude_patterns\":[\"^idle$\"]},"
    "\"pattern_filter\":{\"enabled\":true,\"exclude_patterns\":[\"never-matches-\\\\d{9}\"]},"
    "\"metrics\":{\"function\":{\"top_n\":5}},\"cardinality_limit\":50}",
    /* 1: the defaults. */
    "",
    /* 2: include filters, custom sample types (one remapping off_cpu into a
     * gauge), scaled units, a cardinality limit of 1, top_n 1, no self. */
    "{\"process_filter\":{\"patterns\":[\"^[a-m]\",\"python|java|node\"],\"exclude_patterns\":[\"^x\"]},"
    "\"thread_filter\":{\"pattern\":\".\"},"
    "\"sample_types\":[{\"type\":\"contentions\",\"unit\":\"count\",\"metric_name\":\"lock.contentions\"},"
    "{\"type\":\"off_cpu\",\"unit\":\"nanoseconds\",\"metric_name\":\"custom.off\",\"metric_unit\":\"ms\",\"gauge\":true},"
    "{\"type\":\"alloc_space\",\"unit\":\"bytes\",\"metric_name\":\"custom.alloc\"}],"
    "\"metrics\":{\"cpu\":{\"unit\":\"ms\"},\"memory\":{\"unit\":\"KiBy\"},\"inuse\":{\"unit\":\"MiBy\"},"
    "\"function\":{\"self\":false,\"top_n\":1}},\"cardinality_limit\":1}",
    /* 3: most metrics off, a regex attribute without a group, one that
     * backtracks, a pattern filter that excludes by function name. */
    "{\"metrics\":{\"cpu\":{\"enabled\":false},\"wall\":{\"enabled\":false},"
    "\"allocations\":{\"metric_name\":\"allocs\",\"unit\":\"{a}\"},\"function\":{\"total\":false}},"
    "\"attributes\":[{\"key\":\"word\",\"value\":\"[a-z]+\\\\.[a-z]+\",\"type\":\"regex\"},"
    "{\"key\":\"slow\",\"value\":\"(a+)+$\",\"type\":\"regex\"},{\"key\":\"empty\",\"value\":\"\"}],"
    "\"pattern_filter\":{\"exclude_patterns\":[\"^runtime\\\\.\",\"gc\"]}}",
};
#define FUZZ_CONFIG_COUNT (sizeof fuzz_configs / sizeof fuzz_configs[0])

/* One converter per configuration, built on first use and kept, as a host
 * would; each target is an executable of its own, so each has its own
 * (fuzz_pprof sets their input format). */
static ptm_converter *fuzz_converter(unsigned variant)
{
    static ptm_converter *converters[FUZZ_CONFIG_COUNT];
    variant %= FUZZ_CONFIG_COUNT;
    if (converters[variant] == NULL) {
        char error[256];
        const char *config = fuzz_configs[variant];
        if (ptm_converter_create(config, strlen(config), NULL, &converters[variant], error,
                                 sizeof error) != PTM_OK) {
            fprintf(stderr, "fuzz: configuration %u refused: %s\n", variant, error);
            abort();
        }
    }
    return converters[variant];
}

/* ---- failing -------------------------------------------------------------- */

static bool fuzz_tolerates(const char *check)
{
    const char *list = getenv("PTM_FUZZ_TOLERATE");
    size_t length = strlen(check);
    while (list != NULL && *list != '\0') {
        const char *end = strchr(list, ',');
        size_t item = end ? (size_t)(end - list) : strlen(list);
        if (item == length && memcmp(list, check, length) == 0)
            return true;
        list = end ? end + 1 : NULL;
    }
    return false;
}

static void fuzz_fail(const char *check, const char *detail, const void *text, size_t size)
{
    if (fuzz_tolerates(check))
        return;
    fprintf(stderr, "fuzz: %s: %s", check, detail);
    if (text != NULL) {
        fputs(": \"", stderr);
        const unsigned char *bytes = text;
        for (size_t i = 0; i < size && i < 300; i++)
            fprintf(stderr, bytes[i] >= 0x20 && bytes[i] < 0x7f && bytes[i] != '"' ? "%c" : "\\x%02x",
                    bytes[i]);
        fputs(size > 300 ? "\"..." : "\"", stderr);
    }
    fputc('\n', stderr);
    abort();
}

/* ---- the metrics protobuf ------------------------------------------------- */

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };
enum {
    M_REQUEST, M_RESOURCE_METRICS, M_RESOURCE, M_SCOPE_METRICS, M_SCOPE, M_METRIC, M_GAUGE, M_SUM,
    M_POINT, M_KEY_VALUE, M_ANY_VALUE, M_ARRAY, M_KV_LIST,
    K_STRING = 100, K_BYTES, K_VARINT, K_I64
};

typedef struct pb_field_spec {
    int message, number, kind;
} pb_field_spec;

/* opentelemetry.proto.metrics.v1, the parts ptm writes. */
static const pb_field_spec pb_metrics_schema[] = {
    {M_REQUEST, 1, M_RESOURCE_METRICS},
    {M_RESOURCE_METRICS, 1, M_RESOURCE}, {M_RESOURCE_METRICS, 2, M_SCOPE_METRICS},
    {M_RESOURCE_METRICS, 3, K_STRING},
    {M_RESOURCE, 1, M_KEY_VALUE}, {M_RESOURCE, 2, K_VARINT},
    {M_SCOPE_METRICS, 1, M_SCOPE}, {M_SCOPE_METRICS, 2, M_METRIC}, {M_SCOPE_METRICS, 3, K_STRING},
    {M_SCOPE, 1, K_STRING}, {M_SCOPE, 2, K_STRING}, {M_SCOPE, 3, M_KEY_VALUE}, {M_SCOPE, 4, K_VARINT},
    {M_METRIC, 1, K_STRING}, {M_METRIC, 2, K_STRING}, {M_METRIC, 3, K_STRING},
    {M_METRIC, 5, M_GAUGE}, {M_METRIC, 7, M_SUM},
    {M_GAUGE, 1, M_POINT},
    {M_SUM, 1, M_POINT}, {M_SUM, 2, K_VARINT}, {M_SUM, 3, K_VARINT},
    {M_POINT, 2, K_I64}, {M_POINT, 3, K_I64}, {M_POINT, 4, K_I64}, {M_POINT, 6, K_I64},
    {M_POINT, 7, M_KEY_VALUE}, {M_POINT, 8, K_VARINT},
    {M_KEY_VALUE, 1, K_STRING}, {M_KEY_VALUE, 2, M_ANY_VALUE},
    {M_ANY_VALUE, 1, K_STRING}, {M_ANY_VALUE, 2, K_VARINT}, {M_ANY_VALUE, 3, K_VARINT},
    {M_ANY_VALUE, 4, K_I64}, {M_ANY_VALUE, 5, M_ARRAY}, {M_ANY_VALUE, 6, M_KV_LIST},
    {M_ANY_VALUE, 7, K_BYTES},
    {M_ARRAY, 1, M_ANY_VALUE}, {M_KV_LIST, 1, M_KEY_VALUE},
};

static bool pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *value)
{
    *value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return false;
        uint8_t byte = *(*p)++;
        *value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return true;
    }
    return false;
}

/* Walks one message; counts data points into *points. */
static void pb_check_message(int message, const uint8_t *p, const uint8_t *end, int depth,
                             uint64_t *points)
{
    if (depth > 200)
        fuzz_fail("otlp", "nesting deeper than 200", NULL, 0);
    int metric_data = 0, point_values = 0;
    while (p < end) {
        uint64_t key;
        if (!pb_varint(&p, end, &key))
            fuzz_fail("otlp", "truncated tag", NULL, 0);
        int number = (int)(key >> 3), wire = (int)(key & 7), kind = -1;
        for (size_t i = 0; i < sizeof pb_metrics_schema / sizeof pb_metrics_schema[0]; i++) {
            if (pb_metrics_schema[i].message == message && pb_metrics_schema[i].number == number)
                kind = pb_metrics_schema[i].kind;
        }
        if (kind < 0) {
            char detail[80];
            snprintf(detail, sizeof detail, "message %d has an unexpected field %d", message, number);
            fuzz_fail("otlp", detail, NULL, 0);
        }
        int expected = kind == K_VARINT ? WIRE_VARINT : kind == K_I64 ? WIRE_I64 : WIRE_LEN;
        if (wire != expected)
            fuzz_fail("otlp", "a field with the wrong wire type", NULL, 0);
        uint64_t value;
        if (wire == WIRE_VARINT) {
            if (!pb_varint(&p, end, &value))
                fuzz_fail("otlp", "truncated varint", NULL, 0);
        } else if (wire == WIRE_I64) {
            if (end - p < 8)
                fuzz_fail("otlp", "truncated fixed64", NULL, 0);
            p += 8;
        } else {
            if (!pb_varint(&p, end, &value) || value > (uint64_t)(end - p))
                fuzz_fail("otlp", "a length past the end of its message", NULL, 0);
            if (kind < K_STRING)
                pb_check_message(kind, p, p + value, depth + 1, points);
            p += value;
        }
        if (message == M_METRIC && (number == 5 || number == 7))
            metric_data++;
        if (message == M_POINT && (number == 4 || number == 6))
            point_values++;
    }
    if (message == M_METRIC && metric_data != 1)
        fuzz_fail("otlp", "a metric without exactly one of gauge and sum", NULL, 0);
    if (message == M_POINT) {
        if (point_values != 1)
            fuzz_fail("otlp", "a data point without exactly one of as_double and as_int", NULL, 0);
        (*points)++;
    }
}

/* ---- OTLP/JSON -------------------------------------------------------------- */

static uint64_t json_count_points(const cJSON *item)
{
    uint64_t count = 0;
    for (const cJSON *child = item ? item->child : NULL; child != NULL; child = child->next) {
        if (child->string != NULL && strcmp(child->string, "dataPoints") == 0 && cJSON_IsArray(child))
            count += (uint64_t)cJSON_GetArraySize(child);
        else
            count += json_count_points(child);
    }
    return count;
}

static void json_check(const uint8_t *out, size_t size, const ptm_stats *stats)
{
    if (size > 0 && out[size - 1] != '\n')
        fuzz_fail("json", "output does not end with a newline", out, size);
    uint64_t lines = 0, points = 0;
    for (size_t start = 0; start < size;) {
        const uint8_t *newline = memchr(out + start, '\n', size - start);
        size_t length = (size_t)(newline - (out + start));
        const char *end = NULL;
        cJSON *line = cJSON_ParseWithLengthOpts((const char *)out + start, length, &end, false);
        if (line == NULL || end != (const char *)out + start + length || !cJSON_IsObject(line) ||
            !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(line, "resourceMetrics")))
            fuzz_fail("json", "a line is not one object with a resourceMetrics array", out + start,
                      length);
        points += json_count_points(line);
        cJSON_Delete(line);
        lines++;
        start += length + 1;
    }
    if (lines != (stats->requests > 0 || stats->series > 0 ? 1u : 0u))
        fuzz_fail("json", "not one line for the whole input", NULL, 0);
    if (points != stats->series)
        fuzz_fail("json", "dataPoints differ from stats.series", NULL, 0);
}

/* ---- Prometheus text -------------------------------------------------------- */

static bool prom_name_char(uint8_t ch, bool first, bool colon)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
           (colon && ch == ':') || (!first && ch >= '0' && ch <= '9');
}

/* Length of the name at text, 0 when there is none. */
static size_t prom_name(const uint8_t *text, size_t size, bool colon)
{
    size_t i = 0;
    while (i < size && prom_name_char(text[i], i == 0, colon))
        i++;
    return i;
}

static bool prom_value(const uint8_t *text, size_t size)
{
    char buffer[64];
    if (size == 0 || size >= sizeof buffer)
        return false;
    memcpy(buffer, text, size);
    buffer[size] = '\0';
    if (strcmp(buffer, "NaN") == 0 || strcmp(buffer, "+Inf") == 0 || strcmp(buffer, "-Inf") == 0)
        return true;
    if (strpbrk(buffer, "nNiI") != NULL) /* strtod would take nan, inf, infinity */
        return false;
    char *end;
    strtod(buffer, &end);
    return *end == '\0';
}

static void prom_check_sample(const uint8_t *line, size_t size, const uint8_t *family,
                              size_t family_size)
{
    size_t name = prom_name(line, size, true);
    if (name == 0 || name != family_size || memcmp(line, family, name) != 0)
        fuzz_fail("prom", "a sample outside its family (or before any TYPE)", line, size);
    size_t i = name;
    const uint8_t *labels[64];
    size_t label_sizes[64], label_count = 0;
    if (i < size && line[i] == '{') {
        i++;
        for (;;) {
            size_t label = prom_name(line + i, size - i, false);
            if (label == 0)
                fuzz_fail("prom-label-name", "a label without a valid name", line, size);
            if (label_count < 64) {
                labels[label_count] = line + i;
                label_sizes[label_count++] = label;
            }
            i += label;
            if (size - i < 2 || line[i] != '=' || line[i + 1] != '"')
                fuzz_fail("prom", "a label without =\"", line, size);
            i += 2;
            while (i < size && line[i] != '"') {
                if (line[i] == '\\') {
                    if (i + 1 >= size || (line[i + 1] != '\\' && line[i + 1] != '"' && line[i + 1] != 'n'))
                        fuzz_fail("prom", "a bad escape in a label value", line, size);
                    i++;
                }
                i++;
            }
            if (i >= size)
                fuzz_fail("prom", "an unterminated label value", line, size);
            i++;
            if (i < size && line[i] == ',') {
                i++;
                continue;
            }
            if (i < size && line[i] == '}') {
                i++;
                break;
            }
            fuzz_fail("prom", "labels not ended by }", line, size);
        }
    }
    if (i >= size || line[i] != ' ')
        fuzz_fail("prom", "no space before the value", line, size);
    i++;
    const uint8_t *space = memchr(line + i, ' ', size - i);
    size_t value_size = space ? (size_t)(space - (line + i)) : size - i;
    if (!prom_value(line + i, value_size))
        fuzz_fail("prom", "a value that is not a Prometheus number", line, size);
    if (space != NULL) {
        const uint8_t *t = space + 1;
        size_t rest = size - (size_t)(t - line);
        for (size_t k = 0; k < rest; k++) {
            if ((t[k] < '0' || t[k] > '9') && !(k == 0 && t[k] == '-'))
                fuzz_fail("prom", "a bad timestamp", line, size);
        }
    }
    for (size_t a = 0; a < label_count; a++) {
        for (size_t b = 0; b < a; b++) {
            if (label_sizes[a] == label_sizes[b] && memcmp(labels[a], labels[b], label_sizes[a]) == 0)
                fuzz_fail("prom-duplicate-label", "a label name twice in one sample", line, size);
        }
    }
}

/* The last space in [begin, end): where a sample line's value starts. */
static const uint8_t *strrchr_bounded(const uint8_t *begin, const uint8_t *end)
{
    const uint8_t *space = end;
    while (space > begin && space[-1] != ' ')
        space--;
    return space > begin ? space - 1 : end;
}

/* A sample line's series: the name and labels, before the value. */
static int compare_series_text(const void *a, const void *b)
{
    const uint8_t *const *x = a, *const *y = b;
    const uint8_t *x_end = (const uint8_t *)strrchr_bounded(x[0], x[1]);
    const uint8_t *y_end = (const uint8_t *)strrchr_bounded(y[0], y[1]);
    size_t x_size = (size_t)(x_end - x[0]), y_size = (size_t)(y_end - y[0]);
    int order = memcmp(x[0], y[0], x_size < y_size ? x_size : y_size);
    return order != 0 ? order : (x_size > y_size) - (x_size < y_size);
}

static void prom_check_unique(const uint8_t **lines, uint64_t count)
{
    qsort(lines, (size_t)count, 2 * sizeof *lines, compare_series_text);
    for (uint64_t i = 1; i < count; i++) {
        if (compare_series_text(&lines[2 * (i - 1)], &lines[2 * i]) == 0)
            fuzz_fail("prom-duplicate-series", "a series written twice", lines[2 * i],
                      (size_t)(lines[2 * i + 1] - lines[2 * i]));
    }
}

static void prom_check(const uint8_t *out, size_t size, const ptm_stats *stats)
{
    /* [begin, end) of every sample line, for the duplicate check. */
    const uint8_t **lines = malloc(((size_t)stats->series + 1) * 2 * sizeof *lines);
    if (lines == NULL)
        abort();
    if (size > 0 && out[size - 1] != '\n')
        fuzz_fail("prom", "output does not end with a newline", NULL, 0);
    const uint8_t *family = NULL;
    size_t family_size = 0;
    uint64_t samples = 0;
    for (size_t start = 0; start < size;) {
        const uint8_t *line = out + start;
        size_t length = (size_t)((const uint8_t *)memchr(line, '\n', size - start) - line);
        start += length + 1;
        if (length >= 7 && memcmp(line, "# HELP ", 7) == 0) {
            if (prom_name(line + 7, length - 7, true) == 0)
                fuzz_fail("prom", "HELP without a metric name", line, length);
        } else if (length >= 7 && memcmp(line, "# TYPE ", 7) == 0) {
            family = line + 7;
            family_size = prom_name(family, length - 7, true);
            const uint8_t *type = family + family_size;
            size_t type_size = length - 7 - family_size;
            if (family_size == 0 ||
                !((type_size == 8 && memcmp(type, " counter", 8) == 0) ||
                  (type_size == 6 && memcmp(type, " gauge", 6) == 0)))
                fuzz_fail("prom", "a bad TYPE line", line, length);
        } else if (length == 0 || line[0] == '#') {
            fuzz_fail("prom", "an empty line or an unknown comment", line, length);
        } else {
            prom_check_sample(line, length, family, family_size);
            if (samples >= stats->series)
                fuzz_fail("prom", "more samples than stats.series", line, length);
            lines[2 * samples] = line;
            lines[2 * samples + 1] = line + length;
            samples++;
        }
    }
    prom_check_unique(lines, samples);
    free(lines);
}

/* ---- one conversion, every check ------------------------------------------- */

static void fuzz_check_stats(const ptm_stats *stats)
{
    if (stats->samples_total != stats->samples_kept + stats->samples_filtered +
                                    stats->samples_invalid + stats->samples_skipped)
        fuzz_fail("stats", "samples_total != kept + filtered + invalid + skipped", NULL, 0);
}

static void fuzz_check_message(const char *message, ptm_result result)
{
    if (message == NULL || message[0] == '\0')
        fuzz_fail("message", "a failure without a message", NULL, 0);
    if (strchr(message, '\n') != NULL || strchr(message, '\r') != NULL)
        fuzz_fail("message", "a message of more than one line", message, strlen(message));
    if ((result == PTM_ERR_INPUT || result == PTM_ERR_LIMIT) && strncmp(message, "input: ", 7) != 0 &&
        strncmp(message, "input line ", 11) != 0 && strncmp(message, "input block ", 12) != 0)
        fuzz_fail("message", "an input error not starting \"input: \", \"input line \" or \"input block \"",
                  message, strlen(message));
}

/* The requests a successful conversion refused: the first 64 named, each
 * one line starting "input line " (or "input block "). */
static void fuzz_check_refused(const ptm_converter *converter, const ptm_stats *stats)
{
    uint64_t named = 0;
    for (const char *message; (message = ptm_converter_refused_request(converter, named)) != NULL; named++) {
        fuzz_check_message(message, PTM_ERR_INPUT);
        if (strncmp(message, "input line ", 11) != 0 && strncmp(message, "input block ", 12) != 0)
            fuzz_fail("refused", "a refusal not naming its line or block", message, strlen(message));
    }
    if (named != (stats->requests_invalid < 64 ? stats->requests_invalid : 64))
        fuzz_fail("refused", "named refusals differ from stats.requests_invalid (first 64)", NULL, 0);
}

static void fuzz_check_output(ptm_format format, const uint8_t *out, size_t size,
                              const ptm_stats *stats)
{
    fuzz_check_stats(stats);
    if (format == PTM_FORMAT_OTLP_PROTOBUF) {
        uint64_t points = 0;
        pb_check_message(M_REQUEST, out, out + size, 0, &points);
        if (points != stats->series)
            fuzz_fail("otlp", "data points differ from stats.series", NULL, 0);
    } else if (format == PTM_FORMAT_OTLP_JSON) {
        json_check(out, size, stats);
    } else {
        prom_check(out, size, stats);
    }
}

/* Converts input twice on converter and checks everything. Returns the
 * result of the conversion. */
/* [stream]: expected* are ptm_convert's (copies: the stream's calls free them). */
static void fuzz_check_stream(ptm_converter *converter, const uint8_t *input, size_t size, ptm_format format,
                              ptm_result expected, const char *expected_message, const uint8_t *expected_output,
                              size_t expected_size, const ptm_stats *expected_stats)
{
    if (fuzz_tolerates("stream") || size > ptm_converter_max_input_bytes(converter))
        return; /* past max_input_bytes the two differ on purpose: streaming bounds each request */
    size_t piece = 1 + (size > 0 ? input[size / 2] % 61u : 0);
    ptm_converter_reset(converter);
    ptm_convert_begin(converter, size % 2 ? size : PTM_INPUT_SIZE_UNKNOWN);
    for (size_t at = 0; at < size; at += piece)
        ptm_convert_feed(converter, input + at, size - at < piece ? size - at : piece);
    const uint8_t *output = NULL;
    size_t output_size = 0;
    ptm_stats stats;
    ptm_result result = ptm_convert_finish(converter, format, &output, &output_size, &stats);
    bool same = result == expected && strcmp(ptm_converter_last_error(converter), expected_message) == 0 &&
                output_size == expected_size && (output_size == 0 || memcmp(output, expected_output, output_size) == 0) &&
                memcmp(&stats, expected_stats, sizeof stats) == 0;
    if (!same)
        fuzz_fail("stream", "the input fed in pieces converts differently", NULL, 0);
}

static ptm_result fuzz_convert_and_check(ptm_converter *converter, const uint8_t *input,
                                         size_t size, ptm_format format)
{
    const uint8_t *output = NULL;
    size_t output_size = 0;
    ptm_stats stats;
    /* A cumulative converter starts each check from no state, so that the
     * second conversion below must give the same bytes (delta: no-op). */
    ptm_converter_reset(converter);
    ptm_result result = ptm_convert(converter, input, size, format, &output, &output_size, &stats);
    if (result != PTM_OK) {
        if (result != PTM_ERR_INPUT && result != PTM_ERR_LIMIT && result != PTM_ERR_NOMEM) {
            char detail[64];
            snprintf(detail, sizeof detail, "ptm_convert returned %s", ptm_result_name(result));
            fuzz_fail("result", detail, NULL, 0);
        }
        if (output != NULL || output_size != 0)
            fuzz_fail("result", "output set on failure", NULL, 0);
        fuzz_check_message(ptm_converter_last_error(converter), result);
        char message[600];
        snprintf(message, sizeof message, "%s", ptm_converter_last_error(converter));
        fuzz_check_stream(converter, input, size, format, result, message, NULL, 0, &stats);
        return result;
    }
    if (output == NULL)
        fuzz_fail("result", "PTM_OK with a NULL output", NULL, 0);
    fuzz_check_output(format, output, output_size, &stats);
    fuzz_check_refused(converter, &stats);
    uint8_t *copy = malloc(output_size ? output_size : 1);
    memcpy(copy, output, output_size);
    size_t copy_size = output_size;
    if (!fuzz_tolerates("determinism")) {
        ptm_stats again_stats;
        ptm_converter_reset(converter);
        ptm_result again = ptm_convert(converter, input, size, format, &output, &output_size, &again_stats);
        bool same = again == PTM_OK && output_size == copy_size && memcmp(output, copy, copy_size) == 0 &&
                    memcmp(&stats, &again_stats, sizeof stats) == 0;
        if (!same)
            fuzz_fail("determinism", "a second conversion of the same input differs", NULL, 0);
    }
    fuzz_check_stream(converter, input, size, format, result, "", copy, copy_size, &stats);
    free(copy);
    return result;
}

#endif /* PTM_FUZZ_COMMON_H */
