/*
 * codegen_internal.h - what the parts of code generation share: the state
 * of the C function being emitted, and the helpers of codegen.c that
 * codegen_target.c uses.  Not for the other passes.
 */
#ifndef SONDE_CODEGEN_INTERNAL_H
#define SONDE_CODEGEN_INTERNAL_H

#include "session.h"
#include "util.h"

typedef struct Gen {
	Script *s;
	StrBuf *out;          /* body of the C function being emitted */
	StrBuf fields;        /* fields of its frame struct */
	StrBuf top;           /* declarations at the top of the C function */
	StrBuf cleanup;       /* statements run at its out: label */
	int ntmp;             /* string temporaries in the frame */
	int nuniq;            /* unique C identifiers */
	int indent;
	const char *unwind;   /* label to jump to when c->abort is set */
	Function *fn;         /* NULL in a handler */
	Handler *handler;     /* NULL in a function */
} Gen;

/* ---- from codegen.c ---- */

/* An expression as C: an int64_t, or a const char * for strings. */
char *cg_expr(Gen *g, Expr *e);
/* Wraps a C expression of type t that may set c->abort (unwinds if so). */
char *cg_checked(Gen *g, Type t, const char *x);
/* What a runtime error is "near", as a C string literal: "operator '->' at f:l:c". */
char *cg_near(const char *what, SrcLoc loc);
/* s as a C string literal. */
char *cg_c_string(const char *s);
/* A new MAXSTRINGLEN string temporary in the frame ("l->tN"). */
char *cg_new_tmp(Gen *g);
/* A number for unique C identifiers. */
int cg_uniq(Gen *g);

/* ---- codegen_target.c ---- */

/* $x, $x->y..., $x$, $$parms, $return, $argN, @cast(p, "T")->y..., and
 * &$x->y (an EX_UNARY '&' of one): reads of the kernel's memory through
 * the runtime's fault-safe helpers. */
char *codegen_target(Gen *g, Expr *e);

#endif
