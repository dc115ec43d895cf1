/*
 * parse.h - the front end: flex lexer + bison parser producing an AST.
 */
#ifndef SONDE_PARSE_H
#define SONDE_PARSE_H

#include "ast.h"

/*
 * Parses one file.  Syntax errors are reported through diag_error() with
 * the location of the offending token; the parser recovers where it can
 * and returns the declarations it understood (possibly an empty Program),
 * never NULL.  `argv`/`argc` are the script's command-line arguments
 * ($1, @1, $#) which the lexer substitutes.
 */
Program *parse_program(const SrcFile *file, int argc, char **argv);

/* Reads a tapset library macro file (.stpm): its @define's become visible
 * to every file parsed afterwards.  Anything else in it is an error. */
void parse_macro_library(const SrcFile *file);

/* Makes a SrcFile from a path (NULL + error message on failure) or text. */
SrcFile *srcfile_load(const char *path, bool is_tapset);
SrcFile *srcfile_from_text(const char *name, const char *text);

/* -p1 output: the program printed back in canonical form. */
#include <stdio.h>
void ast_print_program(FILE *out, const Program *prog);
void ast_print_expr(FILE *out, const Expr *e);
void ast_print_stmt(FILE *out, const Stmt *s, int indent);
void ast_print_probe_point(FILE *out, const ProbePoint *pp);

#endif
