/*
 * held.c: the held series: ptm_converter_add() converts an input into the
 * held store (call.c's finish, add_time set) and writes nothing;
 * ptm_converter_flush() writes what is held as of now and settles it.
 */
#include <stdio.h>
#include <string.h>

#include "api/converter_internal.h"

ptm_result ptm_converter_add(ptm_converter *converter, uint64_t now_unix_nano,
                             const uint8_t *input, size_t input_size, ptm_stats *stats)
{
    const uint8_t *output;
    size_t output_size;
    if (!call_clear_outputs(converter, &output, &output_size, stats))
        return PTM_ERR_ARGUMENT;
    if (now_unix_nano == 0) {
        call_begin(converter);
        status_fail(&converter->status, PTM_ERR_ARGUMENT, "now_unix_nano must not be 0");
        return call_hand_out(converter, converter->status.code, NULL, &output, &output_size, stats);
    }
    converter->add_time = now_unix_nano;
    ptm_result result = ptm_convert(converter, input, input_size, PTM_FORMAT_OTLP_PROTOBUF, &output,
                                    &output_size, stats);
    converter->add_time = 0;
    return result;
}

/* Writes the held series as of now into out and settles the held state:
 * delta forgets them, cumulative drops those idle past metrics_expiration. */
static void flush_held(ptm_converter *converter, uint64_t now, ptm_format format, byte_buffer *out)
{
    ptm_status *status = &converter->status;
    const ptm_config *config = &converter->config;
    conversion *c = &converter->call->conversion;
    cumulative_store *store = &converter->kept[converter->kept_current];
    cumulative_store *next = &converter->kept[!converter->kept_current];
    uint64_t since = config->cumulative && config->metrics_expiration != 0 && now > config->metrics_expiration
                         ? now - config->metrics_expiration + 1 : 0;
    uint32_t expired = 0;
    bool ok = conversion_init(c, config, &converter->metrics, &converter->hash_key, &converter->conversion_arena,
                              &converter->conversion_arena, status) &&
              cumulative_restore(store, c, since, &expired) &&
              (expired == 0 || cumulative_absorb(next, c, 0)); /* the live ones, times kept */
    if (ok) {
        cumulative_stamp(c, converter->window_start != 0 ? converter->window_start : now, now);
        c->top_count = converter->top_count;
        ok = conversion_finish(c);
    }
    if (!ok)
        status_out_of_memory(status);
    else
        ok = call_encode(c, format, out, status);
    if (!ok) {
        cumulative_clear(next);
        return;
    }
    converter->window_start = now;
    if (!config->cumulative || expired > 0)
        cumulative_clear(store); /* c, which points into it, is written */
    if (expired > 0)
        converter->kept_current = !converter->kept_current; /* next holds the live series */
}

ptm_result ptm_converter_flush(ptm_converter *converter, uint64_t now_unix_nano, ptm_format format,
                               const uint8_t **output, size_t *output_size, ptm_stats *stats)
{
    if (!call_clear_outputs(converter, output, output_size, stats))
        return PTM_ERR_ARGUMENT;
    call_begin(converter);
    ptm_status *status = &converter->status;
    if (output == NULL || output_size == NULL)
        status_fail(status, PTM_ERR_ARGUMENT, "output and output_size must not be NULL");
    else if (format != PTM_FORMAT_OTLP_PROTOBUF && format != PTM_FORMAT_OTLP_JSON && format != PTM_FORMAT_PROMETHEUS)
        status_fail(status, PTM_ERR_ARGUMENT, "a flush writes metrics: format %d is not otlp, json or prom",
                    (int)format);
    else if (now_unix_nano == 0)
        status_fail(status, PTM_ERR_ARGUMENT, "now_unix_nano must not be 0");
    byte_buffer out;
    call_output_init(converter, &out);
    if (status_ok(status))
        flush_held(converter, now_unix_nano, format, &out);
    return call_hand_out(converter, status->code, &out, output, output_size, stats);
}
