/*
 * test_map.c - unit tests of runtime/core/map.c: lookups with 1..9 keys of
 * mixed types, capacity and wrap, slot reuse, insertion order, sorted
 * iteration (every key and the value, both directions, stability, 100000
 * entries) and string truncation at MAXSTRINGLEN; stat maps (statistics
 * as values: insertion, capacity with and without wrap, sorting by each
 * extractor) and per-CPU stat maps (aggregation across CPUs, its order and
 * overflow, delete on every CPU, clear).
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/map.h"

#define L(v) SONDE_ARG_LONG(v)
#define S(v) SONDE_ARG_STR(v)

static const int LONG1[] = { SONDE_LONG };
static const int STR1[] = { SONDE_STRING };

/* A map keyed by one long, holding longs. */
static struct sonde_map *long_map(uint32_t cap, bool wrap)
{
	return sonde_map_new(1, LONG1, SONDE_LONG, cap, wrap);
}

static int set1(struct sonde_map *m, int64_t k, int64_t v)
{
	struct sonde_arg key = L(k);

	return sonde_map_set_long(m, &key, v);
}

static int64_t get1(struct sonde_map *m, int64_t k)
{
	struct sonde_arg key = L(k);

	return sonde_map_get_long(m, &key);
}

static bool has1(struct sonde_map *m, int64_t k)
{
	struct sonde_arg key = L(k);

	return sonde_map_exists(m, &key);
}

static void del1(struct sonde_map *m, int64_t k)
{
	struct sonde_arg key = L(k);

	sonde_map_delete(m, &key);
}

/* Checks that iterating m yields exactly the long keys want[0..n). */
static void assert_order(struct sonde_map *m, const int64_t *want, int n)
{
	int32_t e;
	int i = 0;

	for (e = sonde_map_first(m); e >= 0; e = sonde_map_next(m, e), i++) {
		CU_ASSERT_FATAL(i < n);
		CU_ASSERT_EQUAL(sonde_map_key_long(m, e, 0), want[i]);
	}
	CU_ASSERT_EQUAL(i, n);
	CU_ASSERT_EQUAL(sonde_map_size(m), (uint32_t)n);
}

/* The entry index holding long key k, or -1. */
static int32_t entry_of(struct sonde_map *m, int64_t k)
{
	int32_t e;

	for (e = sonde_map_first(m); e >= 0; e = sonde_map_next(m, e))
		if (sonde_map_key_long(m, e, 0) == k)
			return e;
	return -1;
}

/* ---- basics ------------------------------------------------------------ */

static void test_new_rejects_bad_args(void)
{
	static const int bad[] = { 7 };
	int ten[10];
	int i;

	for (i = 0; i < 10; i++)
		ten[i] = SONDE_LONG;
	CU_ASSERT_PTR_NULL(sonde_map_new(0, LONG1, SONDE_LONG, 4, false));
	CU_ASSERT_PTR_NULL(sonde_map_new(10, ten, SONDE_LONG, 4, false));
	CU_ASSERT_PTR_NULL(sonde_map_new(1, bad, SONDE_LONG, 4, false));
	CU_ASSERT_PTR_NULL(sonde_map_new(1, LONG1, SONDE_STATS, 4, false));
	CU_ASSERT_PTR_NULL(sonde_map_new(1, NULL, SONDE_LONG, 4, false));
}

static void test_long_basics(void)
{
	struct sonde_map *m = long_map(16, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(sonde_map_size(m), 0);
	CU_ASSERT_EQUAL(sonde_map_first(m), -1);
	CU_ASSERT_EQUAL(get1(m, 5), 0);
	CU_ASSERT_FALSE(has1(m, 5));
	CU_ASSERT_EQUAL(set1(m, 5, 50), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(set1(m, -5, -50), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(set1(m, INT64_MIN, 1), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(get1(m, 5), 50);
	CU_ASSERT_EQUAL(get1(m, -5), -50);
	CU_ASSERT_EQUAL(get1(m, INT64_MIN), 1);
	CU_ASSERT_TRUE(has1(m, 5));
	CU_ASSERT_EQUAL(get1(m, 6), 0);
	/* lookups never insert; a stored 0 still exists */
	CU_ASSERT_EQUAL(sonde_map_size(m), 3);
	CU_ASSERT_EQUAL(set1(m, 0, 0), SONDE_MAP_OK);
	CU_ASSERT_TRUE(has1(m, 0));
	/* overwrite keeps one entry */
	CU_ASSERT_EQUAL(set1(m, 5, 51), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(get1(m, 5), 51);
	CU_ASSERT_EQUAL(sonde_map_size(m), 4);
	sonde_map_free(m);
}

static void test_default_capacity(void)
{
	struct sonde_map *m = long_map(0, false);
	int64_t i;
	int full = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < MAXMAPENTRIES + 1; i++)
		full += set1(m, i, i) == SONDE_MAP_FULL;
	CU_ASSERT_EQUAL(full, 1);
	CU_ASSERT_EQUAL(sonde_map_size(m), MAXMAPENTRIES);
	sonde_map_free(m);
}

static void test_string_values(void)
{
	struct sonde_map *m = sonde_map_new(1, STR1, SONDE_STRING, 8, false);
	struct sonde_arg k = S("name"), other = S("other");

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(sonde_map_get_str(m, &k), "");
	CU_ASSERT_EQUAL(sonde_map_set_str(m, &k, "alice"), SONDE_MAP_OK);
	CU_ASSERT_STRING_EQUAL(sonde_map_get_str(m, &k), "alice");
	CU_ASSERT_EQUAL(sonde_map_set_str(m, &k, "bob"), SONDE_MAP_OK);
	CU_ASSERT_STRING_EQUAL(sonde_map_get_str(m, &k), "bob");
	CU_ASSERT_EQUAL(sonde_map_set_str(m, &other, NULL), SONDE_MAP_OK);
	CU_ASSERT_TRUE(sonde_map_exists(m, &other));
	CU_ASSERT_STRING_EQUAL(sonde_map_get_str(m, &other), "");
	/* the empty string is a key like any other; a NULL key means "" */
	struct sonde_arg empty = S(""), null = S(NULL);
	CU_ASSERT_EQUAL(sonde_map_set_str(m, &empty, "e"), SONDE_MAP_OK);
	CU_ASSERT_STRING_EQUAL(sonde_map_get_str(m, &null), "e");
	/* a long accessor on a string map finds nothing to read */
	CU_ASSERT_EQUAL(sonde_map_get_long(m, &k), 0);
	CU_ASSERT_EQUAL(sonde_map_set_long(m, &k, 1), SONDE_MAP_BADTYPE);
	CU_ASSERT_EQUAL(sonde_map_add_long(m, &k, 1, NULL), SONDE_MAP_BADTYPE);
	CU_ASSERT_STRING_EQUAL(sonde_map_get_str(m, &k), "bob");
	sonde_map_free(m);
}

static void test_key_type_mismatch(void)
{
	struct sonde_map *m = long_map(8, false);
	struct sonde_arg wrong = S("5");
	int64_t r = 99;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(sonde_map_set_long(m, &wrong, 1), SONDE_MAP_BADTYPE);
	CU_ASSERT_EQUAL(sonde_map_add_long(m, &wrong, 1, &r), SONDE_MAP_BADTYPE);
	CU_ASSERT_EQUAL(r, 99);
	CU_ASSERT_EQUAL(sonde_map_get_long(m, &wrong), 0);
	CU_ASSERT_FALSE(sonde_map_exists(m, &wrong));
	sonde_map_delete(m, &wrong);
	CU_ASSERT_EQUAL(sonde_map_size(m), 0);
	sonde_map_free(m);
}

/* ---- many keys --------------------------------------------------------- */

/* nkeys keys alternating long, string, long, ... from seed. */
static void make_keys(struct sonde_arg *k, char bufs[][16], int nkeys, int seed)
{
	int i;

	for (i = 0; i < nkeys; i++) {
		if (i % 2 == 0) {
			k[i] = L((int64_t)seed * 1000 + i);
		} else {
			snprintf(bufs[i], 16, "s%d.%d", seed, i);
			k[i] = S(bufs[i]);
		}
	}
}

static void test_one_to_nine_keys(void)
{
	int types[SONDE_MAXKEYS], nkeys, seed, i;
	struct sonde_arg k[SONDE_MAXKEYS];
	char bufs[SONDE_MAXKEYS][16];

	for (i = 0; i < SONDE_MAXKEYS; i++)
		types[i] = i % 2 == 0 ? SONDE_LONG : SONDE_STRING;
	for (nkeys = 1; nkeys <= SONDE_MAXKEYS; nkeys++) {
		struct sonde_map *m = sonde_map_new(nkeys, types, SONDE_LONG, 64, false);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		for (seed = 0; seed < 50; seed++) {
			make_keys(k, bufs, nkeys, seed);
			CU_ASSERT_EQUAL(sonde_map_set_long(m, k, seed * 7), SONDE_MAP_OK);
		}
		for (seed = 0; seed < 50; seed++) {
			make_keys(k, bufs, nkeys, seed);
			CU_ASSERT_EQUAL(sonde_map_get_long(m, k), seed * 7);
			/* changing the last key alone makes it absent */
			if (k[nkeys - 1].type == SONDE_LONG)
				k[nkeys - 1].n += 1;
			else
				k[nkeys - 1].s = "nope";
			CU_ASSERT_FALSE(sonde_map_exists(m, k));
		}
		/* accessors return the stored keys */
		int32_t e = sonde_map_first(m);
		make_keys(k, bufs, nkeys, 0);
		for (i = 0; i < nkeys; i++) {
			if (types[i] == SONDE_LONG) {
				CU_ASSERT_EQUAL(sonde_map_key_long(m, e, i), k[i].n);
			} else {
				CU_ASSERT_STRING_EQUAL(sonde_map_key_str(m, e, i), k[i].s);
			}
		}
		/* wrong-type and out-of-range accessors are harmless */
		CU_ASSERT_STRING_EQUAL(sonde_map_key_str(m, e, 0), "");
		CU_ASSERT_EQUAL(sonde_map_key_long(m, e, nkeys), 0);
		CU_ASSERT_EQUAL(sonde_map_key_long(m, -1, 0), 0);
		CU_ASSERT_EQUAL(sonde_map_size(m), 50);
		sonde_map_free(m);
	}
}

/* String keys are compared whole: ("ab","c") is not ("a","bc"). */
static void test_string_key_boundaries(void)
{
	static const int types[] = { SONDE_STRING, SONDE_STRING };
	struct sonde_map *m = sonde_map_new(2, types, SONDE_LONG, 8, false);
	struct sonde_arg k1[] = { S("ab"), S("c") }, k2[] = { S("a"), S("bc") };
	struct sonde_arg k3[] = { S("abc"), S("") };

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	sonde_map_set_long(m, k1, 1);
	CU_ASSERT_FALSE(sonde_map_exists(m, k2));
	CU_ASSERT_FALSE(sonde_map_exists(m, k3));
	sonde_map_set_long(m, k2, 2);
	sonde_map_set_long(m, k3, 3);
	CU_ASSERT_EQUAL(sonde_map_get_long(m, k1), 1);
	CU_ASSERT_EQUAL(sonde_map_get_long(m, k2), 2);
	CU_ASSERT_EQUAL(sonde_map_get_long(m, k3), 3);
	sonde_map_free(m);
}

/* ---- capacity, wrap, reuse, order ------------------------------------- */

static void test_overflow_at_capacity(void)
{
	struct sonde_map *m = long_map(4, false);
	int64_t r = 0;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(set1(m, i, i), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(set1(m, 4, 4), SONDE_MAP_FULL);
	struct sonde_arg k4 = L(4), k2 = L(2);
	CU_ASSERT_EQUAL(sonde_map_add_long(m, &k4, 1, &r), SONDE_MAP_FULL);
	CU_ASSERT_FALSE(has1(m, 4));
	/* existing elements can still be updated when full */
	CU_ASSERT_EQUAL(set1(m, 3, 33), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(sonde_map_add_long(m, &k2, 5, &r), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(r, 7);
	CU_ASSERT_EQUAL(sonde_map_size(m), 4);
	/* deleting one makes room for exactly one */
	del1(m, 0);
	CU_ASSERT_EQUAL(set1(m, 4, 4), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(set1(m, 5, 5), SONDE_MAP_FULL);
	sonde_map_free(m);
}

static void test_capacity_one(void)
{
	struct sonde_map *m = long_map(1, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(set1(m, 1, 1), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(set1(m, 2, 2), SONDE_MAP_FULL);
	sonde_map_free(m);
	m = long_map(1, true);
	CU_ASSERT_EQUAL(set1(m, 1, 1), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(set1(m, 2, 2), SONDE_MAP_OK);
	CU_ASSERT_FALSE(has1(m, 1));
	CU_ASSERT_EQUAL(get1(m, 2), 2);
	sonde_map_free(m);
}

static void test_wrap_evicts_oldest(void)
{
	struct sonde_map *m = long_map(3, true);
	static const int64_t after4[] = { 2, 3, 4 };
	static const int64_t after_update[] = { 3, 4, 5 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	set1(m, 1, 10);
	set1(m, 2, 20);
	set1(m, 3, 30);
	CU_ASSERT_EQUAL(set1(m, 4, 40), SONDE_MAP_OK);
	CU_ASSERT_FALSE(has1(m, 1));
	assert_order(m, after4, 3);
	/* updating 2 does not make it younger: it is evicted next */
	set1(m, 2, 21);
	struct sonde_arg k5 = L(5);
	int64_t r = 0;
	CU_ASSERT_EQUAL(sonde_map_add_long(m, &k5, 50, &r), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(r, 50);
	assert_order(m, after_update, 3);
	CU_ASSERT_EQUAL(get1(m, 3), 30);
	sonde_map_free(m);
}

/* A new key that points into the entry being evicted is still copied right. */
static void test_wrap_key_aliases_evicted(void)
{
	struct sonde_map *m = sonde_map_new(1, STR1, SONDE_LONG, 1, true);
	struct sonde_arg k = S("hello"), tail;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	sonde_map_set_long(m, &k, 1);
	tail = S(sonde_map_key_str(m, sonde_map_first(m), 0) + 1);
	CU_ASSERT_EQUAL(sonde_map_set_long(m, &tail, 2), SONDE_MAP_OK);
	k = S("ello");
	CU_ASSERT_EQUAL(sonde_map_get_long(m, &k), 2);
	CU_ASSERT_EQUAL(sonde_map_size(m), 1);
	sonde_map_free(m);
}

static void test_delete_reuses_slot(void)
{
	struct sonde_map *m = long_map(3, false);
	int32_t eb;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	set1(m, 1, 1);
	set1(m, 2, 2);
	set1(m, 3, 3);
	eb = entry_of(m, 2);
	del1(m, 2);
	CU_ASSERT_FALSE(has1(m, 2));
	CU_ASSERT_EQUAL(sonde_map_size(m), 2);
	del1(m, 2);             /* deleting an absent key is harmless */
	CU_ASSERT_EQUAL(sonde_map_size(m), 2);
	CU_ASSERT_EQUAL(set1(m, 4, 4), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(entry_of(m, 4), eb);
	CU_ASSERT_EQUAL(get1(m, 4), 4);
	/* reinsert the deleted key: it comes back with value 0 via add */
	del1(m, 1);
	struct sonde_arg k2 = L(2);
	int64_t r = -1;
	CU_ASSERT_EQUAL(sonde_map_add_long(m, &k2, 0, &r), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(r, 0);
	sonde_map_free(m);
}

static void test_order_across_deletes(void)
{
	struct sonde_map *m = long_map(16, false);
	static const int64_t want[] = { 1, 3, 5, 7, 9, 11, 2 };
	static const int64_t want2[] = { 3, 5, 7, 11, 2 };
	int64_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 1; i <= 10; i++)
		set1(m, i, i);
	for (i = 2; i <= 10; i += 2)
		del1(m, i);
	set1(m, 11, 11);
	set1(m, 2, 2);
	set1(m, 5, 55);         /* update: keeps its place */
	assert_order(m, want, 7);
	del1(m, 1);             /* head */
	del1(m, 9);             /* middle */
	assert_order(m, want2, 5);
	del1(m, 2);             /* tail */
	set1(m, 100, 0);
	CU_ASSERT_EQUAL(sonde_map_key_long(m, sonde_map_first(m), 0), 3);
	sonde_map_free(m);
}

static void test_clear(void)
{
	struct sonde_map *m = long_map(8, false);
	int64_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < 8; i++)
		set1(m, i, i + 1);
	del1(m, 3);
	sonde_map_clear(m);
	CU_ASSERT_EQUAL(sonde_map_size(m), 0);
	CU_ASSERT_EQUAL(sonde_map_first(m), -1);
	CU_ASSERT_FALSE(has1(m, 0));
	CU_ASSERT_EQUAL(get1(m, 5), 0);
	/* the full capacity is available again */
	for (i = 100; i < 108; i++)
		CU_ASSERT_EQUAL(set1(m, i, i), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(set1(m, 200, 0), SONDE_MAP_FULL);
	CU_ASSERT_EQUAL(get1(m, 107), 107);
	sonde_map_free(m);
}

static void test_add_long(void)
{
	struct sonde_map *m = long_map(8, false);
	struct sonde_arg k = L(1);
	int64_t r = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(sonde_map_add_long(m, &k, 5, &r), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(r, 5);
	CU_ASSERT_EQUAL(sonde_map_add_long(m, &k, -7, &r), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(r, -2);
	CU_ASSERT_EQUAL(sonde_map_add_long(m, &k, 1, NULL), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(get1(m, 1), -1);
	/* wraps around like two's complement */
	set1(m, 2, INT64_MAX);
	k = L(2);
	sonde_map_add_long(m, &k, 1, &r);
	CU_ASSERT_EQUAL(r, INT64_MIN);
	sonde_map_free(m);
}

/* Many keys in a big map: every one is found, deletes are exact. */
static void test_many_keys(void)
{
	const int64_t n = 50000;
	struct sonde_map *m = long_map((uint32_t)n, false);
	int64_t i, bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < n; i++)
		bad += set1(m, i * 4096, i) != SONDE_MAP_OK;
	for (i = 0; i < n; i += 2)
		del1(m, i * 4096);
	for (i = 0; i < n; i++)
		bad += has1(m, i * 4096) != (i % 2 == 1) ||
		       get1(m, i * 4096) != (i % 2 ? i : 0);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(sonde_map_size(m), (uint32_t)(n / 2));
	sonde_map_free(m);
}

/* ---- string truncation ------------------------------------------------- */

/* A MAXSTRINGLEN-2 'a' prefix, then "é" straddling the last byte, then more. */
static char *long_key(char *buf, char tail)
{
	memset(buf, 'a', MAXSTRINGLEN - 2);
	strcpy(buf + MAXSTRINGLEN - 2, "\xc3\xa9");
	buf[MAXSTRINGLEN] = tail;
	buf[MAXSTRINGLEN + 1] = '\0';
	return buf;
}

static void test_string_truncation(void)
{
	static char k1[MAXSTRINGLEN + 8], k2[MAXSTRINGLEN + 8], prefix[MAXSTRINGLEN];
	struct sonde_map *m = sonde_map_new(1, STR1, SONDE_STRING, 4, false);
	struct sonde_arg a1 = S(long_key(k1, 'x')), a2 = S(long_key(k2, 'y'));
	struct sonde_arg ap;
	const char *stored;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(sonde_map_set_str(m, &a1, k1), SONDE_MAP_OK);
	stored = sonde_map_key_str(m, sonde_map_first(m), 0);
	/* the é does not fit in MAXSTRINGLEN-1 bytes and is dropped whole */
	CU_ASSERT_EQUAL(strlen(stored), MAXSTRINGLEN - 2);
	CU_ASSERT_EQUAL(strlen(sonde_map_get_str(m, &a1)), MAXSTRINGLEN - 2);
	/* keys equal up to the cut are the same element */
	CU_ASSERT_EQUAL(sonde_map_set_str(m, &a2, "v2"), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(sonde_map_size(m), 1);
	memset(prefix, 'a', MAXSTRINGLEN - 2);
	prefix[MAXSTRINGLEN - 2] = '\0';
	ap = S(prefix);
	CU_ASSERT_STRING_EQUAL(sonde_map_get_str(m, &ap), "v2");
	/* one byte shorter prefix is a different key */
	prefix[MAXSTRINGLEN - 3] = '\0';
	CU_ASSERT_FALSE(sonde_map_exists(m, &ap));
	sonde_map_free(m);
}

/* ---- sorting ----------------------------------------------------------- */

/*
 * A map [string, long] -> long with many ties in every column, so that
 * stability shows.  Entry i has keys ("k" i%3, a permutation of i/3) and
 * value from i%5; the key pair is unique, so all n entries exist.
 */
static struct sonde_map *tie_map(int n)
{
	static const int types[] = { SONDE_STRING, SONDE_LONG };
	struct sonde_map *m = sonde_map_new(2, types, SONDE_LONG, n, false);
	char s[8];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "k%d", i % 3);
		struct sonde_arg k[] = { S(s), L((i / 3 * 7) % 20 - 10) };
		sonde_map_set_long(m, k, (i * 3) % 5 - 2);
	}
	return m;
}

/* Compares entries a and b by column col (1..2 keys, -1 value). */
static int col_cmp(struct sonde_map *m, int col, int32_t a, int32_t b)
{
	int64_t x, y;

	if (col == 1)
		return strcmp(sonde_map_key_str(m, a, 0), sonde_map_key_str(m, b, 0));
	if (col == 2) {
		x = sonde_map_key_long(m, a, 1);
		y = sonde_map_key_long(m, b, 1);
	} else {
		x = sonde_map_value_long(m, a);
		y = sonde_map_value_long(m, b);
	}
	return x < y ? -1 : x > y;
}

/* Insertion rank of every entry index, by walking the insertion list. */
static void ranks(struct sonde_map *m, int32_t *rank, int cap)
{
	int32_t e;
	int r = 0;

	memset(rank, 0xff, cap * sizeof(*rank));
	for (e = sonde_map_first(m); e >= 0; e = sonde_map_next(m, e))
		rank[e] = r++;
}

/* Checks a sorted order: direction respected, ties in insertion order. */
static int sorted_faults(struct sonde_map *m, const int32_t *ord, uint32_t n,
			 int col, int dir, const int32_t *rank)
{
	uint32_t i;
	int faults = 0, c;

	for (i = 1; i < n; i++) {
		c = col_cmp(m, col, ord[i - 1], ord[i]) * dir;
		if (c > 0 || (c == 0 && rank[ord[i - 1]] >= rank[ord[i]]))
			faults++;
	}
	return faults;
}

static void test_sort_each_column(void)
{
	static const int cols[] = { 1, 2, -1 };
	struct sonde_map *m = tie_map(60);
	int32_t rank[60];
	const int32_t *ord;
	uint32_t n = 0;
	int c, dir;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	ranks(m, rank, 60);
	for (c = 0; c < 3; c++)
		for (dir = -1; dir <= 1; dir += 2) {
			ord = sonde_map_sorted(m, cols[c], dir, &n);
			CU_ASSERT_PTR_NOT_NULL_FATAL(ord);
			CU_ASSERT_EQUAL(n, 60);
			CU_ASSERT_EQUAL(sorted_faults(m, ord, n, cols[c], dir, rank), 0);
			sonde_map_sorted_done(m);
		}
	sonde_map_free(m);
}

/* A small case spelled out, so a wrong "stable" shows plainly. */
static void test_sort_ties_explicit(void)
{
	struct sonde_map *m = long_map(8, false);
	static const int64_t keys[] = { 10, 11, 12, 13, 14 };
	static const int64_t vals[] = { 2, 1, 2, 1, 3 };
	static const int64_t asc[] = { 11, 13, 10, 12, 14 };
	static const int64_t desc[] = { 14, 10, 12, 11, 13 };
	const int32_t *ord;
	uint32_t n, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < 5; i++)
		set1(m, keys[i], vals[i]);
	ord = sonde_map_sorted(m, -1, 1, &n);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(sonde_map_key_long(m, ord[i], 0), asc[i]);
	sonde_map_sorted_done(m);
	ord = sonde_map_sorted(m, -1, -1, &n);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(sonde_map_key_long(m, ord[i], 0), desc[i]);
	sonde_map_sorted_done(m);
	ord = sonde_map_sorted(m, 1, -1, &n);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(sonde_map_key_long(m, ord[i], 0), keys[4 - i]);
	sonde_map_sorted_done(m);
	sonde_map_free(m);
}

static void test_sort_strings_and_values(void)
{
	struct sonde_map *m = sonde_map_new(1, STR1, SONDE_STRING, 8, false);
	static const char *const ks[] = { "pear", "apple", "fig", "Zed", "" };
	static const char *const vs[] = { "b", "a", "b", "c", "a" };
	static const char *const by_key[] = { "", "Zed", "apple", "fig", "pear" };
	static const char *const by_val_desc[] = { "Zed", "pear", "fig", "apple", "" };
	const int32_t *ord;
	uint32_t n, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < 5; i++) {
		struct sonde_arg k = S(ks[i]);
		sonde_map_set_str(m, &k, vs[i]);
	}
	ord = sonde_map_sorted(m, 1, 1, &n);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	for (i = 0; i < n; i++)
		CU_ASSERT_STRING_EQUAL(sonde_map_key_str(m, ord[i], 0), by_key[i]);
	sonde_map_sorted_done(m);
	ord = sonde_map_sorted(m, -1, -1, &n);
	for (i = 0; i < n; i++)
		CU_ASSERT_STRING_EQUAL(sonde_map_key_str(m, ord[i], 0), by_val_desc[i]);
	sonde_map_sorted_done(m);
	sonde_map_free(m);
}

static void test_sort_busy_and_edge_cases(void)
{
	struct sonde_map *m = long_map(8, false);
	static const int64_t ins[] = { 3, 1, 2 };
	const int32_t *ord;
	uint32_t n = 99, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	/* an empty map sorts to nothing */
	ord = sonde_map_sorted(m, 1, 1, &n);
	CU_ASSERT_PTR_NOT_NULL(ord);
	CU_ASSERT_EQUAL(n, 0);
	/* nested use of the same map's buffer is refused until done */
	CU_ASSERT_PTR_NULL(sonde_map_sorted(m, 1, 1, &n));
	sonde_map_sorted_done(m);
	for (i = 0; i < 3; i++)
		set1(m, ins[i], 0);
	ord = sonde_map_sorted(m, 1, 1, &n);
	CU_ASSERT_PTR_NOT_NULL(ord);
	CU_ASSERT_PTR_NULL(sonde_map_sorted(m, -1, 1, &n));
	sonde_map_sorted_done(m);
	/* a key number out of range keeps insertion order */
	ord = sonde_map_sorted(m, 2, 1, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ord);
	CU_ASSERT_EQUAL(n, 3);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(sonde_map_key_long(m, ord[i], 0), ins[i]);
	sonde_map_sorted_done(m);
	sonde_map_free(m);
}

/* 100000 entries with many duplicate values: sorted, stable, complete. */
static void test_sort_large(void)
{
	enum { N = 100000 };
	static int32_t rank[N];
	struct sonde_map *m = long_map(N, false);
	uint64_t x = 88172645463325252ULL;
	const int32_t *ord;
	uint32_t n, i;
	int dir;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (i = 0; i < N; i++) {
		x ^= x << 13;   /* xorshift64: deterministic pseudo-random */
		x ^= x >> 7;
		x ^= x << 17;
		set1(m, (int64_t)x, (int64_t)(x % 1000) - 500);
	}
	CU_ASSERT_EQUAL_FATAL(sonde_map_size(m), N);
	ranks(m, rank, N);
	for (dir = -1; dir <= 1; dir += 2) {
		ord = sonde_map_sorted(m, -1, dir, &n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ord);
		CU_ASSERT_EQUAL(n, N);
		CU_ASSERT_EQUAL(sorted_faults(m, ord, n, -1, dir, rank), 0);
		sonde_map_sorted_done(m);
	}
	ord = sonde_map_sorted(m, 1, 1, &n);
	for (i = 1; i < n; i++)
		if (sonde_map_key_long(m, ord[i - 1], 0) >= sonde_map_key_long(m, ord[i], 0))
			break;
	CU_ASSERT_EQUAL(i, n);
	sonde_map_sorted_done(m);
	sonde_map_free(m);
}

/* ---- stat maps ----------------------------------------------------------- */

static const struct sonde_hist_spec NO_HIST = { .kind = SONDE_HIST_NONE };
static const struct sonde_hist_spec LOG_HIST = { .kind = SONDE_HIST_LOG };

static struct sonde_map *stat_map(uint32_t cap, bool wrap)
{
	return sonde_map_new_stats(1, LONG1, &NO_HIST, cap, wrap);
}

static int add1(struct sonde_map *m, int64_t k, int64_t v)
{
	struct sonde_arg key = L(k);

	return sonde_map_add_stat(m, &key, v);
}

static const struct sonde_stat *find1(struct sonde_map *m, int64_t k)
{
	struct sonde_arg key = L(k);

	return sonde_map_find_stat(m, &key);
}

/* An extractor of a statistic, asserting it is not empty. */
static int64_t xget(const struct sonde_stat *st, int op)
{
	int64_t v = -999;

	CU_ASSERT_EQUAL(sonde_stat_get(st, op, &v), SONDE_STAT_OK);
	return v;
}

static int64_t count1(struct sonde_map *m, int64_t k)
{
	return sonde_stat_count(find1(m, k));
}

static void test_stat_map_basics(void)
{
	struct sonde_map *m = sonde_map_new_stats(1, STR1, &LOG_HIST, 8, false);
	struct sonde_arg a = S("read"), b = S("write"), c = S("open");
	const struct sonde_stat *st;
	struct sonde_stat *w;
	int status = 99;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NULL(sonde_map_find_stat(m, &a));
	CU_ASSERT_EQUAL(sonde_map_add_stat(m, &a, 10), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(sonde_map_add_stat(m, &a, 30), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(sonde_map_add_stat(m, &b, -4), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(sonde_map_size(m), 2);
	st = sonde_map_find_stat(m, &a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_COUNT), 2);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_SUM), 40);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_AVG), 20);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_MIN), 10);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_MAX), 30);
	CU_ASSERT_EQUAL(sonde_stat_nbuckets(st), 128);
	int64_t n = 0;
	sonde_stat_bucket(st, 68, &n);          /* 8..15 */
	CU_ASSERT_EQUAL(n, 1);
	/* entry accessor and iteration */
	int32_t e = sonde_map_first(m);
	CU_ASSERT_STRING_EQUAL(sonde_map_key_str(m, e, 0), "read");
	CU_ASSERT_PTR_EQUAL(sonde_map_value_stat(m, e), st);
	e = sonde_map_next(m, e);
	CU_ASSERT_EQUAL(xget(sonde_map_value_stat(m, e), SONDE_STAT_MIN), -4);
	CU_ASSERT_PTR_NULL(sonde_map_value_stat(m, -1));
	CU_ASSERT_PTR_NULL(sonde_map_value_stat(m, 7));
	/* find-or-insert: an empty statistic for a new key */
	w = sonde_map_stat(m, &c, &status);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(status, SONDE_MAP_OK);
	CU_ASSERT_EQUAL(sonde_stat_count(w), 0);
	CU_ASSERT_TRUE(sonde_map_exists(m, &c));
	sonde_stat_add(w, 5);
	CU_ASSERT_EQUAL(sonde_stat_count(sonde_map_find_stat(m, &c)), 1);
	CU_ASSERT_PTR_EQUAL(sonde_map_stat(m, &c, NULL), w);
	/* the long/string element functions see no value */
	CU_ASSERT_EQUAL(sonde_map_get_long(m, &a), 0);
	CU_ASSERT_STRING_EQUAL(sonde_map_get_str(m, &a), "");
	CU_ASSERT_EQUAL(sonde_map_set_long(m, &a, 1), SONDE_MAP_BADTYPE);
	CU_ASSERT_EQUAL(sonde_map_set_str(m, &a, "x"), SONDE_MAP_BADTYPE);
	CU_ASSERT_EQUAL(sonde_map_add_long(m, &a, 1, NULL), SONDE_MAP_BADTYPE);
	CU_ASSERT_EQUAL(sonde_map_value_long(m, sonde_map_first(m)), 0);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_COUNT), 2);
	/* a key of the wrong type */
	struct sonde_arg wrong = L(1);
	CU_ASSERT_EQUAL(sonde_map_add_stat(m, &wrong, 1), SONDE_MAP_BADTYPE);
	CU_ASSERT_PTR_NULL(sonde_map_stat(m, &wrong, &status));
	CU_ASSERT_EQUAL(status, SONDE_MAP_BADTYPE);
	CU_ASSERT_PTR_NULL(sonde_map_find_stat(m, &wrong));
	CU_ASSERT_EQUAL(sonde_map_size(m), 3);
	sonde_map_free(m);
}

static void test_stat_map_wrong_maps(void)
{
	struct sonde_map *lm = long_map(4, false);
	static const struct sonde_hist_spec bad = { .kind = SONDE_HIST_LINEAR, .low = 5,
						    .high = 1, .step = 1 };
	struct sonde_arg k = L(1);
	int status = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(lm);
	/* stat functions on a map of longs */
	CU_ASSERT_EQUAL(sonde_map_add_stat(lm, &k, 1), SONDE_MAP_BADTYPE);
	CU_ASSERT_PTR_NULL(sonde_map_stat(lm, &k, &status));
	CU_ASSERT_EQUAL(status, SONDE_MAP_BADTYPE);
	set1(lm, 1, 5);
	CU_ASSERT_PTR_NULL(sonde_map_find_stat(lm, &k));
	CU_ASSERT_PTR_NULL(sonde_map_value_stat(lm, sonde_map_first(lm)));
	CU_ASSERT_EQUAL(sonde_map_size(lm), 1);
	sonde_map_free(lm);
	/* bad arguments */
	CU_ASSERT_PTR_NULL(sonde_map_new_stats(1, LONG1, &bad, 4, false));
	CU_ASSERT_PTR_NULL(sonde_map_new_stats(1, LONG1, NULL, 4, false));
	CU_ASSERT_PTR_NULL(sonde_map_new_stats(0, LONG1, &NO_HIST, 4, false));
	CU_ASSERT_EQUAL(sonde_map_add_stat(NULL, &k, 1), SONDE_MAP_BADTYPE);
	CU_ASSERT_PTR_NULL(sonde_map_find_stat(NULL, &k));
}

static void test_stat_map_full(void)
{
	struct sonde_map *m = stat_map(2, false);
	struct sonde_arg k3 = L(3);
	int status = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(add1(m, 1, 10), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(add1(m, 2, 20), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(add1(m, 3, 30), SONDE_MAP_FULL);
	CU_ASSERT_PTR_NULL(sonde_map_stat(m, &k3, &status));
	CU_ASSERT_EQUAL(status, SONDE_MAP_FULL);
	CU_ASSERT_PTR_NULL(find1(m, 3));
	/* existing keys still take samples */
	CU_ASSERT_EQUAL(add1(m, 1, 11), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(count1(m, 1), 2);
	CU_ASSERT_EQUAL(sonde_map_size(m), 2);
	/* a deleted key's slot comes back empty */
	del1(m, 1);
	CU_ASSERT_EQUAL(add1(m, 3, 30), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(count1(m, 3), 1);
	CU_ASSERT_EQUAL(add1(m, 1, 1), SONDE_MAP_FULL);
	del1(m, 2);
	CU_ASSERT_EQUAL(add1(m, 1, 1), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(count1(m, 1), 1);
	CU_ASSERT_EQUAL(xget(find1(m, 1), SONDE_STAT_SUM), 1);
	/* clear empties everything */
	sonde_map_clear(m);
	CU_ASSERT_EQUAL(sonde_map_size(m), 0);
	CU_ASSERT_PTR_NULL(find1(m, 3));
	CU_ASSERT_EQUAL(add1(m, 7, 7), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(add1(m, 3, 3), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(count1(m, 3), 1);
	sonde_map_free(m);
}

static void test_stat_map_wrap(void)
{
	struct sonde_map *m = stat_map(2, true);
	static const int64_t after[] = { 2, 3 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	add1(m, 1, 10);
	add1(m, 1, 10);
	add1(m, 2, 20);
	CU_ASSERT_EQUAL(add1(m, 3, 30), SONDE_MAP_OK);   /* evicts 1 */
	assert_order(m, after, 2);
	CU_ASSERT_PTR_NULL(find1(m, 1));
	/* the new key took the evicted slot and starts empty */
	CU_ASSERT_EQUAL(count1(m, 3), 1);
	CU_ASSERT_EQUAL(xget(find1(m, 3), SONDE_STAT_MIN), 30);
	/* and 1 comes back fresh, evicting 2 */
	CU_ASSERT_EQUAL(add1(m, 1, 5), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(count1(m, 1), 1);
	CU_ASSERT_PTR_NULL(find1(m, 2));
	sonde_map_free(m);
}

/* Keys 10..15 with samples chosen so each extractor orders them apart;
 * ties (in @count) show that the sort is stable. */
static struct sonde_map *sort_stat_map(void)
{
	struct sonde_map *m = stat_map(8, false);

	add1(m, 10, 5);                         /* n1 sum5 min5 max5 avg5 */
	add1(m, 11, 1); add1(m, 11, 100);       /* n2 sum101 min1 max100 avg50 */
	add1(m, 12, -7);                        /* n1 sum-7 */
	add1(m, 13, 3); add1(m, 13, 3); add1(m, 13, 3);  /* n3 sum9 var0 */
	add1(m, 14, 0); add1(m, 14, 10);        /* n2 sum10 min0 max10 avg5 var50 */
	add1(m, 15, 8);                         /* n1 sum8 */
	return m;
}

static void check_sorted(struct sonde_map *m, int key, int dir, int op,
			 const int64_t *want, uint32_t n)
{
	const int32_t *ord;
	uint32_t got = 0, i;

	ord = sonde_map_sorted_stat(m, key, dir, op, &got);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ord);
	CU_ASSERT_EQUAL_FATAL(got, n);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(sonde_map_key_long(m, ord[i], 0), want[i]);
	sonde_map_sorted_done(m);
}

static void test_stat_map_sort(void)
{
	struct sonde_map *m = sort_stat_map();
	static const int64_t by_count[] = { 10, 12, 15, 11, 14, 13 };
	static const int64_t by_count_desc[] = { 13, 11, 14, 10, 12, 15 };
	static const int64_t by_sum[] = { 12, 10, 15, 13, 14, 11 };
	static const int64_t by_min_desc[] = { 15, 10, 13, 11, 14, 12 };
	static const int64_t by_max[] = { 12, 13, 10, 15, 14, 11 };
	static const int64_t by_avg[] = { 12, 13, 10, 14, 15, 11 };
	static const int64_t by_var[] = { 10, 12, 13, 15, 14, 11 };
	static const int64_t by_key_desc[] = { 15, 14, 13, 12, 11, 10 };
	const int32_t *ord;
	uint32_t n, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	/* the default: by @count, ties in insertion order */
	ord = sonde_map_sorted(m, -1, 1, &n);
	CU_ASSERT_EQUAL_FATAL(n, 6);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(sonde_map_key_long(m, ord[i], 0), by_count[i]);
	sonde_map_sorted_done(m);
	check_sorted(m, -1, 1, SONDE_STAT_COUNT, by_count, 6);
	check_sorted(m, -1, -1, SONDE_STAT_COUNT, by_count_desc, 6);
	check_sorted(m, -1, 1, SONDE_STAT_SUM, by_sum, 6);
	check_sorted(m, -1, -1, SONDE_STAT_MIN, by_min_desc, 6);
	check_sorted(m, -1, 1, SONDE_STAT_MAX, by_max, 6);
	check_sorted(m, -1, 1, SONDE_STAT_AVG, by_avg, 6);
	/* @variance: 0 for one sample and for 13's three 3s; 14 {0, 10}:
	 * Welford mean 5, M2 50, so 50; 11 {1, 100}: Welford mean 1 + 99/2 =
	 * 50, M2 99 * 50 = 4950, total mean 101/2 = 50, so 4950 */
	check_sorted(m, -1, 1, SONDE_STAT_VARIANCE, by_var, 6);
	/* an unknown op sorts by @count; a key sort ignores the op */
	check_sorted(m, -1, 1, 42, by_count, 6);
	check_sorted(m, 1, -1, SONDE_STAT_SUM, by_key_desc, 6);
	/* an entry with an empty statistic sorts as 0 */
	struct sonde_arg k = L(16);
	CU_ASSERT_PTR_NOT_NULL(sonde_map_stat(m, &k, NULL));
	static const int64_t by_sum2[] = { 12, 16, 10, 15, 13, 14, 11 };
	check_sorted(m, -1, 1, SONDE_STAT_SUM, by_sum2, 7);
	sonde_map_free(m);
}

/* ---- per-CPU stat maps ---------------------------------------------------- */

static int padd(struct sonde_pmap *pm, int cpu, int64_t k, int64_t v)
{
	struct sonde_arg key = L(k);

	return sonde_pmap_add(pm, cpu, &key, v);
}

static void test_pmap_aggregate(void)
{
	struct sonde_pmap *pm = sonde_pmap_new(1, LONG1, 16, false, &LOG_HIST, 3);
	static const int64_t order[] = { 5, 7, 9, 8, 6 };
	struct sonde_map *agg;
	const struct sonde_stat *st;
	int status = 99;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pm);
	agg = sonde_pmap_aggregate(pm, &status);
	CU_ASSERT_PTR_NOT_NULL_FATAL(agg);
	CU_ASSERT_EQUAL(status, SONDE_MAP_OK);
	CU_ASSERT_EQUAL(sonde_map_size(agg), 0);
	/* CPU 0: keys 5, 7; CPU 1: 9, 5, 8; CPU 2: 7, 6 */
	CU_ASSERT_EQUAL(padd(pm, 0, 5, 1), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 0, 7, 100), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 1, 9, -1), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 1, 5, 2), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 1, 5, 3), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 1, 8, 0), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 2, 7, 300), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 2, 6, 4), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 0, 5, 4), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 3, 5, 4), SONDE_STAT_BADCPU);
	CU_ASSERT_EQUAL(padd(pm, -1, 5, 4), SONDE_STAT_BADCPU);
	/* the hot path touched only each CPU's own map */
	CU_ASSERT_EQUAL(sonde_map_size(sonde_pmap_cpu_map(pm, 0)), 2);
	CU_ASSERT_EQUAL(sonde_map_size(sonde_pmap_cpu_map(pm, 1)), 3);
	CU_ASSERT_EQUAL(sonde_map_size(sonde_pmap_cpu_map(pm, 2)), 2);
	CU_ASSERT_PTR_NULL(sonde_pmap_cpu_map(pm, 3));
	agg = sonde_pmap_aggregate(pm, &status);
	CU_ASSERT_EQUAL(status, SONDE_MAP_OK);
	/* one entry per key, CPU 0's keys first, then each CPU's new ones */
	assert_order(agg, order, 5);
	st = find1(agg, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_COUNT), 4);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_SUM), 10);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_MIN), 1);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_MAX), 4);
	int64_t b = 0;
	sonde_stat_bucket(st, 66, &b);          /* 2 and 3 */
	CU_ASSERT_EQUAL(b, 2);
	st = find1(agg, 7);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_COUNT), 2);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_AVG), 200);
	/* {100} and {300} as two parts: mean 200, (1*100^2 + 1*100^2) / 1 */
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_VARIANCE), 20000);
	/* sorting the aggregate by @count, descending: 5 first */
	const int32_t *ord;
	uint32_t n;
	ord = sonde_map_sorted(agg, -1, -1, &n);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_EQUAL(sonde_map_key_long(agg, ord[0], 0), 5);
	CU_ASSERT_EQUAL(sonde_map_key_long(agg, ord[1], 0), 7);
	sonde_map_sorted_done(agg);
	/* aggregating again rebuilds the same entries at the same indices */
	int32_t e5 = entry_of(agg, 5), e6 = entry_of(agg, 6);
	CU_ASSERT_PTR_EQUAL(sonde_pmap_aggregate(pm, NULL), agg);
	CU_ASSERT_EQUAL(entry_of(agg, 5), e5);
	CU_ASSERT_EQUAL(entry_of(agg, 6), e6);
	CU_ASSERT_EQUAL(count1(agg, 5), 4);
	/* a snapshot: later adds show at the next aggregate */
	padd(pm, 2, 5, 9);
	CU_ASSERT_EQUAL(count1(agg, 5), 4);
	sonde_pmap_aggregate(pm, NULL);
	CU_ASSERT_EQUAL(count1(agg, 5), 5);
	CU_ASSERT_PTR_NULL(sonde_pmap_aggregate(NULL, &status));
	sonde_pmap_free(pm);
	sonde_pmap_free(NULL);
}

static void test_pmap_get_exists(void)
{
	static const int types[] = { SONDE_STRING, SONDE_LONG };
	struct sonde_pmap *pm = sonde_pmap_new(2, types, 8, false, &NO_HIST, 4);
	struct sonde_arg k1[] = { S("sh"), L(1) }, k2[] = { S("sh"), L(2) };
	const struct sonde_stat *st;
	int c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pm);
	CU_ASSERT_PTR_NULL(sonde_pmap_get(pm, k1));
	CU_ASSERT_FALSE(sonde_pmap_exists(pm, k1));
	for (c = 0; c < 4; c++)
		CU_ASSERT_EQUAL(sonde_pmap_add(pm, c, k1, c * 10), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(sonde_pmap_add(pm, 3, k2, -5), SONDE_MAP_OK);
	CU_ASSERT_TRUE(sonde_pmap_exists(pm, k1));
	CU_ASSERT_TRUE(sonde_pmap_exists(pm, k2));
	st = sonde_pmap_get(pm, k1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_COUNT), 4);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_SUM), 60);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_MAX), 30);
	st = sonde_pmap_get(pm, k2);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_COUNT), 1);
	CU_ASSERT_EQUAL(xget(st, SONDE_STAT_MIN), -5);
	/* (get needed no aggregation; the aggregate has both keys) */
	CU_ASSERT_EQUAL(sonde_map_size(sonde_pmap_aggregate(pm, NULL)), 2);
	/* a key of the wrong type is nowhere */
	struct sonde_arg wrong[] = { L(1), L(1) };
	CU_ASSERT_PTR_NULL(sonde_pmap_get(pm, wrong));
	CU_ASSERT_FALSE(sonde_pmap_exists(pm, wrong));
	CU_ASSERT_EQUAL(sonde_pmap_add(pm, 0, wrong, 1), SONDE_MAP_BADTYPE);
	sonde_pmap_free(pm);
}

static void test_pmap_delete_clear(void)
{
	struct sonde_pmap *pm = sonde_pmap_new(1, LONG1, 8, false, &NO_HIST, 3);
	struct sonde_arg k1 = L(1);
	struct sonde_map *agg;
	int c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pm);
	for (c = 0; c < 3; c++) {
		padd(pm, c, 1, c);
		padd(pm, c, 2, c);
	}
	agg = sonde_pmap_aggregate(pm, NULL);
	CU_ASSERT_EQUAL(sonde_map_size(agg), 2);
	/* delete a[1]: gone from every CPU and from the aggregate */
	sonde_pmap_delete(pm, &k1);
	CU_ASSERT_FALSE(sonde_pmap_exists(pm, &k1));
	CU_ASSERT_PTR_NULL(sonde_pmap_get(pm, &k1));
	CU_ASSERT_PTR_NULL(find1(agg, 1));
	for (c = 0; c < 3; c++) {
		struct sonde_map *m = sonde_pmap_cpu_map(pm, c);
		CU_ASSERT_FALSE(sonde_map_exists(m, &k1));
		CU_ASSERT_EQUAL(sonde_map_size(m), 1);
	}
	agg = sonde_pmap_aggregate(pm, NULL);
	CU_ASSERT_EQUAL(sonde_map_size(agg), 1);
	CU_ASSERT_EQUAL(count1(agg, 2), 3);
	/* a deleted key starts over */
	padd(pm, 1, 1, 50);
	agg = sonde_pmap_aggregate(pm, NULL);
	CU_ASSERT_EQUAL(count1(agg, 1), 1);
	CU_ASSERT_EQUAL(xget(find1(agg, 1), SONDE_STAT_SUM), 50);
	/* delete a: everything */
	sonde_pmap_clear(pm);
	CU_ASSERT_EQUAL(sonde_map_size(agg), 0);
	for (c = 0; c < 3; c++)
		CU_ASSERT_EQUAL(sonde_map_size(sonde_pmap_cpu_map(pm, c)), 0);
	CU_ASSERT_EQUAL(sonde_map_size(sonde_pmap_aggregate(pm, NULL)), 0);
	sonde_pmap_delete(NULL, &k1);
	sonde_pmap_clear(NULL);
	sonde_pmap_free(pm);
}

static void test_pmap_full_and_wrap(void)
{
	struct sonde_pmap *pm = sonde_pmap_new(1, LONG1, 2, false, &NO_HIST, 2);
	struct sonde_map *agg;
	int status = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pm);
	/* each CPU's map is full on its own */
	CU_ASSERT_EQUAL(padd(pm, 0, 1, 1), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 0, 2, 1), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 0, 3, 1), SONDE_MAP_FULL);
	CU_ASSERT_EQUAL(padd(pm, 1, 3, 1), SONDE_MAP_OK);
	/* 3 distinct keys do not fit an aggregate of 2: overflow reported,
	 * the keys that fit are complete */
	agg = sonde_pmap_aggregate(pm, &status);
	CU_ASSERT_EQUAL(status, SONDE_MAP_FULL);
	CU_ASSERT_EQUAL(sonde_map_size(agg), 2);
	CU_ASSERT_EQUAL(count1(agg, 1), 1);
	CU_ASSERT_EQUAL(count1(agg, 2), 1);
	CU_ASSERT_PTR_NULL(find1(agg, 3));
	/* shared keys fit */
	sonde_pmap_clear(pm);
	padd(pm, 0, 1, 1);
	padd(pm, 0, 2, 1);
	padd(pm, 1, 2, 1);
	padd(pm, 1, 1, 1);
	agg = sonde_pmap_aggregate(pm, &status);
	CU_ASSERT_EQUAL(status, SONDE_MAP_OK);
	CU_ASSERT_EQUAL(count1(agg, 1), 2);
	CU_ASSERT_EQUAL(count1(agg, 2), 2);
	sonde_pmap_free(pm);

	/* a wrapping array: each CPU evicts its own oldest */
	pm = sonde_pmap_new(1, LONG1, 2, true, &NO_HIST, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pm);
	CU_ASSERT_EQUAL(padd(pm, 0, 1, 1), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 0, 2, 1), SONDE_MAP_OK);
	CU_ASSERT_EQUAL(padd(pm, 0, 3, 1), SONDE_MAP_OK);    /* evicts 1 on CPU 0 */
	CU_ASSERT_EQUAL(padd(pm, 1, 1, 5), SONDE_MAP_OK);
	agg = sonde_pmap_aggregate(pm, &status);
	CU_ASSERT_EQUAL(status, SONDE_MAP_FULL);             /* 2, 3 and 1 */
	CU_ASSERT_EQUAL(sonde_map_size(agg), 2);
	CU_ASSERT_PTR_NULL(find1(agg, 1));
	/* CPU 1 still has key 1, with only its own sample */
	struct sonde_arg k1 = L(1);
	CU_ASSERT_EQUAL(xget(sonde_pmap_get(pm, &k1), SONDE_STAT_SUM), 5);
	sonde_pmap_free(pm);
}

static void test_pmap_bad_args(void)
{
	static const struct sonde_hist_spec bad = { .kind = 9 };

	CU_ASSERT_PTR_NULL(sonde_pmap_new(1, LONG1, 4, false, &NO_HIST, 0));
	CU_ASSERT_PTR_NULL(sonde_pmap_new(1, LONG1, 4, false, &NO_HIST, SONDE_MAXCPUS + 1));
	CU_ASSERT_PTR_NULL(sonde_pmap_new(1, LONG1, 4, false, &bad, 2));
	CU_ASSERT_PTR_NULL(sonde_pmap_new(1, LONG1, 4, false, NULL, 2));
	CU_ASSERT_PTR_NULL(sonde_pmap_new(0, LONG1, 4, false, &NO_HIST, 2));
	CU_ASSERT_PTR_NULL(sonde_pmap_new(1, LONG1, (1u << 28) + 1, false, &NO_HIST, 2));
	CU_ASSERT_EQUAL(sonde_pmap_add(NULL, 0, NULL, 1), SONDE_STAT_BADCPU);
	CU_ASSERT_PTR_NULL(sonde_pmap_get(NULL, NULL));
	CU_ASSERT_FALSE(sonde_pmap_exists(NULL, NULL));
}

/* Many keys on many CPUs: every key's aggregate is the sum of its parts. */
static void test_pmap_many(void)
{
	enum { CPUS = 8, KEYS = 500 };
	struct sonde_pmap *pm = sonde_pmap_new(1, LONG1, KEYS, false, &LOG_HIST, CPUS);
	struct sonde_map *agg;
	int64_t k, bad = 0;
	int c, status;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pm);
	for (c = 0; c < CPUS; c++)
		for (k = c; k < KEYS; k += c + 1)
			bad += padd(pm, c, k, k * 10 + c) != SONDE_MAP_OK;
	CU_ASSERT_EQUAL(bad, 0);
	agg = sonde_pmap_aggregate(pm, &status);
	CU_ASSERT_EQUAL(status, SONDE_MAP_OK);
	CU_ASSERT_EQUAL(sonde_map_size(agg), KEYS);
	for (k = 0; k < KEYS; k++) {
		int64_t n = 0, sum = 0;
		for (c = 0; c < CPUS; c++)
			if (k >= c && (k - c) % (c + 1) == 0) {
				n++;
				sum += k * 10 + c;
			}
		const struct sonde_stat *st = find1(agg, k);
		bad += !st || sonde_stat_count(st) != n || xget(st, SONDE_STAT_SUM) != sum;
	}
	CU_ASSERT_EQUAL(bad, 0);
	sonde_pmap_free(pm);
}

void register_map_tests(void)
{
	CU_pSuite s = CU_add_suite("map", NULL, NULL);

	CU_add_test(s, "new rejects bad arguments", test_new_rejects_bad_args);
	CU_add_test(s, "long keys and values", test_long_basics);
	CU_add_test(s, "default capacity", test_default_capacity);
	CU_add_test(s, "string values", test_string_values);
	CU_add_test(s, "key type mismatch", test_key_type_mismatch);
	CU_add_test(s, "1..9 mixed keys", test_one_to_nine_keys);
	CU_add_test(s, "string key boundaries", test_string_key_boundaries);
	CU_add_test(s, "overflow at capacity", test_overflow_at_capacity);
	CU_add_test(s, "capacity one", test_capacity_one);
	CU_add_test(s, "wrap evicts oldest", test_wrap_evicts_oldest);
	CU_add_test(s, "wrap key aliases evicted entry", test_wrap_key_aliases_evicted);
	CU_add_test(s, "delete reuses slot", test_delete_reuses_slot);
	CU_add_test(s, "insertion order across deletes", test_order_across_deletes);
	CU_add_test(s, "clear", test_clear);
	CU_add_test(s, "add_long", test_add_long);
	CU_add_test(s, "50000 keys", test_many_keys);
	CU_add_test(s, "string truncation at MAXSTRINGLEN", test_string_truncation);
	CU_add_test(s, "sort each column both ways, stable", test_sort_each_column);
	CU_add_test(s, "sort ties spelled out", test_sort_ties_explicit);
	CU_add_test(s, "sort strings", test_sort_strings_and_values);
	CU_add_test(s, "sort busy flag and edge cases", test_sort_busy_and_edge_cases);
	CU_add_test(s, "sort 100000 entries", test_sort_large);
	CU_add_test(s, "stat map basics", test_stat_map_basics);
	CU_add_test(s, "stat functions on other maps", test_stat_map_wrong_maps);
	CU_add_test(s, "stat map full", test_stat_map_full);
	CU_add_test(s, "stat map wrap", test_stat_map_wrap);
	CU_add_test(s, "stat map sort by each extractor", test_stat_map_sort);
	CU_add_test(s, "per-CPU stat map aggregate", test_pmap_aggregate);
	CU_add_test(s, "per-CPU stat map get and exists", test_pmap_get_exists);
	CU_add_test(s, "per-CPU stat map delete and clear", test_pmap_delete_clear);
	CU_add_test(s, "per-CPU stat map full and wrap", test_pmap_full_and_wrap);
	CU_add_test(s, "per-CPU stat map bad arguments", test_pmap_bad_args);
	CU_add_test(s, "per-CPU stat map, 8 CPUs 500 keys", test_pmap_many);
}
