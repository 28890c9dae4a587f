/*
 * http_priv: what the daemon's own modules (http*.c) share and nothing else
 * includes: the server and per-request state, the route table, the answer
 * helpers (http_reply.c), database work with one retry (http_db.c), routing
 * (http_route.c), authentication and authorization (http_auth.c), request
 * bodies (http_body.c) and the routes (http_routes.c, http_stats.c,
 * http_reports.c). The public interface is http.h.
 */
#ifndef EMPIRIE_HTTP_PRIV_H
#define EMPIRIE_HTTP_PRIV_H

#include "auth.h"
#include "dynbuf.h"
#include "http.h"
#include "metrics.h"
#include "outcome.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>
#include <time.h>

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
    ROUTE_LINKS_LIST,       /* GET /v1/links (http_links.h) */
    ROUTE_LINKS_CREATE,     /* POST /v1/links */
    ROUTE_LINK_CLOSE,       /* POST /v1/links/{id}/close */
};

/* Role bits: which roles may use a route (0: no token needed). */
#define ALLOW(r) (1u << (r))

#define ANY_ROLE (ALLOW(AUTH_COLLECTOR) | ALLOW(AUTH_COORDINATOR) | ALLOW(AUTH_ANALYST) | \
                  ALLOW(AUTH_MINISTRY) | ALLOW(AUTH_ADMIN))

struct request;

struct route_info {
    enum metrics_route metric;
    const char *method;   /* the one method the route takes (GET routes also take HEAD) */
    /* its fixed path (a path's GET route listed first: it answers the
     * methods no route there takes); NULL: the path carries a name or a
     * number (http_match_route) */
    const char *path;
    unsigned roles;
    /* answers an admitted request (http_answer); NULL: answered elsewhere
     * (the form, /healthz) or no route */
    enum MHD_Result (*answer)(struct request *rq, struct MHD_Connection *c);
};

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
    struct dynbuf body;        /* capped at the server's body limit */
    int too_large;
    size_t dropped;            /* body bytes thrown away past the limit */
};


/* A unit of database work: 0 on success, -1 on failure (err filled). */
typedef int (*db_work)(PGconn *conn, void *ctx, char *err, size_t errlen);

/* A query whose one row and column is a JSON text (or no row). */
struct json_query {
    const char *sql;
    int nparams;
    const char *params[4];
    char *text;   /* malloc'd; NULL when there was no row */
};

/* Who may use which route, and its method and metric (http_route.c). */
extern const struct route_info http_routes[];

/* ---- answers (http_reply.c) ---- */
enum MHD_Result http_queue(struct request *rq, struct MHD_Connection *c, unsigned status,
                           struct MHD_Response *resp, const char *type, size_t len,
                           const char *const *headers);
enum MHD_Result http_flush(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_reply(struct request *rq, struct MHD_Connection *c, unsigned status,
                           const char *type, const char *text, size_t len,
                           const char *const *headers);
/* Takes doc over. */
enum MHD_Result http_reply_json(struct request *rq, struct MHD_Connection *c, unsigned status,
                                json_t *doc, const char *const *headers);
enum MHD_Result http_reply_error_close(struct request *rq, struct MHD_Connection *c,
                                       unsigned status, const char *path, const char *message,
                                       int close_it);
enum MHD_Result http_reply_error(struct request *rq, struct MHD_Connection *c, unsigned status,
                                 const char *path, const char *message);
/* 503 with Retry-After: the database is not available. */
enum MHD_Result http_reply_unavailable(struct request *rq, struct MHD_Connection *c);

/* ---- database work (http_db.c) ---- */
/* Runs work on a pooled connection (retried once on a fresh one when the
 * connection broke): OUTCOME_OK, OUTCOME_UNAVAILABLE (db_unavailable) or
 * OUTCOME_INTERNAL. */
enum outcome http_with_db(struct http_server *srv, db_work work, void *ctx);
enum MHD_Result http_reply_query(struct request *rq, struct MHD_Connection *c,
                                 struct json_query *q, const char *not_found);

/* ---- routing, access, bodies (http_route.c, http_auth.c, http_body.c) ---- */
/* The route of url for rq's method (and its slug, extension or id in rq). */
enum route http_match_route(const char *url, struct request *rq);
/* Whether route r takes method (a GET route takes HEAD too). */
int http_route_takes(enum route r, const char *method);
/* The answer's language from ?lang= (pl, the default, or en) into
 * *english: 0, or -1 for any other value (the caller answers 400). */
int http_query_lang(struct MHD_Connection *c, int *english);
/* Answers a fully received request (on a worker). */
enum MHD_Result http_answer(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_admit(struct request *rq, struct MHD_Connection *c, int *done, int lookup);
/* The framing refused (a message), or NULL when it is sound. */
const char *http_bad_framing(struct MHD_Connection *c);
enum MHD_Result http_post_headers(struct request *rq, struct MHD_Connection *c);
int http_body_append(struct request *rq, const char *data, size_t n);

/* ---- the routes (http_routes.c, http_stats.c, http_reports.c) ---- */
enum MHD_Result http_post_responses(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_get_metrics(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_get_surveys(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_get_survey(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_tokens_route(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_get_participation(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_form_reply(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_links_reply(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_get_stats(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_get_response_counts(struct request *rq, struct MHD_Connection *c);
enum MHD_Result http_get_report(struct request *rq, struct MHD_Connection *c);

/* ---- the listening socket and TLS files (http_listen.c) ---- */
int http_open_listener(struct http_server *srv, const char *listen_at, int *ipv6, char *err,
                       size_t errlen);
char *http_read_pem(const char *path, const char *what, char *err, size_t errlen);

#endif
