/*
 * ingest: stores validated responses. A request body is all or nothing: it is
 * parsed and validated (response.h), then inserted in one transaction; the
 * answer says 201 only after COMMIT returned. A response whose (city, id) is
 * already stored with the same content counts as stored (idempotent retry);
 * with other content the whole body is rejected with 409.
 */
#ifndef EMPIRIE_INGEST_H
#define EMPIRIE_INGEST_H

#include "catalog.h"
#include "response.h"

#include <libpq-fe.h>
#include <stddef.h>

struct ingest_result {
    int status;                  /* HTTP status: 201, 400, 403, 409, 500 or 503 */
    size_t created;              /* newly stored */
    size_t duplicates;           /* already stored with the same content */
    struct response_error error; /* for every status but 201 */
};

/*
 * Validates and stores a request body. only_city: a collector's city (every
 * response must be for it, else 403), or NULL. 503 when the connection is
 * unusable (the caller reconnects); 500 for any other database error. On any
 * status but 201 the database holds exactly what it held before. Returns
 * res->status.
 */
int ingest_body(PGconn *conn, const struct catalog *cat, const char *body, size_t len,
                const char *only_city, struct ingest_result *res);

/* The same for responses already validated (used by ingest_body and by
 * import for small files). */
int ingest_batch(PGconn *conn, const struct response *items, size_t n, const char *only_city,
                 struct ingest_result *res);

#endif
