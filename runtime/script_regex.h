/*
 * script_regex.h - what a probe context keeps of its last successful
 * regular-expression match, so that the tapset functions matched(n) and
 * ngroups() can read its groups (tapsets/regex.stp).  Both runtimes
 * (kernel/runtime.h and user/runtime.h) put one in struct sonde_context;
 * it is forgotten at the start of every hit.
 */
#ifndef SONDE_SCRIPT_REGEX_H
#define SONDE_SCRIPT_REGEX_H

#include "core/regex.h"
#include "core/strings.h"

struct sonde_last_match {
	bool valid;                  /* a =~ succeeded in this hit */
	struct sonde_regex_match m;  /* its group spans, offsets into subject */
	char subject[MAXSTRINGLEN];  /* the string it matched (a copy: the
	                              * original may be a reused temporary) */
};

/* After a successful match whose spans are already in l->m. */
static inline void sonde_remember_match(struct sonde_last_match *l, const char *subject)
{
	l->valid = true;
	sonde_strlcpy(l->subject, subject, MAXSTRINGLEN);
}

#endif
