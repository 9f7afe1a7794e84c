/*
 * utf8.h: UTF-8 validation (utf8.c).
 */
#ifndef PTM_UTF8_H
#define PTM_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length of the valid UTF-8 sequence at text[0..size), or 0 when the
 * bytes there are not valid UTF-8. */
size_t utf8_sequence(const uint8_t *text, size_t size);

/* The length of the longest prefix of text that is valid UTF-8 (ASCII is
 * taken eight bytes at a time). */
size_t utf8_valid_prefix(const uint8_t *text, size_t size);

/* U+FFFD, which replaces each byte of invalid UTF-8 written. */
extern const uint8_t utf8_replacement[3];

/* The size of text[0..size) once each byte of invalid UTF-8 is replaced
 * with U+FFFD; valid is the length of its valid prefix. */
size_t utf8_replaced_size(const uint8_t *text, size_t size, size_t valid);

#endif /* PTM_UTF8_H */
