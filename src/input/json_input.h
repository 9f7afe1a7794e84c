/*
 * json_input.h: OTLP/JSON profiles requests → protobuf.
 *
 * OTLP/JSON input is transcoded into the protobuf encoding of the same
 * ExportProfilesServiceRequest, which then takes the one protobuf path: the
 * pipeline has a single decoder and both inputs give identical results. The
 * transcoder is driven by a table of the messages and fields it knows (the
 * ones profiles.proto names, plus those decode skips); unknown fields are
 * ignored, as protojson's DiscardUnknown does and as pdata does.
 */
#ifndef PTM_JSON_INPUT_H
#define PTM_JSON_INPUT_H

#include "base/arena.h"
#include "base/status.h"

/*
 * Parses the first JSON value of text[0..size) as an ExportProfilesServiceRequest
 * and appends its protobuf encoding to out. *consumed is set to the bytes
 * read (the value and the white space after it), so that JSON Lines or
 * concatenated requests can be read one after another.
 * Returns status->code after recording any failure in status: PTM_ERR_INPUT
 * (the message names the JSON path, with no "input: " prefix: the caller says
 * where the request is), PTM_ERR_LIMIT (AnyValues nested past their limit)
 * or PTM_ERR_NOMEM. *syntax_error_at is the offset where the text stops being
 * JSON when it is not valid JSON, SIZE_MAX otherwise.
 */
ptm_result json_request_to_protobuf(const char *text, size_t size, size_t *consumed,
                                    size_t *syntax_error_at, byte_buffer *out, ptm_status *status);

#endif /* PTM_JSON_INPUT_H */
