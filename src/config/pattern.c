/*
 * pattern.c: a thin layer over PCRE2 (8-bit, no JIT so that the same code
 * runs in wasm). Compiled once per configuration; one match-data block per
 * pattern is reused by every search, so matching allocates nothing.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "config/pattern.h"

#include <stdio.h>
#include <string.h>

struct pattern_engine {
    ptm_allocator allocator;
    pcre2_general_context *general;
    pcre2_compile_context *compile;
    pcre2_match_context *match;
    const pattern *culprit;    /* the first pattern that hit a limit */
    uint64_t limit_hits;       /* searches that hit a limit, until taken */
};

struct pattern {
    pattern_engine *engine;
    pcre2_code *code;
    pcre2_match_data *match_data;
    uint32_t capture_count;
    char name[96];             /* where it was configured */
};

static void *engine_malloc(PCRE2_SIZE size, void *context)
{
    const ptm_allocator *allocator = context;
    return allocator->malloc_fn(allocator->context, size);
}

static void engine_free(void *pointer, void *context)
{
    const ptm_allocator *allocator = context;
    allocator->free_fn(allocator->context, pointer);
}

pattern_engine *pattern_engine_create(const ptm_allocator *allocator, uint32_t match_limit,
                                      uint32_t depth_limit, uint32_t heap_limit)
{
    pattern_engine *engine = allocator->malloc_fn(allocator->context, sizeof *engine);
    if (engine == NULL)
        return NULL;
    engine->allocator = *allocator;
    engine->culprit = NULL;
    engine->limit_hits = 0;
    engine->general = pcre2_general_context_create(engine_malloc, engine_free,
                                                   &engine->allocator);
    engine->compile = engine->general ? pcre2_compile_context_create(engine->general) : NULL;
    engine->match = engine->general ? pcre2_match_context_create(engine->general) : NULL;
    if (engine->compile == NULL || engine->match == NULL) {
        pattern_engine_free(engine);
        return NULL;
    }
    pcre2_set_match_limit(engine->match, match_limit);
    pcre2_set_depth_limit(engine->match, depth_limit);
    pcre2_set_heap_limit(engine->match, heap_limit);
    return engine;
}

uint64_t pattern_engine_take_limit_hits(pattern_engine *engine, const char **name)
{
    uint64_t limit_hits = engine->limit_hits;
    *name = engine->culprit != NULL ? engine->culprit->name : "";
    engine->culprit = NULL;
    engine->limit_hits = 0;
    return limit_hits;
}

void pattern_engine_free(pattern_engine *engine)
{
    if (engine == NULL)
        return;
    pcre2_match_context_free(engine->match);
    pcre2_compile_context_free(engine->compile);
    pcre2_general_context_free(engine->general);
    engine->allocator.free_fn(engine->allocator.context, engine);
}

pattern *pattern_compile(pattern_engine *engine, const char *name, const char *text,
                         size_t text_size, bool *out_of_memory, char *error, size_t error_size)
{
    *out_of_memory = false;
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)text, text_size, 0, &error_code,
                                     &error_offset, engine->compile);
    if (code == NULL) {
        *out_of_memory = error_code == PCRE2_ERROR_HEAP_FAILED;
        PCRE2_UCHAR message[160];
        if (pcre2_get_error_message(error_code, message, sizeof message) < 0)
            strcpy((char *)message, "invalid pattern");
        snprintf(error, error_size, "%s at offset %zu", (const char *)message,
                 (size_t)error_offset);
        return NULL;
    }
    pattern *p = engine->allocator.malloc_fn(engine->allocator.context, sizeof *p);
    pcre2_match_data *match_data = p ? pcre2_match_data_create_from_pattern(code, engine->general)
                                     : NULL;
    if (match_data == NULL) {
        engine->allocator.free_fn(engine->allocator.context, p);
        pcre2_code_free(code);
        *out_of_memory = true;
        return NULL;
    }
    p->engine = engine;
    p->code = code;
    p->match_data = match_data;
    p->capture_count = 0;
    snprintf(p->name, sizeof p->name, "%s", name);
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &p->capture_count);
    return p;
}

void pattern_free(pattern *p)
{
    if (p == NULL)
        return;
    pcre2_match_data_free(p->match_data);
    pcre2_code_free(p->code);
    p->engine->allocator.free_fn(p->engine->allocator.context, p);
}

bool pattern_search(pattern *p, byte_slice subject, byte_slice *match, ptm_status *status)
{
    static const uint8_t empty[1] = {0};
    PCRE2_SPTR data = subject.data != NULL ? subject.data : empty;
    int rc = pcre2_match(p->code, data, subject.size, 0, 0, p->match_data, p->engine->match);
    if (rc < 0) {
        pattern_engine *engine = p->engine;
        if (rc == PCRE2_ERROR_NOMEMORY)
            status_out_of_memory(status);
        if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT) {
            engine->limit_hits++;
            if (engine->culprit == NULL)
                engine->culprit = p;
        }
        return false;
    }
    if (match != NULL) {
        PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(p->match_data);
        uint32_t group = p->capture_count > 0 ? 1 : 0;
        if ((int)group < rc && ovector[2 * group] != PCRE2_UNSET) {
            match->data = data + ovector[2 * group];
            match->size = ovector[2 * group + 1] - ovector[2 * group];
        } else {
            match->data = data;
            match->size = 0;
        }
    }
    return true;
}
