/*
 * ast_print.c - prints the AST back as probe-language source (sonde -p1).
 *
 * The output is canonical and re-parseable: one statement per line with
 * tab indentation, every simple statement ended by ';', strings
 * re-escaped, and only the parentheses that precedence requires.  Parsing
 * the output and printing it again gives the same text (the unit tests
 * check this fixed point).
 */
#include "parse.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>

/* Binding strength of each expression form, loosest first.  These mirror
 * the precedence declarations in parser.y. */
enum {
	P_ASSIGN = 1, P_TERNARY, P_OR, P_AND, P_BOR, P_XOR, P_BAND, P_IN,
	P_CMP, P_SHIFT, P_CAT, P_ADD, P_MUL, P_UNARY, P_POSTFIX, P_PRIMARY,
};

static void print_expr(FILE *out, const Expr *e, int min_prec);
static void print_block(FILE *out, const Stmt *s, int indent);

static int binary_prec(int op)
{
	switch (op) {
	case OP_OR: return P_OR;
	case OP_AND: return P_AND;
	case '|': return P_BOR;
	case '^': return P_XOR;
	case '&': return P_BAND;
	case OP_EQ: case OP_NE: case '<': case '>': case OP_LE: case OP_GE:
	case OP_MATCH: case OP_NMATCH:
		return P_CMP;
	case OP_SHL: case OP_SHR: return P_SHIFT;
	case '.': return P_CAT;
	case '+': case '-': return P_ADD;
	default: return P_MUL;
	}
}

static int expr_prec(const Expr *e)
{
	switch (e->kind) {
	case EX_ASSIGN: return P_ASSIGN;
	case EX_TERNARY: return P_TERNARY;
	case EX_BINARY: case EX_REGEX: return binary_prec(e->op);
	case EX_IN: return P_IN;
	case EX_UNARY: return P_UNARY;
	case EX_INCDEC: return P_POSTFIX;
	case EX_NUMBER: return e->num < 0 ? P_UNARY : P_PRIMARY;
	default: return P_PRIMARY;
	}
}

static void print_string(FILE *out, const char *s)
{
	StrBuf sb = {0};
	sb_put_c_escaped(&sb, s ? s : "");
	fprintf(out, "\"%s\"", sb.data ? sb.data : "");
	free(sb.data);
}

static void print_list(FILE *out, const Expr *e)
{
	for (; e; e = e->next) {
		print_expr(out, e, P_ASSIGN);
		if (e->next)
			fputs(", ", out);
	}
}

static void print_chain(FILE *out, const TargetComp *c, int pretty)
{
	for (; c; c = c->next) {
		if (c->kind == TC_MEMBER) {
			fprintf(out, "%s%s", c->arrow ? "->" : ".", c->member);
		} else {
			fputc('[', out);
			print_expr(out, c->index, P_ASSIGN);
			fputc(']', out);
		}
	}
	for (int i = 0; i < pretty; i++)
		fputc('$', out);
}

/* True when printing e right after a unary `op` would glue the two into
 * another token: "- -x" must not become "--x", nor "! ~x" become "!~x". */
static bool needs_space_after(int op, const Expr *e)
{
	if (op == '!')
		return e->kind == EX_UNARY && e->op == '~';
	if (op != '-' && op != '+')
		return false;
	if (e->kind == EX_UNARY)
		return e->op == op;
	if (e->kind == EX_INCDEC && !e->postfix)
		return (e->op == OP_DEC) == (op == '-');
	return e->kind == EX_NUMBER && e->num < 0 && op == '-';
}

static void print_number(FILE *out, int64_t n)
{
	if (n == INT64_MIN)
		fputs("0x8000000000000000", out);
	else
		fprintf(out, "%" PRId64, n);
}

static void print_expr_bare(FILE *out, const Expr *e)
{
	int p = expr_prec(e);
	switch (e->kind) {
	case EX_NUMBER:
		print_number(out, e->num);
		break;
	case EX_STRING:
		print_string(out, e->str);
		break;
	case EX_IDENT:
		fputs(e->name, out);
		break;
	case EX_INDEX:
		fprintf(out, "%s[", e->name);
		print_list(out, e->args);
		fputc(']', out);
		break;
	case EX_CALL:
		fprintf(out, "%s(", e->name);
		print_list(out, e->args);
		fputc(')', out);
		break;
	case EX_UNARY:
		fputs(ast_op_name(e->op), out);
		if (needs_space_after(e->op, e->lhs))
			fputc(' ', out);
		print_expr(out, e->lhs, P_UNARY);
		break;
	case EX_BINARY:
	case EX_REGEX:
		print_expr(out, e->lhs, p);
		fprintf(out, " %s ", ast_op_name(e->op));
		print_expr(out, e->rhs, p + 1);
		break;
	case EX_TERNARY:
		print_expr(out, e->cond, P_TERNARY + 1);
		fputs(" ? ", out);
		print_expr(out, e->lhs, P_ASSIGN);
		fputs(" : ", out);
		print_expr(out, e->rhs, P_TERNARY);
		break;
	case EX_ASSIGN:
		print_expr(out, e->lhs, P_ASSIGN + 1);
		if (e->op == '=' || e->op == OP_AGG)
			fprintf(out, " %s ", ast_op_name(e->op));
		else
			fprintf(out, " %s= ", ast_op_name(e->op));
		print_expr(out, e->rhs, P_ASSIGN);
		break;
	case EX_INCDEC:
		if (!e->postfix)
			fputs(ast_op_name(e->op), out);
		print_expr(out, e->lhs, P_PRIMARY);
		if (e->postfix)
			fputs(ast_op_name(e->op), out);
		break;
	case EX_IN:
		if (e->args && !e->args->next) {
			print_expr(out, e->args, P_IN + 1);
		} else {
			fputc('[', out);
			print_list(out, e->args);
			fputc(']', out);
		}
		fprintf(out, " in %s", e->name);
		break;
	case EX_STATOP:
		fprintf(out, "%s(", ast_statop_name(e->statop));
		print_expr(out, e->lhs, P_ASSIGN);
		if (e->rhs) {
			fputs(", ", out);
			print_expr(out, e->rhs, P_ASSIGN);
		}
		fputc(')', out);
		break;
	case EX_HIST:
		fputs(e->hist == HIST_LINEAR ? "@hist_linear(" : "@hist_log(", out);
		print_expr(out, e->lhs, P_ASSIGN);
		for (const Expr *a = e->args; a; a = a->next) {
			fputs(", ", out);
			print_expr(out, a, P_ASSIGN);
		}
		fputc(')', out);
		if (e->rhs) {
			fputc('[', out);
			print_expr(out, e->rhs, P_ASSIGN);
			fputc(']', out);
		}
		break;
	case EX_TARGET:
		fprintf(out, "$%s", e->name);
		print_chain(out, e->chain, e->pretty);
		break;
	case EX_CAST:
		fputs("@cast(", out);
		print_expr(out, e->lhs, P_ASSIGN);
		fputs(", ", out);
		print_string(out, e->str);
		if (e->module) {
			fputs(", ", out);
			print_string(out, e->module);
		}
		fputc(')', out);
		print_chain(out, e->chain, e->pretty);
		break;
	case EX_ATVAR:
		fputs("@var(", out);
		print_string(out, e->str);
		if (e->module) {
			fputs(", ", out);
			print_string(out, e->module);
		}
		fputc(')', out);
		print_chain(out, e->chain, e->pretty);
		break;
	case EX_DEFINED:
	case EX_ENTRY:
		fputs(e->kind == EX_DEFINED ? "@defined(" : "@entry(", out);
		print_expr(out, e->lhs, P_ASSIGN);
		fputc(')', out);
		break;
	case EX_ARG:
		fprintf(out, "%c%" PRId64, e->quoted ? '@' : '$', e->num);
		break;
	case EX_ARGC:
		fputs("$#", out);
		break;
	case EX_EMBEDDED:
		fprintf(out, "%%{%s%%}", e->str);
		break;
	}
}

/* Prints e, parenthesized if it binds more loosely than min_prec. */
static void print_expr(FILE *out, const Expr *e, int min_prec)
{
	if (!e) {
		fputs("<null>", out);
		return;
	}
	bool paren = expr_prec(e) < min_prec;
	if (paren)
		fputc('(', out);
	print_expr_bare(out, e);
	if (paren)
		fputc(')', out);
}

void ast_print_expr(FILE *out, const Expr *e)
{
	print_expr(out, e, P_ASSIGN);
}

/* ---- statements ---------------------------------------------------------- */

static void tabs(FILE *out, int n)
{
	for (int i = 0; i < n; i++)
		fputc('\t', out);
}

/* Would an `else` written after s bind to an `if` inside s? */
static bool dangling(const Stmt *s)
{
	switch (s->kind) {
	case ST_IF: return s->els ? dangling(s->els) : true;
	case ST_WHILE: case ST_FOR: case ST_FOREACH: return dangling(s->body);
	default: return false;
	}
}

/*
 * Prints the body of if/while/for/foreach.  A block goes on the same
 * line (" {" ... "}", no newline after, returns true); anything else on
 * its own line, one level deeper (ends with a newline, returns false).
 * With `brace` a single statement is wrapped in braces as if a block.
 */
static bool print_sub(FILE *out, const Stmt *s, int indent, bool brace)
{
	if (s->kind == ST_BLOCK) {
		fputc(' ', out);
		print_block(out, s, indent);
		return true;
	}
	if (brace) {
		fputs(" {\n", out);
		ast_print_stmt(out, s, indent + 1);
		tabs(out, indent);
		fputc('}', out);
		return true;
	}
	fputc('\n', out);
	ast_print_stmt(out, s, indent + 1);
	return false;
}

static void print_if(FILE *out, const Stmt *s, int indent)
{
	fputs("if (", out);
	print_expr(out, s->cond, P_ASSIGN);
	fputc(')', out);
	bool inline_end = print_sub(out, s->then, indent, s->els && dangling(s->then));
	if (!s->els) {
		if (inline_end)
			fputc('\n', out);
		return;
	}
	if (inline_end) {
		fputs(" else", out);
	} else {
		tabs(out, indent);
		fputs("else", out);
	}
	if (s->els->kind == ST_IF) {
		fputc(' ', out);
		print_if(out, s->els, indent);
	} else if (print_sub(out, s->els, indent, false)) {
		fputc('\n', out);
	}
}

static void print_foreach(FILE *out, const Stmt *s)
{
	fputs("foreach (", out);
	if (s->value)
		fprintf(out, "%s = ", s->value->name);
	bool brackets = s->keys && s->keys->next;
	if (brackets)
		fputc('[', out);
	int i = 1;
	for (const Expr *k = s->keys; k; k = k->next, i++) {
		fputs(k->name, out);
		if (s->sort_key == i)
			fputc(s->sort_dir < 0 ? '-' : '+', out);
		if (k->next)
			fputs(", ", out);
	}
	if (brackets)
		fputc(']', out);
	fputs(" in ", out);
	print_expr(out, s->array, P_ASSIGN);
	if (s->sort_statop)
		fprintf(out, " %s", ast_statop_name(s->sort_statop - 1));
	if (s->sort_key == -1)
		fputc(s->sort_dir < 0 ? '-' : '+', out);
	if (s->limit) {
		fputs(" limit ", out);
		print_expr(out, s->limit, P_ASSIGN);
	}
	fputc(')', out);
}

static void print_loop_body(FILE *out, const Stmt *body, int indent)
{
	if (print_sub(out, body, indent, false))
		fputc('\n', out);
}

static void print_block(FILE *out, const Stmt *s, int indent)
{
	fputs("{\n", out);
	for (const Stmt *c = s->body; c; c = c->next)
		ast_print_stmt(out, c, indent + 1);
	tabs(out, indent);
	fputc('}', out);
}

void ast_print_stmt(FILE *out, const Stmt *s, int indent)
{
	tabs(out, indent);
	switch (s->kind) {
	case ST_BLOCK:
		print_block(out, s, indent);
		fputc('\n', out);
		break;
	case ST_EXPR:
		print_expr(out, s->expr, P_ASSIGN);
		fputs(";\n", out);
		break;
	case ST_NULL:
		fputs(";\n", out);
		break;
	case ST_IF:
		print_if(out, s, indent);
		break;
	case ST_WHILE:
		fputs("while (", out);
		print_expr(out, s->cond, P_ASSIGN);
		fputc(')', out);
		print_loop_body(out, s->body, indent);
		break;
	case ST_FOR:
		fputs("for (", out);
		if (s->init)
			print_expr(out, s->init, P_ASSIGN);
		fputc(';', out);
		if (s->cond) {
			fputc(' ', out);
			print_expr(out, s->cond, P_ASSIGN);
		}
		fputc(';', out);
		if (s->step) {
			fputc(' ', out);
			print_expr(out, s->step, P_ASSIGN);
		}
		fputc(')', out);
		print_loop_body(out, s->body, indent);
		break;
	case ST_FOREACH:
		print_foreach(out, s);
		print_loop_body(out, s->body, indent);
		break;
	case ST_BREAK:
		fputs("break;\n", out);
		break;
	case ST_CONTINUE:
		fputs("continue;\n", out);
		break;
	case ST_NEXT:
		fputs("next;\n", out);
		break;
	case ST_RETURN:
		fputs("return", out);
		if (s->expr) {
			fputc(' ', out);
			print_expr(out, s->expr, P_ASSIGN);
		}
		fputs(";\n", out);
		break;
	case ST_DELETE:
		fputs("delete ", out);
		print_expr(out, s->expr, P_ASSIGN);
		fputs(";\n", out);
		break;
	case ST_TRY:
		fputs("try ", out);
		print_block(out, s->body, indent);
		fputs(" catch ", out);
		if (s->catch_var)
			fprintf(out, "(%s) ", s->catch_var->name);
		print_block(out, s->handler, indent);
		fputc('\n', out);
		break;
	case ST_EMBEDDED:
		fprintf(out, "%%{%s%%}\n", s->code);
		break;
	}
}

/* ---- declarations -------------------------------------------------------- */

void ast_print_probe_point(FILE *out, const ProbePoint *pp)
{
	for (const ProbePointComp *c = pp->comps; c; c = c->next) {
		fputs(c->name, out);
		if (c->arg) {
			fputc('(', out);
			if (c->arg->kind == EX_NUMBER)
				print_number(out, c->arg->num);
			else
				print_expr(out, c->arg, P_ASSIGN);
			fputc(')', out);
		}
		if (c->next)
			fputc('.', out);
	}
	if (pp->optional)
		fputc('?', out);
	if (pp->sufficient)
		fputc('!', out);
	if (pp->cond) {
		fputs(" if (", out);
		print_expr(out, pp->cond, P_ASSIGN);
		fputc(')', out);
	}
}

static void print_points(FILE *out, const ProbePoint *pp)
{
	for (; pp; pp = pp->next) {
		ast_print_probe_point(out, pp);
		if (pp->next)
			fputs(", ", out);
	}
}

static const char *type_suffix(Type t)
{
	return t == TY_LONG ? ":long" : t == TY_STRING ? ":string" : "";
}

static void print_global(FILE *out, const Symbol *g)
{
	fprintf(out, "%sglobal %s", g->is_private ? "private " : "", g->name);
	if (g->max_entries)
		fprintf(out, "[%" PRId64 "]", g->max_entries);
	if (g->wrap)
		fputc('%', out);
	if (g->init) {
		fputs(" = ", out);
		print_expr(out, g->init, P_ASSIGN);
	}
	fputc('\n', out);
}

static void print_function(FILE *out, const Function *f)
{
	fprintf(out, "%sfunction %s%s(", f->is_private ? "private " : "", f->name,
	        type_suffix(f->declared));
	for (const Param *p = f->params; p; p = p->next)
		fprintf(out, "%s%s%s", p->name, type_suffix(p->declared),
		        p->next ? ", " : "");
	fputc(')', out);
	if (f->priority)
		fprintf(out, ":%d", f->priority);
	if (f->body) {
		fputc(' ', out);
		print_block(out, f->body, 0);
	} else {
		fprintf(out, " %%{%s%%}", f->embedded ? f->embedded : "");
	}
	fputc('\n', out);
}

void ast_print_program(FILE *out, const Program *prog)
{
	bool any = false;
	for (const Embedded *em = prog->embedded; em; em = em->next) {
		fprintf(out, "%%{%s%%}\n", em->code);
		any = true;
	}
	for (const Symbol *g = prog->globals; g; g = g->next) {
		print_global(out, g);
		any = true;
	}
	for (const Function *f = prog->functions; f; f = f->next) {
		if (any)
			fputc('\n', out);
		print_function(out, f);
		any = true;
	}
	for (const ProbeAlias *a = prog->aliases; a; a = a->next) {
		if (any)
			fputc('\n', out);
		fputs("probe ", out);
		print_points(out, a->names);
		fputs(a->epilogue ? " += " : " = ", out);
		print_points(out, a->points);
		fputc(' ', out);
		print_block(out, a->body, 0);
		fputc('\n', out);
		any = true;
	}
	for (const Probe *p = prog->probes; p; p = p->next) {
		if (any)
			fputc('\n', out);
		fputs("probe ", out);
		print_points(out, p->points);
		fputc(' ', out);
		print_block(out, p->body, 0);
		fputc('\n', out);
		any = true;
	}
}
