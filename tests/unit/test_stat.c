/*
 * test_stat.c - unit tests of runtime/core/stat.c: specs and bucket
 * layout (linear with underflow/overflow, log with 0 and negative
 * values), every extractor with SystemTap's semantics (empty aggregates,
 * a single value, INT64_MIN/INT64_MAX, @avg truncation, @variance with
 * and without the bit-shift, including the stap(1) example), merging,
 * per-CPU statistics, and the printed histograms byte for byte.
 *
 * The expected histogram texts are written by hand from SystemTap's
 * documented layout (docs/runtime-core.md): several reproduce outputs
 * published from real SystemTap runs (the langref examples, with their
 * column alignment restored, and histograms quoted in mailing lists and
 * blogs).
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stat.h"

/* ---- helpers ------------------------------------------------------------ */

static struct sonde_hist_spec none_spec(void)
{
	return (struct sonde_hist_spec){ .kind = SONDE_HIST_NONE };
}

static struct sonde_hist_spec log_spec(void)
{
	return (struct sonde_hist_spec){ .kind = SONDE_HIST_LOG };
}

static struct sonde_hist_spec lin_spec(int64_t low, int64_t high, int64_t step)
{
	return (struct sonde_hist_spec){ .kind = SONDE_HIST_LINEAR, .low = low,
					 .high = high, .step = step };
}

/* A fresh accumulator of spec (freed with free()). */
static struct sonde_stat *new_stat(struct sonde_hist_spec spec)
{
	size_t n = sonde_stat_size(&spec);
	struct sonde_stat *s;

	if (!n)
		return NULL;
	s = malloc(n);
	/* garbage first: init must not rely on zeroed memory */
	memset(s, 0xa5, n);
	if (!sonde_stat_init(s, &spec)) {
		free(s);
		return NULL;
	}
	return s;
}

static void add_n(struct sonde_stat *s, int64_t v, int times)
{
	while (times-- > 0)
		sonde_stat_add(s, v);
}

static int64_t get(const struct sonde_stat *s, int op)
{
	int64_t v = 12345;

	CU_ASSERT_EQUAL(sonde_stat_get(s, op, &v), SONDE_STAT_OK);
	return v;
}

static int64_t bucket(const struct sonde_stat *s, int64_t i)
{
	int64_t v = -1;

	CU_ASSERT_EQUAL(sonde_stat_bucket(s, i, &v), SONDE_STAT_OK);
	return v;
}

static char text[1 << 16];

/* The printed histogram of s, as a string. */
static const char *printed(const struct sonde_stat *s)
{
	struct sonde_sink out;

	sonde_sink_init(&out, text, sizeof(text));
	CU_ASSERT_EQUAL(sonde_stat_print_hist(s, &out), SONDE_STAT_OK);
	CU_ASSERT_FALSE(out.truncated);
	CU_ASSERT_EQUAL(out.len, strlen(text));
	return text;
}

/* Compares and, on a mismatch, shows both texts (CUnit prints only the
 * expression). */
static void assert_text(const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n--- want\n%s--- got\n%s---\n", want, got);
	CU_ASSERT_STRING_EQUAL(got, want);
}

#define HEADER "value |-------------------------------------------------- count\n"

/* ---- specs and buckets ------------------------------------------------- */

static void test_spec_validation(void)
{
	struct sonde_hist_spec s;

	s = none_spec();
	CU_ASSERT_TRUE(sonde_hist_spec_valid(&s));
	CU_ASSERT_EQUAL(sonde_hist_nbuckets(&s), 0);
	s = log_spec();
	CU_ASSERT_EQUAL(sonde_hist_nbuckets(&s), 128);
	/* buckets of 0, 10, ..., 100, plus underflow and overflow */
	s = lin_spec(0, 100, 10);
	CU_ASSERT_EQUAL(sonde_hist_nbuckets(&s), 13);
	s = lin_spec(0, 95, 10);        /* 0..90: 90 holds up to 99 */
	CU_ASSERT_EQUAL(sonde_hist_nbuckets(&s), 12);
	s = lin_spec(0, 1023, 1);       /* 1024 buckets: the limit */
	CU_ASSERT_EQUAL(sonde_hist_nbuckets(&s), 1026);
	s = lin_spec(0, 1024, 1);
	CU_ASSERT_FALSE(sonde_hist_spec_valid(&s));
	CU_ASSERT_EQUAL(sonde_hist_nbuckets(&s), -1);
	CU_ASSERT_EQUAL(sonde_stat_size(&s), 0);
	s = lin_spec(5, 5, 1);
	CU_ASSERT_FALSE(sonde_hist_spec_valid(&s));
	s = lin_spec(10, 0, 1);
	CU_ASSERT_FALSE(sonde_hist_spec_valid(&s));
	s = lin_spec(0, 10, 0);
	CU_ASSERT_FALSE(sonde_hist_spec_valid(&s));
	s = lin_spec(0, 10, -1);
	CU_ASSERT_FALSE(sonde_hist_spec_valid(&s));
	/* the widest range: no overflow computing the bucket count */
	s = lin_spec(INT64_MIN, INT64_MAX, INT64_MAX);
	CU_ASSERT_EQUAL(sonde_hist_nbuckets(&s), 5);
	s = lin_spec(INT64_MIN, INT64_MAX, 1);
	CU_ASSERT_FALSE(sonde_hist_spec_valid(&s));
	s = log_spec();
	s.variance_shift = 62;
	CU_ASSERT_TRUE(sonde_hist_spec_valid(&s));
	s.variance_shift = 63;
	CU_ASSERT_FALSE(sonde_hist_spec_valid(&s));
	s.variance_shift = -1;
	CU_ASSERT_FALSE(sonde_hist_spec_valid(&s));
	s = (struct sonde_hist_spec){ .kind = 7 };
	CU_ASSERT_FALSE(sonde_hist_spec_valid(&s));
	CU_ASSERT_FALSE(sonde_hist_spec_valid(NULL));
	CU_ASSERT_EQUAL(sonde_stat_size(NULL), 0);
	CU_ASSERT_FALSE(sonde_stat_init(NULL, &s));
	/* sizes: a header plus 8 bytes a bucket */
	s = none_spec();
	size_t base = sonde_stat_size(&s);
	CU_ASSERT(base > 0 && base % 8 == 0);
	s = log_spec();
	CU_ASSERT_EQUAL(sonde_stat_size(&s), base + 128 * 8);
}

static void test_log_buckets(void)
{
	struct sonde_stat *s = new_stat(log_spec());
	static const struct { int64_t v; int b; } cases[] = {
		{ 0, 64 }, { 1, 65 }, { 2, 66 }, { 3, 66 }, { 4, 67 }, { 7, 67 },
		{ 8, 68 }, { 1023, 74 }, { 1024, 75 },
		{ -1, 63 }, { -2, 62 }, { -3, 62 }, { -4, 61 }, { -7, 61 }, { -8, 60 },
		{ INT64_MAX, 127 }, { (int64_t)1 << 62, 127 }, { ((int64_t)1 << 62) - 1, 126 },
		{ INT64_MIN, 0 }, { INT64_MIN + 1, 1 }, { -((int64_t)1 << 62), 1 },
		{ -((int64_t)1 << 62) + 1, 2 },
	};
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(sonde_stat_nbuckets(s), 128);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, cases[i].v), cases[i].b);
		sonde_stat_add(s, cases[i].v);
	}
	/* labels: 0, then powers of two each way, INT64_MIN alone in 0 */
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 64), 0);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 65), 1);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 66), 2);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 75), 1024);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 127), (int64_t)1 << 62);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 63), -1);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 62), -2);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 1), -((int64_t)1 << 62));
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 0), INT64_MIN);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 128), 0);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, -1), 0);
	/* the counts went where bucket_of said */
	CU_ASSERT_EQUAL(bucket(s, 66), 2);
	CU_ASSERT_EQUAL(bucket(s, 67), 2);
	CU_ASSERT_EQUAL(bucket(s, 127), 2);
	CU_ASSERT_EQUAL(bucket(s, 126), 1);
	CU_ASSERT_EQUAL(bucket(s, 0), 1);
	CU_ASSERT_EQUAL(bucket(s, 1), 2);
	CU_ASSERT_EQUAL(bucket(s, 64), 1);
	CU_ASSERT_EQUAL(bucket(s, 100), 0);
	free(s);
}

static void test_linear_buckets(void)
{
	struct sonde_stat *s = new_stat(lin_spec(0, 100, 10));
	static const struct { int64_t v; int b; } cases[] = {
		{ -1, 0 }, { INT64_MIN, 0 }, { 0, 1 }, { 9, 1 }, { 10, 2 },
		{ 99, 10 }, { 100, 11 }, { 109, 11 }, { 110, 12 }, { INT64_MAX, 12 },
	};
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(sonde_stat_nbuckets(s), 13);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, cases[i].v), cases[i].b);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 0), 0);      /* "<0" */
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 1), 0);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 5), 40);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 11), 100);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 12), 100);   /* ">100" */
	free(s);

	/* negative bounds */
	s = new_stat(lin_spec(-50, 50, 25));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(sonde_stat_nbuckets(s), 7);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, -51), 0);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, -50), 1);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, -26), 1);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, -25), 2);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, -1), 2);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, 0), 3);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, 74), 5);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, 75), 6);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 2), -25);
	free(s);

	/* the whole int64 range in three buckets: no overflow anywhere */
	s = new_stat(lin_spec(INT64_MIN, INT64_MAX, INT64_MAX));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, INT64_MIN), 1);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, -2), 1);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, -1), 2);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, INT64_MAX - 2), 2);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, INT64_MAX - 1), 3);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(s, INT64_MAX), 3);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 1), INT64_MIN);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 2), -1);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 3), INT64_MAX - 1);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(s, 4), INT64_MAX - 1);
	sonde_stat_add(s, INT64_MIN);
	sonde_stat_add(s, INT64_MAX);
	CU_ASSERT_EQUAL(bucket(s, 1), 1);
	CU_ASSERT_EQUAL(bucket(s, 3), 1);
	CU_ASSERT_EQUAL(bucket(s, 0) + bucket(s, 4), 0);
	free(s);
}

static void test_bucket_access(void)
{
	struct sonde_stat *s = new_stat(lin_spec(0, 10, 2)), *n = new_stat(none_spec());
	int64_t v = 7;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	/* the example of tests/lang/ok/expr_hist_foreach_buckets.stp */
	sonde_stat_add(s, 5);
	sonde_stat_add(s, 7);
	CU_ASSERT_EQUAL(sonde_stat_nbuckets(s), 8);
	CU_ASSERT_EQUAL(bucket(s, 3), 1);       /* [4, 6) */
	CU_ASSERT_EQUAL(bucket(s, 4), 1);       /* [6, 8) */
	CU_ASSERT_EQUAL(bucket(s, 0), 0);
	CU_ASSERT_EQUAL(bucket(s, 7), 0);
	CU_ASSERT_EQUAL(sonde_stat_bucket(s, 8, &v), SONDE_STAT_RANGE);
	CU_ASSERT_EQUAL(v, 0);
	v = 7;
	CU_ASSERT_EQUAL(sonde_stat_bucket(s, -1, &v), SONDE_STAT_RANGE);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(sonde_stat_bucket(s, INT64_MIN, NULL), SONDE_STAT_RANGE);
	CU_ASSERT_EQUAL(sonde_stat_bucket(n, 0, &v), SONDE_STAT_NOHIST);
	CU_ASSERT_EQUAL(sonde_stat_nbuckets(n), 0);
	CU_ASSERT_EQUAL(sonde_stat_bucket_of(n, 5), -1);
	CU_ASSERT_EQUAL(sonde_stat_bucket_value(n, 0), 0);
	free(s);
	free(n);
}

/* ---- extractors --------------------------------------------------------- */

static void test_empty(void)
{
	struct sonde_stat *s = new_stat(log_spec());
	int op;
	int64_t v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(sonde_stat_count(s), 0);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_COUNT), 0);
	/* every extractor but @count is an error on an empty aggregate */
	for (op = SONDE_STAT_SUM; op <= SONDE_STAT_VARIANCE; op++) {
		v = 99;
		CU_ASSERT_EQUAL(sonde_stat_get(s, op, &v), SONDE_STAT_EMPTY);
		CU_ASSERT_EQUAL(v, 0);
	}
	CU_ASSERT_EQUAL(sonde_stat_get(s, SONDE_STAT_MIN, NULL), SONDE_STAT_EMPTY);
	v = 99;
	CU_ASSERT_EQUAL(sonde_stat_get(s, 6, &v), SONDE_STAT_BADOP);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(sonde_stat_get(s, -1, &v), SONDE_STAT_BADOP);
	for (op = 0; op < 128; op++)
		CU_ASSERT_EQUAL(bucket(s, op), 0);
	/* NULL is an empty statistic */
	CU_ASSERT_EQUAL(sonde_stat_count(NULL), 0);
	CU_ASSERT_EQUAL(sonde_stat_get(NULL, SONDE_STAT_AVG, &v), SONDE_STAT_EMPTY);
	free(s);
}

static void test_single_value(void)
{
	struct sonde_stat *s = new_stat(none_spec());

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	sonde_stat_add(s, -42);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_COUNT), 1);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_SUM), -42);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MIN), -42);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MAX), -42);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_AVG), -42);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_VARIANCE), 0);
	free(s);
}

static void test_basic_extractors(void)
{
	struct sonde_stat *s = new_stat(none_spec());
	int64_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (i = 1; i <= 5; i++)
		sonde_stat_add(s, i);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_COUNT), 5);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_SUM), 15);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MIN), 1);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MAX), 5);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_AVG), 3);
	/* min/max follow later samples both ways */
	sonde_stat_add(s, -3);
	sonde_stat_add(s, 10);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MIN), -3);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MAX), 10);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_SUM), 22);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_AVG), 3);     /* 22 / 7 */
	/* clear: back to empty */
	sonde_stat_clear(s);
	CU_ASSERT_EQUAL(sonde_stat_count(s), 0);
	CU_ASSERT_EQUAL(sonde_stat_get(s, SONDE_STAT_SUM, NULL), SONDE_STAT_EMPTY);
	sonde_stat_add(s, 4);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MIN), 4);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MAX), 4);
	free(s);
}

/* @avg divides like C (and SystemTap's integers): toward zero. */
static void test_avg_truncates_toward_zero(void)
{
	struct sonde_stat *s = new_stat(none_spec());

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	sonde_stat_add(s, -7);
	sonde_stat_add(s, 0);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_AVG), -3);
	sonde_stat_add(s, 14);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_AVG), 2);     /* 7 / 3 */
	free(s);
}

static void test_int64_extremes(void)
{
	struct sonde_stat *s = new_stat(log_spec());

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	sonde_stat_add(s, INT64_MAX);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_VARIANCE), 0);
	sonde_stat_add(s, INT64_MIN);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_COUNT), 2);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_SUM), -1);    /* wraps, no UB */
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MIN), INT64_MIN);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MAX), INT64_MAX);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_AVG), 0);     /* -1 / 2 */
	get(s, SONDE_STAT_VARIANCE);     /* overflows: any value, no trap */
	sonde_stat_clear(s);
	add_n(s, INT64_MAX, 2);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_SUM), -2);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_AVG), -1);
	sonde_stat_clear(s);
	add_n(s, INT64_MIN, 3);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_SUM), INT64_MIN);  /* 3 * MIN wraps */
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_AVG), INT64_MIN / 3);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MIN), INT64_MIN);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_MAX), INT64_MIN);
	CU_ASSERT_EQUAL(bucket(s, 0), 3);
	get(s, SONDE_STAT_VARIANCE);
	/* the largest shift on extreme values */
	free(s);
	struct sonde_hist_spec sp = none_spec();
	sp.variance_shift = 62;
	s = new_stat(sp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	sonde_stat_add(s, INT64_MIN);
	sonde_stat_add(s, INT64_MAX);
	sonde_stat_add(s, -1);
	get(s, SONDE_STAT_VARIANCE);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_SUM), -2);
	free(s);
}

/*
 * @variance: the stap(1) manual's example.  For x <<< 1..5,
 * println(@variance(x)) prints 12 and println(@variance(x, 1)) prints 2
 * (python's statistics.variance says 2.5: the integer arithmetic is
 * SystemTap's, documented as such).
 */
static void test_variance_manual_example(void)
{
	struct sonde_hist_spec sp = none_spec();
	struct sonde_stat *s0, *s1;
	int64_t i;

	s0 = new_stat(sp);
	sp.variance_shift = 1;
	s1 = new_stat(sp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
	for (i = 1; i <= 5; i++) {
		sonde_stat_add(s0, i);
		sonde_stat_add(s1, i);
	}
	CU_ASSERT_EQUAL(get(s0, SONDE_STAT_VARIANCE), 12);
	CU_ASSERT_EQUAL(get(s1, SONDE_STAT_VARIANCE), 2);
	/* the shift changes nothing else */
	CU_ASSERT_EQUAL(get(s1, SONDE_STAT_AVG), 3);
	CU_ASSERT_EQUAL(get(s1, SONDE_STAT_SUM), 15);
	free(s0);
	free(s1);
}

static void test_variance_exact_cases(void)
{
	struct sonde_stat *s = new_stat(none_spec());

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	add_n(s, 10, 3);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_VARIANCE), 0);
	sonde_stat_clear(s);
	sonde_stat_add(s, 0);
	sonde_stat_add(s, 2);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_VARIANCE), 2);  /* ((-1)^2 + 1^2) / 1 */
	sonde_stat_clear(s);
	sonde_stat_add(s, -5);
	sonde_stat_add(s, 5);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_VARIANCE), 50); /* (25 + 25) / 1 */
	sonde_stat_clear(s);
	/* means that stay integers: 0, 4, 8 -> mean 4, (16 + 0 + 16) / 2 */
	sonde_stat_add(s, 0);
	sonde_stat_add(s, 4);
	sonde_stat_add(s, 8);
	CU_ASSERT_EQUAL(get(s, SONDE_STAT_VARIANCE), 16);
	free(s);
}

/* ---- merging ------------------------------------------------------------ */

static void assert_same(const struct sonde_stat *a, const struct sonde_stat *b)
{
	int op, i;

	for (op = SONDE_STAT_COUNT; op <= SONDE_STAT_VARIANCE; op++) {
		int64_t x = 1, y = 2;
		CU_ASSERT_EQUAL(sonde_stat_get(a, op, &x), sonde_stat_get(b, op, &y));
		CU_ASSERT_EQUAL(x, y);
	}
	CU_ASSERT_EQUAL_FATAL(sonde_stat_nbuckets(a), sonde_stat_nbuckets(b));
	for (i = 0; i < sonde_stat_nbuckets(a); i++)
		CU_ASSERT_EQUAL(bucket(a, i), bucket(b, i));
}

static void test_merge_empty_and_nonempty(void)
{
	struct sonde_stat *a = new_stat(lin_spec(0, 100, 10));
	struct sonde_stat *e = new_stat(lin_spec(0, 100, 10));
	struct sonde_stat *copy = new_stat(lin_spec(0, 100, 10));
	struct sonde_stat *ref = new_stat(lin_spec(0, 100, 10));
	static const int64_t vals[] = { 3, -8, 55, 200, 55, 7 };
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a && e && copy && ref);
	for (i = 0; i < 6; i++) {
		sonde_stat_add(a, vals[i]);
		sonde_stat_add(ref, vals[i]);
	}
	/* empty into non-empty: nothing changes */
	CU_ASSERT_EQUAL(sonde_stat_merge(a, e), SONDE_STAT_OK);
	assert_same(a, ref);
	/* non-empty into empty: the same statistic */
	CU_ASSERT_EQUAL(sonde_stat_merge(copy, a), SONDE_STAT_OK);
	assert_same(copy, ref);
	CU_ASSERT_EQUAL(get(copy, SONDE_STAT_MIN), -8);
	CU_ASSERT_EQUAL(get(copy, SONDE_STAT_MAX), 200);
	CU_ASSERT_EQUAL(bucket(copy, 0), 1);
	CU_ASSERT_EQUAL(bucket(copy, 6), 2);
	CU_ASSERT_EQUAL(bucket(copy, 12), 1);
	/* empty into empty: still empty */
	sonde_stat_clear(copy);
	CU_ASSERT_EQUAL(sonde_stat_merge(copy, e), SONDE_STAT_OK);
	CU_ASSERT_EQUAL(sonde_stat_get(copy, SONDE_STAT_MIN, NULL), SONDE_STAT_EMPTY);
	free(a);
	free(e);
	free(copy);
	free(ref);
}

static void test_merge_mismatch(void)
{
	struct sonde_stat *a = new_stat(lin_spec(0, 100, 10));
	struct sonde_stat *b = new_stat(lin_spec(0, 100, 20));
	struct sonde_stat *c = new_stat(log_spec());
	struct sonde_hist_spec sp = log_spec();
	struct sonde_stat *d;

	sp.variance_shift = 3;
	d = new_stat(sp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a && b && c && d);
	sonde_stat_add(b, 5);
	sonde_stat_add(c, 5);
	sonde_stat_add(d, 5);
	CU_ASSERT_EQUAL(sonde_stat_merge(a, b), SONDE_STAT_MISMATCH);
	CU_ASSERT_EQUAL(sonde_stat_merge(a, c), SONDE_STAT_MISMATCH);
	CU_ASSERT_EQUAL(sonde_stat_merge(c, d), SONDE_STAT_MISMATCH);
	CU_ASSERT_EQUAL(sonde_stat_merge(NULL, d), SONDE_STAT_MISMATCH);
	CU_ASSERT_EQUAL(sonde_stat_count(a), 0);
	CU_ASSERT_EQUAL(sonde_stat_count(c), 1);
	free(a);
	free(b);
	free(c);
	free(d);
}

/*
 * 1..5 seen as two CPUs' parts {1, 2} and {3, 4, 5}.  By hand, SystemTap's
 * way: part 1: Welford mean 1, M2 1, var 1; part 2: mean 3, M2 5, var 2;
 * total mean 15 / 5 = 3; (2*(1-3)^2 + 1*1 + 3*(3-3)^2 + 2*2) / 4 = 13 / 4 = 3.
 */
static void test_merge_variance_parts(void)
{
	struct sonde_stat *p1 = new_stat(none_spec()), *p2 = new_stat(none_spec());
	struct sonde_stat *a = new_stat(none_spec()), *b = new_stat(none_spec());
	struct sonde_stat *p3 = new_stat(none_spec()), *c = new_stat(none_spec());
	struct sonde_stat *d = new_stat(none_spec());

	CU_ASSERT_PTR_NOT_NULL_FATAL(p1 && p2 && p3 && a && b && c && d);
	sonde_stat_add(p1, 1);
	sonde_stat_add(p1, 2);
	sonde_stat_add(p2, 3);
	sonde_stat_add(p2, 4);
	sonde_stat_add(p2, 5);
	/* {1, 2} alone: mean 3 / 2 = 1, (2*(1-1)^2 + 1*1) / 1 = 1 */
	CU_ASSERT_EQUAL(get(p1, SONDE_STAT_VARIANCE), 1);
	sonde_stat_merge(a, p1);
	sonde_stat_merge(a, p2);
	CU_ASSERT_EQUAL(get(a, SONDE_STAT_VARIANCE), 3);
	CU_ASSERT_EQUAL(get(a, SONDE_STAT_AVG), 3);
	CU_ASSERT_EQUAL(get(a, SONDE_STAT_COUNT), 5);
	/* either order */
	sonde_stat_merge(b, p2);
	sonde_stat_merge(b, p1);
	CU_ASSERT_EQUAL(get(b, SONDE_STAT_VARIANCE), 3);
	/* merging into a leaf that has samples: the leaf is one part */
	sonde_stat_merge(p1, p2);
	CU_ASSERT_EQUAL(get(p1, SONDE_STAT_VARIANCE), 3);
	/* grouping does not matter: (p2 + p3) + p1' == p1' + p2 + p3 */
	sonde_stat_add(p3, -9);
	sonde_stat_add(p3, 100);
	sonde_stat_merge(c, p2);
	sonde_stat_merge(c, p3);
	sonde_stat_clear(p1);
	sonde_stat_add(p1, 1);
	sonde_stat_add(p1, 2);
	sonde_stat_merge(c, p1);
	sonde_stat_merge(d, p1);
	sonde_stat_merge(d, p2);
	sonde_stat_merge(d, p3);
	assert_same(c, d);
	/* and a sample added to an aggregate counts as a part of its own */
	sonde_stat_add(a, 3);
	CU_ASSERT_EQUAL(get(a, SONDE_STAT_COUNT), 6);
	CU_ASSERT_EQUAL(get(a, SONDE_STAT_SUM), 18);
	free(p1);
	free(p2);
	free(p3);
	free(a);
	free(b);
	free(c);
	free(d);
}

/* ---- per-CPU statistics --------------------------------------------------- */

static void test_pstat(void)
{
	struct sonde_hist_spec sp = lin_spec(0, 100, 10);
	struct sonde_pstat *ps = sonde_pstat_new(&sp, 4);
	const struct sonde_stat *agg;
	int64_t v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	agg = sonde_pstat_aggregate(ps);
	CU_ASSERT_PTR_NOT_NULL_FATAL(agg);
	CU_ASSERT_EQUAL(sonde_stat_count(agg), 0);
	CU_ASSERT_EQUAL(sonde_stat_get(agg, SONDE_STAT_AVG, &v), SONDE_STAT_EMPTY);
	/* 1..5 spread as {1, 2} on CPU 0 and {3, 4, 5} on CPU 3 */
	CU_ASSERT_EQUAL(sonde_pstat_add(ps, 0, 1), SONDE_STAT_OK);
	CU_ASSERT_EQUAL(sonde_pstat_add(ps, 0, 2), SONDE_STAT_OK);
	CU_ASSERT_EQUAL(sonde_pstat_add(ps, 3, 3), SONDE_STAT_OK);
	CU_ASSERT_EQUAL(sonde_pstat_add(ps, 3, 4), SONDE_STAT_OK);
	CU_ASSERT_EQUAL(sonde_pstat_add(ps, 3, 5), SONDE_STAT_OK);
	CU_ASSERT_EQUAL(sonde_pstat_add(ps, 4, 99), SONDE_STAT_BADCPU);
	CU_ASSERT_EQUAL(sonde_pstat_add(ps, -1, 99), SONDE_STAT_BADCPU);
	CU_ASSERT_EQUAL(sonde_pstat_add(NULL, 0, 99), SONDE_STAT_BADCPU);
	agg = sonde_pstat_aggregate(ps);
	CU_ASSERT_EQUAL(get(agg, SONDE_STAT_COUNT), 5);
	CU_ASSERT_EQUAL(get(agg, SONDE_STAT_SUM), 15);
	CU_ASSERT_EQUAL(get(agg, SONDE_STAT_MIN), 1);
	CU_ASSERT_EQUAL(get(agg, SONDE_STAT_MAX), 5);
	CU_ASSERT_EQUAL(get(agg, SONDE_STAT_AVG), 3);
	CU_ASSERT_EQUAL(get(agg, SONDE_STAT_VARIANCE), 3);  /* see above */
	CU_ASSERT_EQUAL(bucket(agg, 1), 5);
	/* aggregating again gives the same, not double */
	agg = sonde_pstat_aggregate(ps);
	CU_ASSERT_EQUAL(get(agg, SONDE_STAT_COUNT), 5);
	CU_ASSERT_EQUAL(bucket(agg, 1), 5);
	/* the aggregate is a snapshot: adds show at the next aggregate */
	sonde_pstat_add(ps, 1, -20);
	sonde_pstat_add(ps, 2, 500);
	CU_ASSERT_EQUAL(sonde_stat_count(agg), 5);
	agg = sonde_pstat_aggregate(ps);
	CU_ASSERT_EQUAL(get(agg, SONDE_STAT_COUNT), 7);
	CU_ASSERT_EQUAL(get(agg, SONDE_STAT_MIN), -20);
	CU_ASSERT_EQUAL(get(agg, SONDE_STAT_MAX), 500);
	CU_ASSERT_EQUAL(bucket(agg, 0), 1);
	CU_ASSERT_EQUAL(bucket(agg, 12), 1);
	/* all on one CPU: the stap(1) example again */
	sonde_pstat_clear(ps);
	agg = sonde_pstat_aggregate(ps);
	CU_ASSERT_EQUAL(sonde_stat_count(agg), 0);
	for (v = 1; v <= 5; v++)
		sonde_pstat_add(ps, 2, v);
	agg = sonde_pstat_aggregate(ps);
	CU_ASSERT_EQUAL(get(agg, SONDE_STAT_VARIANCE), 12);
	sonde_pstat_free(ps);
	sonde_pstat_free(NULL);
}

static void test_pstat_bad_args(void)
{
	struct sonde_hist_spec sp = log_spec(), bad = lin_spec(0, 0, 1);
	struct sonde_pstat *ps;

	CU_ASSERT_PTR_NULL(sonde_pstat_new(&sp, 0));
	CU_ASSERT_PTR_NULL(sonde_pstat_new(&sp, -3));
	CU_ASSERT_PTR_NULL(sonde_pstat_new(&sp, SONDE_MAXCPUS + 1));
	CU_ASSERT_PTR_NULL(sonde_pstat_new(&bad, 2));
	CU_ASSERT_PTR_NULL(sonde_pstat_new(NULL, 2));
	CU_ASSERT_PTR_NULL(sonde_pstat_aggregate(NULL));
	sonde_pstat_clear(NULL);
	/* one CPU works, and many do */
	ps = sonde_pstat_new(&sp, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	sonde_pstat_add(ps, 0, 7);
	CU_ASSERT_EQUAL(sonde_stat_count(sonde_pstat_aggregate(ps)), 1);
	sonde_pstat_free(ps);
	ps = sonde_pstat_new(&sp, 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	for (int c = 0; c < 64; c++)
		sonde_pstat_add(ps, c, c);
	CU_ASSERT_EQUAL(get(sonde_pstat_aggregate(ps), SONDE_STAT_SUM), 63 * 64 / 2);
	CU_ASSERT_EQUAL(bucket(sonde_pstat_aggregate(ps), 64), 1);  /* the 0 */
	sonde_pstat_free(ps);
}

/* ---- printed histograms --------------------------------------------------- */

/*
 * The langref's @hist_linear example (section 8.4.1): print(@hist_linear(
 * reads, 0, 10240, 200)) with 1650 reads under 200 bytes, 8 of 200-399
 * and 1 of 1400-1599.  The bucket for 800 is elided; the rest of the
 * range, being empty, is not shown.  The langref's text lost its column
 * alignment; the Red Hat edition of the same page keeps 54 blanks between
 * "200 |" and "8": 50 bar columns, one blank, a count column 4 wide.
 */
static void test_print_langref_linear(void)
{
	struct sonde_stat *s = new_stat(lin_spec(0, 10240, 200));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	add_n(s, 100, 1650);
	add_n(s, 300, 8);
	add_n(s, 1450, 1);
	assert_text(printed(s),
		HEADER
		"    0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1650\n"
		"  200 |                                                      8\n"
		"  400 |                                                      0\n"
		"  600 |                                                      0\n"
		"      ~\n"
		" 1000 |                                                      0\n"
		" 1200 |                                                      0\n"
		" 1400 |                                                      1\n"
		" 1600 |                                                      0\n"
		" 1800 |                                                      0\n"
		"\n");
	free(s);
}

/* The langref's @hist_log example (section 8.4.2): the largest count,
 * 16689, scales the bars to 16689 / ceil(16689 / 50) = 49 '@'. */
static void test_print_langref_log(void)
{
	struct sonde_stat *s = new_stat(log_spec());

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	add_n(s, 40, 254);
	add_n(s, 64, 3);
	add_n(s, 200, 2);
	add_n(s, 511, 2);
	add_n(s, 512, 4);
	add_n(s, 1500, 16689);
	assert_text(printed(s),
		HEADER
		"    8 |                                                       0\n"
		"   16 |                                                       0\n"
		"   32 |                                                     254\n"
		"   64 |                                                       3\n"
		"  128 |                                                       2\n"
		"  256 |                                                       2\n"
		"  512 |                                                       4\n"
		" 1024 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@  16689\n"
		" 2048 |                                                       0\n"
		" 4096 |                                                       0\n"
		"\n");
	free(s);
}

/*
 * A @hist_log of latencies published from a SystemTap run (a
 * func_time_stats.stp example): data from 0 up, so no row below 0; the
 * bars are count / ceil(549 / 50) = count / 11.
 */
static void test_print_log_from_zero(void)
{
	struct sonde_stat *s = new_stat(log_spec());

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	add_n(s, 0, 549);
	add_n(s, 1, 541);
	add_n(s, 3, 377);
	add_n(s, 5, 54);
	add_n(s, 15, 12);
	add_n(s, 23, 5);
	assert_text(printed(s),
		HEADER
		"    0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@  549\n"
		"    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@  541\n"
		"    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                 377\n"
		"    4 |@@@@                                                54\n"
		"    8 |@                                                   12\n"
		"   16 |                                                     5\n"
		"   32 |                                                     0\n"
		"   64 |                                                     0\n"
		"\n");
	free(s);
}

/* Two @hist_linear(x, 0, 100, 10) published from SystemTap runs (a KVM
 * mailing-list report): ten samples in the first bucket, then ten past
 * the range, shown as the ">100" overflow row. */
static void test_print_linear_overflow(void)
{
	struct sonde_stat *s = new_stat(lin_spec(0, 100, 10));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	add_n(s, 3, 10);
	assert_text(printed(s),
		HEADER
		"    0 |@@@@@@@@@@                                         10\n"
		"   10 |                                                    0\n"
		"   20 |                                                    0\n"
		"\n");
	sonde_stat_clear(s);
	add_n(s, 250, 10);
	assert_text(printed(s),
		HEADER
		"   90 |                                                    0\n"
		"  100 |                                                    0\n"
		" >100 |@@@@@@@@@@                                         10\n"
		"\n");
	free(s);
}

/* The underflow row shows when it is not empty, with its '<'. */
static void test_print_linear_underflow(void)
{
	struct sonde_stat *s = new_stat(lin_spec(0, 100, 10));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	add_n(s, -5, 3);
	sonde_stat_add(s, 5);
	assert_text(printed(s),
		HEADER
		"   <0 |@@@                                                3\n"
		"    0 |@                                                  1\n"
		"   10 |                                                   0\n"
		"   20 |                                                   0\n"
		"\n");
	free(s);
}

/* Negative bounds; the overflow row's label is the last bucket's. */
static void test_print_linear_negative(void)
{
	struct sonde_stat *s = new_stat(lin_spec(-50, 50, 25));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	sonde_stat_add(s, -30);
	sonde_stat_add(s, 49);
	sonde_stat_add(s, 60);
	sonde_stat_add(s, 80);
	assert_text(printed(s),
		HEADER
		"  -50 |@                                                  1\n"
		"  -25 |                                                   0\n"
		"    0 |                                                   0\n"
		"   25 |@                                                  1\n"
		"   50 |@                                                  1\n"
		"  >50 |@                                                  1\n"
		"\n");
	free(s);
}

/* Negative values in a log histogram: rows go below 0, two past the
 * lowest data; an empty bucket between data is printed. */
static void test_print_log_negative(void)
{
	struct sonde_stat *s = new_stat(log_spec());

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	add_n(s, -1, 2);
	sonde_stat_add(s, -5);
	sonde_stat_add(s, 0);
	sonde_stat_add(s, 3);
	assert_text(printed(s),
		HEADER
		"  -16 |                                                   0\n"
		"   -8 |                                                   0\n"
		"   -4 |@                                                  1\n"
		"   -2 |                                                   0\n"
		"   -1 |@@                                                 2\n"
		"    0 |@                                                  1\n"
		"    1 |                                                   0\n"
		"    2 |@                                                  1\n"
		"    4 |                                                   0\n"
		"    8 |                                                   0\n"
		"\n");
	free(s);
}

/* A long gap: the rows farther than two from data collapse into "~";
 * labels wider than "value" widen the column and the header with it. */
static void test_print_log_gap_and_width(void)
{
	struct sonde_stat *s = new_stat(log_spec());

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	sonde_stat_add(s, 1);
	sonde_stat_add(s, 1 << 20);
	assert_text(printed(s),
		"  value |-------------------------------------------------- count\n"
		"      0 |                                                   0\n"
		"      1 |@                                                  1\n"
		"      2 |                                                   0\n"
		"      4 |                                                   0\n"
		"        ~\n"
		" 262144 |                                                   0\n"
		" 524288 |                                                   0\n"
		"1048576 |@                                                  1\n"
		"2097152 |                                                   0\n"
		"4194304 |                                                   0\n"
		"\n");
	free(s);
}

/* INT64_MIN and INT64_MAX: the first and last log buckets. */
static void test_print_log_extremes(void)
{
	struct sonde_stat *s = new_stat(log_spec());

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	sonde_stat_add(s, INT64_MIN);
	sonde_stat_add(s, INT64_MAX);
	assert_text(printed(s),
		"               value |-------------------------------------------------- count\n"
		"-9223372036854775808 |@                                                  1\n"
		"-4611686018427387904 |                                                   0\n"
		"-2305843009213693952 |                                                   0\n"
		"                     ~\n"
		" 1152921504606846976 |                                                   0\n"
		" 2305843009213693952 |                                                   0\n"
		" 4611686018427387904 |@                                                  1\n"
		"\n");
	free(s);
}

/* A linear histogram's label column fits its whole range. */
static void test_print_linear_wide_range(void)
{
	struct sonde_stat *s = new_stat(lin_spec(0, 1000000, 100000));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	sonde_stat_add(s, 5);
	assert_text(printed(s),
		"  value |-------------------------------------------------- count\n"
		"      0 |@                                                  1\n"
		" 100000 |                                                   0\n"
		" 200000 |                                                   0\n"
		"\n");
	free(s);
}

/* Up to 50 the bars are the counts; past it they are scaled by the
 * rounded-up ratio (51 -> 2 a '@', so 25 of them). */
static void test_print_scaling(void)
{
	struct sonde_stat *s = new_stat(lin_spec(0, 10, 1));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	add_n(s, 4, 50);
	sonde_stat_add(s, 5);
	assert_text(printed(s),
		HEADER
		"    2 |                                                    0\n"
		"    3 |                                                    0\n"
		"    4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 50\n"
		"    5 |@                                                   1\n"
		"    6 |                                                    0\n"
		"    7 |                                                    0\n"
		"\n");
	sonde_stat_add(s, 4);
	assert_text(printed(s),
		HEADER
		"    2 |                                                    0\n"
		"    3 |                                                    0\n"
		"    4 |@@@@@@@@@@@@@@@@@@@@@@@@@                          51\n"
		"    5 |                                                    1\n"
		"    6 |                                                    0\n"
		"    7 |                                                    0\n"
		"\n");
	free(s);
}

static void test_print_empty_and_nohist(void)
{
	struct sonde_stat *s = new_stat(log_spec()), *n = new_stat(none_spec());
	struct sonde_sink out;
	char buf[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s && n);
	assert_text(printed(s), HEADER "\n");
	free(s);
	s = new_stat(lin_spec(-100, 100, 1));
	assert_text(printed(s), HEADER "\n");
	/* no histogram: nothing written */
	sonde_sink_init(&out, buf, sizeof(buf));
	sonde_stat_add(n, 1);
	CU_ASSERT_EQUAL(sonde_stat_print_hist(n, &out), SONDE_STAT_NOHIST);
	CU_ASSERT_EQUAL(out.len, 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(sonde_stat_print_hist(NULL, &out), SONDE_STAT_NOHIST);
	free(s);
	free(n);
}

/* Every capacity from 0 up: never a byte past cap, the text a prefix of
 * the whole, truncated exactly when it did not fit. */
static void test_print_truncation(void)
{
	static char full[4096], buf[4096 + 16];
	struct sonde_stat *s = new_stat(lin_spec(0, 10240, 200));
	struct sonde_sink out;
	size_t len, cap;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	add_n(s, 100, 1650);
	add_n(s, 1450, 1);
	sonde_sink_init(&out, full, sizeof(full));
	sonde_stat_print_hist(s, &out);
	CU_ASSERT_FALSE_FATAL(out.truncated);
	len = out.len;
	CU_ASSERT(len > 500);
	for (cap = 0; cap <= len + 2; cap++) {
		memset(buf, 'Z', sizeof(buf));
		sonde_sink_init(&out, cap ? buf : NULL, cap);
		CU_ASSERT_EQUAL(sonde_stat_print_hist(s, &out), SONDE_STAT_OK);
		CU_ASSERT_EQUAL(out.truncated, cap <= len);
		CU_ASSERT(buf[cap] == 'Z');
		if (cap) {
			size_t want = cap - 1 < len ? cap - 1 : len;
			CU_ASSERT_EQUAL(out.len, want);
			CU_ASSERT_EQUAL(buf[want], '\0');
			CU_ASSERT(memcmp(buf, full, want) == 0);
		} else {
			CU_ASSERT_EQUAL(out.len, 0);
		}
	}
	/* appending: a second print continues the first */
	sonde_sink_init(&out, buf, sizeof(buf));
	sonde_sink_write(&out, "x:\n", 3);
	sonde_stat_print_hist(s, &out);
	CU_ASSERT_EQUAL(out.len, len + 3);
	CU_ASSERT(memcmp(buf + 3, full, len) == 0);
	/* once truncated, stays truncated */
	sonde_sink_init(&out, buf, 4);
	sonde_sink_write(&out, "abcdef", 6);
	CU_ASSERT_TRUE(out.truncated);
	sonde_sink_write(&out, "", 0);
	CU_ASSERT_TRUE(out.truncated);
	CU_ASSERT_STRING_EQUAL(buf, "abc");
	free(s);
}

/* A drain that appends what it is given to a big buffer. */
struct collected {
	char text[8192];
	size_t len;
	int calls;
	size_t most;            /* the largest chunk drained */
};

static void collect(struct sonde_sink *out, void *arg)
{
	struct collected *c = arg;

	CU_ASSERT(out->len > 0);
	CU_ASSERT(out->len < out->cap);
	CU_ASSERT(out->buf[out->len] == '\0');
	if (c->len + out->len < sizeof(c->text)) {
		memcpy(c->text + c->len, out->buf, out->len);
		c->len += out->len;
		c->text[c->len] = '\0';
	}
	if (out->len > c->most)
		c->most = out->len;
	c->calls++;
}

/* Through a draining sink, any buffer of 2 bytes or more passes the whole
 * histogram, in pieces of at most cap-1 bytes. */
static void test_print_drain(void)
{
	static const size_t caps[] = { 2, 3, 7, 64, 256, 5000 };
	static char full[4096], buf[5000];
	static struct collected got;
	struct sonde_stat *s = new_stat(log_spec());
	struct sonde_sink out;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	add_n(s, 3, 70);
	sonde_stat_add(s, 1 << 30);
	sonde_stat_add(s, -100);
	sonde_sink_init(&out, full, sizeof(full));
	sonde_stat_print_hist(s, &out);
	CU_ASSERT_FALSE_FATAL(out.truncated);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		memset(&got, 0, sizeof(got));
		sonde_sink_init_drain(&out, buf, caps[i], collect, &got);
		CU_ASSERT_EQUAL(sonde_stat_print_hist(s, &out), SONDE_STAT_OK);
		sonde_sink_flush(&out);
		CU_ASSERT_FALSE(out.truncated);
		CU_ASSERT_EQUAL(out.len, 0);
		CU_ASSERT_STRING_EQUAL(got.text, full);
		CU_ASSERT(got.most <= caps[i] - 1);
		if (caps[i] == 2)
			CU_ASSERT_EQUAL((size_t)got.calls, strlen(full));
	}
	/* flushing an empty sink drains nothing */
	memset(&got, 0, sizeof(got));
	sonde_sink_init_drain(&out, buf, 16, collect, &got);
	sonde_sink_flush(&out);
	sonde_sink_write(&out, "abc", 3);
	CU_ASSERT_EQUAL(got.calls, 0);
	sonde_sink_flush(&out);
	sonde_sink_flush(&out);
	CU_ASSERT_EQUAL(got.calls, 1);
	CU_ASSERT_STRING_EQUAL(got.text, "abc");
	/* a drain with a 1-byte buffer cannot work: the sink truncates */
	memset(&got, 0, sizeof(got));
	sonde_sink_init_drain(&out, buf, 1, collect, &got);
	sonde_sink_write(&out, "abc", 3);
	sonde_sink_flush(&out);
	CU_ASSERT_TRUE(out.truncated);
	CU_ASSERT_EQUAL(got.calls, 0);
	free(s);
}

void register_stat_tests(void)
{
	CU_pSuite s = CU_add_suite("stat", NULL, NULL);

	CU_add_test(s, "spec validation and sizes", test_spec_validation);
	CU_add_test(s, "log buckets: 0, negatives, extremes", test_log_buckets);
	CU_add_test(s, "linear buckets: under/overflow, extremes", test_linear_buckets);
	CU_add_test(s, "bucket access by index", test_bucket_access);
	CU_add_test(s, "empty statistic", test_empty);
	CU_add_test(s, "single value", test_single_value);
	CU_add_test(s, "count sum min max avg", test_basic_extractors);
	CU_add_test(s, "avg truncates toward zero", test_avg_truncates_toward_zero);
	CU_add_test(s, "INT64_MIN and INT64_MAX", test_int64_extremes);
	CU_add_test(s, "variance: stap(1) example", test_variance_manual_example);
	CU_add_test(s, "variance: exact cases", test_variance_exact_cases);
	CU_add_test(s, "merge empty and non-empty", test_merge_empty_and_nonempty);
	CU_add_test(s, "merge of different specs", test_merge_mismatch);
	CU_add_test(s, "merge: variance of parts, any order", test_merge_variance_parts);
	CU_add_test(s, "per-CPU statistic", test_pstat);
	CU_add_test(s, "per-CPU bad arguments", test_pstat_bad_args);
	CU_add_test(s, "print: langref linear example", test_print_langref_linear);
	CU_add_test(s, "print: langref log example", test_print_langref_log);
	CU_add_test(s, "print: log from 0", test_print_log_from_zero);
	CU_add_test(s, "print: linear overflow row", test_print_linear_overflow);
	CU_add_test(s, "print: linear underflow row", test_print_linear_underflow);
	CU_add_test(s, "print: linear negative bounds", test_print_linear_negative);
	CU_add_test(s, "print: log negative values", test_print_log_negative);
	CU_add_test(s, "print: log gap and wide labels", test_print_log_gap_and_width);
	CU_add_test(s, "print: INT64 extremes", test_print_log_extremes);
	CU_add_test(s, "print: linear wide range", test_print_linear_wide_range);
	CU_add_test(s, "print: bar scaling", test_print_scaling);
	CU_add_test(s, "print: empty and no histogram", test_print_empty_and_nohist);
	CU_add_test(s, "print: truncation", test_print_truncation);
	CU_add_test(s, "print: through a draining sink", test_print_drain);
}
