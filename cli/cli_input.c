/*
 * cli_input.c: the ptm command's reading. A file read whole (the
 * configuration: cli_read_file); the inputs of the command line, each
 * INPUT or a directory's regular files in sorted order (cli_expand_inputs),
 * fed to one converter's stream in pieces of at most 1 MiB
 * (cli_feed_inputs), with a progress line while a long input is read when
 * stderr is a terminal. An input whose text held passes max_input_bytes
 * stops there, named by its size or as a stream read no further.
 */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include "cli_input.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* WASI's "Capabilities insufficient" (a path outside the preopened
 * folders); elsewhere no errno has this value. */
#ifdef ENOTCAPABLE
#define ENOTCAPABLE_HINT (-ENOTCAPABLE)
#else
#define ENOTCAPABLE (-1)
#define ENOTCAPABLE_HINT (-2)
#endif

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
        return PTM_EXIT_USAGE;
    }
    if (error == ENOTCAPABLE_HINT) {
        fprintf(stderr, "ptm: cannot open %s %s: %s (under WASI, give the host access to its folder: "
                        "wasmtime run --dir DIR)\n", what, name, strerror(-error));
        return PTM_EXIT_USAGE;
    }
    fprintf(stderr, "ptm: cannot %s %s %s: %s\n", verb, what, name, strerror(error));
    return error == ENOMEM ? PTM_EXIT_RESOURCES : PTM_EXIT_USAGE;
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
int cli_read_file(const char *path, uint8_t **data, size_t *size, const char *what)
{
    input_file in;
    int code = open_input(path, what, &in);
    if (code != 0)
        return code;
    int error = read_stream(in.file, data, size);
    close_input(&in);
    return error ? read_failed(error, "read", what, in.name) : 0;
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
    return PTM_EXIT_INPUT;
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
        if (first) {
            /* A packed input (compressed, length-prefixed) passes a limit by
             * what comes out of it, not by what was read, and the
             * converter's own message says which. fread() reads short only
             * at the end. */
            ptm_input_packing packing = ptm_converter_input_packing(converter, chunk, got, got < READ_CHUNK);
            unpacked = packing != PTM_PACKING_NONE && packing != PTM_PACKING_UNDECIDED;
        }
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

void cli_list_free(input_list *list)
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
int cli_expand_inputs(const options *opts, input_list *list)
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
    return ok ? 0 : cli_fail(PTM_EXIT_RESOURCES, "%s", "out of memory listing the inputs");
}

/* Feeds every input to the stream: one alone as the stream's input, several
 * each as an input of its own. An input that cannot be opened or read is
 * reported; with several, the others go on (it is counted in the list). 0,
 * or the exit code that ends the run. */
int cli_feed_inputs(ptm_converter *converter, input_list *list)
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
        if (code != 0 && list->several && code != PTM_EXIT_RESOURCES) {
            list->unreadable_code = list->unreadable_code ? list->unreadable_code : code;
            list->unreadable++;
            code = 0;
        }
    }
    progress_end(&shown);
    return code;
}
