/*
 * test_strings.c - unit tests of runtime/core/strings.c: UTF-8-safe
 * truncation, overlapping copies and aliasing concatenation, and the
 * string function library of tapsets/string.stp.  The expected values of
 * the library come from SystemTap's tapset reference (substr, strpos,
 * isinstr, str_replace, text_str, text_strn, strtol, stringat, isdigit,
 * tokenize) and from the contracts in strings.h.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "core/strings.h"
#include "core/limits.h"

/* "é" is C3 A9, "€" is E2 82 AC, "😀" is F0 9F 98 80. */
#define E_ACUTE "\xc3\xa9"
#define EURO "\xe2\x82\xac"
#define SMILE "\xf0\x9f\x98\x80"

static size_t cut(const char *s, size_t limit)
{
	return sonde_utf8_cut(s, strlen(s), limit);
}

static void test_cut_ascii(void)
{
	CU_ASSERT_EQUAL(cut("hello", 10), 5);
	CU_ASSERT_EQUAL(cut("hello", 5), 5);
	CU_ASSERT_EQUAL(cut("hello", 3), 3);
	CU_ASSERT_EQUAL(cut("hello", 0), 0);
	CU_ASSERT_EQUAL(cut("", 0), 0);
	/* n bounds the string even when it holds more bytes */
	CU_ASSERT_EQUAL(sonde_utf8_cut("hello", 2, 4), 2);
}

/* Every limit inside a multibyte character backs off to its start. */
static void test_cut_multibyte(void)
{
	const char *s = "a" E_ACUTE "b" EURO "c" SMILE "d";
	/* byte offsets: a0 é1-2 b3 €4-6 c7 😀8-11 d12, length 13 */
	static const size_t want[14] = {
		0, 1, 1, 3, 4, 4, 4, 7, 8, 8, 8, 8, 12, 13,
	};
	size_t limit;

	CU_ASSERT_EQUAL_FATAL(strlen(s), 13);
	for (limit = 0; limit <= 13; limit++)
		CU_ASSERT_EQUAL(cut(s, limit), want[limit]);
}

/* Bytes that do not form a complete sequence are cut like single bytes. */
static void test_cut_invalid(void)
{
	/* stray continuation bytes after ASCII */
	CU_ASSERT_EQUAL(cut("ab\x80\x80\x80\x80z", 3), 3);
	CU_ASSERT_EQUAL(cut("ab\x80\x80\x80\x80z", 5), 5);
	/* a lead byte whose sequence is cut short in the input itself */
	CU_ASSERT_EQUAL(sonde_utf8_cut("\xe2\x82", 2, 1), 1);
	CU_ASSERT_EQUAL(cut("\xe2\x82x", 1), 1);
	/* 0xFF and 0xF8 are never leads */
	CU_ASSERT_EQUAL(cut("\xff\x80\x80", 1), 1);
	CU_ASSERT_EQUAL(cut("\xf8\x80\x80\x80\x80", 2), 2);
	/* a 2-byte lead followed by too many continuation bytes: the
	 * character is the first two; the third byte is stray */
	CU_ASSERT_EQUAL(cut("\xc3\xa9\xa9", 1), 0);
	CU_ASSERT_EQUAL(cut("\xc3\xa9\xa9", 2), 2);
	/* a sequence at offset 0 straddling the limit */
	CU_ASSERT_EQUAL(cut(SMILE, 3), 0);
}

static void test_strnlen(void)
{
	CU_ASSERT_EQUAL(sonde_strnlen("abc", 10), 3);
	CU_ASSERT_EQUAL(sonde_strnlen("abc", 3), 3);
	CU_ASSERT_EQUAL(sonde_strnlen("abc", 2), 2);
	CU_ASSERT_EQUAL(sonde_strnlen("", 5), 0);
	CU_ASSERT_EQUAL(sonde_strnlen("abc", 0), 0);
}

static void test_strlcpy_basic(void)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	CU_ASSERT_PTR_EQUAL(sonde_strlcpy(buf, "abc", sizeof(buf)), buf);
	CU_ASSERT_STRING_EQUAL(buf, "abc");
	sonde_strlcpy(buf, "abcdefghijk", sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "abcdefg");
	sonde_strlcpy(buf, "abc", 1);
	CU_ASSERT_STRING_EQUAL(buf, "");
	sonde_strlcpy(buf, NULL, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* cap 0 writes nothing */
	buf[0] = 'Q';
	sonde_strlcpy(buf, "abc", 0);
	CU_ASSERT_EQUAL(buf[0], 'Q');
}

static void test_strlcpy_never_overruns(void)
{
	char buf[16];

	memset(buf, 'X', sizeof(buf));
	sonde_strlcpy(buf, "0123456789abcdefghij", 6);
	CU_ASSERT_STRING_EQUAL(buf, "01234");
	CU_ASSERT_EQUAL(buf[6], 'X');
}

static void test_strlcpy_utf8(void)
{
	char buf[8];

	/* "ab€" needs 6 bytes with the NUL; cap 5 must drop the whole € */
	sonde_strlcpy(buf, "ab" EURO, 5);
	CU_ASSERT_STRING_EQUAL(buf, "ab");
	sonde_strlcpy(buf, "ab" EURO, 6);
	CU_ASSERT_STRING_EQUAL(buf, "ab" EURO);
	sonde_strlcpy(buf, "abcd" SMILE, 8);
	CU_ASSERT_STRING_EQUAL(buf, "abcd");
}

static void test_strlcpy_overlap(void)
{
	char buf[32];

	/* dst after src (forward overlap) */
	strcpy(buf, "abcdefgh");
	sonde_strlcpy(buf + 2, buf, sizeof(buf) - 2);
	CU_ASSERT_STRING_EQUAL(buf, "ababcdefgh");
	/* dst before src */
	strcpy(buf, "abcdefgh");
	sonde_strlcpy(buf, buf + 3, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "defgh");
	/* same buffer, truncating */
	strcpy(buf, "abcdefgh");
	sonde_strlcpy(buf, buf, 4);
	CU_ASSERT_STRING_EQUAL(buf, "abc");
}

/* A MAXSTRINGLEN buffer with "é" straddling its last byte. */
static void test_strlcpy_maxstringlen(void)
{
	static char src[MAXSTRINGLEN + 8], dst[MAXSTRINGLEN];

	memset(src, 'a', MAXSTRINGLEN - 2);
	strcpy(src + MAXSTRINGLEN - 2, E_ACUTE "zz");
	/* é occupies bytes MAXSTRINGLEN-2 and -1: only -2 is free */
	sonde_strlcpy(dst, src, sizeof(dst));
	CU_ASSERT_EQUAL(strlen(dst), MAXSTRINGLEN - 2);
	CU_ASSERT_EQUAL(dst[MAXSTRINGLEN - 3], 'a');
	/* one byte earlier it fits exactly */
	memset(src, 'a', MAXSTRINGLEN - 3);
	strcpy(src + MAXSTRINGLEN - 3, E_ACUTE "zz");
	sonde_strlcpy(dst, src, sizeof(dst));
	CU_ASSERT_EQUAL(strlen(dst), MAXSTRINGLEN - 1);
	CU_ASSERT_STRING_EQUAL(dst + MAXSTRINGLEN - 3, E_ACUTE);
}

static void test_concat_basic(void)
{
	char buf[16];

	CU_ASSERT_PTR_EQUAL(sonde_concat(buf, sizeof(buf), "foo", "bar"), buf);
	CU_ASSERT_STRING_EQUAL(buf, "foobar");
	sonde_concat(buf, sizeof(buf), "", "");
	CU_ASSERT_STRING_EQUAL(buf, "");
	sonde_concat(buf, sizeof(buf), NULL, "x");
	CU_ASSERT_STRING_EQUAL(buf, "x");
	sonde_concat(buf, 8, "abcde", "fghij");
	CU_ASSERT_STRING_EQUAL(buf, "abcdefg");
	sonde_concat(buf, 4, "abcdef", "xyz");
	CU_ASSERT_STRING_EQUAL(buf, "abc");
	sonde_concat(buf, 1, "a", "b");
	CU_ASSERT_STRING_EQUAL(buf, "");
}

static void test_concat_utf8(void)
{
	char buf[16];

	/* "ab" + "c€": € would need bytes 3..5, cap 6 leaves 5 */
	sonde_concat(buf, 6, "ab", "c" EURO);
	CU_ASSERT_STRING_EQUAL(buf, "abc");
	sonde_concat(buf, 7, "ab", "c" EURO);
	CU_ASSERT_STRING_EQUAL(buf, "abc" EURO);
	/* a itself straddles the cut: b gets nothing after it */
	sonde_concat(buf, 4, "ab" EURO, "x");
	CU_ASSERT_STRING_EQUAL(buf, "ab");
}

static void test_concat_alias(void)
{
	char buf[16];

	strcpy(buf, "foo");
	sonde_concat(buf, sizeof(buf), buf, "bar");
	CU_ASSERT_STRING_EQUAL(buf, "foobar");
	strcpy(buf, "bar");
	sonde_concat(buf, sizeof(buf), "foo", buf);
	CU_ASSERT_STRING_EQUAL(buf, "foobar");
	strcpy(buf, "abc");
	sonde_concat(buf, sizeof(buf), buf, buf);
	CU_ASSERT_STRING_EQUAL(buf, "abcabc");
	/* aliasing and truncating at once */
	strcpy(buf, "abcdef");
	sonde_concat(buf, 10, buf, buf);
	CU_ASSERT_STRING_EQUAL(buf, "abcdefabc");
	strcpy(buf, "wxyz");
	sonde_concat(buf, 7, "0123", buf);
	CU_ASSERT_STRING_EQUAL(buf, "0123wx");
}

/* ---- the string function library -------------------------------------- */

/* A string value of n bytes of c (n < sizeof buf). */
static char *fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void test_str_len(void)
{
	static char big[MAXSTRINGLEN + 16];

	CU_ASSERT_EQUAL(sonde_str_len(""), 0);
	CU_ASSERT_EQUAL(sonde_str_len("hello"), 5);
	CU_ASSERT_EQUAL(sonde_str_len(EURO), 3);          /* bytes, as SystemTap */
	CU_ASSERT_EQUAL(sonde_str_len(NULL), 0);
	/* a longer text counts as what a MAXSTRINGLEN buffer holds */
	fill(big, 'a', MAXSTRINGLEN + 10);
	CU_ASSERT_EQUAL(sonde_str_len(big), MAXSTRINGLEN - 1);
	fill(big, 'a', MAXSTRINGLEN - 1);
	CU_ASSERT_EQUAL(sonde_str_len(big), MAXSTRINGLEN - 1);
	/* ... and never ends inside a character: € at bytes 509..511 */
	fill(big, 'a', MAXSTRINGLEN - 3);
	strcat(big, EURO "zz");
	CU_ASSERT_EQUAL(sonde_str_len(big), MAXSTRINGLEN - 3);
}

static void test_substr(void)
{
	char buf[32];

	CU_ASSERT_PTR_EQUAL(sonde_substr(buf, sizeof(buf), "hello", 1, 3), buf);
	CU_ASSERT_STRING_EQUAL(buf, "ell");
	sonde_substr(buf, sizeof(buf), "hello", 0, 5);
	CU_ASSERT_STRING_EQUAL(buf, "hello");
	sonde_substr(buf, sizeof(buf), "hello", 0, 1);
	CU_ASSERT_STRING_EQUAL(buf, "h");
	sonde_substr(buf, sizeof(buf), "hello", 4, 1);
	CU_ASSERT_STRING_EQUAL(buf, "o");
	/* "or smaller if the length of the original string is less than
	 * start + length, or length is bigger than MAXSTRINGLEN" */
	sonde_substr(buf, sizeof(buf), "hello", 2, 100);
	CU_ASSERT_STRING_EQUAL(buf, "llo");
	sonde_substr(buf, sizeof(buf), "hello", 0, INT64_MAX);
	CU_ASSERT_STRING_EQUAL(buf, "hello");
	/* the result is cut to the buffer */
	sonde_substr(buf, 4, "abcdef", 0, 10);
	CU_ASSERT_STRING_EQUAL(buf, "abc");
	sonde_substr(buf, 1, "abcdef", 0, 10);
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* dst may be the string itself */
	strcpy(buf, "hello");
	sonde_substr(buf, sizeof(buf), buf, 2, 2);
	CU_ASSERT_STRING_EQUAL(buf, "ll");
	strcpy(buf, "hello");
	sonde_substr(buf, sizeof(buf), buf, 0, 3);
	CU_ASSERT_STRING_EQUAL(buf, "hel");
}

static void test_substr_range(void)
{
	char buf[32];

	/* start at or beyond the end */
	strcpy(buf, "junk");
	sonde_substr(buf, sizeof(buf), "hello", 5, 1);
	CU_ASSERT_STRING_EQUAL(buf, "");
	strcpy(buf, "junk");
	sonde_substr(buf, sizeof(buf), "hello", 6, 1);
	CU_ASSERT_STRING_EQUAL(buf, "");
	sonde_substr(buf, sizeof(buf), "hello", INT64_MAX, INT64_MAX);
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* negative start */
	strcpy(buf, "junk");
	sonde_substr(buf, sizeof(buf), "hello", -1, 3);
	CU_ASSERT_STRING_EQUAL(buf, "");
	sonde_substr(buf, sizeof(buf), "hello", INT64_MIN, 3);
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* zero and negative lengths */
	strcpy(buf, "junk");
	sonde_substr(buf, sizeof(buf), "hello", 1, 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
	strcpy(buf, "junk");
	sonde_substr(buf, sizeof(buf), "hello", 1, -1);
	CU_ASSERT_STRING_EQUAL(buf, "");
	sonde_substr(buf, sizeof(buf), "hello", 0, INT64_MIN);
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* empty string */
	strcpy(buf, "junk");
	sonde_substr(buf, sizeof(buf), "", 0, 1);
	CU_ASSERT_STRING_EQUAL(buf, "");
	sonde_substr(buf, sizeof(buf), NULL, 0, 1);
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* cap 0 writes nothing */
	buf[0] = 'Q';
	sonde_substr(buf, 0, "hello", 0, 2);
	CU_ASSERT_EQUAL(buf[0], 'Q');
}

/* Positions count bytes; a character cut by the end of the range goes. */
static void test_substr_utf8(void)
{
	const char *s = "a" EURO "b";       /* a0 €1-3 b4 */
	char buf[32];

	sonde_substr(buf, sizeof(buf), s, 0, 4);
	CU_ASSERT_STRING_EQUAL(buf, "a" EURO);
	sonde_substr(buf, sizeof(buf), s, 0, 2);
	CU_ASSERT_STRING_EQUAL(buf, "a");
	sonde_substr(buf, sizeof(buf), s, 0, 3);
	CU_ASSERT_STRING_EQUAL(buf, "a");
	sonde_substr(buf, sizeof(buf), s, 1, 3);
	CU_ASSERT_STRING_EQUAL(buf, EURO);
	sonde_substr(buf, sizeof(buf), s, 1, 2);
	CU_ASSERT_STRING_EQUAL(buf, "");
	sonde_substr(buf, sizeof(buf), s, 4, 1);
	CU_ASSERT_STRING_EQUAL(buf, "b");
	/* a start inside a character keeps its continuation bytes (they are
	 * bytes of the string; nothing is cut at the end) */
	sonde_substr(buf, sizeof(buf), s, 2, 3);
	CU_ASSERT_STRING_EQUAL(buf, "\x82\xac" "b");
	/* the buffer cuts too: cap 5 leaves 4 bytes, € would end at 5 */
	sonde_substr(buf, 5, "ab" EURO, 0, 10);
	CU_ASSERT_STRING_EQUAL(buf, "ab");
	sonde_substr(buf, 4, SMILE "x", 0, 5);
	CU_ASSERT_STRING_EQUAL(buf, "");
}

static void test_substr_maxstringlen(void)
{
	static char big[MAXSTRINGLEN + 16], dst[MAXSTRINGLEN];

	fill(big, 'a', MAXSTRINGLEN + 10);
	sonde_substr(dst, sizeof(dst), big, 0, 2 * MAXSTRINGLEN);
	CU_ASSERT_EQUAL(strlen(dst), MAXSTRINGLEN - 1);
	/* the value is MAXSTRINGLEN-1 bytes: the last one is at -2 */
	sonde_substr(dst, sizeof(dst), big, MAXSTRINGLEN - 2, 10);
	CU_ASSERT_STRING_EQUAL(dst, "a");
	sonde_substr(dst, sizeof(dst), big, MAXSTRINGLEN - 1, 10);
	CU_ASSERT_STRING_EQUAL(dst, "");
	/* é straddles the end of the buffer */
	fill(big, 'b', MAXSTRINGLEN - 2);
	strcat(big, E_ACUTE);
	sonde_substr(dst, sizeof(dst), big, 0, MAXSTRINGLEN);
	CU_ASSERT_EQUAL(strlen(dst), MAXSTRINGLEN - 2);
}

static void test_strpos(void)
{
	CU_ASSERT_EQUAL(sonde_strpos("hello", "l"), 2);
	CU_ASSERT_EQUAL(sonde_strpos("hello", "lo"), 3);
	CU_ASSERT_EQUAL(sonde_strpos("hello", "hello"), 0);  /* prefix: 0 */
	CU_ASSERT_EQUAL(sonde_strpos("hello", "he"), 0);
	CU_ASSERT_EQUAL(sonde_strpos("hello", "hello!"), -1);
	CU_ASSERT_EQUAL(sonde_strpos("hello", "x"), -1);
	CU_ASSERT_EQUAL(sonde_strpos("hello", "L"), -1);     /* case matters */
	CU_ASSERT_EQUAL(sonde_strpos("abab", "bab"), 1);
	CU_ASSERT_EQUAL(sonde_strpos("aaab", "aab"), 1);
	CU_ASSERT_EQUAL(sonde_strpos("hello", ""), 0);
	CU_ASSERT_EQUAL(sonde_strpos("", ""), 0);
	CU_ASSERT_EQUAL(sonde_strpos("", "a"), -1);
	CU_ASSERT_EQUAL(sonde_strpos("a" EURO "b", "b"), 4);  /* bytes */
	CU_ASSERT_EQUAL(sonde_strpos("a" EURO "b", EURO), 1);
	CU_ASSERT_EQUAL(sonde_strpos(NULL, ""), 0);
}

static void test_isinstr(void)
{
	static char big[MAXSTRINGLEN + 16];

	CU_ASSERT_TRUE(sonde_isinstr("hello", "ell"));
	CU_ASSERT_TRUE(sonde_isinstr("hello", "hello"));
	CU_ASSERT_TRUE(sonde_isinstr("hello", ""));
	CU_ASSERT_TRUE(sonde_isinstr("", ""));
	CU_ASSERT_FALSE(sonde_isinstr("hello", "elo"));
	CU_ASSERT_FALSE(sonde_isinstr("", "a"));
	CU_ASSERT_FALSE(sonde_isinstr("ab", "abc"));
	CU_ASSERT_TRUE(sonde_isinstr("x" E_ACUTE "y", E_ACUTE "y"));
	/* text beyond MAXSTRINGLEN-1 bytes is not part of the value */
	fill(big, 'a', MAXSTRINGLEN + 10);
	big[MAXSTRINGLEN + 5] = 'z';
	CU_ASSERT_FALSE(sonde_isinstr(big, "z"));
	big[MAXSTRINGLEN - 2] = 'z';
	CU_ASSERT_TRUE(sonde_isinstr(big, "z"));
}

static void test_str_replace(void)
{
	char buf[64];

	CU_ASSERT_PTR_EQUAL(sonde_str_replace(buf, sizeof(buf), "hello world", "o", "0"), buf);
	CU_ASSERT_STRING_EQUAL(buf, "hell0 w0rld");
	sonde_str_replace(buf, sizeof(buf), "a.b.c", ".", "::");
	CU_ASSERT_STRING_EQUAL(buf, "a::b::c");
	sonde_str_replace(buf, sizeof(buf), "aaa", "a", "bb");
	CU_ASSERT_STRING_EQUAL(buf, "bbbbbb");
	/* left to right, without overlaps */
	sonde_str_replace(buf, sizeof(buf), "aaaa", "aa", "b");
	CU_ASSERT_STRING_EQUAL(buf, "bb");
	sonde_str_replace(buf, sizeof(buf), "aaa", "aa", "b");
	CU_ASSERT_STRING_EQUAL(buf, "ba");
	/* the replacement is not searched again */
	sonde_str_replace(buf, sizeof(buf), "ab", "a", "aa");
	CU_ASSERT_STRING_EQUAL(buf, "aab");
	/* deleting */
	sonde_str_replace(buf, sizeof(buf), "hello", "l", "");
	CU_ASSERT_STRING_EQUAL(buf, "heo");
	sonde_str_replace(buf, sizeof(buf), "abc", "abc", "");
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* nothing found */
	sonde_str_replace(buf, sizeof(buf), "abc", "abcd", "x");
	CU_ASSERT_STRING_EQUAL(buf, "abc");
	sonde_str_replace(buf, sizeof(buf), "", "a", "b");
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* an empty search string replaces nothing */
	sonde_str_replace(buf, sizeof(buf), "hello", "", "x");
	CU_ASSERT_STRING_EQUAL(buf, "hello");
	sonde_str_replace(buf, sizeof(buf), "", "", "x");
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* multibyte search and replacement */
	sonde_str_replace(buf, sizeof(buf), "a" EURO "b" EURO, EURO, "EUR");
	CU_ASSERT_STRING_EQUAL(buf, "aEURbEUR");
	sonde_str_replace(buf, sizeof(buf), "caf" "e", "e", E_ACUTE);
	CU_ASSERT_STRING_EQUAL(buf, "caf" E_ACUTE);
}

/* A result bigger than the buffer is always a prefix of the full one. */
static void test_str_replace_growth(void)
{
	static char src[MAXSTRINGLEN], dst[MAXSTRINGLEN];
	char buf[16];
	size_t i;

	/* "aXXXXXXc" in 8 bytes: the c does not fit */
	sonde_str_replace(buf, 8, "abc", "b", "XXXXXX");
	CU_ASSERT_STRING_EQUAL(buf, "aXXXXXX");
	/* the replacement itself is cut */
	sonde_str_replace(buf, 6, "abc", "b", "XXXXXX");
	CU_ASSERT_STRING_EQUAL(buf, "aXXXX");
	/* a cut € leaves room, but the c after it must not follow */
	sonde_str_replace(buf, 5, "abc", "b", EURO);
	CU_ASSERT_STRING_EQUAL(buf, "a" EURO);
	sonde_str_replace(buf, 4, "abc", "b", EURO);
	CU_ASSERT_STRING_EQUAL(buf, "a");
	sonde_str_replace(buf, 6, "ab", "b", EURO EURO);
	CU_ASSERT_STRING_EQUAL(buf, "a" EURO);
	sonde_str_replace(buf, 1, "ab", "b", "c");
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* 300 a's doubled: 600 bytes, cut to MAXSTRINGLEN-1 */
	fill(src, 'a', 300);
	sonde_str_replace(dst, sizeof(dst), src, "a", "bb");
	CU_ASSERT_EQUAL(strlen(dst), MAXSTRINGLEN - 1);
	for (i = 0; i < MAXSTRINGLEN - 1; i++)
		if (dst[i] != 'b')
			break;
	CU_ASSERT_EQUAL(i, MAXSTRINGLEN - 1);
}

static void text(const char *in, const char *want)
{
	char buf[MAXSTRINGLEN];

	CU_ASSERT_PTR_EQUAL(sonde_text_str(buf, sizeof(buf), in), buf);
	CU_ASSERT_STRING_EQUAL(buf, want);
}

static void text_n(const char *in, int64_t len, bool quoted, const char *want)
{
	char buf[MAXSTRINGLEN];

	sonde_text_strn(buf, sizeof(buf), in, len, quoted);
	CU_ASSERT_STRING_EQUAL(buf, want);
	if (len > 0)
		CU_ASSERT(strlen(buf) <= (size_t)(len < 5 && quoted ? 5 : len));
}

static void test_text_str(void)
{
	text("hello", "hello");
	text("", "");
	text(" ~'!?", " ~'!?");
	text("a\nb\tc", "a\\nb\\tc");
	text("\a\b\f\n\r\t\v", "\\a\\b\\f\\n\\r\\t\\v");
	text("say \"hi\"", "say \\\"hi\\\"");
	text("C:\\dir", "C:\\\\dir");
	text("\x01", "\\001");
	text("\x1b[0m", "\\033[0m");
	text("\x7f", "\\177");
	text("\xff", "\\377");
	text("\x80", "\\200");
	/* every byte of a UTF-8 character is escaped */
	text(E_ACUTE, "\\303\\251");
	text("x" EURO, "x\\342\\202\\254");
}

static void test_text_strn_len(void)
{
	text_n("hello world", 5, false, "hello");
	text_n("hello world", 11, false, "hello world");
	text_n("hello world", 0, false, "hello world");     /* 0: MAXSTRINGLEN */
	text_n("hello world", -3, false, "hello world");
	text_n("hello world", INT64_MAX, false, "hello world");
	text_n("", 5, false, "");
	/* an escape is never cut */
	text_n("a\nb", 3, false, "a\\n");
	text_n("a\nb", 2, false, "a");
	text_n("\x01x", 3, false, "");
	text_n("\x01x", 4, false, "\\001");
	text_n("\x01x", 5, false, "\\001x");
	/* nor are the escapes of one character */
	text_n(E_ACUTE, 4, false, "");
	text_n(E_ACUTE, 7, false, "");
	text_n(E_ACUTE, 8, false, "\\303\\251");
	text_n("a" E_ACUTE, 7, false, "a");
	/* a stray byte is a character of its own */
	text_n("\xc3" "a", 5, false, "\\303a");
}

static void test_text_strn_quoted(void)
{
	text_n("hello", 0, true, "\"hello\"");
	text_n("hello", 7, true, "\"hello\"");
	text_n("", 0, true, "\"\"");
	text_n("", 1, true, "\"\"");
	/* cut: the "... follows the closing quote, all within len */
	text_n("hello", 6, true, "\"h\"...");
	text_n("hello world", 8, true, "\"hel\"...");
	text_n("hello", 5, true, "\"\"...");
	text_n("hello", 1, true, "\"\"...");           /* len < 5 counts as 5 */
	text_n("hello", -1, true, "\"hello\"");
	/* escapes inside quotes */
	text_n("a\"b", 0, true, "\"a\\\"b\"");
	text_n("ab\ncd", 8, true, "\"ab\\ncd\"");
	text_n("ab\ncd", 7, true, "\"ab\"...");
	text_n("\txyz", 7, true, "\"\\txyz\"");
	text_n("\txyz", 6, true, "\"\"...");
	text_n("\txyz", 4, true, "\"\"...");
	text_n(E_ACUTE "x", 0, true, "\"\\303\\251x\"");
	text_n(E_ACUTE "x", 11, true, "\"\\303\\251x\"");
	text_n(E_ACUTE "x", 10, true, "\"\"...");
	text_n(E_ACUTE "xxxxxx", 15, true, "\"\\303\\251xx\"...");
}

static void test_text_strn_maxstringlen(void)
{
	static char big[MAXSTRINGLEN + 16], dst[MAXSTRINGLEN];
	char small[8];

	/* 300 newlines: 600 bytes of escapes; 255 fit in 511 bytes */
	fill(big, '\n', 300);
	sonde_text_str(dst, sizeof(dst), big);
	CU_ASSERT_EQUAL(strlen(dst), 510);
	CU_ASSERT_STRING_EQUAL(dst + 506, "\\n\\n");
	/* quoted: the value is 511 a's, 509 would fit between quotes, so
	 * it is cut to 506 and ends in "... */
	fill(big, 'a', MAXSTRINGLEN + 10);
	sonde_text_strn(dst, sizeof(dst), big, 0, true);
	CU_ASSERT_EQUAL(strlen(dst), MAXSTRINGLEN - 1);
	CU_ASSERT_EQUAL(dst[0], '"');
	CU_ASSERT_EQUAL(dst[506], 'a');
	CU_ASSERT_STRING_EQUAL(dst + 507, "\"...");
	/* exactly fitting: 509 a's */
	fill(big, 'a', MAXSTRINGLEN - 3);
	sonde_text_strn(dst, sizeof(dst), big, 0, true);
	CU_ASSERT_EQUAL(strlen(dst), MAXSTRINGLEN - 1);
	CU_ASSERT_STRING_EQUAL(dst + MAXSTRINGLEN - 3, "a\"");
	/* len larger than the buffer counts as the buffer */
	sonde_text_strn(small, sizeof(small), "abcdefghij", 100, false);
	CU_ASSERT_STRING_EQUAL(small, "abcdefg");
	sonde_text_strn(small, sizeof(small), "abcdefghij", 100, true);
	CU_ASSERT_STRING_EQUAL(small, "\"ab\"...");
	/* too small for a quoted result: empty, never an overrun */
	memset(small, 'X', sizeof(small));
	sonde_text_strn(small, 2, "abc", 0, true);
	CU_ASSERT_STRING_EQUAL(small, "");
	CU_ASSERT_EQUAL(small[2], 'X');
	sonde_text_strn(small, 3, "", 0, true);
	CU_ASSERT_STRING_EQUAL(small, "\"\"");
}

static int64_t tol(const char *s, int64_t base)
{
	int64_t v = -12345;

	CU_ASSERT_EQUAL(sonde_strtol(s, base, &v), 0);
	return v;
}

static void test_strtol(void)
{
	CU_ASSERT_EQUAL(tol("123", 10), 123);
	CU_ASSERT_EQUAL(tol("-123", 10), -123);
	CU_ASSERT_EQUAL(tol("+7", 10), 7);
	CU_ASSERT_EQUAL(tol("0", 10), 0);
	CU_ASSERT_EQUAL(tol("-0", 10), 0);
	CU_ASSERT_EQUAL(tol("007", 10), 7);
	CU_ASSERT_EQUAL(tol("  42", 10), 42);
	CU_ASSERT_EQUAL(tol("\t\n-5", 10), -5);
	CU_ASSERT_EQUAL(tol("ff", 16), 255);
	CU_ASSERT_EQUAL(tol("FF", 16), 255);
	CU_ASSERT_EQUAL(tol("777", 8), 511);
	CU_ASSERT_EQUAL(tol("101", 2), 5);
	CU_ASSERT_EQUAL(tol("-101", 2), -5);
	CU_ASSERT_EQUAL(tol("z", 36), 35);
	CU_ASSERT_EQUAL(tol("Zz", 36), 35 * 36 + 35);
	CU_ASSERT_EQUAL(tol("12", 3), 5);
}

static void test_strtol_prefixes(void)
{
	CU_ASSERT_EQUAL(tol("0xff", 16), 255);
	CU_ASSERT_EQUAL(tol("0XFF", 16), 255);
	CU_ASSERT_EQUAL(tol("-0x10", 16), -16);
	CU_ASSERT_EQUAL(tol("0xff", 0), 255);
	CU_ASSERT_EQUAL(tol("017", 0), 15);
	CU_ASSERT_EQUAL(tol("-017", 0), -15);
	CU_ASSERT_EQUAL(tol("17", 0), 17);
	CU_ASSERT_EQUAL(tol("0", 0), 0);
	CU_ASSERT_EQUAL(tol("017", 10), 17);       /* no octal outside base 0 */
	CU_ASSERT_EQUAL(tol("0x1f", 10), 0);       /* no hex outside 0 and 16 */
	CU_ASSERT_EQUAL(tol("0x", 16), 0);
	CU_ASSERT_EQUAL(tol("0xg", 16), 0);
	CU_ASSERT_EQUAL(tol("0x", 0), 0);
	CU_ASSERT_EQUAL(tol("0b1", 0), 0);         /* 0b is no prefix */
	CU_ASSERT_EQUAL(tol("0b1", 16), 0xb1);     /* but b is a hex digit */
}

static void test_strtol_invalid(void)
{
	CU_ASSERT_EQUAL(tol("12abc", 10), 12);
	CU_ASSERT_EQUAL(tol("abc", 10), 0);
	CU_ASSERT_EQUAL(tol("", 10), 0);
	CU_ASSERT_EQUAL(tol("", 0), 0);
	CU_ASSERT_EQUAL(tol("-", 10), 0);
	CU_ASSERT_EQUAL(tol("+-1", 10), 0);
	CU_ASSERT_EQUAL(tol("1 2", 10), 1);
	CU_ASSERT_EQUAL(tol("19", 8), 1);
	CU_ASSERT_EQUAL(tol("08", 0), 0);
	CU_ASSERT_EQUAL(tol("2", 2), 0);
	CU_ASSERT_EQUAL(tol("1.5", 10), 1);
	CU_ASSERT_EQUAL(tol(E_ACUTE "1", 10), 0);
	CU_ASSERT_EQUAL(tol(NULL, 10), 0);
}

static void test_strtol_overflow(void)
{
	char ones[70];

	CU_ASSERT_EQUAL(tol("9223372036854775807", 10), INT64_MAX);
	CU_ASSERT_EQUAL(tol("9223372036854775808", 10), INT64_MAX);
	CU_ASSERT_EQUAL(tol("-9223372036854775808", 10), INT64_MIN);
	CU_ASSERT_EQUAL(tol("-9223372036854775809", 10), INT64_MIN);
	CU_ASSERT_EQUAL(tol("18446744073709551616", 10), INT64_MAX);
	CU_ASSERT_EQUAL(tol("99999999999999999999999999", 10), INT64_MAX);
	CU_ASSERT_EQUAL(tol("-99999999999999999999999999", 10), INT64_MIN);
	CU_ASSERT_EQUAL(tol("99999999999999999999x", 10), INT64_MAX);
	CU_ASSERT_EQUAL(tol("0x7fffffffffffffff", 16), INT64_MAX);
	CU_ASSERT_EQUAL(tol("0x8000000000000000", 16), INT64_MAX);
	CU_ASSERT_EQUAL(tol("-0x8000000000000000", 16), INT64_MIN);
	CU_ASSERT_EQUAL(tol("ffffffffffffffff", 16), INT64_MAX);
	CU_ASSERT_EQUAL(tol("777777777777777777777", 8), INT64_MAX);
	CU_ASSERT_EQUAL(tol("-1y2p0ij32e8e8", 36), INT64_MIN);   /* -2^63 */
	fill(ones, '1', 63);
	CU_ASSERT_EQUAL(tol(ones, 2), INT64_MAX);
	fill(ones, '1', 64);
	CU_ASSERT_EQUAL(tol(ones, 2), INT64_MAX);
}

static void test_strtol_bases(void)
{
	int64_t v = 99;

	CU_ASSERT_EQUAL(sonde_strtol("1", 1, &v), -1);
	CU_ASSERT_EQUAL(v, 0);
	v = 99;
	CU_ASSERT_EQUAL(sonde_strtol("1", 37, &v), -1);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(sonde_strtol("1", -1, &v), -1);
	CU_ASSERT_EQUAL(sonde_strtol("1", -16, &v), -1);
	CU_ASSERT_EQUAL(sonde_strtol("1", INT64_MIN, &v), -1);
	CU_ASSERT_EQUAL(sonde_strtol("1", (int64_t)1 << 32 | 10, &v), -1);
	CU_ASSERT_EQUAL(tol("1", 2), 1);
	CU_ASSERT_EQUAL(tol("1", 36), 1);
	CU_ASSERT_EQUAL(tol("1", 0), 1);
}

static void test_isdigit(void)
{
	CU_ASSERT_TRUE(sonde_isdigit("5abc"));
	CU_ASSERT_TRUE(sonde_isdigit("0"));
	CU_ASSERT_TRUE(sonde_isdigit("9"));
	CU_ASSERT_FALSE(sonde_isdigit("abc5"));
	CU_ASSERT_FALSE(sonde_isdigit(""));
	CU_ASSERT_FALSE(sonde_isdigit(" 5"));
	CU_ASSERT_FALSE(sonde_isdigit("-1"));
	CU_ASSERT_FALSE(sonde_isdigit("/"));
	CU_ASSERT_FALSE(sonde_isdigit(":"));
	CU_ASSERT_FALSE(sonde_isdigit(NULL));
}

static void test_stringat(void)
{
	static char big[MAXSTRINGLEN + 16];
	int64_t v;

	CU_ASSERT_EQUAL(sonde_stringat("hello", 0, &v), 0);
	CU_ASSERT_EQUAL(v, 'h');
	CU_ASSERT_EQUAL(sonde_stringat("hello", 4, &v), 0);
	CU_ASSERT_EQUAL(v, 'o');
	/* out of bounds: an error (the caller raises it) */
	v = 7;
	CU_ASSERT_EQUAL(sonde_stringat("hello", 5, &v), -1);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(sonde_stringat("hello", -1, &v), -1);
	CU_ASSERT_EQUAL(sonde_stringat("hello", INT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(sonde_stringat("hello", INT64_MIN, &v), -1);
	CU_ASSERT_EQUAL(sonde_stringat("", 0, &v), -1);
	/* bytes, as 0..255 */
	CU_ASSERT_EQUAL(sonde_stringat(E_ACUTE, 0, &v), 0);
	CU_ASSERT_EQUAL(v, 0xc3);
	CU_ASSERT_EQUAL(sonde_stringat(E_ACUTE, 1, &v), 0);
	CU_ASSERT_EQUAL(v, 0xa9);
	/* the value ends at MAXSTRINGLEN-1 bytes */
	fill(big, 'a', MAXSTRINGLEN + 10);
	CU_ASSERT_EQUAL(sonde_stringat(big, MAXSTRINGLEN - 2, &v), 0);
	CU_ASSERT_EQUAL(v, 'a');
	CU_ASSERT_EQUAL(sonde_stringat(big, MAXSTRINGLEN - 1, &v), -1);
}

static void test_case(void)
{
	char buf[32];

	CU_ASSERT_PTR_EQUAL(sonde_toupper(buf, sizeof(buf), "Hello, World! 123 az@[`{"), buf);
	CU_ASSERT_STRING_EQUAL(buf, "HELLO, WORLD! 123 AZ@[`{");
	sonde_tolower(buf, sizeof(buf), "Hello, World! 123 AZ@[`{");
	CU_ASSERT_STRING_EQUAL(buf, "hello, world! 123 az@[`{");
	sonde_toupper(buf, sizeof(buf), "");
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* only ASCII letters change: é and É stay as they are */
	sonde_toupper(buf, sizeof(buf), "h" E_ACUTE "llo");
	CU_ASSERT_STRING_EQUAL(buf, "H" E_ACUTE "LLO");
	sonde_tolower(buf, sizeof(buf), "\xc3\x89T\xc3\x89");
	CU_ASSERT_STRING_EQUAL(buf, "\xc3\x89t\xc3\x89");
	/* in place */
	strcpy(buf, "MiXeD");
	sonde_tolower(buf, sizeof(buf), buf);
	CU_ASSERT_STRING_EQUAL(buf, "mixed");
	/* cut at a character boundary */
	sonde_toupper(buf, 5, "ab" EURO);
	CU_ASSERT_STRING_EQUAL(buf, "AB");
	sonde_toupper(buf, 3, "abc");
	CU_ASSERT_STRING_EQUAL(buf, "AB");
}

/* The next token of st into a fresh buffer. */
static const char *tok(struct sonde_tokenize_state *st, const char *input, const char *delim)
{
	static char buf[MAXSTRINGLEN];

	memset(buf, 'X', sizeof(buf));
	return sonde_tokenize(buf, sizeof(buf), st, input, delim);
}

static void test_tokenize(void)
{
	struct sonde_tokenize_state st;

	memset(&st, 0, sizeof(st));
	/* nothing given yet */
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ","), "");
	CU_ASSERT_STRING_EQUAL(tok(&st, NULL, ","), "");
	/* empty tokens are skipped */
	CU_ASSERT_STRING_EQUAL(tok(&st, "a,b,,c", ","), "a");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ","), "b");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ","), "c");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ","), "");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ","), "");    /* and stays empty */
	/* no delimiter: the whole rest */
	CU_ASSERT_STRING_EQUAL(tok(&st, "abc", ","), "abc");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ","), "");
	/* nothing but delimiters */
	CU_ASSERT_STRING_EQUAL(tok(&st, ",,,", ","), "");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ","), "");
	/* an empty delimiter set: the whole rest */
	CU_ASSERT_STRING_EQUAL(tok(&st, "a b", ""), "a b");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ""), "");
	/* a new input starts over, mid-way through another */
	CU_ASSERT_STRING_EQUAL(tok(&st, "1 2 3", " "), "1");
	CU_ASSERT_STRING_EQUAL(tok(&st, "x y", " "), "x");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", " "), "y");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", " "), "");
}

static void test_tokenize_delims(void)
{
	struct sonde_tokenize_state st;

	sonde_tokenize_reset(&st);
	/* several delimiters, in runs, at both ends */
	CU_ASSERT_STRING_EQUAL(tok(&st, "  one, two;three ,  ", " ,;"), "one");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", " ,;"), "two");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", " ,;"), "three");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", " ,;"), "");
	/* the delimiter set may change between calls */
	CU_ASSERT_STRING_EQUAL(tok(&st, "a=1;b=2", ";"), "a=1");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", "="), "b");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", "="), "2");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", "="), "");
	/* a path */
	CU_ASSERT_STRING_EQUAL(tok(&st, "/usr/local//bin/", "/"), "usr");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", "/"), "local");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", "/"), "bin");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", "/"), "");
}

static void test_tokenize_utf8(void)
{
	struct sonde_tokenize_state st;

	sonde_tokenize_reset(&st);
	/* a multibyte delimiter is one character */
	CU_ASSERT_STRING_EQUAL(tok(&st, "a" EURO "b" EURO EURO "c", EURO), "a");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", EURO), "b");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", EURO), "c");
	CU_ASSERT_STRING_EQUAL(tok(&st, "", EURO), "");
	/* multibyte tokens */
	CU_ASSERT_STRING_EQUAL(tok(&st, E_ACUTE "," EURO SMILE, ","), E_ACUTE);
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ","), EURO SMILE);
	/* a delimiter never matches part of a character: \xa9 (the end of
	 * é) splits only at the stray \xa9 */
	CU_ASSERT_STRING_EQUAL(tok(&st, E_ACUTE "\xa9x", "\xa9"), E_ACUTE);
	CU_ASSERT_STRING_EQUAL(tok(&st, "", "\xa9"), "x");
	/* € and é share no character even though both are in the set */
	CU_ASSERT_STRING_EQUAL(tok(&st, "x" E_ACUTE "y", EURO), "x" E_ACUTE "y");
}

static void test_tokenize_state(void)
{
	struct sonde_tokenize_state a, b;
	char input[16], small[4];

	sonde_tokenize_reset(&a);
	sonde_tokenize_reset(&b);
	/* two states do not interfere */
	CU_ASSERT_STRING_EQUAL(tok(&a, "1 2", " "), "1");
	CU_ASSERT_STRING_EQUAL(tok(&b, "x y", " "), "x");
	CU_ASSERT_STRING_EQUAL(tok(&a, "", " "), "2");
	CU_ASSERT_STRING_EQUAL(tok(&b, "", " "), "y");
	/* the state keeps a copy: changing the input changes nothing */
	strcpy(input, "p q r");
	CU_ASSERT_STRING_EQUAL(tok(&a, input, " "), "p");
	strcpy(input, "zzzzz");
	CU_ASSERT_STRING_EQUAL(tok(&a, "", " "), "q");
	/* dst may be the input */
	strcpy(input, "ab cd");
	sonde_tokenize(input, sizeof(input), &a, input, " ");
	CU_ASSERT_STRING_EQUAL(input, "ab");
	CU_ASSERT_STRING_EQUAL(tok(&a, "", " "), "cd");
	/* a token cut to the buffer: the state still moves past all of it */
	sonde_tokenize(small, sizeof(small), &a, "abcdef gh", " ");
	CU_ASSERT_STRING_EQUAL(small, "abc");
	sonde_tokenize(small, sizeof(small), &a, "", " ");
	CU_ASSERT_STRING_EQUAL(small, "gh");
	/* cap 0 writes nothing, but the token is consumed */
	sonde_tokenize(small, sizeof(small), &a, "1 2", " ");
	small[0] = 'Q';
	sonde_tokenize(small, 0, &a, "", " ");
	CU_ASSERT_EQUAL(small[0], 'Q');
	CU_ASSERT_STRING_EQUAL(tok(&a, "", " "), "");
	/* a corrupt state is reset instead of read out of bounds */
	a.pos = 1000000;
	a.len = 2000000;
	CU_ASSERT_STRING_EQUAL(tok(&a, "", " "), "");
}

static void test_tokenize_maxstringlen(void)
{
	static char big[MAXSTRINGLEN + 16];
	struct sonde_tokenize_state st;
	const char *t;

	sonde_tokenize_reset(&st);
	/* the input is a value: cut to MAXSTRINGLEN-1 bytes */
	fill(big, 'x', MAXSTRINGLEN + 10);
	t = tok(&st, big, ",");
	CU_ASSERT_EQUAL(strlen(t), MAXSTRINGLEN - 1);
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ","), "");
	/* a delimiter in the last byte */
	fill(big, 'x', MAXSTRINGLEN - 2);
	strcat(big, ",y");
	t = tok(&st, big, ",");
	CU_ASSERT_EQUAL(strlen(t), MAXSTRINGLEN - 2);
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ","), "");
	/* a character straddling the end is not part of the value */
	fill(big, 'x', MAXSTRINGLEN - 3);
	strcat(big, "," E_ACUTE);
	t = tok(&st, big, ",");
	CU_ASSERT_EQUAL(strlen(t), MAXSTRINGLEN - 3);
	CU_ASSERT_STRING_EQUAL(tok(&st, "", ","), "");
}

void register_strings_tests(void)
{
	CU_pSuite s = CU_add_suite("strings", NULL, NULL);

	CU_add_test(s, "utf8 cut ascii", test_cut_ascii);
	CU_add_test(s, "utf8 cut multibyte", test_cut_multibyte);
	CU_add_test(s, "utf8 cut invalid bytes", test_cut_invalid);
	CU_add_test(s, "strnlen", test_strnlen);
	CU_add_test(s, "strlcpy basic", test_strlcpy_basic);
	CU_add_test(s, "strlcpy never overruns", test_strlcpy_never_overruns);
	CU_add_test(s, "strlcpy utf8", test_strlcpy_utf8);
	CU_add_test(s, "strlcpy overlap", test_strlcpy_overlap);
	CU_add_test(s, "strlcpy MAXSTRINGLEN", test_strlcpy_maxstringlen);
	CU_add_test(s, "concat basic", test_concat_basic);
	CU_add_test(s, "concat utf8", test_concat_utf8);
	CU_add_test(s, "concat alias", test_concat_alias);
	CU_add_test(s, "str_len", test_str_len);
	CU_add_test(s, "substr", test_substr);
	CU_add_test(s, "substr out of range", test_substr_range);
	CU_add_test(s, "substr utf8", test_substr_utf8);
	CU_add_test(s, "substr MAXSTRINGLEN", test_substr_maxstringlen);
	CU_add_test(s, "strpos", test_strpos);
	CU_add_test(s, "isinstr", test_isinstr);
	CU_add_test(s, "str_replace", test_str_replace);
	CU_add_test(s, "str_replace growth", test_str_replace_growth);
	CU_add_test(s, "text_str", test_text_str);
	CU_add_test(s, "text_strn length", test_text_strn_len);
	CU_add_test(s, "text_strn quoted", test_text_strn_quoted);
	CU_add_test(s, "text_strn MAXSTRINGLEN", test_text_strn_maxstringlen);
	CU_add_test(s, "strtol", test_strtol);
	CU_add_test(s, "strtol prefixes", test_strtol_prefixes);
	CU_add_test(s, "strtol invalid digits", test_strtol_invalid);
	CU_add_test(s, "strtol overflow", test_strtol_overflow);
	CU_add_test(s, "strtol bases", test_strtol_bases);
	CU_add_test(s, "isdigit", test_isdigit);
	CU_add_test(s, "stringat", test_stringat);
	CU_add_test(s, "toupper tolower", test_case);
	CU_add_test(s, "tokenize", test_tokenize);
	CU_add_test(s, "tokenize delimiters", test_tokenize_delims);
	CU_add_test(s, "tokenize utf8", test_tokenize_utf8);
	CU_add_test(s, "tokenize state", test_tokenize_state);
	CU_add_test(s, "tokenize MAXSTRINGLEN", test_tokenize_maxstringlen);
}
