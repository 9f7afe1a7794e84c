/*
 * cli.c: the ptm command (native, and the WASI build of the same source).
 *
 *   ptm [-c CONFIG] [-i auto|otlp|json|pprof] [-f otlp|json|prom|folded | --top [N]] [-o OUT] [--stats] [INPUT...]
 *
 * Reads INPUT (default stdin, also "-") in pieces of at most 1 MiB and
 * hands them to one converter's stream (ptm_convert_begin/_feed/_finish),
 * which converts OTLP/JSON request by request as it arrives and holds other
 * input whole; several INPUTs, and directories (their regular files, sorted),
 * are one stream of named inputs (ptm_convert_next_input), where one that
 * cannot be read or is refused is named and the others convert. Writes the
 * output to stdout or OUT; --top writes PTM_FORMAT_TOP's summary instead.
 * A YAML configuration is translated to JSON first (config_yaml.h). Exit codes: 0 success,
 * 1 input that is not a valid request (or over a limit), 2 usage or
 * configuration error (including files that cannot be read), 3 out of memory
 * or a failed write, 4 some requests refused (JSON Lines: bad lines, each
 * named on stderr; several inputs: inputs refused or unreadable) and the
 * others converted and written. Every error is one
 * line on stderr starting "ptm: ", but for one: a reader that closes the pipe
 * early (`ptm ... | head`) ends the run quietly, exit 3, on every host (the
 * native command ignores SIGPIPE to see EPIPE; under WASI, wasmtime reports a
 * closed pipe as EIO).
 */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_files.h"
#include "config_yaml.h"
#include "ptm.h"

#ifndef __wasi__
#include <signal.h>
#endif

/* WASI's "Capabilities insufficient" (a path outside the preopened
 * folders); elsewhere no errno has this value. */
#ifdef ENOTCAPABLE
#define ENOTCAPABLE_HINT (-ENOTCAPABLE)
#else
#define ENOTCAPABLE (-1)
#define ENOTCAPABLE_HINT (-2)
#endif

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_RESOURCES = 3, EXIT_REFUSED = 4, EXIT_MEMORY_LIMIT = 5 };

static const char usage[] =
    "usage: ptm [-c CONFIG] [-i auto|otlp|json|pprof] [-f otlp|json|prom|folded | --top [N]] [-o OUT] [--stats] [INPUT...]\n"
    "  Converts profiles (OTLP protobuf, OTLP/JSON or JSON Lines, pprof; gzip or zstd) to OTLP metrics.\n"
    "  -c FILE    configuration (JSON, or YAML: the collector connector's block); defaults apply without it\n"
    "  -i FORMAT  the input: auto (told by its first bytes, default), otlp, json or pprof\n"
    "  -f FORMAT  otlp (protobuf, default; not to a terminal), json (OTLP/JSON lines), prom (Prometheus text)\n"
    "             or folded (collapsed stacks of the kept samples, for flame graphs)\n"
    "  --top [N]  a summary to read instead of metrics: totals, and the top N (10) processes, threads\n"
    "             and functions (self and inclusive) of the folded measure (cpu unless configured)\n"
    "  -o FILE    write to FILE instead of stdout\n"
    "  --stats    print the conversion's counts as one JSON object on stderr\n"
    "  INPUT...   request files, and directories (their files, in sorted order), converted as one;\n"
    "             stdin when absent or \"-\" (not a terminal)\n"
    "  -h, --help this text; --version the version\n";

typedef struct options {
    const char *config_path;
    const char *output_path;
    const char **inputs;   /* INPUT... (argv's), input_count of them; none: stdin */
    int input_count;
    ptm_format format;
    bool format_given;     /* -f */
    uint32_t top_count;    /* --top N; 0 without --top */
    ptm_input_format input_format;
    int stats;
} options;

static int fail(int code, const char *format, const char *detail)
{
    fprintf(stderr, "ptm: ");
    fprintf(stderr, format, detail);
    fputc('\n', stderr);
    return code;
}

enum { READ_CHUNK = 1 << 20 }; /* WASI hosts fail larger reads */

/* Reads a stream into a malloc'd buffer, in chunks of at most READ_CHUNK;
 * an errno value on failure. */
static int read_stream(FILE *stream, uint8_t **data, size_t *size)
{
    size_t capacity = 1 << 16, length = 0;
    uint8_t *buffer = malloc(capacity);
    if (buffer == NULL)
        return ENOMEM;
    for (;;) {
        if (length == capacity) {
            uint8_t *bigger = capacity < SIZE_MAX / 2 ? realloc(buffer, capacity * 2) : NULL;
            if (bigger == NULL) {
                free(buffer);
                return ENOMEM;
            }
            buffer = bigger;
            capacity *= 2;
        }
        size_t want = capacity - length < READ_CHUNK ? capacity - length : READ_CHUNK;
        size_t got = fread(buffer + length, 1, want, stream);
        length += got;
        if (got == 0)
            break;
    }
    if (ferror(stream)) {
        free(buffer);
        return EIO;
    }
    *data = buffer;
    *size = length;
    return 0;
}

/* The message and exit code of a failed open or read (verb) of what
 * (config or input) called name. */
static int read_failed(int error, const char *verb, const char *what, const char *name)
{
    if (error == EISDIR) {
        fprintf(stderr, "ptm: cannot read %s %s: it is a directory\n", what, name);
        return EXIT_USAGE;
    }
    if (error == ENOTCAPABLE_HINT) {
        fprintf(stderr, "ptm: cannot open %s %s: %s (under WASI, give the host access to its folder: "
                        "wasmtime run --dir DIR)\n", what, name, strerror(-error));
        return EXIT_USAGE;
    }
    fprintf(stderr, "ptm: cannot %s %s %s: %s\n", verb, what, name, strerror(error));
    return error == ENOMEM ? EXIT_RESOURCES : EXIT_USAGE;
}

/* An opened input or config: stdin for "-" or NULL. */
typedef struct input_file {
    FILE *file;
    const char *name;      /* "stdin", or the path */
    bool regular;          /* a regular file (not stdin): its size is known */
    uint64_t size;         /* when regular */
} input_file;

/* Opens path (see input_file), or returns an exit code. */
static int open_input(const char *path, const char *what, input_file *in)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        *in = (input_file){stdin, "stdin", false, 0};
        return 0;
    }
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return read_failed(errno == ENOTCAPABLE ? ENOTCAPABLE_HINT : errno, "open", what, path);
    struct stat status;
    bool known = fstat(fileno(file), &status) == 0;
    if (known && S_ISDIR(status.st_mode)) {
        fclose(file);
        return read_failed(EISDIR, "read", what, path);
    }
    *in = (input_file){file, path, known && S_ISREG(status.st_mode), known ? (uint64_t)status.st_size : 0};
    return 0;
}

static void close_input(input_file *in)
{
    if (in->file != stdin)
        fclose(in->file);
}

/* Reads the file at path ("-" or NULL: stdin) whole (the configuration). */
static int read_file(const char *path, uint8_t **data, size_t *size, const char *what)
{
    input_file in;
    int code = open_input(path, what, &in);
    if (code != 0)
        return code;
    int error = read_stream(in.file, data, size);
    close_input(&in);
    return error ? read_failed(error, "read", what, in.name) : 0;
}

static int parse_input_format(const char *text, ptm_input_format *format)
{
    static const char *const names[] = {"auto", "otlp", "json", "pprof"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0) {
            *format = (ptm_input_format)i; /* PTM_INPUT_AUTO ... PTM_INPUT_PPROF, in this order */
            return 0;
        }
    }
    return fail(EXIT_USAGE, "unknown input format \"%s\" (auto, otlp, json or pprof)", text);
}

static int parse_format(const char *text, ptm_format *format)
{
    if (strcmp(text, "otlp") == 0)
        *format = PTM_FORMAT_OTLP_PROTOBUF;
    else if (strcmp(text, "json") == 0)
        *format = PTM_FORMAT_OTLP_JSON;
    else if (strcmp(text, "prom") == 0)
        *format = PTM_FORMAT_PROMETHEUS;
    else if (strcmp(text, "folded") == 0)
        *format = PTM_FORMAT_FOLDED;
    else
        return fail(EXIT_USAGE, "unknown format \"%s\" (otlp, json, prom or folded)", text);
    return 0;
}

/* --top, and its count when the next argument is a number (*i moves past
 * it); -1 to go on, or an exit code. */
static int parse_top(options *opts, const char *next, int *i)
{
    opts->top_count = PTM_TOP_COUNT_DEFAULT;
    if (next == NULL || next[0] < '0' || next[0] > '9')
        return -1;
    char *end;
    unsigned long count = strtoul(next, &end, 10);
    if (*end != '\0' || count < 1 || count > PTM_TOP_COUNT_MAX)
        return fail(EXIT_USAGE, "--top %s: the count is a number from 1 to 1000", next);
    opts->top_count = (uint32_t)count;
    (*i)++;
    return -1;
}

static int set_input(options *opts, const char *arg)
{
    opts->inputs[opts->input_count++] = arg; /* room for argc of them */
    return -1;
}

/* Returns -1 to go on, or an exit code. "--" is ignored: some hosts pass it
 * through (`wasmtime run ptm.wasm -- ARGS`), others drop it. */
static int parse_arguments(int argc, char **argv, options *opts)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int code = -1;
        if (arg[0] != '-' || arg[1] == '\0') {
            code = set_input(opts, arg);
        } else if (strcmp(arg, "--") == 0) {
            continue;
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(arg, "--version") == 0) {
            printf("ptm %s\n", ptm_version());
            return 0;
        } else if (strcmp(arg, "--stats") == 0) {
            opts->stats = 1;
        } else if (strcmp(arg, "--top") == 0) {
            code = parse_top(opts, i + 1 < argc ? argv[i + 1] : NULL, &i);
        } else if (strcmp(arg, "-c") != 0 && strcmp(arg, "-f") != 0 && strcmp(arg, "-o") != 0 &&
                   strcmp(arg, "-i") != 0) {
            return fail(EXIT_USAGE, "unknown option %s (see ptm --help)", arg);
        } else if (i + 1 >= argc) {
            return fail(EXIT_USAGE, "%s needs a value (see ptm --help)", arg);
        } else if (arg[1] == 'c') {
            opts->config_path = argv[++i];
        } else if (arg[1] == 'o') {
            opts->output_path = argv[++i];
        } else if (arg[1] == 'i') {
            code = parse_input_format(argv[++i], &opts->input_format);
            code = code ? code : -1;
        } else {
            opts->format_given = true;
            code = parse_format(argv[++i], &opts->format);
            code = code ? code : -1;
        }
        if (code >= 0)
            return code;
    }
    if (opts->top_count > 0 && opts->format_given)
        return fail(EXIT_USAGE, "%s", "--top and -f do not go together (--top writes its own text)");
    if (opts->top_count > 0)
        opts->format = PTM_FORMAT_TOP;
    return -1;
}

static void print_stats(const ptm_stats *stats)
{
    fprintf(stderr,
            "{\"requests\":%" PRIu64 ",\"resources\":%" PRIu64 ",\"profiles\":%" PRIu64
            ",\"samples_total\":%" PRIu64 ",\"samples_kept\":%" PRIu64
            ",\"samples_filtered\":%" PRIu64 ",\"samples_invalid\":%" PRIu64
            ",\"samples_skipped\":%" PRIu64 ",\"series\":%" PRIu64 ",\"overflowed\":%" PRIu64
            ",\"attributes_shadowed\":%" PRIu64 ",\"pattern_limit_hits\":%" PRIu64
            ",\"requests_invalid\":%" PRIu64 ",\"attributes_dropped\":%" PRIu64 "}\n",
            stats->requests, stats->resources, stats->profiles, stats->samples_total,
            stats->samples_kept, stats->samples_filtered, stats->samples_invalid,
            stats->samples_skipped, stats->series, stats->overflowed, stats->attributes_shadowed,
            stats->pattern_limit_hits, stats->requests_invalid, stats->attributes_dropped);
}

/* Whether a failed write to stdout (path NULL) met a reader that left. */
static bool reader_left(const char *path, int error)
{
    if (path != NULL)
        return false;
    if (error == EPIPE)
        return true;
#ifdef __wasi__
    struct stat status;
    return error == EIO && fstat(fileno(stdout), &status) == 0 && !S_ISREG(status.st_mode);
#else
    return false;
#endif
}

static int write_output(const char *path, const uint8_t *data, size_t size)
{
    FILE *file = path ? fopen(path, "wb") : stdout;
    if (file == NULL) {
        fprintf(stderr, "ptm: cannot write output %s: %s\n", path, strerror(errno));
        return EXIT_RESOURCES;
    }
    int ok = fwrite(data, 1, size, file) == size;
    ok = (path ? fclose(file) : fflush(file)) == 0 && ok;
    if (!ok && reader_left(path, errno))
        return EXIT_RESOURCES;
    if (!ok)
        return fail(EXIT_RESOURCES, "cannot write output: %s", strerror(errno));
    return 0;
}

static int exit_code_of(ptm_result result)
{
    switch (result) {
    case PTM_OK: return 0;
    case PTM_ERR_INPUT: case PTM_ERR_LIMIT: return EXIT_INPUT;
    case PTM_ERR_CONFIG: case PTM_ERR_ARGUMENT: return EXIT_USAGE;
    case PTM_ERR_NOMEM: return EXIT_RESOURCES;
    case PTM_ERR_MEMORY_LIMIT: return EXIT_MEMORY_LIMIT;
    }
    return EXIT_RESOURCES;
}

/* Names each refused request on stderr; the exit code that says some were. */
static int report_refused(const ptm_converter *converter, const ptm_stats *stats)
{
    size_t named = 0;
    for (const char *message; (message = ptm_converter_refused_request(converter, named)) != NULL; named++)
        fprintf(stderr, "ptm: %s\n", message);
    if (stats->requests_invalid > named)
        fprintf(stderr, "ptm: input: %" PRIu64 " more requests refused\n", stats->requests_invalid - named);
    fprintf(stderr, "ptm: input: %" PRIu64 " of %" PRIu64 " requests refused; the others were converted\n",
            stats->requests_invalid, stats->requests_invalid + stats->requests);
    return EXIT_REFUSED;
}

/* The message and exit code of an input whose text held (a whole protobuf
 * input, or one OTLP/JSON request) passed max_input_bytes: as a regular
 * file by its size, else as a stream that was read no further. */
static int input_too_large(const input_file *in, uint64_t limit)
{
    if (in->regular && in->size > limit)
        fprintf(stderr, "ptm: input: %" PRIu64 " bytes is more than max_input_bytes (%" PRIu64 ")\n",
                in->size, limit);
    else
        fprintf(stderr, "ptm: input: %s is more than max_input_bytes (%" PRIu64 "); stopped reading there\n",
                in->name, limit);
    return EXIT_INPUT;
}

/* Whether an input starting with these bytes (its first read) is one the
 * converter unpacks: compressed (gzip 1f, zstd 28) or length-prefixed (00,
 * then a length that is not 0); no request starts so. There a limit is
 * passed by what comes out of it, not by what was read, and the
 * converter's own message says which. */
static bool unpacked_input(const uint8_t *first, size_t size)
{
    return first[0] == 0x1f || first[0] == 0x28 || (size >= 4 && first[0] == 0x00 && (first[1] | first[2] | first[3]) != 0);
}

/* A progress line on stderr while a long input is read, only when stderr
 * is a terminal: from the first second on, at most twice a second, the bytes
 * read and the requests and samples converted so far; cleared at the end. */
typedef struct progress {
    bool enabled;
    bool shown;
    double start, last; /* seconds */
    uint64_t bytes;
} progress;

static double seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static void progress_start(progress *p)
{
    *p = (progress){.enabled = isatty(fileno(stderr)) == 1};
    if (p->enabled)
        p->start = p->last = seconds_now();
}

static void progress_update(progress *p, const ptm_converter *converter, size_t got)
{
    p->bytes += got;
    if (!p->enabled)
        return;
    double now = seconds_now();
    if (now - p->start < 1.0 || now - p->last < 0.5)
        return;
    ptm_stats stats;
    ptm_converter_progress(converter, &stats);
    fprintf(stderr, "\rptm: %.1f MiB read, %" PRIu64 " requests, %" PRIu64 " samples\033[K",
            (double)p->bytes / (1024.0 * 1024.0), stats.requests, stats.samples_total);
    p->shown = true;
    p->last = now;
}

static void progress_end(const progress *p)
{
    if (p->shown)
        fputs("\r\033[K", stderr);
}

/*
 * Feeds the input to the converter's stream in chunks of at most
 * READ_CHUNK. 0 when it was read to its end or the stream failed (the
 * failure is ptm_convert_finish()'s to report), else an exit code: the
 * input could not be read, or what the converter holds passed
 * max_input_bytes (reading stops there).
 */
static int feed_input(ptm_converter *converter, input_file *in, bool several, progress *shown)
{
    uint8_t *chunk = malloc(READ_CHUNK);
    if (chunk == NULL)
        return read_failed(ENOMEM, "read", "input", in->name);
    uint64_t size = in->regular ? in->size : PTM_INPUT_SIZE_UNKNOWN;
    ptm_result result = several ? ptm_convert_next_input(converter, in->name, size) : ptm_convert_begin(converter, size);
    size_t got;
    bool first = true, unpacked = false;
    while (result == PTM_OK && (got = fread(chunk, 1, READ_CHUNK, in->file)) > 0) {
        if (first)
            unpacked = unpacked_input(chunk, got);
        first = false;
        result = ptm_convert_feed(converter, chunk, got);
        progress_update(shown, converter, got);
    }
    free(chunk);
    if (result == PTM_ERR_LIMIT && unpacked)
        return 0; /* ptm_convert_finish() reports it */
    if (result == PTM_ERR_LIMIT)
        return input_too_large(in, ptm_converter_max_input_bytes(converter));
    if (result == PTM_OK && ferror(in->file))
        return read_failed(EIO, "read", "input", in->name);
    return 0;
}

/* The inputs, directories replaced by their files (see expand_inputs). */
typedef struct input_list {
    char **paths; /* malloc'd, each malloc'd */
    size_t count, capacity;
    bool several; /* more than one INPUT, or a directory: ptm_convert_next_input() */
    int unreadable_code; /* the first unreadable input's or directory's exit code, or 0 */
    size_t unreadable;   /* inputs and directories that could not be read */
    size_t fed;          /* inputs read to their end */
} input_list;

static bool list_add(input_list *list, const char *path, size_t size)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 16;
        char **bigger = realloc(list->paths, capacity * sizeof *bigger);
        if (bigger == NULL)
            return false;
        list->paths = bigger;
        list->capacity = capacity;
    }
    char *copy = malloc(size + 1);
    if (copy == NULL)
        return false;
    memcpy(copy, path, size);
    copy[size] = '\0';
    list->paths[list->count++] = copy;
    return true;
}

static void list_free(input_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->paths[i]);
    free(list->paths);
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds a directory's regular files (not those whose name starts with '.',
 * not subdirectories), in bytewise order of their names. False when memory
 * ran out; a directory that cannot be read is reported and counted. */
static bool add_directory(input_list *list, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        int code = read_failed(errno == ENOTCAPABLE ? ENOTCAPABLE_HINT : errno, "open", "input directory", dir);
        list->unreadable_code = list->unreadable_code ? list->unreadable_code : code;
        list->unreadable++;
        return true;
    }
    size_t first = list->count, dir_size = strlen(dir);
    bool ok = true;
    for (struct dirent *entry; ok && (entry = readdir(d)) != NULL;) {
        if (entry->d_name[0] == '.')
            continue;
        size_t name_size = strlen(entry->d_name);
        char *path = malloc(dir_size + name_size + 2);
        ok = path != NULL;
        if (!ok)
            break;
        snprintf(path, dir_size + name_size + 2, "%s%s%s", dir,
                 dir_size > 0 && dir[dir_size - 1] == '/' ? "" : "/", entry->d_name);
        struct stat status;
        if (stat(path, &status) == 0 && S_ISREG(status.st_mode))
            ok = list_add(list, path, strlen(path));
        free(path);
    }
    closedir(d);
    if (list->count > first) /* paths may still be NULL */
        qsort(list->paths + first, list->count - first, sizeof *list->paths, compare_paths);
    return ok;
}

/* The inputs of the command line: each INPUT as it is ("-": stdin), a
 * directory as its files; none: stdin. */
static int expand_inputs(const options *opts, input_list *list)
{
    *list = (input_list){.several = opts->input_count > 1};
    bool ok = true;
    for (int i = 0; ok && i < opts->input_count; i++) {
        const char *path = opts->inputs[i];
        struct stat status;
        if (strcmp(path, "-") != 0 && stat(path, &status) == 0 && S_ISDIR(status.st_mode)) {
            list->several = true;
            ok = add_directory(list, path);
        } else {
            ok = list_add(list, path, strlen(path));
        }
    }
    if (ok && opts->input_count == 0)
        ok = list_add(list, "-", 1);
    return ok ? 0 : fail(EXIT_RESOURCES, "%s", "out of memory listing the inputs");
}

/* Feeds every input to the stream: one alone as the stream's input, several
 * each as an input of its own. An input that cannot be opened or read is
 * reported; with several, the others go on (it is counted in the list). 0,
 * or the exit code that ends the run. */
static int feed_inputs(ptm_converter *converter, input_list *list)
{
    progress shown;
    progress_start(&shown);
    int code = 0;
    if (list->several)
        ptm_convert_begin(converter, PTM_INPUT_SIZE_UNKNOWN);
    for (size_t i = 0; i < list->count && code == 0; i++) {
        input_file in;
        code = open_input(list->paths[i], "input", &in);
        if (code == 0) {
            code = feed_input(converter, &in, list->several, &shown);
            close_input(&in);
            list->fed += code == 0;
        }
        if (code != 0 && list->several && code != EXIT_RESOURCES) {
            list->unreadable_code = list->unreadable_code ? list->unreadable_code : code;
            list->unreadable++;
            code = 0;
        }
    }
    progress_end(&shown);
    return code;
}

/* Says how many inputs could not be read, when some could and others not;
 * the exit code that says some were refused. */
static int report_unreadable(const input_list *list)
{
    fprintf(stderr, "ptm: input: %zu of %zu inputs could not be read; the others were converted\n",
            list->unreadable, list->unreadable + list->fed);
    return EXIT_REFUSED;
}

static int convert(const options *opts, ptm_converter *converter)
{
    input_list list;
    int code = expand_inputs(opts, &list);
    if (code == 0)
        code = feed_inputs(converter, &list);
    if (code == 0 && list.unreadable > 0 && list.fed == 0)
        code = list.unreadable_code; /* nothing could be read */
    if (code != 0) {
        list_free(&list);
        return code;
    }
    const uint8_t *output = NULL;
    size_t output_size = 0;
    ptm_stats stats;
    ptm_result result = ptm_convert_finish(converter, opts->format, &output, &output_size, &stats);
    if (result != PTM_OK) {
        code = fail(exit_code_of(result), "%s", ptm_converter_last_error(converter));
    } else {
        if (ptm_converter_last_warning(converter)[0] != '\0')
            fprintf(stderr, "ptm: %s\n", ptm_converter_last_warning(converter));
        code = write_output(opts->output_path, output, output_size);
        if (code == 0 && stats.requests_invalid > 0)
            code = report_refused(converter, &stats);
        if (code == 0 || code == EXIT_REFUSED)
            code = list.unreadable > 0 ? report_unreadable(&list) : code;
    }
    if (opts->stats)
        print_stats(&stats);
    list_free(&list);
    return code;
}

/* As gzip and zstd do: binary output is not written to a terminal, and a
 * terminal is not read as input (the usage is printed instead of waiting
 * for keystrokes). -1 to go on, or an exit code. */
static int check_terminals(const options *opts)
{
    if (opts->output_path == NULL && opts->format == PTM_FORMAT_OTLP_PROTOBUF && isatty(fileno(stdout)) == 1)
        return fail(EXIT_USAGE, "%s", "not writing binary protobuf to a terminal: "
                                      "use -f prom (or json, folded), --top, or -o FILE");
    bool from_stdin = opts->input_count == 0;
    for (int i = 0; i < opts->input_count; i++)
        from_stdin = from_stdin || strcmp(opts->inputs[i], "-") == 0;
    if (from_stdin && isatty(fileno(stdin)) == 1) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    return -1;
}

/* The converter of the configuration at path (NULL: the defaults), or an exit code. */
static int create_converter(const char *path, ptm_converter **converter)
{
    uint8_t *config = NULL;
    size_t config_size = 0;
    int code = path != NULL ? read_file(path, &config, &config_size, "config") : 0;
    if (code != 0)
        return code;
    char error[512];
    if (config != NULL && config_is_yaml(config, config_size)) {
        char *json = NULL;
        size_t json_size = 0;
        bool translated = config_yaml_to_json(config, config_size, &json, &json_size, error, sizeof error);
        free(config);
        if (!translated)
            return fail(strcmp(error, "config: out of memory") == 0 ? EXIT_RESOURCES : EXIT_USAGE, "%s", error);
        config = (uint8_t *)json;
        config_size = json_size;
    }
    ptm_result result = ptm_converter_create((const char *)config, config_size, NULL, converter,
                                             error, sizeof error);
    free(config);
    return result == PTM_OK ? 0 : fail(exit_code_of(result), "%s", error);
}

static int run(int argc, char **argv, options *opts)
{
    int code = parse_arguments(argc, argv, opts);
    if (code >= 0)
        return code;
    if ((code = check_terminals(opts)) >= 0)
        return code;
    ptm_converter *converter = NULL;
    if ((code = create_converter(opts->config_path, &converter)) != 0)
        return code;
    ptm_converter_set_input_format(converter, opts->input_format);
    ptm_converter_set_file_source(converter, &cli_file_source);
    ptm_converter_collect_stacks(converter, opts->format == PTM_FORMAT_FOLDED || opts->format == PTM_FORMAT_TOP);
    if (opts->top_count > 0)
        ptm_converter_set_top_count(converter, opts->top_count);
    code = convert(opts, converter);
    ptm_converter_free(converter);
    return code;
}

int main(int argc, char **argv)
{
#ifndef __wasi__
    signal(SIGPIPE, SIG_IGN); /* a closed pipe is EPIPE from write, not death (reader_left) */
#else
    /* WASI has no working directory of its own: wasi-libc resolves relative
     * paths against "/" of the preopened folders. A host that preopens the
     * whole tree as "/" (the npm CLI) passes its directory in PWD, so that
     * relative paths name what they name natively; without PWD (wasmtime
     * run --dir .), relative paths are the preopened "."'s. */
    const char *pwd = getenv("PWD");
    if (pwd != NULL && pwd[0] == '/')
        (void)chdir(pwd);
#endif
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    if (inputs == NULL)
        return fail(EXIT_RESOURCES, "%s", "out of memory");
    options opts = {.format = PTM_FORMAT_OTLP_PROTOBUF, .inputs = inputs};
    int code = run(argc, argv, &opts);
    free(inputs);
    return code;
}
