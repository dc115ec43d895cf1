/*
 * memory.c - reading kernel (and user) memory from probe handlers without
 * ever faulting, for target variables, @cast and the memory tapset; the
 * probed function's argument registers; pretty-printed values.
 *
 * Every read goes through copy_from_kernel_nofault() or a *_nofault string
 * copy: a bad pointer (NULL, freed, a user address) makes the read fail,
 * and the caller turns that into the script error "invalid kernel address
 * 0x... (reading WHAT)" near the script's operator.  Handlers run with
 * preemption disabled, which these functions allow.
 */
#include <linux/uaccess.h>

bool sonde_kread_nofault(void *dst, uint64_t addr, size_t n)
{
	return copy_from_kernel_nofault(dst, (const void *)(unsigned long)addr, n) == 0;
}

/* The longest string a buffer of MAXSTRINGLEN holds, capped by max. */
static long sonde_str_room(int64_t max)
{
	return max > 0 && max < MAXSTRINGLEN ? (long)max : MAXSTRINGLEN - 1;
}

/*
 * Copies the string at addr into dst, up to its NUL and at most `room`
 * bytes, always NUL-terminated.  (The kernel's strncpy_from_*_nofault are
 * not exported to modules.)  It reads a page at a time, so a string that
 * ends just before an unreadable page is read whole; false when a byte
 * before the NUL cannot be read.
 */
static bool sonde_str_nofault(char *dst, uint64_t addr, long room, bool user)
{
	long got = 0;

	while (got < room) {
		uint64_t at = addr + got;
		long chunk = min_t(long, room - got, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
		long rc = user ? copy_from_user_nofault(dst + got, (const void __user *)(unsigned long)at, chunk)
			       : copy_from_kernel_nofault(dst + got, (const void *)(unsigned long)at, chunk);
		char *nul;

		if (rc) {
			dst[got] = '\0';
			return false;
		}
		nul = memchr(dst + got, '\0', chunk);
		got += chunk;
		if (nul)
			return true;
	}
	dst[room] = '\0';
	return true;
}

bool sonde_kread_str_nofault(char *dst, uint64_t addr, int64_t max)
{
	return sonde_str_nofault(dst, addr, sonde_str_room(max), false);
}

bool sonde_uread_str_nofault(char *dst, uint64_t addr, int64_t max)
{
	return sonde_str_nofault(dst, addr, sonde_str_room(max), true);
}

void sonde_kread_fault(struct sonde_context *c, const char *loc, const char *what,
		       uint64_t addr)
{
	if (what)
		sonde_error(c, loc, "invalid kernel address 0x%llx (reading %s)",
			    (unsigned long long)addr, what);
	else
		sonde_error(c, loc, "invalid kernel address 0x%llx", (unsigned long long)addr);
}

/* size bytes (1, 2, 4, 8) of raw as an integer, sign- or zero-extended. */
static int64_t sonde_extend(uint64_t raw, int size, bool is_signed)
{
	switch (size) {
	case 1: return is_signed ? (int64_t)(s8)raw : (int64_t)(u8)raw;
	case 2: return is_signed ? (int64_t)(s16)raw : (int64_t)(u16)raw;
	case 4: return is_signed ? (int64_t)(s32)raw : (int64_t)(u32)raw;
	default: return (int64_t)raw;
	}
}

int64_t sonde_kread_int(struct sonde_context *c, const char *loc, const char *what,
			uint64_t addr, int size, bool is_signed)
{
	uint64_t raw = 0;

	if (size < 1 || size > 8 || !sonde_kread_nofault(&raw, addr, size)) {
		sonde_kread_fault(c, loc, what, addr);
		return 0;
	}
	return sonde_extend(raw, size, is_signed);   /* (little-endian: raw holds the value) */
}

uint64_t sonde_kread_ptr(struct sonde_context *c, const char *loc, const char *what,
			 uint64_t addr)
{
	return (uint64_t)sonde_kread_int(c, loc, what, addr, 8, false);
}

static int64_t sonde_bits(uint64_t raw, int shift, int width, bool is_signed)
{
	raw >>= shift;
	if (width >= 64)
		return (int64_t)raw;
	raw &= (1ULL << width) - 1;
	if (is_signed && (raw >> (width - 1)) & 1)
		raw |= ~0ULL << width;
	return (int64_t)raw;
}

int64_t sonde_kread_bits(struct sonde_context *c, const char *loc, const char *what,
			 uint64_t addr, int nbytes, int shift, int width, bool is_signed)
{
	uint64_t raw = 0;

	if (nbytes < 1 || nbytes > 8 || width < 1 || !sonde_kread_nofault(&raw, addr, nbytes)) {
		sonde_kread_fault(c, loc, what, addr);
		return 0;
	}
	return sonde_bits(raw, shift, width, is_signed);
}

const char *sonde_kread_string(struct sonde_context *c, const char *loc, const char *what,
			       char *dst, uint64_t addr, int64_t max)
{
	if (!sonde_kread_str_nofault(dst, addr, max))
		sonde_kread_fault(c, loc, what, addr);
	return dst;
}

const char *sonde_arg_error(struct sonde_context *c, int64_t n)
{
	if (!c->regs || !c->probe || c->probe->kind != SONDE_PROBE_KPROBE)
		return c->ri ? "function arguments are not available in a .return probe"
			     : "function arguments exist only in kernel.function and kprobe probes";
	if (n < 1 || n > 6)
		return "the argument number must be from 1 to 6 (the argument registers)";
	return NULL;
}

/* ---- pretty-printing ---------------------------------------------------- */

/* Appends n bytes of s to dst (*len bytes used), within MAXSTRINGLEN. */
static void sonde_put(char *dst, size_t *len, const char *s, size_t n)
{
	size_t room = MAXSTRINGLEN - 1 - *len;

	if (n > room)
		n = room;
	memcpy(dst + *len, s, n);
	*len += n;
	dst[*len] = '\0';
}

/* Appends s as a "quoted" string, escaping what would not print. */
static void sonde_put_quoted(char *dst, size_t *len, const char *s)
{
	char esc[5];

	sonde_put(dst, len, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = *s;
		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = ch;
			sonde_put(dst, len, esc, 2);
		} else if (ch == '\n') {
			sonde_put(dst, len, "\\n", 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			sonde_put(dst, len, esc, scnprintf(esc, sizeof(esc), "\\%03o", ch));
		} else {
			sonde_put(dst, len, s, 1);
		}
	}
	sonde_put(dst, len, "\"", 1);
}

/* One value of a pretty-printed text; false after a script error. */
static bool sonde_pretty_value(struct sonde_context *c, const char *loc, const char *what,
			       char *dst, size_t *len, char *str, uint64_t base,
			       const struct sonde_pretty *it)
{
	char num[32];
	uint64_t raw = base, addr = base + it->offset;
	int size = it->size < 1 || it->size > 8 ? 8 : it->size;
	int64_t v;

	if (it->kind == SONDE_PRETTY_CHARS) {
		if (!sonde_kread_str_nofault(str, addr, it->size))
			goto fault;
		sonde_put_quoted(dst, len, str);
		return true;
	}
	if (!(it->flags & SONDE_PRETTY_DIRECT)) {
		int nbytes = it->bit_size ? (it->bit_offset + it->bit_size + 7) / 8 : size;
		raw = 0;
		if (!sonde_kread_nofault(&raw, addr, nbytes))
			goto fault;
	}
	if (it->bit_size)
		v = sonde_bits(raw, it->bit_offset, it->bit_size, it->kind == SONDE_PRETTY_INT);
	else
		v = sonde_extend(raw, size, it->kind == SONDE_PRETTY_INT);
	switch (it->kind) {
	case SONDE_PRETTY_INT:
		sonde_put(dst, len, num, scnprintf(num, sizeof(num), "%lld", (long long)v));
		return true;
	case SONDE_PRETTY_UINT:
		sonde_put(dst, len, num, scnprintf(num, sizeof(num), "%llu", (unsigned long long)v));
		return true;
	case SONDE_PRETTY_STRPTR:
		if (v && sonde_kread_str_nofault(str, (uint64_t)v, 0)) {
			sonde_put_quoted(dst, len, str);
			return true;
		}
		fallthrough;
	default:
		sonde_put(dst, len, num, scnprintf(num, sizeof(num), "0x%llx", (unsigned long long)v));
		return true;
	}
fault:
	sonde_kread_fault(c, loc, what, addr);
	return false;
}

const char *sonde_pretty(struct sonde_context *c, const char *loc, const char *what, char *dst,
			 char *scratch, const uint64_t *bases, const struct sonde_pretty *items, int n)
{
	size_t len = 0;
	int i;

	dst[0] = '\0';
	for (i = 0; i < n && len < MAXSTRINGLEN - 1; i++) {
		sonde_put(dst, &len, items[i].text, strlen(items[i].text));
		if (items[i].kind != SONDE_PRETTY_TEXT &&
		    !sonde_pretty_value(c, loc, what, dst, &len, scratch, bases[items[i].base],
					&items[i]))
			break;
	}
	return dst;
}
