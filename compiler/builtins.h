/*
 * builtins.h - functions the translator implements itself, because they
 * are variadic, take a format string, or touch the probe context.
 * Everything else is a tapset function written in the language.
 */
#ifndef SONDE_BUILTINS_H
#define SONDE_BUILTINS_H

#include "ast.h"

/* ORDER BUILTIN: keep the table in builtins.c in step. */
typedef enum BuiltinId {
	BI_NONE = 0,
	BI_PRINTF, BI_SPRINTF,          /* (fmt, ...) */
	BI_PRINT, BI_PRINTLN,           /* (v, ...) */
	BI_SPRINT, BI_SPRINTLN,
	BI_PRINTD, BI_PRINTDLN,         /* (delim, v, ...) */
	BI_SPRINTD, BI_SPRINTDLN,
	BI_EXIT,                        /* () */
	BI_ERROR,                       /* (msg) raise a script error */
	BI_RETURNVAL,                   /* () return value in a .return probe */
	BI_TARGET,                      /* () pid of the -c command */
} BuiltinId;

typedef struct Builtin {
	const char *name;
	BuiltinId id;
	int min_args, max_args;         /* max -1: variadic */
	Type ret;                       /* TY_UNKNOWN: no value (statement only) */
} Builtin;

const Builtin *builtin_lookup(const char *name);
const Builtin *builtin_get(BuiltinId id);
int builtin_count(void);
const Builtin *builtin_at(int i);     /* 0 <= i < builtin_count() */

/*
 * printf-format checking, shared by the type pass and codegen.  Walks fmt
 * and calls back for every conversion that consumes an argument, with the
 * type it needs (TY_LONG or TY_STRING).  Returns the number of arguments
 * consumed, or -1 after storing a message in *err for a bad conversion.
 */
int format_arg_types(const char *fmt, Type *types, int max, const char **err);
/* After a -1 from format_arg_types: offset and length of the bad part. */
extern int format_error_at, format_error_len;

#endif
