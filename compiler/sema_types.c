/*
 * sema_types.c - type inference and checking.
 *
 * Values are long or string (stats come with aggregates).  Types flow both
 * ways: from literals, operators, declarations and printf formats up to
 * the variables, and from variables down to the expressions that use them.
 * The pass repeats until nothing changes, then runs once more to report
 * conflicts and anything still unknown.
 */
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "core/limits.h"   /* SONDE_HIST_MAX_LINEAR, shared with the runtime */
#include "diag.h"
#include "session.h"
#include "target_vars.h"
#include "util.h"

static bool changed;   /* this round learned something */
static bool report;    /* final round: report conflicts */
static Function *cur_fn;
static Handler *cur_handler;
static Script *cur_script;   /* (for the probe points of cur_handler) */

/* "a long", "a string", "a statistic": types as nouns, for messages. */
static const char *a_type(Type t)
{
	switch (t) {
	case TY_LONG: return "a long";
	case TY_STRING: return "a string";
	case TY_STATS: return "a statistic";
	default: return "of unknown type";
	}
}

/*
 * Records that *slot has type t (learnt at loc), or reports a conflict
 * with a note at *origin, where the slot got its type first.  Returns
 * true when it reported.
 */
static bool unify(Type *slot, SrcLoc *origin, Type t, SrcLoc loc, const char *what,
		  const char *name)
{
	if (t == TY_UNKNOWN)
		return false;
	if (*slot == TY_UNKNOWN) {
		*slot = t;
		*origin = loc;
		changed = true;
	} else if (*slot != t && report) {
		diag_error(loc, "type mismatch: %s '%s' is %s, used here as %s",
			   what, name, a_type(*slot), a_type(t));
		if (origin->file)
			diag_note(*origin, "%s '%s' became %s here", what, name, a_type(*slot));
		return true;
	}
	return false;
}

/* Reports (once per node) that e is not of the wanted type; true if so. */
static bool want_hint(Expr *e, Type got, Type wanted, const char *context, const char *hint)
{
	if (!report || e->reported || got == TY_UNKNOWN || wanted == TY_UNKNOWN || got == wanted)
		return false;
	diag_error(e->loc, "%s must be %s, not %s%s", context, a_type(wanted), a_type(got), hint);
	e->reported = true;
	return true;
}

static bool want(Expr *e, Type got, Type wanted, const char *context)
{
	return want_hint(e, got, wanted, context, "");
}

static Type expr(Expr *e, Type hint);
static bool in_call_arg;   /* typing a plain identifier given to a function */
static bool call_hints;    /* call sites may decide return types (second phase) */
static bool in_assign_target;   /* typing the left side of an assignment */

/* Assignments, ++/--, foreach and catch bind variables: the unknown-type
 * report tells causes (read, never written) from consequences by this. */
static void mark_written(Expr *e)
{
	if (e && e->sym)
		e->sym->written = true;
}

/* Advances over one character of a string literal's source (escapes too). */
static const char *source_char(const char *p)
{
	if (*p != '\\')
		return p + 1;
	p++;
	if (*p >= '0' && *p <= '7') {
		for (int i = 0; i < 3 && *p >= '0' && *p <= '7'; i++)
			p++;
		return p;
	}
	if (*p == 'x') {
		p++;
		for (int i = 0; i < 2 && strchr("0123456789abcdefABCDEF", *p) && *p; i++)
			p++;
		return p;
	}
	return *p ? p + 1 : p;
}

/*
 * The location of `len` characters at offset `at` of a string literal's
 * value, found by walking its source text (escapes make them differ).
 * Falls back to the whole literal if the source is not a plain "...".
 */
static SrcLoc literal_span(const Expr *lit, int at, int len)
{
	const char *text = lit->loc.file ? lit->loc.file->text : NULL, *p = text;
	SrcLoc loc = lit->loc;

	for (int line = 1; p && *p && line < lit->loc.line; p++)
		if (*p == '\n')
			line++;
	if (!p || (int)strlen(p) < lit->loc.col || p[lit->loc.col - 1] != '"')
		return loc;
	const char *start = p + lit->loc.col - 1, *q = start + 1;
	for (int i = 0; i < at; i++, q = source_char(q))
		if (*q == '"' || *q == '\n' || !*q)
			return lit->loc;
	const char *first = q;
	for (int i = 0; i < len && *q && *q != '"' && *q != '\n'; i++)
		q = source_char(q);
	loc.col = lit->loc.col + (int)(first - start);
	loc.end_line = loc.line;
	loc.end_col = loc.col + (int)(q - first) - 1;
	if (loc.end_col < loc.col)
		loc.end_col = loc.col;
	return loc;
}

/* A string as it would be written in the script, for messages. */
static const char *escaped(const char *s)
{
	StrBuf sb = { 0 };
	sb_put_c_escaped(&sb, s);
	return sb.data ? sb_steal(&sb) : "";
}

/* Returns true when it reported a conflict. */
static bool set_arity(Symbol *sym, int arity, SrcLoc loc)
{
	if (sym->arity < 0) {
		sym->arity = arity;
		sym->arity_loc = loc;
		changed = true;
	} else if (sym->arity != arity && report) {
		if (sym->arity == 0 || arity == 0)
			diag_error(loc, "'%s' is used both as an array and as a scalar", sym->name);
		else
			diag_error(loc, "array '%s' is used with %d key%s here but %d elsewhere",
				   sym->name, arity, arity == 1 ? "" : "s", sym->arity);
		if (sym->arity_loc.file && sym->arity == 0)
			diag_note(sym->arity_loc, "'%s' is used as a scalar here", sym->name);
		else if (sym->arity_loc.file && arity == 0)
			diag_note(sym->arity_loc, "'%s' is used as an array here", sym->name);
		else if (sym->arity_loc.file)
			diag_note(sym->arity_loc, "'%s' is used with %d key%s here", sym->name,
				  sym->arity, sym->arity == 1 ? "" : "s");
		return true;
	}
	return false;
}

static int count(const Expr *e)
{
	int n = 0;
	for (; e; e = e->next)
		n++;
	return n;
}

static void keys(Symbol *sym, Expr *args, SrcLoc loc)
{
	int n = count(args), i = 0;

	if (n > 9) {
		if (report)
			diag_error(loc, "too many array keys (%d, the limit is 9)", n);
		return;
	}
	set_arity(sym, n, loc);
	for (Expr *k = args; k; k = k->next, i++) {
		Type t = expr(k, sym->key_types[i]);
		if (t == TY_STATS && report)
			diag_error(k->loc, "an array key must be a long or a string");
		unify(&sym->key_types[i], &sym->key_locs[i], t, k->loc, "key of array", sym->name);
	}
}

static Type call_builtin(Expr *e, Type hint)
{
	const Builtin *b = builtin_get(e->builtin);
	Expr *a = e->args;

	if (count(a) < b->min_args)   /* (resolve reported it; types go on) */
		return b->ret;
	switch (b->id) {
	case BI_PRINTF:
	case BI_SPRINTF: {
		Type types[64];
		const char *err = NULL;
		if (a->kind != EX_STRING) {
			if (report)
				diag_error(a->loc, "the format of %s must be a string literal", e->name);
			break;
		}
		int n = format_arg_types(a->str, types, 64, &err);
		if (n < 0) {
			if (report)
				diag_error(literal_span(a, format_error_at, format_error_len), "%s", err);
			break;
		}
		int given = count(a->next);
		if (given != n && report)
			diag_error(e->loc, "format \"%s\" needs %d argument%s but %d %s given",
				   escaped(a->str), n, n == 1 ? "" : "s", given, given == 1 ? "was" : "were");
		int i = 0;
		for (Expr *x = a->next; x; x = x->next, i++) {
			Type t = expr(x, i < n && i < 64 ? types[i] : TY_UNKNOWN);
			if (i < n && i < 64)
				want(x, t, types[i], "this printf argument");
		}
		break;
	}
	case BI_PRINTD: case BI_PRINTDLN: case BI_SPRINTD: case BI_SPRINTDLN:
		want(a, expr(a, TY_STRING), TY_STRING, "the delimiter");
		a = a->next;
		/* fall through */
	case BI_PRINT: case BI_PRINTLN: case BI_SPRINT: case BI_SPRINTLN:
		for (; a; a = a->next)
			if (expr(a, TY_UNKNOWN) == TY_STATS && a->kind != EX_HIST && report)
				diag_error(a->loc, "a statistic cannot be printed directly: use @count, "
					   "@sum, @min, @max, @avg, @variance, @hist_linear or @hist_log");
		break;
	case BI_ERROR:
		want(a, expr(a, TY_STRING), TY_STRING, "the message");
		break;
	case BI_RETURNVAL:   /* (a function may be called from .return probes only) */
		if (report && cur_handler && !cur_handler->is_return)
			diag_error(e->loc, "returnval() is only valid in a .return probe");
		break;
	default:
		break;
	}
	(void)hint;
	return b->ret;
}

static Type call_function(Expr *e, Type hint)
{
	Function *f = e->func;
	Symbol *p = f->locals;

	Param *decl = f->params;
	for (Expr *a = e->args; a && p; a = a->next, p = p->next, decl = decl ? decl->next : NULL) {
		in_call_arg = a->kind == EX_IDENT;
		Type t = expr(a, p->type);
		in_call_arg = false;
		if (decl && decl->declared && t && t != decl->declared && report && !a->reported) {
			diag_error(a->loc, "type mismatch: parameter '%s' is %s, used here as %s",
				   p->name, a_type(decl->declared), a_type(t));
			diag_note(decl->loc, "parameter '%s' is declared as %s here", p->name,
				  a_type(decl->declared));
			a->reported = true;
		}
		if (f->embedded && p->type == TY_UNKNOWN)
			p->type = TY_LONG;
		if (!a->reported && unify(&p->type, &p->type_loc, t, a->loc, "parameter", p->name))
			a->reported = true;
	}
	if (f->embedded && f->ret == TY_UNKNOWN)
		f->ret = f->declared ? f->declared : TY_LONG;
	/* A function's type comes from its return statements first; what a call
	 * site wants only decides it when they leave it open (see sema_types). */
	if ((call_hints || report) &&
	    unify(&f->ret, &f->ret_loc, hint, e->loc, "return value of", f->name))
		e->reported = true;
	return f->ret;
}

static Type compare(Expr *e)
{
	Type l = expr(e->lhs, TY_UNKNOWN);
	Type r = expr(e->rhs, report ? TY_UNKNOWN : l);   /* hints infer; they don't report */
	if (l == TY_UNKNOWN && r != TY_UNKNOWN && !report)
		l = expr(e->lhs, r);
	if (report && l != TY_UNKNOWN && r != TY_UNKNOWN && l != r && !e->lhs->reported &&
	    !e->rhs->reported)
		diag_error(e->loc, "cannot compare %s with %s", a_type(l), a_type(r));
	return TY_LONG;
}

static Type binary(Expr *e)
{
	switch (e->op) {
	case '.': {
		const char *hint = " (convert it with sprint())";
		Type l = expr(e->lhs, TY_STRING), r = expr(e->rhs, TY_STRING);
		if (!want_hint(e->lhs, l, TY_STRING, "an operand of '.'", hint))
			want_hint(e->rhs, r, TY_STRING, "an operand of '.'", hint);
		return TY_STRING;
	}
	case '<': case '>': case OP_LE: case OP_GE: case OP_EQ: case OP_NE:
		return compare(e);
	default: {
		const char *what = e->op == OP_AND || e->op == OP_OR
			? xasprintf("an operand of '%s'", ast_op_name(e->op)) : "an arithmetic operand";
		const char *hint = e->op == '+' ? " (use '.' to join strings)" : "";
		Type l = expr(e->lhs, TY_LONG), r = expr(e->rhs, TY_LONG);
		if (!want_hint(e->lhs, l, TY_LONG, what, l == TY_STRING ? hint : ""))
			want_hint(e->rhs, r, TY_LONG, what, r == TY_STRING ? hint : "");
		return TY_LONG;
	}
	}
}

static Type assign(Expr *e)
{
	if (e->op == OP_AGG) {   /* x <<< value: x becomes a statistic */
		Expr *l = e->lhs;
		if (report && (l->kind == EX_TARGET || l->kind == EX_CAST || l->kind == EX_ATVAR))
			diag_error(l->loc, "'<<<' collects statistics in a global variable, not in "
				   "the kernel's memory");
		if (l->sym) {
			if (l->kind == EX_INDEX)
				keys(l->sym, l->args, l->loc);
			else
				set_arity(l->sym, 0, l->loc);
			unify(&l->sym->type, &l->sym->type_loc, TY_STATS, l->loc, l->sym->arity ? "array" : "variable",
			      l->sym->name);
			if (report && l->sym->kind != SYM_GLOBAL)
				diag_error(l->loc, "'%s' must be a global to collect statistics with '<<<'",
					   l->sym->name);
		}
		l->type = TY_STATS;
		want(e->rhs, expr(e->rhs, TY_LONG), TY_LONG, "the value given to '<<<'");
		return TY_UNKNOWN;   /* `<<<` has no value */
	}
	if (report && e->lhs->kind == EX_TARGET && !opt.guru)
		diag_error(e->lhs->loc, "writing to target variable '$%s' needs guru mode (-g)",
			   e->lhs->name);
	if (e->op == '=' && e->lhs->sym && e->lhs->sym->type == TY_STATS) {
		Type r = expr(e->rhs, TY_UNKNOWN);
		if (report) {
			diag_error(e->loc, "cannot assign %s to '%s', which is a statistic (use '<<<' "
				   "to add a value to it)", a_type(r), e->lhs->name);
			if (e->lhs->sym->type_loc.file)
				diag_note(e->lhs->sym->type_loc, "'%s' became a statistic here",
					  e->lhs->name);
		}
		return TY_UNKNOWN;
	}
	if (e->op == '=') {
		in_assign_target = true;
		Type l = expr(e->lhs, TY_UNKNOWN);
		in_assign_target = false;
		Type r = expr(e->rhs, report ? TY_UNKNOWN : l);   /* hints infer; they don't report */
		if (l == TY_UNKNOWN && !report)
			l = expr(e->lhs, r);
		mark_written(e->lhs);
		if (report && l != r && l != TY_UNKNOWN && r != TY_UNKNOWN && !e->rhs->reported &&
		    !e->lhs->reported) {
			diag_error(e->loc, "cannot assign %s to '%s', which is %s", a_type(r),
				   e->lhs->name ? e->lhs->name : "this", a_type(l));
			if (e->lhs->sym && e->lhs->sym->type_loc.file)
				diag_note(e->lhs->sym->type_loc, "'%s' became %s here",
					  e->lhs->name, a_type(l));
		}
		return l;
	}
	mark_written(e->lhs);
	Type t = e->op == '.' ? TY_STRING : TY_LONG;
	Symbol *sym = e->lhs->sym;
	if (report && sym && sym->type != TY_UNKNOWN && sym->type != t && !e->lhs->reported) {
		/* one error for `s += "x"`, with the operator the user meant */
		diag_error(e->lhs->loc, "type mismatch: %s '%s' is %s, used here as %s%s",
			   e->lhs->kind == EX_INDEX ? "array" : "variable", sym->name,
			   a_type(sym->type), a_type(t),
			   e->op == '+' && sym->type == TY_STRING ? " (use '.=' to append to a string)" : "");
		if (sym->type_loc.file)
			diag_note(sym->type_loc, "%s '%s' became %s here",
				  e->lhs->kind == EX_INDEX ? "array" : "variable", sym->name,
				  a_type(sym->type));
		expr(e->rhs, TY_UNKNOWN);
		return t;
	}
	Type l = expr(e->lhs, t);
	if (!want(e->lhs, l, t, "the target of this assignment") && !e->lhs->reported)
		want(e->rhs, expr(e->rhs, t), t, "the value of this assignment");
	return t;
}

/*
 * Target variables: $name, $name->chain, $$vars..., @cast(p, "T")->chain and
 * &... of them.  Their C types come from the kernel's BTF (target_vars.h):
 * integers, enums and pointers are longs, char arrays and pretty-printed
 * forms ($x$, $$parms) strings, as in SystemTap.  A handler that runs at
 * several functions plans the expression at each: it must make sense, and
 * have one type, at all of them.
 */
static bool no_btf_reported;   /* the kernel has no BTF: said once */

static Type plan_target(Expr *e)
{
	Expr *t = e->kind == EX_UNARY ? e->lhs : e;
	TvSite *sites = NULL;
	int n = t->kind == EX_TARGET && cur_handler ? tv_sites(cur_script, cur_handler, &sites) : 0;
	Type type = TY_UNKNOWN;

	for (int i = 0; i < (n ? n : 1); i++) {
		const TvSite *site = n ? &sites[i] : NULL;
		TvPlan plan;
		KError err;
		if (!tv_plan(e, site, &plan, &err)) {
			if (report && !e->reported && !(err.no_btf && no_btf_reported)) {
				no_btf_reported |= err.no_btf;   /* (said once: it is the same for all) */
				diag_error(err.loc, "%s", err.msg);
				if (n > 1)
					diag_note(site->loc, "in the probe on '%s'", site->symbol);
				e->reported = true;
			}
			type = TY_UNKNOWN;
			break;
		}
		if (type && plan.type != type) {
			if (report && !e->reported) {
				diag_error(e->loc, "this is %s in the probe on '%s' but %s in the one "
					   "on '%s'", a_type(type), sites[0].symbol, a_type(plan.type),
					   site->symbol);
				diag_note(site->loc, "the probe on '%s' is here", site->symbol);
				e->reported = true;
			}
			type = TY_UNKNOWN;
			break;
		}
		type = plan.type;
	}
	free(sites);
	return type;
}

/* Types $x's index expressions and checks that target variables exist
 * where it is; true when it can be planned. */
static bool target_context(Expr *e)
{
	bool ret = strcmp(e->name, "return") == 0 || strcmp(e->name, "$return") == 0;

	for (TargetComp *tc = e->chain; tc; tc = tc->next)
		if (tc->index)
			want(tc->index, expr(tc->index, TY_LONG), TY_LONG, "an array index");
	if (cur_fn) {
		if (report)
			diag_error(e->loc, "target variable '$%s' can only be used in a probe body, not "
				   "in a function (pass it as an argument)", e->name);
		return false;
	}
	if (cur_handler && (cur_handler->kinds & ~(1u << PK_KPROBE | 1u << PK_KRETPROBE))) {
		static const char *const kind_words[] = {
			[PK_BEGIN] = "begin", [PK_END] = "end", [PK_ERROR] = "error",
			[PK_TIMER] = "timer",
		};
		PointKind k = PK_BEGIN;
		while (!(cur_handler->kinds & (1u << k)) || k == PK_KPROBE || k == PK_KRETPROBE)
			k++;
		if (report)
			diag_error(e->loc, "target variables like '$%s' are not available in a %s probe",
				   e->name, kind_words[k]);
		return false;
	}
	if (ret && !(cur_handler && cur_handler->is_return)) {
		if (report)
			diag_error(e->loc, "$return is only valid in a .return probe");
		return false;
	}
	return cur_handler != NULL;
}

static Type target(Expr *e)
{
	if (target_context(e))
		return plan_target(e);
	return e->pretty || e->name[0] == '$' ? TY_STRING : TY_LONG;
}

/* @cast(p, "T")...: p is an address (a long). */
static void cast_operands(Expr *e)
{
	want(e->lhs, expr(e->lhs, TY_LONG), TY_LONG, "the pointer given to @cast");
	for (TargetComp *tc = e->chain; tc; tc = tc->next)
		if (tc->index)
			want(tc->index, expr(tc->index, TY_LONG), TY_LONG, "an array index");
}

/* &$x->y, &@cast(p, "T")->y: an address. */
static Type address_of(Expr *e)
{
	Expr *t = e->lhs;

	if (t->kind == EX_CAST)
		cast_operands(t);
	else if (!target_context(t))
		return TY_LONG;
	plan_target(e);
	return TY_LONG;
}

/* @defined($x), @defined(@cast(...)->y): whether it plans everywhere. */
static bool target_defined(Expr *e)
{
	bool saved = report;

	report = false;   /* a failure here is an answer, not an error */
	bool ok = plan_target(e) != TY_UNKNOWN;
	report = saved;
	e->reported = false;
	return ok;
}

/* A statistic is only read through @count(x)...; its plain value is not.
 * Returns true (after reporting, in the report round) for a statistic. */
static bool stats_read(Expr *e)
{
	if (e->sym->type != TY_STATS)
		return false;
	if (report && !e->reported) {
		diag_error(e->loc, "'%s' is a statistic: read it with @count(%s), @sum(%s), "
			   "@avg(%s)...", e->name, e->name, e->name, e->name);
		if (e->sym->type_loc.file)
			diag_note(e->sym->type_loc, "'%s' became a statistic here", e->name);
		e->reported = true;
	}
	return true;
}

/* Can target variables exist here (only in kprobe/kretprobe handlers)? */
static bool kernel_context(void)
{
	return !cur_fn && cur_handler &&
	       !(cur_handler->kinds & ~(1u << PK_KPROBE | 1u << PK_KRETPROBE));
}

/* Does e name a target variable ($x, @cast, @var, @entry of one)? */
static bool names_target(const Expr *e)
{
	return e && (e->kind == EX_TARGET || e->kind == EX_CAST || e->kind == EX_ATVAR ||
		     (e->kind == EX_ENTRY && names_target(e->lhs)));
}

/* A literal number, possibly negated: its value in *v. */
static bool literal_number(const Expr *e, int64_t *v)
{
	if (e->kind == EX_NUMBER) {
		*v = e->num;
		return true;
	}
	if (e->kind == EX_UNARY && e->op == '-' && e->lhs->kind == EX_NUMBER) {
		*v = -e->lhs->num;
		return true;
	}
	return false;
}


/* @hist_linear(x, low, high, width): fixed buckets, known at compile time.
 * Fills *h; false (after reporting) when the parameters are unusable. */
static bool check_hist_linear(const Expr *e, HistSpec *h)
{
	int64_t v[3];
	int i = 0;

	for (const Expr *a = e->args; a && i < 3; a = a->next, i++) {
		if (!literal_number(a, &v[i])) {
			diag_error(a->loc, "the bounds and the bucket width of @hist_linear must be "
				   "literal numbers");
			return false;
		}
	}
	if (i < 3)
		return false;   /* (the parser reported the missing arguments) */
	if (v[1] <= v[0]) {
		diag_error(e->loc, "the high bound of @hist_linear (%lld) must be greater than its "
			   "low bound (%lld)", (long long)v[1], (long long)v[0]);
		return false;
	}
	if (v[2] <= 0) {
		diag_error(e->args->next->next->loc, "the bucket width of @hist_linear must be positive");
		return false;
	}
	uint64_t buckets = ((uint64_t)v[1] - (uint64_t)v[0]) / (uint64_t)v[2] + 1;
	if (buckets > SONDE_HIST_MAX_LINEAR) {
		diag_error(e->loc, "@hist_linear(%s, %lld, %lld, %lld) would have %llu buckets; at "
			   "most %d are allowed (use a wider bucket)",
			   e->lhs && e->lhs->name ? e->lhs->name : "...", (long long)v[0], (long long)v[1],
			   (long long)v[2], (unsigned long long)buckets, SONDE_HIST_MAX_LINEAR);
		return false;
	}
	*h = (HistSpec){ .used = true, .kind = HIST_LINEAR, .low = v[0], .high = v[1],
			 .step = v[2], .loc = e->loc };
	return true;
}

static const char *hist_text(const Symbol *sym, const HistSpec *h)
{
	if (h->kind == HIST_LOG)
		return xasprintf("@hist_log(%s)", sym->name);
	return xasprintf("@hist_linear(%s, %lld, %lld, %lld)", sym->name, (long long)h->low,
			 (long long)h->high, (long long)h->step);
}

/* A statistics variable keeps one histogram: the first @hist_* use sets
 * it, and every other use must ask for the same one. */
static void record_hist(Expr *e)
{
	Symbol *sym = e->lhs ? e->lhs->sym : NULL;
	HistSpec h = { .used = true, .kind = HIST_LOG, .loc = e->loc };

	if (e->hist == HIST_LINEAR && !check_hist_linear(e, &h))
		return;
	if (!sym || sym->type != TY_STATS)
		return;
	if (!sym->hist.used) {
		sym->hist = h;
		return;
	}
	if (sym->hist.kind == h.kind && (h.kind == HIST_LOG || (sym->hist.low == h.low &&
	    sym->hist.high == h.high && sym->hist.step == h.step)))
		return;
	diag_error(e->loc, "'%s' already has the histogram %s; a statistic keeps one histogram, "
		   "so every @hist_* of it must be the same", sym->name, hist_text(sym, &sym->hist));
	diag_note(sym->hist.loc, "its histogram is set here");
}

/* The operand of @count(x) ... must be a statistic. */
static Type stat_operand(Expr *e);

/* @variance(x, shift): SystemTap keeps one bit-shift per variable. */
static void record_variance_shift(Expr *e)
{
	Symbol *sym = e->lhs ? e->lhs->sym : NULL;
	int64_t shift;

	if (!literal_number(e->rhs, &shift) || shift < 0 || shift > 62) {
		diag_error(e->rhs->loc, "the bit-shift of @variance must be a literal number "
			   "from 0 to 62");
		return;
	}
	if (!sym || sym->type != TY_STATS)
		return;
	if (!sym->variance_loc.file) {
		sym->variance_shift = (int)shift;
		sym->variance_loc = e->loc;
	} else if (sym->variance_shift != shift) {
		diag_error(e->rhs->loc, "'%s' already has the @variance bit-shift %d; a statistic "
			   "keeps one", sym->name, sym->variance_shift);
		diag_note(sym->variance_loc, "its bit-shift is set here");
	}
}

static Type stat_operand(Expr *e)
{
	Expr *x = e->lhs;
	Symbol *sym = x ? x->sym : NULL;

	if (!sym)
		return TY_UNKNOWN;
	if (x->kind == EX_INDEX)
		keys(sym, x->args, x->loc);
	else
		set_arity(sym, 0, x->loc);
	unify(&sym->type, &sym->type_loc, TY_STATS, x->loc, sym->arity ? "array" : "variable", sym->name);
	x->type = TY_STATS;
	return TY_STATS;
}

static Type expr_kind(Expr *e, Type hint)
{
	switch (e->kind) {
	case EX_NUMBER:
	case EX_ARGC:
		return TY_LONG;
	case EX_STRING:
		return TY_STRING;
	case EX_ARG:
		return e->quoted ? TY_STRING : TY_LONG;
	case EX_IDENT:
		if (!e->sym)
			return TY_UNKNOWN;
		if (e->sym->arity > 0 && report && in_call_arg) {
			diag_error(e->loc, "array '%s' cannot be passed to a function (only longs and "
				   "strings can)", e->name);
			e->reported = true;
			return TY_UNKNOWN;
		}
		if (e->sym->arity > 0 && report && !in_assign_target) {
			diag_error(e->loc, "array '%s' used without an index", e->name);
			e->reported = true;
			return TY_UNKNOWN;
		}
		if (set_arity(e->sym, 0, e->loc)) {
			e->reported = true;
			return TY_UNKNOWN;
		}
		if (stats_read(e))
			return TY_UNKNOWN;
		if (e->sym->kind == SYM_PARAM && e->sym->type_declared && report &&
		    hint && hint != e->sym->type) {
			diag_error(e->loc, "type mismatch: parameter '%s' is %s, used here as %s",
				   e->name, a_type(e->sym->type), a_type(hint));
			diag_note(e->sym->loc, "parameter '%s' is declared as %s here", e->name,
				  a_type(e->sym->type));
			e->reported = true;
		} else if (unify(&e->sym->type, &e->sym->type_loc, hint, e->loc,
				 e->sym->kind == SYM_PARAM ? "parameter" : "variable", e->name)) {
			e->reported = true;
		}
		return e->sym->type;
	case EX_INDEX:
		if (!e->sym)
			return TY_UNKNOWN;
		keys(e->sym, e->args, e->loc);
		if (stats_read(e))
			return TY_UNKNOWN;
		if (unify(&e->sym->type, &e->sym->type_loc, hint, e->loc, "array", e->name))
			e->reported = true;
		return e->sym->type;
	case EX_IN:
		if (e->sym)
			keys(e->sym, e->args, e->loc);
		return TY_LONG;
	case EX_CALL:
		if (e->func)
			return call_function(e, hint);
		return e->builtin ? call_builtin(e, hint) : TY_UNKNOWN;
	case EX_UNARY:
		if (e->op == '&' && (e->lhs->kind == EX_TARGET || e->lhs->kind == EX_CAST))
			return address_of(e);
		want(e->lhs, expr(e->lhs, TY_LONG), TY_LONG,
		     xasprintf("the operand of '%s'", ast_op_name(e->op)));
		return TY_LONG;
	case EX_BINARY:
		return binary(e);
	case EX_TERNARY: {
		want(e->cond, expr(e->cond, TY_LONG), TY_LONG, "a condition");
		if (e->cond->kind == EX_NUMBER && !opt.unoptimized) {   /* e.g. @defined(...) ? */
			Expr *live = e->cond->num ? e->lhs : e->rhs, *next = e->next;
			*e = *live;
			e->next = next;
			return expr(e, hint);
		}
		Type l = expr(e->lhs, hint);
		Type r = expr(e->rhs, l != TY_UNKNOWN ? l : hint);
		if (l == TY_UNKNOWN && !report)
			l = expr(e->lhs, r);
		if (report && l != r && l != TY_UNKNOWN && r != TY_UNKNOWN)
			diag_error(e->loc, "the branches of '?:' have different types (%s and %s)",
				   type_name(l), type_name(r));
		return l;
	}
	case EX_ASSIGN:
		return assign(e);
	case EX_INCDEC:
		mark_written(e->lhs);
		want(e->lhs, expr(e->lhs, TY_LONG), TY_LONG, "the operand of ++/--");
		return TY_LONG;
	case EX_REGEX:
		want(e->lhs, expr(e->lhs, TY_STRING), TY_STRING, "the left side of a regex match");
		if (e->rhs->kind != EX_STRING && report)
			diag_error(e->rhs->loc, "a regular expression must be a string literal");
		expr(e->rhs, TY_STRING);
		return TY_LONG;
	case EX_TARGET:
		return target(e);
	case EX_STATOP:
		stat_operand(e);
		if (e->rhs && report)
			record_variance_shift(e);
		return TY_LONG;
	case EX_HIST:
		stat_operand(e);
		for (Expr *a = e->args; a; a = a->next)
			want(a, expr(a, TY_LONG), TY_LONG, "a histogram parameter");
		if (report)
			record_hist(e);
		if (e->rhs) {   /* @hist_*(x)[i]: the count of bucket i */
			want(e->rhs, expr(e->rhs, TY_LONG), TY_LONG, "a bucket number");
			return TY_LONG;
		}
		return TY_STATS;   /* printable only */
	case EX_CAST:
		cast_operands(e);
		return plan_target(e);
	case EX_ATVAR:
		expr(e->lhs, TY_LONG);
		for (TargetComp *tc = e->chain; tc; tc = tc->next)
			if (tc->index)
				expr(tc->index, TY_LONG);
		return e->pretty ? TY_STRING : TY_LONG;
	case EX_DEFINED:
		/* Where no target variable can exist (begin, timer, end probes,
		 * functions), @defined($x) is 0 now and its branch is dropped. */
		if (!kernel_context() && names_target(e->lhs) && e->lhs->kind != EX_CAST) {
			e->kind = EX_NUMBER;
			e->num = 0;
			e->lhs = NULL;
			return TY_LONG;
		}
		/* Where they exist, the kernel's types decide. */
		if (e->lhs->kind == EX_CAST || e->lhs->kind == EX_TARGET) {
			if (e->lhs->kind == EX_TARGET)
				for (TargetComp *tc = e->lhs->chain; tc; tc = tc->next)
					expr(tc->index, TY_LONG);
			else
				cast_operands(e->lhs);
			e->num = target_defined(e->lhs);
			e->kind = EX_NUMBER;
			e->lhs = NULL;
			return TY_LONG;
		}
		expr(e->lhs, TY_UNKNOWN);
		return TY_LONG;
	case EX_ENTRY:
		if (report && !(cur_handler && cur_handler->is_return))
			diag_error(e->loc, "@entry() is only valid in a .return probe");
		return expr(e->lhs, hint);
	case EX_EMBEDDED:
		return TY_LONG;
	default:
		if (report)
			diag_error(e->loc, "'%s' is not supported yet", ast_expr_kind_name(e->kind));
		return TY_UNKNOWN;
	}
}

static Type expr(Expr *e, Type hint)
{
	if (!e)
		return TY_UNKNOWN;
	Type t = expr_kind(e, hint);
	if (t != TY_UNKNOWN)
		e->type = t;
	return t;
}

static void stmt(Stmt *s);

static void stmt_list(Stmt *s)
{
	for (; s; s = s->next)
		stmt(s);
}

/* foreach ([v =] i in @hist_*(x)): i runs over the bucket numbers, v is
 * that bucket's count. */
static void foreach_buckets(Stmt *s)
{
	expr(s->array, TY_UNKNOWN);
	if (count(s->keys) != 1 && report)
		diag_error(s->keys->loc, "a foreach over a histogram takes one variable, the "
			   "bucket number");
	for (Expr *k = s->keys; k; k = k->next) {
		mark_written(k);
		want(k, expr(k, TY_LONG), TY_LONG, "a bucket number");
	}
	if (s->value) {
		mark_written(s->value);
		want(s->value, expr(s->value, TY_LONG), TY_LONG, "a bucket's count");
	}
	if (s->limit)
		want(s->limit, expr(s->limit, TY_LONG), TY_LONG, "the limit");
	stmt(s->body);
}

static void foreach(Stmt *s)
{
	Symbol *arr = s->array->sym;
	int n = count(s->keys), i = 0;

	if (s->array->kind == EX_HIST) {
		foreach_buckets(s);
		return;
	}
	if (!arr) {
		if (report && s->array->kind != EX_IDENT)
			diag_error(s->array->loc, "foreach over this expression is not supported yet");
		stmt(s->body);
		return;
	}
	if (arr->arity > 0 && arr->arity != n) {
		if (report) {
			StrBuf like = { 0 };
			for (int k = 1; k <= arr->arity; k++)
				sb_printf(&like, "%sk%d", k > 1 ? ", " : "", k);
			diag_error(s->keys->loc, "'%s' has %d keys, so foreach needs %d key variables, "
				   "like [%s]", arr->name, arr->arity, arr->arity, like.data);
			if (arr->arity_loc.file)
				diag_note(arr->arity_loc, "'%s' is used with %d key%s here", arr->name,
					  arr->arity, arr->arity == 1 ? "" : "s");
		}
		stmt(s->body);
		return;
	}
	set_arity(arr, n, s->loc);
	for (Expr *k = s->keys; k; k = k->next)
		mark_written(k);
	mark_written(s->value);
	for (Expr *k = s->keys; k; k = k->next, i++) {
		Type t = expr(k, arr->key_types[i]);
		unify(&arr->key_types[i], &arr->key_locs[i], t, k->loc, "key of array", arr->name);
	}
	if (s->value && arr->type == TY_STATS) {
		if (report)
			diag_error(s->value->loc, "'%s' holds statistics, which cannot be bound to a "
				   "variable: use @count(%s[...]) and friends in the loop", arr->name, arr->name);
	} else if (s->value) {
		Type t = expr(s->value, arr->type);
		unify(&arr->type, &arr->type_loc, t, s->value->loc, "array", arr->name);
	}
	if (s->limit)
		want(s->limit, expr(s->limit, TY_LONG), TY_LONG, "the limit");
	if (s->sort_statop && arr->type != TY_STATS && arr->type != TY_UNKNOWN && report)
		diag_error(s->array->loc, "sorting on %s needs an array of statistics; '%s' holds %s",
			   ast_statop_name(s->sort_statop - 1), arr->name, a_type(arr->type));
	stmt(s->body);
}

static void stmt(Stmt *s)
{
	if (!s)
		return;
	if (s->from_alias && report && cur_handler && cur_handler->alias_use) {
		const ProbePoint *use = cur_handler->alias_use;
		Stmt one = *s;
		one.from_alias = false;
		one.next = NULL;
		diag_push_context(use->loc, "probe alias '%s' is used here", probe_point_text(use));
		stmt(&one);
		diag_pop_context();
		return;
	}
	switch (s->kind) {
	case ST_BLOCK:
		stmt_list(s->body);
		break;
	case ST_DELETE:
		/* `delete name` works on arrays and scalars alike; an element of
		 * statistics is deleted, not read */
		if (s->expr->kind == EX_INDEX && s->expr->sym && s->expr->sym->type == TY_STATS)
			keys(s->expr->sym, s->expr->args, s->expr->loc);
		else if (s->expr->kind != EX_IDENT)
			expr(s->expr, TY_UNKNOWN);
		break;
	case ST_EXPR:
		expr(s->expr, TY_UNKNOWN);
		break;
	case ST_IF:
	case ST_WHILE:
	case ST_FOR:
		expr(s->init, TY_UNKNOWN);
		expr(s->step, TY_UNKNOWN);
		if (s->cond)
			want(s->cond, expr(s->cond, TY_LONG), TY_LONG, "a condition");
		/* a branch that a decided @defined() rules out is not typed */
		if (s->kind == ST_IF && s->cond && s->cond->kind == EX_NUMBER && !opt.unoptimized) {
			stmt(s->cond->num ? s->then : s->els);
			break;
		}
		stmt(s->then);
		stmt(s->els);
		stmt(s->body);
		break;
	case ST_FOREACH:
		foreach(s);
		break;
	case ST_RETURN:
		if (cur_fn && s->expr) {
			Type t = expr(s->expr, cur_fn->ret);
			if (!cur_fn->declared || t == TY_UNKNOWN || t == cur_fn->declared) {
				unify(&cur_fn->ret, &cur_fn->ret_loc, t, s->expr->loc, "return value of",
				      cur_fn->name);
			} else if (report) {   /* against the declaration, not an inference */
				diag_error(s->expr->loc, "type mismatch: return value of '%s' is %s, "
					   "used here as %s", cur_fn->name, a_type(cur_fn->declared), a_type(t));
				diag_note(cur_fn->declared_loc, "'%s' is declared to return %s here",
					  cur_fn->name, a_type(cur_fn->declared));
			}
		}
		break;
	case ST_TRY:
		stmt(s->body);
		if (s->catch_var) {
			mark_written(s->catch_var);
			expr(s->catch_var, TY_STRING);
		}
		stmt(s->handler);
		break;
	default:
		break;
	}
}

/* The overloads of a group are one function to their callers: the same
 * parameter and return types. */
static void unify_overloads(Function *head)
{
	for (Function *m = head->overload; m; m = m->overload) {
		unify(&head->ret, &head->ret_loc, m->ret, m->ret_loc, "return value of", head->name);
		unify(&m->ret, &m->ret_loc, head->ret, head->ret_loc, "return value of", m->name);
		Symbol *p = head->locals, *q = m->locals;
		for (int i = 0; i < head->nparams && p && q; i++, p = p->next, q = q->next) {
			unify(&p->type, &p->type_loc, q->type, q->type_loc, "parameter", p->name);
			unify(&q->type, &q->type_loc, p->type, p->type_loc, "parameter", q->name);
		}
	}
}

static void round_all(Script *s)
{
	for (int i = 0; i < s->nfunctions; i++) {
		Function *f = s->functions[i];
		cur_fn = f;
		cur_handler = NULL;
		if (f->declared)
			unify(&f->ret, &f->ret_loc, f->declared, f->loc, "return value of", f->name);
		if (f->overloaded)
			unify_overloads(f);
		bool context = report && f->loc.file->is_tapset && f->call_loc.file;
		if (context)
			diag_push_context(f->call_loc, "'%s' is called here", f->name);
		stmt(f->body);
		if (context)
			diag_pop_context();
	}
	cur_fn = NULL;
	for (Handler *h = s->handlers; h; h = h->next) {
		cur_handler = h;
		if (h->cond)
			expr(h->cond, TY_LONG);
		stmt_list(h->body);
	}
	cur_handler = NULL;
}

/*
 * Reports variables whose type stayed unknown.  A variable assigned from an
 * unknown one is a consequence; the causes are the ones never written
 * (read only), so when there are any, only they are reported.
 */
typedef struct Unknown {
	Symbol *sym;
	const char *what;
} Unknown;

static Unknown *unknowns;
static int nunknowns;

static void collect_unknown(Symbol *sym, const char *what)
{
	if (sym->type != TY_UNKNOWN)
		return;
	unknowns = xrealloc(unknowns, (nunknowns + 1) * sizeof(*unknowns));
	unknowns[nunknowns++] = (Unknown){ sym, what };
}

static void collect_list(Symbol *list, const char *what)
{
	for (Symbol *sym = list; sym; sym = sym->next)
		collect_unknown(sym, what);
}

static void report_unknowns(void)
{
	bool causes = false;

	for (int i = 0; i < nunknowns; i++)
		causes |= !unknowns[i].sym->written && unknowns[i].sym->kind != SYM_PARAM;
	for (int i = 0; i < nunknowns; i++) {
		Symbol *sym = unknowns[i].sym;
		if (causes && (sym->written || sym->kind == SYM_PARAM))
			continue;
		diag_error(sym->loc, "cannot tell the type of %s '%s': nothing assigns it a number "
			   "or a string", unknowns[i].what, sym->name);
	}
	nunknowns = 0;
}

int sema_types(Script *s)
{
	int errors = diag_errors();

	cur_script = s;
	no_btf_reported = false;

	for (int i = 0; i < s->nglobals; i++) {
		Symbol *g = s->globals[i];
		if (g->init)
			unify(&g->type, &g->type_loc, g->init->kind == EX_STRING ? TY_STRING : TY_LONG,
			      g->init->loc, "global", g->name);
	}
	for (int phase = 0; phase < 2; phase++) {
		call_hints = phase == 1;
		for (int round = 0; round < 50; round++) {
			changed = false;
			round_all(s);
			if (!changed)
				break;
		}
	}
	call_hints = false;
	report = true;
	round_all(s);
	report = false;
	if (diag_errors() > errors)
		return -1;
	for (int i = 0; i < s->nglobals; i++) {
		Symbol *g = s->globals[i];
		if (g->arity < 0)
			g->arity = 0;
		collect_unknown(g, g->arity ? "array" : "global");
		for (int k = 0; k < g->arity && g->type != TY_UNKNOWN; k++)
			if (g->key_types[k] == TY_UNKNOWN)
				diag_error(g->loc, "cannot tell the type of key %d of array '%s'",
					   k + 1, g->name);
	}
	for (Handler *h = s->handlers; h; h = h->next)
		collect_list(h->locals, "local");
	for (int i = 0; i < s->nfunctions; i++) {
		Function *f = s->functions[i];
		if (f->ret == TY_UNKNOWN)
			f->ret = TY_LONG;     /* returns no value: callers get 0 */
		collect_list(f->locals, "local");
	}
	if (diag_errors() == 0)
		report_unknowns();
	free(unknowns);     /* nothing may outlive the run (tests/fuzz frees it all) */
	unknowns = NULL;
	nunknowns = 0;
	cur_script = NULL;
	return diag_errors() > errors ? -1 : 0;
}
