/*
 * test_diag.c - unit tests of compiler/diag.c (the diagnostic formatter),
 * compiler/util.c and compiler/srcfile.c.  Diagnostics are captured with
 * diag_set_stream() on an open_memstream and compared as whole text,
 * caret lines included.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "parse.h"
#include "util.h"

static char *cap_buf;
static size_t cap_len;
static FILE *cap;

static void cap_begin(void)
{
	cap_buf = NULL;
	cap = open_memstream(&cap_buf, &cap_len);
	diag_set_stream(cap);
	diag_reset();
	diag_set_warnings(1);
}

/* Returns everything reported since cap_begin() (caller frees). */
static char *cap_end(void)
{
	fclose(cap);
	diag_set_stream(NULL);
	return cap_buf;
}

static SrcFile src = {
	"demo.stp",
	"probe begin {\n\tprintf(\"%d\\n\", x)\n}\nline four\n",
	false,
};

static SrcLoc at(int line, int col, int end_line, int end_col)
{
	SrcLoc l = { &src, line, col, end_line, end_col };
	return l;
}

#define CHECK_OUTPUT(expected) do { \
	char *got_ = cap_end(); \
	CU_ASSERT_STRING_EQUAL(got_, expected); \
	if (strcmp(got_, expected)) \
		fprintf(stderr, "\n--- got:\n%s--- expected:\n%s", got_, expected); \
	free(got_); \
} while (0)

static void test_error_with_span(void)
{
	cap_begin();
	diag_error(at(1, 7, 1, 11), "unknown probe point '%s'", "begin");
	CU_ASSERT_EQUAL(diag_errors(), 1);
	CHECK_OUTPUT("demo.stp:1:7: error: unknown probe point 'begin'\n"
	             " 1 | probe begin {\n"
	             "   |       ^~~~~\n");
}

static void test_tabs_are_kept(void)
{
	cap_begin();
	diag_error(at(2, 9, 2, 14), "bad format");
	CHECK_OUTPUT("demo.stp:2:9: error: bad format\n"
	             " 2 | \tprintf(\"%d\\n\", x)\n"
	             "   | \t       ^~~~~~\n");
}

static void test_single_caret(void)
{
	cap_begin();
	diag_error(at(2, 2, 0, 0), "x");       /* end unknown */
	diag_error(at(2, 2, 2, 2), "y");       /* one character */
	CHECK_OUTPUT("demo.stp:2:2: error: x\n"
	             " 2 | \tprintf(\"%d\\n\", x)\n"
	             "   | \t^\n"
	             "demo.stp:2:2: error: y\n"
	             " 2 | \tprintf(\"%d\\n\", x)\n"
	             "   | \t^\n");
	CU_ASSERT_EQUAL(diag_errors(), 2);
}

static void test_multiline_span(void)
{
	cap_begin();
	diag_error(at(1, 13, 3, 1), "block");
	CHECK_OUTPUT("demo.stp:1:13: error: block\n"
	             " 1 | probe begin {\n"
	             "   |             ^\n");
	cap_begin();
	diag_error(at(1, 7, 3, 1), "spans lines");
	CHECK_OUTPUT("demo.stp:1:7: error: spans lines\n"
	             " 1 | probe begin {\n"
	             "   |       ^~~~~~~\n");
}

static void test_end_of_line_and_clamping(void)
{
	cap_begin();
	diag_error(at(3, 2, 3, 2), "after the brace");
	diag_error(at(4, 6, 4, 40), "past the end");
	CHECK_OUTPUT("demo.stp:3:2: error: after the brace\n"
	             " 3 | }\n"
	             "   |  ^\n"
	             "demo.stp:4:6: error: past the end\n"
	             " 4 | line four\n"
	             "   |      ^~~~\n");
}

static void test_wide_line_numbers(void)
{
	SrcFile f = { "w.stp", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12 x\n", true };
	SrcLoc l = { &f, 12, 4, 12, 4 };
	cap_begin();
	diag_warning(l, "unused variable 'x'");
	CU_ASSERT_EQUAL(diag_errors(), 0);
	CHECK_OUTPUT("w.stp:12:4: warning: unused variable 'x'\n"
	             " 12 | 12 x\n"
	             "    |    ^\n");
}

static void test_missing_source(void)
{
	SrcLoc none = { 0 };
	SrcLoc noline = { &src, 0, 0, 0, 0 };
	SrcLoc nocol = { &src, 4, 0, 0, 0 };
	SrcLoc beyond = { &src, 99, 1, 99, 1 };
	cap_begin();
	diag_error(none, "no location");
	diag_error(noline, "whole file");
	diag_error(nocol, "a line");
	diag_error(beyond, "beyond the end");
	CHECK_OUTPUT("sonde: error: no location\n"
	             "demo.stp: error: whole file\n"
	             "demo.stp:4: error: a line\n"
	             "demo.stp:99:1: error: beyond the end\n");
}

static void test_warnings_and_notes(void)
{
	cap_begin();
	diag_warning(at(4, 1, 4, 4), "w1");
	diag_note(at(1, 1, 1, 5), "n1");
	diag_set_warnings(0);
	diag_warning(at(4, 1, 4, 4), "hidden");
	diag_note(at(1, 1, 1, 5), "hidden note");
	diag_error(at(4, 1, 4, 4), "e1");
	diag_note(at(1, 1, 1, 5), "n2");
	diag_set_warnings(1);
	CU_ASSERT_EQUAL(diag_errors(), 1);
	CHECK_OUTPUT("demo.stp:4:1: warning: w1\n"
	             " 4 | line four\n"
	             "   | ^~~~\n"
	             "demo.stp:1:1: note: n1\n"
	             " 1 | probe begin {\n"
	             "   | ^~~~~\n"
	             "demo.stp:4:1: error: e1\n"
	             " 4 | line four\n"
	             "   | ^~~~\n"
	             "demo.stp:1:1: note: n2\n"
	             " 1 | probe begin {\n"
	             "   | ^~~~~\n");
	diag_reset();
	CU_ASSERT_EQUAL(diag_errors(), 0);
}

static void test_fatal_noloc(void)
{
	cap_begin();
	diag_fatal_noloc("cannot do %s", "that");
	CU_ASSERT_EQUAL(diag_errors(), 1);
	CHECK_OUTPUT("sonde: error: cannot do that\n");
}

static void test_srcfile(void)
{
	cap_begin();
	CU_ASSERT_PTR_NULL(srcfile_load("/nonexistent/dir/x.stp", false));
	CU_ASSERT_EQUAL(diag_errors(), 1);
	CHECK_OUTPUT("sonde: error: cannot read /nonexistent/dir/x.stp: "
	             "No such file or directory\n");

	char path[] = "/tmp/sonde-test-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("probe begin {}\n", f);
	fclose(f);
	SrcFile *sf = srcfile_load(path, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sf);
	CU_ASSERT_STRING_EQUAL(sf->name, path);
	CU_ASSERT_STRING_EQUAL(sf->text, "probe begin {}\n");
	CU_ASSERT(sf->is_tapset);

	f = fopen(path, "w");
	fwrite("a\0b", 1, 3, f);
	fclose(f);
	cap_begin();
	CU_ASSERT_PTR_NULL(srcfile_load(path, false));
	char *out = cap_end();
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ":1:2: error: the file contains a NUL byte"));
	free(out);
	remove(path);

	char text[] = "x";
	sf = srcfile_from_text("<input>", text);
	text[0] = 'y';              /* the SrcFile keeps its own copy */
	CU_ASSERT_STRING_EQUAL(sf->text, "x");
	CU_ASSERT_STRING_EQUAL(sf->name, "<input>");
	CU_ASSERT(!sf->is_tapset);
}

static void test_util(void)
{
	StrBuf sb = {0};
	sb_puts(&sb, "a");
	sb_putc(&sb, 'b');
	sb_printf(&sb, "%d%s", 12, "c");
	CU_ASSERT_STRING_EQUAL(sb.data, "ab12c");
	CU_ASSERT_EQUAL(sb.len, 5);
	char *s = sb_steal(&sb);
	CU_ASSERT_STRING_EQUAL(s, "ab12c");
	CU_ASSERT_PTR_NULL(sb.data);
	free(s);

	sb_put_c_escaped(&sb, "q\"\\\n\t\r\x01?\?=z");
	CU_ASSERT_STRING_EQUAL(sb.data, "q\\\"\\\\\\n\\t\\r\\001?\\?=z");
	free(sb_steal(&sb));
	s = sb_steal(&sb);          /* empty buffer gives "" */
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);

	for (int i = 0; i < 1000; i++)
		sb_printf(&sb, "%04d", i);
	CU_ASSERT_EQUAL(sb.len, 4000);
	CU_ASSERT_EQUAL(strncmp(sb.data + 3996, "0999", 4), 0);
	free(sb_steal(&sb));

	s = xasprintf("%s-%d", "x", 7);
	CU_ASSERT_STRING_EQUAL(s, "x-7");
	free(s);
	s = xstrndup("abcdef", 3);
	CU_ASSERT_STRING_EQUAL(s, "abc");
	free(s);
	s = xstrndup("ab", 10);
	CU_ASSERT_STRING_EQUAL(s, "ab");
	free(s);
}

void register_diag_tests(void)
{
	CU_pSuite s = CU_add_suite("diag", NULL, NULL);
	CU_add_test(s, "error with span", test_error_with_span);
	CU_add_test(s, "tabs kept in caret line", test_tabs_are_kept);
	CU_add_test(s, "single caret", test_single_caret);
	CU_add_test(s, "multi-line span", test_multiline_span);
	CU_add_test(s, "end of line and clamping", test_end_of_line_and_clamping);
	CU_add_test(s, "wide line numbers", test_wide_line_numbers);
	CU_add_test(s, "missing source", test_missing_source);
	CU_add_test(s, "warnings and notes", test_warnings_and_notes);
	CU_add_test(s, "fatal without location", test_fatal_noloc);
	CU_add_test(s, "srcfile", test_srcfile);
	CU_add_test(s, "util", test_util);
}
