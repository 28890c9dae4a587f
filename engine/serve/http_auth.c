/* http_auth: who may use a route: the method, the bearer token (from the
 * token cache or the database) and the role (http_priv.h); which figures
 * the role may then read is policy.h's. */
#include "http_priv.h"

#include "err.h"
#include "tokencache.h"

#include <stdio.h>
#include <string.h>

struct lookup_ctx {
    const char *hash;   /* the presented token's (auth_token_hash) */
    struct auth_principal *who;
    int found;
};

static int lookup_work(PGconn *conn, void *ctx, char *err, size_t errlen)
{
    struct lookup_ctx *l = ctx;

    l->found = auth_lookup_hash(conn, l->hash, l->who, err, errlen);
    return l->found < 0 ? -1 : 0;
}

/*
 * 401 without a known token, 403 for a role the route does not admit.
 * With lookup 0 (on MHD's thread, which must not wait on the database),
 * only what needs no database is decided: *denied is then -1 when the
 * token must still be looked up (on a worker).
 */
static enum MHD_Result check_auth(struct request *rq, struct MHD_Connection *c, int *denied,
                                  int lookup)
{
    const char *hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_AUTHORIZATION);
    const char *token = auth_bearer(hdr);
    char hash[AUTH_HASH_SIZE];
    struct lookup_ctx l = { .hash = hash, .who = &rq->who };
    /* Only a submission may be admitted from the cache: its storing
     * statement checks the token again (tokencache.h). /metrics too: it
     * shows counters only, and stays readable while the database is
     * away; a deleted admin token reads them up to the cache's 60 s. */
    int cacheable = rq->route == ROUTE_RESPONSES || rq->route == ROUTE_METRICS;
    enum outcome out;

    *denied = 1;
    if (token == NULL)
        return http_reply_error(rq, c, MHD_HTTP_UNAUTHORIZED, "",
                           "missing bearer token (Authorization: Bearer TOKEN)");
    if (!auth_token_hash(token, hash)) {
        l.found = 0;   /* not shaped like a token: never sent to the database */
    } else if (cacheable && tokencache_get(rq->srv->tokens, hash, &rq->who)) {
        l.found = 1;
    } else if (!lookup) {
        *denied = -1;
        return MHD_YES;
    } else {
        out = http_with_db(rq->srv, lookup_work, &l);
        if (out == OUTCOME_UNAVAILABLE)
            return http_reply_unavailable(rq, c);
        if (out == OUTCOME_INTERNAL)
            return http_reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
        if (l.found && cacheable)
            tokencache_put(rq->srv->tokens, &rq->who);
    }
    if (!l.found)
        return http_reply_error(rq, c, MHD_HTTP_UNAUTHORIZED, "",
                           rq->who.refused != NULL && rq->who.refused[0] != '\0'
                               ? rq->who.refused
                               : "unknown token");
    if ((http_routes[rq->route].roles & ALLOW(rq->who.role)) == 0) {
        char msg[256];

        snprintf(msg, sizeof msg, "the %s role may not use %s %s",
                 auth_role_name(rq->who.role), http_routes[rq->route].method, rq->path);
        return http_reply_error(rq, c, MHD_HTTP_FORBIDDEN, "", msg);
    }
    *denied = 0;
    rq->admitted = 1;
    return MHD_YES;
}

/* Route, method and token. *done is set when an answer was made; with
 * lookup 0, *done is -1 when the token still needs the database. */
enum MHD_Result http_admit(struct request *rq, struct MHD_Connection *c, int *done, int lookup)
{
    *done = 1;
    if (rq->route == ROUTE_NONE)
        return http_reply_error(rq, c, MHD_HTTP_NOT_FOUND, "", "no such route");
    if (!http_route_takes(rq->route, rq->method))
        return http_reply_error(rq, c, MHD_HTTP_METHOD_NOT_ALLOWED, "", "method not allowed");
    if (http_routes[rq->route].roles != 0 && !rq->admitted)
        return check_auth(rq, c, done, lookup);
    *done = 0;
    return MHD_YES;
}
