/*
 * test_preprocess.c - unit tests of compiler/preprocess.c: conditionals,
 * macros, library macros (.stpm), locations and diagnostics.
 *
 * Most tests run the preprocessor alone over a small text (the scanner
 * under pp_next(), as the parser would drive it) and compare the tokens it
 * lets through, spelt out and joined by spaces.  Others go through
 * parse_program() and print the tree.  The target kernel is
 * "6.1.0-56-amd64" and its .config a temporary file written here.
 * Diagnostics are compared as whole text, caret lines included.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "parse.h"
#include "preprocess.h"
#include "session.h"
#include "util.h"

int sonde_yylex_init_extra(ParseState *extra, yyscan_t *scanner);
struct yy_buffer_state *sonde_yy_scan_string(const char *s, yyscan_t scanner);
int sonde_yylex_destroy(yyscan_t scanner);

static char *diag_text;      /* diagnostics of the last run */
static int diag_count;       /* errors of the last run */
static FILE *cap;
static char *cap_buf;
static size_t cap_len;
static char tmpdir[] = "/tmp/sonde-pp-XXXXXX";

static void cap_begin(void)
{
	cap_buf = NULL;
	cap = open_memstream(&cap_buf, &cap_len);
	diag_set_stream(cap);
	diag_reset();
	diag_set_warnings(1);
}

static void cap_end(void)
{
	diag_count = diag_errors();
	fclose(cap);
	diag_set_stream(NULL);
	diag_reset();
	free(diag_text);
	diag_text = cap_buf;
}

/* ---- the preprocessor alone ---------------------------------------------- */

#define MAXTOK 512
static struct {
	int kind;
	SONDE_YYSTYPE val;
	SONDE_YYLTYPE loc;
} toks[MAXTOK];
static int ntoks;

/* How a token is shown: its value, or its text in the source. */
static void spell(StrBuf *sb, int i)
{
	const SONDE_YYLTYPE *l = &toks[i].loc;
	switch (toks[i].kind) {
	case NUMBER:
		sb_printf(sb, "%lld", (long long)toks[i].val.num);
		return;
	case STRING:
		sb_printf(sb, "\"%s\"", toks[i].val.str);
		return;
	case IDENT:
		sb_puts(sb, toks[i].val.str);
		return;
	case LEX_ERROR:
		sb_puts(sb, "<error>");
		return;
	}
	const char *p = l->file && l->file->text ? l->file->text : "";
	for (int line = 1; line < l->first_line && p; line++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || l->last_line != l->first_line) {
		sb_puts(sb, "?");
		return;
	}
	sb_printf(sb, "%.*s", l->last_column - l->first_column + 1,
	          p + l->first_column - 1);
}

/* Runs the preprocessor over text (arguments argv); returns the tokens it
 * passes on, spelt and joined by spaces (caller frees). */
static char *pp_args(const char *name, const char *text, int argc, char **argv)
{
	static Program prog;
	ParseState ps;
	memset(&ps, 0, sizeof ps);
	SrcFile *file = srcfile_from_text(name, text);
	ps.file = file;
	ps.prog = &prog;
	ps.argc = argc;
	ps.argv = argv;
	ps.line = ps.col = 1;
	ps.prev_end_line = 1;
	ps.prev_end = -1;

	cap_begin();
	yyscan_t scanner;
	sonde_yylex_init_extra(&ps, &scanner);
	sonde_yy_scan_string(file->text, scanner);
	ps.pp = pp_new(&ps, scanner, false);
	ntoks = 0;
	for (;;) {
		int i = ntoks < MAXTOK - 1 ? ntoks++ : ntoks - 1;
		toks[i].kind = pp_next(ps.pp, &toks[i].val, &toks[i].loc);
		if (toks[i].kind == END)
			break;
	}
	pp_free(ps.pp);
	sonde_yylex_destroy(scanner);
	free(ps.open);
	cap_end();

	StrBuf sb = {0};
	sb_puts(&sb, "");
	for (int i = 0; i < ntoks - 1; i++) {
		if (i > 0)
			sb_putc(&sb, ' ');
		spell(&sb, i);
	}
	return sb_steal(&sb);
}

static char *pp(const char *text)
{
	return pp_args("t.stp", text, 0, NULL);
}

static void show_errors(const char *text)
{
	if (diag_count)
		fprintf(stderr, "\nunexpected errors for <<%s>>:\n%s", text, diag_text);
}

/* text must preprocess without errors into `want`. */
#define CHECK_PP(text, want) do { \
	char *got_ = pp(text); \
	CU_ASSERT_STRING_EQUAL(got_, want); \
	CU_ASSERT_EQUAL(diag_count, 0); \
	if (strcmp(got_, want)) \
		fprintf(stderr, "\n<<%s>>\n  got:  %s\n  want: %s\n", text, got_, want); \
	show_errors(text); \
	free(got_); \
} while (0)

/* A condition that must hold (or not). */
static void check_cond(const char *cond, bool want)
{
	char *text = xasprintf("%%( %s %%? yes %%: no %%)", cond);
	CHECK_PP(text, want ? "yes" : "no");
	free(text);
}

#define TRUE_(c)  check_cond(c, true)
#define FALSE_(c) check_cond(c, false)

/* The exact diagnostics of preprocessing text. */
#define CHECK_DIAG(text, want) do { \
	free(pp(text)); \
	CU_ASSERT_STRING_EQUAL(diag_text, want); \
	if (strcmp(diag_text, want)) \
		fprintf(stderr, "\n<<%s>>\n--- got:\n%s--- want:\n%s", text, \
		        diag_text, want); \
} while (0)

/* ---- through the parser -------------------------------------------------- */

static char *parse_print(const char *name, const char *text)
{
	cap_begin();
	Program *p = parse_program(srcfile_from_text(name, text), 0, NULL);
	cap_end();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ast_print_program(f, p);
	fclose(f);
	return buf;
}

#define CHECK_PARSE(text, want) do { \
	char *got_ = parse_print("t.stp", text); \
	CU_ASSERT_STRING_EQUAL(got_, want); \
	CU_ASSERT_EQUAL(diag_count, 0); \
	if (strcmp(got_, want)) \
		fprintf(stderr, "\n<<%s>>\n--- got:\n%s--- want:\n%s", text, got_, want); \
	show_errors(text); \
	free(got_); \
} while (0)

#define CHECK_PARSE_DIAG(text, want) do { \
	free(parse_print("t.stp", text)); \
	CU_ASSERT_STRING_EQUAL(diag_text, want); \
	if (strcmp(diag_text, want)) \
		fprintf(stderr, "\n<<%s>>\n--- got:\n%s--- want:\n%s", text, \
		        diag_text, want); \
} while (0)

/* ---- fixtures -------------------------------------------------------------- */

/* Writes tmpdir/name; returns its path (NULL on failure). */
static char *write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		free(path);
		return NULL;
	}
	fputs(text, f);
	fclose(f);
	return path;
}

static const char *saved_krelease;
static bool saved_guru;

static int suite_init(void)
{
	if (!mkdtemp(tmpdir))
		return -1;
	saved_krelease = opt.krelease;
	saved_guru = opt.guru;
	opt.krelease = "6.1.0-56-amd64";
	opt.guru = false;
	char *config = write_file("config",
		"#\n# Automatically generated file; DO NOT EDIT.\n#\n"
		"CONFIG_SMP=y\n"
		"CONFIG_NFS_FS=m\n"
		"CONFIG_HZ=250\n"
		"CONFIG_HEX_VALUE=0x10\n"
		"CONFIG_LOCALVERSION=\"-test \\\"q\\\"\"\n"
		"# CONFIG_DEBUG_KERNEL is not set\n"
		"CONFIG_EMPTY=\"\"\n");
	if (!config)
		return -1;
	pp_set_kconfig_path(config);
	free(config);
	pp_reset();
	return 0;
}

static int suite_clean(void)
{
	char *cmd = xasprintf("rm -rf %s", tmpdir);
	int rc = system(cmd);
	free(cmd);
	pp_set_kconfig_path(NULL);
	pp_reset();
	opt.krelease = saved_krelease;
	opt.guru = saved_guru;
	free(diag_text);
	diag_text = NULL;
	return rc == 0 ? 0 : -1;
}

/* ---- conditions ------------------------------------------------------------ */

static void test_kernel_version(void)
{
	/* kernel_v is "6.1.0": strverscmp, so 6.1 < 6.1.0 < 6.10 */
	TRUE_("kernel_v >= \"6.1\"");
	TRUE_("kernel_v > \"6.1\"");
	FALSE_("kernel_v == \"6.1\"");
	TRUE_("kernel_v == \"6.1.0\"");
	FALSE_("kernel_v != \"6.1.0\"");
	TRUE_("kernel_v <= \"6.1.0\"");
	TRUE_("kernel_v < \"6.10\"");
	FALSE_("kernel_v >= \"6.10\"");
	TRUE_("kernel_v > \"6.0.99\"");
	TRUE_("kernel_v > \"5.19\"");
	FALSE_("kernel_v < \"2.6.32\"");
	/* == and != with a wildcard: a glob */
	TRUE_("kernel_v == \"6.1*\"");
	TRUE_("kernel_v == \"6.?.0\"");
	FALSE_("kernel_v == \"6.1?\"");
	TRUE_("kernel_v != \"5.*\"");
	FALSE_("kernel_v != \"[56].*\"");
	/* kernel_vr is the whole release */
	TRUE_("kernel_vr == \"6.1.0-56-amd64\"");
	FALSE_("kernel_vr == \"6.1.0\"");
	TRUE_("kernel_vr > \"6.1.0-55-amd64\"");
	TRUE_("kernel_vr < \"6.1.0-100-amd64\"");
	TRUE_("kernel_vr == \"*-amd64\"");
	FALSE_("kernel_vr == \"*-arm64\"");
	/* a release without '-': the version is its leading digits and dots */
	opt.krelease = "5.15.0+";
	TRUE_("kernel_v == \"5.15.0\"");
	TRUE_("kernel_vr == \"5.15.0+\"");
	opt.krelease = "6.1.0-56-amd64";
}

static void test_arch_runtime_version_privilege(void)
{
	TRUE_("arch == \"x86_64\"");
	TRUE_("arch == \"x86*\"");
	TRUE_("arch == \"[xy]86_64\"");
	FALSE_("arch == \"i?86\"");
	TRUE_("arch != \"i?86\"");
	FALSE_("arch != \"x86_64\"");
	TRUE_("runtime == \"kernel\"");
	FALSE_("runtime == \"dyninst\"");
	TRUE_("runtime != \"bpf\"");
	TRUE_("runtime == \"k*\"");
	TRUE_("systemtap_v >= \"4.0\"");
	TRUE_("systemtap_v == \"" SONDE_COMPAT_VERSION "\"");
	FALSE_("systemtap_v < \"5.0\"");
	TRUE_("systemtap_v < \"5.10\"");
	TRUE_("systemtap_v == \"5.*\"");
	TRUE_("systemtap_privilege == \"stapdev\"");
	TRUE_("systemtap_privilege != \"stapusr\"");
	FALSE_("systemtap_privilege == \"stapusr\"");
	FALSE_("systemtap_privilege == \"stap*\"");   /* plain equality */
	TRUE_("guru_mode == 0");
	FALSE_("guru_mode != 0");
	opt.guru = true;
	TRUE_("guru_mode == 1");
	opt.guru = false;
}

static void test_config(void)
{
	TRUE_("CONFIG_SMP == \"y\"");
	FALSE_("CONFIG_SMP == \"m\"");
	TRUE_("CONFIG_NFS_FS == \"m\"");
	TRUE_("CONFIG_NFS_FS == \"[ym]\"");
	TRUE_("CONFIG_SMP != \"n\"");
	/* unset, missing and empty options are "" */
	TRUE_("CONFIG_DEBUG_KERNEL == \"\"");
	FALSE_("CONFIG_DEBUG_KERNEL == \"y\"");
	TRUE_("CONFIG_NO_SUCH_OPTION == \"\"");
	TRUE_("CONFIG_NO_SUCH_OPTION != \"y\"");
	TRUE_("CONFIG_EMPTY == \"\"");
	/* quoted values lose their quotes and escapes */
	TRUE_("CONFIG_LOCALVERSION == \"-test \\\"q\\\"\"");
	/* against a number: numerically when the value is one */
	TRUE_("CONFIG_HZ == 250");
	TRUE_("CONFIG_HZ >= 100");
	FALSE_("CONFIG_HZ < 100");
	TRUE_("CONFIG_HZ == \"250\"");
	TRUE_("CONFIG_HZ == \"2*\"");
	TRUE_("CONFIG_HEX_VALUE == 16");
	FALSE_("CONFIG_SMP == 1");
	TRUE_("CONFIG_SMP != 1");
	FALSE_("CONFIG_NO_SUCH_OPTION == 0");
	FALSE_("CONFIG_NO_SUCH_OPTION < 1");
}

static void test_config_unreadable(void)
{
	char *missing = xasprintf("%s/no-such-config", tmpdir);
	pp_set_kconfig_path(missing);
	char *got = pp("%( CONFIG_SMP == \"y\" %? yes %: no %)\n"
	               "%( CONFIG_SMP == \"\" %? empty %)");
	CU_ASSERT_STRING_EQUAL(got, "no empty");
	char *want = xasprintf(
		"t.stp:1:4: warning: cannot read the kernel configuration %s (No such "
		"file or directory); every CONFIG_ option compares as \"\"\n"
		" 1 | %%( CONFIG_SMP == \"y\" %%? yes %%: no %%)\n"
		"   |    ^~~~~~~~~~\n", missing);
	CU_ASSERT_STRING_EQUAL(diag_text, want);
	CU_ASSERT_EQUAL(diag_count, 0);
	free(want);
	free(got);
	free(missing);
	char *config = xasprintf("%s/config", tmpdir);
	pp_set_kconfig_path(config);
	free(config);
	TRUE_("CONFIG_SMP == \"y\"");      /* read again from the right file */
}

static void test_literals_and_arguments(void)
{
	TRUE_("1 < 2");
	FALSE_("2 <= 1");
	TRUE_("-1 < 0");
	TRUE_("0x10 == 16");
	TRUE_("\"a\" < \"b\"");
	TRUE_("\"abc\" == \"abc\"");
	FALSE_("\"abc\" == \"ab*\"");       /* plain comparison */
	TRUE_("\"b\" >= \"abc\"");

	char *argv[] = { "foo", "12", NULL };
	char *got = pp_args("t.stp",
		"%( $# == 2 %? two %: other %) "
		"%( @# == \"2\" %? quoted %) "
		"%( @1 == \"foo\" %? foo %) "
		"%( $2 > 10 && $2 < 13 %? twelve %) "
		"%( @2 == \"12\" %? str %) ", 2, argv);
	CU_ASSERT_STRING_EQUAL(got, "two quoted foo twelve str");
	CU_ASSERT_EQUAL(diag_count, 0);
	free(got);
	got = pp_args("t.stp", "%( $# == 0 %? none %)", 0, NULL);
	CU_ASSERT_STRING_EQUAL(got, "none");
	free(got);
}

static void test_and_or_parens(void)
{
	TRUE_("1 == 1 && 2 == 2");
	FALSE_("1 == 1 && 2 == 3");
	TRUE_("1 == 2 || 2 == 2");
	FALSE_("1 == 2 || 2 == 3");
	/* && binds tighter than || */
	TRUE_("1 == 1 || 1 == 2 && 1 == 2");
	FALSE_("(1 == 1 || 1 == 2) && 1 == 2");
	TRUE_("1 == 2 && 1 == 2 || 1 == 1");
	TRUE_("((arch == \"x86_64\")) && (kernel_v >= \"5.0\" || CONFIG_SMP == \"n\")");
	TRUE_("kernel_v >= \"5.0\" && arch == \"x86_64\" && runtime == \"kernel\" && "
	      "CONFIG_SMP == \"y\"");
}

static void test_branches_and_nesting(void)
{
	CHECK_PP("a %( 1 == 1 %? b %) c", "a b c");
	CHECK_PP("a %( 1 == 2 %? b %) c", "a c");
	CHECK_PP("%( 1 == 1 %? %: x %)", "");
	CHECK_PP("%( 1 == 2 %? x %: %)", "");
	CHECK_PP("%( 1 == 1 %? a %( 1 == 2 %? b %: c %) d %: e %)", "a c d");
	CHECK_PP("%( 1 == 2 %? %( 1 == 1 %? x %: y %) %: z %)", "z");
	CHECK_PP("%( 1 == 1 %? %( 1 == 1 %? %( 1 == 1 %? deep %) %) %)", "deep");
	CHECK_PP("%( 1 == 2 %? a %: %( 1 == 2 %? b %: %( 1 == 1 %? c %) %) %)", "c");
	/* the untaken branch is not parsed: garbage, unknown macros, bad
	 * characters, arguments out of range, conditionals of any kind */
	CHECK_PP("%( 1 == 2 %? ** ] } @nosuch(( $9 @8 ` \\ 'x' 0x %{ C %} "
	         "%( garbage %? more %: %( %) %) %: ok %)", "ok");
	CHECK_PP("%( 1 == 1 %? ok %: ** ] } @nosuch(( $9 ` %( garbage %? %) %)", "ok");
	/* a @define in the untaken branch defines nothing */
	CHECK_PP("%( 1 == 2 %? @define f %( a %) %: @define f %( b %) %) @f", "b");
}

static void test_anywhere(void)
{
	CHECK_PARSE("%( arch == \"x86_64\" %?\n"
	            "probe kernel.function(%( kernel_v >= \"5.0\" %? \"new\" %: \"old\" %)) {\n"
	            "\tx = %( CONFIG_SMP == \"y\" %? 1 %: 2 %) + 3\n"
	            "\t%( 1 == 1 %? if (x) %) print(x)\n"
	            "}\n"
	            "%: probe kernel.function(\"other\") {} %)\n"
	            "probe timer.s(%( $# == 0 %? 1 %: 2 %)) %( 1 == 1 %? { exit() } %)\n",
	            "probe kernel.function(\"new\") {\n"
	            "\tx = 1 + 3;\n"
	            "\tif (x)\n"
	            "\t\tprint(x);\n"
	            "}\n"
	            "\n"
	            "probe timer.s(1) {\n"
	            "\texit();\n"
	            "}\n");
}

/* ---- macros ------------------------------------------------------------------ */

static void test_macros(void)
{
	CHECK_PP("@define foo %( x + 1 %) @foo * @foo", "x + 1 * x + 1");
	CHECK_PP("@define empty %( %) a @empty b", "a b");
	CHECK_PP("@define add(a, b) %( (@a + @b) %) @add(1, 2)", "( 1 + 2 )");
	CHECK_PP("@define add(a,b) %( (@a + @b) %) @add(f(1, 2), a[1, 2])",
	         "( f ( 1 , 2 ) + a [ 1 , 2 ] )");
	CHECK_PP("@define pair(a, b) %( [@b|@a] %) @pair(, x)", "[ x | ]");
	CHECK_PP("@define twice(x) %( @x @x %) @twice(a b)", "a b a b");
	CHECK_PP("@define nop() %( z %) @nop() @nop", "z z");
	/* a macro without parameters leaves a following '(' alone */
	CHECK_PP("@define fn %( f %) @fn(1)", "f ( 1 )");
	/* nesting: bodies and arguments use macros, found when replayed */
	CHECK_PP("@define one %( 1 %) @define two %( @one + @one %) @two", "1 + 1");
	CHECK_PP("@define add(a, b) %( @a + @b %) @define one %( 1 %)"
	         "@add(@one, @add(2, @one))", "1 + 2 + 1");
	CHECK_PP("@define add(a, b) %( @a + @b %) @define dbl(x) %( @add(@x, @x) %)"
	         "@dbl(3)", "3 + 3");
	CHECK_PP("@define later %( @after %) @define after %( done %) @later", "done");
	/* parameters win over macros inside the body, not in arguments */
	CHECK_PP("@define x %( X %) @define f(x) %( @x %) @f(1) @x @f(@x)", "1 X X");
	/* conditionals in bodies and macros in conditions */
	CHECK_PP("@define k %( %( 1 == 1 %? yes %: no %) %) @k @k", "yes yes");
	CHECK_PP("@define v %( \"6.0\" %) %( kernel_v >= @v %? new %: old %)", "new");
	CHECK_PP("@define f(a) %( %( @a == 1 %? one %: other %) %) @f(1) @f(2)",
	         "one other");
	CHECK_PP("@define c %( kernel_v >= \"5.0\" %) %( @c %? yes %)", "yes");
	/* keywords can be macro names */
	CHECK_PP("@define probe %( P %) @probe", "P");
	/* @define may appear inside a probe body */
	CHECK_PP("probe begin { @define n %( 7 %) print(@n) }",
	         "probe begin { print ( 7 ) }");
}

static void test_builtins_are_not_macros(void)
{
	CHECK_PARSE("global x, a\n"
	            "probe begin {\n"
	            "\tx <<< 1\n"
	            "\tprint(@count(x), @sum(x), @min(x), @max(x), @avg(x), @variance(x))\n"
	            "\tprint(@hist_linear(x, 0, 10, 1), @hist_log(x))\n"
	            "\tprint(@defined($y) ? @entry($y) : 0)\n"
	            "\tprint(@cast(p, \"task_struct\")->pid, @var(\"jiffies\"))\n"
	            "}\n",
	            "global x\nglobal a\n\n"
	            "probe begin {\n"
	            "\tx <<< 1;\n"
	            "\tprint(@count(x), @sum(x), @min(x), @max(x), @avg(x), @variance(x));\n"
	            "\tprint(@hist_linear(x, 0, 10, 1), @hist_log(x));\n"
	            "\tprint(@defined($y) ? @entry($y) : 0);\n"
	            "\tprint(@cast(p, \"task_struct\")->pid, @var(\"jiffies\"));\n"
	            "}\n");
}

/* Tokens out of a body keep the body's location and name their expansion;
 * a rule spanning a use site and a body token is lifted to the use site. */
static void test_locations(void)
{
	char *got = pp("@define foo %( x + 1 %)\n"
	               "a = @foo\n");
	CU_ASSERT_STRING_EQUAL(got, "a = x + 1");
	free(got);
	CU_ASSERT_EQUAL_FATAL(ntoks, 6);
	CU_ASSERT_PTR_NULL(toks[0].loc.exp);
	const SONDE_YYLTYPE *x = &toks[2].loc;
	CU_ASSERT_EQUAL(x->first_line, 1);
	CU_ASSERT_EQUAL(x->first_column, 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x->exp);
	CU_ASSERT_STRING_EQUAL(x->exp->macro, "foo");
	CU_ASSERT_EQUAL(x->exp->use.line, 2);
	CU_ASSERT_EQUAL(x->exp->use.col, 5);
	CU_ASSERT_EQUAL(x->exp->use.end_col, 8);
	CU_ASSERT_PTR_NULL(x->exp->use.exp);
	/* an argument keeps its own location */
	got = pp("@define id(a) %( (@a) %)\n@id(zz)");
	CU_ASSERT_STRING_EQUAL(got, "( zz )");
	free(got);
	CU_ASSERT_PTR_NULL(toks[1].loc.exp);
	CU_ASSERT_EQUAL(toks[1].loc.first_line, 2);
	CU_ASSERT_PTR_NOT_NULL(toks[0].loc.exp);
	CU_ASSERT_EQUAL(toks[0].loc.exp->use.end_col, 7);   /* @id(zz) */
	/* spans */
	SONDE_YYLTYPE span;
	got = pp("@define foo %( x + 1 %)\na = @foo\n");
	free(got);
	pp_loc_span(&span, &toks[0].loc, &toks[4].loc);    /* a ... 1 */
	CU_ASSERT_PTR_NULL(span.exp);
	CU_ASSERT_EQUAL(span.first_line, 2);
	CU_ASSERT_EQUAL(span.first_column, 1);
	CU_ASSERT_EQUAL(span.last_line, 2);
	CU_ASSERT_EQUAL(span.last_column, 8);
	pp_loc_span(&span, &toks[2].loc, &toks[4].loc);    /* x + 1 */
	CU_ASSERT_PTR_EQUAL(span.exp, toks[2].loc.exp);
	CU_ASSERT_EQUAL(span.first_column, 16);
	CU_ASSERT_EQUAL(span.last_column, 20);
	/* through the parser: a type error on a body token, noted at the use */
	opt.datadir = NULL;
	cap_begin();
	Script s = { 0 };
	SrcFile *f = srcfile_from_text("t.stp", "@define s %( \"str\" %)\n"
	                               "probe begin { print(1 + @s) }\n");
	int rc = pipeline_parse(&s, f);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc == 0)
		pipeline_analyze(&s);
	cap_end();
	CU_ASSERT_STRING_EQUAL(diag_text,
		"t.stp:1:14: error: an arithmetic operand must be a long, not a string "
		"(use '.' to join strings)\n"
		" 1 | @define s %( \"str\" %)\n"
		"   |              ^~~~~\n"
		"t.stp:2:25: note: in expansion of macro '@s'\n"
		" 2 | probe begin { print(1 + @s) }\n"
		"   |                         ^~\n");
}

static void test_file_scope(void)
{
	CHECK_PP("@define zork %( 1 %) @zork", "1");
	char *got = pp("@zork");
	CU_ASSERT_STRING_EQUAL(got, "<error>");
	CU_ASSERT_STRING_EQUAL(diag_text,
		"t.stp:1:1: error: unknown macro '@zork'\n"
		" 1 | @zork\n"
		"   | ^~~~~\n");
	free(got);
}

/* ---- library macros ------------------------------------------------------- */

static void load_library(const char *dir)
{
	const char *dirs[] = { dir };
	opt.tapset_dirs = dirs;
	opt.ntapset_dirs = 1;
	opt.datadir = NULL;
	cap_begin();
	tapsets_load_macros();
	cap_end();
	opt.tapset_dirs = NULL;
	opt.ntapset_dirs = 0;
}

static void test_library(void)
{
	char *dir = xasprintf("%s/lib", tmpdir);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0755), 0);
	char *sub = xasprintf("%s/lib/sub", tmpdir);
	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0755), 0);
	free(write_file("lib/a.stpm",
		"// library macros\n"
		"@define answer %( 42 %)\n"
		"@define twice(x) %( (@x * 2) %)\n"
		"%( arch == \"x86_64\" %?\n"
		"@define word %( 8 %)\n"
		"%:\n"
		"@define word %( 4 %)\n"
		"%)\n"));
	free(write_file("lib/sub/b.stpm", "@define fromsub %( @answer %)\n"));
	free(write_file("lib/c.stp", "@define local %( 1 %)\n"));
	load_library(dir);
	CU_ASSERT_EQUAL(diag_count, 0);
	show_errors("(library)");
	CHECK_PP("@answer @twice(3) @word @fromsub", "42 ( 3 * 2 ) 8 42");
	/* a file's own definition shadows the library's, in that file */
	CHECK_PP("@define answer %( 0 %) @answer", "0");
	CHECK_PP("@answer", "42");
	/* .stp files in the library are not macro files */
	char *got = pp("@local");
	CU_ASSERT_STRING_EQUAL(got, "<error>");
	free(got);
	CHECK_PARSE("probe begin { print(@twice(@answer)) }\n",
	            "probe begin {\n\tprint(42 * 2);\n}\n");

	/* errors in a library body point into the .stpm, noted at the use */
	free(write_file("lib/d.stpm", "@define broken(x) %( @x + * 2 %)\n"));
	load_library(dir);
	char *want = xasprintf(
		"%s/lib/d.stpm:1:27: error: expected an expression before '*'\n"
		" 1 | @define broken(x) %%( @x + * 2 %%)\n"
		"   |                           ^\n"
		"t.stp:1:21: note: in expansion of macro '@broken'\n"
		" 1 | probe begin { print(@broken(1)) }\n"
		"   |                     ^~~~~~~~~~\n", dir == NULL ? "" : tmpdir);
	CHECK_PARSE_DIAG("probe begin { print(@broken(1)) }\n", want);
	free(want);
	free(dir);
	free(sub);
}

static void test_library_errors(void)
{
	char *dir = xasprintf("%s/badlib", tmpdir);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0755), 0);
	char *a = write_file("badlib/a.stpm", "@define dup %( 1 %)\n");
	char *b = write_file("badlib/b.stpm",
		"@define dup %( 2 %)\n"
		"probe begin {}\n"
		"global x\n");
	load_library(dir);
	char *want = xasprintf(
		"%s:1:9: error: macro '@dup' is already defined\n"
		" 1 | @define dup %%( 2 %%)\n"
		"   |         ^~~\n"
		"%s:1:9: note: '@dup' was first defined here\n"
		" 1 | @define dup %%( 1 %%)\n"
		"   |         ^~~\n"
		"%s:2:1: error: a library macro file (.stpm) may only contain @define "
		"and preprocessor conditionals\n"
		" 2 | probe begin {}\n"
		"   | ^~~~~\n", b, a, b);
	CU_ASSERT_STRING_EQUAL(diag_text, want);
	if (strcmp(diag_text, want))
		fprintf(stderr, "\n--- got:\n%s--- want:\n%s", diag_text, want);
	CHECK_PP("@dup", "1");
	free(want);
	free(a);
	free(b);
	free(dir);
	pp_reset();
}

/* ---- errors ----------------------------------------------------------------- */

static void test_conditional_errors(void)
{
	CHECK_DIAG("%( 1 == 1 %? probe begin {}\n",
		"t.stp:1:1: error: unterminated preprocessor conditional ('%(' without '%)')\n"
		" 1 | %( 1 == 1 %? probe begin {}\n"
		"   | ^~\n");
	CHECK_DIAG("%( 1 == 2 %? probe begin {}\n",
		"t.stp:1:1: error: unterminated preprocessor conditional ('%(' without '%)')\n"
		" 1 | %( 1 == 2 %? probe begin {}\n"
		"   | ^~\n");
	CHECK_DIAG("%( 1 == 2 %? /* a comment that never ends %)\n",
		"t.stp:1:1: error: unterminated preprocessor conditional ('%(' without '%)')\n"
		" 1 | %( 1 == 2 %? /* a comment that never ends %)\n"
		"   | ^~\n"
		"t.stp:1:14: note: the skipped text has an error here: unterminated comment "
		"('/*' without '*/')\n"
		" 1 | %( 1 == 2 %? /* a comment that never ends %)\n"
		"   |              ^~\n");
	CHECK_DIAG("%( 1 == 1 %?\n  %( 1 == 1 %? x\n%)\n",
		"t.stp:1:1: error: unterminated preprocessor conditional ('%(' without '%)')\n"
		" 1 | %( 1 == 1 %?\n"
		"   | ^~\n");
	CHECK_DIAG("a %? b",
		"t.stp:1:3: error: '%?' without a matching '%('\n"
		" 1 | a %? b\n"
		"   |   ^~\n");
	CHECK_DIAG("a %: b",
		"t.stp:1:3: error: '%:' without a matching '%('\n"
		" 1 | a %: b\n"
		"   |   ^~\n");
	CHECK_DIAG("a %) b",
		"t.stp:1:3: error: '%)' without a matching '%('\n"
		" 1 | a %) b\n"
		"   |   ^~\n");
	CHECK_DIAG("%( 1 == 1 %? a %? b %)",
		"t.stp:1:16: error: unexpected '%?' (the conditional opened at line 1 "
		"already has its '%?')\n"
		" 1 | %( 1 == 1 %? a %? b %)\n"
		"   |                ^~\n");
	CHECK_DIAG("%( 1 == 2 %? a %: b %: c %)",
		"t.stp:1:21: error: unexpected '%:' (the conditional opened at line 1 "
		"already has its '%:')\n"
		" 1 | %( 1 == 2 %? a %: b %: c %)\n"
		"   |                     ^~\n");
	CHECK_DIAG("%( 1 == 1 %? a %: b %: c %)",
		"t.stp:1:21: error: unexpected '%:' (the conditional opened at line 1 "
		"already has its '%:')\n"
		" 1 | %( 1 == 1 %? a %: b %: c %)\n"
		"   |                     ^~\n");
	/* a conditional ends in the source it began in */
	CHECK_DIAG("@define then %( %? %)\n%( 1 == 1 @then a %)",
		"t.stp:1:17: error: this '%?' must be in the same file or macro body as "
		"its '%('\n"
		" 1 | @define then %( %? %)\n"
		"   |                 ^~\n"
		"t.stp:2:11: note: in expansion of macro '@then'\n"
		" 2 | %( 1 == 1 @then a %)\n"
		"   |           ^~~~~\n");
	CHECK_DIAG("@define else %( %: %)\n%( 1 == 1 %? a @else b %)",
		"t.stp:1:17: error: '%:' without a matching '%('\n"
		" 1 | @define else %( %: %)\n"
		"   |                 ^~\n"
		"t.stp:2:16: note: in expansion of macro '@else'\n"
		" 2 | %( 1 == 1 %? a @else b %)\n"
		"   |                ^~~~~\n");
}

static void test_condition_errors(void)
{
	CHECK_DIAG("%( %? a %)",
		"t.stp:1:4: error: expected a condition such as kernel_v >= \"5.0\"\n"
		" 1 | %( %? a %)\n"
		"   |    ^~\n");
	CHECK_DIAG("%( kernal_v >= \"5.0\" %? a %)",
		"t.stp:1:4: error: unknown identifier 'kernal_v' in a preprocessor "
		"condition; did you mean 'kernel_v'?\n"
		" 1 | %( kernal_v >= \"5.0\" %? a %)\n"
		"   |    ^~~~~~~~\n");
	CHECK_DIAG("%( frobnicate == 1 %? a %)",
		"t.stp:1:4: error: unknown identifier 'frobnicate' in a preprocessor "
		"condition (expected kernel_v, kernel_vr, arch, runtime, systemtap_v, "
		"systemtap_privilege, guru_mode or CONFIG_...)\n"
		" 1 | %( frobnicate == 1 %? a %)\n"
		"   |    ^~~~~~~~~~\n");
	CHECK_DIAG("%( kernel_v \"5.0\" %? a %)",
		"t.stp:1:13: error: expected a comparison operator ('==', '!=', '<', "
		"'<=', '>' or '>=')\n"
		" 1 | %( kernel_v \"5.0\" %? a %)\n"
		"   |             ^~~~~\n");
	CHECK_DIAG("%( kernel_v >= 5 %? a %)",
		"t.stp:1:16: error: 'kernel_v' must be compared with a version string, "
		"as in kernel_v >= \"5.0\"\n"
		" 1 | %( kernel_v >= 5 %? a %)\n"
		"   |                ^\n");
	CHECK_DIAG("%( arch == x86_64 %? a %)",
		"t.stp:1:12: error: 'arch' must be compared with a string, as in "
		"arch == \"x86_64\"\n"
		" 1 | %( arch == x86_64 %? a %)\n"
		"   |            ^~~~~~\n");
	CHECK_DIAG("%( arch < \"x\" %? a %)",
		"t.stp:1:9: error: 'arch' can only be compared with '==' or '!='\n"
		" 1 | %( arch < \"x\" %? a %)\n"
		"   |         ^\n");
	CHECK_DIAG("%( CONFIG_HZ > \"100\" %? a %)",
		"t.stp:1:14: error: 'CONFIG_HZ' can only be compared with '==' or '!=' "
		"against a string\n"
		" 1 | %( CONFIG_HZ > \"100\" %? a %)\n"
		"   |              ^\n");
	CHECK_DIAG("%( guru_mode == \"1\" %? a %)",
		"t.stp:1:17: error: 'guru_mode' must be compared with 0 or 1\n"
		" 1 | %( guru_mode == \"1\" %? a %)\n"
		"   |                 ^~~\n");
	CHECK_DIAG("%( \"a\" == 1 %? a %)",
		"t.stp:1:11: error: cannot compare a string with a number\n"
		" 1 | %( \"a\" == 1 %? a %)\n"
		"   |           ^\n");
	CHECK_DIAG("%( 1 == %? a %)",
		"t.stp:1:9: error: expected a number after '=='\n"
		" 1 | %( 1 == %? a %)\n"
		"   |         ^~\n");
	CHECK_DIAG("%( ! arch == \"x86_64\" %? a %)",
		"t.stp:1:4: error: a preprocessor condition cannot be negated with '!': "
		"use '!=' or swap the '%?' and '%:' branches\n"
		" 1 | %( ! arch == \"x86_64\" %? a %)\n"
		"   |    ^\n");
	CHECK_DIAG("%( 1 == 1 a %? b %: c %) d",
		"t.stp:1:11: error: expected '%?' after the condition\n"
		" 1 | %( 1 == 1 a %? b %: c %) d\n"
		"   |           ^\n");
	CHECK_DIAG("%( (1 == 1 %? a %)",
		"t.stp:1:12: error: expected ')' to close the '(' at line 1, column 4\n"
		" 1 | %( (1 == 1 %? a %)\n"
		"   |            ^~\n");
	CHECK_DIAG("%( $3 == 1 %? a %)",
		"t.stp:1:4: error: command line argument $3 is missing: the script was given no arguments\n"
		" 1 | %( $3 == 1 %? a %)\n"
		"   |    ^~\n");
	CHECK_DIAG("%( 1 == 1 && %? a %)",
		"t.stp:1:14: error: expected a condition such as kernel_v >= \"5.0\"\n"
		" 1 | %( 1 == 1 && %? a %)\n"
		"   |              ^~\n");
	CHECK_DIAG("%( \"a\" == %? a %)",
		"t.stp:1:11: error: expected a string after '=='\n"
		" 1 | %( \"a\" == %? a %)\n"
		"   |           ^~\n");
	CHECK_DIAG("%( 1 > - x %? a %)",
		"t.stp:1:10: error: expected a number after '-'\n"
		" 1 | %( 1 > - x %? a %)\n"
		"   |          ^\n");
	CHECK_DIAG("%( runtime == 1 %? a %)",
		"t.stp:1:15: error: 'runtime' must be compared with a string, as in "
		"runtime == \"kernel\"\n"
		" 1 | %( runtime == 1 %? a %)\n"
		"   |               ^\n");
	CHECK_DIAG("%( systemtap_privilege != 0 %? a %)",
		"t.stp:1:27: error: 'systemtap_privilege' must be compared with a string, "
		"as in systemtap_privilege == \"stapdev\"\n"
		" 1 | %( systemtap_privilege != 0 %? a %)\n"
		"   |                           ^\n");
	CHECK_DIAG("%( systemtap_v < 5 %? a %)",
		"t.stp:1:18: error: 'systemtap_v' must be compared with a version string, "
		"as in systemtap_v >= \"5.0\"\n"
		" 1 | %( systemtap_v < 5 %? a %)\n"
		"   |                  ^\n");
	CHECK_DIAG("%( CONFIG_SMP == y %? a %)",
		"t.stp:1:18: error: 'CONFIG_SMP' must be compared with a string or a "
		"number, as in CONFIG_SMP == \"y\"\n"
		" 1 | %( CONFIG_SMP == y %? a %)\n"
		"   |                  ^\n");
	/* limits */
	StrBuf deep = {0};
	for (int i = 0; i < 300; i++)
		sb_puts(&deep, "%( 1 == 1 %? ");
	for (int i = 0; i < 300; i++)
		sb_puts(&deep, "%) ");
	free(pp(deep.data));
	CU_ASSERT_EQUAL(diag_count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag_text, "t.stp:1:3329: error: preprocessor "
	                              "conditionals nested too deeply (the limit is 256)\n"));
	deep.len = 0;
	sb_puts(&deep, "%( ");
	for (int i = 0; i < 100; i++)
		sb_putc(&deep, '(');
	sb_puts(&deep, "1 == 1 %? a %) b");
	char *rest = pp(deep.data);
	CU_ASSERT_STRING_EQUAL(rest, "<error> b");
	CU_ASSERT_EQUAL(diag_count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag_text, "t.stp:1:68: error: too many nested "
	                              "parentheses in a preprocessor condition (the "
	                              "limit is 64)\n"));
	free(rest);
	free(deep.data);
	/* after a bad condition the whole conditional is skipped */
	char *got = pp("a %( bad %? b %: c %) d %( ( %( x %) %) e");
	CU_ASSERT_STRING_EQUAL(got, "a <error> d <error> e");
	CU_ASSERT_EQUAL(diag_count, 2);
	free(got);
	/* a remainder written without a space */
	CHECK_DIAG("x = a %(b)\n",
		"t.stp:1:9: error: unknown identifier 'b' in a preprocessor condition "
		"(expected kernel_v, kernel_vr, arch, runtime, systemtap_v, "
		"systemtap_privilege, guru_mode or CONFIG_...)\n"
		" 1 | x = a %(b)\n"
		"   |         ^\n"
		"t.stp:1:7: note: for the remainder operator, put a space between '%' and '('\n"
		" 1 | x = a %(b)\n"
		"   |       ^~\n"
		"t.stp:1:7: error: unterminated preprocessor conditional ('%(' without '%)')\n"
		" 1 | x = a %(b)\n"
		"   |       ^~\n");
}

static void test_macro_use_errors(void)
{
	CHECK_DIAG("@define foo %( 1 %)\n@fo",
		"t.stp:2:1: error: unknown macro '@fo'; did you mean '@foo'?\n"
		" 2 | @fo\n"
		"   | ^~~\n");
	CHECK_DIAG("@cuont(x)",
		"t.stp:1:1: error: unknown macro '@cuont'; did you mean '@count'?\n"
		" 1 | @cuont(x)\n"
		"   | ^~~~~~\n");
	CHECK_DIAG("@define add(a, b) %( @a + @b %)\nx = @add(1)",
		"t.stp:2:5: error: macro '@add' takes 2 arguments, not 1\n"
		" 2 | x = @add(1)\n"
		"   |     ^~~~~~~\n"
		"t.stp:1:9: note: '@add' is defined here\n"
		" 1 | @define add(a, b) %( @a + @b %)\n"
		"   |         ^~~\n");
	CHECK_DIAG("@define add(a, b) %( @a + @b %)\nx = @add(1, 2, (3, 4))",
		"t.stp:2:5: error: macro '@add' takes 2 arguments, not 3\n"
		" 2 | x = @add(1, 2, (3, 4))\n"
		"   |     ^~~~~~~~~~~~~~~~~~\n"
		"t.stp:1:9: note: '@add' is defined here\n"
		" 1 | @define add(a, b) %( @a + @b %)\n"
		"   |         ^~~\n");
	CHECK_DIAG("@define neg(a) %( -@a %)\nx = @neg + 1",
		"t.stp:2:5: error: macro '@neg' takes 1 argument, but is used without "
		"an argument list\n"
		" 2 | x = @neg + 1\n"
		"   |     ^~~~\n"
		"t.stp:1:9: note: '@neg' is defined here\n"
		" 1 | @define neg(a) %( -@a %)\n"
		"   |         ^~~\n");
	CHECK_DIAG("@define nop() %( %)\n@nop(1)",
		"t.stp:2:1: error: macro '@nop' takes no arguments, not 1\n"
		" 2 | @nop(1)\n"
		"   | ^~~~~~~\n"
		"t.stp:1:9: note: '@nop' is defined here\n"
		" 1 | @define nop() %( %)\n"
		"   |         ^~~\n");
	CHECK_DIAG("@define id(a) %( @a %)\n@id(1, (2)\n",
		"t.stp:2:1: error: unterminated argument list of macro '@id' (no closing ')')\n"
		" 2 | @id(1, (2)\n"
		"   | ^~~\n");
	CHECK_DIAG("@define id(a) %( @a %)\n%( 1 == 1 %? @id(1 %) x",
		"t.stp:2:14: error: unterminated argument list of macro '@id' (no closing ')')\n"
		" 2 | %( 1 == 1 %? @id(1 %) x\n"
		"   |              ^~~\n");
	CHECK_DIAG("@define id(a) %( @a %)\n@id(` 1)",
		"t.stp:2:5: error: invalid character '`'\n"
		" 2 | @id(` 1)\n"
		"   |     ^\n");
	/* a macro using itself, directly or not, is reported at that use */
	CHECK_DIAG("@define r %( 1 + @r %)\nprobe begin { x = @r }",
		"t.stp:1:18: error: recursive macro: '@r' uses itself\n"
		" 1 | @define r %( 1 + @r %)\n"
		"   |                  ^~\n"
		"t.stp:2:19: note: in expansion of macro '@r'\n"
		" 2 | probe begin { x = @r }\n"
		"   |                   ^~\n");
	CHECK_DIAG("@define a %( @b %)\n@define b %( @c(1) %)\n"
		"@define c(x) %( @a @a @x %)\n@a @a",
		"t.stp:3:17: error: recursive macro: '@a' uses itself through '@b' and '@c'\n"
		" 3 | @define c(x) %( @a @a @x %)\n"
		"   |                 ^~\n"
		"t.stp:2:14: note: in expansion of macro '@c'\n"
		" 2 | @define b %( @c(1) %)\n"
		"   |              ^~~~~\n"
		"t.stp:1:14: note: in expansion of macro '@b'\n"
		" 1 | @define a %( @b %)\n"
		"   |              ^~\n"
		"t.stp:4:1: note: in expansion of macro '@a'\n"
		" 4 | @a @a\n"
		"   | ^~\n");
	/* not recursion: a use in an argument belongs to the caller */
	CHECK_PP("@define f(x) %( [@x] %) @define g %( @f(@f(1)) %) @f(@f(@g))",
	         "[ [ [ [ 1 ] ] ] ]");
	/* nesting deeper than the limit, without recursion */
	StrBuf sb = {0};
	sb_puts(&sb, "@define m0 %( x %)\n");
	for (int i = 1; i <= 70; i++)
		sb_printf(&sb, "@define m%d %%( @m%d %%)\n", i, i - 1);
	sb_puts(&sb, "@m70");
	free(pp(sb.data));
	free(sb.data);
	CU_ASSERT_STRING_EQUAL(diag_text,
		"t.stp:72:1: error: macro expansion too deep, recursive macro?\n"
		" 72 | @m70\n"
		"    | ^~~~\n"
		"t.stp:7:9: note: '@m6' is defined here\n"
		" 7 | @define m6 %( @m5 %)\n"
		"   |         ^~\n");
	/* an exponential expansion stops at the token budget */
	CHECK_DIAG("@define a %( x x x x x x x x %)\n"
		"@define b %( @a @a @a @a @a @a @a @a %)\n"
		"@define c %( @b @b @b @b @b @b @b @b %)\n"
		"@define d %( @c @c @c @c @c @c @c @c %)\n"
		"@define e %( @d @d @d @d @d @d @d @d %)\n"
		"@define f %( @e @e @e @e @e @e @e @e %)\n"
		"@define g %( @f @f @f @f @f @f @f @f %)\n"
		"@define h %( @g @g @g @g @g @g @g @g %)\n"
		"@h @h",
		"t.stp:9:1: error: macro expansion produces too many tokens (more than "
		"1048576), recursive macro?\n"
		" 9 | @h @h\n"
		"   | ^~\n"
		"t.stp:8:9: note: '@h' is defined here\n"
		" 8 | @define h %( @g @g @g @g @g @g @g @g %)\n"
		"   |         ^\n");
}

static void test_errors_in_expansions(void)
{
	CHECK_PARSE_DIAG("@define bad %( 1 + * %)\n"
		"probe begin {\n"
		"\tx = @bad\n"
		"}\n",
		"t.stp:1:20: error: expected an expression before '*'\n"
		" 1 | @define bad %( 1 + * %)\n"
		"   |                    ^\n"
		"t.stp:3:6: note: in expansion of macro '@bad'\n"
		" 3 | \tx = @bad\n"
		"   | \t    ^~~~\n");
	CHECK_PARSE_DIAG("@define inner(v) %( (@v ++ 1) %)\n"
		"@define outer(w) %( @inner(@w) %)\n"
		"probe begin {\n"
		"\tx = @outer(2)\n"
		"}\n",
		/* the operand comes from the argument: located there */
		"t.stp:4:13: error: '++' needs a variable, an array element or a "
		"target variable\n"
		" 4 | \tx = @outer(2)\n"
		"   | \t           ^\n"
		/* the rest is in the body of @inner, expanded from @outer */
		"t.stp:1:28: error: expected ')' before '1'\n"
		" 1 | @define inner(v) %( (@v ++ 1) %)\n"
		"   |                            ^\n"
		"t.stp:2:21: note: in expansion of macro '@inner'\n"
		" 2 | @define outer(w) %( @inner(@w) %)\n"
		"   |                     ^~~~~~~~~~\n"
		"t.stp:4:6: note: in expansion of macro '@outer'\n"
		" 4 | \tx = @outer(2)\n"
		"   | \t    ^~~~~~~~~\n");
	/* errors in an argument point at the argument, no note */
	CHECK_PARSE_DIAG("@define id(a) %( (@a) %)\n"
		"probe begin { x = @id(1 +) }\n",
		"t.stp:1:21: error: expected an expression before ')'\n"
		" 1 | @define id(a) %( (@a) %)\n"
		"   |                     ^\n"
		"t.stp:2:19: note: in expansion of macro '@id'\n"
		" 2 | probe begin { x = @id(1 +) }\n"
		"   |                   ^~~~~~~~\n");
	CHECK_PARSE_DIAG("@define id(a) %( (@a) %)\n"
		"probe begin { x = @id(* 1) }\n",
		"t.stp:2:23: error: expected an expression before '*'\n"
		" 2 | probe begin { x = @id(* 1) }\n"
		"   |                       ^\n"
		/* the token before came out of the body */
		"t.stp:2:19: note: in expansion of macro '@id'\n"
		" 2 | probe begin { x = @id(* 1) }\n"
		"   |                   ^~~~~~~~\n");
	/* an incomplete body: the error is after the expansion */
	CHECK_PARSE_DIAG("@define bad %( 1 + %)\n"
		"probe begin { println(@bad) }\n",
		"t.stp:2:27: error: expected an expression before ')'\n"
		" 2 | probe begin { println(@bad) }\n"
		"   |                           ^\n"
		"t.stp:2:23: note: in expansion of macro '@bad'\n"
		" 2 | probe begin { println(@bad) }\n"
		"   |                       ^~~~\n");
}

static void test_define_errors(void)
{
	CHECK_DIAG("@define %( x %) a",
		"t.stp:1:9: error: expected a macro name after '@define'\n"
		" 1 | @define %( x %) a\n"
		"   |         ^~\n");
	CHECK_DIAG("@define count %( x %) a",
		"t.stp:1:9: error: '@count' is a built-in operator and cannot be defined "
		"as a macro\n"
		" 1 | @define count %( x %) a\n"
		"   |         ^~~~~\n");
	CHECK_DIAG("@define f(a, a) %( @a %) a",
		"t.stp:1:14: error: duplicate parameter 'a' in macro '@f'\n"
		" 1 | @define f(a, a) %( @a %) a\n"
		"   |              ^\n");
	CHECK_DIAG("@define f(a b) %( @a %) a",
		"t.stp:1:13: error: expected ',' or ')' in the parameter list of macro '@f'\n"
		" 1 | @define f(a b) %( @a %) a\n"
		"   |             ^\n");
	CHECK_DIAG("@define f(@a) %( @a %) a",
		"t.stp:1:11: error: expected a parameter name\n"
		" 1 | @define f(@a) %( @a %) a\n"
		"   |           ^~\n");
	CHECK_DIAG("@define f(sum) %( x %) a",
		"t.stp:1:11: error: 'sum' cannot be a parameter name: @sum is a "
		"built-in operator\n"
		" 1 | @define f(sum) %( x %) a\n"
		"   |           ^~~\n");
	CHECK_DIAG("@define f x",
		"t.stp:1:11: error: expected '%(' to start the body of macro '@f'\n"
		" 1 | @define f x\n"
		"   |           ^\n");
	/* without a body, where the definition ends is unclear: the parser gets
	 * an error token, so what follows causes no more errors */
	CHECK_PARSE_DIAG("@define value 1\nprobe begin { println(@value) }\n",
		"t.stp:1:15: error: expected '%(' to start the body of macro '@value'\n"
		" 1 | @define value 1\n"
		"   |               ^\n");
	CHECK_DIAG("@define f %( x\n y",
		"t.stp:1:11: error: unterminated body of macro '@f' ('%(' without '%)')\n"
		" 1 | @define f %( x\n"
		"   |           ^~\n");
	CHECK_DIAG("@define f %( 1 %)\n@define f %( 2 %)",
		"t.stp:2:9: error: macro '@f' is already defined\n"
		" 2 | @define f %( 2 %)\n"
		"   |         ^\n"
		"t.stp:1:9: note: '@f' was first defined here\n"
		" 1 | @define f %( 1 %)\n"
		"   |         ^\n");
	CHECK_DIAG("@define f %( @define g %( 1 %) %)",
		"t.stp:1:14: error: a macro body cannot contain '@define'\n"
		" 1 | @define f %( @define g %( 1 %) %)\n"
		"   |              ^~~~~~~\n");
	CHECK_DIAG("@define f %( ` %)",
		"t.stp:1:14: error: invalid character '`'\n"
		" 1 | @define f %( ` %)\n"
		"   |              ^\n");
	/* a broken macro is known: using it adds no error */
	char *got = pp("@define f %( ` %) a @f b");
	CU_ASSERT_STRING_EQUAL(got, "a <error> b");
	CU_ASSERT_EQUAL(diag_count, 1);
	free(got);
	CHECK_DIAG("@define id(a) %( @a %)\n@id(@define x %( 1 %))",
		"t.stp:2:5: error: '@define' cannot come out of a macro body or argument\n"
		" 2 | @id(@define x %( 1 %))\n"
		"   |     ^~~~~~~\n");
}

/* ---- robustness -------------------------------------------------------------- */

static const char *const fragments[] = {
	"%(", "%?", "%:", "%)", "@define", "@m", "@n", "@p(", "(", ")", ",", "m",
	"n", "p", "kernel_v", ">=", "\"5.0\"", "==", "1", "&&", "||", "arch",
	"\"x86_64\"", "CONFIG_SMP", "\"y\"", "x", "+", "{", "}", "probe", "begin",
	"$1", "@1", "$#", "/*", "\"", "`", "@a", "a", "@count(", "[", "]", "!",
};

/* Random token soups built from preprocessor pieces: errors, never
 * crashes or hangs. */
static void test_random_input(void)
{
	unsigned seed = 12345;
	char *argv[] = { "1", "x + 1", NULL };
	for (int round = 0; round < 3000; round++) {
		StrBuf sb = {0};
		int n = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 40;
		for (int i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			size_t k = (seed >> 16) % (sizeof fragments / sizeof fragments[0]);
			sb_puts(&sb, fragments[k]);
			sb_putc(&sb, (seed >> 8) % 5 ? ' ' : '\n');
		}
		free(pp_args("r.stp", sb.data, 2, argv));
		free(parse_print("r.stp", sb.data));
		free(sb.data);
	}
	CU_PASS("no crash");
}

/* Every prefix of a script full of preprocessor constructs. */
static void test_prefixes(void)
{
	const char *text =
		"@define add(a, b) %( (@a + @b) %)\n"
		"@define k %( %( kernel_v >= \"5.0\" %? new %: old %) %)\n"
		"probe begin {\n"
		"\tx = @add(1, @add(2, 3)) %( arch == \"x86_64\" && $# >= 0 %? + 1 %)\n"
		"\ty = \"@k\" . %( CONFIG_SMP == \"y\" %? \"smp\" %: \"up\" %)\n"
		"}\n";
	size_t len = strlen(text);
	for (size_t i = 0; i <= len; i++) {
		char *prefix = xstrndup(text, i);
		free(pp(prefix));
		free(parse_print("p.stp", prefix));
		free(prefix);
	}
	CHECK_PARSE(text,
		"probe begin {\n"
		"\tx = 1 + (2 + 3) + 1;\n"
		"\ty = \"@k\" . \"smp\";\n"
		"}\n");
}

void register_preprocess_tests(void)
{
	CU_pSuite s = CU_add_suite("preprocess", suite_init, suite_clean);
	CU_add_test(s, "kernel_v and kernel_vr", test_kernel_version);
	CU_add_test(s, "arch, runtime, systemtap_v, privilege, guru_mode",
	            test_arch_runtime_version_privilege);
	CU_add_test(s, "CONFIG_ options", test_config);
	CU_add_test(s, "unreadable kernel config", test_config_unreadable);
	CU_add_test(s, "literals and script arguments", test_literals_and_arguments);
	CU_add_test(s, "&&, || and parentheses", test_and_or_parens);
	CU_add_test(s, "branches and nesting", test_branches_and_nesting);
	CU_add_test(s, "conditionals anywhere", test_anywhere);
	CU_add_test(s, "macros", test_macros);
	CU_add_test(s, "built-in @operators", test_builtins_are_not_macros);
	CU_add_test(s, "locations", test_locations);
	CU_add_test(s, "file scope", test_file_scope);
	CU_add_test(s, "library macros (.stpm)", test_library);
	CU_add_test(s, "library errors", test_library_errors);
	CU_add_test(s, "conditional errors", test_conditional_errors);
	CU_add_test(s, "condition errors", test_condition_errors);
	CU_add_test(s, "macro use errors", test_macro_use_errors);
	CU_add_test(s, "errors in expansions", test_errors_in_expansions);
	CU_add_test(s, "@define errors", test_define_errors);
	CU_add_test(s, "random input", test_random_input);
	CU_add_test(s, "every prefix", test_prefixes);
}
