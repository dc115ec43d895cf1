/*
 * strings.c - bounded string operations on MAXSTRINGLEN buffers.
 *
 * Data model: a probe-language string is a NUL-terminated byte array that
 * lives in a fixed-size buffer (cap bytes, NUL included).  Bytes are
 * treated as UTF-8 only where truncation happens: a cut never leaves the
 * first bytes of a multibyte character at the end.  The check is
 * structural (a lead byte followed by the right number of continuation
 * bytes); anything that does not form such a sequence is an invalid byte
 * and counts as a one-byte character, so it can be cut anywhere.
 *
 * The second half is the string function library of tapsets/string.stp
 * (substr, strpos, str_replace, text_str, strtol, tokenize, ...), with
 * the contracts given in strings.h.
 *
 * Runs in the kernel too: no allocation, no libc beyond platform.h.
 */
#include "platform.h"
#include "strings.h"

static bool is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Length of the sequence a lead byte announces; 0 if c cannot start one. */
static size_t lead_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return 2;
	if ((c & 0xF0) == 0xE0)
		return 3;
	if ((c & 0xF8) == 0xF0)
		return 4;
	return 0;               /* continuation byte or 0xF8..0xFF */
}

/* Does s[j..j+len) hold a lead byte and len-1 continuation bytes? */
static bool complete_seq(const unsigned char *s, size_t n, size_t j, size_t len)
{
	size_t k;

	if (len < 2 || j + len > n)
		return false;
	for (k = 1; k < len; k++)
		if (!is_cont(s[j + k]))
			return false;
	return true;
}

size_t sonde_utf8_cut(const char *str, size_t n, size_t limit)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t j;

	if (n <= limit)
		return n;
	if (limit == 0 || !is_cont(s[limit]))
		return limit;   /* the cut falls before a new character */
	/* s[limit] continues something: find its lead, at most 3 bytes back
	 * (a 4-byte sequence has 3 continuation bytes). */
	j = limit - 1;
	while (j > 0 && limit - j < 3 && is_cont(s[j]))
		j--;
	if (j + lead_len(s[j]) > limit && complete_seq(s, n, j, lead_len(s[j])))
		return j;       /* a real character straddles the limit: drop it */
	return limit;           /* stray continuation bytes are single bytes */
}

size_t sonde_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Bytes of s to keep in a buffer of cap bytes (cap >= 1).  Reads at most
 * cap+3 bytes: enough to see a whole character straddling the limit. */
static size_t fit_len(const char *s, size_t cap)
{
	return sonde_utf8_cut(s, sonde_strnlen(s, cap + 3), cap - 1);
}

char *sonde_strlcpy(char *dst, const char *src, size_t cap)
{
	size_t n;

	if (cap == 0)
		return dst;
	if (!src)
		src = "";
	n = fit_len(src, cap);
	memmove(dst, src, n);   /* src and dst may overlap */
	dst[n] = '\0';
	return dst;
}

char *sonde_concat(char *dst, size_t cap, const char *a, const char *b)
{
	size_t na, la, lb;

	if (cap == 0)
		return dst;
	if (!a)
		a = "";
	if (!b)
		b = "";
	/* Measure both before writing anything: dst may be a or b.  The
	 * result is a prefix of a.b, so once a is cut b adds nothing. */
	na = sonde_strnlen(a, cap + 3);
	la = sonde_utf8_cut(a, na, cap - 1);
	lb = la < na ? 0 : sonde_utf8_cut(b, sonde_strnlen(b, cap + 3), cap - 1 - la);
	/*
	 * Place b first: its writes land at dst+la and beyond, so when dst is
	 * a they leave a's kept prefix intact, and when dst is b they happen
	 * before a overwrites b's old bytes.  memmove handles dst == a == b.
	 */
	memmove(dst + la, b, lb);
	memmove(dst, a, la);
	dst[la + lb] = '\0';
	return dst;
}

/* ---- the string function library (tapsets/string.stp) --------------- */

#define STRLIB_S64_MAX ((int64_t)(~(uint64_t)0 >> 1))
#define STRLIB_S64_MIN (-STRLIB_S64_MAX - 1)

size_t sonde_str_len(const char *s)
{
	return s ? fit_len(s, MAXSTRINGLEN) : 0;
}

/* Bytes of the character at s[i] (i < n): the length of a complete
 * sequence, else 1 (an invalid byte is a character of its own). */
static size_t strlib_char_len(const unsigned char *s, size_t n, size_t i)
{
	size_t len = lead_len(s[i]);

	return len >= 2 && complete_seq(s, n, i, len) ? len : 1;
}

/* Appends p[0..n) to dst[0..*used), keeping the result within cap-1 bytes
 * and cut at a character boundary.  Returns false when p did not fit
 * whole (the caller then stops: the result must stay a prefix). */
static bool strlib_append(char *dst, size_t cap, size_t *used, const char *p, size_t n)
{
	size_t keep = sonde_utf8_cut(p, n, cap - 1 - *used);

	memcpy(dst + *used, p, keep);
	*used += keep;
	return keep == n;
}

char *sonde_substr(char *dst, size_t cap, const char *s, int64_t start, int64_t length)
{
	size_t n, avail, k;

	if (cap == 0)
		return dst;
	n = sonde_str_len(s);
	if (start < 0 || length <= 0 || (uint64_t)start >= n) {
		dst[0] = '\0';
		return dst;
	}
	avail = n - (size_t)start;
	k = (uint64_t)length < avail ? (size_t)length : avail;
	if (k > cap - 1)
		k = cap - 1;
	k = sonde_utf8_cut(s + start, avail, k);
	memmove(dst, s + start, k);     /* dst may be s */
	dst[k] = '\0';
	return dst;
}

/* Offset of the first needle[0..nn) in hay[from..hn), or -1. */
static int64_t strlib_find(const char *hay, size_t hn, const char *needle, size_t nn, size_t from)
{
	size_t i;

	if (nn == 0)
		return from <= hn ? (int64_t)from : -1;
	for (i = from; i < hn && hn - i >= nn; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, nn) == 0)
			return (int64_t)i;
	return -1;
}

int64_t sonde_strpos(const char *s1, const char *s2)
{
	return strlib_find(s1 ? s1 : "", sonde_str_len(s1), s2 ? s2 : "", sonde_str_len(s2), 0);
}

bool sonde_isinstr(const char *s1, const char *s2)
{
	return sonde_strpos(s1, s2) >= 0;
}

char *sonde_str_replace(char *dst, size_t cap, const char *s, const char *search,
			const char *repl)
{
	size_t n, sn, rn, used = 0, i = 0;
	int64_t at;

	if (cap == 0)
		return dst;
	if (!s)
		s = "";
	if (!search)
		search = "";
	if (!repl)
		repl = "";
	n = sonde_str_len(s);
	sn = sonde_str_len(search);
	rn = sonde_str_len(repl);
	if (sn > 0) {
		while ((at = strlib_find(s, n, search, sn, i)) >= 0) {
			if (!strlib_append(dst, cap, &used, s + i, (size_t)at - i) ||
			    !strlib_append(dst, cap, &used, repl, rn))
				goto done;
			i = (size_t)at + sn;
		}
	}
	strlib_append(dst, cap, &used, s + i, n - i);
done:
	dst[used] = '\0';
	return dst;
}

/* Bytes of the escape of byte c in text_str: 1 (itself), 2 (\n, \", ...)
 * or 4 (\ooo). */
static size_t strlib_esc_len(unsigned char c)
{
	if (c >= 0x20 && c < 0x7f)
		return c == '"' || c == '\\' ? 2 : 1;
	switch (c) {
	case '\a': case '\b': case '\f': case '\n': case '\r': case '\t': case '\v':
		return 2;
	}
	return 4;
}

static char *strlib_esc_put(char *o, unsigned char c)
{
	static const char ctl[] = "abtnvfr";    /* \a (7) to \r (13) */

	switch (strlib_esc_len(c)) {
	case 1:
		*o++ = (char)c;
		break;
	case 2:
		*o++ = '\\';
		*o++ = (c == '"' || c == '\\') ? (char)c : ctl[c - '\a'];
		break;
	default:
		*o++ = '\\';
		*o++ = (char)('0' + (c >> 6));
		*o++ = (char)('0' + ((c >> 3) & 7));
		*o++ = (char)('0' + (c & 7));
		break;
	}
	return o;
}

char *sonde_text_strn(char *dst, size_t cap, const char *s, int64_t len, bool quoted)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n, i = 0, budget, room, w = 0, mark = 0;
	char *o;

	if (cap == 0)
		return dst;
	n = sonde_str_len(s);
	budget = (len > 0 && (uint64_t)len < cap) ? (size_t)len : cap - 1;
	if (quoted) {
		if (budget < 5)
			budget = 5 < cap - 1 ? 5 : cap - 1;
		if (budget < 2) {       /* not even "" fits */
			dst[0] = '\0';
			return dst;
		}
	}
	room = quoted ? budget - 2 : budget;
	o = quoted ? dst + 1 : dst;
	/* Whole characters only: the escapes of one never get separated. */
	while (i < n) {
		size_t cl = strlib_char_len(u, n, i), need = 0, k;

		for (k = 0; k < cl; k++)
			need += strlib_esc_len(u[i + k]);
		if (need > room - w)
			break;
		for (k = 0; k < cl; k++)
			o = strlib_esc_put(o, u[i + k]);
		w += need;
		i += cl;
		if (w + 5 <= budget)
			mark = w;       /* still room for the "... ending */
	}
	if (!quoted) {
		dst[w] = '\0';
	} else if (i == n) {
		dst[0] = '"';
		dst[1 + w] = '"';
		dst[2 + w] = '\0';
	} else if (budget < 5) {
		dst[0] = '\0';
	} else {
		dst[0] = '"';
		memcpy(dst + 1 + mark, "\"...", 4);
		dst[5 + mark] = '\0';
	}
	return dst;
}

char *sonde_text_str(char *dst, size_t cap, const char *s)
{
	return sonde_text_strn(dst, cap, s, 0, false);
}

/* Value of c as a digit (0-9, then a-z / A-Z as 10..35); 36 if none. */
static unsigned strlib_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	return 36;
}

int sonde_strtol(const char *str, int64_t base, int64_t *out)
{
	const unsigned char *p = (const unsigned char *)(str ? str : "");
	size_t n = sonde_str_len(str), i = 0;
	uint64_t acc = 0, limit;
	bool neg = false, over = false;
	unsigned b;

	*out = 0;
	if (base != 0 && (base < 2 || base > 36))
		return -1;
	b = (unsigned)base;
	while (i < n && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r')))
		i++;
	if (i < n && (p[i] == '+' || p[i] == '-'))
		neg = p[i++] == '-';
	/* A 0x prefix counts only when a hex digit follows: "0xg" is 0. */
	if ((b == 0 || b == 16) && n - i >= 3 && p[i] == '0' && (p[i + 1] | 0x20) == 'x' &&
	    strlib_digit(p[i + 2]) < 16) {
		i += 2;
		b = 16;
	} else if (b == 0) {
		b = (i < n && p[i] == '0') ? 8 : 10;
	}
	limit = neg ? (uint64_t)STRLIB_S64_MAX + 1 : (uint64_t)STRLIB_S64_MAX;
	for (; i < n; i++) {
		unsigned d = strlib_digit(p[i]);
		uint64_t t;

		if (d >= b)
			break;
		if (over)
			continue;       /* keep reading the digits, saturated */
		if (__builtin_mul_overflow(acc, (uint64_t)b, &t) ||
		    __builtin_add_overflow(t, (uint64_t)d, &t) || t > limit)
			over = true;
		else
			acc = t;
	}
	if (over)
		acc = limit;
	if (!neg)
		*out = (int64_t)acc;
	else if (acc == (uint64_t)STRLIB_S64_MAX + 1)
		*out = STRLIB_S64_MIN;
	else
		*out = -(int64_t)acc;
	return 0;
}

bool sonde_isdigit(const char *s)
{
	return s && s[0] >= '0' && s[0] <= '9';
}

int sonde_stringat(const char *s, int64_t pos, int64_t *out)
{
	*out = 0;
	if (pos < 0 || (uint64_t)pos >= sonde_str_len(s))
		return -1;
	*out = (unsigned char)s[pos];
	return 0;
}

/* Maps the ASCII letters of s between lo and lo+25 by adding delta. */
static char *strlib_map_case(char *dst, size_t cap, const char *s, char lo, int delta)
{
	size_t n, i;

	if (cap == 0)
		return dst;
	n = sonde_str_len(s);
	n = sonde_utf8_cut(s ? s : "", n, cap - 1);
	for (i = 0; i < n; i++) {       /* in place when dst is s */
		char c = s[i];

		dst[i] = (c >= lo && c <= lo + 25) ? (char)(c + delta) : c;
	}
	dst[n] = '\0';
	return dst;
}

char *sonde_toupper(char *dst, size_t cap, const char *s)
{
	return strlib_map_case(dst, cap, s, 'a', 'A' - 'a');
}

char *sonde_tolower(char *dst, size_t cap, const char *s)
{
	return strlib_map_case(dst, cap, s, 'A', 'a' - 'A');
}

void sonde_tokenize_reset(struct sonde_tokenize_state *st)
{
	st->pos = 0;
	st->len = 0;
	st->buf[0] = '\0';
}

/* Is the character c[0..cl) one of the characters of set[0..sn)? */
static bool strlib_in_set(const unsigned char *set, size_t sn, const unsigned char *c, size_t cl)
{
	size_t j = 0, l;

	while (j < sn) {
		l = strlib_char_len(set, sn, j);
		if (l == cl && memcmp(set + j, c, cl) == 0)
			return true;
		j += l;
	}
	return false;
}

char *sonde_tokenize(char *dst, size_t cap, struct sonde_tokenize_state *st,
		     const char *input, const char *delim)
{
	const unsigned char *b = (const unsigned char *)st->buf;
	const unsigned char *d = (const unsigned char *)(delim ? delim : "");
	size_t dn = sonde_str_len(delim), start, l = 0;

	if (input && input[0]) {
		sonde_strlcpy(st->buf, input, sizeof(st->buf));
		st->len = strlen(st->buf);
		st->pos = 0;
	}
	if (st->len >= sizeof(st->buf) || st->pos > st->len)
		sonde_tokenize_reset(st);       /* never trust a corrupt state */
	while (st->pos < st->len) {             /* skip leading delimiters */
		l = strlib_char_len(b, st->len, st->pos);
		if (!strlib_in_set(d, dn, b + st->pos, l))
			break;
		st->pos += l;
	}
	start = st->pos;
	while (st->pos < st->len) {
		l = strlib_char_len(b, st->len, st->pos);
		if (strlib_in_set(d, dn, b + st->pos, l))
			break;
		st->pos += l;
	}
	if (cap > 0) {
		size_t k = sonde_utf8_cut(st->buf + start, st->pos - start, cap - 1);

		memmove(dst, st->buf + start, k);
		dst[k] = '\0';
	}
	if (st->pos < st->len)
		st->pos += l;                   /* past the delimiter that ended it */
	return dst;
}
