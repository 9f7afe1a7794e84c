/*
 * limits.h: the bounds the converter enforces on its input, beyond
 * max_input_bytes (config). docs/security.md lists each with what it guards
 * against and the test that checks it. A request over a bound fails with
 * PTM_ERR_LIMIT and a message naming the bound; nothing else is lost.
 */
#ifndef PTM_LIMITS_H
#define PTM_LIMITS_H

/* Entries of any one dictionary table (strings, attributes, stacks,
 * locations, functions, mappings, links). */
#define LIMIT_TABLE_ENTRIES (1u << 22)
/* Location references of all stacks, and lines of all locations, together. */
#define LIMIT_TABLE_REFERENCES (1u << 24)
/* Bytes of one string-table entry or one attribute value. */
#define LIMIT_STRING_BYTES (64u * 1024u)

#endif /* PTM_LIMITS_H */
