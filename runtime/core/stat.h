/*
 * stat.h - statistics (aggregates) of the probe language: `s <<< v`,
 * @count/@sum/@min/@max/@avg/@variance and @hist_linear/@hist_log,
 * with SystemTap's semantics (docs/runtime-core.md lists them with their
 * sources).
 *
 * Three layers:
 *   struct sonde_stat   one accumulator: count, sum, min, max, the state
 *                       @variance needs, and the histogram buckets;
 *   struct sonde_pstat  a scalar statistics global: one accumulator per
 *                       CPU plus one aggregate filled on read;
 *   stat maps           `a[k] <<< v`: see sonde_map_new_stats() and the
 *                       per-CPU struct sonde_pmap in map.h.
 *
 * Nothing here allocates after creation, nothing locks, nothing uses
 * floating point.  Every value, including INT64_MIN and INT64_MAX, is
 * handled without undefined behaviour: sums wrap (two's complement) like
 * the rest of the language's arithmetic.
 *
 * Concurrency contract (runtime/kernel): adders of one global share its
 * lock and each touches only its own CPU's accumulator (or per-CPU map);
 * reading (aggregate, extract, print), clearing and deleting take the
 * global's lock exclusively.
 */
#ifndef SONDE_STAT_H
#define SONDE_STAT_H

#include "value.h"
#include "limits.h"

/* ---- the histogram a statistic keeps ---------------------------------- */

enum sonde_hist_kind {
	SONDE_HIST_NONE = 0,
	SONDE_HIST_LINEAR = 1,   /* @hist_linear(s, low, high, step) */
	SONDE_HIST_LOG = 2,      /* @hist_log(s) */
};

/*
 * What a statistic records beyond count/sum/min/max, fixed when it is
 * created (the compiler allows one histogram per statistics variable).
 *
 *   kind     SONDE_HIST_NONE, _LINEAR or _LOG.
 *   low, high, step   (linear only) low < high, step > 0, and at most
 *            SONDE_HIST_MAX_LINEAR buckets: (high - low) / step + 1.
 *   variance_shift   the bit-shift of @variance(s, shift), 0..62
 *            (SystemTap allows one shift per variable; 0 is the default).
 *
 * A zeroed spec is valid: no histogram, shift 0.
 */
struct sonde_hist_spec {
	int kind;
	int64_t low, high, step;
	int variance_shift;
};

/* Number of buckets of a valid spec, 0 for SONDE_HIST_NONE, -1 for an
 * invalid one.  Linear: (high - low) / step + 1 buckets of width step
 * starting at low, plus bucket 0 for values below low (underflow) and the
 * last one for values past the last bucket (overflow).  Log:
 * SONDE_HIST_LOG_BUCKETS (see sonde_stat_bucket_value). */
int sonde_hist_nbuckets(const struct sonde_hist_spec *spec);
bool sonde_hist_spec_valid(const struct sonde_hist_spec *spec);

#define SONDE_HIST_LOG_BUCKETS 128
#define SONDE_HIST_LOG_ZERO 64   /* the log bucket of the value 0 */

/* ---- one accumulator --------------------------------------------------- */

/*
 * The fields are private (read them through the functions below).  An
 * accumulator is sonde_stat_size(spec) bytes: this header followed by its
 * buckets.  It is either a leaf, fed by sonde_stat_add (it keeps
 * Welford's running mean and M2 for @variance), or an aggregate, fed by
 * sonde_stat_merge (it keeps the sums @variance combines the parts with).
 */
struct sonde_stat {
	int64_t count;
	int64_t sum;             /* wraps modulo 2^64 */
	int64_t min, max;        /* valid when count > 0 */
	int64_t mean_s;          /* leaf: Welford mean of v << shift */
	int64_t m2_s;            /* leaf: Welford sum of squared deviations */
	int64_t part_nmm;        /* aggregate: sum of n_i * mean_i^2 */
	int64_t part_nm;         /* aggregate: sum of n_i * mean_i */
	int64_t part_var;        /* aggregate: sum of (n_i - 1) * var_i */
	int64_t low, step;       /* linear histogram */
	int32_t nbuckets;        /* 0 without a histogram */
	uint8_t kind;            /* enum sonde_hist_kind */
	uint8_t shift;           /* variance bit-shift */
	bool merged;             /* aggregate (see above) */
	int64_t buckets[];       /* nbuckets counts */
};

/* Status codes of the functions below. */
enum {
	SONDE_STAT_OK = 0,
	SONDE_STAT_EMPTY = -1,    /* extractor on an aggregate with no samples:
				   * SystemTap's "empty aggregate" error */
	SONDE_STAT_RANGE = -2,    /* bucket index out of range */
	SONDE_STAT_NOHIST = -3,   /* the statistic keeps no histogram */
	SONDE_STAT_MISMATCH = -4, /* merge of statistics of different specs */
	SONDE_STAT_BADOP = -5,    /* unknown extractor */
	SONDE_STAT_BADCPU = -6,   /* cpu outside 0..ncpus-1 */
};

/* The extractors, in the compiler's StatOp order (ST_COUNT...). */
enum sonde_stat_op {
	SONDE_STAT_COUNT = 0,
	SONDE_STAT_SUM = 1,
	SONDE_STAT_MIN = 2,
	SONDE_STAT_MAX = 3,
	SONDE_STAT_AVG = 4,
	SONDE_STAT_VARIANCE = 5,
};

/* Bytes one accumulator of this spec takes (a multiple of 8), 0 when the
 * spec is invalid. */
size_t sonde_stat_size(const struct sonde_hist_spec *spec);

/* Makes the sonde_stat_size(spec) bytes at s an empty accumulator of spec.
 * Returns false (s untouched) when the spec is invalid. */
bool sonde_stat_init(struct sonde_stat *s, const struct sonde_hist_spec *spec);

/* Back to empty (delete of a scalar statistic), keeping its spec. */
void sonde_stat_clear(struct sonde_stat *s);

/* s <<< v.  O(1) (a few multiplications, one division by the count). */
void sonde_stat_add(struct sonde_stat *s, int64_t v);

/*
 * Adds everything src accumulated to dst (per-CPU aggregation): counts,
 * sums, min, max and buckets add up; @variance of the result is computed
 * over all the leaves merged into it as SystemTap combines its per-CPU
 * parts, whatever the order of the merges.  Merging an empty src changes
 * nothing.  Returns SONDE_STAT_OK, or SONDE_STAT_MISMATCH (dst untouched)
 * when the two were made from different specs.
 */
int sonde_stat_merge(struct sonde_stat *dst, const struct sonde_stat *src);

/* @count(s): never fails. */
int64_t sonde_stat_count(const struct sonde_stat *s);

/*
 * An extractor: op is an enum sonde_stat_op.  Stores the value in *out and
 * returns SONDE_STAT_OK; on an empty statistic stores 0 and returns
 * SONDE_STAT_EMPTY for every op but SONDE_STAT_COUNT (SystemTap reports
 * an error for any extractor but @count of an empty aggregate); an unknown
 * op stores 0 and returns SONDE_STAT_BADOP.
 *   SUM       the sum of the samples, modulo 2^64;
 *   MIN, MAX  the smallest / largest sample;
 *   AVG       sum / count, truncated toward zero;
 *   VARIANCE  the sample variance (denominator count - 1) in integer
 *             arithmetic with the spec's bit-shift, as SystemTap's
 *             @variance(s[, shift]); 0 for a single sample.  A negative
 *             result means the computation overflowed (as in SystemTap).
 */
int sonde_stat_get(const struct sonde_stat *s, int op, int64_t *out);

/* ---- buckets: @hist_*(s)[i] and foreach (i in @hist_*(s)) -------------- */

/* Number of buckets (0 without a histogram); valid indices 0..n-1. */
int sonde_stat_nbuckets(const struct sonde_stat *s);

/* The count of bucket i into *out: SONDE_STAT_OK, SONDE_STAT_NOHIST, or
 * SONDE_STAT_RANGE for i outside 0..n-1 (*out = 0 on error). */
int sonde_stat_bucket(const struct sonde_stat *s, int64_t i, int64_t *out);

/*
 * The value that labels bucket i when printed (0 when i is out of range):
 *   linear  bucket 0 (underflow, values < low) is labelled low and printed
 *           "<low"; bucket k in 1..n holds [low + (k-1)*step, low + k*step)
 *           and is labelled low + (k-1)*step (the last one starts at or
 *           below high, so high itself is in it); the overflow bucket n+1
 *           (values from low + n*step up) is labelled like bucket n and
 *           printed ">label";
 *   log     bucket 64 holds 0; bucket 64+k (k = 1..63) holds
 *           [2^(k-1), 2^k - 1] and is labelled 2^(k-1); bucket 64-k holds
 *           the negations of that range, labelled -2^(k-1); bucket 0 holds
 *           INT64_MIN alone.
 */
int64_t sonde_stat_bucket_value(const struct sonde_stat *s, int64_t i);

/* The bucket a value goes into (-1 without a histogram). */
int sonde_stat_bucket_of(const struct sonde_stat *s, int64_t v);

/* ---- printing a histogram ---------------------------------------------- */

/*
 * A bounded output buffer.  buf holds at most cap-1 bytes of text and is
 * always NUL-terminated (when cap >= 1); len counts the bytes stored.
 *
 * Without a drain (sonde_sink_init): writes that do not fit are cut (at
 * any byte: the text is ASCII) and set truncated, which stays set; several
 * prints may append to one sink.
 *
 * With a drain (sonde_sink_init_drain): when a write needs room and the
 * buffer holds cap-1 bytes, drain(out, arg) is called to consume
 * out->buf[0..out->len) (e.g. copy it to the probe's output), then the
 * buffer starts over empty; nothing is ever truncated, so output of any
 * length goes through a small buffer.  Call sonde_sink_flush at the end
 * to drain what is left.  A drain needs cap >= 2 (else it is ignored and
 * the sink truncates).  The drain must not write to the sink.
 */
struct sonde_sink {
	char *buf;
	size_t cap;
	size_t len;
	bool truncated;
	void (*drain)(struct sonde_sink *out, void *arg);
	void *arg;
};

void sonde_sink_init(struct sonde_sink *out, char *buf, size_t cap);
void sonde_sink_init_drain(struct sonde_sink *out, char *buf, size_t cap,
			   void (*drain)(struct sonde_sink *out, void *arg), void *arg);
/* Appends n bytes of p (used by the printer; handy for callers). */
void sonde_sink_write(struct sonde_sink *out, const char *p, size_t n);
/* Drains what the buffer holds (nothing without a drain or when empty). */
void sonde_sink_flush(struct sonde_sink *out);

/*
 * print(@hist_linear(...)) / print(@hist_log(...)): appends the histogram
 * in SystemTap's ASCII layout to out:
 *
 *   value |-------------------------------------------------- count
 *       0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1650
 *     200 |                                                    8
 *     400 |                                                    0
 *     600 |                                                    0
 *         ~
 *    1000 |                                                    0
 *   ...
 *   (a blank line)
 *
 * HIST_WIDTH (50) columns of bar, '@' times count / scale where scale is
 * 1, or ceil(largest count / HIST_WIDTH) when the largest count is more;
 * rows from two buckets below the lowest non-empty bucket to two above
 * the highest (a log histogram goes below the bucket of 0 only when it
 * holds negative values; the linear underflow and overflow rows only when
 * they are not empty); a run of empty buckets farther than HIST_ELISION
 * from any non-empty one collapses into one "~" line.  An empty histogram
 * prints the header line and the blank line.  Docs: docs/runtime-core.md.
 *
 * Returns SONDE_STAT_OK, or SONDE_STAT_NOHIST (nothing written) for a
 * statistic without a histogram.  Never writes past out->cap; check
 * out->truncated (a draining sink is never truncated; flush it after).
 */
int sonde_stat_print_hist(const struct sonde_stat *s, struct sonde_sink *out);

/* ---- per-CPU scalar statistic ------------------------------------------ */

struct sonde_pstat;

/*
 * A scalar statistics global: ncpus accumulators (each on its own cache
 * lines) and an aggregate.  The kernel passes nr_cpu_ids; tests pass
 * small numbers.  Load time only (allocates; may sleep).  Returns NULL
 * when out of memory, for ncpus < 1 or above SONDE_MAXCPUS, or for an
 * invalid spec.
 */
struct sonde_pstat *sonde_pstat_new(const struct sonde_hist_spec *spec, int ncpus);
void sonde_pstat_free(struct sonde_pstat *ps);

/* s <<< v on CPU cpu (smp_processor_id()): writes only that CPU's
 * accumulator.  Returns SONDE_STAT_OK, or SONDE_STAT_BADCPU (nothing
 * recorded) for a cpu outside 0..ncpus-1. */
int sonde_pstat_add(struct sonde_pstat *ps, int cpu, int64_t v);

/* Recomputes the aggregate from every CPU's accumulator and returns it;
 * it stays valid (and unchanged) until the next aggregate or clear.
 * Readers must hold the global exclusively. */
const struct sonde_stat *sonde_pstat_aggregate(struct sonde_pstat *ps);

/* delete s: every CPU's accumulator and the aggregate back to empty. */
void sonde_pstat_clear(struct sonde_pstat *ps);

#endif
