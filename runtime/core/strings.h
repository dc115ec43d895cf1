/*
 * strings.h - bounded string operations on MAXSTRINGLEN buffers.
 * Every function NUL-terminates and never writes more than cap bytes;
 * truncation never leaves a partial UTF-8 sequence at the end.
 */
#ifndef SONDE_STRINGS_H
#define SONDE_STRINGS_H

#include "value.h"

/* Copies src into dst (src and dst may overlap).  Returns dst. */
char *sonde_strlcpy(char *dst, const char *src, size_t cap);
/* dst = a . b  (dst may alias a or b).  Returns dst. */
char *sonde_concat(char *dst, size_t cap, const char *a, const char *b);
/* Length of the longest prefix of s (of length n) that ends on a UTF-8
 * character boundary and fits in limit bytes. */
size_t sonde_utf8_cut(const char *s, size_t n, size_t limit);
/* strlen(s), but reads at most max bytes: returns max if no NUL among them. */
size_t sonde_strnlen(const char *s, size_t max);

#endif
