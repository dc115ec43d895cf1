/*
 * map.c - associative arrays of the probe language (see map.h).
 *
 * Data model.  sonde_map_new() makes one zeroed allocation holding, in
 * order: the struct sonde_map itself, the hash buckets, the sort/order
 * buffer and its merge-sort scratch half, and the entry pool.  Nothing is
 * allocated afterwards, so every operation is safe in probe context.
 *
 *   buckets[nbuckets]   int32 head of each hash chain (-1 = empty);
 *                       nbuckets is a power of two >= capacity, so chains
 *                       stay short even when the map is full
 *   order[2*capacity]   sonde_map_sorted() output (first half) and the
 *                       merge-sort scratch (second half)
 *   pool[capacity]      fixed-size entries, `stride` bytes apart
 *
 * An entry is a struct map_entry header followed by its keys and value in
 * slots at offsets computed once per map: 8 bytes for a SONDE_LONG, a
 * MAXSTRINGLEN-byte NUL-terminated array (rounded up to 8) for a
 * SONDE_STRING.  A long value lives in the header; a string value gets a
 * slot, and so does a statistic (sonde_stat_size(spec) bytes, made empty
 * whenever the entry is inserted).  Entries are linked three ways by int32
 * indices (-1 = none):
 *   - `chain`: the next entry in the same hash bucket, or, for a deleted
 *     entry, the next one on the free list;
 *   - `prev`/`next`: the doubly-linked insertion-order list, head = oldest.
 * Slots are handed out from the free list first (so a deleted slot is the
 * next one reused), then from the never-used tail [hwm, capacity).
 *
 * String keys are truncated to MAXSTRINGLEN-1 bytes at a UTF-8 boundary
 * before hashing and comparing, so a long lookup key finds the entry that
 * the same long key created.
 *
 * Builds in the kernel: no libc beyond platform.h, no floating point, no
 * recursion, no large locals.
 */
#include "platform.h"
#include "map.h"
#include "strings.h"

struct map_entry {
	int32_t chain;          /* next in bucket, or next free entry */
	int32_t prev, next;     /* insertion order */
	uint32_t hash;
	int64_t value;          /* the value when value_type is SONDE_LONG */
};

struct sonde_map {
	int nkeys;
	int key_types[SONDE_MAXKEYS];
	int value_type;
	bool wrap;
	bool sort_busy;         /* order buffer lent out by sonde_map_sorted */
	uint32_t capacity, size;
	uint32_t nbuckets;      /* power of two */
	uint32_t hwm;           /* entries [hwm, capacity) were never used */
	int32_t head, tail;     /* oldest and newest entry */
	int32_t free_head;
	size_t stride;          /* bytes per entry */
	size_t key_off[SONDE_MAXKEYS];
	size_t val_off;         /* string or statistic value slot */
	struct sonde_hist_spec spec;    /* SONDE_STATS: the statistics' spec */
	size_t stat_size;       /* SONDE_STATS: bytes of one statistic */
	int32_t *buckets;
	int32_t *order;         /* 2 * capacity: result, then scratch */
	char *pool;
};

/* Largest capacity accepted: indices are int32 and order holds 2*capacity. */
#define MAP_MAX_CAPACITY (1u << 28)

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)
#define STR_SLOT ALIGN8((size_t)MAXSTRINGLEN)

/* ---- entry addressing ------------------------------------------------ */

static struct map_entry *ent(const struct sonde_map *m, int32_t e)
{
	return (struct map_entry *)(m->pool + (size_t)e * m->stride);
}

static char *slot(const struct sonde_map *m, int32_t e, size_t off)
{
	return m->pool + (size_t)e * m->stride + off;
}

static int64_t *key_long_slot(const struct sonde_map *m, int32_t e, int i)
{
	return (int64_t *)slot(m, e, m->key_off[i]);
}

static bool valid_entry(const struct sonde_map *m, int32_t e)
{
	return m && e >= 0 && (uint32_t)e < m->hwm;
}

/* ---- hashing: 32-bit FNV-1a ------------------------------------------ */

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static uint32_t fnv_bytes(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--) {
		h ^= *b++;
		h *= FNV_PRIME;
	}
	return h;
}

/* Hashes the 8 bytes little-end first so the hash is endian-neutral. */
static uint32_t fnv_int64(uint32_t h, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int k;

	for (k = 0; k < 8; k++) {
		h ^= (uint32_t)(u & 0xff);
		h *= FNV_PRIME;
		u >>= 8;
	}
	return h;
}

/*
 * A lookup key made ready for hashing and comparing: the string keys'
 * stored lengths (after truncation) and the combined hash.
 */
struct prepared_key {
	const struct sonde_arg *keys;
	size_t len[SONDE_MAXKEYS];
	uint32_t hash;
};

static const char *key_str(const struct sonde_arg *k)
{
	return k->s ? k->s : "";
}

/* Length a string gets in a MAXSTRINGLEN slot; reads at most a few bytes
 * past the limit. */
static size_t stored_len(const char *s)
{
	return sonde_utf8_cut(s, sonde_strnlen(s, MAXSTRINGLEN + 3),
			      MAXSTRINGLEN - 1);
}

/* False when a key's type does not match the map (nothing is read then). */
static bool prepare_key(const struct sonde_map *m, const struct sonde_arg *keys,
			struct prepared_key *pk)
{
	uint32_t h = FNV_OFFSET;
	int i;

	if (!m || !keys)
		return false;
	pk->keys = keys;
	for (i = 0; i < m->nkeys; i++) {
		if (keys[i].type != m->key_types[i])
			return false;
		if (m->key_types[i] == SONDE_LONG) {
			h = fnv_int64(h, keys[i].n);
		} else {
			pk->len[i] = stored_len(key_str(&keys[i]));
			h = fnv_bytes(h, key_str(&keys[i]), pk->len[i]);
			h = fnv_bytes(h, "", 1); /* ("ab","c") != ("a","bc") */
		}
	}
	pk->hash = h;
	return true;
}

static bool key_equal(const struct sonde_map *m, int32_t e,
		      const struct prepared_key *pk)
{
	int i;

	if (ent(m, e)->hash != pk->hash)
		return false;
	for (i = 0; i < m->nkeys; i++) {
		if (m->key_types[i] == SONDE_LONG) {
			if (*key_long_slot(m, e, i) != pk->keys[i].n)
				return false;
		} else {
			const char *stored = slot(m, e, m->key_off[i]);

			if (memcmp(stored, key_str(&pk->keys[i]), pk->len[i]) ||
			    stored[pk->len[i]] != '\0')
				return false;
		}
	}
	return true;
}

static int32_t *bucket_of(const struct sonde_map *m, uint32_t hash)
{
	return &m->buckets[hash & (m->nbuckets - 1)];
}

static int32_t find(const struct sonde_map *m, const struct prepared_key *pk)
{
	int32_t e;

	for (e = *bucket_of(m, pk->hash); e >= 0; e = ent(m, e)->chain)
		if (key_equal(m, e, pk))
			return e;
	return -1;
}

/* ---- creation -------------------------------------------------------- */

/* Lays out one entry; returns false on a bad key or value type (a
 * SONDE_STATS value needs m->stat_size set). */
static bool layout_entry(struct sonde_map *m)
{
	size_t off = ALIGN8(sizeof(struct map_entry));
	int i;

	for (i = 0; i < m->nkeys; i++) {
		m->key_off[i] = off;
		if (m->key_types[i] == SONDE_LONG)
			off += sizeof(int64_t);
		else if (m->key_types[i] == SONDE_STRING)
			off += STR_SLOT;
		else
			return false;
	}
	m->val_off = off;
	if (m->value_type == SONDE_STRING)
		off += STR_SLOT;
	else if (m->value_type == SONDE_STATS && m->stat_size)
		off += ALIGN8(m->stat_size);
	else if (m->value_type != SONDE_LONG)
		return false;
	m->stride = off;
	return true;
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* Empties the map: all buckets and lists empty, every slot never used. */
static void reset(struct sonde_map *m)
{
	memset(m->buckets, 0xff, m->nbuckets * sizeof(int32_t)); /* all -1 */
	m->head = m->tail = m->free_head = -1;
	m->size = 0;
	m->hwm = 0;
}

/* sonde_map_new and sonde_map_new_stats: spec is NULL unless value_type
 * is SONDE_STATS. */
static struct sonde_map *map_create(int nkeys, const int *key_types, int value_type,
				    const struct sonde_hist_spec *spec,
				    uint32_t capacity, bool wrap)
{
	struct sonde_map proto, *m;
	size_t head_sz, idx_sz, total;
	int i;

	if (nkeys < 1 || nkeys > SONDE_MAXKEYS || !key_types)
		return NULL;
	if (capacity == 0)
		capacity = MAXMAPENTRIES;
	if (capacity > MAP_MAX_CAPACITY)
		return NULL;
	memset(&proto, 0, sizeof(proto));
	proto.nkeys = nkeys;
	for (i = 0; i < nkeys; i++)
		proto.key_types[i] = key_types[i];
	proto.value_type = value_type;
	if (spec) {
		proto.spec = *spec;
		proto.stat_size = sonde_stat_size(spec);
	}
	if (!layout_entry(&proto))
		return NULL;
	proto.capacity = capacity;
	proto.nbuckets = pow2_at_least(capacity);
	proto.wrap = wrap;

	head_sz = ALIGN8(sizeof(struct sonde_map));
	idx_sz = ALIGN8(((size_t)proto.nbuckets + 2 * (size_t)capacity) *
			sizeof(int32_t));
	if (capacity > ((size_t)-1 - head_sz - idx_sz) / proto.stride)
		return NULL;    /* only reachable on 32-bit hosts */
	total = head_sz + idx_sz + (size_t)capacity * proto.stride;

	m = sonde_zalloc(total);
	if (!m)
		return NULL;
	*m = proto;
	m->buckets = (int32_t *)((char *)m + head_sz);
	m->order = m->buckets + m->nbuckets;
	m->pool = (char *)m + head_sz + idx_sz;
	reset(m);
	return m;
}

struct sonde_map *sonde_map_new(int nkeys, const int *key_types, int value_type,
				uint32_t capacity, bool wrap)
{
	return map_create(nkeys, key_types, value_type, NULL, capacity, wrap);
}

struct sonde_map *sonde_map_new_stats(int nkeys, const int *key_types,
				      const struct sonde_hist_spec *spec,
				      uint32_t capacity, bool wrap)
{
	if (!sonde_hist_spec_valid(spec))
		return NULL;
	return map_create(nkeys, key_types, SONDE_STATS, spec, capacity, wrap);
}

void sonde_map_free(struct sonde_map *m)
{
	sonde_free(m);
}

/* ---- insertion-order list and free list ------------------------------ */

static void list_append(struct sonde_map *m, int32_t e)
{
	struct map_entry *x = ent(m, e);

	x->prev = m->tail;
	x->next = -1;
	if (m->tail >= 0)
		ent(m, m->tail)->next = e;
	else
		m->head = e;
	m->tail = e;
}

static void list_unlink(struct sonde_map *m, int32_t e)
{
	struct map_entry *x = ent(m, e);

	if (x->prev >= 0)
		ent(m, x->prev)->next = x->next;
	else
		m->head = x->next;
	if (x->next >= 0)
		ent(m, x->next)->prev = x->prev;
	else
		m->tail = x->prev;
}

static void chain_unlink(struct sonde_map *m, int32_t e)
{
	int32_t *link = bucket_of(m, ent(m, e)->hash);

	while (*link != e)
		link = &ent(m, *link)->chain;
	*link = ent(m, e)->chain;
}

/* Removes entry e from every index and puts its slot on the free list. */
static void remove_entry(struct sonde_map *m, int32_t e)
{
	chain_unlink(m, e);
	list_unlink(m, e);
	ent(m, e)->chain = m->free_head;
	ent(m, e)->prev = ent(m, e)->next = -1;
	m->free_head = e;
	m->size--;
}

/* A free slot, evicting the oldest entry when full and wrapping; -1 if full. */
static int32_t alloc_slot(struct sonde_map *m)
{
	int32_t e;

	if (m->size >= m->capacity) {
		if (!m->wrap || m->head < 0)
			return -1;
		remove_entry(m, m->head);
	}
	if (m->free_head >= 0) {
		e = m->free_head;
		m->free_head = ent(m, e)->chain;
		return e;
	}
	return (int32_t)m->hwm++;
}

/* Copies the prepared key into slot e, clears its value, links it in. */
static void fill_entry(struct sonde_map *m, int32_t e, const struct prepared_key *pk)
{
	struct map_entry *x = ent(m, e);
	int i;

	for (i = 0; i < m->nkeys; i++) {
		if (m->key_types[i] == SONDE_LONG) {
			*key_long_slot(m, e, i) = pk->keys[i].n;
		} else {
			char *dst = slot(m, e, m->key_off[i]);

			/* memmove: the key may point into this very slot when
			 * the entry it came from was just evicted. */
			memmove(dst, key_str(&pk->keys[i]), pk->len[i]);
			dst[pk->len[i]] = '\0';
		}
	}
	x->value = 0;
	if (m->value_type == SONDE_STRING)
		slot(m, e, m->val_off)[0] = '\0';
	else if (m->value_type == SONDE_STATS)
		sonde_stat_init((struct sonde_stat *)slot(m, e, m->val_off), &m->spec);
	x->hash = pk->hash;
	x->chain = *bucket_of(m, pk->hash);
	*bucket_of(m, pk->hash) = e;
	list_append(m, e);
	m->size++;
}

/* The entry for keys, inserted with a zero value if absent.  Returns the
 * entry index or SONDE_MAP_FULL / SONDE_MAP_BADTYPE. */
static int32_t find_or_insert(struct sonde_map *m, const struct sonde_arg *keys)
{
	struct prepared_key pk;
	int32_t e;

	if (!prepare_key(m, keys, &pk))
		return SONDE_MAP_BADTYPE;
	e = find(m, &pk);
	if (e >= 0)
		return e;
	e = alloc_slot(m);
	if (e < 0)
		return SONDE_MAP_FULL;
	fill_entry(m, e, &pk);
	return e;
}

/* The preamble of every store: find_or_insert in a map whose values are
 * of type value_type.  Returns the entry or SONDE_MAP_FULL / _BADTYPE. */
static int32_t insert_typed(struct sonde_map *m, const struct sonde_arg *keys,
			    int value_type)
{
	if (!m || m->value_type != value_type)
		return SONDE_MAP_BADTYPE;
	return find_or_insert(m, keys);
}

static int32_t lookup(const struct sonde_map *m, const struct sonde_arg *keys)
{
	struct prepared_key pk;

	if (!prepare_key(m, keys, &pk))
		return -1;
	return find(m, &pk);
}

/* ---- public element operations --------------------------------------- */

int64_t sonde_map_get_long(struct sonde_map *m, const struct sonde_arg *keys)
{
	int32_t e = lookup(m, keys);

	return e >= 0 ? sonde_map_value_long(m, e) : 0;
}

const char *sonde_map_get_str(struct sonde_map *m, const struct sonde_arg *keys)
{
	int32_t e = lookup(m, keys);

	return e >= 0 ? sonde_map_value_str(m, e) : "";
}

bool sonde_map_exists(struct sonde_map *m, const struct sonde_arg *keys)
{
	return lookup(m, keys) >= 0;
}

int sonde_map_set_long(struct sonde_map *m, const struct sonde_arg *keys, int64_t v)
{
	int32_t e = insert_typed(m, keys, SONDE_LONG);

	if (e < 0)
		return e;
	ent(m, e)->value = v;
	return SONDE_MAP_OK;
}

int sonde_map_set_str(struct sonde_map *m, const struct sonde_arg *keys, const char *v)
{
	int32_t e = insert_typed(m, keys, SONDE_STRING);

	if (e < 0)
		return e;
	sonde_strlcpy(slot(m, e, m->val_off), v, MAXSTRINGLEN);
	return SONDE_MAP_OK;
}

int sonde_map_add_long(struct sonde_map *m, const struct sonde_arg *keys,
		       int64_t delta, int64_t *result)
{
	int32_t e = insert_typed(m, keys, SONDE_LONG);
	struct map_entry *x;

	if (e < 0)
		return e;
	x = ent(m, e);
	/* Wraps like the generated code's other arithmetic, without UB. */
	x->value = (int64_t)((uint64_t)x->value + (uint64_t)delta);
	if (result)
		*result = x->value;
	return SONDE_MAP_OK;
}

struct sonde_stat *sonde_map_stat(struct sonde_map *m, const struct sonde_arg *keys,
				  int *status)
{
	int32_t e = insert_typed(m, keys, SONDE_STATS);

	if (status)
		*status = e < 0 ? e : SONDE_MAP_OK;
	return e < 0 ? NULL : (struct sonde_stat *)slot(m, e, m->val_off);
}

int sonde_map_add_stat(struct sonde_map *m, const struct sonde_arg *keys, int64_t v)
{
	int status;
	struct sonde_stat *st = sonde_map_stat(m, keys, &status);

	if (st)
		sonde_stat_add(st, v);
	return status;
}

const struct sonde_stat *sonde_map_find_stat(const struct sonde_map *m,
					     const struct sonde_arg *keys)
{
	int32_t e;

	if (!m || m->value_type != SONDE_STATS)
		return NULL;
	e = lookup(m, keys);
	return e >= 0 ? (const struct sonde_stat *)slot(m, e, m->val_off) : NULL;
}

void sonde_map_delete(struct sonde_map *m, const struct sonde_arg *keys)
{
	int32_t e = lookup(m, keys);

	if (e >= 0)
		remove_entry(m, e);
}

void sonde_map_clear(struct sonde_map *m)
{
	if (m)
		reset(m);
}

uint32_t sonde_map_size(const struct sonde_map *m)
{
	return m ? m->size : 0;
}

/* ---- iteration and accessors ----------------------------------------- */

int32_t sonde_map_first(const struct sonde_map *m)
{
	return m ? m->head : -1;
}

int32_t sonde_map_next(const struct sonde_map *m, int32_t e)
{
	return valid_entry(m, e) ? ent(m, e)->next : -1;
}

static bool key_is(const struct sonde_map *m, int32_t e, int i, int type)
{
	return valid_entry(m, e) && i >= 0 && i < m->nkeys &&
	       m->key_types[i] == type;
}

int64_t sonde_map_key_long(const struct sonde_map *m, int32_t e, int i)
{
	return key_is(m, e, i, SONDE_LONG) ? *key_long_slot(m, e, i) : 0;
}

const char *sonde_map_key_str(const struct sonde_map *m, int32_t e, int i)
{
	return key_is(m, e, i, SONDE_STRING) ? slot(m, e, m->key_off[i]) : "";
}

int64_t sonde_map_value_long(const struct sonde_map *m, int32_t e)
{
	if (!valid_entry(m, e) || m->value_type != SONDE_LONG)
		return 0;
	return ent(m, e)->value;
}

const char *sonde_map_value_str(const struct sonde_map *m, int32_t e)
{
	if (!valid_entry(m, e) || m->value_type != SONDE_STRING)
		return "";
	return slot(m, e, m->val_off);
}

const struct sonde_stat *sonde_map_value_stat(const struct sonde_map *m, int32_t e)
{
	if (!valid_entry(m, e) || m->value_type != SONDE_STATS)
		return NULL;
	return (const struct sonde_stat *)slot(m, e, m->val_off);
}

/* ---- sorted iteration ------------------------------------------------ */

/* What to sort by: the slot offset and type of one key or of the value. */
struct sort_spec {
	const struct sonde_map *m;
	int type;
	bool in_header;         /* long value: lives in the entry header */
	size_t off;
	int dir;
	int stat_op;            /* SONDE_STATS value: the extractor */
};

/* The extractor's value of a statistic, 0 when it is empty. */
static int64_t stat_key(const struct sort_spec *sp, int32_t e)
{
	int64_t v;

	sonde_stat_get((const struct sonde_stat *)slot(sp->m, e, sp->off), sp->stat_op, &v);
	return v;
}

static int cmp_long(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* Direction-adjusted comparison of entries a and b. */
static int sort_cmp(const struct sort_spec *sp, int32_t a, int32_t b)
{
	const struct sonde_map *m = sp->m;
	int c;

	if (sp->type == SONDE_STRING)
		c = strcmp(slot(m, a, sp->off), slot(m, b, sp->off));
	else if (sp->type == SONDE_STATS)
		c = cmp_long(stat_key(sp, a), stat_key(sp, b));
	else if (sp->in_header)
		c = cmp_long(ent(m, a)->value, ent(m, b)->value);
	else
		c = cmp_long(*(int64_t *)slot(m, a, sp->off),
			     *(int64_t *)slot(m, b, sp->off));
	return sp->dir < 0 ? -c : c;
}

/* Merges src[lo,mid) and src[mid,hi) into dst[lo,hi).  Equal elements are
 * taken from the left run first, which is what keeps the sort stable. */
static void merge_runs(const struct sort_spec *sp, const int32_t *src,
		       int32_t *dst, uint32_t lo, uint32_t mid, uint32_t hi)
{
	uint32_t i = lo, j = mid, k = lo;

	while (i < mid && j < hi)
		dst[k++] = sort_cmp(sp, src[j], src[i]) < 0 ? src[j++] : src[i++];
	while (i < mid)
		dst[k++] = src[i++];
	while (j < hi)
		dst[k++] = src[j++];
}

/*
 * Bottom-up merge sort of buf[0,n) using scratch[0,n): runs of width 1, 2,
 * 4, ... are merged back and forth between the two arrays.  O(n log n)
 * comparisons, no recursion, no allocation.
 */
static void merge_sort(const struct sort_spec *sp, int32_t *buf,
		       int32_t *scratch, uint32_t n)
{
	int32_t *src = buf, *dst = scratch, *t;
	uint32_t width, lo, mid, hi;

	for (width = 1; width < n; width *= 2) {
		for (lo = 0; lo < n; lo += 2 * width) {
			mid = lo + width < n ? lo + width : n;
			hi = mid + width < n ? mid + width : n;
			merge_runs(sp, src, dst, lo, mid, hi);
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != buf)
		memcpy(buf, src, n * sizeof(int32_t));
}

/* Fills in what sort_key names; false for a key number out of range. */
static bool make_sort_spec(const struct sonde_map *m, int sort_key, int dir,
			   int stat_op, struct sort_spec *sp)
{
	sp->m = m;
	sp->dir = dir;
	sp->in_header = false;
	sp->stat_op = stat_op >= SONDE_STAT_COUNT && stat_op <= SONDE_STAT_VARIANCE
		      ? stat_op : SONDE_STAT_COUNT;
	if (sort_key == -1) {
		sp->type = m->value_type;
		sp->off = m->val_off;
		sp->in_header = m->value_type == SONDE_LONG;
		return true;
	}
	if (sort_key < 1 || sort_key > m->nkeys)
		return false;
	sp->type = m->key_types[sort_key - 1];
	sp->off = m->key_off[sort_key - 1];
	return true;
}

const int32_t *sonde_map_sorted(struct sonde_map *m, int sort_key, int dir,
				uint32_t *count)
{
	return sonde_map_sorted_stat(m, sort_key, dir, SONDE_STAT_COUNT, count);
}

const int32_t *sonde_map_sorted_stat(struct sonde_map *m, int sort_key, int dir,
				     int stat_op, uint32_t *count)
{
	struct sort_spec sp;
	uint32_t n = 0;
	int32_t e;

	if (!m || m->sort_busy)
		return NULL;
	m->sort_busy = true;
	for (e = m->head; e >= 0; e = ent(m, e)->next)
		m->order[n++] = e;
	/* An unknown sort key leaves the entries in insertion order. */
	if (make_sort_spec(m, sort_key, dir, stat_op, &sp))
		merge_sort(&sp, m->order, m->order + m->capacity, n);
	if (count)
		*count = n;
	return m->order;
}

void sonde_map_sorted_done(struct sonde_map *m)
{
	if (m)
		m->sort_busy = false;
}

/* ---- per-CPU stat maps ------------------------------------------------- */

/*
 * ncpus stat maps, each its own allocation (so two CPUs' hot entries never
 * share a cache line), the aggregate map, and one scratch statistic for
 * sonde_pmap_get.  Every map has the same layout, so an entry's keys can
 * be handed from one to another as sonde_args pointing into its slots.
 */
struct sonde_pmap {
	int ncpus;
	struct sonde_map *agg;
	struct sonde_stat *scratch;
	struct sonde_map *cpu[];
};

struct sonde_pmap *sonde_pmap_new(int nkeys, const int *key_types, uint32_t capacity,
				  bool wrap, const struct sonde_hist_spec *spec, int ncpus)
{
	struct sonde_pmap *pm;
	int c;

	if (ncpus < 1 || ncpus > SONDE_MAXCPUS || !sonde_hist_spec_valid(spec))
		return NULL;
	pm = sonde_zalloc(sizeof(*pm) + (size_t)ncpus * sizeof(pm->cpu[0]));
	if (!pm)
		return NULL;
	pm->ncpus = ncpus;
	pm->scratch = sonde_zalloc(sonde_stat_size(spec));
	/* the aggregate never wraps: evicting a key half-merged would lose it */
	pm->agg = sonde_map_new_stats(nkeys, key_types, spec, capacity, false);
	for (c = 0; c < ncpus && pm->agg && pm->scratch; c++) {
		pm->cpu[c] = sonde_map_new_stats(nkeys, key_types, spec, capacity, wrap);
		if (!pm->cpu[c])
			break;
	}
	if (!pm->agg || !pm->scratch || c < ncpus) {
		sonde_pmap_free(pm);
		return NULL;
	}
	sonde_stat_init(pm->scratch, spec);
	return pm;
}

void sonde_pmap_free(struct sonde_pmap *pm)
{
	int c;

	if (!pm)
		return;
	for (c = 0; c < pm->ncpus; c++)
		sonde_map_free(pm->cpu[c]);
	sonde_map_free(pm->agg);
	sonde_free(pm->scratch);
	sonde_free(pm);
}

int sonde_pmap_add(struct sonde_pmap *pm, int cpu, const struct sonde_arg *keys,
		   int64_t v)
{
	if (SONDE_UNLIKELY(!pm || cpu < 0 || cpu >= pm->ncpus))
		return SONDE_STAT_BADCPU;
	return sonde_map_add_stat(pm->cpu[cpu], keys, v);
}

/* The keys of entry e of m as arguments (strings point into m's slots). */
static void entry_keys(const struct sonde_map *m, int32_t e, struct sonde_arg *keys)
{
	int i;

	for (i = 0; i < m->nkeys; i++) {
		keys[i].type = m->key_types[i];
		if (m->key_types[i] == SONDE_LONG)
			keys[i].n = *key_long_slot(m, e, i);
		else
			keys[i].s = slot(m, e, m->key_off[i]);
	}
}

struct sonde_map *sonde_pmap_aggregate(struct sonde_pmap *pm, int *status)
{
	struct sonde_arg keys[SONDE_MAXKEYS];
	int rc = SONDE_MAP_OK, c;
	int32_t e;

	if (!pm) {
		if (status)
			*status = SONDE_MAP_BADTYPE;
		return NULL;
	}
	reset(pm->agg);
	for (c = 0; c < pm->ncpus; c++) {
		const struct sonde_map *m = pm->cpu[c];

		for (e = m->head; e >= 0; e = ent(m, e)->next) {
			struct sonde_stat *dst;
			int st;

			entry_keys(m, e, keys);
			dst = sonde_map_stat(pm->agg, keys, &st);
			if (!dst) {
				rc = st;
				continue;
			}
			sonde_stat_merge(dst, (const struct sonde_stat *)slot(m, e, m->val_off));
		}
	}
	if (status)
		*status = rc;
	return pm->agg;
}

const struct sonde_stat *sonde_pmap_get(struct sonde_pmap *pm, const struct sonde_arg *keys)
{
	bool found = false;
	int c;

	if (!pm)
		return NULL;
	sonde_stat_clear(pm->scratch);
	for (c = 0; c < pm->ncpus; c++) {
		const struct sonde_stat *st = sonde_map_find_stat(pm->cpu[c], keys);

		if (st) {
			found = true;
			sonde_stat_merge(pm->scratch, st);
		}
	}
	return found ? pm->scratch : NULL;
}

bool sonde_pmap_exists(struct sonde_pmap *pm, const struct sonde_arg *keys)
{
	int c;

	if (!pm)
		return false;
	for (c = 0; c < pm->ncpus; c++)
		if (sonde_map_exists(pm->cpu[c], keys))
			return true;
	return false;
}

void sonde_pmap_delete(struct sonde_pmap *pm, const struct sonde_arg *keys)
{
	int c;

	if (!pm)
		return;
	for (c = 0; c < pm->ncpus; c++)
		sonde_map_delete(pm->cpu[c], keys);
	sonde_map_delete(pm->agg, keys);
}

void sonde_pmap_clear(struct sonde_pmap *pm)
{
	int c;

	if (!pm)
		return;
	for (c = 0; c < pm->ncpus; c++)
		reset(pm->cpu[c]);
	reset(pm->agg);
}

struct sonde_map *sonde_pmap_cpu_map(struct sonde_pmap *pm, int cpu)
{
	if (!pm || cpu < 0 || cpu >= pm->ncpus)
		return NULL;
	return pm->cpu[cpu];
}
