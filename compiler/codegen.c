/*
 * codegen.c - emits the module's C source for a resolved, typed script.
 *
 * Model of the generated code (see runtime/kernel/runtime.h for the
 * runtime side):
 *   - each global is a C static (g<ID>_<name>) guarded by a rwlock
 *     (lk<ID>); arrays are struct sonde_map pointers made at load;
 *   - each handler and function has a frame struct holding its locals and
 *     string temporaries; all frames form a union, and each CPU owns
 *     MAXNESTING+1 of them (index = call depth), so kernel stacks stay small;
 *   - a handler takes the locks of every global it (or a function it calls)
 *     uses, for its whole run, in global-id order (no lock-order deadlock);
 *   - a script error sets c->abort; every operation that can fail is
 *     followed by a jump to the current unwind label: "out" (end of the
 *     function or handler) or the catch label of the enclosing try.
 * Expressions become C expressions; string-valued ones are `const char *`.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "codegen.h"
#include "codegen_internal.h"   /* struct Gen; codegen_target() */
#include "core/regex.h"          /* the matcher's programs are made here */
#include "diag.h"
#include "session.h"
#include "util.h"

static char *expr(Gen *g, Expr *e);
static char *stat_of(Gen *g, Expr *x);

/* ---- small helpers ------------------------------------------------------ */

static void line(Gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(Gen *g, const char *fmt, ...)
{
	va_list ap;

	for (int i = 0; i < g->indent; i++)
		sb_putc(g->out, '\t');
	va_start(ap, fmt);
	sb_vprintf(g->out, fmt, ap);
	va_end(ap);
	sb_putc(g->out, '\n');
}

static char *c_string(const char *s)
{
	StrBuf sb = { 0 };
	sb_putc(&sb, '"');
	sb_put_c_escaped(&sb, s);
	sb_putc(&sb, '"');
	return sb_steal(&sb);
}

/* "file:line:col" as a C string literal, for runtime error messages. */
static char *loc_str(SrcLoc loc)
{
	char *s = xasprintf("%s:%d:%d", loc.file ? loc.file->name : "?", loc.line, loc.col);
	return c_string(s);
}

/* What an error happened "near", SystemTap style: "operator '/' at f:l:c". */
static char *near(const char *what, SrcLoc loc)
{
	return c_string(xasprintf("%s at %s:%d:%d", what, loc.file ? loc.file->name : "?",
				  loc.line, loc.col));
}

static char *new_tmp(Gen *g)
{
	int n = g->ntmp++;
	sb_printf(&g->fields, "\tchar t%d[MAXSTRINGLEN];\n", n);
	return xasprintf("l->t%d", n);
}

static int uniq(Gen *g)
{
	return g->nuniq++;
}

/* Wraps a C expression of type t that may set c->abort. */
static char *checked(Gen *g, Type t, const char *x)
{
	int u = uniq(g);
	return xasprintf("({ %s __s_c%d = (%s); if (unlikely(c->abort)) goto %s; __s_c%d; })",
			 t == TY_STRING ? "const char *" : "int64_t", u, x, g->unwind, u);
}

/* The helpers above, for codegen_target.c (codegen_internal.h). */
char *cg_expr(Gen *g, Expr *e) { return expr(g, e); }
char *cg_checked(Gen *g, Type t, const char *x) { return checked(g, t, x); }
char *cg_near(const char *what, SrcLoc loc) { return near(what, loc); }
char *cg_c_string(const char *s) { return c_string(s); }
char *cg_new_tmp(Gen *g) { return new_tmp(g); }
int cg_uniq(Gen *g) { return uniq(g); }

static const char *global_name(const Symbol *sym)
{
	return xasprintf("g%d_%s", sym->id, sym->name);
}

static char *var(const Symbol *sym)
{
	if (sym->kind == SYM_GLOBAL)
		return (char *)global_name(sym);
	return xasprintf("l->v_%s", sym->name);
}

static const char *ctype(Type t)
{
	return t == TY_STRING ? "const char *" : "int64_t";
}

static const char *function_name(const Function *f)
{
	return xasprintf("f%d_%s", f->id, f->name);
}

/* The keys of an array access as a compound literal of struct sonde_arg. */
static char *key_array(Gen *g, Expr *args)
{
	StrBuf sb = { 0 };

	sb_puts(&sb, "((const struct sonde_arg[]){ ");
	for (Expr *k = args; k; k = k->next) {
		if (k != args)
			sb_puts(&sb, ", ");
		sb_printf(&sb, k->type == TY_STRING ? "SONDE_ARG_STR(%s)" : "SONDE_ARG_LONG(%s)",
			  expr(g, k));
	}
	sb_puts(&sb, " })");
	return sb_steal(&sb);
}

static char *arg_array(Gen *g, Expr *args, int *n)
{
	*n = 0;
	for (Expr *a = args; a; a = a->next)
		(*n)++;
	return *n ? key_array(g, args) : xstrdup("NULL");
}

static char *overflow_error(Gen *g, const Expr *e)
{
	return xasprintf("{ sonde_error(c, %s, \"array overflow: '%s' is full "
			 "(raise its size with 'global %s[N]' or -DMAXMAPENTRIES=N)\"); goto %s; }",
			 near(xasprintf("identifier '%s'", e->name), e->loc), e->name, e->name, g->unwind);
}

/* ---- expressions -------------------------------------------------------- */

/* A construct the type pass accepts but code generation cannot do yet. */
static char *unsupported(const Expr *e, const char *what)
{
	diag_error(e->loc, "%s cannot be compiled yet (the script is valid: -p2 accepts it)", what);
	return xstrdup("0");
}

static char *number(int64_t v)
{
	if (v == INT64_MIN)
		return xstrdup("((int64_t)(-9223372036854775807LL - 1))");
	return xasprintf("((int64_t)%" PRId64 "LL)", v);
}

static char *script_arg(Gen *g, Expr *e)
{
	const char *a = e->num >= 1 && e->num <= opt.script_argc ? opt.script_argv[e->num - 1] : "";
	(void)g;
	if (e->quoted)
		return c_string(a);
	return number(strtoll(a, NULL, 0));
}

static bool has_histogram(const Expr *args)
{
	for (; args; args = args->next)
		if (args->type == TY_STATS)
			return true;
	return false;
}

/*
 * print(@hist_log(x)) and friends: a histogram can be longer than any
 * format result, so these print their arguments one at a time (the
 * histogram through sonde_print_hist, which streams it); sprint() of a
 * histogram keeps its first MAXSTRINGLEN-1 bytes.
 */
static char *print_with_histogram(Gen *g, Expr *e, bool to_string, const char *d, Expr *a, bool ln)
{
	StrBuf sb = { 0 };

	if (to_string) {
		if (a->next || d || ln)
			return unsupported(e, "sprint of a histogram with other arguments");
		char *t = new_tmp(g);
		return xasprintf("({ sonde_hist_sprint(%s, MAXSTRINGLEN, %s); (const char *)%s; })",
				 t, stat_of(g, a->lhs), t);
	}
	sb_puts(&sb, "({ ");
	for (Expr *x = a; x; x = x->next) {
		if (x != a && d)
			sb_printf(&sb, "sonde_print_str(c, %s); ", d);
		if (x->type == TY_STATS)
			sb_printf(&sb, "sonde_print_hist(c, %s); ", stat_of(g, x->lhs));
		else if (x->type == TY_STRING)
			sb_printf(&sb, "sonde_print_str(c, %s); ", expr(g, x));
		else
			sb_printf(&sb, "sonde_print_long(c, %s); ", expr(g, x));
	}
	if (ln)
		sb_puts(&sb, "sonde_print(c, \"\\n\", 1); ");
	sb_puts(&sb, "0; })");
	return sb_steal(&sb);
}

/*
 * print/println/sprint/printd... are printf with a format made from the
 * argument types: "%d" for longs, "%s" for strings, the delimiter between.
 */
static char *print_family(Gen *g, Expr *e, bool to_string)
{
	BuiltinId id = e->builtin;
	bool delim = id == BI_PRINTD || id == BI_PRINTDLN || id == BI_SPRINTD || id == BI_SPRINTDLN;
	bool ln = id == BI_PRINTLN || id == BI_SPRINTLN || id == BI_PRINTDLN || id == BI_SPRINTDLN;
	StrBuf fmt = { 0 }, args = { 0 };
	Expr *a = e->args;
	int n = 0;
	char *d = NULL;

	if (has_histogram(a))
		return print_with_histogram(g, e, to_string, delim ? expr(g, a) : NULL,
					    delim ? a->next : a, ln);
	if (delim) {
		d = expr(g, a);
		a = a->next;
	}
	for (; a; a = a->next) {
		if (n && d) {
			sb_puts(&fmt, "%s");
			sb_printf(&args, "%sSONDE_ARG_STR(%s)", args.len ? ", " : "", d);
		}
		sb_puts(&fmt, a->type == TY_STRING ? "%s" : "%d");
		sb_printf(&args, "%s%s(%s)", args.len ? ", " : "",
			  a->type == TY_STRING ? "SONDE_ARG_STR" : "SONDE_ARG_LONG", expr(g, a));
		n++;
	}
	if (ln)
		sb_puts(&fmt, "\\n");
	int nargs = n + (d && n > 1 ? n - 1 : 0);
	char *argv = nargs ? xasprintf("((const struct sonde_arg[]){ %s })", args.data) : "NULL";
	if (to_string) {
		char *t = new_tmp(g);
		return xasprintf("({ sonde_format(%s, MAXSTRINGLEN, \"%s\", %s, %d); (const char *)%s; })",
				 t, fmt.data ? fmt.data : "", argv, nargs, t);
	}
	return xasprintf("sonde_printf(c, \"%s\", %s, %d)", fmt.data ? fmt.data : "", argv, nargs);
}

static char *call_builtin(Gen *g, Expr *e)
{
	int n;

	switch ((BuiltinId)e->builtin) {
	case BI_PRINTF: {
		char *args = arg_array(g, e->args->next, &n);
		return xasprintf("sonde_printf(c, %s, %s, %d)", c_string(e->args->str), args, n);
	}
	case BI_SPRINTF: {
		char *args = arg_array(g, e->args->next, &n);
		char *t = new_tmp(g);
		return xasprintf("({ sonde_format(%s, MAXSTRINGLEN, %s, %s, %d); (const char *)%s; })",
				 t, c_string(e->args->str), args, n, t);
	}
	case BI_PRINT: case BI_PRINTLN: case BI_PRINTD: case BI_PRINTDLN:
		return print_family(g, e, false);
	case BI_SPRINT: case BI_SPRINTLN: case BI_SPRINTD: case BI_SPRINTDLN:
		return print_family(g, e, true);
	case BI_EXIT:
		return xstrdup("sonde_request_exit()");
	case BI_ERROR:
		return xasprintf("({ sonde_error(c, %s, \"%%s\", %s); goto %s; 0; })",
				 loc_str(e->loc), expr(g, e->args), g->unwind);
	case BI_RETURNVAL:
		return xstrdup("sonde_returnval(c)");
	case BI_TARGET:
		return xstrdup("sonde_target()");
	case BI_NONE:
		break;
	}
	ICE("unknown builtin %d", e->builtin);
}

/* An embedded-C function's errors name the script's call, not the C
 * (an overloaded one keeps its own location: its dispatcher has no call). */
static bool takes_call_site(const Function *f)
{
	return f->embedded && !f->overloaded && !f->group;
}

static char *call_function(Gen *g, Expr *e)
{
	StrBuf sb = { 0 };
	Function *f = e->func;

	sb_printf(&sb, "%s(c", f->overloaded ? xasprintf("fo%d_%s", f->id, f->name)
						 : function_name(f));
	if (f->ret == TY_STRING)
		sb_printf(&sb, ", %s", new_tmp(g));
	if (takes_call_site(f))
		sb_printf(&sb, ", %s", near(xasprintf("identifier '%s'", f->name), e->loc));
	for (Expr *a = e->args; a; a = a->next)
		sb_printf(&sb, ", %s", expr(g, a));
	sb_putc(&sb, ')');
	return checked(g, f->ret, sb.data);
}

/* l OP r on longs, as C text; `opname` is what a runtime error is near. */
static char *long_op(Gen *g, int op, const char *opname, SrcLoc loc, const char *l, const char *r)
{
	switch (op) {
	case '/':
	case '%':
		return checked(g, TY_LONG, xasprintf("sonde_%s(c, %s, %s, %s)", op == '/' ? "div" : "mod",
					    near(xasprintf("operator '%s'", opname), loc), l, r));
	case OP_SHL:   /* shifts of 64 or more are masked, never undefined */
		return xasprintf("((int64_t)((uint64_t)(%s) << ((%s) & 63)))", l, r);
	case OP_SHR:
		return xasprintf("((int64_t)(%s) >> ((%s) & 63))", l, r);
	default:
		return xasprintf("((int64_t)((%s) %s (%s)))", l, ast_op_name(op), r);
	}
}

static char *binary(Gen *g, Expr *e)
{
	char *l = expr(g, e->lhs), *r = expr(g, e->rhs);

	if (e->op == '.')
		return xasprintf("(const char *)sonde_concat(%s, MAXSTRINGLEN, %s, %s)", new_tmp(g), l, r);
	bool compare = e->op == '<' || e->op == '>' || e->op == OP_LE || e->op == OP_GE ||
		       e->op == OP_EQ || e->op == OP_NE;
	if (compare && e->lhs->type == TY_STRING)
		return xasprintf("((int64_t)(strcmp(%s, %s) %s 0))", l, r, ast_op_name(e->op));
	return long_op(g, e->op, ast_op_name(e->op), e->loc, l, r);
}

/* lhs OP= rhs on longs: the new value as C text. */
static char *compound_long(Gen *g, Expr *e, const char *cur, const char *r)
{
	return long_op(g, e->op, xasprintf("%s=", ast_op_name(e->op)), e->loc, cur, r);
}

static char *assign_scalar(Gen *g, Expr *e)
{
	char *v = var(e->lhs->sym), *r = expr(g, e->rhs);

	if (e->lhs->type == TY_STRING) {
		if (e->op == '.')
			return xasprintf("(const char *)sonde_concat(%s, MAXSTRINGLEN, %s, %s)", v, v, r);
		return xasprintf("(const char *)sonde_strlcpy(%s, %s, MAXSTRINGLEN)", v, r);
	}
	if (e->op == '=')
		return xasprintf("(%s = %s)", v, r);
	int u = uniq(g);
	return xasprintf("({ int64_t __s_r%d = %s; %s = %s; })", u, r, v,
			 compound_long(g, e, v, xasprintf("__s_r%d", u)));
}

static char *assign_element(Gen *g, Expr *e)
{
	Expr *lhs = e->lhs;
	const char *m = global_name(lhs->sym);
	char *keys = key_array(g, lhs->args), *r = expr(g, e->rhs);
	int u = uniq(g);
	char *err = overflow_error(g, lhs);

	if (lhs->type == TY_STRING) {
		char *val = r;
		if (e->op == '.') {
			char *t = new_tmp(g);
			val = xasprintf("sonde_concat(%s, MAXSTRINGLEN, sonde_map_get_str(%s, __s_k%d), %s)",
					t, m, u, r);
		}
		return xasprintf("({ const struct sonde_arg *__s_k%d = %s; const char *__s_v%d = %s; "
				 "if (sonde_map_set_str(%s, __s_k%d, __s_v%d)) %s __s_v%d; })",
				 u, keys, u, val, m, u, u, err, u);
	}
	char *val = e->op == '=' ? r
		: compound_long(g, e, xasprintf("sonde_map_get_long(%s, __s_k%d)", m, u), r);
	return xasprintf("({ const struct sonde_arg *__s_k%d = %s; int64_t __s_v%d = %s; "
			 "if (sonde_map_set_long(%s, __s_k%d, __s_v%d)) %s __s_v%d; })",
			 u, keys, u, val, m, u, u, err, u);
}

static char *incdec(Gen *g, Expr *e)
{
	const char *op = e->op == OP_INC ? "++" : "--";

	if (e->lhs->kind != EX_INDEX) {
		char *v = var(e->lhs->sym);
		return e->postfix ? xasprintf("(%s%s)", v, op) : xasprintf("(%s%s)", op, v);
	}
	int u = uniq(g);
	int delta = e->op == OP_INC ? 1 : -1;
	return xasprintf("({ int64_t __s_r%d; if (sonde_map_add_long(%s, %s, %d, &__s_r%d)) %s "
			 "__s_r%d%s; })", u, global_name(e->lhs->sym), key_array(g, e->lhs->args),
			 delta, u, overflow_error(g, e->lhs), u,
			 e->postfix ? (delta > 0 ? " - 1" : " + 1") : "");
}

static char *element(Gen *g, Expr *e)
{
	const char *m = global_name(e->sym);
	char *keys = key_array(g, e->args);

	if (e->type == TY_STRING)
		return xasprintf("(const char *)sonde_strlcpy(%s, sonde_map_get_str(%s, %s), MAXSTRINGLEN)",
				 new_tmp(g), m, keys);
	return xasprintf("sonde_map_get_long(%s, %s)", m, keys);
}

/* ---- statistics ---------------------------------------------------------
 * A scalar statistic is a struct sonde_pstat, an array of them a struct
 * sonde_pmap: `<<<` adds on this CPU only; every read aggregates the CPUs
 * (see runtime/core/stat.h and the lock modes in handler_locks()). */

static bool is_stats(const Symbol *sym)
{
	return sym && sym->type == TY_STATS;
}

/* The statistic x (an EX_IDENT or EX_INDEX of a statistics global), as a
 * `const struct sonde_stat *`: NULL for an element no CPU holds. */
static char *stat_of(Gen *g, Expr *x)
{
	const char *m = global_name(x->sym);

	if (x->kind == EX_INDEX)
		return xasprintf("sonde_pmap_get(%s, %s)", m, key_array(g, x->args));
	return xasprintf("sonde_pstat_aggregate(%s)", m);
}

static char *stat_extract(Gen *g, Expr *e)
{
	return checked(g, TY_LONG, xasprintf("sonde_stat_extract(c, %s, %s, %d)",
		near(xasprintf("operator '%s'", ast_statop_name(e->statop)), e->loc),
		stat_of(g, e->lhs), (int)e->statop));
}

/* @hist_*(x)[i]: the count of bucket i. */
static char *hist_bucket(Gen *g, Expr *e)
{
	return checked(g, TY_LONG, xasprintf("sonde_stat_bucket_checked(c, %s, %s, %s)",
		near("histogram index", e->loc), stat_of(g, e->lhs), expr(g, e->rhs)));
}

/* x <<< v, a[k] <<< v: the value added. */
static char *aggregate(Gen *g, Expr *e)
{
	Expr *lhs = e->lhs;
	const char *m = global_name(lhs->sym);
	int u = uniq(g);

	if (lhs->kind != EX_INDEX)
		return xasprintf("({ int64_t __s_v%d = %s; sonde_pstat_add(%s, smp_processor_id(), "
				 "__s_v%d); __s_v%d; })", u, expr(g, e->rhs), m, u, u);
	char *keys = key_array(g, lhs->args);
	return xasprintf("({ const struct sonde_arg *__s_k%d = %s; int64_t __s_v%d = %s; "
			 "if (sonde_pmap_add(%s, smp_processor_id(), __s_k%d, __s_v%d)) "
			 "{ sonde_error(c, %s, \"aggregation overflow: '%s' is full (raise its size "
			 "with 'global %s[N]' or -DMAXMAPENTRIES=N)\"); goto %s; } __s_v%d; })",
			 u, keys, u, expr(g, e->rhs), m, u, u,
			 near(xasprintf("identifier '%s'", lhs->name), lhs->loc), lhs->name, lhs->name,
			 g->unwind, u);
}

/* ---- regular expressions -------------------------------------------------
 * Each `=~` pattern is compiled here (sema_checks.c proved it compiles)
 * into a `static const` program; the module only runs the matcher, with
 * this CPU's workspace (one per CPU: a hit owns its CPU's context). */

static StrBuf regex_programs;   /* the programs' definitions */
static int nregex;              /* programs emitted so far */

static char *regex_match(Gen *g, Expr *e)
{
	struct sonde_regex_prog prog;
	struct sonde_regex_error err;
	const char *pat = e->rhs->str;
	int n = nregex++, u = uniq(g);

	if (sonde_regex_compile(&prog, pat, strlen(pat), &err) < 0)
		ICE("regex \"%s\" passed the checks but does not compile: %s", pat, err.msg);
	size_t len = sonde_regex_emit_c(&prog, NULL, 0);
	char *init = xmalloc(len + 1);
	sonde_regex_emit_c(&prog, init, len + 1);
	sb_printf(&regex_programs, "static const struct sonde_regex_prog sonde_re_%d = %s;\n", n, init);
	free(init);
	/* a successful match is remembered for matched(n) */
	return xasprintf("({ const char *__s_t%d = %s; int __s_r%d = sonde_regex_match(&sonde_re_%d, "
			 "__s_t%d, sonde_strnlen(__s_t%d, MAXSTRINGLEN), &sonde_re_work[smp_processor_id()], "
			 "&c->last_match.m); if (__s_r%d > 0) sonde_remember_match(&c->last_match, __s_t%d); else c->last_match.valid = false; "
			 "(int64_t)(__s_r%d %s 0); })", u, expr(g, e->lhs), u, n, u, u, u, u, u,
			 e->op == OP_MATCH ? ">" : "<=");
}

static char *expr(Gen *g, Expr *e)
{
	switch (e->kind) {
	case EX_NUMBER:
		return number(e->num);
	case EX_STRING:
		return c_string(e->str);
	case EX_ARG:
		return script_arg(g, e);
	case EX_ARGC:
		return number(opt.script_argc);
	case EX_IDENT:
		return e->type == TY_STRING ? xasprintf("(const char *)%s", var(e->sym)) : var(e->sym);
	case EX_INDEX:
		return element(g, e);
	case EX_IN:
		return xasprintf("((int64_t)sonde_%s_exists(%s, %s))", is_stats(e->sym) ? "pmap" : "map",
				 global_name(e->sym), key_array(g, e->args));
	case EX_CALL:
		return e->func ? call_function(g, e) : call_builtin(g, e);
	case EX_UNARY:
		if (e->op == '&')   /* &$x->y: an address */
			return codegen_target(g, e);
		return xasprintf("((int64_t)(%s(%s)))", ast_op_name(e->op), expr(g, e->lhs));
	case EX_BINARY:
		return binary(g, e);
	case EX_TERNARY:
		return xasprintf("((%s) ? %s : %s)", expr(g, e->cond), expr(g, e->lhs), expr(g, e->rhs));
	case EX_ASSIGN:
		if (e->op == OP_AGG)
			return aggregate(g, e);
		if (!e->lhs->sym)   /* $var, @cast(...), @var(...): no variable */
			return unsupported(e->lhs, "writing to a target variable");
		return e->lhs->kind == EX_INDEX ? assign_element(g, e) : assign_scalar(g, e);
	case EX_INCDEC:
		if (!e->lhs->sym)
			return unsupported(e->lhs, "writing to a target variable");
		return incdec(g, e);
	case EX_TARGET:
		return codegen_target(g, e);
	case EX_REGEX:
		return regex_match(g, e);
	case EX_STATOP:
		return stat_extract(g, e);
	case EX_HIST:
		if (e->rhs)
			return hist_bucket(g, e);
		return unsupported(e, "a histogram outside print()");
	case EX_CAST:
		return codegen_target(g, e);
	case EX_ATVAR:
		return unsupported(e, "@var");
	case EX_DEFINED:
		return unsupported(e, "@defined");
	case EX_ENTRY:
		return unsupported(e, "@entry");
	case EX_EMBEDDED:
		return xasprintf("((int64_t)(%s))", e->str);
	}
	ICE("expression kind %s reached codegen", ast_expr_kind_name(e->kind));
}

/* ---- statements --------------------------------------------------------- */

static void stmt(Gen *g, Stmt *s);

static void stmt_list(Gen *g, Stmt *s)
{
	for (; s; s = s->next)
		stmt(g, s);
}

static void action_check(Gen *g, SrcLoc loc)
{
	line(g, "if (unlikely(!sonde_action(c, %s))) goto %s;", near("keyword", loc), g->unwind);
}

/* Binds foreach variables from entry __e<u> of map m. */
static void foreach_bind(Gen *g, Stmt *s, const char *m, int u)
{
	const Symbol *arr = s->array->sym;
	int i = 0;

	for (Expr *k = s->keys; k; k = k->next, i++) {
		if (k->type == TY_STRING)
			line(g, "sonde_strlcpy(%s, sonde_map_key_str(%s, __s_e%d, %d), MAXSTRINGLEN);",
			     var(k->sym), m, u, i);
		else
			line(g, "%s = sonde_map_key_long(%s, __s_e%d, %d);", var(k->sym), m, u, i);
	}
	if (s->value) {
		if (arr->type == TY_STRING)
			line(g, "sonde_strlcpy(%s, sonde_map_value_str(%s, __s_e%d), MAXSTRINGLEN);",
			     var(s->value->sym), m, u);
		else
			line(g, "%s = sonde_map_value_long(%s, __s_e%d);", var(s->value->sym), m, u);
	}
}

/* foreach ([v =] i in @hist_*(x)): every bucket number, in order. */
static void foreach_buckets(Gen *g, Stmt *s)
{
	int u = uniq(g);

	line(g, "{");
	g->indent++;
	line(g, "int64_t __s_n%d = 0, __s_lim%d = %s, __s_b%d;", u, u, s->limit ? expr(g, s->limit) : "-1", u);
	line(g, "const struct sonde_stat *__s_h%d = %s;", u, stat_of(g, s->array->lhs));
	line(g, "for (__s_b%d = 0; __s_b%d < sonde_stat_nbuckets(__s_h%d); __s_b%d++) {", u, u, u, u);
	g->indent++;
	line(g, "if (__s_lim%d >= 0 && __s_n%d++ >= __s_lim%d)", u, u, u);
	line(g, "\tbreak;");
	action_check(g, s->loc);
	line(g, "%s = __s_b%d;", var(s->keys->sym), u);
	if (s->value)
		line(g, "sonde_stat_bucket(__s_h%d, __s_b%d, &%s);", u, u, var(s->value->sym));
	stmt(g, s->body);
	g->indent--;
	line(g, "}");
	g->indent--;
	line(g, "}");
}

static void foreach(Gen *g, Stmt *s)
{
	if (s->array->kind == EX_HIST) {
		foreach_buckets(g, s);
		return;
	}
	const char *m = global_name(s->array->sym);
	int u = uniq(g);

	line(g, "{");
	g->indent++;
	if (is_stats(s->array->sym)) {
		/* iterate a snapshot: every CPU's part merged into the aggregate
		 * map (declared at the top: the cleanup code releases it) */
		sb_printf(&g->top, "\tstruct sonde_map *__s_agg%d = NULL;\n", u);
		line(g, "__s_agg%d = sonde_stats_snapshot(c, %s, %s);", u, near("foreach", s->loc), m);
		line(g, "if (!__s_agg%d)", u);
		line(g, "\tgoto %s;", g->unwind);
		m = xasprintf("__s_agg%d", u);
	}
	line(g, "int64_t __s_n%d = 0, __s_lim%d = %s;", u, u, s->limit ? expr(g, s->limit) : "-1");
	if (s->sort_key) {
		sb_printf(&g->top, "\tbool __s_held%d = false;\n", u);
		sb_printf(&g->cleanup, "\tif (__s_held%d)\n\t\tsonde_map_sorted_done(%s);\n", u, m);
		line(g, "uint32_t __s_cnt%d, __s_i%d;", u, u);
		if (is_stats(s->array->sym))   /* by value: by @count unless `a @op+` */
			line(g, "const int32_t *__s_ord%d = sonde_map_sorted_stat(%s, %d, %d, %d, &__s_cnt%d);",
			     u, m, s->sort_key, s->sort_dir, s->sort_statop ? s->sort_statop - 1 : ST_COUNT, u);
		else
			line(g, "const int32_t *__s_ord%d = sonde_map_sorted(%s, %d, %d, &__s_cnt%d);",
			     u, m, s->sort_key, s->sort_dir, u);
		line(g, "if (!__s_ord%d) { sonde_error(c, %s, \"nested sorted foreach over array '%s'\"); goto %s; }",
		     u, loc_str(s->loc), s->array->sym->name, g->unwind);
		line(g, "__s_held%d = true;", u);
		line(g, "for (__s_i%d = 0; __s_i%d < __s_cnt%d; __s_i%d++) {", u, u, u, u);
		g->indent++;
		line(g, "int32_t __s_e%d = __s_ord%d[__s_i%d];", u, u, u);
	} else {
		line(g, "int32_t __s_e%d, __s_next%d;", u, u);
		line(g, "for (__s_e%d = sonde_map_first(%s); __s_e%d >= 0; __s_e%d = __s_next%d) {", u, m, u, u, u);
		g->indent++;
		line(g, "__s_next%d = sonde_map_next(%s, __s_e%d);", u, m, u);
	}
	line(g, "if (__s_lim%d >= 0 && __s_n%d++ >= __s_lim%d)", u, u, u);
	line(g, "\tbreak;");
	action_check(g, s->loc);
	foreach_bind(g, s, m, u);
	stmt(g, s->body);
	g->indent--;
	line(g, "}");
	if (s->sort_key) {
		line(g, "sonde_map_sorted_done(%s);", m);
		line(g, "__s_held%d = false;", u);
	}
	g->indent--;
	line(g, "}");
}

static void delete(Gen *g, Stmt *s)
{
	Expr *e = s->expr;
	const Symbol *sym = e->sym;

	if (is_stats(sym) && e->kind == EX_INDEX)
		line(g, "sonde_pmap_delete(%s, %s);", global_name(sym), key_array(g, e->args));
	else if (is_stats(sym))
		line(g, "sonde_%s_clear(%s);", sym->arity > 0 ? "pmap" : "pstat", global_name(sym));
	else if (e->kind == EX_INDEX)
		line(g, "sonde_map_delete(%s, %s);", global_name(sym), key_array(g, e->args));
	else if (sym->arity > 0)
		line(g, "sonde_map_clear(%s);", global_name(sym));
	else if (sym->type == TY_STRING)
		line(g, "%s[0] = '\\0';", var(sym));
	else
		line(g, "%s = 0;", var(sym));
}

static void try_catch(Gen *g, Stmt *s)
{
	int u = uniq(g);
	const char *outer = g->unwind;

	line(g, "{");
	g->indent++;
	g->unwind = xasprintf("__s_catch%d", u);
	stmt(g, s->body);
	g->unwind = outer;
	line(g, "goto __s_tried%d;", u);
	line(g, "__s_catch%d: __attribute__((unused));", u);
	line(g, "if (!c->error)");
	line(g, "\tgoto %s;   /* 'next' or another unwind: not ours to catch */", outer);
	if (s->catch_var)
		line(g, "sonde_strlcpy(%s, c->error, MAXSTRINGLEN);", var(s->catch_var->sym));
	line(g, "c->error = NULL;");
	line(g, "c->abort = 0;");
	stmt(g, s->handler);
	line(g, "__s_tried%d: ;", u);
	g->indent--;
	line(g, "}");
}

/* A branch or loop body, one level deeper; a loop (its statement given)
 * counts an action per turn. */
static void nested(Gen *g, Stmt *body, const Stmt *loop)
{
	g->indent++;
	if (loop)
		action_check(g, loop->loc);
	stmt(g, body);
	g->indent--;
}

static void stmt(Gen *g, Stmt *s)
{
	switch (s->kind) {
	case ST_BLOCK:
		line(g, "{");
		g->indent++;
		stmt_list(g, s->body);
		g->indent--;
		line(g, "}");
		break;
	case ST_EXPR:
		line(g, "(void)(%s);", expr(g, s->expr));
		break;
	case ST_NULL:
		break;
	case ST_IF:
		line(g, "if (%s) {", expr(g, s->cond));
		nested(g, s->then, NULL);
		if (s->els) {
			line(g, "} else {");
			nested(g, s->els, NULL);
		}
		line(g, "}");
		break;
	case ST_WHILE:
		line(g, "while (%s) {", expr(g, s->cond));
		nested(g, s->body, s);
		line(g, "}");
		break;
	case ST_FOR:
		line(g, "for (%s; %s; %s) {",
		     s->init ? xasprintf("(void)(%s)", expr(g, s->init)) : "",
		     s->cond ? expr(g, s->cond) : "1",
		     s->step ? xasprintf("(void)(%s)", expr(g, s->step)) : "");
		nested(g, s->body, s);
		line(g, "}");
		break;
	case ST_FOREACH:
		foreach(g, s);
		break;
	case ST_BREAK:
		line(g, "break;");
		break;
	case ST_CONTINUE:
		line(g, "continue;");
		break;
	case ST_NEXT:
		if (g->fn && g->fn->group)
			line(g, "c->abort = SONDE_NEXT_OVERLOAD;   /* next: try the next overload */");
		else if (g->fn)
			line(g, "c->abort = 1;   /* next: unwind to the end of the probe */");
		line(g, "goto out;");
		break;
	case ST_RETURN:
		if (s->expr && g->fn->ret == TY_STRING)
			line(g, "sonde_strlcpy(__ret, %s, MAXSTRINGLEN);", expr(g, s->expr));
		else if (s->expr)
			line(g, "__ret = %s;", expr(g, s->expr));
		line(g, "goto out;");
		break;
	case ST_DELETE:
		delete(g, s);
		break;
	case ST_TRY:
		try_catch(g, s);
		break;
	case ST_EMBEDDED:
		line(g, "{ %s }", s->code);
		break;
	}
}

/* ---- functions and handlers -------------------------------------------- */

static void frame_fields(Gen *g, Symbol *locals)
{
	for (Symbol *l = locals; l; l = l->next) {
		if (l->type == TY_STRING)
			sb_printf(&g->fields, "\tchar v_%s[MAXSTRINGLEN];\n", l->name);
		else
			sb_printf(&g->fields, "\tint64_t v_%s;\n", l->name);
	}
}

static void init_locals(Gen *g, Symbol *locals)
{
	for (Symbol *l = locals; l; l = l->next) {
		if (l->kind == SYM_PARAM)
			continue;
		if (l->type == TY_STRING)
			line(g, "l->v_%s[0] = '\\0';", l->name);
		else
			line(g, "l->v_%s = 0;", l->name);
	}
}

typedef struct Output {
	StrBuf frames;        /* frame structs */
	StrBuf frame_union;   /* members of union sonde_frame */
	StrBuf protos;
	StrBuf bodies;
} Output;

static Gen gen_begin(Script *s, StrBuf *body)
{
	Gen g = { .s = s, .out = body, .indent = 1, .unwind = "out" };
	return g;
}

static void embedded_function(Output *o, Function *f, const char *sig)
{
	StrBuf *b = &o->bodies;
	bool str = f->ret == TY_STRING;

	sb_printf(b, "%s\n{\n", sig);
	if (!str)
		sb_puts(b, "\tint64_t __ret = 0;\n");
	else
		sb_puts(b, "\t__ret[0] = '\\0';\n");
	sb_puts(b, "#define CONTEXT c\n#define STAP_RETVALUE __ret\n");
	if (str)
		sb_puts(b, "#define STAP_RETURN(v) do { sonde_strlcpy(__ret, (v), MAXSTRINGLEN); goto out; } while (0)\n");
	else
		sb_puts(b, "#define STAP_RETURN(v) do { __ret = (v); goto out; } while (0)\n");
	sb_printf(b, "#define STAP_ERROR(...) do { sonde_error(c, %s, __VA_ARGS__); goto out; } while (0)\n",
		  takes_call_site(f) ? "__call_site" : loc_str(f->loc));
	for (Param *p = f->params; p; p = p->next)
		sb_printf(b, "#define STAP_ARG_%s a_%s\n", p->name, p->name);
	sb_printf(b, "\t{\n%s\n\t}\n\tgoto out;\nout: __attribute__((unused));\n", f->embedded);
	sb_puts(b, "#undef CONTEXT\n#undef STAP_RETVALUE\n#undef STAP_RETURN\n#undef STAP_ERROR\n");
	for (Param *p = f->params; p; p = p->next)
		sb_printf(b, "#undef STAP_ARG_%s\n", p->name);
	sb_puts(b, "\treturn __ret;\n}\n\n");
}

/*
 * An overload group is called through a dispatcher that runs its members in
 * order until one finishes without `next`; when all pass, the call acts as
 * `next` in the probe.
 */
static void dispatcher(Output *o, Function *head)
{
	StrBuf sig = { 0 }, args = { 0 };
	bool str = head->ret == TY_STRING;

	sb_printf(&sig, "static %s%sfo%d_%s(struct sonde_context *c%s", ctype(head->ret),
		  str ? "" : " ", head->id, head->name, str ? ", char *__ret" : "");
	Symbol *ps = head->locals;
	for (Param *p = head->params; p; p = p->next, ps = ps ? ps->next : NULL) {
		Type t = ps ? ps->type : TY_LONG;
		sb_printf(&sig, ", %s%sa_%s", ctype(t), t == TY_STRING ? "" : " ", p->name);
		sb_printf(&args, ", a_%s", p->name);
	}
	sb_putc(&sig, ')');
	sb_printf(&o->protos, "%s;\n", sig.data);
	sb_printf(&o->bodies, "%s\n{\n\t%s r = %s;\n\n", sig.data, ctype(head->ret),
		  str ? "__ret" : "0");
	for (Function *m = head; m; m = m->overload) {
		sb_printf(&o->bodies, "\tr = %s(c%s%s);\n\tif (c->abort != SONDE_NEXT_OVERLOAD)\n"
			  "\t\treturn r;\n", function_name(m), str ? ", __ret" : "",
			  args.data ? args.data : "");
		sb_printf(&o->bodies, "\tc->abort = %s;\n", m->overload ? "0" : "1   /* none left */");
	}
	sb_puts(&o->bodies, "\treturn r;\n}\n\n");
}

static void function(Script *s, Output *o, Function *f)
{
	StrBuf sig = { 0 }, body = { 0 };
	const char *name = function_name(f);

	sb_printf(&sig, "static %s%s%s(struct sonde_context *c%s", ctype(f->ret),
		  f->ret == TY_STRING ? "" : " ", name, f->ret == TY_STRING ? ", char *__ret" : "");
	if (takes_call_site(f))
		sb_puts(&sig, ", const char *__call_site");
	Symbol *ps = f->locals;
	for (Param *p = f->params; p; p = p->next, ps = ps ? ps->next : NULL) {
		Type t = ps ? ps->type : TY_LONG;
		sb_printf(&sig, ", %s%sa_%s", ctype(t), t == TY_STRING ? "" : " ", p->name);
	}
	sb_putc(&sig, ')');
	sb_printf(&o->protos, "%s;\n", sig.data);
	if (f->embedded) {
		embedded_function(o, f, sig.data);
		return;
	}

	Gen g = gen_begin(s, &body);
	g.fn = f;
	frame_fields(&g, f->locals);
	line(&g, "if (unlikely(c->nesting >= MAXNESTING)) {");
	line(&g, "\tsonde_error(c, %s, \"MAXNESTING exceeded (calls nested deeper than %%d)\", MAXNESTING);",
	     loc_str(f->loc));
	line(&g, "\treturn __ret;");
	line(&g, "}");
	line(&g, "l = &((union sonde_frame *)c->frames)[++c->nesting].f%d;", f->id);
	action_check(&g, f->loc);
	for (Symbol *p = f->locals; p && p->kind == SYM_PARAM; p = p->next) {
		if (p->type == TY_STRING)
			line(&g, "sonde_strlcpy(l->v_%s, a_%s, MAXSTRINGLEN);", p->name, p->name);
		else
			line(&g, "l->v_%s = a_%s;", p->name, p->name);
	}
	init_locals(&g, f->locals);
	stmt(&g, f->body);

	sb_printf(&o->frames, "struct frame_f%d {\n%s\tchar __unused;\n};\n", f->id,
		  g.fields.data ? g.fields.data : "");
	sb_printf(&o->frame_union, "\tstruct frame_f%d f%d;\n", f->id, f->id);
	StrBuf *b = &o->bodies;
	sb_printf(b, "%s\n{\n\tstruct frame_f%d *l;\n", sig.data, f->id);
	if (f->ret == TY_STRING)
		sb_puts(b, "\t__ret[0] = '\\0';\n");
	else
		sb_puts(b, "\tint64_t __ret = 0;\n");
	if (g.top.data)
		sb_puts(b, g.top.data);
	sb_puts(b, body.data);
	sb_puts(b, "out: __attribute__((unused));\n");
	if (g.cleanup.data)
		sb_puts(b, g.cleanup.data);
	sb_puts(b, "\tc->nesting--;\n\treturn __ret;\n}\n\n");
}

enum { LOCK_NONE, LOCK_READ, LOCK_WRITE };

/*
 * The lock mode a handler needs on global sym, from its use bits (see
 * sema_checks.c).  Statistics invert the usual rule: `<<<` only touches
 * this CPU's accumulator, so adders share the lock, while reading an
 * aggregate merges every CPU's data into shared storage and must be alone.
 */
static int lock_mode(const Symbol *sym, unsigned char bits)
{
	enum { READ = 1, WRITE = 2, ADD = 4 };

	if (!bits)
		return LOCK_NONE;
	if (sym->type == TY_STATS)
		return bits & (READ | WRITE) ? LOCK_WRITE : LOCK_READ;
	return bits & (WRITE | ADD) ? LOCK_WRITE : LOCK_READ;
}

/* Taking the locks: when lock i cannot be had, the jump to __s_nolock<i>
 * lands in a ladder that releases the ones taken before it, in reverse
 * (linear in the number of globals: a handler using 10,000 globals must
 * not cost 50 million unlock lines). */
static void handler_locks(Script *s, const unsigned char *bits, StrBuf *b, bool unlock)
{
	unsigned char use[s->nglobals ? s->nglobals : 1];

	for (int i = 0; i < s->nglobals; i++)
		use[i] = lock_mode(s->globals[i], bits[i]);
	if (!unlock) {
		bool any = false;
		for (int i = 0; i < s->nglobals; i++) {
			if (!use[i])
				continue;
			sb_printf(b, "\tif (!sonde_lock_%s(&lk%d))\n\t\tgoto __s_nolock%d;\n",
				  use[i] == 2 ? "write" : "read", i, i);
			any = true;
		}
		if (!any)
			return;
		sb_puts(b, "\tif (0) {\n");
		for (int i = s->nglobals - 1; i >= 0; i--) {
			if (!use[i])
				continue;
			sb_printf(b, "__s_nolock%d:\n", i);
			for (int j = i - 1; j >= 0; j--) {
				if (use[j]) {
					sb_printf(b, "\t\t%s_unlock(&lk%d);\n",
						  use[j] == 2 ? "write" : "read", j);
					break;
				}
			}
		}
		sb_puts(b, "\t\treturn;\n\t}\n");
		return;
	}
	for (int i = s->nglobals - 1; i >= 0; i--)
		if (use[i])
			sb_printf(b, "\t%s_unlock(&lk%d);\n", use[i] == 2 ? "write" : "read", i);
}

static void handler(Script *s, Output *o, Handler *h)
{
	StrBuf body = { 0 };
	Gen g = gen_begin(s, &body);

	g.handler = h;
	frame_fields(&g, h->locals);
	init_locals(&g, h->locals);
	if (h->cond)
		line(&g, "if (!(%s))\n\t\tgoto out;", expr(&g, h->cond));
	stmt_list(&g, h->body);

	sb_printf(&o->frames, "struct frame_h%d {\n%s\tchar __unused;\n};\n", h->id,
		  g.fields.data ? g.fields.data : "");
	sb_printf(&o->frame_union, "\tstruct frame_h%d h%d;\n", h->id, h->id);
	StrBuf *b = &o->bodies;
	sb_printf(b, "static void probe_%d(struct sonde_context *c)\n{\n", h->id);
	sb_printf(b, "\tstruct frame_h%d *l = &((union sonde_frame *)c->frames)[0].h%d;\n", h->id, h->id);
	if (g.top.data)
		sb_puts(b, g.top.data);
	handler_locks(s, h->global_use, b, false);
	sb_puts(b, body.data ? body.data : "");
	sb_puts(b, "out: __attribute__((unused));\n");
	if (g.cleanup.data)
		sb_puts(b, g.cleanup.data);
	handler_locks(s, h->global_use, b, true);
	sb_puts(b, "}\n\n");
}

/* ---- globals and the probe table ---------------------------------------- */

static void globals(Script *s, StrBuf *b)
{
	for (int i = 0; i < s->nglobals; i++) {
		Symbol *sym = s->globals[i];
		const char *n = global_name(sym);
		sb_printf(b, "static DEFINE_RWLOCK(lk%d);\n", i);
		if (is_stats(sym))
			sb_printf(b, "static struct sonde_%s *%s;\n", sym->arity > 0 ? "pmap" : "pstat", n);
		else if (sym->arity > 0)
			sb_printf(b, "static struct sonde_map *%s;\n", n);
		else if (sym->type == TY_STRING)
			sb_printf(b, "static char %s[MAXSTRINGLEN] = %s;\n", n,
				  sym->init ? c_string(sym->init->str) : "\"\"");
		else
			sb_printf(b, "static int64_t %s = %s;\n", n,
				  sym->init ? number(sym->init->num) : "0");
	}
}

/* The histogram spec of a statistics global, as a C initializer. */
static char *hist_spec(const Symbol *sym)
{
	const HistSpec *h = &sym->hist;
	int shift = sym->variance_shift;

	if (!h->used)
		return xasprintf("{ .kind = SONDE_HIST_NONE, .variance_shift = %d }", shift);
	if (h->kind == HIST_LOG)
		return xasprintf("{ .kind = SONDE_HIST_LOG, .variance_shift = %d }", shift);
	return xasprintf("{ .kind = SONDE_HIST_LINEAR, .low = %s, .high = %s, .step = %s, "
			 ".variance_shift = %d }", number(h->low), number(h->high), number(h->step), shift);
}

/* Arrays, statistics: made at load (they allocate), freed at unload. */
static bool allocated(const Symbol *sym)
{
	return sym->arity > 0 || is_stats(sym);
}

static void globals_init(Script *s, StrBuf *b)
{
	sb_puts(b, "int sonde_globals_init(void)\n{\n");
	if (nregex)
		sb_puts(b, "\tsonde_re_work = sonde_zalloc(nr_cpu_ids * sizeof(*sonde_re_work));\n"
			   "\tif (!sonde_re_work)\n\t\tgoto fail;\n");
	for (int i = 0; i < s->nglobals; i++) {
		Symbol *sym = s->globals[i];
		const char *n = global_name(sym);
		if (!allocated(sym))
			continue;
		if (is_stats(sym))
			sb_printf(b, "\tstatic const struct sonde_hist_spec spec%d = %s;\n", i, hist_spec(sym));
		if (sym->arity > 0) {
			sb_printf(b, "\tstatic const int keys%d[] = { ", i);
			for (int k = 0; k < sym->arity; k++)
				sb_printf(b, "%s%s", k ? ", " : "",
					  sym->key_types[k] == TY_STRING ? "SONDE_STRING" : "SONDE_LONG");
			sb_puts(b, " };\n");
		}
		if (is_stats(sym) && sym->arity > 0)
			sb_printf(b, "\t%s = sonde_pmap_new(%d, keys%d, %lld, %s, &spec%d, nr_cpu_ids);\n",
				  n, sym->arity, i, (long long)sym->max_entries,
				  sym->wrap ? "true" : "false", i);
		else if (is_stats(sym))
			sb_printf(b, "\t%s = sonde_pstat_new(&spec%d, nr_cpu_ids);\n", n, i);
		else
			sb_printf(b, "\t%s = sonde_map_new(%d, keys%d, %s, %lld, %s);\n", n,
				  sym->arity, i, sym->type == TY_STRING ? "SONDE_STRING" : "SONDE_LONG",
				  (long long)sym->max_entries, sym->wrap ? "true" : "false");
		sb_printf(b, "\tif (!%s)\n\t\tgoto fail;\n", n);
	}
	sb_puts(b, "\treturn 0;\nfail: __attribute__((unused));\n\tsonde_globals_free();\n"
		   "\treturn -ENOMEM;\n}\n\nvoid sonde_globals_free(void)\n{\n");
	if (nregex)
		sb_puts(b, "\tsonde_free(sonde_re_work);\n\tsonde_re_work = NULL;\n");
	for (int i = 0; i < s->nglobals; i++) {
		Symbol *sym = s->globals[i];
		const char *n = global_name(sym);
		if (!allocated(sym))
			continue;
		const char *kind = !is_stats(sym) ? "map" : sym->arity > 0 ? "pmap" : "pstat";
		sb_printf(b, "\tif (%s)\n\t\tsonde_%s_free(%s);\n\t%s = NULL;\n", n, kind, n, n);
	}
	sb_puts(b, "}\n\n");
}

/*
 * SystemTap prints, at the end of a run, every global the script wrote but
 * never read: `n=5`, `s="text"`, and one `a["key",2]=7` line per element.
 */
static bool autoprinted(const Symbol *g)
{
	return g->written && !g->read;
}

static void autoprint_element(StrBuf *b, const Symbol *g)
{
	const char *m = global_name(g);
	StrBuf fmt = { 0 }, args = { 0 };

	sb_printf(&fmt, "%s[", g->name);
	for (int k = 0; k < g->arity; k++) {
		bool str = g->key_types[k] == TY_STRING;
		sb_puts(&fmt, k ? "," : "");
		sb_puts(&fmt, str ? "\\\"%s\\\"" : "%d");
		sb_printf(&args, "%s(sonde_map_key_%s(%s, e, %d)), ", str ? "SONDE_ARG_STR" : "SONDE_ARG_LONG",
			  str ? "str" : "long", m, k);
	}
	bool str = g->type == TY_STRING;
	sb_puts(&fmt, str ? "]=\\\"%s\\\"\\n" : "]=%d\\n");
	sb_printf(&args, "%s(sonde_map_value_%s(%s, e))", str ? "SONDE_ARG_STR" : "SONDE_ARG_LONG",
		  str ? "str" : "long", m);
	sb_printf(b, "\tfor (e = sonde_map_first(%s); e >= 0; e = sonde_map_next(%s, e))\n", m, m);
	sb_printf(b, "		sonde_printf(c, \"%s\", (const struct sonde_arg[]){ %s }, %d);\n",
		  fmt.data, args.data, g->arity + 1);
}

/* A statistic prints its summary: `s @count=3 @min=1 @max=5 @sum=9 @avg=3`,
 * and per element `a["k",2] @count=...`. */
static void autoprint_stats(StrBuf *b, const Symbol *g)
{
	const char *m = global_name(g);
	StrBuf fmt = { 0 }, args = { 0 };

	if (g->arity == 0) {
		sb_printf(b, "\tsonde_print_str(c, \"%s\");\n", g->name);
		sb_printf(b, "\tsonde_print_stat_summary(c, sonde_pstat_aggregate(%s));\n", m);
		return;
	}
	sb_printf(&fmt, "%s[", g->name);
	for (int k = 0; k < g->arity; k++) {
		bool str = g->key_types[k] == TY_STRING;
		sb_puts(&fmt, k ? "," : "");
		sb_puts(&fmt, str ? "\\\"%s\\\"" : "%d");
		sb_printf(&args, "%s%s(sonde_map_key_%s(agg, e, %d))", k ? ", " : "",
			  str ? "SONDE_ARG_STR" : "SONDE_ARG_LONG", str ? "str" : "long", k);
	}
	sb_puts(&fmt, "]");
	sb_printf(b, "\tagg = sonde_stats_snapshot(c, \"autoprint\", %s);\n", m);
	sb_puts(b, "\tfor (e = agg ? sonde_map_first(agg) : -1; e >= 0; e = sonde_map_next(agg, e)) {\n");
	sb_printf(b, "\t\tsonde_printf(c, \"%s\", (const struct sonde_arg[]){ %s }, %d);\n",
		  fmt.data, args.data, g->arity);
	sb_puts(b, "\t\tsonde_print_stat_summary(c, sonde_map_value_stat(agg, e));\n\t}\n");
}

/* Emits the autoprint handler; returns false when no global needs it. */
static bool autoprint(Script *s, StrBuf *b)
{
	bool any = false;

	for (int i = 0; i < s->nglobals; i++)
		any |= autoprinted(s->globals[i]);
	if (!any)
		return false;
	unsigned char use[s->nglobals];
	for (int i = 0; i < s->nglobals; i++)   /* as a reader (bit 1) */
		use[i] = autoprinted(s->globals[i]) ? 1 : 0;
	sb_puts(b, "static void probe_autoprint(struct sonde_context *c)\n{\n\tint32_t e;\n"
		   "\tstruct sonde_map *agg;\n\n");
	handler_locks(s, use, b, false);
	for (int i = 0; i < s->nglobals; i++) {
		const Symbol *g = s->globals[i];
		if (!autoprinted(g))
			continue;
		if (is_stats(g))
			autoprint_stats(b, g);
		else if (g->arity > 0)
			autoprint_element(b, g);
		else if (g->type == TY_STRING)
			sb_printf(b, "\tsonde_printf(c, \"%s=\\\"%%s\\\"\\n\", (const struct sonde_arg[]){ SONDE_ARG_STR(%s) }, 1);\n",
				  g->name, global_name(g));
		else
			sb_printf(b, "\tsonde_printf(c, \"%s=%%d\\n\", (const struct sonde_arg[]){ SONDE_ARG_LONG(%s) }, 1);\n",
				  g->name, global_name(g));
	}
	handler_locks(s, use, b, true);
	sb_puts(b, "\t(void)e;\n\t(void)agg;\n}\n\n");
	return true;
}

static const char *kind_name(PointKind k)
{
	static const char *names[] = {
		[PK_BEGIN] = "SONDE_PROBE_BEGIN", [PK_END] = "SONDE_PROBE_END",
		[PK_ERROR] = "SONDE_PROBE_ERROR", [PK_KPROBE] = "SONDE_PROBE_KPROBE",
		[PK_KRETPROBE] = "SONDE_PROBE_KRETPROBE", [PK_TIMER] = "SONDE_PROBE_TIMER",
	};
	return names[k];
}

static void probe_table(Script *s, StrBuf *b, bool with_autoprint)
{
	sb_puts(b, "struct sonde_probe sonde_probes[] = {\n");
	if (with_autoprint)   /* after every end probe of the script */
		sb_puts(b, "\t{ .kind = SONDE_PROBE_END, .point = \"end\", .location = \"(autoprint)\", "
			   ".handler = probe_autoprint, .sequence = LLONG_MAX },\n");
	for (ConcretePoint *cp = s->points; cp; cp = cp->next) {
		sb_printf(b, "\t{ .kind = %s, .point = %s, .location = %s, .handler = probe_%d",
			  kind_name(cp->kind), c_string(cp->text), loc_str(cp->loc), cp->handler->id);
		if (cp->symbol)
			sb_printf(b, ", .symbol = %s", c_string(cp->symbol));
		if (cp->kind == PK_TIMER)
			sb_printf(b, ", .interval_ns = %lldLL, .randomize_ns = %lldLL",
				  (long long)cp->interval_ns, (long long)cp->randomize_ns);
		if (cp->sequence)
			sb_printf(b, ", .sequence = %lldLL", (long long)cp->sequence);
		if (cp->maxactive)
			sb_printf(b, ", .maxactive = %d", cp->maxactive);
		sb_puts(b, " },\n");
	}
	sb_puts(b, "};\nconst unsigned int sonde_nprobes = ARRAY_SIZE(sonde_probes);\n");
}

char *codegen(Script *s)
{
	StrBuf out = { 0 };
	Output o = { 0 };
	const char *name = opt.script_path ? opt.script_path : "<input>";

	regex_programs = (StrBuf){ 0 };   /* (the fuzzer runs codegen again and again) */
	nregex = 0;

	for (int i = 0; i < s->nfunctions; i++)
		function(s, &o, s->functions[i]);
	for (int i = 0; i < s->nfunctions; i++)
		if (s->functions[i]->overloaded)
			dispatcher(&o, s->functions[i]);
	for (Handler *h = s->handlers; h; h = h->next)
		handler(s, &o, h);

	sb_printf(&out, "/* Generated by sonde from %s. Do not edit. */\n", name);
	sb_puts(&out, "#include \"runtime.h\"   /* runtime/kernel/ or runtime/user/ */\n\n");
	for (int i = 0; i < s->ntapsets + 1; i++) {
		Program *p = i == 0 ? s->user : s->tapsets[i - 1];
		for (Embedded *e = p->embedded; e; e = e->next)
			sb_printf(&out, "%s\n", e->code);
	}
	sb_printf(&out, "const char sonde_script_name[] = %s;\n\n", c_string(name));
	globals(s, &out);
	sb_puts(&out, "\n");
	if (nregex)
		sb_printf(&out, "%sstatic struct sonde_regex_work *sonde_re_work;   /* one per CPU */\n\n",
			  regex_programs.data);
	if (o.frames.data)
		sb_puts(&out, o.frames.data);
	sb_printf(&out, "union sonde_frame {\n%s\tchar __unused;\n};\n",
		  o.frame_union.data ? o.frame_union.data : "");
	sb_puts(&out, "const size_t sonde_frames_size = sizeof(union sonde_frame) * (MAXNESTING + 1);\n\n");
	if (o.protos.data)
		sb_printf(&out, "%s\n", o.protos.data);
	if (o.bodies.data)
		sb_puts(&out, o.bodies.data);
	bool with_autoprint = autoprint(s, &out);
	globals_init(s, &out);
	probe_table(s, &out, with_autoprint);
	return sb_steal(&out);
}
