/*
 * strings.h - bounded string operations on MAXSTRINGLEN buffers.
 * Every function NUL-terminates and never writes more than cap bytes;
 * truncation never leaves a partial UTF-8 sequence at the end.
 */
#ifndef SONDE_STRINGS_H
#define SONDE_STRINGS_H

#include "value.h"
#include "limits.h"

/* Copies src into dst (src and dst may overlap).  Returns dst. */
char *sonde_strlcpy(char *dst, const char *src, size_t cap);
/* dst = a . b  (dst may alias a or b).  Returns dst. */
char *sonde_concat(char *dst, size_t cap, const char *a, const char *b);
/* Length of the longest prefix of s (of length n) that ends on a UTF-8
 * character boundary and fits in limit bytes. */
size_t sonde_utf8_cut(const char *s, size_t n, size_t limit);
/* strlen(s), but reads at most max bytes: returns max if no NUL among them. */
size_t sonde_strnlen(const char *s, size_t max);

/*
 * The string function library (tapsets/string.stp), with SystemTap's
 * semantics.  Positions and lengths count bytes, as in SystemTap.  An
 * input string is taken as the value a MAXSTRINGLEN buffer would hold: at
 * most MAXSTRINGLEN-1 bytes, cut at a character boundary (so a long
 * literal behaves like the same text stored in a variable).  Functions
 * that produce a string write at most cap bytes to dst (cap >= 1; cap 0
 * writes nothing), always NUL-terminate, and never end it with part of a
 * multibyte character.  dst must not overlap the inputs, except where
 * noted.  Nothing allocates.
 */

/* Length in bytes of s as a string value (at most MAXSTRINGLEN-1). */
size_t sonde_str_len(const char *s);

/*
 * substr(s, start, length): the bytes of s from start (0 = first) on, at
 * most length of them.  Empty when start < 0, start >= strlen(s) or
 * length <= 0.  A multibyte character that the end of the range (or cap)
 * cuts through is dropped whole.  dst may be s.
 */
char *sonde_substr(char *dst, size_t cap, const char *s, int64_t start, int64_t length);

/* strpos(s1, s2): byte offset of the first s2 in s1, -1 if none (0 when
 * s2 is empty).  isinstr(s1, s2): whether s1 contains s2. */
int64_t sonde_strpos(const char *s1, const char *s2);
bool sonde_isinstr(const char *s1, const char *s2);

/*
 * str_replace(s, search, repl): s with every occurrence of search,
 * scanned left to right without overlaps, replaced by repl.  An empty
 * search string replaces nothing (the result is s).  A result longer than
 * cap-1 bytes is cut at a character boundary and is always a prefix of
 * the full result.
 */
char *sonde_str_replace(char *dst, size_t cap, const char *s, const char *search,
			const char *repl);

/*
 * text_strn(s, len, quoted): s with every byte that is not printable
 * ASCII written as an escape: \a \b \f \n \r \t \v, \" and \\ for
 * the quote and the backslash, \ooo (three octal digits) for any other
 * byte below 0x20, 0x7f and every byte >= 0x80 (so a UTF-8 character
 * becomes one \ooo per byte).  The result is at most len bytes
 * (len <= 0 or len >= cap: cap-1), escapes and the escapes of one
 * multibyte character are never cut apart.  With quoted, the result is
 * surrounded by double quotes, and when s did not fit whole it ends in
 * "... after the closing quote, within the len bytes (a quoted result
 * needs at least 5: a smaller len counts as 5).
 * text_str(s) is text_strn(s, 0, false).
 */
char *sonde_text_strn(char *dst, size_t cap, const char *s, int64_t len, bool quoted);
char *sonde_text_str(char *dst, size_t cap, const char *s);

/*
 * strtol(s, base): the number at the start of s, as C's strtol reads it:
 * leading white space, an optional sign, then digits of base (letters
 * a-z / A-Z are 10..35); base 16 allows a 0x/0X prefix; base 0 reads
 * 0x... as hex, 0... as octal, anything else as decimal.  Reading stops at
 * the first byte that is not a digit of base, so invalid text gives the
 * value of its longest valid prefix, and 0 when there is none.  A value
 * out of range saturates at INT64_MAX / INT64_MIN.  Returns 0, or -1 when
 * base is neither 0 nor 2..36 (then *out is 0).
 */
int sonde_strtol(const char *s, int64_t base, int64_t *out);

/* isdigit(s): whether the first byte of s is '0'..'9'. */
bool sonde_isdigit(const char *s);

/* stringat(s, pos): the byte at pos as 0..255.  Returns 0, or -1 when pos
 * is out of bounds (pos < 0 or pos >= strlen(s); then *out is 0). */
int sonde_stringat(const char *s, int64_t pos, int64_t *out);

/* toupper(s) / tolower(s): s with ASCII letters mapped; every other byte
 * (so every multibyte character) is kept.  dst may be s. */
char *sonde_toupper(char *dst, size_t cap, const char *s);
char *sonde_tolower(char *dst, size_t cap, const char *s);

/*
 * tokenize(input, delim): the next non-empty token of a string, where
 * tokens are separated by any of the characters of delim (a multibyte
 * character of delim is one delimiter; an empty delim means the whole
 * rest is one token).  A non-empty input starts over on a copy of input;
 * an empty (or NULL) input continues where the last call on this state
 * stopped.  Returns "" when no token is left.  The state belongs to the
 * caller (the kernel keeps one per CPU): zero it, or call
 * sonde_tokenize_reset, before first use.  dst may be input.
 */
struct sonde_tokenize_state {
	size_t pos;                 /* next byte of buf to scan */
	size_t len;                 /* bytes in buf */
	char buf[MAXSTRINGLEN];     /* copy of the string being split */
};

void sonde_tokenize_reset(struct sonde_tokenize_state *st);
char *sonde_tokenize(char *dst, size_t cap, struct sonde_tokenize_state *st,
		     const char *input, const char *delim);

#endif
