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
 * Threads: libpq calls block, so MHD runs one thread per connection
 * (MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD) with a
 * connection limit near the size of the database pool (dbpool.h): a request
 * borrows a PGconn only while it talks to the database. The better option
 * at scale is suspending connections and handing database work to a fixed
 * set of workers; at the load of a survey network the simple model is ample.
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
 * Failure: the database away is 503 with Retry-After; the pool reconnects on
 * its own. Every error is JSON: {"error": {"status", "path", "message"}}.
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
    unsigned connections;    /* simultaneous HTTP connections (= threads) */
    unsigned pool;           /* database connections */
    unsigned writers;        /* group commit threads (gcommit.h), 1 .. pool */
    unsigned timeout;        /* seconds of client silence before a connection is closed */
    unsigned retry_after;    /* seconds, sent with 503 */
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
