/*
 * suggest.h - "did you mean ...?" for misspelt names.  Offer every known
 * name; the closest one within a small edit distance wins.
 */
#ifndef SONDE_SUGGEST_H
#define SONDE_SUGGEST_H

typedef struct Suggest {
	const char *want;      /* the unknown name */
	const char *best;      /* closest candidate so far, or NULL */
	int best_dist;
} Suggest;

void suggest_init(Suggest *s, const char *want);
void suggest_offer(Suggest *s, const char *candidate);
/* The suggestion, or NULL when nothing is close enough. */
const char *suggest_result(const Suggest *s);

#endif
