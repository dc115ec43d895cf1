/*
 * test_codegen.c - unit tests of the passes after parsing: elaboration
 * (probe points -> concrete points), resolution, type inference, the
 * whole-program checks, and targeted facts about the generated C (not a
 * golden file: the shape that matters, e.g. locks and the probe table).
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "diag.h"
#include "parse.h"
#include "session.h"

static char *diags;      /* diagnostics of the last analysis */

/* Parses and analyzes text; returns 0 when it has no errors. */
static int analyze(const char *text, Script *s)
{
	size_t len;
	FILE *f = open_memstream(&diags, &len);

	memset(s, 0, sizeof(*s));
	diag_set_stream(f);
	diag_reset();
	int rc = pipeline_parse(s, srcfile_from_text("t.stp", text));
	if (rc == 0)
		rc = pipeline_analyze(s);
	fclose(f);
	diag_set_stream(NULL);
	diag_reset();
	return rc;
}

static Symbol *global(Script *s, const char *name)
{
	for (int i = 0; i < s->nglobals; i++)
		if (strcmp(s->globals[i]->name, name) == 0)
			return s->globals[i];
	return NULL;
}

static Symbol *local(Handler *h, const char *name)
{
	for (Symbol *l = h->locals; l; l = l->next)
		if (strcmp(l->name, name) == 0)
			return l;
	return NULL;
}

static void test_points(void)
{
	Script s;
	CU_ASSERT_EQUAL_FATAL(analyze(
		"probe begin(-5), end { }\n"
		"probe timer.ms(250), timer.s(2).randomize(1), timer.hz(10) { }\n"
		"probe kernel.function(\"vfs_read\").return.maxactive(20) { }\n"
		"probe kprobe.function(\"do_sys_openat2\") { }\n"
		"probe module(\"ext4\").function(\"ext4_file_open\") { }\n", &s), 0);
	CU_ASSERT_EQUAL(s.npoints, 8);
	ConcretePoint *p = s.points;
	CU_ASSERT_EQUAL(p->kind, PK_BEGIN);
	CU_ASSERT_EQUAL(p->sequence, -5);
	CU_ASSERT_EQUAL(p->handler, p->next->handler);   /* one probe, one handler */
	p = p->next->next;
	CU_ASSERT_EQUAL(p->kind, PK_TIMER);
	CU_ASSERT_EQUAL(p->interval_ns, 250000000);
	p = p->next;
	CU_ASSERT_EQUAL(p->interval_ns, 2000000000LL);
	CU_ASSERT_EQUAL(p->randomize_ns, 1000000000LL);
	p = p->next;
	CU_ASSERT_EQUAL(p->interval_ns, 100000000);
	p = p->next;
	CU_ASSERT_EQUAL(p->kind, PK_KRETPROBE);
	CU_ASSERT_STRING_EQUAL(p->symbol, "vfs_read");
	CU_ASSERT_EQUAL(p->maxactive, 20);
	CU_ASSERT_TRUE(p->handler->is_return);
	CU_ASSERT_STRING_EQUAL(p->text, "kernel.function(\"vfs_read\").return.maxactive(20)");
	p = p->next;
	CU_ASSERT_EQUAL(p->kind, PK_KPROBE);
	CU_ASSERT_FALSE(p->handler->is_return);
	p = p->next;
	CU_ASSERT_STRING_EQUAL(p->symbol, "ext4:ext4_file_open");
}

static void test_point_errors(void)
{
	Script s;
	CU_ASSERT_NOT_EQUAL(analyze("probe timer.ns(10) { }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "below the minimum"));
	CU_ASSERT_NOT_EQUAL(analyze("probe nosuch.point { }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "t.stp:1:7: error: unknown probe point 'nosuch.point'"));
	CU_ASSERT_EQUAL(analyze("probe nosuch.point ?, begin { }", &s), 0);  /* optional */
	CU_ASSERT_NOT_EQUAL(analyze("probe begin { print($return) }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "target variables like '$return' are not available in a begin probe"));
	CU_ASSERT_NOT_EQUAL(analyze("probe kernel.function(\"f\") { print($return) }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "only valid in a .return probe"));
}

static void test_aliases(void)
{
	Script s;
	CU_ASSERT_EQUAL_FATAL(analyze(
		"probe my.read = kernel.function(\"vfs_read\") { who = \"reader\" }\n"
		"probe my.read { printf(\"%s\\n\", who) }\n", &s), 0);
	CU_ASSERT_EQUAL(s.npoints, 1);
	CU_ASSERT_EQUAL(s.points->kind, PK_KPROBE);
	Symbol *who = local(s.points->handler, "who");
	CU_ASSERT_PTR_NOT_NULL_FATAL(who);
	CU_ASSERT_EQUAL(who->type, TY_STRING);   /* prologue and body share locals */
}

static void test_types(void)
{
	Script s;
	CU_ASSERT_EQUAL_FATAL(analyze(
		"global count, names, total\n"
		"function label(n) { return sprintf(\"#%d\", n) }\n"
		"probe begin {\n"
		"  count[\"x\", 3]++\n"
		"  names[1] = label(2)\n"
		"  total += count[\"x\", 3]\n"
		"  foreach ([a, b] in count) s = a . label(b)\n"
		"}\n", &s), 0);
	Symbol *count = global(&s, "count");
	CU_ASSERT_EQUAL(count->arity, 2);
	CU_ASSERT_EQUAL(count->key_types[0], TY_STRING);
	CU_ASSERT_EQUAL(count->key_types[1], TY_LONG);
	CU_ASSERT_EQUAL(count->type, TY_LONG);
	CU_ASSERT_EQUAL(global(&s, "names")->type, TY_STRING);
	CU_ASSERT_EQUAL(global(&s, "total")->arity, 0);
	CU_ASSERT_EQUAL(s.nfunctions, 1);
	CU_ASSERT_EQUAL(s.functions[0]->ret, TY_STRING);
	CU_ASSERT_EQUAL(s.functions[0]->locals->type, TY_LONG);   /* parameter n */
	CU_ASSERT_EQUAL(local(s.handlers, "s")->type, TY_STRING);
}

static void test_type_errors(void)
{
	Script s;
	CU_ASSERT_NOT_EQUAL(analyze("probe begin { x = 1; x = \"a\" }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "t.stp:1:22: error: cannot assign a string to 'x', which is a long"));
	CU_ASSERT_NOT_EQUAL(analyze("global a; probe begin { a[1] = 1; a = 2 }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "t.stp:1:35: error: 'a' is used both as an array and as a scalar"));
	CU_ASSERT_NOT_EQUAL(analyze("probe begin { printf(\"%s\\n\", 5) }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "must be a string, not a long"));
	CU_ASSERT_NOT_EQUAL(analyze("probe begin { print(y) }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "cannot tell the type of local 'y'"));
	CU_ASSERT_NOT_EQUAL(analyze("probe begin { break }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "'break' outside a loop"));
}

static void test_format_types(void)
{
	Type t[8];
	const char *err = NULL;
	CU_ASSERT_EQUAL(format_arg_types("%d %s %*x %-08.3i %% %c", t, 8, &err), 6);
	CU_ASSERT_EQUAL(t[0], TY_LONG);
	CU_ASSERT_EQUAL(t[1], TY_STRING);
	CU_ASSERT_EQUAL(t[2], TY_LONG);     /* the '*' width */
	CU_ASSERT_EQUAL(t[3], TY_LONG);
	CU_ASSERT_EQUAL(t[4], TY_LONG);
	CU_ASSERT_EQUAL(t[5], TY_LONG);
	CU_ASSERT_EQUAL(format_arg_types("%q", t, 8, &err), -1);
	CU_ASSERT_EQUAL(format_arg_types("50%", t, 8, &err), -1);
}

static void test_locks_and_table(void)
{
	Script s;
	CU_ASSERT_EQUAL_FATAL(analyze(
		"global reads, limit_\n"
		"function bump() { reads++ }\n"
		"probe kernel.function(\"vfs_read\") { if (limit_ > 0) bump() }\n"
		"probe end { printf(\"%d\\n\", reads) }\n", &s), 0);
	char *c = codegen(&s);
	/* the kprobe handler writes reads through bump(): write lock; limit_ is read */
	Symbol *reads = global(&s, "reads"), *limit = global(&s, "limit_");
	Handler *kp = s.handlers;
	CU_ASSERT_EQUAL(kp->global_use[reads->id], 2);
	CU_ASSERT_EQUAL(kp->global_use[limit->id], 1);
	CU_ASSERT_EQUAL(kp->next->global_use[reads->id], 1);
	char *want = NULL;
	asprintf(&want, "sonde_lock_write(&lk%d)", reads->id);
	CU_ASSERT_PTR_NOT_NULL(strstr(c, want));
	free(want);
	CU_ASSERT_PTR_NOT_NULL(strstr(c, ".kind = SONDE_PROBE_KPROBE, .point = \"kernel.function(\\\"vfs_read\\\")\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(c, ".symbol = \"vfs_read\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(c, ".kind = SONDE_PROBE_END"));
	CU_ASSERT_PTR_NOT_NULL(strstr(c, "MAXNESTING exceeded"));
}

static void test_foreach_rules(void)
{
	Script s;
	CU_ASSERT_NOT_EQUAL(analyze("global a\nfunction f() { a[1] = 2 }\n"
				    "probe begin { foreach (k in a) f() }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "'f' modifies array 'a' inside a foreach loop over it"));
	CU_ASSERT_EQUAL(analyze("global a, b\nprobe begin { a[1] = 1; foreach (k in a) b[k] = a[k] }", &s), 0);
}

static void test_folding(void)
{
	Script s;
	CU_ASSERT_EQUAL_FATAL(analyze("probe begin { x = (2 + 3) * 4 - (1 << 3); y = \"a\" . \"b\";"
				      " if (1 > 2) x = 0; else x++ }", &s), 0);
	Stmt *st = s.handlers->body->body;          /* x = ... */
	CU_ASSERT_EQUAL(st->expr->rhs->kind, EX_NUMBER);
	CU_ASSERT_EQUAL(st->expr->rhs->num, 12);
	CU_ASSERT_EQUAL(st->next->expr->rhs->kind, EX_STRING);
	CU_ASSERT_STRING_EQUAL(st->next->expr->rhs->str, "ab");
	Stmt *iff = st->next->next;                  /* the else branch is left */
	CU_ASSERT_EQUAL(iff->kind, ST_EXPR);
	CU_ASSERT_EQUAL(iff->expr->kind, EX_INCDEC);
	CU_ASSERT_NOT_EQUAL(analyze("probe begin { x = 1 / 0 }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "t.stp:1:19: error: division by zero"));
	opt.unoptimized = true;
	CU_ASSERT_EQUAL(analyze("probe begin { x = 1 + 2 }", &s), 0);
	CU_ASSERT_EQUAL(s.handlers->body->body->expr->rhs->kind, EX_BINARY);
	opt.unoptimized = false;
}

static void test_suggestions_and_warnings(void)
{
	Script s;
	CU_ASSERT_NOT_EQUAL(analyze("function total(n) { return n }\nprobe begin { print(totl(1)) }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "t.stp:2:21: error: unknown function 'totl'; did you mean 'total'?"));
	CU_ASSERT_NOT_EQUAL(analyze("probe begni { }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "did you mean 'begin'?"));
	CU_ASSERT_NOT_EQUAL(analyze("probe begin { xyzzy(1) }", &s), 0);
	CU_ASSERT_PTR_NULL(strstr(diags, "did you mean"));      /* nothing close */
	CU_ASSERT_EQUAL(analyze("global g, h\nprobe begin { x = 1; print(h + 1) }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "t.stp:1:8: warning: global 'g' is declared but never used"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "global 'h' is never assigned: it is always 0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "t.stp:2:15: warning: local 'x' is assigned but never read"));
	CU_ASSERT_NOT_EQUAL(analyze("probe begin { x = 1 }\nprobe end { x = 2; y = x . \"s\" }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "error: type mismatch: variable 'x' is a long, used here as a string"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "note: variable 'x' became a long here"));
}

static ProbePoint *point(const char *text)
{
	diag_reset();
	Program *p = parse_program(srcfile_from_text("p.stp", text), 0, NULL);
	CU_ASSERT_EQUAL(diag_errors(), 0);
	return p->probes ? p->probes->points : NULL;
}

static void test_point_patterns(void)
{
	ProbePoint *name = point("probe syscall.open.return {}");
	CU_ASSERT_TRUE(probe_point_matches(point("probe syscall.open.return {}"), name));
	CU_ASSERT_TRUE(probe_point_matches(point("probe syscall.*.return {}"), name));
	CU_ASSERT_TRUE(probe_point_matches(point("probe syscall.** {}"), name));
	CU_ASSERT_TRUE(probe_point_matches(point("probe **.return {}"), name));
	CU_ASSERT_TRUE(probe_point_matches(point("probe sys*.op*n.return {}"), name));
	CU_ASSERT_FALSE(probe_point_matches(point("probe syscall.* {}"), name));
	CU_ASSERT_FALSE(probe_point_matches(point("probe syscall.open {}"), name));
	CU_ASSERT_FALSE(probe_point_matches(point("probe **.open {}"), name));
}

static void test_sufficient(void)
{
	Script s;
	CU_ASSERT_EQUAL_FATAL(analyze("probe begin!, end { }", &s), 0);
	CU_ASSERT_EQUAL(s.npoints, 1);
	CU_ASSERT_EQUAL_FATAL(analyze("probe nothing.here!, end { }", &s), 0);   /* ! implies ? */
	CU_ASSERT_EQUAL_FATAL(s.npoints, 1);
	CU_ASSERT_EQUAL(s.points->kind, PK_END);
}

void register_codegen_tests(void)
{
	CU_pSuite s = CU_add_suite("passes and codegen", NULL, NULL);
	CU_add_test(s, "probe points elaborate to concrete points", test_points);
	CU_add_test(s, "bad probe points are errors", test_point_errors);
	CU_add_test(s, "aliases splice their prologue", test_aliases);
	CU_add_test(s, "types are inferred both ways", test_types);
	CU_add_test(s, "type errors", test_type_errors);
	CU_add_test(s, "printf formats give argument types", test_format_types);
	CU_add_test(s, "handlers lock the globals they use", test_locks_and_table);
	CU_add_test(s, "foreach bodies must not modify their array", test_foreach_rules);
	CU_add_test(s, "constant folding and dead branches", test_folding);
	CU_add_test(s, "probe point patterns with * and **", test_point_patterns);
	CU_add_test(s, "a sufficient point ends the list", test_sufficient);
	CU_add_test(s, "suggestions, warnings and conflict notes", test_suggestions_and_warnings);
}
