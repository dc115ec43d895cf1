/*
 * test_strings.c - unit tests of runtime/core/strings.c: UTF-8-safe
 * truncation, overlapping copies and aliasing concatenation.
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
}
