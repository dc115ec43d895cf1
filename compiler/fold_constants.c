/*
 * fold_constants.c - constant folding and the dead branches it exposes.
 *
 * Runs after the type pass (so every node has its type) and before codegen,
 * unless -u.  Folds unary, binary, logical and ternary operators whose
 * operands are literals, string concatenation of literals, and string
 * comparisons of literals; `if` and `while` on a constant condition lose
 * the branch that can never run.  A division by a constant zero is a
 * compile-time error, as in SystemTap.  Folding uses 64-bit wrapping
 * arithmetic, the same as the generated code.
 */
#include <string.h>
#include "diag.h"
#include "session.h"
#include "util.h"

static bool is_num(const Expr *e)
{
	return e && e->kind == EX_NUMBER;
}

static bool is_str(const Expr *e)
{
	return e && e->kind == EX_STRING;
}

static void make_num(Expr *e, int64_t v)
{
	e->kind = EX_NUMBER;
	e->num = v;
	e->type = TY_LONG;
	e->lhs = e->rhs = e->cond = NULL;
}

static bool fold_long(Expr *e, int64_t a, int64_t b, int64_t *out)
{
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;

	switch (e->op) {
	case '+': *out = (int64_t)(ua + ub); return true;
	case '-': *out = (int64_t)(ua - ub); return true;
	case '*': *out = (int64_t)(ua * ub); return true;
	case '/':
	case '%':
		if (b == 0) {
			diag_error(e->loc, "division by zero");
			return false;
		}
		if (b == -1)    /* INT64_MIN / -1 wraps instead of trapping */
			*out = e->op == '/' ? (int64_t)(0 - ua) : 0;
		else
			*out = e->op == '/' ? a / b : a % b;
		return true;
	case '&': *out = a & b; return true;
	case '|': *out = a | b; return true;
	case '^': *out = a ^ b; return true;
	case OP_SHL: *out = (int64_t)(ua << (b & 63)); return true;
	case OP_SHR: *out = a >> (b & 63); return true;
	case OP_AND: *out = a && b; return true;
	case OP_OR: *out = a || b; return true;
	case '<': *out = a < b; return true;
	case '>': *out = a > b; return true;
	case OP_LE: *out = a <= b; return true;
	case OP_GE: *out = a >= b; return true;
	case OP_EQ: *out = a == b; return true;
	case OP_NE: *out = a != b; return true;
	default: return false;
	}
}

static void fold_expr(Expr *e);

static void fold_binary(Expr *e)
{
	Expr *l = e->lhs, *r = e->rhs;
	int64_t v;

	if (e->op == '.' && is_str(l) && is_str(r)) {
		e->kind = EX_STRING;
		e->str = xasprintf("%s%s", l->str, r->str);
		e->lhs = e->rhs = NULL;
		return;
	}
	if (is_str(l) && is_str(r)) {
		int c = strcmp(l->str, r->str);
		if (fold_long(e, c, 0, &v))
			make_num(e, v);
		return;
	}
	if (is_num(l) && is_num(r) && fold_long(e, l->num, r->num, &v)) {
		make_num(e, v);
		return;
	}
	/* 0 && x and 1 || x are decided by their left side alone */
	if (is_num(l) && ((e->op == OP_AND && !l->num) || (e->op == OP_OR && l->num)))
		make_num(e, e->op == OP_OR);
}

static void fold_expr(Expr *e)
{
	if (!e)
		return;
	fold_expr(e->lhs);
	fold_expr(e->rhs);
	fold_expr(e->cond);
	for (Expr *a = e->args; a; a = a->next)
		fold_expr(a);
	for (TargetComp *tc = e->chain; tc; tc = tc->next)
		fold_expr(tc->index);
	switch (e->kind) {
	case EX_UNARY:
		if (!is_num(e->lhs))
			break;
		switch (e->op) {
		case '-': make_num(e, (int64_t)(0 - (uint64_t)e->lhs->num)); break;
		case '+': make_num(e, e->lhs->num); break;
		case '!': make_num(e, !e->lhs->num); break;
		case '~': make_num(e, ~e->lhs->num); break;
		}
		break;
	case EX_BINARY:
		fold_binary(e);
		break;
	case EX_TERNARY:
		if (is_num(e->cond)) {
			Expr *pick = e->cond->num ? e->lhs : e->rhs;
			Expr *next = e->next;
			*e = *pick;
			e->next = next;
		}
		break;
	default:
		break;
	}
}

static void fold_stmt(Stmt *s);

static void fold_list(Stmt *s)
{
	for (; s; s = s->next)
		fold_stmt(s);
}

/* Replaces s by the statement `with` (or by an empty statement). */
static void replace(Stmt *s, Stmt *with)
{
	Stmt *next = s->next;
	if (with) {
		*s = *with;
	} else {
		memset(s, 0, sizeof(*s));
		s->kind = ST_NULL;
	}
	s->next = next;
}

static void fold_stmt(Stmt *s)
{
	fold_expr(s->expr);
	fold_expr(s->cond);
	fold_expr(s->init);
	fold_expr(s->step);
	fold_expr(s->limit);
	if (s->kind == ST_BLOCK)
		fold_list(s->body);
	else if (s->body)
		fold_stmt(s->body);
	if (s->then)
		fold_stmt(s->then);
	if (s->els)
		fold_stmt(s->els);
	if (s->handler)
		fold_stmt(s->handler);
	if (s->kind == ST_IF && is_num(s->cond))
		replace(s, s->cond->num ? s->then : s->els);
	else if (s->kind == ST_WHILE && is_num(s->cond) && !s->cond->num)
		replace(s, NULL);
}

int fold_constants(Script *s)
{
	int errors = diag_errors();

	for (int i = 0; i < s->nfunctions; i++)
		if (s->functions[i]->body)
			fold_stmt(s->functions[i]->body);
	for (Handler *h = s->handlers; h; h = h->next) {
		fold_expr(h->cond);
		fold_list(h->body);
	}
	return diag_errors() > errors ? -1 : 0;
}
