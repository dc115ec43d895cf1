/*
 * test_parser.c - unit tests of compiler/parser.y and compiler/ast_print.c.
 *
 * Every declaration, statement and expression form is parsed and the
 * resulting nodes (kinds, operators, fields, locations) are checked.
 * Precedence is checked through the printer, which emits only the
 * parentheses precedence requires; printing is checked to be a fixed
 * point (parse -> print -> parse -> print).  Syntax errors are compared
 * as full diagnostic text, caret lines included.  Finally every prefix
 * and many random mutations of a sample script are parsed to show bad
 * input gives errors, never crashes.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "parse.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------- */

static char *diag_text;      /* diagnostics of the last parse */
static int diag_count;       /* errors of the last parse */

static Program *parse_args(const char *text, int argc, char **argv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	diag_set_stream(f);
	diag_reset();
	SrcFile *sf = srcfile_from_text("t.stp", text);
	Program *p = parse_program(sf, argc, argv);
	diag_count = diag_errors();
	fclose(f);
	diag_set_stream(NULL);
	diag_reset();
	free(diag_text);
	diag_text = buf;
	return p;
}

static Program *parse(const char *text)
{
	return parse_args(text, 0, NULL);
}

/* Parses text that must be free of errors. */
static Program *parse_ok(const char *text)
{
	Program *p = parse(text);
	CU_ASSERT_EQUAL(diag_count, 0);
	if (diag_count)
		fprintf(stderr, "\nunexpected errors for <<%s>>:\n%s", text, diag_text);
	return p;
}

/* The statements of `probe begin { <stmts> }`. */
static Stmt *stmts(const char *body)
{
	char *text = xasprintf("probe begin {\n%s\n}\n", body);
	Program *p = parse_ok(text);
	free(text);
	if (!p->probes)
		return NULL;
	return p->probes->body->body;
}

/* The expression of the single expression statement `src`. */
static Expr *expr(const char *src)
{
	Stmt *s = stmts(src);
	if (!s || s->kind != ST_EXPR)
		return NULL;
	return s->expr;
}

static char *print_expr_str(const Expr *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ast_print_expr(f, e);
	fclose(f);
	return buf;
}

static char *print_program_str(const Program *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ast_print_program(f, p);
	fclose(f);
	return buf;
}

static void check_loc(SrcLoc l, int line, int col, int end_line, int end_col)
{
	CU_ASSERT_EQUAL(l.line, line);
	CU_ASSERT_EQUAL(l.col, col);
	CU_ASSERT_EQUAL(l.end_line, end_line);
	CU_ASSERT_EQUAL(l.end_col, end_col);
	if (l.line != line || l.col != col || l.end_line != end_line || l.end_col != end_col)
		fprintf(stderr, "\nloc %d:%d-%d:%d, expected %d:%d-%d:%d\n", l.line,
		        l.col, l.end_line, l.end_col, line, col, end_line, end_col);
}

/* Parses src as an expression statement and checks how it prints. */
static void check_print(const char *src, const char *expected)
{
	Expr *e = expr(src);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	char *got = print_expr_str(e);
	CU_ASSERT_STRING_EQUAL(got, expected);
	if (strcmp(got, expected))
		fprintf(stderr, "\n%s printed as %s, expected %s\n", src, got, expected);
	free(got);
}

/* Parses text and compares the complete diagnostic output. */
static void check_errors(const char *text, const char *expected)
{
	parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(diag_text);
	CU_ASSERT_STRING_EQUAL(diag_text, expected);
	if (strcmp(diag_text, expected))
		fprintf(stderr, "\n--- for <<%s>> got:\n%s--- expected:\n%s", text,
		        diag_text, expected);
}

static int count_exprs(const Expr *e)
{
	int n = 0;
	for (; e; e = e->next)
		n++;
	return n;
}

static int count_stmts(const Stmt *s)
{
	int n = 0;
	for (; s; s = s->next)
		n++;
	return n;
}

/* ---- declarations -------------------------------------------------------- */

static void test_globals(void)
{
	Program *p = parse_ok("global a, b[10], c%, d[5]%, e%[7]\n"
	                      "global f = 5, g = \"s\" \"t\", h = -3\n"
	                      "private global pg\nprivate pv = 1;");
	const char *names[] = { "a", "b", "c", "d", "e", "f", "g", "h", "pg", "pv" };
	Symbol *s = p->globals;
	for (int i = 0; i < 10; i++, s = s->next) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT_STRING_EQUAL(s->name, names[i]);
		CU_ASSERT_EQUAL(s->kind, SYM_GLOBAL);
		CU_ASSERT_EQUAL(s->is_private, i >= 8);
		CU_ASSERT_PTR_EQUAL(s->owner, p->file);
	}
	CU_ASSERT_PTR_NULL(s);
	s = p->globals;
	check_loc(s->loc, 1, 8, 1, 8);
	s = s->next;                                   /* b[10] */
	CU_ASSERT_EQUAL(s->max_entries, 10);
	CU_ASSERT(!s->wrap);
	check_loc(s->loc, 1, 11, 1, 15);
	s = s->next;                                   /* c% */
	CU_ASSERT(s->wrap);
	CU_ASSERT_EQUAL(s->max_entries, 0);
	s = s->next;                                   /* d[5]% */
	CU_ASSERT(s->wrap);
	CU_ASSERT_EQUAL(s->max_entries, 5);
	s = s->next;                                   /* e%[7] */
	CU_ASSERT(s->wrap);
	CU_ASSERT_EQUAL(s->max_entries, 7);
	s = s->next;                                   /* f = 5 */
	CU_ASSERT_EQUAL_FATAL(s->init->kind, EX_NUMBER);
	CU_ASSERT_EQUAL(s->init->num, 5);
	s = s->next;                                   /* g = "s" "t" */
	CU_ASSERT_EQUAL_FATAL(s->init->kind, EX_STRING);
	CU_ASSERT_STRING_EQUAL(s->init->str, "st");
	s = s->next;                                   /* h = -3 */
	CU_ASSERT_EQUAL(s->init->num, -3);
	CU_ASSERT_PTR_NULL(p->globals->init);
}

static void test_functions(void)
{
	Program *p = parse_ok(
		"function f(a, b:long) { return a }\n"
		"function g:string() %{ /* pure */ STAP_RETURN(\"x\"); %}\n"
		"private function h:long (x:string) :3 { }\n");
	Function *f = p->functions;
	CU_ASSERT_STRING_EQUAL(f->name, "f");
	CU_ASSERT_EQUAL(f->nparams, 2);
	CU_ASSERT_EQUAL(f->declared, TY_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(f->params->name, "a");
	CU_ASSERT_EQUAL(f->params->declared, TY_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(f->params->next->name, "b");
	CU_ASSERT_EQUAL(f->params->next->declared, TY_LONG);
	check_loc(f->params->next->loc, 1, 15, 1, 20);
	CU_ASSERT_EQUAL_FATAL(f->body->kind, ST_BLOCK);
	CU_ASSERT_EQUAL(f->body->body->kind, ST_RETURN);
	CU_ASSERT_PTR_NULL(f->embedded);
	CU_ASSERT(!f->is_private);
	check_loc(f->loc, 1, 1, 1, 34);

	Function *g = f->next;
	CU_ASSERT_EQUAL(g->declared, TY_STRING);
	CU_ASSERT_EQUAL(g->nparams, 0);
	CU_ASSERT_PTR_NULL(g->body);
	CU_ASSERT_STRING_EQUAL(g->embedded, " /* pure */ STAP_RETURN(\"x\"); ");

	Function *h = g->next;
	CU_ASSERT(h->is_private);
	CU_ASSERT_EQUAL(h->declared, TY_LONG);
	CU_ASSERT_EQUAL(h->params->declared, TY_STRING);
	CU_ASSERT_EQUAL(h->priority, 3);
	CU_ASSERT_PTR_NULL(h->body->body);
	CU_ASSERT_PTR_NULL(h->next);
}

static void test_probes(void)
{
	Program *p = parse_ok(
		"probe begin, end(-1) { }\n"
		"probe kernel.function(\"sys_*\").return ?, syscall.*, sys*_x.**,\n"
		"      timer.ms(100)! if (on) { }\n"
		"probe process(\"/bin/ls\").statement(0x10).next { }\n");
	Probe *pr = p->probes;
	ProbePoint *pp = pr->points;
	CU_ASSERT_STRING_EQUAL(pp->comps->name, "begin");
	CU_ASSERT_PTR_NULL(pp->comps->arg);
	CU_ASSERT_PTR_NULL(pp->comps->next);
	pp = pp->next;
	CU_ASSERT_STRING_EQUAL(pp->comps->name, "end");
	CU_ASSERT_EQUAL(pp->comps->arg->kind, EX_NUMBER);
	CU_ASSERT_EQUAL(pp->comps->arg->num, -1);
	CU_ASSERT_EQUAL_FATAL(pr->body->kind, ST_BLOCK);
	check_loc(pr->loc, 1, 1, 1, 24);

	pr = pr->next;
	pp = pr->points;
	ProbePointComp *c = pp->comps;
	CU_ASSERT_STRING_EQUAL(c->name, "kernel");
	c = c->next;
	CU_ASSERT_STRING_EQUAL(c->name, "function");
	CU_ASSERT_EQUAL(c->arg->kind, EX_STRING);
	CU_ASSERT_STRING_EQUAL(c->arg->str, "sys_*");
	check_loc(c->loc, 2, 14, 2, 30);
	CU_ASSERT_STRING_EQUAL(c->next->name, "return");
	CU_ASSERT(pp->optional);
	CU_ASSERT(!pp->sufficient);
	check_loc(pp->loc, 2, 7, 2, 39);
	pp = pp->next;
	CU_ASSERT_STRING_EQUAL(pp->comps->next->name, "*");
	pp = pp->next;
	CU_ASSERT_STRING_EQUAL(pp->comps->name, "sys*_x");
	CU_ASSERT_STRING_EQUAL(pp->comps->next->name, "**");
	pp = pp->next;
	CU_ASSERT(pp->sufficient);
	CU_ASSERT(!pp->optional);
	CU_ASSERT_EQUAL_FATAL(pp->cond->kind, EX_IDENT);
	CU_ASSERT_STRING_EQUAL(pp->cond->name, "on");
	CU_ASSERT_PTR_NULL(pp->next);

	pp = pr->next->points;
	CU_ASSERT_EQUAL(pp->comps->next->arg->num, 16);
	CU_ASSERT_STRING_EQUAL(pp->comps->next->next->name, "next");
}

static void test_brace_expansion(void)
{
	Program *p = parse_ok("probe syscall.{read,write}, {kernel,module(\"nfs\")}"
	                      ".function(\"nfs*\")! if (x) { }\n"
	                      "probe a.{b,{c,d}.e}.f { }\n");
	char *out = print_program_str(p);
	CU_ASSERT_STRING_EQUAL(out,
		"probe syscall.read, syscall.write, kernel.function(\"nfs*\")! if (x), "
		"module(\"nfs\").function(\"nfs*\")! if (x) {\n}\n"
		"\n"
		"probe a.b.f, a.c.e.f, a.d.e.f {\n}\n");
	free(out);
	ProbePoint *pp = p->probes->points->next->next;
	CU_ASSERT(pp->sufficient && pp->next->sufficient);
	/* each expansion has its own copy of the condition */
	CU_ASSERT_PTR_NOT_NULL(pp->cond);
	CU_ASSERT_PTR_NOT_EQUAL(pp->cond, pp->next->cond);
	CU_ASSERT_STRING_EQUAL(pp->next->cond->name, "x");
	check_errors("probe a.{} {}",
		"t.stp:1:10: error: expected a probe point name before '}'\n"
		" 1 | probe a.{} {}\n"
		"   |          ^\n");
}

static void test_aliases_and_embedded(void)
{
	Program *p = parse_ok(
		"%{ #include <linux/sched.h> %}\n"
		"probe syscall.read = kernel.function(\"sys_read\"), x.y { fd = $fd }\n"
		"probe a.b, c += d { print(1) }\n");
	CU_ASSERT_PTR_NULL(p->probes);
	CU_ASSERT_STRING_EQUAL(p->embedded->code, " #include <linux/sched.h> ");
	check_loc(p->embedded->loc, 1, 1, 1, 30);
	ProbeAlias *a = p->aliases;
	CU_ASSERT(!a->epilogue);
	CU_ASSERT_STRING_EQUAL(a->names->comps->name, "syscall");
	CU_ASSERT_STRING_EQUAL(a->names->comps->next->name, "read");
	CU_ASSERT_STRING_EQUAL(a->points->next->comps->name, "x");
	CU_ASSERT_EQUAL(a->body->body->kind, ST_EXPR);
	a = a->next;
	CU_ASSERT(a->epilogue);
	CU_ASSERT_STRING_EQUAL(a->names->next->comps->name, "c");
	CU_ASSERT_STRING_EQUAL(a->points->comps->name, "d");
}

/* ---- statements ---------------------------------------------------------- */

static void test_simple_statements(void)
{
	Stmt *s = stmts("{ x = 1 } ; ;; break continue next return return 5 "
	                "delete a delete a[1, 2] %{ c_code(); %}");
	StmtKind kinds[] = {
		ST_BLOCK, ST_NULL, ST_NULL, ST_NULL, ST_BREAK, ST_CONTINUE, ST_NEXT,
		ST_RETURN, ST_RETURN, ST_DELETE, ST_DELETE, ST_EMBEDDED,
	};
	int n = (int)(sizeof kinds / sizeof kinds[0]);
	CU_ASSERT_EQUAL_FATAL(count_stmts(s), n);
	for (int i = 0; i < n; i++, s = s->next) {
		CU_ASSERT_EQUAL(s->kind, kinds[i]);
		if (s->kind == ST_RETURN && s->expr)
			CU_ASSERT_EQUAL(s->expr->num, 5);
		if (s->kind == ST_DELETE)
			CU_ASSERT(s->expr->kind == EX_IDENT || s->expr->kind == EX_INDEX);
		if (s->kind == ST_EMBEDDED)
			CU_ASSERT_STRING_EQUAL(s->code, " c_code(); ");
	}
	s = stmts("return\n}\nprobe end {");      /* bare return before '}' */
	CU_ASSERT_EQUAL(s->kind, ST_RETURN);
	CU_ASSERT_PTR_NULL(s->expr);
}

static void test_if_while_for(void)
{
	Stmt *s = stmts("if (a) b = 1 else if (c) d() else { e }\n"
	                "while (i < 3) i++\n"
	                "for (i = 0; i < 3; i++) ;\n"
	                "for (;;) break\n"
	                "if (x) if (y) p() else q()");
	CU_ASSERT_EQUAL_FATAL(s->kind, ST_IF);
	CU_ASSERT_EQUAL(s->cond->kind, EX_IDENT);
	CU_ASSERT_EQUAL(s->then->kind, ST_EXPR);
	CU_ASSERT_EQUAL_FATAL(s->els->kind, ST_IF);
	CU_ASSERT_EQUAL(s->els->els->kind, ST_BLOCK);
	check_loc(s->loc, 2, 1, 2, 39);
	s = s->next;
	CU_ASSERT_EQUAL(s->kind, ST_WHILE);
	CU_ASSERT_EQUAL(s->cond->op, '<');
	CU_ASSERT_EQUAL(s->body->expr->kind, EX_INCDEC);
	s = s->next;
	CU_ASSERT_EQUAL(s->kind, ST_FOR);
	CU_ASSERT_EQUAL(s->init->kind, EX_ASSIGN);
	CU_ASSERT_EQUAL(s->cond->kind, EX_BINARY);
	CU_ASSERT_EQUAL(s->step->kind, EX_INCDEC);
	CU_ASSERT_EQUAL(s->body->kind, ST_NULL);
	s = s->next;
	CU_ASSERT_PTR_NULL(s->init);
	CU_ASSERT_PTR_NULL(s->cond);
	CU_ASSERT_PTR_NULL(s->step);
	CU_ASSERT_EQUAL(s->body->kind, ST_BREAK);
	s = s->next;                       /* else binds to the nearest if */
	CU_ASSERT_PTR_NULL(s->els);
	CU_ASSERT_PTR_NOT_NULL(s->then->els);
}

static void test_foreach(void)
{
	Stmt *s = stmts("foreach (k in a) f()\n"
	                "foreach ([x, y-] in b limit 10) f()\n"
	                "foreach (v = [x, y] in b+) f()\n"
	                "foreach (v- = k in c) f()\n"
	                "foreach (k+ in a) f()\n"
	                "foreach (b in @hist_log(s)) f()\n");
	CU_ASSERT_EQUAL_FATAL(s->kind, ST_FOREACH);
	CU_ASSERT_STRING_EQUAL(s->keys->name, "k");
	CU_ASSERT_PTR_NULL(s->keys->next);
	CU_ASSERT_PTR_NULL(s->value);
	CU_ASSERT_STRING_EQUAL(s->array->name, "a");
	CU_ASSERT_EQUAL(s->sort_key, 0);
	CU_ASSERT_PTR_NULL(s->limit);
	s = s->next;
	CU_ASSERT_STRING_EQUAL(s->keys->next->name, "y");
	CU_ASSERT_EQUAL(s->sort_key, 2);
	CU_ASSERT_EQUAL(s->sort_dir, -1);
	CU_ASSERT_EQUAL(s->limit->num, 10);
	s = s->next;
	CU_ASSERT_STRING_EQUAL(s->value->name, "v");
	CU_ASSERT_EQUAL(s->sort_key, -1);
	CU_ASSERT_EQUAL(s->sort_dir, 1);
	s = s->next;
	CU_ASSERT_STRING_EQUAL(s->value->name, "v");
	CU_ASSERT_STRING_EQUAL(s->keys->name, "k");
	CU_ASSERT_EQUAL(s->sort_key, -1);
	CU_ASSERT_EQUAL(s->sort_dir, -1);
	s = s->next;
	CU_ASSERT_EQUAL(s->sort_key, 1);
	CU_ASSERT_EQUAL(s->sort_dir, 1);
	s = s->next;
	CU_ASSERT_EQUAL(s->array->kind, EX_HIST);
	CU_ASSERT_EQUAL(s->array->hist, HIST_LOG);

	/* bracketed keys may come first: the same loop, sort marks included */
	static const char *const same[][2] = {
		{ "foreach (v = [x, y] in b) f()", "foreach ([x, y] = v in b) f()" },
		{ "foreach (v+ = [x, y] in b) f()", "foreach ([x, y] = v+ in b) f()" },
		{ "foreach (v = [x, y-] in b) f()", "foreach ([x, y-] = v in b) f()" },
		{ "foreach (v = [x] in b-) f()", "foreach ([x] = v in b-) f()" },
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		Stmt *a = stmts(same[i][0]), *b = stmts(same[i][1]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		CU_ASSERT_EQUAL_FATAL(b->kind, ST_FOREACH);
		CU_ASSERT_STRING_EQUAL(b->value->name, a->value->name);
		CU_ASSERT_STRING_EQUAL(b->keys->name, a->keys->name);
		CU_ASSERT_EQUAL(count_exprs(b->keys), count_exprs(a->keys));
		CU_ASSERT_EQUAL(b->sort_key, a->sort_key);
		CU_ASSERT_EQUAL(b->sort_dir, a->sort_dir);
	}
	check_errors("probe begin { foreach ([x-] = v+ in b) f() }",
		"t.stp:1:32: error: only one sort mark ('+' or '-') is allowed in a foreach\n"
		" 1 | probe begin { foreach ([x-] = v+ in b) f() }\n"
		"   |                                ^\n"
		"t.stp:1:26: note: the first sort mark is here\n"
		" 1 | probe begin { foreach ([x-] = v+ in b) f() }\n"
		"   |                          ^\n");
}

static void test_try_catch(void)
{
	Stmt *s = stmts("try { error(\"x\") } catch (msg) { print(msg) }\n"
	                "try { } catch { }");
	CU_ASSERT_EQUAL_FATAL(s->kind, ST_TRY);
	CU_ASSERT_EQUAL(s->body->kind, ST_BLOCK);
	CU_ASSERT_EQUAL(s->body->body->expr->kind, EX_CALL);
	CU_ASSERT_STRING_EQUAL(s->catch_var->name, "msg");
	check_loc(s->catch_var->loc, 2, 27, 2, 29);
	CU_ASSERT_EQUAL(s->handler->kind, ST_BLOCK);
	s = s->next;
	CU_ASSERT_PTR_NULL(s->catch_var);
	CU_ASSERT_PTR_NULL(s->body->body);
}

/* Semicolons are optional: the longest expression wins, as in SystemTap. */
static void test_optional_semicolons(void)
{
	Stmt *s = stmts("x = 1 y = 2; z = 3");
	CU_ASSERT_EQUAL(count_stmts(s), 3);
	s = stmts("a = b -c");
	CU_ASSERT_EQUAL_FATAL(count_stmts(s), 1);
	CU_ASSERT_EQUAL(s->expr->rhs->op, '-');
	s = stmts("a = b; -c");
	CU_ASSERT_EQUAL(count_stmts(s), 2);
	s = stmts("f (x)");
	CU_ASSERT_EQUAL(s->expr->kind, EX_CALL);
	s = stmts("x = a\n[1] in b");
	CU_ASSERT_EQUAL(count_stmts(s), 1);       /* a[1] in b */
	s = stmts("x = \"a\"\n\"b\"");
	CU_ASSERT_STRING_EQUAL(s->expr->rhs->str, "ab");
	s = stmts("x++ ++y");
	CU_ASSERT_EQUAL(count_stmts(s), 2);
	s = stmts("return x");
	CU_ASSERT_PTR_NOT_NULL(s->expr);
	s = stmts("return; x");
	CU_ASSERT_EQUAL(count_stmts(s), 2);
	CU_ASSERT_PTR_NULL(s->expr);
}

/* ---- expressions ----------------------------------------------------------- */

static void test_assignments(void)
{
	static const struct { const char *src; int op; } cases[] = {
		{ "x = 1", '=' }, { "x += 1", '+' }, { "x -= 1", '-' },
		{ "x *= 1", '*' }, { "x /= 1", '/' }, { "x %= 1", '%' },
		{ "x <<= 1", OP_SHL }, { "x >>= 1", OP_SHR }, { "x &= 1", '&' },
		{ "x ^= 1", '^' }, { "x |= 1", '|' }, { "x .= \"s\"", '.' },
		{ "x <<< 1", OP_AGG }, { "a[1] = 2", '=' }, { "$p->x = 1", '=' },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		Expr *e = expr(cases[i].src);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->kind, EX_ASSIGN);
		CU_ASSERT_EQUAL(e->op, cases[i].op);
	}
	Expr *e = expr("a = b = c");
	CU_ASSERT_EQUAL(e->rhs->kind, EX_ASSIGN);    /* right associative */
}

static void test_operators(void)
{
	static const struct { const char *src; ExprKind kind; int op; } cases[] = {
		{ "a || b", EX_BINARY, OP_OR }, { "a && b", EX_BINARY, OP_AND },
		{ "a | b", EX_BINARY, '|' }, { "a ^ b", EX_BINARY, '^' },
		{ "a & b", EX_BINARY, '&' }, { "a == b", EX_BINARY, OP_EQ },
		{ "a != b", EX_BINARY, OP_NE }, { "a < b", EX_BINARY, '<' },
		{ "a > b", EX_BINARY, '>' }, { "a <= b", EX_BINARY, OP_LE },
		{ "a >= b", EX_BINARY, OP_GE }, { "a << b", EX_BINARY, OP_SHL },
		{ "a >> b", EX_BINARY, OP_SHR }, { "a . b", EX_BINARY, '.' },
		{ "a.b", EX_BINARY, '.' }, { "a + b", EX_BINARY, '+' },
		{ "a - b", EX_BINARY, '-' }, { "a * b", EX_BINARY, '*' },
		{ "a / b", EX_BINARY, '/' }, { "a % b", EX_BINARY, '%' },
		{ "a =~ \"x\"", EX_REGEX, OP_MATCH }, { "a !~ \"x\"", EX_REGEX, OP_NMATCH },
		{ "-a", EX_UNARY, '-' }, { "+a", EX_UNARY, '+' }, { "!a", EX_UNARY, '!' },
		{ "~a", EX_UNARY, '~' }, { "&$a", EX_UNARY, '&' },
		{ "a++", EX_INCDEC, OP_INC }, { "a--", EX_INCDEC, OP_DEC },
		{ "++a", EX_INCDEC, OP_INC }, { "--a[1]", EX_INCDEC, OP_DEC },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		Expr *e = expr(cases[i].src);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->kind, cases[i].kind);
		CU_ASSERT_EQUAL(e->op, cases[i].op);
		if (e->kind == EX_BINARY || e->kind == EX_REGEX)
			CU_ASSERT_PTR_NOT_NULL(e->rhs);
		CU_ASSERT_PTR_NOT_NULL(e->lhs);
	}
	CU_ASSERT(expr("a++")->postfix);
	CU_ASSERT(!expr("++a")->postfix);
	Expr *e = expr("c ? t : f");
	CU_ASSERT_EQUAL(e->kind, EX_TERNARY);
	CU_ASSERT_STRING_EQUAL(e->cond->name, "c");
	CU_ASSERT_STRING_EQUAL(e->lhs->name, "t");
	CU_ASSERT_STRING_EQUAL(e->rhs->name, "f");
}

static void test_primaries(void)
{
	Expr *e = expr("42");
	CU_ASSERT_EQUAL(e->kind, EX_NUMBER);
	e = expr("\"a\" \"b\"\n\"c\"");
	CU_ASSERT_EQUAL(e->kind, EX_STRING);
	CU_ASSERT_STRING_EQUAL(e->str, "abc");
	check_loc(e->loc, 2, 1, 3, 3);
	e = expr("a[1, \"x\"]");
	CU_ASSERT_EQUAL(e->kind, EX_INDEX);
	CU_ASSERT_STRING_EQUAL(e->name, "a");
	CU_ASSERT_EQUAL(e->args->next->kind, EX_STRING);
	e = expr("f()");
	CU_ASSERT_EQUAL(e->kind, EX_CALL);
	CU_ASSERT_PTR_NULL(e->args);
	e = expr("printf(\"%d\", 1, x)");
	CU_ASSERT_EQUAL(e->args->next->next->kind, EX_IDENT);
	e = expr("k in a");
	CU_ASSERT_EQUAL(e->kind, EX_IN);
	CU_ASSERT_STRING_EQUAL(e->name, "a");
	CU_ASSERT_PTR_NULL(e->args->next);
	e = expr("[k, 2] in a");
	CU_ASSERT_EQUAL(e->kind, EX_IN);
	CU_ASSERT_EQUAL(e->args->next->num, 2);
	e = expr("%{ jiffies %}");
	CU_ASSERT_PTR_NULL(e);                  /* a statement on its own */
	e = expr("x = %{ jiffies %}");
	CU_ASSERT_EQUAL(e->rhs->kind, EX_EMBEDDED);
	CU_ASSERT_STRING_EQUAL(e->rhs->str, " jiffies ");
	e = expr("(((x)))");
	CU_ASSERT_EQUAL(e->kind, EX_IDENT);
}

static void test_stat_operators(void)
{
	static const char *const names[] = {
		"@count", "@sum", "@min", "@max", "@avg", "@variance",
	};
	for (int i = 0; i < 6; i++) {
		char *src = xasprintf("%s(s[1])", names[i]);
		Expr *e = expr(src);
		free(src);
		CU_ASSERT_EQUAL(e->kind, EX_STATOP);
		CU_ASSERT_EQUAL(e->statop, (StatOp)i);
		CU_ASSERT_EQUAL(e->lhs->kind, EX_INDEX);
	}
	Expr *e = expr("print(@hist_linear(s, 0, 100, 10))");
	e = e->args;
	CU_ASSERT_EQUAL(e->kind, EX_HIST);
	CU_ASSERT_EQUAL(e->hist, HIST_LINEAR);
	CU_ASSERT_STRING_EQUAL(e->lhs->name, "s");
	CU_ASSERT_PTR_NULL(e->lhs->next);
	CU_ASSERT_EQUAL(e->args->num, 0);
	CU_ASSERT_EQUAL(e->args->next->num, 100);
	CU_ASSERT_EQUAL(e->args->next->next->num, 10);
	e = expr("@hist_log(s)");
	CU_ASSERT_EQUAL(e->hist, HIST_LOG);
	CU_ASSERT_PTR_NULL(e->rhs);
	e = expr("@hist_log(s)[b + 1]");   /* one bucket's count */
	CU_ASSERT_EQUAL_FATAL(e->kind, EX_HIST);
	CU_ASSERT_PTR_NOT_NULL(e->rhs);
	check_print("@hist_linear(a[k], 0, 10, 2)[3]", "@hist_linear(a[k], 0, 10, 2)[3]");
	CU_ASSERT_PTR_NULL(e->args);
}

static void test_target_variables(void)
{
	Expr *e = expr("$task->mm[2].pgd->next");
	CU_ASSERT_EQUAL(e->kind, EX_TARGET);
	CU_ASSERT_STRING_EQUAL(e->name, "task");
	CU_ASSERT_EQUAL(e->pretty, 0);
	TargetComp *c = e->chain;
	CU_ASSERT_EQUAL(c->kind, TC_MEMBER);
	CU_ASSERT_STRING_EQUAL(c->member, "mm");
	CU_ASSERT(c->arrow);
	check_loc(c->loc, 2, 6, 2, 9);
	c = c->next;
	CU_ASSERT_EQUAL(c->kind, TC_INDEX);
	CU_ASSERT_EQUAL(c->index->num, 2);
	check_loc(c->loc, 2, 10, 2, 12);
	c = c->next;
	CU_ASSERT_STRING_EQUAL(c->member, "pgd");
	CU_ASSERT(!c->arrow);
	c = c->next;
	CU_ASSERT_STRING_EQUAL(c->member, "next");   /* a keyword as member */
	CU_ASSERT_PTR_NULL(c->next);

	e = expr("$x$");
	CU_ASSERT_EQUAL(e->pretty, 1);
	CU_ASSERT_PTR_NULL(e->chain);
	e = expr("$x->y$$");
	CU_ASSERT_EQUAL(e->pretty, 2);
	CU_ASSERT_STRING_EQUAL(e->chain->member, "y");
	e = expr("$x->$");
	CU_ASSERT_EQUAL(e->pretty, 1);
	CU_ASSERT_PTR_NULL(e->chain);
	e = expr("$x[1] $$");
	CU_ASSERT_EQUAL(e->pretty, 2);
	CU_ASSERT_EQUAL(e->chain->kind, TC_INDEX);
	e = expr("$$parms$");
	CU_ASSERT_STRING_EQUAL(e->name, "$parms");
	CU_ASSERT_EQUAL(e->pretty, 1);
	e = expr("$x . \"s\"");
	CU_ASSERT_EQUAL(e->kind, EX_BINARY);          /* concatenation */

	e = expr("@cast(p, \"task_struct\", \"kernel\")->pid");
	CU_ASSERT_EQUAL(e->kind, EX_CAST);
	CU_ASSERT_STRING_EQUAL(e->lhs->name, "p");
	CU_ASSERT_STRING_EQUAL(e->str, "task_struct");
	CU_ASSERT_STRING_EQUAL(e->module, "kernel");
	CU_ASSERT_STRING_EQUAL(e->chain->member, "pid");
	e = expr("@cast(p, \"x\")$");
	CU_ASSERT_PTR_NULL(e->module);
	CU_ASSERT_EQUAL(e->pretty, 1);
	e = expr("@var(\"jiffies@kernel/time.c\")");
	CU_ASSERT_EQUAL(e->kind, EX_ATVAR);
	CU_ASSERT_STRING_EQUAL(e->str, "jiffies@kernel/time.c");
	e = expr("@var(\"x\", \"mod\")->y[0]");
	CU_ASSERT_STRING_EQUAL(e->module, "mod");
	CU_ASSERT_EQUAL(e->chain->next->kind, TC_INDEX);
	e = expr("@defined($x->y)");
	CU_ASSERT_EQUAL(e->kind, EX_DEFINED);
	CU_ASSERT_EQUAL(e->lhs->kind, EX_TARGET);
	e = expr("@entry($x + 1)");
	CU_ASSERT_EQUAL(e->kind, EX_ENTRY);
	CU_ASSERT_EQUAL(e->lhs->kind, EX_BINARY);
}

static void test_locations(void)
{
	Expr *e = expr("total = a + b[i] * 2");
	check_loc(e->loc, 2, 1, 2, 20);
	check_loc(e->lhs->loc, 2, 1, 2, 5);
	check_loc(e->rhs->loc, 2, 9, 2, 20);
	check_loc(e->rhs->rhs->loc, 2, 13, 2, 20);
	check_loc(e->rhs->rhs->lhs->loc, 2, 13, 2, 16);
	check_loc(e->rhs->rhs->lhs->args->loc, 2, 15, 2, 15);
	Stmt *s = stmts("\tx = f(1,\n\t      2);\n\treturn 5");
	check_loc(s->loc, 2, 2, 3, 9);     /* the ';' is not part of it */
	check_loc(s->expr->rhs->loc, 2, 6, 3, 9);
	check_loc(s->next->loc, 4, 2, 4, 9);
	CU_ASSERT_PTR_NOT_NULL(s->loc.file);
	CU_ASSERT_STRING_EQUAL(s->loc.file->name, "t.stp");
}

static void test_script_arguments(void)
{
	char *argv[] = { "5+5", "str", "kernel.function(\"f\")" };
	Program *p = parse_args("probe $3 { x = $1 * 2 y = @2 . @# z = $# }", 3, argv);
	CU_ASSERT_EQUAL(diag_count, 0);
	CU_ASSERT_STRING_EQUAL(p->probes->points->comps->name, "kernel");
	char *out = print_program_str(p);
	CU_ASSERT_STRING_EQUAL(out, "probe kernel.function(\"f\") {\n"
	                       "\tx = 5 + 5 * 2;\n"
	                       "\ty = \"str\" . \"3\";\n"
	                       "\tz = 3;\n"
	                       "}\n");
	free(out);
}

/* ---- printing ------------------------------------------------------------- */

static void test_precedence(void)
{
	static const char *const same[] = {
		"a + b * c", "(a + b) * c", "a - (b - c)", "a - b - c", "a * (b + c) % d",
		"a = b = c", "a ? b : c ? d : e", "(a ? b : c) ? d : e",
		"x = a ? b : c", "a || b && c", "(a || b) && c", "!a && b", "!(a && b)",
		"-a * b", "-(a * b)", "a & b == c", "(a & b) == c", "a | b ^ c & d",
		"a << b + c", "(a << b) + c", "a . b + c", "(a . b) + c", "a + b . c",
		"a . b . c", "k in a && b", "a == b in c", "[k, j] in a",
		"x = k in a", "(x = k) in a", "- -a", "- --a", "+ +a", "-a++", "a < b == c",
		"a =~ \"x\" && b !~ \"y\"", "f(a, b + c)", "s <<< a + b",
		"x = y <<< 1", "a ? b = 1 : c", "a ? b : (c = 1)", "x = -1",
		"x = $p->a[i + 1]->b", "&@cast(p, \"t\")->f", "@count(s) + @sum(s[1])",
		"a % b * c / d", "~a | -b", "! ~a", "!!a", "~~a", "-~a", "a++ + ++b", "a-- - --b", "a >> b >> c",
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		check_print(same[i], same[i]);
	static const char *const changed[][2] = {
		{ "(a * b) + c", "a * b + c" }, { "((a))", "a" },
		{ "a = (b = c)", "a = b = c" }, { "(a + b) + c", "a + b + c" },
		{ "a ? b : (c ? d : e)", "a ? b : c ? d : e" },
		{ "[k] in a", "k in a" }, { "(a == b) in c", "a == b in c" },
		{ "x = (k in a)", "x = k in a" }, { "(-1)", "-1" }, { "-(-1)", "- -1" },
		{ "x=0xff", "x = 255" }, { "x = 0xffffffffffffffff", "x = -1" },
		{ "x = 9223372036854775808", "x = 0x8000000000000000" },
		{ "a.b", "a . b" }, { "\"x\" \"y\"", "\"xy\"" },
		{ "s = \"tab\\there\\\\ \\\"q\\\" \\001\"",
		  "s = \"tab\\there\\\\ \\\"q\\\" \\001\"" },
		{ "x=$p.f", "x = $p.f" },
	};
	for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++)
		check_print(changed[i][0], changed[i][1]);
}

static const char sample[] =
	"#! /usr/bin/env stap\n"
	"/* sample exercising the whole language */\n"
	"%{ #include <linux/sched.h> %}\n"
	"global counts[1000], total = 0, label = \"x\", ring%[16]\n"
	"private global secret\n"
	"\n"
	"function add:long(a:long, b) { return a + b * 2 }\n"
	"function peek:long (addr:long) %{ /* pure */ STAP_RETURN(0); %}\n"
	"private function name:string () { return \"n\" . label }\n"
	"\n"
	"probe my.alias = kernel.function(\"do_sys_open\") { fn = $filename }\n"
	"probe my.alias.ret += kernel.function(\"do_sys_open\").return { x = 1 }\n"
	"\n"
	"probe begin, timer.ms(100)?, kernel.{function(\"vfs_*\"),statement(\"*@x.c\")}.return! if (total > 0) {\n"
	"\tprintf(\"start %d %s\\n\", total, label)   // comment\n"
	"\tx = 1 y = 2; z = x - -y\n"
	"\tif (x > 1 && !(y < 2) || z) print(1) else if (z) print(2) else { print(3) }\n"
	"\tif (a) if (b) c() else d()\n"
	"\tif (a) { if (b) c() } else d()\n"
	"\twhile (i < 10) { i++; if (i == 5) continue; if (i == 8) break }\n"
	"\tfor (i = 0; i < 10; i += 2) counts[i] <<< i\n"
	"\tfor (;;) break\n"
	"\tforeach ([k, v-] in counts limit 5) printf(\"%d\\n\", k)\n"
	"\tforeach (val = [k, v] in counts+) total += val\n"
	"\tforeach (b in @hist_log(lat)) n++\n"
	"\tdelete counts[1]; delete counts\n"
	"\ttry { error(\"boom\") } catch (msg) { println(msg) }\n"
	"\ttry { x = 1 / 0 } catch { }\n"
	"\ts = \"a\" . \"b\" \"c\" . sprint(x); s .= \"\\t\\\"q\\\"\"\n"
	"\tlat <<< gettimeofday_ns() - t0\n"
	"\tprint(@count(lat), @sum(lat), @min(lat), @max(lat), @avg(lat))\n"
	"\tprint(@hist_linear(lat, 0, 1000, 100), @hist_log(lat))\n"
	"\tif ([1, \"x\"] in map || k in counts) next\n"
	"\tp = $task->mm->pgd[0].x  q = $var$ r = $var->f$$ w = $$parms$\n"
	"\tu = @cast(p, \"task_struct\", \"kernel\")->pid  v = @var(\"jiffies\")->x\n"
	"\td = @defined($y->z) ? @entry($y) : -1\n"
	"\tm = s =~ \"^a.*\" ? 1 : s !~ \"b\" ? 2 : 3\n"
	"\tbits = (a & 0xff) << 8 | b ^ ~c >> 2 % 3\n"
	"\tx = %{ jiffies %} + 1\n"
	"\t%{ /* statement */ %}\n"
	"\t;\n"
	"\treturn\n"
	"}\n"
	"\n"
	"probe end { printf(\"%d\\n\", add(1, 2)); exit() }\n";

static void test_round_trip(void)
{
	Program *p = parse_ok(sample);
	char *once = print_program_str(p);
	Program *q = parse_ok(once);
	char *twice = print_program_str(q);
	CU_ASSERT_STRING_EQUAL(once, twice);
	if (strcmp(once, twice))
		fprintf(stderr, "\n--- once:\n%s--- twice:\n%s", once, twice);
	/* spot checks of the canonical layout */
	CU_ASSERT_PTR_NOT_NULL(strstr(once, "global ring[16]%\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(once, "\tif (a) {\n\t\tif (b)\n\t\t\tc();\n\t} else\n\t\td();\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(once, "\tif (a)\n\t\tif (b)\n\t\t\tc();\n\t\telse\n\t\t\td();\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(once, "\tz = x - -y;\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(once, "\tbits = (a & 0xff) << 8 | b ^ ~c >> 2 % 3;\n") == NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(once, "\tbits = (a & 255) << 8 | b ^ ~c >> 2 % 3;\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(once, "probe my.alias.ret += kernel.function(\"do_sys_open\").return {\n"));
	free(once);
	free(twice);
}

static void test_print_layout(void)
{
	Program *p = parse_ok("function f(x) { if (x) { return 1 } else return 2 }\n"
	                      "probe begin { while (1) { } }\n");
	char *out = print_program_str(p);
	CU_ASSERT_STRING_EQUAL(out,
		"function f(x) {\n"
		"\tif (x) {\n"
		"\t\treturn 1;\n"
		"\t} else\n"
		"\t\treturn 2;\n"
		"}\n"
		"\n"
		"probe begin {\n"
		"\twhile (1) {\n"
		"\t}\n"
		"}\n");
	free(out);
}

/* ---- errors ---------------------------------------------------------------- */

static void test_syntax_errors(void)
{
	check_errors("probe begin {\n  x = 1\n",
		"t.stp:2:8: error: '}' expected (to close the probe body opened at line 1)\n"
		" 2 |   x = 1\n"
		"   |        ^\n");
	check_errors("function f() {\n\tif (x) {\n\t\ty = 1\n\t}\nprobe end {}\n",
		"t.stp:5:1: error: '}' expected (to close the function body opened at line 1)\n"
		" 5 | probe end {}\n"
		"   | ^~~~~\n");
	check_errors("probe begin { print(1 }",
		"t.stp:1:23: error: ')' expected (to close '(' opened at line 1)\n"
		" 1 | probe begin { print(1 }\n"
		"   |                       ^\n");
	check_errors("probe begin { x = }",
		"t.stp:1:19: error: expected an expression before '}'\n"
		" 1 | probe begin { x = }\n"
		"   |                   ^\n");
	check_errors("probe begin { if x > 1 { } }",
		"t.stp:1:18: error: expected '(' before 'x'\n"
		" 1 | probe begin { if x > 1 { } }\n"
		"   |                  ^\n");
	check_errors("x = 1",
		"t.stp:1:1: error: expected 'probe', 'function' or 'global' before 'x'\n"
		" 1 | x = 1\n"
		"   | ^\n");
	check_errors("probe begin",
		"t.stp:1:12: error: expected '.', ',' or '{' at end of input\n"
		" 1 | probe begin\n"
		"   |            ^\n");
	check_errors("probe kernel. { }",      /* the body's '{', read as {a,b} */
		"t.stp:1:15: error: expected a probe point name before '{'\n"
		" 1 | probe kernel. { }\n"
		"   |               ^\n");
	check_errors("probe { x = 1 }\nprobe begin { x = }",
		"t.stp:1:7: error: expected a probe point name before '{'\n"
		" 1 | probe { x = 1 }\n"
		"   |       ^\n"
		"t.stp:2:19: error: expected an expression before '}'\n"
		" 2 | probe begin { x = }\n"
		"   |                   ^\n");
	check_errors("probe { if (x) { y } }",   /* no second error at its '}' */
		"t.stp:1:7: error: expected a probe point name before '{'\n"
		" 1 | probe { if (x) { y } }\n"
		"   |       ^\n");
	check_errors("probe a.{b;c} { }",        /* a glued '{' is a brace expansion */
		"t.stp:1:11: error: expected a probe point name before ';'\n"
		" 1 | probe a.{b;c} { }\n"
		"   |           ^\n");
	check_errors("probe {a,b",
		"t.stp:1:11: error: '}' expected (to close the brace expansion opened at line 1)\n"
		" 1 | probe {a,b\n"
		"   |           ^\n");
	check_errors("probe kernel.function()",
		"t.stp:1:23: error: expected a number or a string before ')'\n"
		" 1 | probe kernel.function()\n"
		"   |                       ^\n");
	check_errors("probe begin { f(a b) }",
		"t.stp:1:19: error: expected ',' or ')' before 'b'\n"
		" 1 | probe begin { f(a b) }\n"
		"   |                   ^\n");
	check_errors("probe begin { f(a,) }",
		"t.stp:1:19: error: expected an expression before ')'\n"
		" 1 | probe begin { f(a,) }\n"
		"   |                   ^\n");
	check_errors("function f( { }",
		"t.stp:1:13: error: expected an identifier or ')' before '{'\n"
		" 1 | function f( { }\n"
		"   |             ^\n");
	check_errors("probe begin { x = $a->; }",
		"t.stp:1:23: error: expected a member name before ';'\n"
		" 1 | probe begin { x = $a->; }\n"
		"   |                       ^\n");
	check_errors("probe begin { else }",
		"t.stp:1:15: error: 'else' without a matching 'if'\n"
		" 1 | probe begin { else }\n"
		"   |               ^~~~\n");
	check_errors("probe begin { x = a ? b }",
		"t.stp:1:25: error: expected ':' before '}'\n"
		" 1 | probe begin { x = a ? b }\n"
		"   |                         ^\n");
	check_errors("global",
		"t.stp:1:7: error: expected an identifier at end of input\n"
		" 1 | global\n"
		"   |       ^\n");
	check_errors("probe begin { f(1 \"abcdefghijklmnopqrstuvwxyz0123456789\") }",
		"t.stp:1:19: error: expected ',' or ')' before \"abcdefghijklmnopqrstuvwxyz0...\"\n"
		" 1 | probe begin { f(1 \"abcdefghijklmnopqrstuvwxyz0123456789\") }\n"
		"   |                   ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
	check_errors("probe begin { f(1 abcdefghijklmnopqrstuvwxyz0123456789) }",
		"t.stp:1:19: error: expected ',' or ')' before 'abcdefghijklmnopqrstuvwxyz012...'\n"
		" 1 | probe begin { f(1 abcdefghijklmnopqrstuvwxyz0123456789) }\n"
		"   |                   ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
	check_errors("global a[-1]",
		"t.stp:1:10: error: expected a number before '-'\n"
		" 1 | global a[-1]\n"
		"   |          ^\n");
	check_errors("global x = y",
		"t.stp:1:12: error: the initial value of a global must be a literal number or string\n"
		" 1 | global x = y\n"
		"   |            ^\n");
	check_errors("global x = -(1 + 2), y = - -1",
		"t.stp:1:12: error: the initial value of a global must be a literal number or string\n"
		" 1 | global x = -(1 + 2), y = - -1\n"
		"   |            ^~~~~~~~\n"
		"t.stp:1:26: error: the initial value of a global must be a literal number or string\n"
		" 1 | global x = -(1 + 2), y = - -1\n"
		"   |                          ^~~~\n");
	check_errors("global a[4] = 0",
		"t.stp:1:13: error: an array cannot have an initial value\n"
		" 1 | global a[4] = 0\n"
		"   |             ^\n");
	check_errors("probe begin { x = @cast(p)->f }",
		"t.stp:1:19: error: @cast needs a pointer and a type name, as in "
		"@cast(p, \"task_struct\")\n"
		" 1 | probe begin { x = @cast(p)->f }\n"
		"   |                   ^~~~~~~~\n");
	check_errors("probe begin { x = $ + $$ }",
		"t.stp:1:19: error: '$' must be followed by a target variable name, as in $count\n"
		" 1 | probe begin { x = $ + $$ }\n"
		"   |                   ^\n");
	parse_args("probe begin { f($1) }", 1, (char *[]){ "1 +" });
	CU_ASSERT_STRING_EQUAL(diag_text,
		"t.stp:1:19: error: expected an expression before ')'\n"
		" 1 | probe begin { f($1) }\n"
		"   |                   ^\n"
		"t.stp:1:17: note: $1 was replaced by '1 +'\n"
		" 1 | probe begin { f($1) }\n"
		"   |                 ^~\n");
	check_errors("probe begin { x = @var(y) }",
		"t.stp:1:24: error: expected a string before 'y'\n"
		" 1 | probe begin { x = @var(y) }\n"
		"   |                        ^\n");
	check_errors("probe begin { for (i = 0, i < 9; i++) {} }",
		"t.stp:1:25: error: expected ';' before ','\n"
		" 1 | probe begin { for (i = 0, i < 9; i++) {} }\n"
		"   |                         ^\n");
	check_errors("probe begin { if (x) }",
		"t.stp:1:22: error: expected a statement before '}'\n"
		" 1 | probe begin { if (x) }\n"
		"   |                      ^\n");
}

static void test_lexical_errors(void)
{
	check_errors("probe begin {\n\tprint(\"abc)\n}\n",
		"t.stp:2:8: error: unterminated string literal (no closing '\"' on this line)\n"
		" 2 | \tprint(\"abc)\n"
		"   | \t      ^\n");
	check_errors("probe begin { x = `ls` }",
		"t.stp:1:19: error: invalid character '`'\n"
		" 1 | probe begin { x = `ls` }\n"
		"   |                   ^\n"
		"t.stp:1:22: error: invalid character '`'\n"
		" 1 | probe begin { x = `ls` }\n"
		"   |                      ^\n");
	check_errors("probe begin { x = 18446744073709551616 }",
		"t.stp:1:19: error: integer literal out of range\n"
		" 1 | probe begin { x = 18446744073709551616 }\n"
		"   |                   ^~~~~~~~~~~~~~~~~~~~\n");
	check_errors("probe begin { /* x",
		"t.stp:1:15: error: unterminated comment ('/*' without '*/')\n"
		" 1 | probe begin { /* x\n"
		"   |               ^~\n");
	parse_args("probe begin { x = $2 }", 1, (char *[]){ "a" });
	CU_ASSERT_STRING_EQUAL(diag_text,
		"t.stp:1:19: error: command line argument $2 is missing: the script was given 1 argument\n"
		" 1 | probe begin { x = $2 }\n"
		"   |                   ^~\n");
	/* one error per mistake: a malformed literal is read as a literal,
	 * and the syntax error a dropped character causes is not reported */
	check_errors("probe begin { println('x', 0x) }",
		"t.stp:1:23: error: invalid character '''; strings are written in double quotes\n"
		" 1 | probe begin { println('x', 0x) }\n"
		"   |                       ^~~\n"
		"t.stp:1:28: error: invalid integer literal '0x' (no digits after '0x')\n"
		" 1 | probe begin { println('x', 0x) }\n"
		"   |                            ^~\n");
	check_errors("probe begin { f(1 \xc3\xa9\xc3\xa9 2) }",
		"t.stp:1:19: error: invalid character '\xc3\xa9' (non-ASCII text is only "
		"allowed in strings and comments)\n"
		" 1 | probe begin { f(1 \xc3\xa9\xc3\xa9 2) }\n"
		"   |                   ^\n");
	/* ... and what comes after it is still checked */
	check_errors("probe begin {\n\tx = 0x\n\ty = (1\n}\n",
		"t.stp:2:6: error: invalid integer literal '0x' (no digits after '0x')\n"
		" 2 | \tx = 0x\n"
		"   | \t    ^~\n"
		"t.stp:4:1: error: ')' expected (to close '(' opened at line 3)\n"
		" 4 | }\n"
		"   | ^\n");
	/* a string broken across two lines is one mistake */
	check_errors("probe begin {\n\ts = \"a\n b\"; t = (1\n}\n",
		"t.stp:2:6: error: unterminated string literal (no closing '\"' on this line)\n"
		" 2 | \ts = \"a\n"
		"   | \t    ^\n"
		"t.stp:4:1: error: ')' expected (to close '(' opened at line 3)\n"
		" 4 | }\n"
		"   | ^\n");
	/* columns count characters, not bytes */
	check_errors("probe begin { s = \"\xc3\xa9t\xc3\xa9\" + }",
		"t.stp:1:27: error: expected an expression before '}'\n"
		" 1 | probe begin { s = \"\xc3\xa9t\xc3\xa9\" + }\n"
		"   |                           ^\n");
	/* a lexical error during error recovery is still reported */
	check_errors("probe begin { x = = @ }",
		"t.stp:1:19: error: expected an expression before '='\n"
		" 1 | probe begin { x = = @ }\n"
		"   |                   ^\n"
		"t.stp:1:21: error: '@' must be followed by an operator name, as in @count(x)\n"
		" 1 | probe begin { x = = @ }\n"
		"   |                     ^\n");
}

static void test_checks_in_parser(void)
{
	check_errors("probe begin { 1 = 2 }",
		"t.stp:1:15: error: cannot assign to this expression: the left side of "
		"'=' must be a variable, an array element or a target variable\n"
		" 1 | probe begin { 1 = 2 }\n"
		"   |               ^\n");
	check_errors("probe begin { f() += 2 }",
		"t.stp:1:15: error: cannot assign to this expression: the left side of "
		"'+=' must be a variable, an array element or a target variable\n"
		" 1 | probe begin { f() += 2 }\n"
		"   |               ^~~\n");
	check_errors("probe begin { (a + b)++ }",
		"t.stp:1:16: error: '++' needs a variable, an array element or a target variable\n"
		" 1 | probe begin { (a + b)++ }\n"
		"   |                ^~~~~\n");
	check_errors("probe begin { print(@count(1)) }",
		"t.stp:1:28: error: the operand of @count must be a statistics variable or "
		"array element, like @count(x) or @count(a[k])\n"
		" 1 | probe begin { print(@count(1)) }\n"
		"   |                            ^\n");
	check_errors("probe begin { print(@hist_linear(x, 1)) }",
		"t.stp:1:21: error: @hist_linear takes 4 arguments (the statistic, the low and "
		"high bounds and the bucket width), not 2\n"
		" 1 | probe begin { print(@hist_linear(x, 1)) }\n"
		"   |                     ^~~~~~~~~~~~~~~~~~\n");
	check_errors("probe begin { delete 1 }",
		"t.stp:1:22: error: delete needs an array, an array element or a variable\n"
		" 1 | probe begin { delete 1 }\n"
		"   |                      ^\n");
	check_errors("probe begin { foreach (a- in b+) f() }",
		"t.stp:1:31: error: only one sort mark ('+' or '-') is allowed in a foreach\n"
		" 1 | probe begin { foreach (a- in b+) f() }\n"
		"   |                               ^\n"
		"t.stp:1:25: note: the first sort mark is here\n"
		" 1 | probe begin { foreach (a- in b+) f() }\n"
		"   |                         ^\n");
	check_errors("function f:int() {}",
		"t.stp:1:12: error: unknown type 'int' (expected 'long' or 'string')\n"
		" 1 | function f:int() {}\n"
		"   |            ^~~\n");
	check_errors("probe a.b? = c {}",
		"t.stp:1:7: error: a probe alias name cannot be optional ('?', '!') or "
		"conditional ('if')\n"
		" 1 | probe a.b? = c {}\n"
		"   |       ^~~~\n");
	check_errors("probe sys *_read {}",
		"t.stp:1:11: error: unexpected '*' in probe point (missing '.' or ','?  "
		"Wildcard names like sys_* must not contain spaces)\n"
		" 1 | probe sys *_read {}\n"
		"   |           ^\n");
	check_errors("probe begin { $x$->y = 1 }",
		"t.stp:1:18: error: '->' and '[' cannot follow a pretty-printing '$'\n"
		" 1 | probe begin { $x$->y = 1 }\n"
		"   |                  ^~~\n");
	check_errors("probe begin { x = &y }",
		"t.stp:1:19: error: '&' (address of) can only be applied to a target "
		"variable, @cast or @var\n"
		" 1 | probe begin { x = &y }\n"
		"   |                   ^~\n");
}

/* After an error the parser resynchronises and keeps what it understood. */
static void test_error_recovery(void)
{
	Program *p = parse("probe a { x = } probe b { y = 1 }\n"
	                   "probe c { if (+) z = 2 }\n"
	                   "junk junk\n"
	                   "function f() { return 1 }\n"
	                   "probe bad..point { w = 3 }\n");
	CU_ASSERT_EQUAL(diag_count, 4);
	int n = 0;
	for (Probe *pr = p->probes; pr; pr = pr->next)
		n++;
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_PTR_NOT_NULL(p->functions);
	CU_ASSERT_STRING_EQUAL(p->functions->name, "f");
	/* a nonsense file still yields a Program */
	p = parse("}}}{{{)))");
	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT(diag_count > 0);
}

/* Every prefix of the sample parses without crashing; the ones that parse
 * cleanly print and re-parse cleanly. */
static void test_all_prefixes(void)
{
	size_t n = strlen(sample);
	char *buf = xmalloc(n + 1);
	int with_errors = 0;
	for (size_t len = 0; len <= n; len++) {
		memcpy(buf, sample, len);
		buf[len] = '\0';
		Program *p = parse(buf);
		if (diag_count) {
			with_errors++;
			continue;
		}
		char *out = print_program_str(p);
		parse(out);
		CU_ASSERT_EQUAL(diag_count, 0);
		if (diag_count)
			fprintf(stderr, "\nprefix %zu printed badly:\n%s", len, out);
		free(out);
	}
	free(buf);
	CU_ASSERT(with_errors > (int)n / 2);
}

/* Random deletions, duplications and junk never crash the front end. */
static void test_mutations(void)
{
	static const char junk[] = "{}()[];,.$@%\"'#/*+-=<>!?:\\`\n\t x1";
	size_t n = strlen(sample);
	char *buf = xmalloc(2 * n + 16);
	unsigned seed = 12345;
	for (int round = 0; round < 1500; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t at = (seed >> 8) % n;
		size_t len = 0;
		memcpy(buf, sample, at);
		len = at;
		switch (round % 3) {
		case 0:                     /* delete a few characters */
			at += 1 + (seed >> 20) % 4;
			break;
		case 1:                     /* insert a junk character */
			buf[len++] = junk[(seed >> 16) % (sizeof junk - 1)];
			break;
		case 2: {                   /* duplicate a chunk */
			size_t k = (seed >> 20) % 16;
			if (k > n - at)
				k = n - at;
			memcpy(buf + len, sample + at, k);
			len += k;
			break;
		}
		}
		if (at > n)
			at = n;
		memcpy(buf + len, sample + at, n - at);
		len += n - at;
		buf[len] = '\0';
		Program *p = parse(buf);
		CU_ASSERT_PTR_NOT_NULL(p);
		if (!diag_count) {
			char *out = print_program_str(p);
			parse(out);
			CU_ASSERT_EQUAL(diag_count, 0);
			free(out);
		}
	}
	free(buf);
}

/* ---- random expressions: printing must keep the tree ------------------- */

static unsigned rng = 4242;

static unsigned next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* Appends a random, fully parenthesized expression to sb. */
static void gen_expr(StrBuf *sb, int depth)
{
	static const char *const leaves[] = {
		"a", "b", "7", "\"s\"", "$p->f", "c[1, d]", "f(e)", "@count(s)",
		"x++", "--y", "$q[2]$",
	};
	static const char *const binops[] = {
		"||", "&&", "|", "^", "&", "==", "!=", "<", ">", "<=", ">=", "<<",
		">>", ".", "+", "-", "*", "/", "%", "=~", "!~",
	};
	static const char *const assignops[] = { "=", "+=", ".=", "<<<", "|=" };
	if (depth == 0) {
		sb_puts(sb, leaves[next_rand() % (sizeof leaves / sizeof leaves[0])]);
		return;
	}
	sb_putc(sb, '(');
	switch (next_rand() % 6) {
	case 0: case 1: case 2:
		gen_expr(sb, depth - 1);
		sb_printf(sb, " %s ", binops[next_rand() % (sizeof binops / sizeof binops[0])]);
		gen_expr(sb, depth - 1);
		break;
	case 3:
		sb_putc(sb, "-+!~"[next_rand() % 4]);
		sb_putc(sb, ' ');              /* "- --y", not "---y" */
		gen_expr(sb, depth - 1);
		break;
	case 4:
		gen_expr(sb, depth - 1);
		sb_puts(sb, " ? ");
		gen_expr(sb, depth - 1);
		sb_puts(sb, " : ");
		gen_expr(sb, depth - 1);
		break;
	case 5:
		if (next_rand() % 2) {
			sb_printf(sb, "v %s ", assignops[next_rand() % 5]);
			gen_expr(sb, depth - 1);
		} else {
			gen_expr(sb, depth - 1);
			sb_puts(sb, " in arr");
		}
		break;
	}
	sb_putc(sb, ')');
}

static bool same_expr(const Expr *a, const Expr *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || a->op != b->op || a->postfix != b->postfix ||
	    a->num != b->num || a->pretty != b->pretty || a->statop != b->statop)
		return false;
	if ((a->name || b->name) && (!a->name || !b->name || strcmp(a->name, b->name)))
		return false;
	if ((a->str || b->str) && (!a->str || !b->str || strcmp(a->str, b->str)))
		return false;
	if (!same_expr(a->lhs, b->lhs) || !same_expr(a->rhs, b->rhs) ||
	    !same_expr(a->cond, b->cond) || !same_expr(a->args, b->args) ||
	    !same_expr(a->next, b->next))
		return false;
	const TargetComp *x = a->chain, *y = b->chain;
	for (; x && y; x = x->next, y = y->next)
		if (x->kind != y->kind || !same_expr(x->index, y->index) ||
		    (x->member && strcmp(x->member, y->member)))
			return false;
	return !x && !y;
}

static void test_random_expressions(void)
{
	for (int i = 0; i < 3000; i++) {
		StrBuf src = {0};
		gen_expr(&src, 1 + i % 5);
		Expr *full = expr(src.data);
		CU_ASSERT_PTR_NOT_NULL_FATAL(full);
		char *printed = print_expr_str(full);
		Expr *again = expr(printed);
		CU_ASSERT_PTR_NOT_NULL_FATAL(again);
		bool same = same_expr(full, again);
		CU_ASSERT(same);
		if (!same)
			fprintf(stderr, "\n%s\nprinted as\n%s\nparses differently\n",
			        src.data, printed);
		CU_ASSERT(strlen(printed) <= strlen(src.data));
		free(printed);
		free(src.data);
	}
}

static void test_deep_nesting(void)
{
	StrBuf sb = {0};
	sb_puts(&sb, "probe begin { x = ");
	for (int i = 0; i < 20000; i++)
		sb_putc(&sb, '(');
	sb_puts(&sb, "1 }");
	parse(sb.data);
	CU_ASSERT(diag_count > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag_text, "nested too deeply"));
	free(sb.data);
}

void register_parser_tests(void)
{
	CU_pSuite s = CU_add_suite("parser", NULL, NULL);
	CU_add_test(s, "globals", test_globals);
	CU_add_test(s, "functions", test_functions);
	CU_add_test(s, "probes and probe points", test_probes);
	CU_add_test(s, "probe point brace expansion", test_brace_expansion);
	CU_add_test(s, "aliases and embedded C", test_aliases_and_embedded);
	CU_add_test(s, "simple statements", test_simple_statements);
	CU_add_test(s, "if, while, for", test_if_while_for);
	CU_add_test(s, "foreach", test_foreach);
	CU_add_test(s, "try/catch", test_try_catch);
	CU_add_test(s, "optional semicolons", test_optional_semicolons);
	CU_add_test(s, "assignments", test_assignments);
	CU_add_test(s, "operators", test_operators);
	CU_add_test(s, "primaries", test_primaries);
	CU_add_test(s, "statistics operators", test_stat_operators);
	CU_add_test(s, "target variables", test_target_variables);
	CU_add_test(s, "locations", test_locations);
	CU_add_test(s, "script arguments", test_script_arguments);
	CU_add_test(s, "precedence (via printing)", test_precedence);
	CU_add_test(s, "print/parse round trip", test_round_trip);
	CU_add_test(s, "print layout", test_print_layout);
	CU_add_test(s, "syntax errors", test_syntax_errors);
	CU_add_test(s, "lexical errors", test_lexical_errors);
	CU_add_test(s, "checks made while parsing", test_checks_in_parser);
	CU_add_test(s, "error recovery", test_error_recovery);
	CU_add_test(s, "every prefix of a script", test_all_prefixes);
	CU_add_test(s, "random mutations", test_mutations);
	CU_add_test(s, "random expressions keep their tree", test_random_expressions);
	CU_add_test(s, "deep nesting", test_deep_nesting);
}
