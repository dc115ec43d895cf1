/*
 * preprocess.c - conditionals (%( %? %: %)) and macros (@define, @name)
 * between the scanner and the parser.  The model is described in
 * preprocess.h; in short, a stack of token sources (scanner, macro bodies,
 * macro arguments) is read, and what comes out is interpreted.
 *
 * Reading happens at three levels, each built on the one before:
 *   read_token     raw tokens of the innermost source, with a macro
 *                  body's parameter references replaced by the argument
 *   next_expanded  + @define recorded, @name expanded
 *   pp_next        + conditionals evaluated: what the parser gets
 * Skipping an untaken branch uses skip_until(), which reads raw tokens of
 * one source and expands nothing.
 *
 * Every loop reads at least one token per turn from a finite source, and
 * the sources are bounded: the file by its size, the replay of macro
 * bodies by PP_MAX_DEPTH and PP_MAX_TOKENS.
 */
#define _GNU_SOURCE   /* strverscmp */
#include "preprocess.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "diag.h"
#include "session.h"
#include "suggest.h"
#include "util.h"

#define PP_MAX_DEPTH   64          /* nested macro expansions */
#define PP_MAX_TOKENS  (1L << 20)  /* tokens replayed from macros, per file */
#define PP_MAX_CONDS   256         /* %( ... %) nested in live text */
#define PP_MAX_PARENS  64          /* ( ) nested inside one condition */
#define PP_MAX_PENDING 2           /* scanner tokens read too far (1 used) */

int sonde_yylex(SONDE_YYSTYPE *lval, SONDE_YYLTYPE *lloc, yyscan_t scanner);
const char *lex_atword_name(int i);

typedef SONDE_YYLTYPE Loc;

typedef struct Token {
	int kind;              /* bison token code */
	SONDE_YYSTYPE val;
	Loc loc;
} Token;

typedef struct TokList {
	Token *v;
	int n, cap;
} TokList;

typedef struct Macro {
	char *name;            /* without '@' */
	char **params;
	int nparams;           /* -1: defined without a parameter list */
	TokList body;
	SrcLoc loc;            /* the name in its @define */
	bool broken;           /* its definition had errors (reported): uses
	                        * expand to an error, silently */
	bool recursive;        /* found using itself (reported once) */
} Macro;

/* A scope: macros by name (open addressing, linear probing). */
typedef struct MacroTable {
	Macro **slots;         /* NULL = empty */
	size_t cap, n;
} MacroTable;

typedef enum FrameKind { FR_SCANNER, FR_MACRO, FR_ARG } FrameKind;

/* A token source.  FR_MACRO and FR_ARG frames replay toks[pos..n). */
typedef struct Frame {
	FrameKind kind;
	unsigned long id;      /* unique in the PPState; the scanner is 0 */
	const Token *toks;
	int n, pos;
	const Macro *macro;    /* FR_MACRO */
	TokList *args;         /* FR_MACRO: one list per parameter (owned) */
	int nargs;
	const SrcExpansion *exp; /* FR_MACRO: stamped on the body's tokens */
	struct Frame *below;
} Frame;

/* A conditional whose taken branch is being read. */
typedef struct Cond {
	Loc open;              /* its %( */
	unsigned long frame;   /* the source it is written in */
	bool in_else;          /* reading the branch after %: */
} Cond;

struct PPState {
	ParseState *ps;
	yyscan_t scanner;
	bool library;
	Frame scanner_frame;   /* the bottom of the stack */
	Frame *top;
	int depth;             /* FR_MACRO frames on the stack */
	unsigned long next_id;
	Token pending[PP_MAX_PENDING];   /* scanner tokens pushed back */
	int npending;
	bool at_end;           /* the scanner returned END (it is not asked again) */
	Token end;
	MacroTable macros;     /* this file's macros */
	Cond conds[PP_MAX_CONDS];
	int nconds;
	long replayed;         /* tokens read from frames */
	bool over_budget;      /* PP_MAX_TOKENS reported: no more expansion */
	int last_kind;         /* the last token given to the parser */
	const SrcExpansion *last_exp, *prev_exp;  /* of the last two tokens */
	bool rejected;         /* library mode: the "only @define" error given */
	bool after_lex_error;  /* library mode: the last token was a LEX_ERROR */
};

static MacroTable library; /* the macros of the .stpm files */

/* ---- small helpers ---------------------------------------------------- */

static SrcLoc src_loc(const PPState *pp, Loc l)
{
	SrcLoc s = { l.file ? l.file : pp->ps->file, l.first_line, l.first_column,
	             l.last_line, l.last_column, l.exp };
	return s;
}

static void error_at(const PPState *pp, Loc l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void error_at(const PPState *pp, Loc l, const char *fmt, ...)
{
	va_list ap;
	StrBuf sb = {0};
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	diag_error(src_loc(pp, l), "%s", sb.data);
	free(sb.data);
}

/* Turns t into an error token the parser reports no further. */
static void make_error(Token *t)
{
	t->kind = LEX_ERROR;
	t->val.str = NULL;
}

static void tl_append(TokList *l, const Token *t)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xrealloc(l->v, (size_t)l->cap * sizeof *l->v);
	}
	l->v[l->n++] = *t;
}

static bool is_keyword(int kind)
{
	switch (kind) {
	case PROBE: case GLOBAL: case FUNCTION: case PRIVATE: case IF: case ELSE:
	case WHILE: case FOR: case FOREACH: case IN: case LIMIT: case BREAK:
	case CONTINUE: case NEXT: case RETURN: case DELETE: case TRY: case CATCH:
		return true;
	default:
		return false;
	}
}

/* A name: an identifier or a keyword (macros may be called @probe). */
static bool is_word(const Token *t)
{
	return (t->kind == IDENT || is_keyword(t->kind)) && t->val.str;
}

/* A replayed token gets its own copy of its text: the parser may keep it. */
static void own_value(Token *t)
{
	if (t->kind == TARGET)
		t->val.tv.name = xstrdup(t->val.tv.name);
	else if ((t->kind == IDENT || t->kind == STRING || t->kind == EMBEDDED ||
	          t->kind == LEX_ERROR || t->kind == AT_NAME || is_keyword(t->kind)) &&
	         t->val.str)
		t->val.str = xstrdup(t->val.str);
}

static const char *op_text(int kind)
{
	switch (kind) {
	case EQ: return "==";
	case NE: return "!=";
	case LE: return "<=";
	case GE: return ">=";
	case '<': return "<";
	case '>': return ">";
	default: return NULL;
	}
}

/* ---- token sources ------------------------------------------------------- */

static void scan_token(PPState *pp, Token *t)
{
	if (pp->npending > 0) {
		*t = pp->pending[--pp->npending];
		return;
	}
	if (pp->at_end) {
		*t = pp->end;
		return;
	}
	memset(t, 0, sizeof *t);
	t->kind = sonde_yylex(&t->val, &t->loc, pp->scanner);
	if (!t->loc.file)
		t->loc.file = pp->ps->file;
	if (t->kind == END) {
		pp->at_end = true;
		pp->end = *t;
	}
}

/* Puts back the token just read (it came from the innermost source). */
static void unread(PPState *pp, const Token *t)
{
	Frame *f = pp->top;
	if (f->kind != FR_SCANNER) {
		f->pos--;
		return;
	}
	if (pp->npending == PP_MAX_PENDING)
		ICE("preprocessor: too many tokens pushed back");
	pp->pending[pp->npending++] = *t;
}

static Frame *push_frame(PPState *pp, FrameKind kind, const Token *toks, int n)
{
	Frame *f = xcalloc(1, sizeof *f);
	f->kind = kind;
	f->id = ++pp->next_id;
	f->toks = toks;
	f->n = n;
	f->below = pp->top;
	pp->top = f;
	return f;
}

/* Pops the innermost frame; conditionals it left open go with it (only
 * after an abandoned expansion: sources are balanced otherwise). */
static void pop_frame(PPState *pp)
{
	Frame *f = pp->top;
	if (f->kind == FR_SCANNER)
		ICE("preprocessor: popping the scanner");
	while (pp->nconds > 0 && pp->conds[pp->nconds - 1].frame == f->id)
		pp->nconds--;
	if (f->kind == FR_MACRO) {
		pp->depth--;
		for (int i = 0; i < f->nargs; i++)
			free(f->args[i].v);
		free(f->args);
	}
	pp->top = f->below;
	free(f);
}

/* Drops every expansion in progress. */
static void abandon(PPState *pp)
{
	while (pp->top->kind != FR_SCANNER)
		pop_frame(pp);
}

static bool frame_exists(const PPState *pp, unsigned long id)
{
	for (const Frame *f = pp->top; f; f = f->below)
		if (f->id == id)
			return true;
	return false;
}

static int param_index(const Macro *m, const char *name)
{
	for (int i = 0; i < m->nparams; i++)
		if (!strcmp(m->params[i], name))
			return i;
	return -1;
}

/*
 * The next raw token of the innermost source, popping finished frames
 * (but never the frame `floor`: false when it is finished).  A body token
 * is stamped with its expansion; a parameter reference @P in a body is
 * replaced by the tokens of argument P.  *from is the id of the source
 * that produced the token.
 */
static bool read_token(PPState *pp, unsigned long floor, Token *t,
                       unsigned long *from)
{
	for (;;) {
		Frame *f = pp->top;
		if (f->kind == FR_SCANNER) {
			scan_token(pp, t);
			*from = f->id;
			return true;
		}
		if (f->pos == f->n) {
			if (f->id == floor)
				return false;
			pop_frame(pp);
			continue;
		}
		const Token *src = &f->toks[f->pos++];
		pp->replayed++;
		int p;
		if (f->kind == FR_MACRO && src->kind == AT_NAME &&
		    (p = param_index(f->macro, src->val.str)) >= 0) {
			push_frame(pp, FR_ARG, f->args[p].v, f->args[p].n);
			continue;
		}
		*t = *src;
		if (f->kind == FR_MACRO)
			t->loc.exp = f->exp;
		*from = f->id;
		return true;
	}
}

/* ---- skipping ------------------------------------------------------------ */

enum { STOP_THEN = 1, STOP_ELSE = 2, STOP_CLOSE = 4 };

/* The first lexical error in a skipped branch: if the conditional then
 * never ends, it is the likely reason (an unterminated comment or string
 * swallowed the %)), and gets a note. */
typedef struct Skipped {
	bool seen;
	Loc loc;
	char *msg;
} Skipped;

static void report_unterminated(PPState *pp, Loc open, const Skipped *sk)
{
	error_at(pp, open, "unterminated preprocessor conditional ('%%(' without '%%)')");
	if (sk && sk->seen)
		diag_note(src_loc(pp, sk->loc), "the skipped text has an error here: %s",
		          sk->msg);
}

/*
 * Skips the raw tokens of source `fid` (the innermost) until, at nesting
 * depth 0, one of the `stops` (%?, %:, %)); returns its kind, or END if the
 * source ended first (reported here, against `open`).  `depth` counts the
 * %( already open.  When `strict`, a %? or %: at depth 0 that is not a
 * stop is reported: it does not belong there.
 */
static int skip_until(PPState *pp, unsigned long fid, int depth, unsigned stops,
                      bool strict, Loc open)
{
	Skipped sk = { false, {0}, NULL };
	Frame *f = pp->top;
	if (f->id != fid)
		ICE("preprocessor: skipping a source that is not the innermost");
	for (;;) {
		Token t;
		if (f->kind == FR_SCANNER) {
			scan_token(pp, &t);
		} else if (f->pos < f->n) {
			t = f->toks[f->pos++];
			t.loc.exp = f->kind == FR_MACRO ? f->exp : t.loc.exp;
			pp->replayed++;
		} else {
			t.kind = END;
		}
		switch (t.kind) {
		case END:
			if (f->kind == FR_SCANNER)
				unread(pp, &t);
			report_unterminated(pp, open, &sk);
			free(sk.msg);
			return END;
		case LEX_ERROR:
			if (!sk.seen && t.val.str) {
				sk.seen = true;
				sk.loc = t.loc;
				sk.msg = t.val.str;
			}
			break;
		case PP_OPEN:
			depth++;
			break;
		case PP_CLOSE:
			if (depth > 0) {
				depth--;
				break;
			}
			/* fall through */
		case PP_THEN:
		case PP_ELSE:
			if (depth > 0)
				break;
			if ((t.kind == PP_THEN && (stops & STOP_THEN)) ||
			    (t.kind == PP_ELSE && (stops & STOP_ELSE)) ||
			    t.kind == PP_CLOSE) {
				free(sk.msg);
				return t.kind;
			}
			if (strict)
				error_at(pp, t.loc, "unexpected '%s' (the conditional opened "
				         "at line %d already has its '%s')",
				         t.kind == PP_THEN ? "%?" : "%:", open.first_line,
				         t.kind == PP_THEN ? "%?" : "%:");
			break;
		}
	}
}

/* ---- macros ---------------------------------------------------------------- */

static size_t name_hash(const char *s)
{
	size_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot of `name` in t: where it is, or the empty slot it would take. */
static Macro **table_slot(const MacroTable *t, const char *name)
{
	size_t i = name_hash(name) & (t->cap - 1);
	while (t->slots[i] && strcmp(t->slots[i]->name, name))
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

static Macro *find_macro(const MacroTable *t, const char *name)
{
	return t->cap ? *table_slot(t, name) : NULL;
}

static void table_add(MacroTable *t, Macro *m)
{
	if (2 * (t->n + 1) > t->cap) {
		MacroTable bigger = { xcalloc(t->cap ? 2 * t->cap : 64, sizeof(Macro *)),
		                      t->cap ? 2 * t->cap : 64, t->n };
		for (size_t i = 0; i < t->cap; i++)
			if (t->slots[i])
				*table_slot(&bigger, t->slots[i]->name) = t->slots[i];
		free(t->slots);
		*t = bigger;
	}
	*table_slot(t, m->name) = m;
	t->n++;
}

static Macro *lookup(const PPState *pp, const char *name)
{
	Macro *m = find_macro(&pp->macros, name);
	return m ? m : find_macro(&library, name);
}

static void register_macro(PPState *pp, Macro *m)
{
	MacroTable *scope = pp->library ? &library : &pp->macros;
	Macro *old = find_macro(scope, m->name);
	if (old) {
		diag_error(m->loc, "macro '@%s' is already defined", m->name);
		diag_note(old->loc, "'@%s' was first defined here", m->name);
		return;
	}
	table_add(scope, m);
}

/* BODY %) after the %( that opens it, straight from the scanner. */
static bool read_body(PPState *pp, Macro *m, Loc open)
{
	bool ok = true;
	int depth = 1;
	for (;;) {
		Token t;
		scan_token(pp, &t);
		switch (t.kind) {
		case END:
			error_at(pp, open, "unterminated body of macro '@%s' ('%%(' "
			         "without '%%)')", m->name);
			unread(pp, &t);
			return false;
		case PP_OPEN:
			depth++;
			break;
		case PP_CLOSE:
			if (--depth == 0)
				return ok;
			break;
		case LEX_ERROR:
			if (t.val.str)
				error_at(pp, t.loc, "%s", t.val.str);
			ok = false;
			continue;
		case PP_DEFINE:
			error_at(pp, t.loc, "a macro body cannot contain '@define'");
			ok = false;
			continue;
		}
		tl_append(&m->body, &t);
	}
}

/* Skips to the ')' that ends a bad parameter list (or to its body). */
static void skip_params(PPState *pp, Token *t)
{
	while (t->kind != ')' && t->kind != PP_OPEN && t->kind != END)
		scan_token(pp, t);
	if (t->kind == ')')
		scan_token(pp, t);
}

/* (P, ...) after the '(' of a @define; leaves *t at the token after ')'. */
static bool read_params(PPState *pp, Macro *m, Token *t)
{
	bool ok = true;
	m->nparams = 0;
	scan_token(pp, t);
	if (t->kind == ')') {
		scan_token(pp, t);
		return true;
	}
	for (;;) {
		if (!is_word(t)) {
			error_at(pp, t->loc, "expected a parameter name");
			skip_params(pp, t);
			return false;
		}
		if (lex_is_builtin_atword(t->val.str)) {
			error_at(pp, t->loc, "'%s' cannot be a parameter name: @%s is a "
			         "built-in operator", t->val.str, t->val.str);
			ok = false;
		} else if (param_index(m, t->val.str) >= 0) {
			error_at(pp, t->loc, "duplicate parameter '%s' in macro '@%s'",
			         t->val.str, m->name);
			ok = false;
		}
		m->params = xrealloc(m->params, (size_t)(m->nparams + 1) * sizeof *m->params);
		m->params[m->nparams++] = xstrdup(t->val.str);
		scan_token(pp, t);
		if (t->kind == ')') {
			scan_token(pp, t);
			return ok;
		}
		if (t->kind != ',') {
			error_at(pp, t->loc, "expected ',' or ')' in the parameter list "
			         "of macro '@%s'", m->name);
			skip_params(pp, t);
			return false;
		}
		scan_token(pp, t);
	}
}

/*
 * @define NAME [(P, ...)] %( BODY %), read straight from the scanner.
 * Returns false when the definition had no body: then it is unclear where
 * it ends, and the caller gives the parser an error token so that what
 * follows does not cause more errors.
 */
static bool define_macro(PPState *pp)
{
	Token t;
	scan_token(pp, &t);
	if (!is_word(&t)) {
		error_at(pp, t.loc, "expected a macro name after '@define'");
		if (t.kind == PP_OPEN) {
			Macro dummy = { .name = "" };
			read_body(pp, &dummy, t.loc);
			free(dummy.body.v);
			return true;
		}
		unread(pp, &t);
		return false;
	}
	Macro *m = xcalloc(1, sizeof *m);
	m->name = xstrdup(t.val.str);
	m->loc = src_loc(pp, t.loc);
	m->nparams = -1;
	bool ok = true;
	if (lex_is_builtin_atword(m->name)) {
		error_at(pp, t.loc, "'@%s' is a built-in operator and cannot be "
		         "defined as a macro", m->name);
		ok = false;
	}
	scan_token(pp, &t);
	if (t.kind == '(')
		ok &= read_params(pp, m, &t);
	bool has_body = t.kind == PP_OPEN;
	if (has_body) {
		ok &= read_body(pp, m, t.loc);
	} else {
		if (ok)
			error_at(pp, t.loc, "expected '%%(' to start the body of macro "
			         "'@%s'", m->name);
		unread(pp, &t);
		ok = false;
	}
	m->broken = !ok;
	register_macro(pp, m);
	return has_body;
}

/* The outermost expansion in progress, NULL if none. */
static const Frame *outermost(const PPState *pp)
{
	const Frame *out = NULL;
	for (const Frame *f = pp->top; f; f = f->below)
		if (f->kind == FR_MACRO)
			out = f;
	return out;
}

static void note_defined(const Macro *m)
{
	diag_note(m->loc, "'@%s' is defined here", m->name);
}

static void free_args(TokList *args, int nargs)
{
	for (int i = 0; i < nargs; i++)
		free(args[i].v);
	free(args);
}

/*
 * ( ARG, ... ) after @name: token lists split at commas outside brackets.
 * Reads from source `floor` (and the arguments its parameters bring in),
 * never beyond it.  Extends *use to the ')'.  Lexical errors in arguments
 * are reported here, once, however often the argument is replayed.
 */
static bool collect_args(PPState *pp, unsigned long floor, const Macro *m,
                         Loc *use, TokList **out, int *nout)
{
	TokList *args = xcalloc(1, sizeof *args);
	int nargs = 1, depth = 0, ppdepth = 0;
	bool empty = true;     /* nothing but the '(' yet: () is no argument */
	for (;;) {
		Token t;
		unsigned long from;
		bool got = read_token(pp, floor, &t, &from);
		if (!got || t.kind == END ||
		    (ppdepth == 0 && (t.kind == PP_THEN || t.kind == PP_ELSE ||
		                      t.kind == PP_CLOSE))) {
			if (got)
				unread(pp, &t);
			error_at(pp, *use, "unterminated argument list of macro '@%s' "
			         "(no closing ')')", m->name);
			free_args(args, nargs);
			return false;
		}
		if (t.kind == LEX_ERROR && t.val.str) {
			error_at(pp, t.loc, "%s", t.val.str);
			t.val.str = NULL;
		}
		switch (t.kind) {
		case '(': case '[': case '{':
			depth++;
			break;
		case ']': case '}':
			if (depth > 0)
				depth--;
			break;
		case ')':
			if (depth == 0 && ppdepth == 0) {
				if (t.loc.file == use->file && t.loc.exp == use->exp) {
					use->last_line = t.loc.last_line;
					use->last_column = t.loc.last_column;
				}
				*out = args;
				*nout = empty ? 0 : nargs;
				return true;
			}
			if (depth > 0)
				depth--;
			break;
		case ',':
			if (depth == 0 && ppdepth == 0) {
				args = xrealloc(args, (size_t)(nargs + 1) * sizeof *args);
				memset(&args[nargs++], 0, sizeof *args);
				empty = false;
				continue;
			}
			break;
		case PP_OPEN:
			ppdepth++;
			break;
		case PP_CLOSE:
			ppdepth--;
			break;
		}
		empty = false;
		tl_append(&args[nargs - 1], &t);
	}
}

static void unknown_macro(PPState *pp, const Token *t)
{
	const char *name = t->val.str;
	Suggest s;
	suggest_init(&s, name);
	for (size_t i = 0; i < pp->macros.cap; i++)
		if (pp->macros.slots[i])
			suggest_offer(&s, pp->macros.slots[i]->name);
	for (size_t i = 0; i < library.cap; i++)
		if (library.slots[i])
			suggest_offer(&s, library.slots[i]->name);
	for (int i = 0; lex_atword_name(i); i++)
		suggest_offer(&s, lex_atword_name(i));
	const char *close = suggest_result(&s);
	if (close)
		error_at(pp, t->loc, "unknown macro '@%s'; did you mean '@%s'?", name, close);
	else
		error_at(pp, t->loc, "unknown macro '@%s'", name);
}

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

/*
 * Is @name (token t, with its arguments at `use`) a use of macro m out of
 * its own expansion?  The token's location tells: it names the expansions
 * whose bodies produced it.  (A use in an argument belongs to the caller,
 * so @f(@f(1)) is fine.)  Reports "uses itself [through '@b' and '@c']",
 * once per macro; true if so.
 */
static bool recursive_use(PPState *pp, const Token *t, Loc use, Macro *m)
{
	const char *name = m->name;
	const SrcExpansion *self = t->loc.exp;
	int n = 0;
	while (self && strcmp(self->macro, name)) {
		self = self->use.exp;
		n++;
	}
	if (!self)
		return false;
	if (m->recursive)
		return true;
	m->recursive = true;
	StrBuf via = {0};
	sb_puts(&via, "");
	for (int i = n; i > 0; i--) {     /* outermost first */
		const SrcExpansion *e = t->loc.exp;
		for (int k = 1; k < i; k++)
			e = e->use.exp;
		sb_printf(&via, "%s'@%s'", i == n ? " through " : i == 1 ? " and " : ", ",
		          e->macro);
	}
	error_at(pp, use, "recursive macro: '@%s' uses itself%s", name, via.data);
	free(via.data);
	return true;
}

/*
 * @name read from source `from`: collects the arguments and pushes a frame
 * replaying the body.  Returns false after an error (reported), with *t
 * turned into an error token.
 */
static bool expand(PPState *pp, Token *t, unsigned long from)
{
	Macro *m = lookup(pp, t->val.str);
	if (!m) {
		unknown_macro(pp, t);
		make_error(t);
		return false;
	}
	Loc use = t->loc;
	TokList *args = NULL;
	int nargs = 0;
	if (m->nparams >= 0) {
		Token open;
		unsigned long of;
		bool got = read_token(pp, from, &open, &of);
		if (got && open.kind == '(') {
			if (!collect_args(pp, from, m, &use, &args, &nargs)) {
				make_error(t);
				return false;
			}
		} else {
			if (got)
				unread(pp, &open);
			if (m->nparams > 0) {
				error_at(pp, use, "macro '@%s' takes %d argument%s, but is "
				         "used without an argument list", m->name,
				         m->nparams, plural(m->nparams));
				note_defined(m);
				make_error(t);
				return false;
			}
		}
		if (nargs != m->nparams) {
			if (m->nparams == 0)
				error_at(pp, use, "macro '@%s' takes no arguments, not %d",
				         m->name, nargs);
			else
				error_at(pp, use, "macro '@%s' takes %d argument%s, not %d",
				         m->name, m->nparams, plural(m->nparams), nargs);
			note_defined(m);
			free_args(args, nargs);
			make_error(t);
			return false;
		}
	}
	if (m->broken || pp->over_budget || recursive_use(pp, t, use, m)) {
		free_args(args, nargs);
		make_error(t);
		return false;
	}
	if (pp->depth >= PP_MAX_DEPTH || pp->replayed > PP_MAX_TOKENS) {
		/* reported at the outermost use, the one in the user's text; the
		 * note names the macro that recursed, or the one that grew */
		const Frame *out = outermost(pp);
		SrcLoc where = out ? out->exp->use : src_loc(pp, use);
		if (pp->depth >= PP_MAX_DEPTH) {
			diag_error(where, "macro expansion too deep, recursive macro?");
			note_defined(m);
		} else {
			diag_error(where, "macro expansion produces too many tokens "
			           "(more than %ld), recursive macro?", PP_MAX_TOKENS);
			note_defined(out ? out->macro : m);
			pp->over_budget = true;
		}
		free_args(args, nargs);
		abandon(pp);
		make_error(t);
		return false;
	}
	SrcExpansion *e = xcalloc(1, sizeof *e);
	e->macro = m->name;
	e->use = src_loc(pp, use);
	Frame *f = push_frame(pp, FR_MACRO, m->body.v, m->body.n);
	f->macro = m;
	f->args = args;
	f->nargs = nargs;
	f->exp = e;
	pp->depth++;
	return true;
}

/* Skips the rest of a @define that came out of a frame: up to its body's
 * %( and then the body. */
static void skip_define(PPState *pp, Loc at)
{
	Frame *f = pp->top;
	while (f->pos < f->n && f->toks[f->pos].kind != PP_OPEN)
		f->pos++;
	if (f->pos < f->n) {
		f->pos++;
		skip_until(pp, f->id, 0, 0, false, at);
	}
}

/* The next token after macro processing: @define's are recorded, macro
 * uses expanded; anything else (conditional tokens too) is returned. */
static void next_expanded(PPState *pp, Token *t, unsigned long *from)
{
	for (;;) {
		read_token(pp, 0, t, from);
		if (t->kind == PP_DEFINE) {
			if (*from == 0) {
				if (define_macro(pp))
					continue;
				make_error(t);
				return;
			}
			error_at(pp, t->loc, "'@define' cannot come out of a macro "
			         "body or argument");
			skip_define(pp, t->loc);
			make_error(t);
			return;
		}
		if (t->kind == AT_NAME && expand(pp, t, *from))
			continue;
		return;
	}
}

/* ---- the kernel's version and configuration ------------------------------ */

static const char *kernel_release(void)
{
	static struct utsname u;
	static bool done;
	if (opt.krelease)
		return opt.krelease;
	if (!done) {
		if (uname(&u) != 0)
			u.release[0] = '\0';
		done = true;
	}
	return u.release;
}

/* "6.1.0-56-amd64" -> "6.1.0": the leading digits and dots. */
static char *kernel_version(const char *release)
{
	size_t n = strspn(release, "0123456789.");
	while (n > 0 && release[n - 1] == '.')
		n--;
	return xstrndup(release, n);
}

typedef struct KOption {
	char *name, *value;
} KOption;

static struct {
	char *override;        /* pp_set_kconfig_path() */
	char *path;            /* what is loaded (cached by path) */
	KOption *opts;         /* sorted by name */
	int n;
	int err;               /* errno if it could not be read */
	bool warned;
} kconfig;

void pp_set_kconfig_path(const char *path)
{
	free(kconfig.override);
	kconfig.override = path ? xstrdup(path) : NULL;
}

static int kopt_cmp(const void *a, const void *b)
{
	return strcmp(((const KOption *)a)->name, ((const KOption *)b)->name);
}

/* A value as written in .config: "quoted" with \" and \\ escapes, or bare. */
static char *kconfig_value(const char *v, size_t len)
{
	if (len < 2 || v[0] != '"' || v[len - 1] != '"')
		return xstrndup(v, len);
	StrBuf sb = {0};
	sb_puts(&sb, "");
	for (size_t i = 1; i + 1 < len; i++) {
		if (v[i] == '\\' && i + 2 < len)
			i++;
		sb_putc(&sb, v[i]);
	}
	return sb_steal(&sb);
}

/* Lines CONFIG_NAME=value; "# CONFIG_NAME is not set" means absent. */
static void kconfig_parse(const char *text)
{
	int cap = 0;
	for (const char *p = text; *p; ) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (len > 7 && !strncmp(p, "CONFIG_", 7) && eq) {
			if (kconfig.n == cap) {
				cap = cap ? 2 * cap : 1024;
				kconfig.opts = xrealloc(kconfig.opts, (size_t)cap * sizeof *kconfig.opts);
			}
			size_t vlen = len - (size_t)(eq + 1 - p);
			if (vlen > 0 && eq[vlen] == '\r')
				vlen--;
			KOption *o = &kconfig.opts[kconfig.n++];
			o->name = xstrndup(p, (size_t)(eq - p));
			o->value = kconfig_value(eq + 1, vlen);
		}
		p += len + (end ? 1 : 0);
	}
	if (kconfig.n > 0)
		qsort(kconfig.opts, (size_t)kconfig.n, sizeof *kconfig.opts, kopt_cmp);
}

static void kconfig_load(const char *path)
{
	if (kconfig.path && !strcmp(kconfig.path, path))
		return;
	for (int i = 0; i < kconfig.n; i++) {
		free(kconfig.opts[i].name);
		free(kconfig.opts[i].value);
	}
	free(kconfig.opts);
	free(kconfig.path);
	kconfig.opts = NULL;
	kconfig.n = 0;
	kconfig.err = 0;
	kconfig.warned = false;
	kconfig.path = xstrdup(path);
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		kconfig.err = errno ? errno : ENOENT;
		return;
	}
	kconfig_parse(text);
	free(text);
}

/* The value of a CONFIG_ option of the target kernel ("" if unset). */
static const char *kconfig_lookup(const PPState *pp, const char *name, Loc where)
{
	char *path = kconfig.override ? xstrdup(kconfig.override)
	           : xasprintf("/lib/modules/%s/build/.config", kernel_release());
	kconfig_load(path);
	free(path);
	if (kconfig.err) {
		if (!kconfig.warned)
			diag_warning(src_loc(pp, where), "cannot read the kernel "
			             "configuration %s (%s); every CONFIG_ option "
			             "compares as \"\"", kconfig.path, strerror(kconfig.err));
		kconfig.warned = true;
		return "";
	}
	KOption key = { (char *)name, NULL };
	KOption *o = kconfig.n ? bsearch(&key, kconfig.opts, (size_t)kconfig.n,
	                                 sizeof *kconfig.opts, kopt_cmp) : NULL;
	return o ? o->value : "";
}

/* ---- conditions ------------------------------------------------------------ */

typedef enum Subject {
	S_KERNEL_V, S_KERNEL_VR, S_SYSTEMTAP_V, S_ARCH, S_RUNTIME, S_PRIVILEGE,
	S_GURU, S_CONFIG, S_STRING, S_NUMBER,
} Subject;

static const struct { const char *name; Subject s; } subjects[] = {
	{ "kernel_v", S_KERNEL_V }, { "kernel_vr", S_KERNEL_VR },
	{ "systemtap_v", S_SYSTEMTAP_V }, { "arch", S_ARCH },
	{ "runtime", S_RUNTIME }, { "systemtap_privilege", S_PRIVILEGE },
	{ "guru_mode", S_GURU },
};

/* Reads a condition from next_expanded(): one token of lookahead. */
typedef struct CondParser {
	PPState *pp;
	Token tok;             /* the current token */
	unsigned long from;    /* its source */
	bool failed;           /* an error was reported: stop */
	int parens;
} CondParser;

static void cp_next(CondParser *c)
{
	next_expanded(c->pp, &c->tok, &c->from);
}

static void cp_vfail(CondParser *c, Loc l, const char *fmt, va_list ap)
{
	if (c->failed)
		return;
	c->failed = true;
	StrBuf sb = {0};
	sb_vprintf(&sb, fmt, ap);
	diag_error(src_loc(c->pp, l), "%s", sb.data);
	free(sb.data);
}

/* Reports an error at l (only the first error of a condition). */
static void cp_fail(CondParser *c, Loc l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cp_fail(CondParser *c, Loc l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cp_vfail(c, l, fmt, ap);
	va_end(ap);
}

/* Reports that the current token is wrong, unless it is an error token:
 * then its own message (or none: the macro layer reported it). */
static void cp_unexpected(CondParser *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void cp_unexpected(CondParser *c, const char *fmt, ...)
{
	if (c->tok.kind == LEX_ERROR) {
		if (!c->failed && c->tok.val.str)
			error_at(c->pp, c->tok.loc, "%s", c->tok.val.str);
		c->failed = true;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	cp_vfail(c, c->tok.loc, fmt, ap);
	va_end(ap);
}

/* A literal operand: a string, a number or -number.  Leaves c->tok after it. */
typedef struct Operand {
	Subject kind;          /* S_STRING or S_NUMBER; other kinds: not a literal */
	const char *str;
	int64_t num;
	Loc loc;
} Operand;

static bool read_literal(CondParser *c, Operand *o)
{
	o->loc = c->tok.loc;
	if (c->tok.kind == STRING) {
		o->kind = S_STRING;
		o->str = c->tok.val.str;
		cp_next(c);
		return true;
	}
	if (c->tok.kind == NUMBER) {
		o->kind = S_NUMBER;
		o->num = c->tok.val.num;
		cp_next(c);
		return true;
	}
	if (c->tok.kind == '-') {
		cp_next(c);
		if (c->tok.kind != NUMBER) {
			cp_unexpected(c, "expected a number after '-'");
			return false;
		}
		o->kind = S_NUMBER;
		o->num = (int64_t)(0 - (uint64_t)c->tok.val.num);
		pp_loc_span(&o->loc, &o->loc, &c->tok.loc);
		cp_next(c);
		return true;
	}
	return false;
}

/* The subject of a comparison: a known name, CONFIG_..., or a literal. */
static bool read_subject(CondParser *c, Operand *o, const char **name)
{
	*name = NULL;
	if (c->tok.kind == IDENT) {
		const char *id = c->tok.val.str;
		o->loc = c->tok.loc;
		*name = id;
		for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++) {
			if (!strcmp(id, subjects[i].name)) {
				o->kind = subjects[i].s;
				cp_next(c);
				return true;
			}
		}
		if (!strncmp(id, "CONFIG_", 7) && id[7]) {
			o->kind = S_CONFIG;
			cp_next(c);
			return true;
		}
		Suggest s;
		suggest_init(&s, id);
		for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++)
			suggest_offer(&s, subjects[i].name);
		const char *close = suggest_result(&s);
		if (close)
			cp_fail(c, o->loc, "unknown identifier '%s' in a preprocessor "
			        "condition; did you mean '%s'?", id, close);
		else
			cp_fail(c, o->loc, "unknown identifier '%s' in a preprocessor "
			        "condition (expected kernel_v, kernel_vr, arch, runtime, "
			        "systemtap_v, systemtap_privilege, guru_mode or "
			        "CONFIG_...)", id);
		return false;
	}
	if (c->tok.kind == '!') {
		cp_unexpected(c, "a preprocessor condition cannot be negated with "
		              "'!': use '!=' or swap the '%%?' and '%%:' branches");
		return false;
	}
	if (read_literal(c, o))
		return true;
	if (!c->failed)
		cp_unexpected(c, "expected a condition such as kernel_v >= \"5.0\"");
	return false;
}

static bool compare_num(int op, int64_t a, int64_t b)
{
	switch (op) {
	case EQ: return a == b;
	case NE: return a != b;
	case '<': return a < b;
	case LE: return a <= b;
	case '>': return a > b;
	default: return a >= b;
	}
}

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* value OP pattern: a glob (mis)match; only == and != get here. */
static bool compare_glob(int op, const char *value, const char *pattern)
{
	bool match = fnmatch(pattern, value, 0) == 0;
	return op == EQ ? match : !match;
}

/* kernel_v OP "5.0": strverscmp, or a glob with == and != */
static bool compare_version(int op, const char *value, const char *rhs)
{
	if ((op == EQ || op == NE) && is_glob(rhs))
		return compare_glob(op, value, rhs);
	int cmp = strverscmp(value, rhs);
	return compare_num(op, cmp, 0);
}

/* CONFIG_X OP number: numerically when the option's value is an integer;
 * otherwise only != holds. */
static bool compare_config_num(int op, const char *value, int64_t rhs)
{
	char *end;
	errno = 0;
	long long v = *value ? strtoll(value, &end, 0) : 0;
	if (!*value || *end || errno)
		return op == NE;
	return compare_num(op, v, rhs);
}

static const char *subject_example(Subject s, const char *name)
{
	switch (s) {
	case S_KERNEL_V: case S_KERNEL_VR: case S_SYSTEMTAP_V:
		return xasprintf("'%s' must be compared with a version string, as in "
		                 "%s >= \"5.0\"", name, name);
	case S_ARCH:
		return "'arch' must be compared with a string, as in arch == \"x86_64\"";
	case S_RUNTIME:
		return "'runtime' must be compared with a string, as in "
		       "runtime == \"kernel\"";
	case S_PRIVILEGE:
		return "'systemtap_privilege' must be compared with a string, as in "
		       "systemtap_privilege == \"stapdev\"";
	case S_GURU:
		return "'guru_mode' must be compared with 0 or 1";
	case S_CONFIG:
		return xasprintf("'%s' must be compared with a string or a number, as "
		                 "in %s == \"y\"", name, name);
	default:
		return NULL;
	}
}

/* comparison = subject op operand */
static bool cond_compare(CondParser *c)
{
	Operand lhs, rhs;
	const char *name;
	if (!read_subject(c, &lhs, &name))
		return false;
	int op = c->tok.kind;
	Loc op_loc = c->tok.loc;
	if (!op_text(op)) {
		cp_unexpected(c, "expected a comparison operator ('==', '!=', '<', "
		              "'<=', '>' or '>=')");
		return false;
	}
	cp_next(c);
	if (!read_literal(c, &rhs)) {
		if (c->failed)
			return false;
		if (lhs.kind == S_STRING || lhs.kind == S_NUMBER)
			cp_unexpected(c, "expected %s after '%s'",
			              lhs.kind == S_STRING ? "a string" : "a number",
			              op_text(op));
		else
			cp_unexpected(c, "%s", subject_example(lhs.kind, name));
		return false;
	}
	bool eq_only = lhs.kind == S_ARCH || lhs.kind == S_RUNTIME ||
	               lhs.kind == S_PRIVILEGE || lhs.kind == S_GURU ||
	               (lhs.kind == S_CONFIG && rhs.kind == S_STRING);
	if (eq_only && op != EQ && op != NE) {
		cp_fail(c, op_loc, "'%s' can only be compared with '==' or '!='%s",
		        name, lhs.kind == S_CONFIG ? " against a string" : "");
		return false;
	}
	Subject want = lhs.kind == S_GURU || lhs.kind == S_NUMBER ? S_NUMBER
	             : lhs.kind == S_CONFIG ? rhs.kind : S_STRING;
	if (rhs.kind != want) {
		if (lhs.kind == S_STRING || lhs.kind == S_NUMBER)
			cp_fail(c, rhs.loc, "cannot compare a %s with a %s",
			        lhs.kind == S_STRING ? "string" : "number",
			        rhs.kind == S_STRING ? "string" : "number");
		else
			cp_fail(c, rhs.loc, "%s", subject_example(lhs.kind, name));
		return false;
	}
	switch (lhs.kind) {
	case S_KERNEL_V: {
		char *v = kernel_version(kernel_release());
		bool r = compare_version(op, v, rhs.str);
		free(v);
		return r;
	}
	case S_KERNEL_VR:
		return compare_version(op, kernel_release(), rhs.str);
	case S_SYSTEMTAP_V:
		return compare_version(op, SONDE_COMPAT_VERSION, rhs.str);
	case S_ARCH:
		return compare_glob(op, SONDE_TARGET_ARCH, rhs.str);
	case S_RUNTIME:
		return compare_glob(op, "kernel", rhs.str);
	case S_PRIVILEGE:
		return (strcmp("stapdev", rhs.str) == 0) == (op == EQ);
	case S_GURU:
		return compare_num(op, opt.guru ? 1 : 0, rhs.num);
	case S_CONFIG: {
		const char *v = kconfig_lookup(c->pp, name, lhs.loc);
		if (rhs.kind == S_STRING)
			return compare_glob(op, v, rhs.str);
		return compare_config_num(op, v, rhs.num);
	}
	case S_STRING:
		return compare_num(op, strcmp(lhs.str, rhs.str), 0);
	case S_NUMBER:
		return compare_num(op, lhs.num, rhs.num);
	}
	return false;
}

static bool cond_or(CondParser *c);

/* primary = '(' or ')' | comparison */
static bool cond_primary(CondParser *c)
{
	if (c->tok.kind != '(')
		return cond_compare(c);
	Loc open = c->tok.loc;
	if (++c->parens > PP_MAX_PARENS) {
		cp_fail(c, open, "too many nested parentheses in a preprocessor "
		        "condition (the limit is %d)", PP_MAX_PARENS);
		return false;
	}
	cp_next(c);
	bool v = cond_or(c);
	if (c->failed)
		return false;
	if (c->tok.kind != ')') {
		cp_unexpected(c, "expected ')' to close the '(' at line %d, column %d",
		              open.first_line, open.first_column);
		return false;
	}
	c->parens--;
	cp_next(c);
	return v;
}

/* and = primary { '&&' primary } */
static bool cond_and(CondParser *c)
{
	bool v = cond_primary(c);
	while (!c->failed && c->tok.kind == ANDAND) {
		cp_next(c);
		bool w = cond_primary(c);
		v = v && w;
	}
	return v;
}

/* or = and { '||' and } */
static bool cond_or(CondParser *c)
{
	bool v = cond_and(c);
	while (!c->failed && c->tok.kind == OROR) {
		cp_next(c);
		bool w = cond_and(c);
		v = v || w;
	}
	return v;
}

/* ---- conditionals ---------------------------------------------------------- */

static Cond *top_cond(PPState *pp, unsigned long from)
{
	if (pp->nconds == 0 || pp->conds[pp->nconds - 1].frame != from)
		return NULL;
	return &pp->conds[pp->nconds - 1];
}

/*
 * After a bad condition: drops what the condition expanded and skips the
 * rest of the conditional, both branches.  `bad` is the token the
 * condition parser stopped at, read from source `bad_from`.
 */
static void recover(PPState *pp, unsigned long fid, const Token *bad,
                    unsigned long bad_from, Loc open)
{
	if (!frame_exists(pp, fid))
		return;            /* abandoned with a runaway expansion */
	while (pp->top->id != fid)
		pop_frame(pp);
	int depth = 0;
	unsigned stops = STOP_THEN;
	if (bad_from == fid) {
		switch (bad->kind) {
		case PP_THEN:
			stops = 0;
			break;
		case PP_CLOSE:
			return;        /* the conditional ends right here */
		case PP_OPEN:
			depth = 1;
			break;
		case END:
			unread(pp, bad);
			report_unterminated(pp, open, NULL);
			return;
		}
	}
	if (skip_until(pp, fid, depth, stops, false, open) == PP_THEN)
		skip_until(pp, fid, 0, 0, false, open);
}

/* A bad condition right after an operand is often a remainder: a %(b). */
static void remainder_hint(const PPState *pp, Loc open)
{
	switch (pp->last_kind) {
	case IDENT: case NUMBER: case STRING: case TARGET: case ')': case ']':
		diag_note(src_loc(pp, open), "for the remainder operator, put a space "
		          "between '%%' and '('");
		break;
	}
}

/*
 * %( COND %? ...  with the %( read from source `fid`.  Evaluates COND and,
 * when it is false, skips to the %: or %).  Returns false after an error
 * (reported), with *t turned into an error token for the parser.
 */
static bool begin_cond(PPState *pp, Token *t, unsigned long fid)
{
	Loc open = t->loc;
	if (pp->nconds == PP_MAX_CONDS) {
		error_at(pp, open, "preprocessor conditionals nested too deeply (the "
		         "limit is %d)", PP_MAX_CONDS);
		skip_until(pp, fid, 0, 0, false, open);
		make_error(t);
		return false;
	}
	CondParser c = { .pp = pp };
	cp_next(&c);
	bool value = cond_or(&c);
	if (!c.failed && (c.tok.kind != PP_THEN || c.from != fid)) {
		if (c.tok.kind == PP_THEN)
			cp_unexpected(&c, "this '%%?' must be in the same file or macro "
			              "body as its '%%('");
		else
			cp_unexpected(&c, "expected '%%?' after the condition");
	}
	if (c.failed) {
		remainder_hint(pp, open);
		recover(pp, fid, &c.tok, c.from, open);
		make_error(t);
		return false;
	}
	Cond *cond = &pp->conds[pp->nconds++];
	cond->open = open;
	cond->frame = fid;
	cond->in_else = false;
	if (!value) {
		int k = skip_until(pp, fid, 0, STOP_ELSE, true, open);
		if (k == PP_ELSE)
			cond->in_else = true;
		else
			pp->nconds--;
	}
	return true;
}

/*
 * A conditional token met in live text (the %( of a new conditional, or
 * what ends the taken branch).  Returns true if t is still to be given to
 * the parser (an error token after an error), false if it was consumed.
 */
static bool conditional_token(PPState *pp, Token *t, unsigned long from)
{
	Cond *c = top_cond(pp, from);
	const char *text = t->kind == PP_THEN ? "%?" : t->kind == PP_ELSE ? "%:" : "%)";
	switch (t->kind) {
	case PP_OPEN:
		return !begin_cond(pp, t, from);
	case PP_ELSE:
		if (c && !c->in_else) {
			skip_until(pp, from, 0, 0, true, c->open);
			pp->nconds--;
			return false;
		}
		break;
	case PP_CLOSE:
		if (c) {
			pp->nconds--;
			return false;
		}
		break;
	}
	if (c)
		error_at(pp, t->loc, "unexpected '%s' (the conditional opened at line "
		         "%d already has its '%s')", text, c->open.first_line, text);
	else
		error_at(pp, t->loc, "'%s' without a matching '%%('", text);
	make_error(t);
	return true;
}

/* ---- the parser's view ----------------------------------------------------- */

PPState *pp_new(ParseState *ps, yyscan_t scanner, bool library_mode)
{
	PPState *pp = xcalloc(1, sizeof *pp);
	pp->ps = ps;
	pp->scanner = scanner;
	pp->library = library_mode;
	pp->scanner_frame.kind = FR_SCANNER;
	pp->top = &pp->scanner_frame;
	return pp;
}

/* The macros themselves are kept: expansion records (in the AST's
 * locations) name them. */
void pp_free(PPState *pp)
{
	if (!pp)
		return;
	abandon(pp);
	free(pp->macros.slots);
	free(pp);
}

/* Forgets without freeing: under the fuzzing harness (tests/fuzz) the
 * memory of the previous run is gone already. */
void pp_reset(void)
{
	library = (MacroTable){ NULL, 0, 0 };
	kconfig.path = NULL;
	kconfig.opts = NULL;
	kconfig.n = 0;
}

/* Library mode: everything but definitions is an error (once per file).
 * The token after a lexical error is part of the same mistake (the
 * stand-in for a malformed literal, see lexer.l). */
static void reject(PPState *pp, const Token *t)
{
	if (t->kind == LEX_ERROR) {
		if (t->val.str)
			error_at(pp, t->loc, "%s", t->val.str);
		pp->after_lex_error = true;
		return;
	}
	if (!pp->rejected && !pp->after_lex_error) {
		error_at(pp, t->loc, "a library macro file (.stpm) may only contain "
		         "@define and preprocessor conditionals");
		pp->rejected = true;
	}
	pp->after_lex_error = false;
}

int pp_next(PPState *pp, SONDE_YYSTYPE *lval, SONDE_YYLTYPE *lloc)
{
	for (;;) {
		Token t;
		unsigned long from;
		next_expanded(pp, &t, &from);
		if ((t.kind == PP_OPEN || t.kind == PP_THEN || t.kind == PP_ELSE ||
		     t.kind == PP_CLOSE) && !conditional_token(pp, &t, from))
			continue;
		if (t.kind == END) {
			for (int i = 0; i < pp->nconds; i++)
				report_unterminated(pp, pp->conds[i].open, NULL);
			pp->nconds = 0;
		} else if (pp->library) {
			reject(pp, &t);
			continue;
		}
		if (from != 0)
			own_value(&t);
		*lval = t.val;
		*lloc = t.loc;
		pp->last_kind = t.kind;
		pp->prev_exp = pp->last_exp;
		pp->last_exp = t.loc.exp;
		return t.kind;
	}
}

void pp_note_expansion_end(const PPState *pp)
{
	const SrcExpansion *e, *in;
	for (in = pp->prev_exp; in && in != pp->last_exp; in = in->use.exp)
		;
	if (in != pp->last_exp)
		return;            /* the lookahead is in another expansion */
	for (e = pp->prev_exp; e != pp->last_exp; e = e->use.exp)
		diag_note(e->use, "in expansion of macro '@%s'", e->macro);
}

/* ---- locations ------------------------------------------------------------- */

static int exp_depth(const SrcExpansion *e)
{
	int n = 0;
	for (; e; e = e->use.exp)
		n++;
	return n;
}

/* Replaces l by the use site of the expansion it came out of. */
static void lift(Loc *l)
{
	const SrcLoc *u = &l->exp->use;
	l->file = u->file;
	l->first_line = u->line;
	l->first_column = u->col;
	l->last_line = u->end_line;
	l->last_column = u->end_col;
	l->exp = u->exp;
	l->pasted = false;
}

void pp_loc_span(SONDE_YYLTYPE *cur, const SONDE_YYLTYPE *first,
                 const SONDE_YYLTYPE *last)
{
	Loc a = *first, b = *last;
	if (a.exp != b.exp) {
		int da = exp_depth(a.exp), db = exp_depth(b.exp);
		for (; da > db; da--)
			lift(&a);
		for (; db > da; db--)
			lift(&b);
		while (a.exp != b.exp) {
			lift(&a);
			lift(&b);
		}
	}
	*cur = a;
	cur->last_line = b.last_line;
	cur->last_column = b.last_column;
	cur->pasted = a.pasted && b.pasted;
}
