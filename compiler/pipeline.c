/*
 * pipeline.c - the session's options and the analysis passes in order,
 * shared by the driver (main.c) and the unit tests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"
#include "parse.h"
#include "preprocess.h"
#include "session.h"
#include "util.h"

Options opt = { .last_pass = 5, .warnings = true };

/* -G NAME=VALUE: VALUE becomes the initial value of the script's global. */
static void apply_global_sets(Program *user)
{
	for (int i = 0; i < opt.nglobal_sets; i++) {
		const char *set = opt.global_sets[i], *eq = strchr(set, '=');
		char *name = eq ? xstrndup(set, eq - set) : NULL;
		Symbol *g = NULL;

		for (Symbol *x = user->globals; name && x; x = x->next)
			if (strcmp(x->name, name) == 0)
				g = x;
		if (!g) {
			diag_fatal_noloc("-G %s: %s", set, eq ? "the script has no such global"
					 : "expected NAME=VALUE");
			continue;
		}
		char *end;
		errno = 0;
		long long v = strtoll(eq + 1, &end, 0);
		Expr *init = ast_expr(EX_STRING, g->loc);
		if (eq[1] && *end == '\0' && errno == 0) {
			init->kind = EX_NUMBER;
			init->num = v;
		} else {
			init->str = xstrdup(eq + 1);
		}
		g->init = init;
	}
}

/* Library macros first: they are visible in the script and the tapsets. */
int pipeline_parse(Script *s, const SrcFile *file)
{
	tapsets_load_macros();
	s->user = parse_program(file, opt.script_argc, opt.script_argv);
	if (opt.datadir)
		tapsets_load(s);
	apply_global_sets(s->user);
	return diag_errors() ? -1 : 0;
}

/* Order matters: resolution needs the handlers that elaboration makes (an
 * alias splices code into bodies), types need resolved symbols, and the
 * checks need types and the call graph. */
int pipeline_analyze(Script *s)
{
	if (elaborate(s) < 0)
		return -1;
	/* The analyses keep going after errors, so one run reports every
	 * independent mistake; each skips what an earlier error left unknown. */
	int rc = sema_resolve(s);
	rc |= sema_checks(s);    /* structure and call graph: no types needed */
	rc |= sema_types(s);
	rc |= sema_warnings(s);  /* they name types */
	if (rc < 0)
		return -1;
	/* after the checks: they (and their warnings) see the script as written */
	if (!opt.unoptimized && fold_constants(s) < 0)
		return -1;
	return 0;
}
