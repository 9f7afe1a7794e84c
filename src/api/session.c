/*
 * session.c: the stream's entry points (ptm_convert_begin, _feed, _finish)
 * and several inputs in one stream (ptm_convert_next_input): each input
 * named, what fails one refuses it (named) while the others convert.
 */
#include <stdio.h>
#include <string.h>

#include "api/converter_internal.h"
#include "input/detect.h"
#include "input/json_syntax.h"

/* ---- several inputs ---- */

/* Refuses the current input, named, with code and message (the others
 * convert); counts it as a refused request. */
static void refuse_input(ptm_converter *converter, ptm_result code, const char *message)
{
    call_refuse(converter, code, message);
    converter->input_refused = true;
}

/* With several inputs, what failed the current input (invalid, over a
 * limit) refuses it instead of ending the stream; running out of memory
 * still ends it. */
static void settle_input_failure(ptm_converter *converter)
{
    ptm_status *status = &converter->status;
    if (status->code != PTM_ERR_INPUT && status->code != PTM_ERR_LIMIT)
        return;
    ptm_result code = status->code;
    char message[sizeof status->message];
    snprintf(message, sizeof message, "%s", status->message);
    status_init_budget(status, &converter->budget);
    refuse_input(converter, code, message);
}

/* Converts an input held whole (protobuf: an OTLP request or a pprof
 * profile), as the stream does a block: in the request arena, its strings
 * copied, refused by name when it is not valid. White space alone is no
 * request. */
static void convert_whole_input(ptm_converter *converter)
{
    byte_slice held = input_stream_held(&converter->call->stream);
    const uint8_t *input = held.data != NULL ? held.data : (const uint8_t *)"";
    size_t size = held.size;
    if (json_space_end(input, size, 0) == size)
        return;
    ptm_status request; /* this input's: a refusal is not the call's failure */
    conversion *c = &converter->call->conversion;
    arena_reset(&converter->request_arena);
    status_init(&request);
    ptm_input_format format = input_format_of(converter->input_format, input, size, &request);
    if (format != PTM_INPUT_AUTO)
        call_decode_whole(c, format, (byte_slice){input, size}, &converter->request_arena, &request);
    if (request.code == PTM_OK)
        converter->call->requests.converted++;
    else if (request.code == PTM_ERR_NOMEM)
        status_out_of_memory(&converter->status);
    else
        refuse_input(converter, request.code, request.message);
}

/* Ends the current one of several inputs: what it holds converts (or is
 * refused), and nothing of it stays. */
static void end_named_input(ptm_converter *converter)
{
    input_stream *stream = &converter->call->stream;
    if (!converter->input_refused && input_stream_end(stream) == PTM_OK && !input_stream_streamed(stream))
        convert_whole_input(converter);
    settle_input_failure(converter);
    input_stream_drop_input(stream);
}

/* Gets the stream ready for an input's first bytes. */
static void reset_input(ptm_converter *converter, uint64_t input_size)
{
    if (converter->call != NULL)
        input_stream_start_input(&converter->call->stream, input_size);
    converter->input_refused = false;
}

/* Whether a stream is open; else the call fails with that message. */
static bool stream_open(ptm_converter *converter)
{
    if (converter->streaming)
        return true;
    status_init_budget(&converter->status, &converter->budget);
    status_fail(&converter->status, PTM_ERR_ARGUMENT, "no stream begun (ptm_convert_begin)");
    return false;
}

ptm_result ptm_convert_next_input(ptm_converter *converter, const char *name, uint64_t input_size)
{
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    ptm_status *status = &converter->status;
    if (!stream_open(converter) || !status_ok(status))
        return status->code;
    if (!converter->several && input_stream_begun(&converter->call->stream)) {
        status_fail(status, PTM_ERR_ARGUMENT, "ptm_convert_next_input() comes before each input's pieces, "
                    "the first one's too");
        return status->code;
    }
    if (converter->several)
        end_named_input(converter);
    else if (call_start_conversion(converter, true) != PTM_OK)
        return status->code;
    converter->several = true;
    snprintf(converter->input_name, sizeof converter->input_name, "%s", name != NULL ? name : "input");
    message_one_line(converter->input_name);
    reset_input(converter, input_size);
    return status->code;
}

/* ---- the stream ---- */

ptm_result ptm_convert_begin(ptm_converter *converter, uint64_t input_size)
{
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    call_begin(converter);
    converter->streaming = true;
    converter->several = false;
    reset_input(converter, input_size);
    return converter->status.code;
}

ptm_result ptm_convert_feed(ptm_converter *converter, const uint8_t *piece, size_t size)
{
    if (converter == NULL)
        return PTM_ERR_ARGUMENT;
    ptm_status *status = &converter->status;
    if (!stream_open(converter))
        return status->code;
    if (piece == NULL && size > 0)
        status_fail(status, PTM_ERR_ARGUMENT, "piece must not be NULL");
    if (!status_ok(status) || size == 0 || converter->input_refused)
        return status->code;
    input_stream_feed(&converter->call->stream, piece, size);
    if (converter->several)
        settle_input_failure(converter);
    return status->code;
}

ptm_result ptm_convert_finish(ptm_converter *converter, ptm_format format,
                              const uint8_t **output, size_t *output_size, ptm_stats *stats)
{
    if (!call_clear_outputs(converter, output, output_size, stats))
        return PTM_ERR_ARGUMENT;
    ptm_status *status = &converter->status;
    if (!stream_open(converter)) {
        /* stream_open() said why */
    } else if (output == NULL || output_size == NULL) {
        status_fail(status, PTM_ERR_ARGUMENT, "output and output_size must not be NULL");
    } else if (!call_format_known(format)) {
        status_fail(status, PTM_ERR_ARGUMENT, "unknown output format %d", (int)format);
    }
    byte_buffer out;
    call_output_init(converter, &out);
    if (status_ok(status) && converter->several) {
        end_named_input(converter);
        if (status_ok(status))
            call_settle_requests(converter);
    } else if (status_ok(status)) {
        input_stream *stream = &converter->call->stream;
        if (input_stream_end(stream) == PTM_OK && input_stream_streamed(stream)) {
            call_settle_requests(converter);
        } else if (status_ok(status) && !input_stream_streamed(stream)) {
            byte_slice held = input_stream_held(stream);
            call_walk_input(converter, held.data, held.size);
        }
    }
    if (status_ok(status))
        call_finish_conversion(converter, format, &out);
    call_end_stream(converter);
    return call_hand_out(converter, status->code, &out, output, output_size, stats);
}
