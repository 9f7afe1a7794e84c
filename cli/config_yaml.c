/*
 * config_yaml.c: a YAML configuration → the core's JSON configuration, for
 * the CLI (`ptm -c config.yaml`), so that the collector connector's block
 * converts as its JSON twin does.
 *
 * Design: libyaml's event parser (no document tree: no loader, emitter or
 * writer) feeds a recursive descent that builds a cJSON tree, printed
 * unformatted (scalars: config_yaml_scalar.c). These files only translate; the core's JSON reader
 * (src/config/config.c) remains the one validator of keys, types and ranges. The
 * rules:
 *
 * - The text is UTF-8 (a byte order mark is skipped); libyaml refuses
 *   invalid UTF-8 and control characters with its own message.
 * - One document, whose root is a mapping; an empty document (nothing, only
 *   comments, or a bare "---") gives {}. A second document, or a root that is
 *   a scalar or a sequence, is an error.
 * - Mappings → objects (keys are scalars, their text; a duplicate key is an
 *   error), sequences → arrays, block and flow styles alike. At most 64
 *   nested mappings and sequences, the root counted.
 * - Quoted and block (| >) scalars are strings. Plain scalars follow the
 *   YAML 1.2 core schema: null, Null, NULL, ~ and empty → null;
 *   true/True/TRUE/false/False/FALSE → booleans; [-+]?[0-9]+, 0o[0-7]+,
 *   0x[0-9a-fA-F]+ → integers, written exactly (int64, else an error);
 *   [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)? → numbers, written with
 *   the fewest digits (15 to 17) that read back as the same double;
 *   .inf, -.inf, .nan (any of the schema's spellings) and floats past the
 *   double range are errors (JSON cannot hold them); anything else is a
 *   string. Strings keep their bytes; a NUL character (from "\0") is an error.
 * - The tags !!str, !!int, !!float, !!bool and !!null are honoured on any
 *   scalar (!!float also takes integer text); a value its tag refuses, or any
 *   other tag (!!map, !!seq, "!", !local, ...), is an error.
 * - Anchors, aliases and merge keys (a plain "<<" key) are errors: the
 *   collector's configuration never needs them, and without them the output
 *   cannot grow past the input (no alias bombs).
 * - The connector's own root keys, engine, module_path and flush_interval
 *   (wasm/collector/config.go), are dropped, so its block pasted as is
 *   works; every other key goes through.
 * Every error is one line naming the line (libyaml's also its column).
 *
 * Memory: libyaml and cJSON allocate with libc's malloc. The translation
 * holds the parser, the current event and the tree being built; everything
 * but the JSON text handed to the caller is freed before returning.
 */
#include "config_yaml.h"
#include "config_yaml_translation.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors -------------------------------------------------------------- */

bool config_yaml_fail(translation *t, const char *format, ...)
{
    if (t->result == PTM_OK)
        t->result = PTM_ERR_CONFIG;
    if (t->error_size == 0)
        return false;
    va_list args;
    va_start(args, format);
    vsnprintf(t->error, t->error_size, format, args);
    va_end(args);
    return false;
}

bool config_yaml_out_of_memory(translation *t)
{
    if (t->result == PTM_OK)
        t->result = PTM_ERR_NOMEM;
    return config_yaml_fail(t, "config: out of memory");
}

/* The 1-based line of a mark of the current event. */
static size_t line_of(const yaml_mark_t *mark)
{
    return mark->line + 1;
}

size_t config_yaml_event_line(const translation *t)
{
    return line_of(&t->event.start_mark);
}

/* The 1-based line of a byte offset into t->text (LF, CRLF or CR ends a line,
 * as in YAML). */
static size_t line_at_offset(const translation *t, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset; i++) {
        if (t->text[i] == '\n' || (t->text[i] == '\r' && (i + 1 == t->size || t->text[i + 1] != '\n')))
            line++;
    }
    return line;
}

/* Copies up to EXCERPT_BYTES of text (at most size bytes, up to its first
 * control character) into out, for a message; "..." marks a cut. out holds
 * EXCERPT_BYTES + 4 bytes. A cut does not split a UTF-8 sequence. */
void config_yaml_excerpt(const char *text, size_t size, char *out)
{
    size_t length = 0;
    while (length < size && length < EXCERPT_BYTES && (unsigned char)text[length] >= 0x20)
        length++;
    bool cut = length < size;
    if (cut && length == EXCERPT_BYTES) {
        while (length > 0 && ((unsigned char)text[length] & 0xC0) == 0x80)
            length--;
    }
    memcpy(out, text, length);
    strcpy(out + length, cut ? "..." : "");
}

/* libyaml's failure as a message: its problem and where (a reader error has
 * a byte offset; the scanner and parser a mark and maybe a context). */
static bool parser_failed(translation *t)
{
    const yaml_parser_t *p = &t->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return config_yaml_out_of_memory(t);
    const char *problem = p->problem != NULL ? p->problem : "invalid YAML";
    if (p->error == YAML_READER_ERROR) {
        size_t line = line_at_offset(t, p->problem_offset);
        if (p->problem_value != -1)
            return config_yaml_fail(t, "config line %zu: %s (0x%X at byte offset %zu)", line, problem,
                                    (unsigned)p->problem_value, p->problem_offset);
        return config_yaml_fail(t, "config line %zu: %s (at byte offset %zu)", line, problem, p->problem_offset);
    }
    if (p->context != NULL)
        return config_yaml_fail(t, "config line %zu, column %zu: %s (%s at line %zu, column %zu)",
                                line_of(&p->problem_mark), p->problem_mark.column + 1, problem, p->context,
                                line_of(&p->context_mark), p->context_mark.column + 1);
    return config_yaml_fail(t, "config line %zu, column %zu: %s", line_of(&p->problem_mark),
                            p->problem_mark.column + 1, problem);
}

/* ---- events -------------------------------------------------------------- */

/* Replaces the current event by the next one. */
static bool next_event(translation *t)
{
    if (t->has_event)
        yaml_event_delete(&t->event);
    t->has_event = yaml_parser_parse(&t->parser, &t->event) != 0;
    return t->has_event || parser_failed(t);
}

/* The current event's anchor (NULL for events that cannot have one). */
static const yaml_char_t *event_anchor(const yaml_event_t *event)
{
    switch (event->type) {
    case YAML_SCALAR_EVENT: return event->data.scalar.anchor;
    case YAML_SEQUENCE_START_EVENT: return event->data.sequence_start.anchor;
    case YAML_MAPPING_START_EVENT: return event->data.mapping_start.anchor;
    default: return NULL;
    }
}

static const char *event_tag(const yaml_event_t *event)
{
    switch (event->type) {
    case YAML_SCALAR_EVENT: return (const char *)event->data.scalar.tag;
    case YAML_SEQUENCE_START_EVENT: return (const char *)event->data.sequence_start.tag;
    case YAML_MAPPING_START_EVENT: return (const char *)event->data.mapping_start.tag;
    default: return NULL;
    }
}

/* Refuses aliases and anchors (the current event). */
static bool check_no_alias(translation *t)
{
    if (t->event.type == YAML_ALIAS_EVENT || event_anchor(&t->event) != NULL)
        return config_yaml_fail(t, "config line %zu: YAML aliases are not supported", config_yaml_event_line(t));
    return true;
}

/* The tag's name after "!!" when it is one of YAML's own (tag:yaml.org,2002:),
 * else NULL. */
const char *config_yaml_core_tag_name(const char *tag)
{
    size_t prefix = sizeof YAML_TAG_PREFIX - 1;
    return strncmp(tag, YAML_TAG_PREFIX, prefix) == 0 ? tag + prefix : NULL;
}

bool config_yaml_unsupported_tag(translation *t, const char *tag)
{
    const char *name = config_yaml_core_tag_name(tag);
    char shown[EXCERPT_BYTES + 4];
    config_yaml_excerpt(name != NULL ? name : tag, strlen(name != NULL ? name : tag), shown);
    return config_yaml_fail(t, "config line %zu: unsupported tag \"%s%s\"", config_yaml_event_line(t),
                            name != NULL ? "!!" : "", shown);
}

/* ---- collections ---------------------------------------------------------- */

/* The keys of one mapping, for duplicates: an open-addressing set of
 * pointers to the keys (owned by the mapping's items). */
typedef struct key_set {
    const char **slots;
    size_t capacity; /* a power of two, or 0 */
    size_t count;
} key_set;

static uint64_t key_hash(const char *key)
{
    uint64_t hash = UINT64_C(14695981039346656037); /* FNV-1a */
    for (; *key != '\0'; key++)
        hash = (hash ^ (unsigned char)*key) * UINT64_C(1099511628211);
    return hash;
}

/* The slot of key in slots: where it is, or the empty one where it goes. */
static size_t key_slot(const char **slots, size_t capacity, const char *key)
{
    size_t i = (size_t)key_hash(key) & (capacity - 1);
    while (slots[i] != NULL && strcmp(slots[i], key) != 0)
        i = (i + 1) & (capacity - 1);
    return i;
}

static bool key_set_has(const key_set *set, const char *key)
{
    return set->capacity != 0 && set->slots[key_slot(set->slots, set->capacity, key)] != NULL;
}

/* Adds key (not in the set; it must outlive the set). False: out of memory. */
static bool key_set_add(key_set *set, const char *key)
{
    if (2 * (set->count + 1) > set->capacity) {
        size_t capacity = set->capacity != 0 ? 2 * set->capacity : 16;
        const char **slots = calloc(capacity, sizeof *slots);
        if (slots == NULL)
            return false;
        for (size_t i = 0; i < set->capacity; i++) {
            if (set->slots[i] != NULL)
                slots[key_slot(slots, capacity, set->slots[i])] = set->slots[i];
        }
        free(set->slots);
        set->slots = slots;
        set->capacity = capacity;
    }
    set->slots[key_slot(set->slots, set->capacity, key)] = key;
    set->count++;
    return true;
}

static bool translate_node(translation *t, int depth, cJSON **item);

/* The current event as a mapping key: a scalar, untagged or with a core
 * scalar tag, not "<<"; *key is a malloc'd copy of its text (caller frees). */
static bool mapping_key(translation *t, char **key)
{
    const yaml_event_t *e = &t->event;
    if (!check_no_alias(t))
        return false;
    if (e->type != YAML_SCALAR_EVENT)
        return config_yaml_fail(t, "config line %zu: a mapping key must be a scalar, not a %s",
                                config_yaml_event_line(t),
                                e->type == YAML_MAPPING_START_EVENT ? "mapping" : "sequence");
    const char *tag = event_tag(e);
    const char *core_tag = tag != NULL ? config_yaml_core_tag_name(tag) : NULL;
    if (tag != NULL && (core_tag == NULL || !config_yaml_is_scalar_tag(core_tag)))
        return config_yaml_unsupported_tag(t, tag);
    if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && tag == NULL &&
        config_yaml_text_is((const char *)e->data.scalar.value, e->data.scalar.length, "<<"))
        return config_yaml_fail(t, "config line %zu: a YAML merge key (<<) is not supported: write the keys it "
                                "would merge in the mapping itself", config_yaml_event_line(t));
    if (!config_yaml_check_no_nul(t))
        return false;
    *key = malloc(e->data.scalar.length + 1);
    if (*key == NULL)
        return config_yaml_out_of_memory(t);
    memcpy(*key, e->data.scalar.value, e->data.scalar.length + 1);
    return true;
}

/* One "key: value" of a mapping, the key being the current event, added to
 * object (its keys in keys). */
static bool translate_entry(translation *t, int depth, cJSON *object, key_set *keys)
{
    char *key = NULL;
    if (!mapping_key(t, &key))
        return false;
    if (key_set_has(keys, key)) {
        char shown[EXCERPT_BYTES + 4];
        config_yaml_excerpt(key, strlen(key), shown);
        free(key);
        return config_yaml_fail(t, "config line %zu: duplicate key \"%s\"", config_yaml_event_line(t), shown);
    }
    cJSON *value = NULL;
    bool ok = next_event(t) && translate_node(t, depth + 1, &value);
    if (ok && !cJSON_AddItemToObject(object, key, value)) {
        cJSON_Delete(value);
        ok = config_yaml_out_of_memory(t);
    }
    free(key);
    /* value->string: the object's copy of the key, alive as long as keys. */
    return ok && (key_set_add(keys, value->string) || config_yaml_out_of_memory(t));
}

/* The mapping that starts at the current event, as a new object (caller
 * owns it), up to its end event. */
static bool translate_mapping(translation *t, int depth, cJSON **item)
{
    cJSON *object = cJSON_CreateObject();
    if (object == NULL)
        return config_yaml_out_of_memory(t);
    key_set keys = {0};
    bool ok = true;
    while (ok && (ok = next_event(t)) && t->event.type != YAML_MAPPING_END_EVENT)
        ok = translate_entry(t, depth, object, &keys);
    free(keys.slots);
    if (!ok) {
        cJSON_Delete(object);
        return false;
    }
    *item = object;
    return true;
}

/* The sequence that starts at the current event, as a new array (caller
 * owns it), up to its end event. */
static bool translate_sequence(translation *t, int depth, cJSON **item)
{
    cJSON *array = cJSON_CreateArray();
    if (array == NULL)
        return config_yaml_out_of_memory(t);
    bool ok = true;
    while (ok && (ok = next_event(t)) && t->event.type != YAML_SEQUENCE_END_EVENT) {
        cJSON *element = NULL;
        ok = translate_node(t, depth + 1, &element);
        if (ok && !cJSON_AddItemToArray(array, element)) {
            cJSON_Delete(element);
            ok = config_yaml_out_of_memory(t);
        }
    }
    if (!ok) {
        cJSON_Delete(array);
        return false;
    }
    *item = array;
    return true;
}

/* The node that starts at the current event (depth: how many mappings and
 * sequences it is in, plus one) as a new item; the caller owns it. */
static bool translate_node(translation *t, int depth, cJSON **item)
{
    if (!check_no_alias(t))
        return false;
    yaml_event_type_t type = t->event.type;
    if (type == YAML_SCALAR_EVENT)
        return config_yaml_scalar_item(t, item);
    if (event_tag(&t->event) != NULL)
        return config_yaml_unsupported_tag(t, event_tag(&t->event));
    if (depth > MAX_DEPTH)
        return config_yaml_fail(t, "config line %zu: nesting deeper than %d levels", config_yaml_event_line(t),
                                MAX_DEPTH);
    return type == YAML_MAPPING_START_EVENT ? translate_mapping(t, depth, item)
                                            : translate_sequence(t, depth, item);
}

/* ---- the document ----------------------------------------------------------- */

/* Whether the current event is the empty scalar of a document with no
 * content ("---" alone). */
static bool is_empty_document(const translation *t)
{
    const yaml_event_t *e = &t->event;
    return e->type == YAML_SCALAR_EVENT && e->data.scalar.length == 0 && e->data.scalar.tag == NULL &&
           e->data.scalar.anchor == NULL && e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* The root of the document that starts at the current event, a mapping, as
 * a new object (caller owns it); an empty document gives an empty one. */
static bool translate_root(translation *t, cJSON **root)
{
    if (!next_event(t))
        return false;
    if (is_empty_document(t)) {
        *root = cJSON_CreateObject();
        return *root != NULL || config_yaml_out_of_memory(t);
    }
    if (t->event.type == YAML_SCALAR_EVENT || t->event.type == YAML_SEQUENCE_START_EVENT) {
        if (!check_no_alias(t))
            return false;
        return config_yaml_fail(t, "config line %zu: the configuration must be a mapping, not a %s",
                                config_yaml_event_line(t),
                                t->event.type == YAML_SCALAR_EVENT ? "scalar" : "sequence");
    }
    if (!translate_node(t, 1, root))
        return false;
    /* The connector's own keys (wasm/collector/config.go). */
    cJSON_DeleteItemFromObjectCaseSensitive(*root, "engine");
    cJSON_DeleteItemFromObjectCaseSensitive(*root, "module_path");
    cJSON_DeleteItemFromObjectCaseSensitive(*root, "flush_interval");
    return true;
}

/* The stream: nothing, or one document; *root is a new object. */
static bool translate_stream(translation *t, cJSON **root)
{
    if (!next_event(t) || !next_event(t)) /* the stream's start, then a document or the end */
        return false;
    if (t->event.type == YAML_STREAM_END_EVENT) {
        *root = cJSON_CreateObject();
        return *root != NULL || config_yaml_out_of_memory(t);
    }
    cJSON *object = NULL;
    if (!translate_root(t, &object))
        return false;
    bool ok = next_event(t) && next_event(t); /* the document's end, then the stream's */
    if (ok && t->event.type != YAML_STREAM_END_EVENT)
        ok = config_yaml_fail(t, "config line %zu: a second YAML document; the configuration must be one document",
                              config_yaml_event_line(t));
    if (!ok) {
        cJSON_Delete(object);
        return false;
    }
    *root = object;
    return true;
}

/* ---- the API ------------------------------------------------------------------- */

bool config_is_yaml(const uint8_t *text, size_t size)
{
    size_t i = 0;
    while (i < size && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    return i == size || (text[i] != '{' && text[i] != '[');
}

ptm_result config_yaml_to_json(const uint8_t *text, size_t size, char **json, size_t *json_size,
                               char *error, size_t error_size)
{
    if (text == NULL) {
        text = (const uint8_t *)"";
        size = 0;
    }
    translation t = {.text = text, .size = size, .error = error, .error_size = error_size};
    if (error_size > 0)
        error[0] = '\0';
    if (!yaml_parser_initialize(&t.parser)) {
        config_yaml_out_of_memory(&t);
        return t.result;
    }
    yaml_parser_set_input_string(&t.parser, text, size);
    yaml_parser_set_encoding(&t.parser, YAML_UTF8_ENCODING);
    cJSON *root = NULL;
    bool ok = translate_stream(&t, &root);
    if (t.has_event)
        yaml_event_delete(&t.event);
    yaml_parser_delete(&t.parser);
    if (!ok)
        return t.result;
    char *printed = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (printed == NULL) {
        config_yaml_out_of_memory(&t);
        return t.result;
    }
    *json = printed;
    *json_size = strlen(printed);
    return PTM_OK;
}
