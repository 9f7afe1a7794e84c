/*
 * ptm_wasm.h: the exported ABI of the reactor module build/wasm/ptm.wasm.
 *
 * The reactor comes in named variants (ptm_reactor_variant in
 * CMakeLists.txt), each with this ABI: ptm.wasm, the default, reads gzip
 * but not zstd input (its size budget: tools/size.sh); ptm-full.wasm reads
 * zstd too and exports ptm_wasm_config_yaml as well (YAML configurations).
 *
 * The module imports nothing: instantiate it with an empty import object and
 * call _initialize() once. All pointers are offsets into its exported memory;
 * sizes are u32. A "handle" wraps one ptm_converter plus its last result.
 *
 * Memory ownership:
 *  - ptm_wasm_alloc() gives the host a buffer it fills (config, input) and
 *    releases with ptm_wasm_free(); the module never frees it.
 *  - Output, stats and error strings belong to the handle: valid until the
 *    next ptm_wasm_convert() or ptm_wasm_destroy() on that handle. Copy them
 *    out before then.
 *  - Every call returns an error code or 0/NULL on failure; none traps on bad
 *    input or config.
 */
#ifndef PTM_WASM_H
#define PTM_WASM_H

#include <stdint.h>

#include "ptm.h"

typedef struct ptm_wasm_handle ptm_wasm_handle;

/* size bytes for the host to fill, or 0 when memory ran out. */
uint8_t *ptm_wasm_alloc(uint32_t size);
/* Releases a buffer from ptm_wasm_alloc(); accepts 0. */
void ptm_wasm_free(uint8_t *pointer);

/*
 * Builds a converter from config bytes (size 0: the defaults) whose hash
 * tables use hash_key: 16 bytes from the host's random source (required; the
 * module has none: see ptm_converter_set_hash_key). Returns a ptm_result; on
 * success stores the handle in *handle_out, on failure stores 0 there and
 * writes a NUL-terminated one-line message of at most error_size bytes into
 * error. hash_key, handle_out and error are host buffers from
 * ptm_wasm_alloc().
 */
int32_t ptm_wasm_create(const uint8_t *config, uint32_t config_size, const uint8_t *hash_key,
                        ptm_wasm_handle **handle_out, char *error, uint32_t error_size);
/* Converts input to format (ptm_format: 0 otlp, 1 json, 2 prom); returns a
 * ptm_result (0: success). */
int32_t ptm_wasm_convert(ptm_wasm_handle *handle, const uint8_t *input, uint32_t input_size,
                         int32_t format);
/* Held series (ptm_converter_add, ptm_converter_flush): add converts input
 * into what the converter holds and writes nothing (its stats are read as
 * after a conversion); flush writes what is held as of now_unix_nano in
 * format (0, 1 or 2), its output and stats read as after a conversion. Each
 * returns a ptm_result. */
int32_t ptm_wasm_add(ptm_wasm_handle *handle, uint64_t now_unix_nano, const uint8_t *input,
                     uint32_t input_size);
int32_t ptm_wasm_flush(ptm_wasm_handle *handle, uint64_t now_unix_nano, int32_t format);
/* An input in pieces (ptm_convert_begin/_feed/_finish): input_size is its
 * total size, or PTM_INPUT_SIZE_UNKNOWN (all 64 bits set); each piece is
 * read during the feed call only; finish converts as ptm_wasm_convert()
 * does, and its output, stats and messages are read the same way. Each
 * returns a ptm_result. */
int32_t ptm_wasm_convert_begin(ptm_wasm_handle *handle, uint64_t input_size);
int32_t ptm_wasm_convert_feed(ptm_wasm_handle *handle, const uint8_t *piece, uint32_t piece_size);
int32_t ptm_wasm_convert_finish(ptm_wasm_handle *handle, int32_t format);
/* How the converter reads its next inputs: a ptm_input_format number
 * (ptm_converter_set_input_format); PTM_ERR_ARGUMENT for another. */
int32_t ptm_wasm_set_input_format(ptm_wasm_handle *handle, int32_t input_format);

/* Whether the next conversions collect the stacks of PTM_FORMAT_FOLDED (3)
 * (ptm_converter_collect_stacks); ptm_wasm_convert() with format 3 does for
 * its call. Returns a ptm_result. */
int32_t ptm_wasm_collect_stacks(ptm_wasm_handle *handle, int32_t enabled);

/* The next of several inputs of the stream (ptm_convert_next_input); name
 * NUL-terminated. */
int32_t ptm_wasm_convert_next_input(ptm_wasm_handle *handle, const char *name, uint64_t input_size);

/* Rows per table of PTM_FORMAT_TOP (ptm_converter_set_top_count). */
int32_t ptm_wasm_set_top_count(ptm_wasm_handle *handle, uint32_t count);

/* The core's version, NUL-terminated static text (ptm_version). */
const char *ptm_wasm_version(void);

/* The core's table of result, format, input format and stats field names and
 * the ptm command's exit codes: NUL-terminated static JSON text
 * (ptm_constants_json). The npm package and the Collector connector read it
 * at load instead of retyping the names. */
const char *ptm_wasm_constants_json(void);

/* The converter's max_input_bytes (ptm_converter_max_input_bytes). */
uint64_t ptm_wasm_max_input_bytes(const ptm_wasm_handle *handle);
/* The last output (after a success), its size, the stats of the last call (a
 * ptm_stats: little-endian u64, as many and in the order that
 * ptm_wasm_constants_json() "stats" names), the last error
 * message (NUL-terminated, "" after a success). */
const uint8_t *ptm_wasm_output(const ptm_wasm_handle *handle);
uint32_t ptm_wasm_output_size(const ptm_wasm_handle *handle);
const ptm_stats *ptm_wasm_stats(const ptm_wasm_handle *handle);
const char *ptm_wasm_last_error(const ptm_wasm_handle *handle);
/* The one-line warning of the last successful convert, or "". */
const char *ptm_wasm_last_warning(const ptm_wasm_handle *handle);
/* The index-th request the last successful convert refused while converting
 * the others (ptm_converter_refused_request): a one-line message, or 0 past
 * the last. */
const char *ptm_wasm_refused_request(const ptm_wasm_handle *handle, uint32_t index);
/* Forgets a cumulative converter's series (ptm_converter_reset). */
/* Symbolization (ptm.h, "Symbolization"): ptm_converter_symbols_scan,
 * _next (the path, or 0 when the plan wants nothing more), _offer (data 0,
 * size 0: no such file) and ptm_converter_add_symbols. */
int32_t ptm_wasm_symbols_scan(ptm_wasm_handle *handle, const uint8_t *input, uint32_t input_size);
const char *ptm_wasm_symbols_next(ptm_wasm_handle *handle);
int32_t ptm_wasm_symbols_offer(ptm_wasm_handle *handle, const uint8_t *data, uint32_t size);
int32_t ptm_wasm_add_symbols(ptm_wasm_handle *handle, const uint8_t *data, uint32_t size);

int32_t ptm_wasm_reset(ptm_wasm_handle *handle);

/* The full variant's only (ptm-full.wasm; a host tells the variants apart by
 * this export): translates a YAML configuration text into the core's JSON
 * configuration, as `ptm -c x.yaml` does (cli/config_yaml.h), for
 * ptm_wasm_create. Returns PTM_OK with the JSON (a buffer the host releases
 * with ptm_wasm_free) in *json_out and its size in *json_size_out, or
 * PTM_ERR_CONFIG (PTM_ERR_NOMEM) with a NUL-terminated one-line message of
 * at most error_size bytes in error, e.g. "config line 3, column 7: mapping
 * values are not allowed in this context". */
int32_t ptm_wasm_config_yaml(const uint8_t *yaml, uint32_t yaml_size, uint8_t **json_out,
                             uint32_t *json_size_out, char *error, uint32_t error_size);
/* Releases the handle and its converter; accepts 0. */
void ptm_wasm_destroy(ptm_wasm_handle *handle);

#endif /* PTM_WASM_H */
