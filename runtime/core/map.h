/*
 * map.h - associative arrays of the probe language.
 *
 * A map has 1..SONDE_MAXKEYS keys, each SONDE_LONG or SONDE_STRING, and a
 * SONDE_LONG or SONDE_STRING value, or (sonde_map_new_stats) a statistic:
 * each entry then holds one accumulator (struct sonde_stat, with the
 * buckets of the map's histogram).  All memory is allocated by
 * sonde_map_new*() at module load; no operation allocates afterwards.
 * String keys and values are stored truncated to MAXSTRINGLEN-1 bytes.
 *
 * A statistics global indexed by keys is a struct sonde_pmap (end of this
 * file): one stat map per CPU, merged into an aggregate map on read.
 *
 * Maps do no locking: the generated code holds the global's lock for the
 * whole probe handler (see runtime/kernel/runtime.h).
 *
 * Entries are identified by a dense index (int32_t, -1 = none) which stays
 * valid until that entry is deleted.
 */
#ifndef SONDE_MAP_H
#define SONDE_MAP_H

#include "value.h"
#include "limits.h"
#include "stat.h"

struct sonde_map;

enum {
	SONDE_MAP_OK = 0,
	SONDE_MAP_FULL = -1,     /* array overflow: capacity reached, not wrapping */
	SONDE_MAP_BADTYPE = -2,  /* key or value type differs from the map's
				  * (a compiler bug); nothing was stored */
};

/* key_types: nkeys entries of SONDE_LONG/SONDE_STRING.  capacity 0 means
 * MAXMAPENTRIES.  wrap: when full, inserting evicts the oldest entry.
 * Returns NULL when out of memory (or on invalid arguments: nkeys out of
 * 1..SONDE_MAXKEYS, an unknown type, capacity above 2^28). */
struct sonde_map *sonde_map_new(int nkeys, const int *key_types, int value_type,
				uint32_t capacity, bool wrap);
void sonde_map_free(struct sonde_map *m);

/* Lookup without insertion: the element's value, or 0 / "" when absent. */
int64_t sonde_map_get_long(struct sonde_map *m, const struct sonde_arg *keys);
const char *sonde_map_get_str(struct sonde_map *m, const struct sonde_arg *keys);
bool sonde_map_exists(struct sonde_map *m, const struct sonde_arg *keys);

/* Store (inserting if absent).  Return SONDE_MAP_OK or SONDE_MAP_FULL. */
int sonde_map_set_long(struct sonde_map *m, const struct sonde_arg *keys, int64_t v);
int sonde_map_set_str(struct sonde_map *m, const struct sonde_arg *keys, const char *v);
/* *result = old value + delta, stored (for ++, --, +=).  Inserts if absent. */
int sonde_map_add_long(struct sonde_map *m, const struct sonde_arg *keys,
		       int64_t delta, int64_t *result);

void sonde_map_delete(struct sonde_map *m, const struct sonde_arg *keys);
void sonde_map_clear(struct sonde_map *m);
uint32_t sonde_map_size(const struct sonde_map *m);

/* Iteration in insertion order: first/next return an entry index or -1. */
int32_t sonde_map_first(const struct sonde_map *m);
int32_t sonde_map_next(const struct sonde_map *m, int32_t e);

/*
 * Sorted iteration: fills the map's preallocated order buffer and returns
 * it with *count entries.  sort_key: 1..nkeys sorts by that key, -1 by the
 * value (by @count for a stat map); dir +1 ascending, -1 descending; ties
 * keep insertion order.
 * O(n log n).  Returns NULL if the buffer is already in use by an enclosing
 * sorted foreach of the same map (the caller reports an error); release it
 * with sonde_map_sorted_done().  A sort_key out of range leaves insertion
 * order.  The buffer is a snapshot: an entry deleted while iterating it
 * still has its index there (its accessors then read the stale slot).
 */
const int32_t *sonde_map_sorted(struct sonde_map *m, int sort_key, int dir,
				uint32_t *count);
void sonde_map_sorted_done(struct sonde_map *m);

/*
 * The same for a stat map, sorting by the value with a chosen extractor:
 * `foreach ([k] in a @sum+)`.  stat_op is an enum sonde_stat_op;
 * SystemTap's default (no @op, and sonde_map_sorted on a stat map) is
 * SONDE_STAT_COUNT.  An entry whose statistic is empty sorts as 0; an
 * unknown stat_op sorts by @count.  stat_op is ignored when sort_key names
 * a key, and on maps of longs and strings.
 */
const int32_t *sonde_map_sorted_stat(struct sonde_map *m, int sort_key, int dir,
				     int stat_op, uint32_t *count);

/* Entry accessors; i is 0-based key position. */
int64_t sonde_map_key_long(const struct sonde_map *m, int32_t e, int i);
const char *sonde_map_key_str(const struct sonde_map *m, int32_t e, int i);
int64_t sonde_map_value_long(const struct sonde_map *m, int32_t e);
const char *sonde_map_value_str(const struct sonde_map *m, int32_t e);
/* The statistic of entry e of a stat map; NULL for another map or an
 * invalid e. */
const struct sonde_stat *sonde_map_value_stat(const struct sonde_map *m, int32_t e);

/* ---- stat maps --------------------------------------------------------- */

/*
 * A map whose values are statistics of spec (the histogram, if any, and
 * the @variance shift; see stat.h).  Each entry takes sonde_stat_size(spec)
 * bytes more than its keys: mind capacity with a log histogram (1 KB an
 * entry).  Returns NULL like sonde_map_new, and for an invalid spec.
 * sonde_map_new itself refuses SONDE_STATS (it has no spec).
 * The long/string element functions see no value in a stat map (get: 0 /
 * "", set/add: SONDE_MAP_BADTYPE); exists, delete, clear, size, iteration,
 * sorting and the key accessors work as for any map.
 */
struct sonde_map *sonde_map_new_stats(int nkeys, const int *key_types,
				      const struct sonde_hist_spec *spec,
				      uint32_t capacity, bool wrap);

/*
 * The statistic of keys, inserted empty if absent (when full: the oldest
 * entry is evicted if the map wraps, else nothing is inserted).  Returns
 * it, or NULL with *status (if status is not NULL) set to SONDE_MAP_FULL
 * or SONDE_MAP_BADTYPE (not a stat map, or a key of the wrong type);
 * *status is SONDE_MAP_OK on success.  The pointer stays valid until that
 * entry is deleted or evicted.
 */
struct sonde_stat *sonde_map_stat(struct sonde_map *m, const struct sonde_arg *keys,
				  int *status);

/* a[keys] <<< v: SONDE_MAP_OK, SONDE_MAP_FULL (nothing recorded; SystemTap's
 * "aggregation overflow") or SONDE_MAP_BADTYPE. */
int sonde_map_add_stat(struct sonde_map *m, const struct sonde_arg *keys, int64_t v);

/* The statistic of keys without inserting; NULL when absent (SystemTap's
 * "aggregate element not found") or when m is not a stat map. */
const struct sonde_stat *sonde_map_find_stat(const struct sonde_map *m,
					     const struct sonde_arg *keys);

/* ---- per-CPU stat maps: `global a; a[k1, k2] <<< v` -------------------- */

struct sonde_pmap;

/*
 * One stat map per CPU (capacity entries each, wrapping if wrap) and one
 * aggregate map of the same capacity.  ncpus: nr_cpu_ids in the kernel,
 * small numbers in tests.  Load time only (allocates).  NULL when out of
 * memory or for arguments sonde_map_new_stats refuses, or ncpus outside
 * 1..SONDE_MAXCPUS.
 */
struct sonde_pmap *sonde_pmap_new(int nkeys, const int *key_types, uint32_t capacity,
				  bool wrap, const struct sonde_hist_spec *spec, int ncpus);
void sonde_pmap_free(struct sonde_pmap *pm);

/*
 * a[keys] <<< v on CPU cpu (smp_processor_id()): finds or inserts the key
 * in that CPU's map only (the hot path writes nothing shared).  Returns
 * SONDE_MAP_OK, SONDE_MAP_FULL (that CPU's map is full and does not wrap:
 * "aggregation overflow"), SONDE_MAP_BADTYPE, or SONDE_STAT_BADCPU for a
 * cpu outside 0..ncpus-1 (nothing recorded in any error case).
 */
int sonde_pmap_add(struct sonde_pmap *pm, int cpu, const struct sonde_arg *keys,
		   int64_t v);

/*
 * Empties the aggregate map and merges every CPU's entries into it: a key
 * present on several CPUs becomes one entry whose statistic combines them
 * all.  Returns the aggregate, an ordinary stat map to iterate, sort
 * (sonde_map_sorted_stat) and read (sonde_map_value_stat /
 * sonde_map_find_stat); it stays as it is until the next aggregate, add
 * does not change it.  Order of its entries: the keys of CPU 0 in their
 * insertion order, then the keys first found on CPU 1 in its order, and
 * so on (the CPUs keep no common clock, so this is the closest to "first
 * insertion" the hot path can afford).  *status (if not NULL):
 * SONDE_MAP_OK, or SONDE_MAP_FULL when the CPUs together hold more
 * distinct keys than the capacity (the keys that did not fit are left
 * out: SystemTap's "aggregation overflow").  NULL only for pm NULL.
 */
struct sonde_map *sonde_pmap_aggregate(struct sonde_pmap *pm, int *status);

/*
 * The combined statistic of one key, for @op(a[keys]) and
 * print(@hist_*(a[keys])) without aggregating the whole map: NULL when no
 * CPU has the key ("aggregate element not found").  The result lives in
 * the pmap's scratch accumulator: valid until the next sonde_pmap_get.
 */
const struct sonde_stat *sonde_pmap_get(struct sonde_pmap *pm, const struct sonde_arg *keys);

/* [keys] in a: whether any CPU holds the key. */
bool sonde_pmap_exists(struct sonde_pmap *pm, const struct sonde_arg *keys);

/* delete a[keys]: removes the key from every CPU's map and from the
 * aggregate.  delete a: sonde_pmap_clear empties them all. */
void sonde_pmap_delete(struct sonde_pmap *pm, const struct sonde_arg *keys);
void sonde_pmap_clear(struct sonde_pmap *pm);

/* CPU cpu's own map (NULL if out of range): for tests and debugging. */
struct sonde_map *sonde_pmap_cpu_map(struct sonde_pmap *pm, int cpu);

#endif
