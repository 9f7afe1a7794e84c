/*
 * format_double.h: a double as text, exactly as C's printf writes it with
 * "%.15g", else "%.16g", else "%.17g": the least of those precisions whose
 * text reads back (strtod) as the same double. Written without printf or
 * strtod and without any allocation (format_double.c tells how).
 */
#ifndef PTM_FORMAT_DOUBLE_H
#define PTM_FORMAT_DOUBLE_H

#include <stddef.h>

/* The room double_text needs: the longest text is 24 bytes
 * ("-2.2250738585072014e-308"), but it writes in fixed-size pieces and
 * may leave scratch bytes past the text. */
#define DOUBLE_TEXT_MAX 40

/* Writes value into out (no NUL; bytes past the returned length are
 * scratch) and returns its length. Every double has
 * a text: a sign for negative ones (and negative zero), "inf" and "nan"
 * as glibc and musl print them ("-inf", "-nan" with the sign bit set). */
size_t double_text(double value, char out[DOUBLE_TEXT_MAX]);

#endif /* PTM_FORMAT_DOUBLE_H */
