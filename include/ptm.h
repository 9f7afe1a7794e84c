/*
 * ptm.h: the public interface of profiletometrics.
 *
 * profiletometrics turns OpenTelemetry profiles (an OTLP
 * ExportProfilesServiceRequest, profiles/v1development, as protobuf, OTLP/JSON
 * or JSON Lines of requests) into OpenTelemetry metrics (an OTLP
 * ExportMetricsServiceRequest as protobuf or OTLP/JSON, or the Prometheus text
 * exposition format).
 *
 * Design:
 *  - One opaque object, ptm_converter, built once from a JSON configuration
 *    and reused for any number of inputs. There is no global state: two
 *    converters never share anything, and one converter may be used by one
 *    thread at a time.
 *  - Every allocation goes through the converter's allocator (ptm_allocator,
 *    libc's malloc/free by default), PCRE2's included; the one exception is
 *    cJSON's parse tree, which lives in libc's malloc only while a JSON
 *    configuration or OTLP/JSON request is read. Each conversion works in an
 *    arena that is released (all but its largest block) at the next call.
 *  - Output bytes are owned by the converter: they stay valid until the next
 *    ptm_convert(), ptm_convert_begin() or ptm_converter_free() on that
 *    converter. Input bytes stay the caller's: they are read during the
 *    call and never referenced after it.
 *  - An input that does not fit in memory whole (a JSON Lines file, a
 *    stream) can be handed over in pieces (ptm_convert_begin(), _feed(),
 *    _finish()): OTLP/JSON is then converted request by request as its text
 *    arrives, and the converter holds the text of one request at a time.
 *  - Every function returns a ptm_result; on failure a one-line message naming
 *    what is wrong is available from ptm_converter_last_error().
 *
 * The metrics, their units and attributes, and the configuration keys are
 * documented in docs/ (api.md, configuration.md, metrics.md) and
 * docs/semantics.md.
 */
#ifndef PTM_H
#define PTM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif


/* The result of every call. */
typedef enum ptm_result {
    /* Success. */
    PTM_OK = 0,
    /* The input is not a valid request: truncated, wrong wire types, malformed
     * JSON, garbage. Nothing was converted. */
    PTM_ERR_INPUT = 1,
    /* The configuration was refused (unknown key, wrong type, bad regex);
     * the message names the key path. */
    PTM_ERR_CONFIG = 2,
    /* The allocator returned NULL. The converter is still usable. */
    PTM_ERR_NOMEM = 3,
    /* The input exceeds a limit of the converter (size, nesting, table
     * size, the output it would write: max_output_bytes); the message
     * names the limit. Nothing was converted. */
    PTM_ERR_LIMIT = 4,
    /* A caller error: a NULL pointer where one is required, or an unknown
     * output format. */
    PTM_ERR_ARGUMENT = 5,
    /* The call needed more memory than max_memory_bytes lets the converter
     * hold; what it added is dropped as after PTM_ERR_NOMEM. The converter
     * is still usable. */
    PTM_ERR_MEMORY_LIMIT = 6
} ptm_result;

/* Output formats. */
typedef enum ptm_format {
    /* ExportMetricsServiceRequest, protobuf: one message for the whole input. */
    PTM_FORMAT_OTLP_PROTOBUF = 0,
    /* ExportMetricsServiceRequest as OTLP/JSON, one line for the whole input
     * (none for an empty input), ending in '\n'. */
    PTM_FORMAT_OTLP_JSON = 1,
    /* Prometheus text exposition format 0.0.4. */
    PTM_FORMAT_PROMETHEUS = 2,
    /* Folded (collapsed) stacks of the kept samples of one measure
     * ("folded": {"measure": "cpu"}, the default; or off_cpu, wall, memory,
     * inuse, inuse_objects: each resource's latest in-use profile only):
     * lines "process;thread;root frame;...;leaf frame VALUE", VALUE an
     * integer in nanoseconds (bytes for memory and inuse, a count for
     * inuse_objects), sorted, each stack once;
     * what flamegraph.pl, inferno and speedscope read. The stacks are
     * collected only when asked: ptm_convert() with this format does, a
     * stream needs ptm_converter_collect_stacks() before it begins. */
    PTM_FORMAT_FOLDED = 3,
    /* A summary for reading at a terminal (docs/cli.md, "--top"): the
     * counts, each summed measure's total, and the top processes, threads
     * and functions (self and inclusive) of the folded measure with their
     * shares; ptm_converter_set_top_count() rows per table (10). Text, not
     * a stable format for programs. Needs the stacks collected, as
     * PTM_FORMAT_FOLDED does. */
    PTM_FORMAT_TOP = 4
} ptm_format;

/* Input formats (ptm_converter_set_input_format). Compressed input (gzip,
 * zstd) is recognised by its magic bytes whatever the format. */
typedef enum ptm_input_format {
    /* Told by the input's first bytes (the default): OTLP/JSON, an OTLP
     * request as protobuf or a pprof profile. Input that could be either
     * protobuf is refused (PTM_ERR_INPUT) with a message asking which. */
    PTM_INPUT_AUTO = 0,
    /* ExportProfilesServiceRequest, protobuf. */
    PTM_INPUT_OTLP = 1,
    /* OTLP/JSON: requests, one per line or one per input. */
    PTM_INPUT_JSON = 2,
    /* A pprof profile (perftools.profiles.Profile), protobuf. */
    PTM_INPUT_PPROF = 3
} ptm_input_format;

/* Counts for one ptm_convert() call. Every sample is counted exactly once in
 * kept, filtered, invalid or skipped; requests counts the requests converted,
 * requests_invalid those refused. */
typedef struct ptm_stats {
    uint64_t requests;          /* requests in the input (JSON Lines: lines) */
    uint64_t resources;         /* ResourceProfiles read */
    uint64_t profiles;          /* Profiles read */
    uint64_t samples_total;     /* Samples read */
    uint64_t samples_kept;      /* fed at least one metric */
    uint64_t samples_filtered;  /* dropped by a process, thread or pattern filter */
    uint64_t samples_invalid;   /* an index outside its table, a negative value,
                                   values/timestamps length mismatch, or a
                                   profile that cannot be converted */
    uint64_t samples_skipped;   /* their sample type has no (enabled) metric */
    uint64_t series;            /* data points written */
    uint64_t overflowed;        /* values added to an overflow point */
    uint64_t attributes_shadowed; /* configured attribute rules left off a
                                     ResourceProfiles' points because the
                                     resource has an attribute of that key */
    uint64_t pattern_limit_hits;  /* regex searches that hit a PCRE2 limit:
                                     the string counted as not matching */
    uint64_t requests_invalid;    /* requests refused while the others
                                     converted (JSON Lines: bad lines); see
                                     ptm_converter_refused_request() */
    uint64_t attributes_dropped;  /* resource attributes that
                                     copy_resource_attributes would copy
                                     left off points by max_point_attributes
                                     (summed over the points written) */
} ptm_stats;

/* ptm_stats is u64 fields only: hosts that read it from memory (the npm
 * package, the Collector connector) take its fields' names, order and count
 * from ptm_constants_json() ("stats"); src/api/constants.c checks that list
 * against this struct when the library is built. */

/* A custom allocator. malloc_fn returns NULL on failure; free_fn accepts NULL.
 * The context pointer is passed back unchanged. */
typedef struct ptm_allocator {
    void *(*malloc_fn)(void *context, size_t size);
    void (*free_fn)(void *context, void *pointer);
    void *context;
} ptm_allocator;

typedef struct ptm_converter ptm_converter;

/*
 * Builds a converter from a JSON configuration (config, config_size bytes; not
 * NUL-terminated necessarily). config may be NULL or empty for the defaults.
 * allocator may be NULL for malloc/free; it is copied.
 *
 * On success returns PTM_OK and stores the converter in *converter_out; the
 * caller owns it and releases it with ptm_converter_free().
 * On failure stores NULL in *converter_out and, when error_buffer is not NULL,
 * a NUL-terminated one-line message of at most error_buffer_size bytes
 * (e.g. "process_filter.patterns[0]: missing ) at offset 3").
 */
ptm_result ptm_converter_create(const char *config, size_t config_size,
                                const ptm_allocator *allocator,
                                ptm_converter **converter_out,
                                char *error_buffer, size_t error_buffer_size);

/* Releases a converter and its last output. Accepts NULL. */
void ptm_converter_free(ptm_converter *converter);

/*
 * Converts input (input_size bytes: protobuf, OTLP/JSON, JSON Lines or
 * length-prefixed requests, any of them gzip- or zstd-compressed, detected;
 * compressed and length-prefixed input goes through the stream below) to
 * the format asked for. The whole input is one conversion: its
 * requests' series are merged (a series is a metric, a resource identity and
 * a point attribute set), and the output holds each once. With
 * "temporality": "cumulative" the output holds every series the converter
 * has seen since it was created or reset, accumulated.
 *
 * On PTM_OK, *output and *output_size describe bytes owned by the converter,
 * valid until the next ptm_convert(), ptm_convert_begin() or
 * ptm_converter_free(); a stream in progress is abandoned. stats may be
 * NULL; when given it is filled on success and failure alike.
 * On failure *output is NULL, *output_size is 0 and
 * ptm_converter_last_error() says why. The input is only read, and never
 * referenced after the call returns.
 */
ptm_result ptm_convert(ptm_converter *converter,
                       const uint8_t *input, size_t input_size,
                       ptm_format format,
                       const uint8_t **output, size_t *output_size,
                       ptm_stats *stats);

/* ptm_convert_begin()'s input_size when the size is not known in advance. */
#define PTM_INPUT_SIZE_UNKNOWN UINT64_MAX

/*
 * Streaming: one conversion of an input handed over in pieces, for a host
 * that reads a file or a stream and should not hold it whole:
 *
 *   ptm_convert_begin(converter, input_size);           once
 *   ptm_convert_feed(converter, piece, piece_size);     for each piece, of any size
 *   ptm_convert_finish(converter, format, &output, &output_size, &stats);
 *
 * The result (output bytes, stats, refused requests, warning, errors) is
 * ptm_convert()'s for the concatenation of the pieces, however the input is
 * cut, except for max_input_bytes: OTLP/JSON input (JSON Lines, or requests
 * one after another) is converted request by request as each request's
 * text is complete, and max_input_bytes bounds the text of each request,
 * not the whole input; length-prefixed input is converted block by block,
 * and max_input_bytes bounds each block; compressed input is decompressed
 * as it arrives, max_input_bytes bounding what it decompresses to in all,
 * and what comes out is read as above; any other input (protobuf: one
 * request) is held whole until ptm_convert_finish(), and max_input_bytes
 * bounds it. Memory
 * for OTLP/JSON: the text and decoding of one request, plus what the series
 * of the whole input need (their strings, resources and values).
 *
 * ptm_convert_begin() starts a stream, abandoning one in progress (as
 * ptm_convert() does). input_size is the input's total size when known, else
 * PTM_INPUT_SIZE_UNKNOWN: an input held whole that is larger than
 * max_input_bytes is then refused from its first bytes, before the rest is
 * read. PTM_ERR_ARGUMENT for NULL; PTM_ERR_NOMEM (the stream is then over:
 * feeding and finishing return it); PTM_OK otherwise.
 *
 * ptm_convert_feed() reads size bytes at piece (the caller's: copied where
 * needed, never referenced after the call). PTM_ERR_LIMIT when the text
 * being held (one OTLP/JSON request or block, or an input held whole) or
 * the decompressed input passes max_input_bytes: the caller may stop
 * reading there; PTM_ERR_NOMEM;
 * PTM_ERR_ARGUMENT with no stream begun, or piece NULL with size > 0.
 * Requests that are refused (see ptm_converter_refused_request) are not
 * failures. A failure ends the stream: later feeds return the same result
 * and ptm_converter_last_error() keeps its message until
 * ptm_convert_finish() or ptm_convert_begin().
 *
 * ptm_convert_finish() ends the input, converts what is left and writes the
 * output, exactly as ptm_convert() returns it (ownership, stats, failures,
 * including a failure of the stream); it ends the stream.
 */
ptm_result ptm_convert_begin(ptm_converter *converter, uint64_t input_size);
ptm_result ptm_convert_feed(ptm_converter *converter, const uint8_t *piece, size_t size);
ptm_result ptm_convert_finish(ptm_converter *converter, ptm_format format,
                              const uint8_t **output, size_t *output_size, ptm_stats *stats);

/*
 * Several inputs, one conversion (the CLI's `ptm a.pb b.jsonl DIR/`): after
 * ptm_convert_begin(), call ptm_convert_next_input() before each input's
 * pieces, the first one's too; ptm_convert_finish() ends the last. Each
 * input is read as if it were the whole input (its format, compression and
 * kind told by its own first bytes; input_size its size, or
 * PTM_INPUT_SIZE_UNKNOWN), and all of them make one conversion: one
 * output, one stats, the series of every input merged, as the requests of
 * one JSON Lines input are. An input that is not valid or passes a limit is
 * refused, not the stream: its rest is skipped, it counts in
 * requests_invalid, and ptm_converter_refused_request() names it ("b.pb:
 * input: malformed protobuf ..."; a refused line or block of an input
 * carries the name too: "b.jsonl: input line 3: ..."); when no input
 * converts, ptm_convert_finish() fails with the first refusal, as for JSON
 * Lines. name (copied, at most 127 bytes kept) names the input in those
 * messages. PTM_ERR_ARGUMENT with no stream begun or after the first input's
 * pieces were fed without it; PTM_ERR_NOMEM; else PTM_OK (a stream that
 * failed returns its result).
 */
ptm_result ptm_convert_next_input(ptm_converter *converter, const char *name, uint64_t input_size);

/*
 * Held series: add now, write later, the shape of the collector's metric
 * connectors (spanmetrics): a long-lived host adds each request as it
 * arrives and writes the metrics once per interval, whatever the number of
 * requests.
 *
 * ptm_converter_add() converts input as ptm_convert() does (every input
 * format, stats, refused requests, warning, failures) but writes nothing:
 * its series are added to what the converter holds. now_unix_nano is the
 * host's clock (not 0): a series first added now starts 1 ms before now
 * (Prometheus keeps milliseconds and puts a created-timestamp zero only
 * before a series' first sample), and is counted as updated now. A failed input adds nothing (a JSON Lines input's
 * good requests are added, its bad ones refused); PTM_ERR_NOMEM drops what
 * is held. The input is never referenced after the call.
 *
 * ptm_converter_flush() writes what is held, as of now_unix_nano, in
 * PTM_FORMAT_OTLP_PROTOBUF, _OTLP_JSON or _PROMETHEUS (else
 * PTM_ERR_ARGUMENT), every point's time now_unix_nano:
 *  - "temporality": "delta": each series added since the last flush, its
 *    value what was added since then, its start the last flush (or the first
 *    add): the windows of successive flushes are contiguous. The held
 *    series are then forgotten.
 *  - "cumulative": every series held, its value the total since it was
 *    first added, its start 1 ms before then. A series not added to for
 *    "metrics_expiration" ("5m" by default; "0": never) is dropped by the
 *    flush that finds it idle that long (not written, its memory freed); if
 *    it comes back it starts again.
 * The cardinality limit holds over what is held (per metric: delta, in a
 * window; cumulative, while held). stats.series counts the points written.
 * Output ownership as ptm_convert(). ptm_converter_reset() forgets what is
 * held. ptm_convert() and streams neither see nor change it.
 */
ptm_result ptm_converter_add(ptm_converter *converter, uint64_t now_unix_nano,
                             const uint8_t *input, size_t input_size, ptm_stats *stats);
ptm_result ptm_converter_flush(ptm_converter *converter, uint64_t now_unix_nano, ptm_format format,
                               const uint8_t **output, size_t *output_size, ptm_stats *stats);

/* The one-line message of the last failed call on this converter, or "" after
 * a success. Owned by the converter; valid until its next call. */
const char *ptm_converter_last_error(const ptm_converter *converter);

/*
 * The requests the last successful ptm_convert() (or ptm_convert_finish())
 * refused while it converted the others: with OTLP/JSON input (JSON Lines,
 * or requests one after another), a request that is malformed, of another
 * signal or over a limit is left out, and reading goes on at the next line that does not start
 * with white space. The index-th refusal's one-line message, naming its input
 * line (and column, for invalid JSON), e.g. "input line 96, column 18: not
 * valid JSON", or a length-prefixed input's bad block, naming its number
 * ("input block 3: ..."); NULL past the last. stats.requests_invalid counts every
 * refusal; the first 64 keep their message. When no request converts, the
 * call fails with the first refusal's code and message instead. Owned by
 * the converter; valid until its next call.
 */
const char *ptm_converter_refused_request(const ptm_converter *converter, size_t index);

/* A one-line warning about the last successful ptm_convert() or
 * ptm_convert_finish() (e.g. a configured attribute shadowed by a resource
 * attribute), or "" when there is none. Owned by the converter; valid until
 * its next call. */
const char *ptm_converter_last_warning(const ptm_converter *converter);

/*
 * Forgets the series a converter with "temporality": "cumulative" keeps
 * across calls, and the series held by ptm_converter_add() (and frees their
 * memory): the next conversion starts every series again, with new start
 * times. PTM_ERR_ARGUMENT for NULL; PTM_OK
 * otherwise (a delta converter keeps nothing, so there is nothing to forget).
 */
ptm_result ptm_converter_reset(ptm_converter *converter);

/*
 * Sets the secret 16-byte key of the converter's hash tables (copied).
 * ptm_converter_create() draws one from the system (getentropy), so that a
 * sender cannot pick strings that collide and slow the tables down; where the
 * system has none (the zero-import wasm module), the host must set one from
 * its own random source before converting input it does not trust. The
 * output never depends on the key. PTM_ERR_ARGUMENT for NULL.
 */
ptm_result ptm_converter_set_hash_key(ptm_converter *converter, const uint8_t key[16]);

/* Sets how the converter's next conversions read their input (PTM_INPUT_AUTO
 * until set). PTM_ERR_ARGUMENT for NULL or an unknown format; PTM_OK. */
ptm_result ptm_converter_set_input_format(ptm_converter *converter, ptm_input_format format);

/* Whether the converter's next conversions collect the stacks that
 * PTM_FORMAT_FOLDED writes (off until set; a cost per sample of the folded
 * measure when on). ptm_convert() with PTM_FORMAT_FOLDED collects them for
 * its call; ptm_convert_finish() with it, after a stream begun without
 * them, fails with PTM_ERR_ARGUMENT. PTM_ERR_ARGUMENT for NULL; PTM_OK. */
ptm_result ptm_converter_collect_stacks(ptm_converter *converter, int enabled);

/* The default and the largest number of rows per table of PTM_FORMAT_TOP. */
#define PTM_TOP_COUNT_DEFAULT 10
#define PTM_TOP_COUNT_MAX 1000

/* Sets the rows per table of PTM_FORMAT_TOP for the next conversions.
 * PTM_ERR_ARGUMENT for NULL or a count outside 1..PTM_TOP_COUNT_MAX. */
ptm_result ptm_converter_set_top_count(ptm_converter *converter, uint32_t count);

/*
 * Symbolization (configuration "symbolize"; docs/symbolization.md): a
 * native frame (a location without lines, its mapping carrying a GNU build
 * ID) is named from the function symbols of an ELF file with that build ID.
 * The library reads no file itself; the host reads what it asks for, in one
 * of two ways:
 *  - a C host that can be called back sets a file source: while a request
 *    is converted, the converter asks it for the paths it wants, in order;
 *  - a host that cannot (the wasm module's) scans an input first:
 *    ptm_converter_symbols_scan() plans the files its native frames need,
 *    then ptm_converter_symbols_next() gives each path to try and
 *    ptm_converter_symbols_offer() takes its bytes (NULL: no such file),
 *    until next gives NULL; then the input is converted or added.
 * A file is used only when its build ID is the mapping's. The tables found
 * (and the build IDs not found) are kept by build ID across calls, within
 * symbolize.cache_bytes; ptm_converter_reset() forgets them. Without
 * "symbolize" in the configuration nothing is asked for.
 */
typedef struct ptm_file_source {
    void *context;
    /* The whole regular file at path (or the body of an http:// URL): its
     * bytes, their count in *size; NULL when it cannot be read. */
    const uint8_t *(*read)(void *context, const char *path, size_t *size);
    /* Releases what read returned. */
    void (*release)(void *context, const uint8_t *data, size_t size);
} ptm_file_source;

/* Sets (copied) or, with NULL, removes the converter's file source.
 * PTM_ERR_ARGUMENT for a NULL converter or a source without read/release. */
ptm_result ptm_converter_set_file_source(ptm_converter *converter, const ptm_file_source *source);

/* Plans the files an input's native frames need (the input is read as by
 * ptm_convert(), nothing converted). PTM_ERR_INPUT and friends as
 * ptm_convert() for an input it cannot read. */
ptm_result ptm_converter_symbols_scan(ptm_converter *converter, const uint8_t *input, size_t input_size);
/* The next path the plan wants read (owned by the converter, valid until the
 * next call), or NULL in *path when it wants nothing more. */
ptm_result ptm_converter_symbols_next(ptm_converter *converter, const char **path);
/* The bytes of the file at the path next gave (data NULL: it could not be
 * read); copied what is needed. PTM_ERR_NOMEM. */
ptm_result ptm_converter_symbols_offer(ptm_converter *converter, const uint8_t *data, size_t size);
/* Keeps the symbols of an ELF file handed in unasked (a browser, a test),
 * under its own build ID. PTM_ERR_INPUT ("ELF: ...") when it is no ELF file
 * or has no build ID; PTM_ERR_LIMIT; PTM_ERR_NOMEM. */
ptm_result ptm_converter_add_symbols(ptm_converter *converter, const uint8_t *data, size_t size);

/* The counts so far of the stream in progress (ptm_convert_begin() ...
 * _feed()): what the requests converted up to the last piece fed have
 * added, as ptm_convert_finish() would count them (OTLP/JSON and
 * length-prefixed input convert as they arrive; input held whole counts
 * nothing until it is finished). All zero when no stream is in progress.
 * For a progress display; PTM_ERR_ARGUMENT for NULL. */
ptm_result ptm_converter_progress(const ptm_converter *converter, ptm_stats *stats);

/* The converter's max_input_bytes: ptm_convert() refuses larger inputs, so a
 * caller reading a stream into memory may stop reading past it (streaming,
 * it bounds each OTLP/JSON request instead; see ptm_convert_feed()). */
uint64_t ptm_converter_max_input_bytes(const ptm_converter *converter);

/* How an input is packed, as its first bytes tell. */
typedef enum ptm_input_packing {
    PTM_PACKING_NONE = 0,        /* not packed: the input is its bytes */
    PTM_PACKING_UNDECIDED,       /* too few bytes to tell: more will */
    PTM_PACKING_GZIP,            /* gzip (every member) */
    PTM_PACKING_ZSTD,            /* zstd (every frame; skippable frames skipped) */
    PTM_PACKING_LENGTH_PREFIXED  /* blocks, each a 4-byte big-endian length first (the
                                    collector file exporter's format: proto) */
} ptm_input_packing;

/* How the converter unpacks an input that starts with first[0..size): what
 * ptm_convert() and the stream decide from the same bytes (under the
 * converter's input format: length-prefixed input is read under
 * PTM_INPUT_AUTO and PTM_INPUT_OTLP only), so that a host need not guess
 * formats. A packed input's max_input_bytes bounds what comes out of it
 * (the decompressed input, each block), not the bytes read. at_end: first
 * is the whole input, so a prefix that could still start a packing is
 * PTM_PACKING_NONE. PTM_PACKING_NONE for NULL (first NULL with size > 0). */
ptm_input_packing ptm_converter_input_packing(const ptm_converter *converter, const uint8_t *first, size_t size,
                                              int at_end);

/* The library's version, "MAJOR.MINOR.PATCH" (CMakeLists.txt's project
 * version, the one place it is kept): static text. The output's
 * instrumentation scope carries it too. */
const char *ptm_version(void);

/* A static, human-readable name for a result ("input", "config", ...). */
const char *ptm_result_name(ptm_result result);

/* The ptm command's exit codes (docs/cli.md). */
typedef enum ptm_exit_code {
    PTM_EXIT_OK = 0,           /* every input converted */
    PTM_EXIT_INPUT = 1,        /* an input is not a request, or passes a limit */
    PTM_EXIT_USAGE = 2,        /* a bad command line or configuration */
    PTM_EXIT_RESOURCES = 3,    /* memory, a file, a closed output */
    PTM_EXIT_REFUSED = 4,      /* some requests or inputs refused, the others written */
    PTM_EXIT_MEMORY_LIMIT = 5  /* the converter's max_memory_bytes was reached */
} ptm_exit_code;

/* The exit code of the ptm command when a call fails with result (for
 * PTM_OK, PTM_EXIT_OK): the same in every host that runs it. */
ptm_exit_code ptm_result_exit_code(ptm_result result);

/*
 * The names of this header's constants, one static JSON object (NUL-
 * terminated, never freed), for hosts that would otherwise retype them (the
 * npm package and the Collector connector read it at load):
 *   "results":       by number, {"number", "code" (the hosts' name: "ok",
 *                    "input", "config", "nomem", "limit", "argument",
 *                    "memory_limit"), "text" (ptm_result_name()), "exit"
 *                    (the ptm command's exit code for it)};
 *   "formats":       ptm_format names by number ("otlp", "json", "prom",
 *                    "folded", "top");
 *   "input_formats": ptm_input_format names by number ("auto", "otlp",
 *                    "json", "pprof");
 *   "stats":         the ptm_stats fields in order, each a u64;
 *   "exit_codes":    the ptm command's exit codes by name ("ok", "input",
 *                    "usage", "resources", "refused": some requests refused
 *                    and the others written, "memory_limit").
 * Lists may grow at their end in later versions.
 */
const char *ptm_constants_json(void);

#ifdef __cplusplus
}
#endif

#endif /* PTM_H */
