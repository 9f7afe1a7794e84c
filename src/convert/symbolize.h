/*
 * symbolize.h: finding the ELF files of a request's native frames.
 *
 * A native frame is a location without lines whose mapping has a build ID
 * (OTLP: the mapping attribute process.executable.build_id.gnu; pprof:
 * Mapping.build_id). Its name comes from the symbol table of a file with that
 * build ID (dictionary.c names it from the converter's symbol_cache). This
 * file decides which files to read: symbolizer_plan() lists the build IDs a
 * request needs that the cache does not know, and for each the paths to try,
 * in order (docs/symbolization.md):
 *   in each directory D of symbolize.paths:
 *     D/.build-id/xx/rest.debug, D/debug/.build-id/xx/rest.debug, D/<name>
 *   symbolize.root + the path of the process's executable (its base name the
 *     mapping's; {pid} in the root is the process's pid), or of the mapping
 *     when its file name is a path (pprof)
 *   each debuginfod server U: U/buildid/<id>/debuginfo, U/buildid/<id>/executable
 * The host reads the paths one at a time (symbolizer_next_path(), then
 * symbolizer_offer() with the bytes, or NULL when there is no such file).
 * A file is used only when its build ID is the mapping's. The first with
 * function symbols ends the search; a stripped one with a .gnu_debuglink N
 * puts D/N and D/.debug/N (each D, and the file's own directory) next. A
 * build ID whose paths all fail is remembered as missing.
 * Paths from the data are never trusted: a file name is a base name (no '/',
 * not "." or "..") or an absolute path with no "." or ".." component (its
 * base name is used; a relative path names no file), an executable path
 * is absolute with no "." or ".." component, and hosts open regular files
 * only (docs/security.md).
 * The core reads no file: the native CLI does through ptm_file_source, the
 * wasm hosts through ptm_converter_symbols_scan() and the two calls above.
 */
#ifndef PTM_SYMBOLIZE_H
#define PTM_SYMBOLIZE_H

#include "config/config.h"
#include "decode/decode.h"
#include "decode/dictionary.h"
#include "symbols/symbol_cache.h"

/* The longest path the symbolizer hands out (a longer one is skipped). */
enum { SYMBOL_PATH_MAX = 4096 };
/* The largest file the symbolizer reads (docs/security.md). */
#define SYMBOL_FILE_MAX_BYTES ((size_t)1 << 30)

typedef struct wanted_file wanted_file;

typedef struct symbolizer {
    symbol_cache cache;
    const ptm_config *config;
    arena plan;               /* the plan below; reset by symbolizer_begin_plan() */
    arena_vector wanted;      /* wanted_file: the build IDs to look for */
    uint32_t at;              /* wanted[at] is being looked for */
    uint32_t candidate_at;    /* its next path */
    bool path_out;            /* next_path handed out a path not yet answered */
    char path[SYMBOL_PATH_MAX + 1];
} symbolizer;

void symbolizer_init(symbolizer *s, const ptm_config *config, const ptm_allocator *allocator);
void symbolizer_free(symbolizer *s);
/* Forgets the plan and every table (ptm_converter_reset()). */
void symbolizer_clear(symbolizer *s);

/* Starts a plan: the last one is forgotten. */
void symbolizer_begin_plan(symbolizer *s);

/* Adds the files of a request's native frames to the plan: dictionary, and
 * its resources (for their executables' paths; NULL, 0 for pprof). False
 * when memory ran out. */
bool symbolizer_plan(symbolizer *s, const profile_dictionary *dictionary, const decoded_resource *resources,
                     uint32_t resource_count);

/* The next path to read (NUL-terminated, valid until the next call), or
 * NULL when the plan is done. */
const char *symbolizer_next_path(symbolizer *s);

/* The bytes of the file at the last path (data NULL: it could not be read).
 * False when memory ran out (the plan then ends). */
bool symbolizer_offer(symbolizer *s, const uint8_t *data, size_t size);

/* Keeps the table of a file handed in without a plan, under its own build
 * ID. PTM_ERR_INPUT with the reason in status when it is no ELF file or has
 * no build ID; PTM_ERR_NOMEM. */
ptm_result symbolizer_add_file(symbolizer *s, const uint8_t *data, size_t size, ptm_status *status);

#endif /* PTM_SYMBOLIZE_H */
