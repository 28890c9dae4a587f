/* http: the daemon (http.h): MHD's callbacks (the request's state, the
 * first and last calls, the log line), the workers and the health lane,
 * start and stop. Routes, answers and access are in http_*.c (http_priv.h). */
#include "http_priv.h"

#include "connwatch.h"
#include "db.h"
#include "dbpool.h"
#include "err.h"
#include "gcommit.h"
#include "http_form.h"
#include "log.h"
#include "submit.h"
#include "tokencache.h"
#include "workq.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/*
 * The first call for a request: headers are in, no body yet. Refused here,
 * without reading a byte of the body (the connection is closed after the
 * http_answer): a request target with an encoded control character or NUL,
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
        return http_reply_error_close(rq, c, MHD_HTTP_BAD_REQUEST, "",
                                 "the request target holds a control character, a NUL or a "
                                 "byte outside ASCII (raw or %-encoded)", 1);
    framing = http_bad_framing(c);
    if (framing != NULL)
        return http_reply_error_close(rq, c, MHD_HTTP_BAD_REQUEST, "", framing, 1);
    if (connwatch_over(rq->cw))
        return http_reply_error_close(rq, c, MHD_HTTP_SERVICE_UNAVAILABLE, "",
                                 "too many connections; try again later", 1);
    if (rq->route != ROUTE_RESPONSES || strcmp(rq->method, "POST") != 0)
        return MHD_YES;
    ok = http_admit(rq, c, &done, 0);
    if (done > 0)
        return ok;
    return http_post_headers(rq, c);
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

/* A worker's job: http_answer, then hand the connection back to MHD. */
static void run_request(void *arg)
{
    struct request *rq = arg;
    struct MHD_Connection *c = rq->conn;

    dbpool_set_deadline(&rq->deadline);
    if (dbpool_time_left() <= 0) {
        /* waited for a worker past its whole bound (the database is slow
         * or frozen and every worker is waiting on it) */
        http_reply_unavailable(rq, c);
    } else if (http_answer(rq, c) != MHD_YES || rq->resp == NULL) {
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
                http_reply_json(rq, c, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok"), NULL);
            else
                http_reply_unavailable(rq, c);
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
        ok = http_admit(rq, c, &done, 0);
        if (done > 0)
            return rq->resp != NULL ? http_flush(rq, c) : ok;
    }
    if (rq->route == ROUTE_RESPONSES && rq->too_large)
        return http_post_responses(rq, c) == MHD_YES ? http_flush(rq, c) : MHD_NO;
    if (rq->route == ROUTE_METRICS && rq->admitted)   /* no database needed */
        return http_get_metrics(rq, c) == MHD_YES ? http_flush(rq, c) : MHD_NO;
    rq->dispatched = 1;
    /* from now: a slow upload does not eat into the database's time */
    clock_gettime(CLOCK_MONOTONIC, &rq->deadline);
    add_ms(&rq->deadline, rq->route == ROUTE_HEALTHZ ? HTTP_HEALTH_MS : rq->srv->db_timeout_ms);
    MHD_suspend_connection(c);
    rc = rq->route == ROUTE_HEALTHZ ? health_push(&rq->srv->health, rq)
                                    : workq_push(rq->srv->work, run_request, rq);
    if (rc != 0) {
        http_reply_unavailable(rq, c);
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
    dynbuf_init(&rq->body, srv->body_limit);
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
        rq->route = http_match_route(url, rq);
        if (rq->route == ROUTE_FORM)
            snprintf(rq->url, sizeof rq->url, "%s", url);
        connwatch_phase(rq->srv->conns, rq->cw, CONNWATCH_BODY);
        ok = on_headers(rq, c);
        return rq->resp != NULL ? http_flush(rq, c) : ok;
    }
    if (*upload_data_size > 0) {
        if (http_body_append(rq, upload_data, *upload_data_size) != 0)
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
            return http_flush(rq, c);
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
    metrics_request(http_routes[rq->route].metric, rq->status, secs);
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
    dynbuf_free(&rq->body);
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
        cert = http_read_pem(cfg->tls_cert, "--tls-cert", err, errlen);
        key = cert != NULL ? http_read_pem(cfg->tls_key, "--tls-key", err, errlen) : NULL;
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
        cfg->header_timeout == 0 || cfg->body_timeout == 0 || cfg->body_limit == 0 ||
        cfg->body_limit > DYNBUF_MAX_CAP) {
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
        submit_create(&srv->submit, err, errlen) != 0)
        goto fail;
    submit_allow_closed_waves(srv->submit, cfg->allow_closed_waves);
    srv->tokens = tokencache_create(HTTP_TOKEN_CACHE_SLOTS, HTTP_TOKEN_CACHE_TTL);
    if (srv->tokens == NULL ||
        workq_create(cfg->threads, &srv->work, err, errlen) != 0 ||
        connwatch_create(cfg->header_timeout * 1000, cfg->body_timeout * 1000, cfg->connections,
                         &srv->conns, err, errlen) != 0)
        goto fail;
    if (pthread_create(&srv->health.thread, NULL, health_main, srv) != 0) {
        err_set(err, errlen, "cannot start the health thread");
        goto fail;
    }
    srv->health.started = 1;
    if (http_open_listener(srv, cfg->listen, &ipv6, err, errlen) != 0 ||
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
