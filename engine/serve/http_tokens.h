/*
 * http_tokens: the admin's token routes of the daemon (docs/api.md),
 * the same operations as `empirie token create|list|revoke`:
 *
 *   GET    /v1/tokens[?all=true]   the tokens (all: also revoked and expired)
 *   POST   /v1/tokens              {"role", "scope", "label", "expires"}: 201
 *                                  with the token, shown this once
 *   DELETE /v1/tokens/{id}         revokes token id at once
 *
 * http.c routes, admits (admin only) and answers; the work on the database
 * is here, run through the daemon's pooled connections.
 */
#ifndef EMPIRIE_HTTP_TOKENS_H
#define EMPIRIE_HTTP_TOKENS_H

#include "auth.h"
#include "err.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

enum http_tokens_op { HTTP_TOKENS_LIST, HTTP_TOKENS_CREATE, HTTP_TOKENS_REVOKE };

struct http_tokens_req {
    enum http_tokens_op op;
    int all;                   /* LIST */
    const char *body;          /* CREATE: the JSON body */
    size_t len;
    long long id;              /* REVOKE */
    /* the answer */
    unsigned status;           /* 200/201, or the client error to answer */
    json_t *doc;               /* on 200/201 */
    char message[ERR_MAX];     /* on a client error */
    char path[32];             /* the body field at fault, or "" */
    char revoked[AUTH_HASH_SIZE];   /* REVOKE: the hash to drop from the cache */
};

/* Parses "123" (a token number) into *id; 0 when it is not one. */
int http_tokens_id(const char *s, long long *id);

/* The database work of a request (a db_work for http_with_db, http_db.c): 0 with
 * the answer in req, -1 with err on a database failure. */
int http_tokens_work(PGconn *conn, void *req, char *err, size_t errlen);

#endif
