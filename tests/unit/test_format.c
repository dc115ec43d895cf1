/*
 * test_format.c - unit tests of runtime/core/format.c.
 *
 * Where the probe language's printf means what C's does (%d %i %u %x %X
 * %o %c %s with flags, width and precision), glibc's snprintf is the
 * oracle and the tests sweep many values and spec combinations.  The
 * SystemTap extensions (%p %b %m %M, "<bad format>", UTF-8-safe cuts)
 * are checked against hand-written expectations.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/format.h"

#define L(v) SONDE_ARG_LONG(v)
#define S(v) SONDE_ARG_STR(v)
#define NARGS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static char out[1024];

/* Formats with the given args into `out`; returns the length. */
static size_t fmt(const char *f, const struct sonde_arg *args, int nargs)
{
	return sonde_format(out, sizeof(out), f, args, nargs);
}

static const char *fmt1(const char *f, struct sonde_arg a)
{
	fmt(f, &a, 1);
	return out;
}

static const char *fmt0(const char *f)
{
	fmt(f, NULL, 0);
	return out;
}

/* ---- snprintf oracle sweeps -------------------------------------------- */

static const int64_t values[] = {
	0, 1, -1, 7, 8, 9, 10, 15, 16, 42, -42, 255, 256, 1000, -1000,
	0x1234, 0777, 123456789, -123456789, 0x7fffffff, -0x80000000LL,
	0xffffffffLL, 1LL << 40, INT64_MAX, INT64_MIN, INT64_MIN + 1,
};

static const char *const flag_sets[] = {
	"", "-", "+", " ", "0", "#", "-+", "- ", "-0", "-#", "+0", " 0", "0#",
	"+ ", "-+0#", "+ 0#", "-0#",
};
static const char *const widths[] = { "", "1", "5", "12", "25" };
static const char *const precs[] = { "", ".", ".0", ".1", ".5", ".22" };

static int mismatches;

/* Compares one spec over every value with snprintf's "%...ll<conv>". */
static void sweep_one(const char *flags, const char *w, const char *p, char conv)
{
	char ours[64], theirs[64], expect[256];
	size_t i;

	snprintf(ours, sizeof(ours), "[%%%s%s%s%c]", flags, w, p, conv);
	snprintf(theirs, sizeof(theirs), "[%%%s%s%sll%c]", flags, w, p, conv);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		int64_t v = values[i];

		if (conv == 'd' || conv == 'i')
			snprintf(expect, sizeof(expect), theirs, (long long)v);
		else
			snprintf(expect, sizeof(expect), theirs, (unsigned long long)v);
		fmt1(ours, L(v));
		if (strcmp(out, expect) != 0 && mismatches++ < 10)
			printf("\n  %s of %lld: got '%s' want '%s'", ours,
			       (long long)v, out, expect);
	}
}

static void test_oracle_integers(void)
{
	static const char convs[] = "diuxXo";
	size_t f, w, p, c;

	mismatches = 0;
	for (c = 0; convs[c]; c++)
		for (f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
			for (w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
				for (p = 0; p < sizeof(precs) / sizeof(precs[0]); p++) {
					/* '#' is undefined for d/i/u in C */
					if (strchr(flag_sets[f], '#') &&
					    strchr("diu", convs[c]))
						continue;
					sweep_one(flag_sets[f], widths[w],
						  precs[p], convs[c]);
				}
	CU_ASSERT_EQUAL(mismatches, 0);
}

/* '*' width and precision, including negative ones, against snprintf. */
static void test_oracle_star(void)
{
	static const int stars[] = { -30, -8, -1, 0, 1, 3, 8, 30 };
	char expect[128];
	size_t i, j, k;

	mismatches = 0;
	for (i = 0; i < 8; i++)
		for (j = 0; j < 8; j++)
			for (k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
				struct sonde_arg a[3] = {
					L(stars[i]), L(stars[j]), L(values[k]),
				};

				snprintf(expect, sizeof(expect), "%*.*lld",
					 stars[i], stars[j], (long long)values[k]);
				fmt("%*.*d", a, 3);
				if (strcmp(out, expect) != 0 && mismatches++ < 10)
					printf("\n  %%*.*d %d %d %lld: got '%s' want '%s'",
					       stars[i], stars[j],
					       (long long)values[k], out, expect);
			}
	CU_ASSERT_EQUAL(mismatches, 0);
}

static void test_oracle_strings_chars(void)
{
	static const char *const strs[] = { "", "a", "hello", "hello, world" };
	static const char *const specs[] = {
		"%s", "%10s", "%-10s", "%.3s", "%10.3s", "%-10.0s", "%.20s",
		"%3s", "%-1s", "%.s",
	};
	char expect[64];
	size_t i, j;
	int c;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 10; j++) {
			snprintf(expect, sizeof(expect), specs[j], strs[i]);
			CU_ASSERT_STRING_EQUAL(fmt1(specs[j], S(strs[i])), expect);
		}
	for (c = ' '; c < 127; c++) {
		snprintf(expect, sizeof(expect), "[%c|%4c|%-3c]", c, c, c);
		struct sonde_arg a[3] = { L(c), L(c), L(c) };
		fmt("[%c|%4c|%-3c]", a, 3);
		CU_ASSERT_STRING_EQUAL(out, expect);
	}
}

/* ---- SystemTap semantics ----------------------------------------------- */

static void test_unsigned_of_negative(void)
{
	CU_ASSERT_STRING_EQUAL(fmt1("%u", L(-1)), "18446744073709551615");
	CU_ASSERT_STRING_EQUAL(fmt1("%u", L(INT64_MIN)), "9223372036854775808");
	CU_ASSERT_STRING_EQUAL(fmt1("%x", L(-1)), "ffffffffffffffff");
	CU_ASSERT_STRING_EQUAL(fmt1("%o", L(-1)), "1777777777777777777777");
	CU_ASSERT_STRING_EQUAL(fmt1("%d", L(INT64_MIN)), "-9223372036854775808");
	CU_ASSERT_STRING_EQUAL(fmt1("%i", L(-5)), "-5");
}

static void test_pointer(void)
{
	CU_ASSERT_STRING_EQUAL(fmt1("%p", L(0x1234)), "0x0000000000001234");
	CU_ASSERT_STRING_EQUAL(fmt1("%p", L(0)), "0x0000000000000000");
	CU_ASSERT_STRING_EQUAL(fmt1("%p", L(-1)), "0xffffffffffffffff");
	CU_ASSERT_STRING_EQUAL(fmt1("%p", L(12345678)), "0x0000000000bc614e");
	CU_ASSERT_STRING_EQUAL(fmt1("[%20p]", L(0x1234)), "[  0x0000000000001234]");
	CU_ASSERT_STRING_EQUAL(fmt1("[%-20p]", L(0x1234)), "[0x0000000000001234  ]");
	CU_ASSERT_STRING_EQUAL(fmt1("[%020p]", L(0x1234)), "[0x000000000000001234]");
	CU_ASSERT_STRING_EQUAL(fmt1("[%5p]", L(1)), "[0x0000000000000001]");
}

static void test_char(void)
{
	CU_ASSERT_STRING_EQUAL(fmt1("%c", L(65)), "A");
	CU_ASSERT_STRING_EQUAL(fmt1("%c", L(0x141)), "A");   /* low byte */
	CU_ASSERT_STRING_EQUAL(fmt1("%c", L(-191)), "A");    /* 0x...41 */
	CU_ASSERT_EQUAL(fmt("%c", (struct sonde_arg[]){ L(0) }, 1), 1);
	CU_ASSERT_EQUAL(out[0], '\0');
}

static void test_binary(void)
{
	int64_t v = 0xc0dedbad;
	int16_t h = 0x4142;
	int32_t w = 0x41424344;
	size_t n;

	n = fmt("%b", (struct sonde_arg[]){ L(v) }, 1);
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_EQUAL(memcmp(out, &v, 8), 0);
	n = fmt("%2b", (struct sonde_arg[]){ L(0x4142) }, 1);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(memcmp(out, &h, 2), 0);
	n = fmt("%4b", (struct sonde_arg[]){ L(0x41424344) }, 1);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(memcmp(out, &w, 4), 0);
	n = fmt("%8b", (struct sonde_arg[]){ L(-2) }, 1);
	v = -2;
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_EQUAL(memcmp(out, &v, 8), 0);
	/* the langref example */
	struct sonde_arg hw[5] = { L(72), L(101), L(108), L(87), L(111) };
	fmt("%1b%1b%1blo %1b%1brld\n", hw, 5);
	CU_ASSERT_STRING_EQUAL(out, "Hello World\n");
	/* the low byte only, and a width that is not a size pads with NULs */
	CU_ASSERT_STRING_EQUAL(fmt1("%1b", L(0x1241)), "A");
	n = fmt("%3b", (struct sonde_arg[]){ L(0) }, 1);
	CU_ASSERT_EQUAL(n, 8);
	n = fmt("[%12b]", (struct sonde_arg[]){ L(65) }, 1);
	CU_ASSERT_EQUAL(n, 14);
	v = 65;
	CU_ASSERT_EQUAL(memcmp(out, "[\0\0\0\0", 5), 0);
	CU_ASSERT_EQUAL(memcmp(out + 5, &v, 8), 0);
	CU_ASSERT_EQUAL(out[13], ']');
	/* precision picks the size, width pads */
	n = fmt("%-4.1b|", (struct sonde_arg[]){ L(66) }, 1);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_EQUAL(memcmp(out, "B\0\0\0|", 5), 0);
}

/* %m / %M read "memory" through the runtime's reader: here a fake one that
 * maps addresses 0x1000.. onto a buffer and refuses everything else. */
static const char fake_memory[] = "xyzAB\x01\xff\x80 a\xc3\xa9";
#define FAKE_BASE 0x1000

static bool read_fake(void *dst, uint64_t addr, size_t n)
{
	if (addr < FAKE_BASE || addr - FAKE_BASE + n > sizeof(fake_memory))
		return false;
	memcpy(dst, fake_memory + (addr - FAKE_BASE), n);
	return true;
}

static void test_memory(void)
{
	sonde_format_read_memory = read_fake;
	CU_ASSERT_STRING_EQUAL(fmt1("%m", L(FAKE_BASE)), "x");      /* 1 byte by default */
	CU_ASSERT_STRING_EQUAL(fmt1("%.3m", L(FAKE_BASE)), "xyz");
	CU_ASSERT_STRING_EQUAL(fmt1("[%5.2m]", L(FAKE_BASE)), "[   xy]");
	CU_ASSERT_STRING_EQUAL(fmt1("[%-5.2m]", L(FAKE_BASE)), "[xy   ]");
	/* %m copies raw bytes, even part of a character (unlike %s) */
	CU_ASSERT_STRING_EQUAL(fmt1("%.2m", L(FAKE_BASE + 9)), "a\xc3");
	/* unreadable memory, also when only its end is */
	CU_ASSERT_STRING_EQUAL(fmt1("[%.2m]", L(8)), "[<bad address>]");
	CU_ASSERT_STRING_EQUAL(fmt1("%.100m", L(FAKE_BASE)), "<bad address>");
	sonde_format_read_memory = NULL;
	CU_ASSERT_STRING_EQUAL(fmt1("%m", L(FAKE_BASE)), "<bad address>");
	/* a string argument is the wrong type */
	CU_ASSERT_STRING_EQUAL(fmt1("%m", S("abc")), "<bad format>");
}

static void test_hex_memory(void)
{
	sonde_format_read_memory = read_fake;
	CU_ASSERT_STRING_EQUAL(fmt1("%.3M", L(FAKE_BASE + 3)), "414201");
	CU_ASSERT_STRING_EQUAL(fmt1("%.3M", L(FAKE_BASE + 6)), "ff8020");
	CU_ASSERT_STRING_EQUAL(fmt1("%M", L(FAKE_BASE + 3)), "41");
	CU_ASSERT_STRING_EQUAL(fmt1("[%6M]", L(FAKE_BASE + 3)), "[    41]");
	CU_ASSERT_STRING_EQUAL(fmt1("[%-6M]", L(FAKE_BASE + 3)), "[41    ]");
	CU_ASSERT_STRING_EQUAL(fmt1("[%.0M]", L(FAKE_BASE)), "[]");
	sonde_format_read_memory = NULL;
}

static void test_string_extras(void)
{
	/* a precision never splits a character */
	CU_ASSERT_STRING_EQUAL(fmt1("%.2s", S("a\xc3\xa9z")), "a");
	CU_ASSERT_STRING_EQUAL(fmt1("%.3s", S("a\xc3\xa9z")), "a\xc3\xa9");
	CU_ASSERT_STRING_EQUAL(fmt1("[%4.2s]", S("a\xc3\xa9z")), "[   a]");
	CU_ASSERT_STRING_EQUAL(fmt1("[%s]", S(NULL)), "[]");
	/* the 0 flag does not zero-pad strings */
	CU_ASSERT_STRING_EQUAL(fmt1("[%05s]", S("ab")), "[   ab]");
}

static void test_percent_and_modifiers(void)
{
	CU_ASSERT_STRING_EQUAL(fmt0("100%%"), "100%");
	CU_ASSERT_STRING_EQUAL(fmt0("%%d"), "%d");
	CU_ASSERT_STRING_EQUAL(fmt0("plain text"), "plain text");
	CU_ASSERT_STRING_EQUAL(fmt0(""), "");
	CU_ASSERT_STRING_EQUAL(fmt1("%lld", L(-3)), "-3");
	CU_ASSERT_STRING_EQUAL(fmt1("%lx", L(255)), "ff");
	CU_ASSERT_STRING_EQUAL(fmt1("%hd", L(70000)), "70000"); /* no narrowing */
	CU_ASSERT_EQUAL(sonde_format(out, sizeof(out), NULL, NULL, 0), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
}

static void test_mixed(void)
{
	struct sonde_arg a[] = {
		S("read"), L(3), L(4096), L(-1), S("/etc/passwd"),
	};

	fmt("%s(fd=%d, n=%#x) = %d \"%-12s\"", a, NARGS(a));
	CU_ASSERT_STRING_EQUAL(out, "read(fd=3, n=0x1000) = -1 \"/etc/passwd \"");
}

/* ---- untrusted formats ------------------------------------------------- */

static void test_bad_format(void)
{
	struct sonde_arg one[] = { L(5) };
	struct sonde_arg two_longs[] = { L(1), L(2) };
	struct sonde_arg str_width[] = { S("x"), L(2) };

	CU_ASSERT_STRING_EQUAL(fmt0("%d"), "<bad format>");
	CU_ASSERT_STRING_EQUAL(fmt1("%d", S("5")), "<bad format>");
	CU_ASSERT_STRING_EQUAL(fmt1("%s", L(5)), "<bad format>");
	CU_ASSERT_STRING_EQUAL(fmt1("%M", S("5")), "<bad format>");
	CU_ASSERT_STRING_EQUAL(fmt1("%b", S("x")), "<bad format>");
	fmt("%d %d", one, 1);
	CU_ASSERT_STRING_EQUAL(out, "5 <bad format>");
	/* a mismatched argument is consumed, so later ones stay aligned */
	fmt("%s %d", two_longs, 2);
	CU_ASSERT_STRING_EQUAL(out, "<bad format> 2");
	/* '*' needs a number */
	fmt("%*d", str_width, 2);
	CU_ASSERT_STRING_EQUAL(out, "<bad format>");
	fmt("%.*d", one, 1);
	CU_ASSERT_STRING_EQUAL(out, "<bad format>");
	/* unknown conversions and a dangling % */
	CU_ASSERT_STRING_EQUAL(fmt1("%y", L(1)), "<bad format>");
	CU_ASSERT_STRING_EQUAL(fmt0("abc%"), "abc<bad format>");
	CU_ASSERT_STRING_EQUAL(fmt0("abc%-08"), "abc<bad format>");
	/* args NULL means no args whatever nargs says */
	CU_ASSERT_EQUAL(sonde_format(out, sizeof(out), "%d", NULL, 3), 12);
	CU_ASSERT_STRING_EQUAL(out, "<bad format>");
}

/* Absurd widths are clamped and cost nothing once the output is full. */
static void test_huge_fields(void)
{
	char small[10];

	CU_ASSERT_EQUAL(sonde_format(small, sizeof(small), "%999999999999d",
				     (struct sonde_arg[]){ L(1) }, 1), 9);
	CU_ASSERT_STRING_EQUAL(small, "         ");
	CU_ASSERT_EQUAL(sonde_format(small, sizeof(small), "%-99999999s|",
				     (struct sonde_arg[]){ S("ab") }, 1), 9);
	CU_ASSERT_STRING_EQUAL(small, "ab       ");
	CU_ASSERT_EQUAL(sonde_format(small, sizeof(small), "%*d",
				     (struct sonde_arg[]){ L(INT64_MIN), L(7) }, 2), 9);
	CU_ASSERT_STRING_EQUAL(small, "7        ");
	CU_ASSERT_EQUAL(sonde_format(small, sizeof(small), "%.99999999d",
				     (struct sonde_arg[]){ L(7) }, 1), 9);
	CU_ASSERT_STRING_EQUAL(small, "000000000");
}

/* ---- output capacity --------------------------------------------------- */

/* Formats into a guarded buffer of cap bytes; checks nothing past it. */
static size_t capped(size_t cap, const char *f, const struct sonde_arg *a, int n)
{
	static char buf[64];
	size_t len;

	memset(buf, '#', sizeof(buf));
	len = sonde_format(buf, cap, f, a, n);
	CU_ASSERT_EQUAL(buf[cap], '#');
	CU_ASSERT_EQUAL(buf[len], '\0');
	CU_ASSERT(len < cap);
	memcpy(out, buf, len + 1);
	return len;
}

static void test_truncation(void)
{
	struct sonde_arg e[] = { S("ab\xe2\x82\xac") };  /* "ab€" */
	size_t cap;

	CU_ASSERT_EQUAL(capped(5, "hello world", NULL, 0), 4);
	CU_ASSERT_STRING_EQUAL(out, "hell");
	CU_ASSERT_EQUAL(capped(1, "hello", NULL, 0), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(capped(12, "hello world", NULL, 0), 11);
	CU_ASSERT_EQUAL(capped(6, "%d", (struct sonde_arg[]){ L(-123456) }, 1), 5);
	CU_ASSERT_STRING_EQUAL(out, "-1234");
	/* "ab€" needs 5 bytes: caps 3..5 give "ab", cap 6 gives it all */
	for (cap = 3; cap <= 5; cap++) {
		CU_ASSERT_EQUAL(capped(cap, "%s", e, 1), 2);
		CU_ASSERT_STRING_EQUAL(out, "ab");
	}
	CU_ASSERT_EQUAL(capped(6, "%s", e, 1), 5);
	/* the character straddling the cut can come from the format too */
	CU_ASSERT_EQUAL(capped(4, "x\xf0\x9f\x98\x80", NULL, 0), 1);
	CU_ASSERT_EQUAL(capped(6, "x\xf0\x9f\x98\x80", NULL, 0), 5);
	CU_ASSERT_EQUAL(capped(5, "xy\xc3\xa9z", NULL, 0), 4);
	CU_ASSERT_STRING_EQUAL(out, "xy\xc3\xa9");
	/* a stray continuation byte is a single byte and is kept */
	CU_ASSERT_EQUAL(capped(3, "ab\x80\x80", NULL, 0), 2);
	CU_ASSERT_EQUAL(capped(4, "ab\x80\x80", NULL, 0), 3);
}

static void test_format_long(void)
{
	static const int64_t more[] = { 0, -1, 1, 99, -99, INT64_MAX, INT64_MIN };
	char buf[32], expect[32];
	size_t i;
	int64_t v;

	for (i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		snprintf(expect, sizeof(expect), "%lld", (long long)more[i]);
		CU_ASSERT_EQUAL(sonde_format_long(buf, 21, more[i]), strlen(expect));
		CU_ASSERT_STRING_EQUAL(buf, expect);
	}
	/* a sweep over many magnitudes */
	for (v = 1; v > 0 && v < INT64_MAX / 3; v = v * 3 + 1) {
		snprintf(expect, sizeof(expect), "%lld", (long long)-v);
		sonde_format_long(buf, sizeof(buf), -v);
		CU_ASSERT_STRING_EQUAL(buf, expect);
	}
	CU_ASSERT_EQUAL(sonde_format_long(buf, 3, 12345), 2);
	CU_ASSERT_STRING_EQUAL(buf, "12");
}

void register_format_tests(void)
{
	CU_pSuite s = CU_add_suite("format", NULL, NULL);

	CU_add_test(s, "integers vs snprintf", test_oracle_integers);
	CU_add_test(s, "star width/precision vs snprintf", test_oracle_star);
	CU_add_test(s, "strings and chars vs snprintf", test_oracle_strings_chars);
	CU_add_test(s, "%u %x %o of negatives", test_unsigned_of_negative);
	CU_add_test(s, "%p", test_pointer);
	CU_add_test(s, "%c", test_char);
	CU_add_test(s, "%b", test_binary);
	CU_add_test(s, "%m", test_memory);
	CU_add_test(s, "%M", test_hex_memory);
	CU_add_test(s, "%s extras", test_string_extras);
	CU_add_test(s, "%% and length modifiers", test_percent_and_modifiers);
	CU_add_test(s, "mixed conversions", test_mixed);
	CU_add_test(s, "bad formats", test_bad_format);
	CU_add_test(s, "huge width/precision", test_huge_fields);
	CU_add_test(s, "truncation at cap", test_truncation);
	CU_add_test(s, "sonde_format_long", test_format_long);
}
