/*
 * ast_copy.c - deep copies of statements and expressions.
 *
 * Probe aliases splice their prologue and epilogue around each probe body
 * that uses them; every splice gets its own copy so the resolve pass can
 * bind each copy's variables to that handler's locals.
 */
#include <string.h>
#include "ast_copy.h"
#include "util.h"

static TargetComp *copy_chain(const TargetComp *tc)
{
	TargetComp *head = NULL;

	for (; tc; tc = tc->next) {
		TargetComp *c = xmalloc(sizeof(*c));
		*c = *tc;
		c->next = NULL;
		c->index = ast_copy_expr(tc->index);
		AST_APPEND(head, c);
	}
	return head;
}

Expr *ast_copy_expr_list(const Expr *e)
{
	Expr *head = NULL;

	for (; e; e = e->next) {
		Expr *c = ast_copy_expr(e);
		AST_APPEND(head, c);
	}
	return head;
}

Expr *ast_copy_expr(const Expr *e)
{
	if (!e)
		return NULL;
	Expr *c = xmalloc(sizeof(*c));
	*c = *e;
	c->next = NULL;
	c->sym = NULL;
	c->lhs = ast_copy_expr(e->lhs);
	c->rhs = ast_copy_expr(e->rhs);
	c->cond = ast_copy_expr(e->cond);
	c->args = ast_copy_expr_list(e->args);
	c->chain = copy_chain(e->chain);
	return c;
}

Stmt *ast_copy_stmt_list(const Stmt *s)
{
	Stmt *head = NULL;

	for (; s; s = s->next) {
		Stmt *c = ast_copy_stmt(s);
		AST_APPEND(head, c);
	}
	return head;
}

Stmt *ast_copy_stmt(const Stmt *s)
{
	if (!s)
		return NULL;
	Stmt *c = xmalloc(sizeof(*c));
	*c = *s;
	c->next = NULL;
	c->body = ast_copy_stmt_list(s->body);
	c->then = ast_copy_stmt(s->then);
	c->els = ast_copy_stmt(s->els);
	c->handler = ast_copy_stmt(s->handler);
	c->expr = ast_copy_expr(s->expr);
	c->cond = ast_copy_expr(s->cond);
	c->init = ast_copy_expr(s->init);
	c->step = ast_copy_expr(s->step);
	c->keys = ast_copy_expr_list(s->keys);
	c->value = ast_copy_expr(s->value);
	c->array = ast_copy_expr(s->array);
	c->limit = ast_copy_expr(s->limit);
	c->catch_var = ast_copy_expr(s->catch_var);
	return c;
}
