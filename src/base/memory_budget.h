/*
 * memory_budget.h: the converter's memory limit (max_memory_bytes).
 *
 * Every allocation of a converter goes through its budget, an allocator
 * over the caller's that counts the bytes live and refuses one that would
 * take them past the limit. A refusal is out of memory to the code that
 * asked (every stage handles that already), and marks the budget exceeded,
 * so that the status says which it was: status_out_of_memory() reports
 * "memory limit" (PTM_ERR_MEMORY_LIMIT) instead of "out of memory" (status.h). One
 * request, however crafted, then costs at most the limit and leaves the
 * converter usable, never exhausting the host.
 */
#ifndef PTM_MEMORY_BUDGET_H
#define PTM_MEMORY_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

#include "ptm.h"

typedef struct memory_budget {
    ptm_allocator inner;  /* where the bytes come from */
    size_t limit;         /* live bytes allowed, headers included */
    size_t live;          /* live bytes now: <= limit */
    bool exceeded;        /* an allocation was refused for the limit since the last memory_budget_begin() */
} memory_budget;

void memory_budget_init(memory_budget *budget, const ptm_allocator *inner, size_t limit);
/* The allocator that draws on budget (which must outlive it). */
ptm_allocator memory_budget_allocator(memory_budget *budget);
/* A call begins: exceeded is cleared. */
void memory_budget_begin(memory_budget *budget);

#endif /* PTM_MEMORY_BUDGET_H */
