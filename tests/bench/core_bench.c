/*
 * core_bench.c - throughput of the runtime core in user space (make bench).
 *
 * The same sources are compiled into every module, so these figures bound
 * what a probe hit pays for a map update, a lookup, a statistic add or a
 * sprintf.  Each measurement runs a fixed number of operations five times
 * and prints the median rate on one core, in million operations per second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "core/map.h"
#include "core/format.h"
#include "core/stat.h"

#define RUNS 5

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Keeps results alive so the compiler cannot drop the measured work. */
static volatile int64_t sink;

typedef void (*bench_fn)(long n);

static void report(const char *name, const char *what, bench_fn fn, long n)
{
	double rate[RUNS];

	fn(n / 10);   /* warm caches and the map's entry pool */
	for (int r = 0; r < RUNS; r++) {
		double t0 = now_s();
		fn(n);
		rate[r] = n / (now_s() - t0) / 1e6;
	}
	qsort(rate, RUNS, sizeof(rate[0]), cmp_double);
	printf("%s: %.1f M ops/s median of %d (%s)\n", name, rate[RUNS / 2], RUNS, what);
}

/* ---- maps: one long key, 1000 distinct keys, as a counting script has -- */

static struct sonde_map *counts;

static void map_update(long n)
{
	int64_t r = 0;
	for (long i = 0; i < n; i++) {
		struct sonde_arg k = SONDE_ARG_LONG(i & 1023);
		sonde_map_add_long(counts, &k, 1, &r);
	}
	sink = r;
}

static void map_lookup(long n)
{
	int64_t s = 0;
	for (long i = 0; i < n; i++) {
		struct sonde_arg k = SONDE_ARG_LONG(i & 1023);
		s += sonde_map_get_long(counts, &k);
	}
	sink = s;
}

/* ---- statistics: a scalar `s <<< v` and a per-key `a[k] <<< v` ----------- */

static struct sonde_pstat *scalar_stat;
static struct sonde_pmap *keyed_stat;

static void stat_add(long n)
{
	for (long i = 0; i < n; i++)
		sonde_pstat_add(scalar_stat, 0, i);
}

static void stat_add_keyed(long n)
{
	for (long i = 0; i < n; i++) {
		struct sonde_arg k = SONDE_ARG_LONG(i & 1023);
		sonde_pmap_add(keyed_stat, 0, &k, i);
	}
}

/* ---- formatting: a typical trace line ------------------------------------ */

static void sprintf_line(long n)
{
	char buf[MAXSTRINGLEN];
	size_t len = 0;
	for (long i = 0; i < n; i++) {
		struct sonde_arg a[3] = { SONDE_ARG_STR("bash"), SONDE_ARG_LONG(i), SONDE_ARG_LONG(-i) };
		len += sonde_format(buf, sizeof(buf), "%s[%d] read %d bytes\n", a, 3);
	}
	sink = len;
}

int main(void)
{
	int long_key = SONDE_LONG;
	struct sonde_hist_spec log_hist = { .kind = SONDE_HIST_LOG };

	counts = sonde_map_new(1, &long_key, SONDE_LONG, 0, false);
	scalar_stat = sonde_pstat_new(&log_hist, 1);
	keyed_stat = sonde_pmap_new(1, &long_key, 0, false, &log_hist, 1);
	if (!counts || !scalar_stat || !keyed_stat) {
		fprintf(stderr, "core_bench: out of memory\n");
		return 1;
	}
	report("map-update", "a[k]++ with one long key, 1024 keys", map_update, 20000000);
	report("map-lookup", "a[k] with one long key, 1024 keys", map_lookup, 20000000);
	report("stat-add", "s <<< v into a @hist_log statistic", stat_add, 20000000);
	report("stat-add-keyed", "a[k] <<< v, one long key, 1024 keys, @hist_log", stat_add_keyed, 10000000);
	report("sprintf", "sprintf(\"%s[%d] read %d bytes\\n\", ...)", sprintf_line, 5000000);
	return 0;
}
