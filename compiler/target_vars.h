/*
 * target_vars.h - what a target expression means at a probe site: $x,
 * $x->y[i].z, $x$, $$parms, $return, $argN, @cast(p, "T")->y and &$x->y,
 * worked out from the kernel's BTF (btf.h).  The type pass uses it to type
 * and check them, code generation to read them (codegen_target.c).
 *
 * A handler may run at several functions (probe a, b { ... }, wildcards):
 * an expression is planned at each of them, and must make sense at all.
 */
#ifndef SONDE_TARGET_VARS_H
#define SONDE_TARGET_VARS_H

#include "btf.h"
#include "session.h"

/* A function a handler runs at. */
typedef struct TvSite {
	const char *symbol;   /* "vfs_read" or "module:function" */
	bool is_return;       /* at its return (a kretprobe) */
	SrcLoc loc;           /* the (first) probe point that names it */
} TvSite;

/* The distinct functions of handler h's kprobe and kretprobe points. */
int tv_sites(const Script *s, const Handler *h, TvSite **out);

typedef enum TvFinal {
	TF_VALUE,             /* V is the value (a register): truncate it to the type */
	TF_LOAD,              /* an integer, enum or pointer in memory at V */
	TF_STRING,            /* a char array at V, read as a string */
	TF_ADDRESS,           /* &...: V itself */
	TF_PRETTY,            /* a pretty-printed text from `pretty` over `bases` */
	TF_EMPTY,             /* "" ($$locals: BTF knows no local variables) */
} TvFinal;

typedef struct TvPlan {
	TvFinal final;
	Type type;            /* TY_LONG or TY_STRING */
	KAccess access;       /* TF_VALUE, TF_LOAD, TF_STRING, TF_ADDRESS */
	int64_t max;          /* TF_STRING: the array's bytes (0: unbounded) */
	KPrettyPlan pretty;   /* TF_PRETTY */
	KAccess *bases;       /* TF_PRETTY: base i is the value V of bases[i] */
	int nbases;
} TvPlan;

/*
 * Plans e (an EX_TARGET, an EX_CAST, or an EX_UNARY '&' of one) at site
 * (NULL outside kernel probes: only @cast has a meaning there).  False
 * with *err set when it does not make sense there.
 */
bool tv_plan(Expr *e, const TvSite *site, TvPlan *out, KError *err);

#endif
