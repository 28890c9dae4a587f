/*
 * http: the daemon's HTTP API on libmicrohttpd (MHD 0.9.75) and jansson.
 *
 * Routes (docs/api.md): POST /v1/responses, GET /v1/responses/counts,
 * GET /v1/surveys, GET /v1/surveys/{slug}, GET /v1/stats,
 * GET /v1/reports/city/{slug}.xlsx, GET /v1/reports/network/{slug}.xlsx,
 * GET /v1/reports/ministry.{xlsx,csv,json}, GET /healthz, GET /metrics,
 * POST /v1/links, GET /v1/links, POST /v1/links/{id}/close (http_links.h),
 * and the respondent's HTML pages /s/{key} and /form.css (http_form.h).
 *
 * Threads: libmicrohttpd runs a few event threads (MHD_USE_EPOLL with a
 * thread pool, MHD_USE_INTERNAL_POLLING_THREAD) that never block: an idle
 * or slow connection costs a socket and a small buffer. libpq calls block,
 * so a request that needs the database is handed to a worker (workq.h)
 * with its connection suspended (MHD_suspend_connection); the worker makes
 * the answer and resumes the connection, and the event thread queues it.
 * /healthz has a lane of its own (one thread, one database connection) so
 * that it answers within 1.5 s whatever the workers wait on. Deadlines for
 * a request's headers and body and the overall connection limit (503) are
 * connwatch.h's; the per-address limit is MHD's. Every database wait is
 * bounded by the request's deadline (--db-timeout; dbpool.h).
 *
 * Strictness: the raw request target (MHD_OPTION_URI_LOG_CALLBACK, before
 * MHD decodes it) with a %-encoded control character or NUL, or a byte
 * outside printable ASCII, is 400; so is a repeated Content-Length, one
 * with Transfer-Encoding, or a Transfer-Encoding other than "chunked". The
 * log escapes every byte of method and path outside printable ASCII.
 *
 * Bodies: MHD's POST processor is not used (0.9.75 mishandles some JSON
 * bodies); the handler collects the body itself into a buffer capped by the
 * body limit. A Content-Length over the limit is answered 413 before a byte
 * of the body is read. MHD cannot queue an answer while it is handing over
 * body data, so a chunked body that crosses the limit is dropped as it
 * arrives (nothing more is kept) and answered 413 when it ends; a client
 * that sends more than 16 times the limit is cut off (connection closed),
 * and the connection timeout bounds one that stalls.
 *
 * Failure: the database away, frozen or unable to take the work is 503 with
 * Retry-After (db_unavailable decides, db.h), never 500; the pool
 * reconnects on its own. Every error is JSON: {"error": {"status", "path", "message"}}.
 * One log line per request (method, path, status, duration, bytes): never a
 * token, a body, an answer or the client's address.
 */
#ifndef EMPIRIE_HTTP_H
#define EMPIRIE_HTTP_H

#include <stddef.h>

struct http_server;

struct http_config {
    const char *conninfo;    /* libpq conninfo */
    const char *listen;      /* "ADDR:PORT", "[V6ADDR]:PORT"; port 0 picks a free one */
    size_t body_limit;       /* bytes */
    unsigned connections;    /* open HTTP connections before new ones get 503 */
    unsigned per_ip;         /* open connections from one address (more are closed) */
    unsigned threads;        /* workers running requests that need the database */
    unsigned io_threads;     /* MHD's event threads (epoll each) */
    unsigned pool;           /* database connections */
    unsigned writers;        /* group commit threads (gcommit.h), 1 .. pool */
    unsigned timeout;        /* seconds of client silence before a connection is closed */
    unsigned header_timeout; /* seconds for a request's line and headers */
    unsigned body_timeout;   /* seconds for its body, after the headers */
    unsigned db_timeout;     /* seconds: the bound of a request's database work */
    unsigned retry_after;    /* seconds, sent with 503 */
    const char *tls_cert;    /* PEM files: HTTPS when both are set */
    const char *tls_key;
    int allow_closed_waves;  /* submissions outside a wave's window are stored (else 409) */
};

/* Binds, starts the threads and returns. Fails (err says why: bad address,
 * port in use, ...) with *out NULL. The database need not be up. */
int http_start(const struct http_config *cfg, struct http_server **out, char *err,
               size_t errlen);

/* The bound address as "ADDR:PORT" (useful with port 0). */
const char *http_address(const struct http_server *srv);

/* Marks the survey catalog for reloading before the next submission (after
 * `empirie registry load` changed surveys or waves: SIGHUP). */
void http_reload(struct http_server *srv);

/*
 * Stops: no new connections; requests in flight finish (up to drain_seconds;
 * answers sent meanwhile say Connection: close); then every connection is
 * closed and everything freed. Returns the number of requests that were
 * still running when the drain time ran out (0 on a clean stop).
 */
unsigned http_stop(struct http_server *srv, unsigned drain_seconds);

#endif
