/*
 * target_vars.c - target expressions planned at a probe site (see
 * target_vars.h): which register or value they start from, the chain's
 * steps through the kernel's types, and what is finally read.
 *
 * Semantics, as in SystemTap where sonde can follow it:
 *   $name       a parameter of the probed function (at its entry: the
 *               argument registers of the x86-64 ABI); $return at a
 *               .return probe; $argN (1-6) the raw argument registers,
 *               which need no BTF
 *   ->m, .m     a member, through a pointer or not (the two are the same)
 *   [i]         an element of an array, or of what a pointer points to
 *   @cast(p, "T")  p taken as the address of a T
 *   &x          the address of what x names (in memory)
 *   $x$, $x$$   x pretty-printed: structs one level deep, or all levels
 *   $$parms, $$vars  name=0x... for each parameter ($ and $$ as above);
 *   $$locals    "" (BTF records no local variables); $$return
 * Integers, enums and pointers are longs; char arrays are strings; a
 * struct or a union is only usable through a member, $, or &.
 */
#include "target_vars.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "suggest.h"

static int same_site(const TvSite *x, const TvSite *y)
{
	int c = strcmp(x->symbol, y->symbol);

	return c ? c : (int)x->is_return - (int)y->is_return;
}

/* By function, then by where the point is (a repeat keeps the first). */
static int site_order(const void *a, const void *b)
{
	const TvSite *x = a, *y = b;
	int c = same_site(x, y);

	if (c)
		return c;
	return x->loc.line != y->loc.line ? x->loc.line - y->loc.line : x->loc.col - y->loc.col;
}

int tv_sites(const Script *s, const Handler *h, TvSite **out)
{
	TvSite *v = NULL;
	int n = 0, cap = 0, m = 0;

	for (const ConcretePoint *cp = s->points; cp; cp = cp->next) {
		if (cp->handler != h || !cp->symbol ||
		    (cp->kind != PK_KPROBE && cp->kind != PK_KRETPROBE))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 4;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = (TvSite){ cp->symbol, cp->kind == PK_KRETPROBE, cp->loc };
	}
	/* each function once (a wildcard may make thousands: sort, then skip
	 * repeats) */
	if (n > 1)
		qsort(v, n, sizeof(*v), site_order);
	for (int i = 0; i < n; i++)
		if (!m || same_site(&v[m - 1], &v[i]) != 0)
			v[m++] = v[i];
	*out = v;
	return m;
}

static bool fail(KError *err, SrcLoc loc, char *msg)
{
	err->loc = loc;
	err->msg = msg;
	return false;
}

/* A raw register's type: a long. */
static KType raw_long(void)
{
	return (KType){ .kind = KT_INT, .size = 8, .is_signed = true };
}

/* N for $argN (1 to 6, the argument registers), else 0. */
static int raw_arg(const char *name)
{
	if (strncmp(name, "arg", 3) != 0 || name[3] < '1' || name[3] > '6' || name[4])
		return 0;
	return name[3] - '0';
}

/* Fails for the lack of any BTF where site's function would be described,
 * if that is the case. */
static bool no_btf(const Expr *t, const TvSite *site, const char *what, KError *err)
{
	const char *colon = strchr(site->symbol, ':'), *why;
	char *module = colon ? xstrndup(site->symbol, colon - site->symbol) : NULL;

	if (kbtf_open(module, &why))
		return false;
	fail(err, t->loc, xasprintf("%s needs the kernel's types, but %s; without them, read "
		"the argument registers: $arg1 to $arg6, int_arg(N), pointer_arg(N)...", what, why));
	err->no_btf = true;
	return true;
}

static const char *function_name(const TvSite *site)
{
	const char *colon = strchr(site->symbol, ':');
	return colon ? colon + 1 : site->symbol;
}

/* Unknown $name at a function with BTF: name its parameters. */
static bool unknown_param(const Expr *t, const KFunc *f, KError *err)
{
	Suggest sg;

	suggest_init(&sg, t->name);
	for (int i = 0; i < f->nparams; i++)
		suggest_offer(&sg, f->params[i].name);
	const char *best = suggest_result(&sg);
	if (strcmp(t->name, "return") != 0 && f->nparams == 0)
		return fail(err, t->loc, xasprintf("'%s' has no parameters, so there is no '$%s'",
						   f->name, t->name));
	return fail(err, t->loc, xasprintf("'%s' has no parameter '$%s' (its parameters: %s)%s%s%s",
		f->name, t->name, kbtf_param_list(f), best ? "; did you mean '$" : "",
		best ? best : "", best ? "'?" : ""));
}

/* The start of $name at site: a's base, and the start type (a declared
 * id) or *raw for a register without a type. */
static bool start_target(const Expr *t, const TvSite *site, KAccess *a, uint32_t *start, bool *raw,
			 KError *err)
{
	const char *name = t->name;
	char *why = NULL;
	KFunc f;
	bool have = kbtf_function(site->symbol, &f, &why);
	const KParam *p = have ? kbtf_param(&f, name) : NULL;
	int n = raw_arg(name);

	a->btf = have ? f.btf : NULL;
	a->path = xasprintf("$%s", name);
	if (strcmp(name, "return") == 0) {
		if (!site->is_return)
			return fail(err, t->loc, xstrdup("$return is only valid in a .return probe"));
		a->base = KB_RETURN;
		if (!have) {   /* the register still holds it, untyped */
			*raw = true;
			return true;
		}
		if (f.ret.kind == KT_VOID)
			return fail(err, t->loc, xasprintf("'%s' returns nothing, so $return has no value",
							   f.name));
		*start = f.ret.decl;
		return true;
	}
	if ((p || n) && site->is_return)
		return fail(err, t->loc, xasprintf("'$%s' is an argument of '%s': at a .return probe its "
			"value at entry would be needed, which sonde does not keep yet (read it in a "
			"probe on the function's entry)", name, function_name(site)));
	if (p) {
		if (p->slot < 0)
			return fail(err, t->loc, xasprintf("'$%s' is a struct of more than 16 bytes passed "
				"on the stack, which sonde cannot read yet", name));
		a->base = KB_ARG;
		a->slot = p->slot;
		*start = p->type.decl;
		return true;
	}
	if (n) {
		a->base = KB_ARG;
		a->slot = n - 1;
		*raw = true;
		return true;
	}
	if (!have && no_btf(t, site, xasprintf("'$%s'", name), err))
		return false;
	if (!have)
		return fail(err, t->loc, xasprintf("'$%s' is unknown: %s; without types, read the "
			"argument registers: $arg1 to $arg6, int_arg(N), pointer_arg(N)...", name, why));
	return unknown_param(t, &f, err);
}

/* The text of @cast(p, "T") for runtime messages. */
static char *cast_text(const Expr *t)
{
	const Expr *p = t->lhs;
	const char *what = p->kind == EX_TARGET ? xasprintf("$%s", p->name)
		: p->kind == EX_IDENT ? p->name
		: p->kind == EX_NUMBER ? xasprintf("%lld", (long long)p->num) : "...";
	return xasprintf("@cast(%s, \"%s\")", what, t->str);
}

static bool start_cast(const Expr *t, KAccess *a, uint32_t *start, KError *err)
{
	const char *why;
	const struct btf *btf = kbtf_open(t->module, &why);
	KType k;
	char *msg;

	if (!btf) {
		fail(err, t->loc, xasprintf("@cast needs the kernel's types, but %s", why));
		err->no_btf = true;
		return false;
	}
	if (!kbtf_named_type(btf, t->str, &k, &msg))
		return fail(err, t->loc, msg);
	a->btf = btf;
	a->base = KB_VALUE;
	a->path = cast_text(t);
	*start = k.decl;
	return true;
}

/* What x's type is, in a message: "'$file->f_path' is a 'struct path'". */
static char *is_a(const KAccess *a)
{
	char *name = a->btf ? kbtf_type_name(a->btf, a->type.decl) : "long";

	return xasprintf("'%s' is %s '%s'", a->path, strchr("aeiou", name[0]) ? "an" : "a", name);
}

static bool final_value(const Expr *e, TvPlan *out, KError *err)
{
	KAccess *a = &out->access;
	KType k = a->type;

	switch (k.kind) {
	case KT_INT: case KT_ENUM: case KT_PTR:
		out->final = a->in_memory ? TF_LOAD : TF_VALUE;
		out->type = TY_LONG;
		return true;
	case KT_ARRAY: {
		KType el = kbtf_type(a->btf, k.elem);
		if (el.kind == KT_INT && el.is_char && a->in_memory) {
			out->final = TF_STRING;
			out->max = k.nelems;
			out->type = TY_STRING;
			return true;
		}
		return fail(err, e->loc, xasprintf("%s, not a number or a string: read an element "
			"(%s[0]) or pretty-print it (%s$)", is_a(a), a->path, a->path));
	}
	case KT_STRUCT: case KT_UNION:
		return fail(err, e->loc, xasprintf("%s, not a number or a string: read one of its "
			"members (%s->NAME), pretty-print it (%s$) or take its address (&%s)",
			is_a(a), a->path, a->path, a->path));
	default:
		return fail(err, e->loc, xasprintf("%s, which has no value a script can read",
						   is_a(a)));
	}
}

static bool final_address(const Expr *e, TvPlan *out, KError *err)
{
	KAccess *a = &out->access;

	if (!a->in_memory)
		return fail(err, e->loc, xasprintf("'%s' has no address: its value is held in a "
						   "register, not in memory", a->path));
	if (a->bit_size)
		return fail(err, e->loc, xasprintf("'%s' is a bitfield, which has no address", a->path));
	out->final = TF_ADDRESS;
	out->type = TY_LONG;
	return true;
}

static void add_base(TvPlan *out, KAccess a)
{
	out->bases = xrealloc(out->bases, (out->nbases + 1) * sizeof(KAccess));
	out->bases[out->nbases++] = a;
}

/* $x$, $x$$: base 0 is x, or what x points to when x is a pointer. */
static bool final_pretty(const Expr *t, TvPlan *out, bool raw)
{
	KAccess a = out->access;
	KPrettyPlan *p = &out->pretty;

	kbtf_pretty_init(p);
	if (a.in_memory && a.type.kind == KT_PTR) {   /* the pointer itself is read first */
		KStep *steps = xmalloc((a.nsteps + 1) * sizeof(KStep));
		if (a.nsteps)
			memcpy(steps, a.steps, a.nsteps * sizeof(KStep));
		a.steps = steps;
		a.steps[a.nsteps++] = (KStep){ .kind = KS_LOAD_PTR, .path = a.path,
					       .op = a.op ? a.op : "$", .loc = t->loc };
		a.in_memory = false;
	}
	if (raw)
		kbtf_pretty_hex(p, 0, true, 0, 8);
	else if (a.bit_size)
		kbtf_pretty_bits(p, a.btf, a.type.decl, 0, 0, a.bit_offset, a.bit_size);
	else
		kbtf_pretty_value(p, a.btf, a.type.decl, 0, !a.in_memory, 0, t->pretty);
	kbtf_pretty_end(p);
	add_base(out, a);
	out->final = TF_PRETTY;
	out->type = TY_STRING;
	return true;
}

/* $$vars, $$parms, $$locals, $$return (each with $ or $$ too). */
static bool plan_list(const Expr *t, const TvSite *site, TvPlan *out, KError *err)
{
	const char *what = t->name + 1;
	bool ret = strcmp(what, "return") == 0;
	KPrettyPlan *p = &out->pretty;
	char *why = NULL;
	KFunc f;

	out->type = TY_STRING;
	if (t->chain)
		return fail(err, t->chain->loc, xasprintf("'$$%s' is a text: it has no members or "
							  "elements", what));
	if (strcmp(what, "locals") == 0) {
		out->final = TF_EMPTY;
		return true;
	}
	if (!ret && strcmp(what, "vars") != 0 && strcmp(what, "parms") != 0)
		return fail(err, t->loc, xasprintf("unknown '$$%s': the lists are $$vars, $$parms, "
						   "$$locals and $$return", what));
	bool have = kbtf_function(site->symbol, &f, &why);
	kbtf_pretty_init(p);
	out->final = TF_PRETTY;
	if (ret) {
		if (!site->is_return)
			return fail(err, t->loc, xstrdup("$$return is only valid in a .return probe"));
		if (have && f.ret.kind == KT_VOID) {
			out->final = TF_EMPTY;
			return true;
		}
		add_base(out, (KAccess){ .btf = have ? f.btf : NULL, .base = KB_RETURN, .path = "$return" });
		kbtf_pretty_text(p, "return=");
		if (have && t->pretty)
			kbtf_pretty_value(p, f.btf, f.ret.decl, 0, true, 0, t->pretty);
		else
			kbtf_pretty_hex(p, 0, true, 0, have ? (int)f.ret.size : 8);
		kbtf_pretty_end(p);
		return true;
	}
	if (site->is_return)
		return fail(err, t->loc, xasprintf("'$$%s' lists the arguments of '%s': at a .return "
			"probe their values at entry would be needed, which sonde does not keep yet",
			what, function_name(site)));
	if (!have && no_btf(t, site, xasprintf("'$$%s'", what), err))
		return false;
	if (!have)
		return fail(err, t->loc, xasprintf("'$$%s' needs the types of '%s': %s", what,
						   function_name(site), why));
	for (int i = 0; i < f.nparams; i++) {
		const KParam *kp = &f.params[i];
		kbtf_pretty_text(p, i ? " " : "");
		kbtf_pretty_text(p, kp->name);
		kbtf_pretty_text(p, "=");
		if (kp->slot < 0) {
			kbtf_pretty_text(p, "?");
			continue;
		}
		add_base(out, (KAccess){ .btf = f.btf, .base = KB_ARG, .slot = kp->slot,
					 .path = xasprintf("$%s", kp->name) });
		if (t->pretty)
			kbtf_pretty_value(p, f.btf, kp->type.decl, out->nbases - 1, true, 0, t->pretty);
		else if (kp->type.kind == KT_STRUCT || kp->type.kind == KT_UNION)
			kbtf_pretty_text(p, "{...}");
		else
			kbtf_pretty_hex(p, out->nbases - 1, true, 0, (int)kp->type.size);
	}
	kbtf_pretty_end(p);
	return true;
}

bool tv_plan(Expr *e, const TvSite *site, TvPlan *out, KError *err)
{
	bool address = e->kind == EX_UNARY;
	Expr *t = address ? e->lhs : e;
	KAccess *a = &out->access;
	uint32_t start = 0;
	bool raw = false;

	memset(out, 0, sizeof(*out));
	*err = (KError){ 0 };
	if (t->kind == EX_CAST) {
		if (!start_cast(t, a, &start, err))
			return false;
	} else if (!site) {
		return fail(err, t->loc, xasprintf("target variable '$%s' is only known in a probe on "
						   "a kernel function", t->name));
	} else if (t->name[0] == '$') {
		if (address)
			return fail(err, e->loc, xasprintf("'$%s' is a text, which has no address", t->name));
		return plan_list(t, site, out, err);
	} else if (!start_target(t, site, a, &start, &raw, err)) {
		return false;
	}
	if (raw) {
		if (t->chain)
			return fail(err, t->chain->loc, xasprintf("'%s' is an untyped register value: say "
				"what it points to with @cast(%s, \"TYPE\")", a->path, a->path));
		a->type = raw_long();
	} else if (!kbtf_resolve(a, start, t->kind == EX_CAST, t->chain, err)) {
		return false;
	}
	if (address)
		return final_address(e, out, err);
	if (t->pretty)
		return final_pretty(t, out, raw);
	return final_value(t, out, err);
}
