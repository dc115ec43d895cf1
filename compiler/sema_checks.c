/*
 * sema_checks.c - language rules that need the whole resolved program,
 * and the facts codegen needs about it:
 *   - which globals each handler reads and writes, through the functions
 *     it calls (codegen takes those locks for the whole handler);
 *   - an array must not be modified inside a foreach over it;
 *   - break/continue only inside loops;
 *   - embedded C only in tapsets or with -g (guru mode);
 *   - every regular expression (`s =~ "re"`) compiles.
 */
#include <stdlib.h>
#include <string.h>
#include "core/regex.h"
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

/* ---- regular expressions ---------------------------------------------------
 * The pattern of `s =~ "re"` / `s !~ "re"` must be a string literal (the
 * type pass reports one that is not) and is compiled here, at translation
 * time, as SystemTap does: a bad pattern is an error located at the
 * offending character inside the literal. */

/* Where each byte of a string literal's value comes from in the source. */
typedef struct LitMap {
	int line[2], col[2];   /* first and last source character of one value byte */
} LitMap;

/* Skips blanks and comments between the pieces of a glued literal
 * ("a" "b"), from p, counting lines and columns. */
static const char *skip_between(const char *p, int *line, int *col)
{
	for (;;) {
		if (*p == '\n') {
			++*line;
			*col = 1;
			p++;
		} else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
			++*col;
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n') {
				++*col;
				p++;
			}
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");
			if (!end)
				return p;
			for (end += 2; p < end; p++) {
				if (*p == '\n') {
					++*line;
					*col = 1;
				} else {
					++*col;
				}
			}
		} else {
			return p;
		}
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes the literal at lit->loc again, as the lexer does, and records
 * where each value byte comes from in map[0..n) (n = strlen(lit->str)).
 * Also notes in *dropped the first escape of a regex metacharacter
 * ("\." is just "." in a string).  False when the source there is not
 * the literal's text (a $N/@N argument, an unusual expansion): callers
 * then point at the whole literal. */
static bool map_literal(const Expr *lit, LitMap *map, size_t n, int dropped[3])
{
	const SrcFile *f = lit->loc.file;
	int line = 1, col = 1;
	const char *p = f ? f->text : NULL;
	size_t out = 0;

	dropped[0] = dropped[1] = dropped[2] = 0;
	if (!p)
		return false;
	while (*p && line < lit->loc.line)
		if (*p++ == '\n')
			line++;
	for (; *p && *p != '\n' && col < lit->loc.col; p++)
		col++;
	if (line != lit->loc.line || col != lit->loc.col || *p != '"')
		return false;
	for (bool first = true; *p == '"' && (first || out < n); first = false) {
		p++;
		col++;
		while (*p && *p != '"' && *p != '\n') {
			int c0 = col, v;
			if (out >= n)
				return false;
			if (*p != '\\') {
				v = (unsigned char)*p++;
				col++;
			} else {
				const char *e = p + 1;
				switch (*e) {
				case 'n': v = '\n'; e++; break;
				case 't': v = '\t'; e++; break;
				case 'r': v = '\r'; e++; break;
				case 'a': v = '\a'; e++; break;
				case 'b': v = '\b'; e++; break;
				case 'f': v = '\f'; e++; break;
				case 'v': v = '\v'; e++; break;
				case 'x':
					v = 0;
					for (e++; e - p < 4 && hexval(*e) >= 0; e++)
						v = v * 16 + hexval(*e);
					break;
				case '0': case '1': case '2': case '3':
				case '4': case '5': case '6': case '7':
					v = 0;
					for (; e - p < 4 && *e >= '0' && *e <= '7'; e++)
						v = v * 8 + (*e - '0');
					break;
				case '\0':
				case '\n':
					return false;
				default:
					v = (unsigned char)*e++;
					if (!dropped[0] && strchr(".[]()*+?{}|^$", v)) {
						dropped[0] = line;
						dropped[1] = c0;
						dropped[2] = v;
					}
					break;
				}
				col += (int)(e - p);
				p = e;
			}
			if ((unsigned char)lit->str[out] != (v & 0xff))
				return false;
			map[out] = (LitMap){ { line, line }, { c0, col - 1 } };
			out++;
		}
		if (*p != '"')
			return false;
		p++;
		col++;
		p = skip_between(p, &line, &col);
	}
	return out == n;
}

/* `\.` in a script string is a plain '.', which is rarely what a pattern
 * means: warned about (after the other checks) where it happens. */
typedef struct DroppedEscape {
	SrcLoc loc;
	char c;
} DroppedEscape;

static DroppedEscape *dropped_escapes;
static int ndropped;

/* The part of the pattern worth quoting in a message. */
static char *shown_pattern(const char *pat)
{
	size_t len = strlen(pat), cut = len > 60 ? 57 : len;
	StrBuf sb = { 0 };
	char *head;

	while (cut < len && cut > 0 && ((unsigned char)pat[cut] & 0xc0) == 0x80)
		cut--;   /* not inside a UTF-8 character */
	head = xstrndup(pat, cut);
	sb_put_c_escaped(&sb, head);
	if (cut < len)
		sb_puts(&sb, "...");
	free(head);
	return sb_steal(&sb);
}

static SrcLoc *regex_reported;
static int nregex_reported;

static void check_regex(const Expr *e)
{
	static struct sonde_regex_prog prog;
	struct sonde_regex_error err;
	const Expr *lit = e->rhs;

	if (!lit || lit->kind != EX_STRING || !lit->str)
		return;   /* not a literal: the type pass says so */
	for (int i = 0; i < nregex_reported; i++) {   /* a literal met again */
		const SrcLoc *r = &regex_reported[i];
		if (r->file == lit->loc.file && r->line == lit->loc.line && r->col == lit->loc.col &&
		    r->exp == lit->loc.exp)
			return;
	}
	regex_reported = xrealloc(regex_reported, (nregex_reported + 1) * sizeof(*regex_reported));
	regex_reported[nregex_reported++] = lit->loc;

	size_t n = strlen(lit->str);
	LitMap *map = xcalloc(n + 1, sizeof(*map));
	int dropped[3];
	bool mapped = map_literal(lit, map, n, dropped);
	SrcLoc d = lit->loc;   /* the first "\." (say) of the literal */
	if (mapped && dropped[0]) {
		d.line = d.end_line = dropped[0];
		d.col = dropped[1];
		d.end_col = dropped[1] + 1;
	}
	if (sonde_regex_compile(&prog, lit->str, n, &err) < 0) {
		SrcLoc loc = lit->loc;
		if (mapped && err.offset < n) {
			size_t last = err.offset + (err.length ? err.length - 1 : 0);
			if (last >= n)
				last = n - 1;
			loc.line = map[err.offset].line[0];
			loc.col = map[err.offset].col[0];
			loc.end_line = map[last].line[1];
			loc.end_col = map[last].col[1];
			if (loc.end_line != loc.line) {
				loc.end_line = loc.line;
				loc.end_col = loc.col;
			}
		}
		char *shown = shown_pattern(lit->str);
		diag_error(loc, "invalid regular expression \"%s\": %s", shown, err.msg);
		if (mapped && dropped[0])   /* often the cause: "\(" meant "\\(" */
			diag_note(d, "\"\\%c\" in a string is just \"%c\"; write \"\\\\%c\" to match a "
				  "literal '%c'", dropped[2], dropped[2], dropped[2], dropped[2]);
		free(shown);
	} else if (mapped && dropped[0] && !lit->loc.file->is_tapset) {
		dropped_escapes = xrealloc(dropped_escapes, (ndropped + 1) * sizeof(*dropped_escapes));
		dropped_escapes[ndropped++] = (DroppedEscape){ d, (char)dropped[2] };
	}
	free(map);
}

static const Handler *regex_handler;

static void regex_expr(const Expr *e);

static void regex_list(const Expr *e)
{
	for (; e; e = e->next)
		regex_expr(e);
}

static void regex_expr(const Expr *e)
{
	if (!e)
		return;
	if (e->kind == EX_REGEX)
		check_regex(e);
	regex_expr(e->lhs);
	regex_expr(e->rhs);
	regex_expr(e->cond);
	regex_list(e->args);
	for (const TargetComp *tc = e->chain; tc; tc = tc->next)
		regex_expr(tc->index);
}

static void regex_stmt(const Stmt *s)
{
	for (; s; s = s->next) {
		bool context = s->from_alias && regex_handler && regex_handler->alias_use;
		if (context)
			diag_push_context(regex_handler->alias_use->loc, "probe alias '%s' is used here",
					  probe_point_text(regex_handler->alias_use));
		regex_expr(s->expr);
		regex_expr(s->cond);
		regex_expr(s->init);
		regex_expr(s->step);
		regex_list(s->keys);
		regex_expr(s->value);
		regex_expr(s->array);
		regex_expr(s->limit);
		regex_expr(s->catch_var);
		regex_stmt(s->body);
		regex_stmt(s->then);
		regex_stmt(s->els);
		regex_stmt(s->handler);
		if (context)
			diag_pop_context();
	}
}

/* The lists start empty for every script: a previous one's (the fuzzer
 * runs many in one process and frees their memory) is gone. */
static void check_regexes(Script *s)
{
	regex_reported = NULL;
	nregex_reported = 0;
	dropped_escapes = NULL;
	ndropped = 0;
	for (int i = 0; i < s->nfunctions; i++) {
		Function *f = s->functions[i];
		bool context = f->loc.file->is_tapset && f->call_loc.file;
		if (context)
			diag_push_context(f->call_loc, "'%s' is called here", f->name);
		regex_stmt(f->body);
		if (context)
			diag_pop_context();
	}
	for (Handler *h = s->handlers; h; h = h->next) {
		regex_handler = h;
		regex_expr(h->cond);
		regex_stmt(h->body);
	}
	regex_handler = NULL;
	free(regex_reported);
	regex_reported = NULL;
	nregex_reported = 0;
}

static void warn_regex_escapes(void)
{
	for (int i = 0; i < ndropped; i++)
		diag_warning(dropped_escapes[i].loc, "\"\\%c\" in a string is just \"%c\"; write "
			     "\"\\\\%c\" to match a literal '%c'", dropped_escapes[i].c,
			     dropped_escapes[i].c, dropped_escapes[i].c, dropped_escapes[i].c);
}

static void forget_regex_escapes(void)
{
	free(dropped_escapes);
	dropped_escapes = NULL;
	ndropped = 0;
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
	if (diag_errors() == 0) {   /* warnings would only bury the errors */
		warn_unused(s);
		warn_regex_escapes();
	}
	forget_regex_escapes();
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
	check_regexes(s);
	if (s->user->embedded && !opt.guru)
		diag_error(s->user->embedded->loc, "embedded C code needs guru mode (-g)");
	return diag_errors() > errors ? -1 : 0;
}
