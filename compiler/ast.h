/*
 * ast.h - the abstract syntax tree of the probe language.
 *
 * The tree covers the whole SystemTap language, even where later passes do
 * not yet implement a construct: the parser accepts it, and the pass that
 * cannot handle it reports "not supported yet" at the node's location.
 *
 * Every node carries a SrcLoc.  Nodes are allocated and never freed (the
 * translator is a short-lived process).  Lists are singly linked through
 * the `next` field of the element type.
 */
#ifndef SONDE_AST_H
#define SONDE_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct SrcFile {
	const char *name;     /* path as shown to the user, or "<input>" for -e */
	const char *text;     /* whole NUL-terminated contents (for caret lines) */
	bool is_tapset;       /* came from the tapset library, not the user */
} SrcFile;

typedef struct SrcExpansion SrcExpansion;

typedef struct SrcLoc {
	const SrcFile *file;
	int line, col;         /* 1-based, start of the construct */
	int end_line, end_col; /* 1-based, inclusive end (0 if unknown) */
	const SrcExpansion *exp; /* set when the text came out of a macro body:
	                          * file/line/col are then in the body */
} SrcLoc;

/* One expansion of a preprocessor macro (compiler/preprocess.h): where
 * @name was used.  Diagnostics at a location inside a macro body follow
 * this chain to add "in expansion of macro" notes at each use site. */
struct SrcExpansion {
	const char *macro;     /* the macro's name, without '@' */
	SrcLoc use;            /* @name(args) at the use site */
};

/* Value types, found by the type pass (sema_types.c). */
typedef enum Type {
	TY_UNKNOWN = 0,
	TY_LONG,
	TY_STRING,
	TY_STATS,             /* aggregate: target of <<< */
} Type;

typedef struct Expr Expr;
typedef struct Stmt Stmt;
typedef struct Symbol Symbol;
typedef struct Function Function;

/* ---- Expressions ---------------------------------------------------- */

/* ORDER EXPR: keep ast_expr_kind_name() in ast.c in step. */
typedef enum ExprKind {
	EX_NUMBER,      /* num */
	EX_STRING,      /* str (unescaped bytes, NUL-terminated) */
	EX_IDENT,       /* name; sym set by resolve: scalar local/global */
	EX_INDEX,       /* name[args]: array element; sym = the array */
	EX_CALL,        /* name(args): user function, tapset function or builtin */
	EX_UNARY,       /* op in {'-','+','!','~'} applied to lhs; also '&'
	                 * (address of) when lhs is EX_TARGET/EX_CAST/EX_ATVAR */
	EX_BINARY,      /* lhs op rhs: arithmetic, bitwise, shifts, comparisons,
	                 * '.' concatenation (op = '.'), OP_AND/OP_OR logical */
	EX_TERNARY,     /* cond ? lhs : rhs */
	EX_ASSIGN,      /* lhs op= rhs; op is '=' or the binary op of a compound
	                 * assignment ('+', '.', OP_SHL, ...); OP_AGG for <<< */
	EX_INCDEC,      /* ++/-- lhs; op is OP_INC/OP_DEC, postfix flag */
	EX_IN,          /* [args] in name  (single key: args has one element) */
	EX_REGEX,       /* lhs =~ rhs (op OP_MATCH) or lhs !~ rhs (OP_NMATCH) */
	EX_STATOP,      /* @count(lhs) ...: statop, lhs is an EX_IDENT/EX_INDEX;
	                 * rhs: the bit-shift of @variance(lhs, rhs), or NULL */
	EX_HIST,        /* @hist_linear(lhs, args) / @hist_log(lhs): hist;
	                 * rhs set: @hist_*(lhs)[rhs], the count of bucket rhs */
	EX_TARGET,      /* $name<chain>, $$vars ...: name without '$';
	                 * chain = components; pretty = 0, 1 ($x$) or 2 ($x$$) */
	EX_CAST,        /* @cast(lhs, type_name [, module]) <chain> */
	EX_DEFINED,     /* @defined(lhs) */
	EX_ENTRY,       /* @entry(lhs) */
	EX_ATVAR,       /* @var("name[@file]" [, module]) <chain> */
	EX_ARG,         /* $N / @N command-line argument (N in num);
	                 * quoted = true for @N (always a string) */
	EX_ARGC,        /* $# / @# */
	EX_EMBEDDED,    /* %{ C expression %} in an expression: str = code */
} ExprKind;

/* Multi-character operators; single-character ones use their char code. */
enum {
	OP_EQ = 256, OP_NE, OP_LE, OP_GE, OP_SHL, OP_SHR, OP_AND, OP_OR,
	OP_INC, OP_DEC, OP_MATCH, OP_NMATCH, OP_AGG /* <<< */,
};

typedef enum StatOp { ST_COUNT, ST_SUM, ST_MIN, ST_MAX, ST_AVG, ST_VARIANCE } StatOp;
typedef enum HistKind { HIST_LINEAR, HIST_LOG } HistKind;

/* The one histogram a statistics variable keeps (SystemTap allows one
 * kind per variable): set by the first @hist_* use, which `loc` names. */
typedef struct HistSpec {
	bool used;
	HistKind kind;
	int64_t low, high, step;   /* HIST_LINEAR */
	SrcLoc loc;
} HistSpec;

/* One step of a target-variable chain: ->field, .field or [index]. */
typedef struct TargetComp {
	enum { TC_MEMBER, TC_INDEX } kind;
	const char *member;   /* TC_MEMBER */
	bool arrow;           /* TC_MEMBER: written as -> (else .) */
	Expr *index;          /* TC_INDEX */
	SrcLoc loc;
	struct TargetComp *next;
} TargetComp;

struct Expr {
	ExprKind kind;
	SrcLoc loc;
	Type type;            /* set by the type pass */
	bool reported;        /* the type pass reported an error here (one per node) */
	int op;               /* operator, see ExprKind */
	bool postfix;         /* EX_INCDEC */
	bool quoted;          /* EX_ARG: @N */
	int pretty;           /* EX_TARGET: number of trailing '$' */
	int64_t num;          /* EX_NUMBER, EX_ARG */
	const char *str;      /* EX_STRING; EX_CAST/EX_ATVAR: type or var name */
	const char *module;   /* EX_CAST, EX_ATVAR: optional module */
	const char *name;     /* EX_IDENT, EX_INDEX, EX_CALL, EX_IN, EX_TARGET */
	StatOp statop;        /* EX_STATOP */
	HistKind hist;        /* EX_HIST */
	Expr *lhs, *rhs, *cond;
	Expr *args;           /* EX_INDEX keys, EX_CALL/EX_HIST args, EX_IN keys */
	TargetComp *chain;    /* EX_TARGET, EX_CAST, EX_ATVAR */
	Symbol *sym;          /* EX_IDENT, EX_INDEX, EX_IN: resolved variable */
	Function *func;       /* EX_CALL: resolved user/tapset function, or NULL
	                       * for a builtin */
	int builtin;          /* EX_CALL: builtin id when func == NULL */
	int tmp;              /* codegen scratch slot, -1 if none */
	Expr *next;           /* next in an argument list */
};

/* ---- Statements ----------------------------------------------------- */

/* ORDER STMT: keep ast_stmt_kind_name() in ast.c in step. */
typedef enum StmtKind {
	ST_BLOCK,      /* { body } */
	ST_EXPR,       /* expr; */
	ST_NULL,       /* ; */
	ST_IF,         /* if (cond) then [else els] */
	ST_WHILE,      /* while (cond) body */
	ST_FOR,        /* for (init; cond; step) body; any may be NULL */
	ST_FOREACH,    /* see the foreach fields below */
	ST_BREAK,
	ST_CONTINUE,
	ST_NEXT,
	ST_RETURN,     /* return [expr] */
	ST_DELETE,     /* delete expr (EX_IDENT: whole array or scalar;
	                * EX_INDEX: one element) */
	ST_TRY,        /* try body catch [(catch_var)] handler */
	ST_EMBEDDED,   /* %{ code %} inside a function body */
} StmtKind;

struct Stmt {
	StmtKind kind;
	SrcLoc loc;
	Stmt *body;            /* ST_BLOCK: first statement; loops/TRY: body */
	Expr *expr;            /* ST_EXPR, ST_RETURN, ST_DELETE */
	Expr *cond;            /* ST_IF, ST_WHILE, ST_FOR */
	Stmt *then, *els;      /* ST_IF */
	Expr *init, *step;     /* ST_FOR */
	/* ST_FOREACH: foreach ([k1,k2] = value in array [+/-] limit N)
	 * keys: EX_IDENT list of key variables (one or more)
	 * value: EX_IDENT bound to the element value, or NULL
	 * array: EX_IDENT naming the array (or an EX_HIST for histograms)
	 * sort_key: 0 = unsorted, 1..n = sort by key n, -1 = sort by value
	 * sort_dir: +1 ascending, -1 descending
	 * limit: expression or NULL */
	Expr *keys, *value, *array, *limit;
	int sort_key, sort_dir;
	int sort_statop;       /* sorting statistics by value: StatOp + 1 of the
	                        * extractor (`a @sum-`), 0 = by @count */
	Stmt *handler;         /* ST_TRY: catch block */
	Expr *catch_var;       /* ST_TRY: EX_IDENT or NULL */
	const char *code;      /* ST_EMBEDDED */
	bool from_alias;       /* a probe alias's prologue/epilogue, spliced in */
	Stmt *next;
};

/* ---- Symbols (filled by the resolve pass) ----------------------------- */

typedef enum SymKind { SYM_GLOBAL, SYM_LOCAL, SYM_PARAM } SymKind;

struct Symbol {
	const char *name;
	SymKind kind;
	SrcLoc loc;            /* declaration, or first use of an implicit local */
	Type type;             /* value type (element type for arrays) */
	int arity;             /* -1 unknown yet, 0 scalar, >0 number of keys */
	Type key_types[9];
	SrcLoc type_loc;       /* where `type` was learnt (for conflict notes) */
	SrcLoc arity_loc;      /* where `arity` was learnt */
	SrcLoc key_locs[9];    /* where each key type was learnt */
	int64_t max_entries;   /* global a[N]: N, else 0 (default) */
	bool wrap;             /* global a%: evicts oldest when full */
	bool is_private;
	bool type_declared;    /* a parameter declared `x:long` / `x:string` */
	Expr *init;            /* global x = literal */
	HistSpec hist;         /* statistics: the histogram its extractors use */
	int variance_shift;    /* statistics: the bit-shift of its @variance */
	SrcLoc variance_loc;   /* the @variance(x, shift) that set it */
	const SrcFile *owner;  /* file that declared it (for private) */
	int id;                /* dense index among globals / within a frame */
	bool used;             /* reached from a probe (resolve) */
	bool read, written;    /* value read / assigned anywhere (sema_checks):
	                        * written-but-never-read globals are printed at exit */
	Symbol *next;
};

/* ---- Top-level declarations ----------------------------------------- */

typedef struct Param {
	const char *name;
	Type declared;         /* from `x:long` / `x:string`, else TY_UNKNOWN */
	SrcLoc loc;
	struct Param *next;
} Param;

struct Function {
	const char *name;
	SrcLoc loc;
	Param *params;
	int nparams;
	Type declared;         /* from `function f:long (...)`, else TY_UNKNOWN */
	SrcLoc declared_loc;   /* `f:long` */
	Type ret;              /* inferred return type */
	SrcLoc ret_loc;        /* where `ret` was learnt */
	Stmt *body;            /* NULL for an embedded-C function */
	const char *embedded;  /* %{ ... %} text for an embedded-C function */
	int priority;          /* function f() :N { }  (overload order), else 0 */
	Function *overload;    /* next overload of the same name and arity, in the
	                        * order calls try them (resolve); NULL at the end */
	bool overloaded;       /* first of a group of two or more overloads */
	Function *group;       /* the group's first overload, NULL if not overloaded */
	SrcLoc call_loc;       /* a call from the user's script (for notes), if any */
	bool is_private;
	bool used;
	Symbol *locals;        /* params first, then locals (resolve) */
	int id;
	Function *next;
};

/* One component of a probe point: name, name(arg), name("arg"), or `*`. */
typedef struct ProbePointComp {
	const char *name;      /* may contain * wildcards */
	Expr *arg;             /* EX_NUMBER or EX_STRING literal, or NULL */
	SrcLoc loc;
	struct ProbePointComp *next;
} ProbePointComp;

typedef struct ProbePoint {
	ProbePointComp *comps;
	bool optional;         /* trailing ? */
	bool sufficient;       /* trailing ! */
	Expr *cond;            /* probe x if (cond) */
	SrcLoc loc;
	struct ProbePoint *next;
} ProbePoint;

typedef struct Probe {
	ProbePoint *points;    /* probe a, b, c { } */
	Stmt *body;            /* ST_BLOCK */
	SrcLoc loc;
	Symbol *locals;        /* resolve */
	int id;
	struct Probe *next;
} Probe;

/* probe name = points { prologue }  or  probe name += points { epilogue } */
typedef struct ProbeAlias {
	ProbePoint *names;     /* the alias names being defined (one or more) */
	ProbePoint *points;    /* what they expand to */
	bool epilogue;         /* += */
	Stmt *body;
	SrcLoc loc;
	struct ProbeAlias *next;
} ProbeAlias;

typedef struct Embedded {  /* top-level %{ ... %} */
	const char *code;
	SrcLoc loc;
	struct Embedded *next;
} Embedded;

/* A parsed file; the driver links the user script and tapsets together. */
typedef struct Program {
	const SrcFile *file;
	Symbol *globals;
	Function *functions;
	Probe *probes;
	ProbeAlias *aliases;
	Embedded *embedded;
} Program;

/* ---- Construction helpers (ast.c) ------------------------------------ */

Expr *ast_expr(ExprKind kind, SrcLoc loc);
Stmt *ast_stmt(StmtKind kind, SrcLoc loc);
Symbol *ast_symbol(const char *name, SymKind kind, SrcLoc loc);
const char *ast_expr_kind_name(ExprKind kind);
/* "@count" ... "@variance" */
const char *ast_statop_name(StatOp op);
const char *ast_stmt_kind_name(StmtKind kind);
const char *ast_op_name(int op);      /* "+", "==", "<<<" ... */
const char *type_name(Type t);        /* "long", "string", "stats", "unknown" */

/* Appends to a NULL-terminated singly-linked list; returns the head. */
#define AST_APPEND(head, item) ast_append_((void **)&(head), (item), \
	(long)offsetof(__typeof__(*(item)), next))
void ast_append_(void **head, void *item, long next_offset);

/* The same in amortized constant time, for lists that may grow long (a
 * script's statements, arguments, probes): `tail` is a node of the list
 * (its last one, unless something else appended since) or NULL, kept by
 * the caller; it ends up at the new last node.  `item` is a node or a
 * list. */
#define AST_APPEND_TAIL(head, tail, item) do {                          \
	__typeof__(tail) item_ = (item);                                \
	if (!(tail))                                                    \
		(tail) = (head);                                        \
	if (!(tail)) {                                                  \
		(head) = item_;                                         \
	} else {                                                        \
		while ((tail)->next)                                    \
			(tail) = (tail)->next;                          \
		(tail)->next = item_;                                   \
	}                                                               \
	for ((tail) = item_; (tail)->next; (tail) = (tail)->next)       \
		;                                                       \
} while (0)

/*
 * How deeply statements and expressions may nest.  Every pass walks the
 * tree recursively, a few C stack frames per level, so the parser refuses
 * deeper trees (a 300,000-term `1 + 1 + ...` is 300,000 levels deep) with
 * "expression nested too deeply (the limit is 1000)".  Scripts people
 * write stay far below 100 levels; 1000 levels take well under 1 MB of
 * stack in every pass, even built with AddressSanitizer.
 */
#define AST_MAX_DEPTH 1000

/* Whether the statement list s or the expression e (either may be NULL)
 * nests deeper than AST_MAX_DEPTH: NULL if not, else "expression" or
 * "statement", whichever crosses the limit, and its location in *where.
 * The check itself never recurses deeper than the limit. */
const char *ast_too_deep(const Stmt *s, const Expr *e, SrcLoc *where);

#endif
