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
	if (memchr(text, '\0', len)) {
		diag_fatal_noloc("cannot read %s: the file contains NUL bytes "
		                 "(is it a binary file?)", path);
		return NULL;
	}
	SrcFile *f = xcalloc(1, sizeof *f);
	f->name = xstrdup(path);
	f->text = text;
	f->is_tapset = is_tapset;
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
