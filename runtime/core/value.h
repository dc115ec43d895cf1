/*
 * value.h - the value types shared by maps, formatting and generated code.
 */
#ifndef SONDE_VALUE_H
#define SONDE_VALUE_H

#include "platform.h"

enum sonde_type {
	SONDE_LONG = 1,
	SONDE_STRING = 2,
	SONDE_STATS = 3,
};

/* One argument of printf-like formatting, or one key of a map. */
struct sonde_arg {
	int type;                /* SONDE_LONG or SONDE_STRING */
	union {
		int64_t n;
		const char *s;
	};
};

#define SONDE_ARG_LONG(v) ((struct sonde_arg){ .type = SONDE_LONG, .n = (v) })
#define SONDE_ARG_STR(v) ((struct sonde_arg){ .type = SONDE_STRING, .s = (v) })

#endif
