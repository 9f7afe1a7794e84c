/*
 * memory_budget.c: an allocator that counts live bytes against a limit
 * (memory_budget.h). Each block carries its size in a 16-byte header (the
 * alignment malloc gives), since ptm_allocator's free has no size.
 */
#include "base/memory_budget.h"

#include <stdint.h>
#include <string.h>

enum { HEADER = 16 };

static void *budget_malloc(void *context, size_t size)
{
    memory_budget *budget = context;
    if (size > SIZE_MAX - HEADER || size + HEADER > budget->limit - budget->live) {
        budget->exceeded = true;
        return NULL;
    }
    uint8_t *block = budget->inner.malloc_fn(budget->inner.context, size + HEADER);
    if (block == NULL)
        return NULL;
    memcpy(block, &size, sizeof size);
    budget->live += size + HEADER;
    return block + HEADER;
}

static void budget_free(void *context, void *pointer)
{
    memory_budget *budget = context;
    if (pointer == NULL)
        return;
    uint8_t *block = (uint8_t *)pointer - HEADER;
    size_t size;
    memcpy(&size, block, sizeof size);
    budget->live -= size + HEADER;
    budget->inner.free_fn(budget->inner.context, block);
}

void memory_budget_init(memory_budget *budget, const ptm_allocator *inner, size_t limit)
{
    *budget = (memory_budget){.inner = *inner, .limit = limit};
}

ptm_allocator memory_budget_allocator(memory_budget *budget)
{
    return (ptm_allocator){budget_malloc, budget_free, budget};
}

void memory_budget_begin(memory_budget *budget)
{
    budget->exceeded = false;
}
