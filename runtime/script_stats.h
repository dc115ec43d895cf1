/*
 * script_stats.h - the statistics operations generated code calls: the
 * runtime core's aggregates (core/stat.h, core/map.h) joined to a probe
 * context, so that their failures become script errors and histograms
 * stream into the hit's output.  Both runtimes (kernel/runtime.h and
 * user/runtime.h) include it after declaring the context services.
 */
#ifndef SONDE_SCRIPT_STATS_H
#define SONDE_SCRIPT_STATS_H

#include "core/stat.h"

/* @count(s) ... @variance(s): op is an enum sonde_stat_op.  s is NULL for
 * an array element no CPU holds: @count is 0, the others are errors, as
 * for an empty statistic. */
static inline int64_t sonde_stat_extract(struct sonde_context *c, const char *near,
					 const struct sonde_stat *s, int op)
{
	int64_t v = 0;

	if (!s) {
		if (op != SONDE_STAT_COUNT)
			sonde_error(c, near, "empty aggregate");
		return 0;
	}
	if (sonde_stat_get(s, op, &v) != SONDE_STAT_OK)
		sonde_error(c, near, "empty aggregate");
	return v;
}

/* @hist_*(s)[i]: an index past the buckets is an error. */
static inline int64_t sonde_stat_bucket_checked(struct sonde_context *c, const char *near,
						const struct sonde_stat *s, int64_t i)
{
	int64_t v = 0;

	if (!s)
		return 0;   /* an absent element: every bucket is empty */
	if (sonde_stat_bucket(s, i, &v) != SONDE_STAT_OK)
		sonde_error(c, near, "histogram bucket %lld out of range (0 to %d)",
			    (long long)i, sonde_stat_nbuckets(s) - 1);
	return v;
}

/* A consistent copy of a statistics array to iterate: every CPU's part
 * merged.  NULL (after a script error) when the CPUs together hold more
 * keys than the array can. */
static inline struct sonde_map *sonde_stats_snapshot(struct sonde_context *c, const char *near,
						     struct sonde_pmap *pm)
{
	int status = SONDE_MAP_OK;
	struct sonde_map *m = sonde_pmap_aggregate(pm, &status);

	if (status != SONDE_MAP_OK) {
		sonde_error(c, near, "aggregation overflow: the CPUs together hold more keys "
			    "than the array's size (raise it with 'global a[N]')");
		return NULL;
	}
	return m;
}

static inline void sonde_hist_drain(struct sonde_sink *out, void *arg)
{
	sonde_print((struct sonde_context *)arg, out->buf, out->len);
}

/* print(@hist_*(s)): streamed through a small buffer, so any histogram
 * fits.  An absent element prints as an empty histogram would. */
static inline void sonde_print_hist(struct sonde_context *c, const struct sonde_stat *s)
{
	char buf[256];
	struct sonde_sink out;

	sonde_sink_init_drain(&out, buf, sizeof(buf), sonde_hist_drain, c);
	if (s)
		sonde_stat_print_hist(s, &out);
	else
		sonde_sink_write(&out, "value |-------------------------------------------------- count\n\n", 65);
	sonde_sink_flush(&out);
}

/* sprint(@hist_*(s)): its first cap-1 bytes. */
static inline void sonde_hist_sprint(char *dst, size_t cap, const struct sonde_stat *s)
{
	struct sonde_sink out;

	sonde_sink_init(&out, dst, cap);
	if (s)
		sonde_stat_print_hist(s, &out);
}

/* What autoprint shows of a statistic: " @count=3 @min=1 @max=5 @sum=9
 * @avg=3" and a newline (min, max and avg of an empty one print 0). */
static inline void sonde_print_stat_summary(struct sonde_context *c, const struct sonde_stat *s)
{
	struct sonde_arg v[5];
	static const int ops[5] = { SONDE_STAT_COUNT, SONDE_STAT_MIN, SONDE_STAT_MAX,
				    SONDE_STAT_SUM, SONDE_STAT_AVG };

	for (int i = 0; i < 5; i++) {
		v[i].type = SONDE_LONG;
		v[i].n = 0;
		if (s)
			sonde_stat_get(s, ops[i], &v[i].n);
	}
	sonde_printf(c, " @count=%d @min=%d @max=%d @sum=%d @avg=%d\n", v, 5);
}

#endif
