/*
 * submit: the daemon's survey catalog (catalog.h) and what uses it: POST
 * /v1/responses, through ingest_body (ingest.h: parse, validate, store all
 * or nothing, 201 only after COMMIT), and the results document behind
 * GET /v1/stats and /v1/reports. The catalog is loaded on first use and
 * reloaded when marked stale (SIGHUP), so requests do not re-read and
 * re-parse every instrument.
 *
 * The catalog is shared by the request threads behind a read-write lock:
 * requests read it concurrently; a reload swaps it under the write lock.
 */
#ifndef EMPIRIE_SUBMIT_H
#define EMPIRIE_SUBMIT_H

#include "ingest.h"
#include "results.h"

#include <libpq-fe.h>
#include <stddef.h>

struct submit;

int submit_create(struct submit **out, char *err, size_t errlen);
void submit_free(struct submit *s);

/* The catalog is reloaded before the next submission. */
void submit_mark_stale(struct submit *s);

/*
 * Stores a request body through ingest_body. only_city: a collector's city,
 * or NULL. Returns the HTTP status (res->status): 201, 400, 403, 409, 500 or
 * 503 (the connection is unusable, or the catalog cannot be loaded).
 */
int submit_body(struct submit *s, PGconn *conn, const char *body, size_t len,
                const char *only_city, struct ingest_result *res);

/* The results document of a survey (results_load) computed with the
 * cached catalog, for GET /v1/stats and /v1/reports. NULL and err when the
 * survey or attribute is unknown or the database fails. */
json_t *submit_results(struct submit *s, PGconn *conn, const char *survey, const char *by_attr,
                       int english, char *err, size_t errlen);

#endif
