/*
 * rcache: the daemon's computed results (results.h: a source with its typed
 * model and its JSON per language), kept per (survey, breakdown attribute)
 * while nothing they were computed from has changed.
 *
 * "Nothing changed" is a stamp the caller reads before each use: the
 * survey's and the registry's generations (migration 0018: bumped by the
 * database on every statement that writes responses, voids or the
 * registry, whoever runs it) and the catalog the source was built with. An
 * entry is used only when its stamp equals the caller's; otherwise the
 * caller computes it again and the new entry replaces the old.
 *
 * Concurrent requests for the same key and stamp share one computation:
 * the first computes (outside any lock), the others wait for it, each
 * within its own deadline (dbpool_get_deadline). A computation that fails
 * wakes them; each then tries again, on its own if need be, so a failure
 * (the computing request's timeout, a broken connection) is never handed to
 * a request that could still succeed, and nothing waits for ever.
 *
 * At most max entries are kept (the least recently used go first). An
 * entry in use stays valid until rcache_put, even when it was dropped from
 * the cache meanwhile (rcache_clear: SIGHUP, a reloaded catalog; eviction;
 * a newer stamp). What rcache_doc and rcache_model give is shared between
 * the requests: read-only.
 *
 * Each computation, and each request served from an entry computed before
 * it or by a concurrent request, is counted (metrics_results).
 */
#ifndef EMPIRIE_RCACHE_H
#define EMPIRIE_RCACHE_H

#include <jansson.h>
#include <stddef.h>

#define RCACHE_MAX 8   /* entries kept */

struct results;
struct results_src;

/* What an entry was computed from. pin: the catalog's holder, kept alive
 * by the entry (hold/release given to rcache_create). */
struct rcache_stamp {
    long long survey_gen, registry_gen;
    void *pin;
};

struct rcache;
struct rcache_entry;

int rcache_create(size_t max, void (*hold)(void *pin), void (*release)(void *pin),
                  struct rcache **out);
/* No entry may be in use any more. */
void rcache_free(struct rcache *c);

/* Drops every entry (those in use are freed by their last rcache_put). */
void rcache_clear(struct rcache *c);

/* Computes the source of a key (its model too, results_src_model): a new
 * source, or NULL with err. */
typedef struct results_src *(*rcache_compute)(void *ctx, char *err, size_t errlen);

/* The entry of (survey, by_attr: NULL for none) at stamp st, computed with
 * compute(ctx) by this request or by a concurrent one; to give back with
 * rcache_put. NULL with err when the computation failed or the caller's
 * deadline passed while it waited (then *timeout = 1). */
struct rcache_entry *rcache_get(struct rcache *c, const char *survey, const char *by_attr,
                                const struct rcache_stamp *st, rcache_compute compute,
                                void *ctx, int *timeout, char *err, size_t errlen);
void rcache_put(struct rcache *c, struct rcache_entry *e);

/* The results document in English or Polish (results_src_build), made on
 * the first call for that language: borrowed (until rcache_put), read-only.
 * NULL and err when it cannot be made. */
json_t *rcache_doc(struct rcache_entry *e, int english, char *err, size_t errlen);
/* The typed model (results_model.h), read-only. */
const struct results *rcache_model(const struct rcache_entry *e);

#endif
