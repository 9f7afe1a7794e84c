/*
 * status.h: the one error channel of a call.
 *
 * A status is a ptm_result and a one-line message. Every stage that can fail
 * (decode, JSON input, configuration, patterns, conversion) records its
 * failure in the status of the call through status_fail(), the one choke
 * point: the first failure wins (what follows from it is not the cause), the
 * message is made one printable line, and the code says what kind of failure
 * it is, so that no caller ever reads a code back out of message text.
 * Invariant: code == PTM_OK exactly while message is "".
 */
#ifndef PTM_STATUS_H
#define PTM_STATUS_H

#include <stdbool.h>

#include "ptm.h"

typedef struct ptm_status {
    ptm_result code;
    char message[512];
} ptm_status;

/* An OK status. */
void status_init(ptm_status *status);

/* Records a failure of code with a printf-style message, unless the status
 * has one already. Returns false, so that a failing step can
 * `return status_fail(...)`. */
bool status_fail(ptm_status *status, ptm_result code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* status_fail(status, PTM_ERR_NOMEM, "out of memory"). */
bool status_out_of_memory(ptm_status *status);

/* Puts context before the message of a failed status ("input line 3: "
 * before "JSON: ..."); nothing when it is OK. */
void status_prefix(ptm_status *status, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static inline bool status_ok(const ptm_status *status)
{
    return status->code == PTM_OK;
}

#endif /* PTM_STATUS_H */
