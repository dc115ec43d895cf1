/*
 * pipeline.c - the session's options and the analysis passes in order,
 * shared by the driver (main.c) and the unit tests.
 */
#include "diag.h"
#include "parse.h"
#include "session.h"

Options opt = { .last_pass = 5, .warnings = true };

int pipeline_parse(Script *s, const SrcFile *file)
{
	s->user = parse_program(file, opt.script_argc, opt.script_argv);
	if (opt.datadir)
		tapsets_load(s);
	return diag_errors() ? -1 : 0;
}

/* Order matters: resolution needs the handlers that elaboration makes (an
 * alias splices code into bodies), types need resolved symbols, and the
 * checks need types and the call graph. */
int pipeline_analyze(Script *s)
{
	if (elaborate(s) < 0 || sema_resolve(s) < 0 || sema_types(s) < 0 || sema_checks(s) < 0)
		return -1;
	return 0;
}
