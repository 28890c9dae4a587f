/*
 * agg_cache: the accumulated cells of closed waves kept in PostgreSQL
 * (table agg_cache, migration 0019), so that a report or a stats request
 * streams only what may have changed (issue 19). Used by agg_par.c inside
 * its snapshot transaction; nothing else calls it.
 *
 * An entry is one wave x city of one split (`breakdown`: the attribute, ''
 * for none): every cell of it packed (aggi_cell_pack), its census block and
 * the position of its first row. It is valid while
 *   - the wave has closed (closes_on before today): the open wave is
 *     streamed every time;
 *   - its fingerprint holds: the instrument versions' definitions, the split
 *     and the packed layout (a changed instrument is another layout), the
 *     number of stored rows of that wave x city (table response_count,
 *     kept by triggers: migration 0021; responses are never
 *     changed or deleted, only added: a late import adds), and the number
 *     and the highest audit id of its void records (voids.h: every void
 *     and every undo is a new audit id, and an undo deletes its records, so
 *     the pair changes with every change of the set);
 *   - its storage holds: the system identifier and the relfilenode of
 *     `response` (TRUNCATE, VACUUM FULL, CLUSTER or a restore give a new
 *     one, and with it new row positions).
 * Only cells whose sums do not depend on the order of the rows are stored:
 * accumulators without weight hooks (no post-stratification), cells whose
 * every weight is 1 (every sum is then of small integers, exact in any
 * order). So the figures are the same, to the last bit, with and without
 * the cache. EMPIRIE_AGG_CACHE=0 turns it off (no reading, no writing).
 */
#ifndef EMPIRIE_AGG_CACHE_H
#define EMPIRIE_AGG_CACHE_H

#include "agg.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

struct agg_cache;

/* 1 when the cache may serve these accumulators (not turned off, no
 * weight hook, not calibrated). */
int agg_cache_wanted(struct agg *const *aggs, size_t n);

/*
 * Inside conn's transaction (the streams' snapshot): the fingerprints of
 * every wave x city of the survey and the valid entries. cities: the
 * registry's slugs in C order (a city's key is its row). *out is NULL when
 * the database cannot cache (no table, no right to read the system
 * identifier); -1 and err when a query failed (the transaction is then
 * aborted).
 */
int agg_cache_plan(PGconn *conn, struct agg *const *aggs, size_t n, const char *survey,
                   const PGresult *cities, struct agg_cache **out, char *err, size_t errlen);

/* The wave x city pairs not to stream, as a JSON array of {"w", "c"}. */
const char *agg_cache_skip(const struct agg_cache *c);
/* The waves that have a wave x city pair still to stream, as a JSON array
 * of labels. */
const char *agg_cache_waves(const struct agg_cache *c);
/* How many wave x city pairs the cache serves, and how many responses
 * (not void) they hold: what streaming them would have read. */
size_t agg_cache_served(const struct agg_cache *c);
size_t agg_cache_rows(const struct agg_cache *c);

/* The position of the first row of city key k in wave w when the cache
 * serves it, else UINT64_MAX. */
uint64_t agg_cache_first(const struct agg_cache *c, size_t key, size_t wave);

/* Adds the served cells and census blocks to aggs (the same as given to
 * agg_cache_plan; their cities interned already). */
int agg_cache_apply(const struct agg_cache *c, struct agg *const *aggs, size_t n, char *err,
                    size_t errlen);

/*
 * After the transaction: stores every wave x city of a closed wave that was
 * streamed, when its cells may be (see above), with the fingerprint taken
 * in the snapshot; first[key * nwaves + w] the position of its first row.
 * A failed write (a read-only database, say) is not an error: the cache is
 * only a cache. Returns how many entries were written.
 */
size_t agg_cache_store(PGconn *conn, const struct agg_cache *c, struct agg *const *aggs,
                       size_t n, const uint64_t *first);

void agg_cache_free(struct agg_cache *c);

#endif
