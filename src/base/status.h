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

struct memory_budget;

typedef struct ptm_status {
    ptm_result code;
    char message[512];
    /* The converter's memory budget, when the status is one of its calls'
     * (status_init: NULL): an out-of-memory failure the budget caused is
     * reported as its limit (status_out_of_memory). */
    const struct memory_budget *budget;
} ptm_status;

/* An OK status (with no memory budget). */
void status_init(ptm_status *status);
/* An OK status of a call of the converter whose budget this is. */
void status_init_budget(ptm_status *status, const struct memory_budget *budget);

/* Records a failure of code with a printf-style message, unless the status
 * has one already. Returns false, so that a failing step can
 * `return status_fail(...)`. */
bool status_fail(ptm_status *status, ptm_result code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* status_fail(status, PTM_ERR_NOMEM, "out of memory"), or, when the
 * status's memory budget refused an allocation, PTM_ERR_MEMORY_LIMIT
 * "memory limit: ... max_memory_bytes ...". */
bool status_out_of_memory(ptm_status *status);
/* status_out_of_memory(), saying what was lost for it ("the held series
 * were dropped"). */
bool status_out_of_memory_losing(ptm_status *status, const char *lost);

/* Puts context before the message of a failed status ("input line 3: "
 * before "JSON: ..."); nothing when it is OK. */
void status_prefix(ptm_status *status, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static inline bool status_ok(const ptm_status *status)
{
    return status->code == PTM_OK;
}

#endif /* PTM_STATUS_H */
