/*
 * status.c: the choke point of every failure (status.h).
 */
#include "base/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/memory_budget.h"

void status_init(ptm_status *status)
{
    status_init_budget(status, NULL);
}

void status_init_budget(ptm_status *status, const struct memory_budget *budget)
{
    status->code = PTM_OK;
    status->message[0] = '\0';
    status->budget = budget;
}

static void status_set(ptm_status *status, ptm_result code, const char *format, va_list args)
    __attribute__((format(printf, 3, 0)));

static void status_set(ptm_status *status, ptm_result code, const char *format, va_list args)
{
    vsnprintf(status->message, sizeof status->message, format, args);
    message_one_line(status->message);
    if (status->message[0] == '\0')
        snprintf(status->message, sizeof status->message, "%s", ptm_result_name(code));
    status->code = code;
}

bool status_fail(ptm_status *status, ptm_result code, const char *format, ...)
{
    if (status->code != PTM_OK)
        return false;
    va_list args;
    va_start(args, format);
    status_set(status, code, format, args);
    va_end(args);
    return false;
}

bool status_out_of_memory(ptm_status *status)
{
    if (status->budget != NULL && status->budget->exceeded)
        return status_fail(status, PTM_ERR_MEMORY_LIMIT, "memory limit: the conversion needs more than "
                           "max_memory_bytes (%zu bytes)", status->budget->limit);
    return status_fail(status, PTM_ERR_NOMEM, "out of memory");
}

void status_prefix(ptm_status *status, const char *format, ...)
{
    if (status->code == PTM_OK)
        return;
    char context[128];
    va_list args;
    va_start(args, format);
    vsnprintf(context, sizeof context, format, args);
    va_end(args);
    size_t room = sizeof status->message - 1;
    size_t prefix = strlen(context) < room ? strlen(context) : room;
    size_t kept = strlen(status->message) < room - prefix ? strlen(status->message) : room - prefix;
    memmove(status->message + prefix, status->message, kept);
    memcpy(status->message, context, prefix);
    status->message[prefix + kept] = '\0';
    message_one_line(status->message);
}

const char *ptm_result_name(ptm_result result)
{
    switch (result) {
#define RESULT_CASE(name, number, code, text, exit_code) case name: return text;
    PTM_RESULT_LIST(RESULT_CASE, RESULT_CASE)
#undef RESULT_CASE
    }
    return "unknown";
}

ptm_exit_code ptm_result_exit_code(ptm_result result)
{
    switch (result) {
#define RESULT_EXIT(name, number, code, text, exit_code) case name: return (ptm_exit_code)(exit_code);
    PTM_RESULT_LIST(RESULT_EXIT, RESULT_EXIT)
#undef RESULT_EXIT
    }
    return PTM_EXIT_RESOURCES;
}
