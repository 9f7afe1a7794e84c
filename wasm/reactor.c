/*
 * reactor.c: the zero-import reactor ABI (include/ptm_wasm.h) over the C API.
 * No logic lives here: each export is a thin wrapper that keeps the last
 * output and stats next to the converter for the host to read.
 */
#include <stdlib.h>
#include <string.h>

#include "ptm_wasm.h"

#define EXPORT(name) __attribute__((export_name(#name))) name

struct ptm_wasm_handle {
    ptm_converter *converter;
    const uint8_t *output;
    size_t output_size;
    ptm_stats stats;
};

uint8_t *EXPORT(ptm_wasm_alloc)(uint32_t size)
{
    return malloc(size > 0 ? size : 1);
}

void EXPORT(ptm_wasm_free)(uint8_t *pointer)
{
    free(pointer);
}

static int32_t refuse(ptm_result result, const char *message, char *error, uint32_t error_size)
{
    if (error != NULL && error_size > 0)
        strncpy(error, message, error_size - 1)[error_size - 1] = '\0';
    return result;
}

int32_t EXPORT(ptm_wasm_create)(const uint8_t *config, uint32_t config_size,
                                const uint8_t *hash_key, ptm_wasm_handle **handle_out,
                                char *error, uint32_t error_size)
{
    if (handle_out == NULL)
        return refuse(PTM_ERR_ARGUMENT, "handle_out is NULL", error, error_size);
    *handle_out = NULL;
    /* The module has no entropy of its own (hash.h): the host's key is required. */
    if (hash_key == NULL)
        return refuse(PTM_ERR_ARGUMENT, "hash_key is NULL: pass 16 random bytes", error, error_size);
    ptm_wasm_handle *handle = calloc(1, sizeof *handle);
    if (handle == NULL)
        return refuse(PTM_ERR_NOMEM, "out of memory", error, error_size);
    ptm_result result = ptm_converter_create((const char *)config, config_size, NULL,
                                             &handle->converter, error, error_size);
    if (result != PTM_OK) {
        free(handle);
        return result;
    }
    ptm_converter_set_hash_key(handle->converter, hash_key);
    *handle_out = handle;
    return PTM_OK;
}

int32_t EXPORT(ptm_wasm_convert)(ptm_wasm_handle *handle, const uint8_t *input, uint32_t input_size,
                                 int32_t format)
{
    if (handle == NULL)
        return PTM_ERR_ARGUMENT;
    handle->output = NULL;
    handle->output_size = 0;
    return ptm_convert(handle->converter, input, input_size, (ptm_format)format, &handle->output,
                       &handle->output_size, &handle->stats);
}

int32_t EXPORT(ptm_wasm_add)(ptm_wasm_handle *handle, uint64_t now_unix_nano, const uint8_t *input,
                             uint32_t input_size)
{
    if (handle == NULL)
        return PTM_ERR_ARGUMENT;
    handle->output = NULL;
    handle->output_size = 0;
    return ptm_converter_add(handle->converter, now_unix_nano, input, input_size, &handle->stats);
}

int32_t EXPORT(ptm_wasm_flush)(ptm_wasm_handle *handle, uint64_t now_unix_nano, int32_t format)
{
    if (handle == NULL)
        return PTM_ERR_ARGUMENT;
    return ptm_converter_flush(handle->converter, now_unix_nano, (ptm_format)format, &handle->output,
                               &handle->output_size, &handle->stats);
}

/* Symbolization for a host that reads files (ptm.h): scan an input, then
 * read each path next gives (0 when none) and offer its bytes (NULL, 0: no
 * such file); add_symbols keeps a file handed in unasked. */
int32_t EXPORT(ptm_wasm_symbols_scan)(ptm_wasm_handle *handle, const uint8_t *input, uint32_t input_size)
{
    return handle != NULL ? ptm_converter_symbols_scan(handle->converter, input, input_size) : PTM_ERR_ARGUMENT;
}

const char *EXPORT(ptm_wasm_symbols_next)(ptm_wasm_handle *handle)
{
    const char *path = NULL;
    if (handle != NULL)
        ptm_converter_symbols_next(handle->converter, &path);
    return path;
}

int32_t EXPORT(ptm_wasm_symbols_offer)(ptm_wasm_handle *handle, const uint8_t *data, uint32_t size)
{
    return handle != NULL ? ptm_converter_symbols_offer(handle->converter, data, size) : PTM_ERR_ARGUMENT;
}

int32_t EXPORT(ptm_wasm_add_symbols)(ptm_wasm_handle *handle, const uint8_t *data, uint32_t size)
{
    return handle != NULL ? ptm_converter_add_symbols(handle->converter, data, size) : PTM_ERR_ARGUMENT;
}

int32_t EXPORT(ptm_wasm_convert_begin)(ptm_wasm_handle *handle, uint64_t input_size)
{
    if (handle == NULL)
        return PTM_ERR_ARGUMENT;
    handle->output = NULL;
    handle->output_size = 0;
    return ptm_convert_begin(handle->converter, input_size);
}

int32_t EXPORT(ptm_wasm_convert_feed)(ptm_wasm_handle *handle, const uint8_t *piece,
                                      uint32_t piece_size)
{
    return handle != NULL ? ptm_convert_feed(handle->converter, piece, piece_size) : PTM_ERR_ARGUMENT;
}

int32_t EXPORT(ptm_wasm_convert_finish)(ptm_wasm_handle *handle, int32_t format)
{
    if (handle == NULL)
        return PTM_ERR_ARGUMENT;
    return ptm_convert_finish(handle->converter, (ptm_format)format, &handle->output,
                              &handle->output_size, &handle->stats);
}

int32_t EXPORT(ptm_wasm_convert_next_input)(ptm_wasm_handle *handle, const char *name, uint64_t input_size)
{
    return handle != NULL ? ptm_convert_next_input(handle->converter, name, input_size) : PTM_ERR_ARGUMENT;
}

int32_t EXPORT(ptm_wasm_set_input_format)(ptm_wasm_handle *handle, int32_t input_format)
{
    if (handle == NULL)
        return PTM_ERR_ARGUMENT;
    return ptm_converter_set_input_format(handle->converter, (ptm_input_format)input_format);
}

int32_t EXPORT(ptm_wasm_collect_stacks)(ptm_wasm_handle *handle, int32_t enabled)
{
    return handle != NULL ? ptm_converter_collect_stacks(handle->converter, enabled) : PTM_ERR_ARGUMENT;
}

int32_t EXPORT(ptm_wasm_set_top_count)(ptm_wasm_handle *handle, uint32_t count)
{
    return handle != NULL ? ptm_converter_set_top_count(handle->converter, count) : PTM_ERR_ARGUMENT;
}

const char *EXPORT(ptm_wasm_version)(void)
{
    return ptm_version();
}

const char *EXPORT(ptm_wasm_constants_json)(void)
{
    return ptm_constants_json();
}

uint64_t EXPORT(ptm_wasm_max_input_bytes)(const ptm_wasm_handle *handle)
{
    return handle != NULL ? ptm_converter_max_input_bytes(handle->converter) : 0;
}

const uint8_t *EXPORT(ptm_wasm_output)(const ptm_wasm_handle *handle)
{
    return handle != NULL ? handle->output : NULL;
}

uint32_t EXPORT(ptm_wasm_output_size)(const ptm_wasm_handle *handle)
{
    return handle != NULL ? (uint32_t)handle->output_size : 0;
}

const ptm_stats *EXPORT(ptm_wasm_stats)(const ptm_wasm_handle *handle)
{
    return handle != NULL ? &handle->stats : NULL;
}

const char *EXPORT(ptm_wasm_last_error)(const ptm_wasm_handle *handle)
{
    return handle != NULL ? ptm_converter_last_error(handle->converter) : "no converter";
}

const char *EXPORT(ptm_wasm_last_warning)(const ptm_wasm_handle *handle)
{
    return handle != NULL ? ptm_converter_last_warning(handle->converter) : "";
}

const char *EXPORT(ptm_wasm_refused_request)(const ptm_wasm_handle *handle, uint32_t index)
{
    return handle != NULL ? ptm_converter_refused_request(handle->converter, index) : NULL;
}

int32_t EXPORT(ptm_wasm_reset)(ptm_wasm_handle *handle)
{
    return handle != NULL ? ptm_converter_reset(handle->converter) : PTM_ERR_ARGUMENT;
}

void EXPORT(ptm_wasm_destroy)(ptm_wasm_handle *handle)
{
    if (handle == NULL)
        return;
    ptm_converter_free(handle->converter);
    free(handle);
}

/*
 * The core's getentropy() would import WASI random_get: the reactor takes
 * its hash key from the host, and this definition satisfies the link inside
 * the module (returning ENOSYS, 52), so that, with no_stdio.c, it imports
 * nothing.
 */
int32_t __imported_wasi_snapshot_preview1_random_get(int32_t buffer, int32_t size);

int32_t __imported_wasi_snapshot_preview1_random_get(int32_t buffer, int32_t size)
{
    (void)buffer, (void)size;
    return 52;
}
