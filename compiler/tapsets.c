/*
 * tapsets.c - loading the tapset library: every *.stp file under the
 * tapset directories (the installed tapsets/, then each -I DIR), parsed
 * up front.  Only what the script reaches is compiled (sema_resolve.c
 * links on demand), so a big library costs parse time only.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"
#include "parse.h"
#include "session.h"
#include "util.h"

/* Appends the .stp files of dir, recursively, in name order. */
static void collect(const char *dir, char ***paths, int *n)
{
	struct dirent **ents;
	int count = scandir(dir, &ents, NULL, alphasort);

	if (count < 0)
		return;
	for (int i = 0; i < count; i++) {
		const char *name = ents[i]->d_name;
		char *path = xasprintf("%s/%s", dir, name);
		size_t len = strlen(name);
		if (name[0] == '.') {
			;
		} else if (ents[i]->d_type == DT_DIR) {
			collect(path, paths, n);
		} else if (len > 4 && strcmp(name + len - 4, ".stp") == 0) {
			*paths = xrealloc(*paths, (*n + 1) * sizeof(**paths));
			(*paths)[(*n)++] = path;
		}
		free(ents[i]);
	}
	free(ents);
}

int tapsets_load(Script *s)
{
	char **paths = NULL;
	int n = 0, errors = diag_errors();

	collect(xasprintf("%s/tapsets", opt.datadir), &paths, &n);
	for (int i = 0; i < opt.ntapset_dirs; i++)
		collect(opt.tapset_dirs[i], &paths, &n);
	s->tapsets = xcalloc(n + 1, sizeof(*s->tapsets));
	for (int i = 0; i < n; i++) {
		SrcFile *f = srcfile_load(paths[i], true);
		if (!f)
			continue;
		s->tapsets[s->ntapsets++] = parse_program(f, 0, NULL);
	}
	return diag_errors() > errors ? -1 : 0;
}
