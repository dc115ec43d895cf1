/*
 * listing.c - the -p2 listing: what elaboration and resolution made of the
 * script (probe points with their handlers, globals and functions with
 * their types), in a form close to SystemTap's -p2 output.
 */
#include <stdio.h>
#include "parse.h"
#include "session.h"

static const char *kind_word(PointKind k)
{
	switch (k) {
	case PK_BEGIN: return "begin";
	case PK_END: return "end";
	case PK_ERROR: return "error";
	case PK_KPROBE: return "kprobe";
	case PK_KRETPROBE: return "kretprobe";
	case PK_TIMER: return "timer";
	}
	return "?";
}

static void print_symbol(FILE *out, const Symbol *g)
{
	fprintf(out, "%s:%s", g->name, type_name(g->type));
	if (g->arity > 0) {
		fputs(" [", out);
		for (int i = 0; i < g->arity; i++)
			fprintf(out, "%s%s", i ? ", " : "", type_name(g->key_types[i]));
		fputc(']', out);
	}
}

void script_print_elaborated(FILE *out, const Script *s)
{
	if (s->nglobals)
		fputs("# globals\n", out);
	for (int i = 0; i < s->nglobals; i++) {
		print_symbol(out, s->globals[i]);
		fputc('\n', out);
	}
	if (s->nfunctions)
		fputs("# functions\n", out);
	for (int i = 0; i < s->nfunctions; i++) {
		const Function *f = s->functions[i];
		fprintf(out, "%s:%s (", f->name, type_name(f->ret));
		const Symbol *p = f->locals;
		for (int n = 0; n < f->nparams && p; n++, p = p->next)
			fprintf(out, "%s%s:%s", n ? ", " : "", p->name, type_name(p->type));
		fputs(")\n", out);
	}
	fputs("# probes\n", out);
	for (const ConcretePoint *cp = s->points; cp; cp = cp->next) {
		fprintf(out, "%s /* %s", cp->text, kind_word(cp->kind));
		if (cp->symbol)
			fprintf(out, " %s", cp->symbol);
		if (cp->kind == PK_TIMER)
			fprintf(out, " every %lld ns", (long long)cp->interval_ns);
		if (cp->sequence)
			fprintf(out, " sequence %lld", (long long)cp->sequence);
		fprintf(out, ", handler %d */", cp->handler->id);
		for (const Symbol *l = cp->handler->locals; l; l = l->next) {
			fputs(l == cp->handler->locals ? " locals: " : ", ", out);
			print_symbol(out, l);
		}
		fputc('\n', out);
	}
}
