/*
 * ast.c - constructors for AST nodes and the name tables used by messages
 * and by the -p1 printer.  Nodes are zero-initialised, so every optional
 * field starts out absent (NULL, 0, false, TY_UNKNOWN).
 */
#include "ast.h"
#include "util.h"

#include <stddef.h>

Expr *ast_expr(ExprKind kind, SrcLoc loc)
{
	Expr *e = xcalloc(1, sizeof *e);
	e->kind = kind;
	e->loc = loc;
	e->type = TY_UNKNOWN;
	e->tmp = -1;
	return e;
}

Stmt *ast_stmt(StmtKind kind, SrcLoc loc)
{
	Stmt *s = xcalloc(1, sizeof *s);
	s->kind = kind;
	s->loc = loc;
	return s;
}

Symbol *ast_symbol(const char *name, SymKind kind, SrcLoc loc)
{
	Symbol *sym = xcalloc(1, sizeof *sym);
	sym->name = name;
	sym->kind = kind;
	sym->loc = loc;
	sym->type = TY_UNKNOWN;
	sym->arity = -1;
	sym->owner = loc.file;
	return sym;
}

/* ORDER EXPR */
const char *ast_statop_name(StatOp op)
{
	static const char *const names[] = {
		[ST_COUNT] = "@count", [ST_SUM] = "@sum", [ST_MIN] = "@min",
		[ST_MAX] = "@max", [ST_AVG] = "@avg", [ST_VARIANCE] = "@variance",
	};
	return op <= ST_VARIANCE ? names[op] : "@?";
}

const char *ast_expr_kind_name(ExprKind kind)
{
	static const char *const names[] = {
		[EX_NUMBER] = "number",     [EX_STRING] = "string",
		[EX_IDENT] = "ident",       [EX_INDEX] = "index",
		[EX_CALL] = "call",         [EX_UNARY] = "unary",
		[EX_BINARY] = "binary",     [EX_TERNARY] = "ternary",
		[EX_ASSIGN] = "assign",     [EX_INCDEC] = "incdec",
		[EX_IN] = "in",             [EX_REGEX] = "regex",
		[EX_STATOP] = "statop",     [EX_HIST] = "hist",
		[EX_TARGET] = "target",     [EX_CAST] = "cast",
		[EX_DEFINED] = "defined",   [EX_ENTRY] = "entry",
		[EX_ATVAR] = "atvar",       [EX_ARG] = "arg",
		[EX_ARGC] = "argc",         [EX_EMBEDDED] = "embedded",
	};
	if ((unsigned)kind < sizeof names / sizeof names[0] && names[kind])
		return names[kind];
	return "?";
}

/* ORDER STMT */
const char *ast_stmt_kind_name(StmtKind kind)
{
	static const char *const names[] = {
		[ST_BLOCK] = "block",       [ST_EXPR] = "expr",
		[ST_NULL] = "null",         [ST_IF] = "if",
		[ST_WHILE] = "while",       [ST_FOR] = "for",
		[ST_FOREACH] = "foreach",   [ST_BREAK] = "break",
		[ST_CONTINUE] = "continue", [ST_NEXT] = "next",
		[ST_RETURN] = "return",     [ST_DELETE] = "delete",
		[ST_TRY] = "try",           [ST_EMBEDDED] = "embedded",
	};
	if ((unsigned)kind < sizeof names / sizeof names[0] && names[kind])
		return names[kind];
	return "?";
}

const char *ast_op_name(int op)
{
	switch (op) {
	case OP_EQ: return "==";
	case OP_NE: return "!=";
	case OP_LE: return "<=";
	case OP_GE: return ">=";
	case OP_SHL: return "<<";
	case OP_SHR: return ">>";
	case OP_AND: return "&&";
	case OP_OR: return "||";
	case OP_INC: return "++";
	case OP_DEC: return "--";
	case OP_MATCH: return "=~";
	case OP_NMATCH: return "!~";
	case OP_AGG: return "<<<";
	}
	/* Single-character operators name themselves. */
	static const char *const singles[128] = {
		['+'] = "+", ['-'] = "-", ['*'] = "*", ['/'] = "/", ['%'] = "%",
		['.'] = ".", ['<'] = "<", ['>'] = ">", ['&'] = "&", ['|'] = "|",
		['^'] = "^", ['!'] = "!", ['~'] = "~", ['='] = "=", ['?'] = "?",
		[':'] = ":",
	};
	if (op > 0 && op < 128 && singles[op])
		return singles[op];
	return "?";
}

const char *type_name(Type t)
{
	switch (t) {
	case TY_LONG: return "long";
	case TY_STRING: return "string";
	case TY_STATS: return "stats";
	case TY_UNKNOWN: break;
	}
	return "unknown";
}

void ast_append_(void **head, void *item, long next_offset)
{
	void **link = head;
	while (*link)
		link = (void **)((char *)*link + next_offset);
	*link = item;
}

/* ---- nesting depth (AST_MAX_DEPTH) -------------------------------------- */

/* Each walker returns true once it finds a node at depth > AST_MAX_DEPTH,
 * without descending further; lists are followed by iteration. */
static bool expr_too_deep(const Expr *e, int depth, SrcLoc *where);

static bool exprs_too_deep(const Expr *e, int depth, SrcLoc *where)
{
	for (; e; e = e->next)
		if (expr_too_deep(e, depth, where))
			return true;
	return false;
}

static bool expr_too_deep(const Expr *e, int depth, SrcLoc *where)
{
	if (!e)
		return false;
	if (depth > AST_MAX_DEPTH) {
		*where = e->loc;
		return true;
	}
	if (expr_too_deep(e->lhs, depth + 1, where) ||
	    expr_too_deep(e->rhs, depth + 1, where) ||
	    expr_too_deep(e->cond, depth + 1, where) ||
	    exprs_too_deep(e->args, depth + 1, where))
		return true;
	for (const TargetComp *c = e->chain; c; c = c->next)
		if (expr_too_deep(c->index, depth + 1, where))
			return true;
	return false;
}

/* *in_expr tells which kind of node crossed the limit. */
static bool stmts_too_deep(const Stmt *s, int depth, SrcLoc *where, bool *in_expr)
{
	for (; s; s = s->next) {
		if (depth > AST_MAX_DEPTH) {
			*where = s->loc;
			return true;
		}
		if (stmts_too_deep(s->body, depth + 1, where, in_expr) ||
		    stmts_too_deep(s->then, depth + 1, where, in_expr) ||
		    stmts_too_deep(s->els, depth + 1, where, in_expr) ||
		    stmts_too_deep(s->handler, depth + 1, where, in_expr))
			return true;
		const Expr *parts[] = { s->expr, s->cond, s->init, s->step, s->value,
		                        s->array, s->limit, s->catch_var };
		for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
			if (expr_too_deep(parts[i], depth + 1, where)) {
				*in_expr = true;
				return true;
			}
		}
		if (exprs_too_deep(s->keys, depth + 1, where)) {
			*in_expr = true;
			return true;
		}
	}
	return false;
}

const char *ast_too_deep(const Stmt *s, const Expr *e, SrcLoc *where)
{
	bool in_expr = false;
	if (stmts_too_deep(s, 1, where, &in_expr))
		return in_expr ? "expression" : "statement";
	if (expr_too_deep(e, 1, where))
		return "expression";
	return NULL;
}
