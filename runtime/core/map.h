/*
 * map.h - associative arrays of the probe language.
 *
 * A map has 1..SONDE_MAXKEYS keys, each SONDE_LONG or SONDE_STRING, and a
 * SONDE_LONG or SONDE_STRING value.  All memory is allocated by
 * sonde_map_new() at module load; no operation allocates afterwards.
 * String keys and values are stored truncated to MAXSTRINGLEN-1 bytes.
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
 * value; dir +1 ascending, -1 descending; ties keep insertion order.
 * O(n log n).  Returns NULL if the buffer is already in use by an enclosing
 * sorted foreach of the same map (the caller reports an error); release it
 * with sonde_map_sorted_done().  A sort_key out of range leaves insertion
 * order.  The buffer is a snapshot: an entry deleted while iterating it
 * still has its index there (its accessors then read the stale slot).
 */
const int32_t *sonde_map_sorted(struct sonde_map *m, int sort_key, int dir,
				uint32_t *count);
void sonde_map_sorted_done(struct sonde_map *m);

/* Entry accessors; i is 0-based key position. */
int64_t sonde_map_key_long(const struct sonde_map *m, int32_t e, int i);
const char *sonde_map_key_str(const struct sonde_map *m, int32_t e, int i);
int64_t sonde_map_value_long(const struct sonde_map *m, int32_t e);
const char *sonde_map_value_str(const struct sonde_map *m, int32_t e);

#endif
