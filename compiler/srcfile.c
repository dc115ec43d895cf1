/*
 * srcfile.c - source files as the front end sees them: a name for messages
 * and the whole text, kept for the lifetime of the process so diagnostics
 * from any pass can quote the offending line.
 */
#include "parse.h"
#include "diag.h"
#include "util.h"

#include <errno.h>
#include <string.h>

SrcFile *srcfile_load(const char *path, bool is_tapset)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		diag_fatal_noloc("cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	SrcFile *f = xcalloc(1, sizeof *f);
	f->name = xstrdup(path);
	f->text = text;
	f->is_tapset = is_tapset;
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		/* located, so the user sees where; the caret line shows the
		 * text up to the NUL */
		SrcLoc loc = { .file = f, .line = 1, .col = 1 };
		for (const char *p = text; p < nul; p++) {
			loc.col++;
			if (*p == '\n') {
				loc.line++;
				loc.col = 1;
			}
		}
		loc.end_line = loc.line;
		loc.end_col = loc.col;
		diag_error(loc, "the file contains a NUL byte (is it a binary file?)");
		return NULL;
	}
	return f;
}

SrcFile *srcfile_from_text(const char *name, const char *text)
{
	SrcFile *f = xcalloc(1, sizeof *f);
	f->name = xstrdup(name);
	f->text = xstrdup(text ? text : "");
	f->is_tapset = false;
	return f;
}
