/*
 * constants.c: ptm_constants_json(), the core's table of the names its hosts
 * use (issue 29): the results (src/base/status.h, PTM_RESULT_LIST), the
 * output and input formats and the ptm_stats fields (include/ptm.h) and the
 * ptm command's exit codes, as one static JSON text. The npm package and the
 * Collector connector read it when they load the core instead of retyping
 * it (as SQLite's wasm build exports sqlite3__wasm_enum_json). Every entry
 * is checked here against the definition it names: a value renumbered, a
 * stats field added, moved or renamed fails the build.
 */
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "ptm.h"

/* X(ENUM, NAME), in the order of their numbers: the names of
 * ptm_format (the ptm command's -f, npm's FORMATS) and ptm_input_format. */
#define PTM_FORMAT_LIST(FIRST, NEXT) \
    FIRST(PTM_FORMAT_OTLP_PROTOBUF, "otlp") \
    NEXT(PTM_FORMAT_OTLP_JSON, "json") \
    NEXT(PTM_FORMAT_PROMETHEUS, "prom") \
    NEXT(PTM_FORMAT_FOLDED, "folded") \
    NEXT(PTM_FORMAT_TOP, "top")
#define PTM_FORMAT_LAST PTM_FORMAT_TOP

#define PTM_INPUT_FORMAT_LIST(FIRST, NEXT) \
    FIRST(PTM_INPUT_AUTO, "auto") \
    NEXT(PTM_INPUT_OTLP, "otlp") \
    NEXT(PTM_INPUT_JSON, "json") \
    NEXT(PTM_INPUT_PPROF, "pprof")
#define PTM_INPUT_FORMAT_LAST PTM_INPUT_PPROF

/* X(INDEX, FIELD): the ptm_stats fields, each a uint64_t at INDEX * 8. */
#define PTM_STATS_LIST(FIRST, NEXT) \
    FIRST(0, requests) \
    NEXT(1, resources) \
    NEXT(2, profiles) \
    NEXT(3, samples_total) \
    NEXT(4, samples_kept) \
    NEXT(5, samples_filtered) \
    NEXT(6, samples_invalid) \
    NEXT(7, samples_skipped) \
    NEXT(8, series) \
    NEXT(9, overflowed) \
    NEXT(10, attributes_shadowed) \
    NEXT(11, pattern_limit_hits) \
    NEXT(12, requests_invalid) \
    NEXT(13, attributes_dropped)

/* X(ENUM, NAME, CODE): the ptm command's exit codes (ptm_exit_code):
 * "refused" when some requests or inputs were refused and the others
 * converted. */
#define PTM_EXIT_LIST(FIRST, NEXT) \
    FIRST(PTM_EXIT_OK, "ok", 0) \
    NEXT(PTM_EXIT_INPUT, "input", 1) \
    NEXT(PTM_EXIT_USAGE, "usage", 2) \
    NEXT(PTM_EXIT_RESOURCES, "resources", 3) \
    NEXT(PTM_EXIT_REFUSED, "refused", 4) \
    NEXT(PTM_EXIT_MEMORY_LIMIT, "memory_limit", 5)

/* Each enum list in the order of its numbers, with none left out at its
 * end: the place of each entry in its list (an enum of places) is its value. */
#define PLACE(name, ...) place_##name,
enum { PTM_RESULT_LIST(PLACE, PLACE) result_count };
enum { PTM_FORMAT_LIST(PLACE, PLACE) format_count };
enum { PTM_INPUT_FORMAT_LIST(PLACE, PLACE) input_format_count };
#undef PLACE
#define IN_PLACE(name, ...) _Static_assert((int)name == (int)place_##name, #name ": out of its place in the list");
PTM_RESULT_LIST(IN_PLACE, IN_PLACE)
PTM_FORMAT_LIST(IN_PLACE, IN_PLACE)
PTM_INPUT_FORMAT_LIST(IN_PLACE, IN_PLACE)
#undef IN_PLACE
#define RESULT_NUMBER(name, number, ...) _Static_assert(name == number, #name ": its number");
PTM_RESULT_LIST(RESULT_NUMBER, RESULT_NUMBER)
#undef RESULT_NUMBER
#define EXIT_NUMBER(name, text, code) _Static_assert(name == code, #name ": its number");
PTM_EXIT_LIST(EXIT_NUMBER, EXIT_NUMBER)
#undef EXIT_NUMBER
/* A result's exit code (status.h's list) is one of the list above. */
#define RESULT_EXIT_VALID(name, number, code, text, exit_code) \
    _Static_assert((exit_code) >= PTM_EXIT_OK && (exit_code) <= PTM_EXIT_MEMORY_LIMIT, #name ": its exit code");
PTM_RESULT_LIST(RESULT_EXIT_VALID, RESULT_EXIT_VALID)
#undef RESULT_EXIT_VALID
_Static_assert(result_count == PTM_ERR_MEMORY_LIMIT + 1, "PTM_RESULT_LIST: every ptm_result");
_Static_assert(format_count == PTM_FORMAT_LAST + 1, "PTM_FORMAT_LIST: every ptm_format");
_Static_assert(input_format_count == PTM_INPUT_FORMAT_LAST + 1, "PTM_INPUT_FORMAT_LIST: every ptm_input_format");

#define STATS_FIELD(index, field)                                                              \
    _Static_assert(offsetof(ptm_stats, field) == (index) * sizeof(uint64_t), #field ": its place"); \
    _Static_assert(sizeof(((ptm_stats *)0)->field) == sizeof(uint64_t), #field ": a u64");
PTM_STATS_LIST(STATS_FIELD, STATS_FIELD)
#undef STATS_FIELD
#define COUNT(...) +1
_Static_assert(sizeof(ptm_stats) == (0 PTM_STATS_LIST(COUNT, COUNT)) * sizeof(uint64_t),
               "PTM_STATS_LIST: every ptm_stats field");
#undef COUNT

/* The JSON text: each list an array (an object for the exit codes) in its
 * order; a FIRST entry has no comma before it. */
#define RESULT_JSON(name, number, code, text, exit_code) \
    "{\"number\":" #number ",\"code\":\"" code "\",\"text\":\"" text "\",\"exit\":" #exit_code "}"
#define RESULT_JSON_NEXT(...) "," RESULT_JSON(__VA_ARGS__)
#define NAME_JSON(name, text) "\"" text "\""
#define NAME_JSON_NEXT(name, text) "," NAME_JSON(name, text)
#define STATS_JSON(index, field) "\"" #field "\""
#define STATS_JSON_NEXT(index, field) "," STATS_JSON(index, field)
#define EXIT_JSON(name, text, code) "\"" text "\":" #code
#define EXIT_JSON_NEXT(name, text, code) "," EXIT_JSON(name, text, code)

static const char constants_json[] =
    "{\"results\":[" PTM_RESULT_LIST(RESULT_JSON, RESULT_JSON_NEXT) "],"
    "\"formats\":[" PTM_FORMAT_LIST(NAME_JSON, NAME_JSON_NEXT) "],"
    "\"input_formats\":[" PTM_INPUT_FORMAT_LIST(NAME_JSON, NAME_JSON_NEXT) "],"
    "\"stats\":[" PTM_STATS_LIST(STATS_JSON, STATS_JSON_NEXT) "],"
    "\"exit_codes\":{" PTM_EXIT_LIST(EXIT_JSON, EXIT_JSON_NEXT) "}}";

const char *ptm_constants_json(void)
{
    return constants_json;
}
