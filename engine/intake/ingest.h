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
#include "outcome.h"
#include "response.h"

#include <libpq-fe.h>
#include <stddef.h>

struct ingest_result {
    enum outcome outcome;        /* OK (stored: the route answers 201), INVALID,
                                    FORBIDDEN, CONFLICT, INTERNAL or UNAVAILABLE */
    size_t created;              /* newly stored */
    size_t duplicates;           /* already stored with the same content */
    struct response_error error; /* for every outcome but OK */
};

/*
 * Validates and stores a request body. only_city: a collector's city (every
 * response must be for it, else OUTCOME_FORBIDDEN), or NULL. OUTCOME_INVALID
 * for a body that is not valid, OUTCOME_CONFLICT for a key stored with other
 * content, OUTCOME_UNAVAILABLE when the database is (db_unavailable: the
 * caller reconnects or answers 503), OUTCOME_INTERNAL for any other database
 * error. On any outcome but OUTCOME_OK the database holds exactly what it
 * held before. Returns res->outcome.
 */
enum outcome ingest_body(PGconn *conn, const struct catalog *cat, const char *body, size_t len,
                         const char *only_city, struct ingest_result *res);

/* The same for responses already validated (the respondent's form,
 * http_form.c; ingest_body and the daemon's bodies go through
 * ingest_parsed, import through COPY). On a connection inside a
 * transaction the responses are stored in it and it is committed
 * (OUTCOME_OK) or rolled back (any other outcome). */
enum outcome ingest_batch(PGconn *conn, const struct response *items, size_t n,
                          const char *only_city, struct ingest_result *res);

/* The same for a body already parsed (response_parse). */
enum outcome ingest_parsed(PGconn *conn, const struct response_batch *b,
                           const char *only_city, struct ingest_result *res);

/* 0 when every response of b is for only_city (or only_city is NULL); else
 * -1 with res set to OUTCOME_FORBIDDEN naming the first one that is not. */
int ingest_check_scope(const struct response_batch *b, const char *only_city,
                       struct ingest_result *res);

/* The responses of one request in a group. */
struct ingest_part {
    const struct response *items;
    size_t n;
};

/*
 * Group commit: the parts of several requests (each already validated and
 * scope-checked) in one statement and one commit, in autocommit. Stores
 * every row, or nothing at all. token_hashes: the hex SHA-256 of each
 * distinct token that admitted a part; every one must still be in
 * api_token, so a token revoked meanwhile stores nothing.
 *
 * OUTCOME_OK: every row of every part is new and committed.
 * OUTCOME_CONFLICT: nothing stored, because some row was already stored
 *   (duplicate or conflict), is being inserted concurrently, or a token is
 *   gone: store each part alone (ingest_parsed) to get its own answer.
 * OUTCOME_UNAVAILABLE: nothing stored; the database is unavailable
 *   (db_unavailable); err says why.
 * OUTCOME_INTERNAL: nothing stored; any other failure; err says why.
 */
enum outcome ingest_group(PGconn *conn, const struct ingest_part *parts, size_t nparts,
                          const char *const *token_hashes, size_t ntokens, char *err,
                          size_t errlen);

#endif
