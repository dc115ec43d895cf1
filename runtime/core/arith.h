/*
 * arith.h - integer division of the probe language, which never traps:
 * INT64_MIN / -1 wraps to INT64_MIN and INT64_MIN % -1 is 0, as in two's
 * complement arithmetic without overflow checks.  Division by zero is the
 * caller's business (a script error): b must not be 0 here.
 */
#ifndef SONDE_ARITH_H
#define SONDE_ARITH_H

#include "platform.h"

static inline int64_t sonde_div_nonzero(int64_t a, int64_t b)
{
	if (SONDE_UNLIKELY(b == -1))
		return (int64_t)(0 - (uint64_t)a);
	return a / b;
}

static inline int64_t sonde_mod_nonzero(int64_t a, int64_t b)
{
	if (SONDE_UNLIKELY(b == -1))
		return 0;
	return a % b;
}

#endif
