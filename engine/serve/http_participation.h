/*
 * http_participation: GET /v1/participation?survey=S[&wave=W][&city=C]
 * (docs/api.md): the participation document (participation.h) within the
 * caller's scope: a coordinator their city, an analyst the member cities of
 * their network, the ministry and admins every city.
 */
#ifndef EMPIRIE_HTTP_PARTICIPATION_H
#define EMPIRIE_HTTP_PARTICIPATION_H

#include "auth.h"
#include "err.h"

#include <jansson.h>
#include <libpq-fe.h>

struct submit;
struct http_participation_req {
    const struct auth_principal *who;
    struct submit *submit;    /* the daemon's computed results (submit.h) */
    const char *survey, *wave, *city;
    unsigned status;          /* 200, or the client error to answer */
    json_t *doc;              /* on 200 */
    char message[ERR_MAX];
    char path[16];
};

/* Checks the request against the caller's scope before any database work:
 * 0 when it may go on, else the status with req->message. */
unsigned http_participation_check(struct http_participation_req *req);

/* The database work (a db_work for http_with_db, http_db.c). */
int http_participation_work(PGconn *conn, void *req, char *err, size_t errlen);

#endif
