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
