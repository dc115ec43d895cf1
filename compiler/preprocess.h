/*
 * preprocess.h - SystemTap's preprocessor (conditionals and macros), a
 * token filter between the flex scanner (lexer.l) and the bison parser.
 *
 * Model.  The parser asks pp_next() for each token.  pp_next() reads from
 * a stack of token sources: the scanner at the bottom and, above it, one
 * frame per macro body being replayed and per macro argument being
 * substituted.  What it reads is interpreted, not just passed on:
 *
 *   %( COND %? A %: B %)   COND is read (macros in it are expanded) and
 *                          evaluated at once.  The taken branch flows on to
 *                          the parser; the other is skipped as raw tokens,
 *                          unparsed and unexpanded, counting only %( and %)
 *                          so that nesting balances.  A conditional begins
 *                          and ends in the same source (file, macro body or
 *                          argument).
 *   @define N(P, ...) %( BODY %)
 *                          records BODY as tokens (its %( and %) balanced).
 *                          Only where the text is live: a @define in an
 *                          untaken branch defines nothing.  (SystemTap
 *                          expands macros in a pass before conditionals, so
 *                          it defines both and reports a conflict; here
 *                          alternative definitions work, which is also what
 *                          makes conditional definitions in .stpm files
 *                          meaningful.)
 *   @N  or  @N(ARGS)       pushes a frame replaying N's body; in it, @P
 *                          yields the tokens of argument P.  Arguments are
 *                          token sequences split at commas outside brackets,
 *                          and are expanded only when replayed.  Whatever
 *                          comes out is read again, so bodies may use other
 *                          macros and conditionals.
 *
 * Everything else goes to the parser.  Tokens keep their own locations: a
 * token replayed from a body keeps the body's file, line and column and
 * points at the expansion record (SrcLoc.exp), so a diagnostic shows the
 * body and diag.c adds "in expansion of macro" notes at the use sites.
 * pp_loc_span() keeps a grammar rule's span inside one file.
 *
 * Scopes: a macro defined in a file is visible in that file only, from its
 * definition on.  Macros of the library files (*.stpm in the tapset
 * directories, parse_macro_library()) are visible everywhere; a file's own
 * definition of the same name shadows them.  Built-in @operators (@count,
 * @cast, @defined, @entry, @var, @hist_linear ...) are not macros.
 *
 * Conditions, as SystemTap documents them; a condition is one comparison
 * or several joined with && and || (&& binds tighter), and parentheses may
 * group them:
 *   kernel_v, kernel_vr    the target kernel's version ("6.1.0") or whole
 *   systemtap_v            release ("6.1.0-56-amd64"), or the SystemTap
 *                          version we are compatible with, compared with a
 *                          string by strverscmp (< <= == != >= >); with ==
 *                          or != and a pattern containing * ? or [, a glob
 *                          match instead
 *   arch, runtime          == or != against a glob ("x86_64", "i?86";
 *                          "kernel")
 *   systemtap_privilege    == or != against a string ("stapdev")
 *   guru_mode              == or != against 0 or 1 (-g)
 *   CONFIG_NAME            the target kernel's .config: == or != against a
 *                          glob ("y", "m"; a missing option is ""), or any
 *                          comparison with a number
 *   literal op literal     two strings or two numbers; the script arguments
 *                          ($1, @1, $#, @#) are pasted in by the lexer
 * Errors are located; a bad condition skips the whole conditional.
 *
 * Limits (each keeps bad input from running away) are in preprocess.c.
 */
#ifndef SONDE_PREPROCESS_H
#define SONDE_PREPROCESS_H

#include "parser.h"   /* ParseState, token codes, SONDE_YYSTYPE/YYLTYPE */

/* The SystemTap version whose language we accept (systemtap_v). */
#define SONDE_COMPAT_VERSION "5.0"
/* The target architecture, as the kernel build system names it (arch). */
#define SONDE_TARGET_ARCH "x86_64"

typedef struct PPState PPState;

/* One preprocessor per file.  In library mode (.stpm files) definitions go
 * to the library and any other token is an error; pp_next() then returns
 * only END. */
PPState *pp_new(ParseState *ps, yyscan_t scanner, bool library);
void pp_free(PPState *pp);

/* The next token for the parser. */
int pp_next(PPState *pp, SONDE_YYSTYPE *lval, SONDE_YYLTYPE *lloc);

/* After a syntax error at the last token given: when the token before it
 * came out of macro expansions that the last one is outside of, a note at
 * each of their use sites (the body may be what is wrong, as in
 * `@define bad %( 1 + %)` used as `f(@bad)`). */
void pp_note_expansion_end(const PPState *pp);

/* YYLLOC_DEFAULT: the span from `first` to `last`.  When they come from
 * different macro expansions, both are lifted to the use sites in their
 * closest common context first, so the span stays in one file. */
void pp_loc_span(SONDE_YYLTYPE *cur, const SONDE_YYLTYPE *first,
                 const SONDE_YYLTYPE *last);

/* A new run begins: forgets the library macros and the cached kernel
 * configuration (tapsets_load_macros() does it first). */
void pp_reset(void);

/* Loads *.stpm from the tapset directories (tapsets.c).  Call it before
 * parsing anything, even with no tapset directories: it starts the run.
 * Returns -1 if there were errors. */
int tapsets_load_macros(void);

/* Where CONFIG_ conditions read the kernel configuration; NULL (the
 * default) means /lib/modules/KRELEASE/build/.config.  The parsed file is
 * cached until the path changes. */
void pp_set_kconfig_path(const char *path);

#endif
