/*
 * util.h - allocation that never returns NULL, strings and a growable buffer.
 * The translator is short-lived: it allocates and does not free.
 */
#ifndef SONDE_UTIL_H
#define SONDE_UTIL_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file; NULL (errno set) on failure. */
char *read_file(const char *path, size_t *len);

typedef struct StrBuf {
	char *data;
	size_t len, cap;
} StrBuf;

void sb_puts(StrBuf *sb, const char *s);
void sb_putc(StrBuf *sb, char c);
void sb_printf(StrBuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap);
/* Appends s as the contents of a C string literal (escaped, no quotes). */
void sb_put_c_escaped(StrBuf *sb, const char *s);
char *sb_steal(StrBuf *sb);

#endif
