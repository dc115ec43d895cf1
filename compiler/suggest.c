/*
 * suggest.c - closest-name suggestions by Damerau-Levenshtein distance
 * (insertions, deletions, substitutions and adjacent swaps).  A candidate
 * qualifies when at most a third of the name (at least one edit) differs.
 */
#include <string.h>
#include "suggest.h"

#define MAX_NAME 64   /* longer names are not worth the quadratic table */

static int min3(int a, int b, int c)
{
	int m = a < b ? a : b;
	return m < c ? m : c;
}

static int distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	int d[MAX_NAME + 1][MAX_NAME + 1];

	if (la > MAX_NAME || lb > MAX_NAME)
		return MAX_NAME;
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++) {
		for (int j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

void suggest_init(Suggest *s, const char *want)
{
	s->want = want;
	s->best = NULL;
	s->best_dist = MAX_NAME;
}

void suggest_offer(Suggest *s, const char *candidate)
{
	if (!candidate || strcmp(candidate, s->want) == 0)
		return;
	int d = distance(s->want, candidate);
	if (d < s->best_dist) {
		s->best = candidate;
		s->best_dist = d;
	}
}

const char *suggest_result(const Suggest *s)
{
	int len = (int)strlen(s->want);
	int limit = len / 3 > 1 ? len / 3 : 1;
	return s->best && s->best_dist <= limit ? s->best : NULL;
}
