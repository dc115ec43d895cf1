/*
 * regex.h - POSIX extended regular expressions (ERE) for `s =~ "re"`.
 *
 * Two halves:
 *
 *   sonde_regex_compile()  pattern -> program.  Runs at translation time,
 *                          in the compiler (sema_checks.c checks every
 *                          `=~` / `!~` pattern with it; codegen embeds the
 *                          program).  The kernel never compiles a pattern.
 *   sonde_regex_match()    program + text -> match / no match, and the
 *                          group spans.  Runs in the kernel (and in the
 *                          unit tests).  No allocation, no recursion, no
 *                          locks: all its state lives in a caller-provided
 *                          struct sonde_regex_work.
 *
 * Embedding, as the code generator does it:
 *
 *     char init[SONDE_REGEX_EMIT_MAX];   (or ask for the size first)
 *     sonde_regex_compile(&prog, pattern, strlen(pattern), &err);
 *     sonde_regex_emit_c(&prog, init, sizeof(init));
 *     -> emits  static const struct sonde_regex_prog sonde_re_3 = <init>;
 *
 * and at a match site (m may be NULL when no group span is wanted, which
 * is faster: the search stops at the first match found):
 *
 *     struct sonde_regex_work *w = <this CPU's workspace>;
 *     int r = sonde_regex_match(&sonde_re_3, s, sonde_strnlen(s, MAXSTRINGLEN),
 *                               w, &m);   -- 1 match, 0 none, <0 error
 *
 * Complexity: the matcher is a Pike VM (a Thompson NFA simulation that
 * carries capture positions per thread).  It runs in
 * O((len + 1) * ninst) instruction steps, whatever the pattern or text:
 * each text position visits each instruction at most twice.  No
 * backtracking, so (a*)*b or (a|aa)*c cannot blow up.  Work.steps
 * counts the steps of the last call.
 *
 * Semantics: unanchored search, as regexec(): a match may start anywhere.
 * The overall match is POSIX's leftmost-longest.  Group spans are those
 * of the highest-priority way of producing that overall match, where
 * alternatives are tried left to right and repetitions are greedy (the
 * Perl/RE2 rule applied to the POSIX match).  POSIX wants each group, in
 * order, to be as long as possible instead; the two differ only when a
 * match can be split between groups in several ways, e.g. (a|ab)(c|bcd)
 * on "abcd" gives (0,1) (1,4) here, as glibc does, where strict POSIX
 * says (0,2) (2,4).  A group inside a repetition reports its last
 * iteration; a group whose only possible iteration is empty may be
 * reported as not taking part ((a*)* on "b": group 1 unset).
 *
 * Bytes: the pattern and the text are bytes.  '.' and [^...] match one
 * byte, so a UTF-8 character in the text is several bytes; a literal
 * UTF-8 character in the pattern matches itself (its bytes in sequence),
 * but inside [...] its bytes are separate members.  Classes ([:alpha:]
 * ...) are the C locale's: bytes >= 0x80 belong to none of them.
 */
#ifndef SONDE_REGEX_H
#define SONDE_REGEX_H

#include "platform.h"
#include "limits.h"

/* Capturing groups per pattern, ( ) pairs; a pattern with more is an
 * error.  Group 0 is the whole match. */
#ifndef SONDE_REGEX_MAXGROUPS
#define SONDE_REGEX_MAXGROUPS 9
#endif
/* Distinct bracket expressions ([...] matching more than one byte) per
 * pattern. */
#ifndef SONDE_REGEX_MAXSETS
#define SONDE_REGEX_MAXSETS 16
#endif
/* The largest count in {m}, {m,}, {m,n} (POSIX's RE_DUP_MAX minimum). */
#define SONDE_REGEX_MAXDUP 255
/* Nesting of parentheses the compiler accepts (its parser recurses once
 * per level; the group limit is normally the tighter bound). */
#define SONDE_REGEX_MAXDEPTH 32

#if SONDE_REGEX_MAXINST > 32767 || SONDE_REGEX_MAXGROUPS > 126 || SONDE_REGEX_MAXSETS > 255
#error "regex limits out of range"
#endif

/* Capture slots: group n starts at slot 2n and ends at slot 2n+1. */
#define SONDE_REGEX_NSLOTS (2 * (SONDE_REGEX_MAXGROUPS + 1))

/* A byte offset into the text.  Strings are at most MAXSTRINGLEN bytes,
 * so 16 bits do unless that limit is raised past them. */
#if MAXSTRINGLEN > 65534
typedef uint32_t sonde_regex_pos_t;
#else
typedef uint16_t sonde_regex_pos_t;
#endif
/* "No position": a group that did not take part in the match. */
#define SONDE_REGEX_NOPOS ((sonde_regex_pos_t)-1)
/* The longest text sonde_regex_match() accepts. */
#define SONDE_REGEX_MAXTEXT ((size_t)SONDE_REGEX_NOPOS - 1)

/* Instructions.  x and y are instruction indexes (absolute, < ninst). */
enum sonde_regex_op {
	SONDE_RX_MATCH = 0,   /* the pattern matched */
	SONDE_RX_CHAR,        /* consume the byte `arg` */
	SONDE_RX_ANY,         /* consume any byte */
	SONDE_RX_SET,         /* consume a byte of sets[arg] */
	SONDE_RX_SPLIT,       /* go on at x and at y (x preferred) */
	SONDE_RX_JMP,         /* go on at x */
	SONDE_RX_SAVE,        /* record the current offset in capture slot arg */
	SONDE_RX_BOL,         /* assert: at the start of the text (^) */
	SONDE_RX_EOL,         /* assert: at the end of the text ($) */
	SONDE_RX_NOPS
};

struct sonde_regex_inst {
	uint8_t op;           /* enum sonde_regex_op */
	uint8_t arg;          /* CHAR: the byte; SET: set index; SAVE: slot */
	uint16_t x, y;        /* SPLIT: x, y; JMP: x; otherwise 0 */
};

/* A compiled pattern.  Self-contained plain data (no pointers), so it can
 * be a `static const` initializer in the generated module (see
 * sonde_regex_emit_c).  Only inst[0..ninst) and sets[0..nsets) are used. */
struct sonde_regex_prog {
	uint16_t ninst;       /* instructions, 3 or more; inst[ninst-1] is MATCH */
	uint8_t ngroups;      /* capturing groups, not counting group 0 */
	uint8_t nsets;        /* bracket expressions in sets[] */
	uint8_t anchored;     /* every match starts at offset 0 (leading ^) */
	struct sonde_regex_inst inst[SONDE_REGEX_MAXINST];
	uint8_t sets[SONDE_REGEX_MAXSETS][32];   /* bit b%8 of byte b/8: byte b */
};

/* Why a pattern does not compile.  offset/length: the offending bytes of
 * the pattern (length >= 1, except 0 for "at the end of the pattern",
 * where offset is the pattern's length).  msg: one line for a script
 * author, without the pattern itself, e.g. "unmatched '('". */
struct sonde_regex_error {
	size_t offset, length;
	char msg[160];
};

/* Compiles pattern[0..len) (bytes; a NUL among them is an ordinary byte).
 * Returns 0 and fills *p, or -1 and fills *err (and leaves *p unusable).
 * Never allocates; recursion is bounded by SONDE_REGEX_MAXDEPTH.  The
 * program's size is bounded by SONDE_REGEX_MAXINST as this file is
 * compiled: a module built with a smaller -DSONDE_REGEX_MAXINST cannot
 * hold a larger program (its C compiler says "excess elements"), so the
 * translator must be built with, or check against, the same limit. */
int sonde_regex_compile(struct sonde_regex_prog *p, const char *pattern, size_t len,
			struct sonde_regex_error *err);

/* Is p a well-formed program (every target and index in range, MATCH
 * last)?  Compiled programs always are; for tests and paranoid loaders. */
bool sonde_regex_valid(const struct sonde_regex_prog *p);

/* The matcher's scratch memory: one per CPU in the kernel (it is not
 * reentrant: a probe that interrupts a match on the same CPU must use
 * another one, or not match).  Nothing needs initializing before the
 * first use; its contents mean nothing between calls except `steps`.
 * About 23 KB with the default limits (sizeof tells). */
struct sonde_regex_work {
	unsigned long steps;  /* out: instruction steps of the last match call */
	uint32_t gen;
	uint32_t mark[SONDE_REGEX_MAXINST];          /* generation an inst was queued in */
	uint16_t pc[2][SONDE_REGEX_MAXINST];         /* thread lists: instruction */
	sonde_regex_pos_t cap[2][SONDE_REGEX_MAXINST][SONDE_REGEX_NSLOTS];  /* ... captures */
	sonde_regex_pos_t cur[SONDE_REGEX_NSLOTS];
	struct {
		uint16_t pc;      /* instruction to follow, or */
		uint16_t slot;    /* != 0xffff: restore cur[slot] = val */
		sonde_regex_pos_t val;
	} stack[SONDE_REGEX_MAXINST + 1];
};

/* The spans of a successful match.  Use sonde_regex_group() to read it. */
struct sonde_regex_match {
	uint8_t ngroups;      /* the program's ngroups */
	sonde_regex_pos_t span[SONDE_REGEX_NSLOTS];  /* slot 2n, 2n+1: group n */
};

/* Searches text[0..len) (bytes; NUL is an ordinary byte) for p.
 * Returns 1 on a match, 0 if none, -1 if p is not a valid program or len
 * exceeds SONDE_REGEX_MAXTEXT.  On a match, fills *m unless m is NULL
 * (then the search stops as soon as it knows there is a match).  *m is
 * left untouched when there is no match.  O((len + 1) * p->ninst) time,
 * constant stack. */
int sonde_regex_match(const struct sonde_regex_prog *p, const char *text, size_t len,
		      struct sonde_regex_work *w, struct sonde_regex_match *m);

/* Group n of a match (0: the whole match; 1..ngroups: the nth '(' of the
 * pattern).  Returns true and sets *start, *end (byte offsets, end
 * exclusive) if group n took part in the match; false if it did not
 * (matched(n) is then "") or n > m->ngroups. */
bool sonde_regex_group(const struct sonde_regex_match *m, unsigned n, size_t *start,
		       size_t *end);

/* Writes p as a C initializer for a `struct sonde_regex_prog`, e.g.
 *   { .ninst = 4, .ngroups = 0, .nsets = 0, .anchored = 0, .inst = {
 *     { SONDE_RX_SAVE, 0, 0, 0 }, { SONDE_RX_CHAR, 97, 0, 0 }, ... } }
 * (designated fields, symbolic opcodes, one line per instruction; no
 * trailing newline; needs this header).  Like snprintf: writes at most
 * cap bytes including a NUL (nothing if cap is 0) and returns the length
 * of the whole text, so a result >= cap means it was cut. */
size_t sonde_regex_emit_c(const struct sonde_regex_prog *p, char *buf, size_t cap);

/* A buffer of this many bytes always holds sonde_regex_emit_c's text. */
#define SONDE_REGEX_EMIT_MAX (160 + 48 * SONDE_REGEX_MAXINST + 200 * SONDE_REGEX_MAXSETS)

#endif
