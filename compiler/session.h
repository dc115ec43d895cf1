/*
 * session.h - one run of the translator: the user's options, the files it
 * parsed (script + tapsets) and what the passes derived from them.
 *
 * Pipeline (main.c):  parse (-p1) -> elaborate + resolve + types + checks
 * (-p2) -> codegen (-p3) -> kbuild (-p4) -> run (-p5).
 */
#ifndef SONDE_SESSION_H
#define SONDE_SESSION_H

#include "ast.h"

typedef struct Options {
	int last_pass;           /* -pN, default 5 */
	const char *script_path; /* script file, or NULL with -e */
	const char *script_text; /* -e SCRIPT */
	const char *module_name; /* -m NAME */
	bool keep_build;         /* -k */
	int verbose;             /* -v count */
	const char *krelease;    /* -r KRELEASE */
	int timeout_s;           /* -T SECONDS, 0 = none */
	bool vm;                 /* --vm */
	bool host;               /* --host */
	const char *command;     /* -c CMD */
	const char *output_file; /* -o FILE */
	bool guru;               /* -g */
	bool unoptimized;        /* -u: no constant folding */
	bool warnings;           /* !-w */
	const char **defines;    /* -D NAME=VALUE */
	int ndefines;
	const char **global_sets;/* -G NAME=VALUE */
	int nglobal_sets;
	const char **tapset_dirs;/* -I DIR */
	int ntapset_dirs;
	int script_argc;         /* arguments after the script: $1 ... */
	char **script_argv;
	const char *datadir;     /* where runtime/, tapsets/, templates/ live */
	const char *libexecdir;  /* where sonde-run lives */
} Options;

/* A concrete probe the runtime registers (see runtime/kernel/runtime.h). */
typedef enum PointKind {
	PK_BEGIN, PK_END, PK_ERROR, PK_KPROBE, PK_KRETPROBE, PK_TIMER,
} PointKind;

typedef struct Handler Handler;

typedef struct ConcretePoint {
	PointKind kind;
	char *text;              /* canonical probe point, for messages */
	SrcLoc loc;              /* the point as the user wrote it */
	char *symbol;            /* PK_KPROBE/PK_KRETPROBE */
	int64_t interval_ns;     /* PK_TIMER */
	int64_t randomize_ns;
	int64_t sequence;        /* PK_BEGIN/PK_END/PK_ERROR */
	int maxactive;
	bool optional;           /* ? */
	Handler *handler;
	int id;
	struct ConcretePoint *next;
} ConcretePoint;

/* One generated handler function: the probe body, with alias prologues
 * and epilogues spliced in, shared by all the points that run it. */
struct Handler {
	Stmt *body;
	SrcLoc loc;
	Symbol *locals;
	Expr *cond;              /* probe ... if (cond) */
	bool is_return;          /* points are .return probes ($return valid) */
	unsigned kinds;          /* 1 << PointKind of each of its points */
	const ProbePoint *alias_use; /* the user's point, when aliases built it */
	PointKind kind;          /* kind of its points (same for all) */
	int id;
	/* globals used, by Symbol id: bits 1 read, 2 written, 4 `<<<` (locks) */
	unsigned char *global_use;
	Handler *next;
};

typedef struct Script {
	Program *user;           /* the user's script */
	Program **tapsets;       /* every parsed tapset file */
	int ntapsets;
	Symbol **globals;        /* every global referenced, dense by id */
	int nglobals;
	Function **functions;    /* every function reachable, dense by id */
	int nfunctions;
	Handler *handlers;
	ConcretePoint *points;
	int npoints;
	bool uses_embedded;
} Script;

extern Options opt;

/* Pass 1 (parse the script, load the tapsets) and pass 2 (all analyses). */
int pipeline_parse(Script *s, const SrcFile *file);
int pipeline_analyze(Script *s);

/* The passes, in pipeline order. */
int tapsets_load(Script *s);          /* parse the tapset library */
int elaborate(Script *s);             /* probe points -> ConcretePoints */
int sema_resolve(Script *s);          /* names -> symbols, functions, builtins */
int sema_types(Script *s);            /* type inference and checking */
int sema_checks(Script *s);           /* language rules, locks, warnings */
int sema_warnings(Script *s);         /* unused and write-only variables (after types) */
int fold_constants(Script *s);        /* constant folding, dead branches (not with -u) */
char *codegen(Script *s);             /* the module's C source */

/* Does a probe point pattern (with *, ** and globs) match a point name? */
bool probe_point_matches(const ProbePoint *pattern, const ProbePoint *name);

char *probe_point_text(const ProbePoint *pp);

/* Reaches every function of the library (for --dump-functions). */
int sema_resolve_library(Script *s);

/* Listings (listing.c): -p2, -l/-L, --dump-functions, --dump-probe-aliases. */
#include <stdio.h>
void script_print_elaborated(FILE *out, const Script *s);
int list_probe_points(const Script *lib, const char *pattern, bool vars);
int dump_functions(Script *lib);
void dump_probe_aliases(const Script *lib);

#endif
