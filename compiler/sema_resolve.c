/*
 * sema_resolve.c - name resolution and tapset linking.
 *
 * Starting from the handlers that elaboration produced, walks every
 * reachable statement and binds names:
 *   - calls to builtins (builtins.c), or to functions of the script or of
 *     the tapsets; a function becomes part of the program when first called
 *     (that is the tapset linking: unused library code is never compiled);
 *   - identifiers to a local of the enclosing probe or function, else to a
 *     global visible from that file, else to a new implicit local;
 *   - array references (a[k], k in a, foreach, delete a[k]) to globals.
 * Globals and functions get dense ids in the order they are reached.
 */
#include <string.h>
#include "builtins.h"
#include "diag.h"
#include "session.h"
#include "suggest.h"
#include "util.h"

typedef struct Scope {
	Symbol **locals;       /* list head to append implicit locals to */
	const SrcFile *file;   /* for private visibility */
	Function *fn;          /* NULL in a probe handler */
	Handler *handler;      /* NULL in a function */
	bool globals_only;     /* a probe condition: no locals exist there */
} Scope;

static Script *S;
static int nlocal_ids;
static int nresolved;      /* S->functions whose bodies are resolved */

/* Every program in link order: the user's script first. */
static Program *program_at(int i)
{
	return i == 0 ? S->user : S->tapsets[i - 1];
}

static int nprograms(void)
{
	return 1 + S->ntapsets;
}

static bool visible(const Symbol *sym, const SrcFile *from)
{
	return !sym->is_private || sym->owner == from;
}

static Symbol *find_global(const char *name, const SrcFile *from)
{
	for (int i = 0; i < nprograms(); i++)
		for (Symbol *g = program_at(i)->globals; g; g = g->next)
			if (strcmp(g->name, name) == 0 && visible(g, from))
				return g;
	return NULL;
}

static Function *head_of(const Function *f);

static bool callable(const Function *f, const char *name, const SrcFile *from)
{
	return strcmp(f->name, name) == 0 && (!f->is_private || f->loc.file == from || !from);
}

/* The function a call of name with nargs arguments runs first: the head of
 * the overload group of that arity, else (for the error) any of that name. */
static Function *find_call(const char *name, const SrcFile *from, int nargs)
{
	Function *any = NULL;

	for (int i = 0; i < nprograms(); i++)
		for (Function *f = program_at(i)->functions; f; f = f->next)
			if (callable(f, name, from)) {
				if (f->nparams == nargs)
					return head_of(f);
				any = any ? any : f;
			}
	return any;
}

static Function *find_function(const char *name, const SrcFile *from)
{
	for (int i = 0; i < nprograms(); i++)
		for (Function *f = program_at(i)->functions; f; f = f->next)
			if (callable(f, name, from))
				return f;
	return NULL;
}

static void use_global(Symbol *g)
{
	if (g->used)
		return;
	g->used = true;
	g->id = S->nglobals++;
	S->globals = xrealloc(S->globals, S->nglobals * sizeof(*S->globals));
	S->globals[g->id] = g;
}

static Symbol *find_local(Scope *sc, const char *name)
{
	for (Symbol *l = *sc->locals; l; l = l->next)
		if (strcmp(l->name, name) == 0)
			return l;
	return NULL;
}

static Symbol *new_local(Scope *sc, const char *name, SrcLoc loc)
{
	Symbol *l = ast_symbol(name, SYM_LOCAL, loc);
	l->arity = 0;
	l->id = nlocal_ids++;
	AST_APPEND(*sc->locals, l);
	return l;
}

/* A scalar name: local, global, or a new local. */
static Symbol *resolve_scalar(Scope *sc, const char *name, SrcLoc loc)
{
	Symbol *sym = find_local(sc, name);
	if (sym)
		return sym;
	if ((sym = find_global(name, sc->file))) {
		use_global(sym);
		return sym;
	}
	if (sc->globals_only) {
		diag_error(loc, "a probe condition can only use global variables; '%s' is not a global",
			   name);
		return NULL;
	}
	return new_local(sc, name, loc);
}

/* The visible global closest in spelling to name, or NULL. */
static const char *close_global(const char *name, const SrcFile *from)
{
	Suggest sg;

	suggest_init(&sg, name);
	for (int i = 0; i < nprograms(); i++)
		for (Symbol *g = program_at(i)->globals; g; g = g->next)
			if (visible(g, from))
				suggest_offer(&sg, g->name);
	return suggest_result(&sg);
}

static Symbol *resolve_array(Scope *sc, const char *name, SrcLoc loc)
{
	Symbol *sym = find_global(name, sc->file);
	if (!sym) {
		const char *close = close_global(name, sc->file);
		if (close)
			diag_error(loc, "array '%s' is not declared; did you mean '%s'?", name, close);
		else if (find_local(sc, name))
			diag_error(loc, "'%s' is a local variable and cannot be used as an array "
				   "(arrays must be declared global)", name);
		else
			diag_error(loc, "array '%s' is not declared: add 'global %s' at the top "
				   "of the script", name, name);
		return NULL;
	}
	use_global(sym);
	return sym;
}

static void resolve_function(Function *f);
static void resolve_stmt(Scope *sc, Stmt *s);

static void resolve_expr(Scope *sc, Expr *e);

static void resolve_list(Scope *sc, Expr *e)
{
	for (; e; e = e->next)
		resolve_expr(sc, e);
}

/* The builtin or visible function closest in spelling to name, or NULL. */
static const char *close_function(const char *name, const SrcFile *from)
{
	Suggest sg;

	suggest_init(&sg, name);
	for (int i = 0; i < builtin_count(); i++)
		suggest_offer(&sg, builtin_at(i)->name);
	for (int i = 0; i < nprograms(); i++)
		for (Function *f = program_at(i)->functions; f; f = f->next)
			if (!f->is_private || f->loc.file == from)
				suggest_offer(&sg, f->name);
	return suggest_result(&sg);
}

static void resolve_call(Scope *sc, Expr *e)
{
	int nargs = 0;
	for (Expr *a = e->args; a; a = a->next)
		nargs++;
	resolve_list(sc, e->args);

	const Builtin *b = builtin_lookup(e->name);
	if (b) {
		e->builtin = b->id;
		if (nargs < b->min_args || (b->max_args >= 0 && nargs > b->max_args)) {
			const char *takes =
				b->max_args == 0 ? "no arguments"
				: b->max_args < 0 ? xasprintf("at least %d argument%s", b->min_args,
							      b->min_args == 1 ? "" : "s")
				: b->min_args == b->max_args ? xasprintf("%d argument%s", b->min_args,
									 b->min_args == 1 ? "" : "s")
				: xasprintf("%d to %d arguments", b->min_args, b->max_args);
			diag_error(e->loc, "'%s' takes %s but %d %s given", e->name, takes, nargs,
				   nargs == 1 ? "was" : "were");
		}
		return;
	}
	Function *f = find_call(e->name, sc->file, nargs);
	Function *hidden = f ? NULL : find_function(e->name, NULL);
	if (!f && hidden && hidden->is_private) {
		diag_error(e->loc, "'%s' is a private function of %s", e->name, hidden->loc.file->name);
		diag_note(hidden->loc, "'%s' is defined here", e->name);
		return;
	}
	if (!f) {
		const char *close = close_function(e->name, sc->file);
		if (close)
			diag_error(e->loc, "unknown function '%s'; did you mean '%s'?", e->name, close);
		else
			diag_error(e->loc, "unknown function '%s': it is not a builtin and not defined "
				   "in the script or the tapset library", e->name);
		return;
	}
	if (nargs != f->nparams) {
		diag_error(e->loc, "'%s' takes %d argument%s but %d %s given", e->name,
			   f->nparams, f->nparams == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
		diag_note(f->loc, "'%s' is defined here", f->name);
	}
	e->func = f;
	if (!e->loc.file->is_tapset && !f->call_loc.file)
		f->call_loc = e->loc;
	resolve_function(f);
}

static void resolve_expr(Scope *sc, Expr *e)
{
	if (!e)
		return;
	switch (e->kind) {
	case EX_IDENT:
		e->sym = resolve_scalar(sc, e->name, e->loc);
		break;
	case EX_INDEX:
	case EX_IN:
		resolve_list(sc, e->args);
		e->sym = resolve_array(sc, e->name, e->loc);
		break;
	case EX_CALL:
		resolve_call(sc, e);
		break;
	case EX_TARGET:
		for (TargetComp *tc = e->chain; tc; tc = tc->next)
			resolve_expr(sc, tc->index);
		break;
	default:
		resolve_expr(sc, e->lhs);
		resolve_expr(sc, e->rhs);
		resolve_expr(sc, e->cond);
		resolve_list(sc, e->args);
		for (TargetComp *tc = e->chain; tc; tc = tc->next)
			resolve_expr(sc, tc->index);
		break;
	}
}

static void resolve_foreach(Scope *sc, Stmt *s)
{
	if (s->array->kind == EX_IDENT) {
		s->array->sym = resolve_array(sc, s->array->name, s->array->loc);
	} else {
		resolve_expr(sc, s->array);
	}
	resolve_list(sc, s->keys);
	resolve_expr(sc, s->value);
	resolve_expr(sc, s->limit);
	resolve_stmt(sc, s->body);
}

static void resolve_stmt_list(Scope *sc, Stmt *s)
{
	for (; s; s = s->next)
		resolve_stmt(sc, s);
}

static void resolve_stmt(Scope *sc, Stmt *s)
{
	if (!s)
		return;
	if (s->from_alias && sc->handler && sc->handler->alias_use) {
		const ProbePoint *use = sc->handler->alias_use;
		Stmt one = *s;
		one.from_alias = false;
		one.next = NULL;
		diag_push_context(use->loc, "probe alias '%s' is used here", probe_point_text(use));
		resolve_stmt(sc, &one);
		diag_pop_context();
		return;
	}
	switch (s->kind) {
	case ST_BLOCK:
		resolve_stmt_list(sc, s->body);
		break;
	case ST_FOREACH:
		resolve_foreach(sc, s);
		break;
	case ST_DELETE:
		/* `delete a` on a global array names the array, not a scalar */
		if (s->expr->kind == EX_IDENT) {
			Symbol *g = find_local(sc, s->expr->name) ? NULL
				  : find_global(s->expr->name, sc->file);
			if (g) {
				use_global(g);
				s->expr->sym = g;
				break;
			}
		}
		resolve_expr(sc, s->expr);
		break;
	case ST_NEXT:   /* allowed in functions too: unwinds to the end of the probe */
		break;
	case ST_RETURN:
		if (!sc->fn)
			diag_error(s->loc, "'return' outside a function (use 'next' to leave a probe)");
		resolve_expr(sc, s->expr);
		break;
	case ST_EMBEDDED:
		S->uses_embedded = true;
		break;
	default:
		resolve_expr(sc, s->expr);
		resolve_expr(sc, s->cond);
		resolve_expr(sc, s->init);
		resolve_expr(sc, s->step);
		resolve_expr(sc, s->catch_var);
		resolve_stmt(sc, s->then);
		resolve_stmt(sc, s->els);
		resolve_stmt(sc, s->body);
		resolve_stmt(sc, s->handler);
		break;
	}
}

/* Makes f part of the program.  Its body is resolved later, by
 * resolve_pending(): resolving it here would recurse as deep as the call
 * chain (f0 calls f1 ... calls f50000) and overflow the stack. */
static void resolve_function(Function *f)
{
	if (f->used)
		return;
	if (f->overloaded)   /* a call may run any overload of the group */
		for (Function *m = f->overload; m; m = m->overload)
			resolve_function(m);
	f->used = true;
	f->id = S->nfunctions++;
	S->functions = xrealloc(S->functions, S->nfunctions * sizeof(*S->functions));
	S->functions[f->id] = f;
}

static void resolve_body(Function *f)
{
	Scope sc = { .locals = &f->locals, .file = f->loc.file, .fn = f };
	for (Param *p = f->params; p; p = p->next) {
		if (find_local(&sc, p->name)) {
			diag_error(p->loc, "duplicate parameter '%s'", p->name);
			continue;
		}
		Symbol *sym = new_local(&sc, p->name, p->loc);
		sym->kind = SYM_PARAM;
		sym->type = p->declared;
		sym->type_declared = p->declared != TY_UNKNOWN;
		if (sym->type_declared)
			sym->type_loc = p->loc;
	}
	if (f->embedded) {
		S->uses_embedded = true;
		return;
	}
	if (f->loc.file->is_tapset && f->call_loc.file)
		diag_push_context(f->call_loc, "'%s' is called here", f->name);
	resolve_stmt(&sc, f->body);
	if (f->loc.file->is_tapset && f->call_loc.file)
		diag_pop_context();
}

/* Resolves the bodies of the functions reached so far, in the order they
 * were reached; a body may reach more functions, which join the queue. */
static void resolve_pending(void)
{
	for (; nresolved < S->nfunctions; nresolved++)
		resolve_body(S->functions[nresolved]);
}

/*
 * Overloading.  Functions of one name with different arities are simply
 * different functions.  Several of one name and arity form a group when
 * they say so, by a priority (`function f() :2`) or by `next` (pass the call
 * on): a call tries them in priority order, then declaration order.
 */
static Function *find_same_signature(const Function *g)
{
	for (int i = 0; i < nprograms(); i++)
		for (Function *f = program_at(i)->functions; f && f != g; f = f->next)
			if (strcmp(f->name, g->name) == 0 && f->nparams == g->nparams &&
			    !f->is_private && !g->is_private)
				return f;
	return NULL;
}

static bool stmt_has_next(const Stmt *s)
{
	for (; s; s = s->next)
		if (s->kind == ST_NEXT || stmt_has_next(s->body) || stmt_has_next(s->then) ||
		    stmt_has_next(s->els) || stmt_has_next(s->handler))
			return true;
	return false;
}

static bool group_declares_overloading(const Function *first)
{
	for (int i = 0; i < nprograms(); i++)
		for (Function *f = program_at(i)->functions; f; f = f->next)
			if (strcmp(f->name, first->name) == 0 && f->nparams == first->nparams &&
			    (f->priority || stmt_has_next(f->body)))
				return true;
	return false;
}

static bool overloadable(const Function *first, const Function *f)
{
	(void)f;
	return group_declares_overloading(first);
}

/* The first overload of f's group (f itself when it is alone). */
static Function *head_of(const Function *f)
{
	return f->group ? f->group : (Function *)f;
}

/* Links every overload group in call order and marks its head. */
static void build_overload_groups(void)
{
	for (int i = 0; i < nprograms(); i++) {
		for (Function *f = program_at(i)->functions; f; f = f->next) {
			if (find_same_signature(f) || !group_declares_overloading(f))
				continue;   /* not the first of a group */
			Function *members[64];
			int n = 0;
			for (int j = 0; j < nprograms(); j++)
				for (Function *m = program_at(j)->functions; m && n < 64; m = m->next)
					if (strcmp(m->name, f->name) == 0 && m->nparams == f->nparams &&
					    !m->is_private)
						members[n++] = m;
			if (n < 2)
				continue;
			/* stable insertion sort by priority */
			for (int a = 1; a < n; a++)
				for (int b = a; b > 0 && members[b]->priority < members[b - 1]->priority; b--) {
					Function *t = members[b];
					members[b] = members[b - 1];
					members[b - 1] = t;
				}
			for (int a = 0; a < n; a++) {
				members[a]->overload = a + 1 < n ? members[a + 1] : NULL;
				members[a]->group = members[0];
			}
			members[0]->overloaded = true;
		}
	}
}

static void check_duplicates(void)
{
	for (int i = 0; i < nprograms(); i++) {
		for (Symbol *g = program_at(i)->globals; g; g = g->next) {
			Symbol *first = find_global(g->name, g->owner);
			if (!first || first == g || g->is_private || first->is_private)
				continue;
			if (i > 0 && first->owner == S->user->file) {
				/* the user's declaration is the one to fix */
				diag_error(first->loc, "duplicate global '%s': the tapset library declares "
					   "it too", g->name);
				diag_note(g->loc, "'%s' is declared here", g->name);
			} else {
				diag_error(g->loc, "duplicate global '%s'", g->name);
				diag_note(first->loc, "first declared here");
			}
		}
		for (Function *f = program_at(i)->functions; f; f = f->next) {
			Function *first = find_same_signature(f);
			if (first && !overloadable(first, f)) {
				diag_error(f->loc, "duplicate function '%s'", f->name);
				diag_note(first->loc, "first defined here");
			}
			if (builtin_lookup(f->name))
				diag_error(f->loc, "'%s' is a builtin function and cannot be redefined",
					   f->name);
		}
	}
}

int sema_resolve(Script *s)
{
	int errors = diag_errors();

	S = s;
	nresolved = 0;
	check_duplicates();
	build_overload_groups();
	for (Handler *h = s->handlers; h; h = h->next) {
		Scope sc = { .locals = &h->locals, .file = h->loc.file, .handler = h };
		sc.globals_only = true;
		resolve_expr(&sc, h->cond);
		sc.globals_only = false;
		resolve_stmt_list(&sc, h->body);
		resolve_pending();
	}
	return diag_errors() > errors ? -1 : 0;
}

int sema_resolve_library(Script *s)
{
	int errors = diag_errors();

	S = s;
	nresolved = 0;
	for (int i = 0; i < s->ntapsets; i++)
		for (Function *f = s->tapsets[i]->functions; f; f = f->next)
			resolve_function(f);
	resolve_pending();
	return diag_errors() > errors ? -1 : 0;
}
