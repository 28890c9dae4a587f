/*
 * submit: the daemon's survey catalog (catalog.h) and what uses it: POST
 * /v1/responses (parse and validate with response.h, store with group
 * commit, gcommit.h, or alone with ingest.h: all or nothing, 201 only after
 * COMMIT), and the results behind GET /v1/stats, /v1/responses/counts and
 * /v1/reports (computed once while nothing changes: rcache.h). The catalog
 * is loaded on first use and reloaded when marked stale (SIGHUP, which also
 * drops the computed results) or when the registry changed, so requests do
 * not re-read and re-parse every instrument.
 *
 * The catalog is shared by the request threads behind a read-write lock:
 * requests read it concurrently; a reload swaps it under the write lock.
 */
#ifndef EMPIRIE_SUBMIT_H
#define EMPIRIE_SUBMIT_H

#include "auth.h"
#include "catalog.h"
#include "dbpool.h"
#include "gcommit.h"
#include "ingest.h"
#include "rcache.h"

#include <libpq-fe.h>
#include <stddef.h>

struct submit;

int submit_create(struct submit **out, char *err, size_t errlen);
void submit_free(struct submit *s);

/* Submissions for a wave outside its window (wavewin.h) are stored all the
 * same (`empirie serve --allow-closed-waves`: an admin's historical load);
 * by default they are refused with 409. */
void submit_allow_closed_waves(struct submit *s, int allow);

/* The catalog is reloaded before the next submission. */
void submit_mark_stale(struct submit *s);

/*
 * The daemon's POST /v1/responses: parses and validates a body with the
 * cached catalog, checks a collector's city, then stores it with the
 * bodies of concurrent requests in one transaction (gcommit.h); a body the
 * group cannot take is stored alone on a pooled connection (ingest_parsed)
 * after checking that who's token is still known. Returns res->outcome:
 * OK (only after COMMIT: the route answers 201), INVALID, UNAUTHENTICATED
 * (the token is gone), FORBIDDEN, CONFLICT, INTERNAL or UNAVAILABLE (the
 * database cannot be reached or the catalog cannot be loaded); on every
 * outcome but OK nothing of the body is stored.
 */
enum outcome submit_store(struct submit *s, struct gcommit *gc, struct dbpool *pool,
                          const char *body, size_t len, const struct auth_principal *who,
                          struct ingest_result *res);

/* Runs fn with the cached catalog (loaded first when needed, on a pooled
 * connection), under the catalog's read lock: what fn gets from the catalog
 * stays valid until it returns (the respondent's form, http_form.h).
 * Returns fn's result, or -1 with err when there is no catalog. */
typedef int (*submit_catalog_fn)(const struct catalog *cat, void *ctx);
int submit_with_catalog(struct submit *s, struct dbpool *pool, submit_catalog_fn fn, void *ctx,
                        char *err, size_t errlen);

/*
 * The results of a survey (split by by_attr when not NULL) for GET
 * /v1/stats, /v1/responses/counts and /v1/reports, computed with the cached
 * catalog and kept while nothing they depend on has changed (rcache.h): a
 * request first reads the survey's and the registry's generations on conn
 * (migration 0018), reuses the results computed at the same generations
 * with the same catalog, or else computes them (concurrent requests for the
 * same survey share one computation). A registry generation other than the
 * catalog's reloads the catalog first (and drops every computed result), so
 * `empirie registry load` reaches the daemon without SIGHUP too.
 *
 * Give the entry back with submit_results_put; until then rcache_doc and
 * rcache_model read it (read-only: shared with other requests). NULL and
 * err on failure: *unknown is 1 when the request names a survey or
 * attribute that is not there (the client's error), 0 when the catalog or
 * the database failed (the thread's failure noted for db_unavailable when
 * the request's deadline passed while it waited for another's computation).
 */
struct rcache_entry;
struct rcache_entry *submit_results_get(struct submit *s, PGconn *conn, const char *survey,
                                        const char *by_attr, int *unknown, char *err,
                                        size_t errlen);
void submit_results_put(struct submit *s, struct rcache_entry *e);

#endif
