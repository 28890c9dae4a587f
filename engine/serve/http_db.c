/* http_db: a request's database work on a pooled connection, retried once
 * on a fresh one (http_priv.h), and the routes whose answer is one JSON value. */
#include "http_priv.h"

#include "db.h"
#include "dbpool.h"
#include "err.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

/*
 * Runs work on a pooled connection. A pooled connection may have died
 * since it was last used (the server restarted): then the work fails with
 * the connection broken, and it is retried once on a fresh connection. The
 * work must be safe to repeat (reads; ingest is all or nothing and
 * idempotent).
 */
enum outcome http_with_db(struct http_server *srv, db_work work, void *ctx)
{
    char err[ERR_MAX];

    for (int attempt = 0; attempt < 2; attempt++) {
        PGconn *conn = dbpool_get(srv->pool, err, sizeof err);

        if (conn == NULL) {
            log_warn("the database is unavailable: %s", err);
            return OUTCOME_UNAVAILABLE;
        }
        db_clear_failure();
        if (work(conn, ctx, err, sizeof err) == 0) {
            dbpool_put(srv->pool, conn);
            return OUTCOME_OK;
        }
        if (!db_unavailable(conn)) {
            dbpool_put(srv->pool, conn);
            log_error("database work failed: %s", err);
            return OUTCOME_INTERNAL;
        }
        log_warn("the database is unavailable: %s", err);
        dbpool_discard(srv->pool, conn);
        /* a timeout is not worth a second try; a broken connection is */
        if (dbpool_time_left() <= 0)
            break;
    }
    return OUTCOME_UNAVAILABLE;
}

static int json_query_work(PGconn *conn, void *ctx, char *err, size_t errlen)
{
    struct json_query *q = ctx;
    PGresult *res;

    if (db_exec(conn, q->sql, q->nparams, q->params, &res, NULL, err, errlen) != 0)
        return -1;
    free(q->text);
    q->text = NULL;
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
        q->text = strdup(PQgetvalue(res, 0, 0));
        if (q->text == NULL) {
            PQclear(res);
            return err_set(err, errlen, "out of memory");
        }
    }
    PQclear(res);
    return 0;
}

/* Answers 200 with the query's JSON, 404 (message not_found) without a row,
 * 503/500 on database failures. */
enum MHD_Result http_reply_query(struct request *rq, struct MHD_Connection *c,
                                   struct json_query *q, const char *not_found)
{
    enum outcome out = http_with_db(rq->srv, json_query_work, q);
    enum MHD_Result ok;

    if (out == OUTCOME_UNAVAILABLE)
        ok = http_reply_unavailable(rq, c);
    else if (out == OUTCOME_INTERNAL)
        ok = http_reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    else if (q->text == NULL)
        ok = http_reply_error(rq, c, MHD_HTTP_NOT_FOUND, "", not_found);
    else
        ok = http_reply(rq, c, MHD_HTTP_OK, "application/json", q->text, strlen(q->text), NULL);
    free(q->text);
    q->text = NULL;
    return ok;
}
