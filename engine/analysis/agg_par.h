/*
 * agg_par: the responses of a survey streamed into accumulators (agg.h)
 * over several PostgreSQL connections at once, with the same result as one
 * stream, to the last bit.
 *
 * The survey's cities are dealt out to the streams (each stream a disjoint
 * set), so every wave x city cell is filled by exactly one stream, from the
 * same rows in the same order as the single stream (every stream is a
 * sequential scan in stored order); each stream fills accumulators of its
 * own, which are then moved into the caller's, the cities in the order the
 * single stream would have met them (by the position of each city's first
 * row). Sums are therefore identical, weighted or not, and so is every
 * figure computed from them. All streams read one snapshot (exported by the
 * caller's connection, imported by the others), so they see the same rows.
 */
#ifndef EMPIRIE_AGG_PAR_H
#define EMPIRIE_AGG_PAR_H

#include "agg.h"

#include <libpq-fe.h>
#include <stddef.h>

/* At most this many streams. */
#define AGG_PAR_MAX 8

/* How many streams to use: EMPIRIE_STREAMS when set (1 forces the single
 * stream), otherwise the processors online (sysconf), 1 to AGG_PAR_MAX. */
size_t agg_par_streams(void);

/* How many streams the last agg_read_db_par of this process used (for
 * tests and logs; 1 for the single stream). */
size_t agg_par_last_streams(void);
/* How many wave x city pairs of the last agg_read_db_par came from the
 * cache of closed waves (agg_cache.h) instead of a stream. */
size_t agg_par_last_cached(void);

/*
 * agg_read_db_many (agg.h) over nstreams connections: conn and
 * nstreams - 1 new ones with conn's parameters, closed before returning.
 * The accumulators must be empty. Their hooks (agg_set_weight_fn,
 * agg_set_strata) are then called from every stream's thread at once, with
 * a city index that is the city's position in the registry (`city` by
 * slug), the same in every stream and in agg_calibrate afterwards; before
 * the streams start, each hook is called once for every city and its
 * first wave from this thread (a hook that caches per city fills its cache
 * then, and must only read it later). The wave x city pairs that the
 * cache of closed waves serves (agg_cache.h) are not streamed: their cells
 * are added from it, and the cells of closed waves that were streamed are
 * stored in it afterwards. The single stream (agg_read_db_many) is used
 * instead when nstreams <= 1 and the cache cannot serve, when conn is
 * inside a transaction, when the registry has fewer than two cities, or
 * when another connection cannot be opened (then with as many as could).
 * In the daemon the calling thread's deadline (dbpool.h) bounds the other
 * connections too: their opening (connect_timeout) and their streams (their
 * sockets are shut down when it passes, as the pool's watchdog does to
 * conn).
 */
int agg_read_db_par(struct agg *const *aggs, size_t n, PGconn *conn, const char *survey,
                    size_t nstreams, size_t *rows, void (*progress)(size_t rows, void *arg),
                    void *arg, char *err, size_t errlen);

#endif
