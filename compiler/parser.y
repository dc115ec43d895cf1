/*
 * parser.y - bison grammar for the probe language (SystemTap dialect).
 *
 * A pure (reentrant) LALR(1) parser driven by the flex scanner in lexer.l.
 * Each rule builds compiler/ast.h nodes directly and gives every node the
 * span of the text it came from (file, start line/col, end line/col).
 * Top-level declarations are appended to ps->prog as soon as they are
 * reduced, so a file with syntax errors still yields everything that
 * parsed cleanly.
 *
 * The language lets statements follow each other without ';', which
 * makes it ambiguous: "a = b -c" could be one statement or two.  Like
 * SystemTap we read greedily (the longest expression wins).  Every such
 * shift/reduce conflict is resolved by the LOW precedence below, which
 * marks "end a construct here" as weaker than any token that could
 * continue it.  `%expect 0` keeps unexplained conflicts out.
 *
 * Syntax errors are reported by yyreport_syntax_error() in plain words
 * ("expected ')' before '{'"); lexical errors arrive as LEX_ERROR tokens
 * that parse_lex() reports and drops, so every error leaves through this
 * file.
 */

%require "3.6"
%define api.pure full
%define api.prefix {sonde_yy}
%define parse.error custom
%define parse.lac full
%locations
%expect 0

%param {yyscan_t scanner}
%parse-param {ParseState *ps}

%code requires {
#include <stdbool.h>
#include <stdint.h>
#include "ast.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

typedef struct ParseState ParseState;

/* A token's or rule's span.  Tokens come from the file being parsed or,
 * through the preprocessor (preprocess.h), out of a macro body in any
 * file; YYLLOC_DEFAULT (pp_loc_span) keeps a rule's span in one file. */
typedef struct SONDE_YYLTYPE {
	int first_line, first_column, last_line, last_column;
	const SrcFile *file;        /* NULL: the file being parsed */
	const SrcExpansion *exp;    /* the macro expansion it came out of */
	bool pasted;                /* pasted from a $N command-line argument */
} SONDE_YYLTYPE;
#define SONDE_YYLTYPE_IS_DECLARED 1
#define SONDE_YYLTYPE_IS_TRIVIAL 1

/* `foreach (HEAD in ...)`: key variables, optional value variable and
 * the sort mark found among them. */
typedef struct ForeachHead {
	Expr *keys;
	Expr *value;
	int sort_key, sort_dir; /* as in Stmt; sort_key 0 = unsorted */
	int nsorts;             /* how many sort marks were written */
	SONDE_YYLTYPE sorts[2]; /* where the first two are */
	int nkeys;
} ForeachHead;

/* The value of a '}' token: where the '{' it closes was (0 if none). */
typedef struct OpenPos {
	int line, col;
} OpenPos;

/* A target variable token: $name with `pretty` trailing '$'s. */
typedef struct TargetTok {
	const char *name;
	int pretty;
} TargetTok;

/* A list that a left-recursive rule is building, with its last node, so
 * that appending stays cheap however long it gets (AST_APPEND_TAIL). */
typedef struct StmtList { Stmt *head, *tail; } StmtList;
typedef struct ExprList { Expr *head, *tail; } ExprList;
typedef struct SymList { Symbol *head, *tail; } SymList;
/* Adjacent string literals being glued together. */
typedef struct StrPieces { char *data; size_t len, cap; } StrPieces;
}

%code provides {
/* An unclosed bracket seen by the lexer, for "'}' expected" messages. */
typedef struct LexOpen {
	char ch;               /* '(', '[' or '{' */
	const char *what;      /* "the probe body", "the block", "'('" ... */
	SONDE_YYLTYPE loc;
	bool glued;            /* written right after the token before it */
	bool brace;            /* '{' of a probe point's brace expansion */
	bool misread;          /* ... that was reported as a misread body */
} LexOpen;

/* Everything one parse_program() call shares between lexer and parser. */
struct ParseState {
	const SrcFile *file;
	Program *prog;
	int argc;
	char **argv;
	int errors;            /* syntax errors reported so far */

	/* lexer position: line/col of the next character, byte offset */
	int line, col;
	long offset, tok_start;
	long prev_end;         /* offset just past the previous real token */
	int prev_end_line, prev_end_col;
	int toplevel_kw;       /* PROBE or FUNCTION: names what '{' opens */
	int cur_tok, prev_tok; /* the last two tokens the parser got */
	SONDE_YYLTYPE cur_loc, prev_loc;   /* and where they are */
	bool cur_glued, prev_glued;        /* written right after the token before */
	bool after_lex_error;  /* a lexical error came just before cur_tok */
	LexOpen last_body;     /* the last top-level body closed, and its '}' */
	SONDE_YYLTYPE last_body_end;
	bool has_last_body;
	bool closed_nothing;   /* the last token is a closer that matched no opener */
	bool closed_misread;   /* ... that closed a brace expansion's misread '{' */
	LexOpen *open;         /* stack of unclosed brackets */
	int nopen, capopen;

	/* $N pasting: tokens of the argument take the location of $N */
	bool pasting;
	void *paste_saved;     /* the YY_BUFFER_STATE to return to */
	SONDE_YYLTYPE paste_loc;

	/* the token after a malformed literal's LEX_ERROR (see lexer.l) */
	SONDE_YYLTYPE tok_loc; /* the whole text of the last token matched */
	int standin;           /* its kind, 0 if none is owed */
	SONDE_YYSTYPE standin_val;
	SONDE_YYLTYPE standin_loc;

	struct PPState *pp;    /* the preprocessor between lexer and parser */

	/* the last node of each of prog's lists, for AST_APPEND_TAIL */
	struct {
		Symbol *globals;
		Function *functions;
		Probe *probes;
		ProbeAlias *aliases;
		Embedded *embedded;
	} last;
};

Program *parse_program(const SrcFile *file, int argc, char **argv);

/* lexer.l: bracket tracking for the tokens the parser really gets (after
 * the preprocessor), and whether @name is a built-in operator. */
void lex_track(ParseState *ps, int tok, SONDE_YYSTYPE *lval, const SONDE_YYLTYPE *l);
bool lex_is_builtin_atword(const char *name);
}

%code {
#include "ast_copy.h"
#include "diag.h"
#include "parse.h"
#include "preprocess.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The parser reads its tokens through the preprocessor, not from flex. */
static int parse_lex(SONDE_YYSTYPE *lval, SONDE_YYLTYPE *lloc, yyscan_t scanner);
#undef yylex
#define yylex parse_lex
#define YYLLOC_DEFAULT(cur, rhs, n) do {                                   \
	if (n)                                                             \
		pp_loc_span(&(cur), &YYRHSLOC(rhs, 1), &YYRHSLOC(rhs, n));  \
	else {                                                             \
		(cur) = YYRHSLOC(rhs, 0);                                  \
		(cur).first_line = (cur).last_line;                        \
		(cur).first_column = (cur).last_column;                    \
	}                                                                  \
} while (0)

static void yyerror(SONDE_YYLTYPE *loc, yyscan_t scanner, ParseState *ps,
                    const char *msg);

static SrcLoc mkloc(ParseState *ps, SONDE_YYLTYPE l)
{
	SrcLoc s = { l.file ? l.file : ps->file, l.first_line, l.first_column,
	             l.last_line, l.last_column, l.exp };
	return s;
}
#define LOC(l) mkloc(ps, (l))

/* The N of `global a[N]`: positive, and small enough to preallocate. */
#define MAX_ARRAY_SIZE (1 << 24)
static int64_t array_size(const char *name, int64_t n, SrcLoc loc)
{
	if (n <= 0)
		diag_error(loc, "the size of array '%s' must be positive", name);
	else if (n > MAX_ARRAY_SIZE)
		diag_error(loc, "the size of array '%s' is too large (the limit is %d)", name,
			   MAX_ARRAY_SIZE);
	return n;
}

/* Reports an error found while parsing (not a syntax error proper). */
static void parse_error(ParseState *ps, SONDE_YYLTYPE l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static Expr *mk_binary(ParseState *ps, SONDE_YYLTYPE l, int op, Expr *a, Expr *b);
static Expr *mk_assign(ParseState *ps, SONDE_YYLTYPE l, int op, Expr *a, Expr *b);
static Expr *mk_unary(ParseState *ps, SONDE_YYLTYPE l, int op, Expr *a);
static Expr *mk_incdec(ParseState *ps, SONDE_YYLTYPE l, int op, bool postfix, Expr *a);
static Expr *mk_ident(ParseState *ps, SONDE_YYLTYPE l, const char *name);
static Expr *mk_statop(ParseState *ps, SONDE_YYLTYPE l, int op, Expr *a);
static Expr *mk_hist(ParseState *ps, SONDE_YYLTYPE l, int kind, Expr *args);
static Expr *mk_target(ParseState *ps, SONDE_YYLTYPE l, Expr *e, TargetComp *chain,
                       int tok_pretty, int pretty);
static TargetComp *mk_member(ParseState *ps, SONDE_YYLTYPE l, bool arrow,
                             const char *name, TargetComp *chain);
static Stmt *mk_foreach(ParseState *ps, SONDE_YYLTYPE l, ForeachHead h, Expr *array,
                        int array_sort, SONDE_YYLTYPE array_sort_loc, Expr *limit, Stmt *body);
static Stmt *mk_expr_stmt(ParseState *ps, SONDE_YYLTYPE l, Expr *e);
static Stmt *mk_block(ParseState *ps, SONDE_YYLTYPE l, Stmt *body);
static void add_global(ParseState *ps, SONDE_YYLTYPE l, Symbol *sym, bool priv);
static void mark_brace(ParseState *ps, SONDE_YYLTYPE l);
static Expr *global_init(ParseState *ps, Expr *e);
static Type parse_type(ParseState *ps, SONDE_YYLTYPE l, const char *name);
static char *join_piece(ParseState *ps, const char *a, SONDE_YYLTYPE la,
                        const char *b, SONDE_YYLTYPE lb);
static void add_probe(ParseState *ps, SONDE_YYLTYPE l, ProbePoint *points, Stmt *body);
static void add_alias(ParseState *ps, SONDE_YYLTYPE l, ProbePoint *names,
                      ProbePoint *points, bool epilogue, Stmt *body);
static void add_function(ParseState *ps, Function *f, bool priv);
static bool too_deep(ParseState *ps, const Stmt *s, const Expr *e);
static void add_piece(StrPieces *sp, const char *s);
static int count_list(Expr *e);
static ProbePoint *pp_product(ParseState *ps, SONDE_YYLTYPE l, ProbePoint *a,
                              ProbePoint *b);
}

%union {
	int64_t num;
	char *str;
	int op;
	bool flag;
	Type type;
	TargetTok tv;
	Expr *expr;
	Stmt *stmt;
	TargetComp *tc;
	ProbePoint *pp;
	ProbePointComp *ppc;
	Param *param;
	Symbol *sym;
	Function *func;
	ForeachHead fh;
	OpenPos open;
	StmtList stmts;
	ExprList exprs;
	SymList syms;
	StrPieces pieces;
}

/* The aliases are what error messages print for an expected token. */
%token END 0            "end of input"
%token <str> LEX_ERROR  "lexical error"   /* parse_lex() keeps it from the grammar */
%token <str> IDENT      "an identifier"
%token <num> NUMBER     "a number"
%token <str> STRING     "a string"
%token <tv>  TARGET     "a target variable"
%token <num> DOLLARS    "'$'"
%token <str> EMBEDDED   "embedded C code"

/* Preprocessor tokens: the lexer makes them, preprocess.c consumes them
 * all, so the grammar never mentions them. */
%token PP_OPEN "'%('" PP_THEN "'%?'" PP_ELSE "'%:'" PP_CLOSE "'%)'"
%token PP_DEFINE "'@define'"
%token <str> AT_NAME    "a macro"

%token <str> PROBE "'probe'" GLOBAL "'global'" FUNCTION "'function'"
%token <str> PRIVATE "'private'" IF "'if'" ELSE "'else'" WHILE "'while'"
%token <str> FOR "'for'" FOREACH "'foreach'" IN "'in'" LIMIT "'limit'"
%token <str> BREAK "'break'" CONTINUE "'continue'" NEXT "'next'"
%token <str> RETURN "'return'" DELETE "'delete'" TRY "'try'" CATCH "'catch'"

%token <op> AT_STAT     "a statistics operator"
%token AT_HIST_LINEAR "'@hist_linear'" AT_HIST_LOG "'@hist_log'"
%token AT_DEFINED "'@defined'" AT_CAST "'@cast'" AT_ENTRY "'@entry'"
%token AT_VAR "'@var'"

%token EQ "'=='" NE "'!='" LE "'<='" GE "'>='" SHL "'<<'" SHR "'>>'"
%token ANDAND "'&&'" OROR "'||'" INC "'++'" DEC "'--'"
%token MATCH "'=~'" NMATCH "'!~'" AGG "'<<<'" ARROW "'->'"
%token MEMBER_DOT "'.' (member)"
%token ADD_ASSIGN "'+='" SUB_ASSIGN "'-='" MUL_ASSIGN "'*='" DIV_ASSIGN "'/='"
%token MOD_ASSIGN "'%='" SHL_ASSIGN "'<<='" SHR_ASSIGN "'>>='"
%token AND_ASSIGN "'&='" XOR_ASSIGN "'^='" OR_ASSIGN "'|='" CAT_ASSIGN "'.='"

%type <open> '}'

/*
 * Precedence, lowest first.  LOW is the precedence of "stop here" rules
 * (an expression statement without ';', a bare `return`, a name not
 * followed by '(' or '[', a string not followed by another string ...).
 * Every token that could continue the construct ranks above LOW, so
 * bison shifts it: "return x" returns x, "a -b" subtracts, "f (x)" calls.
 * THEN/ELSE is the usual dangling-else rule: else binds to the nearest if.
 * The rest is SystemTap's operator precedence; note that `in` sits
 * between '&' and the comparisons, and '.' (concatenation) has its own
 * level between shifts and '+', exactly as in SystemTap.
 */
%precedence LOW
%precedence ';' IDENT NUMBER STRING TARGET EMBEDDED AT_STAT AT_HIST_LINEAR
            AT_HIST_LOG AT_DEFINED AT_CAST AT_ENTRY AT_VAR '!' '~'
%precedence THEN
%precedence ELSE
%right '=' ADD_ASSIGN SUB_ASSIGN MUL_ASSIGN DIV_ASSIGN MOD_ASSIGN SHL_ASSIGN
       SHR_ASSIGN AND_ASSIGN XOR_ASSIGN OR_ASSIGN CAT_ASSIGN AGG
%right '?' ':'
%left OROR
%left ANDAND
%left '|'
%left '^'
%left '&'
%precedence IN
%left EQ NE '<' '>' LE GE MATCH NMATCH
%left SHL SHR
%left '.' MEMBER_DOT
%left '+' '-'
%left '*' '/' '%'
%precedence INC DEC '(' '['

%type <expr> expr unary postfix primary opt_expr opt_args string_lit
%type <exprs> args
%type <stmts> stmts
%type <syms> global_list
%type <pieces> strings
%type <expr> hist opt_limit opt_module
%type <stmt> stmt block fbody
%type <tc> chain
%type <num> opt_pretty opt_sort opt_priority
%type <type> opt_type
%type <fh> foreach_head foreach_keys key_list
%type <pp> probe_point pp_list pp_comps pp_elem pp_alts
%type <ppc> pp_comp
%type <str> pp_name pp_piece name_or_keyword keyword
%type <expr> pp_arg
%type <param> param params opt_params
%type <sym> global_item
%type <func> function_rest
%type <op> assign_op
%type <op> pp_flag
%type <expr> pp_cond

%%

program:
	  %empty
	| program toplevel
	;

toplevel:
	  PROBE pp_list block             { add_probe(ps, @$, $2, $3); }
	/* probe alias: `probe a.b = x.y, z { prologue }` */
	| PROBE pp_list '=' pp_list block { add_alias(ps, @$, $2, $4, false, $5); }
	/* epilogue alias: `probe a.b += x.y { epilogue }` */
	| PROBE pp_list ADD_ASSIGN pp_list block
	                                  { add_alias(ps, @$, $2, $4, true, $5); }
	/* a bad probe point: skip to its body and still check the body */
	| PROBE error block               { (void)$3; yyerrok; }
	/* a body taken for a brace expansion, as in `probe { }`: skip it */
	| PROBE error '}'                 { (void)$3; }
	| FUNCTION function_rest          { $2->loc = LOC(@$); add_function(ps, $2, false); }
	| PRIVATE FUNCTION function_rest  { $3->loc = LOC(@$); add_function(ps, $3, true); }
	| GLOBAL global_list              { add_global(ps, @$, $2.head, false); }
	| PRIVATE GLOBAL global_list      { add_global(ps, @$, $3.head, true); }
	| PRIVATE global_list             { add_global(ps, @$, $2.head, true); }
	| EMBEDDED {
		Embedded *em = xcalloc(1, sizeof *em);
		em->code = $1;
		em->loc = LOC(@$);
		AST_APPEND_TAIL(ps->prog->embedded, ps->last.embedded, em);
	  }
	| ';'
	/* anything else: skip to the next 'probe', 'function' or 'global' */
	| error
	;

/* ---- globals ----------------------------------------------------------- */

global_list:
	  global_item                     { $$ = (SymList){ $1, $1 }; }
	| global_list ',' global_item     { $$ = $1; AST_APPEND_TAIL($$.head, $$.tail, $3); }
	;

/* name, name[N], name%, name%[N], name[N]%, name = literal */
global_item:
	  IDENT                           { $$ = ast_symbol($1, SYM_GLOBAL, LOC(@$)); }
	| IDENT '[' NUMBER ']'            { $$ = ast_symbol($1, SYM_GLOBAL, LOC(@$));
	                                    $$->max_entries = array_size($1, $3, LOC(@3)); }
	| IDENT '%'                       { $$ = ast_symbol($1, SYM_GLOBAL, LOC(@$));
	                                    $$->wrap = true; }
	| IDENT '%' '[' NUMBER ']'        { $$ = ast_symbol($1, SYM_GLOBAL, LOC(@$));
	                                    $$->wrap = true; $$->max_entries = array_size($1, $4, LOC(@4)); }
	| IDENT '[' NUMBER ']' '%'        { $$ = ast_symbol($1, SYM_GLOBAL, LOC(@$));
	                                    $$->wrap = true; $$->max_entries = array_size($1, $3, LOC(@3)); }
	/* any expression, to say what is wrong with one that is no literal */
	| IDENT '=' expr                  { $$ = ast_symbol($1, SYM_GLOBAL, LOC(@$));
	                                    $$->init = global_init(ps, $3); }
	| IDENT '[' NUMBER ']' '=' expr   { $$ = ast_symbol($1, SYM_GLOBAL, LOC(@$));
	                                    $$->max_entries = array_size($1, $3, LOC(@3));
	                                    parse_error(ps, @5, "an array cannot have an "
	                                                "initial value"); }
	;

/* ---- functions ----------------------------------------------------------- */

/* name[:type] (params) [:priority] { body }   or   ... %{ C code %} */
function_rest:
	  IDENT opt_type '(' opt_params ')' opt_priority fbody {
		$$ = xcalloc(1, sizeof *$$);
		$$->name = $1;
		$$->declared = $2;
		SONDE_YYLTYPE typed;
		pp_loc_span(&typed, &@1, &@2);
		$$->declared_loc = LOC(typed);
		$$->params = $4;
		for (Param *p = $4; p; p = p->next)
			$$->nparams++;
		$$->priority = (int)$6;
		if ($7->kind == ST_EMBEDDED)
			$$->embedded = $7->code;
		else
			$$->body = $7;
	  }
	;

fbody:
	  block
	| EMBEDDED                        { $$ = ast_stmt(ST_EMBEDDED, LOC(@$)); $$->code = $1; }
	;

opt_type:
	  %empty                          { $$ = TY_UNKNOWN; }
	| ':' IDENT                       { $$ = parse_type(ps, @2, $2); }
	;

opt_priority:
	  %empty                          { $$ = 0; }
	| ':' NUMBER                      { $$ = $2; }
	| ':' '-' NUMBER                  { $$ = (int64_t)(0 - (uint64_t)$3); }
	;

opt_params:
	  %empty                          { $$ = NULL; }
	| params
	;

params:
	  param
	| params ',' param                { $$ = $1; AST_APPEND($$, $3); }
	;

param:
	  IDENT opt_type {
		$$ = xcalloc(1, sizeof *$$);
		$$->name = $1;
		$$->declared = $2;
		$$->loc = LOC(@$);
	  }
	;

/* ---- probe points ------------------------------------------------------ */

pp_list:
	  probe_point
	| pp_list ',' probe_point         { $$ = $1; AST_APPEND($$, $3); }
	;

/* kernel.function("f").return ?   or   timer.s(1) if (enabled).
 * pp_comps is already a list: brace expansion may have made several. */
probe_point:
	  pp_comps pp_flag pp_cond {
		for (ProbePoint *p = $1; p; p = p->next) {
			p->optional = $2 == '?';
			p->sufficient = $2 == '!';
			p->cond = p == $1 ? $3 : ast_copy_expr($3);
			p->loc = LOC(@$);
		}
		$$ = $1;
	  }
	;

pp_flag:
	  %empty                          { $$ = 0; }
	| '?'                             { $$ = '?'; }
	| '!'                             { $$ = '!'; }
	;

pp_cond:
	  %empty                          { $$ = NULL; }
	| IF '(' expr ')'                 { $$ = too_deep(ps, NULL, $3) ? NULL : $3; }
	;

/* Components are separated by '.'; the lexer calls a '.' glued to the
 * next name MEMBER_DOT (see lexer.l), and here both mean the same.
 * Each element may be a brace expansion, so the result is the product:
 * syscall.{read,write} is syscall.read, syscall.write. */
pp_comps:
	  pp_elem
	| pp_comps '.' pp_elem            { $$ = pp_product(ps, @3, $1, $3); }
	| pp_comps MEMBER_DOT pp_elem     { $$ = pp_product(ps, @3, $1, $3); }
	;

pp_elem:
	  pp_comp {
		$$ = xcalloc(1, sizeof *$$);
		$$->comps = $1;
	  }
	/* brace expansion: {kernel,module("nfs")}.function("nfs_*") */
	| pp_brace pp_alts '}'            { $$ = $2; (void)$3; }
	;

/* The '{' of a brace expansion: the lexer's bracket stack learns it is
 * no body (for messages when it was meant to be one). */
pp_brace:
	  '{'                             { mark_brace(ps, @1); }
	;

pp_alts:
	  pp_comps
	| pp_alts ',' pp_comps            { $$ = $1; AST_APPEND($$, $3); }
	;

pp_comp:
	  pp_name {
		$$ = xcalloc(1, sizeof *$$);
		$$->name = $1;
		$$->loc = LOC(@$);
	  }
	| pp_name '(' pp_arg ')' {
		$$ = xcalloc(1, sizeof *$$);
		$$->name = $1;
		$$->arg = $3;
		$$->loc = LOC(@$);
	  }
	;

pp_arg:
	  NUMBER                          { $$ = ast_expr(EX_NUMBER, LOC(@$)); $$->num = $1; }
	| '-' NUMBER                      { $$ = ast_expr(EX_NUMBER, LOC(@$));
	                                    $$->num = (int64_t)(0 - (uint64_t)$2); }
	| string_lit
	;

/* A component name may mix identifiers, keywords and '*' wildcards,
 * written without spaces: sys*, *_read, **, function. */
pp_name:
	  pp_piece
	| pp_name pp_piece                { $$ = join_piece(ps, $1, @1, $2, @2); }
	;

pp_piece:
	  name_or_keyword
	| '*'                             { $$ = "*"; }
	;

name_or_keyword:
	  IDENT
	| keyword
	;

/* Keywords that may appear as probe point components or struct members
 * ($skb->next, kernel.function("f").return).  Not 'if', which starts a
 * probe point condition. */
keyword:
	  PROBE | GLOBAL | FUNCTION | PRIVATE | ELSE | WHILE | FOR | FOREACH
	| IN | LIMIT | BREAK | CONTINUE | NEXT | RETURN | DELETE | TRY | CATCH
	;

/* ---- statements -------------------------------------------------------- */

block:
	  '{' stmts '}'                   { $$ = mk_block(ps, @$, $2.head); }
	/* An error inside a block: skip to a '}' and go on after it.  When
	 * that '}' really closes this block (the lexer matches brackets), the
	 * parser is back in step, so the next error is reported at once. */
	| '{' stmts error '}' {
		$$ = mk_block(ps, @$, $2.head);
		if ($4.line == @1.first_line && $4.col == @1.first_column)
			yyerrok;
	  }
	;

stmts:
	  %empty                          { $$ = (StmtList){ NULL, NULL }; }
	| stmts stmt                      { $$ = $1; AST_APPEND_TAIL($$.head, $$.tail, $2); }
	;

/* ';' after a simple statement is optional.  The empty alternative is
 * LOW so that a following ';' is taken as this statement's terminator. */
opt_semi:
	  %empty %prec LOW
	| ';'
	;

stmt:
	  block
	| ';'                             { $$ = ast_stmt(ST_NULL, LOC(@$)); }
	| expr opt_semi                   { $$ = mk_expr_stmt(ps, @1, $1); }
	| IF '(' expr ')' stmt %prec THEN {
		$$ = ast_stmt(ST_IF, LOC(@$));
		$$->cond = $3;
		$$->then = $5;
	  }
	| IF '(' expr ')' stmt ELSE stmt {
		$$ = ast_stmt(ST_IF, LOC(@$));
		$$->cond = $3;
		$$->then = $5;
		$$->els = $7;
	  }
	| WHILE '(' expr ')' stmt {
		$$ = ast_stmt(ST_WHILE, LOC(@$));
		$$->cond = $3;
		$$->body = $5;
	  }
	| FOR '(' opt_expr ';' opt_expr ';' opt_expr ')' stmt {
		$$ = ast_stmt(ST_FOR, LOC(@$));
		$$->init = $3;
		$$->cond = $5;
		$$->step = $7;
		$$->body = $9;
	  }
	| FOREACH '(' foreach_head IN IDENT opt_sort opt_limit ')' stmt {
		$$ = mk_foreach(ps, @$, $3, mk_ident(ps, @5, $5), (int)$6, @6, $7, $9);
	  }
	| FOREACH '(' foreach_head IN IDENT AT_STAT opt_sort opt_limit ')' stmt {
		/* a statistics array sorted on one extractor: `a @sum-` */
		$$ = mk_foreach(ps, @$, $3, mk_ident(ps, @5, $5), (int)$7, @7, $8, $10);
		$$->sort_statop = $6 + 1;
		if ($7 == 0)
			parse_error(ps, @6, "sorting on %s needs a direction: write %s+ or %s-",
			            ast_statop_name($6), ast_statop_name($6), ast_statop_name($6));
	  }
	| FOREACH '(' foreach_head IN hist opt_sort opt_limit ')' stmt {
		$$ = mk_foreach(ps, @$, $3, $5, (int)$6, @6, $7, $9);
	  }
	| BREAK opt_semi                  { $$ = ast_stmt(ST_BREAK, LOC(@1)); }
	| CONTINUE opt_semi               { $$ = ast_stmt(ST_CONTINUE, LOC(@1)); }
	| NEXT opt_semi                   { $$ = ast_stmt(ST_NEXT, LOC(@1)); }
	| RETURN opt_semi                 { $$ = ast_stmt(ST_RETURN, LOC(@1)); }
	| RETURN expr opt_semi {
		$$ = ast_stmt(ST_RETURN, LOC(@1));
		$$->loc.end_line = @2.last_line;
		$$->loc.end_col = @2.last_column;
		$$->expr = $2;
	  }
	| DELETE expr opt_semi {
		$$ = ast_stmt(ST_DELETE, LOC(@1));
		$$->loc.end_line = @2.last_line;
		$$->loc.end_col = @2.last_column;
		$$->expr = $2;
		if ($2->kind != EX_IDENT && $2->kind != EX_INDEX)
			parse_error(ps, @2, "delete needs an array, an array element "
			            "or a variable");
	  }
	| TRY block CATCH block {
		$$ = ast_stmt(ST_TRY, LOC(@$));
		$$->body = $2;
		$$->handler = $4;
	  }
	| TRY block CATCH '(' IDENT ')' block {
		$$ = ast_stmt(ST_TRY, LOC(@$));
		$$->body = $2;
		$$->catch_var = mk_ident(ps, @5, $5);
		$$->handler = $7;
	  }
	;

opt_expr:
	  %empty                          { $$ = NULL; }
	| expr
	;

/* foreach keys: `k`, `[k1, k2]`, each optionally sorted with + or -,
 * optionally preceded by `value =` (value may be sorted too).  Bracketed
 * keys may also come first, `[k1, k2] = value`: the same loop. */
foreach_head:
	  foreach_keys
	| IDENT opt_sort '=' foreach_keys {
		$$ = $4;
		$$.value = mk_ident(ps, @1, $1);
		if ($2) {
			/* the value's mark comes first in the text */
			$$.sorts[1] = $$.sorts[0];
			$$.sorts[0] = @2;
			$$.nsorts++;
			$$.sort_key = -1;
			$$.sort_dir = (int)$2;
		}
	  }
	| '[' key_list ']' '=' IDENT opt_sort {
		$$ = $2;
		$$.value = mk_ident(ps, @5, $5);
		if ($6) {
			/* the value's mark comes last in the text */
			$$.sorts[$$.nsorts < 2 ? $$.nsorts : 1] = @6;
			$$.nsorts++;
			$$.sort_key = -1;
			$$.sort_dir = (int)$6;
		}
	  }
	;

foreach_keys:
	  IDENT opt_sort {
		memset(&$$, 0, sizeof $$);
		$$.keys = mk_ident(ps, @1, $1);
		$$.nkeys = 1;
		if ($2) {
			$$.sorts[0] = @2;
			$$.nsorts = 1;
			$$.sort_key = 1;
			$$.sort_dir = (int)$2;
		}
	  }
	| '[' key_list ']'                { $$ = $2; }
	;

key_list:
	  IDENT opt_sort {
		memset(&$$, 0, sizeof $$);
		$$.keys = mk_ident(ps, @1, $1);
		$$.nkeys = 1;
		if ($2) {
			$$.sorts[0] = @2;
			$$.nsorts = 1;
			$$.sort_key = 1;
			$$.sort_dir = (int)$2;
		}
	  }
	| key_list ',' IDENT opt_sort {
		Expr *key = mk_ident(ps, @3, $3);   /* AST_APPEND evaluates it twice */
		$$ = $1;
		AST_APPEND($$.keys, key);
		$$.nkeys++;
		if ($4) {
			$$.sorts[$$.nsorts < 2 ? $$.nsorts : 1] = @4;
			$$.nsorts++;
			$$.sort_key = $$.nkeys;
			$$.sort_dir = (int)$4;
		}
	  }
	;

opt_sort:
	  %empty                          { $$ = 0; }
	| '+'                             { $$ = 1; }
	| '-'                             { $$ = -1; }
	;

opt_limit:
	  %empty                          { $$ = NULL; }
	| LIMIT expr                      { $$ = $2; }
	;

/* ---- expressions ------------------------------------------------------- */

expr:
	  expr assign_op expr %prec '='   { $$ = mk_assign(ps, @$, $2, $1, $3); }
	| expr '?' expr ':' expr {
		$$ = ast_expr(EX_TERNARY, LOC(@$));
		$$->cond = $1;
		$$->lhs = $3;
		$$->rhs = $5;
	  }
	| expr OROR expr                  { $$ = mk_binary(ps, @$, OP_OR, $1, $3); }
	| expr ANDAND expr                { $$ = mk_binary(ps, @$, OP_AND, $1, $3); }
	| expr '|' expr                   { $$ = mk_binary(ps, @$, '|', $1, $3); }
	| expr '^' expr                   { $$ = mk_binary(ps, @$, '^', $1, $3); }
	| expr '&' expr                   { $$ = mk_binary(ps, @$, '&', $1, $3); }
	| expr IN IDENT {
		$$ = ast_expr(EX_IN, LOC(@$));
		$$->args = $1;
		$$->name = $3;
	  }
	| '[' args ']' IN IDENT {
		$$ = ast_expr(EX_IN, LOC(@$));
		$$->args = $2.head;
		$$->name = $5;
	  }
	| expr EQ expr                    { $$ = mk_binary(ps, @$, OP_EQ, $1, $3); }
	| expr NE expr                    { $$ = mk_binary(ps, @$, OP_NE, $1, $3); }
	| expr '<' expr                   { $$ = mk_binary(ps, @$, '<', $1, $3); }
	| expr '>' expr                   { $$ = mk_binary(ps, @$, '>', $1, $3); }
	| expr LE expr                    { $$ = mk_binary(ps, @$, OP_LE, $1, $3); }
	| expr GE expr                    { $$ = mk_binary(ps, @$, OP_GE, $1, $3); }
	| expr MATCH expr                 { $$ = mk_binary(ps, @$, OP_MATCH, $1, $3); }
	| expr NMATCH expr                { $$ = mk_binary(ps, @$, OP_NMATCH, $1, $3); }
	| expr SHL expr                   { $$ = mk_binary(ps, @$, OP_SHL, $1, $3); }
	| expr SHR expr                   { $$ = mk_binary(ps, @$, OP_SHR, $1, $3); }
	| expr '.' expr                   { $$ = mk_binary(ps, @$, '.', $1, $3); }
	| expr MEMBER_DOT expr            { $$ = mk_binary(ps, @$, '.', $1, $3); }
	| expr '+' expr                   { $$ = mk_binary(ps, @$, '+', $1, $3); }
	| expr '-' expr                   { $$ = mk_binary(ps, @$, '-', $1, $3); }
	| expr '*' expr                   { $$ = mk_binary(ps, @$, '*', $1, $3); }
	| expr '/' expr                   { $$ = mk_binary(ps, @$, '/', $1, $3); }
	| expr '%' expr                   { $$ = mk_binary(ps, @$, '%', $1, $3); }
	| unary
	;

assign_op:
	  '='                             { $$ = '='; }
	| ADD_ASSIGN                      { $$ = '+'; }
	| SUB_ASSIGN                      { $$ = '-'; }
	| MUL_ASSIGN                      { $$ = '*'; }
	| DIV_ASSIGN                      { $$ = '/'; }
	| MOD_ASSIGN                      { $$ = '%'; }
	| SHL_ASSIGN                      { $$ = OP_SHL; }
	| SHR_ASSIGN                      { $$ = OP_SHR; }
	| AND_ASSIGN                      { $$ = '&'; }
	| XOR_ASSIGN                      { $$ = '^'; }
	| OR_ASSIGN                       { $$ = '|'; }
	| CAT_ASSIGN                      { $$ = '.'; }
	| AGG                             { $$ = OP_AGG; }
	;

unary:
	  postfix
	| '-' unary                       { $$ = mk_unary(ps, @$, '-', $2); }
	| '+' unary                       { $$ = mk_unary(ps, @$, '+', $2); }
	| '!' unary                       { $$ = mk_unary(ps, @$, '!', $2); }
	| '~' unary                       { $$ = mk_unary(ps, @$, '~', $2); }
	| '&' unary                       { $$ = mk_unary(ps, @$, '&', $2); }
	;

/* ++/-- apply to a primary, as in SystemTap (so -x++ is -(x++)). */
postfix:
	  primary %prec LOW
	| primary INC                     { $$ = mk_incdec(ps, @$, OP_INC, true, $1); }
	| primary DEC                     { $$ = mk_incdec(ps, @$, OP_DEC, true, $1); }
	| INC primary                     { $$ = mk_incdec(ps, @$, OP_INC, false, $2); }
	| DEC primary                     { $$ = mk_incdec(ps, @$, OP_DEC, false, $2); }
	;

primary:
	  NUMBER                          { $$ = ast_expr(EX_NUMBER, LOC(@$)); $$->num = $1; }
	| string_lit %prec LOW
	| IDENT %prec LOW                 { $$ = mk_ident(ps, @$, $1); }
	| IDENT '[' args ']' {
		$$ = ast_expr(EX_INDEX, LOC(@$));
		$$->name = $1;
		$$->args = $3.head;
	  }
	| IDENT '(' opt_args ')' {
		$$ = ast_expr(EX_CALL, LOC(@$));
		$$->name = $1;
		$$->args = $3;
	  }
	| '(' expr ')'                    { $$ = $2; }
	| EMBEDDED                        { $$ = ast_expr(EX_EMBEDDED, LOC(@$)); $$->str = $1; }
	| AT_STAT '(' expr ')'            { $$ = mk_statop(ps, @$, $1, $3); }
	| AT_STAT '(' expr ',' expr ')' {
		$$ = mk_statop(ps, @$, $1, $3);
		$$->rhs = $5;   /* @variance(s, bit_shift) */
		if ($1 != ST_VARIANCE)
			parse_error(ps, @5, "%s takes one argument; only @variance takes a "
			            "second one (its bit-shift)", ast_statop_name($1));
	  }
	| hist %prec LOW
	| hist '[' expr ']'               { $$ = $1; $$->rhs = $3; $$->loc = LOC(@$); }
	| AT_DEFINED '(' expr ')'         { $$ = ast_expr(EX_DEFINED, LOC(@$)); $$->lhs = $3; }
	| AT_ENTRY '(' expr ')'           { $$ = ast_expr(EX_ENTRY, LOC(@$)); $$->lhs = $3; }
	| TARGET chain opt_pretty {
		Expr *e = ast_expr(EX_TARGET, LOC(@$));
		e->name = $1.name;
		$$ = mk_target(ps, @1, e, $2, $1.pretty, (int)$3);
	  }
	/* @cast(ptr, "type" [, "module"]) followed by ->member / [index] */
	| AT_CAST '(' expr ',' string_lit opt_module ')' chain opt_pretty {
		Expr *e = ast_expr(EX_CAST, LOC(@$));
		e->lhs = $3;
		e->str = $5->str;
		e->module = $6 ? $6->str : NULL;
		$$ = mk_target(ps, @1, e, $8, 0, (int)$9);
	  }
	| AT_CAST '(' expr ')' chain opt_pretty {
		SONDE_YYLTYPE cast;
		pp_loc_span(&cast, &@1, &@4);
		parse_error(ps, cast, "@cast needs a pointer and a type name, as in "
		            "@cast(p, \"task_struct\")");
		Expr *e = ast_expr(EX_CAST, LOC(@$));
		e->lhs = $3;
		e->str = xstrdup("");
		$$ = mk_target(ps, @1, e, $5, 0, (int)$6);
	  }
	/* @var("name[@file]" [, "module"]) followed by ->member / [index] */
	| AT_VAR '(' string_lit opt_module ')' chain opt_pretty {
		Expr *e = ast_expr(EX_ATVAR, LOC(@$));
		e->str = $3->str;
		e->module = $4 ? $4->str : NULL;
		$$ = mk_target(ps, @1, e, $6, 0, (int)$7);
	  }
	;

hist:
	  AT_HIST_LINEAR '(' args ')'     { $$ = mk_hist(ps, @$, HIST_LINEAR, $3.head); }
	| AT_HIST_LOG '(' args ')'        { $$ = mk_hist(ps, @$, HIST_LOG, $3.head); }
	;

opt_module:
	  %empty                          { $$ = NULL; }
	| ',' string_lit                  { $$ = $2; }
	;

/* Adjacent string literals are glued together: "a" "b" is "ab". */
string_lit:
	  strings %prec LOW               { $$ = ast_expr(EX_STRING, LOC(@$));
	                                    $$->str = $1.data ? $1.data : xstrdup(""); }
	;

strings:
	  STRING                          { $$ = (StrPieces){ NULL, 0, 0 }; add_piece(&$$, $1); }
	| strings STRING                  { $$ = $1; add_piece(&$$, $2); }
	;

/* Target variable chain: ->member, .member (written without spaces), [i].
 * Built last component first, so that a long chain costs linear time;
 * mk_target() puts it in order. */
chain:
	  %empty                          { $$ = NULL; }
	| chain ARROW name_or_keyword     { $$ = mk_member(ps, @3, true, $3, $1); }
	| chain MEMBER_DOT name_or_keyword
	                                  { $$ = mk_member(ps, @3, false, $3, $1); }
	/* `$p->$`: pretty-print the whole structure */
	| chain ARROW DOLLARS             { $$ = mk_member(ps, @3, true,
	                                      $3 == 1 ? "$" : "$$", $1); }
	| chain '[' expr ']' {
		TargetComp *c = xcalloc(1, sizeof *c);
		c->kind = TC_INDEX;
		c->index = $3;
		c->loc = LOC(@$);
		c->loc.line = @2.first_line;
		c->loc.col = @2.first_column;
		c->next = $1;
		$$ = c;
	  }
	;

/* `$x->y $` or `@cast(...)$$`: pretty-printing written as its own token */
opt_pretty:
	  %empty %prec LOW                { $$ = 0; }
	| DOLLARS                         { $$ = $1; }
	;

args:
	  expr                            { $$ = (ExprList){ $1, $1 }; }
	| args ',' expr                   { $$ = $1; AST_APPEND_TAIL($$.head, $$.tail, $3); }
	;

opt_args:
	  %empty                          { $$ = NULL; }
	| args                            { $$ = $1.head; }
	;

%%

/* ---- helpers for the rule actions ------------------------------------- */

static void parse_error(ParseState *ps, SONDE_YYLTYPE l, const char *fmt, ...)
{
	va_list ap;
	StrBuf sb = {0};
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	diag_error(mkloc(ps, l), "%s", sb.data ? sb.data : "");
	ps->errors++;
	free(sb.data);
}

/* Can `e` be assigned to (or incremented)?  Target variables and @cast
 * members are accepted here; whether writing them is allowed (guru mode)
 * is for a later pass to decide. */
static bool is_lvalue(const Expr *e)
{
	switch (e->kind) {
	case EX_IDENT: case EX_INDEX: case EX_TARGET: case EX_CAST: case EX_ATVAR:
		return true;
	default:
		return false;
	}
}

static Expr *mk_binary(ParseState *ps, SONDE_YYLTYPE l, int op, Expr *a, Expr *b)
{
	bool regex = op == OP_MATCH || op == OP_NMATCH;
	Expr *e = ast_expr(regex ? EX_REGEX : EX_BINARY, mkloc(ps, l));
	e->op = op;
	e->lhs = a;
	e->rhs = b;
	return e;
}

static Expr *mk_assign(ParseState *ps, SONDE_YYLTYPE l, int op, Expr *a, Expr *b)
{
	Expr *e = ast_expr(EX_ASSIGN, mkloc(ps, l));
	e->op = op;
	e->lhs = a;
	e->rhs = b;
	if (!is_lvalue(a)) {
		const char *name = op == '=' ? "=" : op == OP_AGG ? "<<<"
		                 : xasprintf("%s=", ast_op_name(op));
		diag_error(a->loc, "cannot assign to this expression: the left "
		           "side of '%s' must be a variable, an array element or "
		           "a target variable", name);
		ps->errors++;
	}
	return e;
}

static Expr *mk_unary(ParseState *ps, SONDE_YYLTYPE l, int op, Expr *a)
{
	Expr *e = ast_expr(EX_UNARY, mkloc(ps, l));
	e->op = op;
	e->lhs = a;
	if (op == '&' && a->kind != EX_TARGET && a->kind != EX_CAST &&
	    a->kind != EX_ATVAR) {
		diag_error(e->loc, "'&' (address of) can only be applied to a "
		           "target variable, @cast or @var");
		ps->errors++;
	}
	return e;
}

static Expr *mk_incdec(ParseState *ps, SONDE_YYLTYPE l, int op, bool postfix, Expr *a)
{
	Expr *e = ast_expr(EX_INCDEC, mkloc(ps, l));
	e->op = op;
	e->postfix = postfix;
	e->lhs = a;
	if (!is_lvalue(a)) {
		diag_error(a->loc, "'%s' needs a variable, an array element or a "
		           "target variable", ast_op_name(op));
		ps->errors++;
	}
	return e;
}

static Expr *mk_ident(ParseState *ps, SONDE_YYLTYPE l, const char *name)
{
	Expr *e = ast_expr(EX_IDENT, mkloc(ps, l));
	e->name = name;
	return e;
}

static Expr *mk_statop(ParseState *ps, SONDE_YYLTYPE l, int op, Expr *a)
{
	Expr *e = ast_expr(EX_STATOP, mkloc(ps, l));
	e->statop = (StatOp)op;
	e->lhs = a;
	if (a->kind != EX_IDENT && a->kind != EX_INDEX) {
		diag_error(a->loc, "the operand of %s must be a statistics "
		           "variable or array element, like %s(x) or %s(a[k])",
		           ast_statop_name(op), ast_statop_name(op), ast_statop_name(op));
		ps->errors++;
	}
	return e;
}

static Expr *mk_hist(ParseState *ps, SONDE_YYLTYPE l, int kind, Expr *args)
{
	Expr *e = ast_expr(EX_HIST, mkloc(ps, l));
	int n = count_list(args);
	e->hist = (HistKind)kind;
	e->lhs = args;
	e->args = args->next;
	args->next = NULL;
	if (kind == HIST_LINEAR && n != 4) {
		diag_error(e->loc, "@hist_linear takes 4 arguments (the statistic, "
		           "the low and high bounds and the bucket width), not %d", n);
		ps->errors++;
	} else if (kind == HIST_LOG && n != 1) {
		diag_error(e->loc, "@hist_log takes 1 argument (the statistic), "
		           "not %d", n);
		ps->errors++;
	} else if (e->lhs->kind != EX_IDENT && e->lhs->kind != EX_INDEX) {
		diag_error(e->lhs->loc, "the histogram's first argument must be a "
		           "statistics variable or array element");
		ps->errors++;
	}
	return e;
}

static TargetComp *mk_member(ParseState *ps, SONDE_YYLTYPE l, bool arrow,
                             const char *name, TargetComp *chain)
{
	TargetComp *c = xcalloc(1, sizeof *c);
	c->kind = TC_MEMBER;
	c->member = name;
	c->arrow = arrow;
	c->loc = mkloc(ps, l);
	if (c->loc.col > (arrow ? 2 : 1))
		c->loc.col -= arrow ? 2 : 1;   /* include the '->' or '.' */
	c->next = chain;                   /* last first, see `chain` */
	return c;
}

/*
 * Finishes $x / @cast / @var: attaches the chain and works out the
 * pretty-print level, which can come from the token itself ($x$), from
 * the last member (->y$, ->$) or from a separate '$' token.
 */
static Expr *mk_target(ParseState *ps, SONDE_YYLTYPE l, Expr *e, TargetComp *chain,
                       int tok_pretty, int pretty)
{
	TargetComp *rev = chain;          /* the rule built it last first */
	chain = NULL;
	while (rev) {
		TargetComp *c = rev;
		rev = c->next;
		c->next = chain;
		chain = c;
	}
	pretty += tok_pretty;
	TargetComp **link = &chain;
	for (TargetComp *c = chain; c; c = c->next) {
		if (c->kind == TC_MEMBER) {
			size_t n = strlen(c->member), k = 0;
			while (k < n && c->member[n - 1 - k] == '$')
				k++;
			if (k && c->next) {
				diag_error(c->next->loc, "'->' and '[' cannot follow a "
				           "pretty-printing '$'");
				ps->errors++;
			}
			if (k) {
				pretty += (int)k;
				if (k == n) {          /* ->$ : drop the empty member */
					*link = c->next;
					continue;
				}
				c->member = xstrndup(c->member, n - k);
			}
		}
		link = &c->next;
	}
	if (tok_pretty && chain) {
		diag_error(chain->loc, "'->' and '[' cannot follow a pretty-printing "
		           "'$'");
		ps->errors++;
	}
	if (pretty > 2) {
		diag_error(mkloc(ps, l), "too many '$': use $x$ or $x$$ to "
		           "pretty-print a target variable");
		ps->errors++;
		pretty = 2;
	}
	e->chain = chain;
	e->pretty = pretty;
	return e;
}

static Stmt *mk_foreach(ParseState *ps, SONDE_YYLTYPE l, ForeachHead h, Expr *array,
                        int array_sort, SONDE_YYLTYPE array_sort_loc, Expr *limit, Stmt *body)
{
	Stmt *s = ast_stmt(ST_FOREACH, mkloc(ps, l));
	s->keys = h.keys;
	s->value = h.value;
	s->array = array;
	s->limit = limit;
	s->body = body;
	s->sort_key = h.sort_key;
	s->sort_dir = h.sort_dir;
	if (array_sort) {
		h.sorts[h.nsorts < 2 ? h.nsorts : 1] = array_sort_loc;
		h.nsorts++;
		s->sort_key = -1;
		s->sort_dir = array_sort;
	}
	if (h.nsorts > 1) {
		diag_error(mkloc(ps, h.sorts[1]), "only one sort mark ('+' or '-') is allowed in "
		           "a foreach");
		diag_note(mkloc(ps, h.sorts[0]), "the first sort mark is here");
		ps->errors++;
	}
	return s;
}

static Stmt *mk_expr_stmt(ParseState *ps, SONDE_YYLTYPE l, Expr *e)
{
	if (e->kind == EX_EMBEDDED) {
		Stmt *s = ast_stmt(ST_EMBEDDED, mkloc(ps, l));
		s->code = e->str;
		return s;
	}
	Stmt *s = ast_stmt(ST_EXPR, mkloc(ps, l));
	s->expr = e;
	return s;
}

static Stmt *mk_block(ParseState *ps, SONDE_YYLTYPE l, Stmt *body)
{
	Stmt *s = ast_stmt(ST_BLOCK, mkloc(ps, l));
	s->body = body;
	return s;
}

static void add_global(ParseState *ps, SONDE_YYLTYPE l, Symbol *list, bool priv)
{
	(void)l;
	for (Symbol *s = list; s; s = s->next)
		s->is_private = priv;
	AST_APPEND_TAIL(ps->prog->globals, ps->last.globals, list);
}

/* The initial value of a global: a number (possibly negative) or a
 * string, as written; NULL after an error. */
static Expr *global_init(ParseState *ps, Expr *e)
{
	if (e->kind == EX_NUMBER || e->kind == EX_STRING)
		return e;
	if (e->kind == EX_UNARY && e->op == '-' && e->lhs->kind == EX_NUMBER) {
		e->lhs->num = (int64_t)(0 - (uint64_t)e->lhs->num);
		e->lhs->loc = e->loc;
		return e->lhs;
	}
	diag_error(e->loc, "the initial value of a global must be a literal number "
	           "or string");
	ps->errors++;
	return NULL;
}

static Type parse_type(ParseState *ps, SONDE_YYLTYPE l, const char *name)
{
	if (!strcmp(name, "long"))
		return TY_LONG;
	if (!strcmp(name, "string"))
		return TY_STRING;
	parse_error(ps, l, "unknown type '%s' (expected 'long' or 'string')", name);
	return TY_UNKNOWN;
}

/* The '{' at l, still open, starts a brace expansion.  (Found by its
 * location: the parser may have read the token after it already.) */
static void mark_brace(ParseState *ps, SONDE_YYLTYPE l)
{
	for (int i = ps->nopen - 1; i >= 0; i--) {
		LexOpen *o = &ps->open[i];
		if (o->ch == '{' && o->loc.first_line == l.first_line &&
		    o->loc.first_column == l.first_column && o->loc.file == l.file) {
			o->brace = true;
			o->what = "the brace expansion";
			return;
		}
	}
}

/* Glues two pieces of a probe point component name: sys + * = sys*. */
static char *join_piece(ParseState *ps, const char *a, SONDE_YYLTYPE la,
                        const char *b, SONDE_YYLTYPE lb)
{
	if (la.last_line != lb.first_line || la.last_column + 1 != lb.first_column)
		parse_error(ps, lb, "unexpected '%s' in probe point (missing '.' "
		            "or ','?  Wildcard names like sys_* must not contain "
		            "spaces)", b);
	return xasprintf("%s%s", a, b);
}

/* The passes walk the tree recursively: a declaration nested deeper than
 * AST_MAX_DEPTH is reported here and dropped.  True if s or e is. */
static bool too_deep(ParseState *ps, const Stmt *s, const Expr *e)
{
	SrcLoc where;
	const char *what = ast_too_deep(s, e, &where);

	if (!what)
		return false;
	diag_error(where, "%s nested too deeply (the limit is %d)", what, AST_MAX_DEPTH);
	ps->errors++;
	return true;
}

static void add_probe(ParseState *ps, SONDE_YYLTYPE l, ProbePoint *points, Stmt *body)
{
	if (too_deep(ps, body, NULL))
		return;
	Probe *p = xcalloc(1, sizeof *p);
	p->points = points;
	p->body = body;
	p->loc = mkloc(ps, l);
	AST_APPEND_TAIL(ps->prog->probes, ps->last.probes, p);
}

static void add_alias(ParseState *ps, SONDE_YYLTYPE l, ProbePoint *names,
                      ProbePoint *points, bool epilogue, Stmt *body)
{
	for (ProbePoint *n = names; n; n = n->next) {
		if (n->optional || n->sufficient || n->cond) {
			diag_error(n->loc, "a probe alias name cannot be optional ('?', "
			           "'!') or conditional ('if')");
			ps->errors++;
		}
	}
	ProbeAlias *a = xcalloc(1, sizeof *a);
	a->names = names;
	a->points = points;
	a->epilogue = epilogue;
	a->body = body;
	a->loc = mkloc(ps, l);
	if (too_deep(ps, body, NULL))
		return;
	AST_APPEND_TAIL(ps->prog->aliases, ps->last.aliases, a);
}

static void add_function(ParseState *ps, Function *f, bool priv)
{
	f->is_private = priv;
	if (too_deep(ps, f->body, NULL))
		return;
	AST_APPEND_TAIL(ps->prog->functions, ps->last.functions, f);
}

/* Appends one literal's text to the glued string (doubling, so that many
 * adjacent literals stay linear). */
static void add_piece(StrPieces *sp, const char *s)
{
	size_t n = strlen(s);
	if (sp->len + n + 1 > sp->cap) {
		sp->cap = 2 * (sp->len + n + 1);
		sp->data = xrealloc(sp->data, sp->cap);
	}
	memcpy(sp->data + sp->len, s, n + 1);
	sp->len += n;
}

/* Copies a component list (the nodes, not the literal arguments). */
static ProbePointComp *copy_comps(const ProbePointComp *c)
{
	ProbePointComp *head = NULL, *last = NULL;
	for (; c; c = c->next) {
		ProbePointComp *n = xmalloc(sizeof *n);
		*n = *c;
		n->next = NULL;
		AST_APPEND_TAIL(head, last, n);
	}
	return head;
}

/* Brace expansion multiplies: each `.{a,b}` doubles the points, so a few
 * hundred bytes could ask for 2^100 of them. */
#define MAX_EXPANDED_POINTS 10000

static long count_points(const ProbePoint *p)
{
	long n = 0;
	for (; p; p = p->next)
		n++;
	return n;
}

/* Every point of a followed by every point of b (brace expansion); NULL,
 * reported at l (the b part), when that would be too many. */
static ProbePoint *pp_product(ParseState *ps, SONDE_YYLTYPE l, ProbePoint *a,
                              ProbePoint *b)
{
	long na = count_points(a), nb = count_points(b);
	if (na * nb > MAX_EXPANDED_POINTS) {
		parse_error(ps, l, "brace expansion makes %ld probe points (the limit is %d)",
		            na * nb, MAX_EXPANDED_POINTS);
		return NULL;
	}
	ProbePoint *out = NULL, *last = NULL;
	for (ProbePoint *x = a; x; x = x->next) {
		for (ProbePoint *y = b; y; y = y->next) {
			ProbePoint *p = xcalloc(1, sizeof *p);
			p->comps = copy_comps(x->comps);
			ProbePointComp *tail = copy_comps(y->comps);
			AST_APPEND(p->comps, tail);
			AST_APPEND_TAIL(out, last, p);
		}
	}
	return out;
}

static int count_list(Expr *e)
{
	int n = 0;
	for (; e; e = e->next)
		n++;
	return n;
}

/* ---- syntax error messages --------------------------------------------- */

/*
 * Bison hands us the unexpected token and the exact set of tokens that
 * would have been accepted (parse.lac full makes that set exact).  Raw
 * sets are long, so they are folded into words a user understands:
 * all the tokens that start an expression become "an expression", those
 * that start a statement "a statement", and binary operators expected
 * after a complete expression are dropped (they are never the fix).
 */

static bool name_in(const char *name, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(name, *set))
			return true;
	return false;
}

static const char *const expr_starts[] = {
	"an identifier", "a number", "a string", "a target variable",
	"embedded C code", "a statistics operator", "'@hist_linear'", "'@hist_log'", "'@defined'",
	"'@cast'", "'@entry'", "'@var'", "'('", "'['", "'-'", "'+'", "'!'",
	"'~'", "'&'", "'++'", "'--'", NULL
};
static const char *const stmt_starts[] = {
	"'if'", "'while'", "'for'", "'foreach'", "'break'", "'continue'",
	"'next'", "'return'", "'delete'", "'try'", "'{'", "';'", NULL
};
static const char *const top_starts[] = {
	"'probe'", "'function'", "'global'", "'private'", "embedded C code",
	"';'", "end of input", NULL
};
static const char *const after_expr[] = {
	"'='", "'+='", "'-='", "'*='", "'/='", "'%='", "'<<='", "'>>='",
	"'&='", "'^='", "'|='", "'.='", "'<<<'", "'?'", "'||'", "'&&'",
	"'|'", "'^'", "'&'", "'in'", "'=='", "'!='", "'<'", "'>'", "'<='",
	"'>='", "'=~'", "'!~'", "'<<'", "'>>'", "'.'", "'.' (member)", "'+'",
	"'-'", "'*'", "'/'", "'%'", "'++'", "'--'", "'('", "'['", "'->'",
	"a string", "'$'", NULL
};

/* Whether the token named `name` is among the n expected ones. */
static bool expects(yysymbol_kind_t *exp, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(yysymbol_name(exp[i]), name))
			return true;
	return false;
}

/* The text of the source at l, NULL if not at hand (or pasted). */
static const char *source_at(ParseState *ps, const SONDE_YYLTYPE *l)
{
	const char *p = (l->file ? l->file : ps->file)->text;
	for (int i = 1; i < l->first_line && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || (int)strnlen(p, (size_t)l->first_column) < l->first_column)
		return NULL;
	return p + l->first_column - 1;
}

/* After a syntax error at l: when it or the token before it was pasted
 * from a $N argument, a note shows what $N stood for (the error may be in
 * the argument, as with `$1` = '1 +'). */
static void note_pasted(ParseState *ps, const SONDE_YYLTYPE *l)
{
	const SONDE_YYLTYPE *at = l->pasted ? l : ps->prev_loc.pasted ? &ps->prev_loc : NULL;
	const char *text = at ? source_at(ps, at) : NULL;
	if (!text || text[0] != '$')
		return;
	long n = strtol(text + 1, NULL, 10);
	if (n < 1 || n > ps->argc || !ps->argv[n - 1])
		return;
	diag_note(mkloc(ps, *at), "$%ld was replaced by '%s'", n, ps->argv[n - 1]);
}

/* Describes the unexpected token by quoting it from the source. */
static char *describe_token(ParseState *ps, yysymbol_kind_t tok,
                            const SONDE_YYLTYPE *l)
{
	if (tok == YYSYMBOL_YYEOF)
		return xstrdup("end of input");
	if (!l->pasted && l->first_line == l->last_line) {
		const char *p = source_at(ps, l);
		int len = l->last_column - l->first_column + 1;
		if (p && len > 0 && (int)strnlen(p, (size_t)len) == len) {
			if (*p == '"')
				return len > 32 ? xasprintf("%.28s...\"", p)
				                : xasprintf("%.*s", len, p);
			if (len > 32)
				return xasprintf("'%.29s...'", p);
			return xasprintf("'%.*s'", len, p);
		}
	}
	const char *name = yysymbol_name(tok);   /* "a number" -> "number" */
	if (!strncmp(name, "a ", 2))
		name += 2;
	else if (!strncmp(name, "an ", 3))
		name += 3;
	return xstrdup(name);
}

static char closer_of(char open)
{
	return open == '(' ? ')' : open == '[' ? ']' : '}';
}

/* "'}' expected (to close the probe body opened at line 3)" when the
 * input ends, or a new declaration or the wrong bracket appears, while
 * a bracket is still open and its closer would have been accepted. */
static bool report_unclosed(ParseState *ps, yysymbol_kind_t tok,
                            const SONDE_YYLTYPE *l, yysymbol_kind_t *exp, int n)
{
	if (ps->nopen == 0)
		return false;
	const LexOpen *o = &ps->open[ps->nopen - 1];
	char want[4] = { '\'', closer_of(o->ch), '\'', '\0' };
	const char *tname = yysymbol_name(tok);
	bool wrong_closer = (!strcmp(tname, "')'") || !strcmp(tname, "']'") ||
	                     !strcmp(tname, "'}'")) && strcmp(tname, want);
	bool new_decl = tok == YYSYMBOL_PROBE || tok == YYSYMBOL_FUNCTION ||
	                tok == YYSYMBOL_GLOBAL;
	if (tok != YYSYMBOL_YYEOF && !wrong_closer && !new_decl)
		return false;
	bool expected = false;
	for (int i = 0; i < n; i++)
		if (!strcmp(yysymbol_name(exp[i]), want))
			expected = true;
	if (!expected)
		return false;
	parse_error(ps, *l, "%s expected (to close %s opened at line %d)",
	            want, o->what, o->loc.first_line);
	return true;
}

static bool is_keyword(yysymbol_kind_t tok)
{
	switch (tok) {
	case YYSYMBOL_PROBE: case YYSYMBOL_GLOBAL: case YYSYMBOL_FUNCTION:
	case YYSYMBOL_PRIVATE: case YYSYMBOL_IF: case YYSYMBOL_ELSE: case YYSYMBOL_WHILE:
	case YYSYMBOL_FOR: case YYSYMBOL_FOREACH: case YYSYMBOL_IN: case YYSYMBOL_LIMIT:
	case YYSYMBOL_BREAK: case YYSYMBOL_CONTINUE: case YYSYMBOL_NEXT:
	case YYSYMBOL_RETURN: case YYSYMBOL_DELETE: case YYSYMBOL_TRY: case YYSYMBOL_CATCH:
		return true;
	default:
		return false;
	}
}

/* Whether tok may appear inside a probe point's brace expansion. */
static bool in_probe_point(yysymbol_kind_t tok)
{
	static const char *const punct[] = {
		"'*'", "'.'", "'.' (member)", "','", "'{'", "'}'", "'('", "')'", "'-'", NULL
	};
	if (tok == YYSYMBOL_IF)
		return false;
	return tok == YYSYMBOL_IDENT || tok == YYSYMBOL_NUMBER || tok == YYSYMBOL_STRING ||
	       is_keyword(tok) || name_in(yysymbol_name(tok), punct);
}

/* The innermost probe or function body being parsed, or NULL. */
static const LexOpen *enclosing_body(const ParseState *ps)
{
	for (int i = ps->nopen - 1; i >= 0; i--)
		if (strstr(ps->open[i].what, "body"))
			return &ps->open[i];
	return NULL;
}

/*
 * Mistakes with a better explanation than "expected X before Y": a keyword
 * used as a name, 'else' without 'if', declarations inside a body, and
 * closing brackets that close nothing.  Returns true once reported.
 */
static bool explain_mistake(ParseState *ps, yysymbol_kind_t tok, const SONDE_YYLTYPE *l,
                            yysymbol_kind_t *exp, int n)
{
	const char *tname = yysymbol_name(tok);
	bool want_ident = false;
	for (int i = 0; i < n; i++)
		want_ident |= !strcmp(yysymbol_name(exp[i]), "an identifier");

	if (tok == YYSYMBOL_ELSE) {
		parse_error(ps, *l, "'else' without a matching 'if'");
		return true;
	}
	if (tok == YYSYMBOL_DOLLARS) {
		char *word = describe_token(ps, tok, l);
		parse_error(ps, *l, "%s must be followed by a target variable name, as in %s",
		            word, strcmp(word, "'$$'") ? "$count" : "$$vars");
		free(word);
		return true;
	}
	/* `probe {` or `probe kernel. { x = 1 }`: the '{' was read as the start
	 * of a brace expansion, {a,b}, but it is the body's.  So it seems when
	 * it stands apart (`a.{}` is an empty expansion) and nothing follows
	 * it, or what follows it is nothing a probe point has. */
	LexOpen *in = ps->nopen ? &ps->open[ps->nopen - 1] : NULL;
	if (in && !in->brace)
		in = NULL;
	if (ps->prev_tok == '{' && !ps->prev_glued && expects(exp, n, "'*'") &&
	    expects(exp, n, "'while'") && !expects(exp, n, "a number")) {
		parse_error(ps, ps->prev_loc, "expected a probe point name before '{'");
		if (in && in->loc.first_line == ps->prev_loc.first_line &&
		    in->loc.first_column == ps->prev_loc.first_column)
			in->misread = true;    /* still open: its '}' is no new mistake */
		return true;
	}
	if (in && !in->glued && !in_probe_point(tok) && tok != YYSYMBOL_YYEOF) {
		parse_error(ps, in->loc, "expected a probe point name before '{'");
		in->misread = true;
		return true;
	}
	const LexOpen *body = enclosing_body(ps);
	/* (at column 1 a declaration more likely follows a body missing its '}') */
	if (body && l->first_column > 1 &&
	    (tok == YYSYMBOL_GLOBAL || tok == YYSYMBOL_FUNCTION || tok == YYSYMBOL_PROBE)) {
		const char *in = strstr(body->what, "probe") ? "a probe" : "a function";
		if (tok == YYSYMBOL_GLOBAL)
			parse_error(ps, *l, "'global' declarations must be at the top level, not inside %s", in);
		else
			parse_error(ps, *l, "%s must be defined at the top level, not inside %s",
			            tok == YYSYMBOL_FUNCTION ? "functions" : "probes", in);
		return true;
	}
	bool decl_word = tok == YYSYMBOL_PROBE || tok == YYSYMBOL_FUNCTION ||
	                 tok == YYSYMBOL_GLOBAL || tok == YYSYMBOL_PRIVATE;
	bool name_required = ps->prev_tok == FUNCTION || ps->prev_tok == GLOBAL;
	if (is_keyword(tok) && want_ident && (!decl_word || name_required)) {
		char *word = describe_token(ps, tok, l);
		parse_error(ps, *l, "%s is a reserved word and cannot be used as a %s name", word,
		            ps->prev_tok == FUNCTION ? "function" : "variable");
		free(word);
		return true;
	}
	bool closer = !strcmp(tname, "')'") || !strcmp(tname, "']'") || !strcmp(tname, "'}'");
	bool want_expr = false, after_expr = false;
	for (int i = 0; i < n; i++) {
		want_expr |= !strcmp(yysymbol_name(exp[i]), "a number");
		after_expr |= !strcmp(yysymbol_name(exp[i]), "'/'");
	}
	if (closer && ps->closed_nothing && (!want_expr || after_expr)) {
		/* a closer after a complete construct, matching no open bracket */
		char opener = tname[1] == ')' ? '(' : tname[1] == ']' ? '[' : '{';
		bool open = false;
		for (int i = 0; i < ps->nopen; i++)
			open |= ps->open[i].ch == opener;
		if (!open && (ps->nopen == 0 || ps->open[ps->nopen - 1].ch == '{')) {
			parse_error(ps, *l, "unmatched %s", tname);
			if (tname[1] == '}' && ps->has_last_body)
				diag_note(mkloc(ps, ps->last_body_end), "%s opened at line %d ends here",
				          ps->last_body.what, ps->last_body.loc.first_line);
			return true;
		}
	}
	return false;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner,
                                 ParseState *ps)
{
	(void)scanner;
	yysymbol_kind_t tok = yypcontext_token(ctx);
	const SONDE_YYLTYPE *l = yypcontext_location(ctx);
	if (ps->after_lex_error)
		return 0;       /* see parse_lex() */
	if (ps->closed_misread && !strcmp(yysymbol_name(tok), "'}'"))
		return 0;       /* the end of a body taken for a brace expansion */

	yysymbol_kind_t exp[YYNTOKENS];
	int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
	if (n < 0)
		n = 0;
	if (explain_mistake(ps, tok, l, exp, n) || report_unclosed(ps, tok, l, exp, n)) {
		pp_note_expansion_end(ps->pp);
		note_pasted(ps, l);
		return 0;
	}

	bool num = false, kw = false, probe = false, ops = false;
	bool brace = false, qmark = false, star = false, ident = false;
	bool str = false;
	for (int i = 0; i < n; i++) {
		const char *name = yysymbol_name(exp[i]);
		num |= !strcmp(name, "a number");
		ident |= !strcmp(name, "an identifier");
		str |= !strcmp(name, "a string");
		kw |= !strcmp(name, "'while'");
		probe |= !strcmp(name, "'probe'");
		ops |= !strcmp(name, "'/'");
		brace |= !strcmp(name, "'}'");
		qmark |= !strcmp(name, "'?'");
		star |= !strcmp(name, "'*'");
	}
	qmark = qmark && !ops;              /* '?' of a probe point, not ?: */
	bool has_stmt = kw && num;          /* a statement may start here */
	bool has_expr = num && ident;       /* an expression may start here */
	bool has_literal = num && str && !ident; /* a literal argument */
	bool has_top = probe && !kw;        /* a declaration may start here */
	bool has_name = kw && !num;         /* keywords accepted as names */

	const char *items[8];
	int nitems = 0;
	bool too_many = false;
	if (qmark) {
		/* right after a probe point: `?`, `!`, `if`, ... are rarely the fix */
		items[nitems++] = "'.'";
		items[nitems++] = "','";
		items[nitems++] = "'{'";
		n = 0;
	} else if (has_name) {
		/* after "probe", '.' or "->": only a name fits */
		items[nitems++] = star ? "a probe point name" : "a member name";
		n = 0;
	} else if (has_literal) {
		items[nitems++] = "a number or a string";
		n = 0;
	} else if (has_stmt) {
		items[nitems++] = "a statement";
	} else if (has_expr) {
		items[nitems++] = "an expression";
	}
	if (has_top)
		items[nitems++] = "'probe', 'function' or 'global'";
	bool has_ops = ops;
	for (int i = 0; i < n; i++) {
		const char *name = yysymbol_name(exp[i]);
		if ((has_expr || has_stmt) && name_in(name, expr_starts))
			continue;
		if (!strcmp(name, "'.' (member)") && expects(exp, n, "'.'"))
			continue;      /* the same character */
		if (has_stmt && name_in(name, stmt_starts))
			continue;
		if (has_top && name_in(name, top_starts))
			continue;
		if (has_ops && name_in(name, after_expr))
			continue;
		if (exp[i] == YYSYMBOL_YYEOF)
			continue;
		if (nitems == 4) {
			too_many = true;
			break;
		}
		items[nitems++] = name;
	}
	/* A statement list that may also end here, or a place right after an
	 * expression: almost anything fits, so name only the culprit. */
	if ((has_stmt && brace) || (has_ops && nitems == 0))
		too_many = true;

	char *what = describe_token(ps, tok, l);
	StrBuf sb = {0};
	if (too_many || nitems == 0) {
		sb_printf(&sb, "unexpected %s", what);
	} else {
		sb_puts(&sb, "expected ");
		for (int i = 0; i < nitems; i++) {
			if (i > 0)
				sb_puts(&sb, i == nitems - 1 ? " or " : ", ");
			sb_puts(&sb, items[i]);
		}
		sb_printf(&sb, tok == YYSYMBOL_YYEOF ? " at %s" : " before %s", what);
	}
	parse_error(ps, *l, "%s", sb.data);
	pp_note_expansion_end(ps->pp);
	note_pasted(ps, l);
	free(sb.data);
	free(what);
	return 0;
}

/* Only reached for bison's own failures, e.g. the parser stack overflowing
 * on absurdly deep nesting. */
static void yyerror(SONDE_YYLTYPE *loc, yyscan_t scanner, ParseState *ps,
                    const char *msg)
{
	(void)scanner;
	if (strstr(msg, "exhausted"))
		parse_error(ps, *loc, "the program is nested too deeply to parse");
	else
		parse_error(ps, *loc, "%s", msg);
}

/* ---- entry point --------------------------------------------------------- */

struct yy_buffer_state;
int sonde_yylex(SONDE_YYSTYPE *lval, SONDE_YYLTYPE *lloc, yyscan_t scanner);
int sonde_yylex_init_extra(ParseState *extra, yyscan_t *scanner);
struct yy_buffer_state *sonde_yy_scan_string(const char *s, yyscan_t scanner);
int sonde_yylex_destroy(yyscan_t scanner);
ParseState *sonde_yyget_extra(yyscan_t scanner);

/* The parser never sees a lexical error: it is reported here (unless the
 * preprocessor did already) and dropped.  What follows is the malformed
 * literal's stand-in, if it has one, or the next token; a syntax error
 * right there is likely the lexical error's doing, and goes unreported
 * (yyreport_syntax_error). */
static int parse_lex(SONDE_YYSTYPE *lval, SONDE_YYLTYPE *lloc, yyscan_t scanner)
{
	ParseState *ps = sonde_yyget_extra(scanner);
	int tok;
	ps->after_lex_error = false;
	while ((tok = pp_next(ps->pp, lval, lloc)) == LEX_ERROR) {
		if (lval->str)
			diag_error(mkloc(ps, *lloc), "%s", lval->str);
		ps->errors++;
		ps->after_lex_error = true;
	}
	lex_track(ps, tok, lval, lloc);
	return tok;
}

/* Sets up the scanner and the preprocessor over one file. */
static yyscan_t scan_begin(ParseState *ps, const SrcFile *file, Program *prog,
                           int argc, char **argv, bool library)
{
	memset(ps, 0, sizeof *ps);
	ps->file = file;
	ps->prog = prog;
	ps->argc = argc < 0 ? 0 : argc;
	ps->argv = argv;
	ps->line = 1;
	ps->col = 1;
	ps->prev_end_line = 1;
	ps->prev_end_col = 0;
	ps->prev_end = -1;

	yyscan_t scanner;
	if (sonde_yylex_init_extra(ps, &scanner) != 0)
		ICE("cannot initialise the scanner");
	sonde_yy_scan_string(file->text ? file->text : "", scanner);
	ps->pp = pp_new(ps, scanner, library);
	return scanner;
}

static void scan_end(ParseState *ps, yyscan_t scanner)
{
	pp_free(ps->pp);
	sonde_yylex_destroy(scanner);
	free(ps->open);
}

Program *parse_program(const SrcFile *file, int argc, char **argv)
{
	Program *prog = xcalloc(1, sizeof *prog);
	prog->file = file;

	ParseState ps;
	yyscan_t scanner = scan_begin(&ps, file, prog, argc, argv, false);
	sonde_yyparse(scanner, &ps);
	scan_end(&ps, scanner);
	return prog;
}

void parse_macro_library(const SrcFile *file)
{
	ParseState ps;
	yyscan_t scanner = scan_begin(&ps, file, NULL, 0, NULL, true);
	SONDE_YYSTYPE lval;
	SONDE_YYLTYPE lloc;
	while (pp_next(ps.pp, &lval, &lloc) != END)
		;
	scan_end(&ps, scanner);
}
