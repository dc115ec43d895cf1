/*
 * format.c - the printf engine of the probe language (see format.h).
 *
 * Data model.  Output goes through a `struct out` sink that stores at
 * most cap-1 bytes and remembers the first three bytes that did not fit:
 * enough to tell, when the output is cut, whether a UTF-8 character
 * straddles the cut (sonde_utf8_cut then drops it whole).  Once the sink
 * is full and has its three lookahead bytes, every further write is a
 * no-op, so a huge width costs nothing.
 *
 * A conversion is parsed into a `struct spec` (flags, width, precision,
 * conversion letter) and then consumes at most one argument.  Arguments
 * are checked, never trusted: a missing argument, one of the wrong type,
 * or a malformed spec prints "<bad format>" and formatting continues.
 *
 * Semantics follow C's printf where they overlap (so snprintf is a test
 * oracle), with SystemTap's extensions:
 *   %u %x %X %o   the int64 value reinterpreted as uint64
 *   %p            "0x" and at least 16 lowercase hex digits, always
 *   %c            the low byte of the value
 *   %b            the value's raw bytes in host order: 1, 2, 4 or 8 of them
 *                 (precision, else width, else 8), NUL-padded to the width
 *   %s            the string; a precision caps its bytes at a UTF-8 boundary
 *   %m            the string's raw bytes, at most precision of them
 *   %M            the same bytes as lowercase hex pairs
 *   h l L q j z t length modifiers are accepted and ignored
 *
 * Builds in the kernel: no floating point, no allocation, small stack.
 * (64-bit division is used for decimal digits, which 64-bit kernels do
 * natively.)
 */
#include "platform.h"
#include "format.h"
#include "strings.h"

#define BAD_FORMAT "<bad format>"
#define MAX_FIELD (1 << 20)     /* widths/precisions beyond this are clamped */

/* ---- output sink ------------------------------------------------------- */

struct out {
	char *buf;
	size_t cap;             /* >= 1 */
	size_t len;             /* bytes stored, <= cap - 1 */
	char over[3];           /* first bytes that did not fit */
	int nover;
	bool cut;               /* some output was dropped */
};

static bool out_done(const struct out *o)
{
	return o->nover == (int)sizeof(o->over);
}

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->cap) {
		o->buf[o->len++] = c;
		return;
	}
	o->cut = true;
	if (!out_done(o))
		o->over[o->nover++] = c;
}

static void put_n(struct out *o, const char *s, size_t n)
{
	while (n-- && !out_done(o))
		put(o, *s++);
}

static void put_str(struct out *o, const char *s)
{
	put_n(o, s, strlen(s));
}

static void pad(struct out *o, char c, int64_t n)
{
	while (n-- > 0 && !out_done(o))
		put(o, c);
}

/*
 * Terminates the output.  When something was cut, the last few stored
 * bytes and the lookahead bytes form a window around the cut; cutting the
 * window at the same spot tells how many stored bytes to give back.
 */
static size_t out_finish(struct out *o)
{
	char win[4 + sizeof(o->over)];
	size_t keep, before;

	if (o->cut) {
		before = o->len < 4 ? o->len : 4;
		memcpy(win, o->buf + o->len - before, before);
		memcpy(win + before, o->over, o->nover);
		keep = sonde_utf8_cut(win, before + o->nover, before);
		o->len -= before - keep;
	}
	o->buf[o->len] = '\0';
	return o->len;
}

/* ---- conversion specs -------------------------------------------------- */

enum {
	F_LEFT = 1,             /* - */
	F_PLUS = 2,             /* + */
	F_SPACE = 4,            /* space */
	F_ZERO = 8,             /* 0 */
	F_ALT = 16,             /* # */
};

struct spec {
	int flags;
	int width;              /* 0 = none */
	int prec;               /* -1 = none */
	char conv;
	bool bad;               /* a '*' had no SONDE_LONG argument */
};

struct fmt_state {
	struct out o;
	const struct sonde_arg *args;
	int nargs;
	int next;               /* next argument to consume */
};

/* The next argument if it has the wanted type; consumes it either way. */
static const struct sonde_arg *take(struct fmt_state *st, int type)
{
	const struct sonde_arg *a;

	if (st->next >= st->nargs)
		return NULL;
	a = &st->args[st->next++];
	return a->type == type ? a : NULL;
}

static int clamp_field(uint64_t v)
{
	return v > MAX_FIELD ? MAX_FIELD : (int)v;
}

static int parse_digits(const char **pp)
{
	uint64_t v = 0;

	while (**pp >= '0' && **pp <= '9') {
		if (v <= MAX_FIELD)
			v = v * 10 + (**pp - '0');
		(*pp)++;
	}
	return clamp_field(v);
}

static int flag_bit(char c)
{
	switch (c) {
	case '-': return F_LEFT;
	case '+': return F_PLUS;
	case ' ': return F_SPACE;
	case '0': return F_ZERO;
	case '#': return F_ALT;
	default: return 0;
	}
}

/* Length modifiers mean nothing here: every number is an int64. */
static bool is_length_mod(char c)
{
	return c == 'h' || c == 'l' || c == 'L' || c == 'q' || c == 'j' ||
	       c == 'z' || c == 't';
}

/* A '*' width: negative means left-justify, as in C. */
static void star_width(struct fmt_state *st, struct spec *sp)
{
	const struct sonde_arg *a = take(st, SONDE_LONG);

	if (!a) {
		sp->bad = true;
		return;
	}
	if (a->n < 0) {
		sp->flags |= F_LEFT;
		sp->width = clamp_field(0 - (uint64_t)a->n); /* no INT64_MIN UB */
	} else {
		sp->width = clamp_field((uint64_t)a->n);
	}
}

/* A '*' precision: negative means none, as in C. */
static void star_prec(struct fmt_state *st, struct spec *sp)
{
	const struct sonde_arg *a = take(st, SONDE_LONG);

	if (!a)
		sp->bad = true;
	else
		sp->prec = a->n < 0 ? -1 : clamp_field((uint64_t)a->n);
}

/* Parses the spec after a '%'; returns where formatting continues. */
static const char *parse_spec(struct fmt_state *st, const char *p, struct spec *sp)
{
	int bit;

	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	while ((bit = flag_bit(*p)) != 0) {
		sp->flags |= bit;
		p++;
	}
	if (*p == '*') {
		star_width(st, sp);
		p++;
	} else {
		sp->width = parse_digits(&p);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			star_prec(st, sp);
			p++;
		} else {
			sp->prec = parse_digits(&p);    /* "." alone means 0 */
		}
	}
	while (is_length_mod(*p))
		p++;
	sp->conv = *p;
	return *p ? p + 1 : p;  /* a '%' at the very end stays bad */
}

/* ---- numbers ----------------------------------------------------------- */

/* What an integer conversion prints around its digits. */
struct num_parts {
	uint64_t u;             /* magnitude */
	unsigned base;
	bool upper;
	char sign;              /* 0, '-', '+' or ' ' */
	const char *prefix;     /* "", "0x" or "0X" */
	int prec;               /* minimum digits; -1 = none given */
	bool zero_ok;           /* the 0 flag may pad (no explicit precision) */
};

/* Digits of u in base, most significant first; returns the count. */
static int to_digits(char *d, uint64_t u, unsigned base, bool upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];           /* 22 octal digits for 64 bits */
	int n = 0, i;

	do {
		tmp[n++] = set[u % base];
		u /= base;
	} while (u);
	for (i = 0; i < n; i++)
		d[i] = tmp[n - 1 - i];
	return n;
}

/* Lays out sign, prefix, zeros, digits and padding, as C does. */
static void emit_number(struct out *o, const struct spec *sp,
			const struct num_parts *np)
{
	char d[24];
	int nd, prec = np->prec < 0 ? 1 : np->prec;
	int64_t zeros, body, fill;

	/* An explicit precision of 0 prints no digits for 0. */
	nd = (np->u == 0 && prec == 0) ? 0 : to_digits(d, np->u, np->base, np->upper);
	/* %#o: force a leading 0 (C raises the precision just enough). */
	if (np->base == 8 && (sp->flags & F_ALT) && (nd == 0 || d[0] != '0') &&
	    prec <= nd)
		prec = nd + 1;
	zeros = prec > nd ? prec - nd : 0;
	body = (np->sign != 0) + (int64_t)strlen(np->prefix) + zeros + nd;
	fill = sp->width > body ? sp->width - body : 0;
	if ((sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && np->zero_ok) {
		zeros += fill;
		fill = 0;
	}
	if (!(sp->flags & F_LEFT))
		pad(o, ' ', fill);
	if (np->sign)
		put(o, np->sign);
	put_str(o, np->prefix);
	pad(o, '0', zeros);
	put_n(o, d, nd);
	if (sp->flags & F_LEFT)
		pad(o, ' ', fill);
}

static char sign_of(const struct spec *sp, int64_t v)
{
	if (v < 0)
		return '-';
	if (sp->flags & F_PLUS)
		return '+';
	if (sp->flags & F_SPACE)
		return ' ';
	return 0;
}

/* %d %i %u %x %X %o %p */
static void fmt_integer(struct out *o, const struct spec *sp, int64_t v)
{
	struct num_parts np = {
		.u = (uint64_t)v, .base = 10, .sign = 0, .prefix = "",
		.prec = sp->prec, .zero_ok = sp->prec < 0,
	};

	switch (sp->conv) {
	case 'd':
	case 'i':
		np.sign = sign_of(sp, v);
		/* 0 - u is the magnitude even for INT64_MIN */
		np.u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
		break;
	case 'o':
		np.base = 8;
		break;
	case 'x':
	case 'X':
		np.base = 16;
		np.upper = sp->conv == 'X';
		if ((sp->flags & F_ALT) && v != 0)
			np.prefix = np.upper ? "0X" : "0x";
		break;
	case 'p':
		np.base = 16;
		np.prefix = "0x";
		if (np.prec < 0)
			np.prec = 16;
		break;
	}
	emit_number(o, sp, &np);
}

/* ---- characters, bytes and strings ------------------------------------- */

/* Pads a field of n bytes to the width: call before and after the body. */
static void field_pad(struct out *o, const struct spec *sp, int64_t n, bool after)
{
	if (!!(sp->flags & F_LEFT) == after)
		pad(o, ' ', sp->width - n);
}

static void fmt_char(struct out *o, const struct spec *sp, int64_t v)
{
	field_pad(o, sp, 1, false);
	put(o, (char)(v & 0xff));
	field_pad(o, sp, 1, true);
}

/* 1, 2, 4 or 8 (the sizes %b can write), else 0. */
static int binary_size(int n)
{
	return (n == 1 || n == 2 || n == 4 || n == 8) ? n : 0;
}

/* %b: the value's bytes as the host stores an integer of that size. */
static void fmt_binary(struct out *o, const struct spec *sp, int64_t v)
{
	int8_t b1 = (int8_t)v;
	int16_t b2 = (int16_t)v;
	int32_t b4 = (int32_t)v;
	const void *src = &v;
	int n = binary_size(sp->prec);

	if (!n)
		n = binary_size(sp->width);
	if (!n)
		n = 8;
	if (n == 1)
		src = &b1;
	else if (n == 2)
		src = &b2;
	else if (n == 4)
		src = &b4;
	if (!(sp->flags & F_LEFT))
		pad(o, '\0', sp->width - n);
	put_n(o, src, n);
	if (sp->flags & F_LEFT)
		pad(o, '\0', sp->width - n);
}

/*
 * Bytes of s that a conversion can use: at most max (-1 = unlimited),
 * and never more than could reach the output or decide its padding.
 */
static size_t arg_len(const struct out *o, const struct spec *sp,
		      const char *s, int max)
{
	size_t bound = o->cap + sizeof(o->over) + (size_t)sp->width;

	if (max >= 0 && (size_t)max < bound)
		bound = max;
	return sonde_strnlen(s, bound);
}

static void fmt_string(struct out *o, const struct spec *sp, const char *s)
{
	size_t n;

	if (sp->prec >= 0)      /* cap at prec bytes, on a character boundary */
		n = sonde_utf8_cut(s, arg_len(o, sp, s, sp->prec + 3), sp->prec);
	else
		n = arg_len(o, sp, s, -1);
	field_pad(o, sp, n, false);
	put_n(o, s, n);
	field_pad(o, sp, n, true);
}

bool (*sonde_format_read_memory)(void *dst, uint64_t addr, size_t n);

/* Bytes a %m / %M reads at most (its precision is the byte count). */
#define MEMORY_MAX MAXSTRINGLEN

/*
 * %m: the bytes at an address, raw; %M: the same in hex, two digits a
 * byte.  The precision is the number of bytes (1 without one), read in
 * small chunks through sonde_format_read_memory; memory that cannot be
 * read prints as "<bad address>".
 */
static void fmt_memory(struct out *o, const struct spec *sp, int64_t addr)
{
	static const char hex[] = "0123456789abcdef";
	bool in_hex = sp->conv == 'M';
	size_t n = sp->prec >= 0 ? (size_t)sp->prec : 1;
	unsigned char chunk[64];

	if (n > MEMORY_MAX)
		n = MEMORY_MAX;
	field_pad(o, sp, in_hex ? 2 * (int64_t)n : (int64_t)n, false);
	for (size_t done = 0; done < n && !out_done(o); ) {
		size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
		if (!sonde_format_read_memory ||
		    !sonde_format_read_memory(chunk, (uint64_t)addr + done, k)) {
			put_str(o, "<bad address>");
			return;
		}
		for (size_t i = 0; i < k; i++) {
			if (in_hex) {
				put(o, hex[chunk[i] >> 4]);
				put(o, hex[chunk[i] & 0xf]);
			} else {
				put(o, (char)chunk[i]);
			}
		}
		done += k;
	}
	field_pad(o, sp, in_hex ? 2 * (int64_t)n : (int64_t)n, true);
}

/* ---- dispatch ---------------------------------------------------------- */

static bool is_long_conv(char c)
{
	return c == 'd' || c == 'i' || c == 'u' || c == 'x' || c == 'X' ||
	       c == 'o' || c == 'p' || c == 'c' || c == 'b' || c == 'm' || c == 'M';
}

static bool is_string_conv(char c)
{
	return c == 's';
}

static void convert_long(struct out *o, const struct spec *sp, int64_t v)
{
	if (sp->conv == 'c')
		fmt_char(o, sp, v);
	else if (sp->conv == 'm' || sp->conv == 'M')
		fmt_memory(o, sp, v);
	else if (sp->conv == 'b')
		fmt_binary(o, sp, v);
	else
		fmt_integer(o, sp, v);
}

static void convert_string(struct out *o, const struct spec *sp, const char *s)
{
	fmt_string(o, sp, s ? s : "");
}

/* Prints one parsed conversion, consuming its argument. */
static void convert(struct fmt_state *st, const struct spec *sp)
{
	const struct sonde_arg *a = NULL;

	if (sp->conv == '%' && !sp->bad) {
		put(&st->o, '%');
		return;
	}
	if (is_long_conv(sp->conv))
		a = take(st, SONDE_LONG);
	else if (is_string_conv(sp->conv))
		a = take(st, SONDE_STRING);
	if (!a || sp->bad)
		put_str(&st->o, BAD_FORMAT);
	else if (a->type == SONDE_LONG)
		convert_long(&st->o, sp, a->n);
	else
		convert_string(&st->o, sp, a->s);
}

size_t sonde_format(char *dst, size_t cap, const char *fmt,
		    const struct sonde_arg *args, int nargs)
{
	struct fmt_state st = { .o = { .buf = dst, .cap = cap },
				.args = args, .nargs = args ? nargs : 0 };
	struct spec sp;
	const char *p = fmt ? fmt : "";

	if (!dst || cap == 0)
		return 0;
	while (*p && !out_done(&st.o)) {
		if (*p != '%') {
			put(&st.o, *p++);
			continue;
		}
		p = parse_spec(&st, p + 1, &sp);
		convert(&st, &sp);
	}
	return out_finish(&st.o);
}

size_t sonde_format_long(char *dst, size_t cap, int64_t v)
{
	static const struct spec dec = { .conv = 'd', .prec = -1 };
	struct out o = { .buf = dst, .cap = cap };

	if (!dst || cap == 0)
		return 0;
	fmt_integer(&o, &dec, v);
	return out_finish(&o);
}
