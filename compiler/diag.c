/*
 * diag.c - the one formatter for user-facing diagnostics.
 *
 * Every message has the gcc layout:
 *
 *     FILE:LINE:COL: error: MESSAGE
 *      LINE | source text of that line
 *           |      ^~~~~
 *
 * The caret sits under loc.col; '~' runs to loc.end_col when the span ends
 * on the same line, or to the end of the line when it continues below.
 * Tabs in the source line are copied into the caret line so the caret
 * stays aligned whatever the terminal's tab width.  Locations count bytes;
 * what is printed counts characters, so that text after (or made of) a
 * UTF-8 character is still shown and numbered right.  An error or warning
 * located inside a macro body is followed by "in expansion of macro"
 * notes at the use sites (SrcLoc.exp).  Errors and warnings are counted;
 * nothing here stops the process except diag_ice().
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static FILE *diag_stream;        /* NULL means stderr */
static int n_errors, n_warnings;
static int warnings_on = 1;
static int last_suppressed;      /* notes after a suppressed warning vanish */

static FILE *out(void)
{
	return diag_stream ? diag_stream : stderr;
}

void diag_set_stream(FILE *f)
{
	diag_stream = f;
}

void diag_set_warnings(int on)
{
	warnings_on = on;
}

int diag_errors(void)
{
	return n_errors;
}

static void clear_context(void);

void diag_reset(void)
{
	n_errors = 0;
	n_warnings = 0;
	last_suppressed = 0;
	clear_context();
}

/* Finds line `line` (1-based) of text; sets *len to its length without
 * the newline.  NULL if the text has fewer lines. */
static const char *find_line(const char *text, int line, int *len)
{
	const char *p = text;
	for (int i = 1; i < line; i++) {
		p = strchr(p, '\n');
		if (!p)
			return NULL;
		p++;
	}
	const char *end = strchr(p, '\n');
	int n = end ? (int)(end - p) : (int)strlen(p);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (!*p && !end)
		return NULL;     /* past the last line */
	*len = n;
	return p;
}

/* A UTF-8 continuation byte: part of the character before it. */
static bool is_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

/* The column, in characters, of byte column `col` of loc's line (the
 * byte column itself when the line is not at hand). */
static int char_col(SrcLoc loc, int col)
{
	int len;
	const char *src = loc.file && loc.file->text && loc.line > 0
	                ? find_line(loc.file->text, loc.line, &len) : NULL;
	if (!src)
		return col;
	int n = 1;
	for (int i = 0; i < col - 1; i++)
		if (i >= len || !is_cont(src[i]))
			n++;
	return n;
}

/* A line longer than this (a generated or minified script) is shown as a
 * window of that many columns around the caret, "..." marking the cuts. */
#define MAX_SHOWN_COLUMNS 160

/* Prints the source line of loc and the caret/tilde line under its span. */
static void print_source(FILE *f, SrcLoc loc)
{
	if (!loc.file || !loc.file->text || loc.line <= 0 || loc.col <= 0)
		return;
	int len;
	const char *src = find_line(loc.file->text, loc.line, &len);
	if (!src)
		return;
	int col = loc.col <= len + 1 ? loc.col : len + 1;
	int last = col;   /* last column to mark */
	if (loc.end_line == loc.line && loc.end_col > col)
		last = loc.end_col;
	else if (loc.end_line > loc.line)
		last = len;
	if (last > len)
		last = len > col ? len : col;

	int from = 0, to = len;   /* the bytes shown: src[from, to) */
	if (len > MAX_SHOWN_COLUMNS) {
		from = col - 1 > MAX_SHOWN_COLUMNS / 4 ? col - 1 - MAX_SHOWN_COLUMNS / 4 : 0;
		to = from + MAX_SHOWN_COLUMNS < len ? from + MAX_SHOWN_COLUMNS : len;
		while (from > 0 && is_cont(src[from]))   /* whole characters */
			from--;
		while (to < len && is_cont(src[to]))
			to++;
		if (last > to)
			last = to;
	}
	const char *cut_l = from > 0 ? "..." : "", *cut_r = to < len ? "..." : "";
	int width = snprintf(NULL, 0, "%d", loc.line);
	fprintf(f, " %d | %s%.*s%s\n", loc.line, cut_l, to - from, src + from, cut_r);
	fprintf(f, " %*s | %*s", width, "", (int)strlen(cut_l), "");
	for (int i = from; i < col - 1; i++)
		if (!is_cont(src[i]))
			fputc(src[i] == '\t' ? '\t' : ' ', f);
	fputc('^', f);
	for (int c = col + 1; c <= last; c++)
		if (!is_cont(src[c - 1]))
			fputc('~', f);
	fputc('\n', f);
}

static void vreport(SrcLoc loc, const char *kind, const char *fmt, va_list ap)
{
	FILE *f = out();
	if (!loc.file)
		fprintf(f, "sonde: ");
	else if (loc.line <= 0)
		fprintf(f, "%s: ", loc.file->name);
	else if (loc.col <= 0)
		fprintf(f, "%s:%d: ", loc.file->name, loc.line);
	else
		fprintf(f, "%s:%d:%d: ", loc.file->name, loc.line, char_col(loc, loc.col));
	fprintf(f, "%s: ", kind);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	print_source(f, loc);
	fflush(f);
}

static void report(SrcLoc loc, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(SrcLoc loc, const char *kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(loc, kind, fmt, ap);
	va_end(ap);
}

/* A location inside a macro body: one note per use site, innermost first
 * (at most MAX_EXPANSION_NOTES; deeper chains end with a count). */
#define MAX_EXPANSION_NOTES 8

static void report_expansions(SrcLoc loc)
{
	int n = 0;
	for (const SrcExpansion *e = loc.exp; e; e = e->use.exp, n++) {
		if (n == MAX_EXPANSION_NOTES) {
			int more = 0;
			for (; e; e = e->use.exp)
				more++;
			SrcLoc none = {0};
			report(none, "note", "(%d more enclosing macro expansions)", more);
			return;
		}
		report(e->use, "note", "in expansion of macro '@%s'", e->macro);
	}
}

/*
 * Binary garbage or a huge generated script can produce a million errors;
 * past this many errors (or warnings) the rest are counted, not shown, and
 * their notes vanish with them.
 */
#define MAX_SHOWN 100

/* Whether the n-th error or warning is shown; says so at the first not. */
static bool shown(int n, const char *kind)
{
	if (n <= MAX_SHOWN)
		return true;
	if (n == MAX_SHOWN + 1)
		fprintf(out(), "sonde: note: more than %d %ss; the rest are not shown\n",
			MAX_SHOWN, kind);
	last_suppressed = 1;
	return false;
}

/*
 * Context notes: while a pass works on code it reached from somewhere else
 * (a tapset function called by the script, an alias prologue spliced into a
 * probe), every error it reports ends with a note pointing back there.  The
 * note is held until the error's own notes are out.
 */
static struct { SrcLoc loc; char text[256]; bool set; } context, pending;

static void flush_pending(void)
{
	if (pending.set) {
		pending.set = false;
		report(pending.loc, "note", "%s", pending.text);
	}
}

void diag_push_context(SrcLoc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(context.text, sizeof(context.text), fmt, ap);
	va_end(ap);
	context.loc = loc;
	context.set = true;
}

static void clear_context(void)
{
	context.set = pending.set = false;
}

void diag_pop_context(void)
{
	flush_pending();
	context.set = false;
}

void diag_error(SrcLoc loc, const char *fmt, ...)
{
	va_list ap;
	flush_pending();
	n_errors++;
	last_suppressed = 0;
	if (!shown(n_errors, "error"))
		return;
	va_start(ap, fmt);
	vreport(loc, "error", fmt, ap);
	va_end(ap);
	report_expansions(loc);
	if (context.set)
		pending = context;
}

void diag_warning(SrcLoc loc, const char *fmt, ...)
{
	va_list ap;
	if (!warnings_on) {
		last_suppressed = 1;
		return;
	}
	n_warnings++;
	last_suppressed = 0;
	if (!shown(n_warnings, "warning"))
		return;
	va_start(ap, fmt);
	vreport(loc, "warning", fmt, ap);
	va_end(ap);
	report_expansions(loc);
}

void diag_note(SrcLoc loc, const char *fmt, ...)
{
	va_list ap;
	if (last_suppressed)
		return;
	va_start(ap, fmt);
	vreport(loc, "note", fmt, ap);
	va_end(ap);
}

void diag_fatal_noloc(const char *fmt, ...)
{
	va_list ap;
	SrcLoc none = {0};
	n_errors++;
	last_suppressed = 0;
	va_start(ap, fmt);
	vreport(none, "error", fmt, ap);
	va_end(ap);
}

void diag_ice(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	FILE *f = out();
	fprintf(f, "sonde: internal compiler error at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, "\n(this is a bug in sonde, not in your script; please report it)\n");
	fflush(f);
	abort();
}
