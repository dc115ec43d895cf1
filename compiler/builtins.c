/*
 * builtins.c - the table of translator-implemented functions and the
 * compile-time reading of printf formats.
 */
#include <stdio.h>
#include <string.h>
#include "builtins.h"

static const Builtin builtins[] = {
	/* ORDER BUILTIN */
	{ "printf", BI_PRINTF, 1, -1, TY_UNKNOWN },
	{ "sprintf", BI_SPRINTF, 1, -1, TY_STRING },
	{ "print", BI_PRINT, 1, -1, TY_UNKNOWN },
	{ "println", BI_PRINTLN, 0, -1, TY_UNKNOWN },
	{ "sprint", BI_SPRINT, 1, -1, TY_STRING },
	{ "sprintln", BI_SPRINTLN, 0, -1, TY_STRING },
	{ "printd", BI_PRINTD, 2, -1, TY_UNKNOWN },
	{ "printdln", BI_PRINTDLN, 2, -1, TY_UNKNOWN },
	{ "sprintd", BI_SPRINTD, 2, -1, TY_STRING },
	{ "sprintdln", BI_SPRINTDLN, 2, -1, TY_STRING },
	{ "exit", BI_EXIT, 0, 0, TY_UNKNOWN },
	{ "error", BI_ERROR, 1, 1, TY_UNKNOWN },
	{ "returnval", BI_RETURNVAL, 0, 0, TY_LONG },
	{ "target", BI_TARGET, 0, 0, TY_LONG },
};

const Builtin *builtin_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

int builtin_count(void)
{
	return (int)(sizeof(builtins) / sizeof(builtins[0]));
}

const Builtin *builtin_at(int i)
{
	return &builtins[i];
}

const Builtin *builtin_get(BuiltinId id)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (builtins[i].id == id)
			return &builtins[i];
	return NULL;
}

/* Skips flags, width and precision of one conversion; '*' consumes a long. */
static const char *skip_spec(const char *p, Type *types, int max, int *n)
{
	while (*p && strchr("-+ 0#", *p))
		p++;
	for (int part = 0; part < 2; part++) {
		if (*p == '*') {
			if (*n < max)
				types[*n] = TY_LONG;
			(*n)++;
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				p++;
		}
		if (part == 0 && *p == '.')
			p++;
		else
			break;
	}
	/* length modifiers are accepted and ignored, as SystemTap does */
	while (*p && strchr("hlLjzt", *p))
		p++;
	return p;
}

int format_error_at, format_error_len;

int format_arg_types(const char *fmt, Type *types, int max, const char **err)
{
	int n = 0;
	static char msg[64];

	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		const char *start = p;
		p = skip_spec(p + 1, types, max, &n);
		format_error_at = (int)(start - fmt);
		format_error_len = (int)(p - start) + (*p != '\0');
		Type t;
		switch (*p) {
		case '%':
			continue;
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
		case 'c': case 'p': case 'b':
		case 'm': case 'M':   /* the address of the memory to print */
			t = TY_LONG;
			break;
		case 's':
			t = TY_STRING;
			break;
		case '\0':
			*err = "format string ends in the middle of a conversion "
			       "(write %% for a literal '%')";
			return -1;
		default:
			snprintf(msg, sizeof(msg), "unknown conversion '%.*s' in format string",
				 format_error_len, start);
			*err = msg;
			return -1;
		}
		if (n < max)
			types[n] = t;
		n++;
	}
	return n;
}
