/*
 * converter.c: the public API (ptm.h): the converter's lifetime and
 * settings, ptm_convert() (one input in memory, one call), and the host's
 * files for symbolization. The stream and several inputs are in session.c,
 * the held series in held.c, one call's conversion, output and refusals in
 * call.c; the input itself is read by the input stage (input/stream.h).
 * converter_internal.h says how they fit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/converter_internal.h"
#include "input/detect.h"


const char *ptm_version(void)
{
    return PTM_VERSION;
}

ptm_result ptm_converter_create(const char *config, size_t config_size,
                                const ptm_allocator *allocator,
                                ptm_converter **converter_out,
                                char *error_buffer, size_t error_buffer_size)
{
    char scratch[8];
    if (error_buffer == NULL || error_buffer_size == 0) {
        error_buffer = scratch;
        error_buffer_size = sizeof scratch;
    }
    error_buffer[0] = '\0';
    if (converter_out == NULL) {
        snprintf(error_buffer, error_buffer_size, "converter_out is NULL");
        return PTM_ERR_ARGUMENT;
    }
    *converter_out = NULL;
    if (allocator == NULL)
        allocator = &libc_allocator;
    ptm_converter *converter = allocator->malloc_fn(allocator->context, sizeof *converter);
    if (converter == NULL) {
        snprintf(error_buffer, error_buffer_size, "out of memory");
        return PTM_ERR_NOMEM;
    }
    memset(converter, 0, sizeof *converter);
    memory_budget_init(&converter->budget, allocator, SIZE_MAX); /* the configuration's, once read */
    converter->allocator = memory_budget_allocator(&converter->budget);
    converter->top_count = PTM_TOP_COUNT_DEFAULT;
    hash_key_from_system(&converter->hash_key);
    arena_init(&converter->conversion_arena, &converter->allocator);
    arena_init(&converter->request_arena, &converter->allocator);
    cumulative_init(&converter->cumulative, &converter->allocator);
    cumulative_init(&converter->kept[0], &converter->allocator);
    cumulative_init(&converter->kept[1], &converter->allocator);
    ptm_status *status = &converter->status;
    status_init_budget(status, &converter->budget);
    if (config_parse(&converter->config, config, config_size, &converter->allocator, status) == PTM_OK &&
        !metric_table_build(&converter->metrics, &converter->config)) {
        config_free(&converter->config);
        status_out_of_memory(status);
    }
    if (!status_ok(status)) {
        ptm_result result = status->code;
        snprintf(error_buffer, error_buffer_size, "%s", status->message);
        allocator->free_fn(allocator->context, converter);
        return result;
    }
    converter->budget.limit = (size_t)converter->config.max_memory_bytes;
    symbolizer_init(&converter->symbols, &converter->config, &converter->allocator);
    *converter_out = converter;
    return PTM_OK;
}

void ptm_converter_free(ptm_converter *converter)
{
    if (converter == NULL)
        return;
    call_end_stream(converter);
    arena_free(&converter->conversion_arena);
    arena_free(&converter->request_arena);
    cumulative_clear(&converter->cumulative);
    cumulative_clear(&converter->kept[0]);
    cumulative_clear(&converter->kept[1]);
    symbolizer_free(&converter->symbols);
    config_free(&converter->config);
    ptm_allocator inner = converter->budget.inner; /* the converter itself is not in its budget */
    inner.free_fn(inner.context, converter);
}

const char *ptm_converter_last_error(const ptm_converter *converter)
{
    return converter != NULL ? converter->status.message : "converter is NULL";
}

const char *ptm_converter_last_warning(const ptm_converter *converter)
{
    return converter != NULL ? converter->warning : "";
}

ptm_result ptm_converter_set_hash_key(ptm_converter *converter, const uint8_t key[16])
{
    if (converter == NULL || key == NULL)
        return PTM_ERR_ARGUMENT;
    uint64_t words[2];
    memcpy(words, key, sizeof words);
    converter->hash_key = (hash_key){words[0], words[1]};
    return PTM_OK;
}

const char *ptm_converter_refused_request(const ptm_converter *converter, size_t index)
{
    return converter != NULL && index < converter->refused_count ? converter->refused[index] : NULL;
}

ptm_result ptm_converter_collect_stacks(ptm_converter *converter, int enabled)
{
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    converter->collect_stacks = enabled != 0;
    return PTM_OK;
}

ptm_result ptm_converter_progress(const ptm_converter *converter, ptm_stats *stats)
{
    if (converter == NULL || stats == NULL)
        return PTM_ERR_ARGUMENT;
    memset(stats, 0, sizeof *stats);
    if (converter->streaming && converter->call != NULL) /* calloc'd: zero until the conversion starts */
        *stats = converter->call->conversion.stats;
    return PTM_OK;
}

ptm_result ptm_converter_set_top_count(ptm_converter *converter, uint32_t count)
{
    if (converter == NULL || count < 1 || count > PTM_TOP_COUNT_MAX)
        return PTM_ERR_ARGUMENT;
    converter->top_count = count;
    return PTM_OK;
}

ptm_result ptm_converter_set_input_format(ptm_converter *converter, ptm_input_format format)
{
    if (converter == NULL || (unsigned)format > PTM_INPUT_PPROF)
        return PTM_ERR_ARGUMENT;
    converter->input_format = format;
    return PTM_OK;
}

uint64_t ptm_converter_max_input_bytes(const ptm_converter *converter)
{
    return converter != NULL ? converter->config.max_input_bytes : 0;
}

ptm_input_packing ptm_converter_input_packing(const ptm_converter *converter, const uint8_t *first, size_t size,
                                              int at_end)
{
    if (converter == NULL || (first == NULL && size > 0))
        return PTM_PACKING_NONE;
    return input_packing_of(converter->input_format, first, size, at_end != 0);
}

ptm_result ptm_converter_reset(ptm_converter *converter)
{
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    cumulative_clear(&converter->cumulative);
    cumulative_clear(&converter->kept[0]);
    cumulative_clear(&converter->kept[1]);
    converter->window_start = 0;
    symbolizer_clear(&converter->symbols);
    return PTM_OK;
}

ptm_result ptm_convert(ptm_converter *converter, const uint8_t *input, size_t input_size,
                       ptm_format format, const uint8_t **output, size_t *output_size,
                       ptm_stats *stats)
{
    if (!call_clear_outputs(converter, output, output_size, stats))
        return PTM_ERR_ARGUMENT;
    call_begin(converter);
    ptm_status *status = &converter->status;
    if (output == NULL || output_size == NULL || (input == NULL && input_size > 0))
        status_fail(status, PTM_ERR_ARGUMENT, "input, output and output_size must not be NULL");
    else if (!call_format_known(format))
        status_fail(status, PTM_ERR_ARGUMENT, "unknown output format %d", (int)format);
    else if (input_size > converter->config.max_input_bytes)
        status_fail(status, PTM_ERR_LIMIT, "input: %zu bytes is more than max_input_bytes (%llu)",
                    input_size, (unsigned long long)converter->config.max_input_bytes);
    if (status_ok(status) && input_needs_stream(input, input_size)) {
        /* compressed or length-prefixed: the stream's stages read it */
        converter->folded_call = format == PTM_FORMAT_FOLDED || format == PTM_FORMAT_TOP;
        ptm_convert_begin(converter, input_size);
        ptm_convert_feed(converter, input, input_size);
        ptm_result result = ptm_convert_finish(converter, format, output, output_size, stats);
        converter->folded_call = false;
        return result;
    }
    byte_buffer out;
    call_output_init(converter, &out);
    converter->folded_call = format == PTM_FORMAT_FOLDED || format == PTM_FORMAT_TOP;
    if (status_ok(status) && call_walk_input(converter, input, input_size) == PTM_OK)
        call_finish_conversion(converter, format, &out);
    converter->folded_call = false;
    call_end_stream(converter); /* what the JSON reader holds */
    return call_hand_out(converter, status->code, &out, output, output_size, stats);
}

/* ---- symbolization: the host's files ---- */

ptm_result ptm_converter_set_file_source(ptm_converter *converter, const ptm_file_source *source)
{
    if (converter == NULL || (source != NULL && (source->read == NULL || source->release == NULL)))
        return PTM_ERR_ARGUMENT;
    converter->files = source != NULL ? *source : (ptm_file_source){0};
    return PTM_OK;
}

ptm_result ptm_converter_symbols_scan(ptm_converter *converter, const uint8_t *input, size_t input_size)
{
    const uint8_t *output;
    size_t output_size;
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    symbolizer_begin_plan(&converter->symbols);
    converter->scanning = true;
    ptm_result result = ptm_convert(converter, input, input_size, PTM_FORMAT_OTLP_PROTOBUF, &output,
                                    &output_size, NULL);
    converter->scanning = false;
    return result;
}

ptm_result ptm_converter_symbols_next(ptm_converter *converter, const char **path)
{
    if (converter == NULL || path == NULL)
        return PTM_ERR_ARGUMENT;
    *path = symbolizer_next_path(&converter->symbols);
    return PTM_OK;
}

ptm_result ptm_converter_symbols_offer(ptm_converter *converter, const uint8_t *data, size_t size)
{
    if (converter == NULL || (data == NULL && size > 0))
        return PTM_ERR_ARGUMENT;
    status_init_budget(&converter->status, &converter->budget);
    memory_budget_begin(&converter->budget);
    if (!symbolizer_offer(&converter->symbols, data, size))
        status_out_of_memory(&converter->status);
    return converter->status.code;
}

ptm_result ptm_converter_add_symbols(ptm_converter *converter, const uint8_t *data, size_t size)
{
    if (converter == NULL || data == NULL)
        return PTM_ERR_ARGUMENT;
    status_init_budget(&converter->status, &converter->budget);
    memory_budget_begin(&converter->budget);
    return symbolizer_add_file(&converter->symbols, data, size, &converter->status);
}
