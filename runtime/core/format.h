/*
 * format.h - printf-style formatting of probe-language values.
 *
 * The format string comes from the script and has been checked by the
 * compiler against the argument types; the runtime still never trusts it:
 * a conversion without a matching argument, or of the wrong type, prints
 * "<bad format>" instead of reading past the array.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %b %m %M %%, flags "-+ 0#",
 * width and precision (numbers or '*', taken from a SONDE_LONG argument).
 */
#ifndef SONDE_FORMAT_H
#define SONDE_FORMAT_H

#include "value.h"

/*
 * Formats into dst (capacity cap >= 1, always NUL-terminated).  Output
 * longer than cap-1 is cut at a UTF-8 character boundary.  Returns the
 * number of bytes stored (excluding the NUL).  The output can hold NUL
 * bytes of its own (%b, %c of 0), so use the returned length.
 */
size_t sonde_format(char *dst, size_t cap, const char *fmt,
		    const struct sonde_arg *args, int nargs);

/*
 * How %m and %M read memory at an address: n bytes at addr into dst, false
 * when they cannot be read.  Set by the runtime (the kernel's fault-safe
 * reader); NULL, the default, reads nothing ("<bad address>").
 */
extern bool (*sonde_format_read_memory)(void *dst, uint64_t addr, size_t n);

/* Decimal text of v into dst (cap >= 21); returns length. */
size_t sonde_format_long(char *dst, size_t cap, int64_t v);

#endif
