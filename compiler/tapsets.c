/*
 * tapsets.c - loading the tapset library: every *.stp file under the
 * tapset directories (the installed tapsets/, then each -I DIR), parsed
 * up front.  Only what the script reaches is compiled (sema_resolve.c
 * links on demand), so a big library costs parse time only.  The *.stpm
 * files there hold library macros (preprocess.h), read before anything.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"
#include "parse.h"
#include "preprocess.h"
#include "session.h"
#include "util.h"

/* Appends the files of dir whose names end in `ext`, recursively, in
 * name order. */
static void collect(const char *dir, const char *ext, char ***paths, int *n)
{
	struct dirent **ents;
	int count = scandir(dir, &ents, NULL, alphasort);
	size_t elen = strlen(ext);

	if (count < 0)
		return;
	for (int i = 0; i < count; i++) {
		const char *name = ents[i]->d_name;
		char *path = xasprintf("%s/%s", dir, name);
		size_t len = strlen(name);
		if (name[0] == '.') {
			;
		} else if (ents[i]->d_type == DT_DIR) {
			collect(path, ext, paths, n);
		} else if (len > elen && strcmp(name + len - elen, ext) == 0) {
			*paths = xrealloc(*paths, (*n + 1) * sizeof(**paths));
			(*paths)[(*n)++] = path;
		}
		free(ents[i]);
	}
	free(ents);
}

/* Every file with extension ext in the tapset directories, in search
 * order: the installed tapsets/, then each -I DIR. */
static char **collect_all(const char *ext, int *n)
{
	char **paths = NULL;

	*n = 0;
	if (opt.datadir)
		collect(xasprintf("%s/tapsets", opt.datadir), ext, &paths, n);
	for (int i = 0; i < opt.ntapset_dirs; i++)
		collect(opt.tapset_dirs[i], ext, &paths, n);
	return paths;
}

int tapsets_load(Script *s)
{
	int n, errors = diag_errors();
	char **paths = collect_all(".stp", &n);

	s->tapsets = xcalloc(n + 1, sizeof(*s->tapsets));
	for (int i = 0; i < n; i++) {
		SrcFile *f = srcfile_load(paths[i], true);
		if (!f)
			continue;
		s->tapsets[s->ntapsets++] = parse_program(f, 0, NULL);
	}
	return diag_errors() > errors ? -1 : 0;
}

/* The library macros (*.stpm): each file's @define's become visible to
 * every file, so they are read before any .stp is parsed. */
int tapsets_load_macros(void)
{
	int n, errors = diag_errors();
	char **paths = collect_all(".stpm", &n);

	pp_reset();
	for (int i = 0; i < n; i++) {
		SrcFile *f = srcfile_load(paths[i], true);
		if (f)
			parse_macro_library(f);
	}
	return diag_errors() > errors ? -1 : 0;
}
