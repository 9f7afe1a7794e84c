/*
 * number_text.h: numbers as the text encoders write them, without printf
 * and without any allocation (number_text.c tells how).
 *
 * A double is written exactly as C's printf writes it with "%.15g", else
 * "%.16g", else "%.17g": the least of those precisions whose text reads
 * back (strtod) as the same double. Integers are written in decimal.
 */
#ifndef PTM_NUMBER_TEXT_H
#define PTM_NUMBER_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The room double_text needs: the longest text is 24 bytes
 * ("-2.2250738585072014e-308"), but it writes in fixed-size pieces and
 * may leave scratch bytes past the text. */
#define DOUBLE_TEXT_MAX 40

/* Writes value into out (no NUL; bytes past the returned length are
 * scratch) and returns its length. Every double has a text: a sign for
 * negative ones (and negative zero), "inf" and "nan" as glibc and musl
 * print them ("-inf", "-nan" with the sign bit set). */
size_t double_text(double value, char out[DOUBLE_TEXT_MAX]);

/* The room of an integer's text: "-9223372036854775808" is 20 bytes,
 * 18446744073709551615 too. */
#define INTEGER_TEXT_MAX 20

/* Writes value in decimal into out (no NUL) and returns its length. */
size_t uint64_text(uint64_t value, char out[INTEGER_TEXT_MAX]);
/* The same with a '-' before a negative value. */
size_t int64_text(int64_t value, char out[INTEGER_TEXT_MAX]);

#endif /* PTM_NUMBER_TEXT_H */
