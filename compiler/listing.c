/*
 * listing.c - the -p2 listing: what elaboration and resolution made of the
 * script (probe points with their handlers, globals and functions with
 * their types), in a form close to SystemTap's -p2 output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "btf.h"
#include "diag.h"
#include "kernel_info.h"
#include "parse.h"
#include "session.h"
#include "util.h"

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

/* ---- -l / -L: probe points matching a pattern -------------------------- */

typedef struct Names {
	char **v;
	int n, cap;
} Names;

static void add_name(Names *names, char *text)
{
	if (names->n == names->cap) {
		names->cap = names->cap ? 2 * names->cap : 64;
		names->v = xrealloc(names->v, names->cap * sizeof(char *));
	}
	names->v[names->n++] = text;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, each once (kernel.function("*") lists some 40,000). */
static void sort_names(Names *names)
{
	int n = 0;

	qsort(names->v, names->n, sizeof(char *), by_text);
	for (int i = 0; i < names->n; i++)
		if (n == 0 || strcmp(names->v[n - 1], names->v[i]) != 0)
			names->v[n++] = names->v[i];
	names->n = n;
}

/* Every alias name of the library (and script) that pattern matches. */
static void match_aliases(const Script *s, const ProbePoint *pattern, Names *out)
{
	for (int f = 0; f < s->ntapsets; f++)
		for (const ProbeAlias *a = s->tapsets[f]->aliases; a; a = a->next)
			for (const ProbePoint *name = a->names; name; name = name->next)
				if (probe_point_matches(pattern, name))
					add_name(out, probe_point_text(name));
}

/* A function probe's target variables, as SystemTap's -L shows them:
 * " $file:struct file * $count:size_t ..." and, in a .return probe,
 * " $return:ssize_t", from the kernel's BTF (nothing without it). */
static void print_target_vars(const Script *s, const Handler *h)
{
	const ConcretePoint *cp = s->points;
	KFunc f;
	char *err;

	while (cp && cp->handler != h)
		cp = cp->next;
	if (!cp || !cp->symbol || (cp->kind != PK_KPROBE && cp->kind != PK_KRETPROBE) ||
	    !kbtf_function(cp->symbol, &f, &err))
		return;
	for (int i = 0; i < f.nparams; i++)
		printf(" $%s:%s", f.params[i].name, kbtf_type_name(f.btf, f.params[i].type.decl));
	if (cp->kind == PK_KRETPROBE && f.ret.kind != KT_VOID)
		printf(" $return:%s", kbtf_type_name(f.btf, f.ret.decl));
}

/* Analyzes `probe NAME {}` for each name, quietly; prints each point with
 * the variables its alias prologue sets, and a function's target
 * variables, when vars is true. */
static int print_points(const Script *lib, Names *names, bool vars)
{
	StrBuf text = { 0 };

	sort_names(names);
	if (!vars) {
		for (int i = 0; i < names->n; i++)
			printf("%s\n", names->v[i]);
		return 0;
	}
	for (int i = 0; i < names->n; i++)
		sb_printf(&text, "probe %s {}\n", names->v[i]);
	Script s = { .tapsets = lib->tapsets, .ntapsets = lib->ntapsets };
	s.user = parse_program(srcfile_from_text("<list>", text.data ? text.data : ""), 0, NULL);
	diag_set_warnings(0);
	int rc = diag_errors() ? -1 : pipeline_analyze(&s);
	diag_set_warnings(opt.warnings);
	if (rc < 0)
		return -1;
	Handler *h = s.handlers;
	for (int i = 0; i < names->n && h; i++, h = h->next) {
		printf("%s", names->v[i]);
		for (const Symbol *l = h->locals; l; l = l->next)
			printf(" %s:%s", l->name, type_name(l->type));
		print_target_vars(&s, h);
		putchar('\n');
	}
	return 0;
}

/* Does pp name functions by a pattern (which only the target kernel's
 * function list can expand)? */
static bool names_functions_by_pattern(const ProbePoint *pp)
{
	for (const ProbePointComp *c = pp->comps; c; c = c->next)
		if ((strcmp(c->name, "function") == 0 || strcmp(c->name, "module") == 0) &&
		    c->arg && c->arg->kind == EX_STRING && kernel_glob_is_pattern(c->arg->str))
			return true;
	return false;
}

int list_probe_points(const Script *lib, const char *pattern, bool vars)
{
	Program *p = parse_program(srcfile_from_text("<pattern>", xasprintf("probe %s {}", pattern)),
				   0, NULL);
	Names names = { 0 };

	if (diag_errors() || !p->probes)
		return -1;
	/* listing registers nothing: no cap on the functions a pattern names */
	opt.defines = xrealloc(opt.defines, (opt.ndefines + 1) * sizeof(char *));
	opt.defines[opt.ndefines++] = "MAXPROBES=2147483647";
	for (const ProbePoint *pp = p->probes->points; pp; pp = pp->next) {
		match_aliases(lib, pp, &names);
		const char *why;
		if (names_functions_by_pattern(pp) && !kernel_info_get(true, &why)) {
			fprintf(stderr, "sonde: error: cannot list %s: %s\n", probe_point_text(pp), why);
			return -1;
		}
		/* a built-in point (begin, timer.ms(5), kernel.function("f"))
		 * lists what it elaborates to: kernel.function("vfs_*") one
		 * point per function; aliases were matched by name above, so
		 * the tapsets stay out of this */
		Script one = { 0 };
		one.user = parse_program(srcfile_from_text("<pattern>",
				xasprintf("probe %s {}", probe_point_text(pp))), 0, NULL);
		FILE *quiet = fopen("/dev/null", "w");
		diag_set_stream(quiet);
		if (elaborate(&one) == 0)
			for (const ConcretePoint *cp = one.points; cp; cp = cp->next)
				add_name(&names, cp->text);
		diag_reset();   /* the quiet attempt's errors are not the user's */
		diag_set_stream(NULL);
		if (quiet)
			fclose(quiet);
	}
	return print_points(lib, &names, vars);
}

/* ---- --dump-functions / --dump-probe-aliases ---------------------------- */

int dump_functions(Script *lib)
{
	Names lines = { 0 };

	diag_set_warnings(0);
	if (sema_resolve_library(lib) < 0 || sema_types(lib) < 0)
		return -1;
	diag_set_warnings(opt.warnings);
	for (int i = 0; i < lib->nfunctions; i++) {
		const Function *f = lib->functions[i];
		StrBuf sb = { 0 };
		sb_printf(&sb, "%s:%s (", f->name, type_name(f->ret));
		const Symbol *p = f->locals;
		for (int n = 0; n < f->nparams && p; n++, p = p->next)
			sb_printf(&sb, "%s%s:%s", n ? ", " : "", p->name, type_name(p->type));
		sb_printf(&sb, ")  /* %s */", f->loc.file->name);
		add_name(&lines, sb_steal(&sb));
	}
	sort_names(&lines);
	for (int i = 0; i < lines.n; i++)
		printf("%s\n", lines.v[i]);
	return 0;
}

void dump_probe_aliases(const Script *lib)
{
	Names lines = { 0 };

	for (int f = 0; f < lib->ntapsets; f++) {
		for (const ProbeAlias *a = lib->tapsets[f]->aliases; a; a = a->next) {
			for (const ProbePoint *name = a->names; name; name = name->next) {
				StrBuf sb = { 0 };
				sb_printf(&sb, "%s %s ", probe_point_text(name), a->epilogue ? "+=" : "=");
				for (const ProbePoint *p = a->points; p; p = p->next)
					sb_printf(&sb, "%s%s", p == a->points ? "" : ", ", probe_point_text(p));
				add_name(&lines, sb_steal(&sb));
			}
		}
	}
	sort_names(&lines);
	for (int i = 0; i < lines.n; i++)
		printf("%s\n", lines.v[i]);
}
