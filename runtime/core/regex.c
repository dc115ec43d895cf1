/*
 * regex.c - POSIX extended regular expressions: a compiler to a small
 * instruction program and a Pike VM to run it (see regex.h).
 *
 * The compiler is a recursive-descent parser (one level of recursion per
 * nesting of parentheses, bounded) that emits instructions as it goes.
 * While compiling, jump targets are stored relative to the instruction
 * that holds them, so a finished piece of program -- an atom, a group --
 * can be moved (to insert a SPLIT in front of it) or copied (to expand
 * {m,n}) without fixing anything up: every jump inside a piece targets
 * the piece itself or the instruction just after it, and jumps from
 * outside only target its first instruction.  The last step turns them
 * into absolute indexes.
 */
#include "regex.h"

/* ---- error messages (no printf here: the core must build in the kernel) */

struct rx_msg {
	char *buf;
	size_t len;
};

static void rx_msg_str(struct rx_msg *m, const char *s)
{
	while (*s && m->len + 1 < sizeof(((struct sonde_regex_error *)0)->msg))
		m->buf[m->len++] = *s++;
	m->buf[m->len] = '\0';
}

static void rx_msg_num(struct rx_msg *m, unsigned long n)
{
	char d[24];
	int i = 0;

	do {
		d[i++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (i > 0) {
		char one[2] = { d[--i], '\0' };
		rx_msg_str(m, one);
	}
}

/* A byte, quoted: 'x', or '\xNN' when not printable. */
static void rx_msg_byte(struct rx_msg *m, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char q[8] = { '\'', (char)c, '\'', '\0' };

	if (c < 0x20 || c >= 0x7f) {
		q[1] = '\\';
		q[2] = 'x';
		q[3] = hex[c >> 4];
		q[4] = hex[c & 15];
		q[5] = '\'';
		q[6] = '\0';
	}
	rx_msg_str(m, q);
}

/* ---- the compiler ------------------------------------------------------- */

struct rx_comp {
	struct sonde_regex_prog *p;
	const unsigned char *s;
	size_t len, pos;
	int depth;
	size_t at, atlen;       /* the construct being compiled, for "too large" */
	unsigned room;          /* instructions allowed: 2 fewer than the maximum
	                         * while parsing, for the final SAVE 1 and MATCH */
	struct sonde_regex_error *err;
	struct rx_msg msg;
};

/* Starts the error message for pattern bytes [off, off+len).  Callers
 * append to c->msg and return -1. */
static struct rx_msg *rx_fail(struct rx_comp *c, size_t off, size_t len)
{
	c->err->offset = off;
	c->err->length = len;
	c->msg.buf = c->err->msg;
	c->msg.len = 0;
	c->msg.buf[0] = '\0';
	return &c->msg;
}

static int rx_too_large(struct rx_comp *c)
{
	struct rx_msg *m = rx_fail(c, c->at, c->atlen);
	rx_msg_str(m, "the regular expression is too large: it needs more than ");
	rx_msg_num(m, SONDE_REGEX_MAXINST);
	rx_msg_str(m, " instructions (a repetition count copies what it repeats)");
	return -1;
}

static uint16_t rx_rel(long off)
{
	return (uint16_t)(int16_t)off;
}

static long rx_unrel(uint16_t v)
{
	return (int16_t)v;
}

/* Appends an instruction; x and y are relative to it. */
static int rx_emit(struct rx_comp *c, int op, unsigned arg, long x, long y)
{
	struct sonde_regex_prog *p = c->p;

	if (p->ninst >= c->room)
		return rx_too_large(c);
	p->inst[p->ninst].op = (uint8_t)op;
	p->inst[p->ninst].arg = (uint8_t)arg;
	p->inst[p->ninst].x = rx_rel(x);
	p->inst[p->ninst].y = rx_rel(y);
	p->ninst++;
	return 0;
}

/* Makes room for k instructions at `at`, moving [at, ninst) up. */
static int rx_insert(struct rx_comp *c, unsigned at, unsigned k)
{
	struct sonde_regex_prog *p = c->p;

	if (p->ninst + k > c->room)
		return rx_too_large(c);
	memmove(&p->inst[at + k], &p->inst[at], (p->ninst - at) * sizeof(p->inst[0]));
	p->ninst = (uint16_t)(p->ninst + k);
	return 0;
}

static void rx_put(struct rx_comp *c, unsigned at, int op, long x, long y)
{
	c->p->inst[at].op = (uint8_t)op;
	c->p->inst[at].arg = 0;
	c->p->inst[at].x = rx_rel(x);
	c->p->inst[at].y = rx_rel(y);
}

/* Appends a copy of the n instructions at `from`. */
static int rx_copy(struct rx_comp *c, unsigned from, unsigned n)
{
	struct sonde_regex_prog *p = c->p;

	if (p->ninst + n > c->room)
		return rx_too_large(c);
	memcpy(&p->inst[p->ninst], &p->inst[from], n * sizeof(p->inst[0]));
	p->ninst = (uint16_t)(p->ninst + n);
	return 0;
}

/* ---- bracket expressions */

enum {
	RX_CL_ALPHA, RX_CL_DIGIT, RX_CL_ALNUM, RX_CL_UPPER, RX_CL_LOWER, RX_CL_SPACE,
	RX_CL_BLANK, RX_CL_PUNCT, RX_CL_PRINT, RX_CL_GRAPH, RX_CL_CNTRL, RX_CL_XDIGIT,
	RX_CL_COUNT
};

static const char *const rx_class_names[RX_CL_COUNT] = {
	"alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct",
	"print", "graph", "cntrl", "xdigit",
};

/* The C locale's classes; bytes >= 0x80 are in none. */
static bool rx_in_class(int cl, unsigned b)
{
	bool upper = b >= 'A' && b <= 'Z', lower = b >= 'a' && b <= 'z';
	bool digit = b >= '0' && b <= '9';

	switch (cl) {
	case RX_CL_ALPHA: return upper || lower;
	case RX_CL_DIGIT: return digit;
	case RX_CL_ALNUM: return upper || lower || digit;
	case RX_CL_UPPER: return upper;
	case RX_CL_LOWER: return lower;
	case RX_CL_SPACE: return b == ' ' || (b >= '\t' && b <= '\r');
	case RX_CL_BLANK: return b == ' ' || b == '\t';
	case RX_CL_PUNCT: return b > 0x20 && b < 0x7f && !upper && !lower && !digit;
	case RX_CL_PRINT: return b >= 0x20 && b < 0x7f;
	case RX_CL_GRAPH: return b > 0x20 && b < 0x7f;
	case RX_CL_CNTRL: return b < 0x20 || b == 0x7f;
	case RX_CL_XDIGIT: return digit || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
	}
	return false;
}

static void rx_set_add(uint8_t *set, unsigned b)
{
	set[b >> 3] |= (uint8_t)(1u << (b & 7));
}

/* Finds the "]" that ends "[:name:]", "[.x.]" or "[=x=]" whose "[" is at
 * i (the delimiter d is s[i+1]); returns the offset of that "]", or 0. */
static size_t rx_bracket_item_end(const struct rx_comp *c, size_t i, unsigned char d)
{
	for (size_t j = i + 2; j + 1 < c->len; j++)
		if (c->s[j] == d && c->s[j + 1] == ']')
			return j + 1;
	return 0;
}

/* One element of a bracket expression at c->pos: a byte (returns 0 and
 * sets *byte) or a class (returns 1 and adds it to set).  -1: error. */
static int rx_bracket_elem(struct rx_comp *c, uint8_t *set, unsigned *byte)
{
	size_t i = c->pos;
	const unsigned char *s = c->s;

	if (s[i] == '[' && i + 1 < c->len && (s[i + 1] == ':' || s[i + 1] == '.' || s[i + 1] == '=')) {
		unsigned char d = s[i + 1];
		size_t end = rx_bracket_item_end(c, i, d);
		if (!end) {
			struct rx_msg *m = rx_fail(c, i, 2);
			rx_msg_str(m, d == ':' ? "'[:' without ':]' (a class is written [:alpha:] inside [...])"
				: d == '.' ? "'[.' without '.]'" : "'[=' without '=]'");
			return -1;
		}
		size_t name = i + 2, n = end - 1 - name;   /* the text between the delimiters */
		c->pos = end + 1;
		if (d != ':') {
			if (n != 1) {
				struct rx_msg *m = rx_fail(c, i, end + 1 - i);
				rx_msg_str(m, d == '.' ? "collating elements [. .] other than a single character are "
					"not supported" : "equivalence classes [= =] other than a single "
					"character are not supported");
				return -1;
			}
			*byte = s[name];
			return 0;
		}
		for (int cl = 0; cl < RX_CL_COUNT; cl++) {
			const char *cn = rx_class_names[cl];
			if (strlen(cn) == n && memcmp(cn, s + name, n) == 0) {
				for (unsigned b = 0; b < 256; b++)
					if (rx_in_class(cl, b))
						rx_set_add(set, b);
				return 1;
			}
		}
		struct rx_msg *m = rx_fail(c, i, end + 1 - i);
		rx_msg_str(m, "unknown character class (the classes are alpha, digit, alnum, upper, "
			"lower, space, blank, punct, print, graph, cntrl and xdigit)");
		return -1;
	}
	*byte = s[i];
	c->pos++;
	return 0;
}

/* [...] at c->pos into set.  Backslash is an ordinary character inside
 * brackets (POSIX); ']' first and '-' first or last are literal. */
static int rx_bracket(struct rx_comp *c, uint8_t *set)
{
	size_t open = c->pos;
	bool negate = false, first = true;

	c->pos++;
	if (c->pos < c->len && c->s[c->pos] == '^') {
		negate = true;
		c->pos++;
	}
	for (;;) {
		if (c->pos >= c->len) {
			struct rx_msg *m = rx_fail(c, open, 1);
			rx_msg_str(m, "'[' without a closing ']'");
			return -1;
		}
		if (c->s[c->pos] == ']' && !first)
			break;
		first = false;
		size_t start = c->pos;
		unsigned lo, hi;
		int k = rx_bracket_elem(c, set, &lo);
		if (k < 0)
			return -1;
		bool dash = c->pos + 1 < c->len && c->s[c->pos] == '-' && c->s[c->pos + 1] != ']';
		if (k == 1) {
			if (dash) {
				struct rx_msg *m = rx_fail(c, start, c->pos + 1 - start);
				rx_msg_str(m, "a character class cannot start a range");
				return -1;
			}
			continue;
		}
		if (!dash) {
			rx_set_add(set, lo);
			continue;
		}
		c->pos++;   /* the '-' */
		k = rx_bracket_elem(c, set, &hi);
		if (k < 0)
			return -1;
		if (k == 1) {
			struct rx_msg *m = rx_fail(c, start, c->pos - start);
			rx_msg_str(m, "a character class cannot end a range");
			return -1;
		}
		if (hi < lo) {
			struct rx_msg *m = rx_fail(c, start, c->pos - start);
			rx_msg_str(m, "invalid range: its end ");
			rx_msg_byte(m, (unsigned char)hi);
			rx_msg_str(m, " comes before its start ");
			rx_msg_byte(m, (unsigned char)lo);
			return -1;
		}
		for (unsigned b = lo; b <= hi; b++)
			rx_set_add(set, b);
		if (c->pos + 1 < c->len && c->s[c->pos] == '-' && c->s[c->pos + 1] != ']') {
			struct rx_msg *m = rx_fail(c, c->pos, 1);
			rx_msg_str(m, "'-' right after a range; a literal '-' goes first or last in [...]");
			return -1;
		}
	}
	c->pos++;   /* the ']' */
	if (negate)
		for (int i = 0; i < 32; i++)
			set[i] = (uint8_t)~set[i];
	return 0;
}

/* Emits the instruction that consumes one byte of set. */
static int rx_emit_set(struct rx_comp *c, const uint8_t *set)
{
	struct sonde_regex_prog *p = c->p;
	unsigned count = 0, one = 0;

	for (unsigned b = 0; b < 256; b++)
		if (set[b >> 3] & (1u << (b & 7))) {
			count++;
			one = b;
		}
	if (count == 0) {   /* [^\x00-\xff]: matches nothing */
		struct rx_msg *m = rx_fail(c, c->at, c->pos - c->at);
		rx_msg_str(m, "this bracket expression matches no character at all");
		return -1;
	}
	if (count == 1)
		return rx_emit(c, SONDE_RX_CHAR, one, 0, 0);
	if (count == 256)
		return rx_emit(c, SONDE_RX_ANY, 0, 0, 0);
	for (unsigned i = 0; i < p->nsets; i++)
		if (memcmp(p->sets[i], set, 32) == 0)
			return rx_emit(c, SONDE_RX_SET, i, 0, 0);
	if (p->nsets >= SONDE_REGEX_MAXSETS) {
		struct rx_msg *m = rx_fail(c, c->at, c->pos - c->at);
		rx_msg_str(m, "too many different bracket expressions (at most ");
		rx_msg_num(m, SONDE_REGEX_MAXSETS);
		rx_msg_str(m, ")");
		return -1;
	}
	memcpy(p->sets[p->nsets], set, 32);
	return rx_emit(c, SONDE_RX_SET, p->nsets++, 0, 0);
}

/* ---- escapes */

static bool rx_is_alnum(unsigned char e)
{
	return (e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z');
}

/* '\' at c->pos. */
static int rx_escape(struct rx_comp *c)
{
	size_t at = c->pos;
	struct rx_msg *m;

	if (at + 1 >= c->len) {
		m = rx_fail(c, at, 1);
		rx_msg_str(m, "trailing backslash: '\\' at the end escapes nothing");
		return -1;
	}
	unsigned char e = c->s[at + 1];
	static const char *const perl[][2] = {
		{ "d", "[[:digit:]]" }, { "D", "[^[:digit:]]" }, { "w", "[[:alnum:]_]" },
		{ "W", "[^[:alnum:]_]" }, { "s", "[[:space:]]" }, { "S", "[^[:space:]]" },
	};
	if (!rx_is_alnum(e) && e != '<' && e != '>' && e != '`' && e != '\'') {
		c->pos += 2;
		return rx_emit(c, SONDE_RX_CHAR, e, 0, 0);
	}
	m = rx_fail(c, at, 2);
	for (unsigned i = 0; i < sizeof(perl) / sizeof(perl[0]); i++)
		if (e == perl[i][0][0]) {
			rx_msg_str(m, "'\\");
			rx_msg_str(m, perl[i][0]);
			rx_msg_str(m, "' is not POSIX regular-expression syntax: write ");
			rx_msg_str(m, perl[i][1]);
			return -1;
		}
	if (e >= '1' && e <= '9')
		rx_msg_str(m, "back-references (\\1 ... \\9) are not supported");
	else if (e == 'b' || e == 'B' || e == '<' || e == '>')
		rx_msg_str(m, "word boundaries (\\b \\B \\< \\>) are not supported");
	else if (e == '`' || e == '\'')
		rx_msg_str(m, "'\\` and \\' are not supported: use ^ and $");
	else if (e == 'n' || e == 't' || e == 'r' || e == 'f' || e == 'v' || e == 'a')
		rx_msg_str(m, "escapes like \\n are not regular-expression syntax: put the character "
			"itself in the pattern (\"\\n\" in a string literal)");
	else {
		rx_msg_str(m, "unknown escape '\\");
		char one[2] = { (char)e, '\0' };
		rx_msg_str(m, one);
		rx_msg_str(m, "': a backslash only makes a punctuation character literal");
	}
	return -1;
}

/* ---- repetition */

static bool rx_is_quant(unsigned char ch)
{
	return ch == '*' || ch == '+' || ch == '?' || ch == '{';
}

/* Reads a decimal count at c->pos into *n (capped above SONDE_REGEX_MAXDUP).
 * False if there is none. */
static bool rx_count(struct rx_comp *c, unsigned long *n)
{
	size_t start = c->pos;

	*n = 0;
	while (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9') {
		if (*n <= SONDE_REGEX_MAXDUP)
			*n = *n * 10 + (c->s[c->pos] - '0');
		c->pos++;
	}
	return c->pos > start;
}

/* {m}, {m,}, {m,n}, {,n} at c->pos ('{').  max < 0: unbounded. */
static int rx_braces(struct rx_comp *c, long *min, long *max)
{
	size_t open = c->pos;
	unsigned long lo = 0, hi = 0;
	bool have_lo, have_hi = false, comma = false;
	struct rx_msg *m;

	c->pos++;
	have_lo = rx_count(c, &lo);
	if (c->pos < c->len && c->s[c->pos] == ',') {
		comma = true;
		c->pos++;
		have_hi = rx_count(c, &hi);
	}
	if (c->pos >= c->len || c->s[c->pos] != '}' || (!have_lo && !have_hi)) {
		size_t end = c->pos < c->len ? c->pos + 1 : c->len;
		m = rx_fail(c, open, end - open);
		rx_msg_str(m, "invalid repetition count: '{' must start {n}, {n,} or {n,m} "
			"(\\{ matches a literal '{')");
		return -1;
	}
	c->pos++;
	if (lo > SONDE_REGEX_MAXDUP || hi > SONDE_REGEX_MAXDUP) {
		m = rx_fail(c, open, c->pos - open);
		rx_msg_str(m, "repetition count too large (at most ");
		rx_msg_num(m, SONDE_REGEX_MAXDUP);
		rx_msg_str(m, ")");
		return -1;
	}
	if (have_hi && hi < lo) {
		m = rx_fail(c, open, c->pos - open);
		rx_msg_str(m, "invalid repetition count: the minimum ");
		rx_msg_num(m, lo);
		rx_msg_str(m, " is larger than the maximum ");
		rx_msg_num(m, hi);
		return -1;
	}
	*min = (long)lo;
	*max = !comma ? (long)lo : have_hi ? (long)hi : -1;
	return 0;
}

/* Repeats the piece [start, ninst) min to max times (max < 0: no bound). */
static int rx_repeat(struct rx_comp *c, unsigned start, long min, long max)
{
	struct sonde_regex_prog *p = c->p;
	unsigned len = p->ninst - start;
	long pending = -1;   /* last SPLIT whose exit is not patched: chain through y */

	if (max == 0) {          /* x{0}: the piece goes (its groups never match) */
		p->ninst = (uint16_t)start;
		return 0;
	}
	if (min == 0 && max < 0) {
		/* x* as (x+)?:  SPLIT B, out; B: body; SPLIT B, out; out:
		 * (not "L: SPLIT body, out; body; JMP L": there, an
		 * iteration that matches the empty string comes back to L,
		 * already followed at this offset, and dies with the group
		 * positions it set; here it leaves through the second SPLIT
		 * with them, as a backtracking matcher would report) */
		if (rx_insert(c, start, 1) < 0)
			return -1;
		rx_put(c, start, SONDE_RX_SPLIT, 1, len + 2);
		return rx_emit(c, SONDE_RX_SPLIT, 0, -(long)len, 1);
	}
	if (min == 1 && max < 0)     /* x+:  L: body; SPLIT L, out */
		return rx_emit(c, SONDE_RX_SPLIT, 0, -(long)len, 1);
	if (min == 0 && max == 1) {  /* x?:  SPLIT body, out; body; out: */
		if (rx_insert(c, start, 1) < 0)
			return -1;
		rx_put(c, start, SONDE_RX_SPLIT, 1, len + 1);
		return 0;
	}
	/* general: the piece min times, then x* or (max - min) times x? */
	unsigned long need = max < 0 ? (unsigned long)min * len + 1
		: (unsigned long)min * len + (unsigned long)(max - min) * (len + 1);
	if (start + need > c->room)
		return rx_too_large(c);
	unsigned body = start;      /* where the original piece is */
	long copies = 1;            /* pieces emitted so far (the original) */
	if (min == 0) {
		/* the original becomes the first optional piece */
		if (rx_insert(c, start, 1) < 0)
			return -1;
		rx_put(c, start, SONDE_RX_SPLIT, 1, 0);
		pending = start;
		body = start + 1;
	}
	unsigned last = body;
	for (; copies < min; copies++) {
		last = p->ninst;
		if (rx_copy(c, body, len) < 0)
			return -1;
	}
	if (max < 0)                 /* min >= 2 here: the last copy gets a '+' */
		return rx_emit(c, SONDE_RX_SPLIT, 0, (long)last - p->ninst, 1);
	for (; copies < max; copies++) {
		unsigned split = p->ninst;
		if (rx_emit(c, SONDE_RX_SPLIT, 0, 1, pending < 0 ? 0 : pending - (long)split) < 0 ||
		    rx_copy(c, body, len) < 0)
			return -1;
		pending = split;
	}
	while (pending >= 0) {       /* every skip goes to the end */
		long link = rx_unrel(p->inst[pending].y);
		p->inst[pending].y = rx_rel((long)p->ninst - pending);
		pending = link ? pending + link : -1;
	}
	return 0;
}

/* A quantifier at c->pos applied to the piece [start, ninst). */
static int rx_quantifier(struct rx_comp *c, unsigned start)
{
	size_t at = c->pos;
	long min, max;

	switch (c->s[c->pos]) {
	case '*': min = 0; max = -1; c->pos++; break;
	case '+': min = 1; max = -1; c->pos++; break;
	case '?': min = 0; max = 1; c->pos++; break;
	default:
		if (rx_braces(c, &min, &max) < 0)
			return -1;
		break;
	}
	c->at = at;
	c->atlen = c->pos - at;
	return rx_repeat(c, start, min, max);
}

/* ---- the grammar:  alt = concat ('|' concat)*;  concat = (atom quant*)* */

static int rx_alternation(struct rx_comp *c);

enum { RX_PIECE, RX_ANCHOR };

static int rx_atom(struct rx_comp *c, int *kind)
{
	struct sonde_regex_prog *p = c->p;
	unsigned char ch = c->s[c->pos];
	size_t at = c->pos;
	struct rx_msg *m;

	*kind = RX_PIECE;
	c->at = at;
	c->atlen = 1;
	switch (ch) {
	case '(': {
		if (c->depth >= SONDE_REGEX_MAXDEPTH) {
			m = rx_fail(c, at, 1);
			rx_msg_str(m, "parentheses nested too deeply (at most ");
			rx_msg_num(m, SONDE_REGEX_MAXDEPTH);
			rx_msg_str(m, " levels)");
			return -1;
		}
		if (p->ngroups >= SONDE_REGEX_MAXGROUPS) {
			m = rx_fail(c, at, 1);
			rx_msg_str(m, "too many groups: at most ");
			rx_msg_num(m, SONDE_REGEX_MAXGROUPS);
			rx_msg_str(m, " pairs of parentheses");
			return -1;
		}
		unsigned g = ++p->ngroups;
		c->pos++;
		c->depth++;
		if (rx_emit(c, SONDE_RX_SAVE, 2 * g, 0, 0) < 0 || rx_alternation(c) < 0)
			return -1;
		c->depth--;
		if (c->pos >= c->len) {
			m = rx_fail(c, at, 1);
			rx_msg_str(m, "unmatched '('");
			return -1;
		}
		c->pos++;   /* ')' (alternation stops only there or at the end) */
		c->at = at;
		c->atlen = c->pos - at;
		return rx_emit(c, SONDE_RX_SAVE, 2 * g + 1, 0, 0);
	}
	case '.':
		c->pos++;
		return rx_emit(c, SONDE_RX_ANY, 0, 0, 0);
	case '[': {
		uint8_t set[32];
		memset(set, 0, sizeof(set));
		if (rx_bracket(c, set) < 0)
			return -1;
		c->atlen = c->pos - at;
		return rx_emit_set(c, set);
	}
	case '^':
	case '$':
		*kind = RX_ANCHOR;
		c->pos++;
		return rx_emit(c, ch == '^' ? SONDE_RX_BOL : SONDE_RX_EOL, 0, 0, 0);
	case '\\':
		return rx_escape(c);
	default:
		c->pos++;
		return rx_emit(c, SONDE_RX_CHAR, ch, 0, 0);
	}
}

static int rx_concatenation(struct rx_comp *c)
{
	while (c->pos < c->len && c->s[c->pos] != '|' && c->s[c->pos] != ')') {
		unsigned start = c->p->ninst;
		size_t at = c->pos;
		unsigned char ch = c->s[at];
		int kind;
		struct rx_msg *m;

		if (rx_is_quant(ch)) {
			m = rx_fail(c, at, 1);
			rx_msg_byte(m, ch);
			rx_msg_str(m, " has nothing before it to repeat (\\");
			char one[2] = { (char)ch, '\0' };
			rx_msg_str(m, one);
			rx_msg_str(m, " matches a literal ");
			rx_msg_byte(m, ch);
			rx_msg_str(m, ")");
			return -1;
		}
		if (rx_atom(c, &kind) < 0)
			return -1;
		while (c->pos < c->len && rx_is_quant(c->s[c->pos])) {
			if (kind == RX_ANCHOR) {
				m = rx_fail(c, c->pos, 1);
				rx_msg_byte(m, c->s[c->pos]);
				rx_msg_str(m, " cannot repeat the anchor ");
				rx_msg_byte(m, ch);
				return -1;
			}
			if (rx_quantifier(c, start) < 0)
				return -1;
		}
	}
	return 0;
}

static int rx_alternation(struct rx_comp *c)
{
	struct sonde_regex_prog *p = c->p;
	unsigned branch = p->ninst;   /* start of the current branch */
	long pending = -1;            /* last JMP to the end: chain through x */

	if (rx_concatenation(c) < 0)
		return -1;
	while (c->pos < c->len && c->s[c->pos] == '|') {
		c->at = c->pos;
		c->atlen = 1;
		c->pos++;
		/* branch: SPLIT branch-body, next; branch-body; JMP end; next: */
		if (rx_insert(c, branch, 1) < 0)
			return -1;
		unsigned jmp = p->ninst;
		if (rx_emit(c, SONDE_RX_JMP, 0, pending < 0 ? 0 : pending - (long)jmp, 0) < 0)
			return -1;
		pending = jmp;
		rx_put(c, branch, SONDE_RX_SPLIT, 1, (long)p->ninst - branch);
		branch = p->ninst;
		if (rx_concatenation(c) < 0)
			return -1;
	}
	while (pending >= 0) {
		long link = rx_unrel(p->inst[pending].x);
		p->inst[pending].x = rx_rel((long)p->ninst - pending);
		pending = link ? pending + link : -1;
	}
	return 0;
}

/* Does every path from the start meet ^ before consuming a byte? */
static bool rx_starts_anchored(const struct sonde_regex_prog *p)
{
	uint8_t reach[(SONDE_REGEX_MAXINST + 7) / 8];
	bool changed = true;

	memset(reach, 0, sizeof(reach));
	reach[0] = 1;
	while (changed) {   /* to a fixpoint: epsilon edges may point back */
		changed = false;
		for (unsigned pc = 0; pc < p->ninst; pc++) {
			if (!(reach[pc >> 3] & (1u << (pc & 7))))
				continue;
			const struct sonde_regex_inst *in = &p->inst[pc];
			unsigned next[2], n = 0;
			switch (in->op) {
			case SONDE_RX_BOL:
				break;
			case SONDE_RX_SAVE:
			case SONDE_RX_EOL:
				next[n++] = pc + 1;
				break;
			case SONDE_RX_JMP:
				next[n++] = in->x;
				break;
			case SONDE_RX_SPLIT:
				next[n++] = in->x;
				next[n++] = in->y;
				break;
			default:
				return false;   /* a byte, or the end, without ^ first */
			}
			for (unsigned i = 0; i < n; i++)
				if (!(reach[next[i] >> 3] & (1u << (next[i] & 7)))) {
					reach[next[i] >> 3] |= (uint8_t)(1u << (next[i] & 7));
					changed = true;
				}
		}
	}
	return true;
}

int sonde_regex_compile(struct sonde_regex_prog *p, const char *pattern, size_t len,
			struct sonde_regex_error *err)
{
	struct rx_comp c;

	memset(p, 0, sizeof(*p));
	memset(err, 0, sizeof(*err));
	memset(&c, 0, sizeof(c));
	c.p = p;
	c.s = (const unsigned char *)pattern;
	c.len = len;
	c.err = err;
	c.room = SONDE_REGEX_MAXINST - 2;
	if (rx_emit(&c, SONDE_RX_SAVE, 0, 0, 0) < 0 || rx_alternation(&c) < 0)
		goto failed;
	if (c.pos < len) {   /* alternation stops only at the end or a ')' */
		struct rx_msg *m = rx_fail(&c, c.pos, 1);
		rx_msg_str(m, "unmatched ')' (\\) matches a literal ')')");
		goto failed;
	}
	c.room = SONDE_REGEX_MAXINST;
	if (rx_emit(&c, SONDE_RX_SAVE, 1, 0, 0) < 0 || rx_emit(&c, SONDE_RX_MATCH, 0, 0, 0) < 0)
		goto failed;
	for (unsigned pc = 0; pc < p->ninst; pc++) {   /* relative -> absolute */
		struct sonde_regex_inst *in = &p->inst[pc];
		if (in->op == SONDE_RX_JMP || in->op == SONDE_RX_SPLIT) {
			in->x = (uint16_t)(pc + rx_unrel(in->x));
			in->y = in->op == SONDE_RX_SPLIT ? (uint16_t)(pc + rx_unrel(in->y)) : 0;
		}
	}
	p->anchored = rx_starts_anchored(p);
	return 0;
failed:
	memset(p, 0, sizeof(*p));
	return -1;
}

bool sonde_regex_valid(const struct sonde_regex_prog *p)
{
	if (p->ninst < 3 || p->ninst > SONDE_REGEX_MAXINST || p->ngroups > SONDE_REGEX_MAXGROUPS ||
	    p->nsets > SONDE_REGEX_MAXSETS || p->inst[p->ninst - 1].op != SONDE_RX_MATCH)
		return false;
	for (unsigned pc = 0; pc < p->ninst; pc++) {
		const struct sonde_regex_inst *in = &p->inst[pc];
		switch (in->op) {
		case SONDE_RX_SPLIT:
		case SONDE_RX_JMP:
			if (in->x >= p->ninst || (in->op == SONDE_RX_SPLIT && in->y >= p->ninst))
				return false;
			break;
		case SONDE_RX_SET:
			if (in->arg >= p->nsets)
				return false;
			break;
		case SONDE_RX_SAVE:
			if (in->arg >= 2 * (p->ngroups + 1))
				return false;
			break;
		case SONDE_RX_MATCH:
		case SONDE_RX_CHAR:
		case SONDE_RX_ANY:
		case SONDE_RX_BOL:
		case SONDE_RX_EOL:
			break;
		default:
			return false;
		}
	}
	return true;
}

/* ---- the matcher: a Pike VM ---------------------------------------------- */

#define RX_NOSLOT 0xffff

/* Follows the empty transitions from pc (at text offset pos, with the
 * captures caps) and appends the threads that wait for a byte, or for
 * the end, to thread list l in priority order.  An instruction already
 * reached at this offset is not followed again: the thread that got
 * there first has priority and the same future. */
static void rx_follow(const struct sonde_regex_prog *p, struct sonde_regex_work *w, int l,
		   unsigned *n, unsigned pc, size_t pos, size_t len,
		   const sonde_regex_pos_t *caps, unsigned nslots)
{
	unsigned sp = 0;

	if (nslots)
		memcpy(w->cur, caps, nslots * sizeof(w->cur[0]));
	w->stack[sp].pc = (uint16_t)pc;
	w->stack[sp].slot = RX_NOSLOT;
	sp++;
	while (sp) {
		sp--;
		if (w->stack[sp].slot != RX_NOSLOT) {   /* leaving a SAVE's branch */
			w->cur[w->stack[sp].slot] = w->stack[sp].val;
			continue;
		}
		pc = w->stack[sp].pc;
		while (w->mark[pc] != w->gen) {
			const struct sonde_regex_inst *in = &p->inst[pc];
			w->mark[pc] = w->gen;
			w->steps++;
			switch (in->op) {
			case SONDE_RX_JMP:
				pc = in->x;
				continue;
			case SONDE_RX_SPLIT:
				w->stack[sp].pc = in->y;
				w->stack[sp].slot = RX_NOSLOT;
				sp++;
				pc = in->x;
				continue;
			case SONDE_RX_SAVE:
				if (in->arg < nslots) {
					w->stack[sp].slot = in->arg;
					w->stack[sp].val = w->cur[in->arg];
					sp++;
					w->cur[in->arg] = (sonde_regex_pos_t)pos;
				}
				pc++;
				continue;
			case SONDE_RX_BOL:
				if (pos != 0)
					break;
				pc++;
				continue;
			case SONDE_RX_EOL:
				if (pos != len)
					break;
				pc++;
				continue;
			default:   /* CHAR, ANY, SET, MATCH: a thread */
				w->pc[l][*n] = (uint16_t)pc;
				if (nslots)
					memcpy(w->cap[l][*n], w->cur, nslots * sizeof(w->cur[0]));
				(*n)++;
				break;
			}
			break;
		}
	}
}

int sonde_regex_match(const struct sonde_regex_prog *p, const char *text, size_t len,
		      struct sonde_regex_work *w, struct sonde_regex_match *m)
{
	const unsigned char *t = (const unsigned char *)text;
	sonde_regex_pos_t none[SONDE_REGEX_NSLOTS], best[SONDE_REGEX_NSLOTS];
	unsigned nslots, n[2] = { 0, 0 };
	bool found = false;
	int cl = 0;

	if (p->ninst < 1 || p->ninst > SONDE_REGEX_MAXINST || p->ngroups > SONDE_REGEX_MAXGROUPS ||
	    len > SONDE_REGEX_MAXTEXT)
		return -1;
	nslots = m ? 2u * (p->ngroups + 1u) : 0;
	memset(none, 0xff, sizeof(none));
	memset(best, 0xff, sizeof(best));
	memset(w->mark, 0, p->ninst * sizeof(w->mark[0]));
	w->gen = 1;
	w->steps = 0;
	for (size_t pos = 0;; pos++) {
		/* a new thread starting here, last in priority (no more once a
		 * match is known: a later start cannot be leftmost) */
		if (!found && (pos == 0 || !p->anchored))
			rx_follow(p, w, cl, &n[cl], 0, pos, len, none, nslots);
		if (n[cl] == 0 && (found || p->anchored))
			break;   /* no thread left, and no new one will start */
		int c = pos < len ? t[pos] : -1;
		w->gen++;
		n[!cl] = 0;
		for (unsigned i = 0; i < n[cl]; i++) {
			const struct sonde_regex_inst *in = &p->inst[w->pc[cl][i]];
			sonde_regex_pos_t *cap = w->cap[cl][i];
			w->steps++;
			if (found && cap[0] > best[0])
				continue;   /* starts after the match found: not leftmost */
			switch (in->op) {
			case SONDE_RX_MATCH:
				if (!m)
					return 1;
				/* leftmost first, then longest; ties go to the
				 * higher-priority thread, which comes first */
				if (!found || cap[0] < best[0] || (cap[0] == best[0] && cap[1] > best[1])) {
					memcpy(best, cap, nslots * sizeof(best[0]));
					found = true;
				}
				continue;
			case SONDE_RX_CHAR:
				if (c != in->arg)
					continue;
				break;
			case SONDE_RX_ANY:
				if (c < 0)
					continue;
				break;
			case SONDE_RX_SET:
				if (c < 0 || !(p->sets[in->arg][c >> 3] & (1u << (c & 7))))
					continue;
				break;
			default:
				continue;
			}
			rx_follow(p, w, !cl, &n[!cl], w->pc[cl][i] + 1u, pos + 1, len, cap, nslots);
		}
		cl = !cl;
		if (pos >= len)
			break;
	}
	if (!found)
		return 0;
	m->ngroups = p->ngroups;
	memcpy(m->span, best, sizeof(m->span));
	return 1;
}

bool sonde_regex_group(const struct sonde_regex_match *m, unsigned n, size_t *start, size_t *end)
{
	if (n > m->ngroups || m->span[2 * n] == SONDE_REGEX_NOPOS ||
	    m->span[2 * n + 1] == SONDE_REGEX_NOPOS)
		return false;
	*start = m->span[2 * n];
	*end = m->span[2 * n + 1];
	return true;
}

/* ---- the C initializer ----------------------------------------------------- */

struct rx_out {
	char *buf;
	size_t cap, len;
};

static void rx_out_str(struct rx_out *o, const char *s)
{
	for (; *s; s++, o->len++)
		if (o->len + 1 < o->cap)
			o->buf[o->len] = *s;
}

static void rx_out_num(struct rx_out *o, unsigned long n)
{
	char d[24];
	int i = 0;

	do {
		d[i++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (i > 0) {
		char one[2] = { d[--i], '\0' };
		rx_out_str(o, one);
	}
}

static const char *const rx_op_names[SONDE_RX_NOPS] = {
	"SONDE_RX_MATCH", "SONDE_RX_CHAR", "SONDE_RX_ANY", "SONDE_RX_SET", "SONDE_RX_SPLIT",
	"SONDE_RX_JMP", "SONDE_RX_SAVE", "SONDE_RX_BOL", "SONDE_RX_EOL",
};

size_t sonde_regex_emit_c(const struct sonde_regex_prog *p, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	struct rx_out o = { buf, cap, 0 };
	unsigned ninst = p->ninst <= SONDE_REGEX_MAXINST ? p->ninst : SONDE_REGEX_MAXINST;
	unsigned nsets = p->nsets <= SONDE_REGEX_MAXSETS ? p->nsets : SONDE_REGEX_MAXSETS;

	rx_out_str(&o, "{ .ninst = ");
	rx_out_num(&o, ninst);
	rx_out_str(&o, ", .ngroups = ");
	rx_out_num(&o, p->ngroups);
	rx_out_str(&o, ", .nsets = ");
	rx_out_num(&o, nsets);
	rx_out_str(&o, ", .anchored = ");
	rx_out_num(&o, p->anchored);
	rx_out_str(&o, ", .inst = {\n");
	for (unsigned pc = 0; pc < ninst; pc++) {
		const struct sonde_regex_inst *in = &p->inst[pc];
		rx_out_str(&o, "\t{ ");
		rx_out_str(&o, in->op < SONDE_RX_NOPS ? rx_op_names[in->op] : "SONDE_RX_NOPS");
		rx_out_str(&o, ", ");
		rx_out_num(&o, in->arg);
		rx_out_str(&o, ", ");
		rx_out_num(&o, in->x);
		rx_out_str(&o, ", ");
		rx_out_num(&o, in->y);
		rx_out_str(&o, " },\n");
	}
	rx_out_str(&o, "}");
	if (nsets) {
		rx_out_str(&o, ", .sets = {\n");
		for (unsigned i = 0; i < nsets; i++) {
			rx_out_str(&o, "\t{ ");
			for (unsigned b = 0; b < 32; b++) {
				char x[7] = { '0', 'x', hex[p->sets[i][b] >> 4], hex[p->sets[i][b] & 15],
					      ',', ' ', '\0' };
				if (b == 31)
					x[4] = '\0';
				rx_out_str(&o, x);
			}
			rx_out_str(&o, " },\n");
		}
		rx_out_str(&o, "}");
	}
	rx_out_str(&o, " }");
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len;
}
