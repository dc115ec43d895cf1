/*
 * sema_checks.c - language rules that need the whole resolved program,
 * and the facts codegen needs about it:
 *   - which globals each handler reads and writes, through the functions
 *     it calls (codegen takes those locks for the whole handler);
 *   - an array must not be modified inside a foreach over it;
 *   - break/continue only inside loops;
 *   - embedded C only in tapsets or with -g (guru mode).
 */
#include <string.h>
#include "diag.h"
#include "session.h"
#include "util.h"

/* How code uses a global (bits): codegen picks each lock's mode from
 * them and the global's type (see handler_locks() in codegen.c). */
enum { USE_NONE = 0, USE_READ = 1, USE_WRITE = 2, USE_ADD = 4 /* <<< */ };

static Script *S;
static unsigned char **fn_use;   /* per function: global id -> USE_* bits */

static void note_use(unsigned char *use, Symbol *sym, int how)
{
	if (!sym)
		return;
	if (how == USE_READ)
		sym->read = true;
	else
		sym->written = true;
	if (sym->kind == SYM_GLOBAL)
		use[sym->id] |= how;
}

static void merge(unsigned char *into, const unsigned char *from, bool *changed)
{
	for (int i = 0; i < S->nglobals; i++)
		if (from[i] & ~into[i]) {
			into[i] |= from[i];
			*changed = true;
		}
}

/* Is e an lvalue naming a global (scalar or element)?  Writes count. */
static void use_expr(unsigned char *use, const Expr *e, bool *changed);

static void use_list(unsigned char *use, const Expr *e, bool *changed)
{
	for (; e; e = e->next)
		use_expr(use, e, changed);
}

static void use_expr(unsigned char *use, const Expr *e, bool *changed)
{
	if (!e)
		return;
	switch (e->kind) {
	case EX_ASSIGN:
	case EX_INCDEC:
		/* a target is written, not read (even `n++`, as in SystemTap's
		 * autoprint rule); only its keys are read */
		note_use(use, e->lhs->sym, e->op == OP_AGG ? USE_ADD : USE_WRITE);
		use_list(use, e->lhs->args, changed);
		use_expr(use, e->rhs, changed);
		return;
	case EX_IDENT:
	case EX_INDEX:
	case EX_IN:
		note_use(use, e->sym, USE_READ);
		break;
	case EX_CALL:   /* (a call may run any overload of the group) */
		for (const Function *f = e->func; f && fn_use; f = f->overload)
			if (f->used)
				merge(use, fn_use[f->id], changed);
		break;
	default:
		break;
	}
	use_expr(use, e->lhs, changed);
	use_expr(use, e->rhs, changed);
	use_expr(use, e->cond, changed);
	use_list(use, e->args, changed);
	for (const TargetComp *tc = e->chain; tc; tc = tc->next)
		use_expr(use, tc->index, changed);
}

static void use_stmt(unsigned char *use, const Stmt *s, bool *changed)
{
	for (; s; s = s->next) {
		if (s->kind == ST_DELETE) {
			note_use(use, s->expr->sym, USE_WRITE);
			use_list(use, s->expr->args, changed);
		} else {
			use_expr(use, s->expr, changed);
		}
		if (s->kind == ST_FOREACH && s->array)
			note_use(use, s->array->sym, USE_READ);
		if (s->kind == ST_TRY && s->catch_var)
			note_use(use, s->catch_var->sym, USE_WRITE);
		if (s->kind == ST_FOREACH) {
			/* loop variables are bound by the loop: written, and used */
			for (Expr *k = s->keys; k; k = k->next)
				note_use(use, k->sym, USE_WRITE);
			if (s->value)
				note_use(use, s->value->sym, USE_WRITE);
		}
		use_expr(use, s->cond, changed);
		use_expr(use, s->init, changed);
		use_expr(use, s->step, changed);
		use_list(use, s->keys, changed);
		use_expr(use, s->value, changed);
		use_expr(use, s->limit, changed);
		use_expr(use, s->catch_var, changed);
		use_stmt(use, s->body, changed);
		use_stmt(use, s->then, changed);
		use_stmt(use, s->els, changed);
		use_stmt(use, s->handler, changed);
	}
}

static void compute_uses(void)
{
	int n = S->nglobals ? S->nglobals : 1;
	bool changed = true;

	fn_use = xcalloc(S->nfunctions + 1, sizeof(*fn_use));
	for (int i = 0; i < S->nfunctions; i++)
		fn_use[i] = xcalloc(n, 1);
	while (changed) {   /* to a fixpoint: functions call functions */
		changed = false;
		for (int i = 0; i < S->nfunctions; i++)
			use_stmt(fn_use[i], S->functions[i]->body, &changed);
	}
	for (Handler *h = S->handlers; h; h = h->next) {
		h->global_use = xcalloc(n, 1);
		use_expr(h->global_use, h->cond, &changed);
		use_stmt(h->global_use, h->body, &changed);
	}
}

/* ---- foreach / loop rules --------------------------------------------- */

typedef struct Walk {
	const Symbol *iterating[16];  /* arrays of enclosing foreach loops */
	int niter;
	int loops;                    /* enclosing loops, for break/continue */
} Walk;

static const Symbol *written_array(const Expr *e)
{
	if ((e->kind == EX_ASSIGN || e->kind == EX_INCDEC) && e->lhs->kind == EX_INDEX)
		return e->lhs->sym;
	return NULL;
}

static void check_modify(Walk *w, const Symbol *arr, SrcLoc loc)
{
	for (int i = 0; i < w->niter; i++)
		if (arr && w->iterating[i] == arr)
			diag_error(loc, "array '%s' is modified inside a foreach loop over it",
				   arr->name);
}

/* Where code (or a function it calls, MAX_CALL_DEPTH deep) writes arr. */
#define MAX_CALL_DEPTH 8
static bool find_write_expr(const Expr *e, const Symbol *arr, SrcLoc *where, int depth);

static bool find_write(const Stmt *s, const Symbol *arr, SrcLoc *where, int depth)
{
	for (; s; s = s->next) {
		if (s->kind == ST_DELETE && s->expr->sym == arr) {
			*where = s->loc;
			return true;
		}
		if (find_write_expr(s->expr, arr, where, depth) ||
		    find_write_expr(s->cond, arr, where, depth) ||
		    find_write_expr(s->init, arr, where, depth) ||
		    find_write_expr(s->step, arr, where, depth) ||
		    find_write(s->body, arr, where, depth) || find_write(s->then, arr, where, depth) ||
		    find_write(s->els, arr, where, depth) || find_write(s->handler, arr, where, depth))
			return true;
	}
	return false;
}

static bool find_write_expr(const Expr *e, const Symbol *arr, SrcLoc *where, int depth)
{
	if (!e)
		return false;
	if ((e->kind == EX_ASSIGN || e->kind == EX_INCDEC) && e->lhs->sym == arr) {
		*where = e->loc;
		return true;
	}
	if (e->kind == EX_CALL && e->func && depth < MAX_CALL_DEPTH)
		for (const Function *f = e->func; f; f = f->overload)
			if (find_write(f->body, arr, where, depth + 1))
				return true;
	if (find_write_expr(e->lhs, arr, where, depth) || find_write_expr(e->rhs, arr, where, depth) ||
	    find_write_expr(e->cond, arr, where, depth))
		return true;
	for (const Expr *a = e->args; a; a = a->next)
		if (find_write_expr(a, arr, where, depth))
			return true;
	return false;
}

static void check_expr(Walk *w, const Expr *e)
{
	if (!e)
		return;
	if (e->kind == EX_EMBEDDED && !opt.guru && !e->loc.file->is_tapset)
		diag_error(e->loc, "embedded C code needs guru mode (-g)");
	check_modify(w, written_array(e), e->loc);
	for (const Function *f = e->kind == EX_CALL ? e->func : NULL; f; f = f->overload) {
		for (int i = 0; f->used && i < w->niter; i++) {
			const Symbol *arr = w->iterating[i];
			if (arr->kind != SYM_GLOBAL || !(fn_use[f->id][arr->id] & (USE_WRITE | USE_ADD)))
				continue;
			diag_error(e->loc, "'%s' modifies array '%s' inside a foreach loop over it",
				   f->name, arr->name);
			SrcLoc where;
			if (find_write(f->body, arr, &where, 0))
				diag_note(where, "'%s' modifies '%s' here", f->name, arr->name);
		}
	}
	check_expr(w, e->lhs);
	check_expr(w, e->rhs);
	check_expr(w, e->cond);
	for (const Expr *a = e->args; a; a = a->next)
		check_expr(w, a);
}

static void check_stmt(Walk *w, const Stmt *s)
{
	for (; s; s = s->next) {
		switch (s->kind) {
		case ST_BREAK:
		case ST_CONTINUE:
			if (w->loops == 0)
				diag_error(s->loc, "'%s' outside a loop",
					   s->kind == ST_BREAK ? "break" : "continue");
			break;
		case ST_DELETE:
			if (s->expr->kind == EX_INDEX || s->expr->kind == EX_IDENT)
				check_modify(w, s->expr->sym, s->loc);
			break;
		case ST_EMBEDDED:
			if (!opt.guru && !s->loc.file->is_tapset)
				diag_error(s->loc, "embedded C code needs guru mode (-g)");
			break;
		default:
			break;
		}
		check_expr(w, s->expr);
		check_expr(w, s->cond);
		check_expr(w, s->init);
		check_expr(w, s->step);
		bool loop = s->kind == ST_WHILE || s->kind == ST_FOR || s->kind == ST_FOREACH;
		bool pushed = false;
		if (s->kind == ST_FOREACH && s->array->sym && w->niter < 16) {
			w->iterating[w->niter++] = s->array->sym;
			pushed = true;
		}
		w->loops += loop;
		check_stmt(w, s->body);
		w->loops -= loop;
		if (pushed)
			w->niter--;
		check_stmt(w, s->then);
		check_stmt(w, s->els);
		check_stmt(w, s->handler);
	}
}

/* ---- warnings ------------------------------------------------------------- */

static void warn_locals(Symbol *locals)
{
	for (Symbol *l = locals; l; l = l->next) {
		/* locals of tapset code (alias prologues) are the library's business */
		if (l->kind != SYM_LOCAL || (l->loc.file && l->loc.file->is_tapset))
			continue;
		if (l->written && !l->read)
			diag_warning(l->loc, "local '%s' is assigned but never read", l->name);
		else if (l->read && !l->written)
			diag_warning(l->loc, "local '%s' is never assigned: it is always %s",
				     l->name, l->type == TY_STRING ? "\"\"" : "0");
	}
}

/* Only about the user's own script: the tapsets are a library. */
static void warn_unused(Script *s)
{
	for (Symbol *g = s->user->globals; g; g = g->next) {
		if (!g->used)
			diag_warning(g->loc, "global '%s' is declared but never used", g->name);
		else if (g->read && !g->written && !g->init && g->type != TY_STATS)
			diag_warning(g->loc, "global '%s' is never assigned: it is always %s",
				     g->name, g->type == TY_STRING ? "\"\"" : "0");
	}
	for (Function *f = s->user->functions; f; f = f->next)
		if (!f->used)
			diag_warning(f->loc, "function '%s' is defined but never called", f->name);
	for (Handler *h = s->handlers; h; h = h->next)
		warn_locals(h->locals);
	for (int i = 0; i < s->nfunctions; i++)
		if (!s->functions[i]->loc.file->is_tapset)
			warn_locals(s->functions[i]->locals);
}

int sema_warnings(Script *s)
{
	if (diag_errors() == 0)   /* warnings would only bury the errors */
		warn_unused(s);
	return 0;
}

int sema_checks(Script *s)
{
	int errors = diag_errors();

	S = s;
	compute_uses();
	for (int i = 0; i < s->nfunctions; i++) {
		Function *f = s->functions[i];
		Walk w = { 0 };
		if (f->embedded && !opt.guru && !f->loc.file->is_tapset)
			diag_error(f->loc, "embedded C function '%s' needs guru mode (-g)", f->name);
		check_stmt(&w, f->body);
	}
	for (Handler *h = s->handlers; h; h = h->next) {
		Walk w = { 0 };
		check_stmt(&w, h->body);
	}
	if (s->user->embedded && !opt.guru)
		diag_error(s->user->embedded->loc, "embedded C code needs guru mode (-g)");
	return diag_errors() > errors ? -1 : 0;
}
