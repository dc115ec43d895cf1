/*
 * test_regex.c - unit tests of runtime/core/regex.c: POSIX extended
 * regular expressions compiled to a program and run by a Pike VM.
 *
 * A table of (pattern, text, expected result, expected group spans) covers
 * every feature; most rows are also checked against glibc's regcomp /
 * regexec (REG_EXTENDED, match or no match only: glibc's group spans are
 * not POSIX's either, and it can loop forever computing some of them).
 * Then: compile errors and their offsets, the complexity bound on
 * pathological patterns (counted in steps, not timed), long texts, the C
 * initializer, and a seeded differential run against glibc.
 */
#include <CUnit/CUnit.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/regex.h"

static struct sonde_regex_work work;
static struct sonde_regex_prog prog;

/* ---- the table -------------------------------------------------------- */

struct rx_case {
	const char *re;
	const char *text;
	int match;            /* 1 or 0 */
	/* expected spans when matching: "S-E" per group from 0, "-" for a
	 * group that did not take part, separated by blanks */
	const char *spans;
	int no_glibc;         /* glibc cannot check it (a NUL in it) */
	size_t len;           /* text length when it holds a NUL, else 0 */
	size_t relen;         /* pattern length when it holds a NUL, else 0 */
};

/* a row that matches, with its spans; a row that does not */
#define M(re, text, spans) { re, text, 1, spans, 0, 0, 0 }
#define N(re, text) { re, text, 0, NULL, 0, 0, 0 }

static const struct rx_case cases[] = {
	/* literals; a match anywhere (unanchored search) */
	M("abc", "xxabcxx", "2-5"),
	N("abc", "ab"),
	N("abc", ""),
	M("abc", "abdabc", "3-6"),
	M("a", "bbba", "3-4"),
	M("", "", "0-0"),
	M("", "abc", "0-0"),
	M("a]}", "xa]}", "1-4"),            /* ] and } outside brackets */
	/* . matches any byte, newline included */
	M("a.c", "abc", "0-3"),
	M("a.c", "a\nc", "0-3"),
	N("a.c", "ac"),
	N("...", "ab"),
	{ "a.b", "a\0b", 1, "0-3", 1, 3, 0 },      /* NUL is an ordinary byte */
	{ "a\0b", "xa\0b", 1, "1-4", 1, 4, 3 },
	/* bracket expressions */
	M("[abc]+", "xxbcay", "2-5"),
	M("[a-c]+", "dcbad", "1-4"),
	M("[^a-c]+", "abcxyzabc", "3-6"),
	M("[]]", "a]b", "1-2"),
	M("[^]]+", "]]ab]", "2-4"),
	M("[a-]+", "x-a-", "1-4"),
	M("[-a]", "-", "0-1"),
	M("[--/]+", "a-./b", "1-4"),
	M("[\\]", "a\\b", "1-2"),           /* '\' is literal inside [] */
	M("[\\n]+", "n\\", "0-2"),
	M("[.]", "a.b", "1-2"),
	N("[.]", "ab"),
	M("[*+?{|(]+", "a{|(*b", "1-5"),
	M("[[.-.]]", "a-", "1-2"),
	M("[[=a=]b]+", "cab", "1-3"),
	M("[a-z0-9_]+", "Hello_World42!", "1-6"),
	M("[^a]", "\n", "0-1"),
	M("x[ab][ab]y", "xbay", "0-4"),
	/* POSIX classes (the C locale's) */
	M("[[:alpha:]]+", "12abC3", "2-5"),
	M("[[:digit:]]+", "ab123c", "2-5"),
	M("[[:alnum:]]+", "--a1B2--", "2-6"),
	M("[[:upper:]]+", "abCDe", "2-4"),
	M("[[:lower:]]+", "ABcdE", "2-4"),
	M("[[:space:]]+", "a \t\n\v\f\rb", "1-7"),
	M("[[:blank:]]+", "a \t\nb", "1-3"),
	M("[[:punct:]]+", "ab!/:@[`{~c", "2-10"),
	M("[[:xdigit:]]+", "xyz0fAFg", "3-7"),
	M("[[:cntrl:]]", "ab\x7f", "2-3"),
	M("[[:cntrl:]]+", "a\x01\x1f", "1-3"),
	M("[[:print:]]+", "\x01 a~\x7f", "1-4"),
	M("[[:graph:]]+", " a~ ", "1-3"),
	M("[^[:alpha:]]+", "ab12cd", "2-4"),
	M("[[:alpha:][:digit:]]+", "--a1--", "2-4"),
	M("[[:alpha:]_-]+", "a_-b c", "0-4"),
	N("[[:alpha:]]", "\xc3\xa9"),     /* bytes >= 0x80 are in no class */
	N("[[:print:]]", "\x80\xff"),
	/* bytes >= 0x80: UTF-8 passes through as bytes */
	M("caf\xc3\xa9", "un caf\xc3\xa9!", "3-8"),
	M("\xc3\xa9+", "caf\xc3\xa9\xc3\xa9!", "3-5"),   /* + repeats the last byte */
	M("(\xc3\xa9)+", "caf\xc3\xa9\xc3\xa9!", "3-7 5-7"),
	M(".", "\xff", "0-1"),
	N("^.$", "\xc3\xa9"),            /* one character, two bytes */
	M("^..$", "\xc3\xa9", "0-2"),
	M("[\x80-\xff]+", "ab\xc3\xa9" "c", "2-4"),
	M("[^a]", "\x80", "0-1"),
	M("\xe2\x82\xac", "cost: 5\xe2\x82\xac", "7-10"),
	/* anchors */
	M("^abc", "abcabc", "0-3"),
	N("^abc", "xabc"),
	M("abc$", "abcabc", "3-6"),
	N("abc$", "abcx"),
	N("a$", "a\n"),                    /* $ is the end of the text only */
	M("^$", "", "0-0"),
	N("^$", "a"),
	M("^", "abc", "0-0"),
	M("$", "abc", "3-3"),
	N("a^b", "a^b"),                   /* an anchor in the middle */
	N("a$b", "a$b"),
	M("^a|b$", "xb", "1-2"),
	M("^a|b$", "ax", "0-1"),
	N("^a|b$", "xa"),
	M("(^a|b)c", "ac", "0-2 0-1"),
	N("(^a|b)c", "xac"),
	N("x(^|y)z", "xz"),
	M("(^|,)a", "b,a", "1-3 1-2"),
	M("(^|,)a", "ab", "0-1 0-0"),
	M("^^a$$", "a", "0-1"),
	M("(a|$)(b|$)", "a", "0-1 0-1 1-1"),
	/* repetition */
	M("ab*c", "ac", "0-2"),
	M("ab*c", "xabbbc", "1-6"),
	N("ab+c", "ac"),
	M("ab+c", "abbc", "0-4"),
	M("ab?c", "abc", "0-3"),
	N("ab?c", "abbc"),
	M("a*", "bbb", "0-0"),             /* an empty match at 0 */
	M("a*", "aaab", "0-3"),
	M("b*", "aaabbb", "0-0"),          /* leftmost beats longest */
	M("b+", "aaabbb", "3-6"),
	N("a{3}", "aa"),
	M("a{3}", "aaaa", "0-3"),
	N("a{2,}", "a"),
	M("a{2,}", "baaaaa", "1-6"),
	M("a{2,3}", "aaaa", "0-3"),
	M("a{1,1}b", "aab", "1-3"),
	M("a{0}b", "ab", "1-2"),
	M("a{0,0}", "a", "0-0"),
	M("(a){0}b", "ab", "1-2 -"),
	M("a{0,2}b", "aaab", "1-4"),
	M("a{,2}b", "aaab", "1-4"),
	M("(ab){2}", "ababab", "0-4 2-4"),
	M("(ab){2,}", "xababab", "1-7 5-7"),
	M("(a|b){2,3}c", "ababc", "1-5 3-4"),
	M("x{1}{2}", "xxx", "0-2"),
	M("a**", "aaa", "0-3"),
	M("a+?", "aaa", "0-3"),            /* (a+)?: ERE has no lazy repetition */
	M("a?*b", "aab", "0-3"),
	M("(a*)+", "b", "0-0 0-0"),
	M("(a*)*", "b", "0-0 0-0"),
	M("(a*)*", "aab", "0-2 0-2"),
	M("(a+|b)*", "ab", "0-2 1-2"),
	M("[0-9]{1,3}(\\.[0-9]{1,3}){3}", "ip 192.168.10.1 ok", "3-15 13-15"),
	M("^(a?){5}a{5}$", "aaaaa", "0-5 0-0"),
	M("x(y{2,4}){2}z", "xyyyyyz", "0-7 4-6"),
	M("(){3}", "a", "0-0 0-0"),
	/* alternation: lowest precedence; the longest of the leftmost */
	M("cat|dog", "hotdog", "3-6"),
	M("a|ab|abc", "abcd", "0-3"),
	M("ab|a", "ab", "0-2"),
	M("|a", "a", "0-1"),
	M("a|", "b", "0-0"),
	N("ab|cd", "ad"),                  /* not a(b|c)d */
	M("ab|cd", "acd", "1-3"),
	M("^ab|cd$", "xxcd", "2-4"),
	N("^ab|cd$", "xxab"),
	M("a|b|c|d|e", "zze", "2-3"),
	M("x(a|b|c)y", "xby", "0-3 1-2"),
	M("a(|b)c", "ac", "0-2 1-1"),
	M("a(b|)c", "abc", "0-3 1-2"),
	M("(a|ab)(c|bcd)(d*)", "abcd", "0-4 0-1 1-4 4-4"),
	M("(a|ab)(bc|c)", "abc", "0-3 0-1 1-3"),
	M("(wee|week)(knights|night)", "weeknights", "0-10 0-3 3-10"),
	M("(.*)c(.*)", "abcde", "0-5 0-2 3-5"),
	M("(a|b)*c|(a|ab)*c", "abc", "0-3 1-2 -"),
	/* groups */
	M("()", "x", "0-0 0-0"),
	M("((a)(b))", "ab", "0-2 0-2 0-1 1-2"),
	M("(a(b(c)))", "abc", "0-3 0-3 1-3 2-3"),
	M("(a)|(b)", "b", "0-1 - 0-1"),
	M("(a)*", "aaa", "0-3 2-3"),
	M("(a)*", "b", "0-0 -"),
	M("^(a|b)*$", "abba", "0-4 3-4"),
	M("(a)(b)(c)(d)(e)(f)(g)(h)(i)", "xabcdefghi",
	  "1-10 1-2 2-3 3-4 4-5 5-6 6-7 7-8 8-9 9-10"),
	M("(((a)))", "a", "0-1 0-1 0-1 0-1"),
	M("(a(b)?)+", "aba", "0-3 2-3 1-2"),   /* group 2: its last iteration */
	/* escapes of the metacharacters */
	N("a\\.b", "axb"),
	M("a\\.b", "a.b", "0-3"),
	M("\\(\\)", "f()", "1-3"),
	M("\\*+", "a***", "1-4"),
	M("\\[x\\]", "[x]", "0-3"),
	M("\\{1\\}", "a{1}", "1-4"),
	M("\\^\\$", "^$", "0-2"),
	M("\\|", "a|b", "1-2"),
	M("\\+\\?", "+?", "0-2"),
	M("\\\\", "a\\b", "1-2"),
	M("\\/\\-\\\"", "/-\"", "0-3"),
	M("\\\xc3\xa9", "\xc3\xa9", "0-2"),
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static size_t case_len(const struct rx_case *c)
{
	return c->len ? c->len : strlen(c->text);
}

static size_t pattern_len(const struct rx_case *c)
{
	return c->relen ? c->relen : strlen(c->re);
}

/* "0-3 - 1-2" -> spans[] (-1 for "-"); returns the number of groups + 1. */
static int parse_spans(const char *s, long spans[][2])
{
	int n = 0;

	while (s && *s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (*s == '-') {
			spans[n][0] = spans[n][1] = -1;
			s++;
		} else {
			char *end;
			spans[n][0] = strtol(s, &end, 10);
			spans[n][1] = strtol(end + 1, &end, 10);
			s = end;
		}
		n++;
	}
	return n;
}

static int compile_ok(const char *re, size_t len)
{
	struct sonde_regex_error err;
	int rc = sonde_regex_compile(&prog, re, len, &err);

	if (rc != 0)
		fprintf(stderr, "\n  /%s/ does not compile: %s (at %zu)\n", re, err.msg, err.offset);
	return rc == 0;
}

/* Every row: the result, the spans, the same result without spans, a
 * well-formed program, and the step bound. */
static void test_table(void)
{
	for (size_t i = 0; i < NCASES; i++) {
		const struct rx_case *c = &cases[i];
		struct sonde_regex_match m;
		size_t len = case_len(c);
		long want[SONDE_REGEX_MAXGROUPS + 2][2];

		if (!compile_ok(c->re, pattern_len(c))) {
			CU_FAIL("a pattern of the table does not compile");
			continue;
		}
		CU_ASSERT(sonde_regex_valid(&prog));
		memset(&m, 0x5a, sizeof(m));
		int r = sonde_regex_match(&prog, c->text, len, &work, &m);
		if (r != c->match) {
			fprintf(stderr, "\n  /%s/ on \"%s\": got %d, want %d\n", c->re, c->text, r, c->match);
			CU_FAIL("wrong match result");
			continue;
		}
		CU_ASSERT(work.steps <= 2ul * prog.ninst * (len + 1));
		CU_ASSERT_EQUAL(sonde_regex_match(&prog, c->text, len, &work, NULL), c->match);
		if (!c->match)
			continue;
		int n = parse_spans(c->spans, want);
		CU_ASSERT_EQUAL(n, prog.ngroups + 1);
		CU_ASSERT_EQUAL(m.ngroups, prog.ngroups);
		for (int g = 0; g < n; g++) {
			size_t s, e;
			long got[2] = { -1, -1 };
			if (sonde_regex_group(&m, g, &s, &e)) {
				got[0] = (long)s;
				got[1] = (long)e;
			}
			if (got[0] != want[g][0] || got[1] != want[g][1]) {
				fprintf(stderr, "\n  /%s/ on \"%s\": group %d is %ld-%ld, want %ld-%ld\n",
					c->re, c->text, g, got[0], got[1], want[g][0], want[g][1]);
				CU_FAIL("wrong group span");
			}
		}
		size_t s, e;
		CU_ASSERT_FALSE(sonde_regex_group(&m, prog.ngroups + 1, &s, &e));
	}
}

/* The same rows, match or no match, against glibc. */
static void test_table_glibc(void)
{
	int checked = 0;

	for (size_t i = 0; i < NCASES; i++) {
		const struct rx_case *c = &cases[i];
		regex_t r;

		if (c->no_glibc)
			continue;
		if (regcomp(&r, c->re, REG_EXTENDED | REG_NOSUB) != 0) {
			fprintf(stderr, "\n  glibc rejects /%s/\n", c->re);
			CU_FAIL("glibc rejects a pattern of the table");
			continue;
		}
		int g = regexec(&r, c->text, 0, NULL, 0) == 0;
		regfree(&r);
		if (g != c->match) {
			fprintf(stderr, "\n  /%s/ on \"%s\": glibc says %d, the table %d\n", c->re,
				c->text, g, c->match);
			CU_FAIL("the table disagrees with glibc");
		}
		checked++;
	}
	CU_ASSERT(checked > 150);
}

/* ---- compile errors ------------------------------------------------------ */

struct rx_bad {
	const char *re;
	size_t offset, length;
	const char *msg;      /* a part of the message */
};

static const struct rx_bad bad[] = {
	{ "a(b", 1, 1, "unmatched '('" },
	{ "(a(b)", 0, 1, "unmatched '('" },
	{ "a)b", 1, 1, "unmatched ')'" },
	{ "a))", 1, 1, "unmatched ')'" },
	{ "(a|b))", 5, 1, "unmatched ')'" },
	{ "[abc", 0, 1, "'[' without a closing ']'" },
	{ "x[]", 1, 1, "'[' without a closing ']'" },
	{ "[^]", 0, 1, "'[' without a closing ']'" },
	{ "[[:alpha:]", 0, 1, "'[' without a closing ']'" },
	{ "x[z-a]", 2, 3, "invalid range: its end 'a' comes before its start 'z'" },
	{ "[a--]", 1, 3, "invalid range" },
	{ "[[:foo:]]", 1, 7, "unknown character class" },
	{ "[[:Alpha:]]", 1, 9, "unknown character class" },
	{ "[[:alpha", 1, 2, "'[:' without ':]'" },
	{ "[[.ab.]]", 1, 6, "collating elements" },
	{ "[[=ab=]]", 1, 6, "equivalence classes" },
	{ "[[:digit:]-9]", 1, 10, "a character class cannot start a range" },
	{ "[a-[:digit:]]", 1, 11, "a character class cannot end a range" },
	{ "[a-c-e]", 4, 1, "'-' right after a range" },
	{ "*a", 0, 1, "'*' has nothing before it to repeat" },
	{ "a|*b", 2, 1, "'*' has nothing before it to repeat" },
	{ "(+a)", 1, 1, "'+' has nothing before it to repeat" },
	{ "?", 0, 1, "'?' has nothing before it to repeat" },
	{ "{1}", 0, 1, "'{' has nothing before it to repeat" },
	{ "^*", 1, 1, "'*' cannot repeat the anchor '^'" },
	{ "a$?", 2, 1, "'?' cannot repeat the anchor '$'" },
	{ "a{", 1, 1, "invalid repetition count" },
	{ "a{x}", 1, 2, "invalid repetition count" },
	{ "a{1", 1, 2, "invalid repetition count" },
	{ "a{1,2", 1, 4, "invalid repetition count" },
	{ "a{,}", 1, 3, "invalid repetition count" },
	{ "a{1 }", 1, 3, "invalid repetition count" },
	{ "a{3,2}", 1, 5, "the minimum 3 is larger than the maximum 2" },
	{ "a{256}", 1, 5, "too large (at most 255)" },
	{ "a{1,256}", 1, 7, "too large (at most 255)" },
	{ "a{99999999999999999999999}", 1, 25, "too large (at most 255)" },
	{ "ab\\", 2, 1, "trailing backslash" },
	{ "\\", 0, 1, "trailing backslash" },
	{ "\\d", 0, 2, "[[:digit:]]" },
	{ "x\\D", 1, 2, "[^[:digit:]]" },
	{ "\\w+", 0, 2, "[[:alnum:]_]" },
	{ "\\s", 0, 2, "[[:space:]]" },
	{ "(a)\\1", 3, 2, "back-references" },
	{ "\\<a", 0, 2, "word boundaries" },
	{ "a\\b", 1, 2, "word boundaries" },
	{ "\\n", 0, 2, "escapes like \\n" },
	{ "\\q", 0, 2, "unknown escape '\\q'" },
	{ "\\`", 0, 2, "use ^ and $" },
	{ "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", 27, 1, "too many groups: at most 9" },
	{ "((((((((((x))))))))))", 9, 1, "too many groups" },
	{ "a{255}", 1, 5, "too large: it needs more than" },
	{ "x{200}y{200}", 7, 5, "too large" },
	{ "(abcdefghij){30}", 12, 4, "too large" },
	{ "[ab][ac][ad][ae][af][ag][ah][ai][aj][ak][al][am][an][ao][ap][aq][ar]", 64, 4,
	  "too many different bracket expressions (at most 16)" },
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sonde_regex_error err;
		memset(&prog, 0x77, sizeof(prog));
		int rc = sonde_regex_compile(&prog, bad[i].re, strlen(bad[i].re), &err);
		if (rc != -1) {
			fprintf(stderr, "\n  /%s/ compiles\n", bad[i].re);
			CU_FAIL("a bad pattern compiles");
			continue;
		}
		if (err.offset != bad[i].offset || err.length != bad[i].length ||
		    !strstr(err.msg, bad[i].msg)) {
			fprintf(stderr, "\n  /%s/: at %zu+%zu \"%s\", want %zu+%zu \"...%s...\"\n",
				bad[i].re, err.offset, err.length, err.msg, bad[i].offset,
				bad[i].length, bad[i].msg);
			CU_FAIL("wrong error");
		}
		CU_ASSERT(strlen(err.msg) > 10 && strlen(err.msg) < sizeof(err.msg) - 1);
		CU_ASSERT_EQUAL(prog.ninst, 0);   /* not a half-made program */
	}
	/* a bracket that matches nothing (needs a NUL in the pattern) */
	struct sonde_regex_error err;
	CU_ASSERT_EQUAL(sonde_regex_compile(&prog, "[^\0-\xff]", 6, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "matches no character"));
	CU_ASSERT_EQUAL(err.offset, 0);
	CU_ASSERT_EQUAL(err.length, 6);
}

/* The limits themselves compile. */
static void test_limits(void)
{
	struct sonde_regex_error err;
	char re[512];

	/* SAVE 0, 253 bytes, SAVE 1 and MATCH: 256 instructions */
	CU_ASSERT_EQUAL(sonde_regex_compile(&prog, "a{253}", 6, &err), 0);
	CU_ASSERT_EQUAL(prog.ninst, SONDE_REGEX_MAXINST);
	CU_ASSERT_EQUAL(sonde_regex_compile(&prog, "a{254}", 6, &err), -1);
	CU_ASSERT(compile_ok("(a)(b)(c)(d)(e)(f)(g)(h)(i)", 27));
	CU_ASSERT_EQUAL(prog.ngroups, 9);
	/* 16 distinct sets, and identical sets are shared */
	re[0] = '\0';
	for (int i = 0; i < 16; i++)
		sprintf(re + strlen(re), "[a%c]", 'b' + i);
	strcat(re, "[ab][ac]");
	CU_ASSERT(compile_ok(re, strlen(re)));
	CU_ASSERT_EQUAL(prog.nsets, 16);
	/* a long pattern of plain bytes is fine up to the size limit */
	memset(re, 'x', 254);
	CU_ASSERT_EQUAL(sonde_regex_compile(&prog, re, 253, &err), 0);
	CU_ASSERT_EQUAL(sonde_regex_compile(&prog, re, 254, &err), -1);
	CU_ASSERT_EQUAL(err.offset, 253);
	/* deep nesting is bounded by the group limit before the stack */
	memset(re, '(', 400);
	CU_ASSERT_EQUAL(sonde_regex_compile(&prog, re, 400, &err), -1);
	memset(re, '[', 400);
	CU_ASSERT_EQUAL(sonde_regex_compile(&prog, re, 400, &err), -1);
	/* text longer than the positions can say */
	CU_ASSERT(compile_ok("a", 1));
	static char big[SONDE_REGEX_MAXTEXT + 2];
	memset(big, 'b', sizeof(big));
	CU_ASSERT_EQUAL(sonde_regex_match(&prog, big, SONDE_REGEX_MAXTEXT + 1, &work, NULL), -1);
	big[SONDE_REGEX_MAXTEXT - 1] = 'a';
	CU_ASSERT_EQUAL(sonde_regex_match(&prog, big, SONDE_REGEX_MAXTEXT, &work, NULL), 1);
}

/* ---- complexity: steps, not time ------------------------------------------- */

static void check_linear(const char *re, const char *text, size_t len, int want)
{
	struct sonde_regex_match m;

	if (!compile_ok(re, strlen(re))) {
		CU_FAIL("does not compile");
		return;
	}
	CU_ASSERT_EQUAL(sonde_regex_match(&prog, text, len, &work, &m), want);
	unsigned long bound = 2ul * prog.ninst * (len + 1);
	if (work.steps > bound) {
		fprintf(stderr, "\n  /%s/ on %zu bytes: %lu steps, bound %lu\n", re, len, work.steps,
			bound);
		CU_FAIL("more steps than O(len * ninst)");
	}
	CU_ASSERT_EQUAL(sonde_regex_match(&prog, text, len, &work, NULL), want);
	CU_ASSERT(work.steps <= bound);
}

static void test_pathological(void)
{
	static char a[60001];
	char x[40];

	memset(a, 'a', sizeof(a) - 1);
	/* catastrophic for a backtracking matcher, linear here */
	check_linear("(a*)*b", a, 512, 0);
	check_linear("(a*)*b", a, 60000, 0);
	check_linear("(a|aa)*c", a, 512, 0);
	check_linear("(a|aa)*c", a, 60000, 0);
	check_linear("(a+a+)+b", a, 10000, 0);
	check_linear("(a|a)*b", a, 10000, 0);
	check_linear("a*a*a*a*a*a*a*a*b", a, 10000, 0);
	check_linear("(.*)*=(.*)*", a, 10000, 0);
	check_linear("(a*)*$", a, 60000, 1);
	check_linear("a{100}b|a{50}$", a, 5000, 1);
	memset(x, 'a', 30);
	check_linear("^(a?){30}a{30}$", x, 30, 1);
	check_linear("^(a?){30}a{30}$", x, 29, 0);
	/* the spans of the long match are right */
	struct sonde_regex_match m;
	size_t s, e;
	CU_ASSERT(compile_ok("(a|aa)*$", 8));
	CU_ASSERT_EQUAL(sonde_regex_match(&prog, a, 60000, &work, &m), 1);
	CU_ASSERT(sonde_regex_group(&m, 0, &s, &e) && s == 0 && e == 60000);
	CU_ASSERT(sonde_regex_group(&m, 1, &s, &e) && s == 59999 && e == 60000);
}

/* Long texts: a match at the very end, none at all, one at the start. */
static void test_long_texts(void)
{
	static char t[65000];
	struct sonde_regex_match m;
	size_t s, e;

	memset(t, 'x', sizeof(t));
	memcpy(t + sizeof(t) - 5, "needle", 5);   /* "needl" at the end */
	check_linear("needle", t, sizeof(t), 0);
	check_linear("needl$", t, sizeof(t), 1);
	check_linear("^x+needl$", t, sizeof(t), 1);
	check_linear("^x{1,100}n", t, sizeof(t), 0);
	CU_ASSERT(compile_ok("x(x*)n", 6));
	CU_ASSERT_EQUAL(sonde_regex_match(&prog, t, sizeof(t), &work, &m), 1);
	CU_ASSERT(sonde_regex_group(&m, 0, &s, &e) && s == 0 && e == sizeof(t) - 4);
	CU_ASSERT(sonde_regex_group(&m, 1, &s, &e) && s == 1 && e == sizeof(t) - 5);
	/* an anchored pattern gives up at once */
	CU_ASSERT(compile_ok("^y", 2));
	CU_ASSERT(prog.anchored);
	CU_ASSERT_EQUAL(sonde_regex_match(&prog, t, sizeof(t), &work, NULL), 0);
	CU_ASSERT(work.steps < 10);
	CU_ASSERT(compile_ok("^a|^b", 5));
	CU_ASSERT(prog.anchored);
	CU_ASSERT(compile_ok("^a|b", 4));
	CU_ASSERT_FALSE(prog.anchored);
}

/* The workspace needs no initialization: garbage in it changes nothing. */
static void test_dirty_workspace(void)
{
	static struct sonde_regex_work w2;
	struct sonde_regex_match m1, m2;

	CU_ASSERT(compile_ok("(a|b)+(c)?", 10));
	memset(&w2, 0xa5, sizeof(w2));
	memset(&m1, 0, sizeof(m1));
	memset(&m2, 0, sizeof(m2));
	CU_ASSERT_EQUAL(sonde_regex_match(&prog, "xxabcab", 7, &w2, &m1), 1);
	CU_ASSERT_EQUAL(sonde_regex_match(&prog, "xxabcab", 7, &work, &m2), 1);
	CU_ASSERT_EQUAL(memcmp(&m1, &m2, sizeof(m1)), 0);
	/* no match leaves *m alone */
	memset(&m1, 0x3c, sizeof(m1));
	m2 = m1;
	CU_ASSERT_EQUAL(sonde_regex_match(&prog, "xyz", 3, &work, &m1), 0);
	CU_ASSERT_EQUAL(memcmp(&m1, &m2, sizeof(m1)), 0);
}

/* ---- the C initializer -------------------------------------------------- */

/* sonde_regex_emit_c's text for ^(ab|[0-9]+)$, pasted: it compiles as C,
 * and it is exactly what the function writes. */
#define DIGITS_INIT { .ninst = 13, .ngroups = 1, .nsets = 1, .anchored = 1, .inst = { \
	{ SONDE_RX_SAVE, 0, 0, 0 }, \
	{ SONDE_RX_BOL, 0, 0, 0 }, \
	{ SONDE_RX_SAVE, 2, 0, 0 }, \
	{ SONDE_RX_SPLIT, 0, 4, 7 }, \
	{ SONDE_RX_CHAR, 97, 0, 0 }, \
	{ SONDE_RX_CHAR, 98, 0, 0 }, \
	{ SONDE_RX_JMP, 0, 9, 0 }, \
	{ SONDE_RX_SET, 0, 0, 0 }, \
	{ SONDE_RX_SPLIT, 0, 7, 9 }, \
	{ SONDE_RX_SAVE, 3, 0, 0 }, \
	{ SONDE_RX_EOL, 0, 0, 0 }, \
	{ SONDE_RX_SAVE, 1, 0, 0 }, \
	{ SONDE_RX_MATCH, 0, 0, 0 }, \
}, .sets = { \
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, \
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }, \
} }
#define STR_(...) #__VA_ARGS__
#define STR(...) STR_(__VA_ARGS__)

static const struct sonde_regex_prog digits = DIGITS_INIT;

static void squeeze(char *s)
{
	char *d = s;

	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n')
			*d++ = *s;
	*d = '\0';
}

static void test_emit(void)
{
	static char buf[SONDE_REGEX_EMIT_MAX];
	static char want[] = STR(DIGITS_INIT);
	struct sonde_regex_match m;
	size_t s, e;

	CU_ASSERT(compile_ok("^(ab|[0-9]+)$", 13));
	size_t n = sonde_regex_emit_c(&prog, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, strlen(buf));
	squeeze(buf);
	squeeze(want);
	CU_ASSERT_STRING_EQUAL(buf, want);
	/* the embedded program is the compiled one, and runs */
	CU_ASSERT_EQUAL(memcmp(digits.inst, prog.inst, prog.ninst * sizeof(prog.inst[0])), 0);
	CU_ASSERT_EQUAL(memcmp(digits.sets, prog.sets, prog.nsets * sizeof(prog.sets[0])), 0);
	CU_ASSERT(sonde_regex_valid(&digits));
	CU_ASSERT_EQUAL(sonde_regex_match(&digits, "2024", 4, &work, &m), 1);
	CU_ASSERT(sonde_regex_group(&m, 1, &s, &e) && s == 0 && e == 4);
	CU_ASSERT_EQUAL(sonde_regex_match(&digits, "abc", 3, &work, &m), 0);

	/* snprintf-like: the full length whatever the room, always a NUL */
	CU_ASSERT(compile_ok("a|b", 3));
	n = sonde_regex_emit_c(&prog, NULL, 0);
	CU_ASSERT_EQUAL(sonde_regex_emit_c(&prog, buf, sizeof(buf)), n);
	CU_ASSERT_EQUAL(strlen(buf), n);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "{ SONDE_RX_SPLIT, 0, 2, 4 },"));
	char small[16];
	memset(small, 'z', sizeof(small));
	CU_ASSERT_EQUAL(sonde_regex_emit_c(&prog, small, sizeof(small)), n);
	CU_ASSERT_EQUAL(strlen(small), sizeof(small) - 1);
	CU_ASSERT_EQUAL(strncmp(small, buf, sizeof(small) - 1), 0);

	/* the largest programs fit SONDE_REGEX_EMIT_MAX */
	char re[200] = "";
	for (int i = 0; i < 16; i++)
		sprintf(re + strlen(re), "[a%c]", 'b' + i);
	strcat(re, "(x|y){1,33}");
	CU_ASSERT(compile_ok(re, strlen(re)));
	n = sonde_regex_emit_c(&prog, buf, sizeof(buf));
	CU_ASSERT(n < sizeof(buf));
	CU_ASSERT(prog.ninst > 200);
}

/* A corrupt program is recognized. */
static void test_valid(void)
{
	static struct sonde_regex_prog p;

	CU_ASSERT(compile_ok("(a|[bc])*d", 10));
	p = prog;
	CU_ASSERT(sonde_regex_valid(&p));
	p.inst[1].x = p.ninst;
	CU_ASSERT_FALSE(sonde_regex_valid(&p));
	p = prog;
	p.inst[p.ninst - 1].op = SONDE_RX_CHAR;
	CU_ASSERT_FALSE(sonde_regex_valid(&p));
	p = prog;
	p.nsets = 0;
	CU_ASSERT_FALSE(sonde_regex_valid(&p));
	p = prog;
	p.ngroups = 0;
	CU_ASSERT_FALSE(sonde_regex_valid(&p));
	p = prog;
	p.inst[2].op = SONDE_RX_NOPS;
	CU_ASSERT_FALSE(sonde_regex_valid(&p));
	memset(&p, 0, sizeof(p));
	CU_ASSERT_FALSE(sonde_regex_valid(&p));
	CU_ASSERT_EQUAL(sonde_regex_match(&p, "a", 1, &work, NULL), -1);
}

/* ---- a seeded differential run against glibc ------------------------------- */

static unsigned long seed = 12345;

static unsigned rnd(unsigned n)
{
	seed = seed * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)(seed >> 33) % n;
}

struct gen {
	char s[300];
	int n, groups;
};

static void put(struct gen *g, const char *s)
{
	while (*s && g->n < (int)sizeof(g->s) - 20)
		g->s[g->n++] = *s++;
	g->s[g->n] = '\0';
}

static void gen_alt(struct gen *g, int depth);

static void gen_atom(struct gen *g, int depth)
{
	static const char *const atoms[] = {
		"a", "b", "c", ".", "[ab]", "[^a]", "[[:alpha:]c-d]", "\\.", "[.b]",
	};
	if (depth < 3 && g->groups < SONDE_REGEX_MAXGROUPS && rnd(4) == 0) {
		g->groups++;
		put(g, "(");
		gen_alt(g, depth + 1);
		put(g, ")");
		return;
	}
	put(g, atoms[rnd(sizeof(atoms) / sizeof(atoms[0]))]);
}

static void gen_concat(struct gen *g, int depth)
{
	static const char *const quants[] = {
		"*", "+", "?", "{2}", "{0,2}", "{1,}", "{2,3}", "{0}",
	};
	for (int i = rnd(4); i > 0; i--) {
		gen_atom(g, depth);
		if (rnd(3) == 0)
			put(g, quants[rnd(sizeof(quants) / sizeof(quants[0]))]);
	}
}

static void gen_alt(struct gen *g, int depth)
{
	gen_concat(g, depth);
	while (rnd(4) == 0) {
		put(g, "|");
		gen_concat(g, depth);
	}
}

/* Anchors only at the ends: glibc's matcher gets some inner ^ and $ wrong
 * (e.g. .c(^|b.){2,3} "matches" accbbcb). */
static void test_random_vs_glibc(void)
{
	int compared = 0, matched = 0;

	for (int i = 0; i < 2000; i++) {
		struct gen g = { .n = 0, .groups = 0 };
		regex_t r;

		if (rnd(4) == 0)
			put(&g, "^");
		gen_alt(&g, 0);
		if (rnd(4) == 0)
			put(&g, "$");
		if (!compile_ok(g.s, g.n)) {
			CU_FAIL("a generated pattern does not compile");
			continue;
		}
		CU_ASSERT(sonde_regex_valid(&prog));
		if (regcomp(&r, g.s, REG_EXTENDED | REG_NOSUB) != 0) {
			fprintf(stderr, "\n  glibc rejects /%s/\n", g.s);
			CU_FAIL("glibc rejects a generated pattern");
			continue;
		}
		for (int k = 0; k < 10; k++) {
			char t[16];
			int len = rnd(12);
			for (int j = 0; j < len; j++)
				t[j] = "abcd."[rnd(5)];
			t[len] = '\0';
			int want = regexec(&r, t, 0, NULL, 0) == 0;
			struct sonde_regex_match m;
			int got = sonde_regex_match(&prog, t, len, &work, &m);
			CU_ASSERT(work.steps <= 2ul * prog.ninst * (len + 1));
			if (got != want) {
				fprintf(stderr, "\n  /%s/ on \"%s\": sonde %d, glibc %d\n", g.s, t, got, want);
				CU_FAIL("differs from glibc");
			}
			CU_ASSERT_EQUAL(sonde_regex_match(&prog, t, len, &work, NULL), got);
			compared++;
			matched += got == 1;
		}
		regfree(&r);
	}
	CU_ASSERT(matched > compared / 4 && matched < compared * 3 / 4);
}

void register_regex_tests(void)
{
	CU_pSuite s = CU_add_suite("regex", NULL, NULL);
	CU_add_test(s, "table of patterns and texts", test_table);
	CU_add_test(s, "the table against glibc", test_table_glibc);
	CU_add_test(s, "compile errors and their offsets", test_errors);
	CU_add_test(s, "limits", test_limits);
	CU_add_test(s, "pathological patterns stay linear", test_pathological);
	CU_add_test(s, "long texts", test_long_texts);
	CU_add_test(s, "workspace needs no initialization", test_dirty_workspace);
	CU_add_test(s, "C initializer", test_emit);
	CU_add_test(s, "program validation", test_valid);
	CU_add_test(s, "random patterns against glibc", test_random_vs_glibc);
}
