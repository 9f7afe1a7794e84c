/*
 * encode_prom.c: the Prometheus text exposition format (0.0.4).
 *
 * One family per metric (HELP, TYPE, then every point of every resource).
 * Names are those Prometheus itself gives OTLP metrics (its OTLP receiver and
 * the collector's Prometheus exporter, through otlptranslator's default
 * "underscore escaping with suffixes"): the name split into tokens at every
 * character outside [A-Za-z0-9:], the unit's Prometheus word appended unless
 * a token already says it ("s" → seconds, "By" → bytes, "{…}" → nothing,
 * "a/b" → a_per_b), every "total" token moved to the end of a counter, and a
 * gauge of unit "1" ending in "ratio". Label names follow otlptranslator's
 * label namer: each run of characters outside [A-Za-z0-9] becomes one '_', a
 * leading digit gets "key_". tests/go/cmd/promcheck checks both against the
 * Go library itself.
 *
 * Resource attributes with scalar values become labels, then the point's
 * attributes (a point attribute wins over a resource one of the same label).
 * A gauge series is written once: its latest snapshot.
 */
#include "encode.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Canonical attributes carry no strindex member: they resolve against nothing. */
static const profile_dictionary no_dictionary;

typedef struct prom_writer {
    conversion *c;              /* its interner deduplicates label names */
    byte_buffer *out;
    bool ok;
    arena_vector *resource_labels; /* prom_label, by resource, once computed */
    bool *resource_labels_known;
} prom_writer;

static bool is_alphanumeric(uint8_t ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static bool is_metric_name_char(uint8_t ch)
{
    return is_alphanumeric(ch) || ch == ':';
}

/* Up to MAX_NAME_TOKENS tokens of a metric name, as slices. */
enum { MAX_NAME_TOKENS = 64 };
typedef struct name_tokens {
    byte_slice items[MAX_NAME_TOKENS + 3];
    uint32_t count;
} name_tokens;

static void tokens_add(name_tokens *tokens, byte_slice token)
{
    if (token.size > 0 && tokens->count < MAX_NAME_TOKENS + 3)
        tokens->items[tokens->count++] = token;
}

static bool tokens_contain(const name_tokens *tokens, byte_slice token)
{
    for (uint32_t i = 0; i < tokens->count; i++) {
        if (slice_equals(tokens->items[i], token))
            return true;
    }
    return false;
}

/* Drops every token equal to word. */
static void tokens_remove(name_tokens *tokens, const char *word)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < tokens->count; i++) {
        if (!slice_equals_cstr(tokens->items[i], word))
            tokens->items[n++] = tokens->items[i];
    }
    tokens->count = n;
}

/* Splits text at every character outside [A-Za-z0-9:], empty fields dropped. */
static void split_name(byte_slice text, name_tokens *tokens)
{
    size_t start = 0;
    for (size_t i = 0; i <= text.size; i++) {
        if (i < text.size && is_metric_name_char(text.data[i]))
            continue;
        if (tokens->count < MAX_NAME_TOKENS)
            tokens_add(tokens, (byte_slice){text.data + start, i - start});
        start = i + 1;
    }
}

static byte_slice trim_spaces(byte_slice text)
{
    while (text.size > 0 && (text.data[0] == ' ' || text.data[0] == '\t' || text.data[0] == '\n' ||
                             text.data[0] == '\r' || text.data[0] == '\v' || text.data[0] == '\f')) {
        text.data++;
        text.size--;
    }
    while (text.size > 0 && (text.data[text.size - 1] == ' ' || text.data[text.size - 1] == '\t' ||
                             text.data[text.size - 1] == '\n' || text.data[text.size - 1] == '\r' ||
                             text.data[text.size - 1] == '\v' || text.data[text.size - 1] == '\f'))
        text.size--;
    return text;
}

static bool has_brace(byte_slice text)
{
    return memchr(text.data, '{', text.size) != NULL || memchr(text.data, '}', text.size) != NULL;
}

/* otlptranslator's unit words: a UCUM unit, then a "per" unit. */
static byte_slice unit_word(byte_slice unit, bool per)
{
    static const struct { const char *unit, *word; } main_words[] = {
        {"d", "days"}, {"h", "hours"}, {"min", "minutes"}, {"s", "seconds"},
        {"ms", "milliseconds"}, {"us", "microseconds"}, {"ns", "nanoseconds"},
        {"By", "bytes"}, {"KiBy", "kibibytes"}, {"MiBy", "mebibytes"}, {"GiBy", "gibibytes"},
        {"TiBy", "tibibytes"}, {"KBy", "kilobytes"}, {"MBy", "megabytes"}, {"GBy", "gigabytes"},
        {"TBy", "terabytes"}, {"m", "meters"}, {"V", "volts"}, {"A", "amperes"}, {"J", "joules"},
        {"W", "watts"}, {"g", "grams"}, {"Cel", "celsius"}, {"Hz", "hertz"}, {"1", ""},
        {"%", "percent"}};
    static const struct { const char *unit, *word; } per_words[] = {
        {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"}, {"w", "week"},
        {"mo", "month"}, {"y", "year"}};
    size_t count = per ? sizeof per_words / sizeof per_words[0] : sizeof main_words / sizeof main_words[0];
    for (size_t i = 0; i < count; i++) {
        const char *from = per ? per_words[i].unit : main_words[i].unit;
        const char *to = per ? per_words[i].word : main_words[i].word;
        if (slice_equals_cstr(unit, from))
            return (byte_slice){(const uint8_t *)to, strlen(to)};
    }
    return unit;
}

/* Appends word to text with every run of '_' and characters outside
 * [A-Za-z0-9:] made one '_', and a leading '_' dropped (cleanUpUnit). */
static bool append_clean_unit(byte_buffer *text, const char *prefix, byte_slice word)
{
    size_t start = text->size;
    if (!buffer_append_cstr(text, prefix))
        return false;
    for (size_t i = 0; i < word.size; i++) {
        uint8_t ch = is_metric_name_char(word.data[i]) ? word.data[i] : '_';
        bool after_underscore = text->size > start && text->data[text->size - 1] == '_';
        if ((ch == '_' && after_underscore) || (ch == '_' && text->size == start))
            continue;
        if (!buffer_append_char(text, (char)ch))
            return false;
    }
    return true;
}

static byte_slice trim_trailing_underscore(byte_slice text)
{
    if (text.size > 0 && text.data[text.size - 1] == '_')
        text.size--;
    return text;
}

/* The unit's tokens (otlptranslator's buildUnitSuffixes, cleanUpUnit and
 * addUnitTokens), in scratch buffers of the arena. */
static bool add_unit_tokens(prom_writer *w, const char *unit_text, name_tokens *tokens)
{
    byte_slice unit = {(const uint8_t *)unit_text, strlen(unit_text)};
    const uint8_t *slash = memchr(unit.data, '/', unit.size);
    byte_slice main_unit = trim_spaces(slash ? (byte_slice){unit.data, (size_t)(slash - unit.data)} : unit);
    byte_slice per_unit = slash ? (byte_slice){slash + 1, unit.size - (size_t)(slash + 1 - unit.data)}
                                : (byte_slice){unit.data, 0};
    byte_buffer main_word, per_word;
    buffer_init(&main_word, w->c->arena);
    buffer_init(&per_word, w->c->arena);
    if (main_unit.size > 0 && !has_brace(main_unit) &&
        !append_clean_unit(&main_word, "", unit_word(main_unit, false)))
        return false;
    per_unit = trim_spaces(per_unit);
    if (per_unit.size > 0 && !has_brace(per_unit)) {
        byte_slice word = unit_word(per_unit, true);
        if (word.size > 0 && !append_clean_unit(&per_word, "per_", word))
            return false;
    }
    byte_slice main_token = {main_word.data, main_word.size};
    byte_slice per_token = {per_word.data, per_word.size};
    if (tokens_contain(tokens, main_token))
        main_token.size = 0;
    if (slice_equals_cstr(per_token, "per_")) {
        per_token.size = 0;
    } else {
        per_token = trim_trailing_underscore(per_token);
        if (tokens_contain(tokens, per_token))
            per_token.size = 0;
    }
    if (per_token.size > 0)
        main_token = trim_trailing_underscore(main_token);
    tokens_add(tokens, main_token);
    tokens_add(tokens, per_token);
    return true;
}

/* The family name of a metric into a buffer of the arena; empty when the
 * name has no character Prometheus keeps (the family is then left out, as
 * Prometheus itself refuses such a name). */
static byte_slice family_name(prom_writer *w, const metric_def *def)
{
    name_tokens tokens = {.count = 0};
    split_name((byte_slice){(const uint8_t *)def->name, strlen(def->name)}, &tokens);
    w->ok = w->ok && add_unit_tokens(w, def->unit, &tokens);
    static const char total[] = "total", ratio[] = "ratio";
    if (!def->gauge) {
        tokens_remove(&tokens, total);
        tokens_add(&tokens, (byte_slice){(const uint8_t *)total, 5});
    } else if (strcmp(def->unit, "1") == 0) {
        tokens_remove(&tokens, ratio);
        tokens_add(&tokens, (byte_slice){(const uint8_t *)ratio, 5});
    }
    byte_buffer name;
    buffer_init(&name, w->c->arena);
    for (uint32_t i = 0; i < tokens.count && w->ok; i++) {
        bool leading_digit = i == 0 && tokens.items[0].data[0] >= '0' && tokens.items[0].data[0] <= '9';
        w->ok = (!leading_digit || buffer_append_char(&name, '_')) &&
                (i == 0 || buffer_append_char(&name, '_')) &&
                buffer_append(&name, tokens.items[i].data, tokens.items[i].size);
    }
    return (byte_slice){name.data, name.size};
}

/* Writes a label value: backslash, quote and newline escaped, invalid UTF-8
 * replaced with U+FFFD (the format is UTF-8). */
static void put_label_value(prom_writer *w, byte_slice value)
{
    size_t i = 0;
    while (i < value.size && w->ok) {
        char ch = (char)value.data[i];
        size_t length = utf8_sequence(value.data + i, value.size - i);
        if (length == 0) {
            w->ok = buffer_append_cstr(w->out, "\xef\xbf\xbd");
            length = 1;
        } else if (ch == '\\' || ch == '"') {
            w->ok = buffer_append_char(w->out, '\\') && buffer_append_char(w->out, ch);
        } else if (ch == '\n') {
            w->ok = buffer_append_cstr(w->out, "\\n");
        } else {
            w->ok = buffer_append(w->out, value.data + i, length);
        }
        i += length;
    }
}

/* A label ready to write: its sanitised name and raw value. */
typedef struct prom_label {
    byte_slice name;
    byte_slice value;
} prom_label;

/* key as otlptranslator's label namer writes it, into the arena: each run
 * of characters outside [A-Za-z0-9] one '_' ("__x__" keeps its underscores),
 * "key_" before a leading digit. Empty when the key has no such character
 * (Prometheus refuses it; the label is left out). */
static byte_slice label_name(prom_writer *w, byte_slice key)
{
    uint8_t *name = arena_alloc(w->c->arena, key.size + 8);
    if (name == NULL) {
        w->ok = false;
        return (byte_slice){(const uint8_t *)"", 0};
    }
    bool reserved = key.size >= 4 && key.data[0] == '_' && key.data[1] == '_' &&
                    key.data[key.size - 1] == '_' && key.data[key.size - 2] == '_';
    byte_slice body = reserved ? (byte_slice){key.data + 2, key.size - 4} : key;
    size_t n = 0;
    if (reserved) {
        memcpy(name, "__", 2);
        n = 2;
    }
    if (body.size > 0 && body.data[0] >= '0' && body.data[0] <= '9' && !reserved) {
        memcpy(name, "key_", 4);
        n = 4;
    }
    bool only_underscores = true;
    bool after_underscore = false;
    for (size_t i = 0; i < body.size; i++) {
        if (is_alphanumeric(body.data[i])) {
            name[n++] = body.data[i];
            after_underscore = false;
            only_underscores = false;
        } else if (!after_underscore) {
            name[n++] = '_';
            after_underscore = true;
        }
    }
    if (reserved) {
        memcpy(name + n, "__", 2);
        n += 2;
    }
    if (only_underscores)
        n = 0;
    return (byte_slice){name, n};
}

static void put_label(prom_writer *w, bool *first, const prom_label *label)
{
    w->ok = w->ok && buffer_append_cstr(w->out, *first ? "{" : ",") &&
            buffer_append(w->out, label->name.data, label->name.size) &&
            buffer_append_cstr(w->out, "=\"");
    *first = false;
    put_label_value(w, label->value);
    w->ok = w->ok && buffer_append_char(w->out, '"');
}

/* A scalar resource attribute as label text; false for arrays, maps, bytes. */
static bool scalar_text(prom_writer *w, const profile_dictionary *dictionary, byte_slice raw,
                        byte_slice *text)
{
    any_value value;
    if (!any_value_decode(raw, &value))
        return false;
    byte_buffer scratch;
    buffer_init(&scratch, w->c->arena);
    switch (value.kind) {
    case ANY_STRING:
        *text = value.bytes;
        return true;
    case ANY_STRINDEX:
        *text = dictionary_string(dictionary, value.strindex);
        return true;
    case ANY_BOOL:
        *text = value.boolean ? (byte_slice){(const uint8_t *)"true", 4}
                              : (byte_slice){(const uint8_t *)"false", 5};
        return true;
    case ANY_INT:
        w->ok = w->ok && buffer_printf(&scratch, "%" PRId64, value.integer);
        break;
    case ANY_DOUBLE:
        w->ok = w->ok && format_double(&scratch, value.number);
        break;
    default:
        return false;
    }
    *text = (byte_slice){scratch.data, scratch.size};
    return w->ok;
}

/*
 * The labels of a resource, computed once per resource: its scalar
 * attributes under sanitised names, without empty names and without a name
 * already taken by an earlier attribute (which two keys such as "a.b" and
 * "a_b" would give). Names are deduplicated through the interner's marks.
 */
static arena_vector *resource_labels(prom_writer *w, uint32_t resource_index)
{
    arena_vector *labels = &w->resource_labels[resource_index];
    if (w->resource_labels_known[resource_index])
        return labels;
    w->resource_labels_known[resource_index] = true;
    const resource_record *resource = &((const resource_record *)w->c->resources.items)[resource_index];
    const profile_dictionary *dictionary = &no_dictionary;
    interner_mark_round(&w->c->interner);
    for (uint32_t i = 0; i < resource->attribute_count && w->ok; i++) {
        prom_label label = {label_name(w, resource->attributes[i].key), {0}};
        if (label.name.size == 0 || !scalar_text(w, dictionary, resource->attributes[i].value, &label.value))
            continue;
        uint32_t id = intern(&w->c->interner, label.name);
        if (id == INTERN_NONE || !interner_mark(&w->c->interner, id))
            continue;
        prom_label *slot = vector_push(w->c->arena, labels, sizeof *slot);
        w->ok = w->ok && slot != NULL;
        if (slot != NULL)
            *slot = label;
    }
    w->ok = w->ok && !w->c->arena->failed;
    return labels;
}

static bool name_taken(const prom_label *labels, uint32_t count, byte_slice name)
{
    for (uint32_t i = 0; i < count; i++) {
        if (slice_equals(labels[i].name, name))
            return true;
    }
    return false;
}

/* A sample's series: the family name, the resource's labels (but for names
 * the point's own attributes take), then the point's attributes. */
static void put_series(prom_writer *w, byte_slice family, const series *s,
                       point_attribute *attributes, prom_label *point_labels)
{
    uint32_t count = 0;
    uint32_t attribute_count = point_attributes(w->c, s, attributes);
    for (uint32_t i = 0; i < attribute_count; i++) {
        prom_label *label = &point_labels[count];
        label->name = label_name(w, attributes[i].key);
        label->value = attributes[i].value;
        if (attributes[i].kind == POINT_TRUE)
            label->value = (byte_slice){(const uint8_t *)"true", 4};
        else if (attributes[i].kind == POINT_ANY &&
                 !scalar_text(w, &no_dictionary, attributes[i].value, &label->value))
            continue;
        count += label->name.size > 0;
    }
    const arena_vector *resource = resource_labels(w, s->key.resource);
    const prom_label *resource_items = resource->items;
    w->ok = w->ok && buffer_append(w->out, family.data, family.size);
    bool first = true;
    for (uint32_t i = 0; i < resource->count; i++) {
        if (!name_taken(point_labels, count, resource_items[i].name))
            put_label(w, &first, &resource_items[i]);
    }
    for (uint32_t i = 0; i < count; i++) {
        if (!name_taken(point_labels, i, point_labels[i].name))
            put_label(w, &first, &point_labels[i]);
    }
    if (!first)
        w->ok = w->ok && buffer_append_char(w->out, '}');
}

static int by_metric_then_resource(const void *a, const void *b)
{
    const series *x = *(series *const *)a, *y = *(series *const *)b;
    if (x->key.metric != y->key.metric)
        return x->key.metric < y->key.metric ? -1 : 1;
    if (x->key.resource != y->key.resource)
        return x->key.resource < y->key.resource ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

/* HELP text: backslash and newline escaped, as the format requires. */
static void put_help(prom_writer *w, const char *text)
{
    for (; *text != '\0' && w->ok; text++) {
        if (*text == '\\')
            w->ok = buffer_append_cstr(w->out, "\\\\");
        else if (*text == '\n')
            w->ok = buffer_append_cstr(w->out, "\\n");
        else
            w->ok = buffer_append_char(w->out, *text);
    }
}

/*
 * One line of the exposition. Series that Prometheus cannot tell apart (a
 * gauge's snapshots; resources or attributes that differ only where the
 * text format loses the difference: a schema URL, a non-scalar attribute,
 * two keys that give one label name, rule values a point's own attributes
 * override) are one sample: sums added, a gauge's latest snapshot kept.
 */
typedef struct prom_sample {
    byte_slice text;            /* name{labels} */
    uint32_t family;            /* index into the families */
    const series *latest;       /* a gauge's latest snapshot; a sum's first series */
    int64_t total;              /* sums of latest's metric, accumulated exactly */
    double other;               /* sums of other metrics of the same family name, as values */
    uint32_t next;              /* the next sample of the family + 1, or 0 */
} prom_sample;

typedef struct prom_family {
    byte_slice name;
    const metric_def *def;      /* of its first series: HELP and TYPE */
    uint32_t first, last;       /* its samples + 1, or 0 */
} prom_family;

static void merge_sample(prom_sample *sample, const metric_def *defs, const series *s)
{
    const metric_def *def = &defs[s->key.metric];
    if (def->gauge) {
        if (s->end > sample->latest->end ||
            (s->end == sample->latest->end && s->key.snapshot >= sample->latest->key.snapshot))
            sample->latest = s;
    } else if (s->key.metric == sample->latest->key.metric) {
        if (__builtin_add_overflow(sample->total, s->value, &sample->total))
            sample->total = INT64_MAX;
    } else {
        sample->other += def->is_double ? series_double_value(def, s) : (double)s->value;
    }
}

static void put_value(prom_writer *w, const metric_def *defs, const prom_sample *sample)
{
    const series *s = sample->latest;
    const metric_def *def = &defs[s->key.metric];
    int64_t total = def->gauge ? s->value : sample->total;
    w->ok = w->ok && buffer_append_char(w->out, ' ');
    if (def->is_double || sample->other != 0)
        w->ok = w->ok && format_double(w->out, (double)total / def->divisor + sample->other);
    else
        w->ok = w->ok && buffer_printf(w->out, "%" PRId64, total);
    w->ok = w->ok && buffer_append_char(w->out, '\n');
}

/* Groups the ordered series into families and samples (see prom_sample). */
static bool collect_samples(prom_writer *w, series **list, uint32_t count, arena_vector *families,
                            arena_vector *samples)
{
    conversion *c = w->c;
    string_interner family_names, sample_texts;
    point_attribute *attributes = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *attributes);
    prom_label *point_labels = arena_alloc(c->arena, point_attribute_capacity(c) * sizeof *point_labels);
    if (attributes == NULL || point_labels == NULL || !interner_init(&family_names, c->arena) ||
        !interner_init(&sample_texts, c->arena))
        return false;
    byte_buffer *out = w->out;
    for (uint32_t i = 0; i < count && w->ok; i++) {
        const metric_def *def = &c->metrics->items[list[i]->key.metric];
        byte_slice name = family_name(w, def);
        if (name.size == 0)
            continue; /* no character Prometheus keeps: left out */
        uint32_t family_id = intern(&family_names, name);
        if (family_id == INTERN_NONE)
            return false;
        prom_family *family = family_id > families->count ? vector_push(c->arena, families, sizeof *family)
                                                          : &((prom_family *)families->items)[family_id - 1];
        if (family == NULL)
            return false;
        if (family->def == NULL)
            *family = (prom_family){.name = name, .def = def};
        byte_buffer text;
        buffer_init(&text, c->arena);
        w->out = &text;
        put_series(w, name, list[i], attributes, point_labels);
        w->out = out;
        uint32_t sample_id = w->ok ? intern(&sample_texts, (byte_slice){text.data, text.size}) : INTERN_NONE;
        if (sample_id == INTERN_NONE)
            return false;
        if (sample_id <= samples->count) {
            merge_sample(&((prom_sample *)samples->items)[sample_id - 1], c->metrics->items, list[i]);
            continue;
        }
        prom_sample *sample = vector_push(c->arena, samples, sizeof *sample);
        if (sample == NULL)
            return false;
        *sample = (prom_sample){.text = {text.data, text.size}, .family = family_id - 1,
                                .latest = list[i], .total = list[i]->value};
        if (family->last != 0)
            ((prom_sample *)samples->items)[family->last - 1].next = samples->count;
        else
            family->first = samples->count;
        family->last = samples->count;
    }
    return w->ok && !c->arena->failed;
}

bool encode_prometheus(conversion *c, byte_buffer *out)
{
    prom_writer w = {c, out, true, NULL, NULL};
    series **list = arena_alloc(c->arena, ((size_t)c->ordered_count + 1) * sizeof(series *));
    w.resource_labels = arena_calloc(c->arena, (size_t)c->resources.count + 1, sizeof(arena_vector));
    w.resource_labels_known = arena_calloc(c->arena, (size_t)c->resources.count + 1, sizeof(bool));
    if (list == NULL || w.resource_labels == NULL || w.resource_labels_known == NULL)
        return false;
    if (c->ordered_count > 0)
        memcpy(list, c->ordered, c->ordered_count * sizeof(series *));
    qsort(list, c->ordered_count, sizeof *list, by_metric_then_resource);
    arena_vector families = {0}, samples = {0};
    if (!collect_samples(&w, list, c->ordered_count, &families, &samples))
        return false;
    const prom_sample *items = samples.items;
    for (uint32_t f = 0; f < families.count && w.ok; f++) {
        const prom_family *family = &((const prom_family *)families.items)[f];
        w.ok = buffer_append_cstr(out, "# HELP ") && buffer_append(out, family->name.data, family->name.size) &&
               buffer_append_char(out, ' ');
        put_help(&w, family->def->description);
        w.ok = w.ok && buffer_append_cstr(out, "\n# TYPE ") &&
               buffer_append(out, family->name.data, family->name.size) &&
               buffer_append_cstr(out, family->def->gauge ? " gauge\n" : " counter\n");
        for (uint32_t i = family->first; i != 0 && w.ok; i = items[i - 1].next) {
            w.ok = buffer_append(out, items[i - 1].text.data, items[i - 1].text.size);
            put_value(&w, c->metrics->items, &items[i - 1]);
        }
    }
    return w.ok;
}
