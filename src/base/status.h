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

/*
 * The ptm_result codes, in the order of their numbers: the one list of their
 * names (issue 29). X(ENUM, NUMBER, CODE, TEXT, EXIT): CODE is the name the
 * hosts give it (npm's PtmError.code, the connector's coreError.Code), TEXT
 * what ptm_result_name() says, EXIT the ptm command's exit code for it
 * (cli/cli.c, exit_code_of). FIRST takes the first entry, NEXT the others
 * (a list written out as JSON needs no separator before its first). Read by
 * ptm_result_name() (status.c) and ptm_constants_json() (api/constants.c),
 * which checks each ENUM against NUMBER and its place in the list.
 */
#define PTM_RESULT_LIST(FIRST, NEXT) \
    FIRST(PTM_OK, 0, "ok", "ok", 0) \
    NEXT(PTM_ERR_INPUT, 1, "input", "input", 1) \
    NEXT(PTM_ERR_CONFIG, 2, "config", "config", 2) \
    NEXT(PTM_ERR_NOMEM, 3, "nomem", "out of memory", 3) \
    NEXT(PTM_ERR_LIMIT, 4, "limit", "limit", 1) \
    NEXT(PTM_ERR_ARGUMENT, 5, "argument", "argument", 2) \
    NEXT(PTM_ERR_MEMORY_LIMIT, 6, "memory_limit", "memory limit", 5)

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

/* Puts context before the message of a failed status ("input line 3: "
 * before "JSON: ..."); nothing when it is OK. */
void status_prefix(ptm_status *status, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static inline bool status_ok(const ptm_status *status)
{
    return status->code == PTM_OK;
}

#endif /* PTM_STATUS_H */
