/*
 * codegen_target.c - C for target expressions: $x, $x->y[i], $x$, $$parms,
 * $return, $argN, @cast(p, "T")->y and &... (planned by target_vars.c).
 *
 * A plan becomes one GNU statement expression: V starts as an argument
 * register (sonde_arg_slot), the return register or @cast's pointer; each
 * step adds an offset or loads a pointer through the runtime's fault-safe
 * reads (runtime/kernel/memory.c), and the last one reads the value.  A
 * failed read is a script error naming the chain and the operator, and
 * unwinds like any other.
 *
 * A handler probing several functions may find $x in different registers
 * or at different offsets in each: then the code picks the plan of the
 * function that hit by c->probe->symbol.
 */
#include <inttypes.h>
#include <string.h>
#include "codegen_internal.h"
#include "diag.h"
#include "target_vars.h"

/* A plan as text: two sites with the same key share their code. */
static void access_key(StrBuf *sb, const KAccess *a)
{
	sb_printf(sb, "[%d %d %d %d %d %" PRId64 " %d %d %d;", a->base, a->slot, a->in_memory,
		  a->type.kind, a->type.is_signed, a->type.size, a->bit_offset, a->bit_size,
		  a->nsteps);
	for (int i = 0; i < a->nsteps; i++)
		sb_printf(sb, "%d %" PRId64 " %p %" PRId64 ";", a->steps[i].kind, a->steps[i].offset,
			  (void *)a->steps[i].index, a->steps[i].scale);
	sb_putc(sb, ']');
}

static char *plan_key(const TvPlan *p)
{
	StrBuf sb = { 0 };

	sb_printf(&sb, "%d %d %" PRId64, p->final, p->type, p->max);
	access_key(&sb, &p->access);
	for (int i = 0; i < p->nbases; i++)
		access_key(&sb, &p->bases[i]);
	for (int i = 0; i < p->pretty.n; i++) {
		const KPretty *it = &p->pretty.items[i];
		sb_printf(&sb, "{%s|%d %d %d %" PRId64 " %d %d %d}", it->text, it->kind, it->base,
			  it->direct, it->offset, it->size, it->bit_offset, it->bit_size);
	}
	return sb_steal(&sb);
}

/* What a failed read is near: the operator that needed it. */
static char *near_op(const char *op, SrcLoc loc)
{
	return cg_near(xasprintf("operator '%s'", op), loc);
}

/* Statements computing V of access a into a new uint64_t; returns its
 * name.  cast_ptr: @cast's pointer expression. */
static char *access_code(Gen *g, StrBuf *sb, const KAccess *a, Expr *cast_ptr)
{
	char *v = xasprintf("__s_v%d", cg_uniq(g));

	switch (a->base) {
	case KB_ARG:
		sb_printf(sb, "uint64_t %s = sonde_arg_slot(c, %d); ", v, a->slot);
		break;
	case KB_RETURN:
		sb_printf(sb, "uint64_t %s = sonde_return_reg(c); ", v);
		break;
	case KB_VALUE:
		sb_printf(sb, "uint64_t %s = (uint64_t)(%s); ", v, cg_expr(g, cast_ptr));
		break;
	}
	for (int i = 0; i < a->nsteps; i++) {
		const KStep *s = &a->steps[i];
		switch (s->kind) {
		case KS_ADD:
			sb_printf(sb, "%s += 0x%" PRIx64 "ULL; ", v, (uint64_t)s->offset);
			break;
		case KS_INDEX:
			sb_printf(sb, "%s += (uint64_t)(%s) * %" PRId64 "ULL; ", v, cg_expr(g, s->index),
				  s->scale);
			break;
		case KS_LOAD_PTR:
			sb_printf(sb, "%s = sonde_kread_ptr(c, %s, %s, %s); if (unlikely(c->abort)) goto %s; ",
				  v, near_op(s->op, s->loc), cg_c_string(s->path), v, g->unwind);
			break;
		}
	}
	return v;
}

/* A register value of type k as a long: truncated and extended. */
static char *register_value(const KType *k, const char *v)
{
	if (k->kind == KT_PTR || k->size >= 8 || k->size <= 0)
		return xasprintf("(int64_t)%s", v);
	return xasprintf("(int64_t)(%sint%d_t)%s", k->is_signed ? "" : "u", (int)k->size * 8, v);
}

static char *pretty_code(Gen *g, StrBuf *sb, const TvPlan *p, Expr *t, const char *what,
			 const char *near)
{
	int u = cg_uniq(g);
	StrBuf bases = { 0 };

	for (int i = 0; i < p->nbases; i++)
		sb_printf(&bases, "%s%s", i ? ", " : "", access_code(g, sb, &p->bases[i],
								     t->kind == EX_CAST ? t->lhs : NULL));
	sb_printf(sb, "const uint64_t __s_b%d[] = { %s }; ", u, bases.data ? bases.data : "0");
	sb_printf(sb, "static const struct sonde_pretty __s_p%d[] = { ", u);
	for (int i = 0; i < p->pretty.n; i++) {
		static const char *const kinds[] = {
			[KP_TEXT] = "SONDE_PRETTY_TEXT", [KP_INT] = "SONDE_PRETTY_INT",
			[KP_UINT] = "SONDE_PRETTY_UINT", [KP_HEX] = "SONDE_PRETTY_HEX",
			[KP_CHARS] = "SONDE_PRETTY_CHARS", [KP_STRPTR] = "SONDE_PRETTY_STRPTR",
		};
		const KPretty *it = &p->pretty.items[i];
		sb_printf(sb, "{ %s, %s, %s, %d, %d, %d, %d, %" PRId64 "LL }, ", cg_c_string(it->text),
			  kinds[it->kind], it->direct ? "SONDE_PRETTY_DIRECT" : "0", it->base,
			  it->bit_offset, it->bit_size, it->size, it->offset);
	}
	sb_puts(sb, "}; ");
	return xasprintf("sonde_pretty(c, %s, %s, %s, %s, __s_b%d, __s_p%d, %d)", near,
			 cg_c_string(what), cg_new_tmp(g), cg_new_tmp(g), u, u, p->pretty.n);
}

/* The text a runtime error shows for a pretty-printed value. */
static char *pretty_what(const Expr *t, const TvPlan *p)
{
	const char *dollars = t->pretty == 2 ? "$$" : t->pretty == 1 ? "$" : "";

	if (t->kind == EX_TARGET && t->name[0] == '$')
		return xasprintf("$%s%s", t->name, dollars);
	return xasprintf("%s%s", p->access.path ? p->access.path : "", dollars);
}

/* The C expression of one plan. */
static char *plan_code(Gen *g, Expr *e, const TvPlan *p)
{
	Expr *t = e->kind == EX_UNARY ? e->lhs : e;
	const KAccess *a = &p->access;
	StrBuf sb = { 0 };
	char *near = a->op ? near_op(a->op, a->op_loc)
		: cg_near(t->kind == EX_CAST ? "operator '@cast'" : xasprintf("identifier '$%s'", t->name),
			  t->loc);
	char *v, *value;

	if (p->final == TF_EMPTY)
		return xstrdup("((const char *)\"\")");
	if (p->final == TF_PRETTY) {
		value = pretty_code(g, &sb, p, t, pretty_what(t, p), near);
		return cg_checked(g, TY_STRING, xasprintf("({ %s(const char *)%s; })", sb.data, value));
	}
	v = access_code(g, &sb, a, t->kind == EX_CAST ? t->lhs : NULL);
	switch (p->final) {
	case TF_VALUE:
		return xasprintf("({ %s%s; })", sb.data, register_value(&a->type, v));
	case TF_ADDRESS:
		return xasprintf("({ %s(int64_t)%s; })", sb.data, v);
	case TF_LOAD:
		if (a->bit_size)
			value = xasprintf("sonde_kread_bits(c, %s, %s, %s, %d, %d, %d, %d)", near,
					  cg_c_string(a->path), v, (a->bit_offset + a->bit_size + 7) / 8,
					  a->bit_offset, a->bit_size, a->type.is_signed);
		else
			value = xasprintf("sonde_kread_int(c, %s, %s, %s, %d, %d)", near,
					  cg_c_string(a->path), v, (int)a->type.size, a->type.is_signed);
		return cg_checked(g, TY_LONG, xasprintf("({ %s%s; })", sb.data, value));
	case TF_STRING:
		value = xasprintf("sonde_kread_string(c, %s, %s, %s, %s, %" PRId64 "LL)", near,
				  cg_c_string(a->path), cg_new_tmp(g), v, p->max);
		return cg_checked(g, TY_STRING, xasprintf("({ %s%s; })", sb.data, value));
	default:
		ICE("target plan %d reached code generation", p->final);
	}
}

char *codegen_target(Gen *g, Expr *e)
{
	Expr *t = e->kind == EX_UNARY ? e->lhs : e;
	TvSite *sites = NULL;
	int n = t->kind == EX_TARGET && g->handler ? tv_sites(g->s, g->handler, &sites) : 0;
	int ncodes = 0;
	char **keys = xcalloc(n + 1, sizeof(char *)), **codes = xcalloc(n + 1, sizeof(char *));
	StrBuf *which = xcalloc(n + 1, sizeof(StrBuf));   /* the sites of each code */
	int *count = xcalloc(n + 1, sizeof(int)), last = 0;

	for (int i = 0; i < (n ? n : 1); i++) {
		const TvSite *site = n ? &sites[i] : NULL;
		TvPlan plan;
		KError err;
		if (!tv_plan(e, site, &plan, &err)) {   /* (the type pass reported it) */
			diag_error(err.loc, "%s", err.msg);
			return xstrdup("0");
		}
		char *key = plan_key(&plan);
		int k = 0;
		while (k < ncodes && strcmp(keys[k], key) != 0)
			k++;
		if (k == ncodes) {
			keys[ncodes] = key;
			codes[ncodes++] = plan_code(g, e, &plan);
		}
		if (site)
			sb_printf(&which[k], "%sstrcmp(c->probe->symbol, %s) == 0",
				  which[k].len ? " || " : "", cg_c_string(site->symbol));
		if (++count[k] > count[last])
			last = k;
	}
	if (ncodes == 1)
		return codes[0];
	/* (a ? code0 : b ? code1 : code2), the code of most functions last:
	 * it needs no comparison */
	StrBuf sb = { 0 };
	sb_putc(&sb, '(');
	for (int k = 0; k < ncodes; k++)
		if (k != last)
			sb_printf(&sb, "(%s) ? %s : ", which[k].data, codes[k]);
	sb_printf(&sb, "%s)", codes[last]);
	return sb_steal(&sb);
}
