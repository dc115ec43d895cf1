/*
 * test_lexer.c - unit tests of compiler/lexer.l.
 *
 * The scanner is driven directly (sonde_yylex) over small inputs and each
 * token's kind, value and 1-based line/column span is checked.  Lexical
 * errors come back as LEX_ERROR tokens whose value is the message.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "parser.h"

typedef struct Tok {
	int kind;
	SONDE_YYSTYPE val;
	SONDE_YYLTYPE loc;
} Tok;

int sonde_yylex(SONDE_YYSTYPE *lval, SONDE_YYLTYPE *lloc, yyscan_t scanner);
int sonde_yylex_init_extra(ParseState *extra, yyscan_t *scanner);
struct yy_buffer_state *sonde_yy_scan_string(const char *s, yyscan_t scanner);
int sonde_yylex_destroy(yyscan_t scanner);

#define MAXTOK 64
static Tok toks[MAXTOK];
static int ntoks;
static SrcFile file = { "t.stp", "", false };

/* Scans text (with script arguments argv) into toks[], END included. */
static int lex_args(const char *text, int argc, char **argv)
{
	static Program prog;
	ParseState ps;
	memset(&ps, 0, sizeof ps);
	file.text = text;
	ps.file = &file;
	ps.prog = &prog;
	ps.argc = argc;
	ps.argv = argv;
	ps.line = ps.col = 1;
	ps.prev_end_line = 1;
	ps.prev_end = -1;

	yyscan_t scanner;
	sonde_yylex_init_extra(&ps, &scanner);
	sonde_yy_scan_string(text, scanner);
	ntoks = 0;
	for (;;) {
		Tok *t = &toks[ntoks++];
		memset(t, 0, sizeof *t);
		t->kind = sonde_yylex(&t->val, &t->loc, scanner);
		if (t->kind == END || ntoks == MAXTOK)
			break;
	}
	sonde_yylex_destroy(scanner);
	free(ps.open);
	return ntoks;
}

static int lex(const char *text)
{
	return lex_args(text, 0, NULL);
}

/* Checks token i's kind and span. */
static void check_tok(int i, int kind, int l1, int c1, int l2, int c2)
{
	CU_ASSERT_FATAL(i < ntoks);
	CU_ASSERT_EQUAL(toks[i].kind, kind);
	CU_ASSERT_EQUAL(toks[i].loc.first_line, l1);
	CU_ASSERT_EQUAL(toks[i].loc.first_column, c1);
	CU_ASSERT_EQUAL(toks[i].loc.last_line, l2);
	CU_ASSERT_EQUAL(toks[i].loc.last_column, c2);
}

/* Expects exactly one token, a lexical error with this message. */
static void check_error(const char *text, const char *msg)
{
	lex(text);
	CU_ASSERT_EQUAL_FATAL(toks[0].kind, LEX_ERROR);
	CU_ASSERT_STRING_EQUAL(toks[0].val.str, msg);
}

static void test_tokens_and_locations(void)
{
	CU_ASSERT_EQUAL(lex("probe begin {\n\tx = 42\n}"), 8);
	check_tok(0, PROBE, 1, 1, 1, 5);
	check_tok(1, IDENT, 1, 7, 1, 11);
	CU_ASSERT_STRING_EQUAL(toks[1].val.str, "begin");
	check_tok(2, '{', 1, 13, 1, 13);
	check_tok(3, IDENT, 2, 2, 2, 2);     /* a tab is one column */
	check_tok(4, '=', 2, 4, 2, 4);
	check_tok(5, NUMBER, 2, 6, 2, 7);
	CU_ASSERT_EQUAL(toks[5].val.num, 42);
	check_tok(6, '}', 3, 1, 3, 1);
	check_tok(7, END, 3, 2, 3, 2);       /* just after the last token */
}

static void test_end_location(void)
{
	lex("");
	check_tok(0, END, 1, 1, 1, 1);
	lex("x  \n\n  ");
	check_tok(1, END, 1, 2, 1, 2);
}

static void test_comments(void)
{
	CU_ASSERT_EQUAL(lex("# shell\n// c++\n/* multi\nline **/ x /**/ y"), 3);
	check_tok(0, IDENT, 4, 10, 4, 10);
	check_tok(1, IDENT, 4, 17, 4, 17);
	CU_ASSERT_EQUAL(lex("a # b\nc"), 3);
	check_tok(1, IDENT, 2, 1, 2, 1);
}

static void test_operators(void)
{
	static const int kinds[] = {
		AGG, SHL_ASSIGN, SHR_ASSIGN, SHL, SHR, EQ, NE, LE, GE, ANDAND,
		OROR, INC, DEC, MATCH, NMATCH, ARROW, ADD_ASSIGN, SUB_ASSIGN,
		MUL_ASSIGN, DIV_ASSIGN, MOD_ASSIGN, AND_ASSIGN, XOR_ASSIGN,
		OR_ASSIGN, CAT_ASSIGN, '.', '?', ':', '<', '>', '=', '+', '-',
		'*', '/', '%', '&', '|', '^', '!', '~', ',', ';', '(', ')', '[',
		']', '{', '}',
	};
	int n = (int)(sizeof kinds / sizeof kinds[0]);
	lex("<<< <<= >>= << >> == != <= >= && || ++ -- =~ !~ -> += -= *= /= "
	    "%= &= ^= |= .= . ? : < > = + - * / % & | ^ ! ~ , ; ( ) [ ] { }");
	CU_ASSERT_EQUAL_FATAL(ntoks, n + 1);
	for (int i = 0; i < n; i++)
		CU_ASSERT_EQUAL(toks[i].kind, kinds[i]);
	/* longest match */
	lex("a<<<=b");
	CU_ASSERT_EQUAL(toks[1].kind, AGG);
	CU_ASSERT_EQUAL(toks[2].kind, '=');
	lex("x=~y");
	CU_ASSERT_EQUAL(toks[1].kind, MATCH);
}

static void test_keywords(void)
{
	static const int kinds[] = {
		PROBE, GLOBAL, FUNCTION, PRIVATE, IF, ELSE, WHILE, FOR, FOREACH,
		IN, LIMIT, BREAK, CONTINUE, NEXT, RETURN, DELETE, TRY, CATCH,
		IDENT, IDENT,
	};
	lex("probe global function private if else while for foreach in "
	    "limit break continue next return delete try catch probes _if");
	for (int i = 0; i < (int)(sizeof kinds / sizeof kinds[0]); i++)
		CU_ASSERT_EQUAL(toks[i].kind, kinds[i]);
	CU_ASSERT_STRING_EQUAL(toks[3].val.str, "private");
}

static void test_string_escapes(void)
{
	lex("\"a\\n\\t\\\\\\\"\\101\\x41\\x4a\\q\\r\\7\"");
	CU_ASSERT_EQUAL_FATAL(toks[0].kind, STRING);
	CU_ASSERT_STRING_EQUAL(toks[0].val.str, "a\n\t\\\"AAJq\r\a");
	check_tok(0, STRING, 1, 1, 1, 29);
	lex("\"\"");
	CU_ASSERT_STRING_EQUAL(toks[0].val.str, "");
	/* \1234 is \123 followed by '4'; \x414 is \x41 followed by '4' */
	lex("\"\\1234\\x414\"");
	CU_ASSERT_STRING_EQUAL(toks[0].val.str, "S4A4");
	lex("\"%d\\n\" \"x\"");
	CU_ASSERT_EQUAL(ntoks, 3);
	CU_ASSERT_STRING_EQUAL(toks[1].val.str, "x");
}

static void test_string_errors(void)
{
	check_error("\"abc", "unterminated string literal (no closing '\"' on this line)");
	lex("x = \"abc\ny\"");
	CU_ASSERT_EQUAL(toks[2].kind, LEX_ERROR);
	check_tok(2, LEX_ERROR, 1, 5, 1, 5);  /* the opening quote */
	lex("\"ab\\");
	check_tok(0, LEX_ERROR, 1, 1, 1, 1);
	lex("  \"a\\xg\"");
	CU_ASSERT_STRING_EQUAL(toks[0].val.str, "\\x used with no following hex digits");
	check_tok(0, LEX_ERROR, 1, 5, 1, 6);
	lex("\"\\400\"");
	CU_ASSERT_STRING_EQUAL(toks[0].val.str,
	                       "octal escape sequence out of range (the largest is \\377)");
	check_tok(0, LEX_ERROR, 1, 2, 1, 5);
	check_error("\"a\\0b\"", "a string cannot contain a NUL character");
	check_tok(1, STRING, 1, 1, 1, 6);      /* the whole literal stands in */
	CU_ASSERT_STRING_EQUAL(toks[1].val.str, "");

	/* the next line ends the string: its quote starts none */
	lex("x = \"abc\n de\\\"f\" y");
	CU_ASSERT_EQUAL_FATAL(ntoks, 6);
	check_tok(2, LEX_ERROR, 1, 5, 1, 5);
	check_tok(3, STRING, 1, 5, 1, 8);
	check_tok(4, IDENT, 2, 9, 2, 9);
	/* a next line with strings of its own is no continuation */
	lex("x = \"abc\nf(\"y\")");
	CU_ASSERT_EQUAL_FATAL(ntoks, 9);
	check_tok(4, IDENT, 2, 1, 2, 1);
	check_tok(6, STRING, 2, 3, 2, 5);
	/* the brackets and ';' that end the line are given back */
	lex("f(\"abc) {");
	CU_ASSERT_EQUAL_FATAL(ntoks, 7);
	check_tok(2, LEX_ERROR, 1, 3, 1, 3);
	check_tok(3, STRING, 1, 3, 1, 6);
	check_tok(4, ')', 1, 7, 1, 7);
	check_tok(5, '{', 1, 9, 1, 9);
	lex("%( \"a %)");                       /* '%)' as a whole */
	CU_ASSERT_EQUAL_FATAL(ntoks, 5);
	check_tok(2, STRING, 1, 4, 1, 6);
	check_tok(3, PP_CLOSE, 1, 7, 1, 8);
	lex("\"a) \n\"");                    /* given back before looking ahead */
	CU_ASSERT_EQUAL_FATAL(ntoks, 6);
	check_tok(2, ')', 1, 3, 1, 3);
	check_tok(3, LEX_ERROR, 2, 1, 2, 1);
}

static void test_integers(void)
{
	lex("0 10 017 0x1F 0XfF 9223372036854775807 9223372036854775808 "
	    "18446744073709551615 0xffffffffffffffff 01777777777777777777777");
	CU_ASSERT_EQUAL_FATAL(ntoks, 11);
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(toks[i].kind, NUMBER);
	CU_ASSERT_EQUAL(toks[0].val.num, 0);
	CU_ASSERT_EQUAL(toks[1].val.num, 10);
	CU_ASSERT_EQUAL(toks[2].val.num, 15);
	CU_ASSERT_EQUAL(toks[3].val.num, 31);
	CU_ASSERT_EQUAL(toks[4].val.num, 255);
	CU_ASSERT_EQUAL(toks[5].val.num, INT64_MAX);
	CU_ASSERT_EQUAL(toks[6].val.num, INT64_MIN);   /* wraps like SystemTap */
	CU_ASSERT_EQUAL(toks[7].val.num, -1);
	CU_ASSERT_EQUAL(toks[8].val.num, -1);
	CU_ASSERT_EQUAL(toks[9].val.num, -1);
	check_tok(5, NUMBER, 1, 20, 1, 38);
}

static void test_integer_errors(void)
{
	check_error("18446744073709551616", "integer literal out of range");
	check_error("0x10000000000000000", "integer literal out of range");
	check_error("02000000000000000000000", "integer literal out of range");
	check_error("99999999999999999999999999", "integer literal out of range");
	check_error("09", "invalid digit '9' in octal integer literal '09'");
	check_error("12ab", "invalid digit 'a' in decimal integer literal '12ab'");
	check_error("0x1g", "invalid digit 'g' in hexadecimal integer literal '0x1g'");
	check_error("0x", "invalid integer literal '0x' (no digits after '0x')");
	lex("x = 18446744073709551616;");
	check_tok(2, LEX_ERROR, 1, 5, 1, 24);
	/* the parser reads on as if a number were there */
	check_tok(3, NUMBER, 1, 5, 1, 24);
	CU_ASSERT_EQUAL(toks[3].val.num, 0);
	CU_ASSERT_EQUAL(toks[4].kind, ';');
	lex("0x1g");
	check_tok(0, LEX_ERROR, 1, 1, 1, 4);
	check_tok(1, NUMBER, 1, 1, 1, 4);
	check_tok(2, END, 1, 5, 1, 5);
}

static void test_atwords(void)
{
	lex("@count @sum @min @max @avg @variance @hist_linear @hist_log "
	    "@defined @cast @entry @var");
	static const int ops[] = { ST_COUNT, ST_SUM, ST_MIN, ST_MAX, ST_AVG, ST_VARIANCE };
	for (int i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL(toks[i].kind, AT_STAT);
		CU_ASSERT_EQUAL(toks[i].val.op, ops[i]);
	}
	static const int kinds[] = {
		AT_HIST_LINEAR, AT_HIST_LOG, AT_DEFINED, AT_CAST, AT_ENTRY, AT_VAR,
	};
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(toks[6 + i].kind, kinds[i]);
	/* other @names are macros, for the preprocessor (test_preprocess.c) */
	lex("@frob(x) @define");
	CU_ASSERT_EQUAL(toks[0].kind, AT_NAME);
	CU_ASSERT_STRING_EQUAL(toks[0].val.str, "frob");
	CU_ASSERT_EQUAL(toks[4].kind, PP_DEFINE);
	check_error("@ count", "'@' must be followed by an operator name, as in @count(x)");
}

static void test_targets(void)
{
	lex("$x $x$ $x$$ $$vars $$parms$ $$locals$$ $$return $ $$ $foo_1");
	CU_ASSERT_EQUAL_FATAL(ntoks, 11);
	static const char *const names[] = {
		"x", "x", "x", "$vars", "$parms", "$locals", "$return",
	};
	static const int pretty[] = { 0, 1, 2, 0, 1, 2, 0 };
	for (int i = 0; i < 7; i++) {
		CU_ASSERT_EQUAL(toks[i].kind, TARGET);
		CU_ASSERT_STRING_EQUAL(toks[i].val.tv.name, names[i]);
		CU_ASSERT_EQUAL(toks[i].val.tv.pretty, pretty[i]);
	}
	CU_ASSERT_EQUAL(toks[7].kind, DOLLARS);
	CU_ASSERT_EQUAL(toks[7].val.num, 1);
	CU_ASSERT_EQUAL(toks[8].kind, DOLLARS);
	CU_ASSERT_EQUAL(toks[8].val.num, 2);
	CU_ASSERT_STRING_EQUAL(toks[9].val.tv.name, "foo_1");
	check_tok(3, TARGET, 1, 13, 1, 18);
	check_error("$a$b", "invalid target variable name '$a$b'");
	check_error("$x$$$", "too many '$' in '$x$$$': use $x$ or $x$$ to pretty-print "
	            "a target variable");
}

static void test_member_dot(void)
{
	lex("$p.x a.b a . b \"s\".c a .b a. b");
	static const int kinds[] = {
		TARGET, MEMBER_DOT, IDENT, IDENT, MEMBER_DOT, IDENT, IDENT, '.',
		IDENT, STRING, MEMBER_DOT, IDENT, IDENT, '.', IDENT, IDENT, '.',
		IDENT, END,
	};
	CU_ASSERT_EQUAL_FATAL(ntoks, (int)(sizeof kinds / sizeof kinds[0]));
	for (int i = 0; i < ntoks; i++)
		CU_ASSERT_EQUAL(toks[i].kind, kinds[i]);
}

static void test_script_arguments(void)
{
	char *argv[] = { "42", "5+5", "hello world", "" };
	lex_args("  $1 @1 $# @#", 4, argv);
	CU_ASSERT_EQUAL_FATAL(ntoks, 5);
	check_tok(0, NUMBER, 1, 3, 1, 4);
	CU_ASSERT_EQUAL(toks[0].val.num, 42);
	check_tok(1, STRING, 1, 6, 1, 7);
	CU_ASSERT_STRING_EQUAL(toks[1].val.str, "42");
	CU_ASSERT_EQUAL(toks[2].kind, NUMBER);
	CU_ASSERT_EQUAL(toks[2].val.num, 4);
	CU_ASSERT_EQUAL(toks[3].kind, STRING);
	CU_ASSERT_STRING_EQUAL(toks[3].val.str, "4");

	/* $N pastes the argument's text; its tokens get the $N location */
	lex_args("x = $2;", 4, argv);
	CU_ASSERT_EQUAL_FATAL(ntoks, 7);
	check_tok(2, NUMBER, 1, 5, 1, 6);
	check_tok(3, '+', 1, 5, 1, 6);
	check_tok(4, NUMBER, 1, 5, 1, 6);
	check_tok(5, ';', 1, 7, 1, 7);
	lex_args("$3 $4 @3", 4, argv);
	CU_ASSERT_EQUAL(ntoks, 4);
	CU_ASSERT_EQUAL(toks[0].kind, IDENT);
	CU_ASSERT_EQUAL(toks[1].kind, IDENT);
	CU_ASSERT_STRING_EQUAL(toks[2].val.str, "hello world");

	lex_args("x = $2", 1, argv);
	CU_ASSERT_EQUAL(toks[2].kind, LEX_ERROR);
	CU_ASSERT_STRING_EQUAL(toks[2].val.str,
	                       "command line argument $2 is missing: the script was given 1 argument");
	check_tok(2, LEX_ERROR, 1, 5, 1, 6);
	lex_args("@1", 0, NULL);
	CU_ASSERT_STRING_EQUAL(toks[0].val.str,
	                       "command line argument @1 is missing: the script was given no arguments");
	char *nested[] = { "$1" };
	lex_args("$1", 1, nested);
	CU_ASSERT_STRING_EQUAL(toks[0].val.str, "command line argument $1 cannot be "
	                       "used inside another argument");
}

static void test_embedded(void)
{
	lex("%{ #include <x.h>\n int a = 5 % 3; %% %} x");
	CU_ASSERT_EQUAL_FATAL(ntoks, 3);
	CU_ASSERT_EQUAL(toks[0].kind, EMBEDDED);
	CU_ASSERT_STRING_EQUAL(toks[0].val.str, " #include <x.h>\n int a = 5 % 3; %% ");
	check_tok(0, EMBEDDED, 1, 1, 2, 21);
	check_tok(1, IDENT, 2, 23, 2, 23);
	lex("%{%}");
	CU_ASSERT_STRING_EQUAL(toks[0].val.str, "");
	lex("%{ x %%}");
	CU_ASSERT_STRING_EQUAL(toks[0].val.str, " x %");
	check_error("  %{ never closed\n", "unterminated embedded C code ('%{' without '%}')");
	check_tok(0, LEX_ERROR, 1, 3, 1, 4);
}

static void test_bad_characters(void)
{
	check_error("`", "invalid character '`'");
	check_error("'a'", "invalid character '''; strings are written in double quotes");
	check_tok(0, LEX_ERROR, 1, 1, 1, 3);   /* one error for the whole 'a' */
	check_tok(1, STRING, 1, 1, 1, 3);
	check_error("'a", "invalid character '''; strings are written in double quotes");
	check_tok(0, LEX_ERROR, 1, 1, 1, 1);
	check_tok(1, IDENT, 1, 2, 1, 2);       /* no stand-in for a lone quote */
	check_error("\x01", "invalid character (byte 0x01)");
	check_error("\xc3\xa9t\xc3\xa9", "invalid character '\xc3\xa9' (non-ASCII text is "
	            "only allowed in strings and comments)");
	check_tok(0, LEX_ERROR, 1, 1, 1, 2);
	/* a run of them is one error, at the first character */
	lex("a\xe2\x80\x9c\xc3\xa9" "b");
	CU_ASSERT_EQUAL_FATAL(ntoks, 4);
	check_tok(1, LEX_ERROR, 1, 2, 1, 4);
	CU_ASSERT_STRING_EQUAL(toks[1].val.str, "invalid character '\xe2\x80\x9c' (non-ASCII "
	                       "text is only allowed in strings and comments)");
	check_tok(2, IDENT, 1, 7, 1, 7);
	check_error("\xff\xfe", "invalid character (byte 0xff)");
	check_tok(0, LEX_ERROR, 1, 1, 1, 1);
	check_error("\xc3(", "invalid character (byte 0xc3)");
	lex("/* unterminated\n comment");
	CU_ASSERT_STRING_EQUAL(toks[0].val.str, "unterminated comment ('/*' without '*/')");
	check_tok(0, LEX_ERROR, 1, 1, 1, 2);
	lex("%( %? %: %) % (");
	static const int pp[] = { PP_OPEN, PP_THEN, PP_ELSE, PP_CLOSE, '%', '(' };
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(toks[i].kind, pp[i]);
	/* the scanner goes on after an error */
	lex("a ` b");
	CU_ASSERT_EQUAL(ntoks, 4);
	CU_ASSERT_EQUAL(toks[2].kind, IDENT);
}

void register_lexer_tests(void)
{
	CU_pSuite s = CU_add_suite("lexer", NULL, NULL);
	CU_add_test(s, "tokens and locations", test_tokens_and_locations);
	CU_add_test(s, "end of input location", test_end_location);
	CU_add_test(s, "comments", test_comments);
	CU_add_test(s, "operators", test_operators);
	CU_add_test(s, "keywords", test_keywords);
	CU_add_test(s, "string escapes", test_string_escapes);
	CU_add_test(s, "string errors", test_string_errors);
	CU_add_test(s, "integers", test_integers);
	CU_add_test(s, "integer errors", test_integer_errors);
	CU_add_test(s, "@ operators", test_atwords);
	CU_add_test(s, "target variables", test_targets);
	CU_add_test(s, "member '.' vs concatenation", test_member_dot);
	CU_add_test(s, "script arguments", test_script_arguments);
	CU_add_test(s, "embedded C", test_embedded);
	CU_add_test(s, "bad characters", test_bad_characters);
}
