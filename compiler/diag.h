/*
 * diag.h - diagnostics: the one formatter for user-facing errors.
 *
 * Output layout (stderr, or a buffer in tests):
 *     FILE:LINE:COL: error: MESSAGE
 *      LINE | source text of that line
 *           |      ^~~~~
 * Errors are counted, not fatal: passes report as many as they can and the
 * driver stops between passes when diag_errors() > 0.  Compiler bugs use
 * ICE(), which names the compiler's own file and line.
 */
#ifndef SONDE_DIAG_H
#define SONDE_DIAG_H

#include <stdio.h>
#include "ast.h"

void diag_error(SrcLoc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_warning(SrcLoc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_note(SrcLoc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error with no source location: "sonde: error: ..." */
void diag_fatal_noloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int diag_errors(void);
/* Until diag_pop_context(), every error is followed (after its own notes)
 * by this note: where the code being checked was reached from. */
void diag_push_context(SrcLoc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_pop_context(void);
void diag_reset(void);
/* Where diagnostics go (default stderr); tests point it at a memstream. */
void diag_set_stream(FILE *f);
/* -w: suppress warnings */
void diag_set_warnings(int on);

#define ICE(...) diag_ice(__FILE__, __LINE__, __VA_ARGS__)
void diag_ice(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

#endif
