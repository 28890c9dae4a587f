#include "http.h"
#include "http_participation.h"
#include "http_tokens.h"

#include "auth.h"
#include "catalog.h"
#include "city.h"
#include "connwatch.h"
#include "db.h"
#include "dbpool.h"
#include "err.h"
#include "gcommit.h"
#include "http_form.h"
#include "http_links.h"
#include "jsonv.h"
#include "log.h"
#include "metrics.h"
#include "ministry.h"
#include "network.h"
#include "report.h"
#include "results.h"
#include "submit.h"
#include "tokencache.h"
#include "workq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* /healthz answers within this bound whatever the database does. */
#define HTTP_HEALTH_MS 1500
/* The most rows stored in one group commit (gcommit.h). */
#define HTTP_GROUP_ROWS 1000
/* Tokens remembered to admit submissions, and for how long (seconds). */
#define HTTP_TOKEN_CACHE_SLOTS 1024
#define HTTP_TOKEN_CACHE_TTL 60
/* A chunked body is read (and dropped) up to this many times the limit
 * before the connection is closed without an answer. */
#define HTTP_DROP_FACTOR 16

enum route {
    ROUTE_NONE,
    ROUTE_RESPONSES,        /* POST /v1/responses */
    ROUTE_RESPONSE_COUNTS,  /* GET /v1/responses/counts */
    ROUTE_SURVEYS,          /* GET /v1/surveys */
    ROUTE_SURVEY,           /* GET /v1/surveys/{slug} */
    ROUTE_STATS,            /* GET /v1/stats */
    ROUTE_REPORT_CITY,      /* GET /v1/reports/city/{slug}.xlsx */
    ROUTE_REPORT_NETWORK,   /* GET /v1/reports/network/{slug}.xlsx */
    ROUTE_REPORT_MINISTRY,  /* GET /v1/reports/ministry.{xlsx,csv,json} */
    ROUTE_HEALTHZ,          /* GET /healthz */
    ROUTE_METRICS,          /* GET /metrics */
    ROUTE_TOKENS,           /* GET /v1/tokens */
    ROUTE_TOKEN_CREATE,     /* POST /v1/tokens */
    ROUTE_TOKEN_REVOKE,     /* DELETE /v1/tokens/{id} */
    ROUTE_PARTICIPATION,    /* GET /v1/participation */
    ROUTE_FORM,             /* GET, POST /s/{key}, GET /form.css (http_form.h) */
    ROUTE_LINKS_CREATE,     /* POST /v1/links (http_links.h) */
    ROUTE_LINKS_LIST,       /* GET /v1/links */
    ROUTE_LINK_CLOSE,       /* POST /v1/links/{id}/close */
};

/* Role bits: which roles may use a route (0: no token needed). */
#define ALLOW(r) (1u << (r))
#define ANY_ROLE (ALLOW(AUTH_COLLECTOR) | ALLOW(AUTH_COORDINATOR) | ALLOW(AUTH_ANALYST) | \
                  ALLOW(AUTH_MINISTRY) | ALLOW(AUTH_ADMIN))

struct route_info {
    enum metrics_route metric;
    const char *method;   /* the one method the route takes (GET routes also take HEAD) */
    unsigned roles;
};

static const struct route_info routes[] = {
    [ROUTE_NONE] = { METRICS_ROUTE_OTHER, NULL, 0 },
    [ROUTE_RESPONSES] = { METRICS_ROUTE_RESPONSES, "POST",
                          ALLOW(AUTH_COLLECTOR) | ALLOW(AUTH_COORDINATOR) | ALLOW(AUTH_ADMIN) },
    [ROUTE_RESPONSE_COUNTS] = { METRICS_ROUTE_RESPONSE_COUNTS, "GET",
                                ALLOW(AUTH_ANALYST) | ALLOW(AUTH_MINISTRY) | ALLOW(AUTH_ADMIN) },
    [ROUTE_SURVEYS] = { METRICS_ROUTE_SURVEYS, "GET", ANY_ROLE },
    [ROUTE_SURVEY] = { METRICS_ROUTE_SURVEY, "GET", ANY_ROLE },
    /* a coordinator reads its own city only (stats_work, report_allowed) */
    [ROUTE_STATS] = { METRICS_ROUTE_STATS, "GET",
                      ALLOW(AUTH_COORDINATOR) | ALLOW(AUTH_ANALYST) | ALLOW(AUTH_MINISTRY) |
                          ALLOW(AUTH_ADMIN) },
    /* City and network workbooks hold aggregates only, the same figures as
     * GET /v1/stats, so the ministry may read them too; the programme-wide
     * export is not for an analyst of one network. */
    [ROUTE_REPORT_CITY] = { METRICS_ROUTE_REPORT_CITY, "GET",
                            ALLOW(AUTH_COORDINATOR) | ALLOW(AUTH_ANALYST) | ALLOW(AUTH_MINISTRY) |
                                ALLOW(AUTH_ADMIN) },
    [ROUTE_REPORT_NETWORK] = { METRICS_ROUTE_REPORT_NETWORK, "GET",
                               ALLOW(AUTH_ANALYST) | ALLOW(AUTH_MINISTRY) | ALLOW(AUTH_ADMIN) },
    [ROUTE_REPORT_MINISTRY] = { METRICS_ROUTE_REPORT_MINISTRY, "GET",
                                ALLOW(AUTH_MINISTRY) | ALLOW(AUTH_ADMIN) },
    [ROUTE_HEALTHZ] = { METRICS_ROUTE_HEALTHZ, "GET", 0 },
    /* Counters only, but still the daemon's business: admin only. */
    [ROUTE_METRICS] = { METRICS_ROUTE_METRICS, "GET", ALLOW(AUTH_ADMIN) },
    [ROUTE_TOKENS] = { METRICS_ROUTE_OTHER, "GET", ALLOW(AUTH_ADMIN) },
    [ROUTE_TOKEN_CREATE] = { METRICS_ROUTE_OTHER, "POST", ALLOW(AUTH_ADMIN) },
    [ROUTE_TOKEN_REVOKE] = { METRICS_ROUTE_OTHER, "DELETE", ALLOW(AUTH_ADMIN) },
    [ROUTE_PARTICIPATION] = { METRICS_ROUTE_OTHER, "GET",
                              ALLOW(AUTH_COORDINATOR) | ALLOW(AUTH_ANALYST) | ALLOW(AUTH_MINISTRY) |
                                  ALLOW(AUTH_ADMIN) },
    [ROUTE_FORM] = { METRICS_ROUTE_OTHER, "GET", 0 },
    [ROUTE_LINKS_CREATE] = { METRICS_ROUTE_OTHER, "POST", ALLOW(AUTH_ADMIN) },
    [ROUTE_LINKS_LIST] = { METRICS_ROUTE_OTHER, "GET", ALLOW(AUTH_ADMIN) },
    [ROUTE_LINK_CLOSE] = { METRICS_ROUTE_OTHER, "POST", ALLOW(AUTH_ADMIN) },
};

struct request;

/* /healthz: its own thread and database connection, so that it answers
 * within HTTP_HEALTH_MS even when every worker waits on a frozen database.
 * Requests that arrive while a check runs get that check's result. */
struct health {
    pthread_mutex_t lock;
    pthread_cond_t more;
    struct request *waiting;
    int stopping;
    int started;
    pthread_t thread;
    struct dbpool *pool;
};

struct http_server {
    struct MHD_Daemon *mhd;
    int listen_fd;
    char address[80];
    size_t body_limit;
    unsigned retry_after;
    unsigned db_timeout_ms;       /* every request's database deadline */
    int tls;                      /* HTTPS: answers carry HSTS */
    struct workq *work;           /* runs the requests that need the database */
    struct connwatch *conns;      /* header/body deadlines, the overall limit */
    struct health health;
    char *tls_cert, *tls_key;     /* PEM, kept while MHD runs */
    struct dbpool *pool;
    struct submit *submit;
    struct gcommit *gcommit;      /* stores submissions in groups */
    struct tokencache *tokens;    /* admits submissions (only) without a lookup */
    pthread_mutex_t lock;      /* guards active and stopping */
    pthread_cond_t idle;       /* signalled when active drops */
    unsigned active;           /* requests between first call and completion */
    int stopping;
};

/* Per-request state (MHD's con_cls, made by on_uri when the request line
 * is in), freed in on_completed. */
struct request {
    struct http_server *srv;
    struct MHD_Connection *conn;
    struct connwatch_conn *cw;
    struct timespec start;
    struct timespec deadline;  /* for its database work */
    enum route route;
    int started;               /* the access handler saw the headers */
    int bad_target;            /* an encoded control character or NUL */
    int admitted;              /* the token was checked (a cached submission) */
    int dispatched;            /* handed to a worker (connection suspended) */
    int failed;                /* the worker could not make an answer */
    struct MHD_Response *resp; /* the answer made, not yet queued */
    unsigned resp_status;
    struct request *hnext;     /* in the health lane's list */
    char method[16];
    char path[160];            /* as logged: a form's key is replaced (http_form_log_path) */
    char url[160];             /* ROUTE_FORM: the URL as requested */
    char slug[64];             /* ROUTE_SURVEY, ROUTE_REPORT_CITY, ROUTE_REPORT_NETWORK */
    int link_id;               /* ROUTE_LINK_CLOSE */
    char ext[8];               /* ROUTE_REPORT_*: xlsx, csv or json */
    unsigned status;           /* 0 until an answer is queued */
    size_t bytes;              /* answer body size */
    struct auth_principal who;
    char *body;
    size_t len, cap;
    int too_large;
    size_t dropped;            /* body bytes thrown away past the limit */
};

/* ---- answers ---------------------------------------------------------- */

static int is_stopping(struct http_server *srv)
{
    int s;

    pthread_mutex_lock(&srv->lock);
    s = srv->stopping;
    pthread_mutex_unlock(&srv->lock);
    return s;
}

/* Queues resp (len bytes of body; destroyed here in every case) with status
 * and content type; extra headers are added through hdr/val pairs
 * (NULL-terminated list). */
static enum MHD_Result queue(struct request *rq, struct MHD_Connection *c, unsigned status,
                             struct MHD_Response *resp, const char *type, size_t len,
                             const char *const *headers)
{
    enum MHD_Result ok = MHD_NO;

    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES)
        goto done;
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i += 2)
        if (MHD_add_response_header(resp, headers[i], headers[i + 1]) != MHD_YES)
            goto done;
    if (is_stopping(rq->srv) &&
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES)
        goto done;
    if (rq->srv->tls &&
        MHD_add_response_header(resp, "Strict-Transport-Security",
                                "max-age=31536000; includeSubDomains") != MHD_YES)
        goto done;
    /* Kept, and queued by the access handler on MHD's thread (flush): the
     * answer may be made on a worker while the connection is suspended. */
    if (rq->resp != NULL)
        MHD_destroy_response(rq->resp);
    rq->resp = resp;
    rq->resp_status = status;
    rq->status = status;
    rq->bytes = len;
    return MHD_YES;
done:
    (void)c;
    MHD_destroy_response(resp);
    return ok;
}

/* Queues the answer made for rq (on MHD's thread). */
static enum MHD_Result flush(struct request *rq, struct MHD_Connection *c)
{
    struct MHD_Response *resp = rq->resp;
    enum MHD_Result ok;

    rq->resp = NULL;
    if (resp == NULL)
        return MHD_NO;
    ok = MHD_queue_response(c, rq->resp_status, resp);
    MHD_destroy_response(resp);
    if (ok != MHD_YES)
        rq->status = 0;
    return ok;
}

/* Queues text (copied) with status and content type; extra headers as in
 * queue. */
static enum MHD_Result reply(struct request *rq, struct MHD_Connection *c, unsigned status,
                             const char *type, const char *text, size_t len,
                             const char *const *headers)
{
    struct MHD_Response *resp;

    resp = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    return queue(rq, c, status, resp, type, len, headers);
}

static enum MHD_Result reply_json(struct request *rq, struct MHD_Connection *c,
                                  unsigned status, json_t *doc, const char *const *headers)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    enum MHD_Result ok;

    json_decref(doc);
    if (text == NULL)
        return MHD_NO;
    ok = reply(rq, c, status, "application/json", text, strlen(text), headers);
    free(text);
    return ok;
}

/* {"error": {"status", "path", "message"}}, with the headers the status
 * calls for (WWW-Authenticate, Retry-After, Allow). */
static enum MHD_Result reply_error_close(struct request *rq, struct MHD_Connection *c,
                                         unsigned status, const char *path, const char *message,
                                         int close_it)
{
    char retry[16];
    const char *headers[5] = { NULL, NULL, NULL, NULL, NULL };
    json_t *doc;

    if (status == MHD_HTTP_UNAUTHORIZED) {
        headers[0] = MHD_HTTP_HEADER_WWW_AUTHENTICATE;
        headers[1] = "Bearer realm=\"empirie\"";
    } else if (status == MHD_HTTP_SERVICE_UNAVAILABLE) {
        snprintf(retry, sizeof retry, "%u", rq->srv->retry_after);
        headers[0] = MHD_HTTP_HEADER_RETRY_AFTER;
        headers[1] = retry;
    } else if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        headers[0] = MHD_HTTP_HEADER_ALLOW;
        headers[1] = strcmp(routes[rq->route].method, "GET") != 0 ? routes[rq->route].method
                                                                  : "GET, HEAD";
    }
    if (close_it) {
        size_t at = headers[0] != NULL ? 2 : 0;

        headers[at] = MHD_HTTP_HEADER_CONNECTION;
        headers[at + 1] = "close";
    }
    doc = json_pack("{s:{s:i,s:s,s:s}}", "error", "status", (int)status, "path",
                    path != NULL ? path : "", "message", message);
    if (doc == NULL)
        return MHD_NO;
    return reply_json(rq, c, status, doc, headers);
}

static enum MHD_Result reply_error(struct request *rq, struct MHD_Connection *c,
                                   unsigned status, const char *path, const char *message)
{
    return reply_error_close(rq, c, status, path, message, 0);
}

static enum MHD_Result reply_unavailable(struct request *rq, struct MHD_Connection *c)
{
    return reply_error(rq, c, MHD_HTTP_SERVICE_UNAVAILABLE, "",
                       "the database is not available; try again later");
}

/* ---- database access -------------------------------------------------- */

enum db_outcome { DB_OK, DB_UNAVAILABLE, DB_FAILED };

/* A unit of database work: 0 on success, -1 on failure (err filled). */
typedef int (*db_work)(PGconn *conn, void *ctx, char *err, size_t errlen);

/*
 * Runs work on a pooled connection. A pooled connection may have died
 * since it was last used (the server restarted): then the work fails with
 * the connection broken, and it is retried once on a fresh connection. The
 * work must be safe to repeat (reads; ingest is all or nothing and
 * idempotent).
 */
static enum db_outcome with_db(struct http_server *srv, db_work work, void *ctx)
{
    char err[ERR_MAX];

    for (int attempt = 0; attempt < 2; attempt++) {
        PGconn *conn = dbpool_get(srv->pool, err, sizeof err);

        if (conn == NULL) {
            log_warn("the database is unavailable: %s", err);
            return DB_UNAVAILABLE;
        }
        db_clear_failure();
        if (work(conn, ctx, err, sizeof err) == 0) {
            dbpool_put(srv->pool, conn);
            return DB_OK;
        }
        if (!db_unavailable(conn)) {
            dbpool_put(srv->pool, conn);
            log_error("database work failed: %s", err);
            return DB_FAILED;
        }
        log_warn("the database is unavailable: %s", err);
        dbpool_discard(srv->pool, conn);
        /* a timeout is not worth a second try; a broken connection is */
        if (dbpool_time_left() <= 0)
            break;
    }
    return DB_UNAVAILABLE;
}

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

/* A query whose one row and column is a JSON text (or no row). */
struct json_query {
    const char *sql;
    int nparams;
    const char *params[4];
    char *text;   /* malloc'd; NULL when there was no row */
};

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
static enum MHD_Result reply_query(struct request *rq, struct MHD_Connection *c,
                                   struct json_query *q, const char *not_found)
{
    enum db_outcome out = with_db(rq->srv, json_query_work, q);
    enum MHD_Result ok;

    if (out == DB_UNAVAILABLE)
        ok = reply_unavailable(rq, c);
    else if (out == DB_FAILED)
        ok = reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    else if (q->text == NULL)
        ok = reply_error(rq, c, MHD_HTTP_NOT_FOUND, "", not_found);
    else
        ok = reply(rq, c, MHD_HTTP_OK, "application/json", q->text, strlen(q->text), NULL);
    free(q->text);
    q->text = NULL;
    return ok;
}

/* ---- GET routes ------------------------------------------------------- */

static enum MHD_Result get_metrics(struct request *rq, struct MHD_Connection *c)
{
    size_t len;
    char *text = metrics_render(&len);
    enum MHD_Result ok;

    if (text == NULL)
        return reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "out of memory");
    ok = reply(rq, c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len, NULL);
    free(text);
    return ok;
}

static enum MHD_Result get_surveys(struct request *rq, struct MHD_Connection *c)
{
    struct json_query q = {
        .sql = "SELECT json_build_object('surveys', coalesce(json_agg(x ORDER BY x.slug), '[]'))"
               " FROM (SELECT s.slug, max(s.version) AS version,"
               " array_agg(s.version ORDER BY s.version) AS versions,"
               " (SELECT l.definition->'title' FROM survey l WHERE l.slug = s.slug"
               "  ORDER BY l.version DESC LIMIT 1) AS title,"
               " (SELECT coalesce(json_agg(json_build_object('label', w.label,"
               "  'survey_version', w.survey_version, 'opens_on', w.opens_on,"
               "  'closes_on', w.closes_on) ORDER BY w.opens_on, w.label), '[]')"
               "  FROM wave w WHERE w.survey = s.slug) AS waves"
               " FROM survey s GROUP BY s.slug) x",
    };

    return reply_query(rq, c, &q, "no surveys");
}

/* Parses ?version=N (absent: the newest). Returns -1 when it is not a
 * positive integer. */
static int version_arg(struct MHD_Connection *c, char *out, size_t n)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "version");
    char *end;
    long ver;

    out[0] = '\0';
    if (v == NULL)
        return 0;
    errno = 0;
    ver = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || ver < 1 || ver > 1000000)
        return -1;
    snprintf(out, n, "%ld", ver);
    return 0;
}

static enum MHD_Result get_survey(struct request *rq, struct MHD_Connection *c)
{
    char version[16];
    char msg[160];
    struct json_query q = {
        .sql = "SELECT json_build_object('slug', s.slug, 'version', s.version,"
               " 'definition', s.definition, 'waves',"
               " (SELECT coalesce(json_agg(json_build_object('label', w.label,"
               "  'opens_on', w.opens_on, 'closes_on', w.closes_on)"
               "  ORDER BY w.opens_on, w.label), '[]')"
               "  FROM wave w WHERE w.survey = s.slug AND w.survey_version = s.version))"
               " FROM survey s WHERE s.slug = $1 AND ($2::int IS NULL OR s.version = $2::int)"
               " ORDER BY s.version DESC LIMIT 1",
        .nparams = 2,
    };

    if (version_arg(c, version, sizeof version) != 0)
        return reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "version",
                           "version: expected a positive integer");
    q.params[0] = rq->slug;
    q.params[1] = version[0] != '\0' ? version : NULL;
    snprintf(msg, sizeof msg, "no survey '%s'%s%s", rq->slug, version[0] ? " version " : "",
             version);
    return reply_query(rq, c, &q, msg);
}

/* GET /v1/responses/counts: defined with the stats route below (it reads
 * the same anonymised results). */
static enum MHD_Result get_response_counts(struct request *rq, struct MHD_Connection *c);

/* ---- POST /v1/responses ----------------------------------------------- */

static enum MHD_Result post_responses(struct request *rq, struct MHD_Connection *c)
{
    struct http_server *srv = rq->srv;
    struct ingest_result res;

    if (rq->too_large) {
        char msg[128];

        snprintf(msg, sizeof msg, "the body is larger than the limit of %zu bytes",
                 rq->srv->body_limit);
        return reply_error(rq, c, MHD_HTTP_CONTENT_TOO_LARGE, "", msg);
    }
    if (rq->len == 0)
        return reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "",
                           "empty body: expected a JSON response object or an array of them");
    submit_store(srv->submit, srv->gcommit, srv->pool, rq->body, rq->len, &rq->who, &res);
    switch (res.status) {
    case 201:
        metrics_stored(res.created, res.duplicates);
        return reply_json(rq, c, MHD_HTTP_CREATED,
                          json_pack("{s:I,s:I}", "stored", (json_int_t)res.created,
                                    "duplicates", (json_int_t)res.duplicates),
                          NULL);
    case 401:   /* the token was deleted after it was admitted (from the cache) */
        tokencache_forget(srv->tokens, rq->who.hash);
        return reply_error(rq, c, MHD_HTTP_UNAUTHORIZED, "",
                           res.error.message[0] != '\0' ? res.error.message : "unknown token");
    case 503:
        if (res.error.message[0] != '\0')
            log_warn("POST %s: %s", rq->path, res.error.message);
        return reply_unavailable(rq, c);
    case 400:
    case 403:
    case 409:
        return reply_error(rq, c, (unsigned)res.status, res.error.path, res.error.message);
    default:
        log_error("POST %s: %s", rq->path, res.error.message);
        return reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    }
}

/* Content-Type must be JSON: "application/json" with optional parameters. */
static int json_content_type(struct MHD_Connection *c)
{
    const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t n = strlen("application/json");

    if (t == NULL || strncasecmp(t, "application/json", n) != 0)
        return 0;
    return t[n] == '\0' || t[n] == ';' || t[n] == ' ';
}

/* Checks the declared size before any of the body is read. */
static enum MHD_Result post_headers(struct request *rq, struct MHD_Connection *c)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);

    if (cl != NULL) {
        char *end;
        unsigned long long n;

        errno = 0;
        n = strtoull(cl, &end, 10);
        if (errno != 0 || end == cl || n > rq->srv->body_limit) {
            rq->too_large = 1;
            return post_responses(rq, c);
        }
        if (n > 0) {
            rq->body = malloc((size_t)n + 1);
            if (rq->body == NULL)
                return MHD_NO;
            rq->cap = (size_t)n + 1;
        }
    }
    if (!json_content_type(c))
        return reply_error(rq, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "",
                           "Content-Type must be application/json");
    return MHD_YES;
}

/* Keeps body data up to the limit; past it, drops the buffer and the rest. */
static int body_append(struct request *rq, const char *data, size_t n)
{
    if (rq->too_large) {
        rq->dropped += n;
        return 0;
    }
    if (n > rq->srv->body_limit - rq->len) {
        rq->too_large = 1;
        rq->dropped = rq->len + n;
        free(rq->body);
        rq->body = NULL;
        rq->len = rq->cap = 0;
        return 0;
    }
    if (rq->len + n + 1 > rq->cap) {
        size_t cap = rq->cap * 2 > rq->len + n + 1 ? rq->cap * 2 : rq->len + n + 1;
        char *b;

        if (cap > rq->srv->body_limit + 1)
            cap = rq->srv->body_limit + 1;
        b = realloc(rq->body, cap);
        if (b == NULL)
            return -1;
        rq->body = b;
        rq->cap = cap;
    }
    memcpy(rq->body + rq->len, data, n);
    rq->len += n;
    rq->body[rq->len] = '\0';
    return 0;
}

/* ---- routing ---------------------------------------------------------- */

/* "/v1/reports/city/konin.xlsx" with prefix "/v1/reports/city/": the slug
 * (into slug) and the extension (into ext), when both are well formed. */
static int split_report(const char *url, const char *prefix, char *slug, size_t n, char *ext,
                        size_t extn)
{
    size_t plen = strlen(prefix);
    const char *name, *dot;
    size_t len;

    if (strncmp(url, prefix, plen) != 0)
        return 0;
    name = url + plen;
    dot = strrchr(name, '.');
    if (dot == NULL || strlen(dot + 1) >= extn)
        return 0;
    len = (size_t)(dot - name);
    if (len == 0 || len >= n)
        return 0;
    memcpy(slug, name, len);
    slug[len] = '\0';
    snprintf(ext, extn, "%s", dot + 1);
    return jsonv_is_slug(slug);
}

static enum route match_report(const char *url, struct request *rq)
{
    if (strcmp(url, "/v1/reports/ministry.xlsx") == 0 ||
        strcmp(url, "/v1/reports/ministry.csv") == 0 ||
        strcmp(url, "/v1/reports/ministry.json") == 0) {
        snprintf(rq->ext, sizeof rq->ext, "%s", strrchr(url, '.') + 1);
        return ROUTE_REPORT_MINISTRY;
    }
    if (split_report(url, "/v1/reports/city/", rq->slug, sizeof rq->slug, rq->ext,
                     sizeof rq->ext) &&
        strcmp(rq->ext, "xlsx") == 0)
        return ROUTE_REPORT_CITY;
    if (split_report(url, "/v1/reports/network/", rq->slug, sizeof rq->slug, rq->ext,
                     sizeof rq->ext) &&
        strcmp(rq->ext, "xlsx") == 0)
        return ROUTE_REPORT_NETWORK;
    return ROUTE_NONE;
}

static enum route match_route(const char *url, struct request *rq)
{
    static const char survey_prefix[] = "/v1/surveys/";
    char *slug = rq->slug;
    size_t n = sizeof rq->slug;

    if (strcmp(url, "/v1/responses") == 0)
        return ROUTE_RESPONSES;
    if (strcmp(url, "/v1/responses/counts") == 0)
        return ROUTE_RESPONSE_COUNTS;
    if (strcmp(url, "/v1/stats") == 0)
        return ROUTE_STATS;
    if (strcmp(url, "/v1/surveys") == 0)
        return ROUTE_SURVEYS;
    if (strcmp(url, "/healthz") == 0)
        return ROUTE_HEALTHZ;
    if (strcmp(url, "/metrics") == 0)
        return ROUTE_METRICS;
    if (strcmp(url, "/v1/participation") == 0)
        return ROUTE_PARTICIPATION;
    if (strcmp(url, "/v1/tokens") == 0)
        return strcmp(rq->method, "POST") == 0 ? ROUTE_TOKEN_CREATE : ROUTE_TOKENS;
    if (strncmp(url, "/v1/tokens/", 11) == 0 && strlen(url + 11) < n &&
        strspn(url + 11, "0123456789") == strlen(url + 11) && url[11] != '\0') {
        snprintf(slug, n, "%s", url + 11);
        return ROUTE_TOKEN_REVOKE;
    }
    if (http_form_route(url))
        return ROUTE_FORM;
    if (strcmp(url, "/v1/links") == 0)
        return strcmp(rq->method, "POST") == 0 ? ROUTE_LINKS_CREATE : ROUTE_LINKS_LIST;
    if (http_links_close_url(url, &rq->link_id))
        return ROUTE_LINK_CLOSE;
    if (strncmp(url, survey_prefix, sizeof survey_prefix - 1) == 0) {
        const char *s = url + sizeof survey_prefix - 1;

        if (jsonv_is_slug(s) && strlen(s) < n) {
            snprintf(slug, n, "%s", s);
            return ROUTE_SURVEY;
        }
    }
    if (strncmp(url, "/v1/reports/", strlen("/v1/reports/")) == 0)
        return match_report(url, rq);
    return ROUTE_NONE;
}

static int method_allowed(enum route r, const char *method)
{
    const char *want = routes[r].method;

    if (strcmp(method, want) == 0)
        return 1;
    return strcmp(want, "GET") == 0 && strcmp(method, "HEAD") == 0;
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
    enum db_outcome out;

    *denied = 1;
    if (token == NULL)
        return reply_error(rq, c, MHD_HTTP_UNAUTHORIZED, "",
                           "missing bearer token (Authorization: Bearer TOKEN)");
    if (!auth_token_hash(token, hash)) {
        l.found = 0;   /* not shaped like a token: never sent to the database */
    } else if (cacheable && tokencache_get(rq->srv->tokens, hash, &rq->who)) {
        l.found = 1;
    } else if (!lookup) {
        *denied = -1;
        return MHD_YES;
    } else {
        out = with_db(rq->srv, lookup_work, &l);
        if (out == DB_UNAVAILABLE)
            return reply_unavailable(rq, c);
        if (out == DB_FAILED)
            return reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
        if (l.found && cacheable)
            tokencache_put(rq->srv->tokens, &rq->who);
    }
    if (!l.found)
        return reply_error(rq, c, MHD_HTTP_UNAUTHORIZED, "",
                           rq->who.refused != NULL && rq->who.refused[0] != '\0'
                               ? rq->who.refused
                               : "unknown token");
    if ((routes[rq->route].roles & ALLOW(rq->who.role)) == 0) {
        char msg[256];

        snprintf(msg, sizeof msg, "the %s role may not use %s %s",
                 auth_role_name(rq->who.role), routes[rq->route].method, rq->path);
        return reply_error(rq, c, MHD_HTTP_FORBIDDEN, "", msg);
    }
    *denied = 0;
    rq->admitted = 1;
    return MHD_YES;
}

/* Route, method and token. *done is set when an answer was made; with
 * lookup 0, *done is -1 when the token still needs the database. */
static enum MHD_Result admit(struct request *rq, struct MHD_Connection *c, int *done, int lookup)
{
    *done = 1;
    if (rq->route == ROUTE_NONE)
        return reply_error(rq, c, MHD_HTTP_NOT_FOUND, "", "no such route");
    if (!method_allowed(rq->route, rq->method))
        return reply_error(rq, c, MHD_HTTP_METHOD_NOT_ALLOWED, "", "method not allowed");
    if (routes[rq->route].roles != 0 && !rq->admitted)
        return check_auth(rq, c, done, lookup);
    *done = 0;
    return MHD_YES;
}

/* One Content-Length and no Transfer-Encoding, or one Transfer-Encoding
 * "chunked" and no Content-Length: anything else (repeated or conflicting
 * lengths, both framings) is how requests are smuggled past a proxy. */
struct framing {
    unsigned lengths, encodings;
    int chunked_only;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct framing *f = cls;

    (void)kind;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        f->lengths++;
    if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->encodings++;
        f->chunked_only = value != NULL && strcasecmp(value, "chunked") == 0;
    }
    return MHD_YES;
}

static const char *bad_framing(struct MHD_Connection *c)
{
    struct framing f = { 0, 0, 0 };

    MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
    if (f.lengths > 1)
        return "Content-Length: given more than once";
    if (f.lengths > 0 && f.encodings > 0)
        return "Content-Length and Transfer-Encoding together";
    if (f.encodings > 1 || (f.encodings == 1 && !f.chunked_only))
        return "Transfer-Encoding: expected exactly \"chunked\"";
    return NULL;
}

/*
 * The first call for a request: headers are in, no body yet. Refused here,
 * without reading a byte of the body (the connection is closed after the
 * answer): a request target with an encoded control character or NUL,
 * ambiguous framing, a connection over the overall limit (503). A
 * submission is checked here too (route, token when it needs no database,
 * declared size, type) so that a refused body is never read. Any other
 * request is answered on the last call, once it is fully received, which
 * keeps the connection open for the next request.
 */
static enum MHD_Result on_headers(struct request *rq, struct MHD_Connection *c)
{
    const char *framing;
    int done = 0;
    enum MHD_Result ok;

    if (rq->bad_target)
        return reply_error_close(rq, c, MHD_HTTP_BAD_REQUEST, "",
                                 "the request target holds a control character, a NUL or a "
                                 "byte outside ASCII (raw or %-encoded)", 1);
    framing = bad_framing(c);
    if (framing != NULL)
        return reply_error_close(rq, c, MHD_HTTP_BAD_REQUEST, "", framing, 1);
    if (connwatch_over(rq->cw))
        return reply_error_close(rq, c, MHD_HTTP_SERVICE_UNAVAILABLE, "",
                                 "too many connections; try again later", 1);
    if (rq->route != ROUTE_RESPONSES || strcmp(rq->method, "POST") != 0)
        return MHD_YES;
    ok = admit(rq, c, &done, 0);
    if (done > 0)
        return ok;
    return post_headers(rq, c);
}

/* GET /v1/stats?survey=S[&wave=W][&city=C|&network=N][&by=ATTR][&lang=en]:
 * the same JSON as `empirie stats --json`, computed from the results
 * document (already anonymised). An analyst reads their network and its
 * member cities; ministry and admin read every group. */
struct stats_query {
    struct submit *submit;   /* owns the cached survey catalog */
    const char *survey, *wave, *city, *network, *by;
    int english;
    const struct auth_principal *who;
    json_t *answer;       /* on success */
    unsigned status;      /* 200, or the client error to answer */
    char message[ERR_MAX];
};

static int analyst_may_read(json_t *doc, const char *wave, const char *network,
                            const char *city, const char *scope)
{
    json_t *net = results_group(doc, wave, "network", scope);
    size_t i;
    json_t *m;

    if (network != NULL)
        return strcmp(network, scope) == 0;
    if (city == NULL || net == NULL)
        return 0;
    json_array_foreach(json_object_get(net, "members"), i, m)
        if (strcmp(json_string_value(m), city) == 0)
            return 1;
    return 0;
}

static int stats_work(PGconn *conn, void *ctx, char *err, size_t errlen)
{
    struct stats_query *q = ctx;
    json_t *doc, *g;
    const char *wave = q->wave;
    int unknown;

    doc = submit_results(q->submit, conn, q->survey, q->by, q->english, &unknown, q->message,
                         sizeof q->message);
    if (doc == NULL) {
        /* Unknown survey or attribute: the client's error; anything else
         * is ours (500, or 503 when the connection broke underneath). */
        if (!unknown)
            return err_set(err, errlen, "%s", q->message);
        q->status = MHD_HTTP_NOT_FOUND;
        return 0;
    }
    if (wave == NULL) {
        json_t *waves = json_object_get(doc, "waves");

        wave = json_string_value(
            json_object_get(json_array_get(waves, json_array_size(waves) - 1), "label"));
    }
    if (q->who->role == AUTH_COORDINATOR &&
        (q->city == NULL || strcmp(q->city, q->who->scope) != 0)) {
        q->status = MHD_HTTP_FORBIDDEN;
        snprintf(q->message, sizeof q->message,
                 "a coordinator of %s reads that city only (?city=%s)", q->who->scope,
                 q->who->scope);
    } else if (q->who->role == AUTH_ANALYST &&
               !analyst_may_read(doc, wave, q->network, q->city, q->who->scope)) {
        q->status = MHD_HTTP_FORBIDDEN;
        snprintf(q->message, sizeof q->message,
                 "an analyst of %s reads that network and its member cities only",
                 q->who->scope);
    } else if ((g = results_group(doc, wave, q->city ? "city" : q->network ? "network" : "all",
                                  q->city ? q->city : q->network)) == NULL) {
        q->status = MHD_HTTP_NOT_FOUND;
        snprintf(q->message, sizeof q->message, "no such group in wave %s of survey %s", wave,
                 q->survey);
    } else {
        q->answer = results_view(doc, g);
        q->status = MHD_HTTP_OK;
    }
    json_decref(doc);
    return 0;
}

static enum MHD_Result get_stats(struct request *rq, struct MHD_Connection *c)
{
    struct stats_query q;
    const char *lang;
    enum db_outcome out;

    memset(&q, 0, sizeof q);
    q.submit = rq->srv->submit;
    q.survey = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "survey");
    q.wave = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wave");
    q.city = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "city");
    q.network = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "network");
    q.by = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "by");
    lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    q.who = &rq->who;
    if (q.survey == NULL || q.survey[0] == '\0')
        return reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "survey",
                           "survey: expected a survey slug (?survey=...)");
    if (q.city != NULL && q.network != NULL)
        return reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "city",
                           "give city or network, not both");
    if (lang != NULL && strcmp(lang, "en") != 0 && strcmp(lang, "pl") != 0)
        return reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "lang", "lang: expected pl or en");
    q.english = lang != NULL && strcmp(lang, "en") == 0;
    out = with_db(rq->srv, stats_work, &q);
    if (out == DB_UNAVAILABLE)
        return reply_unavailable(rq, c);
    if (out == DB_FAILED)
        return reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    if (q.status != MHD_HTTP_OK)
        return reply_error(rq, c, q.status, "", q.message);
    return reply_json(rq, c, MHD_HTTP_OK, q.answer, NULL);
}

/*
 * GET /v1/responses/counts[?survey=S][&wave=W]: collection progress,
 * responses per survey, wave and city, under the same anonymity rules as
 * the statistics (a count the results document hides is null, with its
 * reason), read from that document so both always agree. An analyst sees
 * the member cities of their network only.
 */
struct counts_query {
    struct submit *submit;
    const char *survey, *wave;
    const struct auth_principal *who;
    json_t *answer;
    unsigned status;
    char message[ERR_MAX];
};

static int count_cmp(const void *x, const void *y)
{
    const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    static const char *keys[] = { "survey", "wave", "city" };

    for (size_t i = 0; i < 3; i++) {
        int d = strcmp(json_string_value(json_object_get(a, keys[i])),
                       json_string_value(json_object_get(b, keys[i])));

        if (d != 0)
            return d;
    }
    return 0;
}

/* Appends the city rows of doc to rows (a JSON array). */
static int counts_of(const struct counts_query *q, const char *survey, json_t *doc, json_t *rows)
{
    size_t i;
    json_t *g;

    json_array_foreach(json_object_get(doc, "groups"), i, g) {
        const char *wave = json_string_value(json_object_get(g, "wave"));
        const char *city = json_string_value(json_object_get(g, "slug"));
        json_t *row;

        if (strcmp(json_string_value(json_object_get(g, "type")), "city") != 0 ||
            (q->wave != NULL && strcmp(q->wave, wave) != 0))
            continue;
        if (q->who->role == AUTH_ANALYST &&
            !analyst_may_read(doc, wave, NULL, city, q->who->scope))
            continue;
        row = json_pack("{s:s, s:s, s:s}", "survey", survey, "wave", wave, "city", city);
        if (row == NULL)
            return -1;
        if (json_is_true(json_object_get(g, "suppressed"))) {
            json_object_set_new(row, "responses", json_null());
            json_object_set_new(row, "suppressed", json_true());
            json_object_set(row, "reason", json_object_get(g, "reason"));
        } else {
            json_object_set_new(
                row, "responses",
                json_integer((json_int_t)json_number_value(json_object_get(g, "respondents"))));
            json_object_set_new(row, "suppressed", json_false());
        }
        if (json_array_append_new(rows, row) != 0)
            return -1;
    }
    return 0;
}

static int counts_work(PGconn *conn, void *ctx, char *err, size_t errlen)
{
    struct counts_query *q = ctx;
    PGresult *res = NULL;
    json_t *rows = json_array(), *sorted;
    json_t **all = NULL;
    int n, rc = -1;

    json_decref(q->answer);
    q->answer = NULL;
    if (rows == NULL)
        return err_set(err, errlen, "out of memory");
    if (db_exec(conn, "SELECT DISTINCT slug FROM survey WHERE $1::text IS NULL OR slug = $1"
                      " ORDER BY slug",
                1, &q->survey, &res, NULL, err, errlen) != 0)
        goto done;
    n = PQntuples(res);
    if (n == 0 && q->survey != NULL) {
        q->status = MHD_HTTP_NOT_FOUND;
        snprintf(q->message, sizeof q->message, "no survey '%s'", q->survey);
        rc = 0;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        const char *slug = PQgetvalue(res, i, 0);
        int unknown;
        json_t *doc = submit_results(q->submit, conn, slug, NULL, 0, &unknown, q->message,
                                     sizeof q->message);

        if (doc == NULL && unknown)
            continue;   /* a survey without waves has no counts */
        if (doc == NULL) {
            err_set(err, errlen, "%s", q->message);
            goto done;
        }
        if (counts_of(q, slug, doc, rows) != 0) {
            json_decref(doc);
            err_set(err, errlen, "out of memory");
            goto done;
        }
        json_decref(doc);
    }
    all = calloc(json_array_size(rows) + 1, sizeof *all);
    sorted = json_array();
    if (all == NULL || sorted == NULL) {
        json_decref(sorted);
        err_set(err, errlen, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < json_array_size(rows); i++)
        all[i] = json_array_get(rows, i);
    qsort(all, json_array_size(rows), sizeof *all, count_cmp);
    for (size_t i = 0; i < json_array_size(rows); i++)
        json_array_append(sorted, all[i]);
    q->answer = json_pack("{s:o}", "counts", sorted);
    q->status = q->answer != NULL ? MHD_HTTP_OK : 0;
    rc = q->answer != NULL ? 0 : err_set(err, errlen, "out of memory");
done:
    free(all);
    json_decref(rows);
    PQclear(res);
    return rc;
}

static enum MHD_Result get_response_counts(struct request *rq, struct MHD_Connection *c)
{
    struct counts_query q;
    enum db_outcome out;

    memset(&q, 0, sizeof q);
    q.submit = rq->srv->submit;
    q.survey = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "survey");
    q.wave = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wave");
    q.who = &rq->who;
    out = with_db(rq->srv, counts_work, &q);
    if (out == DB_UNAVAILABLE) {
        json_decref(q.answer);
        return reply_unavailable(rq, c);
    }
    if (out == DB_FAILED)
        return reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    if (q.status != MHD_HTTP_OK)
        return reply_error(rq, c, q.status, "survey", q.message);
    return reply_json(rq, c, MHD_HTTP_OK, q.answer, NULL);
}

/* ---- GET /v1/reports/... ---------------------------------------------- */

/*
 * The files of `empirie report`, one per request, with the name the command
 * gives them. libxlsxwriter 1.1.4 cannot write to memory, so a report is
 * written into a folder made for the request under $TMPDIR (or /tmp),
 * opened, and its name and folder are removed before the answer is queued:
 * MHD sends from the open descriptor and closes it when done, so nothing is
 * left on disk whether the client reads it all, goes away, or the writer
 * fails. Loading from the database and writing are separate steps so that
 * no pooled connection is held while a workbook is written.
 */
struct report_query {
    struct submit *submit;   /* owns the cached survey catalog */
    const char *survey, *wave;
    int english;
    json_t *doc;
    struct report_meta meta;
    int have_meta;
    unsigned status;      /* 200, or the client error to answer */
    char message[ERR_MAX];
};

static void report_query_clear(struct report_query *q)
{
    json_decref(q->doc);
    q->doc = NULL;
    if (q->have_meta)
        report_meta_free(&q->meta);
    q->have_meta = 0;
}

static int report_load_work(PGconn *conn, void *ctx, char *err, size_t errlen)
{
    struct report_query *q = ctx;
    int unknown;

    report_query_clear(q);   /* what a failed attempt may have loaded */
    q->doc = submit_results(q->submit, conn, q->survey, NULL, q->english, &unknown, q->message,
                            sizeof q->message);
    if (q->doc == NULL) {
        /* Unknown survey: the client's error; anything else is ours. */
        if (!unknown)
            return err_set(err, errlen, "%s", q->message);
        q->status = MHD_HTTP_NOT_FOUND;
        return 0;
    }
    if (report_meta_load(conn, q->survey, &q->meta, err, errlen) != 0)
        return -1;
    q->have_meta = 1;
    q->status = MHD_HTTP_OK;
    return 0;
}

static enum report_kind report_kind_of(enum route r)
{
    return r == ROUTE_REPORT_CITY ? REPORT_CITY
           : r == ROUTE_REPORT_NETWORK ? REPORT_NETWORK
                                       : REPORT_MINISTRY;
}

/* Whether the caller gets the report: the wave exists, an analyst asks for
 * their network or one of its member cities, and the group has figures to
 * show (a hidden group, or one without responses, has no workbook, as with
 * `empirie report --all`). Sets *wave to the wave's label; 200 or the status
 * to answer, with q->message. */
static unsigned report_allowed(const struct request *rq, struct report_query *q,
                               const char **wave)
{
    const char *type = rq->route == ROUTE_REPORT_CITY ? "city" : "network";
    json_t *g;

    *wave = report_wave(q->doc, q->wave);
    if (*wave == NULL) {
        snprintf(q->message, sizeof q->message, "survey %s has no wave %s", q->survey,
                 q->wave != NULL ? q->wave : "");
        return MHD_HTTP_NOT_FOUND;
    }
    if (rq->route == ROUTE_REPORT_MINISTRY)
        return MHD_HTTP_OK;
    if (rq->who.role == AUTH_COORDINATOR &&
        (rq->route != ROUTE_REPORT_CITY || strcmp(rq->slug, rq->who.scope) != 0)) {
        snprintf(q->message, sizeof q->message, "a coordinator of %s reads that city only",
                 rq->who.scope);
        return MHD_HTTP_FORBIDDEN;
    }
    if (rq->who.role == AUTH_ANALYST &&
        !analyst_may_read(q->doc, *wave, rq->route == ROUTE_REPORT_NETWORK ? rq->slug : NULL,
                          rq->route == ROUTE_REPORT_CITY ? rq->slug : NULL, rq->who.scope)) {
        snprintf(q->message, sizeof q->message,
                 "an analyst of %s reads that network and its member cities only",
                 rq->who.scope);
        return MHD_HTTP_FORBIDDEN;
    }
    g = results_group(q->doc, *wave, type, rq->slug);
    if (g == NULL) {
        snprintf(q->message, sizeof q->message, "no %s %s in wave %s of survey %s", type,
                 rq->slug, *wave, q->survey);
        return MHD_HTTP_NOT_FOUND;
    }
    if (json_is_true(json_object_get(g, "suppressed")) ||
        !(json_number_value(json_object_get(g, "respondents")) > 0)) {
        snprintf(q->message, sizeof q->message,
                 "no report of %s %s in wave %s: too few respondents to show", type, rq->slug,
                 *wave);
        return MHD_HTTP_NOT_FOUND;
    }
    return MHD_HTTP_OK;
}

/* Removes path, the writer's temporary file beside it, and the folder dir.
 * 0 when nothing is left. */
static int report_cleanup(const char *dir, const char *path)
{
    char wtmp[4096];
    int rc = 0;

    if (unlink(path) != 0 && errno != ENOENT)
        rc = -1;
    if (report_tmp_path(path, wtmp, sizeof wtmp) == 0 && unlink(wtmp) != 0 && errno != ENOENT)
        rc = -1;
    if (rmdir(dir) != 0)
        rc = -1;
    if (rc != 0)
        log_error("GET /v1/reports: could not remove %s: %s", dir, strerror(errno));
    return rc;
}

/* Writes the report of rq in wave and returns an open descriptor of it (its
 * name already removed), with the file's name for the client in name; -1
 * with err on failure, with nothing left on disk. */
static int report_file(const struct request *rq, struct report_query *q, const char *wave,
                       char *name, size_t namelen, char *err, size_t errlen)
{
    enum report_kind kind = report_kind_of(rq->route);
    const char *tmpdir = getenv("TMPDIR");
    char dir[4096], path[4096];
    const char *ext = rq->ext;
    int rc, fd = -1;

    /* The name `empirie report` gives the file, without its folders. */
    if (report_path(path, sizeof path, ".", wave, kind, rq->slug, q->survey, q->english,
                    ext) != 0 ||
        (size_t)snprintf(name, namelen, "%s", strrchr(path, '/') + 1) >= namelen)
        return err_set(err, errlen, "report name too long");
    if (tmpdir == NULL || tmpdir[0] == '\0')
        tmpdir = "/tmp";
    if ((size_t)snprintf(dir, sizeof dir, "%s/empirie-report-XXXXXX", tmpdir) >= sizeof dir)
        return err_set(err, errlen, "TMPDIR too long");
    if (mkdtemp(dir) == NULL)
        return err_set(err, errlen, "%s: %s", dir, strerror(errno));
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        err_set(err, errlen, "TMPDIR too long");
        rc = -1;
    } else if (kind == REPORT_CITY) {
        rc = report_city_write(q->doc, &q->meta, wave, rq->slug, path, err, errlen);
    } else if (kind == REPORT_NETWORK) {
        rc = report_network_write(q->doc, &q->meta, wave, rq->slug, path, err, errlen);
    } else {
        rc = report_ministry_write(q->doc, &q->meta, wave,
                                   strcmp(ext, "xlsx") == 0 ? path : NULL,
                                   strcmp(ext, "csv") == 0 ? path : NULL,
                                   strcmp(ext, "json") == 0 ? path : NULL, err, errlen);
    }
    if (rc == 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            err_set(err, errlen, "%s: %s", path, strerror(errno));
    }
    if (report_cleanup(dir, path) != 0 && fd >= 0) {
        close(fd);
        fd = -1;
        err_set(err, errlen, "%s: cannot remove the temporary report", dir);
    }
    return fd;
}

/* Sends the open file fd (taken over) as an attachment named name. */
static enum MHD_Result reply_file(struct request *rq, struct MHD_Connection *c, int fd,
                                  const char *type, const char *name)
{
    char disposition[320];
    const char *headers[3] = { "Content-Disposition", disposition, NULL };
    struct MHD_Response *resp;
    struct stat st;

    if (fstat(fd, &st) != 0 || st.st_size < 0) {
        log_error("GET %s: fstat: %s", rq->path, strerror(errno));
        close(fd);
        return reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "cannot read the report");
    }
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", name);
    resp = MHD_create_response_from_fd((size_t)st.st_size, fd);
    if (resp == NULL) {
        close(fd);
        return MHD_NO;
    }
    return queue(rq, c, MHD_HTTP_OK, resp, type, (size_t)st.st_size, headers);
}

static const char *report_content_type(const char *ext)
{
    if (strcmp(ext, "csv") == 0)
        return "text/csv; charset=utf-8";
    if (strcmp(ext, "json") == 0)
        return "application/json";
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

/* GET /v1/reports/city/{slug}.xlsx, /v1/reports/network/{slug}.xlsx and
 * /v1/reports/ministry.{xlsx,csv,json}, all with ?survey=S[&wave=W][&lang=en]. */
static enum MHD_Result get_report(struct request *rq, struct MHD_Connection *c)
{
    struct report_query q;
    const char *lang, *wave = NULL;
    char name[256], err[ERR_MAX];
    enum db_outcome out;
    enum MHD_Result ok;
    int fd = -1;

    memset(&q, 0, sizeof q);
    q.submit = rq->srv->submit;
    q.survey = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "survey");
    q.wave = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wave");
    lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    /* The survey's slug goes into the file name: ASCII only. */
    if (q.survey == NULL || !jsonv_is_slug(q.survey))
        return reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "survey",
                           "survey: expected a survey slug (?survey=...)");
    if (lang != NULL && strcmp(lang, "en") != 0 && strcmp(lang, "pl") != 0)
        return reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "lang", "lang: expected pl or en");
    q.english = lang != NULL && strcmp(lang, "en") == 0;
    out = with_db(rq->srv, report_load_work, &q);
    if (out == DB_OK && q.status == MHD_HTTP_OK)
        q.status = report_allowed(rq, &q, &wave);
    if (out == DB_OK && q.status == MHD_HTTP_OK) {
        fd = report_file(rq, &q, wave, name, sizeof name, err, sizeof err);
        if (fd < 0)
            log_error("GET %s: %s", rq->path, err);
    }
    report_query_clear(&q);
    if (out == DB_UNAVAILABLE)
        ok = reply_unavailable(rq, c);
    else if (out == DB_FAILED)
        ok = reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    else if (q.status != MHD_HTTP_OK)
        ok = reply_error(rq, c, q.status, "", q.message);
    else if (fd < 0)
        ok = reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "cannot write the report");
    else
        ok = reply_file(rq, c, fd, report_content_type(rq->ext), name);
    return ok;
}

/* ---- /v1/tokens (http_tokens.h) --------------------------------------- */

static enum MHD_Result tokens_route(struct request *rq, struct MHD_Connection *c)
{
    struct http_tokens_req q;
    const char *all = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "all");
    enum db_outcome out;

    memset(&q, 0, sizeof q);
    if (rq->route == ROUTE_TOKENS) {
        q.op = HTTP_TOKENS_LIST;
        if (all != NULL && strcmp(all, "true") != 0 && strcmp(all, "false") != 0)
            return reply_error(rq, c, MHD_HTTP_BAD_REQUEST, "all", "all: expected true or false");
        q.all = all != NULL && strcmp(all, "true") == 0;
    } else if (rq->route == ROUTE_TOKEN_CREATE) {
        q.op = HTTP_TOKENS_CREATE;
        if (rq->too_large)
            return reply_error(rq, c, MHD_HTTP_CONTENT_TOO_LARGE, "", "the body is too large");
        q.body = rq->body;
        q.len = rq->len;
    } else {
        q.op = HTTP_TOKENS_REVOKE;
        if (!http_tokens_id(rq->slug, &q.id))
            return reply_error(rq, c, MHD_HTTP_NOT_FOUND, "", "no such token");
    }
    out = with_db(rq->srv, http_tokens_work, &q);
    if (out == DB_UNAVAILABLE) {
        json_decref(q.doc);
        return reply_unavailable(rq, c);
    }
    if (out == DB_FAILED) {
        json_decref(q.doc);
        return reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    }
    if (q.revoked[0] != '\0')
        tokencache_forget(rq->srv->tokens, q.revoked);
    if (q.status != MHD_HTTP_OK && q.status != MHD_HTTP_CREATED)
        return reply_error(rq, c, q.status, q.path, q.message);
    return reply_json(rq, c, q.status, q.doc, NULL);
}

/* ---- GET /v1/participation (http_participation.h) --------------------- */

static enum MHD_Result get_participation(struct request *rq, struct MHD_Connection *c)
{
    struct http_participation_req q;
    enum db_outcome out;

    memset(&q, 0, sizeof q);
    q.who = &rq->who;
    q.survey = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "survey");
    q.wave = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wave");
    q.city = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "city");
    if (http_participation_check(&q) != 0)
        return reply_error(rq, c, q.status, q.path, q.message);
    out = with_db(rq->srv, http_participation_work, &q);
    if (out != DB_OK) {
        json_decref(q.doc);
        return out == DB_UNAVAILABLE
                   ? reply_unavailable(rq, c)
                   : reply_error(rq, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "", "database error");
    }
    if (q.status != MHD_HTTP_OK)
        return reply_error(rq, c, q.status, q.path, q.message);
    return reply_json(rq, c, MHD_HTTP_OK, q.doc, NULL);
}

/* The respondent's pages (http_form.h): HTML with their own headers. */
static enum MHD_Result form_reply(struct request *rq, struct MHD_Connection *c)
{
    struct http_form_answer a;
    const char *headers[24];
    char retry[16];
    size_t n = 0;
    enum MHD_Result ok;

    http_form_handle(rq->srv->submit, rq->srv->pool, c, rq->method, rq->url, rq->body, rq->len,
                     rq->too_large, &a);
    if (a.body == NULL)
        return MHD_NO;
    for (size_t i = 0; http_form_headers[i] != NULL && n + 2 < 18; i += 2) {
        headers[n++] = http_form_headers[i];
        headers[n++] = http_form_headers[i + 1];
    }
    if (a.location[0] != '\0') {
        headers[n++] = MHD_HTTP_HEADER_LOCATION;
        headers[n++] = a.location;
    }
    if (a.retry_after > 0) {
        snprintf(retry, sizeof retry, "%u", a.retry_after);
        headers[n++] = MHD_HTTP_HEADER_RETRY_AFTER;
        headers[n++] = retry;
    }
    if (a.status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        headers[n++] = MHD_HTTP_HEADER_ALLOW;
        headers[n++] = strcmp(rq->url, "/form.css") == 0 ? "GET, HEAD" : "GET, HEAD, POST";
    }
    headers[n] = NULL;
    ok = reply(rq, c, a.status, a.type, a.body, a.len, headers);
    free(a.body);
    return ok;
}

/* POST /v1/links, GET /v1/links, POST /v1/links/{id}/close (admin). */
static enum MHD_Result links_reply(struct request *rq, struct MHD_Connection *c)
{
    struct http_links_answer a;
    enum http_links_op op = rq->route == ROUTE_LINKS_CREATE ? HTTP_LINKS_CREATE
                            : rq->route == ROUTE_LINKS_LIST ? HTTP_LINKS_LIST
                                                            : HTTP_LINKS_CLOSE;

    if (rq->too_large)
        return reply_error(rq, c, MHD_HTTP_CONTENT_TOO_LARGE, "", "the body is too large");
    http_links_handle(rq->srv->pool, op, rq->link_id, rq->body, rq->len, &a);
    if (a.status == MHD_HTTP_OK || a.status == MHD_HTTP_CREATED)
        return reply_json(rq, c, a.status, a.doc, NULL);
    if (a.status == MHD_HTTP_SERVICE_UNAVAILABLE)
        return reply_unavailable(rq, c);
    return reply_error(rq, c, a.status, a.path, a.message);
}

/* The request is fully received: answer it (on a worker: it may wait on
 * the database, within the request's deadline). */
static enum MHD_Result answer(struct request *rq, struct MHD_Connection *c)
{
    int done = 0;
    enum MHD_Result ok;

    if (rq->route == ROUTE_FORM)
        return form_reply(rq, c);
    ok = admit(rq, c, &done, 1);
    if (done)
        return ok;
    switch (rq->route) {
    case ROUTE_RESPONSES:
        return post_responses(rq, c);
    case ROUTE_RESPONSE_COUNTS:
        return get_response_counts(rq, c);
    case ROUTE_SURVEYS:
        return get_surveys(rq, c);
    case ROUTE_SURVEY:
        return get_survey(rq, c);
    case ROUTE_STATS:
        return get_stats(rq, c);
    case ROUTE_REPORT_CITY:
    case ROUTE_REPORT_NETWORK:
    case ROUTE_REPORT_MINISTRY:
        return get_report(rq, c);
    case ROUTE_METRICS:
        return get_metrics(rq, c);
    case ROUTE_TOKENS:
    case ROUTE_TOKEN_CREATE:
    case ROUTE_TOKEN_REVOKE:
        return tokens_route(rq, c);
    case ROUTE_PARTICIPATION:
        return get_participation(rq, c);
    case ROUTE_LINKS_CREATE:
    case ROUTE_LINKS_LIST:
    case ROUTE_LINK_CLOSE:
        return links_reply(rq, c);
    case ROUTE_FORM:      /* answered above */
    case ROUTE_HEALTHZ:   /* the health lane's */
    case ROUTE_NONE:
        break;
    }
    return MHD_NO;
}

static void add_ms(struct timespec *t, unsigned ms)
{
    t->tv_sec += ms / 1000;
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

/* A worker's job: answer, then hand the connection back to MHD. */
static void run_request(void *arg)
{
    struct request *rq = arg;
    struct MHD_Connection *c = rq->conn;

    dbpool_set_deadline(&rq->deadline);
    if (dbpool_time_left() <= 0) {
        /* waited for a worker past its whole bound (the database is slow
         * or frozen and every worker is waiting on it) */
        reply_unavailable(rq, c);
    } else if (answer(rq, c) != MHD_YES || rq->resp == NULL) {
        rq->failed = 1;
    }
    dbpool_set_deadline(NULL);
    /* rq belongs to MHD again from here on: it may be freed at once */
    MHD_resume_connection(c);
}

/* The health lane (see struct health). */
static void *health_main(void *arg)
{
    struct http_server *srv = arg;
    struct health *h = &srv->health;

    pthread_mutex_lock(&h->lock);
    for (;;) {
        struct request *list;
        struct timespec deadline;
        char err[ERR_MAX];
        PGconn *conn;
        int ok = 0;

        while (h->waiting == NULL && !h->stopping)
            pthread_cond_wait(&h->more, &h->lock);
        if (h->waiting == NULL)
            break;
        pthread_mutex_unlock(&h->lock);
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        add_ms(&deadline, HTTP_HEALTH_MS);
        dbpool_set_deadline(&deadline);
        /* a connection that broke since the last check (the server
         * restarted) is worth one more try on a fresh one */
        for (int attempt = 0; attempt < 2 && !ok; attempt++) {
            conn = dbpool_get(h->pool, err, sizeof err);
            if (conn == NULL)
                break;
            ok = db_exec(conn, "SELECT 1", 0, NULL, NULL, NULL, err, sizeof err) == 0;
            if (ok) {
                dbpool_put(h->pool, conn);
            } else {
                int broken = PQstatus(conn) != CONNECTION_OK;

                dbpool_discard(h->pool, conn);
                if (!broken || dbpool_time_left() <= 0)
                    break;
            }
        }
        dbpool_set_deadline(NULL);
        pthread_mutex_lock(&h->lock);
        /* every request that came while the check ran gets its result */
        list = h->waiting;
        h->waiting = NULL;
        pthread_mutex_unlock(&h->lock);
        while (list != NULL) {
            struct request *rq = list;
            struct MHD_Connection *c = rq->conn;

            list = rq->hnext;
            if (ok)
                reply_json(rq, c, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok"), NULL);
            else
                reply_unavailable(rq, c);
            if (rq->resp == NULL)
                rq->failed = 1;
            MHD_resume_connection(c);
        }
        pthread_mutex_lock(&h->lock);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

static int health_push(struct health *h, struct request *rq)
{
    pthread_mutex_lock(&h->lock);
    if (h->stopping) {
        pthread_mutex_unlock(&h->lock);
        return -1;
    }
    rq->hnext = h->waiting;
    h->waiting = rq;
    pthread_cond_signal(&h->more);
    pthread_mutex_unlock(&h->lock);
    return 0;
}

/*
 * The last call: what needs no database is answered here, on MHD's thread
 * (unknown route, wrong method, no token or one not shaped like a token);
 * the rest goes to a worker (or /healthz to its lane) with the connection
 * suspended, and is queued when the worker resumes it.
 */
static enum MHD_Result on_complete(struct request *rq, struct MHD_Connection *c)
{
    int done = 0;
    enum MHD_Result ok;
    int rc;

    /* the form's pages take no token and say their own 405 (http_form.h) */
    if (rq->route != ROUTE_FORM &&
        (rq->route != ROUTE_RESPONSES || strcmp(rq->method, "POST") != 0 || !rq->admitted)) {
        ok = admit(rq, c, &done, 0);
        if (done > 0)
            return rq->resp != NULL ? flush(rq, c) : ok;
    }
    if (rq->route == ROUTE_RESPONSES && rq->too_large)
        return post_responses(rq, c) == MHD_YES ? flush(rq, c) : MHD_NO;
    if (rq->route == ROUTE_METRICS && rq->admitted)   /* no database needed */
        return get_metrics(rq, c) == MHD_YES ? flush(rq, c) : MHD_NO;
    rq->dispatched = 1;
    /* from now: a slow upload does not eat into the database's time */
    clock_gettime(CLOCK_MONOTONIC, &rq->deadline);
    add_ms(&rq->deadline, rq->route == ROUTE_HEALTHZ ? HTTP_HEALTH_MS : rq->srv->db_timeout_ms);
    MHD_suspend_connection(c);
    rc = rq->route == ROUTE_HEALTHZ ? health_push(&rq->srv->health, rq)
                                    : workq_push(rq->srv->work, run_request, rq);
    if (rc != 0) {
        reply_unavailable(rq, c);
        if (rq->resp == NULL)
            rq->failed = 1;
        MHD_resume_connection(c);
    }
    return MHD_YES;
}

/* Whether a raw request target is refused: a byte outside printable ASCII,
 * or a %XX that decodes to a control character, DEL or NUL (anywhere: the
 * path is routed and logged, the query's values are used as text). */
static int target_refused(const char *t)
{
    for (const unsigned char *p = (const unsigned char *)t; *p != '\0'; p++) {
        if (*p <= 0x20 || *p >= 0x7f)
            return 1;
        if (*p == '%' && p[1] != '\0' && p[2] != '\0') {
            char hex[3] = { (char)p[1], (char)p[2], '\0' };
            char *end;
            long v = strtol(hex, &end, 16);

            if (*end == '\0' && (v < 0x20 || v == 0x7f))
                return 1;
        }
    }
    return 0;
}

/* Copies s into out (n bytes) for the log: printable ASCII as it is but
 * the backslash, every other byte as \xNN; cut with "..." when long. */
static void log_escape(const char *s, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (k + 8 >= n) {
            memcpy(out + k, "...", 3);
            k += 3;
            break;
        }
        if (*p > 0x20 && *p < 0x7f && *p != '\\' && *p != '"') {
            out[k++] = (char)*p;
        } else {
            out[k++] = '\\';
            out[k++] = 'x';
            out[k++] = hex[*p >> 4];
            out[k++] = hex[*p & 15];
        }
    }
    out[k] = '\0';
}

/* The request line is in: the request's state, with its raw target (MHD
 * hands the access handler the path already %-decoded, cut at a NUL). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct http_server *srv = cls;
    const union MHD_ConnectionInfo *ci;
    struct request *rq = calloc(1, sizeof *rq);
    size_t plen;

    if (rq == NULL)
        return NULL;
    rq->srv = srv;
    rq->conn = c;
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    rq->cw = ci != NULL ? ci->socket_context : NULL;
    clock_gettime(CLOCK_MONOTONIC, &rq->start);
    snprintf(rq->method, sizeof rq->method, "-");
    rq->bad_target = target_refused(uri);
    plen = strcspn(uri, "?");
    if (plen >= sizeof rq->path)
        plen = sizeof rq->path - 1;
    memcpy(rq->path, uri, plen);
    rq->path[plen] = '\0';
    /* a form's key never reaches the log (http_form_log_path) */
    if (http_form_route(rq->path)) {
        char raw[sizeof rq->path];

        memcpy(raw, rq->path, sizeof raw);
        http_form_log_path(raw, rq->path, sizeof rq->path);
    }
    pthread_mutex_lock(&srv->lock);
    srv->active++;
    pthread_mutex_unlock(&srv->lock);
    metrics_in_flight(1);
    return rq;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct request *rq = *con_cls;
    enum MHD_Result ok;

    (void)version;
    if (rq == NULL) {
        rq = on_uri(cls, url, c);   /* not reached with MHD_OPTION_URI_LOG_CALLBACK */
        if (rq == NULL)
            return MHD_NO;
        *con_cls = rq;
    }
    if (!rq->started) {
        rq->started = 1;
        snprintf(rq->method, sizeof rq->method, "%s", method);
        rq->route = match_route(url, rq);
        if (rq->route == ROUTE_FORM)
            snprintf(rq->url, sizeof rq->url, "%s", url);
        connwatch_phase(rq->srv->conns, rq->cw, CONNWATCH_BODY);
        ok = on_headers(rq, c);
        return rq->resp != NULL ? flush(rq, c) : ok;
    }
    if (*upload_data_size > 0) {
        if (body_append(rq, upload_data, *upload_data_size) != 0)
            return MHD_NO;
        *upload_data_size = 0;
        /* A client that streams on and on past the limit is cut off. */
        if (rq->too_large && rq->dropped / HTTP_DROP_FACTOR > rq->srv->body_limit)
            return MHD_NO;
        return MHD_YES;
    }
    if (rq->dispatched) {
        /* resumed by its worker */
        if (rq->resp != NULL)
            return flush(rq, c);
        return rq->failed ? MHD_NO : MHD_YES;
    }
    connwatch_phase(rq->srv->conns, rq->cw, CONNWATCH_BUSY);
    return on_complete(rq, c);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The one log line per request: no token, body, answer or client address;
 * every byte of the method and path that is not printable ASCII escaped. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct request *rq = *con_cls;
    const union MHD_ConnectionInfo *ci;
    char method[80], path[4 * sizeof rq->path + 8];
    double secs;

    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (ci != NULL)
        connwatch_phase(srv->conns, ci->socket_context, CONNWATCH_HEADERS);
    if (rq == NULL)
        return;
    secs = seconds_since(&rq->start);
    metrics_request(routes[rq->route].metric, rq->status, secs);
    metrics_in_flight(-1);
    log_escape(rq->method, method, sizeof method);
    log_escape(rq->path, path, sizeof path);
    if (rq->status == 0 || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        log_info("request method=%s path=%s status=%u duration_ms=%.1f bytes=%zu end=%s",
                 method, path, rq->status, secs * 1000.0, rq->bytes,
                 toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout"
                 : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "shutdown"
                 : toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "ok"
                                                              : "aborted");
    else
        log_info("request method=%s path=%s status=%u duration_ms=%.1f bytes=%zu", method,
                 path, rq->status, secs * 1000.0, rq->bytes);
    if (rq->resp != NULL)
        MHD_destroy_response(rq->resp);
    free(rq->body);
    free(rq);
    *con_cls = NULL;
    pthread_mutex_lock(&srv->lock);
    srv->active--;
    pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->lock);
}

/* A connection opened or closed: its deadlines (connwatch.h). */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *srv = cls;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

        *socket_context = ci != NULL ? connwatch_started(srv->conns, ci->connect_fd) : NULL;
    } else {
        connwatch_closed(srv->conns, *socket_context);
        *socket_context = NULL;
    }
}

/* ---- start and stop --------------------------------------------------- */

/* Splits "HOST:PORT" or "[V6]:PORT". */
static int split_listen(const char *listen, char *host, size_t hn, char *port, size_t pn,
                        char *err, size_t errlen)
{
    const char *colon;
    size_t len;

    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');

        if (close == NULL || close[1] != ':')
            goto bad;
        len = (size_t)(close - listen - 1);
        colon = close + 1;
        if (len >= hn)
            goto bad;
        memcpy(host, listen + 1, len);
    } else {
        colon = strrchr(listen, ':');
        if (colon == NULL)
            goto bad;
        len = (size_t)(colon - listen);
        if (len >= hn)
            goto bad;
        memcpy(host, listen, len);
    }
    host[len] = '\0';
    if (colon[1] == '\0' || strlen(colon + 1) >= pn)
        goto bad;
    snprintf(port, pn, "%s", colon + 1);
    return 0;
bad:
    return err_set(err, errlen, "--listen '%s': expected ADDRESS:PORT, e.g. 127.0.0.1:8080",
                   listen);
}

/* Our own listening socket: exact bind errors, and port 0 works. */
static int open_listener(struct http_server *srv, const char *listen_at, int *ipv6,
                         char *err, size_t errlen)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *ai = NULL;
    struct sockaddr_storage sa;
    socklen_t salen = sizeof sa;
    char host[64], port[16], addr[INET6_ADDRSTRLEN];
    int one = 1;
    int fd = -1;
    int rc;

    if (split_listen(listen_at, host, sizeof host, port, sizeof port, err, errlen) != 0)
        return -1;
    rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (rc != 0)
        return err_set(err, errlen, "--listen '%s': %s", listen_at, gai_strerror(rc));
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
        err_set(err, errlen, "cannot listen on %s: %s", listen_at, strerror(errno));
        goto fail;
    }
    *ipv6 = ai->ai_family == AF_INET6;
    if (sa.ss_family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa;

        inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
        snprintf(srv->address, sizeof srv->address, "[%s]:%u", addr, ntohs(s6->sin6_port));
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;

        inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof addr);
        snprintf(srv->address, sizeof srv->address, "%s:%u", addr, ntohs(s4->sin_port));
    }
    freeaddrinfo(ai);
    srv->listen_fd = fd;
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    return -1;
}

static void health_stop(struct health *h)
{
    if (!h->started)
        return;
    pthread_mutex_lock(&h->lock);
    h->stopping = 1;
    pthread_cond_broadcast(&h->more);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    h->started = 0;
}

static void server_free(struct http_server *srv)
{
    if (srv == NULL)
        return;
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    health_stop(&srv->health);
    workq_free(srv->work);
    gcommit_free(srv->gcommit);
    dbpool_free(srv->pool);
    dbpool_free(srv->health.pool);
    connwatch_free(srv->conns);
    pthread_cond_destroy(&srv->health.more);
    pthread_mutex_destroy(&srv->health.lock);
    free(srv->tls_cert);
    free(srv->tls_key);
    submit_free(srv->submit);
    tokencache_free(srv->tokens);
    pthread_cond_destroy(&srv->idle);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}

/* Reads a whole PEM file into a NUL-terminated buffer (caller frees). */
static char *read_pem(const char *path, const char *what, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0, cap = 0;

    if (f == NULL) {
        err_set(err, errlen, "%s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    for (;;) {
        size_t n;

        if (cap - len < 4096) {
            char *b = cap > (1u << 20) ? NULL : realloc(buf, cap + 8192);

            if (b == NULL) {
                err_set(err, errlen, "%s %s: too large or out of memory", what, path);
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
            cap += 8192;
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f) || len == 0) {
        err_set(err, errlen, "%s %s: %s", what, path, len == 0 ? "empty" : strerror(errno));
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static int start_mhd(struct http_server *srv, const struct http_config *cfg, int ipv6,
                     char *err, size_t errlen)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     (ipv6 ? MHD_USE_IPv6 : 0);
    char *key = NULL, *cert = NULL;
    /* MHD's own limit sits above ours, so that ours answers 503 first. */
    unsigned hard = cfg->connections + 64;
    struct MHD_OptionItem tls[3] = { { MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL },
                                     { MHD_OPTION_END, 0, NULL } };

    if (cfg->tls_cert != NULL || cfg->tls_key != NULL) {
        if (cfg->tls_cert == NULL || cfg->tls_key == NULL)
            return err_set(err, errlen, "--tls-cert and --tls-key go together");
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
            return err_set(err, errlen, "this libmicrohttpd was built without TLS");
        cert = read_pem(cfg->tls_cert, "--tls-cert", err, errlen);
        key = cert != NULL ? read_pem(cfg->tls_key, "--tls-key", err, errlen) : NULL;
        if (key == NULL) {
            free(cert);
            return -1;
        }
        flags |= MHD_USE_TLS;
        tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, cert };
        tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, key };
        srv->tls = 1;
    }
    srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
                                MHD_OPTION_LISTEN_SOCKET, (MHD_socket)srv->listen_fd,
                                MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->io_threads,
                                MHD_OPTION_CONNECTION_LIMIT, hard,
                                MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->per_ip,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout,
                                MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                                MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
                                MHD_OPTION_ARRAY, tls,
                                MHD_OPTION_END);
    /* MHD copied neither: they must live as long as the daemon. Freed here
     * on failure, else kept until http_stop. */
    if (srv->mhd == NULL) {
        free(cert);
        free(key);
        return err_set(err, errlen, "cannot start the HTTP server on %s%s", srv->address,
                       srv->tls ? " (check the TLS certificate and key)" : "");
    }
    srv->tls_cert = cert;
    srv->tls_key = key;
    /* MHD owns the socket now; it is handed back by MHD_quiesce_daemon. */
    srv->listen_fd = -1;
    return 0;
}

int http_start(const struct http_config *cfg, struct http_server **out, char *err,
               size_t errlen)
{
    struct http_server *srv = calloc(1, sizeof *srv);
    unsigned statement_ms;
    int ipv6 = 0;

    *out = NULL;
    if (srv == NULL)
        return err_set(err, errlen, "out of memory");
    srv->listen_fd = -1;
    srv->body_limit = cfg->body_limit;
    srv->retry_after = cfg->retry_after;
    srv->db_timeout_ms = cfg->db_timeout * 1000;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->idle, NULL);
    pthread_mutex_init(&srv->health.lock, NULL);
    pthread_cond_init(&srv->health.more, NULL);
    if (cfg->connections == 0 || cfg->timeout == 0 || cfg->threads == 0 ||
        cfg->io_threads == 0 || cfg->db_timeout == 0 || cfg->per_ip == 0 ||
        cfg->header_timeout == 0 || cfg->body_timeout == 0) {
        err_set(err, errlen, "the connection limits, timeouts and thread counts must be at "
                             "least 1");
        goto fail;
    }
    /* The server gives up on a statement a little before the watchdog
     * would cut the connection (dbpool.h): the connection stays usable. */
    statement_ms = srv->db_timeout_ms > 1000 ? srv->db_timeout_ms - 500 : srv->db_timeout_ms;
    metrics_init();
    if (dbpool_create(cfg->conninfo, cfg->pool, srv->db_timeout_ms, statement_ms, &srv->pool,
                      err, errlen) != 0 ||
        dbpool_create(cfg->conninfo, 1, HTTP_HEALTH_MS, HTTP_HEALTH_MS, &srv->health.pool, err,
                      errlen) != 0 ||
        gcommit_create(srv->pool, cfg->writers > 0 ? cfg->writers : 1, HTTP_GROUP_ROWS,
                       &srv->gcommit, err, errlen) != 0 ||
        submit_create(&srv->submit, err, errlen) != 0 ||
        (submit_allow_closed_waves(srv->submit, cfg->allow_closed_waves), 0) ||
        (srv->tokens = tokencache_create(HTTP_TOKEN_CACHE_SLOTS, HTTP_TOKEN_CACHE_TTL)) == NULL ||
        workq_create(cfg->threads, &srv->work, err, errlen) != 0 ||
        connwatch_create(cfg->header_timeout * 1000, cfg->body_timeout * 1000, cfg->connections,
                         &srv->conns, err, errlen) != 0)
        goto fail;
    if (pthread_create(&srv->health.thread, NULL, health_main, srv) != 0) {
        err_set(err, errlen, "cannot start the health thread");
        goto fail;
    }
    srv->health.started = 1;
    if (open_listener(srv, cfg->listen, &ipv6, err, errlen) != 0 ||
        start_mhd(srv, cfg, ipv6, err, errlen) != 0)
        goto fail;
    *out = srv;
    return 0;
fail:
    server_free(srv);
    return -1;
}

const char *http_address(const struct http_server *srv)
{
    return srv->address;
}

void http_reload(struct http_server *srv)
{
    submit_mark_stale(srv->submit);
}

/* Waits until no request is in flight or the deadline passes; returns how
 * many are left. */
static unsigned drain(struct http_server *srv, unsigned seconds)
{
    struct timespec until;
    unsigned left;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds;
    pthread_mutex_lock(&srv->lock);
    srv->stopping = 1;
    while (srv->active > 0)
        if (pthread_cond_timedwait(&srv->idle, &srv->lock, &until) == ETIMEDOUT)
            break;
    left = srv->active;
    pthread_mutex_unlock(&srv->lock);
    return left;
}

unsigned http_stop(struct http_server *srv, unsigned drain_seconds)
{
    MHD_socket fd;
    unsigned left;

    if (srv == NULL)
        return 0;
    fd = MHD_quiesce_daemon(srv->mhd);
    left = drain(srv, drain_seconds);
    /* Every suspended connection is resumed before MHD stops: the workers
     * and the health lane finish what is queued (each job within its
     * database deadline), then MHD closes the rest. */
    health_stop(&srv->health);
    workq_free(srv->work);
    srv->work = NULL;
    MHD_stop_daemon(srv->mhd);
    /* Closed only after MHD_stop_daemon: a thread may still have used it. */
    if (fd != MHD_INVALID_SOCKET)
        srv->listen_fd = fd;
    server_free(srv);
    metrics_destroy();
    return left;
}
