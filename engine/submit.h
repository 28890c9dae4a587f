/*
 * submit: what POST /v1/responses needs beyond HTTP: the survey catalog
 * (catalog.h), loaded on first use and reloaded when marked stale, and the
 * call into ingest_body (ingest.h), which parses, validates and stores a
 * body all or nothing and says 201 only after COMMIT.
 *
 * The catalog is shared by the request threads behind a read-write lock:
 * submissions read it concurrently; a reload swaps it under the write lock.
 */
#ifndef EMPIRIE_SUBMIT_H
#define EMPIRIE_SUBMIT_H

#include "ingest.h"

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

#endif
