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

/* The same for responses already validated (used by ingest_body, by
 * import for small files, and by the respondent's form). On a connection
 * inside a transaction the responses are stored in it and it is committed
 * (201) or rolled back (any other status). */
int ingest_batch(PGconn *conn, const struct response *items, size_t n, const char *only_city,
                 struct ingest_result *res);

/* The same for a body already parsed (response_parse). */
int ingest_parsed(PGconn *conn, const struct response_batch *b, const char *only_city,
                  struct ingest_result *res);

/* 0 when every response of b is for only_city (or only_city is NULL); else
 * -1 with res set to 403 naming the first one that is not. */
int ingest_check_scope(const struct response_batch *b, const char *only_city,
                       struct ingest_result *res);

/* The responses of one request in a group. */
struct ingest_part {
    const struct response *items;
    size_t n;
};

enum { INGEST_GROUP_STORED, INGEST_GROUP_ALONE, INGEST_GROUP_FAILED };

/*
 * Group commit: the parts of several requests (each already validated and
 * scope-checked) in one statement and one commit, in autocommit. Stores
 * every row, or nothing at all. token_hashes: the hex SHA-256 of each
 * distinct token that admitted a part; every one must still be in
 * api_token, so a token revoked meanwhile stores nothing.
 *
 * INGEST_GROUP_STORED: every row of every part is new and committed.
 * INGEST_GROUP_ALONE: nothing stored, because some row was already stored
 *   (duplicate or conflict), is being inserted concurrently, or a token is
 *   gone: store each part alone (ingest_parsed) to get its own answer.
 * INGEST_GROUP_FAILED: nothing stored; err says why; PQstatus(conn) tells
 *   whether the connection is still usable.
 */
int ingest_group(PGconn *conn, const struct ingest_part *parts, size_t nparts,
                 const char *const *token_hashes, size_t ntokens, char *err, size_t errlen);

#endif
