/*
 * wire_fault.c: the texts of the protobuf reader's faults (wire_read.h), in
 * one table beside their codes, as zstd keeps its error strings. Both
 * decoders, OTLP (decode/) and pprof, end their "malformed ..." messages
 * with these words, so one fault reads the same in either.
 */
#include "wire/wire_read.h"

#include <stdio.h>

static const char *const fault_texts[] = {
    [WIRE_OK] = "no fault",
    [WIRE_TRUNCATED] = "truncated",
    [WIRE_VARINT_OVERFLOW] = "varint overflow",
    [WIRE_WRONG_TYPE] = "wrong wire type",
    [WIRE_INVALID_TYPE] = "invalid wire type",
    [WIRE_ZERO_FIELD] = "field number 0",
};

const char *wire_fault_text(wire_fault fault)
{
    return (unsigned)fault < sizeof fault_texts / sizeof *fault_texts ? fault_texts[fault] : "invalid data";
}

void wire_skip_fault_text(char *buffer, size_t size, uint32_t field, uint32_t wire_type, wire_fault fault)
{
    if (fault == WIRE_INVALID_TYPE)
        snprintf(buffer, size, "field %u: invalid wire type %u", (unsigned)field, (unsigned)wire_type);
    else
        snprintf(buffer, size, "field %u: %s", (unsigned)field, wire_fault_text(fault));
}
