/*
 * pprof_labels.c: a pprof sample's labels as attributes of the dictionary.
 *
 * One attribute per distinct label (key, str or num), found again through
 * an open-addressing table (reader->label_slots), with synthesised AnyValue
 * bytes (a string index or an int) in the arena. A few well-known keys are
 * renamed to OTLP's (label_aliases), their names appended to the string
 * table once, so that the pipeline finds thread and process names as it
 * does in OTLP. A label that says nothing (no str, num or unit) is dropped,
 * as google/pprof drops it.
 */
#include "decode/pprof_reader.h"

#include <string.h>

#include "base/limits.h"

/* Label keys renamed to OTLP's attribute keys. */
static const char *const canonical_key_names[4] = {"thread.name", "thread.id",
                                                   "process.executable.name", "process.pid"};
static const struct label_alias {
    const char *label;
    uint8_t canonical; /* into canonical_key_names */
} label_aliases[] = {
    {"thread_name", 0}, {"thread name", 0}, {"threadName", 0},
    {"thread_id", 1}, {"thread id", 1}, {"threadId", 1}, {"tid", 1},
    {"process_name", 2}, {"process name", 2},
    {"pid", 3}, {"process_id", 3},
};

/* The dictionary key index of a label key: the key itself, or the
 * canonical key it is renamed to (appended to the string table once). */
static bool label_key_index(pprof_reader *reader, int64_t key, int32_t *out)
{
    int32_t index = pprof_string_index(key);
    if (index < 0 || (uint32_t)index >= reader->pprof_string_count) {
        *out = -1;
        return true;
    }
    if (reader->renamed_keys[index] != -2) {
        *out = reader->renamed_keys[index];
        return true;
    }
    profile_dictionary *dictionary = reader->dictionary;
    byte_slice name = dictionary_string(dictionary, index);
    int32_t renamed = index;
    for (size_t i = 0; i < sizeof label_aliases / sizeof label_aliases[0]; i++) {
        if (!slice_equals_cstr(name, label_aliases[i].label))
            continue;
        int32_t *canonical = &reader->canonical_keys[label_aliases[i].canonical];
        if (*canonical < 0) {
            byte_slice *entry = pprof_push(reader, &dictionary->strings, sizeof *entry, LIMIT_TABLE_ENTRIES + 4,
                                           "Profile.string_table");
            if (entry == NULL)
                return false;
            const char *text = canonical_key_names[label_aliases[i].canonical];
            *entry = (byte_slice){(const uint8_t *)text, strlen(text)};
            *canonical = (int32_t)(dictionary->strings.count - 1);
        }
        renamed = *canonical;
        break;
    }
    *out = reader->renamed_keys[index] = renamed;
    return true;
}

/* Appends a varint to a small buffer; returns its new length. */
static size_t put_varint(uint8_t *out, size_t at, uint64_t value)
{
    while (value >= 0x80) {
        out[at++] = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    out[at++] = (uint8_t)value;
    return at;
}

/* Adds the attribute entry of a label not seen before. */
static bool add_label_attribute(pprof_reader *reader, const label_key *label, int32_t *index_out)
{
    const char *where = "Profile.sample.label";
    profile_dictionary *dictionary = reader->dictionary;
    int32_t key;
    if (!label_key_index(reader, label->key, &key))
        return false;
    uint8_t bytes[11];
    size_t size = put_varint(bytes, 0, label->numeric ? 0x18 : 0x40); /* AnyValue.int_value / string_value_strindex */
    size = put_varint(bytes, size, label->numeric ? (uint64_t)label->num
                                                  : (uint64_t)(int64_t)pprof_string_index(label->str));
    uint8_t *value = arena_dup(reader->arena, bytes, size);
    if (value == NULL)
        return pprof_out_of_memory(reader);
    label_key *kept = pprof_push(reader, &reader->labels, sizeof *kept, LIMIT_TABLE_ENTRIES, where);
    dictionary_attribute *attribute = pprof_push(reader, &dictionary->attributes, sizeof *attribute,
                                                 LIMIT_TABLE_ENTRIES, where);
    if (kept == NULL || attribute == NULL)
        return false;
    *kept = *label;
    *attribute = (dictionary_attribute){key, {value, size}};
    *index_out = (int32_t)(dictionary->attributes.count - 1);
    return true;
}

static uint32_t label_hash(const label_key *label)
{
    uint64_t mix = (uint64_t)label->key * 0x9e3779b97f4a7c15u ^ (uint64_t)label->str * 0xc2b2ae3d27d4eb4fu ^
                   (uint64_t)label->num * 0x165667b19e3779f9u ^ (uint64_t)label->numeric;
    return (uint32_t)(mix ^ mix >> 29);
}

/* Doubles the label table (all labels placed again). */
static bool grow_label_slots(pprof_reader *reader)
{
    uint32_t slot_count = reader->label_slot_count ? reader->label_slot_count * 2 : 64;
    uint32_t *slots = arena_calloc(reader->arena, slot_count, sizeof *slots);
    if (slots == NULL)
        return pprof_out_of_memory(reader);
    const label_key *labels = reader->labels.items;
    for (uint32_t index = 1; index <= reader->labels.count; index++) {
        uint32_t at = label_hash(&labels[index - 1]) & (slot_count - 1);
        while (slots[at] != 0)
            at = (at + 1) & (slot_count - 1);
        slots[at] = index;
    }
    reader->label_slots = slots;
    reader->label_slot_count = slot_count;
    return true;
}

/* The attribute index of a label, added when first seen. Attribute index
 * i is label i - 1 (the zero entry is index 0, with no label). */
static bool label_attribute(pprof_reader *reader, const label_key *label, int32_t *index_out)
{
    if (reader->labels.count * 2 >= reader->label_slot_count && !grow_label_slots(reader))
        return false;
    uint32_t mask = reader->label_slot_count - 1;
    const label_key *labels = reader->labels.items;
    uint32_t at = label_hash(label) & mask;
    for (; reader->label_slots[at] != 0; at = (at + 1) & mask) {
        const label_key *seen = &labels[reader->label_slots[at] - 1];
        if (seen->key == label->key && seen->str == label->str && seen->num == label->num &&
            seen->numeric == label->numeric) {
            *index_out = (int32_t)reader->label_slots[at];
            return true;
        }
    }
    if (!add_label_attribute(reader, label, index_out))
        return false;
    reader->label_slots[at] = (uint32_t)*index_out;
    return true;
}

bool pprof_read_label(pprof_reader *reader, wire_cursor entry)
{
    const char *where = "Profile.sample.label";
    label_key label = {0};
    int64_t num_unit = 0;
    while (!wire_at_end(&entry)) {
        uint32_t field = 0, wire_type = 0;
        if (!pprof_read_tag(reader, &entry, &field, &wire_type, where))
            return false;
        bool ok = field == 1 ? pprof_read_int64_field(reader, &entry, wire_type, &label.key, "Profile.sample.label.key")
                : field == 2 ? pprof_read_int64_field(reader, &entry, wire_type, &label.str, "Profile.sample.label.str")
                : field == 3 ? pprof_read_int64_field(reader, &entry, wire_type, &label.num, "Profile.sample.label.num")
                : field == 4 ? pprof_read_int64_field(reader, &entry, wire_type, &num_unit, "Profile.sample.label.num_unit")
                : pprof_skip_field(reader, &entry, field, wire_type, where);
        if (!ok)
            return false;
    }
    if (label.str == 0 && label.num == 0 && num_unit == 0)
        return true; /* says nothing: google/pprof drops it too */
    label.numeric = label.str == 0;
    if (!label.numeric)
        label.num = 0;
    int32_t index = 0;
    int32_t *slot = pprof_push(reader, &reader->sample_attributes, sizeof *slot, LIMIT_TABLE_REFERENCES, where);
    if (slot == NULL || !label_attribute(reader, &label, &index))
        return false;
    *slot = index;
    return true;
}
